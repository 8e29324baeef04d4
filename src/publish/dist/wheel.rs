//! Wheels: find the .dist-info directory and METADATA, verify every member against RECORD.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::archive::{describe_member_error, drain};
use super::digest::Tee;
use super::record::{RecordHasher, RecordRow, parse_record};
use super::version::{normalize_name, normalize_version};
use super::{ArchiveContents, CHUNK_SIZE, DistErrorKind, DistFilename, MAX_TEXT_MEMBER};
use crate::exit::error_chain;

/// True for `<x>.dist-info/RECORD` and its signature files, which RECORD need not hash.
pub(super) fn is_record_or_signature(path: &str, dist_info: &str) -> bool {
    path.strip_prefix(dist_info)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|f| matches!(f, "RECORD" | "RECORD.jws" | "RECORD.p7s"))
}

/// Why a zip cannot be opened, in words: not a zip at all, or a damaged / truncated one.
pub(super) fn describe_zip_open_error(path: &Path, e: &zip::result::ZipError) -> String {
    let mut magic = [0u8; 4];
    let starts_like_zip = File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04";
    let detail = error_chain(e);
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

/// Read a wheel through `source` (which hashes what it reads): its METADATA, and every member
/// checked against RECORD. Returns the contents and `source` back.
pub(super) fn read_wheel(
    path: &Path,
    filename: &DistFilename,
    source: Tee<File>,
    inspect: &mut dyn super::members::Inspect,
) -> Result<(ArchiveContents, Tee<File>), DistErrorKind> {
    let mut archive = match zip::ZipArchive::new(BufReader::with_capacity(CHUNK_SIZE, source)) {
        Ok(archive) => archive,
        Err(e) => return Err(DistErrorKind::BadZip(describe_zip_open_error(path, &e))),
    };

    if archive.has_duplicate_names() {
        return Err(DistErrorKind::BadZip(
            "the zip has two entries with the same name; tools disagree on which one wins (refused)"
                .into(),
        ));
    }
    // Names first (central directory only), to find the .dist-info directory.
    let mut names = Vec::with_capacity(archive.len());
    let mut layout = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            DistErrorKind::BadZip(format!(
                "corrupt zip archive: entry {i}: {}",
                error_chain(&e)
            ))
        })?;
        let name = entry
            .name()
            .map_err(|e| {
                DistErrorKind::BadZip(format!(
                    "corrupt zip archive: entry {i}: {}",
                    error_chain(&e)
                ))
            })?
            .into_owned();
        layout.push(Layout {
            name: name.clone(),
            raw: entry.name_raw().to_vec(),
            header_start: entry.header_start(),
            compressed: entry.compressed_size(),
            size: entry.size(),
            symlink: entry.is_symlink(),
        });
        names.push((name, entry.is_dir()));
    }
    check_layout(
        path,
        &layout,
        archive.offset(),
        archive.central_directory_start(),
    )?;
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
    let read_member = |archive: &mut zip::ZipArchive<BufReader<Tee<File>>>,
                       name: &str,
                       buf: &mut [u8]|
     -> Result<Vec<u8>, DistErrorKind> {
        let bad = |detail: String| DistErrorKind::BadZipMember {
            member: name.to_string(),
            detail,
        };
        let mut entry = archive.by_name(name).map_err(|e| bad(error_chain(&e)))?;
        drain(
            &mut entry,
            None,
            Some(MAX_TEXT_MEMBER),
            buf,
            &mut super::members::NoInspect,
        )
        .map(|(_, kept)| kept)
        .map_err(|e| bad(describe_member_error(&e)))
    };
    let wheel_text = read_member(&mut archive, &wheel_path, &mut buf)?;
    check_wheel_file(&wheel_path, &wheel_text, filename)?;
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
        let declared = layout.get(i).map_or(0, |l| l.size);
        inspect.start(name, declared, *is_dir);
        if *is_dir {
            inspect.finish();
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
                detail: error_chain(&e),
            })?;
        // Never more than the central directory declared (checked against the limits).
        let (size, _) = drain(
            &mut (&mut entry).take(declared.saturating_add(1)),
            hasher.as_mut(),
            None,
            &mut buf,
            inspect,
        )
        .map_err(|e| DistErrorKind::BadZipMember {
            member: name.clone(),
            detail: describe_member_error(&e),
        })?;
        inspect.finish();
        if size > declared {
            return Err(DistErrorKind::Unsafe {
                member: crate::text::excerpt(name, 200),
                reason: format!("it unpacks to more than the {declared} bytes its header declares"),
            });
        }
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
    Ok((
        ArchiveContents {
            metadata_path,
            metadata,
            members,
        },
        archive.into_inner().into_inner(),
    ))
}

/// One zip entry as the central directory describes it.
struct Layout {
    name: String,
    raw: Vec<u8>,
    header_start: u64,
    compressed: u64,
    size: u64,
    symlink: bool,
}

/// The longest data descriptor (zip64: signature, CRC-32, two 8-byte sizes).
const MAX_DESCRIPTOR: u64 = 24;

/// The zip's structure, before any member is unpacked: safe names, each once, no symbolic
/// links, bounded sizes and ratios; nothing before the first entry (a prepended script, or a
/// first zip when two are concatenated), entries that do not overlap (a zip bomb reuses one
/// stream for many entries) and leave no gap, and each local header naming the same file as
/// the central directory (tools that read local headers would see another wheel).
fn check_layout(
    path: &Path,
    layout: &[Layout],
    offset: u64,
    central_directory: u64,
) -> Result<(), DistErrorKind> {
    use super::members::{Seen, Sizes, unsafe_name};
    let refuse = |name: &str, reason: String| DistErrorKind::Unsafe {
        member: crate::text::excerpt(name, 200),
        reason,
    };
    if offset > 0 {
        return Err(DistErrorKind::BadZip(format!(
            "{offset} bytes precede the zip archive (a prepended script or another zip); a wheel must start with its first entry"
        )));
    }
    let mut seen = Seen::default();
    let mut sizes = Sizes::default();
    for entry in layout {
        if let Some(reason) = unsafe_name(&entry.name) {
            return Err(refuse(&entry.name, reason.to_string()));
        }
        seen.add(&entry.name)
            .map_err(|reason| refuse(&entry.name, reason.to_string()))?;
        if entry.symlink {
            return Err(refuse(
                &entry.name,
                "a symbolic link; wheels hold only files and folders".into(),
            ));
        }
        sizes
            .add(entry.size, Some(entry.compressed))
            .map_err(|reason| refuse(&entry.name, reason))?;
    }
    let mut file = File::open(path).map_err(DistErrorKind::Io)?;
    let mut spans = Vec::with_capacity(layout.len());
    let mut mismatch = None;
    for entry in layout {
        let (data_start, other_name) = local_header(&mut file, entry)?;
        if mismatch.is_none() {
            mismatch = other_name;
        }
        spans.push((
            entry.header_start,
            data_start.saturating_add(entry.compressed),
            &entry.name,
        ));
    }
    spans.sort_by_key(|(start, _, _)| *start);
    let mut expected_start = 0u64;
    for (start, end, name) in &spans {
        if *start < expected_start {
            return Err(refuse(
                name,
                "its data overlaps another entry's (an overlapping-entry zip bomb)".into(),
            ));
        }
        if *start > expected_start.saturating_add(MAX_DESCRIPTOR) {
            return Err(refuse(
                name,
                format!(
                    "{} unexplained bytes precede its entry",
                    start - expected_start
                ),
            ));
        }
        expected_start = *end;
    }
    if central_directory > expected_start.saturating_add(MAX_DESCRIPTOR) {
        return Err(DistErrorKind::BadZip(format!(
            "{} unexplained bytes between the last entry and the central directory (hidden data or another zip)",
            central_directory - expected_start
        )));
    }
    if central_directory < expected_start {
        return Err(DistErrorKind::BadZip(
            "the central directory overlaps the entries' data".into(),
        ));
    }
    match mismatch {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Read `entry`'s local header: it must be one and name the same file as the central
/// directory. Returns where its data starts, and the refusal when it names another file.
fn local_header(
    file: &mut File,
    entry: &Layout,
) -> Result<(u64, Option<DistErrorKind>), DistErrorKind> {
    use std::io::{Seek, SeekFrom};
    let bad = |reason: String| DistErrorKind::Unsafe {
        member: crate::text::excerpt(&entry.name, 200),
        reason,
    };
    let mut fixed = [0u8; 30];
    file.seek(SeekFrom::Start(entry.header_start))
        .and_then(|_| file.read_exact(&mut fixed))
        .map_err(|e| bad(format!("its local header cannot be read ({e})")))?;
    if fixed.get(..4) != Some(b"PK\x03\x04".as_slice()) {
        return Err(bad(
            "no local header where the central directory points".into()
        ));
    }
    let u16_at = |at: usize| {
        u64::from(u16::from_le_bytes([
            fixed.get(at).copied().unwrap_or(0),
            fixed.get(at + 1).copied().unwrap_or(0),
        ]))
    };
    let (name_len, extra_len) = (u16_at(26), u16_at(28));
    let mut name = vec![0u8; usize::try_from(name_len).unwrap_or(0)];
    file.read_exact(&mut name)
        .map_err(|e| bad(format!("its local header cannot be read ({e})")))?;
    let data_start = entry.header_start + 30 + name_len + extra_len;
    if name != entry.raw {
        return Ok((
            data_start,
            Some(bad(format!(
                "its local header names another file ({}); tools that read local headers would unpack something else",
                crate::text::excerpt(&String::from_utf8_lossy(&name), 200)
            ))),
        ));
    }
    Ok((data_start, None))
}

/// The tags a wheel's filename stands for (`py2.py3-none-any` is two).
fn filename_tags(filename: &DistFilename) -> std::collections::BTreeSet<String> {
    let mut tags = std::collections::BTreeSet::new();
    let abi = filename.abi_tag.as_deref().unwrap_or_default();
    let plat = filename.platform_tag.as_deref().unwrap_or_default();
    for py in filename.python_tag.split('.') {
        for abi in abi.split('.') {
            for plat in plat.split('.') {
                tags.insert(format!("{py}-{abi}-{plat}"));
            }
        }
    }
    tags
}

/// `WHEEL`: `Key: Value` lines, a `Wheel-Version` of 1.x (a later major version means this
/// reader cannot understand the wheel), and `Tag` lines that are exactly the filename's tags.
fn check_wheel_file(
    member: &str,
    bytes: &[u8],
    filename: &DistFilename,
) -> Result<(), DistErrorKind> {
    let bad = |reason: String| DistErrorKind::Layout(format!("{member}: {reason}"));
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text".into()))?;
    let mut version = None;
    let mut tags = std::collections::BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(bad(format!(
                "line {} is not a `Key: Value` line: {}",
                n + 1,
                crate::text::excerpt(line, 80)
            )));
        };
        match key.trim() {
            "Wheel-Version" => version = Some(value.trim().to_string()),
            "Tag" => {
                tags.insert(value.trim().to_string());
            }
            _ => {}
        }
    }
    let Some(version) = version else {
        return Err(bad("no Wheel-Version".into()));
    };
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if major != Some(1) {
        return Err(bad(format!(
            "Wheel-Version {} is not 1.x; this chora-publish understands only wheel format 1",
            crate::text::excerpt(&version, 40)
        )));
    }
    let expected = filename_tags(filename);
    if tags != expected {
        let list = |set: &std::collections::BTreeSet<String>| {
            crate::text::excerpt(&set.iter().cloned().collect::<Vec<_>>().join(", "), 200)
        };
        return Err(bad(format!(
            "its Tag lines ({}) are not the filename's tags ({})",
            if tags.is_empty() {
                "none".to_string()
            } else {
                list(&tags)
            },
            list(&expected)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_wheel_file_is_checked_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let filename = super::super::parse_filename("demo_pkg-0.1.0-py2.py3-none-any.whl").unwrap();
            let _ = check_wheel_file("demo_pkg-0.1.0.dist-info/WHEEL", &bytes, &filename);
        }
    }

    #[test]
    fn wheel_tags_must_be_the_filename_tags() {
        let filename = super::super::parse_filename("demo_pkg-0.1.0-py2.py3-none-any.whl").unwrap();
        let good = b"Wheel-Version: 1.0\nTag: py2-none-any\nTag: py3-none-any\n";
        assert!(check_wheel_file("W", good, &filename).is_ok());
        let short = b"Wheel-Version: 1.0\nTag: py3-none-any\n";
        assert!(check_wheel_file("W", short, &filename).is_err());
    }
}
