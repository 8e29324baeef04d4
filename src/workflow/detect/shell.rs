//! Just enough shell to find publishing commands in a `run:` script: words with their byte
//! ranges in the script (quotes removed, `${{ … }}` kept whole), commands split at newlines,
//! `;`, `&&`, `||`, `|` and `&`, line continuations (`\` newline) joined, comments skipped.

/// One shell word: its text without quotes, and where it is in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// One simple command: its words, and where it is in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
    pub start: usize,
    pub end: usize,
}

impl Command {
    /// The word texts.
    pub fn texts(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }
}

/// Split a script into commands.
pub fn commands(script: &str) -> Vec<Command> {
    let bytes = script.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut i = 0;
    let finish = |words: &mut Vec<Word>, out: &mut Vec<Command>| {
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            out.push(Command {
                start: first.start,
                end: last.end,
                words: std::mem::take(words),
            });
        }
    };
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n')) => i += 2,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' | b';' | b'|' | b'&' | b'(' | b')' => {
                finish(&mut words, &mut out);
                i += 1;
            }
            b'#' => {
                while bytes.get(i).is_some_and(|&b| b != b'\n') {
                    i += 1;
                }
            }
            _ => {
                let (word, next) = word(script, i);
                words.push(word);
                i = next;
            }
        }
    }
    finish(&mut words, &mut out);
    out
}

/// Read one word starting at `start`; returns it and the index after it.
fn word(script: &str, start: usize) -> (Word, usize) {
    let bytes = script.as_bytes();
    let mut text = String::new();
    let mut i = start;
    let push = |text: &mut String, from: usize, to: usize| {
        if let Some(part) = script.get(from..to) {
            text.push_str(part);
        }
    };
    while let Some(&c) = bytes.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'|' | b'&' | b'(' | b')' => break,
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n')) => break,
            b'\\' => {
                let next = next_char(script, i + 1);
                push(&mut text, i + 1, next);
                i = next;
            }
            b'\'' => {
                let close = find(bytes, i + 1, |b| b == b'\'');
                push(&mut text, i + 1, close);
                i = (close + 1).min(bytes.len());
            }
            b'"' => {
                let mut j = i + 1;
                while let Some(&b) = bytes.get(j) {
                    if b == b'\\' && bytes.get(j + 1).is_some_and(|n| b"\"\\$`".contains(n)) {
                        push(&mut text, j + 1, j + 2);
                        j += 2;
                    } else if b == b'"' {
                        break;
                    } else {
                        // A run of ordinary bytes at once (`\\` and `"` are ASCII, so the run
                        // ends on a character boundary).
                        let next = find(bytes, j + 1, |b| b == b'\\' || b == b'"');
                        push(&mut text, j, next);
                        j = next;
                    }
                }
                i = (j + 1).min(bytes.len());
            }
            b'$' if script.get(i..).is_some_and(|s| s.starts_with("${{")) => {
                let close = script
                    .get(i..)
                    .and_then(|s| s.find("}}"))
                    .map_or(bytes.len(), |p| i + p + 2);
                push(&mut text, i, close);
                i = close;
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                // Command substitution: kept as text up to its closing parenthesis.
                let mut depth = 0usize;
                let mut j = i + 1;
                while let Some(&b) = bytes.get(j) {
                    if b == b'(' {
                        depth += 1;
                    } else if b == b')' {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                let close = (j + 1).min(bytes.len());
                push(&mut text, i, close);
                i = close;
            }
            _ => {
                // This character and the ordinary ones after it at once (every byte handled
                // above is ASCII, so the run ends on a character boundary).
                let next = find(bytes, next_char(script, i), |b| {
                    matches!(
                        b,
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b';'
                            | b'|'
                            | b'&'
                            | b'('
                            | b')'
                            | b'\\'
                            | b'\''
                            | b'"'
                            | b'$'
                    )
                });
                push(&mut text, i, next);
                i = next;
            }
        }
    }
    (
        Word {
            text,
            start,
            end: i,
        },
        i,
    )
}

fn find(bytes: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        if pred(b) {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// The index after the character at `i` (UTF-8 aware).
fn next_char(script: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < script.len() && !script.is_char_boundary(j) {
        j += 1;
    }
    j.min(script.len())
}

/// The environment variable a word expands to, if it is exactly `$NAME`, `${NAME}` or
/// `${{ env.NAME }}`.
pub fn env_reference(word: &str) -> Option<&str> {
    let name = if let Some(rest) = word.strip_prefix("${{") {
        rest.strip_suffix("}}")?.trim().strip_prefix("env.")?
    } else if let Some(rest) = word.strip_prefix("${") {
        rest.strip_suffix('}')?
    } else {
        word.strip_prefix('$')?
    };
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(script: &str) -> Vec<Vec<String>> {
        commands(script)
            .iter()
            .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
            .collect()
    }

    #[test]
    fn splits_commands_and_joins_continuations() {
        let got = texts(
            "pip install twine && twine upload \\\n  -u __token__ dist/*; echo done\n# twine upload x\nmake\tpublish",
        );
        assert_eq!(
            got,
            vec![
                vec!["pip", "install", "twine"],
                vec!["twine", "upload", "-u", "__token__", "dist/*"],
                vec!["echo", "done"],
                vec!["make", "publish"],
            ]
        );
    }

    #[test]
    fn quotes_and_expressions() {
        let script = "twine upload -p \"${{ secrets.PYPI_TOKEN }}\" --username='__token__' \"a b\"";
        let cmds = commands(script);
        assert_eq!(cmds.len(), 1);
        let words = &cmds[0].words;
        assert_eq!(words[3].text, "${{ secrets.PYPI_TOKEN }}");
        assert_eq!(
            &script[words[3].start..words[3].end],
            "\"${{ secrets.PYPI_TOKEN }}\""
        );
        assert_eq!(words[4].text, "--username=__token__");
        assert_eq!(words[5].text, "a b");
        let unquoted = commands("uv publish --token ${{ secrets.T }} dist/*");
        assert_eq!(unquoted[0].words[3].text, "${{ secrets.T }}");
        assert_eq!(unquoted[0].words.len(), 5);
    }

    #[test]
    fn crlf_and_unterminated_quotes_do_not_panic() {
        assert_eq!(texts("a \\\r\n b\r\nc"), vec![vec!["a", "b"], vec!["c"]]);
        assert_eq!(texts("echo \"x"), vec![vec!["echo", "x"]]);
        assert_eq!(texts("echo 'é"), vec![vec!["echo", "é"]]);
        assert_eq!(texts("x=$(echo (a)) b"), vec![vec!["x=$(echo (a))", "b"]]);
    }

    #[test]
    fn env_references() {
        assert_eq!(env_reference("$PYPI_TOKEN"), Some("PYPI_TOKEN"));
        assert_eq!(env_reference("${PYPI_TOKEN}"), Some("PYPI_TOKEN"));
        assert_eq!(env_reference("${{ env.PYPI_TOKEN }}"), Some("PYPI_TOKEN"));
        assert_eq!(env_reference("${{ secrets.X }}"), None);
        assert_eq!(env_reference("literal"), None);
    }
}
