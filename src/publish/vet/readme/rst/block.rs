//! The block structure of a reStructuredText document, as docutils' body states see it: what
//! starts on a line (a title, a transition, a list item, a table, explicit markup, a
//! paragraph…), how far its indented body runs, and whether what follows it is separated by
//! the blank line docutils requires. Text blocks go to [`super::inline`].

use super::directives::{self, DIRECTIVES};
use super::inline::{self, normalize};
use super::refs::{Refs, label_kind};
use super::{Diag, Image, Level};

/// One line of the document (its text dedented to the block being parsed).
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub no: usize,
    pub text: &'a str,
}

fn indent(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

const ADORNMENT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A line of one punctuation character repeated (a title adornment or a transition).
fn adornment(s: &str) -> Option<char> {
    let c = s.chars().next()?;
    (ADORNMENT.contains(c) && s.chars().all(|d| d == c)).then_some(c)
}

fn width(s: &str) -> usize {
    s.trim().chars().count()
}

/// `=====  =====`: a simple table border (two columns or more).
fn simple_border(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with('=')
        && s.contains(' ')
        && s.chars().all(|c| c == '=' || c == ' ')
}

/// `+----+----+`: a grid table border.
fn grid_border(s: &str) -> bool {
    s.len() >= 3
        && s.starts_with('+')
        && s.ends_with('+')
        && s.chars().all(|c| matches!(c, '+' | '-' | '=' | ':'))
        && s.chars().nth(1).is_some_and(|c| c == '-' || c == '=')
}

/// The index after the indented block starting at `from` (blank lines inside it, not after).
fn body_end(lines: &[Line<'_>], from: usize) -> usize {
    let mut end = from;
    let mut j = from;
    while let Some(l) = lines.get(j) {
        if blank(l.text) {
            j += 1;
            continue;
        }
        if indent(l.text) == 0 {
            break;
        }
        j += 1;
        end = j;
    }
    end
}

/// The index after the block from `from` of lines indented by `col` or more.
fn known_end(lines: &[Line<'_>], from: usize, col: usize) -> usize {
    let mut end = from;
    let mut j = from;
    while let Some(l) = lines.get(j) {
        if blank(l.text) {
            j += 1;
            continue;
        }
        if indent(l.text) < col {
            break;
        }
        j += 1;
        end = j;
    }
    end
}

/// `lines` dedented by their smallest indentation (at most `cap`).
fn dedent<'a>(lines: &[Line<'a>], cap: usize) -> Vec<Line<'a>> {
    let min = lines
        .iter()
        .filter(|l| !blank(l.text))
        .map(|l| indent(l.text))
        .min()
        .unwrap_or(0)
        .min(cap);
    lines
        .iter()
        .map(|l| Line {
            no: l.no,
            text: l.text.get(min.min(l.text.len())..).unwrap_or(""),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// The start of the document or of a section.
    Start,
    Transition,
    Other,
}

/// An enumerator's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seq {
    Arabic,
    LowerAlpha,
    UpperAlpha,
    LowerRoman,
    UpperRoman,
    Auto,
}

/// `1.`, `(a)`, `iv)`, `#.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Period,
    Paren,
    Parens,
}

fn roman_value(s: &str) -> Option<usize> {
    let digit = |c: char| match c.to_ascii_lowercase() {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        'd' => Some(500),
        'm' => Some(1000),
        _ => None,
    };
    let values: Vec<usize> = s.chars().map(digit).collect::<Option<_>>()?;
    let mut total = 0;
    for (k, v) in values.iter().enumerate() {
        if values.get(k + 1).is_some_and(|n| n > v) {
            total -= *v as isize;
        } else {
            total += *v as isize;
        }
    }
    let total = usize::try_from(total).ok().filter(|t| *t > 0)?;
    (to_roman(total) == s.to_ascii_lowercase()).then_some(total)
}

fn to_roman(mut n: usize) -> String {
    let table = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (v, s) in table {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

/// The enumerator at the start of `s`: (format, sequence, ordinal, column of the text).
fn enumerator(s: &str, expect: Option<Seq>) -> Option<(Format, Seq, usize, usize)> {
    let (format, inner, len) = if let Some(rest) = s.strip_prefix('(') {
        let close = rest.find(')')?;
        (Format::Parens, &rest[..close], close + 2)
    } else {
        let end = s.find(['.', ')'])?;
        let format = if s[end..].starts_with('.') {
            Format::Period
        } else {
            Format::Paren
        };
        (format, &s[..end], end + 1)
    };
    let after = &s[len..];
    if !(after.is_empty() || after.starts_with(' ')) || inner.is_empty() {
        return None;
    }
    let (seq, ordinal) = if inner == "#" {
        (Seq::Auto, 0)
    } else if inner.chars().all(|c| c.is_ascii_digit()) {
        (Seq::Arabic, inner.parse().ok()?)
    } else if inner.chars().all(|c| c.is_ascii_lowercase()) {
        alpha_or_roman(inner, expect, Seq::LowerAlpha, Seq::LowerRoman)?
    } else if inner.chars().all(|c| c.is_ascii_uppercase()) {
        alpha_or_roman(inner, expect, Seq::UpperAlpha, Seq::UpperRoman)?
    } else {
        return None;
    };
    let text_col = len + (after.len() - after.trim_start().len());
    Some((format, seq, ordinal, text_col))
}

/// A letter enumerator (`a`, `B`…) or a Roman numeral (`iv`, `X`…) of one case: one letter is
/// alphabetic unless it is `i`/`I` outside an alphabetic list; anything longer is Roman.
fn alpha_or_roman(
    inner: &str,
    expect: Option<Seq>,
    alpha: Seq,
    roman: Seq,
) -> Option<(Seq, usize)> {
    let mut bytes = inner.bytes();
    if let (Some(first), None) = (bytes.next(), bytes.next()) {
        let base = if alpha == Seq::LowerAlpha { b'a' } else { b'A' };
        if expect == Some(alpha) || !first.eq_ignore_ascii_case(&b'i') {
            return Some((alpha, usize::from(first - base) + 1));
        }
    }
    Some((roman, roman_value(inner)?))
}

/// `:name: body` field marker: the column of the body.
fn field_marker(s: &str) -> Option<usize> {
    let rest = s.strip_prefix(':')?;
    if rest.starts_with([':', ' ']) {
        return None;
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut k = 0;
    let mut byte = 1;
    while k < chars.len() {
        let c = chars[k];
        if c == '\\' {
            byte += c.len_utf8() + chars.get(k + 1).map_or(0, |c| c.len_utf8());
            k += 2;
            continue;
        }
        if c == ':' {
            let next = chars.get(k + 1);
            if next.is_none_or(|n| *n == ' ') {
                if k == 0 || chars[k - 1] == ' ' {
                    return None;
                }
                let after = &s[byte + 1..];
                return Some(byte + 1 + (after.len() - after.trim_start().len()));
            }
            if next == Some(&'`') {
                return None;
            }
        }
        byte += c.len_utf8();
        k += 1;
    }
    None
}

/// `-a`, `--all`, `--file=NAME`, `/V` then two spaces (or the end): an option list item.
fn option_marker(s: &str) -> Option<usize> {
    let re = option_regex()?;
    let m = re.find(s)?;
    let rest = &s[m.end()..];
    if rest.is_empty() {
        return Some(m.end());
    }
    rest.starts_with("  ")
        .then(|| m.end() + (rest.len() - rest.trim_start().len()))
}

fn option_regex() -> Option<&'static regex_lite::Regex> {
    static RE: std::sync::OnceLock<Option<regex_lite::Regex>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let option = r"(?:--?[A-Za-z0-9][A-Za-z0-9_-]*(?:[ =](?:<[^<>]+>|[A-Za-z][A-Za-z0-9_-]*))?|/[A-Za-z0-9]+)";
        regex_lite::Regex::new(&format!(r"^{option}(?:, {option})*")).ok()
    })
    .as_ref()
}

const BULLETS: &[char] = &['*', '+', '-', '•', '‣', '⁃'];

fn bullet(s: &str) -> Option<char> {
    let c = s.chars().next()?;
    let rest = &s[c.len_utf8()..];
    (BULLETS.contains(&c) && (rest.is_empty() || rest.starts_with(' '))).then_some(c)
}

fn explicit_start(s: &str) -> bool {
    s == ".." || s.starts_with(".. ") || s == "__" || s.starts_with("__ ")
}

/// The parser's state across the document.
#[derive(Debug)]
pub struct Parser {
    pub diags: Vec<Diag>,
    pub refs: Refs,
    pub images: Vec<Image>,
    /// Something renders (docutils refuses a document that renders to nothing).
    pub rendered: bool,
    /// Title styles in the order seen: (character, with an overline).
    styles: Vec<(char, bool)>,
    level: usize,
    last: Last,
    /// How deep in nested bodies: past [`MAX_DEPTH`] nothing deeper is read (a hostile
    /// description cannot exhaust the stack).
    depth: usize,
}

/// Nesting deeper than this is not checked.
const MAX_DEPTH: usize = 32;

impl Default for Parser {
    fn default() -> Self {
        Parser {
            diags: Vec::new(),
            refs: Refs::default(),
            images: Vec::new(),
            rendered: false,
            styles: Vec::new(),
            level: 0,
            last: Last::Start,
            depth: 0,
        }
    }
}

impl Parser {
    fn diag(&mut self, line: usize, level: Level, message: impl Into<String>) {
        self.diags.push(Diag {
            line,
            level,
            message: message.into(),
        });
    }

    fn text(&mut self, text: &str, line: usize) {
        inline::scan(text, line, &mut self.refs, &mut self.diags);
    }

    /// The whole document.
    pub fn document(&mut self, lines: &[Line<'_>]) {
        self.body(lines, false);
        if self.last == Last::Transition
            && let Some(l) = lines.iter().rev().find(|l| !blank(l.text))
        {
            self.diag(
                l.no,
                Level::Warning,
                "Transition at the end of the document.",
            );
        }
    }

    /// After a construct ending at `end`: a non-blank line right there is the warning `what`.
    fn needs_blank(&mut self, lines: &[Line<'_>], end: usize, what: &str) {
        if let Some(l) = lines.get(end).filter(|l| !blank(l.text)) {
            self.diag(l.no, Level::Warning, what);
        }
    }

    /// Body elements (`nested`: inside a list, quote, directive…, where titles are errors).
    pub fn body(&mut self, lines: &[Line<'_>], nested: bool) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.body_at_depth(lines, nested);
        self.depth -= 1;
    }

    fn body_at_depth(&mut self, lines: &[Line<'_>], nested: bool) {
        let mut i = 0;
        while i < lines.len() {
            let t = lines[i].text;
            if blank(t) {
                i += 1;
                continue;
            }
            let before = self.last;
            self.last = Last::Other;
            i = if indent(t) > 0 {
                let end = body_end(lines, i);
                self.body(&dedent(&lines[i..end], usize::MAX), true);
                self.needs_blank(
                    lines,
                    end,
                    "Block quote ends without a blank line; unexpected unindent.",
                );
                end
            } else if explicit_start(t) {
                self.explicit(lines, i)
            } else if let Some(c) = bullet(t) {
                self.bullet_list(lines, i, c)
            } else if let Some(next) = self.enumerated_list(lines, i) {
                next
            } else if field_marker(t).is_some() {
                self.field_list(lines, i)
            } else if t.starts_with(['-', '/']) && option_marker(t).is_some() {
                self.option_list(lines, i)
            } else if t == ">>>" || t.starts_with(">>> ") {
                self.rendered = true;
                let mut j = i;
                while lines.get(j).is_some_and(|l| !blank(l.text)) {
                    j += 1;
                }
                j
            } else if t == "|" || t.starts_with("| ") {
                self.line_block(lines, i)
            } else if grid_border(t) {
                self.grid_table(lines, i)
            } else if simple_border(t) {
                self.simple_table(lines, i)
            } else if let Some(next) = self.adorned(lines, i, nested, before) {
                next
            } else {
                self.text_block(lines, i, nested)
            };
        }
    }

    /// An overline title, a transition, or `None` (text).
    fn adorned(
        &mut self,
        lines: &[Line<'_>],
        i: usize,
        nested: bool,
        before: Last,
    ) -> Option<usize> {
        let t = lines[i].text;
        let c = adornment(t)?;
        let next = lines.get(i + 1).map(|l| l.text);
        if next.is_none_or(blank) {
            if t.chars().count() < 4 {
                return None;
            }
            self.last = Last::Transition;
            if nested {
                self.diag(
                    lines[i].no,
                    Level::Severe,
                    "Unexpected section title or transition.",
                );
            } else if before == Last::Start {
                let at = if self.level == 0 {
                    "document"
                } else {
                    "section"
                };
                self.diag(
                    lines[i].no,
                    Level::Warning,
                    format!("Transition at the start of the {at}."),
                );
            } else if before == Last::Transition {
                self.diag(
                    lines[i].no,
                    Level::Warning,
                    "At least one body element should separate transitions.",
                );
            }
            return Some(i + 1);
        }
        if t.chars().count() < 4 && lines.get(i + 2).map(|l| l.text) != Some(t) {
            return None;
        }
        let title = next.unwrap_or_default();
        match lines.get(i + 2).map(|l| l.text) {
            Some(under) if adornment(under).is_some() => {
                if under != t {
                    self.diag(
                        lines[i].no,
                        Level::Severe,
                        "Title overline & underline mismatch.",
                    );
                } else {
                    if width(title) > t.chars().count() {
                        self.diag(lines[i].no, Level::Warning, "Title overline too short.");
                    }
                    self.title(title, lines[i + 1].no, (c, true), nested);
                }
            }
            _ => self.diag(
                lines[i].no,
                Level::Severe,
                "Missing matching underline for section title overline.",
            ),
        }
        Some(i + 3)
    }

    /// A section title of `style` on `line`.
    fn title(&mut self, text: &str, line: usize, style: (char, bool), nested: bool) {
        self.rendered = true;
        if nested {
            self.diag(line, Level::Severe, "Unexpected section title.");
            return;
        }
        match self.styles.iter().position(|s| *s == style) {
            Some(k) if k + 1 > self.level + 1 => {
                self.diag(line, Level::Severe, "Title level inconsistent:");
            }
            Some(k) => self.level = k + 1,
            None => {
                let new = self.styles.len() + 1;
                if new > self.level + 1 {
                    self.diag(
                        line,
                        Level::Error,
                        format!(
                            "Inconsistent title style: skip from level {} to {new}.",
                            self.level
                        ),
                    );
                }
                self.styles.push(style);
                self.level = new;
            }
        }
        let name = normalize(text);
        self.refs.add_target(&name, None, line, false);
        self.text(text.trim(), line);
        self.last = Last::Start;
    }

    /// A paragraph, an underlined title, or a definition list.
    fn text_block(&mut self, lines: &[Line<'_>], i: usize, nested: bool) -> usize {
        self.rendered = true;
        let t = lines[i].text;
        if let Some(under) = lines.get(i + 1).map(|l| l.text)
            && let Some(c) = adornment(under)
        {
            let short = under.chars().count() < width(t);
            if !short || under.chars().count() >= 4 {
                if short {
                    self.diag(
                        lines[i + 1].no,
                        Level::Warning,
                        "Title underline too short.",
                    );
                }
                self.title(t, lines[i].no, (c, false), nested);
                return i + 2;
            }
        }
        if lines
            .get(i + 1)
            .is_some_and(|l| !blank(l.text) && indent(l.text) > 0)
        {
            return self.definition_list(lines, i);
        }
        let mut j = i + 1;
        while lines
            .get(j)
            .is_some_and(|l| !blank(l.text) && indent(l.text) == 0)
        {
            j += 1;
        }
        let text: Vec<&str> = lines[i..j].iter().map(|l| l.text).collect();
        let text = text.join("\n");
        self.text(&text, lines[i].no);
        if lines.get(j).is_some_and(|l| !blank(l.text)) {
            // Indented without a blank line.
            self.diag(lines[j].no, Level::Error, "Unexpected indentation.");
            let end = body_end(lines, j);
            self.body(&dedent(&lines[j..end], usize::MAX), true);
            self.needs_blank(
                lines,
                end,
                "Block quote ends without a blank line; unexpected unindent.",
            );
            return end;
        }
        if text.ends_with("::") {
            return self.literal_block(lines, j, lines[j - 1].no);
        }
        j
    }

    /// What follows a paragraph ending in `::` (from `from`, a blank line).
    fn literal_block(&mut self, lines: &[Line<'_>], from: usize, para_line: usize) -> usize {
        let mut k = from;
        while lines.get(k).is_some_and(|l| blank(l.text)) {
            k += 1;
        }
        match lines.get(k) {
            Some(l) if indent(l.text) > 0 => {
                let end = body_end(lines, k);
                self.needs_blank(
                    lines,
                    end,
                    "Literal block ends without a blank line; unexpected unindent.",
                );
                end
            }
            Some(l) if l.text.starts_with(|c: char| ADORNMENT.contains(c)) => {
                let q = l.text.chars().next().unwrap_or(' ');
                let mut end = k;
                while lines.get(end).is_some_and(|l| l.text.starts_with(q)) {
                    end += 1;
                }
                self.needs_blank(
                    lines,
                    end,
                    "Literal block ends without a blank line; unexpected unindent.",
                );
                end
            }
            Some(l) => {
                self.diag(l.no, Level::Warning, "Literal block expected; none found.");
                k
            }
            None => {
                self.diag(
                    para_line,
                    Level::Warning,
                    "Literal block expected; none found.",
                );
                k
            }
        }
    }

    /// A list item whose text starts at column `col` of line `i`: its body parsed, the index
    /// after it returned.
    fn item(&mut self, lines: &[Line<'_>], i: usize, col: usize, known: bool) -> usize {
        // A list item with text on its first line: its body is indented to that text
        // (docutils' known indentation); otherwise by any amount.
        let end = if known && !blank(lines[i].text.get(col..).unwrap_or("")) {
            known_end(lines, i + 1, col)
        } else {
            body_end(lines, i + 1)
        };
        let first = Line {
            no: lines[i].no,
            text: lines[i].text.get(col..).unwrap_or(""),
        };
        let mut block = vec![first];
        block.extend(dedent(&lines[i + 1..end], col.max(1)));
        self.body(&block, true);
        end
    }

    /// The next item of a list: the index of the line starting it, if `is_next` says the line
    /// after the blank lines from `end` starts one; else the warning when no blank line ends it.
    fn next_item(
        &mut self,
        lines: &[Line<'_>],
        end: usize,
        is_next: &dyn Fn(&str) -> bool,
        what: &str,
    ) -> Option<usize> {
        let mut k = end;
        while lines.get(k).is_some_and(|l| blank(l.text)) {
            k += 1;
        }
        let l = lines.get(k)?;
        if indent(l.text) == 0 && is_next(l.text) {
            return Some(k);
        }
        if k == end {
            self.diag(
                l.no,
                Level::Warning,
                format!("{what} ends without a blank line; unexpected unindent."),
            );
        }
        None
    }

    fn bullet_list(&mut self, lines: &[Line<'_>], mut i: usize, c: char) -> usize {
        self.rendered = true;
        loop {
            let col = c.len_utf8() + {
                let rest = &lines[i].text[c.len_utf8()..];
                rest.len() - rest.trim_start().len()
            };
            let end = self.item(lines, i, col, true);
            match self.next_item(lines, end, &|t| bullet(t) == Some(c), "Bullet list") {
                Some(k) => i = k,
                None => return end,
            }
        }
    }

    fn enumerated_list(&mut self, lines: &[Line<'_>], i: usize) -> Option<usize> {
        let t = lines[i].text;
        let (format, seq, ordinal, col) = enumerator(t, None)?;
        let expected = |ordinal: usize, seq: Seq| -> String {
            let inner = match seq {
                Seq::Arabic => ordinal.to_string(),
                Seq::LowerAlpha => char::from_u32(u32::try_from(ordinal).unwrap_or(0) + 96)
                    .map(String::from)
                    .unwrap_or_default(),
                Seq::UpperAlpha => char::from_u32(u32::try_from(ordinal).unwrap_or(0) + 64)
                    .map(String::from)
                    .unwrap_or_default(),
                Seq::LowerRoman => to_roman(ordinal),
                Seq::UpperRoman => to_roman(ordinal).to_uppercase(),
                Seq::Auto => "#".to_string(),
            };
            match format {
                Format::Period => format!("{inner}."),
                Format::Paren => format!("{inner})"),
                Format::Parens => format!("({inner})"),
            }
        };
        let starts_with = |s: &str, e: &str| {
            s.strip_prefix(e)
                .is_some_and(|r| r.is_empty() || r.starts_with(' '))
        };
        // docutils: the second line is blank, indented, or the next item; else text.
        if let Some(next) = lines.get(i + 1).map(|l| l.text)
            && !blank(next)
            && indent(next) == 0
            && !starts_with(next, &expected(ordinal + 1, seq))
            && !starts_with(next, &expected(0, Seq::Auto))
        {
            return None;
        }
        self.rendered = true;
        let (mut i, mut ordinal, mut col) = (i, ordinal, col);
        loop {
            let end = self.item(lines, i, col, true);
            let want = expected(ordinal + 1, seq);
            let auto = expected(0, Seq::Auto);
            let found = self.next_item(
                lines,
                end,
                &|t| starts_with(t, &want) || (seq == Seq::Auto && starts_with(t, &auto)),
                "Enumerated list",
            );
            match found.and_then(|k| enumerator(lines[k].text, Some(seq)).map(|e| (k, e))) {
                Some((k, (_, _, _, c))) => {
                    i = k;
                    ordinal += 1;
                    col = c;
                }
                None => return Some(end),
            }
        }
    }

    fn field_list(&mut self, lines: &[Line<'_>], mut i: usize) -> usize {
        self.rendered = true;
        loop {
            let col = field_marker(lines[i].text).unwrap_or(0);
            let name_end = lines[i].text[1..].find(':').map_or(1, |e| e + 1);
            self.text(&lines[i].text[1..name_end], lines[i].no);
            let end = self.item(lines, i, col, false);
            match self.next_item(lines, end, &|t| field_marker(t).is_some(), "Field list") {
                Some(k) => i = k,
                None => return end,
            }
        }
    }

    fn option_list(&mut self, lines: &[Line<'_>], mut i: usize) -> usize {
        self.rendered = true;
        loop {
            let col = option_marker(lines[i].text).unwrap_or(0);
            let end = self.item(lines, i, col, false);
            match self.next_item(
                lines,
                end,
                &|t| t.starts_with(['-', '/']) && bullet(t).is_none() && option_marker(t).is_some(),
                "Option list",
            ) {
                Some(k) => i = k,
                None => return end,
            }
        }
    }

    fn definition_list(&mut self, lines: &[Line<'_>], mut i: usize) -> usize {
        loop {
            let term = lines[i].text;
            let term = term.split(" : ").next().unwrap_or(term);
            self.text(term, lines[i].no);
            let end = body_end(lines, i + 1);
            self.body(&dedent(&lines[i + 1..end], usize::MAX), true);
            let is_term = |k: usize| {
                lines
                    .get(k)
                    .is_some_and(|l| indent(l.text) == 0 && !starts_construct(l.text))
                    && lines
                        .get(k + 1)
                        .is_some_and(|l| !blank(l.text) && indent(l.text) > 0)
            };
            let mut k = end;
            while lines.get(k).is_some_and(|l| blank(l.text)) {
                k += 1;
            }
            if is_term(k) {
                i = k;
                continue;
            }
            self.needs_blank(
                lines,
                end,
                "Definition list ends without a blank line; unexpected unindent.",
            );
            return end;
        }
    }

    fn line_block(&mut self, lines: &[Line<'_>], i: usize) -> usize {
        self.rendered = true;
        let mut j = i;
        while let Some(l) = lines.get(j) {
            let t = l.text;
            if t == "|" || t.starts_with("| ") {
                self.text(t[1..].trim(), l.no);
            } else if !blank(t) && indent(t) > 0 {
                self.text(t.trim(), l.no);
            } else {
                break;
            }
            j += 1;
        }
        self.needs_blank(lines, j, "Line block ends without a blank line.");
        j
    }

    fn grid_table(&mut self, lines: &[Line<'_>], i: usize) -> usize {
        self.rendered = true;
        let top = lines[i].text;
        let width = top.chars().count();
        let mut j = i;
        while lines.get(j).is_some_and(|l| l.text.starts_with(['+', '|'])) {
            j += 1;
        }
        let table = &lines[i..j];
        let malformed = |why: &str| format!("Malformed table.\n{why}");
        let aligned = table
            .iter()
            .all(|l| l.text.chars().count() == width && l.text.ends_with(['+', '|']));
        let Some(last) = table.last() else {
            return j;
        };
        if !aligned {
            let bad = table
                .iter()
                .find(|l| l.text.chars().count() != width || !l.text.ends_with(['+', '|']));
            let line = bad.map_or(lines[i].no, |l| l.no);
            self.diag(
                line,
                Level::Error,
                malformed("Right border not aligned or missing."),
            );
            return j;
        }
        if !grid_border(last.text) {
            self.diag(
                last.no,
                Level::Error,
                malformed("Bottom border missing or malformed."),
            );
            return j;
        }
        // Cell text by the top border's columns, row by row.
        let cols: Vec<usize> = top
            .char_indices()
            .filter(|(_, c)| *c == '+')
            .map(|(k, _)| k)
            .collect();
        let mut row: Vec<Vec<Line<'_>>> = vec![Vec::new(); cols.len().saturating_sub(1)];
        for l in table {
            if l.text.starts_with('+') {
                for cell in row.iter_mut() {
                    let taken = std::mem::take(cell);
                    self.body(&dedent(&taken, usize::MAX), true);
                }
                continue;
            }
            for (k, pair) in cols.windows(2).enumerate() {
                let text = l.text.get(pair[0] + 1..pair[1]).unwrap_or("");
                let Some(cell) = row.get_mut(k) else {
                    continue;
                };
                if !text.is_empty() && text.chars().all(|c| matches!(c, '-' | '=' | '+')) {
                    // A border below this cell only (the cells beside it span rows).
                    let taken = std::mem::take(cell);
                    self.body(&dedent(&taken, usize::MAX), true);
                } else {
                    cell.push(Line { no: l.no, text });
                }
            }
        }
        if lines.get(j).is_some_and(|l| !blank(l.text)) {
            self.diag(
                lines[j].no,
                Level::Warning,
                "Blank line required after table.",
            );
        }
        j
    }

    fn simple_table(&mut self, lines: &[Line<'_>], i: usize) -> usize {
        self.rendered = true;
        let border = lines[i].text;
        let mut j = i + 1;
        let end = loop {
            match lines.get(j) {
                None => {
                    self.diag(
                        lines[i].no,
                        Level::Error,
                        "Malformed table.\nNo bottom table border found or no blank line after table bottom.",
                    );
                    return j;
                }
                Some(l)
                    if simple_border(l.text) && lines.get(j + 1).is_none_or(|n| blank(n.text)) =>
                {
                    break j + 1;
                }
                Some(_) => j += 1,
            }
        };
        // Columns: the runs of '=' in the top border.
        let mut cols: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (k, c) in border
            .char_indices()
            .chain(std::iter::once((border.len(), ' ')))
        {
            match (c, start) {
                ('=', None) => start = Some(k),
                (' ', Some(s)) => {
                    cols.push((s, k));
                    start = None;
                }
                _ => {}
            }
        }
        for l in &lines[i + 1..end] {
            let t = l.text;
            if simple_border(t) || blank(t) || t.chars().all(|c| c == '-' || c == ' ') {
                continue;
            }
            for (k, pair) in cols.windows(2).enumerate() {
                let gap = t.get(pair[0].1..pair[1].0.min(t.len())).unwrap_or("");
                if !blank(gap) {
                    self.diag(
                        l.no,
                        Level::Error,
                        format!(
                            "Malformed table.\nText in column margin in table line {}.",
                            l.no - lines[i].no + 1
                        ),
                    );
                    return end;
                }
                let cell = t
                    .get(pair[0].0.min(t.len())..pair[0].1.min(t.len()))
                    .unwrap_or("");
                self.text(cell.trim(), l.no);
                if k + 2 == cols.len() {
                    self.text(t.get(pair[1].0.min(t.len())..).unwrap_or("").trim(), l.no);
                }
            }
            if cols.len() < 2 {
                self.text(t.trim(), l.no);
            }
        }
        end
    }

    /// `.. ` explicit markup (or `__ ` an anonymous target) at line `i`.
    fn explicit(&mut self, lines: &[Line<'_>], i: usize) -> usize {
        let end = body_end(lines, i + 1);
        let first = lines[i].text;
        let body = dedent(&lines[i + 1..end], usize::MAX);
        let line = lines[i].no;
        if first == "__" || first.starts_with("__ ") {
            self.refs.anonymous_targets += 1;
        } else {
            let rest = first.get(3..).unwrap_or("");
            self.explicit_construct(rest, &body, line);
        }
        if let Some(l) = lines
            .get(end)
            .filter(|l| !blank(l.text) && !explicit_start(l.text))
        {
            self.diag(
                l.no,
                Level::Warning,
                "Explicit markup ends without a blank line; unexpected unindent.",
            );
        }
        end
    }

    fn explicit_construct(&mut self, rest: &str, body: &[Line<'_>], line: usize) {
        if let Some(label) = rest.strip_prefix('[').and_then(|r| r.split_once(']'))
            && let Some(kind) = label_kind(label.0)
        {
            self.rendered = true;
            self.refs.footnotes.push(kind);
            let mut block = vec![Line {
                no: line,
                text: label.1.trim_start(),
            }];
            block.extend(body.iter().copied());
            self.body(&block, true);
            return;
        }
        if let Some(target) = rest.strip_prefix('_') {
            let (name, uri) = if let Some(quoted) = target.strip_prefix('`') {
                match quoted.split_once("`:") {
                    Some((n, u)) => (n.to_string(), u.to_string()),
                    None => (String::new(), String::new()),
                }
            } else {
                match split_target(target) {
                    Some((n, u)) => (n, u.to_string()),
                    None => return, // a comment
                }
            };
            let uri: String = std::iter::once(uri.trim())
                .chain(body.iter().map(|l| l.text.trim()))
                .collect::<Vec<_>>()
                .concat();
            if name == "_" {
                self.refs.anonymous_targets += 1;
            } else {
                let uri = (!uri.is_empty()).then_some(uri);
                self.refs.add_target(&normalize(&name), uri, line, true);
            }
            return;
        }
        if let Some(sub) = rest.strip_prefix('|')
            && let Some((name, def)) = sub.split_once('|')
            && !name.is_empty()
        {
            self.refs.add_substitution(name, line, &mut self.diags);
            let def = def.trim_start();
            if let Some((directive, args)) = directive_head(def) {
                self.directive(&directive, args, body, line, true);
            } else {
                self.diag(
                    line,
                    Level::Error,
                    format!("Substitution definition \"{name}\" missing contents."),
                );
            }
            return;
        }
        if let Some((directive, args)) = directive_head(rest) {
            self.directive(&directive, args, body, line, false);
        }
    }

    /// A directive `name` with its first-line `args` and `body` (dedented), read as docutils
    /// reads a directive block: arguments up to the first blank line, options from the first
    /// field marker among them, content after.
    fn directive(
        &mut self,
        name: &str,
        args: &str,
        body: &[Line<'_>],
        line: usize,
        substitution: bool,
    ) {
        let name = name.to_lowercase();
        if !DIRECTIVES.contains(&name.as_str()) {
            self.diag(
                line,
                Level::Error,
                format!("Unknown directive type \"{name}\"."),
            );
            return;
        }
        if matches!(name.as_str(), "raw" | "include") {
            self.diag(
                line,
                Level::Warning,
                format!("\"{name}\" directive disabled."),
            );
            return;
        }
        if !matches!(
            name.as_str(),
            "role" | "default-role" | "meta" | "title" | "target-notes"
        ) {
            self.rendered = true;
        }
        // docutils drops the first line when nothing follows the `::`.
        let mut block = if blank(args) {
            Vec::new()
        } else {
            vec![Line {
                no: line,
                text: args,
            }]
        };
        block.extend(body.iter().copied());
        let error = |p: &mut Self, what: String| {
            p.diag(
                line,
                Level::Error,
                format!("Error in \"{name}\" directive:\n{what}."),
            );
        };
        let Some(spec) = directives::spec(&name) else {
            self.other_directive(&name, args, &block, line, substitution);
            return;
        };
        let takes_args = spec.required + spec.optional > 0;
        let split = block
            .iter()
            .position(|l| blank(l.text))
            .unwrap_or(block.len());
        let (mut arg_block, mut content): (Vec<Line<'_>>, Vec<Line<'_>>) = (
            block[..split].to_vec(),
            block.get(split + 1..).unwrap_or(&[]).to_vec(),
        );
        // Options: from the first field marker of the argument block.
        let mut options: Vec<Line<'_>> = Vec::new();
        if let Some(k) = arg_block
            .iter()
            .position(|l| field_marker(l.text.trim()).is_some())
        {
            options = arg_block.split_off(k);
        }
        if !takes_args && !arg_block.iter().all(|l| blank(l.text)) {
            let mut c = std::mem::take(&mut arg_block);
            if split < block.len() {
                c.extend(block[split..].iter().copied());
            }
            content = c;
        }
        while content.first().is_some_and(|l| blank(l.text)) {
            content.remove(0);
        }
        let arg_text: Vec<&str> = arg_block.iter().map(|l| l.text).collect();
        let arg_text = arg_text.join("\n");
        let supplied = arg_text.split_whitespace().count();
        if supplied < spec.required {
            error(
                self,
                format!(
                    "{} argument(s) required, {supplied} supplied",
                    spec.required
                ),
            );
            return;
        }
        if supplied > spec.required + spec.optional && !spec.final_whitespace {
            error(
                self,
                format!(
                    "maximum {} argument(s) allowed, {supplied} supplied",
                    spec.required + spec.optional
                ),
            );
            return;
        }
        // The option block: field markers, each perhaps continued by indented lines.
        let mut option_names = Vec::new();
        for l in &options {
            let t = l.text.trim_start();
            if indent(l.text) > 0 && !option_names.is_empty() && field_marker(t).is_none() {
                continue;
            }
            let Some(col) = field_marker(t) else {
                error(self, "invalid option block".to_string());
                return;
            };
            let name_end = t[1..].find(':').map_or(1, |e| e + 1);
            let option = t[1..name_end].to_string();
            let value = t.get(col..).unwrap_or("").trim().to_string();
            option_names.push((option, value));
        }
        for (k, (option, value)) in option_names.iter().enumerate() {
            if option_names[..k].iter().any(|(o, _)| o == option) {
                error(
                    self,
                    format!("invalid option data: duplicate option \"{option}\""),
                );
                return;
            }
            if !spec.options.contains(&option.as_str()) {
                error(self, format!("unknown option: \"{option}\""));
                return;
            }
            if option == "align" && !directives::align_values(&name).contains(&value.as_str()) {
                error(
                    self,
                    format!("invalid option value: (option: \"align\"; value: '{value}')"),
                );
                return;
            }
        }
        match spec.content {
            None if !content.is_empty() => {
                error(self, "no content permitted".to_string());
                return;
            }
            Some(true) if content.is_empty() => {
                self.diag(
                    line,
                    Level::Error,
                    format!("Content block expected for the \"{name}\" directive; none found."),
                );
                return;
            }
            _ => {}
        }
        if name == "list-table"
            && let Some(why) = list_table_rows(&dedent(&content, usize::MAX))
        {
            self.diag(
                line,
                Level::Error,
                format!("Error parsing content block for the \"list-table\" directive: {why}."),
            );
            return;
        }
        if matches!(name.as_str(), "image" | "figure") {
            let uri: String = arg_block
                .iter()
                .map(|l| l.text.trim())
                .collect::<Vec<_>>()
                .concat();
            self.images.push(Image { line, uri });
        }
        match name.as_str() {
            "parsed-literal" => {
                let text: Vec<&str> = content.iter().map(|l| l.text).collect();
                self.text(&text.join("\n"), content.first().map_or(line, |l| l.no));
            }
            n if directives::BODY.contains(&n) => {
                if matches!(n, "admonition" | "topic" | "sidebar" | "table") {
                    self.text(arg_text.trim(), line);
                }
                self.body(&dedent(&content, usize::MAX), true);
            }
            _ => {}
        }
    }

    /// The directives chora checks by name only: what their content holds.
    fn other_directive(
        &mut self,
        name: &str,
        args: &str,
        block: &[Line<'_>],
        line: usize,
        substitution: bool,
    ) {
        let head_end = block
            .iter()
            .position(|l| blank(l.text))
            .unwrap_or(block.len());
        let options = &block[..head_end];
        if name == "csv-table"
            && options
                .iter()
                .any(|l| l.text.starts_with(":file:") || l.text.starts_with(":url:"))
        {
            self.diag(
                line,
                Level::Warning,
                "File and URL access deactivated; ignoring \"csv-table\" directive.",
            );
            return;
        }
        let content = block.get(head_end + 1..).unwrap_or(&[]);
        match name {
            "role" => {
                let role = args.split('(').next().unwrap_or("").trim().to_lowercase();
                if !role.is_empty() {
                    self.refs.roles.insert(role);
                }
            }
            "replace" if substitution => {
                let text: Vec<&str> = block.iter().map(|l| l.text).collect();
                self.text(text.join("\n").trim(), line);
            }
            "replace" => self.diag(
                line,
                Level::Error,
                "Invalid context: the \"replace\" directive can only be used within a substitution definition.",
            ),
            "line-block" => {
                let text: Vec<&str> = content.iter().map(|l| l.text).collect();
                self.text(&text.join("\n"), line + 1);
            }
            n if directives::BODY.contains(&n) => {
                let mut c: Vec<Line<'_>> = Vec::new();
                let first_options = block.iter().take_while(|l| field_marker(l.text).is_some()).count();
                c.extend(block.iter().skip(first_options).copied());
                self.body(&dedent(&c, usize::MAX), true);
            }
            _ => {}
        }
    }
}

/// A `list-table`'s content is a two-level bullet list with as many items in every row: why
/// not, when it is not.
fn list_table_rows(content: &[Line<'_>]) -> Option<String> {
    let mut rows: Vec<usize> = Vec::new();
    let mut col = 0;
    for l in content.iter().filter(|l| !blank(l.text)) {
        let t = l.text;
        if indent(t) == 0 {
            let c = bullet(t)?;
            let rest = &t[c.len_utf8()..];
            col = c.len_utf8() + rest.len() - rest.trim_start().len();
            rows.push(usize::from(bullet(rest.trim_start()).is_some()));
        } else if indent(t) == col
            && bullet(t.trim_start()).is_some()
            && let Some(n) = rows.last_mut()
        {
            *n += 1;
        }
    }
    let first = *rows.first()?;
    rows.iter().enumerate().find(|(_, n)| **n != first).map(|(k, n)| {
        format!(
            "uniform two-level bullet list expected, but row {} does not contain the same number of items as row 1 ({n} vs {first})",
            k + 1
        )
    })
}

/// A line that starts something other than a paragraph (for definition list terms).
fn starts_construct(t: &str) -> bool {
    explicit_start(t)
        || bullet(t).is_some()
        || enumerator(t, None).is_some()
        || field_marker(t).is_some()
        || grid_border(t)
        || simple_border(t)
        || adornment(t).is_some()
}

/// `name:: args` of a directive.
fn directive_head(s: &str) -> Option<(String, &str)> {
    let (name, rest) = s.split_once("::")?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:+".contains(c))
        || !(rest.is_empty() || rest.starts_with(' '))
    {
        return None;
    }
    Some((name.to_string(), rest.trim_start()))
}

/// `name: uri` of a hyperlink target (the colon not escaped, followed by a space or the end).
fn split_target(s: &str) -> Option<(String, &str)> {
    let mut escaped = false;
    for (k, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            ':' if s[k + 1..].is_empty() || s[k + 1..].starts_with(' ') => {
                return Some((s[..k].replace('\\', ""), &s[k + 1..]));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerators() {
        assert_eq!(
            enumerator("1. a", None).map(|e| (e.1, e.2)),
            Some((Seq::Arabic, 1))
        );
        assert_eq!(
            enumerator("(b) a", None).map(|e| (e.1, e.2)),
            Some((Seq::LowerAlpha, 2))
        );
        assert_eq!(
            enumerator("iv) a", None).map(|e| (e.1, e.2)),
            Some((Seq::LowerRoman, 4))
        );
        assert_eq!(enumerator("#. a", None).map(|e| e.1), Some(Seq::Auto));
        assert!(enumerator("1.5 a", None).is_none());
        assert!(enumerator("ab. x", None).is_none());
    }

    #[test]
    fn markers() {
        assert_eq!(field_marker(":a: b"), Some(4));
        assert!(field_marker(":code:`x`").is_none());
        assert!(field_marker(": a: b").is_none());
        assert!(option_marker("-a  text").is_some());
        assert!(option_marker("--file=NAME  text").is_some());
        // `-a ARG`: an option with its argument.
        assert!(option_marker("-a text").is_some());
        assert!(option_marker("-x5 more words").is_none());
        assert!(option_marker("- item").is_none());
    }
}
