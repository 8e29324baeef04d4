//! `yanked/re-upload`: a file for a release the index lists as yanked (PEP 592).
//!
//! A yanked release is one its maintainers withdrew: installers skip it unless pinned exactly,
//! so new files for it reach almost nobody, and re-uploading one usually means a version number
//! was not bumped. The release counts as yanked when any of its files on the index is (PyPI
//! yanks whole releases). An error, unless `--allow-yanked` (then a warning). Needs the index
//! (PEP 691 `yanked`, or the JSON API's `yanked` / `yanked_reason` when the simple page is
//! HTML); without one the caller reports the rule as skipped.

use std::collections::BTreeSet;

use super::super::dist::{self, Dist};
use super::super::index::Existing;
use super::{Finding, Severity};

/// The rule id.
pub const RULE: &str = "yanked/re-upload";

/// One finding per file of the batch whose release the index lists as yanked.
pub fn findings(dists: &[Dist], existing: &Existing, allow_yanked: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in dists {
        let project = &d.filename.normalized_name;
        let Some(files) = existing.projects.get(project) else {
            continue;
        };
        let version = dist::canonical_version(&d.filename.version)
            .unwrap_or_else(|| d.filename.normalized_version.clone());
        let reasons: BTreeSet<&str> = files
            .values()
            .filter(|f| f.version.as_deref() == Some(version.as_str()))
            .filter_map(|f| f.yanked.as_deref())
            .collect();
        if reasons.is_empty() {
            continue;
        }
        let reason = reasons
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| format!("\"{}\"", crate::text::excerpt(r, 120)))
            .collect::<Vec<_>>();
        let why = if reason.is_empty() {
            String::from(" (no reason given)")
        } else {
            format!(" (reason: {})", reason.join(", "))
        };
        let shown = &d.filename.normalized_version;
        out.push(Finding {
            rule: RULE,
            severity: if allow_yanked {
                Severity::Warning
            } else {
                Severity::Error
            },
            file: d.path.display().to_string(),
            member: None,
            line: None,
            message: format!(
                "{project} {shown} is yanked on the index{why}; installers skip a yanked \
                 release unless it is pinned exactly{}",
                if allow_yanked {
                    ", uploading anyway (--allow-yanked)"
                } else {
                    ""
                }
            ),
            fix: (!allow_yanked).then(|| {
                "bump the version (a yanked version stays used) and rebuild, or pass \
                 --allow-yanked to add files to the yanked release on purpose"
                    .to_string()
            }),
        });
    }
    out
}
