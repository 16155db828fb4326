//! The browser entry point. `cargo leptos` builds this crate to WASM with the
//! `hydrate` feature: the server renders each page, and this attaches the
//! Leptos app to that HTML. Trunk builds it with `csr` instead (see Trunk.toml).
#![forbid(unsafe_code)]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;

    console_error_panic_hook::set_once();
    // Each page is a lazy route (`app::routes`): its WASM file is loaded
    // first, then the page hydrates in one synchronous call, as the visitor
    // bundle does. Not `hydrate_from_async`: asynchronous hydration keeps an
    // async copy of every view's hydration code, and our patched `tachys`
    // (vendor/README.md) hydrates what is under an `AnyView` synchronously.
    wasm_bindgen_futures::spawn_local(async {
        let path = leptos::prelude::window()
            .location()
            .pathname()
            .unwrap_or_default();
        app::routes::preload(&path).await;
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_body(app::App);
        // Tells end-to-end tests (and anyone curious) that event handlers are live.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}

#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
