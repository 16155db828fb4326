//! Talking to the server from the browser: HTTP calls (`http`), the WebSocket
//! connection loop (`socket`) with its retry timing (`backoff`), the few
//! browser facts the UI needs (`browser`), the page's query string without the
//! router (`query`), the widget's iframe talking to the page that embeds
//! it (`embed`), and attachments' bytes going up and coming down (`files`).
//!
//! The real implementations are compiled for `wasm32` only; natively each has a
//! stand-in, so the server can render the same components. The stand-ins never
//! run on a path that shows data: the server renders pages without any, and the
//! browser loads it after hydration.

pub mod backoff;
pub mod browser;
pub mod embed;
pub mod files;
pub mod http;
pub mod query;
pub mod socket;
pub mod zones;
