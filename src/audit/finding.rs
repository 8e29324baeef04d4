//! One audit finding: a rule id (zizmor's, Scorecard's or sp-repo-review's when one of them
//! checks the same thing; `chora/…` only for what nobody checks), a severity, what is wrong,
//! the fix, and where.

use std::path::PathBuf;

use serde::Serialize;

use crate::workflow::model::Span;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// Where a finding points: a file of the repository and, in a workflow, a span of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Relative to the repository root.
    pub file: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `zizmor/use-trusted-publishing`, `scorecard/Token-Permissions`, `chora/install-smoke`…
    pub id: String,
    /// Other tools' ids for the same thing (`sp-repo-review/GH105`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl Finding {
    pub fn new(
        id: &str,
        severity: Severity,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            id: id.to_string(),
            also: Vec::new(),
            severity,
            message: message.into(),
            fix: fix.into(),
            location: None,
        }
    }

    pub fn at(mut self, file: &std::path::Path, span: Option<Span>) -> Finding {
        self.location = Some(Location {
            file: file.to_path_buf(),
            span,
        });
        self
    }

    pub fn also(mut self, id: &str) -> Finding {
        self.also.push(id.to_string());
        self
    }
}
