//! PyPI's Trusted Publishing exchange: `GET /_/oidc/audience`, then `POST /_/oidc/mint-token`
//! with a fresh identity token, on the host of the upload URL.

use serde::Deserialize;

use super::credentials::Secret;
use super::http::error_chain;

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

/// Send with a few retries on transport errors and 5xx.
fn send(
    request: impl Fn() -> reqwest::blocking::RequestBuilder,
    url: &str,
) -> Result<reqwest::blocking::Response, ExchangeError> {
    let mut last = String::new();
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(300 << attempt));
        }
        match request().send() {
            Ok(resp) if resp.status().is_server_error() && attempt < 3 => {
                last = format!("HTTP {}", resp.status());
            }
            Ok(resp) => return Ok(resp),
            Err(e) => last = error_chain(&e),
        }
    }
    Err(ExchangeError::Transport {
        url: url.to_string(),
        reason: last,
    })
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
pub fn audience(
    client: &reqwest::blocking::Client,
    upload_url: &reqwest::Url,
) -> Result<String, ExchangeError> {
    let url = format!("{}/_/oidc/audience", index_origin(upload_url));
    let host = host_of(upload_url);
    let resp = send(
        || client.get(&url).header("Accept", "application/json"),
        &url,
    )?;
    let status = resp.status().as_u16();
    let body = resp.text().unwrap_or_default();
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

/// Exchange an identity token for an upload token.
pub fn mint(
    client: &reqwest::blocking::Client,
    upload_url: &reqwest::Url,
    jwt: &Secret,
) -> Result<Minted, ExchangeError> {
    let url = format!("{}/_/oidc/mint-token", index_origin(upload_url));
    let host = host_of(upload_url);
    let payload = serde_json::json!({ "token": jwt.expose() });
    let resp = send(
        || {
            client
                .post(&url)
                .header("Accept", "application/json")
                .json(&payload)
        },
        &url,
    )?;
    let status = resp.status().as_u16();
    // Never let an echoed identity token reach the output.
    let body = resp.text().unwrap_or_default().replace(jwt.expose(), "***");
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

/// Seconds since the epoch.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn truncate(body: &str) -> String {
    let body = body.trim();
    if body.chars().count() > 500 {
        let cut: String = body.chars().take(500).collect();
        format!("{cut}…")
    } else {
        body.to_string()
    }
}
