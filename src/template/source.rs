//! Where templates come from: the trees embedded in the binary (`templates/`), or a folder on
//! disk (for template authors and tests).

use std::path::Path;

use include_dir::{Dir, include_dir};

use super::schema::TemplateSpec;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The file declaring a template's questions; it is not rendered.
pub const SPEC_FILE: &str = "template.yml";

/// A template: its spec and its source files (paths relative to the template root, `/`-separated).
#[derive(Debug, Clone)]
pub struct Template {
    pub spec: TemplateSpec,
    pub files: Vec<SourceFile>,
}

/// One file of a template tree.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Why a template could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("unknown template {name:?}; available: {available}")]
    Unknown { name: String, available: String },
    #[error("template {name:?} has an invalid {SPEC_FILE}: {reason}")]
    BadSpec { name: String, reason: String },
    #[error("template folder: {0}")]
    Read(crate::fs::ReadError),
    #[error(
        "template folder {path} is larger than chora reads ({} files, {} bytes in all)",
        crate::fs::limits::TEMPLATE_FILES,
        crate::fs::limits::TEMPLATE_TOTAL
    )]
    TooLarge { path: String },
    #[error("cannot read template folder {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Every file of the embedded `templates/` tree, paths relative to it (`python-package/…`):
/// the current state the template history must hold.
pub fn embedded_tree() -> Vec<SourceFile> {
    let mut files = Vec::new();
    collect_embedded(&EMBEDDED, EMBEDDED.path(), &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Names of the embedded templates.
pub fn embedded_names() -> Vec<String> {
    let mut names: Vec<String> = EMBEDDED
        .dirs()
        .filter(|d| d.get_file(d.path().join(SPEC_FILE)).is_some())
        .filter_map(|d| d.path().file_name()?.to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// Load an embedded template by name.
pub fn load_embedded(name: &str) -> Result<Template, SourceError> {
    let unknown = || SourceError::Unknown {
        name: name.to_string(),
        available: embedded_names().join(", "),
    };
    if name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(unknown());
    }
    let dir = EMBEDDED.get_dir(name).ok_or_else(unknown)?;
    let mut files = Vec::new();
    collect_embedded(dir, dir.path(), &mut files);
    finish(name, files)
}

fn collect_embedded(dir: &Dir<'static>, root: &Path, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        if let Ok(rel) = file.path().strip_prefix(root) {
            out.push(SourceFile {
                path: to_slash(rel),
                contents: file.contents().to_vec(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, root, out);
    }
}

/// Load a template from a folder on disk: `template.yml` first (a folder without one is
/// refused before anything else is read), then every regular file, within the size limits of
/// `crate::fs::limits`. A symbolic link, FIFO or device inside the folder is refused, by name.
pub fn load_dir(path: &Path) -> Result<Template, SourceError> {
    use crate::fs::limits;
    let io = |source| SourceError::Io {
        path: path.display().to_string(),
        source,
    };
    let read = |file: &Path| {
        crate::fs::read_regular(file, limits::TEMPLATE_FILE, "a template file")
            .map_err(SourceError::Read)
    };
    // The spec first: a wrong folder fails at once, without reading what it holds.
    let spec = read(&path.join(SPEC_FILE))?;
    let mut files = vec![SourceFile {
        path: SPEC_FILE.to_string(),
        contents: spec,
    }];
    let mut total = files.iter().map(|f| f.contents.len() as u64).sum::<u64>();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let kind = entry.file_type().map_err(io)?;
            let full = entry.path();
            let rel = to_slash(full.strip_prefix(path).unwrap_or(&full));
            if kind.is_dir() {
                stack.push(full);
                continue;
            }
            if rel == SPEC_FILE {
                continue;
            }
            let contents = read(&full)?;
            total += contents.len() as u64;
            if total > limits::TEMPLATE_TOTAL || files.len() >= limits::TEMPLATE_FILES {
                return Err(SourceError::TooLarge {
                    path: path.display().to_string(),
                });
            }
            files.push(SourceFile {
                path: rel,
                contents,
            });
        }
    }
    finish(&path.display().to_string(), files)
}

/// A template from its files (`template.yml` among them), as the template history holds them.
pub fn from_files(name: &str, files: Vec<SourceFile>) -> Result<Template, SourceError> {
    finish(name, files)
}

fn finish(name: &str, mut files: Vec<SourceFile>) -> Result<Template, SourceError> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let bad = |reason: String| SourceError::BadSpec {
        name: name.to_string(),
        reason,
    };
    let spec_index = files
        .iter()
        .position(|f| f.path == SPEC_FILE)
        .ok_or_else(|| bad("the file is missing".to_string()))?;
    let spec_file = files.remove(spec_index);
    let text = String::from_utf8(spec_file.contents).map_err(|e| bad(e.to_string()))?;
    let spec = TemplateSpec::parse(&text).map_err(bad)?;
    for key in spec.when.keys() {
        if !files.iter().any(|f| &f.path == key) {
            return Err(bad(format!(
                "`when` names {key:?}, which is not in the template"
            )));
        }
    }
    Ok(Template { spec, files })
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_template_is_embedded_with_dot_folders() {
        let template = load_embedded("python-package").unwrap();
        assert_eq!(template.spec.name, "python-package");
        assert!(
            template
                .files
                .iter()
                .any(|f| f.path.starts_with(".github/workflows/")),
            "dot-folders must be embedded"
        );
    }

    #[test]
    fn unknown_template_lists_available_ones() {
        let err = load_embedded("nope").unwrap_err().to_string();
        assert!(err.contains("python-package"), "{err}");
        assert!(load_embedded("../templates").is_err());
    }
}
