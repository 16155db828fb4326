//! The admin's view of accounts: list them, create one (the only way in when
//! registration is closed), change roles.

use crate::{
    audit,
    auth::{AdminUser, AuthUser},
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    hub::{Event, Kick, Topic},
    limits::ClientIp,
    state::AppState,
    store::{Admission, SignUpError},
};
use app::{
    protocol::{AuditAction, AuditEntry, CreateAccount, Role, UpdateUser, User, UserId},
    validate::{Invalid, Password, Username},
};
use axum::{extract::State, http::StatusCode, Json};

/// The most people one search answers with.
const PEOPLE_PAGE: i64 = 20;

#[derive(serde::Deserialize)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
}

/// `GET /api/people?q=`: active accounts whose name contains `q`, for anyone
/// logged in (starting a DM, inviting to a room). Deactivated accounts are
/// not offered.
pub async fn people(
    State(state): State<AppState>,
    _auth: AuthUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> Result<Json<Vec<User>>, ApiError> {
    let search = q.q.trim();
    if search.chars().count() > 64 {
        return Err(Invalid {
            field: "q",
            problem: "must be at most 64 characters".into(),
        }
        .into());
    }
    Ok(Json(state.store.search_people(search, PEOPLE_PAGE).await?))
}

pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.store.list_users().await?))
}

/// `POST /api/users`: an admin creates an account with an initial password
/// and a role, whatever the registration policy.
pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<CreateAccount>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let username = Username::parse(&body.username)?;
    let password = Password::parse(&body.password)?;
    let hash = state.passwords.hash(password.as_str().to_owned()).await?;
    let user = state
        .store
        .sign_up(
            username.as_str(),
            &hash,
            Admission::ByAdmin(body.role),
            true,
            state.clock.now(),
        )
        .await
        .map_err(|e| match e {
            SignUpError::Store(e) => ApiError::from(e),
            SignUpError::Refused(r) => {
                ApiError::Internal(anyhow::anyhow!("admin sign-up refused: {r:?}"))
            }
        })?;
    tracing::info!(user = %user.username, role = ?user.role, by = %admin.user.username, "account created by an admin");
    let entry = audit::by(&admin.user, AuditAction::AccountCreated)
        .target(audit::user(&user))
        .detail(user.role.as_str())
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `PATCH /api/users/{id}`: a new role, deactivation (`active: false`) or
/// reactivation. Somebody must always be able to manage accounts, so the last
/// active admin can be neither demoted nor deactivated, and nobody
/// deactivates themselves.
pub async fn update(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    if body.role.is_none() && body.active.is_none() {
        return Err(Invalid {
            field: "role",
            problem: "give a role or active (or both)".into(),
        }
        .into());
    }
    let id = UserId(id);
    let mut user = state
        .store
        .user(id)
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
    let last_admin = || async { Ok::<_, ApiError>(state.store.admin_count().await? <= 1) };
    if body.active == Some(false) && user.active {
        if id == admin.user.id {
            return Err(ApiError::Conflict(
                "you cannot deactivate your own account".into(),
            ));
        }
        if user.role == Role::Admin && last_admin().await? {
            return Err(ApiError::Conflict(
                "the last admin cannot be deactivated".into(),
            ));
        }
    }
    if let Some(role) = body.role.filter(|r| *r != user.role) {
        if user.role == Role::Admin && user.active && last_admin().await? {
            return Err(ApiError::Conflict(
                "the last admin cannot be demoted".into(),
            ));
        }
        let before = user.role;
        user = set_role(&state, &user, role).await?;
        let entry = audit::by(&admin.user, AuditAction::RoleChanged)
            .target(audit::user(&user))
            .detail(format!("{} → {}", before.as_str(), user.role.as_str()))
            .from_ip(ip);
        audit::record(&state, entry).await;
    }
    if let Some(active) = body.active.filter(|a| *a != user.active) {
        user = set_active(&state, &admin.user, &user, active).await?;
        let action = if active {
            AuditAction::Reactivated
        } else {
            AuditAction::Deactivated
        };
        let entry = audit::by(&admin.user, action)
            .target(audit::user(&user))
            .from_ip(ip);
        audit::record(&state, entry).await;
    }
    Ok(Json(user))
}

async fn set_role(state: &AppState, user: &User, role: Role) -> Result<User, ApiError> {
    let user = state
        .store
        .set_role(user.id, role)
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
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

/// Deactivation ends the account's sessions in the store first (its tokens
/// answer 401 from then on), then closes its sockets on every node with 4001
/// and takes it off the support desk.
async fn set_active(
    state: &AppState,
    by: &User,
    user: &User,
    active: bool,
) -> Result<User, ApiError> {
    let user = state
        .store
        .set_active(user.id, active, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
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

/// Most entries one `GET /api/audit` answers (and its default `limit`).
const AUDIT_PAGE: i64 = 200;

#[derive(serde::Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/audit?before=&limit=`: the audit log, newest first, for admins.
/// Page back with `before` = the last id.
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = q.limit.unwrap_or(AUDIT_PAGE);
    if !(1..=AUDIT_PAGE).contains(&limit) {
        return Err(Invalid {
            field: "limit",
            problem: format!("must be 1 to {AUDIT_PAGE}"),
        }
        .into());
    }
    Ok(Json(state.store.audit_page(q.before, limit).await?))
}
