//! A wheel's RECORD: its CSV rows and the hashers for the algorithms it may name.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

/// One parsed RECORD row.
pub(super) struct RecordRow {
    pub(super) line: usize,
    pub(super) hash: Option<(String, Vec<u8>)>,
    pub(super) size: Option<u64>,
}

/// Split one CSV line (RECORD uses the csv module's default dialect: `,` and `"` quoting).
pub(super) fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

pub(super) fn parse_record(text: &str, details: &mut Vec<String>) -> BTreeMap<String, RecordRow> {
    let mut rows = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(line);
        let [path, hash, size] = fields.as_slice() else {
            details.push(format!(
                "line {line_no} has {} fields, expected 3 (path,hash,size)",
                fields.len()
            ));
            continue;
        };
        let hash = if hash.is_empty() {
            None
        } else {
            match hash.split_once('=') {
                Some((algo, value)) => match URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')) {
                    Ok(bytes) => Some((algo.to_ascii_lowercase(), bytes)),
                    Err(_) => {
                        details.push(format!(
                            "line {line_no}: the hash of {path} is not urlsafe base64"
                        ));
                        continue;
                    }
                },
                None => {
                    details.push(format!(
                        "line {line_no}: the hash of {path} is not `algorithm=value`"
                    ));
                    continue;
                }
            }
        };
        let size = if size.is_empty() {
            None
        } else if let Ok(n) = size.parse::<u64>() {
            Some(n)
        } else {
            details.push(format!(
                "line {line_no}: size '{size}' of {path} is not a number"
            ));
            continue;
        };
        if rows
            .insert(
                path.clone(),
                RecordRow {
                    line: line_no,
                    hash,
                    size,
                },
            )
            .is_some()
        {
            details.push(format!("{path} is listed more than once"));
        }
    }
    rows
}

/// A hasher for the algorithms RECORD may use (sha256 or stronger).
pub(super) enum RecordHasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl RecordHasher {
    pub(super) fn new(algo: &str) -> Option<Self> {
        match algo {
            "sha256" => Some(RecordHasher::Sha256(Sha256::new())),
            "sha384" => Some(RecordHasher::Sha384(Sha384::new())),
            "sha512" => Some(RecordHasher::Sha512(Sha512::new())),
            _ => None,
        }
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        match self {
            RecordHasher::Sha256(h) => h.update(data),
            RecordHasher::Sha384(h) => h.update(data),
            RecordHasher::Sha512(h) => h.update(data),
        }
    }

    pub(super) fn finish(self) -> Vec<u8> {
        match self {
            RecordHasher::Sha256(h) => h.finalize().to_vec(),
            RecordHasher::Sha384(h) => h.finalize().to_vec(),
            RecordHasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(
            csv_fields(r#""a,b.py",sha256=x,3"#),
            vec!["a,b.py", "sha256=x", "3"]
        );
        assert_eq!(
            csv_fields(r#""say ""hi"".txt",,"#),
            vec![r#"say "hi".txt"#, "", ""]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_record_text_parses_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let text = String::from_utf8_lossy(&bytes);
            let mut details = Vec::new();
            let _ = parse_record(&text, &mut details);
            let _ = csv_fields(&text);
        }
    }
}
