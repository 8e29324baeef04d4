//! Classifying the publishing steps of one workflow: each tool module looks at one step (its
//! `uses`, `with`, `run` commands and the env it sees) and reports what it publishes with which
//! credentials; this module adds the verdict (migrate, already trusted, another service, or a
//! refusal) and sums a file up (`summary`).

mod chora_publish;
mod command;
mod creds;
mod flit;
mod generic;
mod hatch;
mod index;
mod maturin;
mod other;
mod pdm;
mod poetry;
mod pypa_action;
mod script;
mod services;
mod setup_py;
pub mod shell;
pub mod trusted;
mod twine;
mod uv;

use serde::Serialize;

/// Whether a job may request an OIDC token (`id-token: write` on the job, or on the workflow
/// when the job sets no permissions).
pub use trusted::id_token as trusted_id_token;

use super::model::{Credential, Detection, Index, Level, Refusal, Tool, Verdict};
use super::read::{Entry, FileKind, Job, Step, Workflow};
use shell::Command;

/// What a file needs, summed over its detections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileVerdict {
    /// PyPI publishing with a long-lived credential (or without `id-token: write`).
    Migrate,
    /// No long-lived PyPI credential: already Trusted Publishing, or no PyPI publishing.
    NothingToDo,
    /// Only credentials for other services or indexes: never touched.
    Untouched,
    /// PyPI publishing in a shape PyPI cannot accept as a Trusted Publisher.
    Refused,
    /// PyPI publishing to migrate next to other services' credentials, which stay.
    Mixed,
}

impl FileVerdict {
    /// Short text for reports.
    pub fn label(self) -> &'static str {
        match self {
            FileVerdict::Migrate => "migrate",
            FileVerdict::NothingToDo => "nothing to do",
            FileVerdict::Untouched => "untouched",
            FileVerdict::Refused => "refused",
            FileVerdict::Mixed => "mixed",
        }
    }
}

/// Sum up a file's detections.
pub fn summary(detections: &[Detection]) -> FileVerdict {
    let any = |f: fn(&Verdict) -> bool| detections.iter().any(|d| f(&d.verdict));
    if any(|v| matches!(v, Verdict::Refuse(_))) {
        FileVerdict::Refused
    } else if any(|v| *v == Verdict::Migrate) {
        if any(|v| *v == Verdict::OtherService) {
            FileVerdict::Mixed
        } else {
            FileVerdict::Migrate
        }
    } else if any(|v| *v == Verdict::AlreadyTrusted) {
        FileVerdict::NothingToDo
    } else if any(|v| *v == Verdict::OtherService) {
        FileVerdict::Untouched
    } else {
        FileVerdict::NothingToDo
    }
}

/// What a tool module found in one step, before the verdict.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub tool: Tool,
    pub index: Index,
    /// Long-lived PyPI credentials given to the step.
    pub credentials: Vec<Credential>,
    /// Set when the publishing itself is not visible (a reusable-workflow call): never trusted.
    pub refusal: Option<Refusal>,
}

impl Found {
    fn new(tool: Tool, index: Index, credentials: Vec<Credential>) -> Self {
        Found {
            tool,
            index,
            credentials,
            refusal: None,
        }
    }
}

/// One step with what it sees: the workflow, its job, its parsed `run:` commands.
pub(crate) struct StepCtx<'a> {
    pub workflow: &'a Workflow,
    pub job: &'a Job,
    pub step: &'a Step,
    pub commands: Vec<Command>,
}

impl<'a> StepCtx<'a> {
    fn new(workflow: &'a Workflow, job: &'a Job, step: &'a Step) -> Self {
        let commands = step
            .run
            .as_ref()
            .map(|r| shell::commands(&r.text))
            .unwrap_or_default();
        StepCtx {
            workflow,
            job,
            step,
            commands,
        }
    }

    /// Every env entry the step sees, innermost level first.
    pub fn env(&self) -> impl Iterator<Item = (Level, &'a Entry)> + '_ {
        let step = self.step.env.iter().map(|e| (Level::Step, e));
        let job = self.job.env.iter().map(|e| (Level::Job, e));
        let workflow = self.workflow.env.iter().map(|e| (Level::Workflow, e));
        step.chain(job).chain(workflow)
    }

    /// The innermost env entry named `name`.
    pub fn env_lookup(&self, name: &str) -> Option<(Level, &'a Entry)> {
        self.env().find(|(_, e)| e.key == name)
    }

    /// The value the step sees for env `name`.
    pub fn env_value(&self, name: &str) -> Option<&'a str> {
        self.env_lookup(name).and_then(|(_, e)| e.value.as_deref())
    }

    /// The `with:` input `key` (also spelled with `_` for `-`).
    pub fn with_value(&self, key: &str) -> Option<&'a Entry> {
        let alt = key.replace('-', "_");
        self.step.with.iter().find(|e| e.key == key || e.key == alt)
    }

    /// The action the step uses, lower-cased and without its ref (`pypa/gh-action-pypi-publish`).
    pub fn action(&self) -> Option<String> {
        let uses = self.step.uses.as_deref()?;
        let name = uses.split('@').next().unwrap_or(uses);
        Some(name.trim().to_ascii_lowercase())
    }

    /// Commands whose tool word is `tool` followed by one of `subcommands`; yields the command
    /// and the index of the word after the subcommand.
    /// A `--dry-run` (`poetry publish --dry-run`, `uv publish --dry-run`) uploads nothing and
    /// is not one.
    pub fn invocations(&self, tool: &str, subcommands: &[&str]) -> Vec<(&Command, usize)> {
        self.commands
            .iter()
            .filter_map(|c| find_invocation(c, tool, subcommands).map(|at| (c, at)))
            .filter(|(c, at)| !c.words.iter().skip(*at).any(|w| w.text == "--dry-run"))
            .collect()
    }
}

/// Where `tool subcommand` starts in a command (`python -m twine upload`, `pipx run twine upload`,
/// `uvx twine==6.1 upload`, `uv run twine upload`, `/usr/bin/twine upload`): the index of the
/// first word after the subcommand. Options between the tool and the subcommand are skipped.
pub(crate) fn find_invocation(
    command: &Command,
    tool: &str,
    subcommands: &[&str],
) -> Option<usize> {
    let words = &command.words;
    for (i, word) in words.iter().enumerate() {
        // The tool's name is part of the word (a cheap test first: most words are not tools).
        if !word.text.contains(tool) || tool_name(&word.text) != tool {
            continue;
        }
        let mut j = i + 1;
        while let Some(next) = words.get(j) {
            if subcommands.contains(&next.text.as_str()) {
                return Some(j + 1);
            }
            if !next.text.starts_with('-') {
                break;
            }
            j += 1;
        }
    }
    None
}

/// `twine` for `twine`, `/path/to/twine`, `twine==6.1.0`, `twine>=6`, `twine@latest`, `twine.exe`.
fn tool_name(word: &str) -> &str {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let end = base
        .find(['=', '>', '<', '@', '[', '~'])
        .unwrap_or(base.len());
    let name = base.get(..end).unwrap_or(base);
    name.strip_suffix(".exe").unwrap_or(name)
}

/// Detect every publishing step of a workflow (and the other services' credentials).
pub fn detect(workflow: &Workflow) -> Vec<Detection> {
    let refusal = refusal(workflow);
    let mut out = Vec::new();
    for job in &workflow.jobs {
        if let Some(found) = other::reusable_call(workflow, job) {
            let claimed: Vec<_> = found.credentials.iter().map(|c| c.route.clone()).collect();
            out.push(detection(workflow, job, None, found, &refusal));
            out.extend(services::job_level(workflow, job, &claimed));
            continue;
        }
        let mut claimed = Vec::new();
        // A GitLab job's script entries all see the job's variables: an entry that runs no
        // upload is not one because of them when another entry of the job visibly uploads.
        let gitlab_uploads = workflow.gitlab.is_some()
            && job.steps.iter().any(|step| {
                let ctx = StepCtx::new(workflow, job, step);
                !explicit(&ctx).is_empty()
            });
        for step in &job.steps {
            let ctx = StepCtx::new(workflow, job, step);
            let mut found: Vec<Found> = Vec::new();
            found.extend(pypa_action::detect(&ctx));
            found.extend(maturin::detect(&ctx));
            found.extend(twine::detect(&ctx));
            found.extend(poetry::detect(&ctx));
            found.extend(flit::detect(&ctx));
            found.extend(hatch::detect(&ctx));
            found.extend(pdm::detect(&ctx));
            found.extend(uv::detect(&ctx));
            found.extend(chora_publish::detect(&ctx));
            found.extend(setup_py::detect(&ctx));
            if found.is_empty() && !gitlab_uploads {
                found.extend(other::detect(&ctx));
            }
            if found.is_empty() && !gitlab_uploads {
                found.extend(script::detect(&ctx));
            }
            let mut step_claimed = Vec::new();
            for f in found {
                step_claimed.extend(f.credentials.iter().map(|c| c.route.clone()));
                let verdict_of = trusted::verdict(&ctx, &f, &refusal);
                out.push(Detection {
                    file: workflow.path.clone(),
                    job: job.id.clone(),
                    step: Some(step.index),
                    tool: f.tool,
                    index: f.index,
                    credentials: f.credentials,
                    verdict: verdict_of,
                    span: step.span,
                });
            }
            out.extend(services::step_level(&ctx, &step_claimed));
            claimed.extend(step_claimed);
        }
        out.extend(script::unused(workflow, job, &claimed, &refusal));
        claimed.extend(
            out.iter()
                .filter(|d| d.job == job.id)
                .flat_map(|d| d.credentials.iter().map(|c| c.route.clone())),
        );
        out.extend(services::job_level(workflow, job, &claimed));
    }
    out.extend(gitlab_extends(workflow, &refusal));
    let claimed: Vec<_> = out
        .iter()
        .flat_map(|d| d.credentials.iter().map(|c| c.route.clone()))
        .collect();
    out.extend(services::workflow_level(workflow, &claimed));
    out
}

/// GitLab jobs without a `script:` of their own that inherit an upload from a template they
/// `extends:`: one detection per inherited upload, refused unless it is already trusted
/// (no credential and the job's ID token for the index).
fn gitlab_extends(workflow: &Workflow, refusal: &Option<Refusal>) -> Vec<Detection> {
    let Some(pipeline) = workflow.gitlab.as_deref() else {
        return Vec::new();
    };
    if pipeline.templates.is_empty() {
        return Vec::new();
    }
    let mut shim = workflow.clone();
    shim.jobs = pipeline.templates.clone();
    if let Some(p) = shim.gitlab.as_deref_mut() {
        p.templates.clear();
    }
    let inherited = detect(&shim);
    let mut out = Vec::new();
    for job in &workflow.jobs {
        let Some(gitlab_job) = pipeline.job(&job.id) else {
            continue;
        };
        if gitlab_job.has_script {
            continue;
        }
        let Some(template) = pipeline
            .ancestors(&job.id)
            .into_iter()
            .find(|t| t.has_script)
        else {
            continue;
        };
        for d in inherited.iter().filter(|d| d.job == template.id) {
            if matches!(d.verdict, Verdict::OtherService) {
                continue;
            }
            let aud = match d.index {
                Index::TestPypi => "testpypi",
                _ => "pypi",
            };
            let verdict = if let Some(r) = refusal {
                Verdict::Refuse(r.clone())
            } else if d.credentials.is_empty()
                && matches!(d.tool, Tool::Twine | Tool::Uv | Tool::ChoraPublish)
                && pipeline.has_id_token(&job.id, aud)
            {
                Verdict::AlreadyTrusted
            } else {
                Verdict::Refuse(Refusal::GitlabExtends {
                    template: template.id.clone(),
                })
            };
            out.push(Detection {
                job: job.id.clone(),
                step: None,
                verdict,
                span: job.span,
                ..d.clone()
            });
        }
    }
    out
}

/// The detectors of named publishing tools (not the fallbacks for scripts and other tools).
fn explicit(ctx: &StepCtx<'_>) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    found.extend(pypa_action::detect(ctx));
    found.extend(maturin::detect(ctx));
    found.extend(twine::detect(ctx));
    found.extend(poetry::detect(ctx));
    found.extend(flit::detect(ctx));
    found.extend(hatch::detect(ctx));
    found.extend(pdm::detect(ctx));
    found.extend(uv::detect(ctx));
    found.extend(chora_publish::detect(ctx));
    found.extend(setup_py::detect(ctx));
    found
}

fn detection(
    workflow: &Workflow,
    job: &Job,
    step: Option<&Step>,
    found: Found,
    refusal: &Option<Refusal>,
) -> Detection {
    let verdict = if let Index::Other(_) = found.index {
        Verdict::OtherService
    } else if let Some(r) = found.refusal.or_else(|| refusal.clone()) {
        Verdict::Refuse(r)
    } else {
        Verdict::Migrate
    };
    Detection {
        file: workflow.path.clone(),
        job: job.id.clone(),
        step: step.map(|s| s.index),
        tool: found.tool,
        index: found.index,
        credentials: found.credentials,
        verdict,
        span: step.map_or(job.span, |s| s.span),
    }
}

/// Events a fork (or anyone who can comment) can cause, and which run with the base
/// repository's secrets or OIDC identity.
const FORK_EVENTS: &[&str] = &[
    "issue_comment",
    "pull_request_review",
    "pull_request_review_comment",
    "discussion_comment",
];

/// Why this workflow cannot be a Trusted Publisher, if it cannot.
fn refusal(workflow: &Workflow) -> Option<Refusal> {
    match workflow.kind {
        FileKind::CompositeAction | FileKind::GitlabCi => return None,
        FileKind::GitlabIncluded => return Some(Refusal::GitlabInclude),
        FileKind::GitlabChild => return Some(Refusal::GitlabChildPipeline),
        FileKind::Workflow => {}
    }
    if workflow.has_trigger("workflow_call") {
        return Some(Refusal::ReusableWorkflow);
    }
    if workflow.has_trigger("pull_request_target") {
        return Some(Refusal::PullRequestTarget);
    }
    FORK_EVENTS
        .iter()
        .find(|e| workflow.has_trigger(e))
        .map(|e| Refusal::ForkTriggered {
            event: (*e).to_string(),
        })
}

#[cfg(test)]
mod tests;
