//! The evidence of a failed run: the claims of its identity token and, from a log, the
//! refusals the index sent. A `--claims` value is a JWT (decoded, never verified: PyPI
//! verifies, and the token is never printed), a JSON object of claims, or a file holding
//! either. A log is what chora-publish, pypa/gh-action-pypi-publish or `uv publish` printed
//! (GitHub Actions timestamps allowed): claim lines in any of their shapes
//! (`` * `sub`: `repo:o/r:…` ``, `sub   repo:o/r:…`, `"sub": "repo:o/r:…"`), `MISSING` as
//! absent, and `` * `invalid-publisher`: … `` refusal lines.

use crate::publish::claims::{self, Claims};

use super::DoctorError;

/// What the failed run left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    pub claims: Claims,
    /// `(code, description)` of each refusal the index sent (from a log).
    pub refusals: Vec<(String, String)>,
    /// The index host the log talked to (`test.pypi.org`, `pypi.org`), when it says.
    pub index_host: Option<String>,
}

/// The claims of a `--claims` value: a JWT or a JSON object (the file, when `value` names one,
/// was read by the caller and its text passed here).
pub fn parse_claims(value: &str) -> Result<Claims, DoctorError> {
    let value = value.trim();
    if value.starts_with('{') {
        return serde_json::from_str::<serde_json::Value>(value)
            .map_err(|e| DoctorError::Claims(format!("not a JSON object of claims: {e}")))
            .and_then(|v| claims_of_json(&v));
    }
    if value.split('.').count() == 3 {
        return claims::decode(value).ok_or_else(|| {
            DoctorError::Claims(
                "looks like a JWT, but its payload is not base64url-encoded JSON claims".into(),
            )
        });
    }
    Err(DoctorError::Claims(
        "expected a JWT (three base64url parts separated by '.'), a JSON object of claims, or a file holding one".into(),
    ))
}

/// Claims from a JSON object; a numeric `repository_owner_id` is taken as its digits.
fn claims_of_json(value: &serde_json::Value) -> Result<Claims, DoctorError> {
    let object = value
        .as_object()
        .ok_or_else(|| DoctorError::Claims("the JSON is not an object".into()))?;
    let mut object = object.clone();
    for key in ["repository_owner_id", "repository_id"] {
        if let Some(n) = object.get(key).and_then(serde_json::Value::as_u64) {
            object.insert(key.into(), serde_json::Value::String(n.to_string()));
        }
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| DoctorError::Claims(format!("the JSON object is not a set of claims: {e}")))
}

/// The claim names a log may show, as printed.
const CLAIM_NAMES: [&str; 16] = [
    "sub",
    "repository",
    "repository_owner",
    "repository_owner_id",
    "workflow_ref",
    "job_workflow_ref",
    "ref",
    "environment",
    "event_name",
    "iss",
    "project_path",
    "namespace_path",
    "ci_config_ref_uri",
    "ref_path",
    "sha",
    "pipeline_source",
];

/// A GitHub Actions log line without its `2026-12-01T10:00:00.1234567Z ` prefix.
fn strip_timestamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let stamped = bytes.len() > 21
        && bytes.get(4) == Some(&b'-')
        && bytes.get(10) == Some(&b'T')
        && bytes.first().is_some_and(u8::is_ascii_digit);
    if stamped && let Some((_, rest)) = line.split_once("Z ") {
        return rest;
    }
    line
}

/// `(name, value)` when the line shows one claim.
fn claim_line(line: &str) -> Option<(&'static str, Option<String>)> {
    let line = line.trim().trim_start_matches(['*', '-']).trim_start();
    let unquote = |s: &str| {
        s.trim()
            .trim_end_matches(',')
            .trim()
            .trim_matches(['`', '"', '\''])
            .to_string()
    };
    for name in CLAIM_NAMES {
        let rest = line
            .strip_prefix('`')
            .and_then(|l| l.strip_prefix(name))
            .and_then(|l| l.strip_prefix('`'))
            .or_else(|| {
                line.strip_prefix('"')
                    .and_then(|l| l.strip_prefix(name))
                    .and_then(|l| l.strip_prefix('"'))
            })
            .or_else(|| line.strip_prefix(name));
        let Some(rest) = rest else { continue };
        // The name must end here: `repository` is not `repository_owner`.
        let Some(first) = rest.chars().next() else {
            continue;
        };
        if !(first == ':' || first == '=' || first.is_whitespace()) {
            continue;
        }
        let value = unquote(rest.trim_start().trim_start_matches([':', '=']));
        if value.is_empty() || value.contains(char::is_whitespace) {
            continue;
        }
        let value = (value != "MISSING" && value != "null").then_some(value);
        return Some((name, value));
    }
    None
}

fn set(claims: &mut Claims, name: &str, value: Option<String>) {
    let slot = match name {
        "sub" => &mut claims.sub,
        "repository" => &mut claims.repository,
        "repository_owner" => &mut claims.repository_owner,
        "repository_owner_id" => &mut claims.repository_owner_id,
        "workflow_ref" => &mut claims.workflow_ref,
        "job_workflow_ref" => &mut claims.job_workflow_ref,
        "ref" => &mut claims.git_ref,
        "environment" => &mut claims.environment,
        "event_name" => &mut claims.event_name,
        "iss" => &mut claims.iss,
        "project_path" => &mut claims.project_path,
        "namespace_path" => &mut claims.namespace_path,
        "ci_config_ref_uri" => &mut claims.ci_config_ref_uri,
        "ref_path" => &mut claims.ref_path,
        "sha" => &mut claims.sha,
        "pipeline_source" => &mut claims.pipeline_source,
        _ => return,
    };
    // The first time a log shows a claim wins (later lines may quote other runs' values).
    if slot.is_none() {
        *slot = value;
    }
}

/// `` * `code`: description `` → (code, description), for the index's error codes.
fn refusal_line(line: &str) -> Option<(String, String)> {
    let line = line
        .trim()
        .strip_prefix('*')?
        .trim_start()
        .strip_prefix('`')?;
    let (code, rest) = line.split_once('`')?;
    let known = [
        "invalid-publisher",
        "invalid-pending-publisher",
        "invalid-reuse-token",
        "invalid-token",
        "invalid-payload",
        "not-enabled",
    ];
    if !known.contains(&code) {
        return None;
    }
    let description = rest.trim_start_matches(':').trim().to_string();
    Some((code.to_string(), description))
}

/// The evidence in a publishing log. Claim lines are read after the last line announcing
/// claims ("The claims rendered below…", "Claims in this job's identity token…", "decoded
/// claims"), when there is one, so inputs echoed earlier in the log (`repository:` of a
/// checkout step) are not taken for claims.
pub fn from_log(text: &str) -> Evidence {
    let lines: Vec<&str> = text.lines().map(strip_timestamp).collect();
    let start = lines
        .iter()
        .rposition(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("claims") && claim_line(&l).is_none()
        })
        .map_or(0, |i| i + 1);
    let mut evidence = Evidence::default();
    for (i, line) in lines.iter().enumerate() {
        if let Some(refusal) = refusal_line(line) {
            if !evidence.refusals.contains(&refusal) {
                evidence.refusals.push(refusal);
            }
            continue;
        }
        if i >= start
            && let Some((name, value)) = claim_line(line)
        {
            set(&mut evidence.claims, name, value);
        }
        if evidence.index_host.is_none() {
            if line.contains("test.pypi.org") {
                evidence.index_host = Some("test.pypi.org".into());
            } else if line.contains("upload.pypi.org") || line.contains("https://pypi.org") {
                evidence.index_host = Some("pypi.org".into());
            }
        }
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_pypa_action_shape_with_timestamps() {
        let log = "\
2026-11-30T10:00:00.0000000Z   repository: octo/other
2026-11-30T10:00:00.0000000Z Token request failed: the server refused the request for the following reasons:
2026-11-30T10:00:00.0000000Z * `invalid-publisher`: valid token, but no corresponding publisher (Publisher with matching claims was not found)
2026-11-30T10:00:00.0000000Z The claims rendered below are **for debugging purposes only**.
2026-11-30T10:00:00.0000000Z * `sub`: `repo:octo/pkg:environment:pypi`
2026-11-30T10:00:00.0000000Z * `repository`: `octo/pkg`
2026-11-30T10:00:00.0000000Z * `repository_owner`: `octo`
2026-11-30T10:00:00.0000000Z * `repository_owner_id`: `42`
2026-11-30T10:00:00.0000000Z * `workflow_ref`: `octo/pkg/.github/workflows/release.yml@refs/tags/v1`
2026-11-30T10:00:00.0000000Z * `job_workflow_ref`: `octo/pkg/.github/workflows/release.yml@refs/tags/v1`
2026-11-30T10:00:00.0000000Z * `ref`: `refs/tags/v1`
2026-11-30T10:00:00.0000000Z * `environment`: `MISSING`
";
        let e = from_log(log);
        assert_eq!(e.claims.repository.as_deref(), Some("octo/pkg"));
        assert_eq!(e.claims.repository_owner.as_deref(), Some("octo"));
        assert_eq!(e.claims.repository_owner_id.as_deref(), Some("42"));
        assert_eq!(e.claims.git_ref.as_deref(), Some("refs/tags/v1"));
        assert_eq!(e.claims.environment, None);
        assert_eq!(e.refusals.len(), 1);
        assert_eq!(e.refusals[0].0, "invalid-publisher");
    }

    #[test]
    fn reads_chora_publish_gitlab_claims() {
        let log = "  iss                  https://gitlab.com\n  project_path         grp/pkg\n  namespace_path       grp\n  ci_config_ref_uri    gitlab.com/grp/pkg//.gitlab-ci.yml@refs/tags/v1\n  ref_path             refs/tags/v1\n  sha                  abc123\n  environment          pypi\n";
        let e = from_log(log);
        assert_eq!(e.claims.project_path.as_deref(), Some("grp/pkg"));
        assert_eq!(e.claims.namespace_path.as_deref(), Some("grp"));
        assert_eq!(
            e.claims.config_ref().map(|c| c.file).as_deref(),
            Some(".gitlab-ci.yml")
        );
        assert_eq!(e.claims.ref_path.as_deref(), Some("refs/tags/v1"));
        assert_eq!(e.claims.sha.as_deref(), Some("abc123"));
        assert_eq!(e.claims.git_ref, None, "`ref` is not `ref_path`");
    }

    #[test]
    fn reads_chora_publish_and_json_shapes() {
        let chora = "  repository           octo/pkg\n  repository_owner     octo\n  workflow file        release.yml\n  environment          pypi\n";
        let e = from_log(chora);
        assert_eq!(e.claims.repository.as_deref(), Some("octo/pkg"));
        assert_eq!(e.claims.environment.as_deref(), Some("pypi"));
        let json = "{\n  \"repository\": \"octo/pkg\",\n  \"environment\": \"release\",\n}";
        assert_eq!(
            from_log(json).claims.environment.as_deref(),
            Some("release")
        );
        assert_eq!(from_log("nothing here").claims, Claims::default());
    }

    #[test]
    fn claims_values_parse_as_json_or_jwt_and_refuse_anything_else() {
        let c = parse_claims(r#"{"repository":"octo/pkg","repository_owner_id":42}"#).unwrap();
        assert_eq!(c.repository_owner_id.as_deref(), Some("42"));
        assert!(parse_claims("[1]").is_err());
        assert!(parse_claims("a.b.c").is_err());
        assert!(parse_claims("hello").is_err());
    }
}
