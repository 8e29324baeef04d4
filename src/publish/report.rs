//! The `--report FILE` JSON: per file its name, size, digests, status, attempts and timings.
//! It never contains a token or an identity token.

use serde::Serialize;

use super::upload::{Outcome, Status};

/// One file's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub blake2_256: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub chora_publish_version: &'static str,
    pub repository_url: String,
    pub auth: String,
    pub dry_run: bool,
    pub files: Vec<FileReport>,
    pub uploaded: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Report {
    pub fn new(
        repository_url: String,
        auth: String,
        dry_run: bool,
        files: Vec<FileReport>,
    ) -> Self {
        let count = |s: Status| files.iter().filter(|f| f.outcome.status == s).count();
        Report {
            chora_publish_version: env!("CARGO_PKG_VERSION"),
            repository_url,
            auth,
            dry_run,
            uploaded: count(Status::Uploaded),
            skipped: count(Status::Skipped),
            failed: count(Status::Failed),
            files,
        }
    }

    pub fn write(&self, path: &std::path::Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        crate::fs::write_atomic(path, format!("{text}\n").as_bytes(), false)
            .map_err(|e| e.to_string())
    }
}
