//! `chora-publish verify-attestation` (one attestation, offline) and `chora-publish
//! verify-provenance` (every file of a release, from the index's Integrity API).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::output::Output;
use crate::attest::model::Attestation;
use crate::attest::provenance::{self, FileToCheck, Outcome};
use crate::attest::trust_root::TrustedRoot;
use crate::attest::verify::{self, Expected, Publisher};
use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::http::{Http, Timeouts};
use crate::publish::plan::{MAX_ATTESTATION, PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL};
use crate::publish::retry::Policy;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The publisher an attestation must come from (GitHub Actions).
#[derive(Debug, Clone, Args)]
pub struct PublisherArgs {
    /// The GitHub repository that must have published, `OWNER/REPO`.
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: String,
    /// The workflow file that must have published (`release.yml`), as registered on PyPI.
    #[arg(long, value_name = "FILE")]
    pub workflow: String,
    /// The deployment environment, checked when the certificate names one.
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// The Sigstore trust root (`trusted_root.json`); default the bundled public-good one.
    #[arg(long, value_name = "FILE")]
    pub trust_root: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

impl PublisherArgs {
    fn publisher(&self) -> Result<Publisher, Failure> {
        if self.repository.split('/').filter(|p| !p.is_empty()).count() != 2 {
            return Err(Failure::usage(format!(
                "--repository {}: expected OWNER/REPO",
                crate::text::excerpt(&self.repository, 200)
            )));
        }
        let workflow = self
            .workflow
            .strip_prefix(".github/workflows/")
            .unwrap_or(&self.workflow);
        Ok(Publisher {
            repository: self.repository.clone(),
            workflow: workflow.to_string(),
            environment: self.environment.clone(),
        })
    }

    fn root(&self) -> Result<TrustedRoot, Failure> {
        match &self.trust_root {
            Some(path) => super::attest::load_trust_file(path, "--trust-root").map(|(r, _)| r),
            None => Ok(TrustedRoot::public_good()),
        }
    }
}

/// Arguments of `chora-publish verify-attestation`.
#[derive(Debug, Clone, Args)]
pub struct VerifyAttestationArgs {
    /// The distribution the attestation is for.
    pub dist: PathBuf,
    /// The attestation (a PEP 740 Attestation object, `<dist>.publish.attestation`).
    pub attestation: PathBuf,
    #[command(flatten)]
    pub publisher: PublisherArgs,
}

/// Arguments of `chora-publish verify-provenance`.
#[derive(Debug, Clone, Args)]
pub struct VerifyProvenanceArgs {
    /// The release, `NAME==VERSION`.
    pub release: String,
    /// Upload endpoint of the index (its Integrity API is on the same site).
    #[arg(long, value_name = "URL", default_value = PYPI_UPLOAD_URL, conflicts_with = "testpypi")]
    pub repository_url: String,
    /// Shorthand for --repository-url https://test.pypi.org/legacy/.
    #[arg(long)]
    pub testpypi: bool,
    #[command(flatten)]
    pub publisher: PublisherArgs,
}

pub const VERIFY_ATTESTATION_HELP: &str = "\
Checks, offline, what PyPI checks on upload: the certificate chains to the trust root's Fulcio
CA with a valid SCT; the Rekor entry's signed entry timestamp, inclusion proof and signed
checkpoint; the DSSE signature over the statement; the statement names this file and its
sha256; the certificate's publisher identity is this repository and workflow.

Examples:
  chora-publish verify-attestation dist/demo_pkg-1.0-py3-none-any.whl \\
      attestations/demo_pkg-1.0-py3-none-any.whl.publish.attestation \\
      --repository octo-org/demo-pkg --workflow release.yml

Exit status: 0 verified; 1 it does not verify (the failed check is named); 2 bad input;
4 a file cannot be read.";

pub const VERIFY_PROVENANCE_HELP: &str = "\
Reads the index's Integrity API for every file of the release and verifies each file's
attestation for this repository and workflow (as verify-attestation does), against the
sha256 the index lists.

Examples:
  chora-publish verify-provenance demo-pkg==1.0 --repository octo-org/demo-pkg --workflow release.yml
  chora-publish verify-provenance demo-pkg==1.0rc1 --testpypi --repository octo-org/demo-pkg --workflow release.yml

Exit status: 0 every file verified; 1 a file has no provenance or it does not verify;
2 bad input; 3 the index failed.";

/// `chora-publish verify-attestation`.
pub fn run_verify_attestation(
    args: &VerifyAttestationArgs,
    out: &Output,
) -> Result<ExitStatus, Failure> {
    let publisher = args.publisher.publisher()?;
    let root = args.publisher.root()?;
    let file_name = args
        .dist
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Failure::usage("the distribution path names no file"))?;
    let digests = crate::publish::dist::hash_file(&args.dist)
        .map_err(|e| Failure::local_io(format!("cannot read {}: {e}", args.dist.display())))?;
    let text = crate::fs::read_regular_text(&args.attestation, MAX_ATTESTATION, "an attestation")
        .map_err(|e| {
        crate::exit::attest::unreadable_input(&args.attestation.display().to_string(), &e)
    })?;
    let attestation: Attestation = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{} is not a PEP 740 attestation: {e}",
            args.attestation.display()
        ))
    })?;
    let result = verify::verify(
        &attestation,
        &Expected {
            file_name: &file_name,
            sha256: &digests.sha256,
        },
        Some(&publisher),
        &root,
    );
    let (status, report) = match &result {
        Ok(v) => (
            ExitStatus::Success,
            json!({"file": file_name, "ok": true, "check": null, "message": null,
                "identity": v.identity.san, "log_index": v.log_index,
                "integrated_time": v.integrated_time, "predicate_type": v.predicate_type}),
        ),
        Err(e) => (
            ExitStatus::Problem,
            json!({"file": file_name, "ok": false, "check": e.check(), "message": e.to_string()}),
        ),
    };
    match args.publisher.format {
        Format::Json => out.line(&report.to_string()),
        Format::Text => match &result {
            Ok(v) => out.line(&format!(
                "ok  {file_name}: attested by {} ({}), Rekor log index {}",
                publisher.repository, v.identity.san, v.log_index
            )),
            Err(e) => out.line(&format!("FAILED  {file_name}: {} check: {e}", e.check())),
        },
    }
    Ok(status)
}

/// `chora-publish verify-provenance`.
pub fn run_verify_provenance(
    args: &VerifyProvenanceArgs,
    env: &Env,
    out: &Output,
) -> Result<ExitStatus, Failure> {
    let publisher = args.publisher.publisher()?;
    let root = args.publisher.root()?;
    let Some((name, version)) = args.release.split_once("==") else {
        return Err(Failure::usage(format!(
            "{}: expected NAME==VERSION",
            crate::text::excerpt(&args.release, 200)
        )));
    };
    let project = crate::names::pep503(name.trim());
    let version = version.trim();
    let url = reqwest::Url::parse(if args.testpypi {
        TESTPYPI_UPLOAD_URL
    } else {
        &args.repository_url
    })
    .map_err(|e| Failure::usage(format!("--repository-url: {e}")))?;
    let http = Http::new(Timeouts::from_lookup(|k| env.get(k).map(str::to_string)))?;
    let policy = Policy::new(4, std::time::Duration::from_millis(500))
        .with_budget(http.timeouts.total.value);
    let files = http
        .block_on(crate::publish::index::project_files(
            &http, &policy, &url, &project,
        ))
        .map_err(|e| Failure::usage(e.to_string()).with_status(ExitStatus::Service))?;
    let canonical =
        crate::publish::dist::canonical_version(version).unwrap_or_else(|| version.to_string());
    let normalized =
        crate::publish::dist::normalize_version(version).unwrap_or_else(|| version.to_string());
    let mut release: Vec<(String, String)> = files
        .iter()
        .filter(|(_, f)| f.version.as_deref() == Some(canonical.as_str()))
        .map(|(n, f)| (n.clone(), f.sha256.clone()))
        .collect();
    release.sort();
    if release.is_empty() {
        return Err(
            Failure::usage(format!("{url} lists no files of {project} {canonical}"))
                .with_status(ExitStatus::Problem),
        );
    }
    let outcomes: Vec<(String, Outcome)> = release
        .iter()
        .map(|(file_name, sha256)| {
            let file = FileToCheck {
                file_name: file_name.clone(),
                sha256: sha256.clone(),
                sent: None,
            };
            let release = provenance::Release {
                upload_url: &url,
                project: &project,
                version: &normalized,
            };
            let outcome = http.block_on(provenance::check_file(
                &http, &policy, &release, &file, &publisher, &root,
            ));
            (file_name.clone(), outcome)
        })
        .collect();
    print_outcomes(&outcomes, args.publisher.format, out);
    Ok(status_of(&outcomes))
}

/// 0 every file verified; 3 the index could not be read; else 1.
pub fn status_of(outcomes: &[(String, Outcome)]) -> ExitStatus {
    if outcomes.iter().all(|(_, o)| o.is_verified()) {
        ExitStatus::Success
    } else if outcomes
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Unreadable(_)))
    {
        ExitStatus::Service
    } else {
        ExitStatus::Problem
    }
}

/// One line per file, or one JSON document.
pub fn print_outcomes(outcomes: &[(String, Outcome)], format: Format, out: &Output) {
    match format {
        Format::Json => {
            let files: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|(f, o)| json!({"file": f, "ok": o.is_verified(), "message": o.describe()}))
                .collect();
            out.line(&json!({"files": files}).to_string());
        }
        Format::Text => {
            for (file, outcome) in outcomes {
                let mark = if outcome.is_verified() {
                    "ok"
                } else {
                    "FAILED"
                };
                out.line(&format!("{mark}  {file}: {}", outcome.describe()));
            }
        }
    }
}
