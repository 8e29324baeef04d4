//! Inline markup of one text block (a paragraph, a title, a table cell): the start-strings
//! docutils recognises, whether each has its end-string, and what the block references or
//! defines (targets, roles, substitutions, footnotes) for [`super::refs`] to resolve.
//!
//! The recognition rules are docutils' (the reStructuredText spec, "Inline markup recognition
//! rules"): a start-string starts the text or follows white space, an opener (`'"(<[{`) or a
//! delimiter (`-/:`, other punctuation outside ASCII), and is followed by non-white space; an
//! end-string follows non-white space and ends the text or is followed by white space, a
//! closer, a delimiter or `\.,;!?`; a start-string between matching quotes or brackets is text.

use super::refs::Refs;
use super::{Diag, Level};

/// Roles docutils knows (English names and aliases), besides those a `role` directive adds.
pub const ROLES: &[&str] = &[
    "abbreviation",
    "ab",
    "acronym",
    "ac",
    "code",
    "emphasis",
    "literal",
    "math",
    "pep-reference",
    "pep",
    "rfc-reference",
    "rfc",
    "strong",
    "subscript",
    "sub",
    "superscript",
    "sup",
    "title-reference",
    "title",
    "t",
    "raw",
    "index",
    "i",
    "anonymous-reference",
    "citation-reference",
    "footnote-reference",
    "named-reference",
    "substitution-reference",
    "uri-reference",
    "uri",
    "url",
    "target",
];

fn is_punct(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace() && !c.is_ascii()
}

/// What may come right before a start-string.
fn start_prefix_ok(prev: Option<char>) -> bool {
    match prev {
        None => true,
        Some(c) => c.is_whitespace() || "\"'(<[{-/:".contains(c) || is_punct(c),
    }
}

/// What may come right after an end-string.
fn end_suffix_ok(next: Option<char>) -> bool {
    match next {
        None => true,
        Some(c) => c.is_whitespace() || "\\.,;!?-/:\"')>]}".contains(c) || is_punct(c),
    }
}

/// `open` then `close` around a start-string make it text (`(*)`, `"*"`).
fn quoted(open: char, close: char) -> bool {
    matches!(
        (open, close),
        ('(', ')') | ('[', ']') | ('{', '}') | ('<', '>') | ('\'', '\'') | ('"', '"')
    ) || (is_punct(open) && open == close)
}

/// Reference names are case- and white-space-insensitive.
pub fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', "")
        .to_lowercase()
}

/// An end-string, whether escapes count, and which suffix set follows it.
type EndKey = (&'static str, bool, usize);

/// One text block's scanner.
struct Scan<'a> {
    chars: Vec<char>,
    /// Indices of the new lines in `chars` (for line numbers).
    newlines: Vec<usize>,
    /// Every valid end-string position, per (end-string, raw, suffix set), found once: a scan
    /// stays linear however many start-strings lack their end.
    ends: std::collections::HashMap<EndKey, Vec<(usize, usize)>>,
    /// Every `` `:role: `` suffix position (closing backquote, index after the role).
    suffix_roles: Option<Vec<(usize, usize)>>,
    first_line: usize,
    refs: &'a mut Refs,
    diags: &'a mut Vec<Diag>,
}

impl Scan<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn before(&self, i: usize) -> Option<char> {
        i.checked_sub(1).and_then(|j| self.at(j))
    }

    fn starts(&self, i: usize, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    fn line_of(&self, i: usize) -> usize {
        self.first_line + self.newlines.partition_point(|n| *n < i)
    }

    fn escaped(&self, i: usize) -> bool {
        let mut n = 0;
        let mut j = i;
        while j > 0 && self.at(j - 1) == Some('\\') {
            n += 1;
            j -= 1;
        }
        n % 2 == 1
    }

    /// The start-string of `len` characters at `i` is one (prefix, non-white space after, not
    /// between matching quotes).
    fn start_ok(&self, i: usize, len: usize) -> bool {
        let prev = self.before(i);
        let next = self.at(i + len);
        // At the end of the text a start-string is text, unless it is the whole text.
        start_prefix_ok(prev)
            && next.map_or(i == 0, |c| !c.is_whitespace())
            && !matches!((prev, next), (Some(p), Some(n)) if quoted(p, n))
    }

    /// The first end-string `end` after `from` (preceded by non-white space, not escaped unless
    /// `raw`, followed by what may end markup after `suffix_len` more characters).
    fn find_end(
        &mut self,
        from: usize,
        end: &'static str,
        raw: bool,
        suffixes: &'static [&'static str],
    ) -> Option<(usize, usize)> {
        let key = (end, raw, suffixes.len());
        if !self.ends.contains_key(&key) {
            let mut found = Vec::new();
            for i in 1..self.chars.len() {
                if self.starts(i, end)
                    && self.before(i).is_some_and(|c| !c.is_whitespace())
                    && (raw || !self.escaped(i))
                {
                    let after = i + end.chars().count();
                    for s in suffixes {
                        let n = s.chars().count();
                        if self.starts(after, s) && end_suffix_ok(self.at(after + n)) {
                            found.push((i, n));
                            break;
                        }
                    }
                }
            }
            self.ends.insert(key, found);
        }
        let found = self.ends.get(&key)?;
        let k = found.partition_point(|(i, _)| *i <= from);
        found.get(k).copied()
    }

    fn warn_unclosed(&mut self, i: usize, kind: &str) {
        let line = self.line_of(i);
        self.diags.push(Diag {
            line,
            level: Level::Warning,
            message: format!("Inline {kind} start-string without end-string."),
        });
    }

    fn text(&self, a: usize, b: usize) -> String {
        self.chars
            .get(a..b)
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    /// A role name `:name:` ending right before `end` (the colon at `end - 1`): its start.
    fn role_before(&self, end: usize) -> Option<usize> {
        if end < 3 || self.before(end) != Some(':') {
            return None;
        }
        let mut j = end - 1;
        while j > 0
            && self
                .at(j - 1)
                .is_some_and(|c| c.is_alphanumeric() || "-_.:+".contains(c))
        {
            j -= 1;
            if self.at(j) == Some(':') && j + 1 < end - 1 && start_prefix_ok(self.before(j)) {
                return Some(j);
            }
        }
        None
    }

    fn role(&mut self, name: &str, i: usize) {
        let name = name.to_lowercase();
        let line = self.line_of(i);
        if name == "raw" {
            self.diags.push(Diag {
                line,
                level: Level::Warning,
                message: "raw (and derived) roles disabled".into(),
            });
        } else if !ROLES.contains(&name.as_str()) && !self.refs.roles.contains(&name) {
            self.diags.push(Diag {
                line,
                level: Level::Error,
                message: format!("Unknown interpreted text role \"{name}\"."),
            });
        }
    }

    /// A phrase reference's text: `text <uri>` or `text <name_>` embedded, or a name.
    fn phrase_reference(&mut self, content: &str, anonymous: bool, i: usize) {
        let line = self.line_of(i);
        let trimmed = content.trim_end();
        if let Some(open) = trimmed.rfind('<').filter(|_| trimmed.ends_with('>')) {
            let (text, target) = (&trimmed[..open], &trimmed[open + 1..trimmed.len() - 1]);
            let name = if text.trim().is_empty() { target } else { text };
            if target.ends_with('_')
                && !target.contains(char::is_whitespace)
                && !target.ends_with("\\_")
            {
                let to = normalize(target.trim_end_matches('_'));
                if anonymous {
                    self.refs.named.push((to, line));
                } else {
                    self.refs
                        .add_target(&normalize(name), Some(format!("{to}_")), line, false);
                }
            } else if !anonymous {
                self.refs
                    .add_target(&normalize(name), Some(target.to_string()), line, false);
            }
        } else if anonymous {
            self.refs.anonymous_refs += 1;
        } else {
            self.refs.named.push((normalize(content), line));
        }
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i];
            if c == '\\' {
                i += 2;
                continue;
            }
            // A URI runs to white space (its underscores are not references).
            if c.is_ascii_alphabetic() && !self.before(i).is_some_and(char::is_alphanumeric) {
                let word: String = self.chars[i..]
                    .iter()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                if let Some(colon) = word.find(':') {
                    let scheme = &word[..colon];
                    if scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                        && (word[colon..].starts_with("://")
                            || matches!(
                                scheme.to_ascii_lowercase().as_str(),
                                "mailto" | "urn" | "news"
                            ))
                    {
                        i += word.chars().count();
                        continue;
                    }
                }
            }
            let next = match c {
                '*' if self.starts(i, "**") => self.markup(i, "**", "**", "strong"),
                '*' => self.markup(i, "*", "*", "emphasis"),
                '`' if self.starts(i, "``") => self.literal(i),
                '_' if self.starts(i, "_`") => self.inline_target(i),
                '`' => self.interpreted(i, None),
                ':' => self.prefixed_role(i),
                '|' => self.substitution(i),
                '[' => self.footnote_reference(i),
                c if c.is_alphanumeric() => self.simple_reference(i),
                _ => None,
            };
            i = next.unwrap_or(i + 1);
        }
    }

    fn markup(&mut self, i: usize, start: &str, end: &'static str, kind: &str) -> Option<usize> {
        let len = start.chars().count();
        if !self.start_ok(i, len) {
            return Some(i + len);
        }
        match self.find_end(i + len, end, false, &[""]) {
            Some((e, _)) => Some(e + end.chars().count()),
            None => {
                self.warn_unclosed(i, kind);
                Some(i + len)
            }
        }
    }

    fn literal(&mut self, i: usize) -> Option<usize> {
        if !self.start_ok(i, 2) {
            return Some(i + 2);
        }
        let mut from = i + 2;
        loop {
            match self.find_end(from, "``", true, &[""]) {
                // ``` `` ``` followed by another backquote: the end is further on.
                Some((e, _)) if self.at(e + 2) == Some('`') => from = e + 1,
                Some((e, _)) => return Some(e + 2),
                None => {
                    self.warn_unclosed(i, "literal");
                    return Some(i + 2);
                }
            }
        }
    }

    fn inline_target(&mut self, i: usize) -> Option<usize> {
        if !self.start_ok(i, 2) {
            return Some(i + 2);
        }
        match self.find_end(i + 2, "`", false, &[""]) {
            Some((e, _)) => {
                let name = normalize(&self.text(i + 2, e));
                let line = self.line_of(i);
                self.refs.add_target(&name, None, line, false);
                Some(e + 1)
            }
            None => {
                self.warn_unclosed(i, "internal target");
                Some(i + 2)
            }
        }
    }

    /// `` `text` `` at `i`, with a prefix role starting at `role_at` when there is one.
    fn interpreted(&mut self, i: usize, role: Option<(String, usize)>) -> Option<usize> {
        let start = role.as_ref().map_or(i, |(_, at)| *at);
        if role.is_none() && !self.start_ok(i, 1) {
            return Some(i + 1);
        }
        if self.at(i + 1).is_none_or(char::is_whitespace) {
            return Some(i + 1);
        }
        let Some((e, n)) = self.find_end(i + 1, "`", false, &["__", "_", ""]) else {
            // A suffix role: `text`:role:
            if let Some((e, suffix_end)) = self.suffix_role_end(i + 1) {
                let name = self.text(e + 2, suffix_end - 1);
                if role.is_some() {
                    self.multiple_roles(start);
                } else {
                    self.role(&name, start);
                }
                return Some(suffix_end);
            }
            self.warn_unclosed(start, "interpreted text or phrase reference");
            return Some(i + 1);
        };
        let content = self.text(i + 1, e);
        match n {
            2 | 1 => {
                if role.is_some() {
                    self.diags.push(Diag {
                        line: self.line_of(start),
                        level: Level::Error,
                        message:
                            "Mismatch: both interpreted text role prefix and reference suffix."
                                .into(),
                    });
                } else {
                    self.phrase_reference(&content, n == 2, i);
                }
            }
            _ => {
                if let Some(suffix_end) = self.suffix_role_at(e) {
                    let name = self.text(e + 2, suffix_end - 1);
                    if role.is_some() {
                        self.multiple_roles(start);
                    } else {
                        self.role(&name, start);
                    }
                    return Some(suffix_end);
                }
                if let Some((name, _)) = &role {
                    self.role(name, start);
                }
            }
        }
        Some(e + 1 + n)
    }

    fn multiple_roles(&mut self, at: usize) {
        self.diags.push(Diag {
            line: self.line_of(at),
            level: Level::Error,
            message: "Multiple roles in interpreted text (both prefix and suffix present; only one allowed).".into(),
        });
    }

    /// The closing backquote of `` `text`:role: `` after `from`: its index and the index after
    /// the role's closing colon.
    fn suffix_role_end(&mut self, from: usize) -> Option<(usize, usize)> {
        if self.suffix_roles.is_none() {
            let all = (0..self.chars.len())
                .filter_map(|i| {
                    (self.before(i).is_some_and(|c| !c.is_whitespace()) && !self.escaped(i))
                        .then(|| self.suffix_role_at(i).map(|end| (i, end)))
                        .flatten()
                })
                .collect();
            self.suffix_roles = Some(all);
        }
        let all = self.suffix_roles.as_ref()?;
        let k = all.partition_point(|(i, _)| *i < from);
        all.get(k).copied()
    }

    /// `` `:role: `` at `i` (the closing backquote): the index after the role's colon.
    fn suffix_role_at(&self, i: usize) -> Option<usize> {
        if self.at(i) != Some('`') || self.at(i + 1) != Some(':') {
            return None;
        }
        let mut j = i + 2;
        while self
            .at(j)
            .is_some_and(|c| c.is_alphanumeric() || "-_.+".contains(c))
        {
            j += 1;
        }
        (j > i + 2 && self.at(j) == Some(':') && end_suffix_ok(self.at(j + 1))).then_some(j + 1)
    }

    fn prefixed_role(&mut self, i: usize) -> Option<usize> {
        if !start_prefix_ok(self.before(i)) {
            return None;
        }
        let mut j = i + 1;
        while self
            .at(j)
            .is_some_and(|c| c.is_alphanumeric() || "-_.:+".contains(c))
        {
            j += 1;
        }
        if self.at(j) != Some('`') || self.role_before(j) != Some(i) {
            return None;
        }
        let name = self.text(i + 1, j - 1);
        self.interpreted(j, Some((name, i)))
    }

    fn substitution(&mut self, i: usize) -> Option<usize> {
        if !self.start_ok(i, 1) {
            return Some(i + 1);
        }
        match self.find_end(i + 1, "|", false, &["__", "_", ""]) {
            Some((e, n)) => {
                let name = self.text(i + 1, e);
                let line = self.line_of(i);
                self.refs.substitution_refs.push((name.clone(), line));
                match n {
                    2 => self.refs.anonymous_refs += 1,
                    1 => self.refs.named.push((normalize(&name), line)),
                    _ => {}
                }
                Some(e + 1 + n)
            }
            None => {
                self.warn_unclosed(i, "substitution_reference");
                Some(i + 1)
            }
        }
    }

    fn footnote_reference(&mut self, i: usize) -> Option<usize> {
        if !start_prefix_ok(self.before(i)) {
            return None;
        }
        let close = (i + 1..self.chars.len()).find(|j| self.chars[*j] == ']')?;
        if self.at(close + 1) != Some('_') || !end_suffix_ok(self.at(close + 2)) {
            return None;
        }
        let label = self.text(i + 1, close);
        let kind = super::refs::label_kind(&label)?;
        let line = self.line_of(i);
        self.refs.footnote_refs.push((kind, line));
        Some(close + 2)
    }

    /// `name_` / `name__`: a simple reference name (letters and digits, single `-_.:+` inside).
    fn simple_reference(&mut self, i: usize) -> Option<usize> {
        let prev = self.before(i);
        if prev.is_some_and(|c| c.is_alphanumeric() || c == '_') || !start_prefix_ok(prev) {
            return None;
        }
        let mut j = i;
        loop {
            while self.at(j).is_some_and(char::is_alphanumeric) {
                j += 1;
            }
            match (self.at(j), self.at(j + 1)) {
                (Some(c), Some(d)) if "-_.:+".contains(c) && d.is_alphanumeric() => j += 1,
                _ => break,
            }
        }
        let anonymous = self.starts(j, "__");
        let n = if anonymous {
            2
        } else {
            usize::from(self.at(j) == Some('_'))
        };
        if n == 0 || !end_suffix_ok(self.at(j + n)) {
            return Some(j);
        }
        let line = self.line_of(i);
        if anonymous {
            self.refs.anonymous_refs += 1;
        } else {
            let name = normalize(&self.text(i, j));
            self.refs.named.push((name, line));
        }
        Some(j + n)
    }
}

/// Scan one text block starting on `first_line`, recording into `refs`, reporting into `diags`.
pub fn scan(text: &str, first_line: usize, refs: &mut Refs, diags: &mut Vec<Diag>) {
    let chars: Vec<char> = text.chars().collect();
    let newlines = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == '\n')
        .map(|(i, _)| i)
        .collect();
    Scan {
        chars,
        newlines,
        ends: std::collections::HashMap::new(),
        suffix_roles: None,
        first_line,
        refs,
        diags,
    }
    .run();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(text: &str) -> Vec<String> {
        let mut refs = Refs::default();
        let mut out = Vec::new();
        scan(text, 1, &mut refs, &mut out);
        out.into_iter().map(|d| d.message).collect()
    }

    #[test]
    fn unclosed_start_strings() {
        assert_eq!(
            diags("a *b"),
            ["Inline emphasis start-string without end-string."]
        );
        assert_eq!(
            diags("a **b"),
            ["Inline strong start-string without end-string."]
        );
        assert_eq!(
            diags("a ``b"),
            ["Inline literal start-string without end-string."]
        );
        assert_eq!(
            diags("a *b*c"),
            ["Inline emphasis start-string without end-string."]
        );
        assert!(diags("2 * 3 * 4, (*) \"*\" a*b *c*, ``x*``, \\*y").is_empty());
        assert!(diags("see http://x.y/_a_ and a@b.c").is_empty());
        assert_eq!(
            diags("x :nosuch:`y`"),
            ["Unknown interpreted text role \"nosuch\"."]
        );
        assert!(diags("x :code:`y` `z`:sub: :PEP:`8`").is_empty());
    }

    #[test]
    fn references_are_collected() {
        let mut refs = Refs::default();
        let mut out = Vec::new();
        scan(
            "word_ `a b`_ `c <http://c>`_ `d`__ [1]_ |s|",
            1,
            &mut refs,
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        let named: Vec<&str> = refs.named.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(named, ["word", "a b"]);
        assert_eq!(refs.anonymous_refs, 1);
        assert_eq!(refs.footnote_refs.len(), 1);
        assert_eq!(refs.substitution_refs.len(), 1);
    }
}
