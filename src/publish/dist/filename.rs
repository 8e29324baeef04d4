//! Wheel and sdist filenames: parsed, checked and normalised.

use super::version::{is_valid_name, normalize_name, normalize_version};
use super::{DistError, DistErrorKind, DistFilename, DistKind, err};

/// Parse a wheel (`{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl`) or sdist
/// (`{name}-{version}.tar.gz`) filename. Legacy, non-normalised names are accepted and recorded
/// in [`DistFilename::non_normalized`]; `.zip` and other legacy sdist formats are refused.
pub fn parse_filename(file_name: &str) -> Result<DistFilename, DistError> {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        return parse_wheel(file_name, stem).map_err(|reason| {
            err(
                file_name,
                DistErrorKind::BadFilename {
                    kind: "wheel",
                    reason,
                },
            )
        });
    }
    if let Some(stem) = file_name.strip_suffix(".tar.gz") {
        return parse_sdist(file_name, stem).map_err(|reason| {
            err(
                file_name,
                DistErrorKind::BadFilename {
                    kind: "sdist",
                    reason,
                },
            )
        });
    }
    let lower = file_name.to_ascii_lowercase();
    for ext in [".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".tar.z"] {
        if lower.ends_with(ext) {
            return Err(err(
                file_name,
                DistErrorKind::LegacySdistFormat {
                    ext: ext.to_string(),
                },
            ));
        }
    }
    if lower.ends_with(".whl") || lower.ends_with(".tar.gz") {
        return Err(err(
            file_name,
            DistErrorKind::BadFilename {
                kind: if lower.ends_with(".whl") {
                    "wheel"
                } else {
                    "sdist"
                },
                reason: "the extension must be lowercase (.whl or .tar.gz)".to_string(),
            },
        ));
    }
    Err(err(file_name, DistErrorKind::NotADistribution))
}

pub(super) fn wheel_name_form(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

pub(super) fn parse_wheel(file_name: &str, stem: &str) -> Result<DistFilename, String> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build_tag, py, abi, plat) = match parts.as_slice() {
        [n, v, p, a, pl] => (*n, *v, None, *p, *a, *pl),
        [n, v, b, p, a, pl] => (*n, *v, Some(*b), *p, *a, *pl),
        _ => {
            return Err(format!(
                "expected {{name}}-{{version}}(-{{build}})?-{{python}}-{{abi}}-{{platform}}.whl, \
                 found {} dash-separated part{} (a name or version containing '-' is written \
                 with '_' in a wheel filename)",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            ));
        }
    };
    if !is_valid_name(name) {
        return Err(format!(
            "'{name}' is not a valid distribution name (ASCII letters, digits, '.', '_')"
        ));
    }
    let Some(normalized_version) = normalize_version(version) else {
        return Err(format!(
            "'{version}' is not a valid PEP 440 version (a name or version containing '-' is \
             written with '_' in a wheel filename)"
        ));
    };
    if let Some(build) = build_tag
        && !build.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(format!("build tag '{build}' must start with a digit"));
    }
    for (what, tag) in [("python", py), ("abi", abi), ("platform", plat)] {
        if tag.is_empty() || tag.split('.').any(str::is_empty) {
            return Err(format!("empty {what} tag"));
        }
        if !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(format!(
                "the {what} tag {} has characters other than letters, digits, '_' and '.'",
                crate::text::excerpt(tag, 80)
            ));
        }
    }
    let non_normalized = normalisation_notes(name, version, &normalized_version, "");
    Ok(DistFilename {
        file_name: file_name.to_string(),
        kind: DistKind::Wheel,
        name: name.to_string(),
        normalized_name: normalize_name(name),
        version: version.to_string(),
        normalized_version,
        build_tag: build_tag.map(str::to_string),
        python_tag: py.to_string(),
        abi_tag: Some(abi.to_string()),
        platform_tag: Some(plat.to_string()),
        non_normalized,
    })
}

/// What is not in normal form in a filename's name and version (`name_rule` is appended to the
/// expected name, e.g. the PEP that requires it).
fn normalisation_notes(
    name: &str,
    version: &str,
    normalized_version: &str,
    name_rule: &str,
) -> Vec<String> {
    let mut notes = Vec::new();
    let expected_name = wheel_name_form(name);
    if name != expected_name {
        notes.push(format!(
            "the name '{name}' is not normalised (expected '{expected_name}'{name_rule})"
        ));
    }
    if version != normalized_version {
        notes.push(format!(
            "the version '{version}' is not normalised (expected '{normalized_version}')"
        ));
    }
    notes
}

pub(super) fn parse_sdist(file_name: &str, stem: &str) -> Result<DistFilename, String> {
    // The rightmost '-' that leaves a valid name on the left and a valid version on the right.
    let split = stem.match_indices('-').map(|(i, _)| i).rev().find_map(|i| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        let normalized = normalize_version(version)?;
        is_valid_name(name).then_some((name, version, normalized))
    });
    let Some((name, version, normalized_version)) = split else {
        return Err(format!(
            "expected {{name}}-{{version}}.tar.gz with a valid name and PEP 440 version, got \
             '{stem}'"
        ));
    };
    let non_normalized = normalisation_notes(name, version, &normalized_version, ", PEP 625");
    Ok(DistFilename {
        file_name: file_name.to_string(),
        kind: DistKind::Sdist,
        name: name.to_string(),
        normalized_name: normalize_name(name),
        version: version.to_string(),
        normalized_version,
        build_tag: None,
        python_tag: "source".to_string(),
        abi_tag: None,
        platform_tag: None,
        non_normalized,
    })
}
