//! API keys (admins only): create one (its key is shown once), list, revoke.

use crate::{
    audit,
    auth::{token, AdminUser},
    error::{ApiError, ApiJson, ApiPath},
    limits::ClientIp,
    state::AppState,
};
use app::{
    protocol::{ApiKey, ApiKeyId, AuditAction, CreateApiKey, NewApiKey},
    validate::KeyName,
};
use axum::{extract::State, http::StatusCode, Json};

pub async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> Result<(StatusCode, Json<NewApiKey>), ApiError> {
    let name = KeyName::parse(&body.name)?;
    let key = token::generate_api_key();
    let info = state
        .store
        .create_api_key(
            name.as_str(),
            &token::digest(&key),
            admin.user.id,
            state.clock.now(),
        )
        .await?;
    tracing::info!(key = %info.id, name = %info.name, by = %admin.user.username, "API key created");
    let entry = audit::by(&admin.user, AuditAction::ApiKeyCreated)
        .target(format!("API key {} ({})", info.id, info.name))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok((StatusCode::CREATED, Json(NewApiKey { info, key })))
}

pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Vec<ApiKey>>, ApiError> {
    Ok(Json(state.store.list_api_keys().await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    ip: ClientIp,
    AdminUser(admin): AdminUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApiKey>, ApiError> {
    let key = state
        .store
        .revoke_api_key(ApiKeyId(id), state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("no such API key"))?;
    tracing::info!(key = %key.id, by = %admin.user.username, "API key revoked");
    let entry = audit::by(&admin.user, AuditAction::ApiKeyRevoked)
        .target(format!("API key {} ({})", key.id, key.name))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(Json(key))
}
