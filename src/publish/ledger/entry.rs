//! One ledger entry: plain data, its canonical line and its digest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The entry format version (`"v"`).
pub const FORMAT: u32 = 1;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Which run wrote an entry: the CI run id and attempt (`GITHUB_RUN_ID` / `GITHUB_RUN_ATTEMPT`),
/// or `--run-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunId {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<String>,
}

impl RunId {
    /// A run outside CI.
    pub fn local() -> Self {
        RunId {
            id: "local".to_string(),
            attempt: None,
        }
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.attempt {
            Some(a) => write!(f, "{}/{a}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// What became of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// About to run (written before it does).
    #[default]
    Started,
    Succeeded,
    Failed,
    /// Refused before it ran (a receipt check, a policy): nothing was sent.
    Rejected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Started => "started",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Rejected => "rejected",
        }
    }
}

/// A file an operation is about, by name and sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDigest {
    pub name: String,
    pub sha256: String,
}

/// What a caller records; [`super::Ledger::append`] adds the sequence number, the chain, the
/// time and the run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The operation: `upload`, `sign`, `smoke`, `github-release`, `receipt`, …
    pub operation: String,
    pub outcome: Outcome,
    /// Where it goes: an upload URL, an index, a repository and tag.
    pub target: Option<String>,
    pub files: Vec<FileDigest>,
    /// Retries the operation needed.
    pub retries: u32,
    /// The server's HTTP status, when one answered.
    pub status: Option<u16>,
    /// The server's message, or what happened, in words (redacted before writing).
    pub message: Option<String>,
    /// Operation-specific facts (plain JSON; never a secret): timings, a release URL, a
    /// receipt id.
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// One line of the ledger. Field order is the canonical order of the line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub v: u32,
    pub seq: u64,
    /// The `hash` of the previous entry ([`GENESIS`] for the first).
    pub prev: String,
    /// RFC 3339 UTC.
    pub time: String,
    pub run: RunId,
    pub operation: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileDigest>,
    #[serde(default)]
    pub retries: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// sha256 (hex) of this line's canonical JSON without `hash`.
    #[serde(default)]
    pub hash: String,
}

impl Entry {
    /// An unsealed entry (no `hash` yet).
    pub fn new(seq: u64, prev: &str, unix: i64, run: RunId, record: Record) -> Entry {
        Entry {
            v: FORMAT,
            seq,
            prev: prev.to_string(),
            time: crate::time::format_rfc3339(unix),
            run,
            operation: record.operation,
            outcome: record.outcome,
            target: record.target,
            files: record.files,
            retries: record.retries,
            status: record.status,
            message: record.message,
            details: record.details,
            hash: String::new(),
        }
    }

    /// The digest of this entry: sha256 of its canonical JSON with `hash` left out.
    pub fn digest(&self) -> String {
        let unsealed = Entry {
            hash: String::new(),
            ..self.clone()
        };
        let mut value = serde_json::to_value(&unsealed).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("hash");
        }
        crate::text::hex(&Sha256::digest(value.to_string().as_bytes()))
    }

    /// The canonical line (no newline) with its `hash`, and that hash.
    pub fn seal(&self) -> (String, String) {
        let hash = self.digest();
        let sealed = Entry {
            hash: hash.clone(),
            ..self.clone()
        };
        (sealed.line(), hash)
    }

    /// This entry as its canonical line, as it stands.
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
