//! Several daemons on one PostgreSQL database (`postgres.rs` starts the server): the same API
//! on every replica, every due domain checked by exactly one of them, and a replica's work
//! taken over when it is killed or stops.

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::postgres::Postgres;
use crate::support::{AppOptions, TestApp, spawn_app, start_daemon_process_with_env};

async fn replica(db_url: &str, id: &str, options: AppOptions) -> TestApp {
    spawn_app(AppOptions {
        db_url: Some(db_url.to_string()),
        replica_id: Some(id.to_string()),
        ..options
    })
    .await
}

/// One number from a database, by query.
async fn scalar(db_url: &str, query: &str) -> i64 {
    let mut connection = sqlx::PgConnection::connect(db_url).await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(query.to_string()))
        .fetch_one(&mut connection)
        .await
        .unwrap()
}

/// Polls `query` until it gives `expected`, for at most `limit`.
async fn wait_for(db_url: &str, query: &str, expected: i64, limit: Duration) -> i64 {
    let started = Instant::now();
    loop {
        let value = scalar(db_url, query).await;
        if value == expected || started.elapsed() > limit {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sum of a counter's series in a Prometheus text exposition.
fn counter_sum(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_registration_through_one_replica_is_seen_by_every_other_at_once() {
    let db_url = Postgres::shared().database().await;
    let a = replica(&db_url, "replica-a", AppOptions::default()).await;
    let b = replica(&db_url, "replica-b", AppOptions::default()).await;
    let (status, created) = a.register("broken-spf.example", Some("K1")).await;
    assert_eq!(status, 201, "{created}");
    let (status, seen) = b.get("/v1/domains/broken-spf.example").await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["profile"], "mandrill");
    assert_eq!(seen["status"], "pending");
    // A check through b is stored for a to read; a list through a shows it.
    let (status, checked) = b
        .call(
            reqwest::Method::POST,
            "/v1/domains/broken-spf.example/check",
            None,
        )
        .await;
    assert_eq!(status, 200, "{checked}");
    let (_, read) = a.get("/v1/domains/broken-spf.example").await;
    assert_eq!(read["checked_at"], checked["checked_at"]);
    assert_eq!(read["records"], checked["records"]);
    let (_, list) = a.get("/v1/domains").await;
    assert_eq!(list["domains"][0]["domain"], "broken-spf.example");
    // Deleted through a: gone on b, its history readable on both.
    let (status, _) = a
        .call(
            reqwest::Method::DELETE,
            "/v1/domains/broken-spf.example",
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(b.get("/v1/domains/broken-spf.example").await.0, 404);
    let (_, history) = b.get("/v1/domains/broken-spf.example/history").await;
    assert_eq!(
        crate::support::statuses(&history).last().unwrap(),
        "pending->unregistered"
    );
    // Each replica says which it is and what it stores in.
    for (app, id) in [(&a, "replica-a"), (&b, "replica-b")] {
        let (status, ready) = app.get("/readyz").await;
        assert_eq!(status, 200, "{ready}");
        assert_eq!(ready["store_backend"], "postgres");
        assert_eq!(ready["replica"], id);
        let metrics = app.text("/metrics").await;
        assert!(
            metrics.contains(&format!(
                "sendercheck_replica_info{{replica=\"{id}\",backend=\"postgres\"}} 1"
            )),
            "{metrics}"
        );
        assert!(metrics.contains("sendercheck_store_connections_max 10"));
        assert!(metrics.contains("sendercheck_store_connections{state=\"idle\"}"));
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn three_replicas_check_5000_domains_each_exactly_once() {
    const DOMAINS: usize = 5_000;
    let db_url = Postgres::shared().database().await;
    let start = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0).unwrap();
    // One hand clock for all three: time does not move, so one interval never ends and any
    // second check of a domain would be a double.
    let clock = std::sync::Arc::new(sendercheck::clock::ManualClock::new(start));
    let scheduler = sendercheck::config::SchedulerConfig {
        enabled: true,
        tick: Duration::from_millis(100),
        concurrency: 64,
        ..Default::default()
    };
    let mut replicas = Vec::new();
    for n in 0..3 {
        replicas.push(
            replica(
                &db_url,
                &format!("replica-{n}"),
                AppOptions {
                    clock: Some(clock.clone()),
                    scheduler: Some(scheduler.clone()),
                    ..AppOptions::default()
                },
            )
            .await,
        );
    }
    let registrations: Vec<sendercheck::store::Registration> = (0..DOMAINS)
        .map(|n| sendercheck::store::Registration {
            domain: format!("n{n:05}.example"),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
        })
        .collect();
    replicas[0]
        .store
        .register_all(&registrations, start, start)
        .await
        .unwrap();
    let checked = wait_for(
        &db_url,
        "SELECT COUNT(*) FROM domains WHERE checked_at IS NOT NULL",
        DOMAINS as i64,
        Duration::from_secs(240),
    )
    .await;
    assert_eq!(checked, DOMAINS as i64, "every domain checked");
    // Give any stray second check time to show.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut total = 0.0;
    let mut dropped = 0.0;
    let mut shares = Vec::new();
    for app in &replicas {
        let metrics = app.text("/metrics").await;
        let stored = counter_sum(&metrics, "sendercheck_checks_total");
        shares.push(stored);
        total += stored;
        dropped += counter_sum(&metrics, "sendercheck_checks_dropped_total");
    }
    assert_eq!(
        total, DOMAINS as f64,
        "checks stored, all replicas: {shares:?}"
    );
    assert_eq!(dropped, 0.0, "no check ran twice and lost the race");
    assert!(
        shares.iter().all(|share| *share > 0.0),
        "every replica took part: {shares:?}"
    );
    assert_eq!(
        scalar(
            &db_url,
            "SELECT COUNT(*) FROM domains WHERE lease_owner IS NOT NULL"
        )
        .await,
        0,
        "every lease let go with its result"
    );
    for app in replicas {
        app.stop().await;
    }
}

/// A config for a replica whose checks hang: DNS that never answers, checks cut at 6 s, a
/// lease of 11 s.
fn slow_replica_config(dir: &std::path::Path, id: &str, grace: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{id}.toml"));
    std::fs::write(
        &path,
        format!(
            "[store]\nreplica_id = \"{id}\"\n\
             [server]\nshutdown_grace = \"{grace}\"\n\
             [schedule]\ntick = \"200ms\"\nconcurrency = 100\ncheck_timeout = \"6s\"\n\
             lease = \"11s\"\n\
             [dns]\ntimeout = \"5s\"\nattempts = 1\nauthoritative = false\n"
        ),
    )
    .unwrap();
    path
}

/// Registers `count` domains due now, through a store of the test's own.
async fn register_due(db_url: &str, count: usize) {
    let store = sendercheck::store::open(db_url, &Default::default())
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let registrations: Vec<sendercheck::store::Registration> = (0..count)
        .map(|n| sendercheck::store::Registration {
            domain: format!("k{n:03}.example"),
            profile: "mandrill".into(),
            token: None,
            params: Default::default(),
        })
        .collect();
    store.register_all(&registrations, now, now).await.unwrap();
    store.close().await;
}

/// A UDP socket that takes queries and never answers.
fn blackhole() -> (std::net::UdpSocket, String) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = socket.local_addr().unwrap().to_string();
    (socket, address)
}

#[tokio::test]
async fn a_killed_replicas_domains_are_taken_over_when_its_lease_runs_out() {
    const DOMAINS: i64 = 60;
    let db_url = Postgres::shared().database().await;
    register_due(&db_url, DOMAINS as usize).await;
    let dir = tempfile::tempdir().unwrap();
    let (_hole, hole) = blackhole();
    let victim_config = slow_replica_config(dir.path(), "victim", "10s");
    let (mut victim, _, _victim_logs) = start_daemon_process_with_env(
        &db_url,
        &["--config", victim_config.to_str().unwrap()],
        &[("SENDERCHECK_DNS_NAMESERVERS", &hole)],
    );
    let held = wait_for(
        &db_url,
        "SELECT COUNT(*) FROM domains WHERE lease_owner = 'victim'",
        DOMAINS,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(held, DOMAINS, "the victim claimed every domain");
    // Killed mid-lease, its checks still waiting for DNS.
    victim.kill().unwrap();
    victim.wait().unwrap();
    let lease_end = scalar(
        &db_url,
        "SELECT MIN(lease_until) FROM domains WHERE lease_owner = 'victim'",
    )
    .await;
    let survivor_config = dir.path().join("survivor.toml");
    std::fs::write(
        &survivor_config,
        "[store]\nreplica_id = \"survivor\"\n[schedule]\ntick = \"200ms\"\nconcurrency = 100\n",
    )
    .unwrap();
    let (mut survivor, _, _survivor_logs) = start_daemon_process_with_env(
        &db_url,
        &["--config", survivor_config.to_str().unwrap()],
        &[],
    );
    let checked = wait_for(
        &db_url,
        "SELECT COUNT(*) FROM domains WHERE checked_at IS NOT NULL",
        DOMAINS,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(checked, DOMAINS, "no domain lost with the victim");
    let first_check = scalar(&db_url, "SELECT MIN(checked_at) FROM domains").await;
    assert!(
        first_check >= lease_end,
        "nothing checked while the victim's lease ran: first check {first_check}, lease end {lease_end}"
    );
    assert_eq!(
        scalar(
            &db_url,
            "SELECT COUNT(*) FROM domains WHERE lease_owner IS NOT NULL"
        )
        .await,
        0
    );
    survivor.kill().unwrap();
    survivor.wait().unwrap();
}

#[tokio::test]
async fn a_replica_that_stops_hands_its_domains_back_at_once() {
    const DOMAINS: i64 = 40;
    let db_url = Postgres::shared().database().await;
    register_due(&db_url, DOMAINS as usize).await;
    let dir = tempfile::tempdir().unwrap();
    let (_hole, hole) = blackhole();
    // A grace shorter than its checks: they are cut, and their leases released.
    let leaving_config = slow_replica_config(dir.path(), "leaving", "1s");
    let (mut leaving, _, logs) = start_daemon_process_with_env(
        &db_url,
        &["--config", leaving_config.to_str().unwrap()],
        &[("SENDERCHECK_DNS_NAMESERVERS", &hole)],
    );
    let held = wait_for(
        &db_url,
        "SELECT COUNT(*) FROM domains WHERE lease_owner = 'leaving'",
        DOMAINS,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(held, DOMAINS);
    let lease_end = scalar(
        &db_url,
        "SELECT MIN(lease_until) FROM domains WHERE lease_owner = 'leaving'",
    )
    .await;
    crate::support::signal(&leaving, "-TERM");
    assert_eq!(leaving.wait().unwrap().code(), Some(0));
    let lines: Vec<String> = logs.try_iter().collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("leases released") && line.contains("released=40")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|line| line.contains("replica{id=leaving}") || !line.contains("sendercheck")),
        "every log line names the replica: {lines:#?}"
    );
    assert_eq!(
        scalar(
            &db_url,
            "SELECT COUNT(*) FROM domains WHERE lease_owner IS NOT NULL"
        )
        .await,
        0
    );
    let (mut staying, _, _) = start_daemon_process_with_env(&db_url, &[], &[]);
    let checked = wait_for(
        &db_url,
        "SELECT COUNT(*) FROM domains WHERE checked_at IS NOT NULL",
        DOMAINS,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(checked, DOMAINS);
    let last_check = scalar(&db_url, "SELECT MAX(checked_at) FROM domains").await;
    assert!(
        last_check < lease_end,
        "taken over before the released leases would have run out"
    );
    staying.kill().unwrap();
    staying.wait().unwrap();
}
