//! `chora-publish upload` against a real index (pypiserver on 127.0.0.1 with authentication):
//! token upload, then `pip install` of the uploaded package into a fresh virtualenv and an
//! import; skip-existing by hash; a partial batch re-run finishes without duplicates.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use standin::pypiserver::PypiServer;
use support::{generate, run, tool_command};

/// A generated project with built distributions.
fn built_project() -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    generate(home.path(), &dest, &[]);
    let (ok, output) = run(tool_command("uv").current_dir(&dest).arg("build"));
    assert!(ok, "uv build: {output}");
    (out, dest)
}

fn publish(dir: &Path, token: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("chora-publish").unwrap();
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_TOKEN", token)
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10");
    cmd
}

fn dists(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".whl") || n.ends_with(".tar.gz"))
        .collect();
    names.sort();
    names
}

#[test]
fn token_upload_installs_with_pip_from_the_index() {
    let server = PypiServer::start();
    let (_tmp, project) = built_project();
    let report = project.join("report.json");
    publish(&project, server.credentials().1)
        .args([
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &server.upload_url(),
        ])
        .arg("--report")
        .arg(&report)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 uploaded, 0 skipped, 0 failed"));
    assert_eq!(server.package_files(), dists(&project));

    let report_text = std::fs::read_to_string(&report).unwrap();
    assert!(
        !report_text.contains(server.credentials().1),
        "no token in the report"
    );
    let report: serde_json::Value = serde_json::from_str(&report_text).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for file in files {
        assert_eq!(file["status"], "uploaded");
        assert_eq!(file["attempts"], 1);
        assert_eq!(file["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(file["blake2_256"].as_str().unwrap().len(), 64);
    }

    // A fresh virtualenv installs it from the index and imports it.
    let venv = tempfile::tempdir().unwrap();
    let (ok, output) = run(tool_command("python").args(["-m", "venv"]).arg(venv.path()));
    assert!(ok, "venv: {output}");
    let pip = venv.path().join("bin/pip");
    let (ok, output) = run(std::process::Command::new(&pip).args([
        "install",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--index-url",
        &server.simple_url(),
        "demo-pkg==0.1.0",
    ]));
    assert!(
        ok,
        "pip install from pypiserver:\n{output}\n{}",
        server.log()
    );
    let (ok, output) = run(std::process::Command::new(venv.path().join("bin/python"))
        .args(["-c", "import demo_pkg; print(demo_pkg.__version__)"]));
    assert!(ok && output.trim() == "0.1.0", "import: {output}");
}

#[test]
fn skip_existing_decides_by_hash_and_a_partial_batch_finishes() {
    let server = PypiServer::start();
    let (_tmp, project) = built_project();
    let names = dists(&project);
    let wheel = names.iter().find(|n| n.ends_with(".whl")).unwrap().clone();

    // A first run that only got the wheel out.
    publish(&project, server.credentials().1)
        .args([
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &server.upload_url(),
        ])
        .arg(format!("dist/{wheel}"))
        .assert()
        .success();
    assert_eq!(server.package_files(), vec![wheel.clone()]);

    // The re-run with --skip-existing skips the wheel by hash and uploads the rest.
    publish(&project, server.credentials().1)
        .args([
            "upload",
            "--auth",
            "token",
            "--skip-existing",
            "--repository-url",
            &server.upload_url(),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("skipped  {wheel}")))
        .stdout(predicate::str::contains("1 uploaded, 1 skipped, 0 failed"));
    assert_eq!(server.package_files(), names);

    // Without --skip-existing pypiserver refuses duplicates (it has no identical-re-upload
    // rule) and the refusal is explained.
    publish(&project, server.credentials().1)
        .args([
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &server.upload_url(),
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("already exists"))
        .stderr(predicate::str::contains("--skip-existing"));

    // A different file under an existing name is never "skipped".
    let sdist = names.iter().find(|n| n.ends_with(".tar.gz")).unwrap();
    let (_tmp2, rebuilt) = built_project();
    let readme = rebuilt.join("README.md");
    std::fs::write(&readme, "changed\n").unwrap();
    let (ok, output) = run(tool_command("uv")
        .current_dir(&rebuilt)
        .args(["build", "--sdist"]));
    assert!(ok, "{output}");
    publish(&rebuilt, server.credentials().1)
        .args([
            "upload",
            "--auth",
            "token",
            "--skip-existing",
            "--repository-url",
            &server.upload_url(),
        ])
        .arg(format!("dist/{sdist}"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("different file with this name"));
}

#[test]
fn wrong_token_is_refused_with_an_explanation_and_never_printed() {
    let server = PypiServer::start();
    let (_tmp, project) = built_project();
    let secret = "pypi-WRONG-secret-value";
    let output = publish(&project, secret)
        .args([
            "upload",
            "--auth",
            "token",
            "--repository-url",
            &server.upload_url(),
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("HTTP 403"))
        .stderr(predicate::str::contains("refused the credentials"))
        .get_output()
        .clone();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(secret));
    assert!(server.package_files().is_empty());
}
