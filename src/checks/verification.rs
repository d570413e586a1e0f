//! An exact TXT record: domain ownership (a TXT equal to the profile's template with the token
//! filled in), or any other TXT a provider asks for verbatim.

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{DnsSnapshot, Query};
use crate::text::codes;

/// Judges the ownership record: a TXT at `name` equal to `expected_value` (the profile's
/// `template` with the parameters filled in). A TXT of the same template with another value is
/// shown as the wrong one.
pub fn evaluate(
    kind: RecordKind,
    name: &str,
    template: &str,
    expected_value: &str,
    snapshot: &DnsSnapshot,
) -> RecordCheck {
    let domain = name;
    let expected_value = expected_value.to_string();
    // What surrounds the placeholders: a record with these and another value is a stale one.
    let prefix = template.split('{').next().unwrap_or_default();
    let suffix = template.rsplit('}').next().unwrap_or_default();
    let mut check = RecordCheck::new(
        kind,
        domain,
        "TXT",
        codes::expect_txt(&expected_value),
        Fix::txt(domain, &expected_value),
    );
    let query = Query::txt(domain);
    let records = match check.records_of(snapshot, &query) {
        Ok(records) => records,
        Err(unanswered) => return *unanswered,
    };
    if records.iter().any(|record| record.trim() == expected_value) {
        check.found = vec![expected_value];
        check.message = if kind == RecordKind::Verification {
            codes::verification_pass(domain)
        } else {
            codes::txt_pass(domain)
        };
        check.fix = None;
        return check;
    }
    // Records of the same template with another token: usually a token from an old registration.
    let similar: Vec<String> = records
        .iter()
        .map(|record| record.trim())
        .filter(|record| {
            record.len() > prefix.len() + suffix.len()
                && record.starts_with(prefix)
                && record.ends_with(suffix)
        })
        .map(str::to_string)
        .collect();
    if similar.is_empty() {
        check.status = RecordStatus::Missing;
        check.message = codes::txt_missing(&expected_value, domain);
    } else {
        check.status = RecordStatus::Fail;
        check.message = if kind == RecordKind::Verification {
            codes::verification_other_token(domain, similar.join(", "))
        } else {
            codes::txt_other_value(domain, similar.join(", "))
        };
        check.found = similar;
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;
    use crate::answer::LookupFailure;

    const TEMPLATE: &str = "mandrill_verify.{token}";

    fn check(records: &[&str]) -> RecordCheck {
        let snapshot = DnsSnapshot::new().with_txt("shop.example", records);
        evaluate(
            RecordKind::Verification,
            "shop.example",
            TEMPLATE,
            &TEMPLATE.replace("{token}", "KEY123"),
            &snapshot,
        )
    }

    #[test]
    fn the_exact_record_passes() {
        let result = check(&["v=spf1 -all", "mandrill_verify.KEY123"]);
        assert_eq!(result.status, RecordStatus::Pass);
        assert_eq!(result.fix, None);
        assert_eq!(result.found, ["mandrill_verify.KEY123"]);
    }

    #[test]
    fn another_token_fails_and_shows_it() {
        let result = check(&["mandrill_verify.OLDKEY"]);
        assert_eq!(result.status, RecordStatus::Fail);
        assert_eq!(result.found, ["mandrill_verify.OLDKEY"]);
        assert_eq!(result.fix.unwrap().value, "mandrill_verify.KEY123");
    }

    #[test]
    fn no_such_record_is_missing() {
        let result = check(&["v=spf1 -all", "mandrill_verify."]);
        assert_eq!(result.status, RecordStatus::Missing);
        assert_eq!(result.fix.unwrap().value, "mandrill_verify.KEY123");
    }

    #[test]
    fn a_failed_lookup_is_an_error() {
        let snapshot = DnsSnapshot::new().with(
            "shop.example",
            crate::checks::QueryType::Txt,
            Answer::Failed(LookupFailure::ServFail),
        );
        let result = evaluate(
            RecordKind::Verification,
            "shop.example",
            TEMPLATE,
            "mandrill_verify.KEY123",
            &snapshot,
        );
        assert_eq!(result.status, RecordStatus::Error);
    }
}
