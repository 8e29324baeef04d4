//! Shapes PyPI cannot accept as a Trusted Publisher: the reason and the fix for each, and which
//! jobs are therefore left alone (unless `--force`).

use std::collections::BTreeSet;

use crate::workflow::model::{Detection, Refusal, Verdict};

use super::{FilePlan, RefusedJob};

/// Record every refused job once; return the jobs to leave untouched (none with `force`).
pub(crate) fn record(
    detections: &[Detection],
    force: bool,
    plan: &mut FilePlan,
) -> BTreeSet<String> {
    let mut untouched = BTreeSet::new();
    for detection in detections {
        let Verdict::Refuse(refusal) = &detection.verdict else {
            continue;
        };
        let seen = plan
            .refused
            .iter()
            .any(|r| r.job == detection.job && &r.refusal == refusal);
        if !seen {
            let (reason, fix) = explain(refusal);
            plan.refused.push(RefusedJob {
                job: detection.job.clone(),
                refusal: refusal.clone(),
                reason,
                fix,
                forced: force,
            });
        }
        if !force {
            untouched.insert(detection.job.clone());
        }
    }
    untouched
}

/// Why PyPI rejects the shape, and what to do instead.
pub(super) fn explain(refusal: &Refusal) -> (String, String) {
    match refusal {
        Refusal::ReusableWorkflow => (
            "the workflow is reusable (`on: workflow_call`): PyPI does not accept a reusable workflow as a Trusted Publisher (warehouse#11096), the token it mints would name the caller and fail to match".to_string(),
            "move the publish job into the calling workflow (keep the build in the reusable one and hand the distributions over as an artifact), then run chora migrate on the caller".to_string(),
        ),
        Refusal::PullRequestTarget => (
            "the workflow runs on `pull_request_target`: PyPI refuses tokens from it (\"Publishing from a workflow invoked via 'pull_request_target' is not supported\"), and it runs with secrets on code a fork controls".to_string(),
            "publish from a separate workflow triggered by `push` of a tag or `release: published`".to_string(),
        ),
        Refusal::ForkTriggered { event } => (
            format!(
                "the workflow runs on `{event}`, which a fork can trigger: fork runs never receive an OIDC token, and a release must not depend on what a fork sends"
            ),
            format!(
                "publish from a workflow triggered by `push` of a tag or `release: published`, or guard the publish job with `if: github.event_name != '{event}'` and rerun with --force"
            ),
        ),
        Refusal::GitlabInclude => (
            "the upload is in a file `.gitlab-ci.yml` includes: PyPI's GitLab publisher matches the top-level pipeline file path in the ID token's `ci_config_ref_uri`, and for included configuration that claim names the top-level file or is empty (gitlab#422146), so the publisher cannot be matched reliably".to_string(),
            "move the publish job into `.gitlab-ci.yml` itself (keep the build in the included file and pass `dist/` as artifacts), then run chora migrate again".to_string(),
        ),
        Refusal::GitlabChildPipeline => (
            "the upload runs in a child pipeline (`trigger: include:`): ID tokens of child pipelines carry an empty `ci_config_ref_uri`, which PyPI rejects, and keyless signing fails there too".to_string(),
            "move the publish job into the top-level `.gitlab-ci.yml` (a child pipeline may still build), then run chora migrate again".to_string(),
        ),
        Refusal::GitlabExtends { template } => (
            format!(
                "the job takes its upload from the template `{template}` it extends: the token and the ID token belong on the publish job alone, and other jobs may extend `{template}` too"
            ),
            format!(
                "give the publish job its own `script:` with the upload (or move the upload out of `{template}` into the job), then run chora migrate again"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_names_its_fix() {
        let (reason, fix) = explain(&Refusal::ReusableWorkflow);
        assert!(reason.contains("warehouse#11096"), "{reason}");
        assert!(fix.contains("calling workflow"), "{fix}");
        let (reason, fix) = explain(&Refusal::ForkTriggered {
            event: "issue_comment".to_string(),
        });
        assert!(reason.contains("issue_comment"), "{reason}");
        assert!(fix.contains("issue_comment"), "{fix}");
        let (reason, _) = explain(&Refusal::PullRequestTarget);
        assert!(reason.contains("pull_request_target"), "{reason}");
    }
}
