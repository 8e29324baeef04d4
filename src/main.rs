//! The `chora` binary: parse the command line and dispatch; nothing else.

use std::process::ExitCode;

/// mimalloc for the whole `chora` process: `chora audit` over many repositories spent about a
/// sixth of its time allocating (docs/audit.md, Speed). chora-publish keeps the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use chora::cli::chora::audit::{self, AUDIT_HELP, AuditArgs};
use chora::cli::chora::check::{self, CheckArgs};
use chora::cli::chora::doctor::{self, DoctorArgs};
use chora::cli::chora::migrate::{self, MigrateArgs};
use chora::cli::chora::new::{self, NewArgs};
use chora::cli::chora::update::{self, UpdateArgs};
use chora::cli::completions::{self, CompletionsArgs, ManpagesArgs};
use chora::cli::output::Output;
use chora::exit::{EXIT_CODES_HELP, ExitStatus, Failure};

const UPDATE_HELP: &str = "\
For each managed file: if it is unchanged since chora wrote it, it gets the new render; if you
edited it, your edits and the template's changes are merged 3-way (base = the content chora
recorded in .chora-answers.yml, read from git). Overlapping changes become conflict markers
(<<<<<<< ||||||| ======= >>>>>>>), listed at the end, exit 1; there are no .rej files. Files the
template stopped generating are deleted if unmodified, otherwise kept and reported. Seed files
(README.md, src/, ...) are yours: created when missing and newly required by changed answers;
rewritten when changed answers render them differently and they are still exactly what the
old answers render; if you edited one, it is kept and the change to apply by hand is shown.

Examples:
  chora update --dry-run                          # full diff, nothing written
  chora update --data pypi_auth_method=oidc       # token -> Trusted Publishing
  chora update path/to/project --allow-dirty

Exit status:
  0  updated (or already up to date)
  1  conflicts were written and need resolving
  2  bad answers, dirty git tree (without --allow-dirty), missing answers file
  4  a file could not be written (permission denied, read-only file system, disk full)";

const CHECK_HELP: &str = "\
Re-renders the project's template from .chora-answers.yml in memory and compares every managed
file (workflows, dependabot.yml, PYPI_SETUP.md, ...) with the disk. Seed files (src/, tests/,
README.md, ...) are never reported. Each drifted file is classified: edited locally, template
changed (an update is available), both, missing, new in the template, or no longer generated.

Examples:
  chora check                      # in a generated project; exit 1 on drift, with diffs
  chora check path/to/project --no-diff
  chora check --format json        # for CI tools

Exit status:
  0  every managed file is in sync
  1  drift found
  2  missing or invalid .chora-answers.yml, unknown template, answers the template rejects
  4  a file could not be read (permission denied)";

const MIGRATE_HELP: &str = "\
Finds PyPI publishing with long-lived credentials in .github/workflows/*.yml and
.github/actions/*/action.yml (twine, pypa/gh-action-pypi-publish, poetry, flit, hatch, pdm, uv,
maturin, setup.py upload, repository scripts, third-party actions) and rewrites it to Trusted
Publishing as a minimal text patch: credentials removed, `id-token: write` and an environment on
the publishing job, uploads of tools without Trusted Publishing replaced by chora-publish (or the
PyPA action). Comments, order and formatting elsewhere stay byte-identical; each result is
re-parsed and compared before anything is written. Credentials for other services (Docker, npm,
crates.io, Anaconda, Codecov, GitHub tokens, other indexes) are never touched. Publishing from a
reusable workflow, pull_request_target or a fork-triggered event is refused with the reason.
Secrets are named, never printed. Writes PYPI_SETUP.md and the migration guide unless they
exist (or --no-docs).

Examples:
  chora migrate --check                 # findings + summary table; exit 1 if a migration is needed
  chora migrate --dry-run               # the plan and the diff; nothing written
  chora migrate                         # show the diff, ask, write (on a terminal)
  chora migrate --yes --publisher pypa  # write without asking; PyPA action for poetry/flit/hatch
  chora migrate --check --format json   # for CI tools (shape in docs/migrate.md)

Exit status:
  0  nothing (left) to migrate
  1  a migration is needed (--check), or something is left: a shape PyPI cannot accept
     (refused; --force rewrites it anyway), a step left for review, a chora-generated project
     (run chora update --data pypi_auth_method=oidc)
  2  a file could not be read (invalid YAML, not a workflow, binary, too large), a dirty git tree
     without --allow-dirty, no terminal to confirm on without --yes
  4  a file could not be read or written (permission denied, disk full); nothing is left half-written";

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
    /// Check that the files chora manages match the templates (exit 1 on drift).
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Apply the current templates and changed answers; your edits are merged, never lost.
    #[command(after_help = UPDATE_HELP)]
    Update(UpdateArgs),
    /// Move token-based PyPI publishing workflows to Trusted Publishing (--check reports).
    #[command(after_help = MIGRATE_HELP)]
    Migrate(MigrateArgs),
    /// Explain Trusted Publishing failures (`doctor publisher`: a failed run's claims vs the
    /// publisher this repository expects).
    Doctor(DoctorArgs),
    /// Measure the release supply chain of a repository (or many): findings, acceptance
    /// matrix, trusted publishers, thresholds.
    #[command(after_help = AUDIT_HELP)]
    Audit(AuditArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(after_help = completions::completions_help("chora"))]
    Completions(CompletionsArgs),
    /// Write the man pages of chora and chora-publish into DIR (for release archives).
    #[command(hide = true, after_help = completions::MANPAGES_HELP)]
    Manpages(ManpagesArgs),
}

fn main() -> ExitCode {
    // The questions listed in `chora new --help` come from the embedded template itself.
    // Built only when help (or the man pages) is asked for: loading the template costs
    // start-up time.
    let wants_help = std::env::args().any(|a| a == "-h" || a == "--help" || a == "help")
        || std::env::args().nth(1).is_some_and(|a| a == "manpages");
    let mut command = Cli::command();
    if wants_help {
        command = command.mut_subcommand("new", |c| c.after_help(new::help_text()));
    }
    let cli = match Cli::from_arg_matches(&command.clone().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let mut out = Output::stdio();
    let result = match &cli.command {
        Command::New(args) => new::run(args, &mut out),
        Command::Check(args) => check::run(args, &mut out),
        Command::Update(args) => update::run(args, &mut out),
        Command::Migrate(args) => migrate::run(args, &mut out),
        Command::Doctor(args) => doctor::run(args, &mut out),
        Command::Audit(args) => audit::run(args, &mut out),
        Command::Completions(args) => Ok(completions::print_script(
            &command,
            "chora",
            args.shell,
            &mut std::io::stdout().lock(),
        )),
        Command::Manpages(args) => completions::write_pages(
            &args.dir,
            vec![command, completions::publish_command()],
            &completions::Footer::current(),
        )
        .map(|written| {
            out.line(format!(
                "wrote {} man pages into {}",
                written.len(),
                args.dir.display()
            ));
            ExitStatus::Success
        })
        .map_err(Failure::from),
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(failure) => {
            out.error_line(&failure);
            ExitCode::from(failure.status.code())
        }
    }
}
