//! What the kernel says about a process: resident memory, CPU time, affinity.
//! Linux only (reads `/proc`), like the machines this tool runs on.

use anyhow::{bail, Context};
use std::{fs, process::Command};

/// Resident set size (`VmRSS`) of a process, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    field_kib(&status, "VmRSS:").with_context(|| format!("no VmRSS for pid {pid}"))
}

fn field_kib(status: &str, key: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// User + system CPU time a process has used, in clock ticks.
pub fn cpu_ticks(pid: Option<u32>) -> anyhow::Result<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) may contain spaces; fields after it are plain.
    let after = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15.
    let get = |n: usize| -> anyhow::Result<u64> {
        fields
            .get(n - 3)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("field {n} of {path}"))
    };
    Ok(get(14)? + get(15)?)
}

/// Clock ticks per second for [`cpu_ticks`] (`getconf CLK_TCK`; 100 on Linux).
pub fn ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// The CPUs this process may run on, as the kernel lists them (`0-1`, `1`).
pub fn allowed_cpus() -> String {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

/// Pins every thread of this process to `cpu` with `taskset`. Call it before
/// starting any runtime so that threads created later inherit the mask.
pub fn pin_self(cpu: usize) -> anyhow::Result<()> {
    let pid = std::process::id().to_string();
    let out = Command::new("taskset")
        .args(["-a", "-cp", &cpu.to_string(), &pid])
        .output()
        .context("running taskset (util-linux)")?;
    if !out.status.success() {
        bail!(
            "taskset -a -cp {cpu} {pid} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Whether this process leads its own session (so its own scheduler autogroup).
pub fn is_session_leader() -> bool {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or_default();
    // After the name: state, ppid, pgrp, session.
    after
        .split_whitespace()
        .nth(3)
        .and_then(|s| s.parse::<u32>().ok())
        == Some(std::process::id())
}

/// Gives this process priority over other work on the machine. With
/// autogroup scheduling (the kernel default) CPU time is shared between
/// *sessions* first, so a nice value alone only ranks threads within one
/// session: the session's autogroup gets the nice value too. Call it in a
/// session of its own (see `main`), before any thread or child starts: niceness
/// is per thread and inherited by threads and children.
pub fn renice_self(nice: i32) -> anyhow::Result<()> {
    if fs::metadata("/proc/self/autogroup").is_ok() {
        fs::write("/proc/self/autogroup", nice.to_string())
            .context("setting the session's autogroup nice value (needs root for < 0)")?;
    }
    let pid = std::process::id().to_string();
    let out = Command::new("renice")
        .args(["-n", &nice.to_string(), "-p", &pid])
        .output()
        .context("running renice (util-linux)")?;
    if !out.status.success() {
        bail!(
            "renice -n {nice} -p {pid} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_our_own_figures() {
        assert!(rss_kib(std::process::id()).expect("own status") > 0);
        cpu_ticks(None).expect("own stat");
        assert!(field_kib("VmRSS:\t  1234 kB\n", "VmRSS:") == Some(1234));
    }
}
