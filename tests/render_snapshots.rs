//! Snapshots (in snapshots/) of the whole rendered tree for oidc/token × chora/pypa, and for
//! oidc/token with ci=gitlab. The chora ones render with a releases file (`CHORA_RELEASES_FILE`)
//! listing one chora-cli release of two
//! wheels; with the embedded file, which lists none yet, publisher=chora is refused.

mod support;

use support::{chora, list_files, with_standard_answers};

/// A releases file: chora-cli 0.2.0 with two wheels, and an older 0.1.5 that must not be used.
pub const RELEASES: &str = "# test releases\n\
0.1.5\tchora_cli-0.1.5-py3-none-any.whl\t1111111111111111111111111111111111111111111111111111111111111111\n\
0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\
0.2.0\tchora_cli-0.2.0-py3-none-macosx_11_0_arm64.whl\t0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

fn generate_with(
    home: &std::path::Path,
    dest: &std::path::Path,
    extra: &[&str],
    releases: Option<&str>,
) -> assert_cmd::assert::Assert {
    let mut cmd = chora(home);
    cmd.arg("new").arg(dest).arg("--defaults").arg("--no-git");
    if let Some(text) = releases {
        let file = home.join("chora-releases.tsv");
        std::fs::write(&file, text).unwrap();
        cmd.env("CHORA_RELEASES_FILE", &file);
    }
    for answer in with_standard_answers(extra) {
        cmd.arg("--data").arg(answer);
    }
    cmd.assert()
}

fn tree_text(root: &std::path::Path) -> String {
    let mut out = String::new();
    for path in list_files(root) {
        let contents = std::fs::read_to_string(root.join(&path)).unwrap();
        out.push_str(&format!("===== {path} =====\n{contents}"));
        if !contents.ends_with('\n') {
            out.push_str("\n[no newline at end of file]\n");
        }
    }
    out
}

fn snapshot(auth: &str, publisher: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let auth_arg = format!("pypi_auth_method={auth}");
    let publisher_arg = format!("publisher={publisher}");
    let releases = (publisher == "chora").then_some(RELEASES);
    generate_with(home.path(), &dest, &[&auth_arg, &publisher_arg], releases).success();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("tree_{auth}_{publisher}"), tree_text(&dest));
    });
}

/// The GitLab CI variant (`ci=gitlab`): one `.gitlab-ci.yml` instead of `.github/`.
fn snapshot_gitlab(auth: &str) {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let auth_arg = format!("pypi_auth_method={auth}");
    generate_with(home.path(), &dest, &["ci=gitlab", &auth_arg], None).success();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(format!("tree_gitlab_{auth}"), tree_text(&dest));
    });
}

#[test]
fn tree_gitlab_oidc() {
    snapshot_gitlab("oidc");
}

#[test]
fn tree_gitlab_token() {
    snapshot_gitlab("token");
}

#[test]
fn tree_oidc_chora() {
    snapshot("oidc", "chora");
}

#[test]
fn tree_oidc_pypa() {
    snapshot("oidc", "pypa");
}

#[test]
fn tree_token_chora() {
    snapshot("token", "chora");
}

#[test]
fn tree_token_pypa() {
    snapshot("token", "pypa");
}

#[test]
fn publisher_chora_is_refused_while_no_release_is_known() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let assert = generate_with(home.path(), &dest, &["publisher=chora"], None).failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("no chora-cli release is published yet, so generated workflows could not install chora-publish by hash; use publisher=pypa (the default), and switch with `chora update --data publisher=chora` once one is"),
        "{stderr}"
    );
    assert!(!dest.exists(), "nothing written");
    // An empty releases file given by the knob: the same.
    let assert =
        generate_with(home.path(), &dest, &["publisher=chora"], Some("# none\n")).failure();
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("no chora-cli release"));
}

#[test]
fn the_default_publisher_follows_the_releases_file() {
    for (releases, publisher) in [(None, "pypa"), (Some(RELEASES), "chora")] {
        let home = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let dest = out.path().join("demo-pkg");
        generate_with(home.path(), &dest, &[], releases).success();
        let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
        assert!(
            answers.contains(&format!("publisher: {publisher}")),
            "{answers}"
        );
        let lint = std::fs::read_to_string(dest.join(".github/workflows/lint.yml")).unwrap();
        let release = std::fs::read_to_string(dest.join(".github/workflows/release.yml")).unwrap();
        assert!(
            !lint.contains("uvx") && !release.contains("uvx --from chora-cli"),
            "{lint}{release}"
        );
        // uv is pinned wherever setup-uv runs.
        for text in [&lint, &release] {
            assert_eq!(
                text.matches("astral-sh/setup-uv@").count(),
                text.matches("version: \"0.13.8\"").count(),
                "{text}"
            );
        }
        if publisher == "chora" {
            let requirement = "CHORA_REQUIREMENT: \"chora-cli==0.2.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"";
            assert_eq!(lint.matches(requirement).count(), 1, "{lint}");
            // TestPyPI, PyPI and the proof after PyPI (smoke, provenance).
            assert_eq!(release.matches(requirement).count(), 3, "{release}");
            assert!(lint.contains("run: chora check"), "{lint}");
            assert!(
                !release.contains("0.1.5") && !lint.contains("1111"),
                "{release}"
            );
        } else {
            assert!(
                !lint.contains("chora check\n") && lint.contains("No `chora check` job"),
                "{lint}"
            );
            assert!(!release.contains("chora-cli"), "{release}");
        }
    }
}

#[test]
fn an_invalid_releases_file_is_refused_at_generation() {
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("demo-pkg");
    let bad = RELEASES.replace(
        "0.2.0\tchora_cli-0.2.0-py3-none-macosx",
        "0.3.0\tchora_cli-0.2.0-py3-none-macosx",
    );
    let assert = generate_with(home.path(), &dest, &[], Some(&bad)).failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("line 4") && stderr.contains("not a wheel of version 0.3.0"),
        "{stderr}"
    );
    assert!(!dest.exists());
}
