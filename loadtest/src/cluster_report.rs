//! The cluster report: bus overhead on fan-out saturation (in-process bus vs
//! a broker), cross-node latency (one node vs sender and members on two),
//! the broker's CPU beside the nodes', the goals, and the step tables.
//! With several rounds, each comparison shows its median round (and lists
//! every round's figure). Number formatting and the step tables are the main
//! report's (`report`).

use crate::{
    broker::BrokerKind,
    cluster::{self, Round},
    fanout::{self, Step},
    report::{check, group, now_utc, one_line, steps_table},
};
use std::fmt::Write as _;

/// Goals from the issue.
pub const GOAL_BUS_RATIO: f64 = 0.8;
pub const GOAL_ADDED_P99_MS: f64 = 10.0;

pub struct Report {
    pub command: String,
    pub settings: String,
    /// `/proc/loadavg` before and after: other work on the machine skews everything.
    pub load_before: String,
    pub load_after: String,
    /// Members of the saturation room (the sender included).
    pub members: usize,
    pub bus: BrokerKind,
    pub rate: f64,
    pub secs: f64,
    pub warmup_secs: f64,
    pub outcome: cluster::Outcome,
}

/// What the third column of a comparison row shows.
enum Compare {
    /// second ÷ first
    Ratio,
    /// second − first
    Added,
    Nothing,
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "Run {} with `{}`", now_utc(), self.command);
        let _ = writeln!(md, "({})\n", self.settings);
        let _ = writeln!(
            md,
            "Load average (1, 5, 15 min) before: {}; after: {}.\n",
            self.load_before, self.load_after
        );
        let rounds = &self.outcome.rounds;
        // A comparison that failed in every round shows the first round's errors.
        let Some(first) = rounds.first() else {
            return md;
        };
        let sat = median_round(rounds, bus_ratio);
        let lat = median_round(rounds, added_p99);
        self.saturation(&mut md, sat.unwrap_or(first));
        self.latency(&mut md, lat.unwrap_or(first));
        self.rounds(&mut md);
        self.goals(&mut md, sat, lat);
        self.details(&mut md, sat.unwrap_or(first), lat.unwrap_or(first));
        md
    }

    fn broker(&self) -> &'static str {
        match self.bus {
            BrokerKind::Redis => "Redis",
            BrokerKind::Nats => "NATS",
        }
    }

    fn saturation(&self, md: &mut String, o: &Round) {
        let (local, bus) = (
            o.local_saturation.as_ref().ok(),
            o.bus_saturation.as_ref().ok(),
        );
        let _ = writeln!(
            md,
            "**Bus overhead on fan-out saturation**: one node on PostgreSQL, a room of {} (the sender included).\n",
            self.members
        );
        let _ = writeln!(
            md,
            "| figure | in-process bus | {} bus | bus ÷ in-process |",
            self.broker()
        );
        let _ = writeln!(md, "|---|---:|---:|---:|");
        let members = self.members as f64;
        let rows: [(&str, Option<f64>, Option<f64>, usize); 5] = [
            (
                "fan-out saturation, deliveries/s",
                local.map(|f| f.saturation),
                bus.map(|f| f.saturation),
                0,
            ),
            (
                "… as messages sent/s",
                local.map(|f| f.saturation / members),
                bus.map(|f| f.saturation / members),
                0,
            ),
            (
                "p50 latency at half saturation (ms)",
                half(local).map(|h| h.p50_ms),
                half(bus).map(|h| h.p50_ms),
                2,
            ),
            (
                "p99 latency at half saturation (ms)",
                half(local).map(|h| h.p99_ms),
                half(bus).map(|h| h.p99_ms),
                2,
            ),
            (
                "node CPU time over the search (s)",
                local.map(|f| cpu_secs(all_steps(f), |s| Some(s.server_cpu))),
                bus.map(|f| cpu_secs(all_steps(f), |s| Some(s.server_cpu))),
                1,
            ),
        ];
        for (what, a, b, decimals) in rows {
            row(md, what, a, b, decimals, Compare::Ratio);
        }
        let sent = |f: &fanout::Outcome| all_steps(f).map(|s| s.sent).sum::<u64>().max(1) as f64;
        let per_msg =
            |f: &fanout::Outcome| cpu_secs(all_steps(f), |s| Some(s.server_cpu)) * 1e6 / sent(f);
        row(
            md,
            "… per message sent (µs)",
            local.map(per_msg),
            bus.map(per_msg),
            1,
            Compare::Ratio,
        );
        let broker_secs = bus.map(|f| cpu_secs(all_steps(f), |s| s.broker_cpu));
        row(
            md,
            "broker CPU time over the search (s)",
            None,
            broker_secs,
            1,
            Compare::Nothing,
        );
        row(
            md,
            "… per message sent (µs)",
            None,
            broker_secs.zip(bus).map(|(secs, f)| secs * 1e6 / sent(f)),
            1,
            Compare::Nothing,
        );
        md.push('\n');
        for (name, r) in [
            ("in-process bus", &o.local_saturation),
            ("broker", &o.bus_saturation),
        ] {
            if let Err(e) = r {
                let _ = writeln!(md, "**Saturation, {name}, failed:** `{}`\n", one_line(e));
            }
        }
    }

    fn latency(&self, md: &mut String, o: &Round) {
        let (one, two) = (o.local_latency.as_ref().ok(), o.cross_latency.as_ref().ok());
        let _ = writeln!(
            md,
            "**Cross-node latency**: {} messages/s for {} s (after {} s of warm-up, not counted) into a room of the sender and {} members; PostgreSQL. Latency is from the scheduled send to the receipt at each member, the sender's own copy included (1 delivery in {}).\n",
            self.rate,
            self.secs,
            self.warmup_secs,
            self.outcome.latency_members,
            self.outcome.latency_members + 1
        );
        let _ = writeln!(
            md,
            "| figure | one node (in-process bus) | sender on node A, members on node B ({}) | added |",
            self.broker()
        );
        let _ = writeln!(md, "|---|---:|---:|---:|");
        for (what, pick) in [
            (
                "p50 latency (ms)",
                (|s: &Step| s.p50_ms) as fn(&Step) -> f64,
            ),
            ("p99 latency (ms)", |s: &Step| s.p99_ms),
            ("max latency (ms)", |s: &Step| s.max_ms),
        ] {
            row(md, what, one.map(pick), two.map(pick), 2, Compare::Added);
        }
        let delivered = |s: &Step| {
            format!(
                "{} of {}",
                group(s.delivered as f64, 0),
                group(s.planned as f64, 0)
            )
        };
        let _ = writeln!(
            md,
            "| deliveries | {} | {} | |",
            one.map_or("—".into(), delivered),
            two.map_or("—".into(), delivered)
        );
        let nodes = |s: &Step| {
            let each: Vec<String> = s.node_cpu.iter().map(|c| format!("{c:.0}%")).collect();
            match each.len() {
                1 => each[0].clone(),
                _ => format!("{:.0}% (A {})", s.server_cpu, each.join(", B ")),
            }
        };
        let _ = writeln!(
            md,
            "| node CPU, % of a core | {} | {} | |",
            one.map_or("—".into(), nodes),
            two.map_or("—".into(), nodes)
        );
        let broker = |s: &Step| s.broker_cpu.map_or("—".into(), |b| format!("{b:.0}%"));
        let _ = writeln!(
            md,
            "| broker CPU, % of a core | {} | {} | |",
            one.map_or("—".into(), broker),
            two.map_or("—".into(), broker)
        );
        let secs = |s: &Step, cpu: f64| cpu * s.wall_secs / 100.0;
        let _ = writeln!(
            md,
            "| CPU time, nodes / broker (s) | {} | {} | |",
            one.map_or("—".into(), |s| format!(
                "{:.2} / —",
                secs(s, s.server_cpu)
            )),
            two.map_or("—".into(), |s| format!(
                "{:.2} / {}",
                secs(s, s.server_cpu),
                s.broker_cpu
                    .map_or("—".into(), |b| format!("{:.2}", secs(s, b)))
            ))
        );
        row(
            md,
            "generator CPU, % of its core",
            one.map(|s| s.client_cpu),
            two.map(|s| s.client_cpu),
            0,
            Compare::Nothing,
        );
        md.push('\n');
        for (name, r) in [
            ("one node", &o.local_latency),
            ("two nodes", &o.cross_latency),
        ] {
            match r {
                Err(e) => {
                    let _ = writeln!(md, "**Latency, {name}, failed:** `{}`\n", one_line(e));
                }
                Ok(s) => {
                    if let Some(why) = &s.behind {
                        let _ = writeln!(
                            md,
                            "**Latency, {name}: the step fell behind ({}); its figures are not a steady state.**\n",
                            one_line(why)
                        );
                    }
                }
            }
        }
    }

    /// With more than one round: every round's two comparisons.
    fn rounds(&self, md: &mut String) {
        let rounds = &self.outcome.rounds;
        if rounds.len() < 2 {
            return;
        }
        let list = |key: fn(&Round) -> Option<f64>, fmt: fn(f64) -> String| {
            rounds
                .iter()
                .map(|r| key(r).map_or("failed".into(), fmt))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            md,
            "Rounds ({}): saturation bus ÷ in-process {}; added p99 (ms) {}. The tables above show the round with the median of each.\n",
            rounds.len(),
            list(bus_ratio, |r| format!("{r:.2}")),
            list(added_p99, |a| format!("{a:+.1}"))
        );
    }

    /// The goals, judged on the median rounds.
    fn goals(&self, md: &mut String, sat: Option<&Round>, lat: Option<&Round>) {
        let _ = writeln!(md, "Goals (from the issue):\n");
        let ratio = sat.and_then(bus_ratio);
        check(
            md,
            &format!(
                "fan-out saturation with the {} bus ≥ {GOAL_BUS_RATIO}× the in-process bus",
                self.broker()
            ),
            ratio.map(|r| (format!("{r:.2}×"), r >= GOAL_BUS_RATIO)),
        );
        let added = lat.and_then(added_p99);
        check(
            md,
            &format!("cross-node delivery adds ≤ {GOAL_ADDED_P99_MS} ms at p99"),
            added.map(|a| (format!("{a:+.1} ms"), a <= GOAL_ADDED_P99_MS)),
        );
        md.push('\n');
    }

    fn details(&self, md: &mut String, sat: &Round, lat: &Round) {
        if let Ok(f) = &sat.local_saturation {
            steps_table(md, "One node, in-process bus", f);
        }
        if let Ok(f) = &sat.bus_saturation {
            steps_table(md, &format!("One node, {} bus", self.broker()), f);
        }
        let steps: Vec<(&str, &Step)> = [
            ("one node", lat.local_latency.as_ref().ok()),
            ("A → B", lat.cross_latency.as_ref().ok()),
        ]
        .into_iter()
        .filter_map(|(n, s)| s.map(|s| (n, s)))
        .collect();
        if steps.is_empty() {
            return;
        }
        let _ = writeln!(md, "Latency steps:\n");
        let _ = writeln!(
            md,
            "| layout | sent | deliveries (of planned) | p50 ms | p99 ms | max ms | nodes CPU | broker CPU | generator CPU | verdict |"
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (name, s) in steps {
            let _ = writeln!(
                md,
                "| {name} | {} | {} ({:.0}%) | {:.2} | {:.2} | {:.1} | {:.0}% | {} | {:.0}% | {} |",
                group(s.sent as f64, 0),
                group(s.delivered as f64, 0),
                100.0 * s.delivered as f64 / s.planned.max(1) as f64,
                s.p50_ms,
                s.p99_ms,
                s.max_ms,
                s.server_cpu,
                s.broker_cpu.map_or("—".into(), |b| format!("{b:.0}%")),
                s.client_cpu,
                s.behind
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| "kept up".into())
            );
        }
        md.push('\n');
    }
}

/// The bus's saturation over the in-process bus's, when both were measured.
fn bus_ratio(r: &Round) -> Option<f64> {
    match (&r.local_saturation, &r.bus_saturation) {
        (Ok(l), Ok(b)) if l.saturation > 0.0 => Some(b.saturation / l.saturation),
        _ => None,
    }
}

/// Cross-node p99 minus one-node p99, when both were measured.
fn added_p99(r: &Round) -> Option<f64> {
    match (&r.local_latency, &r.cross_latency) {
        (Ok(one), Ok(two)) => Some(two.p99_ms - one.p99_ms),
        _ => None,
    }
}

/// The round with the median `key` among those that have one (the lower
/// middle one of an even count), as `report::median_run` picks runs.
fn median_round(rounds: &[Round], key: fn(&Round) -> Option<f64>) -> Option<&Round> {
    let mut keyed: Vec<(f64, &Round)> = rounds
        .iter()
        .filter_map(|r| key(r).map(|k| (k, r)))
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    keyed
        .get(keyed.len().saturating_sub(1) / 2)
        .map(|(_, r)| *r)
}

fn half(f: Option<&fanout::Outcome>) -> Option<&Step> {
    f.and_then(|f| f.half.as_ref())
}

/// Every step of a search, the half-rate one included.
fn all_steps(f: &fanout::Outcome) -> impl Iterator<Item = &Step> {
    f.steps.iter().chain(f.half.iter())
}

/// CPU seconds over `steps` of what `pick` reads (in % of a core per step).
fn cpu_secs<'a>(steps: impl Iterator<Item = &'a Step>, pick: impl Fn(&Step) -> Option<f64>) -> f64 {
    steps
        .filter_map(|s| pick(s).map(|cpu| cpu * s.wall_secs / 100.0))
        .sum()
}

fn row(
    md: &mut String,
    what: &str,
    a: Option<f64>,
    b: Option<f64>,
    decimals: usize,
    compare: Compare,
) {
    let show = |v: Option<f64>| v.map_or("—".to_owned(), |v| group(v, decimals));
    let third = match (a, b, compare) {
        (Some(a), Some(b), Compare::Ratio) if a > 0.0 => format!("{:.2}", b / a),
        (Some(a), Some(b), Compare::Added) => format!("{:+.2}", b - a),
        _ => String::new(),
    };
    let _ = writeln!(md, "| {what} | {} | {} | {third} |", show(a), show(b));
}
