//! The form before a conversation exists: an optional name and email, and
//! the first message, sent as `support.open`. Says up front when nobody is
//! online or the desk is closed (the message is kept and answered later).
//! A visitor whose identity the embedding site signed is not asked for it.
//! The first message may carry files (a screenshot of the problem), picked,
//! pasted or dropped as in the conversation's composer.

use leptos::prelude::*;

use super::{
    attach_button::AttachButton, attachment_chips::AttachmentChips, use_visitor,
    visitor_away::away_text,
};
use crate::i18n::*;
use crate::language::tr;
use crate::state::attachments::Attachments;
use crate::state::visitor::invalid_text;
use crate::validate::{Email, MessageBody, VisitorName};

#[component]
pub fn VisitorPrechat() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let me = visitor.me.get_untracked();
    let name = RwSignal::new(me.name.clone().unwrap_or_default());
    let email = RwSignal::new(me.email.clone().unwrap_or_default());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let verified = move || visitor.me.with(|m| m.verified);
    let attachments = Attachments::new(Some(visitor.token));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let locale = visitor.lang.get();
        let (uploading, files) = attachments
            .tray
            .with_untracked(|t| (t.uploading(), t.ready().len()));
        if uploading {
            error.set(Some(
                td_string!(locale, common.files.still_uploading).to_string(),
            ));
            return;
        }
        let checked = (|| {
            let typed = name.get_untracked();
            let n =
                VisitorName::parse(Some(&typed)).map_err(|e| invalid_text(locale, &e, &typed))?;
            let typed = email.get_untracked();
            let m = Email::parse(Some(&typed)).map_err(|e| invalid_text(locale, &e, &typed))?;
            let typed = message.get_untracked();
            let b = MessageBody::parse_with_files(&typed, files)
                .map_err(|e| invalid_text(locale, &e, &typed))?;
            Ok::<_, String>((n, m, b))
        })();
        match checked {
            Ok((n, m, b)) => {
                error.set(None);
                visitor.open(
                    b.into_string(),
                    n.map(VisitorName::into_string),
                    m.map(Email::into_string),
                    attachments.take(),
                );
            }
            Err(e) => error.set(Some(e)),
        }
    };

    // Either the promise of a quick answer or the reason there is none now,
    // never both ("we usually answer within minutes" above "nobody can answer").
    let away = move || {
        visitor.desk.get().and_then(|d| {
            (!d.open_now || !d.agents_online).then(|| {
                view! { <p class="visitor-desk-away" role="note">{away_text(i18n, d.away_message)}</p> }
            })
        })
    };
    let available = move || {
        visitor
            .desk
            .with(|d| d.as_ref().is_none_or(|d| d.open_now && d.agents_online))
    };

    view! {
        <form class="visitor-prechat" novalidate on:submit=on_submit aria-label=tr(i18n, |l| td_string!(l, visitor.prechat.form))
            on:dragover=attachments.on_drag_over() on:dragleave=attachments.on_drag_leave() on:drop=attachments.on_drop()>
            <Show when=available>
                <p class="muted">{tr(i18n, |l| td_string!(l, visitor.prechat.intro))}</p>
            </Show>
            {away}
            <Show when=move || !verified()>
                <div class="field">
                    <label for="visitor-name">{tr(i18n, |l| td_string!(l, visitor.prechat.your_name))}</label>
                    <input id="visitor-name" type="text" autocomplete="name" maxlength="64"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="visitor-email">{tr(i18n, |l| td_string!(l, visitor.prechat.your_email))}</label>
                    <input id="visitor-email" type="email" autocomplete="email"
                        prop:value=move || email.get()
                        on:input=move |ev| email.set(event_target_value(&ev))/>
                </div>
            </Show>
            <div class="field">
                <label for="visitor-first">{tr(i18n, |l| td_string!(l, visitor.prechat.how_can_we_help))}</label>
                <textarea id="visitor-first" rows="3" required
                    prop:value=move || message.get()
                    on:input=move |ev| message.set(event_target_value(&ev))
                    on:paste=attachments.on_paste()></textarea>
                <div class="prechat-files">
                    <AttachButton attachments/>
                    <AttachmentChips attachments/>
                </div>
            </div>
            <p class="field-error" aria-live="polite">{move || error.get()}</p>
            <button class="button primary" type="submit"
                disabled=move || !attachments.can_send(message.with(|m| m.trim().is_empty()))>
                {tr(i18n, |l| td_string!(l, visitor.prechat.start))}
            </button>
        </form>
    }
}
