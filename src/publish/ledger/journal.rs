//! The entries of a batch (upload, sign) written from its parallel tasks: one ledger behind a
//! mutex, a `started` entry synced before each file is sent and its outcome after. The first
//! write error stops the batch: no file is sent after it, and [`Journal::finish`] says which
//! files were done.

use std::sync::Mutex;

use super::{FileDigest, Ledger, LedgerError, Outcome, Record};

/// A batch's ledger (or none: every call succeeds and writes nothing).
#[derive(Debug)]
pub struct Journal<'a> {
    state: Option<Mutex<State<'a>>>,
    operation: &'static str,
    target: Option<String>,
}

#[derive(Debug)]
struct State<'a> {
    ledger: &'a mut Ledger,
    /// The first write that failed; nothing is written (or sent) after it.
    error: Option<LedgerError>,
    /// Files whose outcome was recorded, in the order they finished.
    finished: Vec<String>,
    /// Files started and not finished.
    open: Vec<String>,
}

/// The file must not be sent: the ledger could not be written (now or earlier in the batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not sent: the ledger could not be written")]
pub struct Stopped;

/// How a batch's ledger ended.
#[derive(Debug)]
pub struct Stop {
    pub error: LedgerError,
    /// Files with a recorded outcome (done: uploaded, skipped, failed, signed).
    pub finished: Vec<String>,
    /// Files started whose outcome could not be recorded (sent, outcome unknown to the ledger).
    pub unrecorded: Vec<String>,
}

impl<'a> Journal<'a> {
    /// Entries of `operation` (`upload`, `sign`) going to `target`, in `ledger` if there is one.
    pub fn new(
        ledger: Option<&'a mut Ledger>,
        operation: &'static str,
        target: Option<String>,
    ) -> Self {
        Journal {
            state: ledger.map(|ledger| {
                Mutex::new(State {
                    ledger,
                    error: None,
                    finished: Vec::new(),
                    open: Vec::new(),
                })
            }),
            operation,
            target,
        }
    }

    /// No ledger.
    pub fn off() -> Journal<'static> {
        Journal {
            state: None,
            operation: "",
            target: None,
        }
    }

    /// Whether entries are written.
    pub fn is_on(&self) -> bool {
        self.state.is_some()
    }

    fn record(&self, outcome: Outcome, file: &FileDigest) -> Record {
        Record {
            operation: self.operation.to_string(),
            outcome,
            target: self.target.clone(),
            files: vec![file.clone()],
            ..Record::default()
        }
    }

    /// Record (and sync) that `file` is about to be sent. `Err`: do not send it.
    pub fn started(
        &self,
        file: &FileDigest,
        details: serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), Stopped> {
        let Some(state) = &self.state else {
            return Ok(());
        };
        let mut state = state.lock().map_err(|_| Stopped)?;
        if state.error.is_some() {
            return Err(Stopped);
        }
        let record = Record {
            details,
            ..self.record(Outcome::Started, file)
        };
        match state.ledger.append(record) {
            Ok(_) => {
                state.open.push(file.name.clone());
                Ok(())
            }
            Err(e) => {
                state.error = Some(e);
                Err(Stopped)
            }
        }
    }

    /// Record the outcome of `file` (`record`'s operation, target and files are filled in).
    /// A write error is kept for [`Journal::finish`] and stops the batch.
    pub fn finished(&self, file: &FileDigest, record: Record) {
        let Some(state) = &self.state else {
            return;
        };
        let Ok(mut state) = state.lock() else {
            return;
        };
        if state.error.is_some() {
            return;
        }
        let record = Record {
            operation: self.operation.to_string(),
            target: self.target.clone(),
            files: vec![file.clone()],
            ..record
        };
        match state.ledger.append(record) {
            Ok(_) => {
                state.open.retain(|n| n != &file.name);
                state.finished.push(file.name.clone());
            }
            Err(e) => state.error = Some(e),
        }
    }

    /// `Err` with what was done when a write failed.
    pub fn finish(self) -> Result<(), Box<Stop>> {
        let Some(state) = self.state else {
            return Ok(());
        };
        let state = match state.into_inner() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        match state.error {
            None => Ok(()),
            Some(error) => Err(Box::new(Stop {
                error,
                finished: state.finished,
                unrecorded: state.open,
            })),
        }
    }
}

/// One `failed` entry for an operation that stopped before its batch (credentials refused,
/// a closed release): all its files, the reason in words.
pub fn record_failure(
    ledger: &mut Ledger,
    operation: &str,
    target: Option<String>,
    files: &[FileDigest],
    message: &str,
    stage: &str,
) -> Result<(), LedgerError> {
    let mut details = serde_json::Map::new();
    details.insert("stage".into(), serde_json::Value::from(stage));
    ledger
        .append(Record {
            operation: operation.to_string(),
            outcome: Outcome::Failed,
            target,
            files: files.to_vec(),
            message: Some(message.to_string()),
            details,
            ..Record::default()
        })
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::ledger::{RunId, verify_file};

    fn digest(name: &str) -> FileDigest {
        FileDigest {
            name: name.into(),
            sha256: "00".repeat(32),
        }
    }

    #[test]
    fn started_and_finished_entries_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.jsonl");
        let mut ledger = Ledger::open(&path, RunId::local()).unwrap();
        let journal = Journal::new(Some(&mut ledger), "upload", Some("http://x/".into()));
        journal
            .started(&digest("a.whl"), serde_json::Map::new())
            .unwrap();
        journal.finished(
            &digest("a.whl"),
            Record {
                outcome: Outcome::Succeeded,
                status: Some(200),
                ..Record::default()
            },
        );
        journal.finish().unwrap();
        let v = verify_file(&path).unwrap();
        let seen: Vec<_> = v
            .entries
            .iter()
            .map(|e| (e.operation.as_str(), e.outcome, e.files.len()))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("upload", Outcome::Started, 1),
                ("upload", Outcome::Succeeded, 1)
            ]
        );
        assert_eq!(v.entries[1].target.as_deref(), Some("http://x/"));
    }
}
