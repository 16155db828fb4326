//! Register, log in, log out, and who am I.

use super::registration;
use crate::{
    auth::{password, token, AuthUser, COOKIE},
    error::{ApiError, ApiJson},
    state::AppState,
};
use app::{
    protocol::{AuthResponse, Credentials, Registration, User},
    validate::{Password, Username},
};
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;

const WRONG: &str = "wrong username or password";

/// Who may register is `SWITCHBOARD_REGISTRATION` (see `registration`); a
/// refusal costs no password hash.
pub async fn register(
    State(state): State<AppState>,
    ApiJson(creds): ApiJson<Registration>,
) -> Result<Response, ApiError> {
    registration::precheck(&state, &creds).await?;
    let username = Username::parse(&creds.username)?;
    let password = Password::parse(&creds.password)?;
    let hash = password::hash(password.as_str().to_owned())
        .await
        .map_err(ApiError::Internal)?;
    let user = registration::sign_up(&state, &creds, username.as_str(), &hash).await?;
    tracing::info!(user = %user.username, role = ?user.role, "registered");
    start_session(&state, user, StatusCode::CREATED).await
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(creds): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    // An invalid username cannot exist; look it up anyway (as "no account") so
    // the answer takes as long as any other failed login.
    let found = match Username::parse(&creds.username) {
        Ok(name) => state.store.user_with_hash(name.as_str()).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(creds.password, hash)
        .await
        .map_err(ApiError::Internal)?;
    match (ok, user) {
        (true, Some(user)) => start_session(&state, user, StatusCode::OK).await,
        _ => Err(ApiError::Unauthorized(WRONG)),
    }
}

async fn start_session(
    state: &AppState,
    user: User,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let token = token::generate();
    let ttl = state.settings.session_ttl;
    let expires =
        Utc::now() + chrono::Duration::from_std(ttl).map_err(|e| ApiError::Internal(e.into()))?;
    state
        .store
        .create_session(&token::digest(&token), user.id, expires)
        .await?;
    let cookie = cookie(&token, ttl.as_secs(), state.settings.secure_cookies);
    let mut resp = (status, Json(AuthResponse { token, user })).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

fn cookie(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie is ASCII")
}

pub async fn logout(State(state): State<AppState>, auth: AuthUser) -> Result<Response, ApiError> {
    state.store.delete_session(&auth.session).await?;
    state.hub.end_session(&auth.session);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, state.settings.secure_cookies),
    );
    Ok(resp)
}

pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}
