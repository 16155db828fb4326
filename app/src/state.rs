//! What the chat UI knows, and the rules for changing it.
//!
//! `timeline`, `outbox` and `rooms` are plain data with the tricky rules
//! (ordering, deduplication, pending sends, unread counts) and their tests.
//! `chat` wraps them in signals, turns server frames into changes, and turns
//! the user's actions into frames; components read it from context.

pub mod announce_form;
pub mod announcements;
// A composer's files on their way up.
pub mod attachments;
pub mod chat;
// The support console's state.
pub mod desk;
pub mod outbox;
pub mod profiles;
pub mod rooms;
pub mod search;
// The open thread's pane.
pub mod thread;
pub mod timeline;
pub mod visitor;

pub use chat::{Chat, LinkState, Typist};
pub use profiles::Profiles;
