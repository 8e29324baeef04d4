//! Rekor v1: `POST {rekor}/api/v1/log/entries` with a `dsse` 0.0.1 proposal (the DSSE
//! envelope and the signing certificate), and the v1 reply turned into the protobuf-JSON
//! transparency-log entry a PEP 740 attestation carries (hex → base64, numbers → strings,
//! kind and version from the logged body).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::json;

use super::model::{
    Checkpoint, InclusionPromise, InclusionProof, KindVersion, LogId, TransparencyEntry,
};
use super::service::{self, Answer};
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// Why the entry was not logged.
#[derive(Debug, thiserror::Error)]
pub enum RekorError {
    #[error("cannot reach Rekor at {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("Rekor at {url} refused the entry (HTTP {status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("Rekor at {url} answered with no usable log entry: {reason}")]
    BadReply { url: String, reason: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Entry {
    body: String,
    integrated_time: i64,
    #[serde(rename = "logID")]
    log_id: String,
    log_index: i64,
    verification: Option<V1Verification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Verification {
    inclusion_proof: Option<V1Proof>,
    signed_entry_timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Proof {
    checkpoint: String,
    hashes: Vec<String>,
    log_index: i64,
    root_hash: String,
    tree_size: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    api_version: String,
    kind: String,
}

/// Log `envelope_json` (the DSSE envelope as JSON text) with its verifier (`cert_pem`).
pub async fn log_dsse(
    http: &Http,
    policy: &Policy,
    base: &str,
    envelope_json: &str,
    cert_pem: &str,
) -> Result<TransparencyEntry, RekorError> {
    let url = format!("{}/api/v1/log/entries", base.trim_end_matches('/'));
    let proposal = json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {"proposedContent": {
            "envelope": envelope_json,
            "verifiers": [B64.encode(cert_pem.as_bytes())],
        }},
    });
    let body = match service::post_json(http, policy, &url, &proposal).await {
        Ok(Answer::Ok(body)) => body,
        Ok(Answer::Refused { status, message }) => {
            return Err(RekorError::Refused {
                url,
                status,
                message,
            });
        }
        Err(reason) => return Err(RekorError::Transport { url, reason }),
    };
    entry_from_v1(&body).map_err(|reason| RekorError::BadReply { url, reason })
}

/// The transparency-log entry of a v1 reply `{"<uuid>": {...}}` (exactly one entry).
pub fn entry_from_v1(body: &str) -> Result<TransparencyEntry, String> {
    let entries: BTreeMap<String, V1Entry> =
        serde_json::from_str(body).map_err(|e| format!("not Rekor v1 JSON ({e})"))?;
    let mut entries = entries.into_values();
    let (Some(entry), None) = (entries.next(), entries.next()) else {
        return Err("expected exactly one entry".into());
    };
    let body_bytes = B64
        .decode(&entry.body)
        .map_err(|_| "the entry body is not base64".to_string())?;
    let logged: Body = serde_json::from_slice(&body_bytes)
        .map_err(|e| format!("the entry body is not a Rekor entry ({e})"))?;
    let verification = entry
        .verification
        .ok_or_else(|| "no verification (SET and inclusion proof)".to_string())?;
    let set = verification
        .signed_entry_timestamp
        .ok_or_else(|| "no signed entry timestamp".to_string())?;
    let proof = verification
        .inclusion_proof
        .ok_or_else(|| "no inclusion proof".to_string())?;
    let hashes = proof
        .hashes
        .iter()
        .map(|h| hex_to_b64(h))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TransparencyEntry {
        log_index: entry.log_index.to_string(),
        log_id: LogId {
            key_id: hex_to_b64(&entry.log_id)?,
        },
        kind_version: KindVersion {
            kind: logged.kind,
            version: logged.api_version,
        },
        integrated_time: entry.integrated_time.to_string(),
        inclusion_promise: Some(InclusionPromise {
            signed_entry_timestamp: set,
        }),
        inclusion_proof: Some(InclusionProof {
            log_index: proof.log_index.to_string(),
            root_hash: hex_to_b64(&proof.root_hash)?,
            tree_size: proof.tree_size.to_string(),
            hashes,
            checkpoint: Checkpoint {
                envelope: proof.checkpoint,
            },
        }),
        canonicalized_body: entry.body,
    })
}

fn hex_to_b64(hex: &str) -> Result<String, String> {
    let bad = || format!("{} is not hex", crate::text::excerpt(hex, 80));
    if !hex.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(bad)?;
    Ok(B64.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v1_reply_becomes_a_protobuf_json_entry() {
        let body = B64.encode(br#"{"apiVersion":"0.0.1","kind":"dsse","spec":{}}"#);
        let reply = json!({"abc": {
            "body": body, "integratedTime": 1700000000, "logID": "00ff", "logIndex": 1007,
            "verification": {"inclusionProof": {"checkpoint": "note\n", "hashes": ["0a", "0b"],
                "logIndex": 7, "rootHash": "ff00", "treeSize": 9}, "signedEntryTimestamp": "U0VU"}}});
        let e = entry_from_v1(&reply.to_string()).unwrap();
        assert_eq!(e.log_index, "1007");
        assert_eq!(e.log_id.key_id, "AP8=");
        assert_eq!(
            (
                e.kind_version.kind.as_str(),
                e.kind_version.version.as_str()
            ),
            ("dsse", "0.0.1")
        );
        let proof = e.inclusion_proof.unwrap();
        assert_eq!(
            (proof.log_index.as_str(), proof.tree_size.as_str()),
            ("7", "9")
        );
        assert_eq!(proof.hashes, vec!["Cg==".to_string(), "Cw==".to_string()]);
        assert_eq!(proof.root_hash, "/wA=");
        let v = serde_json::to_value(&e.inclusion_promise).unwrap();
        assert_eq!(v, json!({"signedEntryTimestamp": "U0VU"}));
    }

    #[test]
    fn incomplete_replies_are_refused() {
        let body = B64.encode(br#"{"apiVersion":"0.0.1","kind":"dsse"}"#);
        for reply in [
            json!({}),
            json!({"a": {"body": body, "integratedTime": 1, "logID": "00", "logIndex": 1}}),
            json!({"a": {"body": body, "integratedTime": 1, "logID": "0g", "logIndex": 1,
                "verification": {"signedEntryTimestamp": "x"}}}),
        ] {
            assert!(entry_from_v1(&reply.to_string()).is_err(), "{reply}");
        }
    }
}
