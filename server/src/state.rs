//! The state every handler gets: cheap handles, cloned per request.

use crate::{
    config::Settings,
    hub::Hub,
    ingest::Ingest,
    limits::Limits,
    scheduler::{Clock, Scheduler},
    store::Store,
    support::Desk,
};
use app::protocol::UserId;
use axum::extract::FromRef;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::config::LeptosOptions;
use std::{num::NonZeroU32, sync::Arc};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// Messages per user, across all of that user's connections.
pub type SendLimiter = DefaultKeyedRateLimiter<UserId>;

pub fn send_limiter(settings: &Settings) -> SendLimiter {
    let per_sec = NonZeroU32::new(settings.rate_per_sec).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(settings.rate_burst).unwrap_or(per_sec);
    RateLimiter::keyed(Quota::per_second(per_sec).allow_burst(burst))
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub store: Store,
    pub hub: Arc<Hub>,
    pub ingest: Ingest,
    pub limiter: Arc<SendLimiter>,
    /// Every other rate limit, one per action (`limits.rs`).
    pub limits: Arc<Limits>,
    /// Set when the first account needs the token printed in the log at
    /// start (`auth::setup`); read-only after start.
    pub setup: Option<crate::auth::setup::SetupToken>,
    /// Password hashing on its own bounded pool (`auth::password`).
    pub passwords: crate::auth::password::Hasher,
    /// The time as the scheduler and the schedule API see it (a manual clock in tests).
    pub clock: Arc<dyn Clock>,
    /// Wakes the scheduler task when schedules change.
    pub scheduler: Scheduler,
    /// The support desk: agents on duty, conversation listeners, routing.
    pub desk: Desk,
    /// Cancelled on SIGTERM/Ctrl-C: WebSocket tasks send "going away" and end.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks, which the HTTP server's graceful shutdown does
    /// not wait for once a connection has been upgraded.
    pub sockets: TaskTracker,
}
