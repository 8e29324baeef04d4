//! The upload digests of a file: size, SHA-256 and BLAKE2b-256 in one streaming read.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::{CHUNK_SIZE, FileDigests};

/// A streaming BLAKE2b hasher with a 32-byte output (`blake2b_simd`: AVX2, SSE4.1 or portable,
/// as it detects at run time).
pub fn blake2b_256() -> blake2b_simd::State {
    blake2b_simd::Params::new().hash_length(32).to_state()
}

pub use crate::text::hex;

/// Buffers in flight between the reading thread and the BLAKE2b thread: memory for hashing is
/// bounded by `HASH_BUFFERS * CHUNK_SIZE` (1 MiB) whatever the file size.
pub(super) const HASH_BUFFERS: usize = 4;

/// Size, SHA-256 and BLAKE2b-256 of bytes fed in order: SHA-256 on the calling thread,
/// BLAKE2b on a helper thread, so the two digests run side by side (the slower of the two
/// sets the pace, not their sum).
pub(super) struct Digester {
    sha: Sha256,
    size: u64,
    to_blake: Option<std::sync::mpsc::SyncSender<(Vec<u8>, usize)>>,
    returned: std::sync::mpsc::Receiver<Vec<u8>>,
    allocated: usize,
    blake_thread: Option<std::thread::JoinHandle<String>>,
}

fn stopped() -> io::Error {
    io::Error::other("the BLAKE2b hashing thread stopped")
}

impl Digester {
    pub(super) fn new() -> Self {
        let (to_blake, chunks) = std::sync::mpsc::sync_channel::<(Vec<u8>, usize)>(HASH_BUFFERS);
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let blake_thread = std::thread::spawn(move || {
            let mut blake = blake2b_256();
            for (buf, n) in chunks {
                blake.update(&buf[..n]);
                // The feeder may have stopped early; a closed return channel is fine.
                let _ = give_back.send(buf);
            }
            hex(blake.finalize().as_bytes())
        });
        Digester {
            sha: Sha256::new(),
            size: 0,
            to_blake: Some(to_blake),
            returned,
            allocated: 0,
            blake_thread: Some(blake_thread),
        }
    }

    /// A buffer of [`CHUNK_SIZE`] bytes to fill and [`Digester::push`].
    pub(super) fn buffer(&mut self) -> io::Result<Vec<u8>> {
        if self.allocated < HASH_BUFFERS {
            self.allocated += 1;
            return Ok(vec![0u8; CHUNK_SIZE]);
        }
        self.returned.recv().map_err(|_| stopped())
    }

    /// Hash the first `n` bytes of `buf` (a buffer from [`Digester::buffer`]).
    pub(super) fn push(&mut self, buf: Vec<u8>, n: usize) -> io::Result<()> {
        let n = n.min(buf.len());
        self.sha.update(&buf[..n]);
        self.size += n as u64;
        match &self.to_blake {
            Some(tx) => tx.send((buf, n)).map_err(|_| stopped()),
            None => Err(stopped()),
        }
    }

    /// Hash a copy of `data`.
    pub(super) fn update(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let mut buf = self.buffer()?;
            let n = data.len().min(buf.len());
            buf[..n].copy_from_slice(&data[..n]);
            self.push(buf, n)?;
            data = &data[n..];
        }
        Ok(())
    }

    /// The digests of everything fed.
    pub(super) fn finish(mut self) -> io::Result<FileDigests> {
        drop(self.to_blake.take());
        let blake = self
            .blake_thread
            .take()
            .ok_or_else(stopped)?
            .join()
            .map_err(|_| io::Error::other("the BLAKE2b hashing thread panicked"))?;
        Ok(FileDigests {
            size: self.size,
            sha256: hex(&self.sha.finalize()),
            blake2_256: blake,
        })
    }
}

/// Size, SHA-256 and BLAKE2b-256 of a file in one streaming pass with fixed [`CHUNK_SIZE`]
/// buffers: memory does not grow with the file. See [`hash_reader`].
pub fn hash_file(path: &Path) -> io::Result<FileDigests> {
    let mut file = File::open(path)?;
    hash_reader(&mut file)
}

/// [`hash_file`] over any reader: read once, SHA-256 and BLAKE2b side by side.
pub fn hash_reader(reader: &mut dyn Read) -> io::Result<FileDigests> {
    let mut digester = Digester::new();
    loop {
        let mut buf = digester.buffer()?;
        let n = read_full(reader, &mut buf)?;
        if n == 0 {
            break;
        }
        digester.push(buf, n)?;
    }
    digester.finish()
}

/// A file reader that hashes (size, SHA-256, BLAKE2b-256) what the archive readers read through
/// it, so that validating a distribution and computing its upload digests read the file once.
/// Bytes count only when they continue the hashed prefix; [`Tee::finish`] reads and hashes
/// whatever the archive reader skipped or left (e.g. a zip's central directory, read first).
pub(super) struct Tee<R> {
    inner: R,
    pos: u64,
    hashed: u64,
    digester: Digester,
    error: Option<io::Error>,
}

impl<R: Read + Seek> Tee<R> {
    pub(super) fn new(inner: R) -> Self {
        Tee {
            inner,
            pos: 0,
            hashed: 0,
            digester: Digester::new(),
            error: None,
        }
    }

    /// Hash the rest of the file from the end of the hashed prefix; the digests of the whole.
    pub(super) fn finish(mut self) -> io::Result<FileDigests> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.inner.seek(SeekFrom::Start(self.hashed))?;
        loop {
            let mut buf = self.digester.buffer()?;
            let n = read_full(&mut self.inner, &mut buf)?;
            if n == 0 {
                break;
            }
            self.digester.push(buf, n)?;
        }
        self.digester.finish()
    }
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.pos;
        let end = start + n as u64;
        self.pos = end;
        if start <= self.hashed && self.hashed < end && self.error.is_none() {
            let from = (self.hashed - start) as usize;
            match self.digester.update(&buf[from..n]) {
                Ok(()) => self.hashed = end,
                Err(e) => self.error = Some(e),
            }
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Tee<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.inner.seek(to)?;
        Ok(self.pos)
    }
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

    /// Reads that jump around (a zip reader's) still give the digests of the whole file.
    #[test]
    fn tee_hashes_the_whole_file_whatever_the_reads() {
        let data: Vec<u8> = (0..3 * CHUNK_SIZE + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let whole = hash_reader(&mut data.as_slice()).unwrap();
        let mut tee = Tee::new(std::io::Cursor::new(data.clone()));
        let mut buf = vec![0u8; 4096];
        // The tail first, then a prefix, a re-read overlapping it, a jump ahead.
        tee.seek(SeekFrom::End(-100)).unwrap();
        tee.read_exact(&mut buf[..100]).unwrap();
        tee.seek(SeekFrom::Start(0)).unwrap();
        tee.read_exact(&mut buf[..1000]).unwrap();
        tee.seek(SeekFrom::Start(500)).unwrap();
        tee.read_exact(&mut buf).unwrap();
        tee.seek(SeekFrom::Start(CHUNK_SIZE as u64)).unwrap();
        tee.read_exact(&mut buf).unwrap();
        assert_eq!(tee.hashed, 4596, "the contiguous prefix only");
        assert_eq!(tee.finish().unwrap(), whole);
        assert_eq!(whole.size, data.len() as u64);
    }
}
