//! `chora audit`, offline tier: generated projects audit clean; a token project names its
//! tokens; each check fires on the shape it is about and not on the fixed one; thresholds from
//! ledgers and `[tool.chora.audit]`; the JSON report, SARIF and the organisation summary; bad
//! input. The corpus test (`corpus_publishing_is_classified`) NEEDS `../shared/corpus` beside
//! the repository: without it, it fails saying so.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn chora_in(home: &Path, dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora"))
        .current_dir(dir)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch area with a HOME.
struct Scratch {
    tmp: tempfile::TempDir,
    home: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        Scratch { tmp, home }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `chora new NAME` with the standard answers and `extra` (a releases file for
    /// publisher=chora).
    fn generate(&self, name: &str, extra: &[&str]) -> PathBuf {
        let dest = self.path(name);
        support::new_project(&self.home, &dest, extra);
        dest
    }

    /// A repository holding one workflow file.
    fn repo(&self, name: &str, workflow: &str, text: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
        std::fs::write(dir.join(".github/workflows").join(workflow), text).unwrap();
        dir
    }

    /// `chora audit --format json --no-report ARGS` in `dir`: (exit code, report).
    fn audit(&self, dir: &Path, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["audit", "--format", "json", "--no-report"];
        all.extend_from_slice(args);
        let run = chora_in(&self.home, dir, &all);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        (run.code, value)
    }
}

fn ids(repo: &Value) -> Vec<String> {
    repo["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn cells(repo: &Value) -> Vec<(String, bool)> {
    repo["acceptance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["passed"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A project `chora new` generates audits clean: no finding at all, every cell of the
/// acceptance matrix passed, both trusted publishers listed — for both publishers.
#[test]
fn a_generated_project_audits_clean_offline() {
    let s = Scratch::new();
    let mut audited = 0;
    for publisher in ["publisher=pypa", "publisher=chora"] {
        let dir = s.generate(&format!("p-{audited}"), &[publisher]);
        let (code, report) = s.audit(&dir, &[]);
        let repo = &report["repositories"][0];
        assert_eq!(code, 0, "{publisher}: {repo}");
        assert_eq!(ids(repo), Vec::<String>::new(), "{publisher}: {repo:#}");
        assert_eq!(
            cells(repo),
            [
                ("TestPyPI via OIDC".to_string(), true),
                ("PyPI + install smoke".to_string(), true),
                ("attestation generated and archived".to_string(), true),
                ("rollback executable".to_string(), true),
            ],
            "{publisher}: {repo:#}"
        );
        let publishers: Vec<(String, String, String)> = repo["trusted_publishers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["index"].as_str().unwrap().to_string(),
                    p["environment"].as_str().unwrap().to_string(),
                    p["auth"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            publishers,
            [
                ("testpypi".into(), "testpypi".into(), "oidc".into()),
                ("pypi".into(), "pypi".into(), "oidc".into())
            ]
        );
        assert_eq!(repo["trusted_publishers"][0]["owner"], "octo-org");
        assert_eq!(repo["trusted_publishers"][0]["workflow"], "release.yml");
        audited += 1;
    }
    assert_eq!(audited, 2);
}

/// A token project names every token still in use, by secret, with chora's own fix.
#[test]
fn a_token_project_reports_its_tokens() {
    let s = Scratch::new();
    let dir = s.generate("tok", &["pypi_auth_method=token", "publisher=pypa"]);
    let (code, report) = s.audit(&dir, &[]);
    let repo = &report["repositories"][0];
    assert_eq!(code, 1, "{repo}");
    let tokens: Vec<&Value> = repo["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "zizmor/use-trusted-publishing")
        .collect();
    assert_eq!(tokens.len(), 2, "{repo:#}");
    assert!(tokens.iter().all(|f| {
        f["severity"] == "high"
            && f["fix"]
                .as_str()
                .unwrap()
                .contains("chora update --data pypi_auth_method=oidc")
    }));
    assert_eq!(tokens[0]["also"][0], "sp-repo-review/GH105");
    let summary = &report["summary"];
    let secrets: Vec<String> = summary["tokens_in_use"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["secrets"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets, ["TEST_PYPI_API_TOKEN", "PYPI_API_TOKEN"]);
    assert!(!cells(repo)[0].1, "no TestPyPI via OIDC");
    // --fail-on never: the tokens are reported, the status is 0.
    let (code, _) = s.audit(&dir, &["--fail-on", "never"]);
    assert_eq!(code, 0);
}

const PINNED_CHECKOUT: &str = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1";
const PINNED_PYPA: &str = "pypa/gh-action-pypi-publish@dc37677b2e1c63e2034f94d8a5b11f265b73ba33";

/// A minimal OIDC release workflow: checkout pinned, one publish job in `environment: pypi`.
fn release(extra_top: &str, job_extra: &str, uses: &str) -> String {
    format!(
        "name: Release\non:\n  push:\n    tags: ['v*']\n{extra_top}permissions: {{}}\njobs:\n  publish:\n    runs-on: ubuntu-latest\n{job_extra}    permissions:\n      id-token: write\n    steps:\n      - uses: {PINNED_CHECKOUT}\n      - run: test \"${{GITHUB_REF_NAME#v}}\" = \"$(grep -m1 version pyproject.toml)\"\n      - uses: {uses}\n"
    )
}

/// Each check fires on its shape, and the fixed shape makes it go away.
#[test]
fn each_check_fires_on_its_shape_and_not_on_the_fix() {
    let s = Scratch::new();
    let env = "    environment: pypi\n";
    let cases: Vec<(&str, String, String)> = vec![
        (
            "zizmor/unpinned-uses",
            release("", env, "pypa/gh-action-pypi-publish@release/v1"),
            release("", env, PINNED_PYPA),
        ),
        (
            "chora/publish-environment",
            release("", "", PINNED_PYPA),
            release("", env, PINNED_PYPA),
        ),
        (
            "zizmor/dangerous-triggers",
            release("  pull_request_target:\n", env, PINNED_PYPA),
            release("", env, PINNED_PYPA),
        ),
        (
            "chora/publish-trigger",
            release("", env, PINNED_PYPA).replace("    tags: ['v*']\n", "    branches: [main]\n"),
            release("", env, PINNED_PYPA),
        ),
        (
            "scorecard/Token-Permissions",
            release("", env, PINNED_PYPA).replace("permissions: {}\n", "permissions:\n  contents: write\n"),
            release("", env, PINNED_PYPA),
        ),
        (
            "zizmor/use-trusted-publishing",
            release("", env, PINNED_PYPA)
                + "        with:\n          password: ${{ secrets.PYPI_TOKEN }}\n",
            release("", env, PINNED_PYPA),
        ),
        (
            "zizmor/cache-poisoning",
            release("", env, PINNED_PYPA).replace(
                &format!("      - uses: {PINNED_CHECKOUT}\n"),
                &format!("      - uses: {PINNED_CHECKOUT}\n      - uses: astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d\n"),
            ),
            release("", env, PINNED_PYPA).replace(
                &format!("      - uses: {PINNED_CHECKOUT}\n"),
                &format!("      - uses: {PINNED_CHECKOUT}\n      - uses: astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d\n        with:\n          enable-cache: false\n"),
            ),
        ),
        (
            "chora/attestations",
            release("", env, PINNED_PYPA) + "        with:\n          attestations: false\n",
            release("", env, PINNED_PYPA),
        ),
        (
            "chora/tag-version-check",
            release("", env, PINNED_PYPA).replace(
                "      - run: test \"${GITHUB_REF_NAME#v}\" = \"$(grep -m1 version pyproject.toml)\"\n",
                "      - run: echo building\n",
            ),
            release("", env, PINNED_PYPA),
        ),
    ];
    let mut checked = 0;
    for (n, (id, bad, good)) in cases.iter().enumerate() {
        let bad_dir = s.repo(&format!("bad-{n}"), "release.yml", bad);
        let (_, report) = s.audit(&bad_dir, &["--fail-on", "never"]);
        let found = ids(&report["repositories"][0]);
        assert!(
            found.contains(&id.to_string()),
            "{id} not found in {found:?}:\n{bad}"
        );
        let good_dir = s.repo(&format!("good-{n}"), "release.yml", good);
        let (_, report) = s.audit(&good_dir, &["--fail-on", "never"]);
        let found = ids(&report["repositories"][0]);
        assert!(
            !found.contains(&id.to_string()),
            "{id} still found in {found:?}:\n{good}"
        );
        checked += 1;
    }
    assert_eq!(checked, 9);
}

/// The release-pipeline checks speak only about a repository that publishes, and say what is
/// missing around the upload: smoke, TestPyPI, gate, GitHub release, runbook, drill.
#[test]
fn a_bare_upload_lacks_the_pipeline_around_it() {
    let s = Scratch::new();
    let dir = s.repo(
        "bare",
        "release.yml",
        &release("", "    environment: pypi\n", PINNED_PYPA),
    );
    let (code, report) = s.audit(&dir, &[]);
    let repo = &report["repositories"][0];
    assert_eq!(code, 0, "no finding is high: {repo}");
    let mut found = ids(repo);
    found.sort();
    assert_eq!(
        found,
        [
            "chora/attestations-archived",
            "chora/github-release",
            "chora/install-smoke",
            "chora/release-drill",
            "chora/release-gate",
            "chora/runbook",
            "chora/testpypi-stage",
        ]
    );
    // Two are medium: --fail-on medium fails.
    let (code, _) = s.audit(&dir, &["--fail-on", "medium"]);
    assert_eq!(code, 1);

    // A repository that publishes nothing has none of those.
    let ci = s.repo(
        "ci",
        "ci.yml",
        &format!("on: [push]\npermissions: {{}}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {PINNED_CHECKOUT}\n"),
    );
    let (code, report) = s.audit(&ci, &[]);
    assert_eq!(code, 0);
    assert_eq!(ids(&report["repositories"][0]), Vec::<String>::new());
    assert_eq!(report["repositories"][0]["publishes"], false);
}

/// Scorecard's Token-Permissions arithmetic, as its evaluation does it.
#[test]
fn token_permissions_follow_scorecards_arithmetic() {
    use chora::audit::checks::permissions::score;
    use chora::workflow::read::{FileKind, parse};
    let w = |text: &str| parse(Path::new("w.yml"), FileKind::Workflow, text.to_string()).unwrap();
    let cases = [
        (
            "on: push\npermissions: {}\njobs:\n  a:\n    permissions: {}\n",
            10,
        ),
        ("on: push\njobs:\n  a:\n    permissions: {}\n", 9),
        ("on: push\njobs:\n  a: {}\n", 0),
        (
            "on: push\npermissions:\n  contents: write\njobs:\n  a: {}\n",
            0,
        ),
        (
            "on: push\npermissions:\n  checks: write\njobs:\n  a: {}\n",
            9,
        ),
        (
            "on: push\npermissions:\n  deployments: write\n  statuses: write\njobs:\n  a: {}\n",
            8,
        ),
        (
            "on: push\npermissions: write-all\njobs:\n  a:\n    permissions: {}\n",
            9,
        ),
        ("on: push\npermissions: write-all\njobs:\n  a: {}\n", 0),
        (
            "on: push\npermissions: read-all\njobs:\n  a:\n    permissions:\n      contents: write\n",
            10,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(score(&w(text)).0, want, "{text}");
    }
}

/// A ledger with `runs` runs: each uploads to TestPyPI (failing where `fail` says), uploads to
/// PyPI (with attestations where `attest` says), and smoke-tests `install_s` seconds later.
fn ledger(path: &Path, runs: &[(bool, bool, i64)]) {
    use chora::publish::ledger::{Entry, FileDigest, GENESIS, Outcome, Record, RunId};
    let base = 1_796_119_200;
    let mut lines = String::new();
    let mut prev = GENESIS.to_string();
    let mut seq = 0;
    let file = FileDigest {
        name: "demo_pkg-0.1.0-py3-none-any.whl".into(),
        sha256: "a".repeat(64),
    };
    let mut rec = |run: &RunId, op: &str, outcome, target: &str, at: i64, attestations: u64| {
        let mut details = serde_json::Map::new();
        details.insert("attestations".into(), attestations.into());
        let entry = Entry::new(
            seq,
            &prev,
            at,
            run.clone(),
            Record {
                operation: op.into(),
                outcome,
                target: Some(target.into()),
                files: vec![file.clone()],
                retries: 0,
                status: None,
                message: None,
                details,
            },
        );
        let (line, hash) = entry.seal();
        lines.push_str(&line);
        lines.push('\n');
        prev = hash;
        seq += 1;
    };
    for (i, (fail, attest, install_s)) in runs.iter().enumerate() {
        let run = RunId {
            id: format!("{}", 1000 + i),
            attempt: Some("1".into()),
        };
        let start = base + i as i64 * 3600;
        let test = "https://test.pypi.org/legacy/";
        let pypi = "https://upload.pypi.org/legacy/";
        rec(&run, "upload", Outcome::Started, test, start, 0);
        let outcome = if *fail {
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
        rec(&run, "upload", outcome, test, start + 5, 0);
        if *fail {
            continue;
        }
        rec(
            &run,
            "upload",
            Outcome::Succeeded,
            pypi,
            start + 60,
            u64::from(*attest),
        );
        let smoke = "https://pypi.org/simple/";
        rec(
            &run,
            "smoke",
            Outcome::Succeeded,
            smoke,
            start + 60 + install_s,
            0,
        );
    }
    std::fs::write(path, lines).unwrap();
}

/// Thresholds come from the ledger, with the targets of `[tool.chora.audit]`: met, missed
/// (exit 1, named), configured, and a broken ledger refused.
#[test]
fn thresholds_are_measured_from_ledgers_and_configurable() {
    let s = Scratch::new();
    let dir = s.generate("th", &[]);
    let good = s.path("good.jsonl");
    ledger(
        &good,
        &[(false, true, 90), (false, true, 120), (false, true, 100)],
    );
    let (code, report) = s.audit(&dir, &["--ledger", good.to_str().unwrap()]);
    let repo = &report["repositories"][0];
    assert_eq!(code, 0, "{repo:#}");
    let verdicts: Vec<(String, bool)> = repo["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().into(),
                v["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("testpypi-success-rate".into(), true),
            ("publish-to-install-seconds".into(), true),
            ("provenance-coverage".into(), true)
        ]
    );
    assert_eq!(repo["measures"]["publish_to_install_seconds"], 120);
    assert_eq!(repo["measures"]["testpypi_runs"], 3);

    // One failed TestPyPI run of 4, one slow install, one release without attestations.
    let bad = s.path("bad.jsonl");
    ledger(
        &bad,
        &[
            (false, true, 90),
            (true, true, 0),
            (false, false, 400),
            (false, true, 60),
        ],
    );
    let (code, report) = s.audit(&dir, &["--ledger", bad.to_str().unwrap()]);
    let repo = &report["repositories"][0];
    assert_eq!(code, 1);
    let missed: Vec<&str> = repo["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["passed"] == false)
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        missed,
        [
            "testpypi-success-rate",
            "publish-to-install-seconds",
            "provenance-coverage"
        ]
    );
    assert_eq!(repo["measures"]["testpypi_success_rate"], 0.75);
    assert_eq!(report["summary"]["thresholds_missed"], 1);

    // Looser targets in pyproject.toml make the same ledger pass.
    let pyproject = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(
        &pyproject,
        format!("{text}\n[tool.chora.audit]\nruns = 20\ntestpypi-success-rate = 0.7\npublish-to-install-seconds = 600\nprovenance-coverage = 0.5\n"),
    )
    .unwrap();
    let (code, report) = s.audit(&dir, &["--ledger", bad.to_str().unwrap()]);
    assert_eq!(code, 0, "{:#}", report["repositories"][0]["verdicts"]);
    // The window: only the last run counts with runs = 1.
    std::fs::write(
        &pyproject,
        format!("{text}\n[tool.chora.audit]\nruns = 1\n"),
    )
    .unwrap();
    let (_, report) = s.audit(&dir, &["--ledger", bad.to_str().unwrap()]);
    assert_eq!(report["repositories"][0]["measures"]["testpypi_runs"], 1);
    assert_eq!(
        report["repositories"][0]["measures"]["testpypi_success_rate"],
        1.0
    );

    // A typo in the configuration, and a tampered ledger, are refused (exit 2).
    std::fs::write(
        &pyproject,
        format!("{text}\n[tool.chora.audit]\nrun = 20\n"),
    )
    .unwrap();
    let run = chora_in(&s.home, &dir, &["audit", "--no-report"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("unknown key \"run\""), "{}", run.stderr);
    std::fs::write(&pyproject, &text).unwrap();
    let tampered = std::fs::read_to_string(&good)
        .unwrap()
        .replacen("succeeded", "failed", 1);
    std::fs::write(&good, tampered).unwrap();
    let run = chora_in(
        &s.home,
        &dir,
        &["audit", "--no-report", "--ledger", good.to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("ledger verify"), "{}", run.stderr);
}

/// Many repositories at once: the summary counts publishing repositories by tool and auth,
/// lists the tokens still in use and the attestation coverage; a folder that is not a
/// repository is an error of its own (exit 2) while the others are still audited; the report
/// file is written; --repos-from reads a list.
#[test]
fn an_organisation_is_summarised() {
    let s = Scratch::new();
    let oidc = s.generate("org-oidc", &["publisher=pypa"]);
    let token = s.generate("org-token", &["pypi_auth_method=token", "publisher=chora"]);
    let none = s.repo(
        "org-none",
        "ci.yml",
        &format!("on: [push]\npermissions: {{}}\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {PINNED_CHECKOUT}\n"),
    );
    let (code, report) = s.audit(
        s.tmp.path(),
        &[
            oidc.to_str().unwrap(),
            token.to_str().unwrap(),
            none.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "the token project has high findings");
    let summary = &report["summary"];
    assert_eq!(summary["repositories"], 3);
    assert_eq!(summary["publishing"], 2);
    assert_eq!(summary["by_auth"]["oidc"], 2);
    assert_eq!(summary["by_auth"]["token"], 2);
    assert_eq!(summary["by_tool"]["pypa/gh-action-pypi-publish"], 2);
    assert_eq!(summary["by_tool"]["chora-publish"], 2);
    assert_eq!(summary["tokens_in_use"].as_array().unwrap().len(), 2);
    assert_eq!(summary["pypi_jobs"], 2);
    assert_eq!(summary["pypi_jobs_with_attestations"], 1);
    let names: Vec<&str> = report["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "in the order given");
    assert!(names[0].ends_with("org-oidc") && names[2].ends_with("org-none"));

    // --repos-from, a missing folder among them, and the report file.
    let list = s.path("repos.txt");
    std::fs::write(&list, "# the organisation\norg-oidc\nmissing\n\norg-none\n").unwrap();
    let out = s.path("audit.json");
    let run = chora_in(
        &s.home,
        s.tmp.path(),
        &[
            "audit",
            "--repos-from",
            list.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("missing is not a folder"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("Organisation: 3 repositories, 1 publish"),
        "{}",
        run.stdout
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
    assert_eq!(written["repositories"].as_array().unwrap().len(), 2);
    assert_eq!(written["errors"].as_array().unwrap().len(), 1);
}

/// SARIF: one rule per id, one result per finding with its file and line; levels by severity.
#[test]
fn sarif_names_each_finding_with_its_place() {
    let s = Scratch::new();
    let dir = s.generate("sarif", &["pypi_auth_method=token"]);
    let run = chora_in(
        &s.home,
        &dir,
        &[
            "audit",
            "--format",
            "sarif",
            "--no-report",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let (_, report) = s.audit(&dir, &["--fail-on", "never"]);
    let findings = report["repositories"][0]["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(!results.is_empty());
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["id"]);
        let level = match f["severity"].as_str().unwrap() {
            "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], level);
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            ".github/workflows/release.yml"
        );
        if let Some(line) = f["location"]["span"]["line"].as_u64() {
            assert_eq!(loc["region"]["startLine"], line);
        }
    }
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let mut rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let n = rule_ids.len();
    rule_ids.dedup();
    assert_eq!(rule_ids.len(), n, "one rule per id");
    assert!(rule_ids.contains(&"zizmor/use-trusted-publishing"));

    // Valid SARIF 2.1.0 (the OASIS schema, installed by scripts/install-test-tools.sh), for one
    // repository and for several; a log with a level SARIF does not know is refused.
    let schema = support::tool("check-jsonschema")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("schemas/sarif-2.1.0.json");
    assert!(
        schema.is_file(),
        "{} is missing: run `bash scripts/install-test-tools.sh`",
        schema.display()
    );
    let one = s.path("one.sarif");
    std::fs::write(&one, &run.stdout).unwrap();
    let other = s.generate("sarif-2", &[]);
    let many = chora_in(
        &s.home,
        s.tmp.path(),
        &[
            "audit",
            "--format",
            "sarif",
            "--no-report",
            "--fail-on",
            "never",
            dir.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    let many_path = s.path("many.sarif");
    std::fs::write(&many_path, &many.stdout).unwrap();
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let broken_path = s.path("broken.sarif");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    let check = |file: &Path| {
        let mut cmd = support::tool_command("check-jsonschema");
        cmd.arg("--schemafile").arg(&schema).arg(file);
        support::run(&mut cmd)
    };
    for file in [&one, &many_path] {
        let (ok, output) = check(file);
        assert!(ok, "{}: {output}", file.display());
    }
    let (ok, output) = check(&broken_path);
    assert!(!ok, "level `fatal` must not validate: {output}");
}

/// The table shows findings like rustc, with the file, line and fix; a workflow with control
/// characters is reported as not read, and they never reach the terminal.
#[test]
fn the_table_renders_findings_with_their_source() {
    let s = Scratch::new();
    let dir = s.repo(
        "table",
        "release.yml",
        &release("", "", "pypa/gh-action-pypi-publish@release/v1"),
    );
    let run = chora_in(&s.home, &dir, &["audit", "--no-report"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("error: [zizmor/unpinned-uses, scorecard/Pinned-Dependencies]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("--> .github/workflows/release.yml:14:9"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("help: pin it to the full commit SHA"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Acceptance matrix:"));

    let hostile = s.repo(
        "hostile",
        "release.yml",
        &release("", "", PINNED_PYPA).replace("name: Release", "name: Rel\u{1b}[2Jease"),
    );
    let run = chora_in(&s.home, &hostile, &["audit", "--no-report"]);
    assert!(
        run.stdout
            .contains("not read: .github/workflows/release.yml"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'));
}

#[test]
fn bad_input_is_refused() {
    let s = Scratch::new();
    let a = s.generate("a", &[]);
    let b = s.generate("b", &[]);
    let ledger_file = s.path("l.jsonl");
    ledger(&ledger_file, &[(false, true, 60)]);
    let run = chora_in(
        &s.home,
        s.tmp.path(),
        &[
            "audit",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--ledger",
            ledger_file.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("one repository's releases"),
        "{}",
        run.stderr
    );
    let run = chora_in(&s.home, s.tmp.path(), &["audit", "nowhere", "--no-report"]);
    assert_eq!(run.code, 2);
    let run = chora_in(&s.home, &a, &["audit", "--output", "/proc/nope/x.json"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
}

/// The shared corpus: every file's publishing gets the tool/auth classification its category
/// says (tokens reported, Trusted Publishing not, other services' tokens not). NEEDS
/// ../shared/corpus.
#[test]
fn corpus_publishing_is_classified() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let index = std::fs::read_to_string(corpus.join("index.tsv")).unwrap_or_else(|e| {
        panic!(
            "this test needs the shared corpus at {} (../shared/corpus beside the repository): {e}",
            corpus.display()
        )
    });
    let s = Scratch::new();
    let mut dirs = Vec::new();
    let mut expected = Vec::new();
    for line in index.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (id, path, category, note) = (cols[0], cols[2], cols[4], cols[6]);
        let text = std::fs::read_to_string(corpus.join("files").join(format!("{id}.yml"))).unwrap();
        let name = Path::new(path).file_name().unwrap().to_str().unwrap();
        dirs.push(s.repo(id, name, &text));
        // `[expect: WORD …]`, the note quoted when it holds quotes.
        let expect = note
            .trim_start_matches('"')
            .strip_prefix("[expect:")
            .and_then(|n| n.split([']', ' ', ':']).find(|w| !w.is_empty()))
            .unwrap_or("")
            .to_string();
        assert!(!expect.is_empty(), "{id}: no [expect: …] in {note:?}");
        expected.push((id.to_string(), format!("{category}/{expect}")));
    }
    assert_eq!(dirs.len(), 89);
    let args: Vec<&str> = dirs.iter().map(|d| d.to_str().unwrap()).collect();
    let (_, report) = s.audit(s.tmp.path(), &args);
    let repos = report["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 89, "{}", report["errors"]);
    let mut wrong = Vec::new();
    for ((id, category), repo) in expected.iter().zip(repos) {
        let auths: Vec<&str> = repo["publishing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["auth"].as_str().unwrap())
            .collect();
        let tokens = ids(repo)
            .iter()
            .filter(|i| *i == "zizmor/use-trusted-publishing")
            .count();
        // [expect: leave]: no token reported, and what publishes is Trusted Publishing;
        // otherwise (migrate, partial, review, add id-token only): a token or a refused shape.
        let ok = if category.ends_with("/leave") {
            tokens == 0 && auths.iter().all(|a| *a == "oidc")
        } else {
            tokens > 0 || auths.iter().any(|a| *a != "oidc")
        };
        if !ok {
            wrong.push(format!(
                "{id} ({category}): auths {auths:?}, {tokens} token finding(s)"
            ));
        }
    }
    let right = 89 - wrong.len();
    println!("corpus: {right}/89 classified as their category says");
    assert!(
        right * 100 >= 89 * 98,
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The JSON report validates against its documented schema (docs/schemas/, with
/// check-jsonschema) for a clean project with ledger measures, a token project, and an
/// organisation with an error; a report with a field removed does not.
#[test]
fn the_report_validates_against_its_schema() {
    let s = Scratch::new();
    let schema =
        support::repo_root().join("docs/schemas/release-supply-chain-audit.v1.schema.json");
    let clean = s.generate("v-clean", &[]);
    let token = s.generate("v-token", &["pypi_auth_method=token", "publisher=pypa"]);
    let ledger_file = s.path("v.jsonl");
    ledger(&ledger_file, &[(false, true, 60), (true, true, 0)]);
    let mut reports = Vec::new();
    let mut write = |name: &str, report: &Value| {
        let path = s.path(name);
        std::fs::write(&path, serde_json::to_string_pretty(report).unwrap()).unwrap();
        reports.push(path);
    };
    let (_, r) = s.audit(&clean, &["--ledger", ledger_file.to_str().unwrap()]);
    assert!(r["repositories"][0]["measures"].is_object());
    write("clean.json", &r);
    let (_, r) = s.audit(&token, &[]);
    write("token.json", &r);
    let (_, r) = s.audit(
        s.tmp.path(),
        &[
            clean.to_str().unwrap(),
            "no-such-folder",
            token.to_str().unwrap(),
        ],
    );
    assert_eq!(r["errors"].as_array().unwrap().len(), 1);
    write("org.json", &r);
    let check = |files: &[PathBuf]| {
        let mut cmd = support::tool_command("check-jsonschema");
        cmd.arg("--schemafile").arg(&schema).args(files);
        support::run(&mut cmd)
    };
    let (ok, output) = check(&reports);
    assert!(ok, "{output}");
    assert_eq!(reports.len(), 3);

    let (_, mut broken) = s.audit(&clean, &[]);
    broken["repositories"][0]
        .as_object_mut()
        .unwrap()
        .remove("acceptance");
    let path = s.path("broken.json");
    std::fs::write(&path, broken.to_string()).unwrap();
    let (ok, output) = check(&[path]);
    assert!(
        !ok,
        "a report without `acceptance` must not validate: {output}"
    );
}

/// chora's own composite action publishes too: with no password it is Trusted Publishing, with
/// one a token.
#[test]
fn chora_publishs_composite_action_is_a_publisher() {
    let s = Scratch::new();
    let action = "chora-dev/chora/publish@0123456789abcdef0123456789abcdef01234567";
    let oidc = s.repo(
        "act-oidc",
        "release.yml",
        &release("", "    environment: pypi\n", action),
    );
    let (_, report) = s.audit(&oidc, &["--fail-on", "never"]);
    let publishing = &report["repositories"][0]["publishing"];
    assert_eq!(publishing.as_array().unwrap().len(), 1, "{publishing}");
    assert_eq!(publishing[0]["tool"], "chora-publish");
    assert_eq!(publishing[0]["auth"], "oidc");
    let token = s.repo(
        "act-token",
        "release.yml",
        &(release("", "    environment: pypi\n", action)
            + "        with:\n          password: ${{ secrets.PYPI_TOKEN }}\n"),
    );
    let (_, report) = s.audit(&token, &["--fail-on", "never"]);
    let repo = &report["repositories"][0];
    assert_eq!(repo["publishing"][0]["auth"], "token");
    assert_eq!(repo["publishing"][0]["secrets"][0], "PYPI_TOKEN");
    assert!(ids(repo).contains(&"zizmor/use-trusted-publishing".to_string()));
}

/// chora's own release shape: chora-publish run from a path (`"$DIR/chora-publish" upload`),
/// `--testpypi` for TestPyPI, attestations on, and a tag check whose step says what it
/// compares while its script is a file of its own.
#[test]
fn chora_publish_run_from_a_path_with_testpypi_is_read_right() {
    let s = Scratch::new();
    let text = format!(
        "name: Release\non:\n  push:\n    tags: ['v*']\npermissions: {{}}\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n      - name: Check that the tag is v<crate version>\n        env:\n          TAG: ${{{{ github.ref_name }}}}\n        run: python3 scripts/check_tag.py \"$TAG\"\n  testpypi:\n    needs: [check]\n    runs-on: ubuntu-latest\n    environment: testpypi\n    permissions:\n      id-token: write\n    steps:\n      - uses: {PINNED_CHECKOUT}\n      - run: >-\n          \"$RUNNER_TEMP/bin/chora-publish\" upload\n          --testpypi\n          --attestations=always\n          dist/*\n"
    );
    let dir = s.repo("own", "release.yml", &text);
    let (_, report) = s.audit(&dir, &["--fail-on", "never"]);
    let repo = &report["repositories"][0];
    let publishing = repo["publishing"].as_array().unwrap();
    assert_eq!(publishing.len(), 1, "{repo:#}");
    assert_eq!(publishing[0]["index"], "testpypi");
    assert_eq!(publishing[0]["tool"], "chora-publish");
    assert_eq!(publishing[0]["attestations"], true);
    let found = ids(repo);
    assert!(
        !found.contains(&"chora/tag-version-check".to_string()),
        "{found:?}"
    );
    // The same step named without saying it compares the version: the check is not seen.
    let unnamed = s.repo(
        "own-unnamed",
        "release.yml",
        &text.replace("Check that the tag is v<crate version>", "Run a script"),
    );
    let (_, report) = s.audit(&unnamed, &["--fail-on", "never"]);
    assert!(ids(&report["repositories"][0]).contains(&"chora/tag-version-check".to_string()));
}
