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
//!   line search on the objective.
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
    comps: Vec<CompSlot>,
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

struct RowChunk {
    counts: Vec<usize>,
    cols: Vec<u32>,
    wins: Vec<f64>,
    total: Vec<f64>,
    /// (comparison, is the winner's row, local slot)
    slots: Vec<(usize, bool, usize)>,
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
        let m = cmp.len();
        let used = |c: usize| cmp.weight_of(c) > 0.0 && !(ties == Ties::Drop && cmp.is_tie(c));
        let mut raw_off = vec![0usize; n_items + 1];
        for c in 0..m {
            if used(c) {
                raw_off[cmp.winner[c] as usize + 1] += 1;
                raw_off[cmp.loser[c] as usize + 1] += 1;
            }
        }
        for i in 0..n_items {
            raw_off[i + 1] += raw_off[i];
        }
        let mut fill = raw_off[..n_items].to_vec();
        let mut raw = vec![0usize; raw_off[n_items]];
        for c in 0..m {
            if used(c) {
                for id in [cmp.winner[c], cmp.loser[c]] {
                    let f = &mut fill[id as usize];
                    raw[*f] = c;
                    *f += 1;
                }
            }
        }
        let chunk = |r0: usize| -> RowChunk {
            let r1 = (r0 + ROW_CHUNK).min(n_items);
            let len = raw_off[r1] - raw_off[r0];
            let mut out = RowChunk {
                counts: Vec::with_capacity(r1 - r0),
                cols: Vec::new(),
                wins: Vec::new(),
                total: Vec::new(),
                slots: Vec::with_capacity(len),
            };
            let mut tmp: Vec<(u32, usize)> = Vec::new();
            for r in r0..r1 {
                tmp.clear();
                for &c in &raw[raw_off[r]..raw_off[r + 1]] {
                    let (w, l) = (cmp.winner[c] as usize, cmp.loser[c] as usize);
                    let other = if w == r { l } else { w };
                    tmp.push((other as u32, c));
                }
                tmp.sort_unstable();
                let before = out.cols.len();
                let mut k = 0;
                while k < tmp.len() {
                    let col = tmp[k].0;
                    let slot = out.cols.len();
                    let (mut wsum, mut tsum) = (0.0, 0.0);
                    while k < tmp.len() && tmp[k].0 == col {
                        let c = tmp[k].1;
                        let wt = cmp.weight_of(c);
                        let is_w = cmp.winner[c] as usize == r;
                        wsum += if cmp.is_tie(c) {
                            0.5 * wt
                        } else if is_w {
                            wt
                        } else {
                            0.0
                        };
                        tsum += wt;
                        out.slots.push((c, is_w, slot));
                        k += 1;
                    }
                    out.cols.push(col);
                    out.wins.push(wsum);
                    out.total.push(tsum);
                }
                out.counts.push(out.cols.len() - before);
            }
            out
        };
        let starts: Vec<usize> = (0..n_items).step_by(ROW_CHUNK).collect();
        let chunks: Vec<RowChunk> = if raw.len() >= PAR_MIN_ENTRIES {
            starts.par_iter().map(|&r0| chunk(r0)).collect()
        } else {
            starts.iter().map(|&r0| chunk(r0)).collect()
        };
        let nnz: usize = chunks.iter().map(|c| c.cols.len()).sum();
        let mut offsets = Vec::with_capacity(n_items + 1);
        offsets.push(0usize);
        let mut cols = Vec::with_capacity(nnz);
        let mut wins = Vec::with_capacity(nnz);
        let mut total = Vec::with_capacity(nnz);
        let empty = CompSlot {
            a: usize::MAX,
            b: usize::MAX,
            wa: 0.0,
            wb: 0.0,
            w: 0.0,
        };
        let mut slot_of = vec![empty; m];
        for ch in chunks {
            let base = cols.len();
            for &k in &ch.counts {
                let last = offsets[offsets.len() - 1];
                offsets.push(last + k);
            }
            for &(c, is_w, s) in &ch.slots {
                let wt = cmp.weight_of(c);
                let tie = cmp.is_tie(c);
                let e = &mut slot_of[c];
                e.w = wt;
                if is_w {
                    e.a = base + s;
                    e.wa = if tie { 0.5 * wt } else { wt };
                } else {
                    e.b = base + s;
                    e.wb = if tie { 0.5 * wt } else { 0.0 };
                }
            }
            cols.extend_from_slice(&ch.cols);
            wins.extend_from_slice(&ch.wins);
            total.extend_from_slice(&ch.total);
        }
        let comps: Vec<CompSlot> = slot_of.into_iter().filter(|e| e.a != usize::MAX).collect();
        Ok(Self {
            n: n_items,
            offsets,
            cols,
            wins,
            total,
            comps,
        })
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
        self.comps.len()
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

/// Data log-likelihood (ties as half wins).
fn log_lik(v: &View, theta: &[f64], par: bool) -> f64 {
    per_item(v.n, par, |i| {
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
    .sum()
}

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

/// Jacobi-preconditioned conjugate gradients for `H d = g`.
fn pcg(v: &View, c: &[f64], l2: f64, diag: &[f64], g: &[f64], par: bool) -> Vec<f64> {
    let n = v.n;
    let inv: Vec<f64> = diag
        .iter()
        .map(|&d| if d > 0.0 { 1.0 / d } else { 1.0 })
        .collect();
    let mut x = vec![0.0; n];
    let mut r = g.to_vec();
    let gnorm = dot(g, g).sqrt();
    if gnorm == 0.0 {
        return x;
    }
    let mut z: Vec<f64> = r.iter().zip(&inv).map(|(a, b)| a * b).collect();
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let max_it = (2 * n).clamp(50, 2000);
    for _ in 0..max_it {
        let ap = hess_mul(v, c, l2, &p, par);
        let pap = dot(&p, &ap);
        if !(pap > 0.0) {
            break;
        }
        let alpha = rz / pap;
        for k in 0..n {
            x[k] += alpha * p[k];
            r[k] -= alpha * ap[k];
        }
        if dot(&r, &r).sqrt() <= 1e-11 * gnorm {
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
    x
}

struct Solve {
    theta: Vec<f64>,
    iterations: usize,
    converged: bool,
}

fn fit_newton(v: &View, l2: f64, tol: f64, max_iter: usize, theta0: Vec<f64>, par: bool) -> Solve {
    let n = v.n;
    let mut theta = theta0;
    if l2 == 0.0 {
        center(&mut theta);
    }
    let mut f = objective(v, &theta, l2, par);
    let mut c = vec![0.0; v.cols.len()];
    for it in 1..=max_iter {
        // per-entry curvature, per-item gradient and diagonal
        let rows: Vec<(f64, f64, Vec<f64>)> = per_item(n, par, |i| {
            let (mut g, mut d) = (0.0, l2);
            let r = v.row(i);
            let mut ci = Vec::with_capacity(r.len());
            for e in r {
                let s = sigmoid(theta[i] - theta[v.cols[e] as usize]);
                g += v.wins[e] - v.total[e] * s;
                let cc = v.total[e] * s * (1.0 - s);
                d += cc;
                ci.push(cc);
            }
            (g - l2 * theta[i], d, ci)
        });
        let mut grad = Vec::with_capacity(n);
        let mut diag = Vec::with_capacity(n);
        for (i, (g, d, ci)) in rows.into_iter().enumerate() {
            grad.push(g);
            diag.push(d);
            c[v.off[i]..v.off[i + 1]].copy_from_slice(&ci);
        }
        if l2 == 0.0 {
            center(&mut grad);
        }
        let mut step = pcg(v, &c, l2, &diag, &grad, par);
        if l2 == 0.0 {
            center(&mut step);
        }
        let mut s = 1.0;
        let (new_theta, new_f) = loop {
            let trial: Vec<f64> = theta.iter().zip(&step).map(|(t, d)| t + s * d).collect();
            let ft = objective(v, &trial, l2, par);
            if ft >= f - 1e-12 * (1.0 + f.abs()) || s < 1e-12 {
                break (trial, ft);
            }
            s *= 0.5;
        };
        let change = max_abs_diff(&new_theta, &theta);
        theta = new_theta;
        f = new_f;
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
            match pushed {
                Some(j) => stack.push((j, v.off[j])),
                None => {
                    order.push(i);
                    stack.pop();
                }
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
        fit_view(&v, opts, vec![0.0; counts.n], v.par())
    })
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
        if !(d > 0.0) || !d.is_finite() {
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

/// Percentile bootstrap around `theta` (used as the warm start of every replicate).
pub fn bootstrap(
    counts: &PairCounts,
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
    let m = counts.comps.len();
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
            let c = &counts.comps[rng.random_range(0..m)];
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
    let (ql, qu) = ((1.0 - boot.level) / 2.0, (1.0 + boot.level) / 2.0);
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
        Some(b) => Some(bootstrap(&counts, &f.strengths, opts, b)?),
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
