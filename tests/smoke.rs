//! `chora-publish smoke NAME==VERSION` against real installers (uv and pip from `.tools/`):
//! the real pypiserver (PEP 503 HTML only) and the PyPI stand-in (PEP 691 JSON, delayed
//! visibility, faults). Each test checks what the index saw (request counts) besides the
//! command's own report.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chora::publish::ledger::{self, FileDigest, Ledger, Outcome, Record, RunId};
use standin::dist;
use standin::http::Fault;
use standin::pypi::Index;
use standin::pypiserver::{PypiServer, tools_dir};
use standin::util::{b64url, sha256_hex};

const USER_AGENT: &str = "chora-publish/";

/// The interpreter every test makes its environments with (the tools' venv Python).
fn python() -> PathBuf {
    let p = tools_dir().join("venv").join("bin").join("python");
    assert!(
        p.exists(),
        "{} is missing: run `bash scripts/install-test-tools.sh`",
        p.display()
    );
    p
}

/// A folder holding only `uv` (a link to the pinned one): PATH with uv and nothing else.
fn uv_only_path(scratch: &Path) -> PathBuf {
    let dir = scratch.join("uv-bin");
    if !dir.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(support::tool("uv"), dir.join("uv")).unwrap();
    }
    dir
}

/// `chora-publish` with a clean environment: PATH as given, short backoff, no CI.
fn smoke(scratch: &Path, path: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("chora-publish").unwrap();
    let home = scratch.join("home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.current_dir(scratch)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .arg("smoke")
        .arg("--python")
        .arg(python());
    cmd
}

/// A pure-Python wheel with `__init__.py` = `init` and these `Requires-Dist`.
fn wheel_with(name: &str, version: &str, init: &str, requires: &[&str]) -> dist::Dist {
    use sha2::Digest as _;
    let module = name.replace('-', "_");
    let info = format!("{module}-{version}.dist-info");
    let mut metadata =
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: smoke test\n");
    for r in requires {
        metadata.push_str(&format!("Requires-Dist: {r}\n"));
    }
    let files = vec![
        (format!("{module}/__init__.py"), init.as_bytes().to_vec()),
        (format!("{info}/METADATA"), metadata.into_bytes()),
        (
            format!("{info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: smoke-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_vec(),
        ),
    ];
    let mut record = String::new();
    for (path, data) in &files {
        record.push_str(&format!(
            "{path},sha256={},{}\n",
            b64url(&sha2::Sha256::digest(data)),
            data.len()
        ));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (path, data) in files.iter().chain(std::iter::once(&(
        format!("{info}/RECORD"),
        record.into_bytes(),
    ))) {
        zip.start_file(path.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    dist::Dist {
        filename: format!("{module}-{version}-py3-none-any.whl"),
        data: zip.finish().unwrap().into_inner(),
        name: name.to_string(),
        version: version.to_string(),
    }
}

fn seed(index: &Index, d: &dist::Dist) {
    index.seed_file(&d.name, &d.version, &d.filename, &d.data);
}

/// `sha256sum` lines for these files.
fn sha256sums(dir: &Path, files: &[&dist::Dist]) -> PathBuf {
    let path = dir.join("SHA256SUMS");
    let text: String = files
        .iter()
        .map(|d| format!("{}  dist/{}\n", sha256_hex(&d.data), d.filename))
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// Requests chora-publish itself made for this path.
fn polls_seen(index: &Index, path: &str) -> usize {
    index
        .server()
        .requests()
        .iter()
        .filter(|r| r.path == path)
        .filter(|r| {
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with(USER_AGENT))
        })
        .count()
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn pypiserver_html_index_installs_and_imports_with_uv() {
    let server = PypiServer::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "VERSION = '0.1.0'\n", &[]);
    let dist_dir = scratch.path().join("dist");
    std::fs::create_dir_all(&dist_dir).unwrap();
    std::fs::write(dist_dir.join(&wheel.filename), &wheel.data).unwrap();
    // Uploaded with chora-publish itself (a token: pypiserver's password).
    let mut upload = assert_cmd::Command::cargo_bin("chora-publish").unwrap();
    let uploaded = upload
        .current_dir(scratch.path())
        .env_clear()
        .env("CHORA_PUBLISH_TOKEN", server.credentials().1)
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .args([
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &server.upload_url(),
        ])
        .arg(dist_dir.join(&wheel.filename))
        .output()
        .unwrap();
    assert!(uploaded.status.success(), "{}", text(&uploaded));
    assert_eq!(
        server.package_files(),
        std::slice::from_ref(&wheel.filename)
    );
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &server.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "ok");
    assert_eq!(report["installer"], "uv");
    assert_eq!(report["polls"], 1);
    assert_eq!(report["module"], "demo_pkg");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["name"], wheel.filename.as_str());
    assert_eq!(files[0]["sha256"], sha256_hex(&wheel.data).as_str());
    assert_eq!(files[0]["checked"], true);
    assert!(report["install_ms"].as_u64().is_some());
    assert!(report["import_ms"].as_u64().is_some());
    // uv downloaded it from pypiserver.
    assert!(
        server
            .log()
            .contains(&format!("/packages/{}", wheel.filename)),
        "{}",
        server.log()
    );
}

#[test]
fn delayed_visibility_is_polled_and_timed_and_recorded() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "VERSION = '0.1.0'\n", &[]);
    seed(&index, &wheel);
    index.list_after(&wheel.filename, 3);
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let ledger_path = scratch.path().join("ledger.jsonl");
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .arg("--ledger")
        .arg(&ledger_path)
        .args(["--run-id", "77", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let report = json_of(&out);
    // Three answers without the file, the fourth with it.
    assert_eq!(report["polls"], 4, "{report}");
    assert_eq!(polls_seen(&index, "/simple/demo-pkg/"), 4);
    assert!(
        index.simple_requests("demo-pkg") > 4,
        "uv read the page too"
    );
    assert!(report["propagation_ms"].as_u64().is_some());
    assert!(report["install_ms"].as_u64().is_some());
    assert!(index.count(&format!("/packages/{}", wheel.filename)) >= 1);
    // Progress went to stderr, the report alone to stdout.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("not listed yet").count(), 3, "{stderr}");

    let v = ledger::verify_file(&ledger_path).unwrap();
    let smoke: Vec<_> = v
        .entries
        .iter()
        .filter(|e| e.operation == "smoke")
        .collect();
    assert_eq!(smoke.len(), 2);
    assert_eq!(smoke[0].outcome, Outcome::Started);
    assert_eq!(smoke[1].outcome, Outcome::Succeeded);
    assert_eq!(smoke[1].run.id, "77");
    let d = &smoke[1].details;
    assert_eq!(d["polls"], 4);
    assert_eq!(d["installer"], "uv");
    assert_eq!(d["propagation_ms"], report["propagation_ms"]);
    assert_eq!(d["install_ms"], report["install_ms"]);
    assert_eq!(smoke[1].files[0].sha256, sha256_hex(&wheel.data));
}

#[test]
fn a_listed_file_with_another_digest_fails_before_installing() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let uploaded = wheel_with("demo-pkg", "0.1.0", "VERSION = '0.1.0'\n", &[]);
    let served = wheel_with("demo-pkg", "0.1.0", "import os  # not ours\n", &[]);
    assert_eq!(uploaded.filename, served.filename);
    seed(&index, &served);
    let sums = sha256sums(scratch.path(), &[&uploaded]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("the index serves a different file than was uploaded"),
        "{all}"
    );
    assert!(all.contains(&sha256_hex(&served.data)), "{all}");
    assert!(all.contains(&sha256_hex(&uploaded.data)), "{all}");
    assert_eq!(polls_seen(&index, "/simple/demo-pkg/"), 1);
    assert_eq!(index.count(&format!("/packages/{}", served.filename)), 0);
    // The JSON report names the served file, unchecked.
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "digest-mismatch");
    assert!(report["propagation_ms"].is_null());
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["sha256"], sha256_hex(&served.data).as_str());
    assert_eq!(files[0]["checked"], false);
}

#[test]
fn a_module_that_fails_to_import_fails() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with(
        "demo-pkg",
        "0.1.0",
        "raise RuntimeError('broken at import')\n",
        &[],
    );
    seed(&index, &wheel);
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "import-failed");
    assert!(report["install_ms"].as_u64().is_some(), "installed first");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`import demo_pkg` failed"), "{stderr}");
    assert!(stderr.contains("broken at import"), "{stderr}");
    assert!(index.count(&format!("/packages/{}", wheel.filename)) >= 1);
}

#[test]
fn never_listed_times_out_with_the_last_answer() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "", &[]);
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--timeout", "400ms", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "not-visible");
    let polls = report["polls"].as_u64().unwrap();
    // 10 ms doubling: 10+20+40+80+160 = 310 ms, then the rest of the 400 ms.
    assert!(polls >= 3, "{report}");
    assert_eq!(polls_seen(&index, "/simple/demo-pkg/") as u64, polls);
    assert!(report["propagation_ms"].is_null());
    assert!(report["install_ms"].is_null());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not visible on"), "{stderr}");
    assert!(stderr.contains("last answer: HTTP 404"), "{stderr}");
    assert!(
        stderr.contains(&wheel.filename),
        "names what is missing: {stderr}"
    );
}

#[test]
fn an_install_that_keeps_failing_is_retried_then_exit_3() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "", &[]);
    seed(&index, &wheel);
    let file_path = format!("/packages/{}", wheel.filename);
    index
        .server()
        .inject_times(&file_path, Fault::status(503), 1000);
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--retries", "2", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "install-failed");
    assert_eq!(report["install_attempts"], 2);
    assert!(report["propagation_ms"].as_u64().is_some(), "it was listed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed after 2 attempt(s)"), "{stderr}");
    assert!(
        stderr.contains("the index's last answer: HTTP 200, 1 file(s)"),
        "{stderr}"
    );
    assert!(
        index.count(&file_path) >= 2,
        "one download per attempt at least"
    );
}

/// What `chora-publish upload --ledger` records: one `upload` `succeeded` entry per file.
fn ledger_with_upload(path: &Path, target: &str, d: &dist::Dist) {
    let mut l = Ledger::open(path, RunId::local()).unwrap();
    for outcome in [Outcome::Started, Outcome::Succeeded] {
        l.append(Record {
            operation: "upload".into(),
            outcome,
            target: Some(target.into()),
            files: vec![FileDigest {
                name: d.filename.clone(),
                sha256: sha256_hex(&d.data),
            }],
            ..Record::default()
        })
        .unwrap();
    }
}

#[test]
fn the_ledger_gives_the_uploaded_digests_and_a_broken_one_is_refused() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let uploaded = wheel_with("demo-pkg", "0.1.0", "", &[]);
    let other = wheel_with("demo-pkg", "0.1.0", "X = 1\n", &[]);
    seed(&index, &other);
    let ledger_path = scratch.path().join("ledger.jsonl");
    ledger_with_upload(&ledger_path, &index.upload_url(), &uploaded);
    let run = |ledger: &Path| {
        smoke(scratch.path(), &uv_only_path(scratch.path()))
            .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
            .arg("--ledger")
            .arg(ledger)
            .output()
            .unwrap()
    };
    // The ledger's digest is the uploaded file's: the served one differs.
    let out = run(&ledger_path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("different file than was uploaded"));
    assert!(text(&out).contains(&format!("the ledger {}", ledger_path.display())));
    let v = ledger::verify_file(&ledger_path).unwrap();
    let outcomes: Vec<_> = v
        .entries
        .iter()
        .map(|e| (e.operation.as_str(), e.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("upload", Outcome::Started),
            ("upload", Outcome::Succeeded),
            ("smoke", Outcome::Started),
            ("smoke", Outcome::Failed)
        ]
    );
    assert_eq!(v.entries[3].details["result"], "digest-mismatch");

    // An upload to another index is no evidence for this one.
    let elsewhere = scratch.path().join("elsewhere.jsonl");
    ledger_with_upload(&elsewhere, "https://upload.pypi.org/legacy/", &uploaded);
    let out = run(&elsewhere);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("has no succeeded upload of demo-pkg 0.1.0"));

    // An edited ledger is never trusted.
    let text_before = std::fs::read_to_string(&ledger_path).unwrap();
    let edited = text_before.replacen(&sha256_hex(&uploaded.data), &sha256_hex(&other.data), 1);
    std::fs::write(&ledger_path, &edited).unwrap();
    let out = run(&ledger_path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("does not verify"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&ledger_path).unwrap(), edited);
    assert_eq!(
        polls_seen(&index, "/simple/demo-pkg/"),
        1,
        "only the first run polled"
    );
}

#[test]
fn pip_is_used_when_uv_is_not_on_path() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    // The import sees neither this job's credentials nor a shadowing PYTHONPATH.
    let wheel = wheel_with(
        "demo-pkg",
        "0.1.0",
        "import os\nassert 'CHORA_PUBLISH_TOKEN' not in os.environ\nassert 'GITHUB_TOKEN' not in os.environ\nassert 'PYPI_ID_TOKEN' not in os.environ\n",
        &[],
    );
    seed(&index, &wheel);
    let ledger_path = scratch.path().join("ledger.jsonl");
    ledger_with_upload(&ledger_path, &index.upload_url(), &wheel);
    let empty = scratch.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let shadow = scratch.path().join("shadow");
    std::fs::create_dir_all(shadow.join("demo_pkg")).unwrap();
    std::fs::write(
        shadow.join("demo_pkg/__init__.py"),
        "raise SystemExit('shadowed')\n",
    )
    .unwrap();
    let out = smoke(scratch.path(), &empty)
        .env("CHORA_PUBLISH_TOKEN", "pypi-AgEIcHlwaS5vcmcsecret")
        .env("GITHUB_TOKEN", "ghs_secretsecretsecret")
        .env("PYPI_ID_TOKEN", "eyJhbGciOi.eyJzdWIiOi.c2ln")
        .env("PYTHONPATH", &shadow)
        .env("PIP_EXTRA_INDEX_URL", "http://127.0.0.1:9/simple/")
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--ledger")
        .arg(&ledger_path)
        .args(["--import", "demo_pkg"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("secret"), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(pip)"), "{stdout}");
    assert!(
        stdout.contains("ok  demo-pkg==0.1.0: propagation"),
        "{stdout}"
    );
    let pip_requests = index
        .server()
        .requests()
        .iter()
        .filter(|r| {
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with("pip/"))
        })
        .count();
    assert!(pip_requests >= 2, "pip read the page and the file");
    let v = ledger::verify_file(&ledger_path).unwrap();
    let last = v.entries.last().unwrap();
    assert_eq!(
        (last.operation.as_str(), last.outcome),
        ("smoke", Outcome::Succeeded)
    );
    assert_eq!(last.details["installer"], "pip");
}

#[test]
fn dependencies_come_from_the_dependency_index_only() {
    // As for TestPyPI: the release from its index (--no-deps), its Requires-Dist from another.
    let release_index = Index::start();
    let deps_index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let app = wheel_with(
        "demo-app",
        "1.0.0",
        "import demo_dep\nassert demo_dep.GOOD\n",
        &["demo-dep>=1", "demo-extra-only; extra == \"x\""],
    );
    seed(&release_index, &app);
    // A squatted dependency on the release's index, and the real one on the dependency index.
    let squatted = wheel_with("demo-dep", "9.0.0", "raise SystemExit('squatted')\n", &[]);
    let real = wheel_with("demo-dep", "1.2.0", "GOOD = True\n", &[]);
    seed(&release_index, &squatted);
    seed(&deps_index, &real);
    let sums = sha256sums(scratch.path(), &[&app]);
    for path in [uv_only_path(scratch.path()), scratch.path().join("no-uv")] {
        std::fs::create_dir_all(&path).unwrap();
        let out = smoke(scratch.path(), &path)
            .args([
                "demo-app==1.0.0",
                "--index-url",
                &release_index.simple_url(),
            ])
            .args(["--deps-index-url", &deps_index.simple_url()])
            .arg("--expect-digests")
            .arg(&sums)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    assert_eq!(
        release_index.count(&format!("/packages/{}", squatted.filename)),
        0
    );
    // Both installers (uv reads wheels with range requests: several requests each).
    assert!(release_index.count(&format!("/packages/{}", app.filename)) >= 2);
    assert!(deps_index.count(&format!("/packages/{}", real.filename)) >= 2);
    assert_eq!(deps_index.count("/simple/demo-extra-only/"), 0);
    assert_eq!(deps_index.count("/simple/demo-app/"), 0);
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let out = assert_cmd::Command::cargo_bin("chora-publish")
        .unwrap()
        .env_clear()
        .args(["smoke", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "chora-publish smoke demo-pkg==0.1.0 --testpypi --expect-digests SHA256SUMS",
        "Exit status: 0 listed, installed and imported; 1 the index serves a different file",
        "--expect-digests <FILE>",
        "--timeout <DURATION>",
        "--ledger <FILE>",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "", &[]);
    let sums = sha256sums(scratch.path(), &[&wheel]);
    let path = uv_only_path(scratch.path());
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["demo-pkg".into()], "expected NAME==VERSION"),
        (vec!["demo-pkg==x.y".into()], "not a valid PEP 440 version"),
        (
            vec!["demo-pkg==0.1.0".into(), "--import".into(), "a-b".into()],
            "not a Python module name",
        ),
        (
            vec![
                "demo-pkg==0.1.0".into(),
                "--index-url".into(),
                "http://example.org/simple/".into(),
            ],
            "not https",
        ),
        (
            vec![
                "other==1.0".into(),
                "--expect-digests".into(),
                sums.display().to_string(),
            ],
            "lists no file of other 1.0",
        ),
        (
            vec!["demo-pkg==0.1.0".into(), "--timeout".into(), "10x".into()],
            "not a duration",
        ),
        (
            vec![
                "demo-pkg==0.1.0".into(),
                "--ledger".into(),
                scratch.path().join("missing.jsonl").display().to_string(),
            ],
            "does not exist",
        ),
    ];
    for (args, expected) in &cases {
        let mut cmd = smoke(scratch.path(), &path);
        if !args.iter().any(|a| a == "--index-url") {
            cmd.args(["--index-url", &index.simple_url()]);
        }
        let out = cmd.args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    assert_eq!(cases.len(), 7);
    assert_eq!(index.server().total_requests(), 0);
}

#[test]
fn a_missing_expected_file_keeps_polling_until_the_timeout() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "", &[]);
    let sdist = dist::sdist("demo-pkg", "0.1.0");
    seed(&index, &wheel);
    let sums = sha256sums(scratch.path(), &[&wheel, &sdist]);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .arg("--expect-digests")
        .arg(&sums)
        .args(["--timeout", "200ms", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = json_of(&out);
    assert_eq!(report["result"], "not-visible");
    let polls = report["polls"].as_u64().unwrap();
    assert!(polls >= 2, "{report}");
    assert_eq!(polls_seen(&index, "/simple/demo-pkg/") as u64, polls);
    assert_eq!(
        report["last_answer"],
        "HTTP 200: 1 of 2 expected file(s) listed"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("still missing {}", sdist.filename)),
        "{stderr}"
    );
    assert_eq!(index.count(&format!("/packages/{}", wheel.filename)), 0);
}

#[test]
fn in_ci_the_default_ledger_is_written_and_unchecked_digests_are_warned_about() {
    let index = Index::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "", &[]);
    seed(&index, &wheel);
    let out = smoke(scratch.path(), &uv_only_path(scratch.path()))
        .env("CI", "true")
        .args(["demo-pkg==0.1.0", "--index-url", &index.simple_url()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the listed digests are not compared with the uploaded files"),
        "{stderr}"
    );
    let v = ledger::verify_file(&scratch.path().join(ledger::DEFAULT_FILE)).unwrap();
    let outcomes: Vec<_> = v.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes, [Outcome::Started, Outcome::Succeeded]);
    assert!(v.entries[0].files.is_empty(), "nothing was expected");
    assert_eq!(v.entries[1].files[0].sha256, sha256_hex(&wheel.data));
}

/// The `run:` text and `env:` of the step called `name` in job `job` of a workflow file.
fn workflow_step(workflow: &Path, job: &str, name: &str) -> (String, Vec<(String, String)>) {
    let doc: serde_json::Value =
        yaml_serde::from_str(&std::fs::read_to_string(workflow).unwrap()).unwrap();
    let step = doc["jobs"][job]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name:?} in {job}"));
    let env = step["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    (step["run"].as_str().unwrap().to_string(), env)
}

/// A generated project's release.yml (chora new with the standard answers and `extra`; a
/// releases file for publisher=chora).
fn generated_release(dir: &Path, extra: &[&str]) -> PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dest = dir.join("project");
    support::new_project(&home, &dest, extra);
    dest.join(".github/workflows/release.yml")
}

/// The proof job of a generated release.yml, run for real against pypiserver: chora's
/// `chora-publish smoke` step with the upload's ledger (publisher=chora), and the shell step
/// (publisher=pypa), each exactly as generated but for the index and the interpreter.
#[test]
fn the_generated_proof_steps_install_the_release_from_the_index() {
    let server = PypiServer::start();
    let scratch = tempfile::tempdir().unwrap();
    let wheel = wheel_with("demo-pkg", "0.1.0", "__version__ = '0.1.0'\n", &[]);
    let work = scratch.path().join("work");
    std::fs::create_dir_all(work.join("dist")).unwrap();
    std::fs::write(work.join("dist").join(&wheel.filename), &wheel.data).unwrap();
    // The publish job's upload, with its ledger where the job keeps it.
    let uploaded = assert_cmd::Command::cargo_bin("chora-publish")
        .unwrap()
        .current_dir(&work)
        .env_clear()
        .env("CHORA_PUBLISH_TOKEN", server.credentials().1)
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .args([
            "upload",
            "--auth",
            "token",
            "--ledger",
            "chora-ledger.jsonl",
        ])
        .args(["--repository-url", &server.upload_url()])
        .arg(format!("dist/{}", wheel.filename))
        .output()
        .unwrap();
    assert!(uploaded.status.success(), "{}", text(&uploaded));

    // PATH: uv, and chora-publish as the install-by-hash step would put it there.
    let bin = uv_only_path(scratch.path());
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_chora-publish"),
        bin.join("chora-publish"),
    )
    .unwrap();
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // The version as the build job's output hands it to the proof job (VERSION).
    let shell = |script: &str, version: &str| {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("-e")
            .arg("-c")
            .arg(script)
            .current_dir(&work)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("HOME", &home)
            .env("VERSION", version)
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("CHORA_PUBLISH_RETRY_BASE_MS", "10");
        cmd
    };

    // publisher=chora: smoke with the ledger; the digests it compares are the upload's.
    let release = generated_release(&scratch.path().join("chora"), &["publisher=chora"]);
    let (script, env) = workflow_step(
        &release,
        "verify-pypi",
        "Install from PyPI and import the package",
    );
    assert_eq!(
        env,
        [(
            "VERSION".to_string(),
            "${{ needs.build.outputs.version }}".to_string()
        )]
    );
    // The newest supported Python of data/python-versions.tsv (the last line).
    let versions =
        std::fs::read_to_string(support::repo_root().join("data/python-versions.tsv")).unwrap();
    let newest = versions
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains("supported"))
        .filter_map(|l| l.split('\t').next())
        .next_back()
        .unwrap()
        .to_string();
    let python_arg = format!("--python \"{newest}\"");
    let python_arg = python_arg.as_str();
    assert!(script.ends_with(python_arg), "{script}");
    let script = format!(
        "{} --python {} --index-url {}",
        &script[..script.len() - python_arg.len()],
        python().display(),
        server.simple_url()
    );
    let out = shell(&script, "0.1.0").output().unwrap();
    assert!(out.status.success(), "{script}: {}", text(&out));
    let v = ledger::verify_file(&work.join("chora-ledger.jsonl")).unwrap();
    let outcomes: Vec<_> = v
        .entries
        .iter()
        .map(|e| (e.operation.as_str(), e.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("upload", Outcome::Started),
            ("upload", Outcome::Succeeded),
            ("smoke", Outcome::Started),
            ("smoke", Outcome::Succeeded)
        ]
    );
    assert_eq!(v.entries[3].files[0].sha256, sha256_hex(&wheel.data));
    assert_eq!(v.entries[3].details["module"], "demo_pkg");
    // A version the ledger holds no upload of is refused at once (exit 2), nothing installed.
    let out = shell(&script, "0.2.0").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    // publisher=pypa: the shell equivalent, with uv's index pointed at pypiserver.
    let release = generated_release(&scratch.path().join("pypa"), &["publisher=pypa"]);
    let (script, env) = workflow_step(
        &release,
        "verify-pypi",
        "Install from PyPI and import the package",
    );
    let runner = scratch.path().join("runner");
    std::fs::create_dir_all(&runner).unwrap();
    let mut cmd = shell(&script, "0.1.0");
    for (key, value) in &env {
        match key.as_str() {
            "VERSION" => assert_eq!(value, "${{ needs.build.outputs.version }}"),
            "UV_DEFAULT_INDEX" => {
                assert_eq!(value, "https://pypi.org/simple/");
                cmd.env(key, server.simple_url());
            }
            "UV_PYTHON" => {
                cmd.env(key, python());
            }
            _ => {
                cmd.env(key, value);
            }
        }
    }
    let out = cmd.env("RUNNER_TEMP", &runner).output().unwrap();
    assert!(out.status.success(), "{script}: {}", text(&out));
    assert!(
        text(&out).contains("demo_pkg 0.1.0 from "),
        "{}",
        text(&out)
    );
    assert!(
        server
            .log()
            .matches(&format!("/packages/{}", wheel.filename))
            .count()
            >= 2,
        "both installs downloaded the wheel from pypiserver: {}",
        server.log()
    );
}
