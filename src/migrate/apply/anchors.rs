//! Refusing edits that anchors and aliases make unsafe: a route through an alias (the edit would
//! land on the anchored node), an anchored node aliased elsewhere, or removed text that defines
//! an anchor still in use.

use yamlpath::Document;

use super::nodes::{kind_at, pretty};
use super::ops::Problem;
use super::route::render;
use crate::workflow::model::Segment;

fn name_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}')
}

/// Anchor names (`&name`) defined in `text`.
fn anchors_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        if c == '&' && (previous.is_whitespace() || matches!(previous, ':' | '-' | '[' | '{' | ','))
        {
            let name: String = text
                .get(i + 1..)
                .unwrap_or("")
                .chars()
                .take_while(|c| name_char(*c))
                .collect();
            if !name.is_empty() && !name.starts_with('&') {
                names.push(name);
            }
        }
        previous = c;
    }
    names
}

/// Whether `*name` is used in `text`.
fn alias_used(text: &str, name: &str) -> bool {
    let needle = format!("*{name}");
    text.match_indices(&needle).any(|(i, _)| {
        let after = text.get(i + needle.len()..).unwrap_or("");
        !after.chars().next().is_some_and(name_char)
    })
}

/// Refuse routes that pass through an alias (the edit would land on the anchored node) or
/// through an anchored node that is aliased elsewhere (the aliases would change too). With
/// `include_last`, the target node itself is checked as well.
pub fn check_anchors(doc: &Document, route: &[Segment], include_last: bool) -> Result<(), Problem> {
    let src = doc.source();
    let depth_end = if include_last {
        route.len()
    } else {
        route.len().saturating_sub(1)
    };
    for depth in 1..=depth_end {
        let prefix = route.get(..depth).unwrap_or(&[]);
        let outer = pretty(doc, prefix)?;
        let Some((_, inner)) = kind_at(doc, prefix)? else {
            continue;
        };
        if inner.start < outer.start || inner.end > outer.end {
            return Err(Problem::ThroughAlias { at: render(prefix) });
        }
        let gap = src.get(outer.start..inner.start).unwrap_or("");
        if let Some(anchor) = anchors_in(gap).into_iter().find(|a| alias_used(src, a)) {
            return Err(Problem::Anchored {
                at: render(prefix),
                anchor,
            });
        }
    }
    Ok(())
}

/// Refuse removing text that defines an anchor still aliased outside it.
pub fn check_removed_region(
    src: &str,
    start: usize,
    end: usize,
    route: &[Segment],
) -> Result<(), Problem> {
    let region = src.get(start..end).unwrap_or("");
    let outside = format!(
        "{}{}",
        src.get(..start).unwrap_or(""),
        src.get(end..).unwrap_or("")
    );
    match anchors_in(region)
        .into_iter()
        .find(|a| alias_used(&outside, a))
    {
        Some(anchor) => Err(Problem::Anchored {
            at: render(route),
            anchor,
        }),
        None => Ok(()),
    }
}
