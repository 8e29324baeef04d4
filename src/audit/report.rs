//! The report of one repository (plain data, serialised as the versioned JSON report
//! `release-supply-chain-audit.json`, schema in docs/schemas/), and the audit of one repository
//! from its folder to that report.

use crate::workflow::report::ScanCache;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::AuditError;
use super::config::{self, Thresholds};
use super::finding::{Finding, Severity};
use super::ledgers::{self, Measures, Verdict};
use super::matrix::{self, Cell, Publisher};
use super::repo::{Auth, Repo};
use crate::workflow::model::Index;
use crate::workflow::report::tool_label;

/// The JSON report's format version (`schema_version`); a change that removes or renames a
/// field increases it.
pub const SCHEMA_VERSION: u32 = 1;

/// The default name of the JSON report.
pub const FILE_NAME: &str = "release-supply-chain-audit.json";

/// `PyPI` / `TestPyPI`, for sentences.
pub fn index_name(index: &Index) -> &'static str {
    match index {
        Index::Pypi => "PyPI",
        Index::TestPypi => "TestPyPI",
        Index::Other(_) => "another index",
    }
}

/// `pypi` / `testpypi`, for JSON.
pub fn index_key(index: &Index) -> &'static str {
    match index {
        Index::Pypi => "pypi",
        Index::TestPypi => "testpypi",
        Index::Other(_) => "other",
    }
}

/// One publishing job in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publishing {
    pub workflow: PathBuf,
    pub job: String,
    pub index: &'static str,
    pub tool: String,
    /// `oidc`, `token` or `refused`.
    pub auth: &'static str,
    /// The secrets a token comes from, by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    pub attestations: bool,
}

/// Findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Counts {
            high: n(Severity::High),
            medium: n(Severity::Medium),
            low: n(Severity::Low),
        }
    }
}

/// A workflow file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub file: PathBuf,
    pub error: String,
}

/// Everything the audit found in one repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepoReport {
    pub name: String,
    pub path: PathBuf,
    pub chora_project: bool,
    pub publishes: bool,
    pub publishing: Vec<Publishing>,
    pub findings: Vec<Finding>,
    pub counts: Counts,
    pub acceptance: Vec<Cell>,
    pub trusted_publishers: Vec<Publisher>,
    pub thresholds: Thresholds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measures: Option<Measures>,
    pub verdicts: Vec<Verdict>,
    pub unreadable: Vec<Unreadable>,
    /// The project's name (pyproject.toml), what PyPI is asked about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The online tier's evidence (`--online` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<super::online::Online>,
}

impl RepoReport {
    /// A threshold was measured and missed its target.
    pub fn missed_threshold(&self) -> bool {
        self.verdicts.iter().any(|v| v.passed == Some(false))
    }

    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Audit the repository at `root`; `ledgers` are its chora-publish ledgers, if any.
pub fn audit(root: &Path, ledgers: &[PathBuf]) -> Result<(RepoReport, Repo), AuditError> {
    audit_cached(root, ledgers, &ScanCache::default())
}

/// [`audit`], with the workflows repositories share read once (`cache` spans the run).
pub fn audit_cached(
    root: &Path,
    ledgers: &[PathBuf],
    cache: &ScanCache,
) -> Result<(RepoReport, Repo), AuditError> {
    let repo = Repo::load_cached(root, cache)?;
    let thresholds = config::load(root)?;
    let findings = super::checks::run(&repo);
    let publishing = repo
        .publish_jobs()
        .iter()
        .map(|p| Publishing {
            workflow: p.workflow.path.clone(),
            job: p.job.id.clone(),
            index: index_key(&p.index),
            tool: tool_label(&p.tool),
            auth: match p.auth {
                Auth::Oidc => "oidc",
                Auth::Token { .. } => "token",
                Auth::Refused(_) => "refused",
            },
            secrets: match &p.auth {
                Auth::Token { secrets } => secrets.clone(),
                _ => Vec::new(),
            },
            attestations: super::checks::attestations::generated(p),
        })
        .collect::<Vec<_>>();
    let measures = if ledgers.is_empty() {
        None
    } else {
        Some(ledgers::measure(ledgers, thresholds.runs)?)
    };
    let verdicts = ledgers::verdicts(&thresholds, &measures.clone().unwrap_or_default());
    let mut acceptance = matrix::acceptance(&repo);
    if measures
        .as_ref()
        .is_some_and(|m| m.testpypi_success_rate.is_some())
        && let Some(c) = acceptance
            .iter_mut()
            .find(|c| c.name == "TestPyPI via OIDC")
    {
        c.source.push("ledger");
    }
    let report = RepoReport {
        name: repo.name.clone(),
        path: root.to_path_buf(),
        chora_project: repo.chora_project(),
        publishes: !publishing.is_empty(),
        counts: Counts::of(&findings),
        acceptance,
        trusted_publishers: matrix::publishers(&repo),
        publishing,
        findings,
        thresholds,
        measures,
        verdicts,
        unreadable: repo
            .unreadable
            .iter()
            .map(|(file, error)| Unreadable {
                file: file.clone(),
                error: error.clone(),
            })
            .collect(),
        project: repo.facts.project_name.clone(),
        online: None,
    };
    Ok((report, repo))
}
