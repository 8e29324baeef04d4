//! The GitLab CI variant of the python-package template (`ci=gitlab`): every generated
//! `.gitlab-ci.yml` over a matrix of answers validates with check-jsonschema's builtin
//! `vendor.gitlab-ci` schema and keeps the publishing policy (ID tokens only on publish and sign
//! jobs with the right audience, publish jobs only on tags and in environments, images pinned
//! by digest, no caches, no include or trigger); the tag check runs for real in a scratch git
//! repository; `chora check` reports drift of `.gitlab-ci.yml`.

mod support;
use support::git;

use std::path::Path;
use std::process::Command;

use support::{chora, generate, tool_command};
use yaml_serde::Value;

const MATRIX: &[&[&str]] = &[
    &[
        "pypi_auth_method=oidc",
        "publish_testpypi=true",
        "attestations=true",
    ],
    &[
        "pypi_auth_method=oidc",
        "publish_testpypi=true",
        "attestations=false",
    ],
    &[
        "pypi_auth_method=oidc",
        "publish_testpypi=false",
        "attestations=true",
    ],
    &[
        "pypi_auth_method=oidc",
        "publish_testpypi=false",
        "attestations=false",
        "python_versions=3.12",
    ],
    &["pypi_auth_method=token", "publish_testpypi=true"],
    &[
        "pypi_auth_method=token",
        "publish_testpypi=false",
        "token_secret_name=MY_PYPI",
    ],
    &[
        "pypi_auth_method=oidc",
        "safety=true",
        "bandit=true",
        "gitlab_namespace=grp/sub",
    ],
];

fn ci_text(dest: &Path) -> String {
    std::fs::read_to_string(dest.join(".gitlab-ci.yml")).unwrap()
}

fn jobs(ci: &Value) -> Vec<(String, Value)> {
    ci.as_mapping()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str()?.to_string();
            let reserved = ["stages", "workflow", "default", "variables", "include"];
            (!reserved.contains(&name.as_str()) && !name.starts_with('.'))
                .then(|| (name, v.clone()))
        })
        .collect()
}

fn testpypi_of(answers: &[&str]) -> bool {
    !answers.contains(&"publish_testpypi=false")
}

fn is_publish(name: &str) -> bool {
    name.starts_with("publish-")
}

#[test]
fn every_gitlab_ci_file_validates_with_the_gitlab_schema() {
    let mut checked = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let mut cmd = tool_command("check-jsonschema");
        cmd.args(["--builtin-schema", "vendor.gitlab-ci"])
            .arg(dest.join(".gitlab-ci.yml"));
        let (ok, output) = support::run(&mut cmd);
        assert!(ok, "{answers:?}: {output}");
        checked += 1;
    }
    assert_eq!(checked, MATRIX.len());
}

#[test]
fn a_broken_gitlab_ci_file_fails_the_schema() {
    let (_tmp, dest) = support::generate_gitlab(&[]);
    let file = dest.join(".gitlab-ci.yml");
    let text = ci_text(&dest).replace("when: never", "when: sometimes");
    std::fs::write(&file, text).unwrap();
    let mut cmd = tool_command("check-jsonschema");
    cmd.args(["--builtin-schema", "vendor.gitlab-ci"])
        .arg(&file);
    let (ok, output) = support::run(&mut cmd);
    assert!(!ok, "`when: sometimes` must not validate: {output}");
}

#[test]
fn the_gitlab_variant_replaces_the_github_files() {
    let (_tmp, dest) = support::generate_gitlab(&[]);
    assert!(dest.join(".gitlab-ci.yml").is_file());
    assert!(dest.join(".gitlab/CODEOWNERS").is_file());
    assert!(dest.join("renovate.json").is_file());
    assert!(!dest.join(".github").exists(), "no .github/ with ci=gitlab");
    let setup = std::fs::read_to_string(dest.join("PYPI_SETUP.md")).unwrap();
    for field in [
        "| Namespace | `octo-org` |",
        "| Project name | `demo-pkg` |",
        "| Top-level pipeline file path | `.gitlab-ci.yml` |",
        "| Environment name | `pypi` |",
        "test.pypi.org/manage/account/publishing/",
        "Protected tags",
    ] {
        assert!(
            setup.contains(field),
            "PYPI_SETUP.md lacks {field}:\n{setup}"
        );
    }
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(answers.contains("  .gitlab-ci.yml: "), "{answers}");
    let pyproject = std::fs::read_to_string(dest.join("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains("Source = \"https://gitlab.com/octo-org/demo-pkg\""),
        "{pyproject}"
    );
}

#[test]
fn id_tokens_only_on_publish_and_sign_jobs_with_the_right_audience() {
    let mut seen = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let text = ci_text(&dest);
        let ci: Value = yaml_serde::from_str(&text).unwrap();
        let oidc = answers.contains(&"pypi_auth_method=oidc");
        let attest = oidc && !answers.contains(&"attestations=false");
        let testpypi = !answers.contains(&"publish_testpypi=false");
        let all = jobs(&ci);
        assert!(all.len() >= 8, "{answers:?}: {all:?}");
        let mut with_tokens = Vec::new();
        for (name, job) in &all {
            let Some(tokens) = job.get("id_tokens") else {
                continue;
            };
            let map = tokens.as_mapping().unwrap();
            assert_eq!(map.len(), 1, "{name}: one ID token");
            let (var, spec) = map.iter().next().unwrap();
            let aud = spec["aud"].as_str().unwrap();
            let expected = match name.as_str() {
                "publish-pypi" => ("PYPI_ID_TOKEN", "pypi"),
                "publish-testpypi" => ("TESTPYPI_ID_TOKEN", "testpypi"),
                "sign" => ("SIGSTORE_ID_TOKEN", "sigstore"),
                other => panic!("{answers:?}: job {other} must not get an ID token"),
            };
            assert_eq!((var.as_str().unwrap(), aud), expected, "{answers:?} {name}");
            with_tokens.push(name.clone());
        }
        let mut want = Vec::new();
        if oidc {
            if attest {
                want.push("sign");
            }
            if testpypi {
                want.push("publish-testpypi");
            }
            want.push("publish-pypi");
        }
        with_tokens.sort();
        want.sort();
        assert_eq!(with_tokens, want, "{answers:?}");
        seen += 1;
    }
    assert_eq!(seen, MATRIX.len());
}

#[test]
fn release_jobs_run_only_on_tags_in_environments_without_caches() {
    let mut publish_jobs = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let text = ci_text(&dest);
        let ci: Value = yaml_serde::from_str(&text).unwrap();
        // The shared release settings: tag rule, not interruptible.
        let release = &ci[".release"];
        let rules = yaml_serde::to_string(&release["rules"]).unwrap();
        assert!(rules.contains("$CI_COMMIT_TAG =~ /^v[0-9]/"), "{rules}");
        assert_eq!(release["interruptible"], Value::Bool(false));
        if testpypi_of(answers) {
            let drill = &ci[".release-or-drill"];
            assert_eq!(drill["extends"], ".release");
            let rules = yaml_serde::to_string(&drill["rules"]).unwrap();
            assert!(rules.contains("$CI_COMMIT_TAG =~ /^v[0-9]/"), "{rules}");
        }
        assert!(!text.contains("cache:"), "{answers:?}: no cache anywhere");
        let testpypi = !answers.contains(&"publish_testpypi=false");
        let mut names = Vec::new();
        for (name, job) in jobs(&ci) {
            let release_job = [
                "tag-check",
                "build",
                "sign",
                "publish-testpypi",
                "install-testpypi",
                "publish-pypi",
                "install-pypi",
                "release",
            ]
            .contains(&name.as_str());
            // With TestPyPI, the jobs up to its install test may also run in the drill
            // (`.release-or-drill`, itself a `.release` with one more rule).
            let drill = testpypi
                && [
                    "tag-check",
                    "build",
                    "sign",
                    "publish-testpypi",
                    "install-testpypi",
                ]
                .contains(&name.as_str());
            let expected = if drill {
                ".release-or-drill"
            } else {
                ".release"
            };
            if release_job {
                assert_eq!(
                    job["extends"].as_str(),
                    Some(expected),
                    "{answers:?}: {name}"
                );
                assert!(job.get("rules").is_none(), "{name} keeps the shared rules");
            } else {
                let extends = job["extends"].as_str();
                assert!(
                    extends != Some(".release") && extends != Some(".release-or-drill"),
                    "{name}"
                );
            }
            if is_publish(&name) {
                let env = job["environment"]["name"].as_str().unwrap();
                let index = name.trim_start_matches("publish-");
                assert_eq!(env, index, "{answers:?}: {name} environment");
                names.push(name.clone());
                publish_jobs += 1;
            }
        }
        assert_eq!(names.len(), if testpypi { 2 } else { 1 }, "{answers:?}");
    }
    assert!(publish_jobs >= MATRIX.len());
}

#[test]
fn every_image_is_pinned_by_digest_and_nothing_is_included() {
    let pins = std::fs::read_to_string(support::repo_root().join("data/image-pins.tsv")).unwrap();
    let mut checked = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let text = ci_text(&dest);
        let images: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("image:"))
            .map(str::trim)
            .collect();
        assert!(!images.is_empty(), "{answers:?}");
        for image in &images {
            let (_, digest) = image
                .split_once("@sha256:")
                .unwrap_or_else(|| panic!("{image} is not pinned by digest"));
            assert_eq!(digest.len(), 64, "{image}");
            assert!(
                digest
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            assert!(
                pins.contains(digest),
                "{image} is not recorded in data/image-pins.tsv"
            );
            checked += 1;
        }
        let ci: Value = yaml_serde::from_str(&text).unwrap();
        assert!(ci.get("include").is_none(), "{answers:?}: no include:");
        for (name, job) in jobs(&ci) {
            assert!(job.get("trigger").is_none(), "{name}: no child pipeline");
            assert!(job.get("include").is_none(), "{name}");
        }
    }
    assert!(checked >= MATRIX.len());
}

#[test]
fn token_variables_appear_only_in_token_mode() {
    let mut checked = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let text = ci_text(&dest);
        if answers.contains(&"pypi_auth_method=token") {
            let secret = if answers.contains(&"token_secret_name=MY_PYPI") {
                "MY_PYPI"
            } else {
                "PYPI_API_TOKEN"
            };
            assert!(
                text.contains(&format!("UV_PUBLISH_TOKEN=\"${secret}\"")),
                "{text}"
            );
            assert!(
                !text.contains("id_tokens"),
                "{answers:?}: no ID token in token mode"
            );
            if !answers.contains(&"publish_testpypi=false") {
                assert!(text.contains("$TEST_PYPI_API_TOKEN"), "{text}");
            }
        } else {
            for needle in ["UV_PUBLISH_TOKEN", "API_TOKEN", "TWINE_PASSWORD"] {
                assert!(!text.contains(needle), "{answers:?}: {needle} in oidc mode");
            }
            assert!(text.contains("id_tokens"), "{answers:?}");
        }
        checked += 1;
    }
    assert_eq!(checked, MATRIX.len());
}

#[test]
fn the_matrix_covers_every_python_version() {
    let (_tmp, dest) = support::generate_gitlab(&["python_min=3.12", "python_versions=3.12,3.13"]);
    let ci: Value = yaml_serde::from_str(&ci_text(&dest)).unwrap();
    let versions = &ci["pytest"]["parallel"]["matrix"][0]["PYTHON_VERSION"];
    let versions: Vec<&str> = versions
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(versions, ["3.12", "3.13"]);
}

/// The second script item of the tag-check job (the first installs git).
fn tag_check_script(dest: &Path) -> String {
    let ci: Value = yaml_serde::from_str(&ci_text(dest)).unwrap();
    let script = ci["tag-check"]["script"].as_sequence().unwrap();
    assert_eq!(script.len(), 2);
    script[1].as_str().unwrap().to_string()
}

/// Run the tag check in a clone of a scratch repository, with a `uv` stand-in whose
/// `lock --check` exits with `lock_status`.
fn run_tag_check(script: &str, on_main: bool, with_lock: bool, lock_status: i32) -> (bool, String) {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    std::fs::write(origin.join("pyproject.toml"), "[project]\n").unwrap();
    if with_lock {
        std::fs::write(origin.join("uv.lock"), "version = 1\n").unwrap();
    }
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "one"]);
    if !on_main {
        git(&origin, &["checkout", "-q", "-b", "side"]);
        std::fs::write(origin.join("side.txt"), "x\n").unwrap();
        git(&origin, &["add", "-A"]);
        git(&origin, &["commit", "-q", "-m", "side"]);
    }
    let sha = git(&origin, &["rev-parse", "HEAD"]);
    git(&origin, &["tag", "v1.0.0"]);
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--no-checkout",
            origin.to_str().unwrap(),
            "work",
        ],
    );
    git(&work, &["checkout", "-q", "--detach", &sha]);
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let uv = bin.join("uv");
    std::fs::write(
        &uv,
        format!("#!/bin/sh\n[ \"$1 $2\" = \"lock --check\" ] && exit {lock_status}\nexit 99\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&uv, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(&work)
        .env("PATH", path)
        .env("CI_COMMIT_SHA", &sha)
        .env("CI_COMMIT_TAG", "v1.0.0")
        .env("CI_DEFAULT_BRANCH", "main")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_tag_check_runs_for_real() {
    let (_tmp, dest) = support::generate_gitlab(&[]);
    let script = tag_check_script(&dest);
    let (ok, out) = run_tag_check(&script, true, true, 0);
    assert!(ok, "{out}");
    assert!(
        out.contains("v1.0.0 is on main and uv.lock is up to date."),
        "{out}"
    );
    let (ok, out) = run_tag_check(&script, false, true, 0);
    assert!(!ok, "{out}");
    assert!(
        out.contains("which is not on the default branch main; nothing was published"),
        "{out}"
    );
    let (ok, out) = run_tag_check(&script, true, false, 0);
    assert!(!ok, "{out}");
    assert!(out.contains("uv.lock is not committed at v1.0.0"), "{out}");
    let (ok, out) = run_tag_check(&script, true, true, 1);
    assert!(!ok, "{out}");
    assert!(out.contains("uv.lock is out of date"), "{out}");
}

#[test]
fn chora_check_is_clean_and_reports_drift_of_the_gitlab_ci_file() {
    let (tmp, dest) = support::generate_gitlab(&[]);
    let home = tmp.path().join("home");
    chora(&home)
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();
    let file = dest.join(".gitlab-ci.yml");
    let text = ci_text(&dest).replace("interruptible: false", "interruptible: true");
    std::fs::write(&file, text).unwrap();
    let out = chora(&home)
        .current_dir(&dest)
        .arg("check")
        .assert()
        .failure();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr)
    );
    assert!(output.contains(".gitlab-ci.yml"), "{output}");
}

#[test]
fn codecov_and_the_chora_publisher_are_refused_with_gitlab() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = chora(&home);
    cmd.arg("new")
        .arg(tmp.path().join("p"))
        .args(["--defaults", "--no-git"]);
    for a in support::with_standard_answers(&["ci=gitlab", "codecov=true"]) {
        cmd.arg("--data").arg(a);
    }
    let out = cmd.assert().failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("codecov=true needs ci=github"), "{stderr}");
}

/// Switching a GitHub project to GitLab is allowed: the chora-managed GitHub files go (chora
/// owns them, and git keeps their history), the seeds under .github/ stay (they are the
/// user's), and `chora check` is clean afterwards.
#[test]
fn update_switches_a_github_project_to_gitlab_and_keeps_the_seeds() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dest = tmp.path().join("demo-pkg");
    generate(&home, &dest, &[]);
    assert!(dest.join(".github/workflows/release.yml").is_file());
    chora(&home)
        .current_dir(&dest)
        .args(["update", "--data", "ci=gitlab"])
        .assert()
        .success();
    for gone in [
        ".github/workflows/release.yml",
        ".github/workflows/tests.yml",
        ".github/dependabot.yml",
    ] {
        assert!(!dest.join(gone).exists(), "{gone} is still there");
    }
    for kept in [".github/CODEOWNERS", ".github/PULL_REQUEST_TEMPLATE.md"] {
        assert!(dest.join(kept).is_file(), "the seed {kept} was removed");
    }
    assert!(dest.join(".gitlab-ci.yml").is_file());
    let answers = std::fs::read_to_string(dest.join(".chora-answers.yml")).unwrap();
    assert!(answers.contains("  ci: gitlab\n"), "{answers}");
    chora(&home)
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();
}

/// uv is installed by content: the `.uv` before_script writes a requirement carrying the
/// SHA-256 of uv's Linux wheels, and pip with `--require-hashes` accepts the real wheel of this
/// machine's platform from PyPI (a wrong or missing hash fails the download).
#[test]
fn uv_is_installed_by_hash_and_the_hashes_match_pypi() {
    let (_tmp, dest) = support::generate_gitlab(&[]);
    let ci: Value = yaml_serde::from_str(&ci_text(&dest)).unwrap();
    let lines: Vec<String> = ci[".uv"]["before_script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains("--require-hashes") && lines[1].contains("--no-deps"),
        "{lines:?}"
    );
    let requirement = lines[0]
        .strip_prefix("echo \"")
        .and_then(|l| l.strip_suffix("\" > /tmp/uv-requirements.txt"))
        .unwrap_or_else(|| panic!("unexpected first line: {}", lines[0]));
    let hashes = requirement.matches(" --hash=sha256:").count();
    assert_eq!(hashes, 4, "{requirement}");
    assert!(requirement.starts_with("uv=="), "{requirement}");

    let work = tempfile::tempdir().unwrap();
    let req = work.path().join("uv-requirements.txt");
    std::fs::write(&req, format!("{requirement}\n")).unwrap();
    let download = |req: &Path| {
        support::tool_command("python")
            .args(["-m", "pip", "download", "--quiet", "--no-cache-dir"])
            .args([
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
            ])
            .args(["--only-binary", ":all:", "--dest"])
            .arg(work.path().join("wheels"))
            .arg("-r")
            .arg(req)
            .output()
            .unwrap()
    };
    let out = download(&req);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same requirement with the hashes changed is refused.
    let wrong = work.path().join("wrong.txt");
    let tampered: String = requirement
        .split(' ')
        .map(|part| match part.strip_prefix("--hash=sha256:") {
            Some(h) => format!("--hash=sha256:{}", h.replace(['e', '8'], "0")),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ");
    std::fs::remove_dir_all(work.path().join("wheels")).unwrap();
    std::fs::write(&wrong, format!("{tampered}\n")).unwrap();
    let out = download(&wrong);
    assert!(!out.status.success(), "tampered hashes were accepted");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HASHES"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With attestations, the PyPI install job reads every published file's provenance back from
/// PyPI (after the install, in the same job, with the signed files from the sign job), and the
/// uploads go through uv, which sends each file's attestation beside it.
#[test]
fn provenance_is_verified_after_the_pypi_install_with_attestations() {
    for (attestations, expect) in [("attestations=true", true), ("attestations=false", false)] {
        let (_tmp, dest) = support::generate_gitlab(&["pypi_auth_method=oidc", attestations]);
        let ci: Value = yaml_serde::from_str(&ci_text(&dest)).unwrap();
        let job = &ci["install-pypi"];
        let script: Vec<&str> = job["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let needs: Vec<&str> = job["needs"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        if expect {
            assert_eq!(script.len(), 2, "{script:?}");
            assert!(
                !script[0].contains("exit 0"),
                "the install must not end the job early"
            );
            assert!(
                script[1].contains(
                    "pypi-attestations@0.0.30 verify pypi --repository \"${CI_PROJECT_URL}\""
                ),
                "{}",
                script[1]
            );
            assert_eq!(needs, ["publish-pypi", "build", "sign"]);
        } else {
            assert_eq!(script.len(), 1, "{script:?}");
            assert_eq!(needs, ["publish-pypi", "build"]);
        }
        let publish: Vec<&str> = ci["publish-pypi"]["script"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(publish, ["uv publish --trusted-publishing always dist/*"]);
    }
}

/// Every script line of every job (hidden templates included) is a string: a line such as
/// `pip install --only-binary :all: -r x` would parse as a mapping, which GitLab rejects.
#[test]
fn every_script_line_is_a_string() {
    let mut files = 0;
    for answers in MATRIX {
        let (_tmp, dest) = support::generate_gitlab(answers);
        let ci: Value = yaml_serde::from_str(&ci_text(&dest)).unwrap();
        let mut lines = 0;
        for (name, job) in ci.as_mapping().unwrap() {
            for key in ["before_script", "script", "after_script"] {
                let Some(items) = job.get(key).and_then(Value::as_sequence) else {
                    continue;
                };
                for item in items {
                    assert!(item.is_string(), "{answers:?}: {name:?}.{key}: {item:?}");
                    lines += 1;
                }
            }
        }
        assert!(lines > 10, "{answers:?}: only {lines} script lines");
        files += 1;
    }
    assert_eq!(files, MATRIX.len());
}

/// A GitLab project's documents speak GitLab: no file mentions GitHub except third-party
/// links (pre-commit hook repositories, the code of conduct's source, chora itself).
#[test]
fn gitlab_documents_do_not_speak_github() {
    let mut checked = 0;
    for auth in ["pypi_auth_method=oidc", "pypi_auth_method=token"] {
        let (_tmp, dest) = support::generate_gitlab(&[auth]);
        for name in [
            "README.md",
            "SECURITY.md",
            "CONTRIBUTING.md",
            "PYPI_SETUP.md",
            "RELEASING.md",
        ] {
            let text = std::fs::read_to_string(dest.join(name)).unwrap();
            let stray: Vec<&str> = text
                .lines()
                .filter(|l| l.to_lowercase().contains("github"))
                .filter(|l| !l.contains("https://github.com/chora-dev/chora"))
                .collect();
            assert!(stray.is_empty(), "{auth} {name}: {stray:#?}");
            checked += 1;
        }
        // zizmor audits GitHub workflows only: no hook for it in a GitLab project.
        let hooks = std::fs::read_to_string(dest.join(".pre-commit-config.yaml")).unwrap();
        assert!(!hooks.contains("zizmor"), "{hooks}");
        assert!(hooks.contains("ruff-format"), "{hooks}");
        checked += 1;
    }
    assert_eq!(checked, 12);
}

/// A GitLab token project carries the GitLab token→OIDC guide; `chora update --data
/// pypi_auth_method=oidc` then gives the publish jobs ID tokens, stops reading the token
/// variables, removes the guide (nothing left to migrate) and leaves `chora check` clean.
#[test]
fn the_gitlab_token_guide_and_the_switch_to_trusted_publishing() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let dest = tmp.path().join("demo-pkg");
    generate(
        &home,
        &dest,
        &[
            "ci=gitlab",
            "pypi_auth_method=token",
            "publish_testpypi=true",
        ],
    );
    let guide = dest.join("docs/migrating-to-trusted-publishing.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    for field in [
        "| Namespace | `octo-org` |",
        "| Project name | `demo-pkg` |",
        "| Top-level pipeline file path | `.gitlab-ci.yml` |",
        "| Environment name | `pypi` |",
        "chora update --data pypi_auth_method=oidc",
        "`ci_config_ref_uri` is empty",
        "Delete `PYPI_API_TOKEN` and `TEST_PYPI_API_TOKEN`",
    ] {
        assert!(text.contains(field), "the guide lacks {field:?}:\n{text}");
    }
    assert!(!text.contains("GitHub"), "{text}");
    let before = ci_text(&dest);
    assert!(before.contains("UV_PUBLISH_TOKEN"), "{before}");
    assert!(!before.contains("_ID_TOKEN"), "{before}");

    chora(&home)
        .current_dir(&dest)
        .args(["update", "--data", "pypi_auth_method=oidc"])
        .assert()
        .success();
    let after = ci_text(&dest);
    assert!(!after.contains("UV_PUBLISH_TOKEN"), "{after}");
    assert!(!after.contains("PYPI_API_TOKEN"), "{after}");
    let ci: Value = yaml_serde::from_str(&after).unwrap();
    assert_eq!(
        ci["publish-pypi"]["id_tokens"]["PYPI_ID_TOKEN"]["aud"],
        "pypi"
    );
    assert_eq!(
        ci["publish-testpypi"]["id_tokens"]["TESTPYPI_ID_TOKEN"]["aud"],
        "testpypi"
    );
    assert!(!guide.exists(), "the guide outlived the migration");
    chora(&home)
        .current_dir(&dest)
        .arg("check")
        .assert()
        .success();
}

/// Run the build job's script with `uv`/`uvx` stand-ins (`uv version --short` prints
/// `declared`, `uv version --frozen V` records V, `uv build` writes a file) and the given
/// tag (none: the drill). Returns success, output, the recorded version and release.env.
fn run_build(script: &str, declared: &str, tag: Option<&str>) -> (bool, String, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let uv = format!(
        "#!/bin/sh\n\
         case \"$1 $2\" in\n\
         \"version --short\") echo {declared} ;;\n\
         \"version --frozen\") echo \"$3\" > \"$RECORD\" ;;\n\
         \"build --no-sources\") mkdir -p dist && touch dist/demo.tar.gz ;;\n\
         *) exit 99 ;;\n\
         esac\n"
    );
    use std::os::unix::fs::PermissionsExt;
    for (name, body) in [("uv", uv.as_str()), ("uvx", "#!/bin/sh\nexit 0\n")] {
        let path = bin.join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let record = tmp.path().join("record");
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(&work)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("RECORD", &record)
        .env("CI_JOB_ID", "4242")
        .env_remove("CI_COMMIT_TAG");
    if let Some(tag) = tag {
        cmd.env("CI_COMMIT_TAG", tag);
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let recorded = std::fs::read_to_string(&record).unwrap_or_default();
    let env = std::fs::read_to_string(work.join("release.env")).unwrap_or_default();
    (out.status.success(), text, recorded, env)
}

/// The drill: with TestPyPI, a pipeline run by hand with CHORA_DRILL=true runs the gate, the
/// build with a `.dev<job id>` version, the TestPyPI upload and its install test, and never
/// the PyPI jobs or the release; the build script computes the version for real (a tag must
/// still equal pyproject's version), and the install tests read it from release.env.
#[test]
fn the_drill_rehearses_against_testpypi_only() {
    let (_tmp, dest) = support::generate_gitlab(&["publish_testpypi=true"]);
    let ci: Value = yaml_serde::from_str(&ci_text(&dest)).unwrap();
    let drill_rule = "$CI_PIPELINE_SOURCE == \"web\" && $CHORA_DRILL == \"true\"";
    let rules = ci[".release-or-drill"]["rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1]["if"], drill_rule);
    let mut drilled = Vec::new();
    for (name, job) in jobs(&ci) {
        if job["extends"] == ".release-or-drill" {
            drilled.push(name);
        }
    }
    drilled.sort();
    assert_eq!(
        drilled,
        [
            "build",
            "install-testpypi",
            "publish-testpypi",
            "sign",
            "tag-check"
        ]
    );
    for tag_only in ["publish-pypi", "install-pypi", "release"] {
        assert_eq!(ci[tag_only]["extends"], ".release", "{tag_only}");
    }
    assert_eq!(ci["build"]["artifacts"]["reports"]["dotenv"], "release.env");
    for job in ["install-testpypi", "install-pypi"] {
        let script = ci[job]["script"][0].as_str().unwrap();
        assert!(
            script.contains("version=\"${RELEASE_VERSION}\""),
            "{job}: {script}"
        );
    }

    let script = ci["build"]["script"][0].as_str().unwrap();
    let (ok, out, recorded, env) = run_build(script, "1.2.0.dev3", None);
    assert!(ok, "{out}");
    assert_eq!(recorded.trim(), "1.2.0.dev4242");
    assert_eq!(env, "RELEASE_VERSION=1.2.0.dev4242\n");
    assert!(
        out.contains("Drill: building 1.2.0.dev4242 for TestPyPI."),
        "{out}"
    );
    let (ok, out, recorded, env) = run_build(script, "1.2.0", Some("v1.2.0"));
    assert!(ok, "{out}");
    assert_eq!(recorded, "", "a tag release must not rewrite the version");
    assert_eq!(env, "RELEASE_VERSION=1.2.0\n");
    let (ok, out, _, env) = run_build(script, "1.2.0", Some("v1.3.0"));
    assert!(!ok, "{out}");
    assert!(out.contains("does not match the version 1.2.0"), "{out}");
    assert_eq!(env, "");

    // Without TestPyPI there is no drill: every release job is tag-only.
    let (_tmp, dest) = support::generate_gitlab(&["publish_testpypi=false"]);
    let text = ci_text(&dest);
    assert!(!text.contains("CHORA_DRILL"), "{text}");
    let ci: Value = yaml_serde::from_str(&text).unwrap();
    let (ok, out, recorded, _) =
        run_build(ci["build"]["script"][0].as_str().unwrap(), "1.2.0", None);
    assert!(!ok && recorded.is_empty(), "{out}");
}
