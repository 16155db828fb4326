//! The connection indicator: connecting, online, reconnecting (now, or in
//! N s), offline.
//! The countdown is for the eyes; the status region announces only changes of
//! state, so a screen reader is not told every second.

use leptos::prelude::*;

use super::use_chat;
use crate::client::socket::Connection;
use crate::i18n::*;
use crate::language::tr;
use crate::state::LinkState;

#[component]
pub fn ConnectionBadge(
    /// The page's connection; the chat's when not given.
    #[prop(optional)]
    connection: Option<Connection>,
) -> impl IntoView {
    let connection = connection.unwrap_or_else(|| use_chat().connection);
    let i18n = use_i18n();
    let state = move || connection.state.get();
    let kind = Memo::new(move |_| match connection.state.get() {
        LinkState::Connecting => "connecting",
        LinkState::Online => "online",
        LinkState::Reconnecting | LinkState::Waiting { .. } => "reconnecting",
        LinkState::Offline => "offline",
        LinkState::SignedOut => "signed-out",
    });
    let label = move || match state() {
        LinkState::Connecting => t_string!(i18n, common.connection.connecting).to_string(),
        LinkState::Reconnecting => t_string!(i18n, common.connection.reconnecting).to_string(),
        LinkState::Online => t_string!(i18n, common.connection.online).to_string(),
        LinkState::Waiting { seconds } => {
            t_string!(i18n, common.connection.reconnecting_in, seconds).to_string()
        }
        LinkState::Offline => t_string!(i18n, common.connection.offline).to_string(),
        LinkState::SignedOut => t_string!(i18n, common.connection.signed_out).to_string(),
    };
    let announced = move || match kind.get() {
        "online" => t_string!(i18n, common.connection.said_connected),
        "connecting" => t_string!(i18n, common.connection.said_connecting),
        "reconnecting" => t_string!(i18n, common.connection.said_reconnecting),
        "offline" => t_string!(i18n, common.connection.said_offline),
        _ => t_string!(i18n, common.connection.said_signed_out),
    };
    let can_retry = move || matches!(state(), LinkState::Waiting { .. } | LinkState::Offline);
    view! {
        <div class=move || format!("connection connection-{}", kind.get())>
            <span class="dot" aria-hidden="true"></span>
            <span class="connection-label" aria-hidden="true">{label}</span>
            <span class="visually-hidden" role="status" aria-live="polite">{announced}</span>
            <Show when=can_retry>
                <button class="link-button" type="button" on:click=move |_| connection.reconnect_now()>
                    {tr(i18n, |l| td_string!(l, common.connection.retry_now))}
                </button>
            </Show>
        </div>
    }
    .into_any()
}
