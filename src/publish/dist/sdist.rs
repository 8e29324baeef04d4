//! Source distributions (.tar.gz): find PKG-INFO and check the archive reads to its end.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::archive::drain;
use super::digest::Tee;
use super::members::{MAX_RATIO, RATIO_FLOOR, Seen, Sizes, unsafe_name};
use super::{ArchiveContents, CHUNK_SIZE, DistErrorKind, DistFilename, MAX_TEXT_MEMBER};
use crate::exit::error_chain;

/// A reader that counts the bytes read through it.
pub(super) struct Counting<R> {
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

/// Read an sdist through `source` (which hashes what it reads): its PKG-INFO and members, the
/// gzip stream to its end. Returns the contents and `source` back.
pub(super) fn read_sdist(
    filename: &DistFilename,
    file_size: u64,
    source: Tee<File>,
    inspect: &mut dyn super::members::Inspect,
) -> Result<(ArchiveContents, Tee<File>), DistErrorKind> {
    // Count the uncompressed bytes the tar reader consumes: that is where a problem is.
    let count = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counting = Counting {
        inner: flate2::read::GzDecoder::new(BufReader::with_capacity(CHUNK_SIZE, source)),
        count: count.clone(),
    };
    let stream_error = |what: &str, e: &io::Error| {
        let at = count.get();
        let detail = error_chain(e);
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
    let mut seen = Seen::default();
    let mut sizes = Sizes::default();
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
        check_member(&name, kind, &mut seen)?;
        sizes
            .add(entry.size(), None)
            .map_err(|reason| unsafe_member(&name, reason))?;
        inspect.start(&name, entry.size(), kind.is_dir());
        if kind.is_dir() {
            inspect.finish();
            continue;
        }
        if name == wanted {
            let (_, kept) = drain(&mut entry, None, Some(MAX_TEXT_MEMBER), &mut buf, inspect)
                .map_err(|e| stream_error(&format!("reading {name}"), &e))?;
            metadata = Some(kept);
        } else {
            if name.split('/').count() == 2 && name.ends_with("/PKG-INFO") {
                other_pkg_info.push(name.clone());
            }
            // The tar reader would skip the data by reading it anyway: read it here, once,
            // for the inspector.
            drain(&mut entry, None, None, &mut buf, inspect)
                .map_err(|e| stream_error(&format!("reading {name}"), &e))?;
        }
        inspect.finish();
        if kind.is_file() {
            members.push(name);
        }
    }
    // Read to the end of the gzip stream, so a truncated or corrupt tail (and the gzip CRC)
    // is checked even after the tar end-of-archive blocks.
    let mut rest = archive.into_inner();
    drain(
        &mut rest,
        None,
        None,
        &mut buf,
        &mut super::members::NoInspect,
    )
    .map_err(|e| stream_error("reading the end of the gzip stream", &e))?;
    let source = rest.inner.into_inner().into_inner();
    let unpacked = count.get();
    if unpacked > RATIO_FLOOR && unpacked / file_size.max(1) > MAX_RATIO {
        return Err(DistErrorKind::BadTarGz(format!(
            "the sdist unpacks {}:1 ({unpacked} bytes from {file_size}); more than {MAX_RATIO}:1 looks like a decompression bomb",
            unpacked / file_size.max(1)
        )));
    }

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
    Ok((
        ArchiveContents {
            metadata_path: wanted,
            metadata,
            members,
        },
        source,
    ))
}

fn unsafe_member(name: &str, reason: String) -> DistErrorKind {
    DistErrorKind::Unsafe {
        member: crate::text::excerpt(name, 200),
        reason,
    }
}

/// A member an sdist may hold: a safe name (each once), and only files and folders — no
/// symbolic or hard links, devices or FIFOs (and no PAX/GNU headers the tar reader has not
/// already applied).
fn check_member(name: &str, kind: tar::EntryType, seen: &mut Seen) -> Result<(), DistErrorKind> {
    if let Some(reason) = unsafe_name(name) {
        return Err(unsafe_member(name, reason.to_string()));
    }
    let what = match kind {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Directory => None,
        tar::EntryType::Symlink => Some("a symbolic link"),
        tar::EntryType::Link => Some("a hard link"),
        tar::EntryType::Char | tar::EntryType::Block => Some("a device"),
        tar::EntryType::Fifo => Some("a FIFO"),
        _ => Some("not a regular file or folder"),
    };
    if let Some(what) = what {
        return Err(unsafe_member(
            name,
            format!("{what}; an sdist holds only files and folders"),
        ));
    }
    seen.add(name)
        .map_err(|reason| unsafe_member(name, reason.to_string()))
}
