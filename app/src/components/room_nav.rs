//! The rooms you are in, or your direct messages, with unread badges. Each is
//! a link (`/?room=ID`), so rooms can be opened in new tabs and the back
//! button works. A private room is marked with a lock; a DM is called by its
//! other people. Archived rooms leave the list (the open one stays while it
//! is open) for a folded "Archived" list under it.

use leptos::prelude::*;

use super::use_chat;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{RoomKind, RoomSummary, Visibility};

#[component]
pub fn RoomNav(
    /// Rooms, or direct messages.
    kind: RoomKind,
    /// Called when a room is picked (closes the drawer on narrow screens).
    on_pick: impl Fn() + Send + Sync + Clone + 'static,
    /// Shown under the heading (the DM section's "new message" picker).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let joined = Memo::new(move |_| {
        let me = chat.my_name();
        chat.rooms.with(|r| {
            let open = chat.active.get();
            let mut list: Vec<(RoomSummary, String)> = r
                .joined()
                .filter(|x| x.kind == kind && (!x.archived || open == Some(x.id)))
                .map(|x| (x.clone(), x.title(&me)))
                .collect();
            if kind == RoomKind::Dm {
                list.sort_by_cached_key(|(_, title)| title.to_lowercase());
            }
            list
        })
    });
    let archived = Memo::new(move |_| {
        chat.rooms.with(|r| {
            r.joined()
                .filter(|x| x.kind == kind && x.archived)
                .map(|x| (x.id, x.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let dm = kind == RoomKind::Dm;
    let heading_id = if dm { "your-dms" } else { "your-rooms" };
    view! {
        <nav class="sidebar-section" aria-labelledby=heading_id>
            <h2 id=heading_id>{move || if dm {
                t_string!(i18n, chat.room_nav.dm_heading)
            } else {
                t_string!(i18n, chat.room_nav.heading)
            }}</h2>
            {children.map(|c| c())}
            <Show
                when=move || !joined.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="muted small">
                        {move || match (chat.rooms_loaded.get(), dm) {
                            (false, _) => t_string!(i18n, chat.room_nav.loading),
                            (true, true) => t_string!(i18n, chat.room_nav.no_dms),
                            (true, false) => t_string!(i18n, chat.room_nav.none_joined),
                        }}
                    </p>
                }
            >
                <ul class="room-list">
                    <For
                        each=move || joined.get()
                        key=|(r, title)| (r.id, r.unread, r.mentions, title.clone())
                        children={
                            let on_pick = on_pick.clone();
                            move |(room, title)| {
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
                                            {match (room.kind, room.visibility) {
                                                (RoomKind::Dm, _) => {
                                                    // Green while one of the other people is here.
                                                    let me = chat.my_name();
                                                    let present = move || chat.online.with(|o| {
                                                        o.get(&id).is_some_and(|s| s.iter().any(|n| *n != me))
                                                    });
                                                    view! { <span class="dm-dot presence-dot" class:away=move || !present() aria-hidden="true"></span> }.into_any()
                                                }
                                                (_, Visibility::Private) => view! {
                                                    <span class="hash lock" title=tr(i18n, |l| td_string!(l, chat.room_nav.private))>
                                                        <span aria-hidden="true">"🔒"</span>
                                                        <span class="visually-hidden">{tr(i18n, |l| td_string!(l, chat.room_nav.private))}</span>
                                                    </span>
                                                }.into_any(),
                                                _ => view! { <span class="hash" aria-hidden="true">"#"</span> }.into_any(),
                                            }}
                                            <span class="room-name">{title}</span>
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
            {move || (!archived.with(Vec::is_empty)).then(|| view! {
                <details class="archived-rooms">
                    <summary class="muted small">{t!(i18n, chat.room_nav.archived, count = move || archived.with(Vec::len))}</summary>
                    <ul class="room-list">
                        {archived.get().into_iter().map(|(id, name)| view! {
                            <li><a class="room-link" href=format!("/?room={id}")>
                                <span class="hash" aria-hidden="true">"#"</span>
                                <span class="room-name">{name}</span>
                            </a></li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </nav>
    }
    .into_any()
}
