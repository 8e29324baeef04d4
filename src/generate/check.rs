//! `chora check`'s comparison: re-render in memory from `.chora-answers.yml` and classify
//! every managed file against the disk (seed files are never compared). The command layer
//! (`cli::chora::check`) prints the report.

use indexmap::IndexMap;

use super::diff;
use super::drift::{self, FileDrift, State};
use super::project;
use crate::template::resolve::Asker;

/// A project compared with what this chora renders for it.
#[derive(Debug)]
pub struct Drifts {
    pub project: project::Project,
    /// Every managed path, classified.
    pub files: Vec<FileDrift>,
    /// Paths the answers file lists that the template does not manage (ignored).
    pub not_managed: Vec<String>,
    /// Notes on recorded answers kept only because they were recorded (end-of-life Pythons).
    pub notes: Vec<(String, String)>,
}

/// Compare the project's managed files with what this chora renders.
pub fn drifts(
    dir: &std::path::Path,
    allow_folder_template: bool,
) -> Result<Drifts, project::ProjectError> {
    let project = project::load(dir, allow_folder_template)?;
    let given = project.given(IndexMap::new());
    let resolved = project.resolve(&given, Asker::Defaults, false)?;
    let tree = project.render(&resolved)?;
    let (recorded, not_managed) = project.managed_record()?;
    let files = drift::compare(dir, &recorded, &tree).map_err(project::ProjectError::Read)?;
    Ok(Drifts {
        project,
        files,
        not_managed,
        notes: resolved.notes,
    })
}

/// The diff shown for a drifted file: from the disk to what chora generates.
pub fn file_diff(file: &FileDrift, color: bool) -> Option<String> {
    let disk = file.disk.as_deref().unwrap_or_default();
    let rendered = file.rendered.as_deref().unwrap_or_default();
    (file.state != State::InSync).then(|| diff::unified(&file.path, disk, rendered, color))
}
