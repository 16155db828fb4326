//! Whose page a browser request comes from: the `Origin` a browser sends,
//! judged against the server's own origin and `SWITCHBOARD_ALLOWED_ORIGINS`.
//! Used where cookies would otherwise let a foreign page act as the user: the
//! WebSocket upgrade (`ws::origin`) and unsafe HTTP methods
//! (`http::origin_guard`).
//!
//! An origin is scheme, host and port; all three must match. The server's
//! own origin is the request's `Host` with the scheme the client used:
//! `X-Forwarded-Proto` when the peer is one of `SWITCHBOARD_TRUSTED_PROXIES`,
//! otherwise `https` when `SWITCHBOARD_SECURE_COOKIES` says the site is served
//! over HTTPS, else `http`.

use crate::config::Settings;
use axum::http::{header, HeaderMap};
use std::net::IpAddr;

/// `scheme://host[:port]`, lower-cased, without a trailing `/` and without
/// the scheme's default port, so equal origins compare equal as strings.
pub fn normalize(origin: &str) -> String {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if let Some(rest) = origin.strip_prefix(scheme) {
            if let Some(host) = rest.strip_suffix(port) {
                return format!("{scheme}{host}");
            }
        }
    }
    origin
}

/// The scheme this request reached us by (see the module comment).
fn scheme(headers: &HeaderMap, peer: Option<IpAddr>, settings: &Settings) -> String {
    let behind_proxy = peer.is_some_and(|p| settings.trusted_proxies.contains(&p));
    if behind_proxy {
        let forwarded = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase());
        if let Some(proto @ ("http" | "https")) = forwarded.as_deref() {
            return proto.to_owned();
        }
    }
    if settings.secure_cookies {
        "https"
    } else {
        "http"
    }
    .to_owned()
}

/// The server's own origin as this request addressed it; `None` without a
/// `Host` header.
pub fn own(headers: &HeaderMap, peer: Option<IpAddr>, settings: &Settings) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    if host.is_empty() {
        return None;
    }
    Some(normalize(&format!(
        "{}://{host}",
        scheme(headers, peer, settings)
    )))
}

/// Whether a page of `origin` may act here with the user's cookies: our own
/// origin, or one listed in `SWITCHBOARD_ALLOWED_ORIGINS`.
pub fn trusted(
    origin: &str,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    settings: &Settings,
) -> bool {
    let origin = normalize(origin);
    own(headers, peer, settings).is_some_and(|own| own == origin)
        || settings
            .allowed_origins
            .iter()
            .any(|a| normalize(a) == origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, proto: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(p) = proto {
            h.insert("x-forwarded-proto", HeaderValue::from_str(p).unwrap());
        }
        h
    }

    #[test]
    fn scheme_host_and_port_all_count() {
        let s = Settings::defaults();
        let h = headers("chat.example.com:3000", None);
        assert!(trusted("http://chat.example.com:3000", &h, None, &s));
        assert!(trusted("HTTP://Chat.Example.com:3000/", &h, None, &s));
        assert!(!trusted("https://chat.example.com:3000", &h, None, &s));
        assert!(!trusted("http://chat.example.com:30001", &h, None, &s));
        assert!(!trusted("http://chat.example.com", &h, None, &s));
        assert!(!trusted("null", &h, None, &s));
    }

    #[test]
    fn https_by_setting_or_by_a_trusted_proxy_only() {
        let mut s = Settings::defaults();
        let h = headers("chat.example.com", Some("https"));
        // An untrusted peer's X-Forwarded-Proto is ignored.
        assert!(!trusted("https://chat.example.com", &h, None, &s));
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        s.trusted_proxies = vec![proxy];
        assert!(trusted("https://chat.example.com:443", &h, Some(proxy), &s));
        assert!(!trusted("http://chat.example.com", &h, Some(proxy), &s));
        let mut s = Settings::defaults();
        s.secure_cookies = true;
        let h = headers("chat.example.com", None);
        assert!(trusted("https://chat.example.com", &h, None, &s));
        assert!(!trusted("http://chat.example.com", &h, None, &s));
    }

    #[test]
    fn listed_origins_are_trusted() {
        let mut s = Settings::defaults();
        s.allowed_origins = vec!["https://app.example.com".into()];
        let h = headers("x:1", None);
        assert!(trusted("https://app.example.com", &h, None, &s));
        assert!(!trusted("http://app.example.com", &h, None, &s));
    }
}
