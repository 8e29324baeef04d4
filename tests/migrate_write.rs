//! `chora migrate` writing, as a user runs it, in temporary repositories: `--yes` writes (and a
//! second run is a no-op), `--dry-run` writes nothing, no terminal without `--yes` is refused, a
//! dirty git tree is refused unless `--allow-dirty`, chora-generated projects are pointed to
//! `chora update`, the setup docs carry the repository's values, secret values never reach the
//! output, the JSON shape, a bad file next to a good one, and a read-only folder (exit 4, nothing
//! half-written).
#![cfg(unix)] // permissions and setpriv(1) for the read-only case

mod support;
use support::git;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const WORKFLOW: &str = ".github/workflows/release.yml";
const TWINE: &str = "name: release\non:\n  release:\n    types: [published]\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      # upload the built files\n      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n";
/// A made-up token, hard-coded in a workflow: it must never be printed.
const LITERAL_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJGZha2UtdG9rZW4tZm9yLXRlc3Rz";
const PYPROJECT: &str = "[project]\nname = \"widget-kit\"\nversion = \"1.0\"\n";

fn literal_token_workflow() -> String {
    format!(
        "on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: twine upload dist/*\n        env:\n          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: {LITERAL_TOKEN}\n"
    )
}

/// A folder holding `files` (no git repository).
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, text).unwrap();
    }
    dir
}

/// A git repository holding `files`, all committed.
fn committed_repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = repo(files);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    dir
}

/// `chora migrate ARGS DIR` without a terminal (stdin is null): (status, stdout, stderr).
fn migrate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let home = dir.join("..").canonicalize().unwrap();
    let output = support::chora(&home)
        .arg("migrate")
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .write_stdin("")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every file and its bytes, `.git` left out.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    support::list_files(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).unwrap();
            (p, bytes)
        })
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("JSON: {e}\n{text}"))
}

#[test]
fn yes_writes_a_file_that_parses_and_a_second_run_changes_nothing() {
    let dir = committed_repo(&[(WORKFLOW, TWINE), ("pyproject.toml", PYPROJECT)]);
    let (code, out, err) = migrate(dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let after = read(dir.path(), WORKFLOW);
    assert_ne!(after, TWINE, "nothing was written:\n{out}");
    let parsed: yaml_serde::Value = yaml_serde::from_str(&after).unwrap();
    let job = &parsed["jobs"]["publish"];
    assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
    assert!(!after.contains("TWINE_PASSWORD"), "{after}");
    assert!(!after.contains("secrets."), "{after}");
    assert!(
        after.contains("      # upload the built files\n"),
        "{after}"
    );
    assert!(
        out.contains(&format!("wrote {WORKFLOW}")),
        "the written file is named:\n{out}"
    );
    assert!(out.contains("Done: `chora migrate --check` now finds nothing to migrate."));

    let before_second = snapshot(dir.path());
    let (code, out, err) = migrate(dir.path(), &["--yes", "--allow-dirty"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        snapshot(dir.path()),
        before_second,
        "a second --yes changed bytes"
    );
    assert!(out.contains("No file to change."), "{out}");

    let (code, out, err) = migrate(dir.path(), &["--check"]);
    assert_eq!(code, 0, "--check after the migration:\n{out}{err}");
}

#[test]
fn dry_run_writes_nothing_and_shows_the_diff_and_the_next_steps() {
    let dir = committed_repo(&[(WORKFLOW, TWINE), ("pyproject.toml", PYPROJECT)]);
    let before = snapshot(dir.path());
    let (code, out, err) = migrate(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "a migration that would succeed:\n{out}{err}");
    assert_eq!(snapshot(dir.path()), before, "--dry-run wrote something");
    assert!(out.contains(&format!("--- a/{WORKFLOW}\n+++ b/{WORKFLOW}\n@@ -")));
    assert!(
        out.contains("\n-          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n"),
        "{out}"
    );
    assert!(out.contains("\n+      id-token: write\n"), "{out}");
    assert!(out.contains("Dry run: 1 file(s) would change; nothing was written."));
    assert!(out.contains("Next steps:"), "{out}");
    assert!(out.contains("Register each trusted publisher"), "{out}");
    assert!(
        out.contains("Create the GitHub environment(s) pypi"),
        "{out}"
    );
    assert!(!out.contains("wrote "), "{out}");
    // A dirty tree does not matter to a dry run.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\n",
    )
    .unwrap();
    let (code, out, err) = migrate(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(read(dir.path(), WORKFLOW), TWINE);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_written() {
    let dir = repo(&[(WORKFLOW, TWINE)]);
    let before = snapshot(dir.path());
    let (code, out, err) = migrate(dir.path(), &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(snapshot(dir.path()), before, "written without confirmation");
    assert!(err.contains("no terminal"), "{err}");
    assert!(err.contains("--yes"), "the hint names --yes: {err}");
    // JSON never asks either.
    let (code, out, err) = migrate(dir.path(), &["--format", "json"]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_dirty_git_tree_is_refused_unless_allow_dirty() {
    let dir = committed_repo(&[(WORKFLOW, TWINE), ("pyproject.toml", PYPROJECT)]);
    std::fs::write(dir.path().join("notes.txt"), "wip\n").unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("{PYPROJECT}# edited\n"),
    )
    .unwrap();
    let before = snapshot(dir.path());
    let (code, out, err) = migrate(dir.path(), &["--yes"]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(snapshot(dir.path()), before, "written on a dirty tree");
    assert!(err.contains("uncommitted changes"), "{err}");
    assert!(
        err.contains("  notes.txt"),
        "the dirty paths are listed: {err}"
    );
    assert!(err.contains("  pyproject.toml"), "{err}");
    assert!(err.contains("--allow-dirty"), "{err}");

    let (code, out, err) = migrate(dir.path(), &["--yes", "--allow-dirty"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);
}

#[test]
fn a_clean_committed_tree_is_accepted() {
    let dir = committed_repo(&[(WORKFLOW, TWINE)]);
    let (code, out, err) = migrate(dir.path(), &["--yes", "--no-docs"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);
    assert!(!err.contains("uncommitted"), "{err}");
}

#[test]
fn a_generated_token_project_is_pointed_to_chora_update() {
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("demo-pkg");
    support::generate(home.path(), &dest, &["pypi_auth_method=token"]);
    let before = snapshot(&dest);
    assert!(
        before
            .iter()
            .any(|(p, b)| p.starts_with(".github/workflows/")
                && String::from_utf8_lossy(b).contains("secrets.")),
        "the token project's workflows use a secret"
    );
    let (code, out, err) = migrate(&dest, &["--yes", "--allow-dirty"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(snapshot(&dest), before, "a generated project was patched");
    let text = format!("{out}{err}");
    assert!(
        text.contains("chora update --data pypi_auth_method=oidc"),
        "{text}"
    );
    let (code, out, _) = migrate(&dest, &["--dry-run", "--format", "json"]);
    assert_eq!(code, 1);
    let report = json(&out);
    assert_eq!(report["status"], "generated-project");
    assert_eq!(report["next"], "chora update --data pypi_auth_method=oidc");
}

#[test]
fn a_generated_oidc_project_has_nothing_to_migrate() {
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("demo-pkg");
    support::generate(home.path(), &dest, &["pypi_auth_method=oidc"]);
    let before = snapshot(&dest);
    let (code, out, err) = migrate(&dest, &["--yes", "--allow-dirty"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(snapshot(&dest), before);
    assert!(out.contains("nothing to migrate"), "{out}");
}

fn repo_with_origin() -> tempfile::TempDir {
    let dir = committed_repo(&[(WORKFLOW, TWINE), ("pyproject.toml", PYPROJECT)]);
    git(
        dir.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octo-org/widget-repo.git",
        ],
    );
    dir
}

const SETUP: &str = "PYPI_SETUP.md";
const GUIDE: &str = "docs/migrating-to-trusted-publishing.md";
const FORM: &str = "https://pypi.org/manage/project/widget-kit/settings/publishing/?provider=github&owner=octo-org&repository=widget-repo&workflow_filename=release.yml&environment=pypi";

#[test]
fn setup_docs_carry_the_remote_and_the_project_name() {
    let dir = repo_with_origin();
    let (code, out, err) = migrate(dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("wrote {SETUP}")), "{out}");
    assert!(out.contains(&format!("wrote {GUIDE}")), "{out}");
    assert!(out.contains(FORM), "the pre-filled link is printed:\n{out}");
    for doc in [SETUP, GUIDE] {
        let text = read(dir.path(), doc);
        for value in ["octo-org", "widget-repo", "widget-kit", "release.yml"] {
            assert!(text.contains(value), "{doc} lacks {value}:\n{text}");
        }
        assert!(
            !text.contains("{{"),
            "{doc} has template syntax left:\n{text}"
        );
    }
    let setup = read(dir.path(), SETUP);
    assert!(
        setup.contains(FORM) || setup.contains(&FORM.replace('&', "&amp;")),
        "PYPI_SETUP.md has the pre-filled link:\n{setup}"
    );
}

#[test]
fn existing_setup_docs_are_kept_byte_identical() {
    let dir = repo_with_origin();
    let mine = "# My own setup notes\n\r\nkeep me\n";
    std::fs::write(dir.path().join(SETUP), mine).unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join(GUIDE), mine).unwrap();
    let (code, out, err) = migrate(dir.path(), &["--yes", "--allow-dirty"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(read(dir.path(), SETUP), mine);
    assert_eq!(read(dir.path(), GUIDE), mine);
    assert!(out.contains(&format!("kept {SETUP}")), "{out}");
    assert!(out.contains(&format!("kept {GUIDE}")), "{out}");
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);
}

#[test]
fn no_docs_writes_only_the_workflow() {
    let dir = repo_with_origin();
    let (code, out, err) = migrate(dir.path(), &["--yes", "--no-docs"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!dir.path().join(SETUP).exists());
    assert!(!dir.path().join("docs").exists());
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);
    // The values are still printed.
    assert!(out.contains(FORM), "{out}");
}

#[test]
fn secrets_are_named_to_revoke_and_their_values_never_printed() {
    let dir = repo(&[
        (WORKFLOW, TWINE),
        (".github/workflows/nightly.yml", &literal_token_workflow()),
    ]);
    let mut outputs = Vec::new();
    for args in [
        &["--dry-run"][..],
        &["--dry-run", "--format", "json"],
        &["--check"],
        &["--check", "--format", "json"],
    ] {
        let (_, out, err) = migrate(dir.path(), args);
        outputs.push((args, out + &err));
    }
    let (code, out, err) = migrate(dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    outputs.push((&["--yes"], out.clone() + &err));
    assert_eq!(outputs.len(), 5);
    for (args, text) in &outputs {
        assert!(
            !text.contains(LITERAL_TOKEN) && !text.contains("AgEIcHlwaS5vcmcCJGZha2U"),
            "{args:?} printed the token:\n{text}"
        );
    }
    assert!(
        out.contains("revoke their tokens on PyPI") && out.contains(": PYPI_TOKEN"),
        "{out}"
    );
    assert!(!read(dir.path(), ".github/workflows/nightly.yml").contains(LITERAL_TOKEN));
}

#[test]
fn json_for_a_dry_run_and_a_write() {
    let dir = repo_with_origin();
    let (code, out, err) = migrate(dir.path(), &["--dry-run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert_eq!(report["mode"], "dry-run");
    assert_eq!(report["status"], "migrated");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], WORKFLOW);
    assert_eq!(files[0]["changed"], true);
    let diff = files[0]["diff"].as_str().unwrap();
    assert!(diff.starts_with(&format!("--- a/{WORKFLOW}\n+++ b/{WORKFLOW}\n")));
    assert!(diff.contains("\n-          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n"));
    let publishers = report["publishers"].as_array().unwrap();
    assert_eq!(publishers.len(), 1);
    assert_eq!(publishers[0]["form"], FORM);
    assert_eq!(publishers[0]["owner"], "octo-org");
    assert_eq!(publishers[0]["environment"], "pypi");
    assert_eq!(
        report["secrets_to_revoke"],
        serde_json::json!(["PYPI_TOKEN"])
    );
    assert_eq!(report["written"], serde_json::json!([]));
    assert_eq!(read(dir.path(), WORKFLOW), TWINE);

    let (code, out, err) = migrate(dir.path(), &["--yes", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert_eq!(report["mode"], "write");
    assert_eq!(report["status"], "migrated");
    assert_eq!(report["files"][0]["changed"], true);
    assert!(report["files"][0]["diff"].is_string());
    assert_eq!(report["publishers"][0]["form"], FORM);
    assert_eq!(
        report["secrets_to_revoke"],
        serde_json::json!(["PYPI_TOKEN"])
    );
    let written: Vec<&str> = report["written"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(written, [WORKFLOW, SETUP, GUIDE]);
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);

    // Nothing left: a file listed unchanged, no diff.
    let (code, out, _) = migrate(dir.path(), &["--yes", "--allow-dirty", "--format", "json"]);
    assert_eq!(code, 0);
    let report = json(&out);
    assert_eq!(report["files"][0]["changed"], false);
    assert!(report["files"][0]["diff"].is_null());
}

#[test]
fn a_bad_file_is_left_and_named_and_the_good_one_is_migrated() {
    let bad = "on: push\njobs: [\n  publish:\n";
    let dir = repo(&[(WORKFLOW, TWINE), (".github/workflows/broken.yml", bad)]);
    let (code, out, err) = migrate(dir.path(), &["--yes", "--no-docs"]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(read(dir.path(), ".github/workflows/broken.yml"), bad);
    assert_ne!(
        read(dir.path(), WORKFLOW),
        TWINE,
        "the good file was not migrated"
    );
    let text = out + &err;
    assert!(
        text.contains(".github/workflows/broken.yml is not valid YAML"),
        "{text}"
    );
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `chora migrate ARGS` as an unprivileged user (`nobody` via setpriv when run as root).
fn migrate_unprivileged(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("chora");
    let mut cmd = if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.arg("migrate")
        .args(args)
        .arg(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

/// Two workflows to migrate: neither may be written when one cannot be.
fn two_workflow_repo() -> tempfile::TempDir {
    let dir = repo(&[
        (".github/workflows/a-release.yml", TWINE),
        (".github/workflows/b-release.yml", TWINE),
    ]);
    for sub in ["", ".github", ".github/workflows"] {
        chmod(&dir.path().join(sub), 0o755);
    }
    for f in ["a-release.yml", "b-release.yml"] {
        chmod(&dir.path().join(".github/workflows").join(f), 0o644);
    }
    dir
}

#[test]
fn a_read_only_workflow_folder_is_exit_4_and_nothing_is_written() {
    let dir = two_workflow_repo();
    let workflows = dir.path().join(".github/workflows");
    chmod(&workflows, 0o555);
    let before = snapshot(dir.path());
    let (code, out) = migrate_unprivileged(dir.path(), &["--yes", "--no-docs"]);
    chmod(&workflows, 0o755);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("release.yml"), "the file is named:\n{out}");
    assert_eq!(snapshot(dir.path()), before, "something was half-written");
}

#[test]
fn a_failure_after_the_first_write_undoes_it() {
    let action = "name: Publish\ndescription: upload\nruns:\n  using: composite\n  steps:\n    - run: twine upload dist/*\n      shell: bash\n      env:\n        TWINE_USERNAME: __token__\n        TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}\n";
    let dir = repo(&[
        (WORKFLOW, TWINE),
        (".github/actions/publish/action.yml", action),
    ]);
    let workflows = dir.path().join(".github/workflows");
    let actions = dir.path().join(".github/actions/publish");
    for sub in ["", ".github", ".github/actions"] {
        chmod(&dir.path().join(sub), 0o755);
    }
    // The workflow (written first) may be written, the composite action (written after) not.
    chmod(&workflows, 0o777);
    chmod(&actions, 0o555);
    let before = snapshot(dir.path());
    let (code, out) = migrate_unprivileged(dir.path(), &["--yes", "--no-docs"]);
    chmod(&workflows, 0o755);
    chmod(&actions, 0o755);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("action.yml"), "the file is named:\n{out}");
    assert_eq!(snapshot(dir.path()), before, "something was half-written");
    let left: Vec<String> = support::list_files(dir.path());
    assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    // Both are migrated once they may be written.
    chmod(&workflows, 0o777);
    chmod(&actions, 0o777);
    let (code, out) = migrate_unprivileged(dir.path(), &["--yes", "--no-docs"]);
    chmod(&workflows, 0o755);
    chmod(&actions, 0o755);
    assert_eq!(code, Some(0), "{out}");
    assert!(!read(dir.path(), ".github/actions/publish/action.yml").contains("TWINE_PASSWORD"));
    assert_ne!(read(dir.path(), WORKFLOW), TWINE);
}

#[test]
fn a_read_only_workflow_file_is_exit_4_and_the_other_is_not_written() {
    let dir = two_workflow_repo();
    let workflows = dir.path().join(".github/workflows");
    // The folder is writable (a rename could replace the file), the second file is not.
    chmod(&workflows, 0o777);
    chmod(&workflows.join("b-release.yml"), 0o444);
    let before = snapshot(dir.path());
    let (code, out) = migrate_unprivileged(dir.path(), &["--yes", "--no-docs"]);
    chmod(&workflows, 0o755);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("b-release.yml"), "the file is named:\n{out}");
    assert!(out.contains("read-only"), "{out}");
    assert_eq!(snapshot(dir.path()), before, "something was half-written");
    let mode = std::fs::metadata(workflows.join("b-release.yml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o444, "the read-only file was replaced");
}

#[test]
fn a_literal_password_is_masked_in_the_diff() {
    let workflow = "on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: twine upload -u __token__ -p \"hunter2-literal\" dist/*\n        env:\n          TWINE_PASSWORD: hunter3-literal\n";
    let dir = repo(&[(WORKFLOW, workflow)]);
    let mut checked = 0;
    for args in [
        &["--dry-run"][..],
        &["--dry-run", "--format", "json"],
        &["--yes"],
    ] {
        let (code, out, err) = migrate(dir.path(), args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        let text = out + &err;
        assert!(text.contains("twine upload"), "{args:?}: no diff:\n{text}");
        assert!(
            !text.contains("hunter2") && !text.contains("hunter3"),
            "{args:?} printed a password:\n{text}"
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn a_refused_shape_is_exit_1_and_left_as_it_is() {
    let reusable = "on:\n  workflow_call:\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          password: ${{ secrets.pypi_token }}\n";
    let dir = repo(&[(WORKFLOW, reusable)]);
    for args in [&["--dry-run"][..], &["--yes"]] {
        let (code, out, err) = migrate(dir.path(), args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(out.contains("Refused"), "{args:?}: {out}");
        assert!(out.contains("--force"), "{args:?}: {out}");
        assert_eq!(read(dir.path(), WORKFLOW), reusable, "{args:?}");
    }
}

const POETRY: &str = "name: release\non:\n  release:\n    types: [published]\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: poetry publish --build\n        env:\n          POETRY_PYPI_TOKEN_PYPI: ${{ secrets.PYPI }}\n";

#[test]
fn the_publisher_is_pypa_by_default_until_a_chora_cli_release_is_known() {
    // data/chora-releases.tsv lists none yet: the PyPA action replaces poetry's upload, and
    // the text report says why.
    let dir = repo(&[(WORKFLOW, POETRY), ("pyproject.toml", PYPROJECT)]);
    let (code, stdout, stderr) = migrate(dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains("no chora-cli release is published yet"),
        "{stderr}"
    );
    assert!(stdout.contains("pypa/gh-action-pypi-publish@"), "{stdout}");
    assert!(!stdout.contains("chora-publish upload"), "{stdout}");

    // Asked for explicitly, chora-publish is refused with the reason (the file is left as it
    // is: a migration is still needed, exit 1), and nothing is written.
    let (code, stdout, stderr) = migrate(dir.path(), &["--dry-run", "--publisher", "chora"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("No file to change."), "{stdout}");
    assert!(
        format!("{stdout}{stderr}").contains("could not install chora-publish by hash"),
        "{stdout}{stderr}"
    );
    assert_eq!(read(dir.path(), WORKFLOW), POETRY);
}
