//! The `chora-publish` command layer: clap argument structs, dispatch, and printing through
//! [`output::Output`]. The work is the stages of [`crate::publish`]; the mapping of their
//! errors to exit statuses and hints is [`crate::exit::publish`].

mod attest;
mod github_release;
mod ledger;
mod output;
mod progress;
mod receipt;
mod smoke;
mod verify;

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::exit::{ExitStatus, Failure};
use crate::publish::auth::{self, Auth};
use crate::publish::batch::{self, BatchOptions};
use crate::publish::credentials::{AuthMode, Env};
use crate::publish::http::{Http, Timeouts};
use crate::publish::index::{self, Existing};
use crate::publish::plan::{self, PYPI_UPLOAD_URL, PlanRequest, TESTPYPI_UPLOAD_URL};
use crate::publish::report::Report;
use crate::publish::retry::Policy;
use crate::publish::upload::Status;
use crate::publish::vet::{self, AllowSecret, VetOptions};

use output::Output;
use progress::human_size;

/// The subcommands of `chora-publish`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate distributions without any network access.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Validate, authenticate, sign (PEP 740) and upload distributions.
    #[command(after_help = UPLOAD_HELP)]
    Upload(UploadArgs),
    /// Sign PEP 740 attestations for distributions without uploading them.
    #[command(after_help = SIGN_HELP)]
    Sign(SignArgs),
    /// Verify one PEP 740 attestation offline (what PyPI checks on upload).
    #[command(after_help = verify::VERIFY_ATTESTATION_HELP)]
    VerifyAttestation(verify::VerifyAttestationArgs),
    /// Verify the provenance PyPI holds for every file of a release (Integrity API).
    #[command(after_help = verify::VERIFY_PROVENANCE_HELP)]
    VerifyProvenance(verify::VerifyProvenanceArgs),
    /// Wait until the index lists a release, check its digests, install it fresh and import it.
    #[command(after_help = smoke::SMOKE_HELP)]
    Smoke(smoke::SmokeArgs),
    /// Create or complete the GitHub release of a tag: draft, assets (checked), published last.
    #[command(name = "github-release", after_help = github_release::GITHUB_RELEASE_HELP)]
    GithubRelease(github_release::GithubReleaseArgs),
    /// Check or show a hash-chained release ledger.
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// Write the release plan a separate approver signs (no side effects).
    Plan(receipt::PlanArgs),
    /// Sign an approval receipt for a plan (Ed25519), bound to its run and operations.
    Approve(receipt::ApproveArgs),
    /// Make an Ed25519 key pair for approval receipts.
    Keygen(receipt::KeygenArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(after_help = super::completions::completions_help("chora-publish"))]
    Completions(super::completions::CompletionsArgs),
}

/// Exit statuses of `chora-publish`, for `--help`.
pub const EXIT_HELP: &str = "\
Exit status:
  0  success
  1  a check found a problem: an attestation or a release's provenance does not verify, a
     ledger does not verify, smoke found another file than was uploaded or the import failed,
     GitHub stored an asset with another digest
  2  bad input: invalid distributions (nothing is uploaded), missing credentials, bad options,
     a release PyPI closed to new files (14-day rule), an approval receipt refused
  3  the index, the identity provider, Fulcio, Rekor or GitHub refused or failed (after
     retries); smoke: the release not listed before --timeout, or its install failed
  4  local I/O failure: a distribution, attestation, token, receipt or key file that cannot be
     read, a report or ledger that cannot be written";

const CHECK_HELP: &str = "\
Checks every file before reporting: filenames, METADATA/PKG-INFO (Metadata-Version up to 2.5),
name and version against the filename, required fields, Description-Content-Type, one sdist per
release, wheel RECORD hashes, archive integrity; then vets the content of every member (secrets,
stray files), the description (renders on PyPI), licence files and classifiers; with an index,
look-alike names and re-uploads of yanked releases. Rule ids: docs/chora-publish.md.

Examples:
  chora-publish check                 # dist/*
  chora-publish check dist/demo_pkg-0.1.0-py3-none-any.whl
  chora-publish check --testpypi --format json > vet.json
  chora-publish check --allow-secret 'secret/aws-access-key:tests/fixtures/*=fake keys for tests'

Exit status: 0 all valid; 2 problems found (each listed); 4 a file cannot be read.";

const UPLOAD_HELP: &str = "\
Credentials: --auth auto (default) uses Trusted Publishing when the CI offers an identity
(GitHub Actions with `permissions: id-token: write`; GitLab CI with `id_tokens: PYPI_ID_TOKEN`),
else an API token from env CHORA_PUBLISH_TOKEN or --token-file (never a command-line value).
A token minted by Trusted Publishing is burned (revoked) after the batch.
Refusals are explained: the server's words, the claims PyPI matched, and the exact fix.

Examples:
  chora-publish upload                                   # dist/* to PyPI
  chora-publish upload --testpypi dist/*
  CHORA_PUBLISH_TOKEN=pypi-... chora-publish upload --auth token dist/*
  chora-publish upload --dry-run --report upload.json
  chora-publish upload --skip-existing --repository-url http://127.0.0.1:8080/ dist/*
  chora-publish upload --attestations=always --verify-provenance dist/*   # sign (PEP 740), upload, check
  chora-publish upload --attestations=never dist/*

Attestations: --attestations=auto (default) signs each file natively (an identity token for the
`sigstore` audience, an ephemeral key, Fulcio, Rekor v1) with Trusted Publishing to PyPI or
TestPyPI from GitHub Actions (GitLab CI: with SIGSTORE_ID_TOKEN), all before the first upload,
and writes them to --attestations-dir; otherwise it says why none are sent. Files named
<file>.publish.attestation next to a distribution are sent instead of signing it.

Ledger: --ledger FILE (default chora-ledger.jsonl when CI is set; --no-ledger for none) gets an
`upload started` entry per file, synced before its first byte is sent, and its outcome after
(dry runs write nothing); `chora-publish ledger show FILE` reads it back. A ledger that does not
verify stops the upload before anything is sent.

Time limits: connect 10 s; OIDC token, audience, mint, burn and index requests 30 s each;
an upload request 15 min (see docs/chora-publish.md).

Exit status: 0 all uploaded or skipped; 1 --verify-provenance found a file without a verifying
attestation on the index, or the --ledger does not verify (nothing sent); 2 bad input or
credentials, or a closed release (nothing sent); 3 the index, Fulcio or Rekor refused or failed
after retries; 4 a local file cannot be read or the report, an attestation or the ledger cannot
be written (the batch stops before its next file).";

const SIGN_HELP: &str = "\
Signs each distribution as the publish job's identity (Sigstore keyless: an identity token for
the `sigstore` audience, an ephemeral key, a Fulcio certificate, a Rekor v1 entry) and writes the
PEP 740 attestation PyPI takes, checked against the trust root first. `upload` does this itself
(--attestations); `sign` is for archiving, or for uploading with another tool.

Examples:
  chora-publish sign                                  # dist/* -> attestations/
  chora-publish sign --attestations-dir dist dist/*   # next to the files (twine upload --attestations)

Each file gets a `sign started` entry in the --ledger before it is signed, and its outcome
(the Rekor log index) after.

Exit status: 0 all signed; 1 the --ledger does not verify (nothing signed); 2 bad input or no
identity; 3 Fulcio or Rekor failed (after retries), or what they returned does not verify; 4 a
file or the ledger cannot be read or written.";

/// Arguments of `chora-publish check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
    /// The index to check names and yanked releases against, by its upload endpoint (as
    /// `upload` takes it, e.g. https://upload.pypi.org/legacy/). Optional: without it (or
    /// --testpypi) the name/look-alike and yanked/re-upload rules are skipped.
    #[arg(long, value_name = "URL", conflicts_with = "testpypi")]
    pub repository_url: Option<String>,
    /// Shorthand for --repository-url https://test.pypi.org/legacy/.
    #[arg(long)]
    pub testpypi: bool,
    /// Let files for a release the index lists as yanked through (a warning, not an error).
    #[arg(long)]
    pub allow_yanked: bool,
    /// text: one line per file and finding; json: the whole report (files, findings, waived
    /// secrets, summary) on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    #[command(flatten)]
    pub vet: VetArgs,
}

/// `chora-publish check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

/// The content checks' options, shared by `check` and `upload` (which checks first).
#[derive(Debug, Clone, Args)]
pub struct VetArgs {
    /// Waive a secret finding: RULE:PATH[=REASON], PATH a glob over member paths (`*` within a
    /// folder, `**` across; an sdist's paths may leave out its top folder), e.g.
    /// 'secret/aws-access-key:tests/fixtures/*=fake keys for the parser tests'. The waived
    /// finding and its reason are in the report. Repeatable.
    #[arg(long, value_name = "RULE:PATH[=REASON]")]
    pub allow_secret: Vec<String>,
    /// Report members that unpack to more than this many MiB (a warning); 0: no limit.
    #[arg(long, value_name = "MIB", default_value_t = crate::publish::vet::stray::DEFAULT_MAX_MEMBER_MIB)]
    pub max_member_size: u64,
}

impl VetArgs {
    /// The options, or a usage error for a malformed `--allow-secret`.
    pub fn options(&self) -> Result<VetOptions, Failure> {
        let allow_secret = self
            .allow_secret
            .iter()
            .map(|a| AllowSecret::parse(a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::usage(e.to_string()))?;
        Ok(VetOptions {
            allow_secret,
            max_member_size: (self.max_member_size > 0)
                .then(|| self.max_member_size.saturating_mul(1 << 20)),
        })
    }
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Trusted Publishing when the CI offers an identity, else a token.
    Auto,
    /// Trusted Publishing only.
    Oidc,
    /// An API token only.
    Token,
}

impl From<AuthArg> for AuthMode {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::Auto => AuthMode::Auto,
            AuthArg::Oidc => AuthMode::Oidc,
            AuthArg::Token => AuthMode::Token,
        }
    }
}

/// `--attestations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttestArg {
    /// Sign where PyPI accepts attestations (Trusted Publishing from GitHub Actions or GitLab
    /// CI to PyPI/TestPyPI), else upload without them and say why.
    Auto,
    /// Sign; a reason not to is an error (nothing is uploaded).
    Always,
    /// Never sign or send attestations.
    Never,
}

impl From<AttestArg> for crate::attest::decide::Mode {
    fn from(a: AttestArg) -> Self {
        use crate::attest::decide::Mode;
        match a {
            AttestArg::Auto => Mode::Auto,
            AttestArg::Always => Mode::Always,
            AttestArg::Never => Mode::Never,
        }
    }
}

/// Where to sign: the Sigstore services and their trust root.
#[derive(Debug, Clone, Args)]
pub struct SigstoreArgs {
    /// Fulcio (the Sigstore certificate authority); default the public-good instance.
    #[arg(long, value_name = "URL", default_value = crate::attest::PUBLIC_GOOD_FULCIO)]
    pub sigstore_fulcio_url: String,
    /// Rekor v1 (the Sigstore transparency log); default the public-good instance.
    #[arg(long, value_name = "URL", default_value = crate::attest::PUBLIC_GOOD_REKOR)]
    pub sigstore_rekor_url: String,
    /// The Sigstore trust root (`trusted_root.json`) signed attestations are checked against
    /// before use; default the bundled public-good root. Required with other Fulcio/Rekor URLs.
    /// A ClientTrustConfig (trusted root + signing config) also gives those URLs (Rekor v1).
    #[arg(long, value_name = "FILE")]
    pub sigstore_trust_root: Option<PathBuf>,
}

/// Arguments of `chora-publish sign`.
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
    /// Where the attestations are written, one `<file>.publish.attestation` each (`dist` puts
    /// them next to the files, where `chora-publish upload` and `twine upload --attestations`
    /// find them).
    #[arg(long, value_name = "DIR", default_value = "attestations")]
    pub attestations_dir: PathBuf,
    /// Files signed in parallel.
    #[arg(long, short = 'j', default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,
    /// Attempts per request for transport errors, 408, 429 and 5xx.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: u32,
    #[command(flatten)]
    pub sigstore: SigstoreArgs,
    #[command(flatten)]
    pub ledger: ledger::LedgerArgs,
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
    pub auth: AuthArg,
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
    /// Upload files for a release the index lists as yanked (otherwise refused).
    #[arg(long)]
    pub allow_yanked: bool,
    /// Files uploaded in parallel.
    #[arg(long, short = 'j', default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub jobs: u16,
    /// Attempts per request for transport errors, 408, 429 and 5xx.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: u32,
    /// Write a JSON report (per file: size, digests, status, attempts, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// PEP 740 attestations. auto: sign each file (Sigstore: Fulcio + Rekor) with Trusted
    /// Publishing to PyPI/TestPyPI from GitHub Actions (GitLab CI with SIGSTORE_ID_TOKEN), else
    /// none, with the reason; always: sign, and stop where signing is impossible; never: none.
    /// `<file>.publish.attestation` files next to a distribution are sent instead of signing it.
    /// `--attestations` alone means always.
    #[arg(long, value_enum, default_value = "auto", num_args = 0..=1, default_missing_value = "always", require_equals = true)]
    pub attestations: AttestArg,
    /// Where the signed attestations are written, one `<file>.publish.attestation` each, for
    /// archiving (not dist/, so a TestPyPI upload's files are never taken for PyPI's).
    #[arg(long, value_name = "DIR", default_value = "attestations")]
    pub attestations_dir: PathBuf,
    #[command(flatten)]
    pub sigstore: SigstoreArgs,
    /// After uploading, read the index's Integrity API and confirm it holds, for every file
    /// uploaded, an attestation that verifies and is the one sent (GitHub Trusted Publishing).
    #[arg(long)]
    pub verify_provenance: bool,
    /// Print each request's details (never secrets).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub vet: VetArgs,
    #[command(flatten)]
    pub ledger: ledger::LedgerArgs,
    #[command(flatten)]
    pub receipt: receipt::ReceiptArgs,
}

/// Replace the panic message (which may quote a value: an environment variable, a token, a
/// server's reply) with one that names only where it happened.
pub fn quiet_panics() {
    use std::io::Write as _;
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr(),
            "chora-publish: internal error{place} (details withheld: they may contain secrets); please report it"
        );
    }));
}

/// Run a subcommand; the status to exit with.
pub fn dispatch(command: &Command) -> ExitStatus {
    let env = match Env::from_process() {
        Ok(env) => env,
        Err(e) => {
            let failure = Failure::from(e);
            Output::new(&Env::default()).error_line(&failure.to_string());
            return failure.status;
        }
    };
    let out = Output::new(&env);
    let result = match command {
        Command::Check(args) => run_check(args, &env, &out),
        Command::Upload(args) => run_upload(args, &env, &out),
        Command::Sign(args) => attest::run_sign(args, &env, &out),
        Command::VerifyAttestation(args) => verify::run_verify_attestation(args, &out),
        Command::VerifyProvenance(args) => verify::run_verify_provenance(args, &env, &out),
        Command::Smoke(args) => smoke::run(args, &env, &out),
        Command::GithubRelease(args) => github_release::run(args, &env, &out),
        Command::Ledger(command) => ledger::run(command, &out),
        Command::Plan(args) => receipt::run_plan(args, &env, &out),
        Command::Approve(args) => receipt::run_approve(args, &out),
        Command::Keygen(args) => receipt::run_keygen(args, &out),
        Command::Completions(args) => super::completions::run_publish(args),
    };
    match result {
        Ok(status) => status,
        Err(failure) => {
            out.error_line(&failure.to_string());
            failure.status
        }
    }
}

/// `chora-publish check`.
fn run_check(args: &CheckArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let options = args.vet.options()?;
    let checked = plan::vet_paths_with(&args.dists, &options).and_then(|(dists, mut report)| {
        let existing = index_for_check(args, env, &dists)?;
        let index = vet::index_findings(
            &dists,
            existing.as_ref().map_err(Clone::clone),
            args.allow_yanked,
        );
        report.add(index);
        if report.summary.ok {
            Ok((dists, report))
        } else {
            Err(plan::PlanError::Invalid {
                report: Box::new(report),
            })
        }
    });
    let (dists, report) = match checked {
        Ok(found) => found,
        Err(plan::PlanError::Invalid { report }) if args.format == CheckFormat::Json => {
            print_json(&report)?;
            return Ok(if report.local_io {
                ExitStatus::LocalIo
            } else {
                ExitStatus::Usage
            });
        }
        Err(plan::PlanError::Invalid { report }) => {
            show_findings(&report, out);
            return Err(plan::PlanError::Invalid { report }.into());
        }
        Err(e) => return Err(e.into()),
    };
    if args.format == CheckFormat::Json {
        print_json(&report)?;
        return Ok(ExitStatus::Success);
    }
    for d in &dists {
        out.line(&format!(
            "ok  {}  ({}, {} {}, sha256 {})",
            plan::file_name(d),
            human_size(d.size),
            d.metadata.name,
            d.metadata.version,
            d.sha256
        ));
    }
    show_findings(&report, out);
    out.line(&format!("{} distribution(s) ready to upload.", dists.len()));
    Ok(ExitStatus::Success)
}

/// What the index has for the batch's projects, for the index-backed rules: `Err(why)` when
/// `check` was given no index (they are skipped) or it could not be read.
fn index_for_check(
    args: &CheckArgs,
    env: &Env,
    dists: &[crate::publish::dist::Dist],
) -> Result<Result<Existing, String>, plan::PlanError> {
    let url = match (&args.repository_url, args.testpypi) {
        (_, true) => TESTPYPI_UPLOAD_URL.to_string(),
        (Some(url), false) => url.clone(),
        (None, false) => {
            return Ok(Err(format!(
                "no index (pass --repository-url or --testpypi to run {})",
                vet::INDEX_RULES.join(" and ")
            )));
        }
    };
    let url = plan::check_url(&url)?;
    let http = match Http::new(Timeouts::from_lookup(|k| env.get(k).map(str::to_string))) {
        Ok(http) => http,
        Err(e) => return Ok(Err(format!("no HTTP client: {e}"))),
    };
    let policy = Policy::new(5, retry_base(env)).with_budget(http.timeouts.total.value);
    Ok(index::existing(&http, &policy, &url, &projects_of(dists))
        .map_err(|e| format!("the index could not be read: {e}")))
}

/// Normalised project names of the batch, each once, in order.
fn projects_of(dists: &[crate::publish::dist::Dist]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in dists {
        if !out.contains(&d.filename.normalized_name) {
            out.push(d.filename.normalized_name.clone());
        }
    }
    out
}

/// The report as JSON on stdout.
fn print_json(report: &crate::publish::vet::Report) -> Result<(), Failure> {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(report)
        .map_err(|e| Failure::usage(format!("cannot write the report as JSON: {e}")))?;
    let _ = writeln!(std::io::stdout(), "{text}");
    Ok(())
}

/// The warnings and waived secrets of a check (its errors are the failure's text).
pub(super) fn show_findings(report: &crate::publish::vet::Report, out: &Output) {
    for f in report.warnings() {
        out.warning(f.rule, &crate::publish::vet::report::line(f));
    }
    for w in &report.waived {
        out.line(&format!(
            "waived  {} (--allow-secret {}: {})",
            crate::publish::vet::report::line(&w.finding),
            w.waiver,
            w.reason.as_deref().unwrap_or("no reason given")
        ));
    }
    for s in &report.skipped {
        out.line(&format!("skipped: {}: {}", s.rules.join(", "), s.reason));
    }
}

/// Backoff base of the retries: 1 s (env `CHORA_PUBLISH_RETRY_BASE_MS`, a test knob).
pub(super) fn retry_base(env: &Env) -> std::time::Duration {
    std::time::Duration::from_millis(
        env.get("CHORA_PUBLISH_RETRY_BASE_MS")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1000),
    )
}

/// `chora-publish upload`: plan -> credentials -> existing files -> upload batch -> report,
/// then burn the minted token.
fn run_upload(args: &UploadArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let repository_url = if args.testpypi {
        TESTPYPI_UPLOAD_URL
    } else {
        args.repository_url.as_str()
    };
    refuse_misread_attestations_value(args)?;
    // 1. Plan: every file vetted (and the report's path checked) before anything is sent.
    let plan = plan::plan(&PlanRequest {
        dists: &args.dists,
        repository_url,
        sibling_attestations: args.attestations != AttestArg::Never,
        vet: &args.vet.options()?,
    })
    .map_err(|e| {
        if let plan::PlanError::Invalid { report } = &e {
            show_findings(report, out);
        }
        Failure::from(e)
    })?;
    show_findings(&plan.report, out);
    if let Some(path) = &args.report {
        crate::publish::report::check_destination(path)?;
    }
    let mut ledger = args.ledger.open(env)?;
    let files: Vec<crate::publish::ledger::FileDigest> = plan
        .dists
        .iter()
        .map(|d| crate::publish::ledger::FileDigest {
            name: plan::file_name(d).to_string(),
            sha256: d.sha256.clone(),
        })
        .collect();
    receipt::gate(
        &args.receipt,
        env,
        ledger.as_mut(),
        &receipt::Operation {
            kind: "upload",
            target: plan.url.as_str(),
            files: &files,
            dry_run: args.dry_run,
        },
    )?;
    let http = Http::new(Timeouts::from_lookup(|k| env.get(k).map(str::to_string)))?;
    let policy = Policy::new(args.retries, retry_base(env)).with_budget(http.timeouts.total.value);
    // --attestations=always needs Trusted Publishing: refuse before any network call.
    if args.attestations == AttestArg::Always && AuthMode::from(args.auth) == AuthMode::Token {
        attest::decide_attestations(
            args,
            &plan,
            env,
            &crate::attest::decide::Credential::Token,
            false,
        )?;
    }

    // 2. Credentials.
    let auth = auth::obtain(
        &http,
        &auth::Request {
            mode: args.auth.into(),
            env,
            token_file: args.token_file.as_deref(),
            upload_url: &plan.url,
            projects: &plan.projects,
            policy,
        },
        out,
    )
    .map_err(|e| {
        if let Some(title) = crate::exit::publish::auth_annotation(&e) {
            out.github_error(title, &e.to_string());
        }
        Failure::from(e)
    });
    let auth = match auth {
        Ok(auth) => auth,
        Err(failure) => {
            record_upload_failure(
                ledger.as_mut(),
                &plan,
                &files,
                args,
                "credentials",
                &failure,
                out,
            );
            return Err(failure);
        }
    };
    // The credential in hand is a secret the ledger must never hold.
    let known: Vec<String> = match &auth {
        Auth::Token(t) => vec![t.expose().to_string()],
        Auth::TrustedPublishing(m) => m
            .minted_tokens()
            .iter()
            .map(|t| t.expose().to_string())
            .collect(),
    };
    let mut ledger = ledger.map(|l| l.with_secrets(known));
    let result = upload_with(
        &http,
        &plan,
        env,
        &auth,
        &policy,
        args,
        out,
        ledger.as_mut(),
        &files,
    );
    // After the batch (whatever its result): burn what Trusted Publishing minted.
    for warning in auth::burn(&http, &auth, &plan.url, &policy) {
        out.warning("Trusted Publishing", &warning);
    }
    if let Some(l) = &ledger {
        out.line(&ledger::summary_line(l));
    }
    result
}

/// One `upload` `failed` entry for a failure before the batch (credentials refused, a closed
/// release, signing failed). A dry run writes nothing. A ledger that cannot take it is
/// warned about: the failure itself is what the run reports.
fn record_upload_failure(
    ledger: Option<&mut crate::publish::ledger::Ledger>,
    plan: &plan::Plan,
    files: &[crate::publish::ledger::FileDigest],
    args: &UploadArgs,
    stage: &str,
    failure: &Failure,
    out: &Output,
) {
    let Some(ledger) = ledger.filter(|_| !args.dry_run) else {
        return;
    };
    if let Err(e) = crate::publish::ledger::journal::record_failure(
        ledger,
        "upload",
        Some(plan.url.to_string()),
        files,
        &failure.message,
        stage,
    ) {
        out.warning("Ledger", &format!("the failure could not be recorded: {e}"));
    }
}

/// Stages 3 to 5, once the credential exists (so that it is burned whatever happens here).
#[allow(clippy::too_many_arguments)]
fn upload_with(
    http: &Http,
    plan: &plan::Plan,
    env: &Env,
    auth: &Auth,
    policy: &Policy,
    args: &UploadArgs,
    out: &Output,
    mut ledger: Option<&mut crate::publish::ledger::Ledger>,
    files: &[crate::publish::ledger::FileDigest],
) -> Result<ExitStatus, Failure> {
    let fail =
        |ledger: Option<&mut crate::publish::ledger::Ledger>, stage: &str, failure: Failure| {
            record_upload_failure(ledger, plan, files, args, stage, &failure, out);
            failure
        };
    let plan = &match attest::attest_stage(
        http,
        plan,
        env,
        auth,
        policy,
        args,
        out,
        ledger.as_deref_mut(),
    ) {
        Ok(plan) => plan,
        Err(failure) => return Err(fail(ledger, "attestations", failure)),
    };
    // 3. What the index has: --skip-existing needs it; the 14-day rule uses it when it can.
    let (existing, index_read) = match index::existing(http, policy, &plan.url, &plan.projects) {
        Ok(existing) => (existing, true),
        Err(e) if args.skip_existing => return Err(fail(ledger, "index", Failure::from(e))),
        Err(e) => {
            out.warning(
                "Index lookup",
                &format!("{e}; uploading without checking the 14-day rule first"),
            );
            (Existing::default(), false)
        }
    };
    let index = vet::index_findings(
        &plan.dists,
        if index_read {
            Ok(&existing)
        } else {
            Err("the index could not be read".to_string())
        },
        args.allow_yanked,
    );
    for f in index
        .findings
        .iter()
        .filter(|f| f.severity == vet::Severity::Warning)
    {
        out.warning(f.rule, &vet::report::line(f));
    }
    if index
        .findings
        .iter()
        .any(|f| f.severity == vet::Severity::Error)
    {
        let mut report = plan.report.clone();
        report.add(index);
        let failure = Failure::from(plan::PlanError::Invalid {
            report: Box::new(report),
        });
        return Err(fail(ledger, "vet", failure));
    }
    let closed =
        index::closed_releases(&plan.dists, &existing, crate::publish::exchange::now_unix());
    if !closed.is_empty() {
        return Err(fail(
            ledger,
            "closed-release",
            Failure::from(index::ReleasesClosed(closed)),
        ));
    }

    // 4. Upload (or stop just before it), each file recorded in the ledger around it.
    out.start_progress(plan.files.len());
    let journal = crate::publish::ledger::Journal::new(
        ledger.filter(|_| !args.dry_run),
        "upload",
        Some(plan.url.to_string()),
    );
    let outcomes = batch::upload_all_recorded(
        http,
        plan,
        auth,
        &existing,
        &BatchOptions {
            skip_existing: args.skip_existing,
            dry_run: args.dry_run,
            jobs: usize::from(args.jobs),
            policy: *policy,
            verbose: args.verbose,
        },
        out,
        &journal,
    );
    out.finish_progress();
    let stopped = journal.finish().err();

    // 5. Report.
    let report = Report::of_batch(plan, auth.kind(), args.dry_run, outcomes);
    if let Some(path) = &args.report {
        report.write(path)?;
    }
    out.line(&format!(
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
        plan.url
    ));
    let failed: Vec<String> = report
        .files
        .iter()
        .filter(|f| f.outcome.status == Status::Failed)
        .map(|f| format!("{}: {}", f.file, f.outcome.message))
        .collect();
    if let Some(stop) = stopped {
        let failure = crate::exit::ledger::batch_stopped(&stop, "upload");
        out.github_error("Ledger write failed", &failure.to_string());
        return Err(failure);
    }
    if !failed.is_empty() {
        out.github_error("Upload failed", &failed.join("\n"));
        return Err(crate::exit::publish::upload_failures(&failed));
    }
    if args.verify_provenance && !args.dry_run {
        return attest::verify_after_upload(http, plan, auth, policy, args, out);
    }
    Ok(ExitStatus::Success)
}

/// `--attestations never` (without `=`) reads as a distribution named `never`: say so.
fn refuse_misread_attestations_value(args: &UploadArgs) -> Result<(), Failure> {
    match args
        .dists
        .iter()
        .find(|d| matches!(d.as_str(), "auto" | "always" | "never"))
    {
        Some(word) if !std::path::Path::new(word).exists() => Err(Failure::usage(format!(
            "`{word}` is not a distribution: write --attestations={word} (with `=`)"
        ))),
        _ => Ok(()),
    }
}
