//! What a sending provider requires of a sender domain: the built-in profiles and those from
//! the config file.

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

/// A provider's requirements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: String,
    /// The host SPF must reach through `include:`, if the provider sends from its own servers.
    pub spf_include: Option<String>,
    pub dkim: Vec<DkimSelector>,
    /// Whether a valid DMARC record is required.
    pub dmarc: bool,
    /// The ownership TXT at the domain, with `{token}` standing for the domain's token.
    pub verification: Option<String>,
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
}

impl Profile {
    /// The built-in Mandrill profile, as the contract defines it.
    pub fn mandrill() -> Self {
        Profile {
            name: "mandrill".to_string(),
            spf_include: Some("spf.mandrillapp.com".to_string()),
            dkim: vec![
                DkimSelector {
                    selector: "mte1".to_string(),
                    cname: "dkim1.mandrillapp.com".to_string(),
                },
                DkimSelector {
                    selector: "mte2".to_string(),
                    cname: "dkim2.mandrillapp.com".to_string(),
                },
            ],
            dmarc: true,
            verification: Some("mandrill_verify.{token}".to_string()),
        }
    }

    /// Validates a profile from the config file and normalises its host names.
    pub fn from_raw(name: &str, raw: RawProfile) -> Result<Self, ProfileError> {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !name_ok {
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
        Ok(Profile {
            name: profile,
            spf_include,
            dkim,
            dmarc: raw.dmarc,
            verification: raw.verification,
        })
    }
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
    fn default() -> Self {
        let mandrill = Profile::mandrill();
        Profiles {
            by_name: BTreeMap::from([(mandrill.name.clone(), mandrill)]),
        }
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
        assert_eq!(example.spf_include.as_deref(), Some("spf.example.net"));
        assert_eq!(example.dkim[0].selector, "k1");
        assert_eq!(example.dkim[0].cname, "dkim.example.net");
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
}
