//! Who is online in the room, you first, each with a button that opens a
//! direct message with them; below, a private room's members (and a public
//! room's, for those who moderate it). Hidden on
//! narrow screens, where the header's "N online" stands in for it.

use leptos::prelude::*;

use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{avatar::Avatar, room_members::RoomMembers, use_chat};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomId;

#[component]
pub fn OnlineList(
    room: RoomId,
    /// A public room's members are shown when this is set (the header's
    /// "Members" button, for those who moderate the room).
    members_open: RwSignal<bool>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let people = Memo::new(move |_| {
        let me = chat
            .me
            .with(|m| m.as_ref().map(|u| u.username.clone()))
            .unwrap_or_default();
        let mut names: Vec<(String, bool)> = chat.online.with(|o| {
            o.get(&room)
                .map(|s| s.iter().map(|n| (n.clone(), *n == me)).collect())
                .unwrap_or_default()
        });
        names.sort_by_key(|(name, mine)| (!mine, name.to_lowercase()));
        names
    });
    // A private room's members are listed to all of them; a public room's
    // to those who moderate it, when they ask (to mute and ban).
    let members_shown = Memo::new(move |_| {
        let asked = members_open.get();
        chat.rooms.with(|r| {
            r.get(room)
                .is_some_and(|x| !x.is_dm() && (x.is_members_only() || asked))
        })
    });
    let navigate = use_navigate();
    // The online list knows names; the DM is opened by id, from the
    // profile the list's avatars asked for.
    let message = move |name: String| {
        let navigate = navigate.clone();
        let Some(person) = chat.profiles.get(&name) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(room) = chat.open_dm_with(person.id).await {
                navigate(&format!("/?room={room}"), NavigateOptions::default());
            }
        });
    };
    view! {
        <aside class="members" aria-labelledby="online-heading">
            <h2 id="online-heading">{t!(i18n, chat.online.heading, count = move || people.with(Vec::len))}</h2>
            <ul class="member-list" aria-label=tr(i18n, |l| td_string!(l, chat.online.list_label))>
                <For
                    each=move || people.get()
                    key=|p| p.clone()
                    children=move |(name, mine)| {
                        let message = message.clone();
                        let label = name.clone();
                        let target = name.clone();
                        let who = name.clone();
                        view! {
                            <li>
                                <span class="presence-dot" aria-hidden="true"></span>
                                <Avatar name=name.clone() small=true/>
                                <span class="member-name">{
                                    let name = name.clone();
                                    move || chat.profiles.shown(&name)
                                }</span>
                                {mine.then(|| view! { <span class="muted small">{tr(i18n, |l| td_string!(l, chat.online.you))}</span> })}
                                {(!mine).then(|| view! {
                                    <button type="button" class="icon-button small message-person member-role"
                                        aria-label=move || t_string!(i18n, chat.dm.message, name = label.clone()).to_string()
                                        title=move || t_string!(i18n, chat.dm.message, name = target.clone()).to_string()
                                        // Enabled once their profile (and id) is known.
                                        disabled={
                                            let name = who.clone();
                                            move || chat.profiles.get(&name).is_none()
                                        }
                                        on:click=move |_| message(who.clone())>"✉"</button>
                                })}
                            </li>
                        }
                    }
                />
            </ul>
            {move || members_shown.get().then(|| view! { <RoomMembers room/> })}
        </aside>
    }
    .into_any()
}
