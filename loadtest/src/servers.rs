//! Starting and stopping the servers under test as child processes: the
//! Switchboard binary with a fresh SQLite database (or, for cluster runs, the
//! PostgreSQL database and bus it is given), and the bare reference server.
//! Each is pinned to its own core with `taskset` and killed when its handle is
//! dropped (see [`Proc`]).

use crate::process::{free_port, Proc};
use anyhow::{bail, Context};
use serde::Deserialize;
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

/// How long a server may take to start accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long cluster nodes may take to be ready and to see each other. Peers
/// announce themselves on connecting and every 2 s after, so a few seconds.
const PEERS_TIMEOUT: Duration = Duration::from_secs(30);

/// Which server a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bare,
    Switchboard,
}

impl Kind {
    /// The server's name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Bare => "bare reference",
            Kind::Switchboard => "Switchboard",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Bare => "bare",
            Kind::Switchboard => "switchboard",
        })
    }
}

/// Where the binaries are and which core they run on.
#[derive(Debug, Clone)]
pub struct Launch {
    pub switchboard_bin: PathBuf,
    pub bare_bin: PathBuf,
    /// `None`: do not pin.
    pub cpu: Option<usize>,
    /// Percent of one core each server may use (`--cpu-cap`); `None`: no cap.
    pub cpu_cap: Option<u32>,
    /// Holds each run's database and logs; removed when the tool exits.
    pub scratch: PathBuf,
}

/// Where a Switchboard node keeps its data and how it hears other nodes. The
/// default — a fresh SQLite file, the in-process bus — is what the idle and
/// fan-out tests use; cluster runs set both.
#[derive(Debug, Clone, Default)]
pub struct Backend {
    /// `DATABASE_URL`; `None`: a fresh SQLite database in the run's directory.
    pub database_url: Option<String>,
    /// `None`: no broker, the in-process bus of a single node.
    pub bus: Option<Bus>,
}

/// `SWITCHBOARD_BUS` and `SWITCHBOARD_BUS_PREFIX`.
#[derive(Debug, Clone)]
pub struct Bus {
    pub url: String,
    /// Unique per cluster, so that clusters sharing a broker do not hear each other.
    pub prefix: String,
}

/// A running server. Killed on drop.
pub struct Server {
    pub addr: SocketAddr,
    proc: Proc,
}

/// The part of `GET /readyz` the tool waits on.
#[derive(Debug, Deserialize)]
struct Readiness {
    ready: bool,
    /// Other nodes this one hears; absent (`null`) without a bus.
    peers: Option<usize>,
}

impl Server {
    pub async fn start(kind: Kind, launch: &Launch, run: &str) -> anyhow::Result<Server> {
        Server::start_with(kind, launch, run, &Backend::default()).await
    }

    /// Starts a server; for Switchboard, on `backend`. Returns once it listens.
    pub async fn start_with(
        kind: Kind,
        launch: &Launch,
        run: &str,
        backend: &Backend,
    ) -> anyhow::Result<Server> {
        let addr = free_port()?;
        // A fresh directory (so a fresh SQLite database) for every start.
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let dir = launch.scratch.join(format!("{kind}-{run}-{n}"));
        let bin = match kind {
            Kind::Bare => &launch.bare_bin,
            Kind::Switchboard => &launch.switchboard_bin,
        };
        if !bin.exists() {
            bail!(
                "{} not found: build it first (see docs/performance.md), or pass its path",
                bin.display()
            );
        }
        let proc = Proc::spawn(&kind.to_string(), bin, launch.cpu, &dir, |cmd| match kind {
            Kind::Bare => {
                cmd.arg("--addr").arg(addr.to_string());
            }
            Kind::Switchboard => {
                let database_url = backend
                    .database_url
                    .clone()
                    .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
                cmd.env("SWITCHBOARD_ADDR", addr.to_string())
                    .env("DATABASE_URL", database_url)
                    // The load is one user sending thousands of messages a second.
                    .env("SWITCHBOARD_RATE_PER_SEC", "1000000")
                    .env("SWITCHBOARD_RATE_BURST", "1000000")
                    // ...and every client, thousands of them, comes from one address.
                    .env("SWITCHBOARD_AUTH_IP_PER_MIN", "1000000")
                    .env("SWITCHBOARD_MAX_CONNECTIONS_PER_IP", "1000000")
                    .env("LEPTOS_OUTPUT_NAME", "switchboard")
                    .env("LEPTOS_SITE_ADDR", addr.to_string())
                    // No pages are served in a load test; any existing directory will do.
                    .env("LEPTOS_SITE_ROOT", &dir)
                    .env("RUST_LOG", "warn");
                match &backend.bus {
                    Some(bus) => {
                        cmd.env("SWITCHBOARD_BUS", &bus.url)
                            .env("SWITCHBOARD_BUS_PREFIX", &bus.prefix);
                    }
                    // Not inherited from the shell that runs the tool.
                    None => {
                        cmd.env_remove("SWITCHBOARD_BUS")
                            .env_remove("SWITCHBOARD_BUS_PREFIX");
                    }
                }
            }
        })?;
        let mut server = Server { addr, proc };
        if let Some(percent) = launch.cpu_cap {
            server.proc.cap_cpu(percent)?;
        }
        server.proc.wait_listening(addr, START_TIMEOUT).await?;
        Ok(server)
    }

    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        self.proc.rss_kib()
    }

    /// The process, for measurements that watch several (a cluster's nodes
    /// and its broker).
    pub fn process(&mut self) -> &mut Proc {
        &mut self.proc
    }

    pub fn http_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The last lines the server logged, for error messages.
    pub fn log_tail(&self) -> String {
        self.proc.log_tail()
    }

    /// Fails if the server has exited (with the log's tail).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.proc.check_alive()
    }

    /// Waits until Switchboard's `/readyz` says the node is ready (database
    /// up, bus connected) and hears at least `peers` other nodes: a frame
    /// published before the node that should deliver it has subscribed is
    /// gone (the broker keeps nothing).
    pub async fn wait_ready(&mut self, peers: usize) -> anyhow::Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .context("building the HTTP client")?;
        let url = format!("{}/readyz", self.http_base());
        let deadline = tokio::time::Instant::now() + PEERS_TIMEOUT;
        loop {
            self.check_alive()?;
            // A 503 still carries the body that says what is missing.
            let last = match http.get(&url).send().await {
                Ok(resp) => match resp.json::<Readiness>().await {
                    Ok(r) if r.ready && r.peers.unwrap_or(0) >= peers => return Ok(()),
                    Ok(r) => format!("{r:?}"),
                    Err(e) => format!("reading /readyz: {e}"),
                },
                Err(e) => format!("GET /readyz: {e}"),
            };
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "{} was not ready with {peers} peer(s) within {PEERS_TIMEOUT:?} (last: {last}); log:\n{}",
                    self.addr,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the server and waits for it (bounded).
    pub async fn stop(self) {
        self.proc.stop().await
    }
}

/// The scratch directory's database and logs, for the report.
pub fn describe(launch: &Launch) -> String {
    format!(
        "switchboard: {}, bare: {}, server cpu: {}{}",
        launch.switchboard_bin.display(),
        launch.bare_bin.display(),
        launch.cpu.map_or("unpinned".into(), |c| c.to_string()),
        launch.cpu_cap.map_or(String::new(), |p| format!(
            ", {}",
            crate::cgroup::CpuCap::describe(p)
        ))
    )
}

/// `bare` sits next to this executable (both are built from this crate).
pub fn default_bare_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name("bare"))
        .unwrap_or_else(|| Path::new("bare").to_path_buf())
}
