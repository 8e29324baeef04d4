//! The output sink of `chora-publish`: lines to stdout and stderr, GitHub Actions annotations
//! and the step summary, progress bars on a terminal. Every write ignores a closed or broken
//! stream (`let _ = writeln!`): output never panics.

use std::io::Write as _;

use crate::publish::credentials::Env;
use crate::publish::events::{Event, Observer};
use crate::publish::upload::Status;

use super::progress::{Progress, human_size};

/// Where the command's output goes.
pub struct Output {
    github: bool,
    step_summary: Option<String>,
    progress: std::sync::Mutex<Option<Progress>>,
}

impl Output {
    /// An output for this environment (GitHub Actions annotations when `GITHUB_ACTIONS=true`).
    pub fn new(env: &Env) -> Self {
        Output {
            github: env.in_github_actions(),
            step_summary: env.get("GITHUB_STEP_SUMMARY").map(str::to_string),
            progress: std::sync::Mutex::new(None),
        }
    }

    /// A line on stdout (through the progress bar when one is shown). Text from servers and
    /// file names is in it: control characters are escaped and no line can start a GitHub
    /// workflow command ([`crate::text::for_log`]).
    pub fn line(&self, text: &str) {
        let text = &crate::text::for_log(text);
        if let Ok(progress) = self.progress.lock()
            && let Some(p) = progress.as_ref()
        {
            p.line(text);
            return;
        }
        let _ = writeln!(std::io::stdout(), "{text}");
    }

    /// A line on stderr (escaped as [`Output::line`]).
    pub fn error_line(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "{}", crate::text::for_log(text));
    }

    /// A warning: stderr, and a `::warning` annotation in GitHub Actions.
    pub fn warning(&self, title: &str, text: &str) {
        self.error_line(&format!("warning: {text}"));
        if self.github {
            let _ = writeln!(
                std::io::stdout(),
                "::warning title={title}::{}",
                escape(text)
            );
        }
    }

    /// In GitHub Actions: an `::error` annotation and a section of the step summary.
    pub fn github_error(&self, title: &str, text: &str) {
        if !self.github {
            return;
        }
        let _ = writeln!(std::io::stdout(), "::error title={title}::{}", escape(text));
        if let Some(path) = &self.step_summary
            && let Ok(mut f) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
        {
            // A fence longer than any run of backticks in the text: it cannot close it.
            let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            let _ = writeln!(
                f,
                "## {title}\n\n{fence}\n{}\n{fence}\n",
                crate::text::escape_controls(text)
            );
        }
    }

    /// Show progress for a batch of `total` files (bars on a terminal only).
    pub fn start_progress(&self, total: usize) {
        if let Ok(mut p) = self.progress.lock() {
            *p = Some(Progress::new(total));
        }
    }

    /// Remove the progress bars.
    pub fn finish_progress(&self) {
        if let Ok(mut p) = self.progress.lock() {
            *p = None;
        }
    }
}

/// A workflow-command value: control characters escaped, then `%`, CR and LF.
fn escape(text: &str) -> String {
    crate::text::escape_controls(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl Observer for Output {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Mask(secret) => {
                // GitHub Actions hides this value in every later log line.
                let _ = writeln!(std::io::stdout(), "::add-mask::{}", secret.expose());
            }
            Event::Warning { title, text } => self.warning(title, &text),
            Event::Minted { provider, host } => self.line(&format!(
                "Trusted Publishing: exchanged the {provider} identity for a short-lived upload token for {host}."
            )),
            Event::Sending { file, url, sha256 } => self.line(&format!(
                "POST {url} {} ({} bytes, sha256 {sha256})",
                file.file_name, file.size
            )),
            Event::Done { file, outcome } => {
                let verb = match outcome.status {
                    Status::Uploaded => "uploaded",
                    Status::Skipped => "skipped",
                    Status::DryRun => "ready",
                    Status::Failed => "FAILED",
                };
                let mut text = format!(
                    "{verb:<8} {} ({}, {} attempt{}, {:.1} s)",
                    file.file_name,
                    human_size(file.size),
                    outcome.attempts,
                    if outcome.attempts == 1 { "" } else { "s" },
                    outcome.elapsed_ms as f64 / 1000.0
                );
                let server_warnings = outcome.status == Status::Uploaded
                    && !outcome.message.is_empty();
                if !outcome.message.is_empty() && !server_warnings {
                    text.push_str(&format!(": {}", outcome.message));
                }
                self.line(&text);
                if server_warnings {
                    for warning in outcome.message.lines().filter(|l| !l.trim().is_empty()) {
                        self.warning(
                            "Index warning",
                            &format!("the index warned about {}: {}", file.file_name, warning.trim()),
                        );
                    }
                }
                if let Ok(p) = self.progress.lock()
                    && let Some(p) = p.as_ref()
                {
                    p.inc();
                }
            }
        }
    }
}
