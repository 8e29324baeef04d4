//! Distributions that must not pass `chora-publish check` (issue 9 items 11, 12): members that
//! leave the archive, ZIP confusion (duplicates, local headers that disagree, prepended or
//! concatenated data, overlapping entries), links and special members, bad WHEEL files,
//! hostile metadata and tags. Each is refused before any byte is sent, with the member named.

mod dists;

use std::path::{Path, PathBuf};

use chora::publish::vet::vet;
use dists::{Sdist, Wheel, metadata, record_hash};

/// The problems of a one-file batch, as one text (it must name the file once).
fn refusal(path: &Path) -> String {
    let (_, problems) = vet(&[path.to_path_buf()]);
    assert_eq!(problems.len(), 1, "{}: {problems:#?}", path.display());
    problems[0].message.clone()
}

fn assert_refused(path: &Path, words: &[&str]) {
    let text = refusal(path);
    for w in words {
        assert!(
            text.contains(w),
            "{}: expected {w:?} in: {text}",
            path.display()
        );
    }
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn wheel_members_that_leave_the_archive_are_refused() {
    let evil = [
        "../../evil.py",
        "/etc/evil.py",
        "..\\..\\evil.py",
        "pkg/../../../evil.py",
    ];
    for name in evil {
        let d = dir();
        let path = Wheel::demo().file(name, b"import os\n").write(d.path());
        assert_refused(&path, &["unsafe archive member", name]);
    }
    assert_eq!(evil.len(), 4);
}

/// Positions of `signature` in `bytes`.
fn find_all(bytes: &[u8], signature: &[u8]) -> Vec<usize> {
    bytes
        .windows(signature.len())
        .enumerate()
        .filter(|(_, w)| *w == signature)
        .map(|(i, _)| i)
        .collect()
}

/// A valid demo wheel whose package holds `a.py` and `b.py`; its bytes.
fn two_file_wheel(dir: &Path) -> (PathBuf, Vec<u8>) {
    let path = Wheel::demo()
        .file("demo_pkg/a.py", b"A = 1\n")
        .file("demo_pkg/b.py", b"B = 2\n")
        .write(dir);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

#[test]
fn duplicate_names_are_refused() {
    let d = dir();
    let (path, mut bytes) = two_file_wheel(d.path());
    // Rename b.py to a.py everywhere (local header and central directory): two a.py.
    for at in find_all(&bytes.clone(), b"demo_pkg/b.py") {
        bytes[at + 9] = b'a';
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_refused(&path, &["two entries with the same name"]);
}

#[test]
fn a_local_header_naming_another_file_is_refused() {
    let d = dir();
    let (path, mut bytes) = two_file_wheel(d.path());
    // Only the local header (the first occurrence) of b.py becomes c.py.
    let at = find_all(&bytes, b"demo_pkg/b.py")[0];
    bytes[at + 9] = b'c';
    std::fs::write(&path, &bytes).unwrap();
    assert_refused(&path, &["demo_pkg/b.py", "local header names another file"]);
}

#[test]
fn prepended_and_concatenated_zips_are_refused() {
    let d = dir();
    let (path, bytes) = two_file_wheel(d.path());
    let mut prepended = b"#!/bin/sh\necho pwned\nexit 0\n".to_vec();
    prepended.extend_from_slice(&bytes);
    std::fs::write(&path, &prepended).unwrap();
    assert_refused(&path, &["precede the zip archive"]);
    let mut twice = bytes.clone();
    twice.extend_from_slice(&bytes);
    std::fs::write(&path, &twice).unwrap();
    assert_refused(&path, &["precede the zip archive"]);
}

#[test]
fn overlapping_entries_are_refused() {
    let d = dir();
    let (path, mut bytes) = two_file_wheel(d.path());
    // Point b.py's central directory entry at a.py's local header.
    let locals = find_all(&bytes, b"PK\x03\x04");
    let centrals = find_all(&bytes, b"PK\x01\x02");
    let a_local = locals[1] as u32;
    let b_central = centrals[2];
    bytes[b_central + 42..b_central + 46].copy_from_slice(&a_local.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_refused(&path, &["overlaps another entry"]);
}

#[test]
fn a_bomb_member_is_refused_by_its_ratio() {
    let d = dir();
    let path = Wheel::demo()
        .file("demo_pkg/zeros.bin", &vec![0u8; 50 << 20])
        .write(d.path());
    assert_refused(&path, &["demo_pkg/zeros.bin", "decompression bomb"]);
}

#[test]
fn symlink_members_are_refused() {
    let d = dir();
    let path = d.path().join("demo_pkg-0.1.0-py3-none-any.whl");
    let file = std::fs::File::create(&path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    zip.add_symlink("demo_pkg/passwd", "/etc/passwd", options)
        .unwrap();
    let info = "demo_pkg-0.1.0.dist-info";
    let files = [
        (format!("{info}/METADATA"), metadata("demo-pkg", "0.1.0")),
        (
            format!("{info}/WHEEL"),
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_string(),
        ),
    ];
    let mut record = String::new();
    for (name, text) in &files {
        use std::io::Write as _;
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
        record.push_str(&format!(
            "{name},{},{}\n",
            record_hash(text.as_bytes()),
            text.len()
        ));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    zip.start_file(format!("{info}/RECORD"), options).unwrap();
    std::io::Write::write_all(&mut zip, record.as_bytes()).unwrap();
    zip.finish().unwrap();
    assert_refused(&path, &["demo_pkg/passwd", "symbolic link"]);
}

#[test]
fn bad_wheel_files_are_refused() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"\x00\x01garbage without a colon\n",
            "not a `Key: Value` line",
        ),
        (
            b"Wheel-Version: 9.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
            "Wheel-Version 9.0 is not 1.x",
        ),
        (
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: cp312-cp312-linux_x86_64\n",
            "not the filename's tags",
        ),
    ];
    for (text, words) in cases {
        let d = dir();
        let path = Wheel::demo()
            .without_wheel_file()
            .dist_info_file("WHEEL", text)
            .write(d.path());
        assert_refused(&path, &["WHEEL", words]);
    }
    assert_eq!(cases.len(), 3);
}

#[test]
fn a_platform_tag_ending_in_a_new_line_is_refused() {
    let d = dir();
    let path = Wheel::demo()
        .file_name("demo_pkg-0.1.0-py3-none-any\n.whl")
        .write(d.path());
    assert_refused(&path, &["platform tag"]);
}

#[test]
fn huge_or_nul_summaries_are_refused() {
    let long = metadata("demo-pkg", "0.1.0").replace(
        "Summary: A demo package",
        // Text that does not compress 200:1 (that would be refused as a bomb first).
        &format!(
            "Summary: {}",
            (0..3_000_000u32)
                .map(|i| format!("{i:x}"))
                .collect::<String>()
                .chars()
                .take(10 << 20)
                .collect::<String>()
        ),
    );
    let nul = metadata("demo-pkg", "0.1.0").replace("A demo package", "A demo\0package");
    for (text, words) in [
        (long, "Summary is 10485760 characters"),
        (nul, "control characters"),
    ] {
        let d = dir();
        let path = Wheel::demo().metadata(&text).write(d.path());
        let message = refusal(&path);
        assert!(message.contains(words), "{message}");
        assert!(
            message.len() < 2000,
            "the refusal quotes too much: {} bytes",
            message.len()
        );
    }
}

/// An sdist of demo_pkg 0.1.0 with PKG-INFO and one more member of `kind`.
fn sdist_with(dir: &Path, name: &str, kind: tar::EntryType, link: Option<&str>) -> PathBuf {
    let path = dir.join("demo_pkg-0.1.0.tar.gz");
    let file = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let pkg_info = metadata("demo-pkg", "0.1.0");
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg_info.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, "demo_pkg-0.1.0/PKG-INFO", pkg_info.as_bytes())
        .unwrap();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(0);
    header.set_mode(0o644);
    if let Some(link) = link {
        header.set_link_name(link).unwrap();
    }
    // Write the name raw: tar::Builder refuses `..` and absolute paths itself.
    let raw = &mut header.as_old_mut().name;
    raw.fill(0);
    raw[..name.len()].copy_from_slice(name.as_bytes());
    header.set_cksum();
    tar.append(&header, std::io::empty()).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    path
}

#[test]
fn sdists_with_links_special_members_or_escaping_paths_are_refused() {
    use tar::EntryType as T;
    let cases = [
        (
            "demo_pkg-0.1.0/passwd",
            T::Symlink,
            Some("/etc/passwd"),
            "symbolic link",
        ),
        (
            "demo_pkg-0.1.0/up",
            T::Symlink,
            Some("../../x"),
            "symbolic link",
        ),
        (
            "demo_pkg-0.1.0/hard",
            T::Link,
            Some("/etc/passwd"),
            "hard link",
        ),
        ("demo_pkg-0.1.0/dev", T::Char, None, "a device"),
        ("demo_pkg-0.1.0/fifo", T::Fifo, None, "a FIFO"),
        ("demo_pkg-0.1.0/../../evil.py", T::Regular, None, "'..'"),
        ("/etc/evil.py", T::Regular, None, "absolute path"),
    ];
    for (name, kind, link, words) in cases {
        let d = dir();
        let path = sdist_with(d.path(), name, kind, link);
        assert_refused(&path, &["unsafe archive member", words]);
    }
    assert_eq!(cases.len(), 7);
    // The same builder with a plain file passes (the refusals are the members, not it).
    let d = dir();
    let ok = sdist_with(d.path(), "demo_pkg-0.1.0/LICENSE", T::Regular, None);
    let (dists, problems) = vet(&[ok]);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(dists.len(), 1);
    let _ = Sdist::demo();
}
