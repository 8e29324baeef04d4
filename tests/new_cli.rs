//! `chora new` as a user runs it: answers from the command line, errors without a terminal,
//! destination safety, dry runs, git and the answers file.

mod support;

use predicates::prelude::*;
use support::{chora, generate, list_files, standard_answers};

fn mini_template() -> String {
    support::repo_root()
        .join("tests/fixtures/mini")
        .display()
        .to_string()
}

#[test]
fn missing_answers_without_a_terminal_are_reported_together() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    chora(home.path())
        .args(["new", "--defaults"])
        .arg(&dest)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "3 answers are missing and there is no terminal",
        ))
        .stderr(predicate::str::contains("author_name"))
        .stderr(predicate::str::contains(
            "e.g. --data author_email=ada@example.org",
        ))
        .stderr(predicate::str::contains(
            "e.g. --data github_owner=octo-org",
        ))
        .stderr(predicate::str::contains("--data-file"));
    assert!(
        !dest.exists(),
        "nothing is written when answers are missing"
    );
}

#[test]
fn no_terminal_without_defaults_flag_still_uses_defaults() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--no-git");
    standard_answers(&mut cmd);
    cmd.assert().success();
    assert!(dest.join("pyproject.toml").is_file());
}

#[test]
fn git_identity_provides_author_defaults() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".gitconfig"),
        "[user]\n\tname = Grace Hopper\n\temail = grace@example.org\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("cobol-tools");
    chora(home.path())
        .args(["new", "--no-git", "--data", "github_owner=navy"])
        .arg(&dest)
        .assert()
        .success();
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(answers.contains("author_name: Grace Hopper"), "{answers}");
    assert!(
        answers.contains("author_email: grace@example.org"),
        "{answers}"
    );
    assert!(answers.contains("project_name: cobol-tools"), "{answers}");
    assert!(answers.contains("package_name: cobol_tools"), "{answers}");
}

#[test]
fn invalid_answers_are_rejected_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--defaults");
    for answer in support::with_standard_answers(&[
        "package_name=my-pkg",
        "author_email=not-an-email",
        "pypi_auth_method=password",
        "licence=MIT",
    ]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("package_name: invalid"))
        .stderr(predicate::str::contains("Python identifier"))
        .stderr(predicate::str::contains("author_email: invalid"))
        .stderr(predicate::str::contains(
            "\"password\" is not one of: oidc, token",
        ))
        .stderr(predicate::str::contains(
            "licence: not a question of this template",
        ));
    assert!(!dest.exists());
}

#[test]
fn python_keywords_and_bad_project_names_are_rejected() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(out.path().join("x")).arg("--defaults");
    for answer in support::with_standard_answers(&["package_name=class", "project_name=-bad-"]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains("\"class\" is a Python keyword"))
        .stderr(predicate::str::contains("project_name: invalid"));
}

/// The standard answers without `project_name`, so it derives from the destination.
fn answers_but_the_project_name(cmd: &mut assert_cmd::Command) {
    for answer in support::STANDARD_ANSWERS {
        if !answer.starts_with("project_name=") {
            cmd.arg("--data").arg(answer);
        }
    }
}

#[test]
fn a_derived_package_name_that_shadows_the_standard_library_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("token");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).args(["--defaults", "--no-git"]);
    answers_but_the_project_name(&mut cmd);
    cmd.assert()
        .code(2)
        .stderr(predicate::str::contains(
            "package_name: invalid: \"token\" is a module of Python's standard library",
        ))
        .stderr(predicate::str::contains(
            "Python's own `token` module would hide the package",
        ))
        .stderr(predicate::str::contains("pytest fails at collection"))
        .stderr(predicate::str::contains("--data package_name=token_pkg"))
        .stderr(predicate::str::contains("this is the derived default"));
    assert!(!dest.exists(), "nothing is written");

    // The suggested next step works: same destination, another import name.
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).args(["--defaults", "--no-git"]);
    answers_but_the_project_name(&mut cmd);
    cmd.args(["--data", "package_name=token_pkg"])
        .assert()
        .success();
    assert!(dest.join("src/token_pkg/__init__.py").is_file());
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(answers.contains("project_name: token"), "{answers}");
}

#[test]
fn package_names_of_standard_library_modules_are_refused() {
    // Public, private, and removed from newer Pythons (they still shadow on older ones).
    let names = [
        "json",
        "email",
        "logging",
        "site",
        "typing",
        "_thread",
        "distutils",
        "asynchat",
        "imp",
        "annotationlib",
    ];
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut refused = 0;
    for name in names {
        let dest = out.path().join(format!("p{refused}"));
        let mut cmd = chora(home.path());
        cmd.arg("new").arg(&dest).arg("--defaults");
        standard_answers(&mut cmd);
        cmd.arg("--data")
            .arg(format!("package_name={name}"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "package_name: invalid: \"{name}\" is a module of Python's standard library"
            )))
            .stderr(predicate::str::contains(format!("`import {name}`")))
            .stderr(predicate::str::contains("this is the derived default").not());
        assert!(!dest.exists(), "{name}: nothing is written");
        refused += 1;
    }
    assert_eq!(refused, names.len());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn answers_that_would_escape_the_destination_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("inner");
    for evil in ["../../escaped", "..", "/tmp/abs", "a/b"] {
        chora(home.path())
            .arg("new")
            .arg(&dest)
            .args(["--template", &mini_template(), "--data", "owner=o"])
            .arg("--data")
            .arg(format!("folder={evil}"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("unsafe path"));
    }
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn symlinked_folders_in_the_destination_are_not_followed() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let dest = out.path().join("proj");
    std::fs::create_dir(&dest).unwrap();
    std::os::unix::fs::symlink(outside.path(), dest.join("pkg")).unwrap();
    chora(home.path())
        .arg("new")
        .arg(&dest)
        .args([
            "--template",
            &mini_template(),
            "--data",
            "owner=o",
            "--force",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn conditional_files_and_skipped_questions() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = out.path().join("a");
    let b = out.path().join("b");
    chora(home.path())
        .arg("new")
        .arg(&a)
        .args([
            "-t",
            &mini_template(),
            "--data",
            "owner=o",
            "--data",
            "extra=true",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("extra: "))
        .stderr(predicate::str::contains("asked only when mode == 'b'"));
    assert!(!a.join("only-b.txt").exists());
    let workflow = std::fs::read_to_string(a.join(".github/workflows/ci.yml")).unwrap();
    assert!(
        !workflow.contains("echo extra"),
        "skipped question keeps its default (false)"
    );
    assert!(
        workflow.contains("${{ github.ref }}"),
        "GitHub expressions pass through"
    );
    let answers = std::fs::read_to_string(a.join(".chora-answers.yml")).unwrap();
    assert!(
        !answers.contains("extra"),
        "skipped answers are not stored: {answers}"
    );

    chora(home.path())
        .arg("new")
        .arg(&b)
        .args([
            "-t",
            &mini_template(),
            "--data",
            "owner=o",
            "--data",
            "mode=b",
        ])
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(b.join("only-b.txt")).unwrap(),
        "mode=b extra=True\n"
    );
    assert_eq!(
        std::fs::read_to_string(b.join("verbatim.txt")).unwrap(),
        "copied {{ verbatim }}\n"
    );
}

#[test]
fn non_empty_destination_needs_force_and_differing_files_need_overwrite() {
    let home = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    std::fs::write(dest.path().join("notes.txt"), "mine\n").unwrap();
    std::fs::write(dest.path().join("verbatim.txt"), "my own content\n").unwrap();
    let base = [
        "new",
        "-t",
        &mini_template(),
        "--data",
        "owner=o",
        "--no-git",
    ];

    chora(home.path())
        .args(base)
        .arg(dest.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty"))
        .stderr(predicate::str::contains("--force"));

    chora(home.path())
        .args(base)
        .arg(dest.path())
        .arg("--force")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exist with different content",
        ))
        .stderr(predicate::str::contains("verbatim.txt"))
        .stderr(predicate::str::contains("--overwrite"));
    assert_eq!(
        std::fs::read_to_string(dest.path().join("verbatim.txt")).unwrap(),
        "my own content\n",
        "a differing file is never overwritten silently"
    );
    assert!(
        !dest.path().join("pkg").exists(),
        "nothing is written when refusing"
    );

    chora(home.path())
        .args(base)
        .arg(dest.path())
        .args(["--force", "--overwrite"])
        .assert()
        .success()
        .stdout(predicate::str::contains("replace seed    verbatim.txt"));
    assert_eq!(
        std::fs::read_to_string(dest.path().join("verbatim.txt")).unwrap(),
        "copied {{ verbatim }}\n"
    );
    assert_eq!(
        std::fs::read_to_string(dest.path().join("notes.txt")).unwrap(),
        "mine\n",
        "unrelated files are kept"
    );
}

#[test]
fn dry_run_lists_files_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--dry-run");
    standard_answers(&mut cmd);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains(
            "create  managed .github/workflows/release.yml",
        ))
        .stdout(predicate::str::contains(
            "create  seed    src/demo_pkg/__init__.py",
        ))
        .stdout(predicate::str::contains("Nothing was written"));
    assert!(!dest.exists());
}

#[test]
fn git_repository_is_initialised_with_the_managed_blobs() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest);
    standard_answers(&mut cmd);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("Initialised a git repository"));
    let repo = git2::Repository::open(&dest).unwrap();
    let text = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    let record = chora::template::answers_file::AnswersFile::parse(&text).unwrap();
    assert_eq!(record.template, "python-package");
    assert_eq!(record.chora_version, env!("CARGO_PKG_VERSION"));
    assert!(record.files.contains_key(".github/workflows/release.yml"));
    assert!(record.files.contains_key("PYPI_SETUP.md"));
    assert!(
        !record.files.contains_key("README.md"),
        "seed files are not tracked"
    );
    // Workflows (4), dependabot.yml, release.yml (the release-note categories),
    // PYPI_SETUP.md and RELEASING.md.
    assert!(record.files.contains_key(".github/release.yml"));
    assert!(record.files.contains_key("RELEASING.md"));
    assert_eq!(record.files.len(), 8, "{:?}", record.files.keys());
    for (path, id) in &record.files {
        let on_disk = std::fs::read(dest.join(path)).unwrap();
        let blob = repo
            .find_blob(git2::Oid::from_str(id).unwrap())
            .unwrap_or_else(|_| panic!("blob of {path} is in the object database"));
        assert_eq!(blob.content(), on_disk.as_slice(), "{path}");
    }
}

#[test]
fn inside_an_existing_repository_no_new_one_is_created() {
    let home = tempfile::tempdir().unwrap();
    let outer = tempfile::tempdir().unwrap();
    let outer_repo = git2::Repository::init(outer.path()).unwrap();
    let dest = outer.path().join("packages/pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest);
    standard_answers(&mut cmd);
    cmd.assert().success();
    assert!(!dest.join(".git").exists());
    let text = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    let record = chora::template::answers_file::AnswersFile::parse(&text).unwrap();
    let id = &record.files[".github/workflows/release.yml"];
    assert!(
        outer_repo
            .find_blob(git2::Oid::from_str(id).unwrap())
            .is_ok()
    );
}

#[test]
fn no_git_leaves_no_repository() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("pkg");
    generate(home.path(), &dest, &[]);
    assert!(!dest.join(".git").exists());
    assert!(list_files(&dest).contains(&".chora-answers.yml".to_string()));
}

#[test]
fn data_file_answers_are_used_and_data_wins() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("answers.yml");
    std::fs::write(
        &file,
        "project_name: from-file\nauthor_name: File Author\nauthor_email: f@example.org\n\
         github_owner: file-org\npypi_auth_method: oidc\npython_versions: ['3.12', '3.13']\n\
         python_min: '3.12'\npublish_testpypi: false\n",
    )
    .unwrap();
    let dest = out.path().join("pkg");
    chora(home.path())
        .arg("new")
        .arg(&dest)
        .arg("--data-file")
        .arg(&file)
        .args(["--data", "pypi_auth_method=token", "--no-git"])
        .assert()
        .success();
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(answers.contains("project_name: from-file"), "{answers}");
    assert!(answers.contains("pypi_auth_method: token"), "{answers}");
    assert!(answers.contains("- '3.12'"), "{answers}");
    assert!(
        !answers.contains("attestations"),
        "attestations is oidc-only: {answers}"
    );
    assert!(
        dest.join("docs/migrating-to-trusted-publishing.md")
            .is_file()
    );
}

#[test]
fn python_versions_below_python_min_are_rejected() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(out.path().join("x"));
    standard_answers(&mut cmd);
    cmd.args([
        "--data",
        "python_min=3.12",
        "--data",
        "python_versions=3.11,3.12",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("at least python_min"));
}

#[test]
fn help_shows_examples_and_version_is_printed() {
    let home = tempfile::tempdir().unwrap();
    chora(home.path())
        .args(["new", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("pypi_auth_method"));
    chora(home.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}
