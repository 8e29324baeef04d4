//! The upload digests of a file: size, SHA-256 and BLAKE2b-256 in one streaming read.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::{CHUNK_SIZE, FileDigests};

/// A streaming BLAKE2b hasher with a 32-byte output (`blake2b_simd`: AVX2, SSE4.1 or portable,
/// as it detects at run time).
pub fn blake2b_256() -> blake2b_simd::State {
    blake2b_simd::Params::new().hash_length(32).to_state()
}

/// Lowercase hex of bytes: the one hex encoder of chora-publish.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// Buffers in flight between the reading thread and the BLAKE2b thread: memory for hashing is
/// bounded by `HASH_BUFFERS * CHUNK_SIZE` (1 MiB) whatever the file size.
pub(super) const HASH_BUFFERS: usize = 4;

/// Size, SHA-256 and BLAKE2b-256 of a file in one streaming pass with fixed [`CHUNK_SIZE`]
/// buffers: memory does not grow with the file. See [`hash_reader`].
pub fn hash_file(path: &Path) -> io::Result<FileDigests> {
    let mut file = File::open(path)?;
    hash_reader(&mut file)
}

/// [`hash_file`] over any reader. The file is read once; each chunk is hashed with SHA-256 on
/// the calling thread and with BLAKE2b on a helper thread, so the two digests run side by side
/// (the slower of the two sets the pace, not their sum).
pub fn hash_reader(reader: &mut dyn Read) -> io::Result<FileDigests> {
    std::thread::scope(|scope| {
        let (to_blake, chunks) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(HASH_BUFFERS);
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let blake_thread = scope.spawn(move || {
            let mut blake = blake2b_256();
            for (buf, n) in chunks {
                blake.update(&buf[..n]);
                // The reader may have stopped early; a closed return channel is fine.
                let _ = give_back.send(buf);
            }
            hex(blake.finalize().as_bytes())
        });

        let mut sha = Sha256::new();
        let mut size = 0u64;
        let mut allocated = 0;
        let result = loop {
            let mut buf = if allocated < HASH_BUFFERS {
                allocated += 1;
                vec![0u8; CHUNK_SIZE]
            } else {
                match returned.recv() {
                    Ok(buf) => buf,
                    Err(_) => break Err(io::Error::other("the BLAKE2b hashing thread stopped")),
                }
            };
            let n = match read_full(reader, &mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) => break Err(e),
            };
            sha.update(&buf[..n]);
            size += n as u64;
            if to_blake.send((buf, n)).is_err() {
                break Err(io::Error::other("the BLAKE2b hashing thread stopped"));
            }
        };
        drop(to_blake);
        let blake = blake_thread
            .join()
            .map_err(|_| io::Error::other("the BLAKE2b hashing thread panicked"))?;
        result.map(|()| FileDigests {
            size,
            sha256: hex(&sha.finalize()),
            blake2_256: blake,
        })
    })
}

/// Fill `buf` as far as the reader allows (fewer bytes only at the end of the stream).
pub(super) fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }
}
