//! GitHub releases for `chora-publish github-release`, as stages over plain data:
//! [`local_assets`] (files and their sha256) -> [`find`] (the release of the tag, drafts
//! included: the by-tag lookup hides them, so the release list is read too) -> [`plan`]
//! (what to create, keep, replace or re-upload; pure) -> [`apply`] (a draft, its assets
//! uploaded and their `digest` checked, published last). Re-running after any failure
//! completes the same release; nothing is duplicated. Notes and the prerelease flag come from
//! [`notes`]; rate limits and the clock from [`limits`]; the REST calls from [`client`].

pub mod client;
pub mod limits;
pub mod notes;

use std::path::PathBuf;

use client::{Asset, Client, Release};
use limits::Wait;

/// Why a release could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error(
        "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN) in the environment; it is never taken from the command line"
    )]
    NoToken,
    #[error("{0:?} is not a repository: give it as OWNER/REPO")]
    BadRepository(String),
    #[error("no repository: give --repository OWNER/REPO (GitHub Actions sets GITHUB_REPOSITORY)")]
    NoRepository,
    #[error("{option}: {reason}")]
    BadUrl {
        option: &'static str,
        reason: String,
    },
    #[error(
        "the tag {0:?} is not a tag name chora accepts (letters, digits, `.`, `_`, `-`, `+`, `/`)"
    )]
    BadTag(String),
    #[error(transparent)]
    Notes(#[from] notes::NotesError),
    #[error(transparent)]
    Discover(#[from] crate::publish::discover::DiscoverError),
    #[error("cannot read the asset {path}: {source}")]
    ReadAsset {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("two assets are named {0}: GitHub keeps one asset per name")]
    DuplicateName(String),
    #[error("{what}: GitHub refused the token (401): {message}")]
    Unauthorized { what: String, message: String },
    #[error("{what}: GitHub answered 403 {message:?}")]
    NoPermission { what: String, message: String },
    #[error("{what}: not found (404){}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    NotFound { what: String, message: String },
    #[error("{what}: the release is immutable (422 {message:?})")]
    Immutable { what: String, message: String },
    #[error("{what}: GitHub refused it ({status}): {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: GitHub failed ({status}): {message}")]
    Server {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: no answer after {attempts} attempt(s): {message}")]
    Transport {
        what: String,
        message: String,
        attempts: u32,
    },
    #[error(
        "{what}: rate limited ({status}{}){}; the next wait ({needed} s{}) would pass the {} s bound on waiting",
        if message.is_empty() { String::new() } else { format!(" {message:?}") },
        if *waited > 0 { format!(" after waiting {waited} s") } else { String::new() },
        reset.map(|r| format!(", until the reset at {}", crate::time::format_rfc3339(r))).unwrap_or_default(),
        limits::MAX_RATE_WAIT_SECS
    )]
    RateLimited {
        what: String,
        status: u16,
        message: String,
        waited: u64,
        needed: u64,
        reset: Option<i64>,
    },
    #[error("{what}: unexpected answer: {message}")]
    BadReply { what: String, message: String },
    #[error(
        "the release already has an asset {name} with {remote}, not this file's sha256:{local}"
    )]
    AssetConflict {
        name: String,
        remote: String,
        local: String,
    },
    #[error(
        "GitHub holds {name} with {got} after the upload, not the sha256:{expected} that was sent"
    )]
    DigestMismatch {
        name: String,
        expected: String,
        got: String,
    },
}

impl GithubError {
    /// Worth another attempt after cleaning up: the connection failed, or GitHub did (5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GithubError::Transport { .. } | GithubError::Server { .. }
        )
    }

    /// The HTTP status GitHub answered, when it did.
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::Unauthorized { .. } => Some(401),
            GithubError::NoPermission { .. } => Some(403),
            GithubError::NotFound { .. } => Some(404),
            GithubError::Immutable { .. } => Some(422),
            GithubError::Refused { status, .. }
            | GithubError::Server { status, .. }
            | GithubError::RateLimited { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// `OWNER/REPO`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub owner: String,
    pub name: String,
}

impl Repository {
    /// Parse `OWNER/REPO` (GitHub's characters: letters, digits, `-`, `_`, `.`).
    pub fn parse(text: &str) -> Result<Repository, GithubError> {
        let bad = || GithubError::BadRepository(text.to_string());
        let (owner, name) = text.trim().split_once('/').ok_or_else(bad)?;
        let ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.len() <= 100
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !ok(owner) || !ok(name) {
            return Err(bad());
        }
        Ok(Repository {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Check a tag name: no control characters, spaces or Git-forbidden characters.
pub fn check_tag(tag: &str) -> Result<(), GithubError> {
    let ok = !tag.is_empty()
        && tag.len() <= 200
        && !tag.starts_with(['-', '/', '.'])
        && !tag.contains("..")
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '/'));
    if ok {
        Ok(())
    } else {
        Err(GithubError::BadTag(tag.to_string()))
    }
}

/// A file to attach, by name and digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocalAsset {
    #[serde(skip)]
    pub path: PathBuf,
    /// The asset name: the file name.
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// The files `--assets` names (files or `dir/*` patterns), hashed.
pub fn local_assets(args: &[String]) -> Result<Vec<LocalAsset>, GithubError> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let paths = crate::publish::discover::expand(args)?;
    let mut out: Vec<LocalAsset> = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let read = |source| GithubError::ReadAsset {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::symlink_metadata(&path).map_err(read)?;
        if !meta.is_file() {
            return Err(read(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            )));
        }
        let digests = crate::publish::dist::hash_file(&path).map_err(read)?;
        if out.iter().any(|a| a.name == name) {
            return Err(GithubError::DuplicateName(name));
        }
        out.push(LocalAsset {
            path,
            name,
            size: digests.size,
            sha256: digests.sha256,
        });
    }
    Ok(out)
}

/// The release notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notes {
    /// This text (a changelog section).
    Text(String),
    /// GitHub's generated notes (`generate_release_notes: true`).
    Generated,
}

/// What to release.
#[derive(Debug, Clone)]
pub struct Request {
    pub repo: Repository,
    pub tag: String,
    /// The release title (default: the tag).
    pub title: String,
    pub notes: Notes,
    pub prerelease: bool,
    pub assets: Vec<LocalAsset>,
    /// Replace a same-name asset with another digest instead of refusing.
    pub replace_assets: bool,
}

impl Request {
    /// `OWNER/REPO@TAG`, the target in receipts and the ledger.
    pub fn target(&self) -> String {
        format!("{}@{}", self.repo, self.tag)
    }
}

/// The release found for a tag.
#[derive(Debug, Clone)]
pub struct Found {
    pub release: Release,
    /// Other releases with the same tag (drafts someone else made), by id: left alone.
    pub duplicates: Vec<u64>,
}

/// Find the release of `tag`: the published one by tag, else a draft in the release list.
/// Of several drafts with the tag, the oldest (lowest id) is completed.
pub async fn find(
    client: &Client<'_>,
    repo: &Repository,
    tag: &str,
) -> Result<Option<Found>, GithubError> {
    let published = client.release_by_tag(repo, tag).await?;
    let listed = client.list_releases(repo).await?;
    let mut same: Vec<Release> = listed.into_iter().filter(|r| r.tag_name == tag).collect();
    same.sort_by_key(|r| (r.draft, r.id));
    let release = match published {
        Some(p) => {
            same.retain(|r| r.id != p.id);
            p
        }
        None => {
            if same.is_empty() {
                return Ok(None);
            }
            same.remove(0)
        }
    };
    Ok(Some(Found {
        release,
        duplicates: same.iter().map(|r| r.id).collect(),
    }))
}

/// What to do with one asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum AssetAction {
    /// Not on the release: upload it.
    Upload,
    /// There with the same digest: keep it.
    Keep { id: u64 },
    /// There with another digest (or none), and `--replace-assets`: delete it, upload.
    Replace { id: u64, remote: String },
    /// A half-uploaded asset (`state` not `uploaded`): delete it, upload.
    Restart { id: u64, state: String },
}

/// One asset and its action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssetStep {
    #[serde(flatten)]
    pub asset: LocalAsset,
    #[serde(flatten)]
    pub action: AssetAction,
}

/// What [`apply`] will do.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plan {
    /// The release to complete; `None`: create a draft.
    pub existing: Option<Release>,
    pub duplicates: Vec<u64>,
    pub assets: Vec<AssetStep>,
    /// Assets on the release that are not among the files (left alone).
    pub others: Vec<String>,
    /// Whether the release still has to be published (it is a draft, or will be created).
    pub publish: bool,
}

/// How a remote asset's digest reads in messages.
fn remote_digest(asset: &Asset) -> String {
    asset
        .digest
        .clone()
        .unwrap_or_else(|| "no digest".to_string())
}

/// Decide what to do, from the request and the release found (pure).
pub fn plan(req: &Request, found: Option<&Found>) -> Result<Plan, GithubError> {
    let remote: &[Asset] = found.map_or(&[], |f| f.release.assets.as_slice());
    let mut steps = Vec::new();
    for asset in &req.assets {
        let wanted = format!("sha256:{}", asset.sha256);
        let action = match remote.iter().find(|r| r.name == asset.name) {
            None => AssetAction::Upload,
            Some(r) if r.state != "uploaded" => AssetAction::Restart {
                id: r.id,
                state: r.state.clone(),
            },
            Some(r) if r.digest.as_deref() == Some(wanted.as_str()) => {
                AssetAction::Keep { id: r.id }
            }
            Some(r) if req.replace_assets => AssetAction::Replace {
                id: r.id,
                remote: remote_digest(r),
            },
            Some(r) => {
                return Err(GithubError::AssetConflict {
                    name: asset.name.clone(),
                    remote: remote_digest(r),
                    local: asset.sha256.clone(),
                });
            }
        };
        steps.push(AssetStep {
            asset: asset.clone(),
            action,
        });
    }
    let others = remote
        .iter()
        .filter(|r| !req.assets.iter().any(|a| a.name == r.name))
        .map(|r| r.name.clone())
        .collect();
    Ok(Plan {
        existing: found.map(|f| f.release.clone()),
        duplicates: found.map(|f| f.duplicates.clone()).unwrap_or_default(),
        assets: steps,
        others,
        publish: found.is_none_or(|f| f.release.draft),
    })
}

/// What became of one asset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssetDone {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// `uploaded`, `kept`, `replaced`, `restarted`.
    pub action: &'static str,
    /// Whether GitHub's `digest` was compared with the file's sha256 (false: GitHub gave none).
    pub digest_checked: bool,
    /// Upload attempts (0 for a kept asset).
    pub attempts: u32,
}

/// The finished release.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Done {
    pub release_id: u64,
    pub html_url: String,
    /// A draft was created by this run.
    pub created: bool,
    /// Published by this run (false: it already was).
    pub published_now: bool,
    pub prerelease: bool,
    pub assets: Vec<AssetDone>,
    pub waits: Vec<Wait>,
}

/// A failure part-way, with the release it left behind (a draft to complete by re-running).
#[derive(Debug)]
pub struct Stopped {
    pub error: GithubError,
    pub release_id: Option<u64>,
    pub html_url: Option<String>,
    pub assets: Vec<AssetDone>,
}

/// Progress of [`apply`], for the command layer to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Created {
        id: u64,
    },
    Completing {
        id: u64,
        draft: bool,
    },
    Deleted {
        name: String,
        why: &'static str,
    },
    Asset(AssetDone),
    Retrying {
        name: String,
        attempt: u32,
        error: String,
    },
    Published {
        url: String,
    },
    AlreadyPublished {
        url: String,
    },
}

/// Carry out `plan`: create the draft (if none), bring every asset in (checking GitHub's
/// digest of each upload), then publish (`PATCH draft=false`) last.
pub async fn apply(
    client: &Client<'_>,
    req: &Request,
    plan: &Plan,
    progress: &mut dyn FnMut(Step),
) -> Result<Done, Box<Stopped>> {
    let mut done_assets = Vec::new();
    let mut release_id = plan.existing.as_ref().map(|r| r.id);
    let mut html_url = plan.existing.as_ref().map(|r| r.html_url.clone());
    let result = apply_inner(
        client,
        req,
        plan,
        progress,
        &mut done_assets,
        &mut release_id,
        &mut html_url,
    )
    .await;
    match result {
        Ok(done) => Ok(done),
        Err(error) => Err(Box::new(Stopped {
            error,
            release_id,
            html_url,
            assets: done_assets,
        })),
    }
}

async fn apply_inner(
    client: &Client<'_>,
    req: &Request,
    plan: &Plan,
    progress: &mut dyn FnMut(Step),
    done_assets: &mut Vec<AssetDone>,
    release_id: &mut Option<u64>,
    html_url: &mut Option<String>,
) -> Result<Done, GithubError> {
    let repo = &req.repo;
    let (mut release, created) = match &plan.existing {
        Some(r) => {
            progress(Step::Completing {
                id: r.id,
                draft: r.draft,
            });
            (r.clone(), false)
        }
        None => {
            let mut body = serde_json::json!({
                "tag_name": req.tag,
                "name": req.title,
                "draft": true,
                "prerelease": req.prerelease,
            });
            match &req.notes {
                Notes::Text(text) => body["body"] = serde_json::Value::String(text.clone()),
                Notes::Generated => body["generate_release_notes"] = serde_json::Value::Bool(true),
            }
            let r = client.create_release(repo, &body).await?;
            progress(Step::Created { id: r.id });
            (r, true)
        }
    };
    *release_id = Some(release.id);
    *html_url = Some(release.html_url.clone());

    for step in &plan.assets {
        let asset = &step.asset;
        let (action, remove) = match &step.action {
            AssetAction::Keep { .. } => {
                let kept = AssetDone {
                    name: asset.name.clone(),
                    size: asset.size,
                    sha256: asset.sha256.clone(),
                    action: "kept",
                    digest_checked: true,
                    attempts: 0,
                };
                progress(Step::Asset(kept.clone()));
                done_assets.push(kept);
                continue;
            }
            AssetAction::Upload => ("uploaded", None),
            AssetAction::Replace { id, .. } => ("replaced", Some((*id, "replaced"))),
            AssetAction::Restart { id, .. } => ("restarted", Some((*id, "half-uploaded"))),
        };
        if let Some((id, why)) = remove {
            client.delete_asset(repo, id).await?;
            progress(Step::Deleted {
                name: asset.name.clone(),
                why,
            });
        }
        let done = upload_one(client, req, &mut release, asset, action, progress).await?;
        progress(Step::Asset(done.clone()));
        done_assets.push(done);
    }

    let published_now = if release.draft || plan.publish {
        let body = serde_json::json!({"draft": false, "prerelease": req.prerelease});
        let r = client.update_release(repo, release.id, &body).await?;
        if r.draft {
            return Err(GithubError::BadReply {
                what: format!("PATCH release {}", r.id),
                message: "the release is still a draft after draft=false".to_string(),
            });
        }
        release = r;
        *html_url = Some(release.html_url.clone());
        progress(Step::Published {
            url: release.html_url.clone(),
        });
        true
    } else {
        progress(Step::AlreadyPublished {
            url: release.html_url.clone(),
        });
        false
    };
    Ok(Done {
        release_id: release.id,
        html_url: release.html_url.clone(),
        created,
        published_now,
        prerelease: release.prerelease,
        assets: done_assets.clone(),
        waits: client.waits(),
    })
}

/// Upload one asset and check its digest. A failed attempt (connection lost, 5xx) may leave
/// a half-uploaded asset: the release is read again and that asset deleted before the next.
async fn upload_one(
    client: &Client<'_>,
    req: &Request,
    release: &mut Release,
    asset: &LocalAsset,
    action: &'static str,
    progress: &mut dyn FnMut(Step),
) -> Result<AssetDone, GithubError> {
    let repo = &req.repo;
    let wanted = format!("sha256:{}", asset.sha256);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if attempt > 1 {
            *release = client.release(repo, release.id).await?;
            if let Some(left) = release.assets.iter().find(|a| a.name == asset.name) {
                if left.state == "uploaded" && left.digest.as_deref() == Some(wanted.as_str()) {
                    // The lost answer's upload did complete.
                    return Ok(AssetDone {
                        name: asset.name.clone(),
                        size: asset.size,
                        sha256: asset.sha256.clone(),
                        action,
                        digest_checked: true,
                        attempts: attempt - 1,
                    });
                }
                client.delete_asset(repo, left.id).await?;
                progress(Step::Deleted {
                    name: asset.name.clone(),
                    why: "half-uploaded",
                });
            }
        }
        let base = client.upload_base(repo, release)?;
        let outcome = match client.upload_asset(&base, asset).await {
            Ok(Ok(uploaded)) => Ok(uploaded),
            Ok(Err(reply)) => Err(client::refused(
                &format!("POST asset {}", asset.name),
                &reply,
            )),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(uploaded) => {
                let digest_checked = match uploaded.digest.as_deref() {
                    Some(d) if d.eq_ignore_ascii_case(&wanted) => true,
                    Some(d) => {
                        return Err(GithubError::DigestMismatch {
                            name: asset.name.clone(),
                            expected: asset.sha256.clone(),
                            got: d.to_string(),
                        });
                    }
                    None => false,
                };
                return Ok(AssetDone {
                    name: asset.name.clone(),
                    size: asset.size,
                    sha256: asset.sha256.clone(),
                    action,
                    digest_checked,
                    attempts: attempt,
                });
            }
            Err(e) if e.is_transient() && attempt < client.attempts() => {
                progress(Step::Retrying {
                    name: asset.name.clone(),
                    attempt: attempt + 1,
                    error: e.to_string(),
                });
                client
                    .backoff(&format!("POST asset {}", asset.name), e.status(), attempt)
                    .await;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(name: &str, sha: &str) -> LocalAsset {
        LocalAsset {
            path: PathBuf::from(name),
            name: name.to_string(),
            size: 3,
            sha256: sha.to_string(),
        }
    }

    fn remote(id: u64, name: &str, state: &str, digest: Option<&str>) -> Asset {
        Asset {
            id,
            name: name.to_string(),
            state: state.to_string(),
            size: 3,
            digest: digest.map(str::to_string),
            browser_download_url: String::new(),
        }
    }

    fn request(assets: Vec<LocalAsset>, replace: bool) -> Request {
        Request {
            repo: Repository::parse("o/r").unwrap(),
            tag: "v1.0.0".to_string(),
            title: "v1.0.0".to_string(),
            notes: Notes::Generated,
            prerelease: false,
            assets,
            replace_assets: replace,
        }
    }

    fn found(assets: Vec<Asset>, draft: bool) -> Found {
        Found {
            release: Release {
                id: 7,
                tag_name: "v1.0.0".to_string(),
                name: None,
                draft,
                prerelease: false,
                immutable: None,
                html_url: String::new(),
                upload_url: String::new(),
                assets,
            },
            duplicates: vec![],
        }
    }

    #[test]
    fn plans_keep_upload_restart_and_refuse() {
        let req = request(
            vec![asset("a", "aa"), asset("b", "bb"), asset("c", "cc")],
            false,
        );
        let f = found(
            vec![
                remote(1, "a", "uploaded", Some("sha256:aa")),
                remote(2, "b", "starter", None),
                remote(3, "notes.txt", "uploaded", Some("sha256:00")),
            ],
            true,
        );
        let p = plan(&req, Some(&f)).unwrap();
        let actions: Vec<&AssetAction> = p.assets.iter().map(|s| &s.action).collect();
        assert_eq!(
            actions,
            [
                &AssetAction::Keep { id: 1 },
                &AssetAction::Restart {
                    id: 2,
                    state: "starter".into()
                },
                &AssetAction::Upload
            ]
        );
        assert_eq!(p.others, ["notes.txt"]);
        assert!(p.publish);
        // Another digest: refused, unless replacing.
        let f = found(vec![remote(1, "a", "uploaded", Some("sha256:ff"))], false);
        let req = request(vec![asset("a", "aa")], false);
        assert!(matches!(
            plan(&req, Some(&f)),
            Err(GithubError::AssetConflict { .. })
        ));
        let req = request(vec![asset("a", "aa")], true);
        let p = plan(&req, Some(&f)).unwrap();
        assert_eq!(
            p.assets[0].action,
            AssetAction::Replace {
                id: 1,
                remote: "sha256:ff".into()
            }
        );
        assert!(!p.publish, "a published release is not published again");
        assert!(plan(&request(vec![], false), None).unwrap().publish);
    }

    #[test]
    fn repositories_and_tags() {
        assert_eq!(
            Repository::parse("octo/demo.py").unwrap().to_string(),
            "octo/demo.py"
        );
        let bad = ["octo", "/demo", "octo/", "a/b/c", "o/..", "o/d e"];
        assert_eq!(
            bad.iter().filter(|r| Repository::parse(r).is_err()).count(),
            bad.len()
        );
        assert!(check_tag("v1.0.0rc1").is_ok());
        let bad = ["", "v1 0", "-v1", "v1..2", "v1\n", "v1?"];
        assert_eq!(
            bad.iter().filter(|t| check_tag(t).is_err()).count(),
            bad.len()
        );
    }
}
