//! The history of chora's built-in templates: every state of `templates/` and the pins data
//! that a chora build has embedded (`data/template-history.tar.gz`, written by
//! `scripts/template-history.py`). With it `chora update` renders again exactly what an earlier
//! chora wrote for the recorded answers — the merge base — in a fresh or shallow clone and after
//! `git gc`, with no network, old binary or template clone; the recorded blob id proves it.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::Deserialize;

use super::env::Release;
use super::runtime::Runtime;
use super::source::{self, SourceFile, Template};

static ARCHIVE: &[u8] = include_bytes!("../../data/template-history.tar.gz");

/// Largest archive member read (the archive is chora's own, but the bound costs nothing).
const MAX_MEMBER: u64 = 4 << 20;

/// Path of the pin table inside a state.
const PINS_PATH: &str = "data/action-pins.tsv";
/// Paths of the runtime tables inside a state (states recorded before them have neither: their
/// templates install no chora-cli by hash).
const RELEASES_PATH: &str = "data/chora-releases.tsv";
const RUNTIME_PINS_PATH: &str = "data/runtime-pins.tsv";
/// Folder of the templates inside a state.
const TEMPLATES_PREFIX: &str = "templates/";

/// Why the history could not be read or a state not loaded.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the template history archive is unreadable: {0}")]
    Archive(#[from] std::io::Error),
    #[error("the template history manifest is invalid: {0}")]
    Manifest(#[from] serde_json::Error),
    #[error("the template history lacks blob {0} (state {1})")]
    MissingBlob(String, String),
    #[error("the template history's blob {0} does not hash to its name")]
    CorruptBlob(String),
    #[error("state {state} has no template {name:?}")]
    NoTemplate { state: String, name: String },
    #[error("state {state}: {source}")]
    Template {
        state: String,
        #[source]
        source: source::SourceError,
    },
}

#[derive(Debug, Deserialize)]
struct Manifest {
    format: u32,
    snapshots: Vec<Snapshot>,
}

/// One recorded state: the crate version it was built as and its files (path -> blob id).
#[derive(Debug, Clone, Deserialize)]
pub struct Snapshot {
    pub id: String,
    pub chora_version: String,
    files: BTreeMap<String, String>,
}

/// Every recorded state, oldest first, and the file contents by blob id.
#[derive(Debug)]
pub struct History {
    snapshots: Vec<Snapshot>,
    blobs: HashMap<String, Vec<u8>>,
}

/// The content-derived id of a state, as `scripts/template-history.py` computes it.
pub fn state_id<'a>(
    chora_version: &str,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    use sha2::Digest;
    let mut sorted: Vec<(&str, &str)> = files.into_iter().collect();
    sorted.sort();
    let mut text = format!("{chora_version}\n");
    for (path, blob) in sorted {
        text.push_str(&format!("{path}\t{blob}\n"));
    }
    let digest = sha2::Sha256::digest(text.as_bytes());
    crate::text::hex(&digest).chars().take(16).collect()
}

/// The id of the state this chora embeds (its templates, pins and version).
pub fn current_state_id() -> Result<String, git2::Error> {
    let mut files = Vec::new();
    for file in source::embedded_tree() {
        files.push((
            format!("{TEMPLATES_PREFIX}{}", file.path),
            crate::git::blob_id(&file.contents)?,
        ));
    }
    files.push((
        PINS_PATH.to_string(),
        crate::git::blob_id(super::pins::PINS_TSV.as_bytes())?,
    ));
    files.push((
        RELEASES_PATH.to_string(),
        crate::git::blob_id(super::runtime::RELEASES_TSV.as_bytes())?,
    ));
    files.push((
        RUNTIME_PINS_PATH.to_string(),
        crate::git::blob_id(super::runtime::RUNTIME_PINS_TSV.as_bytes())?,
    ));
    Ok(state_id(
        crate::VERSION,
        files.iter().map(|(p, b)| (p.as_str(), b.as_str())),
    ))
}

impl History {
    /// The history embedded in this chora.
    pub fn embedded() -> Result<History, HistoryError> {
        History::parse(ARCHIVE)
    }

    /// Read an archive (gzip'd tar: `manifest.json` and `blobs/<git blob id>`).
    pub fn parse(gz: &[u8]) -> Result<History, HistoryError> {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
        let mut manifest = None;
        let mut blobs = HashMap::new();
        for entry in tar.entries()? {
            let entry = entry?;
            let name = entry.path()?.to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.take(MAX_MEMBER).read_to_end(&mut data)?;
            if name == "manifest.json" {
                manifest = Some(serde_json::from_slice::<Manifest>(&data)?);
            } else if let Some(id) = name.strip_prefix("blobs/") {
                blobs.insert(id.to_string(), data);
            }
        }
        let manifest = manifest.ok_or_else(|| {
            HistoryError::Archive(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "no manifest.json",
            ))
        })?;
        if manifest.format != 1 {
            return Err(HistoryError::Archive(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("unknown format {}", manifest.format),
            )));
        }
        for (id, data) in &blobs {
            if crate::git::blob_id(data).ok().as_deref() != Some(id.as_str()) {
                return Err(HistoryError::CorruptBlob(id.clone()));
            }
        }
        for snapshot in &manifest.snapshots {
            if let Some(missing) = snapshot.files.values().find(|b| !blobs.contains_key(*b)) {
                return Err(HistoryError::MissingBlob(
                    missing.clone(),
                    snapshot.id.clone(),
                ));
            }
        }
        Ok(History {
            snapshots: manifest.snapshots,
            blobs,
        })
    }

    /// Every state, oldest first.
    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// The states built as `chora_version`, newest first.
    pub fn of_version<'a>(&'a self, chora_version: &'a str) -> impl Iterator<Item = &'a Snapshot> {
        self.snapshots
            .iter()
            .rev()
            .filter(move |s| s.chora_version == chora_version)
    }

    /// Template `name` as `snapshot` held it, with the release (version and pins) it rendered as.
    pub fn template(
        &self,
        snapshot: &Snapshot,
        name: &str,
    ) -> Result<(Template, Release), HistoryError> {
        let prefix = format!("{TEMPLATES_PREFIX}{name}/");
        let mut files = Vec::new();
        for (path, blob) in &snapshot.files {
            if let Some(rel) = path.strip_prefix(&prefix) {
                let contents = self
                    .blobs
                    .get(blob)
                    .ok_or_else(|| HistoryError::MissingBlob(blob.clone(), snapshot.id.clone()))?;
                files.push(SourceFile {
                    path: rel.to_string(),
                    contents: contents.clone(),
                });
            }
        }
        if files.is_empty() {
            return Err(HistoryError::NoTemplate {
                state: snapshot.id.clone(),
                name: name.to_string(),
            });
        }
        let template =
            source::from_files(name, files).map_err(|source| HistoryError::Template {
                state: snapshot.id.clone(),
                source,
            })?;
        let pins = snapshot
            .files
            .get(PINS_PATH)
            .and_then(|b| self.blobs.get(b))
            .map(|b| super::pins::parse(&String::from_utf8_lossy(b)))
            .unwrap_or_default();
        let text = |path: &str| {
            snapshot
                .files
                .get(path)
                .and_then(|b| self.blobs.get(b))
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let runtime = match (text(RELEASES_PATH), text(RUNTIME_PINS_PATH)) {
            (Some(releases), Some(pins)) => Runtime::from_tables(&releases, &pins).ok(),
            _ => None,
        }
        .unwrap_or(Runtime {
            chora: None,
            uv: String::new(),
            uv_wheels: Vec::new(),
        });
        let release = Release {
            chora_version: snapshot.chora_version.clone(),
            pins,
            runtime,
        };
        Ok((template, release))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_templates_are_in_the_history() {
        let history = History::embedded().unwrap();
        let current = current_state_id().unwrap();
        assert!(
            history.snapshots().iter().any(|s| s.id == current),
            "the embedded templates (state {current}) are not in data/template-history.tar.gz: \
             run `python3 scripts/template-history.py` and commit the archive, so projects \
             generated by this build can be updated later"
        );
    }

    #[test]
    fn the_newest_state_renders_like_the_embedded_template() {
        let history = History::embedded().unwrap();
        let current = current_state_id().unwrap();
        let snapshot = history
            .snapshots()
            .iter()
            .find(|s| s.id == current)
            .unwrap();
        let (from_history, release) = history.template(snapshot, "python-package").unwrap();
        let embedded = source::load_embedded("python-package").unwrap();
        let paths = |t: &Template| t.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&from_history), paths(&embedded));
        assert!(
            from_history
                .files
                .iter()
                .zip(&embedded.files)
                .all(|(a, b)| a.contents == b.contents)
        );
        assert_eq!(release.chora_version, crate::VERSION);
        assert_eq!(release.pins, super::super::pins::all());
        assert_eq!(release.runtime, Runtime::embedded());
    }

    #[test]
    fn state_ids_match_the_script() {
        // python3 -c 'import hashlib; print(hashlib.sha256(b"0.1.0\na\tb1\nc\td2\n").hexdigest()[:16])'
        assert_eq!(
            state_id("0.1.0", [("c", "d2"), ("a", "b1")]),
            "401521f1563fe22e"
        );
    }

    #[test]
    fn a_tampered_blob_is_refused() {
        let mut raw = tar::Builder::new(Vec::new());
        let manifest = br#"{"format":1,"snapshots":[]}"#;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_cksum();
        raw.append_data(&mut header, "manifest.json", &manifest[..])
            .unwrap();
        let data = b"not what the name says";
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_cksum();
        raw.append_data(&mut header, format!("blobs/{}", "0".repeat(40)), &data[..])
            .unwrap();
        let tar = raw.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        let err = History::parse(&gz.finish().unwrap()).unwrap_err();
        assert!(matches!(err, HistoryError::CorruptBlob(_)), "{err}");
    }
}
