//! The findings as a SARIF 2.1.0 log, for GitHub code scanning (`github/codeql-action/
//! upload-sarif`): one run, one rule per finding id, one result per finding with its file and
//! region. With several repositories, each result's path starts with the repository's folder.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::finding::Severity;
use super::report::RepoReport;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` (0.0–10.0) for a severity.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

/// The SARIF log of `reports`.
pub fn log(reports: &[RepoReport]) -> Value {
    let many = reports.len() > 1;
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results = Vec::new();
    for r in reports {
        for f in &r.findings {
            rules.entry(f.id.clone()).or_insert_with(|| {
                json!({
                    "id": f.id,
                    "name": f.id.replace(['/', '-'], "_"),
                    "shortDescription": {"text": f.id},
                    "help": {"text": f.fix},
                    "defaultConfiguration": {"level": level(f.severity)},
                    "properties": {
                        "security-severity": security_severity(f.severity),
                        "tags": ["security", "supply-chain"],
                    },
                })
            });
            let mut result = json!({
                "ruleId": f.id,
                "level": level(f.severity),
                "message": {"text": format!("{} Fix: {}", f.message, f.fix)},
            });
            let file = f
                .location
                .as_ref()
                .map(|l| (l.file.clone(), l.span))
                .unwrap_or_else(|| (std::path::PathBuf::from("."), None));
            let uri = if many {
                r.path.join(&file.0)
            } else {
                file.0.clone()
            };
            let mut physical = json!({
                "artifactLocation": {"uri": uri.to_string_lossy().replace('\\', "/")},
            });
            if let Some(span) = file.1 {
                physical["region"] =
                    json!({"startLine": span.line.max(1), "startColumn": span.column.max(1)});
            }
            result["locations"] = json!([{"physicalLocation": physical}]);
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "chora",
                "version": crate::VERSION,
                "informationUri": "https://github.com/chora-dev/chora",
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    })
}
