//! The runtime generated workflows install: the published chora-cli releases with the SHA-256
//! of every wheel (`data/chora-releases.tsv`, updated by chora's release pipeline) and the uv
//! release `astral-sh/setup-uv` installs (`data/runtime-pins.tsv`). A workflow installs
//! chora-cli only by hash (`uv pip install --require-hashes`), so with no release known the
//! templates do not use chora-publish at all.
//!
//! Both files are embedded at build time. `CHORA_RELEASES_FILE` (a test knob, see
//! docs/testing.md) names another releases file to read instead.

use std::cmp::Ordering;
use std::path::PathBuf;

use crate::publish::dist::normalize_version;

/// The published releases this chora embeds.
pub const RELEASES_TSV: &str = include_str!("../../data/chora-releases.tsv");
/// The tool pins this chora embeds.
pub const RUNTIME_PINS_TSV: &str = include_str!("../../data/runtime-pins.tsv");
/// Names a releases file read instead of the embedded one (tests only).
pub const RELEASES_FILE_ENV: &str = "CHORA_RELEASES_FILE";
/// The distribution whose wheels the releases file lists.
pub const DISTRIBUTION: &str = "chora-cli";

/// Why a releases or pins table is unusable.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("cannot read the chora-cli releases file {} (from {RELEASES_FILE_ENV}): {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}, line {line}: {reason}")]
    Line {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("{0} names no uv release (a line `uv<TAB>X.Y.Z`)")]
    NoUv(String),
}

/// One wheel of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wheel {
    pub file: String,
    /// Lowercase hex.
    pub sha256: String,
}

/// One published chora-cli release and its wheels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoraRelease {
    /// Normalised PEP 440.
    pub version: String,
    pub wheels: Vec<Wheel>,
}

impl ChoraRelease {
    /// The requirement line a workflow installs with `--require-hashes`:
    /// `chora-cli==V --hash=sha256:<wheel> …`.
    pub fn requirement(&self) -> String {
        let mut line = format!("{DISTRIBUTION}=={}", self.version);
        for wheel in &self.wheels {
            line.push_str(" --hash=sha256:");
            line.push_str(&wheel.sha256);
        }
        line
    }
}

/// What generated workflows install: the newest chora-cli release (if any) and uv's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub chora: Option<ChoraRelease>,
    pub uv: String,
    /// The Linux wheels of that uv release with their SHA-256 (`uv-wheel` lines), which a
    /// GitLab pipeline installs uv from with `pip install --require-hashes`.
    pub uv_wheels: Vec<Wheel>,
}

impl Runtime {
    /// The requirement line that installs uv by hash: `uv==V --hash=sha256:<wheel> …` (just
    /// `uv==V` when the pins list no wheel).
    pub fn uv_requirement(&self) -> String {
        let mut line = format!("uv=={}", self.uv);
        for wheel in &self.uv_wheels {
            line.push_str(" --hash=sha256:");
            line.push_str(&wheel.sha256);
        }
        line
    }

    /// The embedded tables (no knob). A table that does not parse counts as empty; a unit test
    /// keeps the embedded ones valid.
    pub fn embedded() -> Runtime {
        Runtime::from_tables(RELEASES_TSV, RUNTIME_PINS_TSV).unwrap_or(Runtime {
            chora: None,
            uv: String::new(),
            uv_wheels: Vec::new(),
        })
    }

    /// The tables this chora uses: the embedded pins, and the releases file named by
    /// `CHORA_RELEASES_FILE` or else the embedded one.
    pub fn current() -> Result<Runtime, RuntimeError> {
        match std::env::var_os(RELEASES_FILE_ENV) {
            Some(path) if !path.is_empty() => {
                let path = PathBuf::from(path);
                let text = std::fs::read_to_string(&path).map_err(|source| RuntimeError::Read {
                    path: path.clone(),
                    source,
                })?;
                Runtime::from_named_tables(
                    &path.display().to_string(),
                    &text,
                    "data/runtime-pins.tsv",
                    RUNTIME_PINS_TSV,
                )
            }
            _ => Runtime::from_tables(RELEASES_TSV, RUNTIME_PINS_TSV),
        }
    }

    /// Parse a releases table and a pins table.
    pub fn from_tables(releases: &str, pins: &str) -> Result<Runtime, RuntimeError> {
        Runtime::from_named_tables(
            "data/chora-releases.tsv",
            releases,
            "data/runtime-pins.tsv",
            pins,
        )
    }

    fn from_named_tables(
        releases_name: &str,
        releases: &str,
        pins_name: &str,
        pins: &str,
    ) -> Result<Runtime, RuntimeError> {
        let releases = parse_releases(releases_name, releases)?;
        let uv = parse_uv(pins_name, pins)?;
        let uv_wheels = parse_uv_wheels(pins_name, pins, &uv)?;
        Ok(Runtime {
            chora: latest(&releases).cloned(),
            uv,
            uv_wheels,
        })
    }
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
}

/// Parse a releases table: `version<TAB>wheel file name<TAB>sha256` lines, `#` comments. Every
/// line is checked: a normalised PEP 440 version without a local part, a wheel of chora-cli of
/// that version, 64 lowercase hex digits, no wheel listed twice.
pub fn parse_releases(file: &str, text: &str) -> Result<Vec<ChoraRelease>, RuntimeError> {
    let mut out: Vec<ChoraRelease> = Vec::new();
    for (line, content) in data_lines(text) {
        let bad = |reason: String| RuntimeError::Line {
            file: file.to_string(),
            line,
            reason,
        };
        let cols: Vec<&str> = content.split('\t').collect();
        let [version, wheel, sha256] = cols[..] else {
            return Err(bad(format!(
                "expected 3 tab-separated columns (version, wheel file name, sha256), found {}",
                cols.len()
            )));
        };
        if normalize_version(version).as_deref() != Some(version) || version.contains('+') {
            return Err(bad(format!(
                "{} is not a normalised PEP 440 version of a public release",
                crate::text::excerpt(version, 40)
            )));
        }
        check_wheel_name(wheel, version).map_err(bad)?;
        check_sha256(sha256).map_err(bad)?;
        if out.iter().flat_map(|r| &r.wheels).any(|w| w.file == wheel) {
            return Err(bad(format!("{wheel} is listed twice")));
        }
        let entry = Wheel {
            file: wheel.to_string(),
            sha256: sha256.to_string(),
        };
        match out.iter_mut().find(|r| r.version == version) {
            Some(release) => release.wheels.push(entry),
            None => out.push(ChoraRelease {
                version: version.to_string(),
                wheels: vec![entry],
            }),
        }
    }
    Ok(out)
}

/// A wheel file name (`{dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl`) of chora-cli
/// at `version`, in characters safe anywhere.
fn check_wheel_name(name: &str, version: &str) -> Result<(), String> {
    let shown = crate::text::excerpt(name, 120);
    let stem = name
        .strip_suffix(".whl")
        .ok_or_else(|| format!("{shown} is not a wheel file name (*.whl)"))?;
    if !stem
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(format!("{shown} has characters a wheel file name does not"));
    }
    let parts: Vec<&str> = stem.split('-').collect();
    let shape_ok = (parts.len() == 5 || parts.len() == 6) && parts.iter().all(|p| !p.is_empty());
    let (true, [dist, wheel_version, ..]) = (shape_ok, parts.as_slice()) else {
        return Err(format!(
            "{shown} is not a wheel file name (name-version-python-abi-platform.whl)"
        ));
    };
    if crate::names::pep503(dist) != DISTRIBUTION {
        return Err(format!("{shown} is not a wheel of {DISTRIBUTION}"));
    }
    if normalize_version(wheel_version).as_deref() != Some(version) {
        return Err(format!("{shown} is not a wheel of version {version}"));
    }
    Ok(())
}

fn parse_uv(file: &str, text: &str) -> Result<String, RuntimeError> {
    for (line, content) in data_lines(text) {
        let mut cols = content.split('\t');
        if cols.next() != Some("uv") {
            continue;
        }
        let version = cols.next().unwrap_or_default();
        let exact = version.split('.').count() == 3
            && version
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !exact || cols.next().is_some() {
            return Err(RuntimeError::Line {
                file: file.to_string(),
                line,
                reason: format!(
                    "uv's pin must be an exact release X.Y.Z, not {}",
                    crate::text::excerpt(version, 40)
                ),
            });
        }
        return Ok(version.to_string());
    }
    Err(RuntimeError::NoUv(file.to_string()))
}

/// The `uv-wheel<TAB>file<TAB>sha256` lines of a pins table: wheels of uv at `version`, each
/// hash 64 lowercase hex digits, no file twice.
fn parse_uv_wheels(file: &str, text: &str, version: &str) -> Result<Vec<Wheel>, RuntimeError> {
    let mut out: Vec<Wheel> = Vec::new();
    for (line, content) in data_lines(text) {
        let cols: Vec<&str> = content.split('\t').collect();
        if cols.first() != Some(&"uv-wheel") {
            continue;
        }
        let bad = |reason: String| RuntimeError::Line {
            file: file.to_string(),
            line,
            reason,
        };
        let [_, wheel, sha256] = cols[..] else {
            return Err(bad(format!(
                "expected uv-wheel, wheel file name and sha256 (tab-separated), found {} columns",
                cols.len()
            )));
        };
        let prefix = format!("uv-{version}-");
        let safe = wheel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !wheel.starts_with(&prefix) || !wheel.ends_with(".whl") || !safe {
            return Err(bad(format!(
                "{} is not a wheel of uv {version} (the `uv` line's release)",
                crate::text::excerpt(wheel, 120)
            )));
        }
        check_sha256(sha256).map_err(bad)?;
        if out.iter().any(|w| w.file == wheel) {
            return Err(bad(format!("{wheel} is listed twice")));
        }
        out.push(Wheel {
            file: wheel.to_string(),
            sha256: sha256.to_string(),
        });
    }
    Ok(out)
}

/// The newest release by PEP 440 ordering.
pub fn latest(releases: &[ChoraRelease]) -> Option<&ChoraRelease> {
    releases
        .iter()
        .max_by(|a, b| compare_versions(&a.version, &b.version))
}

/// Sort key of a normalised PEP 440 version without a local part:
/// (epoch, release, pre, post, dev). Missing pre sorts after any pre-release unless the
/// version is a bare dev release; missing post before any; missing dev after any.
type Key = (u64, Vec<u64>, (u8, u64), (u8, u64), (u8, u64));

fn key(version: &str) -> Key {
    let (epoch, rest) = match version.split_once('!') {
        Some((e, r)) => (e.parse().unwrap_or(0), r),
        None => (0, version),
    };
    let release_end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (release_text, mut suffix) = rest.split_at(release_end);
    let mut release: Vec<u64> = release_text
        .trim_end_matches('.')
        .split('.')
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let mut take = |tag: &str| -> Option<u64> {
        let s = suffix.strip_prefix('.').unwrap_or(suffix);
        let s = s.strip_prefix(tag)?;
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let n = s[..digits].parse().unwrap_or(0);
        suffix = &s[digits..];
        Some(n)
    };
    let pre = ["a", "b", "rc"]
        .iter()
        .enumerate()
        .find_map(|(rank, tag)| take(tag).map(|n| (rank as u8 + 1, n)));
    let post = take("post").map(|n| (1, n)).unwrap_or((0, 0));
    let dev = take("dev").map(|n| (0, n)).unwrap_or((1, 0));
    let pre = match pre {
        Some(p) => p,
        // 1.0.dev1 sorts before 1.0a1.
        None if dev.0 == 0 && post.0 == 0 => (0, 0),
        None => (9, 0),
    };
    (epoch, release, pre, post, dev)
}

/// PEP 440 ordering of two normalised versions.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    key(a).cmp(&key(b))
}

/// A SHA-256 as the pins file writes it: 64 lowercase hex digits.
fn check_sha256(sha256: &str) -> Result<(), String> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(format!(
            "{} is not a SHA-256 in lowercase hex (64 digits)",
            crate::text::excerpt(sha256, 80)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SHA_B: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_embedded_tables_are_valid() {
        let runtime = Runtime::from_tables(RELEASES_TSV, RUNTIME_PINS_TSV).unwrap();
        assert_eq!(runtime.uv.split('.').count(), 3);
        assert!(
            runtime.uv_wheels.len() >= 2,
            "the GitLab pipeline installs uv by the hashes of its Linux wheels"
        );
        assert_eq!(Runtime::embedded(), runtime);
    }

    #[test]
    fn the_latest_release_carries_every_wheel_hash() {
        let text = format!(
            "# c\n0.2.0\tchora_cli-0.2.0-py3-none-manylinux_2_17_x86_64.whl\t{SHA_A}\n\
             0.10.0\tchora_cli-0.10.0-py3-none-any.whl\t{SHA_B}\n\
             0.10.0\tchora_cli-0.10.0-py3-none-macosx_11_0_arm64.whl\t{SHA_A}\n\
             0.10.0rc1\tchora_cli-0.10.0rc1-py3-none-any.whl\t{SHA_A}\n"
        );
        let runtime = Runtime::from_tables(&text, "uv\t0.13.8\n").unwrap();
        let chora = runtime.chora.unwrap();
        assert_eq!(chora.version, "0.10.0");
        assert_eq!(
            chora.requirement(),
            format!("chora-cli==0.10.0 --hash=sha256:{SHA_B} --hash=sha256:{SHA_A}")
        );
        assert_eq!(runtime.uv, "0.13.8");
        assert!(
            Runtime::from_tables("", "uv\t0.13.8\n")
                .unwrap()
                .chora
                .is_none()
        );
    }

    #[test]
    fn uv_wheels_give_a_hashed_requirement_and_bad_ones_are_refused() {
        let wheel = "uv-0.13.8-py3-none-manylinux_2_28_aarch64.whl";
        let pins = format!(
            "uv\t0.13.8\nuv-wheel\t{wheel}\t{SHA_A}\nuv-wheel\tuv-0.13.8-py3-none-win32.whl\t{SHA_B}\n"
        );
        let runtime = Runtime::from_tables("", &pins).unwrap();
        assert_eq!(
            runtime.uv_requirement(),
            format!("uv==0.13.8 --hash=sha256:{SHA_A} --hash=sha256:{SHA_B}")
        );
        let bare = Runtime::from_tables("", "uv\t0.13.8\n").unwrap();
        assert_eq!(bare.uv_requirement(), "uv==0.13.8");
        for (extra, says) in [
            (format!("uv-wheel\t{wheel}"), "found 2 columns"),
            (
                format!("uv-wheel\tuv-0.13.7-py3-none-any.whl\t{SHA_A}"),
                "not a wheel of uv 0.13.8",
            ),
            (
                format!("uv-wheel\tuv-0.13.8-py3-none-any.tar.gz\t{SHA_A}"),
                "not a wheel",
            ),
            (
                format!("uv-wheel\tuv-0.13.8-py3\";rm-none-any.whl\t{SHA_A}"),
                "not a wheel",
            ),
            (format!("uv-wheel\t{wheel}\tABC"), "lowercase hex"),
            (
                format!("uv-wheel\t{wheel}\t{SHA_A}\nuv-wheel\t{wheel}\t{SHA_B}"),
                "listed twice",
            ),
        ] {
            let text = format!("uv\t0.13.8\n{extra}\n");
            let err = Runtime::from_tables("", &text).unwrap_err().to_string();
            assert!(err.contains(says), "{extra}: {err}");
        }
    }

    #[test]
    fn bad_lines_are_refused_with_the_reason() {
        let wheel = "chora_cli-0.2.0-py3-none-any.whl";
        for (line, says) in [
            (format!("0.2.0\t{wheel}"), "3 tab-separated columns"),
            (format!("v0.2\t{wheel}\t{SHA_A}"), "normalised PEP 440"),
            (format!("0.2.0+local\t{wheel}\t{SHA_A}"), "public release"),
            (
                format!("0.3.0\t{wheel}\t{SHA_A}"),
                "not a wheel of version 0.3.0",
            ),
            (
                format!("0.2.0\tother-0.2.0-py3-none-any.whl\t{SHA_A}"),
                "not a wheel of chora-cli",
            ),
            (format!("0.2.0\tchora_cli-0.2.0.tar.gz\t{SHA_A}"), "*.whl"),
            (
                format!("0.2.0\tchora_cli-0.2.0-py3-none-any;rm.whl\t{SHA_A}"),
                "characters",
            ),
            (
                format!("0.2.0\t{wheel}\t{}", SHA_A.to_uppercase()),
                "lowercase hex",
            ),
            (format!("0.2.0\t{wheel}\tabc"), "lowercase hex"),
            (
                format!("0.2.0\t{wheel}\t{SHA_A}\n0.2.0\t{wheel}\t{SHA_B}"),
                "listed twice",
            ),
        ] {
            let err = parse_releases("r.tsv", &line).unwrap_err().to_string();
            assert!(err.contains(says), "{line}: {err}");
            assert!(err.starts_with("r.tsv, line "), "{err}");
        }
        for pins in ["", "uv\t0.13\n", "uv\tlatest\n", "uv\t0.13.8\textra\n"] {
            assert!(Runtime::from_tables("", pins).is_err(), "{pins:?}");
        }
    }

    #[test]
    fn versions_order_as_pep_440_says() {
        let ordered = [
            "0.9",
            "1.0.dev1",
            "1.0a1",
            "1.0a2.dev1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1.10",
            "1!0.1",
        ];
        for pair in ordered.windows(2) {
            assert_eq!(
                compare_versions(pair[0], pair[1]),
                Ordering::Less,
                "{pair:?}"
            );
        }
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Equal);
    }
}
