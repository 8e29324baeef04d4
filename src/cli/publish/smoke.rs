//! `chora-publish smoke NAME==VERSION`: wait until the index lists the release, check its
//! digests, install it into a fresh environment and import it (the work is
//! [`crate::publish::smoke`]; this parses, records in the ledger and prints).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{Value, json};

use crate::exit::{ExitStatus, Failure};
use crate::publish::credentials::Env;
use crate::publish::http::{Http, Timeouts};
use crate::publish::ledger::{self, FileDigest, Ledger, Outcome, Record};
use crate::publish::smoke::{
    self, Expected, Installer, Note, PYPI_SIMPLE, Release, Report, Request, TESTPYPI_SIMPLE,
    digests, install,
};

use super::ledger::LedgerArgs;
use super::output::Output;
use super::verify::Format;

/// Help after `smoke --help`.
pub const SMOKE_HELP: &str = "\
Polls the index's simple API (PEP 691 JSON; PEP 503 HTML where that is all it speaks) until the
release's files are listed — first poll at once, then waits doubling from 1 s up to 30 s — and
compares each listed sha256 with the uploaded one (--expect-digests, or the ledger's `upload`
entries). Then installs NAME==VERSION into a fresh virtual environment in a temporary folder,
without a cache, from the explicit index only (uv when on PATH, else python -m venv + pip),
retrying with backoff, and imports it with that environment's Python.

TestPyPI (--testpypi, or its URL): the release is installed alone (--no-deps) from TestPyPI and
its dependencies (Requires-Dist) from PyPI; never --extra-index-url.

Examples:
  chora-publish smoke demo-pkg==0.1.0 --ledger chora-ledger.jsonl
  sha256sum dist/* > SHA256SUMS
  chora-publish smoke demo-pkg==0.1.0 --testpypi --expect-digests SHA256SUMS
  chora-publish smoke demo-pkg==0.1.0 --import demo --timeout 20m --format json

Exit status: 0 listed, installed and imported; 1 the index serves a different file than was
uploaded, or the import failed; 2 bad input; 3 not listed before the timeout, or the install
failed after retries (the index's last answer is shown); 4 a file cannot be read, or the ledger
cannot be written.";

/// Arguments of `chora-publish smoke`.
#[derive(Debug, Clone, Args)]
pub struct SmokeArgs {
    /// The release to test, `NAME==VERSION`.
    #[arg(value_name = "NAME==VERSION")]
    pub release: String,
    /// The simple index the release is polled on and installed from.
    #[arg(long, value_name = "URL", default_value = PYPI_SIMPLE, conflicts_with = "testpypi")]
    pub index_url: String,
    /// Shorthand for --index-url https://test.pypi.org/simple/.
    #[arg(long)]
    pub testpypi: bool,
    /// Where the release's dependencies are installed from; default PyPI for TestPyPI, else
    /// the --index-url itself.
    #[arg(long, value_name = "URL")]
    pub deps_index_url: Option<String>,
    /// The module to import; default the normalised name with `-` as `_`.
    #[arg(long = "import", value_name = "MODULE")]
    pub module: Option<String>,
    /// How long to wait for the index to list the files (`90s`, `10m`, `1h`).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = smoke::parse_duration)]
    pub timeout: Duration,
    /// The uploaded files' digests, `sha256sum` lines (`<sha256>  <file name>`); default the
    /// ledger's `upload` entries.
    #[arg(long, value_name = "FILE")]
    pub expect_digests: Option<PathBuf>,
    /// The Python the environment is made with (default: uv's choice, or python3 on PATH).
    #[arg(long, value_name = "PY")]
    pub python: Option<PathBuf>,
    /// Install attempts in all.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retries: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub ledger: LedgerArgs,
}

/// A simple-index URL from an option: http(s), no credentials, https unless the loopback.
fn index_url(option: &str, text: &str) -> Result<reqwest::Url, Failure> {
    let bad = |why: &str| Failure::usage(format!("{option} {text}: {why}"));
    let mut url = reqwest::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Failure::usage(format!(
            "{option}: credentials in the URL are not supported ({})",
            smoke::display_url(&url)
        ))
        .with_hint("smoke reads the index anonymously, as a user installing the release would"));
    }
    let loopback = matches!(
        url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
    );
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(bad(
                "not https (plain http is allowed for 127.0.0.1/localhost test indexes)",
            ));
        }
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// The release's index and its dependencies' index: TestPyPI's dependencies come from PyPI.
fn indexes(args: &SmokeArgs) -> Result<(reqwest::Url, reqwest::Url), Failure> {
    let (option, text) = if args.testpypi {
        ("--testpypi", TESTPYPI_SIMPLE)
    } else {
        ("--index-url", args.index_url.as_str())
    };
    let index = index_url(option, text)?;
    let deps_index = match &args.deps_index_url {
        Some(text) => index_url("--deps-index-url", text)?,
        None if smoke::is_testpypi(&index) => index_url("--deps-index-url", PYPI_SIMPLE)?,
        None => index.clone(),
    };
    Ok((index, deps_index))
}

/// The expected digests: --expect-digests, else the ledger's uploads. `None` (with a warning)
/// only when no source was named and the default ledger has none.
fn expected(
    args: &SmokeArgs,
    env: &Env,
    release: &Release,
    index: &reqwest::Url,
    out: &Output,
) -> Result<Option<Expected>, Failure> {
    if let Some(path) = &args.expect_digests {
        return Ok(Some(digests::read_sha256sums(path, release)?));
    }
    let explicit = args.ledger.ledger.is_some();
    let unchecked = |why: String| {
        out.warning(
            "Smoke test",
            &format!(
                "{why}: the listed digests are not compared with the uploaded files (pass --expect-digests FILE or --ledger FILE)"
            ),
        );
        Ok(None)
    };
    let Some(path) =
        ledger::default_path(env, args.ledger.ledger.as_deref(), args.ledger.no_ledger)
    else {
        return unchecked("no ledger and no --expect-digests".to_string());
    };
    if !path.exists() {
        if explicit {
            return Err(Failure::usage(format!(
                "the ledger {} does not exist, so it names no uploaded file",
                path.display()
            ))
            .with_hint("pass the ledger `chora-publish upload --ledger FILE` wrote, or --expect-digests FILE"));
        }
        return unchecked(format!("the ledger {} does not exist", path.display()));
    }
    let verified = ledger::verify_file(&path).map_err(Failure::from)?;
    let source = format!("the ledger {}", path.display());
    match digests::from_ledger(&verified.entries, release, index, &source) {
        Ok(e) => Ok(Some(e)),
        Err(e) if explicit => Err(Failure::from(e)),
        Err(e) => unchecked(e.to_string()),
    }
}

/// `chora-publish smoke`.
pub fn run(args: &SmokeArgs, env: &Env, out: &Output) -> Result<ExitStatus, Failure> {
    let release = Release::parse(&args.release)?;
    let module = args
        .module
        .clone()
        .unwrap_or_else(|| release.default_module());
    if !install::is_module_name(&module) {
        return Err(
            Failure::usage(format!("--import {module:?}: not a Python module name")).with_hint(
                "name an importable module, e.g. --import demo_pkg or --import demo.sub",
            ),
        );
    }
    let (index, deps_index) = indexes(args)?;
    let expected = expected(args, env, &release, &index, out)?;
    // PATH is read here, not through `Env`: any bytes are a valid PATH.
    let path = std::env::var_os("PATH");
    let installer = Installer::find(path.as_deref(), args.python.as_deref())?;
    let mut ledger = args.ledger.open(env)?;
    let request = Request {
        release,
        index_url: index,
        deps_index_url: deps_index,
        expected,
        module,
        timeout: args.timeout,
        backoff_base: super::retry_base(env),
        install_attempts: args.retries,
        installer,
        python: args.python.clone(),
        work_dir: None,
    };
    let files: Vec<FileDigest> = request
        .expected
        .iter()
        .flat_map(|e| &e.files)
        .map(|(name, sha256)| FileDigest {
            name: name.clone(),
            sha256: sha256.clone(),
        })
        .collect();
    record(
        ledger.as_mut(),
        &request,
        Outcome::Started,
        files.clone(),
        None,
        serde_json::Map::new(),
    )?;
    let http = Http::new(Timeouts::from_lookup(|k| env.get(k).map(str::to_string)))?;
    let json = args.format == Format::Json;
    let say = |text: &str| {
        if json {
            out.error_line(text);
        } else {
            out.line(text);
        }
    };
    say(&format!(
        "smoke {} from {} ({}){}",
        request.release.pin(),
        smoke::display_url(&request.index_url),
        request.installer.kind.name(),
        match &request.expected {
            Some(e) => format!(", digests from {}", e.source),
            None => String::new(),
        }
    ));
    let note = |n: Note<'_>| say(&describe(&n));
    let (report, result) = smoke::run(&request, &http, &note);
    let details = details(&report);
    let outcome = if result.is_ok() {
        Outcome::Succeeded
    } else {
        Outcome::Failed
    };
    let served: Vec<FileDigest> = report
        .files
        .iter()
        .map(|f| FileDigest {
            name: f.name.clone(),
            sha256: f.sha256.clone(),
        })
        .collect();
    record(
        ledger.as_mut(),
        &request,
        outcome,
        if served.is_empty() { files } else { served },
        report.error.clone(),
        details,
    )?;
    if json {
        out.line(&serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_text(&report, out);
    }
    match result {
        Ok(()) => Ok(ExitStatus::Success),
        Err(e) => {
            out.github_error("Smoke test failed", &e.to_string());
            Err(Failure::from(e))
        }
    }
}

fn describe(note: &Note<'_>) -> String {
    match note {
        Note::Waiting { poll, answer, next } => format!(
            "  poll {poll}: not listed yet ({answer}); next poll in {} ms",
            next.as_millis()
        ),
        Note::Visible { polls, elapsed } => format!(
            "  listed after {polls} poll(s), {} ms after the first",
            elapsed.as_millis()
        ),
        Note::InstallRetry {
            attempt,
            next,
            output,
        } => format!(
            "  install attempt {attempt} failed; retrying in {} ms:\n{}",
            next.as_millis(),
            output
                .lines()
                .map(|l| format!("    | {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Note::Installed { attempts, elapsed } => format!(
            "  installed in {} ms ({attempts} attempt(s))",
            elapsed.as_millis()
        ),
    }
}

fn print_text(report: &Report, out: &Output) {
    for f in &report.files {
        out.line(&format!(
            "  {}  {}  sha256 {}",
            if f.checked { "ok " } else { "-- " },
            f.name,
            f.sha256
        ));
    }
    if report.result == "ok" {
        out.line(&format!(
            "ok  {}: propagation {} ms ({} polls), install {} ms ({}, {} attempt(s)), import {} {} ms",
            report.release,
            report.propagation_ms.unwrap_or_default(),
            report.polls,
            report.install_ms.unwrap_or_default(),
            report.installer,
            report.install_attempts,
            report.module,
            report.import_ms.unwrap_or_default()
        ));
    }
}

/// The ledger `details` of a smoke entry.
fn details(report: &Report) -> serde_json::Map<String, Value> {
    let value = json!({
        "propagation_ms": report.propagation_ms,
        "install_ms": report.install_ms,
        "import_ms": report.import_ms,
        "polls": report.polls,
        "installer": report.installer,
        "install_attempts": report.install_attempts,
        "module": report.module,
        "result": report.result,
        "index": report.index,
    });
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

fn record(
    ledger: Option<&mut Ledger>,
    request: &Request,
    outcome: Outcome,
    files: Vec<FileDigest>,
    message: Option<String>,
    details: serde_json::Map<String, Value>,
) -> Result<(), Failure> {
    let Some(ledger) = ledger else {
        return Ok(());
    };
    ledger
        .append(Record {
            operation: "smoke".to_string(),
            outcome,
            target: Some(smoke::display_url(&request.index_url)),
            files,
            retries: request_retries(outcome, &details),
            status: None,
            message,
            details,
        })
        .map(|_| ())
        .map_err(Failure::from)
}

fn request_retries(outcome: Outcome, details: &serde_json::Map<String, Value>) -> u32 {
    if outcome == Outcome::Started {
        return 0;
    }
    details
        .get("install_attempts")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n.saturating_sub(1)).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        smoke: SmokeArgs,
    }

    fn parse(args: &[&str]) -> SmokeArgs {
        Cli::try_parse_from(std::iter::once("smoke").chain(args.iter().copied()))
            .unwrap()
            .smoke
    }

    fn urls(args: &[&str]) -> (String, String) {
        let (a, b) = indexes(&parse(args)).unwrap();
        (a.to_string(), b.to_string())
    }

    #[test]
    fn testpypi_dependencies_come_from_pypi() {
        let pypi = PYPI_SIMPLE.to_string();
        let test = TESTPYPI_SIMPLE.to_string();
        assert_eq!(urls(&["x==1"]), (pypi.clone(), pypi.clone()));
        assert_eq!(urls(&["x==1", "--testpypi"]), (test.clone(), pypi.clone()));
        assert_eq!(
            urls(&["x==1", "--index-url", "https://test.pypi.org/simple"]),
            (test.clone(), pypi.clone())
        );
        assert_eq!(
            urls(&["x==1", "--index-url", "http://127.0.0.1:8/simple"]),
            (
                "http://127.0.0.1:8/simple/".to_string(),
                "http://127.0.0.1:8/simple/".to_string()
            )
        );
        assert_eq!(
            urls(&[
                "x==1",
                "--testpypi",
                "--deps-index-url",
                "https://mirror.example/simple/"
            ]),
            (test, "https://mirror.example/simple/".to_string())
        );
        for bad in [
            "http://example.org/simple/",
            "https://user:pw@example.org/simple/",
            "ftp://127.0.0.1/simple/",
            "not a url",
        ] {
            assert!(
                indexes(&parse(&["x==1", "--index-url", bad])).is_err(),
                "{bad}"
            );
        }
        assert!(
            Cli::try_parse_from(["smoke", "x==1", "--testpypi", "--index-url", "https://a/"])
                .is_err()
        );
        assert_eq!(parse(&["x==1"]).timeout, Duration::from_secs(600));
    }
}
