//! `pypa/gh-action-pypi-publish` (any ref): `password:` (and `user:`) inputs are the
//! credentials, `repository-url` / `repository_url` the index.

use super::creds::{assemble, long_lived, with_credential};
use super::{Found, StepCtx, index};
use crate::workflow::model::{Index, Tool};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Option<Found> {
    if !ctx.action()?.starts_with("pypa/gh-action-pypi-publish") {
        return None;
    }
    Some(upload_action(ctx, Tool::PypaAction, Some("user")))
}

/// An upload action's shape (the PyPA action's, which chora's composite action copies): the
/// `password:` input is the credential when it holds a long-lived value, `user_input` the user
/// name, `repository-url` the index (PyPI when absent).
pub(super) fn upload_action(ctx: &StepCtx<'_>, tool: Tool, user_input: Option<&str>) -> Found {
    let primary: Vec<_> = ctx
        .with_value("password")
        .filter(|e| e.value.as_deref().is_some_and(long_lived))
        .map(with_credential)
        .into_iter()
        .collect();
    let users: Vec<_> = user_input
        .and_then(|key| ctx.with_value(key))
        .map(with_credential)
        .into_iter()
        .collect();
    let index = ctx
        .with_value("repository-url")
        .and_then(|e| e.value.as_deref())
        .map_or(Index::Pypi, index::from_url);
    Found::new(tool, index, assemble(primary, users))
}
