//! Starting and stopping the servers under test as child processes: the
//! Switchboard binary with a fresh SQLite database, and the bare reference
//! server. Each is pinned to its own core with `taskset` and killed when its
//! handle is dropped.

use crate::procfs;
use anyhow::{bail, Context};
use std::{
    fmt,
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::Stdio,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};
use tokio::process::{Child, Command};

/// How long a server may take to start accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Which server a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bare,
    Switchboard,
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
    /// Holds each run's database and logs; removed when the tool exits.
    pub scratch: PathBuf,
}

/// A running server. Killed on drop.
pub struct Server {
    pub kind: Kind,
    pub addr: SocketAddr,
    child: Child,
    log: PathBuf,
}

impl Server {
    pub async fn start(kind: Kind, launch: &Launch, run: &str) -> anyhow::Result<Server> {
        let addr = free_port()?;
        // A fresh directory (so a fresh database) for every start.
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, Ordering::Relaxed);
        let dir = launch.scratch.join(format!("{kind}-{run}-{n}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let log = dir.join("server.log");
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
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
        let mut cmd = match launch.cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu.to_string()).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        match kind {
            Kind::Bare => {
                cmd.arg("--addr").arg(addr.to_string());
            }
            Kind::Switchboard => {
                let db = dir.join("bench.db");
                cmd.env("SWITCHBOARD_ADDR", addr.to_string())
                    .env("DATABASE_URL", format!("sqlite://{}", db.display()))
                    // The load is one user sending thousands of messages a second.
                    .env("SWITCHBOARD_RATE_PER_SEC", "1000000")
                    .env("SWITCHBOARD_RATE_BURST", "1000000")
                    // ...and every client, thousands of them, comes from one address.
                    .env("SWITCHBOARD_AUTH_IP_PER_MIN", "1000000")
                    .env("SWITCHBOARD_MAX_CONNECTIONS_PER_IP", "1000000")
                    .env("LEPTOS_OUTPUT_NAME", "switchboard")
                    .env("LEPTOS_SITE_ADDR", addr.to_string())
                    .env("RUST_LOG", "warn");
            }
        }
        let child = cmd
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().context("duplicating the log handle")?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut server = Server {
            kind,
            addr,
            child,
            log,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("the server has exited")
    }

    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        procfs::rss_kib(self.pid()?)
    }

    pub fn cpu_ticks(&self) -> anyhow::Result<u64> {
        procfs::cpu_ticks(Some(self.pid()?))
    }

    pub fn http_base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The last lines the server logged, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Fails if the server has exited (with the log's tail).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait().context("polling the server")? {
            bail!(
                "{} server exited ({status}); log:\n{}",
                self.kind,
                self.log_tail()
            );
        }
        Ok(())
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            self.check_alive()?;
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "{} server did not listen on {} within {START_TIMEOUT:?}; log:\n{}",
                    self.kind,
                    self.addr,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server and waits for it (bounded).
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// A port nobody is listening on now. Another process could take it before the
/// server binds it; on a machine running only this benchmark that does not happen.
fn free_port() -> anyhow::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    l.local_addr().context("reading the free port")
}

/// The scratch directory's database and logs, for the report.
pub fn describe(launch: &Launch) -> String {
    format!(
        "switchboard: {}, bare: {}, server cpu: {}",
        launch.switchboard_bin.display(),
        launch.bare_bin.display(),
        launch.cpu.map_or("unpinned".into(), |c| c.to_string())
    )
}

/// `bare` sits next to this executable (both are built from this crate).
pub fn default_bare_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name("bare"))
        .unwrap_or_else(|| Path::new("bare").to_path_buf())
}
