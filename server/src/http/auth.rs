//! Register, log in, log out, and who am I.
//!
//! Registering and logging in each cost a password hash, so both are rate
//! limited before any hashing: per client IP and per submitted username (see
//! [`attempt`]), and the hashing itself is bounded (`auth::password`).

use super::registration;
use crate::{
    accounts, audit,
    auth::{password::HashError, token, AuthUser, COOKIE},
    error::{ApiError, ApiJson},
    limits::{ClientIp, RetryAfter},
    state::AppState,
    store::SessionOrigin,
};
use app::{
    protocol::{
        AuditAction, AuthResponse, ChangePassword, Credentials, ErrorCode, Registration, User,
    },
    validate::{Password, Username},
};
use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use chrono::Utc;

const WRONG: &str = "wrong username or password";

/// How long a client refused for a full hashing queue should wait: a queued
/// hash is done within a fraction of a second.
const HASH_BUSY_RETRY: RetryAfter = RetryAfter(std::time::Duration::from_secs(1));

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => ApiError::Busy(
                "the server is busy checking passwords; try again in a moment",
                HASH_BUSY_RETRY,
            ),
            HashError::Failed(e) => ApiError::Internal(e),
        }
    }
}

/// Counts one login or registration attempt against the client's IP and
/// against the submitted username. The name is limited as typed (trimmed,
/// lower-cased, cut to a bounded length), before any lookup, so an unknown
/// name is limited exactly like a real one and a 429 says nothing about
/// whether the account exists.
pub(super) fn attempt(state: &AppState, ip: ClientIp, username: &str) -> Result<(), ApiError> {
    attempt_from(state, ip)?;
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    state
        .limits
        .auth_name
        .check(&name)
        .map_err(ApiError::RateLimited)
}

/// Counts one attempt against the client's IP only: for what has no
/// username (a password reset link), where the link's token is the secret.
pub(super) fn attempt_from(state: &AppState, ip: ClientIp) -> Result<(), ApiError> {
    state
        .limits
        .auth_ip
        .check(&ip.0)
        .map_err(ApiError::RateLimited)
}

/// Who may register is `SWITCHBOARD_REGISTRATION` (see `registration`); a
/// refusal costs no password hash.
pub async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(creds): ApiJson<Registration>,
) -> Result<Response, ApiError> {
    attempt(&state, ip, &creds.username)?;
    registration::precheck(&state, &creds).await?;
    let username = Username::parse(&creds.username)?;
    let password = Password::parse(&creds.password)?;
    let hash = state.passwords.hash(password.as_str().to_owned()).await?;
    let user = registration::sign_up(&state, &creds, username.as_str(), &hash).await?;
    tracing::info!(user = %user.username, role = ?user.role, "registered");
    let entry = audit::by(&user, AuditAction::SignedUp)
        .target(audit::user(&user))
        .detail(user.role.as_str())
        .from_ip(ip);
    audit::record(&state, entry).await;
    start_session(&state, user, StatusCode::CREATED, origin(ip, &headers)).await
}

pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(creds): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    attempt(&state, ip, &creds.username)?;
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
    let ok = state.passwords.verify(creds.password, hash).await?;
    let failed = |detail: &'static str| {
        // The typed name, cut short: it is whatever the client sent.
        let typed: String = creds.username.chars().take(64).collect();
        audit::anonymous(AuditAction::LoginFailed)
            .target(typed)
            .detail(detail)
            .from_ip(ip)
    };
    match (ok, user) {
        // Said only to whoever knows the password.
        (true, Some(user)) if !user.active => {
            audit::record(&state, failed("account deactivated")).await;
            Err(ApiError::Refused {
                code: ErrorCode::AccountDeactivated,
                message: "this account has been deactivated",
            })
        }
        (true, Some(user)) => {
            start_session(&state, user, StatusCode::OK, origin(ip, &headers)).await
        }
        (_, found) => {
            let why = if found.is_some() {
                "wrong password"
            } else {
                "no such account"
            };
            audit::record(&state, failed(why)).await;
            Err(ApiError::Unauthorized(WRONG))
        }
    }
}

/// Where a session is being started from, for the sessions page.
pub(super) fn origin(ip: ClientIp, headers: &HeaderMap) -> SessionOrigin {
    SessionOrigin {
        ip: Some(ip.0.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Logs `user` in: a new session, answered as a token and a cookie.
pub(super) async fn start_session(
    state: &AppState,
    user: User,
    status: StatusCode,
    origin: SessionOrigin,
) -> Result<Response, ApiError> {
    let token = token::generate();
    let ttl = state.settings.session_ttl;
    let expires =
        Utc::now() + chrono::Duration::from_std(ttl).map_err(|e| ApiError::Internal(e.into()))?;
    state
        .store
        .create_session(&token::digest(&token), user.id, expires, &origin)
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
    accounts::close_sessions(&state, std::slice::from_ref(&auth.session));
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(
        header::SET_COOKIE,
        cookie("", 0, state.settings.secure_cookies),
    );
    Ok(resp)
}

/// `POST /api/me/password`: a new password, given the current one. Every
/// other session of the account ends (its sockets close with 4001); this one
/// stays. A wrong current password is 403 `forbidden` (the caller is logged
/// in: not 401, which would log them out), after the same per-name limits
/// as a login.
pub async fn change_password(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AuthUser,
    ApiJson(body): ApiJson<ChangePassword>,
) -> Result<StatusCode, ApiError> {
    attempt(&state, ip, &auth.user.username)?;
    let new = Password::parse(&body.new).map_err(|mut e| {
        e.field = "new";
        e
    })?;
    let stored = state.store.password_hash(auth.user.id).await?;
    if !state.passwords.verify(body.current, stored).await? {
        let entry = audit::by(&auth.user, AuditAction::PasswordChangeFailed).from_ip(ip);
        audit::record(&state, entry).await;
        return Err(ApiError::Forbidden("the current password is wrong"));
    }
    let hash = state.passwords.hash(new.as_str().to_owned()).await?;
    let ended = state
        .store
        .change_password(auth.user.id, &hash, &auth.session)
        .await?;
    accounts::close_sessions(&state, &ended);
    let entry = audit::by(&auth.user, AuditAction::PasswordChanged)
        .detail(format!("{} other sessions ended", ended.len()))
        .from_ip(ip);
    audit::record(&state, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: AuthUser) -> Json<User> {
    Json(auth.user)
}
