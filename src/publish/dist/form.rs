//! The form fields of the legacy upload API for one distribution.

use super::Dist;
use super::metadata::metadata_version_at_least;

/// How a core-metadata field is named in the upload form (twine 7's names; PyPI silently
/// ignores wrongly named fields). `None`: not sent from the metadata loop.
pub(super) fn form_field_name(field: &str) -> Option<&'static str> {
    let lower = field.to_ascii_lowercase();
    Some(match lower.as_str() {
        "summary" => "summary",
        "keywords" => "keywords",
        "home-page" => "home_page",
        "download-url" => "download_url",
        "author" => "author",
        "author-email" => "author_email",
        "maintainer" => "maintainer",
        "maintainer-email" => "maintainer_email",
        "license" => "license",
        "license-expression" => "license_expression",
        "license-file" => "license_file",
        "description-content-type" => "description_content_type",
        "classifier" => "classifiers",
        "platform" => "platform",
        "supported-platform" => "supported_platform",
        "requires-dist" => "requires_dist",
        "provides-dist" => "provides_dist",
        "obsoletes-dist" => "obsoletes_dist",
        "requires-external" => "requires_external",
        "project-url" => "project_urls",
        "provides-extra" => "provides_extra",
        "dynamic" => "dynamic",
        "requires" => "requires",
        "provides" => "provides",
        "obsoletes" => "obsoletes",
        "import-name" => "import_names",
        "import-namespace" => "import_namespaces",
        _ => return None,
    })
}

/// The non-file form fields of a legacy-API upload (`POST /legacy/`, multipart): identity,
/// `filetype`, `pyversion`, both digests, `requires_python` (always, empty when absent; GitLab
/// requires it), then the other core-metadata fields lower-cased with `_`, multi-use ones
/// repeated, and `description` last. `License-File` is sent only from Metadata 2.4 on (older
/// setuptools wrote it with another meaning).
pub fn upload_fields(dist: &Dist) -> Vec<(String, String)> {
    let m = &dist.metadata;
    let mut out: Vec<(String, String)> = vec![
        (":action".into(), "file_upload".into()),
        ("protocol_version".into(), "1".into()),
        ("metadata_version".into(), m.metadata_version.clone()),
        ("name".into(), m.name.clone()),
        ("version".into(), m.version.clone()),
        ("filetype".into(), dist.filename.kind.filetype().into()),
        ("pyversion".into(), dist.filename.pyversion()),
        ("sha256_digest".into(), dist.sha256.clone()),
        ("blake2_256_digest".into(), dist.blake2_256.clone()),
        (
            "requires_python".into(),
            m.requires_python.clone().unwrap_or_default(),
        ),
    ];
    let license_files = metadata_version_at_least(&m.metadata_version, (2, 4));
    for (field, value) in &m.fields {
        let Some(name) = form_field_name(field) else {
            continue;
        };
        if name == "license_file" && !license_files {
            continue;
        }
        out.push((name.to_string(), value.clone()));
    }
    if let Some(description) = &m.description {
        out.push(("description".into(), description.clone()));
    }
    out
}
