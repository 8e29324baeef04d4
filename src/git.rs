//! Git facts and object storage through libgit2: finding or creating the repository around a
//! destination, blob ids of generated files, configuration and the GitHub remote.

use std::path::Path;

use git2::{ObjectType, Oid, Repository};

/// The git blob id (sha1 hex) of `contents`, as `git hash-object` computes it.
pub fn blob_id(contents: &[u8]) -> Result<String, git2::Error> {
    Ok(Oid::hash_object(ObjectType::Blob, contents)?.to_string())
}

/// The repository that contains `path` (which may not exist yet: its nearest existing
/// ancestor is searched from).
pub fn discover(path: &Path) -> Option<Repository> {
    let mut probe = path;
    loop {
        if probe.exists() {
            return Repository::discover(probe).ok();
        }
        probe = probe.parent()?;
    }
}

/// Create a repository at `path` with `main` as the initial branch.
pub fn init(path: &Path) -> Result<Repository, git2::Error> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main").mkpath(true);
    Repository::init_opts(path, &opts)
}

/// Store `contents` as a blob in the repository's object database.
pub fn write_blob(repo: &Repository, contents: &[u8]) -> Result<String, git2::Error> {
    Ok(repo.blob(contents)?.to_string())
}

/// Read string values from the user's git configuration; missing keys are left out.
pub fn config_values(keys: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    if let Ok(config) = git2::Config::open_default() {
        for key in keys {
            if let Ok(value) = config.get_string(key) {
                out.insert((*key).to_string(), value);
            }
        }
    }
    out
}

/// GitHub owner and repository of the `origin` remote, if it points at github.com.
pub fn github_remote(repo: &Repository) -> Option<(String, String)> {
    let remote = repo.find_remote("origin").ok()?;
    parse_github_url(remote.url().ok()?)
}

/// Parse `https://github.com/o/r(.git)`, `git@github.com:o/r(.git)` or `ssh://git@github.com/o/r`.
pub fn parse_github_url(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("https://github.com/")
        .or_else(|| url.strip_prefix("http://github.com/"))
        .or_else(|| url.strip_prefix("git@github.com:"))
        .or_else(|| url.strip_prefix("ssh://git@github.com/"))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (owner, repo) = rest.split_once('/')?;
    if owner.is_empty() || repo.is_empty() || repo.contains('/') {
        return None;
    }
    Some((owner.to_string(), repo.to_string()))
}

/// Read a blob's content by id; `None` when the object is not in the database.
pub fn read_blob(repo: &Repository, id: &str) -> Option<Vec<u8>> {
    let oid = Oid::from_str(id).ok()?;
    repo.find_blob(oid).ok().map(|b| b.content().to_vec())
}

/// At most ten dirty paths, indented one per line, then a count of the rest.
pub fn dirty_list(paths: &[String]) -> String {
    let mut lines: Vec<String> = paths.iter().take(10).map(|p| format!("  {p}")).collect();
    if paths.len() > 10 {
        lines.push(format!("  … and {} more", paths.len() - 10));
    }
    lines.join("\n")
}

/// Paths (relative to the repository root) with uncommitted changes or untracked files under
/// `dir`; ignored files do not count.
pub fn dirty_paths(repo: &Repository, dir: &Path) -> Result<Vec<String>, git2::Error> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| git2::Error::from_str("bare repository"))?;
    let workdir = std::fs::canonicalize(workdir).unwrap_or_else(|_| workdir.to_path_buf());
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let prefix = dir
        .strip_prefix(&workdir)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter_map(|entry| entry.path().ok().map(str::to_string))
        .filter(|path| prefix.is_empty() || path.starts_with(&format!("{prefix}/")))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_matches_git_hash_object() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"hello\n").unwrap(),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }

    #[test]
    fn parses_github_remotes() {
        let want = Some(("octo".to_string(), "pkg".to_string()));
        assert_eq!(parse_github_url("https://github.com/octo/pkg.git"), want);
        assert_eq!(parse_github_url("git@github.com:octo/pkg.git"), want);
        assert_eq!(parse_github_url("ssh://git@github.com/octo/pkg"), want);
        assert_eq!(parse_github_url("https://gitlab.com/octo/pkg"), None);
    }

    #[test]
    fn written_blobs_are_readable() {
        let dir = tempfile::tempdir().unwrap();
        let repo = init(dir.path()).unwrap();
        let id = write_blob(&repo, b"content\n").unwrap();
        assert_eq!(id, blob_id(b"content\n").unwrap());
        let blob = repo.find_blob(Oid::from_str(&id).unwrap()).unwrap();
        assert_eq!(blob.content(), b"content\n");
    }
}
