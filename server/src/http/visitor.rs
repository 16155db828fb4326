//! The visitor's side of the desk over HTTP: the layer on `GET /support…`
//! that issues the visitor cookie and limits who may frame the page,
//! `/widget.js` for embedding sites, and `POST /api/support/session`, where
//! the page (or the widget's iframe) gets its visitor and may present a
//! signed identity, and `POST /api/support/forget` ("Start over").
//!
//! The pages themselves are Leptos routes rendered elsewhere; this module
//! only wraps them.

use crate::{
    auth::visitor::{user_agent, visitor_key},
    error::{ApiError, ApiJson},
    limits::ClientIp,
    state::AppState,
    support::identity::{self, IdentityError, VISITOR_COOKIE, VISITOR_COOKIE_SECS},
};
use app::{
    protocol::{ForgetRequest, SessionRequest, VisitorSession},
    validate::Invalid,
};
use axum::{
    extract::{Query, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};

/// The widget script (static; it learns our origin from its own `src`).
const WIDGET_JS: &str = include_str!("../../static/widget.js");

/// `Set-Cookie` for a visitor cookie value. Cross-site iframes only get the
/// cookie with `SameSite=None`, which browsers accept only with `Secure`, so
/// that is used when the server is configured for HTTPS.
fn visitor_cookie(value: &str, secure: bool) -> HeaderValue {
    cookie_header(value, VISITOR_COOKIE_SECS, secure)
}

/// `Set-Cookie` that clears the visitor cookie ("Start over").
fn cleared_cookie(secure: bool) -> HeaderValue {
    cookie_header("", 0, secure)
}

fn cookie_header(value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let site = if secure {
        "SameSite=None; Secure"
    } else {
        "SameSite=Lax"
    };
    HeaderValue::from_str(&format!(
        "{VISITOR_COOKIE}={value}; Path=/; HttpOnly; {site}; Max-Age={max_age}"
    ))
    .expect("cookie is ASCII")
}

/// The origin (`scheme://host[:port]`) of a URL, lower-cased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host}").to_ascii_lowercase())
}

/// Whether the page that asked (its `Origin`, else its `Referer`) may embed
/// the widget: our own pages, or a listed site. `None`: no header to judge by.
fn embedder_allowed(state: &AppState, headers: &HeaderMap) -> Option<bool> {
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())?;
    let origin = origin_of(from)?;
    Some(origin_allowed(state, headers, &origin))
}

/// `Content-Security-Policy` for the support pages: only we and the listed
/// sites may frame them, and browsers enforce it.
fn frame_ancestors(state: &AppState) -> HeaderValue {
    let mut v = String::from("frame-ancestors 'self'");
    for o in &state.settings.widget_origins {
        v.push(' ');
        v.push_str(o);
    }
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'"))
}

/// Whether `origin` may embed the widget: ours (`Host`), or a listed site.
fn origin_allowed(state: &AppState, headers: &HeaderMap, origin: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let ours = host.is_some_and(|h| {
        origin
            .split_once("://")
            .is_some_and(|(_, o)| o.eq_ignore_ascii_case(h))
    });
    ours || state
        .settings
        .widget_origins
        .iter()
        .any(|a| a.eq_ignore_ascii_case(origin))
}

/// The value of `name` in a request's query string, percent-decoded.
fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    let Query(mut q) =
        Query::<std::collections::HashMap<String, String>>::try_from_uri(uri).ok()?;
    q.remove(name)
}

/// Layer on every route: on `GET /support` and below, refuses an embedding
/// (`?embed=1`) by a site not listed in `SWITCHBOARD_WIDGET_ORIGINS`, issues
/// the visitor cookie when there is none (outside the widget), and sets
/// `frame-ancestors`.
///
/// `widget.js` names the embedding page's origin as `host`; the iframe
/// exchanges the visitor token only with that origin, so a `host` that is
/// not allowed is refused here whatever the `Referer` says.
pub async fn support_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() != Method::GET || !(path == "/support" || path.starts_with("/support/")) {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or("");
    let embedded = query.split('&').any(|kv| kv == "embed=1");
    let host_refused = query_param(req.uri(), "host")
        .is_some_and(|h| !origin_allowed(&state, req.headers(), &h.to_ascii_lowercase()));
    if embedded && (host_refused || embedder_allowed(&state, req.headers()) == Some(false)) {
        return (
            StatusCode::FORBIDDEN,
            "this site may not embed the support widget",
        )
            .into_response();
    }
    // In the widget the session call settles the visitor, from the cookie or
    // else the token the embedding site kept: a cookie issued here would
    // beat the token and start a stranger.
    let issue_cookie = !embedded && visitor_key(req.headers(), state.desk.signer()).is_none();
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    if issue_cookie {
        let (value, _key) = state.desk.signer().issue();
        headers.append(
            header::SET_COOKIE,
            visitor_cookie(&value, state.settings.secure_cookies),
        );
    }
    // Added to the page's own policy (its script nonce), not in its place;
    // `http::headers` fills in the other directives.
    let framing = frame_ancestors(&state);
    let policy = match headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .zip(framing.to_str().ok())
    {
        Some((page, framing)) => HeaderValue::from_str(&format!("{page}; {framing}")).ok(),
        None => None,
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.unwrap_or(framing));
    resp
}

/// `GET /widget.js`: the embeddable script; refused (as a script that does
/// nothing) for a page whose origin is not listed.
pub async fn widget_js(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let js = HeaderValue::from_static("text/javascript; charset=utf-8");
    if embedder_allowed(&state, &headers) == Some(false) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, js)],
            "/* this site may not embed the Switchboard support widget */\n",
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, js),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=300"),
            ),
        ],
        WIDGET_JS,
    )
        .into_response()
}

/// `POST /api/support/session`: who this visitor is, issuing the cookie if
/// needed. Limited per client IP. A signed identity that does not verify is
/// refused with `bad_signature` (or `invalid`, naming a field that holds a
/// control character) and changes nothing; one that verifies decides the
/// visitor (`Store::identify_visitor`): the identity's own visitor, whose
/// history follows them across browsers, or a new one — never another
/// identity's or an anonymous visitor's conversations. Whenever the identity
/// differs from the one the cookie named, the cookie's key changes.
///
/// Without an identity nothing is stored: a visitor's row is made when they
/// first write, so a cookie-only visitor is answered with `visitor: null`.
pub async fn session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SessionRequest>,
) -> Result<Response, ApiError> {
    state
        .limits
        .visitor_sessions
        .check(&ip)
        .map_err(ApiError::RateLimited)?;
    let store = &state.store;
    let desk = &state.desk;
    let now = desk.now();
    if let Some(id) = &req.identity {
        identity::verify_identity(state.settings.widget_secret.as_deref(), id, now.timestamp())
            .map_err(identity_refused)?;
    }
    let (key, visitor) = match &req.identity {
        Some(id) => {
            let (key, visitor) = store
                .identify_visitor(
                    &id.external_id,
                    id.name.as_deref(),
                    id.email.as_deref(),
                    &desk.signer().issue().1,
                    now,
                )
                .await?;
            (key, Some(visitor))
        }
        None => match visitor_key(&headers, desk.signer()) {
            Some(key) => {
                let visitor = store.visitor_by_key(&key).await?.map(|v| v.id);
                (key, visitor)
            }
            None => (desk.signer().issue().1, None),
        },
    };
    let info = match visitor {
        Some(id) => {
            let page: Option<String> = req.page.map(|p| p.chars().take(2_000).collect());
            let ua = user_agent(&headers);
            store
                .touch_visitor(id, page.as_deref(), ua.as_deref(), now)
                .await?;
            store.visitor(id).await?
        }
        None => None,
    };
    let body = VisitorSession {
        visitor: info.as_ref().map(|i| i.id),
        verified: info.as_ref().is_some_and(|i| i.verified),
        name: info.as_ref().and_then(|i| i.name.clone()),
        email: info.and_then(|i| i.email),
        desk: desk.state(),
        token: desk.signer().sign(&key),
    };
    let cookie = visitor_cookie(&body.token, state.settings.secure_cookies);
    let mut resp = Json(body).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

/// `POST /api/support/forget` ("Start over"): this browser forgets its
/// visitor. The cookie is cleared (the iframe clears the token it handed to
/// the embedding site), and an anonymous visitor's key is retired
/// ([`Store::retire_visitor_key`]), so a copy of the old cookie or token
/// opens nothing. Their conversations stay with the agents. Answers 204,
/// also to a browser that had no visitor.
///
/// [`Store::retire_visitor_key`]: crate::store::Store::retire_visitor_key
pub async fn forget(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(ForgetRequest {}): ApiJson<ForgetRequest>,
) -> Result<Response, ApiError> {
    let signer = state.desk.signer();
    if let Some(key) = visitor_key(&headers, signer) {
        state
            .store
            .retire_visitor_key(&key, &signer.issue().1)
            .await?;
    }
    let gone = cleared_cookie(state.settings.secure_cookies);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, gone)]).into_response())
}

/// A refused identity as an HTTP error: a control character in a field is
/// malformed input (`invalid`, naming the field); the rest are `bad_signature`.
fn identity_refused(e: IdentityError) -> ApiError {
    match e {
        IdentityError::ControlCharacter { field } => ApiError::Invalid(Invalid {
            field,
            problem: "must not contain control characters (new lines included)".into(),
        }),
        e => ApiError::BadSignature(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(
            super::origin_of("https://Shop.example.com:8443/cart?x=1").as_deref(),
            Some("https://shop.example.com:8443")
        );
        assert_eq!(super::origin_of("nonsense"), None);
    }
}
