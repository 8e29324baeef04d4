//! Choosing and holding the upload credential: a static API token, or a Trusted Publishing
//! token minted from the CI identity and re-minted (with a fresh identity token) before it
//! expires during long batches.

use std::sync::Mutex;

use super::claims::{self, Claims};
use super::credentials::{self, Ambient, AuthMode, CredentialError, Env, Secret};
use super::exchange::{self, ExchangeError, Minted};

/// Re-mint when fewer than this many seconds of validity remain.
pub const REMINT_MARGIN_SECS: i64 = 300;

/// Why no credential could be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Local set-up problem (exit 2): no token, no identity, unreadable token file.
    #[error("{message}")]
    Setup { message: String, hint: String },
    /// The identity token could not be fetched.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The index refused or failed the exchange (exit 3); `claims` for the explanation.
    #[error(transparent)]
    Exchange {
        #[from]
        source: ExchangeError,
    },
}

/// The credential for a batch.
pub enum Auth {
    Token(Secret),
    TrustedPublishing(Box<Minter>),
}

impl Auth {
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::Token(_) => "token",
            Auth::TrustedPublishing(_) => "trusted-publishing",
        }
    }
}

/// Mints (and re-mints) upload tokens from an ambient identity.
pub struct Minter {
    client: reqwest::blocking::Client,
    upload_url: reqwest::Url,
    ambient: Ambient,
    audience: String,
    pub claims: Option<Claims>,
    current: Mutex<Option<Minted>>,
    mask: bool,
}

impl Minter {
    /// Mint now (fresh identity token), store and mask the result.
    pub fn mint(&self) -> Result<Secret, AuthError> {
        let jwt = credentials::fetch_jwt(&self.client, &self.ambient, &self.audience)?;
        let minted = exchange::mint(&self.client, &self.upload_url, &jwt)?;
        if self.mask {
            // GitHub Actions hides this value in every later log line.
            println!("::add-mask::{}", minted.token.expose());
        }
        let token = minted.token.clone();
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some(minted);
        }
        Ok(token)
    }

    /// The current token, re-minted when it expires within the margin.
    pub fn token(&self) -> Result<Secret, AuthError> {
        let now = exchange::now_unix();
        if let Ok(slot) = self.current.lock()
            && let Some(minted) = slot.as_ref()
            && minted.expires - now > REMINT_MARGIN_SECS
        {
            return Ok(minted.token.clone());
        }
        self.mint()
    }

    pub fn provider(&self) -> &'static str {
        self.ambient.provider()
    }
}

/// What `prepare` needs.
pub struct Request<'a> {
    pub mode: AuthMode,
    pub env: &'a Env,
    pub token_file: Option<&'a std::path::Path>,
    pub client: &'a reqwest::blocking::Client,
    pub upload_url: &'a reqwest::Url,
}

fn has_ambient_hint(env: &Env) -> bool {
    env.get("ACTIONS_ID_TOKEN_REQUEST_URL").is_some() || env.get("GITLAB_CI").is_some()
}

/// Pick the credential per `--auth` and set it up (without minting yet).
pub fn prepare(req: &Request<'_>) -> Result<Auth, AuthError> {
    let token = credentials::api_token(req.env, req.token_file)?;
    let use_oidc = match req.mode {
        AuthMode::Token => false,
        AuthMode::Oidc => true,
        AuthMode::Auto => has_ambient_hint(req.env),
    };
    if !use_oidc {
        return match token {
            Some(token) => Ok(Auth::Token(token)),
            None => Err(AuthError::Setup {
                message: if req.mode == AuthMode::Token {
                    "no API token: CHORA_PUBLISH_TOKEN is empty and no --token-file was given".into()
                } else {
                    format!(
                        "no credentials: no CI identity for Trusted Publishing, and no API token ({})",
                        super::explain::missing_identity(req.env).lines().next().unwrap_or_default()
                    )
                },
                hint: "with Trusted Publishing, run in GitHub Actions with `permissions: id-token: write` (or GitLab CI with `id_tokens`); with a token, set CHORA_PUBLISH_TOKEN in the step's env or pass --token-file FILE (never on the command line)".into(),
            }),
        };
    }
    let audience = exchange::audience(req.client, req.upload_url)?;
    let Some(ambient) = credentials::detect_ambient(req.env, &audience) else {
        return Err(AuthError::Setup {
            message: super::explain::missing_identity(req.env),
            hint: "or publish with an API token: --auth token with CHORA_PUBLISH_TOKEN".into(),
        });
    };
    let minter = Minter {
        client: req.client.clone(),
        upload_url: req.upload_url.clone(),
        ambient,
        audience,
        claims: None,
        current: Mutex::new(None),
        mask: req.env.in_github_actions(),
    };
    Ok(Auth::TrustedPublishing(Box::new(minter)))
}

/// Decode the claims of a fresh identity token, for warnings and explanations.
pub fn peek_claims(minter: &mut Minter) -> Result<Option<Claims>, AuthError> {
    let jwt = credentials::fetch_jwt(&minter.client, &minter.ambient, &minter.audience)?;
    let decoded = claims::decode(jwt.expose());
    minter.claims = decoded.clone();
    Ok(decoded)
}
