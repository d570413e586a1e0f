//! Signs test messages with the fixture keys of `fixtures/dkim/`, whose public halves the
//! fixture DNS server publishes under `signer.example`.

#![allow(dead_code)]

use base64::Engine;
use mail_auth::common::crypto::{Algorithm, Ed25519Key, HashOutput, Sha256, SigningKey};
use mail_auth::common::headers::{HeaderWriter, Writable};
use mail_auth::dkim::{Canonicalization, DkimSigner};
use rsa::pkcs8::DecodePrivateKey;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

pub const DOMAIN: &str = "signer.example";

/// A plain message from signer.example, with CRLF line ends.
pub fn message() -> String {
    "From: Support Test <test@signer.example>\r\n\
     To: support@platform.example\r\n\
     Subject: DKIM test\r\n\
     Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
     Message-ID: <test-1@signer.example>\r\n\
     \r\n\
     Hello,\r\n\
     this is a test message.\r\n"
        .to_string()
}

pub fn pem_der(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/dkim")
        .join(name);
    let pem = std::fs::read_to_string(&path).expect("a fixture key");
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM base64")
}

/// An RSA fixture key signing rsa-sha256 through the `rsa` crate: the verifier's backend
/// (ring) will not sign with the 512-bit key the tests need to prove such keys are refused.
pub struct TestRsaKey(rsa::RsaPrivateKey);

/// The DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl SigningKey for TestRsaKey {
    type Hasher = Sha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        let digest: HashOutput = self.hash(input);
        let mut info = SHA256_DIGEST_INFO.to_vec();
        info.extend_from_slice(digest.as_ref());
        Ok(self
            .0
            .sign(rsa::Pkcs1v15Sign::new_unprefixed(), &info)
            .expect("RSA signing"))
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }
}

pub fn rsa_key(name: &str) -> TestRsaKey {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pem_der(name)));
    TestRsaKey(rsa::RsaPrivateKey::from_pkcs8_der(der.secret_der()).expect("an RSA fixture key"))
}

/// How to sign.
#[derive(Clone, Copy)]
pub struct Signing<'a> {
    pub selector: &'a str,
    pub canonicalization: Canonicalization,
    pub body_length: bool,
    /// Seconds until x=; 0 for no expiry.
    pub expires_in: u64,
}

impl<'a> Signing<'a> {
    pub fn relaxed(selector: &'a str) -> Self {
        Signing {
            selector,
            canonicalization: Canonicalization::Relaxed,
            body_length: false,
            expires_in: 0,
        }
    }

    pub fn simple(selector: &'a str) -> Self {
        Signing {
            canonicalization: Canonicalization::Simple,
            ..Self::relaxed(selector)
        }
    }
}

/// The DKIM-Signature header (with its CRLF) for `message`, signed rsa-sha256 with the
/// 2048-bit fixture key (or the 512-bit one for selector `weak`).
pub fn rsa_signature(message: &str, signing: Signing<'_>) -> String {
    let key = if signing.selector == "weak" {
        rsa_key("rsa512.pem")
    } else {
        rsa_key("rsa2048.pem")
    };
    DkimSigner::from_key(key)
        .domain(DOMAIN)
        .selector(signing.selector)
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .header_canonicalization(signing.canonicalization)
        .body_canonicalization(signing.canonicalization)
        .body_length(signing.body_length)
        .expiration(signing.expires_in)
        .sign(message.as_bytes())
        .expect("signing works")
        .to_header()
}

/// The DKIM-Signature header for `message`, signed ed25519-sha256.
pub fn ed25519_signature(message: &str, signing: Signing<'_>) -> String {
    let key = Ed25519Key::from_pkcs8_maybe_unchecked_der(&pem_der("ed25519.pem"))
        .expect("the Ed25519 key");
    DkimSigner::from_key(key)
        .domain(DOMAIN)
        .selector(signing.selector)
        .headers(["From", "To", "Subject"])
        .header_canonicalization(signing.canonicalization)
        .body_canonicalization(signing.canonicalization)
        .sign(message.as_bytes())
        .expect("signing works")
        .to_header()
}

/// Relaxed header canonicalisation (RFC 6376 §3.4.2) of one header field's value.
fn relaxed_value(value: &str) -> String {
    value
        .replace("\r\n", "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A valid rsa-sha1 signature, relaxed/relaxed, made by hand: mail-auth signs only SHA-256,
/// and RFC 8301 says a verifier must not accept this one even though it verifies.
pub fn rsa_sha1_signature(message: &str) -> String {
    use sha1::{Digest, Sha1};
    let (headers, body) = message.split_once("\r\n\r\n").expect("a header block");
    // Relaxed body: spaces folded, trailing spaces and trailing empty lines removed.
    let mut lines: Vec<String> = body
        .split("\r\n")
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let canonical_body: String = lines.iter().map(|line| format!("{line}\r\n")).collect();
    let engine = base64::engine::general_purpose::STANDARD;
    let body_hash = engine.encode(Sha1::digest(canonical_body.as_bytes()));
    let signed = ["from", "to", "subject"];
    let mut data = String::new();
    for name in signed {
        let line = headers
            .split("\r\n")
            .find(|line| line.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .expect("the header is present");
        let value = &line[name.len() + 1..];
        data.push_str(&format!("{name}:{}\r\n", relaxed_value(value)));
    }
    let value = format!(
        "v=1; a=rsa-sha1; c=relaxed/relaxed; d={DOMAIN}; s=rsa; h=from:to:subject; \
         bh={body_hash}; b="
    );
    data.push_str(&format!("dkim-signature:{}", relaxed_value(&value)));
    let key = rsa::RsaPrivateKey::from_pkcs8_der(&pem_der("rsa2048.pem")).expect("RSA key");
    let digest = Sha1::digest(data.as_bytes());
    let signature = key
        .sign(rsa::Pkcs1v15Sign::new::<Sha1>(), &digest)
        .expect("RSA signing");
    format!("DKIM-Signature: {value}{}\r\n", engine.encode(signature))
}
