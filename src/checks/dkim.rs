//! DKIM public keys published as TXT (`SELECTOR._domainkey.DOMAIN`, RFC 6376 §3.6): the key must
//! be one receivers can use — RFC 6376's tag rules and RFC 8301/8463's algorithms — and, when
//! the provider's key is known, exactly that key. The tag-list reader is shared with the
//! message verifier (`crate::message::dkim`).

use base64::Engine;

use super::{Fix, RecordCheck, RecordKind, RecordStatus};
use crate::answer::{DnsSnapshot, Query, normalize_name};

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
        Some(_) => template.clone(),
        None => format!(
            "one valid DKIM key (v=DKIM1; k={wanted_type}; p=…), the one the provider shows"
        ),
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
        check.warnings.push(
            "the exact record needs the provider's public key: give the profile's key \
             parameter (e.g. dkim_key) to have it checked and spelled out"
                .to_string(),
        );
    }
    let keys: Vec<&String> = records
        .iter()
        .filter(|record| looks_like_key(record))
        .collect();
    check.found = records.to_vec();
    match keys.as_slice() {
        [] if records.is_empty() => {
            check.status = RecordStatus::Missing;
            check.message = format!("no DKIM key at {name}");
        }
        [] => {
            check.status = RecordStatus::Fail;
            check.message = format!("the TXT record at {name} is not a DKIM key (no p= tag)");
        }
        [record] => judge(&mut check, record, key.as_deref(), key_type),
        several => {
            check.status = RecordStatus::Fail;
            check.message = format!(
                "{name} has {} DKIM keys; receivers may use either, so signatures fail at \
                 random (RFC 6376 §3.6.2.2): keep one",
                several.len()
            );
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
            .retain(|warning| !warning.starts_with("the exact record needs"));
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
    let fail = |check: &mut RecordCheck, message: String| {
        check.status = RecordStatus::Fail;
        check.message = message;
        if let Some(fix) = check.fix.take() {
            check.fix = Some(fix.replacing(record));
        }
    };
    if !problems.is_empty() {
        fail(
            check,
            format!(
                "the DKIM key at {name} is unusable: {}",
                problems.join("; ")
            ),
        );
        return;
    }
    if let Some(wanted) = key_type
        && found_type != wanted
    {
        fail(
            check,
            format!("the key at {name} is k={found_type}; the provider signs with {wanted} keys"),
        );
        return;
    }
    if let Some(wanted) = key
        && found_key != wanted
    {
        fail(
            check,
            format!(
                "the key at {name} is not the provider's key: its p= differs from the one the \
                 provider shows (an old or another account's key)"
            ),
        );
        return;
    }
    check.message = format!("DKIM key at {name} ({found_type})");
}

/// What RFC 6376 §3.6.1, RFC 8301 and RFC 8463 make of a key record: problems that make
/// receivers reject it, warnings, the key type and the `p=` value.
fn key_facts(record: &str) -> (Vec<String>, Vec<String>, String, String) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let tags = match tag_list(record) {
        Ok(tags) => tags,
        Err(problem) => {
            return (
                vec![format!("{problem} (RFC 6376 §3.2)")],
                warnings,
                String::new(),
                String::new(),
            );
        }
    };
    if let Some(position) = tags.iter().position(|(tag, _)| tag == "v")
        && (position != 0 || tags[position].1 != "DKIM1")
    {
        problems.push("v= must come first and be DKIM1 (RFC 6376 §3.6.1)".to_string());
    }
    let key_type = tag(&tags, "k").unwrap_or("rsa").to_ascii_lowercase();
    let public_key = tag(&tags, "p").unwrap_or_default().to_string();
    match tag(&tags, "p") {
        None => problems.push("it has no p= tag (RFC 6376 §3.6.1)".to_string()),
        Some("") => problems.push("p= is empty: the key is revoked (RFC 6376 §3.6.1)".to_string()),
        Some(p) => match base64::engine::general_purpose::STANDARD.decode(p) {
            Err(_) => problems.push("p= is not base64 (RFC 6376 §3.6.1)".to_string()),
            Ok(der) => match key_type.as_str() {
                "rsa" => match rsa_bits(&der) {
                    None => problems.push("p= is not an RSA public key".to_string()),
                    Some(bits) if bits < MIN_RSA_BITS => problems.push(format!(
                        "an RSA key of {bits} bits: receivers ignore keys under {MIN_RSA_BITS} \
                         bits (RFC 8301 §3.2)"
                    )),
                    Some(bits) if bits < RECOMMENDED_RSA_BITS => warnings.push(format!(
                        "an RSA key of {bits} bits: RFC 8301 §3.2 asks signers for at least \
                         {RECOMMENDED_RSA_BITS}"
                    )),
                    Some(_) => {}
                },
                "ed25519" if der.len() != 32 => problems.push(format!(
                    "an ed25519 key must be 32 bytes, this one is {} (RFC 8463 §4.2)",
                    der.len()
                )),
                "ed25519" => warnings.push(
                    "an ed25519 key: many receivers cannot verify ed25519 signatures yet; sign \
                     with an RSA key too (RFC 8463 §5)"
                        .to_string(),
                ),
                other => problems.push(format!(
                    "k={other} is not a key type receivers know: rsa or ed25519 (RFC 8301, RFC 8463)"
                )),
            },
        },
    }
    if let Some(hashes) = tag(&tags, "h")
        && !hashes
            .split(':')
            .any(|h| h.trim().eq_ignore_ascii_case("sha256"))
    {
        problems.push(format!(
            "h={hashes} does not allow sha256, and receivers refuse sha1 (RFC 8301 §3.1)"
        ));
    }
    if let Some(services) = tag(&tags, "s")
        && !services
            .split(':')
            .any(|service| matches!(service.trim(), "*" | "email"))
    {
        problems.push(format!("s={services} is not for email (RFC 6376 §3.6.1)"));
    }
    if tag(&tags, "t").is_some_and(|flags| {
        flags
            .split(':')
            .any(|flag| flag.trim().eq_ignore_ascii_case("y"))
    }) {
        warnings.push(
            "t=y: the key is in test mode, and receivers may treat its signatures as absent \
             (RFC 6376 §3.6.1)"
                .to_string(),
        );
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

/// A tag-list (RFC 6376 §3.2) as written: names kept exactly (tags are case-sensitive), values
/// with folding white space removed. `Err` names the first syntax problem.
pub fn tag_list(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    let parts: Vec<&str> = text.split(';').collect();
    for (index, part) in parts.iter().enumerate() {
        let part = part.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\r' || c == '\n');
        if part.is_empty() {
            if index + 1 == parts.len() {
                continue;
            }
            return Err("an empty tag between two ';'".to_string());
        }
        let Some((name, value)) = part.split_once('=') else {
            return Err(format!("\"{part}\" is not a tag=value pair"));
        };
        let name = name.trim_end_matches(|c: char| c.is_ascii_whitespace());
        let name_ok = name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(format!("\"{name}\" is not a tag name"));
        }
        if tags.iter().any(|(seen, _)| seen == name) {
            return Err(format!("tag {name}= appears twice"));
        }
        let value: String = value.split_ascii_whitespace().collect();
        tags.push((name.to_string(), value));
    }
    Ok(tags)
}

pub fn tag<'t>(tags: &'t [(String, String)], name: &str) -> Option<&'t str> {
    tags.iter()
        .find(|(tag, _)| tag == name)
        .map(|(_, value)| value.as_str())
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
                result.message.contains(expected),
                "{expected:?}: {}",
                result.message
            );
        }
        let ed = judge(
            &["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
            None,
            None,
        );
        assert_eq!(ed.status, RecordStatus::Pass, "{ed:#?}");
        assert!(ed.warnings[0].contains("ed25519"));
        let wrong_type = judge(
            &["v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="],
            None,
            Some("rsa"),
        );
        assert_eq!(wrong_type.status, RecordStatus::Fail);
        let testing = judge(&[&format!("v=DKIM1; t=y; p={strong}")], None, None);
        assert_eq!(testing.status, RecordStatus::Pass);
        assert!(testing.warnings.iter().any(|w| w.starts_with("t=y")));
    }

    #[test]
    fn absent_several_not_a_key_and_unanswered() {
        assert_eq!(judge(&[], None, None).status, RecordStatus::Missing);
        let other = judge(&["google-site-verification=abc"], None, None);
        assert_eq!(other.status, RecordStatus::Fail);
        assert!(other.message.contains("not a DKIM key"));
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
}
