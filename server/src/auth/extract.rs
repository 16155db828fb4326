//! Extractors: [`AuthUser`] for any logged-in account, [`AdminUser`] for admins.
//! A request is authenticated by `Authorization: Bearer <token>` or, failing
//! that, by the session cookie.

use super::{token, COOKIE};
use crate::{error::ApiError, state::AppState};
use app::protocol::{Role, User};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};

/// The logged-in user and the session they used.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    /// SHA-256 of the session token.
    pub session: String,
}

/// The token from a bearer header or the session cookie, if any.
pub fn token_from(parts: &Parts) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_owned());
        }
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_from(parts).ok_or(ApiError::Unauthorized("log in first"))?;
        let session = token::digest(&token);
        let user = state
            .store
            .session_user(&session)
            .await?
            .ok_or(ApiError::Unauthorized(
                "the session has ended; log in again",
            ))?;
        Ok(AuthUser { user, session })
    }
}

/// A logged-in admin.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = AuthUser::from_request_parts(parts, state).await?;
        if auth.user.role != Role::Admin {
            return Err(ApiError::Forbidden("admins only"));
        }
        Ok(AdminUser(auth))
    }
}
