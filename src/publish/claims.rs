//! OIDC identity tokens (JWTs) as PyPI sees them: the claims it matches, decoded without
//! verification (PyPI verifies), for explanations. The raw token is never printed.

use base64::Engine;
use serde::Deserialize;

/// The claims PyPI's trusted-publisher matching uses (GitHub and GitLab).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Option<serde_json::Value>,
    pub repository: Option<String>,
    pub repository_owner: Option<String>,
    pub repository_owner_id: Option<String>,
    pub workflow_ref: Option<String>,
    pub job_workflow_ref: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub environment: Option<String>,
    pub event_name: Option<String>,
    pub exp: Option<i64>,
    /// GitLab: `group/project`.
    pub project_path: Option<String>,
    /// GitLab: `gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main`.
    pub ci_config_ref_uri: Option<String>,
}

/// Decode the payload of a JWT (no signature check).
pub fn decode(jwt: &str) -> Option<Claims> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl Claims {
    /// The workflow file PyPI matches: the file name in `job_workflow_ref`.
    pub fn workflow_file(&self) -> Option<String> {
        let r = self.job_workflow_ref.as_deref()?;
        let path = r.split('@').next()?;
        path.rsplit('/').next().map(str::to_string)
    }

    /// True when the job runs a reusable workflow (PyPI does not support it).
    pub fn is_reusable_workflow(&self) -> bool {
        match (&self.workflow_ref, &self.job_workflow_ref) {
            (Some(w), Some(j)) => w != j,
            _ => false,
        }
    }

    /// `name: value` lines for the claims PyPI matches; `MISSING` when absent.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "MISSING".to_string());
        let mut lines = vec![
            ("sub", show(&self.sub)),
            ("repository", show(&self.repository)),
            ("repository_owner", show(&self.repository_owner)),
            ("repository_owner_id", show(&self.repository_owner_id)),
            ("workflow_ref", show(&self.workflow_ref)),
            ("job_workflow_ref", show(&self.job_workflow_ref)),
            (
                "workflow file",
                self.workflow_file().unwrap_or_else(|| "MISSING".into()),
            ),
            ("ref", show(&self.git_ref)),
            ("environment", show(&self.environment)),
            ("event_name", show(&self.event_name)),
        ];
        if self.project_path.is_some() {
            lines.push(("project_path", show(&self.project_path)));
            lines.push(("ci_config_ref_uri", show(&self.ci_config_ref_uri)));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let enc = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.{}",
            enc.encode(r#"{"alg":"RS256"}"#),
            enc.encode(payload),
            enc.encode("sig")
        )
    }

    #[test]
    fn decodes_github_claims() {
        let claims = decode(&jwt(
            r#"{"repository":"octo/pkg","job_workflow_ref":"octo/pkg/.github/workflows/release.yml@refs/tags/v1","workflow_ref":"octo/pkg/.github/workflows/release.yml@refs/tags/v1","environment":"pypi"}"#,
        ))
        .unwrap();
        assert_eq!(claims.repository.as_deref(), Some("octo/pkg"));
        assert_eq!(claims.workflow_file().as_deref(), Some("release.yml"));
        assert!(!claims.is_reusable_workflow());
        assert!(decode("not-a-jwt").is_none());
    }

    #[test]
    fn detects_reusable_workflows() {
        let claims = decode(&jwt(
            r#"{"job_workflow_ref":"org/shared/.github/workflows/publish.yml@v1","workflow_ref":"octo/pkg/.github/workflows/release.yml@refs/tags/v1"}"#,
        ))
        .unwrap();
        assert!(claims.is_reusable_workflow());
        assert_eq!(claims.workflow_file().as_deref(), Some("publish.yml"));
    }
}
