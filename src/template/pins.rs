//! GitHub Actions pins (full commit SHA + exact tag) that templates emit with `uses(...)`.
//!
//! One data file, `data/action-pins.tsv`, built from the reference notes; every generated
//! workflow takes its pins from here.

/// One pinned action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub action: String,
    pub tag: String,
    pub sha: String,
}

impl Pin {
    /// The `uses:` value: `owner/repo@<sha> # <tag>`.
    pub fn uses(&self) -> String {
        format!("{}@{} # {}", self.action, self.sha, self.tag)
    }
}

/// The pin table this chora embeds.
pub const PINS_TSV: &str = include_str!("../../data/action-pins.tsv");

/// Parse the embedded pin table.
pub fn all() -> Vec<Pin> {
    parse(PINS_TSV)
}

/// Parse a pin table (`action<TAB>tag<TAB>sha` lines; `#` comments).
pub fn parse(text: &str) -> Vec<Pin> {
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            Some(Pin {
                action: cols.next()?.to_string(),
                tag: cols.next()?.to_string(),
                sha: cols.next()?.to_string(),
            })
        })
        .collect()
}

/// Find the pin of an action (`owner/repo`; a sub-path such as `github/codeql-action/init`
/// uses its repository's pin).
pub fn find(action: &str) -> Option<Pin> {
    find_in(&all(), action)
}

/// [`find`] in a given pin table (an earlier chora release's, for instance).
pub fn find_in(pins: &[Pin], action: &str) -> Option<Pin> {
    let repo: String = action.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
    pins.iter().find(|p| p.action == repo).map(|p| Pin {
        action: action.to_string(),
        ..p.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_full_sha_with_an_exact_tag() {
        let pins = all();
        assert!(pins.len() >= 10);
        let exact_tag = regex_lite::Regex::new(r"^v\d+\.\d+\.\d+$").unwrap();
        for pin in pins {
            assert_eq!(pin.sha.len(), 40, "{pin:?}");
            assert!(pin.sha.chars().all(|c| c.is_ascii_hexdigit()), "{pin:?}");
            assert!(
                exact_tag.is_match(&pin.tag),
                "exact tag, not a floating one: {pin:?}"
            );
        }
    }

    #[test]
    fn sub_path_actions_use_the_repository_pin() {
        let pin = find("github/codeql-action/init").unwrap();
        assert!(pin.uses().starts_with("github/codeql-action/init@"));
        assert!(find("nobody/nothing").is_none());
    }
}
