//! Stand-in servers for what cannot run in tests: the GitHub Actions OIDC token endpoint,
//! PyPI's Trusted Publishing and upload endpoints, and a rig around the real pypiserver.
//! Integration tests use them with `mod standin;`.
//!
//! Everything listens on 127.0.0.1 with a port chosen by the OS, is started by a constructor
//! returning a handle with `url()` / `base_url()`, and stops when the handle is dropped.
//!
//! - [`http`]: the HTTP/1.1 server under every stand-in, with a request log (each request
//!   timestamped when received and answered, on the stand-in's clock) and fault injection
//!   ([`http::Fault`]: resets mid-body, 5xx, 429/503 + Retry-After in seconds or as an HTTP
//!   date, slow bodies, redirects, dropped connections).
//! - [`oidc`]: [`oidc::GithubOidc`] (token endpoint + JWKS) and [`oidc::GitlabOidc`]
//!   (GitLab's claim set in `<AUD>_ID_TOKEN` values; optionally an HTTP issuer with discovery
//!   and JWKS).
//! - [`gcp`]: [`gcp::GoogleMetadata`], a GCP metadata server (identity, access token) and the
//!   IAM Credentials `generateIdToken` API.
//! - [`pypi`]: [`pypi::Index`], warehouse's `/_/oidc/*` (audience, mint-token, burn-token),
//!   `/legacy/` (with the 14-day rule, the attestation rules and an optional verification
//!   hook), Simple and JSON APIs, and the Integrity API (`/integrity/…/provenance`).
//! - [`pypiserver`]: [`pypiserver::PypiServer`], the real pypiserver from `.tools/`.
//! - [`client`]: a tiny HTTP client and multipart builder for tests.
//! - [`dist`]: minimal valid wheels and sdists, and structurally valid PEP 740 attestations.
//! - [`jwt`]: ES256/RS256 signing and verification, JWKS.
//! - [`sigstore`]: [`sigstore::Sigstore`], a Fulcio-like CA (embedded precert SCTs), a
//!   Rekor-v1-like `dsse` log (SET, checkpoint, RFC 6962 proofs, lying knobs), the trust
//!   files, a test-side PEP 740 signer and the bridge to the real Python verifier.
#![allow(dead_code)]

pub mod client;
pub mod dist;
pub mod gcp;
pub mod github;
pub mod http;
pub mod jwt;
pub mod oidc;
pub mod pypi;
pub mod pypiserver;
pub mod sigstore;
pub mod util;
