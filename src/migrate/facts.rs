//! What the trusted-publisher form on PyPI needs, gathered from the repository: owner and
//! repository from the git remote, the project name from pyproject.toml / setup.cfg / setup.py.

use std::path::Path;

/// Facts about the repository being migrated; `None` where they cannot be found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFacts {
    pub owner: Option<String>,
    pub repository: Option<String>,
    pub project_name: Option<String>,
}

/// Gather the facts of the repository at `root` (never fails: missing facts are `None`).
pub fn gather(_root: &Path) -> ProjectFacts {
    ProjectFacts::default()
}
