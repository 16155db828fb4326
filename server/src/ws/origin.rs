//! Cross-site WebSocket hijacking protection. Browsers send cookies with a
//! cross-origin WebSocket upgrade, so the `Origin` must be one we trust: the
//! server's own (same host) or one listed in `SWITCHBOARD_ALLOWED_ORIGINS`.
//! Requests without `Origin` are not from a browser page and are let through
//! (they still need a valid session).

use axum::http::{header, HeaderMap};

/// `Err(origin)` when the request's origin is not allowed.
pub fn check(headers: &HeaderMap, allowed: &[String]) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin
        .to_str()
        .unwrap_or("<not text>")
        .trim_end_matches('/');
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let same_host = host.is_some_and(|host| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
    });
    if same_host || allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
        Ok(())
    } else {
        Err(origin.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn own_origin_and_listed_origins_pass() {
        assert!(check(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            &[]
        )
        .is_ok());
        assert!(check(&headers(None, "127.0.0.1:3000"), &[]).is_ok());
        let allowed = vec!["https://app.example.com".to_owned()];
        assert!(check(&headers(Some("https://app.example.com"), "x:1"), &allowed).is_ok());
    }

    #[test]
    fn other_origins_fail() {
        assert_eq!(
            check(&headers(Some("http://evil.example"), "127.0.0.1:3000"), &[]),
            Err("http://evil.example".to_owned())
        );
        // a host that merely starts with ours is not ours
        assert!(check(
            &headers(Some("http://127.0.0.1:30001"), "127.0.0.1:3000"),
            &[]
        )
        .is_err());
    }
}
