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
    /// Silence: no byte of a response body (or of an upload body taken by the server), or no
    /// response after the upload body was sent, for this long: 60 s.
    pub idle: Limit,
    /// The retry budget of the whole command: no retry starts (and no backoff or
    /// `Retry-After` wait is begun) that would end more than this long after the start: 30 min.
    pub total: Limit,
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
            idle: Limit {
                value: Duration::from_secs(60),
                name: "idle",
                variable: "CHORA_PUBLISH_IDLE_TIMEOUT_MS",
            },
            total: Limit {
                value: Duration::from_secs(30 * 60),
                name: "total retry",
                variable: "CHORA_PUBLISH_TOTAL_TIMEOUT_MS",
            },
        }
    }
}

impl Timeouts {
    /// The defaults, with each limit overridden by its variable (milliseconds) when set.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut t = Timeouts::default();
        for limit in [
            &mut t.connect,
            &mut t.api,
            &mut t.upload,
            &mut t.idle,
            &mut t.total,
        ] {
            if let Some(ms) = get(limit.variable).and_then(|v| v.trim().parse::<u64>().ok())
                && ms > 0
            {
                limit.value = Duration::from_millis(ms);
            }
        }
        t
    }
}

/// The most of a response body read, per kind of response (docs/security.md). A body that
/// needs parsing and is larger is an error; an error page is cut to its cap.
pub mod caps {
    /// A simple-API page or JSON API reply for one project (PyPI's largest are a few MiB).
    pub const INDEX_PAGE: usize = 16 << 20;
    /// An OIDC token, audience, mint-token or burn-token reply.
    pub const TOKEN_REPLY: usize = 64 << 10;
    /// An error body, or the body of a successful upload (the index's warnings).
    pub const MESSAGE: usize = 64 << 10;
}

/// Why a response body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// The connection failed or a time limit ran out (in words).
    Transport(String),
    /// The body is larger than the cap (bytes).
    TooLarge(usize),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Transport(text) => f.write_str(text),
            BodyError::TooLarge(cap) => write!(
                f,
                "the reply is larger than {} KiB, the most chora-publish reads for it",
                cap / 1024
            ),
        }
    }
}

/// Shared progress of one request: when a byte last moved, and whether the request body was
/// sent. [`Http::watchdog`] ends a request that stays silent past the idle limit.
#[derive(Debug)]
pub struct Progress {
    start: std::time::Instant,
    last_ms: std::sync::atomic::AtomicU64,
    sent: std::sync::atomic::AtomicBool,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            start: std::time::Instant::now(),
            last_ms: std::sync::atomic::AtomicU64::new(0),
            sent: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl Progress {
    /// Bytes moved now.
    pub fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// The request body is all handed over.
    pub fn sent(&self) {
        self.touch();
        self.sent.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn last(&self) -> std::time::Instant {
        self.start + Duration::from_millis(self.last_ms.load(std::sync::atomic::Ordering::Relaxed))
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

    /// Resolves (with the reason, in words) once `progress` has been silent for the idle
    /// limit: the server stopped taking the body, or does not answer once it has it.
    pub async fn watchdog(&self, progress: &Progress) -> String {
        let idle = self.timeouts.idle;
        loop {
            let deadline = progress.last() + idle.value;
            if std::time::Instant::now() >= deadline {
                let what = if progress.sent.load(std::sync::atomic::Ordering::Relaxed) {
                    "the index did not answer after receiving the upload"
                } else {
                    "the index stopped taking the upload"
                };
                return format!("{what}: no progress for {}", idle.describe());
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }

    /// Read `resp`'s body, at most `cap` bytes, failing when no byte arrives for the idle
    /// limit. `cut`: keep the first `cap` bytes of a longer body (an error page) instead of
    /// failing. `limit` names the request's overall limit in errors.
    pub async fn read_body(
        &self,
        mut resp: reqwest::Response,
        cap: usize,
        cut: bool,
        limit: &Limit,
    ) -> Result<Vec<u8>, BodyError> {
        let announced = resp.content_length().unwrap_or(0);
        if !cut && announced > cap as u64 {
            return Err(BodyError::TooLarge(cap));
        }
        let idle = self.timeouts.idle;
        let mut body = Vec::new();
        loop {
            let chunk = match tokio::time::timeout(idle.value, resp.chunk()).await {
                Err(_) => {
                    return Err(BodyError::Transport(format!(
                        "the reply stalled: no byte for {}",
                        idle.describe()
                    )));
                }
                Ok(Err(e)) => return Err(BodyError::Transport(self.transport_error(&e, limit))),
                Ok(Ok(None)) => return Ok(body),
                Ok(Ok(Some(chunk))) => chunk,
            };
            let room = cap.saturating_sub(body.len());
            if chunk.len() > room {
                if cut {
                    body.extend_from_slice(chunk.get(..room).unwrap_or_default());
                    return Ok(body);
                }
                return Err(BodyError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
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
        assert_eq!(t.idle.value, Duration::from_secs(60));
        assert_eq!(t.total.value, Duration::from_secs(1800));
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
