//! Exact hypervolume of a point set in any dimension by WFG (While, Bradstreet & Barone, 2012,
//! "A fast way of calculating exact hypervolumes", IEEE TEC 16(1)), the engine behind
//! [`super::hypervolume`] for m >= 4 and behind every exclusive contribution.
//!
//! Why WFG: on the sets people measure (mutually non-dominated fronts of a few hundred to a few
//! thousand points at 4-10 objectives) it is among the fastest exact methods, it needs memory
//! linear in the set per recursion level (HBDA's box decomposition grows as n^(m/2)), and each
//! top-level term is independent, so it parallelises without changing the result.
//!
//! Slicing along the last objective: with the points sorted best-first in it, the volume is
//! `sum_i (r_last - p_i,last) * excl(p_i')`, where `p'` drops the last objective and `excl` is
//! the exclusive (m-1)-D volume of `p_i'` against the earlier points' projections:
//! `box(p_i') - HV(limit set)`, the limit set being each earlier `q'` replaced by
//! `max(p_i', q')`. Each level drops one objective. What keeps it fast:
//! - only the *active* earlier projections enter a limit set: one that a later projection
//!   weakly dominates is covered for every later slice and leaves for good (this is the
//!   bookkeeping that WFG's reference code does with linked lists);
//! - an earlier projection that weakly dominates `p_i'` empties the slice at once;
//! - limit sets are cut down to their non-dominated points before recursing; sorted
//!   best-first in the next level's order, a point can only be dominated by one before it, so
//!   one-way checks suffice and the next level receives them already sorted;
//! - 4-D sets end in a dimension sweep (HV4D: each row's exclusive 3-D volume by one O(n)
//!   pass over the 3-D front of the rows before it, so O(n^2) with no sort or limit set per
//!   row), 3-D sets in an O(n log n) sweep over an area staircase (no dominance filter: the
//!   sweep skips covered points itself), 2-D sets in a sorted sweep, sets of up to 6 points
//!   by inclusion-exclusion over subset corners;
//! - sorts are on plain integer keys (last objective, then the sum of the others), never
//!   reading rows;
//! - a limit set is never held whole: its rows are only keyed (a sort key and the source row)
//!   and then built in key order straight into the dominance filter, so a level holds the
//!   kept rows (on sphere fronts at m = 5, ~140 of ~6,500) and 16 bytes per raw row;
//! - in sets of 6 or more objectives the kept rows are not held by value either: each point
//!   of a deep set is a row of the top level's source raised to one floor (a limit set of a
//!   limit set only raises the floor), so such a level holds 4-byte row ids and its floor,
//!   and its dominance checks compare the source's rows as they are (see [`Level`]);
//! - the top level reads the caller's rows in place (through [`Rows`]: a numpy view, flipped
//!   per objective on the fly), holding only their order and 4 bytes a row of bookkeeping;
//! - the one sequential step, the top level's active-set pass, compares each row with the
//!   active rows a column at a time (vectorized), holding them by column up to a quarter of
//!   the input's bytes; each block of slabs then lists the rows active at its start once;
//! - all buffers live in one scratch per pool thread, reused across slices and calls: one
//!   slot per dimension for what a level holds while the levels below it run, one buffer for
//!   what only one level uses at a time (sort keys, guards, subset corners, the 4-D fronts);
//! - the top-level slices are independent once the active sets are known (one cheap
//!   sequential pass records when each point leaves), so they run in parallel and are summed
//!   in index order: the same value for any thread count.
//!
//! Work: on random non-dominated sets time grows roughly as `n^((m - 2) / 2)` 3-D sweeps,
//! which is what `HV_EXACT_MAX_WORK` in `pareto.py` estimates (the 4-D sweep makes it an
//! overestimate at m = 4, 5).

use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::hypervolume::AreaStaircase;
use crate::parallel::Par;

/// Points read in place: value `j` of row `i`, in minimization space.
pub(crate) trait Rows: Sync {
    fn get(&self, i: usize, j: usize) -> f64;
    /// The first `buf.len()` values of row `i`: in place where the rows are stored so, else
    /// written into `buf`.
    #[inline(always)]
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64] {
        for (j, o) in buf.iter_mut().enumerate() {
            *o = self.get(i, j);
        }
        buf
    }
    /// Does `f(j, value j of row i)` hold for every `j < n`? Reads values only up to the
    /// first that fails, and copies none (the indexed levels' dominance checks read the
    /// caller's rows this way: through `row`, flipped rows cost a copy of every value, which
    /// made m = 8-10 with `maximize` 16-25% slower).
    #[inline(always)]
    fn all_of(&self, i: usize, n: usize, mut f: impl FnMut(usize, f64) -> bool) -> bool {
        (0..n).all(|j| f(j, self.get(i, j)))
    }
    /// `out = max(p, row i)` over the first `p.len()` values; true when the row is weakly
    /// below `p` everywhere. One pass, no copy of the row (see [`Rows::all_of`]).
    #[inline(always)]
    fn max_with(&self, i: usize, p: &[f64], out: &mut [f64]) -> bool {
        max_with_values((0..p.len()).map(|j| self.get(i, j)), p, out)
    }
}

/// Row-major points with `d` columns.
pub(crate) struct Flat<'a> {
    pub pts: &'a [f64],
    pub d: usize,
}

impl Rows for Flat<'_> {
    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> f64 {
        self.pts[i * self.d + j]
    }
    #[inline(always)]
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64] {
        &self.pts[i * self.d..i * self.d + buf.len()]
    }
    #[inline(always)]
    fn all_of(&self, i: usize, n: usize, mut f: impl FnMut(usize, f64) -> bool) -> bool {
        let row = &self.pts[i * self.d..i * self.d + n];
        row.iter().enumerate().all(|(j, &v)| f(j, v))
    }
    #[inline(always)]
    fn max_with(&self, i: usize, p: &[f64], out: &mut [f64]) -> bool {
        let row = &self.pts[i * self.d..i * self.d + p.len()];
        max_with_values(row.iter().copied(), p, out)
    }
}

/// [`Rows::max_with`] of a row's values, whatever reads them.
#[inline(always)]
pub(crate) fn max_with_values(q: impl Iterator<Item = f64>, p: &[f64], out: &mut [f64]) -> bool {
    let mut below = true;
    for ((o, &a), b) in out.iter_mut().zip(p).zip(q) {
        below &= b <= a;
        *o = a.max(b);
    }
    below
}

/// The rows of `rows` listed in `ids`, in that order.
struct Listed<'a, R: ?Sized> {
    rows: &'a R,
    ids: &'a [u32],
}

impl<R: Rows + ?Sized> Rows for Listed<'_, R> {
    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> f64 {
        self.rows.get(self.ids[i] as usize, j)
    }
    #[inline(always)]
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64] {
        self.rows.row(self.ids[i] as usize, buf)
    }
    #[inline(always)]
    fn all_of(&self, i: usize, n: usize, f: impl FnMut(usize, f64) -> bool) -> bool {
        self.rows.all_of(self.ids[i] as usize, n, f)
    }
    #[inline(always)]
    fn max_with(&self, i: usize, p: &[f64], out: &mut [f64]) -> bool {
        self.rows.max_with(self.ids[i] as usize, p, out)
    }
}

/// Per-thread scratch: one slot per dimension (index = dimension of the set held there), and
/// the buffers that only one level uses at a time.
pub(crate) struct Wfg<'r> {
    r: &'r [f64],
    levels: Vec<Level>,
    /// Sets of at least this many objectives are held as rows of the source (see [`Level`]).
    indexed_from: usize,
    /// The dimension of the parallel top level's limit sets (`n` of them, of up to `n` rows
    /// each): when indexed, they are sorted as row ids, keys made in the comparisons (no
    /// 16-byte key a row: that was the largest scratch left at m = 7, n = 1,200, 19 KB a
    /// thread). Every other set is keyed: deeper sets are small and sorted far more often
    /// (as ids, contributions took 6% longer at m = 6 and 7).
    top: usize,
    stair: AreaStaircase,
    /// One row read from the caller's points, and one limit row.
    row: Vec<f64>,
    /// Sort keys of the set being sorted or of the limit set being built (one at a time: a
    /// level's keys are spent before the level below is built).
    keys: Vec<SortKey>,
    /// Guards of the limit set being built, subset corners, sort output.
    tmp: Vec<f64>,
    /// An indexed level's tiny set (at most [`SMALL_MAX`] points), by value.
    small: Vec<f64>,
    /// The 3-D fronts of the 4-D sweep.
    front: Vec<f64>,
    next: Vec<f64>,
}

/// Sets of at least this many objectives are indexed: at 6 or more objectives a level's rows
/// held by value (8 bytes a value) were most of the scratch, up to 4x the input at m = 8-10
/// summed over the recursion's levels (issue 22). Below it the sets stay by value: the 4-D
/// sweep reads them so, and the 5-D sets are where the deep levels spend their time (indexed,
/// m = 8 and 10 took 4% longer for 4 KB less a thread); at m = 6 they are the top level's
/// large limit sets, scanned faster in one block than through row ids.
const INDEXED_FROM: usize = 6;

/// The set measured at one dimension `d`. Every limit row is `max(p, q)` for an earlier row
/// `q`, and limit sets of limit sets only raise `p` (the max of maxes is one max), so each
/// point of a deep set is a row of the top level's source raised to one `floor`: an indexed
/// level holds those rows' ids and the floor, 4 bytes a point, not `8 d`.
#[derive(Default)]
struct Level {
    /// Sets held by value: row-major points (below [`INDEXED_FROM`] objectives).
    pts: Vec<f64>,
    /// Indexed sets: the points as rows of the source, best first, each raised to `floor`.
    ids: Vec<u32>,
    floor: Vec<f64>,
    /// Indexed sets: the point whose slab is being measured (held across the levels below).
    p: Vec<f64>,
}

/// Room for `need` items in the empty `v`: when it is short, a fresh buffer of a little over
/// `need` (the old one dropped first, nothing copied). Doubling left the deep levels' buffers
/// up to 2x their largest set, a third of each thread's scratch at m = 8-10 (issue 22).
#[inline]
fn room<T>(v: &mut Vec<T>, need: usize) {
    debug_assert!(v.is_empty());
    if v.capacity() < need {
        *v = Vec::new();
        v.reserve_exact(need + need / 8);
    }
}

/// Volume of the box between `p` and `r` (0 when `p` is not below `r` everywhere).
#[inline]
pub(crate) fn boxvol(p: &[f64], r: &[f64]) -> f64 {
    p.iter().zip(r).map(|(a, b)| (b - a).max(0.0)).product()
}

/// A key whose unsigned order is `f64::total_cmp`'s.
#[inline]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// Sort the rows of `pts` (`d` columns) best first in the last objective, ties by the sum of
/// the others: a row that weakly dominates another comes before it (its sum is not larger;
/// on an exact tie of both keys the order is arbitrary, which only lets a dominated row
/// through the filter, harmless to every level). Sorted on plain keys, the rows never read
/// during the sort.
fn sort_best_first(pts: &mut Vec<f64>, tmp: &mut Vec<f64>, keys: &mut Vec<SortKey>, d: usize) {
    sort_keys(pts, keys, d);
    tmp.clear();
    for k in keys.iter() {
        let i = key_row(k);
        tmp.extend_from_slice(&pts[i as usize * d..(i as usize + 1) * d]);
    }
    std::mem::swap(pts, tmp);
}

/// The rows' sort keys, sorted (the order of [`sort_best_first`]).
fn sort_keys(pts: &[f64], keys: &mut Vec<SortKey>, d: usize) {
    keys.clear();
    keys.extend(pts.chunks_exact(d).enumerate().map(|(i, row)| {
        let rest: f64 = row[..d - 1].iter().sum();
        sort_key(row[d - 1], rest, i as u32)
    }));
    sort_keyed(keys);
}

/// Sort keys in place: one non-generic body for every caller (left to the callers' inlining,
/// the small-run sort was split out of the generic limit set: 2% of the time at m = 5).
#[inline(never)]
fn sort_keyed(keys: &mut [SortKey]) {
    keys.sort_unstable();
}

/// (key of the last objective, the top 32 bits of the key of the sum of the others above
/// the row): 16 bytes a row, as the limit sets' keys are the largest scratch of each thread
/// (24 bytes a row before: m = 6 peak memory, issue 22). Rows whose sums differ only past
/// those 32 bits (about 1e-6 relative) at an equal last objective are ordered by row, which
/// at worst lets a dominated row through the filter (harmless, as for exact ties).
type SortKey = (u64, u64);

#[inline]
fn sort_key(last: f64, rest: f64, row: u32) -> SortKey {
    (key(last), key(rest) & !0xffff_ffff | u64::from(row))
}

#[inline]
fn key_row(k: &SortKey) -> u32 {
    k.1 as u32
}

/// Is `q <= p` in every objective?
#[inline(always)]
fn weakly(q: &[f64], p: &[f64]) -> bool {
    q.iter().zip(p).all(|(a, b)| a <= b)
}

/// Keep the rows of `pts` that no other row weakly dominates (one copy of duplicates), best
/// first. After the sort a dominator comes before what it dominates (up to exact ties of both
/// keys, which may let a dominated row through: harmless), so each row is checked only
/// against the rows already kept, and the result is already in the order the next level
/// needs.
fn filter_nondominated(pts: &mut Vec<f64>, tmp: &mut Vec<f64>, keys: &mut Vec<SortKey>, d: usize) {
    sort_keys(pts, keys, d);
    tmp.clear();
    for k in keys.iter() {
        let i = key_row(k);
        let s = &pts[i as usize * d..(i as usize + 1) * d];
        // which end to scan from first: measured (the 4-D limit sets of the 5-D top level are
        // the large ones; their dominators are more often among the last kept)
        let covered = if d == 4 {
            tmp.chunks_exact(d).rev().any(|k| weakly(k, s))
        } else {
            tmp.chunks_exact(d).any(|k| weakly(k, s))
        };
        if !covered {
            tmp.extend_from_slice(s);
        }
    }
    std::mem::swap(pts, tmp);
}

impl<'r> Wfg<'r> {
    /// Scratch for sets of up to `r.len()` objectives measured against `r` (minimization).
    pub fn new(r: &'r [f64]) -> Self {
        Self {
            r,
            levels: (0..=r.len()).map(|_| Level::default()).collect(),
            indexed_from: INDEXED_FROM,
            // none (the parallel top level sets its own): the exclusive contributions' sets
            // of n - 1 rows took 6% longer at m = 6 sorted as ids
            top: usize::MAX,
            stair: AreaStaircase::new(0.0, 0.0),
            row: vec![0.0; 2 * r.len()],
            keys: Vec::new(),
            tmp: Vec::new(),
            small: Vec::new(),
            front: Vec::new(),
            next: Vec::new(),
        }
    }

    /// Room in every buffer the sets up to dimension `top` use, for sets of up to `most` rows
    /// (the parallel slabs: the top level's largest active set; exclusive contributions: the
    /// other points): each set below is a subset of a limit set of such a set, so no buffer
    /// grows. Only the pages that fill are touched.
    pub fn reserve(&mut self, most: usize, top: usize) {
        // the 4-D sweep takes the 4-D sets whole, and the 3-D one the 3-D sets (m = 4): no
        // set below them is made
        for d in top.min(4)..=top {
            let lv = &mut self.levels[d];
            if d >= self.indexed_from {
                lv.ids.reserve_exact(most);
                lv.floor.reserve_exact(d);
                lv.p.reserve_exact(d);
            } else {
                lv.pts.reserve_exact(most * d);
            }
        }
        let m = self.r.len();
        // sort keys of a limit set or of a 3-D sweep; guards and small unions' corners
        self.keys.reserve_exact(most);
        self.tmp.reserve_exact((GUARDS + SMALL_MAX) * m);
        self.small.reserve_exact(SMALL_MAX * m);
        if top >= 4 {
            // the 4-D sweep's 3-D fronts
            self.front.reserve_exact(3 * (most + 1));
            self.next.reserve_exact(3 * (most + 1));
        }
        self.stair.reserve(most + 1);
    }

    /// Hypervolume of `pts` (row-major, `d = r.len()` columns, every point strictly below `r`;
    /// dominated and repeated points are allowed).
    pub fn volume(&mut self, pts: &[f64]) -> f64 {
        let d = self.r.len();
        let mut own = pts.to_vec();
        if d >= 4 {
            filter_nondominated(&mut own, &mut self.tmp, &mut self.keys, d);
        }
        let lv = &mut self.levels[d];
        if d >= self.indexed_from {
            // the filtered rows are the source, each raised to nothing
            lv.ids.clear();
            lv.ids.extend(0..(own.len() / d) as u32);
            lv.floor.clear();
            lv.floor.resize(d, f64::NEG_INFINITY);
        } else {
            std::mem::swap(&mut lv.pts, &mut own);
        }
        let src = Flat { pts: &own, d };
        self.level(d, &src)
    }

    /// Exclusive contribution of `p` to `p` plus the rows `others` of `rows` (all strictly
    /// below `r`, `d = r.len()` columns): `box(p) - HV(limit set)`.
    pub fn exclusive<R: Rows + ?Sized>(
        &mut self,
        p: &[f64],
        rows: &R,
        others: impl Iterator<Item = u32>,
    ) -> f64 {
        let d = self.r.len();
        if !self.limit_set(p, rows, others) {
            return 0.0; // p is covered: removing it changes nothing
        }
        (boxvol(p, self.r) - self.level(d, rows)).max(0.0)
    }

    /// Put into slot `e = p.len()` the limit set of `p` against the rows `earlier` of `rows`
    /// (their first `e` values; ids ascending): each row replaced by its max with `p`, cut
    /// down to its non-dominated rows, best first, when `e >= 4`; held as ids of `rows` with
    /// `p` as the floor when the slot is indexed. False (slot left unspecified) when one of
    /// the rows is weakly better than `p` everywhere.
    fn limit_set<R: Rows + ?Sized>(
        &mut self,
        p: &[f64],
        rows: &R,
        earlier: impl Iterator<Item = u32>,
    ) -> bool {
        let e = p.len();
        // below the top level `earlier` is a level's active rows, listed exactly: its length
        // bounds every buffer filled here (the top level's are sized once, in
        // `hypervolume_par_with`)
        let bound = if e + 1 < self.r.len() {
            earlier.size_hint().1
        } else {
            None
        };
        let (l, buf) = (&mut self.levels[e], &mut self.row[..2 * e]);
        let (buf, lim) = buf.split_at_mut(e);
        l.pts.clear();
        if e < 4 {
            if let Some(b) = bound {
                room(&mut l.pts, b * e);
            }
            for j in earlier {
                let q = rows.row(j as usize, buf);
                if weakly(q, p) {
                    return false;
                }
                l.pts.extend(p.iter().zip(q).map(|(a, b)| a.max(*b)));
            }
            return true;
        }
        // The order of `filter_nondominated` (ties by id, i.e. by position in `earlier`), found
        // without holding the rows; then each row is built again, in that order, and kept
        // only when no kept row covers it. A row that one of a few recently useful keyed rows
        // (`guards`) covers is not keyed: the filter would drop it (its coverer is keyed and
        // comes first), so most rows are never sorted or built again. Only in 4-D sets from
        // 5-D ones (measured: elsewhere guards cost more than they save; the deep sets are
        // small and mostly kept).
        let keys = &mut self.keys;
        keys.clear();
        let guards = &mut self.tmp;
        guards.clear();
        let most_guards = if e + 1 == self.r.len() && (e == 4 || e == 5) {
            GUARDS * e
        } else {
            0
        };
        let indexed = e >= self.indexed_from;
        let by_ids = indexed && e == self.top;
        l.ids.clear();
        if let Some(b) = bound {
            if by_ids {
                room(&mut l.ids, b);
            } else {
                room(keys, b);
            }
        }
        for j in earlier {
            if rows.max_with(j as usize, p, lim) {
                return false;
            }
            let hit = guards.chunks_exact(e).position(|g| weakly(g, lim));
            if let Some(g) = hit {
                if g > 0 {
                    // move the coverer forward: it is likely to cover the next rows too
                    for c in 0..e {
                        guards.swap((g - 1) * e + c, g * e + c);
                    }
                }
                continue;
            }
            if by_ids {
                l.ids.push(j);
            } else {
                let rest: f64 = lim[..e - 1].iter().sum();
                keys.push(sort_key(lim[e - 1], rest, j));
            }
            if guards.len() < most_guards {
                guards.extend_from_slice(lim);
            } else if most_guards > 0 {
                let last = guards.len() - e;
                guards[last..].copy_from_slice(lim);
            }
        }
        if by_ids {
            l.ids.sort_unstable_by_key(|&j| {
                rows.max_with(j as usize, p, lim);
                let rest: f64 = lim[..e - 1].iter().sum();
                sort_key(lim[e - 1], rest, j)
            });
        } else {
            sort_keyed(keys);
        }
        if indexed {
            if !by_ids {
                if bound.is_some() {
                    room(&mut l.ids, keys.len());
                }
                l.ids.extend(keys.iter().map(key_row));
            }
            // Kept in place, in order. A kept limit row `max(p, q_k)` weakly dominates a
            // limit row `s >= p` exactly when `q_k` does: the kept rows are compared as the
            // source holds them.
            l.floor.clear();
            l.floor.extend_from_slice(p);
            let mut kept = 0;
            for t in 0..l.ids.len() {
                let j = l.ids[t];
                rows.max_with(j as usize, p, lim);
                let covered = l.ids[..kept]
                    .iter()
                    .any(|&k| rows.all_of(k as usize, e, |c, q| q <= lim[c]));
                if !covered {
                    l.ids[kept] = j;
                    kept += 1;
                }
            }
            l.ids.truncate(kept);
            return true;
        }
        if bound.is_some() {
            room(&mut l.pts, keys.len() * e);
        }
        for k in keys.iter() {
            let j = key_row(k);
            let start = l.pts.len();
            l.pts.resize(start + e, 0.0);
            rows.max_with(j as usize, p, &mut l.pts[start..]);
            let (kept, s) = l.pts.split_at(start);
            // which end to scan from first: measured (the 4-D limit sets of the 5-D top level
            // are the large ones; their dominators are more often among the last kept)
            let covered = if e == 4 {
                kept.chunks_exact(e).rev().any(|k| weakly(k, s))
            } else {
                kept.chunks_exact(e).any(|k| weakly(k, s))
            };
            if covered {
                l.pts.truncate(start);
            }
        }
        true
    }

    /// Hypervolume of the set held in slot `d` (an indexed set's ids are rows of `src`).
    fn level<R: Rows + ?Sized>(&mut self, d: usize, src: &R) -> f64 {
        let mut lv = std::mem::take(&mut self.levels[d]);
        let v = if d >= self.indexed_from {
            self.indexed_level(&mut lv, d, src)
        } else {
            self.level_with(&mut lv, d)
        };
        self.levels[d] = lv;
        v
    }

    /// [`Self::level`] of an indexed set (it arrives filtered, hence sorted best first).
    fn indexed_level<R: Rows + ?Sized>(&mut self, lv: &mut Level, d: usize, src: &R) -> f64 {
        let n = lv.ids.len();
        if n <= SMALL_MAX {
            // tiny sets by value, in one buffer for every level (consumed at once: nothing
            // below them runs)
            let small = &mut self.small;
            small.clear();
            small.resize(n * d, 0.0);
            for (&j, out) in lv.ids.iter().zip(small.chunks_exact_mut(d)) {
                src.max_with(j as usize, &lv.floor, out);
            }
            return match n {
                0 => 0.0,
                1 => boxvol(small, self.r),
                _ => small_union(small, &self.r[..d], &mut self.tmp),
            };
        }
        let e = d - 1;
        let mut total = 0.0;
        // The active points are kept in order at the front of `ids` (`ids[..a]`): a point
        // leaves for good, and `ids[i]` is read before position `a <= i` is written, so the
        // set's own ids hold the slicing loop's state (no list of positions beside them).
        let mut a = 0;
        for i in 0..n {
            let j = lv.ids[i];
            lv.p.resize(d, 0.0);
            src.max_with(j as usize, &lv.floor, &mut lv.p);
            if let Some(t) = self.slab(&lv.p, src, lv.ids[..a].iter().copied()) {
                total += t;
                let (p, floor) = (&lv.p[..e], &lv.floor[..e]);
                // drop the active points that p's projection weakly dominates
                let mut kept = 0;
                for t in 0..a {
                    let k = lv.ids[t];
                    if !src.all_of(k as usize, e, |c, q| p[c] <= floor[c].max(q)) {
                        lv.ids[kept] = k;
                        kept += 1;
                    }
                }
                lv.ids[kept] = j;
                a = kept + 1;
            }
        }
        total
    }

    /// [`Self::level`] of a set held by value.
    fn level_with(&mut self, lv: &mut Level, d: usize) -> f64 {
        let n = lv.pts.len() / d;
        let r = self.r;
        match (n, d) {
            (0, _) => 0.0,
            (1, _) => boxvol(&lv.pts, r),
            (_, 1) => r[0] - lv.pts.iter().copied().fold(f64::INFINITY, f64::min),
            (_, 2) => {
                sort_best_first(&mut lv.pts, &mut self.tmp, &mut self.keys, 2);
                sweep2(&lv.pts, r)
            }
            (_, 3) => self.sweep3(&lv.pts),
            (2..=SMALL_MAX, _) => small_union(&lv.pts, &r[..d], &mut self.tmp),
            (_, 4) => self.sweep4(&lv.pts),
            _ => {
                // sets of 4 or more objectives arrive filtered, hence sorted best-first
                let e = d - 1;
                let mut total = 0.0;
                // the active rows kept in order at the front (rows `..a`), as in
                // `indexed_level`
                let mut a = 0;
                for i in 0..n {
                    let p = &lv.pts[i * d..(i + 1) * d];
                    let rows = Flat { pts: &lv.pts, d };
                    if let Some(t) = self.slab(p, &rows, 0..a as u32) {
                        total += t;
                        let mut kept = 0;
                        for t in 0..a {
                            let (q, p) = (t * d, i * d);
                            if !weakly(&lv.pts[p..p + e], &lv.pts[q..q + e]) {
                                lv.pts.copy_within(q..q + d, kept * d);
                                kept += 1;
                            }
                        }
                        lv.pts.copy_within(i * d..(i + 1) * d, kept * d);
                        a = kept + 1;
                    }
                }
                total
            }
        }
    }

    /// 3-D sweep over z ascending, inserting (x, y) into an area staircase.
    fn sweep3(&mut self, pts: &[f64]) -> f64 {
        let r = self.r;
        let n = pts.len() / 3;
        let keys = &mut self.keys;
        keys.clear();
        keys.extend((0..n).map(|i| (key(pts[i * 3 + 2]), i as u64)));
        sort_keyed(keys);
        self.stair.reset(r[0], r[1]);
        let (mut area, mut vol) = (0.0, 0.0);
        let mut prev_z = pts[key_row(&keys[0]) as usize * 3 + 2];
        for k in keys.iter() {
            let i = key_row(k);
            let q = &pts[i as usize * 3..i as usize * 3 + 3];
            vol += area * (q[2] - prev_z);
            prev_z = q[2];
            area += self.stair.insert(q[0], q[1]);
        }
        vol + area * (r[2] - prev_z)
    }

    /// 4-D sweep over the last objective `w` (rows sorted by it, as filtered sets are): the
    /// volume is `sum_i (r_w - w_i) * c_i`, `c_i` the exclusive 3-D volume of row `i`'s
    /// (x, y, z) against the rows before it, found by one pass over the 3-D front of those
    /// rows (kept sorted by z, covered rows dropped) through an area staircase clipped to the
    /// row's box (Guerreiro, Fonseca & Emmerich, 2012, "A fast dimension-sweep algorithm for
    /// the hypervolume indicator in four dimensions", CCCG: the same sweep with an O(n) pass
    /// per row, so no sort and no limit set per row).
    #[inline(never)]
    fn sweep4(&mut self, pts: &[f64]) -> f64 {
        let r = self.r;
        let (front, next) = (&mut self.front, &mut self.next);
        front.clear();
        let mut total = 0.0;
        for p in pts.chunks_exact(4) {
            total += (r[3] - p[3]) * contribution3(p, front, next, &mut self.stair, r);
            if !next.is_empty() {
                std::mem::swap(front, next);
            }
        }
        total
    }

    /// Volume of `p`'s slab (`d = p.len()`): `(r_last - p_last)` times the exclusive (d-1)-D
    /// volume of `p`'s projection against the projections of the rows `earlier` of `rows`
    /// (those better in the last objective; ids ascending). `None` when one of them covers
    /// `p` (the slab is empty).
    #[inline(never)]
    fn slab<R: Rows + ?Sized>(
        &mut self,
        p: &[f64],
        rows: &R,
        earlier: impl Iterator<Item = u32>,
    ) -> Option<f64> {
        let e = p.len() - 1;
        if !self.limit_set(&p[..e], rows, earlier) {
            return None;
        }
        let inner = self.level(e, rows);
        Some((self.r[e] - p[e]) * (boxvol(&p[..e], &self.r[..e]) - inner))
    }
}

/// Exclusive 3-D volume of `p`'s (x, y, z) against `front` (rows of (x, y, z), sorted by z),
/// and the next front in `next`: `front` with `p` inserted in z order and the rows above it that
/// `p` weakly dominates dropped; `next` is left empty when a row of `front` weakly dominates `p` (the front
/// stays as it is, the contribution is 0).
///
/// Walking the front upward from `p_z`, the part of `p`'s (x, y) box still uncovered shrinks as
/// each row's (x, y), clipped to the box, enters the staircase; a row with `q_x <= p_x` and
/// `q_y <= p_y` covers all of it, and the rest of the walk only builds the next front.
#[inline(never)]
fn contribution3(
    p: &[f64],
    front: &[f64],
    next: &mut Vec<f64>,
    stair: &mut AreaStaircase,
    r: &[f64],
) -> f64 {
    let (px, py, pz) = (p[0], p[1], p[2]);
    next.clear();
    stair.reset(r[0], r[1]);
    let full = (r[0] - px) * (r[1] - py);
    let (mut covered, mut vol, mut prev_z) = (0.0, 0.0, pz);
    let mut open = true; // the box is not yet fully covered
    let mut placed = false;
    for q in front.chunks_exact(3) {
        let (qx, qy, qz) = (q[0], q[1], q[2]);
        let under = qx <= px && qy <= py;
        if qz <= pz {
            if under {
                next.clear();
                return 0.0;
            }
            next.extend_from_slice(q);
        } else {
            if !placed {
                next.extend_from_slice(&p[..3]);
                placed = true;
            }
            // q still covers part of p's box, but p covers q for every later row
            if !(px <= qx && py <= qy) {
                next.extend_from_slice(q);
            }
        }
        if open {
            let z = qz.max(pz);
            vol += (full - covered) * (z - prev_z);
            prev_z = z;
            if under {
                open = false;
                covered = full;
            } else {
                covered += stair.insert(qx.max(px), qy.max(py));
            }
        }
    }
    if !placed {
        next.extend_from_slice(&p[..3]);
    }
    if open {
        vol += (full - covered) * (r[2] - prev_z);
    }
    vol
}

/// Keyed limit rows kept at hand to skip the rows they cover (see [`Wfg::limit_set`]).
const GUARDS: usize = 4;

/// Sets of up to this many points go to [`small_union`] (63 subset boxes at most).
const SMALL_MAX: usize = 6;

/// Volume of at most [`SMALL_MAX`] points by inclusion-exclusion: the boxes share the corner
/// `r`, so the intersection of any subset is the box of their coordinate-wise max (cheaper
/// than recursing on the tiny sets that deep levels produce). The subsets are walked depth
/// first, each corner the max of its parent's and one more point, so one corner per depth is
/// held (`n d` values, not a table of `2^n d`: at m = 8-10 the table was a tenth of a
/// thread's scratch; at m = 5-6 the two take the same time within the noise).
fn small_union(pts: &[f64], r: &[f64], corners: &mut Vec<f64>) -> f64 {
    let d = r.len();
    let n = pts.len() / d;
    corners.clear();
    corners.resize(n * d, 0.0);
    // chosen[k]: the point added at depth k of the walk
    let mut chosen = [0usize; SMALL_MAX];
    let (mut total, mut depth, mut next) = (0.0, 0, 0);
    loop {
        if next < n {
            let pt = &pts[next * d..(next + 1) * d];
            let (head, tail) = corners.split_at_mut(depth * d);
            let c = &mut tail[..d];
            if depth == 0 {
                c.copy_from_slice(pt);
            } else {
                let prev = &head[(depth - 1) * d..];
                for ((cj, a), b) in c.iter_mut().zip(prev).zip(pt) {
                    *cj = a.max(*b);
                }
            }
            let vol: f64 = c.iter().zip(r).map(|(cj, rj)| rj - cj).product();
            total += if depth % 2 == 0 { vol } else { -vol };
            chosen[depth] = next;
            depth += 1;
            next += 1;
        } else if depth == 0 {
            return total;
        } else {
            depth -= 1;
            next = chosen[depth] + 1;
        }
    }
}

/// 2-D volume of rows sorted by y ascending: each slab between consecutive y values is as
/// wide as the best x at or below it.
fn sweep2(pts: &[f64], r: &[f64]) -> f64 {
    let (mut area, mut best_x, mut prev_y) = (0.0, r[0], pts[1]);
    for q in pts.chunks_exact(2) {
        area += (q[1] - prev_y) * (r[0] - best_x);
        best_x = best_x.min(q[0]);
        prev_y = q[1];
    }
    area + (r[1] - prev_y) * (r[0] - best_x)
}

/// Hypervolume of the rows `ids` of `rows` (`m = r.len() >= 2` columns, all strictly below
/// `r`; best distinct and non-dominated, for speed only: a dominated or repeated row adds a
/// zero term), the top-level terms computed in parallel and summed in a fixed order, so the
/// result is the same for any thread count. The rows are read in place; what is held beyond
/// them is their order, 4 bytes a row of bookkeeping and one scratch per pool thread.
pub(crate) fn hypervolume_par<R: Rows + ?Sized>(
    rows: &R,
    ids: Vec<u32>,
    r: &[f64],
    par: Par,
) -> f64 {
    let (n, m) = (ids.len(), r.len());
    // the active-set pass holds up to a quarter of the input's bytes
    hypervolume_par_with(rows, ids, r, n * m / (4 * m.saturating_sub(1).max(1)), par)
}

/// [`hypervolume_par`], the active-set pass holding up to `gone_rows` rows by value (the
/// value is the same for any `gone_rows`).
fn hypervolume_par_with<R: Rows + ?Sized>(
    rows: &R,
    mut ids: Vec<u32>,
    r: &[f64],
    gone_rows: usize,
    par: Par,
) -> f64 {
    let m = r.len();
    let n = ids.len();
    if m < 4 || n < 3 {
        let pts: Vec<f64> = ids
            .iter()
            .flat_map(|&i| (0..m).map(move |j| rows.get(i as usize, j)))
            .collect();
        return Wfg::new(r).volume(&pts);
    }
    // Best first (the order of `sort_best_first`, keys made in the comparisons: no key array),
    // exact repeats of a row dropped where the sort puts them next to it.
    let order = |i: u32| {
        let rest: f64 = (0..m - 1).map(|j| rows.get(i as usize, j)).sum();
        sort_key(rows.get(i as usize, m - 1), rest, i)
    };
    ids.sort_unstable_by_key(|&i| order(i));
    ids.dedup_by(|a, b| (0..m).all(|j| rows.get(*a as usize, j) == rows.get(*b as usize, j)));
    let n = ids.len();
    let (base, ids) = (rows, &ids);
    let (rows, e) = (&Listed { rows, ids }, m - 1);
    // Which earlier projections each slab is measured against: the sequential active-set
    // pass of `level_with`, recorded as the step whose point covers it (it still counts in
    // that step's slab, not after; its own step when it never joins); then the slabs are
    // independent. The pass is sequential: it holds the active rows by value (reading them
    // scattered through `ids` made it a third of the time at m = 5).
    let (gone, most) = gone_steps(rows, n, e, gone_rows);
    let gone = &gone;
    // Every thread's scratch, made here and sized for sets of `most` rows (pages are only
    // touched as they fill): the threads then allocate nothing, so what they hold comes from
    // the caller's allocator arena, where memory the process already holds is reused.
    let scratch = PerThread::filled(par.threads(), || {
        let mut w = Wfg::new(r);
        w.top = e;
        w.reserve(most, e);
        (w, vec![0.0; m])
    });
    // Blocks of slabs in parallel. Each task measures a fixed stride of a block's slabs
    // (`SLABS_PER_TASK` of them, spread over the block so that tasks cost about the same) and
    // sums them in order; the tasks' sums are added in index order: the same value for any
    // thread count, holding one term per task, not per slab (8 bytes a row, an eighth of the
    // input at m = 8).
    let mut terms = Vec::with_capacity(n.min(TERMS_BLOCK).div_ceil(SLABS_PER_TASK));
    // A block's slabs are measured against the rows active at its start and its own, listed
    // once per block (ids ascending; the first block's are all the rows before each slab), not
    // found by a scan of all earlier ids per slab (5% of the time at m = 6).
    let mut cand = Vec::with_capacity(if n > TERMS_BLOCK { n } else { 0 });
    par.install(|| {
        let mut total = -0.0;
        for start in (0..n as u32).step_by(TERMS_BLOCK) {
            let end = (start as usize + TERMS_BLOCK).min(n) as u32;
            cand.clear();
            if start > 0 {
                cand.extend((0..start).filter(|&j| gone[j as usize] >= start));
                cand.extend(start..end);
            }
            let cand = &cand;
            let tasks = (end - start).div_ceil(SLABS_PER_TASK as u32);
            (0..tasks)
                .into_par_iter()
                .with_max_len(1)
                .map(|t| {
                    scratch.with(|(w, pb)| {
                        let mut sum = -0.0;
                        for i in (start + t..end).step_by(tasks as usize) {
                            if gone[i as usize] == i {
                                continue;
                            }
                            // the limit sets read the caller's rows by their own ids (one
                            // lookup less per read in the levels below, which hold those ids);
                            // the first block's candidates are all the rows before it (a
                            // chained iterator of both made m = 8 25% slower)
                            let active = |&j: &u32| gone[j as usize] >= i;
                            let id = |j: u32| ids[j as usize];
                            let p = rows.row(i as usize, pb);
                            let t = if start == 0 {
                                w.slab(p, base, (0..i).filter(active).map(id))
                            } else {
                                let upto = cand.len() - (end - i) as usize;
                                w.slab(p, base, cand[..upto].iter().copied().filter(active).map(id))
                            };
                            sum += t.unwrap_or(0.0);
                        }
                        sum
                    })
                })
                .collect_into_vec(&mut terms);
            for t in &terms {
                total += t;
            }
        }
        total
    })
}

/// The sequential active-set pass of the top level over the projections (first `e` values)
/// of rows `0..n` (best first): for each row, the step whose row weakly dominates it while it
/// is active (it leaves after that step's slab), `n` when none does, its own step when an active
/// row covers it on arrival (it never joins); and the largest active set. The active rows'
/// values are held by column (compared a column at a time, which the compiler vectorizes)
/// while there are at most `cap` of them, else read through `rows`.
fn gone_steps<R: Rows + ?Sized>(rows: &R, n: usize, e: usize, cap: usize) -> (Vec<u32>, usize) {
    let mut gone = vec![n as u32; n];
    let mut active: Vec<u32> = Vec::new();
    let mut cols: Vec<Vec<f64>> = (0..e).map(|_| Vec::with_capacity(cap.min(n))).collect();
    let mut cached = true;
    // per active row: bit 0 when it weakly dominates the new row, bit 1 when dominated by it
    let mut flags: Vec<u8> = Vec::new();
    let (mut p, mut qb) = (vec![0.0; e], vec![0.0; e]);
    let mut most = 0;
    for i in 0..n as u32 {
        p.copy_from_slice(rows.row(i as usize, &mut qb));
        flags.clear();
        flags.resize(active.len(), 3);
        if cached {
            for (col, &pc) in cols.iter().zip(&p) {
                for (f, &q) in flags.iter_mut().zip(col) {
                    *f &= u8::from(q <= pc) | (u8::from(pc <= q) << 1);
                }
            }
        } else {
            for (f, &j) in flags.iter_mut().zip(&active) {
                let q = rows.row(j as usize, &mut qb);
                *f = u8::from(weakly(q, &p)) | (u8::from(weakly(&p, q)) << 1);
            }
        }
        let any = flags.iter().fold(0, |a, &f| a | f);
        if any & 1 != 0 {
            gone[i as usize] = i;
            continue;
        }
        if any & 2 != 0 {
            // the active set's order is free: swap-remove the rows the new one covers
            let mut k = 0;
            while k < active.len() {
                if flags[k] & 2 == 0 {
                    k += 1;
                    continue;
                }
                gone[active[k] as usize] = i;
                active.swap_remove(k);
                flags.swap_remove(k);
                if cached {
                    for col in &mut cols {
                        col.swap_remove(k);
                    }
                }
            }
        }
        active.push(i);
        most = most.max(active.len());
        if cached && active.len() > cap {
            cached = false;
            cols = Vec::new();
        } else if cached {
            for (col, &pc) in cols.iter_mut().zip(&p) {
                col.push(pc);
            }
        }
    }
    (gone, most)
}

/// Slabs measured per parallel block: enough to keep every thread busy to the block's end.
const TERMS_BLOCK: usize = 2048;

/// Slabs measured (and summed) by one parallel task: a stride through the block, so each
/// task holds early (cheap) and late (costly) slabs alike and a few tasks per thread keep the
/// threads evenly busy.
const SLABS_PER_TASK: usize = 4;

/// One scratch per thread of the current pool, made on first use: tasks reuse its buffers
/// instead of growing fresh ones for every task (rayon's `map_init` makes one per split,
/// which `with_max_len(1)` makes one per task).
pub(crate) struct PerThread<T, F> {
    slots: Vec<Mutex<Option<T>>>,
    make: F,
}

impl<T: Send, F: Fn() -> T + Sync> PerThread<T, F> {
    pub fn new(make: F) -> Self {
        let slots = (0..rayon::current_num_threads().max(1))
            .map(|_| Mutex::new(None))
            .collect();
        Self { slots, make }
    }

    /// One scratch for each of `threads` threads, all made now, on the calling thread.
    pub fn filled(threads: usize, make: F) -> Self {
        let slots = (0..threads.max(1))
            .map(|_| Mutex::new(Some(make())))
            .collect();
        Self { slots, make }
    }

    /// Run `f` on this thread's scratch (a task never waits on another: each pool thread has
    /// its own slot, and `f` starts no parallel work).
    pub fn with<U>(&self, f: impl FnOnce(&mut T) -> U) -> U {
        let t = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        let mut slot = self.slots[t].lock().unwrap_or_else(PoisonError::into_inner);
        f(slot.get_or_insert_with(&self.make))
    }
}

#[cfg(test)]
#[path = "../../tests/common/mod.rs"]
mod sphere_data;

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// [`hypervolume_par`] of all the rows of `pts`.
    fn par(pts: &[f64], r: &[f64]) -> f64 {
        let d = r.len();
        hypervolume_par(
            &Flat { pts, d },
            (0..(pts.len() / d) as u32).collect(),
            r,
            Par::Current,
        )
    }

    /// Hypervolume by inclusion-exclusion over every subset (small n): the volume of a union
    /// of boxes sharing the corner `r` is the alternating sum of the volumes of their
    /// intersections, and the intersection of boxes is the box of the coordinate-wise max.
    fn inclusion_exclusion(pts: &[f64], r: &[f64]) -> f64 {
        let m = r.len();
        let n = pts.len() / m;
        let mut total = 0.0;
        for mask in 1u32..(1 << n) {
            let mut corner = vec![f64::NEG_INFINITY; m];
            for i in (0..n).filter(|i| mask >> i & 1 == 1) {
                for j in 0..m {
                    corner[j] = corner[j].max(pts[i * m + j]);
                }
            }
            let sign = if mask.count_ones() % 2 == 1 {
                1.0
            } else {
                -1.0
            };
            total += sign * boxvol(&corner, r);
        }
        total
    }

    use super::sphere_data::sphere;

    #[test]
    fn hand_checked_volumes() {
        // one point: its box; two 4-D points: 1 + 1 - overlap (1/2 * 1/2 * 1 * 1)
        let r = [1.0; 4];
        assert_eq!(Wfg::new(&r).volume(&[0.0; 4]), 1.0);
        let two = [0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0];
        assert_eq!(Wfg::new(&r).volume(&two), 0.5 + 0.5 - 0.25);
        // the 4 unit vectors e_j scaled to 1/2 against r = 1: each box is 1/2, every pairwise
        // intersection 1/4, triple 1/8, all four 1/16: 4/2 - 6/4 + 4/8 - 1/16 = 15/16
        let mut e = vec![0.0; 16];
        for j in 0..4 {
            for k in 0..4 {
                e[j * 4 + k] = if j == k { 0.5 } else { 0.0 };
            }
        }
        assert_eq!(Wfg::new(&r).volume(&e), 15.0 / 16.0);
        assert_eq!(par(&e, &r), 15.0 / 16.0);
        // its exclusive contributions: each point alone covers x_j in [0, 1/2) with every
        // other coordinate in [1/2, 1): (1/2)^4
        for j in 0..4 {
            let others: Vec<f64> = (0..4)
                .filter(|&k| k != j)
                .flat_map(|k| e[k * 4..k * 4 + 4].to_vec())
                .collect();
            assert_eq!(
                Wfg::new(&r).exclusive(&e[j * 4..j * 4 + 4], &Flat { pts: &others, d: 4 }, 0..3),
                1.0 / 16.0
            );
        }
    }

    #[test]
    fn matches_inclusion_exclusion() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for t in 0..600 {
            let m = rng.random_range(4..=9);
            let n = rng.random_range(1..=10);
            // coarse values: duplicates, ties and dominated points are common
            let mut pts: Vec<f64> = (0..n * m)
                .map(|_| f64::from(rng.random_range(0..5u32)) * 0.25)
                .collect();
            if t % 3 == 0 {
                pts = sphere(n, m, t);
            }
            let r = vec![1.25; m];
            let expect = inclusion_exclusion(&pts, &r);
            let got = Wfg::new(&r).volume(&pts);
            assert!(
                (got - expect).abs() <= 1e-12 * expect.max(1.0),
                "m={m} n={n}"
            );
            // the parallel top level wants distinct non-dominated points
            let mut front: Vec<f64> = Vec::new();
            for (i, p) in pts.chunks_exact(m).enumerate() {
                let beaten = pts
                    .chunks_exact(m)
                    .enumerate()
                    .any(|(k, q)| (weakly(q, p) && q != p) || (q == p && k < i));
                if !beaten {
                    front.extend_from_slice(p);
                }
            }
            let par = par(&front, &r);
            assert!(
                (par - expect).abs() <= 1e-12 * expect.max(1.0),
                "par m={m} n={n}"
            );
        }
    }

    /// The active-set pass as first written: rows compared one by one, kept in order.
    fn gone_reference(pts: &[f64], d: usize, e: usize) -> (Vec<u32>, usize) {
        let n = pts.len() / d;
        let proj = |j: u32| &pts[j as usize * d..j as usize * d + e];
        let (mut gone, mut active, mut most) = (vec![n as u32; n], Vec::<u32>::new(), 0);
        for i in 0..n as u32 {
            if active.iter().any(|&j| weakly(proj(j), proj(i))) {
                gone[i as usize] = i;
                continue;
            }
            active.retain(|&j| {
                let keep = !weakly(proj(i), proj(j));
                if !keep {
                    gone[j as usize] = i;
                }
                keep
            });
            active.push(i);
            most = most.max(active.len());
        }
        (gone, most)
    }

    #[test]
    fn gone_steps_cached_or_not_match_the_reference() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for t in 0..300u64 {
            let d = rng.random_range(4..=7);
            let n = rng.random_range(1..=60);
            // coarse values: covered rows on arrival, ties and repeats are common
            let pts: Vec<f64> = if t % 2 == 0 {
                (0..n * d)
                    .map(|_| f64::from(rng.random_range(0..4u32)))
                    .collect()
            } else {
                sphere(n, d, t)
            };
            let e = d - 1;
            let want = gone_reference(&pts, d, e);
            let rows = Flat { pts: &pts, d };
            // all held by value, none, and a switch to reading in place part way
            for cap in [usize::MAX, 0, 3] {
                assert_eq!(gone_steps(&rows, n, e, cap), want, "t={t} cap={cap}");
            }
        }
    }

    #[test]
    fn active_rows_held_or_read_in_place_give_the_same_bits() {
        // across parallel blocks (n > TERMS_BLOCK at m = 5) and within one (m = 6, 7)
        for (m, n) in [(5, TERMS_BLOCK + 700), (6, 400), (7, 150), (4, 500)] {
            let r = vec![1.1; m];
            let pts = sphere(n, m, 5);
            let rows = Flat { pts: &pts, d: m };
            let run = |gone_rows| {
                hypervolume_par_with(&rows, (0..n as u32).collect(), &r, gone_rows, Par::Current)
            };
            let all = run(usize::MAX);
            assert_eq!(all.to_bits(), run(0).to_bits(), "m={m}");
            assert_eq!(all.to_bits(), run(n / 3).to_bits(), "m={m}");
            assert_eq!(all.to_bits(), par(&pts, &r).to_bits(), "m={m}");
            let seq = Wfg::new(&r).volume(&pts);
            assert!((all - seq).abs() <= 1e-12 * seq, "m={m}");
        }
    }

    #[test]
    fn subset_walk_matches_the_reference() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut corners = Vec::new();
        for d in 2..=10 {
            for n in 1..=SMALL_MAX {
                let pts: Vec<f64> = (0..n * d).map(|_| rng.random::<f64>()).collect();
                let r = vec![1.0; d];
                let expect = inclusion_exclusion(&pts, &r);
                let got = small_union(&pts, &r, &mut corners);
                assert!(
                    (got - expect).abs() <= 1e-14,
                    "d={d} n={n}: {got} vs {expect}"
                );
            }
        }
    }

    #[test]
    fn indexed_and_by_value_levels_agree() {
        // the same sets with every level held by value (the layout before issue 22's memory
        // work): the same bits on points in general position, 1e-12 on coarse grids (exact
        // ties may then be ordered differently); the volume, the exclusive contributions,
        // and the deep levels below the parallel top level
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        for t in 0..60u64 {
            let m = rng.random_range(6..=9);
            let n = rng.random_range(7..=if m > 7 { 40 } else { 80 });
            let coarse = t % 2 == 1;
            let pts: Vec<f64> = if coarse {
                (0..n * m)
                    .map(|_| f64::from(rng.random_range(0..5u32)) * 0.25)
                    .collect()
            } else {
                sphere(n, m, t)
            };
            let r = vec![1.25; m];
            let same = |a: f64, b: f64| {
                if coarse {
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
                } else {
                    a.to_bits() == b.to_bits()
                }
            };
            let by_value = |w: &mut Wfg| w.indexed_from = usize::MAX;
            let mut plain = Wfg::new(&r);
            by_value(&mut plain);
            let (a, b) = (Wfg::new(&r).volume(&pts), plain.volume(&pts));
            assert!(same(a, b), "volume m={m} n={n} coarse={coarse}: {a} vs {b}");
            let rows = Flat { pts: &pts, d: m };
            for i in [0, n / 2, n - 1] {
                let p = &pts[i * m..(i + 1) * m];
                let others = || (0..n as u32).filter(move |&k| k as usize != i);
                let a = Wfg::new(&r).exclusive(p, &rows, others());
                let b = plain.exclusive(p, &rows, others());
                assert!(same(a, b), "exclusive m={m} n={n} i={i}: {a} vs {b}");
            }
            if !coarse {
                // the parallel top level over the same rows, its slabs' levels indexed
                let par = par(&pts, &r);
                assert!(
                    (par - a).abs() <= 1e-12 * a,
                    "par m={m} n={n}: {par} vs {a}"
                );
            }
        }
    }

    #[test]
    fn same_result_for_any_thread_count() {
        for (m, n) in [(6, 120), (5, 300)] {
            let r = vec![1.1; m];
            let pts = sphere(n, m, 3);
            let run = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| par(&pts, &r))
            };
            let one = run(1);
            assert_eq!(one.to_bits(), run(2).to_bits());
            assert_eq!(one.to_bits(), run(3).to_bits());
            let seq = Wfg::new(&r).volume(&pts);
            assert!((one - seq).abs() <= 1e-12 * one);
        }
    }

    /// Timing probe: `cargo test --release -p pluralign-core wfg_timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "slow (timing or large input): cargo test -- --ignored"]
    fn wfg_timing() {
        // HV_PROBE="5=3000,8=200" picks the sizes
        let sizes: Vec<(usize, usize)> = std::env::var("HV_PROBE").map_or_else(
            |_| vec![(5, 500), (6, 300), (8, 150), (10, 40)],
            |s| {
                s.split(',')
                    .filter_map(|kv| {
                        let (a, b) = kv.split_once('=')?;
                        Some((a.parse().ok()?, b.parse().ok()?))
                    })
                    .collect()
            },
        );
        for (m, n) in sizes {
            let r = vec![1.1; m];
            let pts = sphere(n, m, 0);
            // CPU time of the one pool thread (steadier than wall time on a shared machine)
            let cpu = || {
                std::fs::read_to_string("/proc/thread-self/schedstat")
                    .ok()
                    .and_then(|s| s.split(' ').next()?.parse::<f64>().ok())
                    .map_or(f64::NAN, |ns| ns * 1e-9)
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let (mut best, mut v) = (f64::INFINITY, 0.0);
            for _ in 0..3 {
                pool.install(|| {
                    let t = cpu();
                    v = par(&pts, &r);
                    best = best.min(cpu() - t);
                });
            }
            eprintln!("m={m} n={n} {best:.4}s cpu, 1 thread, best of 3: {v}");
        }
    }
}
