//! Presets (a provider's host, port and security) and hints (plain words for replies support
//! staff meet every day), from the embedded `presets.toml`.

use std::sync::OnceLock;

use serde::Deserialize;

use super::Security;
use crate::text::{Text, codes};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    name: String,
    host: String,
    port: u16,
    security: String,
    #[allow(dead_code)]
    source: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHint {
    code: u16,
    contains: Option<String>,
    #[serde(default)]
    hosts: Vec<String>,
    /// The hint's code (`smtp.hint.…`), worded in the catalogs.
    says: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    preset: Vec<RawPreset>,
    hint: Vec<RawHint>,
}

fn file() -> &'static RawFile {
    static FILE: OnceLock<RawFile> = OnceLock::new();
    FILE.get_or_init(|| {
        toml::from_str(include_str!("presets.toml")).expect("the embedded presets parse")
    })
}

/// Where a preset points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

/// The preset called `name` (`ses-eu-west-1` fills the `ses-{region}` template).
pub fn preset(name: &str) -> Result<Preset, String> {
    let name = name.trim().to_ascii_lowercase();
    for raw in &file().preset {
        let host = match raw.name.split_once("{region}") {
            None if raw.name == name => raw.host.clone(),
            Some((prefix, "")) => match name.strip_prefix(prefix) {
                Some(region)
                    if !region.is_empty()
                        && region
                            .bytes()
                            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') =>
                {
                    raw.host.replace("{region}", region)
                }
                _ => continue,
            },
            _ => continue,
        };
        return Ok(Preset {
            host,
            port: raw.port,
            security: raw
                .security
                .parse()
                .expect("the embedded presets' security parses"),
        });
    }
    Err(format!(
        "unknown preset {name:?}: known are {}",
        names().join(", ")
    ))
}

/// Every preset's name.
pub fn names() -> Vec<String> {
    file()
        .preset
        .iter()
        .map(|raw| raw.name.replace("{region}", "REGION"))
        .collect()
}

/// The plain explanation of a reply from `host`, if one is known.
pub fn hint(code: u16, text: &str, host: &str) -> Option<Text> {
    let text = text.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    file()
        .hint
        .iter()
        .find(|hint| {
            hint.code == code
                && hint
                    .contains
                    .as_deref()
                    .is_none_or(|needle| text.contains(&needle.to_ascii_lowercase()))
                && (hint.hosts.is_empty()
                    || hint
                        .hosts
                        .iter()
                        .any(|suffix| host == *suffix || host.ends_with(&format!(".{suffix}"))))
        })
        .and_then(|hint| codes::find(&hint.says))
        .map(|code| Text::new(code.code, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fill_host_port_and_security() {
        assert_eq!(
            preset("gmail").unwrap(),
            Preset {
                host: "smtp.gmail.com".into(),
                port: 587,
                security: Security::Starttls
            }
        );
        assert_eq!(preset("office365").unwrap().host, "smtp.office365.com");
        assert_eq!(
            preset("ses-eu-west-1").unwrap().host,
            "email-smtp.eu-west-1.amazonaws.com"
        );
        assert_eq!(preset("zoho").unwrap().security, Security::Tls);
        let unknown = preset("hotmale").unwrap_err();
        assert!(
            unknown.contains("gmail") && unknown.contains("ses-REGION"),
            "{unknown}"
        );
        assert!(preset("ses-").is_err());
    }

    #[test]
    fn known_replies_are_explained_for_their_provider_only() {
        let gmail = hint(
            534,
            "5.7.9 Application-specific password required",
            "smtp.gmail.com",
        );
        assert!(gmail.unwrap().en().contains("app password"));
        assert!(
            hint(
                535,
                "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled",
                "smtp.office365.com"
            )
            .unwrap()
            .en()
            .contains("SMTP AUTH is disabled")
        );
        assert!(
            hint(
                530,
                "5.7.0 Must issue a STARTTLS command first",
                "mx.example"
            )
            .unwrap()
            .en()
            .contains("starttls")
        );
        // Google's app-password words are not shown for another provider's 535.
        let other = hint(535, "5.7.8 Error: authentication failed", "smtp.example")
            .unwrap()
            .en();
        assert!(!other.contains("Google"), "{other}");
        assert_eq!(hint(250, "OK", "smtp.example"), None);
    }

    #[test]
    fn every_hint_names_a_code_without_parameters() {
        for hint in &file().hint {
            let code =
                codes::find(&hint.says).unwrap_or_else(|| panic!("{:?} is not a code", hint.says));
            assert!(code.code.starts_with("smtp.hint."), "{}", code.code);
            assert!(code.params.is_empty(), "{} takes parameters", code.code);
        }
    }
}
