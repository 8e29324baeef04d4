//! PEP 740 attestations: generated for every PyPI upload (the PyPA action's default with
//! Trusted Publishing, `chora-publish upload --attestations`, or an explicit signing step), and
//! archived (an artifact or release asset holding the `.publish.attestation` files). A token
//! cannot carry them: PyPI takes attestations only from Trusted Publishing.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::{Auth, PublishJob, Repo, action_name, scripts};
use crate::workflow::model::{Index, Tool};

/// Whether this publishing job sends attestations.
pub fn generated(p: &PublishJob<'_>) -> bool {
    if !matches!(p.auth, Auth::Oidc) {
        return false;
    }
    let step = p.detection.step.and_then(|i| p.job.steps.get(i));
    let input = |k: &str| {
        step.and_then(|s| s.with.iter().find(|e| e.key == k))
            .and_then(|e| e.value.clone())
    };
    let signs_elsewhere = p.job.steps.iter().any(|s| {
        s.uses.as_deref().is_some_and(|u| {
            matches!(
                action_name(u),
                "astral-sh/attest-action" | "pypi-attestations/action"
            )
        }) || s.run.as_ref().is_some_and(|r| {
            r.text.contains("pypi-attestations sign") || r.text.contains("chora-publish sign")
        })
    });
    match &p.tool {
        Tool::PypaAction => input("attestations").as_deref() != Some("false"),
        _ => {
            signs_elsewhere
                || scripts(p.job).any(|s| {
                    // `chora-publish upload`, also as `"$DIR/chora-publish" upload`.
                    s.contains("chora-publish")
                        && s.contains("upload")
                        && !s.contains("--attestations=never")
                        && !s.contains("--attestations never")
                })
        }
    }
}

/// Whether the workflow keeps the attestation files (an artifact or release asset).
pub fn archived(p: &PublishJob<'_>) -> bool {
    p.workflow.jobs.iter().any(|j| {
        j.steps.iter().any(|s| {
            let keeps = s.uses.as_deref().is_some_and(|u| {
                matches!(
                    action_name(u),
                    "actions/upload-artifact" | "softprops/action-gh-release"
                )
            }) && s.with.iter().any(|e| {
                e.value
                    .as_deref()
                    .is_some_and(|v| v.contains("attestation"))
            });
            let attaches = s.run.as_ref().is_some_and(|r| {
                (r.text.contains("gh release") || r.text.contains("chora-publish github-release"))
                    && r.text.contains("attestation")
            });
            keeps || attaches
        })
    })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in repo
        .publish_jobs()
        .iter()
        .filter(|p| p.index == Index::Pypi)
    {
        if !generated(p) {
            let why = if matches!(p.auth, Auth::Oidc) {
                "uploads without PEP 740 attestations"
            } else {
                "cannot send PEP 740 attestations: PyPI takes them only with Trusted Publishing"
            };
            out.push(
                Finding::new(
                    "chora/attestations",
                    Severity::Medium,
                    format!("job `{}` {why}", p.job.id),
                    "publish with Trusted Publishing and attestations on (the PyPA action's default; `chora-publish upload --attestations=always`)",
                )
                .at(&p.workflow.path, Some(p.detection.span)),
            );
        } else if !archived(p) {
            out.push(
                Finding::new(
                    "chora/attestations-archived",
                    Severity::Low,
                    format!(
                        "job `{}` sends attestations, but the workflow keeps no copy (artifact or release asset)",
                        p.job.id
                    ),
                    "store `*.publish.attestation` as an artifact and attach them to the GitHub release",
                )
                .at(&p.workflow.path, Some(p.detection.span)),
            );
        }
    }
    out
}
