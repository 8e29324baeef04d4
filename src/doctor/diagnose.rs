//! Compare a failed run's claims with the mapping the repository expects and name each
//! difference PyPI's matching would trip on (warehouse's GitHub publisher: `repository` and
//! `repository_owner` case-insensitively, `repository_owner_id` against resurrection, the
//! workflow file in `job_workflow_ref`, the environment when the publisher has one, `sub` in
//! GitHub's default shape, no `pull_request_target`), each with the setting to change and where.

use serde::Serialize;

use crate::migrate::facts::{PublisherValues, pending_publisher_link, pypi_form_link};
use crate::publish::claims::Claims;
use crate::workflow::model::Index;

use super::expected::{Mapping, Target};

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The token is not from GitHub Actions.
    NotGithub,
    /// Same owner, another repository name.
    RepositoryRenamed,
    /// Another owner.
    RepositoryTransferred,
    /// Same owner name, another owner id (deleted and re-created, or the name changed hands).
    OwnerId,
    /// Another workflow file.
    WorkflowFile,
    /// The publishing job ran in a reusable workflow.
    ReusableWorkflow,
    /// The publisher has an environment the job does not use.
    EnvironmentMissing,
    /// The job uses another environment.
    EnvironmentDiffers,
    /// Started by `pull_request_target`.
    PullRequestTarget,
    /// Started by `pull_request`.
    PullRequest,
    /// `sub` is not in GitHub's default shape.
    CustomSub,
}

/// One difference: the claim, what the run presented, what was expected (and from where), and
/// the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: Kind,
    pub claim: &'static str,
    pub observed: Option<String>,
    pub expected: Option<String>,
    pub expected_from: Option<String>,
    pub fix: String,
}

/// The outcome: the differences, and the publisher forms to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub index: &'static str,
    pub differences: Vec<Difference>,
    /// The pre-filled form of a publisher that matches the run as it is (when the claims name
    /// its repository and workflow).
    pub matching_publisher_link: Option<String>,
    /// Where a pending publisher goes when the project is not on the index yet.
    pub pending_publisher_link: String,
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// `sub` in one of GitHub's default shapes for `repository`.
fn default_sub(sub: &str, repository: &str) -> bool {
    let Some(rest) = sub
        .get(..5 + repository.len())
        .filter(|head| same(head, &format!("repo:{repository}")))
        .and_then(|_| sub.get(5 + repository.len()..))
    else {
        return false;
    };
    rest == ":pull_request" || rest.starts_with(":environment:") || rest.starts_with(":ref:")
}

/// The owner and repository of a `job_workflow_ref` / `workflow_ref`
/// (`owner/repo/.github/workflows/file.yml@ref`).
fn ref_repository(r: &str) -> Option<String> {
    let mut parts = r.split('/');
    Some(format!("{}/{}", parts.next()?, parts.next()?))
}

fn workflow_file_of(r: &str) -> Option<String> {
    r.split('@').next()?.rsplit('/').next().map(str::to_string)
}

/// Diagnose `claims` (of a run that tried to publish to `target`) against `mapping`;
/// `refusals` are the index's error descriptions from the log.
pub fn diagnose(
    claims: &Claims,
    mapping: &Mapping,
    target: Target,
    refusals: &[(String, String)],
    generated_by_chora: bool,
) -> Diagnosis {
    let web = target.web_host();
    let mut out = Vec::new();
    let expected = |v: &Option<super::expected::Value>| v.as_ref().map(|v| v.value.clone());
    let from = |v: &Option<super::expected::Value>| v.as_ref().map(|v| v.source.clone());
    let update_hint = |key: &str, value: &str| {
        if generated_by_chora {
            format!(
                " Then `chora update --data {key}={value}` so PYPI_SETUP.md and the workflows say the same."
            )
        } else {
            String::new()
        }
    };

    let gitlab = crate::publish::explain::gitlab_values(claims);
    if let Some(iss) = claims.iss.as_deref().filter(|i| *i != GITHUB_ISSUER) {
        let fix = match &gitlab {
            Some(v) => format!(
                "this identity token was issued by GitLab CI ({iss}): register a GitLab publisher on {web} with namespace `{}`, project name `{}`, top-level pipeline file path `{}` and environment `{}`{}, or publish from GitHub Actions.",
                v.namespace,
                v.project,
                v.file.clone().unwrap_or_else(|| "? (ci_config_ref_uri is empty: a child pipeline or included/external CI config, which PyPI cannot match; publish from the project's own top-level .gitlab-ci.yml)".into()),
                v.environment.clone().unwrap_or_else(|| "(none)".into()),
                if v.custom_issuer.is_some() {
                    " (a self-managed GitLab instance: a PyPI organisation must register its issuer)"
                } else {
                    ""
                },
            ),
            None => format!(
                "this identity token was not issued by GitHub Actions: register a publisher for the CI that ran (GitLab: the project path, the top-level pipeline file and the environment) on {web}, or publish from GitHub Actions."
            ),
        };
        out.push(Difference {
            kind: Kind::NotGithub,
            claim: "iss",
            observed: Some(iss.to_string()),
            expected: Some(GITHUB_ISSUER.to_string()),
            expected_from: Some("a GitHub trusted publisher".into()),
            fix,
        });
    }

    let exp_owner = expected(&mapping.owner).unwrap_or_default();
    let exp_repo = expected(&mapping.repository).unwrap_or_default();
    let exp_full = format!("{exp_owner}/{exp_repo}");
    if let Some((owner, repo)) = claims.repository.as_deref().and_then(|r| r.split_once('/')) {
        if !same(owner, &exp_owner) {
            out.push(Difference {
                kind: Kind::RepositoryTransferred,
                claim: "repository_owner",
                observed: Some(owner.to_string()),
                expected: Some(exp_owner.clone()),
                expected_from: from(&mapping.owner),
                fix: format!(
                    "the run's repository belongs to {owner}, not {exp_owner} (transferred, or a fork): PyPI matches the owner and the owner's id, so a publisher for {exp_full} can never match. If {owner}/{repo} is the real home now, add a publisher for it on {web} (the link below) and remove the one for {exp_full}.{}",
                    update_hint("github_owner", owner)
                ),
            });
        } else if !same(repo, &exp_repo) {
            out.push(Difference {
                kind: Kind::RepositoryRenamed,
                claim: "repository",
                observed: Some(format!("{owner}/{repo}")),
                expected: Some(exp_full.clone()),
                expected_from: from(&mapping.repository),
                fix: format!(
                    "the repository is now called {repo} (renamed from {exp_repo}?): PyPI matches the name as it is today. On {web}, add a publisher for {owner}/{repo} (the link below) and remove the one for {exp_full}.{}",
                    update_hint("github_repository", repo)
                ),
            });
        }
    }

    if let (Some(want), Some(got)) = (&mapping.owner_id, claims.repository_owner_id.as_deref())
        && want.value != got
    {
        out.push(Difference {
            kind: Kind::OwnerId,
            claim: "repository_owner_id",
            observed: Some(got.to_string()),
            expected: Some(want.value.clone()),
            expected_from: Some(want.source.clone()),
            fix: format!(
                "the account named {exp_owner} is not the one the publisher was registered for (its id changed: deleted and re-created, or the name passed to someone else). PyPI refuses it on purpose (no resurrection). If this account is really yours, remove the publisher on {web} and add it again (the link below): PyPI records the new id."
            ),
        });
    }

    let reusable = claims.is_reusable_workflow();
    if reusable {
        let called = claims.job_workflow_ref.clone().unwrap_or_default();
        let caller = claims
            .workflow_ref
            .as_deref()
            .and_then(workflow_file_of)
            .unwrap_or_else(|| "the calling workflow".into());
        out.push(Difference {
            kind: Kind::ReusableWorkflow,
            claim: "job_workflow_ref",
            observed: Some(called.clone()),
            expected: claims.workflow_ref.clone(),
            expected_from: Some("workflow_ref (the workflow that started the run)".into()),
            fix: format!(
                "the upload ran inside a reusable workflow ({called}), called from {caller}. PyPI matches the called workflow and does not support reusable-workflow publishers: move the publishing job (its `environment:`, `permissions: id-token: write` and upload step) into {caller} itself, and keep the publisher registered for {caller}."
            ),
        });
    }
    if let (Some(want), Some(got)) = (&mapping.workflow, claims.workflow_file())
        && !reusable
        && want.value != got
    {
        out.push(Difference {
            kind: Kind::WorkflowFile,
            claim: "job_workflow_ref",
            observed: Some(got.clone()),
            expected: Some(want.value.clone()),
            expected_from: Some(want.source.clone()),
            fix: format!(
                "the run came from .github/workflows/{got}, but the publisher names {}: publish from {} (rename the file back), or register {got} on {web} (the link below).",
                want.value, want.value
            ),
        });
    }

    match (&mapping.environment, claims.environment.as_deref()) {
        (Some(want), None) => out.push(Difference {
            kind: Kind::EnvironmentMissing,
            claim: "environment",
            observed: None,
            expected: Some(want.value.clone()),
            expected_from: Some(want.source.clone()),
            fix: format!(
                "the publishing job runs outside any GitHub environment, but the publisher requires `{}`: add `environment: {}` to that job (the environment is where required reviewers and tag rules guard publishing; removing it from the publisher instead loses that).",
                want.value, want.value
            ),
        }),
        (Some(want), Some(got)) if !same(&want.value, got) => out.push(Difference {
            kind: Kind::EnvironmentDiffers,
            claim: "environment",
            observed: Some(got.to_string()),
            expected: Some(want.value.clone()),
            expected_from: Some(want.source.clone()),
            fix: format!(
                "the job ran in the environment `{got}`, but the publisher names `{}`: set `environment: {}` on the publishing job, or register `{got}` on {web} (the link below).",
                want.value, want.value
            ),
        }),
        _ => {}
    }

    match claims.event_name.as_deref() {
        Some("pull_request_target") => out.push(Difference {
            kind: Kind::PullRequestTarget,
            claim: "event_name",
            observed: Some("pull_request_target".into()),
            expected: Some("push (a tag), release or workflow_dispatch".into()),
            expected_from: None,
            fix: "PyPI refuses tokens of `pull_request_target` runs (they run with the base repository's rights on a pull request's behalf): publish from a workflow started by a tag push or a release.".into(),
        }),
        Some("pull_request") => out.push(Difference {
            kind: Kind::PullRequest,
            claim: "event_name",
            observed: Some("pull_request".into()),
            expected: Some("push (a tag), release or workflow_dispatch".into()),
            expected_from: None,
            fix: "publishing from a pull request run: forks get no identity token at all, and a release should come from a reviewed commit. Publish from a workflow started by a tag push or a release.".into(),
        }),
        _ => {}
    }

    let sub_refused = refusals.iter().any(|(_, d)| d.contains("'sub'"));
    if let (Some(sub), Some(repository)) = (claims.sub.as_deref(), claims.repository.as_deref())
        && (sub_refused || !default_sub(sub, repository))
    {
        let (owner, repo) = repository.split_once('/').unwrap_or((repository, ""));
        out.push(Difference {
            kind: Kind::CustomSub,
            claim: "sub",
            observed: Some(sub.to_string()),
            expected: Some(format!("repo:{repository}:environment:<name> (GitHub's default shape)")),
            expected_from: Some("GitHub's default OIDC subject template".into()),
            fix: format!(
                "the OIDC subject (`sub`) is customised for this repository or its organisation, and PyPI checks it in GitHub's default shape. Reset the repository's template: `gh api -X PUT repos/{owner}/{repo}/actions/oidc/customization/sub -F use_default=true` (an organisation-wide template: `gh api orgs/{owner}/actions/oidc/customization/sub` shows it)."
            ),
        });
    }

    let index = match target {
        Target::Pypi => Index::Pypi,
        Target::TestPypi => Index::TestPypi,
    };
    let project = expected(&mapping.project).unwrap_or_else(|| "<project>".into());
    let matching = claims
        .job_workflow_ref
        .as_deref()
        .and_then(ref_repository)
        .zip(claims.workflow_file())
        .filter(|_| !reusable)
        .and_then(|(full, workflow)| {
            let (owner, repository) = full.split_once('/')?;
            Some(PublisherValues {
                owner: owner.to_string(),
                repository: repository.to_string(),
                workflow,
                environment: claims.environment.clone().unwrap_or_default(),
                project_name: project.clone(),
                index: index.clone(),
            })
        });
    let pending = PublisherValues {
        owner: exp_owner,
        repository: exp_repo,
        workflow: expected(&mapping.workflow).unwrap_or_default(),
        environment: expected(&mapping.environment).unwrap_or_default(),
        project_name: project,
        index,
    };
    let gitlab_link = gitlab.as_ref().and_then(|v| {
        crate::publish::explain::gitlab_publisher_link(target.web_host(), &pending.project_name, v)
    });
    Diagnosis {
        index: target.web_host(),
        differences: out,
        matching_publisher_link: gitlab_link.or_else(|| matching.as_ref().map(pypi_form_link)),
        pending_publisher_link: pending_publisher_link(&pending),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gitlab_token_gets_the_gitlab_publisher_values_and_link() {
        let claims = Claims {
            iss: Some("https://gitlab.com".into()),
            sub: Some("project_path:grp/pkg:ref_type:tag:ref:v1".into()),
            project_path: Some("grp/pkg".into()),
            ci_config_ref_uri: Some("gitlab.com/grp/pkg//.gitlab-ci.yml@refs/tags/v1".into()),
            environment: Some("pypi".into()),
            ..Claims::default()
        };
        let mapping = Mapping {
            project: Some(super::super::expected::Value {
                value: "pkg".into(),
                source: "pyproject.toml".into(),
            }),
            ..Mapping::default()
        };
        let d = diagnose(&claims, &mapping, Target::Pypi, &[], false);
        assert_eq!(d.differences[0].kind, Kind::NotGithub);
        let fix = &d.differences[0].fix;
        assert!(
            fix.contains("namespace `grp`, project name `pkg`, top-level pipeline file path `.gitlab-ci.yml` and environment `pypi`"),
            "{fix}"
        );
        assert_eq!(
            d.matching_publisher_link.as_deref(),
            Some(
                "https://pypi.org/manage/project/pkg/settings/publishing/?provider=gitlab&namespace=grp&project=pkg&workflow_filepath=.gitlab-ci.yml&environment=pypi"
            )
        );
        // A child pipeline: no file to register, said so.
        let child = Claims {
            ci_config_ref_uri: Some(String::new()),
            ..claims
        };
        let d = diagnose(&child, &mapping, Target::Pypi, &[], false);
        assert!(
            d.differences[0].fix.contains("child pipeline"),
            "{:?}",
            d.differences
        );
        assert_eq!(d.matching_publisher_link, None);
    }

    #[test]
    fn default_subjects_are_recognised() {
        assert!(default_sub("repo:octo/pkg:environment:pypi", "octo/pkg"));
        assert!(default_sub("repo:Octo/Pkg:ref:refs/tags/v1", "octo/pkg"));
        assert!(default_sub("repo:octo/pkg:pull_request", "octo/pkg"));
        assert!(!default_sub(
            "repo:octo/pkg:job_workflow_ref:octo/pkg/.github/workflows/r.yml@refs/tags/v1",
            "octo/pkg"
        ));
        assert!(!default_sub(
            "repository_owner_id:1:repository_id:2",
            "octo/pkg"
        ));
        assert!(!default_sub("repo:octo/pkg2:environment:pypi", "octo/pkg"));
        assert!(!default_sub("", "octo/pkg"));
    }
}
