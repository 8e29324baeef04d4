//! PyPI's Trusted Publishing exchange: `GET /_/oidc/audience`, then `POST /_/oidc/mint-token`
//! with a fresh identity token, on the host of the upload URL; after the batch,
//! `POST /_/oidc/burn-token` revokes the minted token.

use serde::Deserialize;

use super::credentials::Secret;
use super::http::{BodyError, Http, caps};
use super::retry::{self, Failed, Policy};

/// A short-lived upload token and when it expires (unix seconds).
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: Secret,
    pub expires: i64,
}

/// One entry of warehouse's 422 `errors` list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServerError {
    pub code: String,
    pub description: String,
}

/// Why the exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("{host} has Trusted Publishing disabled (HTTP {status}: {message})")]
    Disabled {
        host: String,
        status: u16,
        message: String,
    },
    #[error("{host} does not support Trusted Publishing (HTTP {status} from {url})")]
    Unsupported {
        host: String,
        status: u16,
        url: String,
    },
    #[error("{host} refused the token request (HTTP {status})")]
    Refused {
        host: String,
        status: u16,
        errors: Vec<ServerError>,
    },
    #[error("{host} answered {url} unexpectedly: HTTP {status}: {body}")]
    Unexpected {
        host: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
}

/// `scheme://host[:port]` of the upload URL: where the OIDC endpoints live.
pub fn index_origin(upload_url: &reqwest::Url) -> String {
    let mut origin = format!(
        "{}://{}",
        upload_url.scheme(),
        upload_url.host_str().unwrap_or_default()
    );
    if let Some(port) = upload_url.port() {
        origin.push_str(&format!(":{port}"));
    }
    origin
}

fn host_of(upload_url: &reqwest::Url) -> String {
    upload_url.host_str().unwrap_or_default().to_string()
}

/// A reply: status and body text.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Why an attempt failed: no answer, or an answer worth retrying.
enum AttemptError {
    Transport(String),
    Status(Reply),
}

/// Send with retries (per `policy`) on transport errors, 408, 429 and 5xx, honouring
/// `Retry-After`; each request is bounded by the api time limit. A retryable status that
/// persists is returned as the reply, for the caller to explain.
pub async fn send(
    http: &Http,
    policy: &Policy,
    url: &str,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<Reply, ExchangeError> {
    let limit = http.timeouts.api;
    let done = retry::run(policy, |_| {
        let builder = request().timeout(limit.value);
        async move {
            let resp = builder.send().await.map_err(|e| {
                Failed::transient(AttemptError::Transport(http.transport_error(&e, &limit)))
            })?;
            let status = resp.status().as_u16();
            let again = retry::again_for(status, resp.headers());
            let body = http
                .read_body(resp, caps::TOKEN_REPLY, false, &limit)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge(_) => Failed::fatal(AttemptError::Transport(e.to_string())),
                    BodyError::Transport(_) => {
                        Failed::transient(AttemptError::Transport(e.to_string()))
                    }
                })?;
            let reply = Reply {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            match again {
                retry::Again::No => Ok(reply),
                again => Err(Failed {
                    error: AttemptError::Status(reply),
                    again,
                }),
            }
        }
    })
    .await;
    match done.result {
        Ok(reply) | Err(AttemptError::Status(reply)) => Ok(reply),
        Err(AttemptError::Transport(reason)) => Err(ExchangeError::Transport {
            url: url.to_string(),
            reason: if done.attempts > 1 {
                format!("{reason} (after {} attempts)", done.attempts)
            } else {
                reason
            },
        }),
    }
}

#[derive(Deserialize)]
struct AudienceReply {
    audience: String,
}

#[derive(Deserialize)]
struct MessageReply {
    message: Option<String>,
    errors: Option<Vec<ServerError>>,
}

/// The audience the index expects in identity tokens (`pypi`, `testpypi`).
pub async fn audience(
    http: &Http,
    policy: &Policy,
    upload_url: &reqwest::Url,
) -> Result<String, ExchangeError> {
    let url = format!("{}/_/oidc/audience", index_origin(upload_url));
    let host = host_of(upload_url);
    let Reply { status, body } = send(http, policy, &url, || {
        http.client.get(&url).header("Accept", "application/json")
    })
    .await?;
    match status {
        200 => serde_json::from_str::<AudienceReply>(&body)
            .map(|r| r.audience)
            .map_err(|_| ExchangeError::Unexpected {
                host,
                url,
                status,
                body: truncate(&body),
            }),
        403 => Err(ExchangeError::Disabled {
            host,
            status,
            message: serde_json::from_str::<MessageReply>(&body)
                .ok()
                .and_then(|m| m.message)
                .unwrap_or_else(|| truncate(&body)),
        }),
        404 | 405 => Err(ExchangeError::Unsupported { host, status, url }),
        _ => Err(ExchangeError::Unexpected {
            host,
            url,
            status,
            body: truncate(&body),
        }),
    }
}

#[derive(Deserialize)]
struct MintReply {
    token: String,
    expires: Option<i64>,
}

/// `<index origin>/_/oidc/<route>` for the upload URL's index.
fn token_route(upload_url: &reqwest::Url, route: &str) -> String {
    format!("{}/_/oidc/{route}", index_origin(upload_url))
}

/// `POST url` with `{"token": …}` (mint and burn share the shape).
async fn post_token(
    http: &Http,
    policy: &Policy,
    url: &str,
    token: &Secret,
) -> Result<Reply, ExchangeError> {
    let payload = serde_json::json!({ "token": token.expose() });
    send(http, policy, url, || {
        http.client
            .post(url)
            .header("Accept", "application/json")
            .json(&payload)
    })
    .await
}

/// Exchange an identity token for an upload token.
pub async fn mint(
    http: &Http,
    policy: &Policy,
    upload_url: &reqwest::Url,
    jwt: &Secret,
) -> Result<Minted, ExchangeError> {
    let host = host_of(upload_url);
    let url = token_route(upload_url, "mint-token");
    let Reply { status, body } = post_token(http, policy, &url, jwt).await?;
    // Never let an echoed identity token reach the output.
    let body = body.replace(jwt.expose(), "***");
    if status == 200 {
        let reply: MintReply =
            serde_json::from_str(&body).map_err(|_| ExchangeError::Unexpected {
                host: host.clone(),
                url: url.clone(),
                status,
                body: "(a reply without a token)".into(),
            })?;
        let now = now_unix();
        return Ok(Minted {
            token: Secret::new(reply.token),
            expires: reply.expires.unwrap_or(now + 900),
        });
    }
    match serde_json::from_str::<MessageReply>(&body) {
        Ok(MessageReply {
            errors: Some(errors),
            ..
        }) if !errors.is_empty() => Err(ExchangeError::Refused {
            host,
            status,
            errors,
        }),
        Ok(MessageReply {
            message: Some(message),
            ..
        }) if status == 403 => Err(ExchangeError::Disabled {
            host,
            status,
            message,
        }),
        _ => Err(ExchangeError::Unexpected {
            host,
            url,
            status,
            body: truncate(&body),
        }),
    }
}

/// Revoke a minted upload token: `POST /_/oidc/burn-token` with `{"token": …}` (PyPI answers
/// 202). Only for tokens minted by Trusted Publishing, never a user's API token.
pub async fn burn(
    http: &Http,
    policy: &Policy,
    upload_url: &reqwest::Url,
    token: &Secret,
) -> Result<(), ExchangeError> {
    let url = token_route(upload_url, "burn-token");
    let Reply { status, body } = post_token(http, policy, &url, token).await?;
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(ExchangeError::Unexpected {
        host: host_of(upload_url),
        url,
        status,
        body: truncate(&body.replace(token.expose(), "***")),
    })
}

/// Seconds since the epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A server's body, trimmed and cut to 500 characters for an error message.
pub fn truncate(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() > 500 {
        let cut: String = body.chars().take(500).collect();
        format!("{cut}…")
    } else {
        body.to_string()
    }
}
