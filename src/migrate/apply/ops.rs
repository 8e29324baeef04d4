//! The text operations behind each `Edit`: each takes the current yamlpath document and returns
//! the new text, splicing only the bytes of the edited node. yamlpatch does what it does well
//! (`Op::Add` to a block mapping, with its indentation rules); the shapes it gets wrong are
//! spliced here on yamlpath's spans: removals (its `Op::Remove` drops whole lines, so a flow
//! entry takes its neighbours, the first key of a `- key:` item takes the dash, and trailing
//! comments down to column 0 go with the node), flow collections, nulls, replacements (its
//! `Op::Replace` writes a mapping as `key: a: b`), `run:` scripts and whole steps.

use thiserror::Error;
use yaml_serde::Value;
use yamlpatch::{Op, Patch};
use yamlpath::{Document, FeatureKind};

use super::route::{render, to_yamlpath};
use crate::workflow::model::Segment;

/// Why one edit could not be applied (wrapped with the edit and its route in `ApplyError`).
#[derive(Debug, Error, PartialEq)]
pub enum Problem {
    #[error("no such node in the workflow ({0})")]
    NoSuchNode(String),
    #[error("an earlier edit already removed or replaced this node")]
    Gone,
    #[error("expected {expected}, found {found}")]
    WrongKind {
        expected: &'static str,
        found: &'static str,
    },
    #[error("the key `{0}` already exists")]
    KeyExists(String),
    #[error("the text to rewrite does not occur in this scalar")]
    TextNotFound,
    #[error(
        "the route passes through the alias at `{at}`: editing it would change the anchored node and every alias of it"
    )]
    ThroughAlias { at: String },
    #[error(
        "the node at `{at}` carries the anchor `&{anchor}`, which is aliased elsewhere: editing it would change the aliases too"
    )]
    Anchored { at: String, anchor: String },
    #[error("not supported: {0}")]
    Unsupported(String),
    #[error("the replacement step text is not a YAML sequence of steps at column 0 ({0})")]
    BadReplacement(String),
    #[error("yamlpatch refused the operation ({0})")]
    Patch(String),
}

/// The kind of a node, or `None` for an absent value (`key:`).
pub fn kind_at(doc: &Document, route: &[Segment]) -> Result<Option<(FeatureKind, Span)>, Problem> {
    let feature = if route.is_empty() {
        doc.top_feature()
            .map(Some)
            .map_err(|e| Problem::NoSuchNode(e.to_string()))?
    } else {
        doc.query_exact(&to_yamlpath(route))
            .map_err(|e| Problem::NoSuchNode(e.to_string()))?
    };
    let Some(feature) = feature else {
        return Ok(None);
    };
    let span = Span::of(&feature);
    if doc.extract(&feature).starts_with('!') {
        return Err(Problem::Unsupported(
            "nodes with a YAML tag (`!tag`)".into(),
        ));
    }
    Ok(Some((feature.kind(), span)))
}

/// A byte range of the current text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn of(feature: &yamlpath::Feature) -> Self {
        Span {
            start: feature.location.byte_span.0,
            end: feature.location.byte_span.1,
        }
    }
}

fn kind_name(kind: Option<FeatureKind>) -> &'static str {
    match kind {
        None => "an empty value",
        Some(FeatureKind::BlockMapping | FeatureKind::FlowMapping) => "a mapping",
        Some(FeatureKind::BlockSequence | FeatureKind::FlowSequence) => "a sequence",
        Some(FeatureKind::Scalar) => "a scalar",
    }
}

fn pretty(doc: &Document, route: &[Segment]) -> Result<Span, Problem> {
    doc.query_pretty(&to_yamlpath(route))
        .map(|f| Span::of(&f))
        .map_err(|e| Problem::NoSuchNode(e.to_string()))
}

fn line_start(src: &str, pos: usize) -> usize {
    src.get(..pos)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

fn line_end(src: &str, pos: usize) -> usize {
    src.get(pos..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| pos + i)
}

/// The end of the line holding `pos`, including its newline.
fn line_end_incl(src: &str, pos: usize) -> usize {
    (line_end(src, pos) + 1).min(src.len())
}

fn splice(src: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(src.len() + with.len());
    out.push_str(src.get(..start).unwrap_or(""));
    out.push_str(with);
    out.push_str(src.get(end..).unwrap_or(""));
    out
}

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
fn check_removed_region(
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

fn patch(doc: &Document, route: &[Segment], operation: Op<'static>) -> Result<String, Problem> {
    let patches = [Patch {
        route: to_yamlpath(route),
        operation,
    }];
    yamlpatch::apply_yaml_patches(doc, &patches)
        .map(|d| d.source().to_string())
        .map_err(|e| Problem::Patch(e.to_string()))
}

/// A scalar or collection rendered on one line, valid in block and flow context alike.
pub fn flow(value: &Value) -> Result<String, Problem> {
    Ok(match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                && yaml_serde::from_str::<Value>(s).ok().as_ref() == Some(value);
            if plain {
                s.clone()
            } else {
                serde_json::Value::String(s.clone()).to_string()
            }
        }
        Value::Sequence(items) => {
            let items: Result<Vec<String>, Problem> = items.iter().map(flow).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Mapping(map) => {
            if map.is_empty() {
                return Ok("{}".into());
            }
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                entries.push(format!("{}: {}", flow(k)?, flow(v)?));
            }
            format!("{{ {} }}", entries.join(", "))
        }
        Value::Tagged(_) => return Err(Problem::Unsupported("tagged values".into())),
    })
}

/// The byte just after the `:` that follows the key of `route`.
fn after_colon(doc: &Document, route: &[Segment]) -> Result<usize, Problem> {
    let key = doc
        .query_key_only(&to_yamlpath(route))
        .map_err(|e| Problem::NoSuchNode(e.to_string()))?;
    let end = key.location.byte_span.1;
    let src = doc.source();
    src.get(end..)
        .and_then(|s| s.find(':'))
        .map(|i| end + i + 1)
        .ok_or_else(|| Problem::NoSuchNode("a key without its `:`".into()))
}

/// Give the empty value of `route` (`key:`) the text `value` (`{}`, `[]`, a flow mapping).
pub fn fill_null(doc: &Document, route: &[Segment], value: &str) -> Result<String, Problem> {
    let at = after_colon(doc, route)?;
    Ok(splice(doc.source(), at, at, &format!(" {value}")))
}

/// Remove a mapping key with its value, or a sequence item.
pub fn remove(doc: &Document, route: &[Segment]) -> Result<String, Problem> {
    let Some((last, parent)) = route.split_last() else {
        return Err(Problem::Unsupported("removing the whole document".into()));
    };
    check_anchors(doc, route, false)?;
    let src = doc.source();
    let parent_kind = kind_at(doc, parent)?.map(|(k, _)| k);
    match (parent_kind, last) {
        (Some(FeatureKind::FlowMapping), Segment::Key(_)) => {
            let key = doc
                .query_key_only(&to_yamlpath(route))
                .map_err(|e| Problem::NoSuchNode(e.to_string()))?;
            let end = match kind_at(doc, route)? {
                Some((_, value)) => value.end,
                None => key.location.byte_span.1,
            };
            remove_flow_item(src, key.location.byte_span.0, end, route)
        }
        (Some(FeatureKind::FlowSequence), Segment::Index(_)) => {
            let Some((_, item)) = kind_at(doc, route)? else {
                return Err(Problem::Unsupported("an empty flow sequence item".into()));
            };
            remove_flow_item(src, item.start, item.end, route)
        }
        (Some(FeatureKind::BlockMapping), Segment::Key(_)) => {
            let pair = pretty(doc, route)?;
            let start = line_start(src, pair.start);
            let column = pair.start - start;
            if src
                .get(start..pair.start)
                .is_some_and(|p| p.bytes().all(|b| b == b' '))
            {
                // Not yamlpatch's `Op::Remove`: the pair's span runs over the comments that
                // follow it, down to column 0, and those are not part of the node.
                let end = node_end(src, pair.start, pair.end, column);
                let end = line_end_incl(src, inner_comments_end(src, end, column));
                let end = no_double_blank(src, start, end);
                check_removed_region(src, start, end, route)?;
                return Ok(splice(src, start, end, ""));
            }
            // `- key: value` with more keys below: the next key moves up to the dash.
            let mut line = line_end_incl(src, node_end(src, pair.start, pair.end, column));
            while line < src.len() {
                let text = src.get(line..line_end(src, line)).unwrap_or("");
                let trimmed = text.trim_start_matches(' ');
                if trimmed.trim().is_empty() || trimmed.starts_with('#') {
                    line = line_end_incl(src, line);
                    continue;
                }
                if text.len() - trimmed.len() == column {
                    let end = line + column;
                    check_removed_region(src, pair.start, end, route)?;
                    return Ok(splice(src, pair.start, end, ""));
                }
                break;
            }
            Err(Problem::Unsupported(
                "removing the only key of a sequence item would leave an empty item; remove the item instead".into(),
            ))
        }
        (Some(FeatureKind::BlockSequence), Segment::Index(_)) => {
            let (dash_line, end) = block_item_lines(doc, route)?;
            let end = no_double_blank(src, dash_line, end);
            check_removed_region(src, dash_line, end, route)?;
            Ok(splice(src, dash_line, end, ""))
        }
        (kind, _) => Err(Problem::WrongKind {
            expected: match last {
                Segment::Key(_) => "a mapping",
                Segment::Index(_) => "a sequence",
            },
            found: kind_name(kind),
        }),
    }
}

/// The lines of a block sequence item: from the start of its `-` line to the end of its last
/// line (newline included).
fn block_item_lines(doc: &Document, route: &[Segment]) -> Result<(usize, usize), Problem> {
    let src = doc.source();
    let item = pretty(doc, route)?;
    let before = src.get(..item.start).unwrap_or("");
    let dash = before
        .trim_end()
        .strip_suffix('-')
        .map(str::len)
        .ok_or_else(|| Problem::Unsupported("a sequence item without its `-`".into()))?;
    let dash_line = line_start(src, dash);
    if !src
        .get(dash_line..dash)
        .is_some_and(|p| p.bytes().all(|b| b == b' '))
    {
        return Err(Problem::Unsupported(
            "a sequence item sharing its line with other content".into(),
        ));
    }
    let column = dash - dash_line;
    let end = inner_comments_end(src, node_end(src, item.start, item.end, column), column);
    Ok((dash_line, line_end_incl(src, end)))
}

/// Removing whole lines `start..end` between two blank lines would leave two blank lines: take
/// the second one too.
fn no_double_blank(src: &str, start: usize, end: usize) -> usize {
    if start == 0 || end >= src.len() {
        return end;
    }
    let above = src
        .get(line_start(src, start - 1)..start - 1)
        .unwrap_or("x");
    let below = src.get(end..line_end(src, end)).unwrap_or("x");
    if above.trim().is_empty() && below.trim().is_empty() {
        line_end_incl(src, end)
    } else {
        end
    }
}

/// Extend `end` (the end of a node's last line) over the comment lines right after it that are
/// indented deeper than the node's `column`: they are inside the node, and left behind they
/// could become the text of a block scalar above.
fn inner_comments_end(src: &str, end: usize, column: usize) -> usize {
    let mut last = end;
    let mut pos = line_end_incl(src, end);
    while pos < src.len() {
        let le = line_end(src, pos);
        let text = src.get(pos..le).unwrap_or("");
        let trimmed = text.trim_start_matches(' ');
        if trimmed.starts_with('#') && text.len() - trimmed.len() > column {
            last = le;
        } else if !trimmed.trim().is_empty() {
            break;
        }
        pos = le + 1;
    }
    last
}

/// Where the node spanning `start..end`, whose key or `-` sits at `column`, really ends (before
/// the newline of its last line): trailing blank lines, and comments at or left of `column`,
/// belong to what follows even though the parser's span covers them.
fn node_end(src: &str, start: usize, end: usize, column: usize) -> usize {
    let first = line_start(src, start);
    let mut lines = Vec::new();
    let mut pos = first;
    while pos < end {
        let le = line_end(src, pos);
        lines.push((pos, le));
        pos = le + 1;
    }
    for &(ls, le) in lines.iter().rev() {
        let text = src.get(ls..le).unwrap_or("");
        let trimmed = text.trim_start_matches(' ');
        let indent = text.len() - trimmed.len();
        let trailing = trimmed.trim().is_empty() || (trimmed.starts_with('#') && indent <= column);
        if ls == first || !trailing {
            return le.min(end.max(ls));
        }
    }
    end
}

/// Remove `start..end` (an entry of a flow collection) with the comma that separates it.
fn remove_flow_item(
    src: &str,
    start: usize,
    end: usize,
    route: &[Segment],
) -> Result<String, Problem> {
    let after = src.get(end..).unwrap_or("");
    let skipped = after.len() - after.trim_start().len();
    let (from, to) = if after.trim_start().starts_with(',') {
        let rest = after.get(skipped + 1..).unwrap_or("");
        let spaces = rest.len() - rest.trim_start().len();
        (start, end + skipped + 1 + spaces)
    } else {
        let before = src.get(..start).unwrap_or("").trim_end();
        match before.strip_suffix(',') {
            Some(kept) => (kept.len(), end),
            None => {
                // Alone on its line (after a comment that follows the last comma): the line goes.
                let ls = line_start(src, start);
                let le = line_end(src, end);
                let alone = src.get(ls..start).is_some_and(|t| t.trim().is_empty())
                    && src.get(end..le).is_some_and(|t| t.trim().is_empty());
                if alone {
                    (ls, line_end_incl(src, end))
                } else {
                    (start, end)
                }
            }
        }
    };
    check_removed_region(src, from, to, route)?;
    Ok(splice(src, from, to, ""))
}

/// Add `key: value` to the mapping at `route`.
pub fn add(doc: &Document, route: &[Segment], key: &str, value: &Value) -> Result<String, Problem> {
    check_anchors(doc, route, true)?;
    let mut with_key = route.to_vec();
    with_key.push(Segment::Key(key.to_string()));
    if doc.query_exists(&to_yamlpath(&with_key)) {
        return Err(Problem::KeyExists(key.to_string()));
    }
    let entry = || -> Result<String, Problem> {
        Ok(format!(
            "{}: {}",
            flow(&Value::String(key.to_string()))?,
            flow(value)?
        ))
    };
    match kind_at(doc, route)? {
        None => fill_null(doc, route, &format!("{{ {} }}", entry()?)),
        Some((FeatureKind::BlockMapping, _)) => {
            let nested = match value {
                Value::Mapping(m) => m.values().any(|v| v.is_mapping() || v.is_sequence()),
                Value::Sequence(_) => true,
                _ => false,
            };
            if nested {
                return Err(Problem::Unsupported(
                    "adding a value nested deeper than one mapping level".into(),
                ));
            }
            patch(
                doc,
                route,
                Op::Add {
                    key: key.to_string(),
                    value: value.clone(),
                },
            )
        }
        Some((FeatureKind::FlowMapping, span)) => {
            let src = doc.source();
            let inner = src
                .get(span.start + 1..span.end.saturating_sub(1))
                .unwrap_or("");
            if inner.trim().is_empty() {
                return Ok(splice(
                    src,
                    span.start,
                    span.end,
                    &format!("{{ {} }}", entry()?),
                ));
            }
            let close = span.end.saturating_sub(1);
            let last = src.get(..close).unwrap_or("").trim_end().len();
            let text = if src.get(..last).is_some_and(|s| s.ends_with(',')) {
                format!(" {}", entry()?)
            } else {
                format!(", {}", entry()?)
            };
            Ok(splice(src, last, last, &text))
        }
        Some((kind, _)) => Err(Problem::WrongKind {
            expected: "a mapping",
            found: kind_name(Some(kind)),
        }),
    }
}

/// Replace the value at `route`, written in flow style on the key's line.
pub fn replace(doc: &Document, route: &[Segment], value: &Value) -> Result<String, Problem> {
    check_anchors(doc, route, true)?;
    let text = flow(value)?;
    let src = doc.source();
    match kind_at(doc, route)? {
        None => fill_null(doc, route, &text),
        Some((FeatureKind::BlockMapping | FeatureKind::BlockSequence, span)) => {
            let start = match route.last() {
                Some(Segment::Key(_)) => after_colon(doc, route)?,
                _ => span.start,
            };
            let gap = if start == span.start { "" } else { " " };
            Ok(splice(src, start, span.end, &format!("{gap}{text}")))
        }
        Some((_, span)) => Ok(splice(src, span.start, span.end, &text)),
    }
}

/// Replace the first occurrence of `from` in the scalar at `route` by `to`, tidying the
/// script when `to` is empty (see `apply`'s documentation).
pub fn rewrite_text(
    doc: &Document,
    route: &[Segment],
    from: &str,
    to: &str,
) -> Result<String, Problem> {
    check_anchors(doc, route, true)?;
    let src = doc.source();
    let Some((FeatureKind::Scalar, span)) = kind_at(doc, route)? else {
        let found = kind_at(doc, route)?.map(|(k, _)| k);
        return Err(Problem::WrongKind {
            expected: "a scalar",
            found: kind_name(found),
        });
    };
    let raw = src.get(span.start..span.end).unwrap_or("");
    let block = raw.starts_with('|') || raw.starts_with('>');
    let content_start = if block {
        span.start + raw.find('\n').map_or(raw.len(), |i| i + 1)
    } else if raw.starts_with('"') || raw.starts_with('\'') {
        span.start + 1
    } else {
        span.start
    };
    let content_end = if block || !(raw.starts_with('"') || raw.starts_with('\'')) {
        span.end
    } else {
        span.end.saturating_sub(1)
    };
    if from.is_empty() {
        return Err(Problem::TextNotFound);
    }
    let content = src.get(content_start..content_end).unwrap_or("");
    let at = content_start + content.find(from).ok_or(Problem::TextNotFound)?;
    let end = at + from.len();
    if !to.is_empty() || from.contains('\n') {
        if to.contains('\n') && !block {
            return Err(Problem::Unsupported(
                "inserting a line break into a one-line scalar".into(),
            ));
        }
        let ls = line_start(src, at);
        let indent: String = src
            .get(ls..at)
            .unwrap_or("")
            .chars()
            .take_while(|c| *c == ' ')
            .collect();
        let to = to.replace('\n', &format!("\n{indent}"));
        return Ok(splice(src, at, end, &to));
    }
    let ls = line_start(src, at);
    let le = line_end(src, at).min(content_end.max(at));
    let line = src.get(ls..le).unwrap_or("");
    let indent = line.len() - line.trim_start().len();
    let before = src.get((ls + indent).max(content_start)..at).unwrap_or("");
    let after = src.get(end..le).unwrap_or("");
    let (cut_from, cut_to) = if before.trim().is_empty() {
        // At the start of the line: take the spaces after it.
        (at, end + (after.len() - after.trim_start().len()))
    } else {
        // After other words: take the spaces before it.
        let kept = src
            .get(..at)
            .unwrap_or("")
            .trim_end_matches([' ', '\t'])
            .len();
        (kept, end)
    };
    let remaining = format!(
        "{}{}",
        src.get(ls..cut_from).unwrap_or(""),
        src.get(cut_to..le).unwrap_or("")
    );
    let left = remaining.trim();
    if block && (left.is_empty() || left == "\\") {
        // The line is gone; a continuation into it must not run into the next command.
        let mut head = src.get(..ls).unwrap_or("").to_string();
        if left.is_empty() && ls > content_start {
            let previous_start = line_start(src, ls - 1);
            let previous = src.get(previous_start..ls - 1).unwrap_or("");
            if previous_start >= content_start
                && let Some(kept) = previous.trim_end().strip_suffix('\\')
            {
                head = format!(
                    "{}{}\n",
                    src.get(..previous_start).unwrap_or(""),
                    kept.trim_end()
                );
            }
        }
        let tail = src.get(line_end_incl(src, le)..).unwrap_or("");
        return Ok(format!("{head}{tail}"));
    }
    let content_left = format!(
        "{}{}",
        src.get(content_start..cut_from).unwrap_or(""),
        src.get(cut_to..content_end).unwrap_or("")
    );
    if !block && content_left.trim().is_empty() {
        return Err(Problem::Unsupported(
            "removing the whole value of a one-line scalar".into(),
        ));
    }
    Ok(splice(src, cut_from, cut_to, ""))
}

/// Replace the block sequence item at `route` by the items of `yaml` (column 0), re-indented to
/// the item's `-`. Returns the new text and the items' parse.
pub fn replace_step(
    doc: &Document,
    route: &[Segment],
    yaml: &str,
) -> Result<(String, Vec<Value>), Problem> {
    let Some((Segment::Index(_), parent)) = route.split_last() else {
        return Err(Problem::WrongKind {
            expected: "a sequence item",
            found: "a mapping key",
        });
    };
    check_anchors(doc, route, false)?;
    match kind_at(doc, parent)? {
        Some((FeatureKind::BlockSequence, _)) => {}
        other => {
            return Err(Problem::WrongKind {
                expected: "a block sequence (`- ` items)",
                found: kind_name(other.map(|(k, _)| k)),
            });
        }
    }
    let yaml = yaml.replace("\r\n", "\n");
    let items: Vec<Value> = match yaml_serde::from_str::<Value>(&yaml) {
        Ok(Value::Sequence(items)) if !items.is_empty() => items,
        Ok(_) => return Err(Problem::BadReplacement("not a non-empty sequence".into())),
        Err(e) => return Err(Problem::BadReplacement(e.to_string())),
    };
    if !yaml.trim_start().starts_with('-') || yaml.starts_with(' ') {
        return Err(Problem::BadReplacement(
            "the first item's `-` must be at column 0".into(),
        ));
    }
    let src = doc.source();
    let (dash_line, end) = block_item_lines(doc, route)?;
    check_removed_region(src, dash_line, end, route)?;
    let column = src
        .get(dash_line..)
        .unwrap_or("")
        .bytes()
        .take_while(|b| *b == b' ')
        .count();
    let indent = " ".repeat(column);
    let mut text = String::new();
    for line in yaml.trim_end_matches('\n').split('\n') {
        if !line.trim().is_empty() {
            text.push_str(&indent);
            text.push_str(line);
        }
        text.push('\n');
    }
    Ok((splice(src, dash_line, end, &text), items))
}

/// What yamlpatch 1.25.0 itself does with the shapes spliced here instead (experiments that
/// justify each splice; if one starts failing, yamlpatch changed and the splice may go).
#[cfg(test)]
mod yamlpatch_limits {
    use yamlpatch::{Op, Patch, apply_yaml_patches};
    use yamlpath::{Document, route};

    fn run(source: &str, patch: Patch) -> Result<String, String> {
        let doc = Document::new(source).map_err(|e| e.to_string())?;
        apply_yaml_patches(&doc, &[patch])
            .map(|d| d.source().to_string())
            .map_err(|e| e.to_string())
    }

    fn value(text: &str) -> yaml_serde::Value {
        yaml_serde::from_str(text).unwrap_or(yaml_serde::Value::Null)
    }

    #[test]
    fn remove_drops_whole_lines() {
        // A flow entry takes the whole line, its neighbours included.
        let flow = run(
            "env: {A: 1, B: 2}\nx: 1\n",
            Patch {
                route: route!("env", "A"),
                operation: Op::Remove,
            },
        );
        assert_eq!(flow.as_deref(), Ok("x: 1\n"));
        // The first key of a `- key:` item takes the dash: the sequence becomes a mapping.
        let dash = run(
            "s:\n  - a: 1\n    b: 2\n",
            Patch {
                route: route!("s", 0, "a"),
                operation: Op::Remove,
            },
        );
        assert_eq!(dash.as_deref(), Ok("s:\n    b: 2\n"));
        // Comments after the node, down to column 0, go with it.
        let comments = run(
            "a:\n  b: 1\n# top\nc: 2\n",
            Patch {
                route: route!("a"),
                operation: Op::Remove,
            },
        );
        assert_eq!(comments.as_deref(), Ok("c: 2\n"));
        // The last key leaves a null parent.
        let last = run(
            "a:\n  b: 1\nc: 2\n",
            Patch {
                route: route!("a", "b"),
                operation: Op::Remove,
            },
        );
        assert_eq!(last.as_deref(), Ok("a:\nc: 2\n"));
    }

    #[test]
    fn replace_and_add_limits() {
        // A mapping value is written as `a: x: 1` on one line, which does not parse.
        let mapping = run(
            "a:\n  b: 1\nc: 2\n",
            Patch {
                route: route!("a"),
                operation: Op::Replace(value("{x: 1, y: 2}")),
            },
        );
        assert!(mapping.is_err(), "{mapping:?}");
        // Multi-line flow mappings are refused.
        let multiline = run(
            "a: {\n  b: 1\n}\n",
            Patch {
                route: route!("a"),
                operation: Op::Add {
                    key: "c".into(),
                    value: value("2"),
                },
            },
        );
        assert!(multiline.is_err(), "{multiline:?}");
        // Merging into `key:` (null) is refused.
        let null = run(
            "a:\nb: 1\n",
            Patch {
                route: route!(),
                operation: Op::MergeInto {
                    key: "a".into(),
                    updates: [("x".to_string(), value("1"))].into_iter().collect(),
                },
            },
        );
        assert!(null.is_err(), "{null:?}");
    }
}
