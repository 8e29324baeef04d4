//! Planning one workflow's migration: its text and its detections -> the `Edit`s that move its
//! PyPI publishing to Trusted Publishing, and a human-readable account of each action. Plain
//! data in, plain data out; `apply` turns the edits into text patches.
//!
//! One module per concern: `credentials` (removing long-lived credentials, wherever they are
//! set), `steps` (per publishing tool: keep a native Trusted Publishing step, or replace the
//! upload), `permissions` (`id-token: write` on the publishing job), `environment` (the job's
//! deployment environment), `refusal` (why a shape is not rewritten, and the fix), `changes`
//! (the per-step edits being gathered, turned into `Edit`s at the end), `inputs` (a composite
//! action's inputs left unused), `doc` (reading the parsed document).

mod changes;
mod credentials;
mod doc;
mod environment;
mod inputs;
mod permissions;
pub(crate) mod refusal;
pub(crate) mod steps;

#[cfg(test)]
mod tests;

use serde::Serialize;
use thiserror::Error;

use crate::migrate::edit::Edit;
use crate::migrate::facts::ProjectFacts;
use crate::migrate::publisher::{self, Publisher, PublisherError, UploadStep};
use crate::workflow::model::{Detection, Index, Refusal, Verdict};

use changes::Changes;
use doc::Doc;

/// How to migrate (from the command line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    /// Which publisher replaces the uploads of tools without Trusted Publishing (default:
    /// [`publisher::default_publisher`], chora-publish only when a chora-cli release is known).
    pub publisher: Publisher,
    /// Rewrite jobs whose shape PyPI cannot accept anyway (`--force`); they stay listed in
    /// `FilePlan::refused`.
    pub force: bool,
    /// Whether replacement uploads sign and send PEP 740 attestations.
    pub attestations: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            publisher: publisher::default_publisher(&crate::template::env::Release::default()),
            force: false,
            attestations: true,
        }
    }
}

/// The plan for one workflow file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FilePlan {
    /// The edits, in the order `apply` must apply them (within a job's steps, the last step
    /// first, so a step replaced by several never moves the steps still to edit).
    pub edits: Vec<Edit>,
    /// What each edit (or decision not to edit) does and why, for the summary.
    pub actions: Vec<Action>,
    /// Names of the secrets the migrated steps no longer read: delete and revoke them on PyPI
    /// *after* the first release published with Trusted Publishing. Sorted, unique.
    pub secrets_to_revoke: Vec<String>,
    /// Jobs whose shape PyPI cannot accept as a Trusted Publisher.
    pub refused: Vec<RefusedJob>,
    /// The environment each migrated job publishes from, per index: the values to register in
    /// the trusted publisher form.
    pub environments: Vec<EnvironmentUse>,
}

impl FilePlan {
    /// Whether the file needs no change (nothing to edit and nothing refused).
    pub fn is_noop(&self) -> bool {
        self.edits.is_empty() && self.refused.is_empty()
    }
}

/// One thing the plan does (or deliberately does not do) in a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// The job id; empty for a composite action or the workflow as a whole.
    pub job: String,
    /// The step index in the job's steps, when the action is about one step.
    pub step: Option<usize>,
    pub kind: ActionKind,
    /// One sentence for a person: what and why. Never contains a credential's value.
    pub message: String,
}

/// What an `Action` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// `id-token: write` granted to the job (merged with what it had).
    GrantIdToken,
    /// A workflow-level `id-token: write` moved to the publishing jobs.
    NarrowIdToken,
    /// An environment added to the job.
    AddEnvironment,
    /// The job's existing environment kept.
    KeepEnvironment,
    /// A long-lived credential removed.
    RemoveCredential,
    /// A credential left in place (still used elsewhere), with why.
    KeepCredential,
    /// A pinned tool version raised to one with Trusted Publishing.
    RaiseVersion,
    /// An action reference too old (or unverifiable) replaced by the SHA pin chora uses.
    RepinAction,
    /// A step kept as is: its tool publishes with Trusted Publishing once the token is gone.
    KeepStep,
    /// An upload replaced by the configured publisher's upload steps.
    ReplaceUpload,
    /// Something a person must check or finish by hand.
    Review,
}

/// A job not rewritten (or, with `--force`, rewritten anyway) because PyPI cannot accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedJob {
    pub job: String,
    pub refusal: Refusal,
    /// Why PyPI would reject it.
    pub reason: String,
    /// What to do instead.
    pub fix: String,
    /// Rewritten anyway (`--force`).
    pub forced: bool,
}

/// The environment a migrated job publishes from to one index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentUse {
    pub job: String,
    /// The environment name (as written in the workflow; an expression is kept verbatim).
    pub name: String,
    pub index: Index,
    /// Added by this plan (`false`: the job already had it).
    pub created: bool,
}

/// Why a plan could not be made.
#[derive(Debug, Error)]
pub enum PlanError {
    #[error(
        "the workflow is not valid YAML: {0}; fix the syntax (actionlint shows where), then run chora migrate again"
    )]
    Parse(#[source] yaml_serde::Error),
    #[error(
        "the file is not a workflow (its top level is not a mapping); check that it is a GitHub Actions workflow or composite action"
    )]
    NotAWorkflow,
    #[error(
        "a detection names job {job:?}, which the workflow does not have; this is a bug in chora, please report it"
    )]
    UnknownJob { job: String },
    #[error(
        "a detection names step {step} of job {job:?}, which the workflow does not have; this is a bug in chora, please report it"
    )]
    UnknownStep { job: String, step: usize },
    #[error("rendering the replacement upload steps for job {job:?} failed: {source}")]
    Render {
        job: String,
        #[source]
        source: PublisherError,
    },
}

/// Renders the upload steps that replace an upload (the template partial in production; tests
/// inject a stand-in).
pub trait RenderUpload {
    /// The steps as YAML text: sequence items at column 0 (`- name: …`).
    fn render_upload(&self, step: &UploadStep) -> Result<String, PublisherError>;
}

/// The production renderer: `publisher::render_upload_steps`, the same partial as `chora new`.
pub struct TemplateUpload;

impl RenderUpload for TemplateUpload {
    fn render_upload(&self, step: &UploadStep) -> Result<String, PublisherError> {
        publisher::render_upload_steps(step)
    }
}

impl<F> RenderUpload for F
where
    F: Fn(&UploadStep) -> Result<String, PublisherError>,
{
    fn render_upload(&self, step: &UploadStep) -> Result<String, PublisherError> {
        self(step)
    }
}

/// Plan the migration of one workflow (or composite action) from its text and its detections.
pub fn plan_file(
    source: &str,
    detections: &[Detection],
    facts: &ProjectFacts,
    options: &PlanOptions,
) -> Result<FilePlan, PlanError> {
    plan_file_with(source, detections, facts, options, &TemplateUpload)
}

/// [`plan_file`] with a given upload renderer.
pub fn plan_file_with(
    source: &str,
    detections: &[Detection],
    facts: &ProjectFacts,
    options: &PlanOptions,
    render: &dyn RenderUpload,
) -> Result<FilePlan, PlanError> {
    // The YAML parser reads a byte order mark as content (a second document); it is not.
    let body = source.strip_prefix('\u{feff}').unwrap_or(source);
    let value: yaml_serde::Value = yaml_serde::from_str(body).map_err(PlanError::Parse)?;
    let doc = Doc::new(value).ok_or(PlanError::NotAWorkflow)?;
    let mut plan = FilePlan::default();

    let refused_jobs = refusal::record(detections, options.force, &mut plan);
    let mut migrating: Vec<&Detection> = Vec::new();
    for detection in detections {
        let wanted = match &detection.verdict {
            Verdict::Migrate => true,
            Verdict::Refuse(_) => options.force,
            Verdict::AlreadyTrusted | Verdict::OtherService => false,
        };
        if !wanted || refused_jobs.contains(&detection.job) {
            continue;
        }
        if let Index::Other(index) = &detection.index {
            plan.actions.push(Action {
                job: detection.job.clone(),
                step: detection.step,
                kind: ActionKind::Review,
                message: format!(
                    "uploads to {index}, not PyPI or TestPyPI: left as is (Trusted Publishing here is PyPI's)"
                ),
            });
            continue;
        }
        check_exists(&doc, detection)?;
        migrating.push(detection);
    }
    if migrating.is_empty() {
        return Ok(plan);
    }

    let mut changes = Changes::default();
    let shared = credentials::gather(&migrating, &mut changes);
    steps::plan(&doc, &migrating, options, render, &mut changes, &mut plan)?;
    let mut edits = changes.into_edits(&doc, &mut plan);
    edits.extend(credentials::shared_edits(
        &doc, detections, &migrating, &shared, &mut plan,
    ));

    let mut jobs: Vec<String> = Vec::new();
    for detection in &migrating {
        if !jobs.contains(&detection.job) {
            jobs.push(detection.job.clone());
        }
    }
    let workflow_jobs: Vec<String> = jobs.iter().filter(|j| !j.is_empty()).cloned().collect();
    edits.extend(permissions::plan(&doc, &workflow_jobs, &mut plan));
    for job in &jobs {
        if job.is_empty() {
            let unused = inputs::plan(&doc, &edits, &mut plan);
            edits.extend(unused);
            plan.actions.push(Action {
                job: String::new(),
                step: None,
                kind: ActionKind::Review,
                message: "composite action: every job that uses it needs `permissions: id-token: write` and an environment; run chora migrate on those workflows too".to_string(),
            });
            continue;
        }
        let indexes: Vec<Index> = migrating
            .iter()
            .filter(|d| &d.job == job)
            .map(|d| d.index.clone())
            .collect();
        edits.extend(environment::plan(&doc, job, &indexes, facts, &mut plan));
        job_notes(&doc, job, options, &mut plan);
    }

    plan.edits = edits;
    keep_secrets_still_used(source, &mut plan);
    Ok(plan)
}

/// A removed secret that the file still references elsewhere (another step, another
/// service) is not to revoke: drop it from the list and say so. Sorts and dedups the list.
fn keep_secrets_still_used(source: &str, plan: &mut FilePlan) {
    let mut removed: Vec<(String, usize)> = Vec::new();
    for name in plan.secrets_to_revoke.drain(..) {
        match removed.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => removed.push((name, 1)),
        }
    }
    let lower = source.to_ascii_lowercase();
    for (name, count) in removed {
        let needle = format!("secrets.{}", name.to_ascii_lowercase());
        let uses = lower
            .match_indices(&needle)
            .filter(|(at, _)| {
                let after = lower
                    .get(at + needle.len()..)
                    .and_then(|rest| rest.chars().next());
                !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .count();
        if uses > count {
            plan.actions.push(Action {
                job: String::new(),
                step: None,
                kind: ActionKind::KeepCredential,
                message: format!(
                    "secret {name} is still referenced elsewhere in this file: revoke it only once nothing uses it"
                ),
            });
        } else {
            plan.secrets_to_revoke.push(name);
        }
    }
    plan.secrets_to_revoke.sort();
}

/// Notes on the job's shape: a matrix job publishes from every leg (PyPI accepts it, each leg
/// mints its own token, but a failed leg leaves a partial release), and the PyPA action that
/// `--publisher pypa` inserts runs on Linux runners only.
fn job_notes(doc: &Doc, job: &str, options: &PlanOptions, plan: &mut FilePlan) {
    let Some(mapping) = doc.job(job) else { return };
    let matrix = mapping
        .get("strategy")
        .and_then(|s| s.get("matrix"))
        .is_some();
    let runs_on = mapping
        .get("runs-on")
        .map(|v| yaml_serde::to_string(v).unwrap_or_default())
        .unwrap_or_default();
    let inserts_pypa = options.publisher == Publisher::Pypa
        && plan
            .actions
            .iter()
            .any(|a| a.job == job && a.kind == ActionKind::ReplaceUpload);
    let maybe_not_linux = matrix || !runs_on.contains("ubuntu");
    let mut notes = Vec::new();
    if matrix {
        notes.push("every leg of the job's matrix uploads: PyPI accepts that (each leg mints its own token), but a failed leg leaves a partial release; consider uploading the legs' artifacts from one publish job, as chora's release.yml does");
    }
    if inserts_pypa && maybe_not_linux {
        notes.push(
            "the PyPA action runs on Linux runners only: check `runs-on`, or use --publisher chora",
        );
    }
    for message in notes {
        plan.actions.push(Action {
            job: job.to_string(),
            step: None,
            kind: ActionKind::Review,
            message: message.to_string(),
        });
    }
}

/// A detection must name a job (and step) of this document.
fn check_exists(doc: &Doc, detection: &Detection) -> Result<(), PlanError> {
    if doc.job(&detection.job).is_none() {
        return Err(PlanError::UnknownJob {
            job: detection.job.clone(),
        });
    }
    if let Some(step) = detection.step
        && doc.step(&detection.job, step).is_none()
    {
        return Err(PlanError::UnknownStep {
            job: detection.job.clone(),
            step,
        });
    }
    Ok(())
}
