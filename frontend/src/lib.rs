//! The browser entry point. `cargo leptos` builds this crate to WASM with the
//! `hydrate` feature: the server renders each page, and this attaches the
//! Leptos app to that HTML. Trunk builds it with `csr` instead (see Trunk.toml).
#![forbid(unsafe_code)]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Tells end-to-end tests (and anyone curious) that event handlers are live.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}

#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
