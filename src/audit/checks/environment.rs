//! The publishing job runs in a GitHub deployment environment (zizmor#237 asks for this check;
//! no tool has it): the environment is where required reviewers and tag rules guard publishing,
//! and a trusted publisher naming it refuses every other job of the workflow.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{Auth, Repo};
use crate::workflow::model::Index;

pub fn check(repo: &Repo) -> Vec<Finding> {
    repo.publish_jobs()
        .into_iter()
        .filter(|p| p.job.environment.is_none() && !matches!(p.auth, Auth::Refused(_)))
        .map(|p| {
            let index = crate::audit::report::index_name(&p.index);
            Finding::new(
                "chora/publish-environment",
                if p.index == Index::Pypi { Severity::High } else { Severity::Medium },
                format!(
                    "job `{}` uploads to {index} outside any GitHub environment: nothing but the workflow file guards it",
                    p.job.id
                ),
                format!(
                    "add `environment: {}` to the job, protect the environment (required reviewers, tag rule `v*`), and name it in the trusted publisher",
                    if p.index == Index::Pypi { "pypi" } else { "testpypi" }
                ),
            )
            .at(&p.workflow.path, Some(p.job.span))
        })
        .collect()
}
