//! Extractors: [`AuthUser`] for any logged-in account, [`AdminUser`] for admins,
//! [`Pusher`] for whoever may send announcements (an admin, or another service
//! with an API key). A request is authenticated by `Authorization: Bearer
//! <token>` or, failing that, by the session cookie.

use super::{token, COOKIE};
use crate::store::Author;
use crate::{error::ApiError, state::AppState};
use app::protocol::{ApiKey, Role, User};
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

/// A logged-in agent or admin (the support desk's staff).
#[derive(Debug, Clone)]
pub struct AgentUser(pub AuthUser);

impl FromRequestParts<AppState> for AgentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = AuthUser::from_request_parts(parts, state).await?;
        if auth.user.role < Role::Agent {
            return Err(ApiError::Forbidden("agents and admins only"));
        }
        Ok(AgentUser(auth))
    }
}

/// Whoever may push announcements and manage schedules: an admin (by session
/// or login token) or another service presenting an API key as a bearer token.
#[derive(Debug, Clone)]
pub enum Pusher {
    Admin(User),
    Key(ApiKey),
}

impl Pusher {
    pub fn author(&self) -> Author {
        match self {
            Pusher::Admin(u) => Author::Admin(u.id),
            Pusher::Key(k) => Author::Key(k.id),
        }
    }
}

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(key) = bearer.filter(|t| t.starts_with(token::API_KEY_PREFIX)) {
            let found = state
                .store
                .use_api_key(&token::digest(key), chrono::Utc::now())
                .await?;
            return found
                .map(Pusher::Key)
                .ok_or(ApiError::Unauthorized("unknown or revoked API key"));
        }
        let AdminUser(auth) = AdminUser::from_request_parts(parts, state).await?;
        Ok(Pusher::Admin(auth.user))
    }
}
