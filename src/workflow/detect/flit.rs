//! flit (`flit publish`): `FLIT_USERNAME`/`FLIT_PASSWORD`, `FLIT_INDEX_URL`, `--repository`.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::Flit,
            program: "flit",
            subcommands: &["publish"],
            secret_flags: &[],
            user_flags: &[],
            url_flags: &[],
            name_flags: &["--repository"],
            secret_env: |k| k == "FLIT_PASSWORD",
            user_env: |k| k == "FLIT_USERNAME",
            url_env: &["FLIT_INDEX_URL"],
            name_env: &[],
        },
    )
}
