//! Third-party publishing: an action (JRubics/poetry-publish, casperdcl/deploy-pypi,
//! python-semantic-release, a release bot…) handed a PyPI token in `with:` or env, and a
//! reusable-workflow call passing PyPI secrets (the upload happens in the callee, which PyPI
//! cannot accept as a Trusted Publisher).

use super::creds::{
    assemble, is_pypi_name, is_secret_key, is_user_key, long_lived, secret_name, with_credential,
};
use super::{Found, StepCtx, generic};
use crate::workflow::model::{CredentialPlace, Index, Level, Refusal, Tool};
use crate::workflow::read::{Entry, Job, Workflow};

/// Whether an input or secret entry is about PyPI (its key, or the secret it names).
fn about_pypi(entry: &Entry) -> bool {
    is_pypi_name(&entry.key)
        || entry
            .value
            .as_deref()
            .and_then(secret_name)
            .is_some_and(|s| is_pypi_name(&s))
}

pub(super) fn detect(ctx: &StepCtx<'_>) -> Option<Found> {
    let uses = ctx.step.uses.as_deref()?;
    let secret_input = |e: &&Entry| {
        about_pypi(e)
            && e.value.as_deref().is_some_and(long_lived)
            && (is_secret_key(&e.key) || e.value.as_deref().and_then(secret_name).is_some())
            && !is_user_key(&e.key)
    };
    let mut primary: Vec<_> = ctx
        .step
        .with
        .iter()
        .filter(secret_input)
        .map(with_credential)
        .collect();
    let mut users: Vec<_> = ctx
        .step
        .with
        .iter()
        .filter(|e| about_pypi(e) && is_user_key(&e.key))
        .map(with_credential)
        .collect();
    // An action's own env only: job and workflow env reach every step of the job.
    let (env_primary, env_users) = generic::pypi_env(ctx);
    let own = |c: &crate::workflow::model::Credential| {
        matches!(
            c.place,
            CredentialPlace::Env {
                level: Level::Step,
                ..
            }
        )
    };
    primary.extend(env_primary.into_iter().filter(own));
    users.extend(env_users.into_iter().filter(own));
    let credentials = assemble(primary, users);
    if credentials.is_empty() {
        return None;
    }
    let name = uses.split('@').next().unwrap_or(uses).to_string();
    Some(Found::new(Tool::Other(name), Index::Pypi, credentials))
}

/// A job calling a reusable workflow with PyPI secrets (`secrets: pypi_token: …`).
pub(super) fn reusable_call(_workflow: &Workflow, job: &Job) -> Option<Found> {
    let uses = job.uses.as_deref()?;
    let credentials: Vec<_> = job
        .secrets
        .iter()
        .filter(|e| about_pypi(e) && e.value.as_deref().is_some_and(long_lived))
        .map(with_credential)
        .collect();
    if credentials.is_empty() {
        return None;
    }
    let name = uses.split('@').next().unwrap_or(uses);
    Some(Found {
        tool: Tool::Other(format!("reusable workflow {name}")),
        index: Index::Pypi,
        credentials,
        refusal: Some(Refusal::ReusableWorkflow),
    })
}
