//! One vetting finding: a rule id, how serious it is, where (file, member, line), what is
//! wrong and how to fix it. Plain data shared by every vetting rule and the check report.

use serde::Serialize;

/// How a finding affects the check: an error refuses the upload (exit 2), a warning is
/// reported and the upload goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// What one vetting rule found in one distribution (or in the batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id as documented in docs/chora-publish.md, e.g. `secret/pypi-token`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The distribution file as the user named it.
    pub file: String,
    /// The archive member, when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The 1-based line within the member, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What is wrong, as a sentence. Never holds a secret's value (redact it first).
    pub message: String,
    /// The next step: what to change in the build configuration, or the flag that waives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}
