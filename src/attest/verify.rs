//! STUB
use super::cert::Identity;
use super::model::Attestation;
use super::trust_root::TrustedRoot;
pub struct Publisher {
    pub repository: String,
    pub workflow: String,
    pub environment: Option<String>,
}
pub struct Expected<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
}
pub struct Verified {
    pub identity: Identity,
    pub integrated_time: i64,
    pub log_index: i64,
    pub predicate_type: String,
}
#[derive(Debug, thiserror::Error)]
#[error("stub")]
pub struct Failure;
impl Failure {
    pub fn check(&self) -> &'static str {
        "stub"
    }
}
pub fn verify(
    _a: &Attestation,
    _e: &Expected,
    _p: Option<&Publisher>,
    _r: &TrustedRoot,
) -> Result<Verified, Failure> {
    Err(Failure)
}
