//! Publishing hidden in the repository: a `run:` step receiving PyPI credentials in its env
//! (`./scripts/publish.sh`, `tox -e release`, `make publish`, `nox -s publish`), named after
//! the tool its env names (`TWINE_*` -> twine, `FLIT_*` -> flit…), else `Tool::Script`; and a
//! job handed PyPI credentials that no step visibly uses (`unused`).

use super::creds::assemble;
use super::{Found, StepCtx, generic};
use crate::workflow::model::{
    Credential, CredentialPlace, Detection, Index, Level, Refusal, Route, Tool, Verdict,
};
use crate::workflow::read::{Job, Workflow};

/// Commands that run repository code.
fn runs_repo_code(ctx: &StepCtx<'_>) -> bool {
    ctx.commands.iter().any(|c| {
        let words = c.texts();
        let first = words
            .iter()
            .copied()
            .find(|w| !w.contains('=') || w.starts_with('-'))
            .unwrap_or_default();
        let script_like = |w: &str| {
            w.starts_with("./")
                || w.starts_with("scripts/")
                || w.starts_with("script/")
                || w.starts_with("bin/")
                || w.ends_with(".sh")
                || w.ends_with(".py")
        };
        [
            "tox", "make", "nox", "just", "invoke", "inv", "bash", "sh", "python", "python3",
        ]
        .contains(&first)
            && words.iter().skip(1).any(|w| !w.starts_with('-'))
            || script_like(first)
    })
}

/// The tool the credential names point at.
fn tool_of(keys: &[String]) -> Tool {
    let has = |p: &str| keys.iter().any(|k| k.to_ascii_uppercase().starts_with(p));
    if has("TWINE_") {
        Tool::Twine
    } else if has("FLIT_") {
        Tool::Flit
    } else if has("POETRY_") {
        Tool::Poetry
    } else if has("HATCH_") {
        Tool::Hatch
    } else if has("PDM_") {
        Tool::Pdm
    } else if has("UV_") {
        Tool::Uv
    } else if has("MATURIN_") {
        Tool::Maturin
    } else {
        Tool::Script
    }
}

pub(super) fn detect(ctx: &StepCtx<'_>) -> Option<Found> {
    ctx.step.run.as_ref()?;
    let (primary, users) = generic::pypi_env(ctx);
    let step_level = primary.iter().any(|c| {
        matches!(
            &c.place,
            CredentialPlace::Env {
                level: Level::Step,
                ..
            }
        )
    });
    if primary.is_empty() || !(step_level || runs_repo_code(ctx)) {
        return None;
    }
    let keys: Vec<String> = primary
        .iter()
        .chain(&users)
        .filter_map(|c| match &c.place {
            CredentialPlace::Env { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect();
    Some(Found::new(
        tool_of(&keys),
        Index::Pypi,
        assemble(primary, users),
    ))
}

/// PyPI credentials in a job's env that no detection claimed: given to the job for nothing
/// visible (an upload commented out, a script elsewhere). Reported for removal.
pub(super) fn unused(
    workflow: &Workflow,
    job: &Job,
    claimed: &[Route],
    refusal: &Option<Refusal>,
) -> Option<Detection> {
    let step = job.steps.first()?;
    let ctx = StepCtx {
        workflow,
        job,
        step,
        commands: Vec::new(),
    };
    let (primary, users) = generic::pypi_env(&ctx);
    // Job-level entries no step has claimed.
    let unclaimed = |c: &Credential| {
        matches!(
            &c.place,
            CredentialPlace::Env {
                level: Level::Job,
                ..
            }
        ) && !claimed.contains(&c.route)
    };
    let primary: Vec<_> = primary.into_iter().filter(|c| unclaimed(c)).collect();
    let users: Vec<_> = users.into_iter().filter(|c| unclaimed(c)).collect();
    let credentials = assemble(primary, users);
    if credentials.is_empty() {
        return None;
    }
    Some(Detection {
        file: workflow.path.clone(),
        job: job.id.clone(),
        step: None,
        tool: Tool::Script,
        index: Index::Pypi,
        credentials,
        verdict: refusal.clone().map_or(Verdict::Migrate, Verdict::Refuse),
        span: job.span,
    })
}
