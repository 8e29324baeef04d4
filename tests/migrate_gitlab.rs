//! `chora migrate` on GitLab pipelines: one hand-written `.gitlab-ci.yml` per publishing tool
//! (tests/fixtures/gitlab/*.yml, the shared corpus is GitHub-only) becomes exactly
//! tests/fixtures/gitlab/expected/*.yml; the result validates with check-jsonschema's
//! `vendor.gitlab-ci`, a second run changes nothing and `--check` passes; `--dry-run` writes
//! nothing and `--format json` names the GitLab publisher; uploads in an included file, a
//! child pipeline or an extended template are refused with the reason, file untouched.

mod support;

use std::path::{Path, PathBuf};

use support::{chora, tool_command};

const TOOLS: &[&str] = &["twine", "uv", "poetry", "flit", "hatch", "pdm"];

fn fixture(name: &str) -> PathBuf {
    support::repo_root()
        .join("tests/fixtures/gitlab")
        .join(name)
}

/// A repository holding `fixture` as `.gitlab-ci.yml` (and `ci/release.yml` for includes).
fn repo(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::copy(fixture(name), dir.join(".gitlab-ci.yml")).unwrap();
    std::fs::copy(fixture("included-release.yml"), dir.join("ci/release.yml")).unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"demo-pkg\"\nversion = \"1\"\n",
    )
    .unwrap();
    (tmp, dir)
}

fn migrate(dir: &Path, args: &[&str]) -> (i32, String) {
    let home = dir.parent().unwrap().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let output = chora(&home)
        .arg("migrate")
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

fn ci(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap()
}

#[test]
fn every_tool_migrates_to_exactly_the_expected_pipeline() {
    let mut checked = 0;
    for tool in TOOLS {
        let (_tmp, dir) = repo(&format!("{tool}.yml"));
        let (code, out) = migrate(&dir, &["--yes", "--no-docs"]);
        assert_eq!(code, 0, "{tool}: {out}");
        let expected = std::fs::read_to_string(fixture(&format!("expected/{tool}.yml"))).unwrap();
        assert_eq!(ci(&dir), expected, "{tool}: {out}");
        assert!(
            out.contains("Top-level pipeline file path: .gitlab-ci.yml"),
            "{tool}: {out}"
        );
        assert!(out.contains("Protected tags"), "{tool}: {out}");
        // No long-lived token is left in the pipeline.
        assert!(
            !expected.contains("TOKEN\"") && !expected.contains("_TOKEN}"),
            "{tool}"
        );
        checked += 1;
    }
    assert_eq!(checked, TOOLS.len());
}

#[test]
fn migrated_pipelines_validate_with_the_gitlab_schema() {
    let mut checked = 0;
    for tool in TOOLS {
        for file in [format!("{tool}.yml"), format!("expected/{tool}.yml")] {
            let mut cmd = tool_command("check-jsonschema");
            cmd.args(["--builtin-schema", "vendor.gitlab-ci"])
                .arg(fixture(&file));
            let (ok, output) = support::run(&mut cmd);
            assert!(ok, "{file}: {output}");
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * TOOLS.len());
}

#[test]
fn a_second_run_is_a_no_op_and_check_passes() {
    let mut checked = 0;
    for tool in TOOLS {
        let (_tmp, dir) = repo(&format!("expected/{tool}.yml"));
        let before = ci(&dir);
        let (code, out) = migrate(&dir, &["--check"]);
        assert_eq!(code, 0, "{tool}: --check on a migrated pipeline: {out}");
        let (code, out) = migrate(&dir, &["--yes", "--no-docs"]);
        assert_eq!(code, 0, "{tool}: {out}");
        assert_eq!(ci(&dir), before, "{tool}: the second run changed the file");
        checked += 1;
    }
    assert_eq!(checked, TOOLS.len());
}

#[test]
fn check_dry_run_and_json_write_nothing() {
    let (_tmp, dir) = repo("twine.yml");
    let before = ci(&dir);
    let (code, out) = migrate(&dir, &["--check"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = migrate(&dir, &["--dry-run", "--no-docs"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Dry run: 1 file(s) would change"), "{out}");
    let (_, out) = migrate(&dir, &["--dry-run", "--no-docs", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let publishers = json["gitlab_publishers"].as_array().unwrap();
    assert_eq!(publishers.len(), 1, "{out}");
    assert_eq!(publishers[0]["pipeline_file"], ".gitlab-ci.yml");
    assert_eq!(publishers[0]["environment"], "pypi");
    assert_eq!(
        json["gitlab_variables_to_delete"],
        serde_json::json!(["PYPI_API_TOKEN"])
    );
    assert!(
        json["files"][0]["diff"]
            .as_str()
            .unwrap()
            .contains("+    PYPI_ID_TOKEN:")
    );
    assert_eq!(ci(&dir), before, "nothing is written without --yes");
}

#[test]
fn uploads_outside_the_top_level_pipeline_are_refused_with_the_reason() {
    let cases = [
        ("refused-include.yml", "includes", "ci/release.yml"),
        ("refused-child.yml", "child pipeline", "ci/release.yml"),
        ("refused-extends.yml", "extends", ".gitlab-ci.yml"),
    ];
    for (name, reason, file) in cases {
        let (_tmp, dir) = repo(name);
        let before = ci(&dir);
        let included = std::fs::read_to_string(dir.join("ci/release.yml")).unwrap();
        let (code, out) = migrate(&dir, &["--yes", "--no-docs"]);
        assert_ne!(code, 0, "{name}: {out}");
        assert!(out.contains("refused"), "{name}: {out}");
        assert!(out.contains(reason), "{name}: {out}");
        assert!(out.contains(file), "{name}: {out}");
        assert!(
            out.contains("then run chora migrate again"),
            "{name}: {out}"
        );
        assert_eq!(ci(&dir), before, "{name}");
        assert_eq!(
            std::fs::read_to_string(dir.join("ci/release.yml")).unwrap(),
            included,
            "{name}"
        );
    }
    assert_eq!(cases.len(), 3);
}

#[test]
fn a_generated_trusted_pipeline_has_nothing_to_migrate() {
    let mut checked = 0;
    for extra in [
        &[
            "pypi_auth_method=oidc",
            "publish_testpypi=true",
            "attestations=true",
        ][..],
        &[
            "pypi_auth_method=oidc",
            "publish_testpypi=true",
            "attestations=false",
        ][..],
    ] {
        let (_tmp, dest) = support::generate_gitlab(extra);
        let (code, out) = migrate(&dest, &["--check"]);
        assert_eq!(code, 0, "{extra:?}: {out}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn a_generated_token_pipeline_migrates_to_a_valid_trusted_one() {
    let (_tmp, dest) =
        support::generate_gitlab(&["pypi_auth_method=token", "publish_testpypi=true"]);
    // Without its answers file the pipeline is a hand-written one (a generated project is
    // switched with `chora update`, never patched).
    std::fs::remove_file(dest.join(".chora-answers.yml")).unwrap();
    let (code, out) = migrate(&dest, &["--check"]);
    assert_eq!(code, 1, "the token pipeline needs migrating: {out}");
    let (code, out) = migrate(&dest, &["--yes", "--no-docs", "--allow-dirty"]);
    assert_eq!(code, 0, "{out}");
    // The template's guard that the token variable is set stays, for a person to remove.
    assert!(
        out.contains("the script still reads `TEST_PYPI_API_TOKEN`"),
        "{out}"
    );
    let text = ci(&dest);
    assert!(
        text.contains("TESTPYPI_ID_TOKEN:\n      aud: testpypi"),
        "{text}"
    );
    assert!(text.contains("PYPI_ID_TOKEN:\n      aud: pypi"), "{text}");
    assert!(!text.contains("UV_PUBLISH_TOKEN"), "{text}");
    assert!(!text.contains("--trusted-publishing never"), "{text}");
    assert_eq!(
        text.matches("uv publish --trusted-publishing always")
            .count(),
        2,
        "{text}"
    );
    let (code, out) = migrate(&dest, &["--check"]);
    assert_eq!(code, 0, "{out}");
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.gitlab-ci"])
        .arg(dest.join(".gitlab-ci.yml"));
    let (ok, output) = support::run(&mut cmd);
    assert!(ok, "{output}");
}
