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
    standin::dist::write_demo(&dist);
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
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 2);
    for upload in uploads {
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
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for file in files {
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
        index.server().total_requests(),
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
    assert_eq!(index.server().total_requests(), 0);
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

/// Write a structurally valid publish attestation next to every distribution in `dir/dist`;
/// returns (distribution name, attestation JSON) pairs.
fn write_attestations(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("dist"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().ends_with(".attestation"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let json =
            standin::dist::attestation(&name, &data, standin::dist::PUBLISH_PREDICATE).to_string();
        std::fs::write(
            path.with_file_name(format!("{name}.publish.attestation")),
            &json,
        )
        .unwrap();
        out.push((name, json));
    }
    out
}

#[test]
fn attestations_next_to_the_files_are_sent_and_never_sends_none() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let url = upload_url(&index);
    // Without attestation files, --attestations signs; with a private Sigstore that needs its
    // trust root, which is refused before anything is sent.
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &[
            "--repository-url",
            &url,
            "--attestations",
            "--sigstore-fulcio-url",
            "http://127.0.0.1:9",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("--sigstore-trust-root"),
        "{}",
        run.stderr
    );
    assert!(index.upload_attempts().is_empty(), "nothing uploaded");

    let written = write_attestations(&dir);
    assert_eq!(written.len(), 2);
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &url, "--attestations"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("sending the attestation files next to"),
        "{}",
        run.stdout
    );
    assert_both_uploads_carry_their_attestation(&index, &written);

    let index = Index::for_github(&oidc);
    let url = upload_url(&index);
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &url, "--attestations=never"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("none sent (--attestations=never)"),
        "{}",
        run.stdout
    );
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 2);
    assert!(uploads.iter().all(|u| u.field("attestations").is_none()));
}

#[test]
fn an_attestations_value_without_the_equals_sign_is_refused_with_the_fix() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    let url = upload_url(&index);
    let run = publish(
        &dir,
        &oidc.env_vars(),
        &["--repository-url", &url, "--attestations", "never"],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("write --attestations=never"),
        "{}",
        run.stderr
    );
    assert_eq!(index.server().total_requests(), 0);
}

/// Each of the two uploads sent its own attestation file's JSON, as a one-element array.
fn assert_both_uploads_carry_their_attestation(index: &Index, written: &[(String, String)]) {
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 2);
    for upload in uploads {
        let (_, json) = written
            .iter()
            .find(|(name, _)| *name == upload.filename)
            .unwrap();
        assert_eq!(
            upload.field("attestations"),
            Some(format!("[{json}]").as_str())
        );
    }
}

#[test]
fn placeholder_attestations_are_refused_with_warehouses_message() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, dir) = dists();
    for entry in std::fs::read_dir(dir.join("dist")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::write(
            path.with_file_name(format!("{name}.publish.attestation")),
            r#"{"version": 1}"#,
        )
        .unwrap();
    }
    let args = ["--repository-url", &upload_url(&index), "--attestations"];
    let run = publish(&dir, &oidc.env_vars(), &args);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr
            .contains("Invalid attestations supplied during upload: Malformed attestations"),
        "{}",
        run.stderr
    );
    assert!(index.files().is_empty());
}

#[test]
fn attestations_with_an_api_token_are_refused_before_anything_is_sent() {
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    let (_tmp, dir) = dists();
    write_attestations(&dir);
    let env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    let url = upload_url(&index);
    let run = publish(
        &dir,
        &env,
        &[
            "--repository-url",
            &url,
            "--auth",
            "token",
            "--attestations",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("--attestations=always: attestations need Trusted Publishing"),
        "{}",
        run.stderr
    );
    assert_eq!(index.server().total_requests(), 0);
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
    let written = write_attestations(&dir);
    assert_eq!(written.len(), 2);
    for (name, _) in &written {
        names.push(format!("{name}.publish.attestation"));
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
    assert_both_uploads_carry_their_attestation(&index, &written);
}

#[test]
fn the_minted_token_is_burned_once_after_the_last_upload() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let minted = index.minted_tokens();
    assert_eq!(
        minted.len(),
        1,
        "burned tokens are revoked, so none is left"
    );
    let burned = index.burned_tokens();
    assert_eq!(burned, vec![minted[0].token.clone()]);
    let log = index.server().requests();
    let burns: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].path == "/_/oidc/burn-token")
        .collect();
    let uploads: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].path == "/legacy/")
        .collect();
    assert_eq!((burns.len(), uploads.len()), (1, 2), "{log:?}");
    assert!(burns[0] > uploads[1], "burned after the last upload");
    assert_eq!(log[burns[0]].status, Some(202));
    assert_no_secrets(&run, &oidc, &index);
}

#[test]
fn a_failure_to_burn_is_only_a_warning() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index
        .server()
        .inject_times("/_/oidc/burn-token", Fault::status(500), 10);
    let (_tmp, run) = publish_github(&oidc, &index, &["--retries", "2"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("warning: could not burn the minted upload token"),
        "{}",
        run.stderr
    );
    assert_eq!(index.server().count("/_/oidc/burn-token"), 2, "retried");
    assert_eq!(index.uploads().len(), 2);
}

#[test]
fn an_api_token_is_never_burned() {
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
    assert_eq!(index.server().count("/_/oidc/burn-token"), 0);
}

/// (request, next request) pairs on `path`: the gap between the stand-in's answer to the
/// first and its receipt of the second.
fn gap_after(index_or_oidc: &standin::http::Server, path: &str, nth: usize) -> std::time::Duration {
    let log: Vec<_> = index_or_oidc
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect();
    assert!(log.len() > nth + 1, "{} requests on {path}", log.len());
    log[nth + 1].received.duration_since(log[nth].answered)
}

#[test]
fn retry_after_is_waited_for_in_seconds_and_as_an_http_date() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let server = index.server();
    server.inject("/legacy/", Fault::retry_after(1));
    server.inject("/legacy/", Fault::retry_after_date(1));
    let (_tmp, run) = publish_github(&oidc, &index, &["--jobs", "1"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // The backoff alone would be 20–40 ms (CHORA_PUBLISH_RETRY_BASE_MS=20).
    let first = gap_after(server, "/legacy/", 0);
    let second = gap_after(server, "/legacy/", 1);
    assert!(first >= std::time::Duration::from_millis(990), "{first:?}");
    assert!(
        second >= std::time::Duration::from_millis(990),
        "{second:?}"
    );
    assert_eq!(index.files().len(), 2);
}

#[test]
fn faults_on_the_oidc_audience_and_mint_endpoints_are_retried() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index
        .server()
        .inject("/_/oidc/audience", Fault::status(503));
    index
        .server()
        .inject("/_/oidc/audience", Fault::retry_after(1));
    index
        .server()
        .inject("/_/oidc/mint-token", Fault::retry_after_date(1));
    oidc.server().inject("/token", Fault::status(502));
    oidc.server()
        .inject("/token", Fault::close_without_response());
    let (_tmp, run) = publish_github(&oidc, &index, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(index.server().count("/_/oidc/audience"), 3);
    assert_eq!(index.server().count("/_/oidc/mint-token"), 2);
    // Two identity tokens (claims, then mint) after two failed requests.
    assert_eq!(oidc.server().count("/token"), 4);
    assert!(
        gap_after(index.server(), "/_/oidc/audience", 1) >= std::time::Duration::from_millis(990)
    );
    assert!(
        gap_after(index.server(), "/_/oidc/mint-token", 0) >= std::time::Duration::from_millis(990)
    );
    assert_eq!(index.uploads().len(), 2);
}

#[test]
fn a_slow_index_trips_the_short_api_time_limit() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    index
        .server()
        .inject_times("/_/oidc/audience", Fault::slow_body(), 2);
    let (_tmp, dir) = dists();
    let mut env = oidc.env_vars();
    env.push(("CHORA_PUBLISH_API_TIMEOUT_MS".into(), "100".into()));
    let run = publish(
        &dir,
        &env,
        &["--repository-url", &upload_url(&index), "--retries", "2"],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr
            .contains("timed out after 100 ms (api time limit, CHORA_PUBLISH_API_TIMEOUT_MS)"),
        "{}",
        run.stderr
    );
    assert_eq!(index.server().count("/_/oidc/audience"), 2);
    assert!(index.upload_attempts().is_empty());
}

#[test]
fn a_slow_or_closed_upload_connection_fails_with_the_upload_limit_named() {
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    let (_tmp, dir) = dists();
    let mut env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    env.push(("CHORA_PUBLISH_UPLOAD_TIMEOUT_MS".into(), "100".into()));
    // A body to trickle: warehouse's warning for an account without 2FA.
    index.set_two_factor_enabled(false);
    index.server().inject("/legacy/", Fault::slow_body());
    index
        .server()
        .inject("/legacy/", Fault::close_without_response());
    let url = upload_url(&index);
    let args = [
        "--repository-url",
        url.as_str(),
        "--auth",
        "token",
        "--jobs",
        "1",
        "--retries",
        "1",
    ];
    let run = publish(&dir, &env, &args);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains(
            "timed out after 100 ms (upload time limit, CHORA_PUBLISH_UPLOAD_TIMEOUT_MS)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("transport error"), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    assert_eq!(report["failed"], 2, "{}", run.report);
}

#[test]
fn files_for_a_release_older_than_14_days_are_refused_up_front() {
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    let twenty_days_ago = standin::util::now_unix() - 20 * 86_400;
    index.seed_file_at(
        "demo-pkg",
        "0.1.0",
        "demo_pkg-0.1.0-py2-none-any.whl",
        b"an older wheel",
        twenty_days_ago,
    );
    let (_tmp, dir) = dists();
    let env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    let url = upload_url(&index);
    let args = ["--repository-url", url.as_str(), "--auth", "token"];
    let run = publish(&dir, &env, &args);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(
            "demo_pkg-0.1.0-py3-none-any.whl: the release demo-pkg 0.1.0 was first uploaded 20 days ago"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Uploading new files to releases older than 14 days is not allowed."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("release a new version"),
        "{}",
        run.stderr
    );
    assert!(index.upload_attempts().is_empty(), "nothing was sent");

    // 10 days: still open.
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    index.seed_file_at(
        "demo-pkg",
        "0.1.0",
        "demo_pkg-0.1.0-py2-none-any.whl",
        b"an older wheel",
        standin::util::now_unix() - 10 * 86_400,
    );
    let url = upload_url(&index);
    let args = ["--repository-url", url.as_str(), "--auth", "token"];
    let run = publish(&dir, &env, &args);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(index.uploads().len(), 2);
}

#[test]
fn skip_existing_rechecks_the_index_after_a_refused_upload() {
    // A parallel run uploads the wheel between our lookup and our upload: the index's first
    // answer lists nothing, the upload is refused as a duplicate, and the re-check finds this
    // very file.
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    let wheel = standin::dist::wheel("demo-pkg", "0.1.0");
    index.seed_file("demo-pkg", "0.1.0", &wheel.filename, &wheel.data);
    index
        .server()
        .inject("/simple/demo-pkg/", Fault::status(404));
    index.server().inject(
        "/legacy/",
        Fault::status_with(
            400,
            r#"{"message": "File already exists ('demo_pkg-0.1.0-py3-none-any.whl', with blake2_256 hash 'x')."}"#,
            &[("Content-Type", "application/json")],
        ),
    );
    let (_tmp, dir) = dists();
    let env = vec![(
        "CHORA_PUBLISH_TOKEN".to_string(),
        "pypi-stand-in-secret-token".to_string(),
    )];
    let url = upload_url(&index);
    let args = [
        "--repository-url",
        url.as_str(),
        "--auth",
        "token",
        "--skip-existing",
        "--jobs",
        "1",
    ];
    let run = publish(&dir, &env, &args);
    assert_eq!(run.code, 0, "{}", run.all());
    let report: serde_json::Value = serde_json::from_str(&run.report).unwrap();
    assert_eq!(
        (report["skipped"].as_u64(), report["uploaded"].as_u64()),
        (Some(1), Some(1)),
        "{}",
        run.report
    );
    assert_eq!(
        index.server().count("/simple/demo-pkg/"),
        2,
        "looked up, then re-checked"
    );
}

#[test]
fn warnings_in_a_200_answer_are_shown() {
    let index = Index::start();
    index.add_api_token("pypi-stand-in-secret-token", None);
    index.set_two_factor_enabled(false);
    let (_tmp, dir) = dists();
    let env = vec![
        (
            "CHORA_PUBLISH_TOKEN".to_string(),
            "pypi-stand-in-secret-token".to_string(),
        ),
        ("GITHUB_ACTIONS".to_string(), "true".to_string()),
    ];
    let url = upload_url(&index);
    let run = publish(
        &dir,
        &env,
        &["--repository-url", url.as_str(), "--auth", "token"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    for file in ["demo_pkg-0.1.0-py3-none-any.whl", "demo_pkg-0.1.0.tar.gz"] {
        assert!(
            run.stderr.contains(&format!(
                "warning: the index warned about {file}: Two factor authentication is not enabled for your account."
            )),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        run.stdout
            .matches("::warning title=Index warning::")
            .count(),
        2,
        "{}",
        run.stdout
    );
}
