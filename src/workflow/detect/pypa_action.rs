//! `pypa/gh-action-pypi-publish` (any ref): `password:` (and `user:`) inputs are the
//! credentials, `repository-url` / `repository_url` the index.

use super::creds::{assemble, long_lived, with_credential};
use super::{Found, StepCtx, index};
use crate::workflow::model::{Index, Tool};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Option<Found> {
    if !ctx.action()?.starts_with("pypa/gh-action-pypi-publish") {
        return None;
    }
    let primary: Vec<_> = ctx
        .with_value("password")
        .filter(|e| e.value.as_deref().is_some_and(long_lived))
        .map(with_credential)
        .into_iter()
        .collect();
    let users: Vec<_> = ctx
        .with_value("user")
        .map(with_credential)
        .into_iter()
        .collect();
    let index = ctx
        .with_value("repository-url")
        .and_then(|e| e.value.as_deref())
        .map_or(Index::Pypi, index::from_url);
    Some(Found::new(
        Tool::PypaAction,
        index,
        assemble(primary, users),
    ))
}
