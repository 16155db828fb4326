//! The `support.away` notice (closed, or no agent online): the message is
//! kept and queued, and the visitor may leave an email address to be
//! answered at (`support.contact`).

use leptos::either::Either;
use leptos::prelude::*;

use super::use_visitor;
use crate::i18n::*;
use crate::language::tr;
use crate::protocol::{AwayReason, DEFAULT_AWAY_MESSAGE};
use crate::state::visitor::invalid_text;
use crate::validate::Email;

#[component]
pub fn VisitorAway() -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let email = RwSignal::new(visitor.me.get_untracked().email.unwrap_or_default());
    let error = RwSignal::new(None::<String>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = email.get_untracked();
        let locale = visitor.lang.get();
        match Email::parse(Some(&typed)) {
            Ok(Some(address)) => {
                error.set(None);
                let name = visitor.me.get_untracked().name;
                visitor.leave_contact(address.into_string(), name);
            }
            Ok(None) => error.set(Some(
                td_string!(locale, visitor.away.give_email).to_string(),
            )),
            Err(e) => error.set(Some(invalid_text(locale, &e, &typed))),
        }
    };

    let shown = move || {
        let (reason, message) = visitor.away.get()?;
        let title = move || match reason {
            AwayReason::Closed => t_string!(i18n, visitor.away.closed),
            AwayReason::NoAgents => t_string!(i18n, visitor.away.no_agents),
        };
        let body = match visitor.contact_left.get() {
            Some(address) => Either::Left(view! {
                <p class="ok">{t!(i18n, visitor.away.thanks, address)}</p>
            }),
            None => Either::Right(view! {
                <form class="visitor-contact" novalidate on:submit=on_submit>
                    <label for="visitor-contact-email">{tr(i18n, |l| td_string!(l, visitor.away.email_label))}</label>
                    <div class="visitor-inline">
                        <input id="visitor-contact-email" type="email" autocomplete="email"
                            prop:value=move || email.get()
                            on:input=move |ev| email.set(event_target_value(&ev))/>
                        <button class="button primary" type="submit">{tr(i18n, |l| td_string!(l, visitor.away.leave_email))}</button>
                    </div>
                    <p class="field-error" aria-live="polite">{move || error.get()}</p>
                </form>
            }),
        };
        Some(view! {
            <section class="visitor-away" aria-label=title>
                <h2>{title}</h2>
                <p>{away_text(i18n, message)}</p>
                {body}
            </section>
        })
    };
    shown
}

/// The desk's away message: as the admin wrote it, or, when none was written,
/// the built-in one in the visitor's language.
pub fn away_text(i18n: leptos_i18n::I18nContext<Locale>, message: String) -> impl IntoView {
    move || {
        if message == DEFAULT_AWAY_MESSAGE {
            t_string!(i18n, visitor.away.default_message).to_string()
        } else {
            message.clone()
        }
    }
}
