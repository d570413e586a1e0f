//! What a sending provider requires of a sender domain, as data: the profile files of
//! `profiles/` (embedded as the built-ins), files in a configured directory, and the config
//! file's tables (the full form or the short form of docs/reference.md). No provider is named in code.
//!
//! A profile is a list of requirements. Each requirement is met by any one of its alternatives,
//! and an alternative is one or more record templates that must all hold. A requirement may be
//! recommended only (`required = false`: shown, never blocking `ready`) and may apply only when
//! some parameters are given (`when`).

mod file;

use std::collections::BTreeMap;
use std::fmt;

use crate::text::{Text, codes};

pub use file::{ConfiguredProfile, DkimSelector, ProfileError, RawProfile};

/// The parameter that holds the ownership token (`verification_token`, `--token`).
pub const TOKEN_PARAM: &str = "token";

/// The kinds of record a profile can require (docs/reference.md's record kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    Spf,
    Dkim,
    Dmarc,
    Verification,
    Cname,
    Mx,
    Txt,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Spf,
        RecordKind::Dkim,
        RecordKind::Dmarc,
        RecordKind::Verification,
        RecordKind::Cname,
        RecordKind::Mx,
        RecordKind::Txt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Spf => "spf",
            RecordKind::Dkim => "dkim",
            RecordKind::Dmarc => "dmarc",
            RecordKind::Verification => "verification",
            RecordKind::Cname => "cname",
            RecordKind::Mx => "mx",
            RecordKind::Txt => "txt",
        }
    }

    pub fn parse(kind: &str) -> Option<Self> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A DMARC policy a profile may ask for at least, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicyLevel {
    None,
    Quarantine,
    Reject,
}

impl PolicyLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyLevel::None => "none",
            PolicyLevel::Quarantine => "quarantine",
            PolicyLevel::Reject => "reject",
        }
    }
}

/// One MX host a profile expects: a host template and, optionally, its preference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxHost {
    pub preference: Option<u16>,
    pub host: String,
}

/// What must hold of one record, and so which check judges it. Strings are templates over
/// `{domain}`, `{domain_dashed}` and the profile's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// An SPF record that authorises the provider whose SPF record is at this host.
    SpfInclude(String),
    /// A DKIM selector delegated by CNAME to this target (a flattened copy is accepted).
    DkimCname(String),
    /// A DKIM public key published as TXT: any valid key, or exactly `key` (the `p=` value)
    /// when that template expands; of `key_type` when given.
    DkimKey {
        key: Option<String>,
        key_type: Option<String>,
    },
    /// A CNAME to this target (a flattened copy of its TXT and MX records is accepted).
    Cname(String),
    /// Exactly these MX hosts; a preference, when given, is expected too.
    Mx(Vec<MxHost>),
    /// A TXT record equal to this value.
    Txt(String),
    /// A valid DMARC record applies, with at least this policy when given.
    Dmarc { min_policy: Option<PolicyLevel> },
    /// An ownership TXT record equal to this value.
    VerificationTxt(String),
}

impl Expectation {
    pub fn kind(&self) -> RecordKind {
        match self {
            Expectation::SpfInclude(_) => RecordKind::Spf,
            Expectation::DkimCname(_) | Expectation::DkimKey { .. } => RecordKind::Dkim,
            Expectation::Cname(_) => RecordKind::Cname,
            Expectation::Mx(_) => RecordKind::Mx,
            Expectation::Txt(_) => RecordKind::Txt,
            Expectation::Dmarc { .. } => RecordKind::Dmarc,
            Expectation::VerificationTxt(_) => RecordKind::Verification,
        }
    }

    /// The DNS record type customers publish for it.
    pub fn record_type(&self) -> &'static str {
        match self {
            Expectation::DkimCname(_) | Expectation::Cname(_) => "CNAME",
            Expectation::Mx(_) => "MX",
            _ => "TXT",
        }
    }

    /// Every value template (not the name) of the expectation.
    pub fn templates(&self) -> Vec<&str> {
        match self {
            Expectation::SpfInclude(t)
            | Expectation::DkimCname(t)
            | Expectation::Cname(t)
            | Expectation::Txt(t)
            | Expectation::VerificationTxt(t) => vec![t],
            Expectation::DkimKey { key, .. } => key.iter().map(String::as_str).collect(),
            Expectation::Mx(hosts) => hosts.iter().map(|h| h.host.as_str()).collect(),
            Expectation::Dmarc { .. } => Vec::new(),
        }
    }

    /// What must hold, in words, with templates unexpanded (the profile listing).
    pub fn describe(&self) -> Text {
        match self {
            Expectation::SpfInclude(include) => codes::expect_spf(include),
            Expectation::DkimCname(target) | Expectation::Cname(target) => {
                codes::expect_cname(target)
            }
            Expectation::DkimKey { key, key_type } => match (key, key_type) {
                (Some(key), None) => codes::expect_dkim_key(key),
                (Some(key), Some(t)) => codes::expect_dkim_key_typed(key, t),
                (None, None) => codes::expect_dkim_any_key(),
                (None, Some(t)) => codes::expect_dkim_any_key_typed(t),
            },
            Expectation::Mx(hosts) => codes::expect_mx(describe_hosts(hosts)),
            Expectation::Txt(value) | Expectation::VerificationTxt(value) => {
                codes::expect_txt(value)
            }
            Expectation::Dmarc { min_policy } => match min_policy {
                Some(policy) => codes::expect_dmarc_policy(policy.as_str()),
                None => codes::expect_dmarc(),
            },
        }
    }
}

/// MX hosts as `10 mx.example.net, 20 mx2.example.net`.
pub fn describe_hosts(hosts: &[MxHost]) -> String {
    hosts
        .iter()
        .map(|host| match host.preference {
            Some(preference) => format!("{preference} {}", host.host),
            None => host.host.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One record of a requirement: where (a name template) and what must hold there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordTemplate {
    /// `{domain}`, `mte1._domainkey.{domain}`, `{mail_from}.{domain}`: always within the domain.
    pub name: String,
    pub expect: Expectation,
}

/// When a requirement applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The parameter is given (non-empty, or has a default).
    Given(String),
    /// The parameter has this value.
    Equals(String, String),
}

impl Condition {
    fn holds(&self, values: &BTreeMap<String, String>) -> bool {
        match self {
            Condition::Given(name) => values.contains_key(name),
            Condition::Equals(name, value) => values.get(name) == Some(value),
        }
    }

    fn param(&self) -> &str {
        match self {
            Condition::Given(name) | Condition::Equals(name, _) => name,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Given(name) => f.write_str(name),
            Condition::Equals(name, value) => write!(f, "{name}={value}"),
        }
    }
}

/// One thing a profile asks for, met by any one of its alternatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// Each alternative is a set of records that must all hold; the first is the one a fix
    /// proposes when none holds. A plain record is one alternative of one record.
    pub any_of: Vec<Vec<RecordTemplate>>,
    /// `false` for a recommended record: shown with its status, never blocking `ready`.
    pub required: bool,
    /// Applies only when every condition holds.
    pub when: Vec<Condition>,
}

impl Requirement {
    /// A required record that always applies.
    pub fn record(name: impl Into<String>, expect: Expectation) -> Self {
        Requirement {
            any_of: vec![vec![RecordTemplate {
                name: name.into(),
                expect,
            }]],
            required: true,
            when: Vec::new(),
        }
    }

    /// Whether it applies to a registration with these parameter values.
    pub fn applies(&self, values: &BTreeMap<String, String>) -> bool {
        self.when.iter().all(|condition| condition.holds(values))
    }

    /// Every record template of every alternative.
    pub fn templates(&self) -> impl Iterator<Item = &RecordTemplate> {
        self.any_of.iter().flatten()
    }
}

/// A provider's requirements, in the order their verdicts are shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub title: String,
    pub docs: Option<String>,
    /// The parameters a registration may give, by name.
    pub params: BTreeMap<String, Param>,
    pub requirements: Vec<Requirement>,
}

/// A parameter of a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub description: String,
    /// Whether a registration must give it.
    pub required: bool,
    /// What a value must look like: a regular expression that must match somewhere in the
    /// value, as JSON Schema's `pattern` (the built-in profiles anchor theirs with `^…$`).
    pub pattern: Option<Pattern>,
    /// The value used when a registration gives none.
    pub default: Option<String>,
}

/// A parameter's pattern, compiled once when its profile is read: registrations, checks and
/// bulk runs match values against it for every domain. Profiles that declare the same pattern
/// share one compiled regex: a bounded repetition such as `{16,8192}` (the DKIM key parameter
/// of seven built-in profiles) compiles to thousands of states, about 5 ms and 2 MB each.
#[derive(Clone, Debug)]
pub struct Pattern(std::sync::Arc<regex::Regex>);

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, regex::Error> {
        use std::sync::{Arc, Mutex, Weak};
        /// The patterns of the profiles in use, by text; an entry goes once no profile holds it
        /// (a reload that changes a pattern leaves nothing behind).
        static COMPILED: Mutex<Vec<(String, Weak<regex::Regex>)>> = Mutex::new(Vec::new());
        let mut compiled = COMPILED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        compiled.retain(|(_, regex)| regex.strong_count() > 0);
        if let Some(regex) = compiled
            .iter()
            .find(|(known, _)| known == text)
            .and_then(|(_, regex)| regex.upgrade())
        {
            return Ok(Pattern(regex));
        }
        let regex = Arc::new(regex::Regex::new(text)?);
        compiled.push((text.to_string(), Arc::downgrade(&regex)));
        Ok(Pattern(regex))
    }

    /// The pattern as written in the profile.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn is_match(&self, value: &str) -> bool {
        self.0.is_match(value)
    }
}

/// Two patterns are the same when written the same.
impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Pattern {}

/// Why a registration's parameters do not fit its profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("profile {profile} has no parameter {name:?}; it takes: {known}")]
    Unknown {
        profile: String,
        name: String,
        known: String,
    },
    #[error("profile {profile} needs the parameter {name:?}: {description}")]
    Missing {
        profile: String,
        name: String,
        description: String,
    },
    /// Says what the value is, in the profile's words, before the pattern it must match: the
    /// pattern alone is a regular expression that support staff cannot pass on to a customer.
    #[error(
        "parameter {name:?} does not look like what the profile asks for: {description} (the value must match {pattern})"
    )]
    Invalid {
        name: String,
        description: String,
        pattern: String,
    },
    #[error("profile {profile} needs {needed} to check its {kind} record at {record}")]
    Incomplete {
        profile: String,
        kind: RecordKind,
        record: String,
        needed: String,
    },
    #[error(
        "the parameters make {value:?}, not a valid DNS name, for the {kind} record at {record}"
    )]
    BadName {
        kind: RecordKind,
        record: String,
        value: String,
    },
}

/// Fills a template's `{…}` placeholders: `{domain}`, `{domain_dashed}` and the parameter
/// values. `Err` names the first placeholder without a value.
pub fn expand(
    template: &str,
    domain: &str,
    values: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut expanded = String::with_capacity(template.len() + domain.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            expanded.push_str(&rest[open..]);
            return Ok(expanded);
        };
        let name = &after[..close];
        match name {
            "domain" => expanded.push_str(domain),
            "domain_dashed" => expanded.push_str(&domain.replace('.', "-")),
            _ => match values.get(name) {
                Some(value) => expanded.push_str(value),
                None => return Err(name.to_string()),
            },
        }
        rest = &after[close + 1..];
    }
    expanded.push_str(rest);
    Ok(expanded)
}

/// Whether `name` can be asked of DNS: labels of 1 to 63 printable non-space octets, at most
/// 253 in all.
fn is_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_graphic())
        })
}

/// The `{name}` placeholders of a template.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

impl Profile {
    /// The values a registration's parameters stand for: the given non-empty ones, and each
    /// other parameter's default.
    pub fn values(&self, given: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut values: BTreeMap<String, String> = given
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        for (name, param) in &self.params {
            if let Some(default) = &param.default {
                values
                    .entry(name.clone())
                    .or_insert_with(|| default.clone());
            }
        }
        values
    }

    /// Checks a registration's parameters: each declared, each matching its pattern, every
    /// required one given, and every record that applies checkable with them.
    pub fn check_params(&self, params: &BTreeMap<String, String>) -> Result<(), ParamError> {
        for (name, value) in params {
            let Some(param) = self.params.get(name) else {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                return Err(ParamError::Unknown {
                    profile: self.name.clone(),
                    name: name.chars().take(64).collect(),
                    known: if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    },
                });
            };
            if let Some(pattern) = &param.pattern
                && !pattern.is_match(value)
            {
                return Err(ParamError::Invalid {
                    name: name.clone(),
                    description: param.description.clone(),
                    pattern: pattern.as_str().to_string(),
                });
            }
        }
        let values = self.values(params);
        if let Some((name, param)) = self
            .params
            .iter()
            .find(|(name, param)| param.required && !values.contains_key(*name))
        {
            return Err(ParamError::Missing {
                profile: self.name.clone(),
                name: name.clone(),
                description: param.description.clone(),
            });
        }
        for requirement in self.requirements.iter().filter(|r| r.applies(&values)) {
            for record in requirement.templates() {
                let mut hosts = vec![record.name.as_str()];
                if matches!(
                    record.expect,
                    Expectation::SpfInclude(_)
                        | Expectation::DkimCname(_)
                        | Expectation::Cname(_)
                        | Expectation::Mx(_)
                ) {
                    hosts.extend(record.expect.templates());
                }
                for template in hosts {
                    if let Ok(value) = expand(template, "shop.example", &values)
                        && !is_dns_name(&value)
                    {
                        return Err(ParamError::BadName {
                            kind: record.expect.kind(),
                            record: record.name.clone(),
                            value: value.chars().take(300).collect(),
                        });
                    }
                }
            }
            if let Err(needed) = self.expandable(requirement, &values) {
                let first = &requirement.any_of[0][0];
                return Err(ParamError::Incomplete {
                    profile: self.name.clone(),
                    kind: first.expect.kind(),
                    record: first.name.clone(),
                    needed,
                });
            }
        }
        Ok(())
    }

    /// `Ok` when some alternative of `requirement` can be filled in from `values`; otherwise
    /// the parameters that would make one fillable, in words.
    fn expandable(
        &self,
        requirement: &Requirement,
        values: &BTreeMap<String, String>,
    ) -> Result<(), String> {
        let mut missing: Vec<String> = Vec::new();
        for alternative in &requirement.any_of {
            let mut lacking: Vec<String> = Vec::new();
            for record in alternative {
                let mut templates = vec![record.name.as_str()];
                // A DKIM key to compare with is optional: without it any valid key passes.
                if !matches!(record.expect, Expectation::DkimKey { .. }) {
                    templates.extend(record.expect.templates());
                }
                for template in templates {
                    if let Err(name) = expand(template, "x", values)
                        && !lacking.contains(&name)
                    {
                        lacking.push(name);
                    }
                }
            }
            if lacking.is_empty() {
                return Ok(());
            }
            missing.push(
                lacking
                    .iter()
                    .map(|name| format!("{name:?}"))
                    .collect::<Vec<_>>()
                    .join(" and "),
            );
        }
        Err(format!("the parameter {}", missing.join(", or ")))
    }

    /// The host SPF must authorise at the domain itself, if the profile requires it there.
    pub fn spf_include(&self) -> Option<&str> {
        self.plain_records()
            .find_map(|record| match &record.expect {
                Expectation::SpfInclude(include) if record.name == "{domain}" => {
                    Some(include.as_str())
                }
                _ => None,
            })
    }

    /// The DKIM selectors delegated by CNAME (the short form's `dkim`).
    pub fn dkim(&self) -> Vec<DkimSelector> {
        self.plain_records()
            .filter_map(|record| match &record.expect {
                Expectation::DkimCname(target) => Some(DkimSelector {
                    selector: record
                        .name
                        .strip_suffix("._domainkey.{domain}")
                        .unwrap_or(&record.name)
                        .to_string(),
                    cname: target.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether a valid DMARC record is required.
    pub fn dmarc(&self) -> bool {
        self.plain_records()
            .any(|record| matches!(record.expect, Expectation::Dmarc { .. }))
    }

    /// The ownership TXT template, if the profile asks for one.
    pub fn verification(&self) -> Option<&str> {
        self.plain_records()
            .find_map(|record| match &record.expect {
                Expectation::VerificationTxt(template) => Some(template.as_str()),
                _ => None,
            })
    }

    /// The DKIM selector names (templates) of every DKIM record, in any alternative.
    pub fn dkim_names(&self) -> impl Iterator<Item = &str> {
        self.requirements
            .iter()
            .flat_map(Requirement::templates)
            .filter(|record| record.expect.kind() == RecordKind::Dkim)
            .map(|record| record.name.as_str())
    }

    /// The records of required requirements that have a single alternative of one record.
    fn plain_records(&self) -> impl Iterator<Item = &RecordTemplate> {
        self.requirements
            .iter()
            .filter(|r| r.required && r.any_of.len() == 1 && r.any_of[0].len() == 1)
            .map(|r| &r.any_of[0][0])
    }
}

/// The profile files built in, embedded from `profiles/`.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "profiles/brevo.toml",
        include_str!("../../profiles/brevo.toml"),
    ),
    (
        "profiles/google.toml",
        include_str!("../../profiles/google.toml"),
    ),
    (
        "profiles/mailgun.toml",
        include_str!("../../profiles/mailgun.toml"),
    ),
    (
        "profiles/mailjet.toml",
        include_str!("../../profiles/mailjet.toml"),
    ),
    (
        "profiles/mandrill.toml",
        include_str!("../../profiles/mandrill.toml"),
    ),
    (
        "profiles/microsoft365.toml",
        include_str!("../../profiles/microsoft365.toml"),
    ),
    (
        "profiles/postmark.toml",
        include_str!("../../profiles/postmark.toml"),
    ),
    (
        "profiles/resend.toml",
        include_str!("../../profiles/resend.toml"),
    ),
    (
        "profiles/sendgrid.toml",
        include_str!("../../profiles/sendgrid.toml"),
    ),
    (
        "profiles/sendgrid-manual.toml",
        include_str!("../../profiles/sendgrid-manual.toml"),
    ),
    ("profiles/ses.toml", include_str!("../../profiles/ses.toml")),
    (
        "profiles/sparkpost.toml",
        include_str!("../../profiles/sparkpost.toml"),
    ),
];

/// Every profile the process knows: the built-in ones plus those configured (a directory of
/// profile files, the config file's tables), which may replace a built-in one of the same name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profiles {
    by_name: BTreeMap<String, Profile>,
}

impl Default for Profiles {
    /// The built-in profiles. They are data compiled in, checked by a unit test: a file that
    /// does not load is a build mistake, left out here rather than a crash.
    fn default() -> Self {
        let by_name = BUILT_IN
            .iter()
            .filter_map(|(file, text)| Profile::from_file(file, text).ok())
            .map(|profile| (profile.name.clone(), profile))
            .collect();
        Profiles { by_name }
    }
}

impl Profiles {
    /// One built-in profile.
    pub fn built_in(name: &str) -> Option<Profile> {
        Profiles::default().by_name.remove(name)
    }

    /// The built-in profiles, then the files of `dir` (`*.toml`, in name order), then the
    /// config file's tables; a later one replaces an earlier one of the same name.
    pub fn configured(
        dir: Option<&std::path::Path>,
        tables: impl IntoIterator<Item = (String, ConfiguredProfile)>,
    ) -> Result<Self, ProfileError> {
        let mut profiles = Profiles::default();
        if let Some(dir) = dir {
            for profile in file::load_dir(dir)? {
                profiles.by_name.insert(profile.name.clone(), profile);
            }
        }
        for (name, table) in tables {
            let profile = table.into_profile(&name)?;
            profiles.by_name.insert(name, profile);
        }
        Ok(profiles)
    }

    /// The built-in profiles with the config file's short-form tables added.
    pub fn with_configured(
        configured: impl IntoIterator<Item = (String, RawProfile)>,
    ) -> Result<Self, ProfileError> {
        Self::configured(
            None,
            configured
                .into_iter()
                .map(|(name, raw)| (name, ConfiguredProfile::Short(raw))),
        )
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.by_name.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.by_name.values()
    }
}

#[cfg(test)]
mod tests;
