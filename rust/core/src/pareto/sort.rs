//! Non-dominated sorting of one point set: all fronts (`ranks`) or the first one (`front`).
//!
//! Points are first sorted lexicographically and de-duplicated (equal vectors share a front),
//! so every dominator of a point comes before it and, among distinct points, "weakly better
//! everywhere" already means "dominates". Then, by dimension:
//! - m = 1: the rank is the position among distinct values;
//! - m = 2: one pass keeping the best second objective per front, binary search over fronts;
//! - m = 3: one 2-D staircase (sorted vectors) per front, binary search over fronts (a point
//!   not dominated by front k is not dominated by any later front: every point of front k+1
//!   has a dominator in front k), O(n log^2 n); on large inputs a coarse grid over the last
//!   two objectives bounds each rank to a few fronts first (see `RankGrid`), and the keys of
//!   the next block of sorted rows are read on another thread while a block is swept;
//! - m >= 4: first fronts are peeled off while they are large (no sorting, see
//!   `ranks_by_peeling`); what is left goes to a k-d tree that keeps the best rank of each
//!   subtree, O(n) queries that prune on bounding boxes (see [`super::kdtree`]).

use rayon::prelude::*;

use super::kdtree::KdTree;
use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, to_min, MatrixView, NanPolicy};

/// Distinct points in minimization space, sorted lexicographically.
pub struct Prepared {
    pub m: usize,
    /// Row-major distinct points.
    pub pts: Vec<f64>,
    /// For each input row, the index of its distinct point.
    pub of_row: Vec<u32>,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.pts.len().checked_div(self.m).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    #[inline(always)]
    pub fn row(&self, u: usize) -> &[f64] {
        &self.pts[u * self.m..(u + 1) * self.m]
    }
}

/// Validate, flip into minimization space, sort and de-duplicate. Runs inside the caller's pool.
pub fn prepare(view: &MatrixView, maximize: &[bool], nan: NanPolicy) -> Result<Prepared> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    if m == 0 {
        return Err(CoreError::Input(
            "points have 0 objectives; need at least one column".into(),
        ));
    }
    if n >= u32::MAX as usize {
        return Err(CoreError::Limit(format!(
            "{n} points is more than the supported 4,294,967,294"
        )));
    }
    if nan == NanPolicy::Error {
        view.check_finite()?;
    }
    Ok(prepare_by(n, m, |i, j| {
        let v = view.get(i, j);
        if !v.is_finite() {
            f64::INFINITY
        } else if maximize[j] {
            -v + 0.0
        } else {
            v + 0.0
        }
    }))
}

/// Sort and de-duplicate `n` points given by `key(i, j)`, already validated and in
/// minimization space (n < u32::MAX).
fn prepare_by<K>(n: usize, m: usize, key: K) -> Prepared
where
    K: Fn(usize, usize) -> f64 + Sync,
{
    // Sort by the first objective's order-preserving bits; only ties look further.
    let mut keyed: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| (ord_bits(key(i, 0)), i as u32))
        .collect();
    keyed.par_sort_unstable_by(|&(ka, a), &(kb, b)| {
        ka.cmp(&kb).then_with(|| {
            let (a, b) = (a as usize, b as usize);
            for j in 1..m {
                match key(a, j).total_cmp(&key(b, j)) {
                    std::cmp::Ordering::Equal => {}
                    o => return o,
                }
            }
            a.cmp(&b)
        })
    });
    let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
    let mut pts: Vec<f64> = Vec::with_capacity(n * m);
    let mut of_row = vec![0u32; n];
    let mut count = 0usize;
    for &r in &order {
        let r = r as usize;
        let same = count > 0 && (0..m).all(|j| pts[(count - 1) * m + j] == key(r, j));
        if !same {
            pts.extend((0..m).map(|j| key(r, j)));
            count += 1;
        }
        of_row[r] = (count - 1) as u32;
    }
    pts.shrink_to_fit();
    Prepared { m, pts, of_row }
}

/// Bits of a non-NaN float whose unsigned order is the float order.
#[inline(always)]
pub(crate) fn ord_bits(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Order key of value `(i, j)` in minimization space: [`ord_bits`] of the value (negated when
/// maximized); non-finite values sort last.
#[inline]
pub(crate) fn min_key(view: &MatrixView, maximize: &[bool], i: usize, j: usize) -> u64 {
    let v = view.get(i, j);
    ord_bits(if !v.is_finite() {
        f64::INFINITY
    } else if maximize[j] {
        -v + 0.0
    } else {
        v + 0.0
    })
}

/// The row of an entry of [`lex_order`].
#[inline]
pub(crate) fn row_of(entry: u64) -> usize {
    (entry & 0xFFFF_FFFF) as usize
}

/// Rows (fewer than 2^32) in lexicographic order of their [`min_key`]s on columns `cols` (at
/// most 3), ties in row order, as 8 bytes per row (read the row with [`row_of`]): the top 32
/// bits of the first column's key (less the column's smallest key) above the row index. Sorting these packed entries and then
/// each run whose top bits tie on the full keys (read from the view again) orders the rows
/// without copying the points.
pub(crate) fn lex_order(view: &MatrixView, maximize: &[bool], cols: &[usize]) -> Vec<u64> {
    let n = view.nrows();
    let full = |i: usize| {
        let mut k = [0u64; 3];
        for (x, &j) in k.iter_mut().zip(cols) {
            *x = min_key(view, maximize, i, j);
        }
        k
    };
    if n == 0 {
        return Vec::new();
    }
    // The top bits are taken relative to the column's range: on values of one sign and a few
    // binades (the usual case) they hold most of the mantissa, so few rows tie on them.
    let (lo, hi) = (0..n)
        .into_par_iter()
        .map(|i| min_key(view, maximize, i, cols[0]))
        .fold(|| (u64::MAX, 0), |(lo, hi), k| (lo.min(k), hi.max(k)))
        .reduce(|| (u64::MAX, 0), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    let shift = (u64::BITS - (hi - lo).leading_zeros()).saturating_sub(32);
    let mut order: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| ((min_key(view, maximize, i, cols[0]) - lo) >> shift) << 32 | i as u64)
        .collect();
    if n >= RADIX_MIN_ROWS {
        radix_sort_high(&mut order);
    } else {
        order.par_sort_unstable();
    }
    // Runs of equal top bits are ordered in parallel pieces; no run straddles a cut.
    let pieces = (n / TIE_PIECE).clamp(1, 4 * rayon::current_num_threads());
    let mut parts: Vec<&mut [u64]> = Vec::with_capacity(pieces);
    let mut rest = &mut order[..];
    for t in (1..pieces).rev() {
        let mut cut = t * n / pieces;
        while cut > 0 && cut < rest.len() && rest[cut] >> 32 == rest[cut - 1] >> 32 {
            cut += 1;
        }
        if cut >= rest.len() {
            continue;
        }
        let (head, tail) = rest.split_at_mut(cut);
        parts.push(tail);
        rest = head;
    }
    parts.push(rest);
    parts.into_par_iter().for_each(|part| {
        let mut g = 0;
        while g < part.len() {
            let mut e = g + 1;
            while e < part.len() && part[e] >> 32 == part[g] >> 32 {
                e += 1;
            }
            if e - g > 1 {
                part[g..e].sort_unstable_by_key(|&x| (full(row_of(x)), x));
            }
            g = e;
        }
    });
    order
}

/// From this many rows on, [`lex_order`] sorts its entries by radix.
const RADIX_MIN_ROWS: usize = 1 << 16;

/// Sort entries whose low 32 bits ascend in slice order by their high 32 bits, stably (so the
/// result is the plain sort of the whole entries): LSD radix, 8 bits a pass, skipping the
/// digits every entry shares (most of them when the keys span a narrow range).
pub(crate) fn radix_sort_high(v: &mut [u64]) {
    let n = v.len();
    let mut hist = [[0usize; 256]; 4];
    for &x in v.iter() {
        for (d, h) in hist.iter_mut().enumerate() {
            h[((x >> (32 + 8 * d)) & 0xFF) as usize] += 1;
        }
    }
    let mut buf = vec![0u64; n];
    let mut in_buf = false;
    for (d, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue;
        }
        let mut at = [0usize; 256];
        let mut sum = 0;
        for (a, &c) in at.iter_mut().zip(h) {
            *a = sum;
            sum += c;
        }
        let (src, dst) = if in_buf {
            (&buf[..], &mut *v)
        } else {
            (&*v, &mut buf[..])
        };
        for &x in src {
            let b = ((x >> (32 + 8 * d)) & 0xFF) as usize;
            dst[at[b]] = x;
            at[b] += 1;
        }
        in_buf = !in_buf;
    }
    if in_buf {
        v.copy_from_slice(&buf);
    }
}

/// Rows per parallel piece when runs of tied entries are ordered.
const TIE_PIECE: usize = 1 << 15;

/// Front index (0 = non-dominated) of every input row.
pub fn ranks(view: &MatrixView, maximize: &[bool], nan: NanPolicy) -> Result<Vec<u32>> {
    if view.nrows() == 0 {
        check_directions(maximize, view.ncols())?;
        return Ok(Vec::new());
    }
    if view.ncols() <= 3 {
        return Ok(sweep_small_m(view, maximize, nan, false)?.0);
    }
    ranks_by_peeling(view, maximize, nan)
}

/// Peel at least this many fronts; after that, stop when a pass removes less than
/// 1/PEEL_MIN_SHARE of the remaining points.
const MIN_PEELS: u32 = 8;
const PEEL_MIN_SHARE: usize = 32;

/// All-front ranks for m >= 4: peel first fronts with the fast parallel first-front kernel
/// while fronts are large (random data has a few dozen fronts, growing from a small first
/// one), then finish the rest with the k-d tree rank sweep (which stays fast when there are
/// many small fronts, e.g. long chains). Removing fronts 0..k-1 leaves every remaining
/// point's rank shifted by exactly k. Peeling needs little memory: the first-front kernel
/// copies no points, and the remaining rows are a list of u32.
fn ranks_by_peeling(view: &MatrixView, maximize: &[bool], nan: NanPolicy) -> Result<Vec<u32>> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    if n >= u32::MAX as usize {
        return Err(CoreError::Limit(format!(
            "{n} points is more than the supported 4,294,967,294"
        )));
    }
    if nan == NanPolicy::Error {
        view.check_finite()?;
    }
    // Rows are read from the view in minimization space (non-finite: worst), not copied.
    let value = |i: usize, j: usize| {
        to_min(view.get(i, j), maximize[j], NanPolicy::Worst, i, j).unwrap_or(f64::INFINITY)
    };
    let fill = |i: usize, buf: &mut [f64]| {
        for (j, b) in buf.iter_mut().enumerate() {
            *b = value(i, j);
        }
    };
    // The first pass peels every row, without a list of them.
    let first = front_by(n, m, fill);
    let mut out = vec![0u32; n];
    let removed_first = first.iter().filter(|&&f| f).count();
    let mut alive = Vec::with_capacity(n - removed_first);
    alive.extend((0..n as u32).filter(|&i| !first[i as usize]));
    drop(first);
    let mut removed = removed_first;
    let mut level = 1u32;
    while !alive.is_empty() {
        if level >= MIN_PEELS && removed * PEEL_MIN_SHARE < alive.len() + removed {
            // Small fronts from here on: one k-d tree sweep over what is left.
            let prep = prepare_by(alive.len(), m, |k, j| value(alive[k] as usize, j));
            let r = ranks_prepared(&prep);
            for (k, &i) in alive.iter().enumerate() {
                out[i as usize] = level + r[prep.of_row[k] as usize];
            }
            break;
        }
        let first = front_by(alive.len(), m, |k, buf| fill(alive[k] as usize, buf));
        let before = alive.len();
        let mut k = 0;
        alive.retain(|&i| {
            let on_front = first[k];
            k += 1;
            if on_front {
                out[i as usize] = level;
            }
            !on_front
        });
        removed = before - alive.len();
        level += 1;
    }
    Ok(out)
}

/// True for the rows on the first front.
pub fn front(view: &MatrixView, maximize: &[bool], nan: NanPolicy) -> Result<Vec<bool>> {
    if view.nrows() == 0 {
        check_directions(maximize, view.ncols())?;
        return Ok(Vec::new());
    }
    if view.ncols() >= 4 {
        return front_kd(view, maximize, nan);
    }
    let r = sweep_small_m(view, maximize, nan, true)?.0;
    Ok(r.into_iter().map(|r| r == 0).collect())
}

/// Ranks for m <= 3 (`first_only`: 0 for the first front, 1 for everything else) by one sweep
/// over rows sorted on the order-preserving bits of their values: integer keys make the sort
/// and the staircases cheap, and no sorted copy of the points is made.
fn sweep_small_m(
    view: &MatrixView,
    maximize: &[bool],
    nan: NanPolicy,
    first_only: bool,
) -> Result<(Vec<u32>,)> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    if m == 0 {
        return Err(CoreError::Input(
            "points have 0 objectives; need at least one column".into(),
        ));
    }
    if n >= u32::MAX as usize {
        return Err(CoreError::Limit(format!(
            "{n} points is more than the supported 4,294,967,294"
        )));
    }
    if nan == NanPolicy::Error {
        view.check_finite()?;
    }
    let cols: Vec<usize> = (0..m).collect();
    let order = lex_order(view, maximize, &cols);
    let split = if m == 3 && !first_only {
        GridSplit::new(view, maximize)
    } else {
        None
    };
    let mut grid = split.as_ref().map(|s| RankGrid::new(s.side));
    let mut out = vec![0u32; n];
    let mut prev: Option<([u64; 3], u32)> = None;
    // m = 2: best second objective per front (non-decreasing in the front index).
    let mut best_y: Vec<u64> = Vec::new();
    // m = 3: one staircase per front.
    let mut fronts: Vec<Staircase> = Vec::new();
    let mut distinct = 0u32;
    for_each_sorted(view, maximize, &order, m, split.as_ref(), |i, k, cell| {
        let r = match prev {
            Some((pk, pr)) if pk == k => pr,
            _ => {
                distinct += 1;
                match m {
                    1 => distinct - 1,
                    2 => {
                        let f = best_y.partition_point(|&b| b <= k[1]);
                        if f == best_y.len() {
                            if !(first_only && f > 0) {
                                best_y.push(k[1]);
                            }
                        } else {
                            best_y[f] = k[1];
                        }
                        f as u32
                    }
                    _ if first_only => {
                        let covered = fronts.first().is_some_and(|s| s.covers(k[1], k[2]));
                        if !covered {
                            if fronts.is_empty() {
                                fronts.push(Staircase::default());
                            }
                            fronts[0].insert(k[1], k[2]);
                        }
                        u32::from(covered)
                    }
                    _ => {
                        // The grid narrows the fronts to search; covering is monotone in
                        // the front index, so a binary search inside the bounds is exact.
                        let (mut lo, mut hi) = match &grid {
                            Some(g) => g.bounds(cell),
                            None => (0, fronts.len()),
                        };
                        while lo < hi {
                            let mid = usize::midpoint(lo, hi);
                            if fronts[mid].covers(k[1], k[2]) {
                                lo = mid + 1;
                            } else {
                                hi = mid;
                            }
                        }
                        if lo == fronts.len() {
                            fronts.push(Staircase::default());
                        }
                        fronts[lo].insert(k[1], k[2]);
                        if let Some(g) = &mut grid {
                            g.raise(cell, lo);
                        }
                        lo as u32
                    }
                }
            }
        };
        out[i] = r;
        prev = Some((k, r));
    });
    Ok((out,))
}

/// Rows per block of the sorted order whose keys are gathered at once.
const GATHER_BLOCK: usize = 1 << 14;

/// Call `visit(row, keys, cell)` for the rows of `order` (from [`lex_order`] on all `m <= 3`
/// columns) in that order. The keys (and grid cells, given `split`) of the next block are
/// read from the view on another thread while the current block is visited: the random reads
/// overlap the sequential sweep, and only two blocks are held at a time.
fn for_each_sorted<F>(
    view: &MatrixView,
    maximize: &[bool],
    order: &[u64],
    m: usize,
    split: Option<&GridSplit>,
    mut visit: F,
) where
    F: FnMut(usize, [u64; 3], usize) + Send,
{
    let gather = |chunk: &[u64], buf: &mut Vec<([u64; 3], u32, u32)>| {
        buf.clear();
        buf.extend(chunk.iter().map(|&e| {
            let i = row_of(e);
            let mut k = [0u64; 3];
            for (j, x) in k.iter_mut().enumerate().take(m) {
                *x = min_key(view, maximize, i, j);
            }
            (k, i as u32, 0)
        }));
        // Cells in a second pass: the loop above stays short, so many of its cache misses
        // (rows in random order) are in flight at once.
        if let Some(s) = split {
            for (k, _, cell) in buf.iter_mut() {
                *cell = s.cell(k[1], k[2]) as u32;
            }
        }
    };
    let mut chunks = order.chunks(GATHER_BLOCK);
    let mut cur = Vec::with_capacity(GATHER_BLOCK.min(order.len()));
    let mut next = Vec::with_capacity(GATHER_BLOCK.min(order.len()));
    if let Some(c) = chunks.next() {
        gather(c, &mut cur);
    }
    while !cur.is_empty() {
        let c = chunks.next();
        rayon::join(
            || {
                for &(k, i, cell) in &cur {
                    visit(i as usize, k, cell as usize);
                }
            },
            || {
                next.clear();
                if let Some(c) = c {
                    gather(c, &mut next);
                }
            },
        );
        std::mem::swap(&mut cur, &mut next);
    }
}

/// Cells of a coarse grid over the second and third objectives: bounds from sample quantiles,
/// so each cell holds about as many points whatever the distribution.
struct GridSplit {
    side: usize,
    ys: Vec<u64>,
    zs: Vec<u64>,
}

/// Rows per grid cell (about) and the largest side.
const GRID_CELL_ROWS: usize = 64;
const GRID_MAX_SIDE: usize = 256;

impl GridSplit {
    /// Cells for the rows of `view` (m = 3), or `None` when there are too few rows to pay off.
    fn new(view: &MatrixView, maximize: &[bool]) -> Option<Self> {
        let n = view.nrows();
        let side = ((n / GRID_CELL_ROWS) as f64).sqrt() as usize;
        let side = side.min(GRID_MAX_SIDE);
        if side < 8 {
            return None;
        }
        // An evenly strided sample of rows gives the quantiles; equal values share a cell.
        let per = 16 * side;
        let step = (n / per).max(1);
        let quantiles = |j: usize| {
            let mut v: Vec<u64> = (0..n)
                .step_by(step)
                .map(|i| min_key(view, maximize, i, j))
                .collect();
            v.sort_unstable();
            let mut s: Vec<u64> = (1..side).map(|c| v[c * v.len() / side]).collect();
            s.dedup();
            s
        };
        let (ys, zs) = (quantiles(1), quantiles(2));
        let side = ys.len().max(zs.len()) + 1;
        Some(Self { side, ys, zs })
    }

    /// Cell index (row-major, `side` x `side`) of a point's (y, z) keys; monotone in both.
    #[inline]
    fn cell(&self, y: u64, z: u64) -> usize {
        let cy = self.ys.partition_point(|&s| s <= y);
        let cz = self.zs.partition_point(|&s| s <= z);
        cy * self.side + cz
    }
}

/// Bounds on the rank of the next point of the m = 3 sweep from a coarse grid over (y, z).
/// Points come in lexicographic order, so an earlier point in a cell strictly below-left of
/// the new point's cell dominates it (rank at least one more), and every dominator of it lies
/// in a cell weakly below-left (rank at most one more than the best there). `best[c]` keeps
/// the highest rank among the points seen so far in the cells weakly below-left of `c`
/// (-1: none), so both bounds are single reads. On random data they are a few fronts apart,
/// which saves most of the binary search over fronts; on one front they are both 0.
struct RankGrid {
    side: usize,
    best: Vec<i32>,
}

impl RankGrid {
    fn new(side: usize) -> Self {
        Self {
            side,
            best: vec![-1; side * side],
        }
    }

    /// The range of fronts `[lo, hi]` that holds the rank of a new point in `cell`, as the
    /// half-open search range `(lo, hi)` of a binary search whose answer may be `hi`.
    #[inline]
    fn bounds(&self, cell: usize) -> (usize, usize) {
        let side = self.side;
        let (cy, cz) = (cell / side, cell % side);
        let hi = (self.best[cell] + 1) as usize;
        let lo = if cy > 0 && cz > 0 {
            (self.best[cell - side - 1] + 1) as usize
        } else {
            0
        };
        (lo, hi)
    }

    /// Record rank `r` in `cell`: raise every cell weakly above-right of it to at least `r`.
    /// Within a row the cells to raise are a prefix (ranks grow along the row), and the rows to
    /// touch are a prefix too, so the work is the number of cells raised.
    #[inline]
    fn raise(&mut self, cell: usize, r: usize) {
        let side = self.side;
        let (cy, cz) = (cell / side, cell % side);
        let r = r as i32;
        for a in cy..side {
            let row = &mut self.best[a * side..(a + 1) * side];
            if row[cz] >= r {
                break;
            }
            for b in &mut row[cz..] {
                if *b >= r {
                    break;
                }
                *b = r;
            }
        }
    }
}

/// Pivots used to discard clearly dominated points before the k-d tree.
const PIVOTS: usize = 64;

/// First front for m >= 4 without sorting: discard points dominated by a few strong pivots
/// (smallest coordinate sums), then ask a k-d tree over the survivors. Exact: a dominated
/// survivor is dominated by some non-dominated point, and those always survive.
fn front_kd(view: &MatrixView, maximize: &[bool], nan: NanPolicy) -> Result<Vec<bool>> {
    check_directions(maximize, view.ncols())?;
    if nan == NanPolicy::Error {
        view.check_finite()?;
    }
    // Rows are read from the view in minimization space (non-finite: worst), not copied.
    Ok(front_by(view.nrows(), view.ncols(), |i, out| {
        for (j, (o, &mx)) in out.iter_mut().zip(maximize).enumerate() {
            *o = to_min(view.get(i, j), mx, NanPolicy::Worst, i, j).unwrap_or(f64::INFINITY);
        }
    }))
}

/// Rows per piece when the pivots are chosen.
const PIVOT_CHUNK: usize = 1 << 16;

/// First-front mask of `n` points in minimization space, point `i` written into a buffer by
/// `row(i, buf)`. No point is copied: the k-d tree over the pivots' survivors keeps their
/// values rounded to f32 and reads exact rows through `row`.
fn front_by<F>(n: usize, m: usize, row: F) -> Vec<bool>
where
    F: Fn(usize, &mut [f64]) + Sync,
{
    // The PIVOTS rows of smallest coordinate sum (ties by row), chosen piece by piece.
    let by_sum = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    let smallest = |mut v: Vec<(f64, usize)>| {
        if v.len() > PIVOTS {
            v.select_nth_unstable_by(PIVOTS, by_sum);
            v.truncate(PIVOTS);
        }
        v
    };
    let candidates: Vec<(f64, usize)> = (0..n.div_ceil(PIVOT_CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut buf = vec![0.0; m];
            let sums = (c * PIVOT_CHUNK..((c + 1) * PIVOT_CHUNK).min(n))
                .map(|i| {
                    row(i, &mut buf);
                    (buf.iter().sum::<f64>(), i)
                })
                .collect();
            smallest(sums)
        })
        .collect();
    let pivots: Vec<Vec<f64>> = smallest(candidates)
        .into_iter()
        .map(|(_, i)| {
            let mut p = vec![0.0; m];
            row(i, &mut p);
            p
        })
        .collect();
    // A mask first, then the ids: a parallel collect of filtered items would hold many
    // partial vectors at once (tens of bytes per point).
    let dominated: Vec<bool> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map_init(
            || vec![0.0; m],
            |buf, i| {
                row(i, buf);
                pivots.iter().any(|q| super::dominates(q, buf))
            },
        )
        .collect();
    let mut survivors = Vec::with_capacity(dominated.iter().filter(|&&d| !d).count());
    survivors.extend((0..n as u32).filter(|&i| !dominated[i as usize]));
    drop(dominated);
    // The survivors' ids become the tree's; the tree reads their rows through `row`.
    KdTree::build(survivors, m, &row).front_mask(n)
}

/// Ranks of the distinct, sorted points by the k-d tree rank sweep (any m; the m >= 4 rank
/// path uses it once peeling stops paying off).
pub fn ranks_prepared(p: &Prepared) -> Vec<u32> {
    KdTree::build((0..p.len() as u32).collect(), p.m, |u, buf: &mut [f64]| {
        buf.copy_from_slice(p.row(u));
    })
    .ranks()
}

/// First-front mask of the distinct, sorted points.
pub fn front_prepared(p: &Prepared) -> Vec<bool> {
    let n = p.len();
    match p.m {
        1 => (0..n).map(|u| u == 0).collect(),
        2 => {
            let mut best = f64::INFINITY;
            let mut out = vec![false; n];
            for (u, o) in out.iter_mut().enumerate() {
                let y = p.pts[2 * u + 1];
                if y < best || u == 0 {
                    *o = true;
                    best = y;
                }
            }
            out
        }
        3 => {
            let mut stair = Staircase::default();
            (0..n)
                .map(|u| {
                    let q = p.row(u);
                    let (y, z) = (ord_bits(q[1]), ord_bits(q[2]));
                    if stair.covers(y, z) {
                        false
                    } else {
                        stair.insert(y, z);
                        true
                    }
                })
                .collect()
        }
        _ => KdTree::build((0..n as u32).collect(), p.m, |u, buf: &mut [f64]| {
            buf.copy_from_slice(p.row(u));
        })
        .front_mask(n),
    }
}

/// The minimal elements of a set of (y, z) pairs (order-preserving bits) under "weakly
/// smaller in both", ordered by y ascending (so z strictly descending). Sorted vectors beat
/// an ordered map here: staircases stay short (O(sqrt n) even when every point is on one
/// front), so the memmove on insert is cheaper than tree node hops on every query. The steps
/// sit in `ys[head..head + len]` (and `zs`) with room on both sides, so an insert or removal
/// moves the shorter side (half the bytes of a plain vector on average).
#[derive(Default)]
pub(crate) struct Staircase {
    ys: Vec<u64>,
    zs: Vec<u64>,
    head: usize,
    len: usize,
}

impl Staircase {
    /// Is some step <= (y, z) in both coordinates?
    #[inline]
    pub fn covers(&self, y: u64, z: u64) -> bool {
        let ys = &self.ys[self.head..self.head + self.len];
        let i = ys.partition_point(|&sy| sy <= y);
        i > 0 && self.zs[self.head + i - 1] <= z
    }
    /// Insert a pair that no step covers, dropping the steps it covers.
    pub fn insert(&mut self, y: u64, z: u64) {
        let (h, l) = (self.head, self.len);
        let pos = self.ys[h..h + l].partition_point(|&sy| sy < y);
        let doomed = self.zs[h + pos..h + l]
            .iter()
            .take_while(|&&sz| sz >= z)
            .count();
        if doomed == 0 {
            let cap = self.ys.len();
            let left = h > 0 && (2 * pos < l || h + l == cap);
            if left {
                // Open the slot by moving the steps before it one place down.
                self.ys.copy_within(h..h + pos, h - 1);
                self.zs.copy_within(h..h + pos, h - 1);
                self.head = h - 1;
            } else if h + l < cap {
                self.ys.copy_within(h + pos..h + l, h + pos + 1);
                self.zs.copy_within(h + pos..h + l, h + pos + 1);
            } else {
                self.recenter((2 * cap).max(16));
                return self.insert(y, z);
            }
            self.ys[self.head + pos] = y;
            self.zs[self.head + pos] = z;
            self.len = l + 1;
        } else {
            self.ys[h + pos] = y;
            self.zs[h + pos] = z;
            let gone = doomed - 1;
            if gone > 0 {
                if pos + 1 < l - pos - doomed {
                    self.ys.copy_within(h..=h + pos, h + gone);
                    self.zs.copy_within(h..=h + pos, h + gone);
                    self.head = h + gone;
                } else {
                    self.ys.copy_within(h + pos + doomed..h + l, h + pos + 1);
                    self.zs.copy_within(h + pos + doomed..h + l, h + pos + 1);
                }
                self.len = l - gone;
            }
        }
    }
    /// Move the steps to the middle of buffers of `cap` entries.
    fn recenter(&mut self, cap: usize) {
        let (h, l) = (self.head, self.len);
        let at = (cap - l) / 2;
        let mut ys = vec![0; cap];
        let mut zs = vec![0; cap];
        ys[at..at + l].copy_from_slice(&self.ys[h..h + l]);
        zs[at..at + l].copy_from_slice(&self.zs[h..h + l]);
        (self.ys, self.zs, self.head) = (ys, zs, at);
    }
}
