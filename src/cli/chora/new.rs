//! `chora new`: its arguments, its `--help` epilogue and what it prints; the work is
//! `generate::new::{prepare, write}`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::super::output::Output;
use crate::exit::{ExitStatus, Failure};
use crate::generate::new::{self, NewPlan, NewRequest};
use crate::generate::plan::{Action, Planned};
use crate::template::answers_file;
use crate::template::source::{self, Template};

/// Arguments of `chora new`.
#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// Folder to generate the project in (created if missing).
    #[arg(default_value = ".")]
    pub dest: PathBuf,
    /// Template: an embedded template's name, or a folder holding a template.yml.
    #[arg(
        long,
        short = 't',
        default_value = "python-package",
        value_name = "NAME|DIR"
    )]
    pub template: String,
    #[command(flatten)]
    pub answers: super::AnswerArgs,
    /// Print the files that would be written; write nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Generate into a folder that is not empty (files with other content are still refused
    /// unless --overwrite).
    #[arg(long, short = 'f')]
    pub force: bool,
    /// With --force: replace existing files whose content differs.
    #[arg(long, requires = "force")]
    pub overwrite: bool,
    /// Do not initialise a git repository in the destination.
    #[arg(long)]
    pub no_git: bool,
}

/// The `chora new --help` epilogue: examples, the default template's questions, exit status.
pub fn help_text() -> String {
    let mut text = String::from(
        "Examples:
  chora new my-package                      # prompts on a terminal for what it needs
  chora new my-package --defaults --data author_email=a@b.c --data github_owner=octo-org
  chora new my-package --data-file answers.yml --data pypi_auth_method=token
  chora new my-package --dry-run --defaults --data github_owner=octo-org
",
    );
    let names = source::embedded_names();
    text.push_str(&format!("\nTemplates: {}\n", names.join(", ")));
    if let Ok(template) = source::load_embedded("python-package") {
        text.push_str("\nQuestions of python-package (--data KEY=VALUE), in order:\n");
        for q in &template.spec.questions {
            let default = match &q.default {
                Some(yaml_serde::Value::String(d)) if !d.contains("{{") => format!(" = {d}"),
                Some(yaml_serde::Value::String(_)) => " = (derived)".to_string(),
                Some(other) => format!(
                    " = {}",
                    yaml_serde::to_string(other).unwrap_or_default().trim()
                ),
                None => String::new(),
            };
            let mut line = format!("  {}{default}", q.name);
            if !q.choices.is_empty() {
                line.push_str(&format!("  [{}]", q.choices.join(", ")));
            }
            if let Some(when) = &q.when {
                line.push_str(&format!("  (only when {when})"));
            }
            text.push_str(&format!("{line}\n      {}\n", q.help));
        }
    }
    text.push_str(
        "
Exit status:
  0  success
  2  bad or missing answers, non-empty destination, unsafe path, unknown template
  4  a file could not be written (permission denied, read-only file system, disk full)
  130  cancelled at a prompt; nothing was written",
    );
    text
}

/// Run `chora new`.
pub fn run(args: &NewArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    let dest = &args.dest;
    let plan = new::prepare(NewRequest {
        dest,
        template: &args.template,
        given: args.answers.given()?,
        asker: args.answers.asker(),
        force: args.force,
    })?;
    for (key, why) in &plan.resolved.ignored {
        out.warning(format!("{key}: {why}"));
    }
    if args.dry_run {
        print_plan(out, dest, &plan.template, &plan.planned, true);
        out.line(format!("create  seed    {}", answers_file::FILE_NAME));
        let replacing = plan.replacing().len();
        if replacing > 0 && !args.overwrite {
            out.line(format!(
                "\n{replacing} existing file(s) differ; writing would need --overwrite."
            ));
        }
        out.line("\nNothing was written (--dry-run).");
        return Ok(ExitStatus::Success);
    }
    let written = new::write(&plan, dest, args.overwrite, args.no_git)?;
    print_plan(out, dest, &plan.template, &plan.planned, false);
    let managed = plan.planned.iter().filter(|p| p.managed).count();
    out.line(format!(
        "\nCreated {} from template {} (chora {}): {} files, {} managed by chora.",
        dest.display(),
        plan.template.spec.name,
        crate::VERSION,
        plan.planned.len() + 1,
        managed
    ));
    if written.git_initialised {
        out.line(format!(
            "Initialised a git repository in {}.",
            dest.display()
        ));
    }
    print_next_steps(out, dest, &plan);
    Ok(ExitStatus::Success)
}

fn print_plan(
    out: &mut Output<'_>,
    dest: &Path,
    template: &Template,
    planned: &[Planned],
    dry_run: bool,
) {
    let verb = if dry_run { "Would write" } else { "Wrote" };
    out.line(format!(
        "{verb} into {} (template {}):",
        dest.display(),
        template.spec.name
    ));
    for item in planned {
        let action = match item.action {
            Action::Create => "create",
            Action::Unchanged => "same",
            Action::Replace => "replace",
        };
        let owner = if item.managed { "managed" } else { "seed" };
        out.line(format!("{action:<7} {owner:<7} {}", item.path));
    }
}

fn print_next_steps(out: &mut Output<'_>, dest: &Path, plan: &NewPlan) {
    let auth = plan.answer("pypi_auth_method");
    out.line("\nNext steps:");
    out.line(format!("  cd {}", dest.display()));
    if plan.tree.contains_key("pyproject.toml") {
        // chora cannot lock offline; CI and the release run `uv ... --locked`.
        out.line("  uv lock                        # write uv.lock (needs the network); commit it");
        out.line("  uv run pytest                  # run the tests");
    }
    match auth.as_deref() {
        Some("oidc") => {
            out.line("  open PYPI_SETUP.md             # register the trusted publisher on PyPI")
        }
        Some(_) => out.line("  open PYPI_SETUP.md             # add the PyPI token secret"),
        None => {}
    }
    out.line("  git add -A && git commit -m \"Initial commit from chora\"   # uv.lock included");
}
