//! The gated release and the drill (issue 14 items 1 and 3), read from generated projects and
//! run for real where a step can run here: the gate (tests, lint and security called as
//! reusable workflows; the tag on the default branch; a committed, current uv.lock) before
//! every publish job, and the drill (workflow_dispatch: TestPyPI only, a `.devN` version).

mod support;
use support::git;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{chora, jobs, needs_of, run, tool_command, with_standard_answers};
use yaml_serde::Value;

/// A releases file listing one chora-cli release, so publisher=chora can be generated.
fn releases_file(dir: &Path) -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let path = dir.join("chora-releases.tsv");
    std::fs::write(
        &path,
        format!(
            "{version}\tchora_cli-{version}-py3-none-any.whl\t{}\n",
            "0".repeat(64)
        ),
    )
    .unwrap();
    path
}

/// `chora new` with the standard answers and `extra`; returns (tempdir, project, stdout).
fn generate(extra: &[&str], git: bool) -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dest = tmp.path().join("demo-pkg");
    let mut cmd = chora(&home);
    cmd.arg("new")
        .arg(&dest)
        .arg("--defaults")
        .env("CHORA_RELEASES_FILE", releases_file(tmp.path()));
    if !git {
        cmd.arg("--no-git");
    }
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    let out = cmd.assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    (tmp, dest, stdout)
}

fn workflow(dest: &Path, file: &str) -> (String, Value) {
    let path = dest.join(".github/workflows").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let yaml = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    (text, yaml)
}

/// Every job `name` needs, directly or through the jobs it needs.
fn transitive_needs(wf: &Value, name: &str) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = needs_of(&wf["jobs"][name]);
    while let Some(next) = todo.pop() {
        assert!(!wf["jobs"][next.as_str()].is_null(), "{name} needs {next}");
        if seen.insert(next.clone()) {
            todo.extend(needs_of(&wf["jobs"][next.as_str()]));
        }
    }
    seen
}

/// The answer matrix: publisher × auth (with attestations on/off under oidc) × TestPyPI.
fn matrix() -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    for publisher in ["publisher=chora", "publisher=pypa"] {
        for auth in [
            &["pypi_auth_method=oidc", "attestations=true"][..],
            &["pypi_auth_method=oidc", "attestations=false"],
            &["pypi_auth_method=token"],
        ] {
            for testpypi in ["publish_testpypi=true", "publish_testpypi=false"] {
                let mut answers = vec![publisher, testpypi];
                answers.extend_from_slice(auth);
                out.push(answers);
            }
        }
    }
    out
}

/// The called workflows and the job of release.yml calling each.
const CALLED: [(&str, &str); 3] = [
    ("tests", "tests.yml"),
    ("lint", "lint.yml"),
    ("security", "security.yml"),
];

/// `group` with `${{ github.workflow }}` and `${{ github.ref }}` replaced; nothing else may be
/// an expression.
fn evaluate_group(group: &str, workflow: &str, git_ref: &str) -> String {
    let out = group
        .replace("${{ github.workflow }}", workflow)
        .replace("${{ github.ref }}", git_ref);
    assert!(!out.contains("${{"), "unexpected expression in {group:?}");
    out
}

#[test]
fn every_publish_job_needs_the_gate_and_the_projects_own_checks() {
    let matrix = matrix();
    assert_eq!(matrix.len(), 12, "2 publishers × 3 auth/attestation × 2");
    let mut publish_jobs = 0;
    for answers in &matrix {
        let (_tmp, dest, _) = generate(answers, false);
        let (_, release) = workflow(&dest, "release.yml");
        let release_group = release["concurrency"]["group"].as_str().unwrap();
        for (job_name, file) in CALLED {
            // Callable, and called from the tagged commit with read permissions only.
            let (text, called) = workflow(&dest, file);
            assert!(
                called["on"]
                    .as_mapping()
                    .unwrap()
                    .contains_key(Value::from("workflow_call")),
                "{file} declares workflow_call ({answers:?})"
            );
            let job = &release["jobs"][job_name];
            assert_eq!(
                job["uses"].as_str(),
                Some(format!("./.github/workflows/{file}").as_str()),
                "{answers:?}"
            );
            let perms = job["permissions"].as_mapping().unwrap();
            assert_eq!(perms.len(), 1, "{job_name}: {perms:?}");
            assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
            assert!(job["permissions"]["id-token"].is_null());
            assert!(
                job["secrets"].is_null(),
                "{job_name}: no secrets, no inherit"
            );
            // Its concurrency group, as GitHub evaluates it, never equals the caller's:
            // called, `github.workflow` is "Release"; run directly, its own name.
            let group = called["concurrency"]["group"].as_str().unwrap();
            let own_name = called["name"].as_str().unwrap();
            for git_ref in ["refs/tags/v1.2.3", "refs/heads/main"] {
                let caller = evaluate_group(release_group, "Release", git_ref);
                let as_called = evaluate_group(group, "Release", git_ref);
                let direct = evaluate_group(group, own_name, git_ref);
                assert_ne!(as_called, caller, "{file}: deadlock with release.yml");
                assert_ne!(as_called, direct, "{file}: a release would queue behind CI");
            }
            // The committed lock, as it is, on every PR too.
            let uv_lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("run: uv ") || l.starts_with("uv export"))
                .collect();
            let expected = match file {
                "tests.yml" => 1,
                "lint.yml" => 3,
                _ => 1,
            };
            assert_eq!(uv_lines.len(), expected, "{file}: {uv_lines:?}");
            for line in uv_lines {
                assert!(line.contains(" --locked"), "{file}: {line}");
            }
        }
        // The gate: read-only, the full history, no persisted credentials.
        let gate = &release["jobs"]["gate"];
        assert_eq!(gate["permissions"]["contents"].as_str(), Some("read"));
        assert_eq!(gate["permissions"].as_mapping().unwrap().len(), 1);
        let checkout = &gate["steps"][0];
        assert!(
            checkout["uses"]
                .as_str()
                .unwrap()
                .starts_with("actions/checkout@")
        );
        assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));
        assert_eq!(checkout["with"]["persist-credentials"], Value::Bool(false));
        // build runs after all four and no longer runs the tests itself.
        assert_eq!(
            needs_of(&release["jobs"]["build"]),
            ["gate", "tests", "lint", "security"]
        );
        let build = yaml_serde::to_string(&release["jobs"]["build"]).unwrap();
        assert!(!build.contains("pytest"), "{build}");
        // Every job after them needs all four, every publish job included.
        let mut after = 0;
        for (name, _) in jobs(&release) {
            if ["tests", "lint", "security", "gate"].contains(&name.as_str()) {
                continue;
            }
            after += 1;
            let needs = transitive_needs(&release, &name);
            for root in ["gate", "tests", "lint", "security"] {
                assert!(needs.contains(root), "{name} needs {root} ({answers:?})");
            }
            if name.starts_with("publish") {
                publish_jobs += 1;
            }
        }
        let testpypi = answers.contains(&"publish_testpypi=true");
        assert_eq!(after, if testpypi { 6 } else { 4 }, "{answers:?}");
    }
    assert_eq!(
        publish_jobs,
        6 * 2 + 6,
        "two publish jobs with TestPyPI, one without"
    );
}

#[test]
fn with_safety_only_its_key_reaches_the_security_workflow() {
    let (_tmp, dest, _) = generate(&["safety=true"], false);
    let (_, release) = workflow(&dest, "release.yml");
    let secrets = release["jobs"]["security"]["secrets"].as_mapping().unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(
        release["jobs"]["security"]["secrets"]["SAFETY_API_KEY"].as_str(),
        Some("${{ secrets.SAFETY_API_KEY }}")
    );
    let (_, security) = workflow(&dest, "security.yml");
    assert_eq!(
        security["on"]["workflow_call"]["secrets"]["SAFETY_API_KEY"]["required"],
        Value::Bool(false)
    );
    for (job, _) in CALLED.iter().filter(|(j, _)| *j != "security") {
        assert!(release["jobs"][*job]["secrets"].is_null(), "{job}");
    }
}

/// Whether a job's `if:` lets it run for `event` (the conditions release.yml uses).
fn runs_for(job: &Value, event: &str) -> bool {
    match job["if"].as_str() {
        None => true,
        Some("github.event_name == 'push'") => event == "push",
        Some(other) => panic!("an `if:` this test cannot evaluate: {other}"),
    }
}

/// The jobs that run for `event`: their `if:` holds and every job they need runs.
fn jobs_running_for(wf: &Value, event: &str) -> Vec<String> {
    let all = jobs(wf);
    let mut running: Vec<String> = Vec::new();
    // Jobs are listed after the jobs they need, so one pass in order settles each.
    for (name, job) in &all {
        if runs_for(job, event) && needs_of(job).iter().all(|n| running.contains(n)) {
            running.push(name.clone());
        }
    }
    running
}

/// `pypi.org` or `upload.pypi.org` as a host, not as part of `test.pypi.org`.
fn names_pypi(text: &str) -> bool {
    let host = regex_lite::Regex::new(r"(^|[^A-Za-z0-9.-])(upload\.)?pypi\.org").unwrap();
    host.is_match(text)
}

#[test]
fn the_drill_runs_against_testpypi_only() {
    assert!(names_pypi("url: https://pypi.org/p/x") && names_pypi("https://upload.pypi.org/"));
    assert!(!names_pypi("https://test.pypi.org/legacy/"));
    let cases = [
        &["publisher=chora", "pypi_auth_method=oidc"][..],
        &["publisher=pypa", "pypi_auth_method=oidc"],
        &["publisher=chora", "pypi_auth_method=token"],
        &["publisher=pypa", "pypi_auth_method=token"],
    ];
    for answers in cases {
        let mut all = vec!["pypi_environment=release", "testpypi_environment=staging"];
        all.extend_from_slice(answers);
        let (_tmp, dest, _) = generate(&all, false);
        let (text, release) = workflow(&dest, "release.yml");
        assert!(
            release["on"]
                .as_mapping()
                .unwrap()
                .contains_key(Value::from("workflow_dispatch")),
            "{answers:?}"
        );
        assert_eq!(
            text.contains("chora-publish upload"),
            answers.contains(&"publisher=chora")
        );
        let drill = jobs_running_for(&release, "workflow_dispatch");
        assert_eq!(
            drill,
            [
                "tests",
                "lint",
                "security",
                "gate",
                "build",
                "publish-testpypi",
                "smoke-testpypi"
            ],
            "{answers:?}"
        );
        assert_eq!(
            jobs_running_for(&release, "push").len(),
            10,
            "a tag runs all"
        );
        for excluded in ["publish-pypi", "verify-pypi", "github-release"] {
            assert_eq!(
                release["jobs"][excluded]["if"].as_str(),
                Some("github.event_name == 'push'"),
                "{excluded}"
            );
        }
        for name in &drill {
            let job = &release["jobs"][name.as_str()];
            let mut texts = vec![yaml_serde::to_string(job).unwrap()];
            if let Some(file) = job["uses"].as_str() {
                let file = file.strip_prefix("./.github/workflows/").unwrap();
                texts.push(workflow(&dest, file).0);
            }
            for text in texts {
                assert!(
                    !names_pypi(&text),
                    "{name} names PyPI ({answers:?}):\n{text}"
                );
                assert!(
                    !text.contains("secrets.PYPI_API_TOKEN"),
                    "{name}: the PyPI token"
                );
            }
            if let Some(environment) = job["environment"]["name"].as_str() {
                assert_eq!(
                    environment, "staging",
                    "{name}: only TestPyPI's environment"
                );
            }
        }
    }
    // Without TestPyPI there is nothing to rehearse against: no workflow_dispatch, and a
    // comment says how to get the drill.
    let (_tmp, dest, _) = generate(&["publish_testpypi=false"], false);
    let (text, release) = workflow(&dest, "release.yml");
    assert!(
        !release["on"]
            .as_mapping()
            .unwrap()
            .contains_key(Value::from("workflow_dispatch"))
    );
    assert!(
        text.contains("`chora update --data publish_testpypi=true` to add TestPyPI and the drill")
    );
    assert!(!text.contains("for_the_drill"), "no drill version either");
}

/// The `run:` text of the step of `job` whose `name` (or `id`) is `key`.
fn step_run(wf: &Value, job: &str, key: &str) -> String {
    wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(key) || s["id"].as_str() == Some(key))
        .unwrap_or_else(|| panic!("no step {key} in {job}"))["run"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Run a generated step as GitHub does (`bash -e`) in `dir`, with only `env` and PATH set.
fn run_step(script: &str, dir: &Path, path: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("bash");
    cmd.args([
        "--noprofile",
        "--norc",
        "-e",
        "-o",
        "pipefail",
        "-c",
        script,
    ])
    .current_dir(dir)
    .env_clear()
    .env("PATH", path)
    .env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

const PYPROJECT: &str = "[build-system]\nrequires = [\"hatchling\"]\n\n[project]\nname = \"demo-pkg\"\nversion = \"VERSION\"  # the release\ndescription = \"x\"\n\n[tool.other]\nversion = \"9.9.9\"\n";

#[test]
fn the_version_step_derives_the_drill_version_and_checks_the_tag() {
    let (_tmp, dest, _) = generate(&[], false);
    let (_, release) = workflow(&dest, "release.yml");
    let script = step_run(&release, "build", "version");
    assert_eq!(
        release["jobs"]["build"]["outputs"]["version"].as_str(),
        Some("${{ steps.version.outputs.version }}")
    );
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let path = "/usr/bin:/bin";
    let attempt = |declared: &str, env: &[(&str, &str)]| {
        std::fs::write(
            dir.join("pyproject.toml"),
            PYPROJECT.replace("VERSION", declared),
        )
        .unwrap();
        let output = dir.join("github_output");
        std::fs::write(&output, "").unwrap();
        let out_path = output.display().to_string();
        let mut all = vec![("GITHUB_OUTPUT", out_path.as_str())];
        all.extend_from_slice(env);
        let (ok, text) = run_step(&script, dir, path, &all);
        let written = std::fs::read_to_string(&output).unwrap();
        let pyproject = std::fs::read_to_string(dir.join("pyproject.toml")).unwrap();
        (ok, text, written, pyproject)
    };
    let dispatch = |run: &'static str, attempt: &'static str| {
        vec![
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_RUN_NUMBER", run),
            ("GITHUB_RUN_ATTEMPT", attempt),
        ]
    };
    let cases = [
        ("0.1.0", "0.1.0.dev42001"),
        ("1.2.3rc1", "1.2.3rc1.dev42001"),
        ("1.0.0.dev3", "1.0.0.dev42001"),
        ("2.0.post1", "2.0.post1.dev42001"),
    ];
    for (declared, expected) in cases {
        let (ok, text, written, pyproject) = attempt(declared, &dispatch("42", "1"));
        assert!(ok, "{declared}: {text}");
        assert_eq!(written, format!("version={expected}\n"), "{declared}");
        assert!(
            text.contains(&format!(
                "Drill: building demo-pkg {expected} for TestPyPI (pyproject.toml says {declared})"
            )),
            "{text}"
        );
        // Only [project]'s version line changed, its comment kept.
        let before = PYPROJECT.replace("VERSION", declared);
        let changed: Vec<(&str, &str)> = before
            .lines()
            .zip(pyproject.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [(
                format!("version = \"{declared}\"  # the release").as_str(),
                format!("version = \"{expected}\"  # the release").as_str()
            )],
            "{pyproject}"
        );
        assert_eq!(before.lines().count(), pyproject.lines().count());
    }
    // A re-run attempt, and the next run, get versions of their own.
    let (_, _, second, _) = attempt("0.1.0", &dispatch("42", "2"));
    assert_eq!(second, "version=0.1.0.dev42002\n");
    let (_, _, next, _) = attempt("0.1.0", &dispatch("43", "1"));
    assert_eq!(next, "version=0.1.0.dev43001\n");
    // A local version cannot become a drill version (PyPI and TestPyPI refuse local parts).
    let (ok, text, written, _) = attempt("1.0+local", &dispatch("42", "1"));
    assert!(!ok && written.is_empty(), "{text}");
    assert!(
        text.contains("::error::The drill version '1.0+local.dev42001'"),
        "{text}"
    );

    // A tag push: today's check, the version from pyproject.toml, the file untouched.
    let push = |tag: &'static str| vec![("GITHUB_EVENT_NAME", "push"), ("GITHUB_REF_NAME", tag)];
    let (ok, text, written, pyproject) = attempt("0.1.0", &push("v0.1.0"));
    assert!(ok, "{text}");
    assert_eq!(written, "version=0.1.0\n");
    assert!(text.contains("Releasing demo-pkg 0.1.0"), "{text}");
    assert_eq!(pyproject, PYPROJECT.replace("VERSION", "0.1.0"));
    let (ok, text, written, _) = attempt("0.1.0", &push("v0.2.0"));
    assert!(!ok && written.is_empty(), "{text}");
    assert!(
        text.contains(
            "::error::Tag 'v0.2.0' does not match version '0.1.0' in pyproject.toml. Set version = '0.2.0' (or tag v0.1.0), then tag again."
        ),
        "{text}"
    );
    let (ok, text, _, _) = attempt("1.0.0", &push("v1.0.0-rc1"));
    assert!(!ok, "{text}");
    assert!(
        text.contains("::error::Tag 'v1.0.0-rc1' is not a normalised PEP 440 version"),
        "{text}"
    );
}

#[test]
fn the_gate_refuses_a_commit_off_the_default_branch() {
    let (_tmp, dest, _) = generate(&[], false);
    let (_, release) = workflow(&dest, "release.yml");
    let script = step_run(
        &release,
        "gate",
        "Check that the commit is on the default branch",
    );
    let steps = release["jobs"]["gate"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|s| s["name"] == "Check that the commit is on the default branch")
        .unwrap();
    assert_eq!(
        step["env"]["DEFAULT_BRANCH"].as_str(),
        Some("${{ github.event.repository.default_branch }}")
    );
    assert!(!script.contains("${{"), "{script}");

    // The repository on GitHub: main with two commits, a side branch with one more.
    let scratch = tempfile::tempdir().unwrap();
    let origin = scratch.path().join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "--quiet", "--initial-branch=main"]);
    git(
        &origin,
        &["commit", "--quiet", "--allow-empty", "-m", "one"],
    );
    git(
        &origin,
        &["commit", "--quiet", "--allow-empty", "-m", "two"],
    );
    let on_main = git(&origin, &["rev-parse", "HEAD~1"]);
    git(&origin, &["switch", "--quiet", "-c", "side"]);
    git(
        &origin,
        &["commit", "--quiet", "--allow-empty", "-m", "side only"],
    );
    let side_only = git(&origin, &["rev-parse", "HEAD"]);
    git(&origin, &["switch", "--quiet", "main"]);
    // What actions/checkout with fetch-depth: 0 leaves: every branch under origin/, the
    // commit checked out detached.
    let work = scratch.path().join("work");
    git(
        scratch.path(),
        &["clone", "--quiet", origin.to_str().unwrap(), "work"],
    );
    let check = |sha: &str, event: &str, name: &str, branch: &str| {
        git(&work, &["checkout", "--quiet", "--detach", sha]);
        run_step(
            &script,
            &work,
            "/usr/bin:/bin",
            &[
                ("DEFAULT_BRANCH", branch),
                ("GITHUB_SHA", sha),
                ("GITHUB_REF_NAME", name),
                ("GITHUB_EVENT_NAME", event),
                ("GIT_CONFIG_NOSYSTEM", "1"),
                ("GIT_CONFIG_GLOBAL", "/dev/null"),
            ],
        )
    };
    let (ok, out) = check(&on_main, "push", "v0.1.0", "main");
    assert!(ok, "{out}");
    assert_eq!(out.trim(), format!("v0.1.0 ({on_main}) is on main."));
    let (ok, out) = check(&side_only, "push", "v0.2.0", "main");
    assert!(!ok, "{out}");
    assert!(
        out.starts_with(&format!(
            "::error::Tag v0.2.0 points at {side_only}, which is not on the default branch main; nothing was published. Merge the change into main first, then delete the tag (git push origin :refs/tags/v0.2.0 && git tag -d v0.2.0) and push it again on the merged commit of main."
        )),
        "{out}"
    );
    // The drill, run by hand from another branch.
    let (ok, out) = check(&side_only, "workflow_dispatch", "side", "main");
    assert!(!ok, "{out}");
    assert!(out.contains("Run the drill from main"), "{out}");
    // A default branch the checkout did not fetch is an error, not a pass.
    let (ok, out) = check(&on_main, "push", "v0.1.0", "trunk");
    assert!(!ok, "{out}");
    assert!(
        out.starts_with("::error::The default branch trunk was not fetched"),
        "{out}"
    );
}

#[test]
fn the_gate_refuses_a_missing_or_stale_lock_file() {
    let (_tmp, dest, _) = generate(&[], false);
    let (_, release) = workflow(&dest, "release.yml");
    let script = step_run(
        &release,
        "gate",
        "Check that uv.lock is committed and up to date",
    );
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    // A stand-in uv that records its arguments and exits with $UV_EXIT.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let uv = bin.join("uv");
    std::fs::write(
        &uv,
        "#!/bin/sh\necho \"$@\" >> \"$UV_ARGS\"\nexit \"${UV_EXIT:-0}\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let args = dir.join("uv-args");
    let args_s = args.display().to_string();
    let env = |exit: &'static str| {
        vec![
            ("UV_ARGS", args_s.clone()),
            ("UV_EXIT", exit.to_string()),
            ("GITHUB_REF_NAME", "v0.1.0".to_string()),
            ("GITHUB_SHA", "c0ffee".to_string()),
        ]
    };
    let go = |exit: &'static str| {
        let env = env(exit);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_step(&script, dir, &path, &env)
    };
    // Missing: refused before uv runs.
    let (ok, out) = go("0");
    assert!(!ok, "{out}");
    assert!(
        out.starts_with("::error::uv.lock is not committed at v0.1.0 (c0ffee); nothing was published. Run `uv lock`, commit uv.lock, push it to the default branch, then tag again"),
        "{out}"
    );
    assert!(!args.exists(), "uv did not run");
    // Present and current: `uv lock --check` passes, the step proceeds.
    std::fs::write(dir.join("uv.lock"), "version = 1\n").unwrap();
    let (ok, out) = go("0");
    assert!(ok, "{out}");
    assert!(
        out.contains("uv.lock is committed and up to date."),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&args).unwrap(), "lock --check\n");
    // Present but stale: uv's check fails, and the error says what to do.
    let (ok, out) = go("1");
    assert!(!ok, "{out}");
    assert!(
        out.contains("::error::uv.lock is out of date with pyproject.toml at v0.1.0 (c0ffee); nothing was published. Run `uv lock` and commit uv.lock"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&args).unwrap(),
        "lock --check\nlock --check\n"
    );
}

/// actionlint checks release.yml's calls against the called files, but only in a git
/// repository (it finds the project by its `.git`): workflow_checkers.rs makes its matrix
/// projects git repositories for this reason.
#[test]
fn actionlint_checks_the_local_reusable_workflow_calls() {
    let (_tmp, dest, _) = generate(&[], false);
    let release = dest.join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&release).unwrap();
    let lint = |dest: &Path| run(tool_command("actionlint").arg(&release).current_dir(dest));
    // An input tests.yml does not declare.
    let broken = text.replacen(
        "    uses: ./.github/workflows/tests.yml",
        "    with:\n      nope: 1\n    uses: ./.github/workflows/tests.yml",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&release, &broken).unwrap();
    let (ok, out) = lint(&dest);
    assert!(
        ok,
        "outside a git repository the call is not checked: {out}"
    );
    git(&dest, &["init", "--quiet"]);
    let (ok, out) = lint(&dest);
    assert!(!ok, "{out}");
    assert!(
        out.contains("input \"nope\" is not defined in \"./.github/workflows/tests.yml\""),
        "{out}"
    );
    // A called file without the workflow_call trigger.
    std::fs::write(&release, &text).unwrap();
    let (ok, out) = lint(&dest);
    assert!(ok, "{out}");
    let lint_yml = dest.join(".github/workflows/lint.yml");
    let lint_text = std::fs::read_to_string(&lint_yml).unwrap();
    std::fs::write(&lint_yml, lint_text.replace("  workflow_call:\n", "")).unwrap();
    let (ok, out) = lint(&dest);
    assert!(!ok, "{out}");
    assert!(out.contains("lint.yml"), "{out}");
}

#[test]
fn next_steps_and_readme_say_to_lock_and_commit() {
    let (_tmp, dest, stdout) = generate(&[], true);
    let steps = stdout
        .split("\nNext steps:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{stdout}"));
    let lines: Vec<&str> = steps.lines().map(str::trim).collect();
    let lock = lines
        .iter()
        .position(|l| l.starts_with("uv lock "))
        .unwrap_or_else(|| panic!("{steps}"));
    assert!(lines[lock].contains("commit it"), "{steps}");
    let commit = lines
        .iter()
        .position(|l| l.starts_with("git add -A && git commit"))
        .unwrap();
    assert!(lock < commit, "lock before the commit: {steps}");
    let readme = std::fs::read_to_string(dest.join("README.md")).unwrap();
    for needle in [
        "run `uv lock` once and commit\n`uv.lock`",
        "`--locked`",
        "RELEASING.md",
    ] {
        assert!(readme.contains(needle), "{needle}: {readme}");
    }
}

#[test]
fn releasing_md_is_managed_and_follows_the_answers() {
    let cases: [(&[&str], bool, bool, bool, bool); 4] = [
        // answers, chora publisher, oidc, testpypi, attestations
        (&["publisher=chora"], true, true, true, true),
        (
            &[
                "publisher=pypa",
                "pypi_auth_method=token",
                "token_secret_name=OUR_TOKEN",
            ],
            false,
            false,
            true,
            false,
        ),
        (
            &["publisher=pypa", "publish_testpypi=false"],
            false,
            true,
            false,
            true,
        ),
        (
            &["publisher=chora", "attestations=false"],
            true,
            true,
            true,
            false,
        ),
    ];
    for (answers, chora_publisher, oidc, testpypi, attestations) in cases {
        let (_tmp, dest, stdout) = generate(answers, false);
        assert!(stdout.contains("managed RELEASING.md"), "{stdout}");
        let text = std::fs::read_to_string(dest.join("RELEASING.md")).unwrap();
        assert!(text.starts_with("<!-- Managed by chora"));
        for needle in [
            "## Cut a release",
            "Run `uv lock` and commit `uv.lock`",
            "T+0",
            "T+15",
            "<https://pypi.org/manage/project/demo-pkg/releases/>",
            "**Options** next to the version, then **Yank**",
            "there is no API for it",
            "<https://pypi.org/help/#file-name-reuse>",
            "`1.2.3.post1`",
            "| `gate` |",
        ] {
            assert!(text.contains(needle), "{needle} ({answers:?})");
        }
        assert_eq!(
            text.contains("chora-ledger-pypi") && text.contains("publisher=chora"),
            chora_publisher,
            "{answers:?}"
        );
        assert_eq!(text.contains("ledger"), chora_publisher, "{answers:?}");
        assert_eq!(text.contains("`invalid-publisher`"), oidc, "{answers:?}");
        if !oidc {
            assert!(text.contains("`OUR_TOKEN`"), "{text}");
        }
        assert_eq!(
            text.contains("**Actions → Release → Run workflow**"),
            testpypi,
            "{answers:?}"
        );
        assert_eq!(text.contains("so it has no drill"), !testpypi);
        assert_eq!(text.contains("`smoke-testpypi`"), testpypi);
        assert_eq!(
            text.contains("`verify-pypi`: provenance"),
            attestations,
            "{answers:?}"
        );
    }
}

#[test]
fn pypi_setup_lets_the_drill_reach_testpypi_only() {
    let rule = "For `staging` only, add a second rule: *Ref type* **Branch**";
    for auth in ["pypi_auth_method=oidc", "pypi_auth_method=token"] {
        let (_tmp, dest, _) = generate(
            &[
                auth,
                "pypi_environment=release",
                "testpypi_environment=staging",
            ],
            false,
        );
        let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
        assert!(setup.contains(rule), "{auth}: {setup}");
        assert!(
            setup.contains("Keep `release` to the `v*`\n   tag rule alone"),
            "{auth}: {setup}"
        );
        let (_tmp, dest, _) = generate(&[auth, "publish_testpypi=false"], false);
        let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
        assert!(!setup.contains("*Ref type* **Branch**"), "{auth}");
    }
}

#[test]
fn the_github_release_notes_start_with_the_pypi_link() {
    let (_tmp, dest, _) = generate(&["project_name=Demo.Pkg"], false);
    let (_, release) = workflow(&dest, "release.yml");
    let script = step_run(&release, "github-release", "Create the release");
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("dist/demo_pkg-1.2.3rc1.tar.gz"), "").unwrap();
    std::fs::create_dir_all(dir.join("attestations")).unwrap();
    std::fs::write(
        dir.join("attestations/demo_pkg-1.2.3rc1.tar.gz.publish.attestation"),
        "",
    )
    .unwrap();
    std::fs::write(dir.join("chora-ledger.jsonl"), "").unwrap();
    // A stand-in gh recording one argument per line.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let gh = bin.join("gh");
    std::fs::write(&gh, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$GH_ARGS\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let step = release["jobs"]["github-release"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Create the release")
        .unwrap()
        .clone();
    assert_eq!(
        step["env"]["VERSION"].as_str(),
        Some("${{ needs.build.outputs.version }}")
    );
    let pypi_url = step["env"]["PYPI_URL"].as_str().unwrap().to_string();
    assert_eq!(pypi_url, "https://pypi.org/project/demo-pkg/");
    let args_file = dir.join("gh-args");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (ok, out) = run_step(
        &script,
        dir,
        &path,
        &[
            ("GH_ARGS", args_file.to_str().unwrap()),
            ("GH_TOKEN", "x"),
            ("TAG", "v1.2.3rc1"),
            ("VERSION", "1.2.3rc1"),
            ("PYPI_URL", &pypi_url),
            ("GITHUB_REPOSITORY", "octo-org/demo-pkg"),
        ],
    );
    assert!(ok, "{out}");
    let args = std::fs::read_to_string(&args_file).unwrap();
    let args: Vec<&str> = args.lines().collect();
    let notes = args.iter().position(|a| *a == "--notes").unwrap();
    assert_eq!(
        args[notes + 1],
        "**PyPI:** https://pypi.org/project/demo-pkg/1.2.3rc1/"
    );
    // gh prepends --notes to the generated notes.
    let generated = args.iter().position(|a| *a == "--generate-notes").unwrap();
    assert!(notes < generated, "{args:?}");
    assert_eq!(args[..3], ["release", "create", "v1.2.3rc1"]);
    assert!(args.contains(&"--prerelease"), "{args:?}");
}
