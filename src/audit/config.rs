//! The thresholds of the playbook, configurable in `[tool.chora.audit]` of pyproject.toml:
//! `runs` (20), `testpypi-success-rate` (0.99 over the last `runs` runs),
//! `publish-to-install-seconds` (300), `provenance-coverage` (1.0: every release). Unknown keys
//! are refused, so a typo never silently keeps a default.

use std::path::Path;

use serde::Serialize;

use super::AuditError;

/// The targets a release pipeline must meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    pub runs: usize,
    pub testpypi_success_rate: f64,
    pub publish_to_install_seconds: i64,
    pub provenance_coverage: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            runs: 20,
            testpypi_success_rate: 0.99,
            publish_to_install_seconds: 300,
            provenance_coverage: 1.0,
        }
    }
}

/// The thresholds of the repository at `root` (the defaults without a `[tool.chora.audit]`).
pub fn load(root: &Path) -> Result<Thresholds, AuditError> {
    let path = root.join("pyproject.toml");
    let mut t = Thresholds::default();
    let Ok(text) =
        crate::fs::read_regular_text(&path, crate::fs::limits::DATA_FILE, "pyproject.toml")
    else {
        return Ok(t);
    };
    let shown = path.display().to_string();
    let bad = |reason: String| AuditError::Config {
        path: shown.clone(),
        reason,
    };
    let doc = toml_edit::Document::parse(text).map_err(|e| bad(format!("not valid TOML: {e}")))?;
    let Some(table) = doc
        .as_table()
        .get("tool")
        .and_then(|t| t.get("chora"))
        .and_then(|t| t.get("audit"))
    else {
        return Ok(t);
    };
    let Some(table) = table.as_table_like() else {
        return Err(bad("[tool.chora.audit] is not a table".into()));
    };
    let rate = |key: &str, v: &toml_edit::Item| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| {
                bad(format!(
                    "[tool.chora.audit] {key} must be a number from 0 to 1"
                ))
            })
    };
    for (key, value) in table.iter() {
        match key {
            "runs" => {
                t.runs = value
                    .as_integer()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        bad("[tool.chora.audit] runs must be a whole number from 1 to 1000".into())
                    })?;
            }
            "testpypi-success-rate" => t.testpypi_success_rate = rate(key, value)?,
            "provenance-coverage" => t.provenance_coverage = rate(key, value)?,
            "publish-to-install-seconds" => {
                t.publish_to_install_seconds = value
                    .as_integer()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("[tool.chora.audit] publish-to-install-seconds must be a positive whole number".into()))?;
            }
            other => {
                return Err(bad(format!(
                    "[tool.chora.audit] has an unknown key {:?} (known: runs, testpypi-success-rate, publish-to-install-seconds, provenance-coverage)",
                    crate::text::excerpt(other, 60)
                )));
            }
        }
    }
    Ok(t)
}
