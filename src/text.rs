//! Text that came from a file or a server, made safe to print: control characters (ESC, `\r`,
//! BEL, NUL…) escaped so nothing reaches a terminal or a CI log raw, and cut to a length so a
//! hostile file is never quoted whole.

/// `text` with every control character except `\n` and `\t` escaped (`\u{1b}` -> `\x1b`).
pub fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            let code = u32::from(c);
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max_chars` characters of `text`, control characters escaped (new lines too: an
/// excerpt is one line), with `…` when something was cut.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut cut: String = text.chars().take(max_chars).collect();
    let more = text.chars().nth(max_chars).is_some();
    cut = escape_controls(&cut)
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    if more {
        cut.push('…');
    }
    cut
}

/// `text` made safe for a terminal and a CI log: control characters escaped as by
/// [`escape_controls`] (new lines and tabs kept), and a line that would start with `::`
/// (GitHub Actions reads such a line as a workflow command: `::add-mask::`, `::error::`,
/// `::stop-commands::`) shown with its first colon escaped (`\x3a:`).
pub fn for_log(text: &str) -> String {
    let escaped = escape_controls(text);
    if !escaped.contains("::") {
        return escaped;
    }
    escaped
        .split('\n')
        .map(|line| {
            let body = line.trim_start();
            if body.starts_with("::") {
                let indent = &line[..line.len() - body.len()];
                format!("{indent}\\x3a{}", &body[1..])
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lowercase hex of bytes (digests, template state ids): the one hex encoder of chora.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_cannot_issue_workflow_commands() {
        assert_eq!(
            for_log("ok\n::add-mask::x\n  ::error::y\u{1b}[2J\rz\u{7}"),
            "ok\n\\x3a:add-mask::x\n  \\x3a:error::y\\x1b[2J\\x0dz\\x07"
        );
        assert_eq!(for_log("a :: b"), "a :: b");
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\r\u{7}c\nd"),
            "a\\x1b[2Jb\\x0d\\x07c\nd"
        );
    }

    #[test]
    fn excerpts_are_one_short_line() {
        let long = "root:x:0:0:root:/root:/bin/bash\n".repeat(100);
        let cut = excerpt(&long, 40);
        // 40 characters, one of them a new line shown as `\n`, then the ellipsis.
        assert_eq!(cut.chars().count(), 40 + 1 + 1, "{cut}");
        assert!(cut.ends_with('…'));
        assert!(!cut.contains('\n'));
        assert_eq!(excerpt("short", 40), "short");
    }
}
