//! File-system safety: relative paths that cannot escape a root, and atomic writes.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why a path or a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("unsafe path {path:?}: {reason}")]
    UnsafePath { path: String, reason: &'static str },
    #[error("{path}: a parent folder is a symbolic link ({link}); refusing to write through it")]
    SymlinkParent { path: String, link: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Check one path component produced by rendering: it must be a plain name.
pub fn check_component(component: &str, whole: &str) -> Result<(), FsError> {
    let reason = if component.is_empty() {
        Some("empty path component")
    } else if component == "." || component == ".." {
        Some("'.' and '..' are not allowed")
    } else if component.contains(['/', '\\']) {
        Some("a rendered name contains a path separator")
    } else if component.contains('\0') {
        Some("a rendered name contains a NUL byte")
    } else if component.contains(':') && cfg!(windows) {
        Some("':' is not allowed in a file name on Windows")
    } else if component.eq_ignore_ascii_case(".git") {
        Some("writing into .git is not allowed")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(FsError::UnsafePath {
            path: whole.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Join a `/`-separated relative path onto `root`, refusing anything that could leave it.
pub fn safe_join(root: &Path, relative: &str) -> Result<PathBuf, FsError> {
    if relative.is_empty() || relative.starts_with('/') || relative.starts_with('\\') {
        return Err(FsError::UnsafePath {
            path: relative.to_string(),
            reason: "not a relative path",
        });
    }
    let mut out = root.to_path_buf();
    for part in relative.split('/') {
        check_component(part, relative)?;
        let as_path = Path::new(part);
        if !matches!(as_path.components().next(), Some(Component::Normal(_)))
            || as_path.components().count() != 1
        {
            return Err(FsError::UnsafePath {
                path: relative.to_string(),
                reason: "not a plain file name",
            });
        }
        out.push(part);
    }
    Ok(out)
}

/// Refuse to write when any existing folder between `root` and `path` is a symbolic link,
/// so a link planted in the destination cannot redirect writes outside it.
pub fn check_no_symlink_parents(root: &Path, relative: &str) -> Result<(), FsError> {
    let mut current = root.to_path_buf();
    let parts: Vec<&str> = relative.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        current.push(part);
        if let Ok(meta) = fs::symlink_metadata(&current) {
            if meta.file_type().is_symlink() {
                return Err(FsError::SymlinkParent {
                    path: relative.to_string(),
                    link: current.display().to_string(),
                });
            }
        } else {
            break;
        }
    }
    Ok(())
}

/// Write `contents` to `path` atomically: a temporary file in the same folder, then a rename.
/// Parent folders are created. An existing symlink at `path` is replaced, never followed.
pub fn write_atomic(path: &Path, contents: &[u8], executable: bool) -> Result<(), FsError> {
    let err = |source| FsError::Write {
        path: path.display().to_string(),
        source,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".chora-tmp-")
        .tempfile_in(parent)
        .map_err(err)?;
    tmp.write_all(contents).map_err(err)?;
    set_mode(tmp.path(), executable).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable { 0o755 } else { 0o644 };
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_join_accepts_plain_relative_paths() {
        let root = Path::new("/tmp/root");
        let joined = safe_join(root, "src/pkg/__init__.py").unwrap();
        assert_eq!(joined, Path::new("/tmp/root/src/pkg/__init__.py"));
    }

    #[test]
    fn safe_join_refuses_escapes() {
        let root = Path::new("/tmp/root");
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "./a",
            "a/.git/config",
            "",
        ] {
            assert!(safe_join(root, bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn component_with_separator_is_refused() {
        assert!(check_component("a/b", "a/b").is_err());
        assert!(check_component("a\\b", "a\\b").is_err());
        assert!(check_component("ok_name", "ok_name").is_ok());
    }

    #[test]
    fn write_atomic_creates_parents_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/c.txt");
        write_atomic(&path, b"one", false).unwrap();
        write_atomic(&path, b"two", false).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("a/b")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files are left behind");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_parent_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("src")).unwrap();
        assert!(check_no_symlink_parents(dir.path(), "src/x.py").is_err());
        assert!(check_no_symlink_parents(dir.path(), "other/x.py").is_ok());
    }
}
