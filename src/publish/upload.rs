//! Uploading one distribution with the legacy API: multipart streamed from disk, HTTP Basic
//! `__token__`, JSON errors requested, same-host redirects followed, transport errors and
//! 408/429/5xx retried through [`super::retry`] (backoff with jitter, Retry-After honoured).

use std::io::Read;
use std::time::Instant;

use reqwest::multipart::{Form, Part};
use serde::Serialize;

use super::credentials::Secret;
use super::http::{Http, Progress, caps};
use super::retry::{self, Again, Failed, Policy};

/// Size of the pieces a file is streamed in.
const CHUNK: usize = 256 * 1024;

/// One file to upload: where it is and the form fields describing it (metadata, digests).
#[derive(Debug, Clone)]
pub struct UploadFile {
    /// Where the file is.
    pub path: std::path::PathBuf,
    /// Its name (the `content` part's file name).
    pub file_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The form fields (metadata and the digests computed while vetting).
    pub fields: Vec<(String, String)>,
    /// JSON texts of PEP 740 attestations to send with the file.
    pub attestations: Vec<String>,
}

/// How an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The index accepted the file (an identical re-upload counts: PyPI answers 200).
    Uploaded,
    /// `--skip-existing`: the index already has this exact file (same sha256).
    Skipped,
    /// Not sent (`--dry-run`).
    DryRun,
    /// The index refused the file, or retries ran out.
    Failed,
}

/// The outcome of one file's upload.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: Status,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The server's message (success warnings or the refusal), or the transport error.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub elapsed_ms: u128,
}

/// The server's message from a JSON error (`message`, `detail`, `code`) or the text body.
fn server_message(reason: Option<&str>, body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        for key in ["message", "detail", "title", "code"] {
            if let Some(text) = json.get(key).and_then(|v| v.as_str())
                && !text.trim().is_empty()
            {
                return text.trim().to_string();
            }
        }
    }
    let text = body.trim();
    if !text.is_empty() && text.len() < 2000 && !text.starts_with('<') {
        return text.to_string();
    }
    if !text.is_empty() {
        let plain = html_message(text);
        if !plain.is_empty() {
            return plain;
        }
    }
    reason.unwrap_or("no message").to_string()
}

/// The useful words of an HTML error page: its `<pre>` block, else its title, else its text
/// without styles and scripts.
fn html_message(html: &str) -> String {
    let inner = |tag: &str| -> Option<String> {
        let start = html.find(&format!("<{tag}"))?;
        let open_end = html[start..].find('>')? + start + 1;
        let close = html[open_end..].find(&format!("</{tag}>"))? + open_end;
        Some(html[open_end..close].to_string())
    };
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let strip_tags = |t: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in t.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    for tag in ["pre", "title", "h1"] {
        if let Some(text) = inner(tag) {
            let text = unescape(&squash(&strip_tags(&text)));
            if !text.is_empty() && text != "None" {
                return text;
            }
        }
    }
    String::new()
}

fn unescape(text: &str) -> String {
    text.replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What to do about a refusal, by status.
fn hint_for(status: u16, message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    match status {
        401 | 403 if lower.contains("isn't allowed to upload") || lower.contains("not allowed") => {
            " (the token is valid but not for this project: use a token scoped to it, or register this workflow as its trusted publisher)"
        }
        401 | 403 => {
            " (the index refused the credentials: check that the token is a current API token for this index; PyPI and TestPyPI tokens differ)"
        }
        400 | 409 if lower.contains("exist") => {
            " (a file with this name is already on the index; if it is this very file, re-run with --skip-existing; otherwise release a new version: file names can never be reused)"
        }
        405 => {
            " (this URL does not accept uploads: is --repository-url the upload endpoint, e.g. https://upload.pypi.org/legacy/, not the simple index?)"
        }
        413 => " (the file is larger than the index allows)",
        _ => "",
    }
}

/// The file as a stream of `CHUNK`-sized pieces, read from disk as the upload goes (memory
/// stays flat whatever the file size).
fn file_stream(
    path: &std::path::Path,
    progress: std::sync::Arc<Progress>,
) -> std::io::Result<impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static> {
    let file = std::fs::File::open(path)?;
    Ok(futures_util::stream::unfold(Some(file), move |state| {
        // Each piece asked for is the server taking the previous one.
        progress.touch();
        let progress = progress.clone();
        async move {
            let Some(mut file) = state else {
                progress.sent();
                return None;
            };
            let mut buf = vec![0u8; CHUNK];
            let mut filled = 0;
            while filled < CHUNK {
                match file.read(&mut buf[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) => return Some((Err(e), None)),
                }
            }
            if filled == 0 {
                progress.sent();
                return None;
            }
            buf.truncate(filled);
            Some((Ok(buf), Some(file)))
        }
    }))
}

fn form(file: &UploadFile, progress: std::sync::Arc<Progress>) -> std::io::Result<Form> {
    let mut form = Form::new();
    for (key, value) in &file.fields {
        form = form.text(key.clone(), value.clone());
    }
    if !file.attestations.is_empty() {
        form = form.text("attestations", format!("[{}]", file.attestations.join(",")));
    }
    let body = reqwest::Body::wrap_stream(file_stream(&file.path, progress)?);
    let part = Part::stream_with_length(body, file.size)
        .file_name(file.file_name.clone())
        .mime_str("application/octet-stream")
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(form.part("content", part))
}

/// What the uploader needs from a response.
struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

/// Send one upload request and read the reply (at most [`caps::MESSAGE`] of its body), within
/// the upload limit, ended early when the server stops taking the body or does not answer
/// for the idle limit.
async fn send(
    http: &Http,
    target: &reqwest::Url,
    secret: &Secret,
    file: &UploadFile,
) -> Result<Reply, SendError> {
    let progress = std::sync::Arc::new(Progress::default());
    let body = form(file, progress.clone()).map_err(SendError::Read)?;
    let limit = http.timeouts.upload;
    let request = http
        .client
        .post(target.clone())
        .timeout(limit.value)
        .basic_auth("__token__", Some(secret.expose()))
        .header(
            "Accept",
            "application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7",
        )
        .multipart(body)
        .send();
    let watchdog = http.watchdog(&progress);
    let resp = match futures_util::future::select(Box::pin(request), Box::pin(watchdog)).await {
        futures_util::future::Either::Left((resp, _)) => {
            resp.map_err(|e| SendError::Transport(http.transport_error(&e, &limit)))?
        }
        futures_util::future::Either::Right((reason, _)) => {
            return Err(SendError::Transport(reason));
        }
    };
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    // The reply is short: all of it within the idle limit, however it trickles.
    let idle = http.timeouts.idle;
    let body = tokio::time::timeout(
        idle.value,
        http.read_body(resp, caps::MESSAGE, true, &limit),
    )
    .await
    .map_err(|_| {
        SendError::Transport(format!(
            "the reply took longer than {} to arrive",
            idle.describe()
        ))
    })?
    .map_err(|e| SendError::Transport(e.to_string()))?;
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Why an upload request got no reply.
enum SendError {
    /// The file could not be read.
    Read(std::io::Error),
    /// The connection failed or a limit ran out (in words).
    Transport(String),
}

/// How one attempt ended, when it did not upload the file.
#[derive(Debug)]
struct AttemptFailure {
    http_status: Option<u16>,
    message: String,
    /// The service's fault (transport errors, 5xx, retries exhausted), not the request's.
    service: bool,
}

/// Where the bytes go and with which token; the token is asked for before each attempt, so a
/// token close to expiry can be replaced (Trusted Publishing re-mint).
pub trait TokenSource {
    fn token(&self) -> impl std::future::Future<Output = Result<Secret, String>>;
}

/// Upload one file with retries: transport errors, 408, 429 and 5xx are retried per
/// `policy` (honouring `Retry-After`), re-streaming the file; same-host redirects are
/// followed (up to 5, not counted as attempts). A 200 body is the server's warnings.
pub async fn upload(
    http: &Http,
    url: &reqwest::Url,
    token: &impl TokenSource,
    file: &UploadFile,
    policy: &Policy,
) -> Outcome {
    let started = Instant::now();
    let done = retry::run(policy, |_| attempt(http, url, token, file)).await;
    match done.result {
        Ok((status, warnings)) => Outcome {
            status: Status::Uploaded,
            attempts: done.attempts,
            http_status: Some(status),
            message: warnings,
            elapsed_ms: started.elapsed().as_millis(),
        },
        Err(failure) => Outcome {
            status: Status::Failed,
            attempts: done.attempts,
            http_status: failure.http_status,
            message: if failure.service && done.attempts > 1 {
                format!(
                    "gave up after {} attempts; last error: {}",
                    done.attempts, failure.message
                )
            } else {
                failure.message
            },
            elapsed_ms: started.elapsed().as_millis(),
        },
    }
}

/// One attempt (redirects included): the status and the server's warnings, or why not.
async fn attempt(
    http: &Http,
    url: &reqwest::Url,
    token: &impl TokenSource,
    file: &UploadFile,
) -> Result<(u16, String), Failed<AttemptFailure>> {
    let fatal = |http_status, message: String| {
        Failed::fatal(AttemptFailure {
            http_status,
            message,
            service: false,
        })
    };
    let secret = token.token().await.map_err(|message| {
        Failed::fatal(AttemptFailure {
            http_status: None,
            message,
            service: true,
        })
    })?;
    let mut target = url.clone();
    let mut redirects = 0;
    loop {
        let reply = match send(http, &target, &secret, file).await {
            Ok(reply) => reply,
            Err(SendError::Read(e)) => {
                return Err(fatal(
                    None,
                    format!("cannot read {}: {e}", file.path.display()),
                ));
            }
            Err(SendError::Transport(reason)) => {
                return Err(Failed::transient(AttemptFailure {
                    http_status: None,
                    message: format!("transport error: {reason}"),
                    service: true,
                }));
            }
        };
        let status = reply.status;
        if (300..400).contains(&status) {
            match redirect_target(&target, status, &reply.headers) {
                Ok(next) if redirects < 5 => {
                    redirects += 1;
                    target = next;
                    continue;
                }
                Ok(next) => {
                    return Err(fatal(
                        Some(status),
                        format!("too many redirects (last to {next})"),
                    ));
                }
                Err(message) => return Err(fatal(Some(status), message)),
            }
        }
        if (200..300).contains(&status) {
            let warnings = reply.body.trim();
            let warnings = if warnings.starts_with('<') {
                ""
            } else {
                warnings
            };
            return Ok((status, warnings.to_string()));
        }
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason());
        let message = server_message(reason, &reply.body);
        let again = retry::again_for(status, &reply.headers);
        if again != Again::No {
            return Err(Failed {
                error: AttemptFailure {
                    http_status: Some(status),
                    message: format!("HTTP {status}: {message}"),
                    service: true,
                },
                again,
            });
        }
        let hint = hint_for(status, &message);
        return Err(fatal(
            Some(status),
            format!("HTTP {status}: {message}{hint}"),
        ));
    }
}

/// Where a redirect points, if it stays on the same host (credentials never leave it).
fn redirect_target(
    from: &reqwest::Url,
    status: u16,
    headers: &reqwest::header::HeaderMap,
) -> Result<reqwest::Url, String> {
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("HTTP {status} redirect without a Location"))?;
    let mut next = from
        .join(location)
        .map_err(|e| format!("bad redirect Location {location:?}: {e}"))?;
    // Credentials are sent only as the token header: never user info from a Location.
    let _ = next.set_username("");
    let _ = next.set_password(None);
    let same_host = next.host_str() == from.host_str()
        && next.port_or_known_default() == from.port_or_known_default();
    let scheme_ok = next.scheme() == from.scheme() || next.scheme() == "https";
    if !same_host || !scheme_ok {
        return Err(format!(
            "the index redirected the upload to another host ({next}); credentials are only sent to {}. If that host is the right index, pass it with --repository-url {next}",
            from.host_str().unwrap_or_default()
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_give_their_pre_or_title() {
        let page = "<html><head><title>Error: 409 Conflict</title><style>body {color: red}</style></head><body><h1>Error</h1><pre>Package 'x-1.0.tar.gz' already exists!</pre></body></html>";
        assert_eq!(
            server_message(Some("Conflict"), page),
            "Package 'x-1.0.tar.gz' already exists!"
        );
        assert_eq!(
            server_message(
                None,
                "<html><head><title>Error: 403 Forbidden</title><style>x</style></head></html>"
            ),
            "Error: 403 Forbidden"
        );
    }

    #[test]
    fn server_messages_prefer_json() {
        assert_eq!(
            server_message(Some("Bad Request"), r#"{"message":"File already exists"}"#),
            "File already exists"
        );
        assert_eq!(
            server_message(Some("Bad Request"), "plain words\n"),
            "plain words"
        );
        assert_eq!(
            server_message(Some("Service Unavailable"), ""),
            "Service Unavailable"
        );
    }
}
