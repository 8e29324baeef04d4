//! Stage 1, the plan: where to upload, and every distribution vetted and ready to send
//! (form fields with the digests computed while vetting, attestations read). Nothing touches
//! the network; nothing is sent unless every file passes.

use std::path::PathBuf;

use super::dist::{self, Dist};
use super::upload::UploadFile;
use super::{discover, vet};

/// The largest attestation file read (a PEP 740 attestation is a few KiB).
pub const MAX_ATTESTATION: u64 = 1 << 20;

/// PyPI's upload endpoint.
pub const PYPI_UPLOAD_URL: &str = "https://upload.pypi.org/legacy/";
/// TestPyPI's upload endpoint.
pub const TESTPYPI_UPLOAD_URL: &str = "https://test.pypi.org/legacy/";

/// What the plan is made from (the command line, as plain data).
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// Distributions as named (files, folders, `dir/*`); empty means `dist/*`.
    pub dists: &'a [String],
    /// The upload endpoint.
    pub repository_url: &'a str,
    /// Read the PEP 740 attestations found next to each file (`<file>.<kind>.attestation`).
    pub sibling_attestations: bool,
    /// How the content checks run (waivers, the member size limit).
    pub vet: &'a vet::VetOptions,
}

/// A batch ready to upload.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The upload endpoint.
    pub url: reqwest::Url,
    /// The vetted distributions, in order.
    pub dists: Vec<Dist>,
    /// What to send for each of `dists` (same order).
    pub files: Vec<UploadFile>,
    /// Normalised project names of the batch, each once.
    pub projects: Vec<String>,
    /// The check's report (its warnings and waived secrets are shown before uploading).
    pub report: vet::Report,
}

/// Why there is no plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("--repository-url {url} is not an http(s) URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "--repository-url {url} contains credentials (user info before '@'); chora-publish never takes credentials from the URL, where they would be printed and logged: remove them and pass an API token with CHORA_PUBLISH_TOKEN or --token-file, or use Trusted Publishing"
    )]
    UrlCredentials { url: String },
    #[error(
        "{url} is not https; credentials are only sent over https (plain http is allowed for 127.0.0.1/localhost test indexes)"
    )]
    NotHttps { url: String },
    /// The arguments name no distribution.
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
    /// Vetting found errors (each listed); `report.local_io` when one is a local read failure.
    #[error("{} problem(s) found; nothing was uploaded:\n{}", .report.summary.errors, list(.report))]
    Invalid { report: Box<vet::Report> },
    #[error("cannot read {path}: {source}")]
    ReadAttestation {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {reason}")]
    BadAttestation { path: String, reason: String },
}

fn list(report: &vet::Report) -> String {
    report
        .errors()
        .map(|f| format!("  {}", vet::report::line(f)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Discover and vet the distributions the arguments name, with the standard content checks.
pub fn vet_paths(args: &[String]) -> Result<Vec<Dist>, PlanError> {
    vet_paths_with(args, &vet::VetOptions::standard()).map(|(dists, _)| dists)
}

/// Discover and vet the distributions the arguments name (`chora-publish check`, and the
/// first half of [`plan`]): the distributions and the report when nothing is an error.
pub fn vet_paths_with(
    args: &[String],
    options: &vet::VetOptions,
) -> Result<(Vec<Dist>, vet::Report), PlanError> {
    let paths = discover::expand(args).map_err(PlanError::Discover)?;
    let (dists, report) = vet::vet_report(&paths, options);
    if !report.summary.ok {
        return Err(PlanError::Invalid {
            report: Box::new(report),
        });
    }
    Ok((dists, report))
}

/// Stage 1: check the URL, vet every file, read attestations, build the form fields.
pub fn plan(req: &PlanRequest<'_>) -> Result<Plan, PlanError> {
    let url = check_url(req.repository_url)?;
    let (dists, report) = vet_paths_with(req.dists, req.vet)?;
    let files = dists
        .iter()
        .map(|d| upload_file(d, req.sibling_attestations))
        .collect::<Result<Vec<_>, _>>()?;
    let mut projects: Vec<String> = Vec::new();
    for d in &dists {
        if !projects.contains(&d.filename.normalized_name) {
            projects.push(d.filename.normalized_name.clone());
        }
    }
    Ok(Plan {
        url,
        dists,
        files,
        projects,
        report,
    })
}

/// The upload URL: http(s) only, no user info (credentials in a URL end up in logs), https
/// unless the host is the loopback. Errors show the URL with any user info replaced by `***`.
pub fn check_url(text: &str) -> Result<reqwest::Url, PlanError> {
    let shown = || redact_url_text(text);
    let url = reqwest::Url::parse(text).map_err(|e| PlanError::BadUrl {
        url: shown(),
        reason: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PlanError::UrlCredentials { url: shown() });
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(PlanError::BadUrl {
            url: shown(),
            reason: "only http:// and https:// URLs with a host are accepted".into(),
        });
    }
    if url.scheme() != "https" && !is_loopback(&url) {
        return Err(PlanError::NotHttps { url: shown() });
    }
    Ok(url)
}

/// `text` (a URL, maybe not a valid one) with the user info of its authority replaced by
/// `***`, control characters escaped and cut to 200 characters.
pub fn redact_url_text(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(at) => text.split_at(at + 3),
        None => ("", text),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let redacted = match authority.rfind('@') {
        Some(at) => format!("{scheme}***{}{tail}", &authority[at..]),
        None => text.to_string(),
    };
    crate::text::excerpt(&redacted, 200)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    )
}

/// The file name of a distribution (no directory).
pub fn file_name(d: &Dist) -> String {
    d.filename.file_name.clone()
}

fn upload_file(d: &Dist, attestations: bool) -> Result<UploadFile, PlanError> {
    let mut texts = Vec::new();
    if attestations {
        let found: Vec<PathBuf> = discover::attestations_for(&d.path);
        for path in found {
            let text = crate::fs::read_regular_text(&path, MAX_ATTESTATION, "an attestation")
                .map_err(|e| PlanError::ReadAttestation {
                    path: path.display().to_string(),
                    source: std::io::Error::other(e.to_string()),
                })?;
            serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                PlanError::BadAttestation {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }
            })?;
            texts.push(text.trim().to_string());
        }
    }
    Ok(UploadFile {
        path: d.path.clone(),
        file_name: file_name(d),
        size: d.size,
        fields: dist::upload_fields(d),
        attestations: texts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_refused_and_never_shown() {
        for text in [
            "http://alice:s3cret@127.0.0.1:8080/legacy/",
            "https://alice@upload.example/legacy/",
            "https://:s3cret@upload.example/",
            "alice:s3cret@upload.example/legacy/",
            "https://alice:s3cret@exa mple/",
            "https://alice:s3cret@@/",
        ] {
            let err = check_url(text).unwrap_err();
            let shown = err.to_string();
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(!shown.contains("alice"), "{shown}");
        }
        assert_eq!(
            redact_url_text("http://alice:pw@h:1/x@y"),
            "http://***@h:1/x@y"
        );
    }

    #[test]
    fn only_http_urls_pass() {
        for text in [
            "ftp://host/",
            "file:///etc/passwd",
            "data:text/plain,x",
            "mailto:a@b",
        ] {
            assert!(check_url(text).is_err(), "{text}");
        }
        assert!(check_url("https://upload.pypi.org/legacy/").is_ok());
        assert!(check_url("http://127.0.0.1:1/legacy/").is_ok());
        assert!(matches!(
            check_url("http://upload.example/"),
            Err(PlanError::NotHttps { .. })
        ));
    }
}
