//! The two newcomer commands near the top of README.md stay true: the main-job command runs as
//! written (the dev profile, the same build as the test command's) and
//! generates a project that `chora check` finds in sync; the test command is what `.ci/run`
//! runs.

mod support;

use std::process::Command;

use support::{chora, repo_root, run};

fn readme() -> String {
    std::fs::read_to_string(repo_root().join("README.md")).unwrap()
}

#[test]
fn the_main_job_command_generates_a_project_in_sync() {
    let readme = readme();
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo run -- new "))
        .expect("README.md shows `cargo run -- new …` near the top (the dev profile: the test command's build)");
    let example_dest = command
        .split_whitespace()
        .nth(4)
        .expect("a destination after `new`");
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("my-package");
    let script = command
        .replacen("cargo run --", "cargo run --quiet --", 1)
        .replacen(example_dest, &dest.display().to_string(), 1);
    let git_config = out.path().join("gitconfig");
    std::fs::write(&git_config, "").unwrap();
    let (ok, output) = run(Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(repo_root())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", &git_config)
        .stdin(std::process::Stdio::null()));
    assert!(ok, "{script}\n{output}");
    for file in [
        "pyproject.toml",
        ".chora-answers.yml",
        ".github/workflows/release.yml",
    ] {
        assert!(dest.join(file).is_file(), "{file} generated:\n{output}");
    }
    let home = tempfile::tempdir().unwrap();
    chora(home.path())
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();
}

#[test]
fn the_test_command_is_what_ci_runs() {
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    let last = ci
        .lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty() && !l.starts_with('#') && !l.starts_with("set ") && !l.starts_with("cd ")
        })
        .expect("a command in .ci/run");
    let command = last.trim_start_matches("exec ");
    assert!(
        readme().contains(command),
        "README.md shows the test command .ci/run runs ({command})"
    );
}
