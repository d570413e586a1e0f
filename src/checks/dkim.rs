//! DKIM delegation: `SELECTOR._domainkey.DOMAIN` must be a CNAME to the provider's key, or hold
//! the same key the provider publishes (DNS hosts that flatten CNAMEs).

use super::snapshot::{Answer, DnsSnapshot, Query, normalize_name};
use super::{Fix, RecordCheck, RecordKind, RecordStatus};

/// CNAMEs followed after the first, as resolvers do for a chain.
const MAX_CHAIN: usize = 8;

/// The queries still needed for the selector at `name` delegated to `target`: the CNAME first
/// (and each further CNAME of a chain); only when the name has no CNAME, its TXT and the
/// provider's TXT, to recognise a flattened CNAME.
pub fn queries(name: &str, target: &str, snapshot: &DnsSnapshot) -> Vec<Query> {
    let name = normalize_name(name);
    let cname = Query::cname(&name);
    match snapshot.get(&cname) {
        None => vec![cname],
        Some(Answer::NoData) => vec![Query::txt(&name), Query::txt(target)],
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

/// Judges one required selector.
pub fn evaluate(name: &str, target: &str, snapshot: &DnsSnapshot) -> RecordCheck {
    let name = normalize_name(name);
    let target = normalize_name(target);
    let mut check = RecordCheck {
        kind: RecordKind::Dkim,
        name: name.clone(),
        record_type: "CNAME".to_string(),
        status: RecordStatus::Pass,
        expected: format!("CNAME to {target}"),
        found: Vec::new(),
        message: String::new(),
        fix: Some(Fix::cname(&name, &target)),
        warnings: Vec::new(),
        last_conclusive: None,
    };
    let cname_query = Query::cname(&name);
    let failed = |check: RecordCheck, query: &Query, failure| {
        RecordCheck::lookup_failed(
            RecordKind::Dkim,
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
                check.message = format!("{name} is a CNAME to {target}");
                check.fix = None;
            } else if let Chain::Reaches(hops) = chain(&name, &target, snapshot) {
                // Resolvers follow the chain, so receivers find the provider's key.
                check.message = format!("{name} reaches {target} through a chain of CNAMEs");
                check.warnings.push(format!(
                    "{name} is a chain of CNAMEs: {name} → {}; receivers follow it, but every \
                     hop is one more record that can break: point {name} at {target} directly",
                    hops.join(" → ")
                ));
                check.fix = None;
            } else {
                check.status = RecordStatus::Fail;
                check.message =
                    format!("{name} is a CNAME to {}, not to {target}", found.join(", "));
                if let Chain::EndsAt(hops) = chain(&name, &target, snapshot)
                    && hops.len() > 1
                {
                    check.message.push_str(&format!(
                        " (it goes on {} and ends there)",
                        hops.join(" → ")
                    ));
                }
            }
            check.found = found;
        }
        Some(Answer::NxDomain) => {
            check.status = RecordStatus::Missing;
            check.message = format!("{name} does not exist");
        }
        Some(Answer::NoData) => {
            let name_txt = Query::txt(&name);
            let target_txt = Query::txt(&target);
            let published = match snapshot.get(&name_txt).map(Answer::records) {
                None => return check.not_looked_up(&name_txt),
                Some(Err(failure)) => return failed(check, &name_txt, failure),
                Some(Ok(records)) => records,
            };
            if published.is_empty() {
                check.status = RecordStatus::Missing;
                check.message = format!("{name} has no CNAME and no DKIM key");
                return check;
            }
            check.found = published.to_vec();
            let providers = match snapshot.get(&target_txt).map(Answer::records) {
                None => return check.not_looked_up(&target_txt),
                Some(Err(failure)) => return failed(check, &target_txt, failure),
                Some(Ok(records)) => records,
            };
            if same_records(published, providers) {
                check.message =
                    format!("{name} has no CNAME but publishes the same key as {target}");
                check.warnings.push(format!(
                    "flattened: {name} is a copy of {target}'s key, not a CNAME; when the \
                     provider rotates its key this copy goes stale"
                ));
                check.fix = None;
            } else {
                check.status = RecordStatus::Fail;
                check.message =
                    format!("{name} holds a TXT record that is not the key published at {target}");
            }
        }
    }
    check
}

/// Two TXT record sets are equal when they hold the same records, ignoring order and white space
/// (DNS hosts reformat long keys).
fn same_records(left: &[String], right: &[String]) -> bool {
    let canonical = |records: &[String]| {
        let mut records: Vec<String> = records
            .iter()
            .map(|record| record.split_whitespace().collect())
            .collect();
        records.sort();
        records
    };
    !left.is_empty() && canonical(left) == canonical(right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::snapshot::{LookupFailure, QueryType};

    const KEY: &str = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";

    const TARGET: &str = "dkim1.mandrillapp.com";

    fn check(snapshot: DnsSnapshot) -> RecordCheck {
        let mut full = DnsSnapshot::new();
        for _ in 0..3 {
            for query in queries(NAME, TARGET, &full) {
                let answer = snapshot.get(&query).cloned().unwrap_or(Answer::NxDomain);
                full.insert(query, answer);
            }
        }
        evaluate(NAME, TARGET, &full)
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
        assert!(result.message.contains("dkim2.mandrillapp.com"));
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
        assert!(result.warnings[0].starts_with("flattened"));
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
        assert!(result.message.contains("REFUSED"));
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
        assert!(queries(NAME, TARGET, &snapshot).is_empty());
        let result = evaluate(NAME, TARGET, &snapshot);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert!(result.warnings[0].contains("keys.shop.example → dkim1.mandrillapp.com"));

        snapshot.insert(
            Query::cname("keys.shop.example"),
            Answer::Records(vec!["dkim1.other.example".into()]),
        );
        snapshot.insert(Query::cname("dkim1.other.example"), Answer::NoData);
        let result = evaluate(NAME, TARGET, &snapshot);
        assert_eq!(result.status, RecordStatus::Fail);
        assert!(result.message.contains("goes on"), "{}", result.message);
        let unknown = DnsSnapshot::new().with(
            "mte1._domainkey.shop.example",
            QueryType::Cname,
            Answer::Records(vec!["keys.shop.example".into()]),
        );
        assert_eq!(
            queries(NAME, TARGET, &unknown),
            vec![Query::cname("keys.shop.example")]
        );
    }
}
