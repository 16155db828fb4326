//! The console's header: the brand, the agent's availability picker (remembered
//! in the browser and sent again after every reconnect), the button that asks
//! for desktop notifications (asked on a click, never on load), the connection
//! state and the way back to chat.

use leptos::prelude::*;

use super::use_desk;
use crate::client::browser;
use crate::protocol::Availability;
use crate::state::LinkState;

#[component]
pub fn ConsoleHeader() -> impl IntoView {
    let desk = use_desk();
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
        LinkState::Online => "Connected".to_owned(),
        LinkState::Connecting => "Connecting…".to_owned(),
        LinkState::Waiting { seconds } => format!("Reconnecting in {seconds}s"),
        LinkState::Offline => "Offline".to_owned(),
        LinkState::SignedOut => "Signed out".to_owned(),
    };

    view! {
        <header class="admin-header console-header">
            <a class="brand" href="/">
                <img src="/favicon.svg" alt="" width="24" height="24"/>
                <span>"Switchboard"</span>
            </a>
            <h1 class="console-title">"Support console"</h1>
            <label class="console-availability">
                <span>"Your status"</span>
                <select prop:value=value on:change=on_change class=move || format!("availability-{}", value())>
                    <option value="online">"Online"</option>
                    <option value="away">"Away"</option>
                    <option value="offline">"Offline"</option>
                </select>
            </label>
            <Show when=move || permission.get() == "default">
                <button class="button subtle small" type="button" on:click=ask>
                    "Enable notifications"
                </button>
            </Show>
            <span class="console-link muted small" role="status">{link}</span>
            <a class="button subtle small" href="/">"← Back to chat"</a>
        </header>
    }
    .into_any()
}
