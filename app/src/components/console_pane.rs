//! The open conversation: its header (visitor, status, assignee), the actions,
//! the full history (notes marked as such), who is typing, the composer, and
//! what the desk knows of the visitor.

use leptos::prelude::*;

use super::{
    console_actions::ConsoleActions, console_composer::ConsoleComposer,
    console_message::ConsoleMessage, console_row::RatingLine, console_visitor::ConsoleVisitor,
    message_files::MessageFiles, use_desk,
};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{AuthorKind, ConversationId, ConversationStatus};

#[component]
pub fn ConsolePane(id: ConversationId) -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    let name = Memo::new(move |_| {
        let from_detail = desk.detail.with(|d| {
            d.as_ref()
                .and_then(|d| d.visitor.name.clone().or(d.row.visitor_name.clone()))
        });
        from_detail
            .or_else(|| {
                desk.lists
                    .with(|l| l.rows.get(&id).and_then(|r| r.visitor_name.clone()))
            })
            .unwrap_or_else(|| t_string!(i18n, console.pane.visitor).to_string())
    });
    // The raw value names the CSS class; people read it in their language.
    let status = move || desk.status.get().map(|s| s.as_str()).unwrap_or("…");
    let status_name = move || match desk.status.get() {
        Some(ConversationStatus::Open) => t_string!(i18n, console.status.open),
        Some(ConversationStatus::Pending) => t_string!(i18n, console.status.pending),
        Some(ConversationStatus::Resolved) => t_string!(i18n, console.status.resolved),
        None => "…",
    };
    let assignee = move || match desk.assignee.get() {
        Some(a) => t_string!(i18n, console.pane.assigned_to, name = a.name).to_string(),
        None => t_string!(i18n, console.pane.unassigned).to_string(),
    };
    // The live row first (a rating arriving while the pane is open), else
    // what the detail said.
    let rating = move || {
        desk.lists
            .with(|l| l.rows.get(&id).and_then(|r| r.rating.clone()))
            .or_else(|| {
                desk.detail
                    .with(|d| d.as_ref().and_then(|d| d.rating.clone()))
            })
    };
    // Given to another agent: read-only here (the server refuses replies).
    let handed = Memo::new(move |_| desk.handed_to().map(|a| a.name));
    let log = NodeRef::<leptos::html::Ol>::new();
    // Keep the newest message in view as messages arrive.
    Effect::new(move |_| {
        desk.thread.track();
        desk.outbox.track();
        if let Some(el) = log.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });
    let typing = move || {
        desk.typing
            .get()
            .filter(|(c, _, _)| *c == id)
            .map(|(_, name, _)| t_string!(i18n, console.pane.typing, name).to_string())
    };
    let pending = move || {
        desk.outbox.with(|o| {
            o.iter()
                .filter(|p| p.conversation == id)
                .cloned()
                .collect::<Vec<_>>()
        })
    };

    view! {
        <section class="console-pane" aria-label=move || t_string!(i18n, console.pane.conversation_with, name = name.get()).to_string()>
            <header class="console-pane-header">
                <div>
                    <h2 class="console-pane-title">{move || name.get()}</h2>
                    <p class="muted small">
                        <span class=move || format!("status-badge console-status status-{}", status())
                            data-testid="pane-status">{status_name}</span>
                        " · "
                        <span class="console-assignee">{assignee}</span>
                    </p>
                    {move || rating().map(|r| view! {
                        <p class="console-pane-rating">{tr(i18n, |l| td_string!(l, console.pane.rated))} " " <RatingLine rating=r/></p>
                    })}
                </div>
                <ConsoleActions id/>
            </header>
            <div class="console-pane-body">
                <div class="console-thread">
                    <ol class="console-log" role="log" aria-label=tr(i18n, |l| td_string!(l, console.pane.messages)) node_ref=log>
                        {move || desk.thread.with(|t| {
                            t.messages()
                                .cloned()
                                .map(|m| view! { <ConsoleMessage message=m/> })
                                .collect_view()
                        })}
                        // A read receipt: the newest message is a reply the visitor has read.
                        {move || {
                            let seen = desk.thread.with(|t| {
                                t.messages().last().is_some_and(|m| {
                                    m.author_kind == AuthorKind::Agent
                                        && !m.private
                                        && desk.visitor_read.get().is_some_and(|r| r >= m.id)
                                })
                            });
                            seen.then(|| view! {
                                <li class="seen-by muted small">{tr(i18n, |l| td_string!(l, console.pane.seen))}</li>
                            })
                        }}
                        {move || pending()
                            .into_iter()
                            .map(|p| view! {
                                <li class="console-message agent pending" class:note=p.private>
                                    {p.private.then(|| view! { <span class="note-label">{tr(i18n, |l| td_string!(l, console.message.note_label))}</span> })}
                                    <p class="console-body-text">{p.body}</p>
                                    {(!p.files.is_empty()).then(|| view! { <MessageFiles files=p.files/> })}
                                    <span class="muted small">{tr(i18n, |l| td_string!(l, console.pane.sending))}</span>
                                </li>
                            })
                            .collect_view()}
                    </ol>
                    <p class="typing-line muted small" aria-live="polite">{typing}</p>
                    {move || match handed.get() {
                        Some(to) => view! {
                            <p class="console-handed" role="note" data-testid="handed-to">
                                {t!(i18n, console.pane.handed_to, name = to)}
                            </p>
                        }.into_any(),
                        None => view! { <ConsoleComposer id name/> }.into_any(),
                    }}
                </div>
                <ConsoleVisitor/>
            </div>
        </section>
    }
    .into_any()
}
