//! A PyPI (warehouse) stand-in: Trusted Publishing exchange, legacy upload, Simple API and
//! JSON API, with warehouse's wire formats (reference/publish.md §2, §3).
//!
//! Endpoints:
//! - `GET /_/oidc/audience` → `{"audience": "pypi"}`; disabled → 403
//!   `{"message": "Trusted publishing functionality not enabled"}`.
//! - `POST /_/oidc/mint-token` (and the legacy alias `/_/oidc/github/mint-token`), body
//!   `{"token": JWT}` → `{"success": true, "token": "pypi-…", "expires": …}` or 422
//!   `{"message": "Token request failed", "errors": [{"code", "description"}]}`. The JWT is
//!   really verified (ES256/RS256 against the trusted issuer's JWKS, `exp`/`nbf`/`iat` with
//!   30 s leeway, `aud`), then matched against the configured publishers as
//!   `warehouse/oidc/models/github.py` does, and its `jti` can be used once.
//! - `POST /legacy/` multipart upload (`POST /legacy` → 308 to `/legacy/`), HTTP Basic
//!   `__token__:<token>`. Errors put the message in the reason phrase and render the body
//!   as pyramid does: JSON `{"message", "code", "title"}` when `Accept` prefers
//!   `application/json`, HTML when it prefers `text/html` (or has no Accept header), plain
//!   text otherwise.
//! - `POST /_/oidc/burn-token`, body `{"token": "pypi-…"}` → always 202
//!   `{"message": "Accepted", "errors": []}`; a token minted by Trusted Publishing is revoked.
//! - Uploads to a release first uploaded more than 14 days ago are refused (400
//!   `Uploading new files to releases older than 14 days is not allowed.`); an identical
//!   re-upload is still a 200 no-op. Attestations follow warehouse's rules (only with Trusted
//!   Publishing; a non-empty JSON array of structurally valid attestations, at most 2, one per
//!   predicate type, each over this very file), refused with warehouse's messages.
//! - A 200 answer's body is the newline-joined warnings, as warehouse's; with
//!   [`Index::set_two_factor_enabled`]`(false)` an upload with a user's API token warns
//!   `Two factor authentication is not enabled for your account.`
//!   [`Index::with_attestation_verifier`] adds warehouse's real check (`attestation.verify(
//!   publisher.attestation_identity, dist)`): a hook asked about each attestation, after the
//!   structural checks, with the publisher the upload's token was minted for; its `Err(reason)`
//!   is a 400 `Invalid attestations supplied during upload: Could not verify the uploaded
//!   artifact using the included attestation: <reason>`.
//! - `GET /simple/`, `GET /simple/<project>/` (PEP 691 JSON or PEP 503 HTML with `#sha256=`,
//!   api-version 1.3: a file with attestations has `provenance` / `data-provenance`),
//!   `GET /pypi/<project>/json`, `GET /pypi/<project>/<version>/json`,
//!   `GET /packages/<filename>`. The simple JSON lists `hashes.sha256` only, as warehouse
//!   does. [`Index::list_after`] delays a file's listing on the simple page by N requests of
//!   it (a CDN still serving the old page); [`Index::simple_requests`] counts them.
//! - `GET /integrity/<project>/<version>/<filename>/provenance`: warehouse's Integrity API
//!   (see [`integrity`]), serving the accepted attestations with their publisher; knobs
//!   switch it off (403), drop a file's provenance or serve a different one.
//!
//! Stand-in strictness beyond warehouse: `requires_python` (and the other fields in
//! [`DEFAULT_REQUIRED_FIELDS`]) must be present in an upload, so uploader tests catch a
//! missing field; [`Index::set_required_fields`] changes the list.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::http::{Request, Response, Server};
use super::oidc::{Claims, GithubOidc, GitlabClaims, GitlabOidc};
use super::util::{blake2_256_hex, lock, normalize_name, now_unix, sha256_hex};

mod exchange;
pub mod integrity;
mod read;
pub mod upload;

use integrity::ServedProvenance;

/// Fields an upload must carry (see the module docs).
pub const DEFAULT_REQUIRED_FIELDS: &[&str] = &[
    "name",
    "version",
    "filetype",
    "pyversion",
    "metadata_version",
    "requires_python",
];

/// What the verification hook is asked about: one attestation of one upload, and the
/// identity warehouse verifies it against (`publisher.attestation_identity`: the trusted
/// publisher the upload's Trusted Publishing token was minted for).
///
/// For a GitLab publisher `repository` is `namespace/project` and `workflow` the CI file
/// path (`workflow_filepath`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttestationCheck {
    /// The attestation object, serialized as JSON.
    pub attestation_json: String,
    /// The uploaded file's name.
    pub filename: String,
    /// The uploaded file's sha256, as computed by the index (lower-case hex).
    pub sha256: String,
    /// `owner/repo` of the trusted publisher.
    pub repository: String,
    /// The publisher's workflow file name, e.g. `release.yml`.
    pub workflow: String,
    /// The publisher's environment (`None`: the publisher accepts any environment).
    pub environment: Option<String>,
}

/// An upload-time attestation verifier: `Err(reason)` refuses the upload with warehouse's
/// `Could not verify the uploaded artifact using the included attestation: <reason>`.
pub type AttestationVerifier = Arc<dyn Fn(&AttestationCheck) -> Result<(), String> + Send + Sync>;

/// A GitHub trusted publisher (warehouse's `GitHubPublisher` columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubPublisher {
    pub owner: String,
    pub repository: String,
    pub owner_id: String,
    /// e.g. `release.yml`.
    pub workflow_filename: String,
    /// `""`: any environment.
    pub environment: String,
}

impl GithubPublisher {
    pub fn new(owner: &str, repository: &str, owner_id: &str, workflow_filename: &str) -> Self {
        GithubPublisher {
            owner: owner.into(),
            repository: repository.into(),
            owner_id: owner_id.into(),
            workflow_filename: workflow_filename.into(),
            environment: String::new(),
        }
    }

    /// Bind to an environment (stored lower-cased, as warehouse does).
    pub fn environment(mut self, env: &str) -> Self {
        self.environment = env.to_lowercase();
        self
    }

    /// The publisher a maintainer would register for a job with these claims.
    pub fn matching(claims: &Claims) -> Self {
        let (owner, repo) = claims
            .repository
            .split_once('/')
            .unwrap_or((claims.repository.as_str(), ""));
        let p = GithubPublisher::new(
            owner,
            repo,
            &claims.repository_owner_id,
            &claims.workflow_file,
        );
        match &claims.environment {
            Some(env) => p.environment(env),
            None => p,
        }
    }
}

/// A GitLab trusted publisher (warehouse's `GitLabPublisher` columns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitlabPublisher {
    pub namespace: String,
    pub project: String,
    /// e.g. `.gitlab-ci.yml`.
    pub workflow_filepath: String,
    /// `""`: any environment.
    pub environment: String,
}

impl GitlabPublisher {
    pub fn new(namespace: &str, project: &str, workflow_filepath: &str) -> Self {
        GitlabPublisher {
            namespace: namespace.into(),
            project: project.into(),
            workflow_filepath: workflow_filepath.into(),
            environment: String::new(),
        }
    }

    pub fn environment(mut self, env: &str) -> Self {
        self.environment = env.to_string();
        self
    }

    /// The publisher matching these claims.
    pub fn matching(claims: &GitlabClaims) -> Self {
        let (ns, project) = claims
            .project_path
            .rsplit_once('/')
            .unwrap_or(("", claims.project_path.as_str()));
        let p = GitlabPublisher::new(ns, project, &claims.ci_config_path);
        match &claims.environment {
            Some(env) => p.environment(env),
            None => p,
        }
    }
}

/// Either kind of publisher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Publisher {
    Github(GithubPublisher),
    Gitlab(GitlabPublisher),
}

impl Publisher {
    fn kind(&self) -> IssuerKind {
        match self {
            Publisher::Github(_) => IssuerKind::Github,
            Publisher::Gitlab(_) => IssuerKind::Gitlab,
        }
    }

    fn describe(&self) -> String {
        match self {
            Publisher::Github(p) => format!(
                "GitHub {}/{} {} env={:?}",
                p.owner, p.repository, p.workflow_filename, p.environment
            ),
            Publisher::Gitlab(p) => format!(
                "GitLab {}/{} {} env={:?}",
                p.namespace, p.project, p.workflow_filepath, p.environment
            ),
        }
    }
}

/// What kind of CI an issuer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssuerKind {
    Github,
    Gitlab,
}

impl IssuerKind {
    fn service_name(self) -> &'static str {
        match self {
            IssuerKind::Github => "github",
            IssuerKind::Gitlab => "gitlab",
        }
    }
}

#[derive(Clone, Debug)]
struct Issuer {
    url: String,
    kind: IssuerKind,
    jwks: Value,
}

#[derive(Clone, Debug)]
struct RegisteredPublisher {
    publisher: Publisher,
    /// Normalized project names.
    projects: Vec<String>,
}

#[derive(Clone, Debug)]
struct PendingPublisher {
    publisher: Publisher,
    project_name: String,
}

/// A token the index accepts for uploads.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub token: String,
    /// Unix time after which the token is refused (`None`: never).
    pub expires: Option<i64>,
    /// Normalized projects it may upload to (`None`: any, and it may create projects — a
    /// user's account-wide API token).
    pub projects: Option<Vec<String>>,
    /// Minted by Trusted Publishing (a non-user identity: cannot create projects).
    pub minted: bool,
    /// The JWT `jti` it was minted from.
    pub jti: Option<String>,
    /// The trusted publisher it was minted for (Trusted Publishing only).
    pub publisher: Option<Publisher>,
}

/// A stored distribution file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub filename: String,
    /// Normalized project name.
    pub project: String,
    pub version: String,
    pub filetype: String,
    pub pyversion: String,
    pub requires_python: String,
    pub sha256: String,
    pub blake2_256: String,
    pub data: Vec<u8>,
    pub upload_time: i64,
    /// The accepted PEP 740 attestations (empty: none).
    pub attestations: Vec<Value>,
    /// The trusted publisher that uploaded it (`None`: an API token, or seeded).
    pub publisher: Option<Publisher>,
}

impl StoredFile {
    /// The provenance object the index holds (warehouse's `file.provenance`): one bundle of
    /// the publisher and the attestations; `None` without attestations.
    pub fn provenance(&self) -> Option<Value> {
        let publisher = self.publisher.as_ref()?;
        (!self.attestations.is_empty())
            .then(|| integrity::provenance_json(publisher, &self.attestations))
    }
}

/// One upload request that got past authentication and form parsing.
#[derive(Clone, Debug)]
pub struct Upload {
    pub filename: String,
    /// Every text field, in order (multi-valued fields repeat).
    pub fields: Vec<(String, String)>,
    /// Size of the `content` part.
    pub size: usize,
    /// Digests computed by the stand-in.
    pub sha256: String,
    pub blake2_256: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The error message (reason phrase) for a refusal, empty on success.
    pub message: String,
    /// An identical re-upload (answered 200, nothing stored).
    pub duplicate: bool,
    /// The token used.
    pub token: String,
}

impl Upload {
    /// First value of a text field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (multi-valued) field.
    pub fn field_all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Accepted (stored or identical re-upload).
    pub fn accepted(&self) -> bool {
        self.status == 200
    }
}

/// One mint-token exchange.
#[derive(Clone, Debug)]
pub struct MintRecord {
    /// 200 or 422.
    pub status: u16,
    /// The error codes returned (empty on success).
    pub error_codes: Vec<String>,
    /// The error descriptions returned.
    pub descriptions: Vec<String>,
    /// The minted token on success.
    pub token: Option<String>,
    /// The claims of the presented JWT (unverified), when it decoded.
    pub claims: Option<Value>,
}

struct State {
    audience: String,
    enabled: bool,
    token_lifetime: i64,
    required_fields: Vec<String>,
    issuers: Vec<Issuer>,
    publishers: Vec<RegisteredPublisher>,
    pending: Vec<PendingPublisher>,
    /// Normalized names of existing projects.
    projects: BTreeSet<String>,
    tokens: HashMap<String, TokenInfo>,
    used_jti: HashSet<String>,
    mints: Vec<MintRecord>,
    files: BTreeMap<String, StoredFile>,
    uploads: Vec<Upload>,
    serial: u64,
    /// Tokens presented to `/_/oidc/burn-token`, in order.
    burned: Vec<String>,
    /// Minted tokens revoked by a burn (refused from then on).
    revoked: HashSet<String>,
    /// The account behind user API tokens has two-factor authentication.
    two_factor: bool,
    /// The upload-time attestation verifier.
    verifier: Option<AttestationVerifier>,
    /// Every attestation check made (with or without a verifier), in order.
    attestation_checks: Vec<AttestationCheck>,
    /// The Integrity API answers (false: 403, warehouse's `DISABLE_PEP740`).
    integrity_enabled: bool,
    /// Integrity API overrides by filename.
    served_provenance: HashMap<String, ServedProvenance>,
    /// Delayed visibility: a file left out of its project's simple page for this many
    /// requests of that page.
    listed_after: HashMap<String, usize>,
    /// Requests of each project's simple page (`/simple/<project>/`, either format).
    simple_requests: HashMap<String, usize>,
    /// Yanked files (PEP 592): filename -> reason (may be empty).
    yanked: HashMap<String, String>,
}

/// The PyPI stand-in. Drop stops it.
pub struct Index {
    state: Arc<Mutex<State>>,
    server: Server,
}

impl Index {
    /// An index with audience `pypi`, Trusted Publishing enabled, no trusted issuers, no
    /// publishers, no projects, minted tokens valid 900 s.
    pub fn start() -> Index {
        let state = Arc::new(Mutex::new(State {
            audience: "pypi".into(),
            enabled: true,
            token_lifetime: 900,
            required_fields: DEFAULT_REQUIRED_FIELDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            issuers: Vec::new(),
            publishers: Vec::new(),
            pending: Vec::new(),
            projects: BTreeSet::new(),
            tokens: HashMap::new(),
            used_jti: HashSet::new(),
            mints: Vec::new(),
            files: BTreeMap::new(),
            uploads: Vec::new(),
            serial: 0,
            burned: Vec::new(),
            revoked: HashSet::new(),
            two_factor: true,
            verifier: None,
            attestation_checks: Vec::new(),
            integrity_enabled: true,
            served_provenance: HashMap::new(),
            listed_after: HashMap::new(),
            simple_requests: HashMap::new(),
            yanked: HashMap::new(),
        }));
        let handler_state = Arc::clone(&state);
        let server = Server::start(move |req| handle(&handler_state, req));
        Index { state, server }
    }

    /// An index that trusts `oidc` and has project `<repo name>` (from its claims) with a
    /// publisher matching the claims: the happy path.
    pub fn for_github(oidc: &GithubOidc) -> Index {
        let index = Index::start();
        index.trust_github(oidc);
        let claims = oidc.claims();
        let project = claims
            .repository
            .split_once('/')
            .map(|(_, r)| r.to_string())
            .unwrap_or_else(|| claims.repository.clone());
        index.add_github_publisher(&project, GithubPublisher::matching(&claims));
        index
    }

    /// The underlying server (fault injection, request log).
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Same as [`Index::url`].
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// `{base}/legacy/`.
    pub fn upload_url(&self) -> String {
        format!("{}/legacy/", self.server.url())
    }

    /// `{base}/simple/`.
    pub fn simple_url(&self) -> String {
        format!("{}/simple/", self.server.url())
    }

    /// `{base}/_/oidc/audience`.
    pub fn audience_url(&self) -> String {
        format!("{}/_/oidc/audience", self.server.url())
    }

    /// `{base}/_/oidc/mint-token`.
    pub fn mint_url(&self) -> String {
        format!("{}/_/oidc/mint-token", self.server.url())
    }

    /// Trust a GitHub OIDC stand-in's issuer and keys.
    pub fn trust_github(&self, oidc: &GithubOidc) {
        self.trust_issuer(&oidc.issuer(), IssuerKind::Github, oidc.jwks());
    }

    /// Trust a GitLab stand-in's issuer and keys.
    pub fn trust_gitlab(&self, oidc: &GitlabOidc) {
        self.trust_issuer(&oidc.issuer(), IssuerKind::Gitlab, oidc.jwks());
    }

    /// Trust an issuer URL with a JWKS (replaces an earlier entry for the same URL).
    pub fn trust_issuer(&self, url: &str, kind: IssuerKind, jwks: Value) {
        let mut st = lock(&self.state);
        st.issuers.retain(|i| i.url != url);
        st.issuers.push(Issuer {
            url: url.to_string(),
            kind,
            jwks,
        });
    }

    /// The audience served and required in JWTs (default `pypi`).
    pub fn set_audience(&self, audience: &str) {
        lock(&self.state).audience = audience.to_string();
    }

    /// Enable or disable Trusted Publishing (disabled: audience 403, mint `not-enabled`).
    pub fn set_trusted_publishing(&self, enabled: bool) {
        lock(&self.state).enabled = enabled;
    }

    /// Seconds a minted token is valid (default 900; `expires` = now + this). Zero or
    /// negative values hand out already-expired tokens.
    pub fn set_token_lifetime(&self, secs: i64) {
        lock(&self.state).token_lifetime = secs;
    }

    /// Replace the list of fields an upload must carry.
    pub fn set_required_fields(&self, fields: &[&str]) {
        lock(&self.state).required_fields = fields.iter().map(|s| s.to_string()).collect();
    }

    /// Create a project (no files).
    pub fn add_project(&self, name: &str) {
        lock(&self.state).projects.insert(normalize_name(name));
    }

    /// Whether a project exists.
    pub fn has_project(&self, name: &str) -> bool {
        lock(&self.state).projects.contains(&normalize_name(name))
    }

    /// Register a GitHub publisher for `project` (created if missing).
    pub fn add_github_publisher(&self, project: &str, publisher: GithubPublisher) {
        self.add_publisher(project, Publisher::Github(publisher));
    }

    /// Register a GitLab publisher for `project` (created if missing).
    pub fn add_gitlab_publisher(&self, project: &str, publisher: GitlabPublisher) {
        self.add_publisher(project, Publisher::Gitlab(publisher));
    }

    /// Register a publisher for `project` (created if missing).
    pub fn add_publisher(&self, project: &str, publisher: Publisher) {
        let mut st = lock(&self.state);
        let name = normalize_name(project);
        st.projects.insert(name.clone());
        attach_publisher(&mut st, publisher, &name);
    }

    /// Register a pending GitHub publisher: the first mint creates `project_name`.
    pub fn add_pending_github_publisher(&self, project_name: &str, publisher: GithubPublisher) {
        lock(&self.state).pending.push(PendingPublisher {
            publisher: Publisher::Github(publisher),
            project_name: project_name.to_string(),
        });
    }

    /// Register a pending GitLab publisher.
    pub fn add_pending_gitlab_publisher(&self, project_name: &str, publisher: GitlabPublisher) {
        lock(&self.state).pending.push(PendingPublisher {
            publisher: Publisher::Gitlab(publisher),
            project_name: project_name.to_string(),
        });
    }

    /// Pending publishers not yet used.
    pub fn pending_publishers(&self) -> usize {
        lock(&self.state).pending.len()
    }

    /// Accept a classic API token. `projects`: `None` for an account-wide token (may create
    /// projects), or the project names it is scoped to.
    pub fn add_api_token(&self, token: &str, projects: Option<&[&str]>) {
        lock(&self.state).tokens.insert(
            token.to_string(),
            TokenInfo {
                token: token.to_string(),
                expires: None,
                projects: projects.map(|ps| ps.iter().map(|p| normalize_name(p)).collect()),
                minted: false,
                jti: None,
                publisher: None,
            },
        );
    }

    /// Store a file directly (e.g. "already uploaded" for skip-existing tests).
    pub fn seed_file(&self, project: &str, version: &str, filename: &str, data: &[u8]) {
        self.seed_file_at(project, version, filename, data, now_unix());
    }

    /// Tokens presented to `/_/oidc/burn-token`, in order.
    pub fn burned_tokens(&self) -> Vec<String> {
        lock(&self.state).burned.clone()
    }

    /// Whether the account behind user API tokens has 2FA (default true); without it, uploads
    /// answer 200 with warehouse's warning in the body.
    pub fn set_two_factor_enabled(&self, enabled: bool) {
        lock(&self.state).two_factor = enabled;
    }

    /// [`Index::seed_file`] with an upload time (unix seconds), e.g. 20 days ago.
    pub fn seed_file_at(
        &self,
        project: &str,
        version: &str,
        filename: &str,
        data: &[u8],
        upload_time: i64,
    ) {
        let mut st = lock(&self.state);
        let name = normalize_name(project);
        st.projects.insert(name.clone());
        st.serial += 1;
        let filetype = if filename.ends_with(".whl") {
            "bdist_wheel"
        } else {
            "sdist"
        };
        st.files.insert(
            filename.to_string(),
            StoredFile {
                filename: filename.to_string(),
                project: name,
                version: version.to_string(),
                filetype: filetype.into(),
                pyversion: if filetype == "sdist" {
                    "source".into()
                } else {
                    "py3".into()
                },
                requires_python: String::new(),
                sha256: sha256_hex(data),
                blake2_256: blake2_256_hex(data),
                data: data.to_vec(),
                upload_time,
                attestations: Vec::new(),
                publisher: None,
            },
        );
    }

    /// Upload requests that got past authentication and form parsing (accepted or not).
    pub fn upload_attempts(&self) -> Vec<Upload> {
        lock(&self.state).uploads.clone()
    }

    /// Accepted uploads (stored, or identical re-uploads answered 200).
    pub fn uploads(&self) -> Vec<Upload> {
        lock(&self.state)
            .uploads
            .iter()
            .filter(|u| u.accepted())
            .cloned()
            .collect()
    }

    /// Stored files, by filename.
    pub fn files(&self) -> Vec<StoredFile> {
        lock(&self.state).files.values().cloned().collect()
    }

    /// The bytes of a stored file.
    pub fn file(&self, filename: &str) -> Option<Vec<u8>> {
        lock(&self.state)
            .files
            .get(filename)
            .map(|f| f.data.clone())
    }

    /// Every mint-token exchange so far.
    pub fn mints(&self) -> Vec<MintRecord> {
        lock(&self.state).mints.clone()
    }

    /// Tokens minted by Trusted Publishing.
    pub fn minted_tokens(&self) -> Vec<TokenInfo> {
        lock(&self.state)
            .tokens
            .values()
            .filter(|t| t.minted)
            .cloned()
            .collect()
    }

    /// Verify every uploaded attestation with `f` (after the structural checks), as warehouse
    /// does with `attestation.verify(publisher.attestation_identity, dist)`. `f` runs with
    /// the index locked: it must not call this index.
    pub fn with_attestation_verifier(
        self,
        f: impl Fn(&AttestationCheck) -> Result<(), String> + Send + Sync + 'static,
    ) -> Index {
        self.set_attestation_verifier(f);
        self
    }

    /// [`Index::with_attestation_verifier`] on a running index (replaces an earlier one).
    pub fn set_attestation_verifier(
        &self,
        f: impl Fn(&AttestationCheck) -> Result<(), String> + Send + Sync + 'static,
    ) {
        lock(&self.state).verifier = Some(Arc::new(f));
    }

    /// Every attestation check made at upload (one per attestation that passed the
    /// structural checks, with or without a verifier), in order.
    pub fn attestation_checks(&self) -> Vec<AttestationCheck> {
        lock(&self.state).attestation_checks.clone()
    }

    /// The attestations the index accepted with a file (empty: none, or no such file).
    pub fn attestations(&self, filename: &str) -> Vec<Value> {
        lock(&self.state)
            .files
            .get(filename)
            .map(|f| f.attestations.clone())
            .unwrap_or_default()
    }

    /// The provenance object the index holds for a file (not affected by the serving knobs).
    pub fn provenance(&self, filename: &str) -> Option<Value> {
        lock(&self.state)
            .files
            .get(filename)
            .and_then(StoredFile::provenance)
    }

    /// Give a stored (e.g. seeded) file provenance: `attestations` from `publisher`.
    pub fn seed_provenance(&self, filename: &str, publisher: Publisher, attestations: Vec<Value>) {
        let mut st = lock(&self.state);
        let file = st
            .files
            .get_mut(filename)
            .unwrap_or_else(|| panic!("seed_provenance: no stored file {filename}"));
        file.publisher = Some(publisher);
        file.attestations = attestations;
    }

    /// `{base}/integrity/<project>/<version>/<filename>/provenance` (normalized project).
    pub fn provenance_url(&self, project: &str, version: &str, filename: &str) -> String {
        format!(
            "{}/integrity/{}/{version}/{filename}/provenance",
            self.server.url(),
            normalize_name(project)
        )
    }

    /// Switch the Integrity API on or off (off: 403 `Attestations temporarily disabled`).
    pub fn set_integrity_api_enabled(&self, enabled: bool) {
        lock(&self.state).integrity_enabled = enabled;
    }

    /// The Integrity API (and the Simple API's provenance link) acts as if `filename` had no
    /// provenance: what the index recorded at upload stays in [`Index::provenance`].
    pub fn drop_provenance(&self, filename: &str) {
        lock(&self.state)
            .served_provenance
            .insert(filename.to_string(), ServedProvenance::Dropped);
    }

    /// The Integrity API serves `provenance` (any JSON) for `filename` instead of what the
    /// index holds.
    pub fn serve_provenance(&self, filename: &str, provenance: Value) {
        lock(&self.state)
            .served_provenance
            .insert(filename.to_string(), ServedProvenance::Replaced(provenance));
    }

    /// The Integrity API serves `attestations` (e.g. a tampered one) for `filename`, in a
    /// bundle with the publisher that uploaded it. Panics if the file has no publisher.
    pub fn serve_attestations(&self, filename: &str, attestations: Vec<Value>) {
        let publisher = lock(&self.state)
            .files
            .get(filename)
            .and_then(|f| f.publisher.clone())
            .unwrap_or_else(|| panic!("serve_attestations: {filename} has no publisher"));
        self.serve_provenance(
            filename,
            integrity::provenance_json(&publisher, &attestations),
        );
    }

    /// Undo [`Index::drop_provenance`] / [`Index::serve_provenance`] for `filename`.
    pub fn serve_stored_provenance(&self, filename: &str) {
        lock(&self.state).served_provenance.remove(filename);
    }

    /// Delayed visibility (a CDN still serving an old page): the project's simple page
    /// (JSON and HTML) leaves `filename` out for its next `requests` requests, counted by the
    /// stand-in, and lists it from the one after. The file stays downloadable.
    pub fn list_after(&self, filename: &str, requests: usize) {
        let mut st = lock(&self.state);
        let project = st.files.get(filename).map(|f| f.project.clone());
        let seen = project
            .and_then(|p| st.simple_requests.get(&p).copied())
            .unwrap_or(0);
        st.listed_after
            .insert(filename.to_string(), seen.saturating_add(requests));
    }

    /// Yank a file (PEP 592): the simple pages (`yanked` in JSON, `data-yanked` in HTML) and
    /// the JSON API (`yanked`, `yanked_reason`) say so from now on.
    pub fn yank(&self, filename: &str, reason: &str) {
        lock(&self.state)
            .yanked
            .insert(filename.to_string(), reason.to_string());
    }

    /// Requests of `/simple/<project>/` so far (normalized project, either format).
    pub fn simple_requests(&self, project: &str) -> usize {
        lock(&self.state)
            .simple_requests
            .get(&normalize_name(project))
            .copied()
            .unwrap_or(0)
    }

    /// Requests received for exactly this path (e.g. `/_/oidc/mint-token`, `/legacy/`).
    pub fn count(&self, path: &str) -> usize {
        self.server.count(path)
    }
}

fn attach_publisher(st: &mut State, publisher: Publisher, project: &str) {
    if let Some(existing) = st.publishers.iter_mut().find(|p| p.publisher == publisher) {
        if !existing.projects.iter().any(|p| p == project) {
            existing.projects.push(project.to_string());
        }
    } else {
        st.publishers.push(RegisteredPublisher {
            publisher,
            projects: vec![project.to_string()],
        });
    }
}

// ------------------------------------------------------------------------------------------
// Routing

fn handle(state: &Mutex<State>, req: &Request) -> Response {
    let path = req.path.as_str();
    match (req.method.as_str(), path) {
        (_, "/_/oidc/audience") => {
            if req.method != "GET" {
                return Response::text(405, "405 Method Not Allowed\n");
            }
            let st = lock(state);
            if !st.enabled {
                return Response::json(
                    403,
                    &json!({"message": "Trusted publishing functionality not enabled"}),
                );
            }
            Response::json(200, &json!({ "audience": st.audience }))
        }
        (_, "/_/oidc/burn-token") => {
            if req.method != "POST" {
                return Response::text(405, "405 Method Not Allowed\n");
            }
            exchange::burn(&mut lock(state), &req.body)
        }
        (_, "/_/oidc/mint-token" | "/_/oidc/github/mint-token") => {
            if req.method != "POST" {
                return Response::text(405, "405 Method Not Allowed\n");
            }
            exchange::mint(&mut lock(state), &req.body)
        }
        ("POST", "/legacy") => Response::redirect(308, &format!("{}/legacy/", req.base_url())),
        ("POST", "/legacy/") => upload::upload(&mut lock(state), req),
        ("GET", "/simple" | "/simple/") => read::simple_index(&lock(state), req),
        ("GET", p) if p.starts_with("/simple/") => {
            let rest = &p["/simple/".len()..];
            let name = rest.trim_end_matches('/');
            if !rest.ends_with('/') || name != normalize_name(name) {
                return Response::redirect(
                    301,
                    &format!("{}/simple/{}/", req.base_url(), normalize_name(name)),
                );
            }
            let mut st = lock(state);
            *st.simple_requests.entry(name.to_string()).or_insert(0) += 1;
            read::simple_project(&st, req, name)
        }
        ("GET", p) if p.starts_with("/pypi/") && p.ends_with("/json") => {
            let inner = p["/pypi/".len()..p.len() - "/json".len()].trim_end_matches('/');
            let (project, version) = match inner.split_once('/') {
                Some((p, v)) => (p, Some(v)),
                None => (inner, None),
            };
            read::json_api(&lock(state), req, project, version)
        }
        (_, p) if p.starts_with("/integrity/") => {
            integrity::handle(&lock(state), req, &p["/integrity/".len()..])
        }
        ("GET", p) if p.starts_with("/packages/") => {
            let filename = &p["/packages/".len()..];
            match lock(state).files.get(filename) {
                Some(f) => Response::new(200)
                    .header("Content-Type", "application/octet-stream")
                    .body(f.data.clone()),
                None => Response::text(404, "404 Not Found\n"),
            }
        }
        _ => Response::text(404, "404 Not Found\n"),
    }
}
