//! Distribution files: filenames, metadata, hashes.
//!
//! Everything here is a pure function over a file on disk or over text: no network. The stages
//! are [`parse_filename`] (wheel and sdist filenames, PEP 440 versions, PEP 503 names),
//! [`parse_metadata`] (core metadata in its RFC 822 form), [`read_dist`] (open the archive, find
//! METADATA / PKG-INFO, verify a wheel's RECORD, hash the file) and [`upload_fields`] (the form
//! fields of the legacy upload API). Every error names the file and says what is wrong.
//!
//! This module holds the types and [`read_dist`]; each stage has its own submodule.

mod archive;
mod digest;
mod filename;
mod form;
pub mod members;
mod metadata;
mod record;
mod sdist;
mod version;
mod wheel;

pub use digest::{blake2b_256, hash_file, hash_reader, hex};
pub use filename::parse_filename;
pub use form::upload_fields;
pub use metadata::{metadata_version_at_least, parse_metadata};
pub use version::{canonical_version, is_valid_name, normalize_name, normalize_version};

use sdist::read_sdist;
use wheel::read_wheel;

use std::io;
use std::path::{Path, PathBuf};

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
    /// A member (or the archive's structure) is unsafe to unpack or ambiguous: refused.
    #[error("unsafe archive member {member}: {reason}")]
    Unsafe {
        /// The member's name (escaped).
        member: String,
        /// Why, in words.
        reason: String,
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

/// Open a distribution, read and parse its metadata, verify a wheel's RECORD and hash the file.
/// Errors name the file (as `path` displays) and say what is wrong.
pub fn read_dist(path: &Path) -> Result<Dist, DistError> {
    read_dist_inspecting(path, &mut members::NoInspect)
}

/// [`read_dist`], showing every member's bytes to `inspect` as they are read (each byte once;
/// what content vetting hooks into).
pub fn read_dist_inspecting(
    path: &Path,
    inspect: &mut dyn members::Inspect,
) -> Result<Dist, DistError> {
    let file = path.display().to_string();
    let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
        return Err(err(&file, DistErrorKind::NotADistribution));
    };
    let filename = parse_filename(file_name).map_err(|e| err(&file, e.kind))?;
    // One read of the file: the archive reader reads through a Tee that computes the upload
    // digests on the way.
    let io_err = |e: io::Error| err(&file, DistErrorKind::Io(e));
    let source = std::fs::File::open(path).map_err(io_err)?;
    let size = source.metadata().map_err(io_err)?.len();
    let (contents, tee) = match filename.kind {
        DistKind::Wheel => read_wheel(path, &filename, digest::Tee::new(source), inspect),
        DistKind::Sdist => read_sdist(&filename, size, digest::Tee::new(source), inspect),
    }
    .map_err(|kind| err(&file, kind))?;
    let digests = tee.finish().map_err(io_err)?;
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
