//! Fan-out: one room of `members` connections, one of which sends. Finds the
//! delivery rate at which the server falls behind, then measures latency at
//! half that rate.
//!
//! A *delivery* is one message arriving at one member: a message sent into a
//! room of 1,000 is 1,000 deliveries (the sender's own copy included).
//!
//! Each step sends at a fixed rate for a fixed time, paced against the clock,
//! after a *barrier*: a probe message every member must receive first. Frames
//! arrive in order on each connection, so the barrier also proves that nothing
//! from the step before is still in flight. A step *falls behind* when the
//! sender is pushed back, fewer than [`KEEP_UP`] of the planned deliveries
//! arrive, p99 latency passes [`MAX_P99_MS`], or a member is disconnected.
//!
//! The sender and the members may be on different servers ([`Clients`]): a
//! cluster's nodes, for the cross-node latency ([`fixed`]). The CPU time of
//! every process under test ([`Watch`]) is read around each step.

use crate::{
    clock,
    process::Proc,
    procfs,
    servers::Server,
    tally::Tally,
    target::{Target, Ws},
    wire::{self, Stamp},
};
use anyhow::{bail, Context};
use app::protocol::RoomId;
use futures_util::{stream::SplitSink, stream::SplitStream, SinkExt, StreamExt};
use std::{
    cell::RefCell,
    rc::Rc,
    time::{Duration, Instant},
};
use tokio::{sync::Semaphore, task::JoinHandle};
use tokio_tungstenite::tungstenite::Message;

/// Share of planned deliveries that must arrive for a step to keep up.
pub const KEEP_UP: f64 = 0.9;
/// p99 latency beyond which a step has fallen behind.
pub const MAX_P99_MS: f64 = 500.0;
/// Client read buffer for fan-out members. Big enough for one read to take
/// many frames; tungstenite's 128 KiB default made each read cost ~2× the CPU
/// here (measured: generator at 71 % of its core for 25 k deliveries/s, 34 % with
/// 16 KiB), which doubled the latencies the tool reported.
const READ_BUFFER: usize = 16 * 1024;
/// One frame in this many is decoded in full to check the scanner.
const VERIFY_EVERY: u64 = 512;
/// Connections being opened at once.
const OPEN_CONCURRENCY: usize = 64;
/// Times one member may (re)connect during a run.
const MAX_CONNECTS: usize = 10;
/// How long all members may take to be connected (at start or after drops).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a barrier probe may take to reach everyone (a backlog drains first).
const BARRIER_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Config {
    pub members: usize,
    pub step_secs: f64,
    pub start_rate: f64,
    pub max_rate: f64,
    /// Each step's rate over the one before.
    pub growth: f64,
    /// Extra steps bisecting between the last step that kept up and the first that did not.
    pub refine: usize,
    /// Time allowed for the search (steps started after it are skipped).
    pub budget: Duration,
    pub half_secs: f64,
    /// Messages/s of one more final step, when set: half of the reference
    /// server's saturation, so that both servers' latencies compare at one
    /// rate (issue 12's goal), not each at half of its own.
    pub reference_rate: Option<f64>,
}

/// One step's figures.
#[derive(Debug, Clone)]
pub struct Step {
    pub label: String,
    /// Messages per second the sender was to send.
    pub rate: f64,
    pub sent: u64,
    pub planned: u64,
    pub delivered: u64,
    /// Deliveries per second, over the time from the first send to the last delivery.
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub drops: u64,
    /// CPU use of the server(s) and of this load generator, in % of one core
    /// (with several nodes, `server_cpu` is their sum).
    pub server_cpu: f64,
    pub client_cpu: f64,
    /// Each node's CPU use, in the order of [`Watch::nodes`].
    pub node_cpu: Vec<f64>,
    /// The broker's CPU use, when there is one.
    pub broker_cpu: Option<f64>,
    /// How long the step took, sending and draining, in seconds (CPU
    /// percentages are of this time).
    pub wall_secs: f64,
    /// Why the step fell behind, if it did.
    pub behind: Option<String>,
}

#[cfg(test)]
impl Step {
    /// A step with every figure zero, for tests to fill in.
    pub fn blank() -> Step {
        Step {
            label: String::new(),
            rate: 0.0,
            sent: 0,
            planned: 0,
            delivered: 0,
            per_sec: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            drops: 0,
            server_cpu: 0.0,
            client_cpu: 0.0,
            node_cpu: Vec::new(),
            broker_cpu: None,
            wall_secs: 0.0,
            behind: None,
        }
    }
}

/// The most deliveries per second of a step that kept up. A step that fell
/// behind may deliver more per second by having shed members (a slow
/// consumer is cut off) or by letting latency grow past the bound, neither of
/// which a server sustains.
pub fn saturation(steps: &[Step]) -> f64 {
    steps
        .iter()
        .filter(|s| s.behind.is_none())
        .map(|s| s.per_sec)
        .fold(0.0, f64::max)
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub steps: Vec<Step>,
    /// The most deliveries per second any step achieved.
    pub saturation: f64,
    /// Whether some step fell behind (otherwise `saturation` is a lower bound).
    pub saturated: bool,
    pub half: Option<Step>,
    /// The step at [`Config::reference_rate`].
    pub at_reference: Option<Step>,
    /// The reference server's own half-saturation step, from its run just
    /// before this one (filled in by the caller): what `at_reference`
    /// compares with.
    pub reference_half: Option<Step>,
    pub verified: u64,
    pub mismatched: u64,
    pub acks: u64,
    pub server_errors: u64,
    pub last_server_error: Option<String>,
    pub last_drop: Option<String>,
}

/// Where the clients connect: the sender to one server, every other member
/// to another — or to the same one, as in every test but the cross-node one.
/// Both targets name the same room and accounts (a cluster shares one database).
pub struct Clients {
    pub sender: Target,
    pub members: Target,
}

impl Clients {
    /// Everyone on one server.
    pub fn one(target: Target) -> Clients {
        Clients {
            sender: target.clone(),
            members: target,
        }
    }
}

/// The processes under test: every wait checks that they are still alive, and
/// every step reads their CPU time.
pub struct Watch<'a> {
    pub nodes: Vec<&'a mut Proc>,
    pub broker: Option<&'a mut Proc>,
}

impl<'a> Watch<'a> {
    /// One server, no broker.
    pub fn one(server: &'a mut Server) -> Watch<'a> {
        Watch {
            nodes: vec![server.process()],
            broker: None,
        }
    }

    fn check_alive(&mut self) -> anyhow::Result<()> {
        for p in self.nodes.iter_mut().chain(self.broker.iter_mut()) {
            p.check_alive()?;
        }
        Ok(())
    }

    /// CPU ticks of each node, then of the broker (if any).
    fn cpu_ticks(&self) -> anyhow::Result<(Vec<u64>, Option<u64>)> {
        let nodes = self
            .nodes
            .iter()
            .map(|p| p.cpu_ticks())
            .collect::<anyhow::Result<_>>()?;
        let broker = self.broker.as_ref().map(|p| p.cpu_ticks()).transpose()?;
        Ok((nodes, broker))
    }
}

struct Run<'a> {
    room: RoomId,
    watch: Watch<'a>,
    tally: Rc<RefCell<Tally>>,
    sink: SplitSink<Ws, Message>,
    members: usize,
    next_id: u32,
    ticks_per_sec: f64,
    tasks: Vec<JoinHandle<()>>,
}

/// Runs the search and the half-rate step. Must run inside a `LocalSet`.
pub async fn run(clients: Clients, watch: Watch<'_>, cfg: &Config) -> anyhow::Result<Outcome> {
    let mut run = Run::open(clients, watch, cfg.members).await?;
    let outcome = run.search(cfg).await;
    run.close().await;
    outcome
}

/// Sends at one fixed `rate` for `secs` into a room of `members` (the sender
/// included) and returns that step, after an unreported warm-up step of
/// `warmup_secs` at the same rate: the first messages after everyone joined
/// pay for cold caches and connection pools, which is not what a cluster
/// adds. Must run inside a `LocalSet`.
pub async fn fixed(
    clients: Clients,
    watch: Watch<'_>,
    members: usize,
    rate: f64,
    secs: f64,
    warmup_secs: f64,
) -> anyhow::Result<Step> {
    let mut run = Run::open(clients, watch, members).await?;
    let step = async {
        run.wait_all_up().await?;
        if warmup_secs > 0.0 {
            print_step(&run.step("warm-up", rate, warmup_secs).await?);
        }
        let step = run.step(&format!("{rate:.0}/s"), rate, secs).await?;
        print_step(&step);
        Ok(step)
    }
    .await;
    run.close().await;
    step
}

impl<'a> Run<'a> {
    /// Connects the sender and starts the members, which connect (and
    /// reconnect) by themselves; see [`Run::wait_all_up`].
    async fn open(clients: Clients, watch: Watch<'a>, members: usize) -> anyhow::Result<Run<'a>> {
        if members < 2 {
            bail!("a fan-out room needs at least 2 members");
        }
        let room = clients.sender.room;
        let tally = Rc::new(RefCell::new(Tally::new()));
        let sender = clients
            .sender
            .open(0, READ_BUFFER)
            .await
            .context("opening the sender's connection")?;
        let (sink, stream) = sender.split();
        tally.borrow_mut().up += 1;
        let mut tasks = vec![tokio::task::spawn_local(sender_receiver(
            stream,
            tally.clone(),
        ))];
        let target = Rc::new(clients.members);
        let gate = Rc::new(Semaphore::new(OPEN_CONCURRENCY));
        for i in 1..members {
            tasks.push(tokio::task::spawn_local(member(
                i,
                target.clone(),
                tally.clone(),
                gate.clone(),
            )));
        }
        Ok(Run {
            room,
            watch,
            tally,
            sink,
            members,
            next_id: 1,
            ticks_per_sec: procfs::ticks_per_sec() as f64,
            tasks,
        })
    }

    async fn close(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = self.sink.close().await;
    }

    async fn search(&mut self, cfg: &Config) -> anyhow::Result<Outcome> {
        self.wait_all_up().await?;
        let deadline = Instant::now() + cfg.budget;
        let mut steps = Vec::new();
        let (mut last_ok, mut first_bad) = (None::<f64>, None::<f64>);
        let mut rate = cfg.start_rate;
        while rate <= cfg.max_rate && Instant::now() < deadline {
            let step = self
                .step(&format!("{rate:.0}/s"), rate, cfg.step_secs)
                .await?;
            print_step(&step);
            let bad = step.behind.is_some();
            steps.push(step);
            if bad {
                first_bad = Some(rate);
                break;
            }
            last_ok = Some(rate);
            rate *= cfg.growth;
        }
        for _ in 0..cfg.refine {
            let (Some(lo), Some(hi)) = (last_ok, first_bad) else {
                break;
            };
            if Instant::now() >= deadline || hi / lo < 1.05 {
                break;
            }
            let mid = (lo * hi).sqrt();
            let step = self
                .step(&format!("{mid:.0}/s"), mid, cfg.step_secs)
                .await?;
            print_step(&step);
            if step.behind.is_some() {
                first_bad = Some(mid);
            } else {
                last_ok = Some(mid);
            }
            steps.push(step);
        }
        let saturation = saturation(&steps);
        let half_rate = saturation / self.members as f64 / 2.0;
        let half = if half_rate > 0.0 {
            let step = self.step("half", half_rate, cfg.half_secs).await?;
            print_step(&step);
            Some(step)
        } else {
            None
        };
        let at_reference = match cfg.reference_rate {
            Some(rate) if rate > 0.0 => {
                let step = self.step("reference's half", rate, cfg.half_secs).await?;
                print_step(&step);
                Some(step)
            }
            _ => None,
        };
        let t = self.tally.borrow();
        Ok(Outcome {
            steps,
            saturation,
            saturated: first_bad.is_some(),
            half,
            at_reference,
            reference_half: None,
            verified: t.verified,
            mismatched: t.mismatched,
            acks: t.acks,
            server_errors: t.server_errors,
            last_server_error: t.last_server_error.clone(),
            last_drop: t.last_drop.clone(),
        })
    }

    /// Waits until every member is connected (members reconnect by themselves).
    async fn wait_all_up(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            let up = self.tally.borrow().up;
            if up >= self.members {
                return Ok(());
            }
            self.watch.check_alive()?;
            if Instant::now() > deadline {
                bail!(
                    "only {up} of {} members connected within {CONNECT_TIMEOUT:?} (last problem: {:?})",
                    self.members,
                    self.tally.borrow().last_drop
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends a probe and waits until every member has received it.
    async fn barrier(&mut self) -> anyhow::Result<()> {
        for _attempt in 0..3 {
            self.wait_all_up().await?;
            let id = self.fresh_id();
            {
                let mut t = self.tally.borrow_mut();
                t.probe = id;
                t.probe_seen = 0;
            }
            let probe = wire::send_frame(
                self.room,
                Stamp {
                    step: id,
                    seq: 0,
                    sent_ns: clock::now_ns(),
                },
            );
            self.sink
                .send(Message::text(probe))
                .await
                .context("sending a probe")?;
            let deadline = Instant::now() + BARRIER_TIMEOUT;
            while Instant::now() < deadline {
                let (seen, up) = {
                    let t = self.tally.borrow();
                    (t.probe_seen, t.up)
                };
                if seen >= self.members {
                    return Ok(());
                }
                if up < self.members {
                    break; // someone dropped and will rejoin: probe again
                }
                self.watch.check_alive()?;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        bail!("the barrier probe did not reach every member")
    }

    fn fresh_id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    async fn step(&mut self, label: &str, rate: f64, secs: f64) -> anyhow::Result<Step> {
        self.barrier().await?;
        let id = self.fresh_id();
        let drops_before = {
            let mut t = self.tally.borrow_mut();
            t.begin_step(id);
            t.drops
        };
        let (watched0, client0) = (self.watch.cpu_ticks()?, procfs::cpu_ticks(None)?);
        let start = Instant::now();
        let sent = self.send_paced(id, rate, secs, start).await?;
        let planned_msgs = (rate * secs).round() as u64;
        // Let what was sent arrive: until every delivery is in, or a grace period.
        let grace = Duration::from_secs_f64((secs / 2.0).max(2.0));
        let wait_until = Instant::now() + grace;
        let full = sent * self.members as u64;
        while Instant::now() < wait_until && self.tally.borrow().delivered < full {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (watched1, client1) = (self.watch.cpu_ticks()?, procfs::cpu_ticks(None)?);
        let t = self.tally.borrow();
        let start_ns = clock::as_ns(start);
        let elapsed = (t.last_delivery_ns.saturating_sub(start_ns) as f64 / 1e9).max(secs);
        let wall = start.elapsed().as_secs_f64();
        let percent =
            |from: u64, to: u64| 100.0 * to.saturating_sub(from) as f64 / self.ticks_per_sec / wall;
        let node_cpu: Vec<f64> = watched0
            .0
            .iter()
            .zip(&watched1.0)
            .map(|(a, b)| percent(*a, *b))
            .collect();
        let broker_cpu = watched0.1.zip(watched1.1).map(|(a, b)| percent(a, b));
        let planned = planned_msgs * self.members as u64;
        let mut step = Step {
            label: label.to_owned(),
            rate,
            sent,
            planned,
            delivered: t.delivered,
            per_sec: t.delivered as f64 / elapsed,
            p50_ms: t.quantile_ms(0.5),
            p99_ms: t.quantile_ms(0.99),
            max_ms: t.latency_us.max() as f64 / 1_000.0,
            drops: t.drops - drops_before,
            server_cpu: node_cpu.iter().sum(),
            client_cpu: percent(client0, client1),
            node_cpu,
            broker_cpu,
            wall_secs: wall,
            behind: None,
        };
        step.behind = if step.drops > 0 {
            Some(format!(
                "{} member(s) disconnected ({})",
                step.drops,
                t.last_drop.as_deref().unwrap_or("?")
            ))
        } else if (sent as f64) < 0.98 * planned_msgs as f64 {
            Some(format!("sender pushed back: sent {sent} of {planned_msgs}"))
        } else if (step.delivered as f64) < KEEP_UP * planned as f64 {
            Some(format!(
                "delivered {:.0}% of planned",
                100.0 * step.delivered as f64 / planned.max(1) as f64
            ))
        } else if step.p99_ms > MAX_P99_MS {
            Some(format!("p99 {:.0} ms > {MAX_P99_MS:.0} ms", step.p99_ms))
        } else {
            None
        };
        drop(t);
        self.tally.borrow_mut().step = 0;
        Ok(step)
    }

    /// Sends `rate × secs` messages of step `id`, paced against the clock (the
    /// runtime's timer ticks every millisecond; each tick sends what is due).
    /// Gives up at twice the planned time if the server pushes back.
    async fn send_paced(
        &mut self,
        id: u32,
        rate: f64,
        secs: f64,
        start: Instant,
    ) -> anyhow::Result<u64> {
        let total = (rate * secs).round() as u64;
        let start_ns = clock::as_ns(start);
        let period_ns = 1e9 / rate;
        let hard_end =
            tokio::time::Instant::from_std(start + Duration::from_secs_f64(secs * 2.0 + 1.0));
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let room = self.room;
        let mut seq = 0u64;
        while seq < total && tokio::time::Instant::now() < hard_end {
            tick.tick().await;
            let due = ((start.elapsed().as_nanos() as f64 / period_ns) as u64 + 1).min(total);
            let sink = &mut self.sink;
            let burst = async {
                while seq < due {
                    let sent_ns = start_ns + (seq as f64 * period_ns) as u64;
                    let frame = wire::send_frame(
                        room,
                        Stamp {
                            step: id,
                            seq,
                            sent_ns,
                        },
                    );
                    sink.feed(Message::text(frame)).await?;
                    seq += 1;
                }
                sink.flush().await
            };
            match tokio::time::timeout_at(hard_end, burst).await {
                Ok(r) => r.context("sending")?,
                Err(_) => break,
            }
        }
        Ok(seq)
    }
}

fn print_step(s: &Step) {
    eprintln!(
        "  step {:>8}: sent {:>7}  delivered {:>9} ({:>10.0}/s)  p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.1} ms  cpu srv {:>3.0}%{} gen {:>3.0}%{}",
        s.label,
        s.sent,
        s.delivered,
        s.per_sec,
        s.p50_ms,
        s.p99_ms,
        s.max_ms,
        s.server_cpu,
        s.broker_cpu
            .map(|b| format!(" broker {b:>3.0}%"))
            .unwrap_or_default(),
        s.client_cpu,
        s.behind.as_ref().map(|b| format!("  BEHIND: {b}")).unwrap_or_default()
    );
}

/// One receiving member: connects, receives until the connection ends, and
/// reconnects (a bounded number of times) if it ends early.
async fn member(i: usize, target: Rc<Target>, tally: Rc<RefCell<Tally>>, gate: Rc<Semaphore>) {
    for _ in 0..MAX_CONNECTS {
        let opened = {
            let Ok(_permit) = gate.acquire().await else {
                return;
            };
            target.open(i, READ_BUFFER).await
        };
        match opened {
            Ok(ws) => {
                tally.borrow_mut().up += 1;
                // Not split: reading alone also sends the pongs tungstenite queues.
                let why = receive(ws, &tally).await;
                let mut t = tally.borrow_mut();
                t.up -= 1;
                t.drops += 1;
                t.last_drop = Some(why);
            }
            Err(e) => tally.borrow_mut().last_drop = Some(format!("connect: {e:#}")),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The sender's own receiving side. It does not reconnect: the run fails at
/// the next barrier if it ends.
async fn sender_receiver(stream: SplitStream<Ws>, tally: Rc<RefCell<Tally>>) {
    let why = receive(stream, &tally).await;
    let mut t = tally.borrow_mut();
    t.up -= 1;
    t.drops += 1;
    t.last_drop = Some(format!("sender: {why}"));
}

/// Receives until the connection ends; returns why it ended.
pub(crate) async fn receive<S>(mut stream: S, tally: &RefCell<Tally>) -> String
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut n = 0u64;
    while let Some(next) = stream.next().await {
        match next {
            Ok(Message::Text(text)) => {
                let text = text.as_str();
                let now = clock::now_ns();
                match wire::scan(text) {
                    Some(stamp) => {
                        n += 1;
                        let checked =
                            (n % VERIFY_EVERY == 1).then(|| wire::verify(text) == Some(stamp));
                        tally.borrow_mut().delivery(stamp, now, checked);
                    }
                    None => other_frame(text, tally),
                }
            }
            Ok(Message::Close(frame)) => {
                return match frame {
                    Some(f) => format!("closed by server: {} {}", f.code, f.reason),
                    None => "closed by server".into(),
                }
            }
            Ok(_) => {}
            Err(e) => return format!("read error: {e}"),
        }
    }
    "connection ended".into()
}

/// Frames that are not live messages: count acks, keep the last error.
fn other_frame(text: &str, tally: &RefCell<Tally>) {
    if text.starts_with(r#"{"type":"ack""#) {
        tally.borrow_mut().acks += 1;
    } else if text.starts_with(r#"{"type":"error""#) {
        let mut t = tally.borrow_mut();
        t.server_errors += 1;
        t.last_server_error = Some(text.chars().take(300).collect());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(per_sec: f64, behind: Option<&str>) -> Step {
        Step {
            per_sec,
            behind: behind.map(str::to_owned),
            ..Step::blank()
        }
    }

    #[test]
    fn saturation_counts_only_steps_that_kept_up() {
        // The bare server's run of 2026-12-03: the step that cut 105 members
        // off delivered the most per second.
        let steps = [
            step(1_536_017.0, None),
            step(2_041_613.0, Some("105 member(s) disconnected")),
            step(1_794_541.0, None),
            step(1_933_375.0, None),
        ];
        assert_eq!(saturation(&steps), 1_933_375.0);
        assert_eq!(saturation(&[step(900.0, Some("p99 770 ms > 500 ms"))]), 0.0);
        assert_eq!(saturation(&[]), 0.0);
    }
}
