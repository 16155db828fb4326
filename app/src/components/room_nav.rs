//! The rooms you are in, with unread badges. Each is a link (`/?room=ID`), so
//! rooms can be opened in new tabs and the back button works.

use leptos::prelude::*;

use super::use_chat;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomSummary;

#[component]
pub fn RoomNav(
    /// Called when a room is picked (closes the drawer on narrow screens).
    on_pick: impl Fn() + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let joined = Memo::new(move |_| {
        chat.rooms
            .with(|r| r.joined().cloned().collect::<Vec<RoomSummary>>())
    });
    view! {
        <nav class="sidebar-section" aria-labelledby="your-rooms">
            <h2 id="your-rooms">{tr(i18n, |l| td_string!(l, chat.room_nav.heading))}</h2>
            <Show
                when=move || !joined.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="muted small">
                        {move || if chat.rooms_loaded.get() {
                            t_string!(i18n, chat.room_nav.none_joined)
                        } else {
                            t_string!(i18n, chat.room_nav.loading)
                        }}
                    </p>
                }
            >
                <ul class="room-list">
                    <For
                        each=move || joined.get()
                        key=|r| (r.id, r.unread, r.mentions, r.name.clone())
                        children={
                            let on_pick = on_pick.clone();
                            move |room| {
                                let id = room.id;
                                let on_pick = on_pick.clone();
                                let current = move || chat.active.get() == Some(id);
                                let has_unread = room.unread > 0;
                                view! {
                                    <li>
                                        <a
                                            class="room-link"
                                            class:active=current
                                            class:unread=has_unread
                                            href=format!("/?room={id}")
                                            aria-current=move || current().then_some("page")
                                            on:click=move |_| on_pick()
                                        >
                                            <span class="hash" aria-hidden="true">"#"</span>
                                            <span class="room-name">{room.name.clone()}</span>
                                            {(room.mentions > 0).then(|| view! {
                                                <span class="mention-mark" title=tr(i18n, |l| td_string!(l, chat.room_nav.mentioned))>
                                                    <span aria-hidden="true">"@"</span>
                                                    <span class="visually-hidden">{t!(i18n, chat.room_nav.mentions_said, count = room.mentions)}</span>
                                                </span>
                                            })}
                                            {(room.unread > 0).then(|| view! {
                                                <span class="badge">
                                                    <span aria-hidden="true">{if room.unread > 99 { "99+".to_owned() } else { room.unread.to_string() }}</span>
                                                    <span class="visually-hidden">{t!(i18n, chat.room_nav.unread_said, count = room.unread)}</span>
                                                </span>
                                            })}
                                        </a>
                                    </li>
                                }
                            }
                        }
                    />
                </ul>
            </Show>
        </nav>
    }
    .into_any()
}
