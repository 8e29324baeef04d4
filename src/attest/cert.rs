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
    #[error("the signing certificate breaks the Web PKI profile PyPI's verifier enforces: {0}")]
    Profile(&'static str),
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

/// What cryptography's Web PKI client profile (sigstore-python) demands of a Fulcio leaf
/// beyond key usage: not a CA, an authority key identifier, and a critical SAN when the
/// subject is empty.
pub fn check_leaf_profile(cert: &Certificate) -> Result<(), CertError> {
    let tbs = cert.tbs_certificate();
    if let Ok(Some((_, bc))) = tbs.get_extension::<BasicConstraints>()
        && bc.ca
    {
        return Err(CertError::Profile("the leaf is a CA certificate"));
    }
    let aki = ObjectIdentifier::new_unwrap("2.5.29.35");
    if find_extension(cert, &aki).is_none() {
        return Err(CertError::Profile(
            "the leaf has no authority key identifier",
        ));
    }
    let san = ObjectIdentifier::new_unwrap("2.5.29.17");
    let san_critical = find_extension(cert, &san).is_some_and(|e| e.critical);
    if tbs.subject().is_empty() && !san_critical {
        return Err(CertError::Profile(
            "the subject is empty but the subject alternative name is not critical",
        ));
    }
    Ok(())
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

#[cfg(test)]
pub(crate) mod testing {
    //! A tiny Fulcio-like CA for tests: a P-384 root and intermediate, P-256 leaves with
    //! Fulcio extensions and an embedded precertificate SCT from a P-256 CT log key.
    use super::*;
    use crate::attest::keys::{key_id, testkeys};
    use der::asn1::{Ia5String, UtcTime};
    use std::str::FromStr;
    use std::time::Duration;
    use x509_cert::builder::profile::BuilderProfile;
    use x509_cert::builder::{Builder, CertificateBuilder};
    use x509_cert::certificate::TbsCertificate;
    use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
    use x509_cert::time::{Time, Validity};

    /// A fixed "now" for certificates (2025-06-15).
    pub const T0: i64 = 1_750_000_000;

    struct Plain {
        subject: Name,
        issuer: Name,
    }

    impl BuilderProfile for Plain {
        fn get_issuer(&self, _subject: &Name) -> Name {
            self.issuer.clone()
        }
        fn get_subject(&self) -> Name {
            self.subject.clone()
        }
        fn build_extensions(
            &self,
            _spk: SubjectPublicKeyInfoRef<'_>,
            _issuer_spk: SubjectPublicKeyInfoRef<'_>,
            _tbs: &TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<Extension>> {
            Ok(Vec::new())
        }
    }

    fn time(t: i64) -> Time {
        Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(t as u64)).unwrap())
    }

    pub fn ext(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Extension {
        Extension {
            extn_id: oid,
            critical,
            extn_value: OctetString::new(value).unwrap(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        subject: &Name,
        issuer: &Name,
        serial: u32,
        (not_before, not_after): (i64, i64),
        spki: &[u8],
        exts: Vec<Extension>,
        signer: &p384::ecdsa::SigningKey,
    ) -> Certificate {
        let profile = Plain {
            subject: subject.clone(),
            issuer: issuer.clone(),
        };
        let validity = Validity::new(time(not_before), time(not_after));
        let spki = SubjectPublicKeyInfoOwned::from_der(spki).unwrap();
        let mut b =
            CertificateBuilder::new(profile, SerialNumber::from(serial), validity, spki).unwrap();
        for e in exts {
            b.add_extension(e).unwrap();
        }
        b.build::<_, p384::ecdsa::DerSignature>(signer).unwrap()
    }

    /// A key identifier: the first 20 bytes of sha256(SPKI).
    fn kid(spki: &[u8]) -> OctetString {
        OctetString::new(Sha256::digest(spki)[..20].to_vec()).unwrap()
    }

    /// SKI of `subject_spki`, and AKI of `issuer_spki` unless self-signed.
    fn key_ids(subject_spki: &[u8], issuer_spki: &[u8]) -> Vec<Extension> {
        let ski = SubjectKeyIdentifier(kid(subject_spki));
        let mut exts = vec![ext(
            SubjectKeyIdentifier::OID_,
            false,
            ski.to_der().unwrap(),
        )];
        if subject_spki != issuer_spki {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(kid(issuer_spki)),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push(ext(
                AuthorityKeyIdentifier::OID_,
                false,
                aki.to_der().unwrap(),
            ));
        }
        exts
    }

    fn ca_exts(subject_spki: &[u8], issuer_spki: &[u8]) -> Vec<Extension> {
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        };
        let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let mut exts = vec![
            ext(BasicConstraints::OID_, true, bc.to_der().unwrap()),
            ext(KeyUsage::OID_, true, ku.to_der().unwrap()),
        ];
        exts.extend(key_ids(subject_spki, issuer_spki));
        exts
    }

    trait Oid {
        const OID_: ObjectIdentifier;
    }
    impl<T: der::oid::AssociatedOid> Oid for T {
        const OID_: ObjectIdentifier = T::OID;
    }

    /// A CA: root, intermediate, CT log key.
    pub struct Ca {
        pub root: Vec<u8>,
        pub inter_key: p384::ecdsa::SigningKey,
        pub inter: Vec<u8>,
        pub inter_name: Name,
        pub ct_key: p256::ecdsa::SigningKey,
    }

    impl Ca {
        pub fn new(label: &str) -> Ca {
            let root_key = testkeys::p384(&format!("{label} root"));
            let inter_key = testkeys::p384(&format!("{label} intermediate"));
            let root_name = Name::from_str(&format!("CN={label} root,O=chora tests")).unwrap();
            let inter_name =
                Name::from_str(&format!("CN={label} intermediate,O=chora tests")).unwrap();
            let years = (T0 - 365 * 86400, T0 + 5 * 365 * 86400);
            let root_spki = testkeys::p384_spki(&root_key);
            let inter_spki = testkeys::p384_spki(&inter_key);
            let root_exts = ca_exts(&root_spki, &root_spki);
            let root = build(
                &root_name, &root_name, 1, years, &root_spki, root_exts, &root_key,
            );
            let inter_exts = ca_exts(&inter_spki, &root_spki);
            let inter = build(
                &inter_name,
                &root_name,
                2,
                years,
                &inter_spki,
                inter_exts,
                &root_key,
            );
            Ca {
                root: root.to_der().unwrap(),
                inter_key,
                inter: inter.to_der().unwrap(),
                inter_name,
                ct_key: testkeys::p256(&format!("{label} ct")),
            }
        }

        pub fn authority(&self) -> Authority {
            Authority {
                uri: "https://fulcio.test".into(),
                chain: vec![self.inter.clone(), self.root.clone()],
                valid_from: Some(T0 - 365 * 86400),
                valid_until: None,
            }
        }

        pub fn ctlog(&self) -> LogKey {
            log_key(&self.ct_key, "https://ctfe.test")
        }
    }

    pub fn log_key(key: &p256::ecdsa::SigningKey, url: &str) -> LogKey {
        let spki = testkeys::p256_spki(key);
        LogKey {
            base_url: url.into(),
            key_id: key_id(&spki).to_vec(),
            key: Some(PublicKey::from_spki_der(&spki).unwrap()),
            valid_from: Some(T0 - 365 * 86400),
            valid_until: None,
        }
    }

    /// How the leaf's SCT is made.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum SctMode {
        Good,
        Missing,
        /// Signed over a different TBS.
        WrongTbs,
        /// Signed by a CT key the trust root does not list.
        UnknownLog,
    }

    /// What goes into a leaf.
    #[derive(Clone, Debug)]
    pub struct Leaf {
        pub san: String,
        /// `(N, value)` for `1.3.6.1.4.1.57264.1.N` UTF8String extensions.
        pub fulcio: Vec<(u32, String)>,
        /// Legacy raw `.1.N` extensions.
        pub legacy: Vec<(u32, String)>,
        pub not_before: i64,
        pub not_after: i64,
        pub key_usage: bool,
        pub code_signing: bool,
        pub sct: SctMode,
        /// Profile knobs (all true for a Fulcio-like leaf).
        pub aki: bool,
        pub san_critical: bool,
        /// Mark the leaf a CA (basicConstraints cA=TRUE).
        pub ca: bool,
    }

    impl Default for Leaf {
        fn default() -> Leaf {
            let wf = "https://github.com/octo/pkg/.github/workflows/release.yml@refs/tags/v1";
            Leaf {
                san: wf.into(),
                fulcio: vec![
                    (8, "https://token.actions.githubusercontent.com".into()),
                    (9, wf.into()),
                    (12, "https://github.com/octo/pkg".into()),
                    (13, "0123456789abcdef0123456789abcdef01234567".into()),
                    (14, "refs/tags/v1".into()),
                    (18, wf.into()),
                    (
                        21,
                        "https://github.com/octo/pkg/actions/runs/1/attempts/1".into(),
                    ),
                    (23, "pypi".into()),
                ],
                legacy: vec![(1, "https://token.actions.githubusercontent.com".into())],
                not_before: T0,
                not_after: T0 + 600,
                key_usage: true,
                code_signing: true,
                sct: SctMode::Good,
                aki: true,
                san_critical: true,
                ca: false,
            }
        }
    }

    fn leaf_exts(leaf: &Leaf, spki: &[u8], issuer_spki: &[u8]) -> Vec<Extension> {
        let mut exts = key_ids(spki, issuer_spki);
        if leaf.key_usage {
            let ku = KeyUsage(KeyUsages::DigitalSignature.into());
            exts.push(ext(KeyUsage::OID_, true, ku.to_der().unwrap()));
        }
        let eku = if leaf.code_signing {
            vec![CODE_SIGNING_OID]
        } else {
            vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1")]
        };
        exts.push(ext(
            ExtendedKeyUsage::OID_,
            false,
            ExtendedKeyUsage(eku).to_der().unwrap(),
        ));
        let san = SubjectAltName(vec![GeneralName::UniformResourceIdentifier(
            Ia5String::new(&leaf.san).unwrap(),
        )]);
        exts.push(ext(
            SubjectAltName::OID_,
            leaf.san_critical,
            san.to_der().unwrap(),
        ));
        if !leaf.aki {
            exts.retain(|e| e.extn_id != AuthorityKeyIdentifier::OID_);
        }
        if leaf.ca {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            exts.push(ext(BasicConstraints::OID_, true, bc.to_der().unwrap()));
        }
        for (n, value) in &leaf.legacy {
            exts.push(ext(
                fulcio_oid(*n).unwrap(),
                false,
                value.as_bytes().to_vec(),
            ));
        }
        for (n, value) in &leaf.fulcio {
            let v = Utf8StringRef::new(value).unwrap().to_der().unwrap();
            exts.push(ext(fulcio_oid(*n).unwrap(), false, v));
        }
        exts
    }

    /// The SCT list extension for a precert TBS, signed by `ct_key`.
    pub fn sct_extension(
        ct_key: &p256::ecdsa::SigningKey,
        issuer_spki: &[u8],
        tbs: &[u8],
        ts_ms: u64,
    ) -> Extension {
        let log_id = key_id(&testkeys::p256_spki(ct_key));
        let unsigned = Sct {
            log_id,
            timestamp: ts_ms,
            extensions: Vec::new(),
            signature: Vec::new(),
        };
        let issuer_key_hash: [u8; 32] = Sha256::digest(issuer_spki).into();
        let data = sct_signed_data(&unsigned, &issuer_key_hash, tbs).unwrap();
        let sig = testkeys::sign256(ct_key, &data);
        let mut sct = vec![0u8];
        sct.extend(log_id);
        sct.extend(ts_ms.to_be_bytes());
        sct.extend(0u16.to_be_bytes());
        sct.extend([4u8, 3u8]);
        sct.extend((sig.len() as u16).to_be_bytes());
        sct.extend(sig);
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend((sct.len() as u16).to_be_bytes());
        list.extend(sct);
        ext(
            SCT_OID,
            false,
            OctetString::new(list).unwrap().to_der().unwrap(),
        )
    }

    /// Issue a leaf for `leaf_key` from the CA's intermediate; DER.
    pub fn issue(ca: &Ca, leaf_key: &p256::ecdsa::SigningKey, leaf: &Leaf) -> Vec<u8> {
        let spki = testkeys::p256_spki(leaf_key);
        let validity = (leaf.not_before, leaf.not_after);
        let subject = Name::default();
        let inter_spki = spki_der(&parse(&ca.inter).unwrap()).unwrap();
        let exts = leaf_exts(leaf, &spki, &inter_spki);
        let precert = build(
            &subject,
            &ca.inter_name,
            7,
            validity,
            &spki,
            exts.clone(),
            &ca.inter_key,
        );
        if leaf.sct == SctMode::Missing {
            return precert.to_der().unwrap();
        }
        let mut tbs = precert.tbs_certificate().to_der().unwrap();
        if leaf.sct == SctMode::WrongTbs {
            let last = tbs.len() - 1;
            tbs[last] ^= 1;
        }
        let ct_key = if leaf.sct == SctMode::UnknownLog {
            testkeys::p256("unlisted ct")
        } else {
            ca.ct_key.clone()
        };
        let mut exts = exts;
        exts.push(sct_extension(
            &ct_key,
            &inter_spki,
            &tbs,
            (leaf.not_before as u64) * 1000,
        ));
        build(
            &subject,
            &ca.inter_name,
            7,
            validity,
            &spki,
            exts,
            &ca.inter_key,
        )
        .to_der()
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::attest::keys::testkeys;

    fn leaf_of(leaf: &Leaf) -> (Ca, Certificate) {
        let ca = Ca::new("t");
        let der = issue(&ca, &testkeys::p256("leaf"), leaf);
        (ca, parse(&der).unwrap())
    }

    #[test]
    fn pem_is_64_columns_with_a_trailing_newline() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = to_pem(&der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
        assert!(lines[1..lines.len() - 2].iter().all(|l| l.len() == 64));
        assert!(lines[lines.len() - 2].len() <= 64 && !lines[lines.len() - 2].is_empty());
        assert_eq!(lines.len(), 2 + 344usize.div_ceil(64));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n") && !pem.contains('\r'));
        // An exact multiple of 64 columns has no empty line.
        let pem48 = to_pem(&[7u8; 48]);
        assert_eq!(pem48.lines().count(), 3);
        let two = format!("junk\n{}{}", to_pem(&der), to_pem(&[1, 2, 3]));
        assert_eq!(from_pem_chain(&two).unwrap(), vec![der, vec![1, 2, 3]]);
        assert_eq!(from_pem_chain("nothing"), Err(CertError::Pem));
        assert_eq!(
            from_pem_chain("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
            Err(CertError::Pem)
        );
    }

    #[test]
    fn identity_reads_the_fulcio_extensions() {
        let (_, cert) = leaf_of(&Leaf::default());
        let id = identity_of(&cert).unwrap();
        let wf = "https://github.com/octo/pkg/.github/workflows/release.yml@refs/tags/v1";
        assert_eq!(id.san, wf);
        assert_eq!(
            id.issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(
            id.source_repository_uri.as_deref(),
            Some("https://github.com/octo/pkg")
        );
        assert_eq!(
            id.source_repository_digest.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(id.source_repository_ref.as_deref(), Some("refs/tags/v1"));
        assert_eq!(id.build_config_uri.as_deref(), Some(wf));
        assert_eq!(id.build_signer_uri.as_deref(), Some(wf));
        assert_eq!(id.deployment_environment.as_deref(), Some("pypi"));
        assert_eq!(
            id.run_invocation_uri.as_deref(),
            Some("https://github.com/octo/pkg/actions/runs/1/attempts/1")
        );
        assert_eq!(identity(&cert.to_der().unwrap()).unwrap(), id);
    }

    #[test]
    fn identity_falls_back_to_the_legacy_issuer() {
        let leaf = Leaf {
            fulcio: vec![],
            legacy: vec![(1, "https://issuer.example".into())],
            ..Leaf::default()
        };
        let (_, cert) = leaf_of(&leaf);
        let id = identity_of(&cert).unwrap();
        assert_eq!(id.issuer.as_deref(), Some("https://issuer.example"));
        assert_eq!(id.source_repository_uri, None);
        assert!(matches!(identity(b"garbage"), Err(CertError::Decode(_))));
    }

    #[test]
    fn the_chain_verifies_at_a_time_inside_every_validity() {
        let (ca, cert) = leaf_of(&Leaf::default());
        let issuer = verify_chain(&cert, &[ca.authority()], T0 + 60).unwrap();
        assert_eq!(issuer.to_der().unwrap(), ca.inter);
        // Outside the CA certificates' validity.
        assert!(matches!(
            verify_chain(&cert, &[ca.authority()], T0 + 10 * 365 * 86400),
            Err(CertError::Untrusted(_))
        ));
        // Another CA does not vouch for it; a broken authority is reported, not trusted.
        let other = Ca::new("other");
        let err = verify_chain(&cert, &[other.authority()], T0 + 60).unwrap_err();
        assert!(err.to_string().contains("issuer name"), "{err}");
        let mut swapped = ca.authority();
        swapped.chain = vec![other.inter.clone(), ca.root.clone()];
        assert!(verify_chain(&cert, &[swapped], T0 + 60).is_err());
        // Intermediate not signed by the listed root.
        let mut wrong_root = ca.authority();
        wrong_root.chain = vec![ca.inter.clone(), other.root.clone()];
        assert!(verify_chain(&cert, &[wrong_root], T0 + 60).is_err());
        // The right authority among several is found.
        assert!(verify_chain(&cert, &[other.authority(), ca.authority()], T0 + 60).is_ok());
        assert!(verify_chain(&cert, &[], T0).is_err());
    }

    #[test]
    fn validity_and_usage() {
        let (_, cert) = leaf_of(&Leaf::default());
        assert_eq!(check_valid_at(&cert, T0), Ok(()));
        assert_eq!(check_valid_at(&cert, T0 + 600), Ok(()));
        assert!(matches!(
            check_valid_at(&cert, T0 + 601),
            Err(CertError::NotValidAt { .. })
        ));
        assert!(matches!(
            check_valid_at(&cert, T0 - 1),
            Err(CertError::NotValidAt { .. })
        ));
        assert_eq!(check_leaf_usage(&cert), Ok(()));
        let (_, no_ku) = leaf_of(&Leaf {
            key_usage: false,
            ..Leaf::default()
        });
        assert_eq!(check_leaf_usage(&no_ku), Err(CertError::KeyUsage));
        let (_, no_eku) = leaf_of(&Leaf {
            code_signing: false,
            ..Leaf::default()
        });
        assert_eq!(check_leaf_usage(&no_eku), Err(CertError::ExtendedKeyUsage));
        assert_eq!(check_leaf_profile(&cert), Ok(()));
        for leaf in [
            Leaf {
                aki: false,
                ..Leaf::default()
            },
            Leaf {
                san_critical: false,
                ..Leaf::default()
            },
            Leaf {
                ca: true,
                ..Leaf::default()
            },
        ] {
            let (_, c) = leaf_of(&leaf);
            assert!(
                matches!(check_leaf_profile(&c), Err(CertError::Profile(_))),
                "{leaf:?}"
            );
            assert_eq!(check_leaf_usage(&c), Ok(()));
        }
    }

    #[test]
    fn the_precert_tbs_is_the_tbs_before_the_sct_was_added() {
        let ca = Ca::new("t");
        let key = testkeys::p256("leaf");
        let without = parse(&issue(
            &ca,
            &key,
            &Leaf {
                sct: SctMode::Missing,
                ..Leaf::default()
            },
        ))
        .unwrap();
        let with = parse(&issue(&ca, &key, &Leaf::default())).unwrap();
        assert_ne!(
            with.tbs_certificate().to_der().unwrap(),
            without.tbs_certificate().to_der().unwrap()
        );
        assert_eq!(
            precert_tbs(&with).unwrap(),
            without.tbs_certificate().to_der().unwrap()
        );
    }

    #[test]
    fn the_sct_verifies_with_the_ct_log_key() {
        let ca = Ca::new("t");
        let inter = parse(&ca.inter).unwrap();
        let sct = |mode| {
            let cert = parse(&issue(
                &ca,
                &testkeys::p256("leaf"),
                &Leaf {
                    sct: mode,
                    ..Leaf::default()
                },
            ))
            .unwrap();
            verify_sct(&cert, &inter, &[ca.ctlog()])
        };
        assert_eq!(sct(SctMode::Good), Ok(()));
        assert_eq!(sct(SctMode::Missing), Err(CertError::NoSct));
        assert!(matches!(
            sct(SctMode::WrongTbs),
            Err(CertError::SctInvalid(_))
        ));
        assert!(matches!(
            sct(SctMode::UnknownLog),
            Err(CertError::SctUnknownLog(_))
        ));
        // The right log key but the wrong issuer key hash.
        let good = parse(&issue(&ca, &testkeys::p256("leaf"), &Leaf::default())).unwrap();
        let other_inter = parse(&Ca::new("other").inter).unwrap();
        assert!(matches!(
            verify_sct(&good, &other_inter, &[ca.ctlog()]),
            Err(CertError::SctInvalid(_))
        ));
    }

    #[test]
    fn malformed_sct_lists_are_refused() {
        assert!(matches!(
            parse_sct_list(&[0, 5, 1]),
            Err(CertError::SctEncoding(_))
        ));
        assert!(matches!(parse_sct_list(&[0, 0]), Err(CertError::NoSct)));
        assert!(matches!(
            parse_sct_list(&[0, 3, 0, 1, 1]),
            Err(CertError::SctEncoding(_))
        ));
    }
}
