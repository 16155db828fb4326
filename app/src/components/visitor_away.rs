//! The `support.away` notice (closed, or no agent online): the message is
//! kept and queued, and the visitor may leave an email address to be
//! answered at (`support.contact`).

use leptos::prelude::*;

use super::use_visitor;
use crate::protocol::AwayReason;
use crate::validate::Email;

#[component]
pub fn VisitorAway() -> impl IntoView {
    let visitor = use_visitor();
    let email = RwSignal::new(visitor.me.get_untracked().email.unwrap_or_default());
    let error = RwSignal::new(None::<String>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Email::parse(Some(&email.get_untracked())) {
            Ok(Some(address)) => {
                error.set(None);
                let name = visitor.me.get_untracked().name;
                visitor.leave_contact(address.into_string(), name);
            }
            Ok(None) => error.set(Some("Give an email address to be answered at.".into())),
            Err(e) => error.set(Some(format!("Email {}.", e.problem))),
        }
    };

    let shown = move || {
        let (reason, message) = visitor.away.get()?;
        let title = match reason {
            AwayReason::Closed => "We are closed right now",
            AwayReason::NoAgents => "No agents are online right now",
        };
        let body = match visitor.contact_left.get() {
            Some(address) => view! {
                <p class="ok">{format!("Thanks! We will answer at {address}.")}</p>
            }
            .into_any(),
            None => view! {
                <form class="visitor-contact" novalidate on:submit=on_submit>
                    <label for="visitor-contact-email">"Email for our reply"</label>
                    <div class="visitor-inline">
                        <input id="visitor-contact-email" type="email" autocomplete="email"
                            prop:value=move || email.get()
                            on:input=move |ev| email.set(event_target_value(&ev))/>
                        <button class="button primary" type="submit">"Leave email"</button>
                    </div>
                    <p class="field-error" aria-live="polite">{move || error.get()}</p>
                </form>
            }
            .into_any(),
        };
        Some(view! {
            <section class="visitor-away" aria-label=title>
                <h2>{title}</h2>
                <p>{message}</p>
                {body}
            </section>
        })
    };
    view! { {shown} }.into_any()
}
