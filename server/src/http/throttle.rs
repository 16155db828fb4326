//! One rate limit for every state-changing request under `/api`.
//!
//! POST, PUT, PATCH and DELETE are counted per user when the request carries
//! a live session, else per client address ([`ClientIp`]), against
//! `SWITCHBOARD_API_WRITES_*`; over it the answer is `429` with
//! `Retry-After`. Reads are not counted here: they change nothing and the
//! expensive ones are paged. `/api/auth/*` and `/api/support/session` are
//! left out: they have their own limits, tuned to what they protect (password
//! hashing, visitor sessions), and counting them here too would let a flood
//! of failed logins lock a user out of everything else.

use crate::{
    auth::AuthUser,
    error::ApiError,
    limits::{ApiCaller, ClientIp},
    state::AppState,
};
use axum::{
    extract::{FromRequestParts, OriginalUri, Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Paths (as the client sent them) with limits of their own.
fn exempt(path: &str) -> bool {
    path.starts_with("/api/auth/") || path == "/api/support/session"
}

pub async fn throttle(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    // Inside `nest("/api")` the URI has lost its prefix; the original has it.
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    if !changes_state || exempt(&path) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    // A token that is not a live session (an API key, an ended session)
    // counts against the address, like no token at all.
    let caller = match AuthUser::from_request_parts(&mut parts, &state).await {
        Ok(auth) => ApiCaller::User(auth.user.id),
        Err(_) => ApiCaller::Ip(ClientIp::from_parts(&parts, &state.settings.trusted_proxies).0),
    };
    if let Err(wait) = state.limits.api_write.check(&caller) {
        return ApiError::RateLimited(wait).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn auth_and_visitor_sessions_have_their_own_limits() {
        assert!(super::exempt("/api/auth/login"));
        assert!(super::exempt("/api/auth/register"));
        assert!(super::exempt("/api/support/session"));
        assert!(!super::exempt("/api/rooms"));
        assert!(!super::exempt("/api/support/sessions"));
    }
}
