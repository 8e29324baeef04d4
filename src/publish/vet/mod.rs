//! Pre-publish checks over a batch of distributions.
//!
//! [`vet`] reads every file (it never stops at the first bad one) and returns the distributions
//! it could read together with every [`Problem`] it found, per file and across the batch. The
//! caller uploads nothing unless the problem list is empty.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::dist::{self, Dist, DistKind};

mod content;
pub mod finding;
pub mod report;
pub mod secrets;
pub mod stray;

pub use finding::{Finding, Severity};
use report::FileEntry;
pub use report::{AllowSecret, Report, VetOptions};

/// The `Metadata-Version` values chora-publish understands. `2.0` never existed as a standard,
/// but old `bdist_wheel` wrote it and PyPI accepts it.
pub const METADATA_VERSIONS: &[&str] = &[
    "1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5",
];

/// The longest Summary accepted (PyPI's limit).
pub const MAX_SUMMARY: usize = 512;

/// Core-metadata fields that may appear at most once.
const SINGLE_USE_FIELDS: &[&str] = &[
    "Metadata-Version",
    "Name",
    "Version",
    "Summary",
    "Description",
    "Description-Content-Type",
    "Keywords",
    "Home-page",
    "Download-URL",
    "Author",
    "Author-email",
    "Maintainer",
    "Maintainer-email",
    "License",
    "License-Expression",
    "Requires-Python",
];

/// One thing wrong with one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as the user named it (its path as given).
    pub file: String,
    /// What is wrong, as a sentence (without the file name).
    pub message: String,
    /// The file could not be read for a local reason (permission denied, I/O error), as
    /// opposed to being absent or invalid.
    pub local_io: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

fn problem(path: &Path, message: impl Into<String>) -> Problem {
    Problem {
        file: path.display().to_string(),
        message: message.into(),
        local_io: false,
    }
}

/// An I/O error is local (status 4) unless the file is simply not there (an input error).
fn io_problem(path: &Path, message: String, error: &std::io::Error) -> Problem {
    Problem {
        local_io: error.kind() != std::io::ErrorKind::NotFound,
        ..problem(path, message)
    }
}

fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Check every file and the batch as a whole. Returns the distributions that could be read
/// (in input order, each path once) and every problem found; upload only when there are none.
/// The content checks run with [`VetOptions::standard`]; their errors are problems too, their
/// warnings are not (see [`vet_report`] for the whole report).
///
/// Per file: the filename parses (a wheel or a `.tar.gz` sdist); the archive is intact; METADATA
/// / PKG-INFO is present and parses with `Metadata-Version`, `Name` and `Version`; a wheel's
/// RECORD matches the archive; `Metadata-Version` is one chora-publish understands; name and
/// version match the filename (after normalisation); single-use fields appear once;
/// `Description-Content-Type` is one PyPI accepts; every `License-File` (Metadata 2.4+) is in
/// the archive. Across the batch: no file name twice, and at most one sdist per release.
pub fn vet(paths: &[PathBuf]) -> (Vec<Dist>, Vec<Problem>) {
    let (dists, report) = vet_report(paths, &VetOptions::standard());
    let problems = report
        .errors()
        .map(|f| Problem {
            file: f.file.clone(),
            message: report::line(f)
                .strip_prefix(f.file.as_str())
                .map(|rest| {
                    rest.trim_start_matches(": ")
                        .trim_start_matches(" → ")
                        .to_string()
                })
                .unwrap_or_else(|| f.message.clone()),
            local_io: f.rule == UNREADABLE,
        })
        .collect();
    (dists, problems)
}

/// Rule ids of the structural checks (the archive readers and the metadata checks).
pub const FILE: &str = "dist/file";
pub const UNREADABLE: &str = "dist/unreadable";
pub const FILENAME: &str = "dist/filename";
pub const CORRUPT: &str = "dist/corrupt-archive";
pub const METADATA: &str = "dist/metadata";
pub const UNSAFE_MEMBER: &str = "dist/unsafe-member";
pub const WHEEL_LAYOUT: &str = "dist/wheel-layout";
pub const WHEEL_RECORD: &str = "dist/wheel-record";
pub const ONE_SDIST: &str = "batch/one-sdist-per-release";

fn structural(rule: &'static str, p: Problem) -> Finding {
    Finding {
        rule: if p.local_io { UNREADABLE } else { rule },
        severity: Severity::Error,
        file: p.file,
        member: None,
        line: None,
        message: p.message,
        fix: None,
    }
}

fn rule_of(kind: &dist::DistErrorKind) -> &'static str {
    use dist::DistErrorKind as K;
    match kind {
        K::NotADistribution | K::LegacySdistFormat { .. } | K::BadFilename { .. } => FILENAME,
        K::Io(_) => UNREADABLE,
        K::BadZip(_) | K::BadZipMember { .. } | K::BadTarGz(_) => CORRUPT,
        K::MissingMetadata(_) | K::MultipleMetadata(_) | K::Metadata { .. } => METADATA,
        K::Unsafe { .. } => UNSAFE_MEMBER,
        K::Layout(_) => WHEEL_LAYOUT,
        K::Record { .. } => WHEEL_RECORD,
    }
}

/// [`vet`], with the content checks (secrets, stray files) as `options` say, and the whole
/// report: every file, every finding (errors and warnings), the secrets waived.
pub fn vet_report(paths: &[PathBuf], options: &VetOptions) -> (Vec<Dist>, Report) {
    let mut dists = Vec::new();
    let mut findings = Vec::new();
    let mut waived = Vec::new();
    let mut files = Vec::new();
    let mut seen_paths: Vec<&Path> = Vec::new();
    let mut seen_names: HashMap<String, &Path> = HashMap::new();

    for path in paths {
        let before = findings.len();
        let mut entry = FileEntry {
            file: path.display().to_string(),
            kind: None,
            name: None,
            version: None,
            size: None,
            sha256: None,
            members: None,
            backend: None,
            status: "ok",
        };
        if seen_paths.contains(&path.as_path()) {
            findings.push(structural(FILE, problem(path, "listed more than once")));
            continue;
        }
        seen_paths.push(path);
        let name = base_name(path);
        if let Some(first) = seen_names.get(&name) {
            findings.push(structural(
                FILE,
                problem(
                    path,
                    format!(
                        "has the same file name as {}; an index holds one file per name",
                        first.display()
                    ),
                ),
            ));
            continue;
        }
        seen_names.insert(name.clone(), path);

        let readable = match std::fs::metadata(path) {
            Err(e) => Some(io_problem(path, format!("cannot read the file: {e}"), &e)),
            Ok(m) if m.is_dir() => Some(problem(
                path,
                "is a directory, not a distribution file (pass the files, e.g. dist/*)",
            )),
            // A FIFO would block the read, a device never end.
            Ok(m) if !m.is_file() => Some(problem(
                path,
                "is not a regular file (a FIFO, device or socket); distributions are read only from regular files",
            )),
            Ok(_) => None,
        };
        if let Some(p) = readable {
            entry.status = if p.local_io { "unreadable" } else { "refused" };
            findings.push(structural(FILE, p));
            files.push(entry);
            continue;
        }
        let parsed = dist::parse_filename(&name).ok();
        entry.kind = parsed.as_ref().map(|f| match f.kind {
            DistKind::Wheel => "wheel",
            DistKind::Sdist => "sdist",
        });
        let mut content = parsed
            .as_ref()
            .map(|f| content::Content::new(path, f, options));
        let read = match content.as_mut() {
            Some(c) => dist::read_dist_inspecting(path, c),
            None => dist::read_dist(path),
        };
        if let Some(c) = content {
            entry.backend = c.backend().map(|b| b.name());
            let (found, w) = c.into_findings();
            findings.extend(found);
            waived.extend(w);
        }
        match read {
            Ok(d) => {
                for message in check_dist(&d) {
                    findings.push(structural(METADATA, problem(path, message)));
                }
                entry.name = Some(d.metadata.name.clone());
                entry.version = Some(d.metadata.version.clone());
                entry.size = Some(d.size);
                entry.sha256 = Some(d.sha256.clone());
                entry.members = Some(d.members.len());
                dists.push(d);
            }
            Err(e) => {
                let rule = rule_of(&e.kind);
                findings.push(structural(
                    rule,
                    match &e.kind {
                        dist::DistErrorKind::Io(io) => io_problem(path, e.kind.to_string(), io),
                        _ => problem(path, e.kind.to_string()),
                    },
                ));
            }
        }
        let new = &findings[before..];
        if new.iter().any(|f| f.rule == UNREADABLE) {
            entry.status = "unreadable";
        } else if new.iter().any(|f| f.severity == Severity::Error) {
            entry.status = "refused";
        }
        files.push(entry);
    }

    for p in check_one_sdist_per_release(&dists) {
        if let Some(entry) = files.iter_mut().find(|e| e.file == p.file) {
            entry.status = "refused";
        }
        findings.push(structural(ONE_SDIST, p));
    }
    let local_io = findings.iter().any(|f| f.rule == UNREADABLE);
    (dists, Report::new(files, findings, waived, local_io))
}

/// Every per-file problem of a distribution that was read successfully.
pub fn check_dist(d: &Dist) -> Vec<String> {
    let mut out = Vec::new();
    let m = &d.metadata;
    let f = &d.filename;

    if !METADATA_VERSIONS.contains(&m.metadata_version.trim()) {
        out.push(format!(
            "unsupported Metadata-Version {}; chora-publish understands up to 2.5",
            m.metadata_version
        ));
    }

    if !dist::is_valid_name(m.name.trim()) {
        out.push(format!(
            "metadata Name '{}' is not a valid distribution name (ASCII letters, digits, '.', \
             '_', '-'; starting and ending with a letter or digit)",
            m.name
        ));
    } else {
        let normalized = dist::normalize_name(m.name.trim());
        if normalized != f.normalized_name {
            out.push(format!(
                "metadata Name '{}' does not match the filename's name '{}' ({} vs {} after \
                 normalisation); rebuild the distribution",
                m.name, f.name, normalized, f.normalized_name
            ));
        }
    }

    match dist::normalize_version(&m.version) {
        None => out.push(format!(
            "metadata Version '{}' is not a valid PEP 440 version",
            m.version
        )),
        Some(v) if v != f.normalized_version => out.push(format!(
            "metadata Version '{}' does not match the filename's version '{}' ({} vs {} after \
             normalisation); rebuild the distribution",
            m.version, f.version, v, f.normalized_version
        )),
        Some(_) => {}
    }

    // PyPI keeps a Summary of one line, at most 512 characters.
    if let Some(summary) = &m.summary {
        let chars = summary.chars().count();
        if chars > MAX_SUMMARY {
            out.push(format!(
                "metadata Summary is {chars} characters long; the limit is {MAX_SUMMARY} (one line): {}",
                crate::text::excerpt(summary, 60)
            ));
        } else if summary.chars().any(char::is_control) {
            out.push(format!(
                "metadata Summary contains control characters (a new line, NUL…): {}",
                crate::text::excerpt(summary, 60)
            ));
        }
    }
    for (k, v) in &m.fields {
        if (v.contains('\0') || k.contains('\0')) && !k.eq_ignore_ascii_case("Summary") {
            out.push(format!(
                "metadata field {} contains a NUL byte",
                crate::text::excerpt(k, 60)
            ));
            break;
        }
    }

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (k, _) in &m.fields {
        if let Some(single) = SINGLE_USE_FIELDS.iter().find(|s| s.eq_ignore_ascii_case(k)) {
            *counts.entry(single).or_insert(0) += 1;
        }
    }
    for (field, count) in counts {
        if count > 1 {
            out.push(format!(
                "metadata field {field} appears {count} times; it may appear only once"
            ));
        }
    }

    if let Some(dct) = &m.description_content_type
        && let Err(why) = check_description_content_type(dct)
    {
        out.push(format!("invalid Description-Content-Type '{dct}': {why}"));
    }

    if dist::metadata_version_at_least(&m.metadata_version, (2, 4)) {
        out.extend(check_license_files(d));
    }
    out
}

/// Check a `Description-Content-Type` the way PyPI does: `text/plain`, `text/x-rst` or
/// `text/markdown`; `charset`, if given, exactly `UTF-8`; for markdown, `variant`, if given,
/// exactly `GFM` or `CommonMark`.
pub fn check_description_content_type(value: &str) -> Result<(), String> {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if !matches!(
        media.as_str(),
        "text/plain" | "text/x-rst" | "text/markdown"
    ) {
        return Err(format!(
            "the type must be text/plain, text/x-rst or text/markdown, not '{media}'"
        ));
    }
    for param in parts {
        let param = param.trim();
        if param.is_empty() {
            continue;
        }
        let Some((key, raw)) = param.split_once('=') else {
            return Err(format!("parameter '{param}' is not key=value"));
        };
        let key = key.trim().to_ascii_lowercase();
        let val = raw.trim().trim_matches('"');
        match key.as_str() {
            "charset" if val != "UTF-8" => {
                return Err(format!(
                    "charset must be UTF-8 (exactly; PyPI compares case-sensitively), not '{val}'"
                ));
            }
            "variant" if media == "text/markdown" && !matches!(val, "GFM" | "CommonMark") => {
                return Err(format!(
                    "the markdown variant must be GFM or CommonMark (exactly), not '{val}'"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `License-File` paths (Metadata 2.4) that are not in the archive.
fn check_license_files(d: &Dist) -> Vec<String> {
    let base = d
        .metadata_path
        .rsplit_once('/')
        .map(|(dir, _)| dir)
        .unwrap_or_default();
    let mut out = Vec::new();
    for license in d.metadata.get_all("License-File") {
        let expected = match d.filename.kind {
            DistKind::Wheel => format!("{base}/licenses/{license}"),
            DistKind::Sdist => format!("{base}/{license}"),
        };
        if !d.members.contains(&expected) {
            out.push(format!(
                "License-File {license} is not in the archive (expected {expected})"
            ));
        }
    }
    out
}

/// PyPI accepts one sdist per release: report every sdist after the first for the same
/// (normalised name, canonical version; `1.0` and `1.0.0` are one release).
fn check_one_sdist_per_release(dists: &[Dist]) -> Vec<Problem> {
    let mut groups: BTreeMap<(String, String), Vec<&Dist>> = BTreeMap::new();
    for d in dists.iter().filter(|d| d.filename.kind == DistKind::Sdist) {
        groups
            .entry((
                d.filename.normalized_name.clone(),
                dist::canonical_version(&d.filename.version)
                    .unwrap_or_else(|| d.filename.normalized_version.clone()),
            ))
            .or_default()
            .push(d);
    }
    let mut out = Vec::new();
    for group in groups.into_values() {
        if group.len() < 2 {
            continue;
        }
        let names: Vec<String> = group.iter().map(|d| base_name(&d.path)).collect();
        let count = match group.len() {
            2 => "two".to_string(),
            3 => "three".to_string(),
            n => n.to_string(),
        };
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.join(""),
        };
        let display_name = dist::normalize_name(&group[0].metadata.name);
        let version = &group[0].filename.normalized_version;
        for d in &group[1..] {
            out.push(problem(
                &d.path,
                format!(
                    "{count} sdists for {display_name} {version}: {list}; PyPI accepts one sdist \
                     per release"
                ),
            ));
        }
    }
    out
}
