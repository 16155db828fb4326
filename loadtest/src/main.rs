//! `loadtest`: measures a Switchboard server against a bare axum + broadcast
//! reference server started in the same invocation, and reports Switchboard's
//! figures as ratios to the reference (these machines are noisy; ratios are
//! what stays comparable between runs). See docs/performance.md.
//!
//! The tool starts both servers itself, pinned to one core, and pins itself to
//! another. All traffic goes to 127.0.0.1; every loop is bounded in count and
//! time.
//!
//! `loadtest cluster` measures cluster mode instead: Switchboard on
//! PostgreSQL with the in-process bus against the same with a broker, and
//! cross-node latency (see `cluster`).

#![forbid(unsafe_code)]

mod broker;
mod cgroup;
mod chat;
mod clock;
mod cluster;
mod cluster_report;
mod fanout;
mod idle;
mod postgres;
mod process;
mod procfs;
mod report;
mod servers;
mod tally;
mod target;
mod wire;

use anyhow::Context;
use clap::{Parser, Subcommand};
use servers::{Kind, Launch, Server};
use std::{path::PathBuf, time::Duration};
use target::Target;

#[derive(Parser, Debug)]
#[command(
    about = "Switchboard load tool: idle connections and room fan-out, against a bare reference"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    opts: Opts,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Idle connections and fan-out, both servers (the default).
    All,
    /// Only the idle-connection test.
    Idle,
    /// Only the fan-out test.
    Fanout,
    /// A steady chat load (many rooms, every member sending) and the latency
    /// of every delivery, both servers (see docs/performance.md).
    Chat(chat::Config),
    /// Cluster mode: bus overhead on fan-out saturation, cross-node latency,
    /// broker CPU (Switchboard only, on PostgreSQL; see docs/performance.md).
    Cluster(cluster::Args),
    /// (internal) Hold idle connections for the idle test.
    #[command(hide = true)]
    Hold(idle::HoldArgs),
}

#[derive(clap::Args, Debug)]
struct Opts {
    /// The Switchboard server binary.
    #[arg(long, global = true, default_value = "target/release/server")]
    server_bin: PathBuf,
    /// The bare reference server binary (default: `bare` next to this executable).
    #[arg(long, global = true)]
    bare_bin: Option<PathBuf>,
    /// Which servers to test.
    #[arg(long, global = true, value_enum, default_value = "both")]
    only: Which,
    /// Connections in the fan-out room (the sender is one of them).
    #[arg(long, global = true, default_value_t = 1000)]
    members: usize,
    /// Accounts the Switchboard members log in as (connections are spread over them).
    #[arg(long, global = true, default_value_t = 50)]
    users: usize,
    /// Idle connections to open.
    #[arg(long, global = true, default_value_t = 10_000)]
    idle: usize,
    /// Idle connections per child process (each socket is a file descriptor).
    #[arg(long, global = true, default_value_t = 5_000)]
    idle_per_proc: usize,
    /// Seconds each fan-out step sends for.
    #[arg(long, global = true, default_value_t = 3.0)]
    step_secs: f64,
    /// Seconds of the final run at half the saturation rate.
    #[arg(long, global = true, default_value_t = 5.0)]
    half_secs: f64,
    /// First send rate tried, in messages/s.
    #[arg(long, global = true, default_value_t = 200.0)]
    start_rate: f64,
    /// Highest send rate tried, in messages/s.
    #[arg(long, global = true, default_value_t = 64_000.0)]
    max_rate: f64,
    /// Each step's rate over the previous one.
    #[arg(long, global = true, default_value_t = std::f64::consts::SQRT_2)]
    growth: f64,
    /// Bisection steps between the last rate that kept up and the first that did not.
    #[arg(long, global = true, default_value_t = 2)]
    refine: usize,
    /// Seconds the rate search may take per server.
    #[arg(long, global = true, default_value_t = 90)]
    budget_secs: u64,
    /// Core the servers run on.
    #[arg(long, global = true, default_value_t = 0)]
    server_cpu: usize,
    /// Core this load generator runs on.
    #[arg(long, global = true, default_value_t = 1)]
    client_cpu: usize,
    /// Run the servers and the generator at this nice value (e.g. -10, as root):
    /// on a machine shared with other work, they then get their cores first.
    #[arg(long, global = true, allow_hyphen_values = true)]
    nice: Option<i32>,
    /// Do not pin anything to cores.
    #[arg(long, global = true)]
    no_pin: bool,
    /// Cap each server (bare and Switchboard alike) at this percentage of one
    /// core, so the server and not the generator is the bottleneck (cgroup v1
    /// cpu quota; needs root).
    #[arg(long, global = true)]
    cpu_cap: Option<u32>,
    /// Fan-out runs per server (alternating), or rounds of `cluster`; the
    /// report shows the median run (for `cluster`, of each comparison).
    #[arg(long, global = true, default_value_t = 1)]
    repeat: usize,
    /// Also write the Markdown report to this file.
    #[arg(long, global = true)]
    markdown: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Both,
    Bare,
    Switchboard,
}

fn main() -> anyhow::Result<()> {
    clock::epoch();
    let cli = Cli::parse();
    // Pin before the runtime starts so that every thread inherits the mask.
    // `hold` children inherit it from the parent.
    let is_hold = matches!(cli.command, Some(Cmd::Hold(_)));
    if !cli.opts.no_pin && !is_hold {
        procfs::pin_self(cli.opts.client_cpu).context("pinning the load generator")?;
    }
    if let Some(nice) = cli.opts.nice.filter(|_| !is_hold) {
        if !procfs::is_session_leader() {
            // Priority is given per session: run again in a session of our own
            // so that only this tool and its servers get it.
            let exe = std::env::current_exe().context("locating this executable")?;
            let status = std::process::Command::new("setsid")
                .arg("--wait")
                .arg(exe)
                .args(std::env::args_os().skip(1))
                .status()
                .context("running setsid (util-linux)")?;
            std::process::exit(status.code().unwrap_or(1));
        }
        procfs::renice_self(nice).context("setting the nice value")?;
    }
    // One core, one thread: a current-thread runtime, with tasks sharing `Rc`s.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the runtime")?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        match cli.command {
            Some(Cmd::Hold(args)) => idle::hold(args).await,
            Some(Cmd::Idle) => measure(&cli.opts, true, false).await,
            Some(Cmd::Fanout) => measure(&cli.opts, false, true).await,
            Some(Cmd::Cluster(args)) => measure_cluster(&cli.opts, &args).await,
            Some(Cmd::Chat(args)) => measure_chat(&cli.opts, &args).await,
            Some(Cmd::All) | None => measure(&cli.opts, true, true).await,
        }
    })
}

/// A scratch directory (removed when the handle is dropped) and where the
/// servers are and run.
fn prepare(opts: &Opts) -> anyhow::Result<(tempfile::TempDir, Launch)> {
    let scratch = tempfile::Builder::new()
        .prefix("switchboard-loadtest-")
        .tempdir()
        .context("creating a scratch directory")?;
    // Absolute paths: the servers run in the scratch directory.
    let absolute = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
    let launch = Launch {
        switchboard_bin: absolute(opts.server_bin.clone()),
        bare_bin: absolute(
            opts.bare_bin
                .clone()
                .unwrap_or_else(servers::default_bare_bin),
        ),
        cpu: (!opts.no_pin).then_some(opts.server_cpu),
        cpu_cap: opts.cpu_cap,
        scratch: scratch.path().to_path_buf(),
    };
    eprintln!(
        "loadtest: generator on cpu {} ; {}",
        procfs::allowed_cpus(),
        servers::describe(&launch)
    );
    Ok((scratch, launch))
}

/// The load average now, with a warning when other work will skew the figures.
fn load_before() -> String {
    let load = report::loadavg();
    let one_min: f64 = load
        .split(' ')
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(0.0);
    if one_min > 0.5 {
        eprintln!(
            "loadtest: WARNING: load average is {load}: other work on this machine will skew the figures"
        );
    }
    load
}

fn fan_config(opts: &Opts) -> fanout::Config {
    fanout::Config {
        members: opts.members,
        step_secs: opts.step_secs,
        start_rate: opts.start_rate,
        max_rate: opts.max_rate,
        growth: opts.growth.max(1.05),
        refine: opts.refine,
        budget: Duration::from_secs(opts.budget_secs),
        half_secs: opts.half_secs,
        reference_rate: None,
    }
}

/// The servers to measure, as `--only` says.
fn kinds(opts: &Opts) -> Vec<Kind> {
    match opts.only {
        Which::Both => vec![Kind::Bare, Kind::Switchboard],
        Which::Bare => vec![Kind::Bare],
        Which::Switchboard => vec![Kind::Switchboard],
    }
}

/// Where the servers and the generator ran, for a report's settings line.
fn placement(opts: &Opts, launch: &Launch) -> String {
    format!(
        "servers on cpu {}{}, generator on cpu {}, nice {}",
        launch.cpu.map_or("any".into(), |c| c.to_string()),
        launch.cpu_cap.map_or(String::new(), |p| format!(
            ", {}",
            cgroup::CpuCap::describe(p)
        )),
        procfs::allowed_cpus(),
        opts.nice.unwrap_or(0),
    )
}

/// Prints the report with the machine's description, and writes it to
/// `--markdown` if given.
fn publish(opts: &Opts, report: &str) -> anyhow::Result<()> {
    let md = format!("{report}\nMachine:\n\n```\n{}\n```\n", report::machine());
    println!("{md}");
    if let Some(path) = &opts.markdown {
        std::fs::write(path, &md).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

async fn measure(opts: &Opts, do_idle: bool, do_fanout: bool) -> anyhow::Result<()> {
    let (_scratch, launch) = prepare(opts)?;
    let load_before = load_before();
    let kinds = kinds(opts);
    let idle_cfg = idle::Config {
        count: opts.idle,
        per_proc: opts.idle_per_proc,
        settle: Duration::from_secs(3),
    };
    let fan_cfg = fan_config(opts);
    let mut figures = Vec::new();
    for &kind in &kinds {
        let idle = if do_idle {
            eprintln!("{kind}: idle test, {} connections", opts.idle);
            let r = idle_test(kind, &launch, &idle_cfg).await;
            match &r {
                Ok(i) => eprintln!(
                    "  held {} ({} failed), VmRSS {} -> {} KiB: {:.2} KiB per connection",
                    i.held, i.failed, i.rss_before_kib, i.rss_after_kib, i.kib_per_conn
                ),
                Err(e) => eprintln!("  failed: {e:#}"),
            }
            Some(r.map_err(|e| format!("{e:#}")))
        } else {
            None
        };
        figures.push(report::ServerFigures {
            kind,
            idle,
            fanout: None,
            fanout_runs: Vec::new(),
        });
    }
    // Fan-out runs alternate between the servers, so that each Switchboard run
    // has a reference run minutes apart at most.
    for round in 0..opts.repeat.max(1) {
        if !do_fanout {
            break;
        }
        // The bare server runs first; Switchboard then adds a step at half
        // of that run's saturation.
        let mut reference_half: Option<fanout::Step> = None;
        for fig in &mut figures {
            let kind = fig.kind;
            eprintln!(
                "{kind}: fan-out test {} of {}, {} members",
                round + 1,
                opts.repeat.max(1),
                opts.members
            );
            let cfg = fanout::Config {
                reference_rate: reference_half.as_ref().map(|h| h.rate),
                ..fan_cfg.clone()
            };
            let r = fanout_test(kind, &launch, &cfg, opts.users)
                .await
                .map(|mut f| {
                    if kind == Kind::Bare {
                        reference_half = f.half.clone();
                    } else {
                        f.reference_half = reference_half.clone();
                    }
                    f
                });
            match &r {
                Ok(f) => eprintln!("  saturation {:.0} deliveries/s", f.saturation),
                Err(e) => eprintln!("  failed: {e:#}"),
            }
            fig.fanout_runs.push(r.map_err(|e| format!("{e:#}")));
        }
    }
    for fig in &mut figures {
        fig.fanout = report::median_run(&fig.fanout_runs);
    }
    let report = report::Report {
        load_before,
        load_after: report::loadavg(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        settings: format!(
            "{}; {} fan-out members over {} accounts; steps of {} s from {} msg/s ×{:.2}",
            placement(opts, &launch),
            opts.members,
            opts.users,
            opts.step_secs,
            opts.start_rate,
            fan_cfg.growth
        ),
        members: opts.members,
        servers: figures,
    };
    publish(opts, &report.markdown())
}

async fn measure_chat(opts: &Opts, cfg: &chat::Config) -> anyhow::Result<()> {
    let (_scratch, launch) = prepare(opts)?;
    let load_before = load_before();
    let mut runs = Vec::new();
    for kind in kinds(opts) {
        eprintln!(
            "{kind}: chat, {} connections in {} rooms, {} msg/s each",
            cfg.connections, cfg.rooms, cfg.rate
        );
        let r = chat_test(kind, &launch, cfg, opts.users).await;
        match &r {
            Ok(o) => eprintln!(
                "  delivered {} of {}, p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, server cpu {:.0}%",
                o.delivered, o.expected, o.p50_ms, o.p99_ms, o.max_ms, o.server_cpu
            ),
            Err(e) => eprintln!("  failed: {e:#}"),
        }
        runs.push((kind, r.map_err(|e| format!("{e:#}"))));
    }
    let settings = format!(
        "{}; {} accounts; load average before {}, after {}",
        placement(opts, &launch),
        opts.users,
        load_before,
        report::loadavg()
    );
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    publish(opts, &chat::markdown(cfg, &command, &settings, &runs))
}

async fn chat_test(
    kind: Kind,
    launch: &Launch,
    cfg: &chat::Config,
    users: usize,
) -> anyhow::Result<chat::Outcome> {
    let mut server = Server::start(kind, launch, "chat").await?;
    let rooms = match kind {
        Kind::Bare => (0..cfg.rooms)
            .map(|r| Target::bare_room(&server, r as u32))
            .collect(),
        Kind::Switchboard => {
            let first = Target::switchboard(&server, users.min(cfg.connections), true).await?;
            let mut rooms = vec![first.clone()];
            for r in 1..cfg.rooms {
                rooms.push(
                    first
                        .another_room(&server, &format!("loadtest-{r}"), r)
                        .await?,
                );
            }
            rooms
        }
    };
    let r = chat::run(&rooms, server.process(), cfg).await;
    let r = r.map_err(|e| e.context(format!("server log tail:\n{}", server.log_tail())));
    server.stop().await;
    r
}

async fn measure_cluster(opts: &Opts, args: &cluster::Args) -> anyhow::Result<()> {
    let (_scratch, launch) = prepare(opts)?;
    let load_before = load_before();
    let fan_cfg = fan_config(opts);
    let outcome = cluster::run(&launch, &fan_cfg, opts.users, args, opts.repeat.max(1)).await;
    let report = cluster_report::Report {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        settings: format!(
            "nodes and {} on cpu {}, generator on cpu {}, nice {}; fresh PostgreSQL database per measurement; {} round(s); {} accounts; search steps of {} s from {} msg/s ×{:.2}, budget {} s",
            args.bus.binary(),
            launch.cpu.map_or("any".into(), |c| c.to_string()),
            procfs::allowed_cpus(),
            opts.nice.unwrap_or(0),
            opts.repeat.max(1),
            opts.users,
            opts.step_secs,
            opts.start_rate,
            fan_cfg.growth,
            opts.budget_secs
        ),
        load_before,
        load_after: report::loadavg(),
        members: opts.members,
        bus: args.bus,
        rate: args.latency_rate,
        secs: args.latency_secs,
        warmup_secs: args.warmup_secs,
        outcome,
    };
    publish(opts, &report.markdown())
}

async fn idle_test(
    kind: Kind,
    launch: &Launch,
    cfg: &idle::Config,
) -> anyhow::Result<idle::Outcome> {
    let server = Server::start(kind, launch, "idle").await?;
    let target = match kind {
        Kind::Bare => Target::bare(&server),
        Kind::Switchboard => Target::switchboard(&server, 1, false).await?,
    };
    let r = idle::run(&server, &target, cfg).await;
    server.stop().await;
    r
}

async fn fanout_test(
    kind: Kind,
    launch: &Launch,
    cfg: &fanout::Config,
    users: usize,
) -> anyhow::Result<fanout::Outcome> {
    let mut server = Server::start(kind, launch, "fanout").await?;
    let target = match kind {
        Kind::Bare => Target::bare(&server),
        Kind::Switchboard => Target::switchboard(&server, users.min(cfg.members), true).await?,
    };
    let r = fanout::run(
        fanout::Clients::one(target),
        fanout::Watch::one(&mut server),
        cfg,
    )
    .await;
    let r = r.map_err(|e| e.context(format!("server log tail:\n{}", server.log_tail())));
    server.stop().await;
    r
}
