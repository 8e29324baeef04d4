//! Project generation: `chora new` (answers -> tree -> disk). The sync commands (check,
//! update) will live beside it.

pub mod inputs;
pub mod new;
pub mod plan;
