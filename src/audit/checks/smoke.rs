//! Proof after publishing: a job after the PyPI upload installs the released version from the
//! index and imports it (`chora-publish smoke`, or pip/uv installing it), so a broken release
//! is noticed by the pipeline, not by users.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{PublishJob, Repo, downstream, job, scripts};
use crate::workflow::model::Index;

/// Whether a script installs a package from an index.
pub fn installs(script: &str) -> bool {
    script.contains("chora-publish smoke")
        || script.contains("pip install")
        || script.contains("uv pip install")
        || script.contains("uv run --with")
        || script.contains("uv run --project")
        || script.contains("uvx --from")
        || script.contains("pipx run")
}

/// Whether a job after `p` installs the release.
pub fn smoked(p: &PublishJob<'_>) -> bool {
    downstream(p.workflow, &p.job.id)
        .iter()
        .filter_map(|id| job(p.workflow, id))
        .any(|j| scripts(j).any(installs))
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    repo.publish_jobs()
        .iter()
        .filter(|p| p.index == Index::Pypi && !smoked(p))
        .map(|p| {
            Finding::new(
                "chora/install-smoke",
                Severity::Medium,
                format!(
                    "nothing installs the release from PyPI after job `{}` uploads it",
                    p.job.id
                ),
                "add a job that `needs:` the upload and installs exactly that version from PyPI in a fresh environment and imports it (`chora-publish smoke NAME==VERSION --import MODULE`)",
            )
            .at(&p.workflow.path, Some(p.job.span))
        })
        .collect()
}
