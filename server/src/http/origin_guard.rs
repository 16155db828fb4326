//! Cross-site request forgery protection for cookie-authenticated requests.
//!
//! A foreign page can make the browser send a form POST (or a `fetch` with
//! `mode: "no-cors"`) to us with the user's cookies; `SameSite=Lax` stops
//! that only across sites, not from a sibling subdomain, and some endpoints
//! take bodies that are not JSON. So every unsafe method (anything but GET,
//! HEAD, OPTIONS, TRACE) that carries a cookie must come from a page we trust
//! ([`crate::origin::trusted`]): its `Origin`, or — from a browser that sent no
//! `Origin` — its `Sec-Fetch-Site` must say so, else 403 `forbidden`.
//!
//! Requests without cookies pass: they authenticate with a bearer token or
//! API key, which a foreign page cannot make the browser attach. Requests
//! with neither header (curl, other services) pass: they are not from a page.

use crate::{error::ApiError, state::AppState};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::net::{IpAddr, SocketAddr};

const REFUSED: &str = "this page may not send requests here with your cookies";

/// Why a request is refused, if it is.
fn verdict(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    state: &AppState,
) -> Result<(), &'static str> {
    if !headers.contains_key(header::COOKIE) {
        return Ok(());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        return if crate::origin::trusted(origin, headers, peer, &state.settings) {
            Ok(())
        } else {
            Err(REFUSED)
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none": the user typed the address or used a bookmark.
        None | Some("same-origin") | Some("none") => Ok(()),
        Some(_) => Err(REFUSED),
    }
}

/// The layer: on every route, before any handler runs.
pub async fn origin_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method().is_safe() {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    match verdict(req.headers(), peer, &state) {
        Ok(()) => next.run(req).await,
        Err(why) => {
            tracing::warn!(
                method = %req.method(),
                path = %req.uri().path(),
                origin = ?req.headers().get(header::ORIGIN),
                "cross-site request refused"
            );
            ApiError::Forbidden(why).into_response()
        }
    }
}
