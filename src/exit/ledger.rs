//! Ledger errors as exit statuses and hints.

use super::{ExitStatus, Failure};
use crate::publish::ledger::LedgerError;

impl From<LedgerError> for Failure {
    fn from(e: LedgerError) -> Self {
        match &e {
            LedgerError::Broken { .. } => Failure::usage(e.to_string())
                .with_status(ExitStatus::Problem)
                .with_hint(
                    "the ledger was altered after it was written; keep it as evidence, and start a new one with --ledger NEW-FILE",
                ),
            LedgerError::Read { .. } => Failure::local_io(e.to_string())
                .with_hint("name a regular file (or a new one) in an existing folder with --ledger"),
            LedgerError::Write { .. } => Failure::local_io(e.to_string()).with_hint(
                "nothing was done after the entry that could not be written; choose a writable --ledger path, or --no-ledger",
            ),
        }
    }
}
