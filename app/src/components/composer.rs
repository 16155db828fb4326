//! Where messages are written. Enter sends, Shift+Enter starts a new line (and
//! Enter while an input method is composing does neither). The text is checked
//! with the shared `MessageBody` rules before it is sent; typing tells the room,
//! at most every few seconds.

use leptos::prelude::*;

use super::use_chat;
use crate::protocol::{RoomId, MAX_BODY_CHARS};
use crate::validate::MessageBody;

/// From how many characters the counter shows.
const COUNTER_FROM: usize = MAX_BODY_CHARS - 500;

#[component]
pub fn Composer(room: RoomId, name: Memo<String>) -> impl IntoView {
    let chat = use_chat();
    let text = RwSignal::new(chat.draft(room));
    // Keep the draft when the room closes (switching rooms rebuilds this form).
    on_cleanup(move || {
        if let Some(draft) = text.try_get_untracked() {
            chat.set_draft(room, draft);
        }
    });
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let length = Memo::new(move |_| text.with(|t| t.chars().count()));

    let send = move || {
        let typed = text.get_untracked();
        if typed.trim().is_empty() {
            return;
        }
        match MessageBody::parse(&typed) {
            Ok(body) => {
                chat.send_message(room, body);
                text.set(String::new());
                error.set(None);
                // Sending is reading: jump to the newest message, ours.
                chat.at_bottom.set(true);
            }
            Err(e) => error.set(Some(format!("Message {}.", e.problem))),
        }
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };

    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if !value.trim().is_empty() {
            chat.typed(room);
        }
        text.set(value);
        error.set(None);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let label = move || format!("Message #{}", name.get());

    view! {
        <form class="composer" on:submit=on_submit>
            <label class="visually-hidden" for="composer-input">{label}</label>
            <div class="composer-box" class:invalid=move || error.with(Option::is_some)>
                <textarea
                    id="composer-input"
                    node_ref=input
                    rows="1"
                    placeholder=label
                    aria-describedby="composer-hint composer-error"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || text.get()
                    on:keydown=on_keydown
                    on:input=on_input
                ></textarea>
                <button
                    class="send-button"
                    type="submit"
                    aria-label="Send message"
                    disabled=move || text.with(|t| t.trim().is_empty())
                >
                    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                        <path d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z" fill="currentColor"/>
                    </svg>
                </button>
            </div>
            <div class="composer-footer">
                <span id="composer-hint" class="muted small">
                    <kbd>"Enter"</kbd>" to send · "<kbd>"Shift"</kbd>"+"<kbd>"Enter"</kbd>" for a new line"
                </span>
                <Show when=move || { length.get() >= COUNTER_FROM }>
                    <span class="counter" class:over=move || { length.get() > MAX_BODY_CHARS }>
                        {move || format!("{} / {}", length.get(), MAX_BODY_CHARS)}
                    </span>
                </Show>
            </div>
            <p id="composer-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
    .into_any()
}
