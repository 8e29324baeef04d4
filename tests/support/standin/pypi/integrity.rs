//! PEP 740 on the index: the upload-time verification hook ([`AttestationCheck`]) and
//! warehouse's Integrity API (`api/integrity.py`):
//! `GET /integrity/<project>/<version>/<filename>/provenance`.
//!
//! The route resolves the file first (an unknown project, release or file, or a file of
//! another release: plain 404). Then, in warehouse's order: an `Accept` that offers neither
//! `application/vnd.pypi.integrity.v1+json` nor `application/json` → 406
//! `{"message": "Request not acceptable"}`; the Integrity API switched off (warehouse's
//! `DISABLE_PEP740` flag) → 403 `{"message": "Attestations temporarily disabled"}`; a file
//! without provenance → 404 `{"message": "No provenance available for <filename>"}`; else
//! 200 with the provenance object, `Content-Type` the negotiated type (no `Accept`: the
//! integrity type), `Vary: Accept`, `Cache-Control: max-age=600, public` and CORS headers.

use serde_json::{Value, json};

use super::super::http::{Request, Response};
use super::super::util::normalize_name;
use super::upload::accept_q;
use super::{AttestationCheck, Publisher, State, StoredFile};

/// `application/vnd.pypi.integrity.v1+json`.
pub const INTEGRITY_V1_JSON: &str = "application/vnd.pypi.integrity.v1+json";

/// What the Integrity API serves for a file, overriding what the index holds (test knobs).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ServedProvenance {
    /// Answer as if the file had no provenance (404).
    Dropped,
    /// Serve this provenance object instead.
    Replaced(Value),
}

/// The check for one attestation uploaded by `publisher`.
pub(super) fn check_for(
    publisher: &Publisher,
    attestation: &Value,
    filename: &str,
    sha256: &str,
) -> AttestationCheck {
    let (repository, workflow, environment) = identity(publisher);
    AttestationCheck {
        attestation_json: attestation.to_string(),
        filename: filename.to_string(),
        sha256: sha256.to_string(),
        repository,
        workflow,
        environment,
    }
}

/// (repository, workflow, environment) of a publisher's attestation identity.
fn identity(publisher: &Publisher) -> (String, String, Option<String>) {
    let env = |e: &str| (!e.is_empty()).then(|| e.to_string());
    match publisher {
        Publisher::Github(p) => (
            format!("{}/{}", p.owner, p.repository),
            p.workflow_filename.clone(),
            env(&p.environment),
        ),
        Publisher::Gitlab(p) => (
            format!("{}/{}", p.namespace, p.project),
            p.workflow_filepath.clone(),
            env(&p.environment),
        ),
    }
}

/// The publisher object of a provenance bundle (pypi-attestations' `GitHubPublisher` /
/// `GitLabPublisher`, with warehouse's `claims: null`).
pub fn publisher_json(publisher: &Publisher) -> Value {
    let (repository, workflow, environment) = identity(publisher);
    match publisher {
        Publisher::Github(_) => json!({
            "kind": "GitHub",
            "repository": repository,
            "workflow": workflow,
            "environment": environment,
            "claims": null,
        }),
        Publisher::Gitlab(_) => json!({
            "kind": "GitLab",
            "repository": repository,
            "workflow_filepath": workflow,
            "environment": environment,
            "claims": null,
        }),
    }
}

/// The provenance object warehouse stores for a file: one bundle of the publisher and the
/// accepted attestations.
pub fn provenance_json(publisher: &Publisher, attestations: &[Value]) -> Value {
    json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": publisher_json(publisher),
            "attestations": attestations,
        }],
    })
}

/// The provenance the Integrity API serves for a stored file (knobs applied).
pub(super) fn served(st: &State, file: &StoredFile) -> Option<Value> {
    match st.served_provenance.get(&file.filename) {
        Some(ServedProvenance::Dropped) => None,
        Some(ServedProvenance::Replaced(v)) => Some(v.clone()),
        None => file.provenance(),
    }
}

/// `{base}/integrity/<project>/<version>/<filename>/provenance`.
pub(super) fn provenance_url(base: &str, file: &StoredFile) -> String {
    format!(
        "{base}/integrity/{}/{}/{}/provenance",
        file.project, file.version, file.filename
    )
}

/// webob's `acceptable_offers` over warehouse's two offers: the first offer with the
/// highest q above zero; no (or an empty) `Accept`: the first offer.
fn select_content_type(accept: Option<&str>) -> Option<&'static str> {
    const OFFERS: [&str; 2] = [INTEGRITY_V1_JSON, "application/json"];
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(INTEGRITY_V1_JSON);
    };
    let mut best: Option<(&'static str, f32)> = None;
    for offer in OFFERS {
        let q = accept_q(accept, offer);
        if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
            best = Some((offer, q));
        }
    }
    best.map(|(offer, _)| offer)
}

/// The stored file `/integrity/<project>/<version>/<filename>/...` names, if consistent.
fn resolve<'a>(
    st: &'a State,
    project: &str,
    version: &str,
    filename: &str,
) -> Option<&'a StoredFile> {
    st.files
        .get(filename)
        .filter(|f| f.project == normalize_name(project) && f.version == version)
}

/// `GET /integrity/...` (`rest` is the path after `/integrity/`).
pub(super) fn handle(st: &State, req: &Request, rest: &str) -> Response {
    let not_found = || Response::text(404, "404 Not Found\n");
    let parts: Vec<&str> = rest.split('/').collect();
    let [project, version, filename, "provenance"] = parts.as_slice() else {
        return not_found();
    };
    let Some(file) = resolve(st, project, version, filename) else {
        return not_found();
    };
    if req.method != "GET" {
        return Response::text(405, "405 Method Not Allowed\n");
    }
    let Some(content_type) = select_content_type(req.header("accept")) else {
        return Response::json(406, &json!({"message": "Request not acceptable"}));
    };
    if !st.integrity_enabled {
        return Response::json(
            403,
            &json!({"message": "Attestations temporarily disabled"}),
        );
    }
    let Some(provenance) = served(st, file) else {
        return Response::json(
            404,
            &json!({"message": format!("No provenance available for {}", file.filename)}),
        );
    };
    Response::new(200)
        .header("Content-Type", content_type)
        .header("Vary", "Accept")
        .header("Cache-Control", "max-age=600, public")
        .header("Access-Control-Allow-Origin", "*")
        .header(
            "Access-Control-Allow-Headers",
            "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since",
        )
        .header("Access-Control-Allow-Methods", "GET")
        .header("Access-Control-Max-Age", "86400")
        .header("Access-Control-Expose-Headers", "X-PyPI-Last-Serial")
        .body(provenance.to_string().into_bytes())
}
