//! A release runbook: how to cut a release and what to do when one fails at each stage
//! (RELEASING.md, as chora generates; a few other usual names count).

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;

/// The file names that count as a runbook.
pub const NAMES: &[&str] = &[
    "RELEASING.md",
    "RELEASE.md",
    "docs/RELEASING.md",
    "docs/releasing.md",
    "docs/release.md",
    ".github/RELEASING.md",
];

pub fn check(repo: &Repo) -> Vec<Finding> {
    if repo.publish_jobs().is_empty() || repo.first_file(NAMES).is_some() {
        return Vec::new();
    }
    let f = Finding::new(
        "chora/runbook",
        Severity::Low,
        "no release runbook (RELEASING.md): when a release fails half-way, nobody has the steps",
        "write RELEASING.md: how to cut a release, the response steps per failing stage, how to yank, why a version cannot be re-uploaded, the fix-forward release (`chora new` generates one)",
    );
    // Pointed at the publishing workflow, so code scanning has a file to show it on.
    vec![match repo.publishing_workflows().first() {
        Some(w) => f.at(&w.path, None),
        None => f,
    }]
}
