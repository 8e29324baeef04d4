//! `chora migrate --check` on small repositories in temporary folders: exit statuses (0 nothing
//! to do, 1 migration needed, 2 bad input or refused), the text report (findings, table,
//! per-file errors), the JSON shape, and that secret values never reach the output.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const TWINE: &str = "on:\n  release:\n    types: [published]\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n";
const TRUSTED: &str = "on: push\njobs:\n  publish:\n    permissions:\n      id-token: write\n    environment: pypi\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";
const DOCKER: &str = "on: push\njobs:\n  image:\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          username: me\n          password: ${{ secrets.DOCKERHUB_TOKEN }}\n";
const REUSABLE: &str = "on:\n  workflow_call:\njobs:\n  publish:\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.pypi_token }}\n";
/// A made-up token, hard-coded in a workflow: it must never be printed.
const LITERAL_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJGZha2UtdG9rZW4tZm9yLXRlc3Rz";

fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (path, text) in files {
        let full = dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
        }
        std::fs::write(&full, text).unwrap_or_else(|e| panic!("write: {e}"));
    }
    dir
}

fn chora(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(assert_cmd::cargo::cargo_bin("chora"))
        .arg("migrate")
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("run chora: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--check", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = chora(dir, &args);
    let value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("JSON: {e}\n{out}\n{err}"));
    (code, value)
}

#[test]
fn nothing_to_do_is_exit_0() {
    let dir = repo(&[(".github/workflows/release.yml", TRUSTED.as_bytes())]);
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing to do (Trusted Publishing)"), "{out}");
    assert!(out.contains("Nothing to migrate."), "{out}");
}

#[test]
fn migration_needed_is_exit_1_with_findings_and_table() {
    let dir = repo(&[(".github/workflows/release.yml", TWINE.as_bytes())]);
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 1, "{out}");
    // The finding, rustc style, pointing at the env entry.
    assert!(
        out.contains("warning: long-lived PyPI credential given to twine"),
        "{out}"
    );
    assert!(
        out.contains("--> .github/workflows/release.yml:10:11"),
        "{out}"
    );
    assert!(out.contains("secret PYPI_TOKEN"), "{out}");
    // The table row.
    let row = out
        .lines()
        .find(|l| l.starts_with(".github/workflows/release.yml"))
        .unwrap_or_else(|| panic!("no table row:\n{out}"));
    assert!(row.contains("publish"), "{row}");
    assert!(row.contains("twine"), "{row}");
    assert!(row.contains("TWINE_PASSWORD, TWINE_USERNAME"), "{row}");
    assert!(
        row.contains(
            "remove TWINE_PASSWORD, TWINE_USERNAME; add id-token: write, environment pypi"
        ),
        "{row}"
    );
    assert!(out.contains("1 to migrate"), "{out}");
}

#[test]
fn secret_values_are_never_printed() {
    let text = TWINE.replace("${{ secrets.PYPI_TOKEN }}", LITERAL_TOKEN);
    let arg = format!(
        "on: push\njobs:\n  p:\n    steps:\n      - run: uv publish --token {LITERAL_TOKEN}\n"
    );
    let dir = repo(&[
        (".github/workflows/a.yml", text.as_bytes()),
        (".github/workflows/b.yml", arg.as_bytes()),
    ]);
    for format in ["text", "json"] {
        let (code, out, err) = chora(dir.path(), &["--check", "--format", format]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("TWINE_PASSWORD"), "{out}");
        assert!(out.contains("uv"), "{out}");
        assert!(
            !out.contains(LITERAL_TOKEN) && !err.contains(LITERAL_TOKEN),
            "{format}: {out}"
        );
        assert!(
            !out.contains("cHlwaS5vcmc"),
            "{format}: a part of the token leaked: {out}"
        );
    }
}

#[test]
fn json_shape() {
    let dir = repo(&[
        (".github/workflows/release.yml", TWINE.as_bytes()),
        (".github/workflows/docker.yml", DOCKER.as_bytes()),
    ]);
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(report["version"], 1);
    assert_eq!(report["status"], "migrate-needed");
    let files = report["files"].as_array().map_or(0, Vec::len);
    assert_eq!(files, 2);
    let docker = &report["files"][0];
    assert_eq!(docker["path"], ".github/workflows/docker.yml");
    assert_eq!(docker["verdict"], "untouched");
    assert_eq!(docker["detections"][0]["verdict"], "other-service");
    assert_eq!(docker["detections"][0]["index"], "Docker registry");
    let release = &report["files"][1];
    assert_eq!(release["verdict"], "migrate");
    let d = &release["detections"][0];
    assert_eq!(d["job"], "publish");
    assert_eq!(d["step"], 0);
    assert_eq!(d["tool"], "twine");
    assert_eq!(d["index"], "pypi");
    assert_eq!(d["verdict"], "migrate");
    let creds = d["credentials"].as_array().map_or(0, Vec::len);
    assert_eq!(creds, 2);
    let c = &d["credentials"][0];
    assert_eq!(c["kind"], "env");
    assert_eq!(c["name"], "TWINE_PASSWORD");
    assert_eq!(c["level"], "step");
    assert_eq!(c["secret"], "PYPI_TOKEN");
    assert_eq!(c["line"], 11);
    assert_eq!(
        c["route"],
        serde_json::json!(["jobs", "publish", "steps", 0, "env", "TWINE_PASSWORD"])
    );
    assert!(
        d["action"]
            .as_str()
            .is_some_and(|a| a.starts_with("remove TWINE_PASSWORD"))
    );
}

#[test]
fn a_bad_file_next_to_a_good_one() {
    let big = format!("jobs: {{}}\n#{}\n", "x".repeat(2 << 20));
    let dir = repo(&[
        (".github/workflows/a-bad.yml", b"jobs: [\n"),
        (".github/workflows/b-binary.yml", b"\x00\x01\xff\xfe"),
        (".github/workflows/c-big.yml", big.as_bytes()),
        (".github/workflows/d-list.yml", b"- not\n- a workflow\n"),
        (".github/workflows/release.yml", TWINE.as_bytes()),
    ]);
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 2, "{out}");
    for (file, reason) in [
        ("a-bad.yml", "is not valid YAML"),
        ("b-binary.yml", "is not UTF-8 text"),
        ("c-big.yml", "is larger than"),
        ("d-list.yml", "is not a workflow"),
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("error:") && l.contains(file) && l.contains(reason)),
            "{file}: {out}"
        );
    }
    // The good file is still reported.
    assert!(out.contains("remove TWINE_PASSWORD"), "{out}");
    assert!(out.contains("4 not read"), "{out}");
    let (code, report) = json(dir.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(report["status"], "bad-input");
    let files = report["files"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), 5);
    assert_eq!(files.iter().filter(|f| f["error"].is_string()).count(), 4);
    assert_eq!(files[4]["verdict"], "migrate");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_not_followed() {
    let outside = repo(&[("secret.yml", TWINE.as_bytes())]);
    let dir = repo(&[(".github/workflows/release.yml", TRUSTED.as_bytes())]);
    let link = dir.path().join(".github/workflows/linked.yml");
    std::os::unix::fs::symlink(outside.path().join("secret.yml"), &link)
        .unwrap_or_else(|e| panic!("symlink: {e}"));
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("error:")
            && l.contains("linked.yml")
            && l.contains("symbolic link")),
        "{out}"
    );
    assert!(!out.contains("TWINE_PASSWORD"), "{out}");
}

#[test]
fn refused_shapes_are_exit_1_with_the_reason_and_the_fix() {
    let dir = repo(&[(".github/workflows/publish.yml", REUSABLE.as_bytes())]);
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: refused: publishing happens in a reusable workflow"),
        "{out}"
    );
    assert!(out.contains("trigger workflow_call"), "{out}");
    assert!(
        out.contains("help: move the publish job into the calling workflow"),
        "{out}"
    );
    assert!(out.contains("Refused (PyPI cannot accept these as Trusted Publishers): .github/workflows/publish.yml"), "{out}");
    let (code, out, _) = chora(dir.path(), &["--check", "--force"]);
    assert_eq!(code, 1, "{out}");
    let (_, report) = json(dir.path(), &[]);
    assert_eq!(report["status"], "refused");
    assert_eq!(report["files"][0]["verdict"], "refused");
    assert!(report["files"][0]["detections"][0]["refusal"].is_string());
    let target = repo(&[(
        ".github/workflows/publish.yml",
        REUSABLE
            .replace("workflow_call:", "pull_request_target:")
            .as_bytes(),
    )]);
    let (code, out, _) = chora(target.path(), &["--check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("pull_request_target"), "{out}");
}

#[test]
fn composite_actions_and_other_services() {
    let action = "runs:\n  using: composite\n  steps:\n    - run: python setup.py sdist upload\n      shell: bash\n      env:\n        PYPI_PASSWORD: ${{ inputs.password }}\n";
    let dir = repo(&[
        (".github/actions/publish/action.yml", action.as_bytes()),
        (".github/workflows/docker.yml", DOCKER.as_bytes()),
    ]);
    let (code, out, _) = chora(dir.path(), &["--check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with(".github/actions/publish/action.yml")
                && l.contains("setup.py upload")
                && l.contains("PYPI_PASSWORD")),
        "{out}"
    );
    assert!(out.contains("untouched (Docker registry)"), "{out}");
    let only_docker = repo(&[(".github/workflows/docker.yml", DOCKER.as_bytes())]);
    let (code, out, _) = chora(only_docker.path(), &["--check"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 untouched"), "{out}");
}

#[test]
fn usage_errors() {
    let dir = repo(&[(".github/workflows/release.yml", TWINE.as_bytes())]);
    // Writing needs a confirmation: without a terminal to ask on, --yes.
    let (code, _, err) = chora(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(err.contains("there is no terminal to ask on"), "{err}");
    assert!(err.contains("chora migrate --yes"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".github/workflows/release.yml")).unwrap(),
        TWINE
    );
    let file = dir.path().join(".github/workflows/release.yml");
    let (code, _, err) = chora(&file, &["--check"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a folder"), "{err}");
    let empty = repo(&[]);
    let (code, out, _) = chora(empty.path(), &["--check"]);
    assert_eq!(code, 0);
    assert!(out.contains("no workflow files"), "{out}");
}

#[test]
fn text_report_snapshot() {
    let dir = repo(&[
        (".github/workflows/release.yml", TWINE.as_bytes()),
        (".github/workflows/docker.yml", DOCKER.as_bytes()),
        (".github/workflows/publish.yml", REUSABLE.as_bytes()),
        (".github/workflows/trusted.yml", TRUSTED.as_bytes()),
    ]);
    let (code, out, _) = chora(dir.path(), &["--check", "--force"]);
    assert_eq!(code, 1, "{out}");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("migrate_check_text", out));
}
