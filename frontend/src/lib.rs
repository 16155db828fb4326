//! The browser entry point. `cargo leptos` builds this crate to WASM with the
//! `hydrate` feature: the server renders each page, and this attaches the
//! Leptos app to that HTML. Trunk builds it with `csr` instead (see Trunk.toml).
#![forbid(unsafe_code)]

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::document;

    console_error_panic_hook::set_once();
    // Each page is a lazy route (`app::routes`): hydration waits for the
    // page's own WASM file, so it runs as a task rather than in one call.
    // (`hydrate_from_async` starts Leptos' executor itself.)
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
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
