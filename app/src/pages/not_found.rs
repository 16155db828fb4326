//! The page for any URL no route matches.

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="centered-page">
            <div class="card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button primary" href="/">"Go to your rooms"</a>
            </div>
        </main>
    }
    .into_any()
}
