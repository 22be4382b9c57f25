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

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView};

/// Most weight vectors a lattice may have.
pub const MAX_WEIGHTS: u128 = 10_000_000;

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

/// Number of Das–Dennis weight vectors: C(partitions + m - 1, m - 1).
fn lattice_size(m: usize, partitions: usize) -> u128 {
    let (top, k) = ((partitions + m - 1) as u128, (m - 1) as u128);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (top - i) / (i + 1);
        if c > MAX_WEIGHTS * 1000 {
            break;
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
    if size > MAX_WEIGHTS {
        return Err(CoreError::Limit(format!(
            "weights({m}, {partitions}) would have {size} vectors, above the limit of {MAX_WEIGHTS}; use fewer partitions or weights_random"
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
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * m);
    let mut row = vec![0.0; m];
    for _ in 0..n {
        loop {
            for v in row.iter_mut() {
                *v = gamma.sample(&mut rng);
            }
            let s: f64 = row.iter().sum();
            if s > 0.0 {
                out.extend(row.iter().map(|v| v / s));
                break;
            }
        }
    }
    Ok(out)
}
