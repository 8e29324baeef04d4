//! Approval receipts end to end: `chora-publish keygen`, `plan`, `approve`, then the real
//! `chora-publish upload --receipt R --receipt-key PUB` against the PyPI stand-in. One test per
//! rule of the gate (the seven checks and advisory): each receipt breaks exactly that rule, and
//! each refusal is asserted as exit 2, a `rejected` ledger entry naming the check, and no
//! request at all reaching the stand-in. Receipts with issue times other than now are made
//! with the library (`Receipt::issue` with a given `now`), never with a clock knob.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::PathBuf;

use chora::publish::ledger::{self, Entry, FileDigest, Ledger, Outcome, RunId};
use chora::publish::receipt::{self, GateRequest, Issue, Receipt, ReceiptError, keys};
use serde_json::Value;

use standin::pypi::Index;

const TOKEN: &str = "pypi-receipt-test-token";

/// Output of one run.
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

/// A project folder with demo-pkg's wheel in `dist/`, an approver key pair made by
/// `chora-publish keygen`, and the PyPI stand-in.
struct Rig {
    index: Index,
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Rig {
    fn new() -> Rig {
        let index = Index::start();
        index.add_api_token(TOKEN, None);
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        std::fs::create_dir(root.join("dist")).unwrap();
        let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
        std::fs::write(root.join("dist").join(&wheel.filename), &wheel.data).unwrap();
        std::fs::create_dir(root.join("keys")).unwrap();
        let rig = Rig {
            index,
            _tmp: tmp,
            root,
        };
        let made = rig.cli(&["keygen", "--out-dir", "keys"]);
        assert_eq!(made.code, 0, "{}", made.all());
        rig
    }

    /// `chora-publish ARGS` in the project with only PATH, the token and the fast-retry knob.
    fn cli(&self, args: &[&str]) -> Run {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
            .current_dir(&self.root)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
            .env("CHORA_PUBLISH_TOKEN", TOKEN)
            .args(args)
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// `chora-publish plan --run-id RUN --repository-url <stand-in> EXTRA… --out plan.json`.
    fn plan(&self, run: &str, extra: &[&str]) {
        let url = self.index.upload_url();
        let mut args = vec!["plan", "--run-id", run, "--repository-url", &url];
        args.extend_from_slice(extra);
        let made = self.cli(&args);
        assert_eq!(made.code, 0, "{}", made.all());
    }

    /// `chora-publish approve plan.json --key keys/approver.key --ttl 1h EXTRA…`.
    fn approve(&self, extra: &[&str]) -> String {
        let mut args = vec![
            "approve",
            "plan.json",
            "--key",
            "keys/approver.key",
            "--ttl",
            "1h",
        ];
        args.extend_from_slice(extra);
        let made = self.cli(&args);
        assert_eq!(made.code, 0, "{}", made.all());
        "receipt.json".to_string()
    }

    /// A receipt for plan.json issued at `now` with the library, written to `name`.
    fn issue_at(&self, now: i64, ttl_secs: i64, name: &str) -> String {
        let plan = std::fs::read(self.path("plan.json")).unwrap();
        let key = keys::read_signing_key(&self.path("keys/approver.key")).unwrap();
        let receipt = Receipt::issue(&Issue {
            plan: &plan,
            key: &key,
            ttl_secs,
            advisory: false,
            operations: None,
            now,
        })
        .unwrap();
        std::fs::write(self.path(name), receipt.to_bytes()).unwrap();
        name.to_string()
    }

    /// `chora-publish upload --run-id RUN --ledger ledger.jsonl --receipt R --receipt-key PUB`.
    fn upload(&self, run: &str, receipt: &str, key: &str) -> Run {
        let url = self.index.upload_url();
        self.cli(&[
            "upload",
            "--auth",
            "token",
            "--attestations=never",
            "--repository-url",
            &url,
            "--run-id",
            run,
            "--ledger",
            "ledger.jsonl",
            "--receipt",
            receipt,
            "--receipt-key",
            key,
        ])
    }

    fn entries(&self) -> Vec<Entry> {
        ledger::verify_file(&self.path("ledger.jsonl"))
            .unwrap()
            .entries
    }

    /// Exit 2, nothing reached the stand-in, and the ledger's last entry is the refusal by
    /// `check` (of the receipt `receipt_id` when known).
    fn assert_refused(&self, run: &Run, check: &str, receipt_id: Option<&str>) {
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.contains(&format!("receipt refused ({check})")),
            "{}",
            run.all()
        );
        assert!(run.stderr.contains("hint: "), "{}", run.all());
        assert_eq!(
            self.index.server().requests().len(),
            0,
            "no request may reach the index: {:?}",
            self.index
                .server()
                .requests()
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        );
        assert!(self.index.upload_attempts().is_empty());
        let entries = self.entries();
        let last = entries.last().expect("a ledger entry");
        assert_eq!(
            (last.operation.as_str(), last.outcome),
            ("receipt", Outcome::Rejected)
        );
        assert_eq!(last.details.get("check"), Some(&Value::from(check)));
        assert_eq!(last.details.get("kind"), Some(&Value::from("upload")));
        if let Some(id) = receipt_id {
            assert_eq!(last.details.get("receipt_id"), Some(&Value::from(id)));
        }
    }

    fn receipt_id(&self, name: &str) -> String {
        let v: Value = serde_json::from_slice(&std::fs::read(self.path(name)).unwrap()).unwrap();
        v["receipt_id"].as_str().unwrap().to_string()
    }
}

const PUB: &str = "keys/approver.pub";

fn now() -> i64 {
    standin::util::now_unix()
}

/// The consumption entries (`receipt`, succeeded) of a ledger.
fn consumptions(entries: &[Entry]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter(|e| e.operation == "receipt" && e.outcome == Outcome::Succeeded)
        .map(|e| {
            (
                e.details["receipt_id"].as_str().unwrap().to_string(),
                e.details["consumed_for"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// --- Accepted -------------------------------------------------------------------------------

#[test]
fn an_approved_receipt_uploads_once_and_is_recorded_as_consumed_first() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains(&format!("Receipt {id} accepted for upload (run run-1")),
        "{}",
        run.all()
    );
    let uploads = rig.index.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(
        uploads[0].field("name"),
        Some("demo-pkg"),
        "the approved wheel was sent"
    );
    let entries = rig.entries();
    assert_eq!(consumptions(&entries), vec![(id.clone(), "upload".into())]);
    let consumed = entries
        .iter()
        .position(|e| e.operation == "receipt")
        .unwrap();
    assert!(
        entries
            .iter()
            .skip(consumed + 1)
            .all(|e| e.operation != "receipt"),
        "one receipt entry"
    );
    assert!(
        entries
            .iter()
            .take(consumed)
            .all(|e| e.operation != "upload"),
        "the consumption precedes every upload entry"
    );
    assert_eq!(entries[consumed].run.id, "run-1");
    assert_eq!(entries[consumed].files.len(), 1);
}

#[test]
fn a_dry_run_checks_the_receipt_without_consuming_it() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let id = rig.receipt_id(&receipt);
    let url = rig.index.upload_url();
    let dry = |receipt: &str| {
        rig.cli(&[
            "upload",
            "--dry-run",
            "--auth",
            "token",
            "--attestations=never",
            "--repository-url",
            &url,
            "--run-id",
            "run-1",
            "--ledger",
            "ledger.jsonl",
            "--receipt",
            receipt,
            "--receipt-key",
            PUB,
        ])
    };
    let run = dry(&receipt);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("dry run: not consumed"),
        "{}",
        run.all()
    );
    assert!(rig.index.upload_attempts().is_empty());
    let consumed_by_dry_run = if rig.path("ledger.jsonl").exists() {
        consumptions(&rig.entries())
    } else {
        Vec::new()
    };
    assert_eq!(consumed_by_dry_run, Vec::<(String, String)>::new());
    // A dry run still refuses what the real run would refuse.
    let sdist = standin::dist::sdist("demo-pkg", "0.1.0");
    let added = rig.path("dist").join(&sdist.filename);
    std::fs::write(&added, &sdist.data).unwrap();
    let refused = dry(&receipt);
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused.stderr.contains("receipt refused (plan-digest)"),
        "{}",
        refused.all()
    );
    std::fs::remove_file(&added).unwrap();
    // The receipt is still good for the real upload.
    let real = rig.upload("run-1", &receipt, PUB);
    assert_eq!(real.code, 0, "{}", real.all());
    assert_eq!(consumptions(&rig.entries()), vec![(id, "upload".into())]);
}

// --- (1) signature ------------------------------------------------------------------------

#[test]
fn a_receipt_signed_by_another_key_is_refused() {
    let rig = Rig::new();
    let other = rig.cli(&["keygen", "--out-dir", "keys", "--name", "other"]);
    assert_eq!(other.code, 0, "{}", other.all());
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let run = rig.upload("run-1", &receipt, "keys/other.pub");
    rig.assert_refused(&run, "signature", None);
    assert!(run.stderr.contains("key id"), "{}", run.all());
}

#[test]
fn an_edited_receipt_is_refused_by_its_signature() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    // Expired receipt, then its expiry pushed into the future by hand.
    let receipt = rig.issue_at(now() - 7200, 3600, "receipt.json");
    let text = std::fs::read_to_string(rig.path(&receipt)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let expires = v["expires_at"].as_str().unwrap();
    let later = chora::time::format_rfc3339(now() + 3600);
    std::fs::write(rig.path(&receipt), text.replace(expires, &later)).unwrap();
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "signature", None);
}

// --- (2) run id ---------------------------------------------------------------------------

#[test]
fn a_receipt_for_another_run_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-2", &receipt, PUB);
    rig.assert_refused(&run, "run-id", Some(&id));
    assert!(run.stderr.contains("run-1"), "{}", run.all());
}

// --- (3) operation kind -------------------------------------------------------------------

#[test]
fn a_receipt_that_does_not_allow_upload_is_refused() {
    let rig = Rig::new();
    rig.plan(
        "run-1",
        &[
            "--operations",
            "upload,github-release",
            "--github-repository",
            "octo/demo",
            "--tag",
            "v0.1.0",
        ],
    );
    // The plan has the upload, but the approver allowed only the GitHub release.
    let receipt = rig.approve(&["--operations", "github-release"]);
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "operation", Some(&id));
}

// --- (4) plan digest: files and target ----------------------------------------------------

/// The wheel with the same name and contents, stored instead of deflated: valid, other bytes.
fn rezipped(data: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(data)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(entry.name().unwrap().to_string(), options)
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_file_changed_after_approval_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let id = rig.receipt_id(&receipt);
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    let path = rig.path("dist").join(&wheel.filename);
    let changed = rezipped(&wheel.data);
    assert_ne!(changed, wheel.data);
    std::fs::write(&path, &changed).unwrap();
    let check = rig.cli(&["check"]);
    assert_eq!(check.code, 0, "the changed wheel is valid: {}", check.all());
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "plan-digest", Some(&id));
    assert!(
        run.stderr.contains("changed after approval"),
        "{}",
        run.all()
    );
}

#[test]
fn a_file_added_after_approval_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let sdist = standin::dist::sdist("demo-pkg", "0.1.0");
    std::fs::write(rig.path("dist").join(&sdist.filename), &sdist.data).unwrap();
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "plan-digest", None);
    assert!(run.stderr.contains("was not approved"), "{}", run.all());
}

#[test]
fn a_receipt_for_another_index_is_refused() {
    let rig = Rig::new();
    let made = rig.cli(&["plan", "--run-id", "run-1", "--testpypi"]);
    assert_eq!(made.code, 0, "{}", made.all());
    let receipt = rig.approve(&[]);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "plan-digest", None);
    assert!(run.stderr.contains("test.pypi.org"), "{}", run.all());
}

// --- (5) expiry ---------------------------------------------------------------------------

#[test]
fn an_expired_receipt_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    // Issued 2 h ago (well within 24 h) for 1 h.
    let receipt = rig.issue_at(now() - 7200, 3600, "receipt.json");
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "expired", Some(&id));
}

// --- (6) issue time -----------------------------------------------------------------------

#[test]
fn a_receipt_issued_24_hours_ago_or_more_is_refused_even_unexpired() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    // Issued 25 h ago, expiring in 1 h (the library takes any ttl; `approve` caps it at 24h).
    let receipt = rig.issue_at(now() - 25 * 3600, 26 * 3600, "receipt.json");
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "issued-at", Some(&id));
    assert!(run.stderr.contains("24 h"), "{}", run.all());
}

#[test]
fn a_receipt_issued_in_the_future_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.issue_at(now() + 3600, 3600, "receipt.json");
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "issued-at", Some(&id));
    assert!(run.stderr.contains("future"), "{}", run.all());
}

#[test]
fn a_receipt_issued_within_the_clock_skew_is_accepted() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.issue_at(now() + 30, 3600, "receipt.json");
    let run = rig.upload("run-1", &receipt, PUB);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(rig.index.uploads().len(), 1);
}

// --- (7) consumed -------------------------------------------------------------------------

#[test]
fn a_consumed_receipt_is_not_replayed_in_the_same_ledger() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let id = rig.receipt_id(&receipt);
    let first = rig.upload("run-1", &receipt, PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    let requests = rig.index.server().requests().len();
    assert!(requests > 0);
    let uploads = rig.index.upload_attempts().len();
    assert_eq!(uploads, 1);
    let second = rig.upload("run-1", &receipt, PUB);
    assert_eq!(second.code, 2, "{}", second.all());
    assert!(
        second.stderr.contains("receipt refused (consumed)"),
        "{}",
        second.all()
    );
    assert_eq!(
        rig.index.server().requests().len(),
        requests,
        "nothing sent the second time"
    );
    assert_eq!(rig.index.upload_attempts().len(), uploads);
    let entries = rig.entries();
    let last = entries.last().unwrap();
    assert_eq!(last.outcome, Outcome::Rejected);
    assert_eq!(last.details["check"], "consumed");
    assert_eq!(last.details["receipt_id"], Value::from(id.as_str()));
    assert_eq!(consumptions(&entries).len(), 1);
}

#[test]
fn a_consumed_receipt_is_not_replayed_in_another_run() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let first = rig.upload("run-1", &receipt, PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    let requests = rig.index.server().requests().len();
    let second = rig.upload("run-2", &receipt, PUB);
    assert_eq!(second.code, 2, "{}", second.all());
    assert!(
        second.stderr.contains("receipt refused (run-id)"),
        "{}",
        second.all()
    );
    assert_eq!(rig.index.server().requests().len(), requests);
}

/// Open `ledger.jsonl` of `rig` for `run` and gate `kind` with the library, as a command would.
fn gate_kind(rig: &Rig, run: &str, kind: &str, target: &str) -> Result<(), ReceiptError> {
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    let files = vec![FileDigest {
        name: wheel.filename.clone(),
        sha256: hex_sha256(&wheel.data),
    }];
    let mut ledger = Ledger::open(
        &rig.path("ledger.jsonl"),
        RunId {
            id: run.to_string(),
            attempt: None,
        },
    )
    .unwrap();
    receipt::enforce(
        &GateRequest {
            receipt: &rig.path("receipt.json"),
            key: &rig.path(PUB),
            kind,
            target,
            files: &files,
            now: now(),
        },
        Some(&mut ledger),
    )
    .map(|_| ())
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    chora::text::hex(&sha2::Sha256::digest(data))
}

fn refused_by(result: Result<(), ReceiptError>) -> Option<&'static str> {
    match result {
        Err(ReceiptError::Refused(r)) => Some(r.check.as_str()),
        _ => None,
    }
}

#[test]
fn a_receipt_consumed_for_upload_allows_no_other_operation() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let first = rig.upload("run-1", &receipt, PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    assert_eq!(
        refused_by(gate_kind(
            &rig,
            "run-1",
            "github-release",
            "octo/demo@v0.1.0"
        )),
        Some("operation")
    );
    let entries = rig.entries();
    assert_eq!(entries.last().unwrap().details["kind"], "github-release");
}

#[test]
fn each_operation_of_a_receipt_is_consumed_once() {
    let rig = Rig::new();
    rig.plan(
        "run-1",
        &[
            "--operations",
            "upload,github-release",
            "--github-repository",
            "octo/demo",
            "--tag",
            "v0.1.0",
        ],
    );
    rig.approve(&[]);
    let first = rig.upload("run-1", "receipt.json", PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    // The GitHub release of the same receipt: allowed once, then consumed.
    assert!(gate_kind(&rig, "run-1", "github-release", "octo/demo@v0.1.0").is_ok());
    assert_eq!(
        refused_by(gate_kind(
            &rig,
            "run-1",
            "github-release",
            "octo/demo@v0.1.0"
        )),
        Some("consumed")
    );
    let kinds: Vec<String> = consumptions(&rig.entries())
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    assert_eq!(kinds, vec!["upload", "github-release"]);
    // And the upload stays consumed.
    let again = rig.upload("run-1", "receipt.json", PUB);
    assert_eq!(again.code, 2, "{}", again.all());
    assert!(again.stderr.contains("(consumed)"), "{}", again.all());
}

// --- (8) advisory -------------------------------------------------------------------------

#[test]
fn an_advisory_receipt_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&["--advisory"]);
    let id = rig.receipt_id(&receipt);
    let run = rig.upload("run-1", &receipt, PUB);
    rig.assert_refused(&run, "advisory", Some(&id));
}

// --- A ledger is required; a broken one is not trusted -------------------------------------

#[test]
fn a_receipt_without_a_ledger_is_refused() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let url = rig.index.upload_url();
    let run = rig.cli(&[
        "upload",
        "--auth",
        "token",
        "--attestations=never",
        "--repository-url",
        &url,
        "--run-id",
        "run-1",
        "--no-ledger",
        "--receipt",
        &receipt,
        "--receipt-key",
        PUB,
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("needs a ledger"), "{}", run.all());
    assert!(run.stderr.contains("hint: add --ledger"), "{}", run.all());
    assert_eq!(rig.index.server().requests().len(), 0);
    assert!(!rig.path("ledger.jsonl").exists());
}

#[test]
fn a_tampered_ledger_hiding_a_consumption_is_not_trusted() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let first = rig.upload("run-1", &receipt, PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    let requests = rig.index.server().requests().len();
    // Rename the consumption so the replay check would not see it.
    let text = std::fs::read_to_string(rig.path("ledger.jsonl")).unwrap();
    let edited = text.replace(
        "\"consumed_for\":\"upload\"",
        "\"consumed_for\":\"nothing\"",
    );
    assert_ne!(edited, text);
    std::fs::write(rig.path("ledger.jsonl"), edited).unwrap();
    let second = rig.upload("run-1", &receipt, PUB);
    assert_eq!(second.code, 1, "{}", second.all());
    assert!(
        second.stderr.contains("does not verify"),
        "{}",
        second.all()
    );
    assert_eq!(rig.index.server().requests().len(), requests);
}

// --- Keys ---------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_prints_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let rig = Rig::new();
    let made = rig.cli(&[
        "keygen",
        "--out-dir",
        "keys",
        "--name",
        "second",
        "--format",
        "json",
    ]);
    assert_eq!(made.code, 0, "{}", made.all());
    let report: Value = serde_json::from_str(made.stdout.trim()).unwrap();
    let private = rig.path("keys/second.key");
    assert_eq!(report["private_key"], "keys/second.key");
    let mode = std::fs::metadata(&private).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let pem = std::fs::read_to_string(&private).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(body.len() > 40);
    assert!(!made.all().contains(&body), "the private key was printed");
    let public = std::fs::read_to_string(rig.path("keys/second.pub")).unwrap();
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{public}"
    );
    let key = keys::read_verifying_key(&rig.path("keys/second.pub")).unwrap();
    assert_eq!(report["key_id"], Value::from(keys::key_id(&key)));

    // Never overwritten.
    let again = rig.cli(&["keygen", "--out-dir", "keys", "--name", "second"]);
    assert_eq!(again.code, 2, "{}", again.all());
    assert!(again.stderr.contains("already exists"), "{}", again.all());
    assert_eq!(std::fs::read_to_string(&private).unwrap(), pem);
}

#[cfg(unix)]
#[test]
fn approve_refuses_a_private_key_others_can_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let key = rig.path("keys/approver.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = rig.cli(&[
        "approve",
        "plan.json",
        "--key",
        "keys/approver.key",
        "--ttl",
        "1h",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("chmod 600"), "{}", run.all());
    assert!(!rig.path("receipt.json").exists());
}

#[test]
fn a_private_key_given_as_receipt_key_is_refused_without_echoing_it() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let receipt = rig.approve(&[]);
    let run = rig.upload("run-1", &receipt, "keys/approver.key");
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("this is a private key"),
        "{}",
        run.all()
    );
    assert!(rig.index.server().requests().is_empty());
    let entries = rig.entries();
    let last = entries.last().unwrap();
    assert_eq!(last.outcome, Outcome::Rejected);
    assert_eq!(last.details["check"], "input");
    let pem = std::fs::read_to_string(rig.path("keys/approver.key")).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!run.all().contains(&body));
    assert!(
        !std::fs::read_to_string(rig.path("ledger.jsonl"))
            .unwrap()
            .contains(&body)
    );
}

// --- Plan and approve ---------------------------------------------------------------------

#[test]
fn plan_and_approve_write_their_documented_formats() {
    let rig = Rig::new();
    let url = rig.index.upload_url();
    let made = rig.cli(&[
        "plan",
        "--run-id",
        "run-7",
        "--repository-url",
        &url,
        "--operations",
        "upload,github-release",
        "--github-repository",
        "octo/demo",
        "--tag",
        "v0.1.0",
        "--format",
        "json",
    ]);
    assert_eq!(made.code, 0, "{}", made.all());
    assert!(
        rig.index.server().requests().is_empty(),
        "plan sends nothing"
    );
    let plan_bytes = std::fs::read(rig.path("plan.json")).unwrap();
    let plan: Value = serde_json::from_slice(&plan_bytes).unwrap();
    assert_eq!(plan["schema"], "chora-release-plan/v1");
    assert_eq!(plan["run_id"]["id"], "run-7");
    let ops = plan["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0]["kind"], "upload");
    assert_eq!(ops[0]["target"], Value::from(url.as_str()));
    assert_eq!(ops[1]["kind"], "github-release");
    assert_eq!(ops[1]["target"], "octo/demo@v0.1.0");
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    for op in ops {
        assert_eq!(
            op["files"],
            serde_json::json!([{"name": wheel.filename, "sha256": hex_sha256(&wheel.data)}])
        );
    }
    let summary: Value = serde_json::from_str(made.stdout.trim()).unwrap();
    assert_eq!(summary["sha256"], Value::from(hex_sha256(&plan_bytes)));

    let approved = rig.cli(&[
        "approve",
        "plan.json",
        "--key",
        "keys/approver.key",
        "--ttl",
        "30m",
        "--format",
        "json",
    ]);
    assert_eq!(approved.code, 0, "{}", approved.all());
    let receipt: Value =
        serde_json::from_slice(&std::fs::read(rig.path("receipt.json")).unwrap()).unwrap();
    assert_eq!(receipt["schema"], "chora-approval-receipt/v1");
    assert_eq!(receipt["plan_sha256"], Value::from(hex_sha256(&plan_bytes)));
    assert_eq!(
        receipt["plan"].as_str().unwrap().as_bytes(),
        plan_bytes.as_slice()
    );
    assert_eq!(
        receipt["operations"],
        serde_json::json!(["upload", "github-release"])
    );
    assert_eq!(receipt["run_id"]["id"], "run-7");
    assert_eq!(receipt["advisory"], false);
    assert_eq!(receipt["receipt_id"].as_str().unwrap().len(), 32);
    let issued =
        chora::attest::trust_root::rfc3339(receipt["issued_at"].as_str().unwrap()).unwrap();
    let expires =
        chora::attest::trust_root::rfc3339(receipt["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - issued, 1800);
    assert!((issued - now()).abs() < 300);

    // Receipt ids are random.
    let again = rig.cli(&[
        "approve",
        "plan.json",
        "--key",
        "keys/approver.key",
        "--ttl",
        "30m",
        "--out",
        "receipt2.json",
    ]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_ne!(
        rig.receipt_id("receipt.json"),
        rig.receipt_id("receipt2.json")
    );
}

#[test]
fn approve_refuses_a_ttl_over_24_hours_and_an_edited_plan() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    let long = rig.cli(&[
        "approve",
        "plan.json",
        "--key",
        "keys/approver.key",
        "--ttl",
        "25h",
    ]);
    assert_eq!(long.code, 2, "{}", long.all());
    assert!(long.stderr.contains("at most 24h"), "{}", long.all());
    let text = std::fs::read_to_string(rig.path("plan.json")).unwrap();
    std::fs::write(
        rig.path("plan.json"),
        text.replace("\"upload\"", "\"delete\""),
    )
    .unwrap();
    let edited = rig.cli(&[
        "approve",
        "plan.json",
        "--key",
        "keys/approver.key",
        "--ttl",
        "1h",
    ]);
    assert_eq!(edited.code, 2, "{}", edited.all());
    assert!(!rig.path("receipt.json").exists());
}

#[test]
fn plan_refuses_invalid_distributions_and_writes_nothing() {
    let rig = Rig::new();
    std::fs::write(rig.path("dist/demo_pkg-0.1.0.tar.gz"), b"not a tarball").unwrap();
    let run = rig.cli(&["plan", "--run-id", "run-1"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!rig.path("plan.json").exists());
}

#[test]
fn receipts_are_optional() {
    let rig = Rig::new();
    let url = rig.index.upload_url();
    let run = rig.cli(&[
        "upload",
        "--auth",
        "token",
        "--attestations=never",
        "--repository-url",
        &url,
        "--no-ledger",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(rig.index.uploads().len(), 1);
}

#[test]
fn a_ledger_broken_after_it_was_opened_is_neither_trusted_nor_appended_to() {
    let rig = Rig::new();
    rig.plan("run-1", &[]);
    rig.approve(&[]);
    let first = rig.upload("run-1", "receipt.json", PUB);
    assert_eq!(first.code, 0, "{}", first.all());
    let path = rig.path("ledger.jsonl");
    let mut ledger = Ledger::open(
        &path,
        RunId {
            id: "run-1".into(),
            attempt: None,
        },
    )
    .unwrap();
    // The consumption hidden after the ledger was opened (and verified).
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        "\"consumed_for\":\"upload\"",
        "\"consumed_for\":\"nothing\"",
    );
    assert_ne!(edited, text);
    std::fs::write(&path, &edited).unwrap();
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    let files = vec![FileDigest {
        name: wheel.filename.clone(),
        sha256: hex_sha256(&wheel.data),
    }];
    let url = rig.index.upload_url();
    let result = receipt::enforce(
        &GateRequest {
            receipt: &rig.path("receipt.json"),
            key: &rig.path(PUB),
            kind: "upload",
            target: &url,
            files: &files,
            now: now(),
        },
        Some(&mut ledger),
    );
    assert!(matches!(result, Err(ReceiptError::Ledger(_))), "{result:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
}
