//! The GitHub REST client of `github-release`, over [`crate::publish::http::Http`]: the
//! release and asset calls, the `Accept` / `X-GitHub-Api-Version` / token headers, paging by
//! `Link`, and rate limits (403 and 429 alike, [`super::limits`]) and transient failures
//! (transport errors, 5xx) retried within bounds. A token is only ever sent to the API's
//! origin, to the `upload_url` the release names (https, or the API's own host), or to
//! `--uploads-url`.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};
use serde::Deserialize;

use super::GithubError;
use super::limits::{self, Clock, MAX_RATE_ATTEMPTS, MAX_RATE_WAIT_SECS, Reason, Wait};
use crate::publish::credentials::Secret;
use crate::publish::http::{BodyError, Http, caps};

/// The REST API version sent with every request.
pub const API_VERSION: &str = "2022-11-28";

/// The most release pages read (100 releases each).
pub const MAX_PAGES: usize = 50;

/// A release as GitHub returns it (the fields chora reads).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub prerelease: bool,
    /// Set on repositories with immutable releases once published.
    #[serde(default)]
    pub immutable: Option<bool>,
    #[serde(default)]
    pub html_url: String,
    /// `https://uploads.github.com/repos/{o}/{r}/releases/{id}/assets{?name,label}`.
    #[serde(default)]
    pub upload_url: String,
    #[serde(default)]
    pub assets: Vec<Asset>,
}

/// A release asset as GitHub returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    /// `uploaded`, or `starter`/`open` for an upload that did not finish.
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub size: u64,
    /// `sha256:<hex>` (GitHub computes it on upload); absent on old assets.
    #[serde(default)]
    pub digest: Option<String>,
    #[serde(default)]
    pub browser_download_url: String,
}

/// What the client is pointed at.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://api.github.com` (or `GITHUB_API_URL`, or the stand-in).
    pub api_url: String,
    /// Overrides the release's `upload_url` host: `{uploads}/repos/{o}/{r}/releases/{id}/assets`.
    pub uploads_url: Option<String>,
    pub token: Option<Secret>,
    pub clock: Clock,
    /// Attempts per request for transport errors and 5xx.
    pub attempts: u32,
    /// First backoff delay (doubled per retry, at most 30×).
    pub backoff: Duration,
}

/// A final answer (2xx, or a refusal not worth retrying).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What a request sends.
pub enum Body<'a> {
    None,
    Json(&'a serde_json::Value),
    /// A file, streamed, with its media type and length.
    File {
        path: &'a std::path::Path,
        content_type: &'a str,
        size: u64,
    },
}

/// The client, with the waits it took.
pub struct Client<'h> {
    http: &'h Http,
    api: Url,
    uploads: Option<Url>,
    token: Option<Secret>,
    clock: Clock,
    attempts: u32,
    backoff: Duration,
    waits: Mutex<Vec<Wait>>,
    observer: Option<WaitObserver<'h>>,
}

/// Told of each wait before it begins.
type WaitObserver<'h> = Box<dyn Fn(&Wait) + Send + Sync + 'h>;

/// A URL option that must be http(s) without credentials.
fn parse_base(text: &str, option: &'static str) -> Result<Url, GithubError> {
    let url = Url::parse(text.trim()).map_err(|e| GithubError::BadUrl {
        option,
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(GithubError::BadUrl {
            option,
            reason: "not an http(s) URL".to_string(),
        });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(GithubError::BadUrl {
            option,
            reason: "credentials in the URL (give the token in GITHUB_TOKEN)".to_string(),
        });
    }
    Ok(url)
}

/// `path_segments_mut` on a base URL (http(s) URLs always have segments).
fn push_segments(url: &mut Url, segments: &[&str]) -> Result<(), GithubError> {
    let mut parts = url.path_segments_mut().map_err(|()| GithubError::BadUrl {
        option: "--api-url",
        reason: "cannot take a path".to_string(),
    })?;
    parts.pop_if_empty();
    parts.extend(segments);
    Ok(())
}

/// The server's message: the JSON `message` (and `errors[]`), else the text, cut short.
pub fn server_message(body: &[u8]) -> String {
    let text = if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        let mut text = v
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or_default()
            .to_string();
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            let parts: Vec<String> = errors
                .iter()
                .filter_map(|e| {
                    if let Some(s) = e.as_str() {
                        return Some(s.to_string());
                    }
                    let field = |k: &str| e.get(k).and_then(|x| x.as_str()).unwrap_or_default();
                    let m = field("message");
                    let joined = [field("resource"), field("field"), field("code"), m]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    (!joined.is_empty()).then_some(joined)
                })
                .collect();
            if !parts.is_empty() {
                text = format!("{text} ({})", parts.join("; "));
            }
        }
        text
    } else {
        String::from_utf8_lossy(body).trim().to_string()
    };
    let text: String = text.chars().take(500).collect();
    crate::publish::ledger::redact(&text)
}

impl<'h> Client<'h> {
    pub fn new(http: &'h Http, config: Config) -> Result<Self, GithubError> {
        let api = parse_base(&config.api_url, "--api-url")?;
        let uploads = config
            .uploads_url
            .as_deref()
            .map(|u| parse_base(u, "--uploads-url"))
            .transpose()?;
        Ok(Client {
            http,
            api,
            uploads,
            token: config.token,
            clock: config.clock,
            attempts: config.attempts.max(1),
            backoff: config.backoff,
            waits: Mutex::new(Vec::new()),
            observer: None,
        })
    }

    /// Be told of every wait before it begins (to show why the command is quiet).
    pub fn on_wait(mut self, observer: impl Fn(&Wait) + Send + Sync + 'h) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// Whether a token is set (drafts are listed only with one).
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The waits taken so far.
    pub fn waits(&self) -> Vec<Wait> {
        self.waits.lock().map(|w| w.clone()).unwrap_or_default()
    }

    fn record(&self, wait: Wait) {
        if let Some(observer) = &self.observer {
            observer(&wait);
        }
        if let Ok(mut w) = self.waits.lock() {
            w.push(wait);
        }
    }

    /// Seconds of rate-limit waiting so far.
    fn rate_waited(&self) -> u64 {
        self.waits()
            .iter()
            .filter(|w| w.reason != Reason::Backoff)
            .map(|w| w.seconds)
            .sum()
    }

    /// Backoff before retry number `retry` (1-based), recorded as a wait.
    pub async fn backoff(&self, request: &str, status: Option<u16>, retry: u32) {
        let factor = 1u32 << retry.saturating_sub(1).min(10);
        let delay = self
            .backoff
            .saturating_mul(factor)
            .min(self.backoff.saturating_mul(30));
        self.record(Wait {
            request: request.to_string(),
            status,
            reason: Reason::Backoff,
            seconds: delay.as_millis().div_ceil(1000) as u64,
            reset: None,
        });
        tokio::time::sleep(delay).await;
    }

    /// Attempts per request for transport errors and 5xx.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// `{api}/repos/{owner}/{repo}/{rest…}`.
    pub fn repo_url(&self, repo: &super::Repository, rest: &[&str]) -> Result<Url, GithubError> {
        let mut url = self.api.clone();
        url.set_query(None);
        push_segments(&mut url, &["repos", &repo.owner, &repo.name])?;
        push_segments(&mut url, rest)?;
        Ok(url)
    }

    /// Whether the token may go to `url`: the API's origin, the uploads override's origin,
    /// else https or the API's own host (GitHub's uploads host differs from the API's).
    fn may_send_token(&self, url: &Url) -> bool {
        let same_origin = |base: &Url| {
            base.scheme() == url.scheme()
                && base.host_str() == url.host_str()
                && base.port_or_known_default() == url.port_or_known_default()
        };
        same_origin(&self.api)
            || self.uploads.as_ref().is_some_and(same_origin)
            || url.scheme() == "https"
            || (url.scheme() == self.api.scheme() && url.host_str() == self.api.host_str())
    }

    /// Send one request, waiting out rate limits and retrying transport errors and 5xx
    /// (`attempts` attempts: 1 for uploads, which the caller retries after cleaning up).
    /// Returns the final answer, 2xx or not; `Err` only when no usable answer came.
    pub async fn send(
        &self,
        what: &str,
        method: Method,
        url: &Url,
        body: &Body<'_>,
        attempts: u32,
    ) -> Result<Reply, GithubError> {
        let upload = matches!(body, Body::File { .. });
        let limit = if upload {
            self.http.timeouts.upload
        } else {
            self.http.timeouts.api
        };
        let mut attempt = 0u32;
        let mut rate_hits = 0u32;
        let mut secondary = 0u32;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .client
                .request(method.clone(), url.clone())
                .timeout(limit.value)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION);
            if let Some(token) = &self.token {
                if !self.may_send_token(url) {
                    return Err(GithubError::BadReply {
                        what: what.to_string(),
                        message: format!(
                            "GitHub named {} for it, an http URL on another host: the token is not sent there",
                            url.origin().ascii_serialization()
                        ),
                    });
                }
                req = req.bearer_auth(token.expose());
            }
            req = match body {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::File {
                    path,
                    content_type,
                    size,
                } => req
                    .header("Content-Type", *content_type)
                    .header("Content-Length", size.to_string())
                    .body(reqwest::Body::wrap_stream(
                        file_stream(path.to_path_buf()).map_err(|source| {
                            GithubError::ReadAsset {
                                path: path.display().to_string(),
                                source,
                            }
                        })?,
                    )),
            };
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    let message = self.http.transport_error(&e, &limit);
                    if attempt < attempts {
                        self.backoff(what, None, attempt).await;
                        continue;
                    }
                    return Err(GithubError::Transport {
                        what: what.to_string(),
                        message,
                        attempts: attempt,
                    });
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let ok = (200..300).contains(&status);
            let (cap, cut) = if ok {
                (caps::INDEX_PAGE, false)
            } else {
                (caps::MESSAGE, true)
            };
            let body_bytes = match self.http.read_body(resp, cap, cut, &limit).await {
                Ok(b) => b,
                Err(BodyError::TooLarge(cap)) => {
                    return Err(GithubError::BadReply {
                        what: what.to_string(),
                        message: BodyError::TooLarge(cap).to_string(),
                    });
                }
                Err(BodyError::Transport(message)) => {
                    if attempt < attempts {
                        self.backoff(what, Some(status), attempt).await;
                        continue;
                    }
                    return Err(GithubError::Transport {
                        what: what.to_string(),
                        message,
                        attempts: attempt,
                    });
                }
            };
            if ok {
                return Ok(Reply {
                    status,
                    headers,
                    body: body_bytes,
                });
            }
            let text = String::from_utf8_lossy(&body_bytes).into_owned();
            if let Some((seconds, reason, reset)) =
                limits::rate_limit_wait(status, &headers, &text, secondary)
            {
                rate_hits += 1;
                if reason == Reason::Secondary {
                    secondary += 1;
                }
                let waited = self.rate_waited();
                if rate_hits > MAX_RATE_ATTEMPTS
                    || waited.saturating_add(seconds) > MAX_RATE_WAIT_SECS
                {
                    return Err(GithubError::RateLimited {
                        what: what.to_string(),
                        status,
                        message: server_message(&body_bytes),
                        waited,
                        needed: seconds,
                        reset,
                    });
                }
                self.record(Wait {
                    request: what.to_string(),
                    status: Some(status),
                    reason,
                    seconds,
                    reset,
                });
                self.clock.wait(seconds).await;
                // A rate-limited answer does not use up a transient-failure attempt.
                attempt -= 1;
                continue;
            }
            if crate::publish::retry::retryable_status(status) && attempt < attempts {
                self.backoff(what, Some(status), attempt).await;
                continue;
            }
            return Ok(Reply {
                status,
                headers,
                body: body_bytes,
            });
        }
    }

    /// A JSON request expecting `expect`; any other answer is an error.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: &Url,
        body: &Body<'_>,
        expect: u16,
    ) -> Result<T, GithubError> {
        let reply = self.send(what, method, url, body, self.attempts).await?;
        if reply.status != expect {
            return Err(refused(what, &reply));
        }
        parse(what, &reply.body)
    }

    /// A GET of a JSON document on the API (`chora audit --online`): `None` for a 404, any
    /// other refusal an error.
    pub async fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        url: &Url,
    ) -> Result<Option<T>, GithubError> {
        let reply = self
            .send(what, Method::GET, url, &Body::None, self.attempts)
            .await?;
        match reply.status {
            200 => parse(what, &reply.body).map(Some),
            404 => Ok(None),
            _ => Err(refused(what, &reply)),
        }
    }

    /// `{api}/repos/{owner}/{repo}/{rest…}?{query}`.
    pub fn repo_query_url(
        &self,
        repo: &super::Repository,
        rest: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, GithubError> {
        let mut url = self.repo_url(repo, rest)?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// The published release of `tag` (`GET …/releases/tags/{tag}`; drafts are not found).
    pub async fn release_by_tag(
        &self,
        repo: &super::Repository,
        tag: &str,
    ) -> Result<Option<Release>, GithubError> {
        let url = self.repo_url(repo, &["releases", "tags", tag])?;
        let what = format!("GET release of tag {tag}");
        let reply = self
            .send(&what, Method::GET, &url, &Body::None, self.attempts)
            .await?;
        match reply.status {
            200 => parse(&what, &reply.body).map(Some),
            404 => Ok(None),
            _ => Err(refused(&what, &reply)),
        }
    }

    /// Every release (`GET …/releases`, 100 a page, following `Link: rel="next"` on the API's
    /// origin): drafts included when the token has push access.
    pub async fn list_releases(
        &self,
        repo: &super::Repository,
    ) -> Result<Vec<Release>, GithubError> {
        let mut url = self.repo_url(repo, &["releases"])?;
        url.query_pairs_mut().append_pair("per_page", "100");
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let what = format!("GET releases (page {page})");
            let reply = self
                .send(&what, Method::GET, &url, &Body::None, self.attempts)
                .await?;
            if reply.status != 200 {
                return Err(refused(&what, &reply));
            }
            let releases: Vec<Release> = parse(&what, &reply.body)?;
            all.extend(releases);
            let Some(next) = reply
                .headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(limits::next_link)
            else {
                return Ok(all);
            };
            let next = Url::parse(next).map_err(|e| GithubError::BadReply {
                what: what.clone(),
                message: format!("bad Link header: {e}"),
            })?;
            if next.origin() != self.api.origin() {
                return Err(GithubError::BadReply {
                    what,
                    message: format!(
                        "the next page is on another origin ({}); not followed",
                        next.origin().ascii_serialization()
                    ),
                });
            }
            url = next;
        }
        Err(GithubError::BadReply {
            what: "GET releases".to_string(),
            message: format!("more than {MAX_PAGES} pages of releases; not all were read"),
        })
    }

    /// One release by id (drafts too, with push access).
    pub async fn release(&self, repo: &super::Repository, id: u64) -> Result<Release, GithubError> {
        let url = self.repo_url(repo, &["releases", &id.to_string()])?;
        self.json(
            &format!("GET release {id}"),
            Method::GET,
            &url,
            &Body::None,
            200,
        )
        .await
    }

    /// `POST …/releases`.
    pub async fn create_release(
        &self,
        repo: &super::Repository,
        body: &serde_json::Value,
    ) -> Result<Release, GithubError> {
        let url = self.repo_url(repo, &["releases"])?;
        self.json(
            "POST releases (create the draft)",
            Method::POST,
            &url,
            &Body::Json(body),
            201,
        )
        .await
    }

    /// `PATCH …/releases/{id}`.
    pub async fn update_release(
        &self,
        repo: &super::Repository,
        id: u64,
        body: &serde_json::Value,
    ) -> Result<Release, GithubError> {
        let url = self.repo_url(repo, &["releases", &id.to_string()])?;
        self.json(
            &format!("PATCH release {id}"),
            Method::PATCH,
            &url,
            &Body::Json(body),
            200,
        )
        .await
    }

    /// `DELETE …/releases/assets/{id}` (a 404 is fine: it is gone).
    pub async fn delete_asset(&self, repo: &super::Repository, id: u64) -> Result<(), GithubError> {
        let url = self.repo_url(repo, &["releases", "assets", &id.to_string()])?;
        let what = format!("DELETE asset {id}");
        let reply = self
            .send(&what, Method::DELETE, &url, &Body::None, self.attempts)
            .await?;
        match reply.status {
            204 | 404 => Ok(()),
            _ => Err(refused(&what, &reply)),
        }
    }

    /// Where assets of `release` are uploaded: `--uploads-url`, else its `upload_url` with
    /// the `{?name,label}` template stripped.
    pub fn upload_base(
        &self,
        repo: &super::Repository,
        release: &Release,
    ) -> Result<Url, GithubError> {
        if let Some(base) = &self.uploads {
            let mut url = base.clone();
            url.set_query(None);
            push_segments(
                &mut url,
                &[
                    "repos",
                    &repo.owner,
                    &repo.name,
                    "releases",
                    &release.id.to_string(),
                    "assets",
                ],
            )?;
            return Ok(url);
        }
        let template = release.upload_url.split('{').next().unwrap_or_default();
        Url::parse(template)
            .ok()
            .filter(|u| matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| GithubError::BadReply {
                what: format!("release {}", release.id),
                message: format!("no usable upload_url ({:?})", release.upload_url),
            })
    }

    /// `POST {upload_url}?name=…` with the file as the body: one attempt (the caller cleans
    /// up a half-uploaded asset before retrying). `Ok(Err(reply))` is a refusal.
    pub async fn upload_asset(
        &self,
        base: &Url,
        asset: &super::LocalAsset,
    ) -> Result<Result<Asset, Reply>, GithubError> {
        let mut url = base.clone();
        url.query_pairs_mut().append_pair("name", &asset.name);
        let what = format!("POST asset {}", asset.name);
        let reply = self
            .send(
                &what,
                Method::POST,
                &url,
                &Body::File {
                    path: &asset.path,
                    content_type: content_type(&asset.name),
                    size: asset.size,
                },
                1,
            )
            .await?;
        if reply.status == 201 {
            return parse(&what, &reply.body).map(Ok);
        }
        Ok(Err(reply))
    }
}

/// The media type of an asset, by its name.
pub fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".whl") || lower.ends_with(".zip") {
        "application/zip"
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") || lower.ends_with(".gz") {
        "application/gzip"
    } else if lower.ends_with(".json") {
        "application/json"
    } else if lower.ends_with(".txt") || lower.ends_with(".md") {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, GithubError> {
    serde_json::from_slice(body).map_err(|e| GithubError::BadReply {
        what: what.to_string(),
        message: format!("not the JSON expected: {e}"),
    })
}

/// A refusal in words: permission, token, repository, immutable release, or other.
pub fn refused(what: &str, reply: &Reply) -> GithubError {
    let message = server_message(&reply.body);
    let what = what.to_string();
    match reply.status {
        401 => GithubError::Unauthorized { what, message },
        403 if message.contains("Resource not accessible") => {
            GithubError::NoPermission { what, message }
        }
        404 => GithubError::NotFound { what, message },
        422 if message.to_ascii_lowercase().contains("immutable") => {
            GithubError::Immutable { what, message }
        }
        status if status >= 500 || status == 408 || status == 429 => GithubError::Server {
            what,
            status,
            message,
        },
        status => GithubError::Refused {
            what,
            status,
            message,
        },
    }
}

/// A file as a stream of 64 KiB pieces (memory does not grow with the file).
fn file_stream(
    path: PathBuf,
) -> std::io::Result<impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static> {
    use std::io::Read as _;
    const CHUNK: usize = 64 * 1024;
    let file = std::fs::File::open(path)?;
    Ok(futures_util::stream::unfold(
        Some(file),
        |state| async move {
            let mut file = state?;
            let mut buf = vec![0u8; CHUNK];
            match file.read(&mut buf) {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(buf), Some(file)))
                }
                Err(e) => Some((Err(e), None)),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::http::Timeouts;

    fn config(api: &str, uploads: Option<&str>) -> Config {
        Config {
            api_url: api.to_string(),
            uploads_url: uploads.map(str::to_string),
            token: Some(Secret::new("ghs_x")),
            clock: Clock::default(),
            attempts: 1,
            backoff: Duration::from_millis(1),
        }
    }

    #[test]
    fn the_token_goes_to_the_api_the_uploads_override_or_https_only() {
        let http = Http::new(Timeouts::default()).unwrap();
        let c = Client::new(
            &http,
            config("http://127.0.0.1:8000", Some("http://10.0.0.9:9000")),
        )
        .unwrap();
        let ok = [
            "http://127.0.0.1:8000/repos/o/r",
            "http://127.0.0.1:9999/upload",
            "http://10.0.0.9:9000/repos/o/r/releases/1/assets",
            "https://uploads.github.com/repos/o/r/releases/1/assets",
        ];
        let not = ["http://evil.example/x", "http://10.0.0.9:9001/x"];
        let allowed = |u: &str| c.may_send_token(&Url::parse(u).unwrap());
        assert_eq!(ok.iter().filter(|u| allowed(u)).count(), ok.len());
        assert_eq!(not.iter().filter(|u| allowed(u)).count(), 0);
        assert!(Client::new(&http, config("https://user:pw@api.github.com", None)).is_err());
        assert!(Client::new(&http, config("ftp://api.github.com", None)).is_err());
    }

    #[test]
    fn upload_urls_drop_the_template_or_use_the_override() {
        let http = Http::new(Timeouts::default()).unwrap();
        let repo = super::super::Repository::parse("o/r").unwrap();
        let release = Release {
            id: 9,
            tag_name: "v1".into(),
            name: None,
            draft: true,
            prerelease: false,
            immutable: None,
            html_url: String::new(),
            upload_url: "https://uploads.github.com/repos/o/r/releases/9/assets{?name,label}"
                .into(),
            assets: vec![],
        };
        let c = Client::new(&http, config("https://api.github.com", None)).unwrap();
        assert_eq!(
            c.upload_base(&repo, &release).unwrap().as_str(),
            "https://uploads.github.com/repos/o/r/releases/9/assets"
        );
        let c = Client::new(
            &http,
            config(
                "https://ghe.example/api/v3",
                Some("https://ghe.example/api/uploads"),
            ),
        )
        .unwrap();
        assert_eq!(
            c.upload_base(&repo, &release).unwrap().as_str(),
            "https://ghe.example/api/uploads/repos/o/r/releases/9/assets"
        );
        assert_eq!(
            c.repo_url(&repo, &["releases", "tags", "v1/x"])
                .unwrap()
                .as_str(),
            "https://ghe.example/api/v3/repos/o/r/releases/tags/v1%2Fx"
        );
    }

    #[test]
    fn server_messages_name_the_errors_and_hide_tokens() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}"#;
        assert_eq!(
            server_message(body),
            "Validation Failed (ReleaseAsset name already_exists)"
        );
        assert_eq!(
            server_message(b"leaked ghp_abcdefghijklmnop here"),
            "leaked *** here"
        );
    }
}
