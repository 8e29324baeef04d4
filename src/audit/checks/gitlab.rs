//! GitLab pipelines (`.gitlab-ci.yml` and the local files it includes or starts as child
//! pipelines): each job uploading to PyPI or TestPyPI uses Trusted Publishing (no token; the
//! same id as zizmor's for GitHub), runs only for tags, in an environment, from an image pinned
//! by digest, without a cache; ID tokens for PyPI's audiences are asked for by publish jobs
//! only; uploads in included files, child pipelines or extended templates are shapes PyPI
//! cannot match. `extends:` templates and `default: image:` count as GitLab applies them.

use crate::audit::finding::{Finding, Severity};
use crate::audit::repo::Repo;
use crate::workflow::gitlab::{GitlabJob, Pipeline};
use crate::workflow::model::{Detection, Index, Verdict};
use crate::workflow::read::{FileKind, Workflow};

/// The publish detections of a GitLab file, one per job and index.
fn publish_detections(workflow: &Workflow, detections: &[Detection]) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    for d in detections {
        if !matches!(d.index, Index::Pypi | Index::TestPypi)
            || matches!(d.verdict, Verdict::OtherService)
        {
            continue;
        }
        if !workflow.jobs.iter().any(|j| j.id == d.job) {
            continue;
        }
        if let Some(seen) = out
            .iter_mut()
            .find(|o| o.job == d.job && o.index == d.index)
        {
            // A token anywhere in the job counts over a trusted entry.
            if matches!(seen.verdict, Verdict::AlreadyTrusted) {
                *seen = d.clone();
            }
            continue;
        }
        out.push(d.clone());
    }
    out
}

/// The job and the templates it extends, nearest first.
fn lineage<'a>(pipeline: &'a Pipeline, id: &str) -> Vec<&'a GitlabJob> {
    pipeline
        .job(id)
        .into_iter()
        .chain(pipeline.ancestors(id))
        .collect()
}

pub fn check(repo: &Repo) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &repo.scanned {
        let w = &s.workflow;
        let Some(pipeline) = w.gitlab.as_deref() else {
            continue;
        };
        let publishes = publish_detections(w, &s.detections);
        for d in &publishes {
            let index = match d.index {
                Index::TestPypi => "TestPyPI",
                _ => "PyPI",
            };
            let at = |f: Finding| f.at(&w.path, Some(d.span));
            match &d.verdict {
                Verdict::Refuse(refusal) => {
                    let (reason, fix) = crate::workflow::report::refusal_text(refusal);
                    out.push(at(Finding::new(
                        "chora/gitlab-publisher-shape",
                        Severity::High,
                        format!("job `{}` uploads to {index}: {reason}", d.job),
                        fix,
                    )));
                    continue;
                }
                Verdict::Migrate => out.push(at(Finding::new(
                    "zizmor/use-trusted-publishing",
                    Severity::High,
                    format!(
                        "GitLab job `{}` uploads to {index} with a long-lived token (no ID token for PyPI, or a token still given)",
                        d.job
                    ),
                    if repo.chora_project() {
                        "switch to Trusted Publishing with `chora update --data pypi_auth_method=oidc`, register the GitLab publisher (PYPI_SETUP.md), then delete the CI/CD variable and revoke the token"
                    } else {
                        "run `chora migrate` (id_tokens and no token), register the GitLab publisher it lists, then delete the CI/CD variable and revoke the token"
                    },
                ))),
                _ => {}
            }
            if w.kind != FileKind::GitlabCi {
                continue;
            }
            let jobs = lineage(pipeline, &d.job);
            // TestPyPI may also be rehearsed from a pipeline started by hand (a drill).
            let ruled = jobs.iter().find(|j| j.has_rules);
            let tag_only = ruled.is_some_and(|j| match d.index {
                Index::TestPypi => j.tag_or_manual,
                _ => j.tag_only,
            });
            if !tag_only {
                out.push(at(Finding::new(
                    "chora/gitlab-publish-not-tag-only",
                    Severity::High,
                    format!(
                        "GitLab job `{}` uploads to {index} but does not run only for tags{}",
                        d.job,
                        if d.index == Index::TestPypi { " (or pipelines started by hand)" } else { "" }
                    ),
                    "give the job `rules: [{if: $CI_COMMIT_TAG}]` (or extend a template that has them) and protect the release tags (Settings > Repository > Protected tags)",
                )));
            }
            if !jobs.iter().any(|j| j.environment.is_some()) {
                out.push(at(Finding::new(
                    "chora/gitlab-publish-environment",
                    Severity::Medium,
                    format!("GitLab job `{}` uploads to {index} outside an environment", d.job),
                    "add `environment: pypi` (testpypi for TestPyPI), protect it (Settings > CI/CD > Environments) and name it in the trusted publisher",
                )));
            }
            let image = jobs
                .iter()
                .find_map(|j| j.image.clone())
                .or_else(|| pipeline.default_image.clone());
            if !image.as_deref().is_some_and(|i| i.contains("@sha256:")) {
                out.push(at(Finding::new(
                    "chora/gitlab-image-digest",
                    Severity::Medium,
                    format!(
                        "GitLab job `{}` uploads to {index} from {}",
                        d.job,
                        image.map_or_else(
                            || "the runner's default image".to_string(),
                            |i| format!("image `{}`, not pinned by digest", crate::text::excerpt(&i, 120))
                        )
                    ),
                    "pin the image by digest (`image: python@sha256:…`): a tag can be moved to another image",
                )));
            }
            if jobs.iter().any(|j| j.cache) {
                out.push(at(Finding::new(
                    "chora/gitlab-release-cache",
                    Severity::Medium,
                    format!("GitLab job `{}` uploads to {index} with a cache", d.job),
                    "remove `cache:` from release jobs (and the templates they extend): a poisoned cache must not reach a release",
                )));
            }
        }
        if w.kind != FileKind::GitlabCi {
            continue;
        }
        for job in pipeline.jobs.iter().filter(|j| !j.hidden) {
            let is_publish = publishes.iter().any(|d| d.job == job.id);
            let pypi_token = lineage(pipeline, &job.id)
                .iter()
                .flat_map(|j| &j.id_tokens)
                .any(|t| t.aud.iter().any(|a| a == "pypi" || a == "testpypi"));
            if pypi_token && !is_publish {
                out.push(
                    Finding::new(
                        "chora/gitlab-id-token-scope",
                        Severity::Medium,
                        format!(
                            "GitLab job `{}` asks for an ID token PyPI accepts but uploads nothing",
                            job.id
                        ),
                        "keep `id_tokens:` with audience pypi/testpypi on the publish jobs alone: any job holding one can publish",
                    )
                    .at(&w.path, Some(job.span)),
                );
            }
        }
    }
    out
}
