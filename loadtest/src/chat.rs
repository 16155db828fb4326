//! The chat benchmark (issue 12): `users` connections spread over `rooms`
//! rooms, each sending `rate` messages a second into its own room for `secs`
//! seconds, each receiving every message of its room (its own included).
//!
//! Where the fan-out test looks for the rate a server cannot keep up with,
//! this one is a busy chat at a steady load well below that, and what it
//! reports is the latency of every delivery (p50, p99, max) and the CPU the
//! server spent. Latency runs from when a message was *scheduled* to be
//! sent (see [`crate::wire`]), and each connection's schedule is offset from
//! the others' so that the load is spread, not a burst every period.

use crate::{
    clock, fanout,
    process::Proc,
    procfs,
    servers::Kind,
    tally::Tally,
    target::Target,
    wire::{self, Stamp},
};
use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use std::{cell::RefCell, rc::Rc, time::Duration};
use tokio::{sync::Semaphore, task::JoinHandle, time::Instant};
use tokio_tungstenite::tungstenite::Message;

/// Connections opened at once.
const OPEN_CONCURRENCY: usize = 32;
/// The clients' read buffer (as in the fan-out test).
const READ_BUFFER: usize = 4 * 1024;
/// Quiet time after everyone joined and before the measured sending.
const SETTLE: Duration = Duration::from_secs(1);
/// The measured messages' step number (see [`Tally`]).
const STEP: u32 = 1;
/// A connection's messages are numbered from `connection × SEQ_SPAN`, so that
/// every `client_id` is unique even where accounts share connections.
const SEQ_SPAN: u64 = 1_000_000;

/// `loadtest chat`: its own settings (accounts are `--users`).
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Connections, spread over the rooms.
    #[arg(long, default_value_t = 200)]
    pub connections: usize,
    #[arg(long, default_value_t = 20)]
    pub rooms: usize,
    /// Messages a second each connection sends.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 20.0)]
    pub secs: f64,
}

/// Issue 12's goal: Switchboard's p99 at most this many times the bare server's.
pub const GOAL_P99_RATIO: f64 = 2.0;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub sent: u64,
    /// Deliveries owed: each message to every member of its room.
    pub expected: u64,
    pub delivered: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Connections that ended during the run.
    pub drops: u64,
    pub server_errors: u64,
    /// The server's and this tool's CPU over the run, % of one core.
    pub server_cpu: f64,
    pub client_cpu: f64,
}

/// Runs the benchmark against one server: `rooms[r]` is how to reach room `r`.
/// Must run inside a `LocalSet`.
pub async fn run(rooms: &[Target], server: &Proc, cfg: &Config) -> anyhow::Result<Outcome> {
    if cfg.rooms == 0 || rooms.len() != cfg.rooms || cfg.connections < cfg.rooms || cfg.rate <= 0.0
    {
        bail!("the chat benchmark needs at least one user per room and a positive rate");
    }
    let tally = Rc::new(RefCell::new(Tally::new()));
    let gate = Rc::new(Semaphore::new(OPEN_CONCURRENCY));
    let mut opening = Vec::with_capacity(cfg.connections);
    for i in 0..cfg.connections {
        let (target, gate) = (rooms[i % rooms.len()].clone(), gate.clone());
        opening.push(tokio::task::spawn_local(async move {
            let _permit = gate.acquire().await.context("semaphore closed")?;
            target.open(i, READ_BUFFER).await
        }));
    }
    let mut senders = Vec::with_capacity(cfg.connections);
    let mut receivers: Vec<JoinHandle<()>> = Vec::with_capacity(cfg.connections);
    for (i, task) in opening.into_iter().enumerate() {
        let ws = task
            .await
            .context("opening task")?
            .with_context(|| format!("opening connection {i}"))?;
        let (sink, stream) = ws.split();
        let tally = tally.clone();
        tally.borrow_mut().up += 1;
        receivers.push(tokio::task::spawn_local(async move {
            let why = fanout::receive(stream, &tally).await;
            let mut t = tally.borrow_mut();
            t.up -= 1;
            t.drops += 1;
            t.last_drop = Some(why);
        }));
        senders.push(sink);
    }
    tokio::time::sleep(SETTLE).await;
    tally.borrow_mut().begin_step(STEP);

    let members = members_of(cfg.connections, rooms.len());
    let (server0, client0) = (server.cpu_ticks()?, procfs::cpu_ticks(None)?);
    let start = Instant::now();
    let period = Duration::from_secs_f64(1.0 / cfg.rate);
    let count = (cfg.rate * cfg.secs).round() as u64;
    let sending: Vec<JoinHandle<anyhow::Result<u64>>> = senders
        .into_iter()
        .enumerate()
        .map(|(i, mut sink)| {
            let room = rooms[i % rooms.len()].room;
            // Spread over the period: connection i starts i/users into it.
            let offset = period.mul_f64(i as f64 / cfg.connections as f64);
            tokio::task::spawn_local(async move {
                let first = start + offset;
                let mut tick = tokio::time::interval_at(first, period);
                for k in 0..count {
                    tick.tick().await;
                    let stamp = Stamp {
                        step: STEP,
                        seq: i as u64 * SEQ_SPAN + k,
                        sent_ns: clock::as_ns((first + period.mul_f64(k as f64)).into_std()),
                    };
                    sink.send(Message::text(wire::send_frame(room, stamp)))
                        .await
                        .context("sending")?;
                }
                Ok(count)
            })
        })
        .collect();
    let mut sent = 0;
    let mut sent_to = vec![0u64; rooms.len()];
    for (i, task) in sending.into_iter().enumerate() {
        let n = task.await.context("sending task")??;
        sent += n;
        sent_to[i % rooms.len()] += n;
    }
    let expected: u64 = sent_to.iter().zip(&members).map(|(s, m)| s * m).sum();
    // What was sent arrives, or two seconds pass.
    let wait_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < wait_until && tally.borrow().delivered < expected {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (server1, client1) = (server.cpu_ticks()?, procfs::cpu_ticks(None)?);
    let wall = start.elapsed().as_secs_f64();
    let percent = |from: u64, to: u64| {
        100.0 * to.saturating_sub(from) as f64 / procfs::ticks_per_sec() as f64 / wall
    };
    for task in receivers {
        task.abort();
    }
    let t = tally.borrow();
    Ok(Outcome {
        sent,
        expected,
        delivered: t.delivered,
        p50_ms: t.quantile_ms(0.5),
        p99_ms: t.quantile_ms(0.99),
        max_ms: t.latency_us.max() as f64 / 1_000.0,
        drops: t.drops,
        server_errors: t.server_errors,
        server_cpu: percent(server0, server1),
        client_cpu: percent(client0, client1),
    })
}

/// The report: both servers side by side, and the goal.
pub fn markdown(
    cfg: &Config,
    command: &str,
    settings: &str,
    runs: &[(Kind, Result<Outcome, String>)],
) -> String {
    use std::fmt::Write as _;
    let mut md = String::new();
    let _ = writeln!(md, "Run with `{command}`\n({settings})\n");
    let _ = writeln!(
        md,
        "Chat: {} connections in {} rooms, {} msg/s each ({:.0} msg/s in all), {} s.\n",
        cfg.connections,
        cfg.rooms,
        cfg.rate,
        cfg.rate * cfg.connections as f64,
        cfg.secs
    );
    md.push_str("| server | sent | delivered (of owed) | p50 ms | p99 ms | max ms | server CPU | generator CPU | drops | error frames |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (kind, run) in runs {
        let name = kind.label();
        match run {
            Ok(o) => {
                let _ = writeln!(
                    md,
                    "| {name} | {} | {} ({:.1}%) | {:.2} | {:.2} | {:.1} | {:.0}% | {:.0}% | {} | {} |",
                    o.sent,
                    o.delivered,
                    100.0 * o.delivered as f64 / o.expected.max(1) as f64,
                    o.p50_ms,
                    o.p99_ms,
                    o.max_ms,
                    o.server_cpu,
                    o.client_cpu,
                    o.drops,
                    o.server_errors
                );
            }
            Err(e) => {
                let _ = writeln!(md, "| {name} | failed: {e} | | | | | | | | |");
            }
        }
    }
    let ok = |kind: Kind| {
        runs.iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, r)| r.as_ref().ok())
    };
    if let (Some(bare), Some(ours)) = (ok(Kind::Bare), ok(Kind::Switchboard)) {
        let ratio = ours.p99_ms / bare.p99_ms.max(0.001);
        let met = ratio <= GOAL_P99_RATIO && ours.delivered >= ours.expected;
        let _ = writeln!(
            md,
            "\n- [{}] p99 ≤ {GOAL_P99_RATIO}× bare: {ratio:.2}× ({:.2} vs {:.2} ms), every delivery owed made: {}",
            if met { "x" } else { " " },
            ours.p99_ms,
            bare.p99_ms,
            ours.delivered >= ours.expected
        );
    }
    md
}

/// How many connections each room gets when connection `i` joins room
/// `i % rooms`.
fn members_of(users: usize, rooms: usize) -> Vec<u64> {
    (0..rooms)
        .map(|r| users.saturating_sub(r).div_ceil(rooms) as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_dealt_to_rooms_in_turn() {
        assert_eq!(members_of(200, 20), vec![10; 20]);
        assert_eq!(members_of(7, 3), vec![3, 2, 2]);
    }

    fn outcome(p99_ms: f64) -> Outcome {
        Outcome {
            sent: 10,
            expected: 100,
            delivered: 100,
            p50_ms: 1.0,
            p99_ms,
            max_ms: p99_ms,
            drops: 0,
            server_errors: 0,
            server_cpu: 10.0,
            client_cpu: 10.0,
        }
    }

    #[test]
    fn the_report_checks_the_p99_goal_against_the_bare_server() {
        let cfg = Config {
            connections: 200,
            rooms: 20,
            rate: 5.0,
            secs: 20.0,
        };
        let runs = |ours: f64| {
            vec![
                (Kind::Bare, Ok(outcome(2.0))),
                (Kind::Switchboard, Ok(outcome(ours))),
            ]
        };
        assert!(markdown(&cfg, "c", "s", &runs(3.9)).contains("- [x] p99 ≤ 2× bare: 1.95×"));
        assert!(markdown(&cfg, "c", "s", &runs(4.2)).contains("- [ ] p99 ≤ 2× bare: 2.10×"));
    }
}
