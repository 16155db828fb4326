//! Where messages are written. Enter sends, Shift+Enter starts a new line (and
//! Enter while an input method is composing does neither). The text is checked
//! with the shared `MessageBody` rules before it is sent; typing tells the room,
//! at most every few seconds. Typing `@` offers the names of people in the room
//! (arrows move, Enter or Tab picks, Escape closes). Files come with the
//! attach button, a paste or a drop (`state::attachments`); a message with
//! files may have no text, and waits until they have uploaded.
//!
//! Ctrl/⌘+B, I, E and Shift+X format the selection, and "Preview" shows the
//! draft formatted (`formatting`).
//!
//! The same form, with `thread`, writes replies in a thread's pane, with an
//! "also send to the room" box.

use std::time::Duration;

use leptos::prelude::*;

use super::formatting::{self, FormatPreview, PreviewToggle};
use super::{attach_button::AttachButton, attachment_chips::AttachmentChips, use_chat};
use crate::client::browser;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{MessageId, RoomId, MAX_BODY_CHARS};
use crate::state::attachments::Attachments;
use crate::state::outbox::ThreadReply;
use crate::text;
use crate::validate::{Invalid, MessageBody};

/// From how many characters the counter shows.
const COUNTER_FROM: usize = MAX_BODY_CHARS - 500;
/// Most names offered for a mention at once.
const SUGGESTIONS: usize = 6;

/// Why a message body was refused, in the UI's language (the shared rules
/// say it in English: "Message must not be empty.").
pub(crate) fn body_problem(locale: Locale, e: &Invalid, typed: &str) -> String {
    match e.problem.as_str() {
        "must not be empty" => td_string!(locale, chat.invalid.message_empty).to_string(),
        "must not contain control characters" => {
            td_string!(locale, chat.invalid.message_control).to_string()
        }
        p if p.starts_with("is ") && p.contains("the limit is") => {
            let count = browser::number(typed.chars().count());
            td_string!(
                locale,
                chat.invalid.message_too_long,
                count,
                limit = browser::number(MAX_BODY_CHARS)
            )
            .to_string()
        }
        problem => td_string!(locale, chat.invalid.message_other, problem).to_string(),
    }
}

/// The textarea's text up to the cursor (the browser counts UTF-16 units).
fn before_cursor(el: &leptos::web_sys::HtmlTextAreaElement, value: &str) -> Option<String> {
    let cursor = el.selection_start().ok().flatten()? as usize;
    let units: Vec<u16> = value.encode_utf16().take(cursor).collect();
    Some(String::from_utf16_lossy(&units))
}

#[component]
pub fn Composer(
    room: RoomId,
    name: Memo<String>,
    /// Replies in this message's thread.
    #[prop(optional)]
    thread: Option<MessageId>,
) -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    // A thread's reply box keeps no draft: it closes with its pane.
    let text = RwSignal::new(if thread.is_none() {
        chat.draft(room)
    } else {
        String::new()
    });
    // Keep the draft when the room closes (switching rooms rebuilds this form).
    on_cleanup(move || {
        if let Some(draft) = text.try_get_untracked().filter(|_| thread.is_none()) {
            chat.set_draft(room, draft);
        }
    });
    // Element ids, apart for the room's box and a thread's.
    let prefix = if thread.is_some() {
        "thread-composer"
    } else {
        "composer"
    };
    let also_in_room = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let length = Memo::new(move |_| text.with(|t| t.chars().count()));
    // A room's attachments stay with the room; a thread's go with its pane.
    let attachments = match thread {
        None => chat.attachments(room),
        Some(_) => Attachments::new(None),
    };
    let preview = RwSignal::new(false);

    let send = move || {
        let typed = text.get_untracked();
        let (uploading, files) = attachments
            .tray
            .with_untracked(|t| (t.uploading(), t.ready().len()));
        if uploading {
            error.set(Some(
                t_string!(i18n, common.files.still_uploading).to_string(),
            ));
            return;
        }
        if typed.trim().is_empty() && files == 0 {
            return;
        }
        match MessageBody::parse_with_files(&typed, files) {
            Ok(body) => {
                let reply = thread.map(|parent| ThreadReply {
                    parent,
                    also_in_room: also_in_room.get_untracked(),
                });
                chat.send_message(room, body, attachments.take(), reply);
                text.set(String::new());
                error.set(None);
                // Sending is reading: jump to the newest message, ours.
                if reply.is_none_or(|r| r.also_in_room) {
                    chat.at_bottom.set(true);
                }
            }
            Err(e) => error.set(Some(body_problem(i18n.get_locale_untracked(), &e, &typed))),
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };

    // Mention suggestions: the names, which one is picked, and where the
    // `@name` being typed sits (byte offsets of the `@` and of the cursor).
    let suggestions = RwSignal::new(Vec::<String>::new());
    let picked = RwSignal::new(0usize);
    let mention_at = StoredValue::new(None::<(usize, usize)>);
    let suggest = move |value: &str| {
        let typed = input
            .get_untracked()
            .and_then(|el| before_cursor(&el, value));
        let Some(before) = typed else {
            suggestions.set(Vec::new());
            return;
        };
        match text::mention_being_typed(&before) {
            Some((at, partial)) => {
                let names = chat.mention_candidates(room);
                let me = chat.my_name();
                let list = text::mention_suggestions(
                    partial,
                    names.iter().map(String::as_str),
                    &me,
                    SUGGESTIONS,
                );
                mention_at.set_value(Some((at, before.len())));
                picked.set(0);
                suggestions.set(list);
            }
            None => suggestions.set(Vec::new()),
        }
    };
    // Replaces the `@partial` with `@name ` and puts the cursor after it.
    let complete = move |name: String| {
        let value = text.get_untracked();
        let Some((at, cursor)) = mention_at.get_value() else {
            return;
        };
        if cursor > value.len() || !value.is_char_boundary(cursor) {
            return;
        }
        let head = format!("{}@{name} ", &value[..at]);
        let caret = head.encode_utf16().count() as u32;
        let updated = format!("{head}{}", &value[cursor..]);
        text.set(updated.clone());
        suggestions.set(Vec::new());
        if let Some(el) = input.get_untracked() {
            el.set_value(&updated);
            let _ = el.set_selection_range(caret, caret);
            let _ = el.focus();
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(marker) = formatting::shortcut(&ev) {
            ev.prevent_default();
            if let Some(el) = input.get_untracked() {
                formatting::apply(&el, text, marker);
            }
            return;
        }
        let open = suggestions.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if open > 0 => {
                ev.prevent_default();
                picked.update(|p| *p = (*p + 1) % open);
            }
            "ArrowUp" if open > 0 => {
                ev.prevent_default();
                picked.update(|p| *p = (*p + open - 1) % open);
            }
            "Enter" | "Tab" if open > 0 && !ev.is_composing() => {
                ev.prevent_default();
                let name = suggestions.with(|s| s.get(picked.get_untracked()).cloned());
                if let Some(name) = name {
                    complete(name);
                }
            }
            "Escape" if open > 0 => {
                ev.prevent_default();
                suggestions.set(Vec::new());
            }
            "Enter" if !ev.shift_key() && !ev.is_composing() => {
                ev.prevent_default();
                send();
            }
            _ => {}
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if !value.trim().is_empty() {
            chat.typed(room);
        }
        suggest(&value);
        text.set(value);
        error.set(None);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let label = move || match thread {
        None => t_string!(i18n, chat.composer.label, room = name.get()).to_string(),
        Some(_) => t_string!(i18n, chat.thread.composer_label).to_string(),
    };

    view! {
        <form class="composer" on:submit=on_submit
            on:dragover=attachments.on_drag_over() on:dragleave=attachments.on_drag_leave() on:drop=attachments.on_drop()>
            <label class="visually-hidden" for=format!("{prefix}-input")>{label}</label>
            <Show when=move || suggestions.with(|s| !s.is_empty())>
                <ul class="canned-list mention-list" role="listbox" aria-label=tr(i18n, |l| td_string!(l, chat.composer.mention_list))>
                    {move || suggestions.get().into_iter().enumerate().map(|(i, name)| {
                        let shown = format!("@{name}");
                        view! {
                            <li
                                role="option"
                                class="canned-option"
                                aria-selected=move || (picked.get() == i).to_string()
                                // mousedown, not click: the textarea keeps focus.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    complete(name.clone());
                                }
                            >
                                {shown}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <FormatPreview open=preview text me=chat.my_name()/>
            <AttachmentChips attachments/>
            <div class="composer-box" class:invalid=move || error.with(Option::is_some)>
                <AttachButton attachments/>
                <textarea
                    id=format!("{prefix}-input")
                    node_ref=input
                    rows="1"
                    placeholder=label
                    aria-describedby=format!("{prefix}-hint {prefix}-error")
                    aria-autocomplete="list"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || text.get()
                    on:keydown=on_keydown
                    on:input=on_input
                    on:paste=attachments.on_paste()
                ></textarea>
                <button
                    class="send-button"
                    type="submit"
                    aria-label=tr(i18n, |l| td_string!(l, chat.composer.send))
                    disabled=move || !attachments.can_send(text.with(|t| t.trim().is_empty()))
                >
                    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                        <path d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z" fill="currentColor"/>
                    </svg>
                </button>
            </div>
            <div class="composer-footer">
                {thread.map(|_| view! {
                    <label class="also-in-room small">
                        <input type="checkbox" prop:checked=move || also_in_room.get()
                            on:change=move |ev| also_in_room.set(event_target_checked(&ev))/>
                        {move || t_string!(i18n, chat.thread.also_in_room, room = name.get()).to_string()}
                    </label>
                })}
                <span id=format!("{prefix}-hint") class="muted small">
                    {t!(i18n, chat.composer.hint, <kbd> = <kbd/>)}
                </span>
                <PreviewToggle open=preview/>
                <Show when=move || { length.get() >= COUNTER_FROM }>
                    <span class="counter" class:over=move || { length.get() > MAX_BODY_CHARS }>
                        {move || format!("{} / {}", length.get(), MAX_BODY_CHARS)}
                    </span>
                </Show>
            </div>
            <p id=format!("{prefix}-error") class="field-error" aria-live="polite">{move || error.get()}</p>
            <Show when=move || chat.outbox.with(|o| o.slowed_until().is_some())>
                <SlowedDown/>
            </Show>
        </form>
    }
    .into_any()
}

/// "Sending slowed down, retrying in N s" while the server makes this tab
/// wait; the count ticks down each half second.
#[component]
fn SlowedDown() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let now = RwSignal::new(browser::now_ms());
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(browser::now_ms()),
            Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let seconds = move || {
        let until = chat.outbox.with(|o| o.slowed_until()).unwrap_or_default();
        ((until - now.get()) / 1000.0).ceil().max(1.0) as u64
    };
    view! {
        <p class="composer-slowed small" aria-live="polite" data-testid="slowed-down">
            {move || t_string!(i18n, chat.composer.slowed_down, seconds = seconds()).to_string()}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// English readers get the shared rules' words, as before.
    #[test]
    fn body_problems_in_english_are_the_rules_words() {
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        for typed in ["", "  ", "a\u{0}b", long.as_str()] {
            let e = MessageBody::parse(typed).unwrap_err();
            assert_eq!(
                body_problem(Locale::en, &e, typed),
                format!("Message {}.", e.problem)
            );
            assert!(!body_problem(Locale::zh_CN, &e, typed).contains("Message"));
        }
    }
}
