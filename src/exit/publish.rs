//! The one place `chora-publish`'s typed errors become exit statuses and hints: usage and
//! input problems 2, the index or identity provider failing 3, local I/O 4.

use super::{ExitStatus, Failure, error_chain};
use crate::publish::auth::AuthError;
use crate::publish::credentials::CredentialError;
use crate::publish::discover::DiscoverError;
use crate::publish::http::ClientError;
use crate::publish::index::{IndexError, ReleasesClosed};
use crate::publish::plan::PlanError;
use crate::publish::report::ReportError;

impl From<PlanError> for Failure {
    fn from(e: PlanError) -> Self {
        let text = e.to_string();
        match &e {
            PlanError::Invalid { report } => {
                let status = if report.local_io {
                    ExitStatus::LocalIo
                } else {
                    ExitStatus::Usage
                };
                Failure::usage(text).with_status(status).with_hint(
                    "fix the build (or remove the files) and run again; `chora-publish check` re-checks without uploading",
                )
            }
            PlanError::ReadAttestation { .. } => Failure::local_io(text)
                .with_hint("nothing was uploaded; check the file's permissions and run again"),
            PlanError::Discover(DiscoverError::ReadDir { source, .. })
                if source.kind() != std::io::ErrorKind::NotFound =>
            {
                Failure::local_io(text)
            }
            PlanError::BadUrl { .. }
            | PlanError::UrlCredentials { .. }
            | PlanError::NotHttps { .. }
            | PlanError::Discover(_)
            | PlanError::BadAttestation { .. } => Failure::usage(text),
        }
    }
}

impl From<crate::publish::credentials::UnusableVariable> for Failure {
    fn from(e: crate::publish::credentials::UnusableVariable) -> Self {
        Failure::usage(e.to_string())
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure::usage(e.to_string()).with_status(ExitStatus::Service)
    }
}

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Setup { message, hint } => Failure::usage(message).with_hint(hint),
            AuthError::TokenFile(e @ CredentialError::TokenFile { io: true, .. }) => {
                Failure::local_io(e.to_string())
                    .with_hint("check the permissions of --token-file")
            }
            AuthError::TokenFile(e) => Failure::usage(e.to_string()).with_hint(
                "--token-file names a regular file holding the token on one line (at most 4096 bytes)",
            ),
            AuthError::Credential(e) => Failure::usage(error_chain(&e))
                .with_status(ExitStatus::Service)
                .with_hint("re-run the job; if it keeps failing, check GitHub's status page and that the job has `permissions: id-token: write`"),
            AuthError::Exchange { explanation, .. } => {
                Failure::usage(explanation).with_status(ExitStatus::Service)
            }
        }
    }
}

/// The GitHub annotation title for a credential failure that needs one.
pub fn auth_annotation(e: &AuthError) -> Option<&'static str> {
    match e {
        AuthError::Credential(_) => Some("OIDC token request failed"),
        AuthError::Exchange { .. } => Some("Trusted Publishing exchange failed"),
        AuthError::Setup { .. } | AuthError::TokenFile(_) => None,
    }
}

impl From<IndexError> for Failure {
    fn from(e: IndexError) -> Self {
        Failure::usage(format!("--skip-existing: {e}"))
            .with_status(ExitStatus::Service)
            .with_hint("nothing was uploaded; retry later, or run without --skip-existing")
    }
}

impl From<ReleasesClosed> for Failure {
    fn from(e: ReleasesClosed) -> Self {
        Failure::usage(e.to_string()).with_hint(
            "release a new version instead: bump the version, rebuild and upload the new files (a release takes new files only during its first 14 days)",
        )
    }
}

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        if e.is_input() {
            return Failure::usage(e.to_string())
                .with_hint("name a regular file (or a new one) in an existing folder");
        }
        Failure::local_io(e.to_string()).with_hint(
            "the uploads themselves are done (see above); choose a writable --report path",
        )
    }
}

/// Files the index refused or that failed after retries (each `file: reason`).
pub fn upload_failures(failed: &[String]) -> Failure {
    Failure::usage(format!(
        "{} file(s) failed to upload:\n  {}",
        failed.len(),
        failed.join("\n  ")
    ))
    .with_status(ExitStatus::Service)
    .with_hint("fix the cause shown for each file, then run the same command again; with --skip-existing the files already on the index are skipped")
}
