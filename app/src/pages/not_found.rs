//! The page for any URL no route matches.

use leptos::prelude::*;

use crate::i18n::*;
use crate::language::tr;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="centered-page">
            <div class="card">
                <h1>{tr(i18n, |l| td_string!(l, common.not_found.title))}</h1>
                <p>{tr(i18n, |l| td_string!(l, common.not_found.text))}</p>
                <a class="button primary" href="/">{tr(i18n, |l| td_string!(l, common.not_found.home))}</a>
            </div>
        </main>
    }
    .into_any()
}
