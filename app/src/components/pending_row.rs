//! A message this tab sent that the server has not confirmed yet: shown at once
//! with a "Sending…" mark, "Waiting to send…" while the server slows this tab
//! down, or with the server's refusal and Retry / Discard. Its files show
//! as they will once it is stored.

use leptos::prelude::*;

use super::{avatar::Avatar, message_files::MessageFiles, message_text::MessageText, use_chat};
use crate::i18n::*;
use crate::language::tr;
use crate::state::outbox::{Pending, PendingStatus};

/// The mark beside a pending message's author.
#[derive(Clone, Copy)]
enum Kind {
    Sending,
    Queued,
    Sent,
    NotSent,
}

#[component]
pub fn PendingRow(pending: Pending) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let me = chat
        .me
        .with_untracked(|m| m.as_ref().map(|u| u.username.clone()))
        .unwrap_or_default();
    let Pending {
        client_id,
        body,
        files,
        status,
        ..
    } = pending;
    let (kind, failure) = match status {
        PendingStatus::Sending => (Kind::Sending, None),
        // The composer says why and for how long.
        PendingStatus::Queued => (Kind::Queued, None),
        PendingStatus::Acked(_) => (Kind::Sent, None),
        PendingStatus::Failed { message } => (Kind::NotSent, Some(message)),
    };
    let label = move || match kind {
        Kind::Sending => t_string!(i18n, chat.pending.sending),
        Kind::Queued => t_string!(i18n, chat.pending.queued),
        Kind::Sent => t_string!(i18n, chat.pending.sent),
        Kind::NotSent => t_string!(i18n, chat.pending.not_sent),
    };
    let failed = failure.is_some();
    let retry_id = client_id.clone();
    let discard_id = client_id.clone();
    view! {
        <div class="message pending" class:failed=failed data-client-id=client_id>
            <div class="gutter"><Avatar name=me.clone()/></div>
            <div class="message-content">
                <div class="message-meta">
                    <span class="author">{me.clone()}</span>
                    <span class="pending-status">{label}</span>
                </div>
                <div class="message-body"><MessageText body=body/></div>
                {(!files.is_empty()).then(|| view! { <MessageFiles files/> })}
                {failure.map(|message| view! {
                    <div class="send-error" role="alert">
                        <span>{message}</span>
                        <button class="button small" type="button" on:click={
                            let id = retry_id.clone();
                            move |_| chat.retry(&id)
                        }>{tr(i18n, |l| td_string!(l, chat.pending.retry))}</button>
                        <button class="button subtle small" type="button" on:click={
                            let id = discard_id.clone();
                            move |_| chat.discard(&id)
                        }>{tr(i18n, |l| td_string!(l, chat.pending.discard))}</button>
                    </div>
                })}
            </div>
        </div>
    }
    .into_any()
}
