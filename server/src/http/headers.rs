//! Security headers on every answer — pages, assets, the API, errors, 404s:
//! a `Content-Security-Policy`, `X-Content-Type-Options: nosniff` and a
//! `Referrer-Policy`.
//!
//! The policy is assembled from directives: this layer, the outermost, fills
//! in every directive an inner part of the server did not set itself. Two do:
//! the Leptos pages set `script-src` with the nonce of their inline scripts
//! ([`page_context`]), and `/support` sets its own `frame-ancestors` (the sites
//! allowed to embed the widget, in `http::visitor`).
//!
//! Why `script-src 'self' 'wasm-unsafe-eval' 'nonce-…'` and not
//! `'unsafe-inline'`: hydration needs one inline module script (it imports
//! `/pkg/*.js`, covered by `'self'`), and streamed pages add inline scripts
//! for resolved resources; Leptos marks all of them with the per-response
//! nonce it makes, so injected markup cannot run script. Instantiating the
//! WebAssembly bundle needs `'wasm-unsafe-eval'` (it does not allow `eval`).
//! Answers that are not pages (the API, assets) get `script-src 'self'`.

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};

/// Directives every answer gets unless an inner layer set the same directive.
const BASE: &[(&str, &str)] = &[
    ("script-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'self'"),
];

/// `script-src` of a server-rendered page whose inline scripts carry `nonce`.
pub fn page_script_src(nonce: &str) -> String {
    format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'")
}

/// Additional context for the Leptos routes: sets the page's `script-src`
/// with the nonce Leptos just made for this response (leptos_axum provides
/// it before calling this).
pub fn page_context() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(v) = HeaderValue::from_str(&page_script_src(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The policy: the directives in `inner` (an inner layer's header, if any),
/// then each [`BASE`] directive `inner` does not have.
fn policy(inner: Option<&str>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for directive in inner.unwrap_or("").split(';') {
        let directive = directive.trim();
        if directive.is_empty() {
            continue;
        }
        let name = directive
            .split_ascii_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        named.push(name);
        out.push(directive.to_owned());
    }
    for (name, value) in BASE {
        if !named.iter().any(|n| n == name) {
            out.push(format!("{name} {value}"));
        }
    }
    out.join("; ")
}

fn apply(headers: &mut HeaderMap) {
    let inner = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok());
    if let Ok(csp) = HeaderValue::from_str(&policy(inner)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
}

/// The layer (outermost of the HTTP routes).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    apply(resp.headers_mut());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_directives_win_and_the_rest_is_filled_in() {
        let p = policy(Some("frame-ancestors 'self' https://shop.example"));
        assert!(p.starts_with("frame-ancestors 'self' https://shop.example; "));
        assert!(p.contains("script-src 'self'") && p.contains("object-src 'none'"));
        assert_eq!(p.matches("frame-ancestors").count(), 1);
        let p = policy(Some(&page_script_src("abc")));
        assert!(p.contains("'nonce-abc'") && p.contains("'wasm-unsafe-eval'"));
        assert_eq!(p.matches("script-src").count(), 1);
        assert_eq!(policy(None).matches("; ").count(), BASE.len() - 1);
    }
}
