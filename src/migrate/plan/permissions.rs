//! `permissions: id-token: write` for the publishing jobs, without losing any other grant: a
//! job with its own `permissions` gets the entry merged in; a job without inherits the
//! workflow's, so it gets those stated plus `id-token` (or, when the workflow states none, the
//! repository default narrowed to `contents`). A workflow-level `id-token: write` is moved to
//! the publishing jobs when no other job inherits it.

use indexmap::IndexMap;
use yaml_serde::{Mapping, Value};

use crate::migrate::edit::Edit;

use super::doc::{Doc, child, job_route, key, mentions_text};
use super::{Action, ActionKind, FilePlan};

/// Every scope `read-all` grants (GitHub's permission keys), in GitHub's documented order.
const SCOPES: &[&str] = &[
    "actions",
    "attestations",
    "checks",
    "contents",
    "deployments",
    "discussions",
    "issues",
    "models",
    "packages",
    "pages",
    "pull-requests",
    "repository-projects",
    "security-events",
    "statuses",
];

/// What a `permissions` node grants.
#[derive(Debug, Clone, PartialEq)]
enum Grants {
    /// No `permissions` key.
    Absent,
    /// `write-all`.
    WriteAll,
    /// `read-all`.
    ReadAll,
    /// A mapping (possibly empty: `{}` grants nothing).
    Map(IndexMap<String, String>),
    /// Something else (an expression, an invalid value): not touched.
    Unknown,
}

fn grants(node: Option<&Value>) -> Grants {
    match node {
        None => Grants::Absent,
        Some(Value::String(s)) if s == "write-all" => Grants::WriteAll,
        Some(Value::String(s)) if s == "read-all" => Grants::ReadAll,
        Some(Value::Mapping(m)) => {
            let mut out = IndexMap::new();
            for (k, v) in m {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => {
                        out.insert(k.to_string(), v.to_string());
                    }
                    _ => return Grants::Unknown,
                }
            }
            Grants::Map(out)
        }
        Some(_) => Grants::Unknown,
    }
}

fn has_id_token(grants: &Grants) -> bool {
    match grants {
        Grants::WriteAll => true,
        Grants::Map(m) => m.get("id-token").is_some_and(|v| v == "write"),
        _ => false,
    }
}

fn write() -> Value {
    Value::String("write".to_string())
}

/// The edits giving each of `jobs` (the migrated workflow jobs) `id-token: write`.
pub(super) fn plan(doc: &Doc, jobs: &[String], plan: &mut FilePlan) -> Vec<Edit> {
    let mut edits = Vec::new();
    if jobs.is_empty() {
        return edits;
    }
    let workflow = grants(doc.root().get("permissions"));

    // Jobs that inherit the workflow's permissions (no `permissions` of their own).
    let inheriting: Vec<String> = doc
        .jobs()
        .into_iter()
        .filter(|(_, job)| job.get("permissions").is_none())
        .map(|(id, _)| id)
        .collect();
    let others_inheriting: Vec<&String> =
        inheriting.iter().filter(|id| !jobs.contains(id)).collect();
    let narrow = matches!(&workflow, Grants::Map(m) if m.get("id-token").is_some_and(|v| v == "write"))
        && others_inheriting.is_empty();

    if narrow && let Grants::Map(w) = &workflow {
        if w.len() == 1 {
            edits.push(Edit::Replace {
                route: vec![key("permissions")],
                value: Value::Mapping(Mapping::new()),
            });
        } else {
            edits.push(Edit::Remove {
                route: vec![key("permissions"), key("id-token")],
            });
        }
        plan.actions.push(Action {
            job: String::new(),
            step: None,
            kind: ActionKind::NarrowIdToken,
            message: "workflow-level `id-token: write` moved to the publishing jobs: no other job needs to mint OIDC tokens".to_string(),
        });
    } else if has_id_token(&workflow) && !others_inheriting.is_empty() {
        let names: Vec<String> = others_inheriting.iter().map(|j| format!("`{j}`")).collect();
        plan.actions.push(Action {
            job: String::new(),
            step: None,
            kind: ActionKind::Review,
            message: format!(
                "workflow-level `id-token: write` kept: {} inherit(s) it; grant it only to the jobs that need it",
                names.join(", ")
            ),
        });
    }

    for id in jobs {
        let Some(job) = doc.job(id) else { continue };
        let own = grants(job.get("permissions"));
        let route = job_route(id);
        match own {
            Grants::Map(m) => {
                if m.get("id-token").is_some_and(|v| v == "write") {
                    continue;
                }
                let mut entries = IndexMap::new();
                entries.insert("id-token".to_string(), write());
                edits.push(Edit::MergeInto {
                    route,
                    key: "permissions".to_string(),
                    entries,
                });
                grant(plan, id, "added `id-token: write` to the job's permissions");
            }
            Grants::WriteAll => {}
            Grants::ReadAll => {
                edits.push(Edit::Replace {
                    route: child(&route, &["permissions"]),
                    value: Value::Mapping(read_all_plus_id_token()),
                });
                grant(
                    plan,
                    id,
                    "`read-all` spelled out as every scope `read`, plus `id-token: write`",
                );
            }
            Grants::Unknown => review(
                plan,
                id,
                "the job's `permissions` is not a plain mapping: add `id-token: write` by hand",
            ),
            Grants::Absent => match &workflow {
                Grants::WriteAll => {}
                // Still inherited from the workflow, which keeps it.
                Grants::Map(_) if !narrow && has_id_token(&workflow) => {}
                Grants::Map(w) => {
                    let mut entries: IndexMap<String, Value> = w
                        .iter()
                        .filter(|(k, _)| k.as_str() != "id-token")
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    entries.insert("id-token".to_string(), write());
                    let inherited = if entries.len() > 1 {
                        "the workflow's grants (which it inherited) plus `id-token: write`"
                    } else {
                        "`id-token: write`"
                    };
                    edits.push(Edit::MergeInto {
                        route,
                        key: "permissions".to_string(),
                        entries,
                    });
                    grant(plan, id, &format!("job permissions set to {inherited}"));
                }
                Grants::ReadAll => {
                    let entries: IndexMap<String, Value> = read_all_plus_id_token()
                        .into_iter()
                        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v)))
                        .collect();
                    edits.push(Edit::MergeInto {
                        route,
                        key: "permissions".to_string(),
                        entries,
                    });
                    grant(
                        plan,
                        id,
                        "job permissions set to the workflow's `read-all` (every scope `read`) plus `id-token: write`",
                    );
                }
                Grants::Absent => {
                    let contents = if uses_github_token(job) {
                        "write"
                    } else {
                        "read"
                    };
                    let mut entries = IndexMap::new();
                    entries.insert("contents".to_string(), Value::String(contents.to_string()));
                    entries.insert("id-token".to_string(), write());
                    edits.push(Edit::MergeInto {
                        route,
                        key: "permissions".to_string(),
                        entries,
                    });
                    grant(
                        plan,
                        id,
                        &format!(
                            "job permissions set to `contents: {contents}` and `id-token: write`"
                        ),
                    );
                    review(
                        plan,
                        id,
                        &format!(
                            "the job ran with the repository's default token permissions; it now has only `contents: {contents}` and `id-token: write`: add any other scope its steps need"
                        ),
                    );
                }
                Grants::Unknown => review(
                    plan,
                    id,
                    "the workflow's `permissions` is not a plain mapping: add `id-token: write` to the job by hand",
                ),
            },
        }
    }
    edits
}

fn read_all_plus_id_token() -> Mapping {
    let mut map = Mapping::new();
    for scope in SCOPES {
        map.insert(
            Value::String((*scope).to_string()),
            Value::String("read".to_string()),
        );
    }
    map.insert(Value::String("id-token".to_string()), write());
    map
}

/// Whether the job's steps use the GitHub token in a way that writes (releases, pushes).
fn uses_github_token(job: &Mapping) -> bool {
    let text = yaml_serde::to_string(job).unwrap_or_default();
    [
        "GITHUB_TOKEN",
        "github.token",
        "action-gh-release",
        "release-action",
        "gh release",
        "git push",
    ]
    .iter()
    .any(|needle| {
        if needle.contains(['.', ' ', '-']) {
            text.contains(needle)
        } else {
            mentions_text(&text, needle)
        }
    })
}

fn grant(plan: &mut FilePlan, job: &str, message: &str) {
    plan.actions.push(Action {
        job: job.to_string(),
        step: None,
        kind: ActionKind::GrantIdToken,
        message: format!(
            "{message}: Trusted Publishing mints its upload token from the job's OIDC identity"
        ),
    });
}

fn review(plan: &mut FilePlan, job: &str, message: &str) {
    plan.actions.push(Action {
        job: job.to_string(),
        step: None,
        kind: ActionKind::Review,
        message: message.to_string(),
    });
}
