//! File-system safety: relative paths that cannot escape a root, bounded reads of regular files
//! only (never through a symbolic link, never a FIFO or device), and atomic writes.

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

/// Size limits of the local files chora reads (named in errors and docs/security.md).
pub mod limits {
    /// `.chora-answers.yml`.
    pub const ANSWERS_FILE: u64 = 1 << 20;
    /// A `--data-file`.
    pub const DATA_FILE: u64 = 1 << 20;
    /// One managed file read for `check` / `update`.
    pub const MANAGED_FILE: u64 = 4 << 20;
    /// One file of a folder template (`template.yml` included).
    pub const TEMPLATE_FILE: u64 = 4 << 20;
    /// All files of a folder template together.
    pub const TEMPLATE_TOTAL: u64 = 32 << 20;
    /// Files in a folder template.
    pub const TEMPLATE_FILES: usize = 2000;
}

/// Why a local file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path} is a symbolic link; chora does not read through symbolic links")]
    Symlink { path: String },
    #[error(
        "{path}: a parent folder is a symbolic link ({link}); chora does not read through symbolic links"
    )]
    SymlinkParent { path: String, link: String },
    #[error("{path} is not a regular file (it is {kind})")]
    NotRegular { path: String, kind: &'static str },
    #[error("{path} is larger than {limit} bytes, the limit for {what}")]
    TooLarge {
        path: String,
        limit: u64,
        what: &'static str,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ReadError {
    /// The file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// An I/O failure of the machine (not a refusal of what the path is).
    pub fn is_io(&self) -> bool {
        matches!(self, ReadError::Io { .. })
    }
}

/// What a non-regular file is, for messages: "a FIFO", "a device", "a socket", "a folder".
pub fn kind_of(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Read `path` if it is a regular file (not a symbolic link, FIFO, device or folder) of at most
/// `limit` bytes. `what` names the file in the size error ("a --data-file").
pub fn read_regular(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |source| ReadError::Io {
        path: shown.clone(),
        source,
    };
    let meta = fs::symlink_metadata(path).map_err(io)?;
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        return Err(ReadError::Symlink { path: shown });
    }
    if !file_type.is_file() {
        return Err(ReadError::NotRegular {
            path: shown,
            kind: kind_of(&file_type),
        });
    }
    let too_large = || ReadError::TooLarge {
        path: shown.clone(),
        limit,
        what,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = open_no_follow(path).map_err(io)?;
    // The file may have grown (or been swapped) since the check: read at most limit + 1.
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_regular(path, limit, what)?;
    String::from_utf8(bytes).map_err(|_| ReadError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// Read `relative` under `root` with [`read_regular`], refusing a symbolic link anywhere
/// between `root` and the file.
pub fn read_under(
    root: &Path,
    relative: &str,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, ReadError> {
    let target = safe_join(root, relative).map_err(|e| ReadError::Io {
        path: relative.to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })?;
    if let Err(FsError::SymlinkParent { path, link }) = check_no_symlink_parents(root, relative) {
        return Err(ReadError::SymlinkParent { path, link });
    }
    read_regular(&target, limit, what)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NOFOLLOW | O_NONBLOCK: a link swapped in after the check is refused, and a FIFO swapped
    // in cannot block the open.
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<fs::File> {
    fs::File::open(path)
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

/// What a multi-file write changed, so a failure part-way can be undone and leave the
/// destination as it was (files created are removed, files replaced get their old content
/// back, folders created are removed when empty).
#[derive(Debug, Default)]
pub struct Journal {
    created_files: Vec<PathBuf>,
    replaced: Vec<(PathBuf, Vec<u8>)>,
    created_dirs: Vec<PathBuf>,
}

impl Journal {
    /// [`write_atomic`], remembering what it changes.
    pub fn write(&mut self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        let mut missing = Vec::new();
        let mut probe = path.parent();
        while let Some(dir) = probe {
            if dir.as_os_str().is_empty() || fs::symlink_metadata(dir).is_ok() {
                break;
            }
            missing.push(dir.to_path_buf());
            probe = dir.parent();
        }
        // Deepest last here; undone deepest first.
        self.created_dirs.extend(missing.into_iter().rev());
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => {
                let old = fs::read(path).map_err(|source| FsError::Write {
                    path: path.display().to_string(),
                    source,
                })?;
                self.replaced.push((path.to_path_buf(), old));
            }
            Ok(_) => {}
            Err(_) => self.created_files.push(path.to_path_buf()),
        }
        write_atomic(path, contents, false)
    }

    /// A folder created outside [`Journal::write`] (such as `.git`), removed whole on undo.
    pub fn created_tree(&mut self, dir: &Path) {
        self.created_dirs.push(dir.to_path_buf());
    }

    /// Undo every change, newest first; best effort (what cannot be undone stays).
    pub fn undo(self) {
        for path in self.created_files.iter().rev() {
            let _ = fs::remove_file(path);
        }
        for (path, old) in self.replaced.iter().rev() {
            let _ = write_atomic(path, old, false);
        }
        for dir in self.created_dirs.iter().rev() {
            if dir.file_name().is_some_and(|n| n == ".git") {
                let _ = fs::remove_dir_all(dir);
            } else {
                let _ = fs::remove_dir(dir);
            }
        }
    }
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
