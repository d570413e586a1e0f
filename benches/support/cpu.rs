//! CPU time of a process (user + system, every thread), from /proc: what a benchmark's work
//! costs on any machine, beside the wall time that a shared 2-core box makes noisy.

#![allow(dead_code)]

use std::time::Duration;

/// Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux), asked once.
fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(ask_ticks_per_second)
}

fn ask_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
        .filter(|ticks: &f64| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// User + system CPU time `pid` has used so far (`self` for this process), all threads.
pub fn cpu_time(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // After ")" come state (field 3), …, utime (field 14) and stime (field 15).
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let total = ticks(11) + ticks(12);
    Duration::from_secs_f64(total as f64 / ticks_per_second())
}

/// CPU time this process has used so far.
pub fn own_cpu_time() -> Duration {
    cpu_time("self")
}

/// The CPU `pid` spends while `work` runs: (its result, the CPU time).
pub async fn measure<T>(pid: &str, work: impl std::future::Future<Output = T>) -> (T, Duration) {
    let before = cpu_time(pid);
    let out = work.await;
    (out, cpu_time(pid).saturating_sub(before))
}
