//! The playbook's acceptance matrix, each cell with its evidence, and the trusted-publisher
//! mapping (owner, repository, workflow, environment) for PyPI and TestPyPI.

use serde::Serialize;

use super::checks::{attestations, drill, runbook, smoke};
use super::repo::{Auth, Repo};
use crate::workflow::model::Index;

/// One cell of the acceptance matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub name: &'static str,
    pub passed: bool,
    /// What shows it (file and job), or what is missing.
    pub evidence: String,
    /// Where the evidence comes from: `files`, `ledger`, `github`, `pypi`.
    pub source: Vec<&'static str>,
}

/// One trusted publisher to register (or registered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publisher {
    pub index: &'static str,
    pub owner: Option<String>,
    pub repository: Option<String>,
    pub workflow: String,
    pub environment: Option<String>,
    pub job: String,
    /// The job's `name:` (what GitHub's jobs API answers), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    /// `oidc`, `token` (to migrate) or `refused`.
    pub auth: &'static str,
}

fn place(w: &crate::workflow::read::Workflow, job: &str) -> String {
    format!("{}: job {job}", w.path.display())
}

/// The four cells: TestPyPI via OIDC; PyPI + install smoke; attestation generated and
/// archived; rollback executable (runbook + drill).
pub fn acceptance(repo: &Repo) -> Vec<Cell> {
    let jobs = repo.publish_jobs();
    let testpypi = jobs
        .iter()
        .find(|p| p.index == Index::TestPypi && p.auth == Auth::Oidc);
    let pypi: Vec<_> = jobs.iter().filter(|p| p.index == Index::Pypi).collect();
    let smoked = pypi
        .iter()
        .find(|p| p.auth == Auth::Oidc && smoke::smoked(p));
    let attested = pypi
        .iter()
        .find(|p| attestations::generated(p) && attestations::archived(p));
    let runbook = repo.first_file(runbook::NAMES);
    let drill = drill::drillable(repo);
    vec![
        Cell {
            name: "TestPyPI via OIDC",
            passed: testpypi.is_some(),
            evidence: testpypi.map_or_else(
                || "no TestPyPI upload with Trusted Publishing".to_string(),
                |p| place(p.workflow, &p.job.id),
            ),
            source: vec!["files"],
        },
        Cell {
            name: "PyPI + install smoke",
            passed: smoked.is_some(),
            evidence: smoked.map_or_else(
                || "no PyPI upload with Trusted Publishing followed by an install test".to_string(),
                |p| {
                    format!(
                        "{} (an install test runs after it)",
                        place(p.workflow, &p.job.id)
                    )
                },
            ),
            source: vec!["files"],
        },
        Cell {
            name: "attestation generated and archived",
            passed: attested.is_some(),
            evidence: attested.map_or_else(
                || {
                    "no PyPI upload with attestations kept as an artifact or release asset"
                        .to_string()
                },
                |p| place(p.workflow, &p.job.id),
            ),
            source: vec!["files"],
        },
        Cell {
            name: "rollback executable",
            passed: runbook.is_some() && drill,
            evidence: match (&runbook, drill) {
                (Some(file), true) => format!("{file}, and a workflow_dispatch drill to TestPyPI"),
                (Some(file), false) => {
                    format!("{file}, but no drill (workflow_dispatch to TestPyPI)")
                }
                (None, true) => "a drill, but no runbook (RELEASING.md)".to_string(),
                (None, false) => "no runbook (RELEASING.md) and no drill".to_string(),
            },
            source: vec!["files"],
        },
    ]
}

/// The trusted publishers the repository's publishing jobs need.
pub fn publishers(repo: &Repo) -> Vec<Publisher> {
    repo.publish_jobs()
        .iter()
        .map(|p| Publisher {
            index: super::report::index_key(&p.index),
            owner: repo.facts.owner.clone(),
            repository: repo.facts.repository.clone(),
            workflow: p.workflow_file(),
            environment: p.job.environment.clone(),
            job: p.job.id.clone(),
            job_name: p.job.name.clone(),
            auth: match p.auth {
                Auth::Oidc => "oidc",
                Auth::Token { .. } => "token",
                Auth::Refused(_) => "refused",
            },
        })
        .collect()
}
