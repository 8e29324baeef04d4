//! `chora-publish smoke NAME==VERSION`: wait until the index lists the release, check its
//! digests, install it into a fresh environment and import it.

use clap::Args;

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;

use super::ledger::LedgerArgs;
use super::output::Output;

/// Help after `smoke --help`.
pub const SMOKE_HELP: &str = "Exit status: 0 installed and imported.";

/// Arguments of `chora-publish smoke`.
#[derive(Debug, Clone, Args)]
pub struct SmokeArgs {
    /// The release to test, `NAME==VERSION`.
    #[arg(value_name = "NAME==VERSION")]
    pub release: String,
    #[command(flatten)]
    pub ledger: LedgerArgs,
}

/// `chora-publish smoke`.
pub fn run(args: &SmokeArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let _ = (args, env, out);
    Err(Failure::usage("chora-publish smoke is not implemented yet"))
}
