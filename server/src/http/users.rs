//! The admin's view of accounts: list them, create one (the only way in when
//! registration is closed), change roles.

use crate::{
    auth::AdminUser,
    error::{ApiError, ApiJson, ApiPath},
    hub::{Event, Kick, Topic},
    state::AppState,
    store::{Admission, SignUpError},
};
use app::{
    protocol::{CreateAccount, Role, SetRole, User, UserId},
    validate::{Password, Username},
};
use axum::{extract::State, http::StatusCode, Json};

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
    Ok((StatusCode::CREATED, Json(user)))
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
    }
    Ok(Json(user))
}
