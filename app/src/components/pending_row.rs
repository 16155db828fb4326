//! A message this tab sent that the server has not confirmed yet: shown at once
//! with a "Sending…" mark, "Waiting to send…" while the server slows this tab
//! down, or with the server's refusal and Retry / Discard.

use leptos::prelude::*;

use super::{avatar::Avatar, message_text::MessageText, use_chat};
use crate::state::outbox::{Pending, PendingStatus};

#[component]
pub fn PendingRow(pending: Pending) -> impl IntoView {
    let chat = use_chat();
    let me = chat
        .me
        .with_untracked(|m| m.as_ref().map(|u| u.username.clone()))
        .unwrap_or_default();
    let Pending {
        client_id,
        body,
        status,
        ..
    } = pending;
    let (label, failure) = match status {
        PendingStatus::Sending => ("Sending…", None),
        // The composer says why and for how long.
        PendingStatus::Queued => ("Waiting to send…", None),
        PendingStatus::Acked(_) => ("Sent", None),
        PendingStatus::Failed { message } => ("Not sent", Some(message)),
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
                {failure.map(|message| view! {
                    <div class="send-error" role="alert">
                        <span>{message}</span>
                        <button class="button small" type="button" on:click={
                            let id = retry_id.clone();
                            move |_| chat.retry(&id)
                        }>"Retry"</button>
                        <button class="button subtle small" type="button" on:click={
                            let id = discard_id.clone();
                            move |_| chat.discard(&id)
                        }>"Discard"</button>
                    </div>
                })}
            </div>
        </div>
    }
    .into_any()
}
