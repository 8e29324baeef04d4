//! `chora doctor publisher`: its arguments and its report (text or JSON). The evidence,
//! the expected mapping and the diagnosis are `crate::doctor`.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::super::output::Output;
use crate::doctor::DoctorError;
use crate::doctor::diagnose::{self, Diagnosis};
use crate::doctor::evidence::{self, Evidence};
use crate::doctor::expected::{self, Mapping, Overrides, Target};
use crate::exit::{ExitStatus, Failure};
use crate::text::for_log;

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// The index whose publisher failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IndexArg {
    Pypi,
    Testpypi,
}

/// Arguments of `chora doctor`.
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    #[command(subcommand)]
    pub command: DoctorCommand,
}

/// What to diagnose.
#[derive(Debug, Clone, Subcommand)]
pub enum DoctorCommand {
    /// Explain an `invalid-publisher` failure: compare a failed run's identity claims with the
    /// trusted publisher this repository expects.
    #[command(after_help = PUBLISHER_HELP)]
    Publisher(PublisherArgs),
}

pub const PUBLISHER_HELP: &str = "\
Give the claims of the failed run (--claims: the identity token, or the claims as JSON, or a
file holding either; `-` reads standard input) or its log (--log: what chora-publish,
pypa/gh-action-pypi-publish or `uv publish` printed; a GitHub Actions log download works as is).
The expected publisher comes from .chora-answers.yml in a chora project, otherwise from the
repository (the workflow job that publishes to the index, the origin remote, pyproject.toml);
--repository, --workflow, --environment, --project and --owner-id override it. Each difference
PyPI's matching trips on is named with the setting to change and where: repository renamed or
transferred, owner id (re-created account), workflow file, environment missing or different,
reusable workflow, pull_request_target, a customised `sub` template. The token is decoded,
never verified and never printed.

Examples:
  chora doctor publisher --log job-log.txt
  chora doctor publisher --claims \"$TOKEN\" --index testpypi
  chora doctor publisher path/to/repo --claims claims.json --owner-id 1234567 --format json

Exit status:
  0  the claims match the expected publisher (the difference is on the index's side)
  1  differences found, each with its fix
  2  no claims given or readable, or the expected publisher is unknown
  4  a file could not be read (permission denied)";

/// Arguments of `chora doctor publisher`.
#[derive(Debug, Clone, Args)]
pub struct PublisherArgs {
    /// Repository folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The failed run's identity token (JWT), its claims as JSON, or a file holding either
    /// (`-`: standard input).
    #[arg(long, value_name = "JWT|JSON|FILE")]
    pub claims: Option<String>,
    /// A log of the failed run (chora-publish, pypa/gh-action-pypi-publish, uv publish).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// The index the publisher is on (default: the one the log names, else PyPI).
    #[arg(long, value_enum)]
    pub index: Option<IndexArg>,
    /// The expected repository, OWNER/REPO.
    #[arg(long, value_name = "OWNER/REPO")]
    pub repository: Option<String>,
    /// The expected workflow file name (release.yml).
    #[arg(long, value_name = "FILE")]
    pub workflow: Option<String>,
    /// The expected environment ("" = the publisher has none).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// The project name on the index.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// The owner's numeric id the publisher was registered with (shown on GitHub:
    /// `gh api users/OWNER --jq .id`).
    #[arg(long, value_name = "ID")]
    pub owner_id: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Run `chora doctor`.
pub fn run(args: &DoctorArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    match &args.command {
        DoctorCommand::Publisher(args) => publisher(args, out),
    }
}

const INPUT_LIMIT: u64 = crate::fs::limits::DATA_FILE * 8;

fn read_file(path: &std::path::Path) -> Result<String, DoctorError> {
    let bytes =
        crate::fs::read_regular(path, INPUT_LIMIT, "a log or claims file").map_err(|source| {
            DoctorError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The evidence from `--claims` and/or `--log` (claims given directly win).
fn gather(args: &PublisherArgs) -> Result<Evidence, DoctorError> {
    let mut evidence = match &args.log {
        Some(path) => evidence::from_log(&read_file(path)?),
        None => Evidence::default(),
    };
    if let Some(value) = &args.claims {
        let text = if value == "-" {
            let mut text = String::new();
            std::io::stdin()
                .take(INPUT_LIMIT)
                .read_to_string(&mut text)
                .map_err(|e| DoctorError::Claims(format!("cannot read standard input: {e}")))?;
            text
        } else if !value.trim_start().starts_with('{') && std::path::Path::new(value).is_file() {
            read_file(std::path::Path::new(value))?
        } else {
            value.clone()
        };
        evidence.claims = evidence::parse_claims(&text)?;
    }
    if evidence.claims.repository.is_none() && evidence.claims.job_workflow_ref.is_none() {
        return Err(DoctorError::NoClaims(match (&args.claims, &args.log) {
            (None, None) => {
                "give --claims (the token or its claims) or --log (the failed job's log)".into()
            }
            (None, Some(path)) => format!(
                "{} shows no identity claims (`repository`, `job_workflow_ref`); pass --claims, or the log of the failing upload step",
                path.display()
            ),
            _ => "the claims name neither `repository` nor `job_workflow_ref`".into(),
        }));
    }
    Ok(evidence)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    index: &'a str,
    claims: serde_json::Map<String, serde_json::Value>,
    expected: serde_json::Map<String, serde_json::Value>,
    refusals: Vec<serde_json::Value>,
    #[serde(flatten)]
    diagnosis: &'a Diagnosis,
}

fn expected_json(mapping: &Mapping) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    let rows = [
        ("owner", &mapping.owner),
        ("repository", &mapping.repository),
        ("workflow", &mapping.workflow),
        ("environment", &mapping.environment),
        ("project", &mapping.project),
        ("owner_id", &mapping.owner_id),
    ];
    for (key, value) in rows {
        if let Some(v) = value {
            map.insert(
                key.into(),
                serde_json::json!({"value": v.value, "from": v.source}),
            );
        }
    }
    map
}

fn publisher(args: &PublisherArgs, out: &mut Output<'_>) -> Result<ExitStatus, Failure> {
    let evidence = gather(args)?;
    let target = match args.index {
        Some(IndexArg::Pypi) => Target::Pypi,
        Some(IndexArg::Testpypi) => Target::TestPypi,
        None if evidence.index_host.as_deref() == Some("test.pypi.org") => Target::TestPypi,
        None => Target::Pypi,
    };
    let overrides = Overrides {
        repository: args.repository.clone(),
        workflow: args.workflow.clone(),
        environment: args.environment.clone(),
        project: args.project.clone(),
        owner_id: args.owner_id.clone(),
    };
    let mapping = expected::mapping(&args.dir, target, &overrides)?;
    let chora_project = args
        .dir
        .join(crate::template::answers_file::FILE_NAME)
        .exists();
    let diagnosis = diagnose::diagnose(
        &evidence.claims,
        &mapping,
        target,
        &evidence.refusals,
        chora_project,
    );
    let status = if diagnosis.differences.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Problem
    };
    match args.format {
        Format::Json => {
            let claims = evidence
                .claims
                .describe()
                .into_iter()
                .filter(|(name, _)| *name != "workflow file")
                .map(|(name, value)| {
                    let value = if value == "MISSING" {
                        serde_json::Value::Null
                    } else {
                        serde_json::Value::String(value)
                    };
                    (name.to_string(), value)
                })
                .collect();
            let report = JsonReport {
                index: diagnosis.index,
                claims,
                expected: expected_json(&mapping),
                refusals: evidence
                    .refusals
                    .iter()
                    .map(|(code, description)| serde_json::json!({"code": code, "description": description}))
                    .collect(),
                diagnosis: &diagnosis,
            };
            match serde_json::to_string_pretty(&report) {
                Ok(text) => out.line(text),
                Err(e) => return Err(Failure::usage(format!("cannot write the report: {e}"))),
            }
        }
        Format::Text => print_text(out, &evidence, &mapping, &diagnosis),
    }
    Ok(status)
}

fn print_text(out: &mut Output<'_>, evidence: &Evidence, mapping: &Mapping, d: &Diagnosis) {
    out.line(format!("Trusted publisher on {}", d.index));
    for (code, description) in &evidence.refusals {
        out.line(format!(
            "  the index said: `{code}`: {}",
            for_log(description)
        ));
    }
    out.line("\nThe run presented (from its identity token):");
    for (name, value) in evidence.claims.describe() {
        out.line(format!("  {name:<20} {}", for_log(&value)));
    }
    out.line("\nThis repository expects:");
    let rows = [
        ("owner", &mapping.owner),
        ("repository", &mapping.repository),
        ("workflow file", &mapping.workflow),
        ("environment", &mapping.environment),
        ("project", &mapping.project),
        ("owner id", &mapping.owner_id),
    ];
    for (name, value) in rows {
        match value {
            Some(v) => out.line(format!(
                "  {name:<20} {}  ({})",
                for_log(&v.value),
                for_log(&v.source)
            )),
            None if name == "environment" => out.line(format!("  {name:<20} (none)")),
            None => {}
        }
    }
    out.line("");
    if d.differences.is_empty() {
        out.line(format!(
            "The claims match what this repository expects. So the publisher registered on {} differs from it, or is missing: open the project's publishing settings and compare each value (a typo, a publisher on the other index — PyPI and TestPyPI are separate — or a project not created yet, which needs a pending publisher).",
            d.index
        ));
    } else {
        out.line(format!("{} difference(s):", d.differences.len()));
        for diff in &d.differences {
            let show = |v: &Option<String>| {
                v.as_deref()
                    .map_or("(missing)".to_string(), |v| format!("{:?}", for_log(v)))
            };
            out.line(format!(
                "\n- {}: `{}` is {}, expected {}{}",
                serde_json::to_value(diff.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                diff.claim,
                show(&diff.observed),
                show(&diff.expected),
                diff.expected_from
                    .as_deref()
                    .map_or(String::new(), |f| format!(" ({})", for_log(f)))
            ));
            out.line(format!("  Fix: {}", for_log(&diff.fix)));
        }
    }
    out.line("");
    if let Some(link) = &d.matching_publisher_link {
        out.line(format!(
            "A publisher matching this run as it is: {}",
            for_log(link)
        ));
    }
    out.line(format!(
        "Project not on {} yet: add a pending publisher at {} with the same values.",
        d.index, d.pending_publisher_link
    ));
    out.line("Troubleshooting: https://docs.pypi.org/trusted-publishers/troubleshooting/");
}
