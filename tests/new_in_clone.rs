//! The commonest start: create the repository on GitHub, clone it, `chora new .` — the folder
//! holds only `.git/`, which counts as empty; anything else still needs --force.

mod support;

use std::process::Command;

use predicates::prelude::*;
use support::{STANDARD_ANSWERS, chora, run};

fn git_init(dir: &std::path::Path) {
    let (ok, out) = run(Command::new("git")
        .args(["-c", "init.defaultBranch=main", "init", "-q"])
        .arg(dir));
    assert!(ok, "{out}");
}

/// `chora new . --defaults` with the standard answers, run inside `dir`.
fn new_here(home: &std::path::Path, dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = chora(home);
    cmd.current_dir(dir).args(["new", ".", "--defaults"]);
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    cmd
}

#[test]
fn a_folder_holding_only_git_counts_as_empty() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("demo-pkg");
    git_init(&dir);
    let mut cmd = new_here(home.path(), &dir);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("Initialised a git repository").not());
    assert!(dir.join(".chora-answers.yml").is_file());
    assert!(dir.join(".github/workflows/release.yml").is_file());
    // The clone's repository is used, not a new one nested in it.
    let repo = git2::Repository::open(&dir).unwrap();
    assert_eq!(
        std::fs::canonicalize(repo.workdir().unwrap()).unwrap(),
        std::fs::canonicalize(&dir).unwrap()
    );
    chora(home.path())
        .current_dir(&dir)
        .arg("check")
        .assert()
        .success();
}

#[test]
fn a_folder_with_git_and_a_file_is_still_not_empty() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("demo-pkg");
    git_init(&dir);
    std::fs::write(dir.join("README.md"), "from GitHub\n").unwrap();
    let mut cmd = new_here(home.path(), &dir);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "from GitHub\n"
    );
}
