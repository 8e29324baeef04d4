//! Explanations of Trusted Publishing failures: the server's words, the claims PyPI matched,
//! the likely cause and the exact fix (values to enter on PyPI, with a pre-filled link), and
//! warnings before the exchange for set-ups PyPI cannot accept.

use super::claims::Claims;
use super::credentials::Env;
use super::exchange::{ExchangeError, ServerError};

/// What the explanation needs to know besides the error.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Host of the index (`upload.pypi.org`, `test.pypi.org`, …).
    pub host: String,
    /// Project names in the batch (normalised).
    pub projects: Vec<String>,
    pub claims: Option<Claims>,
}

pub use super::index::web_host;

/// Owner, repository, workflow file and environment to register, from the claims.
fn publisher_values(claims: &Claims) -> Option<(String, String, String, Option<String>)> {
    let repository = claims.repository.as_deref()?;
    let (owner, repo) = repository.split_once('/')?;
    let workflow = claims.workflow_file()?;
    Some((
        owner.to_string(),
        repo.to_string(),
        workflow,
        claims.environment.clone(),
    ))
}

/// The pre-filled "add a trusted publisher" link for a project.
pub fn publisher_link(host: &str, project: &str, claims: &Claims) -> Option<String> {
    let (owner, repo, workflow, environment) = publisher_values(claims)?;
    let mut url = format!(
        "https://{}/manage/project/{project}/settings/publishing/?provider=github&owner={owner}&repository={repo}&workflow_filename={workflow}",
        web_host(host)
    );
    if let Some(env) = environment {
        url.push_str(&format!("&environment={env}"));
    }
    Some(url)
}

fn fix_lines(ctx: &Context) -> Vec<String> {
    let web = web_host(&ctx.host);
    let mut out = Vec::new();
    let Some(claims) = &ctx.claims else {
        return out;
    };
    if let Some((owner, repo, workflow, environment)) = publisher_values(claims) {
        out.push(format!(
            "On {web}, the trusted publisher must have exactly:"
        ));
        out.push(format!("  Owner:            {owner}"));
        out.push(format!("  Repository name:  {repo}"));
        out.push(format!("  Workflow name:    {workflow}"));
        out.push(format!(
            "  Environment name: {}",
            environment
                .clone()
                .unwrap_or_else(|| "(none: this job runs outside a GitHub environment; add `environment:` to the job)".into())
        ));
        for project in &ctx.projects {
            if let Some(link) = publisher_link(&ctx.host, project, claims) {
                out.push(format!("  Existing project {project}: {link}"));
            }
        }
        out.push(format!(
            "  First release (project not on {web} yet): add a pending publisher at https://{web}/manage/account/publishing/ with the same values."
        ));
    }
    out
}

fn cause_for(error: &ServerError, ctx: &Context) -> String {
    let web = web_host(&ctx.host);
    let d = error.description.as_str();
    match error.code.as_str() {
        "invalid-publisher" if d.contains("job_workflow_ref") => format!(
            "the workflow that ran ({}) is not the registered workflow file of this repository at the ref being built; PyPI expects `<owner>/<repo>/.github/workflows/<registered file>@<ref>`. Publish from the registered workflow file itself (not a copy, not a reusable workflow in another repository), or register this one.",
            ctx.claims
                .as_ref()
                .and_then(|c| c.job_workflow_ref.clone())
                .unwrap_or_else(|| "unknown".into())
        ),
        "invalid-publisher" if d.contains("'sub'") => format!(
            "your organisation customises the OIDC `sub` claim, so it no longer matches what {web} expects; reset the repository's OIDC subject template to the default (`gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub -f use_default=true`)."
        ),
        "invalid-publisher" if d.contains("pull_request_target") => {
            "publishing from a workflow started by `pull_request_target` is not supported; publish from a `push` (tag) or `release` workflow.".to_string()
        }
        "invalid-publisher" => format!(
            "no trusted publisher on {web} matches these claims: a typo in the owner, repository, workflow file or environment, a renamed or transferred repository, a publisher registered on the other index (PyPI and TestPyPI are separate), or an environment set on the publisher that this job does not use."
        ),
        "invalid-pending-publisher" => format!(
            "a pending publisher exists, but the project already exists on {web}; add the publisher in the project's settings instead (the link below)."
        ),
        "invalid-reuse-token" => {
            "this identity token was already exchanged once; every exchange needs a fresh token. chora-publish requests a new one per exchange on GitHub Actions; on GitLab, a job's ID token can be exchanged only once — split uploads into separate jobs or use a single exchange.".to_string()
        }
        "invalid-token" => {
            "the identity token is malformed, expired or not signed by a trusted issuer; re-run the job (tokens live minutes), and check the runner's clock.".to_string()
        }
        "not-enabled" => format!(
            "Trusted Publishing is switched off on {web} at the moment; retry later or publish with a token (`--auth token`)."
        ),
        "invalid-payload" => format!(
            "{web} could not read the identity token or does not trust its issuer (GitHub Enterprise Server and unsupported CI providers cannot use Trusted Publishing)."
        ),
        _ => "see the server's message above.".to_string(),
    }
}

/// The full explanation of an exchange failure.
pub fn exchange_failure(err: &ExchangeError, ctx: &Context) -> String {
    let mut lines = vec![format!("Trusted Publishing exchange failed: {err}")];
    if let ExchangeError::Refused { errors, .. } = err {
        lines.push("The server said:".into());
        for e in errors {
            lines.push(format!("  * `{}`: {}", e.code, e.description));
        }
        lines.push(String::new());
        for e in errors {
            lines.push(format!("Likely cause ({}): {}", e.code, cause_for(e, ctx)));
        }
    } else if let ExchangeError::Disabled { .. } = err {
        lines.push(
            "Fix: retry later, or publish with an API token (`--auth token`, token in CHORA_PUBLISH_TOKEN)."
                .into(),
        );
    }
    if let Some(claims) = &ctx.claims {
        lines.push(String::new());
        lines.push("Claims in this job's identity token (what PyPI matches; the token itself is never shown):".into());
        for (name, value) in claims.describe() {
            lines.push(format!("  {name:<20} {value}"));
        }
    }
    let fix = fix_lines(ctx);
    if !fix.is_empty() && matches!(err, ExchangeError::Refused { .. }) {
        lines.push(String::new());
        lines.extend(fix);
    }
    lines.push(String::new());
    if matches!(err, ExchangeError::Refused { .. }) {
        lines.push(
            "Compare with what the repository expects: save this log and run `chora doctor publisher --log FILE` in the repository."
                .into(),
        );
    }
    lines.push("Troubleshooting: https://docs.pypi.org/trusted-publishers/troubleshooting/".into());
    lines.join("\n")
}

/// Warnings before calling PyPI, for set-ups it will refuse.
pub fn preflight_warnings(env: &Env, claims: Option<&Claims>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(claims) = claims {
        if claims.is_reusable_workflow() {
            out.push(format!(
                "this job runs inside a reusable workflow ({}), called from {}; PyPI does not support Trusted Publishing from reusable workflows: publish from the top-level workflow's own job.",
                claims.job_workflow_ref.as_deref().unwrap_or("?"),
                claims.workflow_ref.as_deref().unwrap_or("?")
            ));
        }
        if claims.event_name.as_deref() == Some("pull_request_target") {
            out.push("this run was started by `pull_request_target`; PyPI refuses to publish from it. Publish on a tag push or a release.".into());
        }
    } else if env.get("GITHUB_EVENT_NAME") == Some("pull_request_target") {
        out.push("this run was started by `pull_request_target`; PyPI refuses to publish from it. Publish on a tag push or a release.".into());
    }
    out
}

/// `pull_request.head.repo.full_name` from the event payload (`GITHUB_EVENT_PATH`).
fn pull_request_head_repo(env: &Env) -> Option<String> {
    // GitHub's event payloads are at most a few MiB; only a regular file is read.
    let path = std::path::Path::new(env.get("GITHUB_EVENT_PATH")?);
    let text = crate::fs::read_regular_text(path, 16 << 20, "a GitHub event payload").ok()?;
    let event: serde_json::Value = serde_json::from_str(&text).ok()?;
    event
        .pointer("/pull_request/head/repo/full_name")?
        .as_str()
        .map(str::to_string)
}

/// Why no identity is available in GitHub Actions, when one was expected.
pub fn missing_identity(env: &Env) -> String {
    if env.in_github_actions() {
        if env.get("GITHUB_EVENT_NAME") == Some("pull_request") {
            return match pull_request_head_repo(env) {
                Some(head) if Some(head.as_str()) != env.get("GITHUB_REPOSITORY") => format!(
                    "this run is for a pull request from the fork {head}: GitHub never gives OIDC tokens to workflows run for fork pull requests. Publish on a tag push or a release instead."
                ),
                _ => "this run is for a pull request, which cannot publish: if it comes from a fork GitHub gives it no OIDC token, and publishing from pull requests is unsafe anyway. Publish on a tag push or a release.".into(),
            };
        }
        return "this GitHub Actions job has no OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set. Grant it to the publishing job only:\n\n  permissions:\n    id-token: write\n".into();
    }
    if env.get("GITLAB_CI").is_some() {
        return "this GitLab job has no ID token for PyPI. Add to the job:\n\n  id_tokens:\n    PYPI_ID_TOKEN:\n      aud: pypi\n".into();
    }
    "no CI identity was found (GitHub Actions with `id-token: write`, or GitLab CI with `id_tokens`). Outside CI, publish with an API token: `--auth token` with the token in CHORA_PUBLISH_TOKEN or --token-file.".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            repository: Some("octo-org/demo-pkg".into()),
            repository_owner: Some("octo-org".into()),
            job_workflow_ref: Some(
                "octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v1".into(),
            ),
            workflow_ref: Some(
                "octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v1".into(),
            ),
            environment: Some("pypi".into()),
            ..Claims::default()
        }
    }

    #[test]
    fn link_is_prefilled() {
        let link = publisher_link("upload.pypi.org", "demo-pkg", &claims()).unwrap();
        assert_eq!(
            link,
            "https://pypi.org/manage/project/demo-pkg/settings/publishing/?provider=github&owner=octo-org&repository=demo-pkg&workflow_filename=release.yml&environment=pypi"
        );
    }

    #[test]
    fn invalid_publisher_names_the_values_to_enter() {
        let err = ExchangeError::Refused {
            host: "upload.pypi.org".into(),
            status: 422,
            errors: vec![ServerError {
                code: "invalid-publisher".into(),
                description: "valid token, but no corresponding publisher (Publisher with matching claims was not found)".into(),
            }],
        };
        let ctx = Context {
            host: "upload.pypi.org".into(),
            projects: vec!["demo-pkg".into()],
            claims: Some(claims()),
        };
        let text = exchange_failure(&err, &ctx);
        assert!(text.contains("`invalid-publisher`: valid token, but no corresponding publisher"));
        assert!(text.contains("Workflow name:    release.yml"));
        assert!(text.contains("Environment name: pypi"));
        assert!(text.contains("pending publisher"));
        assert!(text.contains("workflow_filename=release.yml"));
    }
}
