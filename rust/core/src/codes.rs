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

    /// Which ids of `0..n` occur (every id must be below `n`): one store a row, no code
    /// read.
    fn present(&self, n: usize) -> Vec<bool> {
        fn mark<T: Copy>(v: &[T], seen: &mut [bool], at: impl Fn(T) -> usize) {
            for &x in v {
                if let Some(s) = seen.get_mut(at(x)) {
                    *s = true;
                }
            }
        }
        let mut seen = vec![false; n];
        match self {
            Ids::U8(v) => mark(v, &mut seen, usize::from),
            Ids::U16(v) => mark(v, &mut seen, usize::from),
            Ids::U32(v) => mark(v, &mut seen, |x| x as usize),
        }
        seen
    }

    /// Of the same width?
    fn same_width(&self, other: &Ids<'_>) -> bool {
        matches!(
            (self, other),
            (Ids::U8(_), Ids::U8(_)) | (Ids::U16(_), Ids::U16(_)) | (Ids::U32(_), Ids::U32(_))
        )
    }

    /// The first row of `range` where `self` and `other` (same width) hold the same id.
    fn first_equal(&self, other: &Ids<'_>, range: Range<usize>) -> Option<usize> {
        fn of<T: PartialEq>(a: &[T], b: &[T], range: Range<usize>) -> Option<usize> {
            let end = range.end.min(a.len()).min(b.len());
            if range.start >= end {
                return None;
            }
            let (a, b) = (&a[range.start..end], &b[range.start..end]);
            // in blocks, each compared whole (branch-free, so it vectorizes)
            let mut s = 0;
            for (x, y) in a.chunks(1 << 10).zip(b.chunks(1 << 10)) {
                if x.iter().zip(y).fold(0u8, |f, (p, q)| f | u8::from(p == q)) != 0 {
                    return x
                        .iter()
                        .zip(y)
                        .position(|(p, q)| p == q)
                        .map(|k| range.start + s + k);
                }
                s += x.len();
            }
            None
        }
        match (self, other) {
            (Ids::U8(a), Ids::U8(b)) => of(a, b, range),
            (Ids::U16(a), Ids::U16(b)) => of(a, b, range),
            (Ids::U32(a), Ids::U32(b)) => of(a, b, range),
            _ => None,
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

/// One column of codes: `Plain` codes, or physical `ids` whose code is `map[id]` (`max`: the
/// largest code of the rows, found when made).
#[derive(Clone, Copy, Debug)]
pub enum Codes<'a> {
    Plain(&'a [u32]),
    Mapped {
        ids: Ids<'a>,
        map: &'a [u32],
        max: Option<u32>,
    },
}

/// A map's "no code" entry: an id that occurs in none of the columns it was made for.
const NO_CODE: u32 = u32::MAX;

/// Rows decoded per block by [`each_block`] (16 KB a column: stays in L1 beside the kernel).
pub const BLOCK: usize = 1 << 12;

impl<'a> Codes<'a> {
    /// Physical ids read through `map`; every id must index the map and have a code there
    /// (checked here once, so no read can fall outside it later). The ids that occur are
    /// found in one pass (a flag per id): the largest code is then read off the map, not
    /// decoded row by row (three such passes were a Categorical `tally`'s whole gap to
    /// integer ids, issue 22).
    pub fn mapped(ids: Ids<'a>, map: &'a [u32], what: &str) -> Result<Self> {
        let Some(m) = ids.max() else {
            return Ok(Codes::Mapped {
                ids,
                map,
                max: None,
            });
        };
        if m >= map.len() {
            return input_err!(
                "{what}: physical id {m} is outside its map of {} entries",
                map.len()
            );
        }
        let mut max = 0;
        for (id, _) in ids.present(m + 1).iter().enumerate().filter(|p| *p.1) {
            let c = map[id];
            if c == NO_CODE {
                let row = (0..ids.len()).find(|&i| ids.at(i) == id).unwrap_or(0);
                return input_err!(
                    "{what}: row {row} has physical id {id}, which has no code in its map"
                );
            }
            max = max.max(c);
        }
        Ok(Codes::Mapped {
            ids,
            map,
            max: Some(max),
        })
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
            Codes::Mapped { ids, map, .. } => map[ids.at(i)],
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
            Codes::Mapped { ids, map, .. } => match ids {
                Ids::U8(v) => through(&v[start..end], map, out, usize::from),
                Ids::U16(v) => through(&v[start..end], map, out, usize::from),
                Ids::U32(v) => through(&v[start..end], map, out, |x| x as usize),
            },
        }
    }

    /// The largest code (None when empty).
    pub fn max(&self) -> Option<u32> {
        if let Codes::Mapped { max, .. } = self {
            return *max;
        }
        let mut m = None;
        each_block([*self], 0..self.len(), |_, [c]| {
            let b = c.iter().copied().max();
            m = m.max(b);
        });
        m
    }

    /// The first row (in `range`) where `self` and `other` hold the same code.
    pub fn first_equal(&self, other: &Codes<'_>, range: Range<usize>) -> Option<usize> {
        if let (
            Codes::Mapped { ids: a, map, .. },
            Codes::Mapped {
                ids: b, map: m2, ..
            },
        ) = (self, other)
        {
            // one map, giving distinct ids distinct codes: equal codes are equal ids
            if std::ptr::eq(*map, *m2) && a.same_width(b) && one_to_one(map) {
                return a.first_equal(b, range);
            }
        }
        let mut found = None;
        each_block([*self, *other], range, |s, [a, b]| {
            if found.is_none() {
                found = a.iter().zip(b).position(|(x, y)| x == y).map(|k| s + k);
            }
        });
        found
    }
}

/// Does `map` give no two ids the same code (ids without one aside)? Codes from `map.len()`
/// up are not checked (false).
fn one_to_one(map: &[u32]) -> bool {
    let mut seen = vec![false; map.len()];
    map.iter().filter(|&&c| c != NO_CODE).all(|&c| {
        seen.get_mut(c as usize)
            .is_some_and(|s| !std::mem::replace(s, true))
    })
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
    fn the_largest_code_is_of_the_ids_that_occur() {
        // ids 1 and 3 have codes but do not occur in this column (another column of the
        // same map holds them); id 5 occurs in none
        let map = [4u32, 90, 2, 70, 6, NO_CODE];
        let ids: Vec<u16> = (0..5_000).map(|i| [0u16, 2, 4][i % 3]).collect();
        let c = Codes::mapped(Ids::U16(&ids), &map, "x").unwrap();
        assert_eq!(c.max(), Some(6));
        assert_eq!(c.max(), (0..c.len()).map(|i| c.get(i)).max());
        let e = Codes::mapped(Ids::U8(&[0, 5, 2]), &map, "loser").unwrap_err();
        assert!(
            e.to_string()
                .contains("loser: row 1 has physical id 5, which has no code"),
            "{e}"
        );
    }

    #[test]
    fn first_equal_on_ids_matches_the_codes() {
        // one map for both columns: ids are compared, which must find what the codes find;
        // a map giving two ids one code is read through (ids 1 and 6 share code 3)
        let distinct = [5u32, 3, 0, NO_CODE, 1, 2, 4];
        let shared = [5u32, 3, 0, NO_CODE, 1, 2, 3];
        let a: Vec<u8> = (0..9_000)
            .map(|i| [0u8, 1, 2, 4, 5, 6][i * 7 % 6])
            .collect();
        for shift in [1, 2, 5] {
            let b: Vec<u8> = (0..9_000).map(|i| a[(i + shift) % 9_000]).collect();
            for map in [&distinct[..], &shared[..]] {
                let (ca, cb) = (
                    Codes::mapped(Ids::U8(&a), map, "a").unwrap(),
                    Codes::mapped(Ids::U8(&b), map, "b").unwrap(),
                );
                let want = (100..8_000).find(|&i| ca.get(i) == cb.get(i));
                assert_eq!(ca.first_equal(&cb, 100..8_000), want, "shift {shift}");
                let plain: Vec<u32> = (0..9_000).map(|i| cb.get(i)).collect();
                assert_eq!(ca.first_equal(&Codes::Plain(&plain), 100..8_000), want);
            }
        }
        assert!(one_to_one(&distinct) && !one_to_one(&shared));
        assert!(!one_to_one(&[0, 7]), "a code past the map is not checked");
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
