//! Merge bases for `chora update`: the content chora last wrote for each managed file, found
//! by the blob id `.chora-answers.yml` records. A built-in template's base is rendered again
//! from the template history for the recorded answers and chora version (the blob id proves
//! it exact), so it survives fresh and shallow clones and `git gc`; the git object database is
//! the other source, and the only one for a folder template.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

use super::project::{self, Project};
use crate::template::env::Facts;
use crate::template::history::{self, History};

/// Where the bases of one project come from.
pub struct Bases<'a> {
    repo: Option<&'a git2::Repository>,
    project: &'a Project,
    /// Blob id -> content, rendered from the template history on first need.
    rendered: OnceCell<HashMap<String, Vec<u8>>>,
}

impl<'a> Bases<'a> {
    pub fn new(repo: Option<&'a git2::Repository>, project: &'a Project) -> Self {
        Bases {
            repo,
            project,
            rendered: OnceCell::new(),
        }
    }

    /// The content whose blob id is `id`, if it can be found or rendered again.
    pub fn get(&self, id: &str) -> Option<Vec<u8>> {
        self.repo
            .and_then(|r| crate::git::read_blob(r, id))
            .or_else(|| self.rendered().get(id).cloned())
    }

    /// Why a base could not be found, for the message next to a whole-file conflict.
    pub fn why_missing(&self) -> String {
        let record = &self.project.record;
        if project::is_folder_template(&record.template) {
            "the merge base is gone: for a folder template it is kept only as a git blob, which this clone does not have (a fresh or shallow clone, or `git gc`); the whole file is marked as a conflict. Run `chora update` where the blobs still are, or use a built-in template, whose bases chora renders again from its history".to_string()
        } else if record.chora_version == crate::VERSION {
            "the merge base could not be rebuilt: no template state this chora knows renders the content recorded for the answers (was the project made by a development build?), and git has no blob of it; the whole file is marked as a conflict".to_string()
        } else {
            format!(
                "the merge base could not be rebuilt: this chora ({}) has no history of the templates of chora {} that recorded it, and git has no blob of it; the whole file is marked as a conflict (resolve it, or run `chora update` with chora {} first)",
                crate::VERSION,
                record.chora_version,
                record.chora_version
            )
        }
    }

    fn rendered(&self) -> &HashMap<String, Vec<u8>> {
        self.rendered.get_or_init(|| render_bases(self.project))
    }
}

/// Render the recorded answers with every template state the recorded chora version could have
/// embedded (newest first) and keep the managed files whose blob ids the answers file records.
fn render_bases(project: &Project) -> HashMap<String, Vec<u8>> {
    let record = &project.record;
    let mut wanted: BTreeSet<&str> = record.files.values().map(String::as_str).collect();
    let mut found = HashMap::new();
    if project::is_folder_template(&record.template) || wanted.is_empty() {
        return found;
    }
    // The embedded template first: it is what this chora renders for its own version.
    let current = history::current_state_id().ok();
    if record.chora_version == crate::VERSION
        && let Some(tree) = project::render_recorded(&project.template, &project.facts, record)
    {
        keep(&tree, &mut wanted, &mut found);
    }
    let Ok(history) = History::embedded() else {
        return found;
    };
    for snapshot in history.of_version(&record.chora_version) {
        if wanted.is_empty() {
            break;
        }
        if record.chora_version == crate::VERSION && current.as_deref() == Some(&snapshot.id) {
            continue;
        }
        let Ok((template, release)) = history.template(snapshot, &record.template) else {
            continue;
        };
        let facts = Facts {
            release,
            ..project.facts.clone()
        };
        if let Some(tree) = project::render_recorded(&template, &facts, record) {
            keep(&tree, &mut wanted, &mut found);
        }
    }
    found
}

/// Move the managed files of `tree` whose blob ids are `wanted` into `found`.
fn keep(
    tree: &crate::template::render::FileTree,
    wanted: &mut BTreeSet<&str>,
    found: &mut HashMap<String, Vec<u8>>,
) {
    for file in tree.values().filter(|f| f.managed) {
        if let Ok(id) = crate::git::blob_id(&file.contents)
            && wanted.remove(id.as_str())
        {
            found.insert(id, file.contents.clone());
        }
    }
}
