//! Polling the index until the release's files are listed: the project's simple page (PEP 691
//! JSON preferred, PEP 503 HTML as pypiserver serves it), first poll at once, then waits
//! growing from the backoff base up to 30 times it, until the timeout. A listed file with
//! another digest than the uploaded one stops the wait at once.

use std::collections::BTreeMap;
use std::time::Instant;

use super::{Mismatch, Note, Report, Request, ServedFile, SmokeError, backoff, millis};
use crate::publish::http::Http;
use crate::publish::index;
use crate::publish::retry::Policy;

/// The `Accept` header of a poll: PEP 691 JSON, HTML only when that is all the server has.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, text/html;q=0.1";

/// One answer of the index, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The release's files listed (name -> sha256), possibly none.
    Listed(BTreeMap<String, String>),
    /// Not a listing: the reason in words (`HTTP 404`, a transport error, a bad page).
    Unlisted(String),
}

/// The project page URL on a simple index (`<index>/<normalised name>/`).
pub fn project_url(index_url: &reqwest::Url, project: &str) -> Result<reqwest::Url, SmokeError> {
    let mut base = index_url.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(&format!("{project}/"))
        .map_err(|e| SmokeError::BadInput(format!("--index-url {index_url}: {e}")))
}

/// One poll: GET the project page (one attempt: the polling is the retry).
pub fn poll_once(http: &Http, request: &Request, url: &reqwest::Url) -> Answer {
    let policy = Policy::new(1, request.backoff_base);
    let page = http.block_on(index::get(http, &policy, url, ACCEPT));
    match page {
        Err(reason) => Answer::Unlisted(reason),
        Ok(page) => match page.status {
            200 if page.content_type.contains("json") => match index::parse_simple_json(&page.body)
            {
                Some(listing) => Answer::Listed(super::release_files(&request.release, &listing)),
                None => Answer::Unlisted("HTTP 200, but not a PEP 691 project page".to_string()),
            },
            200 => Answer::Listed(super::release_files(
                &request.release,
                &index::parse_simple_html(&page.body),
            )),
            404 => Answer::Unlisted("HTTP 404: the index does not know the project (yet)".into()),
            status => Answer::Unlisted(format!("HTTP {status}")),
        },
    }
}

/// The state of the release after one answer.
enum Seen {
    /// Every expected file (or, unchecked, at least one file) listed with its digest.
    Complete(Vec<ServedFile>),
    /// Not yet: what is missing, in words.
    Partial {
        missing: Vec<String>,
        answer: String,
    },
    /// A listed file has another digest: the mismatches, and every listed file.
    Mismatched(Vec<Mismatch>, Vec<ServedFile>),
}

fn judge(request: &Request, answer: Answer) -> Seen {
    let listed = match answer {
        Answer::Unlisted(why) => {
            let missing = match &request.expected {
                Some(e) => e.files.keys().cloned().collect(),
                None => vec![format!("any file of {}", request.release.pin())],
            };
            return Seen::Partial {
                missing,
                answer: why,
            };
        }
        Answer::Listed(files) => files,
    };
    let Some(expected) = &request.expected else {
        if listed.is_empty() {
            return Seen::Partial {
                missing: vec![format!("any file of {}", request.release.pin())],
                answer: "HTTP 200: the project is listed, without files of this version".into(),
            };
        }
        return Seen::Complete(
            listed
                .into_iter()
                .map(|(name, sha256)| ServedFile {
                    name,
                    sha256,
                    checked: false,
                })
                .collect(),
        );
    };
    let mismatches: Vec<Mismatch> = expected
        .files
        .iter()
        .filter_map(|(name, want)| {
            let got = listed.get(name)?;
            (got != want).then(|| Mismatch {
                name: name.clone(),
                expected: want.clone(),
                served: got.clone(),
            })
        })
        .collect();
    if !mismatches.is_empty() {
        let served = listed
            .iter()
            .map(|(name, sha256)| ServedFile {
                name: name.clone(),
                sha256: sha256.clone(),
                checked: expected.files.get(name) == Some(sha256),
            })
            .collect();
        return Seen::Mismatched(mismatches, served);
    }
    let missing: Vec<String> = expected
        .files
        .keys()
        .filter(|name| !listed.contains_key(*name))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Seen::Partial {
            answer: format!(
                "HTTP 200: {} of {} expected file(s) listed",
                expected.files.len() - missing.len(),
                expected.files.len()
            ),
            missing,
        };
    }
    Seen::Complete(
        listed
            .into_iter()
            .map(|(name, sha256)| ServedFile {
                checked: expected.files.contains_key(&name),
                name,
                sha256,
            })
            .collect(),
    )
}

/// Poll until the release is visible (every expected file listed with the uploaded digest),
/// a digest differs, or the timeout passes. Fills `polls`, `propagation_ms` and `last_answer`
/// of the report.
pub fn wait_visible(
    request: &Request,
    http: &Http,
    note: &dyn Fn(Note<'_>),
    report: &mut Report,
) -> Result<Vec<ServedFile>, SmokeError> {
    let url = project_url(&request.index_url, &request.release.project)?;
    let start = Instant::now();
    let deadline = start.checked_add(request.timeout);
    let mut polls = 0u32;
    loop {
        polls += 1;
        let seen = judge(request, poll_once(http, request, &url));
        report.polls = polls;
        let (missing, answer) = match seen {
            Seen::Complete(files) => {
                report.propagation_ms = Some(millis(start.elapsed()));
                report.last_answer = Some("HTTP 200: every expected file listed".to_string());
                note(Note::Visible {
                    polls,
                    elapsed: start.elapsed(),
                });
                return Ok(files);
            }
            Seen::Mismatched(m, served) => {
                report.last_answer = Some("HTTP 200: a file with another digest".to_string());
                report.files = served;
                return Err(SmokeError::Mismatch(m));
            }
            Seen::Partial { missing, answer } => (missing, answer),
        };
        report.last_answer = Some(answer.clone());
        let now = Instant::now();
        let left = deadline.map_or(backoff(request.backoff_base, polls), |d| {
            d.saturating_duration_since(now)
        });
        if left.is_zero() {
            return Err(SmokeError::NotVisible {
                release: request.release.pin(),
                index: super::display_url(&request.index_url),
                waited_ms: millis(start.elapsed()),
                polls,
                missing,
                last_answer: answer,
            });
        }
        let wait = backoff(request.backoff_base, polls).min(left);
        note(Note::Waiting {
            poll: polls,
            answer: &answer,
            next: wait,
        });
        std::thread::sleep(wait);
    }
}
