//! Many unweighted comparisons over few items: pair counts packed dense, one cell per unordered
//! pair `i < j` (the upper triangle, row by row) holding the half-wins of each side. Counts are
//! exact integers, so they do not depend on the order of the additions; the fit's passes run
//! over fixed blocks of rows with per-block column sums added in block order, so results never
//! depend on the thread count. After counting, only each pair's total is kept (the wins are
//! summed per item), so the fit reads 4 bytes per pair plus its curvatures.

// One file split along its seams: the parts share the parent module's imports and items.
use super::numerics::{log_sigmoid, shared_exp, sigmoid_pair, Graph, State};
#[allow(clippy::wildcard_imports)]
use super::*;
use crate::cache::prefetch;
use crate::codes::each_block;
use crate::stats::dot;

/// The half-win counters of one pair `i < j` (side 0: `i` over `j`, side 1: `j` over `i`):
/// two `u16` packed in a `u32` while every count fits (4 bytes a pair, so that the random
/// increments of the counting pass stay in cache, and the pair totals the fit keeps are
/// written over them in place), else two `u32`.
pub(super) trait Cell: Copy + Default {
    /// Adds `h` to `side`; whether it overflowed.
    fn bump(&mut self, side: usize, h: u16) -> bool;
    fn sides(self) -> (u32, u32);
    /// Each pair's total (in the cells' own memory where the layout allows).
    fn totals(cells: Vec<Self>) -> Vec<u32>;
}

impl Cell for u32 {
    #[inline(always)]
    fn bump(&mut self, side: usize, h: u16) -> bool {
        let shift = 16 * side;
        let over = (*self >> shift & 0xffff) + u32::from(h) > 0xffff;
        // an overflow carries into the other half: the count is redone with wider cells
        *self = self.wrapping_add(u32::from(h) << shift);
        over
    }
    fn sides(self) -> (u32, u32) {
        (self & 0xffff, self >> 16)
    }
    fn totals(cells: Vec<Self>) -> Vec<u32> {
        // same size and alignment in and out: collected in place, no second buffer
        cells
            .into_iter()
            .map(|c| (c & 0xffff) + (c >> 16))
            .collect()
    }
}

impl Cell for [u32; 2] {
    #[inline(always)]
    fn bump(&mut self, side: usize, h: u16) -> bool {
        let (v, over) = self[side].overflowing_add(u32::from(h));
        self[side] = v;
        over
    }
    fn sides(self) -> (u32, u32) {
        (self[0], self[1])
    }
    fn totals(cells: Vec<Self>) -> Vec<u32> {
        // a pair has fewer than 2^31 comparisons here (checked), so the sum fits
        cells.iter().map(|c| c[0] + c[1]).collect()
    }
}

/// The half-win counters ([`Cell`]: of `i` over `j`, of `j` over `i`) of every pair `i < j`
/// (validated comparisons); `None` when a count overflows `C`.
pub(super) fn count<C: Cell>(
    n: usize,
    start: &[usize],
    cmp: &Comparisons,
    ties: Ties,
) -> Option<Vec<C>> {
    let mut hw = vec![C::default(); start[n]];
    let mut over = false;
    let cell = |w: usize, l: usize| {
        let (i, j) = (w.min(l), w.max(l));
        (start[i] + j - i - 1, usize::from(w > l))
    };
    each_block(
        [cmp.winner, cmp.loser],
        0..cmp.len(),
        |start, [win, los]| match cmp.tie {
            None => {
                // the cells are random: each is prefetched a few comparisons ahead
                const AHEAD: usize = 16;
                for c in 0..win.len() {
                    if let (Some(&w), Some(&l)) = (win.get(c + AHEAD), los.get(c + AHEAD)) {
                        prefetch(&hw, cell(w as usize, l as usize).0);
                    }
                    // branch-free: the side of the cell is whether the winner is the larger code
                    let (k, side) = cell(win[c] as usize, los[c] as usize);
                    over |= hw[k].bump(side, 2);
                }
            }
            Some(tie) => {
                for ((&w, &l), &t) in win.iter().zip(los).zip(&tie[start..]) {
                    let (w, l) = (w as usize, l as usize);
                    if !t {
                        let (k, side) = cell(w, l);
                        over |= hw[k].bump(side, 2);
                    } else if ties == Ties::Half {
                        let (k, _) = cell(w, l);
                        over |= hw[k].bump(0, 1);
                        over |= hw[k].bump(1, 1);
                    }
                }
            }
        },
    );
    (!over).then_some(hw)
}

/// Most sweeps of [`reaches_all`] before it gives up.
const MAX_SWEEPS: usize = 16;

/// Whether every item is reachable from item 0 along the edges `i -> j` for `i < j` where row
/// `i` of `up` has bit `j`, and `j -> i` where row `i` of `down` has bit `j` (rows of
/// `n.div_ceil(64)` words). Sweeps the rows in order, each sweep following all edges once,
/// until nothing new is reached; `false` also when that takes more than [`MAX_SWEEPS`] sweeps
/// (the sparse path then decides, exactly).
fn reaches_all(n: usize, up: &[u64], down: &[u64]) -> bool {
    let words = n.div_ceil(64);
    let mut seen = vec![0u64; words];
    seen[0] = 1;
    let has = |s: &[u64], i: usize| s[i / 64] >> (i % 64) & 1 == 1;
    for _ in 0..MAX_SWEEPS {
        let mut grew = false;
        for i in 0..n {
            if has(&seen, i) {
                for (w, &u) in up[i * words..(i + 1) * words].iter().enumerate() {
                    let new = u & !seen[w];
                    seen[w] |= new;
                    grew |= new != 0;
                }
            } else if down[i * words..(i + 1) * words]
                .iter()
                .zip(&seen)
                .any(|(&d, &s)| d & s != 0)
            {
                seen[i / 64] |= 1 << (i % 64);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    seen.iter().map(|w| w.count_ones() as usize).sum::<usize>() == n
}

/// Largest item count of the dense layout.
pub(super) const DENSE_FIT_MAX_ITEMS: usize = 1 << 13;
/// Least cells per block of rows in the fit's passes (fixed by `n`, so sums never depend on
/// threads), and most blocks (each holds column sums of length `n`).
const BLOCK_CELLS: usize = 1 << 15;
const MAX_BLOCKS: usize = 64;

/// Half-win counts of every pair `i < j` (see the module docs).
pub(super) struct Dense {
    pub(super) n: usize,
    /// Comparisons of each pair `i < j`, counted in halves (twice the total weight).
    t: Vec<u32>,
    /// First cell of each row (`n + 1` entries).
    start: Vec<usize>,
    blocks: Vec<std::ops::Range<usize>>,
    /// Wins of each item (ties as half wins) and the used comparisons it is in.
    pub(super) won: Vec<f64>,
    pub(super) per_item: Vec<u64>,
    pub(super) n_used: usize,
    /// Pairs compared at least once.
    pub(super) n_pairs: usize,
    /// Whether the "beats" graph is strongly connected (a finite MLE exists without a prior).
    pub(super) connected: bool,
}

/// `ln x` of a positive normal `x`, branch-free so that loops over it vectorize (the log-
/// likelihood takes one per pair): `x = m 2^k` with `m` in `[sqrt(1/2), sqrt(2))` (musl's
/// exponent split), `ln x = k ln 2 + 2 atanh(s)` with `s = (m - 1) / (m + 1)`, `|s| < 0.172`,
/// the series summed to `s^23` (truncation below 1e-17).
#[inline(always)]
pub(super) fn ln_normal(x: f64) -> f64 {
    // fdlibm's split of ln 2: the high part has trailing zero bits, so k * LN2_HI is exact
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const SPLIT: u64 = 0x3fe6_a09e_0000_0000; // just below sqrt(1/2)
    let ix = x.to_bits().wrapping_add(0x3ff0_0000_0000_0000 - SPLIT);
    let k = f64::from(((ix >> 52) as i32) - 1023);
    let m = f64::from_bits((ix & 0x000f_ffff_ffff_ffff) + SPLIT);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R = sum_j 2 z^j / (2j + 1), so that ln(1 + f) = 2s + sR = f - hfsq + s (hfsq + R)
    let mut q = 2.0 / 23.0;
    for d in [21.0, 19.0, 17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0] {
        q = q * z + 2.0 / d;
    }
    let (r, hfsq) = (z * q, 0.5 * f * f);
    s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

/// Tags of the curvature data of [`Graph::state`] on dense counts.
const EXP_TAG: f64 = 0.0;
const CELLS_TAG: f64 = 1.0;

/// Sum of `a` in four lanes (a fixed order that vectorizes).
fn lane_sum(a: &[f64]) -> f64 {
    let mut s = [0.0f64; 4];
    let mut ch = a.chunks_exact(4);
    for x in &mut ch {
        for l in 0..4 {
            s[l] += x[l];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for x in ch.remainder() {
        t += x;
    }
    t
}

/// A count of halves as a number of comparisons. Counts stay below `2^31` (see
/// [`Dense::fits`]), so the conversion goes through `i32`, which vectorizes.
#[inline(always)]
fn half(t: u32) -> f64 {
    f64::from(t as i32) * 0.5
}

impl Dense {
    /// Whether the dense layout fits: unweighted comparisons, at least as many as pairs of items
    /// (so the cells take no more memory than the input codes), counts that fit in `u32`.
    pub(super) fn fits(n: usize, cmp: &Comparisons) -> bool {
        let m = cmp.len();
        cmp.weight.is_none()
            && (2..=DENSE_FIT_MAX_ITEMS).contains(&n)
            && n * (n - 1) / 2 <= m
            && m <= (u32::MAX / 4) as usize
    }

    /// Validates and counts the comparisons (see [`Dense::fits`]).
    pub(super) fn new(n: usize, cmp: &Comparisons, ties: Ties) -> Result<Self> {
        cmp.validate(n)?;
        let start: Vec<usize> = (0..=n).map(|i| i * (2 * n - i - 1) / 2).collect();
        let cells = start[n];
        let per = (cells / MAX_BLOCKS + 1).max(BLOCK_CELLS);
        let mut blocks = Vec::new();
        let mut r0 = 0;
        for i in 0..n {
            if start[i + 1] - start[r0] >= per || i + 1 == n {
                blocks.push(r0..i + 1);
                r0 = i + 1;
            }
        }
        let mut d = Self {
            n,
            t: Vec::new(),
            start,
            blocks,
            won: Vec::new(),
            per_item: Vec::new(),
            n_used: 0,
            n_pairs: 0,
            connected: false,
        };
        if let Some(hw) = count::<u32>(n, &d.start, cmp, ties) {
            d.tally(hw);
        } else if let Some(hw) = count::<[u32; 2]>(n, &d.start, cmp, ties) {
            d.tally(hw);
        } else {
            return Err(CoreError::Limit(
                "a pair of items has more than 2^31 comparisons".into(),
            ));
        }
        Ok(d)
    }

    /// Totals per pair, wins and comparisons per item, and whether the "beats" graph is proven
    /// strongly connected (see [`reaches_all`]).
    fn tally<C: Cell>(&mut self, hw: Vec<C>) {
        let n = self.n;
        let words = n.div_ceil(64);
        // row i of `a` / `b` has bit j > i when i beat j / j beat i (ties count both ways)
        let (mut a_bits, mut b_bits) = (vec![0u64; n * words], vec![0u64; n * words]);
        let (mut won2, mut halves) = (vec![0u64; n], vec![0u64; n]);
        let mut pairs = 0usize;
        for i in 0..n {
            let row = &hw[self.start[i]..self.start[i + 1]];
            let (mut wi, mut hi) = (0u64, 0u64);
            let (ra, rb) = (
                &mut a_bits[i * words..(i + 1) * words],
                &mut b_bits[i * words..(i + 1) * words],
            );
            for (k, c) in row.iter().enumerate() {
                let j = i + 1 + k;
                let (a, b) = c.sides();
                let (a, b) = (u64::from(a), u64::from(b));
                wi += a;
                hi += a + b;
                pairs += usize::from(a + b > 0);
                won2[j] += b;
                halves[j] += a + b;
                ra[j / 64] |= u64::from(a > 0) << (j % 64);
                rb[j / 64] |= u64::from(b > 0) << (j % 64);
            }
            won2[i] += wi;
            halves[i] += hi;
        }
        self.t = C::totals(hw);
        self.n_pairs = pairs;
        // every item reachable from item 0, and item 0 from every item (the reversed graph)
        self.connected = reaches_all(n, &a_bits, &b_bits) && reaches_all(n, &b_bits, &a_bits);
        self.won = won2.iter().map(|&h| h as f64 * 0.5).collect();
        self.n_used = (halves.iter().sum::<u64>() / 4) as usize;
        self.per_item = halves.into_iter().map(|h| h / 2).collect();
    }

    fn cells(&self) -> usize {
        self.t.len()
    }

    /// Runs `f(rows, acc, c)` on every block of rows (in parallel when `par`) with `acc` a
    /// zeroed column accumulator of `width * n` values and `c` the block's cells of `cells`
    /// (empty when `cells` is); returns the blocks' results in order and the accumulators summed
    /// in block order.
    fn blocked<T: Send>(
        &self,
        par: bool,
        width: usize,
        cells: &mut [f64],
        f: impl Fn(std::ops::Range<usize>, &mut [f64], &mut [f64]) -> T + Sync + Send,
    ) -> (Vec<T>, Vec<f64>) {
        let mut parts = Vec::with_capacity(self.blocks.len());
        let mut rest = cells;
        for r in &self.blocks {
            let len = if rest.is_empty() {
                0
            } else {
                self.start[r.end] - self.start[r.start]
            };
            let (a, b) = std::mem::take(&mut rest).split_at_mut(len);
            parts.push((r.clone(), a));
            rest = b;
        }
        let run = |(r, c): (std::ops::Range<usize>, &mut [f64])| {
            let mut acc = vec![0.0f64; width * self.n];
            let t = f(r, &mut acc, c);
            (t, acc)
        };
        let parts: Vec<(T, Vec<f64>)> = if par {
            parts.into_par_iter().map(run).collect()
        } else {
            parts.into_iter().map(run).collect()
        };
        let mut total = vec![0.0f64; width * self.n];
        let mut out = Vec::with_capacity(parts.len());
        for (t, acc) in parts {
            for (a, b) in total.iter_mut().zip(&acc) {
                *a += b;
            }
            out.push(t);
        }
        (out, total)
    }

    /// Expected wins `e` and Hessian diagonal `d` (without `l2`) per item at `theta`, and the
    /// curvature of every cell into `cells` unless it is empty.
    fn sums(&self, theta: &[f64], par: bool, cells: &mut [f64]) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        let curv = !cells.is_empty();
        let shared = shared_exp(theta);
        let (rows, acc) = self.blocked(par, 2, cells, |rows, acc, cs| {
            let (ae, ad) = acc.split_at_mut(n);
            let mut out = Vec::with_capacity(rows.len());
            let base = self.start[rows.start];
            // per row: expected wins of the row item and curvatures, cell by cell (no
            // reductions, so the loops vectorize), then summed
            let mut es = vec![0.0f64; n];
            let mut scratch = vec![0.0f64; if curv { 0 } else { n }];
            for i in rows {
                let (k0, k1) = (self.start[i], self.start[i + 1]);
                let len = k1 - k0;
                let t = &self.t[k0..k1];
                let x: &mut [f64] = if curv {
                    &mut cs[k0 - base..k1 - base]
                } else {
                    &mut scratch[..len]
                };
                let es = &mut es[..len];
                let (ae, ad) = (&mut ae[i + 1..], &mut ad[i + 1..]);
                if let Some((_, p)) = &shared {
                    let (pi, pj) = (p[i], &p[i + 1..]);
                    for k in 0..len {
                        let inv = 1.0 / (pi + pj[k]);
                        let h = half(t[k]);
                        let (e, eb) = (h * pi * inv, h * pj[k] * inv);
                        es[k] = e;
                        x[k] = e * pj[k] * inv;
                        ae[k] += eb;
                        ad[k] += x[k];
                    }
                } else {
                    // too wide a spread for shared exponentials: one sigmoid per cell
                    for k in 0..len {
                        let (s, sb) = sigmoid_pair(theta[i] - theta[i + 1 + k]);
                        let h = half(t[k]);
                        es[k] = h * s;
                        x[k] = h * s * sb;
                        ae[k] += h * sb;
                        ad[k] += x[k];
                    }
                }
                out.push((lane_sum(es), lane_sum(x)));
            }
            out
        });
        rows.into_iter()
            .flatten()
            .enumerate()
            .map(|(i, (e, d))| (e + acc[i], d + acc[n + i]))
            .unzip()
    }

    /// Standard errors' information matrix `n x n` (row-major): `shift` everywhere, plus the
    /// weighted Laplacian and `l2` on the diagonal.
    pub(super) fn information(&self, theta: &[f64], l2: f64, shift: f64) -> Vec<f64> {
        let n = self.n;
        let mut a = vec![shift; n * n];
        for i in 0..n {
            a[i * n + i] += l2;
            for (k, &t) in self.t[self.start[i]..self.start[i + 1]].iter().enumerate() {
                let j = i + 1 + k;
                let (s, sb) = sigmoid_pair(theta[i] - theta[j]);
                let x = f64::from(t) * 0.5 * s * sb;
                a[i * n + j] -= x;
                a[j * n + i] -= x;
                a[i * n + i] += x;
                a[j * n + j] += x;
            }
        }
        a
    }
}

impl Graph for Dense {
    fn n(&self) -> usize {
        self.n
    }
    fn par(&self) -> bool {
        self.cells() >= PAR_MIN_ENTRIES
    }
    fn won(&self) -> Vec<f64> {
        self.won.clone()
    }
    /// `c` is tagged: [`EXP_TAG`] and then `p_i = exp(theta_i - mid)` per item, from which the
    /// Hessian products recompute the curvatures (so none are stored); or, when the spread of
    /// `theta` is too wide for that, [`CELLS_TAG`] and then the curvature of every cell.
    fn state(&self, won: &[f64], theta: &[f64], l2: f64, par: bool, mut c: Vec<f64>) -> State {
        c.clear();
        let (e, d) = if let Some((_, p)) = shared_exp(theta) {
            c.push(EXP_TAG);
            c.extend_from_slice(&p);
            self.sums(theta, par, &mut [])
        } else {
            c.resize(self.cells() + 1, 0.0);
            c[0] = CELLS_TAG;
            self.sums(theta, par, &mut c[1..])
        };
        State {
            grad: (0..self.n).map(|i| won[i] - e[i] - l2 * theta[i]).collect(),
            diag: d.into_iter().map(|d| d + l2).collect(),
            c,
        }
    }
    fn hess_mul(&self, c: &[f64], l2: f64, x: &[f64], par: bool) -> Vec<f64> {
        let (&tag, c) = c.split_first().unwrap_or((&CELLS_TAG, &[]));
        let (rows, acc) = self.blocked(par, 1, &mut [], |rows, acc, _| {
            let mut out = Vec::with_capacity(rows.len());
            let mut u = vec![0.0f64; if tag == EXP_TAG { self.n } else { 0 }];
            for i in rows {
                let (k0, k1) = (self.start[i], self.start[i + 1]);
                let (xi, xj, acc) = (x[i], &x[i + 1..], &mut acc[i + 1..]);
                if tag == EXP_TAG {
                    // curvature t p_i p_j / (p_i + p_j)^2, recomputed (vectorizes)
                    let (t, pi, pj, u) = (&self.t[k0..k1], c[i], &c[i + 1..], &mut u[..k1 - k0]);
                    for k in 0..t.len() {
                        let inv = 1.0 / (pi + pj[k]);
                        let v = half(t[k]) * pi * pj[k] * inv * inv * (xi - xj[k]);
                        u[k] = v;
                        acc[k] -= v;
                    }
                    out.push(lane_sum(u));
                } else {
                    let c = &c[k0..k1];
                    for k in 0..c.len() {
                        acc[k] -= c[k] * (xi - xj[k]);
                    }
                    out.push(xi * lane_sum(c) - dot(c, xj));
                }
            }
            out
        });
        rows.into_iter()
            .flatten()
            .enumerate()
            .map(|(i, y)| l2 * x[i] + y + acc[i])
            .collect()
    }
    fn log_lik(&self, theta: &[f64], par: bool) -> f64 {
        // sum_i theta_i won_i - sum_{i<j} n_ij ln(e^theta_i + e^theta_j), the logs taken as
        // ln(p_i + p_j) + mid with shared exponentials, else as theta_i - ln sigmoid(theta_i - theta_j)
        let shared = shared_exp(theta);
        let (rows, _) = self.blocked(par, 0, &mut [], |rows, _, _| {
            let mut s = 0.0;
            let mut u = vec![0.0f64; self.n];
            for i in rows {
                let t = &self.t[self.start[i]..self.start[i + 1]];
                let u = &mut u[..t.len()];
                if let Some((mid, p)) = &shared {
                    let (pi, pj) = (p[i], &p[i + 1..]);
                    for k in 0..t.len() {
                        u[k] = half(t[k]) * ln_normal(pi + pj[k]);
                    }
                    s += (theta[i] - mid) * self.won[i] - lane_sum(u);
                } else {
                    for k in 0..t.len() {
                        let lse = theta[i] - log_sigmoid(theta[i] - theta[i + 1 + k]);
                        u[k] = half(t[k]) * lse;
                    }
                    s += theta[i] * self.won[i] - lane_sum(u);
                }
            }
            s
        });
        rows.iter().sum()
    }
    fn expected(&self, theta: &[f64], par: bool) -> Vec<f64> {
        self.sums(theta, par, &mut []).0
    }
}
