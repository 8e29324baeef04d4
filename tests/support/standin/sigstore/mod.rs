//! Sigstore stand-ins: a Fulcio-like CA with an embedded-SCT CT log ([`fulcio`], [`ctlog`]),
//! a Rekor-v1-like log for `dsse` entries ([`rekor`]), the trust files pointing at them
//! ([`trust`]), a test-side signer producing PEP 740 attestations ([`test_signer`]) and the
//! bridge to the real Python verifier ([`python`]). [`Sigstore`] bundles them.
//!
//! Formats: reference/sigstore.md §2–§4.

pub mod asn1;
pub mod canon;
pub mod ctlog;
pub mod fulcio;
pub mod keys;
pub mod python;
pub mod rekor;
pub mod test_signer;
pub mod trust;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::http::{Response, Server};
use super::oidc::GithubOidc;
use super::util::{lock, now_unix};
use ctlog::CtLog;
use fulcio::{Ca, Fulcio};
pub use fulcio::{FulcioKnobs, IssuedCert};
use rekor::Rekor;
pub use rekor::{Knobs, LoggedEntry};

/// A running CA and log, plus their trust files in a temp dir.
///
/// - Fulcio: `POST {fulcio_url}/api/v2/signingCert`, tokens verified against the
///   [`GithubOidc`] given to [`Sigstore::start`] (audience `sigstore`).
/// - Rekor: `POST {rekor_url}/api/v1/log/entries`, `GET {rekor_url}/api/v1/log`.
///
/// Faults: [`Sigstore::fulcio_server`] / [`Sigstore::rekor_server`] (`inject`, request log);
/// lying log responses: [`Sigstore::set_knobs`]; faulty certificates:
/// [`Sigstore::set_fulcio_knobs`].
pub struct Sigstore {
    fulcio: Arc<Mutex<Fulcio>>,
    rekor: Arc<Mutex<Rekor>>,
    fulcio_server: Server,
    rekor_server: Server,
    dir: tempfile::TempDir,
}

impl Sigstore {
    /// Start with [`rekor::DEFAULT_SEED_LEAVES`] dummy leaves.
    pub fn start(oidc: &GithubOidc) -> Sigstore {
        Sigstore::start_with(oidc, rekor::DEFAULT_SEED_LEAVES)
    }

    /// Start with `seed_leaves` dummy leaves in the log.
    pub fn start_with(oidc: &GithubOidc, seed_leaves: usize) -> Sigstore {
        let fulcio = Arc::new(Mutex::new(Fulcio {
            ca: Ca::generate(),
            ct: CtLog::generate(),
            jwks: oidc.jwks(),
            issued: Vec::new(),
            knobs: FulcioKnobs::default(),
        }));
        let rekor = Arc::new(Mutex::new(Rekor::new(
            seed_leaves,
            rekor::DEFAULT_INDEX_OFFSET,
        )));
        let f = Arc::clone(&fulcio);
        let fulcio_server = Server::start(move |req| lock(&f).handle(req));
        let r = Arc::clone(&rekor);
        let rekor_server = Server::start(move |req| lock(&r).handle(req));
        let dir = tempfile::tempdir().expect("temp dir for the sigstore trust files");
        let s = Sigstore {
            fulcio,
            rekor,
            fulcio_server,
            rekor_server,
            dir,
        };
        s.write_trust_files(&oidc.base_url());
        s
    }

    fn write_trust_files(&self, oidc_url: &str) {
        let f = lock(&self.fulcio);
        let r = lock(&self.rekor);
        let fulcio_url = self.fulcio_url();
        let rekor_url = self.rekor_url();
        let ct_url = format!("{fulcio_url}/ct");
        let inputs = trust::TrustInputs {
            fulcio_url: &fulcio_url,
            rekor_url: &rekor_url,
            ct_url: &ct_url,
            oidc_url,
            rekor_spki: r.spki(),
            ct_spki: f.ct.spki(),
            root_der: f.ca.root_der(),
            valid_from: now_unix() - 86_400,
        };
        let write = |path: PathBuf, v: serde_json::Value| {
            std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("JSON"))
                .expect("write trust file");
        };
        write(self.trusted_root_path(), trust::trusted_root(&inputs));
        write(self.trust_config_path(), trust::trust_config(&inputs));
    }

    /// Base URL of the CA (no trailing slash).
    pub fn fulcio_url(&self) -> String {
        self.fulcio_server.url().trim_end_matches('/').to_string()
    }

    /// Base URL of the log (no trailing slash).
    pub fn rekor_url(&self) -> String {
        self.rekor_server.url().trim_end_matches('/').to_string()
    }

    pub fn fulcio_server(&self) -> &Server {
        &self.fulcio_server
    }

    pub fn rekor_server(&self) -> &Server {
        &self.rekor_server
    }

    /// The temp dir holding the trust files (free for tests to put more files in).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `trusted_root.json`.
    pub fn trusted_root_path(&self) -> PathBuf {
        self.dir.path().join("trusted_root.json")
    }

    /// `tc.json` (ClientTrustConfig).
    pub fn trust_config_path(&self) -> PathBuf {
        self.dir.path().join("tc.json")
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> Vec<u8> {
        lock(&self.fulcio).ca.root_der().to_vec()
    }

    /// SubjectPublicKeyInfo DER of the log key.
    pub fn rekor_spki(&self) -> Vec<u8> {
        lock(&self.rekor).spki().to_vec()
    }

    /// SubjectPublicKeyInfo DER of the CT log key.
    pub fn ct_spki(&self) -> Vec<u8> {
        lock(&self.fulcio).ct.spki().to_vec()
    }

    /// Every certificate issued so far.
    pub fn issued_certs(&self) -> Vec<IssuedCert> {
        lock(&self.fulcio).issued.clone()
    }

    /// Every entry logged so far.
    pub fn entries(&self) -> Vec<LoggedEntry> {
        lock(&self.rekor).entries.clone()
    }

    /// Current tree size (dummy leaves included).
    pub fn tree_size(&self) -> usize {
        lock(&self.rekor).tree_size()
    }

    /// Current knobs.
    pub fn knobs(&self) -> Knobs {
        lock(&self.rekor).knobs
    }

    /// Make later log responses lie (see [`Knobs`]); `Knobs::default()` restores honesty.
    pub fn set_knobs(&self, knobs: Knobs) {
        lock(&self.rekor).knobs = knobs;
    }

    /// Flip a byte of the SET in later responses.
    pub fn corrupt_set(&self, on: bool) {
        lock(&self.rekor).knobs.corrupt_set = on;
    }

    /// Flip a byte of the first proof hash in later responses.
    pub fn corrupt_proof_hash(&self, on: bool) {
        lock(&self.rekor).knobs.corrupt_proof_hash = on;
    }

    /// Sign checkpoints one larger than the tree in later responses.
    pub fn lie_checkpoint_size(&self, on: bool) {
        lock(&self.rekor).knobs.lie_checkpoint_size = on;
    }

    /// Current CA knobs.
    pub fn fulcio_knobs(&self) -> FulcioKnobs {
        lock(&self.fulcio).knobs
    }

    /// Make later certificates faulty (see [`FulcioKnobs`]); the default restores honesty.
    pub fn set_fulcio_knobs(&self, knobs: FulcioKnobs) {
        lock(&self.fulcio).knobs = knobs;
    }

    /// Alter the checkpoint size line after signing in later responses.
    pub fn tamper_checkpoint_size(&self, on: bool) {
        lock(&self.rekor).knobs.tamper_checkpoint_size = on;
    }

    /// Leave the SET out of later responses.
    pub fn drop_set(&self, on: bool) {
        lock(&self.rekor).knobs.drop_set = on;
    }

    /// Sign `filename` (content `data`) with the test-side signer through these stand-ins:
    /// a valid PEP 740 publish attestation for the identity `oidc` currently issues.
    pub fn sign_dist(&self, oidc: &GithubOidc, filename: &str, data: &[u8]) -> test_signer::Signed {
        test_signer::sign_dist(oidc, &self.fulcio_url(), &self.rekor_url(), filename, data)
    }

    /// Change the global index offset of later entries.
    pub fn set_index_offset(&self, offset: u64) {
        lock(&self.rekor).offset = offset;
    }
}

/// A grpc-gateway style error body (what Fulcio sends), for tests building expectations.
pub fn fulcio_error(status: u16, code: u32, message: &str) -> Response {
    fulcio::error(status, code, message)
}
