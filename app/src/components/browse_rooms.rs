//! Rooms you have not joined, each with a Join button. Joining goes over the
//! WebSocket (`join`), so you start receiving the room at once; the room moves
//! to "Your rooms" when its history arrives.
//!
//! The server lists rooms a page at a time: the first page of these comes
//! with the room list, "More rooms" fetches the next, and the search box
//! asks the server for matching names (they join the list, so a room found
//! once stays browsable).

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_chat;
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::RoomSummary;

#[component]
pub fn BrowseRooms() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let search = RwSignal::new(String::new());
    // Whether the server may have more rooms than we hold: after a full page.
    let more = RwSignal::new(None::<bool>);
    let busy = RwSignal::new(false);
    let others = Memo::new(move |_| {
        let needle = search.with(|s| s.trim().to_lowercase());
        chat.rooms.with(|r| {
            r.all()
                .iter()
                .filter(|room| !room.joined)
                .filter(|room| needle.is_empty() || room.name.to_lowercase().contains(&needle))
                .cloned()
                .collect::<Vec<RoomSummary>>()
        })
    });
    let may_have_more = move || {
        more.get().unwrap_or_else(|| {
            chat.rooms
                .with(|r| r.all().iter().filter(|room| !room.joined).count() >= http::BROWSE_PAGE)
        })
    };
    // Fetches a page (the next one, or the first matching the search) and
    // adds it to the list.
    let fetch = move |next: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let needle = search.get_untracked();
        let after = next
            .then(|| others.with_untracked(|o| o.last().map(|r| r.name.clone())))
            .flatten();
        leptos::task::spawn_local(async move {
            let needle = needle.trim();
            let needle = (!needle.is_empty()).then_some(needle);
            match http::other_rooms(after.as_deref(), needle).await {
                Ok(page) => {
                    more.set(Some(page.len() >= http::BROWSE_PAGE));
                    chat.rooms.update(|r| {
                        for room in page {
                            r.upsert(room);
                        }
                    });
                }
                Err(e) => {
                    let error = error_text(lang, &e);
                    chat.notice.set(Some(
                        td_string!(lang.get(), chat.notice.could_not_load_rooms, error).to_string(),
                    ));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <section class="sidebar-section" aria-labelledby="browse-rooms">
            <h2 id="browse-rooms">{tr(i18n, |l| td_string!(l, chat.browse.heading))}</h2>
            <form
                class="browse-search"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                    fetch(false);
                }
            >
                <input
                    type="search"
                    placeholder=tr(i18n, |l| td_string!(l, chat.browse.find))
                    aria-label=tr(i18n, |l| td_string!(l, chat.browse.find))
                    prop:value=move || search.get()
                    on:input=move |ev| {
                        search.set(event_target_value(&ev));
                        more.set(None);
                    }
                />
            </form>
            <Show
                when=move || !others.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="muted small">
                        {move || if !chat.rooms_loaded.get() {
                            t_string!(i18n, chat.browse.loading)
                        } else if search.with(|s| s.trim().is_empty()) {
                            t_string!(i18n, chat.browse.none)
                        } else {
                            t_string!(i18n, chat.browse.none_found)
                        }}
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
                                            aria-label={
                                                let name = room.name.clone();
                                                move || t_string!(i18n, chat.browse.join_label, room = name.clone()).to_string()
                                            }
                                            on:click=join
                                        >
                                            {tr(i18n, |l| td_string!(l, chat.browse.join))}
                                        </button>
                                    </li>
                                }
                            }
                        }
                    />
                </ul>
            </Show>
            <Show when=move || chat.rooms_loaded.get() && may_have_more()>
                <button
                    class="button small"
                    type="button"
                    disabled=move || busy.get()
                    on:click=move |_| fetch(true)
                >
                    {tr(i18n, |l| td_string!(l, chat.browse.more))}
                </button>
            </Show>
        </section>
    }
    .into_any()
}
