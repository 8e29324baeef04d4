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
    /// `GitHub Actions`, `GitLab CI`, `Google Cloud` (when known).
    pub provider: Option<&'static str>,
    /// GitLab: the variable the identity token came from (`PYPI_ID_TOKEN`).
    pub id_token_variable: Option<String>,
}

/// The issuer of gitlab.com's ID tokens (the only one PyPI verifies GitLab attestations from).
pub const GITLAB_COM_ISSUER: &str = "https://gitlab.com";

/// The values of a GitLab trusted publisher on PyPI's form, from the claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabValues {
    pub namespace: String,
    pub project: String,
    /// The top-level pipeline file path; `None` when `ci_config_ref_uri` is empty.
    pub file: Option<String>,
    pub environment: Option<String>,
    /// The issuer when it is not gitlab.com (self-managed GitLab).
    pub custom_issuer: Option<String>,
}

/// The GitLab publisher values the token would match.
pub fn gitlab_values(claims: &Claims) -> Option<GitlabValues> {
    let (namespace, project) = claims.gitlab_project()?;
    Some(GitlabValues {
        namespace,
        project,
        file: claims.config_ref().map(|c| c.file),
        environment: claims.environment.clone().filter(|e| !e.is_empty()),
        custom_issuer: claims
            .iss
            .clone()
            .filter(|i| i.trim_end_matches('/') != GITLAB_COM_ISSUER),
    })
}

/// The pre-filled "add a trusted publisher" link of an existing project for a GitLab
/// publisher. PyPI pre-fills the project's publishing form from `provider=gitlab` and the
/// form's field names (`namespace`, `project`, `workflow_filepath`, `environment`); the
/// pending-publisher form (account page) takes no parameters.
pub fn gitlab_publisher_link(host: &str, project: &str, values: &GitlabValues) -> Option<String> {
    let file = values.file.as_deref()?;
    let mut url = reqwest::Url::parse(&format!(
        "https://{}/manage/project/{project}/settings/publishing/",
        web_host(host)
    ))
    .ok()?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("provider", "gitlab")
            .append_pair("namespace", &values.namespace)
            .append_pair("project", &values.project)
            .append_pair("workflow_filepath", file);
        if let Some(env) = &values.environment {
            q.append_pair("environment", env);
        }
    }
    Some(url.to_string())
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

/// The pre-filled "add a trusted publisher" link for a project (GitHub or GitLab claims).
pub fn publisher_link(host: &str, project: &str, claims: &Claims) -> Option<String> {
    if claims.is_gitlab() {
        return gitlab_publisher_link(host, project, &gitlab_values(claims)?);
    }
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

/// The GitLab publisher to register, field by field as PyPI's form asks.
fn gitlab_fix_lines(ctx: &Context, claims: &Claims) -> Vec<String> {
    let web = web_host(&ctx.host);
    let mut out = Vec::new();
    let Some(v) = gitlab_values(claims) else {
        return out;
    };
    out.push(format!(
        "On {web}, the GitLab trusted publisher must have exactly (PyPI's form, provider GitLab):"
    ));
    out.push(format!(
        "  Namespace:                        {}",
        v.namespace
    ));
    out.push(format!("  Project name:                     {}", v.project));
    out.push(format!(
        "  Top-level pipeline file path:     {}",
        v.file.clone().unwrap_or_else(|| {
            "(unknown: ci_config_ref_uri is empty; publish from the project's own top-level pipeline first)".into()
        })
    ));
    out.push(format!(
        "  Environment name:                 {}",
        v.environment.clone().unwrap_or_else(|| {
            "(none: this job has no `environment:`; add one, e.g. `environment: pypi`, and protect it)".into()
        })
    ));
    if let Some(issuer) = &v.custom_issuer {
        out.push(format!(
            "  Issuer: {issuer} is not gitlab.com: {web} accepts it only when a PyPI organisation has registered this self-managed GitLab instance as an issuer."
        ));
    }
    let mut links = 0;
    for project in &ctx.projects {
        if let Some(link) = gitlab_publisher_link(&ctx.host, project, &v) {
            out.push(format!("  Existing project {project}: {link}"));
            links += 1;
        }
    }
    if links > 0 {
        out.push(
            "  (the link pre-fills the project's publishing form; check every field before saving)"
                .into(),
        );
    }
    out.push(format!(
        "  First release (project not on {web} yet): add a pending publisher at https://{web}/manage/account/publishing/ (GitLab tab; that form takes no pre-filled values) with the same values."
    ));
    out
}

fn fix_lines(ctx: &Context) -> Vec<String> {
    let web = web_host(&ctx.host);
    let mut out = Vec::new();
    let Some(claims) = &ctx.claims else {
        return out;
    };
    if claims.is_gitlab() {
        return gitlab_fix_lines(ctx, claims);
    }
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

fn is_gitlab(ctx: &Context) -> bool {
    ctx.provider == Some("GitLab CI") || ctx.claims.as_ref().is_some_and(Claims::is_gitlab)
}

/// What went wrong with `ci_config_ref_uri` against `project_path`, `ref_path`, `sha` and the
/// issuer, in words (for `The ci_config_ref_uri claim does not match`).
fn config_ref_mismatch(claims: &Claims) -> String {
    let Some(c) = claims.config_ref() else {
        return "the claim cannot be parsed as `{host}/{namespace}/{project}//{pipeline file}@{ref}`".into();
    };
    let mut found = Vec::new();
    if let Some(iss) = &claims.iss {
        let host = iss
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        if !c.host.eq_ignore_ascii_case(host) {
            found.push(format!(
                "its host `{}` is not the issuer's host `{host}`",
                c.host
            ));
        }
    }
    if let Some(path) = &claims.project_path {
        let uri_path = format!("{}/{}", c.namespace, c.project);
        if &uri_path != path {
            found.push(format!(
                "it names the project `{uri_path}` but the job runs in `{path}` (the CI configuration comes from another project, or the case differs)"
            ));
        }
    }
    let refs: Vec<&str> = [claims.ref_path.as_deref(), claims.sha.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !refs.contains(&c.git_ref.as_str()) {
        found.push(format!(
            "its ref `{}` is neither the ref_path nor the sha of this pipeline",
            c.git_ref
        ));
    }
    if found.is_empty() {
        "it differs from `{issuer host}/{namespace}/{project}//{file}@{ref_path or sha}` in letter case".into()
    } else {
        found.join("; ")
    }
}

/// A GitLab-specific cause, when the refusal has one.
fn gitlab_cause(error: &ServerError, ctx: &Context) -> Option<String> {
    let web = web_host(&ctx.host);
    let d = error.description.as_str();
    let claims = ctx.claims.clone().unwrap_or_default();
    let v = gitlab_values(&claims);
    let shown = |x: Option<String>| x.unwrap_or_else(|| "?".into());
    Some(match error.code.as_str() {
        "invalid-publisher"
            if d.contains("Could not extract workflow filename")
                || d.contains("ci_config_ref_uri claim is empty")
                || claims.config_ref_is_empty() =>
        {
            "the token's `ci_config_ref_uri` is empty, so PyPI cannot tell which top-level pipeline file ran. GitLab leaves it empty in a child pipeline (`trigger: include:`) and when the project's CI configuration is included from another project or an external URL (Settings > CI/CD > General pipelines > CI/CD configuration file). Fix: put the publishing job, with its `id_tokens:`, in the project's own top-level `.gitlab-ci.yml` (not in a child pipeline, not in a file `include:`d from elsewhere), and register that file as the top-level pipeline file path.".to_string()
        }
        "invalid-publisher" if d.contains("Could not extract") => {
            "PyPI could not find a pipeline file ending in `.yml` or `.yaml` in `ci_config_ref_uri`; the top-level CI configuration file must be a YAML file in the project.".to_string()
        }
        "invalid-publisher" if d.contains("ci_config_ref_uri") => format!(
            "the registered publisher matched the pipeline file, but `ci_config_ref_uri` is not `{{issuer host}}/{{namespace}}/{{project}}//{{pipeline file}}@{{ref_path or sha}}`: {}. Publish from the project that owns the pipeline file, on the tag or branch being built.",
            config_ref_mismatch(&claims)
        ),
        "invalid-publisher" if d.contains("'sub'") => format!(
            "the `sub` claim does not start with `project_path:{}`; GitLab always writes it so, so the publisher's namespace/project differs from the job's project only in a way the lookup ignored, or the token was not made by GitLab CI. Register the publisher with namespace `{}` and project `{}` exactly.",
            shown(claims.project_path.clone()),
            shown(v.as_ref().map(|v| v.namespace.clone())),
            shown(v.as_ref().map(|v| v.project.clone())),
        ),
        "invalid-publisher" if d.contains("'project_path'") => format!(
            "the `project_path` claim ({}) is not the publisher's namespace/project (GitLab paths compare case-insensitively here); register the publisher for the project that runs the pipeline.",
            shown(claims.project_path.clone())
        ),
        "invalid-publisher" if d.contains("'environment'") => format!(
            "the publisher names an environment, and this job's `environment` claim ({}) is not exactly it (PyPI compares GitLab environment names case-sensitively). Use the same name in the job's `environment:` and on {web}, or leave the publisher's environment empty.",
            shown(claims.environment.clone())
        ),
        "invalid-publisher" if d.contains("ref_path and sha") || d.contains("Missing claim") => format!(
            "the token lacks a claim PyPI requires of GitLab tokens (`sub`, `project_path`, `ci_config_ref_uri`, `ref_path`, `sha`): it was not made by GitLab CI's `id_tokens:`, or the GitLab instance is too old. Use `id_tokens:` in a pipeline job of {}.",
            shown(claims.project_path.clone())
        ),
        "invalid-publisher" => {
            let (ns, project, file, env) = match &v {
                Some(v) => (
                    v.namespace.clone(),
                    v.project.clone(),
                    v.file.clone().unwrap_or_else(|| "?".into()),
                    v.environment.clone(),
                ),
                None => ("?".into(), "?".into(), "?".into(), None),
            };
            let env_text = match &env {
                Some(e) => format!(
                    "with environment `{e}` or with no environment (an environment-specific publisher is preferred)"
                ),
                None => "with no environment (this job has none, so a publisher that names one never matches)".into(),
            };
            format!(
                "no GitLab trusted publisher on {web} has namespace `{ns}`, project `{project}` and top-level pipeline file path `{file}` {env_text}. PyPI looks publishers up by these values exactly: check each for a typo or a difference in case (wrong namespace or group, wrong project name, a renamed or transferred project, another pipeline file such as `ci/release.yml` vs `.gitlab-ci.yml`, an environment name that differs from the job's `environment:`), and that the publisher is on this index (PyPI and TestPyPI are separate)."
            )
        }
        "invalid-reuse-token" => format!(
            "this GitLab job's ID token ({}) was already exchanged. On GitLab, a job's ID token can be exchanged only once: GitLab issues `id_tokens:` once, when the job starts, and chora-publish cannot fetch a fresh one (unlike GitHub Actions). Re-run the job (a retried job gets new tokens); if a long batch outlived the 15-minute upload token, split the upload into several jobs.",
            ctx.id_token_variable.as_deref().unwrap_or("PYPI_ID_TOKEN")
        ),
        "invalid-token" => "the ID token is malformed, expired or not signed by a trusted issuer. GitLab issues a job's ID tokens once, when the job starts, so a token read late in a long job may have expired: re-run the job (it gets new tokens), publish early in the job, and check the runner's clock.".to_string(),
        "invalid-payload" if d.contains("unknown trusted publishing issuer") => format!(
            "{web} does not trust this token's issuer ({}). PyPI trusts gitlab.com; a self-managed GitLab instance needs an issuer registered by a PyPI organisation.",
            shown(claims.iss.clone())
        ),
        _ => return None,
    })
}

fn cause_for(error: &ServerError, ctx: &Context) -> String {
    if is_gitlab(ctx)
        && let Some(cause) = gitlab_cause(error, ctx)
    {
        return cause;
    }
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
        if claims.is_gitlab() && claims.config_ref_is_empty() {
            let child = if claims.pipeline_source.as_deref() == Some("parent_pipeline") {
                "this job runs in a child pipeline"
            } else {
                "this job's CI configuration is included from another project or an external URL, or it runs in a child pipeline"
            };
            out.push(format!(
                "{child}: its ID token has an empty `ci_config_ref_uri`, and PyPI cannot match it to a publisher. Publish from a job in the project's own top-level .gitlab-ci.yml."
            ));
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

/// The `id_tokens:` YAML a GitLab job needs for `audience`.
pub fn gitlab_id_tokens_yaml(audience: &str) -> String {
    format!(
        "  id_tokens:\n    {}:\n      aud: {audience}\n",
        super::credentials::gitlab_variable(audience)
    )
}

/// Why no identity is available, when one was expected (`audience`: the index's, from
/// `/_/oidc/audience`).
pub fn missing_identity(env: &Env, audience: &str) -> String {
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
        let variable = super::credentials::gitlab_variable(audience);
        return format!(
            "this GitLab CI job has no ID token for the `{audience}` audience: {variable} is not set. Add to the publishing job (in the top-level .gitlab-ci.yml, not a child pipeline):\n\n{}\nThe audience must be `{audience}` (what this index answers at /_/oidc/audience; `pypi` for PyPI, `testpypi` for TestPyPI).",
            gitlab_id_tokens_yaml(audience)
        );
    }
    "no CI identity was found (GitHub Actions with `id-token: write`, GitLab CI with `id_tokens`, or a Google Cloud VM or GOOGLE_SERVICE_ACCOUNT_NAME). Outside CI, publish with an API token: `--auth token` with the token in CHORA_PUBLISH_TOKEN or --token-file.".into()
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
            ..Context::default()
        };
        let text = exchange_failure(&err, &ctx);
        assert!(text.contains("`invalid-publisher`: valid token, but no corresponding publisher"));
        assert!(text.contains("Workflow name:    release.yml"));
        assert!(text.contains("Environment name: pypi"));
        assert!(text.contains("pending publisher"));
        assert!(text.contains("workflow_filename=release.yml"));
    }
}
