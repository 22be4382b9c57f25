//! Maximal lotteries (P. C. Fishburn 1984, "Probabilistic social choice based on simple voting
//! comparisons", Rev. Econ. Studies 51; F. Brandl, F. Brandt, H. G. Seedig 2016, "Consistent
//! probabilistic social choice", Econometrica 84): a lottery `p` over candidates is maximal iff
//! `sum_i p_i M[i][j] >= 0` for every candidate `j`, where `M` is the margin matrix; these are the
//! optimal strategies of the symmetric zero-sum game with payoff `M` (value 0).
//!
//! Solved by a dense primal simplex with Bland's rule (no cycling) on the positively shifted
//! game: with `A = M / s + 2` (`s` = the largest |margin|, so `A >= 1`), the LP
//! `max sum y  s.t.  A y <= 1, y >= 0` starts feasible at `y = 0`; its optimum normalized is an
//! optimal column strategy `q` of `A` (value 2), i.e. `M q <= 0`, and by skew-symmetry
//! `q^T M >= 0`: a maximal lottery. The answer is checked against the definition before it is
//! returned.

use super::{Pairwise, RuleResult};
use crate::error::{CoreError, Result};

/// Which payoff the lottery game uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LotteryPayoff {
    /// The weighted margins (Fishburn's maximal lotteries, `pref_voting.maximal_lotteries`).
    Margins,
    /// The sign of the margins (+1 / 0 / −1): "C1" maximal lotteries, whose support is the
    /// bipartisan set (Laffond, Laslier & Le Breton 1993, Games Econ. Behav. 5).
    Majority,
}

/// A maximal lottery. `scores` are the probabilities (summing to 1), `winners` the candidates with
/// positive probability, no ranking. When several maximal lotteries exist (possible only with
/// pairwise ties, e.g. an even number of voters) the simplex's one is returned, deterministically.
pub fn maximal_lottery(pw: &Pairwise, payoff: LotteryPayoff) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let tol = pw.tol();
    let mut g = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            let v = pw.margin(a, b);
            let v = if v.abs() <= tol { 0.0 } else { v };
            g[a * m + b] = match payoff {
                LotteryPayoff::Margins => v,
                LotteryPayoff::Majority => v.signum() * (v != 0.0) as u8 as f64,
            };
        }
    }
    let p = solve_symmetric_game(m, &g)?;
    let winners = (0..m).filter(|&c| p[c] > 0.0).collect();
    Ok(RuleResult {
        winners,
        ranking: None,
        scores: p,
        tie_break: None,
    })
}

/// An optimal strategy `p` of the symmetric zero-sum game with skew-symmetric payoff `g`
/// (`p^T g >= 0`).
pub fn solve_symmetric_game(m: usize, g: &[f64]) -> Result<Vec<f64>> {
    let scale = g.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    if scale == 0.0 {
        return Ok(vec![1.0 / m as f64; m]);
    }
    // tableau rows: m constraints over 2m columns (y, slack) + rhs; objective row separate
    let w = 2 * m + 1;
    let mut t = vec![0.0f64; m * w];
    for i in 0..m {
        for j in 0..m {
            t[i * w + j] = g[i * m + j] / scale + 2.0;
        }
        t[i * w + m + i] = 1.0;
        t[i * w + 2 * m] = 1.0;
    }
    // reduced costs of maximizing sum y: c_j - z_j
    let mut obj = vec![0.0f64; 2 * m];
    obj[..m].iter_mut().for_each(|x| *x = 1.0);
    let mut basis: Vec<usize> = (m..2 * m).collect();
    let eps = 1e-12;
    let max_iter = 50 * m + 1000;
    let mut it = 0;
    loop {
        it += 1;
        if it > max_iter {
            return Err(CoreError::Limit(format!(
                "maximal lottery: simplex did not converge in {max_iter} pivots"
            )));
        }
        // Bland: smallest index with positive reduced cost
        let Some(e) = (0..2 * m).find(|&j| obj[j] > eps) else {
            break;
        };
        let mut leave: Option<(f64, usize)> = None;
        for i in 0..m {
            let a = t[i * w + e];
            if a > eps {
                let ratio = t[i * w + 2 * m] / a;
                leave = match leave {
                    None => Some((ratio, i)),
                    Some((r, li)) => {
                        if ratio < r - 1e-15 || ((ratio - r).abs() <= 1e-15 && basis[i] < basis[li])
                        {
                            Some((ratio, i))
                        } else {
                            Some((r, li))
                        }
                    }
                };
            }
        }
        let Some((_, r)) = leave else {
            return Err(CoreError::Input(
                "maximal lottery: the game LP is unbounded (internal error)".into(),
            ));
        };
        let piv = t[r * w + e];
        for x in &mut t[r * w..(r + 1) * w] {
            *x /= piv;
        }
        let prow: Vec<f64> = t[r * w..(r + 1) * w].to_vec();
        for i in 0..m {
            if i != r {
                let f = t[i * w + e];
                if f != 0.0 {
                    for (x, &pv) in t[i * w..(i + 1) * w].iter_mut().zip(&prow) {
                        *x -= f * pv;
                    }
                }
            }
        }
        let f = obj[e];
        for (x, &pv) in obj.iter_mut().zip(&prow[..2 * m]) {
            *x -= f * pv;
        }
        basis[r] = e;
    }
    let mut y = vec![0.0; m];
    for (i, &b) in basis.iter().enumerate() {
        if b < m {
            y[b] = t[i * w + 2 * m].max(0.0);
        }
    }
    let s: f64 = y.iter().sum();
    if s <= 0.0 {
        return Err(CoreError::Input(
            "maximal lottery: degenerate solution (internal error)".into(),
        ));
    }
    let mut p: Vec<f64> = y.iter().map(|v| v / s).collect();
    for v in &mut p {
        if *v < 1e-12 {
            *v = 0.0;
        }
    }
    let s: f64 = p.iter().sum();
    for v in &mut *p {
        *v /= s;
    }
    // verify the definition
    for j in 0..m {
        let v: f64 = (0..m).map(|i| p[i] * g[i * m + j]).sum();
        if v < -1e-7 * scale {
            return Err(CoreError::Input(format!(
                "maximal lottery: verification failed at candidate {j} ({v}); please report"
            )));
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::super::profile::tests::strict;
    use super::*;

    #[test]
    fn condorcet_winner_gets_everything() {
        let p = strict(3, &[(3, &[0, 1, 2]), (2, &[1, 2, 0])]);
        let r = maximal_lottery(p.pairwise().unwrap(), LotteryPayoff::Margins).unwrap();
        assert_eq!(r.winners, vec![0]);
        assert!((r.scores[0] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn cycle_with_unequal_margins() {
        // 5 a>b>c, 4 b>c>a, 3 c>a>b: margins a>b 4, b>c 6, c>a 2; p ∝ (m_bc, m_ca, m_ab) = (6, 2, 4)
        let p = strict(3, &[(5, &[0, 1, 2]), (4, &[1, 2, 0]), (3, &[2, 0, 1])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(
            (pw.margin(0, 1), pw.margin(1, 2), pw.margin(2, 0)),
            (4.0, 6.0, 2.0)
        );
        let r = maximal_lottery(pw, LotteryPayoff::Margins).unwrap();
        let expect = [0.5, 1.0 / 6.0, 1.0 / 3.0];
        for (s, e) in r.scores.iter().zip(expect) {
            assert!((s - e).abs() < 1e-9, "{:?}", r.scores);
        }
        assert_eq!(r.winners, vec![0, 1, 2]);
        let r = maximal_lottery(pw, LotteryPayoff::Majority).unwrap();
        for c in 0..3 {
            assert!((r.scores[c] - 1.0 / 3.0).abs() < 1e-9);
        }
    }

    #[test]
    fn random_games_satisfy_definition() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..300 {
            let m = rng.random_range(1..9);
            let mut g = vec![0.0; m * m];
            for a in 0..m {
                for b in a + 1..m {
                    let v = rng.random_range(-3..=3) as f64;
                    g[a * m + b] = v;
                    g[b * m + a] = -v;
                }
            }
            let p = solve_symmetric_game(m, &g).unwrap();
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            for j in 0..m {
                let v: f64 = (0..m).map(|i| p[i] * g[i * m + j]).sum();
                assert!(v > -1e-9);
            }
        }
    }
}
