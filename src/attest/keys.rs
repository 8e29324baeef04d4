//! Public keys from SubjectPublicKeyInfo DER (trust roots, certificates) and ECDSA verification
//! of DER signatures with SHA-256 or SHA-384, on P-256 or P-384.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256, Sha384};

/// Object identifiers of the ECDSA signature algorithms certificates use.
pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
pub const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";

/// A verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
}

/// The digest a signature was made over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
}

/// Why a key did not load or a signature did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the public key is not an ECDSA P-256 or P-384 SubjectPublicKeyInfo")]
    Unsupported,
    #[error("the signature is not a DER-encoded ECDSA signature")]
    Encoding,
    #[error("the signature does not verify with this key")]
    Invalid,
}

impl PublicKey {
    /// Load a P-256 or P-384 key from SPKI DER.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(key));
        }
        p384::ecdsa::VerifyingKey::from_public_key_der(der)
            .map(PublicKey::P384)
            .map_err(|_| KeyError::Unsupported)
    }

    /// Verify a DER ECDSA signature over `message` hashed with `hash`.
    pub fn verify(&self, hash: Hash, message: &[u8], der_signature: &[u8]) -> Result<(), KeyError> {
        let digest = match hash {
            Hash::Sha256 => Sha256::digest(message).to_vec(),
            Hash::Sha384 => Sha384::digest(message).to_vec(),
        };
        match self {
            PublicKey::P256(key) => {
                let sig = p256::ecdsa::DerSignature::from_bytes(der_signature)
                    .map_err(|_| KeyError::Encoding)?;
                key.verify_prehash(&digest, &sig)
                    .map_err(|_| KeyError::Invalid)
            }
            PublicKey::P384(key) => {
                let sig = p384::ecdsa::DerSignature::from_bytes(der_signature)
                    .map_err(|_| KeyError::Encoding)?;
                key.verify_prehash(&digest, &sig)
                    .map_err(|_| KeyError::Invalid)
            }
        }
    }

    /// The hash that goes with the curve (SHA-256 for P-256, SHA-384 for P-384).
    pub fn natural_hash(&self) -> Hash {
        match self {
            PublicKey::P256(_) => Hash::Sha256,
            PublicKey::P384(_) => Hash::Sha384,
        }
    }
}

/// The hash of an X.509 ECDSA signature algorithm OID (dotted), if it is one we verify.
pub fn hash_of_signature_algorithm(oid: &str) -> Option<Hash> {
    match oid {
        ECDSA_SHA256 => Some(Hash::Sha256),
        ECDSA_SHA384 => Some(Hash::Sha384),
        _ => None,
    }
}

/// A key id as Sigstore computes it: sha256 of the SPKI DER.
pub fn key_id(spki_der: &[u8]) -> [u8; 32] {
    Sha256::digest(spki_der).into()
}

#[cfg(test)]
pub(crate) mod testkeys {
    //! Deterministic test keys (never random: the tests are reproducible).
    use p256::pkcs8::EncodePublicKey;
    use sha2::{Digest, Sha256};

    pub fn p256(label: &str) -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&Sha256::digest(label.as_bytes())).unwrap()
    }
    pub fn p384(label: &str) -> p384::ecdsa::SigningKey {
        let bytes = sha2::Sha384::digest(label.as_bytes());
        p384::ecdsa::SigningKey::from_slice(&bytes).unwrap()
    }
    pub fn p256_spki(key: &p256::ecdsa::SigningKey) -> Vec<u8> {
        key.verifying_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }
    pub fn p384_spki(key: &p384::ecdsa::SigningKey) -> Vec<u8> {
        key.verifying_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }
    pub fn sign256(key: &p256::ecdsa::SigningKey, msg: &[u8]) -> Vec<u8> {
        use p256::ecdsa::signature::Signer;
        let sig: p256::ecdsa::DerSignature = key.sign(msg);
        sig.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::testkeys::*;
    use super::*;

    #[test]
    fn p256_signatures_verify_and_tampering_fails() {
        let key = p256("k");
        let spki = p256_spki(&key);
        let public = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(public.natural_hash(), Hash::Sha256);
        let sig = sign256(&key, b"hello");
        assert_eq!(public.verify(Hash::Sha256, b"hello", &sig), Ok(()));
        assert_eq!(
            public.verify(Hash::Sha256, b"hellp", &sig),
            Err(KeyError::Invalid)
        );
        assert_eq!(
            public.verify(Hash::Sha384, b"hello", &sig),
            Err(KeyError::Invalid)
        );
        assert_eq!(
            public.verify(Hash::Sha256, b"hello", b"\x30\x01"),
            Err(KeyError::Encoding)
        );
        let other = PublicKey::from_spki_der(&p256_spki(&p256("other"))).unwrap();
        assert_eq!(
            other.verify(Hash::Sha256, b"hello", &sig),
            Err(KeyError::Invalid)
        );
    }

    #[test]
    fn p384_signatures_verify() {
        use p384::ecdsa::signature::Signer;
        let key = p384("k");
        let public = PublicKey::from_spki_der(&p384_spki(&key)).unwrap();
        assert!(matches!(public, PublicKey::P384(_)));
        let sig: p384::ecdsa::DerSignature = key.sign(b"msg");
        assert_eq!(public.verify(Hash::Sha384, b"msg", sig.as_bytes()), Ok(()));
        assert_eq!(
            public.verify(Hash::Sha256, b"msg", sig.as_bytes()),
            Err(KeyError::Invalid)
        );
    }

    #[test]
    fn other_keys_are_unsupported_and_key_ids_hash_the_spki() {
        assert_eq!(
            PublicKey::from_spki_der(b"\x30\x00"),
            Err(KeyError::Unsupported)
        );
        let spki = p256_spki(&p256("k"));
        assert_eq!(key_id(&spki).to_vec(), Sha256::digest(&spki).to_vec());
        assert_eq!(
            hash_of_signature_algorithm("1.2.840.10045.4.3.3"),
            Some(Hash::Sha384)
        );
        assert_eq!(hash_of_signature_algorithm("1.2.840.113549.1.1.11"), None);
    }
}
