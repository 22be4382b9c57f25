//! Disagreement measures on label distributions (natural logarithms throughout).
//!
//! - [`entropy`]: Shannon entropy `-sum p log p` of a distribution given by non-negative weights
//!   (normalized here; zero weights contribute 0).
//! - [`entropy_segments`]: the same for many distributions stored back to back (CSR offsets),
//!   one per item, in parallel.
//! - [`js_divergence`]: Jensen–Shannon divergence `H(m) - (H(p) + H(q)) / 2` with `m = (p + q) / 2`
//!   between two distributions over the same categories; in `[0, ln 2]`.

use rayon::prelude::*;

use crate::error::Result;
use crate::input_err;
use crate::offsets::Offsets;
use crate::parallel::with_threads;

fn check_weights(w: &[f64], what: &str) -> Result<f64> {
    if let Some(i) = w.iter().position(|x| !x.is_finite() || *x < 0.0) {
        return input_err!(
            "{what}: weight {i} is {}; weights must be finite and >= 0",
            w[i]
        );
    }
    let s: f64 = w.iter().sum();
    if s.is_nan() || s <= 0.0 {
        return input_err!("{what}: the weights sum to 0, so the distribution is undefined");
    }
    Ok(s)
}

fn h(w: &[f64], s: f64) -> f64 {
    let mut e = 0.0;
    for &x in w {
        if x > 0.0 {
            let p = x / s;
            e -= p * p.ln();
        }
    }
    e.max(0.0)
}

/// Shannon entropy (nats) of the distribution proportional to `weights`.
pub fn entropy(weights: &[f64]) -> Result<f64> {
    let s = check_weights(weights, "entropy")?;
    Ok(h(weights, s))
}

/// Entropy of each segment `weights[offsets[i]..offsets[i + 1]]`.
pub fn entropy_segments(
    offsets: &[usize],
    weights: &[f64],
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    Offsets::covering(offsets, weights.len(), "offsets")?;
    let out: Vec<Result<f64>> = with_threads(threads, || {
        (0..offsets.len() - 1)
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let w = &weights[offsets[i]..offsets[i + 1]];
                let s = check_weights(w, &format!("segment {i}"))?;
                Ok(h(w, s))
            })
            .collect()
    })?;
    out.into_iter().collect()
}

/// Jensen–Shannon divergence (nats) between the distributions proportional to `p` and `q`.
pub fn js_divergence(p: &[f64], q: &[f64]) -> Result<f64> {
    if p.len() != q.len() {
        return input_err!(
            "the two distributions have {} and {} categories; align them on the same categories",
            p.len(),
            q.len()
        );
    }
    let sp = check_weights(p, "first distribution")?;
    let sq = check_weights(q, "second distribution")?;
    let mut js = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = 0.5 * (a + b);
        if a > 0.0 {
            js += 0.5 * a * (a / m).ln();
        }
        if b > 0.0 {
            js += 0.5 * b * (b / m).ln();
        }
    }
    Ok(js.clamp(0.0, std::f64::consts::LN_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_disagreement() {
        assert!((entropy(&[1.0, 1.0]).unwrap() - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(entropy(&[5.0, 0.0]).unwrap(), 0.0);
        assert!((entropy(&[1.0, 1.0, 1.0, 1.0]).unwrap() - 4f64.ln()).abs() < 1e-15);
        assert!(entropy(&[0.0, 0.0]).is_err());
        assert!(entropy(&[-1.0, 2.0]).is_err());
        let e = entropy_segments(&[0, 2, 5], &[1.0, 1.0, 1.0, 1.0, 1.0], Some(2)).unwrap();
        assert!((e[0] - 2f64.ln()).abs() < 1e-15 && (e[1] - 3f64.ln()).abs() < 1e-15);
        assert!(entropy_segments(&[0, 3], &[1.0], None).is_err());
        // disjoint supports: ln 2; identical: 0
        assert!(
            (js_divergence(&[1.0, 0.0], &[0.0, 2.0]).unwrap() - std::f64::consts::LN_2).abs()
                < 1e-15
        );
        assert_eq!(js_divergence(&[1.0, 3.0], &[2.0, 6.0]).unwrap(), 0.0);
        // direct formula via entropies
        let (p, q) = ([0.2, 0.5, 0.3], [0.6, 0.1, 0.3]);
        let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
        let want = entropy(&m).unwrap() - f64::midpoint(entropy(&p).unwrap(), entropy(&q).unwrap());
        assert!((js_divergence(&p, &q).unwrap() - want).abs() < 1e-14);
        assert!(js_divergence(&p, &[1.0]).is_err());
    }
}
