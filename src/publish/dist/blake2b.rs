//! BLAKE2b-256 (RFC 7693, 32-byte digest, no key), the upload's second digest.
//!
//! BLAKE2b is one sequential chain of compressions, so its single-core speed bounds how fast
//! one file can be hashed. On x86-64 CPUs with AVX-512F and AVX-512VL this module compresses
//! with its own kernel, 6–16 % faster than `blake2b_simd` on the development machine
//! (`cargo run --release --example hash_floor` prints both): the rotations are single
//! `vprorq` instructions, the message words of each round are gathered from memory
//! (`vpgatherqq`, load ports) instead of shuffled on the vector ports the round itself needs,
//! and the diagonal step rotates rows a, c and d rather than b, which keeps the permutes off
//! the critical path. Elsewhere it is `blake2b_simd`, which is also the reference the tests
//! compare the kernel with.

/// Which implementation hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// The AVX-512 kernel of this module.
    Avx512,
    /// `blake2b_simd` (AVX2, SSE4.1 or portable, as it detects).
    Library,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            return Kernel::Avx512;
        }
        Kernel::Library
    }
}

/// A streaming BLAKE2b-256 hasher.
pub struct Blake2b256(State);

enum State {
    #[cfg(target_arch = "x86_64")]
    Avx512(Box<avx512::Stream>),
    Library(Box<blake2b_simd::State>),
}

impl Blake2b256 {
    /// A hasher using the fastest kernel this CPU runs.
    pub fn new() -> Self {
        Self::with_kernel(Kernel::detect())
    }

    /// A hasher using `kernel`; [`Kernel::Avx512`] falls back to the library on a CPU without
    /// AVX-512F and AVX-512VL (see [`Blake2b256::kernel`]).
    pub fn with_kernel(kernel: Kernel) -> Self {
        #[cfg(target_arch = "x86_64")]
        if kernel == Kernel::Avx512 && Kernel::detect() == Kernel::Avx512 {
            return Blake2b256(State::Avx512(Box::default()));
        }
        let _ = kernel;
        Blake2b256(State::Library(Box::new(
            blake2b_simd::Params::new().hash_length(32).to_state(),
        )))
    }

    /// The kernel this hasher uses.
    pub fn kernel(&self) -> Kernel {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            State::Avx512(_) => Kernel::Avx512,
            State::Library(_) => Kernel::Library,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            #[cfg(target_arch = "x86_64")]
            State::Avx512(stream) => stream.update(data),
            State::Library(state) => {
                state.update(data);
            }
        }
    }

    pub fn finalize(self) -> [u8; 32] {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            State::Avx512(stream) => stream.finalize(),
            State::Library(state) => {
                let mut out = [0u8; 32];
                out.copy_from_slice(state.finalize().as_bytes());
                out
            }
        }
    }
}

impl Default for Blake2b256 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use core::arch::x86_64::*;

    const BLOCK: usize = 128;

    /// The initialisation vector (the SHA-512 IV).
    const IV: [u64; 8] = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];

    /// The message schedule (RFC 7693 SIGMA; rounds 10 and 11 repeat rounds 0 and 1).
    const SIGMA: [[usize; 16]; 12] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    ];

    /// Per round, the message word indices of the four vectors the round adds: the column
    /// step's first and second words (lane j = column j), then the diagonal step's. In the
    /// diagonal step row b stays put and lane j computes diagonal (j + 3) % 4.
    const GATHER: [[[i64; 4]; 4]; 12] = {
        let mut out = [[[0i64; 4]; 4]; 12];
        let mut r = 0;
        while r < 12 {
            let s = SIGMA[r];
            let mut j = 0;
            while j < 4 {
                let diagonal = (j + 3) % 4;
                out[r][0][j] = s[2 * j] as i64;
                out[r][1][j] = s[2 * j + 1] as i64;
                out[r][2][j] = s[8 + 2 * diagonal] as i64;
                out[r][3][j] = s[9 + 2 * diagonal] as i64;
                j += 1;
            }
            r += 1;
        }
        out
    };

    /// The chaining value and the bytes not yet compressed. BLAKE2 compresses the last block
    /// with a flag, so a full block stays buffered until more input proves it is not the last.
    pub struct Stream {
        h: [u64; 8],
        /// Bytes compressed so far.
        counter: u128,
        buf: [u8; BLOCK],
        len: usize,
    }

    impl Default for Stream {
        fn default() -> Self {
            let mut h = IV;
            // Parameter block: digest length 32, no key, fanout 1, depth 1.
            h[0] ^= 0x0101_0000 ^ 32;
            Stream {
                h,
                counter: 0,
                buf: [0; BLOCK],
                len: 0,
            }
        }
    }

    impl Stream {
        pub fn update(&mut self, mut data: &[u8]) {
            if data.is_empty() {
                return;
            }
            if self.len > 0 {
                let take = (BLOCK - self.len).min(data.len());
                self.buf[self.len..self.len + take].copy_from_slice(&data[..take]);
                self.len += take;
                data = &data[take..];
                if data.is_empty() {
                    return;
                }
                let block = self.buf;
                self.compress(std::slice::from_ref(&block));
                self.len = 0;
            }
            // Whole blocks, keeping the last 1..=128 bytes buffered.
            let keep = match data.len() % BLOCK {
                0 => BLOCK,
                rest => rest,
            };
            let (whole, tail) = data.split_at(data.len() - keep);
            let (blocks, _) = whole.as_chunks::<BLOCK>();
            self.compress(blocks);
            self.buf[..tail.len()].copy_from_slice(tail);
            self.len = tail.len();
        }

        pub fn finalize(mut self) -> [u8; 32] {
            self.counter += self.len as u128;
            self.buf[self.len..].fill(0);
            // SAFETY: a `Stream` exists only where `Kernel::detect` found AVX-512F and
            // AVX-512VL (`Blake2b256::with_kernel`).
            unsafe { compress_final(&mut self.h, &self.buf, self.counter) };
            let mut out = [0u8; 32];
            for (chunk, word) in out.chunks_exact_mut(8).zip(self.h) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            out
        }

        fn compress(&mut self, blocks: &[[u8; BLOCK]]) {
            // SAFETY: as in `finalize`.
            unsafe { compress_blocks(&mut self.h, blocks, &mut self.counter) };
        }
    }

    /// `a + x`, hidden from LLVM so that it cannot reassociate `(a + x) + b` into `(a + b) + x`,
    /// which would put the message add on the critical path (measured: about 10 % slower).
    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn add_first(a: __m256i, x: __m256i) -> __m256i {
        let sum: __m256i;
        // SAFETY: one register-only AVX2 instruction, no memory, no flags.
        unsafe {
            core::arch::asm!(
                "vpaddq {sum}, {a}, {x}",
                sum = lateout(ymm_reg) sum,
                a = in(ymm_reg) a,
                x = in(ymm_reg) x,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        sum
    }

    /// One G half-step on all four columns (or diagonals) at once; `x` and `y` are the message
    /// words. `a + x` goes first so that the message add is off the critical path.
    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn g(
        a: &mut __m256i,
        b: &mut __m256i,
        c: &mut __m256i,
        d: &mut __m256i,
        x: __m256i,
        y: __m256i,
    ) {
        *a = _mm256_add_epi64(add_first(*a, x), *b);
        *d = _mm256_ror_epi64::<32>(_mm256_xor_si256(*d, *a));
        *c = _mm256_add_epi64(*c, *d);
        *b = _mm256_ror_epi64::<24>(_mm256_xor_si256(*b, *c));
        *a = _mm256_add_epi64(add_first(*a, y), *b);
        *d = _mm256_ror_epi64::<16>(_mm256_xor_si256(*d, *a));
        *c = _mm256_add_epi64(*c, *d);
        *b = _mm256_ror_epi64::<63>(_mm256_xor_si256(*b, *c));
    }

    /// Gather four message words of `block` by index.
    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn gather(block: &[u8; BLOCK], index: &[i64; 4]) -> __m256i {
        // SAFETY: every index is below 16, so each 8-byte read is inside the 128-byte block.
        unsafe {
            _mm256_i64gather_epi64::<8>(
                block.as_ptr().cast(),
                _mm256_loadu_si256(index.as_ptr().cast()),
            )
        }
    }

    /// The four rows of the working state, one vector each.
    struct Rows {
        a: __m256i,
        b: __m256i,
        c: __m256i,
        d: __m256i,
    }

    /// Round `R`: the column step, then the diagonal step (rows a, c and d rotated around b,
    /// and back).
    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn round<const R: usize>(v: &mut Rows, block: &[u8; BLOCK]) {
        let words = &GATHER[R];
        let (x, y) = (gather(block, &words[0]), gather(block, &words[1]));
        g(&mut v.a, &mut v.b, &mut v.c, &mut v.d, x, y);
        v.a = _mm256_permute4x64_epi64::<0b10_01_00_11>(v.a);
        v.c = _mm256_permute4x64_epi64::<0b00_11_10_01>(v.c);
        v.d = _mm256_permute4x64_epi64::<0b01_00_11_10>(v.d);
        let (x, y) = (gather(block, &words[2]), gather(block, &words[3]));
        g(&mut v.a, &mut v.b, &mut v.c, &mut v.d, x, y);
        v.a = _mm256_permute4x64_epi64::<0b00_11_10_01>(v.a);
        v.c = _mm256_permute4x64_epi64::<0b10_01_00_11>(v.c);
        v.d = _mm256_permute4x64_epi64::<0b01_00_11_10>(v.d);
    }

    /// Compress one block into the chaining value `(h0, h1)`.
    #[inline]
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn compress_one(
        h: (__m256i, __m256i),
        block: &[u8; BLOCK],
        counter: u128,
        last: bool,
    ) -> (__m256i, __m256i) {
        let (a, b) = h;
        // SAFETY: IV has 8 words; both loads read 4 of them.
        let (c, iv_hi) = unsafe {
            (
                _mm256_loadu_si256(IV.as_ptr().cast()),
                _mm256_loadu_si256(IV.as_ptr().add(4).cast()),
            )
        };
        let d = _mm256_xor_si256(
            iv_hi,
            _mm256_set_epi64x(
                0,
                if last { -1 } else { 0 },
                (counter >> 64) as i64,
                counter as i64,
            ),
        );
        // Twelve rounds, unrolled so that every gather index is a constant.
        let mut v = Rows { a, b, c, d };
        round::<0>(&mut v, block);
        round::<1>(&mut v, block);
        round::<2>(&mut v, block);
        round::<3>(&mut v, block);
        round::<4>(&mut v, block);
        round::<5>(&mut v, block);
        round::<6>(&mut v, block);
        round::<7>(&mut v, block);
        round::<8>(&mut v, block);
        round::<9>(&mut v, block);
        round::<10>(&mut v, block);
        round::<11>(&mut v, block);
        let Rows { a, b, c, d } = v;
        (
            _mm256_xor_si256(h.0, _mm256_xor_si256(a, c)),
            _mm256_xor_si256(h.1, _mm256_xor_si256(b, d)),
        )
    }

    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn load(h: &[u64; 8]) -> (__m256i, __m256i) {
        // SAFETY: h has 8 words; each load reads 4.
        unsafe {
            (
                _mm256_loadu_si256(h.as_ptr().cast()),
                _mm256_loadu_si256(h.as_ptr().add(4).cast()),
            )
        }
    }

    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn store(v: (__m256i, __m256i), h: &mut [u64; 8]) {
        // SAFETY: h has 8 words; each store writes 4.
        unsafe {
            _mm256_storeu_si256(h.as_mut_ptr().cast(), v.0);
            _mm256_storeu_si256(h.as_mut_ptr().add(4).cast(), v.1);
        }
    }

    /// Compress blocks that are not the last; `counter` counts the bytes, these included.
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn compress_blocks(h: &mut [u64; 8], blocks: &[[u8; BLOCK]], counter: &mut u128) {
        let mut v = load(h);
        for block in blocks {
            *counter += BLOCK as u128;
            v = compress_one(v, block, *counter, false);
        }
        store(v, h);
    }

    /// Compress the last (zero-padded) block; `counter` is the message length.
    #[target_feature(enable = "avx2,avx512f,avx512vl")]
    fn compress_final(h: &mut [u64; 8], block: &[u8; BLOCK], counter: u128) {
        let v = compress_one(load(h), block, counter, true);
        store(v, h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(
            blake2b_simd::Params::new()
                .hash_length(32)
                .hash(data)
                .as_bytes(),
        );
        out
    }

    fn hash_in_pieces(kernel: Kernel, data: &[u8], cuts: &[usize]) -> [u8; 32] {
        let mut h = Blake2b256::with_kernel(kernel);
        let mut start = 0;
        for &cut in cuts {
            let cut = cut.clamp(start, data.len());
            h.update(&data[start..cut]);
            start = cut;
        }
        h.update(&data[start..]);
        h.finalize()
    }

    #[test]
    fn the_kernel_is_the_one_this_cpu_supports() {
        let avx512 = cfg!(target_arch = "x86_64") && Kernel::detect() == Kernel::Avx512;
        assert_eq!(
            Blake2b256::with_kernel(Kernel::Avx512).kernel() == Kernel::Avx512,
            avx512
        );
        assert_eq!(
            Blake2b256::with_kernel(Kernel::Library).kernel(),
            Kernel::Library
        );
    }

    #[test]
    fn known_answers() {
        // BLAKE2b-256 of "" and of "abc" (as Python's hashlib.blake2b(digest_size=32) gives).
        let cases: [(&[u8], &str); 2] = [
            (
                b"",
                "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
            ),
            (
                b"abc",
                "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
            ),
        ];
        for kernel in [Kernel::Avx512, Kernel::Library] {
            for (data, want) in cases {
                let got = hash_in_pieces(kernel, data, &[]);
                assert_eq!(super::super::digest::hex(&got), want, "{kernel:?}");
            }
        }
    }

    #[test]
    fn every_length_around_block_edges_matches_the_library() {
        let data: Vec<u8> = (0..1200u32).map(|i| (i * 7 + i / 256) as u8).collect();
        for len in 0..=data.len() {
            let want = reference(&data[..len]);
            for kernel in [Kernel::Avx512, Kernel::Library] {
                assert_eq!(
                    hash_in_pieces(kernel, &data[..len], &[]),
                    want,
                    "{kernel:?}, {len} bytes"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn any_split_of_any_input_matches_the_library(
            data in proptest::collection::vec(any::<u8>(), 0..3000),
            mut cuts in proptest::collection::vec(0usize..3000, 0..8),
        ) {
            cuts.sort_unstable();
            let want = reference(&data);
            prop_assert_eq!(hash_in_pieces(Kernel::Avx512, &data, &cuts), want);
            prop_assert_eq!(hash_in_pieces(Kernel::Library, &data, &cuts), want);
        }
    }
}
