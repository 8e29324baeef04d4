//! Exit statuses shared by every command, the failure type the CLI prints, and (in the
//! submodules) the one place each module's typed errors are mapped to a status and a hint.

pub mod attest;
pub mod audit;
pub mod doctor;
pub mod github;
pub mod ledger;
pub mod manpages;
pub mod publish;
pub mod receipt;
pub mod smoke;

use std::fmt;

pub mod generate;
pub mod migrate;

/// Process exit status, as documented in `--help` and docs/.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success.
    Success = 0,
    /// The check found a problem (drift, migration needed, audit below threshold).
    Problem = 1,
    /// Usage or input error.
    Usage = 2,
    /// Remote or service failure after retries.
    Service = 3,
    /// Local I/O failure: a file or folder could not be read or written (permission denied,
    /// read-only file system, disk full).
    LocalIo = 4,
    /// Cancelled at a prompt (Esc, Ctrl-C), nothing written: the shell's status for SIGINT.
    Interrupted = 130,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failure to report: what happened, and what to do next.
#[derive(Debug)]
pub struct Failure {
    pub status: ExitStatus,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Usage,
            message: message.into(),
            hint: None,
        }
    }

    /// A local I/O failure (exit status 4).
    pub fn local_io(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::LocalIo,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_status(mut self, status: ExitStatus) -> Self {
        self.status = status;
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// Text of the exit-status table for `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit status:
  0  success
  1  the check found a problem (drift, migration needed, audit below threshold)
  2  usage or input error (bad or missing answers, unsafe destination)
  3  remote or service failure after retries
  4  local I/O failure (permission denied, read-only file system, disk full)
  130  cancelled at a prompt; nothing was written";

/// An error and its sources on one line, `outer: inner: innermost` (libraries such as reqwest
/// and zip keep the interesting part in the sources); a source already quoted by the text
/// before it is not repeated.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(": ");
            text.push_str(&inner_text);
        }
        source = inner.source();
    }
    text
}
