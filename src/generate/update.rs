//! `chora update`: bring a generated project to the current templates and/or changed answers.
//! Per managed file: unchanged since chora wrote it -> the new render; edited -> 3-way merge
//! (base = the content chora recorded, from `bases`: rendered again from the template history
//! or read from git; ours = disk, theirs = new render, action pins raised to the newer release
//! on both sides first), conflicts as markers; only newer action pins on disk -> kept. The
//! answers file is written last. Two stages over plain data, `plan` and `apply`; the command
//! layer (`cli::chora::update`) parses the arguments and prints.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::bases::Bases;
use super::drift::{self, FileDrift, State, id_of};
use super::inputs::InputError;
use super::merge::{self, Merged};
use super::pin_bumps;
use super::project::{self, ProjectError};
use crate::exit::ExitStatus;
use crate::fs::FsError;
use crate::template::answers_file::{self, AnswersFile};
use crate::template::render::FileTree;
use crate::template::resolve::{Asker, Given, Resolved};

/// Why `chora update` stopped.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Uncommitted changes (paths relative to the repository root).
    #[error("the git working tree has uncommitted changes:\n{}", crate::git::dirty_list(.0))]
    Dirty(Vec<String>),
    #[error("git status failed: {}", .0.message())]
    GitStatus(#[source] git2::Error),
    #[error("git: cannot store a blob: {}", .0.message())]
    StoreBlob(#[source] git2::Error),
    #[error(transparent)]
    Write(FsError),
    #[error("cannot delete {}: {source}", path.display())]
    Delete {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What update does to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to do (in sync, or only the user's edits differ from an unchanged template).
    Keep,
    /// Write the new render (the file was unchanged since chora wrote it, or is new/missing).
    Write { content: Vec<u8>, created: bool },
    /// Write the 3-way merge of the user's edits and the new render.
    Merge { merged: Merged, base_missing: bool },
    /// The template no longer generates the file and the user did not edit it.
    Delete,
    /// The template no longer generates the file, but it was edited: kept, reported.
    KeepOrphan,
    /// A seed file the changed answers render differently, edited since (it is not what the
    /// old answers render): kept as it is; `old` -> `new` is the change to apply by hand.
    KeepEditedSeed { old: Vec<u8>, new: Vec<u8> },
    /// The file on disk is not UTF-8 text, so it cannot be merged: left as it is and counted
    /// as a conflict for the user to resolve (never replaced by a lossy conversion).
    Unmergeable,
}

/// One file's planned change.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: String,
    pub managed: bool,
    pub before: Option<Vec<u8>>,
    pub outcome: Outcome,
}

impl Change {
    /// Content after the update (None = deleted or unchanged-absent).
    pub fn after(&self) -> Option<Vec<u8>> {
        match &self.outcome {
            Outcome::Keep
            | Outcome::KeepOrphan
            | Outcome::KeepEditedSeed { .. }
            | Outcome::Unmergeable => self.before.clone(),
            Outcome::Write { content, .. } => Some(content.clone()),
            Outcome::Merge { merged, .. } => Some(merged.text.clone().into_bytes()),
            Outcome::Delete => None,
        }
    }

    pub fn conflicts(&self) -> usize {
        match &self.outcome {
            Outcome::Merge { merged, .. } => merged.conflicts,
            Outcome::Unmergeable => 1,
            _ => 0,
        }
    }

    /// The word the command shows for this change.
    pub fn verb(&self) -> &'static str {
        match &self.outcome {
            Outcome::Keep => "keep",
            Outcome::Write { created: true, .. } => "create",
            Outcome::Write { .. } => "update",
            Outcome::Merge { merged, .. } if merged.conflicts > 0 => "CONFLICT",
            Outcome::Merge { .. } => "merge",
            Outcome::Delete => "delete",
            Outcome::KeepOrphan | Outcome::KeepEditedSeed { .. } => "kept",
            Outcome::Unmergeable => "CONFLICT",
        }
    }
}

/// Decide the change for one managed file. `base` reads a recorded blob's content.
pub fn plan_managed(file: &FileDrift, base: &dyn Fn(&str) -> Option<Vec<u8>>) -> Change {
    let disk_id = file.disk.as_deref().map(id_of);
    let outcome = match (&file.disk, &file.rendered) {
        (None, None) => Outcome::Keep,
        (None, Some(rendered)) => Outcome::Write {
            content: rendered.clone(),
            created: true,
        },
        (Some(disk), Some(rendered)) if disk == rendered => Outcome::Keep,
        // Only newer action pins (Dependabot's): nothing to bring over.
        (Some(_), Some(_)) if file.state == State::PinsNewer => Outcome::Keep,
        (Some(disk), Some(rendered)) => {
            if disk_id.is_some() && disk_id == file.recorded {
                Outcome::Write {
                    content: rendered.clone(),
                    created: false,
                }
            } else if file.recorded.as_deref() == Some(id_of(rendered).as_str()) {
                // Only the user changed the file; the template renders what it did before.
                Outcome::Keep
            } else if let Ok(disk_text) = std::str::from_utf8(disk) {
                let base_text = file.recorded.as_deref().and_then(base);
                let base_missing = base_text.is_none();
                let base_text = base_text.map(|b| String::from_utf8_lossy(&b).into_owned());
                // A CRLF file is merged as LF (as chora renders) and written back as CRLF.
                let crlf = merge::is_crlf(disk_text);
                let ours = if crlf {
                    disk_text.replace("\r\n", "\n")
                } else {
                    disk_text.to_string()
                };
                // A pin both sides moved (Dependabot on disk, a newer chora in the template)
                // takes the newer release on both sides, so it merges instead of conflicting.
                let (ours, theirs) =
                    pin_bumps::keep_newest(&ours, &String::from_utf8_lossy(rendered));
                let mut merged = merge::three_way(base_text.as_deref(), &ours, &theirs);
                if crlf {
                    merged.text = merged.text.replace('\n', "\r\n");
                }
                Outcome::Merge {
                    merged,
                    base_missing,
                }
            } else {
                Outcome::Unmergeable
            }
        }
        (Some(_), None) => {
            if disk_id.is_some() && disk_id == file.recorded {
                Outcome::Delete
            } else {
                Outcome::KeepOrphan
            }
        }
    };
    Change {
        path: file.path.clone(),
        managed: true,
        before: file.disk.clone(),
        outcome,
    }
}

/// Seed files are the user's, so update touches them only where nothing of theirs can be lost:
/// - a seed in the new render but not in the render of the previous answers is created when
///   missing (a seed the user deleted is never resurrected);
/// - a seed the changed answers render differently is rewritten when the file on disk is
///   exactly what the previous answers render (never edited: the answers own its text, e.g. the
///   README's publishing paragraph after a switch from a token to Trusted Publishing);
///   otherwise it is kept and reported with the change to apply by hand.
///
/// Template upgrades with unchanged answers render both sides with the same template and
/// answers, so they never touch a seed.
pub fn plan_seeds(dir: &Path, new_tree: &FileTree, old_tree: Option<&FileTree>) -> Vec<Change> {
    let Some(old_tree) = old_tree else {
        return Vec::new();
    };
    new_tree
        .iter()
        .filter(|(_, file)| !file.managed)
        .filter_map(|(path, file)| {
            let on_disk = crate::fs::safe_join(dir, path).ok()?;
            let Some(old) = old_tree.get(path) else {
                return std::fs::symlink_metadata(&on_disk)
                    .is_err()
                    .then(|| Change {
                        path: path.clone(),
                        managed: false,
                        before: None,
                        outcome: Outcome::Write {
                            content: file.contents.clone(),
                            created: true,
                        },
                    });
            };
            if old.contents == file.contents {
                return None;
            }
            // A regular file, never through a symbolic link, within the size limit; anything else
            // (missing, a link, a FIFO, too large) is left alone.
            let disk =
                crate::fs::read_under(dir, path, crate::fs::limits::MANAGED_FILE, "a seed file")
                    .ok()?;
            let outcome = if disk == old.contents {
                Outcome::Write {
                    content: file.contents.clone(),
                    created: false,
                }
            } else if disk == file.contents {
                return None;
            } else {
                Outcome::KeepEditedSeed {
                    old: old.contents.clone(),
                    new: file.contents.clone(),
                }
            };
            Some(Change {
                path: path.clone(),
                managed: false,
                before: Some(disk),
                outcome,
            })
        })
        .collect()
}

/// What to update, and how.
pub struct UpdateRequest<'a, 'p> {
    /// Project folder (holding .chora-answers.yml).
    pub dir: &'a Path,
    /// Changed answers (`--data-file`, `--data`).
    pub changes: IndexMap<String, Given>,
    /// How newly needed answers are obtained.
    pub asker: Asker<'p>,
    /// Refuse a git working tree with uncommitted changes.
    pub refuse_dirty: bool,
    /// Render a folder template named in the answers file.
    pub allow_folder_template: bool,
}

/// Everything `chora update` would do: one change per file, the new answers file, and why a
/// merge base was missing (if one was).
#[derive(Debug)]
pub struct UpdatePlan {
    pub dir: PathBuf,
    /// Every managed file and every newly required seed file, by path.
    pub changes: Vec<Change>,
    pub record_text: String,
    pub old_record_text: String,
    /// Given keys ignored because their question does not apply.
    pub ignored: Vec<(String, String)>,
    /// Notes on recorded answers kept only because they were recorded (end-of-life Pythons).
    pub notes: Vec<(String, String)>,
    /// Why a merged file's base could not be found (shown next to whole-file conflicts).
    pub missing_base: String,
    /// Not in a git repository: nothing could be checked for uncommitted changes.
    pub outside_git: bool,
    /// Paths the answers file lists that the template does not manage (left alone).
    pub not_managed: Vec<String>,
    new_tree: FileTree,
}

impl UpdatePlan {
    /// The changes that do something (not `Keep`).
    pub fn acting(&self) -> Vec<&Change> {
        self.changes
            .iter()
            .filter(|c| !matches!(c.outcome, Outcome::Keep))
            .collect()
    }

    /// The changes with conflict markers.
    pub fn conflicts(&self) -> Vec<&Change> {
        self.changes.iter().filter(|c| c.conflicts() > 0).collect()
    }

    /// The answers file changes.
    pub fn record_changes(&self) -> bool {
        self.record_text != self.old_record_text
    }

    /// 0 when every file merged cleanly, 1 when conflicts were (or would be) written.
    pub fn status(&self) -> ExitStatus {
        if self.conflicts().is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Problem
        }
    }
}

/// Load the project, resolve the answers with the changes, render, and decide every file's
/// change (3-way merges included, in memory). Touches nothing.
pub fn plan(request: UpdateRequest<'_, '_>) -> Result<UpdatePlan, UpdateError> {
    let dir = request.dir;
    let project = project::load(dir, request.allow_folder_template)?;
    let repo = crate::git::discover(dir);
    if request.refuse_dirty
        && let Some(repo) = &repo
    {
        let dirty = crate::git::dirty_paths(repo, dir).map_err(UpdateError::GitStatus)?;
        if !dirty.is_empty() {
            return Err(UpdateError::Dirty(dirty));
        }
    }
    let interactive = request.asker.prompts();
    let resolved = project.resolve(&project.given(request.changes), request.asker, interactive)?;
    let new_tree = project.render(&resolved)?;
    let old_tree = project
        .resolve(&project.given(Default::default()), Asker::Defaults, false)
        .and_then(|old| project.render(&old))
        .ok();

    let (recorded, not_managed) = project.managed_record()?;
    let files = drift::compare(dir, &recorded, &new_tree).map_err(ProjectError::Read)?;
    let bases = Bases::new(repo.as_ref(), &project);
    let read_base = |id: &str| bases.get(id);
    let mut changes: Vec<Change> = files.iter().map(|f| plan_managed(f, &read_base)).collect();
    changes.extend(plan_seeds(dir, &new_tree, old_tree.as_ref()));
    changes.sort_by(|a, b| a.path.cmp(&b.path));

    let record = new_record(&project.record, &project.template, &resolved, &new_tree)?;
    let record_text = record.to_yaml().map_err(ProjectError::AnswersFileWrite)?;
    // project::load read this same file; a race that changed it only shows in the diff.
    let old_record_text = crate::fs::read_regular_text(
        &dir.join(answers_file::FILE_NAME),
        crate::fs::limits::ANSWERS_FILE,
        "the answers file",
    )
    .unwrap_or_default();
    let base_missing = changes.iter().any(|c| {
        matches!(
            c.outcome,
            Outcome::Merge {
                base_missing: true,
                ..
            }
        )
    });
    Ok(UpdatePlan {
        dir: dir.to_path_buf(),
        changes,
        record_text,
        old_record_text,
        ignored: resolved.ignored,
        notes: resolved.notes,
        missing_base: if base_missing {
            bases.why_missing()
        } else {
            String::new()
        },
        outside_git: repo.is_none(),
        not_managed,
        new_tree,
    })
}

/// Write the plan: every acting change, the managed files' blobs into git (when in a
/// repository), and the answers file last.
pub fn apply(plan: &UpdatePlan) -> Result<(), UpdateError> {
    let dir = &plan.dir;
    for change in plan.acting() {
        apply_change(dir, change)?;
    }
    if let Some(repo) = crate::git::discover(dir) {
        for file in plan.new_tree.values().filter(|f| f.managed) {
            crate::git::write_blob(&repo, &file.contents).map_err(UpdateError::StoreBlob)?;
        }
    }
    if plan.record_changes() {
        crate::fs::write_atomic(
            &dir.join(answers_file::FILE_NAME),
            plan.record_text.as_bytes(),
            false,
        )
        .map_err(UpdateError::Write)?;
    }
    Ok(())
}

fn new_record(
    old: &AnswersFile,
    template: &crate::template::source::Template,
    resolved: &Resolved,
    tree: &FileTree,
) -> Result<AnswersFile, ProjectError> {
    AnswersFile::record(&old.template, template, resolved, tree).map_err(ProjectError::Hash)
}

fn apply_change(dir: &Path, change: &Change) -> Result<(), UpdateError> {
    let target = crate::fs::safe_join(dir, &change.path).map_err(UpdateError::Write)?;
    crate::fs::check_no_symlink_parents(dir, &change.path).map_err(UpdateError::Write)?;
    match change.after() {
        Some(content) if Some(&content) != change.before.as_ref() => {
            crate::fs::write_atomic(&target, &content, false).map_err(UpdateError::Write)?;
        }
        Some(_) => {}
        None => {
            if change.before.is_some() {
                std::fs::remove_file(&target).map_err(|source| UpdateError::Delete {
                    path: target.clone(),
                    source,
                })?;
            }
        }
    }
    Ok(())
}
