//! `classifier/*`: every `Classifier` is one PyPI knows, from the bundled trove list
//! (data/trove-classifiers.txt, generated from the `trove-classifiers` package by
//! scripts/trove-classifiers.py; its header names the version).
//!
//! PyPI refuses an upload with an unknown or a deprecated classifier (warehouse validates the
//! field against that package), so both are errors; `Private ::` classifiers are the
//! documented way to make PyPI refuse a package, and get their own message. `License ::`
//! classifiers next to `License-Expression` warn: PEP 639 lets tools refuse the pair (setuptools
//! does), and the expression is what PyPI shows.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::super::dist::Dist;
use super::{Finding, Severity};

pub const UNKNOWN: &str = "classifier/unknown";
pub const DEPRECATED: &str = "classifier/deprecated";
pub const PRIVATE: &str = "classifier/private";
pub const LICENSE_WITH_EXPRESSION: &str = "classifier/license-with-expression";

const TROVE_TXT: &str = include_str!("../../../data/trove-classifiers.txt");

struct Trove {
    version: String,
    valid: BTreeSet<&'static str>,
    deprecated: BTreeMap<&'static str, Vec<&'static str>>,
}

fn trove() -> &'static Trove {
    static TROVE: OnceLock<Trove> = OnceLock::new();
    TROVE.get_or_init(|| {
        let mut t = Trove {
            version: String::new(),
            valid: BTreeSet::new(),
            deprecated: BTreeMap::new(),
        };
        for line in TROVE_TXT.lines() {
            if let Some(comment) = line.strip_prefix("# trove-classifiers ") {
                if t.version.is_empty() {
                    t.version = comment.split(' ').next().unwrap_or_default().to_string();
                }
            } else if line.starts_with('#') || line.is_empty() {
            } else if let Some(rest) = line.strip_prefix("deprecated\t") {
                let (old, new) = rest.split_once('\t').unwrap_or((rest, ""));
                let new = new.split('|').filter(|n| !n.is_empty()).collect();
                t.deprecated.insert(old, new);
            } else {
                t.valid.insert(line);
            }
        }
        t
    })
}

/// The version of the `trove-classifiers` package the bundled list came from.
pub fn trove_version() -> &'static str {
    &trove().version
}

/// True when PyPI accepts `classifier` (known and not deprecated).
pub fn is_valid(classifier: &str) -> bool {
    trove().valid.contains(classifier)
}

/// The `classifier/*` findings of one distribution.
pub fn findings(d: &Dist) -> Vec<Finding> {
    let t = trove();
    let has_expression = d.metadata.get("License-Expression").is_some();
    let mut out = Vec::new();
    let finding = |rule, message: String, fix: String| Finding {
        rule,
        severity: Severity::Error,
        file: d.path.display().to_string(),
        member: Some(d.metadata_path.clone()),
        line: None,
        message,
        fix: Some(fix),
    };
    for c in d.metadata.get_all("Classifier") {
        let c = c.trim();
        if let Some(new) = t.deprecated.get(c) {
            let fix = if new.is_empty() {
                "remove it from [project] classifiers in pyproject.toml (it has no replacement)"
                    .to_string()
            } else {
                format!(
                    "replace it with {} in [project] classifiers in pyproject.toml",
                    new.iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            };
            out.push(finding(
                DEPRECATED,
                format!("classifier \"{c}\" is deprecated; PyPI refuses it"),
                fix,
            ));
        } else if c.starts_with("Private ::") {
            out.push(finding(
                PRIVATE,
                format!(
                    "classifier \"{c}\" is a Private :: classifier, which PyPI always refuses \
                     (the marker for packages never meant to be uploaded)"
                ),
                "remove it if this package is meant for PyPI; otherwise do not upload it"
                    .to_string(),
            ));
        } else if !t.valid.contains(c) {
            out.push(finding(
                UNKNOWN,
                format!(
                    "classifier \"{}\" is not in the trove list (trove-classifiers {}); PyPI \
                     refuses unknown classifiers",
                    crate::text::excerpt(c, 120),
                    t.version
                ),
                "fix it in [project] classifiers in pyproject.toml; the list is at \
                 https://pypi.org/classifiers/"
                    .to_string(),
            ));
        } else if has_expression && c.starts_with("License ::") {
            out.push(Finding {
                severity: Severity::Warning,
                ..finding(
                    LICENSE_WITH_EXPRESSION,
                    format!(
                        "classifier \"{c}\" is a License :: classifier next to \
                         License-Expression; PEP 639 deprecates the pair (tools may refuse it)"
                    ),
                    "remove the License :: classifiers: License-Expression says it".to_string(),
                )
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_loads() {
        assert!(trove_version().starts_with("20"), "{}", trove_version());
        assert!(is_valid("Programming Language :: Python :: 3"));
        assert!(is_valid("Typing :: Typed"));
        assert!(!is_valid("Programming Language :: Python :: 9"));
        assert!(trove().valid.len() > 800);
        assert_eq!(
            trove().deprecated.get("Natural Language :: Ukranian"),
            Some(&vec!["Natural Language :: Ukrainian"])
        );
    }
}
