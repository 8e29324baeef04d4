//! Many repositories at once: each audited on its own thread (at most one per core), and the
//! organisation summary — repositories publishing, by tool and auth method, the tokens still in
//! use, attestation coverage.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::AuditError;
use super::report::{Counts, RepoReport};

/// One token still in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInUse {
    pub repository: String,
    pub workflow: PathBuf,
    pub job: String,
    pub index: &'static str,
    pub secrets: Vec<String>,
}

/// The organisation's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub repositories: usize,
    pub publishing: usize,
    pub by_tool: BTreeMap<String, usize>,
    pub by_auth: BTreeMap<String, usize>,
    pub tokens_in_use: Vec<TokenInUse>,
    /// PyPI publishing jobs, and those sending attestations.
    pub pypi_jobs: usize,
    pub pypi_jobs_with_attestations: usize,
    pub findings: Counts,
    pub thresholds_missed: usize,
    pub errors: usize,
    /// The online tier's figures (`--online` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online: Option<OnlineSummary>,
}

/// The organisation's online figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OnlineSummary {
    pub repositories: usize,
    pub with_errors: usize,
    pub testpypi_below_target: usize,
    pub unprotected_environments: usize,
    pub without_tag_ruleset: usize,
    pub pypi_files: usize,
    pub pypi_files_with_provenance: usize,
}

/// The summary of `reports` (and `errors` repositories that could not be audited).
pub fn summary(reports: &[RepoReport], errors: usize) -> Summary {
    let mut s = Summary {
        repositories: reports.len() + errors,
        errors,
        ..Summary::default()
    };
    for r in reports {
        if r.publishes {
            s.publishing += 1;
        }
        for p in &r.publishing {
            *s.by_tool.entry(p.tool.clone()).or_default() += 1;
            *s.by_auth.entry(p.auth.to_string()).or_default() += 1;
            if p.auth == "token" {
                s.tokens_in_use.push(TokenInUse {
                    repository: r.name.clone(),
                    workflow: p.workflow.clone(),
                    job: p.job.clone(),
                    index: p.index,
                    secrets: p.secrets.clone(),
                });
            }
            if p.index == "pypi" {
                s.pypi_jobs += 1;
                if p.attestations {
                    s.pypi_jobs_with_attestations += 1;
                }
            }
        }
        s.findings.high += r.counts.high;
        s.findings.medium += r.counts.medium;
        s.findings.low += r.counts.low;
        if r.missed_threshold() {
            s.thresholds_missed += 1;
        }
        if let Some(o) = &r.online {
            let t = s.online.get_or_insert_with(OnlineSummary::default);
            t.repositories += 1;
            t.with_errors += usize::from(!o.errors.is_empty());
            t.testpypi_below_target += usize::from(o.workflows.iter().any(|w| {
                w.index == "testpypi"
                    && w.success_rate
                        .is_some_and(|x| x < r.thresholds.testpypi_success_rate)
            }));
            t.unprotected_environments += o
                .environments
                .iter()
                .filter(|e| {
                    e.index == "pypi"
                        && (!e.exists || e.branch_policy.is_none() || e.required_reviewers == 0)
                })
                .count();
            t.without_tag_ruleset += usize::from(
                r.publishes
                    && o.tag_rulesets
                        .as_ref()
                        .is_some_and(|x| !x.covers_release_tags),
            );
            if let Some(p) = &o.pypi {
                t.pypi_files += p.files.len();
                t.pypi_files_with_provenance += p.files.iter().filter(|f| f.provenance).count();
            }
        }
    }
    s
}

/// One repository's audit, or why it could not be audited.
pub type Outcome = Result<RepoReport, (PathBuf, AuditError)>;

/// Audit every root, in parallel; results in the order of `roots`.
pub fn audit_all(roots: &[PathBuf], ledgers: &[PathBuf]) -> Vec<Outcome> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(roots.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let cache = crate::workflow::report::ScanCache::default();
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..roots.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(root) = roots.get(i) else { break };
                    let outcome = super::report::audit_cached(root, ledgers, &cache)
                        .map(|(report, _)| report)
                        .map_err(|e| (root.clone(), e));
                    if let Ok(mut all) = results.lock()
                        && let Some(slot) = all.get_mut(i)
                    {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}
