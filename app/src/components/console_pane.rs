//! The open conversation: its header (visitor, status, assignee), the actions,
//! the full history (notes marked as such), who is typing, the composer, and
//! what the desk knows of the visitor.

use leptos::prelude::*;

use super::{
    console_actions::ConsoleActions, console_composer::ConsoleComposer,
    console_message::ConsoleMessage, console_row::RatingLine, console_visitor::ConsoleVisitor,
    use_desk,
};
use crate::protocol::ConversationId;

#[component]
pub fn ConsolePane(id: ConversationId) -> impl IntoView {
    let desk = use_desk();
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
            .unwrap_or_else(|| "Visitor".into())
    });
    let status = move || desk.status.get().map(|s| s.as_str()).unwrap_or("…");
    let assignee = move || {
        desk.assignee
            .get()
            .map(|a| format!("Assigned to {}", a.name))
            .unwrap_or_else(|| "Unassigned".into())
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
            .map(|(_, who, _)| format!("{who} is typing…"))
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
        <section class="console-pane" aria-label=move || format!("Conversation with {}", name.get())>
            <header class="console-pane-header">
                <div>
                    <h2 class="console-pane-title">{move || name.get()}</h2>
                    <p class="muted small">
                        <span class=move || format!("status-badge console-status status-{}", status())
                            data-testid="pane-status">{status}</span>
                        " · "
                        <span class="console-assignee">{assignee}</span>
                    </p>
                    {move || rating().map(|r| view! {
                        <p class="console-pane-rating">"Rated " <RatingLine rating=r/></p>
                    })}
                </div>
                <ConsoleActions id/>
            </header>
            <div class="console-pane-body">
                <div class="console-thread">
                    <ol class="console-log" role="log" aria-label="Messages" node_ref=log>
                        {move || desk.thread.with(|t| {
                            t.messages()
                                .cloned()
                                .map(|m| view! { <ConsoleMessage message=m/> })
                                .collect_view()
                        })}
                        {move || pending()
                            .into_iter()
                            .map(|p| view! {
                                <li class="console-message agent pending" class:note=p.private>
                                    {p.private.then(|| view! { <span class="note-label">"Note — only agents see this"</span> })}
                                    <p class="console-body-text">{p.body}</p>
                                    <span class="muted small">"sending…"</span>
                                </li>
                            })
                            .collect_view()}
                    </ol>
                    <p class="typing-line muted small" aria-live="polite">{typing}</p>
                    {move || match handed.get() {
                        Some(to) => view! {
                            <p class="console-handed" role="status" data-testid="handed-to">
                                {format!("Transferred to {to}. You can read this conversation but no longer reply.")}
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
