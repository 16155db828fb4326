//! The state every handler gets: one reference-counted handle, cloned per
//! request and held by every connection.

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

/// A handle on the app's [`Shared`] parts. One pointer: every WebSocket
/// connection holds one for its whole life, and the parts by value were
/// about 1 KiB each (docs/performance.md, idle memory).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

pub struct Shared {
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
    /// Attachments: the file store and its limits (`files`).
    pub files: crate::files::Files,
    /// The cluster's bus, when `SWITCHBOARD_BUS` is set (`None`: one node).
    pub bus: Option<crate::bus::BusStatus>,
    /// Cancelled on SIGTERM/Ctrl-C: WebSocket tasks send "going away" and end.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket tasks, which the HTTP server's graceful shutdown does
    /// not wait for once a connection has been upgraded.
    pub sockets: TaskTracker,
}
