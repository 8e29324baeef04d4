//! Signing one distribution: a `sigstore` identity token → an ephemeral P-256 key (in memory
//! only) → a Fulcio certificate for it → the statement's DSSE signature → a Rekor v1 `dsse`
//! entry → the PEP 740 Attestation, checked offline against the trust root (chain, SCT, SET,
//! inclusion proof, checkpoint, signature) before anything uses it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use serde_json::json;

use super::fulcio::{self, FulcioError};
use super::model::{Attestation, Envelope, IN_TOTO_PAYLOAD_TYPE, VerificationMaterial};
use super::rekor::{self, RekorError};
use super::statement;
use super::trust_root::TrustedRoot;
use super::verify::{self, Expected};
use crate::publish::claims;
use crate::publish::credentials::{self, Ambient, CredentialError};
use crate::publish::http::Http;
use crate::publish::retry::Policy;

/// Where to sign, and what the result must chain to.
pub struct Services {
    pub fulcio: String,
    pub rekor: String,
    pub root: TrustedRoot,
}

/// One signed distribution.
#[derive(Debug, Clone)]
pub struct Signed {
    pub attestation: Attestation,
    /// The attestation as JSON text (what is uploaded and archived).
    pub json: String,
    /// The certificate's identity (SAN).
    pub identity: String,
    /// The global Rekor log index.
    pub log_index: i64,
}

/// Why a distribution could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot get an identity token for the `sigstore` audience: {0}")]
    Token(#[from] CredentialError),
    #[error("the `sigstore` identity token has no `sub` claim to prove the key with")]
    NoSubject,
    #[error("cannot make an ephemeral key: {0}")]
    Key(String),
    /// Fulcio issued no certificate for the identity `subject`.
    #[error("{source} (identity: {subject})")]
    Fulcio {
        subject: String,
        source: FulcioError,
    },
    #[error(transparent)]
    Rekor(#[from] RekorError),
    /// The result does not verify against the trust root: never used, never uploaded.
    #[error("the attestation Sigstore returned for {file} does not verify: {failure}")]
    SelfCheck {
        file: String,
        failure: verify::Failure,
    },
}

/// A fresh P-256 key from the operating system's generator (never written anywhere).
fn ephemeral_key() -> Result<SigningKey, SignError> {
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| SignError::Key(e.to_string()))?;
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(SignError::Key("no valid scalar drawn".into()))
}

/// The DSSE envelope Rekor logs: `{"payload","payloadType","signatures":[{"sig"}]}`.
pub fn envelope_json(statement: &[u8], signature: &[u8]) -> String {
    json!({
        "payload": B64.encode(statement),
        "payloadType": IN_TOTO_PAYLOAD_TYPE,
        "signatures": [{"sig": B64.encode(signature)}],
    })
    .to_string()
}

/// Sign `file_name` (sha256 `sha256_hex`) with the identity of `ambient`.
pub async fn sign_one(
    http: &Http,
    policy: &Policy,
    services: &Services,
    ambient: &Ambient,
    file_name: &str,
    sha256_hex: &str,
) -> Result<Signed, SignError> {
    let token = credentials::fetch_jwt(http, policy, ambient, super::SIGSTORE_AUDIENCE).await?;
    let subject = claims::decode(token.expose())
        .and_then(|c| c.sub)
        .ok_or(SignError::NoSubject)?;
    let key = ephemeral_key()?;
    let public = key.verifying_key();
    let public_der = public
        .to_public_key_der()
        .map_err(|e| SignError::Key(e.to_string()))?;
    let public_pem = public
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .map_err(|e| SignError::Key(e.to_string()))?;
    let proof: DerSignature = key.sign(subject.as_bytes());
    let chain = fulcio::signing_cert(
        http,
        policy,
        &services.fulcio,
        &token,
        &public_pem,
        public_der.as_bytes(),
        proof.as_bytes(),
    )
    .await
    .map_err(|source| SignError::Fulcio {
        subject: crate::text::excerpt(&subject, 200),
        source,
    })?;

    let statement = statement::publish_statement(file_name, sha256_hex);
    let signature: DerSignature = key.sign(&statement::pae(IN_TOTO_PAYLOAD_TYPE, &statement));
    let cert_pem = super::cert::to_pem(&chain.leaf);
    let entry = rekor::log_dsse(
        http,
        policy,
        &services.rekor,
        &envelope_json(&statement, signature.as_bytes()),
        &cert_pem,
    )
    .await?;
    let attestation = Attestation {
        version: 1,
        verification_material: VerificationMaterial {
            certificate: B64.encode(&chain.leaf),
            transparency_entries: vec![entry],
        },
        envelope: Envelope {
            statement: B64.encode(&statement),
            signature: B64.encode(signature.as_bytes()),
        },
    };
    let verified = verify::verify(
        &attestation,
        &Expected {
            file_name,
            sha256: &sha256_hex.to_ascii_lowercase(),
        },
        None,
        &services.root,
    )
    .map_err(|failure| SignError::SelfCheck {
        file: file_name.to_string(),
        failure,
    })?;
    let json = serde_json::to_string(&attestation).unwrap_or_default();
    Ok(Signed {
        json,
        identity: verified.identity.san,
        log_index: verified.log_index,
        attestation,
    })
}
