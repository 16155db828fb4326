//! A person's own sessions (`/api/me/sessions`) and the one-time password
//! reset links admins make (`/api/users/{id}/password-reset`, used at
//! `/reset?token=…`). `docs/protocol.md` documents them under "Accounts".

use super::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many hex digits of a session's stored digest name it in
/// [`SessionInfo::id`].
pub const SESSION_ID_LEN: usize = 16;

/// How long a password reset link works, in hours.
pub const PASSWORD_RESET_HOURS: i64 = 24;

/// One live session of the caller (`GET /api/me/sessions`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SessionInfo {
    /// What `DELETE /api/me/sessions/{id}` takes: the first
    /// [`SESSION_ID_LEN`] hex digits of the session's stored digest (never
    /// the token).
    pub id: String,
    /// The session this request was made with.
    pub current: bool,
    /// The browser, from the `User-Agent` it logged in with ("Firefox",
    /// "Chrome", "curl"); `None` when it sent none we could read.
    pub browser: Option<String>,
    /// The operating system, likewise ("Linux", "macOS", "Android").
    pub os: Option<String>,
    /// The client address it logged in from.
    pub ip: Option<String>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    /// When it was last used, to within a few minutes.
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub last_seen_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub expires_at: DateTime<Utc>,
}

/// The answer to `DELETE /api/me/sessions`: the ids of the sessions ended.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EndedSessions {
    pub ended: Vec<String>,
}

/// `POST /api/users/{id}/password-reset` (admin): the link to hand to the
/// account's owner. The only time its token is shown; a new link replaces
/// the previous one.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct NewPasswordReset {
    pub user: UserId,
    pub username: String,
    pub token: String,
    /// Path and query of the link: `/reset?token=TOKEN`.
    pub link: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/password-resets/{token}`: whose password a live link sets.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct PasswordResetInfo {
    pub username: String,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/password-resets/{token}`: the new password. Answers an
/// [`AuthResponse`](super::AuthResponse): the person is logged in, and every
/// other session of the account has ended.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct UsePasswordReset {
    pub password: String,
}
