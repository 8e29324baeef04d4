//! Self-tests of the sigstore stand-ins (tests/support/standin/sigstore/): a test-side signer
//! drives the Fulcio-like CA and the Rekor-like log, and the real verifier
//! (pypi-attestations + sigstore-python, tests/support/pep740_verify.py) judges the result.
//! Byte-level checks (SCT, TBS, proofs, checkpoint) are redone here independently.

#[path = "support/standin/mod.rs"]
mod standin;

use std::process::Command;

use der::{Decode as _, Encode as _};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use standin::client::{ClientResponse, get, post_json, request};
use standin::dist;
use standin::http::Fault;
use standin::oidc::{Claims, GithubOidc};
use standin::sigstore::canon::canonicalize;
use standin::sigstore::ctlog::{CtLog, SCT_OID};
use standin::sigstore::fulcio::strip_sct;
use standin::sigstore::keys::{new_p256, sign_p256, verify_p256};
use standin::sigstore::python::{Case, Outcome, python, verify_with_python};
use standin::sigstore::rekor::{self, Knobs, leaf_hash, node_hash};
use standin::sigstore::test_signer::{self, PUBLISH_V1};
use standin::sigstore::{FulcioKnobs, Sigstore, asn1};
use standin::util::{b64, b64_decode, hex, now_unix, sha256_hex};

// ---------------------------------------------------------------------------------------
// helpers

struct Rig {
    oidc: GithubOidc,
    sigstore: Sigstore,
}

fn rig() -> Rig {
    let oidc = GithubOidc::start();
    let sigstore = Sigstore::start(&oidc);
    Rig { oidc, sigstore }
}

impl Rig {
    fn sign(&self, d: &dist::Dist) -> test_signer::Signed {
        test_signer::sign_dist(
            &self.oidc,
            &self.sigstore.fulcio_url(),
            &self.sigstore.rekor_url(),
            &d.filename,
            &d.data,
        )
    }

    /// Write `attestation` and make a case for `d` with the token's publisher identity.
    fn case(&self, name: &str, attestation: &Value, d: &dist::Dist) -> Case {
        let path = self.sigstore.dir().join(format!("{name}.attestation"));
        std::fs::write(&path, serde_json::to_vec(attestation).unwrap()).unwrap();
        Case {
            attestation: path,
            filename: d.filename.clone(),
            sha256: sha256_hex(&d.data),
            trusted_root: self.sigstore.trusted_root_path(),
            repository: self.oidc.claims().repository,
            workflow: self.oidc.claims().workflow_file,
        }
    }

    fn fulcio(&self, body: &Value) -> ClientResponse {
        post_json(
            &format!("{}/api/v2/signingCert", self.sigstore.fulcio_url()),
            body,
        )
    }

    fn rekor(&self, body: &Value) -> ClientResponse {
        post_json(
            &format!("{}/api/v1/log/entries", self.sigstore.rekor_url()),
            body,
        )
    }
}

fn flip_b64_byte(text: &str, index_from_end: usize) -> String {
    let mut bytes = b64_decode(text).unwrap();
    let i = bytes.len() - 1 - index_from_end;
    bytes[i] ^= 0x01;
    b64(&bytes)
}

fn tle(att: &mut Value) -> &mut Value {
    &mut att["verification_material"]["transparency_entries"][0]
}

fn assert_refused(outcome: &Outcome, what: &str, needle: &str) {
    assert!(!outcome.ok, "{what}: accepted");
    let err = outcome.error.as_deref().unwrap_or("");
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: refused, but for another reason: {err}"
    );
}

fn cert(der_bytes: &[u8]) -> x509_cert::Certificate {
    x509_cert::Certificate::from_der(der_bytes).unwrap()
}

fn ext_oids(c: &x509_cert::Certificate) -> Vec<(String, bool)> {
    c.tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .map(|e| (e.extn_id.to_string(), e.critical))
        .collect()
}

fn ext_value(c: &x509_cert::Certificate, oid: &str) -> Vec<u8> {
    c.tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == oid)
        .unwrap_or_else(|| panic!("extension {oid}"))
        .extn_value
        .as_bytes()
        .to_vec()
}

/// Recompute the RFC 6962 root from a leaf hash and an audit path (RFC 9162 §2.1.3.2).
fn root_from_proof(index: u64, size: u64, leaf: [u8; 32], path: &[[u8; 32]]) -> [u8; 32] {
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        assert!(s_n > 0, "proof too long");
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    assert_eq!(s_n, 0, "proof too short");
    r
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn h32(text: &str) -> [u8; 32] {
    unhex(text).try_into().unwrap()
}

// ---------------------------------------------------------------------------------------
// the real verifier

/// One signing run, many verdicts from one Python process: the honest attestation passes;
/// every tampered variant, wrong identity and lying-log variant is refused.
#[test]
fn the_real_verifier_accepts_honest_attestations_and_refuses_tampered_ones() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let sdist = dist::sdist("demo-pkg", "0.1.0");
    let good = rig.sign(&wheel);
    let good_sdist = rig.sign(&sdist);

    let mut cases = vec![
        rig.case("good", &good.attestation, &wheel),
        rig.case("good-sdist", &good_sdist.attestation, &sdist),
    ];
    // (what, None = accepted / Some(part of the refusal))
    let mut expect: Vec<(&str, Option<&str>)> = vec![("good", None), ("good sdist", None)];

    let mut wrong_repo = rig.case("wrong-repo", &good.attestation, &wheel);
    wrong_repo.repository = "evil-org/demo-pkg".into();
    cases.push(wrong_repo);
    expect.push((
        "wrong repository",
        Some("OIDCSourceRepositoryURI does not match"),
    ));

    let mut wrong_workflow = rig.case("wrong-workflow", &good.attestation, &wheel);
    wrong_workflow.workflow = "other.yml".into();
    cases.push(wrong_workflow);
    expect.push((
        "wrong workflow",
        Some("does not match expected Trusted Publisher"),
    ));

    let mut att = good.attestation.clone();
    let set = tle(&mut att)["inclusionPromise"]["signedEntryTimestamp"]
        .as_str()
        .unwrap()
        .to_string();
    tle(&mut att)["inclusionPromise"]["signedEntryTimestamp"] = json!(flip_b64_byte(&set, 3));
    cases.push(rig.case("flipped-set", &att, &wheel));
    expect.push(("flipped SET byte", Some("SET: invalid inclusion promise")));

    let mut att = good.attestation.clone();
    let h0 = tle(&mut att)["inclusionProof"]["hashes"][0]
        .as_str()
        .unwrap()
        .to_string();
    tle(&mut att)["inclusionProof"]["hashes"][0] = json!(flip_b64_byte(&h0, 0));
    cases.push(rig.case("flipped-proof-hash", &att, &wheel));
    expect.push((
        "flipped proof hash",
        Some("inclusion proof contains invalid root hash"),
    ));

    let mut att = good.attestation.clone();
    let sig = att["envelope"]["signature"].as_str().unwrap().to_string();
    att["envelope"]["signature"] = json!(flip_b64_byte(&sig, 0));
    cases.push(rig.case("flipped-dsse-signature", &att, &wheel));
    expect.push(("flipped DSSE signature", Some("DSSE: invalid signature")));

    let other = dist::wheel("demo-pkg", "0.2.0");
    let mut wrong_dist = rig.case("wrong-dist", &good.attestation, &other);
    wrong_dist.filename = other.filename.clone();
    cases.push(wrong_dist);
    expect.push((
        "another dist",
        Some("subject does not match distribution name"),
    ));

    let mut wrong_digest = rig.case("wrong-digest", &good.attestation, &wheel);
    wrong_digest.sha256 = sha256_hex(b"something else");
    cases.push(wrong_digest);
    expect.push((
        "wrong digest",
        Some("subject does not match distribution digest"),
    ));

    // Another stand-in's trust root: the chain does not lead to it.
    let other_sigstore = Sigstore::start(&rig.oidc);
    let mut foreign_root = rig.case("foreign-root", &good.attestation, &wheel);
    foreign_root.trusted_root = other_sigstore.trusted_root_path();
    cases.push(foreign_root);
    expect.push(("another trust root", Some("certificate chain")));

    // A case the script cannot even read is that case's failure, not a crash.
    let mut missing = rig.case("missing", &good.attestation, &wheel);
    missing.attestation = rig.sigstore.dir().join("does-not-exist.attestation");
    cases.push(missing);
    expect.push(("missing attestation file", Some("FileNotFoundError")));

    // Lying log responses, through the knobs.
    let knob = |f: fn(&mut Knobs)| {
        let mut k = Knobs::default();
        f(&mut k);
        k
    };
    let knob_cases: [(&str, Knobs, &str); 4] = [
        (
            "knob-corrupt-set",
            knob(|k| k.corrupt_set = true),
            "SET: invalid inclusion promise",
        ),
        (
            "knob-corrupt-proof-hash",
            knob(|k| k.corrupt_proof_hash = true),
            "inclusion proof contains invalid root hash",
        ),
        (
            "knob-tamper-checkpoint-size",
            knob(|k| k.tamper_checkpoint_size = true),
            "checkpoint",
        ),
        (
            "knob-drop-set",
            knob(|k| k.drop_set = true),
            "must contain an inclusion promise",
        ),
    ];
    for (i, (name, knobs, needle)) in knob_cases.iter().enumerate() {
        rig.sigstore.set_knobs(*knobs);
        let d = dist::wheel("demo-pkg", &format!("1.{i}.0"));
        let signed = rig.sign(&d);
        cases.push(rig.case(name, &signed.attestation, &d));
        expect.push((name, Some(needle)));
    }
    // A checkpoint that lies about the size but is properly signed: sigstore-python 4.5.1
    // does not compare the checkpoint size with `treeSize`, so it accepts this. Recorded
    // here so a client's own check (which must refuse it) is not mistaken for redundant.
    rig.sigstore
        .set_knobs(knob(|k| k.lie_checkpoint_size = true));
    let lied = dist::wheel("demo-pkg", "2.0.0");
    let lied_signed = rig.sign(&lied);
    rig.sigstore.set_knobs(Knobs::default());

    cases.push(rig.case("knob-lie-checkpoint-size", &lied_signed.attestation, &lied));
    expect.push((
        "signed checkpoint-size lie (sigstore-python 4.5.1 accepts)",
        None,
    ));

    // A reusable workflow: the SAN names the called workflow, the Build Config URI (.18)
    // the caller, and the publisher identity is the caller's workflow file.
    rig.oidc.set_claims(
        rig.oidc
            .claims()
            .reusable("octo-org/shared/.github/workflows/publish.yml@refs/heads/main"),
    );
    let reused = dist::wheel("demo-pkg", "3.0.0");
    let reused_signed = rig.sign(&reused);
    cases.push(rig.case("reusable", &reused_signed.attestation, &reused));
    expect.push(("reusable workflow, caller identity", None));
    let mut called = rig.case("reusable-called", &reused_signed.attestation, &reused);
    called.workflow = "publish.yml".into();
    cases.push(called);
    expect.push((
        "reusable workflow, called file as identity",
        Some("does not match expected Trusted Publisher"),
    ));

    rig.oidc.set_claims(Claims::default());

    // Faulty certificates, through the CA knobs.
    let ca_cases: [(&str, FulcioKnobs, &str); 2] = [
        (
            "ca-corrupt-sct",
            FulcioKnobs {
                corrupt_sct: true,
                ..FulcioKnobs::default()
            },
            "SCT verify failed",
        ),
        (
            "ca-omit-sct",
            FulcioKnobs {
                omit_sct: true,
                ..FulcioKnobs::default()
            },
            "does not contain a signed certificate timestamp",
        ),
    ];
    for (i, (name, knobs, needle)) in ca_cases.iter().enumerate() {
        rig.sigstore.set_fulcio_knobs(*knobs);
        let d = dist::wheel("demo-pkg", &format!("4.{i}.0"));
        let signed = rig.sign(&d);
        cases.push(rig.case(name, &signed.attestation, &d));
        expect.push((name, Some(needle)));
    }
    rig.sigstore.set_fulcio_knobs(FulcioKnobs::default());

    let out = verify_with_python(&cases);
    for ((what, needle), outcome) in expect.iter().zip(&out) {
        match needle {
            None => {
                assert!(outcome.ok, "{what}: {outcome:?}");
                assert_eq!(outcome.predicate_type.as_deref(), Some(PUBLISH_V1));
            }
            Some(needle) => assert_refused(outcome, what, needle),
        }
    }
    assert_eq!(out.len(), expect.len());
}

/// The CSR request form (sigstore-python's) yields a certificate the verifier accepts too.
#[test]
fn a_certificate_from_the_csr_form_verifies() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let token = test_signer::fetch_token(&rig.oidc, "sigstore");
    let key = new_p256();
    let r = test_signer::post_csr(&rig.sigstore.fulcio_url(), &token, &test_signer::csr(&key));
    let chain = test_signer::chain_of(&r);
    let stmt = test_signer::statement(&wheel.filename, &sha256_hex(&wheel.data), PUBLISH_V1);
    let sig = sign_p256(&key, &rekor::pae(test_signer::IN_TOTO, &stmt));
    let env = test_signer::envelope(&stmt, &sig);
    let entry = test_signer::entry_of(&rig.rekor(&test_signer::rekor_request(&env, &chain[0])));
    let att = test_signer::attestation(&chain[0], test_signer::tle_from_v1(&entry), &stmt, &sig);
    assert_eq!(
        rig.sigstore.issued_certs()[0].form,
        "certificateSigningRequest"
    );
    let out = verify_with_python(&[rig.case("csr", &att, &wheel)]);
    assert!(out[0].ok, "{:?}", out[0]);
}

/// `sigstore --trust-config tc.json verify identity` accepts the attestation converted to
/// a bundle (pypi-attestations' `to_bundle`), and refuses another identity.
#[test]
fn the_sigstore_cli_accepts_the_bundle_with_the_trust_config() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let signed = rig.sign(&wheel);
    let dir = rig.sigstore.dir();
    let att_path = dir.join("cli.attestation");
    std::fs::write(&att_path, signed.attestation.to_string()).unwrap();
    let dist_path = dir.join(&wheel.filename);
    std::fs::write(&dist_path, &wheel.data).unwrap();
    let bundle_path = dir.join("cli.sigstore.json");
    let convert = Command::new(python())
        .args([
            "-c",
            "import sys; from pypi_attestations import Attestation; \
             a = Attestation.model_validate_json(open(sys.argv[1]).read()); \
             open(sys.argv[2], 'w').write(a.to_bundle().to_json())",
        ])
        .arg(&att_path)
        .arg(&bundle_path)
        .output()
        .unwrap();
    assert!(
        convert.status.success(),
        "{}",
        String::from_utf8_lossy(&convert.stderr)
    );
    let san = format!(
        "https://github.com/{}",
        rig.oidc.claims().job_workflow_ref_value()
    );
    let verify = |identity: &str| {
        Command::new(python())
            .args(["-m", "sigstore", "--trust-config"])
            .arg(rig.sigstore.trust_config_path())
            .args(["verify", "identity", "--bundle"])
            .arg(&bundle_path)
            .args(["--cert-identity", identity])
            .args([
                "--cert-oidc-issuer",
                "https://token.actions.githubusercontent.com",
            ])
            .arg(&dist_path)
            .output()
            .unwrap()
    };
    let ok = verify(&san);
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    let wrong = verify("https://github.com/evil-org/x/.github/workflows/release.yml@refs/tags/v1");
    assert!(!wrong.status.success(), "a wrong identity was accepted");
}

// ---------------------------------------------------------------------------------------
// the certificate, byte by byte

#[test]
fn the_leaf_has_the_fulcio_profile_and_a_valid_embedded_sct() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let signed = rig.sign(&wheel);
    assert_eq!(signed.chain.len(), 2, "leaf and root");
    assert_eq!(signed.chain[1], rig.sigstore.root_der());
    let leaf = cert(&signed.cert_der);
    let tbs = leaf.tbs_certificate();
    assert!(tbs.subject().is_empty(), "empty subject");
    assert_eq!(
        tbs.signature().oid.to_string(),
        "1.2.840.10045.4.3.3",
        "ecdsa-with-SHA384"
    );
    let v = tbs.validity();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    assert_eq!(na - nb, 600);
    assert!(nb < now_unix(), "validity starts in the past");

    let oids = ext_oids(&leaf);
    let critical = |oid: &str| oids.iter().find(|(o, _)| o == oid).map(|(_, c)| *c);
    assert_eq!(critical("2.5.29.17"), Some(true), "SAN critical");
    assert_eq!(critical("2.5.29.15"), Some(true), "KeyUsage critical");
    assert_eq!(critical("2.5.29.37"), Some(false), "EKU");
    assert_eq!(critical("2.5.29.35"), Some(false), "AKI");
    assert_eq!(critical("2.5.29.14"), Some(false), "SKI");
    assert_eq!(oids.last().unwrap().0, SCT_OID, "the SCT extension is last");

    // GitHub claims → Fulcio OIDs.
    let claims = rig.oidc.claims();
    let utf8 = |n: u32| {
        let v = ext_value(&leaf, &format!("1.3.6.1.4.1.57264.1.{n}"));
        assert_eq!(v[0], 0x0c, ".{n} is a UTF8String");
        String::from_utf8(v[2..].to_vec()).unwrap()
    };
    let raw =
        |n: u32| String::from_utf8(ext_value(&leaf, &format!("1.3.6.1.4.1.57264.1.{n}"))).unwrap();
    assert_eq!(utf8(8), "https://token.actions.githubusercontent.com");
    assert_eq!(raw(1), "https://token.actions.githubusercontent.com");
    assert_eq!(raw(5), claims.repository);
    assert_eq!(
        utf8(12),
        format!("https://github.com/{}", claims.repository)
    );
    assert_eq!(utf8(13), claims.sha);
    assert_eq!(utf8(14), claims.git_ref);
    assert_eq!(
        utf8(18),
        format!("https://github.com/{}", claims.workflow_ref_value())
    );
    assert_eq!(
        utf8(9),
        format!("https://github.com/{}", claims.job_workflow_ref_value())
    );
    assert_eq!(utf8(23), "pypi");
    let san = ext_value(&leaf, "2.5.29.17");
    let uri = format!("https://github.com/{}", claims.job_workflow_ref_value());
    assert!(
        san.ends_with(uri.as_bytes()) && san[2] == 0x86,
        "SAN is the URI {uri}"
    );

    // The SCT: over the TBS without the SCT extension, by the CT key.
    let tbs_der = tbs.to_der().unwrap();
    let precert = strip_sct(&tbs_der);
    assert_eq!(precert, rig.sigstore.issued_certs()[0].precert_tbs);
    assert!(precert.len() < tbs_der.len());
    let ext = ext_value(&leaf, SCT_OID);
    let list = der::asn1::OctetString::from_der(&ext).unwrap();
    let list = list.as_bytes();
    let total = u16::from_be_bytes([list[0], list[1]]) as usize;
    assert_eq!(total, list.len() - 2);
    let sct = &list[4..];
    assert_eq!(sct[0], 0, "SCT v1");
    assert_eq!(
        &sct[1..33],
        &Sha256::digest(rig.sigstore.ct_spki())[..],
        "log id"
    );
    let ts = u64::from_be_bytes(sct[33..41].try_into().unwrap());
    assert_eq!(&sct[41..45], &[0, 0, 4, 3]);
    let siglen = u16::from_be_bytes([sct[45], sct[46]]) as usize;
    let sig = &sct[47..47 + siglen];
    let root = cert(&rig.sigstore.root_der());
    let root_spki = root
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    let data = CtLog::signed_data(ts, &root_spki, &precert);
    assert!(
        verify_p256(&rig.sigstore.ct_spki(), &data, sig),
        "SCT verifies"
    );
    let wrong = CtLog::signed_data(ts, &root_spki, &tbs_der);
    assert!(!verify_p256(&rig.sigstore.ct_spki(), &wrong, sig));
}

#[test]
fn the_ca_knobs_change_what_is_issued() {
    let rig = rig();
    let token = test_signer::fetch_token(&rig.oidc, "sigstore");
    let issue = || {
        test_signer::chain_of(&rig.fulcio(&test_signer::public_key_request(&token, &new_p256())))
    };
    let has_sct = |der_bytes: &[u8]| ext_oids(&cert(der_bytes)).iter().any(|(o, _)| o == SCT_OID);

    rig.sigstore.set_fulcio_knobs(FulcioKnobs {
        leaf_only_chain: true,
        ..FulcioKnobs::default()
    });
    let chain = issue();
    assert_eq!(chain.len(), 1);
    assert!(has_sct(&chain[0]));

    rig.sigstore.set_fulcio_knobs(FulcioKnobs {
        omit_sct: true,
        ..FulcioKnobs::default()
    });
    let chain = issue();
    assert_eq!(chain.len(), 2);
    assert!(!has_sct(&chain[0]));

    rig.sigstore.set_fulcio_knobs(FulcioKnobs::default());
    assert_eq!(rig.sigstore.fulcio_knobs(), FulcioKnobs::default());
    let chain = issue();
    assert_eq!(chain.len(), 2);
    assert!(has_sct(&chain[0]));
}

/// Extensions follow the claims: no `environment` claim, no .23; the repository claim
/// drives .5/.12, the SAN follows `job_workflow_ref`.
#[test]
fn the_extensions_follow_the_token_claims() {
    let claims = Claims::default()
        .repo("someone/other-pkg")
        .environment(None)
        .reusable("someone/shared/.github/workflows/pub.yml@refs/heads/main");
    let oidc = GithubOidc::start_with(claims, standin::jwt::Alg::Es256);
    let sigstore = Sigstore::start(&oidc);
    let d = dist::wheel("other-pkg", "1.0.0");
    let signed = sigstore.sign_dist(&oidc, &d.filename, &d.data);
    let leaf = cert(&signed.cert_der);
    let oids: Vec<String> = ext_oids(&leaf).into_iter().map(|(o, _)| o).collect();
    assert!(!oids.contains(&"1.3.6.1.4.1.57264.1.23".to_string()));
    assert_eq!(
        ext_value(&leaf, "1.3.6.1.4.1.57264.1.5"),
        b"someone/other-pkg".to_vec()
    );
    let san = ext_value(&leaf, "2.5.29.17");
    assert!(
        san.ends_with(
            b"https://github.com/someone/shared/.github/workflows/pub.yml@refs/heads/main"
        )
    );
    let build_config = ext_value(&leaf, "1.3.6.1.4.1.57264.1.18");
    assert!(build_config.ends_with(
        b"https://github.com/someone/other-pkg/.github/workflows/release.yml@refs/tags/v0.1.0"
    ));
    assert_eq!(
        sigstore.issued_certs()[0].claims["repository"],
        "someone/other-pkg"
    );
}

#[test]
fn the_root_is_a_p384_ca() {
    let rig = rig();
    let root = cert(&rig.sigstore.root_der());
    let tbs = root.tbs_certificate();
    assert_eq!(tbs.issuer(), tbs.subject(), "self-signed");
    let curve = tbs
        .subject_public_key_info()
        .algorithm
        .parameters
        .as_ref()
        .unwrap();
    assert_eq!(curve.to_der().unwrap(), asn1::oid("1.3.132.0.34"), "P-384");
    let oids = ext_oids(&root);
    assert!(oids.contains(&("2.5.29.19".into(), true)));
    assert!(oids.contains(&("2.5.29.15".into(), true)));
    assert!(oids.iter().any(|(o, _)| o == "2.5.29.14"));
}

// ---------------------------------------------------------------------------------------
// Fulcio refusals

#[test]
fn fulcio_refuses_bad_tokens_and_proofs_like_fulcio() {
    let rig = rig();
    let key = new_p256();
    let check = |r: ClientResponse, status: u16, code: u64, what: &str| {
        assert_eq!(r.status, status, "{what}: {}", r.text());
        let v = r.json();
        assert_eq!(v["code"], code, "{what}: {v}");
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    };

    let pypi_token = test_signer::fetch_token(&rig.oidc, "pypi");
    check(
        rig.fulcio(&test_signer::public_key_request(&pypi_token, &key)),
        401,
        16,
        "audience pypi",
    );

    let expired_oidc = GithubOidc::start_with(
        Claims {
            time_shift_secs: -3600,
            ..Claims::default()
        },
        standin::jwt::Alg::Es256,
    );
    let expired_sig = Sigstore::start(&expired_oidc);
    let expired = test_signer::fetch_token(&expired_oidc, "sigstore");
    let r = post_json(
        &format!("{}/api/v2/signingCert", expired_sig.fulcio_url()),
        &test_signer::public_key_request(&expired, &key),
    );
    check(r, 401, 16, "expired token");

    // A token signed by an issuer this CA does not trust.
    let stranger = GithubOidc::start();
    let foreign = test_signer::fetch_token(&stranger, "sigstore");
    check(
        rig.fulcio(&test_signer::public_key_request(&foreign, &key)),
        401,
        16,
        "foreign key",
    );

    let token = test_signer::fetch_token(&rig.oidc, "sigstore");
    let mut bad_pop = test_signer::public_key_request(&token, &key);
    bad_pop["publicKeyRequest"]["proofOfPossession"] = json!(b64(&sign_p256(&key, b"not the sub")));
    check(rig.fulcio(&bad_pop), 400, 3, "proof over the wrong text");

    let mut other_key = test_signer::public_key_request(&token, &key);
    other_key["publicKeyRequest"]["proofOfPossession"] = test_signer::public_key_request(
        &token,
        &new_p256(),
    )["publicKeyRequest"]["proofOfPossession"]
        .clone();
    check(rig.fulcio(&other_key), 400, 3, "proof by another key");

    let mut bad_key = test_signer::public_key_request(&token, &key);
    bad_key["publicKeyRequest"]["publicKey"]["content"] = json!("not a key");
    check(rig.fulcio(&bad_key), 400, 3, "unparsable key");

    let r = request(
        "POST",
        &format!("{}/api/v2/signingCert", rig.sigstore.fulcio_url()),
        &[("Content-Type", "application/json")],
        b"{not json",
    )
    .unwrap();
    check(r, 400, 3, "not JSON");

    // CSR form: no bearer token, and a CSR whose signature does not verify.
    let csr = test_signer::csr(&key);
    let r = post_json(
        &format!("{}/api/v2/signingCert", rig.sigstore.fulcio_url()),
        &json!({"certificateSigningRequest": b64(asn1::pem("CERTIFICATE REQUEST", &csr).as_bytes())}),
    );
    check(r, 401, 16, "CSR without a token");
    let mut broken = csr.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x01;
    check(
        test_signer::post_csr(&rig.sigstore.fulcio_url(), &token, &broken),
        400,
        3,
        "CSR with a bad self-signature",
    );

    assert!(rig.sigstore.issued_certs().is_empty(), "nothing was issued");
    // And the honest request still works.
    let ok = rig.fulcio(&test_signer::public_key_request(&token, &key));
    assert_eq!(test_signer::chain_of(&ok).len(), 2);
    assert_eq!(rig.sigstore.issued_certs().len(), 1);
    assert_eq!(rig.sigstore.fulcio_server().count("/api/v2/signingCert"), 9);
}

// ---------------------------------------------------------------------------------------
// the log

#[test]
fn the_log_returns_a_set_a_real_proof_and_a_checkpoint() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    assert_eq!(rig.sigstore.tree_size(), rekor::DEFAULT_SEED_LEAVES);
    let signed = rig.sign(&wheel);
    let e = &signed.rekor_entry;
    let proof = &e["verification"]["inclusionProof"];
    let tree_index = proof["logIndex"].as_u64().unwrap();
    let size = proof["treeSize"].as_u64().unwrap();
    assert_eq!(tree_index, 6, "after the six dummy leaves");
    assert_eq!(size, 7);
    assert_eq!(
        e["logIndex"].as_u64().unwrap(),
        1006,
        "global index = tree index + 1000"
    );

    // The body is the canonical dsse 0.0.1 body of this envelope.
    let body = b64_decode(e["body"].as_str().unwrap()).unwrap();
    let bv: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(canonicalize(&bv), body, "canonical");
    assert_eq!(bv["kind"], "dsse");
    assert_eq!(
        bv["spec"]["payloadHash"]["value"],
        sha256_hex(&signed.statement)
    );
    assert_eq!(
        bv["spec"]["signatures"][0]["verifier"],
        b64(asn1::pem("CERTIFICATE", &signed.cert_der).as_bytes())
    );
    assert_eq!(
        bv["spec"]["signatures"][0]["signature"],
        b64(&signed.signature)
    );

    // The proof leads to the root.
    let path: Vec<[u8; 32]> = proof["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h32(h.as_str().unwrap()))
        .collect();
    assert!(!path.is_empty());
    let root = root_from_proof(tree_index, size, leaf_hash(&body), &path);
    assert_eq!(hex(&root), proof["rootHash"].as_str().unwrap());

    // The SET signs the canonical {body, integratedTime, logID, logIndex}.
    let set = b64_decode(e["verification"]["signedEntryTimestamp"].as_str().unwrap()).unwrap();
    let payload = canonicalize(&json!({
        "body": e["body"], "integratedTime": e["integratedTime"],
        "logID": e["logID"], "logIndex": e["logIndex"],
    }));
    assert!(verify_p256(&rig.sigstore.rekor_spki(), &payload, &set));
    assert_eq!(
        e["logID"].as_str().unwrap(),
        hex(&Sha256::digest(rig.sigstore.rekor_spki()))
    );

    // The checkpoint note, exactly.
    let cp = proof["checkpoint"].as_str().unwrap();
    let (note, sig_line) = cp.split_once("\n\n").unwrap();
    let note = format!("{note}\n");
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("rekor.standin.chora - "));
    assert_eq!(lines[1], "7");
    assert_eq!(lines[2], b64(&root));
    let sig_line = sig_line.strip_suffix('\n').unwrap();
    let rest = sig_line
        .strip_prefix("\u{2014} rekor.standin.chora ")
        .unwrap();
    let signed_bytes = b64_decode(rest).unwrap();
    assert_eq!(
        &signed_bytes[..4],
        &unhex(e["logID"].as_str().unwrap())[..4]
    );
    assert!(verify_p256(
        &rig.sigstore.rekor_spki(),
        note.as_bytes(),
        &signed_bytes[4..]
    ));

    // GET /api/v1/log agrees.
    let log = get(&format!("{}/api/v1/log", rig.sigstore.rekor_url())).json();
    assert_eq!(log["treeSize"], 7);
    assert_eq!(log["rootHash"], proof["rootHash"]);
    assert_eq!(rig.sigstore.entries()[0].log_index, 1006);
}

/// The servers' fault injection and request logs work through the bundle.
#[test]
fn faults_reach_the_fulcio_and_rekor_servers() {
    let rig = rig();
    let token = test_signer::fetch_token(&rig.oidc, "sigstore");
    let key = new_p256();
    rig.sigstore
        .fulcio_server()
        .inject_times("/api/v2/signingCert", Fault::status(503), 1);
    assert_eq!(
        rig.fulcio(&test_signer::public_key_request(&token, &key))
            .status,
        503
    );
    let chain = test_signer::chain_of(&rig.fulcio(&test_signer::public_key_request(&token, &key)));
    assert_eq!(
        rig.sigstore.issued_certs().len(),
        1,
        "the faulted request issued nothing"
    );

    rig.sigstore
        .rekor_server()
        .inject_times("/api/v1/log/entries", Fault::status(500), 1);
    let stmt = test_signer::statement(
        "demo_pkg-0.1.0-py3-none-any.whl",
        &sha256_hex(b"x"),
        PUBLISH_V1,
    );
    let sig = sign_p256(&key, &rekor::pae(test_signer::IN_TOTO, &stmt));
    let entry = test_signer::rekor_request(&test_signer::envelope(&stmt, &sig), &chain[0]);
    assert_eq!(rig.rekor(&entry).status, 500);
    assert!(rig.sigstore.entries().is_empty());
    assert_eq!(rig.rekor(&entry).status, 201);
    let statuses: Vec<Option<u16>> = rig
        .sigstore
        .rekor_server()
        .requests()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![Some(500), Some(201)]);

    // The convenience signer goes through the same servers.
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let signed = rig
        .sigstore
        .sign_dist(&rig.oidc, &wheel.filename, &wheel.data);
    assert_eq!(signed.chain[1], rig.sigstore.root_der());
    assert_eq!(rig.sigstore.entries().len(), 2);
}

/// Each knob changes exactly what it says in the wire response.
#[test]
fn the_knobs_make_the_log_lie_as_announced() {
    let rig = rig();
    let spki = rig.sigstore.rekor_spki();
    let sign = |v: &str| rig.sign(&dist::wheel("demo-pkg", v)).rekor_entry;
    let set_ok = |e: &Value| {
        let set = b64_decode(e["verification"]["signedEntryTimestamp"].as_str().unwrap()).unwrap();
        let payload = canonicalize(&json!({
            "body": e["body"], "integratedTime": e["integratedTime"],
            "logID": e["logID"], "logIndex": e["logIndex"],
        }));
        verify_p256(&spki, &payload, &set)
    };
    let note_of = |e: &Value| {
        let cp = e["verification"]["inclusionProof"]["checkpoint"]
            .as_str()
            .unwrap()
            .to_string();
        let (note, sig) = cp.split_once("\n\n").unwrap();
        let sig = sig.trim_end().rsplit(' ').next().unwrap();
        let sig = b64_decode(sig).unwrap();
        let note = format!("{note}\n");
        let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();
        (size, verify_p256(&spki, note.as_bytes(), &sig[4..]))
    };
    let proof_ok = |e: &Value| {
        let p = &e["verification"]["inclusionProof"];
        let body = b64_decode(e["body"].as_str().unwrap()).unwrap();
        let path: Vec<[u8; 32]> = p["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h32(h.as_str().unwrap()))
            .collect();
        let root = root_from_proof(
            p["logIndex"].as_u64().unwrap(),
            p["treeSize"].as_u64().unwrap(),
            leaf_hash(&body),
            &path,
        );
        hex(&root) == p["rootHash"].as_str().unwrap()
    };

    let honest = sign("0.1.0");
    assert!(set_ok(&honest) && proof_ok(&honest));
    assert_eq!(note_of(&honest), (7, true));

    rig.sigstore.corrupt_set(true);
    let e = sign("0.2.0");
    assert!(!set_ok(&e) && proof_ok(&e));
    rig.sigstore.corrupt_set(false);

    rig.sigstore.corrupt_proof_hash(true);
    let e = sign("0.3.0");
    assert!(set_ok(&e) && !proof_ok(&e));
    rig.sigstore.corrupt_proof_hash(false);

    rig.sigstore.lie_checkpoint_size(true);
    let e = sign("0.4.0");
    assert_eq!(note_of(&e), (11, true), "signed, one more than treeSize 10");
    assert_eq!(e["verification"]["inclusionProof"]["treeSize"], 10);
    rig.sigstore.lie_checkpoint_size(false);

    rig.sigstore.tamper_checkpoint_size(true);
    let e = sign("0.5.0");
    assert_eq!(note_of(&e), (12, false), "size altered after signing");
    rig.sigstore.tamper_checkpoint_size(false);

    rig.sigstore.drop_set(true);
    let e = sign("0.6.0");
    assert!(e["verification"].get("signedEntryTimestamp").is_none());
    assert!(proof_ok(&e));
    rig.sigstore.drop_set(false);

    assert_eq!(rig.sigstore.knobs(), Knobs::default());
    let e = sign("0.7.0");
    assert!(set_ok(&e) && proof_ok(&e));
    assert_eq!(rig.sigstore.entries().len(), 7);
}

#[test]
fn proofs_stay_valid_as_the_tree_grows() {
    let oidc = GithubOidc::start();
    let sigstore = Sigstore::start_with(&oidc, 0);
    for i in 0..5u32 {
        let d = dist::wheel("demo-pkg", &format!("0.{i}.0"));
        let s = test_signer::sign_dist(
            &oidc,
            &sigstore.fulcio_url(),
            &sigstore.rekor_url(),
            &d.filename,
            &d.data,
        );
        let p = &s.rekor_entry["verification"]["inclusionProof"];
        let body = b64_decode(s.rekor_entry["body"].as_str().unwrap()).unwrap();
        let path: Vec<[u8; 32]> = p["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h32(h.as_str().unwrap()))
            .collect();
        let root = root_from_proof(u64::from(i), u64::from(i) + 1, leaf_hash(&body), &path);
        assert_eq!(hex(&root), p["rootHash"].as_str().unwrap(), "entry {i}");
    }
}

#[test]
fn the_log_refuses_bad_and_duplicate_entries() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let signed = rig.sign(&wheel);
    let env = test_signer::envelope(&signed.statement, &signed.signature);
    let dup = rig.rekor(&test_signer::rekor_request(&env, &signed.cert_der));
    assert_eq!(dup.status, 409, "{}", dup.text());
    assert_eq!(dup.json()["code"], 409);
    assert!(dup.header("location").is_some());

    let bad_sig = test_signer::envelope(&signed.statement, &sign_p256(&new_p256(), b"x"));
    let r = rig.rekor(&test_signer::rekor_request(&bad_sig, &signed.cert_der));
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["code"], 400);

    let mut wrong_kind = test_signer::rekor_request(&env, &signed.cert_der);
    wrong_kind["kind"] = json!("hashedrekord");
    assert_eq!(rig.rekor(&wrong_kind).status, 400);

    let mut no_verifier = test_signer::rekor_request(&env, &signed.cert_der);
    no_verifier["spec"]["proposedContent"]["verifiers"] = json!(["bm90IGEgY2VydA=="]);
    assert_eq!(rig.rekor(&no_verifier).status, 400);

    assert_eq!(rig.sigstore.entries().len(), 1);
    assert_eq!(rig.sigstore.tree_size(), 7);
}

// ---------------------------------------------------------------------------------------
// the pieces

#[test]
fn canonical_json_sorts_keys_and_escapes_like_rfc_8785() {
    let v = json!({"b": 1, "a": [true, null, "x\u{1}\n\"é/"], "B": {"z": -5, "aa": 0}});
    assert_eq!(
        String::from_utf8(canonicalize(&v)).unwrap(),
        "{\"B\":{\"aa\":0,\"z\":-5},\"a\":[true,null,\"x\\u0001\\n\\\"é/\"],\"b\":1}"
    );
    // UTF-16 order: U+E000 sorts before U+1F600 (surrogates), unlike code point order.
    let v = json!({"\u{1F600}": 1, "\u{E000}": 2});
    assert_eq!(
        String::from_utf8(canonicalize(&v)).unwrap(),
        "{\"\u{1F600}\":1,\"\u{E000}\":2}"
    );
}

#[test]
fn the_trusted_root_and_trust_config_point_at_the_stand_ins() {
    let rig = rig();
    let root: Value =
        serde_json::from_slice(&std::fs::read(rig.sigstore.trusted_root_path()).unwrap()).unwrap();
    assert_eq!(root["tlogs"][0]["baseUrl"], rig.sigstore.rekor_url());
    assert_eq!(
        root["tlogs"][0]["logId"]["keyId"],
        b64(&Sha256::digest(rig.sigstore.rekor_spki()))
    );
    assert_eq!(
        root["ctlogs"][0]["publicKey"]["rawBytes"],
        b64(&rig.sigstore.ct_spki())
    );
    assert_eq!(
        root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"],
        b64(&rig.sigstore.root_der())
    );
    let tc: Value =
        serde_json::from_slice(&std::fs::read(rig.sigstore.trust_config_path()).unwrap()).unwrap();
    assert_eq!(tc["trustedRoot"], root);
    let sc = &tc["signingConfig"];
    assert_eq!(sc["caUrls"][0]["url"], rig.sigstore.fulcio_url());
    assert_eq!(sc["rekorTlogUrls"][0]["url"], rig.sigstore.rekor_url());
    assert_eq!(sc["rekorTlogUrls"][0]["majorApiVersion"], 1);
    assert_eq!(sc["oidcUrls"][0]["url"], rig.oidc.base_url());
}
