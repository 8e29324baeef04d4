//! Exit statuses and next steps for attestation failures (signing, verifying, provenance).

use super::{ExitStatus, Failure};
use crate::attest::fulcio::FulcioError;
use crate::attest::rekor::RekorError;
use crate::attest::sign::SignError;

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        let text = format!("signing attestations failed; nothing was uploaded: {e}");
        let service = |hint: &str| {
            Failure::usage(text.clone())
                .with_status(ExitStatus::Service)
                .with_hint(hint.to_string())
        };
        match &e {
            SignError::Token(_) => service(
                "the job needs `permissions: id-token: write` (GitHub Actions) or `id_tokens: SIGSTORE_ID_TOKEN: {aud: sigstore}` (GitLab CI); re-run the job, or upload with --attestations=never",
            ),
            SignError::NoSubject => Failure::usage(text).with_hint(
                "the identity provider's token has no `sub` claim; Fulcio needs one to bind the key",
            ),
            SignError::Key(_) => Failure::local_io(text)
                .with_hint("the operating system's random generator failed; re-run the job"),
            SignError::Fulcio { source, .. } => match source {
                FulcioError::Refused { status, .. } if (400..500).contains(status) => service(
                    "Fulcio checks the token's issuer, audience (`sigstore`) and expiry: with the public-good Fulcio the issuer must be a CI it trusts (GitHub Actions, GitLab.com); with a private one, check its OIDC issuer configuration and --sigstore-fulcio-url",
                ),
                FulcioError::DetachedSct { .. } | FulcioError::OtherKey { .. } => service(
                    "this Fulcio is not usable for PEP 740 attestations; check --sigstore-fulcio-url",
                ),
                _ => service(
                    "Fulcio did not answer after retries; re-run the job (https://status.sigstore.dev), or upload with --attestations=never",
                ),
            },
            SignError::Rekor(RekorError::Refused { status, .. }) if (400..500).contains(status) => {
                service(
                    "Rekor refused the entry; check --sigstore-rekor-url names a Rekor v1 log (PEP 740 needs v1's signed entry timestamps)",
                )
            }
            SignError::Rekor(_) => service(
                "Rekor did not answer after retries; re-run the job (https://status.sigstore.dev), or upload with --attestations=never",
            ),
            SignError::SelfCheck { .. } => service(
                "the certificate or log entry does not chain to the trust root, so PyPI would refuse the upload; with a private Sigstore, pass its trusted_root.json with --sigstore-trust-root",
            ),
        }
    }
}

/// A local input of the attestation commands (a trust root, an attestation) that cannot be
/// read: a local I/O failure (exit 4) when the file exists, else an input error (exit 2).
pub fn unreadable_input(what: &str, e: &crate::fs::ReadError) -> Failure {
    let failure = Failure::usage(format!("{what}: {e}"));
    if e.is_io() && !e.is_not_found() {
        failure.with_status(ExitStatus::LocalIo)
    } else {
        failure
    }
}
