//! `chora audit --online`: what GitHub and PyPI say about each audited repository, on top of
//! the offline tier. Per repository (owner/repository known from the git remote or the
//! answers): `runs` (the publish job's conclusion over the last `runs` completed runs of each
//! publishing workflow), `environments` (the publish job's deployment environment, its
//! protection rules and branch/tag policies), `rulesets` (an active tag ruleset), `releases`
//! (provenance assets, immutable releases) and `pypi` (the latest version's files and their
//! provenance's publisher). All repositories share one REST client, so one rate-limit budget
//! (`publish::github::limits`); a failure of one request is an `errors` entry of that
//! repository, never an abort. `merge` folds the results into the report: findings, the
//! acceptance matrix's evidence sources, the thresholds.

pub mod environments;
pub mod merge;
pub mod pypi;
pub mod releases;
pub mod rulesets;
pub mod runs;

use serde::Serialize;

use super::report::RepoReport;
use crate::publish::credentials::Secret;
use crate::publish::github::client::{Client, Config as ClientConfig};
use crate::publish::github::limits::Clock;
use crate::publish::github::{GithubError, Repository};
use crate::publish::http::{Http, Timeouts};

/// The GitHub API when neither `--github-api-url` nor `GITHUB_API_URL` says.
pub const DEFAULT_GITHUB_API: &str = "https://api.github.com";
/// PyPI when `--pypi-url` does not say.
pub const DEFAULT_PYPI: &str = "https://pypi.org";

/// Where the online tier looks, and with what.
#[derive(Debug, Clone)]
pub struct Config {
    pub github_api: String,
    pub pypi: String,
    pub token: Option<Secret>,
    pub clock: Clock,
    pub timeouts: Timeouts,
}

/// What the online tier found for one repository (`online` in the JSON report).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Online {
    /// `owner/repository` asked about (none: not known, nothing fetched).
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private: Option<bool>,
    pub workflows: Vec<runs::WorkflowRuns>,
    pub environments: Vec<environments::Environment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_rulesets: Option<rulesets::TagRulesets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releases: Option<releases::Releases>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pypi: Option<pypi::Pypi>,
    /// Requests that failed (404, 401, rate limit), in words; the token never appears.
    pub errors: Vec<String>,
}

/// Why the online tier could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("cannot start the HTTP client: {0}")]
    Http(String),
    #[error(transparent)]
    Github(#[from] GithubError),
}

/// A failed request in words (a rate limit, a refusal), without the token.
pub(crate) fn say(e: &GithubError) -> String {
    crate::publish::ledger::redact(&e.to_string())
}

/// Fetch the online evidence of every report and fold it in, all repositories at once over
/// one client (one rate-limit budget).
pub fn run(reports: &mut [RepoReport], config: &Config) -> Result<(), OnlineError> {
    let http = Http::new(config.timeouts).map_err(|e| OnlineError::Http(e.to_string()))?;
    let client = Client::new(
        &http,
        ClientConfig {
            api_url: config.github_api.clone(),
            uploads_url: None,
            token: config.token.clone(),
            clock: config.clock,
            attempts: 3,
            backoff: std::time::Duration::from_millis(500),
        },
    )?;
    let pypi = reqwest::Url::parse(config.pypi.trim()).map_err(|e| {
        OnlineError::Github(GithubError::BadUrl {
            option: "--pypi-url",
            reason: e.to_string(),
        })
    })?;
    let results = http.block_on(futures_util::future::join_all(
        reports.iter().map(|r| one(&client, &http, &pypi, r)),
    ));
    for (report, online) in reports.iter_mut().zip(results) {
        merge::merge(report, online);
    }
    Ok(())
}

/// The online evidence of one repository.
async fn one(client: &Client<'_>, http: &Http, pypi: &reqwest::Url, r: &RepoReport) -> Online {
    let mut online = Online::default();
    let Some((owner, name)) = r
        .trusted_publishers
        .iter()
        .find_map(|p| Some((p.owner.clone()?, p.repository.clone()?)))
        .or_else(|| {
            r.name
                .split_once('/')
                .map(|(o, n)| (o.to_string(), n.to_string()))
        })
    else {
        online.errors.push(
            "the GitHub owner/repository is not known (no GitHub git remote, no github_owner/github_repository answers): nothing fetched".to_string(),
        );
        return online;
    };
    let repo = match Repository::parse(&format!("{owner}/{name}")) {
        Ok(repo) => repo,
        Err(e) => {
            online.errors.push(say(&e));
            return online;
        }
    };
    online.repository = Some(repo.to_string());
    // The repository itself: a 404 (or 401) stops the rest for it, not the others.
    match repository(client, &repo).await {
        Ok(Some(private)) => online.private = private,
        Ok(None) => {
            online.errors.push(format!(
                "GET repository {repo}: not found (404): check the name, or that the token may read it"
            ));
            return online;
        }
        Err(e) => {
            online.errors.push(say(&e));
            return online;
        }
    }
    let thresholds = &r.thresholds;
    for p in &r.trusted_publishers {
        match runs::fetch(
            client,
            &repo,
            &p.workflow,
            &p.job,
            p.job_name.as_deref(),
            p.index,
            thresholds.runs,
        )
        .await
        {
            Ok(w) => online.workflows.push(w),
            Err(e) => online.errors.push(say(&e)),
        }
        if let Some(env) = &p.environment
            && !online.environments.iter().any(|e| &e.name == env)
        {
            match environments::fetch(client, &repo, env, p.index).await {
                Ok(e) => online.environments.push(e),
                Err(e) => online.errors.push(say(&e)),
            }
        }
    }
    match rulesets::fetch(client, &repo).await {
        Ok(t) => online.tag_rulesets = Some(t),
        Err(e) => online.errors.push(say(&e)),
    }
    match releases::fetch(client, &repo).await {
        Ok(mut rel) => {
            match releases::immutable(client, &repo).await {
                Ok(on) => rel.immutable = on,
                Err(e) => online.errors.push(say(&e)),
            }
            online.releases = Some(rel);
        }
        Err(e) => online.errors.push(say(&e)),
    }
    let pypi_publishes = r.publishing.iter().any(|p| p.index == "pypi");
    if pypi_publishes {
        match &r.project {
            Some(project) => match pypi::fetch(http, pypi, project).await {
                Ok(p) => online.pypi = Some(p),
                Err(e) => online.errors.push(e),
            },
            None => online.errors.push(
                "the project's name is not known (no [project].name in pyproject.toml): PyPI not asked".to_string(),
            ),
        }
    }
    online
}

#[derive(serde::Deserialize)]
struct RepoJson {
    #[serde(default)]
    private: Option<bool>,
}

/// `GET /repos/{o}/{r}`: `Some(private)`, or `None` for a 404.
async fn repository(
    client: &Client<'_>,
    repo: &Repository,
) -> Result<Option<Option<bool>>, GithubError> {
    let url = client.repo_url(repo, &[])?;
    let got: Option<RepoJson> = client
        .get_optional(&format!("GET repository {repo}"), &url)
        .await?;
    Ok(got.map(|r| r.private))
}
