//! `python setup.py … upload` (distutils/setuptools): credentials in PyPI env or in a
//! `.pypirc` written by the same step from a secret; `-r` names the index.

use super::creds::{assemble, flag_values, pypirc_credentials};
use super::{Found, StepCtx, generic, index};
use crate::workflow::model::{Index, Tool};

pub(super) fn detect(ctx: &StepCtx<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    for command in &ctx.commands {
        let texts = command.texts();
        let Some(at) = texts.iter().position(|w| w.ends_with("setup.py")) else {
            continue;
        };
        if !texts.iter().skip(at).any(|w| *w == "upload") {
            continue;
        }
        let (mut primary, users) = generic::pypi_env(ctx);
        primary.extend(pypirc_credentials(ctx));
        let index = flag_values(command, at, &["-r", "--repository"])
            .into_iter()
            .next()
            .map_or(Index::Pypi, |(_, _, v)| index::from_name(&v));
        out.push(Found::new(Tool::SetupPy, index, assemble(primary, users)));
    }
    out
}
