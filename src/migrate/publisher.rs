//! The replacement upload steps for tools without Trusted Publishing, rendered from the same
//! template partial as `chora new`'s release.yml.

use thiserror::Error;

use crate::workflow::model::Index;

/// Which publisher the replacement steps use (`--publisher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publisher {
    /// `chora-publish upload`.
    Chora,
    /// `pypa/gh-action-pypi-publish`, SHA-pinned.
    Pypa,
}

/// What the replacement upload must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadStep {
    pub publisher: Publisher,
    /// PyPI or TestPyPI.
    pub index: Index,
    /// The directory the build writes (`dist/`).
    pub dist_dir: String,
    pub attestations: bool,
}

/// Why the steps could not be rendered.
#[derive(Debug, Error)]
pub enum PublisherError {
    #[error("rendering the upload steps is not implemented yet")]
    NotImplemented,
}

/// The upload steps as YAML text: one or more sequence items at column 0 (`- name: …`).
pub fn render_upload_steps(_step: &UploadStep) -> Result<String, PublisherError> {
    Err(PublisherError::NotImplemented)
}
