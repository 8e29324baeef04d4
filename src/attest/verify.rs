//! Every check PyPI's verifier (sigstore-python `Verifier.verify_dsse` and pypi-attestations
//! `Attestation.verify`) runs on one PEP 740 attestation, offline, against a trust root; each
//! failure is its own variant, named by [`Failure::check`].
//!
//! Where this differs from PyPI (sigstore-python 4.5.1, pypi-attestations 0.0.30, checked
//! against them on the test fixtures):
//! - `envelopeHash` is checked for shape only (sha256, 64 hex digits): it hashes the signer's
//!   own JSON text of the DSSE envelope, which the attestation does not carry. PyPI accepts a
//!   wrong value too.
//! - Stricter: the checkpoint's tree size must equal the proof's `treeSize` (PyPI only compares
//!   the roots); a certificate authority's `validFor` must contain the signed time (PyPI only
//!   asks that it has started); the publisher's environment must equal the certificate's
//!   `.1.23` when both name one (PyPI ignores environments).
//! - The Web PKI profile is checked only as far as Fulcio leaves need (not a CA, AKI, critical
//!   SAN with an empty subject, key usage); a log key's own `validFor` is not consulted.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::cert::{self, CertError, Identity};
use super::checkpoint;
use super::jcs;
use super::keys::Hash;
use super::merkle;
use super::model::{
    Attestation, IN_TOTO_PAYLOAD_TYPE, PUBLISH_PREDICATE, SLSA_PREDICATE, STATEMENT_TYPE,
    TransparencyEntry,
};
use super::statement::{Statement, pae};
use super::trust_root::{TrustedRoot, find_key};

/// The OIDC issuer of GitHub Actions.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A GitHub Trusted Publisher, as PyPI's `GitHubPublisher` policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// `owner/repo`
    pub repository: String,
    /// The workflow file name, e.g. `release.yml`.
    pub workflow: String,
    /// The deployment environment, when the publisher names one.
    pub environment: Option<String>,
}

/// The distribution the attestation must be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    pub file_name: &'a str,
    /// Lowercase hex sha256 of the file.
    pub sha256: &'a str,
}

/// What a verified attestation says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub identity: Identity,
    pub integrated_time: i64,
    pub log_index: i64,
    pub predicate_type: String,
}

/// The check that failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Failure {
    #[error("the attestation has version {0}; only version 1 exists")]
    Version(u32),
    #[error("the attestation's certificate is unusable: {0}")]
    Certificate(CertError),
    #[error("the signing certificate does not chain to the trust root: {0}")]
    Chain(CertError),
    #[error("the signing certificate was not valid when the log integrated the entry: {0}")]
    Validity(CertError),
    #[error("the signing certificate may not sign code: {0}")]
    Usage(CertError),
    #[error("{0}")]
    Profile(CertError),
    #[error("the certificate's CT log timestamp (SCT) does not check out: {0}")]
    Sct(CertError),
    #[error("the attestation has {0} transparency log entries; PyPI requires exactly 1")]
    EntryCount(usize),
    #[error("the log entry is {kind} {version}; PEP 740 attestations are dsse 0.0.1 entries")]
    KindVersion { kind: String, version: String },
    #[error("the log entry is malformed: {0}")]
    Entry(String),
    #[error("the log entry's signed entry timestamp (SET) does not check out: {0}")]
    Set(String),
    #[error("the log entry's inclusion proof does not check out: {0}")]
    InclusionProof(String),
    #[error("the log entry's checkpoint does not check out: {0}")]
    Checkpoint(String),
    #[error("the logged entry body does not match the attestation: {0}")]
    Body(String),
    #[error("the DSSE signature over the statement does not verify with the certificate's key")]
    Signature,
    #[error("the signed statement is not a one-subject in-toto Statement v1: {0}")]
    Statement(String),
    #[error("the attestation is for {got:?}, not for {want:?}")]
    SubjectName { got: String, want: String },
    #[error("the attested sha256 {got} is not the file's sha256 {want}")]
    SubjectDigest { got: String, want: String },
    #[error("the predicate type {0:?} is neither {PUBLISH_PREDICATE} nor {SLSA_PREDICATE}")]
    PredicateType(String),
    #[error("the certificate's OIDC issuer is {0:?}, not GitHub Actions ({GITHUB_ISSUER})")]
    Issuer(Option<String>),
    #[error("the certificate was issued to repository {got:?}, not {want:?}")]
    Repository { got: Option<String>, want: String },
    #[error("the certificate was issued to workflow {got:?}, not {want:?}")]
    Workflow { got: Option<String>, want: String },
    #[error("the certificate was issued to deployment environment {got:?}, not {want:?}")]
    Environment { got: String, want: String },
}

impl Failure {
    /// A short stable name of the check.
    pub fn check(&self) -> &'static str {
        match self {
            Failure::Version(_) => "version",
            Failure::Certificate(_) => "certificate",
            Failure::Chain(_) => "chain",
            Failure::Validity(_) => "certificate-validity",
            Failure::Usage(_) => "key-usage",
            Failure::Profile(_) => "certificate-profile",
            Failure::Sct(_) => "sct",
            Failure::EntryCount(_) => "entry-count",
            Failure::KindVersion { .. } => "kind-version",
            Failure::Entry(_) => "log-entry",
            Failure::Set(_) => "set",
            Failure::InclusionProof(_) => "inclusion-proof",
            Failure::Checkpoint(_) => "checkpoint",
            Failure::Body(_) => "body",
            Failure::Signature => "signature",
            Failure::Statement(_) => "statement",
            Failure::SubjectName { .. } => "subject-name",
            Failure::SubjectDigest { .. } => "subject-digest",
            Failure::PredicateType(_) => "predicate-type",
            Failure::Issuer(_) => "issuer",
            Failure::Repository { .. } => "repository",
            Failure::Workflow { .. } => "workflow",
            Failure::Environment { .. } => "environment",
        }
    }
}

/// Verify one attestation for one distribution file.
pub fn verify(
    att: &Attestation,
    expected: &Expected,
    publisher: Option<&Publisher>,
    root: &TrustedRoot,
) -> Result<Verified, Failure> {
    if att.version != 1 {
        return Err(Failure::Version(att.version));
    }
    let leaf_der = STANDARD
        .decode(&att.verification_material.certificate)
        .map_err(|_| {
            Failure::Certificate(CertError::Decode("the certificate is not base64".into()))
        })?;
    let leaf = cert::parse(&leaf_der).map_err(Failure::Certificate)?;
    let identity = cert::identity_of(&leaf).map_err(Failure::Certificate)?;
    let entry = single_entry(att)?;
    let entry_facts = check_entry_shape(entry)?;
    let at = entry_facts.integrated_time;

    cert::check_valid_at(&leaf, at).map_err(Failure::Validity)?;
    let issuer = cert::verify_chain(&leaf, &root.authorities, at).map_err(Failure::Chain)?;
    cert::verify_sct(&leaf, &issuer, &root.ctlogs).map_err(Failure::Sct)?;
    cert::check_leaf_usage(&leaf).map_err(Failure::Usage)?;
    cert::check_leaf_profile(&leaf).map_err(Failure::Profile)?;

    check_set(entry, &entry_facts, root)?;
    check_inclusion(entry, &entry_facts, root)?;

    let statement = STANDARD
        .decode(&att.envelope.statement)
        .map_err(|_| Failure::Statement("the envelope statement is not base64".into()))?;
    let signature = STANDARD
        .decode(&att.envelope.signature)
        .map_err(|_| Failure::Signature)?;
    let key = cert::public_key(&leaf).map_err(Failure::Certificate)?;
    key.verify(
        Hash::Sha256,
        &pae(IN_TOTO_PAYLOAD_TYPE, &statement),
        &signature,
    )
    .map_err(|_| Failure::Signature)?;
    check_body(&entry_facts.body, &statement, &signature, &leaf_der)?;

    let predicate_type = check_statement(&statement, expected)?;
    if let Some(publisher) = publisher {
        check_publisher(&leaf, &identity, publisher)?;
    }
    Ok(Verified {
        identity,
        integrated_time: at,
        log_index: entry_facts.log_index,
        predicate_type,
    })
}

fn single_entry(att: &Attestation) -> Result<&TransparencyEntry, Failure> {
    match att.verification_material.transparency_entries.as_slice() {
        [entry] => Ok(entry),
        entries => Err(Failure::EntryCount(entries.len())),
    }
}

/// The decoded numbers and bytes of a log entry.
struct EntryFacts {
    log_index: i64,
    integrated_time: i64,
    log_id: Vec<u8>,
    body: Vec<u8>,
}

fn check_entry_shape(entry: &TransparencyEntry) -> Result<EntryFacts, Failure> {
    let kv = &entry.kind_version;
    if kv.kind != "dsse" || kv.version != "0.0.1" {
        return Err(Failure::KindVersion {
            kind: kv.kind.clone(),
            version: kv.version.clone(),
        });
    }
    let log_index = entry
        .log_index_number()
        .ok_or_else(|| Failure::Entry("logIndex is not an integer".into()))?;
    let integrated_time = entry
        .integrated_time_number()
        .filter(|t| *t > 0)
        .ok_or_else(|| Failure::Entry("integratedTime is not a positive integer".into()))?;
    let log_id = STANDARD
        .decode(&entry.log_id.key_id)
        .map_err(|_| Failure::Entry("logId.keyId is not base64".into()))?;
    let body = STANDARD
        .decode(&entry.canonicalized_body)
        .map_err(|_| Failure::Entry("canonicalizedBody is not base64".into()))?;
    Ok(EntryFacts {
        log_index,
        integrated_time,
        log_id,
        body,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SET: the log's signature over the canonical entry summary.
fn check_set(
    entry: &TransparencyEntry,
    facts: &EntryFacts,
    root: &TrustedRoot,
) -> Result<(), Failure> {
    let promise = entry.inclusion_promise.as_ref().ok_or_else(|| {
        Failure::Set(
            "the entry has no inclusionPromise; PEP 740 needs Rekor v1's signed entry timestamp"
                .into(),
        )
    })?;
    let key = find_key(&root.tlogs, &facts.log_id).ok_or_else(|| {
        Failure::Set(format!(
            "no trusted transparency log has key id {} (is the trust root the right one?)",
            entry.log_id.key_id
        ))
    })?;
    let set = STANDARD
        .decode(&promise.signed_entry_timestamp)
        .map_err(|_| Failure::Set("signedEntryTimestamp is not base64".into()))?;
    let summary = json!({
        "body": entry.canonicalized_body,
        "integratedTime": facts.integrated_time,
        "logID": hex(&facts.log_id),
        "logIndex": facts.log_index,
    });
    key.verify(Hash::Sha256, &jcs::canonical(&summary), &set)
        .map_err(|_| Failure::Set("the signature does not verify with the log's key".into()))
}

fn decode_hash(b64: &str, what: &str) -> Result<[u8; 32], Failure> {
    STANDARD
        .decode(b64)
        .ok()
        .and_then(|v| <[u8; 32]>::try_from(v).ok())
        .ok_or_else(|| Failure::InclusionProof(format!("{what} is not a base64 sha256 hash")))
}

/// The RFC 6962 proof leads to `rootHash`; the checkpoint is signed and agrees with it.
fn check_inclusion(
    entry: &TransparencyEntry,
    facts: &EntryFacts,
    root: &TrustedRoot,
) -> Result<(), Failure> {
    let proof = entry
        .inclusion_proof
        .as_ref()
        .ok_or_else(|| Failure::InclusionProof("the entry has no inclusionProof".into()))?;
    let number = |s: &str, what: &str| {
        s.parse::<u64>()
            .map_err(|_| Failure::InclusionProof(format!("{what} is not a non-negative integer")))
    };
    let index = number(&proof.log_index, "inclusionProof.logIndex")?;
    let size = number(&proof.tree_size, "inclusionProof.treeSize")?;
    let root_hash = decode_hash(&proof.root_hash, "rootHash")?;
    let hashes = proof
        .hashes
        .iter()
        .map(|h| decode_hash(h, "a proof hash"))
        .collect::<Result<Vec<_>, _>>()?;
    let computed = merkle::root_from_proof(index, size, merkle::leaf_hash(&facts.body), &hashes)
        .map_err(|e| Failure::InclusionProof(e.to_string()))?;
    if computed != root_hash {
        return Err(Failure::InclusionProof(
            "the proof leads to a different root than rootHash".into(),
        ));
    }
    let cp = checkpoint::parse(&proof.checkpoint.envelope)
        .map_err(|e| Failure::Checkpoint(e.to_string()))?;
    let key = find_key(&root.tlogs, &facts.log_id).ok_or_else(|| {
        Failure::Checkpoint(format!(
            "no trusted transparency log has key id {}",
            entry.log_id.key_id
        ))
    })?;
    cp.verify(key, &facts.log_id)
        .map_err(|e| Failure::Checkpoint(e.to_string()))?;
    if cp.size != size {
        return Err(Failure::Checkpoint(format!(
            "the checkpoint is for a tree of size {}, the proof for size {size}",
            cp.size
        )));
    }
    if cp.root_hash != root_hash {
        return Err(Failure::Checkpoint(
            "the checkpoint's root hash is not the proof's".into(),
        ));
    }
    Ok(())
}

/// The dsse 0.0.1 body agrees with the envelope and the certificate.
fn check_body(
    body: &[u8],
    statement: &[u8],
    signature: &[u8],
    leaf_der: &[u8],
) -> Result<(), Failure> {
    let bad = |m: &str| Failure::Body(m.to_string());
    let v: Value =
        serde_json::from_slice(body).map_err(|_| bad("canonicalizedBody is not JSON"))?;
    if v["kind"] != "dsse" || v["apiVersion"] != "0.0.1" {
        return Err(bad("the body is not a dsse 0.0.1 entry"));
    }
    let spec = &v["spec"];
    let payload_hash = hex(&Sha256::digest(statement));
    if spec["payloadHash"]["algorithm"] != "sha256"
        || spec["payloadHash"]["value"] != payload_hash.as_str()
    {
        return Err(bad("payloadHash is not the sha256 of the statement"));
    }
    let envelope_hash = &spec["envelopeHash"];
    let hash_ok = envelope_hash["value"]
        .as_str()
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|c| c.is_ascii_hexdigit()));
    if envelope_hash["algorithm"] != "sha256" || !hash_ok {
        return Err(bad("envelopeHash is missing or not a sha256 hex digest"));
    }
    let Some([only]) = spec["signatures"].as_array().map(Vec::as_slice) else {
        return Err(bad("the body does not list exactly one signature"));
    };
    let decoded = |field: &str| only[field].as_str().and_then(|s| STANDARD.decode(s).ok());
    if decoded("signature").as_deref() != Some(signature) {
        return Err(bad("the logged signature is not the envelope's signature"));
    }
    if decoded("verifier").as_deref() != Some(cert::to_pem(leaf_der).as_bytes()) {
        return Err(bad(
            "the logged verifier is not the attestation's certificate",
        ));
    }
    Ok(())
}

/// One subject, the expected file name and digest, a known predicate type.
fn check_statement(statement: &[u8], expected: &Expected) -> Result<String, Failure> {
    let s = Statement::parse(statement).map_err(|e| Failure::Statement(e.to_string()))?;
    if s.kind != STATEMENT_TYPE {
        return Err(Failure::Statement(format!(
            "_type is {:?}, not {STATEMENT_TYPE}",
            s.kind
        )));
    }
    let [subject] = s.subject.as_slice() else {
        return Err(Failure::Statement(format!(
            "it has {} subjects, not 1",
            s.subject.len()
        )));
    };
    if !same_dist(&subject.name, expected.file_name) {
        return Err(Failure::SubjectName {
            got: subject.name.clone(),
            want: expected.file_name.to_string(),
        });
    }
    if subject.digest.sha256 != expected.sha256 {
        return Err(Failure::SubjectDigest {
            got: subject.digest.sha256.clone(),
            want: expected.sha256.to_string(),
        });
    }
    if s.predicate_type != PUBLISH_PREDICATE && s.predicate_type != SLSA_PREDICATE {
        return Err(Failure::PredicateType(s.predicate_type));
    }
    Ok(s.predicate_type)
}

/// Two distribution file names name the same file: equal, or equal but for the spelling of
/// the project name (case and runs of `-`, `_`, `.`).
pub fn same_dist(a: &str, b: &str) -> bool {
    a == b || matches!((split_dist(a), split_dist(b)), (Some(x), Some(y)) if x == y)
}

/// (normalised project name, the rest) of a wheel or sdist file name.
fn split_dist(name: &str) -> Option<(String, String)> {
    if name.ends_with(".whl") {
        let (project, rest) = name.split_once('-')?;
        return Some((crate::names::pep503(project), rest.to_string()));
    }
    let stem = name
        .strip_suffix(".tar.gz")
        .or_else(|| name.strip_suffix(".zip"))?;
    let (project, version) = stem.rsplit_once('-')?;
    let ext = name.get(stem.len()..)?;
    Some((crate::names::pep503(project), format!("{version}{ext}")))
}

/// PyPI's GitHubPublisher policy, plus the environment when both name one.
fn check_publisher(
    leaf: &Certificate,
    identity: &Identity,
    publisher: &Publisher,
) -> Result<(), Failure> {
    // The policy reads the V2 issuer (.1.8) only, as sigstore-python's OIDCIssuerV2 does.
    let issuer = cert::fulcio_extension(leaf, 8).map_err(Failure::Certificate)?;
    if issuer.as_deref() != Some(GITHUB_ISSUER) {
        return Err(Failure::Issuer(issuer));
    }
    let repository = format!("https://github.com/{}", publisher.repository);
    if identity.source_repository_uri.as_deref() != Some(repository.as_str()) {
        return Err(Failure::Repository {
            got: identity.source_repository_uri.clone(),
            want: repository,
        });
    }
    let workflow = format!("{repository}/.github/workflows/{}", publisher.workflow);
    let refs = [
        &identity.source_repository_digest,
        &identity.source_repository_ref,
    ];
    let matches = identity.build_config_uri.as_deref().is_some_and(|uri| {
        refs.iter()
            .filter_map(|r| r.as_deref())
            .any(|r| uri == format!("{workflow}@{r}"))
    });
    if !matches {
        return Err(Failure::Workflow {
            got: identity.build_config_uri.clone(),
            want: format!("{workflow}@<ref or commit>"),
        });
    }
    if let (Some(want), Some(got)) = (&publisher.environment, &identity.deployment_environment)
        && want != got
    {
        return Err(Failure::Environment {
            got: got.clone(),
            want: want.clone(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attest::cert::testing::{self as ca, Ca, Leaf, SctMode, T0};
    use crate::attest::checkpoint::testing::signed;
    use crate::attest::keys::{key_id, testkeys};
    use crate::attest::merkle::testing::{naive_path, naive_root};
    use crate::attest::model::{
        Checkpoint, Envelope, InclusionPromise, InclusionProof, KindVersion, LogId,
        VerificationMaterial,
    };
    use crate::attest::statement::publish_statement;

    const FILE: &str = "demo_pkg-0.1.0-py3-none-any.whl";
    const SHA: &str = "abababababababababababababababababababababababababababababababab";

    struct World {
        ca: Ca,
        rekor: p256::ecdsa::SigningKey,
        leaf_key: p256::ecdsa::SigningKey,
    }

    impl World {
        fn new() -> World {
            World {
                ca: Ca::new("w"),
                rekor: testkeys::p256("rekor"),
                leaf_key: testkeys::p256("ephemeral"),
            }
        }
        fn root(&self) -> TrustedRoot {
            TrustedRoot {
                tlogs: vec![ca::log_key(&self.rekor, "https://rekor.test")],
                ctlogs: vec![self.ca.ctlog()],
                authorities: vec![self.ca.authority()],
            }
        }
    }

    /// The knobs of one attestation; the default is a valid one.
    struct Make {
        leaf: Leaf,
        statement: Vec<u8>,
        integrated_time: i64,
        body_edit: fn(&mut Value),
        checkpoint_size: u64,
        checkpoint_root: Option<[u8; 32]>,
        checkpoint_key: Option<p256::ecdsa::SigningKey>,
        set_key: Option<p256::ecdsa::SigningKey>,
    }

    impl Default for Make {
        fn default() -> Make {
            Make {
                leaf: Leaf::default(),
                statement: publish_statement(FILE, SHA),
                integrated_time: T0 + 30,
                body_edit: |_| {},
                checkpoint_size: 7,
                checkpoint_root: None,
                checkpoint_key: None,
                set_key: None,
            }
        }
    }

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    fn make(w: &World, m: &Make) -> Attestation {
        let leaf = ca::issue(&w.ca, &w.leaf_key, &m.leaf);
        let sig = testkeys::sign256(&w.leaf_key, &pae(IN_TOTO_PAYLOAD_TYPE, &m.statement));
        let envelope = json!({"payload": b64(&m.statement), "payloadType": IN_TOTO_PAYLOAD_TYPE,
                              "signatures": [{"sig": b64(&sig)}]});
        let mut body = json!({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(envelope.to_string()))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&m.statement))},
            "signatures": [{"signature": b64(&sig), "verifier": b64(cert::to_pem(&leaf).as_bytes())}]}});
        (m.body_edit)(&mut body);
        let body = jcs::canonical(&body);
        let body_b64 = b64(&body);
        let mut leaves: Vec<[u8; 32]> = (0..7)
            .map(|i| merkle::leaf_hash(format!("other entry {i}").as_bytes()))
            .collect();
        leaves[5] = merkle::leaf_hash(&body);
        let root = naive_root(&leaves);
        let path = naive_path(5, &leaves);
        let rekor_id = key_id(&testkeys::p256_spki(&w.rekor));
        let checkpoint = signed(
            "rekor.test - 1",
            m.checkpoint_size,
            &m.checkpoint_root.unwrap_or(root),
            m.checkpoint_key.as_ref().unwrap_or(&w.rekor),
        );
        let summary = json!({"body": body_b64, "integratedTime": m.integrated_time,
                             "logID": hex(&rekor_id), "logIndex": 12345});
        let set = testkeys::sign256(
            m.set_key.as_ref().unwrap_or(&w.rekor),
            &jcs::canonical(&summary),
        );
        Attestation {
            version: 1,
            verification_material: VerificationMaterial {
                certificate: b64(&leaf),
                transparency_entries: vec![TransparencyEntry {
                    log_index: "12345".into(),
                    log_id: LogId {
                        key_id: b64(&rekor_id),
                    },
                    kind_version: KindVersion {
                        kind: "dsse".into(),
                        version: "0.0.1".into(),
                    },
                    integrated_time: m.integrated_time.to_string(),
                    inclusion_promise: Some(InclusionPromise {
                        signed_entry_timestamp: b64(&set),
                    }),
                    inclusion_proof: Some(InclusionProof {
                        log_index: "5".into(),
                        root_hash: b64(&root),
                        tree_size: "7".into(),
                        hashes: path.iter().map(|h| b64(h)).collect(),
                        checkpoint: Checkpoint {
                            envelope: checkpoint,
                        },
                    }),
                    canonicalized_body: body_b64,
                }],
            },
            envelope: Envelope {
                statement: b64(&m.statement),
                signature: b64(&sig),
            },
        }
    }

    /// The trust root of `w` as `trusted_root.json`.
    fn trusted_root_json(w: &World) -> String {
        let log = |key: &p256::ecdsa::SigningKey, url: &str| {
            let spki = testkeys::p256_spki(key);
            json!({"baseUrl": url, "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": b64(&spki), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": {"start": "2024-01-01T00:00:00Z"}},
                   "logId": {"keyId": b64(&key_id(&spki))}})
        };
        let root = json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(&w.rekor, "https://rekor.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "chora tests", "commonName": "w intermediate"},
                "uri": "https://fulcio.test",
                "certChain": {"certificates": [{"rawBytes": b64(&w.ca.inter)}, {"rawBytes": b64(&w.ca.root)}]},
                "validFor": {"start": "2024-01-01T00:00:00Z"}}],
            "ctlogs": [log(&w.ca.ct_key, "https://ctfe.test")],
            "timestampAuthorities": []
        });
        serde_json::to_string_pretty(&root).unwrap()
    }

    /// `testdata/`: the test world's trust root and its valid attestation of [`FILE`] with
    /// digest [`SHA`] (deterministic: RFC 6979 signatures, fixed times). sigstore-python and
    /// pypi-attestations accept them (`GitHubPublisher("octo/pkg", "release.yml")`).
    /// `CHORA_BLESS=1` rewrites them.
    #[test]
    fn the_committed_fixture_is_current_and_verifies() {
        let w = World::new();
        let root_json = trusted_root_json(&w) + "\n";
        let att_json = serde_json::to_string_pretty(&make(&w, &Make::default())).unwrap() + "\n";
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/attest/testdata");
        if std::env::var_os("CHORA_BLESS").is_some() {
            std::fs::write(dir.join("trusted_root.json"), &root_json).unwrap();
            std::fs::write(
                dir.join("demo_pkg-0.1.0-py3-none-any.whl.publish.attestation"),
                &att_json,
            )
            .unwrap();
        }
        assert_eq!(
            root_json,
            include_str!("testdata/trusted_root.json"),
            "rerun with CHORA_BLESS=1"
        );
        let committed =
            include_str!("testdata/demo_pkg-0.1.0-py3-none-any.whl.publish.attestation");
        assert_eq!(att_json, committed, "rerun with CHORA_BLESS=1");
        let root = TrustedRoot::from_json(include_str!("testdata/trusted_root.json")).unwrap();
        let att: Attestation = serde_json::from_str(committed).unwrap();
        let v = verify(&att, &EXPECTED, Some(&publisher()), &root).unwrap();
        assert_eq!(v.identity.san, Leaf::default().san);
    }

    /// A real public-good attestation (pypi/pypi-attestations `test/assets`, signed
    /// 2025-10-10 by an email identity; it also carries a TSA timestamp, which PEP 740's
    /// model ignores).
    const REAL: &str = include_str!("testdata/pypi_attestations-0.0.19.tar.gz.publish.attestation");
    const REAL_FILE: &str = "pypi_attestations-0.0.19.tar.gz";
    const REAL_SHA: &str = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";

    #[test]
    fn a_real_public_good_attestation_verifies() {
        let att: Attestation = serde_json::from_str(REAL).unwrap();
        let expected = Expected {
            file_name: REAL_FILE,
            sha256: REAL_SHA,
        };
        let root = TrustedRoot::public_good();
        let v = verify(&att, &expected, None, &root).unwrap();
        assert_eq!(v.integrated_time, 1760084548);
        assert_eq!(v.log_index, 598461431);
        assert_eq!(v.identity.san, "jku@goto.fi");
        assert_eq!(
            v.identity.issuer.as_deref(),
            Some("https://github.com/login/oauth")
        );
        // It is not a GitHub Actions identity.
        let err = verify(&att, &expected, Some(&publisher()), &root).unwrap_err();
        assert_eq!(err.check(), "issuer");
        // One flipped bit anywhere signed is caught.
        let mut bad = att.clone();
        bad.verification_material.transparency_entries[0].integrated_time = "1760084549".into();
        assert_eq!(
            verify(&bad, &expected, None, &root).unwrap_err().check(),
            "set"
        );
        let mut bad = att.clone();
        bad.verification_material.transparency_entries[0]
            .inclusion_proof
            .as_mut()
            .unwrap()
            .log_index = "476557168".into();
        assert_eq!(
            verify(&bad, &expected, None, &root).unwrap_err().check(),
            "inclusion-proof"
        );
    }

    fn publisher() -> Publisher {
        Publisher {
            repository: "octo/pkg".into(),
            workflow: "release.yml".into(),
            environment: Some("pypi".into()),
        }
    }

    const EXPECTED: Expected<'static> = Expected {
        file_name: FILE,
        sha256: SHA,
    };

    /// The check that rejects `att` (with the default publisher and expectations).
    fn rejected(w: &World, att: &Attestation) -> &'static str {
        match verify(att, &EXPECTED, Some(&publisher()), &w.root()) {
            Ok(_) => "accepted",
            Err(e) => {
                assert!(!e.to_string().is_empty());
                e.check()
            }
        }
    }

    fn rejected_made(m: Make) -> &'static str {
        let w = World::new();
        rejected(&w, &make(&w, &m))
    }

    fn entry(att: &mut Attestation) -> &mut TransparencyEntry {
        &mut att.verification_material.transparency_entries[0]
    }

    fn proof(att: &mut Attestation) -> &mut InclusionProof {
        entry(att).inclusion_proof.as_mut().unwrap()
    }

    #[test]
    fn a_valid_attestation_verifies() {
        let w = World::new();
        let att = make(&w, &Make::default());
        let v = verify(&att, &EXPECTED, Some(&publisher()), &w.root()).unwrap();
        assert_eq!(v.integrated_time, T0 + 30);
        assert_eq!(v.log_index, 12345);
        assert_eq!(v.predicate_type, PUBLISH_PREDICATE);
        assert_eq!(
            v.identity.source_repository_uri.as_deref(),
            Some("https://github.com/octo/pkg")
        );
        // Without a publisher policy, and after a JSON round trip.
        let text = serde_json::to_string(&att).unwrap();
        let back: Attestation = serde_json::from_str(&text).unwrap();
        assert!(verify(&back, &EXPECTED, None, &w.root()).is_ok());
        // The project-name spelling may differ.
        let renamed = Expected {
            file_name: "Demo.Pkg-0.1.0-py3-none-any.whl",
            sha256: SHA,
        };
        assert!(verify(&att, &renamed, None, &w.root()).is_ok());
        // The environment is only compared when the certificate names one.
        let mut other_env = publisher();
        other_env.environment = None;
        assert!(verify(&att, &EXPECTED, Some(&other_env), &w.root()).is_ok());
    }

    #[test]
    fn the_public_good_root_does_not_trust_a_test_attestation() {
        let w = World::new();
        let att = make(&w, &Make::default());
        let err = verify(&att, &EXPECTED, None, &TrustedRoot::public_good()).unwrap_err();
        assert_eq!(err.check(), "chain");
    }

    #[test]
    fn attestation_level_tampering() {
        let w = World::new();
        let good = make(&w, &Make::default());
        let mut att = good.clone();
        att.version = 2;
        assert_eq!(rejected(&w, &att), "version");
        let mut att = good.clone();
        att.verification_material.certificate = "!!".into();
        assert_eq!(rejected(&w, &att), "certificate");
        let mut att = good.clone();
        att.verification_material.certificate = b64(b"not a certificate");
        assert_eq!(rejected(&w, &att), "certificate");
        let mut att = good.clone();
        att.verification_material.transparency_entries.clear();
        assert_eq!(rejected(&w, &att), "entry-count");
        let mut att = good.clone();
        let e = entry(&mut att).clone();
        att.verification_material.transparency_entries.push(e);
        assert_eq!(rejected(&w, &att), "entry-count");
        let mut att = good.clone();
        entry(&mut att).kind_version.kind = "hashedrekord".into();
        assert_eq!(rejected(&w, &att), "kind-version");
        let mut att = good.clone();
        entry(&mut att).kind_version.version = "0.0.2".into();
        assert_eq!(rejected(&w, &att), "kind-version");
        let mut att = good.clone();
        entry(&mut att).integrated_time = "0".into();
        assert_eq!(rejected(&w, &att), "log-entry");
        let mut att = good.clone();
        entry(&mut att).canonicalized_body = "%%".into();
        assert_eq!(rejected(&w, &att), "log-entry");
        // Another statement signature (a valid signature, by the right key, of other bytes).
        let mut att = good.clone();
        let other = testkeys::sign256(&w.leaf_key, b"something else");
        att.envelope.signature = b64(&other);
        assert_eq!(rejected(&w, &att), "signature");
        // A changed statement no longer matches its signature.
        let mut att = good.clone();
        att.envelope.statement = b64(&publish_statement(FILE, &"cd".repeat(32)));
        assert_eq!(rejected(&w, &att), "signature");
    }

    #[test]
    fn certificate_tampering() {
        let w = World::new();
        let good = make(&w, &Make::default());
        // A root without our CA.
        let mut root = w.root();
        root.authorities = vec![Ca::new("stranger").authority()];
        let err = verify(&good, &EXPECTED, None, &root).unwrap_err();
        assert_eq!(err.check(), "chain");
        assert_eq!(
            rejected_made(Make {
                integrated_time: T0 + 601,
                ..Make::default()
            }),
            "certificate-validity"
        );
        assert_eq!(
            rejected_made(Make {
                integrated_time: T0 - 1,
                ..Make::default()
            }),
            "certificate-validity"
        );
        for leaf in [
            Leaf {
                key_usage: false,
                ..Leaf::default()
            },
            Leaf {
                code_signing: false,
                ..Leaf::default()
            },
        ] {
            assert_eq!(
                rejected_made(Make {
                    leaf,
                    ..Make::default()
                }),
                "key-usage"
            );
        }
        for leaf in [
            Leaf {
                aki: false,
                ..Leaf::default()
            },
            Leaf {
                san_critical: false,
                ..Leaf::default()
            },
            Leaf {
                ca: true,
                ..Leaf::default()
            },
        ] {
            assert_eq!(
                rejected_made(Make {
                    leaf,
                    ..Make::default()
                }),
                "certificate-profile"
            );
        }
        for sct in [SctMode::Missing, SctMode::WrongTbs, SctMode::UnknownLog] {
            let leaf = Leaf {
                sct,
                ..Leaf::default()
            };
            assert_eq!(
                rejected_made(Make {
                    leaf,
                    ..Make::default()
                }),
                "sct",
                "{sct:?}"
            );
        }
        // A root without the CT log.
        let mut root = w.root();
        root.ctlogs = vec![ca::log_key(
            &testkeys::p256("another ct"),
            "https://ct.other",
        )];
        assert_eq!(
            verify(&good, &EXPECTED, None, &root).unwrap_err().check(),
            "sct"
        );
    }

    #[test]
    fn log_tampering() {
        let w = World::new();
        let good = make(&w, &Make::default());
        // SET: flipped, signed by another key, missing, log unknown to the root.
        let mut att = good.clone();
        let promise = entry(&mut att).inclusion_promise.as_mut().unwrap();
        let mut set = STANDARD.decode(&promise.signed_entry_timestamp).unwrap();
        let n = set.len() - 3;
        set[n] ^= 1;
        promise.signed_entry_timestamp = b64(&set);
        assert_eq!(rejected(&w, &att), "set");
        assert_eq!(
            rejected_made(Make {
                set_key: Some(testkeys::p256("impostor")),
                ..Make::default()
            }),
            "set"
        );
        let mut att = good.clone();
        entry(&mut att).inclusion_promise = None;
        assert_eq!(rejected(&w, &att), "set");
        let mut att = good.clone();
        entry(&mut att).log_index = "12346".into();
        assert_eq!(rejected(&w, &att), "set");
        let mut root = w.root();
        root.tlogs[0].key = None; // e.g. an Ed25519 log
        assert_eq!(
            verify(&good, &EXPECTED, None, &root).unwrap_err().check(),
            "set"
        );
        // Inclusion proof: a hash, the index, the root, the length, missing.
        let mut att = good.clone();
        let p = proof(&mut att);
        let mut h = STANDARD.decode(&p.hashes[1]).unwrap();
        h[0] ^= 1;
        p.hashes[1] = b64(&h);
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        let mut att = good.clone();
        proof(&mut att).log_index = "4".into();
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        let mut att = good.clone();
        proof(&mut att).log_index = "7".into();
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        let mut att = good.clone();
        proof(&mut att).root_hash = b64(&[0u8; 32]);
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        let mut att = good.clone();
        proof(&mut att).hashes.pop();
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        let mut att = good.clone();
        proof(&mut att).tree_size = "6".into();
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        // Index 5 has the same path shape in trees of 7 and 8 leaves: the proof still leads to
        // rootHash, and only the checkpoint's size catches the lie.
        let mut att = good.clone();
        proof(&mut att).tree_size = "8".into();
        assert_eq!(rejected(&w, &att), "checkpoint");
        let mut att = good.clone();
        entry(&mut att).inclusion_proof = None;
        assert_eq!(rejected(&w, &att), "inclusion-proof");
        // Checkpoint: unsigned text change, another signer, another size, another root.
        let mut att = good.clone();
        let cp = &mut proof(&mut att).checkpoint.envelope;
        *cp = cp.replacen("rekor.test - 1\n", "rekor.test - 2\n", 1);
        assert_eq!(rejected(&w, &att), "checkpoint");
        let mut att = good.clone();
        proof(&mut att).checkpoint.envelope = "garbage".into();
        assert_eq!(rejected(&w, &att), "checkpoint");
        let knobs = [
            Make {
                checkpoint_key: Some(testkeys::p256("impostor")),
                ..Make::default()
            },
            Make {
                checkpoint_size: 8,
                ..Make::default()
            },
            Make {
                checkpoint_root: Some([7u8; 32]),
                ..Make::default()
            },
        ];
        for m in knobs {
            assert_eq!(rejected_made(m), "checkpoint");
        }
    }

    #[test]
    fn body_tampering() {
        let edits: [fn(&mut Value); 7] = [
            |b| b["spec"]["payloadHash"]["value"] = json!("00".repeat(32)),
            |b| b["spec"]["payloadHash"]["algorithm"] = json!("sha512"),
            |b| b["spec"]["envelopeHash"] = Value::Null,
            |b| b["spec"]["signatures"][0]["signature"] = json!(STANDARD.encode(b"other")),
            |b| {
                b["spec"]["signatures"][0]["verifier"] =
                    json!(STANDARD.encode(b"-----BEGIN CERTIFICATE-----\n"))
            },
            |b| {
                let s = b["spec"]["signatures"][0].clone();
                b["spec"]["signatures"] = json!([s.clone(), s]);
            },
            |b| b["kind"] = json!("intoto"),
        ];
        for (i, body_edit) in edits.into_iter().enumerate() {
            assert_eq!(
                rejected_made(Make {
                    body_edit,
                    ..Make::default()
                }),
                "body",
                "edit {i}"
            );
        }
    }

    #[test]
    fn statement_tampering() {
        let statement = |v: Value| serde_json::to_vec(&v).unwrap();
        let subject = json!({"name": FILE, "digest": {"sha256": SHA}});
        let cases = [
            (b"not json".to_vec(), "statement"),
            (
                statement(
                    json!({"_type": "https://in-toto.io/Statement/v0.1", "subject": [subject],
                                 "predicateType": PUBLISH_PREDICATE, "predicate": null}),
                ),
                "statement",
            ),
            (
                statement(
                    json!({"_type": STATEMENT_TYPE, "subject": [subject, subject],
                                 "predicateType": PUBLISH_PREDICATE, "predicate": null}),
                ),
                "statement",
            ),
            (
                statement(json!({"_type": STATEMENT_TYPE, "subject": [subject],
                                 "predicateType": "https://example.com/other", "predicate": null})),
                "predicate-type",
            ),
            (
                publish_statement("demo_pkg-0.2.0-py3-none-any.whl", SHA),
                "subject-name",
            ),
            (
                publish_statement("evil_pkg-0.1.0-py3-none-any.whl", SHA),
                "subject-name",
            ),
            (publish_statement(FILE, &"cd".repeat(32)), "subject-digest"),
        ];
        for (bytes, check) in cases {
            let m = Make {
                statement: bytes.clone(),
                ..Make::default()
            };
            assert_eq!(
                rejected_made(m),
                check,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let slsa = statement(json!({"_type": STATEMENT_TYPE, "subject": [subject],
                                    "predicateType": SLSA_PREDICATE, "predicate": {}}));
        assert_eq!(
            rejected_made(Make {
                statement: slsa,
                ..Make::default()
            }),
            "accepted"
        );
        // What the caller expects.
        let w = World::new();
        let att = make(&w, &Make::default());
        let wrong_file = Expected {
            file_name: "demo_pkg-0.1.0.tar.gz",
            sha256: SHA,
        };
        assert_eq!(
            verify(&att, &wrong_file, None, &w.root())
                .unwrap_err()
                .check(),
            "subject-name"
        );
        let wrong_sha = Expected {
            file_name: FILE,
            sha256: &"ef".repeat(32),
        };
        assert_eq!(
            verify(&att, &wrong_sha, None, &w.root())
                .unwrap_err()
                .check(),
            "subject-digest"
        );
    }

    #[test]
    fn publisher_policy() {
        let w = World::new();
        let att = make(&w, &Make::default());
        let check = |p: Publisher| {
            verify(&att, &EXPECTED, Some(&p), &w.root())
                .map(|_| ())
                .map_err(|e| e.check())
        };
        assert_eq!(check(publisher()), Ok(()));
        assert_eq!(
            check(Publisher {
                repository: "evil/pkg".into(),
                ..publisher()
            }),
            Err("repository")
        );
        assert_eq!(
            check(Publisher {
                repository: "octo/pk".into(),
                ..publisher()
            }),
            Err("repository")
        );
        assert_eq!(
            check(Publisher {
                workflow: "other.yml".into(),
                ..publisher()
            }),
            Err("workflow")
        );
        assert_eq!(
            check(Publisher {
                environment: Some("staging".into()),
                ..publisher()
            }),
            Err("environment")
        );

        let with = |n: u32, value: Option<&str>| {
            let mut leaf = Leaf::default();
            leaf.fulcio.retain(|(k, _)| *k != n);
            if let Some(v) = value {
                leaf.fulcio.push((n, v.into()));
            }
            rejected_made(Make {
                leaf,
                ..Make::default()
            })
        };
        assert_eq!(with(8, Some("https://gitlab.com")), "issuer");
        // The legacy issuer alone does not satisfy the policy (sigstore-python reads .1.8).
        assert_eq!(with(8, None), "issuer");
        assert_eq!(with(12, None), "repository");
        assert_eq!(with(18, None), "workflow");
        assert_eq!(
            with(
                18,
                Some("https://github.com/octo/pkg/.github/workflows/release.yml@refs/heads/evil")
            ),
            "workflow"
        );
        // The build config may name the commit instead of the ref.
        assert_eq!(
            with(
                18,
                Some(
                    "https://github.com/octo/pkg/.github/workflows/release.yml@0123456789abcdef0123456789abcdef01234567"
                )
            ),
            "accepted"
        );
        assert_eq!(with(23, None), "accepted");
    }

    #[test]
    fn dist_names_compare_by_normalised_project_name() {
        assert!(same_dist(
            "a_b-1.0-py3-none-any.whl",
            "A.B-1.0-py3-none-any.whl"
        ));
        assert!(same_dist("a_b-1.0.tar.gz", "A--b-1.0.tar.gz"));
        assert!(same_dist("my-pkg-1.0.zip", "my_pkg-1.0.zip"));
        assert!(!same_dist("a_b-1.0.tar.gz", "a_b-1.0.zip"));
        assert!(!same_dist(
            "a_b-1.0-py3-none-any.whl",
            "a_b-1.1-py3-none-any.whl"
        ));
        assert!(!same_dist(
            "a_b-1.0-py3-none-any.whl",
            "a_b-1.0-py3-none-ANY.whl"
        ));
        assert!(!same_dist("ab-1.0.tar.gz", "a_b-1.0.tar.gz"));
        assert!(!same_dist("x.txt", "X.txt"));
    }
}
