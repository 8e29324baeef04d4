//! The Python versions the templates know (`data/python-versions.tsv`): which are supported
//! (offered to new projects, the test matrix default) and which reached end of life (still
//! accepted as answers recorded by an earlier run, so older projects keep updating cleanly).
//! Templates see them as the `python_releases` value; questions take their choices from them
//! with `choices_from: python_releases`.

use std::collections::BTreeMap;

use minijinja::Value;

/// The table this chora embeds.
pub const PYTHON_VERSIONS_TSV: &str = include_str!("../../data/python-versions.tsv");
/// The name templates and `choices_from` use.
pub const NAME: &str = "python_releases";

/// Whether a Python version is still supported upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Supported,
    EndOfLife,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonRelease {
    /// `3.N`.
    pub version: String,
    pub status: Status,
    /// `YYYY-MM`.
    pub end_of_life: String,
}

/// Parse the table: `version<TAB>status<TAB>YYYY-MM`, oldest first, `#` comments.
pub fn parse(text: &str) -> Result<Vec<PythonRelease>, String> {
    let mut out: Vec<PythonRelease> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [version, status, eol] = fields[..] else {
            return Err(format!("line {line_no}: expected 3 tab-separated fields"));
        };
        let minor = version
            .strip_prefix("3.")
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|_| !version.ends_with('.'))
            .ok_or_else(|| format!("line {line_no}: {version:?} is not a version 3.N"))?;
        if let Some(last) = out.last()
            && minor_of(&last.version) >= minor
        {
            return Err(format!(
                "line {line_no}: {version} is not newer than the line before"
            ));
        }
        let status = match status {
            "supported" => Status::Supported,
            "eol" => Status::EndOfLife,
            other => {
                return Err(format!(
                    "line {line_no}: status {other:?} is neither `supported` nor `eol`"
                ));
            }
        };
        if let Some(prev) = out.last()
            && prev.status == Status::Supported
            && status == Status::EndOfLife
        {
            return Err(format!(
                "line {line_no}: {version} is end of life but an older version is supported"
            ));
        }
        let valid_date = eol.len() == 7
            && eol.as_bytes()[4] == b'-'
            && eol[..4].bytes().all(|b| b.is_ascii_digit())
            && matches!(eol[5..].parse::<u32>(), Ok(1..=12));
        if !valid_date {
            return Err(format!(
                "line {line_no}: end of life {eol:?} is not YYYY-MM"
            ));
        }
        out.push(PythonRelease {
            version: version.to_string(),
            status,
            end_of_life: eol.to_string(),
        });
    }
    if !out.iter().any(|r| r.status == Status::Supported) {
        return Err("no supported Python version".to_string());
    }
    Ok(out)
}

fn minor_of(version: &str) -> u32 {
    version
        .strip_prefix("3.")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The embedded table. A unit test proves it parses, so this never fails in a release.
pub fn releases() -> Vec<PythonRelease> {
    parse(PYTHON_VERSIONS_TSV).unwrap_or_default()
}

/// Supported versions, oldest first.
pub fn supported() -> Vec<String> {
    versions(Status::Supported)
}

/// End-of-life versions still accepted as recorded answers, oldest first.
pub fn end_of_life() -> Vec<String> {
    versions(Status::EndOfLife)
}

fn versions(status: Status) -> Vec<String> {
    releases()
        .into_iter()
        .filter(|r| r.status == status)
        .map(|r| r.version)
        .collect()
}

/// The end-of-life date of `version` when it is an end-of-life version of the table.
pub fn end_of_life_date(version: &str) -> Option<String> {
    releases()
        .into_iter()
        .find(|r| r.version == version && r.status == Status::EndOfLife)
        .map(|r| r.end_of_life)
}

/// The `python_releases` template value: `supported` (oldest first), `end_of_life`, `oldest`
/// and `newest` (supported ones), and `all` (maps with `version`, `status`, `end_of_life`).
pub fn template_value() -> Value {
    let supported = supported();
    let all: Vec<Value> = releases()
        .into_iter()
        .map(|r| {
            Value::from(BTreeMap::from([
                ("version", Value::from(r.version)),
                (
                    "status",
                    Value::from(match r.status {
                        Status::Supported => "supported",
                        Status::EndOfLife => "eol",
                    }),
                ),
                ("end_of_life", Value::from(r.end_of_life)),
            ]))
        })
        .collect();
    Value::from(BTreeMap::from([
        (
            "oldest",
            Value::from(supported.first().cloned().unwrap_or_default()),
        ),
        (
            "newest",
            Value::from(supported.last().cloned().unwrap_or_default()),
        ),
        ("supported", Value::from(supported)),
        ("end_of_life", Value::from(end_of_life())),
        ("all", Value::from(all)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_parses_and_is_current() {
        let table = parse(PYTHON_VERSIONS_TSV).unwrap();
        assert_eq!(supported().first().map(String::as_str), Some("3.11"));
        assert_eq!(supported().last().map(String::as_str), Some("3.15"));
        assert_eq!(end_of_life(), vec!["3.10".to_string()]);
        assert_eq!(end_of_life_date("3.10").as_deref(), Some("2026-10"));
        assert_eq!(end_of_life_date("3.11"), None);
        assert_eq!(table.len(), 6);
    }

    #[test]
    fn bad_tables_are_refused() {
        for (text, why) in [
            ("3.11\tsupported\n", "3 tab-separated"),
            ("3.x\tsupported\t2027-10\n", "not a version"),
            (
                "3.12\tsupported\t2028-10\n3.11\tsupported\t2027-10\n",
                "not newer",
            ),
            ("3.11\tmaybe\t2027-10\n", "neither"),
            ("3.11\tsupported\t2027\n", "YYYY-MM"),
            ("3.11\tsupported\t2027-13\n", "YYYY-MM"),
            (
                "3.11\tsupported\t2027-10\n3.12\teol\t2028-10\n",
                "older version is supported",
            ),
            ("3.10\teol\t2026-10\n", "no supported"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_template_value_names_oldest_and_newest() {
        let v = template_value();
        assert_eq!(v.get_attr("oldest").unwrap().to_string(), "3.11");
        assert_eq!(v.get_attr("newest").unwrap().to_string(), "3.15");
        assert_eq!(v.get_attr("all").unwrap().len(), Some(6));
    }
}
