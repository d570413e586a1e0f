//! The check core over real DNS: failures that are not answers, and DNS that changes.

use std::time::Duration;

use sendercheck::checks::{Plan, RecordKind, RecordStatus};
use sendercheck::dns::{Resolver, ResolverSettings};
use sendercheck::domain::DomainName;
use sendercheck::probe;
use sendercheck::profile::Profiles;

use crate::fixture_dns::{FixtureDns, SilentDns};
use crate::support::{exit_code, fixture_resolver, json, run};

fn status_of(report: &sendercheck::checks::DomainReport, kind: RecordKind) -> RecordStatus {
    report
        .records
        .iter()
        .find(|record| record.kind == kind)
        .map(|record| record.status)
        .expect("a record of that kind")
}

#[tokio::test]
async fn a_second_check_sees_a_record_published_in_between() {
    let resolver = fixture_resolver();
    let domain = DomainName::parse("live.example").unwrap();
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    let plan = Plan::new(&domain, &profile, None);

    let before = probe::check(&resolver, &plan).await;
    assert_eq!(
        status_of(&before.report, RecordKind::Spf),
        RecordStatus::Missing
    );
    assert!(!before.report.ready);

    FixtureDns::shared()
        .add_txt("live.example", "v=spf1 a include:spf.mandrillapp.com -all")
        .await;

    let after = probe::check(&resolver, &plan).await;
    assert_eq!(
        status_of(&after.report, RecordKind::Spf),
        RecordStatus::Pass,
        "{:#?}",
        after.report
    );
    assert!(after.report.ready, "{:#?}", after.report);
}

#[tokio::test]
async fn lookups_of_one_check_run_concurrently_and_are_counted() {
    let resolver = fixture_resolver();
    let domain = DomainName::parse("nested.example").unwrap();
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    let probe = probe::check(&resolver, &Plan::new(&domain, &profile, Some("KEY"))).await;
    // Round 1: apex TXT (whose answer also tells whether the apex is a CNAME), two DKIM
    // CNAMEs, DMARC, the provider's SPF; round 2: the nested include; look-alikes: the
    // wildcard probes beside the passing DKIM records (one for both) and DMARC record, and the
    // doubled suffix for the missing verification record.
    assert_eq!(probe.queries, 9, "{:#?}", probe.snapshot);
    assert_eq!(resolver.counters().total(), 9);
    assert_eq!(
        probe
            .snapshot
            .get(&sendercheck::checks::Query::cname("nested.example")),
        Some(&sendercheck::checks::Answer::NoData),
        "the apex's CNAME status was read from its TXT answer"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_gives_errors_not_missing_within_the_budget() {
    let silent = SilentDns::start().unwrap();
    let timeout = Duration::from_millis(300);
    let resolver = Resolver::new(&ResolverSettings {
        nameservers: vec![silent.addr],
        timeout,
        attempts: 2,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .unwrap();
    let domain = DomainName::parse("good.example").unwrap();
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    // One round of queries, each bounded by timeout × attempts plus a margin: a hang would
    // never end, so the deadline here is generous and nothing is asserted about seconds.
    let probe = tokio::time::timeout(
        Duration::from_secs(30),
        probe::check(&resolver, &Plan::new(&domain, &profile, Some("GOODKEY"))),
    )
    .await
    .expect("a check against a silent server ends at its query deadlines");
    for record in &probe.report.records {
        assert_eq!(record.status, RecordStatus::Error, "{record:#?}");
        assert_eq!(record.fix, None);
        assert!(
            record.message.en().contains("timed out"),
            "{}",
            record.message.en()
        );
    }
    assert!(!probe.report.ready);
    assert_eq!(probe.report.outcome().exit_code(), 3);
}

#[test]
fn the_cli_exits_3_when_dns_never_answers() {
    let silent = SilentDns::start().unwrap();
    let nameserver = silent.addr.to_string();
    let output = run(
        &[
            "check",
            "good.example",
            "--nameserver",
            &nameserver,
            "--timeout",
            "200ms",
            "--format",
            "json",
        ],
        None,
    );
    let report = json(&output);
    assert_eq!(exit_code(&output), 3, "{report:#}");
    for record in report["records"].as_array().unwrap() {
        assert_eq!(record["status"], "error");
    }
}

#[test]
fn nothing_listening_is_told_from_a_timeout() {
    // A port nothing listens on: UDP queries vanish, TCP connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nameserver = format!("127.0.0.1:{port}");
    let output = run(
        &[
            "check",
            "good.example",
            "--nameserver",
            &nameserver,
            "--timeout",
            "200ms",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(exit_code(&output), 3);
    let report = json(&output);
    let message = report["records"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("no DNS server listens at {nameserver}")),
        "{message}"
    );
}
