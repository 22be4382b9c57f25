//! Kemeny–Young: the rankings that agree with the most weighted pairwise preferences.
//!
//! Definition (J. Kemeny 1959, "Mathematics without numbers", Daedalus 88; H. P. Young and
//! A. Levenglick 1978, SIAM J. Appl. Math. 35): the Kemeny score of a linear order `L` is
//! `sum over a above b in L of support(a, b)`, the weight of ballot-pairs it agrees with
//! (equivalently it minimizes the weighted Kendall-tau distance to the ballots; tied pairs in a
//! ballot count for neither order). The Kemeny winners are the top candidates of the optimal
//! orders. Exact solution by dynamic programming over subsets (Held–Karp style;
//! `O(2^m m^2)` time, `O(2^m)` memory).

use super::{invert, Pairwise, RuleResult, TieBreak};
use crate::error::{CoreError, Result};
use crate::input_err;

/// Largest candidate count for exact Kemeny (`2^20` subsets, 8 MiB of scores).
pub const KEMENY_EXACT_MAX_M: usize = 20;

/// How [`kemeny`] searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KemenyMethod {
    /// Exact dynamic programming over subsets; `m <= 20` ([`KEMENY_EXACT_MAX_M`]), else
    /// `CoreError::Limit`.
    Exact,
    /// Local search (insertion moves until no move improves) started from the Borda and the
    /// Copeland orders; any `m`, not guaranteed optimal.
    LocalSearch,
}

/// The Kemeny score (agreement) of a full ranking `order` (a permutation of `0..m`, best first).
pub fn kemeny_score(pw: &Pairwise, order: &[usize]) -> Result<f64> {
    let m = pw.num_candidates();
    let mut seen = vec![false; m];
    if order.len() != m {
        return input_err!(
            "a ranking for Kemeny must list all {m} candidates, got {}",
            order.len()
        );
    }
    for &c in order {
        if c >= m || seen[c] {
            return input_err!("ranking is not a permutation of 0..{m} (candidate {c})");
        }
        seen[c] = true;
    }
    let mut s = 0.0;
    for i in 0..m {
        for j in i + 1..m {
            s += pw.support(order[i], order[j]);
        }
    }
    Ok(s)
}

/// Kemeny–Young. Exact: winners are all candidates that top some optimal ranking; `ranking` is
/// the optimal ranking that is first when ties are broken by `tb` (each position takes the
/// earliest candidate in the tie-break order that keeps the ranking optimal; [`TieBreak::None`]
/// uses lexicographic order and reports it if several optimal rankings exist); `scores[c]` is the
/// best Kemeny score of a ranking with `c` on top. Local search: winners/ranking from the best
/// order found, `scores[c] = m - 1 - position`, and `tie_break` says it is a heuristic.
pub fn kemeny(pw: &Pairwise, method: KemenyMethod, tb: &TieBreak) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let pos = tb.positions_or_lex(m)?;
    match method {
        KemenyMethod::Exact => {
            if m > KEMENY_EXACT_MAX_M {
                return Err(CoreError::Limit(format!(
                    "exact Kemeny supports up to {KEMENY_EXACT_MAX_M} candidates (O(2^m m^2)), got {m}; pass method=local_search for a heuristic"
                )));
            }
            kemeny_exact(pw, &pos, tb)
        }
        KemenyMethod::LocalSearch => Ok(kemeny_local(pw)),
    }
}

fn kemeny_exact(pw: &Pairwise, pos: &[usize], tb: &TieBreak) -> Result<RuleResult> {
    let m = pw.num_candidates();
    let sup = pw.support_matrix();
    let n_sets = 1usize << m;
    let full = n_sets - 1;
    // f[S]: best agreement of an order of the set S (pairs inside S only)
    let mut f = vec![f64::NEG_INFINITY; n_sets];
    f[0] = 0.0;
    let mut acc = vec![0.0f64; m];
    for s in 0..n_sets {
        let fs = f[s];
        // acc[c] = sum_{a in S} support(a, c): the gain of putting c right below all of S
        acc.fill(0.0);
        let mut bits = s;
        while bits != 0 {
            let a = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            for (x, &v) in acc.iter_mut().zip(&sup[a * m..(a + 1) * m]) {
                *x += v;
            }
        }
        for (c, &g) in acc.iter().enumerate() {
            if s >> c & 1 == 0 {
                let t = s | 1 << c;
                let v = fs + g;
                if v > f[t] {
                    f[t] = v;
                }
            }
        }
    }
    let tol = pw.tol() * (m * m) as f64;
    let opt = f[full];
    // top(c, R): agreement of putting c on top of R, plus the best order of the rest
    let top_value = |c: usize, r: usize| -> f64 {
        let mut g = 0.0;
        let mut bits = r & !(1 << c);
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            g += sup[c * m + b];
        }
        g + f[r & !(1 << c)]
    };
    let scores: Vec<f64> = (0..m).map(|c| top_value(c, full)).collect();
    let winners: Vec<usize> = (0..m).filter(|&c| scores[c] >= opt - tol).collect();
    let mut ranking = Vec::with_capacity(m);
    let mut r = full;
    let mut several = false;
    while r != 0 {
        let fr = f[r];
        let mut ok: Vec<usize> = (0..m)
            .filter(|&c| r >> c & 1 == 1 && top_value(c, r) >= fr - tol)
            .collect();
        if ok.is_empty() {
            // cannot happen for exact DP values; fall back to the best candidate
            ok = (0..m).filter(|&c| r >> c & 1 == 1).collect();
        }
        if ok.len() > 1 {
            several = true;
        }
        let c = ok.iter().copied().min_by_key(|&c| pos[c]).unwrap_or(ok[0]);
        ranking.push(c);
        r &= !(1 << c);
    }
    // an explicit tie-break also decides the winner: the top of the ranking it selected
    let winners = if winners.len() > 1 && !matches!(tb, TieBreak::None) {
        vec![ranking[0]]
    } else {
        winners
    };
    let tie_break = if several {
        let how = if matches!(tb, TieBreak::None) {
            TieBreak::Lexicographic.describe()
        } else {
            tb.describe()
        };
        Some(format!(
            "several optimal rankings; the one returned breaks ties by {how}"
        ))
    } else {
        None
    };
    Ok(RuleResult {
        winners,
        ranking: Some(ranking.into_iter().map(|c| vec![c]).collect()),
        scores,
        tie_break,
    })
}

fn kemeny_local(pw: &Pairwise) -> RuleResult {
    let m = pw.num_candidates();
    let tol = pw.tol();
    let by = |key: &dyn Fn(usize) -> f64| {
        let mut o: Vec<usize> = (0..m).collect();
        o.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        o
    };
    let borda = by(&|c| (0..m).map(|b| pw.margin(c, b)).sum());
    let cope = by(&|c| {
        (0..m)
            .filter(|&b| b != c)
            .map(|b| {
                if pw.beats(c, b) {
                    1.0
                } else if pw.beats(b, c) {
                    0.0
                } else {
                    0.5
                }
            })
            .sum()
    });
    let mut best: Option<(f64, Vec<usize>)> = None;
    for start in [borda, cope] {
        let o = insertion_search(pw, start, tol);
        let s = score_of(pw, &o);
        if best.as_ref().is_none_or(|(bs, _)| s > *bs + tol) {
            best = Some((s, o));
        }
    }
    let order = best.map(|b| b.1).unwrap_or_default();
    let p = invert(&order);
    RuleResult {
        winners: order.first().map(|&c| vec![c]).unwrap_or_default(),
        ranking: Some(order.iter().map(|&c| vec![c]).collect()),
        scores: (0..m).map(|c| (m - 1 - p[c]) as f64).collect(),
        tie_break: Some(
            "heuristic (local search from Borda and Copeland orders): not guaranteed optimal"
                .into(),
        ),
    }
}

fn score_of(pw: &Pairwise, o: &[usize]) -> f64 {
    let mut s = 0.0;
    for i in 0..o.len() {
        for j in i + 1..o.len() {
            s += pw.support(o[i], o[j]);
        }
    }
    s
}

/// Move single candidates to better positions until no insertion improves the score.
fn insertion_search(pw: &Pairwise, mut o: Vec<usize>, tol: f64) -> Vec<usize> {
    let m = o.len();
    let mut improved = true;
    let mut guard = 0;
    while improved && guard < 10_000 {
        improved = false;
        guard += 1;
        for i in 0..m {
            let c = o[i];
            // moving c from i to j: gain sums margins against the candidates it passes
            let mut best = (0.0, i);
            let mut gain = 0.0;
            for j in (0..i).rev() {
                gain += pw.margin(c, o[j]);
                if gain > best.0 + tol {
                    best = (gain, j);
                }
            }
            gain = 0.0;
            for (j, &d) in o.iter().enumerate().skip(i + 1) {
                gain += pw.margin(d, c);
                if gain > best.0 + tol {
                    best = (gain, j);
                }
            }
            if best.1 != i {
                let c = o.remove(i);
                o.insert(best.1, c);
                improved = true;
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::super::profile::tests::strict;
    use super::super::Profile;
    use super::*;
    use rand::{Rng, SeedableRng};

    fn permutations(m: usize) -> Vec<Vec<usize>> {
        if m == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(m - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, m - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn tennessee() {
        let p = strict(
            4,
            &[
                (42, &[0, 1, 2, 3]),
                (26, &[1, 2, 3, 0]),
                (15, &[2, 3, 1, 0]),
                (17, &[3, 2, 1, 0]),
            ],
        );
        let r = kemeny(p.pairwise().unwrap(), KemenyMethod::Exact, &TieBreak::None).unwrap();
        assert_eq!(r.winners, vec![1]);
        assert_eq!(r.ranking.unwrap(), vec![vec![1], vec![2], vec![3], vec![0]]);
        assert!(r.tie_break.is_none());
    }

    #[test]
    fn brute_force_cross_check() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
        for trial in 0..200 {
            let m = 2 + trial % 5; // 2..=6
            let n = 1 + rng.random_range(0..7);
            let mut ballots = Vec::new();
            for _ in 0..n {
                // random weak order, sometimes truncated
                let mut o: Vec<usize> = (0..m).collect();
                for i in (1..m).rev() {
                    o.swap(i, rng.random_range(0..=i));
                }
                let keep = rng.random_range(1..=m);
                let mut tiers: Vec<Vec<usize>> = Vec::new();
                for &c in &o[..keep] {
                    if !tiers.is_empty() && rng.random_bool(0.3) {
                        tiers.last_mut().unwrap().push(c);
                    } else {
                        tiers.push(vec![c]);
                    }
                }
                ballots.push(tiers);
            }
            let w: Vec<f64> = (0..n).map(|_| rng.random_range(1..4) as f64).collect();
            let p = Profile::from_tiers(m, &ballots, Some(&w)).unwrap();
            let pw = p.pairwise().unwrap();
            let mut best = f64::NEG_INFINITY;
            let mut tops = std::collections::BTreeSet::new();
            for perm in permutations(m) {
                let s = kemeny_score(pw, &perm).unwrap();
                if s > best + 1e-9 {
                    best = s;
                    tops.clear();
                }
                if (s - best).abs() <= 1e-9 {
                    tops.insert(perm[0]);
                }
            }
            let r = kemeny(pw, KemenyMethod::Exact, &TieBreak::None).unwrap();
            let order: Vec<usize> = r.ranking.as_ref().unwrap().iter().map(|t| t[0]).collect();
            assert!(
                (kemeny_score(pw, &order).unwrap() - best).abs() < 1e-9,
                "trial {trial}"
            );
            assert_eq!(
                r.winners,
                tops.into_iter().collect::<Vec<_>>(),
                "trial {trial}"
            );
            // the heuristic never beats the optimum and finds a valid ranking
            let h = kemeny(pw, KemenyMethod::LocalSearch, &TieBreak::None).unwrap();
            let ho: Vec<usize> = h.ranking.unwrap().iter().map(|t| t[0]).collect();
            assert!(kemeny_score(pw, &ho).unwrap() <= best + 1e-9);
        }
    }

    #[test]
    fn limit_and_heuristic() {
        let o: Vec<usize> = (0..21).collect();
        let p = strict(21, &[(1, &o)]);
        assert!(matches!(
            kemeny(p.pairwise().unwrap(), KemenyMethod::Exact, &TieBreak::None),
            Err(CoreError::Limit(_))
        ));
        let h = kemeny(
            p.pairwise().unwrap(),
            KemenyMethod::LocalSearch,
            &TieBreak::None,
        )
        .unwrap();
        assert_eq!(h.winners, vec![0]);
        assert!(kemeny_score(p.pairwise().unwrap(), &[0, 0]).is_err());
    }
}
