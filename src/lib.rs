//! chora: secure Python releases by default. The library behind the `chora` binary: templates
//! and rendering, project generation, git and file-system helpers.

pub mod cli;
pub mod exit;
pub mod fs;
pub mod generate;
pub mod git;
pub mod names;
pub mod publish;
pub mod template;

/// This chora's version; generated workflows pin `chora-cli` to it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
