//! A minimal test-side PEP 740 signer, the flow a publisher runs in a GitHub job: token with
//! audience `sigstore` → fresh P-256 key → Fulcio → DSSE over the in-toto statement →
//! Rekor → Attestation JSON (sigstore.md §2, TLE conversion: hex → base64, ints → strings).
//! It is deliberately independent of the library's signer.

use serde_json::{Value, json};

use super::super::client::{ClientResponse, get_with, post_json, request};
use super::super::oidc::GithubOidc;
use super::super::util::{b64, b64_decode, sha256_hex};
use super::asn1::{self, bits, explicit, int, oid, pem, seq};
use super::keys::{new_p256, sign_p256, spki_p256};
use super::rekor::pae;

/// The DSSE payload type of in-toto statements.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// PEP 740's publish predicate.
pub const PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";

/// Everything one signing run produced.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The PEP 740 Attestation object.
    pub attestation: Value,
    pub statement: Vec<u8>,
    /// The leaf certificate, DER.
    pub cert_der: Vec<u8>,
    /// The chain Fulcio returned, DER (leaf first).
    pub chain: Vec<Vec<u8>>,
    /// The DSSE signature (DER).
    pub signature: Vec<u8>,
    /// The Rekor v1 entry object (the value under the uuid key).
    pub rekor_entry: Value,
}

/// The exact statement bytes pypi-attestations builds for a dist.
pub fn statement(filename: &str, sha256: &str, predicate_type: &str) -> Vec<u8> {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": filename, "digest": {"sha256": sha256}}],
        "predicateType": predicate_type,
        "predicate": null,
    })
    .to_string()
    .into_bytes()
}

/// Ask the OIDC stand-in for a token, as a job does.
pub fn fetch_token(oidc: &GithubOidc, audience: &str) -> String {
    let url = format!("{}&audience={audience}", oidc.request_url());
    let auth = format!("bearer {}", oidc.request_token());
    let r = get_with(&url, &[("Authorization", &auth)]);
    assert_eq!(r.status, 200, "token request: {}", r.text());
    r.json()["value"].as_str().expect("token value").to_string()
}

/// The `publicKeyRequest` form, proof of possession over `sub`.
pub fn public_key_request(token: &str, key: &p256::ecdsa::SigningKey) -> Value {
    let (_, claims, _, _) = super::super::jwt::decode_unverified(token).expect("JWT");
    let sub = claims["sub"].as_str().unwrap_or("").to_string();
    json!({
        "credentials": {"oidcIdentityToken": token},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": pem("PUBLIC KEY", &spki_p256(key))},
            "proofOfPossession": b64(&sign_p256(key, sub.as_bytes())),
        },
    })
}

/// A PKCS#10 CSR (empty subject, no attributes) signed by `key`, DER.
pub fn csr(key: &p256::ecdsa::SigningKey) -> Vec<u8> {
    let info = seq(&[int(0), seq(&[]), spki_p256(key), explicit(0, &[])]);
    let sig = sign_p256(key, &info);
    seq(&[info, seq(&[oid("1.2.840.10045.4.3.2")]), bits(&sig)])
}

/// POST a Fulcio request in the CSR form (token as `Authorization: Bearer`).
pub fn post_csr(fulcio_url: &str, token: &str, csr_der: &[u8]) -> ClientResponse {
    let body =
        json!({"certificateSigningRequest": b64(pem("CERTIFICATE REQUEST", csr_der).as_bytes())});
    let auth = format!("Bearer {token}");
    request(
        "POST",
        &format!("{fulcio_url}/api/v2/signingCert"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        body.to_string().as_bytes(),
    )
    .expect("POST signingCert")
}

/// The DER chain of a successful Fulcio response.
pub fn chain_of(r: &ClientResponse) -> Vec<Vec<u8>> {
    assert_eq!(r.status, 201, "Fulcio: {}", r.text());
    r.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
        .as_array()
        .expect("chain")
        .iter()
        .map(|c| asn1::pem_decode(c.as_str().expect("PEM"), "CERTIFICATE").expect("PEM cert"))
        .collect()
}

/// The DSSE envelope JSON text.
pub fn envelope(statement: &[u8], signature: &[u8]) -> String {
    json!({
        "payload": b64(statement),
        "payloadType": IN_TOTO,
        "signatures": [{"keyid": "", "sig": b64(signature)}],
    })
    .to_string()
}

/// The Rekor dsse 0.0.1 proposed entry.
pub fn rekor_request(envelope_json: &str, cert_der: &[u8]) -> Value {
    json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {"proposedContent": {
            "envelope": envelope_json,
            "verifiers": [b64(pem("CERTIFICATE", cert_der).as_bytes())],
        }},
    })
}

/// The only entry object of a 201 Rekor response.
pub fn entry_of(r: &ClientResponse) -> Value {
    assert_eq!(r.status, 201, "Rekor: {}", r.text());
    let v = r.json();
    let map = v.as_object().expect("object");
    assert_eq!(map.len(), 1, "one entry");
    map.values().next().cloned().expect("entry")
}

fn hex_to_b64(h: &Value) -> Value {
    let text = h.as_str().expect("hex string");
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect();
    json!(b64(&bytes))
}

fn int_str(v: &Value) -> Value {
    json!(v.as_i64().expect("integer").to_string())
}

/// Convert a Rekor v1 entry to the protobuf-JSON TransparencyLogEntry.
pub fn tle_from_v1(e: &Value) -> Value {
    let body = b64_decode(e["body"].as_str().expect("body")).expect("b64 body");
    let body: Value = serde_json::from_slice(&body).expect("body JSON");
    let proof = &e["verification"]["inclusionProof"];
    let mut tle = json!({
        "logIndex": int_str(&e["logIndex"]),
        "logId": {"keyId": hex_to_b64(&e["logID"])},
        "kindVersion": {"kind": body["kind"], "version": body["apiVersion"]},
        "integratedTime": int_str(&e["integratedTime"]),
        "inclusionProof": {
            "logIndex": int_str(&proof["logIndex"]),
            "rootHash": hex_to_b64(&proof["rootHash"]),
            "treeSize": int_str(&proof["treeSize"]),
            "hashes": proof["hashes"].as_array().expect("hashes").iter().map(hex_to_b64).collect::<Vec<_>>(),
            "checkpoint": {"envelope": proof["checkpoint"]},
        },
        "canonicalizedBody": e["body"],
    });
    if let Some(set) = e["verification"].get("signedEntryTimestamp") {
        tle["inclusionPromise"] = json!({"signedEntryTimestamp": set});
    }
    tle
}

/// The PEP 740 Attestation object.
pub fn attestation(cert_der: &[u8], tle: Value, statement: &[u8], signature: &[u8]) -> Value {
    json!({
        "version": 1,
        "verification_material": {"certificate": b64(cert_der), "transparency_entries": [tle]},
        "envelope": {"statement": b64(statement), "signature": b64(signature)},
    })
}

/// The whole flow for `filename` with content `data` (publicKeyRequest form).
pub fn sign_dist(
    oidc: &GithubOidc,
    fulcio_url: &str,
    rekor_url: &str,
    filename: &str,
    data: &[u8],
) -> Signed {
    let token = fetch_token(oidc, "sigstore");
    let key = new_p256();
    let r = post_json(
        &format!("{fulcio_url}/api/v2/signingCert"),
        &public_key_request(&token, &key),
    );
    let chain = chain_of(&r);
    let cert_der = chain[0].clone();
    let statement = statement(filename, &sha256_hex(data), PUBLISH_V1);
    let signature = sign_p256(&key, &pae(IN_TOTO, &statement));
    let env = envelope(&statement, &signature);
    let r = post_json(
        &format!("{rekor_url}/api/v1/log/entries"),
        &rekor_request(&env, &cert_der),
    );
    let rekor_entry = entry_of(&r);
    let attestation = attestation(&cert_der, tle_from_v1(&rekor_entry), &statement, &signature);
    Signed {
        attestation,
        statement,
        cert_der,
        chain,
        signature,
        rekor_entry,
    }
}
