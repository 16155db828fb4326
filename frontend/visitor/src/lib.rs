//! The visitor bundle's entry point: attaches [`app::VisitorApp`] to the
//! HTML the server rendered for `/support` (see `app::visitor_shell`).
//! Unlike the main bundle there are no lazy parts, so hydration is one call.
#![forbid(unsafe_code)]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;

    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::VisitorApp);
    // Tells end-to-end tests (and anyone curious) that event handlers are live.
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
