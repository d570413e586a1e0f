//! Sessions and CSRF tokens for the web pages, stateless: a session cookie is
//! `ID.EXPIRES.NAME.MAC` with MAC = HMAC-SHA256(key, "session|ID|EXPIRES|NAME|DIGEST"), NAME
//! being the token signed in with (empty before sign-in) and DIGEST that token's SHA-256 as
//! configured now — so a session ends when its token is removed or changed (SIGHUP) — and a
//! form's CSRF token is
//! HMAC-SHA256(key, "csrf|ID): bound to the session, so a page of another site can neither read
//! nor forge it. The cookie is HttpOnly and SameSite=Strict, and Secure when the request came
//! through a TLS proxy (`X-Forwarded-Proto: https`).
//!
//! The key is derived (HKDF-SHA256) from configured secret material — `server.session_key`,
//! else the API token — so every replica behind a load balancer reads the others' cookies, and
//! a restart keeps sessions. Without either (the token-less loopback mode) it is drawn at
//! start-up.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::auth::{NamedToken, Tokens};

/// The session cookie's name.
pub const COOKIE: &str = "sendercheck_session";
/// How long a session lasts.
const LIFETIME_SECONDS: u64 = 12 * 60 * 60;

/// The key sessions and CSRF tokens are signed with.
pub struct Keys {
    key: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            key: rand::random(),
        }
    }
}

impl Keys {
    /// The key every replica configured with `secret` derives alike (HKDF-SHA256, RFC 5869,
    /// with a label of its own so the key is not the secret's other uses).
    pub fn derived(secret: &[u8]) -> Self {
        let hkdf = hkdf::Hkdf::<Sha256>::new(Some(b"sendercheck web sessions"), secret);
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8,160-byte limit: this cannot fail.
        let _ = hkdf.expand(b"session and CSRF MAC key v1", &mut key);
        Keys { key }
    }
}

/// A verified session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub expires: u64,
    /// The token signed in with, as configured now; `None` before sign-in.
    pub token: Option<NamedToken>,
}

impl Session {
    /// The signed-in token's scope.
    pub fn scope(&self) -> Option<crate::auth::Scope> {
        self.token.as_ref().map(|token| token.scope)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

impl Keys {
    fn mac(&self, message: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// A new session, signed in with `token` or anonymous.
    pub fn issue(&self, token: Option<NamedToken>) -> Session {
        let id: [u8; 16] = rand::random();
        Session {
            id: hex(&id),
            expires: now() + LIFETIME_SECONDS,
            token,
        }
    }

    fn session_mac(&self, id: &str, expires: &str, token: Option<&NamedToken>) -> String {
        let (name, digest) = token.map_or((String::new(), String::new()), |token| {
            (token.name.clone(), hex(&token.sha256))
        });
        self.mac(&format!("session|{id}|{expires}|{name}|{digest}"))
    }

    /// The cookie value of a session.
    pub fn cookie_value(&self, session: &Session) -> String {
        let expires = session.expires.to_string();
        let mac = self.session_mac(&session.id, &expires, session.token.as_ref());
        let name = session
            .token
            .as_ref()
            .map_or("", |token| token.name.as_str());
        format!("{}.{expires}.{name}.{mac}", session.id)
    }

    /// The session a request's cookie holds, when it is ours, intact, not expired, and signed
    /// in (if at all) with a token `tokens` still has, unchanged.
    pub fn session(&self, headers: &HeaderMap, tokens: &Tokens) -> Option<Session> {
        let value = cookie(headers, COOKIE)?;
        // Token names may hold dots: the name is what lies between the second dot and the last.
        let (rest, mac) = value.rsplit_once('.')?;
        let mut parts = rest.splitn(3, '.');
        let (id, expires, name) = (parts.next()?, parts.next()?, parts.next()?);
        let token = match name {
            "" => None,
            name => Some(tokens.named(name)?.clone()),
        };
        let expected = self.session_mac(id, expires, token.as_ref());
        if !bool::from(expected.as_bytes().ct_eq(mac.as_bytes())) {
            return None;
        }
        let expires: u64 = expires.parse().ok()?;
        if expires <= now() {
            return None;
        }
        Some(Session {
            id: id.to_string(),
            expires,
            token,
        })
    }

    /// The CSRF token forms of this session carry.
    pub fn csrf(&self, session: &Session) -> String {
        self.mac(&format!("csrf|{}", session.id))
    }

    /// Whether a submitted CSRF token is this session's.
    pub fn csrf_matches(&self, session: &Session, presented: &str) -> bool {
        bool::from(self.csrf(session).as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// The `Set-Cookie` header for a session.
pub fn set_cookie(keys: &Keys, session: &Session, headers: &HeaderMap) -> HeaderValue {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"));
    let value = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={LIFETIME_SECONDS}{}",
        keys.cookie_value(session),
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` header that ends a session.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("sendercheck_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// One cookie's value.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Scope, digest};

    fn token(name: &str, secret: &str, scope: Scope) -> NamedToken {
        NamedToken {
            name: name.to_string(),
            sha256: digest(secret),
            scope,
        }
    }

    fn tokens() -> Tokens {
        Tokens::new(vec![
            token("ops.team", "admin-token-0123456789", Scope::Admin),
            token("support", "read-token-0123456789", Scope::Read),
        ])
    }

    #[test]
    fn replicas_with_the_same_secret_read_each_others_sessions() {
        let one = Keys::derived(b"the api token");
        let other = Keys::derived(b"the api token");
        let session = one.issue(tokens().named("ops.team").cloned());
        let cookie = one.cookie_value(&session);
        assert_eq!(
            other.session(&with_cookie(&cookie), &tokens()),
            Some(session.clone())
        );
        assert!(other.csrf_matches(&session, &one.csrf(&session)));
        let stranger = Keys::derived(b"another token");
        assert_eq!(stranger.session(&with_cookie(&cookie), &tokens()), None);
        assert_eq!(
            Keys::default().session(&with_cookie(&cookie), &tokens()),
            None
        );
    }

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE}={value}")).unwrap(),
        );
        headers
    }

    #[test]
    fn a_session_survives_its_cookie_and_nothing_forged_does() {
        let keys = Keys::default();
        let tokens = tokens();
        let session = keys.issue(tokens.named("support").cloned());
        let value = keys.cookie_value(&session);
        assert_eq!(
            keys.session(&with_cookie(&value), &tokens),
            Some(session.clone())
        );
        assert_eq!(session.scope(), Some(Scope::Read));
        // Promoting a session to another token by editing the name breaks the MAC.
        let promoted = value.replacen(".support.", ".ops.team.", 1);
        assert_eq!(keys.session(&with_cookie(&promoted), &tokens), None);
        let anonymous = keys.cookie_value(&keys.issue(None));
        let (head, mac) = anonymous.rsplit_once('.').unwrap();
        let named = format!("{}support.{mac}", &head[..head.len()]);
        assert_eq!(keys.session(&with_cookie(&named), &tokens), None);
        // Another process's key, garbage, and an expired session are refused.
        assert_eq!(Keys::default().session(&with_cookie(&value), &tokens), None);
        assert_eq!(keys.session(&with_cookie("a.b.c"), &tokens), None);
        let old = Session {
            expires: 1,
            ..session.clone()
        };
        assert_eq!(
            keys.session(&with_cookie(&keys.cookie_value(&old)), &tokens),
            None
        );
        // CSRF tokens are bound to the session.
        let csrf = keys.csrf(&session);
        assert!(keys.csrf_matches(&session, &csrf));
        assert!(!keys.csrf_matches(&keys.issue(None), &csrf));
        assert!(!keys.csrf_matches(&session, ""));
    }

    #[test]
    fn a_session_ends_when_its_token_is_removed_or_changed() {
        let keys = Keys::default();
        let session = keys.issue(tokens().named("support").cloned());
        let value = keys.cookie_value(&session);
        let removed = Tokens::new(vec![token(
            "ops.team",
            "admin-token-0123456789",
            Scope::Admin,
        )]);
        assert_eq!(keys.session(&with_cookie(&value), &removed), None);
        let rotated = Tokens::new(vec![token(
            "support",
            "new-read-token-0123456789",
            Scope::Read,
        )]);
        assert_eq!(keys.session(&with_cookie(&value), &rotated), None);
        // A changed scope applies at once: the session reads the scope configured now.
        let promoted = Tokens::new(vec![token(
            "support",
            "read-token-0123456789",
            Scope::Write,
        )]);
        let kept = keys.session(&with_cookie(&value), &promoted).unwrap();
        assert_eq!(kept.scope(), Some(Scope::Write));
    }
}
