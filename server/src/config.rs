//! Settings, read once from the environment at start. Every variable is listed
//! in the README's "Configuration" section; keep the two in step.

use std::{env, net::SocketAddr, time::Duration};
use thiserror::Error;

/// Everything the server can be told at start.
#[derive(Clone)]
pub struct Settings {
    /// `SWITCHBOARD_ADDR`: where to listen (default `127.0.0.1:3000`).
    pub addr: SocketAddr,
    /// `SWITCHBOARD_BUS`: the broker that joins several nodes into one
    /// cluster, `redis://host:port` or `nats://host:port`. Unset: one node,
    /// frames stay in the process (`bus.rs`).
    pub bus: Option<String>,
    /// `SWITCHBOARD_METRICS_TOKEN`: when set, `GET /metrics` asks for
    /// `Authorization: Bearer <token>`; unset, it is open.
    pub metrics_token: Option<String>,
    /// `SWITCHBOARD_BUS_PREFIX`: the first part of every subject the nodes
    /// publish on (default `switchboard`), so two clusters can share a broker.
    pub bus_prefix: String,
    /// `DATABASE_URL`: `sqlite://path` (default `sqlite://data/switchboard.db`) or `postgres://…`.
    pub database_url: String,
    /// `SWITCHBOARD_FILES`: where attachments are kept — a directory, or
    /// `s3://bucket/prefix` for an S3-compatible store (credentials and
    /// endpoint from the usual `AWS_*` variables). Unset: `files/` next to
    /// the SQLite database (`data/files` with PostgreSQL). The nodes of a
    /// cluster must share it.
    pub files: Option<String>,
    /// `SWITCHBOARD_FILE_MAX_MB`: the largest attachment, in MiB (default 25).
    pub file_max_bytes: u64,
    /// `SWITCHBOARD_FILE_TYPES`: comma-separated content types attachments
    /// may have, judged by their bytes: `image/png`, `image/*`, or `*` for
    /// any (default: pictures, audio, video, PDF, text, archives and office
    /// documents — not programs).
    pub file_types: Vec<String>,
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
    /// `SWITCHBOARD_OUTBOUND_BYTES`: bytes queued for one connection (its own
    /// frames and the room frames its writer holds) before it counts as not
    /// reading and is disconnected (default 4 MiB, at least 1 MiB).
    pub outbound_bytes: usize,
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
    /// `SWITCHBOARD_VISITOR_SESSIONS_PER_MIN` / `_BURST`: `POST
    /// /api/support/session` calls one IP address may make a minute on
    /// average, and at once (defaults 30 and 60).
    pub visitor_sessions_per_min: u32,
    pub visitor_sessions_burst: u32,
    /// `SWITCHBOARD_VISITOR_CONVERSATIONS_PER_MIN` / `_BURST`: new support
    /// conversations visitors from one IP address may open a minute on
    /// average, and at once (defaults 5 and 10).
    pub visitor_conversations_per_min: u32,
    pub visitor_conversations_burst: u32,
    /// `SWITCHBOARD_SUPPORT_ACTIONS_PER_MIN` / `_BURST`: support frames other
    /// than messages (join, subscribe, typing, contact, rate, claim, transfer,
    /// assign, status and availability changes) one visitor or agent may send
    /// a minute on average, and at once (defaults 120 and 60).
    pub support_actions_per_min: u32,
    pub support_actions_burst: u32,
    /// `SWITCHBOARD_REGISTRATION`: who may create an account — `open`
    /// (default), `invite` (with an admin's invite link) or `closed` (admins
    /// create accounts). The first account is made by whoever runs the server.
    pub registration: app::protocol::RegistrationPolicy,
    /// `SWITCHBOARD_JOIN_PER_MIN` / `_BURST`: `join` and `leave` frames per
    /// user (default 60 a minute, 100 at once: a reconnect joins every room
    /// the user is in at once, so the burst must cover a user in many rooms).
    pub join_rate: Rate,
    /// `SWITCHBOARD_EDIT_PER_MIN` / `_BURST`: `edit` and `delete` frames per
    /// user (default 30 a minute, 10 at once; each is a write transaction
    /// and a broadcast).
    pub edit_rate: Rate,
    /// `SWITCHBOARD_MARK_PER_MIN` / `_BURST`: `read`, `announcement_seen` and
    /// `announcement_dismiss` frames per user (default 600 a minute, 60 at
    /// once: the app sends `read` as messages arrive in the room on screen).
    pub mark_rate: Rate,
    /// `SWITCHBOARD_ROOM_CREATE_PER_MIN`: rooms a user may create a minute,
    /// also the burst (default 10; each new room is announced to everyone).
    pub room_create_per_min: u32,
    /// `SWITCHBOARD_API_WRITES_PER_MIN` / `_BURST`: state-changing requests
    /// (POST, PUT, PATCH, DELETE) under `/api` per user, or per IP address
    /// without a login, besides `/api/auth/*` and `/api/support/session`,
    /// which have their own limits (default 120 a minute, 60 at once).
    pub api_write_rate: Rate,
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

/// A rate limit's setting: so many a minute on average, so many at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_min: u32,
    pub burst: u32,
}

impl Rate {
    pub const fn new(per_min: u32, burst: u32) -> Rate {
        Rate { per_min, burst }
    }
}

/// The smallest `SWITCHBOARD_OUTBOUND_BYTES`: four history pages.
pub const MIN_OUTBOUND_BYTES: usize = 4 * crate::ws::HISTORY_PAGE_BYTES;

/// The content types attachments may have unless `SWITCHBOARD_FILE_TYPES`
/// says otherwise: what people send at work, not programs.
pub const DEFAULT_FILE_TYPES: &[&str] = &[
    "image/*",
    "audio/*",
    "video/*",
    // Text of any kind, HTML included: it is only ever served as a download.
    "text/*",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    "application/vnd.rar",
    "application/x-tar",
    "application/rtf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.*",
    "application/vnd.oasis.opendocument.*",
    "application/epub+zip",
];

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
            bus: None,
            bus_prefix: "switchboard".into(),
            metrics_token: None,
            database_url: "sqlite://data/switchboard.db".into(),
            allowed_origins: Vec::new(),
            files: None,
            file_max_bytes: 25 << 20,
            file_types: DEFAULT_FILE_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            rate_per_sec: 5,
            rate_burst: 20,
            outbound_queue: 1024,
            outbound_bytes: 4 << 20,
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
            visitor_sessions_per_min: 30,
            visitor_sessions_burst: 60,
            visitor_conversations_per_min: 5,
            visitor_conversations_burst: 10,
            support_actions_per_min: 120,
            support_actions_burst: 60,
            registration: app::protocol::RegistrationPolicy::Open,
            join_rate: Rate::new(60, 100),
            edit_rate: Rate::new(30, 10),
            mark_rate: Rate::new(600, 60),
            room_create_per_min: 10,
            api_write_rate: Rate::new(120, 60),
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
        s.bus = var("SWITCHBOARD_BUS").filter(|v| !v.trim().is_empty());
        s.metrics_token = var("SWITCHBOARD_METRICS_TOKEN").filter(|v| !v.is_empty());
        if let Some(bus) = &s.bus {
            if !(bus.starts_with("redis://") || bus.starts_with("nats://")) {
                return Err(ConfigError {
                    var: "SWITCHBOARD_BUS",
                    problem: format!(
                        "{:?}: expected redis://host:port or nats://host:port",
                        redact_url(bus)
                    ),
                });
            }
            // Several processes cannot share one SQLite file safely.
            if !s.database_url.starts_with("postgres") {
                return Err(ConfigError {
                    var: "SWITCHBOARD_BUS",
                    problem: "a cluster needs PostgreSQL: set DATABASE_URL=postgres://… \
                              (SQLite serves one node; unset SWITCHBOARD_BUS to run one)"
                        .into(),
                });
            }
        }
        if let Some(v) = var("SWITCHBOARD_BUS_PREFIX") {
            if v.is_empty()
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(ConfigError {
                    var: "SWITCHBOARD_BUS_PREFIX",
                    problem: format!("{v:?}: use letters, digits, '-' or '_'"),
                });
            }
            s.bus_prefix = v;
        }
        s.files = var("SWITCHBOARD_FILES").filter(|v| !v.trim().is_empty());
        if let Some(v) = var("SWITCHBOARD_FILE_MAX_MB") {
            let mb: u32 = positive("SWITCHBOARD_FILE_MAX_MB", &v)?;
            s.file_max_bytes = u64::from(mb) << 20;
        }
        if let Some(v) = var("SWITCHBOARD_FILE_TYPES") {
            s.file_types = v
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect();
            if let Some(bad) = s.file_types.iter().find(|t| *t != "*" && !t.contains('/')) {
                return Err(ConfigError {
                    var: "SWITCHBOARD_FILE_TYPES",
                    problem: format!(
                        "{bad:?}: expected a content type such as image/png or image/*"
                    ),
                });
            }
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
        if let Some(v) = var("SWITCHBOARD_REGISTRATION") {
            s.registration =
                app::protocol::RegistrationPolicy::parse(&v).ok_or_else(|| ConfigError {
                    var: "SWITCHBOARD_REGISTRATION",
                    problem: format!("{v:?} is not one of open, invite, closed"),
                })?;
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
        if let Some(v) = var("SWITCHBOARD_OUTBOUND_BYTES") {
            s.outbound_bytes = positive::<u32>("SWITCHBOARD_OUTBOUND_BYTES", &v)? as usize;
            // A join's replay is paced in pages of this size; a reading
            // client must always have room for one and for live frames.
            if s.outbound_bytes < MIN_OUTBOUND_BYTES {
                return Err(ConfigError {
                    var: "SWITCHBOARD_OUTBOUND_BYTES",
                    problem: format!("{v:?} is too small; use at least {MIN_OUTBOUND_BYTES}"),
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
        for (name, field) in [
            (
                "SWITCHBOARD_VISITOR_SESSIONS_PER_MIN",
                &mut s.visitor_sessions_per_min,
            ),
            (
                "SWITCHBOARD_VISITOR_SESSIONS_BURST",
                &mut s.visitor_sessions_burst,
            ),
            (
                "SWITCHBOARD_VISITOR_CONVERSATIONS_PER_MIN",
                &mut s.visitor_conversations_per_min,
            ),
            (
                "SWITCHBOARD_VISITOR_CONVERSATIONS_BURST",
                &mut s.visitor_conversations_burst,
            ),
            (
                "SWITCHBOARD_SUPPORT_ACTIONS_PER_MIN",
                &mut s.support_actions_per_min,
            ),
            (
                "SWITCHBOARD_SUPPORT_ACTIONS_BURST",
                &mut s.support_actions_burst,
            ),
        ] {
            if let Some(v) = var(name) {
                *field = positive(name, &v)?;
            }
        }
        if let Some(v) = var("SWITCHBOARD_PUSH_GRACE_SECS") {
            let secs: u32 = positive("SWITCHBOARD_PUSH_GRACE_SECS", &v)?;
            s.push_grace = Duration::from_secs(u64::from(secs));
        }
        rate(
            &mut s.join_rate,
            "SWITCHBOARD_JOIN_PER_MIN",
            "SWITCHBOARD_JOIN_BURST",
        )?;
        rate(
            &mut s.edit_rate,
            "SWITCHBOARD_EDIT_PER_MIN",
            "SWITCHBOARD_EDIT_BURST",
        )?;
        rate(
            &mut s.mark_rate,
            "SWITCHBOARD_MARK_PER_MIN",
            "SWITCHBOARD_MARK_BURST",
        )?;
        if let Some(v) = var("SWITCHBOARD_ROOM_CREATE_PER_MIN") {
            s.room_create_per_min = positive("SWITCHBOARD_ROOM_CREATE_PER_MIN", &v)?;
        }
        rate(
            &mut s.api_write_rate,
            "SWITCHBOARD_API_WRITES_PER_MIN",
            "SWITCHBOARD_API_WRITES_BURST",
        )?;
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

/// Reads a rate's two variables, each optional.
fn rate(r: &mut Rate, per_min: &'static str, burst: &'static str) -> Result<(), ConfigError> {
    if let Some(v) = var(per_min) {
        r.per_min = positive(per_min, &v)?;
    }
    if let Some(v) = var(burst) {
        r.burst = positive(burst, &v)?;
    }
    Ok(())
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
            .field("bus", &self.bus.as_deref().map(redact_url))
            .field("bus_prefix", &self.bus_prefix)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("allowed_origins", &self.allowed_origins)
            .field("rate_per_sec", &self.rate_per_sec)
            .field("rate_burst", &self.rate_burst)
            .field("outbound_queue", &self.outbound_queue)
            .field("outbound_bytes", &self.outbound_bytes)
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
            .field("visitor_sessions_per_min", &self.visitor_sessions_per_min)
            .field("visitor_sessions_burst", &self.visitor_sessions_burst)
            .field(
                "visitor_conversations_per_min",
                &self.visitor_conversations_per_min,
            )
            .field(
                "visitor_conversations_burst",
                &self.visitor_conversations_burst,
            )
            .field("support_actions_per_min", &self.support_actions_per_min)
            .field("support_actions_burst", &self.support_actions_burst)
            .field("registration", &self.registration)
            .field("join_rate", &self.join_rate)
            .field("edit_rate", &self.edit_rate)
            .field("mark_rate", &self.mark_rate)
            .field("room_create_per_min", &self.room_create_per_min)
            .field("api_write_rate", &self.api_write_rate)
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
