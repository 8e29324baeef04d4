//! Where the commands' text goes: results to stdout, warnings to stderr. Writes never panic:
//! a closed stdout (`chora check | head -1`) drops the rest of the output instead of ending
//! the program with a panic.

use std::fmt::Display;
use std::io::Write;

/// An output sink over two writers (the process's stdout/stderr, or buffers in tests).
pub struct Output<'a> {
    out: Box<dyn Write + 'a>,
    err: Box<dyn Write + 'a>,
}

impl<'a> Output<'a> {
    /// The process's standard output and standard error.
    pub fn stdio() -> Output<'static> {
        Output {
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
        }
    }

    /// Any two writers (tests capture into `Vec<u8>`s).
    pub fn new(out: impl Write + 'a, err: impl Write + 'a) -> Self {
        Output {
            out: Box::new(out),
            err: Box::new(err),
        }
    }

    /// One line on stdout.
    pub fn line(&mut self, text: impl Display) {
        let _ = writeln!(self.out, "{text}");
    }

    /// Text on stdout, as is (a diff carries its own newlines).
    pub fn text(&mut self, text: impl Display) {
        let _ = write!(self.out, "{text}");
    }

    /// `warning: TEXT` on stderr.
    pub fn warning(&mut self, text: impl Display) {
        let _ = writeln!(self.err, "warning: {text}");
    }

    /// One line on stderr.
    pub fn error_line(&mut self, text: impl Display) {
        let _ = writeln!(self.err, "{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose reader has gone away, like a closed pipe.
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_stdout_is_not_a_panic() {
        let mut err = Vec::new();
        {
            let mut out = Output::new(Closed, &mut err);
            out.line("dropped");
            out.text("dropped too");
            out.warning("still shown");
        }
        assert_eq!(String::from_utf8(err).unwrap(), "warning: still shown\n");
    }
}
