//! A reStructuredText checker with PyPI's strictness: what docutils reports at WARNING or
//! above while readme_renderer renders a description (it halts at level 2, so any of these
//! refuses the upload). Not a renderer: it parses enough structure (sections, lists, tables,
//! explicit markup, literal blocks) to find what docutils would complain about, with its line
//! and docutils' wording.

mod block;
mod directives;
pub mod inline;
pub mod refs;

/// docutils' system message levels that stop readme_renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
    Severe,
}

impl Level {
    /// As docutils prints it: `WARNING/2`, `ERROR/3`, `SEVERE/4`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Warning => "WARNING/2",
            Level::Error => "ERROR/3",
            Level::Severe => "SEVERE/4",
        }
    }
}

/// One problem docutils would report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    /// 1-based line in the text.
    pub line: usize,
    pub level: Level,
    pub message: String,
}

/// An image a directive points at (`image`, `figure`, an image substitution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub line: usize,
    pub uri: String,
}

/// What checking a document found.
#[derive(Debug, Default)]
pub struct Checked {
    /// In document order, then the whole-document checks.
    pub diags: Vec<Diag>,
    pub images: Vec<Image>,
}

/// Check `text` as readme_renderer renders it.
pub fn check(text: &str) -> Checked {
    let lines: Vec<String> = text.lines().map(expand_tabs).collect();
    let numbered: Vec<block::Line<'_>> = lines
        .iter()
        .enumerate()
        .map(|(i, t)| block::Line {
            no: i + 1,
            text: t.as_str(),
        })
        .collect();
    let mut parser = block::Parser::default();
    parser.document(&numbered);
    let mut diags = std::mem::take(&mut parser.diags);
    parser.refs.resolve(&mut diags);
    if diags.is_empty() && !parser.rendered {
        diags.push(Diag {
            line: 1,
            level: Level::Severe,
            message: "No content rendered from RST source.".into(),
        });
    }
    Checked {
        diags,
        images: parser.images,
    }
}

/// Tabs to spaces at 8-column stops (as docutils reads), trailing white space dropped.
fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    let keep = out.trim_end().len();
    out.truncate(keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_descriptions_are_checked_in_linear_time_and_bounded_depth() {
        // 100,000 unclosed start-strings in one paragraph, then 1,000 nested block quotes (0.5 MB: each
        // level reads what is below it, up to the depth limit).
        let mut text = "*a ``b `c |d ".repeat(25_000);
        text.push_str("\n\n");
        for depth in 0..1_000 {
            text.push_str(&" ".repeat(depth + 1));
            text.push_str("quote\n\n");
        }
        let started = std::time::Instant::now();
        let checked = check(&text);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
        assert_eq!(checked.diags.len(), 100_000);
        assert!(checked.diags.iter().all(|d| d.line == 1));
    }
}
