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

/// Load a template from a folder on disk.
pub fn load_dir(path: &Path) -> Result<Template, SourceError> {
    let io = |source| SourceError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let kind = entry.file_type().map_err(io)?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let rel = entry.path();
                let rel = rel.strip_prefix(path).unwrap_or(&rel);
                files.push(SourceFile {
                    path: to_slash(rel),
                    contents: std::fs::read(entry.path()).map_err(io)?,
                });
            }
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
