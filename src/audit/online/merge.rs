//! The online evidence folded into a repository's report: findings (ids per the reference:
//! `scorecard/Signed-Releases`; `chora/…` where no tool has one), the acceptance matrix's
//! evidence and sources (`github`, `pypi`), and the thresholds measured online
//! (`testpypi-success-rate` from the runs, `provenance-coverage` from PyPI), which take the
//! place of the ledgers' figures.

use std::path::PathBuf;

use super::Online;
use crate::audit::finding::{Finding, Severity};
use crate::audit::report::{Counts, RepoReport};

fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// The workflow file (relative path) of the publishing job `job` of `workflow` (a file name).
fn workflow_path(r: &RepoReport, workflow: &str, job: &str) -> Option<PathBuf> {
    r.publishing
        .iter()
        .find(|p| p.job == job && p.workflow.file_name().is_some_and(|n| n == workflow))
        .or_else(|| r.publishing.iter().find(|p| p.index == "pypi"))
        .map(|p| p.workflow.clone())
}

fn at(f: Finding, file: Option<PathBuf>) -> Finding {
    match file {
        Some(file) => f.at(&file, None),
        None => f,
    }
}

/// Fold `online` into `r`.
pub fn merge(r: &mut RepoReport, online: Online) {
    let mut findings = Vec::new();
    let t = r.thresholds.clone();
    let pypi_file = r
        .publishing
        .iter()
        .find(|p| p.index == "pypi")
        .map(|p| p.workflow.clone());

    for w in &online.workflows {
        let file = workflow_path(r, &w.workflow, &w.job);
        if let Some(rate) = w.success_rate
            && rate < t.testpypi_success_rate
        {
            let id = if w.index == "testpypi" {
                "chora/testpypi-success-rate"
            } else {
                "chora/publish-success-rate"
            };
            findings.push(at(
                Finding::new(
                    id,
                    Severity::Medium,
                    format!(
                        "job {} of {} succeeded in {} of its last {} runs ({} success, {} failed, {} timed out, {} failed to start; {} cancelled and {} skipped not counted), below the target {}",
                        w.job, w.workflow, pct(rate), w.success + w.failure + w.timed_out + w.startup_failure,
                        w.success, w.failure, w.timed_out, w.startup_failure, w.cancelled, w.skipped,
                        pct(t.testpypi_success_rate)
                    ),
                    "read the failed runs' logs (gh run list --workflow FILE --status failure) and fix the cause before the next release",
                ),
                file.clone(),
            ));
        }
        if w.reruns > 0 {
            findings.push(at(
                Finding::new(
                    "chora/publish-flaky",
                    Severity::Low,
                    format!(
                        "{} of the last {} runs of {} needed a re-run (run_attempt > 1)",
                        w.reruns, w.runs, w.workflow
                    ),
                    "find what fails intermittently (network, index propagation) and make it retry or wait",
                ),
                file,
            ));
        }
    }

    let public = online.private == Some(false);
    for e in online.environments.iter().filter(|e| e.index == "pypi") {
        let file = pypi_file.clone();
        if !e.exists {
            findings.push(at(
                Finding::new(
                    "chora/environment-missing",
                    Severity::Medium,
                    format!(
                        "the publish job names the environment {:?}, which the repository does not have: GitHub creates it on the next run with no protection at all, and PyPI accepts uploads from it all the same (it is unprotected)",
                        e.name
                    ),
                    format!(
                        "create it under Settings → Environments → New environment ({:?}) with a tag policy (v*) and required reviewers",
                        e.name
                    ),
                ),
                file,
            ));
            continue;
        }
        if e.branch_policy.is_none() {
            findings.push(at(
                Finding::new(
                    "chora/environment-branch-policy",
                    Severity::Medium,
                    format!("the environment {:?} accepts deployments from any branch or tag", e.name),
                    "Settings → Environments → Deployment branches and tags: Selected, add a tag rule (v*)",
                ),
                file.clone(),
            ));
        } else if e.branch_policy == Some("custom")
            && !e.patterns.iter().any(|p| p.starts_with("tag:"))
        {
            findings.push(at(
                Finding::new(
                    "chora/environment-branch-policy",
                    Severity::Low,
                    format!(
                        "the environment {:?} allows {} but no tag pattern: a tag-triggered release cannot deploy, or runs from a branch",
                        e.name,
                        if e.patterns.is_empty() { "nothing listed".to_string() } else { e.patterns.join(", ") }
                    ),
                    "add a tag rule (v*) to the environment's deployment branches and tags",
                ),
                file.clone(),
            ));
        }
        if e.required_reviewers == 0 {
            findings.push(at(
                Finding::new(
                    "chora/environment-reviewers",
                    if public { Severity::Medium } else { Severity::Low },
                    format!(
                        "the environment {:?} has no required reviewers: any run that reaches the publish job uploads without a person approving it{}",
                        e.name,
                        if public { "" } else { " (on GitHub Free, Pro and Team plans, required reviewers exist only in public repositories)" }
                    ),
                    "Settings → Environments → Required reviewers: add one or more maintainers",
                ),
                file.clone(),
            ));
        }
        if e.can_admins_bypass == Some(true) {
            findings.push(at(
                Finding::new(
                    "chora/environment-admin-bypass",
                    Severity::Low,
                    format!("administrators may bypass the protection rules of the environment {:?}", e.name),
                    "Settings → Environments: untick \"Allow administrators to bypass configured protection rules\"",
                ),
                file,
            ));
        }
    }

    if let Some(tr) = &online.tag_rulesets
        && !tr.covers_release_tags
        && r.publishes
    {
        findings.push(at(
            Finding::new(
                "chora/tag-ruleset",
                Severity::Medium,
                if tr.active.is_empty() {
                    "no active tag ruleset: anyone with write access can create, move or delete the release tags the publish workflow trusts".to_string()
                } else {
                    format!(
                        "the active tag rulesets ({}) do not restrict {} of the release tags (v*)",
                        tr.active.join(", "),
                        tr.unrestricted.join(", ")
                    )
                },
                "Settings → Rules → Rulesets → New tag ruleset: target v*, restrict creations, updates and deletions, active",
            ),
            pypi_file.clone(),
        ));
    }

    if let Some(rel) = &online.releases {
        if rel.checked > 0 && rel.with_provenance_assets < rel.checked {
            findings.push(at(
                Finding::new(
                    "scorecard/Signed-Releases",
                    Severity::Medium,
                    format!(
                        "{} of the last {} GitHub releases have no *.sigstore.json or *.intoto.jsonl asset ({}){}",
                        rel.checked - rel.with_provenance_assets,
                        rel.checked,
                        rel.without_provenance.join(", "),
                        if rel.with_publish_attestations > 0 {
                            "; the .publish.attestation assets chora archives do not count for Scorecard"
                        } else {
                            ""
                        }
                    ),
                    "upload the Sigstore bundles (*.sigstore.json) or SLSA provenance (*.intoto.jsonl) as release assets",
                ),
                pypi_file.clone(),
            ));
        }
        if rel.immutable == Some(false) && r.publishes {
            findings.push(at(
                Finding::new(
                    "chora/immutable-releases",
                    Severity::Low,
                    "immutable releases are off: a published release's assets and tag can still be changed",
                    "Settings → General → Releases: enable release immutability",
                ),
                pypi_file.clone(),
            ));
        }
    }

    if let Some(p) = &online.pypi {
        let ours = online
            .repository
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        for f in &p.files {
            if !f.provenance {
                findings.push(at(
                    Finding::new(
                        "chora/pypi-provenance",
                        Severity::Medium,
                        format!(
                            "{} {} on PyPI has no provenance (no PEP 740 attestation)",
                            p.project, f.filename
                        ),
                        "publish with Trusted Publishing and attestations (pypa/gh-action-pypi-publish attests by default; chora publish --attestations)",
                    ),
                    pypi_file.clone(),
                ));
            } else if let Some(repo) = &f.repository
                && repo.to_ascii_lowercase() != ours
            {
                findings.push(at(
                    Finding::new(
                        "chora/pypi-provenance-publisher",
                        Severity::High,
                        format!(
                            "{} {} on PyPI was published by {} ({}), not by {}: someone else's pipeline published it",
                            p.project,
                            f.filename,
                            repo,
                            f.workflow.as_deref().unwrap_or("?"),
                            online.repository.as_deref().unwrap_or("?")
                        ),
                        "check the project's trusted publishers on PyPI (Manage → Publishing): remove the ones you do not own, and yank the file if it is not yours",
                    ),
                    pypi_file.clone(),
                ));
            }
        }
    }

    // The thresholds measured online take the place of the ledgers' figures.
    let testpypi: Vec<_> = online
        .workflows
        .iter()
        .filter(|w| w.index == "testpypi" && w.success_rate.is_some())
        .collect();
    if let Some(worst) = testpypi.iter().min_by(|a, b| {
        a.success_rate
            .partial_cmp(&b.success_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
    }) && let Some(rate) = worst.success_rate
        && let Some(v) = r
            .verdicts
            .iter_mut()
            .find(|v| v.name == "testpypi-success-rate")
    {
        let judged = worst.success + worst.failure + worst.timed_out + worst.startup_failure;
        v.measured = Some(format!(
            "{} over {judged} runs of {} job {} (GitHub; {} cancelled, {} skipped not counted)",
            pct(rate),
            worst.workflow,
            worst.job,
            worst.cancelled,
            worst.skipped
        ));
        v.passed = Some(rate >= t.testpypi_success_rate);
        v.source = Some("github");
    }
    if let Some(p) = &online.pypi
        && let Some(cov) = p.provenance_coverage
        && let Some(v) = r
            .verdicts
            .iter_mut()
            .find(|v| v.name == "provenance-coverage")
    {
        v.measured = Some(format!(
            "{} of the {} files of {} {} (PyPI)",
            pct(cov),
            p.files.len(),
            p.project,
            p.version.as_deref().unwrap_or("?")
        ));
        v.passed = Some(cov >= t.provenance_coverage);
        v.source = Some("pypi");
    }

    // The acceptance matrix: online evidence beside the files'.
    for c in &mut r.acceptance {
        match c.name {
            "TestPyPI via OIDC" => {
                if let Some(w) = testpypi.first()
                    && let Some(rate) = w.success_rate
                {
                    c.evidence.push_str(&format!(
                        "; GitHub: {} of the last {} runs succeeded",
                        pct(rate),
                        w.runs
                    ));
                    c.passed &= rate >= t.testpypi_success_rate;
                    c.source.push("github");
                }
            }
            "PyPI + install smoke" => {
                if let Some(w) = online
                    .workflows
                    .iter()
                    .find(|w| w.index == "pypi" && w.runs > 0)
                {
                    c.evidence.push_str(&format!(
                        "; GitHub: {} of the last {} publish runs succeeded",
                        w.success, w.runs
                    ));
                    c.source.push("github");
                }
            }
            "attestation generated and archived" => {
                if let Some(rel) = &online.releases
                    && rel.checked > 0
                {
                    c.evidence.push_str(&format!(
                        "; GitHub: {} of the last {} releases with provenance assets",
                        rel.with_provenance_assets, rel.checked
                    ));
                    c.source.push("github");
                }
                if let Some(p) = &online.pypi
                    && let Some(cov) = p.provenance_coverage
                {
                    c.evidence.push_str(&format!(
                        "; PyPI: {} of the files of {} with provenance",
                        pct(cov),
                        p.version.as_deref().unwrap_or("?")
                    ));
                    c.passed &= cov >= t.provenance_coverage;
                    c.source.push("pypi");
                }
            }
            _ => {}
        }
    }

    r.findings.extend(findings);
    r.counts = Counts::of(&r.findings);
    r.online = Some(online);
}
