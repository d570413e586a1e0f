//! The one place that judges a raw message. `dkim` verifies its DKIM signatures (the paste
//! box of the pages and `POST /v1/dkim/verify`); with a connection's context — the client's
//! address, HELO and MAIL FROM — `judge` adds what a receiver decides from the rest: SPF for
//! the client and the envelope sender (the project's own RFC 7208 evaluator, over the same
//! resolver as every check), DMARC with SPF and DKIM alignment (RFC 7489), ARC (RFC 8617, by
//! mail-auth from a filled key cache) and the `Authentication-Results` line (RFC 8601).
//!
//! A message passes only when DMARC passes for the domain it was meant to prove: a message
//! From another domain fails, naming it.

pub mod dkim;
mod ed25519;
mod rsa;

use std::collections::BTreeSet;
use std::net::IpAddr;

use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters};
use serde::{Deserialize, Serialize};

use crate::checks::dmarc::{self, MessagePolicy, organizational_domain};
use crate::checks::spf::eval::{Identity, SpfResult, check_host_as};
use crate::checks::{DnsSnapshot, Query, QueryType};
use crate::dns::Resolver;
use crate::text::{Arg, Lang, Text, codes};
use dkim::{DkimVerdict, KeyAnswers, MessageError};

/// Rounds of SPF lookups (includes, redirects, a, mx): RFC 7208's limits end an evaluation
/// well within them; the bound keeps a hostile record from asking for ever.
const SPF_ROUNDS: usize = 16;

/// Who handed the message over: what the SMTP session saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    pub client_ip: IpAddr,
    /// The EHLO/HELO name as the client gave it.
    pub helo: String,
    /// The reverse path, without brackets; empty for the null sender.
    pub mail_from: String,
}

/// SPF as a receiver evaluates it for this message (RFC 7208 §2.4: MAIL FROM, or HELO for
/// the null sender).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SpfVerdict {
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror` or `permerror`.
    pub result: String,
    /// The domain whose SPF record was evaluated.
    pub domain: String,
    /// Passes and shares the From domain (or its organizational domain, unless `aspf=s`): only
    /// then does SPF count for DMARC.
    pub aligned: bool,
    /// The HELO identity's own result (RFC 7208 §2.3: `postmaster@` the HELO name), which
    /// some receivers check first; null when HELO is not a domain name.
    #[serde(default)]
    pub helo: Option<String>,
    pub reason: String,
    /// `reason` as a finding, to put it in another language (not part of the JSON; the store
    /// keeps it beside the verdict).
    #[serde(skip)]
    #[schema(ignore)]
    pub text: Option<Text>,
}

/// A DMARC result word (RFC 7489 §11.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DmarcResult {
    Pass,
    Fail,
    None,
    Temperror,
    Permerror,
}

impl DmarcResult {
    pub fn as_str(self) -> &'static str {
        match self {
            DmarcResult::Pass => "pass",
            DmarcResult::Fail => "fail",
            DmarcResult::None => "none",
            DmarcResult::Temperror => "temperror",
            DmarcResult::Permerror => "permerror",
        }
    }
}

/// DMARC for the From domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DmarcVerdict {
    pub result: DmarcResult,
    /// The policy receivers apply to mail that fails (`none`, `quarantine`, `reject`); `null`
    /// without a usable record.
    pub policy: Option<String>,
    pub spf_aligned: bool,
    pub dkim_aligned: bool,
    pub reason: String,
    /// `reason` as a finding, to put it in another language (not part of the JSON; the store
    /// keeps it beside the verdict).
    #[serde(skip)]
    #[schema(ignore)]
    pub text: Option<Text>,
}

impl DmarcVerdict {
    /// DMARC that cannot be applied, for `reason`; `judge_dmarc` fills in the rest.
    fn permerror(reason: Text) -> Self {
        DmarcVerdict {
            result: DmarcResult::Permerror,
            policy: None,
            spf_aligned: false,
            dkim_aligned: false,
            reason: reason.en(),
            text: Some(reason),
        }
    }

    fn say(&mut self, reason: Text) {
        self.reason = reason.en();
        self.text = Some(reason);
    }

    /// The reason as a finding (a verdict read from before findings were kept: its words).
    fn finding(&self) -> Text {
        self.text
            .clone()
            .unwrap_or_else(|| codes::value(&self.reason))
    }
}

/// ARC (RFC 8617): whether the chain of sealed hops the message carries verifies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArcVerdict {
    /// `none` (no ARC sets), `pass` or `fail`.
    pub result: String,
    /// ARC sets (hops) the message carries.
    pub sets: usize,
    pub reason: String,
    /// `reason` as a finding, to put it in another language (not part of the JSON; the store
    /// keeps it beside the verdict).
    #[serde(skip)]
    #[schema(ignore)]
    pub text: Option<Text>,
}

/// The overall word: the message proves its domain or it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
        }
    }
}

/// Everything a receiver would conclude about one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageVerdict {
    /// The From header's address (the first one), as written.
    pub from: Option<String>,
    /// Its domain, lower case: the domain DMARC judges.
    pub from_domain: Option<String>,
    pub subject: Option<String>,
    pub spf: SpfVerdict,
    pub dkim: DkimVerdict,
    pub dmarc: DmarcVerdict,
    pub arc: ArcVerdict,
    pub authentication_results: String,
    pub verdict: Outcome,
    pub reason: String,
    /// `reason` as a finding, to put it in another language (not part of the JSON; the store
    /// keeps it beside the verdict).
    #[serde(skip)]
    #[schema(ignore)]
    pub text: Option<Text>,
}

/// Judges `raw` as received from `connection`, for the domain it was sent to prove. DNS goes
/// through `resolver`; DKIM keys, ARC keys and DMARC records through `keys` (kept for their
/// TTL). `authserv_id` names this receiver in the Authentication-Results line.
pub async fn judge(
    resolver: &Resolver,
    keys: &KeyAnswers,
    raw: &[u8],
    connection: &Connection,
    expected_domain: &str,
    authserv_id: &str,
) -> Result<MessageVerdict, MessageError> {
    let bytes = dkim::normalize(raw)?;
    let headers = Headers::read(&bytes);
    let (dkim, spf, arc) = tokio::join!(
        dkim::verify_cached(resolver, keys, &bytes, false),
        spf(resolver, connection),
        arc(resolver, keys, &bytes),
    );
    let dkim = dkim?;

    let mut dmarc = DmarcVerdict::permerror(codes::message_no_from());
    let mut spf = spf;
    match headers.from_domains.len() {
        _ if headers.from_fields > 1 => {
            dmarc.say(codes::message_from_fields(headers.from_fields));
        }
        0 => {
            dmarc.result = DmarcResult::Permerror;
            dmarc.say(codes::message_no_from());
        }
        1 => {
            let from_domain = &headers.from_domains[0];
            let policy = dmarc_policy(resolver, keys, from_domain).await;
            judge_dmarc(&mut dmarc, &mut spf, &dkim, from_domain, policy);
        }
        _ => {
            dmarc.result = DmarcResult::Permerror;
            dmarc.say(codes::message_from_domains(headers.from_domains.join(", ")));
        }
    }
    let from_domain = headers.from_domains.first().cloned();
    let (verdict, reason) = conclude(&dmarc, from_domain.as_deref(), expected_domain);
    let (reason, text) = (reason.en(), Some(reason));
    let authentication_results = authentication_results(
        authserv_id,
        connection,
        &spf,
        &dkim,
        &dmarc,
        &arc,
        from_domain.as_deref(),
    );
    Ok(MessageVerdict {
        from: headers.from,
        from_domain,
        subject: headers.subject,
        spf,
        dkim,
        dmarc,
        arc,
        authentication_results,
        verdict,
        reason,
        text,
    })
}

impl MessageVerdict {
    /// The verdict on data that is not a message at all (no header block): nothing passes.
    pub fn unreadable(error: &MessageError) -> Self {
        let text = codes::message_unreadable(error.to_string());
        let reason = text.en();
        MessageVerdict {
            from: None,
            from_domain: None,
            subject: None,
            spf: SpfVerdict {
                result: "none".to_string(),
                domain: String::new(),
                aligned: false,
                helo: None,
                reason: reason.clone(),
                text: Some(text.clone()),
            },
            dkim: DkimVerdict {
                result: dkim::Verdict::None,
                signatures: Vec::new(),
                authentication_results: "dkim=none".to_string(),
                from_domain: None,
                aligned_pass: false,
            },
            dmarc: DmarcVerdict::permerror(text.clone()),
            arc: ArcVerdict {
                result: "none".to_string(),
                sets: 0,
                reason: codes::message_arc_none().en(),
                text: Some(codes::message_arc_none()),
            },
            authentication_results: "dmarc=permerror".to_string(),
            verdict: Outcome::Fail,
            reason,
            text: Some(text),
        }
    }

    /// The reasons in `lang` (they are made in English); a verdict stored before its findings
    /// were kept stays in English.
    pub fn localize(&mut self, lang: Lang) {
        let put = |reason: &mut String, text: &Option<Text>| {
            if let Some(text) = text {
                *reason = text.render(lang);
            }
        };
        put(&mut self.spf.reason, &self.spf.text);
        put(&mut self.dmarc.reason, &self.dmarc.text);
        put(&mut self.arc.reason, &self.arc.text);
        put(&mut self.reason, &self.text);
        self.dkim.localize(lang);
    }
}

/// What the header block says about who sent the message.
struct Headers {
    from: Option<String>,
    /// The distinct domains of the From addresses, lower case.
    from_domains: Vec<String>,
    /// How many From header fields there are (one is right).
    from_fields: usize,
    subject: Option<String>,
}

impl Headers {
    fn read(bytes: &[u8]) -> Self {
        let parsed = mail_parser::MessageParser::new().parse_headers(bytes);
        let addresses: Vec<String> = parsed
            .as_ref()
            .and_then(|message| message.from())
            .map(|from| {
                from.iter()
                    .filter_map(|address| address.address())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let mut from_domains: Vec<String> = Vec::new();
        for address in &addresses {
            let domain = address
                .rsplit_once('@')
                .map(|(_, domain)| domain.trim().trim_end_matches('.').to_ascii_lowercase())
                .unwrap_or_default();
            if !from_domains.contains(&domain) {
                from_domains.push(domain);
            }
        }
        Headers {
            from: addresses.into_iter().next(),
            from_domains,
            from_fields: header_fields(bytes, "from"),
            subject: parsed
                .as_ref()
                .and_then(|message| message.subject())
                .map(|subject| subject.chars().take(300).collect()),
        }
    }
}

/// How many header fields named `name` (any case) the header block has.
fn header_fields(bytes: &[u8], name: &str) -> usize {
    let end = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or(bytes.len());
    bytes[..end]
        .split(|byte| *byte == b'\n')
        .filter(|line| !matches!(line.first(), Some(b' ' | b'\t')))
        .filter_map(|line| {
            line.iter()
                .position(|byte| *byte == b':')
                .map(|colon| &line[..colon])
        })
        .filter(|field| field.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        .count()
}

/// SPF for the envelope: the MAIL FROM domain with its local-part, or `postmaster@` the HELO
/// name for the null sender (RFC 7208 §2.4).
async fn spf(resolver: &Resolver, connection: &Connection) -> SpfVerdict {
    let helo = connection.helo.trim_end_matches('.').to_ascii_lowercase();
    let helo_checkable = spf_domain(&helo);
    match connection.mail_from.rsplit_once('@') {
        Some((local, domain)) if !connection.mail_from.is_empty() => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            let (mut mail, helo_verdict) =
                tokio::join!(spf_identity(resolver, connection, local, &domain), async {
                    match helo_checkable {
                        true => Some(spf_identity(resolver, connection, "postmaster", &helo).await),
                        false => None,
                    }
                });
            mail.helo = helo_verdict.map(|verdict| verdict.result);
            mail
        }
        _ => {
            let mut verdict = spf_identity(resolver, connection, "postmaster", &helo).await;
            verdict.helo = helo_checkable.then(|| verdict.result.clone());
            verdict
        }
    }
}

/// Whether SPF can be evaluated for `domain` at all (§4.3: otherwise the result is none).
fn spf_domain(domain: &str) -> bool {
    crate::domain::DomainName::parse(domain).is_ok() && domain.contains('.')
}

/// check_host() for one identity: `local_part@domain` sent from the connection's address.
async fn spf_identity(
    resolver: &Resolver,
    connection: &Connection,
    local_part: &str,
    domain: &str,
) -> SpfVerdict {
    let local_part = local_part.to_string();
    let domain = domain.to_string();
    let verdict = |result: SpfResult, reason: Text| SpfVerdict {
        result: result.as_str().to_string(),
        domain: domain.clone(),
        aligned: false,
        helo: None,
        reason: reason.en(),
        text: Some(reason),
    };
    // §4.3: a domain that is not a valid name gives none.
    if !spf_domain(&domain) {
        return verdict(
            SpfResult::None,
            codes::message_spf_not_a_domain(crate::checks::spf::parse::printable(&domain)),
        );
    }
    let identity = Identity {
        local_part,
        helo: connection.helo.clone(),
    };
    let ip = connection.client_ip;
    let mut snapshot = DnsSnapshot::new();
    let mut evaluation = check_host_as(&snapshot, &domain, ip, identity.clone());
    for _ in 0..SPF_ROUNDS {
        if evaluation.complete() {
            break;
        }
        snapshot.extend(resolver.resolve_all(evaluation.needed.clone()).await);
        evaluation = check_host_as(&snapshot, &domain, ip, identity.clone());
    }
    let result = if evaluation.complete() {
        evaluation.result()
    } else {
        SpfResult::PermError
    };
    // The term that decided, and whose record it is in: " ("-all" of shop.example)".
    let decided_by = || {
        evaluation
            .decision
            .as_ref()
            .map_or(Arg::from(""), |decision| {
                Arg::from(codes::message_spf_decided_by(
                    &decision.text,
                    &decision.domain,
                ))
            })
    };
    let ip = ip.to_string();
    let reason = match result {
        SpfResult::Pass => codes::message_spf_pass(&ip, &domain, decided_by()),
        SpfResult::Fail => codes::message_spf_fail(&ip, &domain, decided_by()),
        SpfResult::SoftFail => codes::message_spf_softfail(&ip, &domain, decided_by()),
        SpfResult::Neutral => codes::message_spf_neutral(&ip, &domain, decided_by()),
        SpfResult::None => codes::message_spf_none(&domain),
        SpfResult::TempError => match evaluation.failures.first() {
            Some((query, failure)) => codes::message_spf_dns_failed(
                &query.name,
                &domain,
                crate::checks::failure_text(failure),
            ),
            None => codes::message_spf_dns_failed_somewhere(&domain),
        },
        SpfResult::PermError => match &evaluation.problem {
            Some(problem) => problem.message.clone(),
            None => codes::message_spf_too_many_lookups(&domain),
        },
    };
    verdict(result, reason)
}

/// The DMARC policy of the From domain, its lookups answered through the key cache.
async fn dmarc_policy(resolver: &Resolver, keys: &KeyAnswers, from_domain: &str) -> MessagePolicy {
    let mut snapshot = DnsSnapshot::new();
    // The domain's own record, then (only when it has none) the organizational domain's.
    for _ in 0..2 {
        match dmarc::message_policy(from_domain, &snapshot) {
            Ok(policy) => return policy,
            Err(query) => {
                snapshot.extend(dkim::fetch_cached(resolver, keys, vec![query], false).await)
            }
        }
    }
    dmarc::message_policy(from_domain, &snapshot)
        .unwrap_or_else(|query| MessagePolicy::TempError(codes::dmarc_not_fetched(query.name)))
}

/// Whether `domain` aligns with the From domain (RFC 7489 §3.1): the same name, or (relaxed)
/// the same organizational domain.
fn aligned(domain: &str, from_domain: &str, strict: bool) -> bool {
    let domain = domain.to_ascii_lowercase();
    domain == from_domain
        || (!strict && organizational_domain(&domain) == organizational_domain(from_domain))
}

/// DMARC (RFC 7489 §4.2): pass when SPF or DKIM passes for an aligned domain.
fn judge_dmarc(
    dmarc: &mut DmarcVerdict,
    spf: &mut SpfVerdict,
    dkim: &DkimVerdict,
    from_domain: &str,
    policy: MessagePolicy,
) {
    let (strict_spf, strict_dkim) = match &policy {
        MessagePolicy::Found {
            strict_spf,
            strict_dkim,
            ..
        } => (*strict_spf, *strict_dkim),
        _ => (false, false),
    };
    spf.aligned = spf.result == "pass" && aligned(&spf.domain, from_domain, strict_spf);
    // The DKIM verifier read the same record's adkim= for each signature's `aligned`.
    let aligned_signature = dkim
        .signatures
        .iter()
        .find(|signature| signature.result == dkim::Verdict::Pass && signature.aligned);
    dmarc.dkim_aligned = aligned_signature.is_some();
    dmarc.spf_aligned = spf.aligned;
    let mode = |strict: bool| {
        if strict {
            codes::message_alignment_strict()
        } else {
            codes::message_alignment_relaxed()
        }
    };
    match policy {
        MessagePolicy::None => {
            dmarc.result = DmarcResult::None;
            dmarc.say(codes::message_dmarc_none(
                from_domain,
                dmarc::DEFAULT_RECORD,
            ));
        }
        MessagePolicy::TempError(reason) => {
            dmarc.result = DmarcResult::Temperror;
            dmarc.say(reason);
        }
        MessagePolicy::PermError(reason) => {
            dmarc.result = DmarcResult::Permerror;
            dmarc.say(reason);
        }
        MessagePolicy::Found { policy, .. } => {
            dmarc.policy = Some(policy.as_str().to_string());
            let mut passes = Vec::new();
            if let Some(signature) = aligned_signature {
                passes.push(codes::message_aligned_dkim(
                    &signature.domain,
                    mode(strict_dkim),
                ));
            }
            if spf.aligned {
                passes.push(codes::message_aligned_spf(&spf.domain, mode(strict_spf)));
            }
            if passes.is_empty() {
                dmarc.result = DmarcResult::Fail;
                dmarc.say(codes::message_dmarc_fail(
                    from_domain,
                    dkim_failure(dkim, from_domain),
                    spf_failure(spf, from_domain),
                    policy.as_str(),
                ));
            } else {
                dmarc.result = DmarcResult::Pass;
                let mut reason = codes::message_dmarc_aligned(Arg::all(passes));
                if !dmarc.dkim_aligned {
                    reason = reason.and(codes::message_dkim_not_aligned());
                }
                dmarc.say(reason);
            }
        }
    }
}

/// Why DKIM does not count for DMARC.
fn dkim_failure(dkim: &DkimVerdict, from_domain: &str) -> Text {
    let passing: BTreeSet<&str> = dkim
        .signatures
        .iter()
        .filter(|signature| signature.result == dkim::Verdict::Pass)
        .map(|signature| signature.domain.as_str())
        .collect();
    if dkim.signatures.is_empty() {
        codes::message_dkim_unsigned()
    } else if !passing.is_empty() {
        let passing = passing.into_iter().collect::<Vec<_>>().join(", ");
        codes::message_dkim_passes_elsewhere(passing, from_domain)
    } else {
        let first = &dkim.signatures[0];
        let reason = first
            .findings
            .as_ref()
            .map_or_else(|| codes::value(&first.reason), |(reason, _)| reason.clone());
        codes::message_dkim_result(first.result.as_str(), &first.domain, reason)
    }
}

/// Why SPF does not count for DMARC.
fn spf_failure(spf: &SpfVerdict, from_domain: &str) -> Text {
    if spf.result == "pass" {
        codes::message_spf_not_aligned(&spf.domain, from_domain)
    } else {
        codes::message_spf_result(&spf.result, &spf.domain)
    }
}

/// The overall word for the domain the message was meant to prove.
fn conclude(
    dmarc: &DmarcVerdict,
    from_domain: Option<&str>,
    expected_domain: &str,
) -> (Outcome, Text) {
    match from_domain {
        Some(from) if from != expected_domain => {
            return (
                Outcome::Fail,
                codes::message_wrong_from(from, expected_domain),
            );
        }
        _ => {}
    }
    let reason = dmarc.finding();
    match dmarc.result {
        DmarcResult::Pass => (
            Outcome::Pass,
            codes::message_dmarc_passes_for(expected_domain, reason),
        ),
        DmarcResult::Fail => (
            Outcome::Fail,
            codes::message_dmarc_fails_for(expected_domain, reason),
        ),
        DmarcResult::None => (Outcome::Fail, reason),
        DmarcResult::Temperror | DmarcResult::Permerror => (
            Outcome::Fail,
            codes::message_dmarc_error(dmarc.result.as_str(), reason),
        ),
    }
}

/// ARC: the keys of every seal and message signature fetched through the cache, then the
/// chain verified by mail-auth on the blocking pool (RSA is CPU work).
async fn arc(resolver: &Resolver, keys: &KeyAnswers, bytes: &[u8]) -> ArcVerdict {
    let none = |sets: usize, result: &str, reason: Text| ArcVerdict {
        result: result.to_string(),
        sets,
        reason: reason.en(),
        text: Some(reason),
    };
    let names: BTreeSet<String> = {
        let Some(message) = AuthenticatedMessage::parse_with_opts(bytes, None, false) else {
            return none(0, "none", codes::message_arc_none());
        };
        if message.ams_headers.is_empty()
            && message.as_headers.is_empty()
            && !message.has_arc_errors
        {
            return none(0, "none", codes::message_arc_none());
        }
        if let Some(problem) = arc_tag_problem(&message) {
            return none(
                message.as_headers.len(),
                "fail",
                codes::message_arc_fail(problem),
            );
        }
        message
            .as_headers
            .iter()
            .map(|header| dkim::key_name(&header.header.s, &header.header.d))
            .chain(
                message
                    .ams_headers
                    .iter()
                    .map(|header| dkim::key_name(&header.header.s, &header.header.d)),
            )
            .take(2 * 50)
            .collect()
    };
    let queries: Vec<Query> = names
        .iter()
        .map(|name| Query::new(name, QueryType::Txt))
        .collect();
    let answers = dkim::fetch_cached(resolver, keys, queries, false).await;
    let cache = dkim::KeyCache::default();
    let mut problems = Vec::new();
    for (query, answer) in &answers {
        if let Some((_, problem)) = dkim::prepare_key(&query.name, answer, &cache).problem {
            problems.push(problem);
        }
    }
    let authenticator = MessageAuthenticator(resolver.hickory().clone());
    let runtime = tokio::runtime::Handle::current();
    let bytes = bytes.to_vec();
    let verified = tokio::task::spawn_blocking(move || {
        let message = AuthenticatedMessage::parse_with_opts(&bytes, None, false)?;
        let sets = message.as_headers.len();
        let output = runtime
            .block_on(authenticator.verify_arc(Parameters::new(&message).with_txt_cache(&cache)));
        Some((sets, output.result().clone()))
    })
    .await
    .ok()
    .flatten();
    let Some((sets, result)) = verified else {
        return none(0, "fail", codes::message_arc_unreadable());
    };
    match result {
        DkimResult::Pass => none(sets, "pass", codes::message_arc_pass(sets)),
        DkimResult::None => none(sets, "none", codes::message_arc_none()),
        DkimResult::TempError(error) => none(
            sets,
            "fail",
            problems
                .first()
                .cloned()
                .unwrap_or_else(|| codes::message_arc_key_failed(error.to_string())),
        ),
        DkimResult::Fail(error) | DkimResult::PermError(error) | DkimResult::Neutral(error) => {
            none(
                sets,
                "fail",
                codes::message_arc_fail(
                    problems
                        .first()
                        .cloned()
                        .unwrap_or_else(|| codes::value(error.to_string())),
                ),
            )
        }
    }
}

/// The tags an ARC-Seal must have and those it may have (RFC 8617 §4.1.3: `t=` is read when
/// there, not required here).
const SEAL_REQUIRED: [&str; 6] = ["i", "a", "b", "cv", "d", "s"];
const SEAL_TAGS: [&str; 7] = ["i", "a", "b", "cv", "d", "s", "t"];
/// The same for an ARC-Message-Signature: a DKIM-Signature's tags with `i=` as the instance
/// and no `v=` (RFC 8617 §4.1.2).
const AMS_REQUIRED: [&str; 7] = ["i", "a", "b", "bh", "d", "h", "s"];
const AMS_TAGS: [&str; 13] = [
    "i", "a", "b", "bh", "c", "d", "h", "l", "q", "s", "t", "x", "z",
];

/// ARC headers' tag names as receivers read them (case-sensitive, RFC 6376 §3.2, which RFC
/// 8617 takes over), where mail-auth reads them in any case: a seal or message signature
/// whose required tag is there only in capitals, or whose tag in capitals has another value
/// than the real one, does not verify for receivers as mail-auth would verify it.
fn arc_tag_problem(message: &AuthenticatedMessage<'_>) -> Option<Text> {
    let seals = message.as_headers.iter().map(|header| {
        // A seal has no optional tag that changes what it verifies.
        let rules = (&SEAL_REQUIRED[..], &SEAL_TAGS[..], &[][..]);
        ("ARC-Seal", header.value, header.header.i, rules)
    });
    let signatures = message.ams_headers.iter().map(|header| {
        let rules = (
            &AMS_REQUIRED[..],
            &AMS_TAGS[..],
            &dkim::SIGNIFICANT_SIGNATURE_TAGS[..],
        );
        (
            "ARC-Message-Signature",
            header.value,
            header.header.i,
            rules,
        )
    });
    for (name, value, instance, (required, known, significant)) in seals.chain(signatures) {
        let text = String::from_utf8_lossy(value);
        // A tag-list that does not parse is mail-auth's to refuse.
        let Ok(tags) = crate::checks::dkim::tag_list(&text) else {
            continue;
        };
        match dkim::tag_case(&tags, required, known, significant) {
            Some(dkim::TagCase::Missing(tag)) => {
                return Some(codes::message_arc_tag_missing(name, instance, tag));
            }
            Some(dkim::TagCase::Doubled { written, tag }) => {
                return Some(codes::message_arc_tag_case(name, instance, written, tag));
            }
            Some(dkim::TagCase::Alone { written, tag }) => {
                return Some(codes::message_arc_tag_alone(name, instance, written, tag));
            }
            None => {}
        }
    }
    None
}

/// The Authentication-Results header field this receiver would add (RFC 8601).
fn authentication_results(
    authserv_id: &str,
    connection: &Connection,
    spf: &SpfVerdict,
    dkim: &DkimVerdict,
    dmarc: &DmarcVerdict,
    arc: &ArcVerdict,
    from_domain: Option<&str>,
) -> String {
    let mut clauses = vec![authserv_id.to_string()];
    let spf_property = if connection.mail_from.is_empty() {
        format!("smtp.helo={}", spf.domain)
    } else {
        format!("smtp.mailfrom={}", spf.domain)
    };
    clauses.push(format!("spf={} {spf_property}", spf.result));
    clauses.push(dkim.authentication_results.clone());
    let mut dmarc_clause = format!("dmarc={}", dmarc.result.as_str());
    if let Some(policy) = &dmarc.policy {
        dmarc_clause.push_str(&format!(" (p={policy})"));
    }
    if let Some(from) = from_domain {
        dmarc_clause.push_str(&format!(" header.from={from}"));
    }
    clauses.push(dmarc_clause);
    clauses.push(format!("arc={}", arc.result));
    clauses.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dkim_verdict(signatures: Vec<dkim::SignatureVerdict>) -> DkimVerdict {
        DkimVerdict {
            result: dkim::Verdict::None,
            signatures,
            authentication_results: "dkim=none".to_string(),
            from_domain: Some("shop.example".to_string()),
            aligned_pass: false,
        }
    }

    fn signature(domain: &str, result: dkim::Verdict, aligned: bool) -> dkim::SignatureVerdict {
        dkim::SignatureVerdict {
            domain: domain.to_string(),
            selector: "s1".to_string(),
            algorithm: "rsa-sha256".to_string(),
            result,
            reason: "signature verified".to_string(),
            code: crate::text::codes::id::dkim_sig_pass.to_string(),
            findings: None,
            key: None,
            alignment: dkim::Alignment::None,
            aligned,
            registration: None,
            warnings: vec![],
        }
    }

    fn spf(result: &str, domain: &str) -> SpfVerdict {
        SpfVerdict {
            result: result.to_string(),
            domain: domain.to_string(),
            aligned: false,
            helo: None,
            reason: String::new(),
            text: None,
        }
    }

    fn found(strict_spf: bool) -> MessagePolicy {
        MessagePolicy::Found {
            name: "_dmarc.shop.example".to_string(),
            policy: dmarc::Policy::Reject,
            strict_spf,
            strict_dkim: false,
        }
    }

    /// A message with one ARC set whose seal and message signature carry `seal` and `ams`
    /// after their required tags.
    fn arc_tags(seal: &str, ams: &str) -> Option<String> {
        let raw = format!(
            "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; {seal}b=AAAA\r\n\
             ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=x.example; \
             h=from; bh=AAAA; {ams}b=AAAA\r\n\
             ARC-Authentication-Results: i=1; x.example; spf=pass\r\n\
             From: a@x.example\r\n\r\nbody\r\n"
        );
        let message = AuthenticatedMessage::parse(raw.as_bytes()).unwrap();
        assert_eq!(message.as_headers.len(), 1, "{raw}");
        assert_eq!(message.ams_headers.len(), 1, "{raw}");
        arc_tag_problem(&message).map(|text| text.en())
    }

    #[test]
    fn arc_tags_are_read_as_receivers_read_them() {
        assert_eq!(arc_tags("s=s; ", "s=s; "), None);
        // A capital tag repeating the real value changes nothing.
        assert_eq!(arc_tags("s=s; S=s; ", "s=s; D=x.example; "), None);
        let doubled = arc_tags("s=s; S=other; ", "s=s; ").unwrap();
        assert!(
            doubled.contains("ARC-Seal of ARC set 1 has both s= and S="),
            "{doubled}"
        );
        let doubled = arc_tags("s=s; ", "s=s; D=y.example; ").unwrap();
        assert!(
            doubled.contains("ARC-Message-Signature of ARC set 1 has both d= and D="),
            "{doubled}"
        );
        // Only in capitals: receivers find no selector.
        let missing = arc_tags("S=s; ", "s=s; ").unwrap();
        assert!(
            missing.contains("ARC-Seal of ARC set 1 has no s= tag"),
            "{missing}"
        );
        let missing = arc_tags("s=s; ", "S=s; ").unwrap();
        assert!(
            missing.contains("ARC-Message-Signature of ARC set 1 has no s= tag"),
            "{missing}"
        );
        // An expiry in capitals alone: mail-auth would apply it, receivers ignore it.
        let alone = arc_tags("s=s; ", "s=s; X=1; ").unwrap();
        assert!(
            alone.contains("ARC-Message-Signature of ARC set 1 has X= but no x="),
            "{alone}"
        );
        assert_eq!(arc_tags("s=s; T=1; ", "s=s; "), None);
    }

    fn dmarc_of(
        spf_verdict: &mut SpfVerdict,
        dkim: &DkimVerdict,
        policy: MessagePolicy,
    ) -> DmarcVerdict {
        let mut dmarc = DmarcVerdict::permerror(codes::message_no_from());
        judge_dmarc(&mut dmarc, spf_verdict, dkim, "shop.example", policy);
        dmarc
    }

    #[test]
    fn dmarc_passes_on_aligned_dkim_or_spf() {
        let dkim = dkim_verdict(vec![signature("shop.example", dkim::Verdict::Pass, true)]);
        let dmarc = dmarc_of(
            &mut spf("fail", "bounce.provider.example"),
            &dkim,
            found(false),
        );
        assert_eq!(dmarc.result, DmarcResult::Pass);
        assert!(dmarc.dkim_aligned && !dmarc.spf_aligned);
        assert_eq!(dmarc.policy.as_deref(), Some("reject"));

        // Relaxed SPF alignment: a bounce subdomain of the From domain counts.
        let unsigned = dkim_verdict(vec![]);
        let mut relaxed = spf("pass", "bounce.shop.example");
        let dmarc = dmarc_of(&mut relaxed, &unsigned, found(false));
        assert_eq!(dmarc.result, DmarcResult::Pass);
        assert!(relaxed.aligned && dmarc.spf_aligned);
        assert!(dmarc.reason.contains("once forwarded"), "{}", dmarc.reason);
        // aspf=s: it does not.
        let dmarc = dmarc_of(
            &mut spf("pass", "bounce.shop.example"),
            &unsigned,
            found(true),
        );
        assert_eq!(dmarc.result, DmarcResult::Fail);
    }

    #[test]
    fn dmarc_fails_with_the_provider_domain_only_and_names_it() {
        let dkim = dkim_verdict(vec![signature(
            "mandrillapp.com",
            dkim::Verdict::Pass,
            false,
        )]);
        let dmarc = dmarc_of(&mut spf("pass", "mandrillapp.com"), &dkim, found(false));
        assert_eq!(dmarc.result, DmarcResult::Fail);
        assert!(
            dmarc
                .reason
                .contains("DKIM passes only for mandrillapp.com")
                && dmarc.reason.contains("SPF passes for mandrillapp.com"),
            "{}",
            dmarc.reason
        );
        let dmarc = dmarc_of(&mut spf("pass", "shop.example"), &dkim, MessagePolicy::None);
        assert_eq!(dmarc.result, DmarcResult::None);
        assert!(dmarc.reason.contains("v=DMARC1; p=none;"));
    }

    #[test]
    fn a_message_from_another_domain_fails_naming_it() {
        let pass = DmarcVerdict {
            result: DmarcResult::Pass,
            policy: Some("none".to_string()),
            spf_aligned: true,
            dkim_aligned: true,
            reason: "aligned".to_string(),
            text: None,
        };
        let (outcome, reason) = conclude(&pass, Some("other.example"), "shop.example");
        let reason = reason.en();
        assert_eq!(outcome, Outcome::Fail);
        assert!(
            reason.contains("From other.example, not shop.example"),
            "{reason}"
        );
        assert_eq!(
            conclude(&pass, Some("shop.example"), "shop.example").0,
            Outcome::Pass
        );
        let none = DmarcVerdict {
            result: DmarcResult::None,
            ..pass
        };
        assert_eq!(
            conclude(&none, Some("shop.example"), "shop.example").0,
            Outcome::Fail
        );
    }

    #[test]
    fn headers_give_from_domains_and_a_decoded_subject() {
        let headers = Headers::read(
            b"From: \"Shop\" <News@Shop.Example>\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nbody\r\n",
        );
        assert_eq!(headers.from.as_deref(), Some("News@Shop.Example"));
        assert_eq!(headers.from_domains, vec!["shop.example".to_string()]);
        assert_eq!(headers.subject.as_deref(), Some("café"));
        let two = Headers::read(b"From: a@one.example, b@two.example\r\n\r\n");
        assert_eq!(two.from_domains.len(), 2);
        assert!(Headers::read(b"Subject: x\r\n\r\n").from_domains.is_empty());
        let doubled = Headers::read(
            b"From: a@shop.example\r\nSubject: x\r\nfrom: b@shop.example\r\n\r\nFrom: body\r\n",
        );
        assert_eq!(
            doubled.from_fields, 2,
            "the body's 'From:' is not a header field"
        );
    }
}
