//! Three replicas on one PostgreSQL database, checking N domains (default 100,000) on a
//! 1-minute interval against BIND (the in-process server when BIND is not installed): checks
//! per second, how far actual check times fall from planned ones, duplicate checks, and the
//! claim query's cost as the table grows.
//!
//! cargo bench --bench replicas   (BENCH_DOMAINS=N, BENCH_RUN_SECONDS=S default 180,
//! BENCH_REPLICAS=R default 3). Needs Debian's postgresql (and bind9 for BIND).
//!
//! Instrumentation, in the bench's database only: a trigger notes, when a replica claims a
//! row, the time it was planned for, and logs every stored check (domain, planned, actual,
//! replica) into `bench_checks`. The daemons are the release binary, unchanged.

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
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

const INTERVAL_SECONDS: i64 = 60;
const CLAIM_SIZES: [i64; 3] = [10_000, 100_000, 1_000_000];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

async fn connect(url: &str) -> PgConnection {
    PgConnection::connect(url)
        .await
        .expect("the bench database")
}

async fn execute(connection: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(connection)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// Migrates a new database through the store, then fills it with `count` mandrill
/// registrations of the generated zone, due spread evenly over the next interval (SQL, for
/// speed: this is set-up, not what is measured).
async fn fill(url: &str, count: usize, start_ms: i64) {
    sendercheck::store::open(url, &Default::default())
        .await
        .expect("the store migrates the database")
        .close()
        .await;
    let mut connection = connect(url).await;
    execute(
        &mut connection,
        &format!(
            "INSERT INTO domains (domain, profile, token, active, generation, created_at, \
             updated_at, status, status_since, consecutive_failures, checked_at, next_check_at, \
             ready, records, records_version, params, paused) \
             SELECT 'd' || lpad(n::TEXT, 6, '0') || '.bench', 'mandrill', NULL, TRUE, 1, \
             {start_ms}, {start_ms}, 'pending', {start_ms}, 0, NULL, \
             {start_ms} + (n::BIGINT * {interval_ms}) / {count}, FALSE, '[]', 1, '{{}}', FALSE \
             FROM generate_series(0, {last}) AS n; ANALYZE domains;",
            interval_ms = INTERVAL_SECONDS * 1000,
            last = count - 1,
        ),
    )
    .await;
}

/// The claim and save log (see the module's comment).
async fn instrument(url: &str) {
    let mut connection = connect(url).await;
    execute(
        &mut connection,
        "ALTER TABLE domains ADD COLUMN bench_planned BIGINT;
         CREATE UNLOGGED TABLE bench_checks (domain TEXT, planned BIGINT, actual BIGINT, replica TEXT);
         CREATE FUNCTION bench_log() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.lease_owner IS NOT NULL AND NEW.lease_until IS DISTINCT FROM OLD.lease_until THEN
             NEW.bench_planned := OLD.next_check_at;
           END IF;
           IF NEW.checked_at IS DISTINCT FROM OLD.checked_at THEN
             INSERT INTO bench_checks VALUES (NEW.domain, OLD.bench_planned, NEW.checked_at, OLD.lease_owner);
           END IF;
           RETURN NEW;
         END $$;
         CREATE TRIGGER bench_log BEFORE UPDATE ON domains FOR EACH ROW EXECUTE FUNCTION bench_log();",
    )
    .await;
}

async fn count(connection: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(connection)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .unwrap_or(0)
}

/// The claim query as the store runs it, timed in transactions rolled back: median over 30
/// runs, microseconds, with the plan's top node names.
async fn claim_cost(url: &str, size: i64) -> (f64, String) {
    let now_ms = chrono::Utc::now().timestamp_millis();
    {
        let mut connection = connect(url).await;
        // A table of `size` rows whose due times spread over an hour around now: 1/120 of it
        // is due, as on a 1-hour interval with the scheduler keeping up.
        execute(
            &mut connection,
            &format!(
                "TRUNCATE domains; INSERT INTO domains (domain, profile, active, generation, \
                 created_at, updated_at, status, status_since, consecutive_failures, \
                 next_check_at, ready, records) \
                 SELECT 'c' || n || '.bench', 'mandrill', TRUE, 1, 0, 0, 'verified', 0, 0, \
                 {now_ms} - 30000 + (n::BIGINT * 3600000) / {size}, TRUE, '[]' \
                 FROM generate_series(0, {last}) AS n; ANALYZE domains;",
                last = size - 1
            ),
        )
        .await;
    }
    let claim = format!(
        "UPDATE domains SET next_check_at = {lease}, lease_owner = 'bench', lease_until = {lease} \
         WHERE domain IN (SELECT domain FROM domains WHERE active AND NOT paused \
         AND next_check_at <= {now_ms} AND (lease_until IS NULL OR lease_until <= {now_ms}) \
         ORDER BY next_check_at LIMIT 64 FOR UPDATE SKIP LOCKED) RETURNING domain",
        lease = now_ms + 120_000
    );
    let mut connection = connect(url).await;
    let mut times = Vec::new();
    // The first 10 warm the caches and are not counted.
    for run in 0..110 {
        let mut tx = connection.begin().await.unwrap();
        let started = Instant::now();
        let rows = sqlx::query(sqlx::AssertSqlSafe(claim.clone()))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        if run >= 10 {
            times.push(started.elapsed().as_secs_f64() * 1e6);
        }
        assert_eq!(rows.len(), 64);
        tx.rollback().await.unwrap();
    }
    times.sort_by(f64::total_cmp);
    let plan: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("EXPLAIN {claim}")))
        .fetch_all(&mut connection)
        .await
        .unwrap();
    let uses_index = plan
        .iter()
        .any(|line| line.contains("Index Scan using domains_due"));
    // The outer UPDATE finds the claimed rows by primary key, or (on a small table, the
    // planner's choice) by hashing the table.
    let outer = if plan.iter().any(|line| line.contains("Seq Scan on domains")) {
        "outer join: seq scan"
    } else {
        "outer join: primary key"
    };
    (
        times[times.len() / 2],
        format!(
            "due rows: {}; {outer}",
            if uses_index {
                "Index Scan using domains_due"
            } else {
                "NO INDEX"
            }
        ),
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let domains = env_usize("BENCH_DOMAINS", 100_000);
    let run = Duration::from_secs(env_usize("BENCH_RUN_SECONDS", 180) as u64);
    let replicas = env_usize("BENCH_REPLICAS", 3);
    let dir = tempfile::tempdir().expect("a temporary directory");
    zones::write(dir.path(), domains);
    let with_bind = bind::installed("named");
    let port = bind::free_port();
    let (_dns, server) = bind::DnsServer::start(dir.path(), port, with_bind);
    bind::wait_for(server).await;
    let pg = postgres::Postgres::shared();
    let mut claims = String::new();
    // Measured first, on a quiet server: after the replicas' run, autovacuum of their table
    // would be measured too.
    let claim_url = pg.database().await;
    sendercheck::store::open(&claim_url, &Default::default())
        .await
        .expect("the claim database migrates")
        .close()
        .await;
    for size in CLAIM_SIZES {
        let (micros, plan) = claim_cost(&claim_url, size).await;
        let _ = writeln!(claims, "| {size} | {micros:.0} µs | {plan} |");
    }

    let url = pg.database().await;
    let start_ms = chrono::Utc::now().timestamp_millis() + 5_000;
    fill(&url, domains, start_ms).await;
    instrument(&url).await;

    let config = dir.path().join("replica.toml");
    std::fs::write(
        &config,
        format!(
            "[schedule]\ntick = \"200ms\"\nconcurrency = 128\njitter = 0.0\n\
             pending_interval = \"{INTERVAL_SECONDS}s\"\npending_slow_interval = \"{INTERVAL_SECONDS}s\"\n\
             verified_interval = \"{INTERVAL_SECONDS}s\"\nfailing_interval = \"{INTERVAL_SECONDS}s\"\n\
             [dns]\nauthoritative = false\ntimeout = \"1s\"\n"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let mut daemons = Vec::new();
    for n in 0..replicas {
        let daemon = daemon::Daemon::start_with(
            &["--config", config.to_str().expect("a UTF-8 path")],
            &[
                ("SENDERCHECK_STORE_URL", url.clone()),
                ("SENDERCHECK_DNS_NAMESERVERS", server.to_string()),
                ("SENDERCHECK_REPLICA_ID", format!("replica-{n}")),
            ],
        );
        daemons.push(daemon);
    }
    let mut connection = connect(&url).await;
    let mut samples = String::new();
    while started.elapsed() < run {
        tokio::time::sleep(Duration::from_secs(15)).await;
        let checks = count(&mut connection, "SELECT COUNT(*) FROM bench_checks").await;
        let _ = write!(
            samples,
            "{:.0}s: {checks}; ",
            started.elapsed().as_secs_f64()
        );
        eprintln!(
            "{:.0}s: {checks} checks stored",
            started.elapsed().as_secs_f64()
        );
    }
    let memory: Vec<(f64, f64)> = daemons.iter().map(daemon::Daemon::memory_mib).collect();
    // Stopped (SIGTERM, and waited for) as they drop.
    drop(daemons);

    // The first interval is the start (every replica's first claims, caches cold): measured
    // are the checks planned from then to the end.
    let from = start_ms + INTERVAL_SECONDS * 1000;
    let steady: Vec<(i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT planned, actual, replica FROM bench_checks WHERE planned >= {from} ORDER BY actual"
    )))
    .fetch_all(&mut connection)
    .await
    .unwrap();
    let total = count(&mut connection, "SELECT COUNT(*) FROM bench_checks").await;
    let duplicates = count(
        &mut connection,
        &format!(
            "SELECT COUNT(*) FROM (SELECT actual - LAG(actual) OVER (PARTITION BY domain ORDER BY actual) \
             AS gap FROM bench_checks) AS g WHERE gap < {}",
            INTERVAL_SECONDS * 1000 / 2
        ),
    )
    .await;
    let never = count(
        &mut connection,
        "SELECT COUNT(*) FROM domains WHERE checked_at IS NULL",
    )
    .await;
    let mut lateness: Vec<f64> = steady
        .iter()
        .map(|(planned, actual, _)| (actual - planned) as f64 / 1000.0)
        .collect();
    lateness.sort_by(f64::total_cmp);
    let window = if let (Some(first), Some(last)) = (steady.first(), steady.last()) {
        (last.1 - first.1) as f64 / 1000.0
    } else {
        0.0
    };
    let rate = if window > 0.0 {
        steady.len() as f64 / window
    } else {
        0.0
    };
    let tolerance = INTERVAL_SECONDS as f64 * 0.1;
    let within = lateness
        .iter()
        .filter(|late| late.abs() <= tolerance)
        .count() as f64
        / lateness.len().max(1) as f64;
    let mut shares: Vec<String> = (0..replicas)
        .map(|n| {
            let id = format!("replica-{n}");
            let mine = steady.iter().filter(|(_, _, owner)| *owner == id).count();
            format!("{id} {mine}")
        })
        .collect();
    shares.sort();

    let needed = domains as f64 / INTERVAL_SECONDS as f64;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "## Replicas on one PostgreSQL database\n\n`cargo bench --bench replicas` — {replicas} \
         release `sendercheck serve` processes on one PostgreSQL {} database (Debian's, started \
         by the bench; fsync off), {domains} mandrill-shaped domains on a {INTERVAL_SECONDS} s \
         interval (jitter 0, concurrency 128 each, resolver only), DNS from {}, for {} s. \
         Every check stored is logged by a trigger with the time it was planned for.\n",
        pg_version(&mut connection).await,
        if with_bind {
            "BIND 9 (`named -n 2`)"
        } else {
            "the in-process hickory server"
        },
        run.as_secs(),
    );
    let _ = writeln!(
        body,
        "| measure | value | goal |\n|---|---:|---|\n\
         | checks/s, steady state (planned after the first interval) | {rate:.0} | {needed:.0} (the interval's need) — {} |\n\
         | checks stored in all | {total} | |\n\
         | domains never checked | {never} | 0 |\n\
         | actual − planned, p50 / p99 / max | {:.2} s / {:.2} s / {:.2} s | |\n\
         | checks within ±10% of the interval (±{tolerance:.0} s) of their plan | {:.1}% | 100% — {} |\n\
         | duplicate checks (a domain stored twice within half an interval) | {duplicates} | 0 — {} |\n\
         | share per replica (steady state) | {} | even |\n\
         | replica memory, RSS / peak | {} | |\n",
        if rate >= needed {
            "met".to_string()
        } else {
            format!("NOT met: {:.1}% of it", rate / needed * 100.0)
        },
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or(0.0),
        within * 100.0,
        if within >= 0.999 { "met" } else { "NOT met" },
        if duplicates == 0 { "met" } else { "NOT met" },
        shares.join(", "),
        memory
            .iter()
            .map(|(rss, peak)| format!("{rss:.0}/{peak:.0} MiB"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let _ = writeln!(
        body,
        "Samples (checks stored by then): {samples}\n\n\
         The claim query (64 rows, `FOR UPDATE SKIP LOCKED`, as the store runs it), median of \
         100 runs (after 10 not counted) in transactions rolled back, on tables of growing size with 1/120 of the rows \
         due (goal: flat, through the partial index `domains_due`):\n\n\
         | rows | claim | plan |\n|---:|---:|---|\n{claims}\n{}",
        report::machine()
    );
    print!("{body}");
    report::write_section("replicas", &body);
}

async fn pg_version(connection: &mut PgConnection) -> String {
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(connection)
        .await
        .unwrap();
    version
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}
