//! What starts a release: a publishing workflow should run on version tags only (`push: tags:`
//! with a pattern, or `release: published`; `workflow_dispatch` for a drill), and check that
//! the tag matches the package version before building.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for w in repo.publishing_workflows() {
        for t in &w.triggers {
            if t.event != "push" {
                continue;
            }
            let tags: Vec<&String> = t
                .filters
                .iter()
                .filter(|(k, _)| k == "tags")
                .flat_map(|(_, v)| v)
                .collect();
            let branches = t
                .filters
                .iter()
                .any(|(k, _)| k == "branches" || k == "branches-ignore");
            let problem = if tags.is_empty() || branches {
                Some("publishes on pushes to branches, not only on version tags")
            } else if tags.iter().any(|p| p.as_str() == "*" || p.as_str() == "**") {
                Some("publishes on every tag, not only version tags")
            } else {
                None
            };
            if let Some(problem) = problem {
                out.push(
                    Finding::new(
                        "chora/publish-trigger",
                        Severity::Medium,
                        format!("the workflow {problem}"),
                        "trigger it with `on: push: tags: [\"v*\"]` (or `release: types: [published]`) and nothing else that publishes",
                    )
                    .at(&w.path, Some(t.span)),
                );
            }
        }
        let tagged = w
            .triggers
            .iter()
            .any(|t| t.event == "push" || t.event == "release");
        // A step comparing the tag with the version: said by its script, or by its name
        // ("Check that the tag is v<crate version>") when the script is a file of its own.
        let checks_tag = w.jobs.iter().flat_map(|j| &j.steps).any(|step| {
            let script = step.run.as_ref().map_or("", |r| r.text.as_str());
            let name = step.name.as_deref().unwrap_or("").to_ascii_lowercase();
            let by_script = (script.contains("ref_name")
                || script.contains("GITHUB_REF")
                || script.contains("TAG"))
                && script.to_ascii_lowercase().contains("version");
            let by_name = name.contains("tag") && name.contains("version") && !script.is_empty();
            by_script || by_name
        });
        if tagged && !checks_tag {
            out.push(
                Finding::new(
                    "chora/tag-version-check",
                    Severity::Low,
                    "nothing checks that the tag matches the package version before building: a mistyped tag publishes the wrong version for good",
                    "add a step before the build that compares the tag (`GITHUB_REF_NAME` without its `v`) with `[project] version` and fails on a mismatch (chora's release.yml has one)",
                )
                .at(&w.path, None),
            );
        }
    }
    out
}
