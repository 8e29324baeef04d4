//! `chora-publish smoke` errors as exit statuses and hints: a different file or a failed
//! import 1, bad input 2, not visible in time or an install that failed after retries 3,
//! an unreadable digests file 4.

use super::{ExitStatus, Failure};
use crate::publish::smoke::SmokeError;

impl From<SmokeError> for Failure {
    fn from(e: SmokeError) -> Self {
        let text = e.to_string();
        match &e {
            SmokeError::BadRelease { .. } => Failure::usage(text)
                .with_hint("name the release as NAME==VERSION, e.g. chora-publish smoke demo-pkg==0.1.0"),
            SmokeError::BadInput(_) => Failure::usage(text).with_hint(
                "pass the digests of the uploaded files with --expect-digests FILE (sha256sum output), or the ledger the upload wrote with --ledger FILE",
            ),
            SmokeError::Read { source, .. } => {
                let f = if source.is_io() {
                    Failure::local_io(text)
                } else {
                    Failure::usage(text)
                };
                f.with_hint("name a regular, readable file (e.g. `sha256sum dist/* > SHA256SUMS`)")
            }
            SmokeError::Mismatch(_) => Failure::usage(text)
                .with_status(ExitStatus::Problem)
                .with_hint(
                    "do not announce the release: compare the listed file with the built one, and ask the index's maintainers (or yank the release) if it is not yours",
                ),
            SmokeError::NotVisible { .. } => Failure::usage(text)
                .with_status(ExitStatus::Service)
                .with_hint(
                    "the index may still be propagating: run again with a longer --timeout; check that the upload succeeded (`chora-publish ledger verify`) and that --index-url is the index it went to",
                ),
            SmokeError::Environment { .. } => Failure::usage(text).with_hint(
                "pass a working interpreter with --python PY, or put uv (or python3 with the venv module) on PATH",
            ),
            SmokeError::InstallFailed { .. } => Failure::usage(text)
                .with_status(ExitStatus::Service)
                .with_hint(
                    "read the installer's words above: a missing dependency on the dependency index, a Requires-Python the interpreter does not meet (--python), or an index still propagating (run again later)",
                ),
            SmokeError::ImportFailed { .. } => Failure::usage(text)
                .with_status(ExitStatus::Problem)
                .with_hint(
                    "the published release does not import: fix the package (missing files or dependencies in the build) and release a new version; name another module with --import MODULE if the import name differs",
                ),
        }
    }
}
