//! `.chora-answers.yml`: the answers a project was generated with and, for each managed file,
//! the git blob id of the content chora wrote (the merge base for a later update).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::answers::Answers;

/// Name of the answers file at the project root.
pub const FILE_NAME: &str = ".chora-answers.yml";

const HEADER: &str = "\
# Written by chora; do not edit by hand. It records the answers this project was generated
# with and the git blob id of each managed file as chora wrote it.
# Change an answer with: chora update --data KEY=VALUE
";

/// The contents of `.chora-answers.yml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersFile {
    pub chora_version: String,
    pub template: String,
    pub answers: Answers,
    /// Managed output path -> git blob id (sha1 hex) of the content chora wrote.
    pub files: BTreeMap<String, String>,
}

impl AnswersFile {
    /// The record of a render: this chora's version, the answers (never secret ones) and the
    /// blob id of each managed file.
    pub fn record(
        template_name: &str,
        template: &super::source::Template,
        resolved: &super::resolve::Resolved,
        tree: &super::render::FileTree,
    ) -> Result<Self, git2::Error> {
        let mut answers = resolved.answers.clone();
        answers.retain(|key, _| template.spec.question(key).is_some_and(|q| !q.secret));
        let mut files = BTreeMap::new();
        for (path, file) in tree.iter().filter(|(_, f)| f.managed) {
            files.insert(path.clone(), crate::git::blob_id(&file.contents)?);
        }
        Ok(AnswersFile {
            chora_version: crate::VERSION.to_string(),
            template: template_name.to_string(),
            answers,
            files,
        })
    }

    pub fn to_yaml(&self) -> Result<String, yaml_serde::Error> {
        Ok(format!("{HEADER}{}", yaml_serde::to_string(self)?))
    }

    /// Parse an answers file (which may come from a pull request: depth-checked, duplicate
    /// keys refused, errors excerpted).
    pub fn parse(text: &str) -> Result<Self, super::yaml::YamlError> {
        super::yaml::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::answers::AnswerValue;

    #[test]
    fn round_trips_typed_answers() {
        let mut answers = Answers::new();
        answers.insert("project_name".into(), AnswerValue::Str("demo".into()));
        answers.insert("python_min".into(), AnswerValue::Str("3.10".into()));
        answers.insert("publish_testpypi".into(), AnswerValue::Bool(true));
        answers.insert("coverage_threshold".into(), AnswerValue::Int(65));
        answers.insert(
            "python_versions".into(),
            AnswerValue::List(vec!["3.10".into(), "3.11".into()]),
        );
        let file = AnswersFile {
            chora_version: "0.1.0".into(),
            template: "python-package".into(),
            answers,
            files: BTreeMap::from([("a.yml".into(), "0".repeat(40))]),
        };
        let text = file.to_yaml().unwrap();
        assert!(text.contains("python_min: '3.10'"), "{text}");
        assert_eq!(AnswersFile::parse(&text).unwrap(), file);
    }
}
