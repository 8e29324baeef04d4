//! Classifying each managed file of a project against the recorded blob id (what chora wrote)
//! and the current render (what this chora would write).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::template::render::FileTree;

/// How a managed file relates to what chora wrote and what it renders now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Disk equals the current render.
    InSync,
    /// Disk equals the current render but for actions pinned to newer releases (Dependabot's
    /// bumps): not drift.
    PinsNewer,
    /// Disk differs from what chora wrote; the template renders the same as then.
    EditedLocally,
    /// Disk is what chora wrote, but this chora renders something else: an update is available.
    TemplateChanged,
    /// Edited locally and the template changed.
    Both,
    /// A recorded managed file was deleted.
    Missing,
    /// The template generates a managed file the project does not have yet.
    New,
    /// The template no longer generates a recorded file that is still on disk.
    NoLongerGenerated,
}

impl State {
    pub fn describe(self) -> &'static str {
        match self {
            State::InSync => "in sync",
            State::PinsNewer => "in sync but for actions pinned to newer releases",
            State::EditedLocally => "edited locally",
            State::TemplateChanged => "template changed",
            State::Both => "edited locally and template changed",
            State::Missing => "missing",
            State::New => "new in the template",
            State::NoLongerGenerated => "no longer generated",
        }
    }

    /// Whether a file in this state makes `chora check` fail.
    pub fn is_drift(self) -> bool {
        !matches!(self, State::InSync | State::PinsNewer)
    }

    /// The next step for a file in this state.
    pub fn next_step(self) -> &'static str {
        match self {
            State::InSync => "",
            State::PinsNewer => {
                "nothing: a later chora release with these pins (or newer) brings the file back in sync"
            }
            State::EditedLocally => {
                "move the change into the answers (`chora update --data KEY=VALUE`) or restore the file (`git checkout -- FILE`)"
            }
            State::TemplateChanged | State::New | State::NoLongerGenerated => {
                "run `chora update` to apply the template"
            }
            State::Both => "run `chora update`: your edits are merged with the template's",
            State::Missing => "restore it with `chora update` (or `git checkout -- FILE`)",
        }
    }
}

/// One managed file's comparison.
#[derive(Debug, Clone)]
pub struct FileDrift {
    pub path: String,
    pub state: State,
    /// Content on disk, if any.
    pub disk: Option<Vec<u8>>,
    /// What this chora renders, if it still generates the file.
    pub rendered: Option<Vec<u8>>,
    /// Blob id recorded when chora last wrote the file.
    pub recorded: Option<String>,
}

/// Compare every managed path (recorded or rendered) with the disk under `dir`.
pub fn compare(
    dir: &Path,
    recorded: &BTreeMap<String, String>,
    tree: &FileTree,
) -> Result<Vec<FileDrift>, crate::fs::ReadError> {
    let mut paths: BTreeSet<&String> = recorded.keys().collect();
    paths.extend(tree.iter().filter(|(_, f)| f.managed).map(|(p, _)| p));
    let mut out = Vec::new();
    for path in paths {
        // Never through a symbolic link, never a FIFO or device, never more than the limit:
        // a pull request controls these files and CI prints their diffs.
        let disk = match crate::fs::read_under(
            dir,
            path,
            crate::fs::limits::MANAGED_FILE,
            "a managed file",
        ) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let rendered = tree
            .get(path)
            .filter(|f| f.managed)
            .map(|f| f.contents.clone());
        let recorded_id = recorded.get(path).cloned();
        let state = classify(disk.as_deref(), rendered.as_deref(), recorded_id.as_deref());
        out.push(FileDrift {
            path: path.clone(),
            state,
            disk,
            rendered,
            recorded: recorded_id,
        });
    }
    Ok(out)
}

/// The git blob id of `bytes` (empty if libgit2 cannot hash, which it always can in memory).
pub fn id_of(bytes: &[u8]) -> String {
    crate::git::blob_id(bytes).unwrap_or_default()
}

fn classify(disk: Option<&[u8]>, rendered: Option<&[u8]>, recorded: Option<&str>) -> State {
    match (disk, rendered) {
        (None, None) => State::InSync,
        (Some(_), None) => State::NoLongerGenerated,
        (None, Some(_)) => {
            if recorded.is_some() {
                State::Missing
            } else {
                State::New
            }
        }
        (Some(disk), Some(rendered)) if disk == rendered => State::InSync,
        (Some(disk), Some(rendered)) if super::pin_bumps::newer_pins_only(disk, rendered) => {
            State::PinsNewer
        }
        (Some(disk), Some(rendered)) => {
            let Some(base) = recorded else {
                // The template now manages a file the user already had.
                return State::Both;
            };
            let edited = id_of(disk) != base;
            let changed = id_of(rendered) != base;
            match (edited, changed) {
                (true, false) => State::EditedLocally,
                (false, true) => State::TemplateChanged,
                _ => State::Both,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_recorded_blob() {
        let base = id_of(b"v1\n");
        let b = Some(base.as_str());
        assert_eq!(classify(Some(b"v1\n"), Some(b"v1\n"), b), State::InSync);
        assert_eq!(
            classify(Some(b"mine\n"), Some(b"v1\n"), b),
            State::EditedLocally
        );
        assert_eq!(
            classify(Some(b"v1\n"), Some(b"v2\n"), b),
            State::TemplateChanged
        );
        assert_eq!(classify(Some(b"mine\n"), Some(b"v2\n"), b), State::Both);
        assert_eq!(classify(None, Some(b"v1\n"), b), State::Missing);
        assert_eq!(classify(None, Some(b"v1\n"), None), State::New);
        assert_eq!(classify(Some(b"v1\n"), None, b), State::NoLongerGenerated);
        assert_eq!(classify(None, None, b), State::InSync);
    }

    #[test]
    fn newer_action_pins_alone_are_not_drift() {
        let pin = |sha: char, version: &str| {
            format!(
                "steps:\n  - uses: actions/checkout@{} # {version}\n",
                sha.to_string().repeat(40)
            )
            .into_bytes()
        };
        let rendered = pin('1', "v4.2.2");
        let base = id_of(&rendered);
        let b = Some(base.as_str());
        let state = classify(Some(&pin('2', "v4.3.0")), Some(&rendered), b);
        assert_eq!(state, State::PinsNewer);
        assert!(!state.is_drift());
        let state = classify(Some(&pin('2', "v4.2.1")), Some(&rendered), b);
        assert_eq!(state, State::EditedLocally);
        assert!(state.is_drift());
    }
}
