//! Reading a ledger back: which operations were started and never got an outcome (the run
//! was killed, the runner lost, the machine rebooted).

use super::entry::{Entry, Outcome};

/// Indexes (into `entries`) of the `started` entries that no later entry of the same run,
/// operation, target and files closes with an outcome. One pass from the end (a ledger may
/// hold many thousands of entries).
pub fn unfinished(entries: &[Entry]) -> Vec<usize> {
    let key = |e: &Entry| {
        serde_json::json!([e.run.to_string(), e.operation, e.target, e.files]).to_string()
    };
    let mut closed = std::collections::HashSet::new();
    let mut open = Vec::new();
    for (i, e) in entries.iter().enumerate().rev() {
        if e.outcome == Outcome::Started {
            if !closed.contains(&key(e)) {
                open.push(i);
            }
        } else {
            closed.insert(key(e));
        }
    }
    open.reverse();
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::ledger::{FileDigest, Record, RunId};

    fn entry(seq: u64, run: &str, file: &str, outcome: Outcome) -> Entry {
        Entry::new(
            seq,
            super::super::GENESIS,
            0,
            RunId {
                id: run.into(),
                attempt: None,
            },
            Record {
                operation: "upload".into(),
                outcome,
                files: vec![FileDigest {
                    name: file.into(),
                    sha256: "ab".into(),
                }],
                ..Record::default()
            },
        )
    }

    #[test]
    fn a_started_entry_without_a_later_outcome_of_its_run_is_unfinished() {
        let entries = vec![
            entry(0, "1", "a", Outcome::Started),
            entry(1, "1", "b", Outcome::Started),
            entry(2, "1", "a", Outcome::Succeeded),
            // Another run's outcome for b does not close run 1's.
            entry(3, "2", "b", Outcome::Failed),
            entry(4, "2", "c", Outcome::Started),
            // Started again after its outcome, and not finished this time.
            entry(5, "1", "a", Outcome::Started),
        ];
        assert_eq!(unfinished(&entries), vec![1, 4, 5]);
    }
}
