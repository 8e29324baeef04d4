//! Python package names: PEP 503 normalisation, shared by templates and the publisher.

/// PEP 503 normalised name: lowercase, every run of `-`, `_` and `.` becomes one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn normalises_runs_of_separators() {
        assert_eq!(super::pep503("My.Package__Name"), "my-package-name");
        assert_eq!(super::pep503("Demo__Pkg.-x"), "demo-pkg-x");
    }
}
