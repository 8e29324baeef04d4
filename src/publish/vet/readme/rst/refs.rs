//! What a document defines (hyperlink targets, footnotes, citations, substitutions, roles) and
//! references, and the checks docutils' transforms make once the whole document is read:
//! unknown target names, indirect targets to nothing, anonymous reference/target counts,
//! footnote references without footnotes, undefined substitutions, duplicate targets.

use std::collections::{BTreeMap, BTreeSet};

use super::{Diag, Level};

/// A footnote or citation label, as `[label]` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// `[1]`
    Number(String),
    /// `[#]`
    Auto,
    /// `[#name]`
    AutoNamed(String),
    /// `[*]`
    Symbol,
    /// `[CIT2002]`
    Citation(String),
}

/// The kind of a `[label]`, or `None` when it is not a label.
pub fn label_kind(label: &str) -> Option<Label> {
    let simple = |s: &str| {
        !s.is_empty()
            && s.chars().next().is_some_and(char::is_alphanumeric)
            && s.chars()
                .all(|c| c.is_alphanumeric() || "-_.:+".contains(c))
    };
    Some(match label {
        "#" => Label::Auto,
        "*" => Label::Symbol,
        l if l.chars().all(|c| c.is_ascii_digit()) && !l.is_empty() => Label::Number(l.into()),
        l if l.starts_with('#') && simple(&l[1..]) => {
            Label::AutoNamed(super::inline::normalize(&l[1..]))
        }
        l if simple(l) => Label::Citation(super::inline::normalize(l)),
        _ => return None,
    })
}

/// Everything the document defines and references.
#[derive(Debug, Default)]
pub struct Refs {
    /// Named references (`name_`, `` `name`_ ``, `|name|_`, `<name_>`), normalised, by line.
    pub named: Vec<(String, usize)>,
    pub anonymous_refs: usize,
    pub anonymous_targets: usize,
    /// Target name -> (where it points: a URI, `name_` for an indirect one, `None` for an
    /// internal target or a title; the line; explicit `.. _name:`).
    pub targets: BTreeMap<String, Vec<(Option<String>, usize, bool)>>,
    pub footnotes: Vec<Label>,
    pub footnote_refs: Vec<(Label, usize)>,
    pub substitutions: BTreeSet<String>,
    pub substitution_refs: Vec<(String, usize)>,
    /// Roles defined with the `role` directive (lowercase).
    pub roles: BTreeSet<String>,
}

impl Refs {
    pub fn add_target(&mut self, name: &str, uri: Option<String>, line: usize, explicit: bool) {
        self.targets
            .entry(name.to_string())
            .or_default()
            .push((uri, line, explicit));
    }

    /// A `.. |name| …` definition; a second one of the same name is an error.
    pub fn add_substitution(&mut self, name: &str, line: usize, diags: &mut Vec<Diag>) {
        if !self.substitutions.insert(name.to_string()) {
            diags.push(Diag {
                line,
                level: Level::Error,
                message: format!("Duplicate substitution definition name: \"{name}\"."),
            });
        }
    }

    /// The checks of the whole document.
    pub fn resolve(&self, diags: &mut Vec<Diag>) {
        for (name, defs) in &self.targets {
            let explicit: Vec<&(Option<String>, usize, bool)> =
                defs.iter().filter(|d| d.2).collect();
            if let Some(second) = explicit.iter().skip(1).find(|d| d.0 != explicit[0].0) {
                diags.push(Diag {
                    line: second.1,
                    level: Level::Warning,
                    message: format!("Duplicate explicit target name: \"{name}\"."),
                });
            }
            for (uri, line, _) in defs {
                if let Some(to) = uri.as_deref().and_then(|u| u.strip_suffix('_'))
                    && !u_is_uri(to)
                    && !self.targets.contains_key(to)
                {
                    diags.push(Diag {
                        line: *line,
                        level: Level::Error,
                        message: format!(
                            "Indirect hyperlink target \"{name}\" refers to target \"{to}\", which does not exist."
                        ),
                    });
                }
            }
        }
        let citations: BTreeSet<&str> = self
            .footnotes
            .iter()
            .filter_map(|l| match l {
                Label::Citation(n) | Label::AutoNamed(n) | Label::Number(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        for (name, line) in &self.named {
            if !self.targets.contains_key(name) && !citations.contains(name.as_str()) {
                diags.push(unknown(name, *line));
            }
        }
        if self.anonymous_refs != self.anonymous_targets {
            diags.push(Diag {
                line: 1,
                level: Level::Error,
                message: format!(
                    "Anonymous hyperlink mismatch: {} references but {} targets.",
                    self.anonymous_refs, self.anonymous_targets
                ),
            });
        }
        let count = |want: fn(&Label) -> bool| self.footnotes.iter().filter(|l| want(l)).count();
        let autos = count(|l| matches!(l, Label::Auto | Label::AutoNamed(_)));
        let symbols = count(|l| matches!(l, Label::Symbol));
        let (mut auto_refs, mut symbol_refs) = (0, 0);
        for (label, line) in &self.footnote_refs {
            match label {
                Label::Auto => {
                    auto_refs += 1;
                    if auto_refs > autos {
                        diags.push(Diag {
                            line: *line,
                            level: Level::Error,
                            message: format!(
                                "Too many autonumbered footnote references: only {autos} corresponding footnotes available."
                            ),
                        });
                    }
                }
                Label::Symbol => {
                    symbol_refs += 1;
                    if symbol_refs > symbols {
                        diags.push(Diag {
                            line: *line,
                            level: Level::Error,
                            message: format!(
                                "Too many symbol footnote references: only {symbols} corresponding footnotes available."
                            ),
                        });
                    }
                }
                Label::Number(n) | Label::AutoNamed(n) | Label::Citation(n) => {
                    if !self.footnotes.contains(label) {
                        diags.push(unknown(n, *line));
                    }
                }
            }
        }
        for (name, line) in &self.substitution_refs {
            let known = self.substitutions.contains(name)
                || self
                    .substitutions
                    .iter()
                    .any(|s| s.to_lowercase() == name.to_lowercase());
            if !known {
                diags.push(Diag {
                    line: *line,
                    level: Level::Error,
                    message: format!("Undefined substitution referenced: \"{name}\"."),
                });
            }
        }
    }
}

/// `http://x_`-like: a URI ending in `_` is not an indirect target.
fn u_is_uri(text: &str) -> bool {
    text.contains("://") || text.starts_with("mailto:")
}

fn unknown(name: &str, line: usize) -> Diag {
    Diag {
        line,
        level: Level::Error,
        message: format!("Unknown target name: \"{name}\"."),
    }
}
