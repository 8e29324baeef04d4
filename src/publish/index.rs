//! Stage 3, what the index already has: per project, each file's sha256, version and upload
//! time, from the PEP 691 JSON simple API (`/simple/<name>/`, `upload-time`), or from a PEP 503
//! HTML page (`#sha256=` fragments; pypiserver) plus the JSON API's upload times where there
//! is one. Used for `--skip-existing` (by hash, never by matching error texts) and for PyPI's
//! 14-day rule: new files are refused for releases first uploaded more than 14 days ago.

use std::collections::HashMap;

use super::dist::{self, Dist};
use super::http::{BodyError, Http, caps};
use super::retry::{self, Failed, Policy};

/// PyPI refuses new files for a release older than this (warehouse `forklift/legacy.py`).
pub const RELEASE_WINDOW_DAYS: i64 = 14;

/// PyPI's words for the 14-day rule.
pub const RELEASE_WINDOW_MESSAGE: &str =
    "Uploading new files to releases older than 14 days is not allowed.";

/// The web host for an upload host (`upload.pypi.org` -> `pypi.org`; others are themselves):
/// the one place this mapping lives.
pub fn web_host(upload_host: &str) -> String {
    match upload_host {
        "upload.pypi.org" => "pypi.org".to_string(),
        other => other.to_string(),
    }
}

/// The web root of an index, from its upload URL: `https://upload.pypi.org/legacy/` ->
/// `https://pypi.org/`, `https://test.pypi.org/legacy/` -> `https://test.pypi.org/`,
/// `http://host:port/` (pypiserver) -> itself.
pub fn web_root(upload_url: &reqwest::Url) -> reqwest::Url {
    let mut root = upload_url.clone();
    if let Some(host) = upload_url.host_str() {
        let web = web_host(host);
        if web != host {
            let _ = root.set_host(Some(&web));
        }
    }
    let path = root.path().trim_end_matches('/');
    let path = path.strip_suffix("/legacy").unwrap_or(path);
    root.set_path(&format!("{}/", path.trim_end_matches('/')));
    root.set_query(None);
    root
}

/// One file the index has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// The canonical version of its release, from the file name (None if it does not parse).
    pub version: Option<String>,
    /// When it was uploaded (unix seconds), when the index says.
    pub upload_time: Option<i64>,
    /// `Some(reason)` when the index lists the file as yanked (PEP 592; the reason may be
    /// empty), from the PEP 691 `yanked` key or the JSON API.
    pub yanked: Option<String>,
}

impl IndexFile {
    /// The entry for file `name` with `sha256` (any case).
    fn new(name: &str, sha256: &str, upload_time: Option<i64>) -> Self {
        IndexFile {
            sha256: sha256.to_ascii_lowercase(),
            version: release_of(name),
            upload_time,
            yanked: None,
        }
    }
}

/// File name -> what the index has, for one project.
pub type ProjectFiles = HashMap<String, IndexFile>;

/// What the index has for every project of the batch (normalised name -> files).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Existing {
    pub projects: HashMap<String, ProjectFiles>,
}

impl Existing {
    /// The index's file with this name in this project.
    pub fn file(&self, project: &str, file_name: &str) -> Option<&IndexFile> {
        self.projects.get(project)?.get(file_name)
    }
}

/// Why the index could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot list the files of {project} on {url}: {reason}")]
pub struct IndexError {
    pub project: String,
    pub url: String,
    pub reason: String,
}

/// Stage 3: what the index has for each project (an unknown project has no files).
pub fn existing(
    http: &Http,
    policy: &Policy,
    upload_url: &reqwest::Url,
    projects: &[String],
) -> Result<Existing, IndexError> {
    http.block_on(async {
        let mut out = Existing::default();
        for project in projects {
            let files = project_files(http, policy, upload_url, project).await?;
            out.projects.insert(project.clone(), files);
        }
        Ok(out)
    })
}

/// A GET's status, content type and body.
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// GET `url` with `Accept: accept`, retried per `policy` on transport errors, 408, 429 and
/// 5xx; the body capped at [`caps::INDEX_PAGE`].
pub async fn get(
    http: &Http,
    policy: &Policy,
    url: &reqwest::Url,
    accept: &str,
) -> Result<Page, String> {
    let limit = http.timeouts.api;
    let done = retry::run(policy, |_| {
        let request = http
            .client
            .get(url.clone())
            .timeout(limit.value)
            .header("Accept", accept);
        async move {
            let resp = request
                .send()
                .await
                .map_err(|e| Failed::transient(http.transport_error(&e, &limit)))?;
            let status = resp.status().as_u16();
            let again = retry::again_for(status, resp.headers());
            if again != retry::Again::No {
                return Err(Failed {
                    error: format!("HTTP {status}"),
                    again,
                });
            }
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let body = http
                .read_body(resp, caps::INDEX_PAGE, false, &limit)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge(_) => Failed::fatal(e.to_string()),
                    BodyError::Transport(_) => Failed::transient(e.to_string()),
                })?;
            Ok(Page {
                status,
                content_type,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        }
    })
    .await;
    done.result.map_err(|reason| {
        if done.attempts > 1 {
            format!("{reason} (after {} attempts)", done.attempts)
        } else {
            reason
        }
    })
}

/// What the index has for `project`: the simple API (JSON preferred), then the JSON API for
/// upload times when the simple page was HTML.
pub async fn project_files(
    http: &Http,
    policy: &Policy,
    upload_url: &reqwest::Url,
    project: &str,
) -> Result<ProjectFiles, IndexError> {
    let root = web_root(upload_url);
    let fail = |url: &reqwest::Url, reason: String| IndexError {
        project: project.to_string(),
        url: url.to_string(),
        reason,
    };
    let simple_url = root
        .join(&format!("simple/{project}/"))
        .map_err(|e| fail(&root, e.to_string()))?;
    let page = get(
        http,
        policy,
        &simple_url,
        "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
    )
    .await
    .map_err(|reason| fail(&simple_url, reason))?;
    let mut files = match page.status {
        200 if page.content_type.contains("json") => {
            return parse_simple_json(&page.body).ok_or_else(|| {
                fail(
                    &simple_url,
                    "the reply is not a PEP 691 project page".to_string(),
                )
            });
        }
        200 => parse_simple_html(&page.body),
        // pypiserver redirects unknown projects to the upstream index.
        404 | 300..=399 => return Ok(ProjectFiles::new()),
        status => return Err(fail(&simple_url, format!("HTTP {status}"))),
    };
    // HTML has no upload times; the JSON API (PyPI, warehouse) has them. Best effort.
    if let Ok(json_url) = root.join(&format!("pypi/{project}/json"))
        && let Ok(page) = get(http, policy, &json_url, "application/json").await
        && page.status == 200
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(&page.body)
    {
        for (name, time) in json_api_upload_times(&json) {
            if let Some(file) = files.get_mut(&name) {
                file.upload_time = Some(time);
            }
        }
        for (name, reason) in json_api_yanked(&json) {
            if let Some(file) = files.get_mut(&name) {
                file.yanked = Some(reason);
            }
        }
    }
    Ok(files)
}

fn release_of(file_name: &str) -> Option<String> {
    let parsed = dist::parse_filename(file_name).ok()?;
    Some(dist::canonical_version(&parsed.version).unwrap_or(parsed.normalized_version))
}

/// A PEP 691 project page: `files[]` with `filename`, `hashes.sha256`, `upload-time`.
pub fn parse_simple_json(body: &str) -> Option<ProjectFiles> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let mut out = ProjectFiles::new();
    for entry in json.get("files")?.as_array()? {
        let (Some(name), Some(sha)) = (
            entry.get("filename").and_then(|v| v.as_str()),
            entry.pointer("/hashes/sha256").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let upload_time = entry
            .get("upload-time")
            .and_then(|v| v.as_str())
            .and_then(parse_iso8601);
        let mut file = IndexFile::new(name, sha, upload_time);
        file.yanked = yanked_value(entry.get("yanked"));
        out.insert(name.to_string(), file);
    }
    Some(out)
}

/// PEP 691 / 592 `yanked`: `true` or a reason string means yanked (`false`, absent or null:
/// not).
fn yanked_value(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::Bool(true) => Some(String::new()),
        serde_json::Value::String(reason) => Some(reason.clone()),
        _ => None,
    }
}

/// File name -> yank reason of the yanked files of a JSON API document (`yanked: true`,
/// `yanked_reason`).
fn json_api_yanked(json: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |entry: &serde_json::Value| {
        if entry.get("yanked").and_then(|v| v.as_bool()) == Some(true)
            && let Some(name) = entry.get("filename").and_then(|v| v.as_str())
        {
            let reason = entry
                .get("yanked_reason")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            out.push((name.to_string(), reason.to_string()));
        }
    };
    if let Some(releases) = json.get("releases").and_then(|v| v.as_object()) {
        for files in releases.values().filter_map(|v| v.as_array()) {
            files.iter().for_each(&mut add);
        }
    }
    out
}

/// Links of a PEP 503 page: `<a href="…/file#sha256=hex">file</a>`. A tolerant scan (the
/// JSON API is preferred; this is the fallback): `href` in any case, `=` with optional white
/// space, a value in double, single or no quotes, `&amp;` decoded; anything malformed,
/// truncated or unterminated is skipped, never a panic.
pub fn parse_simple_html(html: &str) -> ProjectFiles {
    let mut out = ProjectFiles::new();
    for href in hrefs(html) {
        let href = href.replace("&amp;", "&");
        let (url, fragment) = href.split_once('#').unwrap_or((href.as_str(), ""));
        let Some(sha) = fragment.strip_prefix("sha256=") else {
            continue;
        };
        if sha.is_empty() || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let name = url.rsplit('/').next().unwrap_or(url);
        if name.is_empty() {
            continue;
        }
        out.insert(name.to_string(), IndexFile::new(name, sha, None));
    }
    out
}

/// The values of every `href` attribute of `html`, in order.
fn hrefs(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower.get(from..).and_then(|rest| rest.find("href")) {
        let after = from + found + 4;
        from = after;
        let Some(rest) = html.get(after..) else { break };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let inner = rest.get(1..).unwrap_or_default();
                match inner.find(q) {
                    Some(end) => inner.get(..end),
                    None => None,
                }
            }
            Some(_) => rest.split(|c: char| c.is_whitespace() || c == '>').next(),
            None => None,
        };
        if let Some(value) = value
            && !value.is_empty()
        {
            out.push(value);
        }
    }
    out
}

/// File name -> upload time from a JSON API document (`releases.*[]` and `urls[]`,
/// `upload_time_iso_8601`).
fn json_api_upload_times(json: &serde_json::Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut add = |entry: &serde_json::Value| {
        if let (Some(name), Some(time)) = (
            entry.get("filename").and_then(|v| v.as_str()),
            entry
                .get("upload_time_iso_8601")
                .and_then(|v| v.as_str())
                .and_then(parse_iso8601),
        ) {
            out.push((name.to_string(), time));
        }
    };
    if let Some(urls) = json.get("urls").and_then(|v| v.as_array()) {
        urls.iter().for_each(&mut add);
    }
    if let Some(releases) = json.get("releases").and_then(|v| v.as_object()) {
        for files in releases.values().filter_map(|v| v.as_array()) {
            files.iter().for_each(&mut add);
        }
    }
    out
}

/// `2026-11-01T12:34:56[.ffffff](Z|±hh:mm)` as unix seconds.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let (h, mi) = off
            .get(1..)?
            .split_once(':')
            .unwrap_or((off.get(1..)?, "0"));
        (
            c,
            sign * (h.parse::<i64>().ok()? * 3600 + mi.parse::<i64>().ok()? * 60),
        )
    } else {
        (time, 0)
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, s) = (c.next()??, c.next()??, c.next().flatten().unwrap_or(0));
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = crate::time::days_from_civil(y, m, day);
    Some(days * 86_400 + h * 3600 + mi * 60 + s - offset)
}

/// A file PyPI will refuse under the 14-day rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedRelease {
    /// The local file.
    pub file: String,
    /// Normalised project name and version.
    pub project: String,
    pub version: String,
    /// The release's first upload (unix seconds) and its age in whole days.
    pub first_upload: i64,
    pub age_days: i64,
}

/// Files of the batch the index will refuse under the 14-day rule (the error of stage 3).
#[derive(Debug, thiserror::Error)]
#[error("{} file(s) would be refused by the index; nothing was uploaded:\n{}", .0.len(), describe_closed(.0))]
pub struct ReleasesClosed(pub Vec<ClosedRelease>);

fn describe_closed(closed: &[ClosedRelease]) -> String {
    closed
        .iter()
        .map(|c| {
            format!(
                "  {}: the release {} {} was first uploaded {} days ago, and PyPI takes new files for a release only during its first {RELEASE_WINDOW_DAYS} days (\"{RELEASE_WINDOW_MESSAGE}\")",
                c.file, c.project, c.version, c.age_days
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Files of the batch that PyPI's 14-day rule refuses: a release the index already has, first
/// uploaded more than 14 days before `now`, gets no new file. A file the index already has
/// (same name) is not new and is not listed.
pub fn closed_releases(dists: &[Dist], existing: &Existing, now: i64) -> Vec<ClosedRelease> {
    let mut out = Vec::new();
    for d in dists {
        let project = &d.filename.normalized_name;
        let Some(files) = existing.projects.get(project) else {
            continue;
        };
        let file = d.filename.file_name.as_str();
        if files.contains_key(file) {
            continue;
        }
        let version = dist::canonical_version(&d.filename.version)
            .unwrap_or_else(|| d.filename.normalized_version.clone());
        let first = files
            .values()
            .filter(|f| f.version.as_deref() == Some(version.as_str()))
            .filter_map(|f| f.upload_time)
            .min();
        if let Some(first) = first
            && now - first > RELEASE_WINDOW_DAYS * 86_400
        {
            out.push(ClosedRelease {
                file: file.to_string(),
                project: project.clone(),
                version: d.filename.normalized_version.clone(),
                first_upload: first,
                age_days: (now - first) / 86_400,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_roots() {
        let root = |u: &str| web_root(&reqwest::Url::parse(u).unwrap()).to_string();
        assert_eq!(root("https://upload.pypi.org/legacy/"), "https://pypi.org/");
        assert_eq!(
            root("https://test.pypi.org/legacy/"),
            "https://test.pypi.org/"
        );
        assert_eq!(root("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
        assert_eq!(
            root("http://127.0.0.1:8080/legacy"),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn simple_html_links() {
        let html = r#"<a href="../../packages/demo_pkg-0.1.0-py3-none-any.whl#sha256=ABC">x</a>
<a href='/p/demo_pkg-0.1.0.tar.gz#sha256=def'>y</a><a href="/nohash.whl">z</a>"#;
        let files = parse_simple_html(html);
        assert_eq!(files.len(), 2);
        assert_eq!(files["demo_pkg-0.1.0-py3-none-any.whl"].sha256, "abc");
        assert_eq!(files["demo_pkg-0.1.0.tar.gz"].sha256, "def");
        // Canonical versions (trailing zeros dropped): 0.1.0 and 0.1 are one release.
        assert_eq!(
            files["demo_pkg-0.1.0.tar.gz"].version.as_deref(),
            Some("0.1")
        );
    }

    #[test]
    fn iso8601_times() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso8601("2026-12-01T08:52:58.123456Z"),
            Some(1_796_115_178)
        );
        assert_eq!(
            parse_iso8601("2026-12-01T10:52:58+02:00"),
            Some(1_796_115_178)
        );
        assert_eq!(parse_iso8601("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_iso8601("yesterday"), None);
    }
}
