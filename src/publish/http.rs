//! The one HTTP client chora-publish uses: rustls with the ring provider, no automatic
//! redirects (the uploader follows same-host redirects itself), bounded connect timeouts.

use std::time::Duration;

pub use crate::exit::error_chain;

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

/// The async client and runtime that uploads use: the blocking client streams request bodies
/// in 8 KiB pieces, which costs a system call and a channel hop per piece; uploads stream in
/// 256 KiB pieces instead.
pub struct Uploader {
    pub runtime: tokio::runtime::Runtime,
    pub client: reqwest::Client,
}

/// Build the upload client and its runtime.
pub fn uploader(read_timeout: Duration) -> Result<Uploader, ClientError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| ClientError(e.to_string()))?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("chora-publish/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(20))
        .timeout(read_timeout)
        .build()
        .map_err(|e| ClientError(error_chain(&e)))?;
    Ok(Uploader { runtime, client })
}
