//! Provenance on the index: for each file of a release, read its Integrity API entry and
//! confirm it holds an attestation that verifies for this file and publisher — and, after an
//! upload, that it is the very attestation that was sent.

use super::integrity::{self, IntegrityError, PublisherInfo};
use super::model::Attestation;
use super::trust_root::TrustedRoot;
use super::verify::{self, Expected, Publisher};
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// One file to check.
#[derive(Debug, Clone)]
pub struct FileToCheck {
    pub file_name: String,
    /// Lowercase hex.
    pub sha256: String,
    /// The attestation sent with the upload, when there was one.
    pub sent: Option<Attestation>,
}

/// What the index holds for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An attestation verifies (and is the one sent, when one was).
    Verified {
        publisher: PublisherInfo,
        identity: String,
        log_index: i64,
    },
    /// The index has no provenance for the file.
    Missing,
    /// The index's attestations do not verify (each reason).
    Invalid(Vec<String>),
    /// They verify but none is the attestation sent.
    NotWhatWasSent,
    /// The Integrity API could not be read.
    Unreadable(IntegrityError),
}

impl Outcome {
    pub fn is_verified(&self) -> bool {
        matches!(self, Outcome::Verified { .. })
    }

    /// In words.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Verified {
                publisher,
                identity,
                log_index,
            } => format!(
                "verified: published by {} {} ({}), Rekor log index {log_index}, identity {identity}",
                publisher.kind,
                publisher.repository.as_deref().unwrap_or("?"),
                publisher.workflow.as_deref().unwrap_or("?"),
            ),
            Outcome::Missing => "the index holds no provenance for this file".to_string(),
            Outcome::Invalid(reasons) => {
                format!(
                    "no attestation on the index verifies: {}",
                    reasons.join("; ")
                )
            }
            Outcome::NotWhatWasSent => {
                "the index's attestation verifies but is not the one this upload sent".to_string()
            }
            Outcome::Unreadable(e) => format!("cannot read the provenance: {e}"),
        }
    }
}

/// A release on an index.
#[derive(Debug, Clone, Copy)]
pub struct Release<'a> {
    /// The index's upload URL (its Integrity API is on the same site).
    pub upload_url: &'a reqwest::Url,
    /// The normalised project name.
    pub project: &'a str,
    /// The version as the index stores it.
    pub version: &'a str,
}

/// Check one file of `release`.
pub async fn check_file(
    http: &Http,
    policy: &Policy,
    release: &Release<'_>,
    file: &FileToCheck,
    publisher: &Publisher,
    root: &TrustedRoot,
) -> Outcome {
    let Some(url) = integrity::provenance_url(
        release.upload_url,
        release.project,
        release.version,
        &file.file_name,
    ) else {
        return Outcome::Unreadable(IntegrityError::Status {
            url: release.upload_url.to_string(),
            status: 0,
        });
    };
    let provenance = match integrity::fetch(http, policy, &url).await {
        Ok(Some(p)) => p,
        Ok(None) => return Outcome::Missing,
        Err(e) => return Outcome::Unreadable(e),
    };
    judge(&provenance, file, publisher, root)
}

/// The verdict on a provenance object (no network).
pub fn judge(
    provenance: &integrity::Provenance,
    file: &FileToCheck,
    publisher: &Publisher,
    root: &TrustedRoot,
) -> Outcome {
    let expected = Expected {
        file_name: &file.file_name,
        sha256: &file.sha256,
    };
    let mut reasons = Vec::new();
    let mut verified_other = false;
    for bundle in &provenance.attestation_bundles {
        for attestation in &bundle.attestations {
            match verify::verify(attestation, &expected, Some(publisher), root) {
                Ok(v) => {
                    if file.sent.as_ref().is_some_and(|s| s != attestation) {
                        verified_other = true;
                        continue;
                    }
                    return Outcome::Verified {
                        publisher: bundle.publisher.clone(),
                        identity: v.identity.san,
                        log_index: v.log_index,
                    };
                }
                Err(e) => reasons.push(e.to_string()),
            }
        }
    }
    if verified_other {
        return Outcome::NotWhatWasSent;
    }
    if reasons.is_empty() {
        return Outcome::Missing;
    }
    Outcome::Invalid(reasons)
}
