//! Statistics on preference data: Bradley–Terry strengths (MLE by Newton or MM, standard errors,
//! bootstrap intervals), Elo ratings, inter-rater agreement (Krippendorff's alpha, Fleiss' and
//! Cohen's kappa, percent agreement) and disagreement measures (entropy, Jensen–Shannon).
//!
//! Conventions shared by everything here:
//! - Items, units and raters are integer codes (`u32`, `0..n` for Bradley–Terry / Elo items),
//!   as the shared factorizer makes them.
//!   The binding layer maps string ids to codes.
//! - Bad input (unknown item, winner == loser, negative / non-finite weight or value, duplicate
//!   ratings, mismatched lengths) is a [`CoreError::Input`](crate::error::CoreError::Input) naming
//!   the row; sizes above stated bounds are [`CoreError::Limit`](crate::error::CoreError::Limit).
//! - Results never depend on the thread count: per-item / per-unit values are computed
//!   sequentially and summed in a fixed order; random replicates each get their own ChaCha8
//!   stream derived from the seed and the replicate index.

pub mod agreement;
pub mod bradley_terry;
pub mod disagreement;
pub mod elo;

pub use agreement::*;
pub use bradley_terry::*;
pub use disagreement::*;
pub use elo::*;

use std::fmt::Write;

use crate::codes::{each_block, Codes};
use crate::error::Result;
use crate::input_err;

/// Pairwise comparisons over items `0..n`, as parallel columns (one entry per comparison).
///
/// `winner[c]` beat `loser[c]` with weight `weight[c]` (default 1). When `tie[c]` is true the
/// comparison is a tie between the two items and the order of the two ids does not matter.
#[derive(Clone, Copy, Debug)]
pub struct Comparisons<'a> {
    pub winner: Codes<'a>,
    pub loser: Codes<'a>,
    pub weight: Option<&'a [f64]>,
    pub tie: Option<&'a [bool]>,
}

impl<'a> Comparisons<'a> {
    /// Unweighted comparisons without ties.
    pub fn new(winner: impl Into<Codes<'a>>, loser: impl Into<Codes<'a>>) -> Self {
        Self {
            winner: winner.into(),
            loser: loser.into(),
            weight: None,
            tie: None,
        }
    }

    pub fn len(&self) -> usize {
        self.winner.len()
    }

    pub fn is_empty(&self) -> bool {
        self.winner.is_empty()
    }

    #[inline]
    pub(crate) fn weight_of(&self, c: usize) -> f64 {
        self.weight.map_or(1.0, |w| w[c])
    }

    #[inline]
    pub(crate) fn is_tie(&self, c: usize) -> bool {
        self.tie.is_some_and(|t| t[c])
    }

    /// Checks lengths, ids in `0..n_items`, `winner != loser`, and weights finite and >= 0.
    pub fn validate(&self, n_items: usize) -> Result<()> {
        let m = self.winner.len();
        if self.loser.len() != m {
            return input_err!(
                "winner has {m} entries but loser has {}; pass one winner and one loser per comparison",
                self.loser.len()
            );
        }
        if let Some(w) = self.weight {
            if w.len() != m {
                return input_err!("weight has {} entries for {m} comparisons", w.len());
            }
            if let Some(c) = w.iter().position(|x| !x.is_finite() || *x < 0.0) {
                return input_err!(
                    "comparison {c} has weight {}; weights must be finite and non-negative",
                    w[c]
                );
            }
        }
        if let Some(t) = self.tie {
            if t.len() != m {
                return input_err!("tie has {} entries for {m} comparisons", t.len());
            }
        }
        let n = n_items as u64;
        // branch-free scan in blocks (it vectorizes); the first bad row is looked up only when
        // there is one
        let top = u32::try_from(n_items).unwrap_or(u32::MAX);
        let all_ids = n_items > u32::MAX as usize;
        let mut any_bad = false;
        each_block([self.winner, self.loser], 0..m, |_, [w, l]| {
            any_bad |= w.chunks(4096).zip(l.chunks(4096)).any(|(w, l)| {
                w.iter().zip(l).fold(0u32, |acc, (&w, &l)| {
                    acc | u32::from((w >= top || l >= top) && !all_ids) | u32::from(w == l)
                }) != 0
            });
        });
        if !any_bad {
            return Ok(());
        }
        for c in 0..m {
            let (w, l) = (self.winner.get(c), self.loser.get(c));
            for (id, col) in [(w, "winner"), (l, "loser")] {
                if u64::from(id) >= n {
                    return input_err!(
                        "comparison {c}: {col} id {id} is outside the items 0..{n_items}"
                    );
                }
            }
            if w == l {
                return input_err!(
                    "comparison {c} compares item {w} with itself; drop rows where chosen == rejected"
                );
            }
        }
        Ok(())
    }
}

/// `{3, 7, 9}` with at most `max` ids listed.
pub(crate) fn fmt_set(items: &[usize], max: usize) -> String {
    let mut s = String::from("{");
    for (k, i) in items.iter().take(max).enumerate() {
        if k > 0 {
            s.push_str(", ");
        }
        s.push_str(&i.to_string());
    }
    if items.len() > max {
        let _ = write!(s, ", ... ({} items)", items.len());
    }
    s.push('}');
    s
}

/// Quantile of sorted data, linear interpolation between order statistics (numpy's default,
/// Hyndman–Fan type 7).
pub(crate) fn quantile_sorted(x: &[f64], q: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// Dot product with four accumulators (vectorizes; same order for a given length, so it is
/// deterministic).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f64; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        s[0] += x[0] * y[0];
        s[1] += x[1] * y[1];
        s[2] += x[2] * y[2];
        s[3] += x[3] * y[3];
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        t += x * y;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_helpers() {
        assert_eq!(fmt_set(&[3, 7], 10), "{3, 7}");
        assert_eq!(fmt_set(&[1, 2, 3], 2), "{1, 2, ... (3 items)}");
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.0), 1.0);
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 1.0), 4.0);
        let a: Vec<f64> = (0..11).map(|i| i as f64).collect();
        assert_eq!(dot(&a, &a), 385.0);
    }

    #[test]
    fn stats_comparisons_validate() {
        let w = [0u32, 1];
        let l = [1u32, 1];
        let e = Comparisons::new(&w, &l).validate(2).unwrap_err();
        assert!(e.to_string().contains("comparison 1"), "{e}");
        let l = [1u32, 5];
        let e = Comparisons::new(&w, &l).validate(2).unwrap_err();
        assert!(e.to_string().contains("loser id 5"), "{e}");
        let l = [1u32];
        assert!(Comparisons::new(&w, &l).validate(2).is_err());
        let l = [1u32, 0];
        let wt = [1.0, f64::NAN];
        let c = Comparisons {
            weight: Some(&wt),
            ..Comparisons::new(&w, &l)
        };
        assert!(c
            .validate(2)
            .unwrap_err()
            .to_string()
            .contains("weight NaN"));
    }
}

/// Timings at the sizes of the speed targets (`cargo test --release -p pluralign-core
/// stats::perf -- --ignored --nocapture`).
#[cfg(test)]
mod perf {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::time::Instant;

    #[test]
    #[ignore = "slow (timing or large input): cargo test -- --ignored"]
    fn stats_perf_bt_1e6_comparisons_1000_items() {
        let (n, m) = (1000usize, 1_000_000usize);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let theta: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect();
        let (mut w, mut l) = (Vec::with_capacity(m), Vec::with_capacity(m));
        for _ in 0..m {
            let a = rng.random_range(0..n);
            let mut b = rng.random_range(0..n - 1);
            if b >= a {
                b += 1;
            }
            let p = 1.0 / (1.0 + (theta[b] - theta[a]).exp());
            if rng.random::<f64>() < p {
                w.push(a as u32);
                l.push(b as u32);
            } else {
                w.push(b as u32);
                l.push(a as u32);
            }
        }
        let c = Comparisons::new(&w, &l);
        for method in [BtMethod::Newton, BtMethod::MM] {
            let o = BtOptions {
                method,
                tol: 1e-8,
                threads: Some(2),
                ..Default::default()
            };
            let t = Instant::now();
            let r = bradley_terry(n, &c, &o).unwrap();
            eprintln!(
                "bt {method:?}: {:.3}s, {} iterations, converged {}",
                t.elapsed().as_secs_f64(),
                r.fit.iterations,
                r.fit.converged
            );
        }
        let t = Instant::now();
        let pc = PairCounts::new(n, &c, Ties::Half).unwrap();
        eprintln!(
            "aggregate: {:.3}s ({} pairs)",
            t.elapsed().as_secs_f64(),
            pc.n_pairs()
        );
        let o = BtOptions {
            threads: Some(2),
            ..Default::default()
        };
        let f = fit(&pc, &o).unwrap();
        let t = Instant::now();
        standard_errors(&pc, &f.strengths, 0.0, Some(2)).unwrap();
        eprintln!("standard errors: {:.3}s", t.elapsed().as_secs_f64());
        let t = Instant::now();
        bootstrap(
            &pc,
            &c,
            &f.strengths,
            &o,
            &BootstrapOptions {
                replicates: 20,
                level: 0.95,
                seed: 0,
            },
        )
        .unwrap();
        eprintln!("bootstrap x20: {:.3}s", t.elapsed().as_secs_f64());
    }

    #[test]
    #[ignore = "slow (timing or large input): cargo test -- --ignored"]
    fn stats_perf_krippendorff_1000_raters_100k_units() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
        for unit in 0..100_000u32 {
            for rater in 0..1000u32 {
                if rng.random::<f64>() < 0.05 {
                    u.push(unit);
                    r.push(rater);
                    v.push(rng.random_range(1..6) as f64);
                }
            }
        }
        let rt = Ratings {
            unit: (&u).into(),
            rater: (&r).into(),
            value: &v,
        };
        for metric in [
            Metric::Interval,
            Metric::Nominal,
            Metric::Ordinal,
            Metric::Ratio,
        ] {
            let t = Instant::now();
            let a = krippendorff_alpha(&rt, metric, Some(2)).unwrap();
            eprintln!(
                "alpha {metric:?} ({} ratings): {:.3}s = {}",
                u.len(),
                t.elapsed().as_secs_f64(),
                a.alpha
            );
        }
    }
}
