//! What is done to accounts, as transport-free actions: admins change a
//! role, deactivate and reactivate ([`update`]) and make one-time password
//! reset links ([`create_reset`], used by [`use_reset`]); a person ends their
//! own sessions ([`end_sessions`]). `http/` parses the request, calls these
//! and records what changed in the audit log.
//!
//! The rules: somebody must always be able to manage accounts, so the last
//! active admin can be neither demoted nor deactivated, and nobody
//! deactivates themselves. A role change closes the user's sockets (4003:
//! everything derived from the role starts again); deactivation ends every
//! session in the store first (their tokens answer 401 from the commit on),
//! then closes the sockets on every node (4001), and takes an agent off the
//! support desk.
//!
//! A reset link is for an active account only, works once, for
//! [`PASSWORD_RESET_HOURS`], and a new one replaces the last; using it sets
//! the password and ends every session of the account (a reset is what an
//! admin does when the password may be known to someone else), then logs the
//! person in.

use crate::{
    auth::token,
    hub::{Event, Kick, Topic},
    refusal::Refusal,
    state::AppState,
    store::session_id,
};
use app::{
    protocol::{
        ErrorCode, NewPasswordReset, Role, UpdateUser, User, UserId, PASSWORD_RESET_HOURS,
        SESSION_ID_LEN,
    },
    validate::Invalid,
};

/// An account before and after [`update`].
#[derive(Debug, Clone)]
pub struct AccountUpdate {
    pub before: User,
    pub after: User,
}

fn no_such_user() -> Refusal {
    Refusal::new(ErrorCode::NotFound, "no such user")
}

fn conflict(why: &str) -> Refusal {
    Refusal::new(ErrorCode::Conflict, why)
}

/// Gives account `id` the role and activity `change` asks for, as `admin`.
pub async fn update(
    state: &AppState,
    admin: &User,
    id: UserId,
    change: &UpdateUser,
) -> Result<AccountUpdate, Refusal> {
    if change.role.is_none() && change.active.is_none() {
        return Err(Invalid {
            field: "role",
            problem: "give a role or active (or both)".into(),
        }
        .into());
    }
    let before = state.store.user(id).await?.ok_or_else(no_such_user)?;
    let last_admin = || async { Ok::<_, Refusal>(state.store.admin_count().await? <= 1) };
    if change.active == Some(false) && before.active {
        if id == admin.id {
            return Err(conflict("you cannot deactivate your own account"));
        }
        if before.role == Role::Admin && last_admin().await? {
            return Err(conflict("the last admin cannot be deactivated"));
        }
    }
    let mut user = before.clone();
    if let Some(role) = change.role.filter(|r| *r != user.role) {
        if user.role == Role::Admin && user.active && last_admin().await? {
            return Err(conflict("the last admin cannot be demoted"));
        }
        user = set_role(state, &user, role).await?;
    }
    if let Some(active) = change.active.filter(|a| *a != user.active) {
        user = set_active(state, admin, &user, active).await?;
    }
    Ok(AccountUpdate {
        before,
        after: user,
    })
}

async fn set_role(state: &AppState, user: &User, role: Role) -> Result<User, Refusal> {
    let user = state
        .store
        .set_role(user.id, role)
        .await?
        .ok_or_else(no_such_user)?;
    let closed = state
        .hub
        .publish(
            Topic::User { user: user.id },
            Event::Close {
                why: Kick::RoleChanged,
            },
        )
        .connections;
    state.desk.role_changed(&user).await?;
    tracing::info!(user = %user.username, role = ?user.role, closed, "role changed");
    Ok(user)
}

async fn set_active(
    state: &AppState,
    by: &User,
    user: &User,
    active: bool,
) -> Result<User, Refusal> {
    let user = state
        .store
        .set_active(user.id, active, state.clock.now())
        .await?
        .ok_or_else(no_such_user)?;
    let closed = if active {
        0
    } else {
        state
            .hub
            .publish(
                Topic::User { user: user.id },
                Event::Close {
                    why: Kick::Deactivated,
                },
            )
            .connections
    };
    state.desk.activity_changed(&user).await?;
    tracing::info!(user = %user.username, active, closed, by = %by.username, "account activity changed");
    Ok(user)
}

/// Closes the sockets of ended sessions on every node (4001).
pub fn close_sessions(state: &AppState, ended: &[String]) {
    for session in ended {
        state.hub.publish(
            Topic::Session {
                session: session.clone(),
            },
            Event::Close {
                why: Kick::SessionEnded,
            },
        );
    }
}

/// Which of a person's sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    /// The one with this public id (`SessionInfo::id`).
    One(&'a str),
    /// Every one but the session asking.
    Others,
}

/// Ends sessions of `user` (whose request came with session `current`) and
/// closes their sockets; answers the public ids of those ended.
pub async fn end_sessions(
    state: &AppState,
    user: &User,
    current: &str,
    which: Ending<'_>,
) -> Result<Vec<String>, Refusal> {
    let ended = match which {
        Ending::One(id) => {
            if id.len() != SESSION_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Invalid {
                    field: "id",
                    problem: format!("a session id is {SESSION_ID_LEN} hex digits"),
                }
                .into());
            }
            let ended = state
                .store
                .end_session(user.id, &id.to_ascii_lowercase())
                .await?;
            if ended.is_empty() {
                return Err(Refusal::new(ErrorCode::NotFound, "no such session"));
            }
            ended
        }
        Ending::Others => state.store.end_other_sessions(user.id, current).await?,
    };
    close_sessions(state, &ended);
    tracing::info!(user = %user.username, ended = ended.len(), "sessions ended");
    Ok(ended.iter().map(|s| session_id(s).to_owned()).collect())
}

/// Makes a one-time password reset link for account `id`, as `admin`.
pub async fn create_reset(
    state: &AppState,
    admin: &User,
    id: UserId,
) -> Result<NewPasswordReset, Refusal> {
    let user = state.store.user(id).await?.ok_or_else(no_such_user)?;
    if !user.active {
        return Err(conflict(
            "the account is deactivated: reactivate it before resetting its password",
        ));
    }
    let now = state.clock.now();
    let expires_at = now + chrono::Duration::hours(PASSWORD_RESET_HOURS);
    let token = token::generate();
    state
        .store
        .create_password_reset(&token::digest(&token), user.id, admin.id, now, expires_at)
        .await?;
    tracing::info!(user = %user.username, by = %admin.username, %expires_at, "password reset link created");
    Ok(NewPasswordReset {
        user: user.id,
        username: user.username,
        link: format!("/reset?token={token}"),
        token,
        expires_at,
    })
}

/// The refusal for a link that is not (or no longer) live.
pub fn reset_gone() -> Refusal {
    Refusal::new(
        ErrorCode::NotFound,
        "this reset link is unknown, used, replaced or expired; ask an admin for a new one",
    )
}

/// The account live reset link `token` is for, and until when it works.
pub async fn live_reset(
    state: &AppState,
    token: &str,
) -> Result<(User, chrono::DateTime<chrono::Utc>), Refusal> {
    state
        .store
        .password_reset(&token::digest(token), state.clock.now())
        .await?
        .ok_or_else(reset_gone)
}

/// Uses reset link `token` to give its account the password whose hash is
/// `password_hash`: every session of the account ends (sockets closed).
/// Answers the account; the caller logs it in.
pub async fn use_reset(
    state: &AppState,
    token: &str,
    password_hash: &str,
) -> Result<(User, usize), Refusal> {
    let (user, ended) = state
        .store
        .use_password_reset(&token::digest(token), password_hash, state.clock.now())
        .await?
        .ok_or_else(reset_gone)?;
    close_sessions(state, &ended);
    tracing::info!(user = %user.username, ended = ended.len(), "password reset used");
    Ok((user, ended.len()))
}
