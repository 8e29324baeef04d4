//! Credentials for other services (Docker registries, npm, crates.io, Anaconda, Codecov,
//! GitHub tokens, anything else named by a secret): recognised so that they are reported as
//! untouched, never migrated. Whatever a PyPI detection claimed is left out.

use super::StepCtx;
use super::creds::{
    env_credential, is_pypi_name, is_secret_key, secret_name, span_at, with_credential,
};
use crate::workflow::model::{
    Credential, CredentialPlace, Detection, Index, Level, Route, Tool, Verdict,
};
use crate::workflow::read::{Entry, Job, Workflow};

/// The service a credential is for, from the action, the key and the secret name.
pub fn service(action: &str, key: &str, secret: Option<&str>) -> String {
    let action = action.to_ascii_lowercase();
    let names = format!("{key} {}", secret.unwrap_or_default()).to_ascii_uppercase();
    let has = |w: &[&str]| w.iter().any(|x| names.contains(x));
    if action.contains("docker/login-action") || has(&["DOCKER"]) {
        "Docker registry".into()
    } else if action.contains("anaconda") || has(&["ANACONDA", "CONDA"]) {
        "Anaconda".into()
    } else if has(&["NPM", "NODE_AUTH"]) {
        "npm".into()
    } else if action.contains("crates") || has(&["CARGO", "CRATES"]) {
        "crates.io".into()
    } else if action.contains("codecov") || has(&["CODECOV"]) {
        "Codecov".into()
    } else if has(&["GITHUB", "GH_", "PAT", "G_T", "BOT"])
        || names.contains("TOKEN ") && secret.is_none()
    {
        "GitHub".into()
    } else {
        match secret {
            Some(s) => format!("another service ({s})"),
            None => "GitHub".into(),
        }
    }
}

/// Whether a value hands over a credential: a secret or the job's GitHub token.
fn credential_value(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.contains("secrets.") || v.contains("secrets[") || v.contains("github.token")
    })
}

/// Whether an entry hands over a credential: by its value, or a short-lived token under a
/// well-known other service's name (`CARGO_REGISTRY_TOKEN: ${{ steps.auth.outputs.token }}`).
fn is_credential(action: &str, entry: &Entry) -> bool {
    credential_value(entry.value.as_deref())
        || (is_secret_key(&entry.key)
            && entry.value.as_deref().is_some_and(|v| !v.trim().is_empty())
            && !service(action, &entry.key, None).starts_with("another")
            && service(action, &entry.key, None) != "GitHub")
}

fn not_pypi(entry: &Entry) -> bool {
    let secret = entry.value.as_deref().and_then(secret_name);
    !is_pypi_name(&entry.key) && !secret.as_deref().is_some_and(is_pypi_name)
}

fn report(
    workflow: &Workflow,
    job: &str,
    step: Option<usize>,
    tool: String,
    span: crate::workflow::model::Span,
    credentials: Vec<(String, Credential)>,
) -> Option<Detection> {
    if credentials.is_empty() {
        return None;
    }
    let mut services: Vec<String> = Vec::new();
    for (s, _) in &credentials {
        if !services.contains(s) {
            services.push(s.clone());
        }
    }
    Some(Detection {
        file: workflow.path.clone(),
        job: job.to_string(),
        step,
        tool: Tool::Other(tool),
        index: Index::Other(services.join(", ")),
        credentials: credentials.into_iter().map(|(_, c)| c).collect(),
        verdict: Verdict::OtherService,
        span,
    })
}

/// Other services' credentials given to one step (`with:`, step env, secrets inline in `run:`).
pub(super) fn step_level(ctx: &StepCtx<'_>, claimed: &[Route]) -> Option<Detection> {
    let action = ctx.step.uses.clone().unwrap_or_default();
    let mut found = Vec::new();
    let take = |e: &Entry| is_credential("", e) && not_pypi(e) && !claimed.contains(&e.route);
    for e in ctx.step.with.iter().filter(|e| take(e)) {
        let secret = e.value.as_deref().and_then(secret_name);
        found.push((
            service(&action, &e.key, secret.as_deref()),
            with_credential(e),
        ));
    }
    for e in ctx.step.env.iter().filter(|e| take(e)) {
        let secret = e.value.as_deref().and_then(secret_name);
        found.push((
            service(&action, &e.key, secret.as_deref()),
            env_credential(Level::Step, e),
        ));
    }
    if let Some(run) = &ctx.step.run
        && !claimed.contains(&run.route)
    {
        let mut rest = run.text.as_str();
        while let Some(at) = rest.find("${{") {
            let tail = rest.get(at..).unwrap_or_default();
            let end = tail.find("}}").map_or(tail.len(), |e| e + 2);
            let expr = tail.get(..end).unwrap_or_default();
            if let Some(secret) = secret_name(expr).filter(|s| !is_pypi_name(s)) {
                let source = &ctx.workflow.source;
                let span = source
                    .get(run.span.start..run.span.end)
                    .and_then(|s| s.find(expr))
                    .map_or(run.span, |p| {
                        span_at(source, run.span.start + p, run.span.start + p + expr.len())
                    });
                let first = run.text.split_whitespace().next().unwrap_or_default();
                found.push((
                    service(first, "", Some(&secret)),
                    Credential {
                        place: CredentialPlace::Argument {
                            text: expr.to_string(),
                        },
                        route: run.route.clone(),
                        span,
                        secret: Some(secret),
                    },
                ));
            }
            rest = tail.get(end..).unwrap_or_default();
        }
    }
    let tool = if action.is_empty() {
        ctx.step.name.clone().unwrap_or_else(|| "run".into())
    } else {
        action.split('@').next().unwrap_or(&action).to_string()
    };
    report(
        ctx.workflow,
        &ctx.job.id,
        Some(ctx.step.index),
        tool,
        ctx.step.span,
        found,
    )
}

/// Other services' credentials in a job's env or passed to a reusable workflow.
pub(super) fn job_level(workflow: &Workflow, job: &Job, claimed: &[Route]) -> Option<Detection> {
    let mut found = Vec::new();
    for e in &job.env {
        if is_credential("", e) && not_pypi(e) && !claimed.contains(&e.route) {
            let secret = e.value.as_deref().and_then(secret_name);
            found.push((
                service("", &e.key, secret.as_deref()),
                env_credential(Level::Job, e),
            ));
        }
    }
    for e in &job.secrets {
        if claimed.contains(&e.route) {
            continue;
        }
        let inherit = e.key == "inherit"
            && e.route.last() == Some(&crate::workflow::model::Segment::Key("secrets".into()));
        if inherit || (credential_value(e.value.as_deref()) && not_pypi(e)) {
            let secret = e.value.as_deref().and_then(secret_name);
            let name = if inherit {
                "every secret (secrets: inherit)".to_string()
            } else {
                service("", &e.key, secret.as_deref())
            };
            found.push((name, with_credential(e)));
        }
    }
    let tool = job
        .uses
        .clone()
        .unwrap_or_else(|| format!("job {}", job.id));
    report(workflow, &job.id, None, tool, job.span, found)
}

/// Other services' credentials in the workflow's env.
pub(super) fn workflow_level(workflow: &Workflow, claimed: &[Route]) -> Option<Detection> {
    let found: Vec<_> = workflow
        .env
        .iter()
        .filter(|e| is_credential("", e) && not_pypi(e) && !claimed.contains(&e.route))
        .map(|e| {
            let secret = e.value.as_deref().and_then(secret_name);
            (
                service("", &e.key, secret.as_deref()),
                env_credential(Level::Workflow, e),
            )
        })
        .collect();
    let span = workflow
        .env
        .first()
        .map(|e| e.span)
        .unwrap_or(crate::workflow::model::Span {
            start: 0,
            end: 0,
            line: 1,
            column: 1,
        });
    report(workflow, "", None, "workflow env".into(), span, found)
}
