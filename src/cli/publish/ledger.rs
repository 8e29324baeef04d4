//! `--ledger` on every command, and `chora-publish ledger verify|show`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::ledger::{self, Entry, Ledger};

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

/// Environment variables holding secrets a command may meet (identity-token request tokens,
/// identity tokens, the API token): never written to the ledger, even in a server's words.
const SECRET_VARIABLES: &[&str] = &[
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "CHORA_PUBLISH_TOKEN",
    "PYPI_ID_TOKEN",
    "SIGSTORE_ID_TOKEN",
];

impl LedgerArgs {
    /// The ledger to write, opened (and verified), or none. The secrets of the environment
    /// are known to it (see [`Ledger::with_secrets`]).
    pub fn open(&self, env: &Env) -> Result<Option<Ledger>, Failure> {
        let Some(path) = ledger::default_path(env, self.ledger.as_deref(), self.no_ledger) else {
            return Ok(None);
        };
        let run = ledger::run_id(env, self.run_id.as_deref());
        let secrets: Vec<String> = SECRET_VARIABLES
            .iter()
            .filter_map(|k| env.get(k).map(str::to_string))
            .collect();
        Ledger::open(&path, run)
            .map(|l| Some(l.with_secrets(secrets)))
            .map_err(Failure::from)
    }
}

/// The line a command prints after writing to a ledger: its path, entry count and head (to
/// record elsewhere, e.g. the CI step summary, for `ledger verify --expect-head`).
pub fn summary_line(l: &Ledger) -> String {
    format!(
        "Ledger {}: {} entries, head {}",
        crate::text::excerpt(&l.path().display().to_string(), 300),
        l.entries(),
        l.head()
    )
}

const VERIFY_HELP: &str = "\
Checks every entry: canonical JSON, its own sha256, its sequence number, and the hash of the
entry before (`prev`). An edited, deleted, inserted or reordered entry is found, and the first
bad one named (line, seq, reason).

A ledger cut short at its end (its last entries deleted) still verifies: compare its head and
entry count with ones recorded elsewhere (e.g. printed to the CI step summary by the job that
wrote it) with --expect-head / --expect-entries.

Examples:
  chora-publish ledger verify chora-ledger.jsonl
  chora-publish ledger verify chora-ledger.jsonl --expect-entries 6 --expect-head 3f1c…
  chora-publish ledger verify chora-ledger.jsonl --format json
  echo \"ledger head: $(chora-publish ledger verify chora-ledger.jsonl --format json | jq -r .head)\" >> \"$GITHUB_STEP_SUMMARY\"

Exit status: 0 intact (and as expected); 1 broken, or its head or entry count is not the one
expected; 2 bad options; 4 the file cannot be read.";

const SHOW_HELP: &str = "\
Shows a ledger as a table (seq, time, run, operation, outcome, files, retries, status,
message), after verifying it, and lists each operation started without an outcome recorded in
its run (the job was killed or the runner lost: check the index before retrying).
A broken ledger is refused unless --unverified (then entries from the first bad one on are
marked `!`).

Examples:
  chora-publish ledger show chora-ledger.jsonl
  chora-publish ledger show chora-ledger.jsonl --format json
  chora-publish ledger show --unverified suspicious.jsonl

Exit status: 0 shown; 1 the ledger is broken (with --unverified: shown, marked); 4 the file
cannot be read.";

/// `chora-publish ledger` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum LedgerCommand {
    /// Check that a ledger is intact: no entry edited, deleted, inserted or reordered.
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Show a ledger's entries, and the operations started without an outcome.
    #[command(after_help = SHOW_HELP)]
    Show(ShowArgs),
}

/// `ledger verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
}

/// `ledger show --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

/// Arguments of `chora-publish ledger verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// The ledger file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The head (hash of the last entry) it must have, recorded elsewhere.
    #[arg(long, value_name = "HASH", value_parser = parse_hash)]
    pub expect_head: Option<String>,
    /// The number of entries it must have.
    #[arg(long, value_name = "N")]
    pub expect_entries: Option<u64>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: VerifyFormat,
}

/// Arguments of `chora-publish ledger show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The ledger file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Show a ledger that does not verify (entries from the first bad one on marked `!`).
    #[arg(long)]
    pub unverified: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ShowFormat,
}

fn parse_hash(text: &str) -> Result<String, String> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err("a ledger head is 64 hexadecimal digits (a sha256)".to_string())
    }
}

/// `chora-publish ledger …`.
pub fn run(command: &LedgerCommand, out: &Output) -> Result<ExitStatus, Failure> {
    match command {
        LedgerCommand::Verify(args) => run_verify(args, out),
        LedgerCommand::Show(args) => run_show(args, out),
    }
}

/// The ledger to check or show (a regular file, at most [`ledger::READ_LIMIT`] bytes).
fn read(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    crate::fs::read_regular(path, ledger::READ_LIMIT, "ledger").map_err(|source| {
        Failure::from(ledger::LedgerError::Read {
            path: path.to_path_buf(),
            source,
        })
        .with_hint("name the ledger file a run wrote (a regular file, e.g. chora-ledger.jsonl)")
    })
}

fn run_verify(args: &VerifyArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let shown = crate::text::excerpt(&args.file.display().to_string(), 300);
    let bytes = read(&args.file)?;
    let json = args.format == VerifyFormat::Json;
    let verified = match ledger::verify(&bytes) {
        Ok(v) => v,
        Err(broken) => {
            let seq = ledger::seq_at(&bytes, broken.line);
            let seq_text = seq.map(|s| format!(", seq {s}")).unwrap_or_default();
            if json {
                out.line(
                    &serde_json::json!({
                        "ledger": args.file.display().to_string(),
                        "ok": false,
                        "line": broken.line,
                        "seq": seq,
                        "reason": broken.reason.to_string(),
                    })
                    .to_string(),
                );
            }
            return Err(Failure::usage(format!(
                "the ledger {shown} does not verify: first bad entry at line {}{seq_text}: {}",
                broken.line, broken.reason
            ))
            .with_status(ExitStatus::Problem)
            .with_hint(
                "the ledger was altered after it was written; keep it as evidence, and start a new one with --ledger NEW-FILE",
            ));
        }
    };
    let count = verified.entries.len() as u64;
    let mut mismatches = Vec::new();
    if let Some(n) = args.expect_entries
        && n != count
    {
        mismatches.push(format!("{count} entries where {n} were expected"));
    }
    if let Some(head) = &args.expect_head
        && head != &verified.head
    {
        mismatches.push(format!("head {} where {head} was expected", verified.head));
    }
    if json {
        out.line(
            &serde_json::json!({
                "ledger": args.file.display().to_string(),
                "ok": mismatches.is_empty(),
                "entries": count,
                "head": verified.head,
                "expected_entries": args.expect_entries,
                "expected_head": args.expect_head,
            })
            .to_string(),
        );
    }
    if !mismatches.is_empty() {
        return Err(Failure::usage(format!(
            "the ledger {shown} is intact but not the one expected: {}",
            mismatches.join("; ")
        ))
        .with_status(ExitStatus::Problem)
        .with_hint(
            "entries were cut from its end, or added since the head was recorded; compare with the ledger the run archived",
        ));
    }
    if !json {
        out.line(&format!(
            "ok  {shown}: {count} entries, head {}",
            verified.head
        ));
    }
    Ok(ExitStatus::Success)
}

/// One row of `ledger show`: an entry, and whether it comes at or after the first bad line.
struct Row<'a> {
    entry: &'a Entry,
    suspect: bool,
}

fn run_show(args: &ShowArgs, out: &Output) -> Result<ExitStatus, Failure> {
    let shown = crate::text::excerpt(&args.file.display().to_string(), 300);
    let bytes = read(&args.file)?;
    let (entries, broken): (Vec<(usize, Entry)>, Option<ledger::Broken>) = match ledger::verify(
        &bytes,
    ) {
        Ok(v) => (
            v.entries
                .into_iter()
                .enumerate()
                .map(|(i, e)| (i + 1, e))
                .collect(),
            None,
        ),
        Err(broken) if args.unverified => (
            ledger::read_unverified(&bytes)
                .into_iter()
                .filter_map(|(line, e)| e.ok().map(|e| (line, e)))
                .collect(),
            Some(broken),
        ),
        Err(broken) => {
            return Err(Failure::from(ledger::LedgerError::Broken {
                    path: args.file.clone(),
                    broken,
                })
                .with_hint(
                    "the ledger was altered after it was written; `ledger show --unverified` shows it anyway, marked",
                ));
        }
    };
    let plain: Vec<Entry> = entries.iter().map(|(_, e)| e.clone()).collect();
    let open: Vec<&Entry> = ledger::view::unfinished(&plain)
        .into_iter()
        .filter_map(|i| plain.get(i))
        .collect();
    let rows: Vec<Row<'_>> = entries
        .iter()
        .map(|(line, entry)| Row {
            entry,
            suspect: broken.as_ref().is_some_and(|b| *line >= b.line),
        })
        .collect();
    match args.format {
        ShowFormat::Json => out.line(
            &serde_json::json!({
                "ledger": args.file.display().to_string(),
                "verified": broken.is_none(),
                "broken": broken.as_ref().map(|b| serde_json::json!({
                    "line": b.line,
                    "seq": ledger::seq_at(&bytes, b.line),
                    "reason": b.reason.to_string(),
                })),
                "entries": rows.iter().map(|r| {
                    let mut v = serde_json::to_value(r.entry).unwrap_or_default();
                    if let Some(map) = v.as_object_mut() && r.suspect {
                        map.insert("suspect".into(), true.into());
                    }
                    v
                }).collect::<Vec<_>>(),
                "unfinished": open.iter().map(|e| serde_json::json!({
                    "seq": e.seq,
                    "run": e.run.to_string(),
                    "operation": e.operation,
                    "files": e.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
            .to_string(),
        ),
        ShowFormat::Table => {
            if let Some(b) = &broken {
                out.line(&format!(
                    "UNVERIFIED: {shown} does not verify (line {}: {}); entries marked ! are not to be trusted",
                    b.line, b.reason
                ));
            }
            for line in table(&rows) {
                out.line(&line);
            }
            for e in &open {
                out.line(&format!(
                    "seq {}: {} {} (run {}): started, no outcome recorded (interrupted?)",
                    e.seq,
                    cell(&e.operation, 40),
                    cell(&files_of(e), 200),
                    cell(&e.run.to_string(), 60)
                ));
            }
        }
    }
    Ok(if broken.is_some() {
        ExitStatus::Problem
    } else {
        ExitStatus::Success
    })
}

/// Text from a ledger for a terminal: control characters (new lines too) escaped, cut.
fn cell(text: &str, max: usize) -> String {
    crate::text::excerpt(text, max)
}

fn files_of(e: &Entry) -> String {
    e.files
        .iter()
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The table's lines: a header and one row per entry, columns padded to their widest cell.
fn table(rows: &[Row<'_>]) -> Vec<String> {
    let header = [
        "seq",
        "time",
        "run",
        "operation",
        "outcome",
        "files",
        "retries",
        "status",
        "message",
    ]
    .map(str::to_string);
    let mut cells: Vec<[String; 9]> = vec![header];
    for r in rows {
        let e = r.entry;
        cells.push([
            format!("{}{}", if r.suspect { "!" } else { "" }, e.seq),
            cell(&e.time, 40),
            cell(&e.run.to_string(), 40),
            cell(&e.operation, 40),
            e.outcome.as_str().to_string(),
            cell(&files_of(e), 120),
            e.retries.to_string(),
            e.status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            cell(e.message.as_deref().unwrap_or(""), 160),
        ]);
    }
    let mut widths = [0usize; 9];
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    cells
        .iter()
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect()
}
