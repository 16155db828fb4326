//! One module per route. Pages fetch their data in the browser after hydration
//! and compose components; they hold no frame or HTTP rules themselves.

pub mod account;
pub mod admin;
pub mod announcements;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod inbox;
pub mod not_found;
pub mod reset;
pub mod support;

// The support console and its admin settings.
pub mod console;
pub mod support_admin;
