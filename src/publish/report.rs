//! Stage 5, the report: per file its name, size, digests, status, attempts and timings, and
//! the totals; written as JSON for `--report FILE`. It never contains a token or an identity
//! token.

use serde::Serialize;

use super::upload::{Outcome, Status};

/// Why the report could not be written (a local I/O failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the report {path}: {reason}")]
pub struct ReportError {
    pub path: String,
    pub reason: String,
}

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

    /// Stage 5: the report of a batch, from the plan and the outcomes (same order).
    pub fn of_batch(
        plan: &super::plan::Plan,
        auth: &str,
        dry_run: bool,
        outcomes: Vec<Outcome>,
    ) -> Report {
        let files = plan
            .dists
            .iter()
            .zip(outcomes)
            .map(|(d, outcome)| FileReport {
                file: super::plan::file_name(d),
                size: d.size,
                sha256: d.sha256.clone(),
                blake2_256: d.blake2_256.clone(),
                outcome,
            })
            .collect();
        Report::new(plan.url.to_string(), auth.to_string(), dry_run, files)
    }

    /// Write the report as JSON (atomically).
    pub fn write(&self, path: &std::path::Path) -> Result<(), ReportError> {
        let fail = |reason: String| ReportError {
            path: path.display().to_string(),
            reason,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| fail(e.to_string()))?;
        crate::fs::write_atomic(path, format!("{text}\n").as_bytes(), false)
            .map_err(|e| fail(e.to_string()))
    }
}
