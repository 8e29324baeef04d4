//! Which workflows publish, and how: a long-lived token (zizmor `use-trusted-publishing`;
//! sp-repo-review GH105 for the PyPA action's `password:`) or a shape PyPI cannot accept as a
//! trusted publisher (a reusable workflow, a fork-triggered event).

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{Auth, Repo};
use crate::workflow::model::{Refusal, Tool};
use crate::workflow::report::{credential_label, tool_label};

use super::token_fix;

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in repo.publish_jobs() {
        let index = crate::audit::report::index_name(&p.index);
        match &p.auth {
            Auth::Token { secrets } => {
                let creds: Vec<String> = p
                    .detection
                    .credentials
                    .iter()
                    .map(|c| credential_label(&c.place))
                    .collect();
                let secrets = if secrets.is_empty() {
                    String::new()
                } else {
                    format!(" (secret {})", secrets.join(", "))
                };
                let mut f = Finding::new(
                    "zizmor/use-trusted-publishing",
                    Severity::High,
                    format!(
                        "job `{}` uploads to {index} with {} and a long-lived token: {}{secrets}",
                        p.job.id,
                        tool_label(&p.tool),
                        if creds.is_empty() { "no identity".to_string() } else { creds.join(", ") }
                    ),
                    token_fix(repo),
                )
                .at(&p.workflow.path, Some(p.detection.span));
                if p.tool == Tool::PypaAction {
                    f = f.also("sp-repo-review/GH105");
                }
                out.push(f);
            }
            Auth::Refused(Refusal::ReusableWorkflow) => out.push(
                Finding::new(
                    "chora/reusable-workflow-publisher",
                    Severity::High,
                    format!(
                        "job `{}` uploads to {index} from a reusable workflow (`on: workflow_call`): PyPI does not accept reusable-workflow publishers",
                        p.job.id
                    ),
                    "move the publishing job into the workflow that calls this one (keep the build reusable), and register that workflow file",
                )
                .at(&p.workflow.path, Some(p.detection.span)),
            ),
            Auth::Refused(Refusal::ForkTriggered { event }) => out.push(
                Finding::new(
                    "chora/fork-triggered-publisher",
                    Severity::High,
                    format!(
                        "job `{}` uploads to {index} from a workflow that `{event}` starts, an event anyone with a fork can cause",
                        p.job.id
                    ),
                    "publish only from a workflow started by a tag push or a release",
                )
                .at(&p.workflow.path, Some(p.detection.span)),
            ),
            // pull_request_target is reported by the triggers check (zizmor dangerous-triggers).
            // GitLab shapes: reported by the gitlab check (GitLab files are not publish jobs).
            Auth::Refused(
                Refusal::PullRequestTarget
                | Refusal::GitlabInclude
                | Refusal::GitlabChildPipeline
                | Refusal::GitlabExtends { .. },
            )
            | Auth::Oidc => {}
        }
    }
    out
}
