//! A dismissible banner for problems that belong to no single message (a
//! refused join, a failed page load). Announced to screen readers as an alert.

use leptos::prelude::*;

use super::use_chat;
use crate::i18n::*;
use crate::language::tr;

#[component]
pub fn NoticeBanner() -> impl IntoView {
    let chat = use_chat();
    let i18n = use_i18n();
    view! {
        <Show when=move || chat.notice.with(Option::is_some)>
            <div class="notice" role="alert">
                <span>{move || chat.notice.get()}</span>
                <button class="icon-button" type="button" aria-label=tr(i18n, |l| td_string!(l, common.dismiss)) on:click=move |_| chat.notice.set(None)>
                    "×"
                </button>
            </div>
        </Show>
    }
    .into_any()
}
