//! The Debian package (`cargo deb`, `[package.metadata.deb]` in Cargo.toml): built from the
//! binary these tests run, installed with `dpkg -i`, the daemon started the way its systemd unit
//! starts it — as the system user, in the state directory, with the installed configuration —
//! answering `/healthz` and `/readyz`, then purged. It changes the machine, so it runs only as
//! root (as CI does) and never over a sendercheck already installed here.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::fixture_nameserver;

const STATE: &str = "/var/lib/sendercheck";
const CONFIG: &str = "/etc/sendercheck/sendercheck.toml";

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program} runs: {error}"))
}

fn succeeded(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn package_installed() -> bool {
    let output = run(
        "dpkg-query",
        &["-W", "-f=${db:Status-Status}", "sendercheck"],
    );
    output.status.success() && String::from_utf8_lossy(&output.stdout) != "not-installed"
}

fn user_exists() -> bool {
    run("getent", &["passwd", "sendercheck"]).status.success()
}

/// Whether this test can run here: root, dpkg and cargo-deb. In CI (root, `.ci/run` installs
/// cargo-deb) a missing cargo-deb fails the test.
fn can_run() -> bool {
    let uid = succeeded("id", &["-u"]);
    if uid.trim() != "0" {
        eprintln!("skipped: installing a package needs root");
        return false;
    }
    if !run("sh", &["-c", "command -v dpkg"]).status.success() {
        eprintln!("skipped: not a Debian system (no dpkg)");
        return false;
    }
    let deb = Command::new("cargo")
        .args(["deb", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !deb {
        let how = "cargo install cargo-deb --version 3.8.0 --locked";
        assert!(
            std::env::var_os("CI").is_none(),
            "cargo-deb is missing ({how})"
        );
        eprintln!("skipped: cargo-deb is missing ({how})");
    }
    deb
}

/// Leaves the machine as it was: the package purged, and the state directory and the user
/// removed when this test made them (a purge keeps both, as Debian packages do).
struct Cleanup {
    made_user: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // A daemon left running by a failed assertion.
        let _ = run("pkill", &["-KILL", "-u", "sendercheck"]);
        if package_installed() {
            let _ = run("dpkg", &["--purge", "sendercheck"]);
        }
        let _ = std::fs::remove_dir_all(STATE);
        if self.made_user {
            let _ = run("userdel", &["sendercheck"]);
            let _ = run("groupdel", &["sendercheck"]);
        }
    }
}

/// The `[Service]` settings of the installed unit, in order (`Key=value`, comments left out).
fn unit_settings(unit: &str) -> Vec<(String, String)> {
    unit.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn setting<'a>(settings: &'a [(String, String)], key: &str) -> &'a str {
    settings
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("{key} missing from the installed unit"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debian_package_installs_a_daemon_that_runs_as_its_user_and_purges_cleanly() {
    if !can_run() {
        return;
    }
    assert!(
        !package_installed(),
        "a sendercheck package is installed on this machine; this test would replace it \
         (dpkg --purge sendercheck to run it)"
    );
    assert!(
        !Path::new(STATE).exists(),
        "{STATE} exists (left by an earlier install?); this test would use it — remove it first"
    );
    let _cleanup = Cleanup {
        made_user: !user_exists(),
    };

    // Built from the binary the tests run: a release build would double CI's build time, and
    // what is tested here is the packaging, not the compiler's optimisations.
    let out = tempfile::tempdir().unwrap();
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    let built = Command::new("cargo")
        .args([
            "deb",
            "--no-build",
            "--profile",
            "dev",
            "--fast",
            "--output",
        ])
        .arg(out.path())
        .current_dir(manifest_dir)
        .output()
        .expect("cargo deb runs");
    assert!(
        built.status.success(),
        "cargo deb: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let deb = std::fs::read_dir(out.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .expect("a .deb file");
    let deb = deb.to_str().unwrap();

    let contents = succeeded("dpkg-deb", &["--contents", deb]);
    for path in [
        "./usr/bin/sendercheck",
        "./etc/sendercheck/sendercheck.toml",
        "./usr/lib/systemd/system/sendercheck.service",
        "./usr/lib/sysusers.d/sendercheck.conf",
        "./usr/share/doc/sendercheck/reference.md",
        "./usr/share/sendercheck/prometheus/sendercheck.rules.yml",
        "./usr/share/sendercheck/grafana/sendercheck.json",
    ] {
        assert!(
            contents.contains(path),
            "{path} not in the package:\n{contents}"
        );
    }

    succeeded("dpkg", &["--install", deb]);
    assert!(package_installed());

    // The configuration is a conffile: an upgrade keeps the operator's changes.
    let conffiles = succeeded("dpkg-query", &["-W", "-f=${Conffiles}", "sendercheck"]);
    assert!(conffiles.contains(CONFIG), "{conffiles}");

    // A system user without a shell, whose home is the state directory.
    let passwd = succeeded("getent", &["passwd", "sendercheck"]);
    let fields: Vec<&str> = passwd.trim().split(':').collect();
    let uid: u32 = fields[2].parse().unwrap();
    assert!(uid < 1000, "not a system user: {passwd}");
    assert_eq!(fields[5], STATE, "{passwd}");
    assert!(fields[6].ends_with("nologin"), "{passwd}");

    // The state directory is the user's alone.
    let state = std::fs::metadata(STATE).expect("the state directory");
    assert!(state.is_dir());
    assert_eq!(state.uid(), uid);
    assert_eq!(state.permissions().mode() & 0o777, 0o700);

    // systemd accepts the unit as installed: every key known, the command executable.
    if run("sh", &["-c", "command -v systemd-analyze"])
        .status
        .success()
    {
        let verify = run(
            "systemd-analyze",
            &["verify", "/usr/lib/systemd/system/sendercheck.service"],
        );
        let complaints = String::from_utf8_lossy(&verify.stderr);
        assert!(
            verify.status.success() && complaints.trim().is_empty(),
            "{complaints}"
        );
    }

    // Started as the unit starts it: its user, working directory and command line.
    let unit = std::fs::read_to_string("/usr/lib/systemd/system/sendercheck.service").unwrap();
    let settings = unit_settings(&unit);
    assert_eq!(setting(&settings, "User"), "sendercheck");
    assert_eq!(setting(&settings, "WorkingDirectory"), STATE);
    let exec: Vec<&str> = setting(&settings, "ExecStart").split_whitespace().collect();
    assert_eq!(exec[0], "/usr/bin/sendercheck");
    assert!(exec.contains(&CONFIG), "{exec:?}");
    let mut daemon = Command::new("setpriv")
        .args([
            "--reuid=sendercheck",
            "--regid=sendercheck",
            "--init-groups",
            "--",
        ])
        .args(&exec)
        .current_dir(STATE)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        // What /etc/sendercheck/env would set: a free port, and DNS only to the tests' server.
        .env("SENDERCHECK_LISTEN", "127.0.0.1:0")
        .env("SENDERCHECK_DNS_NAMESERVERS", fixture_nameserver())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the installed daemon starts");
    let stderr = daemon.stderr.take().unwrap();
    let (sender, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = sender.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let address = loop {
        let line = lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no 'listening' log line within 30 s: {seen:#?}"));
        // --log-format json, as in the unit: one object a line.
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if event["message"] == "listening" {
            break event["address"].as_str().unwrap().to_string();
        }
        seen.push(line);
    };
    let client = reqwest::Client::new();
    for path in ["/healthz", "/readyz"] {
        let response = client
            .get(format!("http://{address}{path}"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    // The database is where the configuration's relative store URL points: the state directory.
    let database = std::fs::metadata(format!("{STATE}/sendercheck.db")).expect("the database");
    assert_eq!(database.uid(), uid);
    crate::support::signal(&daemon, "-TERM");
    assert_eq!(daemon.wait().unwrap().code(), Some(0));

    succeeded("dpkg", &["--purge", "sendercheck"]);
    assert!(!package_installed());
    for gone in [
        "/usr/bin/sendercheck",
        CONFIG,
        "/usr/lib/systemd/system/sendercheck.service",
    ] {
        assert!(!Path::new(gone).exists(), "{gone} left after purge");
    }
    // Purge keeps the data, as Debian packages of databases do: deleting it is the operator's call.
    assert!(Path::new(STATE).join("sendercheck.db").exists());
}
