//! Profile files and config tables: the written forms of a profile, read and validated into
//! `Profile`. Every rule a loaded profile relies on is checked here, so a bad file fails at
//! start-up with the file, the record and the problem named, never at check time.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    Condition, Expectation, MxHost, Param, Pattern, PolicyLevel, Profile, RecordKind,
    RecordTemplate, Requirement, TOKEN_PARAM, expand, placeholders,
};
use crate::domain::DomainName;

/// One DKIM key the provider signs with, published by the customer as a CNAME (short form).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimSelector {
    pub selector: String,
    pub cname: String,
}

/// A profile as written in the config file's `[profiles.NAME]` table in the short form of
/// docs/reference.md.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub spf_include: Option<String>,
    #[serde(default)]
    pub dkim: Vec<DkimSelector>,
    #[serde(default)]
    pub dmarc: bool,
    pub verification: Option<String>,
}

/// A `[profiles.NAME]` table of the config file: the short form, or the full form of a profile
/// file (told apart by its `records`).
#[derive(Clone, Debug, PartialEq)]
pub enum ConfiguredProfile {
    Short(RawProfile),
    Full(toml::Table),
}

impl ConfiguredProfile {
    /// Reads a config table in whichever form it is written. A short-form table with a
    /// mistake is kept as written, for `into_profile` to report with the profile's name.
    pub fn from_table(table: toml::Table) -> Self {
        if table.contains_key("records") {
            return ConfiguredProfile::Full(table);
        }
        match RawProfile::deserialize(toml::Value::Table(table.clone())) {
            Ok(raw) => ConfiguredProfile::Short(raw),
            Err(_) => ConfiguredProfile::Full(table),
        }
    }

    /// The profile, validated; `name` is the table's name.
    pub fn into_profile(self, name: &str) -> Result<Profile, ProfileError> {
        match self {
            ConfiguredProfile::Short(raw) => Profile::from_raw(name, raw),
            ConfiguredProfile::Full(mut table) => {
                let file = format!("the config file's [profiles.{name}]");
                if !table.contains_key("records") {
                    // A short-form table with a mistake: report it as serde sees it.
                    return RawProfile::deserialize(toml::Value::Table(table))
                        .map_err(|error| ProfileError::BadFile {
                            file,
                            reason: error.to_string(),
                        })
                        .and_then(|raw| Profile::from_raw(name, raw));
                }
                match table.get("name") {
                    None => {
                        table.insert("name".into(), toml::Value::String(name.into()));
                    }
                    Some(toml::Value::String(given)) if given == name => {}
                    Some(other) => {
                        return Err(ProfileError::BadFile {
                            file,
                            reason: format!("name = {other} differs from the table's name"),
                        });
                    }
                }
                if !table.contains_key("title") {
                    table.insert("title".into(), toml::Value::String(name.into()));
                }
                let parsed =
                    ProfileFile::deserialize(toml::Value::Table(table)).map_err(|error| {
                        ProfileError::BadFile {
                            file: file.clone(),
                            reason: error.to_string(),
                        }
                    })?;
                Profile::validate(&file, parsed)
            }
        }
    }
}

/// Why a profile cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("profile name {0:?} must be 1 to 64 characters of a-z, 0-9, '-' and '_'")]
    BadName(String),
    #[error("profile {profile}: spf_include {value:?} is not a valid host name")]
    BadSpfInclude { profile: String, value: String },
    #[error("profile {profile}: DKIM selector {value:?} must be DNS labels of a-z, 0-9, '-', '_'")]
    BadSelector { profile: String, value: String },
    #[error("profile {profile}: DKIM cname {value:?} is not a valid host name")]
    BadCname { profile: String, value: String },
    #[error("profile {profile}: verification {value:?} must contain {{token}} exactly once")]
    BadVerification { profile: String, value: String },
    #[error("profile {profile} requires nothing: give it spf_include, dkim, dmarc or verification")]
    Empty { profile: String },
    #[error("profile file {file}: {reason}")]
    BadFile { file: String, reason: String },
    #[error("profile file {file}, record {record} ({kind} at {name}): {problem}")]
    BadRecord {
        file: String,
        record: String,
        kind: String,
        name: String,
        problem: String,
    },
}

/// A profile file (`profiles/*.toml`), as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    title: String,
    #[serde(default)]
    docs: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, ParamFile>,
    #[serde(default)]
    records: Vec<RecordFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamFile {
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    default: Option<String>,
}

/// `when = "name"`, `when = "name=value"` or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum When {
    One(String),
    All(Vec<String>),
}

/// One `[[records]]` table of a profile file, or one record of an `any_of` alternative.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    kind: Option<String>,
    name: Option<String>,
    include: Option<String>,
    cname: Option<String>,
    key: Option<String>,
    key_type: Option<String>,
    hosts: Option<Vec<String>>,
    value: Option<String>,
    min_policy: Option<String>,
    required: Option<bool>,
    when: Option<When>,
    any_of: Option<Vec<Vec<RecordFile>>>,
}

impl RecordFile {
    /// The value fields written, by name.
    fn fields(&self) -> Vec<&'static str> {
        [
            ("include", self.include.is_some()),
            ("cname", self.cname.is_some()),
            ("key", self.key.is_some()),
            ("key_type", self.key_type.is_some()),
            ("hosts", self.hosts.is_some()),
            ("value", self.value.is_some()),
            ("min_policy", self.min_policy.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, present)| present.then_some(field))
        .collect()
    }
}

/// Checks one record's fields and turns it into a template; `bad` makes the error.
fn record_template(
    record: &RecordFile,
    params: &BTreeMap<String, Param>,
    bad: &dyn Fn(String) -> ProfileError,
) -> Result<RecordTemplate, ProfileError> {
    let kind_text = record
        .kind
        .as_deref()
        .ok_or_else(|| bad("a record needs kind".to_string()))?;
    let kind = RecordKind::parse(kind_text).ok_or_else(|| {
        bad(format!(
            "unknown kind {kind_text:?}: spf, dkim, dmarc, verification, cname, mx or txt"
        ))
    })?;
    let name = record
        .name
        .as_deref()
        .ok_or_else(|| bad("a record needs name".to_string()))?
        .to_ascii_lowercase();
    if name != "{domain}" && !name.ends_with(".{domain}") {
        return Err(bad(format!(
            "name {name:?} must be {{domain}} or end in .{{domain}}: a profile judges records \
             within the customer's domain"
        )));
    }
    check_placeholders(&name, params, bad)?;
    let allowed: &[&str] = match kind {
        RecordKind::Spf => &["include"],
        RecordKind::Dkim => &["cname", "key", "key_type"],
        RecordKind::Cname => &["cname"],
        RecordKind::Mx => &["hosts"],
        RecordKind::Txt | RecordKind::Verification => &["value"],
        RecordKind::Dmarc => &["min_policy"],
    };
    if let Some(field) = record.fields().into_iter().find(|f| !allowed.contains(f)) {
        return Err(bad(format!(
            "a {kind} record takes no {field} (it takes: {})",
            if allowed.is_empty() {
                "nothing".to_string()
            } else {
                allowed.join(", ")
            }
        )));
    }
    let host = |value: &Option<String>, field: &str| -> Result<String, ProfileError> {
        let value = value
            .as_ref()
            .ok_or_else(|| bad(format!("a {kind} record needs {field}")))?;
        host_template(value, field, params, bad)
    };
    let text = |value: &Option<String>| -> Result<String, ProfileError> {
        let value = value
            .as_ref()
            .ok_or_else(|| bad(format!("a {kind} record needs value")))?;
        if value.is_empty() || value.trim() != value {
            return Err(bad(format!(
                "value {value:?} must be non-empty without surrounding white space"
            )));
        }
        check_placeholders(value, params, bad)?;
        Ok(value.clone())
    };
    let expect = match kind {
        RecordKind::Spf => Expectation::SpfInclude(host(&record.include, "include")?),
        RecordKind::Dkim => {
            if !name.contains("._domainkey.") {
                return Err(bad(format!(
                    "a dkim record's name must be SELECTOR._domainkey.…, not {name:?}"
                )));
            }
            match &record.cname {
                Some(_) if record.key.is_some() || record.key_type.is_some() => {
                    return Err(bad(
                        "a dkim record is either a CNAME (cname) or a TXT key (key, key_type), \
                         not both: use any_of for either"
                            .to_string(),
                    ));
                }
                Some(_) => Expectation::DkimCname(host(&record.cname, "cname")?),
                None => {
                    if let Some(key) = &record.key {
                        check_placeholders(key, params, bad)?;
                    }
                    let key_type = record.key_type.as_deref().map(str::to_ascii_lowercase);
                    if let Some(key_type) = &key_type
                        && !matches!(key_type.as_str(), "rsa" | "ed25519")
                    {
                        return Err(bad(format!(
                            "key_type {key_type:?} must be rsa or ed25519 (RFC 6376, RFC 8463)"
                        )));
                    }
                    Expectation::DkimKey {
                        key: record.key.clone(),
                        key_type,
                    }
                }
            }
        }
        RecordKind::Cname => Expectation::Cname(host(&record.cname, "cname")?),
        RecordKind::Mx => {
            let hosts = record
                .hosts
                .as_ref()
                .filter(|hosts| !hosts.is_empty())
                .ok_or_else(|| {
                    bad("an mx record needs hosts, e.g. [\"10 mx.example.net\"]".into())
                })?;
            let mut parsed = Vec::with_capacity(hosts.len());
            for entry in hosts {
                let (preference, host) = match entry.split_once(' ') {
                    Some((preference, host)) => {
                        let preference = preference.parse::<u16>().map_err(|_| {
                            bad(format!(
                                "MX host {entry:?} must be \"HOST\" or \"PREFERENCE HOST\" with a \
                                 preference of 0 to 65535"
                            ))
                        })?;
                        (Some(preference), host.trim())
                    }
                    None => (None, entry.as_str()),
                };
                parsed.push(MxHost {
                    preference,
                    host: host_template(host, "hosts", params, bad)?,
                });
            }
            Expectation::Mx(parsed)
        }
        RecordKind::Txt => Expectation::Txt(text(&record.value)?),
        RecordKind::Verification => Expectation::VerificationTxt(text(&record.value)?),
        RecordKind::Dmarc => {
            if !name.starts_with("_dmarc.") {
                return Err(bad(format!(
                    "a dmarc record's name must start with _dmarc., not {name:?}"
                )));
            }
            let min_policy = match record.min_policy.as_deref() {
                None => None,
                Some("none") => Some(PolicyLevel::None),
                Some("quarantine") => Some(PolicyLevel::Quarantine),
                Some("reject") => Some(PolicyLevel::Reject),
                Some(other) => {
                    return Err(bad(format!(
                        "min_policy {other:?} must be none, quarantine or reject"
                    )));
                }
            };
            Expectation::Dmarc { min_policy }
        }
    };
    Ok(RecordTemplate { name, expect })
}

/// A host-name template: its placeholders declared, and a valid host name once they are
/// filled with a plain label. Normalised to lower case without a trailing dot.
fn host_template(
    value: &str,
    field: &str,
    params: &BTreeMap<String, Param>,
    bad: &dyn Fn(String) -> ProfileError,
) -> Result<String, ProfileError> {
    check_placeholders(value, params, bad)?;
    let sample: BTreeMap<String, String> = params
        .keys()
        .map(|name| (name.clone(), "x".to_string()))
        .collect();
    let filled = expand(value.trim_end_matches('.'), "shop.example", &sample).unwrap_or_default();
    let valid = filled.len() <= 253
        && filled.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(bad(format!("{field} {value:?} is not a valid host name")));
    }
    Ok(value.trim_end_matches('.').to_ascii_lowercase())
}

fn check_placeholders(
    template: &str,
    params: &BTreeMap<String, Param>,
    bad: &dyn Fn(String) -> ProfileError,
) -> Result<(), ProfileError> {
    if template.matches('{').count() != template.matches('}').count() {
        return Err(bad(format!("unbalanced braces in {template:?}")));
    }
    match placeholders(template)
        .find(|name| !matches!(*name, "domain" | "domain_dashed") && !params.contains_key(*name))
    {
        Some(unknown) => Err(bad(format!(
            "{{{unknown}}} in {template:?} is neither {{domain}} nor a declared parameter"
        ))),
        None => Ok(()),
    }
}

fn conditions(
    when: &Option<When>,
    params: &BTreeMap<String, Param>,
    bad: &dyn Fn(String) -> ProfileError,
) -> Result<Vec<Condition>, ProfileError> {
    let written: Vec<&String> = match when {
        None => Vec::new(),
        Some(When::One(one)) => vec![one],
        Some(When::All(all)) => all.iter().collect(),
    };
    written
        .into_iter()
        .map(|text| {
            let condition = match text.split_once('=') {
                Some((name, value)) => Condition::Equals(name.trim().into(), value.trim().into()),
                None => Condition::Given(text.trim().to_string()),
            };
            if params.contains_key(condition.param()) {
                Ok(condition)
            } else {
                Err(bad(format!(
                    "when {text:?} names {:?}, which is not a declared parameter",
                    condition.param()
                )))
            }
        })
        .collect()
}

impl Profile {
    /// Reads and validates a profile file (`file` names it in errors).
    pub fn from_file(file: &str, text: &str) -> Result<Self, ProfileError> {
        let parsed: ProfileFile = toml::from_str(text).map_err(|error| ProfileError::BadFile {
            file: file.to_string(),
            reason: error.to_string(),
        })?;
        Profile::validate(file, parsed)
    }

    fn validate(file: &str, parsed: ProfileFile) -> Result<Self, ProfileError> {
        let file_error = |reason: String| ProfileError::BadFile {
            file: file.to_string(),
            reason,
        };
        if !is_profile_name(&parsed.name) {
            return Err(ProfileError::BadName(parsed.name));
        }
        let mut params = BTreeMap::new();
        for (name, param) in parsed.params {
            if !is_param_name(&name) {
                return Err(file_error(format!(
                    "parameter name {name:?} must be 1 to 64 characters of a-z, 0-9 and '_'"
                )));
            }
            let pattern = match &param.pattern {
                Some(text) => Some(Pattern::new(text).map_err(|error| {
                    file_error(format!(
                        "parameter {name}: pattern {text:?} is not valid: {error}"
                    ))
                })?),
                None => None,
            };
            if let (Some(pattern), Some(default)) = (&pattern, &param.default)
                && !pattern.is_match(default)
            {
                return Err(file_error(format!(
                    "parameter {name}: default {default:?} does not match its pattern"
                )));
            }
            if param.required && param.default.is_some() {
                return Err(file_error(format!(
                    "parameter {name} is required and has a default: give it one or the other"
                )));
            }
            params.insert(
                name,
                Param {
                    description: param.description,
                    required: param.required,
                    pattern,
                    default: param.default,
                },
            );
        }
        let mut requirements = Vec::with_capacity(parsed.records.len());
        for (index, record) in parsed.records.iter().enumerate() {
            let position = (index + 1).to_string();
            let bad_at =
                |record: &RecordFile, position: &str, problem: String| ProfileError::BadRecord {
                    file: file.to_string(),
                    record: position.to_string(),
                    kind: record.kind.clone().unwrap_or_else(|| "any_of".to_string()),
                    name: record.name.clone().unwrap_or_default(),
                    problem,
                };
            let bad = |problem: String| bad_at(record, &position, problem);
            let when = conditions(&record.when, &params, &bad)?;
            let required = record.required.unwrap_or(true);
            let any_of = match &record.any_of {
                None => vec![vec![record_template(record, &params, &bad)?]],
                Some(alternatives) => {
                    if record.kind.is_some() || record.name.is_some() || !record.fields().is_empty()
                    {
                        return Err(bad(
                            "a record with any_of takes only required and when besides it"
                                .to_string(),
                        ));
                    }
                    if alternatives.len() < 2 || alternatives.iter().any(Vec::is_empty) {
                        return Err(bad(
                            "any_of needs at least two alternatives, each of at least one record"
                                .to_string(),
                        ));
                    }
                    let mut parsed = Vec::with_capacity(alternatives.len());
                    for (a, alternative) in alternatives.iter().enumerate() {
                        let mut records = Vec::with_capacity(alternative.len());
                        for (r, inner) in alternative.iter().enumerate() {
                            let position = format!("{position}, alternative {}.{}", a + 1, r + 1);
                            let bad = |problem: String| bad_at(inner, &position, problem);
                            if inner.required.is_some()
                                || inner.when.is_some()
                                || inner.any_of.is_some()
                            {
                                return Err(bad(
                                    "required, when and any_of belong to the record holding \
                                     any_of, not to an alternative"
                                        .to_string(),
                                ));
                            }
                            records.push(record_template(inner, &params, &bad)?);
                        }
                        parsed.push(records);
                    }
                    parsed
                }
            };
            requirements.push(Requirement {
                any_of,
                required,
                when,
            });
        }
        if requirements.iter().all(|requirement| !requirement.required) {
            return Err(ProfileError::Empty {
                profile: parsed.name,
            });
        }
        Ok(Profile {
            name: parsed.name,
            title: parsed.title,
            docs: parsed.docs,
            params,
            requirements,
        })
    }

    /// Validates a profile from the config file's short form and normalises its host names.
    pub fn from_raw(name: &str, raw: RawProfile) -> Result<Self, ProfileError> {
        if !is_profile_name(name) {
            return Err(ProfileError::BadName(name.to_string()));
        }
        let profile = name.to_string();
        let spf_include = raw
            .spf_include
            .map(|value| {
                DomainName::parse(&value)
                    .map(DomainName::into_string)
                    .map_err(|_| ProfileError::BadSpfInclude {
                        profile: profile.clone(),
                        value,
                    })
            })
            .transpose()?;
        let mut requirements: Vec<Requirement> = spf_include
            .into_iter()
            .map(|include| Requirement::record("{domain}", Expectation::SpfInclude(include)))
            .collect();
        for selector in raw.dkim {
            if !is_selector(&selector.selector) {
                return Err(ProfileError::BadSelector {
                    profile,
                    value: selector.selector,
                });
            }
            let cname = DomainName::parse(&selector.cname).map_err(|_| ProfileError::BadCname {
                profile: profile.clone(),
                value: selector.cname.clone(),
            })?;
            requirements.push(Requirement::record(
                format!(
                    "{}._domainkey.{{domain}}",
                    selector.selector.to_ascii_lowercase()
                ),
                Expectation::DkimCname(cname.into_string()),
            ));
        }
        if raw.dmarc {
            requirements.push(Requirement::record(
                "_dmarc.{domain}",
                Expectation::Dmarc { min_policy: None },
            ));
        }
        let mut params = BTreeMap::new();
        if let Some(template) = raw.verification {
            if template.matches("{token}").count() != 1
                || template.trim() != template
                || placeholders(&template).any(|name| name != TOKEN_PARAM)
            {
                return Err(ProfileError::BadVerification {
                    profile,
                    value: template,
                });
            }
            params.insert(
                TOKEN_PARAM.to_string(),
                Param {
                    description: "The ownership token".to_string(),
                    required: false,
                    pattern: None,
                    default: None,
                },
            );
            requirements.push(Requirement {
                when: vec![Condition::Given(TOKEN_PARAM.to_string())],
                ..Requirement::record("{domain}", Expectation::VerificationTxt(template))
            });
        }
        if requirements.is_empty() {
            return Err(ProfileError::Empty { profile });
        }
        Ok(Profile {
            title: profile.clone(),
            name: profile,
            docs: None,
            params,
            requirements,
        })
    }
}

/// The profile files of a directory: every `*.toml`, in name order. Two files defining one
/// profile is an error.
pub fn load_dir(dir: &Path) -> Result<Vec<Profile>, ProfileError> {
    let unreadable = |reason: String| ProfileError::BadFile {
        file: dir.display().to_string(),
        reason,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|error| unreadable(format!("cannot read the profile directory: {error}")))?;
    let mut paths: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut profiles: Vec<(String, Profile)> = Vec::with_capacity(paths.len());
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|error| ProfileError::BadFile {
            file: file.clone(),
            reason: error.to_string(),
        })?;
        let profile = Profile::from_file(&file, &text)?;
        if let Some((other, _)) = profiles.iter().find(|(_, p)| p.name == profile.name) {
            return Err(ProfileError::BadFile {
                file,
                reason: format!("profile {} is also defined by {other}", profile.name),
            });
        }
        profiles.push((file, profile));
    }
    Ok(profiles.into_iter().map(|(_, profile)| profile).collect())
}

fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn is_param_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !matches!(name, "domain" | "domain_dashed")
}

/// A DKIM selector is one or more DNS labels (RFC 6376 §3.1); underscores are common in practice.
fn is_selector(selector: &str) -> bool {
    !selector.is_empty()
        && selector.len() <= 200
        && selector.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
