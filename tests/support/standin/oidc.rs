//! OIDC identity stand-ins: the GitHub Actions token endpoint ([`GithubOidc`]) and a GitLab
//! issuer ([`GitlabOidc`]: GitLab's claim set for `<AUD>_ID_TOKEN` job variables, and with
//! [`GitlabOidc::start`] an HTTP issuer serving `/.well-known/openid-configuration` and its
//! JWKS at `/oauth/discovery/keys`, as gitlab.com does).
//!
//! Wire format (reference/publish.md §1): the runner hands the job
//! `ACTIONS_ID_TOKEN_REQUEST_URL` (already carrying a query) and
//! `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; the client calls `GET $URL&audience=<aud>` with
//! `Authorization: bearer $TOKEN` and gets `{"value": "<JWT>"}`.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::http::{Request, Response, Server};
use super::jwt::{Alg, JwtKey, jwks};
use super::util::{lock, now_unix, random_hex, random_uuid};

/// The issuer GitHub Actions tokens carry.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The issuer gitlab.com tokens carry.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";

/// The claims a [`GithubOidc`] puts into its tokens. `Default` is a tag push of
/// `octo-org/demo-pkg` running `.github/workflows/release.yml` in environment `pypi`.
///
/// `job_workflow_ref` and `workflow_ref` are derived from `repository`, `workflow_file` and
/// `git_ref` unless overridden; `sub` is derived as GitHub does (environment, then
/// pull_request, then ref) unless overridden. `extra` is merged last (it can replace any
/// claim, e.g. with a wrong type) and `omit` removes claims.
#[derive(Clone, Debug)]
pub struct Claims {
    pub issuer: String,
    pub repository: String,
    pub repository_owner: String,
    pub repository_owner_id: String,
    pub repository_id: String,
    pub repository_visibility: String,
    /// The workflow file name under `.github/workflows/`.
    pub workflow_file: String,
    /// The workflow's `name:`.
    pub workflow: String,
    /// The `ref` claim, e.g. `refs/tags/v0.1.0`.
    pub git_ref: String,
    pub ref_type: String,
    pub ref_protected: String,
    pub sha: String,
    pub environment: Option<String>,
    pub event_name: String,
    pub runner_environment: String,
    pub actor: String,
    pub actor_id: String,
    pub run_id: String,
    pub run_number: String,
    pub run_attempt: String,
    pub head_ref: String,
    pub base_ref: String,
    /// Override of the derived `job_workflow_ref` (e.g. a reusable workflow in another repo).
    pub job_workflow_ref: Option<String>,
    /// Override of the derived `workflow_ref`.
    pub workflow_ref: Option<String>,
    /// Override of the derived `sub`.
    pub sub: Option<String>,
    /// Seconds from `iat` to `exp` (GitHub: 300).
    pub lifetime_secs: i64,
    /// Added to "now" before computing `iat`/`nbf`/`exp` (negative: an old, expired token).
    pub time_shift_secs: i64,
    /// Claims merged last, replacing derived ones.
    pub extra: Map<String, Value>,
    /// Claims removed from the token.
    pub omit: Vec<String>,
}

impl Default for Claims {
    fn default() -> Self {
        Claims {
            issuer: GITHUB_ISSUER.into(),
            repository: "octo-org/demo-pkg".into(),
            repository_owner: "octo-org".into(),
            repository_owner_id: "1000001".into(),
            repository_id: "2000002".into(),
            repository_visibility: "public".into(),
            workflow_file: "release.yml".into(),
            workflow: "Release".into(),
            git_ref: "refs/tags/v0.1.0".into(),
            ref_type: "tag".into(),
            ref_protected: "false".into(),
            sha: "3a1f4c5e9d2b7a8c6e0f1b2d3c4a5e6f7a8b9c0d".into(),
            environment: Some("pypi".into()),
            event_name: "push".into(),
            runner_environment: "github-hosted".into(),
            actor: "octocat".into(),
            actor_id: "583231".into(),
            run_id: "4242424242".into(),
            run_number: "7".into(),
            run_attempt: "1".into(),
            head_ref: String::new(),
            base_ref: String::new(),
            job_workflow_ref: None,
            workflow_ref: None,
            sub: None,
            lifetime_secs: 300,
            time_shift_secs: 0,
            extra: Map::new(),
            omit: Vec::new(),
        }
    }
}

impl Claims {
    /// Set `repository` (`owner/name`) and `repository_owner`.
    pub fn repo(mut self, owner_and_name: &str) -> Self {
        self.repository = owner_and_name.to_string();
        self.repository_owner = owner_and_name
            .split_once('/')
            .map(|(o, _)| o.to_string())
            .unwrap_or_default();
        self
    }

    /// Set the workflow file (both refs follow it unless overridden).
    pub fn workflow_file(mut self, file: &str) -> Self {
        self.workflow_file = file.to_string();
        self
    }

    /// Set `ref` and `ref_type` (`refs/tags/...` → tag, anything else → branch).
    pub fn git_ref(mut self, git_ref: &str) -> Self {
        self.git_ref = git_ref.to_string();
        self.ref_type = if git_ref.starts_with("refs/tags/") {
            "tag".into()
        } else {
            "branch".into()
        };
        self
    }

    /// Set or clear `environment`.
    pub fn environment(mut self, env: Option<&str>) -> Self {
        self.environment = env.map(str::to_string);
        self
    }

    /// Set `event_name`.
    pub fn event(mut self, event_name: &str) -> Self {
        self.event_name = event_name.to_string();
        self
    }

    /// Make the job run a reusable workflow: `job_workflow_ref` names `called`
    /// (`OWNER/REPO/.github/workflows/FILE@REF`), `workflow_ref` stays the caller.
    pub fn reusable(mut self, called: &str) -> Self {
        self.job_workflow_ref = Some(called.to_string());
        self
    }

    /// Replace or add a claim.
    pub fn set(mut self, name: &str, value: Value) -> Self {
        self.extra.insert(name.to_string(), value);
        self
    }

    /// Remove a claim.
    pub fn without(mut self, name: &str) -> Self {
        self.omit.push(name.to_string());
        self
    }

    /// `OWNER/REPO/.github/workflows/FILE@REF` of the caller workflow.
    pub fn derived_workflow_ref(&self) -> String {
        format!(
            "{}/.github/workflows/{}@{}",
            self.repository, self.workflow_file, self.git_ref
        )
    }

    /// The `job_workflow_ref` claim.
    pub fn job_workflow_ref_value(&self) -> String {
        self.job_workflow_ref
            .clone()
            .unwrap_or_else(|| self.derived_workflow_ref())
    }

    /// The `workflow_ref` claim.
    pub fn workflow_ref_value(&self) -> String {
        self.workflow_ref
            .clone()
            .unwrap_or_else(|| self.derived_workflow_ref())
    }

    /// The `sub` claim, derived as GitHub's default template does.
    pub fn sub_value(&self) -> String {
        if let Some(sub) = &self.sub {
            return sub.clone();
        }
        let esc = |s: &str| s.replace(':', "%3A");
        let repo = esc(&self.repository);
        match &self.environment {
            Some(env) => format!("repo:{repo}:environment:{}", esc(env)),
            None if self.event_name == "pull_request" => format!("repo:{repo}:pull_request"),
            None => format!("repo:{repo}:ref:{}", esc(&self.git_ref)),
        }
    }

    /// The full claim set for one token.
    pub fn to_json(&self, audience: &str, jti: &str) -> Value {
        let now = now_unix() + self.time_shift_secs;
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("jti", json!(jti));
        put("sub", json!(self.sub_value()));
        put("aud", json!(audience));
        put("ref", json!(self.git_ref));
        put("sha", json!(self.sha));
        put("repository", json!(self.repository));
        put("repository_owner", json!(self.repository_owner));
        put("repository_owner_id", json!(self.repository_owner_id));
        put("run_id", json!(self.run_id));
        put("run_number", json!(self.run_number));
        put("run_attempt", json!(self.run_attempt));
        put("repository_visibility", json!(self.repository_visibility));
        put("repository_id", json!(self.repository_id));
        put("actor_id", json!(self.actor_id));
        put("actor", json!(self.actor));
        put("workflow", json!(self.workflow));
        put("head_ref", json!(self.head_ref));
        put("base_ref", json!(self.base_ref));
        put("event_name", json!(self.event_name));
        put("ref_protected", json!(self.ref_protected));
        put("ref_type", json!(self.ref_type));
        put("workflow_ref", json!(self.workflow_ref_value()));
        put("workflow_sha", json!(self.sha));
        put("job_workflow_ref", json!(self.job_workflow_ref_value()));
        put("job_workflow_sha", json!(self.sha));
        put("runner_environment", json!(self.runner_environment));
        if let Some(env) = &self.environment {
            put("environment", json!(env));
        }
        put("iss", json!(self.issuer));
        put("nbf", json!(now - 600));
        put("exp", json!(now + self.lifetime_secs));
        put("iat", json!(now));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        for k in &self.omit {
            m.remove(k);
        }
        Value::Object(m)
    }

    /// The GitHub Actions environment variables consistent with these claims (no token
    /// request variables: see [`GithubOidc::env_vars`]).
    pub fn github_env(&self) -> Vec<(String, String)> {
        let ref_name = self
            .git_ref
            .strip_prefix("refs/tags/")
            .or_else(|| self.git_ref.strip_prefix("refs/heads/"))
            .unwrap_or(&self.git_ref)
            .to_string();
        let pairs: Vec<(&str, String)> = vec![
            ("GITHUB_ACTIONS", "true".into()),
            ("CI", "true".into()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_API_URL", "https://api.github.com".into()),
            ("GITHUB_REPOSITORY", self.repository.clone()),
            ("GITHUB_REPOSITORY_OWNER", self.repository_owner.clone()),
            ("GITHUB_REPOSITORY_ID", self.repository_id.clone()),
            (
                "GITHUB_REPOSITORY_OWNER_ID",
                self.repository_owner_id.clone(),
            ),
            ("GITHUB_EVENT_NAME", self.event_name.clone()),
            ("GITHUB_WORKFLOW", self.workflow.clone()),
            ("GITHUB_WORKFLOW_REF", self.workflow_ref_value()),
            ("GITHUB_WORKFLOW_SHA", self.sha.clone()),
            ("GITHUB_REF", self.git_ref.clone()),
            ("GITHUB_REF_NAME", ref_name),
            ("GITHUB_REF_TYPE", self.ref_type.clone()),
            ("GITHUB_SHA", self.sha.clone()),
            ("GITHUB_ACTOR", self.actor.clone()),
            ("GITHUB_ACTOR_ID", self.actor_id.clone()),
            ("GITHUB_RUN_ID", self.run_id.clone()),
            ("GITHUB_RUN_NUMBER", self.run_number.clone()),
            ("GITHUB_RUN_ATTEMPT", self.run_attempt.clone()),
            ("GITHUB_JOB", "publish".into()),
            ("RUNNER_ENVIRONMENT", self.runner_environment.clone()),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

/// One token handed out by [`GithubOidc`].
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub audience: String,
    pub jti: String,
    pub jwt: String,
    pub claims: Value,
}

struct GithubState {
    key: JwtKey,
    claims: Claims,
    request_token: String,
    issued: Vec<IssuedToken>,
}

/// The GitHub Actions OIDC token endpoint and issuer.
///
/// - `GET /token?api-version=2.0&audience=X` with `Authorization: bearer <request token>`
///   → `{"value": "<JWT>"}` (401 without the right bearer token). Without `audience` the
///   token's `aud` is `https://github.com/<owner>`, as on GitHub.
/// - `GET /.well-known/jwks` → the JWKS; `GET /.well-known/openid-configuration`.
///
/// Every token has a fresh `jti`. Faults: [`GithubOidc::server`].
pub struct GithubOidc {
    state: Arc<Mutex<GithubState>>,
    server: Server,
}

impl GithubOidc {
    /// An ES256 issuer with the default [`Claims`]. (GitHub signs with RS256; clients only
    /// decode the claims, and RSA key generation takes seconds in debug builds, so ES256 is
    /// the default. Use [`GithubOidc::start_rs256`] for the real algorithm.)
    pub fn start() -> GithubOidc {
        GithubOidc::start_with(Claims::default(), Alg::Es256)
    }

    /// An RS256 issuer (as GitHub), sharing the process-wide RSA key.
    pub fn start_rs256() -> GithubOidc {
        GithubOidc::start_with(Claims::default(), Alg::Rs256)
    }

    /// An issuer with these claims and key algorithm.
    pub fn start_with(claims: Claims, alg: Alg) -> GithubOidc {
        let state = Arc::new(Mutex::new(GithubState {
            key: JwtKey::generate(alg),
            claims,
            request_token: format!("ghs-request-{}", random_hex(16)),
            issued: Vec::new(),
        }));
        let handler_state = Arc::clone(&state);
        let server = Server::start(move |req| github_handler(&handler_state, req));
        GithubOidc { state, server }
    }

    /// The underlying server (fault injection, request log).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Same as [`GithubOidc::url`].
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL`: `http://127.0.0.1:<port>/token?api-version=2.0`.
    pub fn request_url(&self) -> String {
        format!("{}/token?api-version=2.0", self.server.url())
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn request_token(&self) -> String {
        lock(&self.state).request_token.clone()
    }

    /// `{base}/.well-known/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks", self.server.url())
    }

    /// The issuer string in tokens (default `https://token.actions.githubusercontent.com`).
    pub fn issuer(&self) -> String {
        lock(&self.state).claims.issuer.clone()
    }

    /// The public JWKS.
    pub fn jwks(&self) -> Value {
        jwks(&[&lock(&self.state).key])
    }

    /// The signing key (e.g. to sign hand-made claims).
    pub fn key(&self) -> JwtKey {
        lock(&self.state).key.clone()
    }

    /// The current claims template.
    pub fn claims(&self) -> Claims {
        lock(&self.state).claims.clone()
    }

    /// Replace the claims template for tokens issued from now on.
    pub fn set_claims(&self, claims: Claims) {
        lock(&self.state).claims = claims;
    }

    /// Mint a token directly (no HTTP), recorded like an HTTP-issued one.
    pub fn mint(&self, audience: &str) -> String {
        issue(&self.state, audience)
    }

    /// Sign arbitrary claims with the issuer's key (not recorded).
    pub fn sign(&self, claims: &Value) -> String {
        lock(&self.state).key.sign(claims)
    }

    /// Every token issued so far (HTTP or [`GithubOidc::mint`]).
    pub fn issued(&self) -> Vec<IssuedToken> {
        lock(&self.state).issued.clone()
    }

    /// Requests to the token endpoint so far.
    pub fn token_requests(&self) -> usize {
        self.server.count("/token")
    }

    /// The environment of a GitHub Actions job with `permissions: id-token: write`:
    /// `ACTIONS_ID_TOKEN_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`,
    /// `GITHUB_ACTIONS=true` and the `GITHUB_*` variables matching the claims.
    pub fn env_vars(&self) -> Vec<(String, String)> {
        let mut env = self.env_vars_without_id_token();
        env.push(("ACTIONS_ID_TOKEN_REQUEST_URL".into(), self.request_url()));
        env.push((
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            self.request_token(),
        ));
        env
    }

    /// The same job without `id-token: write` (no `ACTIONS_ID_TOKEN_*` variables).
    pub fn env_vars_without_id_token(&self) -> Vec<(String, String)> {
        lock(&self.state).claims.github_env()
    }
}

fn issue(state: &Mutex<GithubState>, audience: &str) -> String {
    let mut st = lock(state);
    let jti = random_uuid();
    let claims = st.claims.to_json(audience, &jti);
    let jwt = st.key.sign(&claims);
    st.issued.push(IssuedToken {
        audience: audience.to_string(),
        jti,
        jwt: jwt.clone(),
        claims,
    });
    jwt
}

fn github_handler(state: &Mutex<GithubState>, req: &Request) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/token") => {
            let expected = lock(state).request_token.clone();
            let auth = req.header("authorization").unwrap_or("");
            let ok = auth.split_once(' ').is_some_and(|(scheme, tok)| {
                scheme.eq_ignore_ascii_case("bearer") && tok.trim() == expected
            });
            if !ok {
                return Response::json(
                    401,
                    &json!({"message": "Unauthorized: missing or invalid bearer token"}),
                );
            }
            let audience = req.query_param("audience").unwrap_or_else(|| {
                format!("https://github.com/{}", lock(state).claims.repository_owner)
            });
            let jwt = issue(state, &audience);
            Response::json(200, &json!({ "value": jwt }))
        }
        ("GET", "/.well-known/jwks") => Response::json(200, &jwks(&[&lock(state).key])),
        ("GET", "/.well-known/openid-configuration") => {
            let issuer = lock(state).claims.issuer.clone();
            let base = req.base_url();
            Response::json(
                200,
                &json!({
                    "issuer": issuer,
                    "jwks_uri": format!("{base}/.well-known/jwks"),
                    "subject_types_supported": ["public", "pairwise"],
                    "response_types_supported": ["id_token"],
                    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                    "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf",
                        "ref", "repository", "repository_id", "repository_owner",
                        "repository_owner_id", "run_id", "run_number", "run_attempt",
                        "actor", "actor_id", "workflow", "workflow_ref", "workflow_sha",
                        "head_ref", "base_ref", "event_name", "ref_type", "environment",
                        "job_workflow_ref", "job_workflow_sha", "runner_environment"],
                }),
            )
        }
        _ => Response::json(404, &json!({"message": "Not Found"})),
    }
}

/// The claims a [`GitlabOidc`] puts into its tokens. `Default`: project `octo-org/demo-pkg`
/// on a tag pipeline for `v0.1.0` with CI file `.gitlab-ci.yml` in environment `pypi`.
#[derive(Clone, Debug)]
pub struct GitlabClaims {
    /// `namespace/project` (`project_path`).
    pub project_path: String,
    pub namespace_id: String,
    pub project_id: String,
    /// The CI config file path (`.gitlab-ci.yml`).
    pub ci_config_path: String,
    /// `ref`, e.g. `v0.1.0`.
    pub git_ref: String,
    pub ref_type: String,
    pub sha: String,
    pub environment: Option<String>,
    pub pipeline_source: String,
    pub user_login: String,
    /// Seconds from `iat` to `exp`.
    pub lifetime_secs: i64,
    /// Added to "now" before computing the times.
    pub time_shift_secs: i64,
    /// Claims merged last.
    pub extra: Map<String, Value>,
    /// Claims removed.
    pub omit: Vec<String>,
}

impl Default for GitlabClaims {
    fn default() -> Self {
        GitlabClaims {
            project_path: "octo-org/demo-pkg".into(),
            namespace_id: "3000003".into(),
            project_id: "4000004".into(),
            ci_config_path: ".gitlab-ci.yml".into(),
            git_ref: "v0.1.0".into(),
            ref_type: "tag".into(),
            sha: "3a1f4c5e9d2b7a8c6e0f1b2d3c4a5e6f7a8b9c0d".into(),
            environment: Some("pypi".into()),
            pipeline_source: "push".into(),
            user_login: "octocat".into(),
            lifetime_secs: 300,
            time_shift_secs: 0,
            extra: Map::new(),
            omit: Vec::new(),
        }
    }
}

impl GitlabClaims {
    /// Set `project_path` (`namespace/project`).
    pub fn project(mut self, path: &str) -> Self {
        self.project_path = path.to_string();
        self
    }

    /// Set the top-level CI config file path.
    pub fn config_path(mut self, path: &str) -> Self {
        self.ci_config_path = path.to_string();
        self
    }

    /// Set or clear `environment`.
    pub fn environment(mut self, env: Option<&str>) -> Self {
        self.environment = env.map(str::to_string);
        self
    }

    /// Replace or add a claim.
    pub fn set(mut self, name: &str, value: Value) -> Self {
        self.extra.insert(name.to_string(), value);
        self
    }

    /// Remove a claim.
    pub fn without(mut self, name: &str) -> Self {
        self.omit.push(name.to_string());
        self
    }

    /// A child pipeline (`trigger: include:`): GitLab leaves `ci_config_ref_uri` and
    /// `ci_config_sha` empty and sets `pipeline_source` to `parent_pipeline`.
    pub fn child_pipeline(mut self) -> Self {
        self.pipeline_source = "parent_pipeline".into();
        self.set("ci_config_ref_uri", json!(""))
            .set("ci_config_sha", json!(""))
    }

    /// `refs/tags/<ref>` or `refs/heads/<ref>`.
    pub fn ref_path(&self) -> String {
        if self.ref_type == "tag" {
            format!("refs/tags/{}", self.git_ref)
        } else {
            format!("refs/heads/{}", self.git_ref)
        }
    }

    /// The claim set for one token from `issuer` (whose host prefixes `ci_config_ref_uri`).
    pub fn to_json(&self, issuer: &str, audience: &str, jti: &str) -> Value {
        let now = now_unix() + self.time_shift_secs;
        let host = issuer
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/');
        let namespace = self
            .project_path
            .rsplit_once('/')
            .map(|(n, _)| n.to_string())
            .unwrap_or_default();
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("namespace_id", json!(self.namespace_id));
        put("namespace_path", json!(namespace));
        put("project_id", json!(self.project_id));
        put("project_path", json!(self.project_path));
        put("user_id", json!("5000005"));
        put("user_login", json!(self.user_login));
        put(
            "user_email",
            json!(format!("{}@example.org", self.user_login)),
        );
        put("user_access_level", json!("maintainer"));
        put("pipeline_id", json!("6000006"));
        put("pipeline_source", json!(self.pipeline_source));
        put("job_id", json!("7000007"));
        put("ref", json!(self.git_ref));
        put("ref_type", json!(self.ref_type));
        put("ref_path", json!(self.ref_path()));
        put("ref_protected", json!("true"));
        if let Some(env) = &self.environment {
            put("environment", json!(env));
            put("environment_protected", json!("true"));
            put("deployment_tier", json!("production"));
        }
        put("runner_id", json!(1));
        put("runner_environment", json!("gitlab-hosted"));
        put("sha", json!(self.sha));
        put("project_visibility", json!("public"));
        put(
            "ci_config_ref_uri",
            json!(format!(
                "{host}/{}//{}@{}",
                self.project_path,
                self.ci_config_path,
                self.ref_path()
            )),
        );
        put("ci_config_sha", json!(self.sha));
        put("jti", json!(jti));
        put("iss", json!(issuer));
        put("iat", json!(now));
        put("nbf", json!(now - 5));
        put("exp", json!(now + self.lifetime_secs));
        put(
            "sub",
            json!(format!(
                "project_path:{}:ref_type:{}:ref:{}",
                self.project_path, self.ref_type, self.git_ref
            )),
        );
        put("aud", json!(audience));
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        for k in &self.omit {
            m.remove(k);
        }
        Value::Object(m)
    }
}

/// A GitLab issuer: it mints the JWTs GitLab CI puts into `<AUD>_ID_TOKEN` variables
/// (`id_tokens: PYPI_ID_TOKEN: aud: pypi`). [`GitlabOidc::new`] has no server;
/// [`GitlabOidc::start`] also serves discovery and JWKS. Trust it in the PyPI stand-in with
/// [`super::pypi::Index::trust_gitlab`].
pub struct GitlabOidc {
    issuer: String,
    key: JwtKey,
    claims: Mutex<GitlabClaims>,
    issued: Arc<Mutex<Vec<IssuedToken>>>,
    server: Option<Server>,
}

impl GitlabOidc {
    /// Issuer `https://gitlab.com`, ES256 key, default claims.
    pub fn new() -> GitlabOidc {
        GitlabOidc::with(GITLAB_ISSUER, GitlabClaims::default(), Alg::Es256)
    }

    /// A custom issuer URL (self-managed GitLab), claims and algorithm.
    pub fn with(issuer: &str, claims: GitlabClaims, alg: Alg) -> GitlabOidc {
        GitlabOidc {
            issuer: issuer.to_string(),
            key: JwtKey::generate(alg),
            claims: Mutex::new(claims),
            issued: Arc::new(Mutex::new(Vec::new())),
            server: None,
        }
    }

    /// An HTTP issuer: `GET /.well-known/openid-configuration` (issuer, `jwks_uri`, GitLab's
    /// claims) and `GET /oauth/discovery/keys` (the JWKS). `issuer`: the `iss` of its tokens;
    /// `None` makes it the server's own URL (a self-managed instance).
    pub fn start(issuer: Option<&str>, claims: GitlabClaims) -> GitlabOidc {
        let key = JwtKey::generate(Alg::Es256);
        let issuer_cell: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
        let handler_key = key.clone();
        let handler_issuer = Arc::clone(&issuer_cell);
        let server =
            Server::start(move |req| gitlab_handler(&lock(&handler_issuer), &handler_key, req));
        let iss = issuer.map(str::to_string).unwrap_or_else(|| server.url());
        *lock(&issuer_cell) = iss.clone();
        GitlabOidc {
            issuer: iss,
            key,
            claims: Mutex::new(claims),
            issued: Arc::new(Mutex::new(Vec::new())),
            server: Some(server),
        }
    }

    /// The HTTP server of [`GitlabOidc::start`].
    pub fn server(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    pub fn issuer(&self) -> String {
        self.issuer.clone()
    }

    pub fn jwks(&self) -> Value {
        jwks(&[&self.key])
    }

    pub fn key(&self) -> JwtKey {
        self.key.clone()
    }

    pub fn claims(&self) -> GitlabClaims {
        lock(&self.claims).clone()
    }

    pub fn set_claims(&self, claims: GitlabClaims) {
        *lock(&self.claims) = claims;
    }

    /// A fresh token (new `jti`) for `audience`, recorded.
    pub fn mint(&self, audience: &str) -> String {
        let jti = random_uuid();
        let claims = lock(&self.claims).to_json(&self.issuer, audience, &jti);
        let jwt = self.key.sign(&claims);
        lock(&self.issued).push(IssuedToken {
            audience: audience.to_string(),
            jti,
            jwt: jwt.clone(),
            claims,
        });
        jwt
    }

    /// Every token minted so far.
    pub fn issued(&self) -> Vec<IssuedToken> {
        lock(&self.issued).clone()
    }

    /// The GitLab CI job environment: `<AUD>_ID_TOKEN` (for audience `pypi`:
    /// `PYPI_ID_TOKEN`) holding a fresh token, plus `GITLAB_CI`, `CI`, `CI_PROJECT_PATH`, ...
    pub fn env_vars(&self, audience: &str) -> Vec<(String, String)> {
        let mut env = self.env_vars_without_id_token();
        env.insert(0, (gitlab_variable(audience), self.mint(audience)));
        env
    }

    /// The same job environment for several audiences (`pypi` and `sigstore`).
    pub fn env_vars_for(&self, audiences: &[&str]) -> Vec<(String, String)> {
        let mut env = self.env_vars_without_id_token();
        for aud in audiences {
            env.push((gitlab_variable(aud), self.mint(aud)));
        }
        env
    }

    /// A GitLab CI job without `id_tokens:` (no `<AUD>_ID_TOKEN`).
    pub fn env_vars_without_id_token(&self) -> Vec<(String, String)> {
        let c = self.claims();
        let server = self.issuer.trim_end_matches('/').to_string();
        let host = server
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string();
        vec![
            ("GITLAB_CI".into(), "true".into()),
            ("CI".into(), "true".into()),
            ("CI_SERVER_URL".into(), server),
            ("CI_SERVER_HOST".into(), host),
            ("CI_PROJECT_PATH".into(), c.project_path.clone()),
            ("CI_PROJECT_ID".into(), c.project_id.clone()),
            ("CI_COMMIT_REF_NAME".into(), c.git_ref.clone()),
            ("CI_COMMIT_SHA".into(), c.sha.clone()),
            ("CI_CONFIG_PATH".into(), c.ci_config_path.clone()),
            ("CI_PIPELINE_SOURCE".into(), c.pipeline_source.clone()),
        ]
    }
}

/// `<AUD>_ID_TOKEN` as GitLab's `id_tokens:` users name it (ambient-id's rule).
pub fn gitlab_variable(audience: &str) -> String {
    let var: String = audience
        .chars()
        .enumerate()
        .map(|(i, ch)| {
            let ch = ch.to_ascii_uppercase();
            if ch.is_ascii_uppercase() || ch == '_' || (i > 0 && ch.is_ascii_digit()) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    format!("{var}_ID_TOKEN")
}

fn gitlab_handler(issuer: &str, key: &JwtKey, req: &Request) -> Response {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/oauth/discovery/keys") => Response::json(200, &jwks(&[key])),
        ("GET", "/.well-known/openid-configuration") => Response::json(
            200,
            &json!({
                "issuer": issuer,
                "jwks_uri": format!("{}/oauth/discovery/keys", req.base_url()),
                "response_types_supported": ["code", "token", "id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti",
                    "namespace_id", "namespace_path", "project_id", "project_path",
                    "user_id", "user_login", "user_email", "user_access_level",
                    "pipeline_id", "pipeline_source", "job_id", "ref", "ref_type",
                    "ref_path", "ref_protected", "environment", "environment_protected",
                    "deployment_tier", "runner_id", "runner_environment", "sha",
                    "project_visibility", "ci_config_ref_uri", "ci_config_sha"],
            }),
        ),
        _ => Response::json(404, &json!({"message": "404 Not Found"})),
    }
}

impl Default for GitlabOidc {
    fn default() -> Self {
        GitlabOidc::new()
    }
}
