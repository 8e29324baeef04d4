//! A release drill: the publishing workflow can be run on demand (`workflow_dispatch`) against
//! TestPyPI only, so the rollback path is rehearsed before it is needed.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;
use crate::workflow::model::Index;

/// Whether a publishing workflow has a dispatchable TestPyPI path.
pub fn drillable(repo: &Repo) -> bool {
    repo.publish_jobs().iter().any(|p| {
        p.index == Index::TestPypi
            && p.workflow
                .triggers
                .iter()
                .any(|t| t.event == "workflow_dispatch")
    })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    if repo.publish_jobs().is_empty() || drillable(repo) {
        return Vec::new();
    }
    let at = repo.publishing_workflows().first().map(|w| w.path.clone());
    let f = Finding::new(
        "chora/release-drill",
        Severity::Low,
        "the release cannot be rehearsed: no `workflow_dispatch` run of the publishing workflow uploads to TestPyPI",
        "add `workflow_dispatch:` to the release workflow so a manual run publishes a `.devN` version to TestPyPI only and skips the PyPI jobs (chora's release.yml does)",
    );
    vec![match at {
        Some(path) => f.at(&path, None),
        None => f,
    }]
}
