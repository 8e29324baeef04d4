//! The publish job's record: the last `runs` completed runs of a publishing workflow
//! (`GET …/actions/workflows/{file}/runs?per_page=N&status=completed`) and, per run, the
//! publish job's conclusion (`GET …/actions/runs/{id}/jobs?filter=latest`; the run's own
//! conclusion when the job is absent, as after a startup failure). Success rate = success ÷
//! (success + failure + timed_out + startup_failure); cancelled and skipped apart; a run on
//! its second attempt or later counts as flaky.

use serde::{Deserialize, Serialize};

use crate::publish::github::client::Client;
use crate::publish::github::{GithubError, Repository};

/// One publishing job's runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkflowRuns {
    pub workflow: String,
    pub job: String,
    pub index: &'static str,
    pub runs: usize,
    pub success: usize,
    pub failure: usize,
    pub timed_out: usize,
    pub startup_failure: usize,
    pub cancelled: usize,
    pub skipped: usize,
    /// Any other conclusion (neutral, action_required, stale…).
    pub other: usize,
    /// Runs on attempt 2 or later (re-run after a failure: flakiness).
    pub reruns: usize,
    /// `None`: no run counted.
    pub success_rate: Option<f64>,
}

#[derive(Deserialize)]
struct RunsPage {
    #[serde(default)]
    workflow_runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    id: u64,
    #[serde(default)]
    conclusion: Option<String>,
    #[serde(default)]
    run_attempt: Option<u64>,
}

#[derive(Deserialize)]
struct JobsPage {
    #[serde(default)]
    jobs: Vec<Job>,
}

#[derive(Deserialize)]
struct Job {
    name: String,
    #[serde(default)]
    conclusion: Option<String>,
}

/// Whether a job of the API (its display name) is the workflow's job `id`: the same, or a
/// matrix instance `id (…)`, or a reusable workflow's `id / …`.
fn is_job(name: &str, id: &str) -> bool {
    name == id || name.starts_with(&format!("{id} (")) || name.starts_with(&format!("{id} / "))
}

/// Count one conclusion.
pub fn count(w: &mut WorkflowRuns, conclusion: &str) {
    match conclusion {
        "success" => w.success += 1,
        "failure" => w.failure += 1,
        "timed_out" => w.timed_out += 1,
        "startup_failure" => w.startup_failure += 1,
        "cancelled" => w.cancelled += 1,
        "skipped" => w.skipped += 1,
        _ => w.other += 1,
    }
}

/// The rate of what was counted.
pub fn rate(w: &WorkflowRuns) -> Option<f64> {
    let judged = w.success + w.failure + w.timed_out + w.startup_failure;
    (judged > 0).then(|| w.success as f64 / judged as f64)
}

/// The runs of `workflow` (a file name) and its job `job`.
pub async fn fetch(
    client: &Client<'_>,
    repo: &Repository,
    workflow: &str,
    job: &str,
    job_name: Option<&str>,
    index: &'static str,
    n: usize,
) -> Result<WorkflowRuns, GithubError> {
    let per_page = n.clamp(1, 100).to_string();
    let url = client.repo_query_url(
        repo,
        &["actions", "workflows", workflow, "runs"],
        &[("per_page", &per_page), ("status", "completed")],
    )?;
    let what = format!("GET runs of {workflow}");
    let page: RunsPage =
        client
            .get_optional(&what, &url)
            .await?
            .ok_or_else(|| GithubError::NotFound {
                what: what.clone(),
                message: format!(
                    "GitHub knows no workflow {workflow} (is it on the default branch?)"
                ),
            })?;
    let mut w = WorkflowRuns {
        workflow: workflow.to_string(),
        job: job.to_string(),
        index,
        ..WorkflowRuns::default()
    };
    for run in page.workflow_runs.iter().take(n) {
        w.runs += 1;
        if run.run_attempt.unwrap_or(1) > 1 {
            w.reruns += 1;
        }
        let url = client.repo_query_url(
            repo,
            &["actions", "runs", &run.id.to_string(), "jobs"],
            &[("filter", "latest"), ("per_page", "100")],
        )?;
        let jobs: Option<JobsPage> = client
            .get_optional(&format!("GET jobs of run {}", run.id), &url)
            .await?;
        let conclusion = jobs
            .and_then(|j| {
                j.jobs
                    .into_iter()
                    .find(|x| is_job(&x.name, job) || job_name.is_some_and(|n| is_job(&x.name, n)))
            })
            .and_then(|j| j.conclusion)
            .or_else(|| run.conclusion.clone())
            .unwrap_or_default();
        count(&mut w, &conclusion);
    }
    w.success_rate = rate(&w);
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_and_skipped_do_not_count_against_the_rate() {
        let mut w = WorkflowRuns::default();
        for c in ["success"; 18] {
            count(&mut w, c);
        }
        for c in ["failure", "cancelled", "skipped", "timed_out", "neutral"] {
            count(&mut w, c);
        }
        assert_eq!(rate(&w), Some(0.9));
        assert_eq!((w.cancelled, w.skipped, w.other), (1, 1, 1));
        assert_eq!(rate(&WorkflowRuns::default()), None);
        assert!(is_job("publish (pypi)", "publish") && !is_job("publisher", "publish"));
    }
}
