//! The one HTTP client chora-publish uses, on one tokio runtime: rustls with the ring provider,
//! no automatic redirects (the uploader follows same-host redirects itself), and named time
//! limits — short ones for the OIDC, audience, mint, burn and index calls, a long one only for
//! upload bodies.

use std::future::Future;
use std::time::Duration;

pub use crate::exit::error_chain;

/// Why the client or its runtime could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the HTTP client: {0}")]
pub struct ClientError(String);

/// A named time limit: its value, and the environment variable that overrides it (a test knob,
/// in milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// How long.
    pub value: Duration,
    /// What it bounds, for messages (`connect`, `api`, `upload`).
    pub name: &'static str,
    /// The override, e.g. `CHORA_PUBLISH_API_TIMEOUT_MS`.
    pub variable: &'static str,
}

impl Limit {
    /// `30 s (api limit, CHORA_PUBLISH_API_TIMEOUT_MS)`, for error messages.
    pub fn describe(&self) -> String {
        let ms = self.value.as_millis();
        let value = if ms.is_multiple_of(1000) {
            format!("{} s", ms / 1000)
        } else {
            format!("{ms} ms")
        };
        format!("{value} ({} time limit, {})", self.name, self.variable)
    }
}

/// The time limits of every network call (docs/chora-publish.md, "Time limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (TCP + TLS), for every call: 10 s.
    pub connect: Limit,
    /// A whole OIDC token, audience, mint-token, burn-token or index request: 30 s.
    pub api: Limit,
    /// A whole upload request, body included: 15 minutes.
    pub upload: Limit,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Limit {
                value: Duration::from_secs(10),
                name: "connect",
                variable: "CHORA_PUBLISH_CONNECT_TIMEOUT_MS",
            },
            api: Limit {
                value: Duration::from_secs(30),
                name: "api",
                variable: "CHORA_PUBLISH_API_TIMEOUT_MS",
            },
            upload: Limit {
                value: Duration::from_secs(15 * 60),
                name: "upload",
                variable: "CHORA_PUBLISH_UPLOAD_TIMEOUT_MS",
            },
        }
    }
}

impl Timeouts {
    /// The defaults, with each limit overridden by its variable (milliseconds) when set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut t = Timeouts::default();
        for limit in [&mut t.connect, &mut t.api, &mut t.upload] {
            if let Some(ms) = get(limit.variable).and_then(|v| v.trim().parse::<u64>().ok())
                && ms > 0
            {
                limit.value = Duration::from_millis(ms);
            }
        }
        t
    }
}

/// The client, its runtime and its limits. Every network call of chora-publish goes through
/// one of these.
pub struct Http {
    runtime: tokio::runtime::Runtime,
    /// The client (connect limit set; each request sets its own total limit).
    pub client: reqwest::Client,
    /// The limits in force.
    pub timeouts: Timeouts,
}

impl Http {
    /// Build the runtime (one worker thread: the work is I/O and hashing is already done) and
    /// the client.
    pub fn new(timeouts: Timeouts) -> Result<Http, ClientError> {
        // Installing twice is harmless; the first provider wins.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        let client = reqwest::Client::builder()
            .user_agent(concat!("chora-publish/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeouts.connect.value)
            .build()
            .map_err(|e| ClientError(error_chain(&e)))?;
        Ok(Http {
            runtime,
            client,
            timeouts,
        })
    }

    /// Run a future to completion on the runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A transport error in words, naming the limit when one ran out.
    pub fn transport_error(&self, err: &reqwest::Error, limit: &Limit) -> String {
        if err.is_timeout() {
            if err.is_connect() {
                format!(
                    "timed out connecting after {}",
                    self.timeouts.connect.describe()
                )
            } else {
                format!("timed out after {}", limit.describe())
            }
        } else if err.is_connect() {
            // reqwest reports a connect timeout as a connect error whose source says so.
            let text = error_chain(err);
            if text.contains("timed out") {
                format!(
                    "timed out connecting after {}",
                    self.timeouts.connect.describe()
                )
            } else {
                text
            }
        } else {
            error_chain(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_overridden_in_milliseconds_and_named() {
        let t = Timeouts::from_lookup(|k| {
            (k == "CHORA_PUBLISH_API_TIMEOUT_MS").then(|| "250".to_string())
        });
        assert_eq!(t.api.value, Duration::from_millis(250));
        assert_eq!(t.connect.value, Duration::from_secs(10));
        assert_eq!(t.upload.value, Duration::from_secs(900));
        assert_eq!(
            t.api.describe(),
            "250 ms (api time limit, CHORA_PUBLISH_API_TIMEOUT_MS)"
        );
        assert_eq!(
            Timeouts::default().connect.describe(),
            "10 s (connect time limit, CHORA_PUBLISH_CONNECT_TIMEOUT_MS)"
        );
    }
}
