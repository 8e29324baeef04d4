//! A Rekor-v1-like transparency log: `POST /api/v1/log/entries` for kind `dsse` 0.0.1,
//! `GET /api/v1/log`. Entries go into a real RFC 6962 Merkle tree pre-seeded with dummy
//! leaves; responses carry a SET, an inclusion proof and a signed checkpoint note.
//!
//! Indexes: the proof's `logIndex` is the tree index; the entry's `logIndex` (also in the
//! SET) is the tree index plus a global offset, as on the real log's shards.
//! Refusals: 400 `{"code":400,"message":...}` for a bad entry, 409 for a duplicate.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::super::http::{Request, Response};
use super::super::util::{b64, b64_decode, hex, now_unix};
use super::asn1::{self, pem};
use super::canon::canonicalize;
use super::keys::{new_p256, sign_p256, spki_p256, verify_p256};

/// Default number of dummy leaves before the first real entry.
pub const DEFAULT_SEED_LEAVES: usize = 6;
/// Added to the tree index to make the global log index.
pub const DEFAULT_INDEX_OFFSET: u64 = 1000;
/// The signer name in checkpoints.
pub const LOG_NAME: &str = "rekor.standin.chora";

/// Ways to make the log lie, for "the client refuses a bad response" tests. Each applies to
/// every later response until cleared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Knobs {
    /// Flip a byte of the signedEntryTimestamp signature.
    pub corrupt_set: bool,
    /// Flip a byte of the first inclusion-proof hash.
    pub corrupt_proof_hash: bool,
    /// Sign a checkpoint whose tree size is one more than the real one (the note signature
    /// is valid; only the size disagrees with `treeSize`).
    pub lie_checkpoint_size: bool,
    /// Change the checkpoint's size line after signing (the note signature breaks).
    pub tamper_checkpoint_size: bool,
    /// Leave out `signedEntryTimestamp`.
    pub drop_set: bool,
}

/// One entry the log accepted.
#[derive(Clone, Debug)]
pub struct LoggedEntry {
    pub uuid: String,
    /// The canonical dsse 0.0.1 body.
    pub body: Vec<u8>,
    /// The global index (tree index + offset).
    pub log_index: u64,
    pub tree_index: u64,
    pub integrated_time: i64,
    /// The entry object as sent (the value under the uuid key), knobs applied.
    pub response: Value,
}

pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 MTH over leaf hashes.
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split_point(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// RFC 6962 audit path of leaf `m`, bottom-up.
pub fn inclusion_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split_point(n);
    if m < k {
        let mut p = inclusion_path(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

/// The log.
pub struct Rekor {
    key: p256::ecdsa::SigningKey,
    spki: Vec<u8>,
    tree_id: u64,
    leaves: Vec<[u8; 32]>,
    pub offset: u64,
    pub entries: Vec<LoggedEntry>,
    pub knobs: Knobs,
}

fn bad(message: &str) -> Response {
    Response::json(400, &json!({"code": 400, "message": message}))
}

impl Rekor {
    pub fn new(seed_leaves: usize, offset: u64) -> Rekor {
        let key = new_p256();
        let spki = spki_p256(&key);
        let leaves = (0..seed_leaves)
            .map(|i| leaf_hash(format!("chora stand-in dummy entry {i}").as_bytes()))
            .collect();
        Rekor {
            key,
            spki,
            tree_id: 4_242_424_242_424_242,
            leaves,
            offset,
            entries: Vec::new(),
            knobs: Knobs::default(),
        }
    }

    /// SubjectPublicKeyInfo DER of the log key.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// SHA-256 of the SPKI.
    pub fn log_id(&self) -> [u8; 32] {
        Sha256::digest(&self.spki).into()
    }

    pub fn tree_size(&self) -> usize {
        self.leaves.len()
    }

    pub fn root_hash(&self) -> [u8; 32] {
        root(&self.leaves)
    }

    /// The checkpoint origin line.
    pub fn origin(&self) -> String {
        format!("{LOG_NAME} - {}", self.tree_id)
    }

    /// A signed checkpoint note for (size, root).
    pub fn checkpoint(&self, size: usize, root_hash: &[u8; 32]) -> String {
        let note = format!("{}\n{size}\n{}\n", self.origin(), b64(root_hash));
        let sig = sign_p256(&self.key, note.as_bytes());
        let mut signed = self.log_id()[..4].to_vec();
        signed.extend_from_slice(&sig);
        format!("{note}\n\u{2014} {LOG_NAME} {}\n", b64(&signed))
    }

    /// Handle one request.
    pub fn handle(&mut self, req: &Request) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v1/log/entries") => self.create(req),
            ("GET", "/api/v1/log") => {
                let root_hash = self.root_hash();
                Response::json(
                    200,
                    &json!({
                        "rootHash": hex(&root_hash),
                        "treeSize": self.tree_size(),
                        "signedTreeHead": self.checkpoint(self.tree_size(), &root_hash),
                        "treeID": self.tree_id.to_string(),
                    }),
                )
            }
            _ => Response::json(404, &json!({"code": 404, "message": "Not Found"})),
        }
    }

    fn create(&mut self, req: &Request) -> Response {
        let body = match dsse_body(&req.body) {
            Ok(b) => b,
            Err(m) => return bad(&m),
        };
        let leaf = leaf_hash(&body);
        let uuid = format!("{:016x}{}", self.tree_id, hex(&leaf));
        if self.entries.iter().any(|e| e.uuid == uuid) {
            return Response::json(
                409,
                &json!({"code": 409, "message": format!(
                    "an equivalent entry already exists in the transparency log with UUID {uuid}"
                )}),
            )
            .header("Location", &format!("/api/v1/log/entries/{uuid}"));
        }
        self.leaves.push(leaf);
        let tree_index = self.leaves.len() - 1;
        let entry = self.entry(&body, tree_index);
        self.entries.push(LoggedEntry {
            uuid: uuid.clone(),
            body,
            log_index: tree_index as u64 + self.offset,
            tree_index: tree_index as u64,
            integrated_time: entry["integratedTime"].as_i64().unwrap_or(0),
            response: entry.clone(),
        });
        Response::json(201, &json!({ uuid.clone(): entry }))
            .header("Location", &format!("/api/v1/log/entries/{uuid}"))
            .header("ETag", &uuid)
    }

    /// The response object for the entry at `tree_index`, knobs applied.
    fn entry(&self, body: &[u8], tree_index: usize) -> Value {
        let integrated_time = now_unix();
        let log_index = tree_index as u64 + self.offset;
        let log_id = hex(&self.log_id());
        let body_b64 = b64(body);
        let set_payload = canonicalize(&json!({
            "body": body_b64,
            "integratedTime": integrated_time,
            "logID": log_id,
            "logIndex": log_index,
        }));
        let mut set = sign_p256(&self.key, &set_payload);
        if self.knobs.corrupt_set {
            let last = set.len() - 1;
            set[last] ^= 0x01;
        }
        let mut hashes: Vec<String> = inclusion_path(tree_index, &self.leaves)
            .iter()
            .map(|h| hex(h))
            .collect();
        if let (true, Some(first)) = (self.knobs.corrupt_proof_hash, hashes.first_mut()) {
            let flipped = if first.starts_with('0') { "1" } else { "0" };
            first.replace_range(0..1, flipped);
        }
        let root_hash = self.root_hash();
        let size = self.tree_size() + usize::from(self.knobs.lie_checkpoint_size);
        let mut checkpoint = self.checkpoint(size, &root_hash);
        if self.knobs.tamper_checkpoint_size {
            let real = format!("\n{size}\n");
            checkpoint = checkpoint.replacen(&real, &format!("\n{}\n", size + 1), 1);
        }
        let mut verification = json!({
            "inclusionProof": {
                "checkpoint": checkpoint,
                "hashes": hashes,
                "logIndex": tree_index,
                "rootHash": hex(&root_hash),
                "treeSize": self.tree_size(),
            },
        });
        if !self.knobs.drop_set {
            verification["signedEntryTimestamp"] = json!(b64(&set));
        }
        json!({
            "body": body_b64,
            "integratedTime": integrated_time,
            "logID": log_id,
            "logIndex": log_index,
            "verification": verification,
        })
    }
}

/// Check a proposed dsse 0.0.1 entry and return its canonical body.
pub fn dsse_body(request: &[u8]) -> Result<Vec<u8>, String> {
    let req: Value =
        serde_json::from_slice(request).map_err(|e| format!("the entry is not JSON: {e}"))?;
    if req["kind"] != "dsse" || req["apiVersion"] != "0.0.1" {
        return Err(format!(
            "unsupported kind/apiVersion {}/{}",
            req["kind"], req["apiVersion"]
        ));
    }
    let content = &req["spec"]["proposedContent"];
    let envelope_text = content["envelope"]
        .as_str()
        .ok_or("spec.proposedContent.envelope must be a string")?;
    let envelope: Value = serde_json::from_str(envelope_text)
        .map_err(|e| format!("the envelope is not JSON: {e}"))?;
    let payload_type = envelope["payloadType"]
        .as_str()
        .ok_or("envelope.payloadType missing")?;
    let payload = envelope["payload"]
        .as_str()
        .and_then(b64_decode)
        .ok_or("envelope.payload is not base64")?;
    let verifiers: Vec<Vec<u8>> = content["verifiers"]
        .as_array()
        .ok_or("spec.proposedContent.verifiers missing")?
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(verifier_cert)
                .ok_or("a verifier is not a b64 PEM certificate")
        })
        .collect::<Result<_, _>>()?;
    let sigs = envelope["signatures"]
        .as_array()
        .filter(|s| !s.is_empty())
        .ok_or("envelope.signatures missing or empty")?;
    if verifiers.is_empty() {
        return Err("no verifiers".into());
    }
    let msg = pae(payload_type, &payload);
    let mut signatures = Vec::new();
    for s in sigs {
        let sig_b64 = s["sig"].as_str().ok_or("signature without sig")?;
        let sig = b64_decode(sig_b64).ok_or("sig is not base64")?;
        let cert = verifiers
            .iter()
            .find(|c| cert_spki(c).is_some_and(|spki| verify_p256(&spki, &msg, &sig)))
            .ok_or("verification failed for envelope signature")?;
        signatures.push(json!({
            "signature": sig_b64,
            "verifier": b64(pem("CERTIFICATE", cert).as_bytes()),
        }));
    }
    let body = json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(envelope_text.as_bytes()))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))},
            "signatures": signatures,
        },
    });
    Ok(canonicalize(&body))
}

/// DER of the certificate in a b64(PEM) verifier.
fn verifier_cert(b64_pem: &str) -> Option<Vec<u8>> {
    let text = String::from_utf8(b64_decode(b64_pem)?).ok()?;
    let der = asn1::pem_decode(&text, "CERTIFICATE")?;
    cert_spki(&der).map(|_| der)
}

/// SPKI DER of a certificate.
pub fn cert_spki(cert_der: &[u8]) -> Option<Vec<u8>> {
    use ::der::{Decode as _, Encode as _};
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()
}
