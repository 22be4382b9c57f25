//! Factorization of id columns: every value gets a dense `u32` code, equal values equal codes,
//! codes `0..n_distinct` in the sorted order of the distinct values (or in first-seen order when
//! the caller needs identity only, e.g. grouping). One factorizer for every id column of the
//! library (items, raters, prompts, groups), fed straight from Arrow buffers by the binding.
//!
//! Strings: each value is hashed once per pass. Per code the table keeps a 32-byte key: the
//! length and the bytes themselves when they fit in 28 (for values of up to 12 bytes the key is
//! the Arrow *view* of the value, read without touching the data buffers), else a prefix and the
//! last 16 bytes (stored: the prefix and where the whole value starts in an owned arena); so
//! equal keys are equal values for ids up to 28 bytes. A linear-probing table finds the code:
//! each slot holds the key's first two words (for values over 12 bytes the second is the hash)
//! beside the code, so a value of up to 12 bytes is found with one load and no other (see
//! [`Dict`]); a longer value (hashes, uuids) is compared word by word with its bytes in the
//! arena, found from the slot's index. The usual row (a value the table holds) is decided
//! inline, straight from its view. Views are bounds-checked as they are read (no pass of their
//! own).
//!
//! Few distinct values (the first block has at most [`SMALL`]): the input is cut into fixed
//! blocks; the first block's table is shared read-only by the others, coded in parallel, which
//! keep the values it lacks in small tables of their own, merged in block order. When sorted
//! codes are asked for, the first block's values are sorted before the other blocks start and
//! rows get their final codes as they are read (unless a later block brings new values). Many
//! distinct values: rows are radix-partitioned by the top bits of their hash (each row's key
//! words, row number and, for long values, bytes copied to its partition, a round of blocks at
//! a time so the scratch stays bounded), each partition is coded with its own cache-resident
//! table, and the codes are put back in row order. Codes end up in first-seen (or sorted)
//! order, so every output is the same for any thread count. Sorting touches only the distinct
//! values (by their first 16 bytes as an integer, ties by their bytes).
//!
//! Dictionary-encoded columns (Arrow dictionaries: polars Categorical / Enum) are coded through
//! their dictionary: the used dictionary entries are factorized, the row keys only remapped.

use std::borrow::Cow;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rayon::prelude::*;

use crate::cache::prefetch;
use crate::error::{CoreError, Result};
use crate::input_err;

// Keys and Arrow views are read as little-endian words.
const _: () = assert!(cfg!(target_endian = "little"));

/// One chunk of a text column, borrowed from Arrow buffers.
#[derive(Clone, Debug)]
pub enum Strings<'a> {
    /// `utf8` / `binary`: `offsets[i]..offsets[i + 1]` into `data`.
    Utf8 { offsets: &'a [i32], data: &'a [u8] },
    /// `large_utf8` / `large_binary`.
    LargeUtf8 { offsets: &'a [i64], data: &'a [u8] },
    /// `utf8_view` / `binary_view`: 16-byte views into `buffers`.
    View {
        views: &'a [u128],
        buffers: Vec<&'a [u8]>,
    },
}

impl Strings<'_> {
    pub fn len(&self) -> usize {
        match self {
            Strings::Utf8 { offsets, .. } => offsets.len().saturating_sub(1),
            Strings::LargeUtf8 { offsets, .. } => offsets.len().saturating_sub(1),
            Strings::View { views, .. } => views.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that every offset points inside its buffer, so reading a value cannot fail, and
    /// that no value is 4 GiB or longer (a key's length field is 32 bits, and `u32::MAX`
    /// marks a bad value). In parallel.
    pub fn validate(&self) -> Result<()> {
        let bad = match self {
            Strings::Utf8 { offsets, data } => offsets
                .par_windows(2)
                .any(|w| w[0] < 0 || w[1] < w[0] || w[1] as usize > data.len()),
            Strings::LargeUtf8 { offsets, data } => offsets.par_windows(2).any(|w| {
                w[0] < 0
                    || w[1] < w[0]
                    || w[1] as u64 > data.len() as u64
                    || w[1].wrapping_sub(w[0]) as u64 >= u64::from(u32::MAX)
            }),
            // views are checked as they are read (see `view_bytes`): a pass of its own over
            // 16 bytes a row cost as much as coding them
            Strings::View { .. } => false,
        };
        if bad {
            return input_err!(
                "an id column has offsets outside its data buffer, or an id of 4 GiB or more"
            );
        }
        Ok(())
    }

    /// The bytes of value `i` when it is over [`INLINE`] bytes and readable, else None.
    #[inline(always)]
    fn long_bytes(&self, i: usize) -> Option<&[u8]> {
        let b = match self {
            Strings::Utf8 { offsets, data } => {
                data.get(*offsets.get(i)? as usize..*offsets.get(i + 1)? as usize)?
            }
            Strings::LargeUtf8 { offsets, data } => {
                data.get(*offsets.get(i)? as usize..*offsets.get(i + 1)? as usize)?
            }
            Strings::View { views, buffers } => {
                let v = *views.get(i)?;
                if v as u32 as usize <= INLINE {
                    return None;
                }
                view_bytes(buffers, v)?
            }
        };
        (b.len() > INLINE).then_some(b)
    }

    /// Starts loading where value `i` is told (its view or offset).
    #[inline(always)]
    fn prefetch_entry(&self, i: usize) {
        match self {
            Strings::Utf8 { offsets, .. } => prefetch(offsets, i),
            Strings::LargeUtf8 { offsets, .. } => prefetch(offsets, i),
            Strings::View { views, .. } => prefetch(views, i),
        }
    }

    /// Starts loading value `i`'s bytes (where it is told is best in cache already).
    #[inline(always)]
    fn prefetch_value(&self, i: usize) {
        match self {
            Strings::Utf8 { offsets, data } => {
                if let Some(&o) = offsets.get(i) {
                    prefetch(data, o as usize);
                }
            }
            Strings::LargeUtf8 { offsets, data } => {
                if let Some(&o) = offsets.get(i) {
                    prefetch(data, o as usize);
                }
            }
            Strings::View { views, buffers } => {
                if let Some(&v) = views.get(i) {
                    prefetch_view_bytes(buffers, v);
                }
            }
        }
    }

    /// The key of value `i`, and its bytes (empty when the key holds them all). Inlined into
    /// the row loops so the key stays in registers (the layout branch is always predicted).
    #[inline(always)]
    fn entry(&self, i: usize) -> (Key, &[u8]) {
        let b = match self {
            Strings::Utf8 { offsets, data } => &data[offsets[i] as usize..offsets[i + 1] as usize],
            Strings::LargeUtf8 { offsets, data } => {
                &data[offsets[i] as usize..offsets[i + 1] as usize]
            }
            Strings::View { views, buffers } => {
                let v = views[i];
                let len = v as u32 as usize;
                if len <= 12 {
                    return (view_key(v), &[]);
                }
                match view_bytes(buffers, v) {
                    Some(b) => b,
                    None => return (BAD_KEY, &[]),
                }
            }
        };
        (key_of(b), b)
    }
}

/// The bytes of a view of more than 12 bytes, or None when it points outside its buffers or
/// is 4 GiB long.
#[inline(always)]
fn view_bytes<'a>(buffers: &[&'a [u8]], v: u128) -> Option<&'a [u8]> {
    let len = v as u32;
    let (b, o) = ((v >> 64) as u32 as usize, (v >> 96) as u32 as usize);
    if len == u32::MAX {
        return None;
    }
    buffers.get(b)?.get(o..o + len as usize)
}

/// Starts loading the bytes of a view of more than 12 bytes (nothing for a shorter one or one
/// outside its buffers): long ids sit at scattered places of the data buffers, which the
/// hardware does not see coming.
#[inline(always)]
fn prefetch_view_bytes(buffers: &[&[u8]], v: u128) {
    let len = v as u32 as usize;
    if len > 12 {
        if let Some(b) = buffers.get((v >> 64) as u32 as usize) {
            let o = (v >> 96) as u32 as usize;
            prefetch(b, o);
            prefetch(b, o.saturating_add(len - 1));
        }
    }
}

/// The key given to a value that cannot be read (a view outside its buffers, a value of 4 GiB
/// or more): its length field is `u32::MAX`, which no readable value has; coding goes on and
/// the result is refused once any table holds it ([`check_readable`]).
const BAD_KEY: Key = [u32::MAX as u64, 0, 0, 0];

/// A key no value has (its first word is [`EMPTY`]'s): what no row equals.
const EMPTY_KEY: Key = [u64::MAX, u64::MAX, 0, 0];

const UNREADABLE: &str =
    "an id column has views outside its data buffers, or an id of 4 GiB or more";

fn check_readable(dicts: &[Dict]) -> Result<()> {
    if dicts
        .iter()
        .any(|d| d.keys.iter().any(|k| key_len(k) == u32::MAX as usize))
    {
        return input_err!("{UNREADABLE}");
    }
    Ok(())
}

/// A text column: its chunks, or a dictionary (Categorical / Enum) over a text column.
#[derive(Clone, Debug)]
pub enum TextColumn<'a> {
    Plain(Vec<Strings<'a>>),
    /// Per chunk: the row keys into the chunk's dictionary values.
    Dict(Vec<(Cow<'a, [u32]>, Strings<'a>)>),
}

impl TextColumn<'_> {
    pub fn len(&self) -> usize {
        match self {
            TextColumn::Plain(c) => c.iter().map(Strings::len).sum(),
            TextColumn::Dict(c) => c.iter().map(|(k, _)| k.len()).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where a code's value first occurs: (column, row in that column).
pub type Position = (u32, u64);

/// The result: one code per row of every column, and per code where its value first occurs
/// (a row the caller can gather the value from, in the caller's own type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Factorized {
    pub codes: Vec<Vec<u32>>,
    pub first: Vec<Position>,
}

impl Factorized {
    pub fn n_distinct(&self) -> usize {
        self.first.len()
    }
}

/// Rows per parallel block (fixed: nothing depends on the thread count).
const BLOCK: usize = 1 << 17;
/// Rows of the head of the first block: when its values repeat 8 times on average, the
/// parallel part starts after it; when twice, the rest of the first block is coded with the
/// long values' table (see [`code_learning`]). [`ViewMemo`] knows by then whether views
/// repeat. Uuids with their own bytes, 1e6 rows, the steps before the parallel part (best
/// of 15, two alternated rounds): 50 values 0.8-0.9 -> 0.2 ms, 1,000 values 0.8-1.0 ->
/// 0.4-0.5 ms (with [`laid_end_to_end`]).
const HEAD_BLOCK: usize = 1 << 12;
/// Rows of the first block, coded before the parallel part starts (short, as that part runs on
/// one thread; when its values repeat less than 8 times on average, the next block is coded
/// too before the path is chosen).
const FIRST_BLOCK: usize = 1 << 14;
/// The second block's rows. The first blocks are coded one by one until their values repeat
/// 8 times on average, so a short second block lets columns of a few thousand values (which a
/// first block does not settle) start the parallel blocks after 64 Ki rows, not 144 Ki: 5,000
/// uuids in 1e6 rows, 2 threads, 13.6 -> 11.6 ms. The third block makes the first three
/// `FIRST_BLOCK + BLOCK` rows, as before.
const SECOND_BLOCK: usize = 3 * FIRST_BLOCK;
/// Empty table slot: a first key word no value has (its length field would be 2^32 - 1 bytes,
/// which [`Strings::validate`] refuses).
const EMPTY: [u64; 2] = [u64::MAX, u64::MAX];
/// Longest value a key holds whole.
const INLINE: usize = 28;
/// Most distinct values in the first block for the block path (its tables stay in cache).
const SMALL: usize = 1 << 15;

/// A value's key: word 0 holds the length (low 32 bits) and bytes 0..4, words 1..3 bytes 4..28
/// (zero padded); values longer than [`INLINE`] keep bytes 4..12 and their last 16 bytes.
type Key = [u64; 4];

#[inline(always)]
fn key_len(k: &Key) -> usize {
    k[0] as u32 as usize
}

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    // folded 64x64->128 multiply (as in wyhash / foldhash): one multiply mixes both words
    let p = (a ^ 0x2d35_8dcc_aa6c_78a5) as u128 * (b ^ 0x8bb8_4b93_962e_acc9) as u128;
    (p as u64) ^ ((p >> 64) as u64)
}

/// Little-endian word of `b[i..i + 8]` (the caller keeps `i + 8 <= b.len()`).
#[inline(always)]
fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// The key of `b`, built with whole-word loads (overlapping, then shifted) rather than a byte
/// copy: a copy stored byte-wise and reloaded as words stalls every load.
#[inline(always)]
fn key_of(b: &[u8]) -> Key {
    let len = b.len();
    let head = len as u64;
    if len >= 8 {
        let w0 = head | (word(b, 0) << 32);
        if len <= 12 {
            return [w0, word(b, len - 8) >> (8 * (12 - len)), 0, 0];
        }
        let w1 = word(b, 4);
        if len > INLINE {
            return [w0, w1, word(b, len - 16), word(b, len - 8)];
        }
        // bytes 12..20 and 20..28: whole words where the value covers them, else the top bytes
        // of its last word
        let last = word(b, len - 8);
        let w2 = if len >= 20 {
            word(b, 12)
        } else {
            last >> (8 * (20 - len))
        };
        let w3 = if len >= 28 {
            word(b, 20)
        } else if len > 20 {
            last >> (8 * (28 - len))
        } else {
            0
        };
        return [w0, w1, w2, w3];
    }
    // under 8 bytes: at most two small loads
    let mut lo = 0u64;
    for (k, &x) in b.iter().enumerate() {
        lo |= (x as u64) << (8 * k);
    }
    [head | (lo << 32), lo >> 32, 0, 0]
}

/// The key of a value of at most 12 bytes straight from its Arrow view (the same words as
/// [`key_of`]).
#[inline(always)]
fn view_key(v: u128) -> Key {
    // zero whatever follows the string (the format asks for zero padding; a producer that
    // leaves garbage must not split equal strings): one mask per length, from a table
    let v = v & VIEW_MASK[(v as u32).min(12) as usize];
    [v as u64, (v >> 64) as u64, 0, 0]
}

/// A view of a value of at most 12 bytes as its two key words and its hash (the words and
/// hash of [`view_key`] and [`hash_key`], without the general key), or None for longer values.
#[inline(always)]
fn short_view(v: u128) -> Option<(u64, u64, u64)> {
    let len = v as u32;
    if len > 12 {
        return None;
    }
    let v = v & VIEW_MASK[len as usize];
    let (k0, k1) = (v as u64, (v >> 64) as u64);
    Some((k0, k1, mix(k0, k1)))
}

/// The bytes of a view of a value over [`INLINE`] bytes, or None (shorter, or unreadable).
#[inline(always)]
fn long_view<'a>(buffers: &[&'a [u8]], v: u128) -> Option<&'a [u8]> {
    if (v as u32 as usize) <= INLINE {
        return None;
    }
    view_bytes(buffers, v)
}

/// Per length 0..=12: the bits of a view that hold its length and bytes.
const VIEW_MASK: [u128; 13] = {
    let mut m = [0u128; 13];
    let mut len = 0;
    while len < 12 {
        m[len] = (1u128 << (32 + 8 * len)) - 1;
        len += 1;
    }
    m[12] = u128::MAX;
    m
};

/// Hash of a value: of its key when the key holds it, of all its bytes when longer (a value's
/// length alone decides which, so equal values always hash alike).
#[inline(always)]
fn hash_key(k: &Key, b: &[u8]) -> u64 {
    // one formula up to 28 bytes (short keys have zero words 2 and 3): a branch on the length
    // would mispredict on ids whose lengths straddle 12 bytes
    if key_len(k) <= INLINE {
        // words 2 and 3 folded in by rotation (zero for values of up to 12 bytes)
        mix(k[0] ^ k[2].rotate_left(23), k[1] ^ k[3].rotate_left(41))
    } else {
        hash_long(b)
    }
}

/// Hash of a value over 28 bytes: a folded multiply per 16 bytes, chained (the last 16 bytes
/// overlap the ones before; the length seeds the chain). Two multiplies for a 32-byte hex hash.
#[inline(always)]
fn hash_long(b: &[u8]) -> u64 {
    let n = b.len();
    let mut h = n as u64;
    if n < 16 {
        // only an unreadable value (`BAD_KEY`) gets here without its bytes
        return mix(h, 0);
    }
    let mut i = 0;
    while i + 16 < n {
        h = mix(h ^ word(b, i), word(b, i + 8));
        i += 16;
    }
    mix(h ^ word(b, n - 16), word(b, n - 8))
}

/// Whether two values of the same length over 8 bytes are equal: word by word, the last word
/// overlapping (inlined: a `memcmp` call was a quarter of the time on 32-byte ids).
#[inline(always)]
fn same_long(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        // (no `memcmp`: on an empty value, `group_text`'s long values grouped by hash, its
        // masked load of a dangling pointer took a slow path on this AMD core, 50 ns a row)
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut diff = word(a, n - 8) ^ word(b, n - 8);
    let mut i = 0;
    while i + 8 < n {
        diff |= word(a, i) ^ word(b, i);
        i += 8;
    }
    diff == 0
}

/// A hash's first slot in a table of `mask + 1` slots: from its upper half. A folded multiply
/// is a multiplicative hash whose lowest bits follow few input bits (ids differing in a few
/// digits crowded together there: 2.1 probes a lookup where random hashes take 1.4); bits 32 and
/// up are as good as random. (Partitions take the top 8 bits: shared only by tables of more than
/// 2^24 slots, where it costs probes, not correctness.)
#[inline(always)]
fn slot_of(h: u64, mask: usize) -> usize {
    (h >> 32) as usize & mask
}

/// Distinct values with their codes (first-seen order).
///
/// The table holds, per slot, the value's first two key words (the second is the hash for
/// values longer than 12 bytes) and, beside them, its code: a lookup compares the words in the
/// slot it lands on and reads the code from the same index, with no load that waits on another
/// (a slot holding only a code made every probe wait for the key array). Ids up to 12 bytes,
/// the usual ones, are decided by the slot alone.
struct Dict {
    /// The most a table is filled, in percent of its slots (see [`FILL`]).
    fill: usize,
    slots: Vec<[u64; 2]>,
    codes: Vec<u32>,
    mask: usize,
    keys: Vec<Key>,
    first: Vec<Position>,
    /// The long distinct values (over 28 bytes), back to back; a long value's stored key
    /// holds where it starts there (word 2) and its hash (word 3) in place of its last 16
    /// bytes.
    arena: Vec<u8>,
    /// Per slot, where its long value starts in `arena` (empty until the table holds a long
    /// value): read beside the slot, so comparing a long value waits on one load, not on the
    /// code, then the key, then the bytes.
    long_at: Vec<u64>,
    /// Values added by [`Self::push_unslotted`] and not yet in the slots (code, hash).
    unslotted: Vec<(u32, u64)>,
}

/// The most a table is filled (percent of its slots): a sparse table mostly finds a value at
/// its first probe, so the probe loop's branch is predicted. Past a few thousand values a
/// quarter-full table leaves the core's cache: half full from there. The partitioned path's
/// tables hold every distinct value of a large column: fuller there, for memory.
const FILL: usize = 25;
const FILL_LARGE: usize = 50;
const FILL_PARTS: usize = 70;

/// The words a slot holds for a value: its first key word, then its second key word when the
/// key holds the whole value (up to 12 bytes), else its hash (a 64-bit tag).
#[inline(always)]
fn slot_words(key: &Key, h: u64) -> [u64; 2] {
    [key[0], if key_len(key) <= 12 { key[1] } else { h }]
}

impl Dict {
    fn with_capacity(n: usize) -> Self {
        Self::with_fill(n, FILL)
    }

    fn with_fill(n: usize, fill: usize) -> Self {
        let cap = (n.max(8) * 100).div_ceil(fill).next_power_of_two();
        Dict {
            fill,
            slots: vec![EMPTY; cap],
            codes: vec![0; cap],
            mask: cap - 1,
            // sized for the values expected, so growing them does not copy
            keys: Vec::with_capacity(n),
            first: Vec::with_capacity(n),
            arena: Vec::new(),
            long_at: Vec::new(),
            unslotted: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    fn bytes(&self, code: usize) -> &[u8] {
        let k = &self.keys[code];
        let len = key_len(k);
        if len <= INLINE {
            // SAFETY: a key is 32 plain bytes (little-endian words, see `key_of`).
            let bytes: &[u8; 32] = unsafe { &*std::ptr::from_ref::<Key>(k).cast::<[u8; 32]>() };
            &bytes[4..4 + len]
        } else {
            // a bad value (`BAD_KEY`) has no bytes
            let o = k[2] as usize;
            self.arena.get(o..o.saturating_add(len)).unwrap_or(&[])
        }
    }

    /// The code of a value with key `key`, hash `h` and bytes `b` (the bytes are read only for
    /// values longer than a key holds), or the empty slot where it would go. Inlined, so the
    /// key stays in registers (a key stored word by word and reloaded whole stalls the load).
    #[inline(always)]
    fn find(&self, key: &Key, h: u64, b: &[u8]) -> std::result::Result<u32, usize> {
        self.find_slot(key, h, b).map(|i| self.codes[i])
    }

    /// As [`Self::find`], but the slot holding the value (whose code is `self.codes[slot]`).
    #[inline(always)]
    fn find_slot(&self, key: &Key, h: u64, b: &[u8]) -> std::result::Result<usize, usize> {
        let want = slot_words(key, h);
        let mut i = slot_of(h, self.mask);
        loop {
            let s = self.slots[i];
            if s == want {
                if key_len(key) <= 12 {
                    return Ok(i);
                }
                // longer values: the slot matched length, first 4 bytes and hash; the key
                // decides up to 28 bytes, past that all the bytes
                let same = if key_len(key) <= INLINE {
                    let k = &self.keys[self.codes[i] as usize];
                    k[1] == key[1] && k[2] == key[2] && k[3] == key[3]
                } else {
                    // (an unreadable value, `BAD_KEY`, has no bytes)
                    let o = self.long_at.get(i).map_or(usize::MAX, |&o| o as usize);
                    same_long(
                        self.arena.get(o..o.saturating_add(b.len())).unwrap_or(&[]),
                        b,
                    )
                };
                if same {
                    return Ok(i);
                }
            } else if s[0] == EMPTY[0] {
                return Err(i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The slot of a value of at most 12 bytes given by its two key words and hash (see
    /// [`short_view`]), or the empty slot where it would go: the slot words decide alone.
    #[inline(always)]
    fn find_short(&self, k0: u64, k1: u64, h: u64) -> std::result::Result<usize, usize> {
        let mut i = slot_of(h, self.mask);
        loop {
            let s = self.slots[i];
            if s == [k0, k1] {
                return Ok(i);
            }
            if s[0] == EMPTY[0] {
                return Err(i);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Starts loading the slot (and code, and where a long value's bytes are) that a lookup
    /// of hash `h` reads first.
    #[inline(always)]
    fn prefetch_slot(&self, h: u64) {
        let i = slot_of(h, self.mask);
        prefetch(&self.slots, i);
        prefetch(&self.codes, i);
        prefetch(&self.long_at, i);
    }

    /// Starts loading the bytes of the long value at hash `h`'s first slot, if any (its
    /// `long_at` best loaded already: [`Self::prefetch_slot`]).
    #[inline(always)]
    fn prefetch_bytes(&self, h: u64) {
        let i = slot_of(h, self.mask);
        if let Some(&o) = self.long_at.get(i) {
            let len = self.slots[i][0] as u32 as usize;
            if len > INLINE {
                prefetch(&self.arena, o as usize);
                prefetch(&self.arena, o as usize + len - 1);
            }
        }
    }

    /// The code of a value (see [`Self::find`]), inserting it first seen at `pos`.
    #[inline(always)]
    fn code(&mut self, key: &Key, h: u64, b: &[u8], pos: Position) -> u32 {
        match self.find(key, h, b) {
            Ok(c) => c,
            Err(slot) => self.insert(slot, key, h, b, pos),
        }
    }

    #[cold]
    fn insert(&mut self, slot: usize, key: &Key, h: u64, b: &[u8], pos: Position) -> u32 {
        let c = self.store(key, h, b, pos);
        if key_len(key) > INLINE {
            self.long_at[slot] = self.keys[c as usize][2];
        }
        self.slots[slot] = slot_words(key, h);
        self.codes[slot] = c;
        if self.keys.len() * 100 > self.slots.len() * self.fill_now() {
            self.grow();
        }
        c
    }

    /// Appends a new value's key (a long value's bytes to the arena) and first position; its
    /// code. The slots are the caller's.
    fn store(&mut self, key: &Key, h: u64, b: &[u8], pos: Position) -> u32 {
        let c = self.keys.len();
        let mut stored = *key;
        if key_len(key) > INLINE {
            // (its hash kept: `grow` places it again without reading its bytes)
            stored = [key[0], key[1], self.arena.len() as u64, h];
            if self.long_at.is_empty() {
                self.long_at = vec![0; self.slots.len()];
            }
            self.arena.extend_from_slice(b);
        }
        self.keys.push(stored);
        self.first.push(pos);
        c as u32
    }

    /// Adds a value known to be new (first seen at `pos`; its hash `h`) without placing it in
    /// the slots yet: lookups miss it until [`Self::settle`] places it. Rows that find long
    /// values in [`LongLabels`] (see [`code_learning`]) would wait here on a slot out of the
    /// core's cache for each new one; placed a block at a time, the slots load ahead.
    fn push_unslotted(&mut self, key: &Key, h: u64, b: &[u8], pos: Position) -> u32 {
        let c = self.store(key, h, b, pos);
        self.unslotted.push((c, h));
        if self.keys.len() * 100 > self.slots.len() * self.fill_now() {
            // (every value placed, the unslotted ones too)
            self.grow();
        }
        c
    }

    /// Places the values [`Self::push_unslotted`] added, each slot loading some values ahead.
    fn settle(&mut self) {
        let pending = std::mem::take(&mut self.unslotted);
        for (j, &(c, h)) in pending.iter().enumerate() {
            if let Some(&(_, next)) = pending.get(j + SLOT_AHEAD) {
                self.prefetch_slot(next);
            }
            let k = self.keys[c as usize];
            let mut i = slot_of(h, self.mask);
            while self.slots[i][0] != EMPTY[0] {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = slot_words(&k, h);
            self.codes[i] = c;
            if key_len(&k) > INLINE {
                self.long_at[i] = k[2];
            }
        }
    }

    /// [`Self::fill`], or half full past a few thousand values (see [`FILL`]).
    fn fill_now(&self) -> usize {
        if self.keys.len() > 4096 {
            self.fill.max(FILL_LARGE)
        } else {
            self.fill
        }
    }

    /// Doubles the table. Hashes are computed again rather than kept (8 bytes a value, for
    /// a step that presized tables rarely take).
    fn grow(&mut self) {
        self.unslotted.clear();
        let cap = self.slots.len() * 2;
        let mask = cap - 1;
        let mut slots = vec![EMPTY; cap];
        let mut codes = vec![0; cap];
        let mut long_at = vec![0; if self.long_at.is_empty() { 0 } else { cap }];
        for (c, k) in self.keys.iter().enumerate() {
            let h = if key_len(k) > INLINE {
                k[3]
            } else {
                hash_key(k, self.bytes(c))
            };
            let mut i = slot_of(h, mask);
            while slots[i][0] != EMPTY[0] {
                i = (i + 1) & mask;
            }
            slots[i] = slot_words(k, h);
            codes[i] = c as u32;
            if key_len(k) > INLINE {
                long_at[i] = k[2];
            }
        }
        (self.slots, self.codes, self.mask) = (slots, codes, mask);
        self.long_at = long_at;
    }

    /// Adds every distinct value of `other` (in its order); returns its codes here.
    fn absorb(&mut self, other: &Dict) -> Vec<u32> {
        (0..other.len())
            .map(|c| {
                let (k, b) = (&other.keys[c], other.bytes(c));
                self.code(k, hash_key(k, b), b, other.first[c])
            })
            .collect()
    }
}

/// One unit of work: rows `lo..hi` of one chunk of column `col`.
struct Block<'s, 'a> {
    col: u32,
    /// Row of the chunk's first value within its column.
    base: u64,
    strings: &'s Strings<'a>,
    lo: usize,
    hi: usize,
}

/// Rows ahead whose slot [`code_block`] starts loading.
const SLOT_AHEAD: usize = 16;

/// Codes the rows of `b` into table `d`; with `limit`, gives up as soon as the table holds
/// more than `limit` values (`Err`: the rows of `b` read by then).
///
/// `long`, when there, holds every value of `d` of 13 to [`LONG_SLOT_BYTES`] bytes with its
/// code (see [`long_values`]), and is kept so: rows with their own bytes are coded there (see
/// [`code_learning`]); None from a block not in views on, or when it cannot take a value.
fn code_block(
    d: &mut Dict,
    b: &Block<'_, '_>,
    codes: &mut [u32],
    limit: Option<usize>,
    memo: &mut ViewMemo,
    long: &mut Option<LongLabels>,
) -> std::result::Result<(), usize> {
    let cap = limit.unwrap_or(usize::MAX);
    let Strings::View { views, buffers } = b.strings else {
        *long = None;
        for (out, i) in codes.iter_mut().zip(b.lo..b.hi) {
            let (key, bytes) = b.strings.entry(i);
            let h = hash_key(&key, bytes);
            *out = d.code(&key, h, bytes, (b.col, b.base + i as u64));
            if d.len() > cap {
                return Err(i + 1 - b.lo);
            }
        }
        return Ok(());
    };
    // a value new to `d` of the lengths `long` holds goes there too
    let keep_long = |long: &mut Option<LongLabels>, d: &Dict, known: usize, v: u128, c: u32| {
        if d.len() > known {
            if let (Some(t), Some(bytes)) = (long.as_mut(), long_held(buffers, v)) {
                if !t.insert(bytes, c) {
                    *long = None;
                }
            }
        }
    };
    // a block in runs (a column sorted by id, see `code_blocks_after`): a row of the
    // run's value takes its code without a lookup (1,000 uuids sorted, 16,384 rows:
    // the first block of a rater column)
    let head = &views[b.lo..b.hi.min(b.lo + 65)];
    if head
        .windows(2)
        .filter(|w| same_value(buffers, w[0], w[1]))
        .count()
        >= 16
    {
        let mut run: Option<(u128, u32, &[u8])> = None;
        for ((out, &v), i) in codes.iter_mut().zip(&views[b.lo..b.hi]).zip(b.lo..) {
            *out = match run {
                Some((rv, rc, rb)) if in_run(buffers, v, rv, rb) => rc,
                _ => {
                    let (key, bytes) = b.strings.entry(i);
                    let known = d.len();
                    let c = d.code(
                        &key,
                        hash_key(&key, bytes),
                        bytes,
                        (b.col, b.base + i as u64),
                    );
                    if d.len() > cap {
                        return Err(i + 1 - b.lo);
                    }
                    keep_long(long, d, known, v, c);
                    run = Some((v, c, run_bytes(buffers, v)));
                    c
                }
            };
        }
        return Ok(());
    }
    // the common layout, looped over directly: short values never leave the views
    memo.start(b.strings, b.lo);
    let mut from = b.lo;
    if !memo.on {
        if let Some(t) = long {
            from = code_learning(d, t, b, views, buffers, codes, cap)?;
            if from < b.hi {
                // `long` could not take a value: `d` codes the rest
                *long = None;
            }
        }
    }
    let codes = &mut codes[from - b.lo..];
    let key_at = |i: usize| {
        let v = views[i];
        let (key, bytes) = if v as u32 <= 12 {
            (view_key(v), &[][..])
        } else {
            b.strings.entry(i)
        };
        (key, bytes, hash_key(&key, bytes))
    };
    // Each row's hash is found SLOT_AHEAD rows early, and its slot starts loading then
    // (its value's bytes half way): a first block of many values waits on three
    // dependent loads a row otherwise (slot, where the bytes are, the bytes), each out of
    // the core's cache past a few thousand values (20,000 uuids in 1e6 rows, 1 thread:
    // 22.4 -> 20.2 ms; no change at 1,000 values or for short ids).
    let mut ahead = [0u64; SLOT_AHEAD];
    for i in from..b.hi.min(from + SLOT_AHEAD) {
        let h = key_at(i).2;
        ahead[i % SLOT_AHEAD] = h;
        d.prefetch_slot(h);
    }
    for ((out, &v), i) in codes.iter_mut().zip(&views[from..b.hi]).zip(from..) {
        prefetch(views, i + 64);
        let h = ahead[i % SLOT_AHEAD];
        if i + SLOT_AHEAD < b.hi {
            let next = key_at(i + SLOT_AHEAD).2;
            ahead[i % SLOT_AHEAD] = next;
            d.prefetch_slot(next);
        }
        d.prefetch_bytes(ahead[(i + SLOT_AHEAD / 2) % SLOT_AHEAD]);
        let known = d.len();
        let mut code_row = |v: u128| {
            let (key, bytes) = if v as u32 <= 12 {
                (view_key(v), &[][..])
            } else {
                b.strings.entry(i)
            };
            d.code(&key, h, bytes, (b.col, b.base + i as u64))
        };
        let c = if v as u32 > 12 && memo.on {
            memo.code(v, |_| true, code_row)
        } else {
            code_row(v)
        };
        *out = c;
        if d.len() > cap {
            return Err(i + 1 - b.lo);
        }
        keep_long(long, d, known, v, c);
    }
    Ok(())
}

/// Rows `b.lo..` of a block with their own bytes, coded with `long` (every long value of `d`,
/// see [`code_block`]): a long value it holds is found there (one table, the value's bytes
/// in its slot, loaded [`LONG_AHEAD`] rows early), one it lacks is new: added to `d`
/// unplaced (placed when the block is done, see [`Dict::push_unslotted`]) and to `long`.
/// Other rows go to `d`. Returns the row where `long` could not take a value (`b.hi` when
/// done); `Err` as [`code_block`]'s. 20,000 uuids with their own bytes in 1e6 rows, one
/// thread: the two blocks after the first (131,072 rows, 8,900 new values) 4.9 -> 2.8 ms,
/// the first blocks with the table's 1.2 ms and building it afterwards (1.2-2.3 ms) 7.2 ->
/// 5.0 ms (best of 15, alternated).
fn code_learning(
    d: &mut Dict,
    long: &mut LongLabels,
    b: &Block<'_, '_>,
    views: &[u128],
    buffers: &[&[u8]],
    codes: &mut [u32],
    cap: usize,
) -> std::result::Result<usize, usize> {
    let pos = |i: usize| (b.col, b.base + i as u64);
    let out = (|| {
        for &v in &views[b.lo..b.hi.min(b.lo + LONG_AHEAD)] {
            if let Some(bytes) = long_held(buffers, v) {
                long.prefetch(bytes);
            }
        }
        for ((out, &v), i) in codes.iter_mut().zip(&views[b.lo..b.hi]).zip(b.lo..) {
            if let Some(bytes) = views
                .get(i + LONG_AHEAD)
                .and_then(|&w| long_held(buffers, w))
            {
                long.prefetch(bytes);
            }
            *out = if let Some(bytes) = long_held(buffers, v) {
                // (the one-pick lookup first: which slot holds a value is no branch to predict)
                if let Some(c) = long.get(bytes).or_else(|| long.find(bytes)) {
                    c
                } else {
                    let (key, _) = b.strings.entry(i);
                    let c = d.push_unslotted(&key, hash_key(&key, bytes), bytes, pos(i));
                    if !long.insert(bytes, c) {
                        *out = c;
                        return if d.len() > cap {
                            Err(i + 1 - b.lo)
                        } else {
                            Ok(i + 1)
                        };
                    }
                    c
                }
            } else {
                let (key, bytes) = b.strings.entry(i);
                d.code(&key, hash_key(&key, bytes), bytes, pos(i))
            };
            if d.len() > cap {
                return Err(i + 1 - b.lo);
            }
        }
        Ok(b.hi)
    })();
    d.settle();
    out
}

/// A [`LongLabels`] of the values of `d`, their codes as labels, with room for the long values
/// of `expect` values (in the share of `d`'s); None when fewer than half of `d`'s values are
/// of the lengths it holds, `d` has a value longer than a slot holds, or placing them failed (the shared table then decides every long value, as
/// [`LongLabels::new`] would have it). Read in code order: the keys and bytes stream
/// ([`LongLabels::new`] reads them in slot order, scattered).
fn long_values(d: &Dict, expect: usize) -> Option<LongLabels> {
    let mut t = LongLabels::empty();
    let mut held = 0;
    for c in 0..d.len() {
        match d.bytes(c).len() {
            0..=12 => {}
            13..=LONG_SLOT_BYTES => held += 1,
            _ => return None,
        }
    }
    if held * 2 < d.len() {
        // mostly other lengths: `d`'s own loop, which loads their slots ahead, codes them
        return None;
    }
    if !t.reserve(expect * held / d.len().max(1)) {
        return None;
    }
    for c in 0..d.len() {
        let b = d.bytes(c);
        if (13..=LONG_SLOT_BYTES).contains(&b.len()) && !t.insert(b, c as u32) {
            return None;
        }
    }
    Some(t)
}

/// The number of distinct values `n` rows probably hold when the first `seen` rows held
/// `distinct`: the `d` with `d (1 - exp(-seen / d)) = distinct` (uniform draws from `d`
/// values), found by bisection; sizes the partitioned path's tables up front.
fn estimate_distinct(distinct: usize, seen: usize, n: usize) -> usize {
    let (k, r) = (distinct as f64, seen.max(1) as f64);
    let (mut lo, mut hi) = (k, (n as f64).max(k));
    for _ in 0..40 {
        let d = 0.5 * (lo + hi);
        if d * (1.0 - (-r / d).exp()) < k {
            lo = d;
        } else {
            hi = d;
        }
    }
    (hi as usize).min(n)
}

/// The shared table's values of up to 12 bytes (the usual ids) for the hot loop of
/// [`code_blocks_after`]: per slot the value's two key words, its label held in the length
/// field's spare bits (a length of at most 12 takes 4 of its 32), so a row reads one slot and
/// nothing else.
struct ShortLabels {
    slots: Vec<[u64; 2]>,
    mask: usize,
}

/// The bits of a slot's first word that hold the label in [`ShortLabels`].
const LABEL_BITS: u64 = 0xffff_fff0;

impl ShortLabels {
    /// The short values of `shared` with their `labels` (per slot); None when a label does
    /// not fit in 28 bits.
    fn new(shared: &Dict, labels: &[u32]) -> Option<Self> {
        let short = |s: &[u64; 2]| s[0] != EMPTY[0] && s[0] as u32 <= 12;
        let n = shared.slots.iter().filter(|s| short(s)).count();
        // sparse, up to 32768 slots (512 KB): a lookup's branch on "found at the home slot"
        // mispredicts for each value displaced from it, 11% of them a quarter full, 3% at a
        // sixteenth (1,000 ids: 4.1 -> 3.0 ns a row); a quarter full past that size
        let cap = (n.max(8) * 16)
            .next_power_of_two()
            .min((n * 4).next_power_of_two().max(1 << 15));
        let mut slots = vec![EMPTY; cap];
        let mask = cap - 1;
        for (s, &label) in shared.slots.iter().zip(labels) {
            if !short(s) {
                continue;
            }
            if label >= 1 << 28 {
                return None;
            }
            let mut i = slot_of(mix(s[0], s[1]), mask);
            while slots[i][0] != EMPTY[0] {
                i = (i + 1) & mask;
            }
            slots[i] = [s[0] | (u64::from(label) << 4), s[1]];
        }
        Some(ShortLabels { slots, mask })
    }
}

/// The shared table's values of 13 to [`LONG_SLOT_BYTES`] bytes (uuids, hex digests, names)
/// for the hot loop of [`code_blocks_after`] where rows hold their own bytes (CSV, Python
/// lists: no view repeats, so [`ViewMemo`] is off). A cuckoo table: each value sits at one of
/// its two slots, each slot one cache line with the value's tag, label and bytes; a row reads
/// both, takes the one whose tag matches without a branch and compares its bytes. The shared
/// table's own lookup waited on four dependent loads a row (slot, code, value start, bytes),
/// three chained multiplies, and a probe loop whose exit mispredicts for every value displaced
/// from its first slot: 1,000 uuids, 2 threads, 10-11 -> 4.4-5.0 ns a row (issue 22); with the
/// hash fixed at compile time and the short values' lookup out of line, 3.8. (16-byte slots
/// beside the bytes, for tables past the core's cache, were no faster; hashing a batch of 8
/// rows before their lookups, or prefetching rows' bytes 16 ahead, slower.)
struct LongLabels {
    /// A power of two of them (see [`long_label`]).
    slots: Vec<LongSlot>,
    /// Whether the slots are found by [`spread_hash`] (every byte) rather than [`ends_hash`].
    full: bool,
    /// Values held.
    len: usize,
}

/// Longest value [`LongLabels`] holds (a longer one sends every long value to the shared
/// table's own lookup).
const LONG_SLOT_BYTES: usize = 48;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct LongSlot {
    /// [`long_tag`]; 0 (no value held here is that short) marks an empty slot.
    tag: u64,
    label: u64,
    /// The value, zero padded.
    bytes: [u8; LONG_SLOT_BYTES],
}

const EMPTY_LONG: LongSlot = LongSlot {
    tag: 0,
    label: 0,
    bytes: [0; LONG_SLOT_BYTES],
};

/// Hash of a value of over 12 bytes for [`LongLabels`]: a folded multiply per 16 bytes, the
/// multiplies independent (not chained as in [`hash_long`]: the table compares every byte, so
/// the hash only spreads), every byte covered.
#[inline(always)]
fn spread_hash(b: &[u8]) -> u64 {
    let n = b.len();
    let (a, z) = (word(b, 0), word(b, n - 8));
    if n <= 16 {
        return mix(a ^ n as u64, z);
    }
    let mut h = mix(a ^ n as u64, word(b, 8)) ^ mix(word(b, n - 16), z ^ 0x9e37_79b9_7f4a_7c15);
    let mut i = 16;
    while i + 16 < n {
        h ^= mix(
            word(b, i) ^ (i as u64).wrapping_mul(0xa076_1d64_78bd_642f),
            word(b, i + 8),
        );
        i += 16;
    }
    h
}

/// Hash of a value of over 12 bytes from its first and last 8 bytes and its length, one
/// multiply: enough to place ids that differ there (random ids, hex digests, numbered names);
/// where it is not (a common prefix and suffix), [`LongLabels`] is built on [`spread_hash`].
#[inline(always)]
fn ends_hash(b: &[u8]) -> u64 {
    let n = b.len();
    mix(word(b, 0) ^ n as u64, word(b, n - 8))
}

/// A [`LongLabels`] tag: the length (exact) and the top 32 bits of the hash.
#[inline(always)]
fn long_tag(h: u64, len: usize) -> u64 {
    (h & !0xffff_ffff) | len as u64
}

/// Bytes `i..i + 16` of `s` as a little-endian integer.
#[inline(always)]
fn le16(s: &[u8], i: usize) -> u128 {
    let mut w = [0u8; 16];
    w.copy_from_slice(&s[i..i + 16]);
    u128::from_le_bytes(w)
}

/// Whether `a` (a slot's zero-padded bytes) starts with `b` (13 to [`LONG_SLOT_BYTES`] bytes):
/// overlapping 16-byte words, three at most.
#[inline(always)]
fn slot_holds(a: &[u8; LONG_SLOT_BYTES], b: &[u8]) -> bool {
    let n = b.len();
    if n < 16 {
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    let mut diff = (le16(a, 0) ^ le16(b, 0)) | (le16(a, n - 16) ^ le16(b, n - 16));
    if n > 32 {
        diff |= le16(a, 16) ^ le16(b, 16);
    }
    diff == 0
}

impl LongLabels {
    /// The values over 12 bytes of `shared` with their `labels` (per slot); None when it has
    /// none, one longer than a slot holds, or more than [`SMALL`].
    fn new(shared: &Dict, labels: &[u32]) -> Option<Self> {
        let mut long = vec![];
        for ((s, &c), &label) in shared.slots.iter().zip(&shared.codes).zip(labels) {
            if s[0] == EMPTY[0] {
                continue;
            }
            let b = shared.bytes(c as usize);
            match b.len() {
                0..=12 => {}
                13..=LONG_SLOT_BYTES => long.push((b, label)),
                _ => return None,
            }
        }
        if long.is_empty() || long.len() > SMALL {
            return None;
        }
        let slots: Vec<LongSlot> = long
            .iter()
            .map(|&(b, label)| {
                let mut s = LongSlot {
                    tag: long_tag(0, b.len()),
                    label: u64::from(label),
                    bytes: [0; LONG_SLOT_BYTES],
                };
                s.bytes[..b.len()].copy_from_slice(b);
                s
            })
            .collect();
        Self::place_all(&slots, Self::cap_for(long.len()), false)
    }

    /// Slots for `n` values: at most half full.
    fn cap_for(n: usize) -> usize {
        (n * 2).next_power_of_two().max(16)
    }

    /// `values` (slots whose tags hold the lengths) placed in a table of `cap` slots; a cycle
    /// of evictions (rare for a good hash) tries the next way: every byte hashed, then twice
    /// the slots.
    fn place_all(values: &[LongSlot], cap: usize, full: bool) -> Option<Self> {
        [(full, cap), (true, cap), (true, cap * 2)]
            .into_iter()
            .find_map(|(full, cap)| Self::place(values, cap, full))
    }

    /// An empty table, for [`Self::insert`] (see [`long_values`]).
    fn empty() -> Self {
        LongLabels {
            slots: vec![],
            full: false,
            len: 0,
        }
    }

    /// Room for `n` values without placing them again; false (the table unusable) when
    /// placing them again failed.
    fn reserve(&mut self, n: usize) -> bool {
        let cap = Self::cap_for(n.min(SMALL));
        cap <= self.slots.len() || self.rebuild(None, cap)
    }

    /// The table at the size its values need (after growing four times at a step).
    fn fit(&mut self) -> bool {
        let cap = Self::cap_for(self.len);
        cap >= self.slots.len() || self.rebuild(None, cap)
    }

    /// Adds value `b` (13 to [`LONG_SLOT_BYTES`] bytes, not held yet) with `label`; false
    /// (the table then unusable: it may lack a value) for another length, past [`SMALL`]
    /// values, or when placing the values again failed.
    fn insert(&mut self, b: &[u8], label: u32) -> bool {
        if !(13..=LONG_SLOT_BYTES).contains(&b.len()) || self.len >= SMALL {
            return false;
        }
        let mut cur = LongSlot {
            tag: long_tag(0, b.len()),
            label: u64::from(label),
            bytes: [0; LONG_SLOT_BYTES],
        };
        cur.bytes[..b.len()].copy_from_slice(b);
        let need = Self::cap_for(self.len + 1);
        if need > self.slots.len() {
            // four times at a step: few placings again while the first blocks find values
            return self.rebuild(Some(cur), need.max(self.slots.len() * 4));
        }
        self.len += 1;
        match Self::kick_in(&mut self.slots, cur, self.full) {
            Ok(()) => true,
            // a cycle: the value left out goes in with the others
            Err(left) => {
                self.len -= 1;
                self.rebuild(Some(left), self.slots.len())
            }
        }
    }

    /// Every value held (and `extra`) placed again in a table of at least `cap` slots;
    /// false when that failed (values known distinct place at the last try, with every byte
    /// hashed in twice the slots, unless the hash is very unlucky).
    fn rebuild(&mut self, extra: Option<LongSlot>, cap: usize) -> bool {
        let values: Vec<LongSlot> = self
            .slots
            .iter()
            .filter(|s| s.tag != 0)
            .copied()
            .chain(extra)
            .collect();
        match Self::place_all(&values, cap, self.full) {
            Some(t) => {
                *self = t;
                true
            }
            None => false,
        }
    }

    /// The label of value `b` (13 to [`LONG_SLOT_BYTES`] bytes) when held, looking at both
    /// of its slots (not [`Self::get`]'s one pick, which a tag shared by another value at
    /// the first slot misleads): a miss says the value is not held.
    #[inline(always)]
    fn find(&self, b: &[u8]) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let h = Self::hash(self.full, b);
        let tag = long_tag(h, b.len());
        let (k1, k2) = Self::homes(h, self.slots.len() - 1);
        [k1, k2].into_iter().find_map(|k| {
            let s = &self.slots[k];
            (s.tag == tag && slot_holds(&s.bytes, b)).then_some(s.label as u32)
        })
    }

    #[inline(always)]
    fn hash(full: bool, b: &[u8]) -> u64 {
        if full {
            spread_hash(b)
        } else {
            ends_hash(b)
        }
    }

    /// The two slots of a value of hash `h` (from disjoint bits of the hash, for tables of up
    /// to 2^24 slots).
    #[inline(always)]
    fn homes(h: u64, mask: usize) -> (usize, usize) {
        ((h >> 32) as usize & mask, (h >> 8) as usize & mask)
    }

    /// Every value at one of its two slots in a table of `cap` slots, or None.
    fn place(values: &[LongSlot], cap: usize, full: bool) -> Option<Self> {
        let mut slots = vec![EMPTY_LONG; cap];
        for &v in values {
            Self::kick_in(&mut slots, v, full).ok()?;
        }
        Some(LongLabels {
            slots,
            full,
            len: values.len(),
        })
    }

    /// Puts `cur` (its tag's length set) at one of its slots, moving the value there to its
    /// other one, and so on; after 100 moves, the value left out (`Err`).
    fn kick_in(
        slots: &mut [LongSlot],
        mut cur: LongSlot,
        full: bool,
    ) -> std::result::Result<(), LongSlot> {
        let mask = slots.len() - 1;
        let len = cur.tag as u32 as usize;
        let h = Self::hash(full, &cur.bytes[..len]);
        cur.tag = long_tag(h, len);
        let mut k = Self::homes(h, mask).0;
        let mut kicks = 0;
        while slots[k].tag != 0 {
            // take the slot; the value there moves to its other one
            std::mem::swap(&mut slots[k], &mut cur);
            let len = cur.tag as u32 as usize;
            let (k1, k2) = Self::homes(Self::hash(full, &cur.bytes[..len]), mask);
            k = if k1 == k { k2 } else { k1 };
            kicks += 1;
            if kicks > 100 {
                return Err(cur);
            }
        }
        slots[k] = cur;
        Ok(())
    }

    /// Starts loading the two slots of value `b` (nothing for other lengths).
    #[inline(always)]
    fn prefetch(&self, b: &[u8]) {
        if !(13..=LONG_SLOT_BYTES).contains(&b.len()) || self.slots.is_empty() {
            return;
        }
        let (k1, k2) = Self::homes(Self::hash(self.full, b), self.slots.len() - 1);
        prefetch(&self.slots, k1);
        prefetch(&self.slots, k2);
    }

    /// The labels replaced by `rank[label]`; false (the table left unusable) when a label is
    /// past `rank`.
    fn relabel(&mut self, rank: &[u32]) -> bool {
        for s in self.slots.iter_mut().filter(|s| s.tag != 0) {
            match rank.get(s.label as usize) {
                Some(&r) => s.label = u64::from(r),
                None => return false,
            }
        }
        true
    }

    /// The label of the value `b` (over 12 bytes), or None when the table lacks it.
    #[inline(always)]
    fn get(&self, b: &[u8]) -> Option<u32> {
        if self.full {
            long_label::<true>(&self.slots, b)
        } else {
            long_label::<false>(&self.slots, b)
        }
    }
}

/// [`LongLabels::get`] in `slots` (a power of two of them), the slots found by [`spread_hash`]
/// when `FULL`, else [`ends_hash`]: the hash chosen at compile time, so the row loop holds no
/// flag and the slot indices need no bounds check (`& (len - 1)` keeps them in).
#[inline(always)]
fn long_label<const FULL: bool>(slots: &[LongSlot], b: &[u8]) -> Option<u32> {
    let n = b.len();
    if n > LONG_SLOT_BYTES || slots.is_empty() {
        return None;
    }
    if n < 16 {
        let h = LongLabels::hash(FULL, b);
        let s = long_slot(slots, h, n);
        return (s.tag == long_tag(h, n) && slot_holds(&s.bytes, b)).then_some(s.label as u32);
    }
    // the first and last 16 bytes loaded once, for the hash and the comparison (with
    // `ends_hash` and `slot_holds` each loading its own: 1,000 uuids, 6.8 -> 6.3 ns a row)
    let (head, tail) = (le16(b, 0), le16(b, n - 16));
    let h = if FULL {
        spread_hash(b)
    } else {
        // = ends_hash(b)
        mix(head as u64 ^ n as u64, (tail >> 64) as u64)
    };
    let s = long_slot(slots, h, n);
    let mut diff = (le16(&s.bytes, 0) ^ head) | (le16(&s.bytes, n - 16) ^ tail);
    if n > 32 {
        diff |= le16(&s.bytes, 16) ^ le16(b, 16);
    }
    (s.tag == long_tag(h, n) && diff == 0).then_some(s.label as u32)
}

/// Of the two slots of a value of hash `h` and length `n`, the one whose tag is its (or the
/// second): chosen without a branch, as the value is at either, unpredictably.
#[inline(always)]
fn long_slot(slots: &[LongSlot], h: u64, n: usize) -> &LongSlot {
    let (k1, k2) = LongLabels::homes(h, slots.len() - 1);
    let (s1, s2) = (&slots[k1], &slots[k2]);
    if s1.tag == long_tag(h, n) {
        s1
    } else {
        s2
    }
}

/// The bytes of view `v` when [`LongLabels`] holds values of its length (13 to
/// [`LONG_SLOT_BYTES`]) and the view can be read.
#[inline(always)]
fn long_held<'a>(buffers: &[&'a [u8]], v: u128) -> Option<&'a [u8]> {
    if (13..=LONG_SLOT_BYTES).contains(&(v as u32 as usize)) {
        view_bytes(buffers, v)
    } else {
        None
    }
}

/// The labels of rows whose views are `views` (rows `first_row..`, with their own bytes) from
/// the shared table: [`LongLabels`] and the short values' slots, in a loop of its own; `miss`
/// codes the rows they lack (new values, unreadable views).
fn long_rows(
    long: &LongLabels,
    fast: SharedView<'_>,
    views: &[u128],
    out: &mut [u32],
    first_row: usize,
    miss: &mut impl FnMut(u128, usize) -> u32,
) {
    // past the core's cache the slots of rows a little ahead start loading early
    let ahead = long.slots.len() * std::mem::size_of::<LongSlot>() > LONG_AHEAD_FROM;
    match (long.full, ahead) {
        (true, true) => long_rows_by::<true, true>(&long.slots, fast, views, out, first_row, miss),
        (true, false) => {
            long_rows_by::<true, false>(&long.slots, fast, views, out, first_row, miss);
        }
        (false, true) => {
            long_rows_by::<false, true>(&long.slots, fast, views, out, first_row, miss);
        }
        (false, false) => {
            long_rows_by::<false, false>(&long.slots, fast, views, out, first_row, miss);
        }
    }
}

/// Tables of more bytes than this (past the core's L2 share) have their rows' slots loaded
/// [`LONG_AHEAD`] rows early: 20,000 uuids (a 4 MB table), 1e6 rows, 2 threads, 17.2 ->
/// 15.3 ms. Smaller tables are not helped.
const LONG_AHEAD_FROM: usize = 1 << 19;
const LONG_AHEAD: usize = 16;

/// Starts loading the two slots of view `v`'s value (nothing for other lengths or an
/// unreadable view).
#[inline(always)]
fn prefetch_long_slots<const FULL: bool>(slots: &[LongSlot], buffers: &[&[u8]], v: u128) {
    let n = v as u32 as usize;
    if !(13..=LONG_SLOT_BYTES).contains(&n) {
        return;
    }
    if let Some(b) = view_bytes(buffers, v) {
        let (k1, k2) = LongLabels::homes(LongLabels::hash(FULL, b), slots.len() - 1);
        prefetch(slots, k1);
        prefetch(slots, k2);
    }
}

/// [`long_rows`] with the hash of [`long_label`].
#[inline(never)]
fn long_rows_by<const FULL: bool, const AHEAD: bool>(
    slots: &[LongSlot],
    fast: SharedView<'_>,
    views: &[u128],
    out: &mut [u32],
    first_row: usize,
    miss: &mut impl FnMut(u128, usize) -> u32,
) {
    if AHEAD {
        for &v in views.iter().take(LONG_AHEAD) {
            prefetch_long_slots::<FULL>(slots, fast.buffers, v);
        }
    }
    for (i, (c, &v)) in out.iter_mut().zip(views).enumerate() {
        if AHEAD {
            if let Some(&w) = views.get(i + LONG_AHEAD) {
                prefetch_long_slots::<FULL>(slots, fast.buffers, w);
            }
        }
        let n = v as u32 as usize;
        let hit = if n <= 12 {
            short_label(fast, v)
        } else if n <= LONG_SLOT_BYTES {
            // (no overflow: the offset is 32 bits, the length at most 48)
            let (b, o) = ((v >> 64) as u32 as usize, (v >> 96) as u32 as usize);
            fast.buffers
                .get(b)
                .and_then(|b| b.get(o..o + n))
                .and_then(|b| long_label::<FULL>(slots, b))
        } else {
            None
        };
        *c = match hit {
            Some(c) => c,
            None => rare(miss, v, first_row + i),
        };
    }
}

/// [`SharedView::get_short`] out of line: in [`long_rows_by`] the short values are few, and
/// inlined its registers spilled the long values' words.
#[inline(never)]
fn short_label(fast: SharedView<'_>, v: u128) -> Option<u32> {
    fast.get_short(v)
}

/// `f(v, i)`, out of the hot loop that calls it for the few rows it does not decide.
#[cold]
#[inline(never)]
fn rare(f: &mut impl FnMut(u128, usize) -> u32, v: u128, i: usize) -> u32 {
    f(v, i)
}

/// The shared table of [`code_blocks_after`] as its hot loop reads it: the label of a value
/// found there (nearly every row). Held by value, with the short values' slots copied out,
/// so the loop keeps them in registers (reached through the table and a closure, they were
/// reloaded every row and the row index spilled to the stack: 4.6 -> 4.3 ns a row).
#[derive(Clone, Copy)]
struct SharedView<'a> {
    /// [`ShortLabels`]' slots and mask.
    short: (&'a [[u64; 2]], usize),
    labels: &'a [u32],
    dict: &'a Dict,
    /// The values over 12 bytes, when [`LongLabels`] holds them.
    long: Option<&'a LongLabels>,
    buffers: &'a [&'a [u8]],
}

impl SharedView<'_> {
    /// As [`Self::get`] for a value of up to 12 bytes (None for a longer one): the slot words
    /// decide alone.
    #[inline(always)]
    fn get_short(self, v: u128) -> Option<u32> {
        let (k0, k1, h) = short_view(v)?;
        let (slots, mask) = self.short;
        let mut i = slot_of(h, mask);
        loop {
            let s = *slots.get(i)?;
            // (an empty slot's length field, masked, reads 15: never a short value's)
            if s[0] & !LABEL_BITS == k0 && s[1] == k1 {
                return Some(((s[0] & LABEL_BITS) >> 4) as u32);
            }
            if s[0] == EMPTY[0] {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The label of the value of view `v` when the table holds it, else None (a new value,
    /// or one that cannot be read: [`code_after`] decides those).
    #[inline(always)]
    fn get(self, v: u128) -> Option<u32> {
        if v as u32 <= 12 {
            return self.get_short(v);
        }
        if let Some(long) = self.long {
            // (a value it lacks is new: `code_after` codes it)
            return long.get(view_bytes(self.buffers, v)?);
        }
        // longer: the keys and hashes `code_after` gives them (a long value's key is the
        // view's first word; the tables read no other key word of it)
        let (key, h, bytes) = if let Some(bytes) = long_view(self.buffers, v) {
            ([v as u64, 0, 0, 0], hash_long(bytes), bytes)
        } else {
            let bytes = view_bytes(self.buffers, v)?;
            let key = key_of(bytes);
            (key, hash_key(&key, bytes), bytes)
        };
        let slot = self.dict.find_slot(&key, h, bytes).ok()?;
        self.labels.get(slot).copied()
    }
}

/// Whether views `a` and `b` (of one chunk) hold the same value: the same view, or, for values
/// over 12 bytes, the same length and 4-byte prefix and then the same bytes (each row its own
/// copy of its bytes, as from CSV or a Python list: equal values, different views). A sorted
/// column's runs are found so in either layout; unequal values mostly differ in the prefix.
#[inline(always)]
fn same_value(buffers: &[&[u8]], a: u128, b: u128) -> bool {
    if a == b {
        return true;
    }
    if a as u64 != b as u64 || a as u32 <= 12 {
        return false;
    }
    match (view_bytes(buffers, a), view_bytes(buffers, b)) {
        (Some(x), Some(y)) => same_long(x, y),
        _ => false,
    }
}

/// Whether `a` and `b` (values over 12 bytes) are equal: up to 48 bytes in overlapping 16-byte
/// words, longer ones word by word.
#[inline(always)]
fn same_run(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(16..=48).contains(&n) {
        return same_long(a, b);
    }
    let w16 = |s: &[u8], i: usize| {
        let mut w = [0u8; 16];
        w.copy_from_slice(&s[i..i + 16]);
        u128::from_le_bytes(w)
    };
    let mut diff = (w16(a, 0) ^ w16(b, 0)) | (w16(a, n - 16) ^ w16(b, n - 16));
    if n > 32 {
        diff |= w16(a, 16) ^ w16(b, 16);
    }
    diff == 0
}

/// Whether view `v` holds the value of a run whose first row has view `rv` and, when that
/// value is longer than 12 bytes and readable, bytes `rb` (else empty: compared by view).
#[inline(always)]
fn in_run(buffers: &[&[u8]], v: u128, rv: u128, rb: &[u8]) -> bool {
    v == rv
        || (v as u64 == rv as u64
            && !rb.is_empty()
            && view_bytes(buffers, v).is_some_and(|b| same_run(b, rb)))
}

/// The bytes [`in_run`] compares a run's later rows with: a readable value's over 12 bytes.
#[inline(always)]
fn run_bytes<'a>(buffers: &[&'a [u8]], v: u128) -> &'a [u8] {
    if v as u32 > 12 {
        view_bytes(buffers, v).unwrap_or(&[])
    } else {
        &[]
    }
}

/// Codes of longer views (over 12 bytes) by the whole view: equal views of one chunk point at
/// the same bytes, so they are the same value, and a hit reads no bytes and hashes none.
/// Polars gives equal values equal views where a column comes from a dictionary (Parquet's
/// dictionary pages, a join against a table of ids): a 36-byte uuid then costs a lookup here
/// instead of hashing and comparing 36 bytes (12.6 -> 3.7 ns a row). Where every row has its
/// own bytes (CSV, Python lists) no view repeats: the memo starts off when the first views lie
/// end to end ([`laid_end_to_end`]), and turns itself off after [`HEAD_BLOCK`] rows with
/// (nearly) no hit. Direct-mapped: a view has one slot, a later one takes it over.
struct ViewMemo {
    bits: u32,
    /// Empty until the first longer view (view 0, an empty value, marks an empty slot).
    views: Vec<u128>,
    codes: Vec<u32>,
    /// The chunk whose views it holds: the same view in another chunk points into other
    /// buffers.
    owner: *const u8,
    tries: u32,
    hits: u32,
    on: bool,
}

impl ViewMemo {
    /// A memo of `2^bits` slots (12 to 16 bits: 80 KB to 1.3 MB), allocated when first used.
    fn new(bits: u32) -> Self {
        ViewMemo {
            bits: bits.clamp(12, 16),
            views: vec![],
            codes: vec![],
            owner: std::ptr::null(),
            tries: 0,
            hits: 0,
            on: true,
        }
    }

    /// A memo sized for `n` distinct values: about 16 slots a value (a view then shares
    /// its slot with another in 6% of rows: 1,000 uuids 5.8 ns a row at 4 slots, 3.7 at 16).
    fn for_values(n: usize) -> Self {
        Self::new((n.max(1) * 16).next_power_of_two().trailing_zeros())
    }

    /// Forgets everything when `chunk` is not the chunk it holds views of; off at once when
    /// its views from row `from` on lie end to end (see [`laid_end_to_end`]).
    fn start(&mut self, chunk: &Strings<'_>, from: usize) {
        let owner = std::ptr::from_ref(chunk).cast::<u8>();
        if owner != self.owner {
            self.views.iter_mut().for_each(|v| *v = 0);
            let on = match chunk {
                Strings::View { views, .. } => !laid_end_to_end(views.get(from..).unwrap_or(&[])),
                _ => true,
            };
            (self.owner, self.tries, self.hits, self.on) = (owner, 0, 0, on);
        }
    }

    /// The code of view `v` (over 12 bytes): remembered, or `code(v)`, remembered when `keep`
    /// says so (codes of a block's own table are not: another block reuses the memo).
    #[inline(always)]
    fn code(&mut self, v: u128, keep: impl Fn(u32) -> bool, code: impl FnOnce(u128) -> u32) -> u32 {
        if self.views.is_empty() {
            self.views = vec![0; 1 << self.bits];
            self.codes = vec![0; 1 << self.bits];
        }
        let i = (mix(v as u64, (v >> 64) as u64) >> (64 - self.bits)) as usize;
        self.tries += 1;
        if let (Some(&seen), Some(&c)) = (self.views.get(i), self.codes.get(i)) {
            if seen == v {
                self.hits += 1;
                return c;
            }
        }
        let c = code(v);
        if keep(c) {
            if let (Some(slot), Some(sc)) = (self.views.get_mut(i), self.codes.get_mut(i)) {
                (*slot, *sc) = (v, c);
            }
        }
        // rows with their own bytes never repeat a view; shared ones do even among many values
        // (4,096 rows over 20,000 values repeat about 400 times)
        if self.tries == HEAD_BLOCK as u32 && self.hits < 64 {
            self.on = false;
        }
        c
    }
}

/// Most values (those of the first blocks) for which [`code_blocks_after`] codes repeating views
/// through a [`ViewMemo`] before the long values' table: past that its memo (16 entries of 20
/// bytes a value) outgrows the core's L2 share, and the table, its slots loaded ahead, is
/// faster. 36-byte uuids whose equal values share bytes (polars' dictionary layout, in the
/// dictionary's own order), 1e6 rows, 2 threads, whole `agreement` call: 20,000 item ids
/// 58-72 -> 46-48 ms; 1,000 (`bradley_terry`) and 100 (`tally`) keep the memo (27-35 ms
/// against 31-40 ms without it).
const MEMO_MOST: usize = 2048;

/// Whether the views over 12 bytes among the first 64 of `views` (16 at least) lie end to end
/// in one buffer: rows with their own bytes (CSV, Python lists), whose views never repeat.
/// A column whose equal values share bytes (a dictionary's layout) has them so only where
/// its first rows hold distinct values in the dictionary's order. The memo's tries cost
/// such a column's first rows more than coding them (a cold table of 320 KB, a random
/// load and store a row).
fn laid_end_to_end(views: &[u128]) -> bool {
    let mut end: Option<(u32, u64)> = None;
    let mut long = 0;
    for &v in views.iter().take(64) {
        let len = v as u32;
        if len <= 12 {
            continue;
        }
        let (b, o) = ((v >> 64) as u32, u64::from((v >> 96) as u32));
        if end.is_some_and(|e| e != (b, o)) {
            return false;
        }
        end = Some((b, o + u64::from(len)));
        long += 1;
    }
    long >= 16
}

/// The code of row `i` (view `v`) of block `b` in [`code_blocks_after`]: its label in the
/// shared table, or `n0` + its code in the block's own table. Out of line: the rows
/// [`SharedView`] does not decide (new values) are few, and inlined this path's state
/// crowded the hot loop's registers.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn code_after(
    shared: &Dict,
    labels: &[u32],
    n0: u32,
    local: &mut Dict,
    b: &Block<'_, '_>,
    buffers: &[&[u8]],
    v: u128,
    pos: Position,
) -> u32 {
    if let Some((k0, k1, h)) = short_view(v) {
        match shared.find_short(k0, k1, h) {
            Ok(slot) => labels[slot],
            Err(_) => n0 + local.code(&[k0, k1, 0, 0], h, &[], pos),
        }
    } else if let Some(bytes) = long_view(buffers, v) {
        // a long value: the view's first word is its key's (the tables read no other key
        // word of a long value)
        let (key, h) = ([v as u64, 0, 0, 0], hash_long(bytes));
        match shared.find_slot(&key, h, bytes) {
            Ok(slot) => labels[slot],
            Err(_) => n0 + local.code(&key, h, bytes, pos),
        }
    } else {
        let row = (pos.1 - b.base) as usize;
        let (key, bytes) = b.strings.entry(row);
        let h = hash_key(&key, bytes);
        match shared.find_slot(&key, h, bytes) {
            Ok(slot) => labels[slot],
            Err(_) => n0 + local.code(&key, h, bytes, pos),
        }
    }
}

/// Codes of the rows of `blocks` (written to `out`, one slice per block; the first `coded`
/// blocks are already coded in `first`): every block looks its rows up in that table, shared
/// read-only, and
/// keeps the values it lacks in a small table of its own; those are merged in block order, so
/// codes stay in first-seen order. Values repeating across blocks are inserted once.
///
/// With `sorted`, the first blocks' values are sorted first and rows are written with their rank among
/// them; when no later block meets a new value (the usual case when a block holds every id)
/// those are the final sorted codes; else one pass gives every row its rank among all the
/// values. Either way the result says so (`true`): no pass renumbers the rows. Otherwise rows
/// come back in the table's (first-seen) codes.
#[allow(clippy::too_many_arguments)]
fn code_blocks_after(
    first: Dict,
    coded: usize,
    blocks: &[Block<'_, '_>],
    out: &mut [&mut [u32]],
    expect: usize,
    sorted: bool,
    views_repeat: bool,
    long: Option<LongLabels>,
) -> (Dict, bool) {
    let shared = first;
    let n0 = shared.len() as u32;
    // block 0's sort order and ranks, and the rank of each slot's value
    let ranked = sorted.then(|| {
        let order = sorted_order(n0 as usize, |a| shared.bytes(a as usize));
        let rank = invert(&order);
        let labels: Vec<u32> = shared
            .slots
            .iter()
            .zip(&shared.codes)
            .map(|(s, &c)| {
                if s[0] == EMPTY[0] {
                    0
                } else {
                    rank[c as usize]
                }
            })
            .collect();
        (order, rank, labels)
    });
    let labels: &[u32] = ranked.as_ref().map_or(&shared.codes, |r| &r.2);
    // (labels past 28 bits, which a first block's table never reaches, would leave every
    // short row to the slow path: still right)
    let hot = ShortLabels::new(&shared, labels).unwrap_or(ShortLabels {
        slots: vec![EMPTY],
        mask: 0,
    });
    // the first blocks' table of long values when they left one (relabelled when sorted),
    // else one read from the shared table
    let long = long
        .filter(|t| t.len > 0)
        .and_then(|mut t| match &ranked {
            Some((_, rank, _)) => t.relabel(rank).then_some(t),
            None => Some(t),
        })
        .or_else(|| LongLabels::new(&shared, labels));
    let locals: Vec<Dict> = blocks[coded..]
        .par_iter()
        .zip(out[coded..].par_iter_mut())
        .map_init(
            || ViewMemo::for_values(n0 as usize),
            |memo, (b, o)| {
                let mut local = Dict::with_capacity(expect.min(64));
                // every row is looked up in the shared table, and a value it lacks in the block's
                // own table (codes from n0 on, renumbered below): the key goes to each once, as a
                // column sorted by id (the first block holding few of its values) misses the
                // shared table on most rows
                let pos = |i: usize| (b.col, b.base + i as u64);
                if let Strings::View { views, buffers } = b.strings {
                    // straight from the view, short or long (the layout's match stays out of the
                    // loop; the general key only for the rest)
                    let fast = SharedView {
                        short: (&hot.slots, hot.mask),
                        labels,
                        dict: &shared,
                        long: long.as_ref(),
                        buffers,
                    };
                    let mut code_view = |v: u128, i: usize| match fast.get(v) {
                        Some(c) => c,
                        None => code_after(&shared, labels, n0, &mut local, b, buffers, v, pos(i)),
                    };
                    let rows = o.iter_mut().zip(&views[b.lo..b.hi]).zip(b.lo..);
                    // a column sorted by id (rows in runs: a quarter of the block's first 64
                    // neighbours equal) reuses the previous row's code when it holds the same
                    // value (`same_value`: the same view, or a long value's same bytes: rows
                    // with their own bytes never repeat a view, and 36-byte uuids sorted by
                    // rater went one by one through the block's own table, 2x the integer
                    // time); elsewhere that check cost 20% a row
                    let head = &views[b.lo..b.hi.min(b.lo + 65)];
                    if head.iter().all(|&v| v as u32 <= 12)
                        && head.windows(2).filter(|w| w[0] == w[1]).count() < 16
                    {
                        // short ids: a loop that reads only the short path inline (with the
                        // longer ones' too, its state spilled: 4.3 -> 5.0 ns a row); a longer id
                        // among them goes out of line
                        for ((c, &v), i) in rows {
                            // one hint a cache line (4 views)
                            if i % 4 == 0 {
                                prefetch(views, i + 64);
                            }
                            *c = match fast.get_short(v) {
                                Some(c) => c,
                                None => code_after(
                                    &shared,
                                    labels,
                                    n0,
                                    &mut local,
                                    b,
                                    buffers,
                                    v,
                                    pos(i),
                                ),
                            };
                        }
                    } else if head
                        .windows(2)
                        .filter(|w| same_value(buffers, w[0], w[1]))
                        .count()
                        >= 16
                    {
                        // each row against its run's first row (view, code and, for a long
                        // value, bytes, looked up once): no previous row's bytes read again,
                        // 16-byte compares, and no software prefetch (the views stream in
                        // order; the hint per row stalled): 1e6 uuids sorted by 1,000 values,
                        // 7.5 -> 5.6 ms on one thread, 4.4 -> 3.4 ms on two
                        let mut run: Option<(u128, u32, &[u8])> = None;
                        for ((c, &v), i) in rows {
                            *c = match run {
                                Some((rv, rc, rb)) if in_run(buffers, v, rv, rb) => rc,
                                _ => {
                                    let c = code_view(v, i);
                                    run = Some((v, c, run_bytes(buffers, v)));
                                    c
                                }
                            };
                        }
                    } else {
                        // rows with their own bytes (the first blocks' views did not
                        // repeat): straight to the long values' table; else the memo, until
                        // it finds that views do not repeat
                        let mut done = b.lo;
                        if (views_repeat && n0 as usize <= MEMO_MOST) || long.is_none() {
                            memo.start(b.strings, b.lo);
                            done = b.hi;
                            for ((c, &v), i) in rows {
                                if !memo.on && long.is_some() {
                                    done = i;
                                    break;
                                }
                                // the views a little ahead: read beside the table's random
                                // loads, their stream stalled (`crate::cache::prefetch`)
                                prefetch(views, i + 64);
                                *c = if v as u32 > 12 && memo.on {
                                    memo.code(v, |c| c < n0, |v| code_view(v, i))
                                } else {
                                    code_view(v, i)
                                };
                            }
                        }
                        if let (Some(long), true) = (&long, done < b.hi) {
                            let o = &mut o[done - b.lo..];
                            long_rows(long, fast, &views[done..b.hi], o, done, &mut code_view);
                        }
                    }
                } else {
                    for (c, i) in o.iter_mut().zip(b.lo..b.hi) {
                        let (key, bytes) = b.strings.entry(i);
                        let h = hash_key(&key, bytes);
                        *c = match shared.find_slot(&key, h, bytes) {
                            Ok(slot) => labels[slot],
                            Err(_) => n0 + local.code(&key, h, bytes, pos(i)),
                        };
                    }
                }
                local
            },
        )
        .collect();
    let new_values = locals.iter().any(|d| d.len() > 0);
    if let (Some((_, rank, _)), false) = (&ranked, new_values) {
        // every value was in block 0: its rows get their rank, and all codes are final
        out[..coded]
            .par_iter_mut()
            .for_each(|o| o.iter_mut().for_each(|c| *c = rank[*c as usize]));
        return (shared, true);
    }
    let mut global = shared;
    let luts: Vec<Vec<u32>> = locals.iter().map(|d| global.absorb(d)).collect();
    if let Some((order, _, _)) = &ranked {
        // sorted: every row straight to its final rank in one pass, the maps composed per
        // block (block 0's ranks -> table codes -> sorted ranks; the blocks' own values
        // through their lookup tables), not a pass back to table codes and another to ranks
        let rank = invert(&sorted_order(global.len(), |a| global.bytes(a as usize)));
        out[..coded]
            .par_iter_mut()
            .for_each(|o| o.iter_mut().for_each(|c| *c = rank[*c as usize]));
        out[coded..]
            .par_iter_mut()
            .zip(luts.par_iter())
            .for_each(|(o, lut)| {
                let map: Vec<u32> = order.iter().chain(lut).map(|&t| rank[t as usize]).collect();
                for c in o.iter_mut() {
                    *c = map[*c as usize];
                }
            });
        return (global, true);
    }
    // back to the table's codes: the blocks' own values through their lookup tables
    out[coded..]
        .par_iter_mut()
        .zip(luts.par_iter())
        .filter(|(_, lut)| !lut.is_empty())
        .for_each(|(o, lut)| {
            for c in o.iter_mut() {
                if *c >= n0 {
                    *c = lut[(*c - n0) as usize];
                }
            }
        });
    (global, false)
}

/// Hash bits that pick a partition of the partitioned path (a fixed count, so nothing depends
/// on the thread count).
const PART_BITS: u32 = 7;
const PARTS: usize = 1 << PART_BITS;

/// The rows of one block that fall in one partition: their keys and row numbers (replaced by
/// their codes in the partition's table once coded).
struct PartRows {
    /// Per row the first two words of its key, or for a long value (over [`INLINE`] bytes)
    /// its first key word and its hash: 16 bytes a row, what decides an id of up to 12 bytes.
    heads: Vec<[u64; 2]>,
    rows: Vec<u32>,
    /// Key words 2 and 3 of the values of 13 to 28 bytes, in row order.
    tails: Vec<[u64; 2]>,
    /// The long values' bytes, back to back in row order: copied in, as coding them from the
    /// column read its data buffer at scattered places (a 36-byte uuid cost 80 ns a row).
    bytes: Vec<u8>,
}

/// What the partitioned paths keep of a row: its first two key words (the whole value up to
/// 12 bytes), plus key words 2 and 3 for 13 to 28 bytes, or for a longer value its first key
/// word, its hash and its bytes.
enum RowKey<'a> {
    Short([u64; 2]),
    Mid([u64; 2], [u64; 2]),
    Long([u64; 2], &'a [u8]),
}

/// Row `i` of `b`'s chunk as kept by the partitioned paths, and its hash; for a long value
/// (over [`INLINE`] bytes) `long_hash` gives the hash when it is already known (hashing all
/// its bytes costs the most).
#[inline(always)]
fn row_key<'s>(
    strings: &'s Strings<'_>,
    views: Option<&[u128]>,
    i: usize,
    long_hash: impl FnOnce() -> Option<u64>,
) -> (RowKey<'s>, u64) {
    if let Some(views) = views {
        prefetch(views, i + 64);
        // the usual id, up to 12 bytes, straight from its view
        if let Some((k0, k1, h)) = short_view(views[i]) {
            return (RowKey::Short([k0, k1]), h);
        }
        // a longer one: the bytes of a row a few ahead start loading (its view is in cache)
        if let (Strings::View { buffers, .. }, Some(&v)) = (strings, views.get(i + 16)) {
            prefetch_view_bytes(buffers, v);
        }
    }
    let (key, bytes) = strings.entry(i);
    let len = key_len(&key);
    let h = if len > INLINE {
        long_hash().unwrap_or_else(|| hash_key(&key, bytes))
    } else {
        hash_key(&key, bytes)
    };
    let k = if len <= 12 {
        RowKey::Short([key[0], key[1]])
    } else if len <= INLINE {
        RowKey::Mid([key[0], key[1]], [key[2], key[3]])
    } else {
        // (an unreadable value has no bytes)
        RowKey::Long([key[0], h], bytes)
    };
    (k, h)
}

/// `dst.copy_from_slice(src)`, inlined for values of 16 to 64 bytes as 16-byte words (the
/// last one overlapping): a `memmove` call a row was 9% of grouping 36-byte ids.
#[inline(always)]
fn copy_value(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if !(16..=64).contains(&n) || dst.len() != n {
        dst.copy_from_slice(src);
        return;
    }
    let mut i = 0;
    while i + 16 < n {
        dst[i..i + 16].copy_from_slice(&src[i..i + 16]);
        i += 16;
    }
    dst[n - 16..].copy_from_slice(&src[n - 16..]);
}

/// The views of a chunk in the view layout (read without the layout branch).
fn views_of<'a>(s: &Strings<'a>) -> Option<&'a [u128]> {
    match s {
        Strings::View { views, .. } => Some(views),
        _ => None,
    }
}

/// Appends each row of `b` to the list of its partition (the top hash bits) in `lists`, with
/// its key words and its row number (from `b.lo`); `mark(k, p)` is told that row `b.lo + k`
/// went to partition `p`.
#[inline(always)]
fn spread_rows(b: &Block<'_, '_>, lists: &mut [PartRows], mut mark: impl FnMut(usize, u8)) {
    let views = views_of(b.strings);
    for (k, i) in (b.lo..b.hi).enumerate() {
        let (key, h) = row_key(b.strings, views, i, || None);
        let p = (h >> (64 - PART_BITS)) as usize;
        mark(k, p as u8);
        let l = &mut lists[p];
        match key {
            RowKey::Short(w) => l.heads.push(w),
            RowKey::Mid(w, t) => {
                l.heads.push(w);
                l.tails.push(t);
            }
            RowKey::Long(w, bytes) => {
                l.heads.push(w);
                l.bytes.extend_from_slice(bytes);
            }
        }
        l.rows.push(k as u32);
    }
}

/// The hash of a row kept as a [`RowKey`] from its first two words, for a prefetch: exact
/// for values up to 12 bytes (`mix` of the words) and over [`INLINE`] (the second word is the
/// hash); between, a value whose words 2 and 3 are not at hand gets a hash that is not its own
/// (only a wasted prefetch).
#[inline(always)]
fn head_hash(k0: u64, k1: u64) -> u64 {
    if k0 as u32 as usize > INLINE {
        k1
    } else {
        mix(k0, k1)
    }
}

/// Codes rows kept as [`RowKey`]s (their words in `heads`, the tails and long bytes of the
/// rows that have them in order in `tails` and `bytes`) in table `d`, in order:
/// `put(head, row, code)` gets each row's slots in `heads` (no longer needed) and `rows`, and
/// its code; `pos(row)` is where a value first seen at that row occurs. With `ahead` the
/// slots of rows a little ahead start loading early.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn code_rows(
    d: &mut Dict,
    heads: &mut [[u64; 2]],
    rows: &mut [u32],
    tails: &[[u64; 2]],
    bytes: &[u8],
    in_place: Option<&InPlace<'_, '_>>,
    ahead: bool,
    pos: impl Fn(u32) -> Position,
    mut put: impl FnMut(&mut [u64; 2], &mut u32, u32),
) {
    // where the next tail and the next long value's bytes are
    let (mut tail, mut at) = (0, 0);
    for k in 0..heads.len().min(rows.len()) {
        if let Some(col) = in_place {
            // read in place: the view of a row further ahead and the bytes of a long value
            // nearer start loading
            if let Some(&r) = rows.get(k + 16) {
                col.prefetch_view(r);
            }
            if let (Some(h), Some(&r)) = (heads.get(k + 8), rows.get(k + 8)) {
                if h[0] as u32 as usize > INLINE {
                    col.prefetch_bytes(r);
                }
            }
        }
        if ahead {
            // `code_partitioned`: the slot of a row a little ahead starts loading, and the
            // bytes of a nearer one's value (a partition's table is out of the cache at each
            // round's start: 60,000 uuids waited on the slot and the bytes, each a miss, for
            // most of a row's time). Not in `group_text`, where it was slower.
            if let Some(&[a0, a1]) = heads.get(k + SLOT_AHEAD) {
                d.prefetch_slot(head_hash(a0, a1));
            }
            if let Some(&[a0, a1]) = heads.get(k + SLOT_AHEAD / 2) {
                d.prefetch_bytes(head_hash(a0, a1));
            }
        }
        let (head, r) = (&mut heads[k], &mut rows[k]);
        let [k0, k1] = *head;
        let len = k0 as u32 as usize;
        let c = if len <= 12 {
            let h = mix(k0, k1);
            match d.find_short(k0, k1, h) {
                Ok(s) => d.codes[s],
                Err(_) => d.code(&[k0, k1, 0, 0], h, &[], pos(*r)),
            }
        } else if len <= INLINE {
            let [k2, k3] = tails.get(tail).copied().unwrap_or_default();
            tail += 1;
            let key = [k0, k1, k2, k3];
            d.code(&key, hash_key(&key, &[]), &[], pos(*r))
        } else {
            // a long value: k1 is its hash (an unreadable one has no bytes); its bytes copied
            // in, or read where the column holds them (`in_place`: by row)
            let bytes = if let Some(col) = in_place {
                col.bytes(*r)
            } else {
                let b = bytes.get(at..at + len).unwrap_or(&[]);
                at += b.len();
                b
            };
            d.code(&[k0, k1, 0, 0], k1, bytes, pos(*r))
        };
        put(head, r, c);
    }
}

/// Codes of the rows of `blocks` when there are many distinct values: per round of blocks,
/// (1) every row's key goes to its partition (the top hash bits), (2) each partition codes its
/// rows, in row order, with its own table (kept across rounds), (3) the codes go back in row
/// order. `out` gets the code within the row's partition, `part` the partition.
fn code_partitioned(
    blocks: &[Block<'_, '_>],
    out: &mut [&mut [u32]],
    part: &mut [&mut [u8]],
    expect_distinct: usize,
) -> Vec<Dict> {
    // quarter blocks: a round's scratch (36 bytes a row, copied to the partitions) is then a
    // pool's worth of quarter blocks, and the memory the threads free afterwards small
    const PIECES: usize = 4;
    let mut pieces: Vec<Block<'_, '_>> = vec![];
    let mut out_p: Vec<&mut [u32]> = vec![];
    let mut part_p: Vec<&mut [u8]> = vec![];
    for ((b, o), p) in blocks.iter().zip(out.iter_mut()).zip(part.iter_mut()) {
        let step = (b.hi - b.lo).div_ceil(PIECES).max(1);
        let (mut o, mut p) = (&mut o[..], &mut p[..]);
        let mut lo = b.lo;
        while lo < b.hi {
            let len = step.min(b.hi - lo);
            let (o0, o1) = std::mem::take(&mut o).split_at_mut(len);
            let (p0, p1) = std::mem::take(&mut p).split_at_mut(len);
            pieces.push(Block {
                lo,
                hi: lo + len,
                ..*b
            });
            out_p.push(o0);
            part_p.push(p0);
            (o, p) = (o1, p1);
            lo += len;
        }
    }
    let (blocks, out, part) = (&pieces[..], &mut out_p[..], &mut part_p[..]);
    let per_part = expect_distinct.div_ceil(PARTS) * 9 / 8 + 16;
    let mut dicts: Vec<Dict> = (0..PARTS)
        .map(|_| Dict::with_fill(per_part, FILL_PARTS))
        .collect();
    // a round per pool's worth of blocks bounds the scratch (36 bytes a row); the result does
    // not depend on it (each partition still sees its rows in row order)
    let per_round = rayon::current_num_threads().max(2);
    // the rounds' lists, reused (fresh ones each round cost page faults and reallocations)
    let mut spare: Vec<Vec<PartRows>> = vec![];
    for ((bs, os), ps) in blocks
        .chunks(per_round)
        .zip(out.chunks_mut(per_round))
        .zip(part.chunks_mut(per_round))
    {
        let mut lists_of: Vec<Vec<PartRows>> = (0..bs.len())
            .map(|_| spare.pop().unwrap_or_default())
            .collect();
        let spread: Vec<Vec<PartRows>> = bs
            .par_iter()
            .zip(ps.par_iter_mut())
            .zip(lists_of.par_iter_mut())
            .map(|((b, pb), lists)| {
                let cap = (b.hi - b.lo) / PARTS * 5 / 4 + 16;
                let mut lists = std::mem::take(lists);
                lists.resize_with(PARTS, || PartRows {
                    heads: Vec::with_capacity(cap),
                    rows: Vec::with_capacity(cap),
                    tails: vec![],
                    bytes: vec![],
                });
                for l in &mut lists {
                    l.heads.clear();
                    l.rows.clear();
                    l.tails.clear();
                    l.bytes.clear();
                }
                spread_rows(b, &mut lists, |k, p| pb[k] = p);
                lists
            })
            .collect();
        let mut by_part: Vec<Vec<PartRows>> =
            (0..PARTS).map(|_| Vec::with_capacity(bs.len())).collect();
        for lists in spread {
            for (p, l) in lists.into_iter().enumerate() {
                by_part[p].push(l);
            }
        }
        dicts
            .par_iter_mut()
            .zip(by_part.par_iter_mut())
            .for_each(|(d, lists)| {
                for (b, l) in bs.iter().zip(lists.iter_mut()) {
                    let PartRows {
                        heads,
                        rows,
                        tails,
                        bytes,
                    } = l;
                    let pos = |r: u32| (b.col, b.base + (b.lo + r as usize) as u64);
                    code_rows(d, heads, rows, tails, bytes, None, true, pos, |_, r, c| {
                        *r = c;
                    });
                }
            });
        let by_part_ref = &by_part;
        os.par_iter_mut()
            .zip(ps.par_iter())
            .enumerate()
            .for_each(|(bi, (o, pb))| {
                // the block's 256 code lists, one flat table away (not three loads deep)
                let src: Vec<&[u32]> = by_part_ref.iter().map(|l| &l[bi].rows[..]).collect();
                let mut at = [0usize; PARTS];
                for (c, &p) in o.iter_mut().zip(pb.iter()) {
                    let p = p as usize;
                    *c = src[p].get(at[p]).copied().unwrap_or(0);
                    at[p] += 1;
                }
            });
        // hand the lists back for the next round
        let mut back: Vec<Vec<PartRows>> =
            (0..bs.len()).map(|_| Vec::with_capacity(PARTS)).collect();
        for lists in &mut by_part {
            for (bi, l) in lists.drain(..).enumerate() {
                back[bi].push(l);
            }
        }
        spare.extend(back);
    }
    dicts
}

/// One block's share of one partition's place in [`group_text`]'s buffers, and how much of
/// each it has written (rows, tails, bytes).
struct Dest<'a> {
    heads: &'a mut [[u64; 2]],
    rows: &'a mut [u32],
    tails: &'a mut [[u64; 2]],
    bytes: &'a mut [u8],
    at: [usize; 3],
}

/// Rows grouped by equal value: group `g` is rows `perm[offsets[g]..offsets[g + 1]]`, in row
/// order, or the rows `offsets[g]..offsets[g + 1]` when `perm` is None (every value is one
/// run of adjacent rows: a column sorted by id). Groups come in an order fixed by the values
/// (not by the thread count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowGroups {
    pub offsets: Vec<usize>,
    pub perm: Option<Vec<u32>>,
}

/// The starts of the runs of equal adjacent values, when no value forms two runs; else None
/// (also when that looks likely: the caller then groups by hashing, which is always right).
///
/// A run's value is noted as one bit of a map of `2^map_bits` bits (512 KB), picked by its hash; the map stays in the
/// core's cache, where a table of 125,000 values did not (12 ns a row, against 4). A value whose
/// bit is already set may repeat an earlier run: only the runs on such bits are compared
/// exactly, in a table, at the end. Shuffled rows give up after some thousands of runs.
fn distinct_runs(
    chunks: &[Strings<'_>],
    total: usize,
    map_bits: u32,
) -> Result<Option<Vec<usize>>> {
    let bit = |h: u64| (h >> (64 - map_bits)) as usize;
    let mut map = vec![0u64; 1 << (map_bits - 6)];
    // per run: its start (in `offsets`) and its value's hash
    let mut offsets = vec![0usize];
    let mut hashes: Vec<u64> = vec![];
    // the bits set a second time (allocated at the first)
    let mut suspects: Vec<u64> = vec![];
    let mut n_suspects = 0usize;
    // (word compares: comparing (key, bytes) tuples called memcmp twice a row, 50 ns)
    let mut prev: (Key, &[u8]) = (EMPTY_KEY, &[]);
    let mut row = 0usize;
    for s in chunks {
        for i in 0..s.len() {
            let (key, bytes) = s.entry(i);
            let same = key[0] == prev.0[0]
                && key[1] == prev.0[1]
                && key[2] == prev.0[2]
                && key[3] == prev.0[3]
                && (bytes.is_empty() || same_long(bytes, prev.1));
            if !same {
                if key == BAD_KEY {
                    return input_err!("{UNREADABLE}");
                }
                if row > 0 {
                    offsets.push(row);
                }
                let h = hash_key(&key, bytes);
                let b = bit(h);
                let word = &mut map[b / 64];
                if *word & (1 << (b % 64)) != 0 {
                    if suspects.is_empty() {
                        suspects = vec![0u64; 1 << (map_bits - 6)];
                    }
                    suspects[b / 64] |= 1 << (b % 64);
                    n_suspects += 1;
                    if n_suspects > 64 + hashes.len() / 16 {
                        return Ok(None);
                    }
                }
                *word |= 1 << (b % 64);
                hashes.push(h);
                prev = (key, bytes);
            }
            row += 1;
        }
    }
    drop(map);
    // the runs on a bit that was set twice: compared exactly
    let mut d = Dict::with_capacity(2 * n_suspects);
    if n_suspects > 0 {
        let starts = chunk_starts(chunks);
        for (&h, &start) in hashes.iter().zip(&offsets) {
            let b = bit(h);
            if suspects[b / 64] & (1 << (b % 64)) == 0 {
                continue;
            }
            let c = chunk_of(&starts, start as u64);
            let (key, bytes) = chunks[c].entry(start - starts[c] as usize);
            let known = d.len();
            if d.code(&key, h, bytes, (0, start as u64)) as usize != known {
                return Ok(None);
            }
        }
    }
    if total > 0 {
        offsets.push(total);
    }
    Ok(Some(offsets))
}

/// The first row of each chunk of a column.
fn chunk_starts(chunks: &[Strings<'_>]) -> Vec<u64> {
    chunks
        .iter()
        .scan(0u64, |at, s| {
            let start = *at;
            *at += s.len() as u64;
            Some(start)
        })
        .collect()
}

/// The chunk holding row `r`, by the chunks' first rows: the last one starting at or before
/// `r` (an empty chunk shares its start with the next).
fn chunk_of(starts: &[u64], r: u64) -> usize {
    starts.partition_point(|&s| s <= r).saturating_sub(1)
}

/// A row of a column in the view layout: its chunk's views and buffers, and its place there.
type ViewRow<'s, 'a> = (&'s [u128], &'s [&'a [u8]], usize);

/// A column in the view layout read by row: its chunks and their first rows (`starts`).
struct InPlace<'c, 'a> {
    chunks: &'c [Strings<'a>],
    starts: &'c [u64],
}

impl<'a> InPlace<'_, 'a> {
    /// The view of row `r` (its chunk's views and the row within them), or None.
    #[inline(always)]
    fn at(&self, r: u32) -> Option<ViewRow<'_, 'a>> {
        let r = u64::from(r);
        let k = chunk_of(self.starts, r);
        match (self.chunks.get(k), self.starts.get(k)) {
            (Some(Strings::View { views, buffers }), Some(&s)) => {
                Some((views, buffers, (r - s) as usize))
            }
            _ => None,
        }
    }

    /// The bytes of row `r`; empty where they cannot be read.
    fn bytes(&self, r: u32) -> &'a [u8] {
        self.at(r)
            .and_then(|(views, buffers, i)| views.get(i).and_then(|&v| view_bytes(buffers, v)))
            .unwrap_or(&[])
    }

    /// Starts loading the view of row `r` (a partition's rows are scattered over the column:
    /// each view is a cache miss, 30% of the time with uuids before).
    #[inline(always)]
    fn prefetch_view(&self, r: u32) {
        if let Some((views, _, i)) = self.at(r) {
            prefetch(views, i);
        }
    }

    /// Starts loading the bytes of row `r`, whose view is in cache.
    #[inline(always)]
    fn prefetch_bytes(&self, r: u32) {
        if let Some((views, buffers, i)) = self.at(r) {
            if let Some(&v) = views.get(i) {
                prefetch_view_bytes(buffers, v);
            }
        }
    }
}

/// Whether a text column holds equal longer values (over [`INLINE`] bytes) at the same view:
/// all its chunks in the view layout and a repeated view among the first 8,192 longer rows
/// (rows with their own bytes never repeat one; a dictionary's rows do, even among many
/// values: 8,192 rows over 125,000 values repeat about 270 times).
fn long_views_repeat(chunks: &[Strings<'_>]) -> bool {
    const BITS: u32 = 14;
    let mut seen = vec![0u128; 1 << BITS];
    let (mut tries, mut hits) = (0, 0);
    for s in chunks {
        let Strings::View { views, .. } = s else {
            return false;
        };
        for &v in views.iter().filter(|&&v| v as u32 as usize > INLINE) {
            let i = (mix(v as u64, (v >> 64) as u64) >> (64 - BITS)) as usize;
            if let Some(slot) = seen.get_mut(i) {
                hits += usize::from(*slot == v);
                *slot = v;
            }
            tries += 1;
            if tries == 8_192 {
                return hits >= 8;
            }
        }
    }
    hits >= 8
}

/// The rows of a text column grouped by value, for callers that need only which rows are
/// equal (grouped Pareto ranks by prompt): every row goes to its hash partition once, then
/// each partition codes its rows with a table of its own, whole (so the table stays in
/// cache, not fetched again each round as [`code_partitioned`] does), and orders them by
/// that code with a counting sort. No codes in row order are made, nor a global numbering:
/// what factorizing and then grouping the codes would cost twice over.
///
/// Values over [`INLINE`] bytes with their own bytes per row (CSV, Python lists) that repeat
/// are grouped by their length, first bytes and 64-bit hash, then every row is checked
/// against its group's first value in row order (a stream, not a scattered read); should any
/// differ, the rows are grouped again by their bytes, copied to the partitions. Copying them
/// first (36 bytes a uuid row, scattered over the partitions) was half of the time with
/// 125,000 uuids; it stays where most values are distinct (the check would then read nearly
/// a scattered value a row).
pub fn group_text(chunks: &[Strings<'_>]) -> Result<RowGroups> {
    match group_text_by(chunks, true)? {
        Some(g) => Ok(g),
        // two values shared their hash (rare by chance; crafted input can force it)
        None => group_text_by(chunks, false)?
            .ok_or_else(|| CoreError::Internal("grouping by bytes gave no groups".into())),
    }
}

/// [`group_text`]; with `by_hash`, long values with their own bytes are grouped by hash and
/// checked after (None when a check fails), else by their bytes.
fn group_text_by(chunks: &[Strings<'_>], by_hash: bool) -> Result<Option<RowGroups>> {
    let total: usize = chunks.iter().map(Strings::len).sum();
    if total >= u32::MAX as usize {
        return input_err!("{total} ids are more than this factorizer supports (2^32 - 1)");
    }
    let mut blocks: Vec<Block<'_, '_>> = vec![];
    let mut base = 0u64;
    for s in chunks {
        s.validate()?;
        let n = s.len();
        for lo in (0..n).step_by(BLOCK) {
            blocks.push(Block {
                col: 0,
                base,
                strings: s,
                lo,
                hi: (lo + BLOCK).min(n),
            });
        }
        base += n as u64;
    }
    if let Some(offsets) = distinct_runs(chunks, total, 22)? {
        return Ok(Some(RowGroups {
            offsets,
            perm: None,
        }));
    }
    // Longer ids whose views repeat (equal values at the same bytes, a dictionary's layout) are
    // coded from where the column holds them, not copied per row first (36 bytes a uuid row:
    // most of this call's memory); rows with their own bytes are copied, as reading them at
    // scattered places cost 80 ns a uuid
    let in_place = long_views_repeat(chunks);
    let starts = chunk_starts(chunks);
    // (1) per block, per partition: how many rows, tails (13 to 28 bytes) and long bytes
    // (and the hashes of the long values, in row order, not computed twice)
    // (and, per block, about how many distinct long values it holds: a bit a hash)
    type Counts = ([[usize; 3]; PARTS], f64);
    let (counts, mut long_hashes): (Vec<Counts>, Vec<Vec<u64>>) = blocks
        .par_iter()
        .map(|b| {
            let views = views_of(b.strings);
            let mut c = [[0usize; 3]; PARTS];
            let mut long = vec![];
            let mut seen = vec![
                0u64;
                if by_hash && !in_place {
                    SEEN_BITS / 64
                } else {
                    0
                }
            ];
            for i in b.lo..b.hi {
                let (key, h) = row_key(b.strings, views, i, || None);
                let e = &mut c[(h >> (64 - PART_BITS)) as usize];
                e[0] += 1;
                match key {
                    RowKey::Short(_) => {}
                    RowKey::Mid(..) => e[1] += 1,
                    RowKey::Long(_, bytes) => {
                        e[2] += bytes.len();
                        long.push(h);
                        let bit = (h >> 20) as usize % SEEN_BITS;
                        if let Some(w) = seen.get_mut(bit / 64) {
                            *w |= 1 << (bit % 64);
                        }
                    }
                }
            }
            ((c, distinct_estimate(&seen)), long)
        })
        .unzip();
    // long values by hash where they repeat within a block: 4 rows a value or more across the
    // column look like 75% or fewer distinct rows in a block of 131,072. With fewer repeats
    // the check reads as many groups' values as rows, scattered (500,000 md5 digests in 1e6
    // rows: 26 -> 36 ms), and copying the rows costs less
    let long_rows: usize = long_hashes.iter().map(Vec::len).sum();
    let distinct: f64 = counts.iter().map(|c| c.1).sum();
    let by_hash = by_hash && distinct <= 0.75 * long_rows as f64;
    let copy_long = !in_place && !by_hash;
    let check_long = !in_place && !copy_long && long_rows > 0;
    let counts: Vec<[[usize; 3]; PARTS]> = counts
        .into_iter()
        .map(|(mut c, _)| {
            if !copy_long {
                for e in &mut c {
                    e[2] = 0;
                }
            }
            c
        })
        .collect();
    // (2) the rows copied to their places: a partition's rows from every block, in block (so
    // row) order, one partition after the other; one buffer each, sized exactly (lists grown
    // row by row left their memory with the allocator, on top of what the caller needs next)
    let sizes = |what: usize| -> Vec<usize> {
        (0..PARTS)
            .flat_map(|p| counts.iter().map(move |c| c[p][what]))
            .collect()
    };
    let (row_sizes, tail_sizes, byte_sizes) = (sizes(0), sizes(1), sizes(2));
    let mut heads = vec![[0u64; 2]; total];
    let mut rows = vec![0u32; total];
    let mut tails = vec![[0u64; 2]; tail_sizes.iter().sum()];
    let mut bytes = vec![0u8; byte_sizes.iter().sum()];
    {
        // each block's share of each partition's place
        let mut dest: Vec<Vec<Dest<'_>>> = (0..blocks.len())
            .map(|_| Vec::with_capacity(PARTS))
            .collect();
        let mut h = split_lengths(&mut heads, row_sizes.iter().copied()).into_iter();
        let mut r = split_lengths(&mut rows, row_sizes.iter().copied()).into_iter();
        let mut t = split_lengths(&mut tails, tail_sizes.iter().copied()).into_iter();
        let mut y = split_lengths(&mut bytes, byte_sizes.iter().copied()).into_iter();
        for _ in 0..PARTS {
            for d in &mut dest {
                if let (Some(heads), Some(rows), Some(tails), Some(bytes)) =
                    (h.next(), r.next(), t.next(), y.next())
                {
                    d.push(Dest {
                        heads,
                        rows,
                        tails,
                        bytes,
                        at: [0; 3],
                    });
                }
            }
        }
        blocks
            .par_iter()
            .zip(dest.par_iter_mut())
            .zip(long_hashes.par_iter_mut())
            .for_each(|((b, dest), long)| {
                let views = views_of(b.strings);
                let mut long = std::mem::take(long).into_iter();
                for i in b.lo..b.hi {
                    let (key, h) = row_key(b.strings, views, i, || long.next());
                    let d = &mut dest[(h >> (64 - PART_BITS)) as usize];
                    let [at, tail, byte] = d.at;
                    match key {
                        RowKey::Short(w) => d.heads[at] = w,
                        RowKey::Mid(w, t) => {
                            d.heads[at] = w;
                            d.tails[tail] = t;
                            d.at[1] += 1;
                        }
                        RowKey::Long(w, v) => {
                            d.heads[at] = w;
                            if copy_long {
                                copy_value(&mut d.bytes[byte..byte + v.len()], v);
                                d.at[2] += v.len();
                            }
                        }
                    }
                    d.rows[at] = (b.base + i as u64) as u32;
                    d.at[0] += 1;
                }
            });
    }
    // (3) per partition, into its share of `perm`: codes in its own table (kept in place of
    // the rows' key words), then its rows ordered by code (stable)
    let per_part = |v: &[usize]| -> Vec<usize> {
        v.chunks(blocks.len().max(1))
            .map(|c| c.iter().sum())
            .collect()
    };
    let part_rows = per_part(&row_sizes);
    let mut perm = vec![0u32; total];
    let parts: Vec<Result<Vec<u32>>> = split_lengths(&mut heads, part_rows.iter().copied())
        .into_par_iter()
        .zip(split_lengths(&mut rows, part_rows.iter().copied()))
        .zip(split_lengths(&mut tails, per_part(&tail_sizes).into_iter()))
        .zip(split_lengths(&mut bytes, per_part(&byte_sizes).into_iter()))
        .zip(split_lengths(&mut perm, part_rows.iter().copied()))
        .map(|((((heads, rows), tails), bytes), out)| {
            let mut d = Dict::with_fill(out.len().min(1 << 12), FILL_PARTS);
            let pos = |r: u32| (0, u64::from(r));
            let col = InPlace {
                chunks,
                starts: &starts,
            };
            let in_place = in_place.then_some(&col);
            code_rows(
                &mut d,
                heads,
                rows,
                tails,
                bytes,
                in_place,
                false,
                pos,
                |head, _, c| {
                    head[0] = u64::from(c);
                },
            );
            check_readable(std::slice::from_ref(&d))?;
            // group sizes, then each group's next place
            let mut next = vec![0u32; d.len() + 1];
            for h in heads.iter() {
                next[h[0] as usize + 1] += 1;
            }
            let sizes: Vec<u32> = next[1..].to_vec();
            for k in 1..next.len() {
                next[k] += next[k - 1];
            }
            for (h, &r) in heads.iter().zip(rows.iter()) {
                let at = &mut next[h[0] as usize];
                out[*at as usize] = r;
                *at += 1;
            }
            Ok(sizes)
        })
        .collect();
    drop((heads, rows, tails, bytes));
    // (3) the partitions' groups one after the other
    let mut offsets = vec![0usize];
    for sizes in parts {
        let mut at = offsets.last().copied().unwrap_or(0);
        for s in sizes? {
            at += s as usize;
            offsets.push(at);
        }
    }
    if check_long && !long_groups_hold(chunks, &blocks, &starts, &offsets, &perm) {
        return Ok(None);
    }
    Ok(Some(RowGroups {
        offsets,
        perm: Some(perm),
    }))
}

/// Bits of the map that [`distinct_estimate`] reads (32 KB a block).
const SEEN_BITS: usize = 1 << 18;

/// About how many distinct hashes set the bits of `seen` (linear counting: with `z` of `m`
/// bits still clear, `m ln(m / z)`); 0 for an empty map.
fn distinct_estimate(seen: &[u64]) -> f64 {
    let m = (seen.len() * 64) as f64;
    let zeros: u32 = seen.iter().map(|w| w.count_zeros()).sum();
    if seen.is_empty() {
        0.0
    } else {
        m * (m / f64::from(zeros.max(1))).ln()
    }
}

/// Whether every row of over [`INLINE`] bytes holds the bytes of the first row of its group
/// (group `g` is `perm[offsets[g]..offsets[g + 1]]`). Read in row order, a stream: the
/// groups' first long values are copied out once, back to back (4.5 MB for 125,000 uuids,
/// where the rows' bytes are 36 MB), each row is told where its group's value is, and each
/// row is compared with it, the value loaded a few rows ahead.
fn long_groups_hold(
    chunks: &[Strings<'_>],
    blocks: &[Block<'_, '_>],
    starts: &[u64],
    offsets: &[usize],
    perm: &[u32],
) -> bool {
    const NONE: u32 = u32::MAX;
    let row = |r: u32| -> Option<(&Strings<'_>, usize)> {
        let r = u64::from(r);
        let k = chunk_of(starts, r);
        Some((chunks.get(k)?, (r - starts.get(k)?) as usize))
    };
    let first_row = |g: usize| {
        offsets
            .get(g)
            .and_then(|&o| perm.get(o))
            .and_then(|&r| row(r))
    };
    // the groups' first long values, in pieces of groups copied in parallel, then joined
    const PIECE: usize = 4096;
    let n_groups = offsets.len().saturating_sub(1);
    let pieces: Vec<(Vec<u8>, Vec<u32>)> = (0..n_groups.div_ceil(PIECE))
        .into_par_iter()
        .map(|p| {
            let (mut bytes, mut at) = (vec![], vec![]);
            for g in p * PIECE..((p + 1) * PIECE).min(n_groups) {
                // first rows are scattered over the column: where one is told, then its
                // bytes, start loading ahead (else each waits on memory, 70 ns)
                if let Some((s, i)) = first_row(g + 16) {
                    s.prefetch_entry(i);
                }
                if let Some((s, i)) = first_row(g + 8) {
                    s.prefetch_value(i);
                }
                match first_row(g).and_then(|(s, i)| s.long_bytes(i)) {
                    Some(b) => {
                        let o = bytes.len();
                        at.push(o as u32);
                        bytes.resize(o + b.len(), 0);
                        copy_value(&mut bytes[o..], b);
                    }
                    None => at.push(NONE),
                }
            }
            (bytes, at)
        })
        .collect();
    let size: usize = pieces.iter().map(|(b, _)| b.len()).sum();
    if size >= NONE as usize {
        return false;
    }
    let mut firsts = Vec::with_capacity(size);
    let mut first_at = Vec::with_capacity(n_groups);
    for (bytes, at) in pieces {
        let base = firsts.len() as u32;
        first_at.extend(at.iter().map(|&a| if a == NONE { NONE } else { base + a }));
        firsts.extend_from_slice(&bytes);
    }
    // each row: where its group's first value is (rows are distinct: each place written once)
    let at: Vec<AtomicU32> = (0..perm.len()).map(|_| AtomicU32::new(NONE)).collect();
    offsets
        .par_windows(2)
        .zip(first_at.par_iter())
        .for_each(|(w, &a)| {
            if a != NONE {
                for &r in perm.get(w[0]..w[1]).unwrap_or(&[]) {
                    if let Some(x) = at.get(r as usize) {
                        x.store(a, Relaxed);
                    }
                }
            }
        });
    blocks.par_iter().all(|b| {
        let base = b.base as usize;
        let at_row = |i: usize| at.get(base + i).map_or(NONE, |x| x.load(Relaxed));
        (b.lo..b.hi).all(|i| {
            // the group's value a few rows ahead (scattered over the copies)
            prefetch(&firsts, at_row(i + 16) as usize);
            let Some(v) = b.strings.long_bytes(i) else {
                return true;
            };
            let o = at_row(i) as usize;
            firsts
                .get(o..o.saturating_add(v.len()))
                .is_some_and(|f| same_long(f, v))
        })
    })
}

/// Splits `buf` into consecutive slices of the given lengths.
fn split_lengths<T>(mut buf: &mut [T], lens: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut out = vec![];
    for n in lens {
        let (head, tail) = buf.split_at_mut(n);
        out.push(head);
        buf = tail;
    }
    out
}

/// How codes are numbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// In the sorted order of the values (byte-wise for text: code-point order for UTF-8, as a
    /// polars or Python sort of the strings; numeric for integers).
    Sorted,
    /// In the order of first appearance (columns in order, rows in order).
    FirstSeen,
    /// Any order that depends on the values alone (not on the thread count): for grouping,
    /// where only equality matters; the cheapest.
    Any,
}

/// Factorizes text columns (plain or dictionary-encoded, possibly mixed) as one set of values,
/// codes numbered in `order`. `expect_distinct` sizes the tables (a guess; they grow as
/// needed).
pub fn factorize_text(
    cols: &[TextColumn<'_>],
    order: Order,
    expect_distinct: usize,
) -> Result<Factorized> {
    let sort = order == Order::Sorted;
    let total: usize = cols.iter().map(TextColumn::len).sum();
    if total >= u32::MAX as usize {
        return input_err!("{total} ids are more than this factorizer supports (2^32 - 1)");
    }
    // Dictionary columns: only the dictionary entries some row uses are coded, in order of
    // the first row that uses them (so the first-seen order is the rows' order, as for text).
    let mut dict_src: Vec<Strings<'_>> = vec![];
    let mut dict_rows: Vec<(u32, u64, u32, usize)> = vec![]; // (col, row, key, dict_src index)
    for (ci, col) in cols.iter().enumerate() {
        let mut base = 0u64;
        match col {
            TextColumn::Plain(chunks) => {
                for s in chunks {
                    s.validate()?;
                }
            }
            TextColumn::Dict(chunks) => {
                for (keys, values) in chunks {
                    values.validate()?;
                    let n_values = values.len();
                    let mut seen = vec![false; n_values];
                    for (r, &k) in keys.iter().enumerate() {
                        let Some(flag) = seen.get_mut(k as usize) else {
                            return input_err!(
                                "column {ci}, row {}: dictionary key {k} is outside the dictionary ({n_values} values)",
                                base + r as u64
                            );
                        };
                        if !*flag {
                            *flag = true;
                            dict_rows.push((ci as u32, base + r as u64, k, dict_src.len()));
                        }
                    }
                    dict_src.push(values.clone());
                    base += keys.len() as u64;
                }
            }
        }
    }
    // Work list: plain chunks in fixed blocks; the used dictionary entries come after them
    // (their first-use positions are carried in `dict_rows`).
    let mut blocks: Vec<Block<'_, '_>> = vec![];
    for (ci, col) in cols.iter().enumerate() {
        if let TextColumn::Plain(chunks) = col {
            let mut base = 0u64;
            for s in chunks {
                let n = s.len();
                let mut lo = 0;
                while lo < n {
                    let step = match blocks.len() {
                        0 => HEAD_BLOCK,
                        1 => FIRST_BLOCK - HEAD_BLOCK,
                        2 => SECOND_BLOCK,
                        3 => BLOCK - SECOND_BLOCK,
                        _ => BLOCK,
                    };
                    let hi = (lo + step).min(n);
                    blocks.push(Block {
                        col: ci as u32,
                        base,
                        strings: s,
                        lo,
                        hi,
                    });
                    lo = hi;
                }
                base += n as u64;
            }
        }
    }
    let plain_rows: usize = blocks.iter().map(|b| b.hi - b.lo).sum();
    // the codes of each plain column, written in place (blocks are in column order)
    let mut plain_codes: Vec<Vec<u32>> = cols
        .iter()
        .filter(|c| matches!(c, TextColumn::Plain(_)))
        .map(|c| vec![0u32; c.len()])
        .collect();
    // the partition of each plain row (partitioned path only)
    let mut plain_part: Vec<u8> = vec![];
    // whether the plain rows already hold their final codes
    let mut rows_final = false;
    let mut dicts: Vec<Dict> = {
        let mut outs: Vec<&mut [u32]> = vec![];
        {
            let mut left = blocks.iter().map(|b| b.hi - b.lo).peekable();
            let mut col_of = blocks.iter().map(|b| b.col).peekable();
            for v in &mut plain_codes {
                let mut lens = vec![];
                let col = col_of.peek().copied();
                while col.is_some() && col_of.peek().copied() == col {
                    col_of.next();
                    lens.extend(left.next());
                }
                outs.extend(split_lengths(v, lens.into_iter()));
            }
        }
        if blocks.is_empty() {
            vec![Dict::with_capacity(expect_distinct.min(dict_rows.len()))]
        } else {
            // The first blocks are coded alone, before the others start: a short head
            // (`HEAD_BLOCK`) and the rest of a first block; when their values repeat a lot
            // (8 times on average) the others start from their table at once, else the next
            // blocks (3 and then 5 times as long as a first block, see `SECOND_BLOCK`) are
            // coded too, until they do, before choosing a path.
            let limit = (blocks.len() > 1).then_some(SMALL);
            let mut d = Dict::with_capacity(expect_distinct.min(FIRST_BLOCK));
            // (the first blocks: up to FIRST_BLOCK + BLOCK rows, their values unknown yet)
            let mut memo = ViewMemo::new(14);
            // the long values met, for the rows after the first block (None until then, or
            // when it cannot hold them all)
            let mut long: Option<LongLabels> = None;
            let mut coded = 0;
            let mut seen = 0;
            let mut many = false;
            let mut long_tried = false;
            for (b, o) in blocks.iter().zip(outs.iter_mut()) {
                if (coded == 1 || seen >= FIRST_BLOCK)
                    && (d.len() <= seen / 8 || seen >= FIRST_BLOCK + BLOCK)
                {
                    break;
                }
                if seen >= FIRST_BLOCK && estimate_distinct(d.len(), seen, plain_rows) > SMALL {
                    // clearly many values: no point coding a full block alone to find out
                    many = true;
                    break;
                }
                match code_block(&mut d, b, o, limit, &mut memo, &mut long) {
                    Ok(()) => {
                        coded += 1;
                        seen += b.hi - b.lo;
                        // the long values met, for the blocks after them (unless the column
                        // has clearly too many values for it): once the head's values repeat
                        // (most rows then find theirs there), else after the first block
                        let all = estimate_distinct(d.len(), seen, plain_rows);
                        if !long_tried
                            && blocks.len() > coded
                            && all <= SMALL
                            && (d.len() * 2 <= seen || seen >= FIRST_BLOCK)
                        {
                            long_tried = true;
                            long = long_values(&d, all);
                        }
                    }
                    Err(r) => {
                        many = true;
                        seen += r;
                        break;
                    }
                }
            }
            if many {
                plain_part = vec![0u8; plain_rows];
                let mut parts = split_lengths(&mut plain_part, blocks.iter().map(|b| b.hi - b.lo));
                let expect = estimate_distinct(d.len(), seen, plain_rows + dict_rows.len())
                    .max(expect_distinct);
                drop(d);
                code_partitioned(&blocks, &mut outs, &mut parts, expect)
            } else if coded == blocks.len() {
                vec![d]
            } else {
                // few distinct values: the other blocks share the first ones' table; sorted
                // labels up front pay only when nothing renumbers the rows afterwards
                let (d, done) = code_blocks_after(
                    d,
                    coded,
                    &blocks,
                    &mut outs,
                    expect_distinct,
                    sort && dict_rows.is_empty(),
                    memo.on,
                    long.and_then(|mut t| t.fit().then_some(t)),
                );
                rows_final = done;
                vec![d]
            }
        }
    };
    let partitioned = dicts.len() > 1;
    let part_of = |h: u64| {
        if partitioned {
            (h >> (64 - PART_BITS)) as usize
        } else {
            0
        }
    };
    // used dictionary entries, in first-use order; then a lookup table per dictionary chunk
    // (of (partition, code in it) pairs until the final numbering is known)
    let mut luts: Vec<Vec<(u32, u32)>> = dict_src
        .iter()
        .map(|s| vec![(u32::MAX, u32::MAX); s.len()])
        .collect();
    for &(ci, row, k, si) in &dict_rows {
        let (key, bytes) = dict_src[si].entry(k as usize);
        let h = hash_key(&key, bytes);
        let p = part_of(h);
        let d = &mut dicts[p];
        let c = d.code(&key, h, bytes, (ci, row));
        // a value met in a plain column first may occur earlier in this (lower) column
        d.first[c as usize] = d.first[c as usize].min((ci, row));
        luts[si][k as usize] = (p as u32, c);
    }
    check_readable(&dicts)?;
    // global numbering: the partitions' codes one partition after the other
    let mut base = Vec::with_capacity(dicts.len());
    let mut n = 0usize;
    for d in &dicts {
        base.push(n as u32);
        n += d.len();
    }
    let at = |p: usize, c: u32| base[p] + c;
    // Codes are renumbered by the sort, or into first-seen order where the numbering is not
    // already that: partitioned, or dictionary rows mixed with plain rows.
    let rank: Option<Vec<u32>> = if sort
        || (order == Order::FirstSeen
            && (partitioned || (!dict_rows.is_empty() && !blocks.is_empty())))
    {
        let owner: Vec<(u32, u32)> = dicts
            .iter()
            .enumerate()
            .flat_map(|(p, d)| (0..d.len() as u32).map(move |c| (p as u32, c)))
            .collect();
        let order = if sort {
            sorted_order(n, |g| {
                let (p, c) = owner[g as usize];
                dicts[p as usize].bytes(c as usize)
            })
        } else {
            // each value's first position read once, then sorted with it (read through
            // `owner` and the partition's table in every comparison, the sort was a fifth of
            // a 125,000-value column's time)
            let mut keyed: Vec<(Position, u32)> = owner
                .par_iter()
                .enumerate()
                .map(|(g, &(p, c))| (dicts[p as usize].first[c as usize], g as u32))
                .collect();
            keyed.par_sort_unstable();
            keyed.into_par_iter().map(|(_, g)| g).collect()
        };
        Some(invert(&order))
    } else {
        None
    };
    let final_code = |p: usize, c: u32| -> u32 {
        let g = at(p, c);
        rank.as_ref().map_or(g, |r| r[g as usize])
    };
    // assemble the per-column codes
    let mut codes: Vec<Vec<u32>> = Vec::with_capacity(cols.len());
    let mut plain_at = 0usize;
    let mut dict_chunk = 0usize;
    let mut plain_cols = plain_codes.into_iter();
    for col in cols {
        match col {
            TextColumn::Plain(_) => {
                let mut c = plain_cols.next().unwrap_or_default();
                let range = plain_at..plain_at + c.len();
                plain_at += c.len();
                if partitioned {
                    c.par_iter_mut()
                        .zip(plain_part[range].par_iter())
                        .for_each(|(c, &p)| *c = final_code(p as usize, *c));
                } else if rank.is_some() && !rows_final {
                    c.par_iter_mut().for_each(|c| *c = final_code(0, *c));
                }
                codes.push(c);
            }
            TextColumn::Dict(chunks) => {
                let mut c = Vec::with_capacity(col.len());
                for (keys, _) in chunks {
                    let lut: Vec<u32> = luts[dict_chunk]
                        .iter()
                        .map(|&(p, x)| {
                            if x == u32::MAX {
                                x
                            } else {
                                final_code(p as usize, x)
                            }
                        })
                        .collect();
                    let start = c.len();
                    c.resize(start + keys.len(), 0);
                    c[start..]
                        .par_iter_mut()
                        .zip(keys.par_iter())
                        .for_each(|(o, &k)| *o = lut[k as usize]);
                    dict_chunk += 1;
                }
                codes.push(c);
            }
        }
    }
    let mut first = vec![(0u32, 0u64); n];
    for (p, d) in dicts.iter().enumerate() {
        for (c, &pos) in d.first.iter().enumerate() {
            first[final_code(p, c as u32) as usize] = pos;
        }
    }
    Ok(Factorized { codes, first })
}

/// A factorization ready to run (its columns checked and borrowed), for [`each`].
pub type Job<'a> = Box<dyn Fn() -> Result<Factorized> + Send + Sync + 'a>;

/// Runs independent factorizations side by side (each job its own set of values): one job's
/// sequential steps (a text column's first rows coded alone) overlap the others' work. The
/// results in the jobs' order; the first job's error when several fail.
pub fn each(jobs: &[Job<'_>]) -> Result<Vec<Factorized>> {
    let done: Vec<Result<Factorized>> = jobs.par_iter().map(|f| f()).collect();
    done.into_iter().collect()
}

/// The numbers `0..n` in the byte-wise order of their values: sorted by the values' first 16
/// bytes as one integer (zero padded, big-endian, so its order is the bytes' order), then runs
/// that share those 16 bytes by their whole bytes. Comparing whole values, each a lookup away,
/// took 13 ms for 125,000 values; integers sort several times faster.
fn sorted_order<'a>(n: usize, bytes: impl Fn(u32) -> &'a [u8] + Sync) -> Vec<u32> {
    let prefix = |b: &[u8]| {
        let mut w = [0u8; 16];
        let k = b.len().min(16);
        w[..k].copy_from_slice(&b[..k]);
        u128::from_be_bytes(w)
    };
    let mut keyed: Vec<(u128, u32)> = (0..n as u32)
        .into_par_iter()
        .map(|g| (prefix(bytes(g)), g))
        .collect();
    keyed.par_sort_unstable();
    let mut order: Vec<u32> = keyed.iter().map(|&(_, g)| g).collect();
    // equal prefixes ("", "a" and "a\0" pad alike; long values share 16 bytes): by the bytes
    let mut lo = 0;
    while lo < n {
        let mut hi = lo + 1;
        while hi < n && keyed[hi].0 == keyed[lo].0 {
            hi += 1;
        }
        if hi - lo > 1 {
            order[lo..hi].sort_unstable_by(|&a, &b| bytes(a).cmp(bytes(b)));
        }
        lo = hi;
    }
    order
}

fn invert(order: &[u32]) -> Vec<u32> {
    let mut r = vec![0u32; order.len()];
    for (i, &c) in order.iter().enumerate() {
        r[c as usize] = i as u32;
    }
    r
}

/// An integer id type the integer factorizer reads in place (no widening copy).
pub trait IdInt: Copy + Send + Sync {
    fn id(self) -> i64;
}

macro_rules! id_int {
    ($($t:ty),*) => {$(
        impl IdInt for $t {
            #[inline(always)]
            fn id(self) -> i64 {
                self as i64
            }
        }
    )*};
}
id_int!(i8, i16, i32, i64, u8, u16, u32);

/// The smallest and largest id of the columns (`(i64::MAX, i64::MIN)` when empty).
fn id_range<T: IdInt>(cols: &[&[T]]) -> (i64, i64) {
    cols.par_iter()
        .flat_map(|c| c.par_chunks(BLOCK))
        .map(|c| {
            c.iter().fold((i64::MAX, i64::MIN), |(a, b), &x| {
                let x = x.id();
                (a.min(x), b.max(x))
            })
        })
        .reduce(|| (i64::MAX, i64::MIN), |x, y| (x.0.min(y.0), x.1.max(y.1)))
}

/// Whether ids spanning `span` values are coded through a presence table (no hashing).
fn compact(span: u128, total: usize) -> bool {
    span <= (4 * total as u128).max(1 << 16)
}

/// Presence table over the ids `lo..lo + span` (ids in that range): the code of each present
/// id (numeric order when `sort`, else first appearance; `u32::MAX` for absent ones) and where
/// each code first occurs.
fn presence_table<T: IdInt>(
    cols: &[&[T]],
    lo: i64,
    span: usize,
    sort: bool,
) -> (Vec<u32>, Vec<Position>) {
    // the offset of an id in the range (span < 2^63 there, so the wrapping difference is the
    // true one); the first-occurrence scan stops once every id it looks for has been seen:
    // at first every id of the range (dense ids: a few rows); when that has not happened
    // after 65,536 rows (a range not every id of which occurs, as a global Categorical
    // mapping's), the ids that occur are counted in one parallel pass and the scan stops at
    // the last one's first row (2e6 Categorical ids of a 150k-wide mapping: 2.5 -> 1.2 ms)
    let off = |x: T| x.id().wrapping_sub(lo) as u64 as usize;
    let mut table = vec![u32::MAX; span];
    let mut first: Vec<(usize, Position)> = vec![];
    let total: usize = cols.iter().map(|c| c.len()).sum();
    let mut want = span;
    let mut scanned = 0usize;
    'scan: for (ci, c) in cols.iter().enumerate() {
        for (r, &x) in c.iter().enumerate() {
            let o = off(x);
            if table[o] == u32::MAX {
                table[o] = first.len() as u32;
                first.push((o, (ci as u32, r as u64)));
                if first.len() == want {
                    break 'scan;
                }
            }
            scanned += 1;
            // (only where ids repeat: with mostly new ids the scan reads every row anyway)
            if scanned == 1 << 16 && want == span && total > 1 << 18 && first.len() << 4 <= scanned
            {
                want = present_count(cols, span, off);
                if first.len() == want {
                    break 'scan;
                }
            }
        }
    }
    if sort {
        // a value's code is the count of present values below it
        first.sort_unstable_by_key(|&(o, _)| o);
        for (code, &(o, _)) in first.iter().enumerate() {
            table[o] = code as u32;
        }
    }
    (table, first.into_iter().map(|(_, p)| p).collect())
}

/// How many of the offsets `0..span` the columns' ids take (`off` of an id), marked in
/// parallel in one shared bitmap (`span / 8` bytes, whatever the thread count): an offset's
/// bit is read before it is set, so the few words that hold the ids that occur stay shared
/// between the cores instead of moving with every row.
fn present_count<T: IdInt>(cols: &[&[T]], span: usize, off: impl Fn(T) -> usize + Sync) -> usize {
    let bits: Vec<AtomicU64> = (0..span.div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
    cols.par_iter()
        .flat_map(|c| c.par_chunks(BLOCK))
        .for_each(|c| {
            for &x in c {
                let o = off(x);
                if let Some(w) = bits.get(o / 64) {
                    let m = 1u64 << (o % 64);
                    if w.load(Ordering::Relaxed) & m == 0 {
                        w.fetch_or(m, Ordering::Relaxed);
                    }
                }
            }
        });
    bits.iter()
        .map(|w| w.load(Ordering::Relaxed).count_ones() as usize)
        .sum()
}

/// Codes of non-negative integer ids (Categorical / Enum physical ids) as a map `id -> code`
/// (`u32::MAX` for ids that do not occur) instead of a code per row; None when the ids are
/// negative or the map would have more entries than the columns have rows and more than
/// 4,096 (a few rows of a large Categorical, e.g. one group's): then [`factorize_int`] codes
/// them.
pub fn code_map<T: IdInt>(cols: &[&[T]], sort: bool) -> Result<Option<(Vec<u32>, Vec<Position>)>> {
    let total: usize = cols.iter().map(|c| c.len()).sum();
    if total >= u32::MAX as usize {
        return input_err!("{total} ids are more than this factorizer supports (2^32 - 1)");
    }
    let (lo, hi) = id_range(cols);
    if total == 0 {
        return Ok(Some((vec![], vec![])));
    }
    // at most one entry a row (or 4,096): the map is never larger than the codes it replaces
    if lo < 0 || hi as u128 + 1 > (total as u128).max(1 << 12) {
        return Ok(None);
    }
    Ok(Some(presence_table(cols, 0, hi as usize + 1, sort)))
}

/// Factorizes integer columns as one set of values; codes follow the numeric order (`sort`)
/// or the order of first appearance. Values in a compact range go through a presence table (no
/// hashing), others through a sort of the distinct values.
pub fn factorize_int<T: IdInt>(cols: &[&[T]], sort: bool) -> Result<Factorized> {
    let total: usize = cols.iter().map(|c| c.len()).sum();
    if total >= u32::MAX as usize {
        return input_err!("{total} ids are more than this factorizer supports (2^32 - 1)");
    }
    let (lo, hi) = id_range(cols);
    if total == 0 {
        return Ok(Factorized {
            codes: cols.iter().map(|_| vec![]).collect(),
            first: vec![],
        });
    }
    let span = (hi as i128 - lo as i128 + 1) as u128;
    if compact(span, total) {
        let (table, first) = presence_table(cols, lo, span as usize, sort);
        let off = |x: T| x.id().wrapping_sub(lo) as u64 as usize;
        let codes = cols
            .iter()
            .map(|c| c.par_iter().map(|&x| table[off(x)]).collect())
            .collect();
        return Ok(Factorized { codes, first });
    }
    // sparse values: sort (value, position) pairs, keep the first of each value
    let mut pairs: Vec<(i64, u32, u64)> = cols
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| {
            c.iter()
                .enumerate()
                .map(move |(r, &x)| (x.id(), ci as u32, r as u64))
        })
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup_by_key(|p| p.0);
    let values: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    // code of the k-th smallest value: k, or its rank by first position
    let rank: Option<Vec<u32>> = (!sort).then(|| {
        let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
        order.par_sort_unstable_by_key(|&k| (pairs[k as usize].1, pairs[k as usize].2));
        invert(&order)
    });
    let codes = cols
        .iter()
        .map(|c| {
            c.par_iter()
                .map(|x| {
                    let k = values.binary_search(&x.id()).map_or(0, |i| i as u32);
                    rank.as_ref().map_or(k, |r| r[k as usize])
                })
                .collect()
        })
        .collect();
    let mut first: Vec<Position> = pairs.into_iter().map(|(_, c, r)| (c, r)).collect();
    if !sort {
        first.par_sort_unstable();
    }
    Ok(Factorized { codes, first })
}

/// Replaces every code `c` by `rank[c]` in place (a renumbering of the distinct values, e.g.
/// into the text order of a Categorical); a code outside `rank` is an error.
pub fn remap(codes: &mut [&mut [u32]], rank: &[u32]) -> Result<()> {
    let n = rank.len();
    let bad = codes.par_iter().any(|c| {
        c.par_chunks(BLOCK)
            .any(|b| b.iter().any(|&x| x as usize >= n))
    });
    if bad {
        return input_err!("a code is outside the renumbering table ({n} values)");
    }
    for c in codes.iter_mut() {
        c.par_chunks_mut(BLOCK)
            .for_each(|b| b.iter_mut().for_each(|x| *x = rank[*x as usize]));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::with_threads;

    /// A 64-bit mix of `x` (SplitMix64's finalizer): test values from a counter.
    pub(super) fn splitmix(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    fn utf8(vals: &[&str]) -> (Vec<i32>, Vec<u8>) {
        let mut off = vec![0i32];
        let mut data = vec![];
        for v in vals {
            data.extend_from_slice(v.as_bytes());
            off.push(data.len() as i32);
        }
        (off, data)
    }

    /// Columns in many small chunks: the first blocks (coded alone, to choose the path) span
    /// chunks, and every path gives the reference's sorted and first-seen codes.
    #[test]
    fn many_small_chunks_on_every_path() {
        // 50 values (block path), 20,000 (block path after two blocks), all distinct
        // (partitioned), with lengths on both sides of 12 and 28 bytes
        for distinct in [50usize, 20_000, 400_000] {
            let vals: Vec<String> = (0..400_000usize)
                .map(|i| {
                    let k = (i * 7_919) % distinct;
                    match k % 3 {
                        0 => format!("v{k}"),
                        1 => format!("a-longer-id-{k}"),
                        _ => format!("a-much-longer-identifier-over-28-bytes-{k}"),
                    }
                })
                .collect();
            let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
            let (want_d, want) = reference(&refs);
            let (v, buf) = views(&refs);
            // chunks of 10, 1,000 and 7,000 rows, repeating
            let mut chunks = vec![];
            let mut lo = 0;
            for len in [10usize, 1_000, 7_000].iter().cycle() {
                if lo >= v.len() {
                    break;
                }
                let hi = (lo + len).min(v.len());
                chunks.push(Strings::View {
                    views: &v[lo..hi],
                    buffers: vec![&buf],
                });
                lo = hi;
            }
            check_groups(&chunks, &refs);
            let run = |order, threads| {
                let col = TextColumn::Plain(chunks.clone());
                with_threads(Some(threads), || factorize_text(&[col], order, 0))
                    .unwrap()
                    .unwrap()
            };
            for threads in [1, 2] {
                let f = run(Order::Sorted, threads);
                assert_eq!(f.codes[0], want, "{distinct} distinct, {threads} threads");
                let got: Vec<&str> = f.first.iter().map(|&(_, r)| refs[r as usize]).collect();
                assert_eq!(got, want_d);
                let f = run(Order::FirstSeen, threads);
                // first-seen: codes number the values in order of their first row
                let mut next = 0u32;
                let mut seen = std::collections::HashMap::new();
                for (r, &c) in refs.iter().zip(&f.codes[0]) {
                    let e = *seen.entry(*r).or_insert_with(|| {
                        next += 1;
                        next - 1
                    });
                    assert_eq!(c, e, "{distinct} distinct, {threads} threads");
                }
            }
        }
    }

    /// A view that points past its buffer (or names a missing buffer) is an input error on
    /// every path (few values, many values, sorted or not), never a panic.
    #[test]
    fn views_outside_their_buffers_are_refused() {
        for (n, few) in [(50usize, true), (300_000, false), (300_000, true)] {
            // n rows: few distinct values (one block, or the later blocks' long-value table
            // with the bad view among them) or all distinct (partitioned); ids whole in the
            // key and longer ones (their bytes copied to the partitions)
            let vals: Vec<String> = (0..n)
                .map(|i| {
                    let k = if few { i % 7 } else { i };
                    if i % 2 == 0 {
                        format!("a-long-identifier-{k}")
                    } else {
                        format!("a-longer-identifier-over-28-bytes-{k}")
                    }
                })
                .collect();
            let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
            let (mut v, buf) = views(&refs);
            for bad in [
                // offset past the end
                (v[n / 2] & !(u128::from(u32::MAX) << 96)) | (u128::from(u32::MAX - 4) << 96),
                // a buffer that does not exist
                v[n / 2] | (7u128 << 64),
                // a 4 GiB length
                v[n / 2] | u128::from(u32::MAX),
            ] {
                let keep = v[n / 2];
                v[n / 2] = bad;
                for order in [Order::Sorted, Order::Any] {
                    let col = TextColumn::Plain(vec![Strings::View {
                        views: &v,
                        buffers: vec![&buf],
                    }]);
                    let r = with_threads(Some(2), || factorize_text(&[col], order, 0)).unwrap();
                    assert!(
                        matches!(r, Err(crate::error::CoreError::Input(ref m)) if m.contains("outside")),
                        "n = {n}: {r:?}"
                    );
                }
                let chunk = [Strings::View {
                    views: &v,
                    buffers: vec![&buf],
                }];
                let r = with_threads(Some(2), || group_text(&chunk)).unwrap();
                assert!(
                    matches!(r, Err(crate::error::CoreError::Input(ref m)) if m.contains("outside")),
                    "grouping, n = {n}: {r:?}"
                );
                v[n / 2] = keep;
            }
            let col = TextColumn::Plain(vec![Strings::View {
                views: &v,
                buffers: vec![&buf],
            }]);
            let f = with_threads(Some(2), || factorize_text(&[col], Order::Sorted, 0))
                .unwrap()
                .unwrap();
            assert_eq!(f.n_distinct(), if few { 14 } else { n });
        }
        // offsets past the data, or going backwards
        for off in [vec![0i32, 3, 99], vec![0, 3, 1]] {
            let col = TextColumn::Plain(vec![Strings::Utf8 {
                offsets: &off,
                data: b"abcdef",
            }]);
            assert!(factorize_text(&[col], Order::Sorted, 0).is_err());
            let chunk = [Strings::Utf8 {
                offsets: &off,
                data: b"abcdef",
            }];
            assert!(group_text(&chunk).is_err());
        }
    }

    /// Arrow views of `vals`: inline when short, else into one buffer (the buffer is returned).
    pub(super) fn views(vals: &[&str]) -> (Vec<u128>, Vec<u8>) {
        let mut buf = vec![];
        let v = vals
            .iter()
            .map(|s| {
                let b = s.as_bytes();
                let mut raw = [0u8; 16];
                raw[..4].copy_from_slice(&(b.len() as u32).to_le_bytes());
                if b.len() <= 12 {
                    raw[4..4 + b.len()].copy_from_slice(b);
                } else {
                    raw[4..8].copy_from_slice(&b[..4]);
                    raw[12..16].copy_from_slice(&(buf.len() as u32).to_le_bytes());
                    buf.extend_from_slice(b);
                }
                u128::from_le_bytes(raw)
            })
            .collect();
        (v, buf)
    }

    /// The reference: sorted distinct values and each value's position among them.
    fn reference(vals: &[&str]) -> (Vec<String>, Vec<u32>) {
        let mut d: Vec<String> = vals.iter().map(std::string::ToString::to_string).collect();
        d.sort();
        d.dedup();
        let codes = vals
            .iter()
            .map(|v| d.binary_search(&v.to_string()).unwrap() as u32)
            .collect();
        (d, codes)
    }

    /// `group_text` on `chunks` (holding `vals`) against grouping by a map: the same groups,
    /// rows in order within each, and the same result on 1 and 2 threads.
    fn check_groups(chunks: &[Strings<'_>], vals: &[&str]) {
        let mut want: std::collections::HashMap<&str, Vec<u32>> = std::collections::HashMap::new();
        for (r, v) in vals.iter().enumerate() {
            want.entry(v).or_default().push(r as u32);
        }
        let mut want: Vec<Vec<u32>> = want.into_values().collect();
        want.sort();
        let g1 = with_threads(Some(1), || group_text(chunks))
            .unwrap()
            .unwrap();
        let g2 = with_threads(Some(2), || group_text(chunks))
            .unwrap()
            .unwrap();
        assert_eq!(g1, g2, "the thread count changed the groups");
        // long values grouped by their bytes, copied: the same groups, in the same order
        let exact = with_threads(Some(2), || group_text_by(chunks, false))
            .unwrap()
            .unwrap();
        assert_eq!(
            exact.as_ref(),
            Some(&g1),
            "grouping by hash changed the groups"
        );
        assert_eq!(g1.offsets.last().copied(), Some(vals.len()));
        let mut got: Vec<Vec<u32>> = g1
            .offsets
            .windows(2)
            .map(|w| match &g1.perm {
                Some(p) => p[w[0]..w[1]].to_vec(),
                None => (w[0] as u32..w[1] as u32).collect(),
            })
            .collect();
        got.sort();
        assert_eq!(got, want);
    }

    /// Long values with their own bytes, each on 2 to 9 rows, shuffled over three blocks,
    /// beside short and mid-length ones, in both layouts: grouped by hash, then checked (the
    /// same groups as by a map and as by their bytes); a grouping that puts two different
    /// values together fails the check.
    #[test]
    fn long_values_grouped_by_hash_then_checked() {
        let mut vals: Vec<String> = vec![];
        for k in 0..50_000u64 {
            let v = match k % 10 {
                0 => format!("p{k}"),
                1 => format!("prompt-number-{k}"),
                _ => format!("{:016x}-{:016x}-{k}", splitmix(k), splitmix(k ^ 7)),
            };
            vals.extend(std::iter::repeat_n(v, 2 + (k % 8) as usize));
        }
        // shuffled: rows of a value far apart, in different blocks
        let mut order: Vec<usize> = (0..vals.len()).collect();
        order.sort_by_key(|&i| splitmix(i as u64 + 11));
        let vals: Vec<String> = order.iter().map(|&i| vals[i].clone()).collect();
        assert!(vals.len() > 2 * BLOCK);
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        let (v, buf) = views(&refs);
        let (off, data) = utf8(&refs);
        check_groups(
            &[Strings::View {
                views: &v,
                buffers: vec![&buf],
            }],
            &refs,
        );
        check_groups(
            &[Strings::Utf8 {
                offsets: &off,
                data: &data,
            }],
            &refs,
        );
        // the check itself: rows 0 and 1 hold different long values
        let chunks = [Strings::View {
            views: &v,
            buffers: vec![&buf],
        }];
        let blocks = [Block {
            col: 0,
            base: 0,
            strings: &chunks[0],
            lo: 0,
            hi: 2,
        }];
        let two = |a: &str, b: &str| -> bool {
            let (v, buf) = views(&[a, b]);
            let chunks = [Strings::View {
                views: &v,
                buffers: vec![&buf],
            }];
            let blocks = [Block {
                strings: &chunks[0],
                ..blocks[0]
            }];
            long_groups_hold(&chunks, &blocks, &[0], &[0, 2], &[0, 1])
        };
        let a = "0123456789abcdef-0123456789abcdef-1";
        assert!(two(a, a));
        assert!(!two(a, "0123456789abcdef-0123456789abcdef-2"));
        assert!(!two(a, "0123456789abcdef-0123456789abcdef-10"));
    }

    /// The distinct-value estimate that picks how long values are grouped: within 5% from 1
    /// to 100,000 distinct hashes (each set many times over).
    #[test]
    fn distinct_estimate_counts_distinct_hashes() {
        for d in [1u64, 1_000, 20_000, 100_000] {
            let mut seen = vec![0u64; SEEN_BITS / 64];
            for k in 0..3 * d {
                let h = splitmix(k % d);
                let bit = (h >> 20) as usize % SEEN_BITS;
                seen[bit / 64] |= 1 << (bit % 64);
            }
            let e = distinct_estimate(&seen);
            assert!((e - d as f64).abs() <= 0.05 * d as f64 + 1.0, "{d}: {e}");
        }
        assert_eq!(distinct_estimate(&[]), 0.0);
    }

    /// Values in runs (a column sorted by id), split into chunks inside runs: grouped without
    /// a permutation; one value coming back at the end, or long values equal in their first
    /// bytes, still group by value.
    #[test]
    fn runs_of_equal_values_across_chunks() {
        let mut vals: Vec<String> = vec![];
        for k in 0..3_000 {
            let v = match k % 3 {
                0 => format!("p{k}"),
                1 => format!("prompt-number-{k}"),
                _ => format!("a-prompt-id-longer-than-28-bytes-{k}"),
            };
            vals.extend(std::iter::repeat_n(v, 1 + k % 5));
        }
        for comes_back in [false, true] {
            if comes_back {
                vals.push(vals[0].clone());
            }
            let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
            let (v, buf) = views(&refs);
            let chunks: Vec<Strings<'_>> = v
                .chunks(7)
                .map(|c| Strings::View {
                    views: c,
                    buffers: vec![&buf],
                })
                .collect();
            check_groups(&chunks, &refs);
            let g = group_text(&chunks).unwrap();
            assert_eq!(g.perm.is_some(), comes_back);
            assert_eq!(g.offsets.len(), 3_001);
        }
    }

    /// Runs whose values share map bits (a map of 4,096 bits for 300 runs): the values on
    /// those bits are compared exactly, so distinct runs are still found distinct, and a value
    /// that comes back is still caught.
    #[test]
    fn runs_sharing_map_bits_are_compared_exactly() {
        let mut vals: Vec<String> = (0..300).map(|k| format!("prompt-{k}")).collect();
        let bits: std::collections::HashSet<u64> = vals
            .iter()
            .map(|v| hash_key(&key_of(v.as_bytes()), v.as_bytes()) >> (64 - 12))
            .collect();
        assert!(bits.len() < 290, "the test needs values sharing bits");
        for comes_back in [None, Some(0usize), Some(150)] {
            if let Some(k) = comes_back {
                vals.push(format!("prompt-{k}"));
            }
            let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
            let (v, buf) = views(&refs);
            let chunks = [Strings::View {
                views: &v,
                buffers: vec![&buf],
            }];
            let runs = distinct_runs(&chunks, refs.len(), 12).unwrap();
            match comes_back {
                None => {
                    assert_eq!(runs, Some((0..=300).collect::<Vec<usize>>()));
                }
                Some(_) => assert_eq!(runs, None),
            }
            if comes_back.is_some() {
                vals.pop();
            }
        }
    }

    /// A column in runs (sorted by id) over many blocks takes the run loop (a row whose view
    /// equals the previous one reuses its code): codes as the reference's, in every order;
    /// an unreadable view in a run of unreadable views is still refused.
    #[test]
    fn runs_of_ids_in_the_block_path() {
        let vals: Vec<String> = (0..300_000usize)
            .map(|i| {
                let k = i / 700;
                if k % 2 == 0 {
                    format!("r{k}")
                } else {
                    format!("a-run-id-longer-than-12-{k}")
                }
            })
            .collect();
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        let (want_d, want) = reference(&refs);
        let (mut v, buf) = views(&refs);
        // one view column, coded in `order` on `threads` threads
        let code = |v: &[u128], order, threads| {
            let col = TextColumn::Plain(vec![Strings::View {
                views: v,
                buffers: vec![&buf],
            }]);
            with_threads(Some(threads), || factorize_text(&[col], order, 0)).unwrap()
        };
        for threads in [1, 2] {
            let f = code(&v, Order::Sorted, threads).unwrap();
            assert_eq!(f.codes[0], want);
            let got: Vec<&str> = f.first.iter().map(|&(_, r)| refs[r as usize]).collect();
            assert_eq!(got, want_d);
            let f = code(&v, Order::FirstSeen, threads).unwrap();
            let firsts: Vec<u32> = (0..refs.len()).map(|i| (i / 700) as u32).collect();
            assert_eq!(f.codes[0], firsts);
        }
        // a run of 700 unreadable views (a 4 GiB length) late in the column
        for x in &mut v[200_200..200_900] {
            *x |= u128::from(u32::MAX);
        }
        let r = code(&v, Order::Any, 2);
        assert!(matches!(r, Err(crate::error::CoreError::Input(_))), "{r:?}");
    }

    /// The run loop on long values that share their length and first bytes and differ in one
    /// byte (the first, a middle or the last 16-byte word, for lengths on both sides of 16, 32
    /// and 48): codes as the reference's first-seen numbering, on 1 and 2 threads.
    #[test]
    fn runs_of_long_values_differing_in_one_byte() {
        let lens = [13usize, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64];
        let mut vals: Vec<String> = Vec::new();
        let mut k = 0usize;
        while vals.len() < 200_000 {
            // four values in a row of one length, told apart by one byte only: in the first,
            // a middle or the last 16-byte word (every length meets every place)
            let g = k / 4;
            let n = lens[g % lens.len()];
            let at = [4, n / 2, n - 1][g % 3];
            let mut b = vec![b'x'; n];
            b[at] = b'a' + (k % 4) as u8;
            let v = String::from_utf8(b).unwrap();
            // runs of 1 to 60 rows, so every block holds runs
            for _ in 0..=(k * 7) % 60 {
                vals.push(v.clone());
            }
            k += 1;
        }
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        let mut first: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let want: Vec<u32> = refs
            .iter()
            .map(|s| {
                let n = first.len() as u32;
                *first.entry(s).or_insert(n)
            })
            .collect();
        let (v, buf) = views(&refs);
        for threads in [1, 2] {
            let col = TextColumn::Plain(vec![Strings::View {
                views: &v,
                buffers: vec![&buf],
            }]);
            let f = with_threads(Some(threads), || {
                factorize_text(&[col], Order::FirstSeen, 0)
            })
            .unwrap()
            .unwrap();
            assert_eq!(f.codes[0], want, "threads={threads}");
        }
    }

    fn check(vals: &[&str]) {
        let (want_d, want) = reference(vals);
        let (off, data) = utf8(vals);
        let (v, buf) = views(vals);
        let off64: Vec<i64> = off.iter().map(|&o| o as i64).collect();
        for threads in [1, 2] {
            for col in [
                TextColumn::Plain(vec![Strings::Utf8 {
                    offsets: &off,
                    data: &data,
                }]),
                TextColumn::Plain(vec![Strings::LargeUtf8 {
                    offsets: &off64,
                    data: &data,
                }]),
                TextColumn::Plain(vec![Strings::View {
                    views: &v,
                    buffers: vec![&buf],
                }]),
            ] {
                if threads == 1 {
                    let TextColumn::Plain(chunks) = &col else {
                        unreachable!()
                    };
                    check_groups(chunks, vals);
                }
                let f = with_threads(Some(threads), || factorize_text(&[col], Order::Sorted, 16))
                    .unwrap()
                    .unwrap();
                assert_eq!(f.codes[0], want);
                let got: Vec<&str> = f.first.iter().map(|&(_, r)| vals[r as usize]).collect();
                assert_eq!(got, want_d);
            }
        }
    }

    /// [`check`], and the views' codes in first-seen and any order on 2 threads: equal codes
    /// exactly for equal values, whatever the numbering.
    fn check_every_order(vals: &[&str]) {
        check(vals);
        let (v, buf) = views(vals);
        let (_, want) = reference(vals);
        for order in [Order::FirstSeen, Order::Any] {
            let f = with_threads(Some(2), || {
                factorize_text(
                    &[TextColumn::Plain(vec![Strings::View {
                        views: &v,
                        buffers: vec![&buf],
                    }])],
                    order,
                    16,
                )
            })
            .unwrap()
            .unwrap();
            let mut map = std::collections::HashMap::new();
            for (&c, &w) in f.codes[0].iter().zip(&want) {
                assert_eq!(*map.entry(w).or_insert(c), c, "{order:?}");
            }
            assert_eq!(f.n_distinct(), map.len());
        }
    }

    #[test]
    fn empty_unicode_long_short() {
        check(&[]);
        check(&[""]);
        check(&["", "a", "", "b", "a"]);
        check(&["é", "e", "😀", "Ω", "e\u{301}", "é", "😀"]);
        // 12 and 13 bytes straddle the inline limit; equal prefixes, different tails
        check(&[
            "abcdefghijkl",
            "abcdefghijklm",
            "abcdefghijkl",
            "abcdefghijklmn",
            "abcdefghijklm",
            "abcdXXXXXXXXXXXXXXXXXXXXX",
            "abcdYYYYYYYYYYYYYYYYYYYYY",
            "abcdXXXXXXXXXXXXXXXXXXXXX",
        ]);
        // same length, first 4 and last 8 bytes: only the arena's bytes tell them apart
        check(&[
            "abcd-middle-1-ZZZZZZZZ",
            "abcd-middle-2-ZZZZZZZZ",
            "abcd-middle-1-ZZZZZZZZ",
        ]);
        // NUL bytes are data, not padding: "a" and "a\0" differ
        check(&["a", "a\0", "a\0\0", "a", "a\0"]);
        // the sort's first 16 bytes alike: the whole bytes decide, a shorter value first
        check(&[
            "0123456789abcdefZ",
            "0123456789abcdef\0",
            "0123456789abcdef",
            "0123456789abcdef-a-tail-over-28-bytes",
            "0123456789abcdeA",
            "0123456789abcdef",
            "0123456789abcdef-a-tail-over-28-bytez",
        ]);
    }

    #[test]
    fn few_values_across_blocks_and_threads() {
        // > BLOCK rows over few values: the merged small-table path
        let owned: Vec<String> = (0..400_000u64)
            .map(|i| format!("model-{}", (i * 31) % 997))
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        check(&vals);
        // sorted ids: every block brings values the first block lacks (its own small table,
        // merged in block order)
        let owned: Vec<String> = (0..400_000u64).map(|i| format!("g{}", i / 1000)).collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        check(&vals);
        let (off, data) = utf8(&vals);
        for t in [1, 2] {
            let f = with_threads(Some(t), || {
                factorize_text(
                    &[TextColumn::Plain(vec![Strings::Utf8 {
                        offsets: &off,
                        data: &data,
                    }])],
                    Order::FirstSeen,
                    0,
                )
            })
            .unwrap()
            .unwrap();
            let want: Vec<u32> = (0..400_000u32).map(|i| i / 1000).collect();
            assert_eq!(f.codes[0], want);
        }
    }

    /// The later blocks' short-id loop (`ShortLabels`, labels in the slot's length bits):
    /// blocks whose first rows are all short ids, with rows among them of 13 to 28 bytes, over
    /// 28 bytes, and short values the first block never saw (all out of line); 1,000 and
    /// 20,000 values (a sixteenth and a quarter full tables); both orders.
    #[test]
    fn short_id_blocks_with_longer_and_new_values() {
        for distinct in [1_000u64, 20_000] {
            let owned: Vec<String> = (0..600_000u64)
                .map(|i| {
                    let k = (i * 7_919) % distinct;
                    match i % 4_099 {
                        // rows 100 on of each 4,099: never in the first rows of a block
                        100 => format!("response-{k:011}"),
                        200 => format!("{k:040}"),
                        300 if i > 300_000 => format!("late-{k}"),
                        _ => format!("m-{k}"),
                    }
                })
                .collect();
            let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
            check_every_order(&vals);
        }
    }

    /// A producer that leaves garbage after a short value in its view (the format asks for
    /// zeros): the same value with and without it is one value, on every path that reads
    /// views (first block, later blocks' short-id table, runs, grouping).
    #[test]
    fn garbage_after_short_values_in_views_is_ignored() {
        let owned: Vec<String> = (0..300_000u64)
            .map(|i| {
                format!(
                    "id-{}",
                    (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % 1_000
                )
            })
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (clean, buf) = views(&vals);
        let dirty: Vec<u128> = clean
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let len = v as u32;
                // odd rows: every byte past the value set (a length of 12 has none to set)
                if i % 2 == 1 && len < 12 {
                    v | (u128::MAX << (32 + 8 * len))
                } else {
                    v
                }
            })
            .collect();
        assert_ne!(clean, dirty);
        let mut sorted_vals = vals.clone();
        sorted_vals.sort_unstable();
        let (sorted_clean, _) = views(&sorted_vals);
        let sorted_dirty: Vec<u128> = sorted_clean
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if i % 3 == 0 {
                    v | (u128::MAX << 120)
                } else {
                    v
                }
            })
            .collect();
        for (dirty, vals) in [(&dirty, &vals), (&sorted_dirty, &sorted_vals)] {
            let (_, want) = reference(vals);
            for t in [1, 2] {
                let f = with_threads(Some(t), || {
                    factorize_text(
                        &[TextColumn::Plain(vec![Strings::View {
                            views: dirty,
                            buffers: vec![&buf],
                        }])],
                        Order::Sorted,
                        16,
                    )
                })
                .unwrap()
                .unwrap();
                assert_eq!(f.codes[0], want, "threads {t}");
            }
            check_groups(
                &[Strings::View {
                    views: dirty,
                    buffers: vec![&buf],
                }],
                vals,
            );
        }
    }

    /// Grouping rows whose longer ids repeat their views (coded from the column's buffers in
    /// place of a copy): chunks of shared views, an empty chunk, a chunk of own bytes (so the
    /// same value at views of different chunks), mixed lengths; and own bytes only (copied).
    #[test]
    fn groups_of_long_ids_at_shared_views() {
        let owned: Vec<String> = (0..300_000u64)
            .map(|i| {
                // values in no order (a cycle through them would repeat none early)
                let k = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) % 40_000;
                match k % 3 {
                    0 => format!("a-long-identifier-held-at-shared-bytes-{k:08}"),
                    1 => format!("mid-{k:010}"),
                    _ => format!("s{k}"),
                }
            })
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        // the view of each value's first row in its chunk, into a buffer of its own
        let shared = |part: &[&str]| {
            let (mut v, buf) = super::tests::views(part);
            let mut first = std::collections::HashMap::new();
            for (k, s) in part.iter().enumerate() {
                v[k] = v[*first.entry(*s).or_insert(k)];
            }
            (v, buf)
        };
        let (va, ba) = shared(&vals[..120_000]);
        let (vb, bb) = shared(&vals[120_000..250_000]);
        let (vc, bc) = super::tests::views(&vals[250_000..]);
        assert!(long_views_repeat(&[Strings::View {
            views: &va,
            buffers: vec![&ba],
        }]));
        assert!(!long_views_repeat(&[Strings::View {
            views: &vc,
            buffers: vec![&bc],
        }]));
        let chunks = [
            Strings::View {
                views: &va,
                buffers: vec![&ba],
            },
            Strings::View {
                views: &[],
                buffers: vec![],
            },
            Strings::View {
                views: &vb,
                buffers: vec![&bb],
            },
            Strings::View {
                views: &vc,
                buffers: vec![&bc],
            },
        ];
        check_groups(&chunks, &vals);
        // (equal hashes decide nothing: where the bytes of a long value are read from)
        let starts = [0u64, 120_000, 120_000, 250_000];
        for (r, want) in vals.iter().enumerate() {
            let got = InPlace {
                chunks: &chunks,
                starts: &starts,
            }
            .bytes(r as u32);
            if want.len() > 12 {
                assert_eq!(got, want.as_bytes(), "row {r}");
            }
        }
        let (v, buf) = super::tests::views(&vals);
        check_groups(
            &[Strings::View {
                views: &v,
                buffers: vec![&buf],
            }],
            &vals,
        );
    }

    /// Longer ids at shared views (a dictionary's layout: `ViewMemo` hits), with values the
    /// first block lacks; and two columns whose views are bit for bit the same but point into
    /// different buffers (the same offsets and 4-byte prefix, other bytes): equal views are
    /// equal values within a chunk only.
    #[test]
    fn equal_views_within_a_chunk_only() {
        let owned: Vec<String> = (0..400_000u64)
            .map(|i| {
                let k = (i * 7_919) % 3_000;
                if i > 200_000 && i % 1_000 == 500 {
                    format!("late-{k:030}")
                } else {
                    format!("{k:036}")
                }
            })
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        // each column: its distinct values once in its own buffer, rows pointing at them
        let column = |prefix: &str| {
            let mut buf = vec![];
            let mut at = std::collections::HashMap::new();
            let v: Vec<u128> = vals
                .iter()
                .map(|s| {
                    let o = *at.entry(*s).or_insert_with(|| {
                        let o = buf.len() as u32;
                        // the same length, first 4 bytes and offset in both columns
                        buf.extend_from_slice(&s.as_bytes()[..4]);
                        buf.extend_from_slice(prefix.as_bytes());
                        buf.extend_from_slice(&s.as_bytes()[4 + prefix.len()..]);
                        o
                    });
                    let mut raw = [0u8; 16];
                    raw[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
                    raw[4..8].copy_from_slice(&s.as_bytes()[..4]);
                    raw[12..16].copy_from_slice(&o.to_le_bytes());
                    u128::from_le_bytes(raw)
                })
                .collect();
            (v, buf)
        };
        let ((va, ba), (vb, bb)) = (column("a"), column("b"));
        assert_eq!(va, vb);
        for t in [1, 2] {
            let f = with_threads(Some(t), || {
                factorize_text(
                    &[
                        TextColumn::Plain(vec![Strings::View {
                            views: &va,
                            buffers: vec![&ba],
                        }]),
                        TextColumn::Plain(vec![Strings::View {
                            views: &vb,
                            buffers: vec![&bb],
                        }]),
                    ],
                    Order::Sorted,
                    16,
                )
            })
            .unwrap()
            .unwrap();
            // against the columns' actual values
            let actual = |p: &str| -> Vec<String> {
                vals.iter()
                    .map(|s| format!("{}{p}{}", &s[..4], &s[4 + p.len()..]))
                    .collect()
            };
            let both: Vec<String> = actual("a").into_iter().chain(actual("b")).collect();
            let both: Vec<&str> = both.iter().map(String::as_str).collect();
            let (want_d, want) = reference(&both);
            assert_eq!(f.n_distinct(), want_d.len());
            assert_eq!(f.codes[0], want[..vals.len()], "threads {t}");
            assert_eq!(f.codes[1], want[vals.len()..], "threads {t}");
        }
    }

    #[test]
    fn many_values_across_blocks_and_threads() {
        // > BLOCK rows so that several blocks merge; values repeat across blocks
        let owned: Vec<String> = (0..300_000u64)
            .map(|i| {
                let k = (i * 7919) % 50_021;
                match k % 4 {
                    // 13..28 bytes (whole in the key), over 28 (arena), short, non-ASCII
                    0 => format!("long-prompt-identifier-{k}"),
                    1 => format!("a-much-longer-prompt-identifier-shared-prefix-{k}-end"),
                    2 => format!("p{k}"),
                    _ => format!("é{k}😀"),
                }
            })
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        check(&vals);
        // first-seen order: independent of the thread count, and really first-seen
        let (off, data) = utf8(&vals);
        let run = |order, t| {
            with_threads(Some(t), || {
                factorize_text(
                    &[TextColumn::Plain(vec![Strings::Utf8 {
                        offsets: &off,
                        data: &data,
                    }])],
                    order,
                    0,
                )
            })
            .unwrap()
            .unwrap()
        };
        let (a, b) = (run(Order::FirstSeen, 1), run(Order::FirstSeen, 2));
        assert_eq!(a, b);
        // any order: the same partition of the rows, the same for any thread count
        let (x, y) = (run(Order::Any, 1), run(Order::Any, 2));
        assert_eq!(x, y);
        let mut back = vec![usize::MAX; x.n_distinct()];
        for (i, &c) in x.codes[0].iter().enumerate() {
            let f = a.codes[0][i] as usize;
            if back[c as usize] == usize::MAX {
                back[c as usize] = f;
            }
            assert_eq!(back[c as usize], f);
        }
        for (c, &(_, r)) in x.first.iter().enumerate() {
            assert_eq!(x.codes[0][r as usize] as usize, c);
        }
        let mut seen = std::collections::HashMap::new();
        for (i, v) in vals.iter().enumerate() {
            let n = seen.len() as u32;
            let c = *seen.entry(*v).or_insert(n);
            assert_eq!(a.codes[0][i], c);
        }
    }

    #[test]
    fn hash_collisions_are_resolved_by_bytes() {
        // every value in one slot with the same tag: equality must come from the bytes
        let coded = |vals: &[&str]| {
            let mut d = Dict::with_capacity(4);
            let codes: Vec<u32> = vals
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let b = v.as_bytes();
                    d.code(&key_of(b), 42, b, (0, i as u64))
                })
                .collect();
            (d, codes)
        };
        let (d, codes) = coded(&[
            "x",
            "y",
            "long-value-number-one",
            "long-value-number-two",
            "x",
            "long-value-number-two",
        ]);
        assert_eq!(codes, vec![0, 1, 2, 3, 0, 3]);
        assert_eq!(d.bytes(2), b"long-value-number-one");
        // values over 28 bytes that differ only in bytes 12..20, which their keys do not hold
        // (uuid-like, 36 bytes), with the same hash: the bytes decide
        let vals = [
            "12345678-aaaa-bbbb-cccc-1234567890ab",
            "12345678-aaaa-bbbX-cccc-1234567890ab",
            "12345678-aaaa-bbbb-cccc-1234567890ab",
            "12345678-aaaa-Xbbb-cccc-1234567890ab",
            "12345678-aaaa-bbbX-cccc-1234567890ab",
        ];
        for v in vals {
            assert_eq!(
                key_of(v.as_bytes()),
                key_of(vals[0].as_bytes()),
                "keys alike"
            );
        }
        let (d, codes) = coded(&vals);
        assert_eq!(codes, vec![0, 1, 0, 2, 1]);
        assert_eq!(d.bytes(1), vals[1].as_bytes());
    }

    /// Long ids of one length (md5 hex, uuids) that differ only in the bytes their keys do not
    /// hold, few (block path) and many (partitioned path), against the reference.
    #[test]
    fn long_ids_differing_only_in_their_middle() {
        for distinct in [300u64, 200_000] {
            let owned: Vec<String> = (0..300_000u64)
                .map(|i| {
                    let k = (i * 7919) % distinct;
                    if i % 2 == 0 {
                        format!("0123456789ab{k:08x}cdef0123456789ab")
                    } else {
                        format!("01234567-89ab-{k:08x}-cdef-0123456789")
                    }
                })
                .collect();
            let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
            check(&vals);
        }
    }

    /// `LongLabels` alone: every value of 13 to 48 bytes found with its label, and no other
    /// value (each one with any one byte changed, one byte longer or shorter); values alike in
    /// their first and last 8 bytes (the one-multiply hash puts them all at the same slots)
    /// placed by the hash of every byte; a value over 48 bytes leaves the table unbuilt.
    #[test]
    fn table_grown_past_its_size_finds_its_long_values() {
        // 5,000 values of 29 to 60 bytes in a table sized for 8: it grows ten times, placing
        // the long values again by the hash kept in their keys, not by their bytes
        let vals: Vec<Vec<u8>> = (0..5_000u32)
            .map(|i| {
                let len = 29 + (i % 32) as usize;
                let mut v = format!("{i:08}-{}", i.wrapping_mul(2_654_435_761)).into_bytes();
                v.resize(len, b'a' + (i % 26) as u8);
                v
            })
            .collect();
        let mut d = Dict::with_capacity(8);
        for (i, v) in vals.iter().enumerate() {
            let k = key_of(v);
            let c = d.code(&k, hash_key(&k, v), v, (0, i as u64));
            assert_eq!(c, i as u32);
        }
        assert!(d.slots.len() >= 8_192);
        for (i, v) in vals.iter().enumerate() {
            let k = key_of(v);
            assert_eq!(d.find(&k, hash_key(&k, v), v), Ok(i as u32));
            assert_eq!(d.bytes(i), &v[..]);
        }
        // a value it was never given: absent
        let other = b"zzzzzzzz-not-one-of-the-values-above".to_vec();
        let k = key_of(&other);
        assert!(d.find(&k, hash_key(&k, &other), &other).is_err());
    }

    #[test]
    fn long_value_table_finds_its_values_and_no_other() {
        let mut rng = 0x1234_5678_u64;
        let mut next = || {
            rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            rng >> 33
        };
        let random: Vec<Vec<u8>> = (0..700)
            .map(|_| {
                let len = 13 + (next() % 36) as usize;
                (0..len).map(|_| b'0' + (next() % 40) as u8).collect()
            })
            .collect();
        let alike: Vec<Vec<u8>> = (0..300)
            .map(|k| format!("https://x.org/{k:06}/index.html").into_bytes())
            .collect();
        for (vals, full) in [(&random, false), (&alike, true)] {
            let mut d = Dict::with_capacity(4);
            for (i, b) in vals.iter().enumerate() {
                let k = key_of(b);
                d.code(&k, hash_key(&k, b), b, (0, i as u64));
            }
            // labels unlike the codes, and short values beside the long ones
            d.code(
                &key_of(b"short"),
                hash_key(&key_of(b"short"), b""),
                b"",
                (0, 9_999),
            );
            let labels: Vec<u32> = d.codes.iter().map(|&c| c * 3 + 1).collect();
            let t = LongLabels::new(&d, &labels).expect("built");
            assert_eq!(t.full, full);
            let known: std::collections::HashSet<&[u8]> = vals.iter().map(Vec::as_slice).collect();
            for b in vals {
                let k = key_of(b);
                let slot = d.find_slot(&k, hash_key(&k, b), b).unwrap();
                assert_eq!(t.get(b), Some(labels[slot]));
                let mut near: Vec<Vec<u8>> =
                    vec![b[..b.len() - 1].to_vec(), [&b[..], b"x"].concat()];
                for j in 0..b.len() {
                    let mut m = b.clone();
                    m[j] ^= 1;
                    near.push(m);
                }
                for m in near
                    .iter()
                    .filter(|m| m.len() > 12 && !known.contains(&m[..]))
                {
                    assert_eq!(t.get(m), None, "{:?}", String::from_utf8_lossy(m));
                }
            }
            let mut d2 = Dict::with_capacity(4);
            for b in vals.iter().map(Vec::as_slice).chain([&[b'y'; 49][..]]) {
                let k = key_of(b);
                d2.code(&k, hash_key(&k, b), b, (0, 0));
            }
            assert!(LongLabels::new(&d2, &d2.codes).is_none());
        }
    }

    /// Rows with their own bytes (as from CSV or Python lists) past the first blocks, over
    /// few values: the long-value table's loop, with values of every length it holds, values
    /// only it would miss (new after the first blocks, and alike at both ends), and a value too
    /// long for it in one case; against the reference, in every order.
    #[test]
    fn rows_with_their_own_bytes_after_the_first_blocks() {
        for too_long in [false, true] {
            let owned: Vec<String> = (0..400_000u64)
                .map(|i| {
                    let k = (i * 7_919) % 1_000;
                    match i % 5 {
                        0 => format!("{k:0w$}", w = 13 + (k % 36) as usize),
                        1 => format!("01234567-89ab-{k:08x}-cdef-0123456789"),
                        2 if i > 250_000 => format!("new-and-late-value-{k}"),
                        3 if too_long && i == 300_003 => "z".repeat(60),
                        _ => format!("m{k}"),
                    }
                })
                .collect();
            let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
            check_every_order(&vals);
        }
    }

    /// Columns whose first blocks settle their values only after the second block (5,000
    /// values: 64 Ki rows) or the third (20,000: 144 Ki rows), long ids with their own bytes
    /// (20,000 make a long-value table past `LONG_AHEAD_FROM`, whose rows' slots load ahead;
    /// the blocks after the first learn them in that table, see `code_learning`), short ones,
    /// every length at once (some too long for the table), and long values alike at both
    /// ends (one slot pair for all under the ends' hash: the table placed again, every byte
    /// hashed, while it learns): every order against the reference, and first-seen codes
    /// exactly, on 1 and 2 threads.
    #[test]
    fn values_settled_after_the_second_or_third_block() {
        for (distinct, kind) in [
            (5_000u64, "uuid"),
            (20_000, "uuid"),
            (20_000, "short"),
            (3_000, "short"),
            (20_000, "mixed"),
            (12_000, "alike"),
        ] {
            let owned: Vec<String> = (0..450_000u64)
                .map(|i| {
                    let k = (i.wrapping_mul(2_654_435_761) + i / distinct) % distinct;
                    match kind {
                        "uuid" => format!(
                            "{k:08x}-1111-2222-3333-{:012x}",
                            k.wrapping_mul(0x9e37_79b9)
                        ),
                        "mixed" => match k % 7 {
                            0 => format!("s{k}"),
                            1 => format!("mid-length-{k:06}"),
                            2 if k % 5 == 0 => format!("{k:0>60}"),
                            _ => format!("{k:0w$}", w = 13 + (k % 36) as usize),
                        },
                        "alike" => format!("first8b-{k:020}-last8by"),
                        _ => format!("u{k}"),
                    }
                })
                .collect();
            let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
            check_every_order(&vals);
            let mut first: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
            let want: Vec<u32> = vals
                .iter()
                .map(|v| {
                    let n = first.len() as u32;
                    *first.entry(v).or_insert(n)
                })
                .collect();
            assert_eq!(first.len() as u64, distinct);
            let (v, buf) = views(&vals);
            for t in [1, 2] {
                let f = with_threads(Some(t), || {
                    factorize_text(
                        &[TextColumn::Plain(vec![Strings::View {
                            views: &v,
                            buffers: vec![&buf],
                        }])],
                        Order::FirstSeen,
                        16,
                    )
                })
                .unwrap()
                .unwrap();
                assert!(f.codes[0] == want, "{distinct} {kind} values, {t} threads");
            }
        }
    }

    /// The head block's paths ([`HEAD_BLOCK`]): values that repeat 8 times there (the parallel
    /// blocks start after it), twice (the rest of the first block is learned in the long
    /// values' table, new values among its rows), and each with new values after the head;
    /// with the rows' own bytes, with a dictionary's layout whose first views lie end to end
    /// (the memo starts off there, then views repeat), and with one in another order (the
    /// memo on, then past [`MEMO_MOST`] values the long values' table).
    #[test]
    fn head_block_paths_code_as_the_reference() {
        let id = |k: u64| {
            format!(
                "{k:08x}-4444-5555-6666-{:012x}",
                k.wrapping_mul(0x9e37_79b9)
            )
        };
        for (head, rest) in [
            (50u64, 50u64),
            (50, 400),
            (1_000, 1_000),
            (1_000, 1_600),
            (3_000, 5_000),
        ] {
            let owned: Vec<String> = (0..300_000u64)
                .map(|i| match i {
                    0..64 => id(i),
                    _ if i < HEAD_BLOCK as u64 => id(splitmix(i) % head),
                    _ => id(splitmix(i) % rest),
                })
                .collect();
            let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
            check_every_order(&vals);
            let mut first: std::collections::HashMap<&str, (u32, usize)> =
                std::collections::HashMap::new();
            let want: Vec<u32> = vals
                .iter()
                .enumerate()
                .map(|(r, v)| {
                    let n = first.len() as u32;
                    first.entry(v).or_insert((n, r)).0
                })
                .collect();
            let (own, buf) = views(&vals);
            let shared: Vec<u128> = vals.iter().map(|v| own[first[v].1]).collect();
            // each value's bytes where its last row has them: a dictionary in another order,
            // the memo on
            let last: std::collections::HashMap<&str, usize> =
                vals.iter().enumerate().map(|(r, v)| (*v, r)).collect();
            let scattered: Vec<u128> = vals.iter().map(|v| own[last[v]]).collect();
            assert!(laid_end_to_end(&own) && laid_end_to_end(&shared));
            assert!(!laid_end_to_end(&scattered));
            for (v, layout) in [
                (&own, "own"),
                (&shared, "shared"),
                (&scattered, "scattered"),
            ] {
                for t in [1, 2] {
                    let f = with_threads(Some(t), || {
                        factorize_text(
                            &[TextColumn::Plain(vec![Strings::View {
                                views: v,
                                buffers: vec![&buf],
                            }])],
                            Order::FirstSeen,
                            1 << 10,
                        )
                    })
                    .unwrap()
                    .unwrap();
                    assert!(
                        f.codes[0] == want,
                        "{head}/{rest} values, {layout}, {t} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn views_laid_end_to_end_only_in_one_buffer_without_repeats() {
        let owned: Vec<String> = (0..40)
            .map(|k| {
                if k % 3 == 0 {
                    format!("s{k}")
                } else {
                    format!("value-number-{k:04}")
                }
            })
            .collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (v, _) = views(&vals);
        // (short values between the long ones are skipped: 26 long views)
        assert!(laid_end_to_end(&v));
        let mut repeat = v.clone();
        repeat[20] = repeat[4];
        assert!(!laid_end_to_end(&repeat));
        let mut other = v.clone();
        other[20] |= 1u128 << 64; // buffer 1
        assert!(!laid_end_to_end(&other));
        // too few long views to tell: 14
        assert!(!laid_end_to_end(&v[..21]));
        // only the first 64 views are read
        let owned: Vec<String> = (0..100).map(|k| format!("value-number-{k:04}")).collect();
        let vals: Vec<&str> = owned.iter().map(String::as_str).collect();
        let (mut m, _) = views(&vals);
        m[80] = m[4];
        assert!(laid_end_to_end(&m));
        m[50] = m[4];
        assert!(!laid_end_to_end(&m));
    }

    #[test]
    fn several_columns_chunks_and_dictionaries_share_codes() {
        let a = ["b", "a", "c"];
        let b1 = ["c", "zz"];
        let b2 = ["a"];
        let dvals = ["q", "a", "zz", "unused"];
        let (oa, da) = utf8(&a);
        let (o1, d1) = utf8(&b1);
        let (v2, buf2) = views(&b2);
        let (od, dd) = utf8(&dvals);
        let keys = [2u32, 1, 2, 0];
        let cols = [
            TextColumn::Plain(vec![Strings::Utf8 {
                offsets: &oa,
                data: &da,
            }]),
            TextColumn::Plain(vec![
                Strings::Utf8 {
                    offsets: &o1,
                    data: &d1,
                },
                Strings::View {
                    views: &v2,
                    buffers: vec![&buf2],
                },
            ]),
            TextColumn::Dict(vec![(
                Cow::Borrowed(&keys[..]),
                Strings::Utf8 {
                    offsets: &od,
                    data: &dd,
                },
            )]),
        ];
        // distinct: a b c q zz ("unused" is in the dictionary but no row uses it)
        let f = factorize_text(&cols, Order::Sorted, 4).unwrap();
        assert_eq!(
            f.codes,
            vec![vec![1, 0, 2], vec![2, 4, 0], vec![4, 0, 4, 3]]
        );
        assert_eq!(f.first, vec![(0, 1), (0, 0), (0, 2), (2, 3), (1, 1)]);
        let u = factorize_text(&cols, Order::FirstSeen, 4).unwrap();
        assert_eq!(
            u.codes,
            vec![vec![0, 1, 2], vec![2, 3, 1], vec![3, 1, 3, 4]]
        );
        // a key outside the dictionary is an error, not a panic
        let bad = [9u32];
        let cols = [TextColumn::Dict(vec![(
            Cow::Borrowed(&bad[..]),
            Strings::Utf8 {
                offsets: &od,
                data: &dd,
            },
        )])];
        assert!(factorize_text(&cols, Order::Sorted, 4).is_err());
        // offsets past the data are an error
        let off = [0i32, 5];
        let cols = [TextColumn::Plain(vec![Strings::Utf8 {
            offsets: &off,
            data: b"ab",
        }])];
        assert!(factorize_text(&cols, Order::Sorted, 4).is_err());
    }

    #[test]
    fn integers_dense_and_sparse() {
        let a = [5i64, -3, 5, 7];
        let b = [7i64, 100];
        let f = factorize_int(&[&a[..], &b[..]], true).unwrap();
        assert_eq!(f.codes, vec![vec![1, 0, 1, 2], vec![2, 3]]);
        assert_eq!(f.first, vec![(0, 1), (0, 0), (0, 3), (1, 1)]);
        let s = [i64::MAX, i64::MIN, 0, i64::MAX];
        let f = factorize_int(&[&s[..]], true).unwrap();
        assert_eq!(f.codes, vec![vec![2, 0, 1, 2]]);
        assert_eq!(f.first, vec![(0, 1), (0, 2), (0, 0)]);
        let f = factorize_int::<i64>(&[&[]], true).unwrap();
        assert_eq!(f.n_distinct(), 0);
        // first-seen, dense and sparse, in the columns' own width
        let a = [5u32, 3, 5, 7];
        let b = [7u32, 1];
        let f = factorize_int(&[&a[..], &b[..]], false).unwrap();
        assert_eq!(f.codes, vec![vec![0, 1, 0, 2], vec![2, 3]]);
        assert_eq!(f.first, vec![(0, 0), (0, 1), (0, 3), (1, 1)]);
        let s = [i64::MAX, i64::MIN, 0, i64::MAX, i64::MIN];
        let f = factorize_int(&[&s[..]], false).unwrap();
        assert_eq!(f.codes, vec![vec![0, 1, 2, 0, 1]]);
        assert_eq!(f.first, vec![(0, 0), (0, 1), (0, 2)]);
    }

    /// A map over physical ids gives, id by id, the codes and first rows `factorize_int`
    /// gives row by row, sorted and first-seen; negative or too sparse ids get no map.
    #[test]
    fn code_map_agrees_with_the_codes() {
        let mut x = 99u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        for span in [3u64, 200, 700] {
            let a: Vec<u16> = (0..5_000)
                .map(|_| (next(span) * 7 % 65_536) as u16)
                .collect();
            let b: Vec<u16> = (0..300).map(|_| (next(span) * 7 % 65_536) as u16).collect();
            for sort in [true, false] {
                let want = factorize_int(&[&a[..], &b[..]], sort).unwrap();
                let (map, first) = code_map(&[&a[..], &b[..]], sort).unwrap().unwrap();
                assert_eq!(first, want.first, "span {span} sort {sort}");
                let via: Vec<Vec<u32>> = [&a, &b]
                    .iter()
                    .map(|c| c.iter().map(|&i| map[usize::from(i)]).collect())
                    .collect();
                assert_eq!(via, want.codes, "span {span} sort {sort}");
                // ids that do not occur map to no code
                let present: std::collections::HashSet<u16> = a.iter().chain(&b).copied().collect();
                for (id, &c) in map.iter().enumerate() {
                    assert_eq!(c == u32::MAX, !present.contains(&(id as u16)));
                }
            }
        }
        // a wide range few ids of which occur, one first at a late row (found once the ids
        // that occur are counted), against a reference scan; in two columns too
        let mut wide: Vec<u32> = (0..1_200_000u32).map(|i| (i % 7) * 150_000).collect();
        wide[1_000_000] = 999_999;
        let (left, right) = wide.split_at(700_000);
        for cols in [vec![&wide[..]], vec![left, right]] {
            let mut seen: Vec<(u32, Position)> = vec![];
            for (ci, c) in cols.iter().enumerate() {
                for (r, &x) in c.iter().enumerate() {
                    if !seen.iter().any(|s| s.0 == x) {
                        seen.push((x, (ci as u32, r as u64)));
                    }
                }
            }
            for sort in [false, true] {
                if sort {
                    seen.sort_unstable();
                }
                let (map, first) = code_map(&cols, sort).unwrap().unwrap();
                assert_eq!(first, seen.iter().map(|s| s.1).collect::<Vec<_>>());
                for (code, &(x, _)) in seen.iter().enumerate() {
                    assert_eq!(map[x as usize], code as u32);
                }
                assert_eq!(map.iter().filter(|&&c| c != u32::MAX).count(), 8);
                assert_eq!(factorize_int(&cols, sort).unwrap().first, first);
            }
        }
        // a map with more entries than rows (and 4,096) is not made
        let sparse: Vec<u32> = (0..5_000).map(|i| i * 7).collect();
        assert_eq!(code_map(&[&sparse[..]], true).unwrap(), None);
        assert!(code_map(&[&sparse[..4_000]], true).unwrap().is_none());
        assert!(code_map(&[&sparse[..585]], true).unwrap().is_some());
        assert_eq!(code_map::<i64>(&[&[-1, 3]], true).unwrap(), None);
        assert_eq!(code_map::<u32>(&[&[1 << 30, 3]], true).unwrap(), None);
        assert_eq!(
            code_map::<u8>(&[&[]], true).unwrap(),
            Some((vec![], vec![]))
        );
    }

    #[test]
    fn remap_renumbers_and_rejects_codes_outside_the_table() {
        let mut a = vec![0u32, 2, 1];
        let mut b = vec![2u32];
        remap(&mut [&mut a[..], &mut b[..]], &[2, 0, 1]).unwrap();
        assert_eq!((a, b), (vec![2, 1, 0], vec![1]));
        let mut c = [3u32];
        assert!(remap(&mut [&mut c[..]], &[0, 1, 2]).is_err());
    }

    #[test]
    fn keys_built_from_bytes_match_view_keys_and_hold_the_bytes() {
        for len in 0..=40usize {
            let v: Vec<u8> = (0..len as u8).map(|x| x.wrapping_mul(37) ^ 0x5a).collect();
            let k = key_of(&v);
            assert_eq!(key_len(&k), len);
            if len <= 12 {
                let mut raw = [0u8; 16];
                raw[..4].copy_from_slice(&(len as u32).to_le_bytes());
                raw[4..4 + len].copy_from_slice(&v);
                assert_eq!(view_key(u128::from_le_bytes(raw)), k, "len {len}");
            }
            let mut d = Dict::with_capacity(4);
            d.code(&k, hash_key(&k, &v), &v, (0, 0));
            assert_eq!(d.bytes(0), &v[..], "len {len}");
        }
    }
}

#[cfg(test)]
mod probe {
    use super::*;
    use crate::parallel::with_threads;

    use super::tests::splitmix;

    fn id(family: &str, i: u64) -> String {
        let (a, b) = (splitmix(i), splitmix(i ^ 0xabc));
        match family {
            "md5" => format!("{a:016x}{b:016x}"),
            "uuid" => {
                let s = format!("{a:016x}{b:016x}");
                format!(
                    "{}-{}-{}-{}-{}",
                    &s[..8],
                    &s[8..12],
                    &s[12..16],
                    &s[16..20],
                    &s[20..]
                )
            }
            // 13 to 28 bytes: held whole by a key, not by a view
            "mid" => format!("response-{a:011x}"),
            _ => format!("model-{i}"),
        }
    }

    /// Timing probe of the text factorizer: ns per row by id family (PROBE=short,
    /// mid, md5, uuid), distinct count (PROBE_D=1000,125000), threads (PROBE_T=1,2), order
    /// (PROBE_O=any for Any only, PROBE_O=group for `group_text`), best of PROBE_R runs, rows
    /// (PROBE_N, default 1e6); PROBE_SHARED=1 gives equal values equal views (a dictionary's
    /// layout); PROBE_FLOOR=1 first times a bare read of every row's first and last 8 bytes
    /// (the memory traffic alone):
    /// `PROBE=md5,uuid cargo test --release -p pluralign-core probe_ -- --ignored --nocapture`.
    #[test]
    #[ignore = "slow (timing or large input): cargo test -- --ignored"]
    fn probe_factorize_text() {
        let fams = std::env::var("PROBE").unwrap_or_else(|_| "short,md5,uuid".into());
        let threads: Vec<usize> = std::env::var("PROBE_T")
            .unwrap_or_else(|_| "1,2".into())
            .split(',')
            .map(|t| t.parse().unwrap())
            .collect();
        let reps: usize = std::env::var("PROBE_R").map_or(7, |r| r.parse().unwrap());
        let n: usize = std::env::var("PROBE_N").map_or(1_000_000, |r| r.parse().unwrap());
        for fam in fams.split(',') {
            let ds: Vec<u64> = std::env::var("PROBE_D")
                .unwrap_or_else(|_| "1000,125000".into())
                .split(',')
                .map(|t| t.parse().unwrap())
                .collect();
            for distinct in ds {
                let dv: Vec<String> = (0..distinct).map(|i| id(fam, i)).collect();
                let mut vals: Vec<&str> = (0..n as u64)
                    .map(|i| dv[(splitmix(i * 7 + 1) % distinct) as usize].as_str())
                    .collect();
                if std::env::var("PROBE_SORTED").is_ok() {
                    vals.sort_unstable();
                }
                let (mut v, buf) = super::tests::views(&vals);
                if std::env::var("PROBE_SHARED").is_ok() {
                    // equal values at equal views (a dictionary's layout): each row's view
                    // is the one of the value's first row
                    let mut first = std::collections::HashMap::new();
                    for (k, s) in vals.iter().enumerate() {
                        v[k] = v[*first.entry(*s).or_insert(k)];
                    }
                }
                let used = vals.iter().collect::<std::collections::HashSet<_>>().len();
                if std::env::var("PROBE_FLOOR").is_ok() {
                    let mut best = f64::MAX;
                    let mut acc = 0u64;
                    for _ in 0..reps {
                        let t0 = std::time::Instant::now();
                        for &x in v.iter().filter(|&&x| x as u32 > 12) {
                            let (l, o) = (x as u32 as usize, (x >> 96) as u32 as usize);
                            acc ^= word(&buf, o) ^ word(&buf, o + l - 8);
                        }
                        best = best.min(t0.elapsed().as_secs_f64());
                    }
                    println!("floor {:6.1} ns/row ({acc})", best * 1e9 / n as f64);
                }
                let orders = match std::env::var("PROBE_O").as_deref() {
                    Ok("any") => vec![Order::Any],
                    Ok("group") => vec![],
                    _ => vec![Order::Sorted, Order::Any],
                };
                if orders.is_empty() {
                    for &t in &threads {
                        let mut best = f64::MAX;
                        for _ in 0..reps {
                            let chunk = [Strings::View {
                                views: &v,
                                buffers: vec![&buf],
                            }];
                            let t0 = std::time::Instant::now();
                            let g = with_threads(Some(t), || group_text(&chunk))
                                .unwrap()
                                .unwrap();
                            best = best.min(t0.elapsed().as_secs_f64());
                            assert_eq!(g.offsets.len(), used + 1);
                        }
                        println!(
                            "{fam:6} d={distinct:>6} group t={t}: {:6.2} ms {:6.1} ns/row",
                            best * 1e3,
                            best * 1e9 / n as f64
                        );
                    }
                }
                for &order in &orders {
                    for &t in &threads {
                        let mut best = f64::MAX;
                        for _ in 0..reps {
                            let col = TextColumn::Plain(vec![Strings::View {
                                views: &v,
                                buffers: vec![&buf],
                            }]);
                            let t0 = std::time::Instant::now();
                            let f =
                                with_threads(Some(t), || factorize_text(&[col], order, 1 << 10))
                                    .unwrap()
                                    .unwrap();
                            best = best.min(t0.elapsed().as_secs_f64());
                            assert_eq!(f.n_distinct(), used);
                        }
                        println!(
                            "{fam:6} d={distinct:>6} {order:?} t={t}: {:6.2} ms {:6.1} ns/row",
                            best * 1e3,
                            best * 1e9 / n as f64
                        );
                    }
                }
            }
        }
    }
}
