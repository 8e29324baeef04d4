//! What the stages tell the user while they run, as plain data: the command layer
//! (`cli::publish`) decides how each event is printed (stdout, stderr, GitHub annotations,
//! progress bars). Library code never prints.

use super::credentials::Secret;
use super::upload::{Outcome, UploadFile};

/// One thing worth telling the user.
#[derive(Debug)]
pub enum Event<'a> {
    /// A secret GitHub Actions must hide in every later log line (`::add-mask::`).
    Mask(&'a Secret),
    /// Something the user should know; nothing failed (yet).
    Warning {
        /// Short title for a GitHub annotation.
        title: &'static str,
        text: String,
    },
    /// Trusted Publishing minted an upload token.
    Minted {
        provider: &'static str,
        host: &'a str,
    },
    /// An upload request is about to be sent (`--verbose`).
    Sending {
        file: &'a UploadFile,
        url: &'a reqwest::Url,
        sha256: &'a str,
    },
    /// One file is done (uploaded, skipped, ready, or failed).
    Done {
        file: &'a UploadFile,
        outcome: &'a Outcome,
    },
}

/// Receives events. Implementations must not panic (e.g. on a closed stdout).
pub trait Observer: Sync {
    fn event(&self, event: Event<'_>);
}
