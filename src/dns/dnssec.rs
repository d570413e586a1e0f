//! DNSSEC validation of the answers a verdict rests on (RFC 4033–4035, 5155, 6840).
//!
//! Every such answer is asked with DO and CD set, so a validating resolver hands over even
//! what it would refuse, and is validated here from a trust anchor: hickory-proto's
//! `dnssec-ring` verifies the signatures and the NSEC/NSEC3 denial proofs, and hickory-net's
//! `DnssecDnsHandle` walks the chain (DNSKEY, DS, up to the anchor) through `Wire`, which
//! sends each question through sendercheck's own transport (RFC 5452 defences, budgets) and
//! keeps the chain's DNSKEY, DS and NS answers for their TTL (bounded). The answer a check asked
//! goes to the route it was asked on (the resolver, or one authoritative server); the chain
//! always comes from the resolver, as a receiver's validating resolver would fetch it.
//!
//! A bogus answer is then diagnosed here, step by step down the same chain, so the verdict
//! names the cause a customer can act on: signatures expired on a date, a record without
//! signature in a signed zone, a key the zone no longer publishes, a DS at the registrar that
//! matches no key. A chain that cannot be fetched is `indeterminate`, never `bogus`; a resolver
//! that strips DNSSEC records (no RRSIG even with DO) makes every answer `indeterminate` with a
//! warning, never a silent `secure`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures_util::stream::{self, Stream};
use hickory_net::dnssec::DnssecDnsHandle;
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::xfer::FirstAnswer;
use hickory_net::{DnsError, DnsHandle, NetError};
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, RRSIG};
use hickory_proto::dnssec::{
    Algorithm, DigestType, Proof, PublicKey as _, PublicKeyBuf, TrustAnchors, Verifier,
};
use hickory_proto::op::{
    DnsRequest, DnsRequestOptions, DnsResponse, Message, Query as WireQuery, ResponseCode,
};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::transport::{ExchangeError, Transport};
use crate::answer::{Dnssec, DnssecState};
use crate::text::{Text, codes};

/// Chain answers (DNSKEY, DS, NS) kept at once; the oldest half is dropped beyond it.
const CHAIN_CACHE_ENTRIES: usize = 20_000;
/// A chain answer is kept at most this long, whatever its TTL, and at least `CHAIN_TTL_FLOOR`.
const CHAIN_TTL_CEILING: Duration = Duration::from_secs(3600);
const CHAIN_TTL_FLOOR: Duration = Duration::from_secs(5);
/// How long a resolver found unable to pass DNSSEC records on is believed before it is asked
/// again.
const NOT_READY_MEMORY: Duration = Duration::from_secs(30);
/// Zone levels a diagnosis walks up at most.
const MAX_LEVELS: usize = 16;

/// The configured trust anchors: DNSKEY records trusted as they are, and DS records whose
/// keys are fetched and matched before anything is validated.
#[derive(Clone, Debug)]
pub struct Anchors {
    keys: Vec<(Name, DNSKEY)>,
    digests: Vec<(Name, DS)>,
    /// Where they came from, for messages: the built-in IANA root anchors or the file.
    pub source: Text,
}

impl Anchors {
    /// The IANA root zone's key-signing keys (key tags 20326 and 38696), as hickory-proto
    /// ships them.
    pub fn builtin() -> Self {
        let roots = TrustAnchors::default();
        let keys = (0..roots.len())
            .filter_map(|index| roots.get(index))
            .map(|key| {
                let key = PublicKeyBuf::new(key.public_bytes().to_vec(), key.algorithm());
                (Name::root(), DNSKEY::new(true, true, false, key))
            })
            .collect();
        Anchors {
            keys,
            digests: Vec::new(),
            source: codes::dnssec_anchors_builtin(),
        }
    }

    /// Reads DS and DNSKEY records in zone-file syntax (comments, parentheses, an optional
    /// TTL and class), as unbound's `trust-anchor-file` and `dnssec-keygen`'s `.key` and
    /// `dsset-` files write them.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let mut anchors =
            Self::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
        anchors.source = codes::dnssec_anchors_file(path.display().to_string());
        Ok(anchors)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let mut anchors = Anchors {
            keys: Vec::new(),
            digests: Vec::new(),
            source: codes::dnssec_anchors_builtin(),
        };
        for (line, entry) in logical_lines(text) {
            let at = |problem: String| format!("line {line}: {problem}");
            let mut tokens = entry.split_whitespace();
            let Some(owner) = tokens.next() else { continue };
            if owner.starts_with('$') {
                continue;
            }
            let name = Name::from_ascii(if owner.ends_with('.') {
                owner.to_string()
            } else {
                format!("{owner}.")
            })
            .map_err(|error| at(format!("{owner:?} is not a domain name: {error}")))?;
            let mut record_type = None;
            for token in tokens.by_ref() {
                if token.bytes().all(|b| b.is_ascii_digit()) || token.eq_ignore_ascii_case("IN") {
                    continue;
                }
                record_type = Some(token.to_ascii_uppercase());
                break;
            }
            let fields: Vec<&str> = tokens.collect();
            let number = |index: usize, what: &str| -> Result<u64, String> {
                fields
                    .get(index)
                    .and_then(|field| field.parse().ok())
                    .ok_or_else(|| at(format!("the {what} is missing or not a number")))
            };
            match record_type.as_deref() {
                Some("DS") => {
                    let key_tag = u16::try_from(number(0, "key tag")?)
                        .map_err(|_| at("the key tag is over 65535".to_string()))?;
                    let algorithm = u8::try_from(number(1, "algorithm")?)
                        .map_err(|_| at("the algorithm is over 255".to_string()))?;
                    let digest_type = u8::try_from(number(2, "digest type")?)
                        .map_err(|_| at("the digest type is over 255".to_string()))?;
                    let digest = hex(&fields.get(3..).unwrap_or_default().concat())
                        .ok_or_else(|| at("the digest is not hexadecimal".to_string()))?;
                    anchors.digests.push((
                        name,
                        DS::new(
                            key_tag,
                            Algorithm::from_u8(algorithm),
                            DigestType::from(digest_type),
                            digest,
                        ),
                    ));
                }
                Some("DNSKEY") => {
                    let flags = u16::try_from(number(0, "flags field")?)
                        .map_err(|_| at("the flags field is over 65535".to_string()))?;
                    if number(1, "protocol")? != 3 {
                        return Err(at("a DNSKEY's protocol must be 3".to_string()));
                    }
                    let algorithm = u8::try_from(number(2, "algorithm")?)
                        .map_err(|_| at("the algorithm is over 255".to_string()))?;
                    let key = base64::engine::general_purpose::STANDARD
                        .decode(fields.get(3..).unwrap_or_default().concat())
                        .map_err(|_| at("the public key is not base64".to_string()))?;
                    let key = PublicKeyBuf::new(key, Algorithm::from_u8(algorithm));
                    anchors.keys.push((name, DNSKEY::with_flags(flags, key)));
                }
                Some(other) => {
                    return Err(at(format!(
                        "only DS and DNSKEY records can be trust anchors, not {other}"
                    )));
                }
                None => return Err(at("a record type (DS or DNSKEY) is missing".to_string())),
            }
        }
        if anchors.keys.is_empty() && anchors.digests.is_empty() {
            return Err("no DS or DNSKEY record".to_string());
        }
        Ok(anchors)
    }

    /// The names anchored (the root for the built-in anchors).
    fn names(&self) -> Vec<Name> {
        let mut names: Vec<Name> = self
            .keys
            .iter()
            .map(|(name, _)| name.clone())
            .chain(self.digests.iter().map(|(name, _)| name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Zone-file lines with comments dropped and parenthesised continuations joined, each with
/// the number of the line it starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut started = 0;
    let mut depth = 0usize;
    for (number, line) in text.lines().enumerate() {
        if current.trim().is_empty() {
            started = number + 1;
        }
        let line = line.split(';').next().unwrap_or_default();
        for character in line.chars() {
            match character {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                other => current.push(other),
            }
        }
        current.push(' ');
        if depth == 0 {
            if !current.trim().is_empty() {
                lines.push((started, current.trim().to_string()));
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        lines.push((started, current.trim().to_string()));
    }
    lines
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

tokio::task_local! {
    /// The lookup being validated: where its own question goes and by when.
    static ASK: Arc<Ask>;
}

/// One validated lookup.
struct Ask {
    /// The question the check asked (lower case): it goes to `server` (`None`: the resolver).
    subject: (Name, RecordType),
    server: Option<SocketAddr>,
    deadline: Instant,
    /// The subject's answer as it came, before validation (or why none came).
    raw: Mutex<Option<Result<Message, ExchangeError>>>,
}

/// The `DnsHandle` hickory's validator asks through: sendercheck's transport, with DO and CD.
#[derive(Clone)]
struct Wire {
    transport: Arc<Transport>,
    cache: Arc<ChainCache>,
}

impl DnsHandle for Wire {
    type Response = Pin<Box<dyn Stream<Item = Result<DnsResponse, NetError>> + Send>>;
    type Runtime = TokioRuntimeProvider;

    fn send(&self, request: DnsRequest) -> Self::Response {
        let wire = self.clone();
        let question = request.queries.first().cloned();
        Box::pin(stream::once(async move {
            let question =
                question.ok_or_else(|| NetError::from("a request without a question"))?;
            let ask = ASK
                .try_with(Arc::clone)
                .map_err(|_| NetError::from("a DNSSEC lookup outside a check"))?;
            wire.answer(&ask, question.name(), question.query_type())
                .await
        }))
    }
}

impl Wire {
    async fn answer(
        &self,
        ask: &Ask,
        name: &Name,
        record_type: RecordType,
    ) -> Result<DnsResponse, NetError> {
        let key = (name.to_lowercase(), record_type);
        if key == ask.subject {
            let result = self
                .transport
                .exchange_dnssec(ask.server, name, record_type, ask.deadline)
                .await;
            *lock(&ask.raw) = Some(result.clone());
            return response(result);
        }
        self.chain(key, ask.deadline).await
    }

    /// A chain answer (DNSKEY, DS, the NS of a zone cut) from the resolver, kept for its TTL.
    async fn chain(
        &self,
        key: (Name, RecordType),
        deadline: Instant,
    ) -> Result<DnsResponse, NetError> {
        if let Some(cached) = self.cache.get(&key) {
            return Ok(cached);
        }
        let result = self
            .transport
            .exchange_dnssec(None, &key.0, key.1, deadline)
            .await;
        let answered = response(result)?;
        self.cache.put(key, &answered);
        Ok(answered)
    }
}

impl Wire {
    /// A chain answer, or why it could not be fetched, in words.
    async fn fetch(
        &self,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<DnsResponse, Text> {
        self.chain((name.clone(), record_type), deadline)
            .await
            .map_err(|error| {
                codes::dnssec_fetch_failed(record_type.to_string(), shown(name), error.to_string())
            })
    }
}

/// A transport outcome as hickory's validator reads it: NOERROR and NXDOMAIN are answers to
/// validate; anything else is a failure (never read as "no such record").
fn response(result: Result<Message, ExchangeError>) -> Result<DnsResponse, NetError> {
    let message = result.map_err(|error| NetError::from(describe_exchange(&error)))?;
    match message.metadata.response_code {
        ResponseCode::NoError | ResponseCode::NXDomain => {
            DnsResponse::from_message(message).map_err(|error| NetError::from(error.to_string()))
        }
        code => Err(NetError::from(DnsError::ResponseCode(code))),
    }
}

fn describe_exchange(error: &ExchangeError) -> String {
    match error {
        ExchangeError::Timeout => "no answer in time".to_string(),
        ExchangeError::Refused => "nothing listens on the DNS port".to_string(),
        ExchangeError::HeldBack(held) => format!(
            "not asked: no answer since {}",
            held.since
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        ExchangeError::Io(reason) => reason.clone(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Chain answers by question, each until its TTL runs out.
#[derive(Default)]
struct ChainCache {
    entries: Mutex<HashMap<(Name, RecordType), (DnsResponse, Instant)>>,
}

impl ChainCache {
    fn get(&self, key: &(Name, RecordType)) -> Option<DnsResponse> {
        let entries = lock(&self.entries);
        let (response, until) = entries.get(key)?;
        (Instant::now() < *until).then(|| response.clone())
    }

    fn put(&self, key: (Name, RecordType), response: &DnsResponse) {
        let ttl = response
            .answers
            .iter()
            .chain(response.authorities.iter())
            .map(|record| record.ttl)
            .min()
            .map_or(CHAIN_TTL_FLOOR, |ttl| Duration::from_secs(u64::from(ttl)))
            .clamp(CHAIN_TTL_FLOOR, CHAIN_TTL_CEILING);
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        if entries.len() >= CHAIN_CACHE_ENTRIES {
            entries.retain(|_, (_, until)| *until > now);
        }
        if entries.len() >= CHAIN_CACHE_ENTRIES {
            let mut ages: Vec<Instant> = entries.values().map(|(_, until)| *until).collect();
            ages.sort();
            let cut = ages[ages.len() / 2];
            entries.retain(|_, (_, until)| *until > cut);
        }
        entries.insert(key, (response.clone(), now + ttl));
    }
}

/// Whether answers can be validated now.
#[derive(Clone)]
enum Readiness {
    /// The anchors' keys are known: validate with this handle.
    Ready(DnssecDnsHandle<Wire>),
    /// Nothing can be proven (no root DNSKEY, a resolver stripping signatures, anchors that
    /// match no key): every answer gets this status.
    NotReady(Dnssec),
}

/// The validator one `Resolver` shares across its clones.
pub struct Validator {
    wire: Wire,
    anchors: Anchors,
    /// The last finding on the anchors' keys, and until when it holds.
    readiness: Mutex<Option<(Readiness, Instant)>>,
    /// Held while the keys are being found, so one lookup asks while the others wait.
    finding: tokio::sync::Mutex<()>,
}

/// A validated lookup's outcome: the answer as it came, and what DNSSEC says of it (`None`
/// when the answer is no answer: a failure has no DNSSEC status).
pub struct Validated {
    pub message: Message,
    pub dnssec: Option<Dnssec>,
}

impl Validated {
    /// An answer asked without validation.
    pub fn plain(message: Message) -> Self {
        Validated {
            message,
            dnssec: None,
        }
    }
}

impl Validator {
    pub(super) fn new(transport: Arc<Transport>, anchors: Anchors) -> Self {
        Validator {
            wire: Wire {
                transport,
                cache: Arc::new(ChainCache::default()),
            },
            anchors,
            readiness: Mutex::new(None),
            finding: tokio::sync::Mutex::new(()),
        }
    }

    /// Asks `name`/`record_type` (of the resolver, or of `server` directly) with DO and CD,
    /// and validates the answer. `Err` only when no answer came.
    pub async fn exchange(
        &self,
        server: Option<SocketAddr>,
        name: &Name,
        record_type: RecordType,
        deadline: Instant,
    ) -> Result<Validated, ExchangeError> {
        let ask = Arc::new(Ask {
            subject: (name.to_lowercase(), record_type),
            server,
            deadline,
            raw: Mutex::new(None),
        });
        let handle = match self.readiness(&ask).await {
            Readiness::Ready(handle) => handle,
            Readiness::NotReady(status) => {
                let message = self
                    .wire
                    .transport
                    .exchange_dnssec(server, name, record_type, deadline)
                    .await?;
                let dnssec = answered(&message).then_some(status);
                return Ok(Validated { message, dnssec });
            }
        };
        let mut options = DnsRequestOptions::default();
        options.edns_set_dnssec_ok = true;
        options.recursion_desired = server.is_none();
        let question = WireQuery::query(name.clone(), record_type);
        // Boxed: hickory's validating lookup is a large future, and inline it would make every
        // query's future as large, also where nothing is validated.
        let validated = Box::pin(ASK.scope(ask.clone(), async {
            handle.lookup(question, options).first_answer().await
        }))
        .await;
        let message = match lock(&ask.raw).take() {
            Some(Ok(message)) => message,
            Some(Err(error)) => return Err(error),
            None => return Err(ExchangeError::Io("the question was never sent".to_string())),
        };
        if !answered(&message) {
            return Ok(Validated {
                message,
                dnssec: None,
            });
        }
        let (state, zone) = match &validated {
            Ok(response) => state_of(response, record_type),
            Err(NetError::Dns(DnsError::Nsec {
                proof, response, ..
            })) => (state_of_proof(*proof), zone_of(response, record_type)),
            Err(error) => {
                let dnssec = Dnssec::new(
                    DnssecState::Indeterminate,
                    None,
                    Some(codes::dnssec_chain_failed(error.to_string())),
                );
                return Ok(Validated {
                    message,
                    dnssec: Some(dnssec),
                });
            }
        };
        let dnssec = match state {
            DnssecState::Bogus => {
                Box::pin(ASK.scope(ask.clone(), self.diagnose(&message, zone))).await
            }
            DnssecState::Indeterminate => {
                Dnssec::new(state, zone, Some(codes::dnssec_chain_unfetched()))
            }
            _ => Dnssec::new(state, zone, None),
        };
        Ok(Validated {
            message,
            dnssec: Some(dnssec),
        })
    }

    /// Whether the anchors' keys are known, finding out (at most one lookup at a time) when
    /// the last finding has run out.
    async fn readiness(&self, ask: &Arc<Ask>) -> Readiness {
        let fresh = || {
            lock(&self.readiness)
                .as_ref()
                .filter(|(_, until)| Instant::now() < *until)
                .map(|(readiness, _)| readiness.clone())
        };
        if let Some(readiness) = fresh() {
            return readiness;
        }
        let _finding = self.finding.lock().await;
        if let Some(readiness) = fresh() {
            return readiness;
        }
        let root = Arc::new(Ask {
            subject: (Name::root(), RecordType::NULL),
            server: None,
            deadline: ask.deadline,
            raw: Mutex::new(None),
        });
        let (readiness, ttl) = Box::pin(ASK.scope(root, self.find_anchor_keys())).await;
        *lock(&self.readiness) = Some((readiness.clone(), Instant::now() + ttl));
        readiness
    }

    /// Fetches the DNSKEY set of each anchored name and builds the validator from the keys
    /// the anchors name; or says why nothing can be validated.
    async fn find_anchor_keys(&self) -> (Readiness, Duration) {
        let not_ready = |reason: Text, warning: Option<Text>| {
            let mut status = Dnssec::new(
                DnssecState::Indeterminate,
                Some(".".to_string()),
                Some(reason),
            );
            status.warning = warning;
            (Readiness::NotReady(status), NOT_READY_MEMORY)
        };
        let deadline = ASK.with(|ask| ask.deadline);
        let mut trusted = TrustAnchors::empty();
        let mut ttl = CHAIN_TTL_CEILING;
        for name in self.anchors.names() {
            let shown = shown(&name);
            let response = match self
                .wire
                .chain((name.clone(), RecordType::DNSKEY), deadline)
                .await
            {
                Ok(response) => response,
                Err(error) => {
                    return not_ready(
                        codes::dnssec_no_anchor_keys_error(&shown, error.to_string()),
                        None,
                    );
                }
            };
            let keys = dnskeys(&response, &name);
            if keys.is_empty() {
                return not_ready(codes::dnssec_no_anchor_keys(&shown), None);
            }
            if signatures(&response.answers, &name, RecordType::DNSKEY).is_empty() {
                return not_ready(
                    codes::dnssec_strips_signatures(),
                    Some(codes::dnssec_resolver_strips()),
                );
            }
            ttl = ttl.min(
                response
                    .answers
                    .iter()
                    .map(|record| Duration::from_secs(u64::from(record.ttl)))
                    .min()
                    .unwrap_or(CHAIN_TTL_FLOOR),
            );
            let mut matched = 0;
            for key in &keys {
                let named = self.anchors.keys.iter().any(|(anchor, anchored)| {
                    anchor == &name
                        && anchored.public_key().public_bytes() == key.public_key().public_bytes()
                });
                let digested =
                    self.anchors.digests.iter().any(|(anchor, ds)| {
                        anchor == &name && ds.covers(&name, key).unwrap_or(false)
                    });
                if named || digested {
                    trusted.insert_with_name(key.public_key(), name.clone().into());
                    matched += 1;
                }
            }
            if matched == 0 {
                let tags = key_tags(&keys);
                return not_ready(
                    codes::dnssec_anchors_unmatched(&shown, &tags, self.anchors.source.clone()),
                    Some(codes::dnssec_anchors_mismatch(
                        &shown,
                        &tags,
                        self.anchors.source.clone(),
                    )),
                );
            }
        }
        let handle = DnssecDnsHandle::with_trust_anchor(self.wire.clone(), Arc::new(trusted));
        (
            Readiness::Ready(handle),
            ttl.clamp(CHAIN_TTL_FLOOR, CHAIN_TTL_CEILING),
        )
    }

    /// Why an answer is bogus, in words a customer can act on: walks from the answer's own
    /// signatures down the chain to the anchor and names the first link that breaks.
    async fn diagnose(&self, message: &Message, zone: Option<String>) -> Dnssec {
        let deadline = ASK.with(|ask| ask.deadline);
        let now = unix_now();
        let bogus = |zone: &Name, reason: Text| {
            Dnssec::new(DnssecState::Bogus, Some(shown(zone)), Some(reason))
        };
        let indeterminate =
            |reason: Text| Dnssec::new(DnssecState::Indeterminate, zone.clone(), Some(reason));
        // The answer's own RRsets, or for a denial the NSEC/NSEC3 records and the SOA.
        let mut rrsets = rrsets(&message.answers);
        if rrsets.is_empty() {
            rrsets = rrsets_of(&message.authorities);
        }
        let mut signer_of_answer = None;
        for (owner, record_type) in rrsets {
            let section = if message.answers.iter().any(|r| r.name == owner) {
                &message.answers
            } else {
                &message.authorities
            };
            let records = rrset(section, &owner, record_type);
            let sigs = signatures(section, &owner, record_type);
            let what = codes::dnssec_what_rrset(record_type.to_string(), shown(&owner));
            if sigs.is_empty() {
                match self.signed_zone_above(&owner, deadline).await {
                    Ok(Some(zone)) => {
                        let unsigned = codes::dnssec_unsigned_in_signed_zone(what, shown(&zone));
                        return bogus(&zone, unsigned);
                    }
                    Ok(None) => continue,
                    Err(reason) => return indeterminate(reason),
                }
            }
            let signer = sigs[0].input().signer_name.clone();
            signer_of_answer.get_or_insert(signer.clone());
            if let Some(cause) = stale(&sigs, now, &what) {
                return bogus(&signer, cause);
            }
            let keys = match self.wire.fetch(&signer, RecordType::DNSKEY, deadline).await {
                Ok(response) => dnskeys(&response, &signer),
                Err(reason) => return indeterminate(reason),
            };
            if let Some(cause) = unverified(&sigs, &keys, &owner, &records, &what, &signer, now) {
                return bogus(&signer, cause);
            }
        }
        let Some(mut zone_name) = signer_of_answer else {
            return indeterminate(codes::dnssec_unvalidated());
        };
        // Down the chain: each zone's DNSKEY set must be signed by a key its parent's DS (or
        // an anchor) names, and each DS set by the parent's keys.
        for _ in 0..MAX_LEVELS {
            let keys_response = match self
                .wire
                .fetch(&zone_name, RecordType::DNSKEY, deadline)
                .await
            {
                Ok(response) => response,
                Err(reason) => return indeterminate(reason),
            };
            let keys = dnskeys(&keys_response, &zone_name);
            let key_sigs = signatures(&keys_response.answers, &zone_name, RecordType::DNSKEY);
            let key_records = rrset(&keys_response.answers, &zone_name, RecordType::DNSKEY);
            let what = codes::dnssec_what_dnskey_set(shown(&zone_name));
            if keys.is_empty() {
                return bogus(
                    &zone_name,
                    codes::dnssec_no_dnskey_with_ds(shown(&zone_name)),
                );
            }
            if self.anchors.names().contains(&zone_name) {
                if let Some(cause) = stale(&key_sigs, now, &what) {
                    return bogus(&zone_name, cause);
                }
                break;
            }
            let ds_response = match self.wire.fetch(&zone_name, RecordType::DS, deadline).await {
                Ok(response) => response,
                Err(reason) => return indeterminate(reason),
            };
            let digests: Vec<DS> = ds_response
                .answers
                .iter()
                .filter(|r| r.name == zone_name)
                .filter_map(|r| match &r.data {
                    RData::DNSSEC(DNSSECRData::DS(ds)) => Some(ds.clone()),
                    _ => None,
                })
                .collect();
            let parent = parent_of(&ds_response, &zone_name);
            if digests.is_empty() {
                // No DS: the zone is not signed from above; what broke is elsewhere.
                break;
            }
            let entry_keys: Vec<&DNSKEY> = keys
                .iter()
                .filter(|key| {
                    digests
                        .iter()
                        .any(|ds| ds.covers(&zone_name, key).unwrap_or(false))
                })
                .collect();
            if entry_keys.is_empty() {
                let tags: Vec<String> = digests.iter().map(|ds| ds.key_tag().to_string()).collect();
                let mismatch = codes::dnssec_ds_mismatch(
                    shown(&zone_name),
                    shown(&parent),
                    tags.join(", "),
                    key_tags(&keys),
                );
                return bogus(&zone_name, mismatch);
            }
            if let Some(cause) = stale(&key_sigs, now, &what) {
                return bogus(&zone_name, cause);
            }
            let entry_owned: Vec<DNSKEY> = entry_keys.into_iter().cloned().collect();
            if unverified(
                &key_sigs,
                &entry_owned,
                &zone_name,
                &key_records,
                &what,
                &zone_name,
                now,
            )
            .is_some()
            {
                let unsigned = codes::dnssec_keys_not_signed_by_ds(
                    what,
                    shown(&parent),
                    key_tags(&entry_owned),
                );
                return bogus(&zone_name, unsigned);
            }
            // The DS set itself, signed by the parent.
            let ds_sigs = signatures(&ds_response.answers, &zone_name, RecordType::DS);
            let ds_records = rrset(&ds_response.answers, &zone_name, RecordType::DS);
            let what = codes::dnssec_what_ds(shown(&zone_name), shown(&parent));
            if ds_sigs.is_empty() {
                return indeterminate(codes::dnssec_ds_unsigned(what));
            }
            if let Some(cause) = stale(&ds_sigs, now, &what) {
                return bogus(&parent, cause);
            }
            let parent_keys = match self.wire.fetch(&parent, RecordType::DNSKEY, deadline).await {
                Ok(response) => dnskeys(&response, &parent),
                Err(reason) => return indeterminate(reason),
            };
            if let Some(cause) = unverified(
                &ds_sigs,
                &parent_keys,
                &zone_name,
                &ds_records,
                &what,
                &parent,
                now,
            ) {
                return bogus(&parent, cause);
            }
            zone_name = parent;
        }
        let zone = zone.unwrap_or_else(|| shown(&zone_name));
        Dnssec::new(
            DnssecState::Bogus,
            Some(zone.clone()),
            Some(codes::dnssec_zone_bogus(zone, self.anchors.source.clone())),
        )
    }

    /// The closest zone at or above `name` whose parent publishes a DS for it (`None`: none
    /// does up to an anchor, so an unsigned answer is simply insecure).
    async fn signed_zone_above(
        &self,
        name: &Name,
        deadline: Instant,
    ) -> Result<Option<Name>, Text> {
        let anchored = self.anchors.names();
        let mut current = name.clone();
        for _ in 0..MAX_LEVELS * 4 {
            if anchored.contains(&current) {
                return Ok(None);
            }
            let response = self.wire.fetch(&current, RecordType::DS, deadline).await?;
            if response
                .answers
                .iter()
                .any(|r| r.name == current && r.record_type() == RecordType::DS)
            {
                return Ok(Some(current));
            }
            if current.is_root() {
                return Ok(None);
            }
            current = current.base_name();
        }
        Ok(None)
    }
}

/// Whether a message is an answer a status belongs to (NOERROR or NXDOMAIN).
fn answered(message: &Message) -> bool {
    matches!(
        message.metadata.response_code,
        ResponseCode::NoError | ResponseCode::NXDomain
    )
}

fn state_of_proof(proof: Proof) -> DnssecState {
    match proof {
        Proof::Secure => DnssecState::Secure,
        Proof::Insecure => DnssecState::Insecure,
        Proof::Bogus => DnssecState::Bogus,
        Proof::Indeterminate => DnssecState::Indeterminate,
    }
}

/// The state of a validated answer: the worst proof among the records it answers with (the
/// asked type, and the CNAMEs leading to it); for a denial, secure when a validated NSEC or
/// NSEC3 proves it, insecure when nothing signed speaks for it.
fn state_of(response: &DnsResponse, record_type: RecordType) -> (DnssecState, Option<String>) {
    let zone = zone_of(response, record_type);
    let proofs: Vec<Proof> = response
        .answers
        .iter()
        .filter(|record| {
            record.record_type() == record_type || record.record_type() == RecordType::CNAME
        })
        .map(|record| record.proof)
        .collect();
    if let Some(worst) = proofs.into_iter().map(state_of_proof).max() {
        return (worst, zone);
    }
    let proven = response.authorities.iter().any(|record| {
        record.proof == Proof::Secure
            && matches!(record.record_type(), RecordType::NSEC | RecordType::NSEC3)
    });
    let bogus = response
        .authorities
        .iter()
        .any(|record| record.proof == Proof::Bogus);
    let state = if bogus {
        DnssecState::Bogus
    } else if proven {
        DnssecState::Secure
    } else {
        DnssecState::Insecure
    };
    (state, zone)
}

/// The zone an answer speaks for: its signer, else the SOA owner of a denial.
fn zone_of(response: &Message, record_type: RecordType) -> Option<String> {
    response
        .answers
        .iter()
        .chain(response.authorities.iter())
        .find_map(|record| match &record.data {
            RData::DNSSEC(DNSSECRData::RRSIG(rrsig))
                if rrsig.input().type_covered == record_type
                    || rrsig.input().type_covered == RecordType::CNAME
                    || rrsig.input().type_covered == RecordType::SOA =>
            {
                Some(shown(&rrsig.input().signer_name))
            }
            _ => None,
        })
        .or_else(|| {
            response
                .authorities
                .iter()
                .find(|record| record.record_type() == RecordType::SOA)
                .map(|record| shown(&record.name))
        })
}

/// The parent zone a DS answer came from: its signer, else the name's parent.
fn parent_of(response: &DnsResponse, zone: &Name) -> Name {
    signatures(&response.answers, zone, RecordType::DS)
        .first()
        .map(|sig| sig.input().signer_name.clone())
        .unwrap_or_else(|| zone.base_name())
}

/// The (owner, type) of each RRset among `records`, RRSIGs aside, first seen first.
fn rrsets(records: &[Record]) -> Vec<(Name, RecordType)> {
    let mut sets: Vec<(Name, RecordType)> = Vec::new();
    for record in records {
        let key = (record.name.clone(), record.record_type());
        if record.record_type() != RecordType::RRSIG && !sets.contains(&key) {
            sets.push(key);
        }
    }
    sets
}

/// The denial's RRsets: NSEC, NSEC3 and the SOA.
fn rrsets_of(authorities: &[Record]) -> Vec<(Name, RecordType)> {
    rrsets(authorities)
        .into_iter()
        .filter(|(_, record_type)| {
            matches!(
                record_type,
                RecordType::NSEC | RecordType::NSEC3 | RecordType::SOA
            )
        })
        .collect()
}

/// The records of the RRset `owner`/`record_type` among `records`.
fn rrset<'r>(records: &'r [Record], owner: &Name, record_type: RecordType) -> Vec<&'r Record> {
    records
        .iter()
        .filter(|record| &record.name == owner && record.record_type() == record_type)
        .collect()
}

/// The RRSIGs over `owner`/`record_type` among `records`.
fn signatures(records: &[Record], owner: &Name, record_type: RecordType) -> Vec<RRSIG> {
    records
        .iter()
        .filter(|record| &record.name == owner)
        .filter_map(|record| match &record.data {
            RData::DNSSEC(DNSSECRData::RRSIG(rrsig))
                if rrsig.input().type_covered == record_type =>
            {
                Some(rrsig.clone())
            }
            _ => None,
        })
        .collect()
}

fn dnskeys(response: &DnsResponse, owner: &Name) -> Vec<DNSKEY> {
    response
        .answers
        .iter()
        .filter(|record| &record.name == owner)
        .filter_map(|record| match &record.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(key)) => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn key_tags(keys: &[DNSKEY]) -> String {
    let tags: Vec<String> = keys
        .iter()
        .filter_map(|key| key.calculate_key_tag().ok())
        .map(|tag| tag.to_string())
        .collect();
    tags.join(", ")
}

/// When no signature is within its validity period: the cause, with the date that matters.
fn stale(sigs: &[RRSIG], now: u32, what: &Text) -> Option<Text> {
    if sigs.is_empty() {
        return None;
    }
    let expired = |sig: &RRSIG| sig.input().sig_expiration.get() < now;
    let early = |sig: &RRSIG| sig.input().sig_inception.get() > now;
    if sigs.iter().all(expired) {
        let last = sigs
            .iter()
            .map(|sig| sig.input().sig_expiration.get())
            .max()
            .unwrap_or_default();
        return Some(codes::dnssec_expired(what.clone(), date(last)));
    }
    if sigs.iter().all(|sig| expired(sig) || early(sig)) {
        let first = sigs
            .iter()
            .map(|sig| sig.input().sig_inception.get())
            .min()
            .unwrap_or_default();
        return Some(codes::dnssec_not_yet_valid(what.clone(), date(first)));
    }
    None
}

/// When no signature in its validity period verifies with one of `keys`: the cause.
fn unverified(
    sigs: &[RRSIG],
    keys: &[DNSKEY],
    owner: &Name,
    records: &[&Record],
    what: &Text,
    signer: &Name,
    now: u32,
) -> Option<Text> {
    let current: Vec<&RRSIG> = sigs
        .iter()
        .filter(|sig| {
            sig.input().sig_inception.get() <= now && sig.input().sig_expiration.get() >= now
        })
        .collect();
    let verifies = current.iter().any(|sig| {
        keys.iter().any(|key| {
            key.calculate_key_tag().ok() == Some(sig.input().key_tag)
                && key.algorithm() == sig.input().algorithm
                && key
                    .verify_rrsig(owner, DNSClass::IN, sig, records.iter().copied())
                    .is_ok()
        })
    });
    if verifies {
        return None;
    }
    let tags: Vec<u16> = keys
        .iter()
        .filter_map(|key| key.calculate_key_tag().ok())
        .collect();
    let known = current
        .iter()
        .any(|sig| tags.contains(&sig.input().key_tag));
    if !known {
        let used: Vec<String> = current
            .iter()
            .map(|sig| sig.input().key_tag.to_string())
            .collect();
        return Some(codes::dnssec_key_removed(
            what.clone(),
            used.join(", "),
            shown(signer),
        ));
    }
    Some(codes::dnssec_signature_mismatch(
        what.clone(),
        shown(signer),
    ))
}

fn unix_now() -> u32 {
    u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(u32::MAX)
}

fn date(unix: u32) -> String {
    chrono::DateTime::from_timestamp(i64::from(unix), 0)
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// A name as messages show it: lower case, no trailing dot; the root as ".".
fn shown(name: &Name) -> String {
    if name.is_root() {
        return ".".to_string();
    }
    name.to_lowercase()
        .to_ascii()
        .trim_end_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_read_ds_and_dnskey_records_in_zone_file_syntax() {
        let text = "; the test root\n\
                    . 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n\
                    example. IN DNSKEY 257 3 13 (\n  mdsswUyr3DPW132mOi8V9xESWE8jTo0d\n  xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )\n";
        let anchors = Anchors::parse(text).unwrap();
        assert_eq!(anchors.digests.len(), 1);
        assert_eq!(anchors.digests[0].1.key_tag(), 20326);
        assert_eq!(anchors.keys.len(), 1);
        assert_eq!(anchors.keys[0].0, Name::from_ascii("example.").unwrap());
        assert_eq!(anchors.names().len(), 2);
    }

    #[test]
    fn anchors_refuse_what_is_not_a_ds_or_dnskey() {
        let error = Anchors::parse(". IN A 192.0.2.1\n").unwrap_err();
        assert!(
            error.contains("line 1") && error.contains("not A"),
            "{error}"
        );
        let error = Anchors::parse(". IN DS 1 8 2 XYZ\n").unwrap_err();
        assert!(error.contains("hexadecimal"), "{error}");
        assert!(
            Anchors::parse("; nothing\n")
                .unwrap_err()
                .contains("no DS or DNSKEY")
        );
    }

    #[test]
    fn the_built_in_anchors_are_the_two_iana_root_keys() {
        let anchors = Anchors::builtin();
        let tags: Vec<u16> = anchors
            .keys
            .iter()
            .map(|(name, key)| {
                assert!(name.is_root());
                key.calculate_key_tag().unwrap()
            })
            .collect();
        assert_eq!(tags, vec![20326, 38696]);
    }

    #[test]
    fn stale_signatures_name_the_date() {
        assert_eq!(date(1_763_596_800), "2025-11-20 00:00 UTC");
    }
}
