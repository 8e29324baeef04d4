//! `--ledger` on every command, and `chora-publish ledger verify|show`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::ledger::{self, Ledger};

use super::output::Output;

/// Where the commands that act record what they do.
#[derive(Debug, Clone, Args)]
pub struct LedgerArgs {
    /// Append what this command does to this hash-chained ledger (JSON Lines); default
    /// `chora-ledger.jsonl` in the working directory when `CI` is set.
    #[arg(long, value_name = "FILE", conflicts_with = "no_ledger")]
    pub ledger: Option<PathBuf>,
    /// Do not write a ledger, even in CI.
    #[arg(long)]
    pub no_ledger: bool,
    /// The run id entries (and receipts) are bound to; default `GITHUB_RUN_ID`/
    /// `GITHUB_RUN_ATTEMPT` (GitHub Actions) or `CI_PIPELINE_ID`/`CI_JOB_ID` (GitLab CI).
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
}

impl LedgerArgs {
    /// The ledger to write, opened (and verified), or none.
    pub fn open(&self, env: &Env) -> Result<Option<Ledger>, Failure> {
        let Some(path) = ledger::default_path(env, self.ledger.as_deref(), self.no_ledger) else {
            return Ok(None);
        };
        let run = ledger::run_id(env, self.run_id.as_deref());
        Ledger::open(&path, run).map(Some).map_err(Failure::from)
    }
}

/// `chora-publish ledger` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum LedgerCommand {
    /// Check that a ledger is intact: no entry edited, deleted, inserted or reordered.
    Verify(VerifyArgs),
}

/// Arguments of `chora-publish ledger verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The ledger file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `chora-publish ledger …`.
pub fn run(command: &LedgerCommand, out: &Output) -> Result<ExitStatus, Failure> {
    match command {
        LedgerCommand::Verify(args) => {
            let v = ledger::verify_file(&args.file).map_err(Failure::from)?;
            out.line(&format!(
                "ok  {}: {} entries, head {}",
                args.file.display(),
                v.entries.len(),
                v.head
            ));
            Ok(ExitStatus::Success)
        }
    }
}
