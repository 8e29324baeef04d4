//! chora-cli as a Python package. pyproject.toml builds a wheel holding both binaries (maturin,
//! `bindings = "bin"`); chora-publish validates and uploads that wheel to a real local index
//! (pypiserver); then the commands a generated project's workflows run —
//! `uvx --from chora-cli==<version> chora-publish upload …` and `… chora check` — run as written,
//! with uv installing chora-cli from that index as it would from PyPI.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use standin::pypiserver::PypiServer;
use support::{generate, repo_root, run, tool, tool_command};

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
        for step in job["steps"].as_array().unwrap() {
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
    chora_publish().arg("check").arg(&wheel).assert().success();

    // Publish chora-cli to the local index with chora-publish itself.
    let server = PypiServer::start();
    chora_publish()
        .env("CHORA_PUBLISH_TOKEN", server.credentials().1)
        .args(["upload", "--auth", "token", "--repository-url"])
        .arg(server.upload_url())
        .arg(&wheel)
        .assert()
        .success();
    assert_eq!(server.package_files(), vec![wheel_name]);

    // A token-mode project, built.
    let home = tempfile::tempdir().unwrap();
    let project = scratch.path().join("demo-pkg");
    generate(home.path(), &project, &["pypi_auth_method=token"]);
    let (ok, output) = run(tool_command("uv").current_dir(&project).arg("build"));
    assert!(ok, "uv build: {output}");

    // Its TestPyPI step, exactly as generated but for the index URL, uploads the project's
    // distributions with the chora-publish that uvx installed from the index.
    let workflows = project.join(".github/workflows");
    let (script, env) = step_run(&workflows.join("release.yml"), "Upload to TestPyPI");
    assert!(
        script.starts_with(&format!(
            "uvx --from chora-cli=={version} chora-publish upload"
        )),
        "{script}"
    );
    assert_eq!(env, vec!["CHORA_PUBLISH_TOKEN".to_string()]);
    let testpypi = "https://test.pypi.org/legacy/";
    assert!(script.contains(testpypi), "{script}");
    let script = script.replace(testpypi, &server.upload_url());
    let (ok, output) = run(
        workflow_shell(&script, &project, &server.simple_url(), scratch.path())
            .env("CHORA_PUBLISH_TOKEN", server.credentials().1),
    );
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

    // The lint workflow's drift check, as generated, passes on the fresh project.
    let (script, _) = step_run(
        &workflows.join("lint.yml"),
        "Check the chora-managed files for drift",
    );
    assert_eq!(
        script,
        format!("uvx --from chora-cli=={version} chora check")
    );
    let (ok, output) = run(&mut workflow_shell(
        &script,
        &project,
        &server.simple_url(),
        scratch.path(),
    ));
    assert!(ok, "{script}: {output}");
}
