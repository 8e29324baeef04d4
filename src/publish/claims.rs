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
    /// GitLab: `gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main` (empty for child
    /// pipelines and included or external CI config).
    pub ci_config_ref_uri: Option<String>,
    /// GitLab: `group` (or `group/subgroup`).
    pub namespace_path: Option<String>,
    /// GitLab: `refs/tags/v1.0.0`.
    pub ref_path: Option<String>,
    /// The commit (GitLab: required by PyPI with `ref_path`).
    pub sha: Option<String>,
    /// GitLab: `push`, `web`, `parent_pipeline` (a child pipeline), …
    pub pipeline_source: Option<String>,
    /// Google: the service account's e-mail.
    pub email: Option<String>,
}

/// The parts of a GitLab `ci_config_ref_uri`: `{host}/{namespace}/{project}//{file}@{ref}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRef {
    pub host: String,
    pub namespace: String,
    pub project: String,
    /// The top-level pipeline file path (`.gitlab-ci.yml`, `ci/release.yml`).
    pub file: String,
    /// `refs/tags/v1` (the `ref_path`) or a commit sha.
    pub git_ref: String,
}

impl ConfigRef {
    /// Parse a `ci_config_ref_uri`; `None` when it is empty or not of that shape. The file is
    /// what PyPI extracts: after `//`, up to an `@` that follows `.yml`/`.yaml`.
    pub fn parse(uri: &str) -> Option<ConfigRef> {
        let (repo, rest) = uri.split_once("//")?;
        let mut parts = repo.split('/');
        let host = parts.next().filter(|h| !h.is_empty())?.to_string();
        let path: Vec<&str> = parts.collect();
        let (project, namespace) = path.split_last()?;
        if namespace.is_empty() || project.is_empty() || namespace.iter().any(|n| n.is_empty()) {
            return None;
        }
        let at = rest.rmatch_indices('@').map(|(i, _)| i).find(|&i| {
            let file = &rest[..i];
            (file.ends_with(".yml") || file.ends_with(".yaml"))
                && !file.ends_with("/.yml")
                && !file.ends_with("/.yaml")
        })?;
        Some(ConfigRef {
            host,
            namespace: namespace.join("/"),
            project: project.to_string(),
            file: rest[..at].to_string(),
            git_ref: rest[at + 1..].to_string(),
        })
    }
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

    /// True for a GitLab CI identity token (it has `project_path`).
    pub fn is_gitlab(&self) -> bool {
        self.project_path.is_some()
    }

    /// True for a Google Cloud identity token.
    pub fn is_google(&self) -> bool {
        matches!(
            self.iss.as_deref(),
            Some("https://accounts.google.com" | "accounts.google.com")
        )
    }

    /// GitLab: the parsed `ci_config_ref_uri` (`None` when empty or malformed).
    pub fn config_ref(&self) -> Option<ConfigRef> {
        ConfigRef::parse(self.ci_config_ref_uri.as_deref()?)
    }

    /// GitLab: `ci_config_ref_uri` is present but empty (child pipeline, included or external
    /// CI config).
    pub fn config_ref_is_empty(&self) -> bool {
        self.ci_config_ref_uri
            .as_deref()
            .is_some_and(|u| u.trim().is_empty())
    }

    /// GitLab: (namespace, project) from `project_path` (split at its last `/`).
    pub fn gitlab_project(&self) -> Option<(String, String)> {
        let (ns, project) = self.project_path.as_deref()?.rsplit_once('/')?;
        Some((ns.to_string(), project.to_string()))
    }

    /// `name: value` lines for the claims PyPI matches; `MISSING` when absent.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "MISSING".to_string());
        if self.is_gitlab() {
            let uri = match self.ci_config_ref_uri.as_deref() {
                Some("") => "(empty: a child pipeline, or included/external CI config)".into(),
                _ => show(&self.ci_config_ref_uri),
            };
            let mut lines = vec![
                ("iss", show(&self.iss)),
                ("sub", show(&self.sub)),
                ("project_path", show(&self.project_path)),
                ("namespace_path", show(&self.namespace_path)),
                ("ci_config_ref_uri", uri),
            ];
            if let Some(c) = self.config_ref() {
                lines.push(("  host", c.host));
                lines.push(("  namespace", c.namespace));
                lines.push(("  project", c.project));
                lines.push(("  pipeline file", c.file));
                lines.push(("  ref", c.git_ref));
            }
            lines.extend([
                ("ref_path", show(&self.ref_path)),
                ("sha", show(&self.sha)),
                ("environment", show(&self.environment)),
                ("pipeline_source", show(&self.pipeline_source)),
            ]);
            return lines;
        }
        if self.is_google() {
            return vec![
                ("iss", show(&self.iss)),
                ("sub", show(&self.sub)),
                ("email", show(&self.email)),
            ];
        }
        vec![
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
        ]
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
    fn parses_gitlab_ci_config_ref_uri() {
        let c = ConfigRef::parse("gitlab.com/grp/sub/pkg//ci/release.yml@refs/tags/v1.0").unwrap();
        assert_eq!(
            c,
            ConfigRef {
                host: "gitlab.com".into(),
                namespace: "grp/sub".into(),
                project: "pkg".into(),
                file: "ci/release.yml".into(),
                git_ref: "refs/tags/v1.0".into(),
            }
        );
        let sha =
            ConfigRef::parse("gitlab.example.org:8443/g/p//.gitlab-ci.yaml@3a1f4c5e").unwrap();
        assert_eq!(sha.host, "gitlab.example.org:8443");
        assert_eq!(sha.file, ".gitlab-ci.yaml");
        assert_eq!(sha.git_ref, "3a1f4c5e");
        // An `@` in the file name is kept: the split is at the `@` after `.yml`.
        let at = ConfigRef::parse("gitlab.com/g/p//a@b.yml@refs/heads/main").unwrap();
        assert_eq!(
            (at.file.as_str(), at.git_ref.as_str()),
            ("a@b.yml", "refs/heads/main")
        );
        for bad in [
            "",
            "gitlab.com/g/p/.gitlab-ci.yml@x",
            "gitlab.com/p//f.yml@r",
            "gitlab.com/g/p//f.txt@r",
            "gitlab.com/g/p//dir/.yml@r",
        ] {
            assert_eq!(ConfigRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn gitlab_claims_describe_the_gitlab_fields() {
        let claims = decode(&jwt(
            r#"{"iss":"https://gitlab.com","sub":"project_path:g/p:ref_type:tag:ref:v1","project_path":"g/p","namespace_path":"g","ci_config_ref_uri":"gitlab.com/g/p//.gitlab-ci.yml@refs/tags/v1","ref_path":"refs/tags/v1","sha":"abc","environment":"pypi"}"#,
        ))
        .unwrap();
        assert!(claims.is_gitlab());
        let lines = claims.describe();
        let get = |k: &str| lines.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("  pipeline file"), Some(".gitlab-ci.yml"));
        assert_eq!(get("  ref"), Some("refs/tags/v1"));
        assert_eq!(get("namespace_path"), Some("g"));
        assert_eq!(
            get("repository"),
            None,
            "no GitHub fields for a GitLab token"
        );
        let child = decode(&jwt(r#"{"project_path":"g/p","ci_config_ref_uri":""}"#)).unwrap();
        assert!(child.config_ref_is_empty());
        assert!(
            child
                .describe()
                .iter()
                .any(|(n, v)| *n == "ci_config_ref_uri" && v.contains("child pipeline"))
        );
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
