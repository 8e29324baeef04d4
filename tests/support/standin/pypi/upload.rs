//! `POST /legacy/`: warehouse's `forklift/legacy.py` checks and pyramid's error rendering.

use serde_json::json;

use super::super::http::{Request, Response};
use super::super::util::{
    b64_decode, blake2_256_hex, normalize_name, now_unix, py_repr, sha256_hex,
};
use super::{State, StoredFile, TokenInfo, Upload};

/// Which representation an error body gets, as pyramid negotiates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorFormat {
    Html,
    Json,
    Text,
}

/// q-value of `offer` under an Accept header (most specific matching range wins).
pub(super) fn accept_q(accept: &str, offer: &str) -> f32 {
    let (otype, osub) = offer.split_once('/').unwrap_or((offer, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0f32;
        for p in parts {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let (t, s) = media.split_once('/').unwrap_or((media.as_str(), ""));
        let specificity = if t == otype && s == osub {
            3
        } else if t == otype && s == "*" {
            2
        } else if t == "*" && s == "*" {
            1
        } else {
            continue;
        };
        if best.is_none_or(|(sp, _)| specificity > sp) {
            best = Some((specificity, q));
        }
    }
    best.map(|(_, q)| q).unwrap_or(0.0)
}

fn negotiate_error(accept: Option<&str>) -> ErrorFormat {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return ErrorFormat::Html;
    };
    let html = accept_q(accept, "text/html");
    let json = accept_q(accept, "application/json");
    if html <= 0.0 && json <= 0.0 {
        ErrorFormat::Text
    } else if json > html {
        ErrorFormat::Json
    } else {
        ErrorFormat::Html
    }
}

/// A warehouse `_exc_with_message(HTTPxxx, message)` response.
fn exc_with_message(status: u16, message: &str, accept: Option<&str>) -> Response {
    let (title, explanation) = match status {
        400 => (
            "Bad Request",
            "The server could not comply with the request since it is either malformed or otherwise incorrect.",
        ),
        403 => ("Forbidden", "Access was denied to this resource."),
        429 => (
            "Too Many Requests",
            "The action could not be performed because there were too many requests by the client.",
        ),
        _ => (super::super::http::reason_phrase(status), ""),
    };
    // The reason phrase carries the message, ISO-8859-1 only.
    let reason: String = message
        .chars()
        .map(|c| if (c as u32) < 256 { c } else { '?' })
        .collect();
    let status_line = format!("{status} {reason}");
    let resp = match negotiate_error(accept) {
        ErrorFormat::Json => {
            let body = format!("{explanation}\n\n\n{message}\n\n");
            Response::json(
                status,
                &json!({"message": body, "code": status_line, "title": title}),
            )
        }
        ErrorFormat::Html => {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
            };
            let body = format!("{}<br/><br/>\n{}\n\n", esc(explanation), esc(message));
            Response::html(
                status,
                format!(
                    "<html>\n <head>\n  <title>{st}</title>\n </head>\n <body>\n  <h1>{st}</h1>\n  {body}\n </body>\n</html>",
                    st = esc(&status_line)
                ),
            )
        }
        ErrorFormat::Text => Response::text(
            status,
            format!("{status_line}\n\n{explanation}\n\n\n{message}\n\n"),
        ),
    };
    resp.reason(reason)
}

/// One part of a multipart body.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let last = hay.len() - needle.len();
    let mut i = from;
    while i <= last {
        match hay[i..=last].iter().position(|&b| b == needle[0]) {
            None => return None,
            Some(off) => {
                i += off;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    // Parameters are `; key="value"` or `; key=value`.
    let mut rest = disposition;
    while let Some(pos) = rest.find(';') {
        rest = rest[pos + 1..].trim_start();
        let (k, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(stripped) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = stripped.char_indices();
            let mut end = stripped.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            (out, &stripped[end.min(stripped.len())..])
        } else {
            let end = after.find(';').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        if k.trim().eq_ignore_ascii_case(key) {
            return Some(value);
        }
        rest = tail;
    }
    None
}

/// Parse a `multipart/form-data` body.
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| {
            p.strip_prefix("boundary=")
                .or_else(|| p.strip_prefix("BOUNDARY="))
        })
        .map(|b| b.trim_matches('"').to_string())
        .ok_or("no boundary in Content-Type")?;
    let delim = format!("--{boundary}").into_bytes();
    let mut sep = b"\r\n".to_vec();
    sep.extend_from_slice(&delim);
    let mut pos = find(body, &delim, 0).ok_or("opening boundary not found")? + delim.len();
    let mut parts = Vec::new();
    loop {
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("malformed boundary line".into());
        }
        pos += 2;
        let head_end = find(body, b"\r\n\r\n", pos).ok_or("part headers not terminated")?;
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let data_start = head_end + 4;
        let data_end = find(body, &sep, data_start).ok_or("closing boundary not found")?;
        let mut name = None;
        let mut filename = None;
        let mut ctype = None;
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = disposition_param(v, "name");
                filename = disposition_param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                ctype = Some(v.trim().to_string());
            }
        }
        parts.push(Part {
            name: name.ok_or("part without a name")?,
            filename,
            content_type: ctype,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + sep.len();
    }
}

struct UploadError {
    status: u16,
    message: String,
}

fn err(status: u16, message: impl Into<String>) -> UploadError {
    UploadError {
        status,
        message: message.into(),
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn upload(st: &mut State, req: &Request) -> Response {
    let accept = req.header("accept");
    // Authentication comes first (before the form is even looked at).
    let token = match authenticate(st, req) {
        Ok(t) => t,
        Err(e) => return exc_with_message(e.status, &e.message, accept),
    };
    let content_type = req.header("content-type").unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return exc_with_message(400, "Upload payload does not have a file.", accept);
    }
    let parts = match parse_multipart(content_type, &req.body) {
        Ok(p) => p,
        Err(e) => return exc_with_message(400, &format!("Invalid multipart body: {e}"), accept),
    };
    let fields: Vec<(String, String)> = parts
        .iter()
        .filter(|p| p.filename.is_none())
        .map(|p| {
            (
                p.name.clone(),
                String::from_utf8_lossy(&p.data).into_owned(),
            )
        })
        .collect();
    let content = parts
        .iter()
        .find(|p| p.name == "content" && p.filename.is_some());
    let data = content.map(|p| p.data.clone()).unwrap_or_default();
    let filename = content.and_then(|p| p.filename.clone()).unwrap_or_default();
    let sha = sha256_hex(&data);
    let blake = blake2_256_hex(&data);

    let outcome = process_upload(
        st,
        &token,
        &fields,
        content.is_some(),
        &filename,
        &data,
        &sha,
        &blake,
    );
    let (status, message, duplicate) = match &outcome {
        Ok(dup) => (200, String::new(), *dup),
        Err(e) => (e.status, e.message.clone(), false),
    };
    st.uploads.push(Upload {
        filename,
        fields,
        size: data.len(),
        sha256: sha,
        blake2_256: blake,
        status,
        message: message.clone(),
        duplicate,
        token: token.token.clone(),
    });
    // warehouse answers 200 with the newline-joined warnings as the body.
    let mut warnings: Vec<&str> = Vec::new();
    if !token.minted && !st.two_factor {
        warnings.push("Two factor authentication is not enabled for your account.");
    }
    match outcome {
        Ok(_) => Response::new(200)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(warnings.join("\n").into_bytes()),
        Err(e) => exc_with_message(e.status, &e.message, accept),
    }
}

fn authenticate(st: &State, req: &Request) -> Result<TokenInfo, UploadError> {
    let invalid = || {
        err(
            403,
            "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.",
        )
    };
    let auth = req.header("authorization").ok_or_else(invalid)?;
    let (scheme, value) = auth.split_once(' ').ok_or_else(invalid)?;
    let password = if scheme.eq_ignore_ascii_case("basic") {
        let decoded = b64_decode(value).ok_or_else(invalid)?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
        let (user, password) = decoded.split_once(':').ok_or_else(invalid)?;
        if user != "__token__" {
            return Err(err(
                403,
                "Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See https://pypi.org/help/#apitoken and https://pypi.org/help/#trusted-publishers",
            ));
        }
        password.to_string()
    } else if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") {
        value.trim().to_string()
    } else {
        return Err(invalid());
    };
    let info = st.tokens.get(&password).cloned().ok_or_else(invalid)?;
    if st.revoked.contains(&password) {
        return Err(invalid());
    }
    if info.expires.is_some_and(|e| now_unix() >= e) {
        return Err(err(403, "Invalid API Token: token is expired"));
    }
    Ok(info)
}

#[allow(clippy::too_many_arguments)]
fn process_upload(
    st: &mut State,
    token: &TokenInfo,
    fields: &[(String, String)],
    has_content: bool,
    filename: &str,
    data: &[u8],
    sha: &str,
    blake: &str,
) -> Result<bool, UploadError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty() && v != "UNKNOWN")
    };
    if field("protocol_version").is_some_and(|v| v != "1") {
        return Err(err(400, "Unknown protocol version."));
    }
    if field(":action").as_deref() != Some("file_upload") {
        return Err(err(
            400,
            format!(
                "Invalid value for :action. Error: {} is not a supported action.",
                py_repr(&field(":action").unwrap_or_default())
            ),
        ));
    }
    for required in st.required_fields.clone() {
        if fields.iter().all(|(k, _)| k != &required) {
            return Err(err(
                400,
                format!("Invalid value for {required}. Error: This field is required."),
            ));
        }
    }
    let filetype = field("filetype").unwrap_or_default();
    if !matches!(filetype.as_str(), "bdist_wheel" | "sdist") {
        return Err(err(
            400,
            format!(
                "Invalid value for filetype. Error: {} is not a valid file type.",
                py_repr(&filetype)
            ),
        ));
    }
    let pyversion = field("pyversion").unwrap_or_default();
    if filetype == "sdist" && !pyversion.is_empty() && pyversion != "source" {
        return Err(err(
            400,
            "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.",
        ));
    }
    if filetype != "sdist" && pyversion.is_empty() {
        return Err(err(
            400,
            "Invalid value for pyversion. Error: Python version is required for binary distribution uploads.",
        ));
    }
    let sha_field = field("sha256_digest");
    let blake_field = field("blake2_256_digest");
    let md5_field = field("md5_digest");
    if sha_field.is_none() && blake_field.is_none() && md5_field.is_none() {
        return Err(err(400, "Error: Include at least one message digest."));
    }
    if sha_field.as_deref().is_some_and(|d| !is_hex64(d)) {
        return Err(err(
            400,
            "Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.",
        ));
    }
    if blake_field.as_deref().is_some_and(|d| !is_hex64(d)) {
        return Err(err(
            400,
            "Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.",
        ));
    }
    let name = field("name").unwrap_or_default();
    let version = field("version").unwrap_or_default();
    if !has_content {
        return Err(err(400, "Upload payload does not have a file."));
    }

    // Project: exists, or may be created by a user identity only.
    let project = normalize_name(&name);
    if !st.projects.contains(&project) {
        if token.minted {
            return Err(err(
                400,
                "Non-user identities cannot create new projects. This was probably caused by successfully using a pending publisher but specifying the project name incorrectly (either in the publisher or in your project's metadata). Please ensure that both match. See: https://docs.pypi.org/trusted-publishers/troubleshooting/",
            ));
        }
        if token.projects.is_none() {
            st.projects.insert(project.clone());
        }
    }
    if let Some(scope) = &token.projects
        && !scope.contains(&project)
    {
        return Err(err(
            403,
            format!(
                "The given token isn't allowed to upload to project {}. See https://pypi.org/help/#project-name for more information.",
                py_repr(&name)
            ),
        ));
    }

    // Filename.
    if filename.chars().any(|c| (c as u32) < 32 || c as u32 == 127) {
        return Err(err(
            400,
            "Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL character (ordinal 127) in the name.",
        ));
    }
    if filename.contains('/') || filename.contains('\\') {
        return Err(err(
            400,
            "Cannot upload a file with '/' or '\\' in the name.",
        ));
    }
    let ext_ok = match filetype.as_str() {
        "bdist_wheel" => filename.ends_with(".whl"),
        _ => filename.ends_with(".tar.gz") || filename.ends_with(".zip"),
    };
    if !ext_ok {
        return Err(err(
            400,
            format!(
                "Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information ({filename} is not valid for {filetype})."
            ),
        ));
    }

    // Digests.
    let supplied = [(&sha_field, sha), (&blake_field, blake)];
    if supplied
        .iter()
        .any(|(given, actual)| given.as_ref().is_some_and(|g| g.to_lowercase() != *actual))
    {
        return Err(err(
            400,
            "The digest supplied does not match a digest calculated from the uploaded file.",
        ));
    }

    // Duplicates: same filename or same content.
    let existing = st
        .files
        .values()
        .find(|f| f.filename == filename || f.blake2_256 == blake)
        .cloned();
    if let Some(f) = existing {
        if f.filename == filename && f.sha256 == sha && f.blake2_256 == blake {
            return Ok(true);
        }
        return Err(err(
            400,
            format!(
                "File already exists ({}, with blake2_256 hash {}). See https://pypi.org/help/#file-name-reuse for more information.",
                py_repr(filename),
                py_repr(blake)
            ),
        ));
    }
    // PyPI's 14-day rule (warehouse PR #19727): a release takes new files only during its
    // first 14 days. Checked after the duplicate check, so an identical re-upload stays a
    // no-op.
    let release_created = st
        .files
        .values()
        .filter(|f| f.project == project && f.version == version)
        .map(|f| f.upload_time)
        .min();
    if release_created.is_some_and(|t| now_unix() - t > 14 * 86_400) {
        return Err(err(
            400,
            "Uploading new files to releases older than 14 days is not allowed.",
        ));
    }
    let attestations = match fields.iter().find(|(k, _)| k == "attestations") {
        Some((_, raw)) => check_attestations(token, raw, filename, sha)
            .and_then(|list| verify_attestations(st, token, &list, filename, sha).map(|()| list))
            .map_err(|m| {
                err(
                    400,
                    format!("Invalid attestations supplied during upload: {m}"),
                )
            })?,
        None => Vec::new(),
    };
    if filetype == "sdist"
        && st
            .files
            .values()
            .any(|f| f.project == project && f.version == version && f.filetype == "sdist")
    {
        return Err(err(400, "Only one sdist may be uploaded per release."));
    }
    let underscored = project.replace('-', "_");
    if filetype == "sdist" {
        let expected = format!("{underscored}-{version}.tar.gz");
        if filename.ends_with(".tar.gz") && filename != expected {
            let prefix = filename.rsplit_once('-').map(|(n, _)| n).unwrap_or("");
            if normalize_name(prefix) != project {
                return Err(err(
                    400,
                    format!(
                        "Start filename for {} with {}.",
                        py_repr(&name),
                        py_repr(&underscored)
                    ),
                ));
            }
            return Err(err(
                400,
                format!(
                    "Filename {} is invalid, should be {}.",
                    py_repr(filename),
                    py_repr(&expected)
                ),
            ));
        }
    } else {
        let name_from_filename = filename.split('-').next().unwrap_or("");
        if name_from_filename != underscored {
            return Err(err(
                400,
                format!(
                    "Start filename for {} with {}.",
                    py_repr(&name),
                    py_repr(&underscored)
                ),
            ));
        }
    }

    st.serial += 1;
    st.files.insert(
        filename.to_string(),
        StoredFile {
            filename: filename.to_string(),
            project,
            version,
            filetype,
            pyversion,
            requires_python: field("requires_python").unwrap_or_default(),
            sha256: sha.to_string(),
            blake2_256: blake.to_string(),
            data: data.to_vec(),
            upload_time: now_unix(),
            publisher: if attestations.is_empty() {
                None
            } else {
                token.publisher.clone()
            },
            attestations,
        },
    );
    Ok(false)
}

/// The predicate types warehouse accepts (`SUPPORTED_ATTESTATION_TYPES`).
const PREDICATE_TYPES: &[&str] = &[
    "https://docs.pypi.org/attestations/publish/v1",
    "https://slsa.dev/provenance/v1",
];

/// warehouse's attestation rules (`attestations/services.py`), structurally: only with
/// Trusted Publishing; a non-empty JSON array of at most 2 attestations (`version` 1,
/// `verification_material.certificate` and at least one transparency entry, a DSSE
/// `envelope` with a base64 `statement` and `signature`), one per predicate type, each
/// statement naming this file with its sha256. Signatures are not verified (no Sigstore here).
fn check_attestations(
    token: &TokenInfo,
    raw: &str,
    filename: &str,
    sha: &str,
) -> Result<Vec<serde_json::Value>, String> {
    if !token.minted {
        return Err("Attestations are only supported when using Trusted Publishing".into());
    }
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("Malformed attestations: {e}"))?;
    let list = value
        .as_array()
        .ok_or_else(|| "Malformed attestations: Input should be a valid list".to_string())?;
    if list.is_empty() {
        return Err(
            "Malformed attestations: an empty attestation set is not permitted".to_string(),
        );
    }
    if list.len() > 2 {
        return Err("A maximum of 2 attestations per file are supported".to_string());
    }
    let mut seen: Vec<String> = Vec::new();
    for a in list {
        let malformed = |what: &str| format!("Malformed attestations: {what}");
        if a.get("version").and_then(|v| v.as_u64()) != Some(1) {
            return Err(malformed("version: Input should be 1"));
        }
        let certificate = a
            .pointer("/verification_material/certificate")
            .and_then(|v| v.as_str());
        if certificate.and_then(b64_decode).is_none() {
            return Err(malformed(
                "verification_material.certificate: Field required (base64 DER)",
            ));
        }
        let entries = a
            .pointer("/verification_material/transparency_entries")
            .and_then(|v| v.as_array());
        if entries.is_none_or(|e| e.is_empty()) {
            return Err(malformed(
                "verification_material.transparency_entries: List should have at least 1 item",
            ));
        }
        let statement = a
            .pointer("/envelope/statement")
            .and_then(|v| v.as_str())
            .and_then(b64_decode)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        let signature = a
            .pointer("/envelope/signature")
            .and_then(|v| v.as_str())
            .and_then(b64_decode);
        let (Some(statement), Some(_)) = (statement, signature) else {
            return Err(malformed(
                "envelope: statement and signature must be base64 (a DSSE envelope)",
            ));
        };
        let subjects = statement
            .get("subject")
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default();
        let matches = subjects.len() == 1
            && subjects[0].get("name").and_then(|v| v.as_str()) == Some(filename)
            && subjects[0]
                .pointer("/digest/sha256")
                .and_then(|v| v.as_str())
                .is_some_and(|d| d.eq_ignore_ascii_case(sha));
        if !matches {
            return Err(format!(
                "Could not verify the uploaded artifact using the included attestation: the statement's subject is not {filename} with sha256 {sha}"
            ));
        }
        let predicate = statement
            .get("predicateType")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        if !PREDICATE_TYPES.contains(&predicate.as_str()) {
            return Err(format!(
                "Attestation with unsupported predicate type: {predicate}"
            ));
        }
        if seen.contains(&predicate) {
            return Err(format!(
                "Multiple attestations for the same file with the same predicate type ({predicate}) are not supported"
            ));
        }
        seen.push(predicate);
    }
    Ok(list.clone())
}

/// The hook (warehouse's `attestation.verify(publisher.attestation_identity, dist)`): each
/// attestation, in order, checked against the publisher the token was minted for.
fn verify_attestations(
    st: &mut State,
    token: &TokenInfo,
    list: &[serde_json::Value],
    filename: &str,
    sha: &str,
) -> Result<(), String> {
    let Some(publisher) = &token.publisher else {
        return Err("Attestations are only supported when using Trusted Publishing".into());
    };
    for attestation in list {
        let check = super::integrity::check_for(publisher, attestation, filename, sha);
        st.attestation_checks.push(check.clone());
        if let Some(verify) = &st.verifier {
            verify(&check).map_err(|reason| {
                format!(
                    "Could not verify the uploaded artifact using the included attestation: {reason}"
                )
            })?;
        }
    }
    Ok(())
}
