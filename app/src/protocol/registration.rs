//! Who may create an account: the registration policy, invites, the first-run
//! setup token and the admin's "create account". `docs/protocol.md` documents
//! them under "Registration".

use super::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

id_type!(
    /// An invite link (its token is shown once, when created).
    InviteId
);

/// Most uses one invite may allow.
pub const MAX_INVITE_USES: u32 = 1_000;
/// Longest life an invite may be given, in hours (90 days).
pub const MAX_INVITE_HOURS: u32 = 90 * 24;

/// Who may create an account (`SWITCHBOARD_REGISTRATION`). Whatever the
/// policy, the very first account is made by whoever runs the server (on a
/// loopback address, or with the setup token printed in the log) and is admin.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationPolicy {
    /// Anyone who reaches the server may register.
    #[default]
    Open,
    /// Registration needs a valid invite link, made by an admin.
    Invite,
    /// Only admins create accounts (`POST /api/users`).
    Closed,
}

impl RegistrationPolicy {
    pub fn parse(s: &str) -> Option<RegistrationPolicy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(RegistrationPolicy::Open),
            "invite" => Some(RegistrationPolicy::Invite),
            "closed" => Some(RegistrationPolicy::Closed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationPolicy::Open => "open",
            RegistrationPolicy::Invite => "invite",
            RegistrationPolicy::Closed => "closed",
        }
    }
}

/// `POST /api/auth/register`. `invite` is the token of an invite link
/// (`/register?invite=…`), `setup` the first-run setup token
/// (`/register?setup=…`); each is needed only where the server says so.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Registration {
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<String>,
}

/// What became of an invite, as the register page and the admin list show it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// It can be used now.
    Valid,
    Expired,
    /// Every use it allowed has been taken.
    UsedUp,
    Revoked,
    /// No invite has this token.
    Unknown,
}

impl InviteState {
    /// Why the invite cannot be used, for people; `None` when it can.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            InviteState::Valid => None,
            InviteState::Expired => Some("This invite link has expired. Ask an admin for a new one."),
            InviteState::UsedUp => Some("This invite link has already been used. Ask an admin for a new one."),
            InviteState::Revoked => Some("This invite link was revoked. Ask an admin for a new one."),
            InviteState::Unknown => Some("This invite link is not valid. Check that you copied all of it, or ask an admin for a new one."),
        }
    }
}

/// `GET /api/auth/policy[?invite=TOKEN]`: what the register and login pages
/// need to know before showing a form.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RegistrationInfo {
    pub policy: RegistrationPolicy,
    /// No account exists yet: the next one becomes admin, whatever the policy.
    pub first_account: bool,
    /// The first account needs the setup token printed in the server's log
    /// (the server listens on a public address and no account exists yet).
    pub setup_required: bool,
    /// The state of the invite named in the query, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteState>,
}

/// `POST /api/invites`: how many accounts the link may create and for how long.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateInvite {
    /// 1 to [`MAX_INVITE_USES`].
    pub uses: u32,
    /// 1 to [`MAX_INVITE_HOURS`].
    pub expires_in_hours: u32,
}

/// An invite as listed (its token is never shown again: only its SHA-256 is kept).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub id: InviteId,
    pub max_uses: i64,
    pub uses: i64,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub expires_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::protocol::time::read")]
    pub created_at: DateTime<Utc>,
    /// The admin who made it (`None` once that account is gone).
    pub created_by: Option<String>,
    #[serde(default, deserialize_with = "crate::protocol::time::read_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its state when the answer was made.
    pub state: InviteState,
}

/// The answer to `POST /api/invites`: the only time the token is shown.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct NewInvite {
    #[serde(flatten)]
    pub invite: Invite,
    pub token: String,
    /// Path and query of the link to hand out: `/register?invite=TOKEN`.
    pub link: String,
}

/// `POST /api/users` (admin): an account made by an admin, in any policy.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct CreateAccount {
    pub username: String,
    pub password: String,
    #[serde(default = "member")]
    pub role: Role,
}

fn member() -> Role {
    Role::Member
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_from_their_names() {
        for p in [
            RegistrationPolicy::Open,
            RegistrationPolicy::Invite,
            RegistrationPolicy::Closed,
        ] {
            assert_eq!(RegistrationPolicy::parse(p.as_str()), Some(p));
        }
        assert_eq!(
            RegistrationPolicy::parse(" Invite "),
            Some(RegistrationPolicy::Invite)
        );
        assert_eq!(RegistrationPolicy::parse("invites"), None);
    }

    #[test]
    fn only_a_valid_invite_has_no_problem() {
        assert!(InviteState::Valid.problem().is_none());
        assert!(InviteState::UsedUp.problem().unwrap().contains("used"));
    }
}
