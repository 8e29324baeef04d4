//! hatch (`hatch publish`): `-u/--user`, `-a/--auth`, `HATCH_INDEX_USER`/`HATCH_INDEX_AUTH`,
//! `-r/--repo` and `HATCH_INDEX_REPO` (`main`, `test` or a URL).

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::Hatch,
            program: "hatch",
            subcommands: &["publish"],
            secret_flags: &["-a", "--auth"],
            user_flags: &["-u", "--user"],
            url_flags: &[],
            name_flags: &["-r", "--repo"],
            secret_env: |k| k == "HATCH_INDEX_AUTH",
            user_env: |k| k == "HATCH_INDEX_USER",
            url_env: &[],
            name_env: &["HATCH_INDEX_REPO"],
        },
    )
}
