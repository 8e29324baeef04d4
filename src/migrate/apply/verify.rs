//! The check after applying: the result's parse must equal the original's everywhere except
//! under the routes the edits targeted. Sequences are aligned through the recorded splices, and
//! items inserted by a step replacement must equal the replacement's own parse.

use yaml_serde::Value;

use super::route::{Shape, is_under};
use crate::workflow::model::{Route, Segment};

/// Compare `original` with `result`; the first difference outside `allowed` is returned as its
/// route (in the original document's coordinates).
pub fn unintended(
    original: &Value,
    result: &Value,
    allowed: &[Route],
    shape: &Shape,
) -> Option<Route> {
    let mut route = Vec::new();
    compare(original, result, &mut route, allowed, shape)
}

fn key_segment(key: &Value) -> Segment {
    match key {
        Value::String(s) => Segment::Key(s.clone()),
        other => Segment::Key(
            yaml_serde::to_string(other)
                .map(|s| s.trim_end().to_string())
                .unwrap_or_default(),
        ),
    }
}

fn compare(
    original: &Value,
    result: &Value,
    route: &mut Route,
    allowed: &[Route],
    shape: &Shape,
) -> Option<Route> {
    if allowed.iter().any(|a| is_under(route, a)) {
        return None;
    }
    match (original, result) {
        (Value::Mapping(before), Value::Mapping(after)) => {
            for (key, value) in before {
                route.push(key_segment(key));
                let found = match after.get(key) {
                    Some(new) => compare(value, new, route, allowed, shape),
                    None if allowed.iter().any(|a| is_under(route, a)) => None,
                    None => Some(route.clone()),
                };
                route.pop();
                if found.is_some() {
                    return found;
                }
            }
            for key in after.keys().filter(|k| !before.contains_key(*k)) {
                route.push(key_segment(key));
                let ok = allowed.iter().any(|a| is_under(route, a));
                let found = (!ok).then(|| route.clone());
                route.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Value::Sequence(before), Value::Sequence(after)) => {
            let splices = shape.splices(route);
            let mut next = 0usize;
            for (index, value) in before.iter().enumerate() {
                route.push(Segment::Index(index));
                let found = if let Some(splice) = splices.iter().find(|s| s.index == index) {
                    let end = next + splice.items.len();
                    let inserted = after.get(next..end);
                    next = end;
                    (inserted != Some(splice.items.as_slice())).then(|| route.clone())
                } else {
                    let found = match after.get(next) {
                        Some(new) => compare(value, new, route, allowed, shape),
                        None => Some(route.clone()),
                    };
                    next += 1;
                    found
                };
                route.pop();
                if found.is_some() {
                    return found;
                }
            }
            (next != after.len()).then(|| route.clone())
        }
        (Value::Tagged(before), Value::Tagged(after)) if before.tag == after.tag => {
            compare(&before.value, &after.value, route, allowed, shape)
        }
        (before, after) => (before != after).then(|| route.clone()),
    }
}

/// The value at `route` (current coordinates) of a parsed document.
pub fn value_at<'v>(value: &'v Value, route: &[Segment]) -> Option<&'v Value> {
    route.iter().try_fold(value, |node, segment| match segment {
        Segment::Key(key) => node.as_mapping()?.get(key.as_str()),
        Segment::Index(index) => node.as_sequence()?.get(*index),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        yaml_serde::from_str(text).unwrap_or(Value::Null)
    }

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_string())
    }

    #[test]
    fn differences_outside_the_allowed_routes_are_reported() {
        let before = parse("a: {x: 1, y: 2}\nb: [1, 2]\n");
        let changed_x = parse("a: {x: 3, y: 2}\nb: [1, 2]\n");
        let shape = Shape::default();
        let allowed = vec![vec![key("a"), key("x")]];
        assert_eq!(unintended(&before, &changed_x, &allowed, &shape), None);
        let changed_y = parse("a: {x: 1, y: 5}\nb: [1, 2]\n");
        assert_eq!(
            unintended(&before, &changed_y, &allowed, &shape),
            Some(vec![key("a"), key("y")])
        );
        let new_key = parse("a: {x: 1, y: 2, z: 0}\nb: [1, 2]\n");
        assert_eq!(
            unintended(&before, &new_key, &allowed, &shape),
            Some(vec![key("a"), key("z")])
        );
        let longer = parse("a: {x: 1, y: 2}\nb: [1, 2, 3]\n");
        assert_eq!(
            unintended(&before, &longer, &allowed, &shape),
            Some(vec![key("b")])
        );
    }

    #[test]
    fn sequences_are_aligned_through_splices() {
        let before = parse("s: [a, b, c, d]\n");
        let after = parse("s: [a, x, y, c]\n");
        let mut shape = Shape::default();
        shape.splice(&[key("s")], 1, vec![parse("x"), parse("y")]);
        shape.removed(&[key("s"), Segment::Index(3)]);
        assert_eq!(unintended(&before, &after, &[], &shape), None);
        let wrong = parse("s: [a, x, z, c]\n");
        assert_eq!(
            unintended(&before, &wrong, &[], &shape),
            Some(vec![key("s"), Segment::Index(1)])
        );
    }
}
