//! Terminal prompts (inquire) for answers not given on the command line. Only used when stdin
//! and stderr are terminals.

use inquire::validator::Validation;
use inquire::{Confirm, InquireError, MultiSelect, Select, Text};

use super::answers::{self, AnswerValue};
use super::schema::{Question, QuestionType};

/// Why a prompt gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    /// Esc or Ctrl-C: the command stops (status 130); nothing has been written at that point.
    #[error("cancelled")]
    Cancelled,
    /// The answer was rejected, or the terminal failed.
    #[error("{0}")]
    Failed(String),
}

/// Ask one question, pre-filling `default`.
pub fn ask(question: &Question, default: Option<&AnswerValue>) -> Result<AnswerValue, PromptError> {
    let label = format!("{} ({})", question.help, question.name);
    let result = match question.kind {
        QuestionType::Bool => {
            let default = matches!(default, Some(AnswerValue::Bool(true)));
            Confirm::new(&label)
                .with_default(default)
                .prompt()
                .map(AnswerValue::Bool)
        }
        QuestionType::Choice => {
            let start = default
                .and_then(|d| question.choices.iter().position(|c| *c == d.to_cli()))
                .unwrap_or(0);
            Select::new(&label, question.choices.clone())
                .with_starting_cursor(start)
                .prompt()
                .map(AnswerValue::Str)
        }
        QuestionType::List => {
            let chosen: Vec<usize> = match default {
                Some(AnswerValue::List(items)) => question
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| items.contains(c))
                    .map(|(i, _)| i)
                    .collect(),
                _ => Vec::new(),
            };
            MultiSelect::new(&label, question.choices.clone())
                .with_default(&chosen)
                .prompt()
                .map(AnswerValue::List)
        }
        QuestionType::Str | QuestionType::Int => {
            let owned = question.clone();
            let default_text = default.map(AnswerValue::to_cli);
            let mut prompt = Text::new(&label).with_validator(move |input: &str| {
                let checked = answers::parse_text(&owned, input)
                    .and_then(|v| answers::validate(&owned, &v).map(|()| v));
                Ok(match checked {
                    Ok(_) => Validation::Valid,
                    Err(reason) => Validation::Invalid(reason.into()),
                })
            });
            if let Some(text) = default_text.as_deref() {
                prompt = prompt.with_default(text);
            }
            prompt
                .prompt()
                .map(|text| answers::parse_text(question, &text))
                .and_then(|r| r.map_err(|e| InquireError::Custom(e.into())))
        }
    };
    match result {
        Ok(value) => Ok(value),
        Err(InquireError::OperationCanceled | InquireError::OperationInterrupted) => {
            Err(PromptError::Cancelled)
        }
        Err(other) => Err(PromptError::Failed(other.to_string())),
    }
}
