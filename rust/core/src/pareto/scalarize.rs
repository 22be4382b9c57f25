//! Scalarizations of reward vectors and the weight vectors that drive them.
//!
//! - weighted sum: utility `sum_j w_j s_j f_j` (`s_j = +1` maximized, `-1` minimized); higher
//!   is better; reaches only the convex hull of a front.
//! - (augmented) weighted Chebyshev distance to an ideal point `z`:
//!   `max_j w_j |z_j - f_j| + rho * sum_j |z_j - f_j|` (Steuer & Choo, 1983); lower is better;
//!   with rho = 0 every Pareto-optimal point, on a non-convex front too, is optimal for some
//!   weight; rho > 0 rules out weakly Pareto-optimal choices.
//! - weights: the Das–Dennis simplex lattice (Das & Dennis, 1998, "Normal-boundary
//!   intersection", SIAM J. Optim. 8(3)) and Dirichlet samples.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView};

/// Most weight vectors a lattice may have.
pub const MAX_WEIGHTS: u128 = 10_000_000;

/// Most values (vectors x objectives) a weight matrix may hold: 100 million f64, 800 MB.
pub const MAX_WEIGHT_VALUES: u128 = 100_000_000;

/// Dirichlet draws whose Gamma variates all underflow to 0 are redrawn this many times before
/// the row is drawn in log space instead (tiny `alpha`), so sampling always terminates.
const DIRECT_TRIES: usize = 16;

fn check_weights(weights: &[f64], m: usize) -> Result<usize> {
    if m == 0 || !weights.len().is_multiple_of(m) {
        return Err(CoreError::Input(format!(
            "weights must have {m} columns (one per objective); got {} values",
            weights.len()
        )));
    }
    if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
        return Err(CoreError::Input(format!(
            "weight vector {}, objective {}: weight {} must be finite and >= 0",
            i / m,
            i % m,
            weights[i]
        )));
    }
    Ok(weights.len() / m)
}

/// Utilities, row-major `n x W` (one column per weight vector).
pub fn weighted_sum(view: &MatrixView, maximize: &[bool], weights: &[f64]) -> Result<Vec<f64>> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    let w = check_weights(weights, m)?;
    view.check_finite()?;
    let mut out = vec![0.0; n * w];
    out.par_chunks_mut(w.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (k, o) in row.iter_mut().enumerate() {
                *o = (0..m)
                    .map(|j| {
                        let s = if maximize[j] { 1.0 } else { -1.0 };
                        weights[k * m + j] * s * view.get(i, j)
                    })
                    .sum();
            }
        });
    Ok(out)
}

/// The best value per objective (`ideal` point), in the caller's direction.
pub fn ideal_point(view: &MatrixView, maximize: &[bool]) -> Result<Vec<f64>> {
    check_directions(maximize, view.ncols())?;
    if view.nrows() == 0 {
        return Err(CoreError::Input(
            "no points: cannot compute an ideal point; pass ideal=".into(),
        ));
    }
    view.check_finite()?;
    Ok((0..view.ncols())
        .map(|j| {
            let col = (0..view.nrows()).map(|i| view.get(i, j));
            if maximize[j] {
                col.fold(f64::NEG_INFINITY, f64::max)
            } else {
                col.fold(f64::INFINITY, f64::min)
            }
        })
        .collect())
}

/// Chebyshev distances, row-major `n x W`; lower is better.
pub fn chebyshev(view: &MatrixView, weights: &[f64], ideal: &[f64], rho: f64) -> Result<Vec<f64>> {
    let (n, m) = (view.nrows(), view.ncols());
    let w = check_weights(weights, m)?;
    if ideal.len() != m {
        return Err(CoreError::Input(format!(
            "ideal has {} values, the points have {m} objectives",
            ideal.len()
        )));
    }
    if let Some(j) = ideal.iter().position(|v| !v.is_finite()) {
        return Err(CoreError::Input(format!(
            "ideal value {} (objective {j}) is not finite",
            ideal[j]
        )));
    }
    if !(rho.is_finite() && rho >= 0.0) {
        return Err(CoreError::Input(format!(
            "rho must be finite and >= 0, got {rho}"
        )));
    }
    view.check_finite()?;
    let mut out = vec![0.0; n * w];
    out.par_chunks_mut(w.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (k, o) in row.iter_mut().enumerate() {
                let mut worst = 0.0f64;
                let mut sum = 0.0;
                for j in 0..m {
                    let gap = (ideal[j] - view.get(i, j)).abs();
                    worst = worst.max(weights[k * m + j] * gap);
                    sum += gap;
                }
                *o = worst + rho * sum;
            }
        });
    Ok(out)
}

/// Number of Das–Dennis weight vectors: C(partitions + m - 1, m - 1), saturating above
/// `MAX_WEIGHT_VALUES` (the exact value is only needed below the limits).
///
/// Uses C(top, k) = C(top, top - k) with the smaller k, so the partial products
/// C(top, 1), C(top, 2), ..., C(top, k) increase monotonically and stopping early at the cap
/// never under-reports (with k = m - 1 > top / 2 they rise and fall again: `weights(64, 2)`
/// was once refused as 31,966,749,880 vectors; the true count is C(65, 2) = 2,080).
pub fn lattice_size(m: usize, partitions: usize) -> u128 {
    if m == 0 {
        return 0;
    }
    let top = partitions as u128 + m as u128 - 1;
    let k = (m as u128 - 1).min(partitions as u128);
    let cap = MAX_WEIGHT_VALUES + 1;
    let mut c: u128 = 1;
    for i in 0..k {
        // c = C(top, i) <= cap, so c * (top - i) fits in u128 for any usize inputs.
        c = c * (top - i) / (i + 1);
        if c >= cap {
            return cap;
        }
    }
    c
}

/// All weight vectors with entries in {0, 1/p, ..., 1} summing to 1, in lexicographically
/// decreasing order of the first entries. Row-major.
pub fn das_dennis(m: usize, partitions: usize) -> Result<Vec<f64>> {
    if m == 0 {
        return Err(CoreError::Input(
            "m (number of objectives) must be at least 1".into(),
        ));
    }
    if partitions == 0 {
        return Err(CoreError::Input("partitions must be at least 1".into()));
    }
    let size = lattice_size(m, partitions);
    if size > MAX_WEIGHTS || size * m as u128 > MAX_WEIGHT_VALUES {
        let shown = if size > MAX_WEIGHT_VALUES {
            format!("more than {MAX_WEIGHT_VALUES}")
        } else {
            size.to_string()
        };
        return Err(CoreError::Limit(format!(
            "weights({m}, {partitions}) would have {shown} vectors of {m} values, above the limit of {MAX_WEIGHTS} vectors and {MAX_WEIGHT_VALUES} values; use fewer partitions or weights_random"
        )));
    }
    let mut out = Vec::with_capacity(size as usize * m);
    let mut cur = vec![0usize; m];
    fn rec(j: usize, left: usize, m: usize, p: usize, cur: &mut Vec<usize>, out: &mut Vec<f64>) {
        if j == m - 1 {
            cur[j] = left;
            out.extend(cur.iter().map(|&c| c as f64 / p as f64));
            return;
        }
        for v in (0..=left).rev() {
            cur[j] = v;
            rec(j + 1, left - v, m, p, cur, out);
        }
    }
    rec(0, partitions, m, partitions, &mut cur, &mut out);
    Ok(out)
}

/// `n` Dirichlet(alpha, ..., alpha) weight vectors, row-major, reproducible from `seed`.
pub fn dirichlet(m: usize, n: usize, seed: u64, alpha: f64) -> Result<Vec<f64>> {
    if m == 0 {
        return Err(CoreError::Input(
            "m (number of objectives) must be at least 1".into(),
        ));
    }
    let gamma = Gamma::new(alpha, 1.0)
        .map_err(|_| CoreError::Input(format!("alpha must be finite and > 0, got {alpha}")))?;
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(CoreError::Input(format!(
            "alpha must be finite and > 0, got {alpha}"
        )));
    }
    let values = (n as u128) * (m as u128);
    if values > MAX_WEIGHT_VALUES {
        return Err(CoreError::Limit(format!(
            "weights_random({m}, {n}) would hold {values} values, above the limit of {MAX_WEIGHT_VALUES}; draw fewer vectors (n) or draw them in batches with different seeds"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * m);
    let mut row = vec![0.0; m];
    for _ in 0..n {
        let mut done = false;
        for _ in 0..DIRECT_TRIES {
            for v in &mut row {
                *v = gamma.sample(&mut rng);
            }
            let s: f64 = row.iter().sum();
            if s > 0.0 && s.is_finite() {
                out.extend(row.iter().map(|v| v / s));
                done = true;
                break;
            }
        }
        if !done {
            dirichlet_row_log(&mut rng, alpha, &mut row)?;
            out.extend_from_slice(&row);
        }
    }
    Ok(out)
}

/// One Dirichlet(alpha) row drawn in log space, for an `alpha` so small that the Gamma
/// variates underflow to 0: G = G1 * U^(1/alpha) with G1 ~ Gamma(alpha + 1) and U ~ U(0, 1]
/// (Marsaglia & Tsang, 2000, section 6), so `alpha * ln G = alpha * ln G1 + ln U`, and the
/// normalised row is `exp((t_i - max t) / alpha)` divided by its sum: finite for any alpha > 0
/// (as alpha -> 0 it tends to the one-hot vector of the largest t_i).
fn dirichlet_row_log(rng: &mut ChaCha8Rng, alpha: f64, row: &mut [f64]) -> Result<()> {
    let g1 = Gamma::new(alpha + 1.0, 1.0)
        .map_err(|_| CoreError::Input(format!("alpha must be finite and > 0, got {alpha}")))?;
    for v in row.iter_mut() {
        let u = 1.0 - rng.random::<f64>(); // (0, 1]
        let x: f64 = g1.sample(rng);
        *v = alpha * x.max(f64::MIN_POSITIVE).ln() + u.ln();
    }
    let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    for v in row.iter_mut() {
        *v = ((*v - top) / alpha).exp();
    }
    let s: f64 = row.iter().sum(); // >= 1: the largest entry is exp(0)
    for v in row.iter_mut() {
        *v /= s;
    }
    Ok(())
}

#[cfg(test)]
mod size_tests {
    use super::*;

    fn binom(n: u128, k: u128) -> u128 {
        (0..k).fold(1u128, |c, i| c * (n - i) / (i + 1))
    }

    #[test]
    fn lattice_size_is_exact_when_m_exceeds_partitions() {
        assert_eq!(lattice_size(64, 2), 2080);
        assert_eq!(das_dennis(64, 2).unwrap().len(), 2080 * 64);
        for m in 1..40usize {
            for p in 1..12usize {
                let want = binom((p + m - 1) as u128, (m - 1) as u128).min(MAX_WEIGHT_VALUES + 1);
                assert_eq!(lattice_size(m, p), want, "m={m} p={p}");
            }
        }
        assert_eq!(lattice_size(usize::MAX, usize::MAX), MAX_WEIGHT_VALUES + 1);
    }

    #[test]
    fn huge_sizes_are_limit_errors() {
        assert!(matches!(
            das_dennis(usize::MAX, 1),
            Err(CoreError::Limit(_))
        ));
        assert!(matches!(
            das_dennis(10_000_000, 1),
            Err(CoreError::Limit(_))
        ));
        assert!(matches!(
            dirichlet(3, 1_000_000_000_000, 0, 1.0),
            Err(CoreError::Limit(_))
        ));
        assert!(matches!(
            dirichlet(usize::MAX, usize::MAX, 0, 1.0),
            Err(CoreError::Limit(_))
        ));
    }

    #[test]
    fn tiny_alpha_terminates_with_simplex_rows() {
        for alpha in [1e-30, 1e-300, 5e-324, 1e-3] {
            let w = dirichlet(4, 50, 7, alpha).unwrap();
            for row in w.chunks_exact(4) {
                let s: f64 = row.iter().sum();
                assert!((s - 1.0).abs() < 1e-12, "alpha={alpha}: {row:?}");
                assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
        }
        // the usual alphas keep their exact stream (no fallback happens)
        assert_eq!(
            dirichlet(3, 5, 1, 1.0).unwrap(),
            dirichlet(3, 5, 1, 1.0).unwrap()
        );
    }
}
