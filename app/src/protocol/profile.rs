//! Profiles: the name people see (the login name never changes and stays
//! what messages, mentions and presence are keyed by), a status line, a time
//! zone and an avatar. `docs/protocol.md` documents them under "Profiles".

use super::UserId;
use serde::{Deserialize, Serialize};

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 64;
/// Longest status line, in characters.
pub const STATUS_MAX: usize = 100;
/// Largest avatar upload, in bytes (the stored image is 128 px, a few KB).
pub const AVATAR_UPLOAD_MAX: usize = 5 * 1024 * 1024;
/// The stored avatar's width and height, in pixels.
pub const AVATAR_PX: u32 = 128;
/// Most names one `GET /api/profiles?users=` asks for.
pub const PROFILES_PER_ASK: usize = 100;

/// How a person shows: `GET /api/profiles`, `GET/PATCH /api/me/profile`,
/// and the `profile_updated` frame.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub id: UserId,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// An IANA zone name ("Europe/Berlin").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The avatar's URL (`/api/avatars/{id}?v={n}`, a new URL for every new
    /// image, so it may be cached for good); absent: initials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Whether they let others see how far they have read (read receipts,
    /// in DMs and rooms of at most [`RECEIPTS_MAX_MEMBERS`] people).
    #[serde(default = "yes")]
    pub receipts: bool,
}

fn yes() -> bool {
    true
}

/// Rooms with more members than this send no read receipts: "seen by 300
/// people" says nothing, and every read would go to all of them.
pub const RECEIPTS_MAX_MEMBERS: i64 = 50;

impl Profile {
    /// The display name, or the login name when there is none.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.username)
    }
}

/// `PATCH /api/me/profile`: each field absent stays as it is; an empty
/// string clears it.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct UpdateProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Send read receipts (see [`Profile::receipts`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipts: Option<bool>,
}
