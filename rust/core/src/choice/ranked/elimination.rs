//! Sequential elimination rules (instant runoff, Coombs, Baldwin, Nanson) and Bucklin, with the
//! bookkeeping they share.

use super::super::{result_from_scores, tiers_by_score, Pairwise, Profile, RuleResult, TieBreak};
use super::cursors::Cursors;
use super::tally;
use crate::error::Result;

// ---------------------------------------------------------------------------------------------
// Elimination rules
// ---------------------------------------------------------------------------------------------

/// Bookkeeping shared by the elimination rules.
struct Elimination {
    m: usize,
    remaining: Vec<bool>,
    eliminated: Vec<Vec<usize>>,
    pos: Option<Vec<usize>>,
    notes: Vec<String>,
}

impl Elimination {
    fn new(m: usize, tb: &TieBreak) -> Result<Self> {
        Ok(Self {
            m,
            remaining: vec![true; m],
            eliminated: Vec::new(),
            pos: tb.positions(m)?,
            notes: Vec::new(),
        })
    }
    fn left(&self) -> Vec<usize> {
        (0..self.m).filter(|&c| self.remaining[c]).collect()
    }
    /// Eliminate from `tied` (the candidates tied for elimination). Returns false when the
    /// elimination would remove every remaining candidate (they are then the tied winners).
    fn eliminate(&mut self, mut tied: Vec<usize>, round: usize) -> bool {
        let left = self.left().len();
        if tied.len() > 1 {
            if let Some(pos) = &self.pos {
                let worst = tied
                    .iter()
                    .copied()
                    .max_by_key(|&c| pos[c])
                    .unwrap_or(tied[0]);
                self.notes.push(format!(
                    "round {round}: {tied:?} tied for elimination; eliminated {worst}"
                ));
                tied = vec![worst];
            }
        }
        if tied.len() >= left {
            return false;
        }
        for &c in &tied {
            self.remaining[c] = false;
        }
        self.eliminated.push(tied);
        true
    }
    fn finish(self, tb: &TieBreak) -> RuleResult {
        let winners = self.left();
        let rounds = self.eliminated.len();
        let mut scores = vec![(rounds + 1) as f64; self.m];
        for (r, g) in self.eliminated.iter().enumerate() {
            for &c in g {
                scores[c] = (r + 1) as f64;
            }
        }
        let mut ranking = vec![winners.clone()];
        ranking.extend(self.eliminated.into_iter().rev());
        let tie_break = if self.notes.is_empty() {
            None
        } else {
            Some(format!("{}: {}", tb.describe(), self.notes.join("; ")))
        };
        RuleResult {
            winners,
            ranking: Some(ranking),
            scores,
            tie_break,
        }
    }
}

/// Candidates whose value is minimal (`want_min`) or maximal among `cands`, with tolerance.
fn extreme(cands: &[usize], v: &[f64], want_min: bool, tol: f64) -> Vec<usize> {
    let best = cands.iter().map(|&c| v[c]).fold(
        if want_min {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        },
        |a, b| if want_min { a.min(b) } else { a.max(b) },
    );
    cands
        .iter()
        .copied()
        .filter(|&c| (v[c] - best).abs() <= tol)
        .collect()
}

/// Instant Runoff Voting (Hare; Handbook ch. 4): repeatedly eliminate the candidate with the
/// fewest first places among the remaining candidates until one is left. A ballot whose top
/// remaining tier has `t` candidates gives each `1/t` of its weight (a ballot whose listed
/// candidates are all eliminated splits over the remaining unlisted candidates, which shifts all
/// tallies equally and so acts exactly like an exhausted ballot). Ties for last place: the
/// tie-break picks one (latest in the order), or with [`TieBreak::None`] all tied are eliminated
/// together. Scores: the round in which each candidate was eliminated (winners: rounds + 1);
/// ranking: winners, then candidates in reverse order of elimination.
pub fn instant_runoff(p: &Profile, tb: &TieBreak) -> Result<RuleResult> {
    p.check_nonempty()?;
    let m = p.num_candidates();
    let mut el = Elimination::new(m, tb)?;
    let tol = 1e-9 * p.total_weight().max(1.0);
    let mut cur = Cursors::new();
    let mut round = 1;
    while el.left().len() > 1 {
        let t = cur.tally(p, &el.remaining, false)?;
        let last = extreme(&el.left(), &t, true, tol);
        if !el.eliminate(last, round) {
            break;
        }
        round += 1;
    }
    Ok(el.finish(tb))
}

/// Coombs' method (Coombs 1964; Grofman & Feld 2004, "If you like the alternative vote (a.k.a.
/// the instant runoff), then you ought to know about the Coombs rule", Electoral Studies 23): if
/// a remaining candidate has a strict majority of first places it wins; otherwise eliminate the
/// candidate with the most last places among the remaining candidates, and repeat. Top and
/// bottom tiers split the ballot's weight equally (unlisted candidates form the bottom tier).
/// Ties for elimination as in [`instant_runoff`]. Scores: round of elimination.
pub fn coombs(p: &Profile, tb: &TieBreak) -> Result<RuleResult> {
    p.check_nonempty()?;
    let m = p.num_candidates();
    let total = p.total_weight();
    let tol = 1e-9 * total.max(1.0);
    let mut el = Elimination::new(m, tb)?;
    let mut cur = Cursors::new();
    let mut round = 1;
    while el.left().len() > 1 {
        let first = cur.tally(p, &el.remaining, false)?;
        let left = el.left();
        if let Some(&w) = left.iter().find(|&&c| first[c] > total / 2.0 + tol) {
            let others: Vec<usize> = left.into_iter().filter(|&c| c != w).collect();
            // the majority winner wins; the rest are ranked by their first-place tally
            let ordered =
                tiers_by_score(&others.iter().map(|&c| first[c]).collect::<Vec<_>>(), false);
            for tier in ordered {
                let g: Vec<usize> = tier.into_iter().map(|i| others[i]).collect();
                for &c in &g {
                    el.remaining[c] = false;
                }
                el.eliminated.push(g);
            }
            break;
        }
        let last = cur.tally(p, &el.remaining, true)?;
        let most = extreme(&left, &last, false, tol);
        if !el.eliminate(most, round) {
            break;
        }
        round += 1;
    }
    Ok(el.finish(tb))
}

/// Borda scores restricted to `cands` in margin form: `sum_b margin(c, b)`; an affine function
/// (`2 * Borda − (k−1) * total`) of the tie-aware Borda score of the restricted profile.
fn borda_margins(pw: &Pairwise, remaining: &[bool]) -> Vec<f64> {
    let m = pw.num_candidates();
    (0..m)
        .map(|c| {
            if remaining[c] {
                (0..m)
                    .filter(|&b| b != c && remaining[b])
                    .map(|b| pw.margin(c, b))
                    .sum()
            } else {
                0.0
            }
        })
        .collect()
}

/// Baldwin's method (Baldwin 1926, "The technique of the Nanson preferential majority system of
/// election", Proc. Royal Soc. Victoria 39): repeatedly eliminate the candidate with the lowest
/// (tie-aware) Borda score among the remaining candidates. Computed from the pairwise matrix
/// (Borda = pairwise wins + ½ ties). Ties as in [`instant_runoff`]. Scores: round of elimination.
pub fn baldwin(pw: &Pairwise, tb: &TieBreak) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let mut el = Elimination::new(m, tb)?;
    let tol = pw.tol() * m as f64;
    let mut round = 1;
    while el.left().len() > 1 {
        let b = borda_margins(pw, &el.remaining);
        let last = extreme(&el.left(), &b, true, tol);
        if !el.eliminate(last, round) {
            break;
        }
        round += 1;
    }
    Ok(el.finish(tb))
}

/// Which candidates Nanson's method eliminates each round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NansonVariant {
    /// Those with Borda score strictly below the average (Schwartz 1986 / `pref_voting.strict_nanson`).
    Strict,
    /// Those with Borda score at or below the average (Nanson 1882's wording / `pref_voting.weak_nanson`).
    Weak,
}

/// Nanson's method (Nanson 1882, "Methods of election", Trans. Proc. Royal Soc. Victoria 19;
/// variants as in Niou 1987, "A note on Nanson's rule", Public Choice 54): each round eliminate
/// every remaining candidate whose Borda score among the remaining candidates is below (Strict)
/// or at-or-below (Weak) the average; stop when one is left or when the rule would eliminate
/// nobody / everybody (then all remaining tie). No tie-break is involved.
pub fn nanson(pw: &Pairwise, variant: NansonVariant) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let mut el = Elimination::new(m, &TieBreak::None)?;
    let tol = pw.tol() * m as f64;
    let mut round = 1;
    while el.left().len() > 1 {
        let b = borda_margins(pw, &el.remaining);
        // the average of the margin-form Borda scores is 0
        let out: Vec<usize> = el
            .left()
            .into_iter()
            .filter(|&c| match variant {
                NansonVariant::Strict => b[c] < -tol,
                NansonVariant::Weak => b[c] <= tol,
            })
            .collect();
        if out.is_empty() || !el.eliminate(out, round) {
            break;
        }
        round += 1;
    }
    Ok(el.finish(&TieBreak::None))
}

/// Bucklin (Handbook ch. 2; `pref_voting.bucklin`): for `l = 1, 2, ...` count for every candidate
/// the weight of ballots ranking it within their top `l` positions; at the first `l` where some
/// candidate has more than half of the total weight, the winners are those with the largest count.
/// A candidate counts at level `l` when fewer than `l` candidates are strictly above it on the
/// ballot (tied candidates enter together). Scores: the counts at the deciding level.
pub fn bucklin(p: &Profile) -> Result<RuleResult> {
    p.check_nonempty()?;
    let m = p.num_candidates();
    super::super::profile::check_pairwise_m(m)?;
    // hist[c*m + s]: weight of ballots on which exactly s candidates are above c
    let hist = tally(p, m * m, |r, w, acc| {
        let mut size = vec![0u32; m + 1];
        for &t in r {
            size[t as usize] += 1;
        }
        let mut above = vec![0u32; m + 1];
        let mut s = 0;
        for t in 0..=m {
            above[t] = s;
            s += size[t];
        }
        for (c, &t) in r.iter().enumerate() {
            acc[c * m + above[t as usize] as usize] += w;
        }
    })?;
    let total = p.total_weight();
    let tol = 1e-9 * total.max(1.0);
    let mut counts = vec![0.0; m];
    for l in 0..m {
        for (c, x) in counts.iter_mut().enumerate() {
            *x += hist[c * m + l];
        }
        if counts.iter().any(|&x| x > total / 2.0 + tol) {
            break;
        }
    }
    Ok(result_from_scores(counts))
}
