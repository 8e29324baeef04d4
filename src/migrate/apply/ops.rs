//! The edits on the current yamlpath document, each returning the new text with only the edited
//! node's bytes changed. yamlpatch does what it does well (`Op::Add` to a block mapping, with its
//! indentation rules); what it gets wrong is spliced here on yamlpath's spans (see
//! `yamlpatch_limits`): removals (its `Op::Remove` drops whole lines, so a flow entry takes its
//! neighbours, the first key of a `- key:` item takes the dash, and the comments after the node
//! go with it), flow collections, nulls, replacements (its `Op::Replace` writes a mapping as
//! `key: a: b`) and whole steps.

use thiserror::Error;
use yaml_serde::Value;
use yamlpatch::{Op, Patch};
use yamlpath::{Document, FeatureKind};

use super::anchors::{check_anchors, check_removed_region};
use super::nodes::{after_colon, kind_at, kind_name, pretty};
use super::route::to_yamlpath;
use super::text::{
    inner_comments_end, line_end, line_end_incl, line_start, no_double_blank, node_end, splice,
};
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

/// yamlpatch indents the entries of an added mapping two spaces deeper than its key; in a file
/// indented by four (or more), the added lines get the file's own step: the mapping starting
/// at `mapping_start` sits that far below the key that holds it.
fn match_indentation(src: &str, out: &str, mapping_start: usize) -> String {
    let column = mapping_start - super::text::line_start(src, mapping_start);
    // The key holding the mapping: the nearest earlier line indented less.
    let parent = src
        .get(..super::text::line_start(src, mapping_start))
        .unwrap_or("")
        .lines()
        .rev()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .find(|indent| *indent < column);
    let Some(step) = parent.map(|p| column - p) else {
        return out.to_string();
    };
    if step <= 2 {
        return out.to_string();
    }
    let prefix = src
        .bytes()
        .zip(out.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = src
        .bytes()
        .rev()
        .zip(out.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count()
        .min(out.len() - prefix)
        .min(src.len() - prefix.min(src.len()));
    let start = super::text::line_start(out, prefix);
    let cut = out.len() - suffix;
    let at_line_start = cut == 0 || out.as_bytes().get(cut - 1) == Some(&b'\n');
    let end = if at_line_start {
        cut
    } else {
        super::text::line_end_incl(out, cut)
    }
    .max(start);
    let (Some(head), Some(added), Some(tail)) =
        (out.get(..start), out.get(start..end), out.get(end..))
    else {
        return out.to_string();
    };
    let nested = " ".repeat(column + 2);
    let extra = " ".repeat(step - 2);
    let added: String = added
        .split_inclusive('\n')
        .map(|line| {
            let deeper = line
                .get(column + 2..)
                .is_some_and(|rest| !rest.starts_with(' '));
            if line.starts_with(&nested) && deeper {
                format!("{extra}{line}")
            } else {
                line.to_string()
            }
        })
        .collect();
    format!("{head}{added}{tail}")
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
                return add_nested_block(doc, route, key, value);
            }
            let out = patch(
                doc,
                route,
                Op::Add {
                    key: key.to_string(),
                    value: value.clone(),
                },
            )?;
            Ok(match kind_at(doc, route)? {
                Some((_, span)) => match_indentation(doc.source(), &out, span.start),
                None => out,
            })
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

/// Add `key:` with a nested value (GitLab's `id_tokens: {NAME: {aud: …}}`) to a block mapping
/// in block style, as the mapping's last entry, indented like its first key.
fn add_nested_block(
    doc: &Document,
    route: &[Segment],
    key: &str,
    value: &Value,
) -> Result<String, Problem> {
    let Some((_, span)) = kind_at(doc, route)? else {
        return Err(Problem::Gone);
    };
    let src = doc.source();
    let start = span.start;
    let line_begin = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let indent = start - line_begin;
    if src
        .get(line_begin..start)
        .is_some_and(|s| !s.trim().is_empty())
    {
        return Err(Problem::Unsupported(
            "adding a nested value to a mapping that does not start its own line".into(),
        ));
    }
    let mut entry = yaml_serde::Mapping::new();
    entry.insert(Value::String(key.to_string()), value.clone());
    let rendered = yaml_serde::to_string(&Value::Mapping(entry))
        .map_err(|e| Problem::BadReplacement(e.to_string()))?;
    let pad = " ".repeat(indent);
    let block: String = rendered.lines().map(|l| format!("{pad}{l}\n")).collect();
    let end = span.end.min(src.len());
    let at = match src.get(end..).and_then(|rest| rest.find('\n')) {
        Some(i) => end + i + 1,
        None => src.len(),
    };
    let head = src.get(..at).unwrap_or("");
    let glue = if head.ends_with('\n') { "" } else { "\n" };
    Ok(format!(
        "{head}{glue}{block}{}",
        src.get(at..).unwrap_or("")
    ))
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
