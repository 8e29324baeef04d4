//! The `chora-publish` runtime: validate distributions, get credentials (Trusted Publishing
//! or a token), upload to a package index with retries, and report.

pub mod auth;
pub mod claims;
pub mod cli;
pub mod credentials;
pub mod discover;
pub mod dist;
pub mod exchange;
pub mod explain;
pub mod http;
pub mod index;
pub mod progress;
pub mod report;
pub mod upload;
pub mod vet;
