//! Tampered attestations: one attestation signed by `chora-publish sign` against the Sigstore
//! stand-ins, then one test per part tampered with (statement, signature, SET, proof hash,
//! checkpoint size, SCT, repository, workflow, file name, digest). The real verifier
//! (`pypi-attestations` `Attestation.verify` with a GitHub publisher) must reject each, and
//! `chora-publish verify-attestation` must agree with it — on the untampered one too.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use standin::oidc::GithubOidc;
use standin::sigstore::Sigstore;
use standin::sigstore::python::{Case, verify_with_python};

const WHEEL: &str = "demo_pkg-0.1.0-py3-none-any.whl";

/// What every test starts from (kept on disk for the whole run).
struct Signed {
    dir: PathBuf,
    attestation: Value,
    repository: String,
    workflow: String,
}

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let oidc = GithubOidc::start();
        let sigstore = Sigstore::start(&oidc);
        let dir = tempfile::tempdir().unwrap().keep();
        std::fs::create_dir(dir.join("dist")).unwrap();
        let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
        std::fs::write(dir.join("dist").join(&wheel.filename), &wheel.data).unwrap();
        std::fs::copy(sigstore.trusted_root_path(), dir.join("trusted_root.json")).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
            .current_dir(&dir)
            .env_clear()
            .envs(oidc.env_vars())
            .args(["sign", "--sigstore-fulcio-url", &sigstore.fulcio_url()])
            .args(["--sigstore-rekor-url", &sigstore.rekor_url()])
            .args(["--sigstore-trust-root", "trusted_root.json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text =
            std::fs::read_to_string(dir.join(format!("attestations/{WHEEL}.publish.attestation")))
                .unwrap();
        let claims = oidc.claims();
        Signed {
            dir,
            attestation: serde_json::from_str(&text).unwrap(),
            repository: claims.repository,
            workflow: claims.workflow_file,
        }
    })
}

/// A variant to judge: the attestation, the distribution it is checked against, the
/// publisher and the trust root.
struct Variant {
    attestation: Value,
    dist: PathBuf,
    repository: String,
    workflow: String,
    trust_root: PathBuf,
}

fn base() -> Variant {
    let s = signed();
    Variant {
        attestation: s.attestation.clone(),
        dist: s.dir.join("dist").join(WHEEL),
        repository: s.repository.clone(),
        workflow: s.workflow.clone(),
        trust_root: s.dir.join("trusted_root.json"),
    }
}

/// Both verdicts: (the real verifier accepts, chora-publish's failed check or None).
fn judge(v: &Variant) -> (bool, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("variant.attestation");
    std::fs::write(&path, serde_json::to_vec(&v.attestation).unwrap()).unwrap();
    let name = v.dist.file_name().unwrap().to_string_lossy().into_owned();
    let python = verify_with_python(&[Case {
        attestation: path.clone(),
        filename: name,
        sha256: standin::util::sha256_hex(&std::fs::read(&v.dist).unwrap()),
        trusted_root: v.trust_root.clone(),
        repository: v.repository.clone(),
        workflow: v.workflow.clone(),
    }]);
    assert_eq!(python.len(), 1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .env_clear()
        .arg("verify-attestation")
        .arg(&v.dist)
        .arg(&path)
        .args(["--repository", &v.repository, "--workflow", &v.workflow])
        .arg("--trust-root")
        .arg(&v.trust_root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let ok = report["ok"].as_bool().unwrap();
    assert_eq!(out.status.code(), Some(if ok { 0 } else { 1 }));
    (python[0].ok, report["check"].as_str().map(str::to_string))
}

/// The real verifier refuses and chora-publish refuses naming `check`.
fn assert_both_refuse(v: &Variant, check: &str) {
    let (python_ok, ours) = judge(v);
    assert!(
        !python_ok,
        "pypi-attestations accepted a tampered attestation"
    );
    assert_eq!(ours.as_deref(), Some(check));
}

/// Decode a base64 field, change it with `f`, encode it back.
fn edit_b64(value: &mut Value, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = B64.decode(value.as_str().unwrap()).unwrap();
    f(&mut bytes);
    *value = Value::String(B64.encode(bytes));
}

fn entry(v: &mut Variant) -> &mut Value {
    &mut v.attestation["verification_material"]["transparency_entries"][0]
}

#[test]
fn the_untampered_attestation_is_accepted_by_both() {
    assert_eq!(judge(&base()), (true, None));
}

#[test]
fn a_tampered_statement_is_refused() {
    let mut v = base();
    edit_b64(&mut v.attestation["envelope"]["statement"], |s| {
        let text = String::from_utf8(s.clone())
            .unwrap()
            .replace("\"predicate\":null", "\"predicate\":{}");
        *s = text.into_bytes();
    });
    assert_both_refuse(&v, "signature");
}

#[test]
fn a_tampered_signature_is_refused() {
    let mut v = base();
    edit_b64(&mut v.attestation["envelope"]["signature"], |s| {
        let last = s.len() - 1;
        s[last] ^= 1;
    });
    assert_both_refuse(&v, "signature");
}

#[test]
fn a_tampered_signed_entry_timestamp_is_refused() {
    let mut v = base();
    edit_b64(
        &mut entry(&mut v)["inclusionPromise"]["signedEntryTimestamp"],
        |s| {
            let last = s.len() - 1;
            s[last] ^= 1;
        },
    );
    assert_both_refuse(&v, "set");
}

#[test]
fn a_tampered_proof_hash_is_refused() {
    let mut v = base();
    edit_b64(&mut entry(&mut v)["inclusionProof"]["hashes"][0], |h| {
        h[0] ^= 0x80
    });
    assert_both_refuse(&v, "inclusion-proof");
}

#[test]
fn a_tampered_checkpoint_size_is_refused() {
    let mut v = base();
    let note = entry(&mut v)["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .unwrap()
        .to_string();
    let mut lines: Vec<String> = note.split('\n').map(str::to_string).collect();
    let size: u64 = lines[1].parse().unwrap();
    lines[1] = (size + 1).to_string();
    entry(&mut v)["inclusionProof"]["checkpoint"]["envelope"] = Value::String(lines.join("\n"));
    assert_both_refuse(&v, "checkpoint");
}

#[test]
fn an_sct_from_a_log_the_trust_root_does_not_know_is_refused() {
    // The CT log's key in the trust root replaced by another (the Rekor key, a valid P-256
    // key), keeping its log id: the certificate's embedded SCT no longer verifies.
    let mut v = base();
    let mut root: Value =
        serde_json::from_str(&std::fs::read_to_string(&v.trust_root).unwrap()).unwrap();
    let rekor_key = root["tlogs"][0]["publicKey"]["rawBytes"].clone();
    root["ctlogs"][0]["publicKey"]["rawBytes"] = rekor_key;
    let dir = tempfile::tempdir().unwrap().keep();
    v.trust_root = dir.join("trusted_root.json");
    std::fs::write(&v.trust_root, root.to_string()).unwrap();
    assert_both_refuse(&v, "sct");
}

#[test]
fn another_repository_is_refused() {
    let mut v = base();
    v.repository = "evil/pkg".into();
    assert_both_refuse(&v, "repository");
}

#[test]
fn another_workflow_is_refused() {
    let mut v = base();
    v.workflow = "other.yml".into();
    assert_both_refuse(&v, "workflow");
}

/// The same wheel bytes under another file name (another version), or other bytes under the
/// same name.
fn other_dist(name: &str, data: &[u8]) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path
}

#[test]
fn another_file_name_is_refused() {
    let mut v = base();
    let data = std::fs::read(&v.dist).unwrap();
    v.dist = other_dist("demo_pkg-0.1.1-py3-none-any.whl", &data);
    assert_both_refuse(&v, "subject-name");
}

#[test]
fn another_digest_is_refused() {
    let mut v = base();
    let mut data = std::fs::read(&v.dist).unwrap();
    data.push(0);
    v.dist = other_dist(WHEEL, &data);
    assert_both_refuse(&v, "subject-digest");
}
