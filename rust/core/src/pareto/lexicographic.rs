//! Lexicographic (hierarchical) selection: safety before helpfulness. Level by level, keep the
//! candidates within a tolerance of the best surviving candidate on that level's objective.

use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView};

/// `order`: objective indices from most to least important; `tolerances`: one per level,
/// absolute, or a fraction of |best| when `relative`.
pub fn lexicographic(
    view: &MatrixView,
    maximize: &[bool],
    order: &[usize],
    tolerances: &[f64],
    relative: bool,
) -> Result<Vec<bool>> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    if let Some(&j) = order.iter().find(|&&j| j >= m) {
        return Err(CoreError::Input(format!(
            "order names objective {j}, but there are only {m} (0..{})",
            m.saturating_sub(1)
        )));
    }
    if tolerances.len() != order.len() {
        return Err(CoreError::Input(format!(
            "tolerances has {} values for {} levels in order; pass one per level or a single number",
            tolerances.len(),
            order.len()
        )));
    }
    if let Some(k) = tolerances
        .iter()
        .position(|t| !(t.is_finite() && *t >= 0.0))
    {
        return Err(CoreError::Input(format!(
            "tolerance {} (level {k}) must be finite and >= 0",
            tolerances[k]
        )));
    }
    view.check_finite()?;
    let mut keep = vec![true; n];
    for (&j, &tol) in order.iter().zip(tolerances) {
        // Utility in the caller's direction: higher is better.
        let u = |i: usize| {
            if maximize[j] {
                view.get(i, j)
            } else {
                -view.get(i, j)
            }
        };
        let best = (0..n)
            .filter(|&i| keep[i])
            .map(u)
            .fold(f64::NEG_INFINITY, f64::max);
        let slack = if relative { tol * best.abs() } else { tol };
        for (i, k) in keep.iter_mut().enumerate() {
            if *k && u(i) < best - slack {
                *k = false;
            }
        }
    }
    Ok(keep)
}
