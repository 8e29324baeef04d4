//! Resolving a template's answers: given values (`--data`, data files), defaults derived from
//! earlier answers, prompts on a terminal, and every problem reported together.

use indexmap::IndexMap;
use minijinja::{Environment, Value};

use super::answers::{self, AnswerValue, Answers};
use super::env::Facts;
use super::render::eval_bool;
use super::schema::{Question, TemplateSpec};

/// A value given by the user before any prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    /// From `--data KEY=VALUE`.
    Text(String),
    /// From a YAML data file.
    Yaml(yaml_serde::Value),
    /// Recorded in `.chora-answers.yml` by an earlier run.
    Recorded(AnswerValue),
}

/// Something wrong with the answers; all of them are collected and reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No value given, no default, and no terminal to ask on.
    Missing {
        key: String,
        help: String,
        example: Option<String>,
    },
    /// A value was given (or derived) but is not acceptable.
    Invalid {
        key: String,
        reason: String,
        derived: bool,
    },
    /// A key that the template does not ask.
    Unknown { key: String, known: Vec<String> },
    /// A check across answers failed.
    Check { message: String },
    /// The user cancelled a prompt; resolution stops at once.
    Cancelled,
}

/// The outcome of resolution.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Answers to the questions that were asked (skipped questions are not recorded).
    pub answers: Answers,
    /// Every value templates can see, skipped questions included (with their defaults).
    pub values: Answers,
    /// Given keys ignored because their question does not apply (`when` is false).
    pub ignored: Vec<(String, String)>,
    /// Recorded answers accepted only because they were recorded (an end-of-life Python
    /// version), each with a note saying so.
    pub notes: Vec<(String, String)>,
}

/// Asks one question on a terminal, given its default.
pub type PromptFn<'a> = dyn FnMut(&Question, Option<&AnswerValue>) -> Result<AnswerValue, super::prompt::PromptError>
    + 'a;

/// How to obtain answers that were not given.
pub enum Asker<'a> {
    /// Use defaults; report what has none.
    Defaults,
    /// Ask on the terminal (inquire), pre-filling the default.
    Terminal,
    /// Ask through a custom function, pre-filling the default.
    Prompt(&'a mut PromptFn<'a>),
}

/// Names of the built-in template values; no question may take one.
pub const BUILTIN_NAMES: &[&str] = &[
    "chora_version",
    "chora_runtime",
    "python_releases",
    "uv_version",
    "uv_requirement",
    "dest_name",
    "current_year",
];

/// Built-in template values that are not answers.
pub fn builtins(facts: &Facts) -> Vec<(&'static str, Value)> {
    vec![
        (
            "chora_version",
            Value::from(facts.release.chora_version.as_str()),
        ),
        ("chora_runtime", runtime_value(facts)),
        (super::python::NAME, super::python::template_value()),
        ("uv_version", Value::from(facts.release.runtime.uv.as_str())),
        (
            "uv_requirement",
            Value::from(facts.release.runtime.uv_requirement()),
        ),
        ("dest_name", Value::from(facts.dest_name.as_str())),
        ("current_year", Value::from(facts.current_year)),
    ]
}

/// `chora_runtime`: none when no chora-cli release is known, else `version` and
/// `requirement` (`chora-cli==V --hash=sha256:…`, every wheel's hash).
fn runtime_value(facts: &Facts) -> Value {
    match &facts.release.runtime.chora {
        None => Value::from(()),
        Some(release) => Value::from(std::collections::BTreeMap::from([
            ("version", Value::from(release.version.as_str())),
            ("requirement", Value::from(release.requirement())),
        ])),
    }
}

/// The rendering context: built-ins plus `values`.
pub fn context(values: &Answers, facts: &Facts) -> Value {
    let mut map: std::collections::BTreeMap<String, Value> = builtins(facts)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (key, value) in values {
        map.insert(key.clone(), value.to_minijinja());
    }
    Value::from(map)
}

/// Resolve every question of `spec`, in order.
pub fn resolve(
    spec: &TemplateSpec,
    env: &Environment<'static>,
    facts: &Facts,
    given: &IndexMap<String, Given>,
    mut asker: Asker<'_>,
) -> Result<Resolved, Vec<Problem>> {
    let mut problems = Vec::new();
    let known: Vec<String> = spec.questions.iter().map(|q| q.name.clone()).collect();
    for key in given.keys() {
        if !known.contains(key) {
            problems.push(Problem::Unknown {
                key: key.clone(),
                known: known.clone(),
            });
        }
    }
    let mut out = Resolved::default();
    for question in &spec.questions {
        let ctx = context(&out.values, facts);
        let blocked = !problems.is_empty();
        let given_here = given.get(&question.name);
        let applies = match &question.when {
            None => true,
            Some(expr) => match eval_bool(env, expr, &ctx) {
                Ok(b) => b,
                // An earlier answer is missing or invalid: still check a given value.
                Err(_) if blocked => given_here.is_some(),
                Err(e) => {
                    problems.push(invalid(question, format!("bad `when`: {e}"), true));
                    continue;
                }
            },
        };
        // The default is only needed when no value is given, or the question is skipped.
        let needs_default = given_here.is_none() || !applies;
        let default = if needs_default {
            match default_value(question, env, &ctx) {
                Ok(d) => d,
                Err(_) if blocked => continue,
                Err(reason) => {
                    problems.push(invalid(question, reason, true));
                    continue;
                }
            }
        } else {
            None
        };
        if !applies {
            let shown = match given_here {
                Some(Given::Text(text)) => Some(text.clone()),
                Some(Given::Yaml(value)) => Some(
                    yaml_serde::to_string(value)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                ),
                // A recorded answer that stopped applying is simply dropped.
                Some(Given::Recorded(_)) | None => None,
            };
            if let Some(shown) = shown {
                let why = question.when.clone().unwrap_or_default();
                out.ignored.push((
                    question.name.clone(),
                    format!("{shown:?} ignored: asked only when {why}"),
                ));
            }
            if let Some(value) = default {
                out.values.insert(question.name.clone(), value);
            }
            continue;
        }
        let value = match given.get(&question.name) {
            Some(g) => {
                let parsed = match g {
                    Given::Text(text) => answers::parse_text(question, text),
                    Given::Yaml(yaml) => answers::from_yaml(question, yaml),
                    Given::Recorded(value) => Ok(value.clone()),
                };
                let rules = match g {
                    Given::Recorded(_) => recorded_rules(question),
                    Given::Text(_) | Given::Yaml(_) => std::borrow::Cow::Borrowed(question),
                };
                match parsed.and_then(|v| answers::validate(&rules, &v).map(|()| v)) {
                    Ok(v) => {
                        if matches!(g, Given::Recorded(_))
                            && let Some(note) = end_of_life_note(question, &v)
                        {
                            out.notes.push((question.name.clone(), note));
                        }
                        v
                    }
                    Err(reason) => {
                        problems.push(invalid(question, reason, false));
                        continue;
                    }
                }
            }
            None => match &mut asker {
                Asker::Terminal | Asker::Prompt(_) => {
                    match ask(&mut asker, question, default.as_ref()) {
                        Ok(v) => v,
                        Err(super::prompt::PromptError::Cancelled) => {
                            return Err(vec![Problem::Cancelled]);
                        }
                        Err(super::prompt::PromptError::Failed(reason)) => {
                            problems.push(invalid(question, reason, false));
                            continue;
                        }
                    }
                }
                Asker::Defaults => match default {
                    Some(v) => match answers::validate(question, &v) {
                        Ok(()) => v,
                        Err(reason) => {
                            problems.push(invalid(question, reason, true));
                            continue;
                        }
                    },
                    None => {
                        problems.push(Problem::Missing {
                            key: question.name.clone(),
                            help: question.help.clone(),
                            example: question.example.clone(),
                        });
                        continue;
                    }
                },
            },
        };
        out.values.insert(question.name.clone(), value.clone());
        out.answers.insert(question.name.clone(), value);
    }
    if problems.is_empty() {
        let ctx = context(&out.values, facts);
        for check in &spec.checks {
            match eval_bool(env, &check.expr, &ctx) {
                Ok(true) => {}
                Ok(false) => problems.push(Problem::Check {
                    message: check.message.clone(),
                }),
                Err(e) => problems.push(Problem::Check {
                    message: format!("{} (could not evaluate: {e})", check.message),
                }),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn ask(
    asker: &mut Asker<'_>,
    question: &Question,
    default: Option<&AnswerValue>,
) -> Result<AnswerValue, super::prompt::PromptError> {
    match asker {
        Asker::Prompt(prompt) => prompt(question, default),
        _ => super::prompt::ask(question, default),
    }
}

impl Asker<'_> {
    /// True when answers may be asked for interactively.
    pub fn prompts(&self) -> bool {
        !matches!(self, Asker::Defaults)
    }
}

/// The rules an answer recorded by an earlier run is held to: all of the question's, except
/// `not_stdlib`, which came later — a project generated before it keeps working with
/// `chora check` and `chora update` (and can rename its package with `--data`) — and with the
/// `recorded_choices` (end-of-life Python versions) accepted besides the choices.
fn recorded_rules(question: &Question) -> std::borrow::Cow<'_, Question> {
    let strict_stdlib = question.validator.as_ref().is_some_and(|v| v.not_stdlib);
    if !strict_stdlib && question.recorded_choices.is_empty() {
        return std::borrow::Cow::Borrowed(question);
    }
    let mut relaxed = question.clone();
    if let Some(v) = relaxed.validator.as_mut() {
        v.not_stdlib = false;
    }
    let extra = std::mem::take(&mut relaxed.recorded_choices);
    relaxed.choices.extend(extra);
    std::borrow::Cow::Owned(relaxed)
}

/// A note when recorded answer `value` holds one of `question`'s `recorded_choices` (an
/// end-of-life Python version): accepted, but worth moving off.
fn end_of_life_note(question: &Question, value: &AnswerValue) -> Option<String> {
    let texts: Vec<String> = match value {
        AnswerValue::List(items) => items.clone(),
        other => vec![other.to_cli()],
    };
    let old: Vec<String> = texts
        .into_iter()
        .filter(|t| question.recorded_choices.contains(t))
        .collect();
    if old.is_empty() {
        return None;
    }
    let described: Vec<String> = old
        .iter()
        .map(|v| match super::python::end_of_life_date(v) {
            Some(date) => format!("Python {v} (end of life since {date})"),
            None => format!("Python {v}"),
        })
        .collect();
    Some(format!(
        "{} kept because .chora-answers.yml records it; new projects offer {} (change it with --data {}=...)",
        described.join(", "),
        question.choices.join(", "),
        question.name
    ))
}

fn invalid(question: &Question, reason: String, derived: bool) -> Problem {
    Problem::Invalid {
        key: question.name.clone(),
        reason,
        derived,
    }
}

/// A question's default: a literal, or a template rendered with the earlier answers. An
/// empty rendering means "no default".
fn default_value(
    question: &Question,
    env: &Environment<'static>,
    ctx: &Value,
) -> Result<Option<AnswerValue>, String> {
    let Some(default) = &question.default else {
        return Ok(None);
    };
    if let yaml_serde::Value::String(text) = default {
        let rendered = env
            .render_str(text, ctx)
            .map_err(|e| format!("cannot derive the default: {e}"))?;
        if rendered.trim().is_empty() {
            return Ok(None);
        }
        return answers::parse_text(question, &rendered).map(Some);
    }
    answers::from_yaml(question, default).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::env;

    const SPEC: &str = r#"
name: t
description: test
questions:
  - name: project_name
    type: str
    help: name
  - name: package_name
    type: str
    help: import name
    default: "{{ project_name | python_identifier }}"
  - name: mode
    type: choice
    help: mode
    choices: [oidc, token]
    default: oidc
  - name: attestations
    type: bool
    help: attest
    default: "{{ mode == 'oidc' }}"
    when: "mode == 'oidc'"
  - name: level
    type: int
    help: level
    default: 65
checks:
  - expr: "level <= 100"
    message: level is a percentage
"#;

    fn run(given: &[(&str, &str)]) -> Result<Resolved, Vec<Problem>> {
        let spec = TemplateSpec::parse(SPEC).unwrap();
        let facts = Facts::default();
        let env = env::build(&facts).unwrap();
        let given: IndexMap<String, Given> = given
            .iter()
            .map(|(k, v)| (k.to_string(), Given::Text(v.to_string())))
            .collect();
        resolve(&spec, &env, &facts, &given, Asker::Defaults)
    }

    #[test]
    fn defaults_derive_from_earlier_answers() {
        let resolved = run(&[("project_name", "My.Tool-Kit")]).unwrap();
        assert_eq!(
            resolved.answers["package_name"],
            AnswerValue::Str("my_tool_kit".into())
        );
        assert_eq!(resolved.answers["attestations"], AnswerValue::Bool(true));
        assert_eq!(resolved.answers["level"], AnswerValue::Int(65));
    }

    #[test]
    fn skipped_questions_keep_their_default_but_are_not_recorded() {
        let resolved = run(&[("project_name", "x"), ("mode", "token")]).unwrap();
        assert!(!resolved.answers.contains_key("attestations"));
        assert_eq!(resolved.values["attestations"], AnswerValue::Bool(false));
    }

    #[test]
    fn every_problem_is_collected() {
        let problems = run(&[("mode", "password"), ("level", "high"), ("nope", "1")]).unwrap_err();
        let keys: Vec<String> = problems
            .iter()
            .map(|p| match p {
                Problem::Missing { key, .. }
                | Problem::Invalid { key, .. }
                | Problem::Unknown { key, .. } => key.clone(),
                Problem::Check { message } => message.clone(),
                Problem::Cancelled => "cancelled".to_string(),
            })
            .collect();
        assert_eq!(keys, ["nope", "project_name", "mode", "level"]);
    }

    #[test]
    fn checks_run_once_answers_are_valid() {
        let problems = run(&[("project_name", "x"), ("level", "150")]).unwrap_err();
        assert_eq!(
            problems,
            [Problem::Check {
                message: "level is a percentage".into()
            }]
        );
    }

    const NOT_STDLIB_SPEC: &str = r#"
name: t
description: test
questions:
  - name: package_name
    type: str
    help: import name
    validator:
      regex: '^[A-Za-z_][A-Za-z0-9_]*$'
      message: an identifier
      not_stdlib: true
"#;

    fn resolve_one(given: Given) -> Result<Resolved, Vec<Problem>> {
        let spec = TemplateSpec::parse(NOT_STDLIB_SPEC).unwrap();
        let facts = Facts::default();
        let env = env::build(&facts).unwrap();
        let given = IndexMap::from([("package_name".to_string(), given)]);
        resolve(&spec, &env, &facts, &given, Asker::Defaults)
    }

    #[test]
    fn not_stdlib_refuses_given_names_but_not_recorded_ones() {
        let problems = resolve_one(Given::Text("token".into())).unwrap_err();
        let [Problem::Invalid { key, reason, .. }] = &problems[..] else {
            panic!("one invalid answer: {problems:?}");
        };
        assert_eq!(key, "package_name");
        assert!(reason.contains("standard library"), "{reason}");
        assert!(reason.contains("--data package_name=token_pkg"), "{reason}");
        let yaml = yaml_serde::Value::String("json".into());
        assert_eq!(resolve_one(Given::Yaml(yaml)).unwrap_err().len(), 1);
        assert!(resolve_one(Given::Text("token_pkg".into())).is_ok());
        // Recorded by an earlier chora, before the rule: kept, so check and update still work.
        let recorded = resolve_one(Given::Recorded(AnswerValue::Str("token".into()))).unwrap();
        assert_eq!(
            recorded.answers["package_name"],
            AnswerValue::Str("token".into())
        );
        // The other rules still hold for recorded answers.
        let bad = Given::Recorded(AnswerValue::Str("not-an-identifier".into()));
        assert_eq!(resolve_one(bad).unwrap_err().len(), 1);
    }

    #[test]
    fn prompts_receive_the_derived_default() {
        let spec = TemplateSpec::parse(SPEC).unwrap();
        let facts = Facts::default();
        let env = env::build(&facts).unwrap();
        let mut seen = Vec::new();
        let mut ask = |q: &Question, default: Option<&AnswerValue>| {
            seen.push((q.name.clone(), default.cloned()));
            Ok(default.cloned().unwrap_or(AnswerValue::Str("typed".into())))
        };
        let resolved = resolve(
            &spec,
            &env,
            &facts,
            &IndexMap::new(),
            Asker::Prompt(&mut ask),
        )
        .unwrap();
        assert_eq!(seen[0], ("project_name".into(), None));
        assert_eq!(
            seen[1],
            (
                "package_name".into(),
                Some(AnswerValue::Str("typed".into()))
            )
        );
        assert_eq!(resolved.answers.len(), 5);
    }

    #[test]
    fn a_cancelled_prompt_stops_resolution() {
        let spec = TemplateSpec::parse(SPEC).unwrap();
        let facts = Facts::default();
        let env = env::build(&facts).unwrap();
        let mut asked = 0;
        let mut ask = |_: &Question, _: Option<&AnswerValue>| {
            asked += 1;
            Err(super::super::prompt::PromptError::Cancelled)
        };
        let problems = resolve(
            &spec,
            &env,
            &facts,
            &IndexMap::new(),
            Asker::Prompt(&mut ask),
        )
        .unwrap_err();
        assert_eq!(problems, [Problem::Cancelled]);
        assert_eq!(asked, 1, "no question after the cancelled one");
    }

    const PYTHON_SPEC: &str = r#"
name: t
description: test
questions:
  - name: python_min
    type: choice
    help: lowest Python
    choices_from: python_releases
    default: "{{ python_releases.oldest }}"
  - name: python_versions
    type: list
    help: test matrix
    choices_from: python_releases
    default: "{{ python_releases.supported | select('ge', python_min) | join(',') }}"
"#;

    fn resolve_python(given: &[(&str, Given)]) -> Result<Resolved, Vec<Problem>> {
        let spec = TemplateSpec::parse(PYTHON_SPEC).unwrap();
        let facts = Facts::default();
        let env = env::build(&facts).unwrap();
        let given = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        resolve(&spec, &env, &facts, &given, Asker::Defaults)
    }

    #[test]
    fn python_choices_and_defaults_come_from_the_data() {
        let spec = TemplateSpec::parse(PYTHON_SPEC).unwrap();
        let supported = crate::template::python::supported();
        assert_eq!(spec.questions[0].choices, supported);
        assert_eq!(
            spec.questions[1].recorded_choices,
            crate::template::python::end_of_life()
        );
        let resolved = resolve_python(&[]).unwrap();
        assert_eq!(
            resolved.answers["python_min"],
            AnswerValue::Str(supported[0].clone())
        );
        assert_eq!(
            resolved.answers["python_versions"],
            AnswerValue::List(supported.clone())
        );
        assert!(resolved.notes.is_empty());
        let newest = supported.last().unwrap();
        let resolved = resolve_python(&[("python_min", Given::Text(newest.clone()))]).unwrap();
        assert_eq!(
            resolved.answers["python_versions"],
            AnswerValue::List(vec![newest.clone()])
        );
    }

    #[test]
    fn end_of_life_pythons_are_kept_when_recorded_but_not_offered() {
        let eol = crate::template::python::end_of_life()[0].clone();
        // Given anew: refused.
        let problems = resolve_python(&[("python_min", Given::Text(eol.clone()))]).unwrap_err();
        let [Problem::Invalid { key, reason, .. }] = &problems[..] else {
            panic!("one invalid answer: {problems:?}");
        };
        assert_eq!(key, "python_min");
        assert!(
            reason.contains(&format!("Python {eol} is end of life since ")),
            "{reason}"
        );
        // Recorded by an earlier run: kept, with a note each.
        let mut versions = vec![eol.clone()];
        versions.extend(crate::template::python::supported());
        let resolved = resolve_python(&[
            ("python_min", Given::Recorded(AnswerValue::Str(eol.clone()))),
            (
                "python_versions",
                Given::Recorded(AnswerValue::List(versions.clone())),
            ),
        ])
        .unwrap();
        assert_eq!(
            resolved.answers["python_min"],
            AnswerValue::Str(eol.clone())
        );
        assert_eq!(
            resolved.answers["python_versions"],
            AnswerValue::List(versions)
        );
        assert_eq!(resolved.notes.len(), 2, "{:?}", resolved.notes);
        let (key, note) = &resolved.notes[0];
        assert_eq!(key, "python_min");
        assert!(
            note.contains(&format!("Python {eol} (end of life since ")),
            "{note}"
        );
        assert!(note.contains("--data python_min="), "{note}");
        // Versions outside the table stay refused even when recorded.
        let bad = Given::Recorded(AnswerValue::Str("3.9".into()));
        assert_eq!(resolve_python(&[("python_min", bad)]).unwrap_err().len(), 1);
    }

    #[test]
    fn choices_from_names_a_known_table_and_excludes_choices() {
        let unknown =
            PYTHON_SPEC.replacen("choices_from: python_releases", "choices_from: rubies", 1);
        let err = TemplateSpec::parse(&unknown).unwrap_err();
        assert!(err.contains("names no table"), "{err}");
        let both = PYTHON_SPEC.replacen(
            "choices_from: python_releases",
            "choices_from: python_releases\n    choices: [\"3.12\"]",
            1,
        );
        let err = TemplateSpec::parse(&both).unwrap_err();
        assert!(err.contains("both `choices` and `choices_from`"), "{err}");
    }
}
