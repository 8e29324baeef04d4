//! The release is gated on CI: the PyPI upload waits (`needs:`, transitively) for a job that
//! runs the test suite — a call to the repository's own test workflow (`uses: ./.github/…`)
//! or a job running the tests — so a tag on a broken commit never publishes.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{PublishJob, Repo, job, scripts, upstream};
use crate::workflow::model::Index;

fn runs_tests(script: &str) -> bool {
    [
        "pytest",
        "tox",
        "nox",
        "make test",
        "hatch test",
        "hatch run test",
    ]
    .iter()
    .any(|t| script.contains(t))
}

/// Whether the publish job waits for tests.
pub fn gated(p: &PublishJob<'_>) -> bool {
    upstream(p.workflow, &p.job.id)
        .iter()
        .filter_map(|id| job(p.workflow, id))
        .any(|j| {
            j.uses
                .as_deref()
                .is_some_and(|u| u.starts_with("./.github/workflows/"))
                || scripts(j).any(runs_tests)
        })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    repo.publish_jobs()
        .iter()
        .filter(|p| p.index == Index::Pypi && !gated(p))
        .map(|p| {
            Finding::new(
                "chora/release-gate",
                Severity::Medium,
                format!(
                    "job `{}` uploads to PyPI without waiting for the tests of the tagged commit",
                    p.job.id
                ),
                "call the test, lint and security workflows from the release workflow (`uses: ./.github/workflows/tests.yml`, with `workflow_call:` in them) and make the build `needs:` them",
            )
            .at(&p.workflow.path, Some(p.job.span))
        })
        .collect()
}
