//! Delegation by CNAME: a name that must be a CNAME to a provider's host (a DKIM selector, a
//! return-path or tracking subdomain), or hold copies of the records the provider publishes there
//! (DNS hosts that flatten CNAMEs).

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{Answer, DnsSnapshot, Query, QueryType, normalize_name};
use crate::text::codes;

/// CNAMEs followed after the first, as resolvers do for a chain.
const MAX_CHAIN: usize = 8;

/// What is delegated, and which record types a flattened copy must repeat.
#[derive(Clone, Copy, Debug)]
pub struct Delegation {
    kind: RecordKind,
    /// Without a CNAME, these record sets at the name must equal the target's.
    copies: &'static [QueryType],
    /// What the provider publishes there, as a catalog selector: `dkim_key` or `txt_mx`.
    what: &'static str,
}

/// A DKIM selector delegated to the provider's key.
pub const DKIM: Delegation = Delegation {
    kind: RecordKind::Dkim,
    copies: &[QueryType::Txt],
    what: "dkim_key",
};

/// A host delegated to the provider (return path, tracking): its SPF and MX records matter.
pub const HOST: Delegation = Delegation {
    kind: RecordKind::Cname,
    copies: &[QueryType::Txt, QueryType::Mx],
    what: "txt_mx",
};

/// The queries still needed for `name` delegated to `target`: the CNAME first (and each further
/// CNAME of a chain); only when the name has no CNAME, the copied record types at both names, to
/// recognise a flattened CNAME.
pub fn queries(
    name: &str,
    target: &str,
    delegation: Delegation,
    snapshot: &DnsSnapshot,
) -> Vec<Query> {
    let name = normalize_name(name);
    let cname = Query::cname(&name);
    match snapshot.get(&cname) {
        None => vec![cname],
        Some(Answer::NoData) => delegation
            .copies
            .iter()
            .flat_map(|query_type| {
                [
                    Query::new(&name, *query_type),
                    Query::new(target, *query_type),
                ]
            })
            .collect(),
        Some(Answer::Records(_)) => match chain(&name, &normalize_name(target), snapshot) {
            Chain::Needs(query) => vec![query],
            _ => Vec::new(),
        },
        Some(_) => Vec::new(),
    }
}

/// Where a CNAME chain from a selector's name leads.
enum Chain {
    /// Through these names (the first hop first) to the provider's target.
    Reaches(Vec<String>),
    /// Ends elsewhere: the names it went through.
    EndsAt(Vec<String>),
    Needs(Query),
}

fn chain(name: &str, target: &str, snapshot: &DnsSnapshot) -> Chain {
    let mut hops: Vec<String> = Vec::new();
    let mut current = name.to_string();
    for _ in 0..=MAX_CHAIN {
        match snapshot.get(&Query::cname(&current)) {
            None => return Chain::Needs(Query::cname(&current)),
            Some(Answer::Records(targets)) => {
                let Some(next) = targets.first().map(|t| normalize_name(t)) else {
                    return Chain::EndsAt(hops);
                };
                if hops.contains(&next) || next == name {
                    return Chain::EndsAt(hops);
                }
                hops.push(next.clone());
                if next == target {
                    return Chain::Reaches(hops);
                }
                current = next;
            }
            Some(_) => return Chain::EndsAt(hops),
        }
    }
    Chain::EndsAt(hops)
}

/// Judges one delegated name.
pub fn evaluate(
    name: &str,
    target: &str,
    delegation: Delegation,
    snapshot: &DnsSnapshot,
) -> RecordCheck {
    let name = normalize_name(name);
    let target = normalize_name(target);
    let mut check = RecordCheck::new(
        delegation.kind,
        &name,
        "CNAME",
        codes::expect_cname(&target),
        Fix::cname(&name, &target),
    );
    let cname_query = Query::cname(&name);
    let failed = |check: RecordCheck, query: &Query, failure| {
        RecordCheck::lookup_failed(
            delegation.kind,
            &check.name,
            "CNAME",
            check.expected,
            query,
            failure,
        )
    };
    match snapshot.get(&cname_query) {
        None => return check.not_looked_up(&cname_query),
        Some(Answer::Failed(failure)) => return failed(check, &cname_query, failure),
        Some(Answer::Records(targets)) => {
            let found: Vec<String> = targets.iter().map(|t| normalize_name(t)).collect();
            if found.contains(&target) {
                check.message = codes::cname_pass(&name, &target);
                check.fix = None;
            } else if let Chain::Reaches(hops) = chain(&name, &target, snapshot) {
                // Resolvers follow the chain, so receivers find the provider's key.
                check.message = codes::cname_chain_pass(&name, &target);
                check
                    .warnings
                    .push(codes::cname_chain(&name, hops.join(" → "), &target));
                check.fix = None;
            } else {
                check.status = RecordStatus::Fail;
                check.message = codes::cname_wrong_target(&name, found.join(", "), &target);
                for typo in found
                    .iter()
                    .filter(|found| super::lookalike::misspelling(found, &target))
                {
                    check.warnings.push(codes::cname_misspelled(typo, &target));
                }
                if let Chain::EndsAt(hops) = chain(&name, &target, snapshot)
                    && hops.len() > 1
                {
                    check.message = check
                        .message
                        .clone()
                        .and(codes::cname_chain_ends(hops.join(" → ")));
                }
            }
            check.found = found;
        }
        Some(Answer::NxDomain) => {
            check.status = RecordStatus::Missing;
            check.message = codes::cname_nxdomain(&name);
        }
        Some(Answer::NoData) => {
            let mut published_any = false;
            let mut same = true;
            for query_type in delegation.copies {
                let at_name = Query::new(&name, *query_type);
                let at_target = Query::new(&target, *query_type);
                let published = match check.records_of(snapshot, &at_name) {
                    Ok(records) => records,
                    Err(unanswered) => return *unanswered,
                };
                let providers = match check.records_of(snapshot, &at_target) {
                    Ok(records) => records,
                    Err(unanswered) => return *unanswered,
                };
                published_any |= !published.is_empty();
                same &= same_records(published, providers);
                check.found.extend(published.iter().cloned());
            }
            if !published_any {
                check.status = RecordStatus::Missing;
                check.message = codes::cname_missing(&name, delegation.what);
            } else if same {
                check.message = codes::cname_flattened_pass(&name, delegation.what, &target);
                check
                    .warnings
                    .push(codes::cname_flattened(&name, &target, delegation.what));
                check.fix = None;
            } else {
                check.status = RecordStatus::Fail;
                check.message = codes::cname_copy_differs(&name, delegation.what, &target);
            }
        }
    }
    check
}

/// Two record sets are equal when they hold the same records, ignoring order and white space
/// (DNS hosts reformat long keys); two empty sets are equal.
fn same_records(left: &[String], right: &[String]) -> bool {
    let canonical = |records: &[String]| {
        let mut records: Vec<String> = records
            .iter()
            .map(|record| record.split_whitespace().collect())
            .collect();
        records.sort();
        records
    };
    canonical(left) == canonical(right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::{LookupFailure, QueryType};

    const KEY: &str = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";

    const TARGET: &str = "dkim1.mandrillapp.com";

    fn check(snapshot: DnsSnapshot) -> RecordCheck {
        let mut full = DnsSnapshot::new();
        for _ in 0..3 {
            for query in queries(NAME, TARGET, DKIM, &full) {
                let answer = snapshot.get(&query).cloned().unwrap_or(Answer::NxDomain);
                full.insert(query, answer);
            }
        }
        evaluate(NAME, TARGET, DKIM, &full)
    }

    const NAME: &str = "mte1._domainkey.shop.example";

    #[test]
    fn cname_to_the_target_passes_in_any_case() {
        let result = check(DnsSnapshot::new().with(
            NAME,
            QueryType::Cname,
            Answer::Records(vec!["DKIM1.MandrillApp.com.".into()]),
        ));
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert_eq!(result.fix, None);
        assert_eq!(result.found, ["dkim1.mandrillapp.com"]);
    }

    #[test]
    fn cname_elsewhere_fails_showing_it() {
        let result = check(DnsSnapshot::new().with(
            NAME,
            QueryType::Cname,
            Answer::Records(vec!["dkim2.mandrillapp.com".into()]),
        ));
        assert_eq!(result.status, RecordStatus::Fail);
        assert!(result.message.en().contains("dkim2.mandrillapp.com"));
        assert_eq!(result.fix.unwrap().value, "dkim1.mandrillapp.com");
    }

    #[test]
    fn nothing_there_is_missing() {
        let result = check(DnsSnapshot::new());
        assert_eq!(result.status, RecordStatus::Missing);
        let fix = result.fix.unwrap();
        assert_eq!(
            (fix.record_type.as_str(), fix.name.as_str()),
            ("CNAME", NAME)
        );
        let empty = check(DnsSnapshot::new().with(NAME, QueryType::Cname, Answer::NoData));
        assert_eq!(empty.status, RecordStatus::Missing);
    }

    #[test]
    fn flattened_key_passes_with_a_warning() {
        let result = check(
            DnsSnapshot::new()
                .with(NAME, QueryType::Cname, Answer::NoData)
                .with_txt(NAME, &[KEY])
                .with_txt("dkim1.mandrillapp.com", &[&KEY.replace("; ", ";")]),
        );
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert!(result.warnings[0].en().starts_with("flattened"));
    }

    #[test]
    fn another_key_fails() {
        let result = check(
            DnsSnapshot::new()
                .with(NAME, QueryType::Cname, Answer::NoData)
                .with_txt(NAME, &["v=DKIM1; k=rsa; p=OTHER"])
                .with_txt("dkim1.mandrillapp.com", &[KEY]),
        );
        assert_eq!(result.status, RecordStatus::Fail);
        assert_eq!(result.found, ["v=DKIM1; k=rsa; p=OTHER"]);
    }

    #[test]
    fn lookup_failures_are_errors() {
        let result = check(DnsSnapshot::new().with(
            NAME,
            QueryType::Cname,
            Answer::Failed(LookupFailure::Refused),
        ));
        assert_eq!(result.status, RecordStatus::Error);
        assert!(result.message.en().contains("REFUSED"));
        let target_failed = check(
            DnsSnapshot::new()
                .with(NAME, QueryType::Cname, Answer::NoData)
                .with_txt(NAME, &[KEY])
                .with(
                    "dkim1.mandrillapp.com",
                    QueryType::Txt,
                    Answer::Failed(LookupFailure::Timeout),
                ),
        );
        assert_eq!(target_failed.status, RecordStatus::Error);
    }

    #[test]
    fn a_flattened_return_path_copies_txt_and_mx() {
        let name = "em1234.shop.example";
        let target = "u1.wl1.sendgrid.net";
        let base = DnsSnapshot::new()
            .with(name, QueryType::Cname, Answer::NoData)
            .with_txt(target, &["v=spf1 include:sendgrid.net ~all"])
            .with(
                target,
                QueryType::Mx,
                Answer::Records(vec!["10 mx.sendgrid.net".into()]),
            );
        let mut full = base
            .clone()
            .with_txt(name, &["v=spf1 include:sendgrid.net ~all"])
            .with(
                name,
                QueryType::Mx,
                Answer::Records(vec!["10 mx.sendgrid.net".into()]),
            );
        assert!(
            queries(name, target, HOST, &full)
                .iter()
                .all(|query| full.contains(query))
        );
        let result = evaluate(name, target, HOST, &full);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert_eq!(result.kind, RecordKind::Cname);
        assert!(result.warnings[0].en().starts_with("flattened"));
        // Only the SPF copied: bounces have nowhere to go.
        full.insert(Query::new(name, QueryType::Mx), Answer::NoData);
        let result = evaluate(name, target, HOST, &full);
        assert_eq!(result.status, RecordStatus::Fail, "{result:#?}");
        let nothing = base.with(name, QueryType::Txt, Answer::NoData).with(
            name,
            QueryType::Mx,
            Answer::NoData,
        );
        assert_eq!(
            evaluate(name, target, HOST, &nothing).status,
            RecordStatus::Missing
        );
    }

    #[test]
    fn a_cname_chain_that_reaches_the_provider_passes_with_a_warning() {
        let mut snapshot = DnsSnapshot::new()
            .with(
                "mte1._domainkey.shop.example",
                QueryType::Cname,
                Answer::Records(vec!["keys.shop.example".into()]),
            )
            .with(
                "keys.shop.example",
                QueryType::Cname,
                Answer::Records(vec!["dkim1.mandrillapp.com".into()]),
            );
        assert!(queries(NAME, TARGET, DKIM, &snapshot).is_empty());
        let result = evaluate(NAME, TARGET, DKIM, &snapshot);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert!(
            result.warnings[0]
                .en()
                .contains("keys.shop.example → dkim1.mandrillapp.com")
        );

        snapshot.insert(
            Query::cname("keys.shop.example"),
            Answer::Records(vec!["dkim1.other.example".into()]),
        );
        snapshot.insert(Query::cname("dkim1.other.example"), Answer::NoData);
        let result = evaluate(NAME, TARGET, DKIM, &snapshot);
        assert_eq!(result.status, RecordStatus::Fail);
        assert!(
            result.message.en().contains("goes on"),
            "{}",
            result.message.en()
        );
        let unknown = DnsSnapshot::new().with(
            "mte1._domainkey.shop.example",
            QueryType::Cname,
            Answer::Records(vec!["keys.shop.example".into()]),
        );
        assert_eq!(
            queries(NAME, TARGET, DKIM, &unknown),
            vec![Query::cname("keys.shop.example")]
        );
    }
}
