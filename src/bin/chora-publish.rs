//! The `chora-publish` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

use clap::Parser;

use chora::cli::publish::{self, Command, EXIT_HELP};

#[derive(Debug, Parser)]
#[command(
    name = "chora-publish",
    version,
    about = "Validate and upload Python distributions to PyPI, with Trusted Publishing or a token",
    after_help = EXIT_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    publish::quiet_panics();
    let cli = Cli::parse();
    ExitCode::from(publish::dispatch(&cli.command).code())
}
