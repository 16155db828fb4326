//! `loadtest cluster`: what cluster mode costs, measured in one run so that
//! the figures compare (this machine's speed drifts by tens of percent
//! between runs). Four measurements, each on a fresh PostgreSQL database:
//!
//! 1. fan-out saturation of **one node with the in-process bus**;
//! 2. the same with the node on **a broker** (`SWITCHBOARD_BUS`): it
//!    publishes every frame and, subscribed to its cluster's subjects, hears
//!    each one back (and discards it) — the bus's whole cost on the
//!    publishing side, with no second node to share the machine;
//! 3. delivery latency at a modest fixed rate with the sender and every
//!    member on **one node** (in-process bus);
//! 4. the same rate with the sender on **node A** and the members on
//!    **node B** (one database, one broker): every delivery crosses the bus.
//!
//! The broker is started by the tool (see `broker`) so that its CPU time is
//! read beside the nodes' for every step. The nodes and the broker share the
//! server core, the generator keeps its own: on two cores there is no third
//! to give the broker, and this way the generator's share is the same in all
//! four measurements.
//!
//! Not here: several nodes' combined throughput (on one core it is one
//! node's at best) and broker faults (the cluster tests cover those).

use crate::{
    broker::{Broker, BrokerKind},
    fanout::{self, Clients, Watch},
    postgres::Database,
    servers::{Backend, Bus, Kind, Launch, Server},
    target::Target,
};
use anyhow::Context;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The broker of the bus measurements (started by the tool on a free port).
    #[arg(long, value_enum, default_value = "redis")]
    pub bus: BrokerKind,
    /// An existing database on the PostgreSQL server to use. Each measurement
    /// creates a fresh database beside it (and drops it afterwards).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres: String,
    /// Send rate of the latency comparison, messages/s.
    #[arg(long, default_value_t = 200.0)]
    pub latency_rate: f64,
    /// Seconds the latency comparison sends for (after its warm-up).
    #[arg(long, default_value_t = 10.0)]
    pub latency_secs: f64,
    /// Seconds of unreported sending before the latency comparison.
    #[arg(long, default_value_t = 3.0)]
    pub warmup_secs: f64,
}

/// Everything measured, round by round.
pub struct Outcome {
    pub rounds: Vec<Round>,
    /// Members on the receiving node in the latency comparison (the sender
    /// is one more connection).
    pub latency_members: usize,
}

/// One round of the four measurements; a measurement that failed says why.
/// The two halves of each comparison run minutes apart at most, so the
/// machine's drift shows between rounds rather than inside a comparison.
pub struct Round {
    /// 1. One node, in-process bus.
    pub local_saturation: Result<fanout::Outcome, String>,
    /// 2. One node on the broker.
    pub bus_saturation: Result<fanout::Outcome, String>,
    /// 3. Sender and members on one node (its `node_cpu` has one entry).
    pub local_latency: Result<fanout::Step, String>,
    /// 4. Sender on node A, members on node B (`node_cpu`: A, then B).
    pub cross_latency: Result<fanout::Step, String>,
}

/// Runs `rounds` rounds of the four measurements, each measurement to its
/// end even if one before failed. `cfg` is the saturation search's; `users`
/// the accounts the members log in as. One broker serves every round (each
/// cluster under its own prefix).
pub async fn run(
    launch: &Launch,
    cfg: &fanout::Config,
    users: usize,
    args: &Args,
    rounds: usize,
) -> Outcome {
    let mut broker = Broker::start(args.bus, launch.cpu, &launch.scratch.join("broker"))
        .await
        .with_context(|| format!("starting {}", args.bus.binary()))
        .map_err(|e| format!("{e:#}"));
    let phases = Phases {
        launch,
        users,
        args,
    };
    let mut done = Vec::with_capacity(rounds);
    for n in 1..=rounds {
        eprintln!("cluster: round {n} of {rounds}");
        let on = broker.as_mut().map_err(|e| e.as_str());
        done.push(phases.round(cfg, on).await);
    }
    if let Ok(b) = broker {
        b.stop().await;
    }
    Outcome {
        rounds: done,
        latency_members: cfg.members,
    }
}

/// What every measurement needs to start its nodes and clients.
struct Phases<'a> {
    launch: &'a Launch,
    users: usize,
    args: &'a Args,
}

impl Phases<'_> {
    /// The four measurements, in order. `broker`: the run's broker, or why it
    /// did not start (the bus measurements then fail with that reason).
    async fn round(&self, cfg: &fanout::Config, mut broker: Result<&mut Broker, &str>) -> Round {
        let bus = self.args.bus.binary();

        eprintln!("cluster 1/4: fan-out saturation, one node, in-process bus");
        let local_saturation = self.saturation(cfg, None).await;
        print_saturation(&local_saturation);

        eprintln!("cluster 2/4: fan-out saturation, one node on {bus}");
        let bus_saturation = match &mut broker {
            Ok(b) => self.saturation(cfg, Some(&mut **b)).await,
            Err(e) => Err(e.to_string()),
        };
        print_saturation(&bus_saturation);

        let members = cfg.members;
        let rate = self.args.latency_rate;
        eprintln!("cluster 3/4: latency at {rate} msg/s, sender and {members} members on one node");
        let local_latency = self.latency(members, None).await;
        print_latency(&local_latency);

        eprintln!(
            "cluster 4/4: latency at {rate} msg/s, sender on node A, {members} members on node B ({bus})"
        );
        let cross_latency = match broker {
            Ok(b) => self.latency(members, Some(b)).await,
            Err(e) => Err(e.to_string()),
        };
        print_latency(&cross_latency);
        Round {
            local_saturation,
            bus_saturation,
            local_latency,
            cross_latency,
        }
    }

    /// The fan-out search (`fanout::run`) against one node on a fresh
    /// database, on `broker` if given.
    async fn saturation(
        &self,
        cfg: &fanout::Config,
        broker: Option<&mut Broker>,
    ) -> Result<fanout::Outcome, String> {
        let db = Database::create(&self.args.postgres, "saturation").map_err(text)?;
        let backend = backend(&db, broker.as_deref());
        let mut node = self.node("saturation", &backend).await.map_err(text)?;
        let r = async {
            let target = Target::switchboard(&node, self.users.min(cfg.members), true).await?;
            let watch = Watch {
                nodes: vec![node.process()],
                broker: broker.map(|b| b.process()),
            };
            fanout::run(Clients::one(target), watch, cfg).await
        }
        .await
        .map_err(|e| {
            format!(
                "{:#}",
                e.context(format!("node log tail:\n{}", node.log_tail()))
            )
        });
        node.stop().await;
        drop(db);
        r
    }

    /// One fixed-rate step into a room of the sender and `members` others:
    /// all on one node without a broker; with one, the sender on node A and
    /// the members on node B.
    async fn latency(
        &self,
        members: usize,
        broker: Option<&mut Broker>,
    ) -> Result<fanout::Step, String> {
        let db = Database::create(&self.args.postgres, "latency").map_err(text)?;
        let backend = backend(&db, broker.as_deref());
        let mut a = self.node("latency-a", &backend).await.map_err(text)?;
        // Node B only when there is a bus to join A with.
        let mut b = match &backend.bus {
            Some(_) => Some(self.node("latency-b", &backend).await.map_err(text)?),
            None => None,
        };
        let r = async {
            if let Some(b) = b.as_mut() {
                // Both must be subscribed and know each other before a frame
                // is sent, or the first ones go nowhere.
                a.wait_ready(1).await?;
                b.wait_ready(1).await?;
            }
            let target = Target::switchboard(&a, self.users.min(members + 1), true).await?;
            let clients = Clients {
                members: b.as_ref().map_or_else(|| target.clone(), |b| target.on(b)),
                sender: target,
            };
            let mut nodes = vec![a.process()];
            nodes.extend(b.as_mut().map(|b| b.process()));
            let watch = Watch {
                nodes,
                broker: broker.map(|b| b.process()),
            };
            let args = self.args;
            fanout::fixed(
                clients,
                watch,
                members + 1,
                args.latency_rate,
                args.latency_secs,
                args.warmup_secs,
            )
            .await
        }
        .await
        .map_err(|e| {
            let tails = std::iter::once(&a)
                .chain(b.as_ref())
                .map(|n| format!("node {} log tail:\n{}", n.addr, n.log_tail()))
                .collect::<Vec<_>>()
                .join("\n");
            format!("{:#}", e.context(tails))
        });
        a.stop().await;
        if let Some(b) = b {
            b.stop().await;
        }
        drop(db);
        r
    }

    /// Starts a Switchboard node and waits until `/readyz` says it is ready
    /// (alone: peers are waited for by the caller, once all have started).
    async fn node(&self, run: &str, backend: &Backend) -> anyhow::Result<Server> {
        let mut node = Server::start_with(Kind::Switchboard, self.launch, run, backend).await?;
        node.wait_ready(0).await?;
        Ok(node)
    }
}

/// PostgreSQL `db`, and `broker` under a prefix of its own (so this cluster
/// hears no frames left over from the one before).
fn backend(db: &Database, broker: Option<&Broker>) -> Backend {
    static CLUSTERS: AtomicUsize = AtomicUsize::new(0);
    Backend {
        database_url: Some(db.url.clone()),
        bus: broker.map(|b| Bus {
            url: b.url(),
            prefix: format!(
                "loadtest-{}-{}",
                std::process::id(),
                CLUSTERS.fetch_add(1, Ordering::Relaxed)
            ),
        }),
    }
}

fn text(e: anyhow::Error) -> String {
    format!("{e:#}")
}

fn print_saturation(r: &Result<fanout::Outcome, String>) {
    match r {
        Ok(f) => eprintln!("  saturation {:.0} deliveries/s", f.saturation),
        Err(e) => eprintln!("  failed: {e}"),
    }
}

fn print_latency(r: &Result<fanout::Step, String>) {
    match r {
        Ok(s) => eprintln!("  p50 {:.2} ms, p99 {:.2} ms", s.p50_ms, s.p99_ms),
        Err(e) => eprintln!("  failed: {e}"),
    }
}
