//! "New message": pick one person (a 1:1 DM) or several (a group DM, at
//! most [`MAX_DM_PEOPLE`] people with you), then open the conversation. The
//! server finds the DM these people already have, or makes it.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{people_picker::PeoplePicker, use_chat};
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::{User, MAX_DM_PEOPLE};

#[component]
pub fn DmPicker(
    /// Called once a conversation opens (closes the drawer on narrow screens).
    on_open: impl Fn() + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let picked = RwSignal::new(Vec::<User>::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let exclude = Signal::derive(move || {
        let mut names: Vec<String> =
            picked.with(|p| p.iter().map(|u| u.username.clone()).collect());
        names.push(chat.my_name());
        names
    });
    let pick = Callback::new(move |person: User| {
        error.set(None);
        if picked.with(|p| p.len() + 1 >= MAX_DM_PEOPLE) {
            error.set(Some(
                td_string!(lang.get(), chat.dm.too_many, count = MAX_DM_PEOPLE).to_string(),
            ));
            return;
        }
        picked.update(|p| p.push(person));
    });
    let start = move |_| {
        let users: Vec<_> = picked.with_untracked(|p| p.iter().map(|u| u.id).collect());
        if users.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        let on_open = on_open.clone();
        leptos::task::spawn_local(async move {
            match http::open_dm(users).await {
                Ok(room) => {
                    let id = room.id;
                    chat.created(room);
                    picked.set(Vec::new());
                    open.set(false);
                    on_open();
                    navigate(&format!("/?room={id}"), NavigateOptions::default());
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };
    let close = move |_| {
        open.set(false);
        picked.set(Vec::new());
        error.set(None);
    };
    let placeholder =
        Signal::derive(move || t_string!(i18n, chat.dm.search_placeholder).to_string());

    view! {
        {move || if open.get() {
            let start = start.clone();
            view! {
                <div class="dm-picker" role="group" aria-label=tr(i18n, |l| td_string!(l, chat.dm.new_label))>
                    <label for="dm-search" class="small">{tr(i18n, |l| td_string!(l, chat.dm.search))}</label>
                    <div class="picked">
                        {move || picked.get().into_iter().map(|u| {
                            let id = u.id;
                            let name = u.username.clone();
                            view! {
                                <span class="chip">
                                    {u.username.clone()}
                                    <button type="button"
                                        aria-label=move || t_string!(i18n, chat.dm.remove_pick, name = name.clone()).to_string()
                                        on:click=move |_| picked.update(|p| p.retain(|x| x.id != id))>"×"</button>
                                </span>
                            }
                        }).collect_view()}
                    </div>
                    <PeoplePicker input_id="dm-search" placeholder exclude on_pick=pick/>
                    <p class="field-error" aria-live="polite">{move || error.get()}</p>
                    <div class="inline-form">
                        <button type="button" class="button small primary" disabled=move || busy.get() || picked.with(Vec::is_empty)
                            on:click=start>{tr(i18n, |l| td_string!(l, chat.dm.start))}</button>
                        <button type="button" class="button small subtle" on:click=close>{tr(i18n, |l| td_string!(l, chat.dm.cancel))}</button>
                    </div>
                </div>
            }.into_any()
        } else {
            view! {
                <button type="button" class="button small subtle new-dm" on:click=move |_| open.set(true)>
                    "+ " {tr(i18n, |l| td_string!(l, chat.dm.new))}
                </button>
            }.into_any()
        }}
    }
    .into_any()
}
