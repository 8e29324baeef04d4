//! The bridge to the real verifier: `tests/support/pep740_verify.py` run by the test venv's
//! Python (`CHORA_TEST_PYTHON`, else `<repo>/.tools/bin/python`), many cases per process.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// One verification case.
#[derive(Clone, Debug)]
pub struct Case {
    /// Path of the `.attestation` JSON file.
    pub attestation: PathBuf,
    /// The dist file name the attestation must name.
    pub filename: String,
    /// Lowercase hex sha256 of the dist.
    pub sha256: String,
    pub trusted_root: PathBuf,
    /// `owner/repo` of the GitHubPublisher.
    pub repository: String,
    /// Workflow file name of the GitHubPublisher.
    pub workflow: String,
}

/// What the verifier said about one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    /// `"<exception class>: <message>"` when refused.
    pub error: Option<String>,
    pub predicate_type: Option<String>,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The interpreter with pypi-attestations and sigstore installed.
pub fn python() -> PathBuf {
    match std::env::var_os("CHORA_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo_root().join(".tools/bin/python"),
    }
}

/// The verifier script.
pub fn script() -> PathBuf {
    repo_root().join("tests/support/pep740_verify.py")
}

fn case_json(c: &Case) -> Value {
    json!({
        "attestation": c.attestation,
        "filename": c.filename,
        "sha256": c.sha256,
        "trusted_root": c.trusted_root,
        "repository": c.repository,
        "workflow": c.workflow,
    })
}

/// Verify every case in one Python process; outcomes in order. Panics (with stderr) when
/// the script itself fails.
pub fn verify_with_python(cases: &[Case]) -> Vec<Outcome> {
    let dir = tempfile::tempdir().expect("temp dir for CASES.json");
    let path = dir.path().join("CASES.json");
    let list: Vec<Value> = cases.iter().map(case_json).collect();
    std::fs::write(&path, serde_json::to_vec(&list).expect("JSON")).expect("write CASES.json");
    run(&path, cases.len())
}

fn run(cases_path: &Path, n: usize) -> Vec<Outcome> {
    let py = python();
    let out = Command::new(&py)
        .arg(script())
        .arg(cases_path)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", py.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "pep740_verify.py failed ({}):\n{stderr}",
        out.status
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "pep740_verify.py printed no JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let list = v.as_array().expect("a JSON list");
    assert_eq!(list.len(), n, "one outcome per case:\n{stderr}");
    list.iter()
        .map(|o| Outcome {
            ok: o["ok"].as_bool().expect("ok"),
            error: o["error"].as_str().map(str::to_string),
            predicate_type: o["predicate_type"].as_str().map(str::to_string),
        })
        .collect()
}
