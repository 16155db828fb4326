//! The [`Visitor`] extractor: a support visitor known by the signed visitor
//! cookie (see `support::identity`). Visitors have no account and can reach
//! only the support frames for their own conversations.
//!
//! Where the cookie is missing (a browser that blocks third-party cookies
//! in the widget's iframe) the same signed value may come as the visitor
//! token instead (see [`visitor_key`]).
//!
//! A valid cookie is enough to be a visitor, but it makes no database row:
//! the row is created when the visitor first writes (`support.open`), so a
//! flood of fresh cookies stores nothing.

use crate::{
    error::ApiError,
    limits::ClientIp,
    state::AppState,
    support::identity::{CookieSigner, VISITOR_COOKIE},
};
use app::protocol::{VisitorInfo, VISITOR_TOKEN_HEADER, VISITOR_TOKEN_PROTOCOL};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap},
};

/// A visitor with a valid cookie.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Their row; `None` until they first write.
    pub info: Option<VisitorInfo>,
    /// The key inside the cookie (its row's `cookie_key`).
    pub key: String,
    /// Where they connect from (per-IP limits on new conversations).
    pub ip: ClientIp,
    /// Their browser, recorded on their row when it is made.
    pub user_agent: Option<String>,
}

/// The browser's `User-Agent`, cut to what is worth keeping.
pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect::<String>())
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The visitor key a request presents: its visitor cookie's when that is
/// correctly signed, else its visitor token's (the same signed value, sent
/// by the widget's iframe where third-party cookies are blocked: the
/// `switchboard-visitor` header over HTTP, the subprotocol on a WebSocket).
/// A token that does not verify counts for nothing, exactly like a tampered
/// cookie.
pub fn visitor_key(headers: &HeaderMap, signer: &CookieSigner) -> Option<String> {
    cookie(headers, VISITOR_COOKIE)
        .and_then(|v| signer.verify(v))
        .or_else(|| visitor_token(headers).and_then(|v| signer.verify(v)))
        .map(str::to_owned)
}

/// The visitor token a request carries, unchecked.
fn visitor_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(VISITOR_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .or_else(|| token_protocol(headers)?.strip_prefix(VISITOR_TOKEN_PROTOCOL))
}

/// The `switchboard.visitor.<token>` subprotocol a WebSocket upgrade offers.
/// The server must pick it (browsers fail a socket whose offered protocol is
/// not picked), so `ws::upgrade` does, whoever the peer turns out to be.
pub fn token_protocol(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|p| p.starts_with(VISITOR_TOKEN_PROTOCOL))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = visitor_key(&parts.headers, state.desk.signer()).ok_or(
            ApiError::Unauthorized("no valid visitor cookie or token; open /support first"),
        )?;
        let user_agent = user_agent(&parts.headers);
        let info = state.store.visitor_by_key(&key).await?;
        if let Some(info) = &info {
            let now = state.desk.now();
            state
                .store
                .touch_visitor(info.id, None, user_agent.as_deref(), now)
                .await?;
        }
        Ok(Visitor {
            info,
            key,
            ip: ClientIp::from_parts(parts, &state.settings.trusted_proxies),
            user_agent,
        })
    }
}
