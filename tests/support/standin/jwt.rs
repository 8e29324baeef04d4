//! JWT signing and verification (ES256 on P-256, RS256 on 2048-bit RSA) and JWKS.
//!
//! RSA key generation is slow in debug builds, so RS256 keys come from two per-process
//! slots ([`OnceLock`]): the "trusted" slot every RS256 issuer shares, and an "untrusted" slot
//! for forging tokens in bad-signature tests.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::util::{b64url, b64url_decode, random_bytes};

/// The JWS algorithm of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    /// ECDSA P-256 with SHA-256 (what GitHub's issuer does not use, but the spec allows).
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (what GitHub Actions tokens use).
    Rs256,
}

impl Alg {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
        }
    }
}

#[derive(Clone)]
enum KeyInner {
    Es(p256::ecdsa::SigningKey),
    Rs(Box<rsa::RsaPrivateKey>),
}

/// A signing key with a key id.
#[derive(Clone)]
pub struct JwtKey {
    kid: String,
    inner: KeyInner,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JwtKey({}, kid={})", self.alg().name(), self.kid)
    }
}

static RSA_KEYS: [OnceLock<rsa::RsaPrivateKey>; 2] = [OnceLock::new(), OnceLock::new()];

fn rsa_key(slot: usize) -> rsa::RsaPrivateKey {
    RSA_KEYS[slot]
        .get_or_init(|| {
            rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).expect("generate RSA-2048 key")
        })
        .clone()
}

fn new_p256() -> p256::ecdsa::SigningKey {
    loop {
        if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&random_bytes(32)) {
            return k;
        }
    }
}

impl JwtKey {
    /// A key for an issuer. ES256: a fresh key. RS256: the process-wide trusted RSA key.
    pub fn generate(alg: Alg) -> JwtKey {
        let inner = match alg {
            Alg::Es256 => KeyInner::Es(new_p256()),
            Alg::Rs256 => KeyInner::Rs(Box::new(rsa_key(0))),
        };
        JwtKey::with_inner(inner)
    }

    /// A key no stand-in issuer publishes (a second RSA slot for RS256), for forging tokens.
    pub fn untrusted(alg: Alg) -> JwtKey {
        let inner = match alg {
            Alg::Es256 => KeyInner::Es(new_p256()),
            Alg::Rs256 => KeyInner::Rs(Box::new(rsa_key(1))),
        };
        JwtKey::with_inner(inner)
    }

    fn with_inner(inner: KeyInner) -> JwtKey {
        let mut key = JwtKey {
            kid: String::new(),
            inner,
        };
        // A thumbprint-like key id: the hash of the public key material.
        let pubkey = key.jwk().to_string();
        key.kid = super::util::sha256_hex(pubkey.as_bytes())[..32].to_string();
        key
    }

    /// The same key under another key id (e.g. to forge a token that names a trusted kid).
    pub fn with_kid(mut self, kid: &str) -> JwtKey {
        self.kid = kid.to_string();
        self
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn alg(&self) -> Alg {
        match self.inner {
            KeyInner::Es(_) => Alg::Es256,
            KeyInner::Rs(_) => Alg::Rs256,
        }
    }

    /// Sign `claims` with header `{"alg", "kid", "typ": "JWT"}`.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": self.alg().name(), "kid": self.kid, "typ": "JWT"});
        self.sign_with_header(&header, claims)
    }

    /// Sign `claims` under an arbitrary header (the signature always uses this key).
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let sig = self.sign_bytes(signing_input.as_bytes());
        format!("{signing_input}.{}", b64url(&sig))
    }

    fn sign_bytes(&self, msg: &[u8]) -> Vec<u8> {
        match &self.inner {
            KeyInner::Es(k) => {
                use p256::ecdsa::signature::Signer as _;
                let sig: p256::ecdsa::Signature = k.sign(msg);
                sig.to_bytes().to_vec()
            }
            KeyInner::Rs(k) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                let sk = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new((**k).clone());
                sk.sign(msg).to_vec()
            }
        }
    }

    /// The public JWK (with `kid`, `alg`, `use`).
    pub fn jwk(&self) -> Value {
        match &self.inner {
            KeyInner::Es(k) => {
                let point = k.verifying_key().to_sec1_point(false);
                let bytes = point.as_bytes();
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": b64url(&bytes[1..33]),
                    "y": b64url(&bytes[33..65]),
                    "kid": self.kid,
                    "alg": "ES256",
                    "use": "sig",
                })
            }
            KeyInner::Rs(k) => {
                use rsa::traits::PublicKeyParts as _;
                json!({
                    "kty": "RSA",
                    "n": b64url(&k.n().to_bytes_be()),
                    "e": b64url(&k.e().to_bytes_be()),
                    "kid": self.kid,
                    "alg": "RS256",
                    "use": "sig",
                })
            }
        }
    }
}

/// `{"keys": [jwk, ...]}`.
pub fn jwks(keys: &[&JwtKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
}

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url segments of JSON objects.
    Malformed(String),
    /// No key in the JWKS has the token's `kid` (or the JWKS is empty).
    UnknownKey,
    /// `alg` is missing, unsupported, or does not match the key.
    BadAlgorithm(String),
    /// The signature does not verify.
    BadSignature,
}

impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtError::Malformed(m) => write!(f, "malformed JWT: {m}"),
            JwtError::UnknownKey => write!(f, "no key with this kid"),
            JwtError::BadAlgorithm(a) => write!(f, "bad algorithm {a}"),
            JwtError::BadSignature => write!(f, "bad signature"),
        }
    }
}

/// Split and decode a token without verifying it: (header, claims, signing input, signature).
pub fn decode_unverified(token: &str) -> Result<(Value, Value, String, Vec<u8>), JwtError> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Malformed(format!(
            "{} segments instead of 3",
            parts.len()
        )));
    }
    let decode_json = |seg: &str, what: &str| -> Result<Value, JwtError> {
        let bytes = b64url_decode(seg)
            .ok_or_else(|| JwtError::Malformed(format!("{what} is not base64url")))?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| JwtError::Malformed(format!("{what} is not JSON: {e}")))?;
        if !v.is_object() {
            return Err(JwtError::Malformed(format!("{what} is not an object")));
        }
        Ok(v)
    };
    let header = decode_json(parts[0], "header")?;
    let claims = decode_json(parts[1], "payload")?;
    let sig = b64url_decode(parts[2])
        .ok_or_else(|| JwtError::Malformed("signature is not base64url".into()))?;
    Ok((header, claims, format!("{}.{}", parts[0], parts[1]), sig))
}

/// Verify the signature of `token` against a JWKS (`{"keys": [...]}`) and return its claims.
/// Only the signature is checked here; time and audience checks belong to the verifier.
pub fn verify(token: &str, jwks: &Value) -> Result<Value, JwtError> {
    let (header, claims, signing_input, sig) = decode_unverified(token)?;
    let alg = header["alg"].as_str().unwrap_or("").to_string();
    let keys = jwks["keys"].as_array().cloned().unwrap_or_default();
    let kid = header["kid"].as_str();
    let key = match kid {
        Some(kid) => keys.iter().find(|k| k["kid"].as_str() == Some(kid)),
        None if keys.len() == 1 => keys.first(),
        None => None,
    }
    .ok_or(JwtError::UnknownKey)?;
    match (alg.as_str(), key["kty"].as_str()) {
        ("ES256", Some("EC")) => verify_es256(key, signing_input.as_bytes(), &sig),
        ("RS256", Some("RSA")) => verify_rs256(key, signing_input.as_bytes(), &sig),
        _ => Err(JwtError::BadAlgorithm(alg)),
    }?;
    Ok(claims)
}

fn verify_es256(jwk: &Value, msg: &[u8], sig: &[u8]) -> Result<(), JwtError> {
    use p256::ecdsa::signature::Verifier as _;
    let x = jwk["x"].as_str().and_then(b64url_decode);
    let y = jwk["y"].as_str().and_then(b64url_decode);
    let (Some(x), Some(y)) = (x, y) else {
        return Err(JwtError::UnknownKey);
    };
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| JwtError::UnknownKey)?;
    let sig = p256::ecdsa::Signature::from_slice(sig).map_err(|_| JwtError::BadSignature)?;
    vk.verify(msg, &sig).map_err(|_| JwtError::BadSignature)
}

fn verify_rs256(jwk: &Value, msg: &[u8], sig: &[u8]) -> Result<(), JwtError> {
    use rsa::signature::Verifier as _;
    let n = jwk["n"].as_str().and_then(b64url_decode);
    let e = jwk["e"].as_str().and_then(b64url_decode);
    let (Some(n), Some(e)) = (n, e) else {
        return Err(JwtError::UnknownKey);
    };
    let pk = rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&n),
        rsa::BigUint::from_bytes_be(&e),
    )
    .map_err(|_| JwtError::UnknownKey)?;
    let vk = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(pk);
    let sig = rsa::pkcs1v15::Signature::try_from(sig).map_err(|_| JwtError::BadSignature)?;
    vk.verify(msg, &sig).map_err(|_| JwtError::BadSignature)
}
