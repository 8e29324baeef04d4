//! The replacement upload steps for tools without Trusted Publishing, rendered from the same
//! template partial as `chora new`'s release.yml (`_partials/upload-steps.yml.jinja-gh` of the
//! python-package template), so both always upload the same way.

use minijinja::context;
use thiserror::Error;

use crate::template::env::{self, Delimiters, Facts, Release};
use crate::template::{render, source};
use crate::workflow::model::Index;

/// Which publisher the replacement steps use (`--publisher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publisher {
    /// `chora-publish upload`.
    Chora,
    /// `pypa/gh-action-pypi-publish`, SHA-pinned.
    Pypa,
}

impl Publisher {
    /// The template's `publisher` answer for this publisher.
    pub fn answer(self) -> &'static str {
        match self {
            Publisher::Chora => "chora",
            Publisher::Pypa => "pypa",
        }
    }
}

/// What the replacement upload must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadStep {
    pub publisher: Publisher,
    /// PyPI or TestPyPI.
    pub index: Index,
    /// The directory the build writes (`dist/`).
    pub dist_dir: String,
    /// The files to upload, as shell patterns (`./*.whl`), when not everything in `dist_dir`
    /// (chora-publish only; the PyPA action reads the whole `dist_dir`).
    pub files: Vec<String>,
    pub attestations: bool,
}

/// The template holding the partial, and the partial's path in it.
pub const TEMPLATE: &str = "python-package";
pub const PARTIAL: &str = "_partials/upload-steps.yml.jinja-gh";

/// Why the steps could not be rendered.
#[derive(Debug, Error)]
pub enum PublisherError {
    #[error(
        "cannot write upload steps for the index {0:?}: Trusted Publishing is only migrated for \
         PyPI and TestPyPI; leave this upload as it is"
    )]
    OtherIndex(String),
    #[error(
        "the build's output folder {0:?} cannot be put in a shell command as it is (only letters, \
         digits, '.', '_', '-' and '/' are, not starting with '-'); make the build write to \
         dist/ or to such a folder, then run chora migrate again"
    )]
    DistDir(String),
    #[error(
        "--publisher chora: no chora-cli release is published yet, so the replacement steps \
         could not install chora-publish by hash; use --publisher pypa (the default until one is)"
    )]
    NoChoraRelease,
    #[error(
        "rendering the upload steps from the {TEMPLATE} template's {PARTIAL}: {0} \
         (a bug in chora's embedded template: please report it)"
    )]
    Template(String),
}

/// What `chora migrate` says when it uses the PyPA action because no release is known.
pub const PYPA_BY_DEFAULT: &str = "replacement uploads use pypa/gh-action-pypi-publish: no chora-cli release is published yet, so chora-publish could not be installed by hash (--publisher chora is the default once one is)";

/// The publisher `chora migrate` uses unless told: chora-publish when a published chora-cli
/// release is known (its steps install it by hash), else the PyPA action.
pub fn default_publisher(release: &Release) -> Publisher {
    if release.runtime.chora.is_some() {
        Publisher::Chora
    } else {
        Publisher::Pypa
    }
}

/// The upload steps as YAML text: one or more sequence items at column 0 (`- name: …`),
/// ending with a newline, authenticating with Trusted Publishing. With chora-publish, refused
/// when no chora-cli release is known ([`PublisherError::NoChoraRelease`]).
pub fn render_upload_steps(step: &UploadStep) -> Result<String, PublisherError> {
    render_upload_steps_as(step, &Release::default())
}

/// [`render_upload_steps`] with the pins and runtime version of a given chora release.
pub fn render_upload_steps_as(
    step: &UploadStep,
    release: &Release,
) -> Result<String, PublisherError> {
    let index = match &step.index {
        Index::Pypi => "pypi",
        Index::TestPypi => "testpypi",
        Index::Other(other) => return Err(PublisherError::OtherIndex(other.clone())),
    };
    if step.publisher == Publisher::Chora && release.runtime.chora.is_none() {
        return Err(PublisherError::NoChoraRelease);
    }
    let dist = dist_folder(&step.dist_dir, step.publisher)?;
    let files = file_patterns(&step.files)?;
    let template_error = |e: &dyn std::fmt::Display| PublisherError::Template(e.to_string());
    let template = source::load_embedded(TEMPLATE).map_err(|e| template_error(&e))?;
    let facts = Facts {
        release: release.clone(),
        ..Facts::default()
    };
    let mut env = env::build(&facts).map_err(|e| template_error(&e))?;
    render::register_partials(&mut env, &template).map_err(|e| template_error(&e))?;
    let caller = format!(
        "[% import {PARTIAL:?} as upload %]\
         [[ upload.steps(index, publisher, \"oidc\", attestations, dist, chora_runtime, uv_version, \"\", files) ]]"
    );
    render::add_source(
        &mut env,
        "upload-steps",
        caller.as_bytes(),
        Delimiters::Brackets,
    )
    .map_err(|e| template_error(&e))?;
    let runtime = crate::template::resolve::builtins(&facts)
        .into_iter()
        .find(|(name, _)| *name == "chora_runtime")
        .map(|(_, value)| value)
        .unwrap_or_default();
    let rendered = env
        .get_template("upload-steps")
        .and_then(|t| {
            t.render(context! {
                index => index,
                publisher => step.publisher.answer(),
                attestations => step.attestations,
                dist => dist,
                files => files,
                chora_runtime => runtime,
                uv_version => release.runtime.uv.as_str(),
            })
        })
        .map_err(|e| template_error(&crate::exit::error_chain(&e)))?;
    Ok(format!("{}\n", rendered.trim_end()))
}

/// The build's output folder without its trailing `/`, refused unless it is safe to put in a
/// shell command and a YAML scalar unquoted. With chora-publish, a folder pattern such as
/// `wheels-*` (artifacts downloaded one folder each) is kept: the shell expands it, and `*`
/// cannot inject anything; a component that is only `*` is refused (it would name files).
/// The PyPA action takes one folder, so no pattern.
fn dist_folder(dir: &str, publisher: Publisher) -> Result<&str, PublisherError> {
    let trimmed = dir.trim_end_matches('/');
    let pattern_ok = publisher == Publisher::Chora
        && trimmed
            .split('/')
            .all(|component| component.is_empty() || component.chars().any(|c| c != '*'));
    let safe = !trimmed.is_empty()
        && !trimmed.starts_with('-')
        && trimmed.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | '-' | '/')
                || (c == '*' && pattern_ok)
        });
    if safe {
        Ok(trimmed)
    } else {
        Err(PublisherError::DistDir(crate::text::excerpt(dir, 80)))
    }
}

/// The file patterns joined for the command line (`None`: the whole folder), each refused
/// unless it is a plain path or shell pattern (`*`, `?` cannot inject anything).
fn file_patterns(files: &[String]) -> Result<Option<String>, PublisherError> {
    if files.is_empty() {
        return Ok(None);
    }
    for file in files {
        let safe = !file.is_empty()
            && !file.starts_with('-')
            && file.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '*' | '?')
            });
        if !safe {
            return Err(PublisherError::DistDir(crate::text::excerpt(file, 80)));
        }
    }
    Ok(Some(files.join(" ")))
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use yaml_serde::Value as Yaml;

    use super::*;
    use crate::template::pins;
    use crate::template::resolve::{self, Asker, Given};

    const TEST_SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A release that knows a published chora-cli (one wheel).
    fn release() -> Release {
        let releases = format!("0.2.0\tchora_cli-0.2.0-py3-none-any.whl\t{TEST_SHA}\n");
        Release {
            runtime: crate::template::runtime::Runtime::from_tables(&releases, "uv\t0.13.8\n")
                .unwrap(),
            ..Release::default()
        }
    }

    fn render(step: &UploadStep) -> Result<String, PublisherError> {
        render_upload_steps_as(step, &release())
    }

    #[test]
    fn chora_needs_a_known_release_and_is_the_default_only_then() {
        let none = Release {
            runtime: crate::template::runtime::Runtime::from_tables("", "uv\t0.13.8\n").unwrap(),
            ..Release::default()
        };
        assert_eq!(default_publisher(&none), Publisher::Pypa);
        assert_eq!(default_publisher(&release()), Publisher::Chora);
        let chora = step(Publisher::Chora, Index::Pypi, true);
        let err = render_upload_steps_as(&chora, &none).unwrap_err();
        assert!(matches!(err, PublisherError::NoChoraRelease), "{err}");
        assert!(err.to_string().contains("--publisher pypa"), "{err}");
        let pypa = step(Publisher::Pypa, Index::Pypi, true);
        assert!(render_upload_steps_as(&pypa, &none).is_ok());
        // With a release, the steps install exactly it, by hash, with uv pinned.
        let text = render(&chora).unwrap();
        assert!(
            text.contains(&format!(
                "CHORA_REQUIREMENT: \"chora-cli==0.2.0 --hash=sha256:{TEST_SHA}\"\n"
            )),
            "{text}"
        );
        assert!(text.contains("version: \"0.13.8\"\n"), "{text}");
        assert!(
            text.contains("--require-hashes --no-deps --only-binary :all:"),
            "{text}"
        );
        assert!(!text.contains("uvx"), "{text}");
    }

    fn step(publisher: Publisher, index: Index, attestations: bool) -> UploadStep {
        UploadStep {
            files: Vec::new(),
            publisher,
            index,
            dist_dir: "dist/".to_string(),
            attestations,
        }
    }

    fn all_steps() -> Vec<UploadStep> {
        let mut out = Vec::new();
        for publisher in [Publisher::Chora, Publisher::Pypa] {
            for index in [Index::Pypi, Index::TestPypi] {
                for attestations in [true, false] {
                    out.push(step(publisher, index.clone(), attestations));
                }
            }
        }
        out
    }

    /// release.yml as `chora new` renders it with Trusted Publishing and TestPyPI.
    fn release_yml(publisher: Publisher, attestations: bool) -> String {
        let template = source::load_embedded(TEMPLATE).unwrap();
        let facts = Facts {
            dest_name: "demo-pkg".into(),
            current_year: 2026,
            release: release(),
            ..Facts::default()
        };
        let env = env::build(&facts).unwrap();
        let given: IndexMap<String, Given> = [
            ("author_name", "Ada"),
            ("author_email", "ada@example.org"),
            ("github_owner", "octo"),
            ("github_repository", "demo"),
            ("pypi_auth_method", "oidc"),
            ("publisher", publisher.answer()),
            ("publish_testpypi", "true"),
            ("attestations", if attestations { "true" } else { "false" }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Given::Text(v.to_string())))
        .collect();
        let resolved =
            resolve::resolve(&template.spec, &env, &facts, &given, Asker::Defaults).unwrap();
        let context = resolve::context(&resolved.values, &facts);
        let tree = render::render(&template, &context, &facts).unwrap();
        assert!(
            !tree.keys().any(|path| path.contains("_partials")),
            "partials are never written: {:?}",
            tree.keys().collect::<Vec<_>>()
        );
        String::from_utf8(tree[".github/workflows/release.yml"].contents.clone()).unwrap()
    }

    #[test]
    fn every_combination_is_a_yaml_sequence_of_steps() {
        let combos = all_steps();
        assert_eq!(combos.len(), 8);
        for step in &combos {
            let text = render(step).unwrap();
            assert!(text.starts_with("- name: "), "{step:?}:\n{text}");
            assert!(text.ends_with("\n") && !text.ends_with("\n\n"), "{text:?}");
            let Yaml::Sequence(items) = yaml_serde::from_str::<Yaml>(&text).unwrap() else {
                panic!("{step:?}: not a sequence:\n{text}");
            };
            let expected = match (step.publisher, step.attestations) {
                // chora-publish signs natively: setup-uv, the install by hash and the upload,
                // no signing step.
                (Publisher::Chora, _) => 3,
                (Publisher::Pypa, _) => 1,
            };
            assert_eq!(items.len(), expected, "{step:?}:\n{text}");
            for item in &items {
                assert!(
                    item.get("name").and_then(Yaml::as_str).is_some(),
                    "{item:?}"
                );
                assert!(
                    item.get("uses").is_some() != item.get("run").is_some(),
                    "a step uses an action or runs a command: {item:?}"
                );
            }
            let upload = items.last().unwrap();
            let service = if step.index == Index::TestPypi {
                "TestPyPI"
            } else {
                "PyPI"
            };
            assert_eq!(
                upload.get("name").and_then(Yaml::as_str),
                Some(format!("Upload to {service}").as_str())
            );
            // Trusted Publishing: no credential anywhere.
            assert!(
                !text.contains("secrets.") && !text.contains("--auth token"),
                "{text}"
            );
            assert!(upload.get("env").is_none(), "{text}");
            let to_testpypi = text.contains("https://test.pypi.org/legacy/");
            assert_eq!(to_testpypi, step.index == Index::TestPypi, "{text}");
            match step.publisher {
                Publisher::Chora => {
                    let run = upload.get("run").and_then(Yaml::as_str).unwrap();
                    assert!(run.starts_with("chora-publish upload "), "{run}");
                    assert!(run.ends_with(" dist/*"), "{run}");
                    assert_eq!(
                        run.contains(" --attestations=always --attestations-dir attestations "),
                        step.attestations,
                        "{run}"
                    );
                    assert_eq!(
                        run.contains(" --attestations=never "),
                        !step.attestations,
                        "{run}"
                    );
                    assert!(!text.contains("pypi-attestations"), "{text}");
                }
                Publisher::Pypa => {
                    let with = upload.get("with").unwrap();
                    assert_eq!(
                        with.get("attestations").and_then(Yaml::as_bool),
                        Some(step.attestations)
                    );
                    assert!(with.get("password").is_none() && with.get("packages-dir").is_none());
                }
            }
        }
    }

    #[test]
    fn actions_are_pinned_from_the_pin_table() {
        let uses: Vec<String> = all_steps()
            .iter()
            .flat_map(|step| {
                let text = render(step).unwrap();
                text.lines()
                    .filter_map(|l| l.trim().strip_prefix("uses: ").map(str::to_string))
                    .collect::<Vec<_>>()
            })
            .collect();
        // setup-uv in the four chora combinations, the PyPA action in the four others.
        assert_eq!(uses.len(), 8, "{uses:?}");
        for line in &uses {
            let action = line.split('@').next().unwrap();
            assert_eq!(line, &pins::find(action).unwrap().uses());
        }
    }

    #[test]
    fn release_yml_contains_exactly_the_same_steps() {
        let mut checked = 0;
        for publisher in [Publisher::Chora, Publisher::Pypa] {
            for attestations in [true, false] {
                let release = release_yml(publisher, attestations);
                for index in [Index::Pypi, Index::TestPypi] {
                    let steps = render(&step(publisher, index, attestations)).unwrap();
                    let indented: String = steps
                        .lines()
                        .map(|l| {
                            if l.is_empty() {
                                "\n".to_string()
                            } else {
                                format!("      {l}\n")
                            }
                        })
                        .collect();
                    assert_eq!(
                        release.matches(&indented).count(),
                        1,
                        "{publisher:?} attestations={attestations}:\n{indented}\nnot once in:\n{release}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8);
    }

    #[test]
    fn another_dist_folder_is_used_as_given() {
        let mut chora = step(Publisher::Chora, Index::Pypi, true);
        chora.dist_dir = "target/wheels/".into();
        let text = render(&chora).unwrap();
        assert!(!text.contains("pypi-attestations"), "{text}");
        assert!(text.ends_with("      target/wheels/*\n") || text.ends_with("  target/wheels/*\n"));
        let mut pypa = step(Publisher::Pypa, Index::TestPypi, false);
        pypa.dist_dir = "target/wheels".into();
        let text = render(&pypa).unwrap();
        assert!(
            text.contains("    packages-dir: target/wheels/\n"),
            "{text}"
        );
    }

    #[test]
    fn unsafe_dist_folders_and_other_indexes_are_refused() {
        for dir in [
            "",
            "/",
            "dist; curl evil",
            "${{ inputs.dir }}",
            "-rf",
            "dist/*",
            "a b",
        ] {
            for publisher in [Publisher::Chora, Publisher::Pypa] {
                let mut bad = step(publisher, Index::Pypi, false);
                bad.dist_dir = dir.into();
                let err = render(&bad).unwrap_err();
                assert!(matches!(err, PublisherError::DistDir(_)), "{dir:?}: {err}");
            }
        }
        // A folder pattern: expanded by the shell for chora-publish; the PyPA action takes one
        // folder.
        let mut pattern = step(Publisher::Chora, Index::Pypi, false);
        pattern.dist_dir = "wheels-*/".into();
        let text = render(&pattern).unwrap();
        assert!(text.contains("wheels-*/*"), "{text}");
        // Named files replace the folder's `*` in the upload command.
        let mut named = step(Publisher::Chora, Index::Pypi, true);
        named.dist_dir = "./".into();
        named.files = vec!["./*.whl".into(), "./*.tar.gz".into()];
        let text = render(&named).unwrap();
        assert!(text.contains("\n    ./*.whl ./*.tar.gz\n"), "{text}");
        assert!(!text.contains(".//*"), "{text}");
        named.files = vec!["x; rm -rf /".into()];
        assert!(matches!(render(&named), Err(PublisherError::DistDir(_))));
        pattern.publisher = Publisher::Pypa;
        assert!(matches!(render(&pattern), Err(PublisherError::DistDir(_))));
        let other = step(
            Publisher::Pypa,
            Index::Other("https://pypi.example/".into()),
            false,
        );
        assert!(matches!(render(&other), Err(PublisherError::OtherIndex(_))));
    }
}
