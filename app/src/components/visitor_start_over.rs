//! "Start over": this browser forgets the visitor, so the next person on a
//! shared computer (or the visitor, for a fresh start) sees an empty chat.
//! Asks first, in place. The server clears the cookie and retires the key
//! (`POST /api/support/forget`); in the widget the embedding page is told to
//! drop the token it kept; then the page loads again as a new visitor.
//!
//! Not offered to a verified visitor: the embedding site's login, not this
//! browser, says who they are.

use leptos::either::Either;
use leptos::prelude::*;

use super::use_visitor;
use crate::client::{browser, embed, http};
use crate::i18n::*;
use crate::language::{error_text, tr};

#[component]
pub fn VisitorStartOver(
    /// The embedding page's origin, in the widget.
    host: Option<String>,
) -> impl IntoView {
    let visitor = use_visitor();
    let i18n = use_i18n();
    let asking = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let host = StoredValue::new(host);
    let forget = move |_| {
        busy.set(true);
        let token = visitor.token.get_value();
        leptos::task::spawn_local(async move {
            match http::forget_visitor(token.as_deref()).await {
                Ok(()) => {
                    if let Some(h) = host.get_value() {
                        embed::hand_token(&h, None);
                    }
                    visitor.connection.disconnect();
                    browser::reload();
                }
                Err(e) => {
                    let _ = busy.try_set(false);
                    let error = error_text(visitor.lang, &e);
                    let _ = visitor.notice.try_set(Some(
                        td_string!(visitor.lang.get(), visitor.start_over.failed, error)
                            .to_string(),
                    ));
                }
            }
        });
    };
    move || {
        if asking.get() {
            Either::Left(view! {
                <div class="visitor-start-over" role="group"
                    aria-label=tr(i18n, |l| td_string!(l, visitor.start_over.button))>
                    <span class="small">{tr(i18n, |l| td_string!(l, visitor.start_over.question))}</span>
                    <button type="button" class="link-button danger" disabled=move || busy.get() on:click=forget>
                        {tr(i18n, |l| td_string!(l, visitor.start_over.confirm))}
                    </button>
                    <button type="button" class="link-button" on:click=move |_| asking.set(false)>
                        {tr(i18n, |l| td_string!(l, visitor.start_over.cancel))}
                    </button>
                </div>
            })
        } else {
            Either::Right(view! {
                <button type="button" class="link-button small visitor-start-over-button"
                    on:click=move |_| asking.set(true)>
                    {tr(i18n, |l| td_string!(l, visitor.start_over.button))}
                </button>
            })
        }
    }
}
