//! GitHub releases and their provenance assets (`Client::list_releases`, the release tool's
//! own call): of the last 5 published releases (Scorecard's Signed-Releases look-back), those
//! with `*.sigstore.json` or `*.intoto.jsonl` assets (what Signed-Releases counts), and those
//! with `*.publish.attestation` (chora's archived PEP 740 attestations, which Scorecard does
//! not count); and whether the repository has immutable releases
//! (`GET /repos/{o}/{r}/immutable-releases`: `{enabled, enforced_by_owner}`).

use serde::{Deserialize, Serialize};

use crate::publish::github::client::Client;
use crate::publish::github::{GithubError, Repository};

/// Scorecard's Signed-Releases look-back.
pub const LOOK_BACK: usize = 5;

/// What the releases show.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Releases {
    /// Published releases looked at (at most [`LOOK_BACK`]).
    pub checked: usize,
    /// Tags of those without a `.sigstore.json` / `.intoto.jsonl` asset.
    pub without_provenance: Vec<String>,
    pub with_provenance_assets: usize,
    pub with_publish_attestations: usize,
    /// `None`: GitHub did not say (404: the endpoint or the permission is missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}

#[derive(Deserialize)]
struct Immutable {
    #[serde(default)]
    enabled: bool,
}

/// A Signed-Releases provenance asset.
pub fn provenance_asset(name: &str) -> bool {
    name.ends_with(".sigstore.json") || name.ends_with(".intoto.jsonl")
}

pub async fn fetch(client: &Client<'_>, repo: &Repository) -> Result<Releases, GithubError> {
    let all = client.list_releases(repo).await?;
    let mut out = Releases::default();
    for r in all.iter().filter(|r| !r.draft).take(LOOK_BACK) {
        out.checked += 1;
        if r.assets.iter().any(|a| provenance_asset(&a.name)) {
            out.with_provenance_assets += 1;
        } else {
            out.without_provenance.push(r.tag_name.clone());
        }
        if r.assets
            .iter()
            .any(|a| a.name.ends_with(".publish.attestation"))
        {
            out.with_publish_attestations += 1;
        }
    }
    Ok(out)
}

/// `GET /repos/{o}/{r}/immutable-releases` (`None`: 404, not said).
pub async fn immutable(
    client: &Client<'_>,
    repo: &Repository,
) -> Result<Option<bool>, GithubError> {
    let url = client.repo_url(repo, &["immutable-releases"])?;
    Ok(client
        .get_optional::<Immutable>("GET immutable-releases", &url)
        .await?
        .map(|i| i.enabled))
}
