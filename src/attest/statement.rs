//! The in-toto Statement v1 PyPI's publish attestation signs (exactly the bytes
//! `pypi-attestations` builds: one subject, the distribution's file name and lowercase sha256,
//! predicate null), reading one back, and the DSSE pre-authentication encoding (PAE).

use serde::{Deserialize, Serialize};

use super::model::{PUBLISH_PREDICATE, STATEMENT_TYPE};

/// The statement bytes for one distribution.
pub fn publish_statement(file_name: &str, sha256_hex: &str) -> Vec<u8> {
    let statement = Statement {
        kind: STATEMENT_TYPE.to_string(),
        subject: vec![Subject {
            name: file_name.to_string(),
            digest: Digest {
                sha256: sha256_hex.to_ascii_lowercase(),
            },
        }],
        predicate_type: PUBLISH_PREDICATE.to_string(),
        predicate: serde_json::Value::Null,
    };
    // A struct of strings always serialises; the fallback is never taken.
    serde_json::to_vec(&statement).unwrap_or_default()
}

/// DSSE v1 PAE: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// An in-toto Statement v1 (the fields PyPI reads; the predicate kept as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub kind: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    #[serde(default)]
    pub predicate: serde_json::Value,
}

/// One subject: a file name and its digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub digest: Digest,
}

/// The digest set of a subject (PyPI reads sha256).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub sha256: String,
}

impl Statement {
    /// Parse statement bytes.
    pub fn parse(bytes: &[u8]) -> Result<Statement, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_byte_exact() {
        let got = publish_statement("demo_pkg-0.1.0-py3-none-any.whl", "ABCDEF01");
        assert_eq!(
            String::from_utf8_lossy(&got),
            r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"demo_pkg-0.1.0-py3-none-any.whl","digest":{"sha256":"abcdef01"}}],"predicateType":"https://docs.pypi.org/attestations/publish/v1","predicate":null}"#
        );
    }

    #[test]
    fn pae_counts_bytes() {
        assert_eq!(
            pae("application/vnd.in-toto+json", b"{}\xc3\xa9"),
            b"DSSEv1 28 application/vnd.in-toto+json 4 {}\xc3\xa9".to_vec()
        );
    }

    #[test]
    fn a_statement_reads_back() {
        let s = Statement::parse(&publish_statement("a-1.tar.gz", "00")).unwrap();
        assert_eq!(s.subject.len(), 1);
        assert_eq!(s.subject[0].name, "a-1.tar.gz");
        assert_eq!(s.predicate, serde_json::Value::Null);
    }
}
