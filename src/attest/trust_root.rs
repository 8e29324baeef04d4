//! Sigstore `trusted_root.json` (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`):
//! the transparency logs, CT logs and certificate authorities a verifier trusts. The
//! public-good root is bundled.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::keys::PublicKey;

/// The bundled public-good trust root (from sigstore's TUF repository).
const PUBLIC_GOOD: &str = include_str!("../../data/sigstore/public-good-trusted_root.json");
/// The largest trust root file read from disk.
pub const TRUST_ROOT_LIMIT: u64 = 1024 * 1024;

/// The trusted services.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    pub tlogs: Vec<LogKey>,
    pub ctlogs: Vec<LogKey>,
    pub authorities: Vec<Authority>,
}

/// A transparency or CT log's key.
#[derive(Debug, Clone)]
pub struct LogKey {
    pub base_url: String,
    pub key_id: Vec<u8>,
    /// `None`: an algorithm we do not verify (e.g. `PKIX_ED25519`); kept, never matched.
    pub key: Option<PublicKey>,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
}

/// A certificate authority: its chain, intermediate first, root last (as listed).
#[derive(Debug, Clone)]
pub struct Authority {
    pub uri: String,
    pub chain: Vec<Vec<u8>>,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
}

/// Why a trust root did not load.
#[derive(Debug, thiserror::Error)]
pub enum TrustRootError {
    #[error("the trust root is not valid trusted_root.json: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "the trust root's media type {0:?} is not application/vnd.dev.sigstore.trustedroot+json;version=0.1"
    )]
    MediaType(String),
    #[error("the trust root has a value that is not base64 in {0}")]
    Base64(&'static str),
    #[error("the trust root has a time {0:?} that is not RFC 3339 (YYYY-MM-DDTHH:MM:SS[.fff]Z)")]
    Time(String),
    #[error("the trust root has no transparency log, CT log or certificate authority")]
    Empty,
    #[error(transparent)]
    Read(#[from] crate::fs::ReadError),
}

const MEDIA_TYPE: &str = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawPublicKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPublicKey {
    #[serde(default)]
    raw_bytes: String,
    #[serde(default)]
    key_details: String,
    #[serde(default)]
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
struct RawValidity {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthority {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    #[serde(default)]
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

/// The ECDSA key details we verify; anything else is kept with `key: None`.
const SUPPORTED_KEYS: [&str; 2] = ["PKIX_ECDSA_P256_SHA_256", "PKIX_ECDSA_P384_SHA_384"];

impl TrustedRoot {
    /// Parse `trusted_root.json` text.
    pub fn from_json(text: &str) -> Result<TrustedRoot, TrustRootError> {
        let raw: RawRoot = serde_json::from_str(text)?;
        if raw.media_type != MEDIA_TYPE {
            return Err(TrustRootError::MediaType(raw.media_type));
        }
        let root = TrustedRoot {
            tlogs: raw
                .tlogs
                .into_iter()
                .map(log_key)
                .collect::<Result<_, _>>()?,
            ctlogs: raw
                .ctlogs
                .into_iter()
                .map(log_key)
                .collect::<Result<_, _>>()?,
            authorities: raw
                .certificate_authorities
                .into_iter()
                .map(authority)
                .collect::<Result<_, _>>()?,
        };
        if root.tlogs.is_empty() || root.ctlogs.is_empty() || root.authorities.is_empty() {
            return Err(TrustRootError::Empty);
        }
        Ok(root)
    }

    /// Read and parse a `trusted_root.json` file (a regular file, at most [`TRUST_ROOT_LIMIT`]).
    pub fn from_file(path: &Path) -> Result<TrustedRoot, TrustRootError> {
        let text = crate::fs::read_regular_text(path, TRUST_ROOT_LIMIT, "trust root")?;
        TrustedRoot::from_json(&text)
    }

    /// The bundled public-good Sigstore trust root.
    pub fn public_good() -> TrustedRoot {
        // The bundled file is tested to parse; an empty root (trusting nothing) is the fallback.
        TrustedRoot::from_json(PUBLIC_GOOD).unwrap_or(TrustedRoot {
            tlogs: Vec::new(),
            ctlogs: Vec::new(),
            authorities: Vec::new(),
        })
    }
}

impl LogKey {
    /// The usable key when `key_id` matches this log's id.
    pub fn matching(&self, key_id: &[u8]) -> Option<&PublicKey> {
        if self.key_id == key_id {
            self.key.as_ref()
        } else {
            None
        }
    }
}

/// The first usable key among `logs` with this key id.
pub fn find_key<'a>(logs: &'a [LogKey], key_id: &[u8]) -> Option<&'a PublicKey> {
    logs.iter().find_map(|l| l.matching(key_id))
}

fn log_key(raw: RawLog) -> Result<LogKey, TrustRootError> {
    let key_id = STANDARD
        .decode(&raw.log_id.key_id)
        .map_err(|_| TrustRootError::Base64("logId.keyId"))?;
    let der = STANDARD
        .decode(&raw.public_key.raw_bytes)
        .map_err(|_| TrustRootError::Base64("publicKey.rawBytes"))?;
    let key = if SUPPORTED_KEYS.contains(&raw.public_key.key_details.as_str()) {
        PublicKey::from_spki_der(&der).ok()
    } else {
        None
    };
    let (valid_from, valid_until) = validity(raw.public_key.valid_for)?;
    Ok(LogKey {
        base_url: raw.base_url,
        key_id,
        key,
        valid_from,
        valid_until,
    })
}

fn authority(raw: RawAuthority) -> Result<Authority, TrustRootError> {
    let chain = raw
        .cert_chain
        .certificates
        .iter()
        .map(|c| STANDARD.decode(&c.raw_bytes))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TrustRootError::Base64("certChain.certificates.rawBytes"))?;
    let (valid_from, valid_until) = validity(raw.valid_for)?;
    Ok(Authority {
        uri: raw.uri,
        chain,
        valid_from,
        valid_until,
    })
}

type Range = (Option<i64>, Option<i64>);

fn validity(raw: Option<RawValidity>) -> Result<Range, TrustRootError> {
    let Some(v) = raw else {
        return Ok((None, None));
    };
    let parse = |t: Option<String>| {
        t.map(|t| rfc3339(&t).ok_or(TrustRootError::Time(t)))
            .transpose()
    };
    Ok((parse(v.start)?, parse(v.end)?))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` to unix seconds (the fraction is dropped).
pub fn rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let mut rest = text.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = frac.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes().get(3) != Some(&b':') {
                return None;
            }
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let valid = (1..=12).contains(&month)
        && day >= 1
        && day <= crate::time::days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 61;
    if !valid {
        return None;
    }
    Some(
        crate::time::days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
            - offset,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339("2021-01-12T11:53:27Z"), Some(1610452407));
        assert_eq!(rfc3339("2022-12-31T23:59:59.999Z"), Some(1672531199));
        assert_eq!(rfc3339("2024-02-29T00:00:00Z"), Some(1709164800));
        assert_eq!(rfc3339("2024-02-29T01:00:00+01:00"), Some(1709164800));
        assert_eq!(rfc3339("2023-02-29T00:00:00Z"), None);
        assert_eq!(rfc3339("2023-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339("2023-01-01T00:00:00"), None);
        assert_eq!(rfc3339("2023-01-01T00:00:00.Z"), None);
        assert_eq!(rfc3339("2023-01-01"), None);
        assert_eq!(rfc3339("+023-01-01T00:00:00Z"), None);
    }

    #[test]
    fn the_public_good_root_parses() {
        let root = TrustedRoot::from_json(PUBLIC_GOOD).unwrap();
        assert_eq!(root.tlogs.len(), 2);
        assert_eq!(root.tlogs[0].base_url, "https://rekor.sigstore.dev");
        assert!(matches!(root.tlogs[0].key, Some(PublicKey::P256(_))));
        assert_eq!(
            STANDARD.encode(&root.tlogs[0].key_id),
            "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="
        );
        assert_eq!(root.tlogs[0].valid_from, Some(1610452407));
        // The Rekor v2 shard's Ed25519 key is kept but never matched.
        assert!(root.tlogs[1].key.is_none());
        assert!(find_key(&root.tlogs, &root.tlogs[1].key_id).is_none());
        assert!(find_key(&root.tlogs, &root.tlogs[0].key_id).is_some());
        assert_eq!(root.ctlogs.len(), 2);
        assert!(root.ctlogs.iter().all(|l| l.key.is_some()));
        assert_eq!(
            root.ctlogs[0].valid_until,
            rfc3339("2022-10-31T23:59:59.999Z")
        );
        assert_eq!(root.authorities.len(), 2);
        assert_eq!(root.authorities[0].chain.len(), 1);
        assert_eq!(root.authorities[1].chain.len(), 2);
        assert_eq!(root.authorities[0].uri, "https://fulcio.sigstore.dev");
        assert_eq!(root.authorities[0].valid_until, Some(1672531199));
        assert_eq!(root.authorities[1].valid_until, None);
        assert!(
            root.authorities[1]
                .chain
                .iter()
                .all(|c| c.first() == Some(&0x30))
        );
        assert_eq!(TrustedRoot::public_good().tlogs.len(), 2);
    }

    #[test]
    fn bad_roots_are_refused() {
        assert!(matches!(
            TrustedRoot::from_json(r#"{"mediaType":"x"}"#),
            Err(TrustRootError::MediaType(_))
        ));
        assert!(matches!(
            TrustedRoot::from_json(&format!(r#"{{"mediaType":"{MEDIA_TYPE}"}}"#)),
            Err(TrustRootError::Empty)
        ));
        let bad_time = PUBLIC_GOOD.replacen("2021-01-12T11:53:27Z", "yesterday", 1);
        assert!(matches!(
            TrustedRoot::from_json(&bad_time),
            Err(TrustRootError::Time(_))
        ));
        assert!(matches!(
            TrustedRoot::from_json("{"),
            Err(TrustRootError::Json(_))
        ));
    }

    #[test]
    fn from_file_reads_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trusted_root.json");
        std::fs::write(&path, PUBLIC_GOOD).unwrap();
        assert_eq!(TrustedRoot::from_file(&path).unwrap().authorities.len(), 2);
        assert!(TrustedRoot::from_file(&dir.path().join("missing.json")).is_err());
    }
}
