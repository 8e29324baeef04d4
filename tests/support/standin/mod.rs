//! Stand-in servers for what cannot run in tests: the GitHub Actions OIDC token endpoint,
//! PyPI's Trusted Publishing and upload endpoints, and a rig around the real pypiserver.
//! Integration tests use them with `mod standin;`.
//!
//! Everything listens on 127.0.0.1 with a port chosen by the OS, is started by a constructor
//! returning a handle with `url()` / `base_url()`, and stops when the handle is dropped.
//!
//! - [`http`]: the HTTP/1.1 server under every stand-in, with a request log and fault
//!   injection ([`http::Fault`]: resets mid-body, 5xx, 429 + Retry-After, slow bodies,
//!   redirects, dropped connections).
//! - [`oidc`]: [`oidc::GithubOidc`] (token endpoint + JWKS) and [`oidc::GitlabOidc`]
//!   (mints `PYPI_ID_TOKEN` values).
//! - [`pypi`]: [`pypi::Index`], warehouse's `/_/oidc/*`, `/legacy/`, Simple and JSON APIs.
//! - [`pypiserver`]: [`pypiserver::PypiServer`], the real pypiserver from `.tools/`.
//! - [`client`]: a tiny HTTP client and multipart builder for tests.
//! - [`dist`]: minimal valid wheels and sdists.
//! - [`jwt`]: ES256/RS256 signing and verification, JWKS.
#![allow(dead_code)]

pub mod client;
pub mod dist;
pub mod http;
pub mod jwt;
pub mod oidc;
pub mod pypi;
pub mod pypiserver;
pub mod util;
