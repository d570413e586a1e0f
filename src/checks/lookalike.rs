//! Look-alike mistakes: when a required record is missing, the places customers put it by
//! mistake; when one passes below the domain, whether a wildcard answers for it.
//!
//! - a doubled zone suffix: `NAME.DOMAIN` (a DNS panel appended the zone to a full name);
//! - the wrong name: a DKIM key at `SELECTOR.DOMAIN` (no `_domainkey`) or at the domain
//!   itself, a DMARC record at the domain, an SPF record at `_spf.DOMAIN` that nothing
//!   references;
//! - a wildcard that answers for a record's name: a sibling name no one publishes
//!   (`PROBE.PARENT`) gives the same answer, so the record passes by accident.
//!
//! Each found look-alike adds a warning and, for a misplaced record, a `remove` action after
//! the fix's publish. A typo of the provider's host is caught where the target is judged
//! (`spf::fix`, `cname`), with `edit_distance`.

use super::{Answer, DnsSnapshot, Query, QueryType, RecordCheck, RecordKind, RecordStatus};
use crate::text::{Arg, Text, codes};

/// The label of the wildcard probe: a name under the record's parent that no one publishes.
/// Fixed per domain, so every round of one check asks the same name.
fn probe_label(domain: &str) -> String {
    // FNV-1a: stable across releases and platforms, unlike the standard library's hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in domain.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{}{hash:08x}", crate::answer::PROBE_LABEL_PREFIX)
}

/// Edit distance between two host names (ASCII); 1 or 2 reads as a misspelling.
pub fn edit_distance(left: &str, right: &str) -> usize {
    strsim::levenshtein(left, right)
}

/// Whether `found` looks like a misspelling of `expected`: one or two edits apart, and not a
/// sibling host of the same registered domain (`dkim1.` for `dkim2.mandrillapp.com` is the
/// provider's other key, not a typo).
pub fn misspelling(found: &str, expected: &str) -> bool {
    (1..=2).contains(&edit_distance(found, expected))
        && psl::domain_str(found) != psl::domain_str(expected)
}

/// A place a record may have been put by mistake, and how to recognise it there.
struct Candidate {
    query: Query,
    /// What makes a record found there the misplaced one (given the value found and the
    /// record's expected CNAME target, if it has one).
    test: fn(&str, Option<&str>) -> bool,
    /// Why a record found there is misplaced: a selector of `lookalike.misplaced`.
    why: &'static str,
}

fn query_type_of(record_type: &str) -> QueryType {
    match record_type {
        "CNAME" => QueryType::Cname,
        "MX" => QueryType::Mx,
        _ => QueryType::Txt,
    }
}

/// Any record of the same type as the one expected: for doubled suffixes, where the customer
/// published the very record at the wrong name.
fn any_record(_: &str, _: Option<&str>) -> bool {
    true
}

fn dkim_key(value: &str, _: Option<&str>) -> bool {
    let value = value.trim_start();
    value.starts_with("v=DKIM1") || (value.contains("p=") && value.contains("k="))
}

fn dkim_target(value: &str, target: Option<&str>) -> bool {
    target.is_some_and(|target| value.eq_ignore_ascii_case(target))
}

fn dmarc(value: &str, _: Option<&str>) -> bool {
    value.trim_start().starts_with("v=DMARC1")
}

fn spf(value: &str, _: Option<&str>) -> bool {
    let value = value.trim_start().to_ascii_lowercase();
    value == "v=spf1" || value.starts_with("v=spf1 ")
}

/// Where a missing record of `kind` at `name` may have gone.
fn candidates(kind: RecordKind, name: &str, record_type: &str, domain: &str) -> Vec<Candidate> {
    let query_type = query_type_of(record_type);
    let mut candidates = vec![Candidate {
        query: Query::new(&format!("{name}.{domain}"), query_type),
        test: any_record,
        why: "doubled_zone",
    }];
    match kind {
        RecordKind::Dkim => {
            if let Some((selector, rest)) = name.split_once("._domainkey.") {
                let without = format!("{selector}.{rest}");
                let why = "no_domainkey";
                if query_type == QueryType::Cname {
                    candidates.push(Candidate {
                        query: Query::cname(&without),
                        test: dkim_target,
                        why,
                    });
                } else {
                    // A key (never a delegation) pasted at the domain itself.
                    candidates.push(Candidate {
                        query: Query::txt(&without),
                        test: dkim_key,
                        why,
                    });
                    candidates.push(Candidate {
                        query: Query::txt(rest),
                        test: dkim_key,
                        why: "dkim_at_domain",
                    });
                }
            }
        }
        RecordKind::Dmarc => {
            if let Some(policy_domain) = name.strip_prefix("_dmarc.") {
                candidates.push(Candidate {
                    query: Query::txt(policy_domain),
                    test: dmarc,
                    why: "dmarc_at_domain",
                });
            }
        }
        RecordKind::Spf => candidates.push(Candidate {
            query: Query::txt(&format!("_spf.{name}")),
            test: spf,
            why: "spf_at_spf",
        }),
        _ => {}
    }
    candidates
}

/// The sibling name whose answer shows a wildcard, for a record below the domain.
fn probe(name: &str, record_type: &str, domain: &str) -> Option<Query> {
    if name == domain {
        return None;
    }
    let (_, parent) = name.split_once('.')?;
    Some(Query::new(
        &format!("{}.{parent}", probe_label(domain)),
        query_type_of(record_type),
    ))
}

/// The look-alike queries for a record of `kind` and `record_type` at `name`: the wildcard
/// probe beside it from the first round (its answer matters only if the record passes, and
/// asking it early costs no extra round), and, once the record's own answer shows nothing
/// of what is expected (`present` tells a value that is), the places it may have gone. Judging
/// is not needed for either, so a check's rounds stay as they were.
pub fn queries(
    kind: RecordKind,
    name: &str,
    record_type: &str,
    domain: &str,
    snapshot: &DnsSnapshot,
    present: impl Fn(&str) -> bool,
) -> Vec<Query> {
    let mut queries: Vec<Query> = probe(name, record_type, domain).into_iter().collect();
    let query_type = query_type_of(record_type);
    let own = Query::new(name, query_type);
    let absent = match snapshot.get(&own) {
        Some(Answer::NxDomain | Answer::NoData) => true,
        // A CNAME or MX there is the record, right or wrong.
        Some(Answer::Records(_)) if query_type != QueryType::Txt => false,
        Some(Answer::Records(values)) => !values.iter().any(|value| present(value)),
        Some(Answer::Failed(_)) | None => false,
    };
    if absent {
        queries.extend(
            candidates(kind, name, record_type, domain)
                .into_iter()
                .map(|candidate| candidate.query),
        );
    }
    queries
}

/// What a value at the record's own name must look like to count as the record being there
/// (its verdict aside): for the look-alike search only.
pub fn looks_like(kind: RecordKind, expected: Option<&str>, value: &str) -> bool {
    match kind {
        RecordKind::Spf => spf(value, None),
        RecordKind::Dmarc => dmarc(value, None),
        RecordKind::Dkim => dkim_key(value, None),
        RecordKind::Verification | RecordKind::Txt => {
            expected.is_none_or(|expected| value == expected)
        }
        RecordKind::Cname | RecordKind::Mx => true,
    }
}

/// Adds what the look-alike queries found to a judged record.
/// The target of the CNAME an `expected` asks for, if it asks for one.
fn expected_cname(expected: &Text) -> Option<&str> {
    if expected.code != codes::id::expect_cname {
        return None;
    }
    expected.args.iter().find_map(|(name, arg)| match arg {
        Arg::Str(target) if *name == "target" => Some(target.as_str()),
        _ => None,
    })
}

pub fn annotate(check: &mut RecordCheck, domain: &str, snapshot: &DnsSnapshot) {
    match check.status {
        RecordStatus::Missing => {
            for candidate in candidates(check.kind, &check.name, &check.record_type, domain) {
                let Some(Answer::Records(values)) = snapshot.get(&candidate.query) else {
                    continue;
                };
                // The CNAME a delegation expects (its `expected` names the target).
                let target = expected_cname(&check.expected);
                let misplaced: Vec<&String> = values
                    .iter()
                    .filter(|value| (candidate.test)(value, target))
                    .collect();
                if misplaced.is_empty() {
                    continue;
                }
                let at = &candidate.query.name;
                check.message = check
                    .message
                    .clone()
                    .and(codes::lookalike_misplaced(at, candidate.why));
                let values = misplaced
                    .iter()
                    .map(|value| format!("\"{value}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                check
                    .warnings
                    .push(codes::lookalike_move(at, values, &check.name));
                let record_type = candidate.query.query_type.to_string();
                if let Some(fix) = check.fix.take() {
                    check.fix = Some(misplaced.iter().fold(fix, |fix, value| {
                        fix.removing_record(&record_type, at, value)
                    }));
                }
            }
        }
        RecordStatus::Pass => {
            let Some(probe) = probe(&check.name, &check.record_type, domain) else {
                return;
            };
            let Some(Answer::Records(values)) = snapshot.get(&probe) else {
                return;
            };
            let mut probed: Vec<String> = values.iter().map(|v| v.to_ascii_lowercase()).collect();
            let mut found: Vec<String> =
                check.found.iter().map(|v| v.to_ascii_lowercase()).collect();
            probed.sort();
            found.sort();
            if probed == found {
                check
                    .warnings
                    .push(codes::lookalike_wildcard(&check.name, &probe.name));
            }
        }
        RecordStatus::Fail | RecordStatus::Error => {}
    }
}
