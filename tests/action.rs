//! The composite action `publish/action.yml` (docs/action.md). Its metadata: every input
//! documented, every `uses:` pinned by SHA to a pin of data/action-pins.tsv, setup-uv's uv the
//! one of data/runtime-pins.tsv, no `${{ }}` inside a `run:`. Its steps, run here as a Linux
//! runner would run them (a small runner below: `inputs.*` and `steps.*.outputs.*` expanded
//! into `env:` only, `GITHUB_OUTPUT` per step, `RUNNER_TEMP`, `RUNNER_OS`, `GITHUB_PATH`,
//! `GITHUB_ACTION_PATH` of a copy of the action folder with its own data/chora-releases.tsv)
//! against a real local index (pypiserver) holding a chora-cli wheel built from this commit:
//! installs by hash and chora-publish runs; a swapped wheel, an unlisted version, an empty
//! releases file and a runner without a wheel are refused; the upload step uploads with a
//! token. How each input becomes a chora-publish flag is checked against a recording stand-in
//! binary. Needs only `.tools/` (scripts/install-test-tools.sh), no network.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use sha2::Digest;
use standin::pypiserver::PypiServer;
use support::{repo_root, run, tool, tool_command};

fn action_text() -> String {
    std::fs::read_to_string(repo_root().join("publish/action.yml")).unwrap()
}

fn action() -> Value {
    yaml_serde::from_str(&action_text()).unwrap()
}

fn steps(doc: &Value) -> Vec<Value> {
    doc["runs"]["steps"].as_array().expect("runs.steps").clone()
}

fn inputs(doc: &Value) -> BTreeMap<String, Value> {
    doc["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn sha256_hex(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `INPUT_*` variable an input travels in.
fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.to_uppercase().replace('-', "_"))
}

// ---------------------------------------------------------------------------------------------
// The metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn the_action_is_composite_and_every_input_is_documented() {
    let doc = action();
    assert_eq!(doc["runs"]["using"], "composite");
    let docs = std::fs::read_to_string(repo_root().join("docs/action.md")).unwrap();
    // The inputs table: one row per input, `| `name` | default | pypa's input | meaning |`.
    let row = regex_lite::Regex::new(r"(?m)^\| `([a-z-]+)` \| ([^|]*) \| ([^|]*) \|").unwrap();
    let documented: BTreeMap<String, String> = row
        .captures_iter(&docs)
        .map(|c| (c[1].to_string(), c[2].trim().to_string()))
        .collect();
    let inputs = inputs(&doc);
    assert_eq!(
        documented.keys().collect::<Vec<_>>(),
        inputs.keys().collect::<Vec<_>>(),
        "docs/action.md's inputs table against publish/action.yml"
    );
    for (name, input) in &inputs {
        assert_eq!(input["required"], Value::Bool(false), "{name}");
        let default = input["default"].as_str().expect("a default");
        let shown = &documented[name];
        let expected = if default.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{default}`")
        };
        assert_eq!(shown, &expected, "docs/action.md: the default of {name}");
        assert!(
            !input["description"].as_str().unwrap_or_default().is_empty(),
            "{name} has no description"
        );
    }
    // pypa/gh-action-pypi-publish's inputs this action takes under the same name and default.
    for (name, default) in [
        ("packages-dir", "dist"),
        ("repository-url", "https://upload.pypi.org/legacy/"),
        ("user", "__token__"),
        ("password", ""),
        ("skip-existing", "false"),
        ("attestations", "true"),
        ("verbose", "false"),
        ("print-hash", "false"),
    ] {
        assert_eq!(inputs[name]["default"], default, "{name}");
    }
    assert_eq!(inputs.len(), 13);
}

#[test]
fn every_input_reaches_the_script_through_env_and_no_run_expands_an_expression() {
    let doc = action();
    let script = std::fs::read_to_string(repo_root().join("publish/action.sh")).unwrap();
    let mut passed = BTreeMap::new();
    let mut runs = 0;
    for step in steps(&doc) {
        if let Some(run) = step["run"].as_str() {
            runs += 1;
            assert!(!run.contains("${{"), "an expression inside run: {run}");
            assert_eq!(step["shell"], "bash", "{step}");
            assert!(
                run.starts_with("bash \"$GITHUB_ACTION_PATH/action.sh\" "),
                "{run}"
            );
        }
        if let Some(env) = step["env"].as_object() {
            for (key, value) in env {
                passed.insert(key.clone(), value.as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(runs, 2, "install and upload");
    for name in inputs(&doc).keys() {
        let var = input_var(name);
        assert_eq!(
            passed.get(&var).map(String::as_str),
            Some(format!("${{{{ inputs.{name} }}}}").as_str()),
            "{name} is not passed as {var}"
        );
        assert!(script.contains(&var), "publish/action.sh never reads {var}");
    }
    // Every env value is one expression of an input or a step output, nothing composed.
    let whole =
        regex_lite::Regex::new(r"^\$\{\{ (inputs\.[a-z-]+|steps\.install\.outputs\.[a-z-]+) \}\}$")
            .unwrap();
    for (key, value) in &passed {
        assert!(whole.is_match(value), "{key}: {value}");
    }
    assert_eq!(passed.len(), inputs(&doc).len() + 1, "{passed:?}");
}

#[test]
fn every_uses_is_sha_pinned_and_setup_uv_installs_the_pinned_uv() {
    let pins_text = std::fs::read_to_string(repo_root().join("data/action-pins.tsv")).unwrap();
    let pins: Vec<(String, String, String)> = pins_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect();
    let line =
        regex_lite::Regex::new(r"(?m)^\s*(?:- )?uses: (\S+)@([0-9a-f]{40}) # (v\S+)$").unwrap();
    let text = action_text();
    let pinned: Vec<(String, String, String)> = line
        .captures_iter(&text)
        .map(|c| (c[1].to_string(), c[3].to_string(), c[2].to_string()))
        .collect();
    let uses: Vec<Value> = steps(&action())
        .into_iter()
        .filter(|s| s.get("uses").is_some())
        .collect();
    assert_eq!(
        pinned.len(),
        uses.len(),
        "every uses: line is `owner/repo@<sha> # vX`"
    );
    assert_eq!(uses.len(), 1, "setup-uv only");
    for pin in &pinned {
        assert!(pins.contains(pin), "{pin:?} is not in data/action-pins.tsv");
    }

    let setup = &uses[0];
    assert!(
        setup["uses"]
            .as_str()
            .unwrap()
            .starts_with("astral-sh/setup-uv@")
    );
    let runtime_pins = std::fs::read_to_string(repo_root().join("data/runtime-pins.tsv")).unwrap();
    let uv = runtime_pins
        .lines()
        .find_map(|l| l.strip_prefix("uv\t"))
        .expect("uv in data/runtime-pins.tsv");
    assert_eq!(
        setup["with"]["version"], uv,
        "setup-uv's version: is not uv's pin"
    );
    assert_eq!(setup["with"]["enable-cache"], Value::Bool(false));
    // The uv these tests run is that uv.
    let (ok, output) = run(tool_command("uv").arg("--version"));
    assert!(ok && output.contains(&format!("uv {uv} ")), "{output}");
}

// ---------------------------------------------------------------------------------------------
// A runner for the action's steps
// ---------------------------------------------------------------------------------------------

/// A copy of the action folder (`publish/`) and `data/chora-releases.tsv`, as the runner would
/// check it out, with a runner's temp folder and a working directory.
struct Rig {
    dir: tempfile::TempDir,
}

/// What a run of the action did.
struct Ran {
    ok: bool,
    output: String,
    /// The outputs of each step that ran, by step id.
    step_outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// The action's outputs.
    outputs: BTreeMap<String, String>,
    /// What the steps wrote to GITHUB_PATH.
    github_path: String,
}

impl Rig {
    fn new(releases: &str) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let action = dir.path().join("action/publish");
        std::fs::create_dir_all(&action).unwrap();
        for name in ["action.yml", "action.sh"] {
            std::fs::copy(repo_root().join("publish").join(name), action.join(name)).unwrap();
        }
        let data = dir.path().join("action/data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("chora-releases.tsv"), releases).unwrap();
        for sub in ["runner", "work", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Rig { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn runner_temp(&self) -> PathBuf {
        self.dir.path().join("runner")
    }

    /// A shell as a GitHub Linux runner starts one for a `shell: bash` step (`bash --noprofile
    /// --norc -eo pipefail`), with nothing of this process's environment but the PATH (the
    /// pinned uv first, as setup-uv leaves it) and uv's own folders kept in the rig.
    fn shell(&self, script: &str, runner_os: &str) -> Command {
        let arch = match std::env::consts::ARCH {
            "aarch64" => "ARM64",
            _ => "X64",
        };
        self.shell_on(script, runner_os, arch)
    }

    /// [`Rig::shell`] on a runner of another architecture (`RUNNER_ARCH`).
    fn shell_on(&self, script: &str, runner_os: &str, arch: &str) -> Command {
        let tools_bin = tool("uv").parent().unwrap().to_path_buf();
        let path = std::env::join_paths(std::iter::once(tools_bin).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .unwrap();
        let home = self.dir.path().join("home");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(self.work())
            .env_clear()
            .env("PATH", path)
            .env("HOME", &home)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("RUNNER_OS", runner_os)
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TEMP", self.runner_temp())
            .env("GITHUB_ACTION_PATH", self.dir.path().join("action/publish"))
            .env("GITHUB_PATH", self.dir.path().join("github_path"))
            .env("UV_CACHE_DIR", home.join("uv-cache"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("CHORA_PUBLISH_RETRY_BASE_MS", "10");
        cmd
    }

    /// Run the action's steps in order, as the runner does, with `given` inputs (the others
    /// take their defaults), stopping at the first step that fails.
    fn run_action(&self, given: &[(&str, &str)], runner_os: &str) -> Ran {
        self.run_action_with(given, runner_os, &[])
    }

    /// [`Rig::run_action`] with more variables in the job's environment (`job_env`).
    fn run_action_with(
        &self,
        given: &[(&str, &str)],
        runner_os: &str,
        job_env: &[(String, String)],
    ) -> Ran {
        let doc: Value = yaml_serde::from_str(
            &std::fs::read_to_string(self.dir.path().join("action/publish/action.yml")).unwrap(),
        )
        .unwrap();
        let mut values: BTreeMap<String, String> = inputs(&doc)
            .iter()
            .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap().to_string()))
            .collect();
        for (k, v) in given {
            assert!(values.contains_key(*k), "no input {k}");
            values.insert(k.to_string(), v.to_string());
        }
        let expression = regex_lite::Regex::new(
            r"\$\{\{ (?:inputs\.([a-z-]+)|steps\.([a-z-]+)\.outputs\.([a-z-]+)) \}\}",
        )
        .unwrap();
        let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let expand = |text: &str, step_outputs: &BTreeMap<String, BTreeMap<String, String>>| {
            expression
                .replace_all(text, |c: &regex_lite::Captures| match c.get(1) {
                    Some(input) => values[input.as_str()].clone(),
                    None => step_outputs
                        .get(&c[2])
                        .and_then(|o| o.get(&c[3]))
                        .cloned()
                        .unwrap_or_default(),
                })
                .into_owned()
        };
        let mut output = String::new();
        let mut ok = true;
        for (n, step) in steps(&doc).iter().enumerate() {
            if let Some(uses) = step["uses"].as_str() {
                // setup-uv: the pinned uv is first on the PATH of every shell (asserted by
                // every_uses_is_sha_pinned_and_setup_uv_installs_the_pinned_uv).
                assert!(uses.starts_with("astral-sh/setup-uv@"), "{uses}");
                continue;
            }
            let script = step["run"].as_str().unwrap();
            let gh_output = self.dir.path().join(format!("github_output_{n}"));
            std::fs::write(&gh_output, "").unwrap();
            let mut cmd = self.shell(script, runner_os);
            cmd.envs(job_env.iter().map(|(k, v)| (k, v)))
                .env("GITHUB_OUTPUT", &gh_output);
            if let Some(env) = step["env"].as_object() {
                for (key, value) in env {
                    cmd.env(key, expand(value.as_str().unwrap(), &step_outputs));
                }
            }
            let (step_ok, text) = run(&mut cmd);
            output.push_str(&text);
            let written: BTreeMap<String, String> = std::fs::read_to_string(&gh_output)
                .unwrap()
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            if let Some(id) = step["id"].as_str() {
                step_outputs.insert(id.to_string(), written);
            }
            if !step_ok {
                ok = false;
                break;
            }
        }
        let outputs = doc["outputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let value = v["value"].as_str().unwrap();
                (k.clone(), expand(value, &step_outputs))
            })
            .collect();
        let github_path =
            std::fs::read_to_string(self.dir.path().join("github_path")).unwrap_or_default();
        Ran {
            ok,
            output,
            step_outputs,
            outputs,
            github_path,
        }
    }

    /// `action.sh select` (no network): the release the install step would take.
    fn select(&self, version: &str) -> (bool, String) {
        let mut cmd = self.shell("bash \"$GITHUB_ACTION_PATH/action.sh\" select", "Linux");
        cmd.env("INPUT_VERSION", version);
        run(&mut cmd)
    }
}

/// The chora-cli wheel built from this commit (maturin, dev profile), once for every test.
fn chora_wheel() -> &'static (PathBuf, String) {
    static WHEEL: OnceLock<(PathBuf, String)> = OnceLock::new();
    WHEEL.get_or_init(|| {
        // Under target/ (Cargo's temp folder for integration tests), emptied first: one wheel,
        // this commit's.
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("action-chora-wheel");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let (ok, output) = run(tool_command("maturin")
            .args(["build", "--profile", "dev", "--quiet", "--manifest-path"])
            .arg(repo_root().join("Cargo.toml"))
            .arg("--out")
            .arg(&out));
        assert!(ok, "maturin build: {output}");
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "whl"))
            .collect();
        assert_eq!(wheels.len(), 1, "{wheels:?}");
        let wheel = wheels.into_iter().next().unwrap();
        let sha = sha256_hex(&std::fs::read(&wheel).unwrap());
        (wheel, sha)
    })
}

fn wheel_name() -> String {
    chora_wheel()
        .0
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// The releases line chora's release pipeline would write for the wheel built here.
fn releases_line() -> String {
    let (_, sha) = chora_wheel();
    format!("{}\t{}\t{sha}\n", env!("CARGO_PKG_VERSION"), wheel_name())
}

/// A pypiserver serving `bytes` as the chora-cli wheel's file.
fn index_with_wheel(bytes: &[u8]) -> PypiServer {
    let server = PypiServer::start();
    std::fs::write(server.packages_dir().join(wheel_name()), bytes).unwrap();
    server
}

const HEADER: &str = "# chora-cli releases on PyPI: version, wheel file name, sha256 (lowercase hex); one line per wheel.\n";

// ---------------------------------------------------------------------------------------------
// Installing by hash
// ---------------------------------------------------------------------------------------------

#[test]
fn the_action_installs_chora_cli_by_hash_and_chora_publish_runs() {
    let (wheel, sha) = chora_wheel();
    let server = index_with_wheel(&std::fs::read(wheel).unwrap());
    let rig = Rig::new(&format!("{HEADER}{}", releases_line()));
    let index = server.simple_url();
    // No distributions: the install succeeds, the upload step then stops (checked below).
    let ran = rig.run_action(&[("runtime-index-url", &index)], "Linux");
    let version = env!("CARGO_PKG_VERSION");
    let install = &ran.step_outputs["install"];
    assert_eq!(install["version"], version, "{}", ran.output);
    let publish = PathBuf::from(&install["chora-publish"]);
    assert!(publish.starts_with(rig.runner_temp()), "{publish:?}");
    assert!(publish.ends_with("bin/chora-publish"), "{publish:?}");
    assert_eq!(ran.outputs["version"], version);
    assert_eq!(ran.outputs["chora-publish"], install["chora-publish"]);
    assert!(
        ran.output
            .contains(&format!("Installing chora-cli {version} by hash")),
        "{}",
        ran.output
    );
    // The requirement uv was given: the release with its one wheel's hash.
    let requirements = PathBuf::from(format!(
        "{}.requirements.txt",
        publish.parent().unwrap().parent().unwrap().display()
    ));
    assert_eq!(
        std::fs::read_to_string(requirements).unwrap(),
        format!("chora-cli=={version} --hash=sha256:{sha}\n")
    );
    // The installed binary runs; nothing was added to the job's PATH.
    let (ok, output) = run(Command::new(&publish).arg("--version"));
    assert!(ok && output.contains(version), "{output}");
    assert_eq!(ran.github_path, "");
    // The upload step ran after the install and refused the missing dist/ with the next step.
    assert!(!ran.ok);
    assert!(
        ran.output.contains(
            "packages-dir 'dist' is not a folder (build the distributions into it first)"
        ),
        "{}",
        ran.output
    );
    assert!(ran.output.contains("::error title=chora-publish action::"));
}

#[test]
fn a_swapped_wheel_is_refused() {
    let (wheel, _) = chora_wheel();
    let mut bytes = std::fs::read(wheel).unwrap();
    // Same name, other content: one byte more (what a swapped or tampered file looks like).
    bytes.push(0);
    let server = index_with_wheel(&bytes);
    let rig = Rig::new(&releases_line());
    let index = server.simple_url();
    // A job asking uv to skip hash checks does not weaken the install (--require-hashes wins).
    let ran = rig.run_action_with(
        &[("runtime-index-url", &index)],
        "Linux",
        &[("UV_NO_VERIFY_HASHES".into(), "1".into())],
    );
    assert!(!ran.ok, "installed a swapped wheel: {}", ran.output);
    let lower = ran.output.to_lowercase();
    assert!(lower.contains("hash mismatch"), "{}", ran.output);
    assert!(ran.step_outputs["install"].is_empty());
    assert_eq!(ran.outputs["chora-publish"], "");
    // The upload step never ran.
    assert!(!ran.output.contains("packages-dir"), "{}", ran.output);
}

#[test]
fn a_version_the_releases_file_does_not_list_is_refused() {
    let sha = "a".repeat(64);
    let rig = Rig::new(&format!(
        "{HEADER}0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.whl\t{sha}\n\
         0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_aarch64.whl\t{sha}\n\
         0.3.0\tchora_cli-0.3.0-py3-none-any.whl\t{sha}\n"
    ));
    // No index at all: the refusal comes before any download.
    let ran = rig.run_action(
        &[
            ("version", "0.2.1"),
            ("runtime-index-url", "http://127.0.0.1:9/"),
        ],
        "Linux",
    );
    assert!(!ran.ok);
    assert!(
        ran.output.contains(
            "chora-cli 0.2.1 is not in data/chora-releases.tsv of this action (it lists: 0.2.0 0.3.0)"
        ),
        "{}",
        ran.output
    );
    assert!(!ran.output.contains("Installing"), "{}", ran.output);
    assert_eq!(std::fs::read_dir(rig.runner_temp()).unwrap().count(), 0);

    // An input quoted in the error cannot start a workflow command line of its own.
    let ran = rig.run_action(&[("version", "9\n::warning::injected 100%")], "Linux");
    assert!(!ran.ok);
    assert!(
        ran.output
            .contains("chora-cli 9%0A::warning::injected 100%25 is not in data/chora-releases.tsv"),
        "{}",
        ran.output
    );
    assert!(
        !ran.output.lines().any(|l| l.starts_with("::warning")),
        "{}",
        ran.output
    );

    // A listed version is taken, with the hashes of its wheels only.
    let (ok, text) = rig.select("0.2.0");
    assert!(ok, "{text}");
    assert_eq!(
        text,
        format!(
            "version=0.2.0\nrequirement=chora-cli==0.2.0 --hash=sha256:{sha} --hash=sha256:{sha}\n"
        )
    );
}

#[test]
fn an_empty_releases_file_is_refused_with_the_reason() {
    // This repository's own file as it is until the first release: comments only.
    let ours = std::fs::read_to_string(repo_root().join("data/chora-releases.tsv")).unwrap();
    for releases in [HEADER.to_string(), String::new()] {
        let rig = Rig::new(&releases);
        let ran = rig.run_action(&[], "Linux");
        assert!(!ran.ok);
        assert!(
            ran.output.contains(
                "data/chora-releases.tsv of this action lists no chora-cli release: none is published yet"
            ),
            "{}",
            ran.output
        );
        assert!(
            ran.output.contains("pypa/gh-action-pypi-publish"),
            "{}",
            ran.output
        );
        assert!(ran.step_outputs["install"].is_empty());
    }
    if ours
        .lines()
        .all(|l| l.starts_with('#') || l.trim().is_empty())
    {
        let rig = Rig::new(&ours);
        assert!(!rig.select("").0);
    }
}

#[test]
fn a_malformed_releases_line_is_refused_with_its_line_number() {
    let sha = "a".repeat(64);
    for (line, says) in [
        (
            "0.2.0\tchora_cli-0.2.0-py3-none-any.whl".to_string(),
            "expected 3 tab-separated columns",
        ),
        (
            format!("0.2.0\tchora_cli-0.2.0-py3-none-any.whl\t{sha}\textra"),
            "expected 3 tab-separated columns",
        ),
        (
            format!("v0.2\tchora_cli-0.2.0-py3-none-any.whl\t{sha}"),
            "is not a normalised PEP 440 version",
        ),
        (
            format!("0.2.0\tother-0.2.0-py3-none-any.whl\t{sha}"),
            "is not a chora-cli wheel file name",
        ),
        (
            format!(
                "0.2.0\tchora_cli-0.2.0-py3-none-any.whl\t{}",
                sha.to_uppercase()
            ),
            "lowercase hex",
        ),
        (
            format!("0.2.0\tchora_cli-0.2.0-py3-none-any.whl;rm\t{sha}"),
            "is not a chora-cli wheel file name",
        ),
    ] {
        let rig = Rig::new(&format!("{HEADER}\n{line}\n"));
        let (ok, text) = rig.select("");
        assert!(!ok, "{line}");
        assert!(
            text.contains("data/chora-releases.tsv, line 3: "),
            "{line}: {text}"
        );
        assert!(text.contains(says), "{line}: {text}");
    }
}

#[test]
fn a_runner_without_a_wheel_of_the_release_is_refused() {
    let sha = "b".repeat(64);
    let rig = Rig::new(&format!(
        "0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl\t{sha}\n\
         0.2.0\tchora_cli-0.2.0-py3-none-macosx_11_0_arm64.whl\t{sha}\n"
    ));
    let ran = rig.run_action(&[("runtime-index-url", "http://127.0.0.1:9/")], "Windows");
    assert!(!ran.ok);
    assert!(
        ran.output
            .contains("chora-cli 0.2.0 has no wheel for this runner (Windows "),
        "{}",
        ran.output
    );
    assert_eq!(std::fs::read_dir(rig.runner_temp()).unwrap().count(), 0);
}

#[test]
fn each_runner_takes_only_a_wheel_it_can_install() {
    let sha = "d".repeat(64);
    let linux_x86 = "manylinux_2_17_x86_64.manylinux2014_x86_64";
    let cases: [(&str, &str, &[&str], bool); 14] = [
        ("Linux", "X64", &[linux_x86], true),
        ("Linux", "X64", &["musllinux_1_2_x86_64"], true),
        ("Linux", "X64", &["manylinux_2_17_aarch64"], false),
        (
            "Linux",
            "ARM64",
            &["musllinux_1_2_aarch64", linux_x86],
            true,
        ),
        ("Linux", "ARM64", &[linux_x86, "macosx_11_0_arm64"], false),
        ("macOS", "ARM64", &["macosx_11_0_arm64"], true),
        ("macOS", "ARM64", &["macosx_10_12_x86_64"], false),
        ("macOS", "X64", &["macosx_10_12_x86_64"], true),
        ("macOS", "X64", &["macosx_10_12_universal2"], true),
        ("Windows", "X64", &["win_amd64"], true),
        ("Windows", "X64", &["win32", linux_x86], false),
        ("Windows", "ARM64", &["win_amd64"], false),
        ("Windows", "ARM64", &["any"], true),
        // A runner this script does not know: uv decides.
        ("FreeBSD", "X64", &["win_amd64"], true),
    ];
    let mut checked = 0;
    for (os, arch, platforms, fits) in cases {
        let text: String = platforms
            .iter()
            .map(|p| format!("0.2.0\tchora_cli-0.2.0-py3-none-{p}.whl\t{sha}\n"))
            .collect();
        let rig = Rig::new(&text);
        let mut cmd = rig.shell_on("bash \"$GITHUB_ACTION_PATH/action.sh\" install", os, arch);
        cmd.env("GITHUB_OUTPUT", rig.dir.path().join("out"))
            // uv offline: a run that gets past the check fails at the download, at once.
            .env("INPUT_RUNTIME_INDEX_URL", "http://127.0.0.1:9/simple/")
            .env("UV_OFFLINE", "1");
        let (ok, output) = run(&mut cmd);
        assert!(!ok, "{os} {arch}: {output}");
        let refused = output.contains(&format!(
            "chora-cli 0.2.0 has no wheel for this runner ({os} {arch})"
        ));
        assert_eq!(refused, !fits, "{os} {arch} {platforms:?}: {output}");
        assert_eq!(
            output.contains("Installing chora-cli 0.2.0 by hash"),
            fits,
            "{output}"
        );
        checked += 1;
    }
    assert_eq!(checked, 14);
}

/// The versions the ordering test of src/template/runtime.rs lists, in PEP 440 order (but its
/// epoch, which no wheel file name can carry).
const ORDERED: [&str; 12] = [
    "0.9",
    "1.0.dev1",
    "1.0a1",
    "1.0a2.dev1",
    "1.0a2",
    "1.0b1",
    "1.0rc1",
    "1.0",
    "1.0.post1.dev1",
    "1.0.post1",
    "1.1",
    "1.10",
];

#[test]
fn the_newest_release_is_the_one_chora_itself_would_pin() {
    let sha = "c".repeat(64);
    let mut checked = 0;
    // Each prefix of the ordered list, written newest first, oldest first and interleaved.
    for n in 1..=ORDERED.len() {
        let mut versions: Vec<&str> = ORDERED[..n].to_vec();
        for order in 0..3 {
            match order {
                0 => versions.reverse(),
                1 => versions.sort(),
                _ => versions.rotate_left(n / 2),
            }
            let text: String = versions
                .iter()
                .map(|v| format!("{v}\tchora_cli-{v}-py3-none-any.whl\t{sha}\n"))
                .collect();
            let releases = chora::template::runtime::parse_releases("t", &text).unwrap();
            let chora_picks = chora::template::runtime::latest(&releases).unwrap();
            assert_eq!(chora_picks.version, ORDERED[n - 1]);
            let (ok, out) = Rig::new(&text).select("");
            assert!(ok, "{out}");
            assert_eq!(
                out.lines().next().unwrap(),
                format!("version={}", chora_picks.version),
                "{versions:?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * ORDERED.len());
}

// ---------------------------------------------------------------------------------------------
// Uploading
// ---------------------------------------------------------------------------------------------

fn write_dists(dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let mut names = Vec::new();
    for dist in [
        standin::dist::wheel("demo-pkg", "1.0.0"),
        standin::dist::sdist("demo-pkg", "1.0.0"),
    ] {
        std::fs::write(dir.join(&dist.filename), &dist.data).unwrap();
        names.push(dist.filename);
    }
    names
}

#[test]
fn the_whole_action_uploads_with_a_token() {
    let (wheel, _) = chora_wheel();
    let server = index_with_wheel(&std::fs::read(wheel).unwrap());
    let rig = Rig::new(&releases_line());
    let dists = write_dists(&rig.work().join("out"));
    let index = server.simple_url();
    let upload = server.upload_url();
    let token = server.credentials().1;
    let ledger = rig.dir.path().join("ledger.jsonl");
    let ledger_text = ledger.to_string_lossy().into_owned();
    let given = [
        ("runtime-index-url", index.as_str()),
        ("repository-url", upload.as_str()),
        ("packages-dir", "out/"),
        ("password", token),
        ("print-hash", "true"),
        ("ledger", ledger_text.as_str()),
    ];
    let ran = rig.run_action(&given, "Linux");
    assert!(ran.ok, "{}", ran.output);
    assert!(
        ran.output.contains("2 uploaded, 0 skipped, 0 failed"),
        "{}",
        ran.output
    );
    // print-hash: every file listed with its SHA-256 before the upload.
    for name in &dists {
        let sha = sha256_hex(&std::fs::read(rig.work().join("out").join(name)).unwrap());
        assert!(
            ran.output.contains(&format!("sha256 {sha})")),
            "{name}: {}",
            ran.output
        );
    }
    // The token is never printed (it reached chora-publish through its environment).
    assert!(!ran.output.contains(token), "{}", ran.output);
    let mut expected = dists.clone();
    expected.push(wheel_name());
    expected.sort();
    assert_eq!(server.package_files(), expected);
    // The ledger the input named records the upload, and verifies.
    let mut verify = Command::new(&ran.outputs["chora-publish"]);
    verify.arg("ledger").arg("verify").arg(&ledger).env_clear();
    let (ok, output) = run(&mut verify);
    assert!(ok, "{output}");
    assert!(!rig.work().join("chora-ledger.jsonl").exists());

    // Again, with skip-existing: nothing is sent twice.
    let mut again = given.to_vec();
    again.push(("skip-existing", "true"));
    let ran = rig.run_action(&again, "Linux");
    assert!(ran.ok, "{}", ran.output);
    assert!(
        ran.output.contains("0 uploaded, 2 skipped, 0 failed"),
        "{}",
        ran.output
    );
    // And without: the index refuses the files it has (status 3).
    let ran = rig.run_action(&given, "Linux");
    assert!(!ran.ok, "{}", ran.output);
}

/// A stand-in chora-publish that records its arguments and whether it saw a token.
fn recording_publish(dir: &Path) -> PathBuf {
    let path = dir.join("chora-publish");
    std::fs::write(
        &path,
        "#!/bin/sh\nlog=\"$(dirname \"$0\")/calls\"\n\
         printf '%s|token=%s\\n' \"$*\" \"${CHORA_PUBLISH_TOKEN:-}\" >> \"$log\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

#[test]
fn inputs_become_chora_publish_flags_and_the_password_stays_off_the_command_line() {
    let rig = Rig::new("");
    let bin = rig.dir.path().join("fake");
    std::fs::create_dir_all(&bin).unwrap();
    let publish = recording_publish(&bin);
    std::fs::create_dir_all(rig.work().join("dist")).unwrap();
    let upload = |inputs: &[(&str, &str)]| -> (bool, String, String) {
        let _ = std::fs::remove_file(bin.join("calls"));
        let mut cmd = rig.shell("bash \"$GITHUB_ACTION_PATH/action.sh\" upload", "Linux");
        cmd.env("CHORA_PUBLISH", &publish)
            .env("CHORA_PUBLISH_TOKEN", "from-the-job");
        for (k, v) in inputs {
            cmd.env(input_var(k), v);
        }
        let (ok, output) = run(&mut cmd);
        let calls = std::fs::read_to_string(bin.join("calls")).unwrap_or_default();
        (ok, output, calls)
    };
    let defaults = "upload --repository-url https://upload.pypi.org/legacy/ --auth oidc \
                    --attestations=auto --attestations-dir attestations dist";
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        // Trusted Publishing: a token in the job's environment is not passed on.
        (vec![], format!("{defaults}|token=\n")),
        (
            vec![("password", "pypi-secret"), ("attestations", "False")],
            "upload --repository-url https://upload.pypi.org/legacy/ --auth token \
             --attestations=never dist|token=pypi-secret\n"
                .into(),
        ),
        (
            vec![
                ("repository-url", "https://test.pypi.org/legacy/"),
                ("packages-dir", "dist/"),
                ("skip-existing", "TRUE"),
                ("verbose", "true"),
                ("verify-provenance", "true"),
                ("ledger", "release.jsonl"),
                ("attestations-dir", "signed"),
                ("user", "__token__"),
            ],
            "upload --repository-url https://test.pypi.org/legacy/ --auth oidc \
             --attestations=auto --attestations-dir signed --skip-existing --verbose \
             --verify-provenance --ledger release.jsonl dist|token=\n"
                .into(),
        ),
        (
            vec![("print-hash", "true")],
            format!("check dist|token=\n{defaults}|token=\n"),
        ),
    ];
    for (inputs, expected) in &cases {
        let (ok, output, calls) = upload(inputs);
        assert!(ok, "{inputs:?}: {output}");
        assert_eq!(&calls, expected, "{inputs:?}");
        assert!(!output.contains("pypi-secret"), "{output}");
    }
    // Refusals, before chora-publish runs.
    for (inputs, says) in [
        (
            vec![("password", "pw"), ("user", "alice")],
            "input 'user' is 'alice': chora-publish uploads with API tokens only (user __token__)",
        ),
        (
            vec![("skip-existing", "yes")],
            "input 'skip-existing' must be true or false, not 'yes'",
        ),
        (
            vec![("packages-dir", "missing")],
            "packages-dir 'missing' is not a folder",
        ),
    ] {
        let (ok, output, calls) = upload(&inputs);
        assert!(!ok, "{inputs:?}");
        assert!(output.contains(says), "{inputs:?}: {output}");
        assert_eq!(calls, "", "{inputs:?}");
    }
}

#[test]
fn the_whole_action_uploads_with_trusted_publishing() {
    use standin::oidc::GithubOidc;
    use standin::pypi::Index;
    let (wheel, _) = chora_wheel();
    let runtime = index_with_wheel(&std::fs::read(wheel).unwrap());
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let rig = Rig::new(&releases_line());
    let dists = write_dists(&rig.work().join("dist"));
    let runtime_url = runtime.simple_url();
    let upload = index.upload_url();
    // The job: GitHub Actions with `id-token: write` (the OIDC stand-in's variables), and an
    // API token in its environment the action must not use.
    let mut job = oidc.env_vars();
    job.push(("CHORA_PUBLISH_TOKEN".into(), "pypi-not-this-one".into()));
    let ran = rig.run_action_with(
        &[
            ("runtime-index-url", &runtime_url),
            ("repository-url", &upload),
        ],
        "Linux",
        &job,
    );
    assert!(ran.ok, "{}", ran.output);
    assert!(
        ran.output.contains("2 uploaded, 0 skipped, 0 failed"),
        "{}",
        ran.output
    );
    let accepted: Vec<String> = index
        .uploads()
        .iter()
        .filter(|u| u.accepted())
        .map(|u| u.field("filename").unwrap_or_default().to_string())
        .collect();
    assert_eq!(accepted.len(), dists.len(), "{accepted:?}");
    // One token minted for the batch, and burned after it; none of it printed.
    let minted = index.minted_tokens();
    assert_eq!(minted.len(), 1);
    assert_eq!(index.burned_tokens(), vec![minted[0].token.clone()]);
    // (`::add-mask::` lines exist to hide it in the log.)
    let unmasked: String = ran
        .output
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert!(!unmasked.contains(&minted[0].token), "{}", ran.output);
    assert!(!ran.output.contains("pypi-not-this-one"));
    // attestations: true is `auto`: this index is neither PyPI nor TestPyPI, so none, and why.
    assert!(
        ran.output
            .contains("127.0.0.1 is neither PyPI nor TestPyPI"),
        "{}",
        ran.output
    );
    // The ledger: chora-publish's default in CI, in the working directory, and it verifies.
    let ledger = rig.work().join("chora-ledger.jsonl");
    assert!(ledger.is_file(), "{}", ran.output);
    let (ok, output) = run(Command::new(&ran.outputs["chora-publish"])
        .arg("ledger")
        .arg("verify")
        .arg(&ledger)
        .env_clear());
    assert!(ok, "{output}");
}

/// Writes an executable shell script.
fn script_file(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn on_windows_the_binary_is_taken_from_scripts_and_temp_paths_go_through_cygpath() {
    // Windows' layout, simulated: a uv that makes `Scripts/chora-publish.exe` (a recording
    // stand-in) the way uv does on Windows, and Git Bash's cygpath. What runs for real is the
    // action's own logic: the paths, the `.exe`, the outputs, the upload call.
    let sha = "e".repeat(64);
    let rig = Rig::new(&format!(
        "0.2.0\tchora_cli-0.2.0-py3-none-win_amd64.whl\t{sha}\n\
         0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.whl\t{sha}\n"
    ));
    let fake = rig.dir.path().join("windows-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let log = rig.dir.path().join("calls");
    script_file(
        &fake.join("uv"),
        &format!(
            "#!/bin/sh\nlog='{log}'\necho \"uv $*\" >> \"$log\"\n\
             if [ \"$1\" = venv ]; then for a; do d=$a; done; mkdir -p \"$d/Scripts\"; exit 0; fi\n\
             while [ $# -gt 0 ]; do if [ \"$1\" = --python ]; then d=$2; fi; shift; done\n\
             printf '#!/bin/sh\\necho \"chora-publish.exe $*\" >> \"%s\"\\n' \"$log\" > \"$d/Scripts/chora-publish.exe\"\n\
             chmod +x \"$d/Scripts/chora-publish.exe\"\n",
            log = log.display()
        ),
    );
    script_file(
        &fake.join("cygpath"),
        &format!(
            "#!/bin/sh\necho \"cygpath $*\" >> '{}'\nprintf '%s\\n' \"$2\"\n",
            log.display()
        ),
    );
    let path = std::env::join_paths(
        std::iter::once(fake.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    std::fs::create_dir_all(rig.work().join("dist")).unwrap();
    let ran = rig.run_action_with(
        &[],
        "Windows",
        &[("PATH".into(), path.to_string_lossy().into_owned())],
    );
    assert!(ran.ok, "{}", ran.output);
    let publish = &ran.outputs["chora-publish"];
    let venv = publish
        .strip_suffix("/Scripts/chora-publish.exe")
        .unwrap_or_else(|| panic!("{publish}"));
    assert!(Path::new(venv).starts_with(rig.runner_temp()), "{publish}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    let temp = rig.runner_temp().display().to_string();
    assert_eq!(lines.len(), 5, "{calls}");
    assert_eq!(lines[0], format!("cygpath -m {temp}"));
    assert_eq!(
        lines[1],
        format!("uv venv --no-config --no-project --quiet {venv}")
    );
    assert_eq!(
        lines[2],
        format!(
            "uv pip install --no-config --python {venv} --default-index https://pypi.org/simple/ \
             --require-hashes --no-deps --only-binary :all: -r {venv}.requirements.txt"
        )
    );
    assert_eq!(lines[3], "chora-publish.exe --version");
    assert_eq!(
        lines[4],
        "chora-publish.exe upload --repository-url https://upload.pypi.org/legacy/ --auth oidc \
         --attestations=auto --attestations-dir attestations dist"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{venv}.requirements.txt")).unwrap(),
        format!("chora-cli==0.2.0 --hash=sha256:{sha} --hash=sha256:{sha}\n")
    );
}
