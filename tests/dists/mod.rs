//! Builders for test distributions: valid wheels (with a correct RECORD) and sdists written with
//! the zip / tar / flate2 writers into a temporary directory, and ways to break them (tampered
//! members, missing METADATA, corrupt or truncated archives).
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// Core metadata for `name` / `version` (Metadata 2.4, a License-File, a markdown body).
pub fn metadata(name: &str, version: &str) -> String {
    format!(
        "Metadata-Version: 2.4\n\
         Name: {name}\n\
         Version: {version}\n\
         Summary: A demo package\n\
         Author-email: Ada Lovelace <ada@example.org>\n\
         License-Expression: MIT\n\
         License-File: LICENSE\n\
         Classifier: Programming Language :: Python :: 3\n\
         Classifier: Typing :: Typed\n\
         Requires-Python: >=3.10\n\
         Requires-Dist: requests>=2\n\
         Requires-Dist: rich; extra == \"cli\"\n\
         Provides-Extra: cli\n\
         Project-URL: Homepage, https://example.org\n\
         Description-Content-Type: text/markdown\n\
         \n\
         # {name}\n\
         \n\
         Hello.\n"
    )
}

/// The MIT licence text the builders put in the archives.
pub const LICENSE: &[u8] = b"MIT License\n\nCopyright (c) 2026 Ada Lovelace\n";

/// `sha256=<urlsafe base64, no padding>` of `data`, as RECORD writes it.
pub fn record_hash(data: &[u8]) -> String {
    format!("sha256={}", URL_SAFE_NO_PAD.encode(Sha256::digest(data)))
}

/// A wheel to build. Defaults: `demo_pkg-0.1.0-py3-none-any.whl` with a package, METADATA,
/// WHEEL, `licenses/LICENSE` and a correct RECORD.
pub struct Wheel {
    /// Distribution name as written in the filename and `.dist-info` directory.
    pub name: String,
    /// Version as written in the filename and `.dist-info` directory.
    pub version: String,
    /// Override the file name.
    pub file_name: Option<String>,
    /// Override the `.dist-info` directory name.
    pub dist_info: Option<String>,
    /// METADATA text; `None` leaves METADATA out.
    pub metadata: Option<String>,
    /// Whether to write WHEEL.
    pub wheel_file: bool,
    /// Whether to write RECORD.
    pub record: bool,
    /// Files outside `.dist-info` (path, content).
    pub files: Vec<(String, Vec<u8>)>,
    /// Files inside `.dist-info` (path relative to it, content).
    pub dist_info_files: Vec<(String, Vec<u8>)>,
    /// Archive paths whose content in the archive differs from what RECORD says.
    pub tampered: Vec<(String, Vec<u8>)>,
    /// Archive paths left out of RECORD.
    pub unlisted: Vec<String>,
    /// Extra RECORD lines (e.g. files that are not in the archive).
    pub extra_record_lines: Vec<String>,
}

impl Wheel {
    /// A valid wheel for `name` / `version` (filename forms, e.g. `demo_pkg`, `0.1.0`).
    pub fn new(name: &str, version: &str) -> Self {
        let metadata_name = name.replace('_', "-");
        Wheel {
            name: name.to_string(),
            version: version.to_string(),
            file_name: None,
            dist_info: None,
            metadata: Some(metadata(&metadata_name, version)),
            wheel_file: true,
            record: true,
            files: vec![
                (
                    format!("{name}/__init__.py"),
                    b"\"\"\"Demo.\"\"\"\n\n__version__ = \"0.1.0\"\n".to_vec(),
                ),
                (format!("{name}/py.typed"), Vec::new()),
            ],
            dist_info_files: vec![("licenses/LICENSE".to_string(), LICENSE.to_vec())],
            tampered: Vec::new(),
            unlisted: Vec::new(),
            extra_record_lines: Vec::new(),
        }
    }

    /// The default valid wheel, `demo_pkg-0.1.0-py3-none-any.whl`.
    pub fn demo() -> Self {
        Wheel::new("demo_pkg", "0.1.0")
    }

    /// Replace METADATA.
    pub fn metadata(mut self, text: &str) -> Self {
        self.metadata = Some(text.to_string());
        self
    }

    /// Leave METADATA out.
    pub fn without_metadata(mut self) -> Self {
        self.metadata = None;
        self
    }

    /// Leave RECORD out.
    pub fn without_record(mut self) -> Self {
        self.record = false;
        self
    }

    /// Leave WHEEL out.
    pub fn without_wheel_file(mut self) -> Self {
        self.wheel_file = false;
        self
    }

    /// Use another file name.
    pub fn file_name(mut self, name: &str) -> Self {
        self.file_name = Some(name.to_string());
        self
    }

    /// Use another `.dist-info` directory name.
    pub fn dist_info(mut self, name: &str) -> Self {
        self.dist_info = Some(name.to_string());
        self
    }

    /// Add a file outside `.dist-info`.
    pub fn file(mut self, path: &str, content: &[u8]) -> Self {
        self.files.push((path.to_string(), content.to_vec()));
        self
    }

    /// Add a file inside `.dist-info`.
    pub fn dist_info_file(mut self, path: &str, content: &[u8]) -> Self {
        self.dist_info_files
            .push((path.to_string(), content.to_vec()));
        self
    }

    /// Remove a file inside `.dist-info` (e.g. `licenses/LICENSE`).
    pub fn without_dist_info_file(mut self, path: &str) -> Self {
        self.dist_info_files.retain(|(p, _)| p != path);
        self
    }

    /// Write `content` for archive path `path` while RECORD keeps the original's hash and size.
    pub fn tamper(mut self, path: &str, content: &[u8]) -> Self {
        self.tampered.push((path.to_string(), content.to_vec()));
        self
    }

    /// Leave archive path `path` out of RECORD.
    pub fn unlisted(mut self, path: &str) -> Self {
        self.unlisted.push(path.to_string());
        self
    }

    /// Add a raw RECORD line.
    pub fn record_line(mut self, line: &str) -> Self {
        self.extra_record_lines.push(line.to_string());
        self
    }

    /// The `.dist-info` directory name.
    pub fn dist_info_name(&self) -> String {
        self.dist_info
            .clone()
            .unwrap_or_else(|| format!("{}-{}.dist-info", self.name, self.version))
    }

    /// The file name.
    pub fn name_of_file(&self) -> String {
        self.file_name
            .clone()
            .unwrap_or_else(|| format!("{}-{}-py3-none-any.whl", self.name, self.version))
    }

    /// Write the wheel into `dir`; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let dist_info = self.dist_info_name();
        let mut entries: Vec<(String, Vec<u8>)> = self.files.clone();
        if let Some(m) = &self.metadata {
            entries.push((format!("{dist_info}/METADATA"), m.as_bytes().to_vec()));
        }
        if self.wheel_file {
            entries.push((
                format!("{dist_info}/WHEEL"),
                b"Wheel-Version: 1.0\nGenerator: chora-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                    .to_vec(),
            ));
        }
        for (p, c) in &self.dist_info_files {
            entries.push((format!("{dist_info}/{p}"), c.clone()));
        }
        let mut record = String::new();
        for (p, c) in &entries {
            if self.unlisted.contains(p) {
                continue;
            }
            let quoted = if p.contains(',') {
                format!("\"{p}\"")
            } else {
                p.clone()
            };
            record.push_str(&format!("{quoted},{},{}\n", record_hash(c), c.len()));
        }
        for line in &self.extra_record_lines {
            record.push_str(line);
            record.push('\n');
        }
        let record_path = format!("{dist_info}/RECORD");
        record.push_str(&format!("{record_path},,\n"));
        for (p, c) in &self.tampered {
            if let Some(entry) = entries.iter_mut().find(|(q, _)| q == p) {
                entry.1 = c.clone();
            }
        }
        if self.record {
            entries.push((record_path, record.into_bytes()));
        }
        let path = dir.join(self.name_of_file());
        write_zip(&path, &entries);
        path
    }
}

/// Write a deflated zip with `entries` (path, content).
pub fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let file = File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
}

/// An sdist to build. Defaults: `demo_pkg-0.1.0.tar.gz` with `demo_pkg-0.1.0/` holding
/// PKG-INFO, pyproject.toml, LICENSE and the package.
pub struct Sdist {
    /// Distribution name as written in the filename.
    pub name: String,
    /// Version as written in the filename.
    pub version: String,
    /// Override the file name.
    pub file_name: Option<String>,
    /// Override the top-level directory.
    pub root: Option<String>,
    /// PKG-INFO text; `None` leaves it out.
    pub pkg_info: Option<String>,
    /// Files under the root (relative path, content).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Sdist {
    /// A valid sdist for `name` / `version` (filename forms).
    pub fn new(name: &str, version: &str) -> Self {
        let metadata_name = name.replace('_', "-");
        Sdist {
            name: name.to_string(),
            version: version.to_string(),
            file_name: None,
            root: None,
            pkg_info: Some(metadata(&metadata_name, version)),
            files: vec![
                (
                    "pyproject.toml".to_string(),
                    format!("[project]\nname = \"{metadata_name}\"\nversion = \"{version}\"\n")
                        .into_bytes(),
                ),
                ("LICENSE".to_string(), LICENSE.to_vec()),
                (
                    format!("src/{name}/__init__.py"),
                    b"\"\"\"Demo.\"\"\"\n".to_vec(),
                ),
            ],
        }
    }

    /// The default valid sdist, `demo_pkg-0.1.0.tar.gz`.
    pub fn demo() -> Self {
        Sdist::new("demo_pkg", "0.1.0")
    }

    /// Replace PKG-INFO.
    pub fn pkg_info(mut self, text: &str) -> Self {
        self.pkg_info = Some(text.to_string());
        self
    }

    /// Leave PKG-INFO out.
    pub fn without_pkg_info(mut self) -> Self {
        self.pkg_info = None;
        self
    }

    /// Use another file name.
    pub fn file_name(mut self, name: &str) -> Self {
        self.file_name = Some(name.to_string());
        self
    }

    /// Use another top-level directory.
    pub fn root(mut self, root: &str) -> Self {
        self.root = Some(root.to_string());
        self
    }

    /// Remove a file under the root.
    pub fn without_file(mut self, path: &str) -> Self {
        self.files.retain(|(p, _)| p != path);
        self
    }

    /// Add a file under the root.
    pub fn file(mut self, path: &str, content: &[u8]) -> Self {
        self.files.push((path.to_string(), content.to_vec()));
        self
    }

    /// The file name.
    pub fn name_of_file(&self) -> String {
        self.file_name
            .clone()
            .unwrap_or_else(|| format!("{}-{}.tar.gz", self.name, self.version))
    }

    /// Write the sdist into `dir`; returns its path.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let root = self
            .root
            .clone()
            .unwrap_or_else(|| format!("{}-{}", self.name, self.version));
        let mut entries = self.files.clone();
        if let Some(p) = &self.pkg_info {
            entries.push(("PKG-INFO".to_string(), p.as_bytes().to_vec()));
        }
        let path = dir.join(self.name_of_file());
        let file = File::create(&path).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mut dir_header = tar::Header::new_gnu();
        dir_header.set_entry_type(tar::EntryType::Directory);
        dir_header.set_mode(0o755);
        dir_header.set_size(0);
        dir_header.set_cksum();
        tar.append_data(&mut dir_header, format!("{root}/"), std::io::empty())
            .unwrap();
        for (p, c) in &entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(c.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, format!("{root}/{p}"), c.as_slice())
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        path
    }
}

/// Write `content` as `file_name` in `dir` (e.g. garbage named like a wheel).
pub fn write_raw(dir: &Path, file_name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(file_name);
    std::fs::write(&path, content).unwrap();
    path
}

/// Copy the first `keep` bytes of `path` over itself.
pub fn truncate(path: &Path, keep: usize) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..keep.min(bytes.len())]).unwrap();
}

/// Flip every bit of the byte at `offset`.
pub fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= 0xff;
    std::fs::write(path, bytes).unwrap();
}
