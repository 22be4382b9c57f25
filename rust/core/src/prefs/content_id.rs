//! Stable content ids: BLAKE2b with an 8-byte digest (RFC 7693; no key, salt or
//! personalization) of a text's UTF-8 bytes, written as 16 lower-case hex digits. This is
//! exactly `hashlib.blake2b(text.encode(), digest_size=8).hexdigest()`, so ids computed here and
//! in Python agree. Note that BLAKE2b-64 is not a truncated BLAKE2b-512: the digest length is
//! part of the parameter block.

use rayon::prelude::*;

use crate::error::Result;
use crate::parallel::with_threads;

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

/// Message word schedule of the 12 rounds (rounds 10 and 11 repeat rounds 0 and 1).
const SIGMA: [[usize; 16]; 10] = [
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
];

/// Digest length in bytes.
pub const DIGEST_BYTES: usize = 8;
/// Length of a hex id.
pub const HEX_LEN: usize = 2 * DIGEST_BYTES;
/// Rows per parallel work item (fixed, so nothing depends on the thread count).
const ROW_CHUNK: usize = 4096;

#[inline(always)]
fn mix(v: &mut [u64; 16], a: usize, b: usize, c: usize, d: usize, x: u64, y: u64) {
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
    v[d] = (v[d] ^ v[a]).rotate_right(32);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(24);
    v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
    v[d] = (v[d] ^ v[a]).rotate_right(16);
    v[c] = v[c].wrapping_add(v[d]);
    v[b] = (v[b] ^ v[c]).rotate_right(63);
}

#[inline(always)]
fn round<const R: usize>(v: &mut [u64; 16], m: &[u64; 16]) {
    let s = &SIGMA[R % 10];
    mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

/// The compression function F on one 128-byte block; `t` = bytes hashed so far.
fn compress(h: &mut [u64; 8], block: &[u8; 128], t: u128, last: bool) {
    let mut m = [0u64; 16];
    for (w, chunk) in m.iter_mut().zip(block.chunks_exact(8)) {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        *w = u64::from_le_bytes(b);
    }
    let mut v = [0u64; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t as u64;
    v[13] ^= (t >> 64) as u64;
    if last {
        v[14] = !v[14];
    }
    // Fully unrolled (a const round index) so the schedule is constant and `v` stays in
    // registers.
    round::<0>(&mut v, &m);
    round::<1>(&mut v, &m);
    round::<2>(&mut v, &m);
    round::<3>(&mut v, &m);
    round::<4>(&mut v, &m);
    round::<5>(&mut v, &m);
    round::<6>(&mut v, &m);
    round::<7>(&mut v, &m);
    round::<8>(&mut v, &m);
    round::<9>(&mut v, &m);
    round::<10>(&mut v, &m);
    round::<11>(&mut v, &m);
    for i in 0..8 {
        h[i] ^= v[i] ^ v[i + 8];
    }
}

/// BLAKE2b-64 of `data` (unkeyed).
pub fn blake2b64(data: &[u8]) -> [u8; DIGEST_BYTES] {
    let mut h = IV;
    // parameter block: digest length, key length 0, fanout 1, depth 1
    h[0] ^= 0x0101_0000 ^ DIGEST_BYTES as u64;
    let mut block = [0u8; 128];
    let full = if data.is_empty() {
        0
    } else {
        (data.len() - 1) / 128
    };
    for (i, chunk) in data.chunks_exact(128).take(full).enumerate() {
        block.copy_from_slice(chunk);
        compress(&mut h, &block, ((i + 1) * 128) as u128, false);
    }
    let rest = &data[full * 128..];
    block = [0u8; 128];
    block[..rest.len()].copy_from_slice(rest);
    compress(&mut h, &block, data.len() as u128, true);
    let mut out = [0u8; DIGEST_BYTES];
    out.copy_from_slice(&h[0].to_le_bytes());
    out
}

/// The 16 lower-case hex digits of [`blake2b64`] of `data`.
pub fn content_id_hex(data: &[u8]) -> [u8; HEX_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; HEX_LEN];
    for (i, b) in blake2b64(data).iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
    out
}

/// Hex content ids of `n` texts, `text(i)` giving the bytes of text `i` (`None` for a null,
/// whose id is left as 16 zero bytes): `n * 16` bytes, row-major. A row for which
/// `same_as_previous(i)` holds copies the previous row's id instead of hashing again (long
/// tables repeat each prompt on consecutive rows). Parallel over fixed chunks.
pub fn content_ids_hex<'a, F, S>(
    n: usize,
    text: F,
    same_as_previous: S,
    threads: Option<usize>,
) -> Result<Vec<u8>>
where
    F: Fn(usize) -> Option<&'a [u8]> + Sync + Send,
    S: Fn(usize) -> bool + Sync + Send,
{
    let mut out = vec![0u8; n * HEX_LEN];
    with_threads(threads, || {
        out.par_chunks_mut(ROW_CHUNK * HEX_LEN)
            .enumerate()
            .for_each(|(c, chunk)| {
                let mut prev = [0u8; HEX_LEN];
                for (j, dst) in chunk.chunks_exact_mut(HEX_LEN).enumerate() {
                    let i = c * ROW_CHUNK + j;
                    if j > 0 && same_as_previous(i) {
                        dst.copy_from_slice(&prev);
                    } else if let Some(t) = text(i) {
                        prev = content_id_hex(t);
                        dst.copy_from_slice(&prev);
                    } else {
                        prev = [0u8; HEX_LEN];
                    }
                }
            });
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> String {
        String::from_utf8(content_id_hex(s.as_bytes()).to_vec()).unwrap_or_default()
    }

    #[test]
    fn known_digests() {
        // hashlib.blake2b(x, digest_size=8).hexdigest()
        assert_eq!(hex("hello"), "a7b6eda801e5347d");
        assert_eq!(hex(""), "e4a6a0577479b2b4");
        assert_eq!(hex("abc"), "d8bb14d833d59559");
    }

    #[test]
    fn block_boundaries() {
        // 127, 128, 129 and 256 bytes exercise the last-block handling (values from hashlib)
        let want = [
            (127, "03d6a9be11f3f18a"),
            (128, "f06643fe9c7e18da"),
            (129, "e462535bb0c5a299"),
            (256, "78b03efd0a5ea28b"),
        ];
        for (k, h) in want {
            assert_eq!(hex(&"a".repeat(k)), h, "{k} bytes");
        }
    }
}
