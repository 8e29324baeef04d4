//! Stage 4, the upload batch: each file skipped (the index has it, same sha256), stopped just
//! before sending (`--dry-run`), or uploaded with retries, `jobs` at a time on the one
//! runtime; a failed upload under `--skip-existing` re-checks the index (a parallel run may
//! have uploaded the very same file meanwhile).

use futures_util::StreamExt as _;

use super::auth::Auth;
use super::credentials::Secret;
use super::events::{Event, Observer};
use super::http::Http;
use super::index::{self, Existing};
use super::ledger::{FileDigest, Journal, Outcome as LedgerOutcome, Record};
use super::plan::Plan;
use super::retry::Policy;
use super::upload::{self, Outcome, Status, TokenSource, UploadFile};

/// How the batch runs.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    /// Skip files the index has with the same sha256.
    pub skip_existing: bool,
    /// Stop before the first byte of upload.
    pub dry_run: bool,
    /// Files uploaded at once (at least 1).
    pub jobs: usize,
    /// Retries of each upload.
    pub policy: Policy,
    /// Announce each request ([`Event::Sending`]).
    pub verbose: bool,
}

/// The token for each attempt: the API token, or the minted one (re-minted near expiry).
struct Tokens<'a> {
    http: &'a Http,
    auth: &'a Auth,
    observer: &'a dyn Observer,
}

impl TokenSource for Tokens<'_> {
    async fn token(&self) -> Result<Secret, String> {
        match self.auth {
            Auth::Token(t) => Ok(t.clone()),
            Auth::TrustedPublishing(m) => m
                .token(self.http, self.observer)
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

/// Stage 4: one [`Outcome`] per file of the plan, in the plan's order (no ledger).
pub fn upload_all(
    http: &Http,
    plan: &Plan,
    auth: &Auth,
    existing: &Existing,
    options: &BatchOptions,
    observer: &dyn Observer,
) -> Vec<Outcome> {
    upload_all_recorded(
        http,
        plan,
        auth,
        existing,
        options,
        observer,
        &Journal::off(),
    )
}

/// Stage 4 with its ledger entries: one `started` entry per file (name and sha256) before
/// it is sent (or skipped), then `succeeded` or `failed`. A dry run writes nothing. A file
/// whose `started` entry cannot be written is not sent (its outcome says so).
pub fn upload_all_recorded(
    http: &Http,
    plan: &Plan,
    auth: &Auth,
    existing: &Existing,
    options: &BatchOptions,
    observer: &dyn Observer,
    journal: &Journal<'_>,
) -> Vec<Outcome> {
    let tokens = Tokens {
        http,
        auth,
        observer,
    };
    let tokens = &tokens;
    http.block_on(
        futures_util::stream::iter(plan.dists.iter().zip(&plan.files))
            .map(|(dist, file)| async move {
                let project = &dist.filename.normalized_name;
                let digest = FileDigest {
                    name: file.file_name.clone(),
                    sha256: dist.sha256.clone(),
                };
                if !options.dry_run
                    && let Err(stopped) = journal.started(&digest, started_details(file))
                {
                    let outcome = Outcome {
                        status: Status::Failed,
                        attempts: 0,
                        http_status: None,
                        message: stopped.to_string(),
                        elapsed_ms: 0,
                    };
                    observer.event(Event::Done {
                        file,
                        outcome: &outcome,
                    });
                    return outcome;
                }
                let on_index = existing
                    .file(project, &file.file_name)
                    .filter(|_| options.skip_existing);
                let outcome = if let Some(on_index) = on_index {
                    skip_outcome(&on_index.sha256, &dist.sha256)
                } else if options.dry_run {
                    Outcome {
                        status: Status::DryRun,
                        attempts: 0,
                        http_status: None,
                        message: String::new(),
                        elapsed_ms: 0,
                    }
                } else {
                    if options.verbose {
                        observer.event(Event::Sending {
                            file,
                            url: &plan.url,
                            sha256: &dist.sha256,
                        });
                    }
                    let mut outcome =
                        upload::upload(http, &plan.url, tokens, file, &options.policy).await;
                    if outcome.status == Status::Failed
                        && options.skip_existing
                        && matches!(outcome.http_status, Some(400 | 409))
                        && let Ok(now) =
                            index::project_files(http, &options.policy, &plan.url, project).await
                        && now
                            .get(&file.file_name)
                            .is_some_and(|f| f.sha256.eq_ignore_ascii_case(&dist.sha256))
                    {
                        outcome.status = Status::Skipped;
                        outcome.message =
                            "uploaded meanwhile by someone else (same sha256 on the index)".into();
                    }
                    outcome
                };
                if !options.dry_run {
                    journal.finished(&digest, outcome_record(file, &outcome));
                }
                observer.event(Event::Done {
                    file,
                    outcome: &outcome,
                });
                outcome
            })
            .buffered(options.jobs.max(1))
            .collect::<Vec<_>>(),
    )
}

/// What a `started` entry says besides the file: its size and the attestations sent with it.
fn started_details(file: &UploadFile) -> serde_json::Map<String, serde_json::Value> {
    let mut details = serde_json::Map::new();
    details.insert("size".into(), file.size.into());
    details.insert("attestations".into(), file.attestations.len().into());
    details
}

/// The outcome entry of one file: `succeeded` (uploaded, or skipped with `details.skipped`)
/// or `failed`, with the server's status and message and the retries.
fn outcome_record(file: &UploadFile, outcome: &Outcome) -> Record {
    let mut details = serde_json::Map::new();
    details.insert("attestations".into(), file.attestations.len().into());
    if outcome.status == Status::Skipped {
        details.insert("skipped".into(), true.into());
    }
    details.insert(
        "elapsed_ms".into(),
        u64::try_from(outcome.elapsed_ms).unwrap_or(u64::MAX).into(),
    );
    Record {
        outcome: match outcome.status {
            Status::Uploaded | Status::Skipped | Status::DryRun => LedgerOutcome::Succeeded,
            Status::Failed => LedgerOutcome::Failed,
        },
        retries: outcome.attempts.saturating_sub(1),
        status: outcome.http_status,
        message: Some(outcome.message.clone()).filter(|m| !m.is_empty()),
        details,
        ..Record::default()
    }
}

fn skip_outcome(index_sha: &str, local_sha: &str) -> Outcome {
    let same = index_sha.eq_ignore_ascii_case(local_sha);
    Outcome {
        status: if same {
            Status::Skipped
        } else {
            Status::Failed
        },
        attempts: 0,
        http_status: None,
        message: if same {
            "already on the index with the same sha256".into()
        } else {
            format!(
                "the index has a different file with this name (sha256 {index_sha}); a file name can never be reused: build a new version"
            )
        },
        elapsed_ms: 0,
    }
}
