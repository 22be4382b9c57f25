//! Lloyd's k-means with the semantics of the Polis math (`clusters.clj`):
//!
//! - initial centers are the first `k` *distinct* rows in row order ([`first_distinct`]);
//! - each point goes to the nearest center, ties to the *last* such center (Clojure's
//!   `min-key` keeps the last of equal minima);
//! - a center's update is the (weighted) mean of its points; a center that gets no point is
//!   dropped, so fewer than `k` clusters can come back;
//! - iteration stops after `max_iter` updates, or when the lexicographically sorted centers
//!   each moved less than `tol` (Polis: 0.01), comparing as many pairs as both lists have.
//!
//! Points are `n x d` row-major (d = 2 in Polis). The assignment runs in fixed-size chunks in
//! parallel; partial sums are added in chunk order, so results do not depend on the threads.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::{CoreError, Result};

/// Result of [`lloyd`]: the label of each point (index into `centers`), the surviving centers
/// (`k' x d`, row-major) and, per surviving center, its index among the initial centers.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    pub labels: Vec<u32>,
    pub centers: Vec<f64>,
    pub origin: Vec<u32>,
    pub iterations: usize,
}

const CHUNK: usize = 8192;

/// Row indices of the first `k` distinct rows (exact equality of the f64 bit patterns, with
/// -0.0 and 0.0 taken as equal), in row order.
pub fn first_distinct(points: &[f64], d: usize, k: usize) -> Result<Vec<u32>> {
    check_shape(points, d)?;
    let n = points.len() / d;
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    let mut out = Vec::with_capacity(k.min(n));
    for i in 0..n {
        if out.len() >= k {
            break;
        }
        let key: Vec<u64> = points[i * d..(i + 1) * d]
            .iter()
            .map(|v| (if *v == 0.0 { 0.0 } else { *v }).to_bits())
            .collect();
        if seen.insert(key) {
            out.push(i as u32);
        }
    }
    Ok(out)
}

fn check_shape(points: &[f64], d: usize) -> Result<()> {
    if d == 0 {
        return Err(CoreError::Input("points need at least one column".into()));
    }
    if !points.len().is_multiple_of(d) {
        return Err(CoreError::Input(format!(
            "points have {} values, not a multiple of {d} columns",
            points.len()
        )));
    }
    if points.len() / d > u32::MAX as usize {
        return Err(CoreError::Limit(format!(
            "k-means takes at most {} points, got {}",
            u32::MAX,
            points.len() / d
        )));
    }
    if let Some(i) = points.iter().position(|v| !v.is_finite()) {
        return Err(CoreError::Input(format!(
            "point {} has a non-finite coordinate {}",
            i / d,
            points[i]
        )));
    }
    Ok(())
}

/// Nearest center of `p` (squared Euclidean distance), ties to the last center.
#[inline]
fn nearest(p: &[f64], centers: &[f64], d: usize) -> usize {
    let mut best = 0usize;
    let mut best_d = f64::INFINITY;
    for (j, c) in centers.chunks_exact(d).enumerate() {
        let mut s = 0.0;
        for t in 0..d {
            let diff = p[t] - c[t];
            s += diff * diff;
        }
        if s <= best_d {
            best_d = s;
            best = j;
        }
    }
    best
}

/// Assign every point and accumulate per-center weight and weighted coordinate sums.
fn assign(
    points: &[f64],
    weights: Option<&[f64]>,
    centers: &[f64],
    d: usize,
    labels: &mut [u32],
) -> (Vec<f64>, Vec<f64>) {
    let k = centers.len() / d;
    let parts: Vec<(Vec<f64>, Vec<f64>)> = labels
        .par_chunks_mut(CHUNK)
        .enumerate()
        .map(|(ci, lab)| {
            let mut wsum = vec![0.0; k];
            let mut sums = vec![0.0; k * d];
            let lo = ci * CHUNK;
            for (o, l) in lab.iter_mut().enumerate() {
                let i = lo + o;
                let p = &points[i * d..(i + 1) * d];
                let j = nearest(p, centers, d);
                *l = j as u32;
                let w = weights.map_or(1.0, |w| w[i]);
                wsum[j] += w;
                for t in 0..d {
                    sums[j * d + t] += w * p[t];
                }
            }
            (wsum, sums)
        })
        .collect();
    let mut wsum = vec![0.0; k];
    let mut sums = vec![0.0; k * d];
    for (w, s) in parts {
        for j in 0..k {
            wsum[j] += w[j];
        }
        for (a, b) in sums.iter_mut().zip(s) {
            *a += b;
        }
    }
    (wsum, sums)
}

fn sorted_rows(c: &[f64], d: usize) -> Vec<&[f64]> {
    let mut rows: Vec<&[f64]> = c.chunks_exact(d).collect();
    rows.sort_by(|a, b| {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    rows
}

/// Lloyd's k-means from `init` (`k x d`) with the Polis semantics above. `weights` (one per
/// point, finite, >= 0) weight only the center update. A center whose points weigh 0 in all
/// is dropped, or with `drop_empty = false` kept where it was.
pub fn lloyd(
    points: &[f64],
    d: usize,
    weights: Option<&[f64]>,
    init: &[f64],
    max_iter: usize,
    tol: f64,
    drop_empty: bool,
) -> Result<KMeans> {
    check_shape(points, d)?;
    check_shape(init, d)?;
    let n = points.len() / d;
    if init.is_empty() {
        return Err(CoreError::Input(
            "k-means needs at least one initial center".into(),
        ));
    }
    if let Some(w) = weights {
        if w.len() != n {
            return Err(CoreError::Input(format!(
                "weights have length {}, points {n}",
                w.len()
            )));
        }
        if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
            return Err(CoreError::Input(format!(
                "weight {i} is {}; weights must be finite and >= 0",
                w[i]
            )));
        }
    }
    if tol.is_nan() || tol < 0.0 {
        return Err(CoreError::Input(format!("tol must be >= 0, got {tol}")));
    }
    let mut centers = init.to_vec();
    let mut origin: Vec<u32> = (0..(init.len() / d) as u32).collect();
    let mut labels = vec![0u32; n];
    let mut iterations = 0;
    if n == 0 {
        return Ok(KMeans {
            labels,
            centers,
            origin,
            iterations,
        });
    }
    loop {
        let (wsum, sums) = assign(points, weights, &centers, d, &mut labels);
        let k = centers.len() / d;
        let mut new_centers = Vec::with_capacity(centers.len());
        let mut new_origin = Vec::with_capacity(k);
        for j in 0..k {
            if wsum[j] > 0.0 {
                new_centers.extend((0..d).map(|t| sums[j * d + t] / wsum[j]));
                new_origin.push(origin[j]);
            } else if !drop_empty {
                new_centers.extend_from_slice(&centers[j * d..(j + 1) * d]);
                new_origin.push(origin[j]);
            }
        }
        iterations += 1;
        let a = sorted_rows(&centers, d);
        let b = sorted_rows(&new_centers, d);
        let same = a.iter().zip(b.iter()).all(|(x, y)| {
            let s: f64 = x.iter().zip(y.iter()).map(|(p, q)| (p - q) * (p - q)).sum();
            s.sqrt() < tol
        });
        centers = new_centers;
        origin = new_origin;
        if same || iterations > max_iter {
            break;
        }
    }
    // labels consistent with the returned centers
    assign(points, weights, &centers, d, &mut labels);
    Ok(KMeans {
        labels,
        centers,
        origin,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_distinct_keeps_row_order() {
        let p = [1.0, 1.0, 1.0, 1.0, 0.0, 2.0, -0.0, 2.0, 3.0, 3.0];
        assert_eq!(first_distinct(&p, 2, 3).unwrap(), vec![0, 2, 4]);
        assert_eq!(first_distinct(&p, 2, 10).unwrap(), vec![0, 2, 4]);
    }

    #[test]
    fn two_obvious_clusters_hand_checked() {
        // points at 0, 1 (left) and 10, 11 (right) on a line; start from 0 and 1
        let p = [0.0, 1.0, 10.0, 11.0];
        let r = lloyd(&p, 1, None, &[0.0, 1.0], 100, 1e-9, true).unwrap();
        // step 1: {0} and {1, 10, 11} -> centers 0, 22/3; step 2: {0, 1}, {10, 11} -> 0.5, 10.5
        assert_eq!(r.centers, vec![0.5, 10.5]);
        assert_eq!(r.labels, vec![0, 0, 1, 1]);
    }

    #[test]
    fn weights_move_only_the_centers() {
        let p = [0.0, 1.0, 10.0];
        let w = [1.0, 3.0, 1.0];
        let r = lloyd(&p, 1, Some(&w), &[0.0, 10.0], 100, 1e-12, true).unwrap();
        assert_eq!(r.labels, vec![0, 0, 1]);
        assert_eq!(r.centers, vec![0.75, 10.0]);
    }

    #[test]
    fn empty_cluster_is_dropped_or_kept() {
        let p = [0.0, 1.0];
        let r = lloyd(&p, 1, None, &[0.0, 1.0, 100.0], 10, 1e-12, true).unwrap();
        assert_eq!(r.centers, vec![0.0, 1.0]);
        assert_eq!(r.origin, vec![0, 1]);
        let r = lloyd(&p, 1, None, &[0.0, 1.0, 100.0], 10, 1e-12, false).unwrap();
        assert_eq!(r.centers, vec![0.0, 1.0, 100.0]);
    }

    #[test]
    fn ties_go_to_the_last_center() {
        let p = [5.0];
        let r = lloyd(&p, 1, None, &[0.0, 10.0], 0, 1e-12, false).unwrap();
        assert_eq!(r.labels, vec![1]);
    }

    #[test]
    fn same_result_for_one_and_two_threads() {
        let n = 50_000;
        let p: Vec<f64> = (0..2 * n)
            .map(|i| ((i * 7919) % 1000) as f64 / 37.0)
            .collect();
        let init: Vec<f64> = p[..20].to_vec();
        let a =
            crate::parallel::with_threads(Some(1), || lloyd(&p, 2, None, &init, 50, 0.01, true));
        let b =
            crate::parallel::with_threads(Some(2), || lloyd(&p, 2, None, &init, 50, 0.01, true));
        assert_eq!(a.unwrap().unwrap(), b.unwrap().unwrap());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(lloyd(&[f64::NAN], 1, None, &[0.0], 1, 0.1, true).is_err());
        assert!(lloyd(&[1.0, 2.0, 3.0], 2, None, &[0.0, 0.0], 1, 0.1, true).is_err());
        assert!(lloyd(&[1.0], 1, Some(&[-1.0]), &[0.0], 1, 0.1, true).is_err());
        assert!(lloyd(&[1.0], 1, None, &[], 1, 0.1, true).is_err());
    }
}
