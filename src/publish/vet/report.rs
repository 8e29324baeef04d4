//! The check report: every file, every finding, the secrets waived (with their reasons), and a
//! summary; what `chora-publish check --format json` prints.

use serde::Serialize;

use super::finding::{Finding, Severity};
use super::secrets::SECRET_RULES;

/// How the content checks run (the command line, as plain data).
#[derive(Debug, Clone, Default)]
pub struct VetOptions {
    /// `--allow-secret RULE:PATH[=REASON]` waivers.
    pub allow_secret: Vec<AllowSecret>,
    /// `--max-member-size`: members unpacking to more are reported; `None` disables the rule.
    pub max_member_size: Option<u64>,
}

impl VetOptions {
    /// The defaults of the command line: no waivers, the default member size limit.
    pub fn standard() -> Self {
        VetOptions {
            allow_secret: Vec::new(),
            max_member_size: Some(super::stray::DEFAULT_MAX_MEMBER_MIB << 20),
        }
    }
}

/// One `--allow-secret RULE:PATH[=REASON]`: the secret rule, the member path glob, the reason.
#[derive(Debug, Clone)]
pub struct AllowSecret {
    pub rule: &'static str,
    pub pattern: String,
    pub reason: Option<String>,
    matcher: globset::GlobMatcher,
}

/// Why an `--allow-secret` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowSecretError {
    #[error(
        "--allow-secret {0:?} is not RULE:PATH or RULE:PATH=REASON (e.g. 'secret/aws-access-key:tests/fixtures/*=fake keys for the parser tests')"
    )]
    Shape(String),
    #[error("--allow-secret: {rule:?} is not a secret rule; the rules are {}", SECRET_RULES.join(", "))]
    Rule { rule: String },
    #[error("--allow-secret: the path pattern {pattern:?} is not a valid glob: {reason}")]
    Glob { pattern: String, reason: String },
}

impl AllowSecret {
    /// Parse `RULE:PATH[=REASON]`.
    pub fn parse(text: &str) -> Result<AllowSecret, AllowSecretError> {
        let (spec, reason) = match text.split_once('=') {
            Some((spec, reason)) if !reason.trim().is_empty() => {
                (spec, Some(reason.trim().to_string()))
            }
            Some((spec, _)) => (spec, None),
            None => (text, None),
        };
        let Some((rule, pattern)) = spec.split_once(':') else {
            return Err(AllowSecretError::Shape(text.to_string()));
        };
        if pattern.is_empty() {
            return Err(AllowSecretError::Shape(text.to_string()));
        }
        let Some(rule) = SECRET_RULES.iter().find(|r| **r == rule) else {
            return Err(AllowSecretError::Rule {
                rule: rule.to_string(),
            });
        };
        let matcher = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| AllowSecretError::Glob {
                pattern: pattern.to_string(),
                reason: e.kind().to_string(),
            })?
            .compile_matcher();
        Ok(AllowSecret {
            rule,
            pattern: pattern.to_string(),
            reason,
            matcher,
        })
    }

    /// Whether this waives `rule` on `member` (`inner`: the path below an sdist's top folder).
    pub fn waives(&self, rule: &str, member: &str, inner: &str) -> bool {
        self.rule == rule && (self.matcher.is_match(member) || self.matcher.is_match(inner))
    }

    /// The waiver as written, without the reason.
    pub fn spec(&self) -> String {
        format!("{}:{}", self.rule, self.pattern)
    }
}

/// A secret finding an `--allow-secret` waived: reported, not refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    /// The finding (its message holds the value redacted).
    #[serde(flatten)]
    pub finding: Finding,
    /// The `--allow-secret` that waived it (`RULE:PATH`).
    pub waiver: String,
    /// Its reason, as given after `=`.
    pub reason: Option<String>,
}

/// One distribution file in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    pub file: String,
    /// `wheel` or `sdist`, when the name says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Regular files in the archive, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<usize>,
    /// The build backend the file says it came from, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<&'static str>,
    /// `ok` (nothing refused), `refused` (an error) or `unreadable` (a local read failure).
    pub status: &'static str,
}

/// Counts over the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub waived: usize,
    /// Whether an upload would go on (no error).
    pub ok: bool,
}

/// The whole check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub files: Vec<FileEntry>,
    pub findings: Vec<Finding>,
    pub waived: Vec<Waived>,
    pub summary: Summary,
    /// A finding is a local read failure (exit 4 rather than 2).
    #[serde(skip)]
    pub local_io: bool,
}

impl Report {
    /// Assemble the report and its summary.
    pub fn new(
        files: Vec<FileEntry>,
        findings: Vec<Finding>,
        waived: Vec<Waived>,
        local_io: bool,
    ) -> Report {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let summary = Summary {
            files: files.len(),
            errors,
            warnings: findings.len() - errors,
            waived: waived.len(),
            ok: errors == 0,
        };
        Report {
            files,
            findings,
            waived,
            summary,
            local_io,
        }
    }

    /// The errors (what refuses the upload).
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}

/// A finding as one line: `file: message` for a file-level one (as before the content
/// checks), `file → member:line: message [rule]; fix: ...` for one about a member.
pub fn line(f: &Finding) -> String {
    let fix = f
        .fix
        .as_deref()
        .map(|fix| format!("; fix: {fix}"))
        .unwrap_or_default();
    match (&f.member, f.line) {
        (None, _) if f.rule.starts_with("dist/") || f.rule.starts_with("batch/") => {
            format!("{}: {}{fix}", f.file, f.message)
        }
        (None, _) => format!("{}: {} [{}]{fix}", f.file, f.message, f.rule),
        (Some(m), None) => format!("{} → {m}: {} [{}]{fix}", f.file, f.message, f.rule),
        (Some(m), Some(l)) => format!("{} → {m}:{l}: {} [{}]{fix}", f.file, f.message, f.rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waivers_parse_and_match() {
        let w = AllowSecret::parse("secret/aws-access-key:tests/fixtures/*=fake keys").unwrap();
        assert_eq!(w.reason.as_deref(), Some("fake keys"));
        assert!(w.waives(
            "secret/aws-access-key",
            "demo-0.1/tests/fixtures/a.py",
            "tests/fixtures/a.py"
        ));
        assert!(!w.waives(
            "secret/aws-access-key",
            "demo-0.1/tests/fixtures/x/a.py",
            "tests/fixtures/x/a.py"
        ));
        assert!(!w.waives(
            "secret/github-token",
            "tests/fixtures/a.py",
            "tests/fixtures/a.py"
        ));
        assert!(AllowSecret::parse("secret/nope:x").is_err());
        assert!(AllowSecret::parse("secret/github-token").is_err());
        assert!(AllowSecret::parse("secret/github-token:[").is_err());
    }
}
