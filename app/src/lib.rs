//! Switchboard's web app: the Leptos pages and components, and the wire types
//! shared by the server and the browser.
//!
//! Built three ways: natively with `ssr` (the server renders pages), to WASM with
//! `hydrate` (the browser takes over the server's HTML) and to WASM with `csr`
//! (Trunk's client-only dev build). Pages render without data on the server;
//! the browser loads it after hydration (`client`) into the chat state (`state`).
#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod protocol;
pub mod text;
pub mod validate;

pub mod client;
pub mod components;
pub mod pages;
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    StaticSegment,
};

use crate::pages::{
    admin::AdminPage, announcements::AnnouncementsPage, auth::AuthMode, auth::AuthPage,
    chat::ChatPage, not_found::NotFound, support::SupportPage,
};
// The support console and its admin settings.
use crate::pages::{console::ConsolePage, support_admin::SupportAdminPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/switchboard.css"/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="color-scheme" content="light dark"/>
        <Meta name="description" content="Switchboard: self-hosted team chat"/>
        <Title text="Switchboard"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=StaticSegment("") view=ChatPage/>
                <Route path=StaticSegment("login") view=|| view! { <AuthPage mode=AuthMode::Login/> }/>
                <Route path=StaticSegment("register") view=|| view! { <AuthPage mode=AuthMode::Register/> }/>
                <Route path=StaticSegment("admin") view=AdminPage/>
                <Route path=(StaticSegment("admin"), StaticSegment("announcements")) view=AnnouncementsPage/>
                <Route path=StaticSegment("support") view=SupportPage/>
                // The support console and its admin settings.
                <Route path=StaticSegment("console") view=ConsolePage/>
                <Route path=(StaticSegment("admin"), StaticSegment("support")) view=SupportAdminPage/>
            </Routes>
        </Router>
    }
}
