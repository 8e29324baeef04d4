//! `license/*`: a licence file ships and the metadata names it.
//!
//! Metadata 2.4 (PEP 639) names the licence files in `License-File`; that every named file is in
//! the archive is checked in `check_dist` (an error). Here, the warnings around it:
//! `license/not-named` when 2.4+ metadata names none, `license/missing` when the metadata names
//! none and no member looks like a licence (`LICENSE*`, `LICENCE*`, `COPYING*`, `NOTICE*`,
//! `UNLICENSE*`, `COPYRIGHT*`, at any depth; case-insensitive).

use super::super::dist::{self, Dist};
use super::{Finding, Severity};

pub const NOT_NAMED: &str = "license/not-named";
pub const MISSING: &str = "license/missing";

const LICENSE_STEMS: &[&str] = &[
    "LICENSE",
    "LICENCE",
    "COPYING",
    "NOTICE",
    "UNLICENSE",
    "COPYRIGHT",
];

/// True when an archive member's file name looks like a licence file: a stem above, alone or
/// followed by `-`/`_` and more (`LICENSE-MIT`), with no extension or `.txt`, `.md`, `.rst`
/// (so `license.py` is code, not a licence).
pub fn is_license_like(member: &str) -> bool {
    let base = member.rsplit('/').next().unwrap_or(member);
    let (stem, ext) = base.split_once('.').unwrap_or((base, ""));
    if !matches!(ext.to_ascii_lowercase().as_str(), "" | "txt" | "md" | "rst") {
        return false;
    }
    let upper = stem.to_ascii_uppercase();
    LICENSE_STEMS.iter().any(|s| {
        upper
            .strip_prefix(s)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '_']))
    })
}

/// The `license/*` findings of one distribution.
pub fn findings(d: &Dist) -> Vec<Finding> {
    if !d.metadata.get_all("License-File").is_empty() {
        return Vec::new();
    }
    let modern = dist::metadata_version_at_least(&d.metadata.metadata_version, (2, 4));
    let found = d.members.iter().find(|m| is_license_like(m));
    let finding = |rule, message: String, fix: &str| Finding {
        rule,
        severity: Severity::Warning,
        file: d.path.display().to_string(),
        member: Some(d.metadata_path.clone()),
        line: None,
        message,
        fix: Some(fix.to_string()),
    };
    let mut out = Vec::new();
    match found {
        None => out.push(finding(
            MISSING,
            "no licence file in the archive (LICENSE, LICENCE, COPYING, NOTICE…), and the \
             metadata names none; users cannot tell the terms they may use it under"
                .to_string(),
            "add a LICENSE file at the project root and `license-files = [\"LICENSE\"]` to \
             [project] in pyproject.toml (PEP 639; hatchling, setuptools ≥ 77, flit-core ≥ 3.12 \
             and maturin ≥ 1.9 write License-File from it)",
        )),
        Some(member) if modern => out.push(finding(
            NOT_NAMED,
            format!(
                "Metadata-Version {} names licence files in License-File, but none is named \
                 (the archive has {member})",
                d.metadata.metadata_version
            ),
            "add `license-files = [\"LICENSE\"]` to [project] in pyproject.toml (PEP 639) and \
             rebuild",
        )),
        Some(_) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_like_names() {
        for yes in [
            "LICENSE",
            "pkg-1.0/LICENSE.txt",
            "x.dist-info/licenses/COPYING",
            "Licence.md",
            "NOTICE",
            "LICENSE-APACHE",
        ] {
            assert!(is_license_like(yes), "{yes}");
        }
        for no in [
            "pkg/license.py",
            "pkg/licenses.py",
            "README.md",
            "pkg/licensed/x.txt",
        ] {
            assert!(!is_license_like(no), "{no}");
        }
    }
}
