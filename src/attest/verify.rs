//! Every check PyPI's verifier (sigstore-python `Verifier.verify_dsse` and pypi-attestations
//! `Attestation.verify`) runs on one PEP 740 attestation, offline, against a trust root; each
//! failure is its own variant, named by [`Failure::check`].
//!
//! The Rekor body's `envelopeHash` is checked for shape only (sha256, 64 hex digits): it hashes
//! the signer's own JSON text of the DSSE envelope, which the attestation does not carry.
//! sigstore-python does not check it either.

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
