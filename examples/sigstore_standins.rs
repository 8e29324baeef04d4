//! The Sigstore stand-ins of the test suite (GitHub OIDC, a Fulcio-like CA, a Rekor-v1-like
//! log) as a process, for `scripts/bench/attest.sh`: prints one JSON line (the GitHub Actions
//! environment to sign with, the service URLs, the trust files) and serves until stdin closes.

#[path = "../tests/support/standin/mod.rs"]
#[allow(unused)]
mod standin;

use std::io::{Read as _, Write as _};

fn main() {
    let oidc = standin::oidc::GithubOidc::start();
    let sigstore = standin::sigstore::Sigstore::start(&oidc);
    let claims = oidc.claims();
    let line = serde_json::json!({
        "env": oidc.env_vars().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "fulcio_url": sigstore.fulcio_url(),
        "rekor_url": sigstore.rekor_url(),
        "trusted_root": sigstore.trusted_root_path(),
        "trust_config": sigstore.trust_config_path(),
        "repository": claims.repository,
        "workflow": claims.workflow_file,
    });
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(sigstore);
}
