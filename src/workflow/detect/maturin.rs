//! maturin: `maturin upload|publish` in a script, or `PyO3/maturin-action` (formerly
//! `messense/maturin-action`) with `command: upload|publish`; `MATURIN_PYPI_TOKEN`,
//! `MATURIN_PASSWORD`, `MATURIN_USERNAME`, `-u/-p` (also inside the action's `args`),
//! `--repository-url`, `-r/--repository`, `MATURIN_REPOSITORY(_URL)`.

use super::command::{self, Spec};
use super::creds::{assemble, env_credentials, flag_values, secret_name};
use super::{Found, StepCtx, generic, index, shell};
use crate::workflow::model::{Credential, CredentialPlace, Index, Tool};

const SPEC: Spec = Spec {
    tool: Tool::Maturin,
    program: "maturin",
    subcommands: &["upload", "publish"],
    secret_flags: &["-p", "--password"],
    user_flags: &["-u", "--username"],
    url_flags: &["--repository-url"],
    name_flags: &["-r", "--repository"],
    secret_env: |k| k == "MATURIN_PYPI_TOKEN" || k == "MATURIN_PASSWORD",
    user_env: |k| k == "MATURIN_USERNAME",
    url_env: &["MATURIN_REPOSITORY_URL"],
    name_env: &["MATURIN_REPOSITORY"],
};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    let mut found = command::detect(ctx, &SPEC);
    found.extend(action(ctx));
    found
}

fn action(ctx: &StepCtx<'_>) -> Option<Found> {
    let name = ctx.action()?;
    if !(name.ends_with("/maturin-action")
        && (name.starts_with("pyo3/") || name.starts_with("messense/")))
    {
        return None;
    }
    let command = ctx
        .with_value("command")?
        .value
        .as_deref()?
        .trim()
        .to_string();
    if command != "upload" && command != "publish" {
        return None;
    }
    let (mut primary, mut users) = env_credentials(ctx, SPEC.secret_env, SPEC.user_env);
    let (pypi_primary, pypi_users) = generic::pypi_env(ctx);
    primary.extend(pypi_primary);
    users.extend(pypi_users);
    let mut index = Index::Pypi;
    if let Some(args) = ctx.with_value("args")
        && let Some(text) = args.value.as_deref()
    {
        let commands = shell::commands(text);
        for c in &commands {
            for (flags, into) in [
                (SPEC.secret_flags, &mut primary),
                (SPEC.user_flags, &mut users),
            ] {
                for (first, last, value) in flag_values(c, 0, flags) {
                    let (Some(a), Some(b)) = (c.words.get(first), c.words.get(last)) else {
                        continue;
                    };
                    into.push(Credential {
                        place: CredentialPlace::Argument {
                            text: text.get(a.start..b.end).unwrap_or_default().to_string(),
                        },
                        route: args.route.clone(),
                        span: args.span,
                        secret: secret_name(&value),
                    });
                }
            }
            if let Some((_, _, url)) = flag_values(c, 0, SPEC.url_flags).into_iter().next() {
                index = index::from_url(&url);
            } else if let Some((_, _, name)) = flag_values(c, 0, SPEC.name_flags).into_iter().next()
            {
                index = index::from_name(&name);
            }
        }
    }
    if index == Index::Pypi
        && let Some(url) = ctx.env_value("MATURIN_REPOSITORY_URL")
    {
        index = index::from_url(url);
    }
    Some(Found::new(Tool::Maturin, index, assemble(primary, users)))
}
