//! A fast, fixed (unseeded, version-stable) 64-bit hash for bucketing and duplicate detection
//! inside one call. Not for ids that leave the process (those are BLAKE2b content ids, see
//! [`crate::prefs::content_id`]) and not collision-resistant: callers confirm equality or fall
//! back to an exact path when hashes collide.

const K: u64 = 0x517c_c1b7_2722_0a95;

/// Word-at-a-time multiply-rotate hash with a splitmix64 finish (so the top bits are usable for
/// sharding).
#[derive(Clone, Copy, Debug)]
pub struct Hash64(u64);

impl Hash64 {
    pub fn new(seed: u64) -> Self {
        Hash64(seed)
    }

    #[inline]
    pub fn word(self, w: u64) -> Self {
        Hash64((self.0.rotate_left(5) ^ w).wrapping_mul(K))
    }

    /// Bytes, 8 at a time (little-endian), then the tail and the length (so "ab" + "c" and
    /// "a" + "bc" differ when several strings are hashed in sequence).
    #[inline]
    pub fn bytes(mut self, b: &[u8]) -> Self {
        let mut it = b.chunks_exact(8);
        for c in &mut it {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self = self.word(u64::from_le_bytes(w));
        }
        let mut tail = [0u8; 8];
        tail[..it.remainder().len()].copy_from_slice(it.remainder());
        self.word(u64::from_le_bytes(tail)).word(b.len() as u64)
    }

    #[inline]
    pub fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 30;
        h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 27;
        h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    }
}
