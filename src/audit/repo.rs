//! One repository as the checks see it: its workflows (read and classified by
//! `workflow::report::scan`), the files that could not be read, a chora answers file, the
//! GitHub owner/repository and project name (`migrate::facts`), and its publishing jobs —
//! each job that uploads to PyPI or TestPyPI, with the tool and how it authenticates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::migrate::facts::ProjectFacts;
use crate::template::answers_file::{self, AnswersFile};
use crate::workflow::model::{Detection, Index, Refusal, Tool, Verdict};
use crate::workflow::read::{Job, Workflow};
use crate::workflow::report::{ScanCache, Scanned, scan_cached};

use super::AuditError;

/// A repository read for auditing.
#[derive(Debug)]
pub struct Repo {
    pub root: PathBuf,
    /// `owner/repository` when the git remote says, else the folder's name.
    pub name: String,
    pub scanned: Vec<Scanned>,
    /// Workflow files that could not be read, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    pub answers: Option<AnswersFile>,
    pub facts: ProjectFacts,
}

/// How a publishing job authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A long-lived token; the secrets' names (never values).
    Token { secrets: Vec<String> },
    /// Trusted Publishing.
    Oidc,
    /// A shape PyPI cannot accept as a trusted publisher.
    Refused(Refusal),
}

/// One job uploading to PyPI or TestPyPI.
#[derive(Debug, Clone)]
pub struct PublishJob<'a> {
    pub workflow: &'a Workflow,
    pub job: &'a Job,
    pub index: Index,
    pub tool: Tool,
    pub auth: Auth,
    pub detection: &'a Detection,
}

impl PublishJob<'_> {
    /// The workflow's file name (`release.yml`), what a trusted publisher names.
    pub fn workflow_file(&self) -> String {
        self.workflow
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl Repo {
    /// Read `root`: every workflow and composite action, the answers file, the remote.
    /// Workflows other repositories of this run share (same path and bytes) are read once,
    /// through `cache`.
    pub fn load_cached(root: &Path, cache: &ScanCache) -> Result<Repo, AuditError> {
        if !root.is_dir() {
            return Err(AuditError::NotAFolder {
                path: root.display().to_string(),
            });
        }
        let files = scan_cached(root, cache).map_err(|source| AuditError::Unlistable {
            path: root.join(".github").display().to_string(),
            source,
        })?;
        let mut scanned = Vec::new();
        let mut unreadable = Vec::new();
        // GitLab CI files (`.gitlab-ci.yml` and what it includes): read directly (few, and
        // not shared between repositories the way vendored workflows are).
        let gitlab = crate::workflow::gitlab::discover(root)
            .into_iter()
            .map(|(path, kind)| crate::workflow::report::ScannedFile {
                outcome: crate::workflow::read::read_source(root, &path)
                    .and_then(|source| crate::workflow::read::parse(&path, kind, source))
                    .map(Scanned::classify),
                path,
            });
        for file in files.into_iter().chain(gitlab) {
            match file.outcome {
                Ok(s) => scanned.push(s),
                Err(e) => unreadable.push((file.path, e.to_string())),
            }
        }
        let answers = crate::fs::read_regular_text(
            &root.join(answers_file::FILE_NAME),
            crate::fs::limits::ANSWERS_FILE,
            "the answers file",
        )
        .ok()
        .and_then(|text| AnswersFile::parse(&text).ok());
        let mut facts = crate::migrate::facts::gather(root);
        // A chora project names its GitHub home in its answers.
        let answer = |key: &str| match answers.as_ref()?.answers.get(key)? {
            crate::template::answers::AnswerValue::Str(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        if (facts.owner.is_none() || facts.repository.is_none())
            && let (Some(o), Some(r)) = (answer("github_owner"), answer("github_repository"))
        {
            facts.owner = Some(o);
            facts.repository = Some(r);
        }
        let name = match (&facts.owner, &facts.repository) {
            (Some(o), Some(r)) => format!("{o}/{r}"),
            _ => root
                .canonicalize()
                .ok()
                .as_deref()
                .unwrap_or(root)
                .file_name()
                .map_or_else(
                    || root.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
        };
        Ok(Repo {
            root: root.to_path_buf(),
            name,
            scanned,
            unreadable,
            answers,
            facts,
        })
    }

    /// Whether chora generated it (`.chora-answers.yml`).
    pub fn chora_project(&self) -> bool {
        self.answers.is_some()
    }

    /// Every GitHub Actions job uploading to PyPI or TestPyPI (one entry per job and index).
    /// GitLab pipelines have their own check (`checks::gitlab`).
    pub fn publish_jobs(&self) -> Vec<PublishJob<'_>> {
        let mut out: Vec<PublishJob<'_>> = Vec::new();
        for s in self.scanned.iter().filter(|s| !s.workflow.kind.is_gitlab()) {
            for d in &s.detections {
                if !matches!(d.index, Index::Pypi | Index::TestPypi)
                    || matches!(d.verdict, Verdict::OtherService)
                {
                    continue;
                }
                let Some(job) = s.workflow.jobs.iter().find(|j| j.id == d.job) else {
                    continue;
                };
                let auth = match &d.verdict {
                    Verdict::Refuse(r) => Auth::Refused(r.clone()),
                    _ if !d.credentials.is_empty() => {
                        let mut secrets: Vec<String> = d
                            .credentials
                            .iter()
                            .filter_map(|c| c.secret.clone())
                            .collect();
                        secrets.sort();
                        secrets.dedup();
                        Auth::Token { secrets }
                    }
                    Verdict::AlreadyTrusted => Auth::Oidc,
                    _ => Auth::Token {
                        secrets: Vec::new(),
                    },
                };
                // A job whose upload a tool does is not also "a script publishing": the
                // script detections there are steps that only handle the token (a check that
                // the secret is set).
                if d.tool == Tool::Script
                    && s.detections.iter().any(|o| {
                        o.job == d.job
                            && o.tool != Tool::Script
                            && matches!(o.index, Index::Pypi | Index::TestPypi)
                    })
                {
                    continue;
                }
                if out
                    .iter()
                    .any(|p| std::ptr::eq(p.job, job) && p.index == d.index)
                {
                    continue;
                }
                out.push(PublishJob {
                    workflow: &s.workflow,
                    job,
                    index: d.index.clone(),
                    tool: d.tool.clone(),
                    auth,
                    detection: d,
                });
            }
        }
        out
    }

    /// The publishing workflows (those with a publish job).
    pub fn publishing_workflows(&self) -> Vec<&Workflow> {
        let mut out: Vec<&Workflow> = Vec::new();
        for p in self.publish_jobs() {
            if !out.iter().any(|w| std::ptr::eq(*w, p.workflow)) {
                out.push(p.workflow);
            }
        }
        out
    }

    /// The first of `paths` (relative) that is a regular file of the repository.
    pub fn first_file(&self, paths: &[&str]) -> Option<String> {
        paths
            .iter()
            .find(|p| {
                std::fs::symlink_metadata(self.root.join(p)).is_ok_and(|m| m.file_type().is_file())
            })
            .map(|p| p.to_string())
    }
}

/// The jobs `job` waits for, transitively.
pub fn upstream(workflow: &Workflow, job: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![job.to_string()];
    while let Some(id) = todo.pop() {
        if let Some(j) = workflow.jobs.iter().find(|j| j.id == id) {
            for n in &j.needs {
                if seen.insert(n.clone()) {
                    todo.push(n.clone());
                }
            }
        }
    }
    seen
}

/// The jobs that wait for `job`, transitively.
pub fn downstream(workflow: &Workflow, job: &str) -> BTreeSet<String> {
    workflow
        .jobs
        .iter()
        .filter(|j| upstream(workflow, &j.id).contains(job))
        .map(|j| j.id.clone())
        .collect()
}

/// The `run:` scripts of a job's steps.
pub fn scripts(job: &Job) -> impl Iterator<Item = &str> {
    job.steps
        .iter()
        .filter_map(|s| s.run.as_ref().map(|r| r.text.as_str()))
}

/// The job with this id.
pub fn job<'a>(workflow: &'a Workflow, id: &str) -> Option<&'a Job> {
    workflow.jobs.iter().find(|j| j.id == id)
}

/// The action a `uses:` names, without its ref (`actions/checkout`).
pub fn action_name(uses: &str) -> &str {
    uses.split('@').next().unwrap_or(uses)
}
