//! A GitHub release for each PyPI release (the tag's notes and the files, attestations and
//! ledger as assets), created by the pipeline after the upload — or the workflow starts from a
//! published release.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{PublishJob, Repo, action_name, downstream, job};
use crate::workflow::model::Index;

/// Whether the pipeline ends in (or starts from) a GitHub release.
pub fn released(p: &PublishJob<'_>) -> bool {
    if p.workflow.triggers.iter().any(|t| t.event == "release") {
        return true;
    }
    let mut jobs: Vec<&str> = vec![p.job.id.as_str()];
    let after = downstream(p.workflow, &p.job.id);
    jobs.extend(after.iter().map(String::as_str));
    jobs.iter().filter_map(|id| job(p.workflow, id)).any(|j| {
        j.steps.iter().any(|s| {
            s.uses.as_deref().is_some_and(|u| {
                matches!(
                    action_name(u),
                    "softprops/action-gh-release" | "ncipollo/release-action"
                )
            }) || s.run.as_ref().is_some_and(|r| {
                r.text.contains("gh release create")
                    || r.text.contains("chora-publish github-release")
            })
        })
    })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    repo.publish_jobs()
        .iter()
        .filter(|p| p.index == Index::Pypi && !released(p))
        .map(|p| {
            Finding::new(
                "chora/github-release",
                Severity::Low,
                format!("no GitHub release is created after job `{}` publishes", p.job.id),
                "add a job after the PyPI upload (and its install test) that creates the release with the distributions and attestations as assets (`gh release create \"$TAG\" --verify-tag --generate-notes dist/*`)",
            )
            .at(&p.workflow.path, Some(p.job.span))
        })
        .collect()
}
