//! Unified diffs between two versions of a file, coloured on a terminal.

use similar::TextDiff;

/// A unified diff from `old` to `new`, with `a/PATH` and `b/PATH` headers (like git).
pub fn unified(path: &str, old: &[u8], new: &[u8], color: bool) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if color { colorize(&text) } else { text }
}

fn colorize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "\x1b[1m"
        } else if line.starts_with('+') {
            "\x1b[32m"
        } else if line.starts_with('-') {
            "\x1b[31m"
        } else if line.starts_with("@@") {
            "\x1b[36m"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let (body, nl) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            out.push_str(&format!("{code}{body}\x1b[0m{nl}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_git_headers_and_changes() {
        let diff = unified("x.yml", b"a\nb\n", b"a\nc\n", false);
        assert!(diff.starts_with("--- a/x.yml\n+++ b/x.yml\n"), "{diff}");
        assert!(diff.contains("-b\n+c\n"), "{diff}");
        let coloured = unified("x.yml", b"a\nb\n", b"a\nc\n", true);
        assert!(coloured.contains("\x1b[32m+c\x1b[0m"));
    }
}
