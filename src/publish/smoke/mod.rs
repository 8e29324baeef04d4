//! The smoke test after an upload: wait until the index lists the release's files (PEP 691
//! JSON simple API, PEP 503 HTML as the fallback), check their sha256 against what was
//! uploaded, install the exact release into a fresh virtual environment from an explicit
//! index, and import it. Plain data in ([`Request`]) and out ([`Report`]); progress is told
//! through a callback, nothing is printed here.

pub mod digests;
pub mod install;
pub mod poll;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::dist;
use super::http::Http;

pub use digests::Expected;
pub use install::{Installer, InstallerKind};

/// PyPI's simple index.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple/";
/// TestPyPI's simple index.
pub const TESTPYPI_SIMPLE: &str = "https://test.pypi.org/simple/";

/// The release under test, from `NAME==VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// The name as given.
    pub name: String,
    /// PEP 503 normalised name.
    pub project: String,
    /// The version as given.
    pub version: String,
    /// The form the index tells releases apart by (`1.0.0` and `1.0` are one release).
    pub canonical: String,
}

impl Release {
    /// `NAME==VERSION` (white space around the parts allowed, nothing else).
    pub fn parse(text: &str) -> Result<Release, SmokeError> {
        let bad = |why: &str| SmokeError::BadRelease {
            given: text.to_string(),
            reason: why.to_string(),
        };
        let (name, version) = text
            .split_once("==")
            .ok_or_else(|| bad("expected NAME==VERSION, e.g. demo-pkg==0.1.0"))?;
        let (name, version) = (name.trim(), version.trim());
        if !dist::is_valid_name(name) {
            return Err(bad("the name is not a valid distribution name (PEP 508)"));
        }
        let canonical = dist::canonical_version(version)
            .ok_or_else(|| bad("the version is not a valid PEP 440 version"))?;
        Ok(Release {
            name: name.to_string(),
            project: crate::names::pep503(name),
            version: version.to_string(),
            canonical,
        })
    }

    /// The default module to import: the normalised name with `-` as `_`.
    pub fn default_module(&self) -> String {
        self.project.replace('-', "_")
    }

    /// Whether a distribution file name belongs to this release.
    pub fn owns(&self, file_name: &str) -> bool {
        dist::parse_filename(file_name).is_ok_and(|f| {
            f.normalized_name == self.project
                && dist::canonical_version(&f.version).unwrap_or(f.normalized_version)
                    == self.canonical
        })
    }

    /// `name==version`, the exact pin given to the installer.
    pub fn pin(&self) -> String {
        format!("{}=={}", self.project, self.version)
    }
}

/// Whether `url` is TestPyPI's (its dependencies then come from PyPI).
pub fn is_testpypi(url: &reqwest::Url) -> bool {
    url.host_str() == Some("test.pypi.org")
}

/// `--timeout`: `90s`, `10m`, `1h`, `1h30m`, `500ms`, or plain seconds. Hand-written (a few
/// lines) rather than a new dependency for one option.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration; e.g. 90s, 10m or 1h".to_string());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let n: u64 = number
            .parse()
            .map_err(|_| format!("{text:?} is not a duration; e.g. 90s, 10m or 1h"))?;
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => {
                return Err(format!(
                    "{text:?} is not a duration (units: ms, s, m, h); e.g. 90s, 10m or 1h"
                ));
            }
        };
        total = total.saturating_add(part);
        rest = after;
    }
    Ok(total)
}

/// What to smoke-test, and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub release: Release,
    /// The simple index the release is polled on and installed from (ends in `/`).
    pub index_url: reqwest::Url,
    /// Where its dependencies are installed from: PyPI for TestPyPI, else the same index.
    pub deps_index_url: reqwest::Url,
    /// The files that were uploaded (None: not checked; any file of the release will do).
    pub expected: Option<Expected>,
    /// The module imported after the install.
    pub module: String,
    /// How long to wait for the files to be listed.
    pub timeout: Duration,
    /// The first wait between polls and between install attempts (doubled each time, capped
    /// at 30 times this).
    pub backoff_base: Duration,
    /// Install attempts in all.
    pub install_attempts: u32,
    /// The installer found on PATH.
    pub installer: Installer,
    /// The Python the environment is made with (None: the installer's default).
    pub python: Option<PathBuf>,
    /// Where the fresh environment is made (a new temporary folder is made inside).
    pub work_dir: Option<PathBuf>,
}

/// A file the index serves for the release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedFile {
    pub name: String,
    pub sha256: String,
    /// Its digest was compared with the uploaded one (and matched).
    pub checked: bool,
}

/// What a smoke test found, stage by stage (a stage not reached is `None`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// `name==version`.
    pub release: String,
    pub index: String,
    pub deps_index: String,
    /// Where the expected digests came from (None: not checked).
    pub digests_from: Option<String>,
    /// Simple-API requests made.
    pub polls: u32,
    /// First poll to the poll that listed every expected file.
    pub propagation_ms: Option<u64>,
    /// The index's last answer, in words.
    pub last_answer: Option<String>,
    pub files: Vec<ServedFile>,
    /// `uv` or `pip`.
    pub installer: String,
    pub install_attempts: u32,
    /// Environment creation and install, retries included.
    pub install_ms: Option<u64>,
    pub module: String,
    pub import_ms: Option<u64>,
    /// `ok`, or the stage that failed: `not-visible`, `digest-mismatch`, `install-failed`,
    /// `import-failed`, `environment`.
    pub result: String,
    /// What went wrong, in words.
    pub error: Option<String>,
}

/// A served file whose digest is not the uploaded one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub name: String,
    pub expected: String,
    pub served: String,
}

/// Why a smoke test failed or could not start.
#[derive(Debug, thiserror::Error)]
pub enum SmokeError {
    #[error("{given:?} is not a release to test: {reason}")]
    BadRelease { given: String, reason: String },
    #[error("{0}")]
    BadInput(String),
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("the index serves a different file than was uploaded: {}", describe_mismatches(.0))]
    Mismatch(Vec<Mismatch>),
    #[error(
        "{release} is not visible on {index} after {waited_ms} ms ({polls} polls){}; the index's last answer: {last_answer}",
        if missing.is_empty() { String::new() } else { format!(", still missing {}", missing.join(", ")) }
    )]
    NotVisible {
        release: String,
        index: String,
        waited_ms: u64,
        polls: u32,
        missing: Vec<String>,
        last_answer: String,
    },
    #[error("cannot make a fresh virtual environment with {installer}: {reason}")]
    Environment { installer: String, reason: String },
    #[error(
        "installing {release} with {installer} failed after {attempts} attempt(s); the index's last answer: {last_answer}; the installer said:\n{output}"
    )]
    InstallFailed {
        release: String,
        installer: String,
        attempts: u32,
        last_answer: String,
        output: String,
    },
    #[error("{release} installed, but `import {module}` failed:\n{output}")]
    ImportFailed {
        release: String,
        module: String,
        output: String,
    },
}

impl SmokeError {
    /// The `result` word of the report for this failure.
    pub fn stage(&self) -> &'static str {
        match self {
            SmokeError::BadRelease { .. } | SmokeError::BadInput(_) | SmokeError::Read { .. } => {
                "bad-input"
            }
            SmokeError::Mismatch(_) => "digest-mismatch",
            SmokeError::NotVisible { .. } => "not-visible",
            SmokeError::Environment { .. } => "environment",
            SmokeError::InstallFailed { .. } => "install-failed",
            SmokeError::ImportFailed { .. } => "import-failed",
        }
    }
}

fn describe_mismatches(m: &[Mismatch]) -> String {
    m.iter()
        .map(|m| {
            format!(
                "{} is listed with sha256 {}, but {} was uploaded",
                m.name, m.served, m.expected
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What the smoke test tells its caller as it goes.
#[derive(Debug, Clone)]
pub enum Note<'a> {
    /// A poll that did not find every file yet.
    Waiting {
        poll: u32,
        answer: &'a str,
        next: Duration,
    },
    /// Every expected file is listed.
    Visible { polls: u32, elapsed: Duration },
    /// An install attempt failed and will be retried.
    InstallRetry {
        attempt: u32,
        next: Duration,
        output: &'a str,
    },
    /// Installed.
    Installed { attempts: u32, elapsed: Duration },
}

/// The wait before attempt `n + 1` (n ≥ 1): `base × 2^(n-1)`, at most `30 × base`.
pub fn backoff(base: Duration, n: u32) -> Duration {
    let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(base.saturating_mul(30))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Run the smoke test: poll, check digests, install, import. The report holds what each
/// reached stage found, also on failure.
pub fn run(
    request: &Request,
    http: &Http,
    note: &dyn Fn(Note<'_>),
) -> (Report, Result<(), SmokeError>) {
    let mut report = Report {
        release: request.release.pin(),
        index: display_url(&request.index_url),
        deps_index: display_url(&request.deps_index_url),
        digests_from: request.expected.as_ref().map(|e| e.source.clone()),
        installer: request.installer.kind.name().to_string(),
        module: request.module.clone(),
        ..Report::default()
    };
    let result = stages(request, http, note, &mut report);
    match &result {
        Ok(()) => report.result = "ok".to_string(),
        Err(e) => {
            report.result = e.stage().to_string();
            report.error = Some(e.to_string());
        }
    }
    (report, result)
}

fn stages(
    request: &Request,
    http: &Http,
    note: &dyn Fn(Note<'_>),
    report: &mut Report,
) -> Result<(), SmokeError> {
    // 1. Wait until the index lists the files, checking each listed digest.
    let seen = poll::wait_visible(request, http, note, report)?;
    report.files = seen;

    // 2. Install into a fresh environment, with retries.
    let started = Instant::now();
    let env = install::Environment::create(request)?;
    let url = poll::project_url(&request.index_url, &request.release.project)?;
    let last_answer = || match poll::poll_once(http, request, &url) {
        poll::Answer::Listed(files) => {
            format!("HTTP 200, {} file(s) of the release listed", files.len())
        }
        poll::Answer::Unlisted(why) => why,
    };
    let installed = install::install(request, &env, report, note, &last_answer);
    report.install_ms = Some(millis(started.elapsed()));
    installed?;
    note(Note::Installed {
        attempts: report.install_attempts,
        elapsed: started.elapsed(),
    });

    // 3. Import.
    let started = Instant::now();
    let imported = install::import(request, &env);
    report.import_ms = Some(millis(started.elapsed()));
    imported
}

/// A URL for messages, reports and the ledger: a password in it shown as `***`.
pub fn display_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

/// `text` with the passwords of the request's index URLs replaced by `***`.
pub fn redact_url_secrets(text: &str, request: &Request) -> String {
    [&request.index_url, &request.deps_index_url]
        .iter()
        .filter_map(|u| u.password())
        .filter(|p| !p.is_empty())
        .fold(text.to_string(), |t, p| t.replace(p, "***"))
}

/// Files of the release in a listing: name -> sha256.
pub fn release_files(
    release: &Release,
    listing: &super::index::ProjectFiles,
) -> BTreeMap<String, String> {
    listing
        .iter()
        .filter(|(name, _)| release.owns(name))
        .map(|(name, f)| (name.clone(), f.sha256.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        let r = Release::parse("Demo_Pkg==1.0.0").unwrap();
        assert_eq!(r.project, "demo-pkg");
        assert_eq!(r.canonical, "1");
        assert_eq!(r.default_module(), "demo_pkg");
        assert_eq!(r.pin(), "demo-pkg==1.0.0");
        assert!(r.owns("demo_pkg-1.0-py3-none-any.whl"));
        assert!(r.owns("demo_pkg-1.0.0.tar.gz"));
        assert!(!r.owns("demo_pkg-1.0.1.tar.gz"));
        assert!(!r.owns("other-1.0.0.tar.gz"));
        for bad in ["demo", "demo==", "==1.0", "de mo==1.0", "demo==one"] {
            assert!(Release::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        for bad in ["", "10x", "m", "1.5h", "-1s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        let waits: Vec<u64> = (1..=8).map(|n| millis(backoff(base, n))).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3000, 3000, 3000]);
        assert_eq!(backoff(base, 200), Duration::from_secs(3));
    }
}
