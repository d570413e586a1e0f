//! Runs the real release `sendercheck serve` as a child process, for benchmarks that measure it
//! from outside: its address, its memory.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The daemon binary: this build's, or `BENCH_DAEMON_BIN` (another build, for a before/after
/// comparison in one sitting).
fn binary() -> std::ffi::OsString {
    std::env::var_os("BENCH_DAEMON_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_sendercheck").into())
}

pub struct Daemon {
    pub child: Child,
    pub base: String,
}

impl Daemon {
    /// Starts the daemon with `env` set, on a random loopback port, and waits until it listens.
    pub fn start(env: &[(&str, String)]) -> Daemon {
        Self::start_with(&[], env)
    }

    /// As `start`, with more arguments to `serve` (`--config FILE`).
    pub fn start_with(args: &[&str], env: &[(&str, String)]) -> Daemon {
        Self::spawn(Command::new(binary()), args, env)
    }

    /// As `start`, the daemon allowed only CPU `cpu` (`taskset -c`, util-linux): its runtime
    /// then starts one worker thread, as on a machine or container of one core.
    pub fn start_on_cpu(cpu: usize, env: &[(&str, String)]) -> Daemon {
        let mut command = Command::new("taskset");
        command.args(["-c", &cpu.to_string()]).arg(binary());
        Self::spawn(command, &[], env)
    }

    fn spawn(mut command: Command, args: &[&str], env: &[(&str, String)]) -> Daemon {
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("SENDERCHECK_LOG", "warn,sendercheck=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the daemon starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the daemon logs its address")
                .expect("text");
            if let Some(rest) = line.split("address=").nth(1) {
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        };
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Daemon {
            child,
            base: format!("http://{address}"),
        }
    }

    /// Resident and peak resident memory in MiB, from /proc.
    pub fn memory_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
