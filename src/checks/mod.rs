//! Judges a domain's DNS records against a provider profile: pure functions over a `DnsSnapshot`.
//!
//! Each check has two steps that never touch the network: `queries` says which answers it still
//! needs given what is already known (SPF and DKIM need follow-ups), and `evaluate` turns the
//! answers into a `RecordCheck`. A wrong record is a finding with a status, never an `Err`.

pub mod cname;
pub mod dkim;
pub mod dmarc;
pub mod dnssec;
pub mod lookalike;
pub mod mx;
pub mod propagation;
pub mod spf;
pub mod verification;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

pub use crate::answer::{
    Answer, DnsSnapshot, Dnssec, DnssecState, LookupFailure, Observed, Origin, Query, QueryType,
};
use crate::domain::DomainName;
pub use crate::profile::RecordKind;
use crate::profile::{
    Condition, Expectation, Profile, RecordTemplate, Requirement, TOKEN_PARAM, expand, placeholders,
};
use crate::text::{Arg, Text, codes};

/// The verdict on one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordStatus {
    /// The record is what the profile requires.
    Pass,
    /// The record is present but wrong.
    Fail,
    /// There is no such record.
    Missing,
    /// DNS could not answer (timeout, SERVFAIL, REFUSED): no verdict.
    Error,
}

impl RecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Pass => "pass",
            RecordStatus::Fail => "fail",
            RecordStatus::Missing => "missing",
            RecordStatus::Error => "error",
        }
    }
}

impl fmt::Display for RecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The exact record a customer must publish, and everything else they must do for it to take
/// effect (remove a second record, replace the old one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub record_type: String,
    pub name: String,
    pub value: String,
    /// The value as DNS character-strings of at most 255 bytes each: what a zone file and most
    /// DNS panels need for a TXT record longer than 255 bytes.
    pub strings: Vec<String>,
    /// The record as one valid zone-file line (absolute names, quoted strings).
    pub zone: String,
    /// Every change to make, in order: the publish above plus any removal. Empty when no
    /// single record can repair the finding (its warnings say why): `value` is then the
    /// record as it stands.
    pub actions: Vec<FixAction>,
    /// Set when there is nothing to change even though the record does not pass yet (it is
    /// on the zone's servers and waits for the resolvers' caches): what to tell the customer
    /// instead of "publish".
    pub explanation: Option<Text>,
}

/// What to do with one DNS record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// Add this record.
    Publish,
    /// Replace the record `replaces` with this one.
    Replace,
    /// Delete this record.
    Remove,
}

/// One change to a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixAction {
    pub action: ActionKind,
    pub record_type: String,
    pub name: String,
    pub value: String,
    /// For `replace`: the record's current value.
    pub replaces: Option<String>,
    pub zone: String,
}

/// Longest DNS character-string (RFC 1035 §3.3).
const MAX_CHARACTER_STRING: usize = 255;

impl Fix {
    /// Publish `value` as a TXT record at `name`.
    pub fn txt(name: &str, value: &str) -> Self {
        Self::record("TXT", name, value)
    }

    /// Publish a CNAME from `name` to `target`.
    pub fn cname(name: &str, target: &str) -> Self {
        Self::record("CNAME", name, target)
    }

    /// Publish these MX records (`PREFERENCE HOST` each) at `name`: one publish action each;
    /// `value` is the first and `zone` holds every line.
    pub fn mx(name: &str, records: &[String]) -> Self {
        let mut fix = Self::record("MX", name, records.first().map_or("", String::as_str));
        for record in records.iter().skip(1) {
            let zone = zone_line("MX", name, record);
            fix.zone = format!("{}\n{zone}", fix.zone);
            fix.actions.push(FixAction {
                action: ActionKind::Publish,
                record_type: "MX".to_string(),
                name: name.to_string(),
                value: record.clone(),
                replaces: None,
                zone,
            });
        }
        fix
    }

    fn record(record_type: &str, name: &str, value: &str) -> Self {
        let strings = if record_type == "TXT" {
            character_strings(value)
        } else {
            Vec::new()
        };
        let zone = zone_line(record_type, name, value);
        Fix {
            record_type: record_type.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            strings,
            actions: vec![FixAction {
                action: ActionKind::Publish,
                record_type: record_type.to_string(),
                name: name.to_string(),
                value: value.to_string(),
                replaces: None,
                zone: zone.clone(),
            }],
            zone,
            explanation: None,
        }
    }

    /// The publish replaces `old`, a record of the same type and name.
    pub fn replacing(mut self, old: &str) -> Self {
        if let Some(publish) = self.actions.first_mut() {
            publish.action = ActionKind::Replace;
            publish.replaces = Some(old.to_string());
        }
        self
    }

    /// Also delete the record `value` of this fix's type at `name`.
    pub fn removing(mut self, name: &str, value: &str) -> Self {
        self.actions.push(FixAction {
            action: ActionKind::Remove,
            record_type: self.record_type.clone(),
            name: name.to_string(),
            value: value.to_string(),
            replaces: None,
            zone: zone_line(&self.record_type, name, value),
        });
        self
    }

    /// Also delete the record `value` of type `record_type` at `name` (a record put at the
    /// wrong name may be of another type than the fix).
    pub fn removing_record(mut self, record_type: &str, name: &str, value: &str) -> Self {
        self.actions.push(FixAction {
            action: ActionKind::Remove,
            record_type: record_type.to_string(),
            name: name.to_string(),
            value: value.to_string(),
            replaces: None,
            zone: zone_line(record_type, name, value),
        });
        self
    }

    /// The same fix at another owner name (a CNAME's target, the organizational domain).
    pub fn moved_to(self, name: &str) -> Self {
        let mut moved = Self::record(&self.record_type, name, &self.value);
        if self.actions.is_empty() {
            moved.actions.clear();
        }
        for (index, action) in self.actions.into_iter().enumerate() {
            if index == 0 {
                if let Some(old) = action.replaces {
                    moved = moved.replacing(&old);
                }
            } else if action.action == ActionKind::Remove {
                moved = moved.removing(name, &action.value);
            }
        }
        moved
    }
}

/// Splits a TXT value into character-strings of at most 255 bytes, never inside a character.
pub fn character_strings(value: &str) -> Vec<String> {
    let mut strings = Vec::new();
    let mut current = String::new();
    for character in value.chars() {
        if current.len() + character.len_utf8() > MAX_CHARACTER_STRING {
            strings.push(std::mem::take(&mut current));
        }
        current.push(character);
    }
    if !current.is_empty() || strings.is_empty() {
        strings.push(current);
    }
    strings
}

/// One zone-file line (RFC 1035 §5.1): absolute owner, type, and the data; TXT data quoted in
/// character-strings with `"` and `\` escaped, names with a trailing dot.
pub fn zone_line(record_type: &str, name: &str, value: &str) -> String {
    let owner = absolute(name);
    if record_type == "TXT" {
        let quoted: Vec<String> = character_strings(value)
            .iter()
            .map(|string| {
                let mut escaped = String::with_capacity(string.len() + 2);
                escaped.push('"');
                for character in string.chars() {
                    match character {
                        '"' | '\\' => {
                            escaped.push('\\');
                            escaped.push(character);
                        }
                        c if c.is_ascii_graphic() || c == ' ' => escaped.push(c),
                        c => {
                            let mut buffer = [0u8; 4];
                            for byte in c.encode_utf8(&mut buffer).bytes() {
                                escaped.push_str(&format!("\\{byte:03}"));
                            }
                        }
                    }
                }
                escaped.push('"');
                escaped
            })
            .collect();
        format!("{owner} IN TXT {}", quoted.join(" "))
    } else if record_type == "MX" {
        let (preference, host) = crate::answer::mx_parts(value);
        format!(
            "{owner} IN MX {} {}",
            preference.unwrap_or(10),
            absolute(host)
        )
    } else {
        format!("{owner} IN {record_type} {}", absolute(value))
    }
}

/// Why DNS gave no verdict, as a finding.
pub fn failure_text(failure: &LookupFailure) -> Text {
    match failure {
        LookupFailure::Timeout => codes::dns_timeout(),
        LookupFailure::ServFail => codes::dns_servfail(),
        LookupFailure::Refused => codes::dns_refused(),
        LookupFailure::Unreachable(servers) => codes::dns_unreachable(servers),
        LookupFailure::Other(reason) => codes::dns_other(reason),
    }
}

fn absolute(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// The verdict on one required record, in the contract's "record object" shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordCheck {
    pub kind: RecordKind,
    pub name: String,
    pub record_type: String,
    pub status: RecordStatus,
    pub expected: Text,
    pub found: Vec<String>,
    pub message: Text,
    pub fix: Option<Fix>,
    pub warnings: Vec<Text>,
    /// When this check got no answer from DNS (`error`): the last conclusive verdict on the
    /// record and when it was reached, so an outage is told from a broken record.
    pub last_conclusive: Option<LastConclusive>,
    /// `false` for a recommended record: shown, never blocking `ready`.
    pub required: bool,
    /// The record seen from the zone's authoritative servers and the resolver (`None`: the
    /// authoritative view is off, or the zone's servers could not be found).
    pub propagation: Option<propagation::Propagation>,
    /// The worst DNSSEC status among the answers the verdict rests on (`None`: DNSSEC off).
    pub dnssec: Option<Dnssec>,
}

/// The last verdict on a record that DNS answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastConclusive {
    pub status: RecordStatus,
    pub checked_at: chrono::DateTime<chrono::Utc>,
}

impl RecordCheck {
    /// A record whose lookup failed: no verdict, only the DNS reason.
    fn lookup_failed(
        kind: RecordKind,
        name: &str,
        record_type: &str,
        expected: Text,
        query: &Query,
        failure: &LookupFailure,
    ) -> Self {
        RecordCheck {
            kind,
            name: name.to_string(),
            record_type: record_type.to_string(),
            status: RecordStatus::Error,
            expected,
            found: Vec::new(),
            message: codes::dns_lookup_failed(query.to_string(), failure_text(failure)),
            fix: None,
            warnings: Vec::new(),
            last_conclusive: None,
            required: true,
            propagation: None,
            dnssec: None,
        }
    }

    /// A new finding on `name`: status `pass` until the check says otherwise, with the fix to
    /// propose should it not pass.
    pub fn new(kind: RecordKind, name: &str, record_type: &str, expected: Text, fix: Fix) -> Self {
        RecordCheck {
            kind,
            name: name.to_string(),
            record_type: record_type.to_string(),
            status: RecordStatus::Pass,
            expected,
            found: Vec::new(),
            message: codes::record_as_expected(name),
            fix: Some(fix),
            warnings: Vec::new(),
            last_conclusive: None,
            required: true,
            propagation: None,
            dnssec: None,
        }
    }
}

impl RecordCheck {
    /// The records `query` got (none for NXDOMAIN and NODATA); or, when it was not looked up
    /// or DNS did not answer, this check turned into that finding (no verdict).
    fn records_of<'s>(
        &self,
        snapshot: &'s DnsSnapshot,
        query: &Query,
    ) -> Result<&'s [String], Box<RecordCheck>> {
        match snapshot.get(query).map(Answer::records) {
            None => Err(Box::new(self.clone().not_looked_up(query))),
            Some(Err(failure)) => Err(Box::new(RecordCheck::lookup_failed(
                self.kind,
                &self.name,
                &self.record_type,
                self.expected.clone(),
                query,
                failure,
            ))),
            Some(Ok(records)) => Ok(records),
        }
    }

    /// A record whose query is absent from the snapshot: the collection stopped early (it is
    /// bounded), so there is no verdict.
    fn not_looked_up(mut self, query: &Query) -> Self {
        self.status = RecordStatus::Error;
        self.message = codes::dns_not_looked_up(query.to_string());
        self.fix = None;
        self
    }
}

/// Everything one check of one domain needs to know: the domain, what its profile requires and
/// the registration's parameter values.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    pub domain: &'a DomainName,
    pub profile: &'a Profile,
    /// The parameter values: given ones, then defaults. The token is `token`.
    values: BTreeMap<String, String>,
    /// `applicable`'s answer, worked out on first use: it depends on the fields above alone,
    /// and a check asks it in every round of every view (issue 31).
    expanded: OnceLock<Vec<Applicable<'a>>>,
}

/// One record of a requirement, its templates filled in.
#[derive(Clone, Debug)]
struct Expanded<'a> {
    name: String,
    expect: &'a Expectation,
    /// The expectation's value templates, filled in, in `Expectation` order.
    values: Vec<String>,
}

/// A requirement that applies, with the alternatives that could be filled in.
#[derive(Clone, Debug)]
struct Applicable<'a> {
    requirement: &'a Requirement,
    alternatives: Vec<Vec<Expanded<'a>>>,
}

impl<'a> Plan<'a> {
    pub fn new(domain: &'a DomainName, profile: &'a Profile, token: Option<&'a str>) -> Self {
        let given: BTreeMap<String, String> = token
            .map(|token| (TOKEN_PARAM.to_string(), token.to_string()))
            .into_iter()
            .collect();
        Plan {
            domain,
            profile,
            values: profile.values(&given),
            expanded: OnceLock::new(),
        }
    }

    /// As `new`, with the registration's other parameters (a token given to `new` stays).
    pub fn with_params(mut self, params: &BTreeMap<String, String>) -> Self {
        let mut given = params.clone();
        if let Some(token) = self.values.get(TOKEN_PARAM)
            && !params.contains_key(TOKEN_PARAM)
        {
            given.insert(TOKEN_PARAM.to_string(), token.clone());
        }
        self.values = self.profile.values(&given);
        self.expanded = OnceLock::new();
        self
    }

    fn expand(&self, template: &str) -> Result<String, String> {
        expand(template, self.domain.as_str(), &self.values)
    }

    fn expand_record(&self, record: &'a RecordTemplate) -> Option<Expanded<'a>> {
        let name = self.expand(&record.name).ok()?.to_ascii_lowercase();
        let values = match &record.expect {
            Expectation::SpfInclude(t) | Expectation::DkimCname(t) | Expectation::Cname(t) => {
                vec![self.expand(t).ok()?.to_ascii_lowercase()]
            }
            Expectation::Txt(t) | Expectation::VerificationTxt(t) => vec![self.expand(t).ok()?],
            // Without the key parameter, any valid key passes.
            Expectation::DkimKey { key, .. } => key
                .as_ref()
                .and_then(|key| self.expand(key).ok())
                .into_iter()
                .collect(),
            Expectation::Mx(hosts) => hosts
                .iter()
                .map(|host| self.expand(&host.host).map(|h| h.to_ascii_lowercase()))
                .collect::<Result<_, _>>()
                .ok()?,
            Expectation::Dmarc { .. } => Vec::new(),
        };
        Some(Expanded {
            name,
            expect: &record.expect,
            values,
        })
    }

    /// The requirements that apply, each with the alternatives its parameters fill in.
    fn applicable(&self) -> &[Applicable<'a>] {
        self.expanded.get_or_init(|| {
            self.profile
                .requirements
                .iter()
                .filter(|requirement| requirement.applies(&self.values))
                .map(|requirement| Applicable {
                    requirement,
                    alternatives: requirement
                        .any_of
                        .iter()
                        .filter_map(|alternative| {
                            alternative
                                .iter()
                                .map(|record| self.expand_record(record))
                                .collect::<Option<Vec<_>>>()
                        })
                        .collect(),
                })
                .collect()
        })
    }

    /// Required records this plan leaves unjudged because a parameter their `when` names has no
    /// value: (kind, name, parameter), for telling the user what to give.
    pub fn unchecked(&self) -> Vec<(RecordKind, String, String)> {
        self.profile
            .requirements
            .iter()
            .filter(|requirement| requirement.required && !requirement.applies(&self.values))
            .filter_map(|requirement| {
                let missing = requirement
                    .when
                    .iter()
                    .find_map(|condition| match condition {
                        Condition::Given(param) if !self.values.contains_key(param) => {
                            Some(param.clone())
                        }
                        _ => None,
                    })?;
                let first = &requirement.any_of[0][0];
                let name = self
                    .expand(&first.name)
                    .unwrap_or_else(|_| first.name.replace("{domain}", self.domain.as_str()));
                Some((first.expect.kind(), name, missing))
            })
            .collect()
    }

    /// The names of every record the plan judges (each alternative's), lower case, each once:
    /// the names whose zones the authoritative view asks.
    pub fn record_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .applicable()
            .iter()
            .flat_map(|applicable| applicable.alternatives.iter().flatten())
            .map(|record| record.name.clone())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The queries still needed to evaluate every required record, given the answers so far.
    /// Empty once the snapshot holds everything; repeated calls converge because each answer
    /// either ends a branch or names strictly bounded follow-ups (see `spf::MAX_LOOKUPS`).
    pub fn queries(&self, snapshot: &DnsSnapshot) -> Vec<Query> {
        let mut queries = Vec::new();
        for applicable in self.applicable() {
            for record in applicable.alternatives.iter().flatten() {
                queries.extend(record_queries(record, snapshot));
                let kind = record.expect.kind();
                let expected = match record.expect {
                    Expectation::Txt(_) | Expectation::VerificationTxt(_) => {
                        record.values.first().map(String::as_str)
                    }
                    _ => None,
                };
                queries.extend(lookalike::queries(
                    kind,
                    &record.name,
                    record.expect.record_type(),
                    self.domain.as_str(),
                    snapshot,
                    |value| lookalike::looks_like(kind, expected, value),
                ));
            }
        }
        queries.sort();
        queries.dedup();
        queries.retain(|query| !snapshot.contains(query));
        queries
    }

    /// The verdict on every record that applies, in the profile's order. For a requirement
    /// with alternatives, the records of the one that passes, else of the one that got no DNS
    /// answer, else of the one nearest to passing (the first on a tie).
    pub fn evaluate(&self, snapshot: &DnsSnapshot) -> DomainReport {
        let mut records = Vec::new();
        for applicable in self.applicable() {
            let required = applicable.requirement.required;
            let judged: Vec<Vec<RecordCheck>> = applicable
                .alternatives
                .iter()
                .map(|alternative| {
                    alternative
                        .iter()
                        .map(|record| {
                            let (mut judged, read) =
                                snapshot.reads(|snapshot| evaluate_record(record, snapshot));
                            dnssec::judge(&mut judged, &read, snapshot);
                            lookalike::annotate(&mut judged, self.domain.as_str(), snapshot);
                            judged
                        })
                        .collect()
                })
                .collect();
            let mut chosen = match choose(&judged) {
                Some(index) => {
                    let mut chosen = judged[index].clone();
                    if judged.len() > 1 && chosen.iter().any(|r| r.status != RecordStatus::Pass) {
                        let others: Vec<Text> = applicable
                            .alternatives
                            .iter()
                            .enumerate()
                            .filter(|(other, _)| *other != index)
                            .map(|(_, alternative)| describe_alternative(alternative))
                            .collect();
                        for record in &mut chosen {
                            record.message = record
                                .message
                                .clone()
                                .and(codes::record_also_accepted(Arg::any(others.clone())));
                        }
                    }
                    chosen
                }
                None => vec![unfillable(applicable.requirement, self)],
            };
            for record in &mut chosen {
                record.required = required;
            }
            records.extend(chosen);
        }
        DomainReport::new(self.domain.as_str(), &self.profile.name, records)
    }
}

/// Which alternative's verdicts to show: one that passes, else one with a DNS error, else the
/// one with the most records present.
fn choose(judged: &[Vec<RecordCheck>]) -> Option<usize> {
    let all = |records: &Vec<RecordCheck>, status: RecordStatus| {
        records.iter().all(|record| record.status == status)
    };
    judged
        .iter()
        .position(|records| all(records, RecordStatus::Pass))
        .or_else(|| {
            judged.iter().position(|records| {
                records
                    .iter()
                    .any(|record| record.status == RecordStatus::Error)
            })
        })
        .or_else(|| {
            let present = |records: &Vec<RecordCheck>| {
                records
                    .iter()
                    .filter(|record| record.status != RecordStatus::Missing)
                    .count()
            };
            let best = judged.iter().map(present).max()?;
            judged.iter().position(|records| present(records) == best)
        })
}

/// An alternative as a finding: `a TXT DKIM key at k1._domainkey.shop.example`.
fn describe_alternative(alternative: &[Expanded<'_>]) -> Text {
    let records = alternative
        .iter()
        .map(|record| match record.expect {
            Expectation::DkimCname(_) | Expectation::Cname(_) => {
                codes::alternative_cname(&record.name, &record.values[0])
            }
            Expectation::DkimKey { .. } => codes::alternative_dkim_key(&record.name),
            Expectation::Mx(_) => codes::alternative_mx(&record.name, record.values.join(", ")),
            Expectation::SpfInclude(include) => codes::alternative_spf(&record.name, include),
            Expectation::Txt(_) | Expectation::VerificationTxt(_) => {
                codes::alternative_txt(&record.name, &record.values[0])
            }
            Expectation::Dmarc { .. } => codes::alternative_dmarc(&record.name),
        })
        .collect();
    codes::alternative(Arg::all(records))
}

/// A requirement no alternative of which could be filled in: the registration lacks a
/// parameter (the profile changed after it registered). Never a pass.
fn unfillable(requirement: &Requirement, plan: &Plan<'_>) -> RecordCheck {
    let first = &requirement.any_of[0][0];
    let needed: Vec<String> = requirement
        .templates()
        .flat_map(|record| {
            let mut templates = vec![record.name.as_str()];
            templates.extend(record.expect.templates());
            templates
        })
        .flat_map(placeholders)
        .filter(|name| plan.expand(&format!("{{{name}}}")).is_err())
        .map(str::to_string)
        .collect();
    let name = plan
        .expand(&first.name)
        .unwrap_or_else(|_| first.name.replace("{domain}", plan.domain.as_str()));
    let mut check = RecordCheck::new(
        first.expect.kind(),
        &name,
        first.expect.record_type(),
        first.expect.describe(),
        Fix::txt(&name, ""),
    );
    check.status = RecordStatus::Fail;
    check.fix = None;
    check.message =
        codes::record_parameter_missing(needed.first().map(String::as_str).unwrap_or_default());
    check
}

/// The queries one record still needs.
fn record_queries(record: &Expanded<'_>, snapshot: &DnsSnapshot) -> Vec<Query> {
    let name = &record.name;
    match record.expect {
        Expectation::SpfInclude(_) => spf::queries(name, &record.values[0], snapshot),
        Expectation::DkimCname(_) => cname::queries(name, &record.values[0], cname::DKIM, snapshot),
        Expectation::Cname(_) => cname::queries(name, &record.values[0], cname::HOST, snapshot),
        Expectation::DkimKey { .. } => vec![Query::txt(name)],
        Expectation::Mx(_) => vec![Query::new(name, QueryType::Mx)],
        Expectation::Txt(_) | Expectation::VerificationTxt(_) => vec![Query::txt(name)],
        Expectation::Dmarc { .. } => dmarc::queries(dmarc_domain(name), snapshot),
    }
}

/// The domain a `_dmarc.` name is the policy record of.
fn dmarc_domain(name: &str) -> &str {
    name.strip_prefix("_dmarc.").unwrap_or(name)
}

/// The verdict on one record.
fn evaluate_record(record: &Expanded<'_>, snapshot: &DnsSnapshot) -> RecordCheck {
    let name = &record.name;
    match record.expect {
        Expectation::SpfInclude(_) => spf::evaluate(name, &record.values[0], snapshot),
        Expectation::DkimCname(_) => {
            cname::evaluate(name, &record.values[0], cname::DKIM, snapshot)
        }
        Expectation::Cname(_) => cname::evaluate(name, &record.values[0], cname::HOST, snapshot),
        Expectation::DkimKey { key_type, .. } => dkim::evaluate_key(
            name,
            record.values.first().map(String::as_str),
            key_type.as_deref(),
            snapshot,
        ),
        Expectation::Mx(hosts) => {
            let expected: Vec<(Option<u16>, &str)> = hosts
                .iter()
                .zip(&record.values)
                .map(|(host, value)| (host.preference, value.as_str()))
                .collect();
            mx::evaluate(name, &expected, snapshot)
        }
        Expectation::Txt(template) => {
            verification::evaluate(RecordKind::Txt, name, template, &record.values[0], snapshot)
        }
        Expectation::VerificationTxt(template) => verification::evaluate(
            RecordKind::Verification,
            name,
            template,
            &record.values[0],
            snapshot,
        ),
        Expectation::Dmarc { min_policy } => {
            dmarc::evaluate_at_least(dmarc_domain(name), *min_policy, snapshot)
        }
    }
}

/// The verdict on a whole domain: the contract's check JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainReport {
    pub domain: String,
    pub profile: String,
    pub ready: bool,
    pub records: Vec<RecordCheck>,
    /// When every required record is expected to pass everywhere (`propagation::valid_after`);
    /// set by the probe, which knows the time of the check.
    pub valid_after: Option<chrono::DateTime<chrono::Utc>>,
}

impl DomainReport {
    pub fn new(domain: &str, profile: &str, records: Vec<RecordCheck>) -> Self {
        let ready = records
            .iter()
            .all(|record| !record.required || record.status == RecordStatus::Pass);
        DomainReport {
            domain: domain.to_string(),
            profile: profile.to_string(),
            ready,
            records,
            valid_after: None,
        }
    }

    /// The domain's DNSSEC summary: the worst status among its records (`None`: DNSSEC off).
    pub fn dnssec(&self) -> Option<&Dnssec> {
        dnssec::worst(
            self.records
                .iter()
                .filter_map(|record| record.dnssec.as_ref()),
        )
    }

    /// True when a required record's lookup failed: the check is inconclusive.
    pub fn has_errors(&self) -> bool {
        self.records
            .iter()
            .any(|record| record.required && record.status == RecordStatus::Error)
    }

    /// True when some required record is definitely wrong or absent.
    pub fn has_failures(&self) -> bool {
        self.records.iter().any(|record| {
            record.required && matches!(record.status, RecordStatus::Fail | RecordStatus::Missing)
        })
    }

    /// True when a record has warnings, or a recommended record does not pass.
    pub fn has_warnings(&self) -> bool {
        self.records.iter().any(|record| {
            !record.warnings.is_empty() || (!record.required && record.status != RecordStatus::Pass)
        })
    }

    /// The monitoring-plugin verdict: OK, WARNING, CRITICAL or UNKNOWN.
    pub fn outcome(&self) -> Outcome {
        if self.has_failures() {
            Outcome::Critical
        } else if self.has_errors() {
            Outcome::Unknown
        } else if self.has_warnings() {
            Outcome::Warning
        } else {
            Outcome::Ok
        }
    }
}

/// The monitoring-plugin states, ordered by how bad they are: a definite failure outranks an
/// inconclusive lookup, which outranks a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ok,
    Warning,
    Unknown,
    Critical,
}

impl Outcome {
    /// The exit code of the monitoring-plugin convention.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Warning => 1,
            Outcome::Critical => 2,
            Outcome::Unknown => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
name = "alt"
title = "Alternatives"

[params.selector]
description = "selector"
default = "k1"

[[records]]
any_of = [
  [{ kind = "dkim", name = "{selector}._domainkey.{domain}" }],
  [{ kind = "dkim", name = "a1._domainkey.{domain}", cname = "a1.dkim.provider.example" }],
]

[[records]]
kind = "txt"
name = "_site.{domain}"
value = "site={domain_dashed}"
required = false
"#;

    fn judged(snapshot: &DnsSnapshot) -> DomainReport {
        let profile = Profile::from_file("alt.toml", PROFILE).unwrap();
        let domain = DomainName::parse("shop.example").unwrap();
        let plan = Plan::new(&domain, &profile, None);
        let mut full = snapshot.clone();
        for _ in 0..4 {
            for query in plan.queries(&full) {
                let answer = snapshot.get(&query).cloned().unwrap_or(Answer::NxDomain);
                full.insert(query, answer);
            }
        }
        plan.evaluate(&full)
    }

    #[test]
    fn the_passing_alternative_is_shown_and_recommended_records_never_block() {
        let cname = DnsSnapshot::new().with(
            "a1._domainkey.shop.example",
            QueryType::Cname,
            Answer::Records(vec!["a1.dkim.provider.example".into()]),
        );
        let report = judged(&cname);
        assert_eq!(report.records[0].name, "a1._domainkey.shop.example");
        assert_eq!(report.records[0].status, RecordStatus::Pass);
        // The recommended TXT is missing: ready, with a warning's exit code.
        assert_eq!(report.records[1].status, RecordStatus::Missing);
        assert!(!report.records[1].required);
        assert!(report.ready);
        assert!(!report.has_failures());
        assert_eq!(report.outcome(), Outcome::Warning);
    }

    #[test]
    fn no_verdict_beats_a_wrong_one_and_a_near_form_beats_the_first() {
        // The CNAME form's lookup failed: the requirement has no verdict, not "missing".
        let failed = DnsSnapshot::new().with(
            "a1._domainkey.shop.example",
            QueryType::Cname,
            Answer::Failed(LookupFailure::Timeout),
        );
        let report = judged(&failed);
        assert_eq!(report.records[0].status, RecordStatus::Error);
        assert!(report.has_errors());
        assert!(!report.ready);
        // Both absent: the first form is proposed, naming the other.
        let report = report_of_nothing();
        assert_eq!(report.records[0].name, "k1._domainkey.shop.example");
        assert_eq!(report.records[0].status, RecordStatus::Missing);
        assert!(
            report.records[0].message.en().contains(
                "also accepted instead: CNAME a1._domainkey.shop.example → a1.dkim.provider.example"
            ),
            "{}",
            report.records[0].message.en()
        );
        // A wrong CNAME is nearer than an absent key: it is the one shown.
        let wrong = DnsSnapshot::new().with(
            "a1._domainkey.shop.example",
            QueryType::Cname,
            Answer::Records(vec!["a1.dkim.other.example".into()]),
        );
        let report = judged(&wrong);
        assert_eq!(report.records[0].name, "a1._domainkey.shop.example");
        assert_eq!(report.records[0].status, RecordStatus::Fail);
        // A recommended record DNS could not answer does not make the check inconclusive.
        let txt_failed = DnsSnapshot::new()
            .with(
                "a1._domainkey.shop.example",
                QueryType::Cname,
                Answer::Records(vec!["a1.dkim.provider.example".into()]),
            )
            .with(
                "_site.shop.example",
                QueryType::Txt,
                Answer::Failed(LookupFailure::ServFail),
            );
        let report = judged(&txt_failed);
        assert_eq!(report.records[1].status, RecordStatus::Error);
        assert!(!report.has_errors());
        assert!(report.ready);
    }

    fn report_of_nothing() -> DomainReport {
        judged(&DnsSnapshot::new())
    }

    #[test]
    fn a_requirement_its_registration_cannot_fill_fails_naming_the_parameter() {
        let profile = Profile::from_file(
            "p.toml",
            "name = \"p\"\ntitle = \"P\"\n[params.code]\ndescription = \"c\"\n[[records]]\n\
             kind = \"txt\"\nname = \"{domain}\"\nvalue = \"code={code}\"",
        )
        .unwrap();
        let domain = DomainName::parse("shop.example").unwrap();
        let report = Plan::new(&domain, &profile, None).evaluate(&DnsSnapshot::new());
        assert_eq!(report.records[0].status, RecordStatus::Fail);
        assert!(
            report.records[0].message.en().contains("parameter code"),
            "{}",
            report.records[0].message.en()
        );
        assert!(!report.ready);
    }
}
