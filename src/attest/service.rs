//! One JSON POST to a Sigstore service (Fulcio, Rekor) on the shared HTTP client, retried like
//! every other call; a refusal's `message` (both services answer `{"code","message"}`).

use serde::Deserialize;

use crate::publish::exchange::{self, ExchangeError, Reply};
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// What came back: a 2xx body, or a refusal in words.
pub enum Answer {
    Ok(String),
    Refused { status: u16, message: String },
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
}

/// POST `body` as JSON to `url`; `Err(reason)` when no answer came (after retries).
pub async fn post_json(
    http: &Http,
    policy: &Policy,
    url: &str,
    body: &serde_json::Value,
) -> Result<Answer, String> {
    let Reply { status, body } = exchange::send(http, policy, url, || {
        http.client
            .post(url)
            .header("Accept", "application/json")
            .json(body)
    })
    .await
    .map_err(|e| match e {
        ExchangeError::Transport { reason, .. } => reason,
        other => other.to_string(),
    })?;
    if (200..300).contains(&status) {
        return Ok(Answer::Ok(body));
    }
    let message = serde_json::from_str::<ErrorBody>(&body)
        .ok()
        .and_then(|b| b.message)
        .unwrap_or_else(|| exchange::truncate(&body));
    Ok(Answer::Refused {
        status,
        message: crate::text::excerpt(&message, 500),
    })
}
