//! Applying planned edits to a workflow's text as comment-preserving patches (yamlpatch and
//! splices on yamlpath spans), then re-parsing the result and checking that nothing but the
//! edited nodes changed.
//!
//! Guarantees: bytes outside the edited nodes are untouched (comments, key order, quoting,
//! anchors, indentation, blank lines); CRLF files stay CRLF and a UTF-8 byte-order mark is kept;
//! the result is re-parsed and compared with the original's parse, and any difference that no
//! edit targeted is refused (`ApplyError::Unintended`), as are routes that do not exist, pass
//! through an alias or edit an anchored node that is aliased elsewhere. On any error the caller
//! keeps the original text.

mod anchors;
mod nodes;
mod ops;
mod route;
mod script;
mod text;
mod verify;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod yamlpatch_limits;

use indexmap::IndexMap;
use thiserror::Error;
use yaml_serde::Value;
use yamlpath::{Document, FeatureKind};

pub use ops::Problem;
pub use route::render as render_route;

use super::edit::Edit;
use crate::workflow::model::{Route, Segment};
use route::{Shape, render};

/// Why a set of edits could not be applied. The original text is always kept.
#[derive(Debug, Error)]
pub enum ApplyError {
    #[error("the workflow is not valid YAML ({reason}); fix it and run again")]
    InvalidYaml { reason: String },
    #[error(
        "the workflow mixes CRLF and LF line endings; normalise them (e.g. `dos2unix`) and run again"
    )]
    MixedLineEndings,
    #[error(
        "edit #{edit} ({op} at `{route}`): {problem}; the file was left unchanged: make this change by hand, or report the workflow shape"
    )]
    Edit {
        /// Index (from 0) of the edit in the slice given to `apply`.
        edit: usize,
        op: &'static str,
        route: String,
        problem: Problem,
    },
    #[error(
        "the rewritten workflow no longer parses ({reason}); the file was left unchanged: please report the workflow shape"
    )]
    ResultInvalid { reason: String },
    #[error(
        "the rewritten workflow differs from the original at `{route}`, which no edit targeted (a YAML alias sharing an edited node does this); the file was left unchanged: make the change by hand, or report the workflow shape"
    )]
    Unintended { route: String },
    #[error(
        "after rewriting, the value at `{route}` is not what the edit asked for; the file was left unchanged: make the change by hand, or report the workflow shape"
    )]
    NotAsIntended { route: String },
}

/// The new text and what `apply` did beyond the edits themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub text: String,
    /// Parent keys (`env`, `with`) removed because an edit removed their last entry.
    pub removed_parents: Vec<String>,
}

/// Apply `edits` to `source`, returning the new text.
pub fn apply(source: &str, edits: &[Edit]) -> Result<String, ApplyError> {
    apply_with_report(source, edits).map(|applied| applied.text)
}

/// Keys whose empty mapping means the same as no key at all (GitLab's `variables:` too): removing their last entry removes
/// them too. Any other emptied mapping is kept as `{}` (an empty `permissions:` grants nothing,
/// unlike an absent one).
const EMPTY_MEANS_ABSENT: [&str; 3] = ["env", "with", "variables"];

fn describe(edit: &Edit) -> (&'static str, &Route) {
    match edit {
        Edit::Remove { route } => ("remove", route),
        Edit::Add { route, .. } => ("add", route),
        Edit::MergeInto { route, .. } => ("merge-into", route),
        Edit::Replace { route, .. } => ("replace", route),
        Edit::RewriteText { route, .. } => ("rewrite-text", route),
        Edit::ReplaceStep { route, .. } => ("replace-step", route),
    }
}

fn child(route: &[Segment], key: &str) -> Route {
    let mut out = route.to_vec();
    out.push(Segment::Key(key.to_string()));
    out
}

fn reparse(text: String) -> Result<Document, Problem> {
    Document::new(text).map_err(|e| Problem::Patch(format!("the patched text does not parse: {e}")))
}

fn parse_value(text: &str) -> Option<Value> {
    yaml_serde::from_str(text).ok()
}

/// Like `apply`, also saying which emptied parents were removed.
pub fn apply_with_report(source: &str, edits: &[Edit]) -> Result<Applied, ApplyError> {
    let (bom, body) = match source.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", source),
    };
    let crlf_count = body.matches("\r\n").count();
    let crlf = match crlf_count {
        0 => false,
        n if n == body.matches('\n').count() => true,
        _ => return Err(ApplyError::MixedLineEndings),
    };
    let text = if crlf {
        body.replace("\r\n", "\n")
    } else {
        body.to_string()
    };
    let original: Value = yaml_serde::from_str(&text).map_err(|e| ApplyError::InvalidYaml {
        reason: e.to_string(),
    })?;
    if edits.is_empty() {
        return Ok(Applied {
            text: source.to_string(),
            removed_parents: Vec::new(),
        });
    }
    let mut doc = Document::new(text.clone()).map_err(|e| ApplyError::InvalidYaml {
        reason: e.to_string(),
    })?;
    let mut shape = Shape::default();
    let mut allowed: Vec<Route> = Vec::new();
    let mut expected: Vec<(Route, Value)> = Vec::new();
    let mut removed_parents = Vec::new();
    // The expected value of each rewritten scalar, while it is predictable.
    let mut scripts: Vec<(Route, Option<String>)> = Vec::new();

    for (index, edit) in edits.iter().enumerate() {
        let (op, orig) = describe(edit);
        let fail = |problem| ApplyError::Edit {
            edit: index,
            op,
            route: render(orig),
            problem,
        };
        let current = shape.translate(orig).map_err(|_| fail(Problem::Gone))?;
        let mut spliced = None;
        let new_text = match edit {
            Edit::Remove { .. } => ops::remove(&doc, &current),
            Edit::Add { key, value, .. } => ops::add(&doc, &current, key, value),
            Edit::MergeInto { key, entries, .. } => merge_into(&doc, &current, key, entries),
            Edit::Replace { value, .. } => ops::replace(&doc, &current, value),
            Edit::RewriteText { from, to, .. } => script::rewrite_text(
                &doc,
                &current,
                &from.replace("\r\n", "\n"),
                &to.replace("\r\n", "\n"),
            ),
            Edit::ReplaceStep { yaml, .. } => {
                ops::replace_step(&doc, &current, yaml).map(|(text, items)| {
                    spliced = Some(items);
                    text
                })
            }
        }
        .map_err(fail)?;
        doc = reparse(new_text).map_err(fail)?;

        match edit {
            Edit::Remove { .. } => {
                allowed.push(orig.clone());
                shape.removed(orig);
                if let Some(parent) = empty_parent(&doc, &original, orig, &shape) {
                    let parent_current = shape
                        .translate(&parent.route)
                        .map_err(|_| fail(Problem::Gone))?;
                    let text = if parent.remove {
                        ops::remove(&doc, &parent_current)
                    } else {
                        ops::fill_null(&doc, &parent_current, parent.fill)
                    }
                    .map_err(fail)?;
                    doc = reparse(text).map_err(fail)?;
                    if parent.remove {
                        allowed.push(parent.route.clone());
                        shape.removed(&parent.route);
                        removed_parents.push(render(&parent.route));
                    }
                }
            }
            Edit::Add { key, value, .. } => {
                if verify::value_at(&original, orig).is_some_and(Value::is_null) {
                    allowed.push(orig.clone());
                }
                allowed.push(child(orig, key));
                expected.push((child(orig, key), value.clone()));
            }
            Edit::MergeInto { key, entries, .. } => {
                let target = child(orig, key);
                allowed.push(target.clone());
                for (k, v) in entries {
                    expected.push((child(&target, k), v.clone()));
                }
            }
            Edit::Replace { value, .. } => {
                allowed.push(orig.clone());
                expected.push((orig.clone(), value.clone()));
            }
            Edit::RewriteText { from, to, .. } => {
                allowed.push(orig.clone());
                // A plain replacement is predictable: the scalar's value must show it. (A
                // removal also tidies spaces and lines, so only the route is checked.)
                let previous = scripts
                    .iter()
                    .position(|(route, _)| route == orig)
                    .map(|i| scripts.swap_remove(i).1);
                let base = match previous {
                    Some(expected) => expected,
                    None => verify::value_at(&original, orig)
                        .and_then(Value::as_str)
                        .map(str::to_string),
                };
                let next = base
                    .filter(|_| !to.is_empty())
                    .map(|b| b.replacen(from.as_str(), to, 1));
                scripts.push((orig.clone(), next));
            }
            Edit::ReplaceStep { .. } => {
                if let (Some((Segment::Index(i), parent)), Some(items)) =
                    (orig.split_last(), spliced)
                {
                    shape.splice(parent, *i, items);
                }
            }
        }
    }

    let result: Value =
        yaml_serde::from_str(doc.source()).map_err(|e| ApplyError::ResultInvalid {
            reason: e.to_string(),
        })?;
    if let Some(route) = verify::unintended(&original, &result, &allowed, &shape) {
        return Err(ApplyError::Unintended {
            route: render(&route),
        });
    }
    expected.extend(
        scripts
            .into_iter()
            .filter_map(|(route, text)| Some((route, Value::String(text?)))),
    );
    for (route, value) in &expected {
        if let Ok(current) = shape.translate(route)
            && verify::value_at(&result, &current) != Some(value)
        {
            return Err(ApplyError::NotAsIntended {
                route: render(route),
            });
        }
    }

    let mut out = doc.source().to_string();
    if !text.ends_with('\n') && out.ends_with('\n') {
        // The original had no final newline: drop the one the patches added, unless the last
        // node is a block scalar that owns it.
        let trimmed = out.get(..out.len() - 1).unwrap_or("");
        if parse_value(trimmed).as_ref() == Some(&result) {
            out.pop();
        }
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    Ok(Applied {
        text: format!("{bom}{out}"),
        removed_parents,
    })
}

/// What to do with the parent of a removed key that is now empty.
struct EmptyParent {
    route: Route,
    /// Remove the parent key (`env`, `with`) rather than filling it.
    remove: bool,
    /// What to write into an emptied parent that stays.
    fill: &'static str,
}

fn empty_parent(
    doc: &Document,
    original: &Value,
    removed: &Route,
    shape: &Shape,
) -> Option<EmptyParent> {
    let (_, parent) = removed.split_last()?;
    let Some(Segment::Key(parent_key)) = parent.last() else {
        return None;
    };
    let current = shape.translate(parent).ok()?;
    let now = parse_value(doc.source())?;
    let empty = match verify::value_at(&now, &current)? {
        Value::Null => true,
        Value::Mapping(m) => m.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        _ => false,
    };
    if !empty {
        return None;
    }
    let was_sequence = verify::value_at(original, parent).is_some_and(Value::is_sequence);
    let is_null = verify::value_at(&now, &current).is_some_and(Value::is_null);
    let remove = !was_sequence && EMPTY_MEANS_ABSENT.contains(&parent_key.as_str());
    if !remove && !is_null {
        return None;
    }
    Some(EmptyParent {
        route: parent.to_vec(),
        remove,
        fill: if was_sequence { "[]" } else { "{}" },
    })
}

/// Merge `entries` into the mapping `key` of the mapping at `route`, creating it if absent.
fn merge_into(
    doc: &Document,
    route: &[Segment],
    key: &str,
    entries: &IndexMap<String, Value>,
) -> Result<String, Problem> {
    let target = child(route, key);
    let as_mapping = || {
        Value::Mapping(
            entries
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                .collect(),
        )
    };
    if !doc.query_exists(&route::to_yamlpath(&target)) {
        return ops::add(doc, route, key, &as_mapping());
    }
    match nodes::kind_at(doc, &target)? {
        None => ops::replace(doc, &target, &as_mapping()),
        Some((FeatureKind::BlockMapping | FeatureKind::FlowMapping, _)) => {
            anchors::check_anchors(doc, &target, true)?;
            let mut current = doc.clone();
            for (k, v) in entries {
                let entry = child(&target, k);
                let now = parse_value(current.source());
                let same = now.as_ref().and_then(|n| verify::value_at(n, &entry)) == Some(v);
                if same {
                    continue;
                }
                let text = if current.query_exists(&route::to_yamlpath(&entry)) {
                    ops::replace(&current, &entry, v)?
                } else {
                    ops::add(&current, &target, k, v)?
                };
                current = reparse(text)?;
            }
            Ok(current.source().to_string())
        }
        Some((_, _)) => Err(Problem::WrongKind {
            expected: "a mapping",
            found: "a scalar or a sequence",
        }),
    }
}
