//! `chora new`: questions -> answers -> render (in memory) -> plan -> write -> git.

use std::path::{Path, PathBuf};

use clap::Args;

use super::inputs::{self, InputError};
use super::plan::{self, Action, Planned};
use super::project::ProjectError;
use crate::exit::ExitStatus;
use crate::fs::FsError;
use crate::template::answers_file::{self, AnswersFile};
use crate::template::env;
use crate::template::render::{self, FileTree, GeneratedFile};
use crate::template::resolve::{self, Resolved};
use crate::template::source::{self, Template};

/// Why `chora new` stopped.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error("{} exists and is not a folder", .0.display())]
    NotAFolder(PathBuf),
    #[error("{} is not empty", .0.display())]
    NotEmpty(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    ReadDestination {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The destination leads through a symbolic link, or a rendered path is unsafe.
    #[error(transparent)]
    UnsafeDestination(FsError),
    #[error("{} file(s) in {} already exist with different content:\n{}", paths.len(), dest.display(), paths.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Differ { dest: PathBuf, paths: Vec<String> },
    /// Writing a file failed (some files before it may have been written).
    #[error(transparent)]
    Write(FsError),
    #[error("git: {}", .0.message())]
    Git(#[source] git2::Error),
}

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
    pub answers: inputs::AnswerArgs,
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

/// True when `spec` (a `--template` value, as the answers file records it) names a folder
/// rather than a built-in template.
pub fn is_folder_template(spec: &str) -> bool {
    spec.contains(['/', '\\']) || Path::new(spec).join(source::SPEC_FILE).is_file()
}

/// Load a template given by name or folder.
pub fn load_template(spec: &str) -> Result<Template, source::SourceError> {
    if is_folder_template(spec) {
        source::load_dir(Path::new(spec))
    } else {
        source::load_embedded(spec)
    }
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

pub fn run(args: &NewArgs) -> Result<ExitStatus, NewError> {
    let template = load_template(&args.template).map_err(ProjectError::from)?;
    let dest = &args.dest;
    check_destination(dest, args.force)?;

    let facts = inputs::facts(dest);
    let given = args.answers.given()?;
    let env = env::build(&facts).map_err(ProjectError::Environment)?;
    let asker = args.answers.asker();
    let interactive = asker.prompts();
    let resolved = resolve::resolve(&template.spec, &env, &facts, &given, asker)
        .map_err(|problems| InputError::from_problems(problems, interactive))?;
    for (key, why) in &resolved.ignored {
        eprintln!("warning: {key}: {why}");
    }

    let context = resolve::context(&resolved.values, &facts);
    let mut tree =
        render::render(&template, &context, &facts).map_err(|source| ProjectError::Render {
            template: template.spec.name.clone(),
            source,
        })?;
    let record = answers_record(&template, &args.template, &resolved, &tree)?;
    let record_text = record.to_yaml().map_err(ProjectError::AnswersFileWrite)?;

    let planned = plan::plan(&tree, dest).map_err(NewError::UnsafeDestination)?;
    let replacing: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.action == Action::Replace)
        .collect();

    if args.dry_run {
        print_plan(dest, &template, &planned, true);
        println!("create  seed    {}", answers_file::FILE_NAME);
        if !replacing.is_empty() && !args.overwrite {
            println!(
                "\n{} existing file(s) differ; writing would need --overwrite.",
                replacing.len()
            );
        }
        println!("\nNothing was written (--dry-run).");
        return Ok(ExitStatus::Success);
    }
    if !replacing.is_empty() && !args.overwrite {
        return Err(NewError::Differ {
            dest: dest.to_path_buf(),
            paths: replacing.iter().map(|p| p.path.clone()).collect(),
        });
    }

    write_tree(dest, &mut tree, &planned)?;
    crate::fs::write_atomic(
        &dest.join(answers_file::FILE_NAME),
        record_text.as_bytes(),
        false,
    )
    .map_err(NewError::Write)?;
    let git_note = store_in_git(dest, &tree, args.no_git)?;

    print_plan(dest, &template, &planned, false);
    let managed = planned.iter().filter(|p| p.managed).count();
    println!(
        "\nCreated {} from template {} (chora {}): {} files, {} managed by chora.",
        dest.display(),
        template.spec.name,
        crate::VERSION,
        planned.len() + 1,
        managed
    );
    if let Some(note) = git_note {
        println!("{note}");
    }
    print_next_steps(dest, &resolved, tree.contains_key("pyproject.toml"));
    Ok(ExitStatus::Success)
}

fn check_destination(dest: &Path, force: bool) -> Result<(), NewError> {
    if dest.exists() && !dest.is_dir() {
        return Err(NewError::NotAFolder(dest.to_path_buf()));
    }
    let empty = plan::is_empty_dir(dest).map_err(|source| NewError::ReadDestination {
        path: dest.to_path_buf(),
        source,
    })?;
    if !empty && !force {
        return Err(NewError::NotEmpty(dest.to_path_buf()));
    }
    Ok(())
}

/// The answers file; a template folder is recorded as an absolute path, so check/update find
/// it from inside the project too.
fn answers_record(
    template: &Template,
    template_arg: &str,
    resolved: &Resolved,
    tree: &FileTree,
) -> Result<AnswersFile, ProjectError> {
    let template_name = if source::embedded_names().iter().any(|n| n == template_arg) {
        template.spec.name.clone()
    } else {
        std::path::absolute(template_arg)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| template_arg.to_string())
    };
    AnswersFile::record(&template_name, template, resolved, tree).map_err(ProjectError::Hash)
}

fn write_tree(dest: &Path, tree: &mut FileTree, planned: &[Planned]) -> Result<(), NewError> {
    for item in planned.iter().filter(|p| p.action != Action::Unchanged) {
        let Some(GeneratedFile { contents, .. }) = tree.get(&item.path) else {
            continue;
        };
        let target = crate::fs::safe_join(dest, &item.path).map_err(NewError::UnsafeDestination)?;
        crate::fs::write_atomic(&target, contents, false).map_err(NewError::Write)?;
    }
    Ok(())
}

/// Initialise a repository unless DEST is inside one or --no-git; store the managed files'
/// blobs in the repository's object database so a later update has its merge base.
fn store_in_git(dest: &Path, tree: &FileTree, no_git: bool) -> Result<Option<String>, NewError> {
    let git_failure = NewError::Git;
    let (repo, note) = match crate::git::discover(dest) {
        Some(repo) => (Some(repo), None),
        None if no_git => (None, None),
        None => (
            Some(crate::git::init(dest).map_err(git_failure)?),
            Some(format!(
                "Initialised a git repository in {}.",
                dest.display()
            )),
        ),
    };
    if let Some(repo) = repo {
        for file in tree.values().filter(|f| f.managed) {
            crate::git::write_blob(&repo, &file.contents).map_err(git_failure)?;
        }
    }
    Ok(note)
}

fn print_plan(dest: &Path, template: &Template, planned: &[Planned], dry_run: bool) {
    let verb = if dry_run { "Would write" } else { "Wrote" };
    println!(
        "{verb} into {} (template {}):",
        dest.display(),
        template.spec.name
    );
    for item in planned {
        let action = match item.action {
            Action::Create => "create",
            Action::Unchanged => "same",
            Action::Replace => "replace",
        };
        let owner = if item.managed { "managed" } else { "seed" };
        println!("{action:<7} {owner:<7} {}", item.path);
    }
}

fn print_next_steps(dest: &Path, resolved: &Resolved, python: bool) {
    let oidc = resolved
        .values
        .get("pypi_auth_method")
        .is_some_and(|v| v.to_cli() == "oidc");
    println!("\nNext steps:");
    println!("  cd {}", dest.display());
    if python {
        println!("  uv run pytest                  # run the tests");
    }
    if oidc {
        println!("  open PYPI_SETUP.md             # register the trusted publisher on PyPI");
    } else if resolved.values.contains_key("pypi_auth_method") {
        println!("  open PYPI_SETUP.md             # add the PyPI token secret");
    }
    println!("  git add -A && git commit -m \"Initial commit from chora\"");
}
