//! The connection indicator: connecting, online, reconnecting in N s, offline.
//! The countdown is for the eyes; the status region announces only changes of
//! state, so a screen reader is not told every second.

use leptos::prelude::*;

use super::use_chat;
use crate::state::LinkState;

#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let chat = use_chat();
    let state = move || chat.connection.state.get();
    let kind = Memo::new(move |_| match chat.connection.state.get() {
        LinkState::Connecting => "connecting",
        LinkState::Online => "online",
        LinkState::Waiting { .. } => "reconnecting",
        LinkState::Offline => "offline",
        LinkState::SignedOut => "signed-out",
    });
    let label = move || match state() {
        LinkState::Connecting => "Connecting…".to_owned(),
        LinkState::Online => "Online".to_owned(),
        LinkState::Waiting { seconds } => format!("Reconnecting in {seconds}s"),
        LinkState::Offline => "Offline".to_owned(),
        LinkState::SignedOut => "Signed out".to_owned(),
    };
    let announced = move || match kind.get() {
        "online" => "Connected",
        "connecting" => "Connecting",
        "reconnecting" => "Connection lost, reconnecting",
        "offline" => "Offline: no network",
        _ => "Signed out",
    };
    let can_retry = move || matches!(state(), LinkState::Waiting { .. } | LinkState::Offline);
    view! {
        <div class=move || format!("connection connection-{}", kind.get())>
            <span class="dot" aria-hidden="true"></span>
            <span class="connection-label" aria-hidden="true">{label}</span>
            <span class="visually-hidden" role="status" aria-live="polite">{announced}</span>
            <Show when=can_retry>
                <button class="link-button" type="button" on:click=move |_| chat.connection.reconnect_now()>
                    "Retry now"
                </button>
            </Show>
        </div>
    }
    .into_any()
}
