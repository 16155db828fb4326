//! A child process under test — a server, or a cluster's broker: started with
//! its output in a log file, pinned to a core when asked, killed when its
//! handle is dropped. Measurements read its CPU time and memory from `/proc`,
//! and every wait checks that it is still alive.
//!
//! What to start (binary, arguments, environment) is the caller's business:
//! see `servers` and `broker`.

use crate::{cgroup::CpuCap, procfs};
use anyhow::{bail, Context};
use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tokio::process::{Child, Command};

/// A running child. Killed on drop.
pub struct Proc {
    /// What the errors and the report call it (`switchboard`, `redis-server`).
    pub name: String,
    child: Child,
    log: PathBuf,
    /// Declared after `child`: fields drop in order, and the group can only
    /// be removed once the killed child has left it.
    cap: Option<CpuCap>,
}

impl Proc {
    /// Starts `bin` in `dir` (its log goes there), under `taskset -c cpu` when
    /// `cpu` is given. `configure` adds the arguments and environment.
    pub fn spawn(
        name: &str,
        bin: &Path,
        cpu: Option<usize>,
        dir: &Path,
        configure: impl FnOnce(&mut Command),
    ) -> anyhow::Result<Proc> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let log = dir.join(format!("{name}.log"));
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let mut cmd = match cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu.to_string()).arg(bin);
                c
            }
            None => Command::new(bin),
        };
        configure(&mut cmd);
        let child = cmd
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().context("duplicating the log handle")?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(Proc {
            name: name.to_owned(),
            child,
            log,
            cap: None,
        })
    }

    /// Limits it to `percent` of one core from now on (see `cgroup`).
    pub fn cap_cpu(&mut self, percent: u32) -> anyhow::Result<()> {
        self.cap = Some(CpuCap::apply(&self.name, self.pid()?, percent)?);
        Ok(())
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child
            .id()
            .with_context(|| format!("{} has exited", self.name))
    }

    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        procfs::rss_kib(self.pid()?)
    }

    pub fn cpu_ticks(&self) -> anyhow::Result<u64> {
        procfs::cpu_ticks(Some(self.pid()?))
    }

    /// The last lines it logged, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Fails if it has exited (with the log's tail).
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self
            .child
            .try_wait()
            .with_context(|| format!("polling {}", self.name))?
        {
            bail!("{} exited ({status}); log:\n{}", self.name, self.log_tail());
        }
        Ok(())
    }

    /// Waits until something accepts TCP connections on `addr`, failing early
    /// if the process exits.
    pub async fn wait_listening(
        &mut self,
        addr: SocketAddr,
        within: Duration,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            self.check_alive()?;
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "{} did not listen on {addr} within {within:?}; log:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops it and waits for it (bounded).
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// A port nobody is listening on now. Another process could take it before the
/// child binds it; on a machine running only this benchmark that does not happen.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    l.local_addr().context("reading the free port")
}
