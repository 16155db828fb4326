//! The report: a Markdown summary (server vs bare, with ratios and the issue's
//! targets), the step-by-step figures, and the machine it ran on.

use crate::{fanout, idle, servers::Kind};
use std::{fmt::Write as _, process::Command};

/// Targets from the issue, checked in the summary.
pub const TARGET_RATIO: f64 = 0.5;
pub const GOAL_RATIO: f64 = 0.8;
/// Issue 12: latency at half of the bare server's saturation, at most this
/// many times the bare server's.
pub const GOAL_LATENCY_RATIO: f64 = 1.5;
pub const TARGET_P99_MS: f64 = 50.0;
pub const TARGET_IDLE: usize = 10_000;
/// Issue 12's goal (the first benchmark's target was 16 KiB).
pub const TARGET_KIB: f64 = 8.0;
/// Generator CPU (% of its core) above which a saturation figure is suspect.
pub const GENERATOR_BOUND_CPU: f64 = 90.0;

/// What happened to one server in one test.
pub type Figure<T> = Option<Result<T, String>>;

pub struct ServerFigures {
    pub kind: Kind,
    pub idle: Figure<idle::Outcome>,
    /// The run with the median saturation (see [`median_run`]).
    pub fanout: Figure<fanout::Outcome>,
    /// Every fan-out run, in order.
    pub fanout_runs: Vec<Result<fanout::Outcome, String>>,
}

/// The successful run with the median saturation (the lower middle one of an
/// even count), or the first failure if none succeeded.
pub fn median_run(runs: &[Result<fanout::Outcome, String>]) -> Figure<fanout::Outcome> {
    let mut ok: Vec<&fanout::Outcome> = runs.iter().filter_map(|r| r.as_ref().ok()).collect();
    if ok.is_empty() {
        return runs.first().cloned();
    }
    ok.sort_by(|a, b| a.saturation.total_cmp(&b.saturation));
    Some(Ok(ok[(ok.len() - 1) / 2].clone()))
}

pub struct Report {
    pub command: String,
    /// `/proc/loadavg` before and after: other work on the machine skews everything.
    pub load_before: String,
    pub load_after: String,
    pub settings: String,
    pub members: usize,
    pub servers: Vec<ServerFigures>,
}

impl Report {
    fn get(&self, kind: Kind) -> Option<&ServerFigures> {
        self.servers.iter().find(|s| s.kind == kind)
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "Run {} with `{}`", now_utc(), self.command);
        let _ = writeln!(md, "({})\n", self.settings);
        let _ = writeln!(
            md,
            "Load average (1, 5, 15 min) before: {}; after: {}.\n",
            self.load_before, self.load_after
        );
        let bare = self.get(Kind::Bare);
        let ours = self.get(Kind::Switchboard);

        let _ = writeln!(
            md,
            "| figure | bare reference | Switchboard | Switchboard ÷ bare |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|");
        row(
            &mut md,
            "idle connections held",
            idle(bare).map(|i| i.held as f64),
            idle(ours).map(|i| i.held as f64),
            0,
            false,
        );
        row(
            &mut md,
            "server memory per idle connection (KiB)",
            idle(bare).map(|i| i.kib_per_conn),
            idle(ours).map(|i| i.kib_per_conn),
            1,
            true,
        );
        row(
            &mut md,
            &format!(
                "fan-out saturation, deliveries/s ({} members)",
                self.members
            ),
            fan(bare).map(|f| f.saturation),
            fan(ours).map(|f| f.saturation),
            0,
            true,
        );
        row(
            &mut md,
            "… as messages sent/s",
            fan(bare).map(|f| f.saturation / self.members as f64),
            fan(ours).map(|f| f.saturation / self.members as f64),
            0,
            true,
        );
        row(
            &mut md,
            "half-saturation rate, messages sent/s",
            half(bare).map(|h| h.rate),
            half(ours).map(|h| h.rate),
            0,
            true,
        );
        row(
            &mut md,
            "p50 latency at half saturation (ms)",
            half(bare).map(|h| h.p50_ms),
            half(ours).map(|h| h.p50_ms),
            2,
            true,
        );
        row(
            &mut md,
            "p99 latency at half saturation (ms)",
            half(bare).map(|h| h.p99_ms),
            half(ours).map(|h| h.p99_ms),
            2,
            true,
        );
        row(
            &mut md,
            "p50 latency at half of bare's saturation (ms)",
            at_reference(ours).map(|(b, _)| b.p50_ms),
            at_reference(ours).map(|(_, o)| o.p50_ms),
            2,
            true,
        );
        row(
            &mut md,
            "p99 latency at half of bare's saturation (ms)",
            at_reference(ours).map(|(b, _)| b.p99_ms),
            at_reference(ours).map(|(_, o)| o.p99_ms),
            2,
            true,
        );
        md.push('\n');
        repeats(&mut md, bare, ours);

        let _ = writeln!(md, "Targets (from the issue):\n");
        let ratio = match (fan(bare), fan(ours)) {
            (Some(b), Some(o)) if b.saturation > 0.0 => Some(o.saturation / b.saturation),
            _ => None,
        };
        check(
            &mut md,
            &format!("fan-out with storage ≥ {TARGET_RATIO}× bare (goal {GOAL_RATIO}×)"),
            ratio.map(|r| (format!("{r:.2}×"), r >= TARGET_RATIO)),
        );
        check(
            &mut md,
            &format!(
                "p50 and p99 at half of bare's saturation ≤ {GOAL_LATENCY_RATIO}× bare's (goal)"
            ),
            at_reference(ours).map(|(b, o)| latency_goal(b, o)),
        );
        check(
            &mut md,
            &format!("p99 ≤ {TARGET_P99_MS} ms at half saturation"),
            half(ours).map(|h| (format!("{:.1} ms", h.p99_ms), h.p99_ms <= TARGET_P99_MS)),
        );
        check(
            &mut md,
            &format!("{TARGET_IDLE} idle connections at ≤ {TARGET_KIB} KiB each"),
            idle(ours).map(|i| {
                (
                    format!("{} held, {:.1} KiB each", i.held, i.kib_per_conn),
                    i.held >= TARGET_IDLE && i.kib_per_conn <= TARGET_KIB,
                )
            }),
        );
        md.push('\n');

        for s in &self.servers {
            let name = s.kind.label();
            if let Some(Err(e)) = &s.idle {
                let _ = writeln!(md, "**{name}, idle test failed:** `{}`\n", one_line(e));
            }
            if let Some(Ok(i)) = &s.idle {
                let _ = writeln!(
                    md,
                    "{name}, idle: {} of {} connections held ({} failed to open); VmRSS {} → {} KiB.\n",
                    i.held, i.wanted, i.failed, i.rss_before_kib, i.rss_after_kib
                );
            }
            match &s.fanout {
                Some(Err(e)) => {
                    let _ = writeln!(md, "**{name}, fan-out test failed:** `{}`\n", one_line(e));
                }
                Some(Ok(f)) => steps_table(&mut md, name, f),
                None => {}
            }
        }
        md
    }
}

fn idle(s: Option<&ServerFigures>) -> Option<&idle::Outcome> {
    s.and_then(|s| s.idle.as_ref())
        .and_then(|r| r.as_ref().ok())
}

fn fan(s: Option<&ServerFigures>) -> Option<&fanout::Outcome> {
    s.and_then(|s| s.fanout.as_ref())
        .and_then(|r| r.as_ref().ok())
}

fn half(s: Option<&ServerFigures>) -> Option<&fanout::Step> {
    fan(s).and_then(|f| f.half.as_ref())
}

/// The bare server's half-saturation step and Switchboard's step at the
/// same rate, from one round.
fn at_reference(s: Option<&ServerFigures>) -> Option<(&fanout::Step, &fanout::Step)> {
    let f = fan(s)?;
    Some((f.reference_half.as_ref()?, f.at_reference.as_ref()?))
}

/// Issue 12's latency goal at one rate: both percentiles within
/// [`GOAL_LATENCY_RATIO`] of the reference's.
fn latency_goal(bare: &fanout::Step, ours: &fanout::Step) -> (String, bool) {
    let p50 = ours.p50_ms / bare.p50_ms;
    let p99 = ours.p99_ms / bare.p99_ms;
    (
        format!("p50 {p50:.2}×, p99 {p99:.2}× at {:.0} msg/s", bare.rate),
        p50 <= GOAL_LATENCY_RATIO && p99 <= GOAL_LATENCY_RATIO,
    )
}

/// With more than one fan-out run: every run's saturation and the ratio of
/// each Switchboard run to the reference run beside it.
fn repeats(md: &mut String, bare: Option<&ServerFigures>, ours: Option<&ServerFigures>) {
    let runs = |s: Option<&ServerFigures>| -> Vec<Option<f64>> {
        s.map(|s| {
            s.fanout_runs
                .iter()
                .map(|r| r.as_ref().ok().map(|f| f.saturation))
                .collect()
        })
        .unwrap_or_default()
    };
    let (b, o) = (runs(bare), runs(ours));
    if b.len().max(o.len()) < 2 {
        return;
    }
    let list = |v: &[Option<f64>]| {
        v.iter()
            .map(|x| x.map_or("failed".into(), |x| group(x, 0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut ratios: Vec<f64> = b
        .iter()
        .zip(&o)
        .filter_map(|(b, o)| match (b, o) {
            (Some(b), Some(o)) if *b > 0.0 => Some(o / b),
            _ => None,
        })
        .collect();
    let shown = ratios
        .iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(", ");
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len().saturating_sub(1) / 2);
    let _ = writeln!(
        md,
        "Fan-out runs (saturation, deliveries/s): bare {}; Switchboard {}. Ratio per round: {}{}. The table shows each server's median run.\n",
        list(&b),
        list(&o),
        shown,
        median.map(|m| format!(" (median {m:.2})")).unwrap_or_default()
    );
}

fn row(
    md: &mut String,
    what: &str,
    bare: Option<f64>,
    ours: Option<f64>,
    decimals: usize,
    ratio: bool,
) {
    let show = |v: Option<f64>| v.map_or("—".to_owned(), |v| group(v, decimals));
    let r = match (bare, ours) {
        (Some(b), Some(o)) if ratio && b > 0.0 => format!("{:.2}", o / b),
        _ => String::new(),
    };
    let _ = writeln!(md, "| {what} | {} | {} | {r} |", show(bare), show(ours));
}

pub fn check(md: &mut String, what: &str, got: Option<(String, bool)>) {
    let line = match got {
        Some((value, true)) => format!("- [x] {what}: {value}"),
        Some((value, false)) => format!("- [ ] {what}: {value} — **not met**"),
        None => format!("- [ ] {what}: not measured"),
    };
    let _ = writeln!(md, "{line}");
}

/// The steps of one fan-out run, with a broker column when a broker was watched.
pub fn steps_table(md: &mut String, name: &str, f: &fanout::Outcome) {
    let _ = writeln!(
        md,
        "{name}, fan-out steps ({}; {} frames decoded in full agreed with the fast scanner, {} did not; {} acks, {} error frames{}):\n",
        if f.saturated { "saturation found" } else { "did not saturate within the rates tried: a lower bound" },
        f.verified,
        f.mismatched,
        f.acks,
        f.server_errors,
        f.last_server_error
            .as_ref()
            .map(|e| format!(", last: `{}`", one_line(e)))
            .unwrap_or_default()
    );
    if let Some(why) = &f.last_drop {
        let _ = writeln!(md, "Last disconnection seen: `{}`\n", one_line(why));
    }
    let best = f
        .steps
        .iter()
        .max_by(|a, b| a.per_sec.total_cmp(&b.per_sec));
    if let Some(best) = best.filter(|b| b.client_cpu >= GENERATOR_BOUND_CPU) {
        let _ = writeln!(
            md,
            "**The generator used {:.0}% of its core at the best step: this figure may be the load tool's limit, not the server's.**\n",
            best.client_cpu
        );
    }
    let broker = f.steps.iter().any(|s| s.broker_cpu.is_some());
    let (broker_head, broker_rule) = if broker {
        (" broker CPU |", "---:|")
    } else {
        ("", "")
    };
    let _ = writeln!(
        md,
        "| step (send rate) | sent | deliveries (of planned) | deliveries/s | p50 ms | p99 ms | max ms | server CPU |{broker_head} generator CPU | verdict |"
    );
    let _ = writeln!(
        md,
        "|---|---:|---:|---:|---:|---:|---:|---:|{broker_rule}---:|---|"
    );
    for s in f.steps.iter().chain(&f.half).chain(&f.at_reference) {
        let broker_cell = match (broker, s.broker_cpu) {
            (true, Some(b)) => format!(" {b:.0}% |"),
            (true, None) => " — |".to_owned(),
            (false, _) => String::new(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} ({:.0}%) | {} | {:.2} | {:.2} | {:.1} | {:.0}% |{broker_cell} {:.0}% | {} |",
            s.label,
            group(s.sent as f64, 0),
            group(s.delivered as f64, 0),
            100.0 * s.delivered as f64 / s.planned.max(1) as f64,
            group(s.per_sec, 0),
            s.p50_ms,
            s.p99_ms,
            s.max_ms,
            s.server_cpu,
            s.client_cpu,
            s.behind
                .as_deref()
                .map(one_line)
                .unwrap_or_else(|| "kept up".into())
        );
    }
    md.push('\n');
}

/// `1234567.8` → `1,234,568` (or with decimals).
pub fn group(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

pub fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "/")
}

fn shell(cmd: &str) -> String {
    Command::new("sh")
        .args(["-c", cmd])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_owned())
        .unwrap_or_else(|e| format!("({cmd}: {e})"))
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

pub fn now_utc() -> String {
    shell("date -u '+%Y-%m-%d %H:%M UTC'")
}

/// `nproc`, `lscpu | head`, `free -g`, kernel: the machine, for the record.
pub fn machine() -> String {
    format!(
        "$ nproc --all\n{}\n$ lscpu | head -n 16\n{}\n$ free -g\n{}\n$ uname -r\n{}",
        shell("nproc --all"),
        shell("lscpu | head -n 16"),
        shell("free -g"),
        shell("uname -r")
    )
}

#[cfg(test)]
mod tests {
    use super::{group, latency_goal};
    use crate::fanout::Step;

    fn step(rate: f64, p50_ms: f64, p99_ms: f64) -> Step {
        Step {
            label: "half".into(),
            rate,
            p50_ms,
            p99_ms,
            max_ms: p99_ms,
            ..Step::blank()
        }
    }

    #[test]
    fn the_latency_goal_needs_both_percentiles_within_it() {
        let bare = step(600.0, 100.0, 300.0);
        let (text, met) = latency_goal(&bare, &step(600.0, 150.0, 300.0));
        assert!(met, "{text}");
        assert_eq!(text, "p50 1.50×, p99 1.00× at 600 msg/s");
        assert!(!latency_goal(&bare, &step(600.0, 100.0, 451.0)).1);
        assert!(!latency_goal(&bare, &step(600.0, 151.0, 100.0)).1);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(1_234_567.8, 0), "1,234,568");
        assert_eq!(group(999.0, 0), "999");
        assert_eq!(group(6.72, 1), "6.7");
        assert_eq!(group(12_345.678, 2), "12,345.68");
    }
}
