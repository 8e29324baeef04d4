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
) -> Result<(ArchiveContents, Tee<File>), DistErrorKind> {
    let mut archive = match zip::ZipArchive::new(BufReader::with_capacity(CHUNK_SIZE, source)) {
        Ok(archive) => archive,
        Err(e) => return Err(DistErrorKind::BadZip(describe_zip_open_error(path, &e))),
    };

    // Names first (central directory only), to find the .dist-info directory.
    let mut names = Vec::with_capacity(archive.len());
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
    let read_member = |archive: &mut zip::ZipArchive<BufReader<Tee<File>>>,
                       name: &str,
                       buf: &mut [u8]|
     -> Result<Vec<u8>, DistErrorKind> {
        let bad = |detail: String| DistErrorKind::BadZipMember {
            member: name.to_string(),
            detail,
        };
        let mut entry = archive.by_name(name).map_err(|e| bad(error_chain(&e)))?;
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
                detail: error_chain(&e),
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
    Ok((
        ArchiveContents {
            metadata_path,
            metadata,
            members,
        },
        archive.into_inner().into_inner(),
    ))
}
