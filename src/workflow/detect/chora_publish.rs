//! chora-publish: `chora-publish upload` in a script (a token only in `CHORA_PUBLISH_TOKEN`,
//! it has no token flag; the index in `--repository-url`, or `--testpypi`), and chora's composite action
//! `chora-dev/chora/publish` (`password:` the token, `repository-url` the index). With no
//! token both use Trusted Publishing.

use super::command::{self, Spec};
use super::{Found, StepCtx};
use crate::workflow::model::{Index, Tool};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    if let Some(found) = action(ctx) {
        return vec![found];
    }
    let testpypi = ctx
        .invocations("chora-publish", &["upload"])
        .iter()
        .any(|(command, at)| {
            command
                .words
                .iter()
                .skip(*at)
                .any(|w| w.text == "--testpypi")
        });
    let mut found = command::detect(
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
    );
    // `--testpypi` is chora-publish's switch for TestPyPI's upload URL.
    if testpypi {
        for f in &mut found {
            f.index = Index::TestPypi;
        }
    }
    found
}

/// The composite action `chora-dev/chora/publish@…` (the PyPA action's inputs; only
/// `__token__` as user, so no user credential).
fn action(ctx: &StepCtx<'_>) -> Option<Found> {
    if !ctx.action()?.starts_with("chora-dev/chora/publish") {
        return None;
    }
    Some(super::pypa_action::upload_action(
        ctx,
        Tool::ChoraPublish,
        None,
    ))
}
