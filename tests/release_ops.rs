//! A simulated release, every operation of `chora-publish` in the order a release job runs
//! them, each against its stand-in and all into one ledger: an approver's `keygen`, `plan` and
//! `approve`; `upload` gated by the receipt (PyPI stand-in, token); `smoke` (the stand-in lists
//! the file only after a few polls, so the propagation time is measured; real uv installs and
//! imports it); `github-release` gated by the same receipt (GitHub REST stand-in), run twice
//! (the second run changes nothing); then `ledger verify` and `ledger show`. And the same
//! release with a receipt that no longer fits: nothing is sent anywhere.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};

use chora::publish::ledger::{self, Outcome};
use standin::github::Github;
use standin::pypi::Index;

const TOKEN: &str = "pypi-release-ops-token";
const RUN: &str = "4242";

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

/// A project with demo-pkg 1.0.0's wheel in dist/, the PyPI and GitHub stand-ins, and an
/// approver key pair.
struct Release {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    index: Index,
    github: Github,
    wheel: standin::dist::Dist,
}

impl Release {
    fn new() -> Release {
        let index = Index::start();
        index.add_api_token(TOKEN, None);
        let github = Github::start("octo", "demo");
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir_all(root.join("dist")).unwrap();
        std::fs::create_dir_all(root.join("keys")).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        let wheel = standin::dist::wheel("demo-pkg", "1.0.0");
        std::fs::write(root.join("dist").join(&wheel.filename), &wheel.data).unwrap();
        let release = Release {
            _tmp: tmp,
            root,
            index,
            github,
            wheel,
        };
        release.ok(&["keygen", "--out-dir", "keys"]);
        release
    }

    /// `chora-publish ARGS` in the project: PATH with only uv, the tokens, the fast knobs.
    fn cli(&self, args: &[&str]) -> Run {
        let uv_dir = self.root.join("uv-bin");
        if !uv_dir.exists() {
            std::fs::create_dir_all(&uv_dir).unwrap();
            #[cfg(unix)]
            std::os::unix::fs::symlink(support::tool("uv"), uv_dir.join("uv")).unwrap();
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", &uv_dir)
            .env("HOME", self.root.join("home"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
            .env("CHORA_PUBLISH_GITHUB_SECOND_MS", "1")
            .env("CHORA_PUBLISH_TOKEN", TOKEN)
            .env("GITHUB_TOKEN", standin::github::TOKEN)
            .env("GITHUB_REPOSITORY", "octo/demo")
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> Run {
        let run = self.cli(args);
        assert_eq!(run.code, 0, "chora-publish {args:?}:\n{}", run.all());
        run
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// `plan` for upload + github-release of dist/*, then `approve` it for an hour.
    fn approve(&self) {
        let url = self.index.upload_url();
        self.ok(&[
            "plan",
            "--run-id",
            RUN,
            "--operations",
            "upload,github-release",
            "--repository-url",
            &url,
            "--github-repository",
            "octo/demo",
            "--tag",
            "v1.0.0",
            "--out",
            "plan.json",
        ]);
        self.ok(&[
            "approve",
            "plan.json",
            "--key",
            "keys/approver.key",
            "--ttl",
            "1h",
            "--out",
            "receipt.json",
        ]);
    }

    fn upload(&self) -> Run {
        let url = self.index.upload_url();
        self.cli(&[
            "upload",
            "--auth",
            "token",
            "--attestations=never",
            "--repository-url",
            &url,
            "--run-id",
            RUN,
            "--ledger",
            "ledger.jsonl",
            "--receipt",
            "receipt.json",
            "--receipt-key",
            "keys/approver.pub",
        ])
    }

    fn github_release(&self, receipt: bool) -> Run {
        let api = self.github.api_url();
        let mut args = vec![
            "github-release",
            "--tag",
            "v1.0.0",
            "--assets",
            "dist/*",
            "--api-url",
            &api,
            "--run-id",
            RUN,
            "--ledger",
            "ledger.jsonl",
        ];
        if receipt {
            args.extend([
                "--receipt",
                "receipt.json",
                "--receipt-key",
                "keys/approver.pub",
            ]);
        }
        self.cli(&args)
    }

    fn writes_to_github(&self) -> usize {
        self.github
            .log()
            .iter()
            .filter(|l| l.method != "GET")
            .count()
    }
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()))
}

/// (operation, outcome) of every entry, in order.
fn steps(ledger_file: &Path) -> Vec<(String, Outcome)> {
    ledger::verify_file(ledger_file)
        .unwrap()
        .entries
        .into_iter()
        .map(|e| (e.operation, e.outcome))
        .collect()
}

#[test]
fn a_simulated_release_uploads_smokes_releases_idempotently_and_leaves_a_ledger_that_verifies() {
    let r = Release::new();
    r.approve();

    // Upload, gated by the receipt.
    let up = r.upload();
    assert_eq!(up.code, 0, "{}", up.all());
    assert_eq!(r.index.upload_attempts().len(), 1);

    // Smoke: the index lists the file only on the third poll; digests from the ledger.
    r.index.list_after(&r.wheel.filename, 2);
    let simple = r.index.simple_url();
    let python = standin::pypiserver::tools_dir()
        .join("venv/bin/python")
        .display()
        .to_string();
    let smoke = r.ok(&[
        "smoke",
        "demo-pkg==1.0.0",
        "--index-url",
        &simple,
        "--ledger",
        "ledger.jsonl",
        "--run-id",
        RUN,
        "--format",
        "json",
        "--python",
        &python,
    ]);
    let report = json(&smoke);
    assert_eq!(report["result"], "ok", "{report}");
    assert_eq!(report["polls"], 3, "{report}");
    assert!(report["propagation_ms"].as_u64().is_some(), "{report}");
    assert!(report["install_ms"].as_u64().is_some(), "{report}");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["checked"], true, "digest compared with the upload");

    // The GitHub release, gated by the same receipt; then a re-run changes nothing.
    let first = r.github_release(true);
    assert_eq!(first.code, 0, "{}", first.all());
    let releases = r.github.releases();
    assert_eq!(releases.len(), 1);
    let writes = r.writes_to_github();
    assert_eq!(
        writes,
        3,
        "create the draft, upload one asset, publish: {:?}",
        r.github.log()
    );
    let again = r.github_release(false);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(r.github.releases().len(), 1, "never a second release");
    assert_eq!(r.writes_to_github(), writes, "the re-run changed nothing");

    // One ledger, in order, that verifies.
    let ledger_file = r.path("ledger.jsonl");
    let expected: Vec<(String, Outcome)> = [
        ("receipt", Outcome::Succeeded),
        ("upload", Outcome::Started),
        ("upload", Outcome::Succeeded),
        ("smoke", Outcome::Started),
        ("smoke", Outcome::Succeeded),
        ("receipt", Outcome::Succeeded),
        ("github-release", Outcome::Started),
        ("github-release", Outcome::Succeeded),
        ("github-release", Outcome::Started),
        ("github-release", Outcome::Succeeded),
    ]
    .into_iter()
    .map(|(op, outcome)| (op.to_string(), outcome))
    .collect();
    assert_eq!(steps(&ledger_file), expected);
    let verified = r.ok(&["ledger", "verify", "ledger.jsonl", "--expect-entries", "10"]);
    assert!(verified.stdout.contains("10 entries"), "{}", verified.all());
    let shown = r.ok(&["ledger", "show", "ledger.jsonl"]);
    assert!(
        !shown.all().contains("no outcome recorded"),
        "{}",
        shown.all()
    );
    let text = std::fs::read_to_string(&ledger_file).unwrap();
    for secret in [TOKEN, standin::github::TOKEN] {
        assert!(!text.contains(secret), "a secret in the ledger");
    }
    let entries = ledger::verify_file(&ledger_file).unwrap().entries;
    assert_eq!(entries.len(), 10);
    assert!(entries.iter().all(|e| e.run.id == RUN));
    let digest = standin::util::sha256_hex(&r.wheel.data);
    let uploaded = entries
        .iter()
        .find(|e| e.operation == "upload" && e.outcome == Outcome::Succeeded)
        .unwrap();
    assert_eq!(uploaded.files.len(), 1);
    assert_eq!(uploaded.files[0].sha256, digest);
}

#[test]
fn with_a_receipt_that_no_longer_fits_nothing_is_sent_anywhere() {
    let r = Release::new();
    r.approve();
    // A file joins dist/ after approval (a rebuild added the sdist): not what was approved.
    let sdist = standin::dist::sdist("demo-pkg", "1.0.0");
    std::fs::write(r.path("dist").join(&sdist.filename), &sdist.data).unwrap();

    let up = r.upload();
    assert_eq!(up.code, 2, "{}", up.all());
    assert!(up.stderr.contains("receipt refused"), "{}", up.all());
    assert!(r.index.server().requests().is_empty());
    let gh = r.github_release(true);
    assert_eq!(gh.code, 2, "{}", gh.all());
    assert!(gh.stderr.contains("receipt refused"), "{}", gh.all());
    assert_eq!(r.writes_to_github(), 0);
    assert_eq!(
        steps(&r.path("ledger.jsonl")),
        vec![
            ("receipt".to_string(), Outcome::Rejected),
            ("receipt".to_string(), Outcome::Rejected),
        ]
    );
}
