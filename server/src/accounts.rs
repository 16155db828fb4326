//! What admins do to accounts, as transport-free actions: change a role,
//! deactivate and reactivate. `http/users.rs` parses the request, calls
//! [`update`] and records what changed in the audit log.
//!
//! The rules: somebody must always be able to manage accounts, so the last
//! active admin can be neither demoted nor deactivated, and nobody
//! deactivates themselves. A role change closes the user's sockets (4003:
//! everything derived from the role starts again); deactivation ends every
//! session in the store first (their tokens answer 401 from the commit on),
//! then closes the sockets on every node (4001), and takes an agent off the
//! support desk.

use crate::{
    hub::{Event, Kick, Topic},
    refusal::Refusal,
    state::AppState,
};
use app::{
    protocol::{ErrorCode, Role, UpdateUser, User, UserId},
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
