//! Factorization of id columns: every value gets a dense `u32` code, equal values equal codes,
//! codes `0..n_distinct` in the sorted order of the distinct values (or in first-seen order when
//! the caller needs identity only, e.g. grouping). One factorizer for every id column of the
//! library (items, raters, prompts, groups), fed straight from Arrow buffers by the binding.
//!
//! Strings: each value is hashed once; a linear-probing table of `u64` slots (32-bit hash tag,
//! 32-bit code) finds its code. Per code the table keeps a 16-byte key in the Arrow *view*
//! layout (length, then the bytes inline if they fit in 12, else a 4-byte prefix and the last 8
//! bytes; the whole long values live in an owned arena), so most comparisons never leave the
//! key array. Large inputs are cut into fixed blocks that are coded in parallel with small local
//! tables and merged in block order: the first-seen order (and so every output) is the same for
//! any thread count. Sorting touches only the distinct values.
//!
//! Dictionary-encoded columns (Arrow dictionaries: polars Categorical / Enum) are coded through
//! their dictionary: the used dictionary entries are factorized, the row keys only remapped.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::Result;
use crate::hashing::Hash64;
use crate::input_err;

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

    /// The normalized inline key of a short value straight from its view (no byte copy).
    #[inline]
    fn short_key(&self, i: usize) -> Option<u128> {
        if let Strings::View { views, .. } = self {
            let v = views[i];
            let len = v as u32;
            if len <= 12 {
                // zero whatever follows the string (the format asks for zero padding; a
                // producer that leaves garbage must not split equal strings)
                let keep = 32 + 8 * len;
                return Some(if keep >= 128 {
                    v
                } else {
                    v & ((1u128 << keep) - 1)
                });
            }
        }
        None
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

#[inline]
fn mix(a: u64, b: u64) -> u64 {
    // folded 64x64->128 multiply (as in wyhash / foldhash): one multiply mixes both words
    let p = (a ^ 0x2d35_8dcc_aa6c_78a5) as u128 * (b ^ 0x8bb8_4b93_962e_acc9) as u128;
    (p as u64) ^ ((p >> 64) as u64)
}

/// The 16-byte key of a value: length in the low 4 bytes, then the bytes (<= 12, zero padded),
/// or for longer values a 4-byte prefix and the last 8 bytes (ids often share a prefix and
/// differ at the end, so unequal long values rarely reach the arena's bytes).
#[inline]
fn key_of(b: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    buf[..4].copy_from_slice(&(b.len() as u32).to_le_bytes());
    let k = b.len().min(12);
    buf[4..4 + k].copy_from_slice(&b[..k]);
    let key = u128::from_le_bytes(buf);
    if b.len() <= 12 {
        key
    } else {
        let mut tail = [0u8; 8];
        tail.copy_from_slice(&b[b.len() - 8..]);
        (key & ((1u128 << 64) - 1)) | ((u64::from_le_bytes(tail) as u128) << 64)
    }
}

/// Hash of a value: of its inline key when short, of all its bytes when long (a value is short
/// or long by its length alone, so equal values always hash alike).
#[inline]
fn hash_of(key: u128, b: &[u8]) -> u64 {
    if key as u32 <= 12 {
        mix(key as u64, (key >> 64) as u64)
    } else {
        mix(Hash64::new(0).bytes(b).finish(), b.len() as u64)
    }
}

/// Distinct values with their codes (first-seen order).
struct Dict {
    slots: Vec<u64>,
    mask: usize,
    keys: Vec<u128>,
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
        let k = self.keys[code];
        let len = k as u32 as usize;
        if len <= 12 {
            // SAFETY: a u128 is 16 plain bytes (little-endian view layout, see `key_of`).
            let bytes: &[u8; 16] =
                unsafe { &*std::ptr::from_ref::<u128>(&self.keys[code]).cast::<[u8; 16]>() };
            &bytes[4..4 + len]
        } else {
            let o = self.at[code];
            &self.arena[o..o + len]
        }
    }

    /// The code of a value with key `key`, hash `h` and bytes `b` (the bytes are read only for
    /// long values), inserting it first seen at `pos`.
    #[inline]
    fn code(&mut self, key: u128, h: u64, b: &[u8], pos: Position) -> u32 {
        let tag = h & 0xffff_ffff_0000_0000;
        let mut i = (h as usize) & self.mask;
        let long = key as u32 > 12;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                break;
            }
            if s & 0xffff_ffff_0000_0000 == tag {
                let c = (s as u32 - 1) as usize;
                let k = self.keys[c];
                if k == key && (!long || self.bytes(c) == b) {
                    return c as u32;
                }
            }
            i = (i + 1) & self.mask;
        }
        let c = self.keys.len();
        self.at.push(self.arena.len());
        if long {
            self.arena.extend_from_slice(b);
        }
        self.keys.push(key);
        self.hashes.push(h);
        self.first.push(pos);
        self.slots[i] = tag | (c as u64 + 1);
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
            self.slots[i] = (h & 0xffff_ffff_0000_0000) | (c as u64 + 1);
        }
    }

    /// Adds every distinct value of `other` (in its order); returns its codes here.
    fn absorb(&mut self, other: &Dict) -> Vec<u32> {
        (0..other.len())
            .map(|c| {
                let b = other.bytes(c);
                self.code(other.keys[c], other.hashes[c], b, other.first[c])
            })
            .collect()
    }
}

/// One unit of work: rows `lo..hi` of chunk `chunk` of column `col`.
struct Block<'s, 'a> {
    col: u32,
    /// Row of the chunk's first value within its column.
    base: u64,
    strings: &'s Strings<'a>,
    lo: usize,
    hi: usize,
}

fn code_block(b: &Block<'_, '_>, codes: &mut [u32], expect: usize) -> Dict {
    let mut d = Dict::with_capacity(expect.min(b.hi - b.lo));
    for (out, i) in codes.iter_mut().zip(b.lo..b.hi) {
        let bytes = b.strings.get(i);
        let key = b.strings.short_key(i).unwrap_or_else(|| key_of(bytes));
        let h = hash_of(key, bytes);
        *out = d.code(key, h, bytes, (b.col, b.base + i as u64));
    }
    d
}

/// Codes of the rows of `blocks` (written to `out`, one slice per block; block 0 is already
/// coded in `first`), merged into one dictionary in block order.
fn code_blocks_after(
    first: Dict,
    blocks: &[Block<'_, '_>],
    out: &mut [&mut [u32]],
    expect: usize,
) -> Dict {
    let dicts: Vec<Dict> = blocks[1..]
        .par_iter()
        .zip(out[1..].par_iter_mut())
        .map(|(b, o)| code_block(b, o, expect))
        .collect();
    let mut global = first;
    let luts: Vec<Vec<u32>> = dicts.iter().map(|d| global.absorb(d)).collect();
    out[1..]
        .par_iter_mut()
        .zip(luts.par_iter())
        .for_each(|(o, lut)| o.iter_mut().for_each(|c| *c = lut[*c as usize]));
    global
}

/// Partitions for many distinct values (a power of two; fixed, so nothing depends on the
/// thread count).
const PART_BITS: u32 = 8;

/// Codes of the rows of `blocks` (written to `out`, the blocks back to back) when there are
/// many distinct values: rows are first bucketed by the top bits of their hash, then each
/// bucket is coded with its own small table (cache-resident, one per thread), and the buckets'
/// values are numbered one bucket after the other.
#[inline]
fn hash_at<'s>(b: &'s Block<'_, '_>, i: usize) -> (u128, u64, &'s [u8]) {
    let bytes = b.strings.get(i);
    let key = b.strings.short_key(i).unwrap_or_else(|| key_of(bytes));
    (key, hash_of(key, bytes), bytes)
}

fn code_partitioned(blocks: &[Block<'_, '_>], out: &mut [u32]) -> Dict {
    let parts = 1usize << PART_BITS;
    // 1. per block: each row's bucket, and the rows of each bucket in row order
    let mut bucket_of = vec![0u8; out.len()];
    let mut outs_b: Vec<&mut [u8]> = vec![];
    {
        let mut rest: &mut [u8] = &mut bucket_of;
        for b in blocks {
            let (head, tail) = rest.split_at_mut(b.hi - b.lo);
            outs_b.push(head);
            rest = tail;
        }
    }
    let lists: Vec<Vec<Vec<u32>>> = blocks
        .par_iter()
        .zip(outs_b.par_iter_mut())
        .map(|(b, ob)| {
            let mut l: Vec<Vec<u32>> = vec![vec![]; parts];
            for (k, i) in (b.lo..b.hi).enumerate() {
                let p = (hash_at(b, i).1 >> (64 - PART_BITS)) as usize;
                ob[k] = p as u8;
                l[p].push(k as u32);
            }
            l
        })
        .collect();
    let starts: Vec<usize> = blocks
        .iter()
        .scan(0usize, |acc, b| {
            let s = *acc;
            *acc += b.hi - b.lo;
            Some(s)
        })
        .collect();
    // 2. per bucket: its own table; rows of different buckets are disjoint, so the writes of
    // the local codes never meet
    struct Out(*mut u32);
    // SAFETY: shared only to write disjoint rows (each row belongs to exactly one bucket).
    unsafe impl Sync for Out {}
    let out_ptr = Out(out.as_mut_ptr());
    let out_len = out.len();
    let dicts: Vec<Dict> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let _ = &out_ptr;
            let mut d = Dict::with_capacity(64);
            for (bi, b) in blocks.iter().enumerate() {
                for &k in &lists[bi][p] {
                    let i = b.lo + k as usize;
                    let (key, h, bytes) = hash_at(b, i);
                    let c = d.code(key, h, bytes, (b.col, b.base + i as u64));
                    let row = starts[bi] + k as usize;
                    debug_assert!(row < out_len);
                    // SAFETY: `row` < out.len() and no other bucket holds this row.
                    unsafe { *out_ptr.0.add(row) = c };
                }
            }
            d
        })
        .collect();
    drop(lists);
    // 3. one table numbering the buckets' values one bucket after the other (the buckets hold
    // disjoint values, so this only appends), and the rows' codes shifted to match
    let n: usize = dicts.iter().map(Dict::len).sum();
    let mut global = Dict::with_capacity(n);
    let mut base = Vec::with_capacity(parts);
    for d in &dicts {
        base.push(global.len() as u32);
        global.absorb(d);
    }
    out.par_iter_mut()
        .zip(bucket_of.par_iter())
        .for_each(|(c, &p)| *c += base[p as usize]);
    global
}

/// Factorizes text columns (plain or dictionary-encoded, possibly mixed) as one set of values.
///
/// `sort`: codes follow the byte-wise (for UTF-8: code-point) order of the values, as a polars
/// or Python sort of the strings; otherwise the order of first appearance. `expect_distinct`
/// sizes the tables (a guess; they grow as needed).
pub fn factorize_text(
    cols: &[TextColumn<'_>],
    sort: bool,
    expect_distinct: usize,
) -> Result<Factorized> {
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
    // Work list: plain chunks in fixed blocks; the used dictionary entries are one more block
    // each (their first-use positions are carried in `dict_rows`).
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
    let (mut dict, bucketed) = {
        let mut rest: &mut [u32] = &mut plain_codes;
        let mut outs: Vec<&mut [u32]> = vec![];
        for b in &blocks {
            let (head, tail) = rest.split_at_mut(b.hi - b.lo);
            outs.push(head);
            rest = tail;
        }
        if blocks.is_empty() {
            (
                Dict::with_capacity(expect_distinct.min(dict_rows.len())),
                false,
            )
        } else {
            // The first block tells many distinct values (bucketed path) from few (blocks with
            // small tables, merged: cheap when the values repeat).
            let sample = code_block(&blocks[0], outs[0], expect_distinct);
            let rows0 = blocks[0].hi - blocks[0].lo;
            if blocks.len() == 1 {
                (sample, false)
            } else if 16 * sample.len() <= rows0 {
                (
                    code_blocks_after(sample, &blocks, &mut outs, expect_distinct),
                    false,
                )
            } else {
                drop(outs);
                (code_partitioned(&blocks, &mut plain_codes), true)
            }
        }
    };
    // used dictionary entries, in first-use order; then a lookup table per dictionary chunk
    let mut luts: Vec<Vec<u32>> = dict_src.iter().map(|s| vec![u32::MAX; s.len()]).collect();
    for &(ci, row, k, si) in &dict_rows {
        let bytes = dict_src[si].get(k as usize);
        let key = dict_src[si]
            .short_key(k as usize)
            .unwrap_or_else(|| key_of(bytes));
        let h = hash_of(key, bytes);
        let c = dict.code(key, h, bytes, (ci, row));
        // a value met in a plain column first may occur earlier in this (lower) column
        dict.first[c as usize] = dict.first[c as usize].min((ci, row));
        luts[si][k as usize] = c;
    }
    // Dictionary rows must come first-seen in row order among the plain rows too: codes are
    // only renumbered by the sort below, or (unsorted) by first position.
    let n = dict.len();
    let rank: Option<Vec<u32>> = if sort {
        let mut order: Vec<u32> = (0..n as u32).collect();
        let d = &dict;
        order.par_sort_unstable_by(|&a, &b| d.bytes(a as usize).cmp(d.bytes(b as usize)));
        Some(invert(&order))
    } else if bucketed || (!dict_rows.is_empty() && !blocks.is_empty()) {
        // bucketed, or mixed plain and dictionary columns: renumber by first position
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by_key(|&c| dict.first[c as usize]);
        Some(invert(&order))
    } else {
        None
    };
    // assemble the per-column codes
    let mut codes: Vec<Vec<u32>> = Vec::with_capacity(cols.len());
    let mut plain_at = 0usize;
    let mut dict_chunk = 0usize;
    for col in cols {
        match col {
            TextColumn::Plain(chunks) => {
                let n: usize = chunks.iter().map(Strings::len).sum();
                let mut c = plain_codes[plain_at..plain_at + n].to_vec();
                plain_at += n;
                if let Some(r) = &rank {
                    c.par_iter_mut().for_each(|x| *x = r[*x as usize]);
                }
                codes.push(c);
            }
            TextColumn::Dict(chunks) => {
                let mut c = Vec::with_capacity(col.len());
                for (keys, _) in chunks {
                    let lut: Cow<'_, [u32]> = match &rank {
                        Some(r) => luts[dict_chunk]
                            .iter()
                            .map(|&x| if x == u32::MAX { x } else { r[x as usize] })
                            .collect(),
                        None => Cow::Borrowed(&luts[dict_chunk]),
                    };
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
    let first = match &rank {
        Some(r) => {
            let mut f = vec![(0u32, 0u64); n];
            for (c, &p) in dict.first.iter().enumerate() {
                f[r[c] as usize] = p;
            }
            f
        }
        None => dict.first,
    };
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
    let bad = codes
        .par_iter()
        .any(|c| c.par_chunks(BLOCK).any(|b| b.iter().any(|&x| x as usize >= n)));
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
                let f = with_threads(Some(threads), || factorize_text(&[col], true, 16))
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
    }

    #[test]
    fn many_values_across_blocks_and_threads() {
        // > BLOCK rows so that several blocks merge; values repeat across blocks
        let owned: Vec<String> = (0..300_000u64)
            .map(|i| {
                let k = (i * 7919) % 50_021;
                if k % 3 == 0 {
                    format!("long-prompt-identifier-{k}")
                } else {
                    format!("p{k}")
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
                    false,
                    0,
                )
            })
            .unwrap()
            .unwrap()
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a, b);
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
                d.code(key_of(b), 42, b, (0, i as u64))
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
        let f = factorize_text(&cols, true, 4).unwrap();
        assert_eq!(
            f.codes,
            vec![vec![1, 0, 2], vec![2, 4, 0], vec![4, 0, 4, 3]]
        );
        assert_eq!(f.first, vec![(0, 1), (0, 0), (0, 2), (2, 3), (1, 1)]);
        let u = factorize_text(&cols, false, 4).unwrap();
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
        assert!(factorize_text(&cols, true, 4).is_err());
        // offsets past the data are an error
        let off = [0i32, 5];
        let cols = [TextColumn::Plain(vec![Strings::Utf8 {
            offsets: &off,
            data: b"ab",
        }])];
        assert!(factorize_text(&cols, true, 4).is_err());
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
    }
}
