//! `chora-publish upload` against stand-ins of the GitHub OIDC token endpoint and PyPI (real
//! ES256/RS256 JWTs, warehouse's claim matching and error codes): Trusted Publishing, every
//! refusal's explanation, warnings, re-minting, fault injection, and secrecy.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};

use standin::http::Fault;
use standin::oidc::{GithubOidc, GitlabOidc};
use standin::pypi::{GithubPublisher, Index};

/// A folder with a wheel and an sdist of demo-pkg 0.1.0.
fn dists() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    for d in [
        standin::dist::wheel("demo-pkg", "0.1.0"),
        standin::dist::sdist("demo-pkg", "0.1.0"),
    ] {
        std::fs::write(dist.join(&d.filename), &d.data).unwrap();
    }
    let project = dir.path().to_path_buf();
    (dir, project)
}

/// Output of one run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
    report: String,
}

impl Run {
    fn all(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.stdout, self.stderr, self.summary, self.report
        )
    }

    /// Everything except the `::add-mask::` lines, which exist to hide the token.
    fn all_but_masks(&self) -> String {
        self.all()
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn publish(dir: &Path, env: &[(String, String)], args: &[&str]) -> Run {
    let summary = dir.join("step-summary.md");
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&report);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "20")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .arg("upload")
        .arg("--report")
        .arg(&report)
        .args(args);
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        report: std::fs::read_to_string(&report).unwrap_or_default(),
    }
}

/// Publish demo-pkg's wheel and sdist from a GitHub Actions job with `id-token: write`.
fn publish_github(oidc: &GithubOidc, index: &Index, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let (tmp, dir) = dists();
    let url = upload_url(index);
    let mut args = vec!["--repository-url", url.as_str()];
    args.extend_from_slice(extra);
    let run = publish(&dir, &oidc.env_vars(), &args);
    (tmp, run)
}

fn assert_no_secrets(run: &Run, oidc: &GithubOidc, index: &Index) {
    let text = run.all_but_masks();
    for issued in oidc.issued() {
        assert!(!text.contains(&issued.jwt), "a JWT leaked:\n{text}");
        let payload = issued.jwt.split('.').nth(1).unwrap_or_default();
        assert!(!text.contains(payload), "a JWT payload leaked");
    }
    for token in index.minted_tokens() {
        assert!(
            !text.contains(&token.token),
            "a minted token leaked:\n{text}"
        );
    }
    assert!(
        !text.contains(&oidc.request_token()),
        "the request token leaked"
    );
}

/// A GitLab identity and an index that trusts it, with a matching publisher for demo-pkg.
fn gitlab_index() -> (GitlabOidc, Index) {
    let gitlab = GitlabOidc::new();
    let index = Index::start();
    index.trust_gitlab(&gitlab);
    index.add_gitlab_publisher(
        "demo-pkg",
        standin::pypi::GitlabPublisher::matching(&gitlab.claims()),
    );
    (gitlab, index)
}

fn upload_url(index: &Index) -> String {
    index.upload_url()
}

#[test]
fn github_trusted_publishing_mints_masks_and_uploads() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(index.uploads().iter().filter(|u| u.accepted()).count(), 2);
    let minted = index.minted_tokens();
    assert_eq!(minted.len(), 1, "one mint covers the batch");
    assert!(
        run.stdout
            .contains(&format!("::add-mask::{}", minted[0].token)),
        "the minted token is masked"
    );
    assert!(
        run.stdout
            .contains("Trusted Publishing: exchanged the GitHub Actions identity")
    );
    for upload in index.uploads() {
        assert!(
            upload.field("requires_python").is_some(),
            "requires_python always sent"
        );
        assert!(upload.field("sha256_digest").is_some());
        assert!(upload.field("blake2_256_digest").is_some());
    }
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    assert_eq!(report["auth"], "trusted-publishing");
    assert_eq!(report["uploaded"], 2);
    assert_no_secrets(&run, &oidc, &index);
}

#[test]
fn rs256_identity_tokens_work_too() {
    let oidc = GithubOidc::start_rs256();
    let index = Index::for_github(&oidc);
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn wrong_workflow_file_is_explained_with_the_fix() {
    let oidc = GithubOidc::start();
    let index = Index::start();
    index.trust_github(&oidc);
    let claims = oidc.claims();
    index.add_github_publisher(
        "demo-pkg",
        GithubPublisher::matching(&claims.clone().workflow_file("publish.yml")),
    );
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    let err = &run.stderr;
    // Like warehouse, the stand-in looks publishers up by workflow file name, so a different
    // file means "no publisher found".
    assert!(err.contains("`invalid-publisher`"), "{err}");
    assert!(
        err.contains("Publisher with matching claims was not found"),
        "the server's words: {err}"
    );
    assert!(
        err.contains("a typo in the owner, repository, workflow file or environment"),
        "{err}"
    );
    assert!(err.contains("Workflow name:    release.yml"), "{err}");
    assert!(
        err.contains("workflow_filename=release.yml"),
        "pre-filled link: {err}"
    );
    assert!(
        err.contains("job_workflow_ref     octo-org/demo-pkg/.github/workflows/release.yml"),
        "claims: {err}"
    );
    assert!(
        run.summary.contains("invalid-publisher"),
        "step summary: {}",
        run.summary
    );
    assert!(
        run.stdout
            .contains("::error title=Trusted Publishing exchange failed::")
    );
    assert!(index.uploads().is_empty(), "nothing uploaded");
    assert_no_secrets(&run, &oidc, &index);
}

#[test]
fn no_publisher_at_all_names_the_values_and_the_pending_route() {
    let oidc = GithubOidc::start();
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_project("demo-pkg");
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("no trusted publisher on"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Owner:            octo-org"));
    assert!(run.stderr.contains("Repository name:  demo-pkg"));
    assert!(run.stderr.contains("Environment name: pypi"));
    assert!(run.stderr.contains("pending publisher"));
}

#[test]
fn pending_publisher_for_an_existing_project_is_explained() {
    let oidc = GithubOidc::start();
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_project("demo-pkg");
    index.add_pending_github_publisher("demo-pkg", GithubPublisher::matching(&oidc.claims()));
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("`invalid-pending-publisher`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("add the publisher in the project's settings")
    );
}

#[test]
fn bad_signature_is_invalid_token() {
    let oidc = GithubOidc::start();
    let impostor = GithubOidc::start();
    let index = Index::start();
    index.trust_issuer(
        &oidc.issuer(),
        standin::pypi::IssuerKind::Github,
        impostor.jwks(),
    );
    index.add_github_publisher("demo-pkg", GithubPublisher::matching(&oidc.claims()));
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("`invalid-token`"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("malformed, expired or not signed by a trusted issuer")
    );
}

#[test]
fn trusted_publishing_disabled_is_explained() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index.set_trusted_publishing(false);
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("Trusted Publishing disabled"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--auth token"));
}

#[test]
fn gitlab_single_job_token_reuse_is_explained() {
    let (gitlab, index) = gitlab_index();
    // Tokens shorter-lived than the re-mint margin force a second exchange.
    index.set_token_lifetime(60);
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &gitlab.env_vars("pypi"),
        &["--repository-url", &upload_url(&index), "--jobs", "1"],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.all().contains("`invalid-reuse-token`"), "{}", run.all());
    assert!(
        run.all()
            .contains("GitLab, a job's ID token can be exchanged only once")
    );
}

#[test]
fn long_batches_re_mint_with_fresh_identity_tokens() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index.set_token_lifetime(60);
    let (_tmp, run) = publish_github(&oidc, &index, &["--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let mints = index.mints();
    assert!(mints.len() >= 2, "re-minted: {} mints", mints.len());
    assert!(mints.iter().all(|m| m.status == 200));
    let jtis: std::collections::HashSet<String> =
        oidc.issued().into_iter().map(|t| t.jti).collect();
    assert_eq!(
        jtis.len(),
        oidc.issued().len(),
        "every identity token is fresh"
    );
    assert_no_secrets(&run, &oidc, &index);
}

#[test]
fn missing_id_token_permission_is_explained() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars_without_id_token(),
        &["--repository-url", &upload_url(&index), "--auth", "oidc"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("id-token: write"), "{}", run.stderr);
    assert_eq!(index.mints().len(), 0);
}

#[test]
fn reusable_workflow_and_pull_request_target_are_warned_before_calling_pypi() {
    let oidc = GithubOidc::start();
    oidc.set_claims(
        oidc.claims()
            .reusable("octo-org/shared/.github/workflows/publish.yml@refs/heads/main"),
    );
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &upload_url(&index)],
    );
    assert!(run.stderr.contains("reusable workflow"), "{}", run.stderr);
    assert!(run.stdout.contains("::warning title=Trusted Publishing::"));

    let oidc = GithubOidc::start();
    oidc.set_claims(oidc.claims().event("pull_request_target"));
    let index = Index::for_github(&oidc);
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &upload_url(&index)],
    );
    assert!(run.stderr.contains("pull_request_target"), "{}", run.stderr);
    assert_eq!(run.code, 3, "PyPI refuses it: {}", run.all());
}

#[test]
fn transient_failures_are_retried_without_duplicates() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let server = index.server();
    server.inject("/legacy/", Fault::status(503));
    server.inject("/legacy/", Fault::retry_after(1));
    server.inject("/legacy/", Fault::reset_mid_body());
    let (_tmp, run) = publish_github(&oidc, &index, &["--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    let attempts: u64 = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(
        attempts, 5,
        "3 failed attempts + 2 successes: {}",
        run.report
    );
    assert_eq!(index.files().len(), 2, "each file stored once");
}

#[test]
fn client_errors_are_not_retried() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index.server().inject_times(
        "/legacy/",
        Fault::status_with(
            400,
            r#"{"message": "Invalid value for classifiers"}"#,
            &[("Content-Type", "application/json")],
        ),
        2,
    );
    let (_tmp, run) = publish_github(&oidc, &index, &["--jobs", "1"]);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("Invalid value for classifiers"),
        "the server's words: {}",
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    for file in report["files"].as_array().unwrap() {
        assert_eq!(file["attempts"], 1);
    }
}

#[test]
fn retries_give_up_with_exit_3() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index
        .server()
        .inject_times("/legacy/", Fault::status(503), 10);
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &[
            "--repository-url",
            &upload_url(&index),
            "--jobs",
            "1",
            "--retries",
            "3",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("gave up after 3 attempts"),
        "{}",
        run.stderr
    );
}

#[test]
fn redirects_are_followed_only_on_the_same_host() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let other = Index::start();
    index.server().inject(
        "/legacy/",
        Fault::redirect(308, &format!("{}/legacy/", other.url())),
    );
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &upload_url(&index), "--jobs", "1"],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("redirected the upload to another host"),
        "{}",
        run.stderr
    );
    assert_eq!(
        other.upload_attempts().len(),
        0,
        "credentials never sent elsewhere"
    );

    let index = Index::for_github(&oidc);
    let same = format!("{}/legacy/", index.url());
    index
        .server()
        .inject("/legacy", Fault::redirect(308, &same));
    let url = format!("{}/legacy", index.url());
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &url, "--jobs", "1"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn invalid_distributions_send_nothing() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    std::fs::write(
        dir.join("dist/demo_pkg-0.1.1-py3-none-any.whl"),
        b"not a zip",
    )
    .unwrap();
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &upload_url(&index)],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("demo_pkg-0.1.1-py3-none-any.whl"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was uploaded"));
    assert_eq!(
        index.server().count("/"),
        0,
        "no request at all reached the index"
    );
    assert_eq!(oidc.token_requests(), 0);
}

#[test]
fn dry_run_stops_before_the_first_byte_of_upload() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, run) = publish_github(&oidc, &index, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Dry run"), "{}", run.stdout);
    assert_eq!(index.mints().len(), 1, "credentials are checked");
    assert!(index.upload_attempts().is_empty(), "nothing uploaded");
}

#[test]
fn customised_sub_claim_is_explained() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    oidc.set_claims(oidc.claims().set(
        "sub",
        serde_json::json!("repository_owner_id:1234:repository_id:5678:environment:pypi"),
    ));
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("Check failed for required claim 'sub'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("customises the OIDC `sub` claim"));
    assert!(run.stderr.contains("use_default=true"));
}

#[test]
fn job_workflow_ref_mismatch_is_explained() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    oidc.set_claims(oidc.claims().set(
        "job_workflow_ref",
        serde_json::json!("octo-org/demo-pkg/.github/workflows/release.yml@refs/heads/some-branch"),
    ));
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr
            .contains("The job_workflow_ref claim does not match"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "is not the registered workflow file of this repository at the ref being built"
        )
    );
}

#[test]
fn unknown_issuer_is_invalid_payload() {
    let oidc = GithubOidc::start();
    let index = Index::start(); // trusts no issuer
    index.add_github_publisher("demo-pkg", GithubPublisher::matching(&oidc.claims()));
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stderr.contains("`invalid-payload`"), "{}", run.stderr);
    assert!(run.stderr.contains("does not trust its issuer"));
}

#[test]
fn gitlab_trusted_publishing_uploads() {
    let (gitlab, index) = gitlab_index();
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &gitlab.env_vars("pypi"),
        &["--repository-url", &upload_url(&index)],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("exchanged the GitLab CI identity"),
        "{}",
        run.stdout
    );
    assert_eq!(index.files().len(), 2);
}

#[test]
fn token_mode_uploads_and_never_prints_the_token() {
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    let (_tmp, dir) = dists();
    let env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    let run = publish(
        &dir,
        &env,
        &["--repository-url", &upload_url(&index), "--auth", "token"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("pypi-stand-in-secret-token"));
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    assert_eq!(report["auth"], "token");
    assert_eq!(index.mints().len(), 0, "no exchange in token mode");
}

#[test]
fn auto_without_identity_or_token_names_both_ways() {
    let index = Index::start();
    let (_tmp, dir) = dists();
    let run = publish(&dir, &[], &["--repository-url", &upload_url(&index)]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("no credentials"), "{}", run.stderr);
    assert!(run.stderr.contains("id-token: write"));
    assert!(run.stderr.contains("CHORA_PUBLISH_TOKEN"));
    assert_eq!(index.server().count("/"), 0);
}

#[test]
fn fork_pull_requests_are_explained() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        r#"{"pull_request": {"head": {"repo": {"full_name": "someone/demo-pkg"}}}}"#,
    )
    .unwrap();
    let mut env = oidc.env_vars_without_id_token();
    env.retain(|(k, _)| k != "GITHUB_EVENT_NAME" && k != "GITHUB_EVENT_PATH");
    env.push(("GITHUB_EVENT_NAME".into(), "pull_request".into()));
    env.push(("GITHUB_EVENT_PATH".into(), event.display().to_string()));
    let run = publish(
        &dir,
        &env,
        &["--repository-url", &upload_url(&index), "--auth", "oidc"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("pull request from the fork someone/demo-pkg"),
        "{}",
        run.stderr
    );
}

#[test]
fn attestations_next_to_the_files_are_sent_and_missing_ones_stop_the_upload() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let args = ["--repository-url", &upload_url(&index), "--attestations"];
    let run = publish(&dir, &oidc.env_vars(), &args);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("no attestation next to"),
        "{}",
        run.stderr
    );
    assert!(index.upload_attempts().is_empty(), "nothing uploaded");

    for entry in std::fs::read_dir(dir.join("dist")).unwrap() {
        let path = entry.unwrap().path();
        let mut name = path.file_name().unwrap().to_os_string();
        name.push(".publish.attestation");
        std::fs::write(path.with_file_name(name), r#"{"version": 1}"#).unwrap();
    }
    let run = publish(&dir, &oidc.env_vars(), &args);
    assert_eq!(run.code, 0, "{}", run.all());
    for upload in index.uploads() {
        assert_eq!(upload.field("attestations"), Some(r#"[{"version": 1}]"#));
    }
}

#[test]
fn a_shell_expanded_dist_glob_with_attestations_uploads_each_distribution_once() {
    // After `pypi-attestations sign dist/*`, the workflow's `dist/*` (expanded by the shell)
    // names the attestation files too; they go with their distribution, not as uploads.
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let mut names: Vec<String> = std::fs::read_dir(dir.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in names.clone() {
        let attestation = format!("{name}.publish.attestation");
        std::fs::write(dir.join("dist").join(&attestation), r#"{"version": 1}"#).unwrap();
        names.push(attestation);
    }
    names.sort();
    let expanded: Vec<String> = names.iter().map(|n| format!("dist/{n}")).collect();
    let url = upload_url(&index);
    let mut args = vec!["--repository-url", url.as_str(), "--attestations"];
    args.extend(expanded.iter().map(String::as_str));
    let run = publish(&dir, &oidc.env_vars(), &args);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("2 uploaded, 0 skipped, 0 failed"),
        "{}",
        run.all()
    );
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 2);
    for upload in uploads {
        assert_eq!(upload.field("attestations"), Some(r#"[{"version": 1}]"#));
    }
}
