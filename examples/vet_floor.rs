//! What content vetting adds to `chora-publish check`, in-process: the CPU time of reading the
//! given distributions without the content checks (`dist::read_dist`: archive checks, RECORD,
//! the two upload digests — what check did before content vetting, and must still do) and with
//! them (`vet::vet_report` with the default options, what check runs). scripts/bench/vet.sh
//! prints both under its chora-publish / twine figures.
//!
//!     cargo run --release --example vet_floor -- RUNS FILE...
//!
//! Prints one JSON object: `runs`, `structural_cpu` and `vetted_cpu` (seconds of user + system
//! CPU of this process, all threads, median of RUNS rounds over all files).

use std::path::PathBuf;

use chora::publish::dist::read_dist;
use chora::publish::vet::{VetOptions, vet_report};

/// User + system CPU seconds of this process so far (every thread).
#[cfg(unix)]
fn cpu() -> f64 {
    // SAFETY: getrusage writes one rusage into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

#[cfg(not(unix))]
fn cpu() -> f64 {
    eprintln!("vet_floor reads CPU time with getrusage: Unix only");
    std::process::exit(2);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = match args.next().map(|a| a.parse()) {
        Some(Ok(n)) if n > 0 => n,
        _ => {
            eprintln!("usage: vet_floor RUNS FILE... (RUNS a positive number)");
            std::process::exit(2);
        }
    };
    let files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let options = VetOptions::standard();
    let (mut structural, mut vetted) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = cpu();
        for f in &files {
            if let Err(e) = read_dist(f) {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        structural.push(cpu() - start);
        let start = cpu();
        let (_, report) = vet_report(&files, &options);
        vetted.push(cpu() - start);
        if !report.findings.is_empty() {
            eprintln!("findings: {:?}", report.findings);
            std::process::exit(1);
        }
    }
    println!(
        "{{\"runs\": {runs}, \"structural_cpu\": {:.4}, \"vetted_cpu\": {:.4}}}",
        median(structural),
        median(vetted)
    );
}
