//! Release notes and the prerelease flag of a tag: the matching Keep a Changelog section
//! (`## [1.2.3] - 2026-12-01` or `## 1.2.3`), and PEP 440 pre-releases (`a`, `b`, `rc`, `dev`).

use crate::publish::dist::normalize_version;

/// The largest changelog read: 4 MiB.
pub const CHANGELOG_LIMIT: u64 = 4 << 20;

/// Why no notes could be taken from the changelog.
#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    #[error("cannot read the changelog: {0}")]
    Read(#[source] crate::fs::ReadError),
    #[error(
        "{file} has no section for {version} (a heading `## [{version}] - YYYY-MM-DD` or `## {version}`); versions it has: {seen}"
    )]
    NoSection {
        file: String,
        version: String,
        seen: String,
    },
    #[error("the section for {version} in {file} is empty")]
    Empty { file: String, version: String },
}

impl NotesError {
    /// Whether the changelog could not be read (local I/O) rather than lacked the section.
    pub fn is_io(&self) -> bool {
        matches!(self, NotesError::Read(e) if e.is_io())
    }
}

/// The version of a tag: `v1.2.3` → `1.2.3` (a tag without `v` is its own version).
pub fn tag_version(tag: &str) -> &str {
    tag.strip_prefix('v')
        .or_else(|| tag.strip_prefix('V'))
        .unwrap_or(tag)
}

/// Whether the tag's version is a PEP 440 pre-release or development release (`1.0.0rc1`,
/// `2.0b3`, `1.1.dev0`). A version that is not PEP 440 is not a pre-release.
pub fn is_prerelease(tag: &str) -> bool {
    let Some(normal) = normalize_version(tag_version(tag)) else {
        return false;
    };
    // The normal form spells only `a`, `b`, `rc`, `.post` and `.dev` with letters; the
    // local label (`+…`) is not part of the public version.
    let public = normal.split('+').next().unwrap_or_default();
    let public = public.split('!').next_back().unwrap_or_default();
    public.contains("dev") || public.contains("rc") || public.chars().any(|c| c == 'a' || c == 'b')
}

/// The version a level-2 heading names: `## [1.2.3] - 2026-12-01`, `## 1.2.3`, `## [1.2.3]`,
/// `## v1.2.3 (2026-12-01)`. `None` for any other line.
fn heading_version(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("## ")?.trim();
    let word = if let Some(inner) = rest.strip_prefix('[') {
        inner.split(']').next()?
    } else {
        rest.split([' ', '\t']).next()?
    };
    let word = word.trim();
    (!word.is_empty()).then(|| tag_version(word))
}

/// Whether two version texts are the same release (equal, or equal once PEP 440-normalised).
fn same_version(a: &str, b: &str) -> bool {
    a == b
        || match (normalize_version(a), normalize_version(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
}

/// The body of the changelog section for `version`: the lines after its heading up to the
/// next `## ` heading, link reference definitions (`[1.2.3]: https://…`) and surrounding
/// blank lines left out. `file` names the changelog in errors.
pub fn changelog_section(text: &str, version: &str, file: &str) -> Result<String, NotesError> {
    let mut seen = Vec::new();
    let mut body: Option<Vec<&str>> = None;
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with("## ") {
            if body.is_some() {
                break;
            }
            if let Some(v) = heading_version(line) {
                if same_version(v, version) {
                    body = Some(Vec::new());
                } else {
                    seen.push(v.to_string());
                }
            }
            continue;
        }
        if let Some(lines) = body.as_mut() {
            lines.push(line);
        }
    }
    let Some(lines) = body else {
        return Err(NotesError::NoSection {
            file: file.to_string(),
            version: version.to_string(),
            seen: if seen.is_empty() {
                "none".to_string()
            } else {
                seen.join(", ")
            },
        });
    };
    let kept: Vec<&str> = lines
        .into_iter()
        .filter(|l| !is_link_definition(l))
        .collect();
    let text = kept.join("\n").trim().to_string();
    if text.is_empty() {
        return Err(NotesError::Empty {
            file: file.to_string(),
            version: version.to_string(),
        });
    }
    Ok(text)
}

/// `[label]: https://…`, a Markdown link reference definition.
fn is_link_definition(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with('[')
        && line
            .split_once("]:")
            .is_some_and(|(label, _)| !label.contains(']'))
}

/// Read `path` and take the section for `tag`'s version.
pub fn from_changelog(path: &std::path::Path, tag: &str) -> Result<String, NotesError> {
    let text = crate::fs::read_regular_text(path, CHANGELOG_LIMIT, "changelog")
        .map_err(NotesError::Read)?;
    changelog_section(&text, tag_version(tag), &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.2.3] - 2026-12-01\n\n### Added\n\n- the thing\n\n## 1.2.2\n\n- older\n\n[1.2.3]: https://example.com/compare/v1.2.2...v1.2.3\n";

    #[test]
    fn takes_the_matching_section_only() {
        let notes = changelog_section(CHANGELOG, "1.2.3", "CHANGELOG.md").unwrap();
        assert_eq!(notes, "### Added\n\n- the thing");
        assert_eq!(
            changelog_section(CHANGELOG, "1.2.2", "CHANGELOG.md").unwrap(),
            "- older"
        );
        let err = changelog_section(CHANGELOG, "9.9", "CHANGELOG.md").unwrap_err();
        assert!(
            err.to_string()
                .contains("versions it has: Unreleased, 1.2.3, 1.2.2"),
            "{err}"
        );
        let empty = changelog_section("## 1.0\n\n## 0.9\n- x\n", "1.0", "C").unwrap_err();
        assert!(matches!(empty, NotesError::Empty { .. }));
        // A normalised match: `1.0.0-rc1` in the changelog is the tag `v1.0.0rc1`.
        assert_eq!(
            changelog_section("## [1.0.0-rc1]\n- rc\n", "1.0.0rc1", "C").unwrap(),
            "- rc"
        );
    }

    #[test]
    fn prereleases_from_pep440() {
        let pre = [
            "v1.0.0rc1",
            "v2.0b3",
            "1.1.dev0",
            "v1.0a1",
            "v1.0.0-RC2",
            "1!2.0a1",
        ];
        let not = ["v1.0.0", "v1.0.post1", "1.2.3+abc", "vnext", "v1.0.0.post2"];
        assert_eq!(pre.iter().filter(|t| is_prerelease(t)).count(), pre.len());
        assert_eq!(not.iter().filter(|t| is_prerelease(t)).count(), 0);
    }
}
