//! PYPI_SETUP.md and the token -> Trusted Publishing guide for a migrated repository, rendered
//! from the python-package template's own files (with a `migrate` value holding the detected
//! trusted-publisher values), so migrated repositories get the instructions generated ones do.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indexmap::IndexMap;
use minijinja::Value;
use thiserror::Error;

use super::facts::{self, ProjectFacts, PublisherValues};
use crate::template::env::{self, Facts};
use crate::template::resolve::{self, Asker, Given};
use crate::template::{render, source};
use crate::workflow::model::Index;

/// The template the documents come from, and their source and output paths.
const TEMPLATE: &str = "python-package";
const DOCS: &[(&str, &str)] = &[
    ("PYPI_SETUP.md.jinja-gh", "PYPI_SETUP.md"),
    (
        "docs/migrating-to-trusted-publishing.md.jinja-gh",
        "docs/migrating-to-trusted-publishing.md",
    ),
];

/// Why the documents could not be rendered.
#[derive(Debug, Error)]
pub enum DocsError {
    #[error("no trusted publisher to document: nothing was migrated to PyPI or TestPyPI")]
    NoPublishers,
    #[error(
        "the {field} {value:?} cannot be written into the setup documents as it is (letters, \
         digits, '.', '_', '-' and spaces only); rerun with --no-docs and register the \
         publisher with the values printed above"
    )]
    UnsafeValue { field: &'static str, value: String },
    #[error(
        "the detected values do not fit the {TEMPLATE} template's setup documents ({0}); rerun \
         with --no-docs and register the publisher with the values printed above"
    )]
    Values(String),
    #[error(
        "rendering the setup documents from the {TEMPLATE} template: {0} (a bug in chora's \
         embedded template: please report it, and rerun with --no-docs meanwhile)"
    )]
    Template(String),
}

/// Render PYPI_SETUP.md and docs/migrating-to-trusted-publishing.md for the publishers in
/// `values` (PyPI and TestPyPI ones; others are left out). Paths are relative to the repository.
pub fn render_setup_docs(
    values: &[PublisherValues],
    facts: &ProjectFacts,
) -> Result<Vec<(PathBuf, String)>, DocsError> {
    let publishers: Vec<&PublisherValues> = values
        .iter()
        .filter(|v| matches!(v.index, Index::Pypi | Index::TestPypi))
        .collect();
    let first = publishers.first().ok_or(DocsError::NoPublishers)?;
    for v in &publishers {
        for (field, value) in [
            ("owner", &v.owner),
            ("repository name", &v.repository),
            ("workflow name", &v.workflow),
            ("environment name", &v.environment),
            ("project name", &v.project_name),
        ] {
            check_value(field, value)?;
        }
    }
    let template_error = |e: &dyn std::fmt::Display| DocsError::Template(e.to_string());
    let mut template = source::load_embedded(TEMPLATE).map_err(|e| template_error(&e))?;
    template
        .files
        .retain(|f| render::is_partial(&f.path) || DOCS.iter().any(|(src, _)| *src == f.path));
    // The guide is generated only for token projects; here it is always wanted.
    template.spec.when.clear();
    let project_name = facts
        .project_name
        .clone()
        .unwrap_or_else(|| first.project_name.clone());
    let env_of = |index: Index| {
        publishers
            .iter()
            .find(|v| v.index == index)
            .map(|v| v.environment.clone())
    };
    let testpypi_environment = env_of(Index::TestPypi);
    let mut given: Vec<(&str, String)> = vec![
        ("project_name", project_name),
        ("author_name", "chora migrate".into()),
        ("author_email", "nobody@example.invalid".into()),
        ("github_owner", first.owner.clone()),
        ("github_repository", first.repository.clone()),
        ("pypi_auth_method", "oidc".into()),
        ("attestations", "false".into()),
        (
            "publish_testpypi",
            testpypi_environment.is_some().to_string(),
        ),
    ];
    if let Some(pypi) = env_of(Index::Pypi) {
        given.push(("pypi_environment", pypi));
    }
    if let Some(testpypi) = testpypi_environment {
        given.push(("testpypi_environment", testpypi));
    }
    let given: IndexMap<String, Given> = given
        .into_iter()
        .map(|(k, v)| (k.to_string(), Given::Text(v)))
        .collect();
    // The documents use none of the machine facts; the copyright year only has to be valid.
    let env_facts = Facts {
        current_year: 2000,
        ..Facts::default()
    };
    let env = env::build(&env_facts).map_err(|e| template_error(&e))?;
    let resolved = resolve::resolve(&template.spec, &env, &env_facts, &given, Asker::Defaults)
        .map_err(|problems| DocsError::Values(describe(&problems)))?;
    let mut context: BTreeMap<String, Value> = resolve::builtins(&env_facts)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    for (key, value) in &resolved.values {
        context.insert(key.clone(), value.to_minijinja());
    }
    context.insert("migrate".into(), migrate_value(&publishers));
    let tree = render::render(&template, &Value::from(context), &env_facts)
        .map_err(|e| template_error(&e))?;
    DOCS.iter()
        .map(|(_, out)| {
            let file = tree
                .get(*out)
                .ok_or_else(|| template_error(&format!("{out} was not rendered")))?;
            let text = String::from_utf8(file.contents.clone()).map_err(|e| template_error(&e))?;
            Ok((PathBuf::from(out), text))
        })
        .collect()
}

/// The `migrate` template value: the publishers (with their form links), the workflow file
/// names and the environment names, each once, in order.
fn migrate_value(publishers: &[&PublisherValues]) -> Value {
    let mut workflows: Vec<&str> = Vec::new();
    let mut environments: Vec<&str> = Vec::new();
    let list: Vec<Value> = publishers
        .iter()
        .map(|v| {
            if !workflows.contains(&v.workflow.as_str()) {
                workflows.push(&v.workflow);
            }
            if !environments.contains(&v.environment.as_str()) {
                environments.push(&v.environment);
            }
            minijinja::context! {
                heading => format!("{} (`{}`)", v.service(), v.workflow),
                service => v.service(),
                owner => &v.owner,
                repository => &v.repository,
                workflow => &v.workflow,
                environment => &v.environment,
                project_name => &v.project_name,
                link => facts::pypi_form_link(v),
                pending_link => facts::pending_publisher_link(v),
            }
        })
        .collect();
    let owned = |names: Vec<&str>| names.into_iter().map(str::to_string).collect::<Vec<_>>();
    minijinja::context! {
        publishers => list,
        workflows => owned(workflows),
        environments => owned(environments),
    }
}

/// The answer problems in one line: `key: reason` each.
fn describe(problems: &[resolve::Problem]) -> String {
    problems
        .iter()
        .map(|problem| match problem {
            resolve::Problem::Invalid { key, reason, .. } => format!("{key}: {reason}"),
            resolve::Problem::Missing { key, .. } => format!("{key}: missing"),
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Values go into Markdown tables and code spans unescaped: only plain names are accepted.
fn check_value(field: &'static str, value: &str) -> Result<(), DocsError> {
    let plain = !value.trim().is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ' '));
    if plain {
        Ok(())
    } else {
        Err(DocsError::UnsafeValue {
            field,
            value: crate::text::excerpt(value, 80),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(index: Index, environment: &str) -> PublisherValues {
        PublisherValues {
            owner: "octo-org".into(),
            repository: "widgets".into(),
            workflow: "publish.yml".into(),
            environment: environment.into(),
            project_name: "Fast_Widgets".into(),
            index,
        }
    }

    fn project() -> ProjectFacts {
        ProjectFacts {
            project_name: Some("Fast_Widgets".into()),
            ..ProjectFacts::default()
        }
    }

    #[test]
    fn both_documents_carry_the_detected_values_and_links() {
        let values = [
            value(Index::Pypi, "release"),
            value(Index::TestPypi, "staging"),
        ];
        let docs = render_setup_docs(&values, &project()).unwrap();
        let paths: Vec<String> = docs.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            paths,
            ["PYPI_SETUP.md", "docs/migrating-to-trusted-publishing.md"]
        );
        for (path, text) in &docs {
            for needle in [
                "Written by chora migrate",
                "`octo-org`",
                "`widgets`",
                "`publish.yml`",
                "`release`",
                "`staging`",
                "Fast_Widgets",
                "https://pypi.org/manage/project/fast-widgets/settings/publishing/?provider=github&owner=octo-org&repository=widgets&workflow_filename=publish.yml&environment=release",
                "https://test.pypi.org/manage/project/fast-widgets/settings/publishing/?provider=github&owner=octo-org&repository=widgets&workflow_filename=publish.yml&environment=staging",
                // Pending publishers: the account form, pre-filled with the project name too.
                "https://pypi.org/manage/account/publishing/?provider=github&owner=octo-org&repository=widgets&workflow_filename=publish.yml&environment=release&project_name=Fast_Widgets",
                "https://test.pypi.org/manage/account/publishing/?provider=github&owner=octo-org&repository=widgets&workflow_filename=publish.yml&environment=staging&project_name=Fast_Widgets",
                // What GitHub's plans allow, as GitHub documents it.
                "Required reviewers work in public repositories on every plan; in private repositories they need\nGitHub Enterprise (Pro and Team get environments without reviewers)",
            ] {
                assert!(text.contains(needle), "{path:?} lacks {needle:?}:\n{text}");
            }
            for stray in [
                "[[",
                "]]",
                "[%",
                "{{",
                "{%",
                "release.yml",
                "Managed by chora",
                "chora update",
            ] {
                assert!(
                    !text.contains(stray),
                    "{path:?} contains {stray:?}:\n{text}"
                );
            }
        }
    }

    #[test]
    fn pypi_only_has_no_testpypi_column() {
        let docs =
            render_setup_docs(&[value(Index::Pypi, "pypi")], &ProjectFacts::default()).unwrap();
        let (_, setup) = &docs[0];
        assert!(
            setup.contains("| Field | PyPI (`publish.yml`) |\n| --- | --- |\n"),
            "{setup}"
        );
        assert!(!setup.contains("test.pypi.org/manage/project"), "{setup}");
    }

    #[test]
    fn unsafe_values_and_no_publishers_are_refused() {
        let mut bad = value(Index::Pypi, "pypi");
        bad.environment = "x` | <script>".into();
        assert!(matches!(
            render_setup_docs(&[bad], &project()),
            Err(DocsError::UnsafeValue {
                field: "environment name",
                ..
            })
        ));
        // GitHub owners have no '_': the template's own validator refuses it, by name.
        let mut owner = value(Index::Pypi, "pypi");
        owner.owner = "octo_org".into();
        let err = render_setup_docs(&[owner], &project()).unwrap_err();
        assert!(
            matches!(&err, DocsError::Values(text) if text.starts_with("github_owner: ")),
            "{err}"
        );
        let other = value(Index::Other("https://example.org/".into()), "pypi");
        assert!(matches!(
            render_setup_docs(&[other], &project()),
            Err(DocsError::NoPublishers)
        ));
    }
}
