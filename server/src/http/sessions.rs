//! A person's own sessions: list them (device, where from, last used) and
//! end any of them, or all but this one. The rules are
//! [`crate::accounts::end_sessions`]'.

use crate::{
    accounts::{self, Ending},
    audit,
    auth::AuthUser,
    error::{ApiError, ApiPath},
    limits::ClientIp,
    state::AppState,
};
use app::protocol::{AuditAction, EndedSessions, SessionInfo};
use axum::{extract::State, http::StatusCode, Json};

/// `GET /api/me/sessions`: the caller's live sessions, newest first.
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<Vec<SessionInfo>>, ApiError> {
    Ok(Json(
        state
            .store
            .list_sessions(auth.user.id, &auth.session)
            .await?,
    ))
}

/// `DELETE /api/me/sessions/{id}`: ends one session (its sockets close with
/// 4001). Ending the current one is logging out.
pub async fn end(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let ended = accounts::end_sessions(&state, &auth.user, &auth.session, Ending::One(&id)).await?;
    record(&state, &auth, ip, &ended).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/me/sessions`: ends every session but the current one.
pub async fn end_others(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
) -> Result<Json<EndedSessions>, ApiError> {
    let ended = accounts::end_sessions(&state, &auth.user, &auth.session, Ending::Others).await?;
    record(&state, &auth, ip, &ended).await;
    Ok(Json(EndedSessions { ended }))
}

async fn record(state: &AppState, auth: &AuthUser, ip: ClientIp, ended: &[String]) {
    if ended.is_empty() {
        return;
    }
    let entry = audit::by(&auth.user, AuditAction::SessionEnded)
        .target(audit::user(&auth.user))
        .detail(ended.join(", "))
        .from_ip(ip);
    audit::record(state, entry).await;
}
