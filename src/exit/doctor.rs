//! `chora doctor` errors as exit statuses and hints.

use super::{ExitStatus, Failure};
use crate::doctor::DoctorError;

impl From<DoctorError> for Failure {
    fn from(e: DoctorError) -> Self {
        let text = e.to_string();
        match e {
            DoctorError::Read { source, .. } => {
                let f = Failure::usage(text)
                    .with_hint("name the failed job's log (a download of the GitHub Actions log works as is) or a file holding the token or its claims");
                if source.is_io() && !source.is_not_found() {
                    f.with_status(ExitStatus::LocalIo)
                } else {
                    f
                }
            }
            DoctorError::Claims(_) => Failure::usage(text).with_hint(
                "pass the identity token as printed by `curl \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=pypi\" -H \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\"`, or the claims as JSON ({\"repository\": \"owner/repo\", ...})",
            ),
            DoctorError::NoClaims(_) => Failure::usage(text).with_hint(
                "chora-publish, pypa/gh-action-pypi-publish and uv print the claims when the exchange fails: pass that job's log with --log",
            ),
            DoctorError::NoMapping(_) => Failure::usage(text).with_hint(
                "run it in the repository (a chora project, or one whose workflow publishes to the index), or give --repository OWNER/REPO --workflow FILE [--environment NAME]",
            ),
        }
    }
}
