//! uv (`uv publish`): `-t/--token`, `-u/-p`, `UV_PUBLISH_TOKEN`/`UV_PUBLISH_PASSWORD`/
//! `UV_PUBLISH_USERNAME`, `--publish-url` and `UV_PUBLISH_URL`, `--index`.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::Uv,
            program: "uv",
            subcommands: &["publish"],
            secret_flags: &["-t", "--token", "-p", "--password"],
            user_flags: &["-u", "--username"],
            url_flags: &["--publish-url"],
            name_flags: &["--index"],
            secret_env: |k| k == "UV_PUBLISH_TOKEN" || k == "UV_PUBLISH_PASSWORD",
            user_env: |k| k == "UV_PUBLISH_USERNAME",
            url_env: &["UV_PUBLISH_URL"],
            name_env: &["UV_PUBLISH_INDEX"],
        },
    )
}
