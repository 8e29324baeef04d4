//! Gathering what generation needs from the user and the machine: given answers (`--data`,
//! `--data-file`), facts for defaults, whether prompting is possible, and how answer problems
//! are reported.

use std::io::IsTerminal;
use std::path::Path;

use indexmap::IndexMap;

use crate::template::env::Facts;
use crate::template::resolve::{Given, Problem};

/// Why the given answers could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("--data-file: {0}")]
    DataFileRead(crate::fs::ReadError),
    /// `reason` is a short, escaped excerpt of the parser's message.
    #[error("--data-file {} is not valid: {reason}", path.display())]
    DataFileInvalid {
        path: std::path::PathBuf,
        reason: String,
    },
    /// A `--data` argument that is not `KEY=VALUE`.
    #[error("{0}")]
    DataArg(String),
    /// Missing or rejected answers, all of them (`prompted`: a terminal was there to ask on).
    #[error("{}", problems_text(problems, *prompted))]
    Answers {
        problems: Vec<Problem>,
        prompted: bool,
    },
    /// The chora-cli releases file (`CHORA_RELEASES_FILE`) is unreadable or invalid.
    #[error(transparent)]
    Runtime(#[from] crate::template::runtime::RuntimeError),
    /// The user cancelled a prompt (Esc, Ctrl-C); nothing has been written.
    #[error("cancelled; nothing was written")]
    Cancelled,
}

impl InputError {
    /// The error for answer problems from resolution.
    pub fn from_problems(problems: Vec<Problem>, prompted: bool) -> Self {
        if problems.contains(&Problem::Cancelled) {
            InputError::Cancelled
        } else {
            InputError::Answers { problems, prompted }
        }
    }
}

/// Merge `--data-file` (first) and `--data` (wins) into given answers.
pub fn given_answers(
    data_file: Option<&Path>,
    data: &[String],
) -> Result<IndexMap<String, Given>, InputError> {
    let mut given = IndexMap::new();
    if let Some(path) = data_file {
        let text =
            crate::fs::read_regular_text(path, crate::fs::limits::DATA_FILE, "a --data-file")
                .map_err(InputError::DataFileRead)?;
        let parsed: IndexMap<String, yaml_serde::Value> = crate::template::yaml::parse(&text)
            .map_err(|e| InputError::DataFileInvalid {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        for (key, value) in parsed {
            given.insert(key, Given::Yaml(value));
        }
    }
    let mut on_command_line = std::collections::HashSet::new();
    for arg in data {
        let (key, value) =
            crate::template::answers::split_data_arg(arg).map_err(InputError::DataArg)?;
        if !on_command_line.insert(key.to_string()) {
            return Err(InputError::DataArg(format!(
                "--data {} is given twice; give each answer once",
                crate::text::excerpt(key, 80)
            )));
        }
        given.insert(key.to_string(), Given::Text(value.to_string()));
    }
    Ok(given)
}

/// Facts defaults may use: git identity, the GitHub remote around `dest`, its name, the year,
/// and the release rendered (with the runtime its workflows install).
pub fn facts(dest: &Path) -> Result<Facts, InputError> {
    let dest_name = std::path::absolute(dest)
        .ok()
        .and_then(|p| {
            p.components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                    _ => None,
                })
                .next_back()
        })
        .unwrap_or_default();
    Ok(Facts {
        git_config: crate::git::config_values(&["user.name", "user.email"]),
        remote: crate::git::discover(dest).and_then(|r| crate::git::github_remote(&r)),
        dest_name,
        current_year: current_year(),
        release: crate::template::env::Release::current()?,
    })
}

/// True when both stdin and stderr are terminals, so prompting is possible.
pub fn can_prompt() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    year_from_days(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// Civil year of a day count since 1970-01-01 (proleptic Gregorian).
fn year_from_days(days: i64) -> i32 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    i32::try_from(year).unwrap_or(1970)
}

/// Answer problems reported together: what is missing or wrong, and how to pass it.
pub fn problems_text(problems: &[Problem], prompted: bool) -> String {
    let mut missing = Vec::new();
    let mut lines = Vec::new();
    for problem in problems {
        match problem {
            Problem::Missing { key, help, example } => missing.push((key, help, example)),
            Problem::Invalid {
                key,
                reason,
                derived,
            } => {
                let note = if *derived {
                    " (this is the derived default; pass a value with --data)"
                } else {
                    ""
                };
                lines.push(format!("  {key}: invalid: {reason}{note}"));
            }
            Problem::Unknown { key, known } => {
                lines.push(format!(
                    "  {key}: not a question of this template (questions: {})",
                    known.join(", ")
                ));
            }
            Problem::Check { message } => lines.push(format!("  {message}")),
            Problem::Cancelled => lines.push("  cancelled at a prompt".to_string()),
        }
    }
    let mut message = String::new();
    if !missing.is_empty() {
        let why = if prompted {
            ""
        } else {
            " and there is no terminal to ask for them"
        };
        message.push_str(&format!(
            "{} answer{} missing{why}:\n",
            missing.len(),
            if missing.len() == 1 { " is" } else { "s are" }
        ));
        let width = missing.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
        for (key, help, example) in &missing {
            let example = example.as_deref().unwrap_or("VALUE");
            let example = if example.contains(' ') {
                format!("'{example}'")
            } else {
                example.to_string()
            };
            message.push_str(&format!(
                "  {key:width$}  {help}\n  {:width$}  e.g. --data {key}={example}\n",
                ""
            ));
        }
    }
    if !lines.is_empty() {
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&format!(
            "{} answer{} rejected:\n{}\n",
            lines.len(),
            if lines.len() == 1 { " was" } else { "s were" },
            lines.join("\n")
        ));
    }
    message.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_from_day_counts() {
        assert_eq!(year_from_days(0), 1970);
        assert_eq!(year_from_days(20_454), 2026); // 2026-01-01
        assert_eq!(year_from_days(20_453), 2025); // 2025-12-31
    }

    #[test]
    fn data_overrides_data_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yml");
        std::fs::write(&file, "project_name: from-file\nlicense: MIT\n").unwrap();
        let given = given_answers(Some(&file), &["project_name=from-cli".into()]).unwrap();
        assert_eq!(given["project_name"], Given::Text("from-cli".into()));
        assert!(matches!(given["license"], Given::Yaml(_)));
    }
}
