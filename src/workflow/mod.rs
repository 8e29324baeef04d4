//! Reading GitHub Actions workflows (and the repository's composite actions) with source spans,
//! and classifying their publish steps: `model` is the plain data every stage shares, `read`
//! loads a file, `detect` holds one small module per publishing tool, `report` scans a repository and puts
//! detections in words. Shared by `chora migrate`
//! and (later) `chora audit`.

pub mod detect;
pub mod gitlab;
pub mod model;
pub mod read;
pub mod report;
mod spans;
