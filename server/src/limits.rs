//! Rate limits and the client address they are keyed by.
//!
//! Every state-changing frame and request is counted against a key — a user,
//! a visitor, an account name or the client's IP address — so that abuse costs
//! the abuser (a `429` with `Retry-After`, or an error frame with
//! `retry_after_ms`) and not the server. Each limit is a [`Limit`] held in
//! [`Limits`], one field per action, so every limit and its default is listed
//! in one place (and in docs/security.md).

use crate::config::{Rate, Settings};
use app::protocol::UserId;
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use governor::{
    clock::{Clock, DefaultClock},
    DefaultKeyedRateLimiter, Quota, RateLimiter,
};
use std::{
    convert::Infallible,
    hash::Hash,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    num::NonZeroU32,
    time::Duration,
};

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds for a `Retry-After` header (at least 1).
    pub fn secs(self) -> u64 {
        self.0.as_millis().div_ceil(1000).max(1) as u64
    }

    /// Milliseconds for an error frame's `retry_after_ms` (at least 1).
    pub fn millis(self) -> u64 {
        (self.0.as_millis() as u64).max(1)
    }
}

/// A token bucket per key: `burst` actions at once, refilled at `per_minute`.
pub struct Limit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `per_minute` actions a minute on average, `burst` at once.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Limit {
            limiter: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
        }
    }

    /// `per_second` actions a second on average, `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Limit {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
        }
    }

    /// Counts one action for `key`; `Err` says how long until one is allowed.
    pub fn check(&self, key: &K) -> Result<(), RetryAfter> {
        self.limiter.check_key(key).map_err(|not_until| {
            RetryAfter(not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Counts one action for `key`, refusing it (`rate_limited`, saying when
    /// to retry) over the limit; `what` names the action in the refusal.
    pub fn admit(&self, key: &K, what: &str) -> Result<(), crate::refusal::Refusal> {
        self.check(key)
            .map_err(|wait| crate::refusal::Refusal::too_fast(wait, what))
    }

    /// Drops keys whose buckets are full again, so the table does not grow
    /// with every address ever seen (called periodically).
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Every rate limit, one field per action; add a field here when adding a
/// limited action.
pub struct Limits {
    /// Chat messages and agents' support replies per user, across all of
    /// that user's connections (`SWITCHBOARD_RATE_PER_SEC`, `_BURST`).
    pub messages: Limit<UserId>,
    /// `POST /api/support/session` per client IP (the support page and the
    /// widget call it once per page view).
    pub visitor_sessions: Limit<IpAddr>,
    /// New support conversations (`support.open` that starts one) per client
    /// IP, so fresh cookies cannot flood the queue.
    pub visitor_conversations: Limit<IpAddr>,
    /// Support messages (`support.open`, `support.send`) per visitor, keyed
    /// by the visitor cookie's key (a visitor may have no row yet).
    pub visitor_messages: Limit<String>,
    /// Every other support frame that changes or reads much (join, subscribe,
    /// relayed typing, contact, rate, claim, transfer, assign, status,
    /// availability), per visitor or agent.
    pub support_actions: Limit<crate::support::Actor>,
    /// `join` and `leave` frames per user (`SWITCHBOARD_JOIN_*`). Each join
    /// writes the membership and reads a replay; leaving and joining again
    /// must not get round it.
    pub join: Limit<UserId>,
    /// `edit` and `delete` frames per user (`SWITCHBOARD_EDIT_*`): each is
    /// a write transaction and a broadcast to the room.
    pub edit: Limit<UserId>,
    /// `read`, `announcement_seen` and `announcement_dismiss` per user
    /// (`SWITCHBOARD_MARK_*`). Reads over it are dropped, not refused: the
    /// next one carries the marker further.
    pub mark: Limit<UserId>,
    /// `typing` per user across rooms (fixed, [`TYPING_PER_SEC`]): over it a
    /// notice is dropped, which costs the client nothing.
    pub typing: Limit<UserId>,
    /// `POST /api/rooms` per user (`SWITCHBOARD_ROOM_CREATE_PER_MIN`): each
    /// new room is announced to every connection.
    pub room_create: Limit<UserId>,
    /// State-changing requests under `/api` (`SWITCHBOARD_API_WRITES_*`), per
    /// user, or per address without a login (`http::throttle`).
    pub api_write: Limit<ApiCaller>,
    /// Logins and registrations per client IP (`SWITCHBOARD_AUTH_IP_PER_MIN`):
    /// each costs a password hash, so this bounds what one address can make
    /// the server spend, and slows password guessing from it.
    pub auth_ip: Limit<IpAddr>,
    /// Logins and registrations per submitted username, whether or not the
    /// account exists (`SWITCHBOARD_AUTH_NAME_PER_MIN`): slows guessing one
    /// account's password from many addresses, and answers the same for an
    /// unknown name, so a refusal reveals nothing (see `http::auth`).
    pub auth_name: Limit<String>,
    /// Searches per user (fixed, [`SEARCH_PER_MIN`]): each walks the index.
    pub search: Limit<UserId>,
    /// `react` and `unreact` per user (fixed, [`REACT_PER_MIN`]): each is a
    /// write transaction and a broadcast to the room.
    pub react: Limit<UserId>,
}

/// Reactions a user may add or take back a minute (bursts of a quarter).
pub const REACT_PER_MIN: u32 = 120;

/// Searches a user may run a minute (burst a third of that): a search box
/// asks once per submitted search, not per keystroke.
pub const SEARCH_PER_MIN: u32 = 60;

/// Typing notices a user may send a second, across all rooms (burst twice
/// that). The app sends one every 3 s while typing in one room.
pub const TYPING_PER_SEC: u32 = 5;

/// Who an API request is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiCaller {
    User(UserId),
    Ip(IpAddr),
}

fn limit<K: Hash + Eq + Clone>(r: Rate) -> Limit<K> {
    Limit::per_minute(r.per_min, r.burst)
}

impl Limits {
    pub fn new(settings: &Settings) -> Limits {
        Limits {
            messages: Limit::per_second(settings.rate_per_sec, settings.rate_burst),
            visitor_sessions: Limit::per_minute(
                settings.visitor_sessions_per_min,
                settings.visitor_sessions_burst,
            ),
            visitor_conversations: Limit::per_minute(
                settings.visitor_conversations_per_min,
                settings.visitor_conversations_burst,
            ),
            visitor_messages: Limit::per_second(settings.rate_per_sec, settings.rate_burst),
            support_actions: Limit::per_minute(
                settings.support_actions_per_min,
                settings.support_actions_burst,
            ),
            join: limit(settings.join_rate),
            edit: limit(settings.edit_rate),
            mark: limit(settings.mark_rate),
            typing: Limit::per_second(TYPING_PER_SEC, 2 * TYPING_PER_SEC),
            room_create: Limit::per_minute(
                settings.room_create_per_min,
                settings.room_create_per_min,
            ),
            api_write: limit(settings.api_write_rate),
            auth_ip: Limit::per_minute(settings.auth_ip_per_min, settings.auth_ip_per_min),
            auth_name: Limit::per_minute(settings.auth_name_per_min, settings.auth_name_per_min),
            search: Limit::per_minute(SEARCH_PER_MIN, SEARCH_PER_MIN / 3),
            react: Limit::per_minute(REACT_PER_MIN, REACT_PER_MIN / 4),
        }
    }

    /// Forgets idle keys of every limit.
    pub fn forget_idle(&self) {
        self.messages.forget_idle();
        self.visitor_sessions.forget_idle();
        self.visitor_conversations.forget_idle();
        self.visitor_messages.forget_idle();
        self.support_actions.forget_idle();
        self.join.forget_idle();
        self.edit.forget_idle();
        self.mark.forget_idle();
        self.typing.forget_idle();
        self.room_create.forget_idle();
        self.api_write.forget_idle();
        self.auth_ip.forget_idle();
        self.auth_name.forget_idle();
        self.search.forget_idle();
        self.react.forget_idle();
    }
}

/// The client's IP address: the TCP peer, or — when the peer is one of
/// `SWITCHBOARD_TRUSTED_PROXIES` — the address that proxy put last in
/// `X-Forwarded-For`. Limits keyed by IP use this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub fn from_parts(parts: &Parts, trusted_proxies: &[IpAddr]) -> ClientIp {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            // Only a server built without connection info (none today) lands here.
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !trusted_proxies.contains(&peer) {
            return ClientIp(peer);
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .next_back();
        ClientIp(forwarded.unwrap_or(peer))
    }
}

impl FromRequestParts<crate::state::AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<Self, Infallible> {
        Ok(ClientIp::from_parts(parts, &state.settings.trusted_proxies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait() {
        let l: Limit<u32> = Limit::per_minute(60, 3);
        for _ in 0..3 {
            assert!(l.check(&1).is_ok());
        }
        let wait = l.check(&1).unwrap_err();
        assert!(wait.0 <= Duration::from_secs(1) && wait.secs() == 1);
        assert!(l.check(&2).is_ok(), "keys are counted apart");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut req = axum::http::Request::builder()
            .header("x-forwarded-for", "203.0.113.9, 198.51.100.7")
            .body(())
            .unwrap();
        let proxy: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(proxy));
        let (parts, ()) = req.into_parts();
        assert_eq!(ClientIp::from_parts(&parts, &[]).0, proxy.ip());
        assert_eq!(
            ClientIp::from_parts(&parts, &[proxy.ip()]).0,
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}
