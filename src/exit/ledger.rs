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

/// A batch stopped because its ledger could not be written: exit 4, and the hint says which
/// files were done, and which were sent without their outcome recorded.
pub fn batch_stopped(stop: &crate::publish::ledger::journal::Stop, operation: &str) -> Failure {
    let list = |names: &[String]| {
        if names.is_empty() {
            "none".to_string()
        } else {
            crate::text::excerpt(&names.join(", "), 2000)
        }
    };
    let mut hint = format!(
        "the {operation} stopped before its next file; done (recorded): {}",
        list(&stop.finished)
    );
    if !stop.unrecorded.is_empty() {
        hint.push_str(&format!(
            "; sent, outcome not recorded: {}",
            list(&stop.unrecorded)
        ));
    }
    hint.push_str(
        ". Free space or choose a writable --ledger (a new file: the old one may end mid-entry), then run again (with --skip-existing for an upload)",
    );
    Failure::local_io(stop.error.to_string()).with_hint(hint)
}
