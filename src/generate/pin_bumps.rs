//! Pins moved to newer releases after chora wrote a workflow — what Dependabot's
//! `github-actions` updates do to `uses: owner/repo@<sha> # vX.Y.Z` lines, and what a newer
//! chora does to the runtime it pins (the `CHORA_REQUIREMENT: "chora-cli==V --hash=…"` line
//! of the install by hash, setup-uv's `version: "X.Y.Z"`). A managed file that
//! differs from the template only by such newer pins is not drift (`chora check` names it and
//! exits 0), and `chora update` keeps the newer pin of each action on both sides of its merge,
//! so a chora release that bumps the same action does not conflict with Dependabot's bump.
//!
//! Only a pin with an exact numeric version (`v4`, `v4.2`, `v4.2.2`) counts, and only a
//! strictly newer version of the same action or tool at the same place: a different SHA under the same
//! version, an older version or any other edit is still drift.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_lite::Regex;

/// One pinned line: an action `uses:` line pinned to a commit with its release as a comment,
/// the chora-cli requirement installed by hash, or the uv version of a setup-uv step.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pin<'a> {
    /// Everything before the pinned value: indentation, `- `, the key and spacing.
    prefix: &'a str,
    /// What is pinned: `owner/repo`, `chora-cli` or `uv`.
    key: &'a str,
    /// The pinned value as written (`owner/repo@<sha> # vX.Y.Z`, `"chora-cli==V --hash=…"`,
    /// `"X.Y.Z"`): what a newer pin replaces.
    body: &'a str,
    version: Vec<u64>,
    /// Trailing spaces.
    rest: &'a str,
}

/// `uses: owner/repo@<sha> # vX.Y.Z`.
fn action_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(\s*(?:-\s+)?uses:\s+)(([A-Za-z0-9][A-Za-z0-9._/-]*)@[0-9a-f]{40}\s+#\s*(v?[0-9]+(?:\.[0-9]+)*))(\s*)$",
        )
        .unwrap_or_else(|e| panic!("the pin pattern is valid: {e}"))
    })
}

/// `CHORA_REQUIREMENT: "chora-cli==X.Y.Z --hash=sha256:<hex> …"` (the install by hash).
fn runtime_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"^(\s*CHORA_REQUIREMENT:\s+)("(chora-cli)==([0-9]+(?:\.[0-9]+)*)(?: --hash=sha256:[0-9a-f]{64})+")(\s*)$"#,
        )
        .unwrap_or_else(|e| panic!("the runtime pattern is valid: {e}"))
    })
}

/// `version: "X.Y.Z"` (setup-uv's uv release; the only `version:` input chora writes).
fn uv_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"^(\s*version:\s+)("([0-9]+(?:\.[0-9]+)*)")(\s*)$"#)
            .unwrap_or_else(|e| panic!("the uv pattern is valid: {e}"))
    })
}

fn parse(line: &str) -> Option<Pin<'_>> {
    let numbers = |text: &str| {
        text.trim_start_matches('v')
            .split('.')
            .map(|n| n.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
    };
    if let Some(caps) = action_regex().captures(line) {
        let part = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        return Some(Pin {
            prefix: part(1),
            body: part(2),
            key: part(3),
            version: numbers(part(4))?,
            rest: part(5),
        });
    }
    if let Some(caps) = runtime_regex().captures(line) {
        let part = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        return Some(Pin {
            prefix: part(1),
            body: part(2),
            key: part(3),
            version: numbers(part(4))?,
            rest: part(5),
        });
    }
    let caps = uv_regex().captures(line)?;
    let part = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    Some(Pin {
        prefix: part(1),
        body: part(2),
        key: "uv",
        version: numbers(part(3))?,
        rest: part(4),
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
                    && o.key == t.key
                    && o.rest == t.rest
                    && compare(&o.version, &t.version) == Ordering::Greater
            }
            _ => false,
        }
    })
}

/// The newest pin of each key found in `texts`: key -> (version, pinned value as written).
fn newest<'a>(texts: &[&'a str]) -> BTreeMap<&'a str, (Vec<u64>, &'a str)> {
    let mut out: BTreeMap<&str, (Vec<u64>, &str)> = BTreeMap::new();
    for text in texts {
        for line in lines(text) {
            let Some(pin) = parse(split_newline(line).0) else {
                continue;
            };
            let newer = out
                .get(pin.key)
                .is_none_or(|(v, _)| compare(&pin.version, v) == Ordering::Greater);
            if newer {
                out.insert(pin.key, (pin.version, pin.body));
            }
        }
    }
    out
}

/// Rewrite every pin in `text` that is older than `newest` has for its action.
fn raise(text: &str, newest: &BTreeMap<&str, (Vec<u64>, &str)>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in lines(text) {
        let (body, end) = split_newline(line);
        let newer = parse(body).and_then(|pin| {
            newest
                .get(pin.key)
                .filter(|(v, _)| compare(v, &pin.version) == Ordering::Greater)
                .map(|(_, value)| (pin, *value))
        });
        match newer {
            Some((pin, value)) => {
                out.push_str(pin.prefix);
                out.push_str(value);
                out.push_str(pin.rest);
                out.push_str(end);
            }
            None => out.push_str(line),
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

    fn runtime(chora: &str, hashes: &[char], uv: &str) -> String {
        let hashes: String = hashes
            .iter()
            .map(|c| format!(" --hash=sha256:{}", c.to_string().repeat(64)))
            .collect();
        format!(
            "      - uses: astral-sh/setup-uv@{OLD} # v7.1.0\n        with:\n          version: \"{uv}\"\n      - env:\n          CHORA_REQUIREMENT: \"chora-cli=={chora}{hashes}\"\n        run: echo\n"
        )
    }

    #[test]
    fn a_newer_runtime_is_not_drift_and_is_kept() {
        let rendered = runtime("0.2.0", &['a'], "0.13.8");
        for disk in [
            runtime("0.3.0", &['b', 'c'], "0.13.8"),
            runtime("0.2.0", &['a'], "0.14.0"),
            runtime("0.2.1", &['b'], "0.13.9"),
        ] {
            assert!(
                newer_pins_only(disk.as_bytes(), rendered.as_bytes()),
                "{disk}"
            );
            let (ours, theirs) = keep_newest(&disk, &rendered);
            assert_eq!(
                (ours.as_str(), theirs.as_str()),
                (disk.as_str(), disk.as_str())
            );
        }
        for disk in [
            runtime("0.2.0", &['b'], "0.13.8"),    // same version, other hash
            runtime("0.1.9", &['b'], "0.13.8"),    // older
            runtime("0.2.0", &['a'], "0.13.7"),    // older uv
            runtime("0.3.0", &[], "0.13.8"),       // no hash: not an install by hash
            runtime("0.3.0rc1", &['b'], "0.13.8"), // not an exact release
            runtime("0.3.0", &['a'], "0.13.8")
                .replace("chora-cli==", "evil==")
                .replace("0.3.0", "9.0.0"),
        ] {
            assert!(
                !newer_pins_only(disk.as_bytes(), rendered.as_bytes()),
                "{disk}"
            );
        }
        // A newer chora's runtime wins on both sides of the merge too.
        let newer = runtime("0.4.0", &['d'], "0.15.0");
        let (ours, theirs) = keep_newest(&rendered, &newer);
        assert_eq!(
            (ours.as_str(), theirs.as_str()),
            (newer.as_str(), newer.as_str())
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare(&[4, 10], &[4, 9]), Ordering::Greater);
        assert_eq!(compare(&[4], &[4, 0, 0]), Ordering::Equal);
        assert_eq!(compare(&[3, 99], &[4]), Ordering::Less);
    }
}
