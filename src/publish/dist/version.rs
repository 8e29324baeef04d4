//! Distribution names (PEP 503 / PEP 508) and versions (PEP 440): validation and normal forms.

/// PEP 503 normalisation: lowercase, every run of `-`, `_` and `.` becomes one `-`.
pub use crate::names::pep503 as normalize_name;

/// True when `name` is a valid distribution name (PEP 508: ASCII letters and digits, with
/// `.`, `_`, `-` inside).
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        }
        _ => false,
    }
}

/// Normalise a PEP 440 version (`1.0.0-RC1` → `1.0.0rc1`, `v1.0-1` → `1.0.post1`). `None` when
/// the text is not a valid PEP 440 version.
pub fn normalize_version(text: &str) -> Option<String> {
    Pep440Parser::new(text.trim()).parse()
}

/// The form PyPI uses to tell releases apart: the normalised version with trailing `.0`
/// release segments removed (`1.0.0` and `1.0` are the same release). `None` when invalid.
pub fn canonical_version(text: &str) -> Option<String> {
    let normalized = normalize_version(text)?;
    let (epoch, rest) = match normalized.split_once('!') {
        Some((e, r)) => (format!("{e}!"), r.to_string()),
        None => (String::new(), normalized.clone()),
    };
    let release_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    // A '.' right before a suffix (".post1", ".dev0") belongs to the suffix.
    let release_len = if rest[..release_len].ends_with('.') {
        release_len - 1
    } else {
        release_len
    };
    let (release, suffix) = rest.split_at(release_len);
    let mut segments: Vec<&str> = release.split('.').collect();
    while segments.len() > 1 && segments.last() == Some(&"0") {
        segments.pop();
    }
    Some(format!("{epoch}{}{suffix}", segments.join(".")))
}

pub(super) struct Pep440Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Pep440Parser<'a> {
    fn new(text: &'a str) -> Self {
        Pep440Parser {
            s: text.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).map(u8::to_ascii_lowercase)
    }

    fn digits(&mut self) -> Option<String> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        let raw = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        let trimmed = raw.trim_start_matches('0');
        Some(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
    }

    fn is_sep(b: Option<u8>) -> bool {
        matches!(b, Some(b'-' | b'_' | b'.'))
    }

    /// Match one of `labels` (lowercase, longest first) at the cursor, case-insensitively.
    fn label(&self, at: usize, labels: &[&'static str]) -> Option<&'static str> {
        labels.iter().copied().find(|l| {
            self.s.len() >= at + l.len()
                && self.s[at..at + l.len()]
                    .iter()
                    .zip(l.bytes())
                    .all(|(a, b)| a.to_ascii_lowercase() == b)
        })
    }

    /// `[sep] label [sep] [digits]`, as greedy as packaging's regular expression (`1.0a.` is
    /// `1.0a0`, `1.0a-1` is `1.0a1`); the leading separator is taken only before a label.
    fn labelled(&mut self, labels: &[&'static str]) -> Option<(&'static str, String)> {
        let mut at = self.i;
        if Self::is_sep(self.s.get(at).copied()) {
            at += 1;
        }
        let label = self.label(at, labels)?;
        self.i = at + label.len();
        if Self::is_sep(self.peek()) {
            self.i += 1;
        }
        let number = self.digits().unwrap_or_else(|| "0".to_string());
        Some((label, number))
    }

    fn parse(mut self) -> Option<String> {
        if self.peek() == Some(b'v') {
            self.i += 1;
        }
        let mut out = String::new();
        let first = self.digits()?;
        let mut release = vec![first];
        if self.peek() == Some(b'!') {
            self.i += 1;
            let epoch = release.pop().unwrap_or_default();
            if epoch != "0" {
                out.push_str(&epoch);
                out.push('!');
            }
            release.push(self.digits()?);
        }
        while self.peek() == Some(b'.') && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
            release.push(self.digits()?);
        }
        out.push_str(&release.join("."));
        // Pre-release.
        if let Some((label, n)) =
            self.labelled(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
        {
            let label = match label {
                "alpha" | "a" => "a",
                "beta" | "b" => "b",
                _ => "rc",
            };
            out.push_str(label);
            out.push_str(&n);
        }
        // Post-release: `-N` or `[sep](post|rev|r)[sep][N]`.
        if self.peek() == Some(b'-') && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
            let n = self.digits()?;
            out.push_str(".post");
            out.push_str(&n);
        } else if let Some((_, n)) = self.labelled(&["post", "rev", "r"]) {
            out.push_str(".post");
            out.push_str(&n);
        }
        // Development release.
        if let Some((_, n)) = self.labelled(&["dev"]) {
            out.push_str(".dev");
            out.push_str(&n);
        }
        // Local version.
        if self.peek() == Some(b'+') {
            self.i += 1;
            let mut parts = Vec::new();
            loop {
                let start = self.i;
                while self.s.get(self.i).is_some_and(u8::is_ascii_alphanumeric) {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                let part = std::str::from_utf8(&self.s[start..self.i])
                    .ok()?
                    .to_ascii_lowercase();
                if part.bytes().all(|b| b.is_ascii_digit()) {
                    let trimmed = part.trim_start_matches('0');
                    parts.push(if trimmed.is_empty() { "0" } else { trimmed }.to_string());
                } else {
                    parts.push(part);
                }
                if Self::is_sep(self.peek()) {
                    self.i += 1;
                } else {
                    break;
                }
            }
            out.push('+');
            out.push_str(&parts.join("."));
        }
        (self.i == self.s.len()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_normalise() {
        for (raw, want) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("1.0.0-rc1", "1.0.0rc1"),
            ("1.0.0-RC.1", "1.0.0rc1"),
            ("1.0a", "1.0a0"),
            ("1.0alpha2", "1.0a2"),
            ("1.0-beta", "1.0b0"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0-r2", "1.0.post2"),
            ("1.0rev3", "1.0.post3"),
            ("1.0a-1", "1.0a1"),
            ("1.0a.", "1.0a0"),
            ("1.0rc-1", "1.0rc1"),
            ("1.0_post_1", "1.0.post1"),
            ("1.0.post.dev", "1.0.post0.dev0"),
            ("1.0+1.01", "1.0+1.1"),
            ("1.0.DEV", "1.0.dev0"),
            ("1.0-dev-2", "1.0.dev2"),
            ("0!1.0", "1.0"),
            ("2!01.002", "2!1.2"),
            ("1.0+ABC-01_x", "1.0+abc.1.x"),
            ("  1.0  ", "1.0"),
            ("1.0a1.post2.dev3", "1.0a1.post2.dev3"),
        ] {
            assert_eq!(normalize_version(raw).as_deref(), Some(want), "{raw}");
        }
        for bad in [
            "", "v", "1.", "1..0", "1.0.x", "1.0+", "1.0+a..b", "a1", "1.0-", "1.0-1-1", "1 0",
        ] {
            assert_eq!(normalize_version(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn canonical_versions() {
        for (raw, want) in [
            ("1.0.0", "1"),
            ("1.0", "1"),
            ("1.0.1", "1.0.1"),
            ("0.0", "0"),
            ("1.0.0.post1", "1.post1"),
            ("1!2.0rc1", "1!2rc1"),
            ("1.10", "1.10"),
            ("1.0+local.0", "1+local.0"),
        ] {
            assert_eq!(canonical_version(raw).as_deref(), Some(want), "{raw}");
        }
    }

    #[test]
    fn names_normalise() {
        assert_eq!(normalize_name("Demo__Pkg.-x"), "demo-pkg-x");
        assert!(is_valid_name("a"));
        assert!(is_valid_name("demo.pkg_x-1"));
        assert!(!is_valid_name("-a"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name(""));
    }
}
