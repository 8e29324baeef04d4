//! What the release spec lists beyond the release workflow (issue 14 item 7), in generated
//! projects: the Codecov workflow (OIDC, no token, only with `codecov`), the Safety job and its
//! policy file (only with `safety`; the empty-secret path run for real), pip-audit's severity
//! handling (the step's script run for real against a stand-in OSV server), Bandit (run for real
//! on a generated project), release-note categories, Dependabot labels and schedule, CODEOWNERS,
//! the PR and issue templates, CONTRIBUTING's conventional commits, SECURITY.md's private
//! reporting step, and pyproject's maintainers and Documentation URL.

mod support;
use support::git_home as git;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use support::{chora, run, tool_command, with_standard_answers};
use yaml_serde::Value;

/// Everything this file's pieces add, switched on.
const ALL_ON: &[&str] = &["codecov=true", "safety=true", "bandit=true"];

/// A project generated with the standard answers plus `extra` (no git repository).
fn project(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--defaults").arg("--no-git");
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    (out, dest)
}

fn read(dest: &Path, rel: &str) -> String {
    std::fs::read_to_string(dest.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(dest: &Path, rel: &str) -> Value {
    yaml_serde::from_str(&read(dest, rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn seq(value: &Value) -> Vec<Value> {
    value.as_sequence().cloned().unwrap_or_default()
}

fn strings(value: &Value) -> Vec<String> {
    seq(value)
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn job_names(workflow: &Value) -> Vec<String> {
    workflow["jobs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// The step called `name` of `job`: its `run:` script and its `env:`.
fn step(workflow: &Value, job: &str, name: &str) -> (Value, String, Vec<(String, String)>) {
    let step = seq(&workflow["jobs"][job]["steps"])
        .into_iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step {name:?} in {job}"));
    let env = step["env"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().to_string(),
                        v.as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let script = step["run"].as_str().unwrap_or_default().to_string();
    (step, script, env)
}

/// A folder with a fake `uvx` first on PATH: it appends its arguments to `uvx.log`, writes the
/// file named by `FAKE_REPORT` to the path after `--output` (as pip-audit does), and exits
/// with `FAKE_STATUS`.
fn fake_uvx(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("uvx");
    std::fs::write(
        &script,
        r#"#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_LOG"
out=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--output" ]; then out="$2"; fi
  shift
done
if [ -n "$out" ] && [ -n "${FAKE_REPORT:-}" ]; then cp "$FAKE_REPORT" "$out"; fi
exit "${FAKE_STATUS:-0}"
"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Run a step's script with bash in `cwd`, the fake uvx first on PATH, and `env`.
fn run_step(cwd: &Path, bin: &Path, script: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // As GitHub runs a `run:` script with `shell: bash`.
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(script)
        .current_dir(cwd)
        .env("PATH", path)
        .env("FAKE_LOG", cwd.join("uvx.log"))
        .env_remove("OSV_API_URL")
        .env_remove("SAFETY_API_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

// ---------------------------------------------------------------------------------------------
// Codecov
// ---------------------------------------------------------------------------------------------

#[test]
fn coverage_workflow_exists_only_with_codecov_and_uploads_with_oidc_and_no_token() {
    let (_off_tmp, off) = project(&[]);
    assert!(
        !off.join(".github/workflows/coverage.yml").exists(),
        "no coverage.yml without codecov"
    );
    // Coverage XML is written without codecov too.
    let doc: toml_edit::DocumentMut = read(&off, "pyproject.toml").parse().unwrap();
    let addopts: Vec<&str> = doc["tool"]["pytest"]["ini_options"]["addopts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(addopts.contains(&"--cov-report=xml"), "{addopts:?}");
    assert!(
        addopts.contains(&"--cov-report=term-missing"),
        "{addopts:?}"
    );

    let (_tmp, dest) = project(&["codecov=true"]);
    let text = read(&dest, ".github/workflows/coverage.yml");
    assert!(text.starts_with("# Managed by chora"), "{text}");
    assert!(!text.contains("secrets."), "no Codecov token:\n{text}");
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("token:")),
        "no token input:\n{text}"
    );
    // The comment says why it is a workflow of its own.
    for words in [
        "release.yml calls tests.yml",
        "publish jobs",
        "id-token: write",
    ] {
        assert!(text.contains(words), "{words:?} explained:\n{text}");
    }
    let wf: Value = yaml_serde::from_str(&text).unwrap();
    assert_eq!(strings(&wf["on"]["push"]["branches"]), ["main"]);
    assert!(
        wf["on"].as_mapping().unwrap().contains_key("pull_request"),
        "runs on pull requests"
    );
    assert!(
        wf["on"]["workflow_call"].is_null(),
        "never called by the release"
    );
    assert!(wf["permissions"].as_mapping().unwrap().is_empty());
    assert_eq!(job_names(&wf), ["upload"]);
    let job = &wf["jobs"]["upload"];
    let perms = job["permissions"].as_mapping().unwrap();
    assert_eq!(perms.len(), 2, "{perms:?}");
    assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
    assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));

    // The tests run once, on the newest Python of the matrix.
    let versions = yaml(&dest, ".chora-answers.yml")["answers"]["python_versions"].clone();
    let newest = seq(&versions).last().unwrap().as_str().unwrap().to_string();
    let (_, script, _) = step(&wf, "upload", "Run the tests with coverage");
    assert_eq!(
        script.trim(),
        format!("uv run --locked --python \"{newest}\" pytest")
    );

    let (upload, _, _) = step(&wf, "upload", "Upload coverage to Codecov");
    assert!(
        upload["uses"]
            .as_str()
            .unwrap()
            .starts_with("codecov/codecov-action@fb8b3582c8e4def4969c97caa2f19720cb33a72f"),
        "pinned by SHA: {:?}",
        upload["uses"]
    );
    assert_eq!(upload["with"]["use_oidc"], Value::Bool(true));
    assert_eq!(upload["with"]["files"].as_str(), Some("coverage.xml"));
    assert!(upload["with"]["token"].is_null());
    // Fork pull requests get no OIDC token: the upload is skipped there, with a notice.
    let condition = upload["if"].as_str().unwrap();
    assert!(
        condition.contains("github.event.pull_request.head.repo.full_name == github.repository")
            && condition.contains("github.event_name == 'push'"),
        "{condition}"
    );
    let (notice, script, _) = step(&wf, "upload", "Say why a fork's coverage is not uploaded");
    let notice_if = notice["if"].as_str().unwrap();
    assert!(
        notice_if.contains("!= github.repository") && notice_if.contains("pull_request"),
        "{notice_if}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_uvx(dir.path());
    let (code, output) = run_step(dir.path(), &bin, &script, &[]);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.starts_with("::notice title=Coverage not uploaded::")
            && output.contains("no OIDC token"),
        "{output}"
    );
}

/// With every option on, `id-token: write` is held by coverage.yml's upload job and by the
/// release's publish jobs, and by no other job.
#[test]
fn id_token_is_granted_only_to_the_coverage_upload_and_the_publish_jobs() {
    let (_tmp, dest) = project(ALL_ON);
    let mut holders = Vec::new();
    let mut jobs = 0;
    for file in support::workflow_files(&dest) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let wf: Value = yaml_serde::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for job in job_names(&wf) {
            jobs += 1;
            if wf["jobs"][&job]["permissions"]["id-token"].as_str() == Some("write") {
                holders.push(format!("{name}/{job}"));
            }
        }
    }
    holders.sort();
    let coverage = holders
        .iter()
        .filter(|h| h.starts_with("coverage.yml/"))
        .collect::<Vec<_>>();
    assert_eq!(coverage, ["coverage.yml/upload"], "{holders:?}");
    let others: Vec<&String> = holders
        .iter()
        .filter(|h| !h.starts_with("coverage.yml/"))
        .collect();
    assert!(!others.is_empty(), "{holders:?}");
    for holder in &others {
        assert!(
            holder.starts_with("release.yml/publish"),
            "{holder} must not get id-token: {holders:?}"
        );
    }
    assert!(jobs > holders.len(), "{jobs} jobs, {holders:?}");
}

// ---------------------------------------------------------------------------------------------
// Safety
// ---------------------------------------------------------------------------------------------

#[test]
fn safety_job_and_policy_exist_only_with_safety_and_take_the_key_only_through_env() {
    let (_off_tmp, off) = project(&[]);
    let off_wf = yaml(&off, ".github/workflows/security.yml");
    assert!(!job_names(&off_wf).contains(&"safety".to_string()));
    assert!(!off.join(".safety-policy.yml").exists());
    assert!(!read(&off, ".github/workflows/security.yml").contains("SAFETY_API_KEY"));

    let (_tmp, dest) = project(&["safety=true"]);
    let text = read(&dest, ".github/workflows/security.yml");
    let wf: Value = yaml_serde::from_str(&text).unwrap();
    assert!(job_names(&wf).contains(&"safety".to_string()));
    let job = &wf["jobs"]["safety"];
    assert_eq!(
        job["permissions"].as_mapping().unwrap().len(),
        1,
        "contents: read only"
    );
    assert_eq!(job["permissions"]["contents"].as_str(), Some("read"));
    // The secret appears once, as the step's env; no script and no job-level env reads it.
    assert_eq!(text.matches("secrets.").count(), 1, "{text}");
    let (_, script, env) = step(&wf, "safety", "Run Safety");
    assert_eq!(
        env,
        [(
            "SAFETY_API_KEY".to_string(),
            "${{ secrets.SAFETY_API_KEY }}".to_string()
        )]
    );
    assert!(job["env"].is_null());
    assert!(!script.contains("${{"), "{script}");
    assert!(
        script.contains("uvx safety@3.8.1 --stage cicd scan --target \"$RUNNER_TEMP/safety\" --policy-file .safety-policy.yml"),
        "pinned by version, the policy file, the exported folder:\n{script}"
    );
    let (_, export, _) = step(&wf, "safety", "Export the locked dependencies");
    assert!(
        export.contains("uv export --locked --format requirements-txt")
            && export.contains("--output-file \"$RUNNER_TEMP/safety/requirements.txt\""),
        "{export}"
    );

    // The seed policy file is not managed.
    let answers = read(&dest, ".chora-answers.yml");
    assert!(answers.contains(".github/workflows/security.yml:"));
    assert!(!answers.contains(".safety-policy.yml"), "{answers}");

    let work = tempfile::tempdir().unwrap();
    let bin = fake_uvx(work.path());
    let temp = work.path().join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let temp_s = temp.to_string_lossy().into_owned();

    // An empty key (a fork's pull request, or not added yet): a warning naming the secret and
    // where to add it, success, and no scan.
    let (code, output) = run_step(
        work.path(),
        &bin,
        &script,
        &[("SAFETY_API_KEY", ""), ("RUNNER_TEMP", &temp_s)],
    );
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.starts_with("::warning title=Safety scan skipped::"),
        "{output}"
    );
    for words in [
        "SAFETY_API_KEY",
        "Settings > Secrets and variables > Actions",
        "fork",
    ] {
        assert!(output.contains(words), "{words:?} in {output}");
    }
    assert!(!work.path().join("uvx.log").exists(), "Safety must not run");

    // With a key, Safety scans, and its failure fails the step.
    let (code, output) = run_step(
        work.path(),
        &bin,
        &script,
        &[
            ("SAFETY_API_KEY", "k-123"),
            ("RUNNER_TEMP", &temp_s),
            ("FAKE_STATUS", "64"),
        ],
    );
    assert_eq!(code, Some(64), "{output}");
    let log = std::fs::read_to_string(work.path().join("uvx.log")).unwrap();
    assert_eq!(
        log,
        format!(
            "safety@3.8.1 --stage cicd scan --target {temp_s}/safety --policy-file .safety-policy.yml\n"
        )
    );
    assert!(!log.contains("k-123"), "the key is not on the command line");
}

/// The seed `.safety-policy.yml` is a valid Safety 3 policy: parsed by Safety's own schema
/// (safety-schemas, installed with safety 3.8.1 from PyPI), which refuses unknown keys. It
/// fails the scan on critical and high only, like the pip-audit job.
#[test]
fn the_safety_policy_seed_is_valid_for_safety_3() {
    let (_tmp, dest) = project(&["safety=true"]);
    let policy = yaml(&dest, ".safety-policy.yml");
    assert_eq!(policy["version"].as_str(), Some("3.0"));
    assert_eq!(
        strings(
            &policy["fail-scan-with-exit-code"]["dependency-vulnerabilities"]["fail-on-any-of"]["cvss-severity"]
        ),
        ["critical", "high"]
    );
    let check = "import sys, yaml\n\
from safety_schemas.config.schemas.v3_0.main import Config\n\
config = Config.parse_obj(yaml.safe_load(open(sys.argv[1])))\n\
print(sorted(s.value for s in config.fail_scan.dependency_vulnerabilities.fail_on_any_of.cvss_severity))\n";
    let mut cmd = tool_command("uv");
    cmd.args([
        "run",
        "--no-project",
        "--with",
        "safety==3.8.1",
        "python",
        "-c",
    ])
    .arg(check)
    .arg(dest.join(".safety-policy.yml"))
    .current_dir(&dest);
    let (ok, output) = run(&mut cmd);
    assert!(ok, "Safety's schema refuses the seed:\n{output}");
    assert!(output.contains("['critical', 'high']"), "{output}");

    // The same check refuses a policy with a misspelt section, so it really validates.
    let bad = dest.join("bad-policy.yml");
    std::fs::write(&bad, "version: '3.0'\nfail-scan-on-exit-code: {}\n").unwrap();
    let mut cmd = tool_command("uv");
    cmd.args([
        "run",
        "--no-project",
        "--with",
        "safety==3.8.1",
        "python",
        "-c",
    ])
    .arg(check)
    .arg(&bad)
    .current_dir(&dest);
    let (ok, output) = run(&mut cmd);
    assert!(!ok, "a misspelt section must be refused:\n{output}");
}

// ---------------------------------------------------------------------------------------------
// pip-audit severity
// ---------------------------------------------------------------------------------------------

/// A stand-in for OSV's `GET /v1/vulns/<id>`: known ids answer with their record, others 404.
/// Returns its base URL and the paths it was asked for.
fn osv_standin(records: HashMap<String, String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) => break,
                    Ok(_) if line == "\r\n" || line == "\n" => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_string();
            seen.lock().unwrap().push(path.clone());
            let id = path.strip_prefix("/v1/vulns/").unwrap_or_default();
            let (status, body) = match records.get(id) {
                Some(body) => ("200 OK", body.clone()),
                None => (
                    "404 Not Found",
                    r#"{"code":5,"message":"Bug not found."}"#.into(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, asked)
}

/// One finding of a pip-audit report: package name, version, id, aliases, fix versions.
type Finding<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);

/// A pip-audit JSON report with one dependency per finding, and one without any.
fn audit_report(vulns: &[Finding]) -> String {
    let deps: Vec<serde_json::Value> = vulns
        .iter()
        .map(|(name, version, id, aliases, fixes)| {
            serde_json::json!({
                "name": name,
                "version": version,
                "vulns": [{"id": id, "fix_versions": fixes, "aliases": aliases, "description": "x"}],
            })
        })
        .chain([serde_json::json!({"name": "safe-dep", "version": "1.0", "vulns": []})])
        .collect();
    serde_json::json!({"dependencies": deps, "fixes": []}).to_string()
}

struct Audit {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    bin: PathBuf,
    script: String,
}

fn pip_audit_step() -> Audit {
    let (_tmp, dest) = project(&[]);
    let wf = yaml(&dest, ".github/workflows/security.yml");
    let (_, script, env) = step(&wf, "pip-audit", "Run pip-audit");
    // The workflow leaves OSV's address alone: only tests set OSV_API_URL.
    assert!(env.is_empty(), "{env:?}");
    assert!(!read(&dest, ".github/workflows/security.yml").contains("OSV_API_URL:"));
    assert!(script.contains("https://api.osv.dev"), "{script}");
    assert!(
        script.contains("uvx pip-audit@2.10.1 --strict --disable-pip --require-hashes"),
        "{script}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bin = fake_uvx(dir.path());
    Audit {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        bin,
        script,
    }
}

impl Audit {
    fn run(&self, report: &str, status: &str, osv: &str) -> (Option<i32>, String) {
        let report_file = self.dir.join("report.json");
        std::fs::write(&report_file, report).unwrap();
        let temp = self.dir.join("runner-temp");
        std::fs::create_dir_all(&temp).unwrap();
        // An empty report: pip-audit writes none.
        let report_path = if report.is_empty() {
            String::new()
        } else {
            report_file.to_string_lossy().into_owned()
        };
        run_step(
            &self.dir,
            &self.bin,
            &self.script,
            &[
                ("RUNNER_TEMP", &temp.to_string_lossy()),
                ("FAKE_REPORT", &report_path),
                ("FAKE_STATUS", status),
                ("OSV_API_URL", osv),
            ],
        )
    }
}

fn annotations<'a>(output: &'a str, kind: &str) -> Vec<&'a str> {
    output
        .lines()
        .filter(|l| l.starts_with(&format!("::{kind} ")))
        .collect()
}

#[test]
fn pip_audit_fails_on_high_and_critical_and_warns_on_medium_and_low() {
    let audit = pip_audit_step();
    let ghsa = |severity: &str| {
        serde_json::json!({"id": "x", "database_specific": {"severity": severity}}).to_string()
    };
    let cvss = |vector: &str| {
        serde_json::json!({"id": "x", "severity": [{"type": "CVSS_V3", "score": vector}]})
            .to_string()
    };
    let records: HashMap<String, String> = [
        ("GHSA-hhhh-hhhh-hhhh", ghsa("HIGH")),
        ("GHSA-mmmm-mmmm-mmmm", ghsa("MODERATE")),
        ("GHSA-llll-llll-llll", ghsa("LOW")),
        // A PYSEC record without severity whose CVE alias has a CVSS v3.1 vector.
        ("PYSEC-2026-1", r#"{"id": "PYSEC-2026-1"}"#.to_string()),
        (
            "CVE-2026-0001",
            cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), // 9.8, critical
        ),
        ("PYSEC-2026-2", r#"{"id": "PYSEC-2026-2"}"#.to_string()),
        (
            "CVE-2026-0002",
            cvss("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), // 5.5, medium
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let (osv, asked) = osv_standin(records);

    // High fails, naming package, version, id, severity and the fix versions.
    let report = audit_report(&[(
        "jinja2",
        "3.1.3",
        "GHSA-hhhh-hhhh-hhhh",
        &["CVE-2026-9999"],
        &["3.1.4"],
    )]);
    let (code, output) = audit.run(&report, "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    let errors = annotations(&output, "error");
    assert_eq!(errors.len(), 1, "{output}");
    for words in [
        "jinja2 3.1.3",
        "GHSA-hhhh-hhhh-hhhh",
        "HIGH",
        "fixed in 3.1.4",
    ] {
        assert!(errors[0].contains(words), "{words:?} in {}", errors[0]);
    }
    assert!(annotations(&output, "warning").is_empty(), "{output}");
    // The id and its alias were both looked up.
    let paths = asked.lock().unwrap().clone();
    assert!(
        paths.contains(&"/v1/vulns/GHSA-hhhh-hhhh-hhhh".to_string())
            && paths.contains(&"/v1/vulns/CVE-2026-9999".to_string()),
        "{paths:?}"
    );

    // Critical from a CVSS base score (no GHSA severity) fails too.
    let report = audit_report(&[("urllib3", "2.0.0", "PYSEC-2026-1", &["CVE-2026-0001"], &[])]);
    let (code, output) = audit.run(&report, "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    let errors = annotations(&output, "error");
    assert_eq!(errors.len(), 1, "{output}");
    assert!(
        errors[0].contains("CRITICAL") && errors[0].contains("no fixed release yet"),
        "{}",
        errors[0]
    );

    // Medium (GHSA's MODERATE, and a 5.5 CVSS score) and low warn, and the job passes.
    let report = audit_report(&[
        (
            "requests",
            "2.31.0",
            "GHSA-mmmm-mmmm-mmmm",
            &[],
            &["2.32.0", "2.32.1"],
        ),
        ("idna", "3.6", "PYSEC-2026-2", &["CVE-2026-0002"], &["3.7"]),
        (
            "certifi",
            "2024.1.1",
            "GHSA-llll-llll-llll",
            &[],
            &["2024.7.4"],
        ),
    ]);
    let (code, output) = audit.run(&report, "1", &osv);
    assert_eq!(code, Some(0), "{output}");
    assert!(annotations(&output, "error").is_empty(), "{output}");
    let warnings = annotations(&output, "warning");
    assert_eq!(warnings.len(), 3, "{output}");
    assert!(
        warnings[0].contains("requests 2.31.0")
            && warnings[0].contains("MEDIUM")
            && warnings[0].contains("fixed in 2.32.0, 2.32.1"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("idna 3.6") && warnings[1].contains("MEDIUM"),
        "{}",
        warnings[1]
    );
    assert!(warnings[2].contains("LOW"), "{}", warnings[2]);

    // A medium beside a high still fails.
    let report = audit_report(&[
        ("requests", "2.31.0", "GHSA-mmmm-mmmm-mmmm", &[], &[]),
        ("jinja2", "3.1.3", "GHSA-hhhh-hhhh-hhhh", &[], &[]),
    ]);
    let (code, output) = audit.run(&report, "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    assert_eq!(annotations(&output, "warning").len(), 1, "{output}");
    assert_eq!(annotations(&output, "error").len(), 1, "{output}");
}

#[test]
fn pip_audit_fails_closed_on_unknown_severity_and_when_osv_is_down() {
    let audit = pip_audit_step();
    let (osv, _) = osv_standin(HashMap::from([(
        "PYSEC-2026-3".to_string(),
        r#"{"id": "PYSEC-2026-3", "severity": []}"#.to_string(),
    )]));

    // Unknown: OSV has no severity for the id, and does not know its alias.
    let report = audit_report(&[(
        "lxml",
        "5.0.0",
        "PYSEC-2026-3",
        &["CVE-2026-7777"],
        &["5.1"],
    )]);
    let (code, output) = audit.run(&report, "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    let errors = annotations(&output, "error");
    assert_eq!(errors.len(), 1, "{output}");
    assert!(
        errors[0].contains("lxml 5.0.0") && errors[0].contains("severity unknown, counted as high"),
        "{}",
        errors[0]
    );

    // OSV down: a port nothing listens on (bound, then closed).
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let report = audit_report(&[("requests", "2.31.0", "GHSA-mmmm-mmmm-mmmm", &[], &[])]);
    let (code, output) = audit.run(&report, "1", &closed);
    assert_eq!(code, Some(1), "{output}");
    let errors = annotations(&output, "error");
    assert_eq!(errors.len(), 1, "{output}");
    assert!(
        errors[0].contains("OSV lookup failed") && errors[0].contains("counted as high"),
        "{}",
        errors[0]
    );
}

#[test]
fn pip_audit_passes_clean_reports_and_fails_on_its_own_errors() {
    let audit = pip_audit_step();
    let (osv, asked) = osv_standin(HashMap::new());
    let (code, output) = audit.run(&audit_report(&[]), "0", &osv);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("no known vulnerability"), "{output}");
    assert!(asked.lock().unwrap().is_empty(), "no OSV lookup needed");

    // Any status but 0 and 1 is pip-audit failing (e.g. a dependency it could not resolve).
    let (code, output) = audit.run("", "2", &osv);
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("::error title=pip-audit failed::pip-audit exited with status 2"),
        "{output}"
    );
    // Status 1 with a report that lists nothing is not taken as a pass.
    let (code, output) = audit.run(&audit_report(&[]), "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    assert_eq!(annotations(&output, "error").len(), 1, "{output}");
    // Status 1 without a report (pip-audit's --strict stops on a dependency it cannot
    // collect) fails with an error, not a traceback; a report left by an earlier run is
    // not read.
    let temp = audit.dir.join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    std::fs::write(temp.join("pip-audit.json"), audit_report(&[])).unwrap();
    let (code, output) = audit.run("", "1", &osv);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains(
            "::error title=pip-audit::pip-audit exited with status 1 without a readable JSON report"
        ),
        "{output}"
    );
    assert!(!output.contains("Traceback"), "{output}");
    let log = std::fs::read_to_string(audit.dir.join("uvx.log")).unwrap();
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(
        log.lines().all(|l| l.contains("--format json --output")),
        "{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// Bandit, and the project with everything on
// ---------------------------------------------------------------------------------------------

#[test]
fn bandit_job_only_with_bandit() {
    let (_off_tmp, off) = project(&[]);
    let wf = yaml(&off, ".github/workflows/security.yml");
    assert!(!job_names(&wf).contains(&"bandit".to_string()));
    assert!(!read(&off, "pyproject.toml").contains("[tool.bandit]"));

    let (_tmp, dest) = project(&["bandit=true"]);
    let wf = yaml(&dest, ".github/workflows/security.yml");
    assert_eq!(
        job_names(&wf),
        ["pip-audit", "zizmor", "bandit"],
        "only bandit added"
    );
    assert_eq!(
        wf["jobs"]["bandit"]["permissions"]
            .as_mapping()
            .unwrap()
            .len(),
        1
    );
    let (_, script, _) = step(&wf, "bandit", "Run Bandit");
    assert_eq!(
        script.trim(),
        "uvx bandit@1.9.4 --configfile pyproject.toml --recursive src"
    );
    let doc: toml_edit::DocumentMut = read(&dest, "pyproject.toml").parse().unwrap();
    assert_eq!(
        doc["tool"]["bandit"]["exclude_dirs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["tests"]
    );
}

/// With every option on: `chora check` is clean in the new repository, the tests write
/// coverage.xml, and the Bandit job's command passes on the generated code (and fails once
/// the code has a finding, so it really scans src/).
#[test]
fn a_project_with_everything_on_checks_clean_writes_coverage_xml_and_passes_bandit() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--defaults");
    for answer in with_standard_answers(ALL_ON) {
        cmd.arg("--data").arg(answer);
    }
    cmd.env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org");
    cmd.assert().success();
    let answers = read(&dest, ".chora-answers.yml");
    for managed in [
        ".github/workflows/coverage.yml:",
        ".github/release.yml:",
        ".github/dependabot.yml:",
    ] {
        assert!(
            answers.contains(managed),
            "{managed} is managed:\n{answers}"
        );
    }
    for seed in [".safety-policy.yml", "CODEOWNERS", "question.yml"] {
        assert!(!answers.contains(seed), "{seed} is a seed:\n{answers}");
    }
    chora(home.path())
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();

    let mut pytest = tool_command("uv");
    pytest
        .current_dir(&dest)
        .args(["run", "pytest"])
        .env("UV_PROJECT_ENVIRONMENT", dest.join(".venv"))
        .env_remove("VIRTUAL_ENV");
    let (ok, output) = run(&mut pytest);
    assert!(ok, "{output}");
    let xml = read(&dest, "coverage.xml");
    assert!(
        xml.contains("<coverage") && xml.contains("demo_pkg"),
        "{xml}"
    );

    let wf = yaml(&dest, ".github/workflows/security.yml");
    let (_, script, _) = step(&wf, "bandit", "Run Bandit");
    let bandit = || {
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
            .arg(&script)
            .current_dir(&dest)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    support::tool("uvx").parent().unwrap().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("UV_PYTHON_DOWNLOADS", "never");
        run(&mut cmd)
    };
    let (ok, output) = bandit();
    assert!(ok, "Bandit flags the generated code:\n{output}");
    assert!(output.contains("No issues identified."), "{output}");

    std::fs::write(
        dest.join("src/demo_pkg/unsafe.py"),
        "import subprocess\n\n\ndef run(command: str) -> None:\n    subprocess.call(command, shell=True)\n",
    )
    .unwrap();
    let (ok, output) = bandit();
    assert!(!ok, "Bandit must flag shell=True:\n{output}");
    assert!(output.contains("B602"), "{output}");
}

// ---------------------------------------------------------------------------------------------
// Release notes, Dependabot, templates, docs
// ---------------------------------------------------------------------------------------------

#[test]
fn release_note_categories_match_the_labels_dependabot_and_the_issue_forms_set() {
    let (_tmp, dest) = project(&[]);
    let text = read(&dest, ".github/release.yml");
    assert!(text.starts_with("# Managed by chora"), "{text}");
    assert!(
        read(&dest, ".chora-answers.yml").contains(".github/release.yml:"),
        "managed"
    );
    let notes = yaml(&dest, ".github/release.yml");
    assert_eq!(
        strings(&notes["changelog"]["exclude"]["labels"]),
        ["ignore-for-release"]
    );
    let categories: Vec<(String, Vec<String>)> = seq(&notes["changelog"]["categories"])
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                strings(&c["labels"]),
            )
        })
        .collect();
    let titles: Vec<&str> = categories.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Breaking changes",
            "Features",
            "Fixes",
            "Documentation",
            "Dependencies",
            "Other changes"
        ]
    );
    let labels_of = |title: &str| {
        categories
            .iter()
            .find(|(t, _)| t == title)
            .map(|(_, l)| l.clone())
            .unwrap()
    };
    assert_eq!(labels_of("Other changes"), ["*"], "everything else");

    // Every Dependabot update carries the Dependencies category's label.
    let dependencies = labels_of("Dependencies");
    let dependabot = yaml(&dest, ".github/dependabot.yml");
    let updates = seq(&dependabot["updates"]);
    assert_eq!(updates.len(), 2);
    for update in &updates {
        let labels = strings(&update["labels"]);
        assert!(
            labels.iter().any(|l| dependencies.contains(l)),
            "{labels:?} vs {dependencies:?}"
        );
    }
    // The issue forms' labels land in Features and Fixes.
    let bug = yaml(&dest, ".github/ISSUE_TEMPLATE/bug_report.yml");
    let feature = yaml(&dest, ".github/ISSUE_TEMPLATE/feature_request.yml");
    assert_eq!(strings(&bug["labels"]), labels_of("Fixes"));
    assert_eq!(strings(&feature["labels"]), labels_of("Features"));

    // CONTRIBUTING maps commit types to exactly these labels.
    let contributing = read(&dest, "CONTRIBUTING.md");
    for (_, labels) in categories.iter().filter(|(t, _)| t != "Other changes") {
        for label in labels {
            assert!(
                contributing.contains(&format!("`{label}`")),
                "CONTRIBUTING names {label}"
            );
        }
    }
    assert!(contributing.contains("`ignore-for-release`"));

    // Every label the configuration uses that a new repository lacks gets a `gh label create`
    // line (GitHub makes bug, enhancement, documentation and question itself).
    let github_defaults = ["bug", "enhancement", "documentation", "question"];
    let mut used: Vec<String> = categories
        .iter()
        .flat_map(|(_, l)| l.clone())
        .chain(strings(&notes["changelog"]["exclude"]["labels"]))
        .chain(updates.iter().flat_map(|u| strings(&u["labels"])))
        .filter(|l| l != "*" && !github_defaults.contains(&l.as_str()))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), 5, "{used:?}");
    for label in &used {
        assert!(
            contributing.contains(&format!("gh label create {label} ")),
            "{label} is created in CONTRIBUTING"
        );
    }
}

#[test]
fn dependabot_sets_labels_day_time_and_pull_request_limits_for_both_ecosystems() {
    let (_tmp, dest) = project(&[]);
    let dependabot = yaml(&dest, ".github/dependabot.yml");
    let updates = seq(&dependabot["updates"]);
    let ecosystems: Vec<&str> = updates
        .iter()
        .map(|u| u["package-ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(ecosystems, ["uv", "github-actions"]);
    for (update, ecosystem_label) in updates.iter().zip(["python", "github-actions"]) {
        assert_eq!(
            strings(&update["labels"]),
            ["dependencies", ecosystem_label]
        );
        assert_eq!(update["schedule"]["interval"].as_str(), Some("weekly"));
        assert_eq!(update["schedule"]["day"].as_str(), Some("monday"));
        assert_eq!(update["schedule"]["time"].as_str(), Some("06:00"));
        assert_eq!(update["schedule"]["timezone"].as_str(), Some("Etc/UTC"));
        assert_eq!(update["open-pull-requests-limit"].as_u64(), Some(5));
        assert_eq!(update["cooldown"]["default-days"].as_u64(), Some(7));
        assert_eq!(update["commit-message"]["include"].as_str(), Some("scope"));
    }
    assert_eq!(
        updates[0]["commit-message"]["prefix"].as_str(),
        Some("build")
    );
    assert_eq!(updates[1]["commit-message"]["prefix"].as_str(), Some("ci"));
}

#[test]
fn pyproject_names_the_maintainer_and_a_documentation_url() {
    let (_tmp, dest) = project(&[]);
    let doc: toml_edit::DocumentMut = read(&dest, "pyproject.toml").parse().unwrap();
    let maintainers = doc["project"]["maintainers"].as_array().unwrap();
    assert_eq!(maintainers.len(), 1);
    let first = maintainers.get(0).unwrap().as_inline_table().unwrap();
    assert_eq!(first.get("name").unwrap().as_str(), Some("Ada Lovelace"));
    assert_eq!(
        first.get("email").unwrap().as_str(),
        Some("ada@example.org")
    );
    assert_eq!(
        doc["project"]["urls"]["Documentation"].as_str(),
        Some("https://github.com/octo-org/demo-pkg#readme"),
        "the repository README by default"
    );

    let (_tmp2, custom) =
        project(&["documentation_url=https://demo-pkg.readthedocs.io/en/latest/"]);
    let doc: toml_edit::DocumentMut = read(&custom, "pyproject.toml").parse().unwrap();
    assert_eq!(
        doc["project"]["urls"]["Documentation"].as_str(),
        Some("https://demo-pkg.readthedocs.io/en/latest/")
    );

    for bad in [
        "http://demo-pkg.example.org",
        "https://demo pkg.example.org",
        "https://example.org/\"quoted",
        "javascript:alert(1)",
    ] {
        let home = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let answer = format!("documentation_url={bad}");
        let mut cmd = chora(home.path());
        cmd.arg("new")
            .arg(out.path().join("p"))
            .arg("--defaults")
            .arg("--no-git");
        for a in with_standard_answers(&[&answer]) {
            cmd.arg("--data").arg(a);
        }
        cmd.assert()
            .code(2)
            .stderr(predicates::str::contains("documentation_url"));
    }
}

#[test]
fn the_pull_request_template_has_type_breaking_change_and_checklist_sections() {
    let (_tmp, dest) = project(&[]);
    let text = read(&dest, ".github/PULL_REQUEST_TEMPLATE.md");
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## What this changes and why",
            "## Type of change",
            "## Breaking change",
            "## Checklist"
        ]
    );
    let section = |heading: &str| {
        let start = text.find(heading).unwrap() + heading.len();
        let rest = &text[start..];
        rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
    };
    let types = section("## Type of change");
    for t in ["`fix:`", "`feat:`", "`docs:`", "`build(deps):`"] {
        assert!(types.contains(t), "{t} in {types}");
    }
    let breaking = section("## Breaking change");
    assert!(
        breaking.contains('!') && breaking.contains("breaking-change"),
        "{breaking}"
    );
    let checklist = section("## Checklist");
    let items: Vec<&str> = checklist
        .lines()
        .filter(|l| l.starts_with("- [ ] "))
        .collect();
    assert_eq!(items.len(), 5, "{checklist}");
    for words in [
        "conventional commit",
        "Tests",
        "Documentation",
        "CHANGELOG.md",
    ] {
        assert!(
            items.iter().any(|i| i.contains(words)),
            "{words:?} in {items:?}"
        );
    }
}

#[test]
fn contributing_explains_conventional_commits_and_breaking_changes() {
    let (_tmp, dest) = project(&[]);
    let text = read(&dest, "CONTRIBUTING.md");
    assert!(text.contains("## Commit messages and pull request titles"));
    assert!(text.contains("https://www.conventionalcommits.org/"));
    for t in [
        "`feat`",
        "`fix`",
        "`docs`",
        "`refactor`",
        "`test`",
        "`ci`",
        "`chore`",
    ] {
        assert!(text.contains(t), "{t}");
    }
    assert!(text.contains("`feat!: drop Python"), "the ! marker");
    assert!(text.contains("`BREAKING CHANGE:` footer"), "the footer");
    assert!(text.contains(".github/release.yml"));

    // The options each add their scan to the list of what CI runs.
    let (_tmp2, all) = project(ALL_ON);
    let text = read(&all, "CONTRIBUTING.md");
    assert!(
        text.contains("(pip-audit, Safety, Bandit, zizmor), and uploads the coverage to Codecov"),
        "{text}"
    );
}

#[test]
fn codeowners_covers_everything_and_the_workflows_and_says_to_require_its_review() {
    let (_tmp, dest) = project(&[]);
    let text = read(&dest, ".github/CODEOWNERS");
    let rules: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(' ').unwrap())
        .collect();
    assert_eq!(rules[0], ("*", "@octo-org"), "everything, first");
    for path in [
        "/.github/workflows/",
        "/.github/CODEOWNERS",
        "/pyproject.toml",
        "/uv.lock",
        "/.chora-answers.yml",
        "/RELEASING.md",
    ] {
        assert!(
            rules.contains(&(path, "@octo-org")),
            "{path} owned: {rules:?}"
        );
    }
    assert_eq!(rules.len(), 10, "{rules:?}");
    assert!(
        text.contains("\"Require review from Code Owners\""),
        "{text}"
    );
    assert!(
        !read(&dest, ".chora-answers.yml").contains("CODEOWNERS"),
        "a seed"
    );
}

#[test]
fn security_policy_says_how_to_enable_private_vulnerability_reporting() {
    let (_tmp, dest) = project(&[]);
    let text = read(&dest, "SECURITY.md");
    assert!(
        text.contains(
            "**Settings** → **Security** (called \"Code security\" or \"Advanced Security\" on some accounts) →\n**Private vulnerability reporting** → **Enable**"
        ),
        "{text}"
    );
    let step = &text[text.find("turn on private reporting").unwrap()..];
    assert!(
        step.contains("<https://github.com/octo-org/demo-pkg/security/advisories/new>"),
        "the link reporters use: {step}"
    );
}

#[test]
fn the_question_issue_form_parses_with_its_fields() {
    let (_tmp, dest) = project(&[]);
    let mut forms: Vec<String> = std::fs::read_dir(dest.join(".github/ISSUE_TEMPLATE"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    forms.sort();
    assert_eq!(
        forms,
        [
            "bug_report.yml",
            "config.yml",
            "feature_request.yml",
            "question.yml"
        ]
    );
    let form = yaml(&dest, ".github/ISSUE_TEMPLATE/question.yml");
    assert_eq!(form["name"].as_str(), Some("Question"));
    assert!(form["description"].as_str().unwrap().contains("demo-pkg"));
    assert_eq!(strings(&form["labels"]), ["question"]);
    let body = seq(&form["body"]);
    let fields: Vec<(&str, &str)> = body
        .iter()
        .map(|b| {
            (
                b["type"].as_str().unwrap(),
                b["id"].as_str().unwrap_or("(markdown)"),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("markdown", "(markdown)"),
            ("textarea", "question"),
            ("textarea", "tried"),
            ("input", "version")
        ]
    );
    assert_eq!(body[1]["validations"]["required"], Value::Bool(true));
    for field in &body[1..] {
        assert!(field["attributes"]["label"].as_str().is_some(), "{field:?}");
    }

    // GitHub's issue-form schema (check-jsonschema's vendored copy) accepts every form and
    // the chooser's config, and refuses a form missing what GitHub requires.
    let forms_dir = dest.join(".github/ISSUE_TEMPLATE");
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.github-issue-forms"])
        .args(["bug_report.yml", "feature_request.yml", "question.yml"].map(|f| forms_dir.join(f)));
    let (ok, output) = run(&mut cmd);
    assert!(ok, "{output}");
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.github-issue-config"])
        .arg(forms_dir.join("config.yml"));
    let (ok, output) = run(&mut cmd);
    assert!(ok, "{output}");
    let bad = forms_dir.join("broken.yml");
    std::fs::write(&bad, "name: Q\nbody:\n  - type: textarea\n    id: q\n").unwrap();
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.github-issue-forms"])
        .arg(&bad);
    let (ok, output) = run(&mut cmd);
    assert!(
        !ok && output.contains("'description' is a required property"),
        "{output}"
    );
}

// ---------------------------------------------------------------------------------------------
// Switching the options on later
// ---------------------------------------------------------------------------------------------

/// A project generated with the defaults, then `chora update` with codecov, safety and bandit
/// on: coverage.yml (managed) and the seed .safety-policy.yml are created, security.yml gains
/// its two jobs, the seed pyproject.toml is left alone (the Bandit job works without its
/// `[tool.bandit]`), and `chora check` is clean afterwards.
#[test]
fn switching_the_options_on_with_chora_update_adds_their_files_and_jobs() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let mut cmd = chora(home.path());
    cmd.arg("new").arg(&dest).arg("--defaults");
    for answer in with_standard_answers(&[]) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    git(home.path(), &dest, &["add", "-A"]);
    git(home.path(), &dest, &["commit", "-q", "-m", "generated"]);
    let pyproject = read(&dest, "pyproject.toml");
    assert!(!dest.join(".github/workflows/coverage.yml").exists());
    assert!(!dest.join(".safety-policy.yml").exists());

    let mut cmd = chora(home.path());
    cmd.current_dir(&dest).arg("update");
    for answer in ALL_ON {
        cmd.arg("--data").arg(answer);
    }
    let output = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        dest.join(".github/workflows/coverage.yml").is_file(),
        "{text}"
    );
    assert!(dest.join(".safety-policy.yml").is_file(), "{text}");
    let wf = yaml(&dest, ".github/workflows/security.yml");
    assert_eq!(
        job_names(&wf),
        ["pip-audit", "zizmor", "safety", "bandit"],
        "{text}"
    );
    // pyproject.toml is a seed nobody edited, so it follows the answers (bandit adds its
    // configuration); everything else in it is as it was.
    let after = read(&dest, "pyproject.toml");
    assert!(after.contains("[tool.bandit]"), "{text}");
    assert_ne!(after, pyproject);
    assert!(after.starts_with(pyproject.split("[tool.ruff]").next().unwrap_or_default()));
    let answers = read(&dest, ".chora-answers.yml");
    assert!(
        answers.contains(".github/workflows/coverage.yml:"),
        "{answers}"
    );
    assert!(!answers.contains(".safety-policy.yml"), "{answers}");
    support::assert_workflows_pass_all_checkers(std::slice::from_ref(&dest));

    git(home.path(), &dest, &["add", "-A"]);
    git(home.path(), &dest, &["commit", "-q", "-m", "options on"]);
    chora(home.path())
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();

    let (_, script, _) = step(&wf, "bandit", "Run Bandit");
    let mut bandit = Command::new("bash");
    bandit
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(&script)
        .current_dir(&dest)
        .env(
            "PATH",
            format!(
                "{}:{}",
                support::tool("uvx").parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("UV_PYTHON_DOWNLOADS", "never");
    let (ok, output) = run(&mut bandit);
    assert!(ok && output.contains("No issues identified."), "{output}");
}
