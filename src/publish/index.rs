//! What an index already has, by hash, for `--skip-existing`: the JSON API
//! (`/pypi/<name>/json`) or the simple API page (`/simple/<name>/`, `#sha256=` fragments).
//! Never by matching error texts.

use std::collections::HashMap;

use super::http::error_chain;

/// The web root of an index, from its upload URL: `https://upload.pypi.org/legacy/` ->
/// `https://pypi.org/`, `https://test.pypi.org/legacy/` -> `https://test.pypi.org/`,
/// `http://host:port/` (pypiserver) -> itself.
pub fn web_root(upload_url: &reqwest::Url) -> reqwest::Url {
    let mut root = upload_url.clone();
    if root.host_str() == Some("upload.pypi.org") {
        let _ = root.set_host(Some("pypi.org"));
    }
    let path = root.path().trim_end_matches('/');
    let path = path.strip_suffix("/legacy").unwrap_or(path);
    root.set_path(&format!("{}/", path.trim_end_matches('/')));
    root.set_query(None);
    root
}

/// File name -> sha256 (hex) of the files the index has for `project`. An unknown project is
/// an empty map.
pub fn existing_files(
    client: &reqwest::blocking::Client,
    upload_url: &reqwest::Url,
    project: &str,
) -> Result<HashMap<String, String>, String> {
    let root = web_root(upload_url);
    let json_url = root
        .join(&format!("pypi/{project}/json"))
        .map_err(|e| e.to_string())?;
    if let Ok(resp) = client
        .get(json_url.clone())
        .header("Accept", "application/json")
        .send()
    {
        match resp.status().as_u16() {
            200 => {
                if let Ok(json) = resp.json::<serde_json::Value>() {
                    let mut out = HashMap::new();
                    collect_json_files(&json, &mut out);
                    return Ok(out);
                }
            }
            404 => {}
            _ => {}
        }
    }
    let simple_url = root
        .join(&format!("simple/{project}/"))
        .map_err(|e| e.to_string())?;
    let resp = client
        .get(simple_url.clone())
        .header("Accept", "text/html")
        .send()
        .map_err(|e| format!("cannot query {simple_url}: {}", error_chain(&e)))?;
    match resp.status().as_u16() {
        200 => Ok(parse_simple_html(&resp.text().unwrap_or_default())),
        404 => Ok(HashMap::new()),
        // pypiserver redirects unknown projects to the upstream index.
        300..=399 => Ok(HashMap::new()),
        status => Err(format!("{simple_url} answered HTTP {status}")),
    }
}

fn collect_json_files(json: &serde_json::Value, out: &mut HashMap<String, String>) {
    let mut add = |entry: &serde_json::Value| {
        if let (Some(name), Some(sha)) = (
            entry.get("filename").and_then(|v| v.as_str()),
            entry
                .get("digests")
                .and_then(|d| d.get("sha256"))
                .and_then(|v| v.as_str()),
        ) {
            out.insert(name.to_string(), sha.to_ascii_lowercase());
        }
    };
    if let Some(urls) = json.get("urls").and_then(|v| v.as_array()) {
        urls.iter().for_each(&mut add);
    }
    if let Some(releases) = json.get("releases").and_then(|v| v.as_object()) {
        for files in releases.values().filter_map(|v| v.as_array()) {
            files.iter().for_each(&mut add);
        }
    }
}

/// Links of a simple-API HTML page: `<a href="…/file#sha256=hex">file</a>`.
pub fn parse_simple_html(html: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for chunk in html.split("href=").skip(1) {
        let quote = chunk.chars().next().unwrap_or('"');
        let Some(href) = chunk[quote.len_utf8()..].split(quote).next() else {
            continue;
        };
        let (url, fragment) = href.split_once('#').unwrap_or((href, ""));
        let Some(sha) = fragment.strip_prefix("sha256=") else {
            continue;
        };
        let name = url.rsplit('/').next().unwrap_or(url);
        out.insert(name.to_string(), sha.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_roots() {
        let root = |u: &str| web_root(&reqwest::Url::parse(u).unwrap()).to_string();
        assert_eq!(root("https://upload.pypi.org/legacy/"), "https://pypi.org/");
        assert_eq!(
            root("https://test.pypi.org/legacy/"),
            "https://test.pypi.org/"
        );
        assert_eq!(root("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
        assert_eq!(
            root("http://127.0.0.1:8080/legacy"),
            "http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn simple_html_links() {
        let html = r#"<a href="../../packages/demo_pkg-0.1.0-py3-none-any.whl#sha256=ABC">x</a>
<a href='/p/demo_pkg-0.1.0.tar.gz#sha256=def'>y</a><a href="/nohash.whl">z</a>"#;
        let files = parse_simple_html(html);
        assert_eq!(files["demo_pkg-0.1.0-py3-none-any.whl"], "abc");
        assert_eq!(files["demo_pkg-0.1.0.tar.gz"], "def");
        assert_eq!(files.len(), 2);
    }
}
