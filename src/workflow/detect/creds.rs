//! Building `Credential`s: which values are long-lived secrets, their secret names, env and
//! `with:` entries, command-line flags (`-p "$TOKEN"`, `--token=…`) and config commands, with
//! their routes and spans.

use super::shell::{Command, env_reference};
use super::{StepCtx, shell};
use crate::workflow::model::{Credential, CredentialPlace, Level, Span};
use crate::workflow::read::Entry;

/// The first secret a value names: `${{ secrets.NAME }}` or `secrets['NAME']`.
pub fn secret_name(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(at) = rest.find("secrets") {
        let after = rest.get(at + "secrets".len()..).unwrap_or_default();
        let before_ok = at == 0
            || rest
                .get(..at)
                .and_then(|b| b.chars().last())
                .is_some_and(|c| !c.is_ascii_alphanumeric() && c != '_' && c != '.');
        let name: String = if let Some(dotted) = after.strip_prefix('.') {
            dotted
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        } else if let Some(indexed) = after.strip_prefix('[') {
            indexed
                .trim_start_matches(['\'', '"'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        } else {
            String::new()
        };
        if before_ok && !name.is_empty() {
            return Some(name);
        }
        rest = after;
    }
    None
}

/// Whether a value is (or may be) a long-lived credential: it names a secret, it is a literal,
/// or it is an input (a composite action or reusable workflow is handed its caller's secret).
/// Values computed in the run (`${{ steps.mint.outputs.token }}`) are not.
pub fn long_lived(value: &str) -> bool {
    let value = value.trim();
    !value.is_empty()
        && (secret_name(value).is_some() || !value.contains("${{") || value.contains("inputs."))
}

/// Whether an env or input name holds a password or token (not a user name, not a URL).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    !is_user_key(key)
        && !k.ends_with("URL")
        && ["PASSWORD", "TOKEN", "AUTH", "KEY", "SECRET", "PASS", "PWD"]
            .iter()
            .any(|w| k.contains(w))
}

/// Whether an env or input name holds a user name.
pub fn is_user_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k.ends_with("USER") || k.ends_with("USERNAME") || k == "USER"
}

/// Whether a name (env key, input, secret) is about PyPI publishing.
pub fn is_pypi_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase().replace('-', "_");
    n.contains("PYPI")
        || n.contains("TWINE")
        || [
            "FLIT_",
            "HATCH_INDEX_",
            "PDM_PUBLISH_",
            "UV_PUBLISH_",
            "MATURIN_",
            "POETRY_HTTP_BASIC_",
        ]
        .iter()
        .any(|p| n.starts_with(p))
}

/// An `env:` entry as a credential.
pub fn env_credential(level: Level, entry: &Entry) -> Credential {
    Credential {
        place: CredentialPlace::Env {
            level,
            key: entry.key.clone(),
        },
        route: entry.route.clone(),
        span: entry.span,
        secret: entry.value.as_deref().and_then(secret_name),
    }
}

/// A `with:` input as a credential.
pub fn with_credential(entry: &Entry) -> Credential {
    Credential {
        place: CredentialPlace::With {
            key: entry.key.clone(),
        },
        route: entry.route.clone(),
        span: entry.span,
        secret: entry.value.as_deref().and_then(secret_name),
    }
}

/// The long-lived env entries the step sees whose key matches `primary`, and (only if there is
/// one) those matching `user`.
pub fn env_credentials(
    ctx: &StepCtx<'_>,
    primary: impl Fn(&str) -> bool,
    user: impl Fn(&str) -> bool,
) -> (Vec<Credential>, Vec<Credential>) {
    let mut main = Vec::new();
    let mut users = Vec::new();
    for (level, entry) in ctx.env() {
        let value = entry.value.as_deref().unwrap_or_default();
        if primary(&entry.key) && long_lived(value) {
            main.push(env_credential(level, entry));
        } else if user(&entry.key) && !value.trim().is_empty() {
            users.push(env_credential(level, entry));
        }
    }
    (main, users)
}

/// Primary credentials, then the user names that go with them; nothing when there is no
/// primary credential (a user name alone is no credential). Duplicates (same route and place)
/// are dropped.
pub fn assemble(primary: Vec<Credential>, users: Vec<Credential>) -> Vec<Credential> {
    if primary.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Credential> = Vec::new();
    for c in primary.into_iter().chain(users) {
        if !out.iter().any(|o| o.route == c.route && o.place == c.place) {
            out.push(c);
        }
    }
    out
}

/// The values of `flags` in a command, from word `from` on: `-p X`, `--password X`,
/// `--password=X`. Yields (first word, last word, value).
pub fn flag_values(command: &Command, from: usize, flags: &[&str]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let words = &command.words;
    let mut i = from;
    while let Some(word) = words.get(i) {
        if flags.contains(&word.text.as_str()) {
            if let Some(value) = words.get(i + 1) {
                out.push((i, i + 1, value.text.clone()));
                i += 2;
                continue;
            }
        } else if let Some((flag, value)) = word.text.split_once('=')
            && flag.starts_with("--")
            && flags.contains(&flag)
        {
            out.push((i, i, value.to_string()));
        }
        i += 1;
    }
    out
}

/// Credentials from command-line flags: the flag-and-value text, plus the env entry a `$VAR`
/// value expands to. Values computed in the run are skipped.
pub fn flag_credentials(
    ctx: &StepCtx<'_>,
    command: &Command,
    from: usize,
    flags: &[&str],
) -> Vec<Credential> {
    let mut out = Vec::new();
    for (first, last, value) in flag_values(command, from, flags) {
        let env = env_reference(&value).and_then(|name| ctx.env_lookup(name));
        let shown = env
            .and_then(|(_, e)| e.value.as_deref())
            .unwrap_or(value.as_str());
        // An unknown `$VAR` may be set by the script itself: counted.
        let unknown_variable = env.is_none() && env_reference(&value).is_some();
        if !(long_lived(shown) || unknown_variable) {
            continue;
        }
        let secret = secret_name(&value)
            .or_else(|| env.and_then(|(_, e)| e.value.as_deref().and_then(secret_name)));
        if let Some(c) = argument(ctx, command, first, last, secret) {
            out.push(c);
        }
        if let Some((level, entry)) = env
            && long_lived(entry.value.as_deref().unwrap_or_default())
        {
            out.push(env_credential(level, entry));
        }
    }
    out
}

/// The text of words `first..=last` of a command as a `CredentialPlace::Argument`.
pub fn argument(
    ctx: &StepCtx<'_>,
    command: &Command,
    first: usize,
    last: usize,
    secret: Option<String>,
) -> Option<Credential> {
    let run = ctx.step.run.as_ref()?;
    let start = command.words.get(first)?.start;
    let end = command.words.get(last)?.end;
    let text = run.text.get(start..end)?.to_string();
    Some(Credential {
        span: span_in_run(ctx, &text),
        place: CredentialPlace::Argument { text },
        route: run.route.clone(),
        secret,
    })
}

/// A whole command (`poetry config pypi-token.pypi "$T"`) as a `CredentialPlace::ConfigCommand`.
pub fn config_command(
    ctx: &StepCtx<'_>,
    command: &Command,
    secret: Option<String>,
) -> Option<Credential> {
    let run = ctx.step.run.as_ref()?;
    let text = run.text.get(command.start..command.end)?.to_string();
    Some(Credential {
        span: span_in_run(ctx, &text),
        place: CredentialPlace::ConfigCommand { text },
        route: run.route.clone(),
        secret,
    })
}

/// Lines of a step that writes `~/.pypirc` and hand it a secret (`echo "password = $T" >>
/// ~/.pypirc`, or a here-document body line `password = ${{ secrets.PYPI }}`), as config
/// commands.
pub fn pypirc_credentials(ctx: &StepCtx<'_>) -> Vec<Credential> {
    let Some(run) = ctx.step.run.as_ref() else {
        return Vec::new();
    };
    if !run.text.contains(".pypirc") {
        return Vec::new();
    }
    ctx.commands
        .iter()
        .filter_map(|c| {
            let secret = secret_in_words(ctx, &c.words)?;
            config_command(ctx, c, Some(secret))
        })
        .collect()
}

/// The secret a command's words name, directly or through an env variable.
pub fn secret_in_words(ctx: &StepCtx<'_>, words: &[shell::Word]) -> Option<String> {
    words.iter().find_map(|w| {
        secret_name(&w.text).or_else(|| {
            let (_, e) = ctx.env_lookup(env_reference(&w.text)?)?;
            e.value.as_deref().and_then(secret_name)
        })
    })
}

/// Where `text` is in the source of the step's `run:` scalar; the whole scalar when it is not
/// found as is (a folded scalar, escapes).
fn span_in_run(ctx: &StepCtx<'_>, text: &str) -> Span {
    let Some(run) = ctx.step.run.as_ref() else {
        return ctx.step.span;
    };
    let source = &ctx.workflow.source;
    let found = source
        .get(run.span.start..run.span.end)
        .and_then(|scalar| scalar.find(text))
        .map(|at| run.span.start + at);
    match found {
        Some(start) => span_at(source, start, start + text.len()),
        None => run.span,
    }
}

/// A span from byte offsets, with its 1-based line and column.
pub fn span_at(source: &str, start: usize, end: usize) -> Span {
    let before = source.get(..start).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(start, |nl| start - nl - 1) + 1;
    Span {
        start,
        end,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert_eq!(
            secret_name("${{ secrets.PYPI_TOKEN }}").as_deref(),
            Some("PYPI_TOKEN")
        );
        assert_eq!(
            secret_name("${{secrets.pypi_token}}").as_deref(),
            Some("pypi_token")
        );
        assert_eq!(secret_name("${{ secrets['A-B'] }}").as_deref(), Some("A-B"));
        assert_eq!(
            secret_name("${{ secrets.A || secrets.B }}").as_deref(),
            Some("A")
        );
        assert_eq!(secret_name("${{ steps.mint.outputs.token }}"), None);
        assert_eq!(secret_name("mysecrets.x"), None);
    }

    #[test]
    fn long_lived_values() {
        assert!(long_lived("${{ secrets.T }}"));
        assert!(long_lived("pypi-AgEIcHlwaS5vcmc"));
        assert!(!long_lived("${{ steps.mint.outputs.api-token }}"));
        assert!(!long_lived(""));
    }

    #[test]
    fn key_kinds() {
        assert!(is_secret_key("TWINE_PASSWORD"));
        assert!(is_secret_key("pypi_token"));
        assert!(is_secret_key("HATCH_INDEX_AUTH"));
        assert!(!is_secret_key("TWINE_USERNAME"));
        assert!(!is_secret_key("TWINE_REPOSITORY_URL"));
        assert!(is_user_key("HATCH_INDEX_USER"));
        assert!(is_pypi_name("TEST_PYPI_PASSWORD"));
        assert!(is_pypi_name("uv_publish_token"));
        assert!(!is_pypi_name("NPM_TOKEN"));
    }

    #[test]
    fn spans_from_offsets() {
        let s = span_at("ab\ncd\nef", 4, 5);
        assert_eq!((s.line, s.column), (2, 2));
    }
}
