//! No caches in release workflows (zizmor `cache-poisoning`): a cache written by any branch's
//! run can be restored into the job that builds or publishes the release. `actions/cache`,
//! `actions/setup-python` with `cache:`, and `astral-sh/setup-uv` unless `enable-cache: false`
//! (its default caches on GitHub-hosted runners).

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{Repo, action_name};

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for w in repo.publishing_workflows() {
        for job in &w.jobs {
            for step in &job.steps {
                let Some(uses) = step.uses.as_deref() else {
                    continue;
                };
                let input = |k: &str| {
                    step.with
                        .iter()
                        .find(|e| e.key == k)
                        .and_then(|e| e.value.clone())
                };
                let cached = match action_name(uses) {
                    "actions/cache" | "actions/cache/restore" => true,
                    "actions/setup-python" => input("cache").is_some_and(|v| !v.is_empty()),
                    "astral-sh/setup-uv" => input("enable-cache").as_deref() != Some("false"),
                    _ => false,
                };
                if cached {
                    out.push(
                        Finding::new(
                            "zizmor/cache-poisoning",
                            Severity::High,
                            format!(
                                "job `{}` of a release workflow restores a cache (`{}`)",
                                job.id,
                                action_name(uses)
                            ),
                            "no caches in release workflows: remove `actions/cache`, drop `cache:` from setup-python, set `enable-cache: false` on setup-uv",
                        )
                        .at(&w.path, Some(step.span)),
                    );
                }
            }
        }
    }
    out
}
