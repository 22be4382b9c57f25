//! Exact hypervolume (the volume dominated by a point set and bounded by a reference point),
//! exclusive contributions, and a Monte-Carlo estimate.
//!
//! - m = 2: sort and sweep, O(n log n).
//! - m = 3: sweep over the third objective keeping the 2-D staircase of what is already
//!   dominated in an ordered map, updating its area as each point is inserted, O(n log n)
//!   (Beume, Fonseca, López-Ibáñez, Paquete & Vahrenhold, 2009, "On the complexity of
//!   computing the hypervolume indicator", IEEE TEC 13(5)).
//! - m >= 4, and every exclusive contribution for m >= 3: WFG (While, Bradstreet & Barone,
//!   2012), see [`super::wfg`]: slices along the last objective, each the exclusive volume of
//!   a point against a dominance-filtered "limit set", down to the 3-D sweep.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::kdtree::KdTree;
use super::lex_cmp;
use super::sort::{front, front_prepared, lex_order, prepare, row_of};
use super::wfg::{boxvol, hypervolume_par, max_with_values, Flat, PerThread, Rows, Wfg};
use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView, NanPolicy};
use crate::parallel::Par;

/// The reference point in minimization space, after checking the shapes and that the points
/// and the reference are finite (errors name the row). Points that do not strictly dominate the
/// reference point are allowed: they contribute nothing (the convention of moocore, pygmo,
/// optuna and botorch).
fn check_hv_input(view: &MatrixView, maximize: &[bool], reference: &[f64]) -> Result<Vec<f64>> {
    let m = view.ncols();
    check_directions(maximize, m)?;
    if m == 0 {
        return Err(CoreError::Input(
            "points have 0 objectives; need at least one column".into(),
        ));
    }
    if reference.len() != m {
        return Err(CoreError::Input(format!(
            "reference point has {} values but the points have {m} objectives",
            reference.len()
        )));
    }
    if let Some(j) = reference.iter().position(|v| !v.is_finite()) {
        return Err(CoreError::Input(format!(
            "reference point value {} (objective {j}) is not finite",
            reference[j]
        )));
    }
    view.check_finite()?;
    Ok(reference
        .iter()
        .zip(maximize)
        .map(|(&v, &mx)| min_value(v, mx))
        .collect())
}

/// True when a point (minimization space) strictly dominates the reference point, i.e. its
/// box is not empty.
#[inline]
fn inside(p: &[f64], r: &[f64]) -> bool {
    p.iter().zip(r).all(|(a, b)| a < b)
}

/// A value in minimization space.
#[inline]
fn min_value(v: f64, maximize: bool) -> f64 {
    (if maximize { -v } else { v }) + 0.0
}

/// Points and reference in minimization space, validated as in [`check_hv_input`].
fn prepare_hv(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
) -> Result<(Vec<f64>, Vec<f64>)> {
    let r = check_hv_input(view, maximize, reference)?;
    Ok((view.to_minimization(maximize, NanPolicy::Error)?, r))
}

/// Distinct non-dominated points with a non-empty box (minimization space).
fn useful_front(pts: &[f64], m: usize, r: &[f64]) -> Result<Vec<f64>> {
    let kept: Vec<f64> = pts
        .chunks_exact(m)
        .filter(|row| inside(row, r))
        .flatten()
        .copied()
        .collect();
    let n = kept.len() / m;
    if n == 0 {
        return Ok(Vec::new());
    }
    let view = MatrixView::row_major(&kept, n, m)?;
    let prep = prepare(&view, &vec![false; m], NanPolicy::Error)?;
    let f = front_prepared(&prep);
    Ok((0..prep.len())
        .filter(|&u| f[u])
        .flat_map(|u| prep.row(u).to_vec())
        .collect())
}

/// The caller's rows read in place, in minimization space, whatever their layout.
struct MinView<'a> {
    view: &'a MatrixView<'a>,
    maximize: &'a [bool],
}

impl Rows for MinView<'_> {
    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> f64 {
        min_value(self.view.get(i, j), self.maximize[j])
    }
}

/// Row-major rows (numpy C order) with some objectives maximized, flipped as they are read:
/// the sign bit of a maximized value is toggled (one integer xor a value, vectorized; a zero
/// becomes -0.0, equal to 0.0 in every comparison and sum the slabs make). The slabs read rows
/// millions of times, so each layout gets its own reader with no test of the layout per
/// read; with no flips the rows are [`Flat`].
struct Flipped<'a> {
    pts: &'a [f64],
    /// Per objective: the sign bit when it is maximized, else 0.
    signs: &'a [u64],
}

impl Flipped<'_> {
    #[inline(always)]
    fn values(&self, i: usize, n: usize) -> impl Iterator<Item = f64> + '_ {
        let m = self.signs.len();
        (self.pts[i * m..i * m + n].iter().zip(self.signs))
            .map(|(v, s)| f64::from_bits(v.to_bits() ^ s))
    }
}

impl Rows for Flipped<'_> {
    #[inline(always)]
    fn get(&self, i: usize, j: usize) -> f64 {
        f64::from_bits(self.pts[i * self.signs.len() + j].to_bits() ^ self.signs[j])
    }

    #[inline(always)]
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64] {
        let n = buf.len();
        for (o, v) in buf.iter_mut().zip(self.values(i, n)) {
            *o = v;
        }
        buf
    }

    #[inline(always)]
    fn all_of(&self, i: usize, n: usize, mut f: impl FnMut(usize, f64) -> bool) -> bool {
        self.values(i, n).enumerate().all(|(j, v)| f(j, v))
    }

    #[inline(always)]
    fn max_with(&self, i: usize, p: &[f64], out: &mut [f64]) -> bool {
        max_with_values(self.values(i, p.len()), p, out)
    }
}

/// Exact hypervolume.
pub fn hypervolume(view: &MatrixView, maximize: &[bool], reference: &[f64]) -> Result<f64> {
    hypervolume_in(view, maximize, reference, Par::Current)
}

/// [`hypervolume`] with its parallel parts run by `par`: given a pool, the steps between
/// them, and the threads' scratch for the WFG slabs, are made on the calling thread.
pub fn hypervolume_in(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
    par: Par,
) -> Result<f64> {
    let m = view.ncols();
    if m < 4 {
        return par.install(|| low_dim(view, maximize, reference));
    }
    // WFG reads the rows in place too: no copy of the points is made (the first-front trees,
    // rows rounded to f32, are freed before WFG starts).
    let (r, mut front) = rows_inside(view, maximize, reference)?;
    let rows = MinView { view, maximize };
    // Dominated rows would only add zero terms, each after a scan of the top level's active
    // set; a first-front tree finds most of them in O(log n) a row. It is built over an
    // eighth of the rows at a time (its rows rounded to f32 are half their size): a row
    // dominated within its eighth goes, the few dominated only from another one stay (the
    // scan, vectorized, drops them). Eighths, not quarters: at m = 6 the trees' pages were
    // the largest part of the call's peak. Up to `PREFILTER_FROM` rows the active-set pass
    // drops them alone, at little cost, and no pool thread allocates before the slabs.
    let eighth = front.len().div_ceil(8).max(1);
    let mut kept = 0;
    let prefilter = if front.len() >= PREFILTER_FROM {
        front.len()
    } else {
        0
    };
    for start in (0..prefilter).step_by(eighth) {
        let part = &front[start..(start + eighth).min(front.len())];
        let len = part.len();
        let keep = par.install(|| {
            KdTree::build((0..len as u32).collect(), m, |u, buf: &mut [f64]| {
                for (j, b) in buf.iter_mut().enumerate() {
                    *b = rows.get(part[u] as usize, j);
                }
            })
            .front_mask(len)
        });
        for t in start..start + len {
            if keep[t - start] {
                front[kept] = front[t];
                kept += 1;
            }
        }
    }
    if prefilter > 0 {
        front.truncate(kept);
    }
    Ok(match view.as_row_major() {
        Some(pts) if !maximize.contains(&true) => {
            hypervolume_par(&Flat { pts, d: m }, front, &r, par)
        }
        Some(pts) => {
            let signs: Vec<u64> = maximize.iter().map(|&x| u64::from(x) << 63).collect();
            hypervolume_par(&Flipped { pts, signs: &signs }, front, &r, par)
        }
        None => hypervolume_par(&rows, front, &r, par),
    })
}

/// The reference in minimization space (validated as in [`check_hv_input`]) and the rows
/// strictly inside it, by id (ids are `u32`: more rows is a `LimitError`).
fn rows_inside(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
) -> Result<(Vec<f64>, Vec<u32>)> {
    let r = check_hv_input(view, maximize, reference)?;
    let (n, m) = (view.nrows(), view.ncols());
    if n >= u32::MAX as usize {
        return Err(CoreError::Limit(format!(
            "{n} points is more than the supported 4,294,967,294"
        )));
    }
    let rows = MinView { view, maximize };
    let useful = (0..n).filter(|&i| (0..m).all(|j| rows.get(i, j) < r[j]));
    // sized exactly: no doubling slack on a list as long as the input
    let mut ids = Vec::with_capacity(useful.clone().count());
    ids.extend(useful.map(|i| i as u32));
    Ok((r, ids))
}

/// Fewest points whose dominated rows a first-front tree drops before WFG (see
/// [`hypervolume_in`]).
const PREFILTER_FROM: usize = 2048;

/// [`hypervolume`] below 4 objectives.
fn low_dim(view: &MatrixView, maximize: &[bool], reference: &[f64]) -> Result<f64> {
    let m = view.ncols();
    if (2..=3).contains(&m) && view.nrows() < u32::MAX as usize {
        // The sweeps read the points in place, in an order found on 8 bytes per point, and
        // skip dominated points themselves.
        let r = check_hv_input(view, maximize, reference)?;
        return Ok(if m == 2 {
            hv2d(view, maximize, &r)
        } else {
            hv3d(view, maximize, &r)
        });
    }
    let (pts, r) = prepare_hv(view, maximize, reference)?;
    let front = useful_front(&pts, m, &r)?;
    let n = front.len() / m;
    Ok(hypervolume_par(
        &Flat { pts: &front, d: m },
        (0..n as u32).collect(),
        &r,
        Par::Current,
    ))
}

/// Hypervolume of points in minimization space that all strictly dominate `r` (dominated and
/// repeated points allowed).
fn hv(pts: Vec<f64>, m: usize, r: &[f64]) -> f64 {
    debug_assert_eq!(m, r.len());
    Wfg::new(r).volume(&pts)
}

/// 2-D hypervolume of finite points (minimization space): sweep in (x, y) order; points that
/// do not strictly dominate `r` add nothing (`level` starts at `r[1]`, and `x < r[0]` is checked).
fn hv2d(view: &MatrixView, maximize: &[bool], r: &[f64]) -> f64 {
    let mut area = 0.0;
    let mut level = r[1];
    for e in lex_order(view, maximize, &[0, 1]) {
        let i = row_of(e);
        let (x, y) = (
            min_value(view.get(i, 0), maximize[0]),
            min_value(view.get(i, 1), maximize[1]),
        );
        if x < r[0] && y < level {
            area += (r[0] - x) * (level - y);
            level = y;
        }
    }
    area
}

/// What a set of (x, y) points dominates, bounded by (rx, ry), kept as a staircase: x
/// ascending, y strictly descending, in sorted vectors (short staircases make the memmove on
/// insert cheaper than tree hops).
pub(crate) struct AreaStaircase {
    xs: Vec<f64>,
    ys: Vec<f64>,
    rx: f64,
    ry: f64,
}

impl AreaStaircase {
    pub fn new(rx: f64, ry: f64) -> Self {
        Self {
            xs: Vec::new(),
            ys: Vec::new(),
            rx,
            ry,
        }
    }
    /// Empty again, bounded by (rx, ry), keeping the allocations.
    /// Room for `n` steps.
    pub fn reserve(&mut self, n: usize) {
        self.xs.reserve_exact(n);
        self.ys.reserve_exact(n);
    }
    pub fn reset(&mut self, rx: f64, ry: f64) {
        self.xs.clear();
        self.ys.clear();
        (self.rx, self.ry) = (rx, ry);
    }
    /// Add a point; returns the area it adds.
    pub fn insert(&mut self, x: f64, y: f64) -> f64 {
        // Steps with x' <= x; the last of them has the smallest y among them.
        let le = self.xs.partition_point(|&sx| sx <= x);
        if le > 0 && self.ys[le - 1] <= y {
            return 0.0;
        }
        let lt = self.xs.partition_point(|&sx| sx < x);
        let mut level = if lt > 0 { self.ys[lt - 1] } else { self.ry };
        let mut cur_x = x;
        let mut added = 0.0;
        let mut end = lt;
        while end < self.xs.len() && self.ys[end] >= y {
            added += (self.xs[end] - cur_x) * (level - y);
            cur_x = self.xs[end];
            level = self.ys[end];
            end += 1;
        }
        let next_x = if end < self.xs.len() {
            self.xs[end]
        } else {
            self.rx
        };
        added += (next_x - cur_x) * (level - y);
        if end > lt {
            self.xs[lt] = x;
            self.ys[lt] = y;
            self.xs.drain(lt + 1..end);
            self.ys.drain(lt + 1..end);
        } else {
            self.xs.insert(lt, x);
            self.ys.insert(lt, y);
        }
        added
    }
}

/// 3-D hypervolume of finite points (minimization space): sweep in (z, x, y) order over the
/// area staircase; points that do not strictly dominate `r` add nothing and are skipped.
fn hv3d(view: &MatrixView, maximize: &[bool], r: &[f64]) -> f64 {
    let mut stair = AreaStaircase::new(r[0], r[1]);
    let (mut area, mut vol) = (0.0, 0.0);
    let mut prev_z = None;
    for e in lex_order(view, maximize, &[2, 0, 1]) {
        let i = row_of(e);
        let p: [f64; 3] = std::array::from_fn(|j| min_value(view.get(i, j), maximize[j]));
        if p.iter().zip(r).any(|(a, b)| a >= b) {
            continue;
        }
        let [x, y, z] = p;
        vol += area * (z - prev_z.unwrap_or(z));
        prev_z = Some(z);
        area += stair.insert(x, y);
    }
    vol + area * (r[2] - prev_z.unwrap_or(r[2]))
}

/// Hypervolume contribution of every row.
///
/// - `ignore_dominated = false`: the exclusive contribution `HV(S) - HV(S without p)`; 0 for
///   dominated rows and for rows that appear more than once, but a dominated row still reduces
///   the contribution of the one point that dominates it alone (removing that point uncovers it).
/// - `ignore_dominated = true` (moocore's default): rows strictly dominated by another row are
///   dropped first, so they get 0 and leave the others' contributions alone; the exclusive
///   contribution is then taken over the rest (duplicated rows still get 0).
///
/// Rows that do not strictly dominate the reference point get 0 and take no part either way.
pub fn contributions(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
    ignore_dominated: bool,
) -> Result<Vec<f64>> {
    contributions_in(view, maximize, reference, ignore_dominated, Par::Current)
}

/// [`contributions`] with its parallel parts run by `par` (as in [`hypervolume_in`]: given a
/// pool, at m >= 4 every thread's scratch is made on the calling thread).
pub fn contributions_in(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
    ignore_dominated: bool,
    par: Par,
) -> Result<Vec<f64>> {
    let m = view.ncols();
    if m < 4 {
        return par.install(|| contributions_low(view, maximize, reference, ignore_dominated));
    }
    // the rows are read in place, as in `hypervolume_in`
    // The rows that take part, in input order. A row that dominates one inside `r` is inside
    // too, so the first front of all the rows decides which of them are dominated.
    let (r, mut ids) = rows_inside(view, maximize, reference)?;
    let rows = MinView { view, maximize };
    if ignore_dominated && ids.len() > 1 {
        let first = par.install(|| front(view, maximize, NanPolicy::Error))?;
        ids.retain(|&i| first[i as usize]);
    }
    let got = match view.as_row_major() {
        Some(pts) if !maximize.contains(&true) => {
            exclusive_each(&Flat { pts, d: m }, &ids, &r, par)
        }
        Some(pts) => {
            let signs: Vec<u64> = maximize.iter().map(|&x| u64::from(x) << 63).collect();
            exclusive_each(&Flipped { pts, signs: &signs }, &ids, &r, par)
        }
        None => exclusive_each(&rows, &ids, &r, par),
    };
    let mut out = vec![0.0; view.nrows()];
    for (&i, v) in ids.iter().zip(got) {
        out[i as usize] = v;
    }
    Ok(out)
}

/// Exclusive contribution of each row `ids` of `rows` (all strictly below `r`) against the
/// others, one row per task; every thread's scratch made here, sized for `ids.len()` rows.
fn exclusive_each<R: Rows + ?Sized>(rows: &R, ids: &[u32], r: &[f64], par: Par) -> Vec<f64> {
    let m = r.len();
    let scratch = PerThread::filled(par.threads(), || {
        let mut w = Wfg::new(r);
        w.reserve(ids.len(), m);
        (w, vec![0.0; m])
    });
    let mut got = Vec::with_capacity(ids.len());
    par.install(|| {
        ids.par_iter()
            .with_max_len(1)
            .map(|&i| {
                scratch.with(|(w, pb)| {
                    let others = ids.iter().copied().filter(|&k| k != i);
                    w.exclusive(rows.row(i as usize, pb), rows, others)
                })
            })
            .collect_into_vec(&mut got);
    });
    got
}

/// [`contributions`] below 4 objectives.
fn contributions_low(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
    ignore_dominated: bool,
) -> Result<Vec<f64>> {
    let (pts, r) = prepare_hv(view, maximize, reference)?;
    let m = r.len();
    let n = pts.len() / m;
    // The rows that take part, in input order.
    let mut rows: Vec<usize> = (0..n)
        .filter(|&i| inside(&pts[i * m..(i + 1) * m], &r))
        .collect();
    if ignore_dominated && rows.len() > 1 {
        let sub: Vec<f64> = rows
            .iter()
            .flat_map(|&i| pts[i * m..(i + 1) * m].iter().copied())
            .collect();
        let sv = MatrixView::row_major(&sub, rows.len(), m)?;
        let first = front(&sv, &vec![false; m], NanPolicy::Error)?;
        rows = rows
            .into_iter()
            .zip(first)
            .filter_map(|(i, f)| f.then_some(i))
            .collect();
    }
    let sub: Vec<f64> = rows
        .iter()
        .flat_map(|&i| pts[i * m..(i + 1) * m].iter().copied())
        .collect();
    let got = if m == 2 {
        contributions_2d(&sub, &r)
    } else {
        contributions_exclusive(&sub, m, &r)
    };
    let mut out = vec![0.0; n];
    for (&i, v) in rows.iter().zip(got) {
        out[i] = v;
    }
    Ok(out)
}

/// Exclusive contributions of points that all strictly dominate `r` (minimization space): each
/// is `box(p) - HV(limit set of p)` by WFG, one point per task.
fn contributions_exclusive(pts: &[f64], m: usize, r: &[f64]) -> Vec<f64> {
    let n = pts.len() / m;
    let rows = Flat { pts, d: m };
    let scratch = PerThread::new(|| Wfg::new(r));
    (0..n)
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let others = (0..n as u32).filter(|&k| k as usize != i);
            scratch.with(|w| w.exclusive(&pts[i * m..(i + 1) * m], &rows, others))
        })
        .collect()
}

fn contributions_2d(pts: &[f64], r: &[f64]) -> Vec<f64> {
    let n = pts.len() / 2;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| {
        lex_cmp(&pts[2 * a..2 * a + 2], &pts[2 * b..2 * b + 2]).then(a.cmp(&b))
    });
    // Distinct points with their multiplicity.
    let mut uniq: Vec<(f64, f64, usize, usize)> = Vec::new(); // (x, y, first row, count)
    for &i in &order {
        let (x, y) = (pts[2 * i], pts[2 * i + 1]);
        match uniq.last_mut() {
            Some(u) if u.0 == x && u.1 == y => u.3 += 1,
            _ => uniq.push((x, y, i, 1)),
        }
    }
    // The staircase (x ascending, y descending) and the dominated rest.
    let mut stair: Vec<(f64, f64, usize, usize)> = Vec::new();
    let mut rest: Vec<(f64, f64)> = Vec::new();
    let mut level = f64::INFINITY;
    for u in uniq {
        if u.1 < level {
            level = u.1;
            stair.push(u);
        } else {
            rest.push((u.0, u.1));
        }
    }
    // Step t alone dominates the box [x_t, x_{t+1}) x [y_t, y_{t-1}); a dominated point in that
    // box is dominated by step t only, so removing step t leaves its part of the box covered.
    let mut inside: Vec<Vec<f64>> = vec![Vec::new(); stair.len()];
    for (qx, qy) in rest {
        let t = stair.partition_point(|s| s.0 <= qx);
        if t == 0 {
            continue;
        }
        let t = t - 1;
        let prev_y = if t == 0 { r[1] } else { stair[t - 1].1 };
        if qy < prev_y {
            inside[t].extend([qx, qy]);
        }
    }
    let mut out = vec![0.0; n];
    for (t, &(x, y, row, count)) in stair.iter().enumerate() {
        if count > 1 {
            continue;
        }
        let next_x = stair.get(t + 1).map_or(r[0], |s| s.0);
        let prev_y = if t == 0 { r[1] } else { stair[t - 1].1 };
        let own = (next_x - x).max(0.0) * (prev_y - y).max(0.0);
        let covered = if inside[t].is_empty() {
            0.0
        } else {
            hv(std::mem::take(&mut inside[t]), 2, &[next_x, prev_y])
        };
        out[row] = (own - covered).max(0.0);
    }
    out
}

/// Monte-Carlo hypervolume: `hits` of `samples` uniform points in the box [ideal, reference]
/// were dominated. Chunks have fixed seeds (ChaCha8 stream = chunk index), so the estimate does
/// not depend on the thread count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct McEstimate {
    pub hits: u64,
    pub samples: u64,
    pub box_volume: f64,
}

pub fn hypervolume_mc(
    view: &MatrixView,
    maximize: &[bool],
    reference: &[f64],
    samples: u64,
    seed: u64,
) -> Result<McEstimate> {
    if samples == 0 {
        return Err(CoreError::Input("samples must be at least 1".into()));
    }
    let (pts, r) = prepare_hv(view, maximize, reference)?;
    let m = r.len();
    let front = useful_front(&pts, m, &r)?;
    if front.is_empty() {
        return Ok(McEstimate {
            hits: 0,
            samples,
            box_volume: 0.0,
        });
    }
    let mut ideal = vec![f64::INFINITY; m];
    for row in front.chunks_exact(m) {
        for j in 0..m {
            ideal[j] = ideal[j].min(row[j]);
        }
    }
    let box_volume = boxvol(&ideal, &r);
    let k = front.len() / m;
    let tree = KdTree::build((0..k as u32).collect(), m, |u, buf: &mut [f64]| {
        buf.copy_from_slice(&front[u * m..(u + 1) * m]);
    });
    const CHUNK: u64 = 1 << 15;
    let hits: u64 = (0..samples.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(c);
            let count = CHUNK.min(samples - c * CHUNK);
            let mut s = vec![0.0; m];
            let mut scratch = tree.scratch();
            let mut hits = 0u64;
            for _ in 0..count {
                for j in 0..m {
                    s[j] = ideal[j] + rng.random::<f64>() * (r[j] - ideal[j]);
                }
                hits += u64::from(tree.any_leq(&s, &mut scratch));
            }
            hits
        })
        .sum();
    Ok(McEstimate {
        hits,
        samples,
        box_volume,
    })
}
