//! The publish job's deployment environment (`GET …/environments/{name}`, the name
//! URL-encoded): required reviewers, wait timer, `deployment_branch_policy` and its patterns
//! (`GET …/environments/{name}/deployment-branch-policies`: branch or tag globs such as `v*`),
//! `can_admins_bypass`. A 404 is an environment the workflow names but the repository lacks:
//! GitHub creates it on the first run with no protection, and PyPI accepts it all the same.

use serde::{Deserialize, Serialize};

use crate::publish::github::client::Client;
use crate::publish::github::{GithubError, Repository};

/// One environment as GitHub holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Environment {
    pub name: String,
    /// The index its publish job uploads to.
    pub index: &'static str,
    pub exists: bool,
    pub required_reviewers: usize,
    /// Minutes.
    pub wait_timer: u64,
    /// `protected_branches`, `custom` (the patterns below) or none (any branch or tag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_policy: Option<&'static str>,
    /// Custom policies, `tag:v*` / `branch:main`.
    pub patterns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can_admins_bypass: Option<bool>,
}

#[derive(Deserialize)]
struct EnvJson {
    #[serde(default)]
    protection_rules: Vec<Rule>,
    #[serde(default)]
    deployment_branch_policy: Option<BranchPolicy>,
    #[serde(default)]
    can_admins_bypass: Option<bool>,
}

#[derive(Deserialize)]
struct Rule {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    wait_timer: Option<u64>,
    #[serde(default)]
    reviewers: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct BranchPolicy {
    #[serde(default)]
    protected_branches: bool,
    #[serde(default)]
    custom_branch_policies: bool,
}

#[derive(Deserialize)]
struct PoliciesJson {
    #[serde(default)]
    branch_policies: Vec<Policy>,
}

#[derive(Deserialize)]
struct Policy {
    name: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// The environment `name` of `repo`.
pub async fn fetch(
    client: &Client<'_>,
    repo: &Repository,
    name: &str,
    index: &'static str,
) -> Result<Environment, GithubError> {
    let url = client.repo_url(repo, &["environments", name])?;
    let what = format!("GET environment {name}");
    let mut env = Environment {
        name: name.to_string(),
        index,
        ..Environment::default()
    };
    let Some(got) = client.get_optional::<EnvJson>(&what, &url).await? else {
        return Ok(env);
    };
    env.exists = true;
    env.can_admins_bypass = got.can_admins_bypass;
    for rule in &got.protection_rules {
        match rule.kind.as_str() {
            "required_reviewers" => env.required_reviewers += rule.reviewers.len().max(1),
            "wait_timer" => env.wait_timer = env.wait_timer.max(rule.wait_timer.unwrap_or(0)),
            _ => {}
        }
    }
    match got.deployment_branch_policy {
        Some(p) if p.protected_branches => env.branch_policy = Some("protected_branches"),
        Some(p) if p.custom_branch_policies => {
            env.branch_policy = Some("custom");
            let url = client.repo_query_url(
                repo,
                &["environments", name, "deployment-branch-policies"],
                &[("per_page", "100")],
            )?;
            let what = format!("GET deployment branch policies of {name}");
            if let Some(list) = client.get_optional::<PoliciesJson>(&what, &url).await? {
                env.patterns = list
                    .branch_policies
                    .into_iter()
                    .map(|p| format!("{}:{}", p.kind.as_deref().unwrap_or("branch"), p.name))
                    .collect();
            }
        }
        _ => {}
    }
    Ok(env)
}
