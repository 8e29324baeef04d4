//! Stage 5, the report: per file its name, size, digests, status, attempts and timings, and
//! the totals; written as JSON for `--report FILE`. It never contains a token or an identity
//! token.

use serde::Serialize;

use super::upload::{Outcome, Status};

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The path is something a report must not replace or write through (an input error).
    #[error(
        "--report {path}: {reason}; reports are written only to a regular file or a new path, never through or over a symbolic link, FIFO or device"
    )]
    Refused { path: String, reason: String },
    /// The folder it goes in does not exist (an input error; folders are not created).
    #[error(
        "--report {path}: the folder {folder} does not exist (chora-publish does not create it)"
    )]
    NoFolder { path: String, folder: String },
    /// Writing failed (a local I/O failure).
    #[error("cannot write the report {path}: {reason}")]
    Write { path: String, reason: String },
}

impl ReportError {
    /// The path is wrong (exit 2), not the machine (exit 4).
    pub fn is_input(&self) -> bool {
        !matches!(self, ReportError::Write { .. })
    }
}

/// Whether `path` may receive a report: a regular file (replaced) or a new name, in a folder
/// that exists. Checked before anything is uploaded, and again when writing.
pub fn check_destination(path: &std::path::Path) -> Result<(), ReportError> {
    let shown = || crate::text::excerpt(&path.display().to_string(), 300);
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            let kind = meta.file_type();
            if kind.is_symlink() {
                return Err(ReportError::Refused {
                    path: shown(),
                    reason: "it is a symbolic link".into(),
                });
            }
            if !kind.is_file() {
                return Err(ReportError::Refused {
                    path: shown(),
                    reason: format!("it is {}", crate::fs::kind_of(&kind)),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => std::path::Path::new("."),
            };
            if std::fs::metadata(folder).is_ok_and(|m| m.is_dir()) {
                Ok(())
            } else {
                Err(ReportError::NoFolder {
                    path: shown(),
                    folder: crate::text::excerpt(&folder.display().to_string(), 300),
                })
            }
        }
        Err(e) => Err(ReportError::Write {
            path: shown(),
            reason: e.to_string(),
        }),
    }
}

/// One file's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub size: u64,
    pub sha256: String,
    pub blake2_256: String,
    /// PEP 740 attestations sent with the file (signed by this run or found beside it).
    pub attestations: usize,
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
            .zip(&plan.files)
            .zip(outcomes)
            .map(|((d, f), outcome)| FileReport {
                file: super::plan::file_name(d),
                size: d.size,
                sha256: d.sha256.clone(),
                blake2_256: d.blake2_256.clone(),
                attestations: f.attestations.len(),
                outcome,
            })
            .collect();
        Report::new(plan.url.to_string(), auth.to_string(), dry_run, files)
    }

    /// Write the report as JSON (atomically: a temporary file renamed over `path`, which
    /// must pass [`check_destination`]).
    pub fn write(&self, path: &std::path::Path) -> Result<(), ReportError> {
        check_destination(path)?;
        let fail = |reason: String| ReportError::Write {
            path: crate::text::excerpt(&path.display().to_string(), 300),
            reason,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| fail(e.to_string()))?;
        crate::fs::write_atomic(path, format!("{text}\n").as_bytes(), false)
            .map_err(|e| fail(e.to_string()))
    }
}
