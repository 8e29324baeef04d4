//! A Sigstore ClientTrustConfig (`application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`):
//! a trusted root and a signing config in one file. chora-publish takes the trusted root from
//! it and, from the signing config, the Fulcio URL and the Rekor URL of **major API version 1**
//! (PEP 740 needs v1's signed entry timestamps; a v2 log is never picked).

use serde::Deserialize;

/// What a trust file gives: the trusted root (JSON text) and, from a signing config, URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustFile {
    pub trusted_root_json: String,
    pub fulcio: Option<String>,
    pub rekor_v1: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientTrustConfig {
    media_type: Option<String>,
    trusted_root: Option<serde_json::Value>,
    signing_config: Option<SigningConfig>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SigningConfig {
    #[serde(default)]
    ca_urls: Vec<Service>,
    #[serde(default)]
    rekor_tlog_urls: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Service {
    url: String,
    #[serde(default)]
    major_api_version: u32,
}

/// Read a `trusted_root.json` or a ClientTrustConfig.
pub fn parse(text: &str) -> Result<TrustFile, String> {
    let config: ClientTrustConfig =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let is_config = config
        .media_type
        .as_deref()
        .is_some_and(|m| m.contains("clienttrustconfig"));
    if !is_config {
        return Ok(TrustFile {
            trusted_root_json: text.to_string(),
            fulcio: None,
            rekor_v1: None,
        });
    }
    let root = config
        .trusted_root
        .ok_or("a ClientTrustConfig without trustedRoot")?;
    let signing = config.signing_config;
    let first = |services: &[Service], version: Option<u32>| {
        services
            .iter()
            .find(|s| version.is_none_or(|v| s.major_api_version == v))
            .map(|s| s.url.trim_end_matches('/').to_string())
    };
    Ok(TrustFile {
        trusted_root_json: root.to_string(),
        fulcio: signing.as_ref().and_then(|s| first(&s.ca_urls, None)),
        rekor_v1: signing
            .as_ref()
            .and_then(|s| first(&s.rekor_tlog_urls, Some(1))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_root_is_taken_as_it_is() {
        let text = r#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[]}"#;
        let t = parse(text).unwrap();
        assert_eq!(t.trusted_root_json, text);
        assert_eq!((t.fulcio, t.rekor_v1), (None, None));
    }

    #[test]
    fn a_client_trust_config_gives_the_root_fulcio_and_the_v1_log_only() {
        let text = r#"{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "trustedRoot":{"tlogs":[]},
            "signingConfig":{"caUrls":[{"url":"https://ca.example/","majorApiVersion":1}],
              "rekorTlogUrls":[{"url":"https://log2.example","majorApiVersion":2},
                               {"url":"https://log1.example","majorApiVersion":1}]}}"#;
        let t = parse(text).unwrap();
        assert_eq!(t.trusted_root_json, r#"{"tlogs":[]}"#);
        assert_eq!(t.fulcio.as_deref(), Some("https://ca.example"));
        assert_eq!(t.rekor_v1.as_deref(), Some("https://log1.example"));
        let only_v2 = text.replace(
            r#"{"url":"https://log1.example","majorApiVersion":1}"#,
            r#"{"url":"https://x","majorApiVersion":3}"#,
        );
        assert_eq!(parse(&only_v2).unwrap().rekor_v1, None);
        assert!(parse("[").is_err());
    }
}
