//! The "new room" form: checks the name with the shared rules, creates the room
//! over HTTP (the creator joins it), then subscribes to it and opens it.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_chat;
use crate::client::http;
use crate::validate::RoomName;

#[component]
pub fn NewRoomForm() -> impl IntoView {
    let chat = use_chat();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A refusal is about the name typed then: it goes when the user moves
    // to another room (the form stays in the sidebar).
    Effect::new(move |_| {
        chat.active.track();
        error.set(None);
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let parsed = match RoomName::parse(&name.get_untracked()) {
            Ok(parsed) => parsed,
            Err(e) => {
                error.set(Some(format!("Room {}.", e.problem)));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match http::create_room(parsed.as_str()).await {
                Ok(room) => {
                    let id = room.id;
                    chat.created(room);
                    name.set(String::new());
                    navigate(&format!("/?room={id}"), NavigateOptions::default());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="sidebar-section new-room" on:submit=on_submit novalidate=true>
            <label for="new-room-name">"New room name"</label>
            <div class="inline-form">
                <input
                    id="new-room-name"
                    type="text"
                    maxlength="64"
                    placeholder="e.g. design-team"
                    aria-describedby="new-room-error"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        error.set(None);
                    }
                />
                <button class="button small primary" type="submit" aria-label="Create room" disabled=move || busy.get()>
                    "Create"
                </button>
            </div>
            <p id="new-room-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
    .into_any()
}
