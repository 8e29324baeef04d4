//! Trust files for the stand-ins: `trusted_root.json` (TrustedRoot v0.1: the Rekor key under
//! `tlogs`, the CT key under `ctlogs`, the root under `certificateAuthorities`) and the
//! ClientTrustConfig `tc.json` whose signingConfig v0.2 points at the stand-in URLs.

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::super::util::b64;
use super::asn1::rfc3339;
use super::fulcio::{CA_COMMON_NAME, CA_ORGANIZATION};

/// What the trust files describe.
pub struct TrustInputs<'a> {
    pub fulcio_url: &'a str,
    pub rekor_url: &'a str,
    pub ct_url: &'a str,
    pub oidc_url: &'a str,
    pub rekor_spki: &'a [u8],
    pub ct_spki: &'a [u8],
    pub root_der: &'a [u8],
    /// `validFor.start` of everything (a time in the past).
    pub valid_from: i64,
}

fn log(base_url: &str, spki: &[u8], start: &str) -> Value {
    json!({
        "baseUrl": base_url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": b64(spki),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": start},
        },
        "logId": {"keyId": b64(&Sha256::digest(spki))},
    })
}

/// The TrustedRoot document.
pub fn trusted_root(t: &TrustInputs) -> Value {
    let start = rfc3339(t.valid_from);
    json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [log(t.rekor_url, t.rekor_spki, &start)],
        "certificateAuthorities": [{
            "subject": {"organization": CA_ORGANIZATION, "commonName": CA_COMMON_NAME},
            "uri": t.fulcio_url,
            "certChain": {"certificates": [{"rawBytes": b64(t.root_der)}]},
            "validFor": {"start": start},
        }],
        "ctlogs": [log(t.ct_url, t.ct_spki, &start)],
        "timestampAuthorities": [],
    })
}

fn service(url: &str, start: &str) -> Value {
    json!({
        "url": url,
        "majorApiVersion": 1,
        "validFor": {"start": start},
        "operator": "chora-standin",
    })
}

/// The ClientTrustConfig document (trusted root + signing config v0.2).
pub fn trust_config(t: &TrustInputs) -> Value {
    let start = rfc3339(t.valid_from);
    json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": trusted_root(t),
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [service(t.fulcio_url, &start)],
            "oidcUrls": [service(t.oidc_url, &start)],
            "rekorTlogUrls": [service(t.rekor_url, &start)],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    })
}
