//! Health checks for load balancers and orchestrators.
//!
//! `GET /healthz`: the process is alive and serving HTTP (always 200).
//! `GET /readyz`: this node should get traffic — the database answers (the
//! schema is migrated before the node listens at all), the bus is connected
//! when one is configured, and the node is not draining. Otherwise 503, with
//! a JSON body naming what is wrong.

use crate::state::AppState;
use axum::{extract::State, http::StatusCode, Json};
use serde_json::{json, Value};
use std::time::Duration;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = matches!(
        tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await,
        Ok(Ok(()))
    );
    let bus = state.bus.as_ref().map(|b| b.connected());
    let draining = state.shutdown.is_cancelled();
    let ready = database && bus != Some(false) && !draining;
    let body = json!({
        "ready": ready,
        "database": database,
        "bus": match bus {
            None => "none",
            Some(true) => "connected",
            Some(false) => "disconnected",
        },
        "node": state.bus.as_ref().map(|b| b.node.clone()),
        "peers": state.bus.as_ref().map(|_| state.hub.peer_count()),
        "draining": draining,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body))
}
