//! The room header's pinned messages: a button with their count that opens
//! the list (latest pinned first, who pinned each); a click on one shows it
//! in the room (its thread, for a reply), and each can be unpinned there.

use leptos::prelude::*;

use super::use_chat;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{PinnedMessage, RoomId};

/// How much of a pinned message the list shows.
const SNIPPET_CHARS: usize = 140;

#[component]
pub fn PinsMenu(room: RoomId) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    if chat.pins.with_untracked(|p| !p.contains_key(&room)) {
        chat.load_pins(room);
    }
    let open = RwSignal::new(false);
    let list = Memo::new(move |_| {
        chat.pins
            .with(|p| p.get(&room).cloned().unwrap_or_default())
    });
    let count = move || list.with(Vec::len);
    let row = move |pin: PinnedMessage| {
        let id = pin.message.id;
        let thread = pin.message.thread.filter(|_| !pin.message.in_room());
        let author = chat.profiles.shown(&pin.message.author);
        let mut text: String = pin.message.body.chars().take(SNIPPET_CHARS).collect();
        if pin.message.body.chars().count() > SNIPPET_CHARS {
            text.push('…');
        }
        if text.is_empty() {
            text = pin
                .message
                .files
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
        }
        let by = chat.profiles.shown(&pin.by);
        let show = move |_| {
            open.set(false);
            match thread {
                Some(parent) => {
                    chat.open_thread(room, parent);
                    chat.flash.set(Some(id));
                }
                None => chat.reveal(room, id),
            }
        };
        view! {
            <li class="pin">
                <button type="button" class="pin-show" on:click=show>
                    <span class="pin-author">{author}</span>
                    <span class="pin-text">{text}</span>
                </button>
                <span class="muted small">{move || t_string!(i18n, chat.pins.by, who = by.clone()).to_string()}</span>
                <button type="button" class="link-button small" on:click=move |_| { chat.pin(id, false); }>
                    {tr(i18n, |l| td_string!(l, chat.pins.unpin))}
                </button>
            </li>
        }
    };
    view! {
        <div class="pins-menu" hidden=move || count() == 0>
            <button class="button subtle small room-pins-button" type="button" data-testid="pins-button"
                aria-label=tr(i18n, |l| td_string!(l, chat.pins.open))
                title=tr(i18n, |l| td_string!(l, chat.pins.open))
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || format!("📌 {}", count())}
            </button>
            <Show when=move || open.get()>
                <div class="pins-list" role="dialog" aria-label=tr(i18n, |l| td_string!(l, chat.pins.heading))>
                    <header>
                        <h2>{tr(i18n, |l| td_string!(l, chat.pins.heading))}</h2>
                        <button class="icon-button small" type="button"
                            aria-label=tr(i18n, |l| td_string!(l, chat.pins.close))
                            on:click=move |_| open.set(false)>"✕"</button>
                    </header>
                    <ul>{move || list.get().into_iter().map(row).collect_view()}</ul>
                </div>
            </Show>
        </div>
    }
}
