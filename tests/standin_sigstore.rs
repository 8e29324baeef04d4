//! Self-tests of the sigstore stand-ins (tests/support/standin/sigstore/): a test-side signer
//! drives the Fulcio-like CA and the Rekor-like log, and the real verifier
//! (pypi-attestations + sigstore-python, tests/support/pep740_verify.py) judges the result.

#[path = "support/standin/mod.rs"]
mod standin;

use std::path::PathBuf;

use serde_json::Value;

use standin::dist;
use standin::oidc::GithubOidc;
use standin::sigstore::Sigstore;
use standin::sigstore::python::{Case, verify_with_python};
use standin::sigstore::test_signer::{self, PUBLISH_V1};
use standin::util::sha256_hex;

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

    /// Write `attestation` and make a case for `d` with the default publisher identity.
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
}

#[test]
fn a_signed_attestation_is_accepted_by_the_real_verifier() {
    let rig = rig();
    let wheel = dist::wheel("demo-pkg", "0.1.0");
    let signed = rig.sign(&wheel);
    let case = rig.case("good", &signed.attestation, &wheel);
    let out = verify_with_python(&[case]);
    assert!(out[0].ok, "{:?}", out[0]);
    assert_eq!(out[0].predicate_type.as_deref(), Some(PUBLISH_V1));
    let _: PathBuf = rig.sigstore.trust_config_path();
}
