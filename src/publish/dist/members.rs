//! What an archive may contain, whatever the format: member names that stay inside the
//! archive when unpacked (no `..`, no absolute or Windows paths, no control characters), each
//! name once, and bounded unpacked sizes (docs/security.md, "Archives").

use std::collections::HashSet;

/// Sees every member of an archive as the reader streams it: each byte once, in chunks of at
/// most [`super::CHUNK_SIZE`], between a [`Inspect::start`] and a [`Inspect::finish`]. What
/// content vetting (secrets, stray files) hooks into, so a file is still read only once.
pub trait Inspect {
    /// A member starts: its archive path, its unpacked size as the archive declares it, and
    /// whether it is a folder (a folder gets no data).
    fn start(&mut self, name: &str, size: u64, is_dir: bool);
    /// The next bytes of the member started last.
    fn data(&mut self, chunk: &[u8]);
    /// The member started last is complete.
    fn finish(&mut self);
}

/// An inspector that looks at nothing.
pub struct NoInspect;

impl Inspect for NoInspect {
    fn start(&mut self, _: &str, _: u64, _: bool) {}
    fn data(&mut self, _: &[u8]) {}
    fn finish(&mut self) {}
}

/// The most all members of one archive may unpack to.
pub const MAX_UNPACKED: u64 = 4 << 30;
/// The highest compression ratio accepted for a member larger than [`RATIO_FLOOR`].
pub const MAX_RATIO: u64 = 200;
/// Members smaller than this unpacked are not held to [`MAX_RATIO`].
pub const RATIO_FLOOR: u64 = 1 << 20;

/// Why a member name is refused, or `None` when it is a plain relative path.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("an empty member name");
    }
    if name.chars().any(char::is_control) {
        return Some("the name contains control characters");
    }
    if name.contains('\\') {
        return Some("the name contains a backslash (a Windows path separator)");
    }
    if name.starts_with('/') {
        return Some("an absolute path");
    }
    let first = name.split('/').next().unwrap_or_default();
    if first.len() >= 2 && first.as_bytes().get(1) == Some(&b':') {
        return Some("a Windows drive path");
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    for part in trimmed.split('/') {
        match part {
            ".." => return Some("a '..' component: it would unpack outside the archive's folder"),
            "." | "" => return Some("an empty or '.' path component"),
            _ => {}
        }
    }
    None
}

/// Names seen so far in one archive, to refuse a second member of the same name (also one
/// that differs only in case, which is the same file on macOS and Windows).
#[derive(Default)]
pub struct Seen(HashSet<String>);

impl Seen {
    /// `Err` with the reason when `name` was seen before.
    pub fn add(&mut self, name: &str) -> Result<(), &'static str> {
        let key = name.strip_suffix('/').unwrap_or(name).to_lowercase();
        if self.0.insert(key) {
            Ok(())
        } else {
            Err(
                "a second member with this name (or one differing only in case); tools disagree on which one wins",
            )
        }
    }
}

/// Unpacked sizes of one archive, bounded in total and per-member ratio.
#[derive(Default)]
pub struct Sizes {
    total: u64,
}

impl Sizes {
    /// Count a member of `size` bytes unpacked, `compressed` packed (`None`: unknown).
    pub fn add(&mut self, size: u64, compressed: Option<u64>) -> Result<(), String> {
        self.total = self.total.saturating_add(size);
        if self.total > MAX_UNPACKED {
            return Err(format!(
                "the archive unpacks to more than {} GiB, the limit",
                MAX_UNPACKED >> 30
            ));
        }
        if let Some(packed) = compressed
            && size > RATIO_FLOOR
            && size / packed.max(1) > MAX_RATIO
        {
            return Err(format!(
                "it unpacks {}:1 ({size} bytes from {packed}); more than {MAX_RATIO}:1 looks like a decompression bomb",
                size / packed.max(1)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_archive_are_refused() {
        let bad = [
            "../../evil.py",
            "/etc/evil.py",
            "..\\..\\evil.py",
            "pkg/../../../evil.py",
            "C:/evil.py",
            "pkg//x.py",
            "pkg/./x.py",
            "pkg/x\u{1b}.py",
            "",
        ];
        assert_eq!(
            bad.iter().filter(|n| unsafe_name(n).is_some()).count(),
            bad.len()
        );
        for good in [
            "pkg/__init__.py",
            "demo-0.1.dist-info/RECORD",
            "pkg/sub/",
            "a..b/c.py",
        ] {
            assert_eq!(unsafe_name(good), None, "{good}");
        }
    }

    #[test]
    fn duplicates_and_bombs_are_refused() {
        let mut seen = Seen::default();
        assert!(seen.add("pkg/a.py").is_ok());
        assert!(seen.add("pkg/A.py").is_err());
        assert!(seen.add("pkg/a.py").is_err());
        let mut sizes = Sizes::default();
        assert!(sizes.add(10 << 20, Some(1 << 20)).is_ok());
        assert!(sizes.add(1000 << 20, Some(1 << 20)).is_err());
        let mut sizes = Sizes::default();
        assert!(sizes.add(3 << 30, None).is_ok());
        assert!(sizes.add(2 << 30, None).is_err());
    }
}
