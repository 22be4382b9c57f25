//! Social choice: profiles of weak orders, ranked voting rules, majority sets, exact Kemeny–Young,
//! maximal lotteries, cardinal and welfare rules, and approval-based committees.
//!
//! Conventions shared by every rule here:
//! - Candidates are indices `0..m`. Results list candidates as indices, sets sorted ascending.
//! - Bad input (unknown candidate, empty profile, negative / NaN weight, `k > m`, ...) is a
//!   [`CoreError::Input`](crate::error::CoreError::Input); problems above a stated size bound are
//!   [`CoreError::Limit`](crate::error::CoreError::Limit). Nothing here panics on user data.
//! - Ties are explicit: a [`TieBreak`] names how ties are broken, and every [`RuleResult`] says in
//!   `tie_break` whether (and how) a tie-break was applied. Results are deterministic.
//! - Floating-point weights: tallies are summed in a fixed order (fixed chunks, never per-thread
//!   shares), so results never depend on the thread count.

pub mod cardinal;
pub mod committees;
pub mod kemeny;
pub mod lottery;
pub mod profile;
pub mod ranked;
pub mod sets;
pub mod stv;

#[cfg(test)]
mod perf;

pub use cardinal::*;
pub use committees::*;
pub use kemeny::*;
pub use lottery::*;
pub use profile::*;
pub use ranked::*;
pub use sets::*;
pub use stv::{stv, LookBack, Quota, StvResult, StvRound, StvTieBreak, SurplusOrder, Transfer};

use crate::error::Result;
use crate::input_err;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The outcome of a single-winner (or ranking) rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleResult {
    /// The winning candidates, sorted ascending (several when the rule ties and no tie-break was
    /// asked for).
    pub winners: Vec<usize>,
    /// A ranking as tiers (best first; candidates in one tier are tied), where the rule defines
    /// one.
    pub ranking: Option<Vec<Vec<usize>>>,
    /// One number per candidate; what it means is documented on each rule (higher is better
    /// unless stated otherwise; probabilities for lotteries).
    pub scores: Vec<f64>,
    /// The tie-break that was applied, if any (`None`: no tie had to be broken).
    pub tie_break: Option<String>,
}

/// How ties are broken.
///
/// - `None`: no tie-break. Score rules return all tied winners; elimination rules remove all
///   candidates tied for elimination at once (the convention of `pref_voting`), and when that
///   would remove everyone left, those left are the (tied) winners.
/// - `Lexicographic`: lower index is preferred (same as `Order(0..m)`).
/// - `Order(o)`: a priority order, a permutation of `0..m`, most preferred first. In
///   elimination rules the tied candidate *latest* in the order is eliminated.
/// - `Random(seed)`: a priority order drawn uniformly with ChaCha8 from `seed`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TieBreak {
    #[default]
    None,
    Lexicographic,
    Order(Vec<usize>),
    Random(u64),
}

impl TieBreak {
    /// The priority order (most preferred first), or `None` for [`TieBreak::None`].
    pub fn order(&self, m: usize) -> Result<Option<Vec<usize>>> {
        match self {
            TieBreak::None => Ok(None),
            TieBreak::Lexicographic => Ok(Some((0..m).collect())),
            TieBreak::Order(o) => {
                if o.len() != m {
                    return input_err!(
                        "tie-break order has {} candidates but the profile has {m}; pass a permutation of 0..{m}",
                        o.len()
                    );
                }
                let mut seen = vec![false; m];
                for &c in o {
                    if c >= m {
                        return input_err!(
                            "tie-break order names candidate {c}, but candidates are 0..{m}"
                        );
                    }
                    if seen[c] {
                        return input_err!("tie-break order lists candidate {c} twice; pass a permutation of 0..{m}");
                    }
                    seen[c] = true;
                }
                Ok(Some(o.clone()))
            }
            TieBreak::Random(seed) => {
                let mut o: Vec<usize> = (0..m).collect();
                let mut rng = ChaCha8Rng::seed_from_u64(*seed);
                o.shuffle(&mut rng);
                Ok(Some(o))
            }
        }
    }

    /// The position of each candidate in the priority order (0 = most preferred); `None` for
    /// [`TieBreak::None`].
    pub fn positions(&self, m: usize) -> Result<Option<Vec<usize>>> {
        Ok(self.order(m)?.map(|o| invert(&o)))
    }

    /// Like [`TieBreak::positions`], but [`TieBreak::None`] falls back to lexicographic order
    /// (for rules that must produce one answer, e.g. committees).
    pub fn positions_or_lex(&self, m: usize) -> Result<Vec<usize>> {
        Ok(self.positions(m)?.unwrap_or_else(|| (0..m).collect()))
    }

    /// Words for `RuleResult::tie_break`.
    pub fn describe(&self) -> String {
        match self {
            TieBreak::None => "none".into(),
            TieBreak::Lexicographic => "lexicographic (lower index preferred)".into(),
            TieBreak::Order(o) => format!("fixed order {o:?} (earlier preferred)"),
            TieBreak::Random(s) => format!("random order from seed {s}"),
        }
    }
}

pub(crate) fn invert(order: &[usize]) -> Vec<usize> {
    let mut pos = vec![0; order.len()];
    for (i, &c) in order.iter().enumerate() {
        pos[c] = i;
    }
    pos
}

/// Tiers of candidates by score, best first (`higher_better`), exact equality for ties.
pub(crate) fn tiers_by_score(scores: &[f64], higher_better: bool) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| {
        let o = scores[a].total_cmp(&scores[b]);
        let o = if higher_better { o.reverse() } else { o };
        o.then(a.cmp(&b))
    });
    // Scores are sums of float weights: values within a relative 1e-9 are the same score
    // (e.g. 14/3 reached by two summation orders), as margins are treated in `Pairwise`.
    let scale = scores
        .iter()
        .filter(|s| s.is_finite())
        .fold(1.0f64, |a, s| a.max(s.abs()));
    let tol = 1e-9 * scale;
    let same = |a: f64, b: f64| a == b || (a - b).abs() <= tol;
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    for c in idx {
        match tiers.last_mut() {
            Some(t) if same(scores[t[0]], scores[c]) => t.push(c),
            _ => tiers.push(vec![c]),
        }
    }
    tiers
}

/// A result whose ranking is the order of `scores` (higher better), winners the top tier.
pub(crate) fn result_from_scores(scores: Vec<f64>) -> RuleResult {
    let ranking = tiers_by_score(&scores, true);
    let winners = ranking.first().cloned().unwrap_or_default();
    RuleResult {
        winners,
        ranking: Some(ranking),
        scores,
        tie_break: None,
    }
}

/// Layers of a strict relation `beats[a*m+b]` (a beats b): first the undominated candidates, then
/// those undominated once the first layer is removed, and so on. Candidates left in a cycle
/// (only possible when the relation is cyclic) form one last tier.
pub(crate) fn layers(m: usize, beats: &[bool]) -> Vec<Vec<usize>> {
    let mut left: Vec<usize> = (0..m).collect();
    let mut tiers = Vec::new();
    while !left.is_empty() {
        let top: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&b| !left.iter().any(|&a| a != b && beats[a * m + b]))
            .collect();
        if top.is_empty() {
            tiers.push(left.clone());
            break;
        }
        left.retain(|c| !top.contains(c));
        tiers.push(top);
    }
    tiers
}

/// Check `k`-style candidate indices and weights shared by several constructors.
pub(crate) fn check_weight(w: f64, what: &str, i: usize) -> Result<()> {
    if !w.is_finite() || w < 0.0 {
        return input_err!("{what} {i} has weight {w}; weights must be finite and non-negative");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tie_break_orders() {
        assert_eq!(
            TieBreak::Lexicographic.order(3).unwrap(),
            Some(vec![0, 1, 2])
        );
        assert!(TieBreak::Order(vec![0, 0, 1]).order(3).is_err());
        assert!(TieBreak::Order(vec![0, 1]).order(3).is_err());
        let r = TieBreak::Random(7).order(10).unwrap().unwrap();
        let mut s = r.clone();
        s.sort_unstable();
        assert_eq!(s, (0..10).collect::<Vec<_>>());
        assert_eq!(TieBreak::Random(7).order(10).unwrap().unwrap(), r);
    }

    #[test]
    fn tiers() {
        assert_eq!(
            tiers_by_score(&[1.0, 3.0, 1.0, 2.0], true),
            vec![vec![1], vec![3], vec![0, 2]]
        );
    }
}
