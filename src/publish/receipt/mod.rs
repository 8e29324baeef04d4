//! Approval receipts, for teams with a separate approver: a release [`plan`] (the run, the
//! operations, their targets and files by sha256; no side effects), an Ed25519 approver key
//! pair ([`keys`]), a signed receipt for one plan ([`approval`]), the checks a receipt must
//! pass ([`check`]) and the [`gate`] `upload` and `github-release` go through before the first
//! byte is sent, which records the refusal or the receipt's consumption in the ledger.

pub mod approval;
pub mod check;
pub mod gate;
pub mod keys;
pub mod plan;

use std::path::PathBuf;

pub use approval::{Issue, Receipt, parse_ttl};
pub use check::{Accepted, Check, Consumption, Context, Refusal};
pub use gate::{GateRequest, enforce};
pub use keys::{KeyFiles, key_id};
pub use plan::{PlanRequest, PlannedOperation, ReleasePlan};

/// The operation kinds a plan and a receipt can name.
pub const KINDS: [&str; 2] = ["upload", "github-release"];

/// A receipt is refused once it was issued this long ago (24 h), whatever its expiry.
pub const MAX_AGE_SECS: i64 = 24 * 3600;

/// How far in the future a receipt's issue time may be (clocks differ): 60 s.
pub const CLOCK_SKEW_SECS: i64 = 60;

/// The largest plan, receipt or key file read: 1 MiB.
pub const READ_LIMIT: u64 = 1 << 20;

/// Why a plan, a key or a receipt could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// A plan, receipt or key file that cannot be read (or is not a regular file).
    #[error("cannot read the {what}: {source}")]
    Read {
        what: &'static str,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} already exists; chora-publish never overwrites a key", path.display())]
    Exists { path: PathBuf },
    #[error("{} is not an approver key: {reason}", path.display())]
    KeyFormat { path: PathBuf, reason: String },
    #[error(
        "the private key {} can be read by other users (mode {mode:o}); it must be private to its owner",
        path.display()
    )]
    KeyPermissions { path: PathBuf, mode: u32 },
    #[error("{what} is not a chora release plan: {reason}")]
    PlanFormat { what: String, reason: String },
    /// The plan asked for cannot be made (options that do not fit together).
    #[error("{0}")]
    PlanRequest(String),
    #[error("--ttl {text}: {reason}")]
    Ttl { text: String, reason: String },
    #[error("the operating system gave no random bytes: {0}")]
    Random(String),
    #[error("--receipt needs a ledger: without one a consumed receipt could be replayed unnoticed")]
    NoLedger,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Ledger(#[from] crate::publish::ledger::LedgerError),
    #[error(transparent)]
    Dists(#[from] crate::publish::plan::PlanError),
}

/// `n` random bytes from the operating system.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], ReceiptError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ReceiptError::Random(e.to_string()))?;
    Ok(bytes)
}

/// sha256 (lowercase hex) of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    crate::text::hex(&sha2::Sha256::digest(bytes))
}

/// Write `bytes` to `path` whole or not at all (a temporary file in the same folder, synced,
/// then renamed over `path`).
pub fn write_replacing(path: &std::path::Path, bytes: &[u8]) -> Result<(), ReceiptError> {
    use std::io::Write as _;
    let err = |source: std::io::Error| ReceiptError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
