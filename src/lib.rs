//! chora: secure Python releases by default. The library behind both binaries: `chora`
//! (`template/`: embedded templates, their history, questions and rendering; `generate/`:
//! `new`, `check`, `update`) and `chora-publish` (`publish/`: validating distributions,
//! credentials, uploads); `cli/` is their command layer and `exit/` maps every module's errors
//! to exit statuses. The map is docs/architecture.md.

pub mod attest;
pub mod audit;
pub mod cli;
pub mod doctor;
pub mod exit;
pub mod fs;
pub mod generate;
pub mod git;
pub mod migrate;
pub mod names;
pub mod publish;
pub mod template;
pub mod text;
pub mod time;
pub mod workflow;

/// This chora's version; generated workflows pin `chora-cli` to it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
