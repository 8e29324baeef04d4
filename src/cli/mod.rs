//! The command layer: clap argument structs, dispatch and printing for both binaries. Library
//! modules under `generate/`, `template/` and `publish/` never print and never parse arguments.

pub mod chora;
pub mod completions;
pub mod output;
pub mod publish;
