//! Where the visitor writes in their conversation. Enter sends, Shift+Enter
//! starts a new line. Always available, resolved or not: a visitor writing
//! after a resolution reopens the conversation (the server does it). Files
//! come with the attach button, a paste (a screenshot) or a drop; uploads
//! carry the visitor token where the widget has one.

use leptos::prelude::*;

use super::{attach_button::AttachButton, attachment_chips::AttachmentChips, use_visitor};
use crate::i18n::*;
use crate::language::tr;
use crate::state::attachments::Attachments;
use crate::state::visitor::invalid_text;
use crate::validate::MessageBody;

#[component]
pub fn VisitorComposer() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let attachments = Attachments::new(Some(visitor.token));

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
                visitor.send(body.into_string(), attachments.take());
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
        <form class="visitor-composer" on:submit=on_submit
            on:dragover=attachments.on_drag_over() on:dragleave=attachments.on_drag_leave() on:drop=attachments.on_drop()>
            <AttachmentChips attachments/>
            <label class="visually-hidden" for="visitor-input">{tr(i18n, |l| td_string!(l, visitor.composer.your_message))}</label>
            <AttachButton attachments/>
            <textarea
                id="visitor-input"
                rows="2"
                placeholder=tr(i18n, |l| td_string!(l, visitor.composer.placeholder))
                aria-describedby="visitor-composer-error"
                prop:value=move || text.get()
                on:keydown=on_keydown
                on:input=on_input
                on:paste=attachments.on_paste()
            ></textarea>
            <button
                class="button primary"
                type="submit"
                disabled=move || !attachments.can_send(text.with(|t| t.trim().is_empty()))
            >
                {tr(i18n, |l| td_string!(l, visitor.composer.send))}
            </button>
            <p id="visitor-composer-error" class="field-error" aria-live="polite">{move || error.get()}</p>
        </form>
    }
}
