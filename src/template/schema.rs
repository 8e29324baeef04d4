//! The `template.yml` schema: the questions a template asks and how its paths are owned.

use indexmap::IndexMap;
use serde::Deserialize;

/// A parsed `template.yml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Template name, e.g. `python-package`.
    pub name: String,
    /// One-line description shown by `chora new --help` and docs.
    pub description: String,
    /// Questions, asked in order; later defaults may use earlier answers.
    pub questions: Vec<Question>,
    /// Checks across answers, evaluated once every answer is known.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Globs over output paths that chora owns (drift is reported); the rest are seeds.
    #[serde(default)]
    pub managed: Vec<String>,
    /// Template source path -> condition (minijinja expression) for generating it.
    #[serde(default)]
    pub when: IndexMap<String, String>,
}

/// The type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    Str,
    Bool,
    Int,
    Choice,
    List,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::Str => "str",
            QuestionType::Bool => "bool",
            QuestionType::Int => "int",
            QuestionType::Choice => "choice",
            QuestionType::List => "list",
        }
    }
}

/// One question of a template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub help: String,
    /// Example value shown in the missing-answer error.
    #[serde(default)]
    pub example: Option<String>,
    /// A value, or a minijinja template rendered with the earlier answers.
    #[serde(default)]
    pub default: Option<yaml_serde::Value>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// Take `choices` from a table chora embeds instead: `python_releases` (the supported
    /// Python versions of `data/python-versions.tsv`).
    #[serde(default)]
    pub choices_from: Option<String>,
    /// Further values accepted only as answers recorded by an earlier run (filled from
    /// `choices_from`: the end-of-life Python versions).
    #[serde(skip)]
    pub recorded_choices: Vec<String>,
    #[serde(default)]
    pub validator: Option<Validator>,
    /// A minijinja expression over earlier answers; the question is asked only when it holds.
    #[serde(default)]
    pub when: Option<String>,
    /// Secret answers are never written to the answers file.
    #[serde(default)]
    pub secret: bool,
}

/// Validation of a string answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    pub regex: String,
    pub message: String,
    /// Values refused even though they match the regex.
    #[serde(default)]
    pub forbid: Vec<String>,
    #[serde(default)]
    pub forbid_message: Option<String>,
    /// Refuse top-level module names of Python's standard library (`data/stdlib-modules.txt`):
    /// a package named like one is hidden by it.
    #[serde(default)]
    pub not_stdlib: bool,
    /// `regex`, compiled once.
    #[serde(skip)]
    compiled: std::sync::OnceLock<regex_lite::Regex>,
}

impl Validator {
    pub fn new(regex: &str, message: &str) -> Self {
        Validator {
            regex: regex.to_string(),
            message: message.to_string(),
            forbid: Vec::new(),
            forbid_message: None,
            not_stdlib: false,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// The compiled `regex`.
    pub fn compiled(&self) -> Result<&regex_lite::Regex, String> {
        if let Some(re) = self.compiled.get() {
            return Ok(re);
        }
        let re = regex_lite::Regex::new(&self.regex).map_err(|e| e.to_string())?;
        Ok(self.compiled.get_or_init(|| re))
    }

    /// With `not_stdlib`, refuse `value` (the answer to question `key`) when it names a module
    /// of Python's standard library, saying why and what to pass instead.
    pub fn check_not_stdlib(&self, key: &str, value: &str) -> Result<(), String> {
        if !self.not_stdlib || !crate::template::stdlib::is_stdlib_module(value) {
            return Ok(());
        }
        let stem = value.trim_start_matches('_');
        Err(format!(
            "{value:?} is a module of Python's standard library: Python's own `{value}` module \
             would hide the package (`import {value}` finds the standard library's first), so \
             pytest fails at collection; choose another import name, e.g. \
             --data {key}={stem}_pkg or --data {key}=py{stem}"
        ))
    }
}

/// A check across answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub expr: String,
    pub message: String,
}

impl TemplateSpec {
    /// Parse `template.yml` text and check it is internally consistent.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut spec: TemplateSpec = super::yaml::parse(text).map_err(|e| e.to_string())?;
        for q in &mut spec.questions {
            let Some(table) = &q.choices_from else {
                continue;
            };
            if table != super::python::NAME {
                return Err(format!(
                    "question {:?}: `choices_from: {table}` names no table chora knows (only {})",
                    q.name,
                    super::python::NAME
                ));
            }
            if !q.choices.is_empty() {
                return Err(format!(
                    "question {:?} has both `choices` and `choices_from`; keep one",
                    q.name
                ));
            }
            q.choices = super::python::supported();
            q.recorded_choices = super::python::end_of_life();
        }
        spec.check_consistency()?;
        Ok(spec)
    }

    pub fn question(&self, name: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.name == name)
    }

    fn check_consistency(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for q in &self.questions {
            if !seen.insert(q.name.as_str()) {
                return Err(format!("question {:?} is declared twice", q.name));
            }
            let identifier = q
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && q.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !identifier {
                return Err(format!(
                    "question name {:?} is not an identifier (lowercase letters, digits and '_', not starting with a digit)",
                    crate::text::excerpt(&q.name, 60)
                ));
            }
            if crate::template::resolve::BUILTIN_NAMES.contains(&q.name.as_str()) {
                return Err(format!(
                    "question {:?} is named like one of chora's own template values ({}); rename it",
                    q.name,
                    crate::template::resolve::BUILTIN_NAMES.join(", ")
                ));
            }
            if crate::template::env::RESERVED_NAMES.contains(&q.name.as_str()) {
                return Err(format!(
                    "question {:?} is named like a GitHub Actions context; rename it",
                    q.name
                ));
            }
            let needs_choices = matches!(q.kind, QuestionType::Choice | QuestionType::List);
            if needs_choices && q.choices.is_empty() {
                return Err(format!("question {:?} needs `choices`", q.name));
            }
            if let Some(v) = &q.validator {
                v.compiled()
                    .map_err(|e| format!("question {:?}: bad validator regex: {e}", q.name))?;
            }
        }
        for glob in &self.managed {
            globset::Glob::new(glob).map_err(|e| format!("bad managed glob {glob:?}: {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with_question(name: &str) -> String {
        format!(
            "name: t\ndescription: t\nquestions:\n  - name: '{name}'\n    type: str\n    help: h\n"
        )
    }

    #[test]
    fn question_names_are_identifiers_and_not_chora_names() {
        assert!(TemplateSpec::parse(&spec_with_question("ok_name2")).is_ok());
        let mut refused = 0;
        for (name, says) in [
            ("bad-name", "not an identifier"),
            ("{{x}}", "not an identifier"),
            ("2x", "not an identifier"),
            ("chora_version", "chora's own template values"),
            ("secrets", "GitHub Actions context"),
        ] {
            let err = TemplateSpec::parse(&spec_with_question(name)).unwrap_err();
            assert!(err.contains(says), "{name}: {err}");
            refused += 1;
        }
        assert_eq!(refused, 5);
    }
}
