//! Id columns as the kernels read them: dense `u32` codes, or a column's own physical ids
//! (polars Categorical / Enum: 1, 2 or 4 bytes a row) read through a small map from id to code.
//!
//! Why: factorizing a Categorical or Enum column into `u32` codes costs 4 bytes a row, which is
//! as much as the whole column for an Enum (1-2 bytes a row) and kept a kernel's peak memory
//! above its input (issue 22). With a map, only the map (one entry per physical id) is new.

use std::ops::Range;

use crate::error::Result;
use crate::input_err;

/// Physical ids of one column, at the width the column has.
#[derive(Clone, Copy, Debug)]
pub enum Ids<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
}

impl Ids<'_> {
    pub fn len(&self) -> usize {
        match self {
            Ids::U8(v) => v.len(),
            Ids::U16(v) => v.len(),
            Ids::U32(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn at(&self, i: usize) -> usize {
        match self {
            Ids::U8(v) => usize::from(v[i]),
            Ids::U16(v) => usize::from(v[i]),
            Ids::U32(v) => v[i] as usize,
        }
    }

    /// The largest id (None when empty), in blocks so it vectorizes.
    fn max(&self) -> Option<usize> {
        fn of<T: Copy + Ord + Default + Into<u64>>(v: &[T]) -> Option<usize> {
            v.chunks(1 << 12)
                .map(|c| c.iter().copied().fold(T::default(), Ord::max))
                .max()
                .map(|m| usize::try_from(m.into()).unwrap_or(usize::MAX))
        }
        match self {
            Ids::U8(v) => of(v),
            Ids::U16(v) => of(v),
            Ids::U32(v) => of(v),
        }
    }
}

/// One column of codes: `Plain` codes, or physical `ids` whose code is `map[id]`.
#[derive(Clone, Copy, Debug)]
pub enum Codes<'a> {
    Plain(&'a [u32]),
    Mapped { ids: Ids<'a>, map: &'a [u32] },
}

/// Rows decoded per block by [`each_block`] (16 KB a column: stays in L1 beside the kernel).
pub const BLOCK: usize = 1 << 12;

impl<'a> Codes<'a> {
    /// Physical ids read through `map`; every id must index the map (checked here once, so no
    /// read can fall outside it later).
    pub fn mapped(ids: Ids<'a>, map: &'a [u32], what: &str) -> Result<Self> {
        if let Some(m) = ids.max() {
            if m >= map.len() {
                return input_err!(
                    "{what}: physical id {m} is outside its map of {} entries",
                    map.len()
                );
            }
        }
        Ok(Codes::Mapped { ids, map })
    }

    pub fn len(&self) -> usize {
        match self {
            Codes::Plain(c) => c.len(),
            Codes::Mapped { ids, .. } => ids.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code of row `i`.
    #[inline]
    pub fn get(&self, i: usize) -> u32 {
        match self {
            Codes::Plain(c) => c[i],
            Codes::Mapped { ids, map } => map[ids.at(i)],
        }
    }

    /// The plain codes, when that is what these are.
    pub fn as_plain(&self) -> Option<&'a [u32]> {
        match self {
            Codes::Plain(c) => Some(c),
            Codes::Mapped { .. } => None,
        }
    }

    /// The codes of rows `start..start + out.len()` into `out`.
    fn decode(&self, start: usize, out: &mut [u32]) {
        fn through<T: Copy>(ids: &[T], map: &[u32], out: &mut [u32], at: impl Fn(T) -> usize) {
            for (o, &x) in out.iter_mut().zip(ids) {
                *o = map[at(x)];
            }
        }
        let end = start + out.len();
        match self {
            Codes::Plain(c) => out.copy_from_slice(&c[start..end]),
            Codes::Mapped { ids, map } => match ids {
                Ids::U8(v) => through(&v[start..end], map, out, usize::from),
                Ids::U16(v) => through(&v[start..end], map, out, usize::from),
                Ids::U32(v) => through(&v[start..end], map, out, |x| x as usize),
            },
        }
    }

    /// The largest code (None when empty).
    pub fn max(&self) -> Option<u32> {
        let mut m = None;
        each_block([*self], 0..self.len(), |_, [c]| {
            let b = c.iter().copied().max();
            m = m.max(b);
        });
        m
    }

    /// The first row (in `range`) where `self` and `other` hold the same code.
    pub fn first_equal(&self, other: &Codes<'_>, range: Range<usize>) -> Option<usize> {
        let mut found = None;
        each_block([*self, *other], range, |s, [a, b]| {
            if found.is_none() {
                found = a.iter().zip(b).position(|(x, y)| x == y).map(|k| s + k);
            }
        });
        found
    }
}

impl<'a> From<&'a [u32]> for Codes<'a> {
    fn from(c: &'a [u32]) -> Self {
        Codes::Plain(c)
    }
}

impl<'a, const N: usize> From<&'a [u32; N]> for Codes<'a> {
    fn from(c: &'a [u32; N]) -> Self {
        Codes::Plain(c)
    }
}

impl<'a> From<&'a Vec<u32>> for Codes<'a> {
    fn from(c: &'a Vec<u32>) -> Self {
        Codes::Plain(c)
    }
}

/// Calls `f(start, blocks)` over `range` (clipped to the shortest column) with the rows'
/// codes of each of `cols`, in order: plain columns as one slice of the whole range when all
/// are plain (the kernels' loops run as they did on slices), else in blocks of [`BLOCK`] rows,
/// mapped columns decoded into a buffer of their own.
pub fn each_block<const K: usize>(
    cols: [Codes<'_>; K],
    range: Range<usize>,
    mut f: impl FnMut(usize, [&[u32]; K]),
) {
    let end = cols.iter().map(Codes::len).fold(range.end, usize::min);
    if range.start >= end {
        return;
    }
    if cols.iter().all(|c| c.as_plain().is_some()) {
        f(
            range.start,
            std::array::from_fn(|k| cols[k].as_plain().map_or(&[][..], |c| &c[range.start..end])),
        );
        return;
    }
    let size = BLOCK.min(end - range.start);
    let mut bufs: [Vec<u32>; K] = std::array::from_fn(|k| {
        if cols[k].as_plain().is_some() {
            vec![]
        } else {
            vec![0; size]
        }
    });
    let mut s = range.start;
    while s < end {
        let e = (s + BLOCK).min(end);
        for (c, b) in cols.iter().zip(bufs.iter_mut()) {
            if c.as_plain().is_none() {
                c.decode(s, &mut b[..e - s]);
            }
        }
        f(
            s,
            std::array::from_fn(|k| match cols[k].as_plain() {
                Some(c) => &c[s..e],
                None => &bufs[k][..e - s],
            }),
        );
        s = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_of(c: &Codes) -> Vec<u32> {
        (0..c.len()).map(|i| c.get(i)).collect()
    }

    #[test]
    fn mapped_codes_read_through_the_map_at_every_width() {
        let map = [7u32, 3, 9, 0];
        let ids8: Vec<u8> = (0..10_000).map(|i| (i * 7 % 4) as u8).collect();
        let ids16: Vec<u16> = ids8.iter().map(|&x| u16::from(x)).collect();
        let ids32: Vec<u32> = ids8.iter().map(|&x| u32::from(x)).collect();
        let want: Vec<u32> = ids8.iter().map(|&x| map[x as usize]).collect();
        for ids in [Ids::U8(&ids8), Ids::U16(&ids16), Ids::U32(&ids32)] {
            let c = Codes::mapped(ids, &map, "x").unwrap();
            assert_eq!(plain_of(&c), want);
            assert_eq!(c.max(), Some(9));
            // blocks cover the range once, in order, beside a plain column
            let plain = Codes::Plain(&want);
            let mut seen = vec![];
            each_block([c, plain], 5..9_000, |s, [a, b]| {
                assert_eq!(a, b);
                assert_eq!(s, 5 + seen.len());
                seen.extend_from_slice(a);
            });
            assert_eq!(seen, want[5..9_000]);
        }
    }

    #[test]
    fn ids_outside_the_map_are_refused() {
        let e = Codes::mapped(Ids::U16(&[0, 4, 1]), &[1, 2, 3, 4], "winner").unwrap_err();
        assert!(e.to_string().contains("winner: physical id 4"), "{e}");
        assert!(Codes::mapped(Ids::U8(&[]), &[], "x").is_ok());
    }

    #[test]
    fn first_equal_across_blocks() {
        let a: Vec<u32> = (0..10_000).collect();
        let mut b: Vec<u32> = (0..10_000).map(|i| i + 1).collect();
        b[9_000] = 9_000;
        let ids: Vec<u16> = (0..10_000u16).collect();
        let map: Vec<u32> = (0..10_000).collect();
        let m = Codes::mapped(Ids::U16(&ids), &map, "x").unwrap();
        assert_eq!(m.first_equal(&Codes::Plain(&b), 0..10_000), Some(9_000));
        assert_eq!(
            Codes::Plain(&a).first_equal(&Codes::Plain(&b), 0..10_000),
            Some(9_000)
        );
        assert_eq!(m.first_equal(&Codes::Plain(&b), 0..9_000), None);
    }
}
