//! The security shape of generated workflows, read as YAML: top-level `permissions: {}`,
//! `id-token: write` only on publish jobs in OIDC mode, secrets only on the publish step in
//! token mode, every action pinned to a SHA from data/action-pins.tsv, no credentials
//! persisted by checkout, no caches in the release workflow, chora-cli installed only by hash.
//! Projects render with a releases file (`CHORA_RELEASES_FILE`) listing one chora-cli release,
//! so publisher=chora is the default, as it will be once one is published.

mod support;

use std::path::Path;

use support::{chora, jobs, needs_of, with_standard_answers};

/// The wheel hash of the test releases file.
const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
use yaml_serde::Value;

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn project(extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let releases = home.path().join("chora-releases.tsv");
    let version = env!("CARGO_PKG_VERSION");
    std::fs::write(
        &releases,
        format!("{version}\tchora_cli-{version}-py3-none-manylinux_2_17_x86_64.whl\t{SHA}\n"),
    )
    .unwrap();
    let mut cmd = chora(home.path());
    cmd.arg("new")
        .arg(&dest)
        .arg("--defaults")
        .arg("--no-git")
        .env("CHORA_RELEASES_FILE", &releases);
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert().success();
    drop(home);
    (out, dest)
}

fn steps(job: &Value) -> Vec<Value> {
    job["steps"].as_sequence().cloned().unwrap_or_default()
}

/// The generated workflows (name, text, YAML), sorted by name: always these four, and
/// coverage.yml when the project's answers have `codecov: true`.
fn workflows(dest: &Path) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dest.join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        out.push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            text,
            load(&path),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = out.iter().map(|(n, _, _)| n.as_str()).collect();
    let answers = load(&dest.join(".chora-answers.yml"));
    let expected: &[&str] = if answers["answers"]["codecov"] == Value::Bool(true) {
        &[
            "coverage.yml",
            "lint.yml",
            "release.yml",
            "security.yml",
            "tests.yml",
        ]
    } else {
        &["lint.yml", "release.yml", "security.yml", "tests.yml"]
    };
    assert_eq!(names, expected, "{}", dest.display());
    out
}

/// Jobs in the four workflows together (tests 1, lint 2, security 2, release 10: the three
/// calls of tests, lint and security, the gate, build and the five publishing ones).
const JOBS: usize = 15;

fn is_publish_job(name: &str) -> bool {
    name.starts_with("publish")
}

#[test]
fn every_workflow_has_empty_top_level_permissions_and_safe_checkouts() {
    for answers in [&["pypi_auth_method=oidc"][..], &["pypi_auth_method=token"]] {
        let (_tmp, dest) = project(answers);
        let mut checkouts = 0;
        for (name, text, wf) in workflows(&dest) {
            assert!(
                text.starts_with("# Managed by chora"),
                "{name} starts with the managed marker"
            );
            let perms = wf["permissions"].as_mapping();
            assert!(
                perms.is_some_and(|m| m.is_empty()),
                "{name}: top-level permissions must be {{}}"
            );
            assert!(!wf["concurrency"].is_null(), "{name}: concurrency is set");
            for (job_name, job) in jobs(&wf) {
                for step in steps(&job) {
                    if step["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("actions/checkout@"))
                    {
                        checkouts += 1;
                        assert_eq!(
                            step["with"]["persist-credentials"],
                            Value::Bool(false),
                            "{name}/{job_name}: checkout must not persist credentials"
                        );
                    }
                }
            }
        }
        assert_eq!(checkouts, 7, "checkout steps ({answers:?})");
    }
}

#[test]
fn every_action_is_pinned_to_a_known_commit_with_its_tag() {
    let pins = chora::template::pins::all();
    let line_re = regex_lite::Regex::new(r"uses:\s*(\S+)@(\S+)(\s*#\s*(\S+))?").unwrap();
    // Each answer set with the number of `uses:` lines in its four workflows.
    for (answers, expected) in [
        (&["publisher=chora"][..], 29),
        (&["publisher=pypa", "pypi_auth_method=token"], 22),
    ] {
        let (_tmp, dest) = project(answers);
        let mut seen = 0;
        for (name, text, _) in workflows(&dest) {
            for caps in line_re.captures_iter(&text) {
                seen += 1;
                let action = &caps[1];
                let sha = &caps[2];
                let repo: String = action.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
                let pin = pins.iter().find(|p| p.action == repo).unwrap_or_else(|| {
                    panic!("{name}: {action} has no pin in data/action-pins.tsv")
                });
                assert_eq!(
                    sha, pin.sha,
                    "{name}: {action} pinned to the recorded commit"
                );
                assert_eq!(
                    caps.get(4).map(|m| m.as_str()),
                    Some(pin.tag.as_str()),
                    "{name}: {action} carries its exact tag as a comment"
                );
            }
        }
        assert_eq!(seen, expected, "uses: lines ({answers:?})");
    }
}

/// The actions the templates emit with `uses("owner/repo")`.
const TEMPLATE_ACTIONS: &[&str] = &[
    "actions/checkout",
    "actions/download-artifact",
    "actions/upload-artifact",
    "astral-sh/setup-uv",
    "codecov/codecov-action",
    "pypa/gh-action-pypi-publish",
];

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// data/action-pins.tsv is the project's own copy of the pins (the comparison with the
/// reference notes outside the repository is scripts/check-pins-against-reference.sh): its
/// header names its source and date, every line is `owner/repo<TAB>vX.Y.Z<TAB><40 hex>`, each
/// action once, and it pins every action the templates use.
#[test]
fn action_pins_data_is_well_formed_dated_and_covers_the_templates() {
    let text = std::fs::read_to_string(support::repo_root().join("data/action-pins.tsv")).unwrap();
    let source = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .find(|l| l.starts_with("# Source:"))
        .unwrap_or_else(|| panic!("a `# Source:` line in the header:\n{text}"));
    let date = regex_lite::Regex::new(r"\b20\d\d-[01]\d-[0-3]\d\b").unwrap();
    assert!(
        date.is_match(source),
        "the source line has a date: {source}"
    );

    let action_re = regex_lite::Regex::new(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$").unwrap();
    let tag_re = regex_lite::Regex::new(r"^v\d+\.\d+\.\d+$").unwrap();
    let sha_re = regex_lite::Regex::new(r"^[0-9a-f]{40}$").unwrap();
    let mut actions = std::collections::BTreeSet::new();
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        lines += 1;
        let cols: Vec<&str> = line.split('\t').collect();
        let [action, tag, sha] = cols[..] else {
            panic!("three tab-separated columns: {line:?}");
        };
        assert!(action_re.is_match(action), "owner/repo: {line:?}");
        assert!(tag_re.is_match(tag), "an exact tag vX.Y.Z: {line:?}");
        assert!(sha_re.is_match(sha), "a full commit SHA: {line:?}");
        assert!(actions.insert(action), "{action} is pinned twice");
    }
    assert_eq!(lines, 14, "pinned actions in data/action-pins.tsv");
    assert_eq!(
        chora::template::pins::all().len(),
        lines,
        "chora reads every pin line"
    );

    let uses_re = regex_lite::Regex::new(r#"uses\(\s*["']([^"']+)["']"#).unwrap();
    let templates = support::repo_root().join("templates");
    let mut used = std::collections::BTreeSet::new();
    for file in files_under(&templates) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for caps in uses_re.captures_iter(&text) {
            let action = caps[1].to_string();
            assert!(
                chora::template::pins::find(&action).is_some(),
                "{}: {action} has no pin in data/action-pins.tsv",
                file.display()
            );
            used.insert(action);
        }
    }
    assert_eq!(
        used.iter().map(String::as_str).collect::<Vec<_>>(),
        TEMPLATE_ACTIONS,
        "the actions the templates use"
    );
}

#[test]
fn oidc_grants_id_token_only_to_publish_jobs_and_uses_no_secret() {
    for publisher in ["publisher=chora", "publisher=pypa"] {
        let (_tmp, dest) = project(&["pypi_auth_method=oidc", publisher]);
        let mut publish_jobs = 0;
        let mut all_jobs = 0;
        for (name, text, wf) in workflows(&dest) {
            assert!(
                !text.contains("secrets."),
                "{name}: no secret in OIDC mode ({publisher})"
            );
            for (job_name, job) in jobs(&wf) {
                all_jobs += 1;
                let id_token = job["permissions"]["id-token"].as_str();
                if name == "release.yml" && is_publish_job(&job_name) {
                    publish_jobs += 1;
                    assert_eq!(id_token, Some("write"), "{job_name} needs id-token: write");
                    assert!(
                        job["environment"]["name"].as_str().is_some(),
                        "{job_name} runs in a GitHub environment"
                    );
                } else {
                    assert_eq!(id_token, None, "{name}/{job_name} must not get id-token");
                }
            }
        }
        assert_eq!(
            publish_jobs, 2,
            "TestPyPI and PyPI publish jobs ({publisher})"
        );
        assert_eq!(all_jobs, JOBS, "{publisher}");
    }
}

/// With codecov on, coverage.yml's upload job also holds `id-token: write` (Codecov's
/// use_oidc), in either PyPI auth mode, and it is the only job outside release.yml's publish
/// jobs that does; Safety and Bandit add none.
#[test]
fn with_codecov_id_token_goes_only_to_the_coverage_upload_and_oidc_publish_jobs() {
    for auth in ["pypi_auth_method=oidc", "pypi_auth_method=token"] {
        let (_tmp, dest) = project(&[auth, "codecov=true", "safety=true", "bandit=true"]);
        let mut holders = Vec::new();
        let mut all_jobs = 0;
        let mut checkouts = 0;
        let mut new_job_checkouts = 0;
        for (name, text, wf) in workflows(&dest) {
            assert!(text.starts_with("# Managed by chora"), "{name}");
            assert!(
                wf["permissions"].as_mapping().is_some_and(|m| m.is_empty()),
                "{name}: top-level permissions must be {{}}"
            );
            for (job_name, job) in jobs(&wf) {
                all_jobs += 1;
                // (A job that calls a reusable workflow is the release gate's to check.)
                assert!(
                    !job["uses"].is_null() || job["permissions"].as_mapping().is_some(),
                    "{name}/{job_name}: permissions per job"
                );
                for step in steps(&job) {
                    if step["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("actions/checkout@"))
                    {
                        checkouts += 1;
                        if matches!(
                            (name.as_str(), job_name.as_str()),
                            ("coverage.yml", "upload")
                                | ("security.yml", "safety")
                                | ("security.yml", "bandit")
                        ) {
                            new_job_checkouts += 1;
                        }
                        assert_eq!(
                            step["with"]["persist-credentials"],
                            Value::Bool(false),
                            "{name}/{job_name}"
                        );
                    }
                }
                if let Some(id_token) = job["permissions"]["id-token"].as_str() {
                    assert_eq!(id_token, "write", "{name}/{job_name}");
                    holders.push(format!("{name}/{job_name}"));
                }
            }
        }
        let mut expected = vec!["coverage.yml/upload".to_string()];
        if auth.ends_with("oidc") {
            expected.extend(
                ["release.yml/publish-testpypi", "release.yml/publish-pypi"].map(String::from),
            );
        }
        holders.sort();
        expected.sort();
        assert_eq!(holders, expected, "{auth}");
        // The four workflows' jobs, coverage's upload, and the safety and bandit jobs.
        assert_eq!(all_jobs, JOBS + 3, "{auth}");
        // Each of the three new jobs checks out once, beside the other jobs' checkouts.
        assert_eq!(new_job_checkouts, 3, "{auth}");
        assert!(checkouts > new_job_checkouts, "{auth}: {checkouts}");
    }
}

#[test]
fn token_mode_passes_the_secret_only_to_the_publish_step() {
    for publisher in ["publisher=chora", "publisher=pypa"] {
        let (_tmp, dest) = project(&["pypi_auth_method=token", publisher]);
        let mut all_jobs = 0;
        let mut secret_steps = 0;
        for (name, _text, wf) in workflows(&dest) {
            for (job_name, job) in jobs(&wf) {
                all_jobs += 1;
                assert!(
                    job["permissions"]["id-token"].is_null(),
                    "{name}/{job_name}: no id-token in token mode"
                );
                let job_level = yaml_serde::to_string(&job["env"]).unwrap();
                assert!(
                    !job_level.contains("secrets."),
                    "{name}/{job_name}: no job-level secret"
                );
                for step in steps(&job) {
                    let text = yaml_serde::to_string(&step).unwrap();
                    if text.contains("secrets.") {
                        secret_steps += 1;
                        assert!(
                            name == "release.yml" && is_publish_job(&job_name),
                            "{name}/{job_name}: secrets only in publish jobs"
                        );
                        let expected = if job_name.contains("testpypi") {
                            "secrets.TEST_PYPI_API_TOKEN"
                        } else {
                            "secrets.PYPI_API_TOKEN"
                        };
                        assert!(text.contains(expected), "{job_name}: {text}");
                    }
                }
            }
        }
        assert_eq!(all_jobs, JOBS, "{publisher}");
        assert_eq!(
            secret_steps, 4,
            "the TestPyPI and PyPI token checks and upload steps ({publisher})"
        );
    }
}

#[test]
fn release_workflow_runs_on_version_tags_without_caches() {
    let (_tmp, dest) = project(&[]);
    let path = dest.join(".github/workflows/release.yml");
    let wf = load(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let tags = yaml_serde::to_string(&wf["on"]["push"]["tags"]).unwrap();
    assert!(tags.contains("v*"), "{tags}");
    assert_eq!(wf["concurrency"]["cancel-in-progress"], Value::Bool(false));
    assert!(
        !text.contains("actions/cache"),
        "no cache action in release.yml"
    );
    let mut setup_uv = 0;
    for (job_name, job) in jobs(&wf) {
        for step in steps(&job) {
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("astral-sh/setup-uv@"))
            {
                setup_uv += 1;
                assert_eq!(
                    step["with"]["enable-cache"],
                    Value::Bool(false),
                    "{job_name}: setup-uv caching off in the release workflow"
                );
            }
        }
    }
    assert_eq!(setup_uv, 6, "setup-uv steps in release.yml");
    let names: Vec<String> = jobs(&wf).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 10, "{names:?}");
    for expected in [
        "tests",
        "lint",
        "security",
        "gate",
        "build",
        "publish-testpypi",
        "smoke-testpypi",
        "publish-pypi",
        "verify-pypi",
        "github-release",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "job {expected} in {names:?}"
        );
    }
    assert!(
        text.contains("https://pypi.org/p/demo-pkg"),
        "PyPI environment url"
    );
    assert!(text.contains(&format!("chora-cli=={}", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn without_testpypi_there_is_no_testpypi_job() {
    let (_tmp, dest) = project(&["publish_testpypi=false"]);
    let text = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
    assert!(!text.contains("test.pypi.org"), "{text}");
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    assert!(
        !setup.contains("testpypi"),
        "no TestPyPI environment to configure"
    );
}

#[test]
fn pypi_setup_names_the_exact_trusted_publisher_values() {
    let (_tmp, dest) = project(&[
        "github_owner=octo-org",
        "github_repository=demo-repo",
        "pypi_environment=release",
    ]);
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    for needle in [
        "octo-org",
        "demo-repo",
        "release.yml",
        "release",
        "testpypi",
        "demo-pkg",
    ] {
        assert!(setup.contains(needle), "PYPI_SETUP.md mentions {needle}");
    }
    assert!(
        setup.contains("pending"),
        "explains the pending-publisher route"
    );
    assert!(
        !dest
            .join("docs/migrating-to-trusted-publishing.md")
            .exists()
    );

    let (_tmp, dest) = project(&["pypi_auth_method=token", "token_secret_name=MY_TOKEN"]);
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    assert!(setup.contains("MY_TOKEN"));
    let guide =
        std::fs::read_to_string(dest.join("docs/migrating-to-trusted-publishing.md")).unwrap();
    assert!(guide.contains("chora update --data pypi_auth_method=oidc"));
    assert!(
        guide.contains("MY_TOKEN"),
        "the guide names the secret to delete"
    );
    let release = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
    assert!(release.contains("secrets.MY_TOKEN"));
}

/// The `run` text of a step, or "" for a `uses` step.
fn run_text(step: &Value) -> String {
    step["run"].as_str().unwrap_or_default().to_string()
}

/// What the answers make chora-publish do about attestations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    /// oidc with attestations: `--attestations=always --attestations-dir attestations`.
    Always,
    /// oidc without attestations: `--attestations=never`.
    Never,
    /// token auth: no `--attestations…` option at all.
    Unset,
}

/// The `--attestations…` arguments of a `chora-publish upload` command, in order.
fn attestation_args(run: &str) -> Vec<&str> {
    let words: Vec<&str> = run.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if word.starts_with("--attestations") {
            out.push(*word);
            if *word == "--attestations-dir" {
                out.push(words.get(i + 1).copied().unwrap_or("<missing>"));
            }
        }
    }
    out
}

/// Words that would mean a Python signing tool runs (or an action wrapping one).
const PYTHON_SIGNERS: [&str; 4] = [
    "pypi-attestations",
    "pypi_attestations",
    "sigstore",
    "attest-action",
];

#[test]
fn chora_publish_signs_attestations_itself_with_no_python_signer() {
    let cases = [
        (&["pypi_auth_method=oidc"][..], Signing::Always),
        (
            &["pypi_auth_method=oidc", "attestations=false"][..],
            Signing::Never,
        ),
        (&["pypi_auth_method=token"][..], Signing::Unset),
    ];
    for (answers, signing) in cases {
        let (_tmp, dest) = project(answers);
        // No generated workflow names pypi-attestations anywhere (not even in a comment), and
        // no step runs or uses a Python signing tool.
        for (name, text, wf) in workflows(&dest) {
            assert!(
                !text.contains("pypi-attestations"),
                "{name} mentions pypi-attestations ({answers:?})"
            );
            for (job_name, job) in jobs(&wf) {
                for step in steps(&job) {
                    let command = format!(
                        "{} {}",
                        run_text(&step),
                        step["uses"].as_str().unwrap_or_default()
                    )
                    .to_lowercase();
                    for signer in PYTHON_SIGNERS {
                        assert!(
                            !command.contains(signer),
                            "{name}/{job_name} runs {signer}: {command} ({answers:?})"
                        );
                    }
                }
            }
        }
        let release = load(&dest.join(".github/workflows/release.yml"));
        let mut publish_jobs = 0;
        for (job_name, job) in jobs(&release) {
            if !is_publish_job(&job_name) {
                continue;
            }
            publish_jobs += 1;
            let steps = steps(&job);
            // Token mode checks the secret first (see token_mode_checks_the_secret_before_uploading).
            let runs: Vec<String> = steps
                .iter()
                .filter(|s| {
                    !s["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("API token is set"))
                })
                .map(run_text)
                .collect();
            // Two commands: chora-cli installed by hash (uv pinned), then the upload by name.
            let commands: Vec<&String> = runs.iter().filter(|r| !r.is_empty()).collect();
            assert_eq!(commands.len(), 2, "{job_name}: {runs:?} ({answers:?})");
            let install = commands[0];
            assert!(
                install.contains(
                    "uv pip install --no-config --python \"$venv\" --require-hashes --no-deps --only-binary :all: "
                ) && install.contains(">> \"$GITHUB_PATH\""),
                "{job_name}: {install}"
            );
            let requirement = steps
                .iter()
                .find_map(|s| s["env"]["CHORA_REQUIREMENT"].as_str())
                .unwrap_or_default();
            assert_eq!(
                requirement,
                format!(
                    "chora-cli=={} --hash=sha256:{SHA}",
                    env!("CARGO_PKG_VERSION")
                )
            );
            for step in &steps {
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("astral-sh/setup-uv@"))
                {
                    assert_eq!(
                        step["with"]["version"].as_str(),
                        Some("0.13.8"),
                        "{job_name}"
                    );
                }
            }
            let upload = commands[1];
            assert!(
                upload.starts_with("chora-publish upload ") && upload.ends_with(" dist/*"),
                "{job_name}: {upload}"
            );
            for run in &runs {
                assert!(!run.contains("uvx"), "{job_name}: {run}");
            }
            let expected: &[&str] = match signing {
                Signing::Always => &[
                    "--attestations=always",
                    "--attestations-dir",
                    "attestations",
                ],
                Signing::Never => &["--attestations=never"],
                Signing::Unset => &[],
            };
            assert_eq!(
                attestation_args(upload),
                expected,
                "{job_name}: {upload} ({answers:?})"
            );
            assert_eq!(
                upload.contains("--auth token"),
                signing == Signing::Unset,
                "{upload}"
            );
        }
        assert_eq!(publish_jobs, 2, "{answers:?}");
    }
}

/// The step of `job` whose `uses` is `action` and whose artifact is `artifact`.
fn artifact_step<'a>(job: &'a [Value], action: &str, artifact: &str) -> Option<&'a Value> {
    job.iter().find(|step| {
        step["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{action}@")))
            && step["with"]["name"].as_str() == Some(artifact)
    })
}

#[test]
fn the_release_job_attaches_the_archived_attestations() {
    let cases = [
        (
            &["publisher=chora"][..],
            Some("attestations/*.publish.attestation"),
        ),
        (&["publisher=pypa"][..], Some("dist/*.publish.attestation")),
        (&["publisher=chora", "attestations=false"][..], None),
        (&["publisher=pypa", "pypi_auth_method=token"][..], None),
    ];
    for (answers, stored) in cases {
        let (_tmp, dest) = project(answers);
        let text = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
        let release = load(&dest.join(".github/workflows/release.yml"));
        let pypi = steps(&release["jobs"]["publish-pypi"]);
        let github = &release["jobs"]["github-release"];
        let github_steps = steps(github);
        // Minimal permissions: the release job may write releases, nothing else.
        let perms = github["permissions"].as_mapping().unwrap();
        assert_eq!(perms.len(), 1, "{perms:?}");
        assert_eq!(github["permissions"]["contents"].as_str(), Some("write"));
        let store = artifact_step(
            &pypi,
            "actions/upload-artifact",
            "python-package-attestations",
        );
        let fetch = artifact_step(
            &github_steps,
            "actions/download-artifact",
            "python-package-attestations",
        );
        let create = github_steps
            .iter()
            .map(run_text)
            .find(|r| r.contains("gh release create"))
            .unwrap();
        // With publisher=chora the ledger is the last asset (see
        // the_ledger_is_kept_through_the_proof_and_attached_to_the_release).
        let create = create
            .trim_end()
            .strip_suffix(" chora-ledger.jsonl")
            .map(str::to_string)
            .unwrap_or(create);
        let Some(path) = stored else {
            assert!(store.is_none() && fetch.is_none(), "{answers:?}");
            assert!(!text.contains("publish.attestation"), "{answers:?}");
            assert!(
                create.trim_end().ends_with("\"${prerelease[@]}\" dist/*"),
                "{create}"
            );
            continue;
        };
        let store = store.unwrap_or_else(|| panic!("publish-pypi stores them ({answers:?})"));
        assert_eq!(store["with"]["path"].as_str(), Some(path), "{answers:?}");
        assert_eq!(store["with"]["if-no-files-found"].as_str(), Some("error"));
        assert_eq!(store["with"]["retention-days"].as_u64(), Some(90));
        // Stored after the upload that wrote them.
        let upload_at = pypi
            .iter()
            .position(|s| s["name"].as_str() == Some("Upload to PyPI"))
            .unwrap();
        let store_at = pypi.iter().position(|s| s == store).unwrap();
        assert!(upload_at < store_at, "{answers:?}");
        let fetch = fetch.unwrap_or_else(|| panic!("github-release downloads them ({answers:?})"));
        assert_eq!(fetch["with"]["path"].as_str(), Some("attestations/"));
        // Attached as release assets, next to the distributions.
        let args: Vec<&str> = create.split_whitespace().collect();
        assert_eq!(
            args[args.len() - 2..],
            ["dist/*", "attestations/*.publish.attestation"],
            "{create}"
        );
    }
}

#[test]
fn pypi_setup_shows_how_to_verify_provenance_with_the_real_names() {
    let chora = "chora-publish verify-provenance my.Pkg==0.1.0 --repository octo-org/demo-repo \
                 --workflow release.yml";
    let pypi_attestations = "uvx pypi-attestations@0.0.30 verify pypi --repository \
                             https://github.com/octo-org/demo-repo pypi:my_pkg-0.1.0";
    let archived = "chora-publish verify-attestation v0.1.0/my_pkg-0.1.0-py3-none-any.whl \
                    v0.1.0/my_pkg-0.1.0-py3-none-any.whl.publish.attestation \
                    --repository octo-org/demo-repo --workflow release.yml --environment release";
    for (publisher, signs_natively) in [("publisher=chora", true), ("publisher=pypa", false)] {
        let (_tmp, dest) = project(&[
            publisher,
            "project_name=my.Pkg",
            "github_owner=octo-org",
            "github_repository=demo-repo",
            "pypi_environment=release",
        ]);
        let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
        assert!(
            setup.contains("\n## Verify a release's provenance\n"),
            "{setup}"
        );
        assert!(setup.contains(chora), "{setup}");
        for suffix in ["-py3-none-any.whl\n", ".tar.gz\n"] {
            assert!(
                setup.contains(&format!("{pypi_attestations}{suffix}")),
                "{suffix}: {setup}"
            );
        }
        assert!(setup.contains(archived), "{setup}");
        // Where the archived attestations are: the release assets and the run's artifact.
        assert!(
            setup.contains("https://github.com/octo-org/demo-repo/releases/tag/v0.1.0"),
            "{setup}"
        );
        assert!(
            setup.contains("`python-package-attestations` artifact"),
            "{setup}"
        );
        assert_eq!(
            setup.contains("no Python signing tool runs"),
            signs_natively,
            "{publisher}"
        );
        let security = std::fs::read_to_string(dest.join("SECURITY.md")).unwrap();
        assert!(
            security.contains("chora-publish verify-provenance my.Pkg==<version>"),
            "{security}"
        );
    }
    // Without attestations there is nothing to verify.
    for answers in [&["attestations=false"][..], &["pypi_auth_method=token"]] {
        let (_tmp, dest) = project(answers);
        let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
        assert!(!setup.contains("verify-provenance"), "{answers:?}");
        assert!(!setup.contains("pypi-attestations"), "{answers:?}");
    }
}

/// The position of the step called `name` in `steps`.
fn step_at(steps: &[Value], name: &str) -> Option<usize> {
    steps.iter().position(|s| s["name"].as_str() == Some(name))
}

#[test]
fn the_pypi_release_is_installed_and_its_provenance_verified_before_the_github_release() {
    let cases = [
        (&["publisher=chora"][..], true),
        (&["publisher=chora", "attestations=false"][..], false),
        (&["publisher=chora", "pypi_auth_method=token"][..], false),
        (&["publisher=pypa"][..], true),
        (&["publisher=pypa", "attestations=false"][..], false),
        (&["publisher=pypa", "pypi_auth_method=token"][..], false),
    ];
    for (answers, provenance) in cases {
        let mut all = vec![
            "github_owner=octo-org",
            "github_repository=demo-repo",
            "pypi_environment=release",
        ];
        all.extend_from_slice(answers);
        let (_tmp, dest) = project(&all);
        let release = load(&dest.join(".github/workflows/release.yml"));
        let chora = answers.contains(&"publisher=chora");
        let proof = &release["jobs"]["verify-pypi"];
        // After the PyPI upload, before the GitHub release; reads PyPI with no permission.
        // (and build, whose output is the version)
        assert_eq!(needs_of(proof), ["build", "publish-pypi"], "{answers:?}");
        assert_eq!(
            needs_of(&release["jobs"]["github-release"]),
            ["build", "verify-pypi"],
            "{answers:?}"
        );
        assert!(
            proof["permissions"]
                .as_mapping()
                .is_some_and(|m| m.is_empty()),
            "{answers:?}: {:?}",
            proof["permissions"]
        );
        assert!(proof["environment"].is_null(), "{answers:?}");
        let text = yaml_serde::to_string(proof).unwrap();
        assert!(!text.contains("secrets."), "{answers:?}");
        assert!(
            !text.contains("test.pypi.org"),
            "PyPI, not TestPyPI: {text}"
        );
        let steps = steps(proof);
        let smoke_at = step_at(&steps, "Install from PyPI and import the package")
            .unwrap_or_else(|| panic!("no smoke step ({answers:?}): {text}"));
        let smoke = &steps[smoke_at];
        let smoke_run = run_text(smoke);
        if chora {
            // chora-cli by hash, then smoke with the upload's ledger (digests compared).
            let install = step_at(&steps, "Install chora-cli by hash").unwrap();
            assert!(install < smoke_at);
            assert_eq!(
                smoke["env"]["CHORA_REQUIREMENT"],
                Value::Null,
                "{answers:?}"
            );
            let requirement = steps[install]["env"]["CHORA_REQUIREMENT"].as_str().unwrap();
            assert!(requirement.contains(&format!("--hash=sha256:{SHA}")));
            // The newest supported Python of data/python-versions.tsv.
            let newest = supported_pythons().last().cloned().unwrap();
            assert_eq!(
                smoke_run.split_whitespace().collect::<Vec<_>>(),
                [
                    "chora-publish",
                    "smoke",
                    "\"demo-pkg==${VERSION}\"",
                    "--ledger",
                    "chora-ledger.jsonl",
                    "--import",
                    "demo_pkg",
                    "--python",
                    &format!("\"{newest}\""),
                ],
                "{answers:?}"
            );
        } else {
            // The shell equivalent: uv from PyPI alone, a fresh project, no cache, an import.
            assert_eq!(
                smoke["env"]["UV_DEFAULT_INDEX"].as_str(),
                Some("https://pypi.org/simple/")
            );
            assert_eq!(smoke["env"]["UV_NO_CACHE"].as_str(), Some("1"));
            assert_eq!(smoke["env"]["PROJECT"].as_str(), Some("demo-pkg"));
            assert_eq!(smoke["env"]["PACKAGE"].as_str(), Some("demo_pkg"));
            assert!(smoke_run.contains("dependencies = [\"${PROJECT}==${version}\"]"));
            assert!(smoke_run.contains("importlib.import_module(os.environ[\"PACKAGE\"])"));
            assert!(!smoke_run.contains("index-url"), "{smoke_run}");
            assert!(!text.contains("chora-publish"), "{answers:?}");
        }
        let verify_at = step_at(&steps, "Verify the provenance on PyPI");
        assert_eq!(verify_at.is_some(), provenance, "{answers:?}: {text}");
        let Some(verify_at) = verify_at else {
            assert!(!text.contains("verify-provenance") && !text.contains("pypi-attestations"));
            continue;
        };
        // Provenance only once the release installs (so PyPI has listed every file).
        assert!(smoke_at < verify_at, "{answers:?}");
        let verify = run_text(&steps[verify_at]);
        if chora {
            assert_eq!(
                verify.split_whitespace().collect::<Vec<_>>(),
                [
                    "chora-publish",
                    "verify-provenance",
                    "\"demo-pkg==${VERSION}\"",
                    "--repository",
                    "octo-org/demo-repo",
                    "--workflow",
                    "release.yml",
                    "--environment",
                    "release",
                ],
                "{answers:?}"
            );
        } else {
            assert_eq!(
                steps[verify_at]["env"]["REPOSITORY_URL"].as_str(),
                Some("https://github.com/octo-org/demo-repo")
            );
            // Every distribution of the build, by its file name on PyPI.
            let fetch = artifact_step(
                &steps,
                "actions/download-artifact",
                "python-package-distributions",
            )
            .expect("the distributions");
            assert!(steps.iter().position(|s| s == fetch).unwrap() < verify_at);
            assert!(
                verify.contains("for file in dist/*; do")
                    && verify.contains(
                        "uvx --no-cache pypi-attestations@0.0.30 verify pypi --repository \"$REPOSITORY_URL\" \"pypi:${file##*/}\""
                    ),
                "{verify}"
            );
        }
    }
}

#[test]
fn the_ledger_is_kept_through_the_proof_and_attached_to_the_release() {
    for answers in [
        &["publisher=chora"][..],
        &["publisher=chora", "pypi_auth_method=token"],
        &["publisher=chora", "publish_testpypi=false"],
        &["publisher=pypa"],
    ] {
        let (_tmp, dest) = project(answers);
        let text = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
        let release = load(&dest.join(".github/workflows/release.yml"));
        let create = steps(&release["jobs"]["github-release"])
            .iter()
            .map(run_text)
            .find(|r| r.contains("gh release create"))
            .unwrap();
        if answers.contains(&"publisher=pypa") {
            // No chora-publish, so no ledger.
            assert!(!text.contains("ledger"), "{answers:?}");
            continue;
        }
        let testpypi = !answers.contains(&"publish_testpypi=false");
        // Each publish job keeps its ledger, after the upload, also when the upload failed.
        let mut stores = vec![("publish-pypi", "PyPI", "chora-ledger-pypi")];
        if testpypi {
            stores.push(("publish-testpypi", "TestPyPI", "chora-ledger-testpypi"));
        }
        for (job, service, artifact) in stores {
            let steps = steps(&release["jobs"][job]);
            let store = artifact_step(&steps, "actions/upload-artifact", artifact)
                .unwrap_or_else(|| panic!("{job} stores {artifact} ({answers:?})"));
            assert_eq!(store["with"]["path"].as_str(), Some("chora-ledger.jsonl"));
            assert_eq!(store["with"]["if-no-files-found"].as_str(), Some("error"));
            assert_eq!(store["with"]["retention-days"].as_u64(), Some(90));
            assert_eq!(store["if"].as_str(), Some("${{ !cancelled() }}"));
            let upload = step_at(&steps, &format!("Upload to {service}")).unwrap();
            assert!(upload < steps.iter().position(|s| s == store).unwrap());
        }
        // The proof job appends the smoke test to the PyPI ledger and keeps the result.
        let proof = steps(&release["jobs"]["verify-pypi"]);
        let fetch = artifact_step(&proof, "actions/download-artifact", "chora-ledger-pypi")
            .expect("verify-pypi downloads the PyPI ledger");
        let keep = artifact_step(&proof, "actions/upload-artifact", "chora-ledger")
            .expect("verify-pypi stores the ledger");
        assert_eq!(keep["with"]["retention-days"].as_u64(), Some(90));
        assert_eq!(keep["if"].as_str(), Some("${{ !cancelled() }}"));
        let at = |s: &Value| proof.iter().position(|p| p == s).unwrap();
        let smoke = step_at(&proof, "Install from PyPI and import the package").unwrap();
        assert!(at(fetch) < smoke && smoke < at(keep), "{answers:?}");
        assert_eq!(at(keep), proof.len() - 1, "stored last");
        // The GitHub release attaches it.
        let github = steps(&release["jobs"]["github-release"]);
        assert!(
            artifact_step(&github, "actions/download-artifact", "chora-ledger").is_some(),
            "{answers:?}"
        );
        assert!(
            create.trim_end().ends_with(" chora-ledger.jsonl"),
            "{create}"
        );
    }
}

#[test]
fn token_mode_checks_the_secret_before_uploading() {
    for publisher in ["publisher=chora", "publisher=pypa"] {
        let (_tmp, dest) = project(&[
            "pypi_auth_method=token",
            publisher,
            "pypi_environment=release",
            "token_secret_name=OUR_PYPI_TOKEN",
        ]);
        let release = load(&dest.join(".github/workflows/release.yml"));
        for (job, service, secret, environment, host) in [
            (
                "publish-pypi",
                "PyPI",
                "OUR_PYPI_TOKEN",
                "release",
                "https://pypi.org/",
            ),
            (
                "publish-testpypi",
                "TestPyPI",
                "TEST_PYPI_API_TOKEN",
                "testpypi",
                "https://test.pypi.org/",
            ),
        ] {
            let steps = steps(&release["jobs"][job]);
            let check = step_at(
                &steps,
                &format!("Check that the {service} API token is set"),
            )
            .unwrap_or_else(|| panic!("{job}: no token check ({publisher})"));
            let upload = step_at(&steps, &format!("Upload to {service}")).unwrap();
            assert!(check < upload, "{job}");
            let step = &steps[check];
            // The secret reaches the check through env only (never into the script's text).
            let env = step["env"].as_mapping().unwrap();
            assert_eq!(env.len(), 1);
            assert_eq!(
                step["env"]["TOKEN"].as_str(),
                Some(format!("${{{{ secrets.{secret} }}}}").as_str())
            );
            let run = run_text(step);
            assert!(!run.contains("${{"), "{run}");
            assert!(run.contains("if [ -z \"${TOKEN}\" ]; then"), "{run}");
            assert!(run.contains("exit 1"), "{run}");
            let error = run
                .lines()
                .find(|l| l.contains("::error::"))
                .unwrap_or_else(|| panic!("{run}"));
            // Run as written: an unset secret (empty) stops the job with the error; a set one
            // passes silently.
            for (token, fails) in [("", true), ("pypi-AgEIcHlwaS5vcmc", false)] {
                let out = std::process::Command::new("bash")
                    .args(["-e", "-c", &run])
                    .env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .env("TOKEN", token)
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert_eq!(out.status.success(), !fails, "{job}: {stdout}");
                assert_eq!(
                    stdout.starts_with(&format!("::error::The secret {secret} is not set.")),
                    fails,
                    "{job}: {stdout}"
                );
            }
            for said in [
                format!("::error::The secret {secret} is not set."),
                format!("store it as {secret} under Settings > Secrets and variables > Actions"),
                format!("a secret of the '{environment}' environment"),
                format!("{host}manage/account/token/"),
                "docs/migrating-to-trusted-publishing.md".to_string(),
            ] {
                assert!(error.contains(&said), "{said}: {error}");
            }
        }
    }
    // Trusted Publishing has no secret to check.
    for publisher in ["publisher=chora", "publisher=pypa"] {
        let (_tmp, dest) = project(&["pypi_auth_method=oidc", publisher]);
        let text = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
        assert!(!text.contains("API token is set"), "{publisher}");
    }
}

#[test]
fn readme_and_security_follow_the_auth_method() {
    for publisher in ["publisher=chora", "publisher=pypa"] {
        let (_tmp, dest) = project(&["pypi_auth_method=oidc", publisher]);
        for file in ["README.md", "SECURITY.md"] {
            let text = std::fs::read_to_string(dest.join(file)).unwrap();
            for token_word in ["API token", "PYPI_API_TOKEN", "secret `"] {
                assert!(
                    !text.contains(token_word),
                    "{file}: {token_word} ({publisher})"
                );
            }
            assert!(text.contains("Trusted Publishing"), "{file}");
            assert!(
                text.contains("installs the release from PyPI"),
                "{file} says the release is proven ({publisher})"
            );
            assert!(text.contains("verifies"), "{file}: provenance");
        }
        let (_tmp, dest) = project(&[
            "pypi_auth_method=token",
            publisher,
            "token_secret_name=OUR_PYPI_TOKEN",
        ]);
        for file in ["README.md", "SECURITY.md"] {
            let text = std::fs::read_to_string(dest.join(file)).unwrap();
            assert!(
                text.contains("PyPI API") && text.contains("the GitHub secret `OUR_PYPI_TOKEN`"),
                "{file} names the secret ({publisher}): {text}"
            );
            assert!(
                text.contains("docs/migrating-to-trusted-publishing.md"),
                "{file}"
            );
        }
    }
}

/// The supported Python versions of data/python-versions.tsv, oldest first.
fn supported_pythons() -> Vec<String> {
    let text =
        std::fs::read_to_string(support::repo_root().join("data/python-versions.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.get(1) == Some(&"supported")).then(|| fields[0].to_string())
        })
        .collect()
}

/// Python versions live in one place, data/python-versions.tsv: no template file spells one
/// (`3.N`), so moving the defaults on is a data change. A tool pinned by version
/// (`uvx tool@3.8.1`) is not a Python version, nor is the schema version of Safety's policy
/// file.
#[test]
fn no_template_file_spells_a_python_version() {
    let literal = regex_lite::Regex::new(r"(^|[^0-9A-Za-z.@])3\.[0-9]{1,2}([^0-9]|$)").unwrap();
    let not_python = [(".safety-policy.yml", "version: \"3.0\"")];
    let root = support::repo_root().join("templates/python-package");
    let mut found = Vec::new();
    for path in files_under(&root) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, line) in text.lines().enumerate() {
            if literal.is_match(line) && !not_python.contains(&(name.as_str(), line)) {
                found.push(format!("{}:{}: {line}", path.display(), i + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "Python versions belong in data/python-versions.tsv (python_releases):\n{}",
        found.join("\n")
    );
}

/// A project generated with the defaults takes its Pythons from the data: requires-python and
/// the lint/type-check Python are the oldest supported, the test matrix and the classifiers run
/// from it to the newest, and the post-publish smoke test uses the newest.
#[test]
fn default_pythons_come_from_the_data() {
    let supported = supported_pythons();
    let oldest = supported.first().unwrap();
    let newest = supported.last().unwrap();
    let (_tmp, dest) = project(&[]);
    let pyproject = std::fs::read_to_string(dest.join("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains(&format!("requires-python = \">={oldest}\"")),
        "{pyproject}"
    );
    for version in &supported {
        let classifier = format!("\"Programming Language :: Python :: {version}\"");
        assert!(pyproject.contains(&classifier), "{classifier}");
    }
    let tests = load(&dest.join(".github/workflows/tests.yml"));
    let matrix: Vec<String> = jobs(&tests)
        .iter()
        .find_map(|(_, job)| {
            job["strategy"]["matrix"]["python-version"]
                .as_sequence()
                .cloned()
        })
        .expect("a python-version matrix")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(matrix, supported);
    let lint = std::fs::read_to_string(dest.join(".github/workflows/lint.yml")).unwrap();
    assert!(lint.contains(&format!("UV_PYTHON: \"{oldest}\"")), "{lint}");
    let release = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
    assert!(
        release.contains(&format!("UV_PYTHON: \"{newest}\"")),
        "the smoke test runs on the newest Python"
    );
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(
        answers.contains(&format!("python_min: '{oldest}'")),
        "{answers}"
    );
}

/// What GitHub's plans allow, said the same way wherever the docs talk about protection.
const PLAN_FACT: &str = "Required reviewers work in public repositories on every plan; in private repositories they need\nGitHub Enterprise (Pro and Team get environments without reviewers)";

/// PYPI_SETUP.md says exactly what GitHub's plans allow (required reviewers: public
/// repositories on every plan, private ones only on Enterprise; what a private Pro/Team
/// repository gets instead), tells users to prevent self-review and to turn off administrator
/// bypass, and links to PyPI's and TestPyPI's forms pre-filled with the project's values —
/// the pending-publisher form with the project name too — in both auth modes' documents.
#[test]
fn pypi_setup_states_what_github_plans_allow_and_links_prefilled_forms() {
    let (_tmp, dest) = project(&[
        "github_owner=octo-org",
        "github_repository=demo-repo",
        "pypi_environment=release",
        "testpypi_environment=staging",
    ]);
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    let q = "?provider=github&owner=octo-org&repository=demo-repo&workflow_filename=release.yml";
    for needle in [
        PLAN_FACT.to_string(),
        "**Private repositories on GitHub Pro or Team**: environments and their deployment branch and\n  tag rules work, and so do tag rulesets, but **required reviewers do not**".into(),
        "tick *Prevent self-review*".into(),
        "**Allow administrators to bypass configured protection rules**: untick it".into(),
        "New tag\nruleset**".into(),
        format!("<https://pypi.org/manage/account/publishing/{q}&environment=release&project_name=demo-pkg>"),
        format!("<https://pypi.org/manage/project/demo-pkg/settings/publishing/{q}&environment=release>"),
        format!("<https://test.pypi.org/manage/account/publishing/{q}&environment=staging&project_name=demo-pkg>"),
        format!("<https://test.pypi.org/manage/project/demo-pkg/settings/publishing/{q}&environment=staging>"),
    ] {
        assert!(setup.contains(&needle), "PYPI_SETUP.md lacks {needle:?}:\n{setup}");
    }
    // The old claim, wrong for private repositories on Pro and Team.
    assert!(!setup.contains("private\nrepositories on GitHub Pro, Team and Enterprise"));
    assert!(!setup.contains("private repositories on GitHub Pro, Team and Enterprise"));

    let (_tmp, dest) = project(&["pypi_auth_method=token"]);
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    for needle in [
        PLAN_FACT,
        "tick *Prevent self-review*",
        "**Allow administrators to bypass configured protection rules**: untick it",
    ] {
        assert!(
            setup.contains(needle),
            "token PYPI_SETUP.md lacks {needle:?}:\n{setup}"
        );
    }
    let guide =
        std::fs::read_to_string(dest.join("docs/migrating-to-trusted-publishing.md")).unwrap();
    let q = "?provider=github&owner=octo-org&repository=demo-pkg&workflow_filename=release.yml";
    for needle in [
        PLAN_FACT.to_string(),
        "*Prevent self-review*".into(),
        "*Allow administrators to bypass configured protection rules*".into(),
        format!(
            "<https://pypi.org/manage/account/publishing/{q}&environment=pypi&project_name=demo-pkg>"
        ),
        format!(
            "<https://test.pypi.org/manage/project/demo-pkg/settings/publishing/{q}&environment=testpypi>"
        ),
        "cargo install chora-cli --locked".into(),
        "chora update --data pypi_auth_method=oidc".into(),
        "`--dry-run`".into(),
    ] {
        assert!(
            guide.contains(&needle),
            "the guide lacks {needle:?}:\n{guide}"
        );
    }
}

/// The ```diff blocks of a Markdown text: (removed, added) lines, markers and indentation
/// stripped.
fn diff_lines(markdown: &str) -> (Vec<String>, Vec<String>) {
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let mut inside = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            inside = trimmed == "```diff";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('+') {
            added.push(rest.trim().to_string());
        } else if let Some(rest) = trimmed.strip_prefix('-') {
            removed.push(rest.trim().to_string());
        }
    }
    (removed, added)
}

/// The migration guide shows the switch's release.yml diff as it is: every removed line is in
/// the token project's release.yml, every added line in the release.yml the switch produces
/// (`chora update --data pypi_auth_method=oidc`), and it covers the permission, the upload,
/// the signing and the attestation steps. For both publishers.
#[test]
fn the_migration_guide_shows_the_real_diff_of_the_switch() {
    for publisher in ["pypa", "chora"] {
        let publisher_answer = format!("publisher={publisher}");
        let (_tmp, token) = project(&["pypi_auth_method=token", &publisher_answer]);
        let guide =
            std::fs::read_to_string(token.join("docs/migrating-to-trusted-publishing.md")).unwrap();
        let (removed, added) = diff_lines(&guide);
        let (_tmp2, oidc) = project(&[
            "pypi_auth_method=oidc",
            "attestations=true",
            &publisher_answer,
        ]);
        let before = std::fs::read_to_string(token.join(".github/workflows/release.yml")).unwrap();
        let after = std::fs::read_to_string(oidc.join(".github/workflows/release.yml")).unwrap();
        let has =
            |text: &str, line: &str| line.is_empty() || text.lines().any(|l| l.contains(line));
        for line in &removed {
            assert!(
                has(&before, line),
                "{publisher}: removed line {line:?} is not in the token release.yml"
            );
        }
        for line in &added {
            assert!(
                has(&after, line),
                "{publisher}: added line {line:?} is not in the OIDC release.yml"
            );
            assert!(
                !line.contains("secrets."),
                "{publisher}: the switch adds no secret: {line:?}"
            );
        }
        for needle in [
            "id-token: write",
            "name: Store the attestations",
            "name: Download the attestations",
            "attestations/*.publish.attestation",
        ] {
            assert!(
                added.iter().any(|l| l.contains(needle)),
                "{publisher}: the diff shows {needle:?}:\n{guide}"
            );
        }
        let signing = if publisher == "chora" {
            "--attestations=always"
        } else {
            "attestations: true"
        };
        assert!(
            added.iter().any(|l| l == signing),
            "{publisher}: signing shown"
        );
        assert!(
            removed.iter().any(|l| l.contains("secrets.")),
            "{publisher}: the token is shown going"
        );
    }
}
