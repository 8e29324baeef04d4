//! What was uploaded, to compare the index's listing with: a `sha256sum` file
//! (`--expect-digests`: `<hex>  <name>` lines) or the ledger's `upload` `succeeded` entries.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Release, SmokeError};
use crate::publish::ledger::{Entry, Outcome};

/// The largest digests file read: 1 MiB.
pub const DIGESTS_LIMIT: u64 = 1 << 20;

/// The files of the release that were uploaded: name -> sha256 (lowercase hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Where they came from, for messages (`--expect-digests FILE`, `ledger FILE`).
    pub source: String,
    pub files: BTreeMap<String, String>,
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parse `sha256sum` output: `<64 hex>  <name>` or `<64 hex> *<name>` (binary mode), one a
/// line; blank lines are skipped; a path keeps only its file name. Only the release's files
/// are kept; none at all is an error, as is a malformed line or one file with two digests.
pub fn parse_sha256sums(
    text: &str,
    release: &Release,
    source: &str,
) -> Result<Expected, SmokeError> {
    let mut files = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| {
            SmokeError::BadInput(format!(
                "{source}, line {}: {why} (expected `sha256sum` lines: <64 hex digits>  <file name>)",
                number + 1
            ))
        };
        let (digest, name) = line
            .split_once(' ')
            .ok_or_else(|| bad("no file name after the digest"))?;
        if !is_sha256(digest) {
            return Err(bad("not a sha256 digest"));
        }
        let name = name.strip_prefix([' ', '*']).unwrap_or(name);
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
        if name.is_empty() {
            return Err(bad("no file name after the digest"));
        }
        if !release.owns(name) {
            continue;
        }
        let digest = digest.to_ascii_lowercase();
        if let Some(earlier) = files.insert(name.to_string(), digest.clone())
            && earlier != digest
        {
            return Err(bad(&format!(
                "{name} is listed twice with different digests"
            )));
        }
    }
    if files.is_empty() {
        return Err(SmokeError::BadInput(format!(
            "{source} lists no file of {} {}",
            release.project, release.version
        )));
    }
    Ok(Expected {
        source: source.to_string(),
        files,
    })
}

/// Read and parse a `--expect-digests` file.
pub fn read_sha256sums(path: &Path, release: &Release) -> Result<Expected, SmokeError> {
    let text =
        crate::fs::read_regular_text(path, DIGESTS_LIMIT, "digests file").map_err(|source| {
            SmokeError::Read {
                what: "the digests file",
                path: path.to_path_buf(),
                source,
            }
        })?;
    parse_sha256sums(
        &text,
        release,
        &format!("--expect-digests {}", path.display()),
    )
}

/// The web root an upload or simple URL belongs to (`https://upload.pypi.org/legacy/` and
/// `https://pypi.org/simple/` are both `https://pypi.org/`).
pub fn index_root(url: &reqwest::Url) -> reqwest::Url {
    let mut root = crate::publish::index::web_root(url);
    let path = root.path().trim_end_matches('/');
    let path = path.strip_suffix("/simple").unwrap_or(path).to_string();
    root.set_path(&format!("{}/", path.trim_end_matches('/')));
    root
}

/// The release's files from the ledger's `upload` `succeeded` entries to this index (an entry
/// without a target counts for any index). Later entries win.
pub fn from_ledger(
    entries: &[Entry],
    release: &Release,
    index_url: &reqwest::Url,
    source: &str,
) -> Result<Expected, SmokeError> {
    let root = index_root(index_url);
    let mut files = BTreeMap::new();
    let mut elsewhere = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.operation == "upload" && e.outcome == Outcome::Succeeded)
    {
        let target = entry
            .target
            .as_deref()
            .and_then(|t| reqwest::Url::parse(t).ok());
        let here = target.as_ref().is_none_or(|t| index_root(t) == root);
        for f in entry.files.iter().filter(|f| release.owns(&f.name)) {
            if here && is_sha256(&f.sha256) {
                files.insert(f.name.clone(), f.sha256.to_ascii_lowercase());
            } else if let Some(t) = &target {
                elsewhere.push(t.to_string());
            }
        }
    }
    if files.is_empty() {
        elsewhere.sort();
        elsewhere.dedup();
        let also = if elsewhere.is_empty() {
            String::new()
        } else {
            format!(" (it has uploads of it to {})", elsewhere.join(", "))
        };
        return Err(SmokeError::BadInput(format!(
            "{source} has no succeeded upload of {} {} to {root}{also}",
            release.project, release.version
        )));
    }
    Ok(Expected {
        source: source.to_string(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::ledger::{FileDigest, Record, RunId};

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

    fn release() -> Release {
        Release::parse("demo-pkg==0.1.0").unwrap()
    }

    #[test]
    fn sha256sum_lines() {
        let text = format!(
            "{A}  dist/demo_pkg-0.1.0-py3-none-any.whl\n\n{B} *demo_pkg-0.1.0.tar.gz\r\n{A}  other-1.0.tar.gz\n"
        );
        let e = parse_sha256sums(&text, &release(), "f").unwrap();
        assert_eq!(e.files.len(), 2);
        assert_eq!(e.files["demo_pkg-0.1.0-py3-none-any.whl"], A);
        assert_eq!(e.files["demo_pkg-0.1.0.tar.gz"], B.to_ascii_lowercase());
        for bad in [
            "nothex  demo_pkg-0.1.0.tar.gz".to_string(),
            A.to_string(),
            format!("{A}  "),
            format!("{A}  other-1.0.tar.gz"),
            format!("{A}  demo_pkg-0.1.0.tar.gz\n{B}  demo_pkg-0.1.0.tar.gz"),
        ] {
            assert!(
                matches!(
                    parse_sha256sums(&bad, &release(), "f"),
                    Err(SmokeError::BadInput(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn roots() {
        let root = |u: &str| index_root(&reqwest::Url::parse(u).unwrap()).to_string();
        assert_eq!(root("https://upload.pypi.org/legacy/"), "https://pypi.org/");
        assert_eq!(root("https://pypi.org/simple/"), "https://pypi.org/");
        assert_eq!(
            root("https://test.pypi.org/simple"),
            "https://test.pypi.org/"
        );
        assert_eq!(root("http://127.0.0.1:9/"), "http://127.0.0.1:9/");
        assert_eq!(root("http://127.0.0.1:9/simple/"), "http://127.0.0.1:9/");
    }

    fn entry(seq: u64, outcome: Outcome, target: &str, name: &str, sha: &str) -> Entry {
        Entry::new(
            seq,
            crate::publish::ledger::GENESIS,
            0,
            RunId::local(),
            Record {
                operation: "upload".into(),
                outcome,
                target: Some(target.into()),
                files: vec![FileDigest {
                    name: name.into(),
                    sha256: sha.into(),
                }],
                ..Record::default()
            },
        )
    }

    #[test]
    fn ledger_uploads_to_this_index_only() {
        let pypi = reqwest::Url::parse("https://pypi.org/simple/").unwrap();
        let whl = "demo_pkg-0.1.0-py3-none-any.whl";
        let entries = vec![
            entry(
                0,
                Outcome::Started,
                "https://upload.pypi.org/legacy/",
                whl,
                B,
            ),
            entry(
                1,
                Outcome::Succeeded,
                "https://upload.pypi.org/legacy/",
                whl,
                A,
            ),
            entry(
                2,
                Outcome::Succeeded,
                "https://test.pypi.org/legacy/",
                "demo_pkg-0.1.0.tar.gz",
                A,
            ),
        ];
        let e = from_ledger(&entries, &release(), &pypi, "ledger l").unwrap();
        assert_eq!(e.files.len(), 1);
        assert_eq!(e.files[whl], A);
        let test = reqwest::Url::parse("https://test.pypi.org/simple/").unwrap();
        let e = from_ledger(&entries, &release(), &test, "ledger l").unwrap();
        assert_eq!(
            e.files.keys().collect::<Vec<_>>(),
            ["demo_pkg-0.1.0.tar.gz"]
        );
        let other = reqwest::Url::parse("http://127.0.0.1:1/simple/").unwrap();
        let err = from_ledger(&entries, &release(), &other, "ledger l").unwrap_err();
        assert!(err.to_string().contains("it has uploads of it to"), "{err}");
    }
}
