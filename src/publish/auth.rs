//! Stage 2, credentials: a static API token, or a Trusted Publishing token minted from the CI
//! identity and re-minted (with a fresh identity token) before it expires during long batches.
//! Minted tokens are remembered so that they can be burned after the batch.

use std::path::Path;
use std::sync::Mutex;

use super::claims::{self, Claims};
use super::credentials::{self, Ambient, AuthMode, CredentialError, Env, Secret};
use super::events::{Event, Observer};
use super::exchange::{self, ExchangeError, Minted};
use super::explain;
use super::http::Http;
use super::retry::Policy;

/// Re-mint when fewer than this many seconds of validity remain.
pub const REMINT_MARGIN_SECS: i64 = 300;

/// Why no credential could be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Local set-up problem: no token, no identity, bad options.
    #[error("{message}")]
    Setup { message: String, hint: String },
    /// The token file could not be read (a local I/O failure).
    #[error("{0}")]
    TokenFile(CredentialError),
    /// The identity token could not be fetched.
    #[error(transparent)]
    Credential(CredentialError),
    /// The index refused or failed the exchange; `explanation` is the full text (the
    /// server's words, the claims, the fix).
    #[error("{explanation}")]
    Exchange {
        source: ExchangeError,
        explanation: String,
    },
}

impl From<CredentialError> for AuthError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::TokenFile { .. } => AuthError::TokenFile(e),
            other => AuthError::Credential(other),
        }
    }
}

/// The credential for a batch.
pub enum Auth {
    /// A user's API token (never burned).
    Token(Secret),
    /// Trusted Publishing.
    TrustedPublishing(Box<Minter>),
}

impl Auth {
    /// `token` or `trusted-publishing`, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::Token(_) => "token",
            Auth::TrustedPublishing(_) => "trusted-publishing",
        }
    }
}

/// Mints (and re-mints) upload tokens from an ambient identity.
pub struct Minter {
    upload_url: reqwest::Url,
    ambient: Ambient,
    audience: String,
    policy: Policy,
    /// What explanations of a failed exchange need (host, projects, claims).
    pub context: explain::Context,
    current: Mutex<Option<Minted>>,
    /// Every token minted so far, to burn after the batch.
    minted: Mutex<Vec<Secret>>,
    mask: bool,
}

impl Minter {
    /// Mint now (fresh identity token), store the result and ask for it to be masked.
    pub async fn mint(&self, http: &Http, observer: &dyn Observer) -> Result<Secret, AuthError> {
        let jwt = credentials::fetch_jwt(http, &self.policy, &self.ambient, &self.audience).await?;
        let minted = exchange::mint(http, &self.policy, &self.upload_url, &jwt)
            .await
            .map_err(|source| AuthError::Exchange {
                explanation: explain::exchange_failure(&source, &self.context),
                source,
            })?;
        if self.mask {
            observer.event(Event::Mask(&minted.token));
        }
        let token = minted.token.clone();
        if let Ok(mut all) = self.minted.lock() {
            all.push(token.clone());
        }
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some(minted);
        }
        Ok(token)
    }

    /// The current token, re-minted when it expires within the margin.
    pub async fn token(&self, http: &Http, observer: &dyn Observer) -> Result<Secret, AuthError> {
        let now = exchange::now_unix();
        if let Ok(slot) = self.current.lock()
            && let Some(minted) = slot.as_ref()
            && minted.expires - now > REMINT_MARGIN_SECS
        {
            return Ok(minted.token.clone());
        }
        self.mint(http, observer).await
    }

    /// `GitHub Actions` or `GitLab CI`.
    pub fn provider(&self) -> &'static str {
        self.ambient.provider()
    }

    /// Every token minted so far (each once).
    pub fn minted_tokens(&self) -> Vec<Secret> {
        self.minted.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// What [`obtain`] needs: plain data from the options and the environment.
pub struct Request<'a> {
    pub mode: AuthMode,
    pub env: &'a Env,
    pub token_file: Option<&'a Path>,
    pub upload_url: &'a reqwest::Url,
    /// Normalised project names of the batch (for explanations).
    pub projects: &'a [String],
    /// Retries of the OIDC, audience and mint calls.
    pub policy: Policy,
}

/// `--auth auto` uses Trusted Publishing in GitHub Actions and GitLab CI, and on Google Cloud
/// when no API token was given (a developer's VM with a token keeps using the token).
fn has_ambient_hint(env: &Env, has_token: bool) -> bool {
    env.get("ACTIONS_ID_TOKEN_REQUEST_URL").is_some()
        || env.get("GITLAB_CI").is_some()
        || (!has_token && credentials::google_hint(env))
}

/// Stage 2: pick the credential per `--auth` and set it up. For Trusted Publishing: the
/// audience, a first identity token whose claims are decoded for warnings (reusable workflow,
/// `pull_request_target`) and explanations, then the mint.
pub fn obtain(http: &Http, req: &Request<'_>, observer: &dyn Observer) -> Result<Auth, AuthError> {
    http.block_on(obtain_async(http, req, observer))
}

async fn obtain_async(
    http: &Http,
    req: &Request<'_>,
    observer: &dyn Observer,
) -> Result<Auth, AuthError> {
    let token = credentials::api_token(req.env, req.token_file)?;
    let use_oidc = match req.mode {
        AuthMode::Token => false,
        AuthMode::Oidc => true,
        AuthMode::Auto => has_ambient_hint(req.env, token.is_some()),
    };
    let mut context = explain::Context {
        host: req.upload_url.host_str().unwrap_or_default().to_string(),
        projects: req.projects.to_vec(),
        claims: None,
        provider: None,
        id_token_variable: None,
    };
    if !use_oidc {
        return match token {
            Some(token) => {
                if req.env.in_github_actions() && context.host.ends_with("pypi.org") {
                    observer.event(Event::Warning {
                        title: "API token",
                        text: format!(
                            "publishing with a long-lived API token; switch to Trusted Publishing (no secret to leak or rotate): {}",
                            explain::web_host(&context.host)
                        ),
                    });
                }
                Ok(Auth::Token(token))
            }
            None => Err(AuthError::Setup {
                message: if req.mode == AuthMode::Token {
                    "no API token: CHORA_PUBLISH_TOKEN is empty and no --token-file was given".into()
                } else {
                    format!(
                        "no credentials: no CI identity for Trusted Publishing, and no API token ({})",
                        explain::missing_identity(req.env, "pypi")
                            .lines()
                            .next()
                            .unwrap_or_default()
                    )
                },
                hint: "with Trusted Publishing, run in GitHub Actions with `permissions: id-token: write`, GitLab CI with `id_tokens`, or on Google Cloud; with a token, set CHORA_PUBLISH_TOKEN in the step's env or pass --token-file FILE (never on the command line)".into(),
            }),
        };
    }
    let exchange_error = |source: ExchangeError, context: &explain::Context| AuthError::Exchange {
        explanation: explain::exchange_failure(&source, context),
        source,
    };
    let audience = exchange::audience(http, &req.policy, req.upload_url)
        .await
        .map_err(|e| exchange_error(e, &context))?;
    let Some(ambient) = credentials::detect_ambient(req.env, &audience) else {
        return Err(AuthError::Setup {
            message: explain::missing_identity(req.env, &audience),
            hint: "or publish with an API token: --auth token with CHORA_PUBLISH_TOKEN".into(),
        });
    };
    // A first identity token, only for its claims (warnings and explanations); the mint asks
    // for a fresh one (a JWT can be exchanged once).
    let jwt = credentials::fetch_jwt(http, &req.policy, &ambient, &audience).await?;
    let decoded: Option<Claims> = claims::decode(jwt.expose());
    for text in explain::preflight_warnings(req.env, decoded.as_ref()) {
        observer.event(Event::Warning {
            title: "Trusted Publishing",
            text,
        });
    }
    context.claims = decoded;
    context.provider = Some(ambient.provider());
    if let Ambient::GitLab { variable, .. } = &ambient {
        context.id_token_variable = Some(variable.clone());
    }
    let minter = Minter {
        upload_url: req.upload_url.clone(),
        ambient,
        audience,
        policy: req.policy,
        context,
        current: Mutex::new(None),
        minted: Mutex::new(Vec::new()),
        mask: req.env.in_github_actions(),
    };
    minter.mint(http, observer).await?;
    observer.event(Event::Minted {
        provider: minter.provider(),
        host: &minter.context.host,
    });
    Ok(Auth::TrustedPublishing(Box::new(minter)))
}

/// After the batch: burn every token Trusted Publishing minted (`/_/oidc/burn-token`). A user's
/// API token is never burned. Returns the failures, one sentence each; they are warnings.
pub fn burn(http: &Http, auth: &Auth, upload_url: &reqwest::Url, policy: &Policy) -> Vec<String> {
    let Auth::TrustedPublishing(minter) = auth else {
        return Vec::new();
    };
    let mut failures = Vec::new();
    for token in minter.minted_tokens() {
        if let Err(e) = http.block_on(exchange::burn(http, policy, upload_url, &token)) {
            failures.push(format!(
                "could not burn the minted upload token ({e}); it expires by itself within 15 minutes"
            ));
        }
    }
    failures
}
