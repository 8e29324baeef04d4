//! The `chora-publish` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use chora::publish::cli::{self, CheckArgs, UploadArgs};

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

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate distributions without any network access.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Validate, authenticate and upload distributions.
    #[command(after_help = UPLOAD_HELP)]
    Upload(UploadArgs),
}

const EXIT_HELP: &str = "\
Exit status:
  0  success
  2  bad input: invalid distributions (nothing is uploaded), missing credentials, bad options
  3  the index or the identity provider refused or failed (after retries)";

const CHECK_HELP: &str = "\
Checks every file before reporting: filenames, METADATA/PKG-INFO (Metadata-Version up to 2.5),
name and version against the filename, required fields, Description-Content-Type, one sdist per
release, wheel RECORD hashes, archive integrity.

Examples:
  chora-publish check                 # dist/*
  chora-publish check dist/demo_pkg-0.1.0-py3-none-any.whl

Exit status: 0 all valid; 2 problems found (each listed).";

const UPLOAD_HELP: &str = "\
Credentials: --auth auto (default) uses Trusted Publishing when the CI offers an identity
(GitHub Actions with `permissions: id-token: write`; GitLab CI with `id_tokens: PYPI_ID_TOKEN`),
else an API token from env CHORA_PUBLISH_TOKEN or --token-file (never a command-line value).
Refusals are explained: the server's words, the claims PyPI matched, and the exact fix.

Examples:
  chora-publish upload                                   # dist/* to PyPI
  chora-publish upload --testpypi dist/*
  CHORA_PUBLISH_TOKEN=pypi-... chora-publish upload --auth token dist/*
  chora-publish upload --dry-run --report upload.json
  chora-publish upload --skip-existing --repository-url http://127.0.0.1:8080/ dist/*
  uvx pypi-attestations@0.0.30 sign dist/* && chora-publish upload --attestations dist/*

Exit status: 0 all uploaded or skipped; 2 bad input or credentials (nothing sent);
3 the index refused a file or failed after retries.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => cli::run_check(args),
        Command::Upload(args) => cli::run_upload(args),
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.status.code())
        }
    }
}
