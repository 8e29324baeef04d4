//! Line arithmetic on the workflow text: where a line starts and ends, where a node's last line
//! really is (the parser's spans run over the comments that follow), and splicing.

pub fn line_start(src: &str, pos: usize) -> usize {
    src.get(..pos)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

pub fn line_end(src: &str, pos: usize) -> usize {
    src.get(pos..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| pos + i)
}

/// The end of the line holding `pos`, including its newline.
pub fn line_end_incl(src: &str, pos: usize) -> usize {
    (line_end(src, pos) + 1).min(src.len())
}

pub fn splice(src: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(src.len() + with.len());
    out.push_str(src.get(..start).unwrap_or(""));
    out.push_str(with);
    out.push_str(src.get(end..).unwrap_or(""));
    out
}

/// Where the node spanning `start..end`, whose key or `-` sits at `column`, really ends (before
/// the newline of its last line): trailing blank lines, and comments at or left of `column`,
/// belong to what follows even though the parser's span covers them.
pub fn node_end(src: &str, start: usize, end: usize, column: usize) -> usize {
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

/// Extend `end` (the end of a node's last line) over the comment lines right after it that are
/// indented deeper than the node's `column`: they are inside the node, and left behind they
/// could become the text of a block scalar above.
pub fn inner_comments_end(src: &str, end: usize, column: usize) -> usize {
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

/// Removing whole lines `start..end` between two blank lines would leave two blank lines: take
/// the second one too.
pub fn no_double_blank(src: &str, start: usize, end: usize) -> usize {
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
