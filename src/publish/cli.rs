//! The `chora-publish` commands: `check` (validation only) and `upload` (discover -> vet ->
//! credentials -> upload with retries -> summary and report).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use clap::Args;

use super::auth::{self, Auth, AuthError};
use super::credentials::{AuthMode, Env, Secret};
use super::dist::Dist;
use super::progress::{Progress, human_size};
use super::report::{FileReport, Report};
use super::upload::{self, Outcome, Retry, Status, UploadFile};
use super::{discover, dist, explain, index, vet};
use crate::exit::{ExitStatus, Failure};

/// PyPI's upload endpoint.
pub const PYPI_UPLOAD_URL: &str = "https://upload.pypi.org/legacy/";
/// TestPyPI's upload endpoint.
pub const TESTPYPI_UPLOAD_URL: &str = "https://test.pypi.org/legacy/";

/// Arguments of `chora-publish check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
}

/// Arguments of `chora-publish upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
    /// Upload endpoint of the index.
    #[arg(long, value_name = "URL", default_value = PYPI_UPLOAD_URL, conflicts_with = "testpypi")]
    pub repository_url: String,
    /// Shorthand for --repository-url https://test.pypi.org/legacy/.
    #[arg(long)]
    pub testpypi: bool,
    /// auto: Trusted Publishing when the CI offers an identity, else a token.
    #[arg(long, value_enum, default_value = "auto")]
    pub auth: AuthMode,
    /// Read the API token from this file (otherwise from env CHORA_PUBLISH_TOKEN).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Skip files the index already has with the same sha256 (checked on the index's JSON or
    /// simple API, never by matching error texts).
    #[arg(long)]
    pub skip_existing: bool,
    /// Do everything up to the first byte of upload: validate, get credentials, check the index.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Files uploaded in parallel.
    #[arg(long, short = 'j', default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,
    /// Attempts per file for transport errors, 408, 429 and 5xx.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: u32,
    /// Write a JSON report (per file: size, digests, status, attempts, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Send PEP 740 attestations found next to each file (`<file>.<kind>.attestation`, as
    /// `pypi-attestations sign dist/*` writes them); a file without one stops the upload.
    #[arg(long)]
    pub attestations: bool,
    /// Print each request's details (never secrets).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

fn vet_failure(problems: &[vet::Problem]) -> Failure {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("  {}: {}", p.file, p.message))
        .collect();
    Failure::usage(format!(
        "{} problem(s) found; nothing was uploaded:\n{}",
        problems.len(),
        lines.join("\n")
    ))
    .with_hint("fix the build (or remove the files) and run again; `chora-publish check` re-checks without uploading")
}

fn vet_paths(args: &[String]) -> Result<Vec<Dist>, Failure> {
    let paths = discover::expand(args).map_err(Failure::usage)?;
    let (dists, problems) = vet::vet(&paths);
    if !problems.is_empty() {
        return Err(vet_failure(&problems));
    }
    Ok(dists)
}

/// `chora-publish check`.
pub fn run_check(args: &CheckArgs) -> Result<ExitStatus, Failure> {
    let dists = vet_paths(&args.dists)?;
    for d in &dists {
        println!(
            "ok  {}  ({}, {} {}, sha256 {})",
            file_name(d),
            human_size(d.size),
            d.metadata.name,
            d.metadata.version,
            d.sha256
        );
    }
    println!("{} distribution(s) ready to upload.", dists.len());
    Ok(ExitStatus::Success)
}

fn file_name(d: &Dist) -> String {
    d.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Emit an explanation where a GitHub Actions user sees it: the step summary and an error
/// annotation.
fn github_error(env: &Env, title: &str, text: &str) {
    if !env.in_github_actions() {
        return;
    }
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    println!("::error title={title}::{escaped}");
    if let Some(path) = env.get("GITHUB_STEP_SUMMARY") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
        {
            let _ = writeln!(f, "## {title}\n\n```\n{text}\n```\n");
        }
    }
}

fn retry_policy(attempts: u32) -> Retry {
    let base_ms = std::env::var("CHORA_PUBLISH_RETRY_BASE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1000);
    Retry {
        attempts,
        base: Duration::from_millis(base_ms),
        max: Duration::from_millis(base_ms.saturating_mul(30)),
    }
}

fn auth_failure(err: AuthError, env: &Env, ctx: &explain::Context) -> Failure {
    match err {
        AuthError::Setup { message, hint } => Failure::usage(message).with_hint(hint),
        AuthError::Credential(e) => {
            let text = e.to_string();
            github_error(env, "OIDC token request failed", &text);
            Failure::usage(text).with_status(ExitStatus::Service)
        }
        AuthError::Exchange { source } => {
            let text = explain::exchange_failure(&source, ctx);
            github_error(env, "Trusted Publishing exchange failed", &text);
            Failure::usage(text).with_status(ExitStatus::Service)
        }
    }
}

/// `chora-publish upload`.
pub fn run_upload(args: &UploadArgs) -> Result<ExitStatus, Failure> {
    let env = Env::from_process();
    let url_text = if args.testpypi {
        TESTPYPI_UPLOAD_URL
    } else {
        args.repository_url.as_str()
    };
    let url = reqwest::Url::parse(url_text)
        .map_err(|e| Failure::usage(format!("--repository-url {url_text:?} is not a URL: {e}")))?;
    if url.scheme() != "https" && !is_loopback(&url) {
        return Err(Failure::usage(format!(
            "{url} is not https; credentials are only sent over https (plain http is allowed for 127.0.0.1/localhost test indexes)"
        )));
    }
    // 1. Validate everything before anything is sent.
    let dists = vet_paths(&args.dists)?;
    let files = upload_files(&dists, args.attestations)?;
    let projects: Vec<String> = {
        let mut p: Vec<String> = dists
            .iter()
            .map(|d| d.filename.normalized_name.clone())
            .collect();
        p.dedup();
        p
    };

    // 2. Credentials.
    let client = super::http::client(Duration::from_secs(15 * 60))
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mut ctx = explain::Context {
        host: url.host_str().unwrap_or_default().to_string(),
        projects: projects.clone(),
        claims: None,
    };
    let mut auth = auth::prepare(&auth::Request {
        mode: args.auth,
        env: &env,
        token_file: args.token_file.as_deref(),
        client: &client,
        upload_url: &url,
    })
    .map_err(|e| auth_failure(e, &env, &ctx))?;
    if let Auth::TrustedPublishing(minter) = &mut auth {
        let claims = auth::peek_claims(minter).map_err(|e| auth_failure(e, &env, &ctx))?;
        for warning in explain::preflight_warnings(&env, claims.as_ref()) {
            eprintln!("warning: {warning}");
            if env.in_github_actions() {
                println!(
                    "::warning title=Trusted Publishing::{}",
                    warning.replace('\n', "%0A")
                );
            }
        }
        ctx.claims = claims;
        minter.mint().map_err(|e| auth_failure(e, &env, &ctx))?;
        println!(
            "Trusted Publishing: exchanged the {} identity for a short-lived upload token for {}.",
            minter.provider(),
            ctx.host
        );
    } else if env.in_github_actions() && url.host_str().is_some_and(|h| h.ends_with("pypi.org")) {
        eprintln!(
            "warning: publishing with a long-lived API token; switch to Trusted Publishing (no secret to leak or rotate): {}",
            explain::web_host(&ctx.host)
        );
    }
    if args.attestations && matches!(auth, Auth::Token(_)) {
        return Err(Failure::usage("--attestations needs Trusted Publishing: PyPI accepts attestations only from trusted publishers")
            .with_hint("drop --attestations, or publish with Trusted Publishing (--auth oidc)"));
    }

    // 3. Skip-existing by hash.
    let mut existing = std::collections::HashMap::new();
    if args.skip_existing {
        for project in &projects {
            let found = index::existing_files(&client, &url, project).map_err(|e| {
                Failure::usage(format!(
                    "--skip-existing: cannot list the files of {project}: {e}"
                ))
                .with_status(ExitStatus::Service)
            })?;
            existing.extend(found);
        }
    }

    // 4. Upload (or stop just before it).
    let token_fn = |auth: &Auth| -> Result<Secret, String> {
        match auth {
            Auth::Token(t) => Ok(t.clone()),
            Auth::TrustedPublishing(m) => m.token().map_err(|e| {
                let text = match &e {
                    AuthError::Exchange { source } => explain::exchange_failure(source, &ctx),
                    other => other.to_string(),
                };
                github_error(&env, "Trusted Publishing re-mint failed", &text);
                text
            }),
        }
    };
    let retry = retry_policy(args.retries);
    let uploader = super::http::uploader(Duration::from_secs(15 * 60))
        .map_err(|e| Failure::usage(e.to_string()))?;
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; files.len()]);
    let next = AtomicUsize::new(0);
    let progress = Progress::new(files.len());
    let jobs = usize::from(args.jobs).min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(file) = files.get(i) else { break };
                    let dist = &dists[i];
                    let outcome = if let Some(sha) = existing.get(&file.file_name) {
                        skip_outcome(sha, &dist.sha256)
                    } else if args.dry_run {
                        Outcome {
                            status: Status::DryRun,
                            attempts: 0,
                            http_status: None,
                            message: String::new(),
                            elapsed_ms: 0,
                            service_failure: false,
                        }
                    } else {
                        if args.verbose {
                            progress.line(&format!(
                                "POST {url} {} ({} bytes, sha256 {})",
                                file.file_name, file.size, dist.sha256
                            ));
                        }
                        let mut outcome =
                            upload::upload(&uploader, &url, &|| token_fn(&auth), file, &retry);
                        if outcome.status == Status::Failed
                            && args.skip_existing
                            && matches!(outcome.http_status, Some(400 | 409))
                            && let Ok(now) =
                                index::existing_files(&client, &url, &dist.filename.normalized_name)
                            && now.get(&file.file_name) == Some(&dist.sha256)
                        {
                            // Someone (a parallel run) uploaded the same file meanwhile.
                            outcome.status = Status::Skipped;
                        }
                        outcome
                    };
                    progress.done(file, &outcome);
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(outcome);
                    }
                }
            });
        }
    });
    let outcomes: Vec<Outcome> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();

    let reports: Vec<FileReport> = dists
        .iter()
        .zip(outcomes)
        .map(|(d, outcome)| FileReport {
            file: file_name(d),
            size: d.size,
            sha256: d.sha256.clone(),
            blake2_256: d.blake2_256.clone(),
            outcome,
        })
        .collect();
    let report = Report::new(
        url.to_string(),
        auth.kind().to_string(),
        args.dry_run,
        reports,
    );
    if let Some(path) = &args.report {
        report.write(path).map_err(|e| {
            Failure::usage(format!("cannot write the report {}: {e}", path.display()))
        })?;
    }
    println!(
        "\n{}: {} uploaded, {} skipped, {} failed{} ({}).",
        if args.dry_run { "Dry run" } else { "Summary" },
        report.uploaded,
        report.skipped,
        report.failed,
        if args.dry_run {
            format!(
                ", {} ready (nothing was sent)",
                report.files.len() - report.skipped
            )
        } else {
            String::new()
        },
        url
    );
    if report.failed > 0 {
        let failed: Vec<String> = report
            .files
            .iter()
            .filter(|f| f.outcome.status == Status::Failed)
            .map(|f| format!("{}: {}", f.file, f.outcome.message))
            .collect();
        github_error(&env, "Upload failed", &failed.join("\n"));
        return Err(Failure::usage(format!("{} file(s) failed to upload:\n  {}", failed.len(), failed.join("\n  ")))
            .with_status(ExitStatus::Service)
            .with_hint("fix the cause shown for each file, then run the same command again; with --skip-existing the files already on the index are skipped"));
    }
    Ok(ExitStatus::Success)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    )
}

fn skip_outcome(index_sha: &str, local_sha: &str) -> Outcome {
    let same = index_sha.eq_ignore_ascii_case(local_sha);
    Outcome {
        status: if same {
            Status::Skipped
        } else {
            Status::Failed
        },
        attempts: 0,
        http_status: None,
        message: if same {
            "already on the index with the same sha256".into()
        } else {
            format!(
                "the index has a different file with this name (sha256 {index_sha}); a file name can never be reused: build a new version"
            )
        },
        elapsed_ms: 0,
        service_failure: false,
    }
}

fn upload_files(dists: &[Dist], attestations: bool) -> Result<Vec<UploadFile>, Failure> {
    let mut out = Vec::with_capacity(dists.len());
    for d in dists {
        let mut texts = Vec::new();
        if attestations {
            let found = discover::attestations_for(&d.path);
            if found.is_empty() {
                return Err(Failure::usage(format!(
                    "--attestations: no attestation next to {} (expected {}.publish.attestation)",
                    d.path.display(),
                    file_name(d)
                ))
                .with_hint("nothing was uploaded. Signing PEP 740 attestations is not built into this chora-publish version yet: create the files first (e.g. with pypi-attestations), or drop --attestations (in a chora project: `chora update --data attestations=false`, or `--data publisher=pypa`)"));
            }
            for path in found {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| Failure::usage(format!("{} is not JSON: {e}", path.display())))?;
                texts.push(text.trim().to_string());
            }
        }
        out.push(UploadFile {
            path: d.path.clone(),
            file_name: file_name(d),
            size: d.size,
            fields: dist::upload_fields(d),
            attestations: texts,
        });
    }
    Ok(out)
}
