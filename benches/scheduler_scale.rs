//! Scheduler at scale: the time to take the due set of one tick (1000 due) as the registration
//! count grows to 100k, and the real daemon's memory with 100k registrations while it checks
//! and streams a full CSV export. Writes its table to BENCHMARKS.md.
//!
//! cargo bench --bench scheduler_scale

#[path = "support/daemon.rs"]
mod daemon;
#[path = "../tests/support/fixture_dns.rs"]
mod fixture_dns;
#[path = "support/report.rs"]
mod report;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use sendercheck::store::{Registration, SqliteStore, Store};

const DUE: u32 = 1000;
const SIZES: [usize; 3] = [10_000, 50_000, 100_000];
const ROUNDS: usize = 5;

fn registrations(prefix: &str, range: std::ops::Range<usize>) -> Vec<Registration> {
    range
        .map(|n| Registration {
            domain: format!("{prefix}{n:06}.example"),
            profile: "mandrill".into(),
            token: Some(format!("token{n}")),
            params: Default::default(),
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("scale.db").display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    runtime.block_on(async {
        let store = SqliteStore::connect(&url).await.unwrap();
        let later = Utc::now() + chrono::Duration::days(1);
        let mut registered = 0;
        let mut due_batch = 0;
        for size in SIZES {
            // Grow to `size` registrations that are not due.
            for start in (registered..size).step_by(10_000) {
                let end = (start + 10_000).min(size);
                store
                    .register_all(&registrations("idle", start..end), Utc::now(), later)
                    .await
                    .unwrap();
            }
            registered = size;
            let mut claim_ms = Vec::new();
            for _ in 0..ROUNDS {
                // 1000 fresh registrations become due; one tick claims them.
                let batch = registrations(&format!("due{due_batch:03}x"), 0..DUE as usize);
                due_batch += 1;
                let past = Utc::now() - chrono::Duration::seconds(1);
                store.register_all(&batch, past, past).await.unwrap();
                let now = Utc::now();
                let started = Instant::now();
                let claimed = store
                    .claim_due(now, now + chrono::Duration::minutes(2), DUE)
                    .await
                    .unwrap();
                claim_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(claimed.len(), DUE as usize);
            }
            rows.push((size, median(claim_ms)));
        }
        // Leave 1000 due for the daemon to check.
        let past = Utc::now() - chrono::Duration::seconds(1);
        store
            .register_all(&registrations("live", 0..DUE as usize), past, past)
            .await
            .unwrap();
        store.close().await;
    });
    let total = SIZES[SIZES.len() - 1] + (SIZES.len() * ROUNDS + 1) * DUE as usize;

    // The real daemon on that database; DNS answers NXDOMAIN fast from the fixture server.
    let dns = fixture_dns::FixtureDns::start(
        &fixture_dns::zone_dir(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .unwrap();
    let daemon = daemon::Daemon::start(&[
        ("SENDERCHECK_STORE_URL", url.clone()),
        ("SENDERCHECK_DNS_NAMESERVERS", dns.addr.to_string()),
        (
            "SENDERCHECK_DNS_AUTHORITATIVE_PORT",
            dns.addr.port().to_string(),
        ),
    ]);
    let (idle_rss, _) = daemon.memory_mib();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let started = Instant::now();
    let checked = loop {
        let metrics = client
            .get(format!("{}/metrics", daemon.base))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let checks: f64 = metrics
            .lines()
            .filter(|line| line.starts_with("sendercheck_checks_total{"))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        if checks >= f64::from(DUE) || started.elapsed() > Duration::from_secs(120) {
            break checks;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let check_seconds = started.elapsed().as_secs_f64();
    let (after_checks_rss, _) = daemon.memory_mib();
    let export_started = Instant::now();
    let export = client
        .get(format!("{}/v1/domains?format=csv", daemon.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let export_seconds = export_started.elapsed().as_secs_f64();
    let exported = export.lines().count() - 1;
    let (rss, peak) = daemon.memory_mib();
    drop(daemon);

    let growth = rows[rows.len() - 1].1 / rows[0].1;
    let flat = if growth < 2.0 { "met" } else { "NOT met" };
    let memory = if peak <= 150.0 { "met" } else { "NOT met" };
    let mut table =
        String::from("| registrations | take 1000 due (median of 5 ticks) |\n|---:|---:|\n");
    for (size, ms) in &rows {
        table.push_str(&format!("| {size} | {ms:.1} ms |\n"));
    }
    let body = format!(
        "## Scheduler at scale\n\n\
         `cargo bench --bench scheduler_scale` — SQLite (WAL, synchronous=FULL) in a temporary \
         directory. Each tick takes 1000 due registrations with `claim_due` (an UPDATE … \
         RETURNING over the partial index `domains_due`) while the table grows.\n\n\
         {table}\n\
         Tick cost at 100k / at 10k: {growth:.2} (target: does not grow with the total: {flat}).\n\n\
         The release daemon (`sendercheck serve`) on the same database, {total} registrations, \
         1000 of them due, DNS from the fixture server on 127.0.0.1:\n\n\
         | measure | value |\n|---|---:|\n\
         | RSS after start-up | {idle_rss:.1} MiB |\n\
         | checks stored | {checked:.0} in {check_seconds:.1} s |\n\
         | RSS after the checks | {after_checks_rss:.1} MiB |\n\
         | CSV export of every domain | {exported} rows in {export_seconds:.1} s |\n\
         | RSS after the export | {rss:.1} MiB |\n\
         | peak RSS (VmHWM) over the run | {peak:.1} MiB (target ≤ 150 MiB: {memory}) |\n\n\
         Machine: {}.\n",
        report::machine()
    );
    report::write_section("scheduler_scale", &body);
}
