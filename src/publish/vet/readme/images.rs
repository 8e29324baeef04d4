//! Image links of a description, and which are relative (broken on PyPI, where the
//! repository's files are not): Markdown `![alt](src)`, `![alt][ref]` with `[ref]: src`, and
//! HTML `<img src="…">`; reStructuredText images come from [`super::rst`]'s directives.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_lite::Regex;

/// One image link, by its line in the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub line: usize,
    pub uri: String,
}

/// A link without a scheme (`https:`, `data:`) and not protocol-relative (`//host`).
pub fn is_relative(uri: &str) -> bool {
    let uri = uri.trim();
    if uri.is_empty() || uri.starts_with("//") || uri.starts_with('#') {
        return false;
    }
    match uri.split_once(':') {
        Some((scheme, _)) => {
            !(scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        }
        None => true,
    }
}

struct Patterns {
    inline: Regex,
    reference: Regex,
    definition: Regex,
    img: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        Some(Patterns {
            inline: Regex::new(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)").ok()?,
            reference: Regex::new(r"!\[([^\]]*)\]\[([^\]]*)\]").ok()?,
            definition: Regex::new(r"^ {0,3}\[([^\]]+)\]:\s*<?([^\s>]+)").ok()?,
            img: Regex::new(r#"(?i)<img\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)"#).ok()?,
        })
    })
    .as_ref()
}

/// The images of a Markdown description (fenced code blocks left out).
pub fn markdown(text: &str) -> Vec<Image> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut definitions: BTreeMap<String, String> = BTreeMap::new();
    let mut references: Vec<(usize, String)> = Vec::new();
    let mut fence: Option<&str> = None;
    for (k, line) in text.lines().enumerate() {
        let no = k + 1;
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(if trimmed.starts_with('`') {
                "```"
            } else {
                "~~~"
            });
            continue;
        }
        for c in p.inline.captures_iter(line) {
            if let Some(m) = c.get(1) {
                out.push(Image {
                    line: no,
                    uri: m.as_str().to_string(),
                });
            }
        }
        for c in p.img.captures_iter(line) {
            if let Some(m) = c.get(1) {
                out.push(Image {
                    line: no,
                    uri: m.as_str().to_string(),
                });
            }
        }
        for c in p.reference.captures_iter(line) {
            let label = c.get(2).filter(|m| !m.as_str().is_empty()).or(c.get(1));
            if let Some(m) = label {
                references.push((no, m.as_str().to_lowercase()));
            }
        }
        if let Some(c) = p.definition.captures(line)
            && let (Some(label), Some(uri)) = (c.get(1), c.get(2))
        {
            definitions.insert(label.as_str().to_lowercase(), uri.as_str().to_string());
        }
    }
    for (line, label) in references {
        if let Some(uri) = definitions.get(&label) {
            out.push(Image {
                line,
                uri: uri.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_or_not() {
        for rel in [
            "docs/a.png",
            "./a.png",
            "../a.png",
            "a.svg?raw=true",
            "/static/a.png",
        ] {
            assert!(is_relative(rel), "{rel}");
        }
        for abs in [
            "https://x/a.png",
            "http://x",
            "data:image/png;base64,AA",
            "//cdn/a.png",
        ] {
            assert!(!is_relative(abs), "{abs}");
        }
    }

    #[test]
    fn markdown_images() {
        let text = "![a](docs/a.png) <img src=\"b.png\" width=3>\n\n```\n![c](c.png)\n```\n![d][logo]\n\n[logo]: https://x/d.png\n";
        let uris: Vec<String> = markdown(text).into_iter().map(|i| i.uri).collect();
        assert_eq!(uris, ["docs/a.png", "b.png", "https://x/d.png"]);
    }
}
