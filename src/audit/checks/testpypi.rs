//! A TestPyPI stage before PyPI: the same files uploaded to TestPyPI (and installed from it)
//! in a job the PyPI upload waits for, so a broken upload fails where it costs nothing.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{PublishJob, Repo, upstream};
use crate::workflow::model::Index;

/// Whether a TestPyPI upload of the same workflow runs before `p`.
pub fn staged(repo: &Repo, p: &PublishJob<'_>) -> bool {
    let before = upstream(p.workflow, &p.job.id);
    repo.publish_jobs().iter().any(|t| {
        t.index == Index::TestPypi
            && std::ptr::eq(t.workflow, p.workflow)
            && before.contains(&t.job.id)
    })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    repo.publish_jobs()
        .iter()
        .filter(|p| p.index == Index::Pypi && !staged(repo, p))
        .map(|p| {
            Finding::new(
                "chora/testpypi-stage",
                Severity::Low,
                format!("job `{}` uploads to PyPI with no TestPyPI upload before it", p.job.id),
                "upload to TestPyPI first (its own job and environment, Trusted Publishing) and make the PyPI job `needs:` it and its install test",
            )
            .at(&p.workflow.path, Some(p.job.span))
        })
        .collect()
}
