//! Self-tests of the stand-in servers in tests/support/standin/: each one driven with plain HTTP,
//! checking the wire formats the real services use (reference/publish.md).

#[path = "support/standin/mod.rs"]
mod standin;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use standin::client::{self, Multipart, get, get_with, post_json, upload_form};
use standin::http::{Fault, Response, Server};
use standin::jwt::{self, Alg, JwtKey};
use standin::oidc::{Claims, GITHUB_ISSUER, GithubOidc, GitlabOidc};
use standin::pypi::{AttestationCheck, GithubPublisher, GitlabPublisher, Index};
use standin::pypiserver::PypiServer;
use standin::util::{b64, b64url, b64url_decode, blake2_256_hex, now_unix, sha256_hex};
use standin::{dist, pypiserver};

// ---------------------------------------------------------------------------------------
// helpers

/// Ask the OIDC stand-in for a token the way a client in a GitHub job does.
fn fetch_github_jwt(oidc: &GithubOidc, audience: &str) -> String {
    let url = format!("{}&audience={audience}", oidc.request_url());
    let auth = format!("bearer {}", oidc.request_token());
    let r = get_with(&url, &[("Authorization", &auth)]);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["value"].as_str().expect("value").to_string()
}

fn mint(index: &Index, jwt: &str) -> client::ClientResponse {
    post_json(&index.mint_url(), &json!({ "token": jwt }))
}

/// Mint a fresh token through the whole exchange and return it.
fn minted_token(oidc: &GithubOidc, index: &Index) -> String {
    let r = mint(index, &fetch_github_jwt(oidc, "pypi"));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_string()
}

/// The single error of a 422 mint refusal: (code, description).
fn mint_error(r: &client::ClientResponse) -> (String, String) {
    assert_eq!(r.status, 422, "{}", r.text());
    let v = r.json();
    assert_eq!(v["message"], "Token request failed");
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{v}");
    (
        errors[0]["code"].as_str().unwrap().to_string(),
        errors[0]["description"].as_str().unwrap().to_string(),
    )
}

fn upload(
    index: &Index,
    token: &str,
    form: Multipart,
    extra: &[(&str, &str)],
) -> client::ClientResponse {
    client::post_multipart(&index.upload_url(), form, Some(("__token__", token)), extra)
}

fn wheel_form(d: &dist::Dist) -> Multipart {
    upload_form(&d.name, &d.version, &d.filename, &d.data)
}

/// A pinned tool from .tools/bin (panics when it is missing, so the suite fails loudly).
fn tool(name: &str) -> std::process::Command {
    let path = pypiserver::tools_dir().join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run `bash scripts/install-test-tools.sh`",
        path.display()
    );
    let mut cmd = std::process::Command::new(path);
    cmd.env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_NO_CACHE", "1")
        .env_remove("UV_INDEX_URL")
        .env_remove("PIP_INDEX_URL");
    cmd
}

/// Run a command, panicking with its output when it fails; returns stdout + stderr.
fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("run tool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn echo_server() -> Server {
    Server::start(|req| {
        Response::json(
            200,
            &json!({
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "audience": req.query_param("audience"),
                "body": req.body_text(),
                "host": req.header("host"),
            }),
        )
    })
}

// ---------------------------------------------------------------------------------------
// http

#[test]
fn http_server_parses_requests_and_logs_them() {
    let server = echo_server();
    let r = get(&format!(
        "{}/a/b?x=1&audience=https%3A%2F%2Fx",
        server.url()
    ));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["path"], "/a/b");
    assert_eq!(v["query"], "x=1&audience=https%3A%2F%2Fx");
    assert_eq!(v["audience"], "https://x");

    let r = client::request("POST", &format!("{}/p", server.url()), &[], b"hello body").unwrap();
    assert_eq!(r.json()["body"], "hello body");

    // A chunked body, with Expect: 100-continue, over a raw socket.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(
        b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    )
    .unwrap();
    let mut cont = [0u8; 25];
    s.read_exact(&mut cont).unwrap();
    assert_eq!(&cont, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains(r#""body":"hello, world""#), "{out}");

    assert_eq!(server.count("/a/b"), 1);
    assert_eq!(server.count_method("POST", "/chunked"), 1);
    let log = server.requests();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.complete && r.status == Some(200)));
    assert_eq!(log[2].body, b"hello, world");
}

#[test]
fn http_server_detects_a_client_that_disconnects_mid_body() {
    let server = echo_server();
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
        .unwrap();
    s.shutdown(Shutdown::Both).unwrap();
    drop(s);
    assert!(server.wait_for(Duration::from_secs(10), |log| !log.is_empty()));
    let r = &server.requests()[0];
    assert!(!r.complete);
    assert_eq!(r.body_len, 10);
    assert_eq!(r.status, None);

    // A truncated chunked body too.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
        .unwrap();
    drop(s);
    assert!(server.wait_for(Duration::from_secs(10), |log| log.len() == 2));
    assert!(!server.requests()[1].complete);
}

#[test]
fn fault_queue_applies_faults_in_order_to_matching_requests() {
    let server = echo_server();
    let url = format!("{}/legacy/", server.url());
    server.inject("/legacy/", Fault::status(503));
    server.inject("/legacy/", Fault::retry_after(7));
    server.inject_method(
        "GET",
        "/other",
        Fault::status_with(500, "boom", &[("X-Fault", "1")]),
    );
    assert_eq!(server.pending_faults(), 3);

    // The first /legacy/ fault applies whatever the method (none was given).
    let r = client::request("POST", &url, &[], b"x").unwrap();
    assert_eq!((r.status, r.reason.as_str()), (503, "Service Unavailable"));
    // Not matching: POST /other.
    let r = client::request("POST", &format!("{}/other", server.url()), &[], b"").unwrap();
    assert_eq!(r.status, 200);
    let r = client::request("POST", &url, &[], b"x").unwrap();
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("7"));
    let r = get(&format!("{}/other", server.url()));
    assert_eq!((r.status, r.text().as_str()), (500, "boom"));
    assert_eq!(r.header("x-fault"), Some("1"));
    // Queue drained: normal answers.
    let r = client::request("POST", &url, &[], b"x").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(server.count("/legacy/"), 3);
    let faults: Vec<Option<Fault>> = server.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults[0], Some(Fault::status(503)));
    assert_eq!(faults[1], None);

    server.inject_times("", Fault::status(502), 2);
    assert_eq!(get(&server.url()).status, 502);
    assert_eq!(get(&server.url()).status, 502);
    assert_eq!(get(&server.url()).status, 200);
}

#[test]
fn fault_redirect_points_at_another_host() {
    let a = echo_server();
    let b = echo_server();
    let target = format!("{}/legacy/", b.localhost_url());
    a.inject("/legacy", Fault::redirect(308, &target));
    let r = client::request("POST", &format!("{}/legacy", a.url()), &[], b"body").unwrap();
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some(target.as_str()));
    // Follow it by hand, as an uploader must (a streamed body cannot be replayed blindly).
    let r = client::request("POST", &target, &[], b"body").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["host"],
        format!("localhost:{}", b.port()),
        "reached under the other host name"
    );
    assert_eq!(b.count("/legacy/"), 1);
}

#[test]
fn fault_slow_body_trickles_the_response() {
    let server = Server::start(|_| Response::text(200, "x".repeat(4000)));
    server.inject("", Fault::slow_body());
    let start = Instant::now();
    let r = get(&server.url());
    let slow = start.elapsed();
    assert_eq!(r.body.len(), 4000);
    assert!(slow >= Duration::from_millis(300), "took {slow:?}");
    assert!(slow < Duration::from_secs(5), "took {slow:?}");
}

#[test]
fn fault_reset_mid_body_and_close_without_response() {
    let server = echo_server();
    server.inject("/legacy/", Fault::reset_mid_body());
    let body = vec![b'z'; 4 * 1024 * 1024];
    let result = client::request("POST", &format!("{}/legacy/", server.url()), &[], &body);
    assert!(
        result.is_err(),
        "expected a transport error, got {result:?}"
    );
    let log = server.requests();
    assert!(!log[0].complete);
    assert_eq!(log[0].body_len, 1024);
    assert_eq!(log[0].status, None);

    server.inject("", Fault::CloseWithoutResponse);
    let result = client::request("POST", &server.url(), &[], b"abc");
    assert!(
        result.is_err(),
        "expected a transport error, got {result:?}"
    );
    assert!(server.requests()[1].complete);
    // The server is still fine afterwards.
    assert_eq!(get(&server.url()).status, 200);
}

#[test]
fn handler_panic_becomes_a_500() {
    let server = Server::start(|_| panic!("stand-in bug"));
    let r = get(&server.url());
    assert_eq!(r.status, 500);
    assert!(r.text().contains("stand-in bug"));
}

// ---------------------------------------------------------------------------------------
// GitHub OIDC

#[test]
fn github_oidc_issues_signed_tokens_with_the_documented_claims() {
    let oidc = GithubOidc::start();
    let url = oidc.request_url();
    assert!(url.ends_with("/token?api-version=2.0"), "{url}");

    // No or wrong bearer token: 401.
    assert_eq!(get(&format!("{url}&audience=pypi")).status, 401);
    let r = get_with(
        &format!("{url}&audience=pypi"),
        &[("Authorization", "bearer nope")],
    );
    assert_eq!(r.status, 401);

    let jwt1 = fetch_github_jwt(&oidc, "pypi");
    let jwt2 = fetch_github_jwt(&oidc, "pypi");
    assert_eq!(oidc.token_requests(), 4);

    // Verify against the JWKS served over HTTP.
    let jwks = get(&oidc.jwks_url()).json();
    assert!(jwks["keys"][0]["kid"].is_string());
    let c1 = jwt::verify(&jwt1, &jwks).expect("signature verifies");
    let c2 = jwt::verify(&jwt2, &jwks).expect("signature verifies");
    assert_ne!(c1["jti"], c2["jti"], "fresh jti per token");
    assert_eq!(c1["iss"], GITHUB_ISSUER);
    assert_eq!(c1["aud"], "pypi");
    assert_eq!(c1["sub"], "repo:octo-org/demo-pkg:environment:pypi");
    assert_eq!(c1["repository"], "octo-org/demo-pkg");
    assert_eq!(c1["repository_owner"], "octo-org");
    assert!(c1["repository_owner_id"].is_string());
    assert!(c1["repository_id"].is_string());
    assert_eq!(
        c1["job_workflow_ref"],
        "octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v0.1.0"
    );
    assert_eq!(c1["workflow_ref"], c1["job_workflow_ref"]);
    assert_eq!(c1["ref"], "refs/tags/v0.1.0");
    assert_eq!(c1["ref_type"], "tag");
    assert_eq!(c1["environment"], "pypi");
    assert_eq!(c1["event_name"], "push");
    assert_eq!(c1["runner_environment"], "github-hosted");
    assert_eq!(c1["sha"].as_str().unwrap().len(), 40);
    let (iat, exp, nbf) = (
        c1["iat"].as_i64().unwrap(),
        c1["exp"].as_i64().unwrap(),
        c1["nbf"].as_i64().unwrap(),
    );
    assert!(nbf <= iat && iat < exp && (iat - now_unix()).abs() < 60);
    let header: Value =
        serde_json::from_slice(&b64url_decode(jwt1.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], jwks["keys"][0]["kid"]);

    // Without an audience GitHub uses the owner URL.
    let r = get_with(
        &url,
        &[("Authorization", &format!("Bearer {}", oidc.request_token()))],
    );
    let c = jwt::verify(r.json()["value"].as_str().unwrap(), &jwks).unwrap();
    assert_eq!(c["aud"], "https://github.com/octo-org");
    assert_eq!(oidc.issued().len(), 3);

    let env = oidc.env_vars();
    let get_env = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get_env("ACTIONS_ID_TOKEN_REQUEST_URL"), Some(url.as_str()));
    assert_eq!(
        get_env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        Some(oidc.request_token().as_str())
    );
    assert_eq!(get_env("GITHUB_ACTIONS"), Some("true"));
    assert_eq!(get_env("GITHUB_REPOSITORY"), Some("octo-org/demo-pkg"));
    assert_eq!(get_env("GITHUB_EVENT_NAME"), Some("push"));
    assert_eq!(
        get_env("GITHUB_WORKFLOW_REF"),
        Some("octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v0.1.0")
    );
    assert!(
        !oidc
            .env_vars_without_id_token()
            .iter()
            .any(|(k, _)| k.starts_with("ACTIONS_ID_TOKEN"))
    );
}

#[test]
fn claims_builders_derive_sub_and_refs_like_github() {
    let c = Claims::default()
        .repo("acme/widgets")
        .workflow_file("publish.yml")
        .git_ref("refs/heads/main")
        .environment(None);
    let v = c.to_json("pypi", "j");
    assert_eq!(v["sub"], "repo:acme/widgets:ref:refs/heads/main");
    assert_eq!(v["ref_type"], "branch");
    assert_eq!(
        v["job_workflow_ref"],
        "acme/widgets/.github/workflows/publish.yml@refs/heads/main"
    );
    assert!(v.get("environment").is_none());
    let v = Claims::default()
        .environment(None)
        .event("pull_request")
        .to_json("pypi", "j");
    assert_eq!(v["sub"], "repo:octo-org/demo-pkg:pull_request");
    let v = Claims::default()
        .reusable("other/shared/.github/workflows/pypi.yml@refs/heads/main")
        .set("repository_owner_id", json!(7))
        .without("runner_environment")
        .to_json("pypi", "j");
    assert_ne!(v["job_workflow_ref"], v["workflow_ref"]);
    assert_eq!(v["repository_owner_id"], 7);
    assert!(v.get("runner_environment").is_none());
}

// ---------------------------------------------------------------------------------------
// PyPI: Trusted Publishing

#[test]
fn audience_endpoint_and_disabled_trusted_publishing() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let r = get(&index.audience_url());
    assert_eq!((r.status, r.json()), (200, json!({"audience": "pypi"})));
    index.set_audience("testpypi");
    assert_eq!(get(&index.audience_url()).json()["audience"], "testpypi");

    index.set_trusted_publishing(false);
    let r = get(&index.audience_url());
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"message": "Trusted publishing functionality not enabled"})
    );
    let r = mint(&index, &oidc.mint("testpypi"));
    assert_eq!(
        mint_error(&r),
        (
            "not-enabled".into(),
            "github trusted publishing functionality not enabled".into()
        )
    );
}

#[test]
fn mint_token_success_then_reuse_is_refused() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let jwt = fetch_github_jwt(&oidc, "pypi");
    let r = mint(&index, &jwt);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["success"], true);
    assert!(v["token"].as_str().unwrap().starts_with("pypi-"));
    let expires = v["expires"].as_i64().unwrap();
    assert!((expires - (now_unix() + 900)).abs() < 60, "{expires}");

    // The same JWT again: its jti was stored.
    let r = mint(&index, &jwt);
    assert_eq!(
        r.json(),
        json!({"message": "Token request failed", "errors": [
            {"code": "invalid-reuse-token", "description": "invalid token: already used"}]})
    );

    // A fresh JWT works, via the legacy alias too.
    let r = post_json(
        &format!("{}/_/oidc/github/mint-token", index.url()),
        &json!({"token": fetch_github_jwt(&oidc, "pypi")}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(index.count("/_/oidc/mint-token"), 2);
    assert_eq!(index.mints().len(), 3);
    assert_eq!(index.minted_tokens().len(), 2);

    // Token lifetime is configurable so clients can be forced to re-mint.
    index.set_token_lifetime(60);
    let r = mint(&index, &oidc.mint("pypi"));
    assert!(r.json()["expires"].as_i64().unwrap() <= now_unix() + 60);
}

#[test]
fn mint_token_refuses_a_different_workflow() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    oidc.set_claims(Claims::default().workflow_file("ci.yml"));
    let r = mint(&index, &fetch_github_jwt(&oidc, "pypi"));
    assert_eq!(
        mint_error(&r),
        (
            "invalid-publisher".into(),
            "valid token, but no corresponding publisher (Publisher with matching claims was not found)".into()
        )
    );
}

#[test]
fn mint_token_explains_a_job_workflow_ref_mismatch() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let claims = Claims::default()
        .reusable("octo-org/demo-pkg/.github/workflows/release.yml@refs/heads/main");
    let sha = claims.sha.clone();
    oidc.set_claims(claims);
    let r = mint(&index, &fetch_github_jwt(&oidc, "pypi"));
    let expected = format!(
        "valid token, but no corresponding publisher (The job_workflow_ref claim does not match, expecting one of ['octo-org/demo-pkg/.github/workflows/release.yml@{sha}', 'octo-org/demo-pkg/.github/workflows/release.yml@refs/tags/v0.1.0'], got 'octo-org/demo-pkg/.github/workflows/release.yml@refs/heads/main')"
    );
    assert_eq!(mint_error(&r), ("invalid-publisher".into(), expected));
}

#[test]
fn mint_token_checks_environment_event_owner_and_missing_claims() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc); // publisher bound to environment "pypi"
    let not_found = "valid token, but no corresponding publisher (Publisher with matching claims was not found)";

    oidc.set_claims(Claims::default().environment(Some("staging")));
    assert_eq!(mint_error(&mint(&index, &oidc.mint("pypi"))).1, not_found);
    oidc.set_claims(Claims::default().environment(None));
    assert_eq!(mint_error(&mint(&index, &oidc.mint("pypi"))).1, not_found);
    // Environment names are case-insensitive.
    oidc.set_claims(Claims::default().environment(Some("PyPI")));
    assert_eq!(mint(&index, &oidc.mint("pypi")).status, 200);
    // Anti-resurrection: a recreated owner has another id.
    oidc.set_claims(Claims::default().set("repository_owner_id", json!("999")));
    assert_eq!(mint_error(&mint(&index, &oidc.mint("pypi"))).1, not_found);

    oidc.set_claims(Claims::default().event("pull_request_target"));
    assert_eq!(
        mint_error(&mint(&index, &oidc.mint("pypi"))).1,
        "valid token, but no corresponding publisher (Publishing from a workflow invoked via 'pull_request_target' is not supported.)"
    );
    oidc.set_claims(Claims::default().set("sub", json!("repo:someone/else:ref:x")));
    assert_eq!(
        mint_error(&mint(&index, &oidc.mint("pypi"))).1,
        "valid token, but no corresponding publisher (Check failed for required claim 'sub')"
    );
    oidc.set_claims(Claims::default().without("sha"));
    assert_eq!(
        mint_error(&mint(&index, &oidc.mint("pypi"))).1,
        "valid token, but no corresponding publisher (Missing claim 'sha')"
    );

    // A publisher without an environment accepts any.
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_github_publisher(
        "demo-pkg",
        GithubPublisher::new("octo-org", "demo-pkg", "1000001", "release.yml"),
    );
    oidc.set_claims(Claims::default().environment(Some("anything")));
    assert_eq!(mint(&index, &oidc.mint("pypi")).status, 200);
}

#[test]
fn mint_token_refuses_bad_signatures_expired_tokens_and_wrong_audiences() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let invalid = (
        "invalid-token".to_string(),
        "malformed or invalid token".to_string(),
    );

    // Signed by a key the issuer never published, under the issuer's kid.
    let claims = Claims::default().to_json("pypi", "forged-1");
    let forged = JwtKey::untrusted(Alg::Es256)
        .with_kid(oidc.key().kid())
        .sign(&claims);
    assert_eq!(mint_error(&mint(&index, &forged)), invalid);
    // A genuine token whose payload was edited.
    let genuine = oidc.mint("pypi");
    let parts: Vec<&str> = genuine.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&b64url_decode(parts[1]).unwrap()).unwrap();
    payload["repository_owner_id"] = json!("1");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64url(payload.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(mint_error(&mint(&index, &tampered)), invalid);

    oidc.set_claims(Claims {
        time_shift_secs: -3600,
        ..Claims::default()
    });
    assert_eq!(mint_error(&mint(&index, &oidc.mint("pypi"))), invalid);
    oidc.set_claims(Claims::default());
    assert_eq!(mint_error(&mint(&index, &oidc.mint("testpypi"))), invalid);
    // None of these were stored as used.
    assert_eq!(mint(&index, &oidc.mint("pypi")).status, 200);
}

#[test]
fn mint_token_verifies_rs256_like_github() {
    let oidc = GithubOidc::start_rs256();
    let index = Index::for_github(&oidc);
    let jwt = fetch_github_jwt(&oidc, "pypi");
    let header: Value =
        serde_json::from_slice(&b64url_decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(oidc.jwks()["keys"][0]["kty"], "RSA");
    assert_eq!(mint(&index, &jwt).status, 200);
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut sig = b64url_decode(parts[2]).unwrap();
    sig[10] ^= 1;
    let bad = format!("{}.{}.{}", parts[0], parts[1], b64url(&sig));
    assert_eq!(mint_error(&mint(&index, &bad)).0, "invalid-token");
}

#[test]
fn mint_token_refuses_malformed_payloads() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let r = client::request("POST", &index.mint_url(), &[], b"not json").unwrap();
    let (code, desc) = mint_error(&r);
    assert_eq!(code, "invalid-payload");
    assert!(
        desc.starts_with("1 validation error for TokenPayload"),
        "{desc}"
    );
    let (code, desc) = mint_error(&post_json(&index.mint_url(), &json!({"jwt": "x"})));
    assert_eq!(code, "invalid-payload");
    assert!(desc.contains("Field required"), "{desc}");
    assert_eq!(
        mint_error(&post_json(&index.mint_url(), &json!({"token": "a.b"}))),
        ("invalid-payload".into(), "malformed JWT".into())
    );
    let stranger = JwtKey::generate(Alg::Es256).sign(&json!({"iss": "https://example.com"}));
    assert_eq!(
        mint_error(&mint(&index, &stranger)),
        (
            "invalid-payload".into(),
            "unknown trusted publishing issuer".into()
        )
    );
    assert_eq!(get(&index.mint_url()).status, 405);
}

#[test]
fn pending_publisher_creates_the_project_once() {
    let oidc = GithubOidc::start();
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_pending_github_publisher("demo-pkg", GithubPublisher::matching(&oidc.claims()));
    assert!(!index.has_project("demo-pkg"));
    let r = mint(&index, &oidc.mint("pypi"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(index.has_project("demo-pkg"));
    assert_eq!(index.pending_publishers(), 0);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let d = dist::wheel("demo-pkg", "0.1.0");
    assert_eq!(upload(&index, &token, wheel_form(&d), &[]).status, 200);
    // The token is scoped to the publisher's projects.
    let other = dist::wheel("other-pkg", "1.0");
    let r = upload(&index, &token, wheel_form(&other), &[]);
    assert_eq!(r.status, 400);
    assert!(
        r.reason
            .starts_with("Non-user identities cannot create new projects."),
        "{}",
        r.reason
    );

    // A pending publisher for a project that exists meanwhile.
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_project("demo-pkg");
    index.add_pending_github_publisher("demo-pkg", GithubPublisher::matching(&oidc.claims()));
    assert_eq!(
        mint_error(&mint(&index, &oidc.mint("pypi"))),
        (
            "invalid-pending-publisher".into(),
            "valid token, but project already exists".into()
        )
    );
}

#[test]
fn gitlab_tokens_mint_against_a_gitlab_publisher() {
    let gitlab = GitlabOidc::new();
    let index = Index::start();
    index.trust_gitlab(&gitlab);
    index.add_gitlab_publisher("demo-pkg", GitlabPublisher::matching(&gitlab.claims()));
    let env = gitlab.env_vars("pypi");
    let token = &env.iter().find(|(k, _)| k == "PYPI_ID_TOKEN").unwrap().1;
    let claims = jwt::verify(token, &gitlab.jwks()).unwrap();
    assert_eq!(claims["iss"], "https://gitlab.com");
    assert_eq!(claims["project_path"], "octo-org/demo-pkg");
    assert_eq!(
        claims["ci_config_ref_uri"],
        "gitlab.com/octo-org/demo-pkg//.gitlab-ci.yml@refs/tags/v0.1.0"
    );
    assert_eq!(mint(&index, token).status, 200);
    assert_eq!(mint_error(&mint(&index, token)).0, "invalid-reuse-token");

    let mut claims = gitlab.claims();
    claims.ci_config_path = "other.yml".into();
    gitlab.set_claims(claims);
    assert_eq!(
        mint_error(&mint(&index, &gitlab.mint("pypi"))).0,
        "invalid-publisher"
    );
}

// ---------------------------------------------------------------------------------------
// PyPI: legacy upload and read APIs

#[test]
fn upload_stores_files_and_serves_them_in_the_simple_and_json_apis() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let sdist = dist::sdist("demo-pkg", "0.1.0");
    for d in [&wheel, &sdist] {
        let r = upload(&index, &token, wheel_form(d), &[]);
        assert_eq!((r.status, r.reason.as_str()), (200, "OK"), "{}", r.text());
    }
    let uploads = index.uploads();
    assert_eq!(uploads.len(), 2);
    let u = &uploads[0];
    assert_eq!(u.filename, "demo_pkg-0.1.0-py3-none-any.whl");
    assert_eq!(u.field(":action"), Some("file_upload"));
    assert_eq!(u.field("filetype"), Some("bdist_wheel"));
    assert_eq!(u.field("pyversion"), Some("py3"));
    assert_eq!(u.field("requires_python"), Some(">=3.9"));
    assert_eq!(u.size, wheel.data.len());
    assert_eq!(u.sha256, sha256_hex(&wheel.data));
    assert_eq!(u.blake2_256, blake2_256_hex(&wheel.data));
    assert_eq!(u.token, token);
    assert_eq!(uploads[1].field("pyversion"), Some("source"));

    // PEP 691 JSON.
    let r = get_with(
        &format!("{}demo-pkg/", index.simple_url()),
        &[("Accept", "application/vnd.pypi.simple.v1+json")],
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.pypi.simple.v1+json")
    );
    let v = r.json();
    assert_eq!(v["name"], "demo-pkg");
    let files = v["files"].as_array().unwrap();
    let f = files
        .iter()
        .find(|f| f["filename"] == wheel.filename)
        .unwrap();
    assert_eq!(f["hashes"]["sha256"], sha256_hex(&wheel.data));
    assert_eq!(f["requires-python"], ">=3.9");
    assert_eq!(v["versions"], json!(["0.1.0"]));
    let file_url = f["url"].as_str().unwrap();
    assert_eq!(get(file_url).body, wheel.data);

    // PEP 503 HTML with #sha256= fragments; non-normalized names redirect.
    let r = get(&format!("{}demo-pkg/", index.simple_url()));
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(
        r.text().contains(&format!(
            "/packages/{}#sha256={}\"",
            wheel.filename,
            sha256_hex(&wheel.data)
        )),
        "{}",
        r.text()
    );
    let r = get(&format!("{}Demo_Pkg/", index.simple_url()));
    assert_eq!(r.status, 301);
    assert!(r.header("location").unwrap().ends_with("/simple/demo-pkg/"));
    assert_eq!(get(&format!("{}nope/", index.simple_url())).status, 404);

    // JSON API.
    let v = get(&format!("{}/pypi/demo-pkg/json", index.url())).json();
    assert_eq!(v["info"]["version"], "0.1.0");
    let urls = v["urls"].as_array().unwrap();
    assert_eq!(urls.len(), 2);
    let w = urls
        .iter()
        .find(|u| u["filename"] == wheel.filename)
        .unwrap();
    assert_eq!(w["digests"]["sha256"], sha256_hex(&wheel.data));
    assert_eq!(w["packagetype"], "bdist_wheel");
    assert_eq!(
        get(&format!("{}/pypi/demo-pkg/0.1.0/json", index.url())).status,
        200
    );
    assert_eq!(
        get(&format!("{}/pypi/demo-pkg/9.9/json", index.url())).status,
        404
    );
}

#[test]
fn upload_reupload_rules_and_error_formats() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let d = dist::wheel("demo-pkg", "0.1.0");
    assert_eq!(upload(&index, &token, wheel_form(&d), &[]).status, 200);

    // Identical re-upload: 200, nothing new stored.
    let r = upload(&index, &token, wheel_form(&d), &[]);
    assert_eq!(r.status, 200);
    assert!(index.upload_attempts()[1].duplicate);
    assert_eq!(index.files().len(), 1);

    // Same filename, other content: 400 with the message in the reason phrase.
    let other = b"different bytes".to_vec();
    let expected = format!(
        "File already exists ('{}', with blake2_256 hash '{}'). See https://pypi.org/help/#file-name-reuse for more information.",
        d.filename,
        blake2_256_hex(&other)
    );
    let r = upload(
        &index,
        &token,
        upload_form("demo-pkg", "0.1.0", &d.filename, &other),
        &[],
    );
    assert_eq!((r.status, r.reason.as_str()), (400, expected.as_str()));
    // No Accept header: pyramid's HTML page.
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(
        r.text().contains(&format!("<h1>400 {expected}")),
        "{}",
        r.text()
    );

    // uv's Accept header: JSON with the status in `code`.
    let r = upload(
        &index,
        &token,
        upload_form("demo-pkg", "0.1.0", &d.filename, &other),
        &[(
            "Accept",
            "application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7",
        )],
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["code"], format!("400 {expected}"));
    assert_eq!(v["title"], "Bad Request");
    assert!(v["message"].as_str().unwrap().contains(&expected));
    // text/plain only.
    let r = upload(
        &index,
        &token,
        upload_form("demo-pkg", "0.1.0", &d.filename, &other),
        &[("Accept", "text/plain")],
    );
    assert!(
        r.text().starts_with(&format!("400 {expected}\n\n")),
        "{}",
        r.text()
    );
}

#[test]
fn upload_verifies_digests_fields_and_credentials() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let d = dist::wheel("demo-pkg", "0.1.0");

    // Wrong sha256.
    let form = Multipart::new()
        .text(":action", "file_upload")
        .text("protocol_version", "1")
        .text("name", "demo-pkg")
        .text("version", "0.1.0")
        .text("filetype", "bdist_wheel")
        .text("pyversion", "py3")
        .text("metadata_version", "2.4")
        .text("requires_python", ">=3.9")
        .text("sha256_digest", &sha256_hex(b"something else"))
        .text("blake2_256_digest", &blake2_256_hex(&d.data))
        .file("content", &d.filename, &d.data);
    let r = upload(&index, &token, form, &[]);
    assert_eq!(
        (r.status, r.reason.as_str()),
        (
            400,
            "The digest supplied does not match a digest calculated from the uploaded file."
        )
    );
    // Wrong blake2 only.
    let form = Multipart::new()
        .text(":action", "file_upload")
        .text("name", "demo-pkg")
        .text("version", "0.1.0")
        .text("filetype", "bdist_wheel")
        .text("pyversion", "py3")
        .text("metadata_version", "2.4")
        .text("requires_python", "")
        .text("sha256_digest", &sha256_hex(&d.data))
        .text("blake2_256_digest", &blake2_256_hex(b"x"))
        .file("content", &d.filename, &d.data);
    assert_eq!(upload(&index, &token, form, &[]).status, 400);
    // Malformed digest, missing digests, missing requires_python.
    let base = || {
        Multipart::new()
            .text(":action", "file_upload")
            .text("name", "demo-pkg")
            .text("version", "0.1.0")
            .text("filetype", "bdist_wheel")
            .text("pyversion", "py3")
            .text("metadata_version", "2.4")
    };
    let r = upload(
        &index,
        &token,
        base()
            .text("requires_python", "")
            .text("sha256_digest", "xyz")
            .file("content", &d.filename, &d.data),
        &[],
    );
    assert!(r.reason.contains("SHA256"), "{}", r.reason);
    let r = upload(
        &index,
        &token,
        base()
            .text("requires_python", "")
            .file("content", &d.filename, &d.data),
        &[],
    );
    assert_eq!(r.reason, "Error: Include at least one message digest.");
    let r = upload(
        &index,
        &token,
        base()
            .text("sha256_digest", &sha256_hex(&d.data))
            .file("content", &d.filename, &d.data),
        &[],
    );
    assert_eq!(
        (r.status, r.reason.as_str()),
        (
            400,
            "Invalid value for requires_python. Error: This field is required."
        )
    );
    // A wheel whose name does not match the project.
    let wrong = dist::wheel("demo-other", "0.1.0");
    let r = upload(
        &index,
        &token,
        upload_form("demo-pkg", "0.1.0", &wrong.filename, &wrong.data),
        &[],
    );
    assert_eq!(r.reason, "Start filename for 'demo-pkg' with 'demo_pkg'.");
    assert!(index.uploads().is_empty());
    assert_eq!(index.upload_attempts().len(), 6);

    // Credentials.
    let invalid_auth = "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.";
    let r = client::post_multipart(&index.upload_url(), wheel_form(&d), None, &[]);
    assert_eq!((r.status, r.reason.as_str()), (403, invalid_auth));
    let r = upload(&index, "pypi-unknown", wheel_form(&d), &[]);
    assert_eq!((r.status, r.reason.as_str()), (403, invalid_auth));
    let r = client::post_multipart(
        &index.upload_url(),
        wheel_form(&d),
        Some(("alice", "hunter2")),
        &[],
    );
    assert_eq!(r.status, 403);
    assert!(
        r.reason
            .starts_with("Username/Password authentication is no longer supported.")
    );
    // A classic API token works; an expired minted one does not.
    index.add_api_token("pypi-classic", Some(&["demo-pkg"]));
    assert_eq!(
        upload(&index, "pypi-classic", wheel_form(&d), &[]).status,
        200
    );
    index.set_token_lifetime(-1);
    let expired = minted_token(&oidc, &index);
    let r = upload(&index, &expired, wheel_form(&d), &[]);
    assert_eq!(r.status, 403, "{}", r.reason);

    // /legacy without the slash redirects (uv follows same-realm 308s).
    let r = client::request("POST", &format!("{}/legacy", index.url()), &[], b"").unwrap();
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some(index.upload_url().as_str()));
    assert_eq!(index.count("/legacy/"), 11);
}

#[test]
fn index_faults_and_seeded_files_for_skip_existing() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let d = dist::wheel("demo-pkg", "0.1.0");
    index.seed_file("demo-pkg", "0.1.0", &d.filename, &d.data);
    let v = get(&format!("{}/pypi/demo-pkg/json", index.url())).json();
    assert_eq!(v["urls"][0]["digests"]["sha256"], sha256_hex(&d.data));

    index
        .server()
        .inject("/_/oidc/mint-token", Fault::status(503));
    let token = {
        let r = mint(&index, &oidc.mint("pypi"));
        assert_eq!(r.status, 503);
        minted_token(&oidc, &index)
    };
    index.server().inject("/legacy/", Fault::retry_after(1));
    let r = upload(&index, &token, wheel_form(&d), &[]);
    assert_eq!((r.status, r.header("retry-after")), (429, Some("1")));
    // The seeded file counts as already uploaded: identical bytes are a no-op.
    let r = upload(&index, &token, wheel_form(&d), &[]);
    assert_eq!(r.status, 200);
    assert!(index.uploads()[0].duplicate);
}

#[test]
fn attestations_follow_warehouses_rules() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let d = dist::wheel("demo-pkg", "0.1.0");
    let publish = dist::attestation(&d.filename, &d.data, dist::PUBLISH_PREDICATE);
    let slsa = dist::attestation(&d.filename, &d.data, "https://slsa.dev/provenance/v1");
    let other_file = dist::attestation("other-1.0.tar.gz", &d.data, dist::PUBLISH_PREDICATE);
    let prefix = "Invalid attestations supplied during upload: ";
    let cases: Vec<(String, String)> = vec![
        (r#"{"version": 1}"#.into(), "Malformed attestations: Input should be a valid list".into()),
        (r#"[{"version": 1}]"#.into(), "Malformed attestations: verification_material".into()),
        ("[]".into(), "Malformed attestations: an empty attestation set is not permitted".into()),
        (json!([publish, slsa, publish]).to_string(), "A maximum of 2 attestations per file are supported".into()),
        (json!([publish, publish]).to_string(), "Multiple attestations for the same file with the same predicate type (https://docs.pypi.org/attestations/publish/v1) are not supported".into()),
        (json!([other_file]).to_string(), "Could not verify the uploaded artifact using the included attestation".into()),
    ];
    assert_eq!(cases.len(), 6);
    for (raw, expected) in &cases {
        let r = upload(
            &index,
            &token,
            wheel_form(&d).text("attestations", raw),
            &[],
        );
        assert_eq!(r.status, 400, "{raw}");
        assert!(
            r.reason.starts_with(&format!("{prefix}{expected}")),
            "{raw}: {}",
            r.reason
        );
    }
    assert!(index.files().is_empty());
    // A user's API token: refused whatever the attestation.
    index.add_api_token("pypi-user-token", None);
    let r = upload(
        &index,
        "pypi-user-token",
        wheel_form(&d).text("attestations", &json!([publish]).to_string()),
        &[],
    );
    assert_eq!(
        r.reason,
        format!("{prefix}Attestations are only supported when using Trusted Publishing")
    );
    // Both accepted predicate types, once each: stored.
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([publish, slsa]).to_string()),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.reason);
    assert_eq!(index.files().len(), 1);
}

/// A verifier that accepts the stand-in attestations' signature only.
fn signature_verifier(check: &AttestationCheck) -> Result<(), String> {
    let att: Value = serde_json::from_str(&check.attestation_json).unwrap();
    if att["envelope"]["signature"] == json!(b64(b"stand-in signature")) {
        Ok(())
    } else {
        Err("Signature is invalid for input".into())
    }
}

/// `GET` with an `Accept` header (`None`: no header).
fn get_accept(url: &str, accept: Option<&str>) -> client::ClientResponse {
    match accept {
        Some(a) => get_with(url, &[("Accept", a)]),
        None => get(url),
    }
}

#[test]
fn attestation_verifier_is_asked_per_attestation_and_its_reason_refuses_the_upload() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc).with_attestation_verifier(signature_verifier);
    let token = minted_token(&oidc, &index);
    let d = dist::wheel("demo-pkg", "0.1.0");
    let publish = dist::attestation(&d.filename, &d.data, dist::PUBLISH_PREDICATE);
    let slsa = dist::attestation(&d.filename, &d.data, "https://slsa.dev/provenance/v1");
    let mut forged = publish.clone();
    forged["envelope"]["signature"] = json!(b64(b"forged"));

    // Refused with warehouse's message around the verifier's reason, in the reason phrase
    // and in the JSON body.
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([forged]).to_string()),
        &[("Accept", "application/json")],
    );
    let message = "Invalid attestations supplied during upload: Could not verify the uploaded artifact using the included attestation: Signature is invalid for input";
    assert_eq!((r.status, r.reason.as_str()), (400, message));
    assert!(
        r.json()["message"].as_str().unwrap().contains(message),
        "{}",
        r.text()
    );
    assert!(index.files().is_empty());
    // The check named the file, its digest and the publisher the token was minted for.
    let checks = index.attestation_checks();
    assert_eq!(checks.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(&checks[0].attestation_json).unwrap(),
        forged
    );
    assert_eq!(checks[0].filename, d.filename);
    assert_eq!(checks[0].sha256, sha256_hex(&d.data));
    assert_eq!(checks[0].repository, "octo-org/demo-pkg");
    assert_eq!(checks[0].workflow, "release.yml");
    assert_eq!(checks[0].environment.as_deref(), Some("pypi"));

    // A structurally invalid set never reaches the verifier.
    let other_file = dist::attestation("other-1.0.tar.gz", &d.data, dist::PUBLISH_PREDICATE);
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([other_file]).to_string()),
        &[],
    );
    assert_eq!(r.status, 400);
    assert_eq!(index.attestation_checks().len(), 1);

    // The second of two attestations failing refuses the whole upload.
    let mut forged_slsa = slsa.clone();
    forged_slsa["envelope"]["signature"] = json!(b64(b"forged"));
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([publish, forged_slsa]).to_string()),
        &[],
    );
    assert_eq!((r.status, r.reason.as_str()), (400, message));
    assert_eq!(index.attestation_checks().len(), 3);

    // Both verified: stored with the file, each checked once.
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([publish, slsa]).to_string()),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.reason);
    assert_eq!(index.attestation_checks().len(), 5);
    assert_eq!(index.attestations(&d.filename), vec![publish, slsa]);

    // No attestations: the verifier is not asked.
    let s = dist::sdist("demo-pkg", "0.1.0");
    let r = upload(&index, &token, wheel_form(&s), &[]);
    assert_eq!(r.status, 200, "{}", r.reason);
    assert_eq!(index.attestation_checks().len(), 5);
    assert!(index.attestations(&s.filename).is_empty());
    assert_eq!(index.provenance(&s.filename), None);
}

#[test]
fn attestation_checks_use_the_registered_publisher_not_the_claims() {
    // A publisher with no environment ("any"): the identity has none either, although the
    // job ran in environment `pypi`.
    let oidc = GithubOidc::start();
    let index = Index::start();
    index.trust_github(&oidc);
    index.add_github_publisher(
        "demo-pkg",
        GithubPublisher::new("octo-org", "demo-pkg", "1000001", "release.yml"),
    );
    let index = index.with_attestation_verifier(|_| Ok(()));
    let token = minted_token(&oidc, &index);
    let d = dist::wheel("demo-pkg", "0.1.0");
    let publish = dist::attestation(&d.filename, &d.data, dist::PUBLISH_PREDICATE);
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([publish]).to_string()),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.reason);
    let checks = index.attestation_checks();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].environment, None);
    assert_eq!(
        index.provenance(&d.filename).unwrap()["attestation_bundles"][0]["publisher"],
        json!({"kind": "GitHub", "repository": "octo-org/demo-pkg", "workflow": "release.yml", "environment": null, "claims": null})
    );
}

/// An index holding `demo-pkg 0.1.0`: a wheel uploaded with a publish attestation and an
/// sdist uploaded without any.
fn index_with_provenance() -> (GithubOidc, Index, dist::Dist, dist::Dist, Value) {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let w = dist::wheel("demo-pkg", "0.1.0");
    let s = dist::sdist("demo-pkg", "0.1.0");
    let publish = dist::attestation(&w.filename, &w.data, dist::PUBLISH_PREDICATE);
    let r = upload(
        &index,
        &token,
        wheel_form(&w).text("attestations", &json!([publish]).to_string()),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.reason);
    let r = upload(&index, &token, wheel_form(&s), &[]);
    assert_eq!(r.status, 200, "{}", r.reason);
    (oidc, index, w, s, publish)
}

#[test]
fn integrity_api_serves_the_accepted_attestations_as_warehouse() {
    let (_oidc, index, w, s, publish) = index_with_provenance();
    let url = index.provenance_url("demo-pkg", "0.1.0", &w.filename);
    assert_eq!(
        url,
        format!(
            "{}/integrity/demo-pkg/0.1.0/{}/provenance",
            index.url(),
            w.filename
        )
    );
    let expected = json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": {
                "kind": "GitHub",
                "repository": "octo-org/demo-pkg",
                "workflow": "release.yml",
                "environment": "pypi",
                "claims": null,
            },
            "attestations": [publish],
        }],
    });
    let r = get_accept(&url, Some("application/vnd.pypi.integrity.v1+json"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.pypi.integrity.v1+json")
    );
    assert_eq!(r.header("vary"), Some("Accept"));
    assert_eq!(r.json(), expected);
    assert_eq!(index.provenance(&w.filename), Some(expected.clone()));
    // Content negotiation as webob's acceptable_offers over (integrity v1 JSON, JSON).
    for (accept, content_type) in [
        (None, "application/vnd.pypi.integrity.v1+json"),
        (Some("*/*"), "application/vnd.pypi.integrity.v1+json"),
        (Some("application/json"), "application/json"),
        (
            Some("text/html, application/vnd.pypi.integrity.v1+json; q=0.9"),
            "application/vnd.pypi.integrity.v1+json",
        ),
        (
            Some("application/vnd.pypi.integrity.v1+json; q=0.1, application/json"),
            "application/json",
        ),
    ] {
        let r = get_accept(&url, accept);
        assert_eq!(r.status, 200, "{accept:?}");
        assert_eq!(r.header("content-type"), Some(content_type), "{accept:?}");
        assert_eq!(r.json(), expected, "{accept:?}");
    }
    // 406 for what is not offered.
    for accept in [
        "text/html",
        "application/vnd.pypi.integrity.v1+html",
        "text/xml, application/octet-stream",
    ] {
        let r = get_accept(&url, Some(accept));
        assert_eq!(r.status, 406, "{accept}");
        assert_eq!(r.json(), json!({"message": "Request not acceptable"}));
    }
    // A file without attestations.
    let none_url = index.provenance_url("demo-pkg", "0.1.0", &s.filename);
    let r = get_accept(&none_url, Some("application/vnd.pypi.integrity.v1+json"));
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"message": format!("No provenance available for {}", s.filename)})
    );
    // No such file, or a file named under another release or project: the route does not
    // resolve (a plain 404, not warehouse's JSON one).
    for bad in [
        index.provenance_url("demo-pkg", "0.1.0", "demo_pkg-9.9.9-py3-none-any.whl"),
        index.provenance_url("demo-pkg", "0.2.0", &w.filename),
        index.provenance_url("other-pkg", "0.1.0", &w.filename),
        format!("{}/integrity/demo-pkg/0.1.0/{}", index.url(), w.filename),
    ] {
        let r = get_accept(&bad, Some("application/vnd.pypi.integrity.v1+json"));
        assert_eq!(r.status, 404, "{bad}");
        assert!(!r.text().contains("No provenance"), "{bad}: {}", r.text());
    }
    // Switched off: 403, after content negotiation.
    index.set_integrity_api_enabled(false);
    let r = get_accept(&url, Some("application/vnd.pypi.integrity.v1+json"));
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"message": "Attestations temporarily disabled"})
    );
    assert_eq!(get_accept(&url, Some("text/html")).status, 406);
    index.set_integrity_api_enabled(true);
    assert_eq!(get(&url).status, 200);
}

#[test]
fn integrity_api_bodies_parse_as_pypi_attestations_provenance() {
    let (_oidc, index, w, _s, _publish) = index_with_provenance();
    let body = get(&index.provenance_url("demo-pkg", "0.1.0", &w.filename)).text();
    let script = "import sys\nfrom pypi_attestations import Provenance\n\
        p = Provenance.model_validate_json(sys.stdin.read())\n\
        b = p.attestation_bundles[0]\n\
        print(b.publisher.kind, b.publisher.repository, b.publisher.workflow, \
        b.publisher.environment, len(b.attestations))\n";
    let mut child = tool("python")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.trim(), "GitHub octo-org/demo-pkg release.yml pypi 1");
}

#[test]
fn gitlab_uploads_are_checked_and_served_with_the_gitlab_identity() {
    let gitlab = GitlabOidc::new();
    let index = Index::start();
    index.trust_gitlab(&gitlab);
    index.add_gitlab_publisher("demo-pkg", GitlabPublisher::matching(&gitlab.claims()));
    let index = index.with_attestation_verifier(|_| Ok(()));
    let r = mint(&index, &gitlab.mint("pypi"));
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let d = dist::wheel("demo-pkg", "0.1.0");
    let publish = dist::attestation(&d.filename, &d.data, dist::PUBLISH_PREDICATE);
    let r = upload(
        &index,
        &token,
        wheel_form(&d).text("attestations", &json!([publish]).to_string()),
        &[],
    );
    assert_eq!(r.status, 200, "{}", r.reason);
    let check = &index.attestation_checks()[0];
    assert_eq!(
        (
            check.repository.as_str(),
            check.workflow.as_str(),
            check.environment.as_deref()
        ),
        ("octo-org/demo-pkg", ".gitlab-ci.yml", Some("pypi"))
    );
    let served = get(&index.provenance_url("demo-pkg", "0.1.0", &d.filename)).json();
    assert_eq!(
        served["attestation_bundles"][0]["publisher"],
        json!({"kind": "GitLab", "repository": "octo-org/demo-pkg", "workflow_filepath": ".gitlab-ci.yml", "environment": "pypi", "claims": null})
    );
}

/// The Simple API's provenance of `filename`: (JSON `provenance`, HTML `data-provenance`).
fn simple_provenance(index: &Index, filename: &str) -> (Value, Option<String>) {
    let url = format!("{}demo-pkg/", index.simple_url());
    let r = get_accept(&url, Some("application/vnd.pypi.simple.v1+json"));
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["meta"]["api-version"], "1.3");
    let file = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == filename)
        .unwrap()
        .clone();
    assert!(file.get("provenance").is_some(), "{file}");
    let html = get_accept(&url, Some("text/html")).text();
    let line = html
        .lines()
        .find(|l| l.contains(&format!(">{filename}</a>")))
        .unwrap()
        .to_string();
    let attr = line
        .split_once("data-provenance=\"")
        .map(|(_, rest)| rest.split('"').next().unwrap().to_string());
    (file["provenance"].clone(), attr)
}

#[test]
fn simple_api_links_the_provenance_of_attested_files() {
    let (_oidc, index, w, s, _publish) = index_with_provenance();
    let url = index.provenance_url("demo-pkg", "0.1.0", &w.filename);
    assert_eq!(
        simple_provenance(&index, &w.filename),
        (json!(url), Some(url.clone()))
    );
    assert_eq!(simple_provenance(&index, &s.filename), (Value::Null, None));
    // The link works.
    assert_eq!(
        get(simple_provenance(&index, &w.filename).0.as_str().unwrap()).status,
        200
    );
}

#[test]
fn integrity_api_knobs_serve_other_provenance_or_none() {
    let (_oidc, index, w, _s, publish) = index_with_provenance();
    let url = index.provenance_url("demo-pkg", "0.1.0", &w.filename);
    let held = index.provenance(&w.filename).unwrap();

    // A tampered attestation, in a bundle with the real publisher.
    let mut tampered = publish.clone();
    tampered["envelope"]["signature"] = json!(b64(b"tampered"));
    index.serve_attestations(&w.filename, vec![tampered.clone()]);
    let served = get(&url).json();
    assert_eq!(
        served["attestation_bundles"][0]["attestations"],
        json!([tampered])
    );
    assert_eq!(
        served["attestation_bundles"][0]["publisher"],
        held["attestation_bundles"][0]["publisher"]
    );
    assert_eq!(index.provenance(&w.filename), Some(held.clone()));
    assert_eq!(index.attestations(&w.filename), vec![publish]);

    // Any body at all.
    index.serve_provenance(
        &w.filename,
        json!({"version": 1, "attestation_bundles": []}),
    );
    assert_eq!(
        get(&url).json(),
        json!({"version": 1, "attestation_bundles": []})
    );

    // Dropped: the Integrity API and the Simple API act as if there were none.
    index.drop_provenance(&w.filename);
    let r = get(&url);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"message": format!("No provenance available for {}", w.filename)})
    );
    assert_eq!(simple_provenance(&index, &w.filename), (Value::Null, None));
    assert_eq!(index.provenance(&w.filename), Some(held.clone()));

    index.serve_stored_provenance(&w.filename);
    assert_eq!(get(&url).json(), held);
}

#[test]
fn burned_tokens_are_revoked_and_old_releases_take_no_new_files() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let r = post_json(
        &format!("{}/_/oidc/burn-token", index.url()),
        &json!({ "token": token }),
    );
    assert_eq!(r.status, 202);
    assert_eq!(r.json(), json!({"message": "Accepted", "errors": []}));
    // Any token, even an unknown one, gets the same answer.
    let r = post_json(
        &format!("{}/_/oidc/burn-token", index.url()),
        &json!({ "token": "pypi-unknown" }),
    );
    assert_eq!(r.status, 202);
    assert_eq!(
        index.burned_tokens(),
        vec![token.clone(), "pypi-unknown".to_string()]
    );
    let d = dist::wheel("demo-pkg", "0.1.0");
    assert_eq!(upload(&index, &token, wheel_form(&d), &[]).status, 403);

    let token = minted_token(&oidc, &index);
    index.seed_file_at(
        "demo-pkg",
        "0.1.0",
        "demo_pkg-0.1.0.tar.gz",
        b"an sdist",
        now_unix() - 15 * 86_400,
    );
    let r = upload(&index, &token, wheel_form(&d), &[]);
    assert_eq!(
        (r.status, r.reason.as_str()),
        (
            400,
            "Uploading new files to releases older than 14 days is not allowed."
        )
    );
    let newer = dist::wheel("demo-pkg", "0.1.1");
    assert_eq!(upload(&index, &token, wheel_form(&newer), &[]).status, 200);
}

// ---------------------------------------------------------------------------------------
// pypiserver

#[test]
fn pypiserver_accepts_authenticated_uploads_and_serves_them() {
    let server = PypiServer::start();
    assert!(server.upload_url().ends_with('/'));
    let d = dist::wheel("demo-pkg", "0.1.0");
    let (user, password) = server.credentials();

    let r = client::post_multipart(&server.upload_url(), wheel_form(&d), None, &[]);
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(r.header("www-authenticate").is_some());
    let r = client::post_multipart(
        &server.upload_url(),
        wheel_form(&d),
        Some((user, "wrong-password")),
        &[],
    );
    assert_eq!(r.status, 403, "{}", r.text());

    let r = client::post_multipart(
        &server.upload_url(),
        wheel_form(&d),
        Some((user, password)),
        &[],
    );
    assert_eq!(r.status, 200, "{}\n{}", r.text(), server.log());
    assert_eq!(server.package_files(), vec![d.filename.clone()]);

    let r = get(&format!("{}demo-pkg/", server.simple_url()));
    assert_eq!(r.status, 200);
    assert!(
        r.text()
            .contains(&format!("{}#sha256={}", d.filename, sha256_hex(&d.data))),
        "{}",
        r.text()
    );
    // Re-upload of an existing file is refused (409; 400 for twine's User-Agent).
    let r = client::post_multipart(
        &server.upload_url(),
        wheel_form(&d),
        Some((user, password)),
        &[],
    );
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(pypiserver::PASSWORD, "pypi-test-token");

    // A real client uploads to `/` with the same credentials, and pip-style installs work.
    let dir = tempfile::tempdir().unwrap();
    let newer = dist::wheel("demo-pkg", "0.2.0");
    let wheel_path = dir.path().join(&newer.filename);
    std::fs::write(&wheel_path, &newer.data).unwrap();
    run_ok(
        tool("uv")
            .args(["publish", "--username", user, "--password", password])
            .arg("--publish-url")
            .arg(server.upload_url())
            .arg(&wheel_path),
    );
    let target = dir.path().join("site");
    run_ok(
        tool("uv")
            .args(["pip", "install", "--python"])
            .arg(
                pypiserver::tools_dir()
                    .join("venv")
                    .join("bin")
                    .join("python"),
            )
            .arg("--target")
            .arg(&target)
            .arg("--index-url")
            .arg(server.simple_url())
            .arg("demo-pkg"),
    );
    let installed = std::fs::read_to_string(target.join("demo_pkg").join("__init__.py")).unwrap();
    assert_eq!(installed, "VERSION = \"0.2.0\"\n");
}

#[test]
fn uv_and_twine_upload_to_the_index_stand_in() {
    let oidc = GithubOidc::start();
    let index = Index::for_github(&oidc);
    let token = minted_token(&oidc, &index);
    let dir = tempfile::tempdir().unwrap();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let sdist = dist::sdist("demo-pkg", "0.1.0");
    let newer = dist::wheel("demo-pkg", "0.2.0");
    for d in [&wheel, &sdist, &newer] {
        std::fs::write(dir.path().join(&d.filename), &d.data).unwrap();
    }
    let path = |d: &dist::Dist| dir.path().join(&d.filename);

    // uv: JSON errors (it shows the `code` field), then a real upload.
    let out = tool("uv")
        .args(["publish", "--token", "pypi-wrong", "--publish-url"])
        .arg(index.upload_url())
        .arg(path(&wheel))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("403 Invalid or non-existent authentication information."),
        "{stderr}"
    );
    run_ok(
        tool("uv")
            .args(["publish", "--token", &token, "--publish-url"])
            .arg(index.upload_url())
            .arg(path(&wheel))
            .arg(path(&sdist)),
    );
    let fields = &index.uploads()[0];
    assert_eq!(fields.field("name"), Some("demo-pkg"));
    assert_eq!(fields.field("requires_python"), Some(">=3.9"));
    // uv's skip-existing by hash reads the PEP 691 JSON.
    let out = run_ok(
        tool("uv")
            .args(["publish", "--token", &token, "--check-url"])
            .arg(index.simple_url())
            .arg("--publish-url")
            .arg(index.upload_url())
            .arg(path(&wheel)),
    );
    assert!(out.contains("already exists, skipping"), "{out}");
    // The refused 403 never got past authentication, so it is not an upload attempt.
    assert_eq!(index.upload_attempts().len(), 2);

    // twine: a new file and an identical re-upload (200 no-op).
    run_ok(
        tool("twine")
            .args(["upload", "--disable-progress-bar", "--repository-url"])
            .arg(index.upload_url())
            .arg(path(&newer))
            .arg(path(&wheel))
            .env("TWINE_USERNAME", "__token__")
            .env("TWINE_PASSWORD", &token),
    );
    let attempts = index.upload_attempts();
    assert_eq!(attempts.len(), 4);
    assert!(attempts[3].duplicate);
    assert_eq!(index.files().len(), 3);
}
