//! twine (`twine upload`, `python -m twine`, `pipx run twine`, `uvx twine`, `uv run twine`):
//! `-u/-p`, `TWINE_USERNAME`/`TWINE_PASSWORD`, `--repository(-url)`, `TWINE_REPOSITORY(_URL)`.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::Tool;

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    command::detect(
        ctx,
        &Spec {
            tool: Tool::Twine,
            program: "twine",
            subcommands: &["upload"],
            secret_flags: &["-p", "--password"],
            user_flags: &["-u", "--username"],
            url_flags: &["--repository-url"],
            name_flags: &["-r", "--repository"],
            secret_env: |k| k == "TWINE_PASSWORD",
            user_env: |k| k == "TWINE_USERNAME",
            url_env: &["TWINE_REPOSITORY_URL"],
            name_env: &["TWINE_REPOSITORY"],
        },
    )
}
