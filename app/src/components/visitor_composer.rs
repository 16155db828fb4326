//! Where the visitor writes in their conversation. Enter sends, Shift+Enter
//! starts a new line. Always available, resolved or not: a visitor writing
//! after a resolution reopens the conversation (the server does it).

use leptos::prelude::*;

use super::use_visitor;
use crate::i18n::*;
use crate::language::tr;
use crate::state::visitor::invalid_text;
use crate::validate::MessageBody;

#[component]
pub fn VisitorComposer() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let send = move || {
        let typed = text.get_untracked();
        if typed.trim().is_empty() {
            return;
        }
        match MessageBody::parse(&typed) {
            Ok(body) => {
                visitor.send(body.into_string());
                text.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(invalid_text(visitor.lang.get(), &e, &typed))),
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
            visitor.typed();
        }
        text.set(value);
        error.set(None);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send();
    };

    view! {
        <form class="visitor-composer" on:submit=on_submit>
            <label class="visually-hidden" for="visitor-input">{tr(i18n, |l| td_string!(l, visitor.composer.your_message))}</label>
            <textarea
                id="visitor-input"
                rows="2"
                placeholder=tr(i18n, |l| td_string!(l, visitor.composer.placeholder))
                aria-describedby="visitor-composer-error"
                prop:value=move || text.get()
                on:keydown=on_keydown
                on:input=on_input
            ></textarea>
            <button
                class="button primary"
                type="submit"
                disabled=move || text.with(|t| t.trim().is_empty())
            >
                {tr(i18n, |l| td_string!(l, visitor.composer.send))}
            </button>
            <p id="visitor-composer-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
}
