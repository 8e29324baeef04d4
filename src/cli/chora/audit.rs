//! `chora audit`: its arguments and its output — findings rendered like rustc (table), the
//! versioned JSON report, or SARIF — and the organisation summary for several repositories.
//! The audit itself is `crate::audit`.

use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::super::output::Output;
use crate::audit::finding::{Finding, Severity};
use crate::audit::org::{self, Summary};
use crate::audit::report::{self, RepoReport};
use crate::audit::sarif;
use crate::exit::{ExitStatus, Failure};
use crate::text::for_log;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
}

/// The least severity that fails the audit (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
    /// Only a missed threshold fails.
    Never,
}

pub const AUDIT_HELP: &str = "\
Measures each repository's release supply chain from its files: which workflows publish to
PyPI and how (tool, token or Trusted Publishing), token permissions (Scorecard's arithmetic),
actions pinned by commit, dangerous triggers, a deployment environment on the publishing job,
tag-only triggers and a tag/version check, no caches in release workflows, attestations sent
and archived, an install test after publishing, a TestPyPI stage, the release gated on the
tests, a GitHub release, a runbook (RELEASING.md) and a drill. Finding ids reuse zizmor's,
Scorecard's and sp-repo-review's where they check the same thing; chora/... for the rest. Also
the playbook's acceptance matrix with its evidence, the trusted publishers to register, and
the thresholds, measured from chora-publish ledgers (--ledger) and configured in
[tool.chora.audit] of pyproject.toml. Several repositories are audited in parallel, with an
organisation summary (tokens still in use, attestation coverage).

Examples:
  chora audit                                  # this repository
  chora audit --format sarif > audit.sarif     # for GitHub code scanning
  chora audit --ledger chora-ledger.jsonl      # thresholds from the release ledger
  chora audit ../repos/* --format json         # an organisation, one JSON report
  chora audit --repos-from repos.txt --fail-on never

Writes the JSON report to release-supply-chain-audit.json (--output FILE, --no-report).

Online (--online): for each repository whose owner/repository is known, the last `runs`
completed runs of each publishing workflow and the publish job's conclusion (the TestPyPI
success rate threshold), the publish job's environment (reviewers, branch/tag policy, admin
bypass), tag rulesets, releases' provenance assets and immutable releases, and PyPI's
provenance of the latest version's files. Token: GITHUB_TOKEN, else GH_TOKEN (never the
command line): fine-grained Actions, Contents, Metadata and Administration: read. An API
failure is reported for its repository and never stops the others.
  chora audit --online                         # GitHub and PyPI too

Exit status:
  0  no finding at or above --fail-on (default high), no threshold missed
  1  a finding at or above --fail-on, or a threshold missed its target
  2  a repository could not be audited (not a folder, bad [tool.chora.audit], broken ledger),
     or --online without a token
  4  the report could not be written";

/// Arguments of `chora audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Repository folders (default: the current one).
    pub dirs: Vec<PathBuf>,
    /// A file listing repository folders, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub repos_from: Option<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Where the JSON report goes.
    #[arg(long, value_name = "FILE", default_value = report::FILE_NAME)]
    pub output: PathBuf,
    /// Write no report file.
    #[arg(long)]
    pub no_report: bool,
    /// chora-publish ledgers of the repository's releases, for the thresholds (repeatable;
    /// one repository only).
    #[arg(long, value_name = "FILE")]
    pub ledger: Vec<PathBuf>,
    /// The least severity that makes the exit status 1.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
    /// Also ask GitHub (runs, environments, tag rulesets, releases) and PyPI (provenance);
    /// the token comes from GITHUB_TOKEN, else GH_TOKEN.
    #[arg(long)]
    pub online: bool,
    /// The GitHub REST API (default: GITHUB_API_URL, else https://api.github.com).
    #[arg(long, value_name = "URL", requires = "online")]
    pub github_api_url: Option<String>,
    /// The Python package index asked about provenance.
    #[arg(long, value_name = "URL", requires = "online", default_value = crate::audit::online::DEFAULT_PYPI)]
    pub pypi_url: String,
}

/// What `--online` needs from the environment.
pub const TOKEN_HELP: &str = "set GITHUB_TOKEN (or GH_TOKEN) to a token that may read the repositories: fine-grained Actions: read, Contents: read, Metadata: read, Administration: read (immutable releases); in GitHub Actions, permissions actions: read and contents: read";

/// The online tier's settings from the arguments and the environment (read by the CLI).
fn online_config(args: &AuditArgs) -> Result<crate::audit::online::Config, Failure> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let token = var("GITHUB_TOKEN")
        .or_else(|| var("GH_TOKEN"))
        .map(|t| crate::publish::credentials::Secret::new(t.trim()));
    if token.is_none() {
        return Err(Failure::usage(
            "--online needs a GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set",
        )
        .with_hint(TOKEN_HELP));
    }
    Ok(crate::audit::online::Config {
        github_api: args
            .github_api_url
            .clone()
            .or_else(|| var("GITHUB_API_URL"))
            .unwrap_or_else(|| crate::audit::online::DEFAULT_GITHUB_API.to_string()),
        pypi: args.pypi_url.clone(),
        token,
        clock: crate::publish::github::limits::Clock::from_knob(
            var("CHORA_PUBLISH_GITHUB_SECOND_MS").as_deref(),
        ),
        timeouts: crate::publish::http::Timeouts::from_lookup(|k| var(k)),
    })
}

/// The JSON report: every repository, the errors, the summary.
#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    chora_version: &'static str,
    repositories: &'a [RepoReport],
    errors: Vec<ErrorRow>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct ErrorRow {
    path: PathBuf,
    error: String,
}

fn roots(args: &AuditArgs) -> Result<Vec<PathBuf>, Failure> {
    let mut roots = args.dirs.clone();
    if let Some(file) = &args.repos_from {
        let text =
            crate::fs::read_regular_text(file, crate::fs::limits::DATA_FILE, "a --repos-from file")
                .map_err(|e| {
                    Failure::usage(format!("--repos-from: {e}"))
                        .with_hint("list one repository folder per line")
                })?;
        let base = file.parent().unwrap_or(Path::new("."));
        roots.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| base.join(l)),
        );
    }
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    if !args.ledger.is_empty() && roots.len() > 1 {
        return Err(Failure::usage(
            "--ledger describes one repository's releases, but several repositories were given",
        )
        .with_hint("audit the repository the ledger belongs to on its own"));
    }
    Ok(roots)
}

fn fails(report: &RepoReport, fail_on: FailOn) -> bool {
    let least = match fail_on {
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Never => None,
    };
    report.missed_threshold() || least.is_some_and(|l| report.worst().is_some_and(|w| w >= l))
}

/// Run `chora audit`.
pub fn run(args: &AuditArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    let roots = roots(args)?;
    let online = if args.online {
        Some(online_config(args)?)
    } else {
        None
    };
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    if let [root] = roots.as_slice() {
        // One repository: keep its workflows for rendering the findings with their source.
        match report::audit(root, &args.ledger) {
            Ok((report, repo)) => reports.push((report, Some(repo))),
            Err(e) => errors.push((root.clone(), e)),
        }
    } else {
        for outcome in org::audit_all(&roots, &args.ledger) {
            match outcome {
                Ok(report) => reports.push((report, None)),
                Err(e) => errors.push(e),
            }
        }
    }
    let (mut reports, repos): (Vec<RepoReport>, Vec<_>) = reports.into_iter().unzip();
    if let Some(config) = &online {
        crate::audit::online::run(&mut reports, config).map_err(|e| {
            Failure::usage(format!("--online: {e}"))
                .with_hint("check --github-api-url and --pypi-url (http or https URLs)")
        })?;
    }
    let summary = org::summary(&reports, errors.len());
    let json = Report {
        schema_version: report::SCHEMA_VERSION,
        chora_version: crate::VERSION,
        repositories: &reports,
        errors: errors
            .iter()
            .map(|(path, e)| ErrorRow {
                path: path.clone(),
                error: e.to_string(),
            })
            .collect(),
        summary: &summary,
    };
    let text = serde_json::to_string_pretty(&json)
        .map_err(|e| Failure::usage(format!("cannot serialise the report: {e}")))?;
    if !args.no_report {
        crate::fs::write_atomic(&args.output, format!("{text}\n").as_bytes(), false).map_err(
            |e| {
                Failure::local_io(format!("cannot write the report: {e}"))
                    .with_hint("choose a writable place with --output FILE, or --no-report")
            },
        )?;
    }
    match args.format {
        Format::Json => out.line(&text),
        Format::Sarif => match serde_json::to_string_pretty(&sarif::log(&reports)) {
            Ok(s) => out.line(s),
            Err(e) => return Err(Failure::usage(format!("cannot serialise SARIF: {e}"))),
        },
        Format::Table => {
            for (report, repo) in reports.iter().zip(&repos) {
                print_repo(out, report, repo.as_ref(), reports.len() == 1);
            }
            for (path, e) in &errors {
                out.error_line(format!(
                    "error: {}: {}",
                    path.display(),
                    for_log(&e.to_string())
                ));
            }
            if reports.len() + errors.len() > 1 {
                print_summary(out, &summary);
            }
            if !args.no_report {
                out.line(format!("Report: {}", args.output.display()));
            }
        }
    }
    if let Some((_, e)) = errors.first() {
        let mut failure = Failure::from(e);
        if errors.len() > 1 {
            failure
                .message
                .push_str(&format!(" (and {} more)", errors.len() - 1));
        }
        return Err(failure);
    }
    Ok(if reports.iter().any(|r| fails(r, args.fail_on)) {
        ExitStatus::Problem
    } else {
        ExitStatus::Success
    })
}

/// Control characters replaced byte for byte (offsets stay valid for the snippet spans).
fn printable(source: &str) -> String {
    source
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' && c != '\r' {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn print_finding(
    out: &mut Output<'_>,
    f: &Finding,
    repo: Option<&crate::audit::repo::Repo>,
    renderer: &Renderer,
) {
    let level = match f.severity {
        Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::NOTE,
    };
    let ids = std::iter::once(f.id.as_str())
        .chain(f.also.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ");
    let title = for_log(&format!("[{ids}] {}", f.message));
    let help = for_log(&f.fix);
    let scanned = f.location.as_ref().and_then(|l| {
        repo?
            .scanned
            .iter()
            .find(|s| s.workflow.path == l.file)
            .map(|s| (l, s))
    });
    // A finding about a whole workflow points at its first line.
    let whole_file = crate::workflow::model::Span {
        start: 0,
        end: 0,
        line: 1,
        column: 1,
    };
    let rendered = match scanned.map(|(l, s)| (l, s, l.span.unwrap_or(whole_file))) {
        Some((l, s, span)) => {
            let detections: Vec<_> = s.detections.iter().collect();
            let source = printable(&crate::cli::chora::migrate::shown_source(
                &s.workflow.source,
                &detections,
            ));
            let path = for_log(&l.file.display().to_string());
            let end = source
                .get(span.start..)
                .and_then(|rest| rest.find(['\n', '\r']))
                .map_or(source.len(), |i| span.start + i);
            let snippet = Snippet::source(source.as_str())
                .path(path.as_str())
                .annotation(
                    AnnotationKind::Primary
                        .span(span.start.min(end)..end)
                        .label(f.severity.word()),
                );
            renderer.render(&[
                level.primary_title(title.as_str()).element(snippet),
                Group::with_title(Level::HELP.secondary_title(help.as_str())),
            ])
        }
        None => {
            let at = f.location.as_ref().map_or(String::new(), |l| {
                format!(" ({})", for_log(&l.file.display().to_string()))
            });
            renderer.render(&[
                Group::with_title(level.primary_title(format!("{title}{at}"))),
                Group::with_title(Level::HELP.secondary_title(help.as_str())),
            ])
        }
    };
    out.line(rendered);
    out.line("");
}

fn print_repo(
    out: &mut Output<'_>,
    r: &RepoReport,
    repo: Option<&crate::audit::repo::Repo>,
    detailed: bool,
) {
    let renderer = if crate::cli::chora::migrate::color() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    out.line(format!(
        "{} ({}){}",
        for_log(&r.name),
        r.path.display(),
        if r.chora_project {
            ", generated by chora"
        } else {
            ""
        }
    ));
    if r.publishing.is_empty() {
        out.line("  publishes: nothing (no workflow uploads to PyPI or TestPyPI)");
    }
    for p in &r.publishing {
        out.line(format!(
            "  publishes: {} job {} -> {} with {} ({}{}{})",
            p.workflow.display(),
            for_log(&p.job),
            p.index,
            for_log(&p.tool),
            match p.auth {
                "oidc" => "Trusted Publishing",
                "token" => "a long-lived token",
                _ => "a shape PyPI refuses",
            },
            if p.secrets.is_empty() {
                String::new()
            } else {
                format!(": secret {}", p.secrets.join(", "))
            },
            if p.attestations { ", attestations" } else { "" }
        ));
    }
    for u in &r.unreadable {
        out.line(format!(
            "  not read: {}: {}",
            u.file.display(),
            for_log(&u.error)
        ));
    }
    if let Some(o) = &r.online {
        print_online(out, o);
    }
    if !detailed {
        out.line(format!(
            "  findings: {} high, {} medium, {} low\n",
            r.counts.high, r.counts.medium, r.counts.low
        ));
        return;
    }
    out.line("");
    for f in &r.findings {
        print_finding(out, f, repo, &renderer);
    }
    if r.publishes {
        out.line("Acceptance matrix:");
        for c in &r.acceptance {
            out.line(format!(
                "  [{}] {:<36} {} ({})",
                if c.passed { "x" } else { " " },
                c.name,
                for_log(&c.evidence),
                c.source.join(", ")
            ));
        }
        out.line("Trusted publishers:");
        for p in &r.trusted_publishers {
            out.line(format!(
                "  {:<8} owner {}  repository {}  workflow {}  environment {}  ({}, job {})",
                p.index,
                p.owner.as_deref().unwrap_or("<owner>"),
                p.repository.as_deref().unwrap_or("<repository>"),
                p.workflow,
                p.environment.as_deref().unwrap_or("(none)"),
                p.auth,
                p.job
            ));
        }
    }
    out.line("Thresholds:");
    for v in &r.verdicts {
        out.line(format!(
            "  {:<28} target {:<32} {}",
            v.name,
            v.target,
            match (&v.measured, v.passed) {
                (Some(m), Some(true)) => format!("met: {m}"),
                (Some(m), Some(false)) => format!("MISSED: {m}"),
                _ => "not measured (pass --ledger FILE, or --online)".to_string(),
            }
        ));
    }
    out.line(format!(
        "\n{} high, {} medium, {} low",
        r.counts.high, r.counts.medium, r.counts.low
    ));
}

fn print_online(out: &mut Output<'_>, o: &crate::audit::online::Online) {
    let pct = |r: f64| format!("{:.1}%", r * 100.0);
    for w in &o.workflows {
        out.line(format!(
            "  online: {} job {} ({}): {} runs, {} success, {} failed, {} timed out, {} failed to start, {} cancelled, {} skipped, {} re-run{}",
            for_log(&w.workflow),
            for_log(&w.job),
            w.index,
            w.runs,
            w.success,
            w.failure,
            w.timed_out,
            w.startup_failure,
            w.cancelled,
            w.skipped,
            w.reruns,
            w.success_rate
                .map(|r| format!("; success rate {}", pct(r)))
                .unwrap_or_default()
        ));
    }
    for e in &o.environments {
        out.line(if e.exists {
            format!(
                "  online: environment {}: {} reviewer(s), wait {} min, deployments from {}{}",
                for_log(&e.name),
                e.required_reviewers,
                e.wait_timer,
                match e.branch_policy {
                    Some("protected_branches") => "protected branches".to_string(),
                    Some(_) => for_log(&e.patterns.join(", ")),
                    None => "any branch or tag".to_string(),
                },
                if e.can_admins_bypass == Some(true) {
                    ", administrators may bypass"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "  online: environment {}: does not exist (unprotected)",
                for_log(&e.name)
            )
        });
    }
    if let Some(t) = &o.tag_rulesets {
        out.line(format!(
            "  online: tag rulesets: {}",
            if t.covers_release_tags {
                format!("release tags protected ({})", for_log(&t.active.join(", ")))
            } else {
                "release tags not protected".to_string()
            }
        ));
    }
    if let Some(rel) = &o.releases {
        out.line(format!(
            "  online: releases: {} of the last {} with provenance assets; immutable releases {}",
            rel.with_provenance_assets,
            rel.checked,
            match rel.immutable {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            }
        ));
    }
    if let Some(p) = &o.pypi {
        out.line(match (&p.version, p.provenance_coverage) {
            (Some(v), Some(c)) => format!(
                "  online: PyPI {} {}: {} of {} files with provenance",
                for_log(&p.project),
                for_log(v),
                pct(c),
                p.files.len()
            ),
            _ => format!("  online: PyPI {}: no release found", for_log(&p.project)),
        });
    }
    for e in &o.errors {
        out.line(format!("  online error: {}", for_log(e)));
    }
}

fn print_summary(out: &mut Output<'_>, s: &Summary) {
    out.line(format!(
        "Organisation: {} repositories, {} publish; publishing jobs by auth: {}; by tool: {}",
        s.repositories,
        s.publishing,
        join_counts(&s.by_auth),
        join_counts(&s.by_tool)
    ));
    out.line(format!(
        "Attestations: {} of {} PyPI publishing jobs",
        s.pypi_jobs_with_attestations, s.pypi_jobs
    ));
    if s.tokens_in_use.is_empty() {
        out.line("Long-lived tokens in use: none");
    } else {
        out.line(format!(
            "Long-lived tokens in use: {}",
            s.tokens_in_use.len()
        ));
        for t in &s.tokens_in_use {
            out.line(format!(
                "  {} {} job {} -> {}{}",
                for_log(&t.repository),
                t.workflow.display(),
                for_log(&t.job),
                t.index,
                if t.secrets.is_empty() {
                    String::new()
                } else {
                    format!(" (secret {})", t.secrets.join(", "))
                }
            ));
        }
    }
    if let Some(o) = &s.online {
        out.line(format!(
            "Online: {} repositories asked, {} with errors; TestPyPI success rate below target in {}; unprotected PyPI environments {}; without a tag ruleset {}; PyPI files with provenance {} of {}",
            o.repositories,
            o.with_errors,
            o.testpypi_below_target,
            o.unprotected_environments,
            o.without_tag_ruleset,
            o.pypi_files_with_provenance,
            o.pypi_files
        ));
    }
    out.line(format!(
        "Findings: {} high, {} medium, {} low; thresholds missed in {} repositories; {} not audited",
        s.findings.high, s.findings.medium, s.findings.low, s.thresholds_missed, s.errors
    ));
}

fn join_counts(map: &std::collections::BTreeMap<String, usize>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
