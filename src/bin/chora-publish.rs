//! The `chora-publish` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

use clap::Parser;

use chora::cli::completions::PublishCli;
use chora::cli::publish;

fn main() -> ExitCode {
    publish::quiet_panics();
    let cli = PublishCli::parse();
    ExitCode::from(publish::dispatch(&cli.command).code())
}
