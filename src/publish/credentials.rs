//! Credentials for an upload: an API token (env `CHORA_PUBLISH_TOKEN` or `--token-file`, never
//! the command line), or the CI's ambient OIDC identity (GitHub Actions, GitLab) to exchange
//! for a short-lived token. Secrets never print.

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
];

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
    /// GitLab CI: a job ID token in `<AUD>_ID_TOKEN` (one per job).
    GitLab { variable: String, token: Secret },
}

impl Ambient {
    pub fn provider(&self) -> &'static str {
        match self {
            Ambient::GitHub { .. } => "GitHub Actions",
            Ambient::GitLab { .. } => "GitLab CI",
        }
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

/// The GitLab variable holding an ID token for `audience` (`pypi` -> `PYPI_ID_TOKEN`).
pub fn gitlab_variable(audience: &str) -> String {
    let mut name: String = audience
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    name.push_str("_ID_TOKEN");
    name
}

/// Detect an ambient OIDC identity for `audience`.
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
    let variable = gitlab_variable(audience);
    let token = env.get(&variable)?;
    Some(Ambient::GitLab {
        token: Secret::new(token),
        variable,
    })
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

/// A fresh identity token (JWT) for `audience`. GitHub issues a new one per request, which
/// PyPI needs: each JWT can be exchanged once. Transport errors, 408, 429 and 5xx are retried
/// per `policy` (honouring `Retry-After`); each request is bounded by the api time limit.
pub async fn fetch_jwt(
    http: &Http,
    policy: &Policy,
    ambient: &Ambient,
    audience: &str,
) -> Result<Secret, CredentialError> {
    let (request_url, request_token) = match ambient {
        Ambient::GitLab { token, .. } => return Ok(token.clone()),
        Ambient::GitHub {
            request_url,
            request_token,
        } => (request_url, request_token),
    };
    let fail = |reason: String| CredentialError::Fetch {
        provider: "GitHub Actions",
        reason,
    };
    let mut url = reqwest::Url::parse(request_url)
        .map_err(|e| fail(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}")))?;
    url.query_pairs_mut().append_pair("audience", audience);
    let limit = http.timeouts.api;
    let done = retry::run(policy, |_| {
        let url = url.clone();
        async move {
            let resp = http
                .client
                .get(url)
                .timeout(limit.value)
                .header(
                    "Authorization",
                    format!("bearer {}", request_token.expose()),
                )
                .header("Accept", "application/json")
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
            let bytes = http
                .read_body(resp, caps::TOKEN_REPLY, false, &limit)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge(_) => Failed::fatal(e.to_string()),
                    BodyError::Transport(_) => Failed::transient(e.to_string()),
                })?;
            let body: GithubTokenReply = serde_json::from_slice(&bytes).map_err(|_| {
                Failed::fatal("unexpected reply: not JSON with a string `value`".to_string())
            })?;
            Ok(Secret::new(body.value))
        }
    })
    .await;
    done.result.map_err(|reason| {
        if done.attempts > 1 {
            fail(format!("{reason} (after {} attempts)", done.attempts))
        } else {
            fail(reason)
        }
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
        assert_eq!(detect_ambient(&env(&[]), "pypi"), None);
        assert_eq!(gitlab_variable("pypi"), "PYPI_ID_TOKEN");
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
