//! `/_/oidc/mint-token`: JWT verification and trusted-publisher matching as warehouse's
//! `oidc/views.py` and `oidc/models/{github,gitlab}.py` do.

use serde_json::{Value, json};

use super::super::http::Response;
use super::super::jwt;
use super::super::util::{b64url, normalize_name, now_unix, py_repr, py_repr_list, random_bytes};
use super::{
    GithubPublisher, GitlabPublisher, Issuer, IssuerKind, MintRecord, Publisher, State, TokenInfo,
    attach_publisher,
};

/// Leeway for `exp`/`nbf`/`iat`, as warehouse passes to PyJWT.
const JWT_LEEWAY: i64 = 30;

fn token_failed(st: &mut State, code: &str, description: &str, claims: Option<Value>) -> Response {
    st.mints.push(MintRecord {
        status: 422,
        error_codes: vec![code.to_string()],
        descriptions: vec![description.to_string()],
        token: None,
        claims,
    });
    Response::json(
        422,
        &json!({
            "message": "Token request failed",
            "errors": [{"code": code, "description": description}],
        }),
    )
}

fn pydantic_error(
    loc: Option<&str>,
    msg: &str,
    kind: &str,
    input: &str,
    input_type: &str,
) -> String {
    let loc = loc.map(|l| format!("{l}\n")).unwrap_or_default();
    format!(
        "1 validation error for TokenPayload\n{loc}  {msg} [type={kind}, input_value={input}, input_type={input_type}]\n    For further information visit https://errors.pydantic.dev/2.11/v/{kind}"
    )
}

fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// `POST /_/oidc/burn-token`: warehouse always answers 202 (whatever the token), and revokes
/// it when it was minted by Trusted Publishing.
pub(super) fn burn(st: &mut State, body: &[u8]) -> Response {
    let token = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string));
    if let Some(token) = token {
        if st.tokens.get(&token).is_some_and(|t| t.minted) {
            st.revoked.insert(token.clone());
        }
        st.burned.push(token);
    }
    Response::json(
        202,
        &serde_json::json!({"message": "Accepted", "errors": []}),
    )
}

pub(super) fn mint(st: &mut State, body: &[u8]) -> Response {
    // 1. The payload (pydantic `TokenPayload(token: StrictStr)`).
    let payload: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let desc = pydantic_error(
                None,
                &format!("Invalid JSON: {e}"),
                "json_invalid",
                &py_repr(&text),
                "str",
            );
            return token_failed(st, "invalid-payload", &desc, None);
        }
    };
    let token = match &payload {
        Value::Object(m) => match m.get("token") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                let desc = pydantic_error(
                    Some("token"),
                    "Input should be a valid string",
                    "string_type",
                    &other.to_string(),
                    py_type(other),
                );
                return token_failed(st, "invalid-payload", &desc, None);
            }
            None => {
                let desc = pydantic_error(
                    Some("token"),
                    "Field required",
                    "missing",
                    &payload.to_string(),
                    "dict",
                );
                return token_failed(st, "invalid-payload", &desc, None);
            }
        },
        other => {
            let desc = pydantic_error(
                None,
                "Input should be an object",
                "model_type",
                &other.to_string(),
                py_type(other),
            );
            return token_failed(st, "invalid-payload", &desc, None);
        }
    };

    // 2. Peek at the unverified issuer.
    let unverified = match jwt::decode_unverified(&token) {
        Ok((_, claims, _, _)) => claims,
        Err(_) => return token_failed(st, "invalid-payload", "malformed JWT", None),
    };
    let Some(iss) = unverified["iss"].as_str().map(str::to_string) else {
        return token_failed(st, "invalid-payload", "malformed JWT", Some(unverified));
    };
    let Some(issuer) = st.issuers.iter().find(|i| i.url == iss).cloned() else {
        return token_failed(
            st,
            "invalid-payload",
            "unknown trusted publishing issuer",
            Some(unverified),
        );
    };
    if !st.enabled {
        let desc = format!(
            "{} trusted publishing functionality not enabled",
            issuer.kind.service_name()
        );
        return token_failed(st, "not-enabled", &desc, Some(unverified));
    }

    // 3. Signature, times, audience.
    let claims = match verify_jwt(&token, &issuer, &st.audience) {
        Some(c) => c,
        None => {
            return token_failed(
                st,
                "invalid-token",
                "malformed or invalid token",
                Some(unverified),
            );
        }
    };

    // 4. A pending publisher creates its project first.
    if let Ok(idx) = find_pending(st, &claims, issuer.kind, &issuer.url) {
        let pending = st.pending[idx].clone();
        let name = normalize_name(&pending.project_name);
        if st.projects.contains(&name) {
            st.pending.remove(idx);
            return token_failed(
                st,
                "invalid-pending-publisher",
                "valid token, but project already exists",
                Some(claims),
            );
        }
        st.pending.remove(idx);
        st.projects.insert(name.clone());
        attach_publisher(st, pending.publisher, &name);
    }

    // 5. The publisher.
    let idx = match find_publisher(st, &claims, issuer.kind, &issuer.url) {
        Ok(i) => i,
        Err(FindError::Reused) => {
            return token_failed(
                st,
                "invalid-reuse-token",
                "invalid token: already used",
                Some(claims),
            );
        }
        Err(FindError::Invalid(reason)) => {
            let desc = format!("valid token, but no corresponding publisher ({reason})");
            return token_failed(st, "invalid-publisher", &desc, Some(claims));
        }
    };

    // 6. Mint.
    let now = now_unix();
    let expires = now + st.token_lifetime;
    let mut raw = b"\x02\x01\x08pypi.org".to_vec();
    raw.extend(random_bytes(96));
    let minted = format!("pypi-{}", b64url(&raw));
    let jti = claims["jti"].as_str().map(str::to_string);
    if let Some(j) = &jti {
        st.used_jti.insert(j.clone());
    }
    let projects = st.publishers[idx].projects.clone();
    st.tokens.insert(
        minted.clone(),
        TokenInfo {
            token: minted.clone(),
            expires: Some(expires),
            projects: Some(projects),
            minted: true,
            jti,
            publisher: Some(st.publishers[idx].publisher.clone()),
        },
    );
    st.mints.push(MintRecord {
        status: 200,
        error_codes: Vec::new(),
        descriptions: Vec::new(),
        token: Some(minted.clone()),
        claims: Some(claims),
    });
    Response::json(
        200,
        &json!({"success": true, "token": minted, "expires": expires}),
    )
}

/// PyJWT-style verification: signature, required `iss`/`iat`/`exp`/`aud`, times with
/// leeway, audience, issuer.
fn verify_jwt(token: &str, issuer: &Issuer, audience: &str) -> Option<Value> {
    let claims = jwt::verify(token, &issuer.jwks).ok()?;
    let now = now_unix();
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    let (iat, exp) = (num("iat")?, num("exp")?);
    if claims["iss"].as_str() != Some(issuer.url.as_str()) {
        return None;
    }
    if exp + JWT_LEEWAY <= now || iat > now + JWT_LEEWAY {
        return None;
    }
    if let Some(v) = claims.get("nbf")
        && v.as_i64()? > now + JWT_LEEWAY
    {
        return None;
    }
    let aud_ok = match claims.get("aud")? {
        Value::String(a) => a == audience,
        Value::Array(list) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    aud_ok.then_some(claims)
}

enum FindError {
    Invalid(String),
    Reused,
}

fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn find_pending(
    st: &State,
    claims: &Value,
    kind: IssuerKind,
    iss: &str,
) -> Result<usize, FindError> {
    find_among(
        st,
        st.pending.iter().map(|p| &p.publisher),
        claims,
        kind,
        iss,
    )
}

fn find_publisher(
    st: &State,
    claims: &Value,
    kind: IssuerKind,
    iss: &str,
) -> Result<usize, FindError> {
    find_among(
        st,
        st.publishers.iter().map(|p| &p.publisher),
        claims,
        kind,
        iss,
    )
}

/// The index (in `publishers`) of the one of `kind` that the claims match, refusing a reused
/// token.
fn find_among<'a>(
    st: &State,
    publishers: impl Iterator<Item = &'a Publisher>,
    claims: &Value,
    kind: IssuerKind,
    iss: &str,
) -> Result<usize, FindError> {
    let candidates: Vec<(usize, &Publisher)> = publishers
        .enumerate()
        .filter(|(_, p)| p.kind() == kind)
        .collect();
    let idx = lookup_and_verify(&candidates, claims, iss, st)?;
    if kind == IssuerKind::Github {
        check_reuse(st, claims)?;
    }
    Ok(idx)
}

fn check_reuse(st: &State, claims: &Value) -> Result<(), FindError> {
    match claim(claims, "jti") {
        Some(jti) if st.used_jti.contains(jti) => Err(FindError::Reused),
        _ => Ok(()),
    }
}

fn lookup_and_verify(
    candidates: &[(usize, &Publisher)],
    claims: &Value,
    iss: &str,
    st: &State,
) -> Result<usize, FindError> {
    let kind = candidates.first().map(|(_, p)| p.kind());
    // The claim set warehouse requires before any lookup.
    let required: &[&str] = match kind {
        Some(IssuerKind::Gitlab) => &[
            "sub",
            "project_path",
            "ci_config_ref_uri",
            "ref_path",
            "sha",
        ],
        _ => &[
            "sub",
            "repository",
            "repository_owner",
            "repository_owner_id",
            "job_workflow_ref",
            "ref",
            "sha",
        ],
    };
    for name in required {
        if claims.get(*name).is_none_or(Value::is_null) {
            return Err(FindError::Invalid(format!(
                "Missing claim {}",
                py_repr(name)
            )));
        }
    }
    let not_found = || FindError::Invalid("Publisher with matching claims was not found".into());
    let found = match kind {
        None => return Err(not_found()),
        Some(IssuerKind::Github) => lookup_github(candidates, claims),
        Some(IssuerKind::Gitlab) => lookup_gitlab(candidates, claims)?,
    };
    let (idx, publisher) = found.ok_or_else(not_found)?;
    match publisher {
        Publisher::Github(p) => verify_github(p, claims).map_err(FindError::Invalid)?,
        Publisher::Gitlab(p) => verify_gitlab(p, claims, iss, st)?,
    }
    Ok(idx)
}

/// Warehouse's two lookup strategies: environment-bound publishers first (when the token
/// has an environment), then unbound ones. The workflow filename matches as a prefix of
/// what follows `{repository}/.github/workflows/` in `job_workflow_ref` (SQL `LIKE 'f%'`).
fn lookup_github<'a>(
    candidates: &[(usize, &'a Publisher)],
    claims: &Value,
) -> Option<(usize, &'a Publisher)> {
    let repository = claim(claims, "repository")?;
    let (owner, name) = repository.split_once('/')?;
    let owner_id = claims.get("repository_owner_id").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })?;
    let jwr = claim(claims, "job_workflow_ref")?;
    let workflow_ref = jwr
        .strip_prefix(&format!("{repository}/.github/workflows/"))
        .unwrap_or(jwr);
    let env = claim(claims, "environment").unwrap_or("");
    let matches = |p: &GithubPublisher, want_env: &str| {
        p.repository.eq_ignore_ascii_case(name)
            && p.owner.eq_ignore_ascii_case(owner)
            && p.owner_id == owner_id
            && p.environment == want_env
            && workflow_ref.starts_with(&p.workflow_filename)
    };
    let strategies: Vec<String> = if env.is_empty() {
        vec![String::new()]
    } else {
        vec![env.to_lowercase(), String::new()]
    };
    for want_env in &strategies {
        for (i, p) in candidates {
            if let Publisher::Github(gp) = p
                && matches(gp, want_env)
            {
                return Some((*i, *p));
            }
        }
    }
    None
}

fn verify_github(p: &GithubPublisher, claims: &Value) -> Result<(), String> {
    let check_failed = |c: &str| format!("Check failed for required claim {}", py_repr(c));
    let repository = format!("{}/{}", p.owner, p.repository);

    // sub: `repo:ORG/REPO[:...]`, only ORG/REPO checked, case-insensitively.
    let sub = claim(claims, "sub").unwrap_or("");
    let comps: Vec<&str> = sub.split(':').collect();
    let sub_ok = comps.len() >= 2
        && !comps[0].is_empty()
        && !comps[1].is_empty()
        && format!("{}:{}", comps[0], comps[1]).to_lowercase()
            == format!("repo:{repository}").to_lowercase();
    if !sub_ok {
        return Err(check_failed("sub"));
    }
    let repo_claim = claim(claims, "repository").unwrap_or("");
    if repo_claim.is_empty() || repo_claim.to_lowercase() != repository.to_lowercase() {
        return Err(check_failed("repository"));
    }
    if claim(claims, "repository_owner") != Some(p.owner.as_str()) {
        return Err(check_failed("repository_owner"));
    }
    if claim(claims, "repository_owner_id") != Some(p.owner_id.as_str()) {
        return Err(check_failed("repository_owner_id"));
    }
    // job_workflow_ref must be exactly `{repo}/.github/workflows/{file}@{ref|sha}`.
    let jwr = claim(claims, "job_workflow_ref").unwrap_or("");
    if jwr.is_empty() {
        return Err("The job_workflow_ref claim is empty".into());
    }
    let refs: Vec<&str> = ["ref", "sha"]
        .iter()
        .filter_map(|k| claim(claims, k))
        .filter(|v| !v.is_empty())
        .collect();
    if refs.is_empty() {
        return Err("The ref and sha claims are empty".into());
    }
    let base = format!("{repository}/.github/workflows/{}", p.workflow_filename);
    let mut expected: Vec<String> = refs.iter().map(|r| format!("{base}@{r}")).collect();
    expected.sort();
    expected.dedup();
    if !expected.iter().any(|e| e == jwr) {
        return Err(format!(
            "The job_workflow_ref claim does not match, expecting one of {}, got {}",
            py_repr_list(&expected),
            py_repr(jwr)
        ));
    }
    // environment: optional, case-insensitive when the publisher has one.
    if !p.environment.is_empty() {
        let env = claim(claims, "environment").unwrap_or("");
        if env.is_empty() || env.to_lowercase() != p.environment.to_lowercase() {
            return Err(format!(
                "Check failed for optional claim {}",
                py_repr("environment")
            ));
        }
    }
    if claim(claims, "event_name") == Some("pull_request_target") {
        return Err(
            "Publishing from a workflow invoked via 'pull_request_target' is not supported.".into(),
        );
    }
    Ok(())
}

fn issuer_host(iss: &str) -> &str {
    iss.trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
}

/// warehouse's `_extract_workflow_filepath`: the regex `(?<=//)(.+[^/]\.(yml|yaml))(?=@)`
/// (greedy: the longest such run after the first `//`).
fn extract_workflow_filepath(uri: &str) -> Option<String> {
    // The lookbehind needs `//` just before the match; `.+` is greedy, so for each `//`
    // (leftmost first) take the longest candidate ending in `.yml`/`.yaml` before an `@`.
    for (start, _) in uri.match_indices("//") {
        let from = start + 2;
        let rest = &uri[from..];
        let best = rest
            .rmatch_indices('@')
            .map(|(i, _)| &rest[..i])
            .find(|cand| {
                let stem = cand
                    .strip_suffix(".yml")
                    .or_else(|| cand.strip_suffix(".yaml"));
                // `.+[^/]` before the suffix: at least two characters, the last not `/`.
                stem.is_some_and(|s| s.chars().count() >= 2 && !s.ends_with('/'))
            });
        if let Some(b) = best {
            return Some(b.to_string());
        }
    }
    None
}

/// warehouse's `GitLabPublisherMixin.lookup_by_claims`: namespace and project from
/// `project_path` (split at the last `/`), the pipeline file from `ci_config_ref_uri`
/// (refused when it cannot be extracted, e.g. an empty claim), compared exactly (SQL
/// `filter_by`); an environment-specific publisher (`environment == claim.lower()`) beats a
/// general one.
fn lookup_gitlab<'a>(
    candidates: &[(usize, &'a Publisher)],
    claims: &Value,
) -> Result<Option<(usize, &'a Publisher)>, FindError> {
    let Some(project_path) = claim(claims, "project_path") else {
        return Ok(None);
    };
    let Some((ns, project)) = project_path.rsplit_once('/') else {
        return Ok(None);
    };
    let uri = claim(claims, "ci_config_ref_uri").unwrap_or("");
    let Some(workflow) = extract_workflow_filepath(uri) else {
        return Err(FindError::Invalid(
            "Could not extract workflow filename from OIDC claims".into(),
        ));
    };
    let matching: Vec<(usize, &'a Publisher, &GitlabPublisher)> = candidates
        .iter()
        .filter_map(|(i, p)| match p {
            Publisher::Gitlab(gp)
                if gp.namespace == ns
                    && gp.project == project
                    && gp.workflow_filepath == workflow =>
            {
                Some((*i, *p, gp))
            }
            _ => None,
        })
        .collect();
    let env = claim(claims, "environment").unwrap_or("");
    if !env.is_empty()
        && let Some((i, p, _)) = matching
            .iter()
            .find(|(_, _, gp)| gp.environment == env.to_lowercase())
    {
        return Ok(Some((*i, *p)));
    }
    Ok(matching
        .iter()
        .find(|(_, _, gp)| gp.environment.is_empty())
        .map(|(i, p, _)| (*i, *p)))
}

/// warehouse's `verify_claims` for a GitLab publisher, in its order: `sub`, `project_path`,
/// `ci_config_ref_uri`, `jti` (reuse), then the optional `environment`.
fn verify_gitlab(
    p: &GitlabPublisher,
    claims: &Value,
    iss: &str,
    st: &State,
) -> Result<(), FindError> {
    let check_failed =
        |c: &str| FindError::Invalid(format!("Check failed for required claim {}", py_repr(c)));
    let project_path = format!("{}/{}", p.namespace, p.project);
    // sub: `project_path:NS/PROJ[:...]`, the first two `:` fields, case-insensitively.
    let sub = claim(claims, "sub").unwrap_or("");
    let comps: Vec<&str> = sub.split(':').collect();
    let sub_ok = comps.len() >= 2
        && !comps[0].is_empty()
        && !comps[1].is_empty()
        && format!("{}:{}", comps[0], comps[1]).to_lowercase()
            == format!("project_path:{project_path}").to_lowercase();
    if !sub_ok {
        return Err(check_failed("sub"));
    }
    let pp = claim(claims, "project_path").unwrap_or("");
    if pp.is_empty() || pp.to_lowercase() != project_path.to_lowercase() {
        return Err(check_failed("project_path"));
    }
    let uri = claim(claims, "ci_config_ref_uri").unwrap_or("");
    if uri.is_empty() {
        return Err(FindError::Invalid(
            "The ci_config_ref_uri claim is empty".into(),
        ));
    }
    let ref_path = claim(claims, "ref_path").unwrap_or("");
    let sha = claim(claims, "sha").unwrap_or("");
    if ref_path.is_empty() || sha.is_empty() {
        return Err(FindError::Invalid(
            "The ref_path and sha claims are empty".into(),
        ));
    }
    let base = format!(
        "{}/{project_path}//{}",
        issuer_host(iss),
        p.workflow_filepath
    );
    let mut expected: Vec<String> = [ref_path, sha]
        .iter()
        .map(|r| format!("{base}@{r}"))
        .collect();
    expected.sort();
    expected.dedup();
    if !expected.iter().any(|e| e == uri) {
        return Err(FindError::Invalid(format!(
            "The ci_config_ref_uri claim does not match, expecting one of {}, got {}",
            py_repr_list(&expected),
            py_repr(uri)
        )));
    }
    check_reuse(st, claims)?;
    if !p.environment.is_empty() && claim(claims, "environment").unwrap_or("") != p.environment {
        return Err(FindError::Invalid(format!(
            "Check failed for optional claim {}",
            py_repr("environment")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::extract_workflow_filepath as x;

    #[test]
    fn workflow_filepath_is_extracted_as_warehouse_does() {
        assert_eq!(
            x("gitlab.com/g/p//.gitlab-ci.yml@refs/tags/v1").as_deref(),
            Some(".gitlab-ci.yml")
        );
        assert_eq!(
            x("gitlab.com/g/p//ci/release.yaml@abc").as_deref(),
            Some("ci/release.yaml")
        );
        assert_eq!(x(""), None);
        assert_eq!(x("gitlab.com/g/p//ci/.yml@r"), None);
        assert_eq!(x("gitlab.com/g/p//f.txt@r"), None);
    }
}
