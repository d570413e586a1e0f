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
    stat_time(pid, 11, 12)
}

/// User + system CPU time of this process's children that have ended and been waited for
/// (`cutime` and `cstime`): what a command run with `Command::output` spent.
pub fn children_cpu_time() -> Duration {
    stat_time("self", 13, 14)
}

/// The sum of two tick fields of `/proc/PID/stat`, counted after the command name.
fn stat_time(pid: &str, user: usize, system: usize) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // After ")" come state (field 3), …, utime (14), stime (15), cutime (16) and cstime (17).
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let total = ticks(user) + ticks(system);
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

/// `perf record` writing to `DIR/NAME.data`, when `BENCH_PERF_DIR` names a directory. The
/// stack is walked as `BENCH_PERF_CALLGRAPH` says (`dwarf` finds the callers in a release build
/// without frame pointers, at the cost of large files), else by frame pointers.
fn perf_record(name: &str) -> Option<std::process::Command> {
    let dir = std::env::var_os("BENCH_PERF_DIR")?;
    let call_graph = std::env::var("BENCH_PERF_CALLGRAPH").unwrap_or_else(|_| "fp".to_string());
    let mut command = std::process::Command::new("perf");
    command
        .args(["record", "-F", "1999", "--call-graph", &call_graph, "-o"])
        .arg(std::path::Path::new(&dir).join(format!("{name}.data")));
    Some(command)
}

/// `perf record` of process `pid` while the value lives, when `BENCH_PERF_DIR` names a
/// directory: the profile goes to `DIR/NAME.data` (`perf report -i DIR/NAME.data`), so a
/// bench's before and after of a change are profiled under the same load.
pub struct Profile(Option<std::process::Child>);

pub fn profile(pid: &str, name: &str) -> Profile {
    let Some(mut command) = perf_record(name) else {
        return Profile(None);
    };
    let child = command
        .args(["-p", pid])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok();
    // perf needs a moment to attach before the work it is to see starts.
    std::thread::sleep(Duration::from_millis(300));
    Profile(child)
}

impl Drop for Profile {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            // SIGINT lets perf write its file out.
            let _ = std::process::Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

/// A command running `program`, under `perf record` (to `DIR/NAME.data`) when
/// `BENCH_PERF_DIR` names a directory; the CPU measured then includes perf's own.
pub fn profiled_command(program: &std::path::Path, name: &str) -> std::process::Command {
    match perf_record(name) {
        Some(mut command) => {
            command.arg("--").arg(program);
            command
        }
        None => std::process::Command::new(program),
    }
}
