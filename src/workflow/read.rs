//! Reading one GitHub Actions workflow (or composite action) into plain data with source spans:
//! values come from `yaml_serde` (aliases resolved, `<<` merged), spans from the tree-sitter YAML
//! tree (`spans`: yamlpath's query semantics with each route prefix descended once). Input
//! is bounded (size, flow depth) and never panics; a bad file is a typed error of its own.

use std::path::{Path, PathBuf};

use yaml_serde::Value;
use yamlpath::{Component, Document};

use super::model::{Route, Segment, Span};
use super::spans::Tree;

/// Largest workflow or action file read (1 MiB; the biggest real workflows are ~60 KiB).
pub const MAX_WORKFLOW_BYTES: u64 = 1 << 20;

/// Why one workflow file was not read. The other files are still processed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    File(#[from] crate::fs::ReadError),
    #[error("{path} is not UTF-8 text (a binary file?)")]
    Binary { path: String },
    #[error("{path} is not valid YAML: {reason}")]
    InvalidYaml { path: String, reason: String },
    #[error("{path} is not a {what}: {reason}")]
    NotWorkflow {
        path: String,
        what: &'static str,
        reason: &'static str,
    },
}

/// A workflow file or a composite action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `.github/workflows/*.yml`.
    Workflow,
    /// `.github/actions/*/action.yml`: its `runs.steps` are read as one job with id "".
    CompositeAction,
    /// `.gitlab-ci.yml`, the top-level GitLab pipeline: each job's `before_script` and
    /// `script` entries are read as its steps (see `workflow::gitlab`).
    GitlabCi,
    /// A local file the GitLab pipeline `include:`s: read the same way, never migrated.
    GitlabIncluded,
    /// A local file a GitLab job starts as a child pipeline (`trigger: include:`): never
    /// migrated (PyPI matches the top-level pipeline file).
    GitlabChild,
}

impl FileKind {
    /// Whether the file is GitLab CI configuration.
    pub fn is_gitlab(self) -> bool {
        matches!(
            self,
            FileKind::GitlabCi | FileKind::GitlabIncluded | FileKind::GitlabChild
        )
    }
}

/// A scalar entry of a mapping (`env:`, `with:`, `secrets:`), with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    /// The value as text (`true`, `3`, the string); empty for null; `None` for a collection.
    pub value: Option<String>,
    pub route: Route,
    /// The whole `key: value` pair.
    pub span: Span,
}

/// A `permissions:` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permissions {
    /// `read-all`, `write-all` (or any other scalar).
    All(String),
    /// A mapping of scopes (`{}` is an empty list).
    Scopes(Vec<(String, String)>),
}

impl Permissions {
    /// Whether this grants `id-token: write`.
    pub fn id_token_write(&self) -> bool {
        match self {
            Permissions::All(all) => all == "write-all",
            Permissions::Scopes(scopes) => {
                scopes.iter().any(|(k, v)| k == "id-token" && v == "write")
            }
        }
    }
}

/// One trigger event from `on:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub event: String,
    pub span: Span,
    /// The event's filters (`tags`, `branches`, `tags-ignore`, `types`, …) and their patterns,
    /// in file order; empty for a bare event.
    pub filters: Vec<(String, Vec<String>)>,
}

/// A step's `run:` script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The script as the shell receives it (YAML block scalars already folded).
    pub text: String,
    pub route: Route,
    /// The scalar in the source.
    pub span: Span,
}

/// One step of a job (or of a composite action's `runs.steps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub index: usize,
    pub route: Route,
    pub span: Span,
    pub name: Option<String>,
    pub id: Option<String>,
    pub uses: Option<String>,
    pub with: Vec<Entry>,
    pub env: Vec<Entry>,
    pub run: Option<Script>,
    pub if_: Option<String>,
}

/// One job, or a composite action's steps as a job with id "".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    /// `name:`, what GitHub shows (and its jobs API answers) instead of the id.
    pub name: Option<String>,
    pub route: Route,
    pub span: Span,
    pub permissions: Option<Permissions>,
    /// The environment's name (`environment: pypi` or `environment: {name: pypi}`).
    pub environment: Option<String>,
    pub env: Vec<Entry>,
    /// A reusable-workflow call (`jobs.<id>.uses`).
    pub uses: Option<String>,
    /// Inputs of a reusable-workflow call.
    pub with: Vec<Entry>,
    /// Secrets passed to a reusable-workflow call; `secrets: inherit` is one entry with key
    /// `inherit`.
    pub secrets: Vec<Entry>,
    pub if_: Option<String>,
    /// The jobs this one waits for (`needs:`, a name or a list).
    pub needs: Vec<String>,
    pub steps: Vec<Step>,
}

/// One workflow file (or composite action) as plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    /// Relative to the repository root.
    pub path: PathBuf,
    pub kind: FileKind,
    /// The text as read (BOM included); spans index into it.
    pub source: String,
    pub triggers: Vec<Trigger>,
    pub env: Vec<Entry>,
    pub permissions: Option<Permissions>,
    pub jobs: Vec<Job>,
    /// What only a GitLab pipeline has (id tokens, rules, includes…); `None` for GitHub files.
    pub gitlab: Option<Box<super::gitlab::Pipeline>>,
}

impl Workflow {
    /// Whether `on:` lists `event`.
    pub fn has_trigger(&self, event: &str) -> bool {
        self.triggers.iter().any(|t| t.event == event)
    }
}

/// The workflow files and composite actions of a repository, relative to `root`, sorted:
/// `.github/workflows/*.yml|*.yaml` and `.github/actions/*/action.yml|action.yaml`. Folders that
/// are missing (or symbolic links) contribute nothing; a folder that cannot be listed
/// (permission denied) is an error.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let workflows = Path::new(".github").join("workflows");
    for name in list_dir(root, &workflows)? {
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            found.push(workflows.join(name));
        }
    }
    let actions = Path::new(".github").join("actions");
    for name in list_dir(root, &actions)? {
        for file in ["action.yml", "action.yaml"] {
            let relative = actions.join(&name).join(file);
            if std::fs::symlink_metadata(root.join(&relative)).is_ok() {
                found.push(relative);
            }
        }
    }
    Ok(found)
}

/// Entry names of a real folder (not a symbolic link), sorted; none when it is missing.
fn list_dir(root: &Path, relative: &Path) -> std::io::Result<Vec<String>> {
    let mut path = root.to_path_buf();
    for part in relative.components() {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(_) => return Ok(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&path)? {
        if let Ok(name) = entry?.file_name().into_string() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// The kind a discovered path has.
pub fn kind_of_path(relative: &Path) -> FileKind {
    if relative == Path::new(super::gitlab::PIPELINE_FILE) {
        return FileKind::GitlabCi;
    }
    match relative.file_name().and_then(|n| n.to_str()) {
        Some("action.yml" | "action.yaml") if !relative.starts_with(".github/workflows") => {
            FileKind::CompositeAction
        }
        _ => FileKind::Workflow,
    }
}

/// Read `relative` under `root` (no symbolic links, at most [`MAX_WORKFLOW_BYTES`]) and parse it.
pub fn read_file(root: &Path, relative: &Path) -> Result<Workflow, ReadError> {
    let source = read_source(root, relative)?;
    parse(relative, kind_of_path(relative), source)
}

/// The text of `relative` under `root` (no symbolic links, at most [`MAX_WORKFLOW_BYTES`],
/// UTF-8), not yet parsed.
pub fn read_source(root: &Path, relative: &Path) -> Result<String, ReadError> {
    let shown = relative.display().to_string();
    let bytes = crate::fs::read_under(root, &shown, MAX_WORKFLOW_BYTES, "a workflow file")?;
    String::from_utf8(bytes).map_err(|_| ReadError::Binary { path: shown })
}

/// Parse workflow text (a BOM is accepted; CRLF works).
pub fn parse(relative: &Path, kind: FileKind, source: String) -> Result<Workflow, ReadError> {
    parse_with(relative, kind, source, |body, bom, len, read| {
        let tree = Tree::parse(body).ok_or(())?;
        Ok(read(&tree.locator(bom, len).ok_or(())?))
    })
}

/// [`parse`] with spans from `yamlpath` queries, one from the document root per route: the
/// reference the span tests compare [`parse`] against (same values, same spans).
#[doc(hidden)]
pub fn parse_with_yamlpath(
    relative: &Path,
    kind: FileKind,
    source: String,
) -> Result<Workflow, ReadError> {
    parse_with(relative, kind, source, |body, bom, len, read| {
        let doc = Document::new(body.to_string()).map_err(|_| ())?;
        Ok(read(&Locator {
            doc: &doc,
            bom,
            len,
        }))
    })
}

/// Where spans come from: the `key: value` pair (or sequence item) at a route, the value alone.
pub(super) trait Locate {
    /// The `key: value` pair (or the sequence item) at `route`, else the nearest ancestor found,
    /// else the whole file.
    fn span(&self, route: &[Segment]) -> Span;
    /// The value alone at `route` (e.g. a `run:` scalar), else [`Self::span`].
    fn value_span(&self, route: &[Segment]) -> Span;
}

type ReadWith<'r> = &'r dyn Fn(&dyn Locate) -> Result<Workflow, ReadError>;

fn parse_with(
    relative: &Path,
    kind: FileKind,
    source: String,
    spans: impl FnOnce(&str, usize, usize, ReadWith<'_>) -> Result<Result<Workflow, ReadError>, ()>,
) -> Result<Workflow, ReadError> {
    let path = relative.display().to_string();
    if source.contains('\0') {
        return Err(ReadError::Binary { path });
    }
    let bom = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let body = source.get(bom..).unwrap_or_default();
    let invalid = |reason: String| ReadError::InvalidYaml {
        path: path.clone(),
        reason: crate::text::excerpt(&reason, 300),
    };
    crate::template::yaml::check_depth(body).map_err(|e| invalid(e.to_string()))?;
    let mut value: Value = yaml_serde::from_str(body).map_err(|e| invalid(e.to_string()))?;
    value.apply_merge().map_err(|e| invalid(e.to_string()))?;
    let read = |locate: &dyn Locate| read_workflow(relative, kind, &path, &value, locate);
    let mut workflow = spans(body, bom, source.len(), &read)
        .map_err(|()| invalid("the YAML syntax tree has errors".to_string()))??;
    workflow.source = source;
    Ok(workflow)
}

fn read_workflow(
    relative: &Path,
    kind: FileKind,
    path: &str,
    value: &Value,
    locate: &dyn Locate,
) -> Result<Workflow, ReadError> {
    if kind.is_gitlab() {
        return super::gitlab::read(relative, kind, path, value, locate);
    }
    let what = match kind {
        FileKind::Workflow => "workflow",
        _ => "composite action",
    };
    let not = |reason| ReadError::NotWorkflow {
        path: path.to_string(),
        what,
        reason,
    };
    let Value::Mapping(top) = untag(value) else {
        return Err(not("the document is not a mapping"));
    };
    let mut workflow = Workflow {
        path: relative.to_path_buf(),
        kind,
        source: String::new(),
        triggers: Vec::new(),
        env: entries(locate, top.get("env"), &[key("env")]),
        permissions: permissions(top.get("permissions")),
        jobs: Vec::new(),
        gitlab: None,
    };
    match kind {
        FileKind::Workflow => {
            let Some(Value::Mapping(jobs)) = top.get("jobs").map(untag) else {
                return Err(not("it has no `jobs:` mapping"));
            };
            workflow.triggers = triggers(locate, top.get("on"));
            for (id, job) in jobs {
                let Some(id) = scalar(id) else { continue };
                let route = vec![key("jobs"), key(&id)];
                workflow.jobs.push(read_job(locate, id, route, job));
            }
        }
        _ => {
            let Some(Value::Mapping(runs)) = top.get("runs").map(untag) else {
                return Err(not("it has no `runs:` mapping"));
            };
            let route = vec![key("runs")];
            let steps = read_steps(locate, runs.get("steps"), &route);
            workflow.jobs.push(Job {
                id: String::new(),
                name: None,
                span: locate.span(&route),
                route,
                permissions: None,
                environment: None,
                env: Vec::new(),
                uses: None,
                with: Vec::new(),
                secrets: Vec::new(),
                if_: None,
                needs: Vec::new(),
                steps,
            });
        }
    }
    Ok(workflow)
}

/// Spans from `yamlpath` queries: each route queried from the document root.
struct Locator<'a> {
    doc: &'a Document,
    bom: usize,
    len: usize,
}

impl Locate for Locator<'_> {
    fn span(&self, route: &[Segment]) -> Span {
        let mut route = route;
        loop {
            if let Ok(feature) = self.doc.query_pretty(&to_yamlpath(route)) {
                return self.span_of(&feature.location);
            }
            match route.split_last() {
                Some((_, parent)) => route = parent,
                None => return self.whole(),
            }
        }
    }

    fn value_span(&self, route: &[Segment]) -> Span {
        match self.doc.query_exact(&to_yamlpath(route)) {
            Ok(Some(feature)) => self.span_of(&feature.location),
            _ => self.span(route),
        }
    }
}

impl Locator<'_> {
    fn span_of(&self, location: &yamlpath::Location) -> Span {
        let ((row, column), _) = location.point_span;
        let (start, end) = location.byte_span;
        Span {
            start: start + self.bom,
            end: end + self.bom,
            line: row + 1,
            column: column + 1 + if row == 0 { self.bom } else { 0 },
        }
    }

    fn whole(&self) -> Span {
        Span {
            start: self.bom,
            end: self.len,
            line: 1,
            column: 1,
        }
    }
}

fn to_yamlpath(route: &[Segment]) -> yamlpath::Route<'_> {
    let components: Vec<Component<'_>> = route
        .iter()
        .map(|s| match s {
            Segment::Key(k) => Component::Key(k.as_str().into()),
            Segment::Index(i) => Component::Index(*i),
        })
        .collect();
    yamlpath::Route::from(components)
}

pub(super) fn key(k: &str) -> Segment {
    Segment::Key(k.to_string())
}

pub(super) fn with(route: &[Segment], segment: Segment) -> Route {
    let mut route = route.to_vec();
    route.push(segment);
    route
}

pub(super) fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

/// A scalar as text; `None` for collections. Null is the empty string.
pub(super) fn scalar(value: &Value) -> Option<String> {
    match untag(value) {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn string(value: Option<&Value>) -> Option<String> {
    value.and_then(scalar)
}

pub(super) fn entries(locate: &dyn Locate, value: Option<&Value>, route: &[Segment]) -> Vec<Entry> {
    let Some(Value::Mapping(map)) = value.map(untag) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let k = scalar(k)?;
            let route = with(route, key(&k));
            Some(Entry {
                span: locate.span(&route),
                value: scalar(v),
                key: k,
                route,
            })
        })
        .collect()
}

fn permissions(value: Option<&Value>) -> Option<Permissions> {
    match untag(value?) {
        Value::Mapping(map) => Some(Permissions::Scopes(
            map.iter()
                .filter_map(|(k, v)| Some((scalar(k)?, scalar(v)?)))
                .collect(),
        )),
        other => scalar(other).map(Permissions::All),
    }
}

fn triggers(locate: &dyn Locate, value: Option<&Value>) -> Vec<Trigger> {
    let route = [key("on")];
    let Some(value) = value.map(untag) else {
        return Vec::new();
    };
    match value {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                Some(Trigger {
                    event: scalar(item)?,
                    span: locate.span(&with(&route, Segment::Index(i))),
                    filters: Vec::new(),
                })
            })
            .collect(),
        Value::Mapping(map) => map
            .iter()
            .filter_map(|(k, v)| {
                let event = scalar(k)?;
                Some(Trigger {
                    span: locate.span(&with(&route, key(&event))),
                    filters: filters(v),
                    event,
                })
            })
            .collect(),
        other => scalar(other)
            .map(|event| {
                vec![Trigger {
                    event,
                    span: locate.span(&route),
                    filters: Vec::new(),
                }]
            })
            .unwrap_or_default(),
    }
}

/// A list of scalars, or one scalar as a list of one.
pub(super) fn scalars(value: &Value) -> Vec<String> {
    match untag(value) {
        Value::Sequence(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// An event's filter mapping (`push: {tags: [v*], branches: [main]}`).
fn filters(value: &Value) -> Vec<(String, Vec<String>)> {
    match untag(value) {
        Value::Mapping(map) => map
            .iter()
            .filter_map(|(k, v)| Some((scalar(k)?, scalars(v))))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn environment(value: Option<&Value>) -> Option<String> {
    match untag(value?) {
        Value::Mapping(map) => string(map.get("name")),
        other => scalar(other).filter(|s| !s.is_empty()),
    }
}

fn read_job(locate: &dyn Locate, id: String, route: Route, job: &Value) -> Job {
    let map = match untag(job) {
        Value::Mapping(map) => Some(map),
        _ => None,
    };
    let get = |k: &str| map.and_then(|m| m.get(k));
    let secrets = match get("secrets").map(untag) {
        Some(Value::Mapping(_)) => entries(locate, get("secrets"), &with(&route, key("secrets"))),
        Some(other) => scalar(other)
            .map(|v| {
                let r = with(&route, key("secrets"));
                vec![Entry {
                    key: v.clone(),
                    value: Some(v),
                    span: locate.span(&r),
                    route: r,
                }]
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Job {
        span: locate.span(&route),
        permissions: permissions(get("permissions")),
        environment: environment(get("environment")),
        env: entries(locate, get("env"), &with(&route, key("env"))),
        uses: string(get("uses")),
        with: entries(locate, get("with"), &with(&route, key("with"))),
        secrets,
        if_: string(get("if")),
        name: string(get("name")),
        needs: get("needs").map(scalars).unwrap_or_default(),
        steps: read_steps(locate, get("steps"), &route),
        id,
        route,
    }
}

fn read_steps(locate: &dyn Locate, value: Option<&Value>, parent: &[Segment]) -> Vec<Step> {
    let Some(Value::Sequence(items)) = value.map(untag) else {
        return Vec::new();
    };
    let steps_route = with(parent, key("steps"));
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let Value::Mapping(map) = untag(item) else {
                return None;
            };
            let route = with(&steps_route, Segment::Index(index));
            let run = string(map.get("run")).map(|text| {
                let r = with(&route, key("run"));
                Script {
                    text,
                    span: locate.value_span(&r),
                    route: r,
                }
            });
            Some(Step {
                index,
                span: locate.span(&route),
                name: string(map.get("name")),
                id: string(map.get("id")),
                uses: string(map.get("uses")),
                with: entries(locate, map.get("with"), &with(&route, key("with"))),
                env: entries(locate, map.get("env"), &with(&route, key("env"))),
                run,
                if_: string(map.get("if")),
                route,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Workflow {
        match parse(Path::new("w.yml"), FileKind::Workflow, text.to_string()) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn triggers_in_all_three_shapes() {
        let w = read("on: push\njobs: {}\n");
        assert_eq!(w.triggers.len(), 1);
        assert_eq!(w.triggers[0].event, "push");
        let w = read("on: [push, pull_request]\njobs: {}\n");
        let events: Vec<_> = w.triggers.iter().map(|t| t.event.as_str()).collect();
        assert_eq!(events, ["push", "pull_request"]);
        let w = read("on:\n  release:\n    types: [published]\n  workflow_dispatch:\njobs: {}\n");
        let events: Vec<_> = w.triggers.iter().map(|t| t.event.as_str()).collect();
        assert_eq!(events, ["release", "workflow_dispatch"]);
        assert_eq!(w.triggers[0].span.line, 2);
    }

    #[test]
    fn trigger_filters_and_needs() {
        let w = read(
            "on:\n  push:\n    tags: ['v*']\n    branches: main\n  release:\njobs:\n  a: {}\n  b:\n    needs: a\n  c:\n    needs: [a, b]\n",
        );
        assert_eq!(
            w.triggers[0].filters,
            [
                ("tags".to_string(), vec!["v*".to_string()]),
                ("branches".to_string(), vec!["main".to_string()])
            ]
        );
        assert!(w.triggers[1].filters.is_empty());
        let needs: Vec<_> = w.jobs.iter().map(|j| j.needs.join(",")).collect();
        assert_eq!(needs, ["", "a", "a,b"]);
    }

    #[test]
    fn jobs_steps_and_spans() {
        let text = "on: push\nenv:\n  A: b\njobs:\n  publish:\n    permissions:\n      id-token: write\n    environment:\n      name: pypi\n    steps:\n      - uses: actions/checkout@v4\n      - name: Upload\n        run: |\n          twine upload dist/*\n        env:\n          TWINE_PASSWORD: ${{ secrets.T }}\n";
        let w = read(text);
        assert_eq!(w.env.len(), 1);
        let job = &w.jobs[0];
        assert_eq!(job.id, "publish");
        assert_eq!(job.environment.as_deref(), Some("pypi"));
        assert!(
            job.permissions
                .as_ref()
                .is_some_and(Permissions::id_token_write)
        );
        assert_eq!(job.steps.len(), 2);
        let step = &job.steps[1];
        assert_eq!(
            step.run.as_ref().map(|r| r.text.as_str()),
            Some("twine upload dist/*\n")
        );
        let entry = &step.env[0];
        assert_eq!(entry.key, "TWINE_PASSWORD");
        assert_eq!(
            &text[entry.span.start..entry.span.end],
            "TWINE_PASSWORD: ${{ secrets.T }}"
        );
        assert_eq!(entry.span.line, 16);
        assert_eq!(entry.span.column, 11);
    }

    #[test]
    fn bom_crlf_anchors_and_flow_style() {
        let text = "\u{feff}on: {push: {}}\r\nx-env: &e\r\n  T: ${{ secrets.T }}\r\njobs:\r\n  a:\r\n    env: *e\r\n    steps: [{run: \"uv publish\", env: {<<: *e, B: c}}]\r\n";
        let w = read(text);
        assert_eq!(w.triggers[0].event, "push");
        let job = &w.jobs[0];
        assert_eq!(job.env[0].key, "T");
        let step = &job.steps[0];
        assert_eq!(
            step.run.as_ref().map(|r| r.text.as_str()),
            Some("uv publish")
        );
        let keys: Vec<_> = step.env.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["B", "T"]);
        // Spans index into the text as read, BOM included.
        let run = step.run.as_ref().map(|r| r.span);
        assert!(run.is_some_and(|s| &text[s.start..s.end] == "\"uv publish\""));
    }

    #[test]
    fn composite_action_steps() {
        let text = "name: x\nruns:\n  using: composite\n  steps:\n    - run: twine upload dist/*\n      shell: bash\n";
        let w = match parse(
            Path::new("a/action.yml"),
            FileKind::CompositeAction,
            text.into(),
        ) {
            Ok(w) => w,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(w.jobs.len(), 1);
        assert_eq!(w.jobs[0].id, "");
        assert_eq!(w.jobs[0].steps[0].route.len(), 3);
    }

    #[test]
    fn bad_files_are_typed_errors() {
        let p = Path::new("w.yml");
        let bad = |t: &str| parse(p, FileKind::Workflow, t.to_string());
        assert!(matches!(
            bad("jobs: [\n"),
            Err(ReadError::InvalidYaml { .. })
        ));
        assert!(matches!(
            bad("- a\n- b\n"),
            Err(ReadError::NotWorkflow { .. })
        ));
        assert!(matches!(
            bad("name: x\n"),
            Err(ReadError::NotWorkflow { .. })
        ));
        assert!(matches!(bad("a\0b"), Err(ReadError::Binary { .. })));
        let deep = format!("jobs: {}{}\n", "[".repeat(200), "]".repeat(200));
        assert!(matches!(bad(&deep), Err(ReadError::InvalidYaml { .. })));
        assert!(matches!(
            bad("a: 1\na: 2\njobs: {}\n"),
            Err(ReadError::InvalidYaml { .. })
        ));
    }

    #[test]
    fn discover_lists_workflows_and_actions() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let root = dir.path();
        let wf = root.join(".github/workflows");
        let act = root.join(".github/actions/pub");
        for d in [&wf, &act] {
            assert!(std::fs::create_dir_all(d).is_ok());
        }
        for f in [
            wf.join("b.yaml"),
            wf.join("a.yml"),
            wf.join("notes.txt"),
            act.join("action.yml"),
        ] {
            assert!(std::fs::write(f, "x: 1\n").is_ok());
        }
        let found = match discover(root) {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        let shown: Vec<_> = found.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                ".github/workflows/a.yml",
                ".github/workflows/b.yaml",
                ".github/actions/pub/action.yml"
            ]
        );
        assert_eq!(kind_of_path(&found[2]), FileKind::CompositeAction);
        assert_eq!(kind_of_path(&found[0]), FileKind::Workflow);
    }
}
