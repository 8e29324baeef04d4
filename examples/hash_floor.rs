//! Single-core rates of the two digests chora-publish computes, on data already in memory: no
//! file reading, no threads. SHA-256 is the `sha2` crate, BLAKE2b-256 is `blake2b_simd` (as
//! chora-publish's `dist::blake2b_256` configures it), the libraries chora-publish hashes with.
//! scripts/bench/publish.sh runs it to show the floor under chora-publish's figures: one
//! file's BLAKE2b is one sequential stream, so no number of threads hashes a single file
//! faster than one core runs BLAKE2b.
//!
//!     cargo run --release --example hash_floor [-- MIB]
//!
//! Prints one JSON object: `mib`, `sha256_gbps`, `blake2b_gbps` (best of 5 runs over MIB MiB,
//! default 256).

use chora::publish::dist::blake2b_256;
use sha2::Digest as _;
use std::time::Instant;

fn best_rate(data: &[u8], mut hash: impl FnMut(&[u8]) -> u8) -> f64 {
    let mut best = f64::INFINITY;
    let mut sink = 0u8;
    for _ in 0..5 {
        let start = Instant::now();
        sink ^= hash(data);
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(sink);
    data.len() as f64 / best / 1e9
}

fn main() {
    let mib: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 256,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: hash_floor [MIB] (a positive number of MiB to hash)");
            std::process::exit(2);
        }
    };
    // Incompressible, non-repeating bytes (an xorshift stream), written once before timing.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<u8> = (0..mib << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let sha = best_rate(&data, |d| {
        let mut h = sha2::Sha256::new();
        for chunk in d.chunks(256 * 1024) {
            h.update(chunk);
        }
        h.finalize()[0]
    });
    let blake = best_rate(&data, |d| {
        let mut h = blake2b_256();
        for chunk in d.chunks(256 * 1024) {
            h.update(chunk);
        }
        h.finalize().as_bytes()[0]
    });
    println!("{{\"mib\": {mib}, \"sha256_gbps\": {sha:.3}, \"blake2b_gbps\": {blake:.3}}}");
}
