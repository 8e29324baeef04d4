//! The plain data of workflow reading and detection: where a node is (`Route`, `Span`), what
//! publishes (`Tool`, `Index`), with which credential (`Credential`), and what to do about it
//! (`Verdict`). `detect` produces `Detection`s; `migrate::plan` turns them into edits.

use std::path::PathBuf;

use serde::Serialize;

/// One step of a path into a YAML document: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A path from the document root to a node, e.g. `jobs.publish.steps[2].with.password`.
pub type Route = Vec<Segment>;

/// A source span: byte range plus 1-based line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

/// The publishing tool a step uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    Twine,
    /// `pypa/gh-action-pypi-publish`, any ref.
    PypaAction,
    Poetry,
    Flit,
    Hatch,
    Pdm,
    Uv,
    /// `maturin upload/publish` or `PyO3/maturin-action` with `command: upload|publish`.
    Maturin,
    /// `python setup.py … upload`.
    SetupPy,
    /// `chora-publish upload` (chora's own runtime).
    ChoraPublish,
    /// A repository script, tox or make target receiving PyPI credentials.
    Script,
    /// A third-party publishing action or tool handed a PyPI token (named).
    Other(String),
}

/// Where the upload goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Index {
    Pypi,
    TestPypi,
    /// Another index (its URL or name): never migrated.
    Other(String),
}

/// Where a long-lived credential is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum CredentialPlace {
    /// An `env:` entry; `level` says whether on the step, the job or the workflow.
    Env { level: Level, key: String },
    /// A `with:` input of an action (`password`, `user`, `maturin-args`…).
    With { key: String },
    /// Command-line arguments in a `run:` script (`-p "$TOKEN"`, `--token …`): the exact text
    /// to remove, flag and value together.
    Argument { text: String },
    /// A whole configuration command in a `run:` script (`poetry config pypi-token.pypi …`).
    ConfigCommand { text: String },
}

/// The level an `env:` or `permissions:` entry sits at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Workflow,
    Job,
    Step,
}

/// One long-lived credential given to a publishing step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    pub place: CredentialPlace,
    /// The node holding it (the env entry, the `with` key, or the `run` scalar).
    pub route: Route,
    pub span: Span,
    /// The secret's name when it is `${{ secrets.NAME }}` (to list for revocation); never the
    /// value of anything.
    pub secret: Option<String>,
}

/// Why chora will not rewrite a publishing job silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Refusal {
    /// The workflow is reusable (`on: workflow_call`): PyPI does not accept reusable-workflow
    /// publishers (warehouse#11096).
    ReusableWorkflow,
    /// Triggered by `pull_request_target`.
    PullRequestTarget,
    /// Triggered by an event a fork can cause (`pull_request`, `issue_comment`, …), named.
    ForkTriggered { event: String },
    /// GitLab: the upload is in a file the pipeline `include:`s: PyPI matches the top-level
    /// pipeline file path, which an included job's token does not name.
    GitlabInclude,
    /// GitLab: the upload is in a child pipeline (`trigger: include:`): its ID token carries no
    /// `ci_config_ref_uri` PyPI can match.
    GitlabChildPipeline,
    /// GitLab: the job takes its upload from a template it `extends:`, which other jobs may
    /// extend too: moving credentials and ID tokens there is not a local edit.
    GitlabExtends { template: String },
}

/// What `chora migrate` should do with one publishing step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict")]
pub enum Verdict {
    /// Long-lived credential to PyPI/TestPyPI: rewrite to Trusted Publishing.
    Migrate,
    /// Already Trusted Publishing: nothing to do.
    AlreadyTrusted,
    /// Credentials for another service or index: never touched.
    OtherService,
    /// Publishing PyPI cannot accept as a Trusted Publisher: reported, not rewritten.
    Refuse(Refusal),
}

/// One publishing step found in a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// The workflow or composite action, relative to the repository root.
    pub file: PathBuf,
    /// The job id (`jobs.<id>`); for a composite action, the empty string.
    pub job: String,
    /// Index in the job's `steps` (or the composite action's `runs.steps`); `None` when the
    /// detection is about the job as a whole.
    pub step: Option<usize>,
    pub tool: Tool,
    pub index: Index,
    /// Every long-lived credential this step receives, wherever it is set.
    pub credentials: Vec<Credential>,
    pub verdict: Verdict,
    /// The step (or job) itself, for rendering the finding.
    pub span: Span,
}
