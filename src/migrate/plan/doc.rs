//! Read-only access to the parsed workflow the plan inspects: jobs, steps, routes to them, and
//! textual mentions of a variable. Never used to write: edits are text patches (`apply`).

use yaml_serde::{Mapping, Value};

use crate::workflow::model::{Route, Segment};

/// A parsed workflow (or composite action) document.
pub(crate) struct Doc {
    root: Mapping,
}

impl Doc {
    /// `None` when the document is not a mapping (not a workflow).
    pub(crate) fn new(root: Value) -> Option<Doc> {
        match root {
            Value::Mapping(root) => Some(Doc { root }),
            _ => None,
        }
    }

    pub(crate) fn root(&self) -> &Mapping {
        &self.root
    }

    /// The jobs in document order (id, job mapping); jobs that are not mappings are skipped.
    pub(crate) fn jobs(&self) -> Vec<(String, &Mapping)> {
        let Some(Value::Mapping(jobs)) = self.root.get("jobs") else {
            return Vec::new();
        };
        jobs.iter()
            .filter_map(|(id, job)| Some((id.as_str()?.to_string(), job.as_mapping()?)))
            .collect()
    }

    /// The job `id`; for the empty id (a composite action) the document root.
    pub(crate) fn job(&self, id: &str) -> Option<&Mapping> {
        if id.is_empty() {
            return Some(&self.root);
        }
        self.root.get("jobs")?.as_mapping()?.get(id)?.as_mapping()
    }

    /// The steps of job `id` (or of the composite action's `runs.steps`).
    pub(crate) fn steps(&self, id: &str) -> &[Value] {
        let steps = if id.is_empty() {
            self.root.get("runs").and_then(|r| r.get("steps"))
        } else {
            self.job(id).and_then(|j| j.get("steps"))
        };
        steps
            .and_then(Value::as_sequence)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub(crate) fn step(&self, id: &str, index: usize) -> Option<&Mapping> {
        self.steps(id).get(index)?.as_mapping()
    }
}

/// The route of job `id` (the document root for a composite action).
pub(crate) fn job_route(id: &str) -> Route {
    if id.is_empty() {
        Vec::new()
    } else {
        vec![key("jobs"), key(id)]
    }
}

/// The route of step `index` of job `id` (or of the composite action's `runs.steps`).
pub(crate) fn step_route(id: &str, index: usize) -> Route {
    let mut route = if id.is_empty() {
        vec![key("runs")]
    } else {
        job_route(id)
    };
    route.push(key("steps"));
    route.push(Segment::Index(index));
    route
}

pub(crate) fn key(name: &str) -> Segment {
    Segment::Key(name.to_string())
}

/// `route` extended by the given keys.
pub(crate) fn child(route: &Route, keys: &[&str]) -> Route {
    let mut out = route.clone();
    out.extend(keys.iter().map(|k| key(k)));
    out
}

/// For a route inside a step (`jobs.<id>.steps[i]…` or `runs.steps[i]…`), the job id and the
/// step index.
pub(crate) fn step_of(route: &Route) -> Option<(String, usize)> {
    match route.as_slice() {
        [
            Segment::Key(jobs),
            Segment::Key(id),
            Segment::Key(steps),
            Segment::Index(i),
            ..,
        ] if jobs == "jobs" && steps == "steps" => Some((id.clone(), *i)),
        [
            Segment::Key(runs),
            Segment::Key(steps),
            Segment::Index(i),
            ..,
        ] if runs == "runs" && steps == "steps" => Some((String::new(), *i)),
        _ => None,
    }
}

/// A string value at `key` of a mapping.
pub(crate) fn str_at<'a>(map: &'a Mapping, key: &str) -> Option<&'a str> {
    map.get(key)?.as_str()
}

/// Whether `name` occurs as a whole word (not inside a longer identifier) in any key or scalar
/// of `value`.
pub(crate) fn mentions(value: &Value, name: &str) -> bool {
    match value {
        Value::String(s) => mentions_text(s, name),
        Value::Sequence(items) => items.iter().any(|v| mentions(v, name)),
        Value::Mapping(map) => map
            .iter()
            .any(|(k, v)| mentions(k, name) || mentions(v, name)),
        Value::Tagged(tagged) => mentions(&tagged.value, name),
        _ => false,
    }
}

/// Whether `name` occurs in `text` as a whole identifier.
pub(crate) fn mentions_text(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text.get(..at).and_then(|t| t.chars().next_back());
        let after = text.get(at + name.len()..).and_then(|t| t.chars().next());
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_whole_words() {
        assert!(mentions_text("echo $PYPI_TOKEN", "PYPI_TOKEN"));
        assert!(mentions_text("${{ env.PYPI_TOKEN }}", "PYPI_TOKEN"));
        assert!(!mentions_text("echo $PYPI_TOKEN_DIST", "PYPI_TOKEN"));
        assert!(!mentions_text("echo $MY_PYPI_TOKEN", "PYPI_TOKEN"));
    }

    #[test]
    fn routes_inside_steps_name_their_job_and_step() {
        let route = child(&step_route("publish", 3), &["env", "TWINE_PASSWORD"]);
        assert_eq!(step_of(&route), Some(("publish".to_string(), 3)));
        let composite = child(&step_route("", 1), &["run"]);
        assert_eq!(step_of(&composite), Some((String::new(), 1)));
        assert_eq!(step_of(&child(&job_route("publish"), &["env", "X"])), None);
    }
}
