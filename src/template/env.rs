//! The minijinja environment templates render in: strict undefined values, kept trailing
//! newlines, the two delimiter styles, and chora's filters and functions.

use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, syntax::SyntaxConfig,
};

use super::pins;
use super::runtime::{Runtime, RuntimeError};

/// Names never exposed to templates, so an unescaped GitHub `${{ }}` expression in a file
/// rendered with default delimiters fails loudly instead of rendering empty.
pub const RESERVED_NAMES: &[&str] = &[
    "github", "secrets", "env", "vars", "inputs", "matrix", "steps", "needs", "runner", "job",
    "strategy", "jobs",
];

/// Delimiter style of a template file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiters {
    /// `{{ }}` `{% %}` `{# #}` (files ending `.jinja`).
    Default,
    /// `[[ ]]` `[% %]` `[# #]` (files ending `.jinja-gh`), so GitHub's `${{ }}` passes through.
    Brackets,
}

/// The chora release a template renders as: its version, its action pins and the runtime its
/// workflows install (the chora-cli release they install by hash, uv's version). This chora's
/// own by default; an earlier release's when `chora update` renders a merge base again from
/// the template history.
#[derive(Debug, Clone)]
pub struct Release {
    pub chora_version: String,
    pub pins: Vec<pins::Pin>,
    pub runtime: Runtime,
}

impl Release {
    /// This chora's release, with the releases file `CHORA_RELEASES_FILE` names if set; an
    /// unreadable or invalid file is an error.
    pub fn current() -> Result<Release, RuntimeError> {
        Ok(Release {
            chora_version: crate::VERSION.to_string(),
            pins: pins::all(),
            runtime: Runtime::current()?,
        })
    }
}

impl Default for Release {
    /// [`Release::current`], where an invalid releases file counts as no release known (the
    /// commands that generate files use `current` and report the error).
    fn default() -> Self {
        let runtime = Runtime::current().unwrap_or_else(|_| Runtime {
            chora: None,
            ..Runtime::embedded()
        });
        Release {
            chora_version: crate::VERSION.to_string(),
            pins: pins::all(),
            runtime,
        }
    }
}

/// Facts about the machine and destination that defaults may use, and the release rendered.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `user.name`, `user.email` … as read from git config.
    pub git_config: std::collections::BTreeMap<String, String>,
    /// GitHub owner and repository from the `origin` remote of a repository holding DEST.
    pub remote: Option<(String, String)>,
    /// The destination folder's name.
    pub dest_name: String,
    pub current_year: i32,
    /// The chora release whose version and pins the render uses.
    pub release: Release,
}

pub fn syntax(delimiters: Delimiters) -> Result<SyntaxConfig, Error> {
    let mut builder = SyntaxConfig::builder();
    builder
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true);
    if delimiters == Delimiters::Brackets {
        builder
            .block_delimiters("[%", "%]")
            .variable_delimiters("[[", "]]")
            .comment_delimiters("[#", "#]");
    }
    builder.build()
}

/// Instructions one template file may run before rendering stops (minijinja's fuel): far above
/// what the built-in templates use, far below a loop that would hold a CI job until it times
/// out. Recursion is bounded by minijinja's own limit.
pub const FUEL_PER_FILE: u64 = 2_000_000;

/// Build the environment with default delimiters selected.
pub fn build(facts: &Facts) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Output is source code and config, never HTML/JSON to escape (minijinja would otherwise
    // JSON-escape values in files named *.yml or *.json).
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_debug(true);
    env.set_fuel(Some(FUEL_PER_FILE));
    env.set_syntax(syntax(Delimiters::Default)?);
    env.add_filter("pep503", pep503);
    env.add_filter("python_identifier", python_identifier);
    let table = facts.release.pins.clone();
    env.add_function("uses", move |action: &str| -> Result<String, Error> {
        pins::find_in(&table, action)
            .map(|p| p.uses())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("no pin for action {action:?} in data/action-pins.tsv"),
                )
            })
    });
    let config = facts.git_config.clone();
    env.add_function("git_config", move |key: &str| {
        config.get(key).cloned().unwrap_or_default()
    });
    let remote = facts.remote.clone();
    env.add_function("git_remote_owner", move || {
        remote.as_ref().map(|r| r.0.clone()).unwrap_or_default()
    });
    let remote = facts.remote.clone();
    env.add_function("git_remote_repo", move || {
        remote.as_ref().map(|r| r.1.clone()).unwrap_or_default()
    });
    Ok(env)
}

pub use crate::names::pep503;

/// A Python import name derived from a project name: lowercase, separators become `_`.
pub fn python_identifier(name: &str) -> String {
    let mut out: String = pep503(name).replace('-', "_");
    out.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_normalises() {
        assert_eq!(pep503("My.Package__Name"), "my-package-name");
        assert_eq!(python_identifier("My.Package-name"), "my_package_name");
        assert_eq!(python_identifier("3d-tools"), "_3d_tools");
    }

    #[test]
    fn brackets_pass_github_expressions_through() {
        let mut env = build(&Facts::default()).unwrap();
        env.set_syntax(syntax(Delimiters::Brackets).unwrap());
        env.add_template_owned(
            "wf.yml",
            "run: echo ${{ github.ref }} [[ name ]]\n".to_string(),
        )
        .unwrap();
        let out = env
            .get_template("wf.yml")
            .unwrap()
            .render(minijinja::context! { name => "x" })
            .unwrap();
        assert_eq!(out, "run: echo ${{ github.ref }} x\n");
    }

    #[test]
    fn unescaped_github_expression_fails_in_default_syntax() {
        let env = build(&Facts::default()).unwrap();
        let err = env
            .render_str("run: ${{ github.ref }}", minijinja::context! {})
            .unwrap_err();
        assert!(err.to_string().contains("undefined"), "{err}");
    }

    #[test]
    fn uses_renders_the_pin() {
        let env = build(&Facts::default()).unwrap();
        let out = env
            .render_str("{{ uses('actions/checkout') }}", minijinja::context! {})
            .unwrap();
        assert!(out.starts_with("actions/checkout@"));
        assert!(out.contains(" # v"));
        assert!(
            env.render_str("{{ uses('evil/action') }}", minijinja::context! {})
                .is_err()
        );
    }
}
