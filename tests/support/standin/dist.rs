//! Small but valid Python distributions for upload round trips: a pure-Python wheel (zip
//! with METADATA, WHEEL, RECORD) and an sdist (tar.gz with PKG-INFO).

use std::io::{Cursor, Write};

use sha2::Digest as _;

use super::util::{b64url, normalize_name};

/// A built distribution in memory.
#[derive(Clone, Debug)]
pub struct Dist {
    pub filename: String,
    pub data: Vec<u8>,
    /// Project name as given.
    pub name: String,
    pub version: String,
}

fn metadata(name: &str, version: &str) -> String {
    format!(
        "Metadata-Version: 2.4\nName: {name}\nVersion: {version}\nSummary: A stand-in test package\nRequires-Python: >=3.9\n"
    )
}

/// Writes a wheel and an sdist of demo-pkg 0.1.0 into `dir` (which must exist); the two
/// distributions, wheel first.
pub fn write_demo(dir: &std::path::Path) -> Vec<Dist> {
    let dists = vec![wheel("demo-pkg", "0.1.0"), sdist("demo-pkg", "0.1.0")];
    for d in &dists {
        std::fs::write(dir.join(&d.filename), &d.data).unwrap();
    }
    dists
}

/// A pure-Python `py3-none-any` wheel with one module that defines `VERSION`.
pub fn wheel(name: &str, version: &str) -> Dist {
    let dist_name = normalize_name(name).replace('-', "_");
    let info = format!("{dist_name}-{version}.dist-info");
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            format!("{dist_name}/__init__.py"),
            format!("VERSION = {version:?}\n").into_bytes(),
        ),
        (format!("{info}/METADATA"), metadata(name, version).into_bytes()),
        (
            format!("{info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: chora-standin\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_vec(),
        ),
    ];
    let mut record = String::new();
    for (path, data) in &files {
        record.push_str(&format!(
            "{path},sha256={},{}\n",
            b64url(&sha2::Sha256::digest(data)),
            data.len()
        ));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (path, data) in files.iter().chain(std::iter::once(&(
        format!("{info}/RECORD"),
        record.into_bytes(),
    ))) {
        zip.start_file(path.as_str(), options).expect("zip entry");
        zip.write_all(data).expect("zip write");
    }
    let data = zip.finish().expect("zip finish").into_inner();
    Dist {
        filename: format!("{dist_name}-{version}-py3-none-any.whl"),
        data,
        name: name.to_string(),
        version: version.to_string(),
    }
}

/// A source distribution `<name>-<version>.tar.gz` holding `PKG-INFO` and `pyproject.toml`.
pub fn sdist(name: &str, version: &str) -> Dist {
    let dist_name = normalize_name(name).replace('-', "_");
    let root = format!("{dist_name}-{version}");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let pyproject = format!(
        "[project]\nname = \"{name}\"\nversion = \"{version}\"\nrequires-python = \">=3.9\"\n"
    );
    for (path, data) in [
        (format!("{root}/PKG-INFO"), metadata(name, version)),
        (format!("{root}/pyproject.toml"), pyproject),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, &path, data.as_bytes())
            .expect("tar entry");
    }
    let data = tar
        .into_inner()
        .expect("tar finish")
        .finish()
        .expect("gzip finish");
    Dist {
        filename: format!("{root}.tar.gz"),
        data,
        name: name.to_string(),
        version: version.to_string(),
    }
}

/// The PEP 740 predicate type of a publish attestation.
pub const PUBLISH_PREDICATE: &str = "https://docs.pypi.org/attestations/publish/v1";

/// A structurally valid PEP 740 attestation (pypi-attestations' shape: `version`,
/// `verification_material` with a certificate and one Rekor entry, a DSSE `envelope` whose
/// statement names `filename` with the sha256 of `data`) for `predicate_type`. The
/// certificate and signature are placeholders: nothing here is signed.
pub fn attestation(filename: &str, data: &[u8], predicate_type: &str) -> serde_json::Value {
    use super::util::{b64, sha256_hex};
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": filename, "digest": {"sha256": sha256_hex(data)}}],
        "predicateType": predicate_type,
        "predicate": null,
    });
    serde_json::json!({
        "version": 1,
        "verification_material": {
            "certificate": b64(b"stand-in certificate (DER)"),
            "transparency_entries": [{
                "logIndex": "1",
                "logId": {"keyId": b64(b"stand-in log")},
                "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                "integratedTime": "1700000000",
                "inclusionPromise": {"signedEntryTimestamp": b64(b"set")},
                "canonicalizedBody": b64(b"{}"),
            }],
        },
        "envelope": {
            "statement": b64(statement.to_string().as_bytes()),
            "signature": b64(b"stand-in signature"),
        },
    })
}
