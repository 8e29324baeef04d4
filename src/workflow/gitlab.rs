//! Reading a GitLab CI pipeline (`.gitlab-ci.yml`, and the local files it includes or starts as
//! child pipelines) into the same plain data as a GitHub workflow, so the per-tool detectors
//! classify its commands unchanged: each job is a `Job`, each `before_script`/`script` entry a
//! step whose `run:` is the entry, job `variables:` its env and top-level `variables:` the
//! workflow's env. What only GitLab has (ID tokens, rules, images, caches, `extends:`,
//! `trigger:`, `include:`) is kept in a [`Pipeline`] beside it. Hidden jobs (`.name`) are
//! templates: read, never jobs. Same limits as the workflow reader (size, depth, no panics).

use std::path::{Path, PathBuf};

use yaml_serde::Value;

use super::model::{Route, Segment, Span};
use super::read::{
    Entry, FileKind, Job, Locate, ReadError, Script, Step, Workflow, entries, environment, key,
    scalar, scalars, string, untag, with,
};

/// The top-level pipeline file PyPI's GitLab publisher names by default.
pub const PIPELINE_FILE: &str = ".gitlab-ci.yml";

/// Top-level keys that are not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

/// Most `include:` entries (or child-pipeline files) followed from one pipeline.
pub const MAX_INCLUDES: usize = 64;

/// One `id_tokens:` entry: `NAME: {aud: …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdToken {
    pub name: String,
    /// The audiences (`aud:` is a string or a list).
    pub aud: Vec<String>,
    pub route: Route,
}

/// An `include:` entry (top level, or a child pipeline's `trigger: include:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// `local`, `remote`, `project`, `template` or `component`.
    pub kind: String,
    /// The file, URL, project path or component named.
    pub location: String,
    pub span: Span,
}

impl Include {
    /// The repository-relative path of a local include (leading `/` removed); `None` for any
    /// other kind, or a path with a wildcard or `..`.
    pub fn local_path(&self) -> Option<PathBuf> {
        if self.kind != "local" {
            return None;
        }
        let path = self.location.trim().trim_start_matches('/');
        let bad = path.is_empty()
            || path.contains(['*', '$'])
            || Path::new(path)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)));
        (!bad).then(|| PathBuf::from(path))
    }
}

/// What a GitLab job has beyond the `Job` the detectors see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabJob {
    pub id: String,
    pub route: Route,
    pub span: Span,
    /// A template (`.name`), never run by itself.
    pub hidden: bool,
    pub id_tokens: Vec<IdToken>,
    pub environment: Option<String>,
    /// Runs only for tags (`rules:` every one of which needs `$CI_COMMIT_TAG`, or
    /// `only: [tags]`).
    pub tag_only: bool,
    /// Runs only for tags or for pipelines started by hand (`$CI_PIPELINE_SOURCE == "web"`,
    /// a drill): what a TestPyPI upload may run on.
    pub tag_or_manual: bool,
    /// Has `rules:` or `only:`/`except:`.
    pub has_rules: bool,
    /// `image:` (the name, `image: {name: …}` too).
    pub image: Option<String>,
    /// Has a `cache:` (a non-empty one).
    pub cache: bool,
    /// `extends:` (one name or a list).
    pub extends: Vec<String>,
    /// Has its own `script:`.
    pub has_script: bool,
    /// `trigger:` (a downstream or child pipeline): the files of `trigger: include:`.
    pub trigger: Option<Vec<Include>>,
}

/// A GitLab pipeline file beyond its jobs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pipeline {
    /// Every job and template, in file order.
    pub jobs: Vec<GitlabJob>,
    /// Templates (hidden jobs) as jobs, for the detectors (a job that `extends:` one).
    pub templates: Vec<Job>,
    /// The top-level `include:`.
    pub includes: Vec<Include>,
    /// The top-level `image:` and `default: image:`.
    pub default_image: Option<String>,
}

impl Pipeline {
    /// The job (or template) named `id`.
    pub fn job(&self, id: &str) -> Option<&GitlabJob> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// The templates `id` extends, nearest first, transitively (cycles and depth bounded).
    pub fn ancestors(&self, id: &str) -> Vec<&GitlabJob> {
        let mut out: Vec<&GitlabJob> = Vec::new();
        let mut queue: Vec<String> = self.job(id).map(|j| j.extends.clone()).unwrap_or_default();
        while let Some(next) = queue.first().cloned() {
            queue.remove(0);
            if out.len() >= 16 || out.iter().any(|j| j.id == next) || next == id {
                continue;
            }
            if let Some(job) = self.job(&next) {
                queue.extend(job.extends.iter().cloned());
                out.push(job);
            }
        }
        out
    }

    /// Whether the job (or a template it extends) asks for an ID token with audience `aud`.
    pub fn has_id_token(&self, id: &str, aud: &str) -> bool {
        let own = self.job(id).into_iter();
        own.chain(self.ancestors(id))
            .flat_map(|j| &j.id_tokens)
            .any(|t| t.aud.iter().any(|a| a == aud))
    }
}

/// The environment variable tools read for audience `aud` (`<AUD>_ID_TOKEN`: upper-cased,
/// anything but `A-Z0-9_` as `_`), as `id` and uv spell it.
pub fn token_variable(aud: &str) -> String {
    let mut name: String = aud
        .chars()
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        name.replace_range(..1, "_");
    }
    format!("{name}_ID_TOKEN")
}

/// Read a parsed GitLab CI document (the reader's entry for the GitLab kinds).
pub(super) fn read(
    relative: &Path,
    kind: FileKind,
    path: &str,
    value: &Value,
    locate: &dyn Locate,
) -> Result<Workflow, ReadError> {
    let Value::Mapping(top) = untag(value) else {
        return Err(ReadError::NotWorkflow {
            path: path.to_string(),
            what: "GitLab CI configuration",
            reason: "the document is not a mapping",
        });
    };
    let mut pipeline = Pipeline {
        includes: includes(locate, top.get("include"), &[key("include")]),
        default_image: image(top.get("image")).or_else(|| {
            top.get("default")
                .map(untag)
                .and_then(|d| d.as_mapping())
                .and_then(|d| image(d.get("image")))
        }),
        ..Pipeline::default()
    };
    let mut jobs = Vec::new();
    for (id, job) in top {
        let Some(id) = scalar(id) else { continue };
        if GLOBAL_KEYWORDS.contains(&id.as_str()) {
            continue;
        }
        let Value::Mapping(map) = untag(job) else {
            continue;
        };
        let route = vec![key(&id)];
        let get = |k: &str| map.get(k);
        let hidden = id.starts_with('.');
        let RunsOn {
            tag_only,
            tag_or_manual,
            has_rules,
        } = runs_on(get("rules"), get("only"), get("except"));
        let trigger = get("trigger").map(|t| match untag(t) {
            Value::Mapping(m) => includes(
                locate,
                m.get("include"),
                &with(&with(&route, key("trigger")), key("include")),
            ),
            _ => Vec::new(),
        });
        let gitlab_job = GitlabJob {
            span: locate.span(&route),
            hidden,
            id_tokens: id_tokens(get("id_tokens"), &with(&route, key("id_tokens"))),
            environment: environment(get("environment")),
            tag_only,
            tag_or_manual,
            has_rules,
            image: image(get("image")),
            cache: get("cache").map(untag).is_some_and(|c| match c {
                Value::Null => false,
                Value::Sequence(s) => !s.is_empty(),
                Value::Mapping(m) => !m.is_empty(),
                _ => true,
            }),
            extends: get("extends").map(scalars).unwrap_or_default(),
            has_script: get("script").is_some(),
            trigger,
            id: id.clone(),
            route: route.clone(),
        };
        let mut steps = Vec::new();
        for part in ["before_script", "script"] {
            script_steps(locate, get(part), &with(&route, key(part)), &mut steps);
        }
        let job = Job {
            id: id.clone(),
            name: None,
            span: gitlab_job.span,
            permissions: None,
            environment: gitlab_job.environment.clone(),
            env: entries(locate, get("variables"), &with(&route, key("variables"))),
            uses: None,
            with: Vec::new(),
            secrets: Vec::new(),
            if_: None,
            needs: get("needs").map(needs).unwrap_or_default(),
            steps,
            route,
        };
        pipeline.jobs.push(gitlab_job);
        if hidden {
            pipeline.templates.push(job);
        } else {
            jobs.push(job);
        }
    }
    Ok(Workflow {
        path: relative.to_path_buf(),
        kind,
        source: String::new(),
        triggers: Vec::new(),
        env: entries(locate, top.get("variables"), &[key("variables")]),
        permissions: None,
        jobs,
        gitlab: Some(Box::new(pipeline)),
    })
}

/// `needs:` names (`[a, {job: b}]`).
fn needs(value: &Value) -> Vec<String> {
    match untag(value) {
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| match untag(i) {
                Value::Mapping(m) => string(m.get("job")),
                other => scalar(other),
            })
            .collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// A script (a string, or a list of strings and nested lists) as steps, one per entry.
fn script_steps(
    locate: &dyn Locate,
    value: Option<&Value>,
    route: &[Segment],
    out: &mut Vec<Step>,
) {
    let Some(value) = value else { return };
    let mut push = |text: String, route: Route| {
        let index = out.len();
        out.push(Step {
            index,
            span: locate.span(&route),
            name: None,
            id: None,
            uses: None,
            with: Vec::new(),
            env: Vec::new(),
            run: Some(Script {
                text,
                span: locate.value_span(&route),
                route: route.clone(),
            }),
            if_: None,
            route,
        });
    };
    match untag(value) {
        Value::Sequence(items) => {
            for (i, item) in items.iter().enumerate() {
                let item_route = with(route, Segment::Index(i));
                match untag(item) {
                    Value::Sequence(inner) => {
                        for (j, nested) in inner.iter().enumerate() {
                            if let Some(text) = scalar(nested) {
                                push(text, with(&item_route, Segment::Index(j)));
                            }
                        }
                    }
                    other => {
                        if let Some(text) = scalar(other) {
                            push(text, item_route);
                        }
                    }
                }
            }
        }
        other => {
            if let Some(text) = scalar(other) {
                push(text, route.to_vec());
            }
        }
    }
}

fn id_tokens(value: Option<&Value>, route: &[Segment]) -> Vec<IdToken> {
    let Some(Value::Mapping(map)) = value.map(untag) else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let name = scalar(k)?;
            let aud = match untag(v) {
                Value::Mapping(m) => m.get("aud").map(scalars).unwrap_or_default(),
                _ => Vec::new(),
            };
            Some(IdToken {
                route: with(route, key(&name)),
                name,
                aud,
            })
        })
        .collect()
}

fn image(value: Option<&Value>) -> Option<String> {
    match untag(value?) {
        Value::Mapping(m) => string(m.get("name")),
        other => scalar(other).filter(|s| !s.is_empty()),
    }
}

/// When a job runs, as far as the release checks care.
struct RunsOn {
    tag_only: bool,
    tag_or_manual: bool,
    has_rules: bool,
}

/// Whether a job runs only for tags (or for tags and hand-started pipelines), and whether it
/// has rules at all.
fn runs_on(rules: Option<&Value>, only: Option<&Value>, except: Option<&Value>) -> RunsOn {
    let has_rules = rules.is_some() || only.is_some() || except.is_some();
    if let Some(Value::Sequence(rules)) = rules.map(untag) {
        let mut running = 0;
        let mut tag_only = true;
        let mut tag_or_manual = true;
        for rule in rules {
            let Value::Mapping(rule) = untag(rule) else {
                tag_only = false;
                tag_or_manual = false;
                continue;
            };
            if string(rule.get("when")).as_deref() == Some("never") {
                continue;
            }
            running += 1;
            let cond = string(rule.get("if")).unwrap_or_default();
            let tag = requires_tag(&cond);
            tag_only &= tag;
            tag_or_manual &= tag || requires_manual(&cond);
        }
        return RunsOn {
            tag_only: tag_only && running > 0,
            tag_or_manual: tag_or_manual && running > 0,
            has_rules,
        };
    }
    if let Some(only) = only {
        let refs = match untag(only) {
            Value::Mapping(m) => m.get("refs").map(scalars).unwrap_or_default(),
            other => scalars(other),
        };
        let tags = !refs.is_empty() && refs.iter().all(|r| r == "tags");
        return RunsOn {
            tag_only: tags,
            tag_or_manual: tags,
            has_rules,
        };
    }
    RunsOn {
        tag_only: false,
        tag_or_manual: false,
        has_rules,
    }
}

/// Whether a rule's `if:` holds only on a pipeline started by hand from the web UI
/// (`$CI_PIPELINE_SOURCE == "web"`, with no `||`): only members allowed to run pipelines can.
fn requires_manual(cond: &str) -> bool {
    let compact: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    !compact.contains("||")
        && (compact.contains("$CI_PIPELINE_SOURCE==\"web\"")
            || compact.contains("$CI_PIPELINE_SOURCE=='web'"))
}

/// Whether a rule's `if:` holds only on a tag pipeline: it tests `$CI_COMMIT_TAG` as set (not
/// `== null`/`== ""`), with no `||`.
fn requires_tag(cond: &str) -> bool {
    if cond.contains("||") || !cond.contains("CI_COMMIT_TAG") {
        return false;
    }
    let compact: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    !(compact.contains("CI_COMMIT_TAG==null")
        || compact.contains("CI_COMMIT_TAG==\"\"")
        || compact.contains("CI_COMMIT_TAG==''")
        || compact.contains("!$CI_COMMIT_TAG"))
}

/// `include:` entries: a string, a mapping, or a list of either.
fn includes(locate: &dyn Locate, value: Option<&Value>, route: &[Segment]) -> Vec<Include> {
    let Some(value) = value.map(untag) else {
        return Vec::new();
    };
    let one = |value: &Value, route: Route| -> Option<Include> {
        let span = locate.span(&route);
        match untag(value) {
            Value::Mapping(m) => {
                for kind in ["local", "remote", "project", "template", "component"] {
                    if let Some(location) = string(m.get(kind)) {
                        let location = match (kind, string(m.get("file"))) {
                            ("project", Some(file)) => format!("{location}:{file}"),
                            _ => location,
                        };
                        return Some(Include {
                            kind: kind.to_string(),
                            location,
                            span,
                        });
                    }
                }
                None
            }
            other => {
                let location = scalar(other)?;
                let kind = if location.starts_with("https://") || location.starts_with("http://") {
                    "remote"
                } else {
                    "local"
                };
                Some(Include {
                    kind: kind.to_string(),
                    location,
                    span,
                })
            }
        }
    };
    let mut out: Vec<Include> = match value {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| one(item, with(route, Segment::Index(i))))
            .collect(),
        other => one(other, route.to_vec()).into_iter().collect(),
    };
    out.truncate(MAX_INCLUDES);
    out
}

/// The repository's GitLab files: `.gitlab-ci.yml` when it is there, then the local files it
/// includes (`FileKind::GitlabIncluded`) and those its jobs start as child pipelines
/// (`FileKind::GitlabChild`), each once, at most [`MAX_INCLUDES`]. A missing or unreadable
/// pipeline file is left to the reader (it reports the error); a missing included file is
/// skipped (GitLab itself reports it).
pub fn discover(root: &Path) -> Vec<(PathBuf, FileKind)> {
    let top = PathBuf::from(PIPELINE_FILE);
    match std::fs::symlink_metadata(root.join(&top)) {
        Ok(_) => {}
        Err(_) => return Vec::new(),
    }
    let mut out = vec![(top.clone(), FileKind::GitlabCi)];
    let Ok(source) = super::read::read_source(root, &top) else {
        return out;
    };
    let Ok(workflow) = super::read::parse(&top, FileKind::GitlabCi, source) else {
        return out;
    };
    let Some(pipeline) = workflow.gitlab.as_deref() else {
        return out;
    };
    let mut add = |include: &Include, kind: FileKind| {
        let Some(path) = include.local_path() else {
            return;
        };
        if out.len() > MAX_INCLUDES || out.iter().any(|(p, _)| *p == path) {
            return;
        }
        if std::fs::symlink_metadata(root.join(&path)).is_ok_and(|m| m.is_file()) {
            out.push((path, kind));
        }
    };
    for include in &pipeline.includes {
        add(include, FileKind::GitlabIncluded);
    }
    for job in &pipeline.jobs {
        for include in job.trigger.iter().flatten() {
            add(include, FileKind::GitlabChild);
        }
    }
    out
}

/// The single entry of a `variables:` mapping named `name`, in the job or at the top.
pub fn variable<'a>(workflow: &'a Workflow, job: &'a Job, name: &str) -> Option<&'a Entry> {
    job.env.iter().chain(&workflow.env).find(|e| e.key == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Workflow {
        super::super::read::parse(Path::new(PIPELINE_FILE), FileKind::GitlabCi, text.into())
            .unwrap()
    }

    #[test]
    fn jobs_scripts_and_gitlab_keywords_are_read() {
        let text = "\
include:
  - local: /ci/extra.yml
  - template: Security/SAST.gitlab-ci.yml
variables:
  GLOBAL: x
stages: [build]
.release:
  image: python:3.12
publish:
  extends: .release
  variables:
    TWINE_PASSWORD: $PYPI_TOKEN
  id_tokens:
    PYPI_ID_TOKEN:
      aud: pypi
  environment: {name: pypi}
  rules:
    - if: $CI_COMMIT_TAG
  cache: {paths: [.cache]}
  before_script: pip install twine
  script:
    - echo hi
    - - twine upload dist/*
child:
  trigger:
    include: ci/child.yml
";
        let w = read(text);
        let p = w.gitlab.as_deref().unwrap();
        assert_eq!(w.jobs.len(), 2, "templates and keywords are not jobs");
        assert_eq!(w.env.len(), 1);
        let publish = &w.jobs[0];
        assert_eq!(publish.steps.len(), 3);
        let run = publish.steps[2].run.as_ref().unwrap();
        assert_eq!(run.text, "twine upload dist/*");
        assert_eq!(&text[run.span.start..run.span.end], "twine upload dist/*");
        assert_eq!(publish.env[0].key, "TWINE_PASSWORD");
        assert_eq!(publish.environment.as_deref(), Some("pypi"));
        let g = p.job("publish").unwrap();
        assert!(g.tag_only && g.cache && g.has_script);
        assert_eq!(g.id_tokens[0].aud, vec!["pypi".to_string()]);
        assert_eq!(g.extends, vec![".release".to_string()]);
        assert_eq!(
            p.ancestors("publish")[0].image.as_deref(),
            Some("python:3.12")
        );
        assert!(p.has_id_token("publish", "pypi"));
        assert!(!p.has_id_token("publish", "testpypi"));
        assert_eq!(p.includes.len(), 2);
        assert_eq!(
            p.includes[0].local_path(),
            Some(PathBuf::from("ci/extra.yml"))
        );
        assert_eq!(p.includes[1].local_path(), None);
        let trigger = p.job("child").unwrap().trigger.as_ref().unwrap();
        assert_eq!(trigger[0].local_path(), Some(PathBuf::from("ci/child.yml")));
    }

    #[test]
    fn tag_only_rules() {
        let cases = [
            ("rules: [{if: $CI_COMMIT_TAG}]", true),
            ("rules: [{if: '$CI_COMMIT_TAG =~ /^v/'}]", true),
            (
                "rules: [{if: $CI_COMMIT_TAG == null, when: never}, {if: $CI_COMMIT_TAG}]",
                true,
            ),
            ("rules: [{if: $CI_COMMIT_TAG || $CI_COMMIT_BRANCH}]", false),
            ("rules: [{if: $CI_COMMIT_TAG}, {when: manual}]", false),
            ("only: [tags]", true),
            ("only: {refs: [tags]}", true),
            ("only: [main]", false),
            ("stage: x", false),
        ];
        for (rules, tag_only) in cases {
            let w = read(&format!("j:\n  {rules}\n  script: [x]\n"));
            let job = w.gitlab.as_deref().unwrap().job("j").unwrap();
            assert_eq!(job.tag_only, tag_only, "{rules}");
        }
        assert_eq!(cases.len(), 9);
    }

    #[test]
    fn token_variables_follow_the_id_rule() {
        assert_eq!(token_variable("pypi"), "PYPI_ID_TOKEN");
        assert_eq!(token_variable("testpypi"), "TESTPYPI_ID_TOKEN");
        assert_eq!(token_variable("sig-store"), "SIG_STORE_ID_TOKEN");
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = format!("a: {}{}", "[".repeat(5000), "]".repeat(5000));
        for text in ["[1, 2]", deep.as_str(), "a: *nope", "\0"] {
            assert!(
                super::super::read::parse(
                    Path::new(PIPELINE_FILE),
                    FileKind::GitlabCi,
                    text.into()
                )
                .is_err(),
                "{text}"
            );
        }
    }
}
