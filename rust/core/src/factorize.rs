//! Factorization of id columns: every value gets a dense `u32` code, equal values equal codes,
//! codes `0..n_distinct` in the sorted order of the distinct values (or in first-seen order when
//! the caller needs identity only, e.g. grouping). One factorizer for every id column of the
//! library (items, raters, prompts, groups), fed straight from Arrow buffers by the binding.
//!
//! Strings: each value is hashed once per pass; a linear-probing table of `u64` slots (32-bit
//! hash tag, 32-bit code) finds its code. Per code the table keeps a 32-byte key: the length and
//! the bytes themselves when they fit in 28 (for values of up to 12 bytes the key is the Arrow
//! *view* of the value, read without touching the data buffers), else a prefix and the last 16
//! bytes, the whole long value living in an owned arena; so equal keys are equal values for
//! ids up to 28 bytes and comparisons never leave the key array.
//!
//! Few distinct values (the first block has at most [`SMALL`]): the input is cut into fixed
//! blocks coded in parallel with small local tables, merged in block order. Many distinct
//! values: rows are radix-partitioned by the top bits of their hash (each row's key and row
//! number copied to its partition, a round of blocks at a time so the scratch stays bounded),
//! each partition is coded with its own cache-resident table, and the codes are put back in
//! row order. Either way the codes are then renumbered into first-seen (or sorted) order, so
//! every output is the same for any thread count. Sorting touches only the distinct values.
//!
//! Dictionary-encoded columns (Arrow dictionaries: polars Categorical / Enum) are coded through
//! their dictionary: the used dictionary entries are factorized, the row keys only remapped.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::Result;
use crate::hashing::Hash64;
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

    /// Checks that every offset / view points inside its buffer, so [`Self::get`] cannot fail.
    pub fn validate(&self) -> Result<()> {
        let bad = match self {
            Strings::Utf8 { offsets, data } => offsets
                .windows(2)
                .any(|w| w[0] < 0 || w[1] < w[0] || w[1] as usize > data.len()),
            Strings::LargeUtf8 { offsets, data } => offsets
                .windows(2)
                .any(|w| w[0] < 0 || w[1] < w[0] || w[1] as usize > data.len()),
            Strings::View { views, buffers } => views.iter().any(|&v| {
                let len = v as u32 as usize;
                if len <= 12 {
                    return false;
                }
                let (b, o) = ((v >> 64) as u32 as usize, (v >> 96) as u32 as usize);
                buffers.get(b).is_none_or(|buf| o + len > buf.len())
            }),
        };
        if bad {
            return input_err!("an id column has offsets outside its data buffer");
        }
        Ok(())
    }

    /// The bytes of value `i` (after [`Self::validate`]).
    #[inline]
    fn get(&self, i: usize) -> &[u8] {
        match self {
            Strings::Utf8 { offsets, data } => &data[offsets[i] as usize..offsets[i + 1] as usize],
            Strings::LargeUtf8 { offsets, data } => {
                &data[offsets[i] as usize..offsets[i + 1] as usize]
            }
            Strings::View { views, buffers } => {
                let v = &views[i];
                let len = *v as u32 as usize;
                if len <= 12 {
                    // SAFETY: a u128 is 16 plain bytes; inline data sits at bytes 4..4 + len
                    // (little-endian layout of the Arrow view).
                    let bytes: &[u8; 16] =
                        unsafe { &*std::ptr::from_ref::<u128>(v).cast::<[u8; 16]>() };
                    &bytes[4..4 + len]
                } else {
                    let (b, o) = ((*v >> 64) as u32 as usize, (*v >> 96) as u32 as usize);
                    &buffers[b][o..o + len]
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
                let (b, o) = ((v >> 64) as u32 as usize, (v >> 96) as u32 as usize);
                &buffers[b][o..o + len]
            }
        };
        (key_of(b), b)
    }
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
/// Empty table slot.
const EMPTY: u64 = 0;
const TAG: u64 = 0xffff_ffff_0000_0000;
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
    // leaves garbage must not split equal strings)
    let keep = 32 + 8 * (v as u32);
    let v = if keep >= 128 {
        v
    } else {
        v & ((1u128 << keep) - 1)
    };
    [v as u64, (v >> 64) as u64, 0, 0]
}

/// Hash of a value: of its key when the key holds it, of all its bytes when longer (a value's
/// length alone decides which, so equal values always hash alike).
#[inline(always)]
fn hash_key(k: &Key, b: &[u8]) -> u64 {
    let len = key_len(k);
    if len <= 12 {
        mix(k[0], k[1])
    } else if len <= INLINE {
        mix(k[0] ^ mix(k[2], k[3]), k[1])
    } else {
        mix(Hash64::new(0).bytes(b).finish(), len as u64)
    }
}

/// Distinct values with their codes (first-seen order).
struct Dict {
    slots: Vec<u64>,
    mask: usize,
    keys: Vec<Key>,
    hashes: Vec<u64>,
    first: Vec<Position>,
    /// The long distinct values, back to back, and where each code's value starts there.
    arena: Vec<u8>,
    at: Vec<usize>,
}

impl Dict {
    fn with_capacity(n: usize) -> Self {
        let cap = (n.max(8) * 2).next_power_of_two();
        Dict {
            slots: vec![EMPTY; cap],
            mask: cap - 1,
            keys: Vec::new(),
            hashes: Vec::new(),
            first: Vec::new(),
            arena: Vec::new(),
            at: Vec::new(),
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
            let o = self.at[code];
            &self.arena[o..o + len]
        }
    }

    /// The code of a value with key `key`, hash `h` and bytes `b` (the bytes are read only for
    /// values longer than a key holds), or the empty slot where it would go. Inlined, so the
    /// key stays in registers (a key stored word by word and reloaded whole stalls the load).
    #[inline(always)]
    fn find(&self, key: &Key, h: u64, b: &[u8]) -> std::result::Result<u32, usize> {
        let tag = h & TAG;
        let mut i = (h as usize) & self.mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return Err(i);
            }
            if s & TAG == tag {
                let c = (s as u32 - 1) as usize;
                let k = &self.keys[c];
                // equal first words mean equal lengths; up to 12 bytes the rest is zero
                if k[0] == key[0]
                    && k[1] == key[1]
                    && (key_len(key) <= 12
                        || (k[2] == key[2]
                            && k[3] == key[3]
                            && (key_len(key) <= INLINE || self.bytes(c) == b)))
                {
                    return Ok(c as u32);
                }
            }
            i = (i + 1) & self.mask;
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
        let c = self.keys.len();
        self.at.push(self.arena.len());
        if key_len(key) > INLINE {
            self.arena.extend_from_slice(b);
        }
        self.keys.push(*key);
        self.hashes.push(h);
        self.first.push(pos);
        self.slots[slot] = (h & TAG) | (c as u64 + 1);
        if 2 * self.keys.len() > self.slots.len() {
            self.grow();
        }
        c as u32
    }

    fn grow(&mut self) {
        let cap = self.slots.len() * 2;
        self.slots = vec![EMPTY; cap];
        self.mask = cap - 1;
        for (c, &h) in self.hashes.iter().enumerate() {
            let mut i = (h as usize) & self.mask;
            while self.slots[i] != EMPTY {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = (h & TAG) | (c as u64 + 1);
        }
    }

    /// Adds every distinct value of `other` (in its order); returns its codes here.
    fn absorb(&mut self, other: &Dict) -> Vec<u32> {
        (0..other.len())
            .map(|c| {
                let b = other.bytes(c);
                self.code(&other.keys[c], other.hashes[c], b, other.first[c])
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

/// Codes the rows of `b` into a new table; with `limit`, gives up (None) as soon as the table
/// holds more than `limit` values.
fn code_block(
    b: &Block<'_, '_>,
    codes: &mut [u32],
    expect: usize,
    limit: Option<usize>,
) -> Option<Dict> {
    let mut d = Dict::with_capacity(expect.min(b.hi - b.lo));
    let cap = limit.unwrap_or(usize::MAX);
    if let Strings::View { views, .. } = b.strings {
        // the common layout, looped over directly: short values never leave the views
        for ((out, &v), i) in codes.iter_mut().zip(&views[b.lo..b.hi]).zip(b.lo..) {
            let (key, bytes) = if v as u32 <= 12 {
                (view_key(v), &[][..])
            } else {
                b.strings.entry(i)
            };
            let h = hash_key(&key, bytes);
            *out = d.code(&key, h, bytes, (b.col, b.base + i as u64));
            if d.len() > cap {
                return None;
            }
        }
        return Some(d);
    }
    for (out, i) in codes.iter_mut().zip(b.lo..b.hi) {
        let (key, bytes) = b.strings.entry(i);
        let h = hash_key(&key, bytes);
        *out = d.code(&key, h, bytes, (b.col, b.base + i as u64));
        if d.len() > cap {
            return None;
        }
    }
    Some(d)
}

/// Codes of the rows of `blocks` (written to `out`, one slice per block; block 0 is already
/// coded in `first`): every block looks its rows up in block 0's table, shared read-only, and
/// keeps the values it lacks in a small table of its own; those are merged in block order, so
/// codes stay in first-seen order. Values repeating across blocks are inserted once.
fn code_blocks_after(
    first: Dict,
    blocks: &[Block<'_, '_>],
    out: &mut [&mut [u32]],
    expect: usize,
) -> Dict {
    let shared = first;
    let n0 = shared.len() as u32;
    let locals: Vec<Dict> = blocks[1..]
        .par_iter()
        .zip(out[1..].par_iter_mut())
        .map(|(b, o)| {
            let mut local = Dict::with_capacity(expect.min(64));
            for (c, i) in o.iter_mut().zip(b.lo..b.hi) {
                let (key, bytes) = b.strings.entry(i);
                let h = hash_key(&key, bytes);
                // codes from n0 on: the block's own values, renumbered below
                *c = match shared.find(&key, h, bytes) {
                    Ok(x) => x,
                    Err(_) => n0 + local.code(&key, h, bytes, (b.col, b.base + i as u64)),
                };
            }
            local
        })
        .collect();
    let mut global = shared;
    let luts: Vec<Vec<u32>> = locals.iter().map(|d| global.absorb(d)).collect();
    out[1..]
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
    global
}

/// Hash bits that pick a partition of the partitioned path (a fixed count, so nothing depends
/// on the thread count).
const PART_BITS: u32 = 8;
const PARTS: usize = 1 << PART_BITS;

/// The rows of one block that fall in one partition: their keys and row numbers (replaced by
/// their codes in the partition's table once coded).
struct PartRows {
    keys: Vec<Key>,
    rows: Vec<u32>,
}

/// Codes of the rows of `blocks` when there are many distinct values: per round of blocks,
/// (1) every row's key goes to its partition (the top hash bits), (2) each partition codes its
/// rows, in row order, with its own table (kept across rounds), (3) the codes go back in row
/// order. `out` gets the code within the row's partition, `part` the partition.
fn code_partitioned(
    blocks: &[Block<'_, '_>],
    out: &mut [&mut [u32]],
    part: &mut [&mut [u8]],
) -> Vec<Dict> {
    let mut dicts: Vec<Dict> = (0..PARTS).map(|_| Dict::with_capacity(64)).collect();
    // a round per pool's worth of blocks bounds the scratch (36 bytes a row); the result does
    // not depend on it (each partition still sees its rows in row order)
    let per_round = rayon::current_num_threads().max(2);
    for ((bs, os), ps) in blocks
        .chunks(per_round)
        .zip(out.chunks_mut(per_round))
        .zip(part.chunks_mut(per_round))
    {
        let spread: Vec<Vec<PartRows>> = bs
            .par_iter()
            .zip(ps.par_iter_mut())
            .map(|(b, pb)| {
                let cap = (b.hi - b.lo) / PARTS * 5 / 4 + 16;
                let mut lists: Vec<PartRows> = (0..PARTS)
                    .map(|_| PartRows {
                        keys: Vec::with_capacity(cap),
                        rows: Vec::with_capacity(cap),
                    })
                    .collect();
                for (slot, i) in pb.iter_mut().zip(b.lo..b.hi) {
                    let (key, bytes) = b.strings.entry(i);
                    let p = (hash_key(&key, bytes) >> (64 - PART_BITS)) as usize;
                    *slot = p as u8;
                    let l = &mut lists[p];
                    l.keys.push(key);
                    l.rows.push((i - b.lo) as u32);
                }
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
                    for (key, r) in l.keys.iter().zip(l.rows.iter_mut()) {
                        let i = b.lo + *r as usize;
                        let bytes = if key_len(key) > INLINE {
                            b.strings.get(i)
                        } else {
                            &[]
                        };
                        *r = d.code(key, hash_key(key, bytes), bytes, (b.col, b.base + i as u64));
                    }
                }
            });
        let by_part = &by_part;
        os.par_iter_mut()
            .zip(ps.par_iter())
            .enumerate()
            .for_each(|(bi, (o, pb))| {
                let mut at = [0usize; PARTS];
                for (c, &p) in o.iter_mut().zip(pb.iter()) {
                    let p = p as usize;
                    *c = by_part[p][bi].rows[at[p]];
                    at[p] += 1;
                }
            });
    }
    dicts
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
                    let hi = (lo + BLOCK).min(n);
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
    let mut plain_codes = vec![0u32; plain_rows];
    // the partition of each plain row (partitioned path only)
    let mut plain_part: Vec<u8> = vec![];
    let mut dicts: Vec<Dict> = {
        let mut outs = split_lengths(&mut plain_codes, blocks.iter().map(|b| b.hi - b.lo));
        if blocks.is_empty() {
            vec![Dict::with_capacity(expect_distinct.min(dict_rows.len()))]
        } else if let Some(d) = code_block(
            &blocks[0],
            outs[0],
            expect_distinct,
            (blocks.len() > 1).then_some(SMALL),
        ) {
            // few distinct values in the first block: blocks with small tables, merged
            if blocks.len() == 1 {
                vec![d]
            } else {
                vec![code_blocks_after(d, &blocks, &mut outs, expect_distinct)]
            }
        } else {
            plain_part = vec![0u8; plain_rows];
            let mut parts = split_lengths(&mut plain_part, blocks.iter().map(|b| b.hi - b.lo));
            code_partitioned(&blocks, &mut outs, &mut parts)
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
        let mut order: Vec<u32> = (0..n as u32).collect();
        if sort {
            let bytes = |g: u32| {
                let (p, c) = owner[g as usize];
                dicts[p as usize].bytes(c as usize)
            };
            order.par_sort_unstable_by(|&a, &b| bytes(a).cmp(bytes(b)));
        } else {
            let first = |g: u32| {
                let (p, c) = owner[g as usize];
                dicts[p as usize].first[c as usize]
            };
            order.par_sort_unstable_by_key(|&g| first(g));
        }
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
    let n_plain_cols = cols
        .iter()
        .filter(|c| matches!(c, TextColumn::Plain(_)))
        .count();
    let mut plain_at = 0usize;
    let mut dict_chunk = 0usize;
    for col in cols {
        match col {
            TextColumn::Plain(chunks) => {
                let len: usize = chunks.iter().map(Strings::len).sum();
                let range = plain_at..plain_at + len;
                plain_at += len;
                let c: Vec<u32> = if partitioned {
                    plain_codes[range.clone()]
                        .par_iter()
                        .zip(plain_part[range].par_iter())
                        .map(|(&c, &p)| final_code(p as usize, c))
                        .collect()
                } else if rank.is_some() {
                    plain_codes[range]
                        .par_iter()
                        .map(|&c| final_code(0, c))
                        .collect()
                } else if n_plain_cols == 1 {
                    // the only plain column: its codes are final as they are
                    std::mem::take(&mut plain_codes)
                } else {
                    plain_codes[range].to_vec()
                };
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

/// Factorizes integer columns as one set of values; codes follow the numeric order (`sort`)
/// or the order of first appearance. Values in a compact range go through a presence table (no
/// hashing), others through a sort of the distinct values.
pub fn factorize_int<T: IdInt>(cols: &[&[T]], sort: bool) -> Result<Factorized> {
    let total: usize = cols.iter().map(|c| c.len()).sum();
    if total >= u32::MAX as usize {
        return input_err!("{total} ids are more than this factorizer supports (2^32 - 1)");
    }
    let (lo, hi) = cols
        .par_iter()
        .flat_map(|c| c.par_chunks(BLOCK))
        .map(|c| {
            c.iter().fold((i64::MAX, i64::MIN), |(a, b), &x| {
                let x = x.id();
                (a.min(x), b.max(x))
            })
        })
        .reduce(|| (i64::MAX, i64::MIN), |x, y| (x.0.min(y.0), x.1.max(y.1)));
    if total == 0 {
        return Ok(Factorized {
            codes: cols.iter().map(|_| vec![]).collect(),
            first: vec![],
        });
    }
    let span = (hi as i128 - lo as i128 + 1) as u128;
    // offset of a value in the compact range (span < 2^63 there, so the wrapping difference is
    // the true one)
    let off = |x: T| x.id().wrapping_sub(lo) as u64 as usize;
    if span <= (4 * total as u128).max(1 << 16) {
        // presence table over the range; the first-occurrence scan stops once every value of
        // the range has been seen (dense ids: a few rows)
        let span = span as usize;
        let mut table = vec![u32::MAX; span];
        let mut first: Vec<(usize, Position)> = vec![];
        'scan: for (ci, c) in cols.iter().enumerate() {
            for (r, &x) in c.iter().enumerate() {
                let o = off(x);
                if table[o] == u32::MAX {
                    table[o] = first.len() as u32;
                    first.push((o, (ci as u32, r as u64)));
                    if first.len() == span {
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
        let codes = cols
            .iter()
            .map(|c| c.par_iter().map(|&x| table[off(x)]).collect())
            .collect();
        return Ok(Factorized {
            codes,
            first: first.into_iter().map(|(_, p)| p).collect(),
        });
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

    fn utf8(vals: &[&str]) -> (Vec<i32>, Vec<u8>) {
        let mut off = vec![0i32];
        let mut data = vec![];
        for v in vals {
            data.extend_from_slice(v.as_bytes());
            off.push(data.len() as i32);
        }
        (off, data)
    }

    /// Arrow views of `vals`: inline when short, else into one buffer (the buffer is returned).
    fn views(vals: &[&str]) -> (Vec<u128>, Vec<u8>) {
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
                let f = with_threads(Some(threads), || factorize_text(&[col], Order::Sorted, 16))
                    .unwrap()
                    .unwrap();
                assert_eq!(f.codes[0], want);
                let got: Vec<&str> = f.first.iter().map(|&(_, r)| vals[r as usize]).collect();
                assert_eq!(got, want_d);
            }
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
        let run = |t| {
            with_threads(Some(t), || {
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
            .unwrap()
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a, b);
        // any order: the same partition of the rows, the same for any thread count
        let any = |t| {
            with_threads(Some(t), || {
                factorize_text(
                    &[TextColumn::Plain(vec![Strings::Utf8 {
                        offsets: &off,
                        data: &data,
                    }])],
                    Order::Any,
                    0,
                )
            })
            .unwrap()
            .unwrap()
        };
        let (x, y) = (any(1), any(2));
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
        let mut d = Dict::with_capacity(4);
        let vals = [
            "x",
            "y",
            "long-value-number-one",
            "long-value-number-two",
            "x",
            "long-value-number-two",
        ];
        let codes: Vec<u32> = vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let b = v.as_bytes();
                d.code(&key_of(b), 42, b, (0, i as u64))
            })
            .collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 0, 3]);
        assert_eq!(d.bytes(2), b"long-value-number-one");
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
