//! What zones with dead name servers cost, against BIND (the in-process server when BIND is not
//! installed). The dead server is a UDP socket on 127.0.0.9 that reads every query and answers
//! none, as a firewalled or crashed server does; BIND (the checker's resolver) serves the
//! zones, whose NS record names that address.
//!
//! 1. Bulk: `sendercheck check --domains-file` over 1,000 domains of the silent zone, the
//!    authoritative view off and on (budget 1 s), beside 1,000 domains whose server answers.
//!    Goal: the dead server costs the whole run about one budget, not one per check.
//! 2. Replicas: three `serve` processes on one PostgreSQL database, 2,000 domains on a 20 s
//!    interval with the authoritative view on: checks per minute when every zone's server
//!    answers, and when a tenth of the domains are in the silent zone. Goal: the same.
//!
//! cargo bench --bench dead_servers   (BENCH_RUN_SECONDS=S per replicas run, default 60).
//! Needs `apt-get install bind9` for BIND and Debian's postgresql for part 2.

#[path = "support/bind.rs"]
mod bind;
#[path = "support/daemon.rs"]
mod daemon;
#[path = "../tests/support/fixture_dns.rs"]
mod fixture_dns;
#[path = "../tests/it/postgres.rs"]
mod postgres;
#[path = "support/report.rs"]
mod report;
#[path = "support/zones.rs"]
mod zones;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SILENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 9);
const BULK_DOMAINS: usize = 1_000;
const FLEET: usize = 2_000;
const INTERVAL_SECONDS: u64 = 20;

/// A socket that reads every datagram and answers none, until the process ends.
fn silent_socket(port: u16) -> UdpSocket {
    let socket = UdpSocket::bind(SocketAddr::from((SILENT, port))).expect("127.0.0.9 is free");
    let reader = socket.try_clone().expect("a second handle");
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while reader.recv_from(&mut buffer).is_ok() {}
    });
    socket
}

/// One bulk run of the release binary: seconds, and how many domains came out ready.
fn bulk(file: &Path, server: SocketAddr, authoritative: bool) -> (f64, usize) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sendercheck"));
    command
        .args(["check", "--format", "json", "--concurrency", "64"])
        .arg("--nameserver")
        .arg(server.to_string())
        .arg("--domains-file")
        .arg(file);
    if authoritative {
        command.args(["--authoritative-port", &server.port().to_string()]);
    } else {
        command.arg("--no-authoritative");
    }
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    let started = Instant::now();
    let output = command.output().expect("the bulk check runs");
    let elapsed = started.elapsed().as_secs_f64();
    let ready = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains("\"ready\":true"))
        .count();
    (elapsed, ready)
}

fn domains_file(dir: &Path, name: &str, domains: &[String]) -> std::path::PathBuf {
    let file = dir.join(name);
    let text: String = domains.iter().map(|domain| format!("{domain}\n")).collect();
    std::fs::write(&file, text).expect("the domains file");
    file
}

/// Registrations of `domains` (mandrill, no token) due over the next interval, in a fresh
/// database migrated by the store.
async fn fill(url: &str, domains: &[String]) {
    sendercheck::store::open(url, &Default::default())
        .await
        .expect("the store migrates the database")
        .close()
        .await;
    let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("the bench database");
    let start_ms = chrono::Utc::now().timestamp_millis() + 3_000;
    let interval_ms = INTERVAL_SECONDS as i64 * 1000;
    sqlx::query(
        "INSERT INTO domains (domain, profile, token, active, generation, created_at, \
         updated_at, status, status_since, consecutive_failures, checked_at, next_check_at, \
         ready, records, records_version, params, paused) \
         SELECT name, 'mandrill', NULL, TRUE, 1, $1, $1, 'pending', $1, 0, NULL, \
         $1 + ((n - 1) * $2) / $3, FALSE, '[]', 1, '{}', FALSE \
         FROM unnest($4::TEXT[]) WITH ORDINALITY AS t(name, n)",
    )
    .bind(start_ms)
    .bind(interval_ms)
    .bind(domains.len() as i64)
    .bind(domains.to_vec())
    .execute(&mut connection)
    .await
    .expect("the registrations");
}

/// The sum of a counter family over every label set in a Prometheus text.
fn counter_sum(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(name) && !line.starts_with('#'))
        .filter(|line| line[name.len()..].starts_with(['{', ' ']))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn checks_done(daemons: &[daemon::Daemon]) -> (f64, f64) {
    let mut checks = 0.0;
    let mut held = 0.0;
    for daemon in daemons {
        let text = reqwest::get(format!("{}/metrics", daemon.base))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        checks += counter_sum(&text, "sendercheck_checks_total");
        held += counter_sum(&text, "sendercheck_dns_servers_held_back");
    }
    (checks, held)
}

/// Three replicas checking `domains` with the authoritative view on for `run`: checks per
/// minute after the first interval, and the servers held back at the end (summed over the
/// replicas).
async fn fleet(dir: &Path, server: SocketAddr, domains: &[String], run: Duration) -> (f64, f64) {
    let pg = postgres::Postgres::shared();
    let url = pg.database().await;
    fill(&url, domains).await;
    let config = dir.join("fleet.toml");
    std::fs::write(
        &config,
        format!(
            "[schedule]\ntick = \"200ms\"\njitter = 0.0\n\
             pending_interval = \"{INTERVAL_SECONDS}s\"\npending_slow_interval = \"{INTERVAL_SECONDS}s\"\n\
             verified_interval = \"{INTERVAL_SECONDS}s\"\nfailing_interval = \"{INTERVAL_SECONDS}s\"\n\
             [dns]\nauthoritative = true\nauthoritative_port = {}\n",
            server.port()
        ),
    )
    .unwrap();
    let daemons: Vec<daemon::Daemon> = (0..3)
        .map(|n| {
            daemon::Daemon::start_with(
                &["--config", config.to_str().expect("a UTF-8 path")],
                &[
                    ("SENDERCHECK_STORE_URL", url.clone()),
                    ("SENDERCHECK_DNS_NAMESERVERS", server.to_string()),
                    ("SENDERCHECK_REPLICA_ID", format!("replica-{n}")),
                ],
            )
        })
        .collect();
    // The first interval (cold caches, every replica's first claims) is not measured.
    tokio::time::sleep(Duration::from_secs(INTERVAL_SECONDS)).await;
    let (before, _) = checks_done(&daemons).await;
    let started = Instant::now();
    tokio::time::sleep(run).await;
    let (after, held) = checks_done(&daemons).await;
    let per_minute = (after - before) / started.elapsed().as_secs_f64() * 60.0;
    drop(daemons);
    (per_minute, held)
}

#[tokio::main]
async fn main() {
    let run = Duration::from_secs(
        std::env::var("BENCH_RUN_SECONDS")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(60),
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    zones::write(dir.path(), FLEET);
    zones::write_silent(dir.path(), FLEET, SILENT);
    let with_bind = bind::installed("named");
    let port = bind::free_port();
    let (_dns, server) = bind::DnsServer::start(dir.path(), port, with_bind);
    bind::wait_for(server).await;
    let _silent = silent_socket(server.port());

    // 1. Bulk.
    let silent: Vec<String> = (0..BULK_DOMAINS).map(zones::silent_domain).collect();
    let answering: Vec<String> = (0..BULK_DOMAINS).map(zones::domain).collect();
    let silent_file = domains_file(dir.path(), "silent.txt", &silent);
    let answering_file = domains_file(dir.path(), "answering.txt", &answering);
    bulk(&answering_file, server, false); // warms BIND and the page cache; not counted
    let (off, off_ready) = bulk(&silent_file, server, false);
    let (on, on_ready) = bulk(&silent_file, server, true);
    let (answering_on, answering_ready) = bulk(&answering_file, server, true);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "## Dead name servers\n\n`cargo bench --bench dead_servers` — DNS from {}; the dead \
         server is a socket on 127.0.0.9 that reads every query and answers none (a firewalled \
         or crashed server), named by the zone's NS record. Budget: `dns.authoritative_budget` \
         = 1 s (the default); query timeout 2 s × 2 attempts (the defaults).\n\n\
         **Bulk** (`sendercheck check --domains-file`, release binary, concurrency 64, \
         {BULK_DOMAINS} domains each):\n\n\
         | domains | authoritative view | time | ready | vs. view off |\n|---|---|---:|---:|---:|\n\
         | server dead | off (`--no-authoritative`) | {off:.2} s | {off_ready} | 1.00× |\n\
         | server dead | on | {on:.2} s | {on_ready} | {:.2}× (+{:.2} s) |\n\
         | server answers | on | {answering_on:.2} s | {answering_ready} | |\n\n\
         Goal: the dead server costs the run about one budget (1 s), not one per check — \
         before the budget and the health memory each check waited 2 rounds × 4.25 s for the \
         silent server, so {} checks 64 at a time took ≈ {:.0} s (computed, not measured). {}\n",
        if with_bind {
            "BIND 9 (`named -n 2`, recursion off)"
        } else {
            "the in-process hickory server"
        },
        on / off,
        on - off,
        BULK_DOMAINS,
        BULK_DOMAINS as f64 * 2.0 * 4.25 / 64.0,
        if on - off <= 2.0 { "Met." } else { "NOT met." }
    );
    println!("{body}");

    // 2. Replicas.
    let all_answering: Vec<String> = (0..FLEET).map(zones::domain).collect();
    let tenth_silent: Vec<String> = (0..FLEET)
        .map(|n| {
            if n % 10 == 0 {
                zones::silent_domain(n)
            } else {
                zones::domain(n)
            }
        })
        .collect();
    let (healthy, _) = fleet(dir.path(), server, &all_answering, run).await;
    let (with_dead, held) = fleet(dir.path(), server, &tenth_silent, run).await;
    let all_silent: Vec<String> = (0..FLEET).map(zones::silent_domain).collect();
    let (all_dead, _) = fleet(dir.path(), server, &all_silent, run).await;
    let needed = FLEET as f64 * 60.0 / INTERVAL_SECONDS as f64;
    let _ = writeln!(
        body,
        "**Replicas** (3 release `serve` processes, one PostgreSQL database, {FLEET} domains on \
         a {INTERVAL_SECONDS} s interval, authoritative view on, {} s measured after the first \
         interval):\n\n\
         | zones | checks a minute | / due ({needed:.0}) | vs. all answering |\n|---|---:|---:|---:|\n\
         | every server answers | {healthy:.0} | {:.2} | 1.00× |\n\
         | a tenth of the domains in the dead server's zone | {with_dead:.0} | {:.2} | {:.2}× |\n\
         | every domain in the dead server's zone | {all_dead:.0} | {:.2} | {:.2}× |\n\n\
         Servers held back at the end (summed over the replicas; each keeps its own memory): \
         {held:.0}. A checks-a-minute figure equal to the due rate means the replicas keep up \
         (they check each domain when it is due, no sooner). Goal: the same work done whether \
         or not some zones' servers answer — before the budget, the same fleet with every \
         zone's server dead did 1,053 checks a minute of 6,000 due (issue 24's measurement).\n\n{}",
        run.as_secs(),
        healthy / needed,
        with_dead / needed,
        with_dead / healthy.max(1.0),
        all_dead / needed,
        all_dead / healthy.max(1.0),
        report::machine()
    );
    print!("{body}");
    report::write_section("dead_servers", &body);
}
