//! The [`Visitor`] extractor: a support visitor known by the signed visitor
//! cookie (see `support::identity`). Visitors have no account and can reach
//! only the support frames for their own conversations.

use crate::{
    error::ApiError,
    state::AppState,
    support::identity::{CookieSigner, VISITOR_COOKIE},
};
use app::protocol::VisitorInfo;
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap},
};

/// A visitor with a valid cookie.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub info: VisitorInfo,
    /// The key inside the cookie (its row's `cookie_key`).
    pub key: String,
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

/// The key of a correctly signed visitor cookie in `headers`.
pub fn visitor_key(headers: &HeaderMap, signer: &CookieSigner) -> Option<String> {
    cookie(headers, VISITOR_COOKIE)
        .and_then(|v| signer.verify(v))
        .map(str::to_owned)
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = visitor_key(&parts.headers, state.desk.signer()).ok_or(
            ApiError::Unauthorized("no valid visitor cookie; open /support first"),
        )?;
        let now = state.desk.now();
        let info = state.store.ensure_visitor(&key, now).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect::<String>());
        state
            .store
            .touch_visitor(info.id, None, user_agent.as_deref(), now)
            .await?;
        Ok(Visitor { info, key })
    }
}
