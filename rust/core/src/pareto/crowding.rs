//! NSGA-II crowding distance (Deb, Pratap, Agarwal & Meyarivan, 2002, "A fast and elitist
//! multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), section III-B), computed inside
//! each front. Ties in an objective are ordered by row index, so results are deterministic.

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::matrix::MatrixView;

/// Crowding distance of every row; `ranks[i]` is row i's front.
pub fn crowding_distance(view: &MatrixView, ranks: &[u32]) -> Result<Vec<f64>> {
    let (n, m) = (view.nrows(), view.ncols());
    if ranks.len() != n {
        return Err(CoreError::Input(format!(
            "ranks has {} entries but the points have {n} rows",
            ranks.len()
        )));
    }
    view.check_finite()?;
    let n_fronts = ranks.iter().max().map_or(0, |&r| r as usize + 1);
    // Rows of each front, by counting sort.
    let mut start = vec![0usize; n_fronts + 1];
    for &r in ranks {
        start[r as usize + 1] += 1;
    }
    for f in 0..n_fronts {
        start[f + 1] += start[f];
    }
    let mut fill = start.clone();
    let mut members = vec![0u32; n];
    for (i, &r) in ranks.iter().enumerate() {
        members[fill[r as usize]] = i as u32;
        fill[r as usize] += 1;
    }
    let per_front: Vec<Vec<(u32, f64)>> = (0..n_fronts)
        .into_par_iter()
        .map(|f| {
            let rows = &members[start[f]..start[f + 1]];
            let k = rows.len();
            let mut dist = vec![0.0f64; k];
            if k <= 2 {
                dist.fill(f64::INFINITY);
            } else {
                let mut order: Vec<usize> = (0..k).collect();
                for j in 0..m {
                    let val = |a: usize| view.get(rows[a] as usize, j);
                    order.sort_by(|&a, &b| val(a).total_cmp(&val(b)).then(rows[a].cmp(&rows[b])));
                    let (lo, hi) = (val(order[0]), val(order[k - 1]));
                    let range = hi - lo;
                    // An objective that is constant on the front says nothing about crowding.
                    if range > 0.0 {
                        dist[order[0]] = f64::INFINITY;
                        dist[order[k - 1]] = f64::INFINITY;
                        for w in 1..k - 1 {
                            dist[order[w]] += (val(order[w + 1]) - val(order[w - 1])) / range;
                        }
                    }
                }
            }
            rows.iter().copied().zip(dist).collect()
        })
        .collect();
    let mut out = vec![0.0; n];
    for front in per_front {
        for (i, d) in front {
            out[i as usize] = d;
        }
    }
    Ok(out)
}
