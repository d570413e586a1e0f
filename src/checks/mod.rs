//! Judges a domain's DNS records against a provider profile: pure functions over a `DnsSnapshot`.
//!
//! Each check has two steps that never touch the network: `queries` says which answers it still
//! needs given what is already known (SPF and DKIM need follow-ups), and `evaluate` turns the
//! answers into a `RecordCheck`. A wrong record is a finding with a status, never an `Err`.

pub mod dkim;
pub mod dmarc;
pub mod snapshot;
pub mod spf;
pub mod verification;

use std::collections::BTreeMap;
use std::fmt;

use crate::domain::DomainName;
use crate::profile::{Expectation, Profile, TOKEN_PLACEHOLDER};
pub use snapshot::{Answer, DnsSnapshot, LookupFailure, Query, QueryType};

/// The four kinds of record a profile can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Spf,
    Dkim,
    Dmarc,
    Verification,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Spf => "spf",
            RecordKind::Dkim => "dkim",
            RecordKind::Dmarc => "dmarc",
            RecordKind::Verification => "verification",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

    /// The same fix at another owner name (a CNAME's target, the organizational domain).
    pub fn moved_to(self, name: &str) -> Self {
        let mut moved = Self::record(&self.record_type, name, &self.value);
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
    } else {
        format!("{owner} IN {record_type} {}", absolute(value))
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
    pub expected: String,
    pub found: Vec<String>,
    pub message: String,
    pub fix: Option<Fix>,
    pub warnings: Vec<String>,
    /// When this check got no answer from DNS (`error`): the last conclusive verdict on the
    /// record and when it was reached, so an outage is told from a broken record.
    pub last_conclusive: Option<LastConclusive>,
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
        expected: String,
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
            message: format!("DNS lookup of {query} failed: {failure}"),
            fix: None,
            warnings: Vec::new(),
            last_conclusive: None,
        }
    }
}

impl RecordCheck {
    /// A record whose query is absent from the snapshot: the collection stopped early (it is
    /// bounded), so there is no verdict.
    fn not_looked_up(mut self, query: &Query) -> Self {
        self.status = RecordStatus::Error;
        self.message = format!("{query} was not looked up");
        self.fix = None;
        self
    }
}

/// Everything one check of one domain needs to know: the domain, what its profile requires and
/// the ownership token, if any.
#[derive(Clone, Debug)]
pub struct Plan<'a> {
    pub domain: &'a DomainName,
    pub profile: &'a Profile,
    pub token: Option<&'a str>,
    /// The registration's parameters besides the token, by name.
    pub params: BTreeMap<String, String>,
}

impl<'a> Plan<'a> {
    pub fn new(domain: &'a DomainName, profile: &'a Profile, token: Option<&'a str>) -> Self {
        Plan {
            domain,
            profile,
            token,
            params: BTreeMap::new(),
        }
    }

    /// As `new`, with the registration's other parameters.
    pub fn with_params(mut self, params: &BTreeMap<String, String>) -> Self {
        self.params = params.clone();
        self
    }

    /// A requirement's name (or value) template with `{domain}`, `{domain_dashed}`, `{token}`
    /// and the parameters filled in; `None` when it needs a parameter this plan does not have
    /// (the record is then not judged).
    fn expand(&self, template: &str) -> Option<String> {
        let mut expanded = template
            .replace("{domain}", self.domain.as_str())
            .replace("{domain_dashed}", &self.domain.as_str().replace('.', "-"));
        if expanded.contains(TOKEN_PLACEHOLDER) {
            expanded = expanded.replacen(TOKEN_PLACEHOLDER, self.token?, 1);
        }
        for (name, value) in &self.params {
            expanded = expanded.replace(&format!("{{{name}}}"), value);
        }
        (!expanded.contains('{')).then_some(expanded)
    }

    /// The requirements this plan judges, with their names expanded.
    fn requirements(&self) -> impl Iterator<Item = (String, &'a Expectation)> + '_ {
        self.profile.requirements.iter().filter_map(|requirement| {
            let name = self.expand(&requirement.name)?;
            // A value template needing a missing parameter (the ownership token) is not judged.
            if let Expectation::VerificationTxt(template) = &requirement.expect {
                self.expand(template)?;
            }
            Some((name, &requirement.expect))
        })
    }

    /// The queries still needed to evaluate every required record, given the answers so far.
    /// Empty once the snapshot holds everything; repeated calls converge because each answer
    /// either ends a branch or names strictly bounded follow-ups (see `spf::MAX_LOOKUPS`).
    pub fn queries(&self, snapshot: &DnsSnapshot) -> Vec<Query> {
        let domain = self.domain.as_str();
        let mut queries = Vec::new();
        for (name, expect) in self.requirements() {
            match expect {
                Expectation::SpfInclude(include) => {
                    queries.extend(spf::queries(&name, include, snapshot));
                }
                Expectation::DkimCname(target) => {
                    queries.extend(dkim::queries(&name, target, snapshot));
                }
                Expectation::Dmarc => queries.extend(dmarc::queries(domain, snapshot)),
                Expectation::VerificationTxt(_) => queries.push(Query::txt(&name)),
            }
        }
        queries.sort();
        queries.dedup();
        queries.retain(|query| !snapshot.contains(query));
        queries
    }

    /// The verdict on every required record, in the profile's order (for the short form: SPF,
    /// DKIM selectors, DMARC, verification).
    pub fn evaluate(&self, snapshot: &DnsSnapshot) -> DomainReport {
        let domain = self.domain.as_str();
        let records = self
            .requirements()
            .map(|(name, expect)| match expect {
                Expectation::SpfInclude(include) => spf::evaluate(&name, include, snapshot),
                Expectation::DkimCname(target) => dkim::evaluate(&name, target, snapshot),
                Expectation::Dmarc => dmarc::evaluate(domain, snapshot),
                Expectation::VerificationTxt(template) => verification::evaluate(
                    &name,
                    template,
                    &self.expand(template).unwrap_or_default(),
                    snapshot,
                ),
            })
            .collect();
        DomainReport::new(domain, &self.profile.name, records)
    }
}

/// The verdict on a whole domain: the contract's check JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainReport {
    pub domain: String,
    pub profile: String,
    pub ready: bool,
    pub records: Vec<RecordCheck>,
}

impl DomainReport {
    pub fn new(domain: &str, profile: &str, records: Vec<RecordCheck>) -> Self {
        let ready = records
            .iter()
            .all(|record| record.status == RecordStatus::Pass);
        DomainReport {
            domain: domain.to_string(),
            profile: profile.to_string(),
            ready,
            records,
        }
    }

    /// True when a record's lookup failed: the check is inconclusive.
    pub fn has_errors(&self) -> bool {
        self.records
            .iter()
            .any(|record| record.status == RecordStatus::Error)
    }

    /// True when some record is definitely wrong or absent.
    pub fn has_failures(&self) -> bool {
        self.records
            .iter()
            .any(|record| matches!(record.status, RecordStatus::Fail | RecordStatus::Missing))
    }

    pub fn has_warnings(&self) -> bool {
        self.records
            .iter()
            .any(|record| !record.warnings.is_empty())
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
