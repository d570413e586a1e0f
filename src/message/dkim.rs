//! DKIM verdicts for a raw message, as support staff paste it from "Show original".
//!
//! The keys are fetched once per distinct `selector._domainkey.domain` through `dns/` (the same
//! nameservers as every check), then handed to mail-auth in a filled cache, so verification
//! itself makes no query however many signatures the message carries. mail-auth's results are
//! then mapped to the contract's words with a plain reason, and RFC 8301 (no rsa-sha1, no RSA
//! key under 1024 bits) is enforced on top.

use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use mail_auth::common::crypto::Algorithm;
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::DomainKey;
use mail_auth::dkim::{DkimError, Signature};
use mail_auth::{
    AuthenticatedMessage, DkimResult, DnsError, Error as AuthError, MessageAuthenticator,
    Parameters, ResolverCache, Txt,
};
use serde::{Deserialize, Serialize};

use crate::checks::dkim::{Tags, rsa_bits, tag, tag_list};
use crate::checks::dmarc::{self, organizational_domain};
use crate::checks::failure_text;
use crate::checks::{Answer, DnsSnapshot, LookupFailure, Query, QueryType};
use crate::dns::Resolver;
use crate::memo::TextMemo;
use crate::text::{Lang, Text, codes};

use super::ed25519::Ed25519Key;
use super::rsa::RsaKey;

/// The smallest RSA key RFC 8301 §3.2 lets a verifier accept.
const MIN_RSA_BITS: usize = 1024;
/// Signatures verified per message; the rest are reported as skipped. A 10 MiB paste may carry
/// thousands, each a DNS query and an RSA operation.
pub const MAX_SIGNATURES: usize = 16;

/// Why the input cannot be verified at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message is empty")]
    Empty,
    #[error("the message has no header block: it must start with header fields like 'From: …'")]
    NoHeaders,
}

/// A verdict word of RFC 8601 for DKIM.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
// Named apart from the SMTP probe's `Verdict` in the OpenAPI document (one name, one schema).
#[schema(as = DkimResult)]
pub enum Verdict {
    Pass,
    Fail,
    Neutral,
    Temperror,
    Permerror,
    None,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Neutral => "neutral",
            Verdict::Temperror => "temperror",
            Verdict::Permerror => "permerror",
            Verdict::None => "none",
        }
    }

    /// The exit code of `sendercheck dkim`: 0 pass, 3 temperror, 2 anything else.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Temperror => 3,
            _ => 2,
        }
    }
}

/// What the signing key is, when it could be fetched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyInfo {
    /// Where the key was published.
    pub name: String,
    /// `rsa` or `ed25519`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// The key size; `None` when the key data does not decode.
    pub bits: Option<usize>,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
}

/// How the signing domain relates to the From domain (RFC 7489 §3.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    /// d= equals the From domain.
    Strict,
    /// d= shares the From domain's organizational domain.
    Relaxed,
    /// Not aligned: this signature does not count for DMARC.
    None,
}

/// When the signing domain is registered: whether this selector is one its profile requires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub profile: String,
    pub selector_required: bool,
}

/// The verdict on one DKIM-Signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SignatureVerdict {
    pub domain: String,
    pub selector: String,
    pub algorithm: String,
    pub result: Verdict,
    /// The verdict in words (in the request's language).
    pub reason: String,
    /// The stable code of `reason`, the same in every language (`GET /v1/codes`); empty in a
    /// verdict stored before codes.
    #[serde(default)]
    pub code: String,
    /// `reason` and `warnings` as findings, to put them in another language (not part of the
    /// JSON: a stored verdict keeps its words).
    #[serde(skip)]
    pub findings: Option<(Text, Vec<Text>)>,
    pub key: Option<KeyInfo>,
    pub alignment: Alignment,
    /// Whether `d=` aligns with the From domain in the mode the From domain's DMARC record asks
    /// (`adkim=s` strict, else relaxed): only then does a pass count for DMARC.
    pub aligned: bool,
    pub registration: Option<Registration>,
    pub warnings: Vec<String>,
}

/// The contract's DKIM verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DkimVerdict {
    pub result: Verdict,
    pub signatures: Vec<SignatureVerdict>,
    pub authentication_results: String,
    /// The domain of the From address, when there is one.
    pub from_domain: Option<String>,
    /// Some signature passes and is aligned: DKIM alone satisfies DMARC for this message.
    pub aligned_pass: bool,
}

impl SignatureVerdict {
    /// A verdict on one signature, its reason and warnings in English until `localize`.
    fn new(
        domain: String,
        selector: String,
        algorithm: String,
        result: Verdict,
        reason: Text,
        warnings: Vec<Text>,
    ) -> Self {
        SignatureVerdict {
            domain,
            selector,
            algorithm,
            result,
            reason: reason.en(),
            code: reason.code.to_string(),
            warnings: warnings.iter().map(Text::en).collect(),
            findings: Some((reason, warnings)),
            key: None,
            alignment: Alignment::None,
            aligned: false,
            registration: None,
        }
    }
}

impl DkimVerdict {
    /// The words of every signature's reason and warnings in `lang` (codes unchanged).
    pub fn localize(&mut self, lang: Lang) {
        for signature in &mut self.signatures {
            if let Some((reason, warnings)) = &signature.findings {
                signature.reason = reason.render(lang);
                signature.warnings = warnings.iter().map(|w| w.render(lang)).collect();
            }
        }
    }

    /// Marks each signature whose domain is registered, using `registered(domain)` to learn the
    /// registration's profile name and required selectors.
    pub fn annotate_registrations(
        &mut self,
        registered: impl Fn(&str) -> Option<(String, Vec<String>)>,
    ) {
        for signature in &mut self.signatures {
            if let Some((profile, selectors)) = registered(&signature.domain) {
                signature.registration = Some(Registration {
                    selector_required: selectors
                        .iter()
                        .any(|required| required.eq_ignore_ascii_case(&signature.selector)),
                    profile,
                });
            }
        }
    }
}

/// Turns pasted text into the bytes of an RFC 5322 message: bare LF becomes CRLF, and the
/// message must open with a header field.
pub fn normalize(raw: &[u8]) -> Result<Vec<u8>, MessageError> {
    let start = raw
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .ok_or(MessageError::Empty)?;
    // Pasted text often starts with blank lines; a message never does.
    let raw = &raw[start..];
    let mut message = Vec::with_capacity(raw.len() + raw.len() / 32);
    // Copied a line at a time (memchr finds the ends), a CR added before each bare LF.
    let mut copied = 0;
    for end in memchr::memchr_iter(b'\n', raw) {
        if end == 0 || raw[end - 1] != b'\r' {
            message.extend_from_slice(&raw[copied..end]);
            message.push(b'\r');
            copied = end;
        }
    }
    message.extend_from_slice(&raw[copied..]);
    if !starts_with_header_field(&message) {
        return Err(MessageError::NoHeaders);
    }
    Ok(message)
}

/// A header field name (printable ASCII but ':') followed by ':' on the first line.
fn starts_with_header_field(message: &[u8]) -> bool {
    let line_end = message
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .unwrap_or(message.len());
    let line = &message[..line_end];
    match line.iter().position(|&byte| byte == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|&byte| (33..=126).contains(&byte)),
        _ => false,
    }
}

/// A TXT cache filled before verification; mail-auth reads from it instead of querying.
#[derive(Default)]
pub(super) struct KeyCache {
    entries: Mutex<HashMap<Box<str>, Txt>>,
}

impl KeyCache {
    /// mail-auth asks with absolute, lower-case names (`sel._domainkey.d.`): store them so.
    fn key(name: &str) -> Box<str> {
        format!("{}.", name.trim_end_matches('.').to_ascii_lowercase()).into_boxed_str()
    }

    pub(super) fn put(&self, name: &str, value: Txt) {
        self.lock().insert(Self::key(name), value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Txt>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ResolverCache<Box<str>, Txt> for KeyCache {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().get(name).cloned()
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(name)
    }

    fn insert(&self, key: Box<str>, value: Txt, _valid_until: std::time::Instant) {
        self.lock().insert(Self::key(&key), value);
    }
}

/// What one key lookup gave: the key record's facts, and why it failed if it did.
pub(super) struct FetchedKey {
    /// The facts of a record that is not a usable key (those of one that is are `parsed`'s).
    info: Option<KeyInfo>,
    /// The key record mail-auth uses, as parsed, with the tag checks mail-auth does not make.
    parsed: Option<Arc<ParsedKey>>,
    /// A plain reason when there is no usable key.
    pub(super) problem: Option<(Verdict, Text)>,
}

impl FetchedKey {
    /// The facts about the key record, usable or not.
    pub(super) fn info(&self) -> Option<&KeyInfo> {
        self.parsed
            .as_ref()
            .map(|parsed| &parsed.info)
            .or(self.info.as_ref())
    }
}

/// Reads a key record's tags for what support needs: type, size, test mode. Loosely (a tag
/// name in capitals stands in for a missing one, to describe what was published), but a tag
/// written as receivers read it always wins over its capitalised double, so what is described
/// is the key that is verified (`published_key` reads that key itself).
fn key_info(name: &str, record: &str) -> KeyInfo {
    let mut tags: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in record.split(';').filter_map(|tag| tag.split_once('=')) {
        let key = key.trim();
        let value = value.split_whitespace().collect::<String>();
        let lower = key.to_ascii_lowercase();
        if key == lower {
            tags.insert(lower, value);
        } else {
            tags.entry(lower).or_insert(value);
        }
    }
    let key_type = tags
        .get("k")
        .map(|k| k.to_ascii_lowercase())
        .unwrap_or_else(|| "rsa".to_string());
    let public = tags
        .get("p")
        .and_then(|p| base64::engine::general_purpose::STANDARD.decode(p).ok());
    let bits = public.as_deref().and_then(|der| match key_type.as_str() {
        "rsa" => rsa_bits(der),
        "ed25519" => (der.len() == 32).then_some(256),
        _ => None,
    });
    let testing = tags
        .get("t")
        .is_some_and(|flags| flags.split(':').any(|flag| flag.eq_ignore_ascii_case("y")));
    KeyInfo {
        name: name.to_string(),
        key_type,
        bits,
        testing,
    }
}

/// Key records parsed lately, by name (with the text parsed): a record's parse is the same
/// every time, and every message signed with a key would parse it again (3% of the endpoint's
/// CPU, issue 31). Only the parse is kept: whether the record is still published is the
/// TTL-bounded answer's to say.
static PARSED_KEYS: TextMemo<(Arc<str>, Arc<ParsedKey>)> = TextMemo::new(1024);

/// A key record as parsed once: mail-auth's key, the facts about it, and what RFC 6376
/// §3.6.1 makes a permanent error in it for a signature of each algorithm.
pub(super) struct ParsedKey {
    key: Arc<DomainKey>,
    info: KeyInfo,
    /// `key_problem` for RSA-SHA1, RSA-SHA256 and Ed25519-SHA256, in that order.
    problems: [Option<Text>; 3],
}

impl ParsedKey {
    fn problem(&self, algorithm: Algorithm) -> Option<&Text> {
        let index = match algorithm {
            Algorithm::RsaSha1 => 0,
            Algorithm::RsaSha256 => 1,
            Algorithm::Ed25519Sha256 => 2,
        };
        self.problems[index].as_ref()
    }
}

/// The record as receivers read it, for mail-auth: RFC 6376 §3.2 makes tag names
/// case-sensitive, so a `P=` is an unknown tag a receiver ignores, but mail-auth reads tag
/// names in any case and would take it as the key (the last of `p=` and `P=` written), or
/// as the only key when there is no `p=`. A record whose names are all lower case is given
/// as it is; one with a name in capitals is given without those tags. (A record whose tag
/// list does not parse is given as it is: it is a permanent error for every signature,
/// `key_problem`, whatever mail-auth makes of it.)
fn as_receivers_read<'r>(record: &'r str, tags: &Tags<'_>) -> Cow<'r, str> {
    if tags
        .iter()
        .all(|(name, _)| !name.bytes().any(|byte| byte.is_ascii_uppercase()))
    {
        return Cow::Borrowed(record);
    }
    let kept: Vec<String> = tags
        .iter()
        .filter(|(name, _)| !name.bytes().any(|byte| byte.is_ascii_uppercase()))
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    Cow::Owned(kept.join("; "))
}

/// The kind of key a record publishes.
#[derive(Debug, PartialEq, Eq)]
enum Published {
    Rsa,
    Ed25519,
}

/// The key a receiver checks signatures against: the record's `k=` and `p=` (decoded) read as
/// RFC 6376 §3.2 reads tags — names case-sensitive, so a `P=` is an unknown tag, not the key
/// (`key_info`, which tells support about the record, reads them loosely). `None` when the
/// key type is neither or `p=` is not base64.
fn published_key(tags: &Tags<'_>) -> Option<(Published, Vec<u8>)> {
    let kind = match tag(tags, "k").unwrap_or("rsa") {
        "rsa" => Published::Rsa,
        "ed25519" => Published::Ed25519,
        _ => return None,
    };
    let public = base64::engine::general_purpose::STANDARD
        .decode(tag(tags, "p")?)
        .ok()?;
    Some((kind, public))
}

/// `record` (published at `name`) as mail-auth's key and the facts about it.
fn parsed_key(name: &str, record: &str) -> Result<Arc<ParsedKey>, AuthError> {
    if let Some((_, known)) = PARSED_KEYS.get(name).filter(|(text, _)| **text == *record) {
        return Ok(known);
    }
    let info = key_info(name, record);
    // The tag list, read once for what follows.
    let tags = tag_list(record);
    let receivers = match &tags {
        Ok(tags) => as_receivers_read(record, tags),
        Err(_) => Cow::Borrowed(record),
    };
    let DomainKey { p, f } = DomainKey::parse(receivers.as_bytes())?;
    // The key checked by ours where ours is exact (see `ed25519.rs`, `rsa.rs`); mail-auth's
    // own otherwise. A tag list that does not parse publishes no key to receivers.
    let p = match tags.as_ref().ok().and_then(published_key) {
        Some((Published::Ed25519, public)) => match Ed25519Key::from_public(&public) {
            Some(key) => Box::new(key),
            None => p,
        },
        Some((Published::Rsa, public)) => RsaKey::wrap(&public, p),
        None => p,
    };
    let domain_key = DomainKey { p, f };
    let problems = [
        Algorithm::RsaSha1,
        Algorithm::RsaSha256,
        Algorithm::Ed25519Sha256,
    ]
    .map(|algorithm| key_problem(tags.as_ref(), name, algorithm));
    let made = Arc::new(ParsedKey {
        key: Arc::new(domain_key),
        info,
        problems,
    });
    PARSED_KEYS.insert(name, (record.into(), made.clone()));
    Ok(made)
}

/// Whether a DMARC record asks for strict DKIM alignment (`adkim=s`), remembered by its text:
/// the From domain's record is the same for message after message, and parsing it again was
/// about 1% of the endpoint's CPU (issue 31).
fn strict_dkim_alignment(record: &str) -> bool {
    static STRICT: TextMemo<bool> = TextMemo::new(1024);
    STRICT.get_or_insert_with(record, || dmarc::strict_dkim_alignment(record))
}

/// Turns one key lookup's answer into the cache entry mail-auth will read, and the facts.
pub(super) fn prepare_key(name: &str, answer: &Answer, cache: &KeyCache) -> FetchedKey {
    let records = match answer.records() {
        Err(failure) => {
            cache.put(
                name,
                Txt::Error(AuthError::Dns(DnsError::Resolver(failure.to_string()))),
            );
            let reason = match failure {
                LookupFailure::Timeout => codes::dkim_sig_key_timeout(name),
                other => codes::dkim_sig_key_dns_failed(name, failure_text(other)),
            };
            return FetchedKey {
                info: None,
                parsed: None,
                problem: Some((Verdict::Temperror, reason)),
            };
        }
        Ok(records) => records,
    };
    if records.is_empty() {
        cache.put(
            name,
            Txt::Error(AuthError::Dns(DnsError::InvalidRecordType)),
        );
        return FetchedKey {
            info: None,
            parsed: None,
            problem: Some((Verdict::Permerror, codes::dkim_sig_key_not_found(name))),
        };
    }
    // As mail-auth does: the first record that parses as a key wins.
    let mut last_error = AuthError::Dns(DnsError::InvalidRecordType);
    for record in records {
        match parsed_key(name, record) {
            Ok(parsed) => {
                cache.put(name, Txt::DomainKey(parsed.key.clone()));
                return FetchedKey {
                    info: None,
                    parsed: Some(parsed),
                    problem: None,
                };
            }
            Err(error) => last_error = error,
        }
    }
    let problem = match &last_error {
        AuthError::Dkim(DkimError::RevokedPublicKey) => codes::dkim_sig_key_revoked(name),
        AuthError::Dkim(DkimError::UnsupportedKeyType) => codes::dkim_sig_key_unsupported(name),
        _ => match records.first().and_then(|record| capital_key_tag(record)) {
            Some(written) => codes::dkim_sig_key_tag_case(name, written),
            None => codes::dkim_sig_key_invalid(name),
        },
    };
    let info = records.first().map(|record| key_info(name, record));
    cache.put(name, Txt::Error(last_error));
    FetchedKey {
        info,
        parsed: None,
        problem: Some((Verdict::Permerror, problem)),
    }
}

/// The `P=` (or another spelling in capitals) a key record has in place of `p=`: receivers
/// find no key in it (tag names are case-sensitive), which is what to tell the customer.
fn capital_key_tag(record: &str) -> Option<String> {
    let tags = tag_list(record).ok()?;
    if tag(&tags, "p").is_some() {
        return None;
    }
    tags.iter()
        .find(|(name, _)| *name != "p" && name.eq_ignore_ascii_case("p"))
        .map(|(name, _)| name.to_string())
}

/// What RFC 6376 makes a permanent error in a DKIM-Signature that mail-auth lets through.
fn signature_problem(value: &[u8]) -> Option<Text> {
    let text = String::from_utf8_lossy(value);
    let tags = match tag_list(&text) {
        Ok(tags) => tags,
        Err(problem) => return Some(codes::dkim_sig_malformed_tags(problem)),
    };
    if tag(&tags, "v") != Some("1") {
        return Some(codes::dkim_sig_version());
    }
    match tag_case(
        &tags,
        &REQUIRED_SIGNATURE_TAGS,
        &SIGNATURE_TAGS,
        &SIGNIFICANT_SIGNATURE_TAGS,
    ) {
        Some(TagCase::Missing(missing)) => return Some(codes::dkim_sig_tag_missing(missing)),
        Some(TagCase::Doubled { written, tag }) => {
            return Some(codes::dkim_sig_tag_case(written, tag));
        }
        Some(TagCase::Alone { written, tag }) => {
            return Some(codes::dkim_sig_tag_case_alone(written, tag));
        }
        None => {}
    }
    let signs_from = tag(&tags, "h").is_some_and(|h| {
        h.split(':')
            .any(|field| field.trim().eq_ignore_ascii_case("from"))
    });
    if !signs_from {
        return Some(codes::dkim_sig_from_unsigned());
    }
    if let (Some(identity), Some(domain)) = (tag(&tags, "i"), tag(&tags, "d")) {
        let identity_domain = identity
            .rsplit_once('@')
            .map_or("", |(_, d)| d)
            .to_ascii_lowercase();
        let domain = domain.to_ascii_lowercase();
        if identity_domain != domain && !identity_domain.ends_with(&format!(".{domain}")) {
            return Some(codes::dkim_sig_identity_outside(identity, domain));
        }
    }
    None
}

/// Where a tag-list's names, read as receivers read them (case-sensitive, RFC 6376 §3.2),
/// differ from mail-auth's reading (any case).
#[derive(Debug, PartialEq, Eq)]
pub enum TagCase<'t> {
    /// A required tag is missing to receivers (it may be there in capitals).
    Missing(&'static str),
    /// A known tag in capitals beside the real one with another value: mail-auth may use it.
    Doubled { written: &'t str, tag: String },
    /// A tag that changes what is verified (`l=`, `c=`, …) written only in capitals:
    /// receivers ignore it as an unknown tag, mail-auth applies it, and the two verdicts part
    /// (a signer writing `L=` means `l=` and hashed that much of the body: mail-auth passes,
    /// receivers hashing the whole body fail).
    Alone { written: &'t str, tag: String },
}

/// Checks `tags` for the tags receivers need by their exact names (`required`), for a known
/// tag (`known`) doubled in capitals with another value, and for a tag that changes what is
/// verified (`significant`) written only in capitals. A capital tag repeating the real value
/// is left alone (receivers and mail-auth then read the same), as is a lone capital tag that
/// changes nothing mail-auth verifies.
pub fn tag_case<'t>(
    tags: &Tags<'t>,
    required: &[&'static str],
    known: &[&str],
    significant: &[&str],
) -> Option<TagCase<'t>> {
    if let Some(missing) = required.iter().find(|name| tag(tags, name).is_none()) {
        return Some(TagCase::Missing(missing));
    }
    tags.iter().find_map(|(written, value)| {
        if !written.bytes().any(|byte| byte.is_ascii_uppercase()) {
            return None;
        }
        let name = written.to_ascii_lowercase();
        match tag(tags, &name) {
            Some(real) if real != value && known.contains(&name.as_str()) => {
                Some(TagCase::Doubled { written, tag: name })
            }
            None if significant.contains(&name.as_str()) => {
                Some(TagCase::Alone { written, tag: name })
            }
            _ => None,
        }
    })
}

/// The tags every DKIM-Signature must have (RFC 6376 §3.5).
const REQUIRED_SIGNATURE_TAGS: [&str; 7] = ["v", "a", "b", "bh", "d", "h", "s"];
/// The optional tags whose reading changes mail-auth's verdict: the canonicalization, the body
/// length and the expiry (`t=` alone changes nothing it verifies).
pub const SIGNIFICANT_SIGNATURE_TAGS: [&str; 3] = ["c", "l", "x"];
/// Every tag RFC 6376 §3.5 defines for a DKIM-Signature.
const SIGNATURE_TAGS: [&str; 14] = [
    "v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z",
];

/// What RFC 6376 §3.6.1 makes a permanent error in a key record for this signature.
fn key_problem(tags: Result<&Tags<'_>, &Text>, name: &str, algorithm: Algorithm) -> Option<Text> {
    let tags = match tags {
        Ok(tags) => tags,
        Err(problem) => return Some(codes::dkim_sig_key_tags(name, problem.clone())),
    };
    if let Some(position) = tags.iter().position(|(tag, _)| *tag == "v")
        && (position != 0 || tags[position].1 != "DKIM1")
    {
        return Some(codes::dkim_sig_key_version(name));
    }
    let hash = match algorithm {
        Algorithm::RsaSha1 => "sha1",
        Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => "sha256",
    };
    if let Some(hashes) = tag(tags, "h")
        && !hashes
            .split(':')
            .any(|h| h.trim().eq_ignore_ascii_case(hash))
    {
        return Some(codes::dkim_sig_key_hash(name, hashes, hash));
    }
    if let Some(services) = tag(tags, "s")
        && !services
            .split(':')
            .any(|service| matches!(service.trim(), "*" | "email"))
    {
        return Some(codes::dkim_sig_key_service(name, services));
    }
    let key_type = tag(tags, "k").unwrap_or("rsa").to_ascii_lowercase();
    let expected = match algorithm {
        Algorithm::Ed25519Sha256 => "ed25519",
        _ => "rsa",
    };
    if key_type != expected {
        return Some(codes::dkim_sig_key_type(
            name,
            key_type,
            algorithm_name(algorithm),
        ));
    }
    None
}

pub(super) fn key_name(selector: &str, domain: &str) -> String {
    format!("{selector}._domainkey.{domain}").to_ascii_lowercase()
}

fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::RsaSha1 => "rsa-sha1",
        Algorithm::RsaSha256 => "rsa-sha256",
        Algorithm::Ed25519Sha256 => "ed25519-sha256",
    }
}

/// Reads `tag=` from a DKIM-Signature mail-auth could not parse, to show which one it was.
fn raw_tag(value: &[u8], tag: &str) -> String {
    String::from_utf8_lossy(value)
        .split(';')
        .filter_map(|part| part.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case(tag))
        .map(|(_, value)| value.split_whitespace().collect())
        .unwrap_or_default()
}

fn alignment(signing_domain: &str, from_domain: Option<&str>) -> Alignment {
    let Some(from) = from_domain else {
        return Alignment::None;
    };
    let signing = signing_domain.to_ascii_lowercase();
    if signing == from {
        Alignment::Strict
    } else if organizational_domain(&signing) == organizational_domain(from) {
        Alignment::Relaxed
    } else {
        Alignment::None
    }
}

/// Whether `d=` aligns with the From domain: strict needs the same name, relaxed the same
/// organizational domain (RFC 7489 §3.1.1).
fn aligned(signing_domain: &str, from_domain: Option<&str>, strict: bool) -> bool {
    match alignment(signing_domain, from_domain) {
        Alignment::Strict => true,
        Alignment::Relaxed => !strict,
        Alignment::None => false,
    }
}

/// mail-auth's result in the contract's words, with a reason support staff can act on.
fn describe(result: &DkimResult, name: &str) -> (Verdict, Text) {
    match result {
        DkimResult::Pass => (Verdict::Pass, codes::dkim_sig_pass()),
        // RFC 6376 §6.1.3: a body that no longer matches its hash fails, whatever the label.
        DkimResult::Neutral(AuthError::Dkim(DkimError::FailedBodyHashMatch))
        | DkimResult::Fail(AuthError::Dkim(DkimError::FailedBodyHashMatch)) => {
            (Verdict::Fail, codes::dkim_sig_body_changed())
        }
        DkimResult::Neutral(AuthError::Dkim(DkimError::SignatureExpired)) => {
            (Verdict::Fail, codes::dkim_sig_expired())
        }
        DkimResult::Fail(AuthError::Dkim(DkimError::FailedAuidMatch)) => {
            (Verdict::Fail, codes::dkim_sig_identity_strict())
        }
        DkimResult::Fail(AuthError::Dkim(DkimError::SignatureLength)) => {
            (Verdict::Fail, codes::dkim_sig_length())
        }
        DkimResult::Fail(_) => (Verdict::Fail, codes::dkim_sig_failed()),
        DkimResult::Neutral(AuthError::Dkim(DkimError::UnsupportedAlgorithm))
        | DkimResult::PermError(AuthError::Dkim(DkimError::UnsupportedAlgorithm)) => {
            (Verdict::Permerror, codes::dkim_sig_unsupported_algorithm())
        }
        DkimResult::Neutral(error) => (
            Verdict::Permerror,
            codes::dkim_sig_malformed(error.to_string()),
        ),
        DkimResult::PermError(AuthError::Dkim(DkimError::RevokedPublicKey)) => {
            (Verdict::Permerror, codes::dkim_sig_key_revoked(name))
        }
        DkimResult::PermError(AuthError::Dkim(DkimError::UnsupportedKeyType)) => {
            (Verdict::Permerror, codes::dkim_sig_key_unsupported(name))
        }
        DkimResult::PermError(error) => (
            Verdict::Permerror,
            codes::dkim_sig_key_unusable(name, error.to_string()),
        ),
        DkimResult::TempError(error) => (
            Verdict::Temperror,
            codes::dkim_sig_key_dns_failed(name, codes::dns_other(error.to_string())),
        ),
        DkimResult::None => (Verdict::None, codes::dkim_sig_none()),
    }
}

/// Applies RFC 8301 to a signature mail-auth accepted.
fn rfc8301(signature: &Signature, key: Option<&KeyInfo>) -> Option<Text> {
    if signature.a == Algorithm::RsaSha1 {
        return Some(codes::dkim_sig_rsa_sha1());
    }
    match key {
        Some(KeyInfo {
            key_type,
            bits: Some(bits),
            ..
        }) if key_type == "rsa" && *bits < MIN_RSA_BITS => {
            Some(codes::dkim_sig_rsa_too_short(*bits, MIN_RSA_BITS))
        }
        _ => None,
    }
}

fn signature_warnings(signature: &Signature, key: Option<&KeyInfo>) -> Vec<Text> {
    let mut warnings = Vec::new();
    if signature.l > 0 {
        warnings.push(codes::dkim_sig_partial_body(signature.l));
    }
    if key.is_some_and(|key| key.testing) {
        warnings.push(codes::dkim_sig_testing());
    }
    warnings
}

/// The overall verdict: pass when any signature passes, none when there is none; otherwise a
/// DNS failure makes it temperror (a retry may pass), then fail, permerror, neutral.
fn overall(signatures: &[SignatureVerdict]) -> Verdict {
    let has = |verdict| {
        signatures
            .iter()
            .any(|signature| signature.result == verdict)
    };
    if signatures.is_empty() {
        Verdict::None
    } else if has(Verdict::Pass) {
        Verdict::Pass
    } else if has(Verdict::Temperror) {
        Verdict::Temperror
    } else if has(Verdict::Fail) {
        Verdict::Fail
    } else if has(Verdict::Permerror) {
        Verdict::Permerror
    } else {
        Verdict::Neutral
    }
}

/// The `dkim=` clauses of an Authentication-Results header (RFC 8601), one per signature.
fn authentication_results(signatures: &[SignatureVerdict], b_prefixes: &[String]) -> String {
    if signatures.is_empty() {
        return "dkim=none".to_string();
    }
    signatures
        .iter()
        .zip(b_prefixes)
        .map(|(signature, b)| {
            let mut clause = format!("dkim={}", signature.result.as_str());
            if signature.result != Verdict::Pass {
                clause.push_str(&format!(" ({})", signature.reason.replace(['(', ')'], "")));
            }
            if !signature.domain.is_empty() {
                clause.push_str(&format!(" header.d={}", signature.domain));
            }
            if !signature.selector.is_empty() {
                clause.push_str(&format!(" header.s={}", signature.selector));
            }
            if !signature.algorithm.is_empty() {
                clause.push_str(&format!(" header.a={}", signature.algorithm));
            }
            if !b.is_empty() {
                clause.push_str(&format!(" header.b={b}"));
            }
            clause
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Verifies every DKIM-Signature of a raw message, fetching the keys through `resolver`.
#[tracing::instrument(skip_all, fields(bytes = raw.len()))]
pub async fn verify(resolver: &Resolver, raw: &[u8]) -> Result<DkimVerdict, MessageError> {
    verify_with(resolver, raw, |queries| resolver.resolve_all(queries)).await
}

/// The longest a key (or DMARC) answer is reused, whatever its TTL says.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(300);
/// Answers kept at most; past it, expired ones go, then all.
const KEY_CACHE_ENTRIES: usize = 10_000;

/// Key records and DMARC records answered recently, each kept for its TTL (at most
/// `KEY_CACHE_TTL`), so a stream of messages from one sender asks DNS once per key and TTL.
/// Only answers with records are kept: a key published a moment ago is seen at once.
#[derive(Debug, Default)]
pub struct KeyAnswers {
    entries: Mutex<HashMap<Query, (Answer, Instant)>>,
}

impl KeyAnswers {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Query, (Answer, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, query: &Query, now: Instant) -> Option<Answer> {
        self.lock()
            .get(query)
            .filter(|(_, expires)| *expires > now)
            .map(|(answer, _)| answer.clone())
    }

    fn put(&self, query: &Query, answer: &Answer, ttl: Option<u32>, now: Instant) {
        let Some(ttl) = ttl.filter(|ttl| *ttl > 0) else {
            return;
        };
        if !matches!(answer, Answer::Records(_)) {
            return;
        }
        let keep = Duration::from_secs(u64::from(ttl)).min(KEY_CACHE_TTL);
        let mut entries = self.lock();
        if entries.len() >= KEY_CACHE_ENTRIES {
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= KEY_CACHE_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(query.clone(), (answer.clone(), now + keep));
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// As `verify`, answering key and DMARC lookups from `cache` when they are there and fresh;
/// `fresh` skips the cache (the answers fetched then replace what it held).
pub async fn verify_cached(
    resolver: &Resolver,
    cache: &KeyAnswers,
    raw: &[u8],
    fresh: bool,
) -> Result<DkimVerdict, MessageError> {
    verify_with(resolver, raw, |queries| {
        fetch_cached(resolver, cache, queries, fresh)
    })
    .await
}

/// Answers `queries` from `cache` when they are there and fresh (unless `fresh`), the rest
/// through `resolver`, keeping what it answers for its TTL.
pub async fn fetch_cached(
    resolver: &Resolver,
    cache: &KeyAnswers,
    queries: Vec<Query>,
    fresh: bool,
) -> Vec<(Query, Answer)> {
    let now = Instant::now();
    let mut answers = Vec::with_capacity(queries.len());
    let mut missing = Vec::new();
    for query in queries {
        match (!fresh).then(|| cache.get(&query, now)).flatten() {
            Some(answer) => answers.push((query, answer)),
            None => missing.push(query),
        }
    }
    let fetched =
        futures_util::future::join_all(missing.iter().map(|q| resolver.resolve_with_ttl(q))).await;
    let now = Instant::now();
    for (query, (answer, ttl)) in missing.into_iter().zip(fetched) {
        cache.put(&query, &answer, ttl, now);
        answers.push((query, answer));
    }
    answers
}

/// Messages verified on the serving thread (`verify_with`): at most this many bytes …
const INLINE_BYTES: usize = 64 * 1024;
/// … and this many signatures; larger ones go to the blocking pool.
const INLINE_SIGNATURES: usize = 2;

/// Each signature's verdict from mail-auth's outputs, the keys as looked up and the From
/// domain's alignment mode; with each the first characters of its b= (to tell them apart).
fn judge(
    message: &AuthenticatedMessage<'_>,
    outputs: &[mail_auth::DkimOutput<'_>],
    keys: &HashMap<String, FetchedKey>,
    from_domain: Option<&str>,
    strict: bool,
) -> (Vec<SignatureVerdict>, Vec<String>) {
    let mut signatures = Vec::with_capacity(outputs.len() + message.errors.len());
    let mut b_prefixes = Vec::with_capacity(signatures.capacity());
    // DKIM-Signatures that do not parse. mail-auth reports only some of them, so every one is
    // taken from the parse errors here, showing what the header named.
    for header in &message.errors {
        let (result, mut reason) = describe(&DkimResult::Neutral(header.header.clone()), "");
        if let Some(problem) = signature_problem(header.value)
            && problem.code != codes::id::dkim_sig_malformed_tags
        {
            reason = reason.and(problem);
        }
        let domain = raw_tag(header.value, "d").to_ascii_lowercase();
        let mut verdict = SignatureVerdict::new(
            domain.clone(),
            raw_tag(header.value, "s"),
            raw_tag(header.value, "a"),
            result,
            reason,
            Vec::new(),
        );
        verdict.alignment = alignment(&domain, from_domain);
        verdict.aligned = aligned(&domain, from_domain, strict);
        signatures.push(verdict);
        b_prefixes.push(String::new());
    }
    for output in outputs {
        let Some(signature) = output.signature() else {
            continue;
        };
        let name = key_name(&signature.s, &signature.d);
        let fetched = keys.get(&name);
        let key = fetched.and_then(|fetched| fetched.info().cloned());
        // Our own lookup knows why a key is missing or unreachable better than the error
        // mail-auth read back from the cache.
        let known_problem = fetched.and_then(|fetched| fetched.problem.clone());
        let (mut result, mut reason) = match (output.result(), known_problem) {
            (DkimResult::PermError(_) | DkimResult::TempError(_), Some(problem)) => problem,
            (result, _) => describe(result, &name),
        };
        // What mail-auth does not check: the signature's own tags, then the key's.
        let tag_problem = message
            .dkim_headers
            .iter()
            .find(|header| header.header.b == signature.b && header.header.d == signature.d)
            .and_then(|header| signature_problem(header.value))
            .or_else(|| {
                fetched
                    .and_then(|fetched| fetched.parsed.as_ref())
                    .and_then(|parsed| parsed.problem(signature.a).cloned())
            });
        if let Some(problem) = tag_problem
            && result != Verdict::Temperror
        {
            result = Verdict::Permerror;
            reason = problem;
        }
        // A key under RFC 8301's floor is the reason whatever the cryptography said: the
        // verifier's backend (ring) refuses such keys before it compares anything.
        let weak_key = result == Verdict::Fail
            && signature.a != Algorithm::RsaSha1
            && key.as_ref().is_some_and(|key| {
                key.key_type == "rsa" && key.bits.is_some_and(|bits| bits < MIN_RSA_BITS)
            });
        if (result == Verdict::Pass || weak_key)
            && let Some(violation) = rfc8301(signature, key.as_ref())
        {
            result = Verdict::Fail;
            reason = violation;
        }
        let encoded_b = base64::engine::general_purpose::STANDARD.encode(&signature.b);
        b_prefixes.push(encoded_b.chars().take(8).collect());
        let mut verdict = SignatureVerdict::new(
            signature.d.to_ascii_lowercase(),
            signature.s.clone(),
            algorithm_name(signature.a).to_string(),
            result,
            reason,
            signature_warnings(signature, key.as_ref()),
        );
        verdict.key = key;
        verdict.alignment = alignment(&signature.d, from_domain);
        verdict.aligned = aligned(&signature.d, from_domain, strict);
        signatures.push(verdict);
    }
    (signatures, b_prefixes)
}

/// As `verify`, with the key lookups answered by `fetch` (the fuzz target answers from its
/// input). `resolver` only builds mail-auth's authenticator, which reads keys from the cache.
pub async fn verify_with<F, Fut>(
    resolver: &Resolver,
    raw: &[u8],
    mut fetch: F,
) -> Result<DkimVerdict, MessageError>
where
    F: FnMut(Vec<Query>) -> Fut,
    Fut: std::future::Future<Output = Vec<(Query, Answer)>>,
{
    let message_bytes = normalize(raw)?;
    // Not strict: a signature with l= is verified (and warned about) rather than refused.
    let mut message = AuthenticatedMessage::parse_with_opts(&message_bytes, None, false)
        .ok_or(MessageError::NoHeaders)?;
    let skipped: Vec<SignatureVerdict> = message
        .dkim_headers
        .iter()
        .skip(MAX_SIGNATURES)
        .map(|header| {
            SignatureVerdict::new(
                header.header.d.to_ascii_lowercase(),
                header.header.s.clone(),
                algorithm_name(header.header.a).to_string(),
                Verdict::Neutral,
                codes::dkim_sig_skipped(MAX_SIGNATURES),
                Vec::new(),
            )
        })
        .collect();
    message.dkim_headers.truncate(MAX_SIGNATURES);
    let from_domain = message
        .from
        .first()
        .and_then(|address| address.rsplit_once('@'))
        .map(|(_, domain)| domain.trim_end_matches('>').trim().to_ascii_lowercase());

    // One query per distinct key, whatever the number of signatures, and beside them the From
    // domain's DMARC record (its adkim= decides strict or relaxed alignment).
    let names: BTreeSet<String> = message
        .dkim_headers
        .iter()
        .map(|header| key_name(&header.header.s, &header.header.d))
        .collect();
    let mut snapshot = DnsSnapshot::new();
    let mut queries: Vec<Query> = names.iter().map(|name| Query::txt(name)).collect();
    queries.extend(
        from_domain
            .as_deref()
            .and_then(|from| dmarc::record_queries(from, &snapshot)),
    );
    let answers = fetch(queries).await;
    let cache = KeyCache::default();
    let keys: HashMap<String, FetchedKey> = answers
        .iter()
        .filter(|(query, _)| query.query_type == QueryType::Txt && names.contains(&query.name))
        .map(|(query, answer)| (query.name.clone(), prepare_key(&query.name, answer, &cache)))
        .collect();
    snapshot.extend(answers);
    // A From domain without its own record inherits its organizational domain's.
    if let Some(query) = from_domain
        .as_deref()
        .and_then(|from| dmarc::record_queries(from, &snapshot))
    {
        snapshot.extend(fetch(vec![query]).await);
    }
    let strict = from_domain
        .as_deref()
        .and_then(|from| dmarc::applicable_record(from, &snapshot))
        .is_some_and(strict_dkim_alignment);

    let authenticator = MessageAuthenticator(resolver.hickory().clone());
    let verified = if message_bytes.len() <= INLINE_BYTES
        && message.dkim_headers.len() <= INLINE_SIGNATURES
    {
        // A small message with one or two signatures costs tens of microseconds: verified
        // here, parsed once, without a hop to the blocking pool and back (issue 31: the
        // hand-off's thread switches were a fifth of the endpoint's CPU).
        let outputs = authenticator
            .verify_dkim(Parameters::new(&message).with_txt_cache(&cache))
            .await;
        Some(judge(
            &message,
            &outputs,
            &keys,
            from_domain.as_deref(),
            strict,
        ))
    } else {
        // Larger ones are CPU work (hashing the body, many keys): verified on the blocking
        // pool, not on the threads that serve requests, parsed again there from bytes it owns.
        drop(message);
        let runtime = tokio::runtime::Handle::current();
        let from = from_domain.clone();
        tokio::task::spawn_blocking(move || {
            let mut message = AuthenticatedMessage::parse_with_opts(&message_bytes, None, false)?;
            message.dkim_headers.truncate(MAX_SIGNATURES);
            let outputs = runtime.block_on(
                authenticator.verify_dkim(Parameters::new(&message).with_txt_cache(&cache)),
            );
            Some(judge(&message, &outputs, &keys, from.as_deref(), strict))
        })
        .await
        .ok()
        .flatten()
    };
    let Some((mut signatures, mut b_prefixes)) = verified else {
        return Err(MessageError::NoHeaders);
    };
    b_prefixes.extend(skipped.iter().map(|_| String::new()));
    signatures.extend(skipped);
    let result = overall(&signatures);
    let aligned_pass = signatures
        .iter()
        .any(|signature| signature.result == Verdict::Pass && signature.aligned);
    Ok(DkimVerdict {
        result,
        authentication_results: authentication_results(&signatures, &b_prefixes),
        signatures,
        from_domain,
        aligned_pass,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_turns_bare_lf_into_crlf_and_keeps_crlf() {
        let message = normalize(b"\n\nFrom: a@b.example\nSubject: x\r\n\nbody\n").unwrap();
        assert_eq!(
            message,
            b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n".to_vec()
        );
    }

    #[test]
    fn a_remembered_alignment_mode_is_the_records() {
        for record in [
            "v=DMARC1; p=reject; adkim=s",
            "v=DMARC1; p=reject; adkim=S; aspf=r",
            "v=DMARC1; p=none; adkim=r",
            "v=DMARC1; p=none",
            "v=DMARC1; p=none; aspf=s",
        ] {
            for _ in 0..2 {
                assert_eq!(
                    strict_dkim_alignment(record),
                    dmarc::strict_dkim_alignment(record),
                    "{record}"
                );
            }
        }
        assert!(strict_dkim_alignment("v=DMARC1; p=reject; adkim=s"));
        assert!(!strict_dkim_alignment("v=DMARC1; p=none; aspf=s"));
    }

    #[test]
    fn normalize_adds_cr_only_before_bare_lf() {
        let message = normalize(b"A: 1\r\nB: 2\n\r\n\nC: 3\rD\n\n\r\n").unwrap();
        assert_eq!(
            message,
            b"A: 1\r\nB: 2\r\n\r\n\r\nC: 3\rD\r\n\r\n\r\n".to_vec()
        );
        let crlf = b"From: a@b.example\r\n\r\nbody\r\n";
        assert_eq!(normalize(crlf).unwrap(), crlf.to_vec());
        assert_eq!(normalize(b"X: y").unwrap(), b"X: y".to_vec());
    }

    #[test]
    fn normalize_refuses_what_is_not_a_message() {
        assert_eq!(normalize(b""), Err(MessageError::Empty));
        assert_eq!(normalize(b" \r\n\t"), Err(MessageError::Empty));
        assert_eq!(normalize(b"hello world"), Err(MessageError::NoHeaders));
        assert_eq!(normalize(b": no name\r\n"), Err(MessageError::NoHeaders));
        assert_eq!(normalize(b"Bad Name: x\r\n"), Err(MessageError::NoHeaders));
        assert_eq!(normalize(&[0xff, 0xfe, b':']), Err(MessageError::NoHeaders));
    }

    #[test]
    fn key_info_is_read_from_the_record() {
        let ed = key_info(
            "ed._domainkey.x",
            "v=DKIM1; k=ed25519; t=y; p=TSfgOp0oj6ZHvfDw8r+NFV8HdH1q8woZNW8F39tkHB4=",
        );
        assert_eq!(
            (ed.key_type.as_str(), ed.bits, ed.testing),
            ("ed25519", Some(256), true)
        );
        let broken = key_info("k", "v=DKIM1; p=!!!");
        assert_eq!((broken.key_type.as_str(), broken.bits), ("rsa", None));
        // The key described is the one verified: `p=`, whichever side its capital double is on.
        let ed_key = "TSfgOp0oj6ZHvfDw8r+NFV8HdH1q8woZNW8F39tkHB4=";
        for record in [
            format!("v=DKIM1; k=ed25519; p={ed_key}; P=!!!"),
            format!("v=DKIM1; P=!!!; k=ed25519; p={ed_key}"),
            format!("v=DKIM1; K=rsa; k=ed25519; p={ed_key}"),
        ] {
            let info = key_info("ed._domainkey.x", &record);
            assert_eq!((info.key_type.as_str(), info.bits), ("ed25519", Some(256)));
        }
        // Alone, a capital tag still says what was published.
        let capital = key_info(
            "ed._domainkey.x",
            &format!("v=DKIM1; k=ed25519; P={ed_key}"),
        );
        assert_eq!(capital.bits, Some(256));
    }

    #[test]
    fn signature_tags_are_read_as_receivers_read_them() {
        let code = |value: &str| signature_problem(value.as_bytes()).map(|text| text.code);
        let base = "v=1; a=rsa-sha256; d=x.example; s=s; h=from:to; bh=aGFzaA==; b=c2ln";
        assert_eq!(code(base), None);
        // A capital tag with the real one's value changes nothing; with another, it is named.
        assert_eq!(code(&format!("{base}; D=x.example")), None);
        assert_eq!(
            code(&format!("{base}; S=other")),
            Some(codes::id::dkim_sig_tag_case)
        );
        // A required tag written only in capitals is missing; an unknown capital tag is not.
        assert_eq!(
            code("v=1; a=rsa-sha256; D=x.example; s=s; h=from; bh=aGFzaA==; b=c2ln"),
            Some(codes::id::dkim_sig_tag_missing)
        );
        assert_eq!(code(&format!("{base}; Foo=bar")), None);
        // Alone in capitals, a tag that changes what is verified is named (mail-auth would
        // apply it, receivers ignore it); one that changes nothing is not.
        for alone in ["L=10", "C=relaxed/relaxed", "X=1"] {
            assert_eq!(
                code(&format!("{base}; {alone}")),
                Some(codes::id::dkim_sig_tag_case_alone),
                "{alone}"
            );
        }
        assert_eq!(code(&format!("{base}; T=1; Q=dns/txt; Z=x")), None);
        // Beside its real one with the same value, it is read the same by both.
        assert_eq!(code(&format!("{base}; l=10; L=10")), None);
    }

    #[test]
    fn the_published_key_is_read_as_receivers_read_tags() {
        // As `parsed_key` reads it: a tag list that does not parse publishes no key.
        let published = |record: &str| tag_list(record).ok().and_then(|tags| published_key(&tags));
        let ed = "TSfgOp0oj6ZHvfDw8r+NFV8HdH1q8woZNW8F39tkHB4=";
        let decoded = |text: &str| {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap()
        };
        // `P=` is an unknown tag (names are case-sensitive), whichever side of `p=` it is on.
        let other = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        for record in [
            format!("v=DKIM1; k=ed25519; p={ed}; P={other}"),
            format!("v=DKIM1; k=ed25519; P={other}; p={ed}"),
        ] {
            assert_eq!(
                published(&record),
                Some((Published::Ed25519, decoded(ed))),
                "{record}"
            );
        }
        // Folding white space inside the value is not part of it; no `k=` is RSA.
        assert_eq!(
            published("v=DKIM1; p=TSfgOp0oj6ZHvfDw8r+NF V8HdH1q8woZNW8F39tkHB4="),
            Some((Published::Rsa, decoded(ed)))
        );
        // A repeated tag, an unknown key type, no `p=` and a `p=` that is not base64: none.
        for record in [
            format!("v=DKIM1; p={ed}; p={other}"),
            format!("v=DKIM1; k=dsa; p={ed}"),
            "v=DKIM1; k=rsa".to_string(),
            "v=DKIM1; p=!!!".to_string(),
            format!("v=DKIM1; k=ED25519; p={ed}"),
        ] {
            assert_eq!(published(&record), None, "{record}");
        }
    }

    #[test]
    fn a_key_is_checked_against_p_and_never_against_a_capital_p() {
        use ed25519_dalek::Signer;
        use mail_auth::common::crypto::{HashContext, HashImpl, Sha256};
        let signer = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let impostor = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        let encode = |key: &ed25519_dalek::SigningKey| {
            base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes())
        };
        let input = b"from:a@example\r\n";
        let mut hasher = Sha256::hasher();
        mail_auth::common::headers::Writer::write(&mut hasher, input);
        let digest = hasher.complete();
        let (p, capital) = (encode(&signer), encode(&impostor));
        for (n, record) in [
            format!("v=DKIM1; k=ed25519; p={p}; P={capital}"),
            format!("v=DKIM1; k=ed25519; P={capital}; p={p}"),
        ]
        .into_iter()
        .enumerate()
        {
            let key = parsed_key(&format!("s{n}._domainkey.capital.example"), &record).unwrap();
            let verify = |key_pair: &ed25519_dalek::SigningKey| {
                let signature = key_pair.sign(digest.as_ref()).to_bytes();
                key.key
                    .p
                    .verify_bytes(input, &signature, Algorithm::Ed25519Sha256)
            };
            assert!(verify(&signer).is_ok(), "{record}");
            assert!(verify(&impostor).is_err(), "{record}");
        }
        // A `p=` ours cannot take (31 bytes) beside a good `P=`: mail-auth's key, which is
        // then the one answering, is read without the `P=` too, so nothing verifies.
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        let record = format!("v=DKIM1; k=ed25519; p={short}; P={capital}");
        assert!(Ed25519Key::from_public(&[7; 31]).is_none());
        let key = parsed_key("bad._domainkey.capital.example", &record).unwrap();
        let signature = impostor.sign(digest.as_ref()).to_bytes();
        assert!(
            key.key
                .p
                .verify_bytes(input, &signature, Algorithm::Ed25519Sha256)
                .is_err()
        );
        // Only a `P=`: no key at all, as a receiver sees it.
        assert!(
            parsed_key(
                "only._domainkey.capital.example",
                &format!("v=DKIM1; k=ed25519; P={capital}")
            )
            .is_err()
        );
        let both = format!("v=DKIM1; P={capital}; p={p}");
        assert_eq!(
            as_receivers_read(&both, &tag_list(&both).unwrap()),
            format!("v=DKIM1; p={p}")
        );
        let plain = format!("v=DKIM1; k=ed25519; p={p}");
        assert!(matches!(
            as_receivers_read(&plain, &tag_list(&plain).unwrap()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_key_record_is_parsed_once_and_a_broken_one_never_kept() {
        let record = "v=DKIM1; k=ed25519; t=y; p=TSfgOp0oj6ZHvfDw8r+NFV8HdH1q8woZNW8F39tkHB4=";
        let name = "ed._domainkey.parse-once.example";
        let first = parsed_key(name, record).unwrap();
        let again = parsed_key(name, record).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second use reads the first parse"
        );
        assert_eq!(first.info, key_info(name, record));
        // The tag checks mail-auth does not make are made with the parse, for each algorithm.
        assert!(first.problem(Algorithm::Ed25519Sha256).is_none());
        assert_eq!(
            first.problem(Algorithm::RsaSha256).map(|text| text.code),
            key_problem(tag_list(record).as_ref(), name, Algorithm::RsaSha256)
                .map(|text| text.code)
        );
        assert!(first.problem(Algorithm::RsaSha256).is_some());
        // Another name or another text is parsed for itself; what does not parse is an error
        // every time.
        let other = parsed_key("ed._domainkey.other.example", record).unwrap();
        assert!(!Arc::ptr_eq(&first, &other));
        let rotated = record.replace("t=y; ", "");
        let new_text = parsed_key(name, &rotated).unwrap();
        assert!(!Arc::ptr_eq(&first, &new_text));
        assert!(!new_text.info.testing);
        for _ in 0..2 {
            assert!(parsed_key("x._domainkey.parse-once.example", "v=DKIM1; p=!!!").is_err());
        }
    }

    #[test]
    fn alignment_follows_the_organizational_domain() {
        assert_eq!(
            alignment("shop.example", Some("shop.example")),
            Alignment::Strict
        );
        assert_eq!(
            alignment("mail.shop.example", Some("shop.example")),
            Alignment::Relaxed
        );
        assert_eq!(
            alignment("mandrillapp.com", Some("shop.example")),
            Alignment::None
        );
        assert_eq!(alignment("shop.example", None), Alignment::None);
    }

    #[test]
    fn overall_result_prefers_pass_then_temperror() {
        let signature = |result| SignatureVerdict {
            domain: "d".into(),
            selector: "s".into(),
            algorithm: "rsa-sha256".into(),
            result,
            reason: String::new(),
            code: String::new(),
            findings: None,
            key: None,
            alignment: Alignment::None,
            aligned: false,
            registration: None,
            warnings: vec![],
        };
        assert_eq!(overall(&[]), Verdict::None);
        assert_eq!(
            overall(&[signature(Verdict::Fail), signature(Verdict::Pass)]),
            Verdict::Pass
        );
        assert_eq!(
            overall(&[signature(Verdict::Fail), signature(Verdict::Temperror)]),
            Verdict::Temperror
        );
        assert_eq!(
            overall(&[signature(Verdict::Permerror), signature(Verdict::Fail)]),
            Verdict::Fail
        );
    }
}
