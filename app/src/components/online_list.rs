//! Who is online in the room, you first. Hidden on narrow screens, where the
//! header's "N online" stands in for it.

use leptos::prelude::*;

use super::{avatar::Avatar, use_chat};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomId;

#[component]
pub fn OnlineList(room: RoomId) -> impl IntoView {
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
    view! {
        <aside class="members" aria-labelledby="online-heading">
            <h2 id="online-heading">{t!(i18n, chat.online.heading, count = move || people.with(Vec::len))}</h2>
            <ul class="member-list" aria-label=tr(i18n, |l| td_string!(l, chat.online.list_label))>
                <For
                    each=move || people.get()
                    key=|p| p.clone()
                    children=move |(name, mine)| view! {
                        <li>
                            <span class="presence-dot" aria-hidden="true"></span>
                            <Avatar name=name.clone() small=true/>
                            <span class="member-name">{name.clone()}</span>
                            {mine.then(|| view! { <span class="muted small">{tr(i18n, |l| td_string!(l, chat.online.you))}</span> })}
                        </li>
                    }
                />
            </ul>
        </aside>
    }
    .into_any()
}
