//! Exit statuses and hints for `chora migrate`'s errors. Per-file problems (a file that is not
//! a workflow, a refused shape) are part of the report, not errors: see cli::chora::migrate.

use super::{ExitStatus, Failure};

/// Why `chora migrate` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("rewriting is being wired up; run with --check")]
    RewritingNotWired,
    #[error("{path} is not a folder")]
    NotADirectory { path: String },
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<MigrateError> for Failure {
    fn from(err: MigrateError) -> Self {
        let (status, hint) = match &err {
            MigrateError::RewritingNotWired => (
                ExitStatus::Usage,
                "`chora migrate --check` reports what would change (exit 1 if a migration is needed)",
            ),
            MigrateError::NotADirectory { .. } => (
                ExitStatus::Usage,
                "pass the repository folder, e.g. `chora migrate --check .`",
            ),
            MigrateError::Unreadable { source, .. } => (
                if source.kind() == std::io::ErrorKind::NotFound {
                    ExitStatus::Usage
                } else {
                    ExitStatus::LocalIo
                },
                "pass an existing repository folder you can read",
            ),
        };
        Failure {
            status,
            message: err.to_string(),
            hint: Some(hint.to_string()),
        }
    }
}
