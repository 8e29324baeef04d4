//! Approval receipts for a separate approver: `chora-publish plan`, `approve`, `keygen`, and
//! the gate `upload` and `github-release` pass (`--receipt R --receipt-key PUB`) before any
//! byte is sent. The work is [`crate::publish::receipt`]; this layer parses and prints.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::ledger::{self, FileDigest, Ledger};
use crate::publish::plan::{PYPI_UPLOAD_URL, TESTPYPI_UPLOAD_URL};
use crate::publish::receipt::{self, GateRequest, Issue, PlanRequest, Receipt, ReleasePlan, keys};

use super::output::Output;

/// `--receipt` and `--receipt-key` of the commands a receipt can gate.
#[derive(Debug, Clone, Args)]
pub struct ReceiptArgs {
    /// Refuse to act (exit 2, nothing sent) unless this approval receipt (from
    /// `chora-publish approve`) allows it: this run, operation, target and files, once. Needs a
    /// ledger (--ledger, or the CI default) to record its use.
    #[arg(long, value_name = "FILE", requires = "receipt_key")]
    pub receipt: Option<PathBuf>,
    /// The approver's public key (from `chora-publish keygen`) the receipt must be signed by.
    #[arg(long, value_name = "FILE", requires = "receipt")]
    pub receipt_key: Option<PathBuf>,
}

/// An operation a receipt may allow.
#[derive(Debug, Clone)]
pub struct Operation<'a> {
    /// `upload` or `github-release`.
    pub kind: &'a str,
    /// Where it goes (an upload URL; `owner/repo@tag`).
    pub target: &'a str,
    /// The files it sends, by digest.
    pub files: &'a [FileDigest],
    /// A dry run: the receipt is checked, but neither consumed nor recorded.
    pub dry_run: bool,
}

/// Check the receipt (if one is given) for `operation`; with none given, allow it. A refusal
/// is recorded in `ledger` as `rejected`; an accepted receipt is recorded as consumed there
/// before this returns.
pub fn gate(
    args: &ReceiptArgs,
    env: &Env,
    ledger: Option<&mut Ledger>,
    operation: &Operation<'_>,
) -> Result<(), Failure> {
    let (Some(receipt), Some(key)) = (&args.receipt, &args.receipt_key) else {
        return Ok(());
    };
    let request = GateRequest {
        receipt,
        key,
        kind: operation.kind,
        target: operation.target,
        files: operation.files,
        now: crate::publish::exchange::now_unix(),
    };
    let (accepted, recorded) = if operation.dry_run {
        let ledger = ledger.map(|l| &*l);
        (
            receipt::gate::preview(&request, ledger),
            "dry run: not consumed",
        )
    } else {
        (
            receipt::enforce(&request, ledger),
            "its use is in the ledger",
        )
    };
    let accepted = accepted.map_err(Failure::from)?;
    Output::new(env).line(&format!(
        "Receipt {} accepted for {} (run {}, key id {}, expires {}); {recorded}.",
        accepted.receipt.receipt_id,
        operation.kind,
        accepted.receipt.run_id,
        accepted.receipt.key_id,
        accepted.receipt.expires_at
    ));
    Ok(())
}

/// `--format` of plan, approve and keygen (what is printed; the files are JSON either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Help after `plan --help`.
pub const PLAN_HELP: &str = "\
Writes what this run is about to do, for a separate approver: the run id, each operation with
its target, and the files with their sha256 (schema chora-release-plan/v1, docs/chora-publish.md).
Distributions are vetted as `check` does; nothing else is read and nothing is sent.

Examples:
  chora-publish plan --out plan.json                          # upload dist/* to PyPI
  chora-publish plan --testpypi --run-id rel-42 dist/*
  chora-publish plan --operations upload,github-release --github-repository octo/demo --tag v1.2.0

Exit status: 0 written; 2 invalid distributions or options; 4 a file cannot be read or written.";

/// Help after `approve --help`.
pub const APPROVE_HELP: &str = "\
Signs an approval receipt (schema chora-approval-receipt/v1) for the plan: bound to its run id,
its sha256 and each operation kind it lists, with a random receipt id, and an expiry (--ttl, at
most 24h). Read the plan first: the receipt allows exactly its files and targets, once each.
--advisory marks the receipt for review only: the gate always refuses it.

Examples:
  chora-publish approve plan.json --key approver.key --ttl 1h --out receipt.json
  chora-publish approve plan.json --key approver.key --ttl 30m --advisory
  chora-publish approve plan.json --key approver.key --ttl 1h --operations upload

Exit status: 0 signed; 2 not a plan, a bad key or --ttl, a key readable by others; 4 a file cannot
be read or written.";

/// Help after `keygen --help`.
pub const KEYGEN_HELP: &str = "\
Writes an Ed25519 key pair: DIR/NAME.key, the private key (PKCS#8 PEM, mode 0600; keep it with the
approver, never in the repository or CI), and DIR/NAME.pub, the public key (SPKI PEM) the
publishing job passes as --receipt-key. Never overwrites a file; never prints the private key.

Examples:
  chora-publish keygen                                   # ./approver.key, ./approver.pub
  chora-publish keygen --out-dir ~/.config/chora --name release-approver

Exit status: 0 written; 2 a file of that name exists, a bad --name; 4 the folder is not writable.";

/// Arguments of `chora-publish plan`.
#[derive(Debug, Clone, Args)]
#[command(after_help = PLAN_HELP)]
pub struct PlanArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
    /// The operations to approve, comma-separated: upload, github-release.
    #[arg(
        long,
        value_name = "KINDS",
        value_delimiter = ',',
        default_value = "upload"
    )]
    pub operations: Vec<String>,
    /// Upload endpoint of the index (the `upload` target).
    #[arg(long, value_name = "URL", default_value = PYPI_UPLOAD_URL, conflicts_with = "testpypi")]
    pub repository_url: String,
    /// Shorthand for --repository-url https://test.pypi.org/legacy/.
    #[arg(long)]
    pub testpypi: bool,
    /// OWNER/REPO of the GitHub release (the `github-release` target).
    #[arg(long, value_name = "OWNER/REPO", requires = "tag")]
    pub github_repository: Option<String>,
    /// The tag of the GitHub release.
    #[arg(long, value_name = "TAG", requires = "github_repository")]
    pub tag: Option<String>,
    /// The run the plan is for; default GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT or
    /// CI_PIPELINE_ID/CI_JOB_ID, else `local`. Pass the same --run-id to the gated commands.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Where the plan is written.
    #[arg(long, value_name = "FILE", default_value = "plan.json")]
    pub out: PathBuf,
    /// What is printed: a summary in words, or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Arguments of `chora-publish approve`.
#[derive(Debug, Clone, Args)]
#[command(after_help = APPROVE_HELP)]
pub struct ApproveArgs {
    /// The plan to approve (from `chora-publish plan`).
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// The approver's private key (from `chora-publish keygen`; mode 0600).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// How long the receipt is good for: 90s, 30m, 1h, 1h30m (at most 24h).
    #[arg(long, value_name = "DURATION")]
    pub ttl: String,
    /// For review only: the gate refuses advisory receipts.
    #[arg(long)]
    pub advisory: bool,
    /// Allow only these of the plan's operations (comma-separated); default all of them.
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    pub operations: Option<Vec<String>>,
    /// Where the receipt is written.
    #[arg(long, value_name = "FILE", default_value = "receipt.json")]
    pub out: PathBuf,
    /// What is printed: a summary in words, or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Arguments of `chora-publish keygen`.
#[derive(Debug, Clone, Args)]
#[command(after_help = KEYGEN_HELP)]
pub struct KeygenArgs {
    /// The folder the key pair is written to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// The files' name: NAME.key and NAME.pub.
    #[arg(long, default_value = "approver")]
    pub name: String,
    /// What is printed: a summary in words, or one JSON object.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// `chora-publish plan`.
pub fn run_plan(args: &PlanArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let upload_url = if args.testpypi {
        TESTPYPI_UPLOAD_URL
    } else {
        args.repository_url.as_str()
    };
    let plan = ReleasePlan::make(&PlanRequest {
        dists: &args.dists,
        operations: &args.operations,
        upload_url,
        github: args.github_repository.as_deref().zip(args.tag.as_deref()),
        run: ledger::run_id(env, args.run_id.as_deref()),
        now: crate::publish::exchange::now_unix(),
    })?;
    let bytes = plan.to_bytes();
    receipt::write_replacing(&args.out, &bytes)?;
    let digest = sha256_hex(&bytes);
    match args.format {
        Format::Json => out.line(
            &json!({
                "plan": args.out.display().to_string(),
                "sha256": digest,
                "run_id": plan.run_id,
                "operations": plan.operations,
            })
            .to_string(),
        ),
        Format::Text => {
            out.line(&format!(
                "Plan for run {} written to {} (sha256 {digest}):",
                plan.run_id,
                args.out.display()
            ));
            print_operations(&plan, out);
        }
    }
    Ok(ExitStatus::Success)
}

fn print_operations(plan: &ReleasePlan, out: &Output) {
    for op in &plan.operations {
        out.line(&format!("  {} -> {}", op.kind, op.target));
        for f in &op.files {
            out.line(&format!("      {}  sha256 {}", f.name, f.sha256));
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    crate::text::hex(&sha2::Sha256::digest(bytes))
}

/// `chora-publish approve`.
pub fn run_approve(args: &ApproveArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let ttl_secs = receipt::parse_ttl(&args.ttl)?;
    let plan_bytes = read_plan(&args.plan)?;
    let plan = ReleasePlan::parse(&plan_bytes, &args.plan.display().to_string())?;
    let key = keys::read_signing_key(&args.key)?;
    let receipt = Receipt::issue(&Issue {
        plan: &plan_bytes,
        key: &key,
        ttl_secs,
        advisory: args.advisory,
        operations: args.operations.as_deref(),
        now: crate::publish::exchange::now_unix(),
    })?;
    receipt::write_replacing(&args.out, &receipt.to_bytes())?;
    match args.format {
        Format::Json => out.line(
            &json!({
                "receipt": args.out.display().to_string(),
                "receipt_id": receipt.receipt_id,
                "run_id": receipt.run_id,
                "operations": receipt.operations,
                "plan_sha256": receipt.plan_sha256,
                "issued_at": receipt.issued_at,
                "expires_at": receipt.expires_at,
                "advisory": receipt.advisory,
                "key_id": receipt.key_id,
            })
            .to_string(),
        ),
        Format::Text => {
            out.line(&format!(
                "{} {} written to {}: run {}, expires {}, plan sha256 {}, key id {}",
                if receipt.advisory {
                    "Advisory receipt (for review only; never accepted)"
                } else {
                    "Receipt"
                },
                receipt.receipt_id,
                args.out.display(),
                receipt.run_id,
                receipt.expires_at,
                receipt.plan_sha256,
                receipt.key_id
            ));
            out.line("It allows, once each:");
            for op in plan
                .operations
                .iter()
                .filter(|o| receipt.operations.contains(&o.kind))
            {
                out.line(&format!("  {} -> {}", op.kind, op.target));
                for f in &op.files {
                    out.line(&format!("      {}  sha256 {}", f.name, f.sha256));
                }
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn read_plan(path: &Path) -> Result<Vec<u8>, Failure> {
    crate::fs::read_regular(path, receipt::READ_LIMIT, "a plan")
        .map_err(|source| receipt::ReceiptError::Read {
            what: "plan",
            source,
        })
        .map_err(Failure::from)
}

/// `chora-publish keygen`.
pub fn run_keygen(args: &KeygenArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let key = keys::generate()?;
    let files = keys::write_pair(&args.out_dir, &args.name, &key)?;
    match args.format {
        Format::Json => out.line(
            &json!({
                "private_key": files.private_key.display().to_string(),
                "public_key": files.public_key.display().to_string(),
                "key_id": files.key_id,
            })
            .to_string(),
        ),
        Format::Text => {
            out.line(&format!(
                "Private key: {} (mode 0600; keep it with the approver, never in CI)",
                files.private_key.display()
            ));
            out.line(&format!(
                "Public key:  {} (give it to the publishing job: --receipt-key)",
                files.public_key.display()
            ));
            out.line(&format!("Key id:      {}", files.key_id));
        }
    }
    Ok(ExitStatus::Success)
}
