//! Quality indicators between an approximation set A and a reference set R (minimization
//! space after flipping maximized objectives).
//!
//! - additive epsilon: `max_r min_a max_j (a_j - r_j)`; multiplicative: `max_r min_a max_j a_j / r_j`
//!   (Zitzler, Thiele, Laumanns, Fonseca & da Fonseca, 2003, IEEE TEC 7(2));
//! - IGD: mean over r of the Euclidean distance to the nearest a (Coello & Reyes Sierra, 2004);
//! - IGD+: the same with `d+(r, a) = sqrt(sum_j max(a_j - r_j, 0)^2)` (Ishibuchi, Masuda, Tanigaki
//!   & Nojima, 2015, EMO), weakly Pareto-compliant.

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView, NanPolicy};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    EpsilonAdditive,
    EpsilonMultiplicative,
    Igd,
    IgdPlus,
}

pub fn indicator(
    a: &MatrixView,
    r: &MatrixView,
    maximize: &[bool],
    which: Indicator,
) -> Result<f64> {
    let m = a.ncols();
    if r.ncols() != m {
        return Err(CoreError::Input(format!(
            "points have {m} objectives but the reference set has {}",
            r.ncols()
        )));
    }
    check_directions(maximize, m)?;
    if a.nrows() == 0 || r.nrows() == 0 {
        return Err(CoreError::Input(
            "both the points and the reference set need at least one row".into(),
        ));
    }
    if which == Indicator::EpsilonMultiplicative {
        for (name, v) in [("points", a), ("reference", r)] {
            for i in 0..v.nrows() {
                for j in 0..m {
                    if v.get(i, j).is_nan() || v.get(i, j) <= 0.0 {
                        return Err(CoreError::Input(format!(
                            "{name} row {i}, objective {j}: the multiplicative epsilon needs values > 0, got {}",
                            v.get(i, j)
                        )));
                    }
                }
            }
        }
    }
    let av = a.to_minimization(maximize, NanPolicy::Error)?;
    let rv = r.to_minimization(maximize, NanPolicy::Error)?;
    let per_ref: Vec<f64> = rv
        .par_chunks_exact(m)
        .map(|rr| {
            av.chunks_exact(m)
                .map(|aa| match which {
                    Indicator::EpsilonAdditive => aa
                        .iter()
                        .zip(rr)
                        .map(|(x, y)| x - y)
                        .fold(f64::NEG_INFINITY, f64::max),
                    // In minimization space maximized values are negated: compare magnitudes,
                    // a_j / r_j for minimized and r_j / a_j for maximized objectives.
                    Indicator::EpsilonMultiplicative => aa
                        .iter()
                        .zip(rr)
                        .zip(maximize)
                        .map(|((x, y), &mx)| if mx { y / x } else { x / y })
                        .fold(f64::NEG_INFINITY, f64::max),
                    Indicator::Igd => aa
                        .iter()
                        .zip(rr)
                        .map(|(x, y)| (x - y) * (x - y))
                        .sum::<f64>()
                        .sqrt(),
                    Indicator::IgdPlus => aa
                        .iter()
                        .zip(rr)
                        .map(|(x, y)| (x - y).max(0.0).powi(2))
                        .sum::<f64>()
                        .sqrt(),
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    Ok(match which {
        Indicator::EpsilonAdditive | Indicator::EpsilonMultiplicative => {
            per_ref.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        }
        Indicator::Igd | Indicator::IgdPlus => per_ref.iter().sum::<f64>() / per_ref.len() as f64,
    })
}
