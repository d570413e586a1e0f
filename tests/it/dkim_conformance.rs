//! The DKIM conformance suite: cases written from RFC 6376, 8301 and 8463 and RFC 7489's
//! alignment in `fixtures/conformance/dkim.toml`. Each message is signed here by an
//! independent signer (canonicalisation and tags written out by hand, so a case can break any
//! rule on purpose), its key served by a real DNS server, and the verdict taken from
//! `sendercheck::message::dkim::verify` as the CLI and the API take it.

use std::path::Path;

use base64::Engine;
use mail_auth::common::crypto::{Ed25519Key, SigningKey};
use rsa::pkcs8::DecodePrivateKey;
use serde::Deserialize;
use sha2::Digest;

use sendercheck::message::dkim::verify;

use crate::conformance::{resolver, serve_zone};
use crate::fixture_dns::zone_dir;
use crate::signing::{pem_der, rsa_key};

const SUFFIX: &str = "conformance";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Suite {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    rfc: String,
    /// The key record published at `s._domainkey.d` ({rsa}, {ed}, {weak} stand for the
    /// fixture keys' public halves); none: no key is published.
    #[serde(default)]
    key: Option<String>,
    /// More zone lines, relative to the case's domain (`{d}` is the case's domain).
    #[serde(default)]
    zone: String,
    /// Which private key signs: rsa (2048 bits), weak (512 bits) or ed.
    #[serde(default = "default_signer")]
    signer: String,
    /// The a= tag; it also picks the hash (rsa-sha1 hashes with SHA-1).
    #[serde(default = "default_algorithm")]
    a: String,
    #[serde(default = "default_canonicalization")]
    c: String,
    #[serde(default = "default_headers")]
    h: String,
    /// The signing domain (default: the case's domain).
    #[serde(default)]
    d: Option<String>,
    #[serde(default = "default_selector")]
    s: String,
    /// The v= tag; empty: left out.
    #[serde(default = "default_version")]
    v: String,
    /// Tags written before bh=, as text (they may repeat a tag on purpose).
    #[serde(default)]
    tags: String,
    /// l=: sign only this many bytes of the canonical body.
    #[serde(default)]
    l: Option<usize>,
    /// Tags among c= and l= the signer writes with their names in capitals (`C=`, `L=`),
    /// meaning them as the real ones.
    #[serde(default)]
    capital: Vec<String>,
    /// The From address (default test@ the case's domain).
    #[serde(default)]
    from: Option<String>,
    /// A change made after signing: body, subject, subject-space.
    #[serde(default)]
    edit: String,
    /// A second signature, the same but for d= (its key published the same way).
    #[serde(default)]
    also_d: Option<String>,
    result: String,
    /// Text the first signature's reason must contain.
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    aligned: Option<bool>,
    #[serde(default)]
    aligned_pass: Option<bool>,
}

fn default_signer() -> String {
    "rsa".into()
}
fn default_algorithm() -> String {
    "rsa-sha256".into()
}
fn default_canonicalization() -> String {
    "relaxed/relaxed".into()
}
fn default_headers() -> String {
    "from:to:subject".into()
}
fn default_selector() -> String {
    "sel".into()
}
fn default_version() -> String {
    "1".into()
}

impl Case {
    fn domain(&self) -> String {
        format!("{}.{SUFFIX}", self.id)
    }

    fn expand(&self, text: &str) -> String {
        text.replace("{d}", &self.domain())
    }

    fn signing_domain(&self) -> String {
        self.d
            .as_deref()
            .map_or_else(|| self.domain(), |d| self.expand(d))
    }
}

/// The public halves of the fixture keys, as the signer.example zone publishes them.
fn public_keys() -> Vec<(&'static str, String)> {
    let zone = std::fs::read_to_string(zone_dir().join("signer.example.zone")).expect("the zone");
    let key = |owner: &str| {
        let line = zone
            .lines()
            .find(|line| line.starts_with(owner))
            .expect("the key line");
        let data: String = line
            .split('"')
            .skip(1)
            .step_by(2)
            .collect::<Vec<_>>()
            .concat();
        data.split("p=")
            .nth(1)
            .expect("p=")
            .trim_end_matches(';')
            .to_string()
    };
    vec![
        ("{rsa}", key("rsa._domainkey")),
        ("{ed}", key("ed._domainkey")),
        ("{weak}", key("weak._domainkey")),
    ]
}

fn message(from: &str) -> String {
    format!(
        "From: Test <{from}>\r\nTo: support@platform.example\r\nSubject: DKIM test\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <c@platform.example>\r\n\r\n\
         Hello,\r\nthis  is a test message.  \r\n\r\n"
    )
}

fn relaxed_header(name: &str, value: &str) -> String {
    let value = value.replace("\r\n", "");
    let folded: Vec<&str> = value.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
    format!("{}:{}", name.trim().to_ascii_lowercase(), folded.join(" "))
}

fn canonical_body(body: &str, relaxed: bool) -> String {
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|line| {
            if relaxed {
                let folded: Vec<&str> = line.split([' ', '\t']).filter(|s| !s.is_empty()).collect();
                let mut joined = folded.join(" ");
                if line.starts_with([' ', '\t']) && !joined.is_empty() {
                    joined.insert(0, ' ');
                }
                joined
            } else {
                line.to_string()
            }
        })
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return if relaxed {
            String::new()
        } else {
            "\r\n".into()
        };
    }
    lines.iter().map(|line| format!("{line}\r\n")).collect()
}

/// Signs `message` as the case says; the DKIM-Signature header with its CRLF.
fn sign(case: &Case, message: &str, domain: &str) -> String {
    let (header_c, body_c) = case.c.split_once('/').unwrap_or((&case.c, "simple"));
    let (headers, body) = message.split_once("\r\n\r\n").expect("a header block");
    let mut body = canonical_body(body, body_c == "relaxed");
    if let Some(length) = case.l {
        body.truncate(length);
    }
    let sha1 = case.a == "rsa-sha1";
    let engine = base64::engine::general_purpose::STANDARD;
    let body_hash = if sha1 {
        use sha1::Digest as _;
        engine.encode(sha1::Sha1::digest(body.as_bytes()))
    } else {
        engine.encode(sha2::Sha256::digest(body.as_bytes()))
    };
    let mut value = String::new();
    if !case.v.is_empty() {
        value.push_str(&format!("v={}; ", case.v));
    }
    let name = |tag: &str| {
        if case.capital.iter().any(|capital| capital == tag) {
            tag.to_ascii_uppercase()
        } else {
            tag.to_string()
        }
    };
    value.push_str(&format!(
        "a={}; {}={}; d={domain}; s={}; h={};",
        case.a,
        name("c"),
        case.c,
        case.s,
        case.h
    ));
    if let Some(length) = case.l {
        value.push_str(&format!(" {}={length};", name("l")));
    }
    if !case.tags.is_empty() {
        value.push_str(&format!(" {};", case.expand(&case.tags)));
    }
    value.push_str(&format!(" bh={body_hash}; b="));
    let mut data = String::new();
    for name in case.h.split(':') {
        let line = headers.split("\r\n").find(|line| {
            line.split_once(':')
                .is_some_and(|(field, _)| field.trim().eq_ignore_ascii_case(name.trim()))
        });
        if let Some(line) = line {
            let (field, field_value) = line.split_once(':').expect("a header field");
            if header_c == "relaxed" {
                data.push_str(&relaxed_header(field, field_value));
            } else {
                data.push_str(line);
            }
            data.push_str("\r\n");
        }
    }
    if header_c == "relaxed" {
        data.push_str(&relaxed_header("DKIM-Signature", &value));
    } else {
        data.push_str(&format!("DKIM-Signature: {value}"));
    }
    let signature = match (case.signer.as_str(), sha1) {
        (_, true) => {
            let key = rsa::RsaPrivateKey::from_pkcs8_der(&pem_der("rsa2048.pem")).expect("key");
            use sha1::Digest as _;
            let digest = sha1::Sha1::digest(data.as_bytes());
            key.sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
                .expect("RSA signing")
        }
        ("ed", false) => Ed25519Key::from_pkcs8_maybe_unchecked_der(&pem_der("ed25519.pem"))
            .expect("the Ed25519 key")
            .sign(data.as_bytes())
            .expect("Ed25519 signing"),
        ("weak", false) => rsa_key("rsa512.pem")
            .sign(data.as_bytes())
            .expect("signing"),
        _ => rsa_key("rsa2048.pem")
            .sign(data.as_bytes())
            .expect("signing"),
    };
    format!("DKIM-Signature: {value}{}\r\n", engine.encode(signature))
}

fn edited(message: &str, edit: &str) -> String {
    match edit {
        "" => message.to_string(),
        "body" => message.replace("test message", "changed message"),
        "subject" => message.replace("Subject: DKIM test", "Subject: DKIM test!"),
        "subject-space" => message.replace("Subject: DKIM test", "Subject:  DKIM   test"),
        other => panic!("unknown edit {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dkim_conformance() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance/dkim.toml");
    let suite: Suite =
        toml::from_str(&std::fs::read_to_string(&path).expect("dkim.toml")).expect("valid TOML");
    assert!(suite.case.len() >= 50, "the suite needs at least 50 cases");
    let keys = public_keys();
    let mut zone = String::new();
    for case in &suite.case {
        zone.push_str(&format!("$ORIGIN {}.\n", case.domain()));
        if let Some(key) = &case.key {
            let mut record = key.clone();
            for (placeholder, value) in &keys {
                record = record.replace(placeholder, value);
            }
            // Long keys as several character-strings, as a zone file needs.
            let strings: Vec<String> = sendercheck::checks::character_strings(&record)
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect();
            for domain in std::iter::once(case.signing_domain())
                .chain(case.also_d.as_deref().map(|d| case.expand(d)))
            {
                zone.push_str(&format!(
                    "{}._domainkey.{domain}. IN TXT {}\n",
                    case.s,
                    strings.join(" ")
                ));
            }
        }
        let mut lines = case.expand(&case.zone);
        for (placeholder, value) in &keys {
            lines = lines.replace(placeholder, value);
        }
        zone.push_str(&lines);
        zone.push('\n');
    }
    let (server, _dir) = serve_zone(&zone);
    let resolver = resolver(&server);

    let mut failures = Vec::new();
    for case in &suite.case {
        let from = case.from.as_deref().map_or_else(
            || format!("test@{}", case.domain()),
            |from| case.expand(from),
        );
        let original = message(&from);
        let mut raw = sign(case, &original, &case.signing_domain());
        if let Some(also) = &case.also_d {
            raw.push_str(&sign(case, &original, &case.expand(also)));
        }
        raw.push_str(&edited(&original, &case.edit));
        let verdict = verify(&resolver, raw.as_bytes()).await.expect("a message");
        let first = verdict.signatures.first();
        let mut wrong = Vec::new();
        if verdict.result.as_str() != case.result {
            wrong.push(format!(
                "result {} (expected {})",
                verdict.result.as_str(),
                case.result
            ));
        }
        if let Some(reason) = &case.reason
            && !first.is_some_and(|s| s.reason.contains(reason.as_str()))
        {
            wrong.push(format!("reason lacks {reason:?}"));
        }
        if let Some(aligned) = case.aligned
            && first.map(|s| s.aligned) != Some(aligned)
        {
            wrong.push(format!("aligned should be {aligned}"));
        }
        if let Some(aligned_pass) = case.aligned_pass
            && verdict.aligned_pass != aligned_pass
        {
            wrong.push(format!("aligned_pass should be {aligned_pass}"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{} ({}): {}\n    got: {} {:?}",
                case.id,
                case.rfc,
                wrong.join("; "),
                verdict.result.as_str(),
                verdict
                    .signatures
                    .iter()
                    .map(|s| (s.result.as_str(), s.reason.clone(), s.aligned))
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} DKIM cases differ:\n{}",
        failures.len(),
        suite.case.len(),
        failures.join("\n")
    );
}
