//! PEP 740 attestations, signed and verified natively: the in-toto statement and its DSSE
//! signature, a Fulcio certificate for an ephemeral key, a Rekor v1 `dsse` entry, and the
//! offline checks PyPI's verifier runs (chain, SCT, SET, inclusion proof, checkpoint, DSSE
//! signature, subject, publisher identity). The behaviour is documented in
//! docs/chora-publish.md ("Attestations (PEP 740)").
//!
//! - [`model`]: the Attestation object and its transparency-log entry (plain serde data).
//! - [`statement`]: the exact statement bytes and the DSSE pre-authentication encoding.
//! - [`jcs`]: RFC 8785 canonical JSON (Rekor bodies and the signed entry timestamp).
//! - [`keys`]: public keys from trust roots and certificates; ECDSA verification.
//! - [`trust_root`]: `trusted_root.json` (the public-good one is bundled).
//! - [`cert`]: X.509 chain and SCT checks; the Fulcio identity in a certificate.
//! - [`merkle`], [`checkpoint`]: RFC 6962 inclusion proofs and signed checkpoint notes.
//! - [`verify`]: every check on one attestation, each failure named.
//! - [`fulcio`], [`rekor`]: the two service clients; [`sign`]: key → certificate → signature →
//!   log entry → attestation, checked before it is used; [`service`]: their JSON POST.
//! - [`decide`]: whether an upload signs (`--attestations auto|always|never`).
//! - [`integrity`]: PyPI's Integrity API (provenance of uploaded files).
//! - [`provenance`]: a release's files checked against the Integrity API.
//! - [`trust_config`]: ClientTrustConfig files (a trusted root and the signing URLs).

pub mod cert;
pub mod checkpoint;
pub mod decide;
pub mod fulcio;
pub mod integrity;
pub mod jcs;
pub mod keys;
pub mod merkle;
pub mod model;
pub mod provenance;
pub mod rekor;
pub mod service;
pub mod sign;
pub mod statement;
pub mod trust_config;
pub mod trust_root;
pub mod verify;

/// The public-good Fulcio instance.
pub const PUBLIC_GOOD_FULCIO: &str = "https://fulcio.sigstore.dev";
/// The public-good Rekor instance (v1: PEP 740 needs its signed entry timestamps).
pub const PUBLIC_GOOD_REKOR: &str = "https://rekor.sigstore.dev";
/// The OIDC audience Sigstore's Fulcio accepts.
pub const SIGSTORE_AUDIENCE: &str = "sigstore";
