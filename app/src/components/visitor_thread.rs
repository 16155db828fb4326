//! The visitor's conversation: who answers, the messages (the visitor's own
//! on the right, the agent's with their name, the desk's system lines set
//! apart), the sends still on their way, and "X is typing…". Bodies are text
//! with clickable links ([`MessageText`]), never HTML; files come through the
//! visitor's [`Blobs`](crate::client::files::Blobs) (the token, not a cookie).

use leptos::either::Either;
use leptos::prelude::*;

use super::{message_files::MessageFiles, message_text::MessageText, use_visitor};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{AuthorKind, ConversationStatus};
use crate::support_lines::{shown_body, Reader};

#[component]
pub fn VisitorThread() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let log = NodeRef::<leptos::html::Ol>::new();

    let who = move || match (visitor.assignee.get(), visitor.status.get()) {
        (_, ConversationStatus::Resolved) => t_string!(i18n, visitor.thread.resolved).to_string(),
        (Some(agent), _) => {
            t_string!(i18n, visitor.thread.talking_to, name = agent.name).to_string()
        }
        (None, _) => t_string!(i18n, visitor.thread.waiting).to_string(),
    };

    // Keep the newest message in view as messages arrive.
    Effect::new(move |_| {
        visitor.thread.track();
        visitor.typing.track();
        if let Some(el) = log.get() {
            el.set_scroll_top(el.scroll_height());
        }
    });

    let stored = move || {
        visitor.thread.with(|t| {
            t.messages()
                .iter()
                .map(|m| {
                    let class = match m.author_kind {
                        AuthorKind::Visitor => "visitor-msg mine",
                        AuthorKind::Agent => "visitor-msg agent",
                        AuthorKind::System => "visitor-msg system",
                    };
                    let author = match m.author_kind {
                        AuthorKind::Agent => Some(m.author.clone()),
                        _ => None,
                    };
                    let time = browser::local_time(m.sent_at);
                    // System lines in the visitor's words and language.
                    let body = shown_body(i18n.get_locale(), m, Reader::Visitor);
                    let files = (!m.files.is_empty()).then(|| m.files.clone());
                    view! {
                        <li class=class>
                            {author.map(|a| view! { <span class="visitor-author">{a}</span> })}
                            <span class="visitor-body"><MessageText body/></span>
                            {files.map(|files| view! { <MessageFiles files blobs=visitor.blobs/> })}
                            <span class="visitor-time small muted">{time}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let pending = move || {
        visitor.thread.with(|t| {
            t.pending()
                .iter()
                .map(|p| {
                    let cid = p.client_id.clone();
                    let cid2 = p.client_id.clone();
                    let body = p.body.clone();
                    let failed = p.failed.clone();
                    let is_failed = failed.is_some();
                    let files = (!p.files.is_empty()).then(|| p.files.clone());
                    view! {
                        <li class="visitor-msg mine pending" class:failed=is_failed>
                            <span class="visitor-body"><MessageText body/></span>
                            {files.map(|files| view! { <MessageFiles files blobs=visitor.blobs/> })}
                            {match failed {
                                None => Either::Left(view! { <span class="visitor-time small muted">{tr(i18n, |l| td_string!(l, visitor.thread.sending))}</span> }),
                                Some(reason) => Either::Right(view! {
                                    <span class="field-error">{t!(i18n, visitor.thread.not_sent, reason)}</span>
                                    <span class="visitor-retry">
                                        <button class="link-button" type="button" on:click=move |_| visitor.retry(&cid)>{tr(i18n, |l| td_string!(l, visitor.thread.retry))}</button>
                                        <button class="link-button" type="button" on:click=move |_| visitor.discard(&cid2)>{tr(i18n, |l| td_string!(l, visitor.thread.discard))}</button>
                                    </span>
                                }),
                            }}
                        </li>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <section class="visitor-thread" aria-label=tr(i18n, |l| td_string!(l, visitor.thread.conversation))>
            <p class="visitor-assignee" aria-live="polite">{who}</p>
            <ol class="visitor-log" role="log" aria-label=tr(i18n, |l| td_string!(l, visitor.thread.messages)) node_ref=log>
                {stored}
                // A read receipt: the newest message is mine and the staff have read it.
                {move || {
                    let seen = visitor.thread.with(|t| {
                        t.messages().last().is_some_and(|m| {
                            m.author_kind == AuthorKind::Visitor
                                && visitor.agent_read.get().is_some_and(|r| r >= m.id)
                        })
                    });
                    seen.then(|| view! {
                        <li class="seen-by muted small">{tr(i18n, |l| td_string!(l, visitor.thread.seen))}</li>
                    })
                }}
                {pending}
            </ol>
            <p class="visitor-typing small muted" aria-live="polite">
                {move || visitor.typing.get().map(|t| t_string!(i18n, visitor.thread.typing, name = t.who).to_string())}
            </p>
        </section>
    }
}
