//! A thread beside its room: the first message, its replies (older ones a
//! page at a time), this tab's replies on their way, and a reply box with
//! "also send to the room". Replies come live while it is open; a resume
//! replays them like the room's messages (`state::thread`).

use leptos::prelude::*;

use super::{
    composer::Composer,
    message_list::{rows, Row},
    message_row::MessageRow,
    pending_row::PendingRow,
    use_chat,
};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::RoomId;

#[component]
pub fn ThreadPane(room: RoomId, name: Memo<String>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let scroller = NodeRef::<leptos::html::Div>::new();
    let parent_id = Memo::new(move |_| {
        chat.thread
            .with(|t| t.as_ref().filter(|v| v.room == room).map(|v| v.parent))
    });
    let loaded = Memo::new(move |_| chat.thread.with(|t| t.as_ref().is_some_and(|v| v.loaded)));
    let gone = Memo::new(move |_| chat.thread.with(|t| t.as_ref().is_some_and(|v| v.gone())));
    let older = Memo::new(move |_| {
        chat.thread
            .with(|t| t.as_ref().is_some_and(|v| v.messages.older))
    });
    let parent = Memo::new(move |_| {
        chat.thread.with(|t| {
            t.as_ref().and_then(|v| {
                v.parent().cloned().map(|message| Row {
                    message,
                    continued: false,
                    day: None,
                })
            })
        })
    });
    let replies = Memo::new(move |_| {
        chat.thread.with(|t| {
            t.as_ref().map_or_else(Vec::new, |v| {
                let list: Vec<_> = v.replies().cloned().collect();
                rows(&list, browser::local_day)
            })
        })
    });
    let pending = Memo::new(move |_| {
        let Some(parent) = parent_id.get() else {
            return Vec::new();
        };
        let shown = |id| {
            chat.thread
                .with(|t| t.as_ref().is_some_and(|v| v.messages.contains(id)))
        };
        chat.outbox.with(|o| {
            o.for_room(room, shown)
                .into_iter()
                .filter(|p| p.reply.is_some_and(|r| r.parent == parent))
                .collect::<Vec<_>>()
        })
    });
    let asked = RwSignal::new(true);
    Effect::new(move |_| asked.set(browser::notification_permission() != "default"));
    let count = move || parent.with(|p| p.as_ref().map_or(0, |p| p.message.replies));

    // A search result in the thread: bring it into view.
    Effect::new(move |_| {
        let Some(id) = chat.flash.get() else {
            return;
        };
        if !replies.with(|r| r.iter().any(|r| r.message.id == id)) {
            return;
        }
        request_animation_frame(move || {
            if let Some(scroller) = scroller.get_untracked() {
                browser::center_message(&scroller, id);
            }
        });
    });

    view! {
        <aside class="thread-pane" aria-labelledby="thread-title" data-testid="thread-pane">
            <header class="thread-header">
                <h2 id="thread-title">{tr(i18n, |l| td_string!(l, chat.thread.heading))}</h2>
                <span class="muted small">{move || name.get()}</span>
                // Replies in threads you follow are notified on the desktop,
                // once you allow it (asked from a click, as browsers want).
                <button class="link-button small thread-notify" type="button"
                    hidden=move || asked.get()
                    on:click=move |_| {
                        leptos::task::spawn_local(async move {
                            browser::request_notifications().await;
                            asked.set(true);
                        });
                    }>{tr(i18n, |l| td_string!(l, chat.thread.notify))}</button>
                <button class="icon-button small thread-close" type="button"
                    aria-label=tr(i18n, |l| td_string!(l, chat.thread.close))
                    title=tr(i18n, |l| td_string!(l, chat.thread.close))
                    on:click=move |_| chat.close_thread()>"✕"</button>
            </header>
            <div class="thread-scroller" node_ref=scroller role="log" aria-live="polite" aria-relevant="additions">
                <div class="thread-inner">
                    {move || (!loaded.get()).then(|| view! {
                        <p class="muted thread-status">{tr(i18n, |l| td_string!(l, chat.thread.loading))}</p>
                    })}
                    {move || gone.get().then(|| view! {
                        <p class="muted thread-status">{tr(i18n, |l| td_string!(l, chat.thread.gone))}</p>
                    })}
                    {move || parent.get().map(|row| view! {
                        <div class="thread-parent"><MessageRow row in_thread=true/></div>
                    })}
                    {move || loaded.get().then(|| {
                        let n = count();
                        view! {
                            <div class="thread-count" role="separator">
                                <span>{match n {
                                    0 => t_string!(i18n, chat.thread.no_replies).to_string(),
                                    1 => t_string!(i18n, chat.thread.one_reply).to_string(),
                                    n => t_string!(i18n, chat.thread.replies, count = browser::number(n as usize)).to_string(),
                                }}</span>
                            </div>
                        }
                    })}
                    <Show when=move || older.get()>
                        <button class="link-button thread-older" type="button" on:click=move |_| chat.load_older_replies()>
                            {tr(i18n, |l| td_string!(l, chat.thread.load_older))}
                        </button>
                    </Show>
                    <For
                        each=move || replies.get()
                        key=|row| (row.message.id, row.message.edited_at, row.continued, row.day.clone(), row.message.reactions.clone())
                        children=move |row| view! { <MessageRow row in_thread=true/> }
                    />
                    <For
                        each=move || pending.get()
                        key=|p| (p.client_id.clone(), format!("{:?}", p.status))
                        children=move |p| view! { <PendingRow pending=p/> }
                    />
                </div>
            </div>
            {move || parent_id.get().filter(|_| !gone.get()).map(|parent| view! {
                <Composer room name thread=parent/>
            })}
        </aside>
    }
    .into_any()
}
