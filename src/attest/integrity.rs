//! PyPI's Integrity API: `GET /integrity/<project>/<version>/<filename>/provenance`
//! (`application/vnd.pypi.integrity.v1+json`), the provenance object of one file: its
//! attestation bundles, each with the trusted publisher that uploaded them.

use serde::{Deserialize, Serialize};

use super::model::Attestation;
use crate::publish::http::Http;
use crate::publish::index;
use crate::publish::retry::Policy;

/// The media type of the Integrity API.
pub const MEDIA_TYPE: &str = "application/vnd.pypi.integrity.v1+json";

/// A file's provenance object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub version: u32,
    pub attestation_bundles: Vec<Bundle>,
}

/// The attestations one publisher uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub publisher: PublisherInfo,
    pub attestations: Vec<Attestation>,
}

/// The trusted publisher as PyPI records it (`kind` `GitHub`, `GitLab`, `Google`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublisherInfo {
    pub kind: String,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub workflow: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
}

/// Why the provenance could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    #[error("{url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("{url} has the Integrity API disabled (HTTP 403)")]
    Disabled { url: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url} is not a provenance object: {reason}")]
    Malformed { url: String, reason: String },
}

/// The provenance URL of a file on the index of `upload_url`.
pub fn provenance_url(
    upload_url: &reqwest::Url,
    project: &str,
    version: &str,
    file_name: &str,
) -> Option<reqwest::Url> {
    let mut url = index::web_root(upload_url);
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.pop_if_empty();
        segments.extend(["integrity", project, version, file_name, "provenance"]);
    }
    Some(url)
}

/// The provenance of one file; `None` when the index has none for it (404).
pub async fn fetch(
    http: &Http,
    policy: &Policy,
    url: &reqwest::Url,
) -> Result<Option<Provenance>, IntegrityError> {
    let shown = url.to_string();
    let page = index::get(http, policy, url, MEDIA_TYPE)
        .await
        .map_err(|reason| IntegrityError::Transport {
            url: shown.clone(),
            reason,
        })?;
    match page.status {
        200 => serde_json::from_str::<Provenance>(&page.body)
            .map(Some)
            .map_err(|e| IntegrityError::Malformed {
                url: shown,
                reason: e.to_string(),
            }),
        404 => Ok(None),
        403 => Err(IntegrityError::Disabled { url: shown }),
        status => Err(IntegrityError::Status { url: shown, status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_urls_follow_the_index() {
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert_eq!(
            provenance_url(
                &url("https://upload.pypi.org/legacy/"),
                "demo-pkg",
                "1.0",
                "demo_pkg-1.0.tar.gz"
            )
            .unwrap()
            .as_str(),
            "https://pypi.org/integrity/demo-pkg/1.0/demo_pkg-1.0.tar.gz/provenance"
        );
        assert_eq!(
            provenance_url(
                &url("https://test.pypi.org/legacy/"),
                "a",
                "2",
                "a-2-py3-none-any.whl"
            )
            .unwrap()
            .as_str(),
            "https://test.pypi.org/integrity/a/2/a-2-py3-none-any.whl/provenance"
        );
        assert_eq!(
            provenance_url(&url("http://127.0.0.1:9/legacy/"), "a", "2", "a-2.tar.gz")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9/integrity/a/2/a-2.tar.gz/provenance"
        );
    }
}
