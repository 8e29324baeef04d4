//! Already Trusted Publishing, and the verdict of a PyPI detection: no long-lived credential
//! and `id-token: write` on the job (or the workflow, when the job sets no permissions) for a
//! tool with native Trusted Publishing (the PyPA action, uv, pdm, maturin, twine ≥ 6.1), or a
//! token minted by hand from the OIDC token (`ACTIONS_ID_TOKEN_REQUEST_*`,
//! `/_/oidc/mint-token`). `id-token: write` alone proves nothing (zizmor#1848): a token in env
//! still counts.

use super::{Found, StepCtx};
use crate::workflow::model::{Index, Refusal, Tool, Verdict};
use crate::workflow::read::{FileKind, Job, Workflow};

/// Whether the job may request an OIDC token.
pub fn id_token(workflow: &Workflow, job: &Job) -> bool {
    match (&job.permissions, &workflow.permissions) {
        (Some(p), _) => p.id_token_write(),
        (None, Some(p)) => p.id_token_write(),
        (None, None) => false,
    }
}

/// Whether a step of the job mints a PyPI token from the OIDC token by hand.
pub fn hand_minted(job: &Job) -> bool {
    let mints = |text: &str| {
        text.contains("ACTIONS_ID_TOKEN_REQUEST")
            || text.contains("/_/oidc/mint-token")
            || text.contains("getIDToken")
    };
    job.steps.iter().any(|s| {
        s.run.as_ref().is_some_and(|r| mints(&r.text))
            || s.with.iter().any(|e| e.value.as_deref().is_some_and(mints))
    })
}

fn native(tool: &Tool) -> bool {
    matches!(
        tool,
        Tool::PypaAction | Tool::Uv | Tool::Pdm | Tool::Maturin | Tool::Twine | Tool::ChoraPublish
    )
}

/// Tools that find a GitLab ID token by themselves (`<AUD>_ID_TOKEN` with `GITLAB_CI`): twine
/// (>= 6.1, through `id`), uv and chora-publish. pdm and maturin look for GitHub's OIDC only.
fn gitlab_native(tool: &Tool) -> bool {
    matches!(tool, Tool::Uv | Tool::Twine | Tool::ChoraPublish)
}

/// The verdict of one PyPI detection.
pub(super) fn verdict(ctx: &StepCtx<'_>, found: &Found, refusal: &Option<Refusal>) -> Verdict {
    if let Index::Other(_) = found.index
        && !found.credentials.is_empty()
    {
        return Verdict::OtherService;
    }
    if let Some(r) = &found.refusal {
        return Verdict::Refuse(r.clone());
    }
    let refuse_or_migrate = || refusal.clone().map_or(Verdict::Migrate, Verdict::Refuse);
    if !found.credentials.is_empty() {
        return refuse_or_migrate();
    }
    let trusted = match ctx.workflow.gitlab.as_deref() {
        Some(pipeline) => {
            let aud = match found.index {
                Index::TestPypi => "testpypi",
                _ => "pypi",
            };
            pipeline.has_id_token(&ctx.job.id, aud)
                && (gitlab_native(&found.tool) || hand_minted(ctx.job))
        }
        None => {
            ctx.workflow.kind == FileKind::CompositeAction
                || (id_token(ctx.workflow, ctx.job)
                    && (native(&found.tool) || hand_minted(ctx.job)))
        }
    };
    if trusted {
        Verdict::AlreadyTrusted
    } else {
        refuse_or_migrate()
    }
}
