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
//! Unweighted comparisons at least as many as the pairs of items (arena-style data: 1e6
//! comparisons of 1,000 models) are instead counted in a packed dense table, one cell per pair
//! (`dense.rs`: exact integer counts, no per-entry curvature buffer); the solvers below run
//! unchanged on either layout (the `numerics::Graph` trait), so both give the same fixed point.
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

mod counts;
mod dense;
mod identifiability;
mod numerics;
#[cfg(test)]
mod tests;

pub use counts::PairCounts;
use counts::View;
use dense::Dense;
use identifiability::unidentifiable;
use numerics::{center, per_item, sigmoid, solve, Graph};

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
    /// Used comparisons each item is in.
    pub item_comparisons: Vec<u64>,
}

// ---------------------------------------------------------------------------------------------
// public API

fn fit_view<G: Graph>(v: &G, opts: &BtOptions, theta0: Vec<f64>, par: bool) -> BtFit {
    let s = solve(v, opts, theta0, par);
    let mut theta = s.theta;
    center(&mut theta);
    let ll = v.log_lik(&theta, par);
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
            win_ratio(w, t)
        })
        .collect()
}

#[inline]
fn win_ratio(w: f64, t: f64) -> f64 {
    ((w + 0.5) / (t - w + 0.5)).ln()
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
    se_items(n)?;
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
    se_from_information(a, n, shift, threads)
}

fn se_items(n: usize) -> Result<()> {
    if n > MAX_SE_ITEMS {
        return Err(CoreError::Limit(format!(
            "standard errors use a dense {n} x {n} information matrix; {n} items is above the supported {MAX_SE_ITEMS}; use bootstrap intervals instead"
        )));
    }
    Ok(())
}

/// `sqrt(diag(A^{-1}) - shift)` of the information matrix `a` (`n x n`, row-major).
fn se_from_information(
    mut a: Vec<f64>,
    n: usize,
    shift: f64,
    threads: Option<usize>,
) -> Result<Vec<f64>> {
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
    if opts.bootstrap.is_none() && Dense::fits(n_items, cmp) {
        if let Some(r) = bradley_terry_dense(n_items, cmp, opts)? {
            return Ok(r);
        }
    }
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
    let off = counts::row_offsets(n_items, cmp, opts.ties, 0..cmp.len());
    Ok(BtResult {
        n_pairs: counts.n_pairs(),
        n_comparisons: counts.n_comparisons(),
        item_comparisons: off.windows(2).map(|w| (w[1] - w[0]) as u64).collect(),
        fit: f,
        se,
        bootstrap: boot,
    })
}

/// The fit on dense pair counts ([`Dense`]); `None` when the graph has no finite MLE (the sparse
/// path then names the components).
fn bradley_terry_dense(
    n_items: usize,
    cmp: &Comparisons,
    opts: &BtOptions,
) -> Result<Option<BtResult>> {
    let fitted = with_threads(opts.threads, || -> Result<Option<(Dense, BtFit)>> {
        let d = Dense::new(n_items, cmp, opts.ties)?;
        if opts.l2 == 0.0 && !d.connected {
            return Ok(None);
        }
        let theta0 = match opts.method {
            BtMethod::Newton => (0..d.n)
                .map(|i| win_ratio(d.won[i], d.per_item[i] as f64))
                .collect(),
            BtMethod::MM => vec![0.0; d.n],
        };
        let f = fit_view(&d, opts, theta0, d.par());
        Ok(Some((d, f)))
    })??;
    let Some((d, f)) = fitted else {
        return Ok(None);
    };
    let se = if opts.standard_errors {
        let n = d.n;
        se_items(n)?;
        let shift = if opts.l2 == 0.0 { 1.0 / n as f64 } else { 0.0 };
        let a = d.information(&f.strengths, opts.l2, shift);
        Some(se_from_information(a, n, shift, opts.threads)?)
    } else {
        None
    };
    Ok(Some(BtResult {
        n_pairs: d.n_pairs,
        n_comparisons: d.n_used,
        item_comparisons: d.per_item,
        fit: f,
        se,
        bootstrap: None,
    }))
}
