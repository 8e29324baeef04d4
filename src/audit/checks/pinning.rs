//! Actions pinned by content: every `uses:` at a full commit SHA (zizmor `unpinned-uses`;
//! Scorecard Pinned-Dependencies). Local actions (`./…`) and `docker://…@sha256:` count as
//! pinned. High in a workflow that publishes, medium elsewhere.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;

/// Whether a `uses:` value is pinned by content.
pub fn pinned(uses: &str) -> bool {
    if uses.starts_with("./") {
        return true;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    uses.rsplit_once('@').is_some_and(|(_, r)| {
        r.len() == 40
            && r.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    let publishing = repo.publishing_workflows();
    let mut out = Vec::new();
    for s in &repo.scanned {
        let w = &s.workflow;
        let severity = if publishing.iter().any(|p| std::ptr::eq(*p, w)) {
            Severity::High
        } else {
            Severity::Medium
        };
        for job in &w.jobs {
            let calls = job.uses.iter().map(|u| (u.as_str(), job.span));
            let steps = job
                .steps
                .iter()
                .filter_map(|st| st.uses.as_deref().map(|u| (u, st.span)));
            for (uses, span) in calls.chain(steps) {
                if pinned(uses) {
                    continue;
                }
                out.push(
                    Finding::new(
                        "zizmor/unpinned-uses",
                        severity,
                        format!(
                            "`{}` is not pinned to a commit: whoever controls that ref controls this job",
                            crate::text::excerpt(uses, 120)
                        ),
                        "pin it to the full commit SHA of the release, with the tag as a comment (`owner/repo@<40-hex sha> # vX.Y.Z`); Dependabot keeps such pins current",
                    )
                    .also("scorecard/Pinned-Dependencies")
                    .at(&w.path, Some(span)),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pinned;

    #[test]
    fn what_counts_as_pinned() {
        assert!(pinned(
            "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1"
        ));
        assert!(pinned("./.github/actions/build"));
        assert!(pinned("docker://alpine@sha256:abc"));
        assert!(!pinned("actions/checkout@v4"));
        assert!(!pinned("actions/checkout@3d3c42e"));
        assert!(!pinned(
            "actions/checkout@3D3C42E5AAC5BA805825DA76410C181273BA90B1"
        ));
        assert!(!pinned("docker://alpine:3"));
        assert!(!pinned("actions/checkout"));
    }
}
