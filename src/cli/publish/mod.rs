//! The `chora-publish` command layer (arguments, dispatch, output).
