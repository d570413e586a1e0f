//! `check_host()` of RFC 7208 §4 over a DNS snapshot: a pure function of the answers collected
//! so far. Whatever the evaluation still needs is returned as queries, so the shell can fetch
//! them and evaluate again; nothing here awaits.
//!
//! Two kinds of client are evaluated. A real address (a provider's sending address) gives the
//! result a receiver would reach for that mail. An address that matches nothing walks every
//! term a receiver could reach for any other sender, so the limits of §4.6.4 are counted on the
//! record's worst path.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::parse::{
    self, MacroLetter, MacroString, MacroToken, Mechanism, Modifier, Qualifier, Record,
    SyntaxError, TermKind,
};
use crate::answer::{Answer, DnsSnapshot, LookupFailure, Query, QueryType, mx_parts};
use crate::text::{Text, codes};

/// DNS-querying terms allowed in one evaluation (§4.6.4).
pub const MAX_LOOKUPS: usize = 10;
/// Lookups that may return no records (§4.6.4).
pub const MAX_VOID_LOOKUPS: usize = 2;
/// MX hosts an `mx` mechanism may have, and PTR names a `ptr` mechanism looks at (§4.6.4).
pub const MAX_NAMES_PER_MECHANISM: usize = 10;

/// The results of §2.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpfResult {
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

impl SpfResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    fn of(qualifier: Qualifier) -> SpfResult {
        match qualifier {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::SoftFail => SpfResult::SoftFail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

/// IPv4 or IPv6: which address records `a` and `mx` look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// Who is sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Client {
    /// A real connecting address, with `postmaster@DOMAIN` as the sender and DOMAIN as HELO.
    Address(IpAddr),
    /// An address of this family that no term matches; macros that depend on the sender, the
    /// address or HELO cannot be expanded and are reported as not followed.
    Unmatched(Family),
}

impl Client {
    fn family(&self) -> Family {
        match self {
            Client::Address(IpAddr::V4(_)) | Client::Unmatched(Family::V4) => Family::V4,
            Client::Address(IpAddr::V6(_)) | Client::Unmatched(Family::V6) => Family::V6,
        }
    }
}

/// The term that decided the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The domain whose record holds the term (the checked domain, for an include).
    pub domain: String,
    pub term: usize,
    pub text: String,
}

/// Where a permerror was found, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub message: Text,
}

/// Everything one evaluation found.
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub result: Option<SpfResult>,
    pub lookups: usize,
    pub void_lookups: usize,
    /// Queries not yet in the snapshot: the result is provisional while this is not empty.
    pub needed: Vec<Query>,
    pub failures: Vec<(Query, LookupFailure)>,
    pub problem: Option<Problem>,
    pub decision: Option<Decision>,
    /// Terms that could not be followed because their target depends on the sender.
    pub unfollowed: Vec<Text>,
    /// Every include and redirect target evaluated, in order.
    pub targets: Vec<String>,
    /// Findings worth a warning that do not change the result.
    pub notes: Vec<Text>,
}

impl Evaluation {
    pub fn result(&self) -> SpfResult {
        self.result.unwrap_or(SpfResult::Neutral)
    }

    pub fn complete(&self) -> bool {
        self.needed.is_empty()
    }
}

/// Addresses of a name, once asked.
enum Fetched {
    Found(Vec<IpAddr>),
    Failed,
}

/// What one record's evaluation came to, inside the recursion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostResult {
    Result(SpfResult),
    /// An answer is missing from the snapshot.
    Pending,
}

struct Evaluator<'s> {
    snapshot: &'s DnsSnapshot,
    client: Client,
    /// The checked domain: the sender's domain (`o`) and HELO.
    sender_domain: String,
    /// The real sender and HELO of a received message; `None` for `postmaster@DOMAIN`.
    identity: Option<Identity>,
    out: Evaluation,
    /// Set once a permerror is certain: evaluation stops.
    aborted: bool,
}

/// Evaluates the SPF of `domain` as published in the snapshot.
pub fn check_host(snapshot: &DnsSnapshot, domain: &str, client: Client) -> Evaluation {
    let mut evaluator = Evaluator::new(snapshot, domain, client);
    let result = evaluator.host(domain, None, &mut vec![domain.to_string()]);
    evaluator.finish(result)
}

/// Who a received message says it is: the local-part of MAIL FROM (`postmaster` for HELO's
/// identity, §2.3) and the HELO/EHLO name, which macros `%{s}`, `%{l}` and `%{h}` expand to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub local_part: String,
    pub helo: String,
}

/// check_host() for a received message (§4): `domain` is the MAIL FROM domain (or HELO's),
/// `ip` the connecting client, `identity` the rest of what macros may name.
pub fn check_host_as(
    snapshot: &DnsSnapshot,
    domain: &str,
    ip: IpAddr,
    identity: Identity,
) -> Evaluation {
    let mut evaluator = Evaluator::new(snapshot, domain, Client::Address(ip));
    evaluator.identity = Some(identity);
    let result = evaluator.host(domain, None, &mut vec![domain.to_string()]);
    evaluator.finish(result)
}

/// Evaluates `record` as if it were published at `domain` (a proposed fix), with everything
/// else from the snapshot.
pub fn check_record(
    snapshot: &DnsSnapshot,
    domain: &str,
    record: &Record,
    client: Client,
) -> Evaluation {
    let mut evaluator = Evaluator::new(snapshot, domain, client);
    let result = evaluator.record(domain, record, &mut vec![domain.to_string()]);
    evaluator.finish(result)
}

impl<'s> Evaluator<'s> {
    fn new(snapshot: &'s DnsSnapshot, domain: &str, client: Client) -> Self {
        Evaluator {
            snapshot,
            client,
            sender_domain: domain.to_string(),
            identity: None,
            out: Evaluation::default(),
            aborted: false,
        }
    }

    fn finish(mut self, result: HostResult) -> Evaluation {
        self.out.result = Some(if self.aborted {
            SpfResult::PermError
        } else if !self.out.failures.is_empty() {
            SpfResult::TempError
        } else {
            match result {
                HostResult::Result(result) => result,
                HostResult::Pending => SpfResult::Neutral,
            }
        });
        self.out.needed.sort();
        self.out.needed.dedup();
        self.out
    }

    fn permerror(&mut self, message: Text) -> HostResult {
        if !self.aborted {
            self.aborted = true;
            self.out.problem = Some(Problem { message });
        }
        HostResult::Result(SpfResult::PermError)
    }

    /// The answer to a query, or `None` (noting it as needed or failed) when there is none to
    /// use.
    fn answer(&mut self, query: Query) -> Option<&'s Answer> {
        match self.snapshot.get(&query) {
            None => {
                self.out.needed.push(query);
                None
            }
            Some(Answer::Failed(failure)) => {
                self.out.failures.push((query, failure.clone()));
                None
            }
            Some(answer) => Some(answer),
        }
    }

    /// check_host() for `domain`: fetch its SPF record and evaluate it. `via` names the term
    /// that led here, for messages.
    fn host(&mut self, domain: &str, via: Option<&Text>, path: &mut Vec<String>) -> HostResult {
        let Some(answer) = self.answer(Query::txt(domain)) else {
            return HostResult::Pending;
        };
        let at = |problem: Text| match via {
            Some(via) => codes::spf_at(via.clone(), problem),
            None => problem,
        };
        let records = parse::spf_records(answer.records().unwrap_or_default());
        match records.as_slice() {
            [] => HostResult::Result(SpfResult::None),
            [record] => match &*parse::parse_shared(record) {
                Ok(parsed) => self.record(domain, parsed, path),
                Err(errors) => {
                    let described: Vec<Text> = errors.iter().map(SyntaxError::text).collect();
                    self.permerror(at(codes::spf_record_invalid_at(domain, described)))
                }
            },
            several => self.permerror(at(codes::spf_several_records_at(domain, several.len()))),
        }
    }

    fn count_lookup(&mut self, domain: &str, term: &str) -> bool {
        self.out.lookups += 1;
        if self.out.lookups > MAX_LOOKUPS {
            self.permerror(codes::spf_too_many_lookups(
                term,
                domain,
                self.out.lookups,
                MAX_LOOKUPS,
            ));
            return false;
        }
        true
    }

    fn count_void(&mut self, domain: &str, term: &str) -> bool {
        self.out.void_lookups += 1;
        if self.out.void_lookups > MAX_VOID_LOOKUPS {
            self.permerror(codes::spf_too_many_void_lookups(
                term,
                domain,
                self.out.void_lookups,
                MAX_VOID_LOOKUPS,
            ));
            return false;
        }
        true
    }

    /// Evaluates one parsed record published at `domain` (§4.6).
    fn record(&mut self, domain: &str, record: &Record, path: &mut Vec<String>) -> HostResult {
        let mut pending = false;
        for term in &record.terms {
            if self.aborted {
                return HostResult::Result(SpfResult::PermError);
            }
            let TermKind::Directive {
                qualifier,
                mechanism,
            } = &term.kind
            else {
                continue;
            };
            if mechanism.counts_as_lookup() && !self.count_lookup(domain, &term.text) {
                return HostResult::Result(SpfResult::PermError);
            }
            let matched = match mechanism {
                Mechanism::All => Some(true),
                Mechanism::Ip4 { network, prefix } => Some(match self.client {
                    Client::Address(IpAddr::V4(ip)) => in_v4(ip, *network, *prefix),
                    _ => false,
                }),
                Mechanism::Ip6 { network, prefix } => Some(match self.client {
                    Client::Address(IpAddr::V6(ip)) => in_v6(ip, *network, *prefix),
                    _ => false,
                }),
                Mechanism::A {
                    domain: spec,
                    ip4_prefix,
                    ip6_prefix,
                } => self.a(domain, spec.as_ref(), *ip4_prefix, *ip6_prefix, &term.text),
                Mechanism::Mx {
                    domain: spec,
                    ip4_prefix,
                    ip6_prefix,
                } => self.mx(domain, spec.as_ref(), *ip4_prefix, *ip6_prefix, &term.text),
                Mechanism::Ptr(spec) => self.ptr(domain, spec.as_ref(), &term.text),
                Mechanism::Exists(spec) => self.exists(domain, spec, &term.text),
                Mechanism::Include(spec) => self.include(domain, spec, term, path),
            };
            match matched {
                Some(true) => {
                    if path.len() == 1 {
                        self.out.decision = Some(Decision {
                            domain: domain.to_string(),
                            term: term.number,
                            text: term.text.clone(),
                        });
                    }
                    return HostResult::Result(SpfResult::of(*qualifier));
                }
                Some(false) => {}
                None => pending = true,
            }
        }
        if self.aborted {
            return HostResult::Result(SpfResult::PermError);
        }
        // §6.1: redirect applies only when nothing matched and the record has no `all`.
        if let Some(term) = record.redirect()
            && !record.has_all()
            && let TermKind::Modifier(Modifier::Redirect(spec)) = &term.kind
        {
            if !self.count_lookup(domain, &term.text) {
                return HostResult::Result(SpfResult::PermError);
            }
            let label = codes::spf_term_of(term.number, &term.text, domain);
            let Some(target) = self.target(domain, spec, &term.text) else {
                return HostResult::Result(SpfResult::Neutral);
            };
            let target = match target {
                Ok(target) => target,
                Err(message) => return self.permerror(codes::spf_at(label, message)),
            };
            if path.contains(&target) {
                return self.permerror(codes::spf_loop(label, target));
            }
            self.out.targets.push(target.clone());
            path.push(target.clone());
            let result = self.host(&target, Some(&label), path);
            path.pop();
            if pending {
                return HostResult::Pending;
            }
            return match result {
                HostResult::Result(SpfResult::None) => {
                    self.permerror(codes::spf_at(label, codes::spf_redirect_no_record(target)))
                }
                other => other,
            };
        }
        if pending {
            HostResult::Pending
        } else {
            HostResult::Result(SpfResult::Neutral)
        }
    }

    /// Expands a target: `None` when it depends on what this client cannot tell (noted as not
    /// followed), `Err` when the expansion is not a usable domain name.
    fn target(
        &mut self,
        domain: &str,
        spec: &MacroString,
        term: &str,
    ) -> Option<Result<String, Text>> {
        let mut context = MacroContext::new(domain, &self.sender_domain, &self.client);
        if let Some(identity) = &self.identity {
            context.local_part = Some(&identity.local_part);
            context.helo = Some(&identity.helo);
        }
        match expand_in(spec, &context) {
            Expansion::Name(name) => Some(check_target(&name)),
            Expansion::Unknown => {
                let note = codes::spf_quoted_term_of(term, domain);
                if !self.out.unfollowed.contains(&note) {
                    self.out.unfollowed.push(note);
                }
                None
            }
        }
    }

    /// The target of `a`/`mx`/`ptr`: the domain-spec, or the current domain.
    fn target_or_domain(
        &mut self,
        domain: &str,
        spec: Option<&MacroString>,
        term: &str,
    ) -> Option<Result<String, Text>> {
        match spec {
            None => Some(Ok(domain.to_string())),
            Some(spec) => self.target(domain, spec, term),
        }
    }

    /// A mechanism's target, or what the mechanism yields without one: `None` when it was not
    /// followed, no match once an unusable name is recorded as a permerror.
    fn mechanism_target(
        &mut self,
        domain: &str,
        spec: Option<&MacroString>,
        term: &str,
    ) -> Result<String, Option<bool>> {
        match self.target_or_domain(domain, spec, term) {
            None => Err(None),
            Some(Ok(target)) => Ok(target),
            Some(Err(message)) => {
                self.permerror(codes::spf_at(
                    codes::spf_quoted_term_of(term, domain),
                    message,
                ));
                Err(Some(false))
            }
        }
    }

    /// `None`: the answer is not known yet (or the term was not followed). Otherwise whether
    /// the term matches.
    fn a(
        &mut self,
        domain: &str,
        spec: Option<&MacroString>,
        ip4_prefix: u8,
        ip6_prefix: u8,
        term: &str,
    ) -> Option<bool> {
        let target = match self.mechanism_target(domain, spec, term) {
            Ok(target) => target,
            Err(outcome) => return outcome,
        };
        match self.addresses(&target)? {
            Fetched::Failed => Some(false),
            Fetched::Found(addresses) if addresses.is_empty() => {
                self.count_void(domain, term);
                Some(false)
            }
            Fetched::Found(addresses) => Some(self.any_in(&addresses, ip4_prefix, ip6_prefix)),
        }
    }

    /// The client's family's addresses of `name`: `None` while unknown; a failed lookup is
    /// noted (the result becomes temperror) and matches nothing without being void.
    fn addresses(&mut self, name: &str) -> Option<Fetched> {
        let query_type = match self.client.family() {
            Family::V4 => QueryType::A,
            Family::V6 => QueryType::Aaaa,
        };
        let query = Query::new(name, query_type);
        match self.snapshot.get(&query) {
            None => {
                self.out.needed.push(query);
                None
            }
            Some(Answer::Failed(failure)) => {
                self.out.failures.push((query, failure.clone()));
                Some(Fetched::Failed)
            }
            Some(answer) => Some(Fetched::Found(
                answer
                    .records()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|record| record.parse().ok())
                    .collect(),
            )),
        }
    }

    fn any_in(&self, addresses: &[IpAddr], ip4_prefix: u8, ip6_prefix: u8) -> bool {
        let Client::Address(client) = self.client else {
            return false;
        };
        addresses.iter().any(|address| match (client, address) {
            (IpAddr::V4(ip), IpAddr::V4(network)) => in_v4(ip, *network, ip4_prefix),
            (IpAddr::V6(ip), IpAddr::V6(network)) => in_v6(ip, *network, ip6_prefix),
            _ => false,
        })
    }

    fn mx(
        &mut self,
        domain: &str,
        spec: Option<&MacroString>,
        ip4_prefix: u8,
        ip6_prefix: u8,
        term: &str,
    ) -> Option<bool> {
        let target = match self.mechanism_target(domain, spec, term) {
            Ok(target) => target,
            Err(outcome) => return outcome,
        };
        let answer = self.answer(Query::new(&target, QueryType::Mx))?;
        let hosts: Vec<String> = answer
            .records()
            .unwrap_or_default()
            .iter()
            .map(|record| mx_parts(record).1)
            .filter(|host| !host.is_empty() && *host != ".")
            .map(str::to_string)
            .collect();
        if answer.is_void() {
            self.count_void(domain, term);
            return Some(false);
        }
        if hosts.len() > MAX_NAMES_PER_MECHANISM {
            self.permerror(codes::spf_at(
                codes::spf_quoted_term_of(term, domain),
                codes::spf_too_many_mx(target, hosts.len(), MAX_NAMES_PER_MECHANISM),
            ));
            return Some(false);
        }
        if !matches!(self.client, Client::Address(_)) {
            return Some(false);
        }
        let mut pending = false;
        for host in hosts {
            match self.addresses(&host) {
                Some(Fetched::Found(addresses)) => {
                    if self.any_in(&addresses, ip4_prefix, ip6_prefix) {
                        return Some(true);
                    }
                }
                Some(Fetched::Failed) => {}
                None => pending = true,
            }
        }
        (!pending).then_some(false)
    }

    fn ptr(&mut self, domain: &str, spec: Option<&MacroString>, term: &str) -> Option<bool> {
        let note = codes::spf_ptr_used(term, domain);
        if !self.out.notes.contains(&note) {
            self.out.notes.push(note);
        }
        let Client::Address(ip) = self.client else {
            return Some(false);
        };
        let target = match self.mechanism_target(domain, spec, term) {
            Ok(target) => target,
            Err(outcome) => return outcome,
        };
        let reverse = Query::new(&reverse_name(ip), QueryType::Ptr);
        let answer = match self.snapshot.get(&reverse) {
            None => {
                self.out.needed.push(reverse);
                return None;
            }
            // §5.5: a DNS error in the PTR lookup makes the mechanism not match.
            Some(Answer::Failed(_)) => return Some(false),
            Some(answer) => answer,
        };
        if answer.is_void() {
            self.count_void(domain, term);
            return Some(false);
        }
        let names: Vec<String> = answer
            .records()
            .unwrap_or_default()
            .iter()
            .take(MAX_NAMES_PER_MECHANISM)
            .cloned()
            .collect();
        let mut pending = false;
        for name in names {
            let query_type = match ip {
                IpAddr::V4(_) => QueryType::A,
                IpAddr::V6(_) => QueryType::Aaaa,
            };
            let query = Query::new(&name, query_type);
            let validated = match self.snapshot.get(&query) {
                None => {
                    self.out.needed.push(query);
                    pending = true;
                    continue;
                }
                Some(answer) => answer
                    .records()
                    .unwrap_or_default()
                    .iter()
                    .any(|address| address.parse::<IpAddr>().is_ok_and(|a| a == ip)),
            };
            let name = query.name;
            if validated && (name == target || name.ends_with(&format!(".{target}"))) {
                return Some(true);
            }
        }
        (!pending).then_some(false)
    }

    fn exists(&mut self, domain: &str, spec: &MacroString, term: &str) -> Option<bool> {
        let target = match self.mechanism_target(domain, Some(spec), term) {
            Ok(target) => target,
            Err(outcome) => return outcome,
        };
        // §5.7: always an A query, whatever the client's address family.
        let answer = self.answer(Query::new(&target, QueryType::A))?;
        if answer.is_void() {
            self.count_void(domain, term);
            return Some(false);
        }
        Some(true)
    }

    fn include(
        &mut self,
        domain: &str,
        spec: &MacroString,
        term: &parse::Term,
        path: &mut Vec<String>,
    ) -> Option<bool> {
        let label = codes::spf_term_of(term.number, &term.text, domain);
        let target = match self.target(domain, spec, &term.text)? {
            Ok(target) => target,
            Err(message) => {
                self.permerror(codes::spf_at(label, message));
                return Some(false);
            }
        };
        if path.contains(&target) {
            self.permerror(codes::spf_loop(label, target));
            return Some(false);
        }
        self.out.targets.push(target.clone());
        path.push(target.clone());
        let result = self.host(&target, Some(&label), path);
        path.pop();
        // §5.2: how an include's result maps to a match.
        match result {
            HostResult::Pending => None,
            HostResult::Result(SpfResult::Pass) => Some(true),
            HostResult::Result(SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral) => {
                Some(false)
            }
            HostResult::Result(SpfResult::TempError) => Some(false),
            HostResult::Result(SpfResult::PermError) => Some(false),
            HostResult::Result(SpfResult::None) => {
                self.permerror(codes::spf_at(label, codes::spf_include_no_record(target)));
                Some(false)
            }
        }
    }
}

/// The name a domain-spec names when it depends only on the current domain; `None` when it
/// needs the sender or the address, or does not expand to a usable name.
pub fn static_target(spec: &MacroString, domain: &str) -> Option<String> {
    match expand(spec, domain, domain, &Client::Unmatched(Family::V4)) {
        Expansion::Name(name) => check_target(&name).ok(),
        Expansion::Unknown => None,
    }
}

/// A macro expansion's outcome.
enum Expansion {
    Name(String),
    Unknown,
}

/// What macros expand from (§7.2): the sender, the current domain, the client.
struct MacroContext<'a> {
    domain: &'a str,
    /// The sender's local-part; `None` when unknown (an unmatched client).
    local_part: Option<&'a str>,
    sender_domain: &'a str,
    helo: Option<&'a str>,
    ip: Option<IpAddr>,
    family: Family,
}

impl<'a> MacroContext<'a> {
    /// A real client sends as `postmaster@sender_domain` with the sender domain as HELO; an
    /// unmatched one has no known sender, HELO or address.
    fn new(domain: &'a str, sender_domain: &'a str, client: &Client) -> Self {
        let ip = match client {
            Client::Address(ip) => Some(*ip),
            Client::Unmatched(_) => None,
        };
        MacroContext {
            domain,
            local_part: ip.map(|_| "postmaster"),
            sender_domain,
            helo: ip.map(|_| sender_domain),
            ip,
            family: client.family(),
        }
    }
}

/// Expands a domain-spec (§7.3) for `client`; `d` is the current domain, `o` and HELO the
/// checked domain.
fn expand(spec: &MacroString, domain: &str, sender_domain: &str, client: &Client) -> Expansion {
    expand_in(spec, &MacroContext::new(domain, sender_domain, client))
}

fn expand_in(spec: &MacroString, context: &MacroContext<'_>) -> Expansion {
    let mut out = String::new();
    for token in &spec.tokens {
        match token {
            MacroToken::Literal(text) => out.push_str(text),
            MacroToken::Percent => out.push('%'),
            MacroToken::Space => out.push(' '),
            MacroToken::UrlSpace => out.push_str("%20"),
            MacroToken::Expand {
                letter,
                escape,
                keep,
                reverse,
                delimiters,
            } => {
                let Some(value) = letter_value(*letter, context) else {
                    return Expansion::Unknown;
                };
                let delimiters = if delimiters.is_empty() {
                    "."
                } else {
                    delimiters
                };
                let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
                if *reverse {
                    parts.reverse();
                }
                if let Some(keep) = keep
                    && *keep < parts.len()
                {
                    parts.drain(..parts.len() - keep);
                }
                let joined = parts.join(".");
                if *escape {
                    out.push_str(&url_escape(&joined));
                } else {
                    out.push_str(&joined);
                }
            }
        }
    }
    Expansion::Name(out)
}

fn letter_value(letter: MacroLetter, context: &MacroContext<'_>) -> Option<String> {
    Some(match letter {
        MacroLetter::Domain => context.domain.to_string(),
        MacroLetter::SenderDomain => context.sender_domain.to_string(),
        MacroLetter::IpVersion => match context.family {
            Family::V4 => "in-addr".to_string(),
            Family::V6 => "ip6".to_string(),
        },
        MacroLetter::Sender => format!("{}@{}", context.local_part?, context.sender_domain),
        MacroLetter::LocalPart => context.local_part?.to_string(),
        MacroLetter::Helo => context.helo?.to_string(),
        MacroLetter::Ip => match context.ip? {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => nibbles(ip).join("."),
        },
        // §7.3: without a validated name, "unknown".
        MacroLetter::ValidatedName => {
            context.ip?;
            "unknown".to_string()
        }
        MacroLetter::ClientIp | MacroLetter::Receiver | MacroLetter::Timestamp => return None,
    })
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Checks an expanded target as a query name: §4.8 shortens names over 253 octets from the
/// left; what remains must be a multi-label name of labels of 1-63 visible characters.
fn check_target(name: &str) -> Result<String, Text> {
    let mut name = name.strip_suffix('.').unwrap_or(name).to_string();
    while name.len() > 253 {
        match name.find('.') {
            Some(dot) => name.drain(..=dot),
            None => break,
        };
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(codes::spf_target_not_fqdn(parse::printable(&name)));
    }
    if labels.iter().any(|label| label.is_empty()) {
        return Err(codes::spf_target_empty_label(parse::printable(&name)));
    }
    if let Some(long) = labels.iter().find(|label| label.len() > 63) {
        return Err(codes::spf_target_long_label(parse::printable(long)));
    }
    Ok(name.to_ascii_lowercase())
}

fn nibbles(ip: Ipv6Addr) -> Vec<String> {
    ip.octets()
        .iter()
        .flat_map(|octet| [octet >> 4, octet & 0x0f])
        .map(|nibble| format!("{nibble:x}"))
        .collect()
}

/// The name a PTR query for `ip` asks (§5.5).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, c, d] = ip.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(ip) => {
            let mut parts = nibbles(ip);
            parts.reverse();
            format!("{}.ip6.arpa", parts.join("."))
        }
    }
}

fn in_v4(ip: Ipv4Addr, network: Ipv4Addr, prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(prefix))
    };
    u32::from(ip) & mask == u32::from(network) & mask
}

fn in_v6(ip: Ipv6Addr, network: Ipv6Addr, prefix: u8) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(prefix))
    };
    u128::from(ip) & mask == u128::from(network) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of RFC 7208 §7.4: sender strong-bad@email.example.com.
    fn expanded(spec: &str, ip: IpAddr) -> String {
        let parsed = parse::parse(&format!("v=spf1 exists:{spec}")).expect("a valid spec");
        let parse::TermKind::Directive {
            mechanism: Mechanism::Exists(spec),
            ..
        } = &parsed.terms[0].kind
        else {
            panic!("an exists term");
        };
        let context = MacroContext {
            domain: "email.example.com",
            local_part: Some("strong-bad"),
            sender_domain: "email.example.com",
            helo: Some("mx.example.org"),
            ip: Some(ip),
            family: match ip {
                IpAddr::V4(_) => Family::V4,
                IpAddr::V6(_) => Family::V6,
            },
        };
        match expand_in(spec, &context) {
            Expansion::Name(name) => name,
            Expansion::Unknown => panic!("{spec} did not expand"),
        }
    }

    #[test]
    fn macro_examples_of_rfc_7208_section_7_4() {
        let v4: IpAddr = "192.0.2.3".parse().unwrap();
        for (spec, expected) in [
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
            ("%{S}", "strong-bad%40email.example.com"),
            ("%{h}", "mx.example.org"),
            ("a%%b%_c%-d.example", "a%b c%20d.example"),
        ] {
            assert_eq!(expanded(spec, v4), expected, "{spec}");
        }
        let v6: IpAddr = "2001:db8::cb01".parse().unwrap();
        assert_eq!(
            expanded("%{ir}.%{v}._spf.%{d2}", v6),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn long_names_lose_labels_from_the_left_and_bad_labels_are_refused() {
        let long = format!("{}.example.com", vec!["a".repeat(60); 5].join("."));
        let shortened = check_target(&long).unwrap();
        assert!(shortened.len() <= 253, "{}", shortened.len());
        assert!(shortened.ends_with(".example.com"));
        assert!(check_target("x..example.com").is_err());
        assert!(check_target(&format!("{}.com", "x".repeat(64))).is_err());
        assert!(check_target("localhost").is_err());
        assert_eq!(check_target("X.Example.COM.").unwrap(), "x.example.com");
    }

    #[test]
    fn prefixes_and_reverse_names() {
        let ip = |text: &str| text.parse::<Ipv4Addr>().unwrap();
        assert!(in_v4(ip("198.2.130.1"), ip("198.2.128.0"), 18));
        assert!(!in_v4(ip("198.2.192.1"), ip("198.2.128.0"), 18));
        assert!(in_v4(ip("10.0.0.1"), ip("192.0.2.1"), 0));
        let v6 = |text: &str| text.parse::<Ipv6Addr>().unwrap();
        assert!(in_v6(v6("2001:db8::1"), v6("2001:db8::"), 32));
        assert!(!in_v6(v6("2001:db9::1"), v6("2001:db8::"), 32));
        assert_eq!(
            reverse_name("192.0.2.3".parse().unwrap()),
            "3.2.0.192.in-addr.arpa"
        );
    }

    #[test]
    fn the_first_matching_term_decides_and_limits_stop_evaluation() {
        let provider: IpAddr = "198.2.128.1".parse().unwrap();
        let snapshot = DnsSnapshot::new()
            .with_txt(
                "shop.example",
                &["v=spf1 -ip4:198.2.128.0/24 include:spf.example -all"],
            )
            .with_txt("spf.example", &["v=spf1 ip4:198.2.128.0/18 -all"]);
        let evaluation = check_host(&snapshot, "shop.example", Client::Address(provider));
        assert_eq!(evaluation.result(), SpfResult::Fail);
        assert_eq!(evaluation.decision.unwrap().term, 1);
        let other: IpAddr = "198.2.129.1".parse().unwrap();
        let evaluation = check_host(&snapshot, "shop.example", Client::Address(other));
        assert_eq!(evaluation.result(), SpfResult::Pass);
        assert_eq!(evaluation.lookups, 1);

        let includes: Vec<String> = (1..=11).map(|n| format!("include:n{n}.example")).collect();
        let mut snapshot = DnsSnapshot::new().with_txt(
            "shop.example",
            &[&format!("v=spf1 {} -all", includes.join(" "))],
        );
        for n in 1..=11 {
            snapshot = snapshot.with_txt(&format!("n{n}.example"), &["v=spf1 -all"]);
        }
        let evaluation = check_host(&snapshot, "shop.example", Client::Unmatched(Family::V4));
        assert_eq!(evaluation.result(), SpfResult::PermError);
        assert!(
            evaluation
                .problem
                .unwrap()
                .message
                .en()
                .contains("lookup 11")
        );
    }

    #[test]
    fn a_missing_answer_is_asked_for_and_a_failed_one_is_temperror() {
        let snapshot = DnsSnapshot::new().with_txt("shop.example", &["v=spf1 a mx -all"]);
        let evaluation = check_host(&snapshot, "shop.example", Client::Unmatched(Family::V6));
        assert_eq!(
            evaluation.needed,
            vec![
                Query::new("shop.example", QueryType::Aaaa),
                Query::new("shop.example", QueryType::Mx)
            ]
        );
        let failed = snapshot
            .with(
                "shop.example",
                QueryType::Aaaa,
                Answer::Failed(LookupFailure::ServFail),
            )
            .with("shop.example", QueryType::Mx, Answer::NoData);
        let evaluation = check_host(&failed, "shop.example", Client::Unmatched(Family::V6));
        assert!(evaluation.complete());
        assert_eq!(evaluation.result(), SpfResult::TempError);
    }
}
