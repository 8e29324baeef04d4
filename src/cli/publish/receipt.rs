//! Approval receipts for a separate approver: `chora-publish plan`, `approve`, `keygen`, and
//! the gate `upload` and `github-release` pass (`--receipt R --receipt-key PUB`) before any
//! byte is sent.

use std::path::PathBuf;

use clap::Args;

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::ledger::{FileDigest, Ledger};

use super::output::Output;

/// `--receipt` and `--receipt-key` of the commands a receipt can gate.
#[derive(Debug, Clone, Args)]
pub struct ReceiptArgs {
    /// Refuse to act unless this approval receipt (from `chora-publish approve`) allows it.
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
    let _ = (
        env,
        ledger,
        operation.kind,
        operation.target,
        operation.files,
    );
    match &args.receipt {
        None => Ok(()),
        Some(_) => Err(Failure::usage("receipts are not implemented yet")),
    }
}

/// Arguments of `chora-publish plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Distributions (files, folders or `dir/*` patterns); default `dist/*`.
    pub dists: Vec<String>,
}

/// Arguments of `chora-publish approve`.
#[derive(Debug, Clone, Args)]
pub struct ApproveArgs {
    /// The plan to approve (from `chora-publish plan`).
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
}

/// Arguments of `chora-publish keygen`.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {}

/// `chora-publish plan`.
pub fn run_plan(args: &PlanArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let _ = (args, env, out);
    Err(Failure::usage("chora-publish plan is not implemented yet"))
}

/// `chora-publish approve`.
pub fn run_approve(args: &ApproveArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let _ = (args, out);
    Err(Failure::usage(
        "chora-publish approve is not implemented yet",
    ))
}

/// `chora-publish keygen`.
pub fn run_keygen(args: &KeygenArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let _ = (args, out);
    Err(Failure::usage(
        "chora-publish keygen is not implemented yet",
    ))
}
