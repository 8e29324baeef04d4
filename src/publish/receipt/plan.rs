//! The release plan (`chora-release-plan/v1`): what a run is about to do, for an approver to
//! read and sign. Plain data; making one vets the distributions and touches no network.

use serde::{Deserialize, Serialize};

use crate::publish::ledger::{FileDigest, RunId};

use super::{KINDS, ReceiptError};

/// The `schema` of a plan.
pub const SCHEMA: &str = "chora-release-plan/v1";

/// A release plan, as written to `plan.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasePlan {
    /// [`SCHEMA`].
    pub schema: String,
    /// The run the plan is for (`GITHUB_RUN_ID`/attempt, `CI_PIPELINE_ID`/job, `--run-id`).
    pub run_id: RunId,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Each operation once.
    pub operations: Vec<PlannedOperation>,
}

/// One operation of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedOperation {
    /// `upload` or `github-release`.
    pub kind: String,
    /// The upload URL (normalised), or `OWNER/REPO@TAG`.
    pub target: String,
    /// The files it sends.
    pub files: Vec<FileDigest>,
}

/// What a plan is made from.
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// Distributions as named (files, folders, `dir/*`); empty means `dist/*`.
    pub dists: &'a [String],
    /// Operation kinds, in order.
    pub operations: &'a [String],
    /// The upload endpoint (for `upload`).
    pub upload_url: &'a str,
    /// `OWNER/REPO` and the tag (for `github-release`).
    pub github: Option<(&'a str, &'a str)>,
    pub run: RunId,
    /// Unix seconds.
    pub now: i64,
}

/// The target `github-release` is checked against: `OWNER/REPO@TAG`.
pub fn github_target(repository: &str, tag: &str) -> String {
    format!("{repository}@{tag}")
}

impl ReleasePlan {
    /// Vet the distributions and write down the operations.
    pub fn make(req: &PlanRequest<'_>) -> Result<ReleasePlan, ReceiptError> {
        if req.operations.is_empty() {
            return Err(ReceiptError::PlanRequest(
                "--operations names no operation".to_string(),
            ));
        }
        let wants_github = req.operations.iter().any(|k| k == "github-release");
        if req.github.is_some() != wants_github {
            return Err(ReceiptError::PlanRequest(if wants_github {
                "the github-release operation needs --github-repository OWNER/REPO and --tag TAG"
                    .to_string()
            } else {
                "--github-repository/--tag are for the github-release operation: add it with --operations upload,github-release".to_string()
            }));
        }
        let dists = crate::publish::plan::vet_paths(req.dists)?;
        let files: Vec<FileDigest> = dists
            .iter()
            .map(|d| FileDigest {
                name: crate::publish::plan::file_name(d),
                sha256: d.sha256.clone(),
            })
            .collect();
        let mut operations: Vec<PlannedOperation> = Vec::new();
        for kind in req.operations {
            let target = match (kind.as_str(), req.github) {
                ("upload", _) => crate::publish::plan::check_url(req.upload_url)?.to_string(),
                ("github-release", Some((repository, tag))) => {
                    check_repository(repository)?;
                    if tag.is_empty() || tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
                        return Err(ReceiptError::PlanRequest(format!(
                            "--tag {tag:?} is not a tag name"
                        )));
                    }
                    github_target(repository, tag)
                }
                _ => {
                    return Err(ReceiptError::PlanRequest(format!(
                        "unknown operation {kind:?}: use {}",
                        KINDS.join(", ")
                    )));
                }
            };
            if operations.iter().any(|o| &o.kind == kind) {
                return Err(ReceiptError::PlanRequest(format!(
                    "--operations names {kind} twice"
                )));
            }
            operations.push(PlannedOperation {
                kind: kind.clone(),
                target,
                files: files.clone(),
            });
        }
        Ok(ReleasePlan {
            schema: SCHEMA.to_string(),
            run_id: req.run.clone(),
            created_at: crate::time::format_rfc3339(req.now),
            operations,
        })
    }

    /// The plan file's bytes: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text.into_bytes()
    }

    /// Read a plan (`what` names it in errors): the schema, known kinds, each once, digests.
    pub fn parse(bytes: &[u8], what: &str) -> Result<ReleasePlan, ReceiptError> {
        let bad = |reason: String| ReceiptError::PlanFormat {
            what: what.to_string(),
            reason,
        };
        let plan: ReleasePlan = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if plan.schema != SCHEMA {
            return Err(bad(format!(
                "schema {:?}, expected {SCHEMA:?}",
                plan.schema
            )));
        }
        if crate::attest::trust_root::rfc3339(&plan.created_at).is_none() {
            return Err(bad(format!(
                "created_at {:?} is not an RFC 3339 time",
                plan.created_at
            )));
        }
        if plan.operations.is_empty() {
            return Err(bad("no operations".to_string()));
        }
        for (i, op) in plan.operations.iter().enumerate() {
            if !KINDS.contains(&op.kind.as_str()) {
                return Err(bad(format!("unknown operation kind {:?}", op.kind)));
            }
            if plan
                .operations
                .iter()
                .skip(i + 1)
                .any(|o| o.kind == op.kind)
            {
                return Err(bad(format!("operation {} listed twice", op.kind)));
            }
            for f in &op.files {
                let hex = f.sha256.len() == 64
                    && f.sha256
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                if !hex {
                    return Err(bad(format!("{}: sha256 is not 64 hex digits", f.name)));
                }
            }
        }
        Ok(plan)
    }

    /// The operation of `kind`, if planned.
    pub fn operation(&self, kind: &str) -> Option<&PlannedOperation> {
        self.operations.iter().find(|o| o.kind == kind)
    }

    /// The kinds, in order.
    pub fn kinds(&self) -> Vec<String> {
        self.operations.iter().map(|o| o.kind.clone()).collect()
    }
}

fn check_repository(repository: &str) -> Result<(), ReceiptError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    match repository.split_once('/') {
        Some((owner, repo)) if part_ok(owner) && part_ok(repo) => Ok(()),
        _ => Err(ReceiptError::PlanRequest(format!(
            "--github-repository {repository:?} is not OWNER/REPO"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> ReleasePlan {
        ReleasePlan {
            schema: SCHEMA.to_string(),
            run_id: RunId::local(),
            created_at: "2026-12-01T17:00:00Z".to_string(),
            operations: vec![PlannedOperation {
                kind: "upload".to_string(),
                target: "https://upload.pypi.org/legacy/".to_string(),
                files: vec![FileDigest {
                    name: "a-1.tar.gz".to_string(),
                    sha256: "ab".repeat(32),
                }],
            }],
        }
    }

    #[test]
    fn parse_round_trips_and_refuses_what_it_does_not_know() {
        let p = plan();
        assert_eq!(ReleasePlan::parse(&p.to_bytes(), "plan").unwrap(), p);
        let text = String::from_utf8(p.to_bytes()).unwrap();
        for (from, to) in [
            ("release-plan/v1", "release-plan/v2"),
            ("\"upload\"", "\"delete\""),
            (&"ab".repeat(32), "abc"),
            ("\"created_at\"", "\"extra\": 1, \"created_at\""),
            ("2026-12-01T17:00:00Z", "yesterday"),
        ] {
            let changed = text.replace(from, to);
            assert_ne!(changed, text);
            assert!(
                ReleasePlan::parse(changed.as_bytes(), "plan").is_err(),
                "{from} -> {to}"
            );
        }
        let mut twice = plan();
        twice.operations.push(twice.operations[0].clone());
        assert!(ReleasePlan::parse(&twice.to_bytes(), "plan").is_err());
    }

    #[test]
    fn repositories_are_owner_slash_repo() {
        assert!(check_repository("octo/demo.py").is_ok());
        for bad in ["octo", "/demo", "octo/", "a/b/c", "octo/de mo"] {
            assert!(check_repository(bad).is_err(), "{bad}");
        }
    }
}
