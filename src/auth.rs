//! Who may do what. A client presents a named token; each token has one scope, and each scope
//! includes the ones below it: `read` (every GET of `/v1/`, and `/metrics`) < `check` (checks
//! and verdicts that change nothing) < `write` (registrations and test addresses) < `admin`
//! (everything: webhook retries, the audit log). Tokens are kept as SHA-256 digests, so the
//! configuration may hold no secret; a presented token is hashed and compared with every
//! configured digest in constant time. A digest presented as a token is hashed again and so
//! never matches.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token may do; each scope includes those below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Read,
    Check,
    Write,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Check, Scope::Write, Scope::Admin];

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Check => "check",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Whether a token of this scope may do what `needed` guards.
    pub fn allows(self, needed: Scope) -> bool {
        self >= needed
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SHA-256 digest of a token, as configured in `[[tokens]] sha256`.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The 32 bytes of 64 hex digits, either case.
pub fn parse_digest(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[index * 2..index * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// A fresh random token: 32 bytes from the operating system's generator, as 64 hex digits
/// after a `sck_` prefix (so a leaked one is recognisable in a secret scanner).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("sck_{}", hex(&bytes))
}

/// One configured token.
#[derive(Clone, PartialEq, Eq)]
pub struct NamedToken {
    /// Shown in the pages' header and the audit log; never the token.
    pub name: String,
    pub sha256: [u8; 32],
    pub scope: Scope,
}

impl fmt::Debug for NamedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NamedToken({}, {})", self.name, self.scope)
    }
}

/// Every configured token: `[[tokens]]`, and `server.api_token` as the admin token named
/// `api_token`. None at all: no authentication (allowed only on a loopback address).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    tokens: Vec<NamedToken>,
}

impl Tokens {
    pub fn new(tokens: Vec<NamedToken>) -> Self {
        Tokens { tokens }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The token `presented` is, if any: its digest compared with every configured one in
    /// constant time, so neither which token nor how much of it matched shows in the timing.
    pub fn find(&self, presented: &str) -> Option<&NamedToken> {
        let presented = digest(presented.trim());
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.sha256.ct_eq(&presented)) {
                found = Some(token);
            }
        }
        found
    }

    /// The token named `name`.
    pub fn named(&self, name: &str) -> Option<&NamedToken> {
        self.tokens.iter().find(|token| token.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &NamedToken> {
        self.tokens.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(vec![
            NamedToken {
                name: "monitoring".into(),
                sha256: digest("read-token-0123456789"),
                scope: Scope::Read,
            },
            NamedToken {
                name: "ops".into(),
                sha256: digest("admin-token-0123456789"),
                scope: Scope::Admin,
            },
        ])
    }

    #[test]
    fn a_token_is_found_by_its_digest_and_the_digest_itself_is_never_a_token() {
        let tokens = tokens();
        assert_eq!(
            tokens.find("read-token-0123456789").unwrap().name,
            "monitoring"
        );
        assert_eq!(tokens.find(" admin-token-0123456789 ").unwrap().name, "ops");
        assert!(tokens.find("read-token-012345678").is_none());
        assert!(tokens.find("").is_none());
        let hash = hex(&digest("admin-token-0123456789"));
        assert!(tokens.find(&hash).is_none(), "the digest is not the token");
        assert_eq!(
            parse_digest(&hash.to_uppercase()),
            Some(digest("admin-token-0123456789"))
        );
        assert_eq!(parse_digest("abc"), None);
    }

    #[test]
    fn each_scope_includes_those_below_it() {
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Write.allows(Scope::Check));
        assert!(Scope::Check.allows(Scope::Read));
        assert!(!Scope::Read.allows(Scope::Check));
        assert!(!Scope::Write.allows(Scope::Admin));
        assert_eq!(Scope::parse("write"), Some(Scope::Write));
        assert_eq!(Scope::parse("Write"), None);
    }

    #[test]
    fn new_tokens_are_distinct_and_long() {
        let (one, two) = (new_token(), new_token());
        assert_ne!(one, two);
        assert_eq!(one.len(), 4 + 64);
    }
}
