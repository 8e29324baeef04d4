//! The `chora` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use chora::exit::EXIT_CODES_HELP;
use chora::generate::new::{self, NewArgs};

#[derive(Debug, Parser)]
#[command(
    name = "chora",
    version,
    about = "Secure Python releases by default: project templates with PyPI Trusted Publishing",
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a Python project from a template.
    New(NewArgs),
}

fn main() -> ExitCode {
    // The questions listed in `chora new --help` come from the embedded template itself.
    let command = Cli::command().mut_subcommand("new", |c| c.after_help(new::help_text()));
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let result = match &cli.command {
        Command::New(args) => new::run(args),
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.status.code())
        }
    }
}
