//! The thresholds measured from chora-publish ledgers (`--ledger FILE…`), when no CI API is at
//! hand: each ledger is verified first (a broken chain is refused, never measured), then its
//! entries are grouped by run.
//!
//! - TestPyPI success rate: over the last `runs` runs that uploaded to test.pypi.org, the share
//!   whose uploads all succeeded.
//! - Publish to install: per run, from the last successful PyPI upload to the smoke test's
//!   success (the entries' timestamps); the worst of the last `runs` runs.
//! - Provenance coverage: of the runs that uploaded to PyPI, the share whose every uploaded file
//!   carried an attestation.

use std::path::PathBuf;

use serde::Serialize;

use super::AuditError;
use super::config::Thresholds;
use crate::publish::ledger::{self, Entry, Outcome};

/// What the ledgers show.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measures {
    pub ledgers: usize,
    pub testpypi_runs: usize,
    pub testpypi_success_rate: Option<f64>,
    pub install_runs: usize,
    pub publish_to_install_seconds: Option<i64>,
    pub pypi_releases: usize,
    pub provenance_coverage: Option<f64>,
}

/// One threshold against what was measured (`passed: None` = nothing to measure).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub name: &'static str,
    pub target: String,
    pub measured: Option<String>,
    pub passed: Option<bool>,
    /// Where the figure comes from: `ledger`, `github` (runs) or `pypi` (provenance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'static str>,
}

fn is_testpypi(e: &Entry) -> bool {
    e.target
        .as_deref()
        .is_some_and(|t| t.contains("test.pypi.org"))
}

/// The runs in order of first appearance, each with its entries.
fn runs(entries: &[Entry]) -> Vec<(String, Vec<&Entry>)> {
    let mut out: Vec<(String, Vec<&Entry>)> = Vec::new();
    for e in entries {
        let id = e.run.id.clone();
        match out.iter_mut().find(|(r, _)| *r == id) {
            Some((_, list)) => list.push(e),
            None => out.push((id, vec![e])),
        }
    }
    out
}

fn last<T>(items: Vec<T>, n: usize) -> Vec<T> {
    let skip = items.len().saturating_sub(n);
    items.into_iter().skip(skip).collect()
}

/// Measure `paths` (each verified) over the last `window` runs.
pub fn measure(paths: &[PathBuf], window: usize) -> Result<Measures, AuditError> {
    let mut entries = Vec::new();
    for path in paths {
        let verified = ledger::verify_file(path).map_err(|e| AuditError::Ledger {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        entries.extend(verified.entries);
    }
    let all = runs(&entries);
    let uploads = |list: &[&Entry], testpypi: bool| -> Vec<Outcome> {
        list.iter()
            .filter(|e| e.operation == "upload" && is_testpypi(e) == testpypi)
            .map(|e| e.outcome)
            .filter(|o| *o != Outcome::Started)
            .collect()
    };

    let test_runs = last(
        all.iter()
            .map(|(_, list)| uploads(list, true))
            .filter(|o| !o.is_empty())
            .collect(),
        window,
    );
    let test_ok = test_runs
        .iter()
        .filter(|o| o.iter().all(|x| *x == Outcome::Succeeded))
        .count();

    let install_times = last(
        all.iter()
            .filter_map(|(_, list)| {
                let uploaded = list
                    .iter()
                    .filter(|e| {
                        e.operation == "upload"
                            && !is_testpypi(e)
                            && e.outcome == Outcome::Succeeded
                    })
                    .filter_map(|e| crate::time::parse_rfc3339(&e.time))
                    .max()?;
                let installed = list
                    .iter()
                    .filter(|e| e.operation == "smoke" && e.outcome == Outcome::Succeeded)
                    .filter_map(|e| crate::time::parse_rfc3339(&e.time))
                    .find(|t| *t >= uploaded)?;
                Some(installed - uploaded)
            })
            .collect(),
        window,
    );

    let releases: Vec<bool> = all
        .iter()
        .filter_map(|(_, list)| {
            let done: Vec<&&Entry> = list
                .iter()
                .filter(|e| {
                    e.operation == "upload" && !is_testpypi(e) && e.outcome == Outcome::Succeeded
                })
                .collect();
            if done.is_empty() {
                return None;
            }
            Some(done.iter().all(|e| {
                e.details
                    .get("attestations")
                    .and_then(serde_json::Value::as_u64)
                    .is_some_and(|n| n > 0)
            }))
        })
        .collect();
    let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
    Ok(Measures {
        ledgers: paths.len(),
        testpypi_runs: test_runs.len(),
        testpypi_success_rate: ratio(test_ok, test_runs.len()),
        install_runs: install_times.len(),
        publish_to_install_seconds: install_times.iter().copied().max(),
        pypi_releases: releases.len(),
        provenance_coverage: ratio(releases.iter().filter(|r| **r).count(), releases.len()),
    })
}

/// Each threshold against the measures.
pub fn verdicts(t: &Thresholds, m: &Measures) -> Vec<Verdict> {
    let pct = |r: f64| format!("{:.1}%", r * 100.0);
    vec![
        Verdict {
            name: "testpypi-success-rate",
            target: format!(
                ">= {} over the last {} runs",
                pct(t.testpypi_success_rate),
                t.runs
            ),
            measured: m
                .testpypi_success_rate
                .map(|r| format!("{} over {} runs", pct(r), m.testpypi_runs)),
            passed: m
                .testpypi_success_rate
                .map(|r| r >= t.testpypi_success_rate),
            source: m.testpypi_success_rate.map(|_| "ledger"),
        },
        Verdict {
            name: "publish-to-install-seconds",
            target: format!("<= {} s", t.publish_to_install_seconds),
            measured: m
                .publish_to_install_seconds
                .map(|s| format!("{s} s (worst of {} runs)", m.install_runs)),
            passed: m
                .publish_to_install_seconds
                .map(|s| s <= t.publish_to_install_seconds),
            source: m.publish_to_install_seconds.map(|_| "ledger"),
        },
        Verdict {
            name: "provenance-coverage",
            target: format!(">= {} of releases", pct(t.provenance_coverage)),
            measured: m
                .provenance_coverage
                .map(|r| format!("{} of {} releases", pct(r), m.pypi_releases)),
            passed: m.provenance_coverage.map(|r| r >= t.provenance_coverage),
            source: m.provenance_coverage.map(|_| "ledger"),
        },
    ]
}
