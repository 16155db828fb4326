//! Settings, read once from the environment at start. Every variable is listed
//! in the README's "Configuration" section; keep the two in step.

use std::{env, net::SocketAddr, time::Duration};
use thiserror::Error;

/// Everything the server can be told at start.
#[derive(Clone)]
pub struct Settings {
    /// `SWITCHBOARD_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://path` (default `sqlite://data/switchboard.db`) or `postgres://…`.
    pub database_url: String,
    /// `SWITCHBOARD_ALLOWED_ORIGINS`: comma-separated origins allowed to open `/ws`
    /// besides the server's own.
    pub allowed_origins: Vec<String>,
    /// `SWITCHBOARD_RATE_PER_SEC` / `SWITCHBOARD_RATE_BURST`: messages a user may
    /// send per second on average, and in a burst (defaults 5 and 20).
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// `SWITCHBOARD_OUTBOUND_QUEUE`: frames queued for one connection before it
    /// counts as not reading and is disconnected (default 1024).
    pub outbound_queue: usize,
    /// `SWITCHBOARD_SECURE_COOKIES`: mark cookies `Secure` (set it behind HTTPS).
    pub secure_cookies: bool,
    /// `SWITCHBOARD_SESSION_DAYS`: how long a login lasts (default 30).
    pub session_ttl: Duration,
    /// `SWITCHBOARD_PUSH_GRACE_SECS`: a scheduled announcement found overdue
    /// (the server was down when it fell due) is still sent, marked late, if it
    /// is at most this late; otherwise it is recorded as missed (default 3600).
    pub push_grace: Duration,
    /// `SWITCHBOARD_PUSH_MIN_INTERVAL_SECS`: the shortest time a recurring
    /// schedule may leave between two of its announcements (default 60).
    pub push_min_interval: Duration,
    /// `SWITCHBOARD_SECRET`: the key that signs visitor cookies. When unset, a
    /// random one is made once and kept in the database.
    pub secret: Option<String>,
    /// `SWITCHBOARD_WIDGET_ORIGINS`: comma-separated origins of the sites that
    /// may embed the support widget.
    pub widget_origins: Vec<String>,
    /// `SWITCHBOARD_WIDGET_SECRET`: the key embedding sites sign verified
    /// visitor identities with. Unset: every signed identity is refused.
    pub widget_secret: Option<String>,
    /// `SWITCHBOARD_SUPPORT_REROUTE_SECS`: an auto-assigned conversation the
    /// agent has not answered within this long goes to another agent (default 180).
    pub support_reroute: Duration,
    /// `SWITCHBOARD_SUPPORT_CAPACITY`: open conversations auto-assignment gives
    /// an agent whose own capacity an admin has not set (default 5).
    pub support_capacity: i64,
    /// `SWITCHBOARD_TRUSTED_PROXIES`: comma-separated IP addresses of reverse
    /// proxies whose `X-Forwarded-For` names the real client (for limits
    /// keyed by IP). Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `SWITCHBOARD_HASH_THREADS`: passwords hashed or verified at once, each
    /// on its own thread with ~19 MiB of memory (default: the number of cores).
    pub hash_threads: usize,
    /// `SWITCHBOARD_HASH_QUEUE`: hash jobs that may wait for a thread; beyond
    /// them a login or registration is answered 503 with `Retry-After` (default 8).
    pub hash_queue: usize,
    /// `SWITCHBOARD_AUTH_IP_PER_MIN`: logins and registrations one client IP
    /// may attempt per minute, all at once at most (default 30).
    pub auth_ip_per_min: u32,
    /// `SWITCHBOARD_AUTH_NAME_PER_MIN`: logins and registrations per minute for
    /// one submitted username, whether or not it exists (default 10).
    pub auth_name_per_min: u32,
    /// `SWITCHBOARD_HEADER_TIMEOUT_SECS`: a connection must send a complete
    /// request head within this long of opening, or of its previous answer
    /// (so it also closes idle keep-alive connections) (default 10).
    pub header_timeout: Duration,
    /// `SWITCHBOARD_IDLE_TIMEOUT_SECS`: an HTTP connection (not a WebSocket) on
    /// which nothing is read or written for this long is closed (default 60).
    pub idle_timeout: Duration,
    /// `SWITCHBOARD_MAX_CONNECTIONS`: open connections in total, WebSockets
    /// included; lowered at start to fit the open-files limit (default 50000).
    pub max_connections: usize,
    /// `SWITCHBOARD_MAX_CONNECTIONS_PER_IP`: open connections from one client
    /// address (the TCP peer) (default 256).
    pub max_connections_per_ip: usize,
}

#[derive(Debug, Error)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    var: &'static str,
    problem: String,
}

impl Settings {
    /// Defaults suitable for a first run on one machine.
    pub fn defaults() -> Settings {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/switchboard.db".into(),
            allowed_origins: Vec::new(),
            rate_per_sec: 5,
            rate_burst: 20,
            outbound_queue: 1024,
            secure_cookies: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            push_grace: Duration::from_secs(3600),
            push_min_interval: Duration::from_secs(60),
            secret: None,
            widget_origins: Vec::new(),
            widget_secret: None,
            support_reroute: Duration::from_secs(180),
            support_capacity: 5,
            trusted_proxies: Vec::new(),
            hash_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            hash_queue: 8,
            auth_ip_per_min: 30,
            auth_name_per_min: 10,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 50_000,
            max_connections_per_ip: 256,
        }
    }

    pub fn from_env() -> Result<Settings, ConfigError> {
        let mut s = Settings::defaults();
        if let Some(v) = var("SWITCHBOARD_ADDR") {
            s.addr = parse("SWITCHBOARD_ADDR", &v)?;
        }
        if let Some(v) = var("DATABASE_URL") {
            s.database_url = v;
        }
        if let Some(v) = var("SWITCHBOARD_ALLOWED_ORIGINS") {
            s.allowed_origins = origins(&v);
        }
        if let Some(v) = var("SWITCHBOARD_WIDGET_ORIGINS") {
            s.widget_origins = origins(&v);
        }
        if let Some(v) = var("SWITCHBOARD_TRUSTED_PROXIES") {
            s.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|ip| !ip.is_empty())
                .map(|ip| parse("SWITCHBOARD_TRUSTED_PROXIES", ip))
                .collect::<Result<_, _>>()?;
        }
        s.secret = var("SWITCHBOARD_SECRET");
        s.widget_secret = var("SWITCHBOARD_WIDGET_SECRET");
        if let Some(v) = var("SWITCHBOARD_SUPPORT_REROUTE_SECS") {
            let secs: u32 = positive("SWITCHBOARD_SUPPORT_REROUTE_SECS", &v)?;
            s.support_reroute = Duration::from_secs(u64::from(secs));
        }
        if let Some(v) = var("SWITCHBOARD_SUPPORT_CAPACITY") {
            s.support_capacity = i64::from(positive::<u32>("SWITCHBOARD_SUPPORT_CAPACITY", &v)?);
        }
        if let Some(v) = var("SWITCHBOARD_RATE_PER_SEC") {
            s.rate_per_sec = positive("SWITCHBOARD_RATE_PER_SEC", &v)?;
        }
        if let Some(v) = var("SWITCHBOARD_RATE_BURST") {
            s.rate_burst = positive("SWITCHBOARD_RATE_BURST", &v)?;
        }
        if let Some(v) = var("SWITCHBOARD_OUTBOUND_QUEUE") {
            s.outbound_queue = positive::<u32>("SWITCHBOARD_OUTBOUND_QUEUE", &v)? as usize;
            // One stored batch reaches a sender as echo + ack per message.
            let min = 2 * crate::ingest::MAX_BATCH + 16;
            if s.outbound_queue < min {
                return Err(ConfigError {
                    var: "SWITCHBOARD_OUTBOUND_QUEUE",
                    problem: format!("{v:?} is too small; use at least {min}"),
                });
            }
        }
        if let Some(v) = var("SWITCHBOARD_SECURE_COOKIES") {
            s.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = var("SWITCHBOARD_SESSION_DAYS") {
            let days: u32 = positive("SWITCHBOARD_SESSION_DAYS", &v)?;
            s.session_ttl = Duration::from_secs(u64::from(days) * 24 * 3600);
        }
        if let Some(v) = var("SWITCHBOARD_PUSH_MIN_INTERVAL_SECS") {
            let secs: u32 = positive("SWITCHBOARD_PUSH_MIN_INTERVAL_SECS", &v)?;
            s.push_min_interval = Duration::from_secs(u64::from(secs));
        }
        if let Some(v) = var("SWITCHBOARD_PUSH_GRACE_SECS") {
            let secs: u32 = positive("SWITCHBOARD_PUSH_GRACE_SECS", &v)?;
            s.push_grace = Duration::from_secs(u64::from(secs));
        }
        if let Some(v) = var("SWITCHBOARD_HASH_THREADS") {
            s.hash_threads = positive::<u32>("SWITCHBOARD_HASH_THREADS", &v)? as usize;
        }
        if let Some(v) = var("SWITCHBOARD_HASH_QUEUE") {
            s.hash_queue = parse::<u32>("SWITCHBOARD_HASH_QUEUE", &v)? as usize;
        }
        if let Some(v) = var("SWITCHBOARD_AUTH_IP_PER_MIN") {
            s.auth_ip_per_min = positive("SWITCHBOARD_AUTH_IP_PER_MIN", &v)?;
        }
        if let Some(v) = var("SWITCHBOARD_AUTH_NAME_PER_MIN") {
            s.auth_name_per_min = positive("SWITCHBOARD_AUTH_NAME_PER_MIN", &v)?;
        }
        if let Some(v) = var("SWITCHBOARD_HEADER_TIMEOUT_SECS") {
            let secs: u32 = positive("SWITCHBOARD_HEADER_TIMEOUT_SECS", &v)?;
            s.header_timeout = Duration::from_secs(u64::from(secs));
        }
        if let Some(v) = var("SWITCHBOARD_IDLE_TIMEOUT_SECS") {
            let secs: u32 = positive("SWITCHBOARD_IDLE_TIMEOUT_SECS", &v)?;
            s.idle_timeout = Duration::from_secs(u64::from(secs));
        }
        if let Some(v) = var("SWITCHBOARD_MAX_CONNECTIONS") {
            s.max_connections = positive::<u32>("SWITCHBOARD_MAX_CONNECTIONS", &v)? as usize;
        }
        if let Some(v) = var("SWITCHBOARD_MAX_CONNECTIONS_PER_IP") {
            s.max_connections_per_ip =
                positive::<u32>("SWITCHBOARD_MAX_CONNECTIONS_PER_IP", &v)? as usize;
        }
        Ok(s)
    }
}

fn origins(v: &str) -> Vec<String> {
    v.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect()
}

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(var: &'static str, v: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    v.trim().parse().map_err(|e: T::Err| ConfigError {
        var,
        problem: format!("{v:?} is not valid: {e}"),
    })
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(
    var: &'static str,
    v: &str,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let n: T = parse(var, v)?;
    if n <= T::default() {
        return Err(ConfigError {
            var,
            problem: format!("{v:?} must be greater than zero"),
        });
    }
    Ok(n)
}

/// The database URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("allowed_origins", &self.allowed_origins)
            .field("rate_per_sec", &self.rate_per_sec)
            .field("rate_burst", &self.rate_burst)
            .field("outbound_queue", &self.outbound_queue)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_ttl", &self.session_ttl)
            .field("push_grace", &self.push_grace)
            .field("push_min_interval", &self.push_min_interval)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("widget_origins", &self.widget_origins)
            .field("widget_secret", &self.widget_secret.as_ref().map(|_| "***"))
            .field("support_reroute", &self.support_reroute)
            .field("support_capacity", &self.support_capacity)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("hash_threads", &self.hash_threads)
            .field("hash_queue", &self.hash_queue)
            .field("auth_ip_per_min", &self.auth_ip_per_min)
            .field("auth_name_per_min", &self.auth_name_per_min)
            .field("header_timeout", &self.header_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("max_connections_per_ip", &self.max_connections_per_ip)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://sb:secret@db:5432/sb"),
            "postgres://sb:***@db:5432/sb"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn zero_is_refused_with_the_variable_named() {
        let err = positive::<u32>("SWITCHBOARD_RATE_PER_SEC", "0").unwrap_err();
        assert!(err.to_string().starts_with("SWITCHBOARD_RATE_PER_SEC"));
    }
}
