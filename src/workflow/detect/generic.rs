//! Env entries any publishing step may receive whatever its tool: names or secrets about PyPI
//! (`PYPI_TOKEN`, `TWINE_PASSWORD` handed to hatch, `TOKEN: ${{ secrets.PYPI_API_TOKEN }}`).

use super::StepCtx;
use super::creds::{env_credentials, is_pypi_name, is_secret_key, is_user_key, secret_name};
use crate::workflow::model::Credential;

/// (passwords and tokens, user names) about PyPI that the step sees in env.
pub fn pypi_env(ctx: &StepCtx<'_>) -> (Vec<Credential>, Vec<Credential>) {
    let about_pypi = |key: &str| {
        is_pypi_name(key)
            || ctx
                .env_value(key)
                .and_then(secret_name)
                .is_some_and(|s| is_pypi_name(&s))
    };
    env_credentials(
        ctx,
        |k| is_secret_key(k) && about_pypi(k),
        |k| is_user_key(k) && about_pypi(k),
    )
}
