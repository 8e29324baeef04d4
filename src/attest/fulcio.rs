//! Fulcio v2: `POST {fulcio}/api/v2/signingCert` with the `sigstore` identity token and the
//! ephemeral public key (proof of possession: a signature over the token's `sub`), answered
//! with the certificate chain, leaf first, the SCT embedded in the leaf.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode as _, Encode as _};
use serde::Deserialize;
use serde_json::json;

use super::service::{self, Answer};
use crate::publish::credentials::Secret;
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// A certificate chain from Fulcio, DER, leaf first.
#[derive(Debug, Clone)]
pub struct Chain {
    pub leaf: Vec<u8>,
    pub rest: Vec<Vec<u8>>,
}

/// Why no certificate was issued.
#[derive(Debug, thiserror::Error)]
pub enum FulcioError {
    #[error("cannot reach Fulcio at {url}: {reason}")]
    Transport { url: String, reason: String },
    /// Fulcio refused (4xx) or failed (5xx after retries).
    #[error("Fulcio at {url} refused the certificate request (HTTP {status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("Fulcio at {url} answered with no usable certificate chain: {reason}")]
    BadReply { url: String, reason: String },
    #[error(
        "Fulcio at {url} issued a certificate with a detached SCT; a PEP 740 attestation carries only the certificate, so the SCT must be embedded"
    )]
    DetachedSct { url: String },
    #[error("Fulcio at {url} certified a different public key than the one sent")]
    OtherKey { url: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    signed_certificate_embedded_sct: Option<Signed>,
    signed_certificate_detached_sct: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Signed {
    chain: PemChain,
}

#[derive(Deserialize)]
struct PemChain {
    certificates: Vec<String>,
}

/// Ask Fulcio for a certificate for `public_key_pem`. `proof` is the DER signature over the
/// token's subject. 5xx, 408, 429 and transport errors are retried per `policy`.
pub async fn signing_cert(
    http: &Http,
    policy: &Policy,
    base: &str,
    token: &Secret,
    public_key_pem: &str,
    public_key_der: &[u8],
    proof: &[u8],
) -> Result<Chain, FulcioError> {
    let url = format!("{}/api/v2/signingCert", base.trim_end_matches('/'));
    let body = json!({
        "credentials": {"oidcIdentityToken": token.expose()},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": public_key_pem},
            "proofOfPossession": B64.encode(proof),
        },
    });
    let body = match service::post_json(http, policy, &url, &body).await {
        Ok(Answer::Ok(body)) => body,
        Ok(Answer::Refused { status, message }) => {
            return Err(FulcioError::Refused {
                url,
                status,
                message,
            });
        }
        Err(reason) => return Err(FulcioError::Transport { url, reason }),
    };
    let bad = |reason: String| FulcioError::BadReply {
        url: url.clone(),
        reason,
    };
    let reply: Response =
        serde_json::from_str(&body).map_err(|e| bad(format!("not the v2 JSON reply ({e})")))?;
    let Some(signed) = reply.signed_certificate_embedded_sct else {
        if reply.signed_certificate_detached_sct.is_some() {
            return Err(FulcioError::DetachedSct { url });
        }
        return Err(bad("no signedCertificateEmbeddedSct".into()));
    };
    let mut ders = Vec::new();
    for pem in &signed.chain.certificates {
        ders.extend(pem_certificates(pem).map_err(bad)?);
    }
    let mut ders = ders.into_iter();
    let Some(leaf) = ders.next() else {
        return Err(bad("the chain is empty".into()));
    };
    if leaf_public_key(&leaf).as_deref() != Some(public_key_der) {
        return Err(FulcioError::OtherKey { url });
    }
    Ok(Chain {
        leaf,
        rest: ders.collect(),
    })
}

/// Every certificate in a PEM text, DER.
fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let certs = x509_cert::Certificate::load_pem_chain(text.as_bytes())
        .map_err(|e| format!("a certificate is not PEM/DER: {e}"))?;
    certs
        .iter()
        .map(|c| c.to_der().map_err(|e| e.to_string()))
        .collect()
}

/// The SPKI DER of a certificate.
fn leaf_public_key(der: &[u8]) -> Option<Vec<u8>> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()
}
