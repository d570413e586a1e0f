//! The conformance suite: cases written from RFC 7208 and RFC 7489 in `fixtures/conformance/`,
//! each served by a real authoritative DNS server and checked through the same path as the CLI
//! and the daemon. Every case that gets a fix is then fixed in the server and checked again:
//! the fix must pass, or say why no single record can.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::future::join_all;
use sendercheck::checks::{ActionKind, Plan, RecordCheck, RecordKind, RecordStatus};
use sendercheck::dns::{Resolver, ResolverSettings};
use sendercheck::domain::DomainName;
use sendercheck::probe;
use sendercheck::profile::Profiles;
use sendercheck::text::{Arg, Lang, codes};
use serde::Deserialize;

use crate::fixture_dns::{FixtureDns, zone_dir};

/// The zone every case lives under: case `ID` is the domain `ID.conformance`.
const SUFFIX: &str = "conformance";

/// The codes of the warnings that say no single record can fix a case.
const NO_SINGLE_FIX: [&str; 2] = [
    codes::id::spf_fix_unfixable,
    codes::id::spf_fix_provider_still_fails,
];

/// Every finding of a verdict (message, expected, warnings, explanation) has a published code
/// and renders in every language from that language's own catalog.
pub fn uncoded(record: &RecordCheck) -> Vec<String> {
    let mut texts = vec![&record.message, &record.expected];
    texts.extend(&record.warnings);
    texts.extend(record.fix.iter().filter_map(|fix| fix.explanation.as_ref()));
    let mut wrong = Vec::new();
    for text in texts {
        for code in text.all_codes() {
            if codes::find(code).is_none() {
                wrong.push(format!("{code} is not a published code"));
            }
        }
        for lang in Lang::ALL {
            let words = text.render(lang);
            if words.is_empty() || words.starts_with(text.code) {
                wrong.push(format!(
                    "{} does not render in {lang}: {words:?}",
                    text.code
                ));
            }
        }
    }
    wrong
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Suite {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    /// The RFC section the case is written from.
    rfc: String,
    /// Zone-file lines; owner names are relative to the case's domain.
    zone: String,
    /// The checked name, relative to the case's domain (default: the domain itself).
    #[serde(default)]
    name: Option<String>,
    status: String,
    /// Texts the message must contain.
    #[serde(default)]
    message: Vec<String>,
    /// Texts that some warning must contain, each.
    #[serde(default)]
    warnings: Vec<String>,
    /// Texts no warning may contain.
    #[serde(default)]
    no_warnings: Vec<String>,
    /// The exact value of the fix.
    #[serde(default)]
    fix: Option<String>,
    /// TXT records whose bytes a zone file cannot carry (TAB, CR, NUL, non-ASCII), published
    /// once the server runs.
    #[serde(default)]
    txt: Vec<RawTxt>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTxt {
    /// Relative to the case's domain; `@` for the domain itself.
    name: String,
    value: String,
}

impl Case {
    fn domain(&self) -> String {
        match &self.name {
            Some(name) => format!("{name}.{}.{SUFFIX}", self.id),
            None => format!("{}.{SUFFIX}", self.id),
        }
    }
}

fn load(file: &str) -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/conformance")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the conformance file");
    let suite: Suite = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids = std::collections::BTreeSet::new();
    for case in &suite.case {
        assert!(
            ids.insert(case.id.clone()),
            "case id {} is used twice",
            case.id
        );
        assert!(!case.rfc.is_empty(), "{}: name the RFC section", case.id);
    }
    suite.case
}

/// Serves the fixture zones plus one zone holding every case.
fn serve(cases: &[&Case]) -> (FixtureDns, tempfile::TempDir) {
    let body: String = cases
        .iter()
        .map(|case| format!("$ORIGIN {}.{SUFFIX}.\n{}\n", case.id, case.zone))
        .collect();
    serve_zone(&body)
}

/// Serves the fixture zones plus a `conformance.` zone whose records are `body` (zone-file
/// text; each case sets its own `$ORIGIN`). The directory must outlive the server's start.
pub fn serve_zone(body: &str) -> (FixtureDns, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for entry in std::fs::read_dir(zone_dir()).expect("the fixture zones") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|ext| ext == "zone") {
            std::fs::copy(
                &path,
                dir.path().join(path.file_name().expect("a file name")),
            )
            .expect("a copied zone");
        }
    }
    // The parser takes the last $ORIGIN as the zone's own.
    let zone = format!(
        "$ORIGIN {SUFFIX}.\n$TTL 300\n@ IN SOA ns1.{SUFFIX}. hostmaster.{SUFFIX}. ( 1 3600 600 86400 300 )\n\
         @ IN NS ns1.{SUFFIX}.\nns1 IN A 127.0.0.1\n{body}\n$ORIGIN {SUFFIX}.\n"
    );
    std::fs::write(dir.path().join("conformance.zone"), zone).expect("the case zone");
    let server = FixtureDns::start(dir.path(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("the conformance DNS server");
    (server, dir)
}

/// A resolver that asks only `server`.
pub fn resolver(server: &FixtureDns) -> Resolver {
    Resolver::new(&ResolverSettings {
        nameservers: vec![server.addr],
        timeout: Duration::from_secs(2),
        attempts: 2,
        authoritative_port: None,
        ..ResolverSettings::default()
    })
    .expect("a resolver")
}

async fn check(resolver: &Resolver, domain: &str, kind: RecordKind) -> RecordCheck {
    let domain = DomainName::parse(domain).expect("a case domain");
    let profile = Profiles::built_in("mandrill").expect("the built-in mandrill profile");
    let probe = probe::check(resolver, &Plan::new(&domain, &profile, None)).await;
    probe
        .report
        .records
        .into_iter()
        .find(|record| record.kind == kind)
        .expect("a record of the kind")
}

/// Differences between what a case expects and what sendercheck said.
fn differences(case: &Case, record: &RecordCheck) -> Vec<String> {
    let mut wrong = Vec::new();
    if record.status.as_str() != case.status {
        wrong.push(format!(
            "status {} (expected {})",
            record.status, case.status
        ));
    }
    let message = record.message.en();
    for text in &case.message {
        if !message.contains(text.as_str()) {
            wrong.push(format!("message lacks {text:?}"));
        }
    }
    let warnings: Vec<String> = record.warnings.iter().map(|w| w.en()).collect();
    for text in &case.warnings {
        if !warnings.iter().any(|w| w.contains(text.as_str())) {
            wrong.push(format!("no warning with {text:?}"));
        }
    }
    wrong.extend(uncoded(record));
    for text in &case.no_warnings {
        if warnings.iter().any(|w| w.contains(text.as_str())) {
            wrong.push(format!("a warning has {text:?}"));
        }
    }
    if let Some(fix) = &case.fix
        && record.fix.as_ref().map(|f| &f.value) != Some(fix)
    {
        wrong.push(format!(
            "fix {:?} (expected {fix:?})",
            record.fix.as_ref().map(|f| &f.value)
        ));
    }
    if record.status == RecordStatus::Pass && record.fix.is_some() {
        wrong.push("a passing record carries a fix".to_string());
    }
    if matches!(record.status, RecordStatus::Fail | RecordStatus::Missing) && record.fix.is_none() {
        wrong.push("a failing record carries no fix".to_string());
    }
    wrong
}

/// Publishes `record`'s fix in the server: every action on the TXT records of its names.
async fn publish(server: &FixtureDns, resolver: &Resolver, record: &RecordCheck) {
    let fix = record.fix.as_ref().expect("a fix");
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for action in &fix.actions {
        if !by_name.contains_key(&action.name) {
            let current = resolver
                .resolve(&sendercheck::checks::Query::txt(&action.name))
                .await;
            let values = current.records().map(|r| r.to_vec()).unwrap_or_default();
            by_name.insert(action.name.clone(), values);
        }
        let values = by_name.get_mut(&action.name).expect("the name's records");
        match action.action {
            ActionKind::Publish => values.push(action.value.clone()),
            ActionKind::Replace => {
                let old = action.replaces.as_ref().expect("what is replaced");
                values.retain(|value| value != old);
                values.push(action.value.clone());
            }
            ActionKind::Remove => values.retain(|value| *value != action.value),
        }
    }
    for (name, values) in by_name {
        let strings: Vec<Vec<String>> = values
            .iter()
            .map(|value| sendercheck::checks::character_strings(value))
            .collect();
        server.replace_txt(&name, &strings).await;
    }
}

/// Runs one file's cases, then publishes each fix and checks again.
/// Whether `record` is an error because a DNS answer timed out (not a verdict on the case).
fn is_timeout(record: &RecordCheck) -> bool {
    record.status == RecordStatus::Error
        && record.message.code == "dns.lookup_failed"
        && record.message.args.iter().any(|(name, arg)| {
            *name == "reason" && matches!(arg, Arg::Text(reason) if reason.code == "dns.timeout")
        })
}

async fn run_suite(file: &str, kind: RecordKind, minimum: usize) {
    let cases = load(file);
    assert!(
        cases.len() >= minimum,
        "{file} has {} cases; the suite needs at least {minimum}",
        cases.len()
    );
    let all: Vec<&Case> = cases.iter().collect();
    let (server, _dir) = serve(&all);
    for case in &cases {
        let mut by_name: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
        for raw in &case.txt {
            let name = match raw.name.as_str() {
                "@" => format!("{}.{SUFFIX}", case.id),
                relative => format!("{relative}.{}.{SUFFIX}", case.id),
            };
            by_name
                .entry(name)
                .or_default()
                .push(sendercheck::checks::character_strings(&raw.value));
        }
        for (name, values) in by_name {
            server.replace_txt(&name, &values).await;
        }
    }
    let resolver = resolver(&server);
    let mut failures = Vec::new();
    let mut fixed = 0;
    for chunk in cases.chunks(16) {
        let domains: Vec<String> = chunk.iter().map(|case| case.domain()).collect();
        let results = join_all(domains.iter().map(|domain| check(&resolver, domain, kind))).await;
        for (case, mut record) in chunk.iter().zip(results) {
            let mut wrong = differences(case, &record);
            if !wrong.is_empty() && is_timeout(&record) {
                // The fixture server on one thread can be starved for seconds when the whole
                // suite runs on 2 cores: a case whose answer never came is asked once more.
                // A wrong verdict is never retried.
                eprintln!("{}: the DNS answer timed out; asked once more", case.id);
                record = check(&resolver, &case.domain(), kind).await;
                wrong = differences(case, &record);
            }
            if !wrong.is_empty() {
                failures.push(format!(
                    "{} ({}): {}\n    got: {} {:?}\n    warnings: {:?}",
                    case.id,
                    case.rfc,
                    wrong.join("; "),
                    record.status,
                    record.message,
                    record.warnings
                ));
                continue;
            }
            if record.fix.is_none() || record.record_type != "TXT" {
                continue;
            }
            let unfixable = record
                .warnings
                .iter()
                .any(|w| NO_SINGLE_FIX.contains(&w.code));
            publish(&server, &resolver, &record).await;
            let after = check(&resolver, &case.domain(), kind).await;
            fixed += 1;
            if after.status != RecordStatus::Pass && !unfixable {
                failures.push(format!(
                    "{} ({}): the fix {:?} does not pass when published: {} {:?}",
                    case.id,
                    case.rfc,
                    record.fix.as_ref().map(|f| &f.value),
                    after.status,
                    after.message.en()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {file} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(fixed > 0, "no case of {file} exercised a fix");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spf_conformance() {
    run_suite("spf.toml", RecordKind::Spf, 300).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dmarc_conformance() {
    run_suite("dmarc.toml", RecordKind::Dmarc, 60).await;
}
