//! Turning command-line arguments into distribution paths: files as given, folders and
//! `*` patterns expanded (hidden files and attestations left out), default `dist/*`.
//! Attestation files named on the command line (a shell's `dist/*` after signing) are not
//! distributions either: they are left out too, and found again next to their distribution.

use std::path::{Path, PathBuf};

/// Why the arguments name no distribution.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("no distributions in dist/ (build them first, e.g. `uv build`, or name the files)")]
    NoDefault,
    #[error("{arg} matches no file")]
    NoMatch { arg: String },
    #[error(
        "only attestation files were named: name the distributions (their attestations next to them are sent with --attestations)"
    )]
    OnlyAttestations,
    #[error("{path}: patterns are supported in the file name only")]
    PatternInDirectory { path: String },
    #[error("bad pattern {pattern:?}: {reason}")]
    BadPattern { pattern: String, reason: String },
    #[error("cannot read {dir}: {source}")]
    ReadDir { dir: String, source: std::io::Error },
}

/// Expand the arguments; an argument that matches nothing is an error (named).
pub fn expand(args: &[String]) -> Result<Vec<PathBuf>, DiscoverError> {
    let defaulted = args.is_empty();
    let args: Vec<String> = if defaulted {
        vec!["dist/*".to_string()]
    } else {
        args.to_vec()
    };
    let mut out = Vec::new();
    let mut attestations_given = false;
    for arg in &args {
        let path = Path::new(arg);
        let is_pattern = arg.contains(['*', '?', '[']);
        if !is_pattern && is_attestation(path) && path.is_file() {
            attestations_given = true;
            continue;
        }
        let found = if is_pattern {
            expand_pattern(path)?
        } else if path.is_dir() {
            list_dir(path, "*")?
        } else {
            vec![path.to_path_buf()]
        };
        if found.is_empty() {
            return Err(if defaulted {
                DiscoverError::NoDefault
            } else {
                DiscoverError::NoMatch { arg: arg.clone() }
            });
        }
        out.extend(found);
    }
    if out.is_empty() && attestations_given {
        return Err(DiscoverError::OnlyAttestations);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `<file>.<kind>.attestation`, e.g. `demo-1.0.tar.gz.publish.attestation` (PEP 740 files as
/// `pypi-attestations sign` and the PyPA action write them).
fn is_attestation(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".attestation"))
}

fn expand_pattern(path: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let pattern = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if dir.to_string_lossy().contains(['*', '?', '[']) {
        return Err(DiscoverError::PatternInDirectory {
            path: path.display().to_string(),
        });
    }
    list_dir(dir, &pattern)
}

fn list_dir(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, DiscoverError> {
    let glob = globset::Glob::new(pattern)
        .map_err(|e| DiscoverError::BadPattern {
            pattern: pattern.to_string(),
            reason: e.to_string(),
        })?
        .compile_matcher();
    let entries = std::fs::read_dir(dir).map_err(|source| DiscoverError::ReadDir {
        dir: dir.display().to_string(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if is_file
            && !name.starts_with('.')
            && !is_attestation(Path::new(&name))
            && glob.is_match(&name)
        {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Attestation files next to a distribution: `<file>.<kind>.attestation`.
pub fn attestations_for(dist: &Path) -> Vec<PathBuf> {
    let Some(name) = dist.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let dir = dist
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.starts_with(&format!("{name}.")) && n.ends_with(".attestation")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_patterns_and_skips_hidden_and_attestations() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a-1.0.tar.gz",
            "a-1.0-py3-none-any.whl",
            ".gitignore",
            "a-1.0.tar.gz.publish.attestation",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let pattern = format!("{}/*", dir.path().display());
        let found = expand(&[pattern]).unwrap();
        let names: Vec<String> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a-1.0-py3-none-any.whl", "a-1.0.tar.gz"]);
        assert_eq!(attestations_for(&dir.path().join("a-1.0.tar.gz")).len(), 1);
        assert!(expand(&[format!("{}/*.zip", dir.path().display())]).is_err());
    }

    #[test]
    fn attestation_files_named_by_a_shell_glob_are_not_distributions() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "a-1.0-py3-none-any.whl",
            "a-1.0-py3-none-any.whl.publish.attestation",
            "a-1.0.tar.gz",
            "a-1.0.tar.gz.publish.attestation",
        ];
        let args: Vec<String> = names
            .iter()
            .map(|n| {
                let path = dir.path().join(n);
                std::fs::write(&path, "x").unwrap();
                path.display().to_string()
            })
            .collect();
        let found = expand(&args).unwrap();
        assert_eq!(
            found,
            [dir.path().join(names[0]), dir.path().join(names[2])]
        );

        let only = expand(&[args[1].clone(), args[3].clone()])
            .unwrap_err()
            .to_string();
        assert!(only.contains("only attestation files"), "{only}");
    }
}
