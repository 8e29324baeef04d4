//! Helpers shared by the wheel and sdist readers: reading members and wording errors.

use std::io::{self, Read};

use super::members::Inspect;
use super::record::RecordHasher;

use crate::exit::error_chain;

/// Read a member to its end (so the zip reader checks its CRC), feeding an optional hasher and
/// the inspector, and keeping at most `keep` bytes. Returns (bytes read, kept bytes).
pub(super) fn drain(
    reader: &mut dyn Read,
    mut hasher: Option<&mut RecordHasher>,
    keep: Option<u64>,
    buf: &mut [u8],
    inspect: &mut dyn Inspect,
) -> io::Result<(u64, Vec<u8>)> {
    let mut total = 0u64;
    let mut kept = Vec::new();
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buf[..n];
        if let Some(h) = hasher.as_deref_mut() {
            h.update(chunk);
        }
        inspect.data(chunk);
        if let Some(limit) = keep {
            if total + n as u64 > limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("larger than the {} MiB limit", limit / (1024 * 1024)),
                ));
            }
            kept.extend_from_slice(chunk);
        }
        total += n as u64;
    }
    Ok((total, kept))
}

/// Words for a member read error; the zip reader's CRC failure is terse.
pub(super) fn describe_member_error(e: &io::Error) -> String {
    let detail = error_chain(e);
    if detail == "Invalid checksum" {
        "CRC-32 mismatch: the member's data is damaged".to_string()
    } else {
        detail
    }
}
