//! The `chora-publish` runtime: validate distributions, get credentials (Trusted Publishing
//! or a token), upload to a package index with retries, and report.

pub mod dist;
pub mod vet;
