//! `chora-publish github-release --tag vX.Y.Z`: create (or complete) the GitHub release of a
//! tag: a draft first, its assets uploaded and checked, published last. The work is
//! [`crate::publish::github`]; this layer parses, gates (receipt), records (ledger) and prints.

use std::path::PathBuf;

use clap::Args;

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::{Env, Secret};
use crate::publish::events::{Event, Observer as _};
use crate::publish::github::client::{Client, Config};
use crate::publish::github::limits::{Clock, MAX_RATE_WAIT_SECS, Reason, Wait};
use crate::publish::github::{
    self, AssetAction, AssetDone, Done, GithubError, Notes, Plan, Repository, Request, Step,
    Stopped, notes,
};
use crate::publish::http::{Http, Timeouts};
use crate::publish::ledger::{FileDigest, Ledger, Outcome, Record};

use super::ledger::LedgerArgs;
use super::output::Output;
use super::receipt::{self, ReceiptArgs};
use super::verify::Format;

/// The API when neither `--api-url` nor `GITHUB_API_URL` names one.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Help after `github-release --help`.
pub const GITHUB_RELEASE_HELP: &str = "\
Creates a draft release for the tag, uploads the assets to it (checking the sha256 `digest`
GitHub returns for each), and publishes it last (draft=false), so a release is never public
half-empty and immutable-release repositories work. Re-running after any failure finds the
release (drafts too, through the release list) and completes it: an asset already there with
the same digest is kept, a half-uploaded one is deleted and uploaded again, one with another
digest is an error unless --replace-assets. Nothing is duplicated.

Token: env GITHUB_TOKEN (or GH_TOKEN), never the command line; in GitHub Actions the job needs
`permissions: contents: write`. Repository: --repository, else GITHUB_REPOSITORY. API:
--api-url, else GITHUB_API_URL, else https://api.github.com.
Notes: the tag's section of --notes-from (Keep a Changelog: `## [1.2.3] - 2026-12-01` or
`## 1.2.3`), else GitHub's generated notes. A PEP 440 pre-release tag (a, b, rc, dev) makes a
prerelease. Rate limits (403 or 429): `retry-after` is honoured, else `x-ratelimit-reset`,
else 60 s doubling; at most 15 minutes of waiting in all, then exit 3 naming the reset time.

Examples:
  chora-publish github-release --tag v1.2.3 --assets 'dist/*'
  chora-publish github-release --tag v1.2.3 --notes-from CHANGELOG.md --assets 'dist/*' sbom.json
  chora-publish github-release --tag v1.0.0rc1 --dry-run --format json
  GITHUB_TOKEN=... chora-publish github-release --repository octo/demo --tag v1.2.3

Exit status: 0 the release is published with every asset; 1 GitHub holds an asset whose
digest differs from the file sent (the release stays a draft); 2 bad input, no token, or
GitHub refused (permission, repository not found, immutable release, a same-name asset with
another digest); 3 GitHub failed or rate limits outlasted the wait bound (after retries);
4 a local file cannot be read.";

/// Arguments of `chora-publish github-release`.
#[derive(Debug, Clone, Args)]
pub struct GithubReleaseArgs {
    /// The tag of the release, `vX.Y.Z`.
    #[arg(long, value_name = "TAG")]
    pub tag: String,
    /// The repository, `OWNER/REPO`; default `GITHUB_REPOSITORY`.
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// Take the notes from the tag's section of this Keep a Changelog file (default: GitHub's
    /// generated notes).
    #[arg(long, value_name = "FILE")]
    pub notes_from: Option<PathBuf>,
    /// Files to attach (files or `dir/*` patterns).
    #[arg(long, value_name = "FILE|GLOB", num_args = 1..)]
    pub assets: Vec<String>,
    /// The REST API; default `GITHUB_API_URL`, else https://api.github.com.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// The uploads host, instead of the `upload_url` the release names.
    #[arg(long, value_name = "URL")]
    pub uploads_url: Option<String>,
    /// The release title; default the tag.
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// Replace a same-name asset whose digest differs, instead of refusing.
    #[arg(long)]
    pub replace_assets: bool,
    /// Look up the release and show what would be done; change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Attempts per request for transport errors and 5xx.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub receipt: ReceiptArgs,
}

/// The token from the environment: GITHUB_TOKEN, else GH_TOKEN.
fn token(env: &Env) -> Option<Secret> {
    env.get("GITHUB_TOKEN")
        .or_else(|| env.get("GH_TOKEN"))
        .map(|t| Secret::new(t.trim()))
}

/// Whether the token is a GitHub App installation token (`ghs_…`, as GITHUB_TOKEN is).
fn installation_token(env: &Env) -> bool {
    token(env).is_some_and(|t| t.expose().starts_with("ghs_"))
}

/// The request from the arguments (no network).
fn request(args: &GithubReleaseArgs, env: &Env) -> Result<Request, GithubError> {
    github::check_tag(&args.tag)?;
    let repo = match args
        .repository
        .as_deref()
        .or_else(|| env.get("GITHUB_REPOSITORY"))
    {
        Some(r) => Repository::parse(r)?,
        None => return Err(GithubError::NoRepository),
    };
    let notes = match &args.notes_from {
        Some(path) => Notes::Text(notes::from_changelog(path, &args.tag)?),
        None => Notes::Generated,
    };
    Ok(Request {
        repo,
        tag: args.tag.clone(),
        title: args.title.clone().unwrap_or_else(|| args.tag.clone()),
        notes,
        prerelease: notes::is_prerelease(&args.tag),
        assets: github::local_assets(&args.assets)?,
        replace_assets: args.replace_assets,
    })
}

/// `chora-publish github-release`.
pub fn run(args: &GithubReleaseArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let req = request(args, env)?;
    let token = token(env);
    if token.is_none() && !args.dry_run {
        return Err(GithubError::NoToken.into());
    }
    let mut ledger = args
        .ledger
        .open(env)?
        .map(|l| l.with_secrets(token.iter().map(|t| t.expose().to_string())));
    if let Some(t) = &token
        && env.in_github_actions()
    {
        // GitHub Actions hides the token in every later log line.
        out.event(Event::Mask(t));
    }
    let json = args.format == Format::Json;
    let http = Http::new(Timeouts::from_lookup(|k| env.get(k).map(str::to_string)))?;
    let client = Client::new(
        &http,
        Config {
            api_url: args
                .api_url
                .clone()
                .or_else(|| env.get("GITHUB_API_URL").map(str::to_string))
                .unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            uploads_url: args.uploads_url.clone(),
            token,
            clock: Clock::from_knob(env.get("CHORA_PUBLISH_GITHUB_SECOND_MS")),
            attempts: args.retries,
            backoff: super::retry_base(env),
        },
    )?
    .on_wait(move |w| {
        // stdout holds only the JSON document with --format json.
        if json {
            out.error_line(&describe_wait(w));
        } else {
            out.line(&describe_wait(w));
        }
    });
    let target = req.target();
    let files: Vec<FileDigest> = req
        .assets
        .iter()
        .map(|a| FileDigest {
            name: a.name.clone(),
            sha256: a.sha256.clone(),
        })
        .collect();

    // 1. Look up (read-only).
    let found = http.block_on(github::find(&client, &req.repo, &req.tag));
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            record_failure(ledger.as_mut(), &target, &files, &e, None, &[], &client)?;
            return Err(e.into());
        }
    };
    if !client.has_token() {
        out.warning(
            "No token",
            "no GITHUB_TOKEN: drafts are not listed without one, so an existing draft is not seen",
        );
    }
    if let Some(f) = &found
        && !f.duplicates.is_empty()
    {
        out.warning(
            "Duplicate releases",
            &format!(
                "other releases also have the tag {} (ids {}); completing release {} and leaving them alone",
                req.tag,
                f.duplicates.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
                f.release.id
            ),
        );
    }
    // 2. Plan (pure).
    let plan = match github::plan(&req, found.as_ref()) {
        Ok(p) => p,
        Err(e) => {
            // Refused before anything was sent: a conflicting asset.
            if let Some(l) = ledger.as_mut() {
                l.append(Record {
                    operation: "github-release".into(),
                    outcome: Outcome::Rejected,
                    target: Some(target.clone()),
                    files: files.clone(),
                    message: Some(e.to_string()),
                    ..Record::default()
                })
                .map_err(Failure::from)?;
            }
            return Err(e.into());
        }
    };
    if args.dry_run {
        print_plan(&req, &plan, json, out);
        return Ok(ExitStatus::Success);
    }
    // 3. Gate, then act.
    receipt::gate(
        &args.receipt,
        env,
        ledger.as_mut(),
        &receipt::Operation {
            kind: "github-release",
            target: &target,
            files: &files,
            dry_run: false,
        },
    )?;
    if let Some(l) = ledger.as_mut() {
        let mut details = serde_json::Map::new();
        if let Some(r) = &plan.existing {
            details.insert("release_id".into(), r.id.into());
        }
        l.append(Record {
            operation: "github-release".into(),
            outcome: Outcome::Started,
            target: Some(target.clone()),
            files: files.clone(),
            details,
            ..Record::default()
        })
        .map_err(Failure::from)?;
    }
    let mut show = |step: Step| {
        if let Some(text) = describe(&step) {
            if json {
                out.error_line(&text);
            } else {
                out.line(&text);
            }
        }
    };
    let result = http.block_on(github::apply(&client, &req, &plan, &mut show));
    match result {
        Ok(done) => {
            if let Some(l) = ledger.as_mut() {
                l.append(Record {
                    operation: "github-release".into(),
                    outcome: Outcome::Succeeded,
                    target: Some(target.clone()),
                    files: files.clone(),
                    retries: retries(&client),
                    details: details(
                        Some(done.release_id),
                        Some(&done.html_url),
                        &done.assets,
                        &client,
                    ),
                    ..Record::default()
                })
                .map_err(Failure::from)?;
            }
            print_done(&req, &done, json, out);
            if !json && env.in_github_actions() && installation_token(env) {
                out.line(
                    "note: a release made with GITHUB_TOKEN starts no `on: release` workflow runs (GitHub's rule for its own token); use workflow_dispatch, or a GitHub App token, for follow-up jobs",
                );
            }
            Ok(ExitStatus::Success)
        }
        Err(stopped) => {
            let Stopped {
                error,
                release_id,
                html_url,
                assets,
            } = *stopped;
            let failure_text = error.to_string();
            if let Some(l) = ledger.as_mut() {
                l.append(Record {
                    operation: "github-release".into(),
                    outcome: Outcome::Failed,
                    target: Some(target.clone()),
                    files: files.clone(),
                    retries: retries(&client),
                    status: error.status(),
                    message: Some(failure_text.clone()),
                    details: details(release_id, html_url.as_deref(), &assets, &client),
                })
                .map_err(Failure::from)?;
            }
            out.github_error("GitHub release failed", &failure_text);
            let mut failure = Failure::from(error);
            if let Some(id) = release_id
                && failure.status == ExitStatus::Service
            {
                failure.message.push_str(&format!(
                    " (release {id} is left as it is; re-running completes it)"
                ));
            }
            Err(failure)
        }
    }
}

/// Retries (waits) the client took.
fn retries(client: &Client<'_>) -> u32 {
    u32::try_from(client.waits().len()).unwrap_or(u32::MAX)
}

/// The ledger's details: release id and URL, assets with digests, waits.
fn details(
    release_id: Option<u64>,
    html_url: Option<&str>,
    assets: &[AssetDone],
    client: &Client<'_>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut d = serde_json::Map::new();
    if let Some(id) = release_id {
        d.insert("release_id".into(), id.into());
    }
    if let Some(url) = html_url.filter(|u| !u.is_empty()) {
        d.insert("url".into(), url.into());
    }
    d.insert(
        "assets".into(),
        serde_json::to_value(assets).unwrap_or_default(),
    );
    let waits = client.waits();
    if !waits.is_empty() {
        d.insert(
            "waits".into(),
            serde_json::to_value(&waits).unwrap_or_default(),
        );
    }
    d
}

/// A failure before anything changed (the lookup), recorded when a ledger is kept.
fn record_failure(
    ledger: Option<&mut Ledger>,
    target: &str,
    files: &[FileDigest],
    error: &GithubError,
    release_id: Option<u64>,
    assets: &[AssetDone],
    client: &Client<'_>,
) -> Result<(), Failure> {
    if let Some(l) = ledger {
        l.append(Record {
            operation: "github-release".into(),
            outcome: Outcome::Failed,
            target: Some(target.to_string()),
            files: files.to_vec(),
            retries: retries(client),
            status: error.status(),
            message: Some(error.to_string()),
            details: details(release_id, None, assets, client),
        })
        .map_err(Failure::from)?;
    }
    Ok(())
}

/// A wait, before it begins.
fn describe_wait(w: &Wait) -> String {
    let status = w.status.map(|s| format!(" ({s})")).unwrap_or_default();
    match w.reason {
        Reason::Backoff => format!("{} failed{status}; retrying in {} s", w.request, w.seconds),
        reason => format!(
            "rate limited: {} answered{status}; waiting {} s ({}{})",
            w.request,
            w.seconds,
            reason.describe(),
            w.reset
                .map(|r| format!(" at {}", crate::time::format_rfc3339(r)))
                .unwrap_or_default()
        ),
    }
}

/// A progress line.
fn describe(step: &Step) -> Option<String> {
    Some(match step {
        Step::Created { id } => format!("created draft release {id}"),
        Step::Completing { id, draft } => format!(
            "completing {} release {id}",
            if *draft { "draft" } else { "published" }
        ),
        Step::Deleted { name, why } => format!("deleted {why} asset {name}"),
        Step::Asset(a) => format!(
            "{:<9} {} ({} bytes, sha256 {}{})",
            a.action,
            a.name,
            a.size,
            a.sha256,
            if a.digest_checked {
                ", digest checked"
            } else {
                ", digest NOT checked: GitHub returned none"
            }
        ),
        Step::Retrying {
            name,
            attempt,
            error,
        } => format!("retrying {name} (attempt {attempt}): {error}"),
        Step::Published { url } => format!("published {url}"),
        Step::AlreadyPublished { url } => format!("already published {url}"),
    })
}

fn print_plan(req: &Request, plan: &Plan, json: bool, out: &Output) {
    if json {
        let doc = serde_json::json!({
            "repository": req.repo.to_string(),
            "tag": req.tag,
            "dry_run": true,
            "prerelease": req.prerelease,
            "notes": match &req.notes { Notes::Text(_) => "changelog", Notes::Generated => "generated" },
            "release": plan.existing.as_ref().map(|r| serde_json::json!({"id": r.id, "draft": r.draft, "url": r.html_url})),
            "publish": plan.publish,
            "assets": plan.assets,
            "other_assets": plan.others,
        });
        out.line(&doc.to_string());
        return;
    }
    match &plan.existing {
        Some(r) => out.line(&format!(
            "would complete {} release {} of {} in {}",
            if r.draft { "draft" } else { "published" },
            r.id,
            req.tag,
            req.repo
        )),
        None => out.line(&format!(
            "would create a draft{} release {} in {}, notes {}",
            if req.prerelease { " pre" } else { "" },
            req.tag,
            req.repo,
            match &req.notes {
                Notes::Text(_) => "from the changelog",
                Notes::Generated => "generated by GitHub",
            }
        )),
    }
    for s in &plan.assets {
        let what = match &s.action {
            AssetAction::Upload => "upload".to_string(),
            AssetAction::Keep { .. } => "keep (same digest)".to_string(),
            AssetAction::Replace { remote, .. } => format!("replace ({remote} there)"),
            AssetAction::Restart { state, .. } => format!("re-upload (half-uploaded, {state})"),
        };
        out.line(&format!(
            "  {} {what} sha256 {}",
            s.asset.name, s.asset.sha256
        ));
    }
    if plan.publish {
        out.line("then publish it (draft=false)");
    }
    out.line("dry run: nothing was changed");
}

fn print_done(req: &Request, done: &Done, json: bool, out: &Output) {
    if json {
        let doc = serde_json::json!({
            "repository": req.repo.to_string(),
            "tag": req.tag,
            "dry_run": false,
            "release_id": done.release_id,
            "url": done.html_url,
            "created": done.created,
            "published_now": done.published_now,
            "prerelease": done.prerelease,
            "assets": done.assets,
            "waits": done.waits,
            "max_wait_seconds": MAX_RATE_WAIT_SECS,
        });
        out.line(&doc.to_string());
        return;
    }
    for w in &done.waits {
        out.line(&format!(
            "waited {} s ({}) after {}{}",
            w.seconds,
            w.reason.describe(),
            w.request,
            w.status
                .map(|s| format!(" answered {s}"))
                .unwrap_or_default()
        ));
    }
    let unchecked = done.assets.iter().filter(|a| !a.digest_checked).count();
    out.line(&format!(
        "ok  {} {} ({} asset(s){}{})",
        req.repo,
        req.tag,
        done.assets.len(),
        if done.prerelease { ", prerelease" } else { "" },
        if unchecked > 0 {
            format!(", {unchecked} digest(s) not checked")
        } else {
            String::new()
        }
    ));
}
