//! One-time password reset links: an admin makes one for an account
//! (`POST /api/users/{id}/password-reset`) and hands it over; whoever opens
//! it sees whose password it sets (`GET /api/password-resets/{token}`) and
//! sets a new one (`POST`), which ends every session of the account and logs
//! them in. The rules are [`crate::accounts`]'.

use super::auth::{attempt_from, origin, start_session};
use crate::{
    accounts, audit,
    auth::AdminUser,
    error::{ApiError, ApiJson, ApiPath},
    limits::ClientIp,
    state::AppState,
};
use app::{
    protocol::{AuditAction, NewPasswordReset, PasswordResetInfo, UsePasswordReset, UserId},
    validate::Password,
};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
    Json,
};

/// `POST /api/users/{id}/password-reset` (admin) → 201 with the link.
pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<NewPasswordReset>), ApiError> {
    let reset = accounts::create_reset(&state, &admin.user, UserId(id)).await?;
    let entry = audit::by(&admin.user, AuditAction::PasswordResetCreated)
        .target(format!("{} (#{})", reset.username, reset.user))
        .detail(format!("expires {}", reset.expires_at))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok((StatusCode::CREATED, Json(reset)))
}

/// `GET /api/password-resets/{token}`: whose password a live link sets; 404
/// `not_found` when it is unknown, used, replaced or expired. Counted against
/// the caller's IP like a login, so tokens cannot be tried at speed.
pub async fn show(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<PasswordResetInfo>, ApiError> {
    attempt_from(&state, ip)?;
    let (user, expires_at) = accounts::live_reset(&state, &token).await?;
    Ok(Json(PasswordResetInfo {
        username: user.username,
        expires_at,
    }))
}

/// `POST /api/password-resets/{token} {password}` → 200 `AuthResponse` and
/// the session cookie, as a login.
pub async fn use_link(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<UsePasswordReset>,
) -> Result<Response, ApiError> {
    attempt_from(&state, ip)?;
    let password = Password::parse(&body.password)?;
    // Checked before hashing, so a dead link costs no hash.
    accounts::live_reset(&state, &token).await?;
    let hash = state.passwords.hash(password.as_str().to_owned()).await?;
    let (user, ended) = accounts::use_reset(&state, &token, &hash).await?;
    let entry = audit::by(&user, AuditAction::PasswordReset)
        .target(audit::user(&user))
        .detail(format!("{ended} sessions ended"))
        .from_ip(ip);
    audit::record(&state, entry).await;
    start_session(&state, user, StatusCode::OK, origin(ip, &headers)).await
}
