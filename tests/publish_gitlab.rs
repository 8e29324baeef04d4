//! `chora-publish upload` from GitLab CI and Google Cloud against stand-ins: the GitLab
//! issuer (discovery, JWKS, GitLab's claim set in `<AUD>_ID_TOKEN` variables), the PyPI
//! stand-in's GitLab publisher matching as warehouse's `GitLabPublisher` checks it (every
//! `invalid-publisher` reason, with chora-publish's explanation asserted), the missing
//! `id_tokens:` error, attestations signed with `SIGSTORE_ID_TOKEN`, and the GCP metadata
//! server's identity (and an impersonated service account).

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::{Path, PathBuf};

use standin::gcp::GoogleMetadata;
use standin::oidc::{GITLAB_ISSUER, GithubOidc, GitlabClaims, GitlabOidc};
use standin::pypi::{GitlabPublisher, Index};
use standin::sigstore::Sigstore;

/// A folder with a wheel and an sdist of demo-pkg 0.1.0 in `dist/`.
fn dists() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    standin::dist::write_demo(&dist);
    let project = dir.path().to_path_buf();
    (dir, project)
}

/// Asserts that `text` contains every one of `needles` (the count checked too).
fn contains_all(text: &str, needles: &[&str]) {
    let found = needles.iter().filter(|n| text.contains(**n)).count();
    for n in needles {
        assert!(text.contains(n), "{n:?} missing from:\n{text}");
    }
    assert_eq!(found, needles.len());
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn publish(dir: &Path, env: &[(String, String)], args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CHORA_PUBLISH_RETRY_BASE_MS", "20")
        // Never take this machine for a Google Cloud VM.
        .env("CHORA_PUBLISH_GCP_DMI_PATH", "/nonexistent/product_name")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .arg("upload")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The default GitLab job: project octo-org/demo-pkg, `.gitlab-ci.yml`, tag v0.1.0,
/// environment `pypi`, issuer gitlab.com (served over HTTP by the stand-in).
fn gitlab(claims: GitlabClaims) -> GitlabOidc {
    GitlabOidc::start(Some(GITLAB_ISSUER), claims)
}

/// An index trusting `oidc`, with `publisher` registered for demo-pkg.
fn index_with(oidc: &GitlabOidc, publisher: GitlabPublisher) -> Index {
    let index = Index::start();
    index.trust_gitlab(oidc);
    index.add_gitlab_publisher("demo-pkg", publisher);
    index
}

/// The publisher registered in the refusal tests: octo-org/demo-pkg, `.gitlab-ci.yml`, `pypi`.
fn registered() -> GitlabPublisher {
    GitlabPublisher::new("octo-org", "demo-pkg", ".gitlab-ci.yml").environment("pypi")
}

fn upload(oidc: &GitlabOidc, index: &Index) -> Run {
    let (_tmp, dir) = dists();
    publish(
        &dir,
        &oidc.env_vars("pypi"),
        &[
            "--repository-url",
            &index.upload_url(),
            "--attestations=never",
        ],
    )
}

fn assert_no_tokens(run: &Run, oidc: &GitlabOidc, index: &Index) {
    let text = run.all();
    let issued = oidc.issued();
    assert!(!issued.is_empty());
    for t in issued {
        assert!(!text.contains(&t.jwt), "a GitLab ID token leaked:\n{text}");
        let payload = t.jwt.split('.').nth(1).unwrap_or_default();
        assert!(!text.contains(payload), "a JWT payload leaked");
    }
    for t in index.minted_tokens() {
        assert!(!text.contains(&t.token), "a minted token leaked");
    }
}

/// The refusal the index sent (one mint, refused with `code`), and the run's output.
fn refused(claims: GitlabClaims, publisher: GitlabPublisher, code: &str) -> (Run, String) {
    let oidc = gitlab(claims);
    let index = index_with(&oidc, publisher);
    let run = upload(&oidc, &index);
    assert_eq!(run.code, 3, "{}", run.all());
    let mints = index.mints();
    assert_eq!(mints.len(), 1, "one exchange");
    assert_eq!(mints[0].error_codes, vec![code.to_string()]);
    assert!(index.uploads().is_empty(), "nothing uploaded");
    assert_no_tokens(&run, &oidc, &index);
    let description = mints[0].descriptions[0].clone();
    assert!(
        run.stderr.contains(&format!("`{code}`: {description}")),
        "the server's words are shown:\n{}",
        run.stderr
    );
    (run, description)
}

#[test]
fn gitlab_issuer_serves_discovery_and_jwks() {
    let oidc = GitlabOidc::start(None, GitlabClaims::default());
    let base = oidc.server().unwrap().url();
    assert_eq!(
        oidc.issuer(),
        base,
        "a self-managed issuer is the server itself"
    );
    let conf = standin::client::get(&format!("{base}/.well-known/openid-configuration")).json();
    assert_eq!(conf["issuer"], base);
    let jwks_uri = conf["jwks_uri"].as_str().unwrap();
    assert!(jwks_uri.ends_with("/oauth/discovery/keys"), "{jwks_uri}");
    let keys = standin::client::get(jwks_uri).json();
    assert_eq!(keys, oidc.jwks());
    // Its tokens verify against the served keys and carry GitLab's claims.
    let token = oidc.mint("pypi");
    let claims = standin::jwt::verify(&token, &keys).unwrap();
    for name in [
        "project_path",
        "namespace_path",
        "ci_config_ref_uri",
        "ref_path",
        "sha",
        "jti",
    ] {
        assert!(claims.get(name).is_some(), "{name} in {claims}");
    }
    assert_eq!(
        claims["ci_config_ref_uri"],
        format!(
            "{}/octo-org/demo-pkg//.gitlab-ci.yml@refs/tags/v0.1.0",
            base.trim_start_matches("http://")
        )
    );
}

#[test]
fn gitlab_trusted_publishing_uploads() {
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let run = upload(&oidc, &index);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("exchanged the GitLab CI identity"),
        "{}",
        run.stdout
    );
    assert_eq!(index.uploads().iter().filter(|u| u.accepted()).count(), 2);
    let mints = index.mints();
    assert_eq!(mints.len(), 1);
    assert_eq!(mints[0].status, 200);
    assert_no_tokens(&run, &oidc, &index);
}

#[test]
fn an_environment_specific_publisher_beats_a_general_one() {
    let oidc = gitlab(GitlabClaims::default());
    let index = Index::start();
    index.trust_gitlab(&oidc);
    // A general publisher (any environment) for another project, and one bound to the job's
    // environment for demo-pkg: the minted token must be demo-pkg's.
    index.add_gitlab_publisher(
        "other-pkg",
        GitlabPublisher::new("octo-org", "demo-pkg", ".gitlab-ci.yml"),
    );
    index.add_gitlab_publisher("demo-pkg", registered());
    let run = upload(&oidc, &index);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(index.uploads().iter().filter(|u| u.accepted()).count(), 2);
    // Without an environment in the token, only the general publisher matches: its token
    // cannot upload demo-pkg.
    let oidc2 = gitlab(GitlabClaims::default().environment(None));
    let index2 = Index::start();
    index2.trust_gitlab(&oidc2);
    index2.add_gitlab_publisher(
        "other-pkg",
        GitlabPublisher::new("octo-org", "demo-pkg", ".gitlab-ci.yml"),
    );
    index2.add_gitlab_publisher("demo-pkg", registered());
    let run2 = upload(&oidc2, &index2);
    assert_ne!(run2.code, 0, "{}", run2.all());
    assert_eq!(index2.mints()[0].status, 200);
    assert!(
        index2.uploads().iter().all(|u| u.status == 403),
        "{:?}",
        index2
            .uploads()
            .iter()
            .map(|u| u.status)
            .collect::<Vec<_>>()
    );
}

#[test]
fn wrong_project_is_explained_with_the_values_to_register() {
    let (run, d) = refused(
        GitlabClaims::default().project("octo-org/demo-pkg-fork"),
        registered(),
        "invalid-publisher",
    );
    contains_all(&d, &["Publisher with matching claims was not found"]);
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "no GitLab trusted publisher on 127.0.0.1 has namespace `octo-org`, project `demo-pkg-fork`",
            "wrong project name",
            "  Namespace:                        octo-org",
            "  Project name:                     demo-pkg-fork",
            "  Top-level pipeline file path:     .gitlab-ci.yml",
            "  Environment name:                 pypi",
            "/manage/project/demo-pkg/settings/publishing/?provider=gitlab&namespace=octo-org&project=demo-pkg-fork&workflow_filepath=.gitlab-ci.yml&environment=pypi",
            "pending publisher",
        ],
    );
    // The claims, GitLab's (never GitHub's) and the parsed ci_config_ref_uri.
    contains_all(
        e,
        &[
            "project_path         octo-org/demo-pkg-fork",
            "  pipeline file      .gitlab-ci.yml",
        ],
    );
    assert!(!e.contains("job_workflow_ref"), "{e}");
}

#[test]
fn wrong_namespace_is_explained() {
    let (run, d) = refused(
        GitlabClaims::default().project("other-group/sub/demo-pkg"),
        registered(),
        "invalid-publisher",
    );
    contains_all(&d, &["Publisher with matching claims was not found"]);
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "namespace `other-group/sub`, project `demo-pkg`",
            "wrong namespace or group",
            "  Namespace:                        other-group/sub",
            "namespace=other-group%2Fsub&project=demo-pkg",
        ],
    );
}

#[test]
fn wrong_pipeline_file_is_explained() {
    let (run, d) = refused(
        GitlabClaims::default().config_path("ci/release.yml"),
        registered(),
        "invalid-publisher",
    );
    contains_all(&d, &["Publisher with matching claims was not found"]);
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "top-level pipeline file path `ci/release.yml`",
            "another pipeline file",
            "  Top-level pipeline file path:     ci/release.yml",
            "workflow_filepath=ci%2Frelease.yml",
        ],
    );
}

#[test]
fn a_child_pipeline_is_explained_and_warned_about_before_the_exchange() {
    let (run, d) = refused(
        GitlabClaims::default().child_pipeline(),
        registered(),
        "invalid-publisher",
    );
    assert_eq!(
        d,
        "valid token, but no corresponding publisher (Could not extract workflow filename from OIDC claims)"
    );
    let all = run.all();
    contains_all(&all, &["this job runs in a child pipeline"]);
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "`ci_config_ref_uri` is empty",
            "child pipeline (`trigger: include:`)",
            "included from another project or an external URL",
            "in the project's own top-level `.gitlab-ci.yml`",
            "(empty: a child pipeline, or included/external CI config)",
        ],
    );
}

#[test]
fn included_or_external_config_is_explained() {
    // External config: empty ci_config_ref_uri, but a normal pipeline source.
    let (run, _) = refused(
        GitlabClaims::default().set("ci_config_ref_uri", serde_json::json!("")),
        registered(),
        "invalid-publisher",
    );
    assert!(
        run.all().contains(
            "included from another project or an external URL, or it runs in a child pipeline"
        ),
        "{}",
        run.all()
    );
}

#[test]
fn wrong_environment_is_explained() {
    let (run, d) = refused(
        GitlabClaims::default().environment(Some("staging")),
        registered(),
        "invalid-publisher",
    );
    contains_all(&d, &["Publisher with matching claims was not found"]);
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "with environment `staging` or with no environment",
            "an environment name that differs from the job's `environment:`",
            "  Environment name:                 staging",
        ],
    );

    // No environment in the job, one on the publisher.
    let (run, _) = refused(
        GitlabClaims::default().environment(None),
        registered(),
        "invalid-publisher",
    );
    assert!(
        run.stderr
            .contains("with no environment (this job has none"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("add one, e.g. `environment: pypi`"),
        "{}",
        run.stderr
    );

    // The lookup lowercases the claim; the check compares exactly.
    let (run, d) = refused(
        GitlabClaims::default().environment(Some("PyPI")),
        registered(),
        "invalid-publisher",
    );
    contains_all(&d, &["Check failed for optional claim 'environment'"]);
    assert!(run.stderr.contains("case-sensitively"), "{}", run.stderr);
    assert!(
        run.stderr.contains("environment` claim (PyPI)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_ci_config_ref_uri_for_another_ref_is_explained() {
    let (run, d) = refused(
        GitlabClaims::default().set(
            "ci_config_ref_uri",
            serde_json::json!("gitlab.com/octo-org/demo-pkg//.gitlab-ci.yml@refs/heads/main"),
        ),
        registered(),
        "invalid-publisher",
    );
    contains_all(
        &d,
        &[
            "The ci_config_ref_uri claim does not match, expecting one of ['gitlab.com/octo-org/demo-pkg//.gitlab-ci.yml@3a1f4c5e9d2b7a8c6e0f1b2d3c4a5e6f7a8b9c0d', 'gitlab.com/octo-org/demo-pkg//.gitlab-ci.yml@refs/tags/v0.1.0']",
        ],
    );
    assert!(
        run.stderr
            .contains("its ref `refs/heads/main` is neither the ref_path nor the sha"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_reused_job_token_says_to_re_run_the_job() {
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let env = oidc.env_vars("pypi");
    let token = env
        .iter()
        .find(|(k, _)| k == "PYPI_ID_TOKEN")
        .map(|(_, v)| v.clone())
        .unwrap();
    // Someone (an earlier step of the job) exchanged the job's token already.
    let first = standin::client::post_json(&index.mint_url(), &serde_json::json!({"token": token}));
    assert_eq!(first.status, 200);
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &env,
        &[
            "--repository-url",
            &index.upload_url(),
            "--attestations=never",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    let mints = index.mints();
    assert_eq!(mints.len(), 2);
    assert_eq!(
        mints[1].error_codes,
        vec!["invalid-reuse-token".to_string()]
    );
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "`invalid-reuse-token`: invalid token: already used",
            "GitLab job's ID token (PYPI_ID_TOKEN) was already exchanged",
            "cannot fetch a fresh one",
            "Re-run the job",
        ],
    );
    assert!(index.uploads().is_empty());
}

#[test]
fn a_missing_id_token_names_the_yaml_to_add() {
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars_without_id_token(),
        &["--repository-url", &index.upload_url()],
    );
    assert_ne!(run.code, 0, "{}", run.all());
    let e = &run.stderr;
    contains_all(
        e,
        &[
            "no ID token for the `pypi` audience: PYPI_ID_TOKEN is not set",
            "  id_tokens:\n    PYPI_ID_TOKEN:\n      aud: pypi\n",
        ],
    );
    assert!(index.mints().is_empty(), "no exchange without a token");

    // TestPyPI's audience: the variable and the `aud` follow it (a PYPI_ID_TOKEN is not used).
    index.set_audience("testpypi");
    let run = publish(
        &dir,
        &oidc.env_vars("pypi"),
        &["--repository-url", &index.upload_url()],
    );
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr
            .contains("  id_tokens:\n    TESTPYPI_ID_TOKEN:\n      aud: testpypi\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("The audience must be `testpypi`"),
        "{}",
        run.stderr
    );
    assert!(index.mints().is_empty());
}

#[test]
fn the_id_token_variable_alone_is_not_gitlab_ci() {
    // PYPI_ID_TOKEN without GITLAB_CI=true (ambient-id semantics): no identity.
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let (_tmp, dir) = dists();
    let env: Vec<(String, String)> = oidc
        .env_vars("pypi")
        .into_iter()
        .filter(|(k, _)| k != "GITLAB_CI")
        .collect();
    let run = publish(
        &dir,
        &env,
        &["--repository-url", &index.upload_url(), "--auth", "oidc"],
    );
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.stderr.contains("no CI identity was found"),
        "{}",
        run.stderr
    );
    assert!(index.mints().is_empty());
}

/// Sigstore stand-ins (their Fulcio trusts only a GitHub issuer, so a GitLab token is refused
/// there: what is checked is which token chora-publish sends).
fn sigstore_args(sigstore: &Sigstore) -> Vec<String> {
    vec![
        "--sigstore-fulcio-url".into(),
        sigstore.fulcio_url(),
        "--sigstore-rekor-url".into(),
        sigstore.rekor_url(),
        "--sigstore-trust-root".into(),
        sigstore.trusted_root_path().display().to_string(),
    ]
}

#[test]
fn attestations_on_gitlab_sign_with_sigstore_id_token() {
    let github = GithubOidc::start();
    let sigstore = Sigstore::start(&github);
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let (_tmp, dir) = dists();
    let env = oidc.env_vars_for(&["pypi", "sigstore"]);
    let sigstore_token = env
        .iter()
        .find(|(k, _)| k == "SIGSTORE_ID_TOKEN")
        .map(|(_, v)| v.clone())
        .unwrap();
    let url = index.upload_url();
    let sig = sigstore_args(&sigstore);
    let mut args: Vec<&str> = vec!["--repository-url", &url, "--attestations=always"];
    args.extend(sig.iter().map(String::as_str));
    let run = publish(&dir, &env, &args);
    // The stand-in Fulcio does not trust GitLab: signing fails, nothing is uploaded.
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(index.uploads().is_empty(), "nothing uploaded unsigned");
    let requests = sigstore.fulcio_server().requests();
    let signing: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert!(!signing.is_empty(), "Fulcio was asked");
    for r in &signing {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body["credentials"]["oidcIdentityToken"], sigstore_token,
            "Fulcio gets the SIGSTORE_ID_TOKEN"
        );
    }
    let sent: serde_json::Value = standin::jwt::decode_unverified(&sigstore_token).unwrap().1;
    assert_eq!(sent["aud"], "sigstore");
    assert!(
        !run.all().contains(&sigstore_token),
        "the sigstore token never prints"
    );
    assert!(
        !run.all().contains("not gitlab.com"),
        "gitlab.com: no issuer warning"
    );
}

#[test]
fn attestations_on_gitlab_without_sigstore_id_token_name_the_id_tokens_entry() {
    // `--attestations=always` (with `auto`, a stand-in index on 127.0.0.1 is "another index",
    // off for a reason of its own; attest::decide's unit tests cover GitLab's `auto` reason):
    // refused before anything is uploaded, naming the `id_tokens:` entry.
    let oidc = gitlab(GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let (_tmp, dir) = dists();
    let run = publish(
        &dir,
        &oidc.env_vars("pypi"),
        &[
            "--repository-url",
            &index.upload_url(),
            "--attestations=always",
        ],
    );
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(
        run.all()
            .contains("GitLab CI offers no SIGSTORE_ID_TOKEN to sign with"),
        "{}",
        run.all()
    );
    assert!(
        run.all()
            .contains("id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}"),
        "{}",
        run.all()
    );
    assert!(index.uploads().is_empty());
}

#[test]
fn attestations_from_self_managed_gitlab_are_warned_about() {
    let github = GithubOidc::start();
    let sigstore = Sigstore::start(&github);
    let oidc = GitlabOidc::start(None, GitlabClaims::default());
    let index = index_with(&oidc, registered());
    let (_tmp, dir) = dists();
    let url = index.upload_url();
    let sig = sigstore_args(&sigstore);
    let mut args: Vec<&str> = vec!["--repository-url", &url, "--attestations=always"];
    args.extend(sig.iter().map(String::as_str));
    let run = publish(&dir, &oidc.env_vars_for(&["pypi", "sigstore"]), &args);
    // Trusted Publishing worked (the index trusts this issuer), then the warning.
    assert_eq!(index.mints()[0].status, 200, "{}", run.all());
    assert!(
        run.all().contains(&format!("this GitLab identity is issued by {}, not gitlab.com: PyPI verifies GitLab attestations only from gitlab.com", oidc.issuer())),
        "{}",
        run.all()
    );
}

#[test]
fn google_cloud_metadata_identity_is_detected_and_exchanged() {
    let metadata = GoogleMetadata::start();
    let dmi_dir = tempfile::tempdir().unwrap();
    let dmi = GoogleMetadata::dmi_file(dmi_dir.path());
    let index = Index::start();
    let (_tmp, dir) = dists();
    let env = vec![
        ("CHORA_PUBLISH_GCP_METADATA_URL".to_string(), metadata.url()),
        (
            "CHORA_PUBLISH_GCP_DMI_PATH".to_string(),
            dmi.display().to_string(),
        ),
    ];
    // `--auth auto` on a GCP VM without a token: Trusted Publishing.
    let run = publish(&dir, &env, &["--repository-url", &index.upload_url()]);
    // The stand-in index has no Google issuer: the exchange is refused as warehouse refuses
    // an unknown issuer; what matters is the token it got.
    assert_eq!(run.code, 3, "{}", run.all());
    let requests = metadata.server().requests();
    let identity: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with("/service-accounts/default/identity"))
        .collect();
    assert!(!identity.is_empty());
    for r in &identity {
        assert_eq!(r.header("metadata-flavor"), Some("Google"));
        assert_eq!(r.query, "audience=pypi&format=full");
    }
    let mints = index.mints();
    assert_eq!(mints.len(), 1);
    let claims = mints[0].claims.clone().unwrap();
    assert_eq!(claims["iss"], "https://accounts.google.com");
    assert_eq!(claims["aud"], "pypi");
    assert_eq!(claims["email"], metadata.email());
    assert!(
        run.stderr
            .contains("`invalid-payload`: unknown trusted publishing issuer"),
        "{}",
        run.stderr
    );
    for t in metadata.issued() {
        assert!(
            !run.all().contains(&t.jwt),
            "a Google identity token leaked"
        );
    }

    // With an API token, the VM keeps using the token.
    index.add_api_token("pypi-stand-in-gcp-token", None);
    let mut with_token = env.clone();
    with_token.push((
        "CHORA_PUBLISH_TOKEN".into(),
        "pypi-stand-in-gcp-token".into(),
    ));
    let before = metadata.server().requests().len();
    let run = publish(
        &dir,
        &with_token,
        &["--repository-url", &index.upload_url()],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        metadata.server().requests().len(),
        before,
        "no metadata request"
    );
}

#[test]
fn google_service_account_impersonation_uses_iam_generate_id_token() {
    let metadata = GoogleMetadata::start();
    let index = Index::start();
    let (_tmp, dir) = dists();
    let account = "release@other-project.iam.gserviceaccount.com";
    let env = vec![
        ("CHORA_PUBLISH_GCP_METADATA_URL".to_string(), metadata.url()),
        ("CHORA_PUBLISH_GCP_IAM_URL".to_string(), metadata.url()),
        (
            "GOOGLE_SERVICE_ACCOUNT_NAME".to_string(),
            account.to_string(),
        ),
    ];
    let run = publish(&dir, &env, &["--repository-url", &index.upload_url()]);
    assert_eq!(run.code, 3, "{}", run.all());
    let requests = metadata.server().requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path.ends_with("/service-accounts/default/token")
                && r.header("metadata-flavor") == Some("Google"))
    );
    let generate: Vec<_> = requests
        .iter()
        .filter(|r| r.path.ends_with(":generateIdToken"))
        .collect();
    assert!(!generate.is_empty());
    for r in &generate {
        assert_eq!(
            r.path,
            "/v1/projects/-/serviceAccounts/release@other-project.iam.gserviceaccount.com:generateIdToken"
        );
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {}", metadata.access_token()).as_str())
        );
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"audience": "pypi", "includeEmail": true})
        );
    }
    let claims = index.mints()[0].claims.clone().unwrap();
    assert_eq!(claims["email"], account);
    assert!(
        !run.all().contains(&metadata.access_token()),
        "the access token never prints"
    );
}
