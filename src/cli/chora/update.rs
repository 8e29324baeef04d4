//! `chora update`: its arguments and what it prints (per file: the verb, notes, and with
//! `--dry-run` the full diff); the work is `generate::update::{plan, apply}`.

use std::path::PathBuf;

use clap::Args;

use super::super::output::Output;
use crate::exit::{ExitStatus, Failure};
use crate::generate::diff;
use crate::generate::update::{self, Change, Outcome, UpdatePlan, UpdateRequest};
use crate::template::answers_file;

/// Arguments of `chora update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Project folder (holding .chora-answers.yml).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub answers: super::AnswerArgs,
    /// Print the full diff of every change; touch nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Run even when the git working tree has uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Render a folder template that .chora-answers.yml names (a template is code chora runs;
    /// the answers file may come from a pull request, so this is never implicit).
    #[arg(long, env = "CHORA_ALLOW_FOLDER_TEMPLATE")]
    pub allow_folder_template: bool,
}

/// Run `chora update`.
pub fn run(args: &UpdateArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    let refuse_dirty = !args.allow_dirty && !args.dry_run;
    let plan = update::plan(UpdateRequest {
        dir: &args.dir,
        changes: args.answers.given()?,
        asker: args.answers.asker(),
        refuse_dirty,
        allow_folder_template: args.allow_folder_template,
    })?;
    if refuse_dirty && plan.outside_git {
        out.warning(format!(
            "{} is not in a git repository: chora cannot refuse uncommitted changes there, and edited files of a folder template cannot be merged with their base",
            args.dir.display()
        ));
    }
    for path in &plan.not_managed {
        out.warning(super::check::not_managed_warning(path));
    }
    for (key, why) in &plan.ignored {
        out.warning(format!("{key}: {why}"));
    }
    for (key, note) in &plan.notes {
        out.warning(format!("{key}: {note}"));
    }
    let acting = plan.acting();
    let record_changes = plan.record_changes();
    if args.dry_run {
        print_changes(out, &acting, true, &plan);
        if record_changes {
            out.line(format!(
                "\n{}",
                diff::unified(
                    answers_file::FILE_NAME,
                    plan.old_record_text.as_bytes(),
                    plan.record_text.as_bytes(),
                    false
                )
            ));
        }
        if acting.is_empty() && !record_changes {
            out.line("Already up to date: nothing would change.");
        }
        out.line("\nNothing was written (--dry-run).");
        return Ok(plan.status());
    }

    update::apply(&plan)?;
    print_changes(out, &acting, false, &plan);
    let conflicts = plan.conflicts();
    if acting.is_empty() && !record_changes {
        out.line("Already up to date.");
    } else if !conflicts.is_empty() {
        out.line(format!(
            "\n{} file(s) have conflicts, marked with <<<<<<< ||||||| ======= >>>>>>>:",
            conflicts.len()
        ));
        for change in &conflicts {
            out.line(format!(
                "  {} ({} conflict(s))",
                change.path,
                change.conflicts()
            ));
        }
        out.line(
            "Resolve them (keep what you need between the markers, delete the markers), then run `chora check`.",
        );
    } else {
        out.line("\nUpdated; review with `git diff` and commit.");
    }
    Ok(plan.status())
}

fn print_changes(out: &mut Output<'_>, changes: &[&Change], with_diff: bool, plan: &UpdatePlan) {
    for change in changes {
        let owner = if change.managed { "managed" } else { "seed" };
        let note = match &change.outcome {
            Outcome::Merge {
                base_missing: true, ..
            } => format!(" ({})", plan.missing_base),
            Outcome::Unmergeable => {
                " (not UTF-8 text, so it cannot be merged: left as it is; restore it as text, or delete it and run `chora update` to get the new render)"
                    .to_string()
            }
            Outcome::KeepOrphan => {
                " (no longer generated, but edited: kept; delete it if you no longer need it)"
                    .to_string()
            }
            Outcome::KeepEditedSeed { .. } => {
                " (yours, edited since chora wrote it, so left as it is; the changed answers change its generated text as shown: apply what you need by hand)"
                    .to_string()
            }
            _ => String::new(),
        };
        out.line(format!(
            "{:<8} {owner:<7} {}{note}",
            change.verb(),
            change.path
        ));
        if let Outcome::KeepEditedSeed { old, new } = &change.outcome {
            out.text(diff::unified(&change.path, old, new, false));
        } else if with_diff {
            let before = change.before.clone().unwrap_or_default();
            let after = change.after().unwrap_or_default();
            if before != after {
                out.text(diff::unified(&change.path, &before, &after, false));
            }
        }
    }
}
