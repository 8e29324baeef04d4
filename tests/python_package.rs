//! chora-cli as a Python package. pyproject.toml builds a wheel holding both binaries (maturin,
//! `bindings = "bin"`); chora-publish validates and uploads that wheel to a real local index
//! (pypiserver); then the steps a generated project's workflows run — the install of chora-cli
//! by hash (rendered with a releases file holding the wheel's real SHA-256, through
//! `CHORA_RELEASES_FILE`), `chora-publish upload …` and `chora check` — run as written, with uv
//! installing chora-cli from that index as it would from PyPI. A wrong hash is refused by uv; a
//! releases line of another version is refused by chora at generation.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use standin::pypiserver::PypiServer;
use support::{chora, repo_root, run, tool, tool_command, with_standard_answers};

/// `chora new` of a token-mode project with publisher=chora, rendered with `releases` as the
/// chora-cli releases file.
fn generate_with_releases(home: &Path, dest: &Path, releases: &str) -> assert_cmd::assert::Assert {
    let file = home.join("chora-releases.tsv");
    std::fs::write(&file, releases).unwrap();
    let mut cmd = chora(home);
    cmd.arg("new")
        .arg(dest)
        .arg("--defaults")
        .arg("--no-git")
        .env("CHORA_RELEASES_FILE", &file);
    for answer in with_standard_answers(&["pypi_auth_method=token", "publisher=chora"]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert()
}

/// The `env:` value `key` of the step called `name` in a workflow file.
fn step_env(workflow: &Path, name: &str, key: &str) -> String {
    let text = std::fs::read_to_string(workflow).unwrap();
    let doc: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    for job in doc["jobs"].as_object().unwrap().values() {
        // Jobs calling a reusable workflow (release.yml's tests, lint, security) have no steps.
        let Some(steps) = job["steps"].as_array() else {
            continue;
        };
        for step in steps {
            if step["name"] == name {
                return step["env"][key].as_str().unwrap().to_string();
            }
        }
    }
    panic!("no step {name:?} in {}", workflow.display());
}

/// Run a workflow's install step: `RUNNER_TEMP` and `GITHUB_PATH` in `runner`. Returns whether
/// it succeeded, its output and the folders it added to the PATH.
fn run_install(
    workflow: &Path,
    project: &Path,
    index: &str,
    scratch: &Path,
    runner: &Path,
) -> (bool, String, Vec<PathBuf>) {
    std::fs::create_dir_all(runner).unwrap();
    let name = "Install chora-cli by hash";
    let (script, env) = step_run(workflow, name);
    assert_eq!(env, vec!["CHORA_REQUIREMENT".to_string()]);
    let requirement = step_env(workflow, name, "CHORA_REQUIREMENT");
    let github_path = runner.join("github_path");
    let (ok, output) = run(workflow_shell(&script, project, index, scratch)
        .env("RUNNER_TEMP", runner)
        .env("GITHUB_PATH", &github_path)
        .env("CHORA_REQUIREMENT", requirement));
    let added = std::fs::read_to_string(&github_path)
        .unwrap_or_default()
        .lines()
        .map(PathBuf::from)
        .collect();
    (ok, output, added)
}

/// Build the chora-cli wheel with the pinned maturin into `out` and return its path. The dev
/// profile reuses what `cargo test` already compiled.
fn build_chora_wheel(out: &Path) -> PathBuf {
    let (ok, output) = run(tool_command("maturin")
        .args(["build", "--profile", "dev", "--quiet", "--manifest-path"])
        .arg(repo_root().join("Cargo.toml"))
        .arg("--out")
        .arg(out));
    assert!(ok, "maturin build: {output}");
    let wheels: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(
        wheels.len(),
        1,
        "one wheel in {}: {wheels:?}",
        out.display()
    );
    wheels.into_iter().next().unwrap()
}

fn chora_publish() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("chora-publish").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10");
    cmd
}

/// The `run:` text of the step called `name` in a workflow file, and its `env:` keys.
fn step_run(workflow: &Path, name: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(workflow).unwrap();
    let doc: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    for job in doc["jobs"].as_object().unwrap().values() {
        // Jobs calling a reusable workflow (release.yml's tests, lint, security) have no steps.
        let Some(steps) = job["steps"].as_array() else {
            continue;
        };
        for step in steps {
            if step["name"] == name {
                let env = step["env"]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                return (step["run"].as_str().unwrap().to_string(), env);
            }
        }
    }
    panic!("no step {name:?} in {}", workflow.display());
}

/// A shell running a workflow's `run:` text in `dir`, with uv's index pointed at `index` and
/// everything else uv keeps (cache, tools, config) in `scratch`.
fn workflow_shell(script: &str, dir: &Path, index: &str, scratch: &Path) -> Command {
    let tools_bin = tool("uvx").parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(tools_bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", scratch)
        .env("UV_DEFAULT_INDEX", index)
        .env("UV_CACHE_DIR", scratch.join("uv-cache"))
        .env("UV_TOOL_DIR", scratch.join("uv-tools"))
        .env("UV_NO_CONFIG", "1")
        .env("UV_PYTHON_DOWNLOADS", "never");
    cmd
}

#[test]
fn generated_workflows_run_chora_from_the_chora_cli_wheel() {
    let scratch = tempfile::tempdir().unwrap();
    let wheel = build_chora_wheel(&scratch.path().join("wheelhouse"));
    let wheel_name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        wheel_name.starts_with(&format!("chora_cli-{version}-py3-none-")),
        "{wheel_name}"
    );

    // Both binaries are in the wheel's scripts, and chora-publish's own validation (RECORD,
    // metadata, name and version) accepts the wheel maturin built.
    let archive = zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    for script in ["chora", "chora-publish"] {
        let member = format!("chora_cli-{version}.data/scripts/{script}");
        assert!(names.contains(&member), "{member} in {names:?}");
    }
    // chora-publish vets its own wheel clean: no secret (its scanner tables are not tokens), a
    // licence file, a description PyPI renders.
    chora_publish()
        .arg("check")
        .arg(&wheel)
        .assert()
        .success()
        .stderr("");

    // Publish chora-cli to the local index with chora-publish itself.
    let server = PypiServer::start();
    chora_publish()
        .env("CHORA_PUBLISH_TOKEN", server.credentials().1)
        .args(["upload", "--auth", "token", "--repository-url"])
        .arg(server.upload_url())
        .arg(&wheel)
        .assert()
        .success();
    assert_eq!(server.package_files(), vec![wheel_name.clone()]);

    // The releases file chora's release pipeline would write: the wheel's real SHA-256.
    use sha2::Digest;
    let sha = sha2::Sha256::digest(std::fs::read(&wheel).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let releases = format!("{version}\t{wheel_name}\t{sha}\n");

    // A releases line whose version is not the wheel's is refused at generation.
    let home = tempfile::tempdir().unwrap();
    let refused = scratch.path().join("refused");
    let other = format!("0.0.1\t{wheel_name}\t{sha}\n");
    let assert = generate_with_releases(home.path(), &refused, &other).failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("not a wheel of version 0.0.1"), "{stderr}");
    assert!(!refused.exists());

    // A wrong hash: the generated install step refuses the wheel the index serves.
    let wrong = scratch.path().join("wrong-hash");
    let swapped = releases.replace(&sha, &"0".repeat(64));
    generate_with_releases(home.path(), &wrong, &swapped).success();
    let (ok, output, added) = run_install(
        &wrong.join(".github/workflows/release.yml"),
        &wrong,
        &server.simple_url(),
        scratch.path(),
        &scratch.path().join("runner-wrong"),
    );
    assert!(!ok, "installed despite a wrong hash: {output}");
    assert!(output.to_lowercase().contains("hash"), "{output}");
    assert!(added.is_empty(), "{added:?}");

    // A token-mode project with the real hash, built.
    let project = scratch.path().join("demo-pkg");
    generate_with_releases(home.path(), &project, &releases).success();
    let (ok, output) = run(tool_command("uv").current_dir(&project).arg("build"));
    assert!(ok, "uv build: {output}");

    // Its install step, exactly as generated (uv pointed at the local index), installs chora-cli
    // and puts its scripts on the PATH.
    let workflows = project.join(".github/workflows");
    let (ok, output, added) = run_install(
        &workflows.join("release.yml"),
        &project,
        &server.simple_url(),
        scratch.path(),
        &scratch.path().join("runner"),
    );
    assert!(ok, "install by hash: {output}");
    let [bin] = &added[..] else {
        panic!("one folder added to GITHUB_PATH: {added:?}");
    };
    let (ok, output) = run(Command::new(bin.join("chora-publish")).arg("--version"));
    assert!(
        ok && output.contains(version),
        "chora-publish --version: {output}"
    );
    let with_bin = |cmd: &mut Command| {
        let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        cmd.env("PATH", path);
    };

    // Its TestPyPI step, exactly as generated but for the index URL, uploads the project's
    // distributions with the chora-publish just installed.
    let (script, env) = step_run(&workflows.join("release.yml"), "Upload to TestPyPI");
    assert!(script.starts_with("chora-publish upload"), "{script}");
    assert_eq!(env, vec!["CHORA_PUBLISH_TOKEN".to_string()]);
    let testpypi = "https://test.pypi.org/legacy/";
    assert!(script.contains(testpypi), "{script}");
    let script = script.replace(testpypi, &server.upload_url());
    let mut shell = workflow_shell(&script, &project, &server.simple_url(), scratch.path());
    with_bin(&mut shell);
    let (ok, output) = run(shell.env("CHORA_PUBLISH_TOKEN", server.credentials().1));
    assert!(ok, "{script}: {output}");
    assert!(
        output.contains("2 uploaded, 0 skipped, 0 failed"),
        "{output}"
    );
    let files = server.package_files();
    for suffix in ["-py3-none-any.whl", ".tar.gz"] {
        assert!(
            files
                .iter()
                .any(|f| f.starts_with("demo_pkg-") && f.ends_with(suffix)),
            "{files:?}"
        );
    }

    // The lint workflow installs the same release by hash, and its drift check, as generated,
    // passes on the fresh project.
    let lint = std::fs::read_to_string(workflows.join("lint.yml")).unwrap();
    assert!(
        lint.contains(&format!("chora-cli=={version} --hash=sha256:{sha}\"")),
        "{lint}"
    );
    let (script, _) = step_run(
        &workflows.join("lint.yml"),
        "Check the chora-managed files for drift",
    );
    assert_eq!(script, "chora check");
    let mut shell = workflow_shell(&script, &project, &server.simple_url(), scratch.path());
    with_bin(&mut shell);
    // The project was generated with the releases file; chora check renders with it too.
    let (ok, output) = run(shell.env(
        "CHORA_RELEASES_FILE",
        home.path().join("chora-releases.tsv"),
    ));
    assert!(ok, "{script}: {output}");
}
