//! A composite action's inputs that only carried a credential: once the migration removes every
//! use of `inputs.<name>`, the input's declaration goes too, so its callers (whose `with:` entry
//! is removed) are not left missing a required input.

use yaml_serde::Value;

use crate::migrate::edit::Edit;
use crate::workflow::model::{Route, Segment};

use super::doc::{Doc, key};
use super::{Action, ActionKind, FilePlan};

/// Edits removing the declarations of inputs no longer used after `edits`.
pub(super) fn plan(doc: &Doc, edits: &[Edit], plan: &mut FilePlan) -> Vec<Edit> {
    let Some(Value::Mapping(inputs)) = doc.root().get("inputs") else {
        return Vec::new();
    };
    let Some(runs) = doc.root().get("runs") else {
        return Vec::new();
    };
    let names: Vec<String> = inputs
        .keys()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    let mut unused = Vec::new();
    for name in &names {
        let needle = format!("inputs.{name}");
        let before = count_in_value(runs, &needle);
        let removed: usize = edits
            .iter()
            .map(|edit| match edit {
                Edit::Remove { route } => value_at(doc, route)
                    .map(|v| count_in_value(v, &needle))
                    .unwrap_or(0),
                Edit::RewriteText { from, to, .. } => {
                    count(from, &needle).saturating_sub(count(to, &needle))
                }
                _ => 0,
            })
            .sum();
        if before > 0 && removed >= before {
            unused.push(name.clone());
        }
    }
    if unused.is_empty() {
        return Vec::new();
    }
    plan.actions.push(Action {
        job: String::new(),
        step: None,
        kind: ActionKind::RemoveCredential,
        message: format!(
            "removed input(s) {}: they only carried the credential",
            unused.join(", ")
        ),
    });
    if unused.len() == names.len() {
        return vec![Edit::Remove {
            route: vec![key("inputs")],
        }];
    }
    unused
        .iter()
        .map(|name| Edit::Remove {
            route: vec![key("inputs"), key(name)],
        })
        .collect()
}

/// The node at `route` of the document.
fn value_at<'a>(doc: &'a Doc, route: &Route) -> Option<&'a Value> {
    let mut segments = route.iter();
    let Some(Segment::Key(first)) = segments.next() else {
        return None;
    };
    let mut node = doc.root().get(first.as_str())?;
    for segment in segments {
        node = match segment {
            Segment::Key(k) => node.as_mapping()?.get(k.as_str())?,
            Segment::Index(i) => node.as_sequence()?.get(*i)?,
        };
    }
    Some(node)
}

/// Mentions of `needle` in every key and scalar of `value`.
fn count_in_value(value: &Value, needle: &str) -> usize {
    match value {
        Value::String(s) => count(s, needle),
        Value::Sequence(items) => items.iter().map(|v| count_in_value(v, needle)).sum(),
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| count_in_value(k, needle) + count_in_value(v, needle))
            .sum(),
        Value::Tagged(tagged) => count_in_value(&tagged.value, needle),
        _ => 0,
    }
}

/// Mentions of `needle` in `text` not followed by more of an input name.
fn count(text: &str, needle: &str) -> usize {
    text.match_indices(needle)
        .filter(|(at, _)| {
            !text
                .get(at + needle.len()..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .count()
}
