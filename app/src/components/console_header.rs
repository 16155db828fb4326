//! The console's header: the brand, the agent's availability picker (remembered
//! in the browser and sent again after every reconnect), the button that asks
//! for desktop notifications (asked on a click, never on load), the connection
//! state and the way back to chat.

use leptos::prelude::*;

use super::use_desk;
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::Availability;
use crate::state::LinkState;

#[component]
pub fn ConsoleHeader() -> impl IntoView {
    let desk = use_desk();
    let i18n = use_i18n();
    let permission = RwSignal::new("unsupported");
    Effect::new(move |_| permission.set(browser::notification_permission()));
    let ask = move |_| {
        leptos::task::spawn_local(async move {
            permission.set(browser::request_notifications().await);
        });
    };
    let on_change = move |ev: leptos::ev::Event| {
        let status = match event_target_value(&ev).as_str() {
            "online" => Availability::Online,
            "away" => Availability::Away,
            _ => Availability::Offline,
        };
        desk.set_availability(status);
    };
    let value = move || match desk.availability.get() {
        Availability::Online => "online",
        Availability::Away => "away",
        Availability::Offline => "offline",
    };
    let link = move || match desk.connection.state.get() {
        LinkState::Online => t_string!(i18n, console.header.link_connected).to_string(),
        LinkState::Connecting => t_string!(i18n, console.header.link_connecting).to_string(),
        LinkState::Reconnecting => t_string!(i18n, console.header.link_reconnecting).to_string(),
        LinkState::Waiting { seconds } => {
            t_string!(i18n, console.header.link_reconnecting_in, seconds).to_string()
        }
        LinkState::Offline => t_string!(i18n, console.header.link_offline).to_string(),
        LinkState::SignedOut => t_string!(i18n, console.header.link_signed_out).to_string(),
    };

    view! {
        <header class="admin-header console-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24"/>
                <span>"Switchboard"</span>
            </a>
            <h1 class="console-title">{tr(i18n, |l| td_string!(l, console.header.title))}</h1>
            <label class="console-availability">
                <span>{tr(i18n, |l| td_string!(l, console.header.your_status))}</span>
                <select prop:value=value on:change=on_change class=move || format!("availability-{}", value())>
                    <option value="online">{tr(i18n, |l| td_string!(l, console.header.online))}</option>
                    <option value="away">{tr(i18n, |l| td_string!(l, console.header.away))}</option>
                    <option value="offline">{tr(i18n, |l| td_string!(l, console.header.offline))}</option>
                </select>
            </label>
            <Show when=move || permission.get() == "default">
                <button class="button subtle small" type="button" on:click=ask>
                    {tr(i18n, |l| td_string!(l, console.header.enable_notifications))}
                </button>
            </Show>
            <span class="console-link muted small" role="status">{link}</span>
            <a class="button subtle small" href="/">{tr(i18n, |l| td_string!(l, console.header.back_to_chat))}</a>
        </header>
    }
    .into_any()
}
