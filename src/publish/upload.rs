//! Uploading one distribution with the legacy API: multipart streamed from disk, HTTP Basic
//! `__token__`, JSON errors requested, same-host redirects followed, transport errors and
//! 408/429/5xx retried with exponential backoff and jitter (Retry-After honoured).

use std::time::{Duration, Instant};

use std::io::Read;

use reqwest::multipart::{Form, Part};
use serde::Serialize;

use super::credentials::Secret;
use super::http::{Uploader, error_chain};

/// Size of the pieces a file is streamed in.
const CHUNK: usize = 256 * 1024;

/// One file to upload: where it is and the form fields describing it (metadata, digests).
#[derive(Debug, Clone)]
pub struct UploadFile {
    pub path: std::path::PathBuf,
    pub file_name: String,
    pub size: u64,
    pub fields: Vec<(String, String)>,
    /// JSON texts of PEP 740 attestations to send with the file.
    pub attestations: Vec<String>,
}

/// Retry policy.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all (the first one included).
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            base: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
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
    /// True when the failure was the service's (retries exhausted, 5xx), not the request's.
    #[serde(skip)]
    pub service_failure: bool,
}

/// Why a response is retried.
fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status)
}

/// Wait before retry `attempt` (1-based): Retry-After if given (capped), else exponential
/// backoff with jitter.
fn delay(retry: &Retry, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(Duration::from_secs(300));
    }
    let exp = retry
        .base
        .saturating_mul(1u32 << attempt.min(16).saturating_sub(1));
    let capped = exp.min(retry.max);
    // Jitter: 50%..100% of the delay, from the clock's nanoseconds (no RNG dependency).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let factor = 0.5 + f64::from(nanos % 1000) / 2000.0;
    capped.mul_f64(factor)
}

fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
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
) -> std::io::Result<impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static> {
    let file = std::fs::File::open(path)?;
    Ok(futures_util::stream::unfold(
        Some(file),
        |state| async move {
            let mut file = state?;
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
                return None;
            }
            buf.truncate(filled);
            Some((Ok(buf), Some(file)))
        },
    ))
}

fn form(file: &UploadFile) -> std::io::Result<Form> {
    let mut form = Form::new();
    for (key, value) in &file.fields {
        form = form.text(key.clone(), value.clone());
    }
    if !file.attestations.is_empty() {
        form = form.text("attestations", format!("[{}]", file.attestations.join(",")));
    }
    let body = reqwest::Body::wrap_stream(file_stream(&file.path)?);
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

fn send(
    uploader: &Uploader,
    target: &reqwest::Url,
    secret: &Secret,
    body: Form,
) -> Result<Reply, reqwest::Error> {
    uploader.runtime.block_on(async {
        let resp = uploader
            .client
            .post(target.clone())
            .basic_auth("__token__", Some(secret.expose()))
            .header(
                "Accept",
                "application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7",
            )
            .multipart(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Ok(Reply {
            status,
            headers,
            body,
        })
    })
}

/// Upload one file. `token` is called before each attempt, so a token close to expiry can be
/// replaced (Trusted Publishing re-mint).
pub fn upload(
    uploader: &Uploader,
    url: &reqwest::Url,
    token: &dyn Fn() -> Result<Secret, String>,
    file: &UploadFile,
    retry: &Retry,
) -> Outcome {
    let started = Instant::now();
    let mut target = url.clone();
    let mut redirects = 0;
    let mut attempt = 0;
    let mut last_status = None;
    let mut last_message = String::new();
    let finish = |status, attempts, http_status, message: String, service| Outcome {
        status,
        attempts,
        http_status,
        message,
        elapsed_ms: started.elapsed().as_millis(),
        service_failure: service,
    };
    while attempt < retry.attempts {
        attempt += 1;
        let secret = match token() {
            Ok(secret) => secret,
            Err(message) => return finish(Status::Failed, attempt, None, message, true),
        };
        let body = match form(file) {
            Ok(body) => body,
            Err(e) => {
                return finish(
                    Status::Failed,
                    attempt,
                    None,
                    format!("cannot read {}: {e}", file.path.display()),
                    false,
                );
            }
        };
        let reply = match send(uploader, &target, &secret, body) {
            Ok(reply) => reply,
            Err(e) => {
                last_status = None;
                last_message = format!("transport error: {}", error_chain(&e));
                if attempt < retry.attempts {
                    std::thread::sleep(delay(retry, attempt, None));
                }
                continue;
            }
        };
        let status = reply.status;
        last_status = Some(status);
        if (300..400).contains(&status) {
            match redirect_target(&target, status, &reply.headers) {
                Ok(next) if redirects < 5 => {
                    redirects += 1;
                    target = next;
                    attempt -= 1; // a same-host redirect is not a failed attempt
                    continue;
                }
                Ok(next) => {
                    return finish(
                        Status::Failed,
                        attempt,
                        Some(status),
                        format!("too many redirects (last to {next})"),
                        false,
                    );
                }
                Err(message) => {
                    return finish(Status::Failed, attempt, Some(status), message, false);
                }
            }
        }
        let retry_after = parse_retry_after(&reply.headers);
        let reason = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map(str::to_string);
        let body = reply.body;
        let message = server_message(reason.as_deref(), &body);
        if (200..300).contains(&status) {
            let warnings = body.trim();
            let warnings = if warnings.starts_with('<') {
                ""
            } else {
                warnings
            };
            return finish(
                Status::Uploaded,
                attempt,
                Some(status),
                warnings.to_string(),
                false,
            );
        }
        if retryable(status) {
            last_message = format!("HTTP {status}: {message}");
            if attempt < retry.attempts {
                std::thread::sleep(delay(retry, attempt, retry_after));
            }
            continue;
        }
        let hint = hint_for(status, &message);
        return finish(
            Status::Failed,
            attempt,
            Some(status),
            format!("HTTP {status}: {message}{hint}"),
            false,
        );
    }
    finish(
        Status::Failed,
        attempt,
        last_status,
        format!("gave up after {attempt} attempts; last error: {last_message}"),
        true,
    )
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
    let next = from
        .join(location)
        .map_err(|e| format!("bad redirect Location {location:?}: {e}"))?;
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
    fn retry_classification() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable(s), "{s}");
        }
        for s in [200, 400, 401, 403, 404, 409, 422] {
            assert!(!retryable(s), "{s}");
        }
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let retry = Retry {
            attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let d1 = delay(&retry, 1, None);
        let d4 = delay(&retry, 4, None);
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        assert!(d4 >= Duration::from_millis(400) && d4 <= Duration::from_millis(800));
        assert_eq!(
            delay(&retry, 1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }

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
