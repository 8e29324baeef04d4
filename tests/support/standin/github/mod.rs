//! A GitHub REST stand-in for releases (docs.github.com/rest/releases; the audit notes §3),
//! and the read endpoints `chora audit --online` uses (runs, jobs, environments, branch
//! policies, rulesets, immutable releases: see `route_actions`):
//! an API host and an uploads host (two servers; the client must use the `upload_url` a
//! release names, `{?name,label}` template included), with GitHub's behaviour where it
//! matters to a release tool:
//!
//! - `GET /repos/{o}/{r}/releases` (paged by `per_page`/`page`, `Link` header with `next` and
//!   `last`; drafts listed only to a token with push access), `GET …/releases/tags/{tag}`
//!   (published releases only: drafts are 404), `GET …/releases/{id}`, `POST …/releases`
//!   (several drafts may share a tag, as on GitHub; a published tag is 422 `already_exists`),
//!   `PATCH …/releases/{id}`, `DELETE …/releases/assets/{id}`.
//! - Uploads: `POST /repos/{o}/{r}/releases/{id}/assets?name=…` with the raw body; the asset
//!   gets `digest: "sha256:…"`; a same-name asset is 422 `already_exists`; a published release
//!   of a repository with immutable releases is 422 "Cannot upload assets to an immutable
//!   release". Knobs: a 502 that leaves an empty `starter` asset, a wrong digest, no digest.
//!   A connection reset mid-body (inject [`Fault::ResetMidBody`] on [`Github::uploads`])
//!   leaves a `starter` asset once [`Github::settle`] has looked at the uploads log.
//! - Tokens: `Authorization: Bearer …` (or `token …`); a wrong one is 401 "Bad credentials";
//!   a read-only token ([`Permission::Read`], GITHUB_TOKEN without `contents: write`) gets 403
//!   "Resource not accessible by integration" on every write; another repository is 404.
//! - Rate limits on a stand-in clock ([`Clock`]: 1 real millisecond is 1 second, so a client
//!   run with `CHORA_PUBLISH_GITHUB_SECOND_MS=1` waits the seconds asked): every answer has
//!   `Date` and `x-ratelimit-*`; [`RateFault`] answers 403 or 429 with `retry-after`, or with
//!   `x-ratelimit-remaining: 0` and `x-ratelimit-reset` — refusing every request until the
//!   clock passes the reset, as GitHub does — or a secondary limit without either.
//!   [`Github::log`] records each request with its time on that clock.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde_json::{Value, json};

use super::http::{Request, Response, Server};
use super::util::{lock, sha256_hex};

#[allow(unused_imports)]
pub use super::http::Fault;

/// The stand-in's clock: starts at [`Clock::T0`] and runs 1000 times faster than real time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    /// The Unix time the clock starts at.
    pub const T0: f64 = 1_800_000_000.0;
    /// Stand-in seconds per real second.
    pub const SPEED: f64 = 1000.0;

    fn new() -> Self {
        Clock {
            start: Instant::now(),
        }
    }

    /// Now, in Unix seconds on this clock.
    pub fn now(&self) -> f64 {
        self.at(Instant::now())
    }

    /// An instant (e.g. [`super::http::RecordedRequest::received`]) on this clock.
    pub fn at(&self, instant: Instant) -> f64 {
        Self::T0 + instant.saturating_duration_since(self.start).as_secs_f64() * Self::SPEED
    }
}

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// `contents: write`: releases and drafts.
    Write,
    /// `contents: read`: sees published releases; every write is 403.
    Read,
}

/// A rate-limited answer for the next API request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateFault {
    /// `status` (403 or 429) with `retry-after: secs`.
    RetryAfter { status: u16, secs: u64 },
    /// `status` with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` `in_secs` from now;
    /// every API request is refused so until the clock passes the reset.
    Reset { status: u16, in_secs: u64 },
    /// `status` with a secondary-limit message and neither header.
    Secondary { status: u16 },
}

/// An asset held by the stand-in.
#[derive(Clone, Debug)]
pub struct StoredAsset {
    pub id: u64,
    pub name: String,
    pub state: String,
    pub content_type: String,
    pub data: Vec<u8>,
    /// The `digest` served (normally `sha256:` of `data`; `None`: served without one).
    pub digest: Option<String>,
}

/// A release held by the stand-in.
#[derive(Clone, Debug)]
pub struct StoredRelease {
    pub id: u64,
    pub tag_name: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub immutable: bool,
    pub generated_notes: bool,
    pub assets: Vec<StoredAsset>,
}

/// One request as the stand-in handled it.
#[derive(Clone, Debug)]
pub struct Logged {
    /// `api` or `uploads`.
    pub host: &'static str,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// When it arrived, on [`Clock`].
    pub at: f64,
    /// Whether it carried the right token.
    pub authed: bool,
}

struct State {
    owner: String,
    repo: String,
    token: String,
    permission: Permission,
    immutable_releases: bool,
    uploads_url: String,
    releases: Vec<StoredRelease>,
    next_id: u64,
    page_size: Option<usize>,
    rate: VecDeque<RateFault>,
    blocked_until: Option<(f64, u16)>,
    bad_digest: Vec<String>,
    no_digest: bool,
    fail_502: HashMap<String, usize>,
    settled: usize,
    log: Vec<Logged>,
    used: u64,
    actions: Actions,
}

/// A completed workflow run held by the stand-in (for `chora audit --online`).
#[derive(Clone, Debug)]
pub struct StoredRun {
    pub id: u64,
    /// The run's conclusion (`success`, `failure`, `cancelled`, `startup_failure`…).
    pub conclusion: String,
    pub run_attempt: u64,
    /// Its jobs: (name, conclusion).
    pub jobs: Vec<(String, String)>,
}

/// A deployment environment held by the stand-in.
#[derive(Clone, Debug, Default)]
pub struct StoredEnvironment {
    pub name: String,
    pub reviewers: usize,
    pub wait_timer: u64,
    /// `None`: any branch; `Some(vec![])` with `protected`: protected branches; else custom
    /// policies `(type, pattern)`.
    pub protected_branches: bool,
    pub policies: Option<Vec<(String, String)>>,
    pub can_admins_bypass: bool,
}

/// A ruleset held by the stand-in.
#[derive(Clone, Debug)]
pub struct StoredRuleset {
    pub id: u64,
    pub name: String,
    pub target: String,
    pub enforcement: String,
    pub include: Vec<String>,
    pub rules: Vec<String>,
}

/// Actions, environments, rulesets, the repository's settings.
#[derive(Default)]
struct Actions {
    private: bool,
    runs: HashMap<String, Vec<StoredRun>>,
    environments: Vec<StoredEnvironment>,
    rulesets: Vec<StoredRuleset>,
    immutable_known: bool,
}

/// The stand-in: two servers and their shared state; stops on drop.
pub struct Github {
    pub api: Server,
    pub uploads: Server,
    pub clock: Clock,
    state: Arc<Mutex<State>>,
}

/// The token the stand-in accepts by default.
pub const TOKEN: &str = "ghs_StandInInstallationToken0123456789";

impl Github {
    /// A stand-in for `owner/repo` accepting [`TOKEN`] with write permission.
    pub fn start(owner: &str, repo: &str) -> Github {
        let clock = Clock::new();
        let state = Arc::new(Mutex::new(State {
            owner: owner.to_string(),
            repo: repo.to_string(),
            token: TOKEN.to_string(),
            permission: Permission::Write,
            immutable_releases: false,
            uploads_url: String::new(),
            releases: Vec::new(),
            next_id: 1000,
            page_size: None,
            rate: VecDeque::new(),
            blocked_until: None,
            bad_digest: Vec::new(),
            no_digest: false,
            fail_502: HashMap::new(),
            settled: 0,
            log: Vec::new(),
            used: 0,
            actions: Actions {
                immutable_known: true,
                ..Actions::default()
            },
        }));
        let s = Arc::clone(&state);
        let uploads = Server::start(move |req| handle_upload(&s, clock, req));
        lock(&state).uploads_url = uploads.url();
        let s = Arc::clone(&state);
        let api = Server::start(move |req| handle_api(&s, clock, req));
        Github {
            api,
            uploads,
            clock,
            state,
        }
    }

    /// The API base URL (for `--api-url`).
    pub fn api_url(&self) -> String {
        self.api.url()
    }

    pub fn set_permission(&self, p: Permission) {
        lock(&self.state).permission = p;
    }

    pub fn set_immutable_releases(&self, on: bool) {
        lock(&self.state).immutable_releases = on;
    }

    /// Serve at most `n` releases a page, whatever `per_page` asks (to force paging).
    pub fn set_page_size(&self, n: usize) {
        lock(&self.state).page_size = Some(n);
    }

    /// Queue a rate-limited answer for the next API request.
    pub fn rate_limit(&self, fault: RateFault) {
        lock(&self.state).rate.push_back(fault);
    }

    /// Serve a wrong digest for assets uploaded under this name.
    pub fn corrupt_digest(&self, name: &str) {
        lock(&self.state).bad_digest.push(name.to_string());
    }

    /// Serve assets without `digest` (as for assets uploaded before GitHub computed them).
    pub fn hide_digests(&self) {
        lock(&self.state).no_digest = true;
    }

    /// Answer the next `times` uploads of `name` with a 502 that leaves an empty `starter`
    /// asset behind (GitHub's documented failure).
    pub fn fail_upload_502(&self, name: &str, times: usize) {
        lock(&self.state).fail_502.insert(name.to_string(), times);
    }

    /// Add a release as if made earlier (e.g. a draft of a previous run); returns its id.
    pub fn add_release(&self, tag: &str, draft: bool, assets: &[(&str, &[u8])]) -> u64 {
        let mut st = lock(&self.state);
        let id = st.next_id;
        st.next_id += 1;
        let immutable = !draft && st.immutable_releases;
        let mut stored = StoredRelease {
            id,
            tag_name: tag.to_string(),
            name: tag.to_string(),
            body: String::new(),
            draft,
            prerelease: false,
            immutable,
            generated_notes: false,
            assets: Vec::new(),
        };
        for (name, data) in assets {
            let aid = st.next_id;
            st.next_id += 1;
            stored.assets.push(StoredAsset {
                id: aid,
                name: name.to_string(),
                state: "uploaded".into(),
                content_type: "application/octet-stream".into(),
                data: data.to_vec(),
                digest: Some(format!("sha256:{}", sha256_hex(data))),
            });
        }
        st.releases.push(stored);
        id
    }

    /// Turn uploads cut off mid-body (in [`Github::uploads`]' log) into the empty `starter`
    /// assets GitHub keeps of them.
    pub fn settle(&self) {
        let requests = self.uploads.requests();
        let mut st = lock(&self.state);
        let start = st.settled;
        st.settled = requests.len();
        for r in requests.iter().skip(start) {
            if r.method != "POST" || r.complete {
                continue;
            }
            let Some(id) = release_id_of_upload(&r.path) else {
                continue;
            };
            let name = super::http::query_pairs(&r.query)
                .into_iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v)
                .unwrap_or_default();
            let aid = st.next_id;
            st.next_id += 1;
            if let Some(rel) = st.releases.iter_mut().find(|x| x.id == id)
                && !rel.assets.iter().any(|a| a.name == name)
            {
                rel.assets.push(StoredAsset {
                    id: aid,
                    name,
                    state: "starter".into(),
                    content_type: "application/octet-stream".into(),
                    data: Vec::new(),
                    digest: None,
                });
            }
        }
    }

    /// Add a completed run of `workflow` (newest last); returns its id.
    pub fn add_run(
        &self,
        workflow: &str,
        conclusion: &str,
        attempt: u64,
        jobs: &[(&str, &str)],
    ) -> u64 {
        let mut st = lock(&self.state);
        let id = st.next_id;
        st.next_id += 1;
        st.actions
            .runs
            .entry(workflow.to_string())
            .or_default()
            .push(StoredRun {
                id,
                conclusion: conclusion.to_string(),
                run_attempt: attempt,
                jobs: jobs
                    .iter()
                    .map(|(n, c)| (n.to_string(), c.to_string()))
                    .collect(),
            });
        id
    }

    pub fn add_environment(&self, env: StoredEnvironment) {
        lock(&self.state).actions.environments.push(env);
    }

    /// Add a ruleset; returns its id.
    pub fn add_ruleset(
        &self,
        name: &str,
        target: &str,
        enforcement: &str,
        include: &[&str],
        rules: &[&str],
    ) -> u64 {
        let mut st = lock(&self.state);
        let id = st.next_id;
        st.next_id += 1;
        st.actions.rulesets.push(StoredRuleset {
            id,
            name: name.to_string(),
            target: target.to_string(),
            enforcement: enforcement.to_string(),
            include: include.iter().map(|s| s.to_string()).collect(),
            rules: rules.iter().map(|s| s.to_string()).collect(),
        });
        id
    }

    pub fn set_private(&self, private: bool) {
        lock(&self.state).actions.private = private;
    }

    /// Every release, oldest first.
    pub fn releases(&self) -> Vec<StoredRelease> {
        lock(&self.state).releases.clone()
    }

    /// Every request the handlers saw (both hosts), in order.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.state).log.clone()
    }
}

fn release_id_of_upload(path: &str) -> Option<u64> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["", "repos", _, _, "releases", id, "assets"] => id.parse().ok(),
        _ => None,
    }
}

fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest/releases/releases",
            "status": status.to_string(),
        }),
    )
}

fn validation(resource: &str, field: &str, code: &str) -> Response {
    Response::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": [{"resource": resource, "code": code, "field": field}],
            "documentation_url": "https://docs.github.com/rest/releases/releases",
            "status": "422",
        }),
    )
}

fn asset_json(st: &State, a: &StoredAsset, tag: &str) -> Value {
    let mut v = json!({
        "url": format!("https://api.github.com/repos/{}/{}/releases/assets/{}", st.owner, st.repo, a.id),
        "id": a.id,
        "name": a.name,
        "label": "",
        "state": a.state,
        "content_type": a.content_type,
        "size": a.data.len(),
        "download_count": 0,
        "browser_download_url": format!("https://github.com/{}/{}/releases/download/{tag}/{}", st.owner, st.repo, a.name),
    });
    if !st.no_digest {
        v["digest"] = a.digest.clone().map_or(Value::Null, Value::String);
    }
    v
}

fn release_json(st: &State, r: &StoredRelease) -> Value {
    let html = if r.draft {
        format!(
            "https://github.com/{}/{}/releases/tag/untagged-{}",
            st.owner, st.repo, r.id
        )
    } else {
        format!(
            "https://github.com/{}/{}/releases/tag/{}",
            st.owner, st.repo, r.tag_name
        )
    };
    json!({
        "id": r.id,
        "tag_name": r.tag_name,
        "target_commitish": "main",
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "immutable": r.immutable,
        "html_url": html,
        "upload_url": format!("{}/repos/{}/{}/releases/{}/assets{{?name,label}}", st.uploads_url, st.owner, st.repo, r.id),
        "assets": r.assets.iter().map(|a| asset_json(st, a, &r.tag_name)).collect::<Vec<_>>(),
    })
}

/// `Date` and `x-ratelimit-*` on every answer.
fn stamp(resp: Response, st: &State, now: f64, remaining: u64, reset: f64) -> Response {
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now as u64));
    resp.header("Date", &date)
        .header("x-ratelimit-limit", "1000")
        .header("x-ratelimit-remaining", &remaining.to_string())
        .header("x-ratelimit-used", &st.used.to_string())
        .header("x-ratelimit-reset", &(reset.ceil() as u64).to_string())
        .header("x-ratelimit-resource", "core")
}

/// The token of a request: whether it came, and whether it is the right one.
fn auth(st: &State, req: &Request) -> (bool, bool) {
    match req.header("authorization") {
        None => (false, false),
        Some(v) => {
            let t = v
                .strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
                .unwrap_or_default();
            (true, t == st.token)
        }
    }
}

fn log(st: &mut State, host: &'static str, req: &Request, status: u16, at: f64, authed: bool) {
    st.log.push(Logged {
        host,
        method: req.method.clone(),
        path: req.path.clone(),
        query: req.query.clone(),
        status,
        at,
        authed,
    });
}

fn handle_api(state: &Arc<Mutex<State>>, clock: Clock, req: &Request) -> Response {
    let mut st = lock(state);
    let now = clock.now();
    st.used += 1;
    let hour_reset = now + 3600.0;
    // The primary limit: refused until the reset.
    if let Some((until, status)) = st.blocked_until {
        if now < until {
            let resp = error(status, "API rate limit exceeded for installation ID 4242.");
            let resp = stamp(resp, &st, now, 0, until);
            log(&mut st, "api", req, status, now, true);
            return resp;
        }
        st.blocked_until = None;
    }
    if let Some(fault) = st.rate.pop_front() {
        let (resp, status) = match fault {
            RateFault::RetryAfter { status, secs } => (
                stamp(
                    error(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
                    &st,
                    now,
                    500,
                    hour_reset,
                )
                .header("retry-after", &secs.to_string()),
                status,
            ),
            RateFault::Reset { status, in_secs } => {
                let until = now + in_secs as f64;
                st.blocked_until = Some((until, status));
                (
                    stamp(
                        error(status, "API rate limit exceeded for installation ID 4242."),
                        &st,
                        now,
                        0,
                        until,
                    ),
                    status,
                )
            }
            RateFault::Secondary { status } => (
                stamp(
                    error(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."),
                    &st,
                    now,
                    500,
                    hour_reset,
                ),
                status,
            ),
        };
        log(&mut st, "api", req, status, now, true);
        return resp;
    }
    let (sent, valid) = auth(&st, req);
    let resp = if sent && !valid {
        error(401, "Bad credentials")
    } else {
        route_api(&mut st, req, valid)
    };
    let status = resp.status;
    let remaining = 1000u64.saturating_sub(st.used);
    let resp = stamp(resp, &st, now, remaining, hour_reset);
    log(&mut st, "api", req, status, now, valid);
    resp
}

fn route_api(st: &mut State, req: &Request, authed: bool) -> Response {
    let parts: Vec<String> = req
        .path
        .split('/')
        .map(|p| super::util::percent_decode(p, false))
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let (owner, repo, rest) = match parts.as_slice() {
        ["", "repos", o, r, rest @ ..] => (*o, *r, rest),
        _ => return error(404, "Not Found"),
    };
    if owner != st.owner || repo != st.repo {
        return error(404, "Not Found");
    }
    let push = authed && st.permission == Permission::Write;
    let write_refusal = |st: &State| -> Option<Response> {
        if !authed {
            Some(error(401, "Requires authentication"))
        } else if st.permission != Permission::Write {
            Some(error(403, "Resource not accessible by integration"))
        } else {
            None
        }
    };
    if req.method == "GET"
        && let Some(resp) = route_actions(st, req, rest)
    {
        return resp;
    }
    match (req.method.as_str(), rest) {
        ("GET", ["releases"]) => {
            let mut visible: Vec<&StoredRelease> =
                st.releases.iter().filter(|r| push || !r.draft).collect();
            visible.sort_by_key(|r| std::cmp::Reverse(r.id));
            let per_page = req
                .query_param("per_page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(30)
                .clamp(1, 100);
            let per_page = st.page_size.map_or(per_page, |n| per_page.min(n));
            let page = req
                .query_param("page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(1)
                .max(1);
            let pages = visible.len().div_ceil(per_page).max(1);
            let items: Vec<Value> = visible
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .map(|r| release_json(st, r))
                .collect();
            let mut resp = Response::json(200, &Value::Array(items));
            let link_to = |p: usize| {
                format!(
                    "{}{}?per_page={per_page}&page={p}",
                    req.base_url(),
                    req.path
                )
            };
            let mut links = Vec::new();
            if page < pages {
                links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
                links.push(format!("<{}>; rel=\"last\"", link_to(pages)));
            }
            if page > 1 {
                links.push(format!("<{}>; rel=\"prev\"", link_to(page - 1)));
                links.push(format!("<{}>; rel=\"first\"", link_to(1)));
            }
            if !links.is_empty() {
                resp = resp.header("Link", &links.join(", "));
            }
            resp
        }
        ("GET", ["releases", "tags", tag]) => {
            match st.releases.iter().find(|r| !r.draft && r.tag_name == *tag) {
                Some(r) => Response::json(200, &release_json(st, r)),
                None => error(404, "Not Found"),
            }
        }
        ("GET", ["releases", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            match st
                .releases
                .iter()
                .find(|r| r.id == id && (push || !r.draft))
            {
                Some(r) => Response::json(200, &release_json(st, r)),
                None => error(404, "Not Found"),
            }
        }
        ("POST", ["releases"]) => {
            if let Some(r) = write_refusal(st) {
                return r;
            }
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return error(400, "Problems parsing JSON");
            };
            let Some(tag) = body.get("tag_name").and_then(Value::as_str) else {
                return validation("Release", "tag_name", "missing_field");
            };
            if st.releases.iter().any(|r| !r.draft && r.tag_name == tag) {
                return validation("Release", "tag_name", "already_exists");
            }
            let generated = body
                .get("generate_release_notes")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mut text = body
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if generated {
                text.push_str(&format!("## What's Changed\n* generated notes for {tag}\n"));
            }
            let draft = body.get("draft").and_then(Value::as_bool).unwrap_or(false);
            let id = st.next_id;
            st.next_id += 1;
            let release = StoredRelease {
                id,
                tag_name: tag.to_string(),
                name: body
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or(tag)
                    .to_string(),
                body: text,
                draft,
                prerelease: body
                    .get("prerelease")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                immutable: !draft && st.immutable_releases,
                generated_notes: generated,
                assets: Vec::new(),
            };
            let json = release_json(st, &release);
            st.releases.push(release);
            Response::json(201, &json)
        }
        ("PATCH", ["releases", id]) => {
            if let Some(r) = write_refusal(st) {
                return r;
            }
            let id: u64 = id.parse().unwrap_or(0);
            let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
                return error(400, "Problems parsing JSON");
            };
            let immutable_repo = st.immutable_releases;
            let Some(r) = st.releases.iter_mut().find(|r| r.id == id) else {
                return error(404, "Not Found");
            };
            if let Some(d) = body.get("draft").and_then(Value::as_bool) {
                if r.immutable && d {
                    return error(422, "Cannot change an immutable release back to a draft");
                }
                r.draft = d;
                if !d && immutable_repo {
                    r.immutable = true;
                }
            }
            if let Some(p) = body.get("prerelease").and_then(Value::as_bool) {
                r.prerelease = p;
            }
            if let Some(n) = body.get("name").and_then(Value::as_str) {
                r.name = n.to_string();
            }
            if let Some(b) = body.get("body").and_then(Value::as_str) {
                r.body = b.to_string();
            }
            let r = r.clone();
            Response::json(200, &release_json(st, &r))
        }
        ("DELETE", ["releases", "assets", id]) => {
            if let Some(r) = write_refusal(st) {
                return r;
            }
            let id: u64 = id.parse().unwrap_or(0);
            for r in st.releases.iter_mut() {
                if let Some(pos) = r.assets.iter().position(|a| a.id == id) {
                    if r.immutable {
                        return error(422, "Cannot delete assets of an immutable release");
                    }
                    r.assets.remove(pos);
                    return Response::new(204);
                }
            }
            error(404, "Not Found")
        }
        _ => error(404, "Not Found"),
    }
}

fn handle_upload(state: &Arc<Mutex<State>>, clock: Clock, req: &Request) -> Response {
    let mut st = lock(state);
    let now = clock.now();
    let (sent, valid) = auth(&st, req);
    let resp = if sent && !valid {
        error(401, "Bad credentials")
    } else {
        route_upload(&mut st, req, valid)
    };
    let status = resp.status;
    log(&mut st, "uploads", req, status, now, valid);
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(now as u64));
    resp.header("Date", &date)
}

fn route_upload(st: &mut State, req: &Request, authed: bool) -> Response {
    let parts: Vec<&str> = req.path.split('/').collect();
    let (owner, repo, id) = match parts.as_slice() {
        ["", "repos", o, r, "releases", id, "assets"] if req.method == "POST" => (*o, *r, *id),
        _ => return error(404, "Not Found"),
    };
    if owner != st.owner || repo != st.repo {
        return error(404, "Not Found");
    }
    if !authed {
        return error(401, "Requires authentication");
    }
    if st.permission != Permission::Write {
        return error(403, "Resource not accessible by integration");
    }
    let Some(name) = req.query_param("name").filter(|n| !n.is_empty()) else {
        return validation("ReleaseAsset", "name", "missing_field");
    };
    let Some(content_type) = req.header("content-type").map(str::to_string) else {
        return error(400, "Content-Type header is required");
    };
    if req.header("content-length").is_none() {
        return error(411, "Length Required");
    }
    let id: u64 = id.parse().unwrap_or(0);
    let aid = st.next_id;
    st.next_id += 1;
    let bad = st.bad_digest.contains(&name);
    let fail = st.fail_502.get(&name).copied().unwrap_or(0);
    if fail > 0 {
        st.fail_502.insert(name.clone(), fail - 1);
    }
    let Some(r) = st.releases.iter_mut().find(|r| r.id == id) else {
        return error(404, "Not Found");
    };
    if r.immutable {
        return error(422, "Cannot upload assets to an immutable release.");
    }
    if r.assets.iter().any(|a| a.name == name) {
        return validation("ReleaseAsset", "name", "already_exists");
    }
    if fail > 0 {
        r.assets.push(StoredAsset {
            id: aid,
            name,
            state: "starter".into(),
            content_type,
            data: Vec::new(),
            digest: None,
        });
        return Response::html(502, "<h1>502 Bad Gateway</h1>");
    }
    let digest = if bad {
        let mut other = req.body.clone();
        other.push(b'!');
        sha256_hex(&other)
    } else {
        sha256_hex(&req.body)
    };
    let asset = StoredAsset {
        id: aid,
        name,
        state: "uploaded".into(),
        content_type,
        data: req.body.clone(),
        digest: Some(format!("sha256:{digest}")),
    };
    let tag = r.tag_name.clone();
    r.assets.push(asset.clone());
    Response::json(201, &asset_json(st, &asset, &tag))
}

/// The read endpoints of `chora audit --online` (the audit notes §3): the repository, a
/// workflow's runs (`per_page`, `status=completed`; newest first, as GitHub), a run's jobs,
/// environments (404 when missing) and their deployment branch policies, rulesets
/// (`targets`), immutable releases.
fn route_actions(st: &State, req: &Request, rest: &[&str]) -> Option<Response> {
    let a = &st.actions;
    let resp = match rest {
        [] => Response::json(
            200,
            &json!({"full_name": format!("{}/{}", st.owner, st.repo), "private": a.private}),
        ),
        ["actions", "workflows", file, "runs"] => {
            let Some(runs) = a.runs.get(*file) else {
                return Some(error(404, "Not Found"));
            };
            let per_page = req
                .query_param("per_page")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(30)
                .clamp(1, 100);
            let completed = req.query_param("status").as_deref() == Some("completed");
            let items: Vec<Value> = runs
                .iter()
                .rev()
                .filter(|_| completed)
                .take(per_page)
                .map(|r| {
                    json!({
                        "id": r.id, "status": "completed", "conclusion": r.conclusion,
                        "run_attempt": r.run_attempt, "path": format!(".github/workflows/{file}"),
                        "event": "push", "head_branch": "v1.0.0",
                    })
                })
                .collect();
            Response::json(
                200,
                &json!({"total_count": runs.len(), "workflow_runs": items}),
            )
        }
        ["actions", "runs", id, "jobs"] => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some(run) = a.runs.values().flatten().find(|r| r.id == id) else {
                return Some(error(404, "Not Found"));
            };
            let jobs: Vec<Value> = run
                .jobs
                .iter()
                .enumerate()
                .map(|(i, (name, c))| json!({"id": id * 100 + i as u64, "run_id": id, "name": name, "status": "completed", "conclusion": c}))
                .collect();
            Response::json(200, &json!({"total_count": jobs.len(), "jobs": jobs}))
        }
        ["environments", name] => {
            let Some(e) = a.environments.iter().find(|e| e.name == *name) else {
                return Some(error(404, "Not Found"));
            };
            let mut rules = Vec::new();
            if e.wait_timer > 0 {
                rules.push(json!({"id": 1, "type": "wait_timer", "wait_timer": e.wait_timer}));
            }
            if e.reviewers > 0 {
                let reviewers: Vec<Value> = (0..e.reviewers)
                    .map(|i| json!({"type": "User", "reviewer": {"login": format!("maintainer{i}"), "id": i}}))
                    .collect();
                rules.push(json!({"id": 2, "type": "required_reviewers", "prevent_self_review": true, "reviewers": reviewers}));
            }
            let policy = match (&e.policies, e.protected_branches) {
                (_, true) => json!({"protected_branches": true, "custom_branch_policies": false}),
                (Some(_), false) => {
                    rules.push(json!({"id": 3, "type": "branch_policy"}));
                    json!({"protected_branches": false, "custom_branch_policies": true})
                }
                (None, false) => Value::Null,
            };
            Response::json(
                200,
                &json!({
                    "id": 1, "name": e.name, "can_admins_bypass": e.can_admins_bypass,
                    "protection_rules": rules, "deployment_branch_policy": policy,
                }),
            )
        }
        ["environments", name, "deployment-branch-policies"] => {
            let Some(e) = a.environments.iter().find(|e| e.name == *name) else {
                return Some(error(404, "Not Found"));
            };
            let list: Vec<Value> = e
                .policies
                .iter()
                .flatten()
                .enumerate()
                .map(|(i, (kind, pattern))| json!({"id": i, "node_id": format!("N{i}"), "name": pattern, "type": kind}))
                .collect();
            Response::json(
                200,
                &json!({"total_count": list.len(), "branch_policies": list}),
            )
        }
        ["rulesets"] => {
            let targets = req.query_param("targets");
            let list: Vec<Value> = a
                .rulesets
                .iter()
                .filter(|r| targets.as_deref().is_none_or(|t| t.split(',').any(|x| x == r.target)))
                .map(|r| json!({"id": r.id, "name": r.name, "target": r.target, "source_type": "Repository", "source": format!("{}/{}", st.owner, st.repo), "enforcement": r.enforcement}))
                .collect();
            Response::json(200, &Value::Array(list))
        }
        ["rulesets", id] => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some(r) = a.rulesets.iter().find(|r| r.id == id) else {
                return Some(error(404, "Not Found"));
            };
            Response::json(
                200,
                &json!({
                    "id": r.id, "name": r.name, "target": r.target, "enforcement": r.enforcement,
                    "conditions": {"ref_name": {"include": r.include, "exclude": []}},
                    "rules": r.rules.iter().map(|k| json!({"type": k})).collect::<Vec<_>>(),
                    "bypass_actors": [],
                }),
            )
        }
        ["immutable-releases"] => {
            if !a.immutable_known {
                return Some(error(404, "Not Found"));
            }
            Response::json(
                200,
                &json!({"enabled": st.immutable_releases, "enforced_by_owner": false}),
            )
        }
        _ => return None,
    };
    Some(resp)
}
