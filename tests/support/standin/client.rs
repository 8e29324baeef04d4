//! A tiny blocking HTTP/1.1 client on `std::net`, for tests that talk to the stand-ins
//! directly (plain `http://` only; one request per connection).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::http::header_value;
use super::util::{b64, random_hex};

/// A response read by [`request`].
#[derive(Clone, Debug)]
pub struct ClientResponse {
    pub status: u16,
    /// The reason phrase exactly as sent (warehouse puts its message here).
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ClientResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response {} {} is not JSON ({e}): {}",
                self.status,
                self.reason,
                self.text()
            )
        })
    }
}

/// Split `http://host:port/path?query` into (`host:port`, `/path?query`).
pub fn split_url(url: &str) -> (String, String) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("only http:// URLs are supported: {url}"));
    let (authority, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => match rest.find('?') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        },
    };
    let target = if target.starts_with('?') {
        format!("/{target}")
    } else {
        target.to_string()
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    (authority, target)
}

/// Send one request and read the whole response. `headers` are sent as given;
/// `Host`, `Content-Length` and `Connection: close` are added.
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<ClientResponse> {
    let (authority, target) = split_url(url);
    let mut stream = TcpStream::connect(&authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {authority}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    read_response(&mut BufReader::new(stream), method == "HEAD")
}

fn read_line(r: &mut impl BufRead) -> io::Result<String> {
    let mut buf = Vec::new();
    r.read_until(b'\n', &mut buf)?;
    if buf.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed before the response head was complete",
        ));
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    // Reason phrases are ISO-8859-1.
    Ok(buf.iter().map(|&b| b as char).collect())
}

fn read_response(r: &mut impl BufRead, head_only: bool) -> io::Result<ClientResponse> {
    loop {
        let status_line = read_line(r)?;
        let mut parts = status_line.splitn(3, ' ');
        let _version = parts.next();
        let status: u16 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad status line {status_line:?}"),
            )
        })?;
        let reason = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            let line = read_line(r)?;
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        if (100..200).contains(&status) {
            continue; // 100 Continue and friends
        }
        let mut body = Vec::new();
        if !head_only && status != 204 && status != 304 {
            let chunked = header_value(&headers, "transfer-encoding")
                .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
            if chunked {
                loop {
                    let size_line = read_line(r)?;
                    let size =
                        usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                            .map_err(|_| {
                                io::Error::new(io::ErrorKind::InvalidData, "bad chunk size")
                            })?;
                    if size == 0 {
                        while !read_line(r)?.is_empty() {}
                        break;
                    }
                    let start = body.len();
                    r.take(size as u64).read_to_end(&mut body)?;
                    if body.len() - start < size {
                        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short chunk"));
                    }
                    read_line(r)?;
                }
            } else if let Some(len) = header_value(&headers, "content-length") {
                let len: usize = len.parse().map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidData, "bad Content-Length")
                })?;
                r.take(len as u64).read_to_end(&mut body)?;
                if body.len() < len {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short body"));
                }
            } else {
                r.read_to_end(&mut body)?;
            }
        }
        return Ok(ClientResponse {
            status,
            reason,
            headers,
            body,
        });
    }
}

/// `GET url`, panicking on a transport error.
pub fn get(url: &str) -> ClientResponse {
    get_with(url, &[])
}

/// `GET url` with headers, panicking on a transport error.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> ClientResponse {
    request("GET", url, headers, b"").unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

/// `POST url` with a JSON body, panicking on a transport error.
pub fn post_json(url: &str, value: &serde_json::Value) -> ClientResponse {
    let body = value.to_string();
    request(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("POST {url}: {e}"))
}

/// The value of an `Authorization: Basic` header.
pub fn basic_auth(user: &str, password: &str) -> String {
    format!("Basic {}", b64(format!("{user}:{password}").as_bytes()))
}

/// A `multipart/form-data` body builder (what upload clients send to `/legacy/`).
#[derive(Clone, Debug)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

impl Multipart {
    pub fn new() -> Self {
        Multipart {
            boundary: format!("standin-boundary-{}", random_hex(12)),
            body: Vec::new(),
        }
    }

    /// Add a text field.
    pub fn text(mut self, name: &str, value: &str) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(value.as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// Add a file field.
    pub fn file(mut self, name: &str, filename: &str, data: &[u8]) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                self.boundary
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// (`Content-Type` header value, body).
    pub fn finish(mut self) -> (String, Vec<u8>) {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        (
            format!("multipart/form-data; boundary={}", self.boundary),
            self.body,
        )
    }
}

/// The form fields a legacy upload of `filename` sends (twine/uv style), with correct
/// digests of `data`: `:action`, `protocol_version`, `name`, `version`, `filetype`,
/// `pyversion`, `metadata_version`, `requires_python`, `sha256_digest`, `blake2_256_digest`.
pub fn upload_form(name: &str, version: &str, filename: &str, data: &[u8]) -> Multipart {
    let (filetype, pyversion) = if filename.ends_with(".whl") {
        let tag = filename
            .trim_end_matches(".whl")
            .rsplit('-')
            .nth(2)
            .unwrap_or("py3")
            .to_string();
        ("bdist_wheel", tag)
    } else {
        ("sdist", "source".to_string())
    };
    Multipart::new()
        .text(":action", "file_upload")
        .text("protocol_version", "1")
        .text("name", name)
        .text("version", version)
        .text("filetype", filetype)
        .text("pyversion", &pyversion)
        .text("metadata_version", "2.4")
        .text("requires_python", ">=3.9")
        .text("sha256_digest", &super::util::sha256_hex(data))
        .text("blake2_256_digest", &super::util::blake2_256_hex(data))
        .file("content", filename, data)
}

/// POST a multipart form to `url` with HTTP Basic credentials, panicking on transport errors.
pub fn post_multipart(
    url: &str,
    form: Multipart,
    auth: Option<(&str, &str)>,
    extra_headers: &[(&str, &str)],
) -> ClientResponse {
    let (content_type, body) = form.finish();
    let auth_header = auth.map(|(u, p)| basic_auth(u, p));
    let mut headers: Vec<(&str, &str)> = vec![("Content-Type", content_type.as_str())];
    if let Some(a) = &auth_header {
        headers.push(("Authorization", a.as_str()));
    }
    headers.extend_from_slice(extra_headers);
    request("POST", url, &headers, &body).unwrap_or_else(|e| panic!("POST {url}: {e}"))
}
