//! RSA-SHA256 DKIM signatures checked against a key parsed once per key record.
//!
//! mail-auth hands ring the key's bytes for every message, and ring parses the modulus and
//! works out its Montgomery constants again each time: about a third of an RSA-2048
//! verification here. Here the record's parse (kept by `dkim::parsed_key`) holds the key
//! parsed by aws-lc, whose RSA keeps those constants with the key, and a verification takes
//! about 18 µs against ring's 25 µs on this machine. The verdicts are the same: aws-lc is given
//! exactly the bytes mail-auth gives ring (the `RSAPublicKey` inside the record's
//! `SubjectPublicKeyInfo`, found the way mail-auth finds it), with the same rule (PKCS #1 v1.5,
//! SHA-256, a modulus of 1024 to 8192 bits, a signature as long as the modulus). Anything else
//! — RSA-SHA1, a key aws-lc will not parse, bytes that are not an `RSAPublicKey` — stays with
//! mail-auth's own key, as before.

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY};
use mail_auth::common::crypto::{Algorithm, CryptoError, VerifyingKey};
use mail_auth::dkim::Canonicalization;

/// mail-auth's key, as `DomainKey::p` holds it.
pub(super) type TheirKey = Box<dyn VerifyingKey + Send + Sync>;

/// A published RSA key, parsed once, with mail-auth's own key for what it keeps answering.
pub(super) struct RsaKey {
    sha256: ParsedPublicKey,
    theirs: TheirKey,
}

impl RsaKey {
    /// The key of a record's `p=` (decoded) in place of mail-auth's `theirs`; `theirs` itself
    /// when aws-lc would not be given the very key ring is.
    pub(super) fn wrap(public: &[u8], theirs: TheirKey) -> TheirKey {
        match parse(public) {
            Some(sha256) => Box::new(RsaKey { sha256, theirs }),
            None => theirs,
        }
    }
}

/// The key aws-lc parses from the bytes ring is given, when those are an `RSAPublicKey` (RFC
/// 8017 A.1.1: a SEQUENCE opening with the modulus, an INTEGER) and aws-lc takes it. aws-lc
/// would try anything else as a `SubjectPublicKeyInfo` too, which ring is never given.
fn parse(public: &[u8]) -> Option<ParsedPublicKey> {
    let bytes = ring_input(public);
    if !is_rsa_public_key(bytes) {
        return None;
    }
    ParsedPublicKey::new(&RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, bytes).ok()
}

fn failed() -> mail_auth::Error {
    mail_auth::Error::Crypto(CryptoError::FailedVerification)
}

impl VerifyingKey for RsaKey {
    fn verify<'a>(
        &self,
        headers: &mut dyn Iterator<Item = (&'a [u8], &'a [u8])>,
        signature: &[u8],
        canonicalization: Canonicalization,
        algorithm: Algorithm,
    ) -> mail_auth::Result<()> {
        if algorithm != Algorithm::RsaSha256 {
            return self
                .theirs
                .verify(headers, signature, canonicalization, algorithm);
        }
        let mut data = Vec::with_capacity(256);
        canonicalization.canonicalize_headers(headers, &mut data);
        self.sha256
            .verify_sig(&data, signature)
            .map_err(|_| failed())
    }

    fn verify_bytes(
        &self,
        input: &[u8],
        signature: &[u8],
        algorithm: Algorithm,
    ) -> mail_auth::Result<()> {
        if algorithm != Algorithm::RsaSha256 {
            return self.theirs.verify_bytes(input, signature, algorithm);
        }
        self.sha256
            .verify_sig(input, signature)
            .map_err(|_| failed())
    }

    fn public_key_bits(&self) -> usize {
        self.theirs.public_key_bits()
    }
}

/// Whether `bytes` are shaped as an `RSAPublicKey`: a SEQUENCE whose first element is an
/// INTEGER (the structure only; aws-lc judges the values).
fn is_rsa_public_key(bytes: &[u8]) -> bool {
    use rsa::pkcs1::der::Decode;
    rsa::pkcs1::RsaPublicKey::from_der(bytes).is_ok()
}

/// The bytes mail-auth 0.13 gives ring for a record's `p=`: what follows the BIT STRING header
/// of a `SubjectPublicKeyInfo` whose `AlgorithmIdentifier` is 13 bytes long (rsaEncryption with
/// its NULL parameters), else `p=` as it is. Mirrors mail-auth's `try_strip_rsa_prefix`,
/// quirks included (the algorithm's identifier is not compared, the BIT STRING's length not
/// checked), so both libraries see one key.
fn ring_input(public: &[u8]) -> &[u8] {
    strip_spki(public).unwrap_or(public)
}

fn strip_spki(bytes: &[u8]) -> Option<&[u8]> {
    const SEQUENCE: u8 = 0x30;
    const OBJECT_ID: u8 = 0x06;
    const BIT_STRING: u8 = 0x03;
    if *bytes.first()? != SEQUENCE {
        return None;
    }
    let (_, bytes) = der_length(&bytes[1..])?;
    if *bytes.first()? != SEQUENCE {
        return None;
    }
    let (algorithm_length, bytes) = der_length(&bytes[1..])?;
    if *bytes.first()? != OBJECT_ID || algorithm_length != 13 {
        return None;
    }
    let bytes = bytes.get(13..)?;
    if *bytes.first()? != BIT_STRING {
        return None;
    }
    // Past the length, the BIT STRING's count of unused bits.
    der_length(&bytes[1..]).and_then(|(_, bytes)| bytes.get(1..))
}

/// A DER length and what follows it, as mail-auth reads one.
fn der_length(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let first = *bytes.first()?;
    if first & 0x80 == 0 {
        return Some((usize::from(first), &bytes[1..]));
    }
    let length_bytes = usize::from(first & 0x7f);
    if bytes.len() < length_bytes + 1 {
        return None;
    }
    let length = bytes[1..=length_bytes]
        .iter()
        .fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
    Some((length, &bytes[length_bytes + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
    use base64::Engine;
    use mail_auth::common::parse::TxtRecordParser;
    use mail_auth::common::verify::DomainKey;
    use std::sync::OnceLock;

    /// One generated RSA-2048 pair for the tests (generating one takes a while).
    fn pair() -> &'static KeyPair {
        static PAIR: OnceLock<KeyPair> = OnceLock::new();
        PAIR.get_or_init(|| KeyPair::generate(KeySize::Rsa2048).unwrap())
    }

    /// An RSA-SHA256 signature of `input` (RSA-SHA1 is mail-auth's own key's to judge).
    fn sign(input: &[u8]) -> Vec<u8> {
        let pair = pair();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            input,
            &mut signature,
        )
        .unwrap();
        signature
    }

    /// `public` (an `RSAPublicKey`) inside a `SubjectPublicKeyInfo` for rsaEncryption, as
    /// DKIM key records publish it.
    fn spki(public: &[u8]) -> Vec<u8> {
        let algorithm = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut bit_string = vec![0];
        bit_string.extend_from_slice(public);
        let mut inner = algorithm.to_vec();
        inner.push(0x03);
        inner.extend(der_len(bit_string.len()));
        inner.extend(bit_string);
        let mut outer = vec![0x30];
        outer.extend(der_len(inner.len()));
        outer.extend(inner);
        outer
    }

    fn der_len(length: usize) -> Vec<u8> {
        match length {
            0..=0x7f => vec![length as u8],
            0x80..=0xff => vec![0x81, length as u8],
            _ => vec![0x82, (length >> 8) as u8, length as u8],
        }
    }

    /// mail-auth's own key for `p=` and ours in its place.
    fn both(public: &[u8]) -> (TheirKey, TheirKey) {
        let record = format!(
            "v=DKIM1; k=rsa; p={}",
            base64::engine::general_purpose::STANDARD.encode(public)
        );
        let parse = || DomainKey::parse(record.as_bytes()).unwrap().p;
        (parse(), RsaKey::wrap(public, parse()))
    }

    /// Every verdict of ours equals mail-auth's (ring's) for the same key and input.
    fn agree(public: &[u8], input: &[u8], signatures: &[Vec<u8>]) {
        let (theirs, ours) = both(public);
        for signature in signatures {
            for algorithm in [
                Algorithm::RsaSha256,
                Algorithm::RsaSha1,
                Algorithm::Ed25519Sha256,
            ] {
                assert_eq!(
                    ours.verify_bytes(input, signature, algorithm),
                    theirs.verify_bytes(input, signature, algorithm),
                    "{algorithm:?}, a signature of {} bytes",
                    signature.len()
                );
            }
        }
        assert_eq!(ours.public_key_bits(), theirs.public_key_bits());
    }

    #[test]
    fn verdicts_are_mail_auths_for_the_published_key_forms() {
        let public = pair().public_key().as_ref().to_vec();
        let input = b"from:a@example\r\nsubject:s\r\ndkim-signature:v=1; a=rsa-sha256; b=\r\n";
        let good = sign(input);
        let mut flipped = good.clone();
        flipped[100] ^= 1;
        let mut longer = vec![0];
        longer.extend_from_slice(&good);
        let signatures = [
            good.clone(),
            flipped,
            longer,
            good[1..].to_vec(),
            Vec::new(),
        ];
        for form in [public.clone(), spki(&public)] {
            // Ours is the one answering, not mail-auth's kept inside it.
            assert!(parse(&form).is_some());
            agree(&form, input, &signatures);
            // Ours answers RSA-SHA256 (the parse was kept), and it passes.
            let (_, ours) = both(&form);
            assert!(
                ours.verify_bytes(input, &good, Algorithm::RsaSha256)
                    .is_ok()
            );
        }
    }

    #[test]
    fn a_signature_one_byte_short_is_refused_as_ring_refuses_it() {
        // A signature whose first byte is zero, that byte dropped: the same number, but not
        // as long as the modulus (RFC 8017 §8.2.2 step 1), which ring refuses.
        let public = pair().public_key().as_ref().to_vec();
        let (input, signature) = (0u32..)
            .map(|n| format!("subject:{n}\r\n").into_bytes())
            .map(|input| {
                let signature = sign(&input);
                (input, signature)
            })
            .find(|(_, signature)| signature[0] == 0)
            .unwrap();
        assert!(parse(&public).is_some());
        agree(
            &public,
            &input,
            &[signature.clone(), signature[1..].to_vec()],
        );
        let (theirs, _) = both(&public);
        assert!(
            theirs
                .verify_bytes(&input, &signature[1..], Algorithm::RsaSha256)
                .is_err()
        );
    }

    #[test]
    fn keys_either_library_refuses_are_left_to_mail_auth() {
        let public = pair().public_key().as_ref().to_vec();
        let input = b"subject:k\r\n";
        let signature = sign(input);
        let integer = |value: &[u8]| {
            let mut out = vec![0x02];
            out.extend(der_len(value.len()));
            out.extend_from_slice(value);
            out
        };
        let sequence = |parts: &[Vec<u8>]| {
            let body: Vec<u8> = parts.concat();
            let mut out = vec![0x30];
            out.extend(der_len(body.len()));
            out.extend(body);
            out
        };
        let modulus = {
            use rsa::pkcs1::der::Decode;
            let key = rsa::pkcs1::RsaPublicKey::from_der(&public).unwrap();
            key.modulus.as_bytes().to_vec()
        };
        let mut with_trailing = public.clone();
        with_trailing.push(0);
        let mut even_modulus = modulus.clone();
        *even_modulus.last_mut().unwrap() &= 0xfe;
        let forms = [
            // Exponents 1, 2 and 65536; an even modulus; a 512-bit modulus.
            sequence(&[integer(&modulus), integer(&[1])]),
            sequence(&[integer(&modulus), integer(&[2])]),
            sequence(&[integer(&modulus), integer(&[1, 0, 0])]),
            sequence(&[integer(&even_modulus), integer(&[1, 0, 1])]),
            sequence(&[integer(&modulus[..65]), integer(&[1, 0, 1])]),
            // A leading zero the modulus does not need (not DER).
            sequence(&[
                integer(&[&[0, 0][..], &modulus].concat()),
                integer(&[1, 0, 1]),
            ]),
            // Trailing bytes after the key; an SPKI with trailing bytes; no key at all.
            with_trailing.clone(),
            spki(&with_trailing),
            b"not a key".to_vec(),
        ];
        for form in forms {
            agree(&form, input, std::slice::from_ref(&signature));
        }
    }

    #[test]
    fn the_key_ring_is_given_is_the_key_aws_lc_is_given() {
        let public = pair().public_key().as_ref().to_vec();
        assert_eq!(ring_input(&spki(&public)), public.as_slice());
        assert_eq!(ring_input(&public), public.as_slice());
        // An algorithm identifier of another length is not stripped; nor is a short input.
        let mut other = spki(&public);
        other[5] = 0x0b;
        assert_eq!(ring_input(&other), other.as_slice());
        assert_eq!(ring_input(&[0x30]), &[0x30][..]);
        assert!(ring_input(&[]).is_empty());
    }
}
