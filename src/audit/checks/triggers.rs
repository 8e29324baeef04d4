//! Dangerous triggers: `pull_request_target` and `workflow_run` run with the base repository's
//! rights on behalf of code anyone can propose (zizmor `dangerous-triggers`; Scorecard
//! Dangerous-Workflow). High in a workflow that publishes or can mint OIDC tokens.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;

pub fn check(repo: &Repo) -> Vec<Finding> {
    let publishing = repo.publishing_workflows();
    let mut out = Vec::new();
    for s in &repo.scanned {
        let w = &s.workflow;
        let mints = publishing.iter().any(|p| std::ptr::eq(*p, w))
            || w.jobs
                .iter()
                .any(|j| crate::workflow::detect::trusted::id_token(w, j));
        for t in &w.triggers {
            if t.event != "pull_request_target" && t.event != "workflow_run" {
                continue;
            }
            out.push(
                Finding::new(
                    "zizmor/dangerous-triggers",
                    if mints { Severity::High } else { Severity::Medium },
                    format!(
                        "`{}` runs with this repository's rights for changes anyone can propose{}",
                        t.event,
                        if mints { ", in a workflow that can mint upload tokens" } else { "" }
                    ),
                    "use `pull_request` (no secrets, read-only token) for checks, and publish only from a tag push or a release",
                )
                .also("scorecard/Dangerous-Workflow")
                .at(&w.path, Some(t.span)),
            );
        }
    }
    out
}
