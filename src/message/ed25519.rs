//! Ed25519-SHA256 DKIM signatures (RFC 8463) checked with a key decoded once per key record.
//!
//! mail-auth (with ring) decodes the published point again for every message; here the
//! record's parse (kept by `dkim::parsed_key`) holds the point already decompressed, and
//! ed25519-dalek checks the signature: about two thirds of ring's time on this machine. The
//! verdicts are the same: the SHA-256 of the canonical header fields is what the signature
//! covers (RFC 8463 §3), `s` must be below the group order (RFC 8032 §5.1.7), and a key of
//! small order — which libsodium, and so dkimpy, refuses — verifies nothing.

use ed25519_dalek::Verifier;
use mail_auth::common::crypto::{
    Algorithm, CryptoError, HashContext, HashImpl, Sha256, VerifyingKey,
};
use mail_auth::dkim::Canonicalization;

/// A published Ed25519 key, decoded.
pub(super) struct Ed25519Key {
    key: ed25519_dalek::VerifyingKey,
    /// A point of small order: any signature "verifies" against it, so none is taken.
    weak: bool,
}

impl Ed25519Key {
    /// The key of a record's `p=` (32 bytes, RFC 8463 §4.2); `None` when it is not a point of
    /// the curve (mail-auth's own key then answers, and fails as before).
    pub(super) fn from_public(bytes: &[u8]) -> Option<Self> {
        let bytes: &[u8; 32] = bytes.try_into().ok()?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).ok()?;
        Some(Ed25519Key {
            weak: key.is_weak(),
            key,
        })
    }

    fn check(&self, signed: &[u8], signature: &[u8]) -> mail_auth::Result<()> {
        let failed = || mail_auth::Error::Crypto(CryptoError::FailedVerification);
        if self.weak {
            return Err(failed());
        }
        let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| failed())?;
        self.key.verify(signed, &signature).map_err(|_| failed())
    }
}

fn ed25519_only(algorithm: Algorithm) -> mail_auth::Result<()> {
    match algorithm {
        Algorithm::Ed25519Sha256 => Ok(()),
        _ => Err(mail_auth::Error::Crypto(
            CryptoError::IncompatibleAlgorithms,
        )),
    }
}

impl VerifyingKey for Ed25519Key {
    fn verify<'a>(
        &self,
        headers: &mut dyn Iterator<Item = (&'a [u8], &'a [u8])>,
        signature: &[u8],
        canonicalization: Canonicalization,
        algorithm: Algorithm,
    ) -> mail_auth::Result<()> {
        ed25519_only(algorithm)?;
        let mut hasher = Sha256::hasher();
        canonicalization.canonicalize_headers(headers, &mut hasher);
        self.check(hasher.complete().as_ref(), signature)
    }

    fn verify_bytes(
        &self,
        input: &[u8],
        signature: &[u8],
        algorithm: Algorithm,
    ) -> mail_auth::Result<()> {
        ed25519_only(algorithm)?;
        let mut hasher = Sha256::hasher();
        mail_auth::common::headers::Writer::write(&mut hasher, input);
        self.check(hasher.complete().as_ref(), signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;

    fn pair() -> (ed25519_dalek::SigningKey, Ed25519Key) {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let key = Ed25519Key::from_public(signing.verifying_key().as_bytes()).unwrap();
        (signing, key)
    }

    fn digest(input: &[u8]) -> Vec<u8> {
        let mut hasher = Sha256::hasher();
        mail_auth::common::headers::Writer::write(&mut hasher, input);
        hasher.complete().as_ref().to_vec()
    }

    #[test]
    fn a_signature_over_the_hash_verifies_and_nothing_else_does() {
        let (signing, key) = pair();
        let input = b"from:a@example\r\n";
        let signature = signing.sign(&digest(input)).to_bytes();
        assert!(
            key.verify_bytes(input, &signature, Algorithm::Ed25519Sha256)
                .is_ok()
        );
        // Another input, a flipped bit, a short signature, an RSA algorithm.
        assert!(
            key.verify_bytes(b"from:b@example\r\n", &signature, Algorithm::Ed25519Sha256)
                .is_err()
        );
        let mut flipped = signature;
        flipped[10] ^= 1;
        assert!(
            key.verify_bytes(input, &flipped, Algorithm::Ed25519Sha256)
                .is_err()
        );
        assert!(
            key.verify_bytes(input, &signature[..63], Algorithm::Ed25519Sha256)
                .is_err()
        );
        assert_eq!(
            key.verify_bytes(input, &signature, Algorithm::RsaSha256),
            Err(mail_auth::Error::Crypto(
                CryptoError::IncompatibleAlgorithms
            ))
        );
        // The signature over the input itself (not its hash) is not RFC 8463's.
        let over_input = signing.sign(input).to_bytes();
        assert!(
            key.verify_bytes(input, &over_input, Algorithm::Ed25519Sha256)
                .is_err()
        );
    }

    #[test]
    fn a_scalar_at_or_above_the_group_order_is_refused() {
        let (signing, key) = pair();
        let input = b"subject:s\r\n";
        let mut signature = signing.sign(&digest(input)).to_bytes();
        // s + L: the same point equation, a non-canonical scalar (RFC 8032 §5.1.7 refuses it).
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (byte, add) in signature[32..].iter_mut().zip(L) {
            let sum = u16::from(*byte) + u16::from(add) + carry;
            *byte = sum as u8;
            carry = sum >> 8;
        }
        assert!(
            key.verify_bytes(input, &signature, Algorithm::Ed25519Sha256)
                .is_err()
        );
    }

    #[test]
    fn a_key_of_small_order_verifies_nothing() {
        // The identity point (y = 1): every signature with R = identity and s = 0 satisfies
        // the cofactorless equation against it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = Ed25519Key::from_public(&identity).unwrap();
        let mut signature = [0u8; 64];
        signature[0] = 1;
        assert!(
            key.verify_bytes(b"anything", &signature, Algorithm::Ed25519Sha256)
                .is_err()
        );
        assert!(Ed25519Key::from_public(&[0u8; 31]).is_none());
    }
}
