//! Checking a ledger: every line canonical, sealed by its own digest, numbered in order and
//! chained to the line before. The first bad entry is named.

use super::entry::{Entry, FORMAT, GENESIS};

/// A ledger that verifies: its entries and the hash of the last one (the head, to compare with
/// one recorded elsewhere: a ledger cut short at its end is only caught that way).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub entries: Vec<Entry>,
    pub head: String,
}

/// Where and why a ledger does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct Broken {
    /// 1-based line number of the first bad entry.
    pub line: usize,
    pub reason: BrokenReason,
}

/// Why an entry is bad.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokenReason {
    #[error("not a ledger entry ({0})")]
    Unparsable(String),
    #[error("entry format {0} is not one this chora-publish reads (it reads {FORMAT})")]
    Format(u32),
    #[error("not in canonical form: the line was edited")]
    NotCanonical,
    #[error("its hash does not match its content: the entry was edited")]
    Digest,
    #[error(
        "sequence number {found} where {expected} was due: entries were deleted, inserted or reordered"
    )]
    Sequence { expected: u64, found: u64 },
    #[error(
        "it does not chain to the entry before (prev {found}): an earlier entry was edited, or entries were deleted, inserted or reordered"
    )]
    Chain { found: String },
    #[error("the last line has no newline: the ledger was cut short or is being written")]
    Unterminated,
}

/// Verify a ledger's bytes.
pub fn verify(bytes: &[u8]) -> Result<Verified, Broken> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut head = GENESIS.to_string();
    if bytes.is_empty() {
        return Ok(Verified { entries, head });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| Broken {
        line: bytes
            .get(..e.valid_up_to())
            .map_or(1, |b| b.iter().filter(|&&c| c == b'\n').count() + 1),
        reason: BrokenReason::Unparsable("not UTF-8".to_string()),
    })?;
    let terminated = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = i + 1;
        let bad = |reason| Broken { line, reason };
        if !terminated && line == lines.len() {
            return Err(bad(BrokenReason::Unterminated));
        }
        let entry: Entry =
            serde_json::from_str(raw).map_err(|e| bad(BrokenReason::Unparsable(e.to_string())))?;
        if entry.v != FORMAT {
            return Err(bad(BrokenReason::Format(entry.v)));
        }
        if entry.line() != *raw {
            return Err(bad(BrokenReason::NotCanonical));
        }
        if entry.digest() != entry.hash {
            return Err(bad(BrokenReason::Digest));
        }
        let expected = i as u64;
        if entry.seq != expected {
            return Err(bad(BrokenReason::Sequence {
                expected,
                found: entry.seq,
            }));
        }
        if entry.prev != head {
            return Err(bad(BrokenReason::Chain {
                found: entry.prev.clone(),
            }));
        }
        head = entry.hash.clone();
        entries.push(entry);
    }
    Ok(Verified { entries, head })
}

/// Verify the ledger at `path`.
pub fn verify_file(path: &std::path::Path) -> Result<Verified, super::LedgerError> {
    let bytes = crate::fs::read_regular(path, super::READ_LIMIT, "ledger").map_err(|source| {
        super::LedgerError::Read {
            path: path.to_path_buf(),
            source,
        }
    })?;
    verify(&bytes).map_err(|broken| super::LedgerError::Broken {
        path: path.to_path_buf(),
        broken,
    })
}

/// The `seq` a line claims, if it is JSON with a numeric `seq` (to name a bad entry).
pub fn seq_at(bytes: &[u8], line: usize) -> Option<u64> {
    let raw = bytes.split(|&b| b == b'\n').nth(line.checked_sub(1)?)?;
    let value: serde_json::Value = serde_json::from_slice(raw).ok()?;
    value.get("seq")?.as_u64()
}

/// Every line read as an entry where it parses, whether or not the ledger verifies (for
/// `ledger show --unverified`): (1-based line, the entry or why it is not one).
pub fn read_unverified(bytes: &[u8]) -> Vec<(usize, Result<Entry, String>)> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, raw)| !raw.is_empty())
        .map(|(i, raw)| {
            (
                i + 1,
                serde_json::from_slice::<Entry>(raw).map_err(|e| e.to_string()),
            )
        })
        .collect()
}
