//! MX records at a name (a MAIL FROM subdomain, a receiving domain): exactly the provider's hosts,
//! so bounces and replies reach it; preferences as the provider gives them.

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{DnsSnapshot, Query, QueryType, mx_parts, normalize_name};
use crate::text::{Text, codes};

/// The preference proposed when the profile gives none.
const DEFAULT_PREFERENCE: u16 = 10;

/// Judges the MX set at `name` against `expected` (preference when the profile gives one, host).
pub fn evaluate(
    name: &str,
    expected: &[(Option<u16>, &str)],
    snapshot: &DnsSnapshot,
) -> RecordCheck {
    let name = normalize_name(name);
    let wanted: Vec<(u16, String)> = expected
        .iter()
        .map(|(preference, host)| {
            (
                preference.unwrap_or(DEFAULT_PREFERENCE),
                normalize_name(host),
            )
        })
        .collect();
    let shown = |hosts: &[(u16, String)]| {
        hosts
            .iter()
            .map(|(preference, host)| format!("{preference} {host}"))
            .collect::<Vec<_>>()
    };
    let mut check = RecordCheck::new(
        RecordKind::Mx,
        &name,
        "MX",
        codes::expect_mx(shown(&wanted).join(", ")),
        Fix::mx(&name, &shown(&wanted)),
    );
    let query = Query::new(&name, QueryType::Mx);
    let records = match check.records_of(snapshot, &query) {
        Ok(records) => records,
        Err(unanswered) => return *unanswered,
    };
    let found: Vec<(Option<u16>, String)> = records
        .iter()
        .map(|record| {
            let (preference, host) = mx_parts(record);
            (preference, normalize_name(host))
        })
        .collect();
    check.found = records.to_vec();
    if found.is_empty() {
        check.status = RecordStatus::Missing;
        check.message = codes::mx_missing(&name);
        return check;
    }
    let fix_with_removals = |check: &mut RecordCheck, extra: &[&String]| {
        if let Some(mut fix) = check.fix.take() {
            for record in records.iter().filter(|record| {
                let host = normalize_name(mx_parts(record).1);
                extra.contains(&&host) || host.is_empty()
            }) {
                fix = fix.removing(&name, record);
            }
            check.fix = Some(fix);
        }
    };
    if found.iter().any(|(_, host)| host.is_empty()) {
        check.status = RecordStatus::Fail;
        check.message = codes::mx_null(&name);
        fix_with_removals(&mut check, &[]);
        return check;
    }
    let absent: Vec<&(u16, String)> = wanted
        .iter()
        .filter(|(_, host)| !found.iter().any(|(_, found)| found == host))
        .collect();
    let extra: Vec<&String> = found
        .iter()
        .map(|(_, host)| host)
        .filter(|host| !wanted.iter().any(|(_, wanted)| wanted == *host))
        .collect();
    if !absent.is_empty() || !extra.is_empty() {
        check.status = RecordStatus::Fail;
        let mut parts = Vec::new();
        if !absent.is_empty() {
            let hosts: Vec<&str> = absent.iter().map(|(_, host)| host.as_str()).collect();
            parts.push(codes::mx_absent(&name, hosts.join(", ")));
        }
        if !extra.is_empty() {
            let hosts: Vec<&str> = extra.iter().map(|host| host.as_str()).collect();
            parts.push(codes::mx_extra(&name, hosts.join(", ")));
        }
        check.message = Text::join(parts).unwrap_or_else(|| codes::mx_missing(&name));
        fix_with_removals(&mut check, &extra);
        return check;
    }
    for (preference, host) in expected
        .iter()
        .filter_map(|(p, host)| Some((p.as_ref()?, host)))
    {
        let host = normalize_name(host);
        if let Some((Some(found), _)) = found.iter().find(|(_, found)| *found == host)
            && found != preference
        {
            check
                .warnings
                .push(codes::mx_preference(&host, *found, *preference));
        }
    }
    check.message = codes::mx_pass(&name);
    check.fix = None;
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;

    const NAME: &str = "mail.shop.example";

    fn judge(records: Answer) -> RecordCheck {
        let snapshot = DnsSnapshot::new().with(NAME, QueryType::Mx, records);
        evaluate(
            NAME,
            &[(Some(10), "feedback-smtp.eu-west-1.amazonses.com")],
            &snapshot,
        )
    }

    fn mx(records: &[&str]) -> Answer {
        Answer::Records(records.iter().map(|r| r.to_string()).collect())
    }

    #[test]
    fn the_provider_host_passes_and_a_wrong_preference_warns() {
        let result = judge(mx(&["10 Feedback-SMTP.eu-west-1.amazonses.com."]));
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert!(result.warnings.is_empty());
        let result = judge(mx(&["20 feedback-smtp.eu-west-1.amazonses.com"]));
        assert_eq!(result.status, RecordStatus::Pass);
        assert!(result.warnings[0].en().contains("preference 20"));
    }

    #[test]
    fn missing_wrong_extra_and_null_mx() {
        assert_eq!(judge(Answer::NoData).status, RecordStatus::Missing);
        assert_eq!(judge(Answer::NxDomain).status, RecordStatus::Missing);
        let wrong_region = judge(mx(&["10 feedback-smtp.us-east-1.amazonses.com"]));
        assert_eq!(wrong_region.status, RecordStatus::Fail);
        let fix = wrong_region.fix.unwrap();
        assert_eq!(fix.value, "10 feedback-smtp.eu-west-1.amazonses.com");
        assert_eq!(
            fix.zone,
            "mail.shop.example. IN MX 10 feedback-smtp.eu-west-1.amazonses.com."
        );
        assert_eq!(
            fix.actions.len(),
            2,
            "publish the right host, remove the wrong one"
        );
        let extra = judge(mx(&[
            "10 feedback-smtp.eu-west-1.amazonses.com",
            "20 mx.other.example",
        ]));
        assert_eq!(extra.status, RecordStatus::Fail);
        assert!(extra.message.en().contains("also lists mx.other.example"));
        for record in ["0 .", "0 "] {
            let null = judge(mx(&[record]));
            assert_eq!(null.status, RecordStatus::Fail);
            assert!(null.message.en().contains("null MX"));
            let removal = &null.fix.unwrap().actions[1];
            assert_eq!(removal.zone, "mail.shop.example. IN MX 0 .");
        }
        let failed = judge(Answer::Failed(super::super::LookupFailure::ServFail));
        assert_eq!(failed.status, RecordStatus::Error);
    }
}
