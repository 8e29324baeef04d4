//! One repository's migration as plain data, nothing written: scan (read + detect) -> plan ->
//! apply (text patches, re-parsed and compared) per file, then the trusted-publisher values the
//! migrated jobs need. The command layer prints it, asks, and writes.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::workflow::detect::FileVerdict;
use crate::workflow::model::{Detection, Index};
use crate::workflow::read::{FileKind, ReadError, Workflow};
use crate::workflow::report::{self, ScannedFile};

use super::apply::{self, ApplyError};
use super::facts::{self, ProjectFacts, PublisherValues};
use super::plan::{self, FilePlan, PlanError, PlanOptions};

/// The migration of one repository.
#[derive(Debug)]
pub struct Migration {
    pub root: PathBuf,
    pub facts: ProjectFacts,
    pub files: Vec<FileMigration>,
}

/// One workflow or composite action.
#[derive(Debug)]
pub struct FileMigration {
    /// Relative to the repository root.
    pub path: PathBuf,
    pub outcome: Result<Planned, FileError>,
}

/// A file that was read and planned.
#[derive(Debug)]
pub struct Planned {
    pub workflow: Workflow,
    pub detections: Vec<Detection>,
    pub verdict: FileVerdict,
    pub plan: FilePlan,
    /// The migrated text, when the plan edits the file.
    pub migrated: Option<String>,
}

/// Why one file could not be migrated (the others still are).
#[derive(Debug, Error)]
pub enum FileError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("planning the migration failed: {0}")]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Apply(#[from] ApplyError),
}

impl FileMigration {
    /// The plan, when the file was read and planned.
    pub fn planned(&self) -> Option<&Planned> {
        self.outcome.as_ref().ok()
    }
}

impl Migration {
    /// Files whose text the migration changes.
    pub fn changed(&self) -> impl Iterator<Item = (&Path, &Planned, &str)> {
        self.files.iter().filter_map(|f| {
            let planned = f.planned()?;
            let text = planned.migrated.as_deref()?;
            Some((f.path.as_path(), planned, text))
        })
    }

    /// Whether any file has a publishing job PyPI cannot accept that was not forced.
    pub fn has_refusals(&self) -> bool {
        self.files
            .iter()
            .filter_map(FileMigration::planned)
            .any(|p| p.plan.refused.iter().any(|r| !r.forced))
    }

    /// Whether any file could not be read or migrated.
    pub fn has_errors(&self) -> bool {
        self.files.iter().any(|f| f.outcome.is_err())
    }

    /// Whether anything is left to migrate (a file to change, or a refusal to resolve).
    pub fn needs_migration(&self) -> bool {
        self.changed().next().is_some() || self.has_refusals()
    }

    /// The trusted publishers to register: one per migrated job and index of a workflow file
    /// (composite actions publish as the workflow that uses them, which is not known here).
    /// `None` fields of the facts become placeholders the reader must fill in.
    pub fn publisher_values(&self) -> Vec<PublisherValues> {
        let mut out: Vec<PublisherValues> = Vec::new();
        for (path, planned, _) in self.changed() {
            if planned.workflow.kind != FileKind::Workflow {
                continue;
            }
            let workflow = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for env in &planned.plan.environments {
                if matches!(env.index, Index::Other(_)) {
                    continue;
                }
                let values = PublisherValues {
                    owner: self.facts.owner.clone().unwrap_or_else(|| "OWNER".into()),
                    repository: self
                        .facts
                        .repository
                        .clone()
                        .unwrap_or_else(|| "REPOSITORY".into()),
                    workflow: workflow.clone(),
                    environment: env.name.clone(),
                    project_name: self
                        .facts
                        .project_name
                        .clone()
                        .unwrap_or_else(|| "PROJECT".into()),
                    index: env.index.clone(),
                };
                if !out.contains(&values) {
                    out.push(values);
                }
            }
        }
        out
    }

    /// Secrets no longer read by any migrated file, and not referenced by any other file.
    pub fn secrets_to_revoke(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .changed()
            .flat_map(|(_, p, _)| p.plan.secrets_to_revoke.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names.retain(|name| {
            let reference = format!("secrets.{name}");
            !self
                .files
                .iter()
                .filter_map(FileMigration::planned)
                .any(|p| {
                    let text = p.migrated.as_deref().unwrap_or(&p.workflow.source);
                    text.contains(&reference)
                })
        });
        names
    }
}

/// Scan, plan and apply every workflow and composite action under `root`.
pub fn migrate(root: &Path, options: &PlanOptions) -> Migration {
    let facts = facts::gather(root);
    let files = report::scan(root)
        .into_iter()
        .map(|scanned| migrate_file(scanned, &facts, options))
        .collect();
    Migration {
        root: root.to_path_buf(),
        facts,
        files,
    }
}

fn migrate_file(
    scanned: ScannedFile,
    facts: &ProjectFacts,
    options: &PlanOptions,
) -> FileMigration {
    let ScannedFile { path, outcome } = scanned;
    let outcome = outcome.map_err(FileError::from).and_then(|scanned| {
        let source = scanned.workflow.source.as_str();
        let plan = plan::plan_file(source, &scanned.detections, facts, options)?;
        let migrated = if plan.edits.is_empty() {
            None
        } else {
            let text = apply::apply(source, &plan.edits)?;
            (text != source).then_some(text)
        };
        Ok(Planned {
            workflow: scanned.workflow,
            detections: scanned.detections,
            verdict: scanned.verdict,
            plan,
            migrated,
        })
    });
    FileMigration { path, outcome }
}
