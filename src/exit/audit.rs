//! `chora audit` errors as exit statuses and hints.

use super::{ExitStatus, Failure};
use crate::audit::AuditError;

impl From<&AuditError> for Failure {
    fn from(e: &AuditError) -> Self {
        let text = e.to_string();
        match e {
            AuditError::NotAFolder { .. } => {
                Failure::usage(text).with_hint("give repository folders (a clone of each)")
            }
            AuditError::Unlistable { .. } => Failure::usage(text)
                .with_hint("check the folder's permissions")
                .with_status(ExitStatus::LocalIo),
            AuditError::Read { .. } => Failure::usage(text),
            AuditError::Config { .. } => Failure::usage(text).with_hint(
                "fix [tool.chora.audit] in pyproject.toml (keys: runs, testpypi-success-rate, publish-to-install-seconds, provenance-coverage)",
            ),
            AuditError::Ledger { .. } => Failure::usage(text).with_hint(
                "pass the ledger chora-publish wrote, unedited (`chora-publish ledger verify FILE` names the first bad entry)",
            ),
        }
    }
}
