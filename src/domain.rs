//! Sender domain names: user input (Unicode, upper-case, trailing dot) to a validated A-label.

use std::fmt;
use std::str::FromStr;

use idna::AsciiDenyList;
use serde::{Serialize, Serializer};

/// The longest name DNS can carry, in octets, without the trailing dot (RFC 1035 §2.3.4).
const MAX_NAME_OCTETS: usize = 253;
/// The longest label, in octets.
const MAX_LABEL_OCTETS: usize = 63;

/// Why a string is not a usable sender domain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("domain is empty")]
    Empty,
    #[error("domain {input:?} has an empty label")]
    EmptyLabel { input: String },
    #[error("domain {input:?} has a label longer than 63 octets")]
    LabelTooLong { input: String },
    #[error("domain {input:?} is longer than 253 octets")]
    TooLong { input: String },
    #[error("domain {input:?} has characters not allowed in host names")]
    InvalidCharacters { input: String },
    #[error("domain {input:?} has a label that starts or ends with a hyphen")]
    BadHyphen { input: String },
    #[error("domain {input:?} needs at least two labels, like shop.example")]
    SingleLabel { input: String },
    #[error("domain {input:?} ends in a numeric label: an IP address is not a domain")]
    NumericTld { input: String },
    #[error(
        "domain {input:?} has a character IDNA2008 does not allow ({character}): only letters, \
         marks and digits (RFC 5892)"
    )]
    DisallowedCharacter { input: String, character: String },
    #[error("{input:?} is a public suffix: mail is sent from a domain registered under it")]
    PublicSuffix { input: String },
}

/// A sender domain: lower-case ASCII (IDNA A-label), no trailing dot, a valid host name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    /// Validates and normalises user input: Unicode becomes its A-label, upper-case becomes
    /// lower-case, and one trailing dot is removed.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let without_dot = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if without_dot.is_empty() {
            return Err(DomainError::Empty);
        }
        let shown = || trimmed.chars().take(300).collect::<String>();
        // Check empty labels first: IDNA would silently accept some of them.
        if without_dot.split('.').any(str::is_empty) {
            return Err(DomainError::EmptyLabel { input: shown() });
        }
        let ascii = idna::domain_to_ascii_cow(without_dot.as_bytes(), AsciiDenyList::STD3)
            .map_err(|_| DomainError::InvalidCharacters { input: shown() })?;
        let ascii = ascii.to_ascii_lowercase();
        if ascii.len() > MAX_NAME_OCTETS {
            return Err(DomainError::TooLong { input: shown() });
        }
        let labels: Vec<&str> = ascii.split('.').collect();
        for label in &labels {
            if label.is_empty() {
                return Err(DomainError::EmptyLabel { input: shown() });
            }
            if label.len() > MAX_LABEL_OCTETS {
                return Err(DomainError::LabelTooLong { input: shown() });
            }
            if !label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
            {
                return Err(DomainError::InvalidCharacters { input: shown() });
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(DomainError::BadHyphen { input: shown() });
            }
        }
        if labels.len() < 2 {
            return Err(DomainError::SingleLabel { input: shown() });
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|byte| byte.is_ascii_digit()))
        {
            return Err(DomainError::NumericTld { input: shown() });
        }
        // UTS #46 maps more than IDNA2008 allows (emoji, symbols): every character of a
        // U-label must be a letter, a mark, a digit or a hyphen (RFC 5892's PVALID core).
        for label in &labels {
            let Some(encoded) = label.strip_prefix("xn--") else {
                continue;
            };
            let decoded = idna::punycode::decode_to_string(encoded)
                .ok_or_else(|| DomainError::InvalidCharacters { input: shown() })?;
            if let Some(bad) = decoded.chars().find(|c| !idna2008_allowed(*c)) {
                return Err(DomainError::DisallowedCharacter {
                    input: shown(),
                    character: format!("U+{:04X}", u32::from(bad)),
                });
            }
        }
        Ok(DomainName(ascii))
    }

    /// As `parse`, for a domain mail is sent from: a public suffix (`co.uk`) is refused.
    pub fn parse_sender(input: &str) -> Result<Self, DomainError> {
        let domain = Self::parse(input)?;
        if psl::suffix_str(domain.as_str()) == Some(domain.as_str()) {
            return Err(DomainError::PublicSuffix {
                input: domain.into_string(),
            });
        }
        Ok(domain)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Whether a character may stand in an IDNA2008 label: lower-case and other letters, marks,
/// decimal digits, or the hyphen.
fn idna2008_allowed(character: char) -> bool {
    use unicode_general_category::{GeneralCategory, get_general_category};
    character == '-'
        || matches!(
            get_general_category(character),
            GeneralCategory::LowercaseLetter
                | GeneralCategory::OtherLetter
                | GeneralCategory::ModifierLetter
                | GeneralCategory::NonspacingMark
                | GeneralCategory::SpacingMark
                | GeneralCategory::DecimalNumber
        )
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DomainName {
    type Err = DomainError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        DomainName::parse(input)
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for DomainName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(input: &str, expected: &str) {
        assert_eq!(
            DomainName::parse(input).map(DomainName::into_string),
            Ok(expected.to_string()),
            "input {input:?}"
        );
    }

    fn rejects(input: &str, expected: fn(&DomainError) -> bool) {
        match DomainName::parse(input) {
            Ok(domain) => panic!("{input:?} was accepted as {domain}"),
            Err(error) => assert!(expected(&error), "{input:?} gave {error:?}"),
        }
    }

    #[test]
    fn normalises_case_dots_and_unicode() {
        accepts("shop.example", "shop.example");
        accepts("Shop.EXAMPLE.", "shop.example");
        accepts("  news.shop.example  ", "news.shop.example");
        accepts("bücher.example", "xn--bcher-kva.example");
        accepts("BÜCHER.example.", "xn--bcher-kva.example");
        accepts("xn--bcher-kva.example", "xn--bcher-kva.example");
        accepts("a-b.example", "a-b.example");
    }

    #[test]
    fn rejects_what_is_not_a_host_name() {
        rejects("", |e| matches!(e, DomainError::Empty));
        rejects(".", |e| matches!(e, DomainError::Empty));
        rejects("shop..example", |e| {
            matches!(e, DomainError::EmptyLabel { .. })
        });
        rejects(".shop.example", |e| {
            matches!(e, DomainError::EmptyLabel { .. })
        });
        rejects("shop.example..", |e| {
            matches!(e, DomainError::EmptyLabel { .. })
        });
        rejects(&format!("{}.example", "a".repeat(64)), |e| {
            matches!(e, DomainError::LabelTooLong { .. })
        });
        let long = format!("{}.example", vec!["a".repeat(60); 5].join("."));
        rejects(&long, |e| matches!(e, DomainError::TooLong { .. }));
        rejects("shop_1.example", |e| {
            matches!(e, DomainError::InvalidCharacters { .. })
        });
        rejects("shop example", |e| {
            matches!(e, DomainError::InvalidCharacters { .. })
        });
        rejects("shop.example/x", |e| {
            matches!(e, DomainError::InvalidCharacters { .. })
        });
        rejects("-shop.example", |e| {
            matches!(e, DomainError::BadHyphen { .. })
        });
        rejects("localhost", |e| {
            matches!(e, DomainError::SingleLabel { .. })
        });
        rejects("192.0.2.1", |e| matches!(e, DomainError::NumericTld { .. }));
        // UTS #46 maps these, IDNA2008 does not allow them.
        rejects("\u{1F600}.example", |e| {
            matches!(e, DomainError::DisallowedCharacter { .. })
        });
        rejects("xn--e28h.example", |e| {
            matches!(e, DomainError::DisallowedCharacter { .. })
        });
        rejects("a\u{2665}b.example", |e| {
            matches!(e, DomainError::DisallowedCharacter { .. })
        });
    }

    #[test]
    fn letters_and_marks_of_every_script_are_accepted() {
        accepts("пример.example", "xn--e1afmkfd.example");
        accepts("उदाहरण.example", "xn--p1b6ci4b4b3a.example");
        accepts("例え.example", "xn--r8jz45g.example");
    }

    #[test]
    fn a_sender_domain_is_not_a_public_suffix() {
        assert!(matches!(
            DomainName::parse_sender("co.uk"),
            Err(DomainError::PublicSuffix { .. })
        ));
        assert!(
            DomainName::parse("co.uk").is_ok(),
            "a host name all the same"
        );
        assert!(DomainName::parse_sender("shop.co.uk").is_ok());
        assert!(DomainName::parse_sender("shop.example").is_ok());
    }

    #[test]
    fn a_name_of_exactly_253_octets_is_accepted() {
        // 3 labels of 63 octets, one of 61 and the dots make 253.
        let name = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61)
        );
        assert_eq!(name.len(), 253);
        accepts(&name, &name);
        rejects(&format!("e{name}"), |e| {
            matches!(e, DomainError::TooLong { .. })
        });
    }
}
