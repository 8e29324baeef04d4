//! The deployment environment of a publishing job: kept when it has one (string or mapping
//! form), else `pypi` (or `testpypi` when the job uploads only there) with the project URL.
//! PyPI matches one environment per job (the OIDC token carries one), so a job uploading to
//! both indexes uses one environment for both publishers.

use yaml_serde::{Mapping, Value};

use crate::migrate::edit::Edit;
use crate::migrate::facts::ProjectFacts;
use crate::names::pep503;
use crate::workflow::model::Index;

use super::doc::{Doc, job_route};
use super::{Action, ActionKind, EnvironmentUse, FilePlan};

/// The edit (if any) giving job `id` an environment, and its uses per index in `plan`.
pub(super) fn plan(
    doc: &Doc,
    id: &str,
    indexes: &[Index],
    facts: &ProjectFacts,
    plan: &mut FilePlan,
) -> Option<Edit> {
    let job = doc.job(id)?;
    let mut targets: Vec<Index> = Vec::new();
    for index in indexes {
        if matches!(index, Index::Pypi | Index::TestPypi) && !targets.contains(index) {
            targets.push(index.clone());
        }
    }
    if targets.is_empty() {
        return None;
    }
    if targets.len() > 1 {
        plan.actions.push(Action {
            job: id.to_string(),
            step: None,
            kind: ActionKind::Review,
            message: "the job uploads to both TestPyPI and PyPI: a job has one environment, so register both trusted publishers with the same one (or split the job in two, one per index)".to_string(),
        });
    }

    let existing = match job.get("environment") {
        Some(Value::String(name)) => Some(name.clone()),
        Some(Value::Mapping(m)) => Some(
            m.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        Some(_) => Some(String::new()),
        None => None,
    };
    let (name, created, edit) = match existing {
        Some(name) => {
            let message = if name.is_empty() {
                "the job's environment has no plain name: register the trusted publisher with the environment it evaluates to".to_string()
            } else if name.contains("${{") {
                format!(
                    "kept the job's environment `{name}`: it is an expression, register the trusted publisher with the name it evaluates to"
                )
            } else {
                format!("kept the job's environment `{name}`: register it in the trusted publisher")
            };
            let kind = if name.is_empty() || name.contains("${{") {
                ActionKind::Review
            } else {
                ActionKind::KeepEnvironment
            };
            plan.actions.push(Action {
                job: id.to_string(),
                step: None,
                kind,
                message,
            });
            (name, false, None)
        }
        None => {
            let index = if targets.contains(&Index::Pypi) {
                Index::Pypi
            } else {
                Index::TestPypi
            };
            let (name, host) = match index {
                Index::TestPypi => ("testpypi", "https://test.pypi.org"),
                _ => ("pypi", "https://pypi.org"),
            };
            let mut value = Mapping::new();
            value.insert(
                Value::String("name".to_string()),
                Value::String(name.to_string()),
            );
            if let Some(project) = &facts.project_name {
                value.insert(
                    Value::String("url".to_string()),
                    Value::String(format!("{host}/p/{}", pep503(project))),
                );
            }
            plan.actions.push(Action {
                job: id.to_string(),
                step: None,
                kind: ActionKind::AddEnvironment,
                message: format!(
                    "added environment `{name}`: the trusted publisher can require it, and its protection rules (reviewers, tag-only) guard the upload"
                ),
            });
            let edit = Edit::Add {
                route: job_route(id),
                key: "environment".to_string(),
                value: Value::Mapping(value),
            };
            (name.to_string(), true, Some(edit))
        }
    };
    for index in targets {
        plan.environments.push(EnvironmentUse {
            job: id.to_string(),
            name: name.clone(),
            index,
            created,
        });
    }
    edit
}
