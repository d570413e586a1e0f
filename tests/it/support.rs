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
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .expect("a resolver")
}

/// Runs the real binary with `args`, feeding `stdin` if given, in English whatever the
/// machine's locale.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_env(args, stdin, &[])
}

/// As `run`, with these environment variables set (the locale ones are cleared first).
pub fn run_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendercheck"));
    for key in ["LC_ALL", "LC_MESSAGES", "LANG", "SENDERCHECK_LANG"] {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    command
        .args(args)
        .env_remove("SENDERCHECK_DNS_NAMESERVERS")
        // The fixture zones' name servers are 127.0.0.1: asked on the fixture server's port.
        .env(
            "SENDERCHECK_DNS_AUTHORITATIVE_PORT",
            FixtureDns::shared().addr.port().to_string(),
        )
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

/// A daemon running in-process on 127.0.0.1:0 with a temporary database, the fixture DNS
/// server and a hand-driven clock. Its scheduler loop is off: tests call `tick` themselves.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub scheduler: sendercheck::scheduler::Scheduler,
    /// The webhook dispatcher, ticked by hand (`dispatcher.tick()`).
    pub dispatcher: sendercheck::webhooks::Dispatcher,
    /// The daemon's own store, for tests that write many rows at once.
    pub store: std::sync::Arc<dyn sendercheck::store::Store>,
    /// Where its inbound SMTP listener accepts mail, when `[inbound] listen` is set.
    pub smtp: Option<std::net::SocketAddr>,
    pub clock: std::sync::Arc<sendercheck::clock::ManualClock>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    /// The temporary database made when the test gave none; removed with the app.
    _db_dir: Option<tempfile::TempDir>,
}

/// What a test changes in the daemon's configuration.
#[derive(Clone, Default)]
pub struct AppOptions {
    pub api_token: Option<String>,
    /// `[[tokens]]`.
    pub tokens: Vec<sendercheck::auth::NamedToken>,
    pub nameserver: Option<std::net::SocketAddr>,
    /// The database; a fresh temporary one when `None`.
    pub db_url: Option<String>,
    pub clock: Option<std::sync::Arc<sendercheck::clock::ManualClock>>,
    /// Runs the scheduler's own loop with this config (tick, concurrency), instead of ticks
    /// driven by the test.
    pub scheduler: Option<sendercheck::config::SchedulerConfig>,
    /// One DNS attempt's limit (default 300 ms, one attempt).
    pub dns_timeout: Option<Duration>,
    /// Connection-layer limits: (max connections, header timeout, body timeout).
    pub connections: Option<(usize, Duration, Duration)>,
    /// Connections one client address may hold.
    pub per_client: Option<usize>,
    /// The port the zones' authoritative servers are asked on (default: the nameserver's).
    pub authoritative_port: Option<u16>,
    /// `[[webhooks]]` endpoints.
    pub webhooks: Vec<sendercheck::config::WebhookConfig>,
    /// `store.replica_id` (default: host name and process id, the same for every app of one
    /// test process).
    pub replica_id: Option<String>,
    /// `[dns] trust_anchors` (default: the IANA root anchors).
    pub trust_anchors: Option<std::path::PathBuf>,
    /// `[inbound]`: test addresses and the SMTP listener (off by default).
    pub inbound: Option<sendercheck::config::InboundConfig>,
    /// `[smtp]`: which gateways the probe may reach (default: public addresses only).
    pub smtp: Option<sendercheck::smtp::policy::SmtpConfig>,
    /// `[defaults] lang`.
    pub lang: sendercheck::text::Lang,
}

/// A fresh temporary database URL; the directory lives as long as the returned guard.
pub fn temp_db() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("sendercheck.db").display());
    (url, dir)
}

/// Logs to the test output only when TEST_LOG is set (TEST_LOG=debug for more).
pub fn init_test_logging() {
    if let Ok(level) = std::env::var("TEST_LOG") {
        let filter = if level.is_empty() || level == "1" {
            "info".to_string()
        } else {
            level
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

pub async fn spawn_app(options: AppOptions) -> TestApp {
    use sendercheck::clock::ManualClock;
    init_test_logging();
    let mut config = sendercheck::config::Config::default();
    // A test that restarts on the same file passes its own; others get a fresh one.
    let (db_url, db_dir) = match options.db_url {
        Some(url) => (url, None),
        None => {
            let (url, dir) = temp_db();
            (url, Some(dir))
        }
    };
    config.store.url = db_url;
    if let Some(id) = options.replica_id {
        config.store.replica_id = id;
    }
    let nameserver = options
        .nameserver
        .unwrap_or_else(|| FixtureDns::shared().addr);
    config.dns.nameservers = vec![nameserver];
    // The fixture zones' name servers are 127.0.0.1: asked on the fixture server's port.
    config.dns.authoritative_port = Some(options.authoritative_port.unwrap_or(nameserver.port()));
    config.dns.timeout = options.dns_timeout.unwrap_or(Duration::from_millis(300));
    if let Some((max_connections, header_timeout, body_timeout)) = options.connections {
        config.server.max_connections = max_connections;
        config.server.header_timeout = header_timeout;
        config.server.body_timeout = body_timeout;
    }
    if let Some(per_client) = options.per_client {
        config.server.max_connections_per_client = per_client;
    }
    config.dns.attempts = 1;
    config.dns.trust_anchors = options.trust_anchors;
    config.scheduler.enabled = false;
    if let Some(scheduler) = options.scheduler {
        config.scheduler = scheduler;
    }
    config.server.api_token = options.api_token.map(sendercheck::config::Secret::new);
    config.webhooks = options.webhooks;
    config.named_tokens = options.tokens;
    if let Some(inbound) = options.inbound {
        config.inbound = inbound;
    }
    config.lang = options.lang;
    if let Some(smtp) = options.smtp {
        config.smtp = smtp;
    }
    let clock = options.clock.unwrap_or_else(|| {
        let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
        std::sync::Arc::new(ManualClock::new(start))
    });
    let app = sendercheck::App::build(config, clock.clone())
        .await
        .expect("the app builds");
    let scheduler = app.scheduler.clone();
    let dispatcher = app.dispatcher.clone();
    let store = app.store.clone();
    let smtp = app.inbound_address();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        scheduler,
        dispatcher,
        store,
        smtp,
        clock,
        stop: Some(stop),
        task: Some(task),
        _db_dir: db_dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request and returns the status and the JSON body (null when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the daemon answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("a body");
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, json)
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("the daemon answers")
            .text()
            .await
            .expect("text")
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn register(&self, domain: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let body = serde_json::json!({"profile": "mandrill", "verification_token": token});
        self.call(
            reqwest::Method::PUT,
            &format!("/v1/domains/{domain}"),
            Some(body),
        )
        .await
    }

    /// The body of a GET as text (CSV exports, metrics).
    pub async fn text(&self, path: &str) -> String {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Polls the domain until its first check is stored.
    pub async fn until_checked(&self, domain: &str) -> serde_json::Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = self.get(&format!("/v1/domains/{domain}")).await;
            assert_eq!(status, 200, "{body}");
            if !body["checked_at"].is_null() {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{domain} was not checked within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Moves the clock on and runs one scheduler tick to completion; the number checked.
    pub async fn advance_and_tick(&self, by: Duration) -> usize {
        self.clock.advance(by);
        self.scheduler.tick_and_wait().await.expect("a tick")
    }

    /// Stops the daemon gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the serve task").expect("a clean stop");
        }
    }
}

/// The real `sendercheck serve` binary on 127.0.0.1:0 with `db_url`, asking the shared fixture
/// DNS server; returns the child and its base URL once it listens.
pub fn start_daemon_process(db_url: &str) -> (std::process::Child, String) {
    let (child, base, _logs) = start_daemon_process_with_logs(db_url);
    (child, base)
}

/// As `start_daemon_process`, also handing back the log lines written after start-up.
pub fn start_daemon_process_with_logs(
    db_url: &str,
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    start_daemon_process_with_args(db_url, &[])
}

/// As `start_daemon_process_with_logs`, with more arguments to `serve` (`--config FILE`).
pub fn start_daemon_process_with_args(
    db_url: &str,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    start_daemon_process_with_env(db_url, extra, &[])
}

/// As `start_daemon_process_with_args`, with environment variables set over the defaults
/// (`SENDERCHECK_DNS_NAMESERVERS`, say).
pub fn start_daemon_process_with_env(
    db_url: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (
    std::process::Child,
    String,
    std::sync::mpsc::Receiver<String>,
) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendercheck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .env("SENDERCHECK_STORE_URL", db_url)
        .env("SENDERCHECK_DNS_NAMESERVERS", fixture_nameserver())
        .env(
            "SENDERCHECK_DNS_AUTHORITATIVE_PORT",
            FixtureDns::shared().addr.port().to_string(),
        )
        .env("SENDERCHECK_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("a log line").expect("text");
        assert!(!line.contains("ERROR"), "{line}");
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining the log so the daemon never blocks on a full pipe.
    let (sender, logs) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    (child, format!("http://{address}"), logs)
}

/// Sends a signal to a child process.
pub fn signal(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// A history's transitions as `from->to` strings.
pub fn statuses(history: &serde_json::Value) -> Vec<String> {
    history["transitions"]
        .as_array()
        .expect("transitions")
        .iter()
        .map(|t| {
            format!(
                "{}->{}",
                t["from"].as_str().unwrap_or("none"),
                t["to"].as_str().unwrap()
            )
        })
        .collect()
}

/// The record of `kind` at `name` in a report or domain object.
pub fn record<'a>(report: &'a serde_json::Value, kind: &str, name: &str) -> &'a serde_json::Value {
    report["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| record["kind"] == kind && record["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} record at {name}: {report:#}"))
}

/// The `name=value` of the cookie a response sets (its attributes left out), to send back.
pub fn cookie_of(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// Whether `program` (from Debian's `package`) can run here; without it the test says so and
/// stops, except in CI (`.ci/run` installs it), where its absence fails the test.
pub fn installed(program: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .args([
            "-c",
            &format!("command -v {program} || test -x /usr/sbin/{program}"),
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is not installed (apt-get install -y {package})"
        );
        eprintln!("skipped: {program} is not installed (apt-get install -y {package})");
    }
    found
}
