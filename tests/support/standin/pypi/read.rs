//! The read side: Simple API (PEP 503 HTML / PEP 691 JSON), JSON API, file downloads.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::http::{Request, Response};
use super::super::util::normalize_name;
use super::upload::accept_q;
use super::{State, StoredFile, integrity};

/// The Simple API version served (1.3: PEP 740 `provenance`).
const API_VERSION: &str = "1.3";

/// A file's Integrity API URL, when the index serves provenance for it.
fn provenance_link(st: &State, base: &str, f: &StoredFile) -> Option<String> {
    integrity::served(st, f).map(|_| integrity::provenance_url(base, f))
}

fn wants_simple_json(req: &Request) -> bool {
    let accept = req.header("accept").unwrap_or("");
    let json = accept_q(accept, "application/vnd.pypi.simple.v1+json")
        .max(accept_q(accept, "application/vnd.pypi.simple.latest+json"));
    let html =
        accept_q(accept, "application/vnd.pypi.simple.v1+html").max(accept_q(accept, "text/html"));
    json > 0.0 && json >= html
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn simple_index(st: &State, req: &Request) -> Response {
    if wants_simple_json(req) {
        let projects: Vec<Value> = st
            .projects
            .iter()
            .map(|p| json!({"name": p, "_last-serial": st.serial}))
            .collect();
        return Response::new(200)
            .header("Content-Type", "application/vnd.pypi.simple.v1+json")
            .body(
                json!({"meta": {"api-version": API_VERSION, "_last-serial": st.serial}, "projects": projects})
                    .to_string()
                    .into_bytes(),
            );
    }
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"{API_VERSION}\">\n    <title>Simple index</title>\n  </head>\n  <body>\n",
    );
    for p in &st.projects {
        html.push_str(&format!("    <a href=\"/simple/{p}/\">{p}</a>\n"));
    }
    html.push_str("  </body>\n</html>\n");
    Response::html(200, html)
}

fn project_files<'a>(st: &'a State, project: &str) -> Vec<&'a StoredFile> {
    st.files.values().filter(|f| f.project == project).collect()
}

/// The files the simple page lists now: delayed files only once the page has been requested
/// more often than their `list_after` count ([`super::Index::list_after`]).
fn listed_files<'a>(st: &'a State, project: &str) -> Vec<&'a StoredFile> {
    let seen = st.simple_requests.get(project).copied().unwrap_or(0);
    project_files(st, project)
        .into_iter()
        .filter(|f| st.listed_after.get(&f.filename).is_none_or(|n| seen > *n))
        .collect()
}

pub(super) fn simple_project(st: &State, req: &Request, project: &str) -> Response {
    if !st.projects.contains(project) {
        return Response::text(404, "404 Not Found\n");
    }
    let base = req.base_url();
    let files = listed_files(st, project);
    if wants_simple_json(req) {
        let mut versions: Vec<String> = files.iter().map(|f| f.version.clone()).collect();
        versions.sort_by_key(|v| version_key(v));
        versions.dedup();
        let entries: Vec<Value> = files
            .iter()
            .map(|f| {
                json!({
                    "filename": f.filename,
                    "url": format!("{base}/packages/{}", f.filename),
                    // warehouse lists sha256 only (pip refuses hash names hashlib lacks).
                    "hashes": {"sha256": f.sha256},
                    "requires-python": if f.requires_python.is_empty() { Value::Null } else { json!(f.requires_python) },
                    "size": f.data.len(),
                    "upload-time": iso8601(f.upload_time),
                    "yanked": yanked_json(st, f),
                    "provenance": provenance_link(st, &base, f),
                })
            })
            .collect();
        return Response::new(200)
            .header("Content-Type", "application/vnd.pypi.simple.v1+json")
            .header("X-PyPI-Last-Serial", &st.serial.to_string())
            .body(
                json!({
                    "meta": {"api-version": API_VERSION, "_last-serial": st.serial},
                    "name": project,
                    "files": entries,
                    "versions": versions,
                })
                .to_string()
                .into_bytes(),
            );
    }
    let mut html = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"{API_VERSION}\">\n    <title>Links for {project}</title>\n  </head>\n  <body>\n    <h1>Links for {project}</h1>\n"
    );
    for f in files {
        let rp = if f.requires_python.is_empty() {
            String::new()
        } else {
            format!(
                " data-requires-python=\"{}\"",
                html_escape(&f.requires_python)
            )
        };
        let prov = provenance_link(st, &base, f)
            .map(|url| format!(" data-provenance=\"{}\"", html_escape(&url)))
            .unwrap_or_default();
        let prov = match st.yanked.get(&f.filename) {
            Some(reason) => format!("{prov} data-yanked=\"{}\"", html_escape(reason)),
            None => prov,
        };
        html.push_str(&format!(
            "    <a href=\"{base}/packages/{fname}#sha256={sha}\"{rp}{prov}>{fname}</a><br />\n",
            fname = f.filename,
            sha = f.sha256
        ));
    }
    html.push_str("  </body>\n</html>\n");
    Response::html(200, html).header("X-PyPI-Last-Serial", &st.serial.to_string())
}

/// A sortable key for simple versions (`1.10.0` after `1.9.0`); pre-releases are not
/// special-cased.
fn version_key(v: &str) -> Vec<(u64, String)> {
    v.split(['.', '-', '+'])
        .map(|seg| {
            let digits: String = seg.chars().take_while(char::is_ascii_digit).collect();
            (digits.parse().unwrap_or(0), seg[digits.len()..].to_string())
        })
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SS.000000Z` for a Unix time (civil-from-days).
fn iso8601(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// PEP 691 `yanked`: the reason (a string) when yanked with one, `true` without, else `false`.
fn yanked_json(st: &State, f: &StoredFile) -> Value {
    match st.yanked.get(&f.filename) {
        Some(reason) if !reason.is_empty() => json!(reason),
        Some(_) => json!(true),
        None => json!(false),
    }
}

fn json_file(st: &State, base: &str, f: &StoredFile) -> Value {
    let yanked = st.yanked.get(&f.filename);
    json!({
        "filename": f.filename,
        "url": format!("{base}/packages/{}", f.filename),
        "digests": {"sha256": f.sha256, "blake2b_256": f.blake2_256},
        "packagetype": f.filetype,
        "python_version": f.pyversion,
        "requires_python": if f.requires_python.is_empty() { Value::Null } else { json!(f.requires_python) },
        "size": f.data.len(),
        "upload_time_iso_8601": iso8601(f.upload_time),
        "yanked": yanked.is_some(),
        "yanked_reason": yanked.filter(|r| !r.is_empty()),
        "comment_text": "",
    })
}

pub(super) fn json_api(
    st: &State,
    req: &Request,
    project: &str,
    version: Option<&str>,
) -> Response {
    let name = normalize_name(project);
    if !st.projects.contains(&name) {
        return Response::json(404, &json!({"message": "Not Found"}));
    }
    let base = req.base_url();
    let files = project_files(st, &name);
    let mut releases: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for f in &files {
        releases
            .entry(f.version.clone())
            .or_default()
            .push(json_file(st, &base, f));
    }
    let latest = releases
        .keys()
        .max_by(|a, b| version_key(a).cmp(&version_key(b)))
        .cloned();
    let chosen = match version {
        Some(v) => {
            if !releases.contains_key(v) {
                return Response::json(404, &json!({"message": "Not Found"}));
            }
            Some(v.to_string())
        }
        None => latest,
    };
    let urls = chosen
        .as_ref()
        .and_then(|v| releases.get(v))
        .cloned()
        .unwrap_or_default();
    let requires_python = files
        .iter()
        .find(|f| Some(&f.version) == chosen.as_ref())
        .map(|f| f.requires_python.clone())
        .unwrap_or_default();
    let mut body = json!({
        "info": {
            "name": name,
            "version": chosen,
            "requires_python": requires_python,
            "summary": "",
            "yanked": false,
        },
        "last_serial": st.serial,
        "urls": urls,
        "vulnerabilities": [],
    });
    if version.is_none() {
        body["releases"] = json!(releases);
    }
    Response::json(200, &body)
}
