//! A composer's "Attach files" button and the hidden file input it opens.
//! Pasting and dropping files are the composer's own events
//! ([`Attachments::on_paste`], [`Attachments::on_drop`]).

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::tr;
use crate::state::attachments::Attachments;

#[component]
pub fn AttachButton(attachments: Attachments) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    let label = tr(i18n, |l| td_string!(l, common.files.attach));
    view! {
        <button
            type="button"
            class="icon-button attach-button"
            aria-label=label
            title=label
            on:click=move |_| {
                if let Some(el) = input.get_untracked() {
                    el.click();
                }
            }
        >
            <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                <path d="M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.5-8.5a3.4 3.4 0 0 1 4.8 4.8l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4l7.7-7.7" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"/>
            </svg>
        </button>
        <input type="file" class="attach-input" multiple hidden tabindex="-1" node_ref=input on:change=attachments.on_pick()/>
    }
}
