//! Comparing a rendered tree with a destination folder: which files are new, unchanged, or
//! would replace different content.

use std::path::Path;

use crate::fs::{FsError, check_no_symlink_parents, safe_join};
use crate::template::render::FileTree;

/// What writing one file would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Unchanged,
    /// The destination holds different content.
    Replace,
}

/// One planned file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: String,
    pub action: Action,
    pub managed: bool,
}

/// Plan writing `tree` under `dest`. Paths are checked for safety (no escapes, no symlinked
/// parents) before anything is written.
pub fn plan(tree: &FileTree, dest: &Path) -> Result<Vec<Planned>, FsError> {
    let mut out = Vec::with_capacity(tree.len());
    for (path, file) in tree {
        let target = safe_join(dest, path)?;
        check_no_symlink_parents(dest, path)?;
        let action = match std::fs::symlink_metadata(&target) {
            Err(_) => Action::Create,
            Ok(meta) if meta.is_file() => match std::fs::read(&target) {
                Ok(existing) if existing == file.contents => Action::Unchanged,
                _ => Action::Replace,
            },
            Ok(_) => Action::Replace,
        };
        out.push(Planned {
            path: path.clone(),
            action,
            managed: file.managed,
        });
    }
    Ok(out)
}

/// True when `dest` does not exist or is an empty folder (one holding only `.git/` counts).
pub fn is_empty_dir(dest: &Path) -> std::io::Result<bool> {
    match std::fs::read_dir(dest) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry?;
                // A fresh clone of an empty repository holds only `.git/`: that counts as empty.
                let is_git_dir = entry.file_name() == ".git" && entry.file_type()?.is_dir();
                if !is_git_dir {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e),
    }
}
