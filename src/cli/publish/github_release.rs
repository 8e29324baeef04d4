//! `chora-publish github-release --tag vX.Y.Z`: create (or complete) the GitHub release of a
//! tag: a draft first, its assets uploaded and checked, published last.

use clap::Args;

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;

use super::ledger::LedgerArgs;
use super::output::Output;
use super::receipt::ReceiptArgs;

/// Help after `github-release --help`.
pub const GITHUB_RELEASE_HELP: &str = "Exit status: 0 the release is published.";

/// Arguments of `chora-publish github-release`.
#[derive(Debug, Clone, Args)]
pub struct GithubReleaseArgs {
    /// The tag of the release, `vX.Y.Z`.
    #[arg(long, value_name = "TAG")]
    pub tag: String,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub receipt: ReceiptArgs,
}

/// `chora-publish github-release`.
pub fn run(args: &GithubReleaseArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let _ = (args, env, out);
    Err(Failure::usage(
        "chora-publish github-release is not implemented yet",
    ))
}
