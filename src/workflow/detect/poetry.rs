//! poetry: `poetry publish` with `-u/-p`, `POETRY_PYPI_TOKEN_<NAME>`,
//! `POETRY_HTTP_BASIC_<NAME>_USERNAME/PASSWORD`, and the config commands
//! `poetry config pypi-token.<name> …` / `http-basic.<name> …` (also in a step of their own);
//! `-r/--repository <name>` resolved through `poetry config repositories.<name> <url>` or
//! `POETRY_REPOSITORIES_<NAME>_URL`.

use super::creds::{
    assemble, config_command, env_credentials, flag_credentials, flag_values, secret_in_words,
};
use super::{Found, StepCtx, find_invocation, generic, index};
use crate::workflow::model::{Credential, Index, Tool};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    let mut configs: Vec<(Index, Credential)> = Vec::new();
    for command in &ctx.commands {
        let Some(at) = find_invocation(command, "poetry", &["config"]) else {
            continue;
        };
        let Some(setting) = command.words.get(at) else {
            continue;
        };
        let Some((kind, name)) = setting.text.split_once('.') else {
            continue;
        };
        if kind != "pypi-token" && kind != "http-basic" {
            continue;
        }
        let secret = secret_in_words(ctx, command.words.get(at + 1..).unwrap_or_default());
        if let Some(c) = config_command(ctx, command, secret) {
            configs.push((repository_index(ctx, name), c));
        }
    }
    let mut out = Vec::new();
    for (command, at) in ctx.invocations("poetry", &["publish"]) {
        let name = flag_values(command, at, &["-r", "--repository"])
            .into_iter()
            .next()
            .map_or_else(|| "pypi".to_string(), |(_, _, v)| v);
        let index = repository_index(ctx, &name);
        let mut primary = flag_credentials(ctx, command, at, &["-p", "--password"]);
        let users = flag_credentials(ctx, command, at, &["-u", "--username"]);
        let env_name = name.to_ascii_uppercase().replace(['-', '.'], "_");
        let token = format!("POETRY_PYPI_TOKEN_{env_name}");
        let password = format!("POETRY_HTTP_BASIC_{env_name}_PASSWORD");
        let user = format!("POETRY_HTTP_BASIC_{env_name}_USERNAME");
        let (env_primary, env_users) =
            env_credentials(ctx, |k| k == token || k == password, |k| k == user);
        let (pypi_primary, pypi_users) = generic::pypi_env(ctx);
        primary.extend(env_primary);
        primary.extend(pypi_primary);
        let mut taken = Vec::new();
        for (i, (config_index, c)) in configs.iter().enumerate() {
            if *config_index == index {
                primary.push(c.clone());
                taken.push(i);
            }
        }
        let all_users = users
            .into_iter()
            .chain(env_users)
            .chain(pypi_users)
            .collect();
        out.push(Found::new(
            Tool::Poetry,
            index,
            assemble(primary, all_users),
        ));
        configs = configs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !taken.contains(i))
            .map(|(_, c)| c)
            .collect();
    }
    // Config commands whose upload is elsewhere (a later step, a script).
    for (index, c) in configs {
        match out
            .iter_mut()
            .find(|f| f.index == index && f.tool == Tool::Poetry)
        {
            Some(f) => f.credentials.push(c),
            None => out.push(Found::new(Tool::Poetry, index, vec![c])),
        }
    }
    out
}

/// The index of a poetry repository name: `pypi` is PyPI; others through
/// `poetry config repositories.<name> <url>` in any step of the job, or
/// `POETRY_REPOSITORIES_<NAME>_URL`.
fn repository_index(ctx: &StepCtx<'_>, name: &str) -> Index {
    if name == "pypi" {
        return Index::Pypi;
    }
    let env_name = format!(
        "POETRY_REPOSITORIES_{}_URL",
        name.to_ascii_uppercase().replace(['-', '.'], "_")
    );
    if let Some(url) = ctx.env_value(&env_name) {
        return index::from_url(url);
    }
    let wanted = format!("repositories.{name}");
    for step in &ctx.job.steps {
        let Some(run) = &step.run else { continue };
        for command in super::shell::commands(&run.text) {
            if let Some(at) = find_invocation(&command, "poetry", &["config"])
                && command.words.get(at).is_some_and(|w| w.text == wanted)
                && let Some(url) = command.words.get(at + 1)
            {
                return index::from_url(&url.text);
            }
        }
    }
    index::from_name(name)
}
