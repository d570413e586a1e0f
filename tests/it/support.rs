//! Helpers shared by the integration tests.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use sendercheck::dns::{Resolver, ResolverSettings};

use crate::fixture_dns::FixtureDns;

/// The nameserver argument pointing at the shared fixture server.
pub fn fixture_nameserver() -> String {
    FixtureDns::shared().addr.to_string()
}

/// A resolver that asks only the shared fixture server.
pub fn fixture_resolver() -> Resolver {
    Resolver::new(&ResolverSettings {
        nameservers: vec![FixtureDns::shared().addr],
        timeout: Duration::from_secs(2),
        attempts: 2,
    })
    .expect("a resolver")
}

/// Runs the real binary with `args`, feeding `stdin` if given.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendercheck"));
    command
        .args(args)
        .env_remove("SENDERCHECK_DNS_NAMESERVERS")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("sendercheck starts");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("a stdin pipe");
        pipe.write_all(input.as_bytes()).expect("stdin written");
    }
    child.wait_with_output().expect("sendercheck finishes")
}

/// Runs `sendercheck check` against the fixture server.
pub fn check(args: &[&str]) -> Output {
    let nameserver = fixture_nameserver();
    let mut full = vec!["check", "--nameserver", &nameserver];
    full.extend_from_slice(args);
    run(&full, None)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn exit_code(output: &Output) -> i32 {
    output.status.code().expect("an exit code, not a signal")
}

/// Parses the JSON a `--format json` run printed.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}): {}\nstderr: {}",
            stdout(output),
            stderr(output)
        )
    })
}
