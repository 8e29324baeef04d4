//! The plain data between `plan` and `apply`: one intended change to a YAML document.

use indexmap::IndexMap;
use serde::Serialize;

use crate::workflow::model::Route;

/// One intended change to a workflow file. Routes address nodes of the *original* document;
/// `apply` applies edits in order as text patches and re-parses after each.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum Edit {
    /// Remove the node at `route`: a mapping key with its value, or a sequence item.
    Remove { route: Route },
    /// Add `key: value` to the mapping at `route`; the key must be absent.
    Add {
        route: Route,
        key: String,
        value: yaml_serde::Value,
    },
    /// Merge `entries` into the mapping `key` of the mapping at `route`, creating it if absent
    /// (e.g. `permissions: {id-token: write}` on a job).
    MergeInto {
        route: Route,
        key: String,
        entries: IndexMap<String, yaml_serde::Value>,
    },
    /// Replace the value at `route`.
    Replace {
        route: Route,
        value: yaml_serde::Value,
    },
    /// Replace the first occurrence of `from` by `to` inside the scalar at `route` (a `run:`
    /// script); `to` may be empty.
    RewriteText {
        route: Route,
        from: String,
        to: String,
    },
    /// Replace the sequence item at `route` (a step) by one or more items given as YAML text at
    /// column 0 (`- name: …`), re-indented to the item's indentation.
    ReplaceStep { route: Route, yaml: String },
}
