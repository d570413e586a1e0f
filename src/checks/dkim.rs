//! DKIM public keys published as TXT (`SELECTOR._domainkey.DOMAIN`, RFC 6376 §3.6): the key must
//! be one receivers can use — RFC 6376's tag rules and RFC 8301/8463's algorithms — and, when
//! the provider's key is known, exactly that key. The tag-list reader is shared with the
//! message verifier (`crate::message::dkim`).

use std::borrow::Cow;

use base64::Engine;

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{DnsSnapshot, Query, normalize_name};
use crate::text::{Text, codes};

/// The smallest RSA key RFC 8301 §3.2 lets a verifier accept, and the size it recommends.
const MIN_RSA_BITS: usize = 1024;
const RECOMMENDED_RSA_BITS: usize = 2048;

/// Judges the key at `name`: `key` is the `p=` value the provider shows (compared ignoring white
/// space), `key_type` the type it signs with.
pub fn evaluate_key(
    name: &str,
    key: Option<&str>,
    key_type: Option<&str>,
    snapshot: &DnsSnapshot,
) -> RecordCheck {
    let name = normalize_name(name);
    let key: Option<String> = key.map(|key| key.split_whitespace().collect());
    let wanted_type = key_type.unwrap_or("rsa");
    let template = format!(
        "v=DKIM1; k={wanted_type}; p={}",
        key.as_deref().unwrap_or("PUBLIC-KEY")
    );
    let expected = match &key {
        Some(_) => codes::expect_txt(&template),
        None => codes::dkim_expected_any(wanted_type),
    };
    let mut fix = Fix::txt(&name, &template);
    if key.is_none() {
        // Without the provider's key there is no exact record to publish: say so.
        fix.actions.clear();
    }
    let mut check = RecordCheck::new(RecordKind::Dkim, &name, "TXT", expected, fix);
    let query = Query::txt(&name);
    let records = match check.records_of(snapshot, &query) {
        Ok(records) => records,
        Err(unanswered) => return *unanswered,
    };
    if key.is_none() {
        check.warnings.push(codes::dkim_key_not_given());
    }
    let keys: Vec<&String> = records
        .iter()
        .filter(|record| looks_like_key(record))
        .collect();
    check.found = records.to_vec();
    match keys.as_slice() {
        [] if records.is_empty() => {
            check.status = RecordStatus::Missing;
            check.message = codes::dkim_missing(&name);
        }
        [] => {
            check.status = RecordStatus::Fail;
            check.message = codes::dkim_not_a_key(&name);
        }
        [record] => judge(&mut check, record, key.as_deref(), key_type),
        several => {
            check.status = RecordStatus::Fail;
            check.message = codes::dkim_several_keys(&name, several.len());
            if let Some(fix) = check.fix.take() {
                let mut fix = fix.replacing(several[0]);
                for other in &several[1..] {
                    fix = fix.removing(&name, other);
                }
                check.fix = Some(fix);
            }
        }
    }
    if check.status == RecordStatus::Pass {
        check.fix = None;
        check
            .warnings
            .retain(|warning| warning.code != codes::id::dkim_key_not_given);
    }
    check
}

/// Whether a TXT record is meant as a DKIM key: it has a `p=` tag or starts with `v=DKIM1`.
fn looks_like_key(record: &str) -> bool {
    let trimmed = record.trim_start();
    trimmed.starts_with("v=DKIM1")
        || record.split(';').any(|part| {
            part.trim()
                .strip_prefix('p')
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
}

/// Judges the one key record found.
fn judge(check: &mut RecordCheck, record: &str, key: Option<&str>, key_type: Option<&str>) {
    let name = check.name.clone();
    let (problems, warnings, found_type, found_key) = key_facts(record);
    check.warnings.extend(warnings);
    let fail = |check: &mut RecordCheck, message: Text| {
        check.status = RecordStatus::Fail;
        check.message = message;
        if let Some(fix) = check.fix.take() {
            check.fix = Some(fix.replacing(record));
        }
    };
    if !problems.is_empty() {
        fail(check, codes::dkim_unusable(&name, problems));
        return;
    }
    if let Some(wanted) = key_type
        && found_type != wanted
    {
        fail(check, codes::dkim_wrong_type(&name, &found_type, wanted));
        return;
    }
    if let Some(wanted) = key
        && found_key != wanted
    {
        fail(check, codes::dkim_wrong_key(&name));
        return;
    }
    check.message = codes::dkim_pass(&name, &found_type);
}

/// What RFC 6376 §3.6.1, RFC 8301 and RFC 8463 make of a key record: problems that make
/// receivers reject it, warnings, the key type and the `p=` value.
fn key_facts(record: &str) -> (Vec<Text>, Vec<Text>, String, String) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let tags = match tag_list(record) {
        Ok(tags) => tags,
        Err(problem) => {
            return (
                vec![codes::dkim_tag_list_problem(problem)],
                warnings,
                String::new(),
                String::new(),
            );
        }
    };
    if let Some(position) = tags.iter().position(|(tag, _)| *tag == "v")
        && (position != 0 || tags[position].1 != "DKIM1")
    {
        problems.push(codes::dkim_version_first());
    }
    let key_type = tag(&tags, "k").unwrap_or("rsa").to_ascii_lowercase();
    let public_key = tag(&tags, "p").unwrap_or_default().to_string();
    match tag(&tags, "p") {
        None => problems.push(codes::dkim_no_p()),
        Some("") => problems.push(codes::dkim_revoked()),
        Some(p) => match base64::engine::general_purpose::STANDARD.decode(p) {
            Err(_) => problems.push(codes::dkim_not_base64()),
            Ok(der) => match key_type.as_str() {
                "rsa" => match rsa_bits(&der) {
                    None => problems.push(codes::dkim_not_rsa()),
                    Some(bits) if bits < MIN_RSA_BITS => {
                        problems.push(codes::dkim_rsa_too_short(bits, MIN_RSA_BITS));
                    }
                    Some(bits) if bits < RECOMMENDED_RSA_BITS => {
                        warnings.push(codes::dkim_rsa_short(bits, RECOMMENDED_RSA_BITS));
                    }
                    Some(_) => {}
                },
                "ed25519" if der.len() != 32 => problems.push(codes::dkim_ed25519_size(der.len())),
                "ed25519" => warnings.push(codes::dkim_ed25519_only()),
                other => problems.push(codes::dkim_unknown_type(other)),
            },
        },
    }
    if let Some(hashes) = tag(&tags, "h")
        && !hashes
            .split(':')
            .any(|h| h.trim().eq_ignore_ascii_case("sha256"))
    {
        problems.push(codes::dkim_no_sha256(hashes));
    }
    if let Some(services) = tag(&tags, "s")
        && !services
            .split(':')
            .any(|service| matches!(service.trim(), "*" | "email"))
    {
        problems.push(codes::dkim_not_email(services));
    }
    if tag(&tags, "t").is_some_and(|flags| {
        flags
            .split(':')
            .any(|flag| flag.trim().eq_ignore_ascii_case("y"))
    }) {
        warnings.push(codes::dkim_testing());
    }
    (problems, warnings, key_type, public_key)
}

/// The modulus size of an RSA public key, as SubjectPublicKeyInfo or bare PKCS#1.
pub fn rsa_bits(der: &[u8]) -> Option<usize> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    rsa::RsaPublicKey::from_public_key_der(der)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(der))
        .ok()
        .map(|key| key.n().bits())
}

/// A tag-list's tags in order: each name as written, its value with folding white space
/// removed (borrowed from the text when there was none to remove).
pub type Tags<'t> = Vec<(&'t str, Cow<'t, str>)>;

/// A tag-list (RFC 6376 §3.2) as written: names kept exactly (tags are case-sensitive), values
/// with folding white space removed. `Err` names the first syntax problem.
pub fn tag_list(text: &str) -> Result<Tags<'_>, Text> {
    let mut tags: Tags<'_> = Vec::with_capacity(12);
    let mut parts = text.split(';').peekable();
    while let Some(part) = parts.next() {
        let part = part.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
        if part.is_empty() {
            if parts.peek().is_none() {
                continue;
            }
            return Err(codes::tags_empty());
        }
        let Some((name, value)) = part.split_once('=') else {
            return Err(codes::tags_not_a_pair(part));
        };
        let name = name.trim_end_matches(|c: char| c.is_ascii_whitespace());
        let name_ok = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(codes::tags_bad_name(name));
        }
        if tags.iter().any(|(seen, _)| *seen == name) {
            return Err(codes::tags_repeated(name));
        }
        let value = if value.bytes().any(|b| b.is_ascii_whitespace()) {
            let mut unfolded = String::with_capacity(value.len());
            value
                .split_ascii_whitespace()
                .for_each(|piece| unfolded.push_str(piece));
            Cow::Owned(unfolded)
        } else {
            Cow::Borrowed(value)
        };
        tags.push((name, value));
    }
    Ok(tags)
}

pub fn tag<'t>(tags: &'t [(&str, Cow<'_, str>)], name: &str) -> Option<&'t str> {
    tags.iter()
        .find(|(tag, _)| *tag == name)
        .map(|(_, value)| value.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Answer;
    use crate::answer::LookupFailure;
    use crate::checks::ActionKind;

    const NAME: &str = "k1._domainkey.shop.example";
    /// A 512-bit RSA key (fixtures/dkim/rsa512.pem), under RFC 8301's floor.
    const WEAK: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAN1iBXe9dhnsnH4zLq16x4dFy8bgQxIM/+R7ADOhIMhNdicX6IkKRgDjKZ0CDU6Wt2TbZkjGZSc3tYfxO9/LDUUCAwEAAQ==";

    /// The 2048-bit key signer.example.zone publishes at rsa._domainkey.
    fn strong() -> String {
        let zone = include_str!("../../fixtures/zones/signer.example.zone");
        let line = zone
            .lines()
            .find(|line| line.starts_with("rsa._domainkey"))
            .expect("the rsa key");
        let joined: String = line
            .split('"')
            .skip(1)
            .step_by(2)
            .collect::<Vec<_>>()
            .concat();
        joined
            .split("p=")
            .nth(1)
            .expect("a p= tag")
            .trim_end_matches(';')
            .trim()
            .to_string()
    }

    fn judge(records: &[&str], key: Option<&str>, key_type: Option<&str>) -> RecordCheck {
        evaluate_key(
            NAME,
            key,
            key_type,
            &DnsSnapshot::new().with_txt(NAME, records),
        )
    }

    #[test]
    fn a_usable_key_passes_and_the_exact_key_is_compared() {
        let strong = strong();
        let record = format!("v=DKIM1; k=rsa; p={strong}");
        let result = judge(&[&record], None, None);
        assert_eq!(result.status, RecordStatus::Pass, "{result:#?}");
        assert_eq!(result.fix, None);
        assert!(result.warnings.is_empty(), "{:?}", result.warnings);
        // White space inside p= (DNS panels wrap long keys) is not a difference.
        let spaced = format!("{} {}", &strong[..40], &strong[40..]);
        assert_eq!(
            judge(&[&record], Some(&spaced), Some("rsa")).status,
            RecordStatus::Pass
        );
        let other = judge(&[&record], Some("AAAAAAAAAAAAAAAAAAAA"), None);
        assert_eq!(other.status, RecordStatus::Fail);
        let fix = other.fix.unwrap();
        assert_eq!(fix.value, "v=DKIM1; k=rsa; p=AAAAAAAAAAAAAAAAAAAA");
        assert_eq!(fix.actions[0].action, ActionKind::Replace);
    }

    #[test]
    fn keys_receivers_cannot_use_fail_with_the_rule() {
        let strong = strong();
        let cases = [
            ("v=DKIM1; k=rsa; p=".to_string(), "revoked"),
            (format!("v=DKIM1; k=rsa; p={WEAK}"), "512 bits"),
            (format!("k=rsa; v=DKIM1; p={strong}"), "v= must come first"),
            (format!("v=DKIM1; k=dsa; p={strong}"), "k=dsa"),
            (format!("v=DKIM1; h=sha1; p={strong}"), "h=sha1"),
            (format!("v=DKIM1; s=tls; p={strong}"), "s=tls"),
            ("v=DKIM1; k=rsa; p=not base64!".to_string(), "not base64"),
            (format!("v=DKIM1; p={strong}; p={strong}"), "appears twice"),
            ("v=DKIM1; k=ed25519; p=AAAA".to_string(), "32 bytes"),
        ];
        for (record, expected) in cases {
            let result = judge(&[&record], None, None);
            assert_eq!(result.status, RecordStatus::Fail, "{record}");
            assert!(
                result.message.en().contains(expected),
                "{expected:?}: {}",
                result.message.en()
            );
        }
        let ed = judge(
            &["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
            None,
            None,
        );
        assert_eq!(ed.status, RecordStatus::Pass, "{ed:#?}");
        assert!(ed.warnings[0].en().contains("ed25519"));
        let wrong_type = judge(
            &["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
            None,
            Some("rsa"),
        );
        assert_eq!(wrong_type.status, RecordStatus::Fail);
        let testing = judge(&[&format!("v=DKIM1; t=y; p={strong}")], None, None);
        assert_eq!(testing.status, RecordStatus::Pass);
        assert!(testing.warnings.iter().any(|w| w.en().starts_with("t=y")));
    }

    #[test]
    fn absent_several_not_a_key_and_unanswered() {
        assert_eq!(judge(&[], None, None).status, RecordStatus::Missing);
        let other = judge(&["google-site-verification=abc"], None, None);
        assert_eq!(other.status, RecordStatus::Fail);
        assert!(other.message.en().contains("not a DKIM key"));
        let strong = strong();
        let one = format!("v=DKIM1; p={strong}");
        let two = format!("v=DKIM1; p={WEAK}");
        let several = judge(&[&one, &two], Some(&strong), None);
        assert_eq!(several.status, RecordStatus::Fail);
        assert_eq!(several.fix.unwrap().actions.len(), 2);
        let failed = evaluate_key(
            NAME,
            None,
            None,
            &DnsSnapshot::new().with(
                NAME,
                crate::checks::QueryType::Txt,
                Answer::Failed(LookupFailure::Timeout),
            ),
        );
        assert_eq!(failed.status, RecordStatus::Error);
        assert_eq!(failed.fix, None);
    }

    #[test]
    fn a_tag_list_keeps_names_as_written_and_values_unfolded() {
        let text = "v=1; a=rsa-sha256; d=shop.example;\r\n b=abc\r\n def\t ghi; h = from : to ;";
        let tags = tag_list(text).unwrap();
        let names: Vec<&str> = tags.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["v", "a", "d", "b", "h"]);
        assert_eq!(tag(&tags, "d"), Some("shop.example"));
        assert!(
            matches!(tags[2].1, Cow::Borrowed(_)),
            "nothing to unfold, nothing copied"
        );
        assert_eq!(tag(&tags, "b"), Some("abcdefghi"), "folding removed");
        assert_eq!(tag(&tags, "h"), Some("from:to"));
        assert_eq!(tag(&tags, "x"), None);
        let code = |text: &str| tag_list(text).unwrap_err().code;
        assert_eq!(code("v=1;;d=x"), "tags.empty");
        assert_eq!(code("v=1; d=x; v=2"), "tags.repeated");
        assert_eq!(code("v=1; nonsense"), "tags.not_a_pair");
        assert_eq!(code("1v=1"), "tags.bad_name");
    }
}
