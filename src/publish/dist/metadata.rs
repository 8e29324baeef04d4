//! Core metadata (METADATA / PKG-INFO) in its RFC 822 form, and Metadata-Version comparison.

use super::{Metadata, MetadataError};

/// Parse core metadata in its RFC 822 form: `Field: value` headers (continuation lines start
/// with whitespace), then an optional body after a blank line, which is the description.
/// `Metadata-Version`, `Name` and `Version` are required, once each.
pub fn parse_metadata(text: &str) -> Result<Metadata, MetadataError> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut body = None;
    let mut rest = text;
    let mut line_no = 0;
    while !rest.is_empty() {
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        line_no += 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            body = Some(next);
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some((_, value)) = fields.last_mut() else {
                return Err(MetadataError::LeadingContinuation);
            };
            value.push('\n');
            value.push_str(line);
        } else {
            let Some((name, value)) = line.split_once(':') else {
                return Err(MetadataError::BadLine {
                    line: line_no,
                    text: line.to_string(),
                });
            };
            if name.is_empty() || name.contains([' ', '\t']) {
                return Err(MetadataError::BadLine {
                    line: line_no,
                    text: line.to_string(),
                });
            }
            fields.push((name.to_string(), value.trim_start().to_string()));
        }
        rest = next;
    }
    for (_, value) in &mut fields {
        let trimmed = value.trim_end().len();
        value.truncate(trimmed);
    }

    let mut missing = Vec::new();
    for field in ["Metadata-Version", "Name", "Version"] {
        let count = fields
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(field))
            .count();
        match count {
            0 => missing.push(field),
            1 => {}
            count => return Err(MetadataError::Repeated { field, count }),
        }
    }
    if !missing.is_empty() {
        return Err(MetadataError::Missing(missing));
    }
    let get = |f: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(f))
            .map(|(_, v)| v.clone())
    };
    Ok(Metadata {
        metadata_version: get("Metadata-Version").unwrap_or_default(),
        name: get("Name").unwrap_or_default(),
        version: get("Version").unwrap_or_default(),
        summary: get("Summary"),
        requires_python: get("Requires-Python"),
        description_content_type: get("Description-Content-Type"),
        description: match body {
            Some(b) if !b.is_empty() => Some(b.to_string()),
            _ => get("Description"),
        },
        fields,
    })
}

/// Compare a `Metadata-Version` (`major.minor`) with a minimum.
pub fn metadata_version_at_least(version: &str, min: (u32, u32)) -> bool {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor) >= min,
        (Some(Ok(major)), None) => (major, 0) >= min,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_versions_compare() {
        assert!(metadata_version_at_least("2.4", (2, 4)));
        assert!(metadata_version_at_least("2.10", (2, 4)));
        assert!(!metadata_version_at_least("2.1", (2, 4)));
        assert!(!metadata_version_at_least("x", (1, 0)));
    }
}
