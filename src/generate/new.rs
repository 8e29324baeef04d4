//! `chora new` as two stages over plain data: `prepare` (questions -> answers -> render in
//! memory -> plan) and `write` (files -> answers file -> git). The command layer
//! (`cli::chora::new`) parses the arguments and prints.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::inputs::{self, InputError};
use super::plan::{self, Action, Planned};
use super::project::ProjectError;
use crate::fs::FsError;
use crate::template::answers_file::{self, AnswersFile};
use crate::template::env;
use crate::template::render::{self, FileTree, GeneratedFile};
use crate::template::resolve::{self, Asker, Given, Resolved};
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

/// What to generate, and where.
pub struct NewRequest<'a, 'p> {
    pub dest: &'a Path,
    /// A built-in template's name, or a folder holding a template.yml.
    pub template: &'a str,
    /// Answers given up front (`--data-file`, `--data`).
    pub given: IndexMap<String, Given>,
    /// How missing answers are obtained.
    pub asker: Asker<'p>,
    /// Generate into a folder that is not empty.
    pub force: bool,
}

/// What `chora new` would write: the answers, the rendered tree, the answers file and, per
/// file, whether it is created, unchanged or would replace different content.
#[derive(Debug)]
pub struct NewPlan {
    pub template: Template,
    pub resolved: Resolved,
    pub tree: FileTree,
    pub record_text: String,
    pub planned: Vec<Planned>,
}

impl NewPlan {
    /// Existing files whose content differs from the render.
    pub fn replacing(&self) -> Vec<&Planned> {
        self.planned
            .iter()
            .filter(|p| p.action == Action::Replace)
            .collect()
    }

    /// The answer `key` as written on a command line, if the template asked it.
    pub fn answer(&self, key: &str) -> Option<String> {
        self.resolved.values.get(key).map(|v| v.to_cli())
    }
}

/// What writing did besides the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// A repository was initialised in the destination.
    pub git_initialised: bool,
}

/// Questions -> answers -> render (in memory) -> plan. Touches nothing.
pub fn prepare(request: NewRequest<'_, '_>) -> Result<NewPlan, NewError> {
    let template = load_template(request.template).map_err(ProjectError::from)?;
    let dest = request.dest;
    check_destination(dest, request.force)?;

    let facts = inputs::facts(dest)?;
    let env = env::build(&facts).map_err(ProjectError::Environment)?;
    let interactive = request.asker.prompts();
    let resolved = resolve::resolve(&template.spec, &env, &facts, &request.given, request.asker)
        .map_err(|problems| InputError::from_problems(problems, interactive))?;
    let context = resolve::context(&resolved.values, &facts);
    let tree =
        render::render(&template, &context, &facts).map_err(|source| ProjectError::Render {
            template: template.spec.name.clone(),
            source,
        })?;
    let record = answers_record(&template, request.template, dest, &resolved, &tree)?;
    let record_text = record.to_yaml().map_err(ProjectError::AnswersFileWrite)?;
    let planned = plan::plan(&tree, dest).map_err(NewError::UnsafeDestination)?;
    Ok(NewPlan {
        template,
        resolved,
        tree,
        record_text,
        planned,
    })
}

/// Write the plan: the files, the answers file last, then git (a repository unless DEST is in
/// one or `no_git`; the managed files' blobs stored). Refuses replacing different content —
/// an existing answers file included — unless `overwrite`, before anything is written. All or
/// nothing: a failure part-way undoes what was written.
pub fn write(
    plan: &NewPlan,
    dest: &Path,
    overwrite: bool,
    no_git: bool,
) -> Result<Written, NewError> {
    let mut replacing: Vec<String> = plan.replacing().iter().map(|p| p.path.clone()).collect();
    let answers_path = dest.join(answers_file::FILE_NAME);
    if crate::fs::read_regular(
        &answers_path,
        crate::fs::limits::ANSWERS_FILE,
        "the answers file",
    )
    .is_ok_and(|existing| existing != plan.record_text.as_bytes())
        || std::fs::symlink_metadata(&answers_path).is_ok_and(|m| !m.is_file())
    {
        replacing.push(answers_file::FILE_NAME.to_string());
    }
    if !replacing.is_empty() && !overwrite {
        return Err(NewError::Differ {
            dest: dest.to_path_buf(),
            paths: replacing,
        });
    }
    let mut journal = crate::fs::Journal::default();
    let result = write_all(plan, dest, no_git, &mut journal);
    if result.is_err() {
        journal.undo();
    }
    result
}

fn write_all(
    plan: &NewPlan,
    dest: &Path,
    no_git: bool,
    journal: &mut crate::fs::Journal,
) -> Result<Written, NewError> {
    write_tree(dest, &plan.tree, &plan.planned, journal)?;
    journal
        .write(
            &dest.join(answers_file::FILE_NAME),
            plan.record_text.as_bytes(),
        )
        .map_err(NewError::Write)?;
    store_in_git(dest, &plan.tree, no_git, journal)
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

/// The answers file; a template folder is recorded relative to the project (`../tpl`,
/// `./tpl`), so the record holds no machine path and check/update find it from the project.
fn answers_record(
    template: &Template,
    template_arg: &str,
    dest: &Path,
    resolved: &Resolved,
    tree: &FileTree,
) -> Result<AnswersFile, ProjectError> {
    let template_name = if is_folder_template(template_arg) {
        relative_to(dest, Path::new(template_arg))
    } else {
        template.spec.name.clone()
    };
    AnswersFile::record(&template_name, template, resolved, tree).map_err(ProjectError::Hash)
}

/// `target` relative to `base` (both made absolute), `/`-separated, starting with `./` or
/// `../`; the absolute path when they share no root (another drive).
fn relative_to(base: &Path, target: &Path) -> String {
    let (Ok(base), Ok(target)) = (std::path::absolute(base), std::path::absolute(target)) else {
        return target.display().to_string();
    };
    let normal = |p: &Path| -> Vec<std::ffi::OsString> {
        let mut out = Vec::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other.as_os_str().to_os_string()),
            }
        }
        out
    };
    let (b, t) = (normal(&base), normal(&target));
    if b.first() != t.first() {
        return target.display().to_string();
    }
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(t[common..].iter().map(|c| c.to_string_lossy().into_owned()));
    if parts.first().is_none_or(|p| p != "..") {
        parts.insert(0, ".".to_string());
    }
    parts.join("/")
}

fn write_tree(
    dest: &Path,
    tree: &FileTree,
    planned: &[Planned],
    journal: &mut crate::fs::Journal,
) -> Result<(), NewError> {
    for item in planned.iter().filter(|p| p.action != Action::Unchanged) {
        let Some(GeneratedFile { contents, .. }) = tree.get(&item.path) else {
            continue;
        };
        let target = crate::fs::safe_join(dest, &item.path).map_err(NewError::UnsafeDestination)?;
        journal.write(&target, contents).map_err(NewError::Write)?;
    }
    Ok(())
}

/// Initialise a repository unless DEST is inside one or --no-git; store the managed files'
/// blobs in the repository's object database so a later update has its merge base.
fn store_in_git(
    dest: &Path,
    tree: &FileTree,
    no_git: bool,
    journal: &mut crate::fs::Journal,
) -> Result<Written, NewError> {
    let git_failure = NewError::Git;
    let (repo, git_initialised) = match crate::git::discover(dest) {
        Some(repo) => (Some(repo), false),
        None if no_git => (None, false),
        None => {
            journal.created_tree(&dest.join(".git"));
            (Some(crate::git::init(dest).map_err(git_failure)?), true)
        }
    };
    if let Some(repo) = repo {
        for file in tree.values().filter(|f| f.managed) {
            crate::git::write_blob(&repo, &file.contents).map_err(git_failure)?;
        }
    }
    Ok(Written { git_initialised })
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn folder_templates_are_recorded_relative_to_the_project() {
        assert_eq!(
            relative_to(Path::new("/w/proj"), Path::new("/w/tpl")),
            "../tpl"
        );
        assert_eq!(
            relative_to(Path::new("/w/proj"), Path::new("/w/proj/t")),
            "./t"
        );
        assert_eq!(
            relative_to(Path::new("/w/a/b"), Path::new("/x/tpl/")),
            "../../../x/tpl"
        );
    }
}
