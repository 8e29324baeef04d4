//! ECDSA keys for the stand-ins: fresh P-256/P-384 keys, SPKI DER, DER signatures.

use p256::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};

use super::super::util::random_bytes;

/// A fresh P-256 key.
pub fn new_p256() -> p256::ecdsa::SigningKey {
    loop {
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&random_bytes(32)) {
            return k;
        }
    }
}

/// A fresh P-384 key.
pub fn new_p384() -> p384::ecdsa::SigningKey {
    loop {
        if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&random_bytes(48)) {
            return k;
        }
    }
}

/// SubjectPublicKeyInfo DER of a P-256 key.
pub fn spki_p256(key: &p256::ecdsa::SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("P-256 SPKI")
        .as_bytes()
        .to_vec()
}

/// SubjectPublicKeyInfo DER of a P-384 key.
pub fn spki_p384(key: &p384::ecdsa::SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .expect("P-384 SPKI")
        .as_bytes()
        .to_vec()
}

/// ECDSA P-256 / SHA-256, DER-encoded.
pub fn sign_p256(key: &p256::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
    use p256::ecdsa::signature::Signer as _;
    let sig: p256::ecdsa::Signature = key.sign(msg);
    sig.to_der().as_bytes().to_vec()
}

/// ECDSA P-384 / SHA-384, DER-encoded.
pub fn sign_p384(key: &p384::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
    use p384::ecdsa::signature::Signer as _;
    let sig: p384::ecdsa::Signature = key.sign(msg);
    sig.to_der().as_bytes().to_vec()
}

/// Whether `sig` (DER) is a valid ECDSA P-256 / SHA-256 signature over `msg` by the key in
/// `spki` (SubjectPublicKeyInfo DER).
pub fn verify_p256(spki: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    let Ok(vk) = p256::ecdsa::VerifyingKey::from_public_key_der(spki) else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::Signature::from_der(sig) else {
        return false;
    };
    vk.verify(msg, &sig).is_ok()
}
