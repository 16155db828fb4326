//! Cross-site WebSocket hijacking protection. Browsers send cookies with a
//! cross-origin WebSocket upgrade, so the `Origin` must be one we trust: the
//! server's own (same scheme, host and port) or one listed in
//! `SWITCHBOARD_ALLOWED_ORIGINS` (see [`crate::origin`]). Requests without
//! `Origin` are not from a browser page and are let through (they still need
//! a valid session).

use crate::config::Settings;
use axum::http::{header, HeaderMap};
use std::net::IpAddr;

/// `Err(origin)` when the request's origin is not allowed.
pub fn check(headers: &HeaderMap, peer: Option<IpAddr>, settings: &Settings) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("<not text>");
    if crate::origin::trusted(origin, headers, peer, settings) {
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
        let s = Settings::defaults();
        assert!(check(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            None,
            &s
        )
        .is_ok());
        assert!(check(&headers(None, "127.0.0.1:3000"), None, &s).is_ok());
        let mut s = Settings::defaults();
        s.allowed_origins = vec!["https://app.example.com".to_owned()];
        assert!(check(&headers(Some("https://app.example.com"), "x:1"), None, &s).is_ok());
    }

    #[test]
    fn other_origins_fail() {
        let s = Settings::defaults();
        assert_eq!(
            check(
                &headers(Some("http://evil.example"), "127.0.0.1:3000"),
                None,
                &s
            ),
            Err("http://evil.example".to_owned())
        );
        // a host that merely starts with ours is not ours
        assert!(check(
            &headers(Some("http://127.0.0.1:30001"), "127.0.0.1:3000"),
            None,
            &s
        )
        .is_err());
        // the same host under another scheme is another origin
        assert!(check(
            &headers(Some("https://127.0.0.1:3000"), "127.0.0.1:3000"),
            None,
            &s
        )
        .is_err());
    }
}
