//! Distribution files: filenames, metadata, hashes.
//!
//! Everything here is a pure function over a file on disk or over text: no network. The stages
//! are [`parse_filename`] (wheel and sdist filenames, PEP 440 versions, PEP 503 names),
//! [`parse_metadata`] (core metadata in its RFC 822 form), [`read_dist`] (open the archive, find
//! METADATA / PKG-INFO, verify a wheel's RECORD, hash the file) and [`upload_fields`] (the form
//! fields of the legacy upload API). Every error names the file and says what is wrong.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

/// The size of the buffer every streaming read here uses; memory does not grow with file size.
pub const CHUNK_SIZE: usize = 256 * 1024;

/// The largest METADATA / PKG-INFO / RECORD member read into memory (a description can be long,
/// but not this long; the limit keeps a hostile archive from exhausting memory).
const MAX_TEXT_MEMBER: u64 = 32 * 1024 * 1024;

/// The two kinds of distribution PyPI accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistKind {
    /// A built distribution (`.whl`, the binary distribution format).
    Wheel,
    /// A source distribution (`.tar.gz`, PEP 625).
    Sdist,
}

impl DistKind {
    /// The upload API's `filetype` value: `bdist_wheel` or `sdist`.
    pub fn filetype(self) -> &'static str {
        match self {
            DistKind::Wheel => "bdist_wheel",
            DistKind::Sdist => "sdist",
        }
    }

    /// `wheel` or `sdist`, for messages.
    pub fn label(self) -> &'static str {
        match self {
            DistKind::Wheel => "wheel",
            DistKind::Sdist => "sdist",
        }
    }
}

/// A parsed distribution filename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFilename {
    /// The file name as given (no directory).
    pub file_name: String,
    /// Wheel or sdist.
    pub kind: DistKind,
    /// The distribution name exactly as written in the filename.
    pub name: String,
    /// The PEP 503 normalised name (lowercase, runs of `-_.` become `-`), e.g. `demo-pkg`.
    pub normalized_name: String,
    /// The version exactly as written in the filename.
    pub version: String,
    /// The PEP 440 normalised version, e.g. `1.0.0rc1` for `1.0.0-rc1`.
    pub normalized_version: String,
    /// Wheel build tag (starts with a digit), if any.
    pub build_tag: Option<String>,
    /// Wheel Python tag(s) as written, e.g. `py3` or `py2.py3`; `source` for an sdist.
    pub python_tag: String,
    /// Wheel ABI tag, e.g. `none`; `None` for an sdist.
    pub abi_tag: Option<String>,
    /// Wheel platform tag, e.g. `any`; `None` for an sdist.
    pub platform_tag: Option<String>,
    /// Why the filename is not in normalised form (legacy names are accepted but recorded
    /// here); empty when it is normalised.
    pub non_normalized: Vec<String>,
}

impl DistFilename {
    /// The file name without its extension: `{name}-{version}` for an sdist (which is also the
    /// sdist's top-level directory), the whole tag string for a wheel.
    pub fn stem(&self) -> &str {
        let ext = match self.kind {
            DistKind::Wheel => ".whl",
            DistKind::Sdist => ".tar.gz",
        };
        self.file_name
            .strip_suffix(ext)
            .unwrap_or(self.file_name.as_str())
    }

    /// The upload API's `pyversion`: wheel Python tags joined by `.`, or `source`.
    pub fn pyversion(&self) -> String {
        match self.kind {
            DistKind::Wheel => self
                .python_tag
                .split('.')
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("."),
            DistKind::Sdist => "source".to_string(),
        }
    }

    /// True when the filename is already in the normalised form tools produce today.
    pub fn is_normalized(&self) -> bool {
        self.non_normalized.is_empty()
    }

    /// The filename in normalised form (name lowercase with `_`, PEP 440 normalised version).
    pub fn normalized_file_name(&self) -> String {
        let name = self.normalized_name.replace('-', "_");
        match self.kind {
            DistKind::Sdist => format!("{name}-{}.tar.gz", self.normalized_version),
            DistKind::Wheel => {
                let build = self
                    .build_tag
                    .as_deref()
                    .map(|b| format!("-{b}"))
                    .unwrap_or_default();
                format!(
                    "{name}-{}{build}-{}-{}-{}.whl",
                    self.normalized_version,
                    self.python_tag,
                    self.abi_tag.as_deref().unwrap_or_default(),
                    self.platform_tag.as_deref().unwrap_or_default()
                )
            }
        }
    }
}

/// Core metadata read from a wheel's METADATA or an sdist's PKG-INFO.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metadata {
    /// `Metadata-Version`, e.g. `2.4`.
    pub metadata_version: String,
    /// `Name` as written.
    pub name: String,
    /// `Version` as written.
    pub version: String,
    /// `Summary`, if present.
    pub summary: Option<String>,
    /// `Requires-Python`, if present.
    pub requires_python: Option<String>,
    /// `Description-Content-Type`, if present.
    pub description_content_type: Option<String>,
    /// Every header in file order, multi-use fields kept, names as written.
    pub fields: Vec<(String, String)>,
    /// The description: the message body, or the legacy `Description` header when there is no
    /// body.
    pub description: Option<String>,
}

impl Metadata {
    /// The first value of a field (names compare case-insensitively).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a field, in file order.
    pub fn get_all(&self, field: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A distribution file that was opened and read successfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dist {
    /// Where the file is.
    pub path: PathBuf,
    /// Its parsed filename.
    pub filename: DistFilename,
    /// Its core metadata.
    pub metadata: Metadata,
    /// Where the metadata lives in the archive, e.g. `demo_pkg-0.1.0.dist-info/METADATA` or
    /// `demo_pkg-0.1.0/PKG-INFO`.
    pub metadata_path: String,
    /// Every regular file in the archive (archive paths, `/`-separated), in archive order.
    pub members: Vec<String>,
    /// File size in bytes.
    pub size: u64,
    /// SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// BLAKE2b-256 of the whole file, lowercase hex.
    pub blake2_256: String,
}

/// Size and digests of a file, computed in one streaming pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests {
    /// Bytes read.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// BLAKE2b with a 32-byte output, lowercase hex.
    pub blake2_256: String,
}

/// A problem with one distribution file: which file, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {kind}")]
pub struct DistError {
    /// The file as the user named it.
    pub file: String,
    /// What is wrong.
    pub kind: DistErrorKind,
}

/// What is wrong with a distribution file (the message does not repeat the file name).
#[derive(Debug, thiserror::Error)]
pub enum DistErrorKind {
    /// Neither a wheel nor an sdist by its extension.
    #[error("not a distribution: expected a wheel (.whl) or a source distribution (.tar.gz)")]
    NotADistribution,
    /// An sdist in a format PyPI no longer accepts.
    #[error(
        "{ext} source distributions are not accepted by PyPI (PEP 625 allows only .tar.gz); \
         rebuild the sdist as .tar.gz (e.g. `uv build --sdist`)"
    )]
    LegacySdistFormat {
        /// The extension found, e.g. `.zip`.
        ext: String,
    },
    /// The filename does not follow the wheel or sdist naming scheme.
    #[error("invalid {kind} filename: {reason}")]
    BadFilename {
        /// `wheel` or `sdist`.
        kind: &'static str,
        /// What does not parse.
        reason: String,
    },
    /// The file cannot be read at all.
    #[error("cannot read the file: {0}")]
    Io(#[source] io::Error),
    /// The zip container is broken (not a zip, truncated, bad central directory).
    #[error("{0}")]
    BadZip(String),
    /// One member of the zip cannot be read (bad compressed data, CRC mismatch, ...).
    #[error("corrupt archive member {member}: {detail}")]
    BadZipMember {
        /// The member's path inside the archive.
        member: String,
        /// What the zip reader reported.
        detail: String,
    },
    /// The gzip or tar stream of an sdist is truncated or corrupt.
    #[error("{0}")]
    BadTarGz(String),
    /// No METADATA / PKG-INFO where it must be.
    #[error("{0}")]
    MissingMetadata(String),
    /// Several candidate metadata files.
    #[error("more than one metadata file: {}", .0.join(", "))]
    MultipleMetadata(Vec<String>),
    /// METADATA / PKG-INFO does not parse.
    #[error("{member}: {error}")]
    Metadata {
        /// The metadata member's path inside the archive.
        member: String,
        /// What does not parse.
        error: MetadataError,
    },
    /// The archive layout breaks the format (e.g. no WHEEL, a mismatched `.dist-info`).
    #[error("{0}")]
    Layout(String),
    /// A wheel's RECORD does not match the archive.
    #[error("{record} does not match the archive: {}", .details.join("; "))]
    Record {
        /// The RECORD member's path.
        record: String,
        /// Each mismatch, one sentence each.
        details: Vec<String>,
    },
}

/// Why a METADATA / PKG-INFO text does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    /// The bytes are not UTF-8.
    #[error("not valid UTF-8 (first bad byte at offset {0})")]
    NotUtf8(usize),
    /// A header line without `Field: value` shape.
    #[error("line {line} is not a `Field: value` header: {text:?}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// The text starts with an indented (continuation) line.
    #[error("line 1 is indented: a continuation line needs a header before it")]
    LeadingContinuation,
    /// Required fields absent.
    #[error("required field{} missing: {}", if .0.len() == 1 { " is" } else { "s are" }, .0.join(", "))]
    Missing(Vec<&'static str>),
    /// A required single-use field given more than once.
    #[error("{field} appears {count} times; it may appear only once")]
    Repeated {
        /// The field name.
        field: &'static str,
        /// How many times it appears.
        count: usize,
    },
}

fn err(file: &str, kind: DistErrorKind) -> DistError {
    DistError {
        file: file.to_string(),
        kind,
    }
}

// ---------------------------------------------------------------------------------------------
// Names and versions

/// PEP 503 normalisation: lowercase, every run of `-`, `_` and `.` becomes one `-`.
pub use crate::names::pep503 as normalize_name;

/// True when `name` is a valid distribution name (PEP 508: ASCII letters and digits, with
/// `.`, `_`, `-` inside).
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        }
        _ => false,
    }
}

/// Normalise a PEP 440 version (`1.0.0-RC1` → `1.0.0rc1`, `v1.0-1` → `1.0.post1`). `None` when
/// the text is not a valid PEP 440 version.
pub fn normalize_version(text: &str) -> Option<String> {
    Pep440Parser::new(text.trim()).parse()
}

/// The form PyPI uses to tell releases apart: the normalised version with trailing `.0`
/// release segments removed (`1.0.0` and `1.0` are the same release). `None` when invalid.
pub fn canonical_version(text: &str) -> Option<String> {
    let normalized = normalize_version(text)?;
    let (epoch, rest) = match normalized.split_once('!') {
        Some((e, r)) => (format!("{e}!"), r.to_string()),
        None => (String::new(), normalized.clone()),
    };
    let release_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    // A '.' right before a suffix (".post1", ".dev0") belongs to the suffix.
    let release_len = if rest[..release_len].ends_with('.') {
        release_len - 1
    } else {
        release_len
    };
    let (release, suffix) = rest.split_at(release_len);
    let mut segments: Vec<&str> = release.split('.').collect();
    while segments.len() > 1 && segments.last() == Some(&"0") {
        segments.pop();
    }
    Some(format!("{epoch}{}{suffix}", segments.join(".")))
}

struct Pep440Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Pep440Parser<'a> {
    fn new(text: &'a str) -> Self {
        Pep440Parser {
            s: text.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).map(u8::to_ascii_lowercase)
    }

    fn digits(&mut self) -> Option<String> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        let raw = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        let trimmed = raw.trim_start_matches('0');
        Some(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
    }

    fn is_sep(b: Option<u8>) -> bool {
        matches!(b, Some(b'-' | b'_' | b'.'))
    }

    /// Match one of `labels` (lowercase, longest first) at the cursor, case-insensitively.
    fn label(&self, at: usize, labels: &[&'static str]) -> Option<&'static str> {
        labels.iter().copied().find(|l| {
            self.s.len() >= at + l.len()
                && self.s[at..at + l.len()]
                    .iter()
                    .zip(l.bytes())
                    .all(|(a, b)| a.to_ascii_lowercase() == b)
        })
    }

    /// `[sep] label [sep] [digits]`, as greedy as packaging's regular expression (`1.0a.` is
    /// `1.0a0`, `1.0a-1` is `1.0a1`); the leading separator is taken only before a label.
    fn labelled(&mut self, labels: &[&'static str]) -> Option<(&'static str, String)> {
        let mut at = self.i;
        if Self::is_sep(self.s.get(at).copied()) {
            at += 1;
        }
        let label = self.label(at, labels)?;
        self.i = at + label.len();
        if Self::is_sep(self.peek()) {
            self.i += 1;
        }
        let number = self.digits().unwrap_or_else(|| "0".to_string());
        Some((label, number))
    }

    fn parse(mut self) -> Option<String> {
        if self.peek() == Some(b'v') {
            self.i += 1;
        }
        let mut out = String::new();
        let first = self.digits()?;
        let mut release = vec![first];
        if self.peek() == Some(b'!') {
            self.i += 1;
            let epoch = release.pop().unwrap_or_default();
            if epoch != "0" {
                out.push_str(&epoch);
                out.push('!');
            }
            release.push(self.digits()?);
        }
        while self.peek() == Some(b'.') && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
            release.push(self.digits()?);
        }
        out.push_str(&release.join("."));
        // Pre-release.
        if let Some((label, n)) =
            self.labelled(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
        {
            let label = match label {
                "alpha" | "a" => "a",
                "beta" | "b" => "b",
                _ => "rc",
            };
            out.push_str(label);
            out.push_str(&n);
        }
        // Post-release: `-N` or `[sep](post|rev|r)[sep][N]`.
        if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
            let n = self.digits()?;
            out.push_str(".post");
            out.push_str(&n);
        } else if let Some((_, n)) = self.labelled(&["post", "rev", "r"]) {
            out.push_str(".post");
            out.push_str(&n);
        }
        // Development release.
        if let Some((_, n)) = self.labelled(&["dev"]) {
            out.push_str(".dev");
            out.push_str(&n);
        }
        // Local version.
        if self.peek() == Some(b'+') {
            self.i += 1;
            let mut parts = Vec::new();
            loop {
                let start = self.i;
                while self.s.get(self.i).is_some_and(u8::is_ascii_alphanumeric) {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                let part = std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .to_ascii_lowercase();
                if part.bytes().all(|b| b.is_ascii_digit()) {
                    let trimmed = part.trim_start_matches('0');
                    parts.push(if trimmed.is_empty() { "0" } else { trimmed }.to_string());
                } else {
                    parts.push(part);
                }
                if Self::is_sep(self.peek()) {
                    self.i += 1;
                } else {
                    break;
                }
            }
            out.push('+');
            out.push_str(&parts.join("."));
        }
        (self.i == self.s.len()).then_some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Filenames

/// Parse a wheel (`{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl`) or sdist
/// (`{name}-{version}.tar.gz`) filename. Legacy, non-normalised names are accepted and recorded
/// in [`DistFilename::non_normalized`]; `.zip` and other legacy sdist formats are refused.
pub fn parse_filename(file_name: &str) -> Result<DistFilename, DistError> {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        return parse_wheel(file_name, stem).map_err(|reason| {
            err(
                file_name,
                DistErrorKind::BadFilename {
                    kind: "wheel",
                    reason,
                },
            )
        });
    }
    if let Some(stem) = file_name.strip_suffix(".tar.gz") {
        return parse_sdist(file_name, stem).map_err(|reason| {
            err(
                file_name,
                DistErrorKind::BadFilename {
                    kind: "sdist",
                    reason,
                },
            )
        });
    }
    let lower = file_name.to_ascii_lowercase();
    for ext in [".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".tar.z"] {
        if lower.ends_with(ext) {
            return Err(err(
                file_name,
                DistErrorKind::LegacySdistFormat {
                    ext: ext.to_string(),
                },
            ));
        }
    }
    if lower.ends_with(".whl") || lower.ends_with(".tar.gz") {
        return Err(err(
            file_name,
            DistErrorKind::BadFilename {
                kind: if lower.ends_with(".whl") {
                    "wheel"
                } else {
                    "sdist"
                },
                reason: "the extension must be lowercase (.whl or .tar.gz)".to_string(),
            },
        ));
    }
    Err(err(file_name, DistErrorKind::NotADistribution))
}

fn wheel_name_form(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

fn parse_wheel(file_name: &str, stem: &str) -> Result<DistFilename, String> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build_tag, py, abi, plat) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, *p, *a, *pl),
        [n, v, b, p, a, pl] => (*n, *v, Some(*b), *p, *a, *pl),
        _ => {
            return Err(format!(
                "expected {{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl, \
                 found {} dash-separated part{} (a name or version containing '-' is written \
                 with '_' in a wheel filename)",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            ));
        }
    };
    if !is_valid_name(name) {
        return Err(format!(
            "'{name}' is not a valid distribution name (ASCII letters, digits, '.', '_')"
        ));
    }
    let Some(normalized_version) = normalize_version(version) else {
        return Err(format!(
            "'{version}' is not a valid PEP 440 version (a name or version containing '-' is \
             written with '_' in a wheel filename)"
        ));
    };
    if let Some(build) = build_tag
        && !build.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(format!("build tag '{build}' must start with a digit"));
    }
    for (what, tag) in [("python", py), ("abi", abi), ("platform", plat)] {
        if tag.is_empty() || tag.split('.').any(str::is_empty) {
            return Err(format!("empty {what} tag"));
        }
    }
    let mut non_normalized = Vec::new();
    let expected_name = wheel_name_form(name);
    if name != expected_name {
        non_normalized.push(format!(
            "the name '{name}' is not normalised (expected '{expected_name}')"
        ));
    }
    if version != normalized_version {
        non_normalized.push(format!(
            "the version '{version}' is not normalised (expected '{normalized_version}')"
        ));
    }
    Ok(DistFilename {
        file_name: file_name.to_string(),
        kind: DistKind::Wheel,
        name: name.to_string(),
        normalized_name: normalize_name(name),
        version: version.to_string(),
        normalized_version,
        build_tag: build_tag.map(str::to_string),
        python_tag: py.to_string(),
        abi_tag: Some(abi.to_string()),
        platform_tag: Some(plat.to_string()),
        non_normalized,
    })
}

fn parse_sdist(file_name: &str, stem: &str) -> Result<DistFilename, String> {
    // The rightmost '-' that leaves a valid name on the left and a valid version on the right.
    let split = stem.match_indices('-').map(|(i, _)| i).rev().find_map(|i| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        let normalized = normalize_version(version)?;
        is_valid_name(name).then_some((name, version, normalized))
    });
    let Some((name, version, normalized_version)) = split else {
        return Err(format!(
            "expected {{name}}-{{version}}.tar.gz with a valid name and PEP 440 version, got \
             '{stem}'"
        ));
    };
    let mut non_normalized = Vec::new();
    let expected_name = wheel_name_form(name);
    if name != expected_name {
        non_normalized.push(format!(
            "the name '{name}' is not normalised (expected '{expected_name}', PEP 625)"
        ));
    }
    if version != normalized_version {
        non_normalized.push(format!(
            "the version '{version}' is not normalised (expected '{normalized_version}')"
        ));
    }
    Ok(DistFilename {
        file_name: file_name.to_string(),
        kind: DistKind::Sdist,
        name: name.to_string(),
        normalized_name: normalize_name(name),
        version: version.to_string(),
        normalized_version,
        build_tag: None,
        python_tag: "source".to_string(),
        abi_tag: None,
        platform_tag: None,
        non_normalized,
    })
}

// ---------------------------------------------------------------------------------------------
// Metadata

/// Parse core metadata in its RFC 822 form: `Field: value` headers (continuation lines start
/// with whitespace), then an optional body after a blank line, which is the description.
/// `Metadata-Version`, `Name` and `Version` are required, once each.
pub fn parse_metadata(text: &str) -> Result<Metadata, MetadataError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut body = None;
    let mut rest = text;
    let mut line_no = 0;
    while !rest.is_empty() {
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            body = Some(next);
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = fields.last_mut() else {
                return Err(MetadataError::LeadingContinuation);
            };
            value.push('\n');
            value.push_str(line);
        } else {
            let Some((name, value)) = line.split_once(':') else {
                return Err(MetadataError::BadLine {
                    line: line_no,
                    text: line.to_string(),
                });
            };
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(MetadataError::BadLine {
                    line: line_no,
                    text: line.to_string(),
                });
            }
            fields.push((name.to_string(), value.trim_start().to_string()));
        }
        rest = next;
    }
    for (_, value) in &mut fields {
        let trimmed = value.trim_end().len();
        value.truncate(trimmed);
    }

    let mut missing = Vec::new();
    for field in ["Metadata-Version", "Name", "Version"] {
        let count = fields
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(field))
            .count();
        match count {
            0 => missing.push(field),
            1 => {}
            count => return Err(MetadataError::Repeated { field, count }),
        }
    }
    if !missing.is_empty() {
        return Err(MetadataError::Missing(missing));
    }
    let get = |f: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(f))
            .map(|(_, v)| v.clone())
    };
    Ok(Metadata {
        metadata_version: get("Metadata-Version").unwrap_or_default(),
        name: get("Name").unwrap_or_default(),
        version: get("Version").unwrap_or_default(),
        summary: get("Summary"),
        requires_python: get("Requires-Python"),
        description_content_type: get("Description-Content-Type"),
        description: match body {
            Some(b) if !b.is_empty() => Some(b.to_string()),
            _ => get("Description"),
        },
        fields,
    })
}

// ---------------------------------------------------------------------------------------------
// Hashing

/// Lowercase hex of bytes.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Buffers in flight between the reading thread and the BLAKE2b thread: memory for hashing is
/// bounded by `HASH_BUFFERS * CHUNK_SIZE` (1 MiB) whatever the file size.
const HASH_BUFFERS: usize = 4;

/// Size, SHA-256 and BLAKE2b-256 of a file in one streaming pass with fixed [`CHUNK_SIZE`]
/// buffers: memory does not grow with the file. See [`hash_reader`].
pub fn hash_file(path: &Path) -> io::Result<FileDigests> {
    let mut file = File::open(path)?;
    hash_reader(&mut file)
}

/// [`hash_file`] over any reader. The file is read once; each chunk is hashed with SHA-256 on
/// the calling thread and with BLAKE2b on a helper thread, so the two digests run side by side
/// (the slower of the two sets the pace, not their sum).
pub fn hash_reader(reader: &mut dyn Read) -> io::Result<FileDigests> {
    std::thread::scope(|scope| {
        let (to_blake, chunks) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(HASH_BUFFERS);
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let blake_thread = scope.spawn(move || {
            let mut blake = blake2b_simd::Params::new().hash_length(32).to_state();
            for (buf, n) in chunks {
                blake.update(&buf[..n]);
                // The reader may have stopped early; a closed return channel is fine.
                let _ = give_back.send(buf);
            }
            hex(blake.finalize().as_bytes())
        });

        let mut sha = Sha256::new();
        let mut size = 0u64;
        let mut allocated = 0;
        let result = loop {
            let mut buf = if allocated < HASH_BUFFERS {
                allocated += 1;
                vec![0u8; CHUNK_SIZE]
            } else {
                match returned.recv() {
                    Ok(buf) => buf,
                    Err(_) => break Err(io::Error::other("the BLAKE2b hashing thread stopped")),
                }
            };
            let n = match read_full(reader, &mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) => break Err(e),
            };
            sha.update(&buf[..n]);
            size += n as u64;
            if to_blake.send((buf, n)).is_err() {
                break Err(io::Error::other("the BLAKE2b hashing thread stopped"));
            }
        };
        drop(to_blake);
        let blake = blake_thread
            .join()
            .map_err(|_| io::Error::other("the BLAKE2b hashing thread panicked"))?;
        result.map(|()| FileDigests {
            size,
            sha256: hex(&sha.finalize()),
            blake2_256: blake,
        })
    })
}

/// Fill `buf` as far as the reader allows (fewer bytes only at the end of the stream).
fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

// ---------------------------------------------------------------------------------------------
// Archives

/// Open a distribution, read and parse its metadata, verify a wheel's RECORD and hash the file.
/// Errors name the file (as `path` displays) and say what is wrong.
pub fn read_dist(path: &Path) -> Result<Dist, DistError> {
    let file = path.display().to_string();
    let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
        return Err(err(&file, DistErrorKind::NotADistribution));
    };
    let filename = parse_filename(file_name).map_err(|e| err(&file, e.kind))?;
    let digests = hash_file(path).map_err(|e| err(&file, DistErrorKind::Io(e)))?;
    let contents = match filename.kind {
        DistKind::Wheel => read_wheel(path, &filename),
        DistKind::Sdist => read_sdist(path, &filename, digests.size),
    }
    .map_err(|kind| err(&file, kind))?;
    let text = std::str::from_utf8(&contents.metadata).map_err(|e| {
        err(
            &file,
            DistErrorKind::Metadata {
                member: contents.metadata_path.clone(),
                error: MetadataError::NotUtf8(e.valid_up_to()),
            },
        )
    })?;
    let metadata = parse_metadata(text).map_err(|error| {
        err(
            &file,
            DistErrorKind::Metadata {
                member: contents.metadata_path.clone(),
                error,
            },
        )
    })?;
    Ok(Dist {
        path: path.to_path_buf(),
        filename,
        metadata,
        metadata_path: contents.metadata_path,
        members: contents.members,
        size: digests.size,
        sha256: digests.sha256,
        blake2_256: digests.blake2_256,
    })
}

struct ArchiveContents {
    metadata_path: String,
    metadata: Vec<u8>,
    members: Vec<String>,
}

/// The error chain of an error as one line: `outer: inner: innermost`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// One parsed RECORD row.
struct RecordRow {
    line: usize,
    hash: Option<(String, Vec<u8>)>,
    size: Option<u64>,
}

/// Split one CSV line (RECORD uses the csv module's default dialect: `,` and `"` quoting).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn parse_record(text: &str, details: &mut Vec<String>) -> BTreeMap<String, RecordRow> {
    let mut rows = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line);
        let [path, hash, size] = fields.as_slice() else {
            details.push(format!(
                "line {line_no} has {} fields, expected 3 (path,hash,size)",
                fields.len()
            ));
            continue;
        };
        let hash = if hash.is_empty() {
            None
        } else {
            match hash.split_once('=') {
                Some((algo, value)) => match URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')) {
                    Ok(bytes) => Some((algo.to_ascii_lowercase(), bytes)),
                    Err(_) => {
                        details.push(format!(
                            "line {line_no}: the hash of {path} is not urlsafe base64"
                        ));
                        continue;
                    }
                },
                None => {
                    details.push(format!(
                        "line {line_no}: the hash of {path} is not `algorithm=value`"
                    ));
                    continue;
                }
            }
        };
        let size = if size.is_empty() {
            None
        } else if let Ok(n) = size.parse::<u64>() {
            Some(n)
        } else {
            details.push(format!(
                "line {line_no}: size '{size}' of {path} is not a number"
            ));
            continue;
        };
        if rows
            .insert(
                path.clone(),
                RecordRow {
                    line: line_no,
                    hash,
                    size,
                },
            )
            .is_some()
        {
            details.push(format!("{path} is listed more than once"));
        }
    }
    rows
}

/// A hasher for the algorithms RECORD may use (sha256 or stronger).
enum RecordHasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl RecordHasher {
    fn new(algo: &str) -> Option<Self> {
        match algo {
            "sha256" => Some(RecordHasher::Sha256(Sha256::new())),
            "sha384" => Some(RecordHasher::Sha384(Sha384::new())),
            "sha512" => Some(RecordHasher::Sha512(Sha512::new())),
            _ => None,
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            RecordHasher::Sha256(h) => h.update(data),
            RecordHasher::Sha384(h) => h.update(data),
            RecordHasher::Sha512(h) => h.update(data),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            RecordHasher::Sha256(h) => h.finalize().to_vec(),
            RecordHasher::Sha384(h) => h.finalize().to_vec(),
            RecordHasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Read a member to its end (so the zip reader checks its CRC), feeding an optional hasher and
/// keeping at most `keep` bytes. Returns (bytes read, kept bytes).
fn drain(
    reader: &mut dyn Read,
    mut hasher: Option<&mut RecordHasher>,
    keep: Option<u64>,
    buf: &mut [u8],
) -> io::Result<(u64, Vec<u8>)> {
    let mut total = 0u64;
    let mut kept = Vec::new();
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if let Some(h) = hasher.as_deref_mut() {
            h.update(chunk);
        }
        if let Some(limit) = keep {
            if total + n as u64 > limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("larger than the {} MiB limit", limit / (1024 * 1024)),
                ));
            }
            kept.extend_from_slice(chunk);
        }
        total += n as u64;
    }
    Ok((total, kept))
}

/// True for `<x>.dist-info/RECORD` and its signature files, which RECORD need not hash.
fn is_record_or_signature(path: &str, dist_info: &str) -> bool {
    path.strip_prefix(dist_info)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|f| matches!(f, "RECORD" | "RECORD.jws" | "RECORD.p7s"))
}

/// Why a zip cannot be opened, in words: not a zip at all, or a damaged / truncated one.
fn describe_zip_open_error(path: &Path, e: &zip::result::ZipError) -> String {
    let mut magic = [0u8; 4];
    let starts_like_zip = File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04";
    let detail = chain(e);
    let detail = detail
        .strip_prefix("invalid Zip archive: ")
        .unwrap_or(&detail);
    if !starts_like_zip {
        format!("not a zip archive: the file does not start with a zip signature ({detail})")
    } else if detail.contains("EOCD") {
        format!(
            "truncated or corrupt zip archive: no end-of-central-directory record, so the end \
             of the file is missing or damaged ({detail})"
        )
    } else {
        format!("corrupt zip archive: bad central directory ({detail})")
    }
}

/// Words for a member read error; the zip reader's CRC failure is terse.
fn describe_member_error(e: &io::Error) -> String {
    let detail = chain(e);
    if detail == "Invalid checksum" {
        "CRC-32 mismatch: the member's data is damaged".to_string()
    } else {
        detail
    }
}

fn read_wheel(path: &Path, filename: &DistFilename) -> Result<ArchiveContents, DistErrorKind> {
    let file = File::open(path).map_err(DistErrorKind::Io)?;
    let mut archive = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(archive) => archive,
        Err(e) => return Err(DistErrorKind::BadZip(describe_zip_open_error(path, &e))),
    };

    // Names first (central directory only), to find the .dist-info directory.
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            DistErrorKind::BadZip(format!("corrupt zip archive: entry {i}: {}", chain(&e)))
        })?;
        let name = entry
            .name()
            .map_err(|e| {
                DistErrorKind::BadZip(format!("corrupt zip archive: entry {i}: {}", chain(&e)))
            })?
            .into_owned();
        names.push((name, entry.is_dir()));
    }
    let candidates: Vec<&str> = names
        .iter()
        .filter_map(|(n, _)| {
            let (dir, file) = n.split_once('/')?;
            (dir.ends_with(".dist-info") && file == "METADATA").then_some(n.as_str())
        })
        .collect();
    let metadata_path = match candidates.as_slice() {
        [] => {
            return Err(DistErrorKind::MissingMetadata(format!(
                "no METADATA: expected {}-{}.dist-info/METADATA at the top of the wheel",
                filename.name, filename.version
            )));
        }
        [one] => one.to_string(),
        many => {
            return Err(DistErrorKind::MultipleMetadata(
                many.iter().map(|s| s.to_string()).collect(),
            ));
        }
    };
    let dist_info = metadata_path
        .strip_suffix("/METADATA")
        .unwrap_or_default()
        .to_string();
    let dist_info_stem = dist_info.strip_suffix(".dist-info").unwrap_or_default();
    let matches = dist_info_stem.rsplit_once('-').is_some_and(|(n, v)| {
        normalize_name(n) == filename.normalized_name
            && normalize_version(v).as_deref() == Some(filename.normalized_version.as_str())
    });
    if !matches {
        return Err(DistErrorKind::Layout(format!(
            "the metadata directory {dist_info}/ does not match the filename (expected {}-{}.dist-info/)",
            filename.name, filename.version
        )));
    }
    let record_path = format!("{dist_info}/RECORD");
    let wheel_path = format!("{dist_info}/WHEEL");
    if !names.iter().any(|(n, _)| *n == wheel_path) {
        return Err(DistErrorKind::Layout(format!(
            "no {wheel_path} in the wheel"
        )));
    }
    if !names.iter().any(|(n, _)| *n == record_path) {
        return Err(DistErrorKind::Layout(format!(
            "no {record_path} in the wheel, so its contents cannot be verified"
        )));
    }

    let mut buf = vec![0u8; CHUNK_SIZE];
    let read_member = |archive: &mut zip::ZipArchive<BufReader<File>>,
                       name: &str,
                       buf: &mut [u8]|
     -> Result<Vec<u8>, DistErrorKind> {
        let bad = |detail: String| DistErrorKind::BadZipMember {
            member: name.to_string(),
            detail,
        };
        let mut entry = archive.by_name(name).map_err(|e| bad(chain(&e)))?;
        drain(&mut entry, None, Some(MAX_TEXT_MEMBER), buf)
            .map(|(_, kept)| kept)
            .map_err(|e| bad(describe_member_error(&e)))
    };
    let metadata = read_member(&mut archive, &metadata_path, &mut buf)?;
    let record_bytes = read_member(&mut archive, &record_path, &mut buf)?;
    let record_text = String::from_utf8(record_bytes).map_err(|_| DistErrorKind::Record {
        record: record_path.clone(),
        details: vec!["RECORD is not valid UTF-8".to_string()],
    })?;

    let mut details = Vec::new();
    let mut rows = parse_record(&record_text, &mut details);
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let Some((name, is_dir)) = names.get(i) else {
            break;
        };
        if *is_dir {
            continue;
        }
        members.push(name.clone());
        let row = rows.remove(name);
        let signature = is_record_or_signature(name, &dist_info);
        let mut hasher = match &row {
            Some(RecordRow {
                hash: Some((algo, _)),
                ..
            }) => match RecordHasher::new(algo) {
                Some(h) => Some(h),
                None => {
                    details.push(format!(
                        "{name} is hashed with {algo}; RECORD must use sha256 or stronger"
                    ));
                    None
                }
            },
            Some(RecordRow {
                hash: None, line, ..
            }) if !signature => {
                details.push(format!("{name} has no hash (RECORD line {line})"));
                None
            }
            None if !signature => {
                details.push(format!("{name} is in the archive but not listed in RECORD"));
                None
            }
            _ => None,
        };
        let mut entry = archive
            .by_index(i)
            .map_err(|e| DistErrorKind::BadZipMember {
                member: name.clone(),
                detail: chain(&e),
            })?;
        let (size, _) = drain(&mut entry, hasher.as_mut(), None, &mut buf).map_err(|e| {
            DistErrorKind::BadZipMember {
                member: name.clone(),
                detail: describe_member_error(&e),
            }
        })?;
        let Some(row) = row else { continue };
        if let (Some(h), Some((algo, expected))) = (hasher, &row.hash) {
            let actual = h.finish();
            if actual != *expected {
                details.push(format!(
                    "{name}: {algo} is {} in the archive but {} in RECORD",
                    URL_SAFE_NO_PAD.encode(&actual),
                    URL_SAFE_NO_PAD.encode(expected)
                ));
            }
        }
        if let Some(expected) = row.size
            && expected != size
        {
            details.push(format!(
                "{name}: {size} bytes in the archive but {expected} in RECORD"
            ));
        }
    }
    for (path, row) in rows {
        details.push(format!(
            "RECORD lists {path} (line {}), which is not in the archive",
            row.line
        ));
    }
    if !details.is_empty() {
        return Err(DistErrorKind::Record {
            record: record_path,
            details,
        });
    }
    Ok(ArchiveContents {
        metadata_path,
        metadata,
        members,
    })
}

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

fn read_sdist(
    path: &Path,
    filename: &DistFilename,
    file_size: u64,
) -> Result<ArchiveContents, DistErrorKind> {
    let file = File::open(path).map_err(DistErrorKind::Io)?;
    // Count the uncompressed bytes the tar reader consumes: that is where a problem is.
    let count = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counting = Counting {
        inner: flate2::read::GzDecoder::new(BufReader::new(file)),
        count: count.clone(),
    };
    let stream_error = |what: &str, e: &io::Error| {
        let at = count.get();
        let detail = chain(e);
        DistErrorKind::BadTarGz(if e.kind() == io::ErrorKind::UnexpectedEof {
            format!(
                "truncated .tar.gz: the file ends after {file_size} bytes, {at} bytes into the \
                 uncompressed tar stream, while {what} ({detail})"
            )
        } else if detail.contains("gzip header") {
            format!("not a gzip-compressed tar archive ({detail})")
        } else {
            format!(
                "corrupt .tar.gz: bad data {at} bytes into the uncompressed tar stream, while \
                 {what} ({detail})"
            )
        })
    };
    let mut archive = tar::Archive::new(counting);
    let root = filename.stem().to_string();
    let wanted = format!("{root}/PKG-INFO");
    let mut metadata = None;
    let mut other_pkg_info = Vec::new();
    let mut members = Vec::new();
    let mut buf = vec![0u8; CHUNK_SIZE];
    let entries = archive
        .entries()
        .map_err(|e| stream_error("reading the tar stream", &e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| stream_error("reading the next tar header", &e))?;
        let raw = entry
            .path()
            .map_err(|e| stream_error("reading a member name", &e))?
            .to_string_lossy()
            .replace('\\', "/");
        let name = raw.strip_prefix("./").unwrap_or(&raw).to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if name == wanted {
            let (_, kept) = drain(&mut entry, None, Some(MAX_TEXT_MEMBER), &mut buf)
                .map_err(|e| stream_error(&format!("reading {name}"), &e))?;
            metadata = Some(kept);
        } else if name.split('/').count() == 2 && name.ends_with("/PKG-INFO") {
            other_pkg_info.push(name.clone());
        }
        if kind.is_file() {
            members.push(name);
        }
    }
    // Read to the end of the gzip stream, so a truncated or corrupt tail (and the gzip CRC)
    // is checked even after the tar end-of-archive blocks.
    let mut rest = archive.into_inner();
    drain(&mut rest, None, None, &mut buf)
        .map_err(|e| stream_error("reading the end of the gzip stream", &e))?;

    let Some(metadata) = metadata else {
        let found = if other_pkg_info.is_empty() {
            String::new()
        } else {
            format!(
                "; found {}, but the top-level directory must be the filename without .tar.gz",
                other_pkg_info.join(", ")
            )
        };
        return Err(DistErrorKind::MissingMetadata(format!(
            "no {wanted} in the sdist{found}"
        )));
    };
    Ok(ArchiveContents {
        metadata_path: wanted,
        metadata,
        members,
    })
}

// ---------------------------------------------------------------------------------------------
// Upload form

/// How a core-metadata field is named in the upload form (twine 7's names; PyPI silently
/// ignores wrongly named fields). `None`: not sent from the metadata loop.
fn form_field_name(field: &str) -> Option<&'static str> {
    let lower = field.to_ascii_lowercase();
    Some(match lower.as_str() {
        "summary" => "summary",
        "keywords" => "keywords",
        "home-page" => "home_page",
        "download-url" => "download_url",
        "author" => "author",
        "author-email" => "author_email",
        "maintainer" => "maintainer",
        "maintainer-email" => "maintainer_email",
        "license" => "license",
        "license-expression" => "license_expression",
        "license-file" => "license_file",
        "description-content-type" => "description_content_type",
        "classifier" => "classifiers",
        "platform" => "platform",
        "supported-platform" => "supported_platform",
        "requires-dist" => "requires_dist",
        "provides-dist" => "provides_dist",
        "obsoletes-dist" => "obsoletes_dist",
        "requires-external" => "requires_external",
        "project-url" => "project_urls",
        "provides-extra" => "provides_extra",
        "dynamic" => "dynamic",
        "requires" => "requires",
        "provides" => "provides",
        "obsoletes" => "obsoletes",
        "import-name" => "import_names",
        "import-namespace" => "import_namespaces",
        _ => return None,
    })
}

/// The non-file form fields of a legacy-API upload (`POST /legacy/`, multipart): identity,
/// `filetype`, `pyversion`, both digests, `requires_python` (always, empty when absent; GitLab
/// requires it), then the other core-metadata fields lower-cased with `_`, multi-use ones
/// repeated, and `description` last. `License-File` is sent only from Metadata 2.4 on (older
/// setuptools wrote it with another meaning).
pub fn upload_fields(dist: &Dist) -> Vec<(String, String)> {
    let m = &dist.metadata;
    let mut out: Vec<(String, String)> = vec![
        (":action".into(), "file_upload".into()),
        ("protocol_version".into(), "1".into()),
        ("metadata_version".into(), m.metadata_version.clone()),
        ("name".into(), m.name.clone()),
        ("version".into(), m.version.clone()),
        ("filetype".into(), dist.filename.kind.filetype().into()),
        ("pyversion".into(), dist.filename.pyversion()),
        ("sha256_digest".into(), dist.sha256.clone()),
        ("blake2_256_digest".into(), dist.blake2_256.clone()),
        (
            "requires_python".into(),
            m.requires_python.clone().unwrap_or_default(),
        ),
    ];
    let license_files = metadata_version_at_least(&m.metadata_version, (2, 4));
    for (field, value) in &m.fields {
        let Some(name) = form_field_name(field) else {
            continue;
        };
        if name == "license_file" && !license_files {
            continue;
        }
        out.push((name.to_string(), value.clone()));
    }
    if let Some(description) = &m.description {
        out.push(("description".into(), description.clone()));
    }
    out
}

/// Compare a `Metadata-Version` (`major.minor`) with a minimum.
pub fn metadata_version_at_least(version: &str, min: (u32, u32)) -> bool {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= min,
        (Some(Ok(major)), None) => (major, 0) >= min,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_normalise() {
        for (raw, want) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("1.0.0-rc1", "1.0.0rc1"),
            ("1.0.0-RC.1", "1.0.0rc1"),
            ("1.0a", "1.0a0"),
            ("1.0alpha2", "1.0a2"),
            ("1.0-beta", "1.0b0"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0-r2", "1.0.post2"),
            ("1.0rev3", "1.0.post3"),
            ("1.0a-1", "1.0a1"),
            ("1.0a.", "1.0a0"),
            ("1.0rc-1", "1.0rc1"),
            ("1.0_post_1", "1.0.post1"),
            ("1.0.post.dev", "1.0.post0.dev0"),
            ("1.0+1.01", "1.0+1.1"),
            ("1.0.DEV", "1.0.dev0"),
            ("1.0-dev-2", "1.0.dev2"),
            ("0!1.0", "1.0"),
            ("2!01.002", "2!1.2"),
            ("1.0+ABC-01_x", "1.0+abc.1.x"),
            ("  1.0  ", "1.0"),
            ("1.0a1.post2.dev3", "1.0a1.post2.dev3"),
        ] {
            assert_eq!(normalize_version(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in [
            "", "v", "1.", "1..0", "1.0.x", "1.0+", "1.0+a..b", "a1", "1.0-", "1.0-1-1", "1 0",
        ] {
            assert_eq!(normalize_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn canonical_versions() {
        for (raw, want) in [
            ("1.0.0", "1"),
            ("1.0", "1"),
            ("1.0.1", "1.0.1"),
            ("0.0", "0"),
            ("1.0.0.post1", "1.post1"),
            ("1!2.0rc1", "1!2rc1"),
            ("1.10", "1.10"),
            ("1.0+local.0", "1+local.0"),
        ] {
            assert_eq!(canonical_version(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize_name("Demo__Pkg.-x"), "demo-pkg-x");
        assert!(is_valid_name("a"));
        assert!(is_valid_name("demo.pkg_x-1"));
        assert!(!is_valid_name("-a"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
    }

    #[test]
    fn metadata_versions_compare() {
        assert!(metadata_version_at_least("2.4", (2, 4)));
        assert!(metadata_version_at_least("2.10", (2, 4)));
        assert!(!metadata_version_at_least("2.1", (2, 4)));
        assert!(!metadata_version_at_least("x", (1, 0)));
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(
            csv_fields(r#""a,b.py",sha256=x,3"#),
            vec!["a,b.py", "sha256=x", "3"]
        );
        assert_eq!(
            csv_fields(r#""say ""hi"".txt",,"#),
            vec![r#"say "hi".txt"#, "", ""]
        );
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }
}
