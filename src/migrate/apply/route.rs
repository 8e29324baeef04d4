//! Routes between `apply`'s pieces: rendering (`jobs.publish.steps[2].with.password`), conversion
//! to yamlpath routes, and translating routes of the original document to the current one after
//! earlier edits removed or replaced sequence items.

use std::borrow::Cow;

use yamlpath::Component;

use crate::workflow::model::{Route, Segment};

/// Render a route the way users read it: `jobs.publish.steps[2].with.password`. Keys that would
/// be ambiguous in that notation are quoted.
pub fn render(route: &[Segment]) -> String {
    let mut out = String::new();
    for segment in route {
        match segment {
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let plain = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
                if plain {
                    out.push_str(key);
                } else {
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                }
            }
        }
    }
    if out.is_empty() {
        out.push_str("(document root)");
    }
    out
}

/// The yamlpath route for `route`.
pub fn to_yamlpath(route: &[Segment]) -> yamlpath::Route<'static> {
    let components: Vec<Component<'static>> = route
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => Component::Key(Cow::Owned(key.clone())),
            Segment::Index(index) => Component::Index(*index),
        })
        .collect();
    yamlpath::Route::from(components)
}

/// Whether `route` is `prefix` or lies under it.
pub fn is_under(route: &[Segment], prefix: &[Segment]) -> bool {
    route.len() >= prefix.len() && route.iter().zip(prefix).all(|(a, b)| a == b)
}

/// One sequence item of the original document that an edit removed (`items` empty) or replaced
/// by `items` (already parsed, for the verification).
#[derive(Debug, Clone)]
pub struct Splice {
    pub index: usize,
    pub items: Vec<yaml_serde::Value>,
}

/// What earlier edits did to the original document's shape: removed mapping keys and spliced
/// sequence items, all addressed by routes of the *original* document.
#[derive(Debug, Default)]
pub struct Shape {
    removed: Vec<Route>,
    splices: Vec<(Route, Vec<Splice>)>,
}

/// A route names a node that an earlier edit removed or replaced.
#[derive(Debug)]
pub struct Gone;

impl Shape {
    /// Record that the node at `route` (original coordinates) was removed.
    pub fn removed(&mut self, route: &[Segment]) {
        match route.split_last() {
            Some((Segment::Index(index), parent)) => self.splice(parent, *index, Vec::new()),
            _ => self.removed.push(route.to_vec()),
        }
    }

    /// Record that the sequence item at `parent[index]` was replaced by `items`.
    pub fn splice(&mut self, parent: &[Segment], index: usize, items: Vec<yaml_serde::Value>) {
        let splice = Splice { index, items };
        match self.splices.iter_mut().find(|(seq, _)| seq == parent) {
            Some((_, list)) => list.push(splice),
            None => self.splices.push((parent.to_vec(), vec![splice])),
        }
    }

    /// The splices recorded for the sequence at `sequence` (original coordinates).
    pub fn splices(&self, sequence: &[Segment]) -> &[Splice] {
        self.splices
            .iter()
            .find(|(seq, _)| seq == sequence)
            .map(|(_, list)| list.as_slice())
            .unwrap_or(&[])
    }

    /// Translate a route of the original document to the current one.
    pub fn translate(&self, route: &[Segment]) -> Result<Route, Gone> {
        if self.removed.iter().any(|removed| is_under(route, removed)) {
            return Err(Gone);
        }
        let mut out = Vec::with_capacity(route.len());
        for (depth, segment) in route.iter().enumerate() {
            match segment {
                Segment::Key(_) => out.push(segment.clone()),
                Segment::Index(index) => {
                    let splices = self.splices(route.get(..depth).unwrap_or(&[]));
                    if splices.iter().any(|s| s.index == *index) {
                        return Err(Gone);
                    }
                    let mut current = *index;
                    for splice in splices.iter().filter(|s| s.index < *index) {
                        current = (current + splice.items.len()).saturating_sub(1);
                    }
                    out.push(Segment::Index(current));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_string())
    }

    #[test]
    fn renders_keys_indices_and_odd_keys() {
        let route = vec![
            key("jobs"),
            key("publish"),
            key("steps"),
            Segment::Index(2),
            key("with"),
            key("password"),
        ];
        assert_eq!(render(&route), "jobs.publish.steps[2].with.password");
        assert_eq!(render(&[key("a.b"), key("c")]), "\"a.b\".c");
        assert_eq!(render(&[]), "(document root)");
    }

    #[test]
    fn translation_follows_removed_and_replaced_items() {
        let steps = vec![key("jobs"), key("a"), key("steps")];
        let mut shape = Shape::default();
        shape.removed(&[steps.clone(), vec![Segment::Index(1)]].concat());
        let two = yaml_serde::Value::Null;
        shape.splice(&steps, 3, vec![two.clone(), two]);
        let at = |i: usize| [steps.clone(), vec![Segment::Index(i), key("run")]].concat();
        assert_eq!(shape.translate(&at(0)).ok(), Some(at(0)));
        assert!(shape.translate(&at(1)).is_err());
        assert_eq!(shape.translate(&at(2)).ok(), Some(at(1)));
        assert!(shape.translate(&at(3)).is_err());
        assert_eq!(shape.translate(&at(4)).ok(), Some(at(4)));
        shape.removed(&[key("env")]);
        assert!(shape.translate(&[key("env"), key("A")]).is_err());
    }
}
