//! End-to-end plans over hand-written workflows (corpus-like shapes), with the detections a
//! detector would produce for them. The upload renderer is a stand-in (the template partial is
//! `publisher`'s job); it records what it was asked to render.

use std::cell::RefCell;
use std::path::PathBuf;

use indexmap::IndexMap;
use yaml_serde::Value;

use super::*;
use crate::migrate::edit::Edit;
use crate::workflow::model::{
    Credential, CredentialPlace, Detection, Index, Level, Refusal, Route, Segment, Span, Tool,
    Verdict,
};

/// `"jobs.publish.steps.2.env.X"` -> a route (all-digit parts are sequence indexes).
fn r(path: &str) -> Route {
    path.split('.')
        .map(|p| match p.parse::<usize>() {
            Ok(n) => Segment::Index(n),
            Err(_) => Segment::Key(p.to_string()),
        })
        .collect()
}

fn span() -> Span {
    Span {
        start: 0,
        end: 0,
        line: 1,
        column: 1,
    }
}

fn cred(place: CredentialPlace, route: &str, secret: Option<&str>) -> Credential {
    Credential {
        place,
        route: r(route),
        span: span(),
        secret: secret.map(str::to_string),
    }
}

fn env(level: Level, key: &str, route: &str, secret: Option<&str>) -> Credential {
    cred(
        CredentialPlace::Env {
            level,
            key: key.to_string(),
        },
        route,
        secret,
    )
}

fn with(key: &str, route: &str, secret: Option<&str>) -> Credential {
    cred(
        CredentialPlace::With {
            key: key.to_string(),
        },
        route,
        secret,
    )
}

fn arg(text: &str, route: &str, secret: Option<&str>) -> Credential {
    cred(
        CredentialPlace::Argument {
            text: text.to_string(),
        },
        route,
        secret,
    )
}

fn detection(
    job: &str,
    step: usize,
    tool: Tool,
    index: Index,
    credentials: Vec<Credential>,
) -> Detection {
    Detection {
        file: PathBuf::from(".github/workflows/release.yml"),
        job: job.to_string(),
        step: Some(step),
        tool,
        index,
        credentials,
        verdict: Verdict::Migrate,
        span: span(),
    }
}

fn facts() -> ProjectFacts {
    ProjectFacts {
        owner: Some("octo".to_string()),
        repository: Some("spam".to_string()),
        project_name: Some("Spam_Eggs".to_string()),
        ..ProjectFacts::default()
    }
}

/// A renderer that records its requests and renders one recognisable step.
struct FakeUpload {
    asked: RefCell<Vec<UploadStep>>,
}

impl FakeUpload {
    fn new() -> Self {
        FakeUpload {
            asked: RefCell::new(Vec::new()),
        }
    }
}

impl RenderUpload for FakeUpload {
    fn render_upload(&self, step: &UploadStep) -> Result<String, PublisherError> {
        self.asked.borrow_mut().push(step.clone());
        let to = match step.index {
            Index::TestPypi => "TestPyPI",
            _ => "PyPI",
        };
        Ok(format!(
            "- name: Upload to {to}\n  run: chora-publish upload {}*\n",
            step.dist_dir
        ))
    }
}

fn plan_with(
    source: &str,
    detections: &[Detection],
    options: &PlanOptions,
) -> (FilePlan, Vec<UploadStep>) {
    let fake = FakeUpload::new();
    let plan = plan_file_with(source, detections, &facts(), options, &fake).unwrap();
    let asked = fake.asked.into_inner();
    (plan, asked)
}

fn plan(source: &str, detections: &[Detection]) -> FilePlan {
    plan_with(source, detections, &PlanOptions::default()).0
}

fn write(entries: &[(&str, &str)]) -> IndexMap<String, Value> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

fn env_value(name: &str, url: &str) -> Value {
    let mut map = yaml_serde::Mapping::new();
    map.insert(Value::String("name".into()), Value::String(name.into()));
    map.insert(Value::String("url".into()), Value::String(url.into()));
    Value::Mapping(map)
}

const TWINE: &str = r#"name: Release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install
        run: python -m pip install build "twine==4.0.2"
      - name: Build
        run: python -m build
      - name: Upload
        env:
          TWINE_USERNAME: __token__
          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}
        run: twine upload dist/*
"#;

fn twine_detection() -> Detection {
    detection(
        "publish",
        3,
        Tool::Twine,
        Index::Pypi,
        vec![
            env(
                Level::Step,
                "TWINE_USERNAME",
                "jobs.publish.steps.3.env.TWINE_USERNAME",
                None,
            ),
            env(
                Level::Step,
                "TWINE_PASSWORD",
                "jobs.publish.steps.3.env.TWINE_PASSWORD",
                Some("PYPI_TOKEN"),
            ),
        ],
    )
}

#[test]
fn twine_env_loses_its_credentials_and_an_old_twine_pin_is_raised() {
    let plan = plan(TWINE, &[twine_detection()]);
    assert_eq!(
        plan.edits,
        vec![
            // Both entries go: the env mapping goes as a whole.
            Edit::Remove {
                route: r("jobs.publish.steps.3.env")
            },
            Edit::RewriteText {
                route: r("jobs.publish.steps.1.run"),
                from: "twine==4.0.2".into(),
                to: "twine==7.0.0".into(),
            },
            // No permissions anywhere: the repository default, narrowed.
            Edit::MergeInto {
                route: r("jobs.publish"),
                key: "permissions".into(),
                entries: write(&[("contents", "read"), ("id-token", "write")]),
            },
            Edit::Add {
                route: r("jobs.publish"),
                key: "environment".into(),
                value: env_value("pypi", "https://pypi.org/p/spam-eggs"),
            },
        ]
    );
    assert_eq!(plan.secrets_to_revoke, vec!["PYPI_TOKEN".to_string()]);
    assert_eq!(
        plan.environments,
        vec![EnvironmentUse {
            job: "publish".into(),
            name: "pypi".into(),
            index: Index::Pypi,
            created: true,
        }]
    );
    assert!(plan.refused.is_empty());
    let kinds: Vec<ActionKind> = plan.actions.iter().map(|a| a.kind).collect();
    for kind in [
        ActionKind::KeepStep,
        ActionKind::RaiseVersion,
        ActionKind::RemoveCredential,
        ActionKind::GrantIdToken,
        ActionKind::AddEnvironment,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }
    // Messages name secrets, never values.
    assert!(plan.actions.iter().all(|a| !a.message.contains("${{")));
}

#[test]
fn a_project_without_a_known_name_gets_an_environment_without_url() {
    let fake = FakeUpload::new();
    let plan = plan_file_with(
        TWINE,
        &[twine_detection()],
        &ProjectFacts::default(),
        &PlanOptions::default(),
        &fake,
    )
    .unwrap();
    let mut name_only = yaml_serde::Mapping::new();
    name_only.insert(Value::String("name".into()), Value::String("pypi".into()));
    assert!(plan.edits.contains(&Edit::Add {
        route: r("jobs.publish"),
        key: "environment".into(),
        value: Value::Mapping(name_only),
    }));
}

const PYPA: &str = r#"name: Publish
on:
  release:
    types: [published]
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    environment: release
    steps:
      - uses: actions/download-artifact@v4
      - uses: pypa/gh-action-pypi-publish@v1.4.1
        with:
          user: __token__
          password: ${{ secrets.pypi_password }}
          skip-existing: true
"#;

#[test]
fn pypa_action_keeps_its_step_loses_user_and_password_and_an_old_ref_is_repinned() {
    let d = detection(
        "publish",
        1,
        Tool::PypaAction,
        Index::Pypi,
        vec![
            with("user", "jobs.publish.steps.1.with.user", None),
            with(
                "password",
                "jobs.publish.steps.1.with.password",
                Some("pypi_password"),
            ),
        ],
    );
    let plan = plan(PYPA, &[d]);
    let pin = crate::template::pins::find("pypa/gh-action-pypi-publish").unwrap();
    assert_eq!(
        plan.edits,
        vec![
            // Rewritten inside the scalar: its style and a comment after it stay.
            Edit::RewriteText {
                route: r("jobs.publish.steps.1.uses"),
                from: "pypa/gh-action-pypi-publish@v1.4.1".into(),
                to: format!("pypa/gh-action-pypi-publish@{}", pin.sha),
            },
            // `skip-existing` stays, so the two keys go one by one.
            Edit::Remove {
                route: r("jobs.publish.steps.1.with.user")
            },
            Edit::Remove {
                route: r("jobs.publish.steps.1.with.password")
            },
            Edit::MergeInto {
                route: r("jobs.publish"),
                key: "permissions".into(),
                entries: write(&[("id-token", "write")]),
            },
        ]
    );
    assert_eq!(
        plan.environments,
        vec![EnvironmentUse {
            job: "publish".into(),
            name: "release".into(),
            index: Index::Pypi,
            created: false,
        }]
    );
    assert_eq!(plan.secrets_to_revoke, vec!["pypi_password".to_string()]);
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::KeepEnvironment && a.message.contains("`release`"))
    );
}

#[test]
fn a_current_pypa_ref_is_left_alone() {
    let source = PYPA.replace("@v1.4.1", "@release/v1");
    let d = detection(
        "publish",
        1,
        Tool::PypaAction,
        Index::Pypi,
        vec![with(
            "password",
            "jobs.publish.steps.1.with.password",
            Some("pypi_password"),
        )],
    );
    let plan = plan(&source, &[d]);
    assert!(!plan.edits.iter().any(
        |e| matches!(e, Edit::Replace { route, .. } if route == &r("jobs.publish.steps.1.uses"))
    ));
    assert!(
        plan.actions
            .iter()
            .all(|a| a.kind != ActionKind::RepinAction)
    );
}

const POETRY: &str = r#"on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Configure the token
        run: poetry config pypi-token.pypi ${{ secrets.PYPI_TOKEN }}
      - name: Publish
        if: startsWith(github.ref, 'refs/tags/')
        env:
          POETRY_PYPI_TOKEN_PYPI: ${{ secrets.PYPI_TOKEN_2 }}
          OTHER: kept
        run: |
          pip install poetry
          poetry publish --build
"#;

#[test]
fn poetry_config_goes_and_publish_build_splits_into_build_and_upload() {
    let d = detection(
        "release",
        2,
        Tool::Poetry,
        Index::Pypi,
        vec![
            cred(
                CredentialPlace::ConfigCommand {
                    text: "poetry config pypi-token.pypi ${{ secrets.PYPI_TOKEN }}".into(),
                },
                "jobs.release.steps.1.run",
                Some("PYPI_TOKEN"),
            ),
            env(
                Level::Step,
                "POETRY_PYPI_TOKEN_PYPI",
                "jobs.release.steps.2.env.POETRY_PYPI_TOKEN_PYPI",
                Some("PYPI_TOKEN_2"),
            ),
        ],
    );
    let (plan, asked) = plan_with(POETRY, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].dist_dir, "dist/");
    assert_eq!(asked[0].index, Index::Pypi);
    assert!(asked[0].attestations);
    let replace = plan
        .edits
        .iter()
        .find_map(|e| match e {
            Edit::ReplaceStep { route, yaml } if route == &r("jobs.release.steps.2") => {
                Some(yaml.clone())
            }
            _ => None,
        })
        .expect("the publish step is replaced");
    let items: Vec<Value> = yaml_serde::from_str(&replace).unwrap();
    assert_eq!(items.len(), 2, "{replace}");
    // The build keeps everything but the upload and the credential.
    assert_eq!(
        items[0]["run"].as_str(),
        Some("pip install poetry\npoetry build\n")
    );
    assert_eq!(items[0]["env"]["OTHER"].as_str(), Some("kept"));
    assert!(
        items[0]["env"].get("POETRY_PYPI_TOKEN_PYPI").is_none(),
        "{replace}"
    );
    assert_eq!(items[0]["name"].as_str(), Some("Publish"));
    // Both run only when the original did.
    for item in &items {
        assert_eq!(
            item["if"].as_str(),
            Some("startsWith(github.ref, 'refs/tags/')"),
            "{replace}"
        );
    }
    assert_eq!(items[1]["name"].as_str(), Some("Upload to PyPI"));
    // The step that only configured the token goes.
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.release.steps.1")
    }));
    // Last step first.
    let positions: Vec<usize> = plan
        .edits
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e, Edit::ReplaceStep { .. } | Edit::Remove { .. }))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(positions.len(), 2);
    assert!(matches!(plan.edits[positions[0]], Edit::ReplaceStep { .. }));
    assert_eq!(
        plan.secrets_to_revoke,
        vec!["PYPI_TOKEN".to_string(), "PYPI_TOKEN_2".to_string()]
    );
}

const FLIT: &str = r#"on:
  release:
    types: [published]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install flit
      - name: Publish
        env:
          FLIT_USERNAME: __token__
          FLIT_PASSWORD: ${{ secrets.PYPI_KEY }}
        run: flit publish
"#;

#[test]
fn flit_publish_becomes_flit_build_and_the_upload() {
    let d = detection(
        "deploy",
        2,
        Tool::Flit,
        Index::Pypi,
        vec![
            env(
                Level::Step,
                "FLIT_USERNAME",
                "jobs.deploy.steps.2.env.FLIT_USERNAME",
                None,
            ),
            env(
                Level::Step,
                "FLIT_PASSWORD",
                "jobs.deploy.steps.2.env.FLIT_PASSWORD",
                Some("PYPI_KEY"),
            ),
        ],
    );
    let (plan, asked) = plan_with(FLIT, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    let Some(Edit::ReplaceStep { route, yaml }) = plan.edits.first() else {
        panic!("first edit replaces the step: {:?}", plan.edits);
    };
    assert_eq!(route, &r("jobs.deploy.steps.2"));
    let items: Vec<Value> = yaml_serde::from_str(yaml).unwrap();
    assert_eq!(items.len(), 2, "{yaml}");
    assert_eq!(items[0]["run"].as_str(), Some("flit build"));
    assert_eq!(items[0]["name"].as_str(), Some("Build the distributions"));
    assert!(items[0].get("env").is_none(), "an emptied env goes: {yaml}");
    assert_eq!(plan.secrets_to_revoke, vec!["PYPI_KEY".to_string()]);
}

const HATCH: &str = r#"on:
  push:
    tags: ["*"]
jobs:
  pypi:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
      - name: Build package
        run: |
          hatch build
      - name: Publish
        run: |
          hatch publish
        env:
          HATCH_INDEX_USER: __token__
          HATCH_INDEX_AUTH: ${{ secrets.PYPI_PASSWORD }}
"#;

#[test]
fn hatch_publish_after_hatch_build_is_replaced_by_the_upload_only() {
    let d = detection(
        "pypi",
        2,
        Tool::Hatch,
        Index::Pypi,
        vec![
            env(
                Level::Step,
                "HATCH_INDEX_USER",
                "jobs.pypi.steps.2.env.HATCH_INDEX_USER",
                None,
            ),
            env(
                Level::Step,
                "HATCH_INDEX_AUTH",
                "jobs.pypi.steps.2.env.HATCH_INDEX_AUTH",
                Some("PYPI_PASSWORD"),
            ),
        ],
    );
    let (plan, _) = plan_with(HATCH, &[d], &PlanOptions::default());
    let Some(Edit::ReplaceStep { yaml, .. }) = plan.edits.first() else {
        panic!("{:?}", plan.edits);
    };
    assert_eq!(
        yaml,
        "- name: Upload to PyPI\n  run: chora-publish upload dist/*\n"
    );
}

const PDM_UV: &str = r#"on:
  push:
    tags: ["v*"]
jobs:
  pdm:
    runs-on: ubuntu-latest
    steps:
      - name: Publish
        env:
          PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}
        run: pdm publish --username __token__ --password $PYPI_TOKEN
  uv:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: uv build
      - run: uv publish -t ${{ secrets.UV_TOKEN }} --publish-url https://test.pypi.org/legacy/
"#;

#[test]
fn pdm_and_uv_keep_their_step_and_lose_their_arguments() {
    let pdm = detection(
        "pdm",
        0,
        Tool::Pdm,
        Index::Pypi,
        vec![
            arg("--username __token__", "jobs.pdm.steps.0.run", None),
            arg("--password $PYPI_TOKEN", "jobs.pdm.steps.0.run", None),
            env(
                Level::Step,
                "PYPI_TOKEN",
                "jobs.pdm.steps.0.env.PYPI_TOKEN",
                Some("PYPI_TOKEN"),
            ),
        ],
    );
    let uv = detection(
        "uv",
        1,
        Tool::Uv,
        Index::TestPypi,
        vec![arg(
            "-t ${{ secrets.UV_TOKEN }}",
            "jobs.uv.steps.1.run",
            Some("UV_TOKEN"),
        )],
    );
    let (plan, asked) = plan_with(PDM_UV, &[pdm, uv], &PlanOptions::default());
    assert!(asked.is_empty(), "native tools need no replacement upload");
    for expected in [
        Edit::RewriteText {
            route: r("jobs.pdm.steps.0.run"),
            from: " --username __token__".into(),
            to: String::new(),
        },
        Edit::RewriteText {
            route: r("jobs.pdm.steps.0.run"),
            from: " --password $PYPI_TOKEN".into(),
            to: String::new(),
        },
        Edit::Remove {
            route: r("jobs.pdm.steps.0.env"),
        },
        Edit::RewriteText {
            route: r("jobs.uv.steps.1.run"),
            from: " -t ${{ secrets.UV_TOKEN }}".into(),
            to: String::new(),
        },
        Edit::MergeInto {
            route: r("jobs.uv"),
            key: "permissions".into(),
            entries: write(&[("id-token", "write")]),
        },
        Edit::Add {
            route: r("jobs.uv"),
            key: "environment".into(),
            value: env_value("testpypi", "https://test.pypi.org/p/spam-eggs"),
        },
    ] {
        assert!(
            plan.edits.contains(&expected),
            "{expected:?} not in {:#?}",
            plan.edits
        );
    }
    assert_eq!(plan.edits.len(), 8, "{:#?}", plan.edits);
    assert_eq!(
        plan.secrets_to_revoke,
        vec!["PYPI_TOKEN".to_string(), "UV_TOKEN".to_string()]
    );
}

const MATURIN: &str = r#"on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
      attestations: write
    steps:
      - uses: actions/download-artifact@v4
        with:
          path: dist
          merge-multiple: true
      - name: Publish to PyPI
        if: ${{ startsWith(github.ref, 'refs/tags/') }}
        uses: PyO3/maturin-action@v1
        env:
          MATURIN_PYPI_TOKEN: ${{ secrets.PYPI_API_TOKEN }}
        with:
          command: upload
          args: --non-interactive --skip-existing dist/*
"#;

#[test]
fn maturin_action_upload_is_replaced_even_when_the_job_already_has_id_token() {
    let d = detection(
        "release",
        1,
        Tool::Maturin,
        Index::Pypi,
        vec![env(
            Level::Step,
            "MATURIN_PYPI_TOKEN",
            "jobs.release.steps.1.env.MATURIN_PYPI_TOKEN",
            Some("PYPI_API_TOKEN"),
        )],
    );
    let (plan, asked) = plan_with(MATURIN, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].dist_dir, "dist/");
    let Some(Edit::ReplaceStep { route, yaml }) = plan.edits.first() else {
        panic!("{:?}", plan.edits);
    };
    assert_eq!(route, &r("jobs.release.steps.1"));
    assert!(
        yaml.contains("  if: ${{ startsWith(github.ref, 'refs/tags/') }}\n")
            || yaml.contains("  if: '${{"),
        "{yaml}"
    );
    // id-token is already there; only the environment is added.
    assert_eq!(plan.edits.len(), 2, "{:#?}", plan.edits);
    assert!(matches!(&plan.edits[1], Edit::Add { key, .. } if key == "environment"));
    assert_eq!(plan.secrets_to_revoke, vec!["PYPI_API_TOKEN".to_string()]);
}

#[test]
fn maturin_action_publish_becomes_a_maturin_build_and_the_upload() {
    let source = MATURIN
        .replace("command: upload", "command: publish")
        .replace(
            "--non-interactive --skip-existing dist/*",
            "-m py/Cargo.toml --skip-existing",
        );
    let d = detection(
        "release",
        1,
        Tool::Maturin,
        Index::Pypi,
        vec![env(
            Level::Step,
            "MATURIN_PYPI_TOKEN",
            "jobs.release.steps.1.env.MATURIN_PYPI_TOKEN",
            Some("PYPI_API_TOKEN"),
        )],
    );
    let (plan, asked) = plan_with(&source, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    let Some(Edit::ReplaceStep { yaml, .. }) = plan.edits.first() else {
        panic!("{:?}", plan.edits);
    };
    let items: Vec<Value> = yaml_serde::from_str(yaml).unwrap();
    assert_eq!(items.len(), 2, "{yaml}");
    assert_eq!(items[0]["with"]["command"].as_str(), Some("build"));
    assert_eq!(
        items[0]["with"]["args"].as_str(),
        Some("--release --sdist --out dist -m py/Cargo.toml")
    );
    assert!(items[0].get("env").is_none(), "{yaml}");
}

const SETUP_PY: &str = r#"on:
  push:
    tags: ["v*"]
jobs:
  upload:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and upload
        working-directory: python
        env:
          TWINE_USERNAME: __token__
          TWINE_PASSWORD: ${{ secrets.PYPI }}
        run: python setup.py sdist bdist_wheel upload
"#;

#[test]
fn setup_py_upload_keeps_the_build_and_uploads_from_the_working_directory() {
    let d = detection(
        "upload",
        1,
        Tool::SetupPy,
        Index::Pypi,
        vec![
            env(
                Level::Step,
                "TWINE_USERNAME",
                "jobs.upload.steps.1.env.TWINE_USERNAME",
                None,
            ),
            env(
                Level::Step,
                "TWINE_PASSWORD",
                "jobs.upload.steps.1.env.TWINE_PASSWORD",
                Some("PYPI"),
            ),
        ],
    );
    let (plan, asked) = plan_with(SETUP_PY, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].dist_dir, "python/dist/");
    let Some(Edit::ReplaceStep { yaml, .. }) = plan.edits.first() else {
        panic!("{:?}", plan.edits);
    };
    let items: Vec<Value> = yaml_serde::from_str(yaml).unwrap();
    assert_eq!(
        items[0]["run"].as_str(),
        Some("python setup.py sdist bdist_wheel")
    );
    assert_eq!(items[0]["working-directory"].as_str(), Some("python"));
}

const WORKFLOW_ENV: &str = r#"on:
  push:
    tags: ["v*"]
env:
  TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}
  PYTHONUNBUFFERED: "1"
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: pytest
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: twine upload -u __token__ dist/*
"#;

fn workflow_env_detection() -> Detection {
    detection(
        "publish",
        0,
        Tool::Twine,
        Index::Pypi,
        vec![
            env(
                Level::Workflow,
                "TWINE_PASSWORD",
                "env.TWINE_PASSWORD",
                Some("PYPI_TOKEN"),
            ),
            arg("-u __token__", "jobs.publish.steps.0.run", None),
        ],
    )
}

#[test]
fn a_workflow_level_credential_no_other_step_reads_is_removed() {
    let plan = plan(WORKFLOW_ENV, &[workflow_env_detection()]);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("env.TWINE_PASSWORD")
    }));
    assert!(!plan.edits.contains(&Edit::Remove { route: r("env") }));
    assert_eq!(plan.secrets_to_revoke, vec!["PYPI_TOKEN".to_string()]);
}

#[test]
fn a_workflow_level_credential_another_step_reads_is_kept_and_reported() {
    let source = WORKFLOW_ENV.replace("- run: pytest", "- run: echo \"$TWINE_PASSWORD\" | wc -c");
    let plan = plan(&source, &[workflow_env_detection()]);
    assert!(
        !plan
            .edits
            .iter()
            .any(|e| matches!(e, Edit::Remove { route } if route.first() == Some(&Segment::Key("env".into()))))
    );
    assert!(
        plan.secrets_to_revoke.is_empty(),
        "still used: not to revoke yet"
    );
    let kept: Vec<&Action> = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::KeepCredential)
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0].message.contains("job `test`"),
        "{}",
        kept[0].message
    );
}

#[test]
fn a_credential_an_other_service_step_also_receives_is_never_touched() {
    // Neither step names the variable: twine reads it implicitly. Only the detections tell
    // that the second upload (another index) receives it too.
    let source = r#"on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    env:
      TWINE_PASSWORD: ${{ secrets.TOKEN }}
    steps:
      - run: twine upload dist/*
      - run: twine upload --repository-url https://example.org/legacy/ dist/*
"#;
    let shared = || {
        env(
            Level::Job,
            "TWINE_PASSWORD",
            "jobs.publish.env.TWINE_PASSWORD",
            Some("TOKEN"),
        )
    };
    let pypi = detection("publish", 0, Tool::Twine, Index::Pypi, vec![shared()]);
    let mut other = detection(
        "publish",
        1,
        Tool::Twine,
        Index::Other("https://example.org/legacy/".into()),
        vec![shared()],
    );
    other.verdict = Verdict::OtherService;
    let plan = plan(source, &[pypi.clone(), other]);
    assert!(
        !plan.edits.iter().any(
            |e| matches!(e, Edit::Remove { route } if route.starts_with(&r("jobs.publish.env")))
        ),
        "{:#?}",
        plan.edits
    );
    assert!(plan.secrets_to_revoke.is_empty());
    let kept: Vec<&Action> = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::KeepCredential)
        .collect();
    assert_eq!(kept.len(), 1);
    assert!(
        kept[0].message.contains("step 2 of job `publish`"),
        "{}",
        kept[0].message
    );
    // Alone, the same credential goes (the whole env mapping, its only entry).
    let plan = super::tests::plan(source, &[pypi]);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.env")
    }));
    assert_eq!(plan.secrets_to_revoke, vec!["TOKEN".to_string()]);
}

#[test]
fn a_refused_job_gets_no_edit_even_for_its_other_publishing_steps() {
    let source = r#"on:
  pull_request_target:
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - run: twine upload -p ${{ secrets.A }} dist/*
      - run: uv publish -t ${{ secrets.B }}
"#;
    let mut refused = detection(
        "publish",
        0,
        Tool::Twine,
        Index::Pypi,
        vec![arg(
            "-p ${{ secrets.A }}",
            "jobs.publish.steps.0.run",
            Some("A"),
        )],
    );
    refused.verdict = Verdict::Refuse(Refusal::PullRequestTarget);
    let other = detection(
        "publish",
        1,
        Tool::Uv,
        Index::Pypi,
        vec![arg(
            "-t ${{ secrets.B }}",
            "jobs.publish.steps.1.run",
            Some("B"),
        )],
    );
    let plan = plan(source, &[refused, other]);
    assert!(plan.edits.is_empty(), "{:#?}", plan.edits);
    assert!(plan.environments.is_empty());
    assert_eq!(plan.refused.len(), 1);
    assert_eq!(plan.refused[0].refusal, Refusal::PullRequestTarget);
}

const NARROW: &str = r#"on:
  push:
    tags: ["v*"]
permissions:
  contents: read
  id-token: write
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: python -m build
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          password: ${{ secrets.PYPI_TOKEN }}
"#;

fn narrow_detection() -> Detection {
    detection(
        "publish",
        0,
        Tool::PypaAction,
        Index::Pypi,
        vec![with(
            "password",
            "jobs.publish.steps.0.with.password",
            Some("PYPI_TOKEN"),
        )],
    )
}

#[test]
fn a_workflow_level_id_token_is_narrowed_to_the_publishing_job() {
    let plan = plan(NARROW, &[narrow_detection()]);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("permissions.id-token")
    }));
    assert!(plan.edits.contains(&Edit::MergeInto {
        route: r("jobs.publish"),
        key: "permissions".into(),
        entries: write(&[("contents", "read"), ("id-token", "write")]),
    }));
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::NarrowIdToken)
    );
}

#[test]
fn a_workflow_level_id_token_another_job_inherits_is_kept() {
    let source = NARROW.replace(
        "    permissions:\n      contents: read\n    steps:\n      - run: python -m build",
        "    steps:\n      - run: python -m build",
    );
    let plan = plan(&source, &[narrow_detection()]);
    assert!(
        !plan
            .edits
            .iter()
            .any(|e| matches!(e, Edit::Remove { route } | Edit::Replace { route, .. } if route.first() == Some(&Segment::Key("permissions".into()))))
    );
    // The publishing job still inherits id-token: no permissions edit for it.
    assert!(
        !plan
            .edits
            .iter()
            .any(|e| matches!(e, Edit::MergeInto { .. }))
    );
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.message.contains("`build`"))
    );
}

#[test]
fn a_workflow_granting_only_id_token_is_left_with_no_grants() {
    let source = NARROW.replace(
        "permissions:\n  contents: read\n  id-token: write\n",
        "permissions:\n  id-token: write\n",
    );
    let plan = plan(&source, &[narrow_detection()]);
    assert!(plan.edits.contains(&Edit::Replace {
        route: r("permissions"),
        value: Value::Mapping(yaml_serde::Mapping::new()),
    }));
    assert!(plan.edits.contains(&Edit::MergeInto {
        route: r("jobs.publish"),
        key: "permissions".into(),
        entries: write(&[("id-token", "write")]),
    }));
}

#[test]
fn one_job_uploading_to_both_indexes_gets_one_environment_for_both() {
    let source = r#"on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          password: ${{ secrets.TEST_PYPI_TOKEN }}
          repository-url: https://test.pypi.org/legacy/
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          password: ${{ secrets.PYPI_TOKEN }}
"#;
    let test = detection(
        "publish",
        0,
        Tool::PypaAction,
        Index::TestPypi,
        vec![with(
            "password",
            "jobs.publish.steps.0.with.password",
            Some("TEST_PYPI_TOKEN"),
        )],
    );
    let pypi = detection(
        "publish",
        1,
        Tool::PypaAction,
        Index::Pypi,
        vec![with(
            "password",
            "jobs.publish.steps.1.with.password",
            Some("PYPI_TOKEN"),
        )],
    );
    let plan = plan(source, &[test, pypi]);
    let added: Vec<&Edit> = plan
        .edits
        .iter()
        .filter(|e| matches!(e, Edit::Add { key, .. } if key == "environment"))
        .collect();
    assert_eq!(
        added,
        vec![&Edit::Add {
            route: r("jobs.publish"),
            key: "environment".into(),
            value: env_value("pypi", "https://pypi.org/p/spam-eggs"),
        }]
    );
    assert_eq!(plan.environments.len(), 2);
    assert!(
        plan.environments
            .iter()
            .all(|e| e.name == "pypi" && e.created)
    );
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.message.contains("both TestPyPI and PyPI"))
    );
    assert_eq!(
        plan.secrets_to_revoke,
        vec!["PYPI_TOKEN".to_string(), "TEST_PYPI_TOKEN".to_string()]
    );
}

#[test]
fn an_environment_in_mapping_form_is_kept_by_name() {
    let source = TWINE.replace(
        "    runs-on: ubuntu-latest\n",
        "    runs-on: ubuntu-latest\n    environment:\n      name: production\n      url: https://example.org\n",
    );
    let plan = plan(&source, &[twine_detection()]);
    assert!(
        !plan
            .edits
            .iter()
            .any(|e| matches!(e, Edit::Add { key, .. } if key == "environment"))
    );
    assert_eq!(plan.environments[0].name, "production");
    assert!(!plan.environments[0].created);
}

const REUSABLE: &str = r#"on:
  workflow_call:
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          password: ${{ secrets.pypi_token }}
"#;

fn reusable_detection() -> Detection {
    let mut d = detection(
        "publish",
        0,
        Tool::PypaAction,
        Index::Pypi,
        vec![with(
            "password",
            "jobs.publish.steps.0.with.password",
            Some("pypi_token"),
        )],
    );
    d.verdict = Verdict::Refuse(Refusal::ReusableWorkflow);
    d
}

#[test]
fn a_reusable_workflow_is_refused_with_the_reason_and_the_fix() {
    let plan = plan(REUSABLE, &[reusable_detection()]);
    assert!(plan.edits.is_empty(), "{:?}", plan.edits);
    assert!(plan.secrets_to_revoke.is_empty());
    assert_eq!(plan.refused.len(), 1);
    assert_eq!(plan.refused[0].job, "publish");
    assert!(!plan.refused[0].forced);
    assert!(plan.refused[0].fix.contains("calling workflow"));
    assert!(!plan.is_noop());
}

#[test]
fn force_rewrites_a_refused_job_and_still_lists_the_refusal() {
    let options = PlanOptions {
        force: true,
        ..PlanOptions::default()
    };
    let (plan, _) = plan_with(REUSABLE, &[reusable_detection()], &options);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.steps.0.with")
    }));
    assert_eq!(plan.refused.len(), 1);
    assert!(plan.refused[0].forced);
}

#[test]
fn already_trusted_and_other_service_detections_change_nothing() {
    let mut trusted = twine_detection();
    trusted.verdict = Verdict::AlreadyTrusted;
    let mut other = twine_detection();
    other.verdict = Verdict::OtherService;
    let plan = plan(TWINE, &[trusted, other]);
    assert!(plan.is_noop(), "{plan:?}");
    assert!(plan.actions.is_empty());
}

#[test]
fn a_matrix_job_is_migrated_and_reported() {
    let source = TWINE.replace(
        "    runs-on: ubuntu-latest\n",
        "    strategy:\n      matrix:\n        os: [ubuntu-latest, windows-latest]\n    runs-on: ${{ matrix.os }}\n",
    );
    let plan = plan(&source, &[twine_detection()]);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.steps.3.env")
    }));
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.message.contains("matrix"))
    );
}

#[test]
fn a_composite_action_loses_its_credentials_and_points_at_its_callers() {
    let source = r#"name: Release
runs:
  using: composite
  steps:
    - shell: bash
      env:
        UV_PUBLISH_TOKEN: ${{ inputs.token }}
      run: uv publish
"#;
    let mut d = detection(
        "",
        0,
        Tool::Uv,
        Index::Pypi,
        vec![env(
            Level::Step,
            "UV_PUBLISH_TOKEN",
            "runs.steps.0.env.UV_PUBLISH_TOKEN",
            None,
        )],
    );
    d.file = PathBuf::from(".github/actions/release/action.yml");
    let plan = plan(source, &[d]);
    assert_eq!(
        plan.edits,
        vec![Edit::Remove {
            route: r("runs.steps.0.env")
        }]
    );
    assert!(plan.environments.is_empty());
    assert!(
        plan.actions
            .iter()
            .any(|a| a.message.contains("composite action"))
    );
}

#[test]
fn a_detection_naming_a_missing_step_is_an_error_not_a_panic() {
    let mut d = twine_detection();
    d.step = Some(42);
    let fake = FakeUpload::new();
    let err = plan_file_with(TWINE, &[d], &facts(), &PlanOptions::default(), &fake).unwrap_err();
    assert!(
        matches!(err, PlanError::UnknownStep { step: 42, .. }),
        "{err}"
    );
    let err = plan_file_with("[1, 2]", &[], &facts(), &PlanOptions::default(), &fake).unwrap_err();
    assert!(matches!(err, PlanError::NotAWorkflow), "{err}");
    let err = plan_file_with("a: [", &[], &facts(), &PlanOptions::default(), &fake).unwrap_err();
    assert!(matches!(err, PlanError::Parse(_)), "{err}");
}

#[test]
fn a_failing_renderer_is_a_typed_error_naming_the_job() {
    let d = detection("pypi", 2, Tool::Hatch, Index::Pypi, vec![]);
    let failing = |_: &UploadStep| -> Result<String, PublisherError> {
        Err(PublisherError::OtherIndex("x".into()))
    };
    let err = plan_file_with(HATCH, &[d], &facts(), &PlanOptions::default(), &failing).unwrap_err();
    assert!(
        matches!(&err, PlanError::Render { job, .. } if job == "pypi"),
        "{err}"
    );
}

// Idempotence: the texts a correct migration produces (written by hand, as `apply` would
// leave them), planned again with what a detector reports for them — a tool with native
// Trusted Publishing and no credential left, `Verdict::Migrate` — yield no edits.

const TWINE_MIGRATED: &str = r#"name: Release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install
        run: python -m pip install build "twine==7.0.0"
      - name: Build
        run: python -m build
      - name: Upload
        run: twine upload dist/*
    permissions:
      contents: read
      id-token: write
    environment:
      name: pypi
      url: https://pypi.org/p/spam-eggs
"#;

#[test]
fn a_migrated_twine_workflow_plans_no_edits() {
    let d = detection("publish", 3, Tool::Twine, Index::Pypi, vec![]);
    let plan = plan(TWINE_MIGRATED, &[d]);
    assert!(plan.edits.is_empty(), "{:#?}", plan.edits);
    assert!(plan.secrets_to_revoke.is_empty());
}

#[test]
fn a_narrowed_workflow_plans_no_edits() {
    let source = r#"on:
  push:
    tags: ["v*"]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: python -m build
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
    permissions:
      contents: read
      id-token: write
    environment:
      name: pypi
"#;
    let d = detection("publish", 0, Tool::PypaAction, Index::Pypi, vec![]);
    let plan = plan(source, &[d]);
    assert!(plan.edits.is_empty(), "{:#?}", plan.edits);
}

/// Plan, apply, re-plan: needs `migrate::apply` (being written in parallel) and the
/// detector's output on the result, here the detection a detector reports for it.
#[test]
fn plan_apply_plan_is_a_no_op() {
    let first = plan(TWINE, &[twine_detection()]);
    let migrated = crate::migrate::apply::apply(TWINE, &first.edits).unwrap();
    let again = plan(
        &migrated,
        &[detection("publish", 3, Tool::Twine, Index::Pypi, vec![])],
    );
    assert!(again.edits.is_empty(), "{migrated}\n{:#?}", again.edits);
    let first = plan(
        HATCH,
        &[detection("pypi", 2, Tool::Hatch, Index::Pypi, vec![])],
    );
    let migrated = crate::migrate::apply::apply(HATCH, &first.edits).unwrap();
    let reparsed: Value = yaml_serde::from_str(&migrated).unwrap();
    assert!(
        reparsed["jobs"]["pypi"]["environment"].is_mapping(),
        "{migrated}"
    );
}

#[test]
fn twine_ranges_that_exclude_6_1_are_raised_and_others_left() {
    let source = r#"on: push
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions: read-all
    steps:
      - run: pip install "twine<6" 'twine>=5'
      - run: uvx twine@4.0.2 upload -p "$T" dist/*
      - run: pip install twine==6.2.0 "twine<7" "twine<6.2"
"#;
    let d = detection(
        "publish",
        1,
        Tool::Twine,
        Index::Pypi,
        vec![arg("-p \"$T\"", "jobs.publish.steps.1.run", None)],
    );
    let plan = plan(source, &[d]);
    let rewrites: Vec<(String, String)> = plan
        .edits
        .iter()
        .filter_map(|e| match e {
            Edit::RewriteText { from, to, .. } => Some((from.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rewrites,
        vec![
            (" -p \"$T\"".to_string(), String::new()),
            ("twine@4.0.2".to_string(), "twine@7.0.0".to_string()),
            ("twine<6".to_string(), "twine>=6.1".to_string()),
        ]
    );
    // `read-all` is spelled out so that id-token can be added.
    let Some(Edit::Replace { route, value }) = plan
        .edits
        .iter()
        .find(|e| matches!(e, Edit::Replace { .. }))
    else {
        panic!("{:#?}", plan.edits);
    };
    assert_eq!(route, &r("jobs.publish.permissions"));
    assert_eq!(value["contents"].as_str(), Some("read"));
    assert_eq!(value["id-token"].as_str(), Some("write"));
}

#[test]
fn an_upload_command_not_in_the_script_leaves_the_step_alone_and_says_so() {
    let source = HATCH.replace("hatch publish", "./scripts/release.sh");
    let d = detection(
        "pypi",
        2,
        Tool::Hatch,
        Index::Pypi,
        vec![env(
            Level::Step,
            "HATCH_INDEX_AUTH",
            "jobs.pypi.steps.2.env.HATCH_INDEX_AUTH",
            Some("PYPI_PASSWORD"),
        )],
    );
    let (plan, asked) = plan_with(&source, &[d], &PlanOptions::default());
    assert!(asked.is_empty());
    let inside = r("jobs.pypi.steps.2");
    assert!(
        !plan.edits.iter().any(|e| match e {
            Edit::Remove { route } | Edit::ReplaceStep { route, .. } => route.starts_with(&inside),
            _ => false,
        }),
        "{:#?}",
        plan.edits
    );
    assert!(plan.secrets_to_revoke.is_empty());
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.step == Some(2))
    );
}

#[test]
fn a_secret_the_file_still_uses_elsewhere_is_not_listed_for_revocation() {
    let source = TWINE.replace(
        "      - uses: actions/checkout@v4\n",
        "      - uses: actions/checkout@v4\n        with:\n          token: ${{ secrets.PYPI_TOKEN }}\n",
    );
    let plan = plan(&source, &[twine_detection()]);
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.steps.3.env")
    }));
    assert!(
        plan.secrets_to_revoke.is_empty(),
        "{:?}",
        plan.secrets_to_revoke
    );
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::KeepCredential && a.message.contains("PYPI_TOKEN"))
    );
}

#[test]
fn a_native_upload_without_credentials_gets_only_id_token_and_environment() {
    // Corpus 056's shape: `uv publish` with no token and no id-token (it would fail).
    let source = r#"on:
  release:
    types: [published]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
        with:
          token: "${{ secrets.PERSONAL_ACCESS_TOKEN }}"
      - run: uv build
      - run: uv publish
"#;
    let d = detection("deploy", 2, Tool::Uv, Index::Pypi, vec![]);
    let plan = plan(source, &[d]);
    assert_eq!(
        plan.edits,
        vec![
            Edit::MergeInto {
                route: r("jobs.deploy"),
                key: "permissions".into(),
                entries: write(&[("contents", "read"), ("id-token", "write")]),
            },
            Edit::Add {
                route: r("jobs.deploy"),
                key: "environment".into(),
                value: env_value("pypi", "https://pypi.org/p/spam-eggs"),
            },
        ]
    );
    assert!(plan.secrets_to_revoke.is_empty());
}

#[test]
fn a_job_that_writes_releases_keeps_contents_write_when_it_had_the_default() {
    let source = TWINE.replace(
        "      - name: Upload\n",
        "      - uses: softprops/action-gh-release@v2\n      - name: Upload\n",
    );
    let mut d = twine_detection();
    d.step = Some(4);
    for c in &mut d.credentials {
        c.route = r(&format!(
            "jobs.publish.steps.4.env.{}",
            match &c.place {
                CredentialPlace::Env { key, .. } => key.clone(),
                _ => String::new(),
            }
        ));
    }
    let plan = plan(&source, &[d]);
    assert!(plan.edits.contains(&Edit::MergeInto {
        route: r("jobs.publish"),
        key: "permissions".into(),
        entries: write(&[("contents", "write"), ("id-token", "write")]),
    }));
}

#[test]
fn the_pypa_publisher_on_a_non_linux_runner_is_reported() {
    let source = FLIT.replace("runs-on: ubuntu-latest", "runs-on: windows-latest");
    let d = detection("deploy", 2, Tool::Flit, Index::Pypi, vec![]);
    let options = PlanOptions {
        publisher: Publisher::Pypa,
        ..PlanOptions::default()
    };
    let (plan, asked) = plan_with(&source, std::slice::from_ref(&d), &options);
    assert_eq!(asked[0].publisher, Publisher::Pypa);
    let linux = |p: &FilePlan| {
        p.actions
            .iter()
            .filter(|a| a.message.contains("Linux"))
            .count()
    };
    assert_eq!(linux(&plan), 1);
    let (plan, _) = plan_with(&source, &[d], &chora_options());
    assert_eq!(linux(&plan), 0);
}

/// `--publisher chora`.
fn chora_options() -> PlanOptions {
    PlanOptions {
        publisher: Publisher::Chora,
        ..PlanOptions::default()
    }
}

#[test]
fn the_default_publisher_is_pypa_until_a_chora_cli_release_is_known() {
    // data/chora-releases.tsv lists none yet.
    assert!(
        crate::template::runtime::Runtime::embedded()
            .chora
            .is_none()
    );
    assert_eq!(PlanOptions::default().publisher, Publisher::Pypa);
}

#[test]
fn wheels_in_several_directories_are_fine_for_chora_and_reported_for_the_pypa_action() {
    let source = MATURIN.replace("dist/*", "wheels-*/*");
    let d = detection("release", 1, Tool::Maturin, Index::Pypi, vec![]);
    let (plan, asked) = plan_with(&source, std::slice::from_ref(&d), &chora_options());
    assert_eq!(asked[0].dist_dir, "wheels-*/");
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| a.message.contains("several directories"))
    );
    let options = PlanOptions {
        publisher: Publisher::Pypa,
        ..PlanOptions::default()
    };
    let (plan, _) = plan_with(&source, &[d], &options);
    let notes = plan
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Review && a.message.contains("several directories"))
        .count();
    assert_eq!(notes, 1);
}

#[test]
fn a_pypa_action_user_other_than_token_goes_even_when_not_listed() {
    let source = PYPA.replace("user: __token__", "user: ${{ secrets.PYPI_USERNAME }}");
    let d = detection(
        "publish",
        1,
        Tool::PypaAction,
        Index::Pypi,
        vec![with(
            "password",
            "jobs.publish.steps.1.with.password",
            Some("pypi_password"),
        )],
    );
    let plan = plan(&source, std::slice::from_ref(&d));
    assert!(plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.steps.1.with.user")
    }));
    assert_eq!(
        plan.secrets_to_revoke,
        vec!["PYPI_USERNAME".to_string(), "pypi_password".to_string()]
    );
    // `user: __token__` is the default: left alone when the detector does not list it.
    let plan = super::tests::plan(PYPA, &[d]);
    assert!(!plan.edits.contains(&Edit::Remove {
        route: r("jobs.publish.steps.1.with.user")
    }));
}

#[test]
fn an_upload_inside_a_python_shell_script_is_left_for_a_person() {
    let source = FLIT.replace("run: flit publish", "shell: python\n        run: |\n          import subprocess\n          subprocess.run([\"flit publish\"], shell=True)");
    let d = detection("deploy", 2, Tool::Flit, Index::Pypi, vec![]);
    let (plan, asked) = plan_with(&source, &[d], &PlanOptions::default());
    assert!(asked.is_empty());
    assert!(
        !plan
            .edits
            .iter()
            .any(|e| matches!(e, Edit::ReplaceStep { .. }))
    );
    assert!(
        plan.actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.message.contains("Python"))
    );
}

#[test]
fn files_named_on_the_upload_are_uploaded_exactly_and_flag_values_are_not_files() {
    // Wheels and the sdist uploaded from the working folder, each by name: chora-publish must
    // upload those files, not everything in the folder (the repository's own files).
    let source = MATURIN.replace(
        "--non-interactive --skip-existing dist/*",
        "--skip-existing --repository-url https://upload.pypi.org/legacy/ *.whl",
    );
    let d = detection("release", 1, Tool::Maturin, Index::Pypi, vec![]);
    let (_, asked) = plan_with(&source, std::slice::from_ref(&d), &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].dist_dir, "./");
    assert_eq!(asked[0].files, vec!["./*.whl".to_string()]);

    // A whole folder is just the folder.
    let (_, asked) = plan_with(MATURIN, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    assert!(asked[0].files.is_empty(), "{:?}", asked[0].files);
}

#[test]
fn a_step_that_only_configures_the_token_is_removed_not_treated_as_the_upload() {
    // As the detector reports it: the configuration step is a detection of its own (with the
    // credential), the upload another (without one).
    let config = detection(
        "release",
        1,
        Tool::Poetry,
        Index::Pypi,
        vec![cred(
            CredentialPlace::ConfigCommand {
                text: "poetry config pypi-token.pypi ${{ secrets.PYPI_TOKEN }}".into(),
            },
            "jobs.release.steps.1.run",
            Some("PYPI_TOKEN"),
        )],
    );
    let upload = detection("release", 2, Tool::Poetry, Index::Pypi, vec![]);
    let (plan, asked) = plan_with(POETRY, &[config, upload], &PlanOptions::default());
    assert_eq!(asked.len(), 1, "only the real upload is replaced");
    assert!(
        plan.edits
            .iter()
            .any(|e| matches!(e, Edit::Remove { route } if route == &r("jobs.release.steps.1"))),
        "{:#?}",
        plan.edits
    );
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| a.kind == ActionKind::Review && a.step == Some(1)),
        "{:#?}",
        plan.actions
    );
    assert!(plan.secrets_to_revoke.contains(&"PYPI_TOKEN".to_string()));
}

#[test]
fn an_ignored_upload_failure_goes_with_the_upload() {
    let source = r#"on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and publish
        env:
          PYPI_TOKEN: ${{ secrets.PYPI_TOKEN }}
        run: |
          poetry build
          poetry publish -u "__token__" --password "$PYPI_TOKEN" || true
"#;
    let d = detection(
        "release",
        1,
        Tool::Poetry,
        Index::Pypi,
        vec![env(
            Level::Step,
            "PYPI_TOKEN",
            "jobs.release.steps.1.env.PYPI_TOKEN",
            Some("PYPI_TOKEN"),
        )],
    );
    let (plan, asked) = plan_with(source, &[d], &PlanOptions::default());
    assert_eq!(asked.len(), 1);
    let replace = plan
        .edits
        .iter()
        .find_map(|e| match e {
            Edit::ReplaceStep { yaml, .. } => Some(yaml.clone()),
            _ => None,
        })
        .expect("the upload is replaced");
    let items: Vec<Value> = yaml_serde::from_str(&replace).unwrap();
    assert_eq!(items.len(), 2, "{replace}");
    assert_eq!(
        items[0]["run"].as_str(),
        Some("poetry build\n"),
        "{replace}"
    );
}
