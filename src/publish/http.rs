//! The one HTTP client chora-publish uses: rustls with the ring provider, no automatic
//! redirects (the uploader follows same-host redirects itself), bounded connect timeouts.

use std::time::Duration;

/// Why a client could not be created.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the HTTP client: {0}")]
pub struct ClientError(String);

/// Build the blocking client. `read_timeout` bounds a whole request (uploads of large files
/// need minutes).
pub fn client(read_timeout: Duration) -> Result<reqwest::blocking::Client, ClientError> {
    // Installing twice is harmless; the first provider wins.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .user_agent(concat!("chora-publish/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(20))
        .timeout(read_timeout)
        .build()
        .map_err(|e| ClientError(error_chain(&e)))
}

/// An error and its sources on one line (reqwest hides the interesting part in sources).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
