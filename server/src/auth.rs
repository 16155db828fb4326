//! Who is asking: password hashing, session tokens, and the extractors that
//! turn a cookie or a bearer token into a [`AuthUser`].

pub mod device;
pub mod extract;
pub mod password;
pub mod setup;
pub mod token;
pub mod visitor;

pub use extract::{AdminUser, AgentUser, AuthUser, Pusher};
pub use visitor::Visitor;

/// The session cookie's name.
pub const COOKIE: &str = "sb_session";
