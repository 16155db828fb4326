//! The "new room" form: checks the name with the shared rules, creates the room
//! over HTTP (the creator joins it), then subscribes to it and opens it.

use leptos::prelude::*;
use leptos_router::{hooks::use_navigate, NavigateOptions};

use super::use_chat;
use crate::client::http;
use crate::i18n::*;
use crate::language::tr;
use crate::language::{error_text, Lang};
use crate::protocol::Visibility;
use crate::validate::{Invalid, RoomName};

/// Why a room name was refused, in the UI's language (the shared rules say
/// it in English: "Room must not be empty.").
fn name_problem(locale: Locale, e: &Invalid) -> String {
    match e.problem.as_str() {
        "must not be empty" => td_string!(locale, chat.invalid.room_empty).to_string(),
        "must be at most 64 characters" => {
            td_string!(locale, chat.invalid.room_too_long, limit = 64).to_string()
        }
        "must not contain control characters" => {
            td_string!(locale, chat.invalid.room_control).to_string()
        }
        problem => td_string!(locale, chat.invalid.room_other, problem).to_string(),
    }
}

#[component]
pub fn NewRoomForm() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    let lang = Lang::here();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let private = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // A refusal is about the name typed then: it goes when the user moves
    // to another room (the form stays in the sidebar).
    Effect::new(move |_| {
        chat.active.track();
        error.set(None);
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let parsed = match RoomName::parse(&name.get_untracked()) {
            Ok(parsed) => parsed,
            Err(e) => {
                error.set(Some(name_problem(i18n.get_locale_untracked(), &e)));
                return;
            }
        };
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let visibility = if private.get_untracked() {
                Visibility::Private
            } else {
                Visibility::Public
            };
            match http::create_room(parsed.as_str(), visibility).await {
                Ok(room) => {
                    let id = room.id;
                    chat.created(room);
                    name.set(String::new());
                    private.set(false);
                    navigate(&format!("/?room={id}"), NavigateOptions::default());
                }
                Err(e) => error.set(Some(error_text(lang, &e))),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="sidebar-section new-room" on:submit=on_submit novalidate=true>
            <label for="new-room-name">{tr(i18n, |l| td_string!(l, chat.new_room.label))}</label>
            <div class="inline-form">
                <input
                    id="new-room-name"
                    type="text"
                    maxlength="64"
                    placeholder=tr(i18n, |l| td_string!(l, chat.new_room.placeholder))
                    aria-describedby="new-room-error"
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        error.set(None);
                    }
                />
                <button class="button small primary" type="submit" aria-label=tr(i18n, |l| td_string!(l, chat.new_room.create_label)) disabled=move || busy.get()>
                    {tr(i18n, |l| td_string!(l, chat.new_room.create))}
                </button>
            </div>
            <label class="private-option">
                <input type="checkbox" id="new-room-private"
                    prop:checked=move || private.get()
                    on:change=move |ev| private.set(event_target_checked(&ev))/>
                {tr(i18n, |l| td_string!(l, chat.new_room.private))}
            </label>
            <p id="new-room-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// English readers get the shared rules' words, as before.
    #[test]
    fn name_problems_in_english_are_the_rules_words() {
        let long = "x".repeat(65);
        for typed in ["", "  ", "a\u{7}b", long.as_str()] {
            let e = RoomName::parse(typed).unwrap_err();
            assert_eq!(name_problem(Locale::en, &e), format!("Room {}.", e.problem));
            assert!(!name_problem(Locale::zh_CN, &e).contains("Room"));
        }
    }
}
