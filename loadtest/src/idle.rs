//! Idle connections: how many the server holds and what each costs it in
//! resident memory.
//!
//! The connections are opened by child processes of this tool (`loadtest hold`,
//! at most `per_proc` each) so that no one process needs more file descriptors
//! than the 20,000 a process may have here. The server's `VmRSS` is read before
//! and after; the difference divided by the connections still open is the cost
//! of one.

use crate::{
    servers::{Kind, Server},
    target::Target,
};
use anyhow::{bail, Context};
use app::protocol::RoomId;
use clap::Args;
use futures_util::StreamExt;
use std::{cell::Cell, process::Stdio, rc::Rc, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    process::{Child, ChildStdin, ChildStdout, Command},
    sync::Semaphore,
};

/// The environment variable a `hold` child reads its bearer token from.
const TOKEN_VAR: &str = "LOADTEST_TOKEN";
/// Connections a child opens at once.
const OPEN_CONCURRENCY: usize = 64;
/// The client's read buffer: idle clients need little, and small ones let one
/// child hold thousands of sockets cheaply.
const READ_BUFFER: usize = 4 * 1024;
/// How long the children may take to open everything.
const OPEN_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone)]
pub struct Config {
    pub count: usize,
    pub per_proc: usize,
    /// Wait after the last connection opened before reading memory.
    pub settle: Duration,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub wanted: usize,
    /// Connections open when memory was read.
    pub held: usize,
    pub failed: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_conn: f64,
}

struct Holder {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Holder {
    async fn line(&mut self, expect: &str) -> anyhow::Result<Vec<usize>> {
        let line = self
            .lines
            .next_line()
            .await
            .context("reading a hold process")?
            .with_context(|| format!("a hold process ended before saying {expect:?}"))?;
        let mut words = line.split_whitespace();
        if words.next() != Some(expect) {
            bail!("a hold process said {line:?}, expected {expect:?}");
        }
        words
            .map(|w| w.parse().with_context(|| format!("in {line:?}")))
            .collect()
    }
}

/// Opens `cfg.count` idle connections to `server` and measures its memory.
pub async fn run(server: &Server, target: &Target, cfg: &Config) -> anyhow::Result<Outcome> {
    let exe = std::env::current_exe().context("locating this executable")?;
    // Let the server's allocator settle after start-up before the baseline.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.rss_kib()?;
    let procs = cfg.count.div_ceil(cfg.per_proc.max(1));
    let mut holders = Vec::with_capacity(procs);
    for p in 0..procs {
        let count = (cfg.count - p * cfg.per_proc).min(cfg.per_proc);
        let mut cmd = Command::new(&exe);
        cmd.arg("hold")
            .arg("--url")
            .arg(&target.url)
            .arg("--count")
            .arg(count.to_string())
            .arg("--first")
            .arg((p * cfg.per_proc).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(token) = target.tokens.first() {
            cmd.env(TOKEN_VAR, token);
        }
        let mut child = cmd.spawn().context("starting a hold process")?;
        let stdin = child.stdin.take().context("hold stdin")?;
        let stdout = child.stdout.take().context("hold stdout")?;
        holders.push(Holder {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        });
    }
    let mut failed = 0;
    for h in &mut holders {
        let ready = tokio::time::timeout(OPEN_TIMEOUT, h.line("ready"))
            .await
            .context("hold processes took too long to connect")??;
        failed += ready.get(1).copied().unwrap_or(0);
    }
    tokio::time::sleep(cfg.settle).await;
    let after = server.rss_kib()?;
    let mut held = 0;
    for h in &mut holders {
        h.stdin
            .write_all(b"check\n")
            .await
            .context("asking a hold process")?;
        h.stdin.flush().await.context("asking a hold process")?;
        let alive = tokio::time::timeout(Duration::from_secs(10), h.line("alive"))
            .await
            .context("a hold process did not answer")??;
        held += alive.first().copied().unwrap_or(0);
    }
    for mut h in holders {
        drop(h.stdin); // end of input: the child closes its sockets and exits
        if tokio::time::timeout(Duration::from_secs(20), h.child.wait())
            .await
            .is_err()
        {
            let _ = h.child.start_kill();
        }
    }
    Ok(Outcome {
        wanted: cfg.count,
        held,
        failed,
        rss_before_kib: before,
        rss_after_kib: after,
        kib_per_conn: after.saturating_sub(before) as f64 / held.max(1) as f64,
    })
}

/// `loadtest hold`: the child side of [`run`].
#[derive(Debug, Args)]
pub struct HoldArgs {
    /// WebSocket URL to connect to.
    #[arg(long)]
    url: String,
    /// Connections to open.
    #[arg(long)]
    count: usize,
    /// Number of this child's first connection (for spreading over accounts).
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// Give up and exit after this long even if stdin stays open.
    #[arg(long, default_value_t = 600)]
    max_secs: u64,
}

/// Opens the connections, says `ready <open> <failed>`, answers each `check`
/// line with `alive <open>`, and exits at end of input. Must run in a `LocalSet`.
pub async fn hold(args: HoldArgs) -> anyhow::Result<()> {
    let token = std::env::var(TOKEN_VAR).ok();
    let target = Target {
        kind: if token.is_some() {
            Kind::Switchboard
        } else {
            Kind::Bare
        },
        url: args.url.clone(),
        room: RoomId(0),
        tokens: token.into_iter().collect(),
        join: false,
    };
    let target = Rc::new(target);
    let alive = Rc::new(Cell::new(0usize));
    let failed = Rc::new(Cell::new(0usize));
    let gate = Rc::new(Semaphore::new(OPEN_CONCURRENCY));
    let mut opening = Vec::with_capacity(args.count);
    for i in args.first..args.first + args.count {
        let (target, alive, failed, gate) =
            (target.clone(), alive.clone(), failed.clone(), gate.clone());
        opening.push(tokio::task::spawn_local(async move {
            let ws = {
                let Ok(_permit) = gate.acquire().await else {
                    return;
                };
                match target.open(i, READ_BUFFER).await {
                    Ok(ws) => ws,
                    Err(e) => {
                        if failed.get() == 0 {
                            eprintln!("hold: connection {i} failed: {e:#}");
                        }
                        failed.set(failed.get() + 1);
                        return;
                    }
                }
            };
            alive.set(alive.get() + 1);
            // Keep reading so pings are answered; stop when the server closes.
            let (_sink, mut stream) = ws.split();
            while let Some(Ok(_)) = stream.next().await {}
            alive.set(alive.get() - 1);
        }));
    }
    // Wait until every connection has been opened or has failed.
    let deadline = tokio::time::Instant::now() + OPEN_TIMEOUT;
    while alive.get() + failed.get() < args.count && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut out = tokio::io::stdout();
    out.write_all(format!("ready {} {}\n", alive.get(), failed.get()).as_bytes())
        .await
        .context("writing to stdout")?;
    out.flush().await.context("writing to stdout")?;
    let mut input = BufReader::new(tokio::io::stdin()).lines();
    let end = tokio::time::Instant::now() + Duration::from_secs(args.max_secs);
    while let Ok(Ok(Some(line))) = tokio::time::timeout_at(end, input.next_line()).await {
        if line.trim() == "check" {
            out.write_all(format!("alive {}\n", alive.get()).as_bytes())
                .await
                .context("writing to stdout")?;
            out.flush().await.context("writing to stdout")?;
        }
    }
    for task in opening {
        task.abort();
    }
    Ok(())
}
