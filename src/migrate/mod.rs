//! `chora migrate`: detections (from `workflow::detect`) -> planned edits (`plan`) ->
//! comment-preserving text patches (`apply`) -> re-parse and compare -> diff -> write. `edit` is
//! the plain data between plan and apply; `publisher` renders the replacement upload steps from
//! the same template partial as `chora new`'s release.yml; `facts` gathers what the trusted
//! publisher form needs.

pub mod apply;
pub mod docs;
pub mod edit;
pub mod facts;
pub mod gitlab;
pub mod pipeline;
pub mod plan;
pub mod publisher;
pub mod write;
