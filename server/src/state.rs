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
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub settings: Arc<Settings>,
    pub store: Store,
    pub hub: Arc<Hub>,
    pub ingest: Ingest,
    /// Every rate limit, one per action (`limits.rs`).
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
    /// The support desk: agents on duty, routing.
    pub desk: Desk,
    /// The cluster's bus, when `SWITCHBOARD_BUS` is set (`None`: one node).
    pub bus: Option<crate::bus::BusStatus>,
    /// Cancelled on SIGTERM/Ctrl-C: WebSocket tasks send "going away" and end.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks, which the HTTP server's graceful shutdown does
    /// not wait for once a connection has been upgraded.
    pub sockets: TaskTracker,
}
