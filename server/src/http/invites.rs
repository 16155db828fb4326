//! Invite links (admins only): make one (its token is shown once, like an API
//! key's), list them with their uses and state, revoke one. They admit
//! sign-ups when `SWITCHBOARD_REGISTRATION=invite`; making them ahead of
//! switching the policy is allowed.

use crate::{
    audit,
    auth::{token, AdminUser},
    error::{ApiError, ApiJson, ApiPath},
    limits::ClientIp,
    state::AppState,
};
use app::{
    protocol::{
        AuditAction, CreateInvite, Invite, InviteId, NewInvite, MAX_INVITE_HOURS, MAX_INVITE_USES,
    },
    validate::Invalid,
};
use axum::{extract::State, http::StatusCode, Json};

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<CreateInvite>,
) -> Result<(StatusCode, Json<NewInvite>), ApiError> {
    if !(1..=MAX_INVITE_USES).contains(&body.uses) {
        return Err(Invalid {
            field: "uses",
            problem: format!("must be 1 to {MAX_INVITE_USES}"),
        }
        .into());
    }
    if !(1..=MAX_INVITE_HOURS).contains(&body.expires_in_hours) {
        return Err(Invalid {
            field: "expires_in_hours",
            problem: format!("must be 1 to {MAX_INVITE_HOURS} hours"),
        }
        .into());
    }
    let now = state.clock.now();
    let expires_at = now + chrono::Duration::hours(i64::from(body.expires_in_hours));
    let token = token::generate();
    let invite = state
        .store
        .create_invite(
            &token::digest(&token),
            body.uses,
            expires_at,
            admin.user.id,
            now,
        )
        .await?;
    tracing::info!(invite = %invite.id, uses = body.uses, %expires_at, by = %admin.user.username, "invite created");
    let entry = audit::by(&admin.user, AuditAction::InviteCreated)
        .target(format!("invite {}", invite.id))
        .detail(format!("{} uses, expires {expires_at}", body.uses))
        .from_ip(ip);
    audit::record(&state, entry).await;
    let link = format!("/register?invite={token}");
    Ok((
        StatusCode::CREATED,
        Json(NewInvite {
            invite,
            token,
            link,
        }),
    ))
}

pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Vec<Invite>>, ApiError> {
    Ok(Json(state.store.list_invites(state.clock.now()).await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Invite>, ApiError> {
    let invite = state
        .store
        .revoke_invite(InviteId(id), state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("no such invite"))?;
    tracing::info!(invite = %invite.id, by = %admin.user.username, "invite revoked");
    let entry = audit::by(&admin.user, AuditAction::InviteRevoked)
        .target(format!("invite {}", invite.id))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(Json(invite))
}
