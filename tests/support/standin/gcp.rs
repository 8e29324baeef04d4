//! A Google Cloud metadata server and IAM Credentials stand-in ([`GoogleMetadata`]):
//!
//! - `GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=A&format=full`
//!   with `Metadata-Flavor: Google` → a JWT (text/plain) with Google's claims (`iss`
//!   `https://accounts.google.com`, `aud` A, `sub` the account's numeric id, `email`,
//!   `email_verified`, `azp`); without the header → 403, as the real server answers.
//! - `GET /computeMetadata/v1/instance/service-accounts/default/token` (same header) →
//!   `{"access_token","expires_in","token_type":"Bearer"}`.
//! - `POST /v1/projects/-/serviceAccounts/{email}:generateIdToken` with
//!   `Authorization: Bearer <that access token>` and `{"audience","includeEmail"}` →
//!   `{"token": <JWT for email>}` (the IAM Credentials API; point
//!   `CHORA_PUBLISH_GCP_IAM_URL` at the same server).
//! - `GET /.well-known/jwks` → the JWKS.
//!
//! [`GoogleMetadata::dmi_file`] writes a DMI product-name file saying `Google`.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::http::{Request, Response, Server};
use super::jwt::{Alg, JwtKey, jwks};
use super::oidc::IssuedToken;
use super::util::{lock, now_unix, random_hex, random_uuid};

/// Google's issuer.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

struct State {
    key: JwtKey,
    email: String,
    sub: String,
    access_token: String,
    issued: Vec<IssuedToken>,
}

/// The metadata server (and IAM Credentials API) of a GCP VM.
pub struct GoogleMetadata {
    state: Arc<Mutex<State>>,
    server: Server,
}

impl GoogleMetadata {
    /// A VM whose default service account is `publisher@demo-project.iam.gserviceaccount.com`.
    pub fn start() -> GoogleMetadata {
        let state = Arc::new(Mutex::new(State {
            key: JwtKey::generate(Alg::Es256),
            email: "publisher@demo-project.iam.gserviceaccount.com".into(),
            sub: "110000000000000000001".into(),
            access_token: format!("ya29.stand-in-{}", random_hex(16)),
            issued: Vec::new(),
        }));
        let handler_state = Arc::clone(&state);
        let server = Server::start(move |req| handler(&handler_state, req));
        GoogleMetadata { state, server }
    }

    pub fn server(&self) -> &Server {
        &self.server
    }

    /// `CHORA_PUBLISH_GCP_METADATA_URL` (and `CHORA_PUBLISH_GCP_IAM_URL`).
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn email(&self) -> String {
        lock(&self.state).email.clone()
    }

    pub fn sub(&self) -> String {
        lock(&self.state).sub.clone()
    }

    pub fn access_token(&self) -> String {
        lock(&self.state).access_token.clone()
    }

    pub fn jwks(&self) -> Value {
        jwks(&[&lock(&self.state).key])
    }

    /// Every identity token issued so far.
    pub fn issued(&self) -> Vec<IssuedToken> {
        lock(&self.state).issued.clone()
    }

    /// Write a DMI product-name file saying `Google Compute Engine` into `dir`; its path is
    /// the value for `CHORA_PUBLISH_GCP_DMI_PATH`.
    pub fn dmi_file(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("product_name");
        std::fs::write(&path, "Google Compute Engine\n").unwrap();
        path
    }
}

fn issue(state: &Mutex<State>, audience: &str, email: Option<&str>) -> String {
    let mut st = lock(state);
    let now = now_unix();
    let jti = random_uuid();
    let email = email
        .map(str::to_string)
        .unwrap_or_else(|| st.email.clone());
    let claims = json!({
        "iss": GOOGLE_ISSUER,
        "aud": audience,
        "azp": st.sub,
        "sub": st.sub,
        "email": email,
        "email_verified": true,
        "iat": now,
        "exp": now + 3600,
        "jti": jti,
    });
    let jwt = st.key.sign(&claims);
    st.issued.push(IssuedToken {
        audience: audience.to_string(),
        jti,
        jwt: jwt.clone(),
        claims,
    });
    jwt
}

fn handler(state: &Mutex<State>, req: &Request) -> Response {
    let flavor = req.header("metadata-flavor") == Some("Google");
    let sa = "/computeMetadata/v1/instance/service-accounts/default";
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", p) if p.starts_with("/computeMetadata/") && !flavor => Response::text(
            403,
            "Missing required header \"Metadata-Flavor\": \"Google\"\n",
        ),
        ("GET", p) if p == format!("{sa}/identity") => {
            let Some(audience) = req.query_param("audience") else {
                return Response::text(400, "non-empty audience parameter required\n");
            };
            Response::text(200, issue(state, &audience, None))
        }
        ("GET", p) if p == format!("{sa}/token") => {
            let token = lock(state).access_token.clone();
            Response::json(
                200,
                &json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
            )
        }
        ("POST", p)
            if p.starts_with("/v1/projects/-/serviceAccounts/")
                && p.ends_with(":generateIdToken") =>
        {
            let expected = format!("Bearer {}", lock(state).access_token);
            if req.header("authorization") != Some(expected.as_str()) {
                return Response::json(
                    401,
                    &json!({"error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}}),
                );
            }
            let email = p
                .trim_start_matches("/v1/projects/-/serviceAccounts/")
                .trim_end_matches(":generateIdToken")
                .replace("%40", "@");
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            let Some(audience) = body["audience"].as_str() else {
                return Response::json(
                    400,
                    &json!({"error": {"code": 400, "message": "audience is required", "status": "INVALID_ARGUMENT"}}),
                );
            };
            Response::json(200, &json!({"token": issue(state, audience, Some(&email))}))
        }
        ("GET", "/.well-known/jwks") => Response::json(200, &jwks(&[&lock(state).key])),
        _ => Response::text(404, "Not Found\n"),
    }
}
