//! `completions` (both binaries) and chora's hidden `manpages`: shell completion scripts
//! (clap_complete) and roff man pages (clap_mangen), generated from the clap command trees, for
//! users and for the release archives. Nothing here reads user data; the only writes are the
//! man pages, into the folder given.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser};
pub use clap_complete::Shell;

use super::publish::{self, EXIT_HELP};
use crate::exit::{ExitStatus, Failure};

/// The `chora-publish` command line: the binary parses it, and `chora manpages` documents it.
#[derive(Debug, Parser)]
#[command(
    name = "chora-publish",
    version,
    about = "Validate and upload Python distributions to PyPI, with Trusted Publishing or a token",
    after_help = EXIT_HELP
)]
pub struct PublishCli {
    #[command(subcommand)]
    pub command: publish::Command,
}

/// The `chora-publish` clap command tree.
pub fn publish_command() -> clap::Command {
    <PublishCli as clap::CommandFactory>::command()
}

/// Help after `completions --help`, for either binary (`bin` is its name).
pub fn completions_help(bin: &str) -> String {
    format!(
        "\
Prints the script to stdout; where to put it (see README.md, \"Shell completions\"):
  bash        {bin} completions bash > ~/.local/share/bash-completion/completions/{bin}
  zsh         {bin} completions zsh > ~/.zfunc/_{bin}    (with fpath+=(~/.zfunc) before compinit)
  fish        {bin} completions fish > ~/.config/fish/completions/{bin}.fish
  powershell  {bin} completions powershell >> $PROFILE
  elvish      {bin} completions elvish >> ~/.config/elvish/rc.elv

Exit status: 0 printed; 2 an unknown shell (the list is shown)."
    )
}

/// Help after `chora manpages --help`.
pub const MANPAGES_HELP: &str = "\
For packagers and chora's release pipeline, which ships the pages in the release archives:
writes chora.1, one page per chora subcommand (chora-new.1, chora-check.1, ...), chora-publish.1
and one page per chora-publish subcommand (chora-publish-upload.1, ...) into DIR, creating it
if missing and replacing pages already there. Read one with `man DIR/chora.1`; install them
into a man1 folder of your MANPATH (e.g. ~/.local/share/man/man1).

Exit status: 0 written; 4 DIR or a page could not be written.";

/// Arguments of `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// Arguments of `chora manpages`.
#[derive(Debug, Clone, Args)]
pub struct ManpagesArgs {
    /// Folder to write the pages into (created if missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// The completion script for `shell` of `command`, the binary `bin`.
pub fn script(command: &clap::Command, bin: &'static str, shell: Shell) -> Vec<u8> {
    let mut command = without_hidden_subcommands(command, bin);
    let mut buf = Vec::new();
    // Into memory: clap_complete panics when its writer fails (a closed stdout).
    clap_complete::generate(shell, &mut command, bin, &mut buf);
    buf
}

/// `command` less its hidden subcommands (`chora manpages`), which some of clap_complete's
/// shells would otherwise offer.
fn without_hidden_subcommands(command: &clap::Command, bin: &'static str) -> clap::Command {
    let mut visible = clap::Command::new(bin)
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(command.is_subcommand_required_set())
        .args(command.get_arguments().cloned())
        .subcommands(
            command
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .cloned(),
        );
    if let Some(about) = command.get_about() {
        visible = visible.about(about.clone());
    }
    visible
}

/// Print the completion script of `command`, the binary `bin`, to `out`. A closed stdout
/// (`... | head -1`) drops the rest of the script rather than panicking.
pub fn print_script(
    command: &clap::Command,
    bin: &'static str,
    shell: Shell,
    out: &mut dyn Write,
) -> ExitStatus {
    let bytes = script(command, bin, shell);
    let _ = out.write_all(&bytes).and_then(|()| out.flush());
    ExitStatus::Success
}

/// `chora-publish completions`.
pub fn run_publish(args: &CompletionsArgs) -> Result<ExitStatus, Failure> {
    Ok(print_script(
        &publish_command(),
        "chora-publish",
        args.shell,
        &mut std::io::stdout().lock(),
    ))
}

/// One man page: its file name (`chora-new.1`) and its roff text.
#[derive(Debug, Clone)]
pub struct Page {
    pub file_name: String,
    pub roff: Vec<u8>,
}

/// Why the man pages were not all written.
#[derive(Debug, thiserror::Error)]
pub enum ManpageError {
    #[error("cannot render the man page {file_name}: {source}")]
    Render {
        file_name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the folder {path}: {source}")]
    CreateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] crate::fs::FsError),
}

/// What the `.TH` line of every page says besides the title.
#[derive(Debug, Clone)]
pub struct Footer {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The package and version (`chora-cli 0.1.0`).
    pub source: String,
}

impl Footer {
    /// This build's version, dated `SOURCE_DATE_EPOCH` when set (reproducible release
    /// archives), else today (UTC).
    pub fn current() -> Self {
        let seconds = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
            });
        Footer {
            date: iso_date(seconds),
            source: format!("chora-cli {}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC).
fn iso_date(seconds: i64) -> String {
    let (year, month, day) = crate::time::civil_from_days(seconds.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The pages of `command` and of each of its visible subcommands, recursively (`help` and
/// hidden commands get none).
pub fn pages(command: clap::Command, footer: &Footer) -> Result<Vec<Page>, ManpageError> {
    fn walk(
        command: clap::Command,
        footer: &Footer,
        pages: &mut Vec<Page>,
    ) -> Result<(), ManpageError> {
        let man = clap_mangen::Man::new(command.clone())
            .date(&footer.date)
            .source(&footer.source)
            .manual("chora manual");
        let file_name = man.get_filename();
        let mut rendered = Vec::new();
        man.render(&mut rendered)
            .map_err(|source| ManpageError::Render {
                file_name: file_name.clone(),
                source,
            })?;
        pages.push(Page {
            file_name,
            roff: title_first(&rendered),
        });
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), footer, pages)?;
        }
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    // Gives subcommands their display names (`chora-new`), hence their file names.
    command.build();
    let mut pages = Vec::new();
    walk(command, footer, &mut pages)?;
    Ok(pages)
}

/// The page with its `.TH` line first, as man(7) has it (clap_mangen puts the definition of
/// its apostrophe string before it; the definition still precedes every use).
fn title_first(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    if let Some(at) = lines.iter().position(|l| l.starts_with(".TH ")) {
        let title = lines.remove(at);
        lines.insert(0, title);
    }
    lines.concat().into_bytes()
}

/// Write the pages of every command into `dir` (created if missing); the paths written.
pub fn write_pages(
    dir: &Path,
    commands: Vec<clap::Command>,
    footer: &Footer,
) -> Result<Vec<PathBuf>, ManpageError> {
    let mut all = Vec::new();
    for command in commands {
        all.extend(pages(command, footer)?);
    }
    std::fs::create_dir_all(dir).map_err(|source| ManpageError::CreateDir {
        path: dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for page in all {
        let path = dir.join(&page.file_name);
        crate::fs::write_atomic(&path, &page.roff, false)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone away, like a closed pipe.
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_stdout_is_not_a_panic() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::PowerShell,
            Shell::Elvish,
        ] {
            assert_eq!(
                print_script(&publish_command(), "chora-publish", shell, &mut Closed),
                ExitStatus::Success
            );
        }
    }

    #[test]
    fn pages_are_named_after_the_command_path() {
        let footer = Footer {
            date: "2026-12-01".into(),
            source: "chora-cli test".into(),
        };
        let pages = pages(publish_command(), &footer).unwrap();
        let names: Vec<_> = pages.iter().map(|p| p.file_name.as_str()).collect();
        assert!(names.contains(&"chora-publish.1"), "{names:?}");
        assert!(names.contains(&"chora-publish-upload.1"), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
        let upload = pages
            .iter()
            .find(|p| p.file_name == "chora-publish-upload.1")
            .unwrap();
        let text = String::from_utf8_lossy(&upload.roff);
        assert!(
            text.starts_with(
                ".TH chora-publish-upload 1 2026-12-01 \"chora-cli test\" \"chora manual\"\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(86_399), "1970-01-01");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
        assert_eq!(iso_date(1_798_675_200), "2026-12-31");
        assert_eq!(iso_date(-1), "1969-12-31");
    }
}
