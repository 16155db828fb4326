//! The admin's view of accounts over HTTP: list them, create one (the only
//! way in when registration is closed), change roles and activity (the rules
//! are [`crate::accounts`]'), read the audit log; and the people directory.

use crate::{
    accounts, audit,
    auth::{AdminUser, AuthUser},
    error::{ApiError, ApiJson, ApiPath, ApiQuery},
    limits::ClientIp,
    state::AppState,
    store::{Admission, SignUpError},
};
use app::{
    protocol::{AuditAction, AuditEntry, CreateAccount, UpdateUser, User, UserId},
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
/// reactivation; the rules are [`accounts::update`]'s.
pub async fn update(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    let accounts::AccountUpdate { before, after } =
        accounts::update(&state, &admin.user, UserId(id), &body).await?;
    let mut entries = Vec::new();
    if before.role != after.role {
        let detail = format!("{} → {}", before.role.as_str(), after.role.as_str());
        entries.push((AuditAction::RoleChanged, Some(detail)));
    }
    if before.active != after.active {
        let action = if after.active {
            AuditAction::Reactivated
        } else {
            AuditAction::Deactivated
        };
        entries.push((action, None));
    }
    for (action, detail) in entries {
        let mut entry = audit::by(&admin.user, action)
            .target(audit::user(&after))
            .from_ip(ip);
        if let Some(detail) = detail {
            entry = entry.detail(detail);
        }
        audit::record(&state, entry).await;
    }
    Ok(Json(after))
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
