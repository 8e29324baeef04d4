//! The release ledger (issue 13): every kind of tampering is found and the first bad entry
//! named (property tests over random ledgers); `chora-publish upload` writes one `started`
//! entry per file before sending it and its outcome after, against the PyPI stand-in (token
//! and Trusted Publishing), never a secret; a run killed mid-upload leaves a ledger that
//! verifies and shows the upload as started, not succeeded; a broken ledger stops an upload
//! before anything is sent; the default ledger in CI.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

use chora::publish::ledger::{
    self, BrokenReason, Entry, FileDigest, GENESIS, Outcome, Record, RunId,
};
use proptest::prelude::*;
use serde_json::Value;

use standin::http::{Fault, Response, Server};
use standin::oidc::GithubOidc;
use standin::pypi::Index;

// --- Property tests: tampering is found, the first bad entry named -------------------------

/// A ledger's lines (sealed, chained), built as `Ledger::append` builds them.
fn build(records: Vec<(Record, RunId, i64)>) -> Vec<String> {
    let mut prev = GENESIS.to_string();
    let mut lines = Vec::new();
    for (seq, (record, run, time)) in records.into_iter().enumerate() {
        let entry = Entry::new(seq as u64, &prev, time, run, record);
        let (line, hash) = entry.seal();
        lines.push(line);
        prev = hash;
    }
    lines
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    if !lines.is_empty() {
        text.push('\n');
    }
    text.into_bytes()
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Started),
        Just(Outcome::Succeeded),
        Just(Outcome::Failed),
        Just(Outcome::Rejected),
    ]
}

fn record() -> impl Strategy<Value = (Record, RunId, i64)> {
    (
        prop_oneof![
            Just("upload".to_string()),
            Just("sign".to_string()),
            Just("smoke".to_string()),
            "[a-z-]{1,12}",
        ],
        outcome(),
        proptest::option::of("https?://[a-z.]{1,10}/[a-z]{0,6}"),
        proptest::collection::vec(("[a-zA-Z0-9_.-]{1,20}", "[0-9a-f]{64}"), 0..3),
        0u32..5,
        proptest::option::of(100u16..600),
        proptest::option::of("\\PC{0,40}"),
        proptest::option::of((0u64..1000, "[a-z]{1,6}")),
        ("[0-9]{1,6}", proptest::option::of("[0-9]{1,2}")),
        0i64..4_000_000_000,
    )
        .prop_map(
            |(op, outcome, target, files, retries, status, message, detail, run, time)| {
                let mut details = serde_json::Map::new();
                if let Some((n, key)) = detail {
                    details.insert(key, Value::from(n));
                }
                (
                    Record {
                        operation: op,
                        outcome,
                        target,
                        files: files
                            .into_iter()
                            .map(|(name, sha256)| FileDigest { name, sha256 })
                            .collect(),
                        retries,
                        status,
                        message,
                        details,
                    },
                    RunId {
                        id: run.0,
                        attempt: run.1,
                    },
                    time,
                )
            },
        )
}

fn ledger_lines() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(record(), 1..=20).prop_map(build)
}

/// The first bad line `verify` names (panics when it verifies).
fn first_bad(bytes: &[u8]) -> usize {
    match ledger::verify(bytes) {
        Ok(v) => panic!("verified ({} entries): {:?}", v.entries.len(), v.head),
        Err(b) => b.line,
    }
}

fn head_and_count(lines: &[String]) -> (String, usize) {
    let v = ledger::verify(&join(lines)).expect("the untouched ledger verifies");
    (v.head, v.entries.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Untouched, a ledger verifies, with the hash of its last line as head.
    #[test]
    fn an_untouched_ledger_verifies(lines in ledger_lines()) {
        let v = ledger::verify(&join(&lines)).unwrap();
        prop_assert_eq!(v.entries.len(), lines.len());
        let last: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        prop_assert_eq!(Some(v.head.as_str()), last["hash"].as_str());
    }

    /// A byte changed anywhere in line k: line k is named (whatever the byte: a new line
    /// inside it leaves a fragment at line k that is no entry).
    #[test]
    fn a_changed_byte_names_its_line(
        lines in ledger_lines(),
        pick in any::<prop::sample::Index>(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let k = pick.index(lines.len());
        let mut bytes = lines[k].clone().into_bytes();
        let at = pos.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        let mut all: Vec<u8> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            all.extend_from_slice(if i == k { &bytes } else { l.as_bytes() });
            all.push(b'\n');
        }
        prop_assert_eq!(first_bad(&all), k + 1);
    }

    /// A field changed and the entry re-sealed with a correct own hash: the entry after it
    /// no longer chains (line k+2). When it is the last entry only the head shows it.
    #[test]
    fn a_resealed_edit_breaks_the_next_link(
        lines in ledger_lines(),
        pick in any::<prop::sample::Index>(),
        message in "[a-z ]{1,30}",
    ) {
        let k = pick.index(lines.len());
        let mut entry: Entry = serde_json::from_str(&lines[k]).unwrap();
        prop_assume!(entry.message.as_deref() != Some(message.as_str()));
        entry.message = Some(message);
        let (line, _) = entry.seal();
        let mut edited = lines.clone();
        edited[k] = line;
        if k + 1 < lines.len() {
            prop_assert_eq!(first_bad(&join(&edited)), k + 2);
            let broken = ledger::verify(&join(&edited)).unwrap_err();
            prop_assert!(
                matches!(broken.reason, BrokenReason::Chain { .. }),
                "{:?}",
                broken
            );
        } else {
            let (head, count) = head_and_count(&edited);
            prop_assert_eq!(count, lines.len());
            prop_assert_ne!(head, head_and_count(&lines).0);
        }
    }

    /// A line deleted: the line that takes its place is named (line k+1, out of sequence).
    /// The last line deleted leaves a shorter ledger that verifies: only its head and count
    /// differ from the recorded ones.
    #[test]
    fn a_deleted_line_is_found(lines in ledger_lines(), pick in any::<prop::sample::Index>()) {
        let k = pick.index(lines.len());
        let mut cut = lines.clone();
        cut.remove(k);
        if k + 1 < lines.len() {
            prop_assert_eq!(first_bad(&join(&cut)), k + 1);
            let broken = ledger::verify(&join(&cut)).unwrap_err();
            prop_assert!(matches!(broken.reason, BrokenReason::Sequence { .. }), "{:?}", broken);
        } else {
            let (head, count) = head_and_count(&cut);
            let (orig_head, orig_count) = head_and_count(&lines);
            prop_assert_eq!(count + 1, orig_count);
            prop_assert_ne!(head, orig_head);
        }
    }

    /// A copy of line j inserted at position p: named at p+1, or at p+2 when it is a copy of
    /// the line it precedes (the copy then stands where the original stood).
    #[test]
    fn a_copied_line_inserted_is_found(
        lines in ledger_lines(),
        from in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
    ) {
        let j = from.index(lines.len());
        let p = to.index(lines.len() + 1);
        let mut more = lines.clone();
        more.insert(p, lines[j].clone());
        let expected = if j == p { p + 2 } else { p + 1 };
        prop_assert_eq!(first_bad(&join(&more)), expected);
    }

    /// A forged line, correctly sealed and chained to the line before it, inserted at p:
    /// the original line p then comes out of sequence (line p+2). Appended at the end it
    /// verifies: only the recorded head and count catch it.
    #[test]
    fn a_forged_line_inserted_is_found(
        lines in ledger_lines(),
        to in any::<prop::sample::Index>(),
        forged in record(),
    ) {
        let p = to.index(lines.len() + 1);
        let prev = if p == 0 {
            GENESIS.to_string()
        } else {
            serde_json::from_str::<Entry>(&lines[p - 1]).unwrap().hash
        };
        let (record, run, time) = forged;
        let (line, _) = Entry::new(p as u64, &prev, time, run, record).seal();
        let mut more = lines.clone();
        more.insert(p, line);
        if p < lines.len() {
            prop_assert_eq!(first_bad(&join(&more)), p + 2);
        } else {
            let (head, count) = head_and_count(&more);
            prop_assert_eq!(count, lines.len() + 1);
            prop_assert_ne!(head, head_and_count(&lines).0);
        }
    }

    /// Two lines swapped: the first of them is named (out of sequence).
    #[test]
    fn swapped_lines_are_found(
        lines in proptest::collection::vec(record(), 2..=20).prop_map(build),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        let (i, j) = (a.index(lines.len()), b.index(lines.len()));
        prop_assume!(i != j);
        let mut swapped = lines.clone();
        swapped.swap(i, j);
        prop_assert_eq!(first_bad(&join(&swapped)), i.min(j) + 1);
    }
}

// --- The binary -------------------------------------------------------------------------

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

fn command(dir: &Path, env: &[(String, String)], args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(args);
    cmd
}

fn run(dir: &Path, env: &[(String, String)], args: &[&str]) -> Run {
    let out = command(dir, env, args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn var(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// A folder with demo-pkg's wheel and sdist in `dist/`; (folder, [(file name, sha256)]).
fn project() -> (tempfile::TempDir, PathBuf, Vec<(String, String)>) {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let mut files = Vec::new();
    for d in standin::dist::write_demo(&dist) {
        files.push((d.filename.clone(), standin::util::sha256_hex(&d.data)));
    }
    files.sort();
    let dir = tmp.path().to_path_buf();
    (tmp, dir, files)
}

fn entries(path: &Path) -> Vec<Entry> {
    ledger::verify_file(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .entries
}

/// (outcome, file name, sha256) of each `upload` entry, sorted.
fn upload_entries(path: &Path) -> Vec<(Outcome, String, String)> {
    let mut seen: Vec<_> = entries(path)
        .into_iter()
        .filter(|e| e.operation == "upload")
        .map(|e| {
            assert_eq!(e.files.len(), 1, "{e:?}");
            let f = &e.files[0];
            (e.outcome, f.name.clone(), f.sha256.clone())
        })
        .collect();
    seen.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    seen
}

fn started_and(files: &[(String, String)], outcome: Outcome) -> Vec<(Outcome, String, String)> {
    let mut want: Vec<_> = files
        .iter()
        .flat_map(|(n, s)| {
            [
                (Outcome::Started, n.clone(), s.clone()),
                (outcome, n.clone(), s.clone()),
            ]
        })
        .collect();
    want.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    want
}

/// `ledger verify` of the binary passes.
fn assert_verifies(dir: &Path, ledger: &Path, count: usize) {
    let r = run(dir, &[], &["ledger", "verify", &ledger.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains(&format!("{count} entries")),
        "{}",
        r.all()
    );
}

#[test]
fn a_token_upload_records_each_file_started_then_succeeded_without_the_token() {
    let index = Index::start();
    let token = "pypi-ledger-secret-token-0123456789";
    index.add_api_token(token, None);
    let (_tmp, dir, files) = project();
    let ledger = dir.join("ledger.jsonl");
    let r = run(
        &dir,
        &[var("CHORA_PUBLISH_TOKEN", token)],
        &[
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
            "--run-id",
            "run-7",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(index.uploads().len(), 2);
    assert_eq!(
        upload_entries(&ledger),
        started_and(&files, Outcome::Succeeded)
    );
    // The head is printed, to record elsewhere (`ledger verify --expect-head`).
    let head = ledger::verify_file(&ledger).unwrap().head;
    assert!(
        r.stdout.contains(&format!(": 4 entries, head {head}")),
        "{}",
        r.all()
    );
    let all = entries(&ledger);
    assert_eq!(all.len(), 4);
    for e in &all {
        assert_eq!(e.run.id, "run-7");
        assert_eq!(e.target.as_deref(), Some(index.upload_url().as_str()));
        if e.outcome == Outcome::Succeeded {
            assert_eq!(e.status, Some(200), "{e:?}");
            assert_eq!(e.retries, 0);
            assert_eq!(e.details.get("attestations"), Some(&Value::from(0)));
        }
    }
    // Each file's started entry comes before its outcome.
    for (name, _) in &files {
        let at = |o: Outcome| {
            all.iter()
                .position(|e| e.outcome == o && e.files[0].name == *name)
                .unwrap()
        };
        assert!(at(Outcome::Started) < at(Outcome::Succeeded));
    }
    assert_verifies(&dir, &ledger, 4);
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(!text.contains(token), "{text}");

    // Again with --skip-existing: both skipped, recorded as such, appended to the same chain.
    let r = run(
        &dir,
        &[var("CHORA_PUBLISH_TOKEN", token)],
        &[
            "upload",
            "--auth",
            "token",
            "--skip-existing",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let all = entries(&ledger);
    assert_eq!(all.len(), 8);
    let skipped: Vec<_> = all
        .iter()
        .skip(4)
        .filter(|e| e.details.get("skipped") == Some(&Value::Bool(true)))
        .collect();
    assert_eq!(skipped.len(), 2);
    assert!(skipped.iter().all(|e| e.outcome == Outcome::Succeeded));
}

#[test]
fn a_refused_upload_is_recorded_failed_with_status_and_a_redacted_message() {
    let index = Index::start();
    let token = "ledger-refused-s3cret-0123456789";
    index.add_api_token(token, None);
    // The server quotes the token back (a hostile or careless server): it must not be kept.
    index.server().inject_times(
        "/legacy/",
        Fault::status_with(
            400,
            &format!(r#"{{"message": "Invalid value for classifiers (you sent {token})"}}"#),
            &[("Content-Type", "application/json")],
        ),
        2,
    );
    let (_tmp, dir, files) = project();
    let ledger = dir.join("ledger.jsonl");
    let r = run(
        &dir,
        &[var("CHORA_PUBLISH_TOKEN", token)],
        &[
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert_eq!(
        upload_entries(&ledger),
        started_and(&files, Outcome::Failed)
    );
    let failed: Vec<Entry> = entries(&ledger)
        .into_iter()
        .filter(|e| e.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 2);
    for e in &failed {
        assert_eq!(e.status, Some(400));
        let message = e.message.as_deref().unwrap_or("");
        assert!(
            message.contains("Invalid value for classifiers"),
            "{message}"
        );
        assert!(message.contains("***"), "{message}");
    }
    let text = std::fs::read_to_string(&ledger).unwrap();
    assert!(!text.contains(token), "{text}");
    assert_verifies(&dir, &ledger, 4);
}

#[test]
fn a_trusted_publishing_upload_records_entries_without_any_token() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir, files) = project();
    let ledger = dir.join("ledger.jsonl");
    let r = run(
        &dir,
        &oidc.env_vars(),
        &[
            "upload",
            "--attestations=never",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(
        upload_entries(&ledger),
        started_and(&files, Outcome::Succeeded)
    );
    let text = std::fs::read_to_string(&ledger).unwrap();
    let minted = index.minted_tokens();
    assert_eq!(minted.len(), 1);
    let issued = oidc.issued();
    assert!(!issued.is_empty());
    for t in &minted {
        assert!(!text.contains(&t.token), "a minted token in the ledger");
    }
    for i in &issued {
        assert!(!text.contains(&i.jwt), "an identity token in the ledger");
    }
    assert!(!text.contains(&oidc.request_token()));
    assert_verifies(&dir, &ledger, 4);
}

#[test]
fn refused_credentials_become_one_failed_entry_and_nothing_is_sent() {
    let oidc = GithubOidc::start();
    // An index that trusts nobody: the mint is refused.
    let index = Index::start();
    let (_tmp, dir, files) = project();
    let ledger = dir.join("ledger.jsonl");
    let r = run(
        &dir,
        &oidc.env_vars(),
        &[
            "upload",
            "--attestations=never",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
        ],
    );
    assert_ne!(r.code, 0, "{}", r.all());
    assert_eq!(index.uploads().len(), 0);
    let all = entries(&ledger);
    assert_eq!(all.len(), 1, "{all:?}");
    let e = &all[0];
    assert_eq!(
        (e.operation.as_str(), e.outcome),
        ("upload", Outcome::Failed)
    );
    assert_eq!(e.details.get("stage"), Some(&Value::from("credentials")));
    let mut names: Vec<(String, String)> = e
        .files
        .iter()
        .map(|f| (f.name.clone(), f.sha256.clone()))
        .collect();
    names.sort();
    assert_eq!(names, files);
    let text = std::fs::read_to_string(&ledger).unwrap();
    for i in oidc.issued() {
        assert!(!text.contains(&i.jwt));
    }
}

#[test]
fn a_dry_run_writes_no_entries() {
    let index = Index::start();
    index.add_api_token("pypi-dry-run-token-0123456789", None);
    let (_tmp, dir, _) = project();
    let ledger = dir.join("ledger.jsonl");
    let r = run(
        &dir,
        &[var("CHORA_PUBLISH_TOKEN", "pypi-dry-run-token-0123456789")],
        &[
            "upload",
            "--dry-run",
            "--auth",
            "token",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &ledger.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(std::fs::read(&ledger).unwrap_or_default(), Vec::<u8>::new());
}

#[test]
fn a_broken_ledger_refuses_the_upload_before_anything_is_sent() {
    let index = Index::start();
    index.add_api_token("pypi-broken-ledger-token-0123", None);
    let (_tmp, dir, _) = project();
    let path = dir.join("ledger.jsonl");
    let mut l = ledger::Ledger::open(&path, RunId::local()).unwrap();
    for outcome in [Outcome::Started, Outcome::Succeeded] {
        l.append(Record {
            operation: "upload".into(),
            outcome,
            ..Record::default()
        })
        .unwrap();
    }
    drop(l);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("succeeded", "failed", 1)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let r = run(
        &dir,
        &[var("CHORA_PUBLISH_TOKEN", "pypi-broken-ledger-token-0123")],
        &[
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &index.upload_url(),
            "--ledger",
            &path.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("does not verify"), "{}", r.all());
    assert!(r.stderr.contains("hint: "), "{}", r.all());
    assert!(r.stderr.contains("line 2"), "{}", r.all());
    assert_eq!(index.server().total_requests(), 0, "something was sent");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the ledger changed");
}

#[test]
fn the_default_ledger_is_written_in_ci_only_and_never_with_no_ledger() {
    let index = Index::start();
    let token = "pypi-default-ledger-token-0123";
    index.add_api_token(token, None);
    let default = ledger::DEFAULT_FILE;
    let upload = |dir: &Path, ci: bool, extra: &[&str]| {
        let mut env = vec![var("CHORA_PUBLISH_TOKEN", token)];
        if ci {
            env.push(var("CI", "true"));
        }
        let url = index.upload_url();
        let mut args = vec![
            "upload",
            "--auth",
            "token",
            "--skip-existing",
            "--repository-url",
            url.as_str(),
        ];
        args.extend_from_slice(extra);
        let r = run(dir, &env, &args);
        assert_eq!(r.code, 0, "{}", r.all());
    };
    let (_a, in_ci, files) = project();
    upload(&in_ci, true, &[]);
    assert_eq!(
        upload_entries(&in_ci.join(default)),
        started_and(&files, Outcome::Succeeded)
    );
    let (_b, outside, _) = project();
    upload(&outside, false, &[]);
    assert!(!outside.join(default).exists());
    let (_c, disabled, _) = project();
    upload(&disabled, true, &["--no-ledger"]);
    assert!(!disabled.join(default).exists());
    // All three ran (the last two skipped what the first uploaded).
    assert_eq!(index.uploads().len(), 2);
}

#[test]
fn a_run_killed_mid_upload_leaves_a_verifying_ledger_showing_the_upload_started() {
    // An index whose upload endpoint holds every request open until released; it says
    // when one has arrived (the request is complete: every byte of the file was sent).
    let (arrived_tx, arrived) = mpsc::channel::<String>();
    let (release, released) = mpsc::channel::<()>();
    let released = Mutex::new(released);
    let arrived_tx = Mutex::new(arrived_tx);
    let server = Server::start(move |req| {
        if req.method == "POST" && req.path == "/legacy/" {
            if let Ok(tx) = arrived_tx.lock() {
                let _ = tx.send(req.path.clone());
            }
            if let Ok(rx) = released.lock() {
                let _ = rx.recv();
            }
            return Response::text(503, "released\n");
        }
        // The Simple API knows no such project (a first release).
        Response::text(404, "Not Found\n")
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let dist = dir.join("dist");
    std::fs::create_dir(&dist).unwrap();
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    std::fs::write(dist.join(&wheel.filename), &wheel.data).unwrap();
    let path = dir.join("ledger.jsonl");
    let url = format!("{}/legacy/", server.url());
    let mut child = command(
        dir,
        &[var("CHORA_PUBLISH_TOKEN", "pypi-crash-token-0123456789")],
        &[
            "upload",
            "--auth",
            "token",
            "--jobs",
            "1",
            "--repository-url",
            &url,
            "--ledger",
            &path.to_string_lossy(),
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let got = arrived.recv_timeout(Duration::from_secs(120));
    // The started entry was on disk before the request was complete.
    let before_kill = std::fs::read(&path).unwrap_or_default();
    child.kill().unwrap();
    let status = child.wait().unwrap();
    drop(release);
    assert_eq!(got.as_deref(), Ok("/legacy/"), "the upload never arrived");
    assert!(!status.success());
    let v = ledger::verify(&before_kill).unwrap();
    assert_eq!(v.entries.len(), 1);
    assert_eq!(v.entries[0].outcome, Outcome::Started);
    assert_eq!(v.entries[0].files[0].name, wheel.filename);
    assert_eq!(
        v.entries[0].files[0].sha256,
        standin::util::sha256_hex(&wheel.data)
    );
    assert_eq!(std::fs::read(&path).unwrap(), before_kill);

    assert_verifies(dir, &path, 1);
    let shown = run(dir, &[], &["ledger", "show", &path.to_string_lossy()]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(
        shown
            .stdout
            .contains("started, no outcome recorded (interrupted?)"),
        "{}",
        shown.all()
    );
    assert!(shown.stdout.contains(&wheel.filename), "{}", shown.all());
    assert!(!shown.stdout.contains("succeeded"), "{}", shown.all());
    let json = run(
        dir,
        &[],
        &[
            "ledger",
            "show",
            "--format",
            "json",
            &path.to_string_lossy(),
        ],
    );
    assert_eq!(json.code, 0, "{}", json.all());
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["unfinished"].as_array().map(Vec::len), Some(1));
    assert_eq!(value["unfinished"][0]["operation"], "upload");
    assert_eq!(value["verified"], true);
}

/// A ledger of three entries written by the library, in `dir`.
fn three_entries(dir: &Path) -> PathBuf {
    let path = dir.join("ledger.jsonl");
    let mut l = ledger::Ledger::open(&path, RunId::local()).unwrap();
    for (outcome, message) in [
        (Outcome::Started, None),
        (Outcome::Failed, Some("refused:\u{1b}[31m red \nnext")),
        (Outcome::Started, None),
    ] {
        l.append(Record {
            operation: "upload".into(),
            outcome,
            files: vec![FileDigest {
                name: "demo_pkg-0.1.0-py3-none-any.whl".into(),
                sha256: "ab".repeat(32),
            }],
            message: message.map(str::to_string),
            status: message.map(|_| 400),
            ..Record::default()
        })
        .unwrap();
    }
    path
}

#[test]
fn ledger_verify_names_the_first_bad_entry_and_checks_what_was_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = three_entries(dir);
    let file = path.to_string_lossy().into_owned();
    let v = ledger::verify_file(&path).unwrap();

    let ok = run(
        dir,
        &[],
        &[
            "ledger",
            "verify",
            &file,
            "--expect-entries",
            "3",
            "--expect-head",
            &v.head,
        ],
    );
    assert_eq!(ok.code, 0, "{}", ok.all());
    assert!(ok.stdout.contains(&v.head), "{}", ok.all());

    let json = run(dir, &[], &["ledger", "verify", &file, "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.all());
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (value["ok"].as_bool(), value["entries"].as_u64()),
        (Some(true), Some(3))
    );
    assert_eq!(value["head"].as_str(), Some(v.head.as_str()));

    // Cut short at the end: verifies, but not as expected.
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let plain = run(dir, &[], &["ledger", "verify", &file]);
    assert_eq!(plain.code, 0, "{}", plain.all());
    for expect in [
        vec!["--expect-entries", "3"],
        vec!["--expect-head", v.head.as_str()],
    ] {
        let mut args = vec!["ledger", "verify", file.as_str()];
        args.extend(expect);
        let r = run(dir, &[], &args);
        assert_eq!(r.code, 1, "{}", r.all());
        assert!(r.stderr.contains("not the one expected"), "{}", r.all());
    }

    // An entry edited: line, seq and reason named; JSON says the same.
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n{}\n",
            lines[0],
            lines[1].replace("400", "401"),
            lines[2]
        ),
    )
    .unwrap();
    let broken = run(dir, &[], &["ledger", "verify", &file]);
    assert_eq!(broken.code, 1, "{}", broken.all());
    assert!(broken.stderr.contains("line 2, seq 1"), "{}", broken.all());
    assert!(
        broken.stderr.contains("hash does not match"),
        "{}",
        broken.all()
    );
    let json = run(dir, &[], &["ledger", "verify", &file, "--format", "json"]);
    assert_eq!(json.code, 1, "{}", json.all());
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(
        (value["line"].as_u64(), value["seq"].as_u64()),
        (Some(2), Some(1))
    );
    // `show` refuses it, unless --unverified (then marked).
    let show = run(dir, &[], &["ledger", "show", &file]);
    assert_eq!(show.code, 1, "{}", show.all());
    assert!(show.stdout.is_empty(), "{}", show.all());
    // A ledger that is not there: local I/O.
    let missing = dir.join("missing.jsonl");
    for sub in ["verify", "show"] {
        let r = run(dir, &[], &["ledger", sub, &missing.to_string_lossy()]);
        assert_eq!(r.code, 4, "{}", r.all());
        assert!(
            r.stderr.contains("hint: name the ledger file"),
            "{}",
            r.all()
        );
    }
    let show = run(dir, &[], &["ledger", "show", "--unverified", &file]);
    assert_eq!(show.code, 1, "{}", show.all());
    assert!(show.stdout.contains("UNVERIFIED"), "{}", show.all());
    assert!(show.stdout.contains("!1 "), "{}", show.all());
    assert!(show.stdout.contains("!2 "), "{}", show.all());
}

#[test]
fn ledger_show_prints_a_table_with_escaped_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = three_entries(dir);
    let r = run(dir, &[], &["ledger", "show", &path.to_string_lossy()]);
    assert_eq!(r.code, 0, "{}", r.all());
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("seq  time"), "{}", r.stdout);
    for column in [
        "run",
        "operation",
        "outcome",
        "files",
        "retries",
        "status",
        "message",
    ] {
        assert!(lines[0].contains(column), "{column}: {}", lines[0]);
    }
    assert_eq!(lines.len(), 1 + 3 + 1, "{}", r.stdout);
    assert!(
        !r.stdout.contains('\u{1b}'),
        "an escape sequence reached the terminal"
    );
    assert!(
        r.stdout.contains("refused:\\x1b[31m red \\nnext"),
        "{}",
        r.stdout
    );
    // Entry 0 is closed by entry 1 (failed); entry 2 is not.
    assert!(
        lines[4].starts_with("seq 2: upload demo_pkg-0.1.0-py3-none-any.whl (run local): started, no outcome recorded (interrupted?)"),
        "{}",
        r.stdout
    );
}

/// `chora-publish ARGS` with the file size limit at `limit` bytes (`RLIMIT_FSIZE`, SIGXFSZ
/// ignored: a write past it fails with EFBIG, as on a full disk).
fn run_with_file_limit(dir: &Path, env: &[(String, String)], limit: usize, args: &[&str]) -> Run {
    let mut full = vec![
        "-c".to_string(),
        "import os, resource, signal, sys\n\
         signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n\
         n = int(sys.argv[1])\n\
         resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))\n\
         os.execv(sys.argv[2], sys.argv[2:])"
            .to_string(),
        limit.to_string(),
        env!("CARGO_BIN_EXE_chora-publish").to_string(),
    ];
    full.extend(args.iter().map(|a| a.to_string()));
    let out = std::process::Command::new("python3")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args(&full)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_ledger_that_cannot_be_written_stops_the_batch_before_the_next_file() {
    let token = "pypi-full-disk-token-0123456789";
    let env = [var("CHORA_PUBLISH_TOKEN", token)];
    let upload_args = |index: &Index, ledger: &Path| {
        vec![
            "upload".to_string(),
            "--auth".into(),
            "token".into(),
            "--jobs".into(),
            "1".into(),
            "--repository-url".into(),
            index.upload_url(),
            "--ledger".into(),
            ledger.to_string_lossy().into_owned(),
        ]
    };
    // Calibration: how long the entries of a first upload are.
    let calibration = Index::start();
    calibration.add_api_token(token, None);
    let (_a, dir_a, _) = project();
    let cal = dir_a.join("ledger.jsonl");
    let args = upload_args(&calibration, &cal);
    let r = run(
        &dir_a,
        &env,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&cal).unwrap();
    let lengths: Vec<usize> = text.lines().map(|l| l.len() + 1).collect();
    assert_eq!(lengths.len(), 4);
    let first: Entry = serde_json::from_str(text.lines().next().unwrap()).unwrap();

    // Room for the first file's two entries and half the next one.
    let index = Index::start();
    index.add_api_token(token, None);
    let (_b, dir, _) = project();
    let path = dir.join("ledger.jsonl");
    let limit = lengths[0] + lengths[1] + lengths[2] / 2;
    let args = upload_args(&index, &path);
    let r = run_with_file_limit(
        &dir,
        &env,
        limit,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("cannot write the ledger"), "{}", r.all());
    assert!(
        r.stderr
            .contains(&format!("done (recorded): {}", first.files[0].name)),
        "{}",
        r.all()
    );
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 1, "the next file was sent");
    // The entry cut off mid-line is the one found.
    let v = run(&dir, &[], &["ledger", "verify", &path.to_string_lossy()]);
    assert_eq!(v.code, 1, "{}", v.all());
    assert!(v.stderr.contains("line 3"), "{}", v.all());
}

/// The Sigstore options pointing at the stand-in.
fn sigstore_args(sigstore: &standin::sigstore::Sigstore) -> Vec<String> {
    vec![
        "--sigstore-fulcio-url".into(),
        sigstore.fulcio_url(),
        "--sigstore-rekor-url".into(),
        sigstore.rekor_url(),
        "--sigstore-trust-root".into(),
        sigstore.trusted_root_path().display().to_string(),
    ]
}

/// (operation, outcome) of each entry, in order, with the file names of each operation.
fn operations(path: &Path) -> Vec<(String, Outcome)> {
    entries(path)
        .into_iter()
        .map(|e| (e.operation, e.outcome))
        .collect()
}

#[test]
fn sign_and_an_attesting_upload_record_sign_entries_per_file() {
    let oidc = GithubOidc::start();
    let sigstore = standin::sigstore::Sigstore::start(&oidc);
    let index = Index::for_github(&oidc);
    let (_tmp, dir, files) = project();
    let sig = sigstore_args(&sigstore);

    // `sign`: one started and one succeeded entry per file, with the Rekor log index.
    let path = dir.join("sign.jsonl");
    let mut args = vec!["sign", "--ledger"];
    let shown = path.to_string_lossy().into_owned();
    args.push(&shown);
    args.extend(sig.iter().map(String::as_str));
    let r = run(&dir, &oidc.env_vars(), &args);
    assert_eq!(r.code, 0, "{}", r.all());
    let all = entries(&path);
    assert_eq!(all.len(), 4, "{all:?}");
    let mut seen: Vec<(Outcome, String, String)> = all
        .iter()
        .map(|e| {
            assert_eq!(e.operation, "sign");
            assert_eq!(e.target.as_deref(), Some(sigstore.rekor_url().as_str()));
            (
                e.outcome,
                e.files[0].name.clone(),
                e.files[0].sha256.clone(),
            )
        })
        .collect();
    seen.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    assert_eq!(seen, started_and(&files, Outcome::Succeeded));
    let indexes = all
        .iter()
        .filter(|e| e.details.get("rekor_log_index").is_some_and(Value::is_i64))
        .count();
    assert_eq!(indexes, 2);

    // `upload --attestations=always`: the sign entries, then the upload entries, each file
    // sent with its attestation.
    let path = dir.join("upload.jsonl");
    let url = index.upload_url();
    let shown = path.to_string_lossy().into_owned();
    let mut args = vec![
        "upload",
        "--attestations=always",
        "--attestations-dir",
        "archived",
        "--repository-url",
        &url,
        "--ledger",
        &shown,
    ];
    args.extend(sig.iter().map(String::as_str));
    let r = run(&dir, &oidc.env_vars(), &args);
    assert_eq!(r.code, 0, "{}", r.all());
    let ops = operations(&path);
    assert_eq!(ops.len(), 8, "{ops:?}");
    assert!(ops[..4].iter().all(|(op, _)| op == "sign"), "{ops:?}");
    assert!(ops[4..].iter().all(|(op, _)| op == "upload"), "{ops:?}");
    assert_eq!(
        upload_entries(&path),
        started_and(&files, Outcome::Succeeded)
    );
    let attested = entries(&path)
        .into_iter()
        .filter(|e| e.operation == "upload" && e.outcome == Outcome::Succeeded)
        .filter(|e| e.details.get("attestations") == Some(&Value::from(1)))
        .count();
    assert_eq!(attested, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    for i in oidc.issued() {
        assert!(!text.contains(&i.jwt), "an identity token in the ledger");
    }
    for t in index.minted_tokens() {
        assert!(!text.contains(&t.token), "a minted token in the ledger");
    }
}

#[test]
fn a_failed_signing_is_recorded_and_the_upload_fails_as_one_entry() {
    let oidc = GithubOidc::start();
    let sigstore = standin::sigstore::Sigstore::start(&oidc);
    sigstore
        .rekor_server()
        .inject_times("/api/v1/log/entries", Fault::status(500), 100);
    let index = Index::for_github(&oidc);
    let (_tmp, dir, files) = project();
    let path = dir.join("ledger.jsonl");
    let url = index.upload_url();
    let shown = path.to_string_lossy().into_owned();
    let sig = sigstore_args(&sigstore);
    let mut args = vec![
        "upload",
        "--attestations=always",
        "--retries",
        "2",
        "--repository-url",
        &url,
        "--ledger",
        &shown,
    ];
    args.extend(sig.iter().map(String::as_str));
    let r = run(&dir, &oidc.env_vars(), &args);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(index.upload_attempts().is_empty());
    let all = entries(&path);
    let signs: Vec<&Entry> = all.iter().filter(|e| e.operation == "sign").collect();
    assert_eq!(signs.len(), 4, "{all:?}");
    let failed_signs = signs
        .iter()
        .filter(|e| e.outcome == Outcome::Failed && e.message.is_some())
        .count();
    assert_eq!(failed_signs, 2);
    let last = all.last().unwrap();
    assert_eq!(
        (last.operation.as_str(), last.outcome),
        ("upload", Outcome::Failed)
    );
    assert_eq!(
        last.details.get("stage"),
        Some(&Value::from("attestations"))
    );
    assert_eq!(last.files.len(), files.len());
}

#[test]
fn sign_without_an_identity_is_one_failed_entry() {
    let oidc = GithubOidc::start();
    let sigstore = standin::sigstore::Sigstore::start(&oidc);
    let (_tmp, dir, files) = project();
    let path = dir.join("ledger.jsonl");
    let shown = path.to_string_lossy().into_owned();
    let sig = sigstore_args(&sigstore);
    let mut args = vec!["sign", "--ledger", &shown];
    args.extend(sig.iter().map(String::as_str));
    // A GitHub job without `id-token: write`.
    let r = run(&dir, &oidc.env_vars_without_id_token(), &args);
    assert_eq!(r.code, 2, "{}", r.all());
    let all = entries(&path);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(
        (all[0].operation.as_str(), all[0].outcome),
        ("sign", Outcome::Failed)
    );
    assert_eq!(
        all[0].details.get("stage"),
        Some(&Value::from("before-signing"))
    );
    assert_eq!(all[0].files.len(), files.len());
    assert!(sigstore.issued_certs().is_empty());
}
