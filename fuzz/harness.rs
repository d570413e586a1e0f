//! The fuzz harnesses, shared by the cargo-fuzz targets in `fuzz_targets/` and by
//! `tests/it/fuzz_regressions.rs`, which replays every input kept in `fuzz/regressions/`.

#![allow(dead_code)]

use std::sync::OnceLock;

use sendercheck::checks::{Answer, DnsSnapshot, LookupFailure, Plan, Query, RecordStatus};
use sendercheck::dns::{Resolver, ResolverSettings};
use sendercheck::domain::DomainName;
use sendercheck::profile::Profiles;

/// Answers a query from the input's records: which records, or which kind of empty or failed
/// answer, depends on the query's name and the round, so different queries see different data.
fn answer(records: &[&str], salt: usize, query: &Query) -> Answer {
    let pick = query.name.bytes().fold(salt, |acc, byte| {
        acc.wrapping_mul(31).wrapping_add(byte as usize)
    });
    if records.is_empty() {
        return Answer::NxDomain;
    }
    match pick % (records.len() + 4) {
        0 => Answer::NxDomain,
        1 => Answer::NoData,
        2 => Answer::Failed(LookupFailure::Timeout),
        3 => Answer::Records(records.iter().map(|r| r.to_string()).collect()),
        n => Answer::Records(vec![records[n - 4].to_string()]),
    }
}

/// SPF, DMARC, DKIM delegation and verification over a snapshot built from the input, one
/// record per line, following every query the checks ask for.
pub fn checks(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let records: Vec<&str> = text.lines().collect();
    let domain = DomainName::parse("shop.example").unwrap();
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    let plan = Plan::new(&domain, &profile, Some("KEY"));
    let mut snapshot = DnsSnapshot::new();
    for round in 0..20 {
        let queries = plan.queries(&snapshot);
        if queries.is_empty() {
            break;
        }
        for (index, query) in queries.into_iter().enumerate() {
            let answer = answer(&records, round * 31 + index, &query);
            snapshot.insert(query, answer);
        }
    }
    let report = plan.evaluate(&snapshot);
    for record in &report.records {
        // A fix exactly when the record is wrong or absent.
        let wrong = matches!(record.status, RecordStatus::Fail | RecordStatus::Missing);
        assert_eq!(record.fix.is_some(), wrong, "{record:?}");
    }
    // Whatever the input, the proposed SPF record is one the grammar accepts.
    let spf_records = sendercheck::checks::spf::spf_records(
        &records.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
    )
    .into_iter()
    .map(str::to_string)
    .collect::<Vec<_>>();
    let spf_records: Vec<&str> = spf_records.iter().map(String::as_str).collect();
    let proposal = sendercheck::checks::spf::fix::propose(
        "shop.example",
        &spf_records,
        "spf.mandrillapp.com",
        &[],
        &snapshot,
    );
    assert!(
        sendercheck::checks::spf::parse::parse(&proposal.value).is_ok(),
        "{}",
        proposal.value
    );
}

/// Domain normalisation: refused with a reason, or a name that parses to itself again.
pub fn domain(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(domain) = DomainName::parse(text) {
        let again = DomainName::parse(domain.as_str()).expect("a normalised name parses");
        assert_eq!(again, domain, "normalisation is idempotent");
        assert!(domain.as_str().len() <= 253);
        assert!(
            domain.as_str().bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
            })
        );
    }
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    resolver: Resolver,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Never asked: every key comes from the input through `verify_with`.
        let resolver = runtime.block_on(async {
            Resolver::new(&ResolverSettings {
                nameservers: vec!["127.0.0.1:9".parse().unwrap()],
                ..ResolverSettings::default()
            })
            .unwrap()
        });
        Fixture { runtime, resolver }
    })
}

/// The raw-message DKIM path; key lookups are answered with the input's last line.
pub fn dkim_message(data: &[u8]) {
    let fixture = fixture();
    let key = data
        .rsplit(|&byte| byte == b'\n')
        .next()
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .unwrap_or_default();
    let verdict = fixture
        .runtime
        .block_on(sendercheck::message::dkim::verify_with(
            &fixture.resolver,
            data,
            |queries| {
                let key = key.clone();
                async move {
                    queries
                        .into_iter()
                        .map(|query| (query, Answer::Records(vec![key.clone()])))
                        .collect()
                }
            },
        ));
    if let Ok(verdict) = verdict {
        assert_eq!(
            verdict.result == sendercheck::message::dkim::Verdict::None,
            verdict.signatures.is_empty()
        );
    }
}

/// One SMTP session fed the input's lines (CRLF or LF), as the listener would: every reply is
/// one or more complete `NNN` lines, a delivered message is within the size limit, and
/// nothing is accepted for a recipient outside the test domain.
pub fn smtp_session(data: &[u8]) {
    use sendercheck::inbound::session::{Action, Limits, Recipient, Session};
    let limits = Limits {
        max_message_bytes: 4096,
        max_recipients: 5,
        max_errors: 10,
    };
    let mut session = Session::new("mx.tests.example", limits.clone(), true);
    let decide = |address: &str| {
        if address.starts_with("t-") && address.ends_with("@tests.example") {
            Recipient::Accepted
        } else if address.ends_with("@tests.example") {
            Recipient::Unknown
        } else {
            Recipient::NotLocal
        }
    };
    for line in data.split(|byte| *byte == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let limit = if session.in_data() { 1000 } else { 512 };
        let mut actions = if line.len() + 2 > limit {
            session.line_too_long()
        } else {
            session.line(line)
        };
        if let Some(Action::CheckRecipient(address)) = actions.first() {
            let verdict = decide(address);
            actions = session.recipient(verdict);
        }
        if let Some(Action::OpenData) = actions.first() {
            // Sometimes no room: the transaction must survive being told to wait.
            actions = session.data_opened(line.len() % 3 != 0);
        }
        for action in actions {
            match action {
                Action::Reply(reply) => {
                    assert!(reply.ends_with("\r\n"), "{reply:?}");
                    for reply_line in reply.trim_end().split("\r\n") {
                        let code = reply_line.get(..3).unwrap_or_default();
                        assert!(code.bytes().all(|b| b.is_ascii_digit()), "{reply:?}");
                    }
                }
                Action::StartTls => session.tls_started(),
                Action::CheckRecipient(_) => panic!("a recipient asked twice"),
                Action::OpenData => panic!("room asked twice"),
                Action::Deliver(received) => {
                    assert!(received.data.len() <= limits.max_message_bytes);
                    assert!(!received.recipients.is_empty());
                    assert!(received.recipients.iter().all(|r| r.starts_with("t-")));
                    let reply = session.delivered(line.len() % 2 == 0);
                    assert!(reply.ends_with("\r\n"));
                }
                Action::Close => return,
            }
        }
    }
}
