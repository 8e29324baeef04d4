//! Fulcio certificates: decoding, the identity Fulcio writes into them (SAN and the
//! `1.3.6.1.4.1.57264.1.*` extensions), PEM as Python's `cryptography` writes it, the chain
//! to a trusted authority, leaf key usage, and the embedded precertificate SCT (RFC 6962).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use der::asn1::{Any, ObjectIdentifier, OctetString, Utf8StringRef};
use der::{Decode, Encode, Tag, TagNumber, Tagged};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};

use super::keys::{self, Hash, PublicKey};
use super::trust_root::{Authority, LogKey, find_key};

/// The embedded SCT list extension (RFC 6962 §3.3).
pub const SCT_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// Extended key usage: code signing.
pub const CODE_SIGNING_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
/// The Fulcio extension arc.
const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";

/// Who the certificate was issued to, as Fulcio recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// The subject alternative name (a URI for workflows, else an email).
    pub san: String,
    /// The OIDC issuer: `.1.8`, else the legacy raw `.1.1`.
    pub issuer: Option<String>,
    /// `.12`
    pub source_repository_uri: Option<String>,
    /// `.13`
    pub source_repository_digest: Option<String>,
    /// `.14`
    pub source_repository_ref: Option<String>,
    /// `.18`
    pub build_config_uri: Option<String>,
    /// `.9`
    pub build_signer_uri: Option<String>,
    /// `.23`
    pub deployment_environment: Option<String>,
    /// `.21`
    pub run_invocation_uri: Option<String>,
}

/// Why a certificate is unusable or does not check out.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertError {
    #[error("the certificate is not DER X.509: {0}")]
    Decode(String),
    #[error("the text holds no PEM certificate, or a PEM block is not base64")]
    Pem,
    #[error("the certificate has no subject alternative name (URI or email)")]
    NoSan,
    #[error("the certificate's {0} extension is malformed")]
    Extension(String),
    #[error("the certificate's key is not ECDSA P-256 or P-384")]
    UnsupportedKey,
    #[error("the certificate is signed with {0}, not ECDSA with SHA-256 or SHA-384")]
    SignatureAlgorithm(String),
    #[error("no trusted certificate authority issued this certificate: {0}")]
    Untrusted(String),
    #[error(
        "the certificate is valid from {not_before} to {not_after} (unix seconds), not at {at}"
    )]
    NotValidAt {
        at: i64,
        not_before: i64,
        not_after: i64,
    },
    #[error("the signing certificate's key usage lacks digitalSignature")]
    KeyUsage,
    #[error("the signing certificate's extended key usage lacks codeSigning")]
    ExtendedKeyUsage,
    #[error("the certificate carries no embedded signed certificate timestamp")]
    NoSct,
    #[error("the embedded signed certificate timestamp is malformed: {0}")]
    SctEncoding(&'static str),
    #[error("no trusted CT log has key id {0}")]
    SctUnknownLog(String),
    #[error("the signed certificate timestamp does not verify with CT log key {0}")]
    SctInvalid(String),
}

/// Decode DER.
pub fn parse(der: &[u8]) -> Result<Certificate, CertError> {
    Certificate::from_der(der).map_err(|e| CertError::Decode(e.to_string()))
}

/// PEM exactly as Python's `cryptography` writes it (64 columns, LF, trailing newline).
pub fn to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Every `CERTIFICATE` PEM block in `text`, as DER, in order.
pub fn from_pem_chain(text: &str) -> Result<Vec<Vec<u8>>, CertError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = rest.get(start + BEGIN.len()..).unwrap_or_default();
        let end = after.find(END).ok_or(CertError::Pem)?;
        let body: String = after
            .get(..end)
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        out.push(STANDARD.decode(body).map_err(|_| CertError::Pem)?);
        rest = after.get(end + END.len()..).unwrap_or_default();
    }
    if out.is_empty() {
        return Err(CertError::Pem);
    }
    Ok(out)
}

/// The Fulcio identity in a leaf certificate.
pub fn identity(leaf_der: &[u8]) -> Result<Identity, CertError> {
    let cert = parse(leaf_der)?;
    identity_of(&cert)
}

/// The Fulcio identity of a decoded certificate.
pub fn identity_of(cert: &Certificate) -> Result<Identity, CertError> {
    let ext = |n: u32| fulcio_extension(cert, n);
    let issuer = match ext(8)? {
        Some(v) => Some(v),
        None => legacy_extension(cert, 1)?,
    };
    Ok(Identity {
        san: san(cert)?,
        issuer,
        source_repository_uri: ext(12)?,
        source_repository_digest: ext(13)?,
        source_repository_ref: ext(14)?,
        build_config_uri: ext(18)?,
        build_signer_uri: ext(9)?,
        deployment_environment: ext(23)?,
        run_invocation_uri: ext(21)?,
    })
}

fn san(cert: &Certificate) -> Result<String, CertError> {
    let found = cert
        .tbs_certificate()
        .get_extension::<SubjectAltName>()
        .map_err(|_| CertError::Extension("subjectAltName".into()))?;
    let Some((_, names)) = found else {
        return Err(CertError::NoSan);
    };
    names
        .0
        .iter()
        .find_map(|n| match n {
            GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
            GeneralName::Rfc822Name(email) => Some(email.to_string()),
            _ => None,
        })
        .ok_or(CertError::NoSan)
}

fn find_extension<'a>(cert: &'a Certificate, oid: &ObjectIdentifier) -> Option<&'a Extension> {
    cert.tbs_certificate()
        .extensions()
        .and_then(|exts| exts.iter().find(|e| &e.extn_id == oid))
}

fn fulcio_oid(n: u32) -> Result<ObjectIdentifier, CertError> {
    ObjectIdentifier::new(&format!("{FULCIO_ARC}.{n}"))
        .map_err(|_| CertError::Extension(format!("{FULCIO_ARC}.{n}")))
}

/// A `.1.N` extension whose value is a DER UTF8String.
pub fn fulcio_extension(cert: &Certificate, n: u32) -> Result<Option<String>, CertError> {
    let oid = fulcio_oid(n)?;
    let Some(ext) = find_extension(cert, &oid) else {
        return Ok(None);
    };
    Utf8StringRef::from_der(ext.extn_value.as_bytes())
        .map(|s| Some(s.as_str().to_string()))
        .map_err(|_| CertError::Extension(oid.to_string()))
}

/// A deprecated `.1.N` extension whose value is the raw string.
fn legacy_extension(cert: &Certificate, n: u32) -> Result<Option<String>, CertError> {
    let oid = fulcio_oid(n)?;
    let Some(ext) = find_extension(cert, &oid) else {
        return Ok(None);
    };
    String::from_utf8(ext.extn_value.as_bytes().to_vec())
        .map(Some)
        .map_err(|_| CertError::Extension(oid.to_string()))
}

/// The certificate's SPKI DER.
pub fn spki_der(cert: &Certificate) -> Result<Vec<u8>, CertError> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| CertError::Decode(e.to_string()))
}

/// The certificate's public key.
pub fn public_key(cert: &Certificate) -> Result<PublicKey, CertError> {
    PublicKey::from_spki_der(&spki_der(cert)?).map_err(|_| CertError::UnsupportedKey)
}

/// notBefore and notAfter in unix seconds.
pub fn validity(cert: &Certificate) -> (i64, i64) {
    let v = cert.tbs_certificate().validity();
    let secs = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    (secs(v.not_before), secs(v.not_after))
}

/// The certificate is valid at `at` (unix seconds, inclusive bounds).
pub fn check_valid_at(cert: &Certificate, at: i64) -> Result<(), CertError> {
    let (not_before, not_after) = validity(cert);
    if not_before <= at && at <= not_after {
        Ok(())
    } else {
        Err(CertError::NotValidAt {
            at,
            not_before,
            not_after,
        })
    }
}

/// The leaf may sign code: KeyUsage digitalSignature and EKU codeSigning.
pub fn check_leaf_usage(cert: &Certificate) -> Result<(), CertError> {
    let tbs = cert.tbs_certificate();
    let ku = tbs
        .get_extension::<KeyUsage>()
        .map_err(|_| CertError::Extension("keyUsage".into()))?;
    match ku {
        Some((_, KeyUsage(flags))) if flags.contains(KeyUsages::DigitalSignature) => {}
        _ => return Err(CertError::KeyUsage),
    }
    let eku = tbs
        .get_extension::<ExtendedKeyUsage>()
        .map_err(|_| CertError::Extension("extendedKeyUsage".into()))?;
    match eku {
        Some((_, ExtendedKeyUsage(oids))) if oids.contains(&CODE_SIGNING_OID) => Ok(()),
        _ => Err(CertError::ExtendedKeyUsage),
    }
}

/// `child` is signed by `issuer`'s key (and names it as its issuer).
fn check_signed_by(child: &Certificate, issuer: &Certificate) -> Result<(), String> {
    if child.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
        return Err("the issuer name does not match".into());
    }
    let oid = child.signature_algorithm().oid.to_string();
    let hash: Hash = keys::hash_of_signature_algorithm(&oid)
        .ok_or_else(|| CertError::SignatureAlgorithm(oid.clone()).to_string())?;
    let key = public_key(issuer).map_err(|e| e.to_string())?;
    let tbs = child
        .tbs_certificate()
        .to_der()
        .map_err(|e| e.to_string())?;
    let signature = child
        .signature()
        .as_bytes()
        .ok_or("the signature bit string is not whole bytes")?;
    key.verify(hash, &tbs, signature)
        .map_err(|_| "the signature does not verify".to_string())
}

/// A CA certificate: basicConstraints CA, and keyCertSign when key usage is present.
fn check_ca(cert: &Certificate) -> Result<(), String> {
    let tbs = cert.tbs_certificate();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, bc))) if bc.ca => {}
        _ => return Err("a chain certificate is not a CA (basicConstraints)".into()),
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(None) => Ok(()),
        Ok(Some((_, KeyUsage(flags)))) if flags.contains(KeyUsages::KeyCertSign) => Ok(()),
        _ => Err("a chain certificate may not sign certificates (keyUsage)".into()),
    }
}

/// Chain `leaf` to one of `authorities` at time `at`; returns the certificate that issued the
/// leaf (the authority's first certificate).
pub fn verify_chain(
    leaf: &Certificate,
    authorities: &[Authority],
    at: i64,
) -> Result<Certificate, CertError> {
    let mut reasons = Vec::new();
    for authority in authorities {
        match verify_with(leaf, authority, at) {
            Ok(issuer) => return Ok(issuer),
            Err(why) => reasons.push(format!("{}: {why}", authority.uri)),
        }
    }
    if reasons.is_empty() {
        reasons.push("the trust root lists no certificate authority".into());
    }
    Err(CertError::Untrusted(reasons.join("; ")))
}

fn verify_with(leaf: &Certificate, authority: &Authority, at: i64) -> Result<Certificate, String> {
    if authority.valid_from.is_some_and(|t| at < t) || authority.valid_until.is_some_and(|t| at > t)
    {
        return Err(format!("the authority is not valid at {at}"));
    }
    let chain = authority
        .chain
        .iter()
        .map(|der| parse(der).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let first = chain.first().ok_or("the authority lists no certificate")?;
    check_signed_by(leaf, first)?;
    for (i, cert) in chain.iter().enumerate() {
        check_ca(cert)?;
        check_valid_at(cert, at).map_err(|e| format!("chain certificate {i}: {e}"))?;
        let parent = chain.get(i + 1).unwrap_or(cert);
        check_signed_by(cert, parent).map_err(|e| format!("chain certificate {i}: {e}"))?;
    }
    Ok(first.clone())
}

/// One SCT, as RFC 6962 §3.2 encodes it.
struct Sct {
    log_id: [u8; 32],
    timestamp: u64,
    extensions: Vec<u8>,
    signature: Vec<u8>,
}

/// The embedded precertificate SCT verifies with a trusted CT log's key.
pub fn verify_sct(
    leaf: &Certificate,
    issuer: &Certificate,
    ctlogs: &[LogKey],
) -> Result<(), CertError> {
    let ext = find_extension(leaf, &SCT_OID).ok_or(CertError::NoSct)?;
    let list = OctetString::from_der(ext.extn_value.as_bytes())
        .map_err(|_| CertError::SctEncoding("the extension is not an OCTET STRING"))?;
    let scts = parse_sct_list(list.as_bytes())?;
    let tbs = precert_tbs(leaf)?;
    let issuer_key_hash: [u8; 32] = Sha256::digest(spki_der(issuer)?).into();
    let mut last = CertError::NoSct;
    for sct in scts {
        let Some(key) = find_key(ctlogs, &sct.log_id) else {
            last = CertError::SctUnknownLog(STANDARD.encode(sct.log_id));
            continue;
        };
        let message = sct_signed_data(&sct, &issuer_key_hash, &tbs)?;
        match key.verify(Hash::Sha256, &message, &sct.signature) {
            Ok(()) => return Ok(()),
            Err(_) => last = CertError::SctInvalid(STANDARD.encode(sct.log_id)),
        }
    }
    Err(last)
}

/// A cursor over TLS-encoded bytes.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CertError> {
        let (head, tail) = self
            .0
            .split_at_checked(n)
            .ok_or(CertError::SctEncoding("truncated"))?;
        self.0 = tail;
        Ok(head)
    }
    fn int(&mut self, n: usize) -> Result<u64, CertError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
    fn vector(&mut self, len_bytes: usize) -> Result<&'a [u8], CertError> {
        let len = self.int(len_bytes)? as usize;
        self.take(len)
    }
}

fn parse_sct_list(bytes: &[u8]) -> Result<Vec<Sct>, CertError> {
    let mut outer = Tls(bytes);
    let mut list = Tls(outer.vector(2)?);
    if !outer.0.is_empty() {
        return Err(CertError::SctEncoding("trailing bytes after the list"));
    }
    let mut out = Vec::new();
    while !list.0.is_empty() {
        let mut sct = Tls(list.vector(2)?);
        if sct.int(1)? != 0 {
            return Err(CertError::SctEncoding("not a v1 SCT"));
        }
        let mut log_id = [0u8; 32];
        log_id.copy_from_slice(sct.take(32)?);
        let timestamp = sct.int(8)?;
        let extensions = sct.vector(2)?.to_vec();
        let (hash, sig_alg) = (sct.int(1)?, sct.int(1)?);
        if (hash, sig_alg) != (4, 3) {
            return Err(CertError::SctEncoding("not ECDSA with SHA-256"));
        }
        let signature = sct.vector(2)?.to_vec();
        if !sct.0.is_empty() {
            return Err(CertError::SctEncoding("trailing bytes after an SCT"));
        }
        out.push(Sct {
            log_id,
            timestamp,
            extensions,
            signature,
        });
    }
    if out.is_empty() {
        return Err(CertError::NoSct);
    }
    Ok(out)
}

/// What the CT log signed for a precert entry (RFC 6962 §3.2).
fn sct_signed_data(
    sct: &Sct,
    issuer_key_hash: &[u8; 32],
    tbs: &[u8],
) -> Result<Vec<u8>, CertError> {
    let tbs_len = u32::try_from(tbs.len())
        .ok()
        .filter(|n| *n < 1 << 24)
        .ok_or(CertError::SctEncoding("the certificate is too large"))?;
    let ext_len = u16::try_from(sct.extensions.len())
        .map_err(|_| CertError::SctEncoding("the SCT extensions are too large"))?;
    let mut out = vec![0u8, 0u8]; // version v1, signature type certificate_timestamp
    out.extend(sct.timestamp.to_be_bytes());
    out.extend(1u16.to_be_bytes()); // precert_entry
    out.extend(issuer_key_hash);
    out.extend(tbs_len.to_be_bytes().get(1..).unwrap_or_default());
    out.extend(tbs);
    out.extend(ext_len.to_be_bytes());
    out.extend(&sct.extensions);
    Ok(out)
}

/// The leaf's TBSCertificate with the SCT list extension removed, re-encoded.
pub fn precert_tbs(leaf: &Certificate) -> Result<Vec<u8>, CertError> {
    let bad = |_| CertError::SctEncoding("the certificate could not be re-encoded without its SCT");
    let tbs = leaf.tbs_certificate().to_der().map_err(bad)?;
    let mut fields = Vec::<Any>::from_der(&tbs).map_err(bad)?;
    let ext_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(3),
    };
    let wrapper = fields
        .iter_mut()
        .find(|f| f.tag() == ext_tag)
        .ok_or(CertError::NoSct)?;
    let mut exts = Vec::<Extension>::from_der(wrapper.value()).map_err(bad)?;
    exts.retain(|e| e.extn_id != SCT_OID);
    *wrapper = Any::new(ext_tag, exts.to_der().map_err(bad)?).map_err(bad)?;
    fields.to_der().map_err(bad)
}
