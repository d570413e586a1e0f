//! What a sending provider requires of a sender domain, as data: the profile files of
//! `profiles/` (embedded as the built-ins) and the config file's short form. No provider is
//! named in code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::DomainName;

/// The placeholder in a verification template that the domain's token replaces.
pub const TOKEN_PLACEHOLDER: &str = "{token}";

/// One DKIM key the provider signs with, published by the customer as a CNAME.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DkimSelector {
    pub selector: String,
    pub cname: String,
}

/// What must hold of one record, and so which check judges it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// An SPF record that authorises the provider whose record is at this host.
    SpfInclude(String),
    /// A CNAME to this target (a DKIM selector delegated to the provider).
    DkimCname(String),
    /// A valid DMARC record applies.
    Dmarc,
    /// A TXT record equal to this template, `{token}` standing for the registration's token.
    VerificationTxt(String),
}

/// One record a profile requires: where (a name template over `{domain}`) and what must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// `{domain}` for the domain itself, `mte1._domainkey.{domain}`, `_dmarc.{domain}`.
    pub name: String,
    pub expect: Expectation,
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
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub description: String,
    /// Whether a registration must give it.
    #[serde(default)]
    pub required: bool,
    /// What a value must look like (a regular expression, matched against the whole value).
    #[serde(default)]
    pub pattern: Option<String>,
}

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
    #[error("parameter {name:?} does not look like {pattern}")]
    Invalid { name: String, pattern: String },
}

/// The profile files built in, embedded from `profiles/`.
const BUILT_IN: &[(&str, &str)] = &[(
    "profiles/mandrill.toml",
    include_str!("../profiles/mandrill.toml"),
)];

/// A profile file (`profiles/*.toml`), as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    title: String,
    #[serde(default)]
    docs: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, Param>,
    records: Vec<RecordFile>,
}

/// One `[[records]]` table of a profile file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordFile {
    kind: String,
    name: String,
    #[serde(default)]
    include: Option<String>,
    #[serde(default)]
    cname: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

impl Requirement {
    fn spf(include: String) -> Self {
        Requirement {
            name: "{domain}".to_string(),
            expect: Expectation::SpfInclude(include),
        }
    }

    fn dkim(selector: &DkimSelector) -> Self {
        Requirement {
            name: format!("{}._domainkey.{{domain}}", selector.selector),
            expect: Expectation::DkimCname(selector.cname.clone()),
        }
    }

    fn dmarc() -> Self {
        Requirement {
            name: "_dmarc.{domain}".to_string(),
            expect: Expectation::Dmarc,
        }
    }

    fn verification(template: String) -> Self {
        Requirement {
            name: "{domain}".to_string(),
            expect: Expectation::VerificationTxt(template),
        }
    }
}

/// The requirements of the short profile form: SPF, each DKIM selector, DMARC, verification.
fn short_form(
    spf_include: Option<String>,
    dkim: &[DkimSelector],
    dmarc: bool,
    verification: Option<String>,
) -> Vec<Requirement> {
    let mut requirements: Vec<Requirement> =
        spf_include.into_iter().map(Requirement::spf).collect();
    requirements.extend(dkim.iter().map(Requirement::dkim));
    if dmarc {
        requirements.push(Requirement::dmarc());
    }
    requirements.extend(verification.map(Requirement::verification));
    requirements
}

impl Profile {
    /// Checks a registration's parameters: each declared, each matching its pattern, every
    /// required one given.
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
            if let Some(pattern) = &param.pattern {
                let matches = regex::Regex::new(pattern)
                    .map(|regex| regex.is_match(value))
                    .unwrap_or(false);
                if !matches {
                    return Err(ParamError::Invalid {
                        name: name.clone(),
                        pattern: pattern.clone(),
                    });
                }
            }
        }
        if let Some((name, param)) = self
            .params
            .iter()
            .find(|(name, param)| param.required && !params.contains_key(*name))
        {
            return Err(ParamError::Missing {
                profile: self.name.clone(),
                name: name.clone(),
                description: param.description.clone(),
            });
        }
        Ok(())
    }

    /// The host SPF must authorise, if the profile requires SPF.
    pub fn spf_include(&self) -> Option<&str> {
        self.requirements
            .iter()
            .find_map(|requirement| match &requirement.expect {
                Expectation::SpfInclude(include) => Some(include.as_str()),
                _ => None,
            })
    }

    /// The DKIM selectors delegated by CNAME.
    pub fn dkim(&self) -> Vec<DkimSelector> {
        self.requirements
            .iter()
            .filter_map(|requirement| match &requirement.expect {
                Expectation::DkimCname(target) => Some(DkimSelector {
                    selector: requirement
                        .name
                        .strip_suffix("._domainkey.{domain}")
                        .unwrap_or(&requirement.name)
                        .to_string(),
                    cname: target.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether a valid DMARC record is required.
    pub fn dmarc(&self) -> bool {
        self.requirements
            .iter()
            .any(|requirement| requirement.expect == Expectation::Dmarc)
    }

    /// The ownership TXT template, if the profile asks for one.
    pub fn verification(&self) -> Option<&str> {
        self.requirements
            .iter()
            .find_map(|requirement| match &requirement.expect {
                Expectation::VerificationTxt(template) => Some(template.as_str()),
                _ => None,
            })
    }
}

/// A profile as written in the config file's `[profiles.NAME]` table.
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

/// Why a profile from the config file cannot be used.
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
    #[error("profile {profile}, record {record} ({kind} at {name}): {problem}")]
    BadRecord {
        profile: String,
        record: usize,
        kind: String,
        name: String,
        problem: String,
    },
}

impl Profile {
    /// Reads and validates a profile file (`file` names it in errors).
    pub fn from_file(file: &str, text: &str) -> Result<Self, ProfileError> {
        let parsed: ProfileFile = toml::from_str(text).map_err(|error| ProfileError::BadFile {
            file: file.to_string(),
            reason: error.to_string(),
        })?;
        if !is_profile_name(&parsed.name) {
            return Err(ProfileError::BadName(parsed.name));
        }
        for (name, param) in &parsed.params {
            if let Some(pattern) = &param.pattern
                && let Err(error) = regex::Regex::new(pattern)
            {
                return Err(ProfileError::BadFile {
                    file: file.to_string(),
                    reason: format!("parameter {name}: pattern {pattern:?} is not valid: {error}"),
                });
            }
        }
        let mut requirements = Vec::with_capacity(parsed.records.len());
        for (index, record) in parsed.records.iter().enumerate() {
            let bad = |problem: String| ProfileError::BadRecord {
                profile: parsed.name.clone(),
                record: index + 1,
                kind: record.kind.clone(),
                name: record.name.clone(),
                problem,
            };
            let host = |value: &Option<String>, field: &str| -> Result<String, ProfileError> {
                let value = value
                    .as_ref()
                    .ok_or_else(|| bad(format!("a {} record needs {field}", record.kind)))?;
                DomainName::parse(value)
                    .map(DomainName::into_string)
                    .map_err(|_| bad(format!("{field} {value:?} is not a valid host name")))
            };
            let expect = match record.kind.as_str() {
                "spf" => Expectation::SpfInclude(host(&record.include, "include")?),
                "dkim" => Expectation::DkimCname(host(&record.cname, "cname")?),
                "dmarc" => Expectation::Dmarc,
                "verification" => Expectation::VerificationTxt(
                    record
                        .value
                        .clone()
                        .ok_or_else(|| bad("a verification record needs value".to_string()))?,
                ),
                other => {
                    return Err(bad(format!(
                        "unknown kind {other:?}: spf, dkim, dmarc or verification"
                    )));
                }
            };
            for template in [Some(&record.name), record.value.as_ref()]
                .into_iter()
                .flatten()
            {
                if let Some(unknown) = placeholders(template).find(|name| {
                    !matches!(*name, "domain" | "domain_dashed")
                        && !parsed.params.contains_key(*name)
                }) {
                    return Err(bad(format!(
                        "{{{unknown}}} in {template:?} is neither {{domain}} nor a declared \
                         parameter"
                    )));
                }
            }
            requirements.push(Requirement {
                name: record.name.clone(),
                expect,
            });
        }
        if requirements.is_empty() {
            return Err(ProfileError::Empty {
                profile: parsed.name,
            });
        }
        Ok(Profile {
            name: parsed.name,
            title: parsed.title,
            docs: parsed.docs,
            params: parsed.params,
            requirements,
        })
    }

    /// Validates a profile from the config file and normalises its host names.
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
        let mut dkim = Vec::with_capacity(raw.dkim.len());
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
            dkim.push(DkimSelector {
                selector: selector.selector.to_ascii_lowercase(),
                cname: cname.into_string(),
            });
        }
        if let Some(template) = &raw.verification
            && (template.matches(TOKEN_PLACEHOLDER).count() != 1 || template.trim() != template)
        {
            return Err(ProfileError::BadVerification {
                profile,
                value: template.clone(),
            });
        }
        if spf_include.is_none() && dkim.is_empty() && !raw.dmarc && raw.verification.is_none() {
            return Err(ProfileError::Empty { profile });
        }
        let params = if raw.verification.is_some() {
            BTreeMap::from([(
                "token".to_string(),
                Param {
                    description: "The ownership token".to_string(),
                    required: false,
                    pattern: None,
                },
            )])
        } else {
            BTreeMap::new()
        };
        Ok(Profile {
            title: profile.clone(),
            name: profile,
            docs: None,
            params,
            requirements: short_form(spf_include, &dkim, raw.dmarc, raw.verification),
        })
    }
}

fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The `{name}` placeholders of a template.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
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

/// Every profile the process knows: the built-in ones plus those from the config file, which may
/// replace a built-in one of the same name.
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
}

impl Profiles {
    /// The built-in profiles with the configured ones added.
    pub fn with_configured(
        configured: impl IntoIterator<Item = (String, RawProfile)>,
    ) -> Result<Self, ProfileError> {
        let mut profiles = Profiles::default();
        for (name, raw) in configured {
            let profile = Profile::from_raw(&name, raw)?;
            profiles.by_name.insert(name, profile);
        }
        Ok(profiles)
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
mod tests {
    use super::*;

    #[test]
    fn configured_profiles_are_validated_and_normalised() {
        let raw = RawProfile {
            spf_include: Some("SPF.Example.NET.".to_string()),
            dkim: vec![DkimSelector {
                selector: "K1".to_string(),
                cname: "Dkim.Example.net".to_string(),
            }],
            dmarc: true,
            verification: Some("example-verify={token}".to_string()),
        };
        let profiles = Profiles::with_configured([("example".to_string(), raw)]).unwrap();
        let example = profiles.get("example").unwrap();
        assert_eq!(example.spf_include(), Some("spf.example.net"));
        assert_eq!(example.dkim()[0].selector, "k1");
        assert_eq!(example.dkim()[0].cname, "dkim.example.net");
        // The short form becomes requirements in the order their verdicts are shown.
        let names: Vec<&str> = example
            .requirements
            .iter()
            .map(|requirement| requirement.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "{domain}",
                "k1._domainkey.{domain}",
                "_dmarc.{domain}",
                "{domain}"
            ]
        );
        assert!(profiles.get("mandrill").is_some());
        assert_eq!(
            profiles.names().collect::<Vec<_>>(),
            ["example", "mandrill"]
        );
    }

    #[test]
    fn bad_profiles_are_refused_with_a_reason() {
        let bad = |name: &str, raw: RawProfile| Profile::from_raw(name, raw).unwrap_err();
        let dmarc_only = RawProfile {
            dmarc: true,
            ..RawProfile::default()
        };
        assert!(matches!(
            bad("Bad Name", dmarc_only.clone()),
            ProfileError::BadName(_)
        ));
        assert!(matches!(
            bad("p", RawProfile::default()),
            ProfileError::Empty { .. }
        ));
        assert!(matches!(
            bad(
                "p",
                RawProfile {
                    spf_include: Some("not a host".into()),
                    ..dmarc_only.clone()
                }
            ),
            ProfileError::BadSpfInclude { .. }
        ));
        assert!(matches!(
            bad(
                "p",
                RawProfile {
                    verification: Some("verify-without-placeholder".into()),
                    ..dmarc_only.clone()
                }
            ),
            ProfileError::BadVerification { .. }
        ));
        assert!(matches!(
            bad(
                "p",
                RawProfile {
                    dkim: vec![DkimSelector {
                        selector: "bad selector".into(),
                        cname: "dkim.example.net".into()
                    }],
                    ..dmarc_only
                }
            ),
            ProfileError::BadSelector { .. }
        ));
    }

    #[test]
    fn every_built_in_profile_file_loads() {
        for (file, text) in BUILT_IN {
            let profile = Profile::from_file(file, text)
                .unwrap_or_else(|error| panic!("{file} does not load: {error}"));
            assert!(file.ends_with(&format!("{}.toml", profile.name)), "{file}");
        }
        let mandrill = Profiles::built_in("mandrill").expect("mandrill is built in");
        assert_eq!(mandrill.spf_include(), Some("spf.mandrillapp.com"));
        assert_eq!(mandrill.dkim().len(), 2);
        assert!(mandrill.dmarc());
        assert_eq!(mandrill.verification(), Some("mandrill_verify.{token}"));
        // The same requirements as the short form would give, in the same order.
        let short = Profile::from_raw(
            "mandrill",
            RawProfile {
                spf_include: Some("spf.mandrillapp.com".into()),
                dkim: mandrill.dkim(),
                dmarc: true,
                verification: Some("mandrill_verify.{token}".into()),
            },
        )
        .unwrap();
        assert_eq!(short.requirements, mandrill.requirements);
    }

    #[test]
    fn a_broken_profile_file_names_the_record_and_the_problem() {
        let file = |records: &str| {
            format!("name = \"p\"\ntitle = \"P\"\n[params.code]\ndescription = \"x\"\n{records}")
        };
        let error = |records: &str| {
            Profile::from_file("profiles/p.toml", &file(records))
                .unwrap_err()
                .to_string()
        };
        assert!(
            error("[[records]]\nkind = \"mx\"\nname = \"{domain}\"")
                .contains("record 1 (mx at {domain}): unknown kind")
        );
        assert!(
            error("[[records]]\nkind = \"spf\"\nname = \"{domain}\"")
                .contains("a spf record needs include")
        );
        assert!(
            error(
                "[[records]]\nkind = \"verification\"\nname = \"{domain}\"\nvalue = \"v={token}\""
            )
            .contains("{token} in \"v={token}\" is neither {domain} nor a declared parameter")
        );
        assert!(
            error("[[records]]\nkind = \"dkim\"\nname = \"k._domainkey.{domain}\"\ncname = \"not a host\"")
                .contains("cname \"not a host\" is not a valid host name")
        );
        assert!(
            Profile::from_file(
                "profiles/p.toml",
                "name = \"p\"\ntitle = \"P\"\nrecords = []"
            )
            .unwrap_err()
            .to_string()
            .contains("requires nothing")
        );
        assert!(
            Profile::from_file("profiles/p.toml", "name = 1")
                .unwrap_err()
                .to_string()
                .starts_with("profile file profiles/p.toml:")
        );
        // Declared parameters may be used.
        assert!(
            Profile::from_file(
                "profiles/p.toml",
                &file("[[records]]\nkind = \"verification\"\nname = \"{domain}\"\nvalue = \"v={code}\"")
            )
            .is_ok()
        );
    }
}
