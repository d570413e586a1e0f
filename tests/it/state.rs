//! Trustworthy state: concurrent checks of one domain write one transition per real change.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::Value;

use crate::fixture_dns::FixtureDns;
use crate::support::{AppOptions, TestApp, spawn_app, statuses};

const HOUR: Duration = Duration::from_secs(3600);

/// `count` concurrent `POST /v1/domains/DOMAIN/check`, each answer's status and body.
async fn check_at_once(app: &TestApp, domain: &str, count: usize) -> Vec<(u16, Value)> {
    let path = format!("/v1/domains/{domain}/check");
    join_all((0..count).map(|_| app.call(reqwest::Method::POST, &path, None))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_and_ticks_of_one_domain_write_one_transition_per_change() {
    let app = spawn_app(AppOptions::default()).await;
    app.register("chaos.example", None).await;
    assert_eq!(
        app.until_checked("chaos.example").await["status"],
        "pending"
    );

    FixtureDns::shared()
        .add_txt("chaos.example", "v=spf1 include:spf.mandrillapp.com -all")
        .await;
    // Twelve callers and three scheduler ticks at once, after DNS was fixed.
    app.clock.advance(HOUR);
    let posts = check_at_once(&app, "chaos.example", 12);
    let ticks = join_all((0..3).map(|_| app.scheduler.tick_and_wait()));
    let (answers, ticked) = tokio::join!(posts, ticks);
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["status"], "verified", "{body}");
    }
    for tick in ticked {
        tick.expect("a tick");
    }
    let (_, history) = app.get("/v1/domains/chaos.example/history").await;
    assert_eq!(
        statuses(&history),
        ["none->pending", "pending->verified"],
        "{history:#}"
    );

    // Broken: a second SPF record. Concurrent callers share a running check; whatever
    // overlaps, each real check counts once and the domain is demoted exactly once.
    FixtureDns::shared()
        .add_txt("chaos.example", "v=spf1 ip4:192.0.2.1 -all")
        .await;
    for _ in 0..4 {
        app.clock.advance(HOUR);
        let answers = check_at_once(&app, "chaos.example", 6).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{body}");
            assert_eq!(body["ready"], false, "{body}");
        }
    }
    let (_, body) = app.get("/v1/domains/chaos.example").await;
    assert_eq!(body["status"], "failing", "{body:#}");
    let (_, history) = app.get("/v1/domains/chaos.example/history").await;
    assert_eq!(
        statuses(&history),
        ["none->pending", "pending->verified", "verified->failing"],
        "{history:#}"
    );
    app.stop().await;
}

/// The number of checks the daemon has run, from its metrics.
async fn checks_run(app: &TestApp) -> u64 {
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("a body");
    text.lines()
        .filter(|line| line.starts_with("sendercheck_checks_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_overlap_share_one_running_check() {
    let dns = FixtureDns::start_own();
    // Every answer for the domain takes a while, so the callers surely overlap.
    dns.set_fault(
        "chaos.example",
        Some(crate::fixture_dns::Fault::Slow(Duration::from_millis(300))),
    );
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        dns_timeout: Some(Duration::from_secs(2)),
        ..AppOptions::default()
    })
    .await;
    app.register("chaos.example", None).await;
    app.until_checked("chaos.example").await;
    let before = checks_run(&app).await;
    let answers = check_at_once(&app, "chaos.example", 8).await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
    }
    assert_eq!(
        checks_run(&app).await - before,
        1,
        "one check ran for eight callers"
    );
    app.stop().await;
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (with the reason printed) where this machine cannot mount one.
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("a directory");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::piped())
            .output();
        match status {
            Ok(output) if output.status.success() => Some(SmallDisk { dir }),
            Ok(output) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here ({}); the disk-full test needs root",
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                None
            }
            Err(error) => {
                eprintln!("SKIPPED: no mount command ({error})");
                None
            }
        }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Fills the disk with one file; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("the filler");
        let block = vec![0u8; 16 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.write_all(&[0u8; 512]);
        let _ = file.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_work_again_as_soon_as_the_disk_has_room_and_readyz_tells_meanwhile() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let db_url = format!("sqlite://{}", disk.path().join("sendercheck.db").display());
    let app = spawn_app(AppOptions {
        db_url: Some(db_url),
        ..AppOptions::default()
    })
    .await;
    assert_eq!(app.register("good.example", Some("GOODKEY")).await.0, 201);
    app.until_checked("good.example").await;
    assert_eq!(app.get("/readyz").await.0, 200);

    let filler = disk.fill();
    // Not ready as soon as the disk is full, before any other write has failed: the readiness
    // probe itself needs room.
    let (ready, body) = app.get("/readyz").await;
    assert_eq!(ready, 503, "a full disk is not ready: {body}");
    assert_eq!(body["store"], "failing", "{body}");
    // Writes fail while the disk is full, with the cause named.
    let mut refused = 0;
    for n in 0..20 {
        let (status, body) = app.register(&format!("full{n}.example"), None).await;
        if status == 503 {
            refused += 1;
            assert_eq!(body["error"]["code"], "store_unavailable", "{body}");
        }
    }
    assert!(refused > 0, "a full disk refused no write");
    let (ready, body) = app.get("/readyz").await;
    assert_eq!(ready, 503, "a store that cannot write is not ready: {body}");

    // Room again: the next writes work, with no restart.
    std::fs::remove_file(filler).expect("the filler goes");
    // Ready again with no other write first.
    assert_eq!(app.get("/readyz").await.0, 200);
    let (status, body) = app.register("after.example", None).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.register("after2.example", None).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(app.get("/readyz").await.0, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_a_check_that_a_put_started() {
    let dns = FixtureDns::start_own();
    dns.set_fault(
        "good.example",
        Some(crate::fixture_dns::Fault::Slow(Duration::from_millis(200))),
    );
    let (db_url, _dir) = crate::support::temp_db();
    // One check slot: the second PUT's check waits for the first one's slot.
    let scheduler = sendercheck::config::SchedulerConfig {
        enabled: false,
        concurrency: 1,
        ..Default::default()
    };
    let options = AppOptions {
        db_url: Some(db_url),
        nameserver: Some(dns.addr),
        dns_timeout: Some(Duration::from_secs(2)),
        scheduler: Some(scheduler),
        ..AppOptions::default()
    };
    let app = spawn_app(options.clone()).await;
    assert_eq!(app.register("good.example", Some("GOODKEY")).await.0, 201);
    assert_eq!(app.register("split.example", None).await.0, 201);
    // Stop at once: one check waits on DNS, the other for a slot.
    app.stop().await;

    let app = spawn_app(options).await;
    for domain in ["good.example", "split.example"] {
        let (_, body) = app.get(&format!("/v1/domains/{domain}")).await;
        assert!(
            !body["checked_at"].is_null(),
            "the check was drained and stored before the store closed: {body:#}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_readers_never_see_the_database_as_down() {
    let ten = Duration::from_secs(10);
    let app = spawn_app(AppOptions {
        connections: Some((4096, ten, ten)),
        per_client: Some(10_000),
        ..AppOptions::default()
    })
    .await;
    app.register("good.example", Some("GOODKEY")).await;
    app.until_checked("good.example").await;
    // Status reads come from memory: a burst of them needs no database connection at all.
    let answers = join_all((0..1000).map(|n| {
        let path = if n % 2 == 0 {
            "/v1/domains?limit=10".to_string()
        } else {
            "/v1/domains/good.example".to_string()
        };
        let client = app.client.clone();
        let url = app.url(&path);
        async move {
            let response = client.get(url).send().await.expect("an answer");
            response.status().as_u16()
        }
    }))
    .await;
    let failed = answers.iter().filter(|status| **status != 200).count();
    assert_eq!(failed, 0, "{failed} of 1000 reads failed");
    app.stop().await;
}
