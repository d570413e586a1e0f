//! DMARC (RFC 7489): exactly one valid record at `_dmarc.DOMAIN`, or at the organizational
//! domain's `_dmarc` when the domain has none (§6.6.3).

use mail_auth::common::parse::TxtRecordParser;
use mail_auth::dmarc::{Dmarc, Policy};

use super::snapshot::{Answer, DnsSnapshot, Query};
use super::{Fix, RecordCheck, RecordKind, RecordStatus};

/// The record published when there is none: monitoring only, which the providers require.
pub const DEFAULT_RECORD: &str = "v=DMARC1; p=none;";

const KNOWN_TAGS: [&str; 14] = [
    "v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf", "rf", "ri", "pct", "psd", "t",
];

/// The organizational domain of `domain`, from the public suffix list (RFC 7489 §3.2).
pub fn organizational_domain(domain: &str) -> String {
    psl::domain_str(domain).unwrap_or(domain).to_string()
}

fn policy_name(domain: &str) -> String {
    format!("_dmarc.{domain}")
}

/// The DMARC records among TXT records: those that start with `v=DMARC1` (§6.6.3 discards the
/// rest).
pub fn dmarc_records(txt_records: &[String]) -> Vec<&str> {
    txt_records
        .iter()
        .map(|record| record.trim())
        .filter(|record| {
            let compact: String = record
                .chars()
                .take(12)
                .filter(|c| !c.is_whitespace())
                .collect();
            // The prefix is ASCII, so what follows it starts on a character boundary.
            compact
                .strip_prefix("v=DMARC1")
                .is_some_and(|rest| rest.chars().next().is_none_or(|next| next == ';'))
        })
        .collect()
}

/// The queries still needed: the domain's record, then the organizational domain's when the
/// domain has none.
pub fn queries(domain: &str, snapshot: &DnsSnapshot) -> Vec<Query> {
    let own = Query::txt(&policy_name(domain));
    match snapshot.get(&own).map(Answer::records) {
        None => vec![own],
        Some(Ok(records)) if dmarc_records(records).is_empty() => {
            let organizational = organizational_domain(domain);
            if organizational == domain {
                Vec::new()
            } else {
                vec![Query::txt(&policy_name(&organizational))]
            }
        }
        Some(_) => Vec::new(),
    }
}

/// Judges the DMARC record that applies to `domain`.
pub fn evaluate(domain: &str, snapshot: &DnsSnapshot) -> RecordCheck {
    let own_name = policy_name(domain);
    let mut check = RecordCheck {
        kind: RecordKind::Dmarc,
        name: own_name.clone(),
        record_type: "TXT".to_string(),
        status: RecordStatus::Pass,
        expected: "one valid v=DMARC1 record with p=none, quarantine or reject".to_string(),
        found: Vec::new(),
        message: String::new(),
        fix: Some(Fix::txt(&own_name, DEFAULT_RECORD)),
        warnings: Vec::new(),
    };
    let own_records = match lookup(&mut check, snapshot, &own_name) {
        Some(records) => dmarc_records(records),
        None => return check,
    };
    if !own_records.is_empty() {
        judge(&mut check, &own_records, &own_name, false);
        return check;
    }
    let organizational = organizational_domain(domain);
    if organizational != domain {
        let org_name = policy_name(&organizational);
        let org_records = match lookup(&mut check, snapshot, &org_name) {
            Some(records) => dmarc_records(records),
            None => return check,
        };
        if !org_records.is_empty() {
            check.name = org_name.clone();
            judge(&mut check, &org_records, &org_name, true);
            if check.status != RecordStatus::Pass {
                // The broken record is the organizational domain's: fix it there.
                if let Some(fix) = &mut check.fix {
                    fix.name = org_name;
                }
            }
            return check;
        }
    }
    check.status = RecordStatus::Missing;
    check.message = if organizational == domain {
        format!("no DMARC record at {own_name}")
    } else {
        format!(
            "no DMARC record at {own_name} nor at {}",
            policy_name(&organizational)
        )
    };
    check
}

/// The TXT records at `name`, or `None` after marking `check` as an error.
fn lookup<'s>(
    check: &mut RecordCheck,
    snapshot: &'s DnsSnapshot,
    name: &str,
) -> Option<&'s [String]> {
    let query = Query::txt(name);
    match snapshot.get(&query).map(Answer::records) {
        None => {
            *check = check.clone().not_looked_up(&query);
            None
        }
        Some(Err(failure)) => {
            *check = RecordCheck::lookup_failed(
                RecordKind::Dmarc,
                &check.name,
                "TXT",
                check.expected.clone(),
                &query,
                failure,
            );
            None
        }
        Some(Ok(records)) => Some(records),
    }
}

/// Judges the DMARC records found at `name`; `inherited` when they are the organizational
/// domain's.
fn judge(check: &mut RecordCheck, records: &[&str], name: &str, inherited: bool) {
    check.found = records.iter().map(|record| record.to_string()).collect();
    if records.len() > 1 {
        check.status = RecordStatus::Fail;
        check.message = format!(
            "{name} has {} DMARC records; receivers then apply no DMARC at all (RFC 7489 §6.6.3)",
            records.len()
        );
        // Keep the first valid one, so the customer's policy and reports survive.
        let keep = records
            .iter()
            .find(|record| validate(record).is_ok())
            .map_or(DEFAULT_RECORD, |record| record);
        if let Some(fix) = &mut check.fix {
            fix.value = keep.to_string();
        }
        return;
    }
    let record = records[0];
    match validate(record) {
        Err(problem) => {
            check.status = RecordStatus::Fail;
            check.message = format!("DMARC record at {name} is invalid: {problem}");
        }
        Ok((dmarc, unknown_tags)) => {
            check.fix = None;
            for tag in unknown_tags {
                check
                    .warnings
                    .push(format!("unknown tag '{tag}' is ignored by receivers"));
            }
            let applied = if inherited { dmarc.sp } else { dmarc.p };
            let policy = policy_word(applied);
            check.message = if inherited {
                format!(
                    "no record at _dmarc of the domain itself; the organizational domain's record \
                     at {name} applies to it (policy {policy})"
                )
            } else {
                format!("DMARC record at {name} (policy {policy})")
            };
            if applied == Policy::None {
                check.warnings.push(
                    "policy none only monitors: receivers still deliver mail that fails \
                     DMARC, so it does not protect the domain from spoofing"
                        .to_string(),
                );
            }
        }
    }
}

fn policy_word(policy: Policy) -> &'static str {
    match policy {
        Policy::None | Policy::Unspecified => "none",
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
    }
}

/// Parses a record with mail-auth and checks the tags it passes over, naming the first problem.
/// Returns the record and any unknown tags.
fn validate(record: &str) -> Result<(Dmarc, Vec<String>), String> {
    let mut unknown = Vec::new();
    let mut seen = Vec::new();
    for (index, part) in record.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((tag, value)) = part.split_once('=') else {
            return Err(format!("'{part}' is not a tag=value pair"));
        };
        let (tag, value) = (tag.trim().to_ascii_lowercase(), value.trim());
        if index == 0 && tag != "v" {
            return Err("the record must start with v=DMARC1".to_string());
        }
        if seen.contains(&tag) {
            return Err(format!("tag '{tag}' appears twice"));
        }
        seen.push(tag.clone());
        let valid = match tag.as_str() {
            "p" | "sp" | "np" => matches!(
                value.to_ascii_lowercase().as_str(),
                "none" | "quarantine" | "reject"
            ),
            "adkim" | "aspf" => matches!(value.to_ascii_lowercase().as_str(), "r" | "s"),
            "pct" => value.parse::<u8>().is_ok_and(|pct| pct <= 100),
            "ri" => value.parse::<u32>().is_ok(),
            "rf" => value
                .split(':')
                .all(|format| format.trim().eq_ignore_ascii_case("afrf")),
            "fo" => value
                .split(':')
                .all(|option| matches!(option.trim(), "0" | "1" | "d" | "s")),
            "rua" | "ruf" => value.split(',').all(|uri| {
                let uri = uri.trim();
                uri.len() > 7
                    && uri
                        .as_bytes()
                        .get(..7)
                        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"mailto:"))
                    && uri.contains('@')
            }),
            _ => true,
        };
        if !valid {
            return Err(format!("'{tag}={value}' is not a valid value"));
        }
        if !KNOWN_TAGS.contains(&tag.as_str()) {
            unknown.push(tag);
        }
    }
    let dmarc =
        Dmarc::parse(record.as_bytes()).map_err(|error| format!("it does not parse ({error})"))?;
    if dmarc.p == Policy::Unspecified {
        return Err("the required p= tag is missing".to_string());
    }
    Ok((dmarc, unknown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::snapshot::LookupFailure;

    /// Evaluates `domain` after answering the queries it asks for from `zone`.
    fn check(domain: &str, zone: DnsSnapshot) -> RecordCheck {
        let mut snapshot = DnsSnapshot::new();
        for _ in 0..3 {
            for query in queries(domain, &snapshot) {
                let answer = zone.get(&query).cloned().unwrap_or(Answer::NxDomain);
                snapshot.insert(query, answer);
            }
        }
        evaluate(domain, &snapshot)
    }

    fn one(record: &str) -> RecordCheck {
        check(
            "shop.example",
            DnsSnapshot::new().with_txt("_dmarc.shop.example", &[record]),
        )
    }

    #[test]
    fn valid_records_pass_and_p_none_warns() {
        let reject = one("v=DMARC1; p=reject; rua=mailto:d@shop.example; pct=100");
        assert_eq!(reject.status, RecordStatus::Pass, "{reject:#?}");
        assert!(reject.warnings.is_empty());
        assert_eq!(reject.fix, None);
        let none = one("v=DMARC1; p=none;");
        assert_eq!(none.status, RecordStatus::Pass);
        assert!(none.warnings[0].contains("does not protect"));
    }

    #[test]
    fn invalid_records_fail_naming_the_problem() {
        for (record, problem) in [
            ("v=DMARC1; p=maybe", "'p=maybe'"),
            ("v=DMARC1; rua=mailto:d@shop.example", "p= tag is missing"),
            ("v=DMARC1; p=none; pct=150", "'pct=150'"),
            ("v=DMARC1; p=none; adkim=x", "'adkim=x'"),
            ("v=DMARC1; p=none; p=reject", "appears twice"),
            ("v=DMARC1; p=none; rua=https://x", "'rua=https://x'"),
            ("v=DMARC1; p=none; garbage", "not a tag=value"),
        ] {
            let result = one(record);
            assert_eq!(result.status, RecordStatus::Fail, "{record}");
            assert!(
                result.message.contains(problem),
                "{record}: {}",
                result.message
            );
            assert_eq!(result.fix.unwrap().value, DEFAULT_RECORD);
        }
    }

    #[test]
    fn non_ascii_values_are_invalid_not_a_crash() {
        let result = one("v=DMARC1; p=none; rua=mailt\u{e9}:x@y");
        assert_eq!(result.status, RecordStatus::Fail);
        assert_eq!(one("v=DMARC1\u{e9}; p=none").status, RecordStatus::Missing);
    }

    #[test]
    fn unknown_tags_warn() {
        let result = one("v=DMARC1; p=quarantine; foo=bar");
        assert_eq!(result.status, RecordStatus::Pass);
        assert!(result.warnings[0].contains("'foo'"));
    }

    #[test]
    fn non_dmarc_txt_is_missing() {
        let result = one("some-other-verification=1");
        assert_eq!(result.status, RecordStatus::Missing);
        assert_eq!(result.fix.unwrap().value, DEFAULT_RECORD);
        assert_eq!(
            check("shop.example", DnsSnapshot::new()).status,
            RecordStatus::Missing
        );
    }

    #[test]
    fn two_records_fail_and_the_fix_keeps_the_valid_one() {
        let result = check(
            "shop.example",
            DnsSnapshot::new().with_txt(
                "_dmarc.shop.example",
                &[
                    "v=DMARC1; p=bogus",
                    "v=DMARC1; p=reject; rua=mailto:d@shop.example",
                ],
            ),
        );
        assert_eq!(result.status, RecordStatus::Fail);
        assert!(result.message.contains("2 DMARC records"));
        assert_eq!(
            result.fix.unwrap().value,
            "v=DMARC1; p=reject; rua=mailto:d@shop.example"
        );
    }

    #[test]
    fn a_subdomain_inherits_the_organizational_record() {
        let zone = DnsSnapshot::new().with_txt(
            "_dmarc.shop.example",
            &["v=DMARC1; p=reject; sp=quarantine"],
        );
        let result = check("news.shop.example", zone);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert_eq!(result.name, "_dmarc.shop.example");
        assert!(result.message.contains("organizational domain"));
        assert!(result.message.contains("quarantine"));
        let co_uk = DnsSnapshot::new().with_txt("_dmarc.shop.co.uk", &["v=DMARC1; p=none"]);
        assert_eq!(check("mail.shop.co.uk", co_uk).status, RecordStatus::Pass);
    }

    #[test]
    fn public_suffix_list_gives_organizational_domains() {
        assert_eq!(organizational_domain("a.b.shop.co.uk"), "shop.co.uk");
        assert_eq!(organizational_domain("news.shop.example"), "shop.example");
        assert_eq!(organizational_domain("shop.example"), "shop.example");
    }

    #[test]
    fn lookup_failures_are_errors_at_either_level() {
        let failing = DnsSnapshot::new().with(
            "_dmarc.shop.example",
            crate::checks::QueryType::Txt,
            Answer::Failed(LookupFailure::Timeout),
        );
        assert_eq!(
            check("shop.example", failing.clone()).status,
            RecordStatus::Error
        );
        let org_failing = failing.with_txt("_dmarc.news.shop.example", &[]);
        let result = check("news.shop.example", org_failing);
        assert_eq!(result.status, RecordStatus::Error, "{result:#?}");
    }
}
