//! The main pane for one room: header (name, who is online, leave), the
//! message list, the typing line, the composer, and the online list beside.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{
    composer::Composer, message_list::MessageList, online_list::OnlineList,
    typing_line::TypingLine, use_chat,
};
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomId;

#[component]
pub fn RoomView(
    room: RoomId,
    /// Opens the room drawer on narrow screens.
    open_sidebar: RwSignal<bool>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let dm = Memo::new(move |_| chat.rooms.with(|r| r.get(room).is_some_and(|x| x.is_dm())));
    // What the room is called on screen: "#general", or a DM's other people.
    let name = Memo::new(move |_| {
        let me = chat.my_name();
        chat.rooms
            .with(|r| {
                r.get(room).map(|x| {
                    if x.is_dm() {
                        x.title(&me)
                    } else {
                        format!("#{}", x.name)
                    }
                })
            })
            .unwrap_or_default()
    });
    let online_count = move || chat.online.with(|o| o.get(&room).map_or(0, |s| s.len()));
    let confirming_leave = RwSignal::new(false);
    let navigate = use_navigate();
    let leave = move |_| {
        confirming_leave.set(false);
        if chat.leave(room) {
            // "/" opens the first room still joined.
            navigate(
                "/",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    };
    view! {
        <section class="room" aria-labelledby="room-title">
            <header class="room-header">
                <button
                    class="icon-button menu-button"
                    type="button"
                    aria-label=tr(i18n, |l| td_string!(l, chat.show_rooms))
                    aria-controls="sidebar"
                    aria-expanded=move || open_sidebar.get().to_string()
                    on:click=move |_| open_sidebar.set(true)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                        <path d="M3 6h18M3 12h18M3 18h18" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
                    </svg>
                </button>
                <h1 id="room-title">
                    {move || (!dm.get()).then(|| view! { <span class="hash" aria-hidden="true">"#"</span> })}
                    {move || {
                        let shown = name.get();
                        match shown.strip_prefix('#') {
                            Some(bare) if !dm.get() => bare.to_owned(),
                            _ => shown,
                        }
                    }}
                </h1>
                <span class="header-meta">{t!(i18n, chat.room.online_count, count = online_count)}</span>
                // A DM's people are fixed: nobody leaves one.
                <div class="header-actions" hidden=move || dm.get()>
                    <Show
                        when=move || confirming_leave.get()
                        fallback=move || view! {
                            <button class="button subtle small" type="button" on:click=move |_| confirming_leave.set(true)>
                                {tr(i18n, |l| td_string!(l, chat.room.leave))}
                            </button>
                        }
                    >
                        <span class="confirm">
                            {tr(i18n, |l| td_string!(l, chat.room.leave_confirm))}
                            <button class="button danger small" type="button" on:click=leave.clone()>{tr(i18n, |l| td_string!(l, chat.room.leave_yes))}</button>
                            <button class="button subtle small" type="button" on:click=move |_| confirming_leave.set(false)>
                                {tr(i18n, |l| td_string!(l, chat.room.stay))}
                            </button>
                        </span>
                    </Show>
                </div>
            </header>
            <div class="room-body">
                <div class="room-main">
                    <MessageList room name/>
                    <TypingLine room/>
                    <Composer room name/>
                </div>
                <OnlineList room/>
            </div>
        </section>
    }
    .into_any()
}
