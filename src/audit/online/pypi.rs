//! PyPI: the latest version's files (`GET {pypi}/pypi/{name}/json`) and, per file, its
//! provenance (`GET {pypi}/integrity/{name}/{version}/{file}/provenance`, read by
//! `attest::integrity::fetch`): present or not, and the trusted publisher (repository,
//! workflow) that uploaded it — a file published from another repository's pipeline is high.

use serde::{Deserialize, Serialize};

use crate::attest::integrity;
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// One file of the latest version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PypiFile {
    pub filename: String,
    pub provenance: bool,
    /// The publisher's `owner/repository` and workflow, when provenance names them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
}

/// What PyPI holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pypi {
    pub project: String,
    /// `None`: the project is not on the index (404).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub files: Vec<PypiFile>,
    /// Files with provenance ÷ files (`None`: no file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_coverage: Option<f64>,
}

#[derive(Deserialize)]
struct ProjectJson {
    info: Info,
    #[serde(default)]
    urls: Vec<FileJson>,
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct FileJson {
    filename: String,
}

fn url(base: &reqwest::Url, segments: &[&str]) -> Result<reqwest::Url, String> {
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| format!("--pypi-url {base} cannot take a path"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The latest version of `project` on `base` and its files' provenance; `Err` in words.
pub async fn fetch(http: &Http, base: &reqwest::Url, project: &str) -> Result<Pypi, String> {
    let policy = Policy::new(3, std::time::Duration::from_millis(500));
    let json_url = url(base, &["pypi", project, "json"])?;
    let page = crate::publish::index::get(http, &policy, &json_url, "application/json")
        .await
        .map_err(|e| format!("GET {json_url}: {e}"))?;
    let mut out = Pypi {
        project: project.to_string(),
        ..Pypi::default()
    };
    match page.status {
        200 => {}
        404 => return Ok(out),
        s => return Err(format!("GET {json_url}: HTTP {s}")),
    }
    let doc: ProjectJson = serde_json::from_str(&page.body)
        .map_err(|e| format!("GET {json_url}: not PyPI's JSON: {e}"))?;
    let Some(version) = doc.info.version else {
        return Ok(out);
    };
    for f in &doc.urls {
        let purl = url(
            base,
            &["integrity", project, &version, &f.filename, "provenance"],
        )?;
        let got = integrity::fetch(http, &policy, &purl)
            .await
            .map_err(|e| e.to_string())?;
        let publisher = got
            .as_ref()
            .and_then(|p| p.attestation_bundles.first())
            .map(|b| b.publisher.clone());
        out.files.push(PypiFile {
            filename: f.filename.clone(),
            provenance: got.is_some_and(|p| !p.attestation_bundles.is_empty()),
            repository: publisher.as_ref().and_then(|p| p.repository.clone()),
            workflow: publisher.and_then(|p| p.workflow),
        });
    }
    out.version = Some(version);
    let with = out.files.iter().filter(|f| f.provenance).count();
    out.provenance_coverage = (!out.files.is_empty()).then(|| with as f64 / out.files.len() as f64);
    Ok(out)
}
