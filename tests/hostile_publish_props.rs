//! Property tests: every parser of data chora-publish gets from a server or a distribution
//! takes arbitrary bytes without panicking (issue 9 item 22): simple-API pages (HTML and
//! JSON), JWT payloads, METADATA / PKG-INFO, filenames, member names. The mint and audience
//! replies, RECORD and WHEEL have their own properties next to their (private) parsers.

use chora::publish::claims;
use chora::publish::dist::{members, parse_filename, parse_metadata};
use chora::publish::index::{parse_simple_html, parse_simple_json};
use proptest::prelude::*;

/// Arbitrary text: any bytes, read as UTF-8 with replacements, plus fragments that parsers
/// look for, so the interesting branches are reached.
fn hostile_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("href=".to_string()),
        Just("HREF = '".to_string()),
        Just("\"".to_string()),
        Just("#sha256=".to_string()),
        Just("<a ".to_string()),
        Just("{\"files\":[{\"filename\":".to_string()),
        Just("\"hashes\":{\"sha256\":".to_string()),
        Just("Name: ".to_string()),
        Just("\n ".to_string()),
        Just("\n\n".to_string()),
        Just(".".to_string()),
        Just("-".to_string()),
        Just("é".to_string()),
        proptest::collection::vec(any::<u8>(), 0..40)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    proptest::collection::vec(fragment, 0..30).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn simple_pages_never_panic(text in hostile_text()) {
        let _ = parse_simple_html(&text);
        let _ = parse_simple_json(&text);
    }

    #[test]
    fn jwt_payloads_never_panic(a in hostile_text(), b in hostile_text(), raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        let _ = claims::decode(&format!("{a}.{payload}.{b}"));
        let _ = claims::decode(&a);
    }

    #[test]
    fn metadata_and_names_never_panic(text in hostile_text()) {
        let _ = parse_metadata(&text);
        let _ = parse_filename(&text);
        let _ = parse_filename(&format!("{text}.whl"));
        let _ = parse_filename(&format!("{text}.tar.gz"));
        let _ = members::unsafe_name(&text);
    }
}

#[test]
fn a_simple_page_ending_in_href_is_harmless() {
    for page in [
        "href=",
        "<a href=",
        "<a href=\"",
        "<a href='x#sha256=",
        "HREF",
        "href =\u{e9}",
    ] {
        assert!(parse_simple_html(page).is_empty(), "{page}");
    }
    let page = "<A HREF = \"/p/demo_pkg-0.1.0.tar.gz#sha256=ABCDEF\" >x</a>";
    assert_eq!(parse_simple_html(page).len(), 1);
}

#[test]
fn a_closed_stdout_ends_check_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for v in ["0.1.0", "0.2.0", "0.3.0"] {
        let d = standin_wheel(dir.path(), v);
        files.push(d);
    }
    // stdout is a pipe whose reading end is closed before the command writes.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chora-publish"))
        .arg("check")
        .args(&files)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[path = "support/standin/mod.rs"]
mod standin;

fn standin_wheel(dir: &std::path::Path, version: &str) -> std::path::PathBuf {
    let d = standin::dist::wheel("demo-pkg", version);
    let path = dir.join(&d.filename);
    std::fs::write(&path, &d.data).unwrap();
    path
}
