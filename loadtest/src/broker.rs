//! A cluster's broker, started by the tool itself on a free port rather than
//! borrowed from the machine: its CPU time can then be read from `/proc` and
//! charged to the run, and no other cluster (tests, `make cluster`) publishes
//! on it meanwhile. Redis runs without persistence, as a pub/sub-only broker
//! would in production; NATS with its defaults.

use crate::process::{free_port, Proc};
use std::{net::SocketAddr, path::Path, time::Duration};

/// How long the broker may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerKind {
    Redis,
    Nats,
}

impl BrokerKind {
    /// The server binary, as found on `PATH`.
    pub fn binary(self) -> &'static str {
        match self {
            BrokerKind::Redis => "redis-server",
            BrokerKind::Nats => "nats-server",
        }
    }
}

/// A running broker. Killed on drop.
pub struct Broker {
    pub kind: BrokerKind,
    pub addr: SocketAddr,
    proc: Proc,
}

impl Broker {
    /// Starts a broker listening on 127.0.0.1 only, pinned to `cpu` if given,
    /// with its log in `dir`. Returns once it accepts connections.
    pub async fn start(kind: BrokerKind, cpu: Option<usize>, dir: &Path) -> anyhow::Result<Broker> {
        let addr = free_port()?;
        let port = addr.port().to_string();
        let bin = Path::new(kind.binary());
        let mut proc = Proc::spawn(kind.binary(), bin, cpu, dir, |cmd| match kind {
            BrokerKind::Redis => {
                cmd.args(["--bind", "127.0.0.1", "--port", &port])
                    .args(["--save", "", "--appendonly", "no"])
                    .args(["--daemonize", "no"]);
            }
            BrokerKind::Nats => {
                cmd.args(["-a", "127.0.0.1", "-p", &port]);
            }
        })?;
        proc.wait_listening(addr, START_TIMEOUT).await?;
        Ok(Broker { kind, addr, proc })
    }

    /// `SWITCHBOARD_BUS` for the nodes.
    pub fn url(&self) -> String {
        match self.kind {
            BrokerKind::Redis => format!("redis://{}", self.addr),
            BrokerKind::Nats => format!("nats://{}", self.addr),
        }
    }

    pub fn process(&mut self) -> &mut Proc {
        &mut self.proc
    }

    pub async fn stop(self) {
        self.proc.stop().await
    }
}
