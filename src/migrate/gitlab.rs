//! Planning the migration of a GitLab pipeline (`.gitlab-ci.yml`): the same `Edit`s and
//! `FilePlan` as a GitHub workflow's, so `apply` patches it with the same guarantees. Per
//! publishing job: the long-lived credential goes (job or top-level `variables:` entries,
//! `-p`/`--token` arguments, `poetry config pypi-token…` commands), the job gets
//! `id_tokens: <AUD>_ID_TOKEN: {aud: pypi|testpypi}` and an `environment:` when it has none,
//! and the upload uses the ID token: uv gets `--trusted-publishing always`, twine (>= 6.1) keeps
//! its command (pins below 6.1 raised, `TWINE_USERNAME: __token__` kept or added), and a tool
//! that cannot read a GitLab ID token (poetry, flit, hatch, pdm, `setup.py upload`, maturin)
//! keeps its build while its upload becomes twine's. Files the pipeline includes and child
//! pipelines are refused (see `plan::refusal`).

use std::fmt::Write as _;

use indexmap::IndexMap;
use regex_lite::Regex;
use serde::Serialize;
use yaml_serde::{Mapping, Value};

use crate::workflow::gitlab::{self, PIPELINE_FILE, Pipeline};
use crate::workflow::model::{CredentialPlace, Detection, Index, Route, Segment, Tool, Verdict};
use crate::workflow::read::{Job, Workflow};

use super::edit::Edit;
use super::plan::refusal;
use super::plan::steps::{TWINE_MINIMUM, old_twine_requirements, split_script};
use super::plan::{Action, ActionKind, EnvironmentUse, FilePlan, PlanError, PlanOptions};

/// What to enter in PyPI's (or TestPyPI's) "GitLab" trusted publisher form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GitlabPublisherValues {
    pub namespace: String,
    pub project: String,
    /// The top-level pipeline file path (`.gitlab-ci.yml`).
    pub pipeline_file: String,
    pub environment: String,
    pub project_name: String,
    pub index: Index,
}

/// The form text, then the GitLab settings that make the publisher safe.
pub fn form_text(values: &GitlabPublisherValues) -> String {
    let service = match values.index {
        Index::TestPypi => "TestPyPI",
        _ => "PyPI",
    };
    let host = match values.index {
        Index::TestPypi => "https://test.pypi.org",
        _ => "https://pypi.org",
    };
    let mut out = String::new();
    let _ = writeln!(out, "{service} trusted publisher (the \"GitLab\" tab):");
    for (field, value) in [
        (
            "PyPI Project Name (pending publishers only)",
            &values.project_name,
        ),
        ("Namespace", &values.namespace),
        ("Project name", &values.project),
        ("Top-level pipeline file path", &values.pipeline_file),
        ("Environment name", &values.environment),
    ] {
        let _ = writeln!(out, "  {field}: {}", crate::text::excerpt(value, 200));
    }
    let _ = writeln!(
        out,
        "  Existing project: {host}/manage/project/{}/settings/publishing/ (the GitLab tab)",
        crate::names::pep503(&values.project_name)
    );
    let _ = writeln!(
        out,
        "  New project (pending publisher): {host}/manage/account/publishing/"
    );
    out
}

/// The GitLab settings to make once, for the environments the migrated jobs publish from.
pub fn settings_text(environments: &[String], variables: &[String]) -> String {
    let mut out = String::from("GitLab settings:\n");
    out.push_str(
        "  Settings > Repository > Protected tags: protect the release tags (e.g. `v*`), so only maintainers can start a publish\n",
    );
    for env in environments {
        let _ = writeln!(
            out,
            "  Settings > CI/CD > Environments (Operate > Environments): protect `{env}` and limit who may deploy to it (approvals need GitLab Premium or Ultimate)"
        );
    }
    for name in variables {
        let _ = writeln!(
            out,
            "  Settings > CI/CD > Variables: delete `{name}` after the first release published with Trusted Publishing, then revoke its token on PyPI"
        );
    }
    out
}

/// Plan one GitLab file. Only the top-level pipeline is edited; an included file or a child
/// pipeline only records its refusals.
pub fn plan_file(
    workflow: &Workflow,
    detections: &[Detection],
    options: &PlanOptions,
) -> Result<FilePlan, PlanError> {
    let mut plan = FilePlan::default();
    let untouched = refusal::record(detections, options.force, &mut plan);
    let Some(pipeline) = workflow.gitlab.as_deref() else {
        return Ok(plan);
    };
    if workflow.kind != crate::workflow::read::FileKind::GitlabCi {
        return Ok(plan);
    }
    let mut job_edits: Vec<Edit> = Vec::new();
    let mut entry_edits: Vec<(Route, Edit)> = Vec::new();
    let mut removed_vars: Vec<Route> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    for job in &workflow.jobs {
        if untouched.contains(&job.id) {
            continue;
        }
        let mine: Vec<&Detection> = detections
            .iter()
            .filter(|d| d.job == job.id)
            .filter(|d| match &d.verdict {
                Verdict::Migrate => true,
                Verdict::Refuse(_) => options.force,
                _ => false,
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut job_plan = JobPlan::default();
        let ok = plan_job(workflow, pipeline, job, &mine, &mut job_plan, &mut plan);
        if !ok {
            continue;
        }
        for route in job_plan.removed_vars {
            if !removed_vars.contains(&route) {
                removed_vars.push(route.clone());
                job_edits.push(Edit::Remove { route });
            }
        }
        job_edits.extend(job_plan.job_edits);
        entry_edits.extend(job_plan.entry_edits);
        secrets.extend(job_plan.secrets);
    }
    // Script entries last index first (a replaced entry never moves the ones still to edit),
    // each entry's edits in the order planned.
    entry_edits.sort_by_key(|e| std::cmp::Reverse(route_key(&e.0)));
    plan.edits = job_edits;
    plan.edits.extend(entry_edits.into_iter().map(|(_, e)| e));
    secrets.sort();
    secrets.dedup();
    plan.secrets_to_revoke = secrets;
    Ok(plan)
}

fn route_key(route: &[Segment]) -> Vec<(String, usize)> {
    route
        .iter()
        .map(|s| match s {
            Segment::Key(k) => (k.clone(), 0),
            Segment::Index(i) => (String::new(), *i),
        })
        .collect()
}

#[derive(Default)]
struct JobPlan {
    job_edits: Vec<Edit>,
    /// Edits of script entries, keyed by the entry's route.
    entry_edits: Vec<(Route, Edit)>,
    removed_vars: Vec<Route>,
    secrets: Vec<String>,
}

/// The CI/CD variable a value reads (`$NAME`, `${NAME}`), when it is only that.
fn variable_reference(value: &str) -> Option<String> {
    let v = value.trim().trim_matches('"');
    let name = v.strip_prefix("${").and_then(|r| r.strip_suffix('}'));
    let name = name.or_else(|| v.strip_prefix('$'))?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| name.to_string())
}

/// Every `$NAME` a text reads.
fn references(text: &str) -> Vec<String> {
    let Ok(re) = Regex::new(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)") else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .collect()
}

/// The variable a tool reads its token from when none is given in the file (a CI/CD variable).
fn implicit_variable(tool: &Tool) -> Option<&'static str> {
    match tool {
        Tool::Twine => Some("TWINE_PASSWORD"),
        Tool::Uv => Some("UV_PUBLISH_TOKEN"),
        Tool::Poetry => Some("POETRY_PYPI_TOKEN_PYPI"),
        Tool::Flit => Some("FLIT_PASSWORD"),
        Tool::Hatch => Some("HATCH_INDEX_AUTH"),
        Tool::Pdm => Some("PDM_PUBLISH_PASSWORD"),
        Tool::Maturin => Some("MATURIN_PYPI_TOKEN"),
        _ => None,
    }
}

fn step_route(job: &Job, step: Option<usize>) -> Option<Route> {
    let step = job.steps.get(step?)?;
    Some(step.run.as_ref()?.route.clone())
}

fn action(plan: &mut FilePlan, job: &str, step: Option<usize>, kind: ActionKind, message: String) {
    plan.actions.push(Action {
        job: job.to_string(),
        step,
        kind,
        message,
    });
}

/// Plan one job; `false` when it is left for a person (the plan says why).
fn plan_job(
    workflow: &Workflow,
    pipeline: &Pipeline,
    job: &Job,
    detections: &[&Detection],
    out: &mut JobPlan,
    plan: &mut FilePlan,
) -> bool {
    let id = job.id.as_str();
    let job_route = job.route.clone();
    // The entries whose text this plan rewrites, with their text as rewritten so far.
    let mut texts: IndexMap<Route, (usize, String)> = IndexMap::new();
    let mut indexes: Vec<Index> = Vec::new();
    let mut replaced: Vec<Route> = Vec::new();
    let mut twine = false;
    for d in detections {
        if let Index::Other(index) = &d.index {
            action(
                plan,
                id,
                d.step,
                ActionKind::Review,
                format!("uploads to {index}, not PyPI or TestPyPI: left as is"),
            );
            continue;
        }
        let Some(entry) = step_route(job, d.step) else {
            action(
                plan,
                id,
                d.step,
                ActionKind::Review,
                "the upload is not in a script entry of this job: make the change by hand"
                    .to_string(),
            );
            return false;
        };
        if !indexes.contains(&d.index) {
            indexes.push(d.index.clone());
        }
        let Some(step) = d.step else { continue };
        let text = job
            .steps
            .get(step)
            .and_then(|s| s.run.as_ref())
            .map(|r| r.text.clone())
            .unwrap_or_default();
        texts.entry(entry.clone()).or_insert((step, text));
        // The credentials.
        if d.credentials.is_empty()
            && let Some(name) = implicit_variable(&d.tool)
        {
            out.secrets.push(name.to_string());
        }
        for credential in &d.credentials {
            match &credential.place {
                CredentialPlace::Env { key, .. } => {
                    let value = gitlab::variable(workflow, job, key)
                        .and_then(|e| e.value.clone())
                        .unwrap_or_default();
                    if key == "TWINE_USERNAME" && value.trim() == "__token__" {
                        continue;
                    }
                    // A literal token is in the file itself: revoke it whatever its name.
                    out.secrets
                        .push(variable_reference(&value).unwrap_or_else(|| key.clone()));
                    if !out.removed_vars.contains(&credential.route) {
                        out.removed_vars.push(credential.route.clone());
                        action(
                            plan,
                            id,
                            d.step,
                            ActionKind::RemoveCredential,
                            format!(
                                "`variables: {key}` removed: the upload uses the job's ID token"
                            ),
                        );
                    }
                }
                CredentialPlace::Argument { text } | CredentialPlace::ConfigCommand { text } => {
                    if text.contains("__token__") && !text.contains("-p") && !text.contains("--p") {
                        continue;
                    }
                    out.secrets.extend(references(text));
                    let Some((_, current)) = texts.get_mut(&credential.route) else {
                        continue;
                    };
                    if let Some(at) = current.find(text.as_str()) {
                        current.replace_range(at..at + text.len(), "");
                        out.entry_edits.push((
                            credential.route.clone(),
                            Edit::RewriteText {
                                route: credential.route.clone(),
                                from: text.clone(),
                                to: String::new(),
                            },
                        ));
                        action(
                            plan,
                            id,
                            d.step,
                            ActionKind::RemoveCredential,
                            "the token given on the command line removed".to_string(),
                        );
                    }
                }
                CredentialPlace::With { .. } => {}
            }
        }
        // The command.
        match &d.tool {
            Tool::Twine => {
                twine = true;
                action(
                    plan,
                    id,
                    d.step,
                    ActionKind::KeepStep,
                    "twine (>= 6.1) reads the GitLab ID token by itself once no password is given"
                        .to_string(),
                );
            }
            Tool::Uv => {
                let Some((_, current)) = texts.get_mut(&entry) else {
                    continue;
                };
                let (from, to) = if current.contains("--trusted-publishing never") {
                    (
                        "--trusted-publishing never".to_string(),
                        "--trusted-publishing always".to_string(),
                    )
                } else if current.contains("--trusted-publishing") {
                    (String::new(), String::new())
                } else {
                    (
                        "uv publish".to_string(),
                        "uv publish --trusted-publishing always".to_string(),
                    )
                };
                if !from.is_empty() && current.contains(&from) {
                    *current = current.replacen(&from, &to, 1);
                    out.entry_edits.push((
                        entry.clone(),
                        Edit::RewriteText {
                            route: entry.clone(),
                            from,
                            to,
                        },
                    ));
                }
                action(
                    plan,
                    id,
                    d.step,
                    ActionKind::KeepStep,
                    "`uv publish --trusted-publishing always` reads the GitLab ID token"
                        .to_string(),
                );
            }
            Tool::Poetry | Tool::Flit | Tool::Hatch | Tool::Pdm | Tool::SetupPy | Tool::Maturin => {
                if replaced.contains(&entry) {
                    continue;
                }
                let current = texts
                    .get(&entry)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default();
                if current.trim().is_empty() {
                    // Only a configuration command (`poetry config pypi-token…`), now gone.
                    continue;
                }
                let earlier_build = job
                    .steps
                    .iter()
                    .take(step)
                    .filter_map(|s| s.run.as_ref())
                    .any(|r| r.text.contains("hatch build"));
                let split_tool = if d.tool == Tool::Pdm {
                    Tool::Poetry
                } else {
                    d.tool.clone()
                };
                let split = if d.tool == Tool::Pdm {
                    pdm_split(&current)
                } else {
                    split_script(&current, &split_tool, earlier_build)
                };
                let Some((rest, split, after)) = split else {
                    action(
                        plan,
                        id,
                        d.step,
                        ActionKind::Review,
                        "the upload command could not be found in the script: make the change by hand".to_string(),
                    );
                    return false;
                };
                if after {
                    action(
                        plan,
                        id,
                        d.step,
                        ActionKind::Review,
                        "commands follow the upload in the same script entry: split the entry so the upload is last, then run chora migrate again".to_string(),
                    );
                    return false;
                }
                let files = if split.files.is_empty() {
                    format!("{}*", split.dist_dir)
                } else {
                    split.files.join(" ")
                };
                let repository = if d.index == Index::TestPypi {
                    " --repository testpypi"
                } else {
                    ""
                };
                let mut items: Vec<Value> = Vec::new();
                if !rest.trim().is_empty() {
                    items.push(Value::String(rest.trim_end_matches('\n').to_string()));
                }
                items.push(Value::String(format!(
                    "python -m pip install \"twine>={TWINE_MINIMUM}\""
                )));
                items.push(Value::String(format!(
                    "python -m twine upload{repository} {files}"
                )));
                let joined = items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n");
                if let Some((_, t)) = texts.get_mut(&entry) {
                    *t = joined;
                }
                let yaml = yaml_serde::to_string(&Value::Sequence(items)).unwrap_or_default();
                // The entry is replaced whole: its earlier text edits are not needed.
                out.entry_edits.retain(|(r, _)| *r != entry);
                out.entry_edits.push((
                    entry.clone(),
                    Edit::ReplaceStep {
                        route: entry.clone(),
                        yaml,
                    },
                ));
                replaced.push(entry.clone());
                twine = true;
                let name = match d.tool {
                    Tool::Poetry => "poetry",
                    Tool::Flit => "flit",
                    Tool::Hatch => "hatch",
                    Tool::Pdm => "pdm",
                    Tool::SetupPy => "`setup.py upload`",
                    _ => "maturin",
                };
                let mut message = format!(
                    "{name} cannot read a GitLab ID token: its build is kept and the upload is now twine's (>= {TWINE_MINIMUM}, Trusted Publishing through the ID token)"
                );
                if let Some(note) = split.note {
                    message.push_str("; ");
                    message.push_str(&note);
                }
                action(plan, id, d.step, ActionKind::ReplaceUpload, message);
            }
            other => {
                let what = match other {
                    Tool::ChoraPublish => "chora-publish".to_string(),
                    Tool::Script => "the script".to_string(),
                    Tool::Other(name) => name.clone(),
                    _ => "the tool".to_string(),
                };
                action(
                    plan,
                    id,
                    d.step,
                    ActionKind::Review,
                    format!(
                        "{what} publishes here: its token was removed; make sure it reads the job's ID token ({})",
                        gitlab::token_variable("pypi")
                    ),
                );
            }
        }
    }
    if indexes.is_empty() {
        return false;
    }
    // A script still reading a token variable (a guard `[ -z "$PYPI_TOKEN" ]`, say) fails or
    // keeps the token alive: a person removes it.
    for name in out.secrets.clone() {
        let reads = texts
            .values()
            .map(|(_, t)| t.clone())
            .chain(job.steps.iter().filter_map(|s| {
                let run = s.run.as_ref()?;
                (!texts.contains_key(&run.route)).then(|| run.text.clone())
            }))
            .any(|t| references(&t).contains(&name));
        if reads {
            action(
                plan,
                id,
                None,
                ActionKind::Review,
                format!(
                    "the script still reads `{name}` (a check that the token is set?): remove that by hand, the upload no longer needs it"
                ),
            );
        }
    }
    // An entry left empty (it only configured the token) goes as a whole.
    for (route, (_, text)) in &texts {
        if text.trim().is_empty() {
            out.entry_edits.retain(|(r, _)| r != route);
            out.entry_edits.push((
                route.clone(),
                Edit::Remove {
                    route: route.clone(),
                },
            ));
        }
    }
    // twine pins below 6.1, in any script entry of the job.
    if twine {
        raise_twine(job, &mut texts, out, plan);
        let username = gitlab::variable(workflow, job, "TWINE_USERNAME")
            .and_then(|e| e.value.as_deref())
            .is_some_and(|v| v.trim() == "__token__");
        let on_command_line = texts.values().any(|(_, t)| t.contains("__token__"));
        if !username && !on_command_line {
            let mut entries = IndexMap::new();
            entries.insert(
                "TWINE_USERNAME".to_string(),
                Value::String("__token__".to_string()),
            );
            out.job_edits.push(Edit::MergeInto {
                route: job_route.clone(),
                key: "variables".to_string(),
                entries,
            });
        }
    }
    // The ID tokens.
    let mut tokens = IndexMap::new();
    for index in &indexes {
        let aud = if *index == Index::TestPypi {
            "testpypi"
        } else {
            "pypi"
        };
        if pipeline.has_id_token(id, aud) {
            continue;
        }
        let mut aud_map = Mapping::new();
        aud_map.insert(Value::String("aud".into()), Value::String(aud.into()));
        tokens.insert(gitlab::token_variable(aud), Value::Mapping(aud_map));
        action(
            plan,
            id,
            None,
            ActionKind::GrantIdToken,
            format!(
                "`id_tokens: {}: {{aud: {aud}}}` added: the GitLab ID token PyPI exchanges for a short-lived upload token",
                gitlab::token_variable(aud)
            ),
        );
    }
    if !tokens.is_empty() {
        out.job_edits.push(Edit::MergeInto {
            route: job_route.clone(),
            key: "id_tokens".to_string(),
            entries: tokens,
        });
    }
    // The environment.
    let (name, created) = match &job.environment {
        Some(name) => {
            action(
                plan,
                id,
                None,
                ActionKind::KeepEnvironment,
                format!("environment `{name}` kept: register it in the trusted publisher"),
            );
            (name.clone(), false)
        }
        None => {
            let name = if indexes.contains(&Index::Pypi) || indexes.len() != 1 {
                "pypi"
            } else {
                "testpypi"
            };
            out.job_edits.push(Edit::Add {
                route: job_route.clone(),
                key: "environment".to_string(),
                value: Value::String(name.to_string()),
            });
            action(
                plan,
                id,
                None,
                ActionKind::AddEnvironment,
                format!(
                    "environment `{name}` added: protect it (Settings > CI/CD > Environments) and name it in the trusted publisher"
                ),
            );
            (name.to_string(), true)
        }
    };
    for index in indexes {
        plan.environments.push(EnvironmentUse {
            job: id.to_string(),
            name: name.clone(),
            index,
            created,
        });
    }
    if !pipeline.job(id).is_some_and(|j| j.tag_only) {
        action(
            plan,
            id,
            None,
            ActionKind::Review,
            "the job does not run only for tags: add `rules: [{if: $CI_COMMIT_TAG}]` and protect the tags, or anyone who can push a branch can publish".to_string(),
        );
    }
    true
}

/// `pdm publish` builds first unless `--no-build`: its upload splits like poetry's with
/// `--build` (the build kept as `pdm build`).
fn pdm_split(script: &str) -> Option<(String, super::plan::steps::Split, bool)> {
    let builds = !script.contains("--no-build");
    let renamed = script.replacen("pdm publish", "poetry publish", 1);
    let renamed = if builds {
        renamed.replacen("poetry publish", "poetry publish --build", 1)
    } else {
        renamed.replacen(" --no-build", "", 1)
    };
    let (rest, mut split, after) = split_script(&renamed, &Tool::Poetry, false)?;
    let rest = rest.replace("poetry build", "pdm build");
    split.build = split.build.map(|b| b.replace("poetry build", "pdm build"));
    Some((rest, split, after))
}

/// Raise every twine requirement in the job's script entries that excludes twine 6.1.
fn raise_twine(
    job: &Job,
    texts: &mut IndexMap<Route, (usize, String)>,
    out: &mut JobPlan,
    plan: &mut FilePlan,
) {
    for step in &job.steps {
        let Some(run) = &step.run else { continue };
        let current = texts
            .get(&run.route)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| run.text.clone());
        for (from, to) in old_twine_requirements(&current) {
            action(
                plan,
                &job.id,
                Some(step.index),
                ActionKind::RaiseVersion,
                format!("`{from}` raised to `{to}`: twine reads GitLab ID tokens since 6.1"),
            );
            out.entry_edits.push((
                run.route.clone(),
                Edit::RewriteText {
                    route: run.route.clone(),
                    from,
                    to,
                },
            ));
        }
    }
}

/// The publisher values of a migrated GitLab pipeline.
pub fn publisher_values(
    plan: &FilePlan,
    facts: &super::facts::ProjectFacts,
    namespace: Option<(String, String)>,
) -> Vec<GitlabPublisherValues> {
    let mut out: Vec<GitlabPublisherValues> = Vec::new();
    for env in &plan.environments {
        if matches!(env.index, Index::Other(_)) {
            continue;
        }
        let (ns, project) = namespace.clone().unwrap_or_else(|| {
            (
                super::facts::placeholder("the GitLab namespace: no gitlab remote found"),
                super::facts::placeholder("the GitLab project: no gitlab remote found"),
            )
        });
        let values = GitlabPublisherValues {
            namespace: ns,
            project,
            pipeline_file: PIPELINE_FILE.to_string(),
            environment: env.name.clone(),
            project_name: facts.project_name.clone().unwrap_or_else(|| {
                super::facts::placeholder(
                    "the project name: not found in pyproject.toml, setup.cfg or setup.py",
                )
            }),
            index: env.index.clone(),
        };
        if !out.contains(&values) {
            out.push(values);
        }
    }
    out
}

/// Namespace and project of a GitLab remote URL (`https://gitlab.com/grp/sub/proj.git`,
/// `git@gitlab.example.com:grp/proj.git`): the last path part is the project, the rest the
/// namespace. Only hosts whose name contains `gitlab`.
pub fn parse_gitlab_url(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let rest = if let Some(r) = url.split_once("://").map(|(_, r)| r) {
        let r = r.split_once('@').map_or(r, |(_, r)| r);
        let (host, path) = r.split_once('/')?;
        host.contains("gitlab").then_some(path)?
    } else {
        let r = url.split_once('@').map_or(url, |(_, r)| r);
        let (host, path) = r.split_once(':')?;
        host.contains("gitlab").then_some(path)?
    };
    let path = rest.trim_end_matches('/').trim_end_matches(".git");
    let (namespace, project) = path.rsplit_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.split('/').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            })
    };
    (ok(namespace) && ok(project)).then(|| (namespace.to_string(), project.to_string()))
}

/// Namespace and project of `origin` (or the only GitLab remote).
pub fn gitlab_remote(root: &std::path::Path) -> Option<(String, String)> {
    let repo = crate::git::discover(root)?;
    if let Ok(origin) = repo.find_remote("origin")
        && let Some(found) = origin.url().ok().and_then(parse_gitlab_url)
    {
        return Some(found);
    }
    let names = repo.remotes().ok()?;
    let mut found = names.iter().filter_map(|name| {
        let name = name.ok()??;
        let remote = repo.find_remote(name).ok()?;
        parse_gitlab_url(remote.url().ok()?)
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_remotes_in_any_shape() {
        for (url, ns, project) in [
            ("https://gitlab.com/grp/pkg.git", "grp", "pkg"),
            ("git@gitlab.com:grp/sub/pkg.git", "grp/sub", "pkg"),
            ("ssh://git@gitlab.example.org/a/b", "a", "b"),
        ] {
            assert_eq!(
                parse_gitlab_url(url),
                Some((ns.to_string(), project.to_string())),
                "{url}"
            );
        }
        assert_eq!(parse_gitlab_url("https://github.com/o/r"), None);
        assert_eq!(parse_gitlab_url("https://gitlab.com/only"), None);
    }

    #[test]
    fn variable_references() {
        assert_eq!(
            variable_reference("$PYPI_TOKEN").as_deref(),
            Some("PYPI_TOKEN")
        );
        assert_eq!(variable_reference("${PYPI}").as_deref(), Some("PYPI"));
        assert_eq!(variable_reference("pypi-AgEI"), None);
        assert_eq!(references("-p \"${A}\" --token $B"), vec!["A", "B"]);
    }
}
