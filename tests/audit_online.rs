//! `chora audit --online` against the GitHub and PyPI stand-ins: a healthy repository audits
//! clean; the TestPyPI success rate below its target fails with the figure, cancelled runs
//! not counted; unprotected environments, admin bypass, no tag ruleset, releases without
//! provenance assets, PyPI files without provenance or from another repository are findings;
//! a 429 with retry-after is waited out on the stand-in clock; a missing repository is
//! reported without stopping another; no token is exit 2; the report validates against its
//! schema; the token never appears.

#[path = "support/standin/mod.rs"]
mod standin;
mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use standin::github::{Github, RateFault, StoredEnvironment, TOKEN};
use standin::pypi::Index;

const PUB_TEST: &str = "Publish to TestPyPI";
const PUB_PYPI: &str = "Publish to PyPI";
const SDIST: &str = "demo_pkg-1.0.0.tar.gz";
const WHEEL: &str = "demo_pkg-1.0.0-py3-none-any.whl";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Setup {
    tmp: tempfile::TempDir,
    home: PathBuf,
    gh: Github,
    pypi: Index,
}

fn provenance(repository: &str) -> Value {
    json!({"version": 1, "attestation_bundles": [{
        "publisher": {"kind": "GitHub", "repository": repository, "workflow": "release.yml",
                      "environment": "pypi", "claims": null},
        "attestations": [],
    }]})
}

impl Setup {
    /// A generated project (octo-org/demo-pkg) and stand-ins with nothing recorded.
    fn bare() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        support::new_project(&home, &tmp.path().join("demo-pkg"), &[]);
        Setup {
            tmp,
            home,
            gh: Github::start("octo-org", "demo-pkg"),
            pypi: Index::start(),
        }
    }

    /// Everything green: 20 successful runs, protected environments, a tag ruleset, signed
    /// immutable releases, PyPI files with provenance from this repository.
    fn healthy() -> Setup {
        let s = Setup::bare();
        s.runs(20, "success");
        for name in ["pypi", "testpypi"] {
            s.gh.add_environment(StoredEnvironment {
                name: name.to_string(),
                reviewers: 1,
                policies: Some(vec![("tag".into(), "v*".into())]),
                ..StoredEnvironment::default()
            });
        }
        s.gh.add_ruleset(
            "release tags",
            "tag",
            "active",
            &["refs/tags/v*"],
            &["creation", "update", "deletion"],
        );
        s.gh.set_immutable_releases(true);
        s.gh.add_release(
            "v1.0.0",
            false,
            &[(&format!("{SDIST}.sigstore.json"), b"{}")],
        );
        for f in [SDIST, WHEEL] {
            s.pypi.seed_file("demo-pkg", "1.0.0", f, f.as_bytes());
            s.pypi.serve_provenance(f, provenance("octo-org/demo-pkg"));
        }
        s
    }

    /// `n` runs of release.yml with both publish jobs concluding `conclusion`.
    fn runs(&self, n: usize, conclusion: &str) {
        for _ in 0..n {
            self.gh.add_run(
                "release.yml",
                conclusion,
                1,
                &[(PUB_TEST, conclusion), (PUB_PYPI, conclusion)],
            );
        }
    }

    fn project(&self) -> PathBuf {
        self.tmp.path().join("demo-pkg")
    }

    fn chora(&self, args: &[&str], token: Option<&str>) -> Run {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora"));
        cmd.current_dir(self.project())
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CHORA_PUBLISH_GITHUB_SECOND_MS", "1")
            .args(["audit", "--online", "--no-report"])
            .args(["--github-api-url", &self.gh.api_url()])
            .args(["--pypi-url", &self.pypi.url()])
            .args(args);
        if let Some(t) = token {
            cmd.env("GITHUB_TOKEN", t);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The JSON report of `chora audit --online --format json`.
    fn json(&self, extra: &[&str]) -> (Run, Value) {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let run = self.chora(&args, Some(TOKEN));
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
        let v: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        (run, v)
    }
}

fn ids(report: &Value) -> Vec<String> {
    report["repositories"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn validate(report: &Value, dir: &Path) {
    let schema =
        support::repo_root().join("docs/schemas/release-supply-chain-audit.v1.schema.json");
    let path = dir.join("online.json");
    std::fs::write(&path, serde_json::to_string_pretty(report).unwrap()).unwrap();
    let mut cmd = support::tool_command("check-jsonschema");
    cmd.arg("--schemafile").arg(&schema).arg(&path);
    let (ok, output) = support::run(&mut cmd);
    assert!(ok, "{output}");
}

#[test]
fn a_healthy_repository_audits_clean_online_and_validates() {
    let s = Setup::healthy();
    let (run, r) = s.json(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let repo = &r["repositories"][0];
    let online = &repo["online"];
    assert_eq!(online["errors"], json!([]), "{online:#}");
    assert_eq!(ids(&r), Vec::<String>::new());
    let workflows = online["workflows"].as_array().unwrap();
    assert_eq!(workflows.len(), 2);
    for w in workflows {
        assert_eq!(
            (w["runs"].as_u64(), w["success"].as_u64()),
            (Some(20), Some(20))
        );
        assert_eq!(w["success_rate"], json!(1.0));
    }
    assert_eq!(online["environments"].as_array().unwrap().len(), 2);
    assert_eq!(online["environments"][0]["patterns"], json!(["tag:v*"]));
    assert_eq!(online["tag_rulesets"]["covers_release_tags"], json!(true));
    assert_eq!(online["releases"]["with_provenance_assets"], json!(1));
    assert_eq!(online["releases"]["immutable"], json!(true));
    assert_eq!(online["pypi"]["provenance_coverage"], json!(1.0));
    let verdicts = repo["verdicts"].as_array().unwrap();
    let v = |name: &str| verdicts.iter().find(|v| v["name"] == name).unwrap();
    assert_eq!(v("testpypi-success-rate")["passed"], json!(true));
    assert_eq!(v("testpypi-success-rate")["source"], json!("github"));
    assert_eq!(v("provenance-coverage")["source"], json!("pypi"));
    let cells = repo["acceptance"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[0]["source"], json!(["files", "github"]));
    assert_eq!(cells[2]["source"], json!(["files", "github", "pypi"]));
    assert!(
        cells.iter().take(3).all(|c| c["passed"] == json!(true)),
        "{cells:#?}"
    );
    assert!(r["summary"]["online"]["pypi_files_with_provenance"] == json!(2));
    validate(&r, s.tmp.path());

    // The table shows the online lines; the token never.
    let table = s.chora(&[], Some(TOKEN));
    assert_eq!(table.code, 0, "{}{}", table.stdout, table.stderr);
    assert!(
        table
            .stdout
            .contains("online: release.yml job publish-testpypi (testpypi): 20 runs, 20 success"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("release tags protected"));
    assert!(!table.stdout.contains(TOKEN) && !table.stderr.contains(TOKEN));
    // Every request carried the token, and only the API was asked.
    let log = s.gh.log();
    assert!(log.len() >= 20 + 2 + 2);
    assert_eq!(log.iter().filter(|l| !l.authed).count(), 0);
}

#[test]
fn two_failures_in_twenty_runs_miss_the_testpypi_target() {
    let s = Setup::healthy();
    s.runs(2, "failure");
    let (run, r) = s.json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let w = &r["repositories"][0]["online"]["workflows"][0];
    assert_eq!(
        (w["success"].as_u64(), w["failure"].as_u64()),
        (Some(18), Some(2))
    );
    assert!(
        ids(&r).contains(&"chora/testpypi-success-rate".to_string()),
        "{:?}",
        ids(&r)
    );
    let verdict = &r["repositories"][0]["verdicts"][0];
    assert_eq!(verdict["passed"], json!(false));
    assert!(
        verdict["measured"]
            .as_str()
            .unwrap()
            .starts_with("90.0% over 20 runs"),
        "{verdict}"
    );
    let table = s.chora(&[], Some(TOKEN));
    assert_eq!(table.code, 1);
    assert!(table.stdout.contains("MISSED: 90.0%"), "{}", table.stdout);
}

#[test]
fn cancelled_runs_are_not_counted_and_reruns_are_flaky() {
    let s = Setup::healthy();
    s.runs(3, "cancelled");
    s.gh.add_run(
        "release.yml",
        "success",
        2,
        &[(PUB_TEST, "success"), (PUB_PYPI, "success")],
    );
    let (run, r) = s.json(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let w = &r["repositories"][0]["online"]["workflows"][0];
    assert_eq!(w["runs"], json!(20));
    assert_eq!(
        (w["success"].as_u64(), w["cancelled"].as_u64()),
        (Some(17), Some(3))
    );
    assert_eq!(w["success_rate"], json!(1.0));
    assert_eq!(w["reruns"], json!(1));
    assert!(ids(&r).contains(&"chora/publish-flaky".to_string()));
}

#[test]
fn unprotected_settings_and_missing_provenance_are_findings() {
    let s = Setup::bare();
    s.runs(20, "success");
    s.gh.add_environment(StoredEnvironment {
        name: "pypi".into(),
        can_admins_bypass: true,
        ..StoredEnvironment::default()
    });
    s.gh.add_ruleset("drafts", "tag", "disabled", &["~ALL"], &["deletion"]);
    s.gh.add_release("v1.0.0", false, &[(SDIST, b"x")]);
    s.pypi.seed_file("demo-pkg", "1.0.0", SDIST, b"s");
    s.pypi.seed_file("demo-pkg", "1.0.0", WHEEL, b"w");
    s.pypi.serve_provenance(WHEEL, provenance("mallory/fork"));
    let (run, r) = s.json(&[]);
    assert_eq!(
        run.code, 1,
        "a file published by another repository is high"
    );
    let found = ids(&r);
    for id in [
        "chora/environment-branch-policy",
        "chora/environment-reviewers",
        "chora/environment-admin-bypass",
        "chora/tag-ruleset",
        "scorecard/Signed-Releases",
        "chora/immutable-releases",
        "chora/pypi-provenance",
        "chora/pypi-provenance-publisher",
    ] {
        assert_eq!(
            found.iter().filter(|f| *f == id).count(),
            1,
            "{id} in {found:?}"
        );
    }
    let findings = r["repositories"][0]["findings"].as_array().unwrap();
    let by = |id: &str| findings.iter().find(|f| f["id"] == id).unwrap();
    assert_eq!(by("chora/pypi-provenance-publisher")["severity"], "high");
    assert!(
        by("chora/pypi-provenance-publisher")["message"]
            .as_str()
            .unwrap()
            .contains("mallory/fork")
    );
    // Public repository: reviewers are available on every plan, so medium.
    assert_eq!(by("chora/environment-reviewers")["severity"], "medium");
    // Located at the workflow, without a span (SARIF: no region).
    assert_eq!(
        by("chora/tag-ruleset")["location"],
        json!({"file": ".github/workflows/release.yml"})
    );
    assert_eq!(r["repositories"][0]["verdicts"][2]["passed"], json!(false));
    validate(&r, s.tmp.path());

    let sarif = s.chora(&["--format", "sarif"], Some(TOKEN));
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results.iter().all(|x| {
        x["locations"][0]["physicalLocation"]
            .get("region")
            .is_none()
    }));
}

#[test]
fn an_environment_the_repository_lacks_is_unprotected() {
    // Runs, but no environment on the stand-in.
    let s = Setup::bare();
    s.runs(20, "success");
    let (_, r) = s.json(&[]);
    let found = ids(&r);
    assert!(
        found.contains(&"chora/environment-missing".to_string()),
        "{found:?}"
    );
    let f = r["repositories"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "chora/environment-missing")
        .unwrap()
        .clone();
    assert!(f["message"].as_str().unwrap().contains("unprotected"));
    assert_eq!(
        r["repositories"][0]["online"]["environments"][0]["exists"],
        json!(false)
    );
    drop(s);
}

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let s = Setup::healthy();
    s.gh.rate_limit(RateFault::RetryAfter {
        status: 429,
        secs: 30,
    });
    let (run, r) = s.json(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(r["repositories"][0]["online"]["errors"], json!([]));
    let log = s.gh.log();
    assert_eq!(log[0].status, 429);
    assert_eq!(log[1].path, log[0].path);
    assert!(
        log[1].at - log[0].at >= 30.0,
        "{} -> {}",
        log[0].at,
        log[1].at
    );
}

#[test]
fn a_missing_repository_is_reported_and_the_other_audited() {
    let s = Setup::healthy();
    let other = s.tmp.path().join("other");
    support::new_project(
        &s.home,
        &other,
        &["github_owner=someone-else", "project_name=other-pkg"],
    );
    let (run, r) = s.json(&[".", other.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let repos = r["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 2);
    assert_eq!(repos[0]["online"]["errors"], json!([]));
    assert_eq!(repos[0]["online"]["workflows"].as_array().unwrap().len(), 2);
    let errors = repos[1]["online"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].as_str().unwrap().contains("not found (404)"),
        "{errors:?}"
    );
    assert_eq!(r["summary"]["online"]["with_errors"], json!(1));
    validate(&r, s.tmp.path());
    let table = s.chora(&[".", other.to_str().unwrap()], Some(TOKEN));
    assert!(
        table
            .stdout
            .contains("online error: GET repository someone-else/other-pkg"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("Online: 2 repositories asked, 1 with errors")
    );
}

#[test]
fn no_token_is_exit_2_and_a_bad_one_is_reported_unprinted() {
    let s = Setup::healthy();
    let run = s.chora(&[], None);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("GITHUB_TOKEN") && run.stderr.contains("GH_TOKEN"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Actions: read"));
    assert!(s.gh.log().is_empty());

    let bad = "ghp_NotTheRightToken0123456789abcdef";
    let run = s.chora(&["--format", "json"], Some(bad));
    assert!(!run.stdout.contains(bad) && !run.stderr.contains(bad));
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = r["repositories"][0]["online"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].as_str().unwrap().contains("401"), "{errors:?}");
}
