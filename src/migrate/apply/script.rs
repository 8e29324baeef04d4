//! `RewriteText`: replacing text inside a scalar (a `run:` script), and when the replacement is
//! empty, leaving a clean command: the argument goes with its separating space, an emptied line
//! goes, and a `\` continuation into a removed last line is closed.

use yamlpath::{Document, FeatureKind};

use super::anchors::check_anchors;
use super::nodes::{kind_at, kind_name};
use super::ops::Problem;
use super::text::{line_end, line_end_incl, line_start, splice};
use crate::workflow::model::Segment;

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
    // A whole last line of a block scalar: the node's span ends before that line's break, so
    // the line goes with the break *before* it.
    if block
        && let Some(line) = from.strip_suffix('\n')
        && !line.contains('\n')
        && !content.contains(from)
        && content.ends_with(line)
    {
        let at = content_end - line.len();
        let ls = line_start(src, at);
        let only_spaces_before = src.get(ls..at).is_some_and(|b| b.trim().is_empty());
        if only_spaces_before && ls > content_start {
            return Ok(splice(src, ls - 1, content_end, to));
        }
    }
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
