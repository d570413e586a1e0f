//! DNS that misbehaves: timeouts, SERVFAIL, REFUSED, NXDOMAIN, truncation, slowness. A false
//! "failing" wakes people up and a false "verified" loses mail, so no fault may read as a
//! verdict it is not.

use std::time::Duration;

use sendercheck::checks::{Plan, RecordStatus};
use sendercheck::dns::{Resolver, ResolverSettings};
use sendercheck::domain::DomainName;
use sendercheck::probe;
use sendercheck::profile::Profiles;

use crate::fixture_dns::{Fault, FixtureDns};
use crate::support::{AppOptions, spawn_app};

const HOUR: Duration = Duration::from_secs(3600);

fn resolver(server: &FixtureDns) -> Resolver {
    Resolver::new(&ResolverSettings {
        nameservers: vec![server.addr],
        timeout: Duration::from_millis(300),
        attempts: 2,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .unwrap()
}

async fn check(resolver: &Resolver, domain: &str) -> sendercheck::checks::DomainReport {
    let domain = DomainName::parse(domain).unwrap();
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    probe::check(resolver, &Plan::new(&domain, &profile, Some("GOODKEY")))
        .await
        .report
}

#[tokio::test]
async fn no_failure_ever_reads_as_missing() {
    let server = FixtureDns::start_own();
    let resolver = resolver(&server);
    for (fault, reason) in [
        (Fault::Timeout, "timed out"),
        (Fault::ServFail, "SERVFAIL"),
        (Fault::Refused, "REFUSED"),
    ] {
        server.set_fault("good.example", Some(fault));
        let report = check(&resolver, "good.example").await;
        for record in &report.records {
            assert_eq!(record.status, RecordStatus::Error, "{fault:?}: {record:#?}");
            assert!(
                record.message.en().contains(reason),
                "{fault:?}: {}",
                record.message.en()
            );
            assert_eq!(record.fix, None);
        }
        assert_eq!(report.outcome().exit_code(), 3);
    }
    server.set_fault("good.example", None);
    assert!(check(&resolver, "good.example").await.ready);
}

#[tokio::test]
async fn truncated_udp_answers_are_retried_over_tcp_and_slow_ones_awaited() {
    let server = FixtureDns::start_own();
    let resolver = resolver(&server);
    server.set_fault("good.example", Some(Fault::TruncateUdp));
    let report = check(&resolver, "good.example").await;
    assert!(report.ready, "TCP fallback answers: {report:#?}");
    server.set_fault(
        "good.example",
        Some(Fault::Slow(Duration::from_millis(150))),
    );
    assert!(check(&resolver, "good.example").await.ready);
}

#[tokio::test]
async fn a_verified_domain_stays_verified_through_100_inconclusive_checks() {
    let server = FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(server.addr),
        ..Default::default()
    })
    .await;
    app.register("good.example", Some("GOODKEY")).await;
    assert_eq!(
        app.until_checked("good.example").await["status"],
        "verified"
    );
    let faults = [Fault::ServFail, Fault::Refused, Fault::Timeout];
    for round in 0..100 {
        // Mostly instant failures; every tenth check waits out a timeout.
        let fault = if round % 10 == 9 {
            faults[2]
        } else {
            faults[round % 2]
        };
        server.set_fault("good.example", Some(fault));
        assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
    }
    let (_, body) = app.get("/v1/domains/good.example").await;
    assert_eq!(body["status"], "verified", "{body:#}");
    let (_, history) = app.get("/v1/domains/good.example/history").await;
    assert_eq!(
        history["transitions"].as_array().unwrap().len(),
        2,
        "{history:#}"
    );

    // NXDOMAIN is an answer: fail_after of them in a row do demote it.
    server.set_fault("good.example", Some(Fault::NxDomain));
    for _ in 0..3 {
        assert_eq!(app.advance_and_tick(2 * HOUR).await, 1);
    }
    let (_, body) = app.get("/v1/domains/good.example").await;
    assert_eq!(body["status"], "failing", "{body:#}");
    assert_eq!(body["records"][0]["status"], "missing");
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_check_ends_at_its_deadline_while_others_are_served() {
    let server = FixtureDns::start_own();
    let scheduler = sendercheck::config::SchedulerConfig {
        enabled: false,
        concurrency: 4,
        check_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let app = spawn_app(AppOptions {
        nameserver: Some(server.addr),
        scheduler: Some(scheduler),
        // Far longer than the check deadline: only the deadline can end these checks.
        dns_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    })
    .await;
    server.set_fault("broken-spf.example", Some(Fault::Timeout));
    server.set_fault("split.example", Some(Fault::Timeout));
    for domain in ["broken-spf.example", "split.example", "good.example"] {
        app.register(domain, Some("GOODKEY")).await;
    }
    // The first checks started at registration; wait for them through the API. The healthy
    // domain is answered while the others still hang (they end only at their deadline).
    let good = app.until_checked("good.example").await;
    assert_eq!(good["status"], "verified");
    for domain in ["broken-spf.example", "split.example"] {
        let (_, body) = app.get(&format!("/v1/domains/{domain}")).await;
        assert!(
            body["checked_at"].is_null(),
            "served while others hang: {body:#}"
        );
    }
    for domain in ["broken-spf.example", "split.example"] {
        let body = app.until_checked(domain).await;
        for record in body["records"].as_array().unwrap() {
            assert_eq!(record["status"], "error", "{record:#}");
        }
        assert_eq!(body["status"], "pending");
    }

    app.stop().await;
}

#[tokio::test]
async fn answers_in_odd_case_are_judged_like_any_other() {
    let server = FixtureDns::start_own();
    let report = check(&resolver(&server), "OddCase.Example").await;
    assert_eq!(report.domain, "oddcase.example");
    for record in &report.records {
        if record.kind != sendercheck::checks::RecordKind::Verification {
            assert_eq!(record.status, RecordStatus::Pass, "{record:#?}");
        }
    }
}
