//! Removing long-lived credentials: step-level `env`/`with` entries, command-line arguments and
//! configuration commands go into the step's changes; job- and workflow-level `env` entries
//! are removed only when nothing but the migrated steps can read them (else reported). A
//! credential another, unmigrated detection also receives is never touched.

use yaml_serde::Value;

use crate::migrate::edit::Edit;
use crate::workflow::model::{CredentialPlace, Detection, Level, Route, Segment};

use super::changes::{Changes, Removal, Rewrite, RewriteKind, report_removed};
use super::doc::{Doc, mentions, step_of};
use super::{Action, ActionKind, FilePlan};

/// A credential set at job or workflow level.
#[derive(Debug, Clone)]
pub(super) struct Shared {
    pub route: Route,
    pub level: Level,
    pub key: String,
    pub secret: Option<String>,
}

/// Put every step-level credential of the migrating detections into `changes`; return the
/// job- and workflow-level ones (once each) for [`shared_edits`].
pub(super) fn gather(migrating: &[&Detection], changes: &mut Changes) -> Vec<Shared> {
    let mut shared: Vec<Shared> = Vec::new();
    // Several arguments share one route (the `run` scalar): one credential is route + place.
    let mut seen: Vec<(&Route, &CredentialPlace)> = Vec::new();
    for detection in migrating {
        for credential in &detection.credentials {
            if seen.contains(&(&credential.route, &credential.place)) {
                continue;
            }
            seen.push((&credential.route, &credential.place));
            match &credential.place {
                CredentialPlace::Env {
                    level: level @ (Level::Job | Level::Workflow),
                    key,
                } => shared.push(Shared {
                    route: credential.route.clone(),
                    level: *level,
                    key: key.clone(),
                    secret: credential.secret.clone(),
                }),
                CredentialPlace::Env {
                    level: Level::Step,
                    key,
                }
                | CredentialPlace::With { key } => {
                    if let Some((job, step)) = step_of(&credential.route) {
                        changes.step(&job, step).removals.push(Removal {
                            route: credential.route.clone(),
                            key: key.clone(),
                            secret: credential.secret.clone(),
                        });
                    }
                }
                CredentialPlace::Argument { text } | CredentialPlace::ConfigCommand { text } => {
                    let kind = match &credential.place {
                        CredentialPlace::Argument { .. } => RewriteKind::Argument,
                        _ => RewriteKind::ConfigCommand,
                    };
                    if let Some((job, step)) = step_of(&credential.route) {
                        changes.step(&job, step).rewrites.push(Rewrite {
                            kind,
                            text: text.clone(),
                            secret: credential.secret.clone(),
                        });
                    }
                }
            }
        }
    }
    shared
}

/// Edits for job- and workflow-level credentials: removed when every step that receives them
/// is migrated and no other step (or job key) mentions the variable; otherwise kept and
/// reported.
pub(super) fn shared_edits(
    doc: &Doc,
    all: &[Detection],
    migrating: &[&Detection],
    shared: &[Shared],
    plan: &mut FilePlan,
) -> Vec<Edit> {
    let mut removed: Vec<&Shared> = Vec::new();
    for entry in shared {
        let job = match (entry.level, entry.route.get(1)) {
            (Level::Job, Some(Segment::Key(job))) => job.clone(),
            _ => String::new(),
        };
        let receivers: Vec<&Detection> = all
            .iter()
            .filter(|d| d.credentials.iter().any(|c| c.route == entry.route))
            .collect();
        let unmigrated = receivers
            .iter()
            .find(|d| !migrating.iter().any(|m| std::ptr::eq(*m, **d)));
        let keep_because = if let Some(other) = unmigrated {
            Some(format!(
                "it is also given to {} (not migrated)",
                place(&other.job, other.step)
            ))
        } else {
            other_reader(doc, entry, migrating)
        };
        match keep_because {
            Some(why) => plan.actions.push(Action {
                job: job.clone(),
                step: None,
                kind: ActionKind::KeepCredential,
                message: format!(
                    "kept {} `{}`: {why}; remove it by hand once nothing else needs it, then revoke it",
                    level_name(entry.level),
                    entry.key
                ),
            }),
            None => removed.push(entry),
        }
    }

    let mut edits = Vec::new();
    let mut parents: Vec<Route> = Vec::new();
    for entry in &removed {
        let parent: Route = entry.route[..entry.route.len().saturating_sub(1)].to_vec();
        if !parents.contains(&parent) {
            parents.push(parent);
        }
    }
    for parent in parents {
        let mine: Vec<&&Shared> = removed
            .iter()
            .filter(|e| e.route.len() == parent.len() + 1 && e.route.starts_with(&parent))
            .collect();
        let size = super::changes::resolve_mapping_len(doc, &parent);
        if size.is_some_and(|n| n <= mine.len()) {
            edits.push(Edit::Remove {
                route: parent.clone(),
            });
        } else {
            edits.extend(mine.iter().map(|e| Edit::Remove {
                route: e.route.clone(),
            }));
        }
        for entry in mine {
            let job = match entry.route.get(1) {
                Some(Segment::Key(job)) if entry.level == Level::Job => job.clone(),
                _ => String::new(),
            };
            let what = format!("{} `{}`", level_name(entry.level), entry.key);
            report_removed(plan, &job, None, &what, entry.secret.as_ref());
        }
    }
    edits
}

/// Why a job- or workflow-level variable must stay: a step that is not publishing (or a job
/// key) mentions it.
fn other_reader(doc: &Doc, entry: &Shared, migrating: &[&Detection]) -> Option<String> {
    let publishing = |job: &str, step: usize| {
        migrating.iter().any(|d| {
            d.job == job
                && (d.step.is_none() || d.step == Some(step))
                && d.credentials.iter().any(|c| c.route == entry.route)
        })
    };
    let jobs: Vec<(String, &yaml_serde::Mapping)> = match (entry.level, entry.route.get(1)) {
        (Level::Job, Some(Segment::Key(id))) => doc
            .job(id)
            .map(|j| vec![(id.clone(), j)])
            .unwrap_or_default(),
        _ => doc.jobs(),
    };
    if entry.level == Level::Workflow {
        let root_mentions = doc
            .root()
            .iter()
            .any(|(k, v)| !matches!(k.as_str(), Some("env" | "jobs")) && mentions(v, &entry.key));
        if root_mentions {
            return Some("the workflow mentions it outside its jobs".to_string());
        }
    }
    for (id, job) in jobs {
        let job_mentions = job.iter().any(|(k, v)| {
            let own_env = entry.level == Level::Job && k.as_str() == Some("env");
            k.as_str() != Some("steps") && !own_env && mentions(v, &entry.key)
        });
        if job_mentions {
            return Some(format!("job `{id}` mentions it outside its steps"));
        }
        let steps = job.get("steps").and_then(Value::as_sequence);
        for (n, step) in steps
            .map(|s| s.iter().enumerate().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if !publishing(&id, n) && mentions(step, &entry.key) {
                return Some(format!("{} reads it", place(&id, Some(n))));
            }
        }
    }
    None
}

fn place(job: &str, step: Option<usize>) -> String {
    match (job.is_empty(), step) {
        (true, Some(n)) => format!("step {} of the composite action", n + 1),
        (true, None) => "the composite action".to_string(),
        (false, Some(n)) => format!("step {} of job `{job}`", n + 1),
        (false, None) => format!("job `{job}`"),
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Workflow => "workflow-level env",
        Level::Job => "job-level env",
        Level::Step => "env",
    }
}
