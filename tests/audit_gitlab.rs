//! `chora audit` on GitLab repositories (offline tier): a generated `ci=gitlab` project with
//! Trusted Publishing audits clean of GitLab findings; its token variant, the hand-written token
//! pipelines of tests/fixtures/gitlab and their migrated versions are told apart
//! (`zizmor/use-trusted-publishing`); publish jobs that are not tag-only, outside an
//! environment, on an unpinned image or with a cache, ID tokens on a job that does not
//! publish, and uploads in included files, child pipelines or extended templates are found.

mod support;

use std::path::{Path, PathBuf};

use support::chora;

fn audit(dir: &Path) -> Vec<(String, String)> {
    let home = dir.parent().unwrap().join("audit-home");
    std::fs::create_dir_all(&home).unwrap();
    let output = chora(&home)
        .args(["audit", "--format", "json", "--no-report"])
        .arg(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text}{}", String::from_utf8_lossy(&output.stderr)));
    let mut out = Vec::new();
    collect(&json, &mut out);
    out
}

/// Every finding object (`id` + `message`) anywhere in the report.
fn collect(value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            if let (Some(id), Some(message)) = (
                map.get("id").and_then(|v| v.as_str()),
                map.get("message").and_then(|v| v.as_str()),
            ) {
                out.push((id.to_string(), message.to_string()));
            }
            for v in map.values() {
                collect(v, out);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                collect(v, out);
            }
        }
        _ => {}
    }
}

fn gitlab_findings(findings: &[(String, String)]) -> Vec<&(String, String)> {
    findings
        .iter()
        .filter(|(id, m)| id.starts_with("chora/gitlab-") || m.contains("GitLab job"))
        .collect()
}

fn pipeline(text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(dir.join(".gitlab-ci.yml"), text).unwrap();
    let included = support::repo_root().join("tests/fixtures/gitlab/included-release.yml");
    std::fs::copy(included, dir.join("ci/release.yml")).unwrap();
    (tmp, dir)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        support::repo_root()
            .join("tests/fixtures/gitlab")
            .join(name),
    )
    .unwrap()
}

#[test]
fn a_generated_trusted_gitlab_project_audits_clean() {
    let mut checked = 0;
    for extra in [
        &[
            "pypi_auth_method=oidc",
            "publish_testpypi=true",
            "attestations=true",
        ][..],
        &[
            "pypi_auth_method=oidc",
            "publish_testpypi=false",
            "attestations=false",
        ][..],
    ] {
        let (_tmp, dest) = support::generate_gitlab(extra);
        let findings = audit(&dest);
        assert!(findings.is_empty(), "{extra:?}: {findings:#?}");
        assert!(
            gitlab_findings(&findings).is_empty(),
            "{extra:?}: {findings:#?}"
        );
        assert!(
            !findings
                .iter()
                .any(|(id, _)| id == "zizmor/use-trusted-publishing"),
            "{extra:?}: {findings:#?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn a_generated_token_gitlab_project_is_token_publishing() {
    let (_tmp, dest) =
        support::generate_gitlab(&["pypi_auth_method=token", "publish_testpypi=true"]);
    let findings = audit(&dest);
    let tokens: Vec<_> = findings
        .iter()
        .filter(|(id, m)| id == "zizmor/use-trusted-publishing" && m.contains("GitLab job"))
        .collect();
    assert_eq!(tokens.len(), 2, "TestPyPI and PyPI: {findings:#?}");
}

#[test]
fn token_fixtures_are_flagged_and_their_migrations_are_not() {
    let mut checked = 0;
    for tool in ["twine", "uv", "poetry", "flit", "hatch", "pdm"] {
        let (_tmp, dir) = pipeline(&fixture(&format!("{tool}.yml")));
        let findings = audit(&dir);
        assert!(
            findings
                .iter()
                .any(|(id, m)| id == "zizmor/use-trusted-publishing" && m.contains("GitLab job")),
            "{tool}: {findings:#?}"
        );
        let (_tmp, dir) = pipeline(&fixture(&format!("expected/{tool}.yml")));
        let findings = audit(&dir);
        assert!(
            !findings
                .iter()
                .any(|(id, _)| id == "zizmor/use-trusted-publishing"),
            "{tool} migrated: {findings:#?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn release_job_hygiene_is_checked() {
    let text = "\
build:
  image: python:3.12
  id_tokens:
    PYPI_ID_TOKEN:
      aud: pypi
  script:
    - python -m build

publish:
  image: python:3.12
  cache:
    paths: [.cache/pip]
  id_tokens:
    PYPI_ID_TOKEN:
      aud: pypi
  script:
    - uv publish --trusted-publishing always dist/*
";
    let (_tmp, dir) = pipeline(text);
    let findings = audit(&dir);
    let ids: Vec<&str> = gitlab_findings(&findings)
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    for id in [
        "chora/gitlab-publish-not-tag-only",
        "chora/gitlab-publish-environment",
        "chora/gitlab-image-digest",
        "chora/gitlab-release-cache",
        "chora/gitlab-id-token-scope",
    ] {
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{id}: {ids:?}");
    }
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(
        !findings
            .iter()
            .any(|(id, _)| id == "zizmor/use-trusted-publishing"),
        "{findings:#?}"
    );
}

/// A TestPyPI upload may also run from a pipeline started by hand (the drill); a PyPI upload
/// may not.
#[test]
fn a_hand_started_pipeline_may_rehearse_testpypi_but_not_publish_to_pypi() {
    let job = |name: &str, aud: &str, url: &str| {
        format!(
            "\
{name}:
  image: python@sha256:{digest}
  environment: {aud}
  rules:
    - if: $CI_COMMIT_TAG =~ /^v/
    - if: $CI_PIPELINE_SOURCE == \"web\" && $CHORA_DRILL == \"true\"
  id_tokens:
    PYPI_ID_TOKEN:
      aud: {aud}
  script:
    - uv publish --trusted-publishing always --publish-url {url} dist/*
",
            digest = "a".repeat(64)
        )
    };
    let text = format!(
        "{}\n{}",
        job(
            "publish-testpypi",
            "testpypi",
            "https://test.pypi.org/legacy/"
        ),
        job("publish-pypi", "pypi", "https://upload.pypi.org/legacy/")
    );
    let (_tmp, dir) = pipeline(&text);
    let findings = audit(&dir);
    let gitlab = gitlab_findings(&findings);
    assert_eq!(gitlab.len(), 1, "{gitlab:#?}");
    assert_eq!(gitlab[0].0, "chora/gitlab-publish-not-tag-only");
    assert!(gitlab[0].1.contains("`publish-pypi`"), "{gitlab:#?}");
    // The same rule with `||` holds on any pipeline: not a drill.
    let loose = text.replace(
        "$CI_PIPELINE_SOURCE == \"web\" && $CHORA_DRILL",
        "$CI_PIPELINE_SOURCE == \"web\" || $CHORA_DRILL",
    );
    let (_tmp2, dir2) = pipeline(&loose);
    let findings = audit(&dir2);
    let gitlab = gitlab_findings(&findings);
    assert_eq!(gitlab.len(), 2, "{gitlab:#?}");
    assert!(
        gitlab.iter().any(|(_, m)| m.contains("`publish-testpypi`")),
        "{gitlab:#?}"
    );
}

#[test]
fn uploads_pypi_cannot_match_are_reported() {
    let mut checked = 0;
    for (name, words) in [
        ("refused-include.yml", "includes"),
        ("refused-child.yml", "child pipeline"),
        ("refused-extends.yml", "extends"),
    ] {
        let (_tmp, dir) = pipeline(&fixture(name));
        let findings = audit(&dir);
        let shape: Vec<_> = findings
            .iter()
            .filter(|(id, _)| id == "chora/gitlab-publisher-shape")
            .collect();
        assert_eq!(shape.len(), 1, "{name}: {findings:#?}");
        assert!(shape[0].1.contains(words), "{name}: {shape:?}");
        checked += 1;
    }
    assert_eq!(checked, 3);
}
