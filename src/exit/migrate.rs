//! Exit statuses and hints for `chora migrate`'s errors. Per-file problems (a file that is not
//! a workflow, a refused shape) are part of the report, not errors: see cli::chora::migrate.

use super::{ExitStatus, Failure};
use crate::migrate::write::WriteError;

/// Why `chora migrate` could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("not writing without confirmation: there is no terminal to ask on")]
    NeedsYes,
    #[error("nothing was written (declined)")]
    Declined,
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
            MigrateError::NeedsYes => (
                ExitStatus::Usage,
                "review the patch with `chora migrate --dry-run`, then write it with `chora migrate --yes`",
            ),
            MigrateError::Declined => (
                ExitStatus::Problem,
                "run `chora migrate` again when you want the changes written",
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

impl From<WriteError> for Failure {
    fn from(err: WriteError) -> Self {
        let (status, hint) = match &err {
            WriteError::GeneratedProject { .. } => (
                ExitStatus::Problem,
                "switch with `chora update --data pypi_auth_method=oidc`",
            ),
            WriteError::Dirty { .. } => (
                ExitStatus::Usage,
                "commit or stash them first so the migration can be reviewed and undone with git, or pass --allow-dirty (or preview with --dry-run)",
            ),
            WriteError::GitStatus(_) | WriteError::Fs(_) => (
                ExitStatus::LocalIo,
                "nothing was changed (every file written was restored); check the folder's permissions and free space",
            ),
        };
        Failure {
            status,
            message: crate::exit::error_chain(&err),
            hint: Some(hint.to_string()),
        }
    }
}
