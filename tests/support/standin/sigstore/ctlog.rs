//! A CT log that only signs: RFC 6962 §3.2 precertificate SCTs with a P-256 key, encoded as
//! the embedded-SCT extension value (OID 1.3.6.1.4.1.11129.2.4.2).

use sha2::{Digest as _, Sha256};

use super::keys::{new_p256, sign_p256, spki_p256};

/// The embedded SCT list extension.
pub const SCT_OID: &str = "1.3.6.1.4.1.11129.2.4.2";

/// The CT log's key.
pub struct CtLog {
    key: p256::ecdsa::SigningKey,
    spki: Vec<u8>,
}

impl CtLog {
    pub fn generate() -> CtLog {
        let key = new_p256();
        let spki = spki_p256(&key);
        CtLog { key, spki }
    }

    /// SubjectPublicKeyInfo DER of the log key.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The log id: SHA-256 of the SPKI.
    pub fn log_id(&self) -> [u8; 32] {
        Sha256::digest(&self.spki).into()
    }

    /// The digitally-signed data of a precert_entry SCT (RFC 6962 §3.2).
    pub fn signed_data(timestamp_ms: u64, issuer_spki: &[u8], tbs: &[u8]) -> Vec<u8> {
        let mut d = vec![0u8, 0u8]; // version v1, signature_type certificate_timestamp
        d.extend_from_slice(&timestamp_ms.to_be_bytes());
        d.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
        d.extend_from_slice(&Sha256::digest(issuer_spki));
        let len = tbs.len() as u32;
        d.extend_from_slice(&len.to_be_bytes()[1..]); // u24
        d.extend_from_slice(tbs);
        d.extend_from_slice(&0u16.to_be_bytes()); // no extensions
        d
    }

    /// One serialized SCT for a precertificate with TBS `tbs` issued by `issuer_spki`.
    pub fn sct(&self, timestamp_ms: u64, issuer_spki: &[u8], tbs: &[u8]) -> Vec<u8> {
        let sig = sign_p256(
            &self.key,
            &Self::signed_data(timestamp_ms, issuer_spki, tbs),
        );
        let mut s = vec![0u8]; // v1
        s.extend_from_slice(&self.log_id());
        s.extend_from_slice(&timestamp_ms.to_be_bytes());
        s.extend_from_slice(&0u16.to_be_bytes()); // no extensions
        s.extend_from_slice(&[4, 3]); // sha256, ecdsa
        s.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        s.extend_from_slice(&sig);
        s
    }

    /// The extension value: DER OCTET STRING of the TLS `SignedCertificateTimestampList`.
    pub fn sct_extension_value(sct: &[u8]) -> Vec<u8> {
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(sct);
        super::asn1::octets(&list)
    }
}
