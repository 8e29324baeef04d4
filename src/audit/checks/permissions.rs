//! Token permissions: Scorecard's Token-Permissions arithmetic per workflow (top level only:
//! job-level writes under a read-only top level are not deducted), and `id-token: write` granted
//! to every job at once (zizmor `excessive-permissions`).

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;
use crate::workflow::read::{Permissions, Workflow};

/// Scorecard's score (0–10) for one workflow and the reasons for each deduction.
pub fn score(workflow: &Workflow) -> (u8, Vec<String>) {
    let mut score = 10.0_f64;
    let mut why = Vec::new();
    let job_undeclared = workflow.jobs.iter().any(|j| j.permissions.is_none());
    let job_writes = workflow.jobs.iter().any(|j| match &j.permissions {
        Some(Permissions::All(a)) => a == "write-all",
        Some(Permissions::Scopes(s)) => s.iter().any(|(_, v)| v == "write"),
        None => false,
    });
    match &workflow.permissions {
        None => {
            if job_undeclared {
                score = 0.0;
                why.push("no top-level `permissions:` and a job without one either".to_string());
            } else {
                score -= 0.5;
                why.push("no top-level `permissions:`".to_string());
            }
        }
        Some(Permissions::All(all)) if all == "write-all" => {
            if job_writes || job_undeclared {
                score = 0.0;
            } else {
                score -= 0.5;
            }
            why.push("top-level `permissions: write-all`".to_string());
        }
        Some(Permissions::All(_)) => {}
        Some(Permissions::Scopes(scopes)) => {
            for (scope, level) in scopes {
                if level != "write" {
                    continue;
                }
                let cost = match scope.as_str() {
                    "contents" | "packages" | "actions" => 10.0,
                    "deployments" | "security-events" => 1.0,
                    "checks" | "statuses" => 0.5,
                    _ => 0.0,
                };
                if cost > 0.0 {
                    score -= cost;
                    why.push(format!("top-level `{scope}: write`"));
                }
            }
        }
    }
    // Scorecard truncates the float: -0.5 costs a point.
    let score = score.clamp(0.0, 10.0).floor() as u8;
    (score, why)
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &repo.scanned {
        let w = &s.workflow;
        if w.kind != crate::workflow::read::FileKind::Workflow {
            continue;
        }
        let (score, why) = score(w);
        if score < 10 {
            let severity = if score < 5 {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                Finding::new(
                    "scorecard/Token-Permissions",
                    severity,
                    format!("Token-Permissions {score}/10: {}", why.join("; ")),
                    "declare `permissions: {}` at the top of the workflow and grant each job only what it needs (contents: read; id-token: write only on the publishing job)",
                )
                .at(&w.path, None),
            );
        }
        if w.permissions
            .as_ref()
            .is_some_and(Permissions::id_token_write)
            && w.jobs.len() > 1
        {
            out.push(
                Finding::new(
                    "zizmor/excessive-permissions",
                    Severity::High,
                    "`id-token: write` at the top level: every job of the workflow can mint upload tokens",
                    "move `id-token: write` to the publishing job's own `permissions:`",
                )
                .at(&w.path, None),
            );
        }
    }
    out
}
