//! The top-level module names of Python's standard library (`data/stdlib-modules.txt`), for the
//! `not_stdlib` answer validator: a package named like one of them is hidden by it.

const STDLIB_MODULES: &str = include_str!("../../data/stdlib-modules.txt");

/// Every name in the list, in file order (comment lines skipped).
pub fn names() -> impl Iterator<Item = &'static str> {
    STDLIB_MODULES
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// True when `name` is a top-level module of the standard library of some supported Python
/// (exact, case-sensitive: imports are).
pub fn is_stdlib_module(name: &str) -> bool {
    names().any(|n| n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_private_and_removed_modules_are_listed() {
        for name in [
            "token", "json", "email", "logging", "site", "typing", "_thread",
        ] {
            assert!(is_stdlib_module(name), "{name}");
        }
        // Removed from newer Pythons, still there on older ones.
        for name in ["distutils", "asynchat", "imp"] {
            assert!(is_stdlib_module(name), "{name}");
        }
        // Added by 3.12-3.14.
        for name in ["annotationlib", "compression", "_pyrepl"] {
            assert!(is_stdlib_module(name), "{name}");
        }
        for name in ["requests", "token_pkg", "Token", "json5", ""] {
            assert!(!is_stdlib_module(name), "{name}");
        }
    }

    #[test]
    fn the_list_is_sorted_unique_identifiers() {
        let all: Vec<&str> = names().collect();
        assert_eq!(all.len(), 327, "names in data/stdlib-modules.txt");
        let ordered = all.windows(2).filter(|pair| pair[0] < pair[1]).count();
        assert_eq!(ordered, all.len() - 1, "sorted and unique");
        let ident = regex_lite::Regex::new("^[A-Za-z_][A-Za-z0-9_]*$").unwrap();
        let bad: Vec<&&str> = all.iter().filter(|name| !ident.is_match(name)).collect();
        assert!(bad.is_empty(), "not identifiers: {bad:?}");
    }
}
