//! Credentials for an upload: an API token (env `CHORA_PUBLISH_TOKEN` or `--token-file`, never
//! the command line), or the CI's ambient OIDC identity to exchange for a short-lived token:
//! GitHub Actions (a fresh JWT per request), GitLab CI (the job's `<AUD>_ID_TOKEN` variables,
//! ambient-id semantics) or Google Cloud (the metadata server's identity, or an impersonated
//! service account). Secrets never print.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use super::http::{BodyError, Http, caps};
use super::retry::{self, Failed, Policy};

/// A secret string: Debug shows `***`; there is no Display.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to authenticate (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Trusted Publishing when the CI offers an identity, else a token.
    Auto,
    /// Trusted Publishing only.
    Oidc,
    /// An API token only.
    Token,
}

/// The environment variables chora-publish reads, captured once (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct Env(pub HashMap<String, String>);

/// The variables chora-publish reads, besides the GitLab `<AUDIENCE>_ID_TOKEN` ones.
pub const VARIABLES: &[&str] = &[
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "CHORA_PUBLISH_TOKEN",
    "CHORA_PUBLISH_CONNECT_TIMEOUT_MS",
    "CHORA_PUBLISH_GITHUB_SECOND_MS",
    "CHORA_PUBLISH_API_TIMEOUT_MS",
    "CHORA_PUBLISH_UPLOAD_TIMEOUT_MS",
    "CHORA_PUBLISH_IDLE_TIMEOUT_MS",
    "CHORA_PUBLISH_TOTAL_TIMEOUT_MS",
    "CHORA_PUBLISH_RETRY_BASE_MS",
    "CI",
    "CI_JOB_ID",
    "CI_PIPELINE_ID",
    "GH_TOKEN",
    "GITHUB_ACTIONS",
    "GITHUB_API_URL",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_TOKEN",
    "GITLAB_CI",
    "GOOGLE_SERVICE_ACCOUNT_NAME",
    GCP_METADATA_URL_VAR,
    GCP_DMI_PATH_VAR,
    GCP_IAM_URL_VAR,
];

/// Test/advanced: the Google Cloud metadata server's origin (default [`GCP_METADATA_URL`]).
pub const GCP_METADATA_URL_VAR: &str = "CHORA_PUBLISH_GCP_METADATA_URL";
/// Test/advanced: the file naming the machine's product (default [`GCP_DMI_PATH`]).
pub const GCP_DMI_PATH_VAR: &str = "CHORA_PUBLISH_GCP_DMI_PATH";
/// Test/advanced: the IAM Credentials API origin (default [`GCP_IAM_URL`]).
pub const GCP_IAM_URL_VAR: &str = "CHORA_PUBLISH_GCP_IAM_URL";
/// Google Cloud's metadata server.
pub const GCP_METADATA_URL: &str = "http://metadata.google.internal";
/// Where Linux names the machine's product (`Google` / `Google Compute Engine` on GCP).
pub const GCP_DMI_PATH: &str = "/sys/class/dmi/id/product_name";
/// Google's IAM Credentials API (service-account impersonation).
pub const GCP_IAM_URL: &str = "https://iamcredentials.googleapis.com";

/// Whether chora-publish reads the variable `name`.
pub fn is_read(name: &str) -> bool {
    VARIABLES.contains(&name) || name.ends_with("_ID_TOKEN")
}

/// A variable chora-publish needs holds bytes that are not UTF-8. Only its name is shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the environment variable {name} is not valid UTF-8 text (its value is not shown); set it to plain text or unset it"
)]
pub struct UnusableVariable {
    pub name: String,
}

impl Env {
    /// The variables chora-publish reads (and only those: [`is_read`]), from the process.
    /// Never panics on non-UTF-8 names or values; a needed variable that is not UTF-8 is an
    /// error naming it, never showing its value.
    pub fn from_process() -> Result<Self, UnusableVariable> {
        Self::from_pairs(std::env::vars_os())
    }

    /// [`Env::from_process`] over given pairs (tests).
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Result<Self, UnusableVariable> {
        let mut vars = HashMap::new();
        for (name, value) in pairs {
            // A name that is not UTF-8 is not one of ours.
            let Some(name) = name.to_str() else { continue };
            if !is_read(name) {
                continue;
            }
            match value.into_string() {
                Ok(value) => {
                    vars.insert(name.to_string(), value);
                }
                Err(_) => {
                    return Err(UnusableVariable {
                        name: name.to_string(),
                    });
                }
            }
        }
        Ok(Env(vars))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn in_github_actions(&self) -> bool {
        self.get("GITHUB_ACTIONS") == Some("true")
    }
}

/// Where an ambient identity comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ambient {
    /// GitHub Actions: request a fresh JWT per mint.
    GitHub {
        request_url: String,
        request_token: Secret,
    },
    /// GitLab CI: a job ID token in `<AUD>_ID_TOKEN` (one per job: it cannot be re-fetched).
    GitLab { variable: String, token: Secret },
    /// Google Cloud: `GET {metadata}/computeMetadata/v1/instance/service-accounts/default/
    /// identity?audience=…&format=full` with `Metadata-Flavor: Google` (a fresh JWT per call).
    Google { metadata_url: String },
    /// Google Cloud with `GOOGLE_SERVICE_ACCOUNT_NAME`: the default service account's access
    /// token from the metadata server, then IAM Credentials `generateIdToken` for `account`.
    GoogleImpersonated {
        metadata_url: String,
        iam_url: String,
        account: String,
    },
}

impl Ambient {
    pub fn provider(&self) -> &'static str {
        match self {
            Ambient::GitHub { .. } => "GitHub Actions",
            Ambient::GitLab { .. } => "GitLab CI",
            Ambient::Google { .. } | Ambient::GoogleImpersonated { .. } => "Google Cloud",
        }
    }

    /// True when every request returns the same token (GitLab: one per job and audience).
    pub fn is_fixed(&self) -> bool {
        matches!(self, Ambient::GitLab { .. })
    }
}

/// Why credentials could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read the token file {path}: {reason}")]
    TokenFile {
        path: String,
        reason: String,
        /// A failure of the machine (permission denied…), not a refusal of the file.
        io: bool,
    },
    #[error("the OIDC token request to {provider} failed: {reason}")]
    Fetch {
        provider: &'static str,
        reason: String,
    },
}

/// The GitLab variable holding an ID token for `audience` (`pypi` -> `PYPI_ID_TOKEN`), as
/// `id` and uv's ambient-id derive it: uppercased, then `[^A-Z0-9_]|^[^A-Z_]` becomes `_`.
pub fn gitlab_variable(audience: &str) -> String {
    let mut name: String = audience
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let c = c.to_ascii_uppercase();
            let allowed = c.is_ascii_uppercase() || c == '_' || (i > 0 && c.is_ascii_digit());
            if allowed { c } else { '_' }
        })
        .collect();
    name.push_str("_ID_TOKEN");
    name
}

/// True in a GitLab CI job (`GITLAB_CI=true`).
pub fn in_gitlab_ci(env: &Env) -> bool {
    env.get("GITLAB_CI") == Some("true")
}

/// True when the machine is a Google Cloud VM: the DMI product name (at
/// `CHORA_PUBLISH_GCP_DMI_PATH`, default [`GCP_DMI_PATH`]) is `Google` or
/// `Google Compute Engine`, as `id` checks.
pub fn on_google_cloud(env: &Env) -> bool {
    let path = env.get(GCP_DMI_PATH_VAR).unwrap_or(GCP_DMI_PATH);
    crate::fs::read_regular_text(Path::new(path), 8192, "the DMI product name")
        .is_ok_and(|name| matches!(name.trim(), "Google" | "Google Compute Engine"))
}

/// Whether a Google Cloud identity can be asked for (impersonation or the VM's own).
pub fn google_hint(env: &Env) -> bool {
    env.get("GOOGLE_SERVICE_ACCOUNT_NAME").is_some() || on_google_cloud(env)
}

/// Detect an ambient OIDC identity for `audience`: GitHub Actions (the token request
/// variables), GitLab CI (`GITLAB_CI=true` and `<AUD>_ID_TOKEN`), Google Cloud
/// (`GOOGLE_SERVICE_ACCOUNT_NAME`, or a VM whose DMI product name is Google). In a GitLab job
/// without the variable there is no identity (the caller names the `id_tokens:` to add).
pub fn detect_ambient(env: &Env, audience: &str) -> Option<Ambient> {
    if let (Some(url), Some(token)) = (
        env.get("ACTIONS_ID_TOKEN_REQUEST_URL"),
        env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ) {
        return Some(Ambient::GitHub {
            request_url: url.to_string(),
            request_token: Secret::new(token),
        });
    }
    if in_gitlab_ci(env) {
        let variable = gitlab_variable(audience);
        let token = env.get(&variable)?;
        return Some(Ambient::GitLab {
            token: Secret::new(token.trim()),
            variable,
        });
    }
    let metadata_url = env
        .get(GCP_METADATA_URL_VAR)
        .unwrap_or(GCP_METADATA_URL)
        .trim_end_matches('/')
        .to_string();
    if let Some(account) = env.get("GOOGLE_SERVICE_ACCOUNT_NAME") {
        return Some(Ambient::GoogleImpersonated {
            metadata_url,
            iam_url: env
                .get(GCP_IAM_URL_VAR)
                .unwrap_or(GCP_IAM_URL)
                .trim_end_matches('/')
                .to_string(),
            account: account.to_string(),
        });
    }
    if on_google_cloud(env) {
        return Some(Ambient::Google { metadata_url });
    }
    None
}

/// The largest `--token-file` read (an API token is about 200 bytes).
pub const TOKEN_FILE_LIMIT: u64 = 4096;

/// The API token from `--token-file` or `CHORA_PUBLISH_TOKEN`. The file must be a regular file
/// (not a symbolic link, FIFO or device) of at most [`TOKEN_FILE_LIMIT`] bytes holding one
/// line: the token, surrounding white space trimmed. Its content is never quoted in errors.
pub fn api_token(env: &Env, token_file: Option<&Path>) -> Result<Option<Secret>, CredentialError> {
    if let Some(path) = token_file {
        let shown = crate::text::excerpt(&path.display().to_string(), 300);
        let fail = |reason: String| CredentialError::TokenFile {
            path: shown.clone(),
            reason,
            io: false,
        };
        let bytes =
            crate::fs::read_regular(path, TOKEN_FILE_LIMIT, "a --token-file").map_err(|e| {
                CredentialError::TokenFile {
                    path: shown.clone(),
                    reason: e.to_string(),
                    io: e.is_io() && !e.is_not_found(),
                }
            })?;
        let text = String::from_utf8(bytes).map_err(|_| fail("it is not UTF-8 text".into()))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(fail("the file is empty".into()));
        }
        if token.contains(['\n', '\r']) {
            return Err(fail(
                "it has more than one line; it must hold only the token".into(),
            ));
        }
        if token.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(fail(
                "the token contains spaces or control characters".into(),
            ));
        }
        return Ok(Some(Secret::new(token)));
    }
    Ok(env
        .get("CHORA_PUBLISH_TOKEN")
        .map(|t| Secret::new(t.trim())))
}

#[derive(Deserialize)]
struct GithubTokenReply {
    value: String,
}

#[derive(Deserialize)]
struct GoogleAccessToken {
    access_token: String,
}

#[derive(Deserialize)]
struct GoogleIdToken {
    token: String,
}

/// A fresh identity token (JWT) for `audience`. GitHub and Google issue a new one per
/// request, which PyPI needs: each JWT can be exchanged once. GitLab's is the job's variable
/// (the same token every time). Transport errors, 408, 429 and 5xx are retried per `policy`
/// (honouring `Retry-After`); each request is bounded by the api time limit.
pub async fn fetch_jwt(
    http: &Http,
    policy: &Policy,
    ambient: &Ambient,
    audience: &str,
) -> Result<Secret, CredentialError> {
    let provider = ambient.provider();
    let fail = |reason: String| CredentialError::Fetch { provider, reason };
    match ambient {
        Ambient::GitLab { token, .. } => Ok(token.clone()),
        Ambient::GitHub {
            request_url,
            request_token,
        } => {
            let mut url = reqwest::Url::parse(request_url)
                .map_err(|e| fail(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}")))?;
            url.query_pairs_mut().append_pair("audience", audience);
            let bytes = get_body(http, policy, provider, || {
                http.client
                    .get(url.clone())
                    .header(
                        "Authorization",
                        format!("bearer {}", request_token.expose()),
                    )
                    .header("Accept", "application/json")
            })
            .await?;
            let body: GithubTokenReply = serde_json::from_slice(&bytes)
                .map_err(|_| fail("unexpected reply: not JSON with a string `value`".into()))?;
            Ok(Secret::new(body.value))
        }
        Ambient::Google { metadata_url } => {
            let url = google_identity_url(metadata_url, audience).map_err(fail)?;
            let bytes = get_body(http, policy, provider, || {
                http.client
                    .get(url.clone())
                    .header("Metadata-Flavor", "Google")
            })
            .await?;
            let token = String::from_utf8(bytes)
                .map_err(|_| fail("the metadata server's identity token is not text".into()))?;
            let token = token.trim();
            if token.split('.').count() != 3 {
                return Err(fail(
                    "the metadata server's reply is not a JWT (three base64url parts)".into(),
                ));
            }
            Ok(Secret::new(token))
        }
        Ambient::GoogleImpersonated {
            metadata_url,
            iam_url,
            account,
        } => {
            let token_url = format!(
                "{metadata_url}/computeMetadata/v1/instance/service-accounts/default/token"
            );
            let bytes = get_body(http, policy, provider, || {
                http.client
                    .get(&token_url)
                    .header("Metadata-Flavor", "Google")
            })
            .await?;
            let access: GoogleAccessToken = serde_json::from_slice(&bytes).map_err(|_| {
                fail(
                    "the metadata server's access-token reply is not JSON with `access_token`"
                        .into(),
                )
            })?;
            let access = Secret::new(access.access_token);
            let id_url = format!(
                "{iam_url}/v1/projects/-/serviceAccounts/{}:generateIdToken",
                urlencode(account)
            );
            let payload = serde_json::json!({"audience": audience, "includeEmail": true});
            let bytes = get_body(http, policy, provider, || {
                http.client
                    .post(&id_url)
                    .header("Authorization", format!("Bearer {}", access.expose()))
                    .header("Accept", "application/json")
                    .json(&payload)
            })
            .await?;
            let reply: GoogleIdToken = serde_json::from_slice(&bytes).map_err(|_| {
                fail(format!(
                    "IAM generateIdToken for {account} answered without a `token`"
                ))
            })?;
            Ok(Secret::new(reply.token))
        }
    }
}

/// `{metadata}/computeMetadata/v1/instance/service-accounts/default/identity?audience=…&format=full`.
pub fn google_identity_url(metadata_url: &str, audience: &str) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(&format!(
        "{}/computeMetadata/v1/instance/service-accounts/default/identity",
        metadata_url.trim_end_matches('/')
    ))
    .map_err(|e| format!("{GCP_METADATA_URL_VAR} is not a URL: {e}"))?;
    url.query_pairs_mut()
        .append_pair("audience", audience)
        .append_pair("format", "full");
    Ok(url)
}

/// Percent-encode a path segment (a service-account e-mail).
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// One GET/POST with retries; the body of a 2xx answer.
async fn get_body(
    http: &Http,
    policy: &Policy,
    provider: &'static str,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Vec<u8>, CredentialError> {
    let limit = http.timeouts.api;
    let done = retry::run(policy, |_| {
        let builder = request().timeout(limit.value);
        async move {
            let resp = builder
                .send()
                .await
                .map_err(|e| Failed::transient(http.transport_error(&e, &limit)))?;
            let status = resp.status().as_u16();
            if !resp.status().is_success() {
                let again = retry::again_for(status, resp.headers());
                return Err(Failed {
                    error: format!("HTTP {status}"),
                    again,
                });
            }
            http.read_body(resp, caps::TOKEN_REPLY, false, &limit)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge(_) => Failed::fatal(e.to_string()),
                    BodyError::Transport(_) => Failed::transient(e.to_string()),
                })
        }
    })
    .await;
    done.result.map_err(|reason| CredentialError::Fetch {
        provider,
        reason: if done.attempts > 1 {
            format!("{reason} (after {} attempts)", done.attempts)
        } else {
            reason
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env(pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_variables_never_panic_and_are_named_without_their_value() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let bad = || OsString::from_vec(b"db-password-\xff\xfe".to_vec());
        // An unrelated variable (or one with a non-UTF-8 name) is not read at all.
        let env = Env::from_pairs([
            (OsString::from("UNRELATED_SECRET"), bad()),
            (OsString::from_vec(b"NAME\xff".to_vec()), bad()),
            (OsString::from("GITHUB_ACTIONS"), OsString::from("true")),
        ])
        .unwrap();
        assert_eq!(env.0.len(), 1, "{:?}", env.0.keys());
        assert!(env.in_github_actions());
        // A needed one is named, its value never shown.
        let err = Env::from_pairs([(OsString::from("CHORA_PUBLISH_TOKEN"), bad())]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("CHORA_PUBLISH_TOKEN"), "{text}");
        assert!(!text.contains("db-password"), "{text}");
        assert!(Env::from_pairs([(OsString::from("PYPI_ID_TOKEN"), bad())]).is_err());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        assert_eq!(format!("{:?}", Secret::new("pypi-abc")), "Secret(***)");
    }

    #[test]
    fn detects_github_and_gitlab() {
        let gh = env(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://x/?a=1"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
        ]);
        assert!(matches!(
            detect_ambient(&gh, "pypi"),
            Some(Ambient::GitHub { .. })
        ));
        let gl = env(&[("GITLAB_CI", "true"), ("TESTPYPI_ID_TOKEN", "jwt")]);
        assert!(matches!(
            detect_ambient(&gl, "testpypi"),
            Some(Ambient::GitLab { .. })
        ));
        assert_eq!(
            detect_ambient(&env(&[(GCP_DMI_PATH_VAR, "/nonexistent/dmi")]), "pypi"),
            None
        );
        assert_eq!(gitlab_variable("pypi"), "PYPI_ID_TOKEN");
    }

    #[test]
    fn gitlab_needs_gitlab_ci_true_and_the_audience_variable() {
        let no_dmi = (GCP_DMI_PATH_VAR, "/nonexistent/dmi");
        // The variable alone (outside GitLab CI) is not an identity.
        assert_eq!(
            detect_ambient(&env(&[("PYPI_ID_TOKEN", "jwt"), no_dmi]), "pypi"),
            None
        );
        // GitLab CI without the variable for this audience: none either.
        let gl = env(&[("GITLAB_CI", "true"), ("PYPI_ID_TOKEN", "jwt"), no_dmi]);
        assert_eq!(detect_ambient(&gl, "testpypi"), None);
        match detect_ambient(&gl, "pypi") {
            Some(Ambient::GitLab { variable, token }) => {
                assert_eq!(variable, "PYPI_ID_TOKEN");
                assert_eq!(token.expose(), "jwt");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gitlab_variable_follows_ambient_id() {
        assert_eq!(gitlab_variable("sigstore"), "SIGSTORE_ID_TOKEN");
        assert_eq!(gitlab_variable("testpypi"), "TESTPYPI_ID_TOKEN");
        assert_eq!(gitlab_variable("my-aud.example"), "MY_AUD_EXAMPLE_ID_TOKEN");
        // A leading digit is not a valid first character; later digits are kept.
        assert_eq!(gitlab_variable("1pypi2"), "_PYPI2_ID_TOKEN");
        assert_eq!(gitlab_variable("_x"), "_X_ID_TOKEN");
    }

    #[test]
    fn google_cloud_is_detected_by_dmi_or_service_account() {
        let dir = tempfile::tempdir().unwrap();
        let dmi = dir.path().join("product_name");
        let dmi_s = dmi.to_str().unwrap();
        for (name, google) in [
            ("Google\n", true),
            ("Google Compute Engine\n", true),
            ("Standard PC (Q35 + ICH9, 2009)\n", false),
        ] {
            std::fs::write(&dmi, name).unwrap();
            let e = env(&[
                (GCP_DMI_PATH_VAR, dmi_s),
                (GCP_METADATA_URL_VAR, "http://m:1/"),
            ]);
            match detect_ambient(&e, "pypi") {
                Some(Ambient::Google { metadata_url }) if google => {
                    assert_eq!(metadata_url, "http://m:1")
                }
                None if !google => {}
                other => panic!("{name:?}: {other:?}"),
            }
        }
        let e = env(&[
            (
                "GOOGLE_SERVICE_ACCOUNT_NAME",
                "pub@p.iam.gserviceaccount.com",
            ),
            (GCP_DMI_PATH_VAR, "/nonexistent/dmi"),
        ]);
        assert!(matches!(
            detect_ambient(&e, "pypi"),
            Some(Ambient::GoogleImpersonated { ref account, ref metadata_url, .. })
                if account == "pub@p.iam.gserviceaccount.com" && metadata_url == GCP_METADATA_URL
        ));
        let url = google_identity_url("http://m:1", "pypi").unwrap();
        assert_eq!(
            url.as_str(),
            "http://m:1/computeMetadata/v1/instance/service-accounts/default/identity?audience=pypi&format=full"
        );
    }

    #[test]
    fn token_file_wins_and_empty_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t");
        std::fs::write(&file, "pypi-file\n").unwrap();
        let e = env(&[("CHORA_PUBLISH_TOKEN", "pypi-env")]);
        assert_eq!(
            api_token(&e, Some(&file)).unwrap(),
            Some(Secret::new("pypi-file"))
        );
        assert_eq!(api_token(&e, None).unwrap(), Some(Secret::new("pypi-env")));
        std::fs::write(&file, "\n").unwrap();
        assert!(api_token(&e, Some(&file)).is_err());
    }
}
