//! A Fulcio-like CA: `POST /api/v2/signingCert` (both request forms of fulcio.proto
//! `CreateSigningCertificateRequest`), a P-384 self-signed root, P-256 leaves with the
//! GitHub-derived Fulcio extensions and an embedded precertificate SCT from [`CtLog`].
//!
//! Errors are grpc-gateway JSON, `{"code": <grpc code>, "message": "...", "details": []}`:
//! 400 with code 3 (InvalidArgument) for a malformed request, key or proof, 401 with code 16
//! (Unauthenticated) for a token Fulcio would not accept.

use ::der::Encode as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::super::http::{Request, Response};
use super::super::jwt;
use super::super::oidc::GITHUB_ISSUER;
use super::super::util::{b64_decode, now_unix, random_bytes};
use super::asn1::{self, bits, explicit, extension, int, oid, seq, uint, utc_time, utf8};
use super::ctlog::{CtLog, SCT_OID};
use super::keys::{new_p384, sign_p384, spki_p384, verify_p256};

const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";
/// The issuer name of every stand-in certificate.
pub const CA_ORGANIZATION: &str = "chora-standin";
pub const CA_COMMON_NAME: &str = "chora-standin-fulcio-root";
/// Leaf lifetime, as Fulcio's.
pub const LEAF_LIFETIME_SECS: i64 = 600;
/// How far in the past a leaf's notBefore lies.
pub const LEAF_BACKDATE_SECS: i64 = 30;

/// Ways to make the CA issue something a verifier must refuse. Each applies to every later
/// certificate until cleared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FulcioKnobs {
    /// Flip a byte of the SCT signature.
    pub corrupt_sct: bool,
    /// Issue the leaf without the SCT extension.
    pub omit_sct: bool,
    /// Return only the leaf, not the root, in the chain.
    pub leaf_only_chain: bool,
}

/// One certificate the CA issued.
#[derive(Clone, Debug)]
pub struct IssuedCert {
    /// The leaf, DER.
    pub der: Vec<u8>,
    /// The TBS the SCT was computed over (the final TBS without the SCT extension).
    pub precert_tbs: Vec<u8>,
    /// The verified token claims the extensions came from.
    pub claims: Value,
    /// Which request form was used: `"publicKeyRequest"` or `"certificateSigningRequest"`.
    pub form: String,
}

/// The CA: root key and certificate.
pub struct Ca {
    key: p384::ecdsa::SigningKey,
    spki: Vec<u8>,
    root_der: Vec<u8>,
    name: Vec<u8>,
}

/// SKI / AKI key identifier: the first 20 bytes of SHA-256 of the SPKI.
fn key_id(spki: &[u8]) -> Vec<u8> {
    Sha256::digest(spki)[..20].to_vec()
}

fn serial() -> Vec<u8> {
    let mut s = random_bytes(16);
    s[0] &= 0x7f;
    s[0] |= 0x01;
    uint(&s)
}

fn alg(oid_text: &str) -> Vec<u8> {
    seq(&[oid(oid_text)])
}

impl Ca {
    /// A fresh root, valid from a day ago for ten years.
    pub fn generate() -> Ca {
        let key = new_p384();
        let spki = spki_p384(&key);
        let name = asn1::name(CA_ORGANIZATION, CA_COMMON_NAME);
        let now = now_unix();
        let exts = seq(&[
            extension("2.5.29.19", true, &seq(&[asn1::boolean(true)])),
            extension("2.5.29.15", true, &asn1::tlv(0x03, &[0x01, 0x06])),
            extension("2.5.29.14", false, &asn1::octets(&key_id(&spki))),
        ]);
        let tbs = seq(&[
            explicit(0, &int(2)),
            serial(),
            alg(ECDSA_SHA384),
            name.clone(),
            seq(&[utc_time(now - 86_400), utc_time(now + 10 * 365 * 86_400)]),
            name.clone(),
            spki.clone(),
            explicit(3, &exts),
        ]);
        let root_der = sign_cert(&key, &tbs);
        Ca {
            key,
            spki,
            root_der,
            name,
        }
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// Issue a leaf for `leaf_spki` carrying the identity in `claims`, with an embedded SCT.
    /// Returns (leaf DER, precertificate TBS).
    pub fn issue(
        &self,
        ct: &CtLog,
        leaf_spki: &[u8],
        claims: &Value,
        knobs: FulcioKnobs,
    ) -> (Vec<u8>, Vec<u8>) {
        let now = now_unix();
        let not_before = now - LEAF_BACKDATE_SECS;
        let head = vec![
            explicit(0, &int(2)),
            serial(),
            alg(ECDSA_SHA384),
            self.name.clone(),
            seq(&[
                utc_time(not_before),
                utc_time(not_before + LEAF_LIFETIME_SECS),
            ]),
            seq(&[]),
            leaf_spki.to_vec(),
        ];
        let mut exts = leaf_extensions(&self.spki, leaf_spki, claims);
        let precert_tbs = tbs_with(&head, &exts);
        let ts_ms = u64::try_from(now).unwrap_or(0) * 1000;
        let mut sct = ct.sct(ts_ms, &self.spki, &precert_tbs);
        if knobs.corrupt_sct {
            let last = sct.len() - 1;
            sct[last] ^= 0x01;
        }
        if knobs.omit_sct {
            return (sign_cert(&self.key, &precert_tbs), precert_tbs);
        }
        exts.push(extension(SCT_OID, false, &CtLog::sct_extension_value(&sct)));
        let tbs = tbs_with(&head, &exts);
        assert_eq!(
            strip_sct(&tbs),
            precert_tbs,
            "the final TBS without the SCT extension must re-derive the precertificate TBS"
        );
        (sign_cert(&self.key, &tbs), precert_tbs)
    }
}

fn tbs_with(head: &[Vec<u8>], exts: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = head.to_vec();
    parts.push(explicit(3, &seq(exts)));
    seq(&parts)
}

fn sign_cert(key: &p384::ecdsa::SigningKey, tbs: &[u8]) -> Vec<u8> {
    let sig = sign_p384(key, tbs);
    seq(&[tbs.to_vec(), alg(ECDSA_SHA384), bits(&sig)])
}

fn enc<T: ::der::Encode>(e: &T) -> Vec<u8> {
    e.to_der().expect("re-encode TBS field")
}

/// Parse a TBS certificate and re-encode it without the SCT extension (what a verifier
/// does to check an embedded SCT).
pub fn strip_sct(tbs: &[u8]) -> Vec<u8> {
    use ::der::Decode as _;
    let t = x509_cert::TbsCertificate::from_der(tbs).expect("stand-in TBS parses");
    let sct_oid = ::der::oid::ObjectIdentifier::new_unwrap(SCT_OID);
    let exts: Vec<Vec<u8>> = t
        .extensions()
        .into_iter()
        .flatten()
        .filter(|e| e.extn_id != sct_oid)
        .map(enc)
        .collect();
    let head = vec![
        explicit(0, &int(2)),
        enc(t.serial_number()),
        enc(t.signature()),
        enc(t.issuer()),
        enc(t.validity()),
        enc(t.subject()),
        enc(t.subject_public_key_info()),
    ];
    tbs_with(&head, &exts)
}

fn claim<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// The leaf extensions before the SCT: KeyUsage, EKU, SKI, AKI, SAN, then the Fulcio OIDs.
fn leaf_extensions(issuer_spki: &[u8], leaf_spki: &[u8], claims: &Value) -> Vec<Vec<u8>> {
    let gh = |s: &str| format!("https://github.com/{s}");
    let san = gh(claim(claims, "job_workflow_ref").unwrap_or(""));
    let mut exts = vec![
        extension("2.5.29.15", true, &asn1::tlv(0x03, &[0x07, 0x80])),
        extension("2.5.29.37", false, &seq(&[oid("1.3.6.1.5.5.7.3.3")])),
        extension("2.5.29.14", false, &asn1::octets(&key_id(leaf_spki))),
        extension(
            "2.5.29.35",
            false,
            &seq(&[asn1::tlv(0x80, &key_id(issuer_spki))]),
        ),
        extension("2.5.29.17", true, &seq(&[asn1::tlv(0x86, san.as_bytes())])),
    ];
    let c = |n: &str| claim(claims, n).map(str::to_string);
    let repo = c("repository");
    // Deprecated raw-string extensions .1 to .6.
    let raw = [
        (1, c("iss")),
        (2, c("event_name")),
        (3, c("sha")),
        (4, c("workflow")),
        (5, repo.clone()),
        (6, c("ref")),
    ];
    for (n, v) in raw {
        if let Some(v) = v {
            exts.push(extension(&format!("{FULCIO_ARC}.{n}"), false, v.as_bytes()));
        }
    }
    let run_uri = match (&repo, c("run_id"), c("run_attempt")) {
        (Some(r), Some(id), Some(at)) => Some(gh(&format!("{r}/actions/runs/{id}/attempts/{at}"))),
        _ => None,
    };
    let utf8_exts = [
        (8, c("iss")),
        (9, c("job_workflow_ref").map(|v| gh(&v))),
        (10, c("job_workflow_sha")),
        (11, c("runner_environment")),
        (12, repo.as_deref().map(gh)),
        (13, c("sha")),
        (14, c("ref")),
        (15, c("repository_id")),
        (16, c("repository_owner").map(|v| gh(&v))),
        (17, c("repository_owner_id")),
        (18, c("workflow_ref").map(|v| gh(&v))),
        (19, c("workflow_sha")),
        (20, c("event_name")),
        (21, run_uri),
        (22, c("repository_visibility")),
        (23, c("environment")),
    ];
    for (n, v) in utf8_exts {
        if let Some(v) = v {
            exts.push(extension(&format!("{FULCIO_ARC}.{n}"), false, &utf8(&v)));
        }
    }
    exts
}

/// A refusal in Fulcio's grpc-gateway shape.
pub fn error(status: u16, code: u32, message: &str) -> Response {
    Response::json(
        status,
        &json!({"code": code, "message": message, "details": []}),
    )
}

fn invalid(message: &str) -> Response {
    error(400, 3, message)
}

fn unauthenticated(message: &str) -> Response {
    error(401, 16, message)
}

/// Verify a token the way Fulcio does for the GitHub issuer: signature against `jwks`,
/// issuer, audience `sigstore`, expiry.
pub fn verify_token(token: &str, jwks: &Value) -> Result<Value, String> {
    let claims = jwt::verify(token, jwks).map_err(|e| e.to_string())?;
    if claim(&claims, "iss") != Some(GITHUB_ISSUER) {
        return Err(format!("unknown issuer {:?}", claims.get("iss")));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == "sigstore",
        Some(Value::Array(a)) => a.iter().any(|v| v == "sigstore"),
        _ => false,
    };
    if !aud_ok {
        return Err(format!("audience {:?} is not sigstore", claims.get("aud")));
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now_unix() => {}
        _ => return Err("token expired or without exp".into()),
    }
    if claim(&claims, "job_workflow_ref").is_none() || claim(&claims, "sub").is_none() {
        return Err("token lacks sub or job_workflow_ref".into());
    }
    Ok(claims)
}

/// The public key (SPKI DER) a request asks to certify, after checking its proof of
/// possession, plus the request form. `Err` is the response to send.
fn requested_key(body: &Value, claims: &Value) -> Result<(Vec<u8>, String), Response> {
    if let Some(csr_b64) = body
        .get("certificateSigningRequest")
        .and_then(Value::as_str)
    {
        let pem = b64_decode(csr_b64)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| invalid("The certificate signing request could not be parsed"))?;
        let csr = asn1::pem_decode(&pem, "CERTIFICATE REQUEST")
            .ok_or_else(|| invalid("The certificate signing request could not be parsed"))?;
        let spki = verify_csr(&csr).map_err(|m| invalid(&m))?;
        return Ok((spki, "certificateSigningRequest".into()));
    }
    let pkr = body
        .get("publicKeyRequest")
        .ok_or_else(|| invalid("The request is missing a public key request or CSR"))?;
    let pem = pkr["publicKey"]["content"]
        .as_str()
        .ok_or_else(|| invalid("The public key supplied in the request could not be parsed"))?;
    let spki = asn1::pem_decode(pem, "PUBLIC KEY")
        .filter(|d| p256_spki_ok(d))
        .ok_or_else(|| invalid("The public key supplied in the request could not be parsed"))?;
    let pop = pkr["proofOfPossession"]
        .as_str()
        .and_then(b64_decode)
        .ok_or_else(|| invalid("The signature supplied in the request could not be verified"))?;
    let sub = claim(claims, "sub").unwrap_or("");
    if !verify_p256(&spki, sub.as_bytes(), &pop) {
        return Err(invalid(
            "The signature supplied in the request could not be verified",
        ));
    }
    Ok((spki, "publicKeyRequest".into()))
}

fn p256_spki_ok(spki: &[u8]) -> bool {
    use p256::pkcs8::DecodePublicKey as _;
    p256::ecdsa::VerifyingKey::from_public_key_der(spki).is_ok()
}

/// Check a PKCS#10 CSR's self-signature (ECDSA P-256 / SHA-256); return its SPKI DER.
pub fn verify_csr(csr_der: &[u8]) -> Result<Vec<u8>, String> {
    use ::der::Decode as _;
    let csr = x509_cert::request::CertReq::from_der(csr_der)
        .map_err(|e| format!("The certificate signing request could not be parsed: {e}"))?;
    let spki = csr
        .info
        .public_key
        .to_der()
        .map_err(|e| format!("CSR public key: {e}"))?;
    if !p256_spki_ok(&spki) {
        return Err("The public key supplied in the request could not be parsed".into());
    }
    if csr.algorithm.oid != ::der::oid::ObjectIdentifier::new_unwrap(ECDSA_SHA256) {
        return Err("The CSR signature algorithm is not ecdsa-with-SHA256".into());
    }
    let info = csr.info.to_der().map_err(|e| format!("CSR info: {e}"))?;
    let sig = csr.signature.as_bytes().unwrap_or(&[]);
    if !verify_p256(&spki, &info, sig) {
        return Err("The signature supplied in the request could not be verified".into());
    }
    Ok(spki)
}

/// The token of a request: `credentials.oidcIdentityToken`, else `Authorization: Bearer`.
fn token_of(body: &Value, req: &Request) -> Option<String> {
    if let Some(t) = body["credentials"]["oidcIdentityToken"].as_str() {
        return Some(t.to_string());
    }
    let auth = req.header("authorization")?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// What the HTTP handler needs.
pub struct Fulcio {
    pub ca: Ca,
    pub ct: CtLog,
    pub jwks: Value,
    pub issued: Vec<IssuedCert>,
    pub knobs: FulcioKnobs,
}

impl Fulcio {
    /// Handle one request.
    pub fn handle(&mut self, req: &Request) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v2/signingCert") => self.signing_cert(req),
            ("GET", "/api/v2/trustBundle") => {
                let pem = asn1::pem("CERTIFICATE", self.ca.root_der());
                Response::json(200, &json!({"chains": [{"certificates": [pem]}]}))
            }
            _ => error(404, 5, "Not Found"),
        }
    }

    fn signing_cert(&mut self, req: &Request) -> Response {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return invalid("The request body is not JSON");
        };
        let Some(token) = token_of(&body, req) else {
            return unauthenticated("There was an error processing the identity token");
        };
        let claims = match verify_token(&token, &self.jwks) {
            Ok(c) => c,
            Err(e) => {
                return unauthenticated(&format!(
                    "There was an error processing the identity token: {e}"
                ));
            }
        };
        let (spki, form) = match requested_key(&body, &claims) {
            Ok(k) => k,
            Err(r) => return r,
        };
        let (leaf, precert_tbs) = self.ca.issue(&self.ct, &spki, &claims, self.knobs);
        self.issued.push(IssuedCert {
            der: leaf.clone(),
            precert_tbs,
            claims,
            form,
        });
        let mut chain = vec![asn1::pem("CERTIFICATE", &leaf)];
        if !self.knobs.leaf_only_chain {
            chain.push(asn1::pem("CERTIFICATE", self.ca.root_der()));
        }
        Response::json(
            201,
            &json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": chain}}}),
        )
    }
}
