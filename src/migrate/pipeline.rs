//! One repository's migration as plain data, nothing written: scan (read + detect) -> plan ->
//! apply (text patches, re-parsed and compared) per file, then the trusted-publisher values the
//! migrated jobs need. The command layer prints it, asks, and writes.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::workflow::model::Index;
use crate::workflow::read::{self, FileKind};
use crate::workflow::report::{self, Scanned, ScannedFile};

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

/// One workflow or composite action: what the scan found, and (for a file that was read) its
/// plan and migrated text.
#[derive(Debug)]
pub struct FileMigration {
    pub scanned: ScannedFile,
    /// `None` when the file could not be read (the error is in `scanned`).
    pub planned: Option<Result<Planned, FileError>>,
}

/// A file's plan, and its migrated text when the plan edits it.
#[derive(Debug)]
pub struct Planned {
    pub plan: FilePlan,
    pub migrated: Option<String>,
}

/// Why one file could not be migrated (the others still are).
#[derive(Debug, Error)]
pub enum FileError {
    #[error("planning the migration failed: {0}")]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Apply(#[from] ApplyError),
}

impl FileMigration {
    /// Relative to the repository root.
    pub fn path(&self) -> &Path {
        &self.scanned.path
    }

    /// The workflow and the plan, when the file was read and planned.
    pub fn planned(&self) -> Option<(&Scanned, &Planned)> {
        let scanned = self.scanned.outcome.as_ref().ok()?;
        let planned = self.planned.as_ref()?.as_ref().ok()?;
        Some((scanned, planned))
    }

    /// Why the file could not be planned or patched.
    pub fn error(&self) -> Option<&FileError> {
        self.planned.as_ref()?.as_ref().err()
    }
}

impl Migration {
    /// Files whose text the migration changes.
    pub fn changed(&self) -> impl Iterator<Item = (&Path, &Scanned, &Planned, &str)> {
        self.files.iter().filter_map(|f| {
            let (scanned, planned) = f.planned()?;
            let text = planned.migrated.as_deref()?;
            Some((f.path(), scanned, planned, text))
        })
    }

    /// The scan of every file, for the report.
    pub fn scanned(&self) -> Vec<&ScannedFile> {
        self.files.iter().map(|f| &f.scanned).collect()
    }

    /// Whether any file has a publishing job PyPI cannot accept that was not forced.
    pub fn has_refusals(&self) -> bool {
        self.files
            .iter()
            .filter_map(FileMigration::planned)
            .any(|(_, p)| p.plan.refused.iter().any(|r| !r.forced))
    }

    /// Whether any file could not be read, planned or patched.
    pub fn has_errors(&self) -> bool {
        self.files
            .iter()
            .any(|f| f.scanned.outcome.is_err() || f.error().is_some())
    }

    /// Whether anything is left to migrate (a file to change, or a refusal to resolve).
    pub fn needs_migration(&self) -> bool {
        self.changed().next().is_some() || self.has_refusals()
    }

    /// The trusted publishers to register: one per migrated job and index of a workflow file
    /// (composite actions publish as the workflow that uses them, which is not known here).
    /// Facts chora could not find become `<…>` placeholders the reader fills in.
    pub fn publisher_values(&self) -> Vec<PublisherValues> {
        let mut out: Vec<PublisherValues> = Vec::new();
        for (path, scanned, planned, _) in self.changed() {
            if scanned.workflow.kind != FileKind::Workflow {
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
                    owner: self.facts.owner.clone().unwrap_or_else(|| {
                        facts::placeholder("the GitHub owner: no github.com remote found")
                    }),
                    repository: self.facts.repository.clone().unwrap_or_else(|| {
                        facts::placeholder("the repository name: no github.com remote found")
                    }),
                    workflow: workflow.clone(),
                    environment: env.name.clone(),
                    project_name: self.facts.project_name.clone().unwrap_or_else(|| {
                        facts::placeholder(
                            "the project name: not found in pyproject.toml, setup.cfg or setup.py",
                        )
                    }),
                    index: env.index.clone(),
                };
                if !out.contains(&values) {
                    out.push(values);
                }
            }
        }
        out
    }

    /// The GitLab trusted publishers to register (PyPI's "GitLab" tab): one per migrated job's
    /// environment and index of `.gitlab-ci.yml`.
    pub fn gitlab_publisher_values(&self) -> Vec<super::gitlab::GitlabPublisherValues> {
        let namespace = super::gitlab::gitlab_remote(&self.root);
        let mut out = Vec::new();
        for (_, scanned, planned, _) in self.changed() {
            if scanned.workflow.kind != FileKind::GitlabCi {
                continue;
            }
            for v in super::gitlab::publisher_values(&planned.plan, &self.facts, namespace.clone())
            {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// GitLab CI/CD variables the migrated pipeline no longer reads (and no GitLab file still
    /// names as `$NAME`): delete them after the first trusted release, and revoke their tokens.
    pub fn gitlab_variables_to_delete(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .changed()
            .filter(|(_, s, _, _)| s.workflow.kind.is_gitlab())
            .flat_map(|(_, _, p, _)| p.plan.secrets_to_revoke.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names.retain(|name| {
            let plain = format!("${name}");
            let braced = format!("${{{name}}}");
            !self
                .files
                .iter()
                .filter_map(FileMigration::planned)
                .filter(|(s, _)| s.workflow.kind.is_gitlab())
                .any(|(s, p)| {
                    let text = p.migrated.as_deref().unwrap_or(&s.workflow.source);
                    text.contains(&braced)
                        || text.match_indices(&plain).any(|(at, m)| {
                            !text[at + m.len()..]
                                .chars()
                                .next()
                                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                        })
                })
        });
        names
    }

    /// Secrets no longer read by any migrated file, and not referenced by any other file.
    pub fn secrets_to_revoke(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .changed()
            .filter(|(_, s, _, _)| !s.workflow.kind.is_gitlab())
            .flat_map(|(_, _, p, _)| p.plan.secrets_to_revoke.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names.retain(|name| {
            let reference = format!("secrets.{name}");
            !self
                .files
                .iter()
                .filter_map(FileMigration::planned)
                .any(|(s, p)| {
                    let text = p.migrated.as_deref().unwrap_or(&s.workflow.source);
                    text.contains(&reference)
                })
        });
        names
    }
}

impl Migration {
    /// The scan of the repository as it is after the migration (migrated texts, in memory):
    /// what `chora migrate --check` would report once it is written.
    pub fn rescan(&self) -> Vec<ScannedFile> {
        self.files
            .iter()
            .map(|f| {
                let path = f.path().to_path_buf();
                let outcome = match (&f.scanned.outcome, f.planned()) {
                    (Ok(read), Some((_, planned))) => {
                        let text = planned
                            .migrated
                            .clone()
                            .unwrap_or_else(|| read.workflow.source.clone());
                        read::parse(&path, read.workflow.kind, text).map(Scanned::classify)
                    }
                    (Ok(read), None) => Ok(Scanned {
                        workflow: read.workflow.clone(),
                        detections: read.detections.clone(),
                        verdict: read.verdict,
                    }),
                    // Unreadable then, unreadable now: read again for the same error.
                    (Err(_), _) => read::read_file(&self.root, &path).map(Scanned::classify),
                };
                ScannedFile { path, outcome }
            })
            .collect()
    }
}

/// Scan, plan and apply every workflow and composite action under `root`. Fails only when a
/// workflow folder cannot be listed; a bad file is an error of its own.
pub fn migrate(root: &Path, options: &PlanOptions) -> std::io::Result<Migration> {
    let facts = facts::gather(root);
    let files = report::scan_all(root)?
        .into_iter()
        .map(|scanned| migrate_file(scanned, &facts, options))
        .collect();
    Ok(Migration {
        root: root.to_path_buf(),
        facts,
        files,
    })
}

fn migrate_file(
    scanned: ScannedFile,
    facts: &ProjectFacts,
    options: &PlanOptions,
) -> FileMigration {
    let planned = scanned.outcome.as_ref().ok().map(|read| {
        let source = read.workflow.source.as_str();
        let plan = if read.workflow.kind.is_gitlab() {
            super::gitlab::plan_file(&read.workflow, &read.detections, options)?
        } else {
            plan::plan_file(source, &read.detections, facts, options)?
        };
        let migrated = if plan.edits.is_empty() {
            None
        } else {
            let text = apply::apply(source, &plan.edits)?;
            (text != source).then_some(text)
        };
        Ok(Planned { plan, migrated })
    });
    FileMigration { scanned, planned }
}
