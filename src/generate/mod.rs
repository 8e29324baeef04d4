//! Project generation and sync: `chora new` (answers -> tree -> disk), `chora check` (answers
//! file -> tree -> compare with disk) and `chora update` (3-way merge onto disk).

pub mod bases;
pub mod check;
pub mod diff;
pub mod drift;
pub mod inputs;
pub mod merge;
pub mod new;
pub mod pin_bumps;
pub mod plan;
pub mod project;
pub mod update;
