//! Action pins moved to newer releases after chora wrote a workflow — what Dependabot's
//! `github-actions` updates do to `uses: owner/repo@<sha> # vX.Y.Z` lines. A managed file that
//! differs from the template only by such newer pins is not drift (`chora check` names it and
//! exits 0), and `chora update` keeps the newer pin of each action on both sides of its merge,
//! so a chora release that bumps the same action does not conflict with Dependabot's bump.
//!
//! Only a pin with an exact numeric version comment (`v4`, `v4.2`, `v4.2.2`) counts, and only a
//! strictly newer version of the same action at the same place: a different SHA under the same
//! version, an older version or any other edit is still drift.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_lite::Regex;

/// One `uses:` line pinned to a commit with its release as a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin<'a> {
    /// Everything before the action: indentation, `- `, `uses:` and spacing.
    prefix: &'a str,
    action: &'a str,
    sha: &'a str,
    /// The spacing and `#` between the SHA and the version.
    hash_mark: &'a str,
    version_text: &'a str,
    version: Vec<u64>,
    /// Trailing spaces.
    rest: &'a str,
}

fn pin_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(\s*(?:-\s+)?uses:\s+)([A-Za-z0-9][A-Za-z0-9._/-]*)@([0-9a-f]{40})(\s+#\s*)(v?[0-9]+(?:\.[0-9]+)*)(\s*)$",
        )
        .unwrap_or_else(|e| panic!("the pin pattern is valid: {e}"))
    })
}

fn parse(line: &str) -> Option<Pin<'_>> {
    let caps = pin_regex().captures(line)?;
    let part = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let version_text = part(5);
    let version = version_text
        .trim_start_matches('v')
        .split('.')
        .map(|n| n.parse::<u64>().ok())
        .collect::<Option<Vec<u64>>>()?;
    Some(Pin {
        prefix: part(1),
        action: part(2),
        sha: part(3),
        hash_mark: part(4),
        version_text,
        version,
        rest: part(6),
    })
}

/// Compare versions component by component, missing components as 0 (`v4` = `v4.0.0`).
fn compare(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Lines with their terminators, so that a missing final newline is a difference too.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

fn split_newline(line: &str) -> (&str, &str) {
    match line.strip_suffix('\n') {
        Some(body) => match body.strip_suffix('\r') {
            Some(body) => (body, "\r\n"),
            None => (body, "\n"),
        },
        None => (line, ""),
    }
}

/// True when `disk` differs from `rendered`, and only by lines that pin the same action, at the
/// same place, to a strictly newer release.
pub fn newer_pins_only(disk: &[u8], rendered: &[u8]) -> bool {
    let (Ok(disk), Ok(rendered)) = (std::str::from_utf8(disk), std::str::from_utf8(rendered))
    else {
        return false;
    };
    let (ours, theirs) = (lines(disk), lines(rendered));
    if disk == rendered || ours.len() != theirs.len() {
        return false;
    }
    ours.iter().zip(&theirs).all(|(o, t)| {
        if o == t {
            return true;
        }
        let ((o, o_end), (t, t_end)) = (split_newline(o), split_newline(t));
        match (parse(o), parse(t)) {
            (Some(o), Some(t)) => {
                o_end == t_end
                    && o.prefix == t.prefix
                    && o.action == t.action
                    && o.rest == t.rest
                    && compare(&o.version, &t.version) == Ordering::Greater
            }
            _ => false,
        }
    })
}

/// The newest pin of each action found in `texts`: action -> (version, sha, version text).
fn newest<'a>(texts: &[&'a str]) -> BTreeMap<&'a str, (Vec<u64>, &'a str, &'a str)> {
    let mut out: BTreeMap<&str, (Vec<u64>, &str, &str)> = BTreeMap::new();
    for text in texts {
        for line in lines(text) {
            let Some(pin) = parse(split_newline(line).0) else {
                continue;
            };
            let newer = out
                .get(pin.action)
                .is_none_or(|(v, _, _)| compare(&pin.version, v) == Ordering::Greater);
            if newer {
                out.insert(pin.action, (pin.version, pin.sha, pin.version_text));
            }
        }
    }
    out
}

/// Rewrite every pin in `text` that is older than `newest` has for its action.
fn raise(text: &str, newest: &BTreeMap<&str, (Vec<u64>, &str, &str)>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in lines(text) {
        let (body, end) = split_newline(line);
        match parse(body) {
            Some(pin)
                if newest
                    .get(pin.action)
                    .is_some_and(|(v, _, _)| compare(v, &pin.version) == Ordering::Greater) =>
            {
                let (_, sha, version_text) = &newest[pin.action];
                out.push_str(pin.prefix);
                out.push_str(pin.action);
                out.push('@');
                out.push_str(sha);
                out.push_str(pin.hash_mark);
                out.push_str(version_text);
                out.push_str(pin.rest);
                out.push_str(end);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `ours` and `theirs` with every pin raised to the newest release either side has for that
/// action, so that a 3-way merge sees the same pin on both sides instead of a conflict.
pub fn keep_newest(ours: &str, theirs: &str) -> (String, String) {
    let newest = newest(&[ours, theirs]);
    (raise(ours, &newest), raise(theirs, &newest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "1111111111111111111111111111111111111111";
    const NEW: &str = "2222222222222222222222222222222222222222";

    fn workflow(sha: &str, version: &str) -> String {
        format!(
            "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@{sha} # {version}\n        with:\n          persist-credentials: false\n      - run: echo hi\n"
        )
    }

    #[test]
    fn a_newer_release_of_the_same_action_is_not_drift() {
        let rendered = workflow(OLD, "v4.2.2");
        for version in ["v4.2.3", "v4.3", "v5", "v10.0.0"] {
            let disk = workflow(NEW, version);
            assert!(
                newer_pins_only(disk.as_bytes(), rendered.as_bytes()),
                "{version}"
            );
        }
    }

    #[test]
    fn anything_else_is_drift() {
        let rendered = workflow(OLD, "v4.2.2");
        let cases = [
            workflow(OLD, "v4.2.2"),                                          // identical
            workflow(NEW, "v4.2.2"),     // same version, other SHA
            workflow(NEW, "v4.2.1"),     // older
            workflow(NEW, "v4.3.0-rc1"), // not an exact release
            workflow(NEW, "v4.3.0").replace("checkout", "cache"), // another action
            workflow(NEW, "v4.3.0").replace("echo hi", "echo bye"), // another edit too
            workflow(NEW, "v4.3.0").replace("      - uses", "      -  uses"), // moved
            workflow(NEW, "v4.3.0").trim_end().to_string(), // final newline
            format!("{}# more\n", workflow(NEW, "v4.3.0")), // a line added
        ];
        for disk in cases {
            assert!(
                !newer_pins_only(disk.as_bytes(), rendered.as_bytes()),
                "{disk}"
            );
        }
        assert!(!newer_pins_only(b"\xff", rendered.as_bytes()));
    }

    #[test]
    fn keep_newest_raises_both_sides_and_never_lowers() {
        let dependabot = workflow(NEW, "v4.3.0");
        let chora_old = workflow(OLD, "v4.2.2");
        let (ours, theirs) = keep_newest(&dependabot, &chora_old);
        assert_eq!(ours, dependabot);
        assert_eq!(theirs, dependabot);

        let newest = "3333333333333333333333333333333333333333";
        let chora_new = workflow(newest, "v5.0.0");
        let (ours, theirs) = keep_newest(&dependabot, &chora_new);
        assert_eq!(ours, chora_new);
        assert_eq!(theirs, chora_new);

        // Lines that are not pins, and pins of actions only one side has, stay as they are.
        let ours_text = format!("{dependabot}      - uses: actions/setup-python@{OLD} # v5\n");
        let (ours, theirs) = keep_newest(&ours_text, &chora_new);
        assert_eq!(
            ours,
            format!("{chora_new}      - uses: actions/setup-python@{OLD} # v5\n")
        );
        assert_eq!(theirs, chora_new);
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare(&[4, 10], &[4, 9]), Ordering::Greater);
        assert_eq!(compare(&[4], &[4, 0, 0]), Ordering::Equal);
        assert_eq!(compare(&[3, 99], &[4]), Ordering::Less);
    }
}
