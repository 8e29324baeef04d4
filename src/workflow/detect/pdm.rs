//! pdm (`pdm publish`): `-u/--username`, `-P/--password`, `PDM_PUBLISH_USERNAME`/
//! `PDM_PUBLISH_PASSWORD`, `-r/--repository` and `PDM_PUBLISH_REPO`.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::Pdm,
            program: "pdm",
            subcommands: &["publish"],
            secret_flags: &["-P", "--password"],
            user_flags: &["-u", "--username"],
            url_flags: &[],
            name_flags: &["-r", "--repository"],
            secret_env: |k| k == "PDM_PUBLISH_PASSWORD",
            user_env: |k| k == "PDM_PUBLISH_USERNAME",
            url_env: &[],
            name_env: &["PDM_PUBLISH_REPO"],
        },
    )
}
