//! The shape most publishing CLIs share: `TOOL SUBCOMMAND` in a `run:` script, credentials in
//! flags and in tool-specific env, the index in a URL or name flag or env. Each tool module
//! describes its names in a `Spec`.

use super::creds::{assemble, env_credentials, flag_credentials, flag_values, pypirc_credentials};
use super::{Found, StepCtx, generic, index};
use crate::workflow::model::{Index, Tool};

/// The names one publishing CLI uses.
pub struct Spec {
    pub tool: Tool,
    /// The executable (`twine`, `uv`).
    pub program: &'static str,
    pub subcommands: &'static [&'static str],
    /// Flags carrying a password or token (`-p`, `--password`, `--token`).
    pub secret_flags: &'static [&'static str],
    pub user_flags: &'static [&'static str],
    /// Flags carrying an index URL / a repository name.
    pub url_flags: &'static [&'static str],
    pub name_flags: &'static [&'static str],
    /// Env names (exact) carrying a password or token / a user name / an index URL / a name.
    pub secret_env: fn(&str) -> bool,
    pub user_env: fn(&str) -> bool,
    pub url_env: &'static [&'static str],
    pub name_env: &'static [&'static str],
}

/// One `Found` per invocation of the CLI in the step.
pub fn detect(ctx: &StepCtx<'_>, spec: &Spec) -> Vec<Found> {
    ctx.invocations(spec.program, spec.subcommands)
        .into_iter()
        .map(|(command, at)| {
            let mut primary = flag_credentials(ctx, command, at, spec.secret_flags);
            primary.extend(prefix_credentials(ctx, command, spec));
            let mut users = flag_credentials(ctx, command, at, spec.user_flags);
            let (env_primary, env_users) = env_credentials(ctx, spec.secret_env, spec.user_env);
            let (pypi_primary, pypi_users) = generic::pypi_env(ctx);
            primary.extend(env_primary);
            primary.extend(pypi_primary);
            primary.extend(pypirc_credentials(ctx));
            users.extend(env_users);
            users.extend(pypi_users);
            let url = flag_values(command, at, spec.url_flags)
                .into_iter()
                .map(|(_, _, v)| index::from_url(&expand(ctx, &v)))
                .next();
            let name = || {
                flag_values(command, at, spec.name_flags)
                    .into_iter()
                    .map(|(_, _, v)| index::from_name(&expand(ctx, &v)))
                    .next()
            };
            let env_url = || {
                spec.url_env
                    .iter()
                    .find_map(|k| ctx.env_value(k))
                    .map(index::from_url)
            };
            let env_name = || {
                spec.name_env
                    .iter()
                    .find_map(|k| ctx.env_value(k))
                    .map(index::from_name)
            };
            let index = url
                .or_else(name)
                .or_else(env_url)
                .or_else(env_name)
                .unwrap_or(Index::Pypi);
            Found::new(spec.tool.clone(), index, assemble(primary, users))
        })
        .collect()
}

/// GitLab scripts: `UV_PUBLISH_TOKEN="$PYPI_TOKEN" uv publish`, a secret env set for the one
/// command (the assignment word is the credential). GitHub workflows pass secrets through
/// `env:` instead, so this is not looked for there.
fn prefix_credentials(
    ctx: &StepCtx<'_>,
    command: &super::shell::Command,
    spec: &Spec,
) -> Vec<crate::workflow::model::Credential> {
    if ctx.workflow.gitlab.is_none() {
        return Vec::new();
    }
    command
        .words
        .iter()
        .enumerate()
        .take_while(|(_, w)| {
            w.text.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        })
        .filter_map(|(i, w)| {
            let (key, value) = w.text.split_once('=')?;
            if !(spec.secret_env)(key) || value.trim().is_empty() {
                return None;
            }
            super::creds::argument(ctx, command, i, i, None)
        })
        .collect()
}

/// A flag value with `$VAR` replaced by the env value the step sees, when it has one.
fn expand(ctx: &StepCtx<'_>, value: &str) -> String {
    super::shell::env_reference(value)
        .and_then(|name| ctx.env_value(name))
        .unwrap_or(value)
        .to_string()
}
