//! The PEP 740 Attestation object and its transparency-log entry, as PyPI stores and serves
//! them (`pypi_attestations` model). Plain serde data; int64 fields are protobuf-JSON strings
//! (numbers are accepted when reading), bytes are standard base64.

use serde::{Deserialize, Deserializer, Serialize};

/// The predicate type of PyPI's publish attestation.
pub const PUBLISH_PREDICATE: &str = "https://docs.pypi.org/attestations/publish/v1";
/// The other predicate type PyPI accepts.
pub const SLSA_PREDICATE: &str = "https://slsa.dev/provenance/v1";
/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The suffix of the archived attestation file: `<dist>.publish.attestation`.
pub const PUBLISH_SUFFIX: &str = ".publish.attestation";

/// A PEP 740 Attestation object (`version` 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub version: u32,
    pub verification_material: VerificationMaterial,
    pub envelope: Envelope,
}

/// The signing certificate and the log entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationMaterial {
    /// Base64 of the DER leaf certificate.
    pub certificate: String,
    pub transparency_entries: Vec<TransparencyEntry>,
}

/// The DSSE envelope, reduced to its two parts (the payload type is always in-toto).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Base64 of the statement bytes.
    pub statement: String,
    /// Base64 of the DER ECDSA signature over the DSSE PAE.
    pub signature: String,
}

/// A Rekor transparency-log entry in protobuf-JSON form (`dev.sigstore.rekor.v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyEntry {
    /// The global log index (the SET signs this one).
    #[serde(deserialize_with = "int64")]
    pub log_index: String,
    pub log_id: LogId,
    pub kind_version: KindVersion,
    /// Unix seconds when the log integrated the entry.
    #[serde(deserialize_with = "int64")]
    pub integrated_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// Base64 of the canonical (RFC 8785) entry body.
    pub canonicalized_body: String,
}

/// The log's key id: base64 of sha256(SPKI DER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    pub key_id: String,
}

/// `dsse` / `0.0.1` for PEP 740.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindVersion {
    pub kind: String,
    pub version: String,
}

/// The signed entry timestamp (SET).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    /// Base64 of the DER ECDSA signature.
    pub signed_entry_timestamp: String,
}

/// The RFC 6962 inclusion proof and the signed checkpoint it leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// The index inside this tree (a shard's own index, not the global one).
    #[serde(deserialize_with = "int64")]
    pub log_index: String,
    /// Base64 of the tree root.
    pub root_hash: String,
    #[serde(deserialize_with = "int64")]
    pub tree_size: String,
    /// Base64 of each sibling hash, leaf to root.
    pub hashes: Vec<String>,
    pub checkpoint: Checkpoint,
}

/// The signed note text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub envelope: String,
}

/// An int64 as protobuf-JSON writes it (a string) or as a number.
fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Int {
        Text(String),
        Number(i64),
    }
    match Int::deserialize(d)? {
        Int::Text(t) if t.parse::<i64>().is_ok() => Ok(t),
        Int::Text(t) => Err(serde::de::Error::custom(format!(
            "expected an integer, found {t:?}"
        ))),
        Int::Number(n) => Ok(n.to_string()),
    }
}

impl TransparencyEntry {
    /// The global log index as a number.
    pub fn log_index_number(&self) -> Option<i64> {
        self.log_index.parse().ok()
    }
    /// The integrated time as a number.
    pub fn integrated_time_number(&self) -> Option<i64> {
        self.integrated_time.parse().ok()
    }
}
