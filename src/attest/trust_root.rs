//! STUB
use std::path::Path;
#[derive(Debug, Clone)]
pub struct TrustedRoot;
#[derive(Debug, thiserror::Error)]
#[error("stub")]
pub struct TrustRootError;
impl TrustedRoot {
    pub fn from_json(_t: &str) -> Result<TrustedRoot, TrustRootError> {
        Err(TrustRootError)
    }
    pub fn from_file(_p: &Path) -> Result<TrustedRoot, TrustRootError> {
        Err(TrustRootError)
    }
    pub fn public_good() -> TrustedRoot {
        TrustedRoot
    }
}
