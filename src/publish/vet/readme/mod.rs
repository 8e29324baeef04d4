//! `readme/*`: the long description renders on PyPI, which renders it with readme_renderer and
//! refuses an upload whose description fails to: reStructuredText through docutils with any
//! WARNING or worse fatal ([`rst`]), Markdown (cmarkgfm renders anything) and plain text
//! (always). Images with relative links render broken on PyPI (the repository is not there):
//! a warning, in any of the three formats ([`images`]).

pub mod images;
pub mod rst;

use super::super::dist::Dist;
use super::{Finding, Severity};

pub const RST_RENDER: &str = "readme/rst-render";
pub const NO_CONTENT_TYPE: &str = "readme/no-content-type";
pub const RELATIVE_IMAGE: &str = "readme/relative-image";

/// At most this many render errors are reported per file (docutils stops at the first).
const MAX_RENDER_FINDINGS: usize = 5;

/// The description as the upload sends it: a `Description:` header unfolded (continuation
/// lines lose their 8-space or `       |` prefix), a body as it is.
pub fn description(d: &Dist) -> Option<String> {
    let text = d.metadata.description.as_deref()?;
    if d.metadata.get("Description") != Some(text) {
        return Some(text.to_string());
    }
    let mut lines = text.split('\n');
    let mut out = vec![lines.next().unwrap_or_default().to_string()];
    for l in lines {
        let l = l
            .strip_prefix("        ")
            .or_else(|| l.strip_prefix("       |"))
            .unwrap_or_else(|| l.trim_start());
        out.push(l.to_string());
    }
    Some(out.join("\n"))
}

/// The description's format by its content type (`None` when the type is invalid, which the
/// structural checks report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rst,
    Markdown,
    Plain,
}

pub fn format_of(content_type: Option<&str>) -> Option<Format> {
    let Some(ct) = content_type else {
        return Some(Format::Rst);
    };
    let media = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "text/x-rst" => Some(Format::Rst),
        "text/markdown" => Some(Format::Markdown),
        "text/plain" => Some(Format::Plain),
        _ => None,
    }
}

/// The `readme/*` findings of one distribution.
pub fn findings(d: &Dist) -> Vec<Finding> {
    let Some(text) = description(d).filter(|t| !t.trim().is_empty()) else {
        return Vec::new();
    };
    let finding = |rule, severity, message: String, fix: String| Finding {
        rule,
        severity,
        file: d.path.display().to_string(),
        member: Some(d.metadata_path.clone()),
        line: None,
        message,
        fix: Some(fix),
    };
    let mut out = Vec::new();
    let content_type = d.metadata.description_content_type.as_deref();
    if content_type.is_none() {
        out.push(finding(
            NO_CONTENT_TYPE,
            Severity::Warning,
            "no Description-Content-Type: PyPI renders the description as reStructuredText"
                .to_string(),
            "set the readme in [project] of pyproject.toml (readme = \"README.md\"; backends \
             derive the content type from the extension) and rebuild"
                .to_string(),
        ));
    }
    let images = match format_of(content_type) {
        None | Some(Format::Plain) => Vec::new(),
        Some(Format::Markdown) => images::markdown(&text),
        Some(Format::Rst) => {
            let checked = rst::check(&text);
            let count = checked.diags.len();
            for diag in checked.diags.iter().take(MAX_RENDER_FINDINGS) {
                let more = if count > MAX_RENDER_FINDINGS && out.len() + 1 == MAX_RENDER_FINDINGS {
                    format!(" ({} more)", count - MAX_RENDER_FINDINGS)
                } else {
                    String::new()
                };
                out.push(finding(
                    RST_RENDER,
                    Severity::Error,
                    format!(
                        "the description does not render on PyPI (reStructuredText, docutils as \
                         readme_renderer runs it): description line {}: ({}) {}{more}",
                        diag.line,
                        diag.level.label(),
                        diag.message.replace('\n', " ")
                    ),
                    if content_type.is_none() {
                        "fix the README and rebuild (`python -m readme_renderer README.rst` shows \
                         the same); if it is Markdown, name it README.md in [project] readme so \
                         the content type says so"
                            .to_string()
                    } else {
                        "fix the README at that line and rebuild (`python -m readme_renderer \
                         README.rst` shows the same)"
                            .to_string()
                    },
                ));
            }
            checked
                .images
                .into_iter()
                .map(|i| images::Image {
                    line: i.line,
                    uri: i.uri,
                })
                .collect()
        }
    };
    for image in images.into_iter().filter(|i| images::is_relative(&i.uri)) {
        out.push(finding(
            RELATIVE_IMAGE,
            Severity::Warning,
            format!(
                "image {} (description line {}) is a relative link; PyPI shows the description \
                 without the repository's files, so the image is broken there",
                crate::text::excerpt(&image.uri, 120),
                image.line
            ),
            "link the image by an absolute URL (e.g. \
             https://raw.githubusercontent.com/OWNER/REPO/TAG/path.png)"
                .to_string(),
        ));
    }
    out
}
