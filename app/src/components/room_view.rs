//! The main pane for one room: header (name, topic, who is online, the
//! settings for its owners and moderators, leave), the message list, the
//! typing line, the composer — or why there is none (an archived room, a
//! mute) — and beside it the online list, or the thread opened from a
//! message.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::{
    composer::Composer, message_list::MessageList, online_list::OnlineList, pins_menu::PinsMenu,
    room_settings::RoomSettingsForm, thread_pane::ThreadPane, typing_line::TypingLine, use_chat,
};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{Role, RoomId, RoomRole};

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
    let topic = Memo::new(move |_| {
        chat.rooms
            .with(|r| r.get(room).map(|x| x.topic.clone()))
            .unwrap_or_default()
    });
    // Owners and moderators (and admins) change the room's settings; the
    // server checks again.
    let manages = Memo::new(move |_| {
        let admin = chat
            .me
            .with(|m| m.as_ref().is_some_and(|u| u.role == Role::Admin));
        chat.rooms.with(|r| {
            r.get(room)
                .is_some_and(|x| !x.is_dm() && (admin || x.role >= Some(RoomRole::Moderator)))
        })
    });
    // A thread open in another room closes with it.
    if chat
        .thread
        .with_untracked(|t| t.as_ref().is_some_and(|v| v.room != room))
    {
        chat.close_thread();
    }
    let threading = Memo::new(move |_| {
        chat.thread
            .with(|t| t.as_ref().is_some_and(|v| v.room == room))
    });
    let settings_open = RwSignal::new(false);
    // A public room's members, for those who moderate it, on demand (a
    // private room's are always listed).
    let members_open = RwSignal::new(false);
    let public = Memo::new(move |_| {
        chat.rooms
            .with(|r| r.get(room).is_some_and(|x| !x.is_members_only()))
    });
    // Why nobody may write here now, if so. A mute ends by itself: `tick`
    // wakes this when it does.
    let tick = RwSignal::new(0u32);
    let voice = Memo::new(move |_| {
        chat.rooms
            .with(|r| r.get(room).map(|x| (x.archived, x.muted_until)))
            .unwrap_or_default()
    });
    let ms_left =
        |until: chrono::DateTime<chrono::Utc>| until.timestamp_millis() as f64 - browser::now_ms();
    Effect::new(move |_| {
        if let (_, Some(until)) = voice.get() {
            let left = ms_left(until);
            if left > 0.0 {
                browser::after(
                    std::time::Duration::from_millis(left as u64 + 50),
                    move || {
                        tick.try_update(|t| *t += 1);
                    },
                );
            }
        }
    });
    let silenced = Memo::new(move |_| {
        tick.track();
        let (archived, muted_until) = voice.get();
        let lang = i18n.get_locale();
        if archived {
            return Some(td_string!(lang, chat.room.archived).to_string());
        }
        let until = muted_until.filter(|u| ms_left(*u) > 0.0)?;
        // The day too when the mute ends after today's evening.
        let shown = if ms_left(until) > 12.0 * 3600.0 * 1000.0 {
            format!(
                "{} {}",
                browser::local_day(until),
                browser::local_time(until)
            )
        } else {
            browser::local_time(until)
        };
        Some(td_string!(lang, chat.room.muted, until = shown).to_string())
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
                <span class="room-topic" title=move || topic.get() hidden=move || topic.with(String::is_empty)>{move || topic.get()}</span>
                <PinsMenu room/>
                <button class="icon-button small room-settings-button" type="button"
                    hidden=move || !manages.get()
                    aria-label=tr(i18n, |l| td_string!(l, chat.settings.open))
                    title=tr(i18n, |l| td_string!(l, chat.settings.open))
                    aria-expanded=move || settings_open.get().to_string()
                    on:click=move |_| settings_open.update(|o| *o = !*o)>"⚙"</button>
                <button class="button subtle small room-members-button" type="button"
                    hidden=move || !(manages.get() && public.get())
                    aria-expanded=move || members_open.get().to_string()
                    on:click=move |_| members_open.update(|o| *o = !*o)>
                    {tr(i18n, |l| td_string!(l, chat.members.heading_plain))}
                </button>
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
            <Show when=move || settings_open.get() && manages.get()>
                <RoomSettingsForm room open=settings_open/>
            </Show>
            <div class="room-body" class:threading=move || threading.get()>
                <div class="room-main">
                    <MessageList room name/>
                    <TypingLine room/>
                    {move || match silenced.get() {
                        None => Either::Left(view! { <Composer room name/> }),
                        Some(why) => Either::Right(view! {
                            <p class="composer-closed" aria-live="polite" data-testid="composer-closed">{why}</p>
                        }),
                    }}
                </div>
                {move || if threading.get() {
                    Either::Left(view! { <ThreadPane room name/> })
                } else {
                    Either::Right(view! { <OnlineList room members_open/> })
                }}
            </div>
        </section>
    }
    .into_any()
}
