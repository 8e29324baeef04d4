//! `chora manpages` errors as an exit status: every one is a local write failure.

use super::Failure;
use crate::cli::completions::ManpageError;

impl From<ManpageError> for Failure {
    fn from(e: ManpageError) -> Self {
        Failure::local_io(e.to_string())
            .with_hint("choose a folder you can write to (it is created if missing)")
    }
}
