//! Cardinal rules on a utilities / scores matrix (voters x candidates): score (range) voting,
//! STAR, majority judgment, and the welfare rules utilitarian, Nash, egalitarian and leximin.
//! Input is a borrowed [`MatrixView`] (numpy arrays of any layout); non-finite values are an
//! error naming the row and column. `weights`: one per voter, finite and `>= 0` (default 1).

use std::cmp::Ordering;

use super::{check_weight, tiers_by_score, RuleResult, TieBreak};
use crate::error::Result;
use crate::input_err;
use crate::matrix::MatrixView;

fn prepare(u: &MatrixView, weights: Option<&[f64]>) -> Result<Vec<f64>> {
    let (n, m) = (u.nrows(), u.ncols());
    if m == 0 {
        return input_err!("the utilities matrix has no candidates (0 columns)");
    }
    if n == 0 {
        return input_err!("the utilities matrix has no voters (0 rows)");
    }
    u.check_finite()?;
    let w = match weights {
        Some(w) => {
            if w.len() != n {
                return input_err!(
                    "{} weights for {n} voters; pass one weight per row",
                    w.len()
                );
            }
            for (i, &x) in w.iter().enumerate() {
                check_weight(x, "voter", i)?;
            }
            w.to_vec()
        }
        None => vec![1.0; n],
    };
    if w.iter().sum::<f64>() <= 0.0 {
        return input_err!("all voters have weight 0: the profile is empty");
    }
    Ok(w)
}

/// Order candidates by a comparator (best first), grouping equal ones into tiers.
fn tiers_by(m: usize, cmp: impl Fn(usize, usize) -> Ordering) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    for c in idx {
        match tiers.last_mut() {
            Some(t) if cmp(t[0], c) == Ordering::Equal => t.push(c),
            _ => tiers.push(vec![c]),
        }
    }
    tiers
}

/// Apply a tie-break to the top tier of a ranking: with an order, the winner is the earliest
/// tied candidate (and the result says so); with `None`, all tied candidates win.
fn finish(tiers: Vec<Vec<usize>>, scores: Vec<f64>, tb: &TieBreak) -> Result<RuleResult> {
    let m = scores.len();
    let mut winners = tiers.first().cloned().unwrap_or_default();
    let mut tie_break = None;
    if winners.len() > 1 {
        if let Some(pos) = tb.positions(m)? {
            let w = winners
                .iter()
                .copied()
                .min_by_key(|&c| pos[c])
                .unwrap_or(winners[0]);
            tie_break = Some(format!("{winners:?} tied; {} picked {w}", tb.describe()));
            winners = vec![w];
        }
    }
    Ok(RuleResult {
        winners,
        ranking: Some(tiers),
        scores,
        tie_break,
    })
}

/// Score (range) voting: the winners maximize the weighted sum of scores (Smith 2000; Handbook
/// ch. 2). With `range = Some((lo, hi))` every score must lie in `[lo, hi]`.
pub fn score_voting(
    u: &MatrixView,
    weights: Option<&[f64]>,
    range: Option<(f64, f64)>,
    tb: &TieBreak,
) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    if let Some((lo, hi)) = range {
        for i in 0..u.nrows() {
            for c in 0..u.ncols() {
                let v = u.get(i, c);
                if v < lo || v > hi {
                    return input_err!(
                        "row {i}, candidate {c}: score {v} is outside the range [{lo}, {hi}]"
                    );
                }
            }
        }
    }
    let s = weighted_sums(u, &w);
    let tiers = tiers_by_score(&s, true);
    finish(tiers, s, tb)
}

fn weighted_sums(u: &MatrixView, w: &[f64]) -> Vec<f64> {
    let m = u.ncols();
    let mut s = vec![0.0; m];
    for (i, &wi) in w.iter().enumerate() {
        for (c, x) in s.iter_mut().enumerate() {
            *x += wi * u.get(i, c);
        }
    }
    s
}

/// Utilitarian welfare: maximize the weighted sum of utilities (same as [`score_voting`]
/// without a range check).
pub fn utilitarian(u: &MatrixView, weights: Option<&[f64]>, tb: &TieBreak) -> Result<RuleResult> {
    score_voting(u, weights, None, tb)
}

/// Nash welfare: maximize `prod_i u_ic^{w_i}` (Nash 1950; Kaneko & Nakamura 1979). Utilities
/// must be `>= 0`. Candidates are compared first by the weight of voters with utility 0 (less is
/// better), then by `sum_i w_i ln u_ic` over the others (the usual treatment of zeros, e.g.
/// Caragiannis et al. 2019, "The unreasonable fairness of maximum Nash welfare", ACM TEAC 7).
/// Scores: `sum_i w_i ln u_ic` (`-inf` if some positively weighted voter has utility 0).
pub fn nash(u: &MatrixView, weights: Option<&[f64]>, tb: &TieBreak) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    let m = u.ncols();
    let mut zero = vec![0.0; m];
    let mut logs = vec![0.0; m];
    for (i, &wi) in w.iter().enumerate() {
        for c in 0..m {
            let v = u.get(i, c);
            if v < 0.0 {
                return input_err!("row {i}, candidate {c}: utility {v} is negative; Nash welfare needs utilities >= 0");
            }
            if wi > 0.0 {
                if v == 0.0 {
                    zero[c] += wi;
                } else {
                    logs[c] += wi * v.ln();
                }
            }
        }
    }
    let tiers = tiers_by(m, |a, b| {
        zero[a]
            .total_cmp(&zero[b])
            .then(logs[b].total_cmp(&logs[a]))
    });
    let scores = (0..m)
        .map(|c| {
            if zero[c] > 0.0 {
                f64::NEG_INFINITY
            } else {
                logs[c]
            }
        })
        .collect();
    finish(tiers, scores, tb)
}

fn sorted_columns(u: &MatrixView, w: &[f64]) -> Vec<Vec<f64>> {
    (0..u.ncols())
        .map(|c| {
            let mut col: Vec<f64> = (0..u.nrows())
                .filter(|&i| w[i] > 0.0)
                .map(|i| u.get(i, c))
                .collect();
            col.sort_by(f64::total_cmp);
            col
        })
        .collect()
}

/// Egalitarian (maximin, Rawls 1971) welfare: maximize the smallest utility of any voter with
/// positive weight (weights matter only through being zero). Scores: that minimum.
pub fn egalitarian(u: &MatrixView, weights: Option<&[f64]>, tb: &TieBreak) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    let cols = sorted_columns(u, &w);
    let s: Vec<f64> = cols
        .iter()
        .map(|c| c.first().copied().unwrap_or(0.0))
        .collect();
    let tiers = tiers_by_score(&s, true);
    finish(tiers, s, tb)
}

/// Leximin (Sen 1970; d'Aspremont & Gevers 1977): compare candidates by their utility vectors
/// sorted ascending, lexicographically (worst-off first, then second worst-off, ...), over voters
/// with positive weight. Scores: the minimum utility (as [`egalitarian`]); the ranking is leximin.
pub fn leximin(u: &MatrixView, weights: Option<&[f64]>, tb: &TieBreak) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    let cols = sorted_columns(u, &w);
    let m = cols.len();
    let tiers = tiers_by(m, |a, b| {
        for (x, y) in cols[a].iter().zip(&cols[b]) {
            match y.total_cmp(x) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    });
    let s = cols
        .iter()
        .map(|c| c.first().copied().unwrap_or(0.0))
        .collect();
    finish(tiers, s, tb)
}

/// STAR voting (Score Then Automatic Runoff; Equal Vote Coalition, official rules and tiebreaker
/// protocol): the two candidates with the highest total scores are finalists; the finalist
/// scored higher by more (weighted) voters wins. Ties: for the finalist slots, candidates tied on
/// total score are ordered by head-to-head wins among them, then by `tb`; a runoff tie goes to
/// the finalist with the higher total score, then to `tb`. With [`TieBreak::None`] an unbroken
/// tie leaves both finalists as winners (and ties for a finalist slot use lexicographic order,
/// reported in `tie_break`). Scores: total scores. Ranking: none.
pub fn star(u: &MatrixView, weights: Option<&[f64]>, tb: &TieBreak) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    let (n, m) = (u.nrows(), u.ncols());
    let total = weighted_sums(u, &w);
    if m == 1 {
        return Ok(RuleResult {
            winners: vec![0],
            ranking: None,
            scores: total,
            tie_break: None,
        });
    }
    let pos = tb.positions(m)?;
    let order_pos = pos.clone().unwrap_or_else(|| (0..m).collect());
    let prefer = |a: usize, b: usize| -> f64 {
        (0..n)
            .filter(|&i| u.get(i, a) > u.get(i, b))
            .map(|i| w[i])
            .sum()
    };
    let mut notes = Vec::new();
    // finalists
    let tiers = tiers_by_score(&total, true);
    let mut finalists = Vec::new();
    for tier in tiers {
        if finalists.len() >= 2 {
            break;
        }
        let need = 2 - finalists.len();
        if tier.len() <= need {
            finalists.extend(tier);
        } else {
            // head-to-head wins among the tied candidates, then the tie-break order
            let wins: Vec<usize> = tier
                .iter()
                .map(|&a| {
                    tier.iter()
                        .filter(|&&b| b != a && prefer(a, b) > prefer(b, a))
                        .count()
                })
                .collect();
            let mut idx: Vec<usize> = (0..tier.len()).collect();
            idx.sort_by(|&x, &y| {
                wins[y]
                    .cmp(&wins[x])
                    .then(order_pos[tier[x]].cmp(&order_pos[tier[y]]))
            });
            let chosen: Vec<usize> = idx[..need].iter().map(|&i| tier[i]).collect();
            notes.push(format!("scoring round: {tier:?} tied on total score; advanced {chosen:?} by head-to-head wins, then {}", if pos.is_some() { tb.describe() } else { TieBreak::Lexicographic.describe() }));
            finalists.extend(chosen);
        }
    }
    let (a, b) = (finalists[0], finalists[1]);
    let (pa, pb) = (prefer(a, b), prefer(b, a));
    let winners = if pa != pb {
        vec![if pa > pb { a } else { b }]
    } else if total[a] != total[b] {
        notes.push(format!("runoff {a} vs {b} tied; higher total score wins"));
        vec![if total[a] > total[b] { a } else { b }]
    } else if let Some(p) = &pos {
        let x = if p[a] < p[b] { a } else { b };
        notes.push(format!(
            "runoff {a} vs {b} tied on preferences and total score; {} picked {x}",
            tb.describe()
        ));
        vec![x]
    } else {
        let mut v = vec![a, b];
        v.sort_unstable();
        v
    };
    let tie_break = if notes.is_empty() {
        None
    } else {
        Some(notes.join("; "))
    };
    Ok(RuleResult {
        winners,
        ranking: None,
        scores: total,
        tie_break,
    })
}

/// Majority judgment (M. Balinski and R. Laraki 2011, *Majority Judgment*, MIT Press): each
/// candidate's majority grade is the (weighted) lower median of its grades (any real scale,
/// higher is better); ties are broken by the *majority gauge* `(p, α, q)` (Balinski & Laraki
/// 2011, ch. 13): `p` / `q` are the weight shares of grades strictly above / below the median
/// `α`; a candidate with `p > q` beats one with `p <= q`; among `p > q` a larger `p` is better;
/// among `p <= q` a smaller `q` is better. Remaining ties: `tb`. Scores: the majority grades.
pub fn majority_judgment(
    u: &MatrixView,
    weights: Option<&[f64]>,
    tb: &TieBreak,
) -> Result<RuleResult> {
    let w = prepare(u, weights)?;
    let (n, m) = (u.nrows(), u.ncols());
    let tot: f64 = w.iter().sum();
    let mut gauge = Vec::with_capacity(m);
    for c in 0..m {
        let mut g: Vec<(f64, f64)> = (0..n)
            .filter(|&i| w[i] > 0.0)
            .map(|i| (u.get(i, c), w[i]))
            .collect();
        g.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut acc = 0.0;
        let mut alpha = g.last().map_or(0.0, |x| x.0);
        for &(v, wi) in &g {
            acc += wi;
            if acc >= tot / 2.0 {
                alpha = v;
                break;
            }
        }
        let p: f64 = g.iter().filter(|x| x.0 > alpha).map(|x| x.1).sum::<f64>() / tot;
        let q: f64 = g.iter().filter(|x| x.0 < alpha).map(|x| x.1).sum::<f64>() / tot;
        gauge.push((alpha, p, q));
    }
    let tiers = tiers_by(m, |a, b| {
        let (aa, pa, qa) = gauge[a];
        let (ab, pb, qb) = gauge[b];
        ab.total_cmp(&aa).then_with(|| match (pa > qa, pb > qb) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => pb.total_cmp(&pa),
            (false, false) => qa.total_cmp(&qb),
        })
    });
    let scores = gauge.iter().map(|g| g.0).collect();
    finish(tiers, scores, tb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CoreError;

    fn mv(data: &[f64], n: usize, m: usize) -> MatrixView<'_> {
        MatrixView::row_major(data, n, m).unwrap()
    }

    #[test]
    fn welfare_rules_differ() {
        // 3 voters x 3 candidates
        let d = [10.0, 4.0, 5.0, 0.0, 4.0, 5.0, 10.0, 4.0, 3.0];
        let u = mv(&d, 3, 3);
        assert_eq!(
            utilitarian(&u, None, &TieBreak::None).unwrap().winners,
            vec![0]
        ); // 20 vs 12 vs 13
        assert_eq!(
            egalitarian(&u, None, &TieBreak::None).unwrap().winners,
            vec![1]
        ); // min 0, 4, 3
        assert_eq!(nash(&u, None, &TieBreak::None).unwrap().winners, vec![2]); // 64 vs 75
        assert_eq!(leximin(&u, None, &TieBreak::None).unwrap().winners, vec![1]);
        // leximin breaks an egalitarian tie: (1, 5) vs (1, 2)
        let d2 = [1.0, 1.0, 5.0, 2.0];
        let u2 = mv(&d2, 2, 2);
        assert_eq!(
            egalitarian(&u2, None, &TieBreak::None).unwrap().winners,
            vec![0, 1]
        );
        assert_eq!(
            leximin(&u2, None, &TieBreak::None).unwrap().winners,
            vec![0]
        );
        let r = egalitarian(&u2, None, &TieBreak::Order(vec![1, 0])).unwrap();
        assert_eq!(r.winners, vec![1]);
        assert!(r.tie_break.is_some());
        assert!(nash(&mv(&[-1.0], 1, 1), None, &TieBreak::None).is_err());
        assert!(matches!(
            utilitarian(&mv(&[f64::NAN], 1, 1), None, &TieBreak::None),
            Err(CoreError::NonFinite { .. })
        ));
        assert!(score_voting(&mv(&[6.0], 1, 1), None, Some((0.0, 5.0)), &TieBreak::None).is_err());
    }

    #[test]
    fn star_runoff() {
        // Equal Vote's example shape: A has the highest total thanks to enthusiastic minority, but
        // B is preferred by the majority in the runoff.
        // voters: 2 x (A 5, B 0, C 1), 3 x (A 0, B 3, C 2)
        let mut d = Vec::new();
        for _ in 0..2 {
            d.extend([5.0, 0.0, 1.0]);
        }
        for _ in 0..3 {
            d.extend([0.0, 3.0, 2.0]);
        }
        let u = mv(&d, 5, 3);
        let r = star(&u, None, &TieBreak::None).unwrap();
        // totals: A 10, B 9, C 8 -> finalists A, B; runoff 3 prefer B
        assert_eq!(r.scores, vec![10.0, 9.0, 8.0]);
        assert_eq!(r.winners, vec![1]);
    }

    #[test]
    fn majority_judgment_gauge() {
        // grades 0..5; A: [1,2,3,4,5] median 3, p = .4, q = .4 -> 3-; B: [3,3,3,4,0] median 3,
        // p = .2 q = .2 -> 3- with smaller q wins? A q=.4, B q=.2 -> B
        let d = [1.0, 3.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0, 5.0, 0.0];
        let u = mv(&d, 5, 2);
        let r = majority_judgment(&u, None, &TieBreak::None).unwrap();
        assert_eq!(r.scores, vec![3.0, 3.0]);
        assert_eq!(r.winners, vec![1]);
        // weighted lower median
        let d = [1.0, 0.0, 5.0, 0.0];
        let r = majority_judgment(&mv(&d, 2, 2), Some(&[1.0, 3.0]), &TieBreak::None).unwrap();
        assert_eq!(r.scores, vec![5.0, 0.0]);
        assert!(majority_judgment(&mv(&d, 2, 2), Some(&[0.0, 0.0]), &TieBreak::None).is_err());
    }
}
