//! Answer values: parsing from `--data`, data files and defaults, and validation against a
//! question.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::schema::{Question, QuestionType};

/// One answer, typed by its question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

impl AnswerValue {
    /// How the value is written on a command line (`--data key=<this>`).
    pub fn to_cli(&self) -> String {
        match self {
            AnswerValue::Bool(b) => b.to_string(),
            AnswerValue::Int(i) => i.to_string(),
            AnswerValue::Str(s) => s.clone(),
            AnswerValue::List(items) => items.join(","),
        }
    }

    pub fn to_minijinja(&self) -> minijinja::Value {
        match self {
            AnswerValue::Bool(b) => minijinja::Value::from(*b),
            AnswerValue::Int(i) => minijinja::Value::from(*i),
            AnswerValue::Str(s) => minijinja::Value::from(s.as_str()),
            AnswerValue::List(items) => minijinja::Value::from(items.clone()),
        }
    }
}

/// Answers in question order.
pub type Answers = IndexMap<String, AnswerValue>;

/// Parse text (a `--data` value or a rendered default) into the question's type.
pub fn parse_text(question: &Question, text: &str) -> Result<AnswerValue, String> {
    let text = text.trim_matches(|c| c == '\n' || c == '\r');
    match question.kind {
        QuestionType::Str | QuestionType::Choice => Ok(AnswerValue::Str(text.to_string())),
        QuestionType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" | "1" => Ok(AnswerValue::Bool(true)),
            "false" | "no" | "n" | "off" | "0" => Ok(AnswerValue::Bool(false)),
            _ => Err(format!(
                "{text:?} is not a yes/no value (use true or false)"
            )),
        },
        QuestionType::Int => text
            .trim()
            .parse::<i64>()
            .map(AnswerValue::Int)
            .map_err(|_| format!("{text:?} is not a whole number")),
        QuestionType::List => Ok(AnswerValue::List(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )),
    }
}

/// Convert a YAML value (from a data file or a literal default) into the question's type.
pub fn from_yaml(question: &Question, value: &yaml_serde::Value) -> Result<AnswerValue, String> {
    use yaml_serde::Value as Y;
    match (question.kind, value) {
        (QuestionType::Bool, Y::Bool(b)) => Ok(AnswerValue::Bool(*b)),
        (QuestionType::Int, Y::Number(n)) => n
            .as_i64()
            .map(AnswerValue::Int)
            .ok_or_else(|| format!("{n} is not a whole number")),
        // `python_min: 3.10` is the float 3.1 to YAML: say so instead of answering "3.1".
        (QuestionType::Str | QuestionType::Choice, Y::Number(n)) if n.is_f64() => Err(format!(
            "read by YAML as the number {n}; quote the value to keep it as written (e.g. {}: \"{}\")",
            question.name,
            question
                .example
                .clone()
                // The choice YAML reads as this number (`3.10` for 3.1).
                .or_else(|| {
                    question
                        .choices
                        .iter()
                        .chain(&question.recorded_choices)
                        .find(|c| c.parse::<f64>().ok() == n.as_f64())
                        .cloned()
                })
                .or_else(|| match &question.default {
                    Some(Y::String(d)) if !d.contains("{{") => Some(d.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| n.to_string())
        )),
        (QuestionType::List, Y::Sequence(items)) => items
            .iter()
            .map(|item| scalar_text(item).ok_or_else(|| "list items must be scalars".to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(AnswerValue::List),
        (_, other) => match scalar_text(other) {
            Some(text) => parse_text(question, &text),
            None => Err(format!(
                "expected a {} value, found a YAML {}",
                question.kind.as_str(),
                yaml_kind(other)
            )),
        },
    }
}

fn scalar_text(value: &yaml_serde::Value) -> Option<String> {
    use yaml_serde::Value as Y;
    match value {
        Y::String(s) => Some(s.clone()),
        Y::Bool(b) => Some(b.to_string()),
        Y::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn yaml_kind(value: &yaml_serde::Value) -> &'static str {
    use yaml_serde::Value as Y;
    match value {
        Y::Null => "null",
        Y::Bool(_) => "bool",
        Y::Number(_) => "number",
        Y::String(_) => "string",
        Y::Sequence(_) => "list",
        Y::Mapping(_) => "mapping",
        Y::Tagged(_) => "tagged value",
    }
}

/// Why `value` is refused as a choice of `question`: an end-of-life Python version (one of the
/// `recorded_choices`, accepted only as a recorded answer) says so.
fn not_a_choice(question: &Question, value: &str) -> String {
    let choices = question.choices.join(", ");
    if question.recorded_choices.iter().any(|c| c == value) {
        let since = crate::template::python::end_of_life_date(value)
            .map(|d| format!(" since {d}"))
            .unwrap_or_default();
        format!(
            "Python {value} is end of life{since}: new answers take a supported version ({choices}); a project that recorded it keeps it"
        )
    } else {
        format!("{value:?} is not one of: {choices}")
    }
}

/// Check a typed answer against its question: choices and the validator.
pub fn validate(question: &Question, value: &AnswerValue) -> Result<(), String> {
    let texts: Vec<&str> = match value {
        AnswerValue::Str(s) => vec![s.as_str()],
        AnswerValue::List(items) => items.iter().map(String::as_str).collect(),
        AnswerValue::Bool(_) | AnswerValue::Int(_) => Vec::new(),
    };
    for text in texts {
        check_plain_text(text)?;
    }
    match (question.kind, value) {
        (QuestionType::Choice, AnswerValue::Str(s)) => {
            if !question.choices.iter().any(|c| c == s) {
                return Err(not_a_choice(question, s));
            }
        }
        (QuestionType::List, AnswerValue::List(items)) => {
            for item in items {
                if !question.choices.is_empty() && !question.choices.iter().any(|c| c == item) {
                    return Err(not_a_choice(question, item));
                }
            }
            let mut sorted = items.clone();
            sorted.dedup();
            if sorted.len() != items.len() {
                return Err("a value is listed twice".to_string());
            }
        }
        (QuestionType::Str, AnswerValue::Str(_))
        | (QuestionType::Bool, AnswerValue::Bool(_))
        | (QuestionType::Int, AnswerValue::Int(_)) => {}
        (kind, other) => {
            return Err(format!(
                "expected a {} value, got {:?}",
                kind.as_str(),
                other.to_cli()
            ));
        }
    }
    if let Some(validator) = &question.validator {
        let text = value.to_cli();
        if !validator.compiled()?.is_match(&text) {
            return Err(format!("{text:?}: {}", validator.message));
        }
        if validator.forbid.iter().any(|f| f == &text) {
            let why = validator
                .forbid_message
                .as_deref()
                .unwrap_or("is not allowed");
            return Err(format!("{text:?} {why}"));
        }
        validator.check_not_stdlib(&question.name, &text)?;
    }
    Ok(())
}

/// Longest answer accepted, in characters: answers become file and folder names
/// (`src/<package_name>/`, `tests/test_<package_name>.py`) and a name over 255 bytes fails half-way.
pub const MAX_ANSWER_CHARS: usize = 200;

/// An answer is one line of printable text of at most [`MAX_ANSWER_CHARS`] characters: control
/// characters (ESC, NUL, DEL, new lines…) would reach generated TOML, YAML and terminals raw.
fn check_plain_text(text: &str) -> Result<(), String> {
    let count = text.chars().count();
    if count > MAX_ANSWER_CHARS {
        return Err(format!(
            "{count} characters is longer than the {MAX_ANSWER_CHARS} an answer may have ({}…)",
            crate::text::excerpt(text, 40)
        ));
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{:?} contains the control character U+{:04X}; answers are one line of printable text",
            crate::text::excerpt(text, 60),
            u32::from(c)
        ));
    }
    Ok(())
}

/// Parse `KEY=VALUE` from `--data`.
pub fn split_data_arg(arg: &str) -> Result<(&str, &str), String> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        _ => Err(format!(
            "--data {arg:?} is not KEY=VALUE (e.g. --data project_name=my-package)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::schema::Validator;

    fn question(kind: QuestionType) -> Question {
        Question {
            name: "q".into(),
            kind,
            help: "h".into(),
            example: None,
            default: None,
            choices: vec![],
            validator: None,
            when: None,
            secret: false,
            choices_from: None,
            recorded_choices: vec![],
        }
    }

    #[test]
    fn parses_each_type() {
        assert_eq!(
            parse_text(&question(QuestionType::Bool), "yes"),
            Ok(AnswerValue::Bool(true))
        );
        assert!(parse_text(&question(QuestionType::Bool), "maybe").is_err());
        assert_eq!(
            parse_text(&question(QuestionType::Int), "65"),
            Ok(AnswerValue::Int(65))
        );
        assert_eq!(
            parse_text(&question(QuestionType::List), "3.12, 3.13,"),
            Ok(AnswerValue::List(vec!["3.12".into(), "3.13".into()]))
        );
    }

    #[test]
    fn choice_outside_the_list_is_rejected() {
        let mut q = question(QuestionType::Choice);
        q.choices = vec!["oidc".into(), "token".into()];
        let err = validate(&q, &AnswerValue::Str("password".into())).unwrap_err();
        assert!(err.contains("oidc, token"), "{err}");
    }

    #[test]
    fn validator_regex_and_forbid() {
        let mut q = question(QuestionType::Str);
        let mut validator = Validator::new("^[a-z_]+$", "lowercase only");
        validator.forbid = vec!["class".into()];
        validator.forbid_message = Some("is a keyword".into());
        q.validator = Some(validator);
        assert!(validate(&q, &AnswerValue::Str("ok_name".into())).is_ok());
        assert!(
            validate(&q, &AnswerValue::Str("Bad".into()))
                .unwrap_err()
                .contains("lowercase only")
        );
        assert!(
            validate(&q, &AnswerValue::Str("class".into()))
                .unwrap_err()
                .contains("keyword")
        );
    }

    #[test]
    fn data_arg_needs_equals() {
        assert_eq!(split_data_arg("a=b=c"), Ok(("a", "b=c")));
        assert!(split_data_arg("novalue").is_err());
        assert!(split_data_arg("=x").is_err());
    }
}
