//! Progress of a batch: bars on a terminal, one plain line per file otherwise (CI logs).

use std::io::IsTerminal;
use std::time::Duration;

/// Bytes as B, KiB, MiB or GiB.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Progress: bars on a terminal, one plain line per file otherwise (CI logs).
pub struct Progress {
    bars: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        let bars = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} files {msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bars }
    }

    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(bar) => bar.println(text),
            None => {
                use std::io::Write as _;
                let _ = writeln!(std::io::stdout(), "{text}");
            }
        }
    }

    /// One more file done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bars {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bars {
            bar.finish_and_clear();
        }
    }
}
