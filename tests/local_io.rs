//! Local I/O failures — a destination the user may not write, a project folder made read-only —
//! exit with status 4 and say what failed, instead of passing for a usage error (2). Permissions
//! do not bind root, so as root the command runs as `nobody` through setpriv(1).
#![cfg(unix)] // symbolic links, FIFOs, permissions and setpriv(1) are Unix facts

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use support::STANDARD_ANSWERS;

/// `chora ARGS` as an unprivileged user: `nobody` (via setpriv) when the tests run as root.
fn chora_unprivileged(home: &Path, args: &[&str]) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("chora");
    let mut cmd = if nix_is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));
    let output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

fn nix_is_root() -> bool {
    // The owner of a file we just created is our effective user.
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn answers() -> Vec<String> {
    STANDARD_ANSWERS
        .iter()
        .flat_map(|a| ["--data".to_string(), (*a).to_string()])
        .collect()
}

#[test]
fn new_into_a_folder_it_may_not_write_is_exit_4() {
    let root = tempfile::tempdir().unwrap();
    chmod(root.path(), 0o755);
    let locked = root.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    chmod(&locked, 0o555);
    let dest = locked.join("demo-pkg");
    let dest_text = dest.display().to_string();
    let answers = answers();
    let mut args = vec!["new", dest_text.as_str(), "--defaults", "--no-git"];
    args.extend(answers.iter().map(String::as_str));
    let (code, out) = chora_unprivileged(root.path(), &args);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("cannot write"), "{out}");
    assert!(out.contains("ermission denied"), "{out}");
    assert!(out.contains("hint:"), "{out}");
    assert!(!dest.exists());
}

#[test]
fn update_in_a_read_only_project_is_exit_4() {
    let root = tempfile::tempdir().unwrap();
    chmod(root.path(), 0o755);
    let dest = root.path().join("demo-pkg");
    let mut cmd = support::chora(root.path());
    cmd.arg("new").arg(&dest).args(["--defaults", "--no-git"]);
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    let workflows = dest.join(".github/workflows");
    chmod(&dest, 0o555);
    chmod(&dest.join(".github"), 0o555);
    chmod(&workflows, 0o555);
    let dest_text = dest.display().to_string();
    let (code, out) = chora_unprivileged(
        root.path(),
        &["update", &dest_text, "--data", "publish_testpypi=false"],
    );
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("cannot write"), "{out}");
    assert!(out.contains("release.yml"), "{out}");
    chmod(&workflows, 0o755);
}
