//! Which index an upload goes to, from a URL (`repository-url`, `--publish-url`, env such as
//! `TWINE_REPOSITORY_URL`) or a repository name (`--repository testpypi`).

use crate::workflow::model::Index;

/// The index a URL names. An expression (`${{ inputs.url }}`) is taken as PyPI, the default
/// such inputs have, unless it mentions TestPyPI.
pub fn from_url(url: &str) -> Index {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.contains("://") {
        let host = lower
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or_default();
        return match host {
            "test.pypi.org" => Index::TestPypi,
            "upload.pypi.org" | "pypi.org" | "pypi.python.org" | "upload.pypi.io" => Index::Pypi,
            _ => Index::Other(url.to_string()),
        };
    }
    if lower.is_empty() {
        Index::Pypi
    } else if lower.starts_with("${{") {
        if lower.contains("test") {
            Index::TestPypi
        } else {
            Index::Pypi
        }
    } else {
        Index::Other(url.to_string())
    }
}

/// The index a repository name names (twine, poetry, pdm, hatch, maturin: `pypi`, `testpypi`).
pub fn from_name(name: &str) -> Index {
    let lower = name.trim().to_ascii_lowercase().replace(['-', '_'], "");
    if lower.contains("://") {
        return from_url(name);
    }
    match lower.as_str() {
        "" | "pypi" | "main" => Index::Pypi,
        "testpypi" | "test" | "pypitest" => Index::TestPypi,
        _ if lower.contains("${{") => from_url(name),
        _ => Index::Other(name.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_names() {
        assert_eq!(from_url("https://upload.pypi.org/legacy/"), Index::Pypi);
        assert_eq!(from_url("https://test.pypi.org/legacy/"), Index::TestPypi);
        assert_eq!(
            from_url("https://jazzband.co/projects/x/upload"),
            Index::Other("https://jazzband.co/projects/x/upload".into())
        );
        assert_eq!(from_url("${{ inputs.repository_url }}"), Index::Pypi);
        assert!(matches!(
            from_url("https://jazzband.co/projects/${{ needs.x.outputs.name }}/upload"),
            Index::Other(_)
        ));
        assert_eq!(from_name("testpypi"), Index::TestPypi);
        assert_eq!(from_name("test-pypi"), Index::TestPypi);
        assert_eq!(from_name("pypi"), Index::Pypi);
        assert_eq!(from_name("private"), Index::Other("private".into()));
    }
}
