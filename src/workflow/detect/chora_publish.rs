//! chora-publish (`chora-publish upload`): a token only in `CHORA_PUBLISH_TOKEN` (it has no
//! token flag), the index in `--repository-url`. With no token it uses Trusted Publishing.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::ChoraPublish,
            program: "chora-publish",
            subcommands: &["upload"],
            secret_flags: &[],
            user_flags: &[],
            url_flags: &["--repository-url"],
            name_flags: &[],
            secret_env: |k| k == "CHORA_PUBLISH_TOKEN",
            user_env: |_| false,
            url_env: &[],
            name_env: &[],
        },
    )
}
