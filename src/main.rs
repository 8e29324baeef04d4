//! The `chora` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    #[command(after_help = NEW_EXAMPLES)]
    New(NewArgs),
}

const NEW_EXAMPLES: &str = "\
Examples:
  chora new my-package                      # prompts on a terminal for what it needs
  chora new my-package --defaults --data author_email=a@b.c --data github_owner=octo-org
  chora new my-package --data-file answers.yml --data pypi_auth_method=token
  chora new my-package --dry-run --defaults --data github_owner=octo-org

Questions of the default template (python-package), in order; see docs/templates.md:
  project_name, package_name, description, author_name, author_email, github_owner,
  github_repository, license (MIT | Apache-2.0 | BSD-3-Clause), copyright_year,
  python_min (3.10), python_versions, pypi_auth_method (oidc | token), publisher (chora | pypa),
  publish_testpypi (true), attestations (true; oidc only), pypi_environment (pypi),
  testpypi_environment (testpypi), token_secret_name (PYPI_API_TOKEN; token only),
  testpypi_token_secret_name, coverage_threshold (65)

Exit status:
  0  success
  2  bad or missing answers, non-empty destination, unsafe paths";

fn main() -> ExitCode {
    let cli = Cli::parse();
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
