//! Templates: embedded trees, the question schema, answers and the answers file, the minijinja
//! environment, rendering to an in-memory file tree, and the data answers are checked against.

pub mod answers;
pub mod answers_file;
pub mod env;
pub mod history;
pub mod pins;
pub mod prompt;
pub mod python;
pub mod render;
pub mod resolve;
pub mod runtime;
pub mod schema;
pub mod source;
pub mod stdlib;
pub mod yaml;
