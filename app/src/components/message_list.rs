//! A room's messages, oldest at the top, then this tab's pending sends.
//!
//! The scroller is a `column-reverse` flex box: its resting position is the
//! bottom, new messages stay in view without script, and pages prepended above
//! do not move what the reader is looking at. Scrolling near the top fetches an
//! older page over HTTP; being at the bottom marks the room read.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::{message_row::MessageRow, pending_row::PendingRow, use_chat};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{ChatMessage, MessageId, RoomId};

/// Messages from one author closer together than this share one header.
const GROUP_WITHIN_SECS: i64 = 5 * 60;
/// How close to the bottom (in CSS pixels) still counts as "at the bottom".
const BOTTOM_SLACK: i32 = 40;
/// How close to the top the next older page is fetched.
const TOP_PREFETCH: i32 = 400;

/// One message as the list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub message: ChatMessage,
    /// Same author as the message above, shortly after: no name or avatar.
    pub continued: bool,
    /// The first message of a day: the day's name goes above it.
    pub day: Option<String>,
}

/// Groups messages into rows. `day_of` names a message's day (the reader's
/// local day in the browser), passed in so this stays testable.
pub fn rows(messages: &[ChatMessage], day_of: impl Fn(DateTime<Utc>) -> String) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(messages.len());
    let mut previous: Option<(&ChatMessage, String)> = None;
    for m in messages {
        let day = day_of(m.sent_at);
        let (continued, new_day) = match &previous {
            Some((p, p_day)) => (
                p.author == m.author
                    && *p_day == day
                    && (m.sent_at - p.sent_at).num_seconds() < GROUP_WITHIN_SECS,
                *p_day != day,
            ),
            None => (false, true),
        };
        out.push(Row {
            message: m.clone(),
            continued,
            day: new_day.then(|| day.clone()),
        });
        previous = Some((m, day));
    }
    out
}

#[component]
pub fn MessageList(room: RoomId, name: Memo<String>) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let scroller = NodeRef::<leptos::html::Div>::new();
    // The room's history: thread replies only when also sent to the room.
    let shown = Memo::new(move |_| {
        chat.timelines.with(|t| {
            t.get(&room)
                .map(|t| {
                    let in_room: Vec<ChatMessage> = t
                        .messages()
                        .iter()
                        .filter(|m| m.in_room())
                        .cloned()
                        .collect();
                    rows(&in_room, browser::local_day)
                })
                .unwrap_or_default()
        })
    });
    let loaded = Memo::new(move |_| chat.timelines.with(|t| t.contains_key(&room)));
    let older = Memo::new(move |_| {
        chat.timelines
            .with(|t| t.get(&room).is_some_and(|t| t.older))
    });
    // Read receipts: when the newest message is mine, who else has read it.
    let seen_by = Memo::new(move |_| {
        let me = chat.me.with(|m| m.as_ref().map(|u| u.username.clone()))?;
        let newest = chat.timelines.with(|t| {
            t.get(&room).and_then(|t| {
                t.messages()
                    .iter()
                    .rev()
                    .find(|m| m.in_room())
                    .map(|m| (m.id, m.author == me))
            })
        });
        let (id, mine) = newest?;
        if !mine {
            return None;
        }
        let names: Vec<String> = chat.receipts.with(|r| {
            r.get(&room).map_or_else(Vec::new, |r| {
                let mut who: Vec<String> = r
                    .iter()
                    .filter(|(user, at)| **user != me && **at >= id)
                    .map(|(user, _)| user.clone())
                    .collect();
                who.sort();
                who
            })
        });
        (!names.is_empty()).then(|| {
            names
                .iter()
                .map(|n| chat.profiles.shown(n))
                .collect::<Vec<_>>()
                .join(", ")
        })
    });
    let pending = Memo::new(move |_| {
        chat.outbox.with(|o| {
            let mut list = o.for_room(room, |id: MessageId| {
                chat.timelines
                    .with(|t| t.get(&room).is_some_and(|t| t.contains(id)))
            });
            // A reply on its way shows in its thread's pane.
            list.retain(|p| p.reply.is_none_or(|r| r.also_in_room));
            list
        })
    });

    // A room opens at its newest message.
    Effect::new(move |_| {
        chat.at_bottom.set(true);
        chat.mark_read(room);
    });

    // A search result asked for a message here: once the history is in,
    // fetch back to it.
    Effect::new(move |_| {
        if !loaded.get() {
            return;
        }
        if let Some((r, id)) = chat.focus.get() {
            if r == room {
                chat.focus.set(None);
                chat.reveal(room, id);
            }
        }
    });

    // The message revealed: scroll it to the middle, then let its highlight
    // fade.
    Effect::new(move |_| {
        let Some(id) = chat.flash.get() else {
            return;
        };
        request_animation_frame(move || {
            if let Some(scroller) = scroller.get_untracked() {
                browser::center_message(&scroller, id);
            }
            browser::after(std::time::Duration::from_secs(3), move || {
                if chat.flash.try_get_untracked() == Some(Some(id)) {
                    chat.flash.set(None);
                }
            });
        });
    });

    // When asked to be at the bottom (a send, the jump button), go there.
    Effect::new(move |_| {
        if chat.at_bottom.get() {
            if let Some(el) = scroller.get() {
                if el.scroll_top() < -BOTTOM_SLACK {
                    el.set_scroll_top(0);
                }
            }
        }
    });

    // A short history does not fill the pane, so no scroll event would ever
    // ask for more: check after each change whether the top is in sight.
    Effect::new(move |_| {
        shown.track();
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                if el.scroll_height() - el.client_height() < TOP_PREFETCH {
                    chat.load_older(room);
                }
            }
        });
    });

    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        // In a column-reverse scroller, 0 is the bottom and upward is negative.
        let top = el.scroll_top();
        let bottom = top >= -BOTTOM_SLACK;
        if chat.at_bottom.get_untracked() != bottom {
            chat.at_bottom.set(bottom);
            if bottom {
                chat.mark_read(room);
            }
        }
        if el.scroll_height() - el.client_height() + top < TOP_PREFETCH {
            chat.load_older(room);
        }
    };

    view! {
        <div class="timeline-wrap">
            <div
                class="timeline"
                node_ref=scroller
                on:scroll=on_scroll
                role="log"
                aria-live="polite"
                aria-relevant="additions"
                aria-label=move || t_string!(i18n, chat.messages.label, room = name.get()).to_string()
                tabindex="0"
            >
                <div class="timeline-inner">
                    <div class="timeline-start">
                        {move || {
                            if !loaded.get() {
                                view! { <p class="muted">{tr(i18n, |l| td_string!(l, chat.messages.loading))}</p> }.into_any()
                            } else if older.get() {
                                view! {
                                    <button
                                        class="link-button"
                                        type="button"
                                        disabled=move || chat.loading_older.get()
                                        on:click=move |_| chat.load_older(room)
                                    >
                                        {move || if chat.loading_older.get() {
                                            t_string!(i18n, chat.messages.loading_older)
                                        } else {
                                            t_string!(i18n, chat.messages.load_older)
                                        }}
                                    </button>
                                }
                                .into_any()
                            } else {
                                view! {
                                    <div class="room-intro">
                                        <h2>{t!(i18n, chat.messages.welcome, room = move || name.get())}</h2>
                                        <p class="muted">{tr(i18n, |l| td_string!(l, chat.messages.beginning))}</p>
                                    </div>
                                }
                                .into_any()
                            }
                        }}
                    </div>
                    <For
                        each=move || shown.get()
                        key=|row| (row.message.id, row.message.edited_at, row.continued, row.day.clone(), row.message.reactions.clone(), row.message.replies, row.message.last_reply_at)
                        children=move |row| view! { <MessageRow row/> }
                    />
                    {move || seen_by.get().map(|names| view! {
                        <p class="seen-by muted small">{t!(i18n, chat.messages.seen_by, names)}</p>
                    })}
                    <For
                        each=move || pending.get()
                        key=|p| (p.client_id.clone(), format!("{:?}", p.status))
                        children=move |p| view! { <PendingRow pending=p/> }
                    />
                </div>
            </div>
            <Show when=move || !chat.at_bottom.get()>
                <button class="jump-latest" type="button" on:click=move |_| chat.at_bottom.set(true)>
                    {tr(i18n, |l| td_string!(l, chat.messages.jump_latest))}
                </button>
            </Show>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{MessageId, RoomId};

    fn msg(id: i64, author: &str, secs: i64) -> ChatMessage {
        ChatMessage {
            room: RoomId(1),
            id: MessageId(id),
            author: author.into(),
            body: "x".into(),
            sent_at: DateTime::from_timestamp(secs, 0).unwrap(),
            edited_at: None,
            client_id: None,
            author_deactivated: false,
            reactions: Vec::new(),
            files: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn groups_by_author_time_and_day() {
        let day = |t: DateTime<Utc>| t.format("%F").to_string();
        let day2 = 86_400;
        let r = rows(
            &[
                msg(1, "ann", 100),
                msg(2, "ann", 200),
                msg(3, "bob", 300),
                msg(4, "bob", 300 + GROUP_WITHIN_SECS),
                msg(5, "bob", day2 + 10),
            ],
            day,
        );
        let shape: Vec<(bool, bool)> = r.iter().map(|x| (x.continued, x.day.is_some())).collect();
        assert_eq!(
            shape,
            vec![
                (false, true),
                (true, false),
                (false, false),
                (false, false),
                (false, true)
            ]
        );
    }
}
