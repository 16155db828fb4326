//! What the node counts, for `GET /metrics` in the Prometheus text format.
//!
//! Every figure is recorded through the `metrics` facade by the part that
//! knows it (the connection tasks, the hub, ingest, the bus, the scheduler,
//! routing) with the helpers below, so the names live in one place. The
//! recorder is process-wide (installed once); `/metrics` renders it. With
//! `SWITCHBOARD_METRICS_TOKEN` set, it asks for `Authorization: Bearer <token>`.

use crate::state::AppState;
use axum::{
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Counter,
    Histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{sync::OnceLock, time::Duration};

/// Buckets of every `_seconds` histogram: 0.5 ms to 10 s.
const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Handles of the figures recorded per frame or per message, looked up once
/// at install: `counter!` would hash its name and labels on every call.
struct Hot {
    frames_in: Counter,
    frames_out: Counter,
    acked: Histogram,
    /// One per topic kind (`Topic::name`).
    delivered: Vec<(&'static str, Counter)>,
}

static HOT: OnceLock<Hot> = OnceLock::new();

/// Installs the recorder (once per process) and answers its handle.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
            }
            describe();
            let _ = HOT.set(Hot {
                frames_in: counter!("switchboard_frames_in_total"),
                frames_out: counter!("switchboard_frames_out_total"),
                acked: histogram!("switchboard_ack_seconds"),
                delivered: crate::hub::Topic::NAMES
                    .iter()
                    .map(|t| (*t, counter!("switchboard_deliveries_total", "topic" => *t)))
                    .collect(),
            });
            handle
        })
        .clone()
}

fn describe() {
    describe_gauge!(
        "switchboard_connections",
        "Open WebSockets, by kind (member, visitor)."
    );
    describe_counter!("switchboard_frames_in_total", "Client frames read.");
    describe_counter!("switchboard_frames_out_total", "Frames written to sockets.");
    describe_counter!(
        "switchboard_deliveries_total",
        "Frames queued for connections by publications, by topic."
    );
    describe_histogram!(
        "switchboard_ack_seconds",
        "From a chat message entering the ingest queue to its ack (stored)."
    );
    describe_histogram!(
        "switchboard_ingest_paced_seconds",
        "Ingest's waits for every writer to take its last batch before the next (when they had not at once)."
    );
    describe_counter!(
        "switchboard_kicks_total",
        "Connections closed by the server, by reason (slow_consumer, …)."
    );
    describe_counter!(
        "switchboard_bus_published_total",
        "Envelopes published on the bus."
    );
    describe_counter!(
        "switchboard_bus_received_total",
        "Envelopes received from other nodes."
    );
    describe_counter!(
        "switchboard_bus_dropped_total",
        "Envelopes not published (queue full or broker down)."
    );
    describe_counter!(
        "switchboard_bus_gaps_total",
        "Gaps seen in other nodes' envelopes."
    );
    describe_counter!(
        "switchboard_bus_resyncs_total",
        "Times this node resynced its clients."
    );
    describe_histogram!(
        "switchboard_bus_lag_seconds",
        "From another node publishing an envelope to this node receiving it."
    );
    describe_gauge!(
        "switchboard_bus_connected",
        "1 while the broker connection is up."
    );
    describe_gauge!("switchboard_bus_peers", "Other nodes this node hears.");
    describe_histogram!(
        "switchboard_schedule_lateness_seconds",
        "How late scheduled announcements were sent after their due time."
    );
    describe_gauge!(
        "switchboard_routing_queue",
        "Support conversations waiting for an agent after the last routing pass."
    );
}

/// Keeps histograms and summaries compact (the exporter's own listener would).
pub async fn upkeep(shutdown: tokio_util::sync::CancellationToken) {
    let handle = install();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => handle.run_upkeep(),
        }
    }
}

/// `GET /metrics`.
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.settings.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_str()) {
            return (StatusCode::UNAUTHORIZED, "metrics need the bearer token").into_response();
        }
    }
    gauge!("switchboard_bus_peers").set(state.hub.peer_count() as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        install().render(),
    )
        .into_response()
}

// --- the helpers every part records through ---------------------------------

pub fn connection_opened(kind: &'static str) {
    gauge!("switchboard_connections", "kind" => kind).increment(1.0);
}

pub fn connection_closed(kind: &'static str) {
    gauge!("switchboard_connections", "kind" => kind).decrement(1.0);
}

// The per-frame ones use the handles made at install (before it, nothing is
// recorded: only unit tests run without an installed recorder).

pub fn frame_in() {
    if let Some(h) = HOT.get() {
        h.frames_in.increment(1);
    }
}

pub fn frames_out(n: usize) {
    if let Some(h) = HOT.get() {
        h.frames_out.increment(n as u64);
    }
}

pub fn delivered(topic: &'static str, connections: usize) {
    if connections == 0 {
        return;
    }
    if let Some((_, c)) = HOT
        .get()
        .and_then(|h| h.delivered.iter().find(|(t, _)| *t == topic))
    {
        c.increment(connections as u64);
    }
}

pub fn acked(after: Duration) {
    if let Some(h) = HOT.get() {
        h.acked.record(after.as_secs_f64());
    }
}

pub fn kicked(reason: &'static str) {
    counter!("switchboard_kicks_total", "reason" => reason).increment(1);
}

pub fn bus_published() {
    counter!("switchboard_bus_published_total").increment(1);
}

pub fn bus_received(lag: Option<Duration>) {
    counter!("switchboard_bus_received_total").increment(1);
    if let Some(lag) = lag {
        histogram!("switchboard_bus_lag_seconds").record(lag.as_secs_f64());
    }
}

pub fn bus_dropped() {
    counter!("switchboard_bus_dropped_total").increment(1);
}

pub fn bus_gap() {
    counter!("switchboard_bus_gaps_total").increment(1);
}

pub fn bus_resync() {
    counter!("switchboard_bus_resyncs_total").increment(1);
}

pub fn bus_connected(up: bool) {
    gauge!("switchboard_bus_connected").set(if up { 1.0 } else { 0.0 });
}

/// Ingest waited this long for every writer to take its last batch before
/// the next (recorded when they had not all taken it by the time it looked,
/// which is most batches; the values grow when the node is short of CPU).
pub fn ingest_waited(wait: Duration) {
    histogram!("switchboard_ingest_paced_seconds").record(wait.as_secs_f64());
}

pub fn schedule_lateness(late: Duration) {
    histogram!("switchboard_schedule_lateness_seconds").record(late.as_secs_f64());
}

pub fn routing_queue(waiting: usize) {
    gauge!("switchboard_routing_queue").set(waiting as f64);
}
