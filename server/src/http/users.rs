//! The admin's view of accounts: list them and change roles.

use crate::{
    auth::AdminUser,
    error::{ApiError, ApiJson, ApiPath},
    state::AppState,
};
use app::protocol::{Role, SetRole, User, UserId};
use axum::{extract::State, Json};

pub async fn list(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.store.list_users().await?))
}

pub async fn set_role(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SetRole>,
) -> Result<Json<User>, ApiError> {
    let id = UserId(id);
    let current = state
        .store
        .user(id)
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
    // Somebody must always be able to manage roles.
    if current.role == Role::Admin
        && body.role != Role::Admin
        && state.store.admin_count().await? <= 1
    {
        return Err(ApiError::Conflict(
            "the last admin cannot be demoted".into(),
        ));
    }
    let user = state
        .store
        .set_role(id, body.role)
        .await?
        .ok_or(ApiError::NotFound("no such user"))?;
    if user.role != current.role {
        let closed = state.hub.role_changed(user.id);
        state.desk.role_changed(&user).await?;
        tracing::info!(user = %user.username, role = ?user.role, closed, "role changed");
    }
    Ok(Json(user))
}
