//! What an agent can do with the open conversation: claim it from the queue,
//! transfer it, assign it (admins), mark it pending, resolve or reopen it, and
//! download its transcript. The server checks each again and answers with
//! `support.assigned` / `support.status`, which is what the pane shows.

use leptos::prelude::*;

use super::use_desk;
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{ClientFrame, ConversationId, ConversationStatus, UserId};
use crate::state::desk::Desk;

#[component]
pub fn ConsoleActions(id: ConversationId) -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    let status = move || desk.status.get();
    let mine = move || {
        let me = desk.my_id();
        desk.assignee
            .with(|a| a.as_ref().is_some_and(|a| a.id == me))
    };
    let unassigned = move || desk.assignee.with(Option::is_none);
    let admin = move || desk.is_admin();
    let transfer_to = RwSignal::new(String::new());
    let assign_to = RwSignal::new(String::new());
    let agents = move |others_only: bool| {
        let me = desk.my_id();
        desk.lists.with(|l| {
            l.agents
                .values()
                .filter(|a| !others_only || a.id != me)
                .map(|a| (a.id, a.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let pick = |value: String| value.parse::<i64>().ok().map(UserId);
    let transfer = move |_| {
        if let Some(agent) = pick(transfer_to.get_untracked()) {
            desk.act(
                ClientFrame::SupportTransfer {
                    conversation: id,
                    agent,
                },
                &td_string!(desk.lang.get(), console.actions.what_transfer).to_string(),
            );
        }
    };
    let assign = move |_| {
        if let Some(agent) = pick(assign_to.get_untracked()) {
            desk.act(
                ClientFrame::SupportAssign {
                    conversation: id,
                    agent,
                },
                &td_string!(desk.lang.get(), console.actions.what_assignment).to_string(),
            );
        }
    };
    let options = move |others_only: bool| {
        agents(others_only)
            .into_iter()
            .map(|(id, name)| view! { <option value=id.0.to_string()>{name}</option> })
            .collect_view()
    };

    view! {
        <div class="console-actions" role="group" aria-label=tr(i18n, |l| td_string!(l, console.actions.group))>
            <Show when=unassigned>
                {action(desk, "button primary small", tr(i18n, |l| td_string!(l, console.actions.claim)),
                    ClientFrame::SupportClaim { conversation: id },
                    |l| td_string!(l, console.actions.what_claiming).to_string())}
            </Show>
            <Show when=move || mine() || admin()>
                <span class="console-pick">
                    <select aria-label=tr(i18n, |l| td_string!(l, console.actions.transfer_to)) on:change=move |ev| transfer_to.set(event_target_value(&ev))
                        prop:value=move || transfer_to.get()>
                        <option value="">{tr(i18n, |l| td_string!(l, console.actions.transfer_to_choose))}</option>
                        {move || options(true)}
                    </select>
                    <button class="button subtle small" type="button" on:click=transfer
                        disabled=move || transfer_to.with(String::is_empty)>{tr(i18n, |l| td_string!(l, console.actions.transfer))}</button>
                </span>
            </Show>
            <Show when=admin>
                <span class="console-pick">
                    <select aria-label=tr(i18n, |l| td_string!(l, console.actions.assign_to)) on:change=move |ev| assign_to.set(event_target_value(&ev))
                        prop:value=move || assign_to.get()>
                        <option value="">{tr(i18n, |l| td_string!(l, console.actions.assign_to_choose))}</option>
                        {move || options(false)}
                    </select>
                    <button class="button subtle small" type="button" on:click=assign
                        disabled=move || assign_to.with(String::is_empty)>{tr(i18n, |l| td_string!(l, console.actions.assign))}</button>
                </span>
            </Show>
            <Show when=move || status() == Some(ConversationStatus::Open)>
                {action(desk, "button subtle small", tr(i18n, |l| td_string!(l, console.actions.mark_pending)),
                    ClientFrame::SupportPending { conversation: id },
                    |l| td_string!(l, console.actions.what_status_change).to_string())}
            </Show>
            <Show when=move || status().is_some_and(|s| s != ConversationStatus::Resolved)>
                {action(desk, "button subtle small", tr(i18n, |l| td_string!(l, console.actions.resolve)),
                    ClientFrame::SupportResolve { conversation: id },
                    |l| td_string!(l, console.actions.what_resolving).to_string())}
            </Show>
            <Show when=move || status().is_some_and(|s| s != ConversationStatus::Open)>
                {action(desk, "button subtle small", tr(i18n, |l| td_string!(l, console.actions.reopen)),
                    ClientFrame::SupportReopen { conversation: id },
                    |l| td_string!(l, console.actions.what_reopening).to_string())}
            </Show>
            <a class="button subtle small" href=http::support_transcript_url(id) download="">
                {tr(i18n, |l| td_string!(l, console.actions.download_transcript))}
            </a>
        </div>
    }
    .into_any()
}

/// A button that sends one frame about the open conversation. `what` names
/// the action, in the UI's language, in the notice the agent gets when it
/// could not be sent.
fn action(
    desk: Desk,
    class: &'static str,
    label: impl IntoView + 'static,
    frame: ClientFrame,
    what: fn(Locale) -> String,
) -> impl IntoView {
    view! {
        <button class=class type="button" on:click=move |_| desk.act(frame.clone(), &what(desk.lang.get()))>
            {label}
        </button>
    }
}
