//! `chora migrate`: its arguments and its `--check` report — findings with source spans
//! (annotate-snippets, rustc style), a summary table, per-file errors, or JSON. The scan is
//! `workflow::report::scan`; without `--check`, the `write` submodule plans, shows and writes the migration.

use std::path::PathBuf;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::super::output::Output;
use crate::exit::migrate::MigrateError;
use crate::exit::{ExitStatus, Failure};
use crate::workflow::detect::FileVerdict;
use crate::workflow::model::{CredentialPlace, Detection, Index, Verdict};
use crate::workflow::report::{self, Row, ScannedFile, mask_tokens, refusal_text};

mod write;

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Which publisher replaces uploads by tools without native Trusted Publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Publisher {
    /// The bundled `chora-publish` runtime (as in `chora new`'s release.yml).
    Chora,
    /// `pypa/gh-action-pypi-publish`, pinned by commit.
    Pypa,
}

/// Arguments of `chora migrate`.
#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// Repository folder (holding .github/workflows).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write nothing; exit 1 if a migration is needed (for CI and pre-commit).
    #[arg(long)]
    pub check: bool,
    /// Show what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Run on a git tree with uncommitted changes.
    #[arg(long)]
    pub allow_dirty: bool,
    /// Report shapes PyPI cannot accept (reusable workflows, pull_request_target, fork-triggered
    /// events) as migrations needed (exit 1) instead of refusing them (exit 2).
    #[arg(long)]
    pub force: bool,
    /// Publisher for tools without native Trusted Publishing (poetry, flit, hatch, setup.py).
    /// Default: chora when this chora knows a published chora-cli release (its steps install
    /// it by hash), else pypa.
    #[arg(long, value_enum)]
    pub publisher: Option<Publisher>,
    /// Do not write PYPI_SETUP.md and the migration guide.
    #[arg(long)]
    pub no_docs: bool,
}

/// Version of the JSON report's shape (docs/migrate.md).
const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport {
    version: u32,
    /// `migrate-needed`, `nothing-to-do`, `refused`, `bad-input`.
    status: &'static str,
    files: Vec<JsonFile>,
}

#[derive(Serialize)]
struct JsonFile {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<FileVerdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    detections: Vec<JsonDetection>,
}

#[derive(Serialize)]
struct JsonDetection {
    job: String,
    step: Option<usize>,
    line: usize,
    tool: String,
    index: String,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refusal: Option<String>,
    credentials: Vec<JsonCredential>,
    action: String,
}

#[derive(Serialize)]
struct JsonCredential {
    /// `env`, `with`, `argument`, `config-command`.
    kind: &'static str,
    /// The env key, input name, or the (masked) argument / command text.
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<crate::workflow::model::Level>,
    route: crate::workflow::model::Route,
    line: usize,
    column: usize,
    /// The secret's name (`${{ secrets.NAME }}`), never its value.
    secret: Option<String>,
}

/// Run `chora migrate`.
pub fn run(args: &MigrateArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    match std::fs::symlink_metadata(&args.dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(MigrateError::NotADirectory {
                path: args.dir.display().to_string(),
            }
            .into());
        }
        Err(source) => {
            return Err(MigrateError::Unreadable {
                path: args.dir.display().to_string(),
                source,
            }
            .into());
        }
    }
    if let Some(status) = write::generated_project(args, out) {
        return Ok(status);
    }
    if !args.check {
        return write::run(args, out);
    }
    let files = report::scan_all(&args.dir).map_err(|source| unlistable(args, source))?;
    let files: Vec<&ScannedFile> = files.iter().collect();
    let status = status_of(&files);
    match args.format {
        Format::Json => print_json(out, &files, status)?,
        Format::Text => {
            print_text(out, &files);
            print_verdict(
                out,
                &files,
                status,
                args.force,
                "run `chora migrate --dry-run` to see the patch, `chora migrate` to apply it",
            );
        }
    }
    Ok(status)
}

/// A workflow folder that cannot be listed.
fn unlistable(args: &MigrateArgs, source: std::io::Error) -> Failure {
    MigrateError::Unreadable {
        path: args.dir.join(".github").display().to_string(),
        source,
    }
    .into()
}

/// 2 if a file was not read, 1 if a migration is needed or a shape is refused (reported with
/// its reason; `--force` rewrites it, but PyPI still cannot accept it), else 0.
pub(super) fn status_of(files: &[&ScannedFile]) -> ExitStatus {
    let bad = files.iter().any(|f| f.outcome.is_err());
    let verdicts: Vec<FileVerdict> = files
        .iter()
        .filter_map(|f| f.outcome.as_ref().ok().map(|s| s.verdict))
        .collect();
    let refused = verdicts.contains(&FileVerdict::Refused);
    if bad {
        ExitStatus::Usage
    } else if refused
        || verdicts
            .iter()
            .any(|v| matches!(v, FileVerdict::Migrate | FileVerdict::Mixed))
    {
        ExitStatus::Problem
    } else {
        ExitStatus::Success
    }
}

fn verdict_word(v: &Verdict) -> &'static str {
    match v {
        Verdict::Migrate => "migrate",
        Verdict::AlreadyTrusted => "already-trusted",
        Verdict::OtherService => "other-service",
        Verdict::Refuse(_) => "refuse",
    }
}

fn index_text(index: &Index) -> String {
    match index {
        Index::Pypi => "pypi".into(),
        Index::TestPypi => "testpypi".into(),
        Index::Other(o) => o.clone(),
    }
}

pub(super) fn print_json(
    out: &mut Output<'_>,
    files: &[&ScannedFile],
    status: ExitStatus,
) -> Result<(), Failure> {
    let refused = files.iter().any(|f| {
        f.outcome
            .as_ref()
            .is_ok_and(|s| s.verdict == FileVerdict::Refused)
    });
    let report = JsonReport {
        version: JSON_VERSION,
        status: match status {
            ExitStatus::Success => "nothing-to-do",
            ExitStatus::Problem if refused => "refused",
            ExitStatus::Problem => "migrate-needed",
            _ => "bad-input",
        },
        files: files
            .iter()
            .map(|f| match &f.outcome {
                Err(e) => JsonFile {
                    path: f.path.display().to_string(),
                    verdict: None,
                    error: Some(crate::exit::error_chain(e)),
                    detections: Vec::new(),
                },
                Ok(scanned) => JsonFile {
                    path: f.path.display().to_string(),
                    verdict: Some(scanned.verdict),
                    error: None,
                    detections: scanned
                        .detections
                        .iter()
                        .map(|d| json_detection(&report::row(&scanned.workflow, d), d))
                        .collect(),
                },
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&report)
        .map_err(|e| Failure::local_io(format!("cannot write JSON: {e}")))?;
    out.line(text);
    Ok(())
}

fn json_detection(row: &Row, d: &Detection) -> JsonDetection {
    JsonDetection {
        job: d.job.clone(),
        step: d.step,
        line: d.span.line,
        tool: row.tool.clone(),
        index: index_text(&d.index),
        verdict: verdict_word(&d.verdict),
        refusal: match &d.verdict {
            Verdict::Refuse(r) => Some(refusal_text(r).0),
            _ => None,
        },
        credentials: d
            .credentials
            .iter()
            .map(|c| {
                let (kind, name, level) = match &c.place {
                    CredentialPlace::Env { level, key } => ("env", key.clone(), Some(*level)),
                    CredentialPlace::With { key } => ("with", key.clone(), None),
                    CredentialPlace::Argument { text } => ("argument", report::redact(text), None),
                    CredentialPlace::ConfigCommand { text } => {
                        ("config-command", report::redact(text), None)
                    }
                };
                JsonCredential {
                    kind,
                    name,
                    level,
                    route: c.route.clone(),
                    line: c.span.line,
                    column: c.span.column,
                    secret: c.secret.clone(),
                }
            })
            .collect(),
        action: row.action.clone(),
    }
}

/// The source as shown in findings: literal credential values masked (same length, so spans
/// still point at the right bytes).
pub(crate) fn shown_source(source: &str, detections: &[&Detection]) -> String {
    let mut bytes = mask_tokens(source).into_bytes();
    for (start, end) in literal_ranges(source, detections) {
        for b in bytes.iter_mut().take(end).skip(start) {
            if b.is_ascii_graphic() && *b != b'"' && *b != b'\'' {
                *b = b'*';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// `text` (a diff of `source`) with PyPI-shaped tokens and every literal credential value of
/// `detections` masked wherever it appears.
pub(super) fn mask_literals(text: &str, source: &str, detections: &[Detection]) -> String {
    let detections: Vec<&Detection> = detections.iter().collect();
    let mut out = mask_tokens(text);
    for (start, end) in literal_ranges(source, &detections) {
        let value = source
            .get(start..end)
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\'']);
        if !value.is_empty() {
            out = out.replace(value, &"*".repeat(value.chars().count()));
        }
    }
    out
}

/// Byte ranges of `source` holding literal credential values (not an expression, variable or
/// `__token__`): the value of a `KEY: value` pair or of a flag.
fn literal_ranges(source: &str, detections: &[&Detection]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    for d in detections {
        for c in &d.credentials {
            let (start, end) = (c.span.start, c.span.end);
            let Some(text) = source.get(start..end) else {
                continue;
            };
            let value_at = match &c.place {
                CredentialPlace::Env { .. } | CredentialPlace::With { .. } => {
                    text.find(':').map(|i| i + 1)
                }
                CredentialPlace::Argument { .. } => text.find([' ', '=', '\t']).map(|i| i + 1),
                CredentialPlace::ConfigCommand { .. } => None,
            };
            let Some(at) = value_at else { continue };
            let value = text.get(at..).unwrap_or_default().trim();
            let literal = !value.is_empty()
                && !value.contains('$')
                && value.trim_matches(['"', '\'']) != "__token__"
                && !value.starts_with(['|', '>', '&', '*']);
            if literal {
                ranges.push((start + at, end));
            }
        }
    }
    ranges
}

fn print_findings(out: &mut Output<'_>, file: &ScannedFile, renderer: &Renderer) {
    let Ok(scanned) = &file.outcome else { return };
    let reported: Vec<&Detection> = scanned
        .detections
        .iter()
        .filter(|d| matches!(d.verdict, Verdict::Migrate | Verdict::Refuse(_)))
        .collect();
    if reported.is_empty() {
        return;
    }
    let source = shown_source(&scanned.workflow.source, &reported);
    let path = crate::text::escape_controls(&file.path.display().to_string());
    for d in reported {
        let row = report::row(&scanned.workflow, d);
        let step_line = first_line(&source, d.span.start);
        let (level, title, help) = match &d.verdict {
            Verdict::Refuse(r) => {
                let (reason, fix) = refusal_text(r);
                (Level::ERROR, format!("refused: {reason}"), fix.to_string())
            }
            _ if d.credentials.is_empty() => (
                Level::WARNING,
                format!("{} uploads without `id-token: write`", row.tool),
                format!("chora migrate would {}", row.action),
            ),
            _ => (
                Level::WARNING,
                format!("long-lived PyPI credential given to {}", row.tool),
                format!("chora migrate would {}", row.action),
            ),
        };
        let mut snippet = Snippet::source(source.as_str())
            .path(path.as_str())
            .annotation(
                AnnotationKind::Context
                    .span(step_line)
                    .label("publishes to PyPI"),
            );
        for c in &d.credentials {
            let label = match (&c.secret, &c.place) {
                (Some(s), _) => format!("secret {s}"),
                (None, CredentialPlace::Env { key, .. } | CredentialPlace::With { key })
                    if key.to_ascii_lowercase().contains("user") =>
                {
                    "user name".to_string()
                }
                (None, CredentialPlace::Argument { text })
                    if text.starts_with("-u") || text.starts_with("--user") =>
                {
                    "user name".to_string()
                }
                _ => "credential".to_string(),
            };
            snippet = snippet.annotation(
                AnnotationKind::Primary
                    .span(one_line(&source, c.span.start, c.span.end))
                    .label(label),
            );
        }
        if let Verdict::Refuse(_) = d.verdict {
            for t in &scanned.workflow.triggers {
                snippet = snippet.annotation(
                    AnnotationKind::Primary
                        .span(one_line(&source, t.span.start, t.span.end))
                        .label(format!("trigger {}", t.event)),
                );
            }
        }
        let title = crate::text::escape_controls(&title);
        let help = crate::text::escape_controls(&help);
        let groups = [
            level.primary_title(title.as_str()).element(snippet),
            Group::with_title(Level::HELP.secondary_title(help.as_str())),
        ];
        out.line(renderer.render(&groups));
        out.line("");
    }
}

/// The first line of the node starting at `start`.
fn first_line(source: &str, start: usize) -> std::ops::Range<usize> {
    let end = source
        .get(start..)
        .and_then(|rest| rest.find(['\n', '\r']))
        .map_or(source.len(), |i| start + i);
    start.min(end)..end
}

/// `start..end` cut at the end of its first line.
fn one_line(source: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let line = first_line(source, start);
    line.start..end.min(line.end).max(line.start)
}

/// The report: findings with source spans, the summary table, per-file errors, totals.
pub(super) fn print_text(out: &mut Output<'_>, files: &[&ScannedFile]) {
    let renderer = if crate::cli::chora::migrate::color() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    if files.is_empty() {
        out.line("chora migrate: no workflow files (.github/workflows/*.yml, .github/actions/*/action.yml); nothing to do.");
        return;
    }
    for file in files {
        print_findings(out, file, &renderer);
    }
    let mut rows: Vec<[String; 5]> = Vec::new();
    for file in files {
        let path = crate::text::escape_controls(&file.path.display().to_string());
        match &file.outcome {
            Err(_) => {}
            Ok(scanned) if scanned.detections.is_empty() => rows.push([
                path,
                "-".into(),
                "-".into(),
                "-".into(),
                "nothing to do (no publishing found)".into(),
            ]),
            Ok(scanned) => {
                for d in &scanned.detections {
                    let r = report::row(&scanned.workflow, d);
                    rows.push(
                        [path.clone(), r.job, r.tool, r.credential, r.action]
                            .map(|s| crate::text::escape_controls(&s)),
                    );
                }
            }
        }
    }
    print_table(out, &["FILE", "JOB", "TOOL", "CREDENTIAL", "ACTION"], &rows);
    let errors: Vec<_> = files
        .iter()
        .filter_map(|f| f.outcome.as_ref().err())
        .collect();
    if !errors.is_empty() {
        out.line("");
        for e in &errors {
            out.line(format!(
                "error: {}",
                crate::text::escape_controls(&crate::exit::error_chain(e))
            ));
        }
    }
    let count = |v: FileVerdict| {
        files
            .iter()
            .filter(|f| f.outcome.as_ref().is_ok_and(|s| s.verdict == v))
            .count()
    };
    out.line("");
    out.line(format!(
        "{} files: {} to migrate, {} mixed (other services stay), {} refused, {} nothing to do, {} untouched (other services only), {} not read.",
        files.len(),
        count(FileVerdict::Migrate),
        count(FileVerdict::Mixed),
        count(FileVerdict::Refused),
        count(FileVerdict::NothingToDo),
        count(FileVerdict::Untouched),
        errors.len(),
    ));
}

/// The closing line(s) of the report: what the status means and what to do next.
pub(super) fn print_verdict(
    out: &mut Output<'_>,
    files: &[&ScannedFile],
    status: ExitStatus,
    force: bool,
    next: &str,
) {
    let errors = files.iter().filter(|f| f.outcome.is_err()).count();
    let refused: Vec<String> = files
        .iter()
        .filter(|f| {
            f.outcome
                .as_ref()
                .is_ok_and(|s| s.verdict == FileVerdict::Refused)
        })
        .map(|f| crate::text::escape_controls(&f.path.display().to_string()))
        .collect();
    match status {
        ExitStatus::Success => out.line("Nothing to migrate."),
        ExitStatus::Problem => {
            if !refused.is_empty() && !force {
                out.line(format!(
                    "Refused (PyPI cannot accept these as Trusted Publishers): {}. Fix the shape as the help lines say, or pass --force to rewrite them anyway.",
                    refused.join(", ")
                ));
            }
            out.line(format!("Migration needed (exit 1): {next}."));
        }
        _ => {
            if errors > 0 {
                out.line(format!(
                    "{errors} file(s) could not be read (listed above)."
                ));
            }
        }
    }
}

/// Colour on a terminal unless NO_COLOR is set.
pub fn color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_table(out: &mut Output<'_>, header: &[&str; 5], rows: &[[String; 5]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count().min(48));
        }
    }
    let line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i == 4 {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text.trim_end().to_string()
    };
    out.line(line(header.map(|h| h)));
    for row in rows {
        out.line(line([
            row[0].as_str(),
            row[1].as_str(),
            row[2].as_str(),
            row[3].as_str(),
            row[4].as_str(),
        ]));
    }
}
