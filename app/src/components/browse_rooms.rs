//! Rooms you have not joined, each with a Join button. Joining goes over the
//! WebSocket (`join`), so you start receiving the room at once; the room moves
//! to "Your rooms" when its history arrives.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_chat;
use crate::protocol::RoomSummary;

#[component]
pub fn BrowseRooms() -> impl IntoView {
    let chat = use_chat();
    let navigate = use_navigate();
    let others = Memo::new(move |_| {
        chat.rooms.with(|r| {
            r.all()
                .iter()
                .filter(|room| !room.joined)
                .cloned()
                .collect::<Vec<RoomSummary>>()
        })
    });
    view! {
        <section class="sidebar-section" aria-labelledby="browse-rooms">
            <h2 id="browse-rooms">"Browse rooms"</h2>
            <Show
                when=move || !others.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="muted small">
                        {move || if chat.rooms_loaded.get() { "No other rooms to join." } else { "Loading rooms…" }}
                    </p>
                }
            >
                <ul class="browse-list">
                    <For
                        each=move || others.get()
                        key=|r| (r.id, r.name.clone())
                        children={
                            let navigate = navigate.clone();
                            move |room| {
                                let id = room.id;
                                let navigate = navigate.clone();
                                let join = move |_| {
                                    if chat.join(id) {
                                        navigate(&format!("/?room={id}"), NavigateOptions::default());
                                    }
                                };
                                view! {
                                    <li>
                                        <span class="room-name"><span class="hash" aria-hidden="true">"#"</span>{room.name.clone()}</span>
                                        <button
                                            class="button small"
                                            type="button"
                                            aria-label=format!("Join {}", room.name)
                                            on:click=join
                                        >
                                            "Join"
                                        </button>
                                    </li>
                                }
                            }
                        }
                    />
                </ul>
            </Show>
        </section>
    }
    .into_any()
}
