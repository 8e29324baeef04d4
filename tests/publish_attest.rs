//! `chora-publish upload` signing PEP 740 attestations natively, end to end, as a GitHub
//! Actions release would: the GitHub OIDC stand-in (audiences `pypi` and `sigstore`), the
//! Fulcio-like CA and Rekor-v1-like log (tests/support/standin/sigstore/), and the PyPI
//! stand-in verifying every attestation on upload with the real verifier
//! (`pypi-attestations` + `sigstore`, tests/support/pep740_verify.py) and serving them on its
//! Integrity API. Also: no attestations with a token (the reason printed), and Fulcio/Rekor
//! faults retried or refused with nothing uploaded half-attested.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};

use standin::http::Fault;
use standin::oidc::GithubOidc;
use standin::pypi::Index;
use standin::sigstore::Sigstore;
use standin::sigstore::python::{Case, verify_with_python};

/// A wheel and an sdist of demo-pkg 0.1.0 in `<tmp>/dist`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    standin::dist::write_demo(&dist);
    dir
}

/// The stand-ins of one release: identity, Sigstore, and PyPI running the real verifier.
struct Release {
    oidc: GithubOidc,
    sigstore: Sigstore,
    index: Index,
    dir: tempfile::TempDir,
}

impl Release {
    fn start() -> Release {
        let oidc = GithubOidc::start();
        let sigstore = Sigstore::start(&oidc);
        let root = sigstore.trusted_root_path();
        let index = Index::for_github(&oidc).with_attestation_verifier(move |check| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let path = dir.path().join("upload.attestation");
            std::fs::write(&path, &check.attestation_json).map_err(|e| e.to_string())?;
            let outcome = verify_with_python(&[Case {
                attestation: path,
                filename: check.filename.clone(),
                sha256: check.sha256.clone(),
                trusted_root: root.clone(),
                repository: check.repository.clone(),
                workflow: check.workflow.clone(),
            }]);
            match outcome.first() {
                Some(o) if o.ok => Ok(()),
                Some(o) => Err(o.error.clone().unwrap_or_default()),
                None => Err("no verdict".into()),
            }
        });
        Release {
            oidc,
            sigstore,
            index,
            dir: project(),
        }
    }

    fn upload_url(&self) -> String {
        format!("{}/legacy/", self.index.url().trim_end_matches('/'))
    }

    /// The Sigstore options pointing at the stand-ins.
    fn sigstore_args(&self) -> Vec<String> {
        vec![
            "--sigstore-fulcio-url".into(),
            self.sigstore.fulcio_url(),
            "--sigstore-rekor-url".into(),
            self.sigstore.rekor_url(),
            "--sigstore-trust-root".into(),
            self.sigstore.trusted_root_path().display().to_string(),
        ]
    }

    fn run(&self, command: &str, args: &[&str], env: &[(String, String)]) -> Run {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CHORA_PUBLISH_RETRY_BASE_MS", "20")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg(command)
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `chora-publish upload --repository-url <stand-in> <sigstore options> ARGS` in GitHub Actions.
    fn upload(&self, args: &[&str]) -> Run {
        let url = self.upload_url();
        let sig = self.sigstore_args();
        let mut all: Vec<&str> = vec!["--repository-url", &url];
        all.extend(sig.iter().map(String::as_str));
        all.extend(args);
        self.run("upload", &all, &self.oidc.env_vars())
    }

    fn attestations_dir(&self) -> PathBuf {
        self.dir.path().join("attestations")
    }

    /// The archived attestation files (sorted names).
    fn archived(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.attestations_dir())
            .map(|it| {
                it.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// A case for the real verifier: `dist/<name>` attested by `attestation`, for the job's
    /// repository and workflow, against the stand-ins' trust root.
    fn case(&self, name: &str, attestation: &Path) -> Case {
        let claims = self.oidc.claims();
        Case {
            attestation: attestation.to_path_buf(),
            filename: name.to_string(),
            sha256: sha256_file(&self.dir.path().join("dist").join(name)),
            trusted_root: self.sigstore.trusted_root_path(),
            repository: claims.repository,
            workflow: claims.workflow_file,
        }
    }

    /// The identity-token requests made for `audience`.
    fn token_requests(&self, audience: &str) -> usize {
        self.oidc
            .server()
            .requests()
            .iter()
            .filter(|r| {
                standin::http::query_pairs(&r.query)
                    .iter()
                    .any(|(k, v)| k == "audience" && v == audience)
            })
            .count()
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn sha256_file(path: &Path) -> String {
    standin::util::sha256_hex(&std::fs::read(path).unwrap())
}

const WHEEL: &str = "demo_pkg-0.1.0-py3-none-any.whl";
const SDIST: &str = "demo_pkg-0.1.0.tar.gz";

#[test]
fn a_github_release_signs_uploads_and_archives_attestations_pypis_verifier_accepts() {
    let r = Release::start();
    let run = r.upload(&["--attestations=always", "--verify-provenance"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("2 uploaded, 0 skipped, 0 failed"),
        "{}",
        run.all()
    );

    // One certificate, one log entry and one `sigstore` identity token per distribution.
    assert_eq!(r.sigstore.issued_certs().len(), 2);
    assert_eq!(r.sigstore.entries().len(), 2);
    assert_eq!(r.token_requests("sigstore"), 2);

    // Archived under attestations/, not dist/.
    assert_eq!(
        r.archived(),
        vec![
            format!("{WHEEL}.publish.attestation"),
            format!("{SDIST}.publish.attestation")
        ]
    );
    let in_dist: Vec<_> = std::fs::read_dir(r.dir.path().join("dist"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".attestation")
        })
        .collect();
    assert!(in_dist.is_empty());

    // Each upload carried exactly its archived attestation, which the index verified with the
    // real verifier (the stand-in refuses otherwise) and serves on its Integrity API.
    let uploads = r.index.uploads();
    assert_eq!(uploads.len(), 2);
    for upload in &uploads {
        let archived = std::fs::read_to_string(
            r.attestations_dir()
                .join(format!("{}.publish.attestation", upload.filename)),
        )
        .unwrap();
        assert_eq!(
            upload.field("attestations"),
            Some(format!("[{archived}]").as_str())
        );
    }

    // And the real verifier accepts both archived files directly, too.
    let cases: Vec<Case> = [WHEEL, SDIST]
        .iter()
        .map(|name| {
            r.case(
                name,
                &r.attestations_dir()
                    .join(format!("{name}.publish.attestation")),
            )
        })
        .collect();
    let verdicts = verify_with_python(&cases);
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts.iter().all(|v| v.ok), "{verdicts:?}");

    // --verify-provenance read both back from the Integrity API.
    assert!(
        run.stdout.contains("Provenance on the index:"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.matches("ok  demo_pkg-0.1.0").count(),
        2,
        "{}",
        run.stdout
    );
    // The ephemeral key is never printed or written.
    assert!(!run.all().contains("PRIVATE KEY"));
}

#[test]
fn with_an_api_token_no_attestation_is_made_or_sent_and_the_reason_is_printed() {
    let r = Release::start();
    r.index.add_api_token("pypi-stand-in-secret-token", None);
    let url = r.upload_url();
    let env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    let run = r.run(
        "upload",
        &["--repository-url", &url, "--auth", "token"],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("Attestations: none sent (attestations need Trusted Publishing"),
        "{}",
        run.all()
    );
    let uploads = r.index.uploads();
    assert_eq!(uploads.len(), 2);
    assert!(uploads.iter().all(|u| u.field("attestations").is_none()));
    assert_eq!(r.sigstore.fulcio_server().requests().len(), 0);
    assert!(r.archived().is_empty());
}

#[test]
fn auto_signs_nothing_for_another_index_and_says_so() {
    let r = Release::start();
    let run = r.upload(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("is neither PyPI nor TestPyPI (--attestations=always signs for it anyway)"),
        "{}",
        run.all()
    );
    assert_eq!(r.sigstore.fulcio_server().requests().len(), 0);
    assert_eq!(r.token_requests("sigstore"), 0);
}

#[test]
fn fulcio_and_rekor_server_errors_are_retried() {
    let r = Release::start();
    r.sigstore
        .fulcio_server()
        .inject_times("/api/v2/signingCert", Fault::status(503), 2);
    r.sigstore
        .rekor_server()
        .inject_times("/api/v1/log/entries", Fault::retry_after(0), 1);
    let run = r.upload(&["--attestations=always"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(r.index.uploads().len(), 2);
    assert_eq!(
        r.sigstore.fulcio_server().requests().len(),
        4,
        "2 refused + 2 issued"
    );
    assert_eq!(
        r.sigstore.rekor_server().requests().len(),
        3,
        "1 throttled + 2 logged"
    );
}

#[test]
fn a_rekor_that_keeps_failing_uploads_nothing_and_says_what_to_do() {
    let r = Release::start();
    r.sigstore
        .rekor_server()
        .inject_times("/api/v1/log/entries", Fault::status(500), 100);
    let run = r.upload(&["--attestations=always", "--retries", "2"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("Rekor at "), "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing was uploaded"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--attestations=never"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("::error title=Signing attestations failed::"),
        "{}",
        run.stdout
    );
    assert!(
        r.index.upload_attempts().is_empty(),
        "nothing uploaded half-attested"
    );
    assert!(r.archived().is_empty());
}

#[test]
fn a_fulcio_refusal_names_the_identity_and_uploads_nothing() {
    let r = Release::start();
    r.sigstore.fulcio_server().inject(
        "/api/v2/signingCert",
        Fault::status_with(
            401,
            r#"{"code":16,"message":"There was an error processing the identity token"}"#,
            &[("content-type", "application/json")],
        ),
    );
    let run = r.upload(&["--attestations=always"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr
            .contains("There was an error processing the identity token"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("identity: repo:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("audience (`sigstore`)"),
        "{}",
        run.stderr
    );
    assert!(r.index.upload_attempts().is_empty());
}

#[test]
fn a_bad_signed_entry_timestamp_is_refused_before_anything_is_uploaded() {
    let r = Release::start();
    r.sigstore.corrupt_set(true);
    let run = r.upload(&["--attestations=always"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("does not verify"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("signed entry timestamp"),
        "{}",
        run.stderr
    );
    assert!(r.index.upload_attempts().is_empty());
    assert!(r.archived().is_empty());
}

#[test]
fn a_lying_inclusion_proof_or_checkpoint_is_refused() {
    for (knob, words) in [("proof", "inclusion proof"), ("checkpoint", "checkpoint")] {
        let r = Release::start();
        match knob {
            "proof" => r.sigstore.corrupt_proof_hash(true),
            _ => r.sigstore.lie_checkpoint_size(true),
        }
        let run = r.upload(&["--attestations=always"]);
        assert_eq!(run.code, 3, "{knob}: {}", run.all());
        assert!(
            run.stderr.to_lowercase().contains(words),
            "{knob}: {}",
            run.stderr
        );
        assert!(r.index.upload_attempts().is_empty(), "{knob}");
    }
}

#[test]
fn a_fulcio_that_does_not_answer_in_time_is_retried_then_reported() {
    let r = Release::start();
    r.sigstore.fulcio_server().inject_times(
        "/api/v2/signingCert",
        Fault::close_without_response(),
        100,
    );
    let run = r.upload(&["--attestations=always", "--retries", "2"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("cannot reach Fulcio"), "{}", run.stderr);
    assert!(run.stderr.contains("after 2 attempts"), "{}", run.stderr);
    assert!(r.index.upload_attempts().is_empty());
}

#[test]
fn sign_writes_attestations_the_real_verifier_accepts_and_verify_attestation_agrees() {
    let r = Release::start();
    let sig = r.sigstore_args();
    let mut args: Vec<&str> = vec!["--attestations-dir", "dist"];
    args.extend(sig.iter().map(String::as_str));
    let run = r.run("sign", &args, &r.oidc.env_vars());
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("2 distribution(s) signed."),
        "{}",
        run.stdout
    );
    let claims = r.oidc.claims();
    let root = r.sigstore.trusted_root_path().display().to_string();
    let mut checked = 0;
    for name in [WHEEL, SDIST] {
        let dist = format!("dist/{name}");
        let att = format!("dist/{name}.publish.attestation");
        let verdict = verify_with_python(&[r.case(name, &r.dir.path().join(&att))]);
        assert!(verdict[0].ok, "{verdict:?}");
        let ours = r.run(
            "verify-attestation",
            &[
                &dist,
                &att,
                "--repository",
                &claims.repository,
                "--workflow",
                &claims.workflow_file,
                "--trust-root",
                &root,
            ],
            &[],
        );
        assert_eq!(ours.code, 0, "{}", ours.all());
        assert!(
            ours.stdout.starts_with(&format!("ok  {name}")),
            "{}",
            ours.stdout
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
    // `upload` then sends these files as they are, signing nothing more.
    let before = r.sigstore.entries().len();
    let run = r.upload(&["--attestations=always"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(r.sigstore.entries().len(), before);
    assert_eq!(r.index.uploads().len(), 2);
}

#[test]
fn no_openssl_and_no_second_tls_stack_is_linked() {
    // Cargo.lock is the whole resolved graph (dev-dependencies included): signing is
    // RustCrypto over the one reqwest + rustls client.
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    let names: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    assert!(names.len() > 100, "{} packages", names.len());
    for banned in [
        "openssl",
        "openssl-sys",
        "native-tls",
        "aws-lc-sys",
        "aws-lc-rs",
        "boring-sys",
        "sigstore",
    ] {
        assert!(!names.contains(&banned), "{banned} is in Cargo.lock");
    }
    for needed in ["p256", "p384", "x509-cert", "rustls"] {
        assert!(names.contains(&needed), "{needed} is missing");
    }
    assert_eq!(names.iter().filter(|n| **n == "reqwest").count(), 1);
}

impl Release {
    /// `chora-publish verify-provenance demo-pkg==0.1.0` against the stand-in index.
    fn verify_provenance(&self) -> Run {
        let url = self.upload_url();
        let claims = self.oidc.claims();
        let root = self.sigstore.trusted_root_path().display().to_string();
        self.run(
            "verify-provenance",
            &[
                "demo-pkg==0.1.0",
                "--repository-url",
                &url,
                "--repository",
                &claims.repository,
                "--workflow",
                &claims.workflow_file,
                "--trust-root",
                &root,
            ],
            &[],
        )
    }
}

#[test]
fn verify_provenance_reads_every_file_back_and_refuses_what_does_not_verify() {
    let r = Release::start();
    let run = r.upload(&["--attestations=always"]);
    assert_eq!(run.code, 0, "{}", run.all());

    let run = r.verify_provenance();
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout.matches("ok  demo_pkg-0.1.0").count(),
        2,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("published by GitHub octo-org/demo-pkg"),
        "{}",
        run.stdout
    );

    // The index loses one file's provenance, and serves a tampered attestation for the other.
    r.index.drop_provenance(SDIST);
    let mut tampered: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            r.attestations_dir()
                .join(format!("{WHEEL}.publish.attestation")),
        )
        .unwrap(),
    )
    .unwrap();
    tampered["envelope"]["signature"] = tampered["verification_material"]["transparency_entries"]
        [0]["inclusionPromise"]["signedEntryTimestamp"]
        .clone();
    r.index.serve_attestations(WHEEL, vec![tampered]);
    let run = r.verify_provenance();
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains(&format!(
            "FAILED  {SDIST}: the index holds no provenance for this file"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "FAILED  {WHEEL}: no attestation on the index verifies"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn upload_verify_provenance_notices_an_index_serving_another_valid_attestation() {
    let r = Release::start();
    // An earlier, valid attestation of the same wheel (signed into another folder)...
    let sig = r.sigstore_args();
    let mut args: Vec<&str> = vec!["--attestations-dir", "earlier"];
    args.extend(sig.iter().map(String::as_str));
    args.push("dist/demo_pkg-0.1.0-py3-none-any.whl");
    let run = r.run("sign", &args, &r.oidc.env_vars());
    assert_eq!(run.code, 0, "{}", run.all());
    let earlier: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            r.dir
                .path()
                .join(format!("earlier/{WHEEL}.publish.attestation")),
        )
        .unwrap(),
    )
    .unwrap();
    // ...is what the index serves after this upload: it verifies, but is not what was sent.
    let claims = r.oidc.claims();
    r.index.serve_provenance(
        WHEEL,
        serde_json::json!({"version": 1, "attestation_bundles": [{
            "publisher": {"kind": "GitHub", "repository": claims.repository,
                "workflow": claims.workflow_file, "environment": null, "claims": null},
            "attestations": [earlier]}]}),
    );
    let run = r.upload(&["--attestations=always", "--verify-provenance"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains(&format!(
            "FAILED  {WHEEL}: the index's attestation verifies but is not the one this upload sent"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("ok  {SDIST}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("::error title=Provenance check failed::"),
        "{}",
        run.stdout
    );
}
