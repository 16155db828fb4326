//! A CPU cap for a server under test, so that the server and not the load
//! generator is the bottleneck (issue 12): on this 2-core machine an uncapped
//! server is only measured as fast as one generator core can drive it.
//!
//! Uses the cgroup v1 `cpu` controller (`/sys/fs/cgroup/cpu`, writable as
//! root here): a group of its own per process, with a CFS quota of `percent`
//! of one core per period. The period is short (20 ms, not the kernel's
//! 100 ms) so a capped server is throttled in small slices instead of
//! stalling for tens of milliseconds, which would show as latency.

use anyhow::Context;
use std::path::PathBuf;

const ROOT: &str = "/sys/fs/cgroup/cpu";
/// CFS period, µs.
pub const PERIOD_US: u64 = 20_000;

/// A process's own cgroup with a quota. Removed on drop, once the process
/// has left it (it must be killed first).
pub struct CpuCap {
    dir: PathBuf,
}

impl CpuCap {
    /// Moves `pid` (all its threads, and those it starts later) into a new
    /// group limited to `percent` of one core.
    pub fn apply(name: &str, pid: u32, percent: u32) -> anyhow::Result<CpuCap> {
        anyhow::ensure!(
            percent >= 1,
            "--cpu-cap is a percentage of one core, at least 1"
        );
        let dir = PathBuf::from(ROOT).join(format!("loadtest-{name}-{pid}"));
        std::fs::create_dir(&dir).with_context(|| {
            format!(
                "creating {} (the cgroup v1 cpu controller, as root)",
                dir.display()
            )
        })?;
        // From here on, drop removes the group.
        let cap = CpuCap { dir };
        let quota = PERIOD_US * u64::from(percent) / 100;
        cap.write("cpu.cfs_period_us", PERIOD_US)?;
        cap.write("cpu.cfs_quota_us", quota)?;
        cap.write("cgroup.procs", u64::from(pid))?;
        Ok(cap)
    }

    fn write(&self, file: &str, value: u64) -> anyhow::Result<()> {
        let path = self.dir.join(file);
        std::fs::write(&path, value.to_string())
            .with_context(|| format!("writing {value} to {}", path.display()))
    }

    /// How the report names the cap.
    pub fn describe(percent: u32) -> String {
        format!(
            "capped at {percent} % of one core (cgroup v1 cpu quota, period {} ms)",
            PERIOD_US / 1000
        )
    }
}

impl Drop for CpuCap {
    fn drop(&mut self) {
        // A killed process leaves its group a moment later: retry briefly.
        for _ in 0..100 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        eprintln!("loadtest: could not remove {}", self.dir.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs;

    /// A busy loop capped at 20 % uses about a fifth of a core, and its
    /// group is gone afterwards.
    #[test]
    fn a_capped_process_gets_its_share_of_a_core_and_no_more() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        let pid = child.id();
        let cap = CpuCap::apply("test", pid, 20).expect("cgroup v1 cpu controller writable");
        let dir = cap.dir.clone();
        let before = procfs::cpu_ticks(Some(pid)).unwrap();
        let window = std::time::Duration::from_millis(1500);
        std::thread::sleep(window);
        let used = (procfs::cpu_ticks(Some(pid)).unwrap() - before) as f64
            / procfs::ticks_per_sec() as f64
            / window.as_secs_f64();
        child.kill().unwrap();
        child.wait().unwrap();
        drop(cap);
        assert!(
            (0.10..=0.30).contains(&used),
            "a 20 % cap let the loop use {:.0} % of a core",
            used * 100.0
        );
        assert!(!dir.exists(), "{} is removed", dir.display());
    }
}
