//! `chora doctor publisher`: a failed run's claims (a JWT, claims JSON, or a log as
//! chora-publish and pypa/gh-action-pypi-publish print it) against the publisher a repository
//! expects — one case per mismatch kind, each asserting the named difference and the fix;
//! end to end with a real refusal from the PyPI stand-in; and the refusals of bad input.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use standin::oidc::{Claims, GithubOidc};
use standin::pypi::{GithubPublisher, Index};

/// A chora project for octo-org/demo-pkg (PyPI environment `pypi`, TestPyPI `testpypi`).
struct Project {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    dir: PathBuf,
}

fn project() -> Project {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dir = tmp.path().join("demo-pkg");
    let mut cmd = support::chora(&home);
    cmd.arg("new").arg(&dir).arg("--defaults").arg("--no-git");
    for answer in support::with_standard_answers(&[]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    Project {
        _tmp: tmp,
        home,
        dir,
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Project {
    fn doctor(&self, args: &[&str], stdin: Option<&str>) -> Run {
        doctor_in(&self.home, &self.dir, args, stdin)
    }

    /// `doctor publisher --claims JSON --format json` for these claims.
    fn json(&self, claims: &Claims, extra: &[&str]) -> (i32, Value) {
        let text = claims.to_json("pypi", "jti-1").to_string();
        let mut args = vec!["--claims", text.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let run = self.doctor(&args, None);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        (run.code, value)
    }
}

fn doctor_in(home: &Path, dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora"));
    cmd.current_dir(dir)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["doctor", "publisher"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The kinds of the differences found, in order.
fn kinds(report: &Value) -> Vec<String> {
    report["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_string())
        .collect()
}

fn fix(report: &Value, index: usize) -> String {
    report["differences"][index]["fix"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The stand-in's default claims: octo-org/demo-pkg, release.yml, environment pypi, a tag push.
fn good() -> Claims {
    Claims::default()
}

#[test]
fn matching_claims_find_no_difference_and_point_at_the_index_side() {
    let p = project();
    let (code, report) = p.json(&good(), &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(kinds(&report), Vec::<String>::new());
    assert_eq!(report["expected"]["repository"]["value"], "demo-pkg");
    assert_eq!(
        report["expected"]["environment"]["from"],
        ".chora-answers.yml: pypi_environment"
    );
    let text = p.doctor(
        &["--claims", &good().to_json("pypi", "j").to_string()],
        None,
    );
    assert_eq!(text.code, 0);
    assert!(
        text.stdout
            .contains("The claims match what this repository expects"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_renamed_repository_is_named_with_the_new_publisher_and_the_update() {
    let p = project();
    let (code, report) = p.json(&good().repo("octo-org/demo-package"), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["repository-renamed"]);
    assert_eq!(
        report["differences"][0]["observed"],
        "octo-org/demo-package"
    );
    assert_eq!(report["differences"][0]["expected"], "octo-org/demo-pkg");
    let fix = fix(&report, 0);
    assert!(
        fix.contains("add a publisher for octo-org/demo-package"),
        "{fix}"
    );
    assert!(
        fix.contains("chora update --data github_repository=demo-package"),
        "{fix}"
    );
    assert_eq!(
        report["matching_publisher_link"],
        "https://pypi.org/manage/project/demo-pkg/settings/publishing/?provider=github&owner=octo-org&repository=demo-package&workflow_filename=release.yml&environment=pypi"
    );
}

#[test]
fn a_transferred_repository_is_named() {
    let p = project();
    let (code, report) = p.json(&good().repo("new-org/demo-pkg"), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["repository-transferred"]);
    assert!(fix(&report, 0).contains("belongs to new-org, not octo-org"));
    assert!(fix(&report, 0).contains("chora update --data github_owner=new-org"));
}

#[test]
fn an_owner_id_that_changed_is_the_resurrection_check() {
    let p = project();
    let (code, report) = p.json(&good(), &["--owner-id", "999"]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["owner-id"]);
    assert_eq!(report["differences"][0]["observed"], "1000001");
    assert!(fix(&report, 0).contains("no resurrection"), "{report}");
    // The same id: no difference.
    let (code, report) = p.json(&good(), &["--owner-id", "1000001"]);
    assert_eq!((code, kinds(&report).len()), (0, 0));
}

#[test]
fn another_workflow_file_is_named_with_both_ways_out() {
    let p = project();
    let (code, report) = p.json(&good().workflow_file("publish.yml"), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["workflow-file"]);
    assert_eq!(report["differences"][0]["observed"], "publish.yml");
    assert_eq!(report["differences"][0]["expected"], "release.yml");
    assert!(fix(&report, 0).contains("register publish.yml on pypi.org"));
}

#[test]
fn a_missing_or_different_environment_says_what_to_set_on_the_job() {
    let p = project();
    let (code, report) = p.json(&good().environment(None), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["environment-missing"]);
    assert!(fix(&report, 0).contains("add `environment: pypi` to that job"));
    let (code, report) = p.json(&good().environment(Some("release")), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["environment-differs"]);
    assert!(fix(&report, 0).contains("set `environment: pypi`"));
    // Environment names compare case-insensitively, as PyPI does.
    let (code, _) = p.json(&good().environment(Some("PyPI")), &[]);
    assert_eq!(code, 0);
    // TestPyPI's publisher has the TestPyPI environment.
    let (code, report) = p.json(
        &good().environment(Some("testpypi")),
        &["--index", "testpypi"],
    );
    assert_eq!((code, report["index"].clone()), (0, json!("test.pypi.org")));
}

#[test]
fn a_reusable_workflow_is_named_instead_of_a_workflow_file() {
    let p = project();
    let claims = good().reusable("octo-org/shared/.github/workflows/publish.yml@refs/heads/main");
    let (code, report) = p.json(&claims, &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["reusable-workflow"]);
    assert!(
        fix(&report, 0).contains("move the publishing job"),
        "{report}"
    );
    assert_eq!(report["matching_publisher_link"], Value::Null);
}

#[test]
fn pull_request_events_are_named() {
    let p = project();
    let (code, report) = p.json(&good().event("pull_request_target"), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["pull-request-target"]);
    let (code, report) = p.json(&good().event("pull_request").environment(Some("pypi")), &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["pull-request"]);
}

#[test]
fn a_customised_sub_gets_the_reset_command() {
    let p = project();
    let mut claims = good();
    claims.sub = Some("repository_owner_id:1000001:repository_id:2000002".into());
    let (code, report) = p.json(&claims, &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["custom-sub"]);
    assert!(
        fix(&report, 0).contains(
            "gh api -X PUT repos/octo-org/demo-pkg/actions/oidc/customization/sub -F use_default=true"
        ),
        "{report}"
    );
}

#[test]
fn a_token_from_another_issuer_is_named() {
    let p = project();
    let mut claims = good();
    claims.issuer = "https://gitlab.com".into();
    let (code, report) = p.json(&claims, &[]);
    assert_eq!(code, 1);
    assert_eq!(kinds(&report), ["not-github"]);
}

#[test]
fn several_differences_are_all_named() {
    let p = project();
    let claims = good()
        .repo("octo-org/renamed")
        .workflow_file("ci.yml")
        .environment(None);
    let (code, report) = p.json(&claims, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        kinds(&report),
        ["repository-renamed", "workflow-file", "environment-missing"]
    );
}

/// A pypa/gh-action-pypi-publish log (its refusal and claims block, with GitHub Actions
/// timestamps and an earlier step's echoed inputs) is read as the action prints it.
#[test]
fn a_pypa_action_log_is_read() {
    let p = project();
    let log = "\
2026-11-30T10:00:00.1000000Z ##[group]Run actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
2026-11-30T10:00:00.1000000Z with:
2026-11-30T10:00:00.1000000Z   repository: octo-org/demo-pkg
2026-11-30T10:00:00.2000000Z ##[endgroup]
2026-11-30T10:00:05.0000000Z Checking for trusted publishing on https://test.pypi.org/legacy/
2026-11-30T10:00:05.1000000Z Error: Trusted publishing exchange failure:
2026-11-30T10:00:05.1000000Z Token request failed: the server refused the request for the following reasons:
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z * `invalid-publisher`: valid token, but no corresponding publisher (Publisher with matching claims was not found)
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z This generally indicates a trusted publisher configuration error, but could
2026-11-30T10:00:05.1000000Z also indicate an internal error on GitHub or PyPI's part.
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z The claims rendered below are **for debugging purposes only**. You should **not**
2026-11-30T10:00:05.1000000Z use them to configure a trusted publisher unless they already match your expectations.
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z If a claim is not present in the claim set, then it is rendered as `MISSING`.
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z * `sub`: `repo:octo-org/demo-pkg:ref:refs/tags/v0.1.0`
2026-11-30T10:00:05.1000000Z * `repository`: `octo-org/demo-pkg`
2026-11-30T10:00:05.1000000Z * `repository_owner`: `octo-org`
2026-11-30T10:00:05.1000000Z * `repository_owner_id`: `1000001`
2026-11-30T10:00:05.1000000Z * `workflow_ref`: `octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v0.1.0`
2026-11-30T10:00:05.1000000Z * `job_workflow_ref`: `octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v0.1.0`
2026-11-30T10:00:05.1000000Z * `ref`: `refs/tags/v0.1.0`
2026-11-30T10:00:05.1000000Z * `environment`: `MISSING`
2026-11-30T10:00:05.1000000Z
2026-11-30T10:00:05.1000000Z See https://docs.pypi.org/trusted-publishers/troubleshooting/ for more help.
";
    let path = p.dir.join("job.log");
    std::fs::write(&path, log).unwrap();
    let run = p.doctor(&["--log", "job.log", "--format", "json"], None);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    // The log talked to TestPyPI, so the TestPyPI publisher (environment testpypi) is checked.
    assert_eq!(report["index"], "test.pypi.org");
    assert_eq!(kinds(&report), ["environment-missing"]);
    assert_eq!(report["differences"][0]["expected"], "testpypi");
    assert_eq!(report["refusals"][0]["code"], "invalid-publisher");
    assert_eq!(report["claims"]["environment"], Value::Null);
    assert_eq!(report["claims"]["repository_owner_id"], "1000001");
}

/// End to end: chora-publish's real refusal (the PyPI stand-in has a publisher with the
/// environment `pypi`; the job runs without one) is turned into the one setting to change —
/// from its log, and from the very identity token (on standard input), never printed.
#[test]
fn chora_publishs_own_refusal_becomes_the_setting_to_change() {
    let p = project();
    let oidc = GithubOidc::start_with(good().environment(None), standin::jwt::Alg::Es256);
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_github_publisher("demo-pkg", GithubPublisher::matching(&good()));
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    std::fs::write(dist.join(&wheel.filename), &wheel.data).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "10")
        .envs(oidc.env_vars())
        .args(["upload", "--repository-url", &index.upload_url()])
        .arg(format!("dist/{}", wheel.filename))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(log.contains("invalid-publisher"), "{log}");
    assert!(
        log.contains("run `chora doctor publisher --log FILE` in the repository"),
        "the refusal points at the doctor: {log}"
    );
    std::fs::write(p.dir.join("publish.log"), &log).unwrap();

    let run = p.doctor(&["--log", "publish.log"], None);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("1 difference(s):")
            && run
                .stdout
                .contains("- environment-missing: `environment` is (missing), expected \"pypi\""),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("add `environment: pypi` to that job"));

    let issued = oidc.issued();
    assert!(!issued.is_empty());
    let jwt = issued[0].jwt.clone();
    let run = p.doctor(&["--claims", "-", "--format", "json"], Some(&jwt));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(kinds(&report), ["environment-missing"]);
    let payload = jwt.split('.').nth(1).unwrap();
    for text in [&run.stdout, &run.stderr] {
        assert!(
            !text.contains(&jwt) && !text.contains(payload),
            "token printed"
        );
    }
}

/// Outside a chora project the expected publisher comes from the workflow that publishes, the
/// origin remote and pyproject.toml; flags override; with none of them it is refused.
#[test]
fn a_repository_without_chora_is_read_from_its_workflow_remote_and_pyproject() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    std::fs::write(
        dir.join(".github/workflows/publish.yml"),
        "name: Publish\non:\n  push:\n    tags: ['v*']\npermissions: {}\njobs:\n  upload:\n    runs-on: ubuntu-latest\n    environment: release\n    permissions:\n      id-token: write\n    steps:\n      - uses: pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33 # v1.14.2\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"demo-pkg\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    let repo = git2::Repository::init(&dir).unwrap();
    repo.remote("origin", "https://github.com/octo-org/demo-pkg.git")
        .unwrap();
    let claims = good().to_json("pypi", "j").to_string();
    let run = doctor_in(
        &home,
        &dir,
        &["--claims", &claims, "--format", "json"],
        None,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(kinds(&report), ["workflow-file", "environment-differs"]);
    assert_eq!(report["expected"]["workflow"]["value"], "publish.yml");
    assert_eq!(
        report["expected"]["environment"]["from"],
        ".github/workflows/publish.yml: jobs.upload.environment"
    );
    assert_eq!(report["expected"]["owner"]["from"], "git remote origin");
    assert_eq!(
        report["expected"]["project"]["from"],
        "pyproject.toml [project].name"
    );
    // Flags win over what the repository says.
    let run = doctor_in(
        &home,
        &dir,
        &[
            "--claims",
            &claims,
            "--workflow",
            "release.yml",
            "--environment",
            "pypi",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);

    // An empty folder says nothing: refused with the flags to give, unless they are given.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run = doctor_in(&home, &empty, &["--claims", &claims], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--repository OWNER/REPO --workflow FILE"),
        "{}",
        run.stderr
    );
    let run = doctor_in(
        &home,
        &empty,
        &[
            "--claims",
            &claims,
            "--repository",
            "octo-org/demo-pkg",
            "--workflow",
            "release.yml",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn bad_input_is_refused_with_the_next_step() {
    let p = project();
    let run = p.doctor(&[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("give --claims"), "{}", run.stderr);
    std::fs::write(p.dir.join("empty.log"), "nothing to see\n").unwrap();
    let run = p.doctor(&["--log", "empty.log"], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("shows no identity claims"),
        "{}",
        run.stderr
    );
    let run = p.doctor(&["--claims", "not-a-token"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("expected a JWT"), "{}", run.stderr);
    let run = p.doctor(&["--claims", "a.b.c"], None);
    assert_eq!(run.code, 2);
    let run = p.doctor(&["--log", "missing.log"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.log"), "{}", run.stderr);
    let run = p.doctor(&["--claims", "{}", "--repository", "no-slash"], None);
    assert_eq!(run.code, 2);
}

/// Claims come from a hostile log or token: control characters and workflow commands in
/// them are escaped, never printed raw.
#[test]
fn hostile_claim_values_are_escaped() {
    let p = project();
    let claims = json!({
        "iss": "https://token.actions.githubusercontent.com",
        "repository": "octo-org/demo\u{1b}[31mpkg",
        "repository_owner": "octo-org",
        "job_workflow_ref": "octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v1",
        "workflow_ref": "octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v1",
        "environment": "pypi",
        "sub": "::add-mask::x",
    })
    .to_string();
    let run = p.doctor(&["--claims", &claims], None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(run.stdout.contains("\\x1b[31m"), "{}", run.stdout);
    assert!(
        !run.stdout.lines().any(|l| l.trim_start().starts_with("::")),
        "{}",
        run.stdout
    );
}

#[test]
fn help_has_examples_and_exit_statuses() {
    let out = assert_cmd::Command::cargo_bin("chora")
        .unwrap()
        .args(["doctor", "publisher", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("chora doctor publisher --log"));
    assert!(help.contains("Exit status:") && help.contains("1  differences found"));
}
