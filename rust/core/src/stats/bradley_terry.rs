//! Bradley–Terry strengths on a sparse comparison graph.
//!
//! Model: `P(i beats j) = p_i / (p_i + p_j)` with log-strengths `theta_i = ln p_i`. Strengths are
//! reported as log-strengths normalized to mean 0 over all items.
//!
//! **Ties.** With [`Ties::Half`] a tie of weight `w` counts as half a win for each side (a win of
//! `w/2` for each item, i.e. two comparisons of weight `w/2` in opposite directions). This is
//! Zermelo's (1929) treatment of drawn chess games, the convention of Elo ratings, and the one
//! used by LMSYS Chatbot Arena's Bradley–Terry fits. [`Ties::Drop`] ignores tied comparisons.
//!
//! **Estimation.** Comparisons are aggregated once into a symmetric CSR of pair counts (row `i`
//! lists every item `j` that `i` was compared with, the weighted wins of `i` over `j` and the
//! total weight of their comparisons); every iteration then costs O(pairs), parallel over items.
//! - [`BtMethod::Newton`] (default): Newton's method on the (penalized) log-likelihood. The
//!   negative Hessian is the weighted graph Laplacian `L` with edge weights
//!   `n_ij s_ij (1 - s_ij)` (`s_ij = P(i beats j)`) plus `l2 I`; each step solves `H d = g` by
//!   Jacobi-preconditioned conjugate gradients on the sparse graph, followed by a backtracking
//!   line search on the objective unless a curvature bound already guarantees that the full
//!   step does not lower it (always, near the optimum). It starts from the log win/loss ratios.
//! - [`BtMethod::MM`]: the minorization–maximization algorithm of Hunter (2004, Ann. Statist.
//!   32(1), eq. 3): `p_i <- W_i / sum_j n_ij / (p_i + p_j)`, all items updated at once. With
//!   `l2 > 0` the same minorizer plus the exact quadratic penalty is maximized per item
//!   (a 1-D monotone Newton solve), which is still an MM algorithm for the penalized objective.
//!
//! **Prior.** `l2 >= 0` adds `-(l2 / 2) * sum_i theta_i^2` to the log-likelihood (a Gaussian prior
//! with variance `1 / l2` on log-strengths). With `l2 > 0` any graph is fine (items never compared
//! get 0). With `l2 = 0` the MLE exists iff the directed "beats" graph is strongly connected
//! (Zermelo 1929; Ford 1957; Hunter 2004 Assumption 1); otherwise the fit is an
//! [`CoreError::Input`] that names the components.
//!
//! **Convergence.** An iteration converged when the largest change of any (normalized)
//! log-strength is below `tol`. Newton converges quadratically; MM converges linearly, so its
//! error can be larger than its last step.
//!
//! **Standard errors** come from the inverse observed Fisher information at the estimate: with
//! `l2 = 0`, the covariance of the mean-zero constrained estimator is the Moore–Penrose inverse
//! `L^+`, computed as `(L + 11'/n)^{-1} - 11'/n`; with `l2 > 0` it is `(L + l2 I)^{-1}`. A dense
//! Cholesky factorization is used, so standard errors are limited to [`MAX_SE_ITEMS`] items
//! (a [`CoreError::Limit`] above that; use the bootstrap instead).
//!
//! **Bootstrap.** Each replicate resamples the used comparisons with replacement (same count),
//! re-aggregates them and refits (warm-started at the estimate). Replicate `b` draws from
//! `ChaCha8Rng::seed_from_u64(seed)` on stream `b`, so results do not depend on the thread
//! count. Intervals are percentile intervals (linear interpolation, numpy's default). With
//! `l2 = 0`, replicates whose resampled graph has no finite MLE are skipped and counted.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::{dot, fmt_set, quantile_sorted, Comparisons};
use crate::error::{CoreError, Result};
use crate::input_err;
use crate::parallel::with_threads;

/// Largest item count for standard errors (dense `n x n` information matrix).
pub const MAX_SE_ITEMS: usize = 2000;
/// Largest `replicates * n_items` the bootstrap keeps in memory.
pub const MAX_BOOTSTRAP_VALUES: usize = 200_000_000;
/// Rows per parallel work item when aggregating (fixed, so results never depend on threads).
const ROW_CHUNK: usize = 256;
/// Below this many graph entries per-item loops run sequentially (same results either way).
const PAR_MIN_ENTRIES: usize = 1 << 14;

/// How tied comparisons count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Ties {
    /// Half a win to each side (Zermelo 1929; Elo).
    #[default]
    Half,
    /// Ignore tied comparisons.
    Drop,
}

/// The optimizer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BtMethod {
    /// Newton with conjugate-gradient solves on the sparse Hessian (fast, quadratic convergence).
    #[default]
    Newton,
    /// Hunter's (2004) MM algorithm (simple, linear convergence).
    MM,
}

/// Bootstrap settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapOptions {
    /// Number of replicates `B` (at least 2).
    pub replicates: usize,
    /// Interval coverage in (0, 1), e.g. 0.95 for the 2.5% and 97.5% percentiles.
    pub level: f64,
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            replicates: 200,
            level: 0.95,
            seed: 0,
        }
    }
}

/// Settings of [`bradley_terry`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BtOptions {
    /// Gaussian prior precision on log-strengths (`>= 0`; `0` = plain maximum likelihood).
    pub l2: f64,
    pub method: BtMethod,
    /// Converged when the largest change of a log-strength in one iteration is below `tol`.
    pub tol: f64,
    /// Iteration cap (Newton steps or MM sweeps).
    pub max_iter: usize,
    pub ties: Ties,
    /// Compute standard errors (at most [`MAX_SE_ITEMS`] items).
    pub standard_errors: bool,
    /// Bootstrap intervals (`None`: no bootstrap).
    pub bootstrap: Option<BootstrapOptions>,
    /// Threads (`None`: all cores); results do not depend on it.
    pub threads: Option<usize>,
}

impl Default for BtOptions {
    fn default() -> Self {
        Self {
            l2: 0.0,
            method: BtMethod::Newton,
            tol: 1e-10,
            max_iter: 1000,
            ties: Ties::Half,
            standard_errors: false,
            bootstrap: None,
            threads: None,
        }
    }
}

impl BtOptions {
    fn validate(&self) -> Result<()> {
        if !self.l2.is_finite() || self.l2 < 0.0 {
            return input_err!("l2 = {} must be finite and >= 0", self.l2);
        }
        if !self.tol.is_finite() || self.tol <= 0.0 {
            return input_err!("tol = {} must be finite and > 0", self.tol);
        }
        if self.max_iter == 0 {
            return input_err!("max_iter must be at least 1");
        }
        if let Some(b) = &self.bootstrap {
            if b.replicates < 2 {
                return input_err!(
                    "bootstrap needs at least 2 replicates, got {}",
                    b.replicates
                );
            }
            if !(b.level > 0.0 && b.level < 1.0) {
                return input_err!("bootstrap level = {} must be in (0, 1)", b.level);
            }
        }
        Ok(())
    }
}

/// The maximum-likelihood (or MAP, with `l2 > 0`) fit.
#[derive(Clone, Debug, PartialEq)]
pub struct BtFit {
    /// Log-strengths, mean 0 over all items.
    pub strengths: Vec<f64>,
    /// Iterations run (Newton steps or MM sweeps).
    pub iterations: usize,
    /// Whether the largest change in the last iteration was below `tol`.
    pub converged: bool,
    /// Weighted log-likelihood of the data at the estimate (ties counted as half wins; the
    /// prior term is not included).
    pub log_likelihood: f64,
}

/// Percentile bootstrap intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapResult {
    /// Lower / upper percentile bounds per item (log-strength scale, each replicate normalized
    /// to mean 0).
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Standard deviation of the replicates per item (`ddof = 1`).
    pub se: Vec<f64>,
    /// Replicates used / skipped because their resampled graph had no finite MLE (`l2 = 0`).
    pub used: usize,
    pub failed: usize,
    /// Used replicates that hit `max_iter` before converging.
    pub unconverged: usize,
}

/// Everything [`bradley_terry`] computes.
#[derive(Clone, Debug, PartialEq)]
pub struct BtResult {
    pub fit: BtFit,
    /// Standard errors of the log-strengths (when asked for).
    pub se: Option<Vec<f64>>,
    pub bootstrap: Option<BootstrapResult>,
    /// Distinct compared pairs (with positive weight) and comparisons used.
    pub n_pairs: usize,
    pub n_comparisons: usize,
}

/// Where one used comparison lands in the aggregated counts (for the bootstrap).
#[derive(Clone, Copy, Debug)]
struct CompSlot {
    /// Slot in the winner's row (column = loser) and in the loser's row.
    a: usize,
    b: usize,
    /// Win credit of the winner / loser (w, 0 or w/2, w/2) and the weight.
    wa: f64,
    wb: f64,
    w: f64,
}

/// Comparisons aggregated into a symmetric CSR of pair counts.
#[derive(Clone, Debug)]
pub struct PairCounts {
    n: usize,
    offsets: Vec<usize>,
    cols: Vec<u32>,
    /// Weighted wins of the row item over the column item.
    wins: Vec<f64>,
    /// Total weight of comparisons between the two items.
    total: Vec<f64>,
    ties: Ties,
    n_used: usize,
}

#[derive(Clone, Copy)]
struct View<'a> {
    n: usize,
    off: &'a [usize],
    cols: &'a [u32],
    wins: &'a [f64],
    total: &'a [f64],
}

impl View<'_> {
    #[inline]
    fn row(&self, i: usize) -> std::ops::Range<usize> {
        self.off[i]..self.off[i + 1]
    }
    fn par(&self) -> bool {
        self.cols.len() >= PAR_MIN_ENTRIES
    }
}

/// Up to this many items the counts are merged row by row in a dense length-`n` scratch.
const DENSE_MAX_ITEMS: usize = 2048;
/// Comparisons per bucketing chunk (fixed, so results never depend on threads).
const CMP_CHUNK: usize = 1 << 16;

/// Role of the row item in a bucketed comparison (the low two bits of a bucket entry).
const LOST: u32 = 0;
const WON: u32 = 1;
const TIED: u32 = 2;

#[inline]
fn used(cmp: &Comparisons, ties: Ties, c: usize) -> bool {
    cmp.weight_of(c) > 0.0 && !(ties == Ties::Drop && cmp.is_tie(c))
}

/// Win credits `(winner, loser)` of a used comparison.
#[inline]
fn credits(cmp: &Comparisons, c: usize) -> (f64, f64) {
    let w = cmp.weight_of(c);
    if cmp.is_tie(c) {
        (0.5 * w, 0.5 * w)
    } else {
        (w, 0.0)
    }
}

/// CSR row offsets of the used comparisons in `range`, each counted in both its items' rows.
fn row_offsets(
    n: usize,
    cmp: &Comparisons,
    ties: Ties,
    range: std::ops::Range<usize>,
) -> Vec<usize> {
    let mut off = vec![0usize; n + 1];
    for c in range {
        if used(cmp, ties, c) {
            off[cmp.winner[c] as usize + 1] += 1;
            off[cmp.loser[c] as usize + 1] += 1;
        }
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    off
}

/// The used comparisons of one chunk of the input, counting-sorted by item (at most
/// [`DENSE_MAX_ITEMS`]): row `r` holds one entry per comparison of `r`, in input order, coded
/// `column << 2 | role` in 4 bytes, plus the weights when the comparisons are weighted.
struct Buckets {
    off: Vec<usize>,
    entry: Vec<u32>,
    weight: Option<Vec<f64>>,
}

impl Buckets {
    fn new(n: usize, cmp: &Comparisons, ties: Ties, range: std::ops::Range<usize>) -> Self {
        debug_assert!(n <= DENSE_MAX_ITEMS);
        let off = row_offsets(n, cmp, ties, range.clone());
        let mut fill = off[..n].to_vec();
        let mut entry = vec![0u32; off[n]];
        let mut weight = cmp.weight.map(|_| vec![0.0f64; off[n]]);
        for c in range {
            if used(cmp, ties, c) {
                let (a, b) = (cmp.winner[c] as usize, cmp.loser[c] as usize);
                let (ra, rb) = if cmp.is_tie(c) {
                    (TIED, TIED)
                } else {
                    (WON, LOST)
                };
                for (row, col, role) in [(a, b, ra), (b, a, rb)] {
                    let k = fill[row];
                    fill[row] += 1;
                    entry[k] = (col as u32) << 2 | role;
                    if let Some(w) = weight.as_mut() {
                        w[k] = cmp.weight_of(c);
                    }
                }
            }
        }
        Self { off, entry, weight }
    }

    /// `(column, win credit of the row item, win credit of the column item)` per entry of row
    /// `r` (the credits of [`credits`]; a table instead of a branch on the random roles).
    #[inline]
    fn row(&self, r: usize) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        const OWN: [f64; 4] = [0.0, 1.0, 0.5, 0.0];
        const OPP: [f64; 4] = [1.0, 0.0, 0.5, 0.0];
        (self.off[r]..self.off[r + 1]).map(move |k| {
            let w = self.weight.as_ref().map_or(1.0, |w| w[k]);
            let e = self.entry[k];
            let role = (e & 3) as usize;
            ((e >> 2) as usize, OWN[role] * w, OPP[role] * w)
        })
    }
}

/// Buckets of all used comparisons, in fixed chunks of the input (their concatenation per row
/// is the input order).
fn bucket(n: usize, cmp: &Comparisons, ties: Ties) -> Vec<Buckets> {
    let m = cmp.len();
    let ranges: Vec<_> = (0..m.div_ceil(CMP_CHUNK).max(1))
        .map(|k| (k * CMP_CHUNK).min(m)..((k + 1) * CMP_CHUNK).min(m))
        .collect();
    if m >= PAR_MIN_ENTRIES {
        ranges
            .into_par_iter()
            .map(|r| Buckets::new(n, cmp, ties, r))
            .collect()
    } else {
        ranges
            .into_iter()
            .map(|r| Buckets::new(n, cmp, ties, r))
            .collect()
    }
}

/// CSR pieces of some rows: entry counts per row, columns (ascending), wins, totals.
type RowsCsr = (Vec<usize>, Vec<u32>, Vec<f64>, Vec<f64>);

/// Merges rows `rows` of the buckets in a dense scratch: the credits of a pair are summed in
/// input order and its total is the sum of both sides' credits.
fn merge_rows(n: usize, buckets: &[Buckets], rows: std::ops::Range<usize>) -> RowsCsr {
    let len: usize = buckets
        .iter()
        .map(|b| b.off[rows.end] - b.off[rows.start])
        .sum();
    let mut counts = Vec::with_capacity(rows.len());
    let (mut cols, mut wins, mut total) = (
        Vec::with_capacity(len),
        Vec::with_capacity(len),
        Vec::with_capacity(len),
    );
    if buckets.iter().all(|b| b.weight.is_none()) && len < 1 << 31 {
        // unweighted: credits are multiples of 1/2, so each side of a pair is summed exactly as
        // a count of half wins; both counts share one u64 (`own << 32 | opponent`), and a pair
        // was seen iff its word is not 0
        const HALVES: [u64; 4] = [2, 2 << 32, 1 << 32 | 1, 0];
        let mut acc = vec![0u64; n];
        for r in rows {
            for b in buckets {
                for &e in &b.entry[b.off[r]..b.off[r + 1]] {
                    acc[(e >> 2) as usize] += HALVES[(e & 3) as usize];
                }
            }
            let before = cols.len();
            for (j, a) in acc.iter_mut().enumerate() {
                if *a != 0 {
                    let own = (*a >> 32) as f64 * 0.5;
                    let opp = (*a & 0xffff_ffff) as f64 * 0.5;
                    cols.push(j as u32);
                    wins.push(own);
                    total.push(own + opp);
                    *a = 0;
                }
            }
            counts.push(cols.len() - before);
        }
        return (counts, cols, wins, total);
    }
    let (mut own, mut opp, mut seen) = (vec![0.0f64; n], vec![0.0f64; n], vec![false; n]);
    let mut touched: Vec<u32> = Vec::new();
    for r in rows {
        let len: usize = buckets.iter().map(|b| b.off[r + 1] - b.off[r]).sum();
        // few entries: list the columns and sort them; many: scan the flags afterwards
        let list = len * 16 < n;
        touched.clear();
        for b in buckets {
            for (j, a, o) in b.row(r) {
                if list && !seen[j] {
                    touched.push(j as u32);
                }
                seen[j] = true;
                own[j] += a;
                opp[j] += o;
            }
        }
        if list {
            touched.sort_unstable();
        } else {
            touched.extend((0..n as u32).filter(|&j| seen[j as usize]));
        }
        for &j in &touched {
            let j = j as usize;
            cols.push(j as u32);
            wins.push(own[j]);
            total.push(own[j] + opp[j]);
            (own[j], opp[j], seen[j]) = (0.0, 0.0, false);
        }
        counts.push(touched.len());
    }
    (counts, cols, wins, total)
}

/// The symmetric CSR of pair counts from the buckets, merged in fixed row chunks.
fn merge_dense(n: usize, buckets: &[Buckets]) -> RowsCsr {
    let starts: Vec<usize> = (0..n).step_by(ROW_CHUNK).collect();
    let chunk = |&r0: &usize| merge_rows(n, buckets, r0..(r0 + ROW_CHUNK).min(n));
    let entries: usize = buckets.iter().map(|b| b.entry.len()).sum();
    let chunks: Vec<RowsCsr> = if entries >= PAR_MIN_ENTRIES {
        starts.par_iter().map(chunk).collect()
    } else {
        starts.iter().map(chunk).collect()
    };
    concat_row_chunks(n, chunks)
}

/// One CSR from row chunks given as (entries per row, cols, wins, totals), in chunk order.
fn concat_row_chunks(n: usize, chunks: Vec<RowsCsr>) -> RowsCsr {
    let nnz: usize = chunks.iter().map(|c| c.1.len()).sum();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    let (mut cols, mut wins, mut total) = (
        Vec::with_capacity(nnz),
        Vec::with_capacity(nnz),
        Vec::with_capacity(nnz),
    );
    for (counts, c, w, t) in chunks {
        for k in counts {
            offsets.push(offsets[offsets.len() - 1] + k);
        }
        cols.extend_from_slice(&c);
        wins.extend_from_slice(&w);
        total.extend_from_slice(&t);
    }
    (offsets, cols, wins, total)
}

impl PairCounts {
    /// Validates and aggregates comparisons over items `0..n_items`. Comparisons with weight 0
    /// (and ties under [`Ties::Drop`]) are not used.
    pub fn new(n_items: usize, cmp: &Comparisons, ties: Ties) -> Result<Self> {
        if n_items == 0 {
            return input_err!("n_items must be at least 1");
        }
        if n_items > u32::MAX as usize {
            return Err(CoreError::Limit(format!(
                "{n_items} items is more than the {} supported",
                u32::MAX
            )));
        }
        cmp.validate(n_items)?;
        let (n_used, (offsets, cols, wins, total)) = if n_items <= DENSE_MAX_ITEMS {
            let buckets = bucket(n_items, cmp, ties);
            // a used comparison has an entry in each of its two rows
            let n_used = buckets.iter().map(|b| b.entry.len()).sum::<usize>() / 2;
            (n_used, merge_dense(n_items, &buckets))
        } else {
            let n_used = (0..cmp.len()).filter(|&c| used(cmp, ties, c)).count();
            (n_used, Self::aggregate_sparse(n_items, cmp, ties))
        };
        Ok(Self {
            n: n_items,
            offsets,
            cols,
            wins,
            total,
            ties,
            n_used,
        })
    }

    /// Rows merged from comparison buckets in a dense scratch (at most [`DENSE_MAX_ITEMS`]).
    #[cfg(test)]
    fn aggregate_dense(n: usize, cmp: &Comparisons, ties: Ties) -> RowsCsr {
        merge_dense(n, &bucket(n, cmp, ties))
    }

    /// Both entries of every comparison bucketed by row, then sorted and merged per row.
    #[allow(clippy::type_complexity)]
    fn aggregate_sparse(
        n: usize,
        cmp: &Comparisons,
        ties: Ties,
    ) -> (Vec<usize>, Vec<u32>, Vec<f64>, Vec<f64>) {
        let m = cmp.len();
        let raw_off = row_offsets(n, cmp, ties, 0..m);
        let mut fill = raw_off[..n].to_vec();
        // (column, win credit of the row item, weight) in input order per row
        let mut raw = vec![(0u32, 0.0f64, 0.0f64); raw_off[n]];
        for c in 0..m {
            if used(cmp, ties, c) {
                let (a, b) = (cmp.winner[c] as usize, cmp.loser[c] as usize);
                let (ca, cb) = credits(cmp, c);
                let wt = cmp.weight_of(c);
                raw[fill[a]] = (b as u32, ca, wt);
                fill[a] += 1;
                raw[fill[b]] = (a as u32, cb, wt);
                fill[b] += 1;
            }
        }
        let chunk = |r0: usize| {
            let r1 = (r0 + ROW_CHUNK).min(n);
            let (mut counts, mut cols, mut wins, mut total) = (vec![], vec![], vec![], vec![]);
            let mut tmp: Vec<(u32, f64, f64)> = Vec::new();
            for r in r0..r1 {
                tmp.clear();
                tmp.extend_from_slice(&raw[raw_off[r]..raw_off[r + 1]]);
                tmp.sort_by_key(|e| e.0); // stable: input order inside a pair
                let before = cols.len();
                for &(col, cw, wt) in &tmp {
                    if cols.len() > before && cols[cols.len() - 1] == col {
                        let k = wins.len() - 1;
                        wins[k] += cw;
                        total[k] += wt;
                    } else {
                        cols.push(col);
                        wins.push(cw);
                        total.push(wt);
                    }
                }
                counts.push(cols.len() - before);
            }
            (counts, cols, wins, total)
        };
        let starts: Vec<usize> = (0..n).step_by(ROW_CHUNK).collect();
        let chunks: Vec<RowsCsr> = if raw.len() >= PAR_MIN_ENTRIES {
            starts.par_iter().map(|&r0| chunk(r0)).collect()
        } else {
            starts.iter().map(|&r0| chunk(r0)).collect()
        };
        concat_row_chunks(n, chunks)
    }

    /// Slot of column `j` in row `i`.
    fn slot(&self, i: usize, j: usize) -> Option<usize> {
        let r = self.offsets[i]..self.offsets[i + 1];
        self.cols[r.clone()]
            .binary_search(&(j as u32))
            .ok()
            .map(|k| r.start + k)
    }

    /// Where each used comparison of `cmp` lands (they must be the comparisons these counts
    /// were built from).
    fn comp_slots(&self, cmp: &Comparisons) -> Result<Vec<CompSlot>> {
        const MISMATCH: &str =
            "the comparisons do not match the counts; build the counts from the same comparisons";
        if cmp.validate(self.n).is_err() {
            return input_err!("{MISMATCH}");
        }
        let slots: Vec<Option<CompSlot>> = (0..cmp.len())
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&c| used(cmp, self.ties, c))
            .map(|c| {
                let (a, b) = (cmp.winner[c] as usize, cmp.loser[c] as usize);
                let (wa, wb) = credits(cmp, c);
                Some(CompSlot {
                    a: self.slot(a, b)?,
                    b: self.slot(b, a)?,
                    wa,
                    wb,
                    w: cmp.weight_of(c),
                })
            })
            .collect();
        let slots: Option<Vec<CompSlot>> = slots.into_iter().collect();
        match slots {
            Some(s) if s.len() == self.n_used => Ok(s),
            _ => input_err!("{MISMATCH}"),
        }
    }

    pub fn n_items(&self) -> usize {
        self.n
    }
    /// Distinct compared pairs.
    pub fn n_pairs(&self) -> usize {
        self.cols.len() / 2
    }
    /// Comparisons used (positive weight, not dropped).
    pub fn n_comparisons(&self) -> usize {
        self.n_used
    }

    fn view(&self) -> View<'_> {
        View {
            n: self.n,
            off: &self.offsets,
            cols: &self.cols,
            wins: &self.wins,
            total: &self.total,
        }
    }

    /// Error unless a finite MLE exists without a prior (see the module docs).
    pub fn check_identifiable(&self) -> Result<()> {
        match unidentifiable(&self.view()) {
            None => Ok(()),
            Some(msg) => Err(CoreError::Input(msg)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// numerics

#[inline]
fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

#[inline]
fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

fn per_item<T: Send, F: Fn(usize) -> T + Sync + Send>(n: usize, par: bool, f: F) -> Vec<T> {
    if par {
        (0..n).into_par_iter().with_min_len(16).map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

fn min_max(x: &[f64]) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
            (a.min(t), b.max(t))
        })
}

/// Largest spread of log-strengths for which `exp(theta_i - mid)` stays a normal float.
const MAX_SHARED_EXP_SPREAD: f64 = 1200.0;

/// `(mid, p)` with `p_i = exp(theta_i - mid)`, so that `P(i beats j) = p_i / (p_i + p_j)` takes
/// one exponential per item instead of one per entry; `None` when the spread of `theta` is too
/// wide for every `p_i` to be a normal float (or not finite).
fn shared_exp(theta: &[f64]) -> Option<(f64, Vec<f64>)> {
    let (lo, hi) = min_max(theta);
    let spread = hi - lo;
    if spread.is_nan() || spread > MAX_SHARED_EXP_SPREAD {
        return None;
    }
    let mid = 0.5 * (lo + hi);
    Some((mid, theta.iter().map(|t| (t - mid).exp()).collect()))
}

/// Data log-likelihood (ties as half wins).
fn log_lik(v: &View, theta: &[f64], par: bool) -> f64 {
    let Some((mid, p)) = shared_exp(theta) else {
        return per_item(v.n, par, |i| {
            let mut s = 0.0;
            for e in v.row(i) {
                let w = v.wins[e];
                if w > 0.0 {
                    s += w * log_sigmoid(theta[i] - theta[v.cols[e] as usize]);
                }
            }
            s
        })
        .iter()
        .sum();
    };
    // ln s_ij = (theta_i - mid) - ln(p_i + p_j), and the log is shared by both directions of a
    // pair: row i adds (theta_i - mid) * (its wins) - sum_{j > i} n_ij ln(p_i + p_j)
    per_item(v.n, par, |i| {
        let r = v.row(i);
        let wins: f64 = v.wins[r.clone()].iter().sum();
        let cols = &v.cols[r.clone()];
        let above = r.start + cols.partition_point(|&j| j as usize <= i);
        let mut s = 0.0;
        for e in above..r.end {
            s += v.total[e] * (p[i] + p[v.cols[e] as usize]).ln();
        }
        (theta[i] - mid) * wins - s
    })
    .iter()
    .sum()
}

/// Penalized log-likelihood.
fn objective(v: &View, theta: &[f64], l2: f64, par: bool) -> f64 {
    let mut f = log_lik(v, theta, par);
    if l2 > 0.0 {
        f -= 0.5 * l2 * theta.iter().map(|t| t * t).sum::<f64>();
    }
    f
}

fn center(theta: &mut [f64]) {
    if theta.is_empty() {
        return;
    }
    let mean = theta.iter().sum::<f64>() / theta.len() as f64;
    for t in theta.iter_mut() {
        *t -= mean;
    }
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// `out = H x` with `H = L_c + l2 I`.
fn hess_mul(v: &View, c: &[f64], l2: f64, x: &[f64], par: bool) -> Vec<f64> {
    per_item(v.n, par, |i| {
        let xi = x[i];
        let mut s = l2 * xi;
        for e in v.row(i) {
            s += c[e] * (xi - x[v.cols[e] as usize]);
        }
        s
    })
}

/// Jacobi-preconditioned conjugate gradients for `H d = g`; returns `d` and its residual
/// `g - H d` (as updated by the iteration).
fn pcg(
    v: &View,
    c: &[f64],
    l2: f64,
    diag: &[f64],
    g: &[f64],
    rtol: f64,
    par: bool,
) -> (Vec<f64>, Vec<f64>) {
    let n = v.n;
    let inv: Vec<f64> = diag
        .iter()
        .map(|&d| if d > 0.0 { 1.0 / d } else { 1.0 })
        .collect();
    let mut x = vec![0.0; n];
    let mut r = g.to_vec();
    let gnorm = dot(g, g).sqrt();
    if gnorm == 0.0 {
        return (x, r);
    }
    let mut z: Vec<f64> = r.iter().zip(&inv).map(|(a, b)| a * b).collect();
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let max_it = (2 * n).clamp(50, 2000);
    for _ in 0..max_it {
        let ap = hess_mul(v, c, l2, &p, par);
        let pap = dot(&p, &ap);
        if pap.is_nan() || pap <= 0.0 {
            break;
        }
        let alpha = rz / pap;
        for k in 0..n {
            x[k] += alpha * p[k];
            r[k] -= alpha * ap[k];
        }
        if dot(&r, &r).sqrt() <= rtol * gnorm {
            break;
        }
        for k in 0..n {
            z[k] = r[k] * inv[k];
        }
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for k in 0..n {
            p[k] = z[k] + beta * p[k];
        }
    }
    (x, r)
}

struct Solve {
    theta: Vec<f64>,
    iterations: usize,
    converged: bool,
}

/// Gradient, Hessian diagonal and per-entry curvature at `theta`, in one pass.
struct State {
    grad: Vec<f64>,
    diag: Vec<f64>,
    c: Vec<f64>,
}

/// Splits `buf` into consecutive mutable rows given CSR offsets.
fn split_rows<'a>(mut buf: &'a mut [f64], off: &[usize]) -> Vec<&'a mut [f64]> {
    let mut out = Vec::with_capacity(off.len().saturating_sub(1));
    for w in off.windows(2) {
        let (a, b) = std::mem::take(&mut buf).split_at_mut(w[1] - w[0]);
        out.push(a);
        buf = b;
    }
    out
}

/// `(s, 1 - s)` for `s = sigmoid(x)`, both without cancellation.
#[inline]
fn sigmoid_pair(x: f64) -> (f64, f64) {
    let t = (-x.abs()).exp();
    let (big, small) = (1.0 / (1.0 + t), t / (1.0 + t));
    if x >= 0.0 {
        (big, small)
    } else {
        (small, big)
    }
}

/// `won` holds the row sums of the wins (so the pass reads no wins); `c` is a buffer to reuse
/// (every entry is overwritten).
fn state(v: &View, won: &[f64], theta: &[f64], l2: f64, par: bool, mut c: Vec<f64>) -> State {
    let p = shared_exp(theta).map_or_else(Vec::new, |(_, p)| p);
    if c.len() != v.cols.len() {
        c = vec![0.0; v.cols.len()];
    }
    let rows = split_rows(&mut c, v.off);
    let item = |(i, ci): (usize, &mut [f64])| {
        // expected wins `e`: the gradient is won - e
        let (mut e, mut d) = (0.0, l2);
        let r = v.row(i);
        let entries = v.cols[r.clone()].iter().zip(&v.total[r]).zip(ci.iter_mut());
        let mut add = |t: f64, (s, sb): (f64, f64), cc: &mut f64| {
            e += t * s;
            *cc = t * s * sb;
            d += *cc;
        };
        if p.is_empty() {
            for ((&j, &t), cc) in entries {
                add(t, sigmoid_pair(theta[i] - theta[j as usize]), cc);
            }
        } else {
            let pi = p[i];
            for ((&j, &t), cc) in entries {
                let pj = p[j as usize];
                let inv = 1.0 / (pi + pj);
                add(t, (pi * inv, pj * inv), cc);
            }
        }
        (won[i] - e - l2 * theta[i], d)
    };
    let per: Vec<(f64, f64)> = if par {
        rows.into_par_iter()
            .enumerate()
            .with_min_len(16)
            .map(item)
            .collect()
    } else {
        rows.into_iter().enumerate().map(item).collect()
    };
    State {
        grad: per.iter().map(|p| p.0).collect(),
        diag: per.iter().map(|p| p.1).collect(),
        c,
    }
}

/// Whether the full step `d` provably does not lower the objective, from quantities at
/// `theta` alone (no logarithms), with `q = d'Hd`. Every curvature `n s (1 - s)` changes by at
/// most a factor `e^|u|` when its pair's difference moves by `u` (`|(s (1 - s))'| <= s (1 - s)`),
/// so with `r = max d - min d`: `f(theta + d) >= f(theta) + g'd - phi(r) q`, where
/// `phi(r) = (e^r - 1 - r) / r^2 <= 1/2 + 0.22 r` on `[0, 1]` (convex, `phi(1) = e - 2`).
fn full_step_safe(g: &[f64], d: &[f64], q: f64) -> bool {
    let (lo, hi) = min_max(d);
    let r = hi - lo;
    r <= 1.0 && dot(g, d) - (0.5 + 0.22 * r) * q >= 0.0
}

fn fit_newton(v: &View, l2: f64, tol: f64, max_iter: usize, theta0: Vec<f64>, par: bool) -> Solve {
    let mut theta = theta0;
    if l2 == 0.0 {
        center(&mut theta);
    }
    let won: Vec<f64> = (0..v.n).map(|i| v.wins[v.row(i)].iter().sum()).collect();
    let mut st = state(v, &won, &theta, l2, par, Vec::new());
    // objective at `theta`, evaluated only when a step needs a line search
    let mut f: Option<f64> = None;
    let g0 = dot(&st.grad, &st.grad).sqrt().max(f64::MIN_POSITIVE);
    for it in 1..=max_iter {
        let mut grad = std::mem::take(&mut st.grad);
        if l2 == 0.0 {
            center(&mut grad);
        }
        // inexact Newton: a loose solve far from the optimum, a tight one near it
        let gn = dot(&grad, &grad).sqrt();
        let rtol = (gn / g0).sqrt().clamp(1e-11, 0.1).min(gn.max(1e-11));
        let (mut step, res) = pcg(v, &st.c, l2, &st.diag, &grad, rtol, par);
        if l2 == 0.0 {
            center(&mut step);
        }
        // d'Hd without another product: H d = g - residual (centering d does not change H d)
        let q = dot(&step, &grad) - dot(&step, &res);
        let new_theta = if full_step_safe(&grad, &step, q) {
            f = None;
            theta.iter().zip(&step).map(|(t, d)| t + d).collect()
        } else {
            // backtracking line search on the objective
            let f0 = *f.get_or_insert_with(|| objective(v, &theta, l2, par));
            let mut s = 1.0;
            loop {
                let trial: Vec<f64> = theta.iter().zip(&step).map(|(t, d)| t + s * d).collect();
                let ft = objective(v, &trial, l2, par);
                if ft >= f0 - 1e-12 * (1.0 + f0.abs()) || s < 1e-12 {
                    f = Some(ft);
                    break trial;
                }
                s *= 0.5;
            }
        };
        let change = max_abs_diff(&new_theta, &theta);
        theta = new_theta;
        st = state(v, &won, &theta, l2, par, std::mem::take(&mut st.c));
        if change < tol {
            return Solve {
                theta,
                iterations: it,
                converged: true,
            };
        }
    }
    Solve {
        theta,
        iterations: max_iter,
        converged: false,
    }
}

/// Largest `theta` solving `w - e * exp(u) - l2 * (t + u) = 0` for `u`, returned as `t + u`.
fn mm_prior_update(t: f64, w: f64, e: f64, l2: f64) -> f64 {
    if e <= 0.0 {
        return w / l2;
    }
    let mut u = 0.0f64;
    for _ in 0..200 {
        let eu = e * u.exp();
        let g = w - eu - l2 * (t + u);
        let d = (g / (eu + l2)).clamp(-50.0, 50.0);
        u += d;
        if d.abs() <= 1e-15 * (1.0 + u.abs()) {
            break;
        }
    }
    t + u
}

fn fit_mm(v: &View, l2: f64, tol: f64, max_iter: usize, theta0: Vec<f64>, par: bool) -> Solve {
    let n = v.n;
    let mut theta = theta0;
    if l2 == 0.0 {
        center(&mut theta);
    }
    for it in 1..=max_iter {
        let mut new: Vec<f64> = per_item(n, par, |i| {
            let (mut w, mut e) = (0.0, 0.0);
            for k in v.row(i) {
                w += v.wins[k];
                e += v.total[k] * sigmoid(theta[i] - theta[v.cols[k] as usize]);
            }
            if l2 == 0.0 {
                if w > 0.0 && e > 0.0 {
                    theta[i] + w.ln() - e.ln()
                } else {
                    theta[i]
                }
            } else {
                mm_prior_update(theta[i], w, e, l2)
            }
        });
        if l2 == 0.0 {
            center(&mut new);
        }
        let change = max_abs_diff(&new, &theta);
        theta = new;
        if change < tol {
            return Solve {
                theta,
                iterations: it,
                converged: true,
            };
        }
    }
    Solve {
        theta,
        iterations: max_iter,
        converged: false,
    }
}

fn solve(v: &View, opts: &BtOptions, theta0: Vec<f64>, par: bool) -> Solve {
    match opts.method {
        BtMethod::Newton => fit_newton(v, opts.l2, opts.tol, opts.max_iter, theta0, par),
        BtMethod::MM => fit_mm(v, opts.l2, opts.tol, opts.max_iter, theta0, par),
    }
}

// ---------------------------------------------------------------------------------------------
// identifiability

/// Nodes reachable from `start` along `edge(e)` entries.
fn reach(v: &View, start: usize, edge: impl Fn(usize) -> bool) -> Vec<bool> {
    let mut seen = vec![false; v.n];
    let mut stack = vec![start];
    seen[start] = true;
    while let Some(i) = stack.pop() {
        for e in v.row(i) {
            let j = v.cols[e] as usize;
            if !seen[j] && edge(e) {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    seen
}

/// `None` when a finite MLE exists without a prior, else the message naming the components.
fn unidentifiable(v: &View) -> Option<String> {
    let n = v.n;
    let beats = |e: usize| v.wins[e] > 0.0; // row item beat column item
    let beaten = |e: usize| v.total[e] - v.wins[e] > 0.0; // column item beat row item
    if reach(v, 0, beats).iter().all(|&s| s) && reach(v, 0, beaten).iter().all(|&s| s) {
        return None;
    }
    const FIX: &str = "pass l2 > 0 (a prior on log-strengths) to get finite strengths";
    // items in no comparison
    let isolated: Vec<usize> = (0..n)
        .filter(|&i| v.row(i).all(|e| v.total[e] <= 0.0))
        .collect();
    if !isolated.is_empty() {
        return Some(format!(
            "no finite maximum-likelihood strengths: items {} appear in no comparison with positive weight; {FIX}, or drop those items",
            fmt_set(&isolated, 10)
        ));
    }
    // weak components
    let mut comp = vec![usize::MAX; n];
    let mut comps: Vec<Vec<usize>> = Vec::new();
    for s in 0..n {
        if comp[s] != usize::MAX {
            continue;
        }
        let id = comps.len();
        let mut members = vec![s];
        comp[s] = id;
        let mut k = 0;
        while k < members.len() {
            let i = members[k];
            k += 1;
            for e in v.row(i) {
                let j = v.cols[e] as usize;
                if comp[j] == usize::MAX && v.total[e] > 0.0 {
                    comp[j] = id;
                    members.push(j);
                }
            }
        }
        members.sort_unstable();
        comps.push(members);
    }
    if comps.len() > 1 {
        let list: Vec<String> = comps.iter().take(5).map(|c| fmt_set(c, 10)).collect();
        let more = if comps.len() > 5 {
            format!(", ... ({} components)", comps.len())
        } else {
            String::new()
        };
        return Some(format!(
            "no finite maximum-likelihood strengths: the comparison graph falls into {} disconnected components ({}{more}); strengths in different components are not comparable; {FIX}, or fit each component separately",
            comps.len(),
            list.join(", ")
        ));
    }
    // strongly connected components of the "beats" graph (Kosaraju, iterative)
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut stack = vec![(s, v.off[s])];
        while let Some(top) = stack.last_mut() {
            let (i, ref mut e) = *top;
            let mut pushed = None;
            while *e < v.off[i + 1] {
                let k = *e;
                *e += 1;
                let j = v.cols[k] as usize;
                if !seen[j] && beats(k) {
                    seen[j] = true;
                    pushed = Some(j);
                    break;
                }
            }
            if let Some(j) = pushed {
                stack.push((j, v.off[j]));
            } else {
                order.push(i);
                stack.pop();
            }
        }
    }
    let mut scc = vec![usize::MAX; n];
    let mut sccs: Vec<Vec<usize>> = Vec::new();
    for &s in order.iter().rev() {
        if scc[s] != usize::MAX {
            continue;
        }
        let id = sccs.len();
        scc[s] = id;
        let mut members = vec![s];
        let mut k = 0;
        while k < members.len() {
            let i = members[k];
            k += 1;
            for e in v.row(i) {
                let j = v.cols[e] as usize;
                // reverse graph: j -> i exists when j beat i
                if scc[j] == usize::MAX && beaten(e) {
                    scc[j] = id;
                    members.push(j);
                }
            }
        }
        members.sort_unstable();
        sccs.push(members);
    }
    let mut loses_out = vec![false; sccs.len()]; // some member lost to an item outside
    let mut wins_out = vec![false; sccs.len()];
    for i in 0..n {
        for e in v.row(i) {
            let j = v.cols[e] as usize;
            if scc[i] != scc[j] {
                if beats(e) {
                    wins_out[scc[i]] = true;
                }
                if beaten(e) {
                    loses_out[scc[i]] = true;
                }
            }
        }
    }
    let mut top: Vec<&Vec<usize>> = (0..sccs.len())
        .filter(|&k| !loses_out[k])
        .map(|k| &sccs[k])
        .collect();
    let mut bottom: Vec<&Vec<usize>> = (0..sccs.len())
        .filter(|&k| !wins_out[k])
        .map(|k| &sccs[k])
        .collect();
    top.sort();
    bottom.sort();
    let mut parts = Vec::new();
    for g in top.iter().take(5) {
        parts.push(format!(
            "items {} never lose to the rest of the items (their strengths would go to +infinity)",
            fmt_set(g, 10)
        ));
    }
    for g in bottom.iter().take(5) {
        parts.push(format!(
            "items {} never beat the rest of the items (their strengths would go to -infinity)",
            fmt_set(g, 10)
        ));
    }
    Some(format!(
        "no finite maximum-likelihood strengths: the \"beats\" graph has {} strongly connected components; {}; {FIX}",
        sccs.len(),
        parts.join("; ")
    ))
}

// ---------------------------------------------------------------------------------------------
// public API

fn fit_view(v: &View, opts: &BtOptions, theta0: Vec<f64>, par: bool) -> BtFit {
    let s = solve(v, opts, theta0, par);
    let mut theta = s.theta;
    center(&mut theta);
    let ll = log_lik(v, &theta, par);
    BtFit {
        strengths: theta,
        iterations: s.iterations,
        converged: s.converged,
        log_likelihood: ll,
    }
}

/// Fits strengths on aggregated counts (`opts.standard_errors` / `opts.bootstrap` are ignored).
pub fn fit(counts: &PairCounts, opts: &BtOptions) -> Result<BtFit> {
    opts.validate()?;
    if opts.l2 == 0.0 {
        counts.check_identifiable()?;
    }
    let v = counts.view();
    with_threads(opts.threads, || {
        let theta0 = match opts.method {
            BtMethod::Newton => log_win_ratios(&v),
            BtMethod::MM => vec![0.0; counts.n],
        };
        fit_view(&v, opts, theta0, v.par())
    })
}

/// Starting point for Newton: each item's log ratio of (smoothed) wins to losses, close to the
/// estimate on well-mixed graphs, so that fewer steps need a line search.
fn log_win_ratios(v: &View) -> Vec<f64> {
    (0..v.n)
        .map(|i| {
            let r = v.row(i);
            let w: f64 = v.wins[r.clone()].iter().sum();
            let t: f64 = v.total[r].iter().sum();
            ((w + 0.5) / (t - w + 0.5)).ln()
        })
        .collect()
}

/// Standard errors of the log-strengths `theta` (mean-zero normalized) from the inverse observed
/// Fisher information; see the module docs. At most [`MAX_SE_ITEMS`] items.
pub fn standard_errors(
    counts: &PairCounts,
    theta: &[f64],
    l2: f64,
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    let n = counts.n;
    if theta.len() != n {
        return input_err!("theta has {} entries for {n} items", theta.len());
    }
    if !l2.is_finite() || l2 < 0.0 {
        return input_err!("l2 = {l2} must be finite and >= 0");
    }
    if n > MAX_SE_ITEMS {
        return Err(CoreError::Limit(format!(
            "standard errors use a dense {n} x {n} information matrix; {n} items is above the supported {MAX_SE_ITEMS}; use bootstrap intervals instead"
        )));
    }
    let v = counts.view();
    let mut a = vec![0.0f64; n * n];
    let shift = if l2 == 0.0 { 1.0 / n as f64 } else { 0.0 };
    for i in 0..n {
        let row = &mut a[i * n..(i + 1) * n];
        for x in row.iter_mut() {
            *x = shift;
        }
        row[i] += l2;
        for e in v.row(i) {
            let j = v.cols[e] as usize;
            let s = sigmoid(theta[i] - theta[j]);
            let c = v.total[e] * s * (1.0 - s);
            row[j] -= c;
            row[i] += c;
        }
    }
    with_threads(threads, || -> Result<Vec<f64>> {
        cholesky(&mut a, n)?;
        let d = inverse_diagonal(&a, n);
        Ok(d.into_iter().map(|x| (x - shift).max(0.0).sqrt()).collect())
    })?
}

/// In-place lower Cholesky factor (row-major; the strict upper triangle is left untouched).
fn cholesky(a: &mut [f64], n: usize) -> Result<()> {
    for j in 0..n {
        let (top, bottom) = a.split_at_mut((j + 1) * n);
        let rowj = &mut top[j * n..(j + 1) * n];
        let d = rowj[j] - dot(&rowj[..j], &rowj[..j]);
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return input_err!(
                "the Fisher information is singular (item {j}); the strengths are not identified; pass l2 > 0"
            );
        }
        let ljj = d.sqrt();
        rowj[j] = ljj;
        let rowj = &*rowj;
        let update = |ri: &mut [f64]| {
            ri[j] = (ri[j] - dot(&ri[..j], &rowj[..j])) / ljj;
        };
        if (n - j) * j >= 1 << 15 {
            bottom.par_chunks_mut(n).with_min_len(8).for_each(update);
        } else {
            bottom.chunks_mut(n).for_each(update);
        }
    }
    Ok(())
}

/// `diag((L L')^{-1})` from the Cholesky factor: `sum_k (L^{-1})_{ki}^2`, one column of `L^{-1}`
/// per item (parallel).
fn inverse_diagonal(l: &[f64], n: usize) -> Vec<f64> {
    let col = |i: usize| {
        let mut x = vec![0.0f64; n - i];
        x[0] = 1.0 / l[i * n + i];
        let mut s = x[0] * x[0];
        for k in i + 1..n {
            let row = &l[k * n..(k + 1) * n];
            let xk = -dot(&row[i..k], &x[..k - i]) / row[k];
            x[k - i] = xk;
            s += xk * xk;
        }
        s
    };
    if n >= 128 {
        (0..n).into_par_iter().with_min_len(4).map(col).collect()
    } else {
        (0..n).map(col).collect()
    }
}

/// Percentile bootstrap around `theta` (used as the warm start of every replicate). `counts`
/// must be `PairCounts::new(n, cmp, opts.ties)` (an Input error when they visibly do not match).
pub fn bootstrap(
    counts: &PairCounts,
    cmp: &Comparisons,
    theta: &[f64],
    opts: &BtOptions,
    boot: &BootstrapOptions,
) -> Result<BootstrapResult> {
    opts.validate()?;
    let n = counts.n;
    if theta.len() != n {
        return input_err!("theta has {} entries for {n} items", theta.len());
    }
    let bo = BtOptions {
        bootstrap: Some(*boot),
        ..*opts
    };
    bo.validate()?;
    let b = boot.replicates;
    if b.saturating_mul(n) > MAX_BOOTSTRAP_VALUES {
        return Err(CoreError::Limit(format!(
            "{b} replicates x {n} items is above the {MAX_BOOTSTRAP_VALUES} values the bootstrap keeps; use fewer replicates"
        )));
    }
    let comps = with_threads(opts.threads, || counts.comp_slots(cmp))??;
    let m = comps.len();
    if m == 0 {
        return input_err!("the bootstrap needs at least one comparison with positive weight");
    }
    let nnz = counts.cols.len();
    let replicate = |r: usize| -> Option<(Vec<f64>, bool)> {
        let mut rng = ChaCha8Rng::seed_from_u64(boot.seed);
        rng.set_stream(r as u64);
        let mut wins = vec![0.0f64; nnz];
        let mut total = vec![0.0f64; nnz];
        for _ in 0..m {
            let c = &comps[rng.random_range(0..m)];
            wins[c.a] += c.wa;
            wins[c.b] += c.wb;
            total[c.a] += c.w;
            total[c.b] += c.w;
        }
        let v = View {
            n,
            off: &counts.offsets,
            cols: &counts.cols,
            wins: &wins,
            total: &total,
        };
        if opts.l2 == 0.0 && unidentifiable(&v).is_some() {
            return None;
        }
        let f = fit_view(&v, opts, theta.to_vec(), false);
        Some((f.strengths, f.converged))
    };
    let reps: Vec<Option<(Vec<f64>, bool)>> = with_threads(opts.threads, || {
        (0..b)
            .into_par_iter()
            .with_min_len(1)
            .map(replicate)
            .collect()
    })?;
    let good: Vec<&(Vec<f64>, bool)> = reps.iter().flatten().collect();
    let used = good.len();
    let failed = b - used;
    if used < 2 {
        return input_err!(
            "only {used} of {b} bootstrap replicates had finite strengths (resampled comparison graphs were not strongly connected); pass l2 > 0"
        );
    }
    let unconverged = good.iter().filter(|g| !g.1).count();
    let (ql, qu) = ((1.0 - boot.level) / 2.0, f64::midpoint(1.0, boot.level));
    let per: Vec<(f64, f64, f64)> = with_threads(opts.threads, || {
        per_item(n, n * used >= PAR_MIN_ENTRIES, |i| {
            let mut x: Vec<f64> = good.iter().map(|g| g.0[i]).collect();
            let mean = x.iter().sum::<f64>() / used as f64;
            let var = x.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / (used - 1) as f64;
            x.sort_unstable_by(f64::total_cmp);
            (quantile_sorted(&x, ql), quantile_sorted(&x, qu), var.sqrt())
        })
    })?;
    Ok(BootstrapResult {
        lower: per.iter().map(|p| p.0).collect(),
        upper: per.iter().map(|p| p.1).collect(),
        se: per.iter().map(|p| p.2).collect(),
        used,
        failed,
        unconverged,
    })
}

/// Bradley–Terry strengths of items `0..n_items` from comparisons, with optional standard errors
/// and bootstrap intervals. See the module docs for the model, ties, prior and algorithms.
pub fn bradley_terry(n_items: usize, cmp: &Comparisons, opts: &BtOptions) -> Result<BtResult> {
    opts.validate()?;
    let counts = PairCounts::new(n_items, cmp, opts.ties)?;
    let f = fit(&counts, opts)?;
    let se = if opts.standard_errors {
        Some(standard_errors(
            &counts,
            &f.strengths,
            opts.l2,
            opts.threads,
        )?)
    } else {
        None
    };
    let boot = match &opts.bootstrap {
        Some(b) => Some(bootstrap(&counts, cmp, &f.strengths, opts, b)?),
        None => None,
    };
    Ok(BtResult {
        n_pairs: counts.n_pairs(),
        n_comparisons: counts.n_comparisons(),
        fit: f,
        se,
        bootstrap: boot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, Normal};

    struct Data {
        w: Vec<i64>,
        l: Vec<i64>,
        wt: Vec<f64>,
        tie: Vec<bool>,
    }

    impl Data {
        fn cmp(&self) -> Comparisons<'_> {
            Comparisons {
                winner: &self.w,
                loser: &self.l,
                weight: Some(&self.wt),
                tie: Some(&self.tie),
            }
        }
    }

    /// Random comparisons from a BT model with N(0, 1) log-strengths; weights in {0.5, 1, 2}
    /// and ~10% ties when asked. Comparisons are drawn so that every item wins and loses.
    fn random_data(n: usize, m: usize, seed: u64, ties: bool) -> (Data, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let norm = Normal::new(0.0, 1.0).unwrap();
        let theta: Vec<f64> = (0..n).map(|_| norm.sample(&mut rng)).collect();
        let mut d = Data {
            w: vec![],
            l: vec![],
            wt: vec![],
            tie: vec![],
        };
        let mut push = |a: usize, b: usize, rng: &mut ChaCha8Rng| {
            let p = sigmoid(theta[a] - theta[b]);
            let (w, l) = if rng.random::<f64>() < p {
                (a, b)
            } else {
                (b, a)
            };
            d.w.push(w as i64);
            d.l.push(l as i64);
            d.wt.push([0.5, 1.0, 2.0][rng.random_range(0..3)]);
            d.tie.push(ties && rng.random::<f64>() < 0.1);
        };
        for _ in 0..m {
            let a = rng.random_range(0..n);
            let mut b = rng.random_range(0..n - 1);
            if b >= a {
                b += 1;
            }
            push(a, b, &mut rng);
        }
        // a cycle in both directions keeps the graph strongly connected
        for i in 0..n {
            let j = (i + 1) % n;
            d.w.push(i as i64);
            d.l.push(j as i64);
            d.wt.push(1.0);
            d.tie.push(false);
            d.w.push(j as i64);
            d.l.push(i as i64);
            d.wt.push(1.0);
            d.tie.push(false);
        }
        (d, theta)
    }

    /// Gradient of the penalized log-likelihood straight from the comparisons (slow reference).
    fn slow_gradient(n: usize, c: &Comparisons, theta: &[f64], l2: f64) -> Vec<f64> {
        let mut g: Vec<f64> = theta.iter().map(|t| -l2 * t).collect();
        for k in 0..c.len() {
            let (a, b, w) = (c.winner[k] as usize, c.loser[k] as usize, c.weight_of(k));
            let sa = if c.is_tie(k) { 0.5 } else { 1.0 };
            let p = 1.0 / (1.0 + (theta[b] - theta[a]).exp());
            g[a] += w * (sa - p);
            g[b] -= w * (sa - p);
        }
        assert_eq!(g.len(), n);
        g
    }

    fn opts(method: BtMethod, l2: f64) -> BtOptions {
        BtOptions {
            method,
            l2,
            tol: 1e-13,
            max_iter: 200_000,
            threads: Some(2),
            ..Default::default()
        }
    }

    #[test]
    fn stats_bt_two_items_closed_form() {
        // 0 beats 1 three times, 1 beats 0 once: theta_0 - theta_1 = ln 3
        let (w, l) = ([0i64, 0, 0, 1], [1i64, 1, 1, 0]);
        for method in [BtMethod::Newton, BtMethod::MM] {
            let r = bradley_terry(2, &Comparisons::new(&w, &l), &opts(method, 0.0)).unwrap();
            let s = &r.fit.strengths;
            assert!((s[0] - s[1] - 3f64.ln()).abs() < 1e-10, "{method:?} {s:?}");
            assert!((s[0] + s[1]).abs() < 1e-14);
            assert!(r.fit.converged);
            assert_eq!((r.n_pairs, r.n_comparisons), (1, 4));
        }
        // ties count as half a win each: 1 win + 1 tie for item 0 = 1.5 : 0.5
        let (w, l, t) = ([0i64, 1], [1i64, 0], [false, true]);
        let c = Comparisons {
            tie: Some(&t),
            ..Comparisons::new(&w, &l)
        };
        let r = bradley_terry(2, &c, &opts(BtMethod::Newton, 0.0)).unwrap();
        let s = &r.fit.strengths;
        assert!((s[0] - s[1] - 3f64.ln()).abs() < 1e-10);
        // ...and are ignored with Ties::Drop (leaving 0 unbeaten: an error)
        let o = BtOptions {
            ties: Ties::Drop,
            ..opts(BtMethod::Newton, 0.0)
        };
        assert!(bradley_terry(2, &c, &o).is_err());
        // weights scale counts: weight 3 win vs weight 1 loss = ln 3
        let (w, l, wt) = ([0i64, 1, 1], [1i64, 0, 0], [3.0, 1.0, 0.0]);
        let c = Comparisons {
            weight: Some(&wt),
            ..Comparisons::new(&w, &l)
        };
        let r = bradley_terry(2, &c, &opts(BtMethod::Newton, 0.0)).unwrap();
        assert!((r.fit.strengths[0] - r.fit.strengths[1] - 3f64.ln()).abs() < 1e-10);
        assert_eq!(r.n_comparisons, 2);
        // log-likelihood: 3 ln(3/4) + ln(1/4)
        let want = 3.0 * 0.75f64.ln() + 0.25f64.ln();
        assert!((r.fit.log_likelihood - want).abs() < 1e-10);
    }

    #[test]
    fn stats_bt_newton_mm_agree_and_gradient_zero() {
        for (seed, &(n, m, l2, ties)) in [
            (6usize, 40usize, 0.0, false),
            (10, 150, 0.0, true),
            (25, 400, 0.3, true),
            (12, 30, 1.0, false),
        ]
        .iter()
        .enumerate()
        {
            let (d, _) = random_data(n, m, seed as u64, ties);
            let c = d.cmp();
            let a = bradley_terry(n, &c, &opts(BtMethod::Newton, l2)).unwrap();
            let b = bradley_terry(n, &c, &opts(BtMethod::MM, l2)).unwrap();
            assert!(a.fit.converged && b.fit.converged);
            assert!(a.fit.iterations < 50, "newton took {}", a.fit.iterations);
            let diff = max_abs_diff(&a.fit.strengths, &b.fit.strengths);
            assert!(diff < 1e-8, "seed {seed}: newton vs mm differ by {diff}");
            for s in [&a.fit.strengths, &b.fit.strengths] {
                let g = slow_gradient(n, &c, s, l2);
                let gmax = g.iter().fold(0.0f64, |x, y| x.max(y.abs()));
                assert!(gmax < 1e-8, "seed {seed}: gradient {gmax}");
                assert!(s.iter().sum::<f64>().abs() < 1e-10);
            }
            // the estimate beats nearby points
            let f0 = a.fit.log_likelihood
                - if l2 > 0.0 {
                    0.5 * l2 * a.fit.strengths.iter().map(|t| t * t).sum::<f64>()
                } else {
                    0.0
                };
            let pc = PairCounts::new(n, &c, Ties::Half).unwrap();
            let mut t = a.fit.strengths.clone();
            t[0] += 1e-3;
            t[1] -= 1e-3;
            assert!(objective(&pc.view(), &t, l2, false) < f0);
        }
    }

    #[test]
    fn stats_bt_large_parallel_deterministic() {
        // enough pairs for the parallel paths; 1 and 2 threads give identical bits
        let (d, truth) = random_data(300, 30_000, 7, true);
        let c = d.cmp();
        let mut o = opts(BtMethod::Newton, 0.0);
        o.tol = 1e-10;
        o.threads = Some(1);
        let a = bradley_terry(300, &c, &o).unwrap();
        o.threads = Some(2);
        let b = bradley_terry(300, &c, &o).unwrap();
        assert_eq!(a, b);
        assert!(a.n_pairs * 2 >= PAR_MIN_ENTRIES);
        let g = slow_gradient(300, &c, &a.fit.strengths, 0.0);
        assert!(
            g.iter().all(|x| x.abs() < 1e-6),
            "{:?}",
            g.iter().fold(0.0f64, |x, y| x.max(y.abs()))
        );
        let mm = bradley_terry(300, &c, &opts(BtMethod::MM, 0.0)).unwrap();
        assert!(max_abs_diff(&a.fit.strengths, &mm.fit.strengths) < 1e-8);
        // the estimate recovers the truth roughly
        let mean = truth.iter().sum::<f64>() / 300.0;
        let err = a
            .fit
            .strengths
            .iter()
            .zip(&truth)
            .map(|(s, t)| (s - (t - mean)).powi(2))
            .sum::<f64>()
            / 300.0;
        assert!(err < 0.1, "mse {err}");
        // input order does not matter (up to rounding)
        let mut idx: Vec<usize> = (0..c.len()).collect();
        idx.reverse();
        let pick = |v: &[i64]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (w2, l2v) = (pick(&d.w), pick(&d.l));
        let wt2: Vec<f64> = idx.iter().map(|&i| d.wt[i]).collect();
        let t2: Vec<bool> = idx.iter().map(|&i| d.tie[i]).collect();
        let c2 = Comparisons {
            winner: &w2,
            loser: &l2v,
            weight: Some(&wt2),
            tie: Some(&t2),
        };
        let r2 = bradley_terry(300, &c2, &o).unwrap();
        assert!(max_abs_diff(&a.fit.strengths, &r2.fit.strengths) < 1e-9);
    }

    #[test]
    fn stats_bt_sparse_and_dense_aggregation_agree() {
        let (d, _) = random_data(50, 2000, 4, true);
        let c = d.cmp();
        for ties in [Ties::Half, Ties::Drop] {
            let a = PairCounts::aggregate_dense(50, &c, ties);
            let b = PairCounts::aggregate_sparse(50, &c, ties);
            assert_eq!((&a.0, &a.1), (&b.0, &b.1));
            assert!(max_abs_diff(&a.2, &b.2) < 1e-12);
            assert!(max_abs_diff(&a.3, &b.3) < 1e-12);
        }
        // a graph above the dense limit, through the public API
        let n = DENSE_MAX_ITEMS + 500;
        let (d, _) = random_data(n, 12_000, 8, true);
        let c = d.cmp();
        let mut o = opts(BtMethod::Newton, 0.0);
        o.threads = Some(1);
        let a = bradley_terry(n, &c, &o).unwrap();
        o.threads = Some(2);
        let b = bradley_terry(n, &c, &o).unwrap();
        assert_eq!(a, b);
        assert!(a.fit.converged);
        let g = slow_gradient(n, &c, &a.fit.strengths, 0.0);
        assert!(g.iter().all(|x| x.abs() < 1e-8));
        let mut o = opts(BtMethod::MM, 0.0);
        o.tol = 1e-12;
        let m = bradley_terry(n, &c, &o).unwrap();
        assert!(max_abs_diff(&a.fit.strengths, &m.fit.strengths) < 1e-8);
        // standard errors refuse, the bootstrap works (with a prior every replicate fits)
        let mut o = opts(BtMethod::Newton, 0.5);
        o.tol = 1e-9;
        o.standard_errors = true;
        assert!(matches!(bradley_terry(n, &c, &o), Err(CoreError::Limit(_))));
        o.standard_errors = false;
        o.bootstrap = Some(BootstrapOptions {
            replicates: 4,
            level: 0.5,
            seed: 2,
        });
        let r = bradley_terry(n, &c, &o).unwrap();
        assert_eq!(r.bootstrap.unwrap().used, 4);
        // counts from other comparisons are refused
        let pc = PairCounts::new(n, &c, Ties::Half).unwrap();
        let (w, l) = ([0i64], [5i64]);
        let e = bootstrap(
            &pc,
            &Comparisons::new(&w, &l),
            &a.fit.strengths,
            &o,
            &BootstrapOptions::default(),
        );
        assert!(e.unwrap_err().to_string().contains("do not match"));
    }

    #[test]
    fn stats_bt_unidentifiable_errors() {
        // 0 beats 1, 1 beats 2, 2 beats 1, 3 beats 2: {0} and {3} never lose, nothing below {1,2}
        let (w, l) = ([0i64, 1, 2, 3], [1i64, 2, 1, 2]);
        let e = bradley_terry(4, &Comparisons::new(&w, &l), &BtOptions::default()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("items {0} never lose"), "{msg}");
        assert!(msg.contains("items {3} never lose"), "{msg}");
        assert!(msg.contains("items {1, 2} never beat"), "{msg}");
        assert!(matches!(e, CoreError::Input(_)));
        // two components
        let (w, l) = ([0i64, 1, 2, 3], [1i64, 0, 3, 2]);
        let msg = bradley_terry(4, &Comparisons::new(&w, &l), &BtOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("2 disconnected components ({0, 1}, {2, 3})"),
            "{msg}"
        );
        // an item never compared
        let msg = bradley_terry(5, &Comparisons::new(&w, &l), &BtOptions::default())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("items {4} appear in no comparison"), "{msg}");
        // with a prior all of these are fine; the isolated item gets 0 before centering
        for method in [BtMethod::Newton, BtMethod::MM] {
            let r = bradley_terry(5, &Comparisons::new(&w, &l), &opts(method, 0.5)).unwrap();
            assert!(r.fit.converged);
            let s = &r.fit.strengths;
            assert!(s.iter().all(|x| x.abs() < 1e-9), "{s:?}"); // symmetric data: all equal
            let (w, l) = ([0i64, 1, 2, 3], [1i64, 2, 1, 2]);
            let r = bradley_terry(4, &Comparisons::new(&w, &l), &opts(method, 0.5)).unwrap();
            let g = slow_gradient(4, &Comparisons::new(&w, &l), &r.fit.strengths, 0.5);
            assert!(g.iter().all(|x| x.abs() < 1e-9), "{g:?}");
            assert!(r.fit.strengths[0] > r.fit.strengths[1]);
        }
        // no comparisons at all
        let e: [i64; 0] = [];
        assert!(bradley_terry(3, &Comparisons::new(&e, &e), &BtOptions::default()).is_err());
        let r = bradley_terry(3, &Comparisons::new(&e, &e), &opts(BtMethod::Newton, 1.0)).unwrap();
        assert_eq!(r.fit.strengths, vec![0.0; 3]);
        // bad options
        let (w, l) = ([0i64], [1i64]);
        let c = Comparisons::new(&w, &l);
        for o in [
            BtOptions {
                l2: -1.0,
                ..Default::default()
            },
            BtOptions {
                tol: 0.0,
                ..Default::default()
            },
            BtOptions {
                max_iter: 0,
                ..Default::default()
            },
            BtOptions {
                bootstrap: Some(BootstrapOptions {
                    replicates: 1,
                    ..Default::default()
                }),
                ..Default::default()
            },
            BtOptions {
                bootstrap: Some(BootstrapOptions {
                    level: 1.0,
                    ..Default::default()
                }),
                ..Default::default()
            },
        ] {
            assert!(matches!(bradley_terry(2, &c, &o), Err(CoreError::Input(_))));
        }
        assert!(bradley_terry(0, &c, &BtOptions::default()).is_err());
    }

    /// Gauss–Jordan inverse (slow reference).
    fn inverse(a: &[f64], n: usize) -> Vec<f64> {
        let mut m = a.to_vec();
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            inv[i * n + i] = 1.0;
        }
        for c in 0..n {
            let p = (c..n)
                .max_by(|&x, &y| m[x * n + c].abs().total_cmp(&m[y * n + c].abs()))
                .unwrap();
            for k in 0..n {
                m.swap(c * n + k, p * n + k);
                inv.swap(c * n + k, p * n + k);
            }
            let d = m[c * n + c];
            for k in 0..n {
                m[c * n + k] /= d;
                inv[c * n + k] /= d;
            }
            for r in 0..n {
                if r != c {
                    let f = m[r * n + c];
                    for k in 0..n {
                        m[r * n + k] -= f * m[c * n + k];
                        inv[r * n + k] -= f * inv[c * n + k];
                    }
                }
            }
        }
        inv
    }

    /// Negative Hessian of the log-likelihood straight from the comparisons.
    fn slow_info(n: usize, c: &Comparisons, theta: &[f64]) -> Vec<f64> {
        let mut h = vec![0.0; n * n];
        for k in 0..c.len() {
            let (a, b, w) = (c.winner[k] as usize, c.loser[k] as usize, c.weight_of(k));
            let p = sigmoid(theta[a] - theta[b]);
            let x = w * p * (1.0 - p);
            h[a * n + a] += x;
            h[b * n + b] += x;
            h[a * n + b] -= x;
            h[b * n + a] -= x;
        }
        h
    }

    #[test]
    fn stats_bt_standard_errors() {
        let n = 9;
        let (d, _) = random_data(n, 120, 3, true);
        let c = d.cmp();
        // l2 = 0: fix item 0 (reference parameterization), invert the rest, then map to the
        // mean-zero parameterization: cov = C S C' with C = I - 11'/n
        let mut o = opts(BtMethod::Newton, 0.0);
        o.standard_errors = true;
        let r = bradley_terry(n, &c, &o).unwrap();
        let h = slow_info(n, &c, &r.fit.strengths);
        let k = n - 1;
        let red: Vec<f64> = (1..n)
            .flat_map(|i| (1..n).map(move |j| (i, j)))
            .map(|(i, j)| h[i * n + j])
            .collect();
        let ri = inverse(&red, k);
        let mut s = vec![0.0; n * n];
        for i in 1..n {
            for j in 1..n {
                s[i * n + j] = ri[(i - 1) * k + (j - 1)];
            }
        }
        let nf = n as f64;
        let rowmean: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| s[i * n + j]).sum::<f64>() / nf)
            .collect();
        let all = rowmean.iter().sum::<f64>() / nf;
        let se = r.se.as_ref().unwrap();
        for i in 0..n {
            let v = s[i * n + i] - 2.0 * rowmean[i] + all;
            assert!(
                (se[i] - v.sqrt()).abs() < 1e-9,
                "item {i}: {} vs {}",
                se[i],
                v.sqrt()
            );
        }
        // l2 > 0: inverse of (H + l2 I)
        let l2 = 0.7;
        let mut o = opts(BtMethod::Newton, l2);
        o.standard_errors = true;
        let r = bradley_terry(n, &c, &o).unwrap();
        let mut h = slow_info(n, &c, &r.fit.strengths);
        for i in 0..n {
            h[i * n + i] += l2;
        }
        let hi = inverse(&h, n);
        let se = r.se.as_ref().unwrap();
        for i in 0..n {
            assert!((se[i] - hi[i * n + i].sqrt()).abs() < 1e-10);
        }
        // a bigger one through the parallel Cholesky, 1 vs 2 threads
        let (d, _) = random_data(200, 4000, 5, false);
        let mut o = opts(BtMethod::Newton, 0.0);
        o.standard_errors = true;
        o.tol = 1e-10;
        o.threads = Some(1);
        let a = bradley_terry(200, &d.cmp(), &o).unwrap();
        o.threads = Some(2);
        let b = bradley_terry(200, &d.cmp(), &o).unwrap();
        assert_eq!(a.se, b.se);
        assert!(a.se.unwrap().iter().all(|x| x.is_finite() && *x > 0.0));
        // too many items is a Limit error
        let pc =
            PairCounts::new(MAX_SE_ITEMS + 1, &Comparisons::new(&[0], &[1]), Ties::Half).unwrap();
        let e = standard_errors(&pc, &vec![0.0; MAX_SE_ITEMS + 1], 1.0, None).unwrap_err();
        assert!(matches!(e, CoreError::Limit(_)));
    }

    #[test]
    fn stats_bt_bootstrap_reproducible() {
        let n = 30;
        let (d, _) = random_data(n, 600, 11, true);
        let c = d.cmp();
        let mut o = opts(BtMethod::Newton, 0.0);
        o.tol = 1e-10;
        o.standard_errors = true;
        o.bootstrap = Some(BootstrapOptions {
            replicates: 60,
            level: 0.9,
            seed: 42,
        });
        o.threads = Some(1);
        let a = bradley_terry(n, &c, &o).unwrap();
        o.threads = Some(2);
        let b = bradley_terry(n, &c, &o).unwrap();
        assert_eq!(a, b);
        let ba = a.bootstrap.as_ref().unwrap();
        assert_eq!(ba.used + ba.failed, 60);
        assert!(ba.used >= 50, "{ba:?}");
        let s = &a.fit.strengths;
        let se = a.se.as_ref().unwrap();
        for i in 0..n {
            assert!(ba.lower[i] <= ba.upper[i]);
            // the interval covers the estimate and its width is comparable to the SE
            assert!(ba.lower[i] <= s[i] + 0.2 && s[i] - 0.2 <= ba.upper[i]);
            assert!(
                ba.se[i] > 0.3 * se[i] && ba.se[i] < 3.0 * se[i],
                "{} vs {}",
                ba.se[i],
                se[i]
            );
        }
        // another seed gives other intervals
        o.bootstrap = Some(BootstrapOptions {
            replicates: 60,
            level: 0.9,
            seed: 43,
        });
        let c2 = bradley_terry(n, &c, &o).unwrap();
        assert_ne!(c2.bootstrap.unwrap().lower, ba.lower);
        // with a prior no replicate fails (MM path too)
        let mut o = opts(BtMethod::MM, 0.1);
        o.tol = 1e-9;
        o.bootstrap = Some(BootstrapOptions {
            replicates: 20,
            level: 0.95,
            seed: 1,
        });
        let r = bradley_terry(n, &c, &o).unwrap();
        let br = r.bootstrap.unwrap();
        assert_eq!((br.used, br.failed, br.unconverged), (20, 0, 0));
        // a graph that barely connects: most replicates fail, and when too few are left the
        // bootstrap says so
        let (w, l) = ([0i64, 1], [1i64, 0]);
        let o = BtOptions {
            bootstrap: Some(BootstrapOptions {
                replicates: 40,
                level: 0.95,
                seed: 3,
            }),
            ..Default::default()
        };
        match bradley_terry(2, &Comparisons::new(&w, &l), &o) {
            Ok(r) => assert!(r.bootstrap.unwrap().failed > 0),
            Err(e) => assert!(e.to_string().contains("bootstrap replicates"), "{e}"),
        }
    }
}
