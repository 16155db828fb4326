//! The page for any URL no route matches.

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="centered-page">
            <div class="card">
                <h1>{t!(i18n, common.not_found.title)}</h1>
                <p>{t!(i18n, common.not_found.text)}</p>
                <a class="button primary" href="/">{t!(i18n, common.not_found.home)}</a>
            </div>
        </main>
    }
    .into_any()
}
