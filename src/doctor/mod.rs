//! `chora doctor`: explain a failed Trusted Publishing exchange. Three stages over plain data:
//! the evidence of the failed run (`evidence`: an identity token's claims, or a publishing log
//! with the claims and refusals it printed), the mapping the repository expects (`expected`:
//! from `.chora-answers.yml`, else from its publishing workflow, its git remote and
//! pyproject.toml; flags override), and the comparison (`diagnose`: each difference named,
//! with the setting to change and where).

pub mod diagnose;
pub mod evidence;
pub mod expected;

/// Why `chora doctor` stopped before diagnosing.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("--claims: {0}")]
    Claims(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("no claims: {0}")]
    NoClaims(String),
    #[error("the expected publisher is not known: {0}")]
    NoMapping(String),
}
