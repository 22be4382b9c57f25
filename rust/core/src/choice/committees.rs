//! Approval-based committee (ABC) rules and proportionality checks.
//!
//! Definitions follow M. Lackner and P. Skowron, *Multi-Winner Voting with Approval Preferences*
//! (Springer 2023, "L&S") and the reference implementation `abcvoting`. Voters have weights
//! `w_i` (default 1); "`n`" below is the total weight. Approval sets are `u64` bitsets; identical
//! ballots are collapsed (their weights add).
//!
//! Ties: committee rules always return exactly one committee. Ties are broken by the
//! tie-break order (earlier candidates preferred; [`TieBreak::None`] means lexicographic), and
//! `tie_break` in the result says when a tie decided a seat.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{check_weight, tiers_by_score, RuleResult, TieBreak};
use crate::error::{CoreError, Result};
use crate::input_err;
use crate::offsets::Offsets;
use crate::parallel::with_threads;

mod more;
pub use more::{
    lex_cc, lex_minimax_av, maximin_support, minimax_av, monroe, phragmen_enestrom, rev_seq_pav,
    EXACT_MAX_WORK, LEX_CC_MAX_WORK,
};

/// A weighted approval profile with identical ballots collapsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalProfile {
    m: usize,
    words: usize,
    /// `n * words` bitsets.
    sets: Vec<u64>,
    weights: Vec<f64>,
    threads: Option<usize>,
}

/// The outcome of a committee rule.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitteeResult {
    /// The committee, sorted ascending.
    pub committee: Vec<usize>,
    /// The order in which seats were filled (sequential rules), else the committee by score.
    pub order: Vec<usize>,
    /// One number per candidate; its meaning is documented on each rule.
    pub scores: Vec<f64>,
    /// The rule's objective for the committee where it has one (Thiele score, max load, ...).
    pub value: Option<f64>,
    /// Which tie-break decided a seat, if any.
    pub tie_break: Option<String>,
}

impl ApprovalProfile {
    fn build(m: usize, rows: Vec<Vec<u64>>, weights: Vec<f64>) -> Result<Self> {
        let words = m.div_ceil(64).max(1);
        let mut index: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut sets = Vec::new();
        let mut ws: Vec<f64> = Vec::new();
        for (row, w) in rows.into_iter().zip(weights) {
            if let Some(&u) = index.get(&row) {
                ws[u] += w;
            } else {
                index.insert(row.clone(), ws.len());
                sets.extend_from_slice(&row);
                ws.push(w);
            }
        }
        // drop zero-weight ballots
        let keep: Vec<usize> = (0..ws.len()).filter(|&i| ws[i] != 0.0).collect();
        let sets2 = keep
            .iter()
            .flat_map(|&i| sets[i * words..(i + 1) * words].iter().copied())
            .collect();
        let ws2 = keep.iter().map(|&i| ws[i]).collect();
        Ok(Self {
            m,
            words,
            sets: sets2,
            weights: ws2,
            threads: None,
        })
    }

    fn check(m: usize, n: usize, weights: Option<&[f64]>) -> Result<Vec<f64>> {
        if m == 0 {
            return input_err!("an approval profile needs at least one candidate (m = 0)");
        }
        match weights {
            Some(w) => {
                if w.len() != n {
                    return input_err!(
                        "{} weights for {n} ballots; pass one weight per ballot",
                        w.len()
                    );
                }
                for (i, &x) in w.iter().enumerate() {
                    check_weight(x, "ballot", i)?;
                }
                Ok(w.to_vec())
            }
            None => Ok(vec![1.0; n]),
        }
    }

    /// From approval sets (candidate indices; duplicates within a ballot are an error).
    pub fn new(m: usize, ballots: &[Vec<usize>], weights: Option<&[f64]>) -> Result<Self> {
        let w = Self::check(m, ballots.len(), weights)?;
        let words = m.div_ceil(64).max(1);
        let mut rows = Vec::with_capacity(ballots.len());
        for (b, s) in ballots.iter().enumerate() {
            let mut row = vec![0u64; words];
            for &c in s {
                if c >= m {
                    return input_err!(
                        "ballot {b} approves candidate {c}, but candidates are 0..{m}"
                    );
                }
                if row[c / 64] >> (c % 64) & 1 == 1 {
                    return input_err!("ballot {b} approves candidate {c} twice");
                }
                row[c / 64] |= 1 << (c % 64);
            }
            rows.push(row);
        }
        Self::build(m, rows, w)
    }

    /// From the Arrow layout of a `list<int>` column: ballot `b` approves
    /// `values[offsets[b]..offsets[b+1]]`.
    pub fn from_flat(
        m: usize,
        values: &[i64],
        offsets: &[i64],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        let offsets = Offsets::within(offsets, values.len(), "approval offsets")?;
        let n = offsets.n_segments();
        let w = Self::check(m, n, weights)?;
        let words = m.div_ceil(64).max(1);
        let mut rows = Vec::with_capacity(n);
        for b in 0..n {
            let mut row = vec![0u64; words];
            for &c in &values[offsets.range(b)] {
                if c < 0 || c as u64 >= m as u64 {
                    return input_err!(
                        "ballot {b} approves candidate {c}, but candidates are 0..{m}"
                    );
                }
                let c = c as usize;
                if row[c / 64] >> (c % 64) & 1 == 1 {
                    return input_err!("ballot {b} approves candidate {c} twice");
                }
                row[c / 64] |= 1 << (c % 64);
            }
            rows.push(row);
        }
        Self::build(m, rows, w)
    }

    /// From an `n x m` row-major 0/1 matrix (`approvals[i*m + c]` nonzero: voter `i` approves `c`).
    pub fn from_matrix(
        n: usize,
        m: usize,
        approvals: &[u8],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if approvals.len() != n * m {
            return input_err!(
                "approval matrix: expected {n} x {m} = {} values, got {}",
                n * m,
                approvals.len()
            );
        }
        let w = Self::check(m, n, weights)?;
        let words = m.div_ceil(64).max(1);
        let rows = (0..n)
            .map(|i| {
                let mut row = vec![0u64; words];
                for c in 0..m {
                    if approvals[i * m + c] != 0 {
                        row[c / 64] |= 1 << (c % 64);
                    }
                }
                row
            })
            .collect();
        Self::build(m, rows, w)
    }

    /// The exact sum of two approval profiles over the same candidates.
    pub fn merge(&self, other: &ApprovalProfile) -> Result<ApprovalProfile> {
        if self.m != other.m {
            return input_err!(
                "cannot merge approval profiles over {} and {} candidates",
                self.m,
                other.m
            );
        }
        let rows = self
            .sets
            .chunks(self.words)
            .chain(other.sets.chunks(other.words))
            .map(<[u64]>::to_vec)
            .collect();
        let w = self.weights.iter().chain(&other.weights).copied().collect();
        let mut p = Self::build(self.m, rows, w)?;
        p.threads = self.threads;
        Ok(p)
    }

    /// `(m, bitsets (n * ceil(m/64) words), weights)` for pickling; see [`ApprovalProfile::from_parts`].
    pub fn to_parts(&self) -> (usize, &[u64], &[f64]) {
        (self.m, &self.sets, &self.weights)
    }

    pub fn from_parts(m: usize, sets: Vec<u64>, weights: Vec<f64>) -> Result<Self> {
        let w = Self::check(m, weights.len(), Some(&weights))?;
        let words = m.div_ceil(64).max(1);
        if sets.len() != w.len() * words {
            return input_err!(
                "{} words for {} ballots of {m} candidates",
                sets.len(),
                w.len()
            );
        }
        if m & 63 != 0 && sets.chunks(words).any(|r| r[words - 1] >> (m % 64) != 0) {
            return input_err!("bitsets approve candidates beyond {m}");
        }
        Self::build(m, sets.chunks(words).map(<[u64]>::to_vec).collect(), w)
    }

    pub fn with_threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }
    pub fn num_candidates(&self) -> usize {
        self.m
    }
    pub fn num_ballots(&self) -> usize {
        self.weights.len()
    }
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
    /// Approval set of distinct ballot `b`, sorted.
    pub fn ballot(&self, b: usize) -> Vec<usize> {
        (0..self.m).filter(|&c| self.approves(b, c)).collect()
    }
    #[inline]
    fn row(&self, b: usize) -> &[u64] {
        &self.sets[b * self.words..(b + 1) * self.words]
    }
    #[inline]
    pub fn approves(&self, b: usize, c: usize) -> bool {
        self.sets[b * self.words + c / 64] >> (c % 64) & 1 == 1
    }
    /// Weighted approval score of every candidate.
    pub fn approval_scores(&self) -> Vec<f64> {
        let mut s = vec![0.0; self.m];
        for b in 0..self.num_ballots() {
            for c in self.iter_set(b) {
                s[c] += self.weights[b];
            }
        }
        s
    }
    fn iter_set(&self, b: usize) -> impl Iterator<Item = usize> + '_ {
        self.row(b).iter().enumerate().flat_map(|(wi, &word)| {
            let mut x = word;
            std::iter::from_fn(move || {
                if x == 0 {
                    None
                } else {
                    let t = x.trailing_zeros() as usize;
                    x &= x - 1;
                    Some(wi * 64 + t)
                }
            })
        })
    }
    fn set_size(&self, b: usize) -> usize {
        self.row(b).iter().map(|w| w.count_ones() as usize).sum()
    }
    /// For every candidate, the distinct ballots approving it.
    fn supporters(&self) -> Vec<Vec<u32>> {
        let mut s = vec![Vec::new(); self.m];
        for b in 0..self.num_ballots() {
            for c in self.iter_set(b) {
                s[c].push(b as u32);
            }
        }
        s
    }
    fn check_rule(&self, k: usize) -> Result<()> {
        if k > self.m {
            return input_err!(
                "committee size k = {k} is larger than the number of candidates {}",
                self.m
            );
        }
        if self.total_weight() <= 0.0 {
            return input_err!("the approval profile is empty: no ballot has positive weight");
        }
        Ok(())
    }
    fn committee_mask(&self, committee: &[usize]) -> Result<Vec<u64>> {
        let mut mask = vec![0u64; self.words];
        for &c in committee {
            if c >= self.m {
                return input_err!("committee member {c} is not a candidate (0..{})", self.m);
            }
            if mask[c / 64] >> (c % 64) & 1 == 1 {
                return input_err!("committee lists candidate {c} twice");
            }
            mask[c / 64] |= 1 << (c % 64);
        }
        Ok(mask)
    }
    fn overlap(&self, b: usize, mask: &[u64]) -> usize {
        self.row(b)
            .iter()
            .zip(mask)
            .map(|(x, y)| (x & y).count_ones() as usize)
            .sum()
    }
}

/// Single-winner approval voting: winners maximize the weighted approval count
/// (Brams & Fishburn 1978, APSR 72). Scores: approval counts.
pub fn approval(ap: &ApprovalProfile, tb: &TieBreak) -> Result<RuleResult> {
    ap.check_rule(0)?;
    let s = ap.approval_scores();
    let tiers = tiers_by_score(&s, true);
    let mut winners = tiers[0].clone();
    let mut tie_break = None;
    if winners.len() > 1 {
        if let Some(pos) = tb.positions(ap.m)? {
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
        scores: s,
        tie_break,
    })
}

fn top_k_by_score(
    scores: Vec<f64>,
    k: usize,
    pos: &[usize],
    tb: &TieBreak,
    value: Option<f64>,
) -> CommitteeResult {
    let m = scores.len();
    // Tiers of equal score (up to float rounding), each ordered by the tie-break.
    let mut tiers = tiers_by_score(&scores, true);
    for t in &mut tiers {
        t.sort_by_key(|&c| pos[c]);
    }
    let idx: Vec<usize> = tiers.iter().flatten().copied().collect();
    let order: Vec<usize> = idx[..k].to_vec();
    let splits_a_tier = {
        let mut seen = 0;
        tiers.iter().any(|t| {
            let (lo, hi) = (seen, seen + t.len());
            seen = hi;
            lo < k && k < hi
        })
    };
    let tie_break = if k > 0 && k < m && splits_a_tier {
        Some(format!(
            "candidates tied at score {} for the last seats; {}",
            scores[idx[k]],
            tb_words(tb)
        ))
    } else {
        None
    };
    let mut committee = order.clone();
    committee.sort_unstable();
    CommitteeResult {
        committee,
        order,
        scores,
        value,
        tie_break,
    }
}

fn tb_words(tb: &TieBreak) -> String {
    if matches!(tb, TieBreak::None) {
        TieBreak::Lexicographic.describe()
    } else {
        tb.describe()
    }
}

/// Approval Voting (AV): the `k` candidates with the most approvals (L&S Def. 2.3).
/// Scores: approval counts; value: the AV score of the committee.
pub fn av(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let pos = tb.positions_or_lex(ap.m)?;
    let s = ap.approval_scores();
    let mut r = top_k_by_score(s, k, &pos, tb, None);
    r.value = Some(r.order.iter().map(|&c| r.scores[c]).sum());
    Ok(r)
}

/// Satisfaction Approval Voting (SAV; Brams & Kilgour 2014): a voter approving `|A_i|`
/// candidates gives each `w_i / |A_i|`; the `k` best-scored win. Scores: SAV scores.
pub fn sav(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let pos = tb.positions_or_lex(ap.m)?;
    let mut s = vec![0.0; ap.m];
    for b in 0..ap.num_ballots() {
        let size = ap.set_size(b);
        if size > 0 {
            let share = ap.weights[b] / size as f64;
            for c in ap.iter_set(b) {
                s[c] += share;
            }
        }
    }
    let mut r = top_k_by_score(s, k, &pos, tb, None);
    r.value = Some(r.order.iter().map(|&c| r.scores[c]).sum());
    Ok(r)
}

/// How a Thiele rule (PAV, CC, ...) is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThieleMethod {
    /// Exhaustive search over all `C(m, k)` committees (bounded; `CoreError::Limit` above
    /// [`THIELE_EXACT_MAX_WORK`] ballot-committee evaluations).
    Exact,
    /// The sequential (greedy) version: add the candidate with the largest marginal gain.
    Sequential,
}

/// Bound on `C(m, k) * distinct ballots` for exact Thiele rules.
pub const THIELE_EXACT_MAX_WORK: f64 = 2e9;

fn binom(n: usize, k: usize) -> f64 {
    let k = k.min(n - k.min(n));
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// A Thiele rule with weights `t[0] = w(1), t[1] = w(2), ...` (L&S Def. 2.6): a voter with `j`
/// approved committee members contributes `w(1) + ... + w(j)`; missing entries count as 0.
/// Exact: maximize the total (ties: the committee whose members, listed in tie-break order, come
/// first lexicographically); scores are approval counts. Sequential (L&S Def. 2.9): each round
/// adds the candidate with the largest marginal gain (ties: tie-break order); scores are the
/// marginal gains at the round each winner was picked (final marginal gains for the others).
/// `value`: the Thiele score of the committee.
pub fn thiele(
    ap: &ApprovalProfile,
    k: usize,
    t: &[f64],
    method: ThieleMethod,
    tb: &TieBreak,
) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    if t.iter().any(|x| !x.is_finite()) {
        return input_err!("Thiele weights must be finite");
    }
    let pos = tb.positions_or_lex(ap.m)?;
    let mut cum = vec![0.0; ap.m + 2];
    for j in 1..cum.len() {
        cum[j] = cum[j - 1] + t.get(j - 1).copied().unwrap_or(0.0);
    }
    match method {
        ThieleMethod::Sequential => Ok(thiele_seq(ap, k, &cum, &pos, tb)),
        ThieleMethod::Exact => thiele_exact(ap, k, &cum, &pos, tb),
    }
}

fn thiele_value(ap: &ApprovalProfile, cum: &[f64], mask: &[u64]) -> f64 {
    (0..ap.num_ballots())
        .map(|b| ap.weights[b] * cum[ap.overlap(b, mask)])
        .sum()
}

fn thiele_seq(
    ap: &ApprovalProfile,
    k: usize,
    cum: &[f64],
    pos: &[usize],
    tb: &TieBreak,
) -> CommitteeResult {
    let m = ap.m;
    let sup = ap.supporters();
    let mut sat = vec![0usize; ap.num_ballots()];
    let mut chosen = vec![false; m];
    let mut order = Vec::with_capacity(k);
    let mut scores = vec![0.0; m];
    let mut notes = Vec::new();
    for round in 0..k {
        let gains: Vec<f64> = (0..m)
            .map(|c| {
                if chosen[c] {
                    f64::NEG_INFINITY
                } else {
                    sup[c]
                        .iter()
                        .map(|&b| {
                            ap.weights[b as usize]
                                * (cum[sat[b as usize] + 1] - cum[sat[b as usize]])
                        })
                        .sum()
                }
            })
            .collect();
        let best = gains.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let tol = 1e-12 * best.abs().max(1.0);
        let tied: Vec<usize> = (0..m)
            .filter(|&c| !chosen[c] && gains[c] >= best - tol)
            .collect();
        let c = tied.iter().copied().min_by_key(|&c| pos[c]).unwrap_or(0);
        if tied.len() > 1 {
            notes.push(format!("round {}: {tied:?} tied, picked {c}", round + 1));
        }
        chosen[c] = true;
        scores[c] = gains[c];
        order.push(c);
        for &b in &sup[c] {
            sat[b as usize] += 1;
        }
        if round + 1 == k {
            for d in 0..m {
                if !chosen[d] {
                    scores[d] = sup[d]
                        .iter()
                        .map(|&b| {
                            ap.weights[b as usize]
                                * (cum[sat[b as usize] + 1] - cum[sat[b as usize]])
                        })
                        .sum();
                }
            }
        }
    }
    let mut committee = order.clone();
    committee.sort_unstable();
    let value = (0..ap.num_ballots())
        .map(|b| ap.weights[b] * cum[sat[b]])
        .sum();
    let tie_break = if notes.is_empty() {
        None
    } else {
        Some(format!("{}: {}", tb_words(tb), notes.join("; ")))
    };
    CommitteeResult {
        committee,
        order,
        scores,
        value: Some(value),
        tie_break,
    }
}

fn thiele_exact(
    ap: &ApprovalProfile,
    k: usize,
    cum: &[f64],
    pos: &[usize],
    tb: &TieBreak,
) -> Result<CommitteeResult> {
    let m = ap.m;
    let work = binom(m, k) * ap.num_ballots().max(1) as f64;
    if work > THIELE_EXACT_MAX_WORK {
        return Err(CoreError::Limit(format!(
            "exact Thiele rule: C({m}, {k}) committees x {} ballots is above the bound {THIELE_EXACT_MAX_WORK:e}; use the sequential method",
            ap.num_ballots()
        )));
    }
    // candidates in tie-break order, committees enumerated lexicographically in that order
    let mut by_pos: Vec<usize> = (0..m).collect();
    by_pos.sort_by_key(|&c| pos[c]);
    let mut idx: Vec<usize> = (0..k).collect();
    let mut best: Option<(f64, Vec<usize>)> = None;
    let mut ties = false;
    loop {
        let comm: Vec<usize> = idx.iter().map(|&i| by_pos[i]).collect();
        let mask = ap.committee_mask(&comm)?;
        let v = thiele_value(ap, cum, &mask);
        let tol = 1e-9 * v.abs().max(1.0);
        match &best {
            Some((bv, _)) if v <= *bv + tol => {
                if (v - *bv).abs() <= tol {
                    ties = true;
                }
            }
            _ => {
                if best.is_some() {
                    ties = false;
                }
                best = Some((v, comm));
            }
        }
        // next combination
        let mut i = k;
        loop {
            if i == 0 {
                break;
            }
            i -= 1;
            if idx[i] != i + m - k {
                break;
            }
            if i == 0 {
                i = usize::MAX;
                break;
            }
        }
        if k == 0 || i == usize::MAX || idx[i] == i + m - k {
            break;
        }
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
    let (value, order) = best.unwrap_or((0.0, Vec::new()));
    let mut committee = order.clone();
    committee.sort_unstable();
    let tie_break = if ties {
        Some(format!(
            "several optimal committees; the first in {} returned",
            tb_words(tb)
        ))
    } else {
        None
    };
    Ok(CommitteeResult {
        committee,
        order,
        scores: ap.approval_scores(),
        value: Some(value),
        tie_break,
    })
}

/// Proportional Approval Voting (Thiele 1895; L&S Def. 2.7): Thiele weights `1, 1/2, 1/3, ...`.
/// `Exact` is PAV, `Sequential` is seq-PAV.
pub fn pav(
    ap: &ApprovalProfile,
    k: usize,
    method: ThieleMethod,
    tb: &TieBreak,
) -> Result<CommitteeResult> {
    let t: Vec<f64> = (1..=ap.m.max(1)).map(|j| 1.0 / j as f64).collect();
    thiele(ap, k, &t, method, tb)
}

/// Approval Chamberlin–Courant (Chamberlin & Courant 1983; L&S Def. 2.8): Thiele weights
/// `1, 0, 0, ...` (maximize the weight of voters with at least one approved member).
pub fn chamberlin_courant(
    ap: &ApprovalProfile,
    k: usize,
    method: ThieleMethod,
    tb: &TieBreak,
) -> Result<CommitteeResult> {
    thiele(ap, k, &[1.0], method, tb)
}

/// Sequential Phragmén (Phragmén 1894; Brill, Freeman, Janson & Lackner 2017/2024, "Phragmén's
/// voting methods and justified representation", Math. Programming): every voter has a load
/// (per unit of weight), initially 0; each round elects the candidate `c` minimizing
/// `t_c = (1 + sum_{i in N_c} w_i l_i) / sum_{i in N_c} w_i` and sets `l_i = t_c` for its
/// supporters. Ties: tie-break order. Candidates nobody approves are added last in tie-break
/// order. Scores: the load `t_c` at which each winner was elected (others: their final `t_c`,
/// `inf` without supporters). Value: the largest voter load.
pub fn seq_phragmen(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let pos = tb.positions_or_lex(ap.m)?;
    let loads = vec![0.0; ap.num_ballots()];
    let (order, scores, loads, notes) = phragmen_from(ap, k, Vec::new(), loads, &pos);
    let mut committee = order.clone();
    committee.sort_unstable();
    let value = loads.iter().copied().fold(0.0, f64::max);
    let tie_break = if notes.is_empty() {
        None
    } else {
        Some(format!("{}: {}", tb_words(tb), notes.join("; ")))
    };
    Ok(CommitteeResult {
        committee,
        order,
        scores,
        value: Some(value),
        tie_break,
    })
}

/// seq-Phragmén continuing from `chosen` with voter loads `loads` (per unit weight).
fn phragmen_from(
    ap: &ApprovalProfile,
    k: usize,
    mut order: Vec<usize>,
    mut loads: Vec<f64>,
    pos: &[usize],
) -> (Vec<usize>, Vec<f64>, Vec<f64>, Vec<String>) {
    let m = ap.m;
    let sup = ap.supporters();
    let mut chosen = vec![false; m];
    for &c in &order {
        chosen[c] = true;
    }
    let mut scores = vec![f64::INFINITY; m];
    let mut notes = Vec::new();
    let t_of = |c: usize, loads: &[f64]| -> f64 {
        let (mut wsum, mut lsum) = (0.0, 0.0);
        for &b in &sup[c] {
            let w = ap.weights[b as usize];
            wsum += w;
            lsum += w * loads[b as usize];
        }
        if wsum > 0.0 {
            (1.0 + lsum) / wsum
        } else {
            f64::INFINITY
        }
    };
    while order.len() < k {
        let ts: Vec<f64> = (0..m)
            .map(|c| {
                if chosen[c] {
                    f64::INFINITY
                } else {
                    t_of(c, &loads)
                }
            })
            .collect();
        let best = (0..m)
            .filter(|&c| !chosen[c])
            .map(|c| ts[c])
            .fold(f64::INFINITY, f64::min);
        let tol = 1e-12 * best.abs().max(1.0);
        let tied: Vec<usize> = (0..m)
            .filter(|&c| {
                !chosen[c] && (ts[c] <= best + tol || (best.is_infinite() && ts[c].is_infinite()))
            })
            .collect();
        let Some(c) = tied.iter().copied().min_by_key(|&c| pos[c]) else {
            break;
        };
        if tied.len() > 1 {
            notes.push(format!(
                "seat {}: {tied:?} tied, picked {c}",
                order.len() + 1
            ));
        }
        chosen[c] = true;
        scores[c] = ts[c];
        order.push(c);
        if ts[c].is_finite() {
            for &b in &sup[c] {
                loads[b as usize] = ts[c];
            }
        }
    }
    for c in 0..m {
        if !chosen[c] {
            scores[c] = t_of(c, &loads);
        }
    }
    (order, scores, loads, notes)
}

/// How the Method of Equal Shares fills seats its budget could not buy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MesCompletion {
    /// No completion: the committee may have fewer than `k` members.
    None,
    /// seq-Phragmén starting from the leftover budgets (voter `i` starts with load
    /// `-budget_i / w_i`), as `abcvoting`'s `equal-shares` rule.
    SeqPhragmen,
    /// Add the remaining candidates with the most approvals (`abcvoting`'s
    /// `equal-shares-with-av-completion`).
    Av,
    /// Rerun MES from scratch with the budget of a virtual committee size `k' = k, k+1, ...`
    /// (each voter gets `w_i k' / n`) until the run buys exactly `k` seats (Peters, Pierczyński &
    /// Skowron 2021, "Proportional participatory budgeting with additive utilities", NeurIPS,
    /// Section 5; `abcvoting`'s `equal-shares-with-increment-completion`). If fewer than `k`
    /// candidates are approved at all, AV fills the committee.
    Increment,
}

/// Method of Equal Shares (MES, "Rule X"; D. Peters and P. Skowron 2020, "Proportionality and
/// the limits of welfarism", EC; L&S Def. 2.12): voter `i` gets the budget `w_i k / n`, each
/// candidate costs 1; each round, for every candidate `c` whose supporters can afford it, find the
/// smallest `rho` with `sum_{i in N_c} min(b_i, rho w_i) = 1`; elect the candidate with the
/// smallest `rho` (ties: tie-break order) and charge its supporters `min(b_i, rho w_i)`. Stops
/// when no candidate is affordable, then completes per `completion`. Scores: `rho` at which
/// each candidate was bought (`inf` otherwise). Runs candidates in parallel.
pub fn equal_shares(
    ap: &ApprovalProfile,
    k: usize,
    completion: MesCompletion,
    tb: &TieBreak,
) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let m = ap.m;
    let pos = tb.positions_or_lex(m)?;
    let sup = ap.supporters();
    let mut run = mes_run(ap, &sup, k, k as f64, &pos)?;
    if completion == MesCompletion::Increment && run.order.len() < k {
        let approved = sup.iter().filter(|s| !s.is_empty()).count();
        if approved < k {
            av_fill(ap, k, &pos, &mut run.order, &mut run.notes);
            run.notes.push(format!(
                "increment completion: only {approved} candidates are approved, AV filled the rest"
            ));
        } else {
            // buying k seats needs at most a budget of k per unit of weight in total; each step
            // adds one virtual seat (the bound is abcvoting's: ceil(k n) + 1 virtual seats)
            let n = ap.total_weight();
            let last = (k as f64 * n).ceil() as usize + 1;
            let mut virtual_k = k + 1;
            while run.order.len() < k && virtual_k <= last.max(k + 1) {
                run = mes_run(ap, &sup, k, virtual_k as f64, &pos)?;
                virtual_k += 1;
            }
            run.notes.push(format!(
                "increment completion: budgets of a virtual committee of size {}",
                virtual_k - 1
            ));
        }
    }
    let MesRun {
        mut order,
        scores,
        budget,
        mut notes,
    } = run;
    let w = &ap.weights;
    let bought = order.len();
    if order.len() < k {
        match completion {
            MesCompletion::None | MesCompletion::Increment => {}
            MesCompletion::SeqPhragmen => {
                let loads: Vec<f64> = budget.iter().zip(w).map(|(b, wi)| -b / wi).collect();
                let (o, _, _, n2) = phragmen_from(ap, k, order, loads, &pos);
                order = o;
                notes.extend(n2.into_iter().map(|s| format!("completion {s}")));
            }
            MesCompletion::Av => av_fill(ap, k, &pos, &mut order, &mut notes),
        }
    }
    let mut committee = order.clone();
    committee.sort_unstable();
    let tie_break = if notes.iter().any(|s| !s.starts_with("increment completion")) {
        Some(format!("{}: {}", tb_words(tb), notes.join("; ")))
    } else if notes.is_empty() {
        None
    } else {
        Some(notes.join("; "))
    };
    Ok(CommitteeResult {
        committee,
        order,
        scores,
        value: Some(bought as f64),
        tie_break,
    })
}

/// One run of MES: what it bought (in order), the `rho` of each purchase, and what is left.
struct MesRun {
    order: Vec<usize>,
    scores: Vec<f64>,
    budget: Vec<f64>,
    notes: Vec<String>,
}

/// Add the not-yet-chosen candidates with the most approvals until `order` has `k` members.
fn av_fill(
    ap: &ApprovalProfile,
    k: usize,
    pos: &[usize],
    order: &mut Vec<usize>,
    notes: &mut Vec<String>,
) {
    let s = ap.approval_scores();
    let mut chosen = vec![false; ap.m];
    for &c in order.iter() {
        chosen[c] = true;
    }
    let mut rest: Vec<usize> = (0..ap.m).filter(|&c| !chosen[c]).collect();
    rest.sort_by(|&a, &b| s[b].total_cmp(&s[a]).then(pos[a].cmp(&pos[b])));
    let need = k.saturating_sub(order.len());
    if need > 0 && rest.len() > need && s[rest[need - 1]] == s[rest[need]] {
        notes.push("AV completion: tie for the last seats".into());
    }
    order.extend(rest.into_iter().take(need));
}

/// MES buying at most `k` seats with voter budgets `w_i * virtual_k / n`.
fn mes_run(
    ap: &ApprovalProfile,
    sup: &[Vec<u32>],
    k: usize,
    virtual_k: f64,
    pos: &[usize],
) -> Result<MesRun> {
    let m = ap.m;
    let n = ap.total_weight();
    let w = &ap.weights;
    let mut budget: Vec<f64> = w.iter().map(|&x| x * virtual_k / n).collect();
    let mut chosen = vec![false; m];
    let mut order = Vec::new();
    let mut scores = vec![f64::INFINITY; m];
    let mut notes = Vec::new();
    while order.len() < k {
        let rhos: Vec<f64> = with_threads(ap.threads, || {
            (0..m)
                .into_par_iter()
                .map(|c| {
                    if chosen[c] {
                        f64::INFINITY
                    } else {
                        mes_rho(&sup[c], &budget, w)
                    }
                })
                .collect()
        })?;
        let best = rhos.iter().copied().fold(f64::INFINITY, f64::min);
        if !best.is_finite() {
            break;
        }
        let tol = 1e-10 * best.abs().max(1e-12);
        let tied: Vec<usize> = (0..m)
            .filter(|&c| !chosen[c] && rhos[c] <= best + tol)
            .collect();
        let c = tied.iter().copied().min_by_key(|&c| pos[c]).unwrap_or(0);
        if tied.len() > 1 {
            notes.push(format!(
                "seat {}: {tied:?} tied at rho {best}, picked {c}",
                order.len() + 1
            ));
        }
        for &b in &sup[c] {
            let b = b as usize;
            budget[b] -= budget[b].min(rhos[c] * w[b]);
            if budget[b] < 1e-15 {
                budget[b] = 0.0;
            }
        }
        chosen[c] = true;
        scores[c] = rhos[c];
        order.push(c);
    }
    Ok(MesRun {
        order,
        scores,
        budget,
        notes,
    })
}

/// Smallest `rho` with `sum min(b_i, rho w_i) = 1` over the supporters, or `inf` if unaffordable.
fn mes_rho(sup: &[u32], budget: &[f64], w: &[f64]) -> f64 {
    let total: f64 = sup.iter().map(|&b| budget[b as usize]).sum();
    if sup.is_empty() || total < 1.0 - 1e-9 {
        return f64::INFINITY;
    }
    let mut v: Vec<(f64, f64, f64)> = sup
        .iter()
        .map(|&b| {
            (
                budget[b as usize] / w[b as usize],
                budget[b as usize],
                w[b as usize],
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut price = 1.0;
    let mut wrest: f64 = v.iter().map(|x| x.2).sum();
    for &(ratio, b, wi) in &v {
        // if every remaining supporter pays rho * w, rho = price / wrest; valid if rho <= ratio
        if wrest > 0.0 && price / wrest <= ratio + 1e-15 {
            return price / wrest;
        }
        price -= b;
        wrest -= wi;
    }
    // numerical edge: the total budget exactly covers the price
    v.last().map_or(f64::INFINITY, |x| x.0)
}

/// A witness that a committee violates JR / PJR / EJR: a group of voters of total weight
/// `group_weight >= ell * n / k` that jointly approves the candidates `candidates` (`ell` of
/// them) yet is under-represented. For PJR, `allowed` is a set of fewer than `ell` committee
/// members that contains every committee member the group approves.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub ell: usize,
    pub candidates: Vec<usize>,
    pub allowed: Vec<usize>,
    pub group_weight: f64,
}

/// Bound on search steps for the PJR / EJR checks (both are coNP-complete; Aziz et al. 2017).
pub const PROPORTIONALITY_MAX_STEPS: u64 = 200_000_000;

/// Justified representation (Aziz, Brill, Conitzer, Elkind, Freeman & Walsh 2017, "Justified
/// representation in approval-based committee voting", SCW 48): no group of weight `>= n/k`
/// with a commonly approved candidate has no approved member in the committee. Returns the
/// violation, or `None` if JR holds. `k` is the committee size.
pub fn check_jr(ap: &ApprovalProfile, committee: &[usize]) -> Result<Option<Violation>> {
    let k = committee.len();
    ap.check_rule(k)?;
    if k == 0 {
        return input_err!("JR needs a non-empty committee");
    }
    let mask = ap.committee_mask(committee)?;
    let thr = ap.total_weight() / k as f64;
    let tol = 1e-9 * thr.max(1.0);
    let mut best: Option<Violation> = None;
    for c in 0..ap.m {
        let g: f64 = (0..ap.num_ballots())
            .filter(|&b| ap.approves(b, c) && ap.overlap(b, &mask) == 0)
            .map(|b| ap.weights[b])
            .sum();
        if g >= thr - tol && best.is_none() {
            best = Some(Violation {
                ell: 1,
                candidates: vec![c],
                allowed: vec![],
                group_weight: g,
            });
        }
    }
    Ok(best)
}

/// Extended justified representation (Aziz et al. 2017): for no `ell` in `1..=k` is there a
/// group of weight `>= ell n / k` approving `ell` common candidates whose members all have fewer
/// than `ell` approved committee members. Exact search over candidate sets with pruning;
/// `CoreError::Limit` after [`PROPORTIONALITY_MAX_STEPS`] steps.
pub fn check_ejr(ap: &ApprovalProfile, committee: &[usize]) -> Result<Option<Violation>> {
    let k = committee.len();
    ap.check_rule(k)?;
    if k == 0 {
        return input_err!("EJR needs a non-empty committee");
    }
    let mask = ap.committee_mask(committee)?;
    let n = ap.total_weight();
    let sat: Vec<usize> = (0..ap.num_ballots())
        .map(|b| ap.overlap(b, &mask))
        .collect();
    let mut steps = 0u64;
    for ell in 1..=k {
        let thr = ell as f64 * n / k as f64;
        let voters: Vec<u32> = (0..ap.num_ballots() as u32)
            .filter(|&b| sat[b as usize] < ell)
            .collect();
        if let Some((cands, g)) = common_search(ap, &voters, ell, thr, &mut steps)? {
            return Ok(Some(Violation {
                ell,
                candidates: cands,
                allowed: vec![],
                group_weight: g,
            }));
        }
    }
    Ok(None)
}

/// Proportional justified representation (Sánchez-Fernández, Elkind, Lackner, Fernández,
/// Fisteus, Basanta Val & Skowron 2017, "Proportional justified representation", AAAI): for no
/// `ell` is there a group of weight `>= ell n / k` approving `ell` common candidates such that
/// fewer than `ell` committee members are approved by some group member. Searched over the
/// `(ell−1)`-subsets `W'` of the committee (voters whose approved members all lie in `W'`), then
/// over commonly approved candidate sets; `CoreError::Limit` after
/// [`PROPORTIONALITY_MAX_STEPS`] steps.
pub fn check_pjr(ap: &ApprovalProfile, committee: &[usize]) -> Result<Option<Violation>> {
    let k = committee.len();
    ap.check_rule(k)?;
    if k == 0 {
        return input_err!("PJR needs a non-empty committee");
    }
    let mask = ap.committee_mask(committee)?;
    let n = ap.total_weight();
    let mut steps = 0u64;
    let words = ap.words;
    for ell in 1..=k {
        let thr = ell as f64 * n / k as f64;
        let tol = 1e-9 * thr.max(1.0);
        let r = ell - 1;
        // enumerate r-subsets of the committee
        let mut idx: Vec<usize> = (0..r).collect();
        loop {
            let mut allowed_mask = vec![0u64; words];
            for &i in &idx {
                let c = committee[i];
                allowed_mask[c / 64] |= 1 << (c % 64);
            }
            // voters whose approved committee members all lie in W'
            let voters: Vec<u32> = (0..ap.num_ballots() as u32)
                .filter(|&b| {
                    ap.row(b as usize)
                        .iter()
                        .zip(&mask)
                        .zip(&allowed_mask)
                        .all(|((x, cm), al)| x & cm & !al == 0)
                })
                .collect();
            let wsum: f64 = voters.iter().map(|&b| ap.weights[b as usize]).sum();
            if wsum >= thr - tol {
                if let Some((cands, g)) = common_search(ap, &voters, ell, thr, &mut steps)? {
                    let allowed = idx.iter().map(|&i| committee[i]).collect();
                    return Ok(Some(Violation {
                        ell,
                        candidates: cands,
                        allowed,
                        group_weight: g,
                    }));
                }
            }
            // next r-combination of 0..k
            let mut i = r;
            let mut advanced = false;
            while i > 0 {
                i -= 1;
                if idx[i] < i + k - r {
                    idx[i] += 1;
                    for j in i + 1..r {
                        idx[j] = idx[j - 1] + 1;
                    }
                    advanced = true;
                    break;
                }
            }
            if !advanced {
                break;
            }
            steps += 1;
            if steps > PROPORTIONALITY_MAX_STEPS {
                return Err(CoreError::Limit(format!(
                    "PJR check exceeded {PROPORTIONALITY_MAX_STEPS} search steps"
                )));
            }
        }
    }
    Ok(None)
}

/// Is there a set of `ell` candidates approved by all members of a subgroup of `voters` of weight
/// `>= thr`? Depth-first over candidates in index order, keeping the voters approving all chosen.
fn common_search(
    ap: &ApprovalProfile,
    voters: &[u32],
    ell: usize,
    thr: f64,
    steps: &mut u64,
) -> Result<Option<(Vec<usize>, f64)>> {
    let tol = 1e-9 * thr.max(1.0);
    let wsum: f64 = voters.iter().map(|&b| ap.weights[b as usize]).sum();
    if wsum < thr - tol {
        return Ok(None);
    }
    // candidates with enough support among the voters
    let cands: Vec<usize> = (0..ap.m)
        .filter(|&c| {
            voters
                .iter()
                .filter(|&&b| ap.approves(b as usize, c))
                .map(|&b| ap.weights[b as usize])
                .sum::<f64>()
                >= thr - tol
        })
        .collect();
    if cands.len() < ell {
        return Ok(None);
    }
    let mut chosen = Vec::with_capacity(ell);
    dfs_common(ap, voters, &cands, 0, ell, thr - tol, &mut chosen, steps)
}

#[allow(clippy::too_many_arguments)]
fn dfs_common(
    ap: &ApprovalProfile,
    voters: &[u32],
    cands: &[usize],
    from: usize,
    ell: usize,
    thr: f64,
    chosen: &mut Vec<usize>,
    steps: &mut u64,
) -> Result<Option<(Vec<usize>, f64)>> {
    let g: f64 = voters.iter().map(|&b| ap.weights[b as usize]).sum();
    if g < thr {
        return Ok(None);
    }
    if chosen.len() == ell {
        return Ok(Some((chosen.clone(), g)));
    }
    for i in from..cands.len() {
        if cands.len() - i < ell - chosen.len() {
            break;
        }
        *steps += 1;
        if *steps > PROPORTIONALITY_MAX_STEPS {
            return Err(CoreError::Limit(format!(
                "proportionality check exceeded {PROPORTIONALITY_MAX_STEPS} search steps"
            )));
        }
        let c = cands[i];
        let sub: Vec<u32> = voters
            .iter()
            .copied()
            .filter(|&b| ap.approves(b as usize, c))
            .collect();
        chosen.push(c);
        if let Some(r) = dfs_common(ap, &sub, cands, i + 1, ell, thr, chosen, steps)? {
            return Ok(Some(r));
        }
        chosen.pop();
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: usize = 0;
    const B: usize = 1;
    const C: usize = 2;
    const D: usize = 3;
    const E: usize = 4;
    const F: usize = 5;
    const G: usize = 6;

    /// Lackner & Skowron's running example (abcvoting survey/example01.py): 12 voters, 8
    /// candidates, k = 4.
    fn example1() -> ApprovalProfile {
        let sets = vec![
            vec![A, B],
            vec![A, B],
            vec![A, B],
            vec![A, C],
            vec![A, C],
            vec![A, C],
            vec![A, D],
            vec![A, D],
            vec![B, C, F],
            vec![E],
            vec![F],
            vec![G],
        ];
        ApprovalProfile::new(8, &sets, None).unwrap()
    }

    #[test]
    fn survey_example_1() {
        let p = example1();
        let tb = TieBreak::None;
        // abcvoting: AV -> {a,b,c,d} or {a,b,c,f}
        let r = av(&p, 4, &tb).unwrap();
        assert_eq!(r.committee, vec![A, B, C, D]);
        assert!(r.tie_break.is_some());
        let r = av(&p, 4, &TieBreak::Order(vec![5, 0, 1, 2, 3, 4, 6, 7])).unwrap();
        assert_eq!(r.committee, vec![A, B, C, F]);
        // CC -> {a,e,f,g}; PAV -> {a,b,c,f}; seq-Phragmén -> {a,b,c,d}
        assert_eq!(
            chamberlin_courant(&p, 4, ThieleMethod::Exact, &tb)
                .unwrap()
                .committee,
            vec![A, E, F, G]
        );
        assert_eq!(
            pav(&p, 4, ThieleMethod::Exact, &tb).unwrap().committee,
            vec![A, B, C, F]
        );
        assert_eq!(
            seq_phragmen(&p, 4, &tb).unwrap().committee,
            vec![A, B, C, D]
        );
    }

    #[test]
    fn survey_example_5_pav_vs_seqpav() {
        let mut sets = Vec::new();
        sets.extend(vec![vec![A, B]; 3]);
        sets.extend(vec![vec![A, D]; 6]);
        sets.extend(vec![vec![B]; 4]);
        sets.extend(vec![vec![C]; 5]);
        sets.extend(vec![vec![C, D]; 5]);
        let p = ApprovalProfile::new(4, &sets, None).unwrap();
        assert_eq!(
            pav(&p, 2, ThieleMethod::Exact, &TieBreak::None)
                .unwrap()
                .committee,
            vec![A, C]
        );
        assert_eq!(
            pav(&p, 2, ThieleMethod::Sequential, &TieBreak::None)
                .unwrap()
                .committee,
            vec![C, D]
        );
        // Janson's example (weighted voters): PAV {a,b}, seq-PAV {a,c}
        let sets = vec![
            vec![A, C, D],
            vec![B, C, D],
            vec![B, C],
            vec![A, B],
            vec![A, D],
            vec![A, C],
            vec![B, D],
            vec![D],
            vec![C],
            vec![B],
        ];
        let w = [
            960.0, 3000.0, 520.0, 1620.0, 1081.0, 1240.0, 360.0, 360.0, 120.0, 60.0,
        ];
        let p = ApprovalProfile::new(4, &sets, Some(&w)).unwrap();
        assert_eq!(
            pav(&p, 2, ThieleMethod::Exact, &TieBreak::None)
                .unwrap()
                .committee,
            vec![A, B]
        );
        assert_eq!(
            pav(&p, 2, ThieleMethod::Sequential, &TieBreak::None)
                .unwrap()
                .committee,
            vec![A, C]
        );
    }

    #[test]
    fn book_example_2_12_mes_vs_phragmen() {
        // L&S book Example 2.12 (abcvoting examples/abcbook/example212.py): k = 3,
        // MES -> {a,c,d}, seq-Phragmén -> {b,c,d}.
        let mut sets = vec![vec![C, D]; 3];
        sets.extend(vec![vec![A, B]; 2]);
        sets.extend(vec![vec![A, C]; 2]);
        sets.push(vec![B, D]);
        let p = ApprovalProfile::new(4, &sets, None).unwrap();
        let r = equal_shares(&p, 3, MesCompletion::SeqPhragmen, &TieBreak::None).unwrap();
        assert_eq!(r.committee, vec![A, C, D]);
        // phase 1 buys c (rho = 1/5) and a (rho = 13/40), as in the book
        assert_eq!(&r.order[..2], &[C, A]);
        assert!((r.scores[C] - 0.2).abs() < 1e-12 && (r.scores[A] - 13.0 / 40.0).abs() < 1e-12);
        assert_eq!(r.value, Some(2.0));
        let r = equal_shares(&p, 3, MesCompletion::None, &TieBreak::None).unwrap();
        assert_eq!(r.committee, vec![A, C]);
        assert_eq!(
            seq_phragmen(&p, 3, &TieBreak::None).unwrap().committee,
            vec![B, C, D]
        );
    }

    #[test]
    fn av_majority_vs_pav_proportional() {
        // 6 voters approve {a,b,c}, 4 voters approve {d,e}: AV (k=3) picks only majority
        // candidates; PAV, seq-Phragmén and MES give the minority a seat. AV violates JR.
        let mut sets = vec![vec![A, B, C]; 6];
        sets.extend(vec![vec![D, E]; 4]);
        let p = ApprovalProfile::new(5, &sets, None).unwrap();
        let tb = TieBreak::None;
        let r = av(&p, 3, &tb).unwrap();
        assert_eq!(r.committee, vec![A, B, C]);
        let v = check_jr(&p, &r.committee)
            .unwrap()
            .expect("AV violates JR here");
        assert_eq!(v.candidates, vec![D]);
        assert_eq!(v.group_weight, 4.0);
        assert!(check_pjr(&p, &r.committee).unwrap().is_some());
        assert!(check_ejr(&p, &r.committee).unwrap().is_some());
        for comm in [
            pav(&p, 3, ThieleMethod::Exact, &tb).unwrap().committee,
            pav(&p, 3, ThieleMethod::Sequential, &tb).unwrap().committee,
            seq_phragmen(&p, 3, &tb).unwrap().committee,
            equal_shares(&p, 3, MesCompletion::SeqPhragmen, &tb)
                .unwrap()
                .committee,
        ] {
            assert_eq!(comm, vec![A, B, D], "{comm:?}");
            assert!(check_jr(&p, &comm).unwrap().is_none());
            assert!(check_pjr(&p, &comm).unwrap().is_none());
            assert!(check_ejr(&p, &comm).unwrap().is_none());
        }
    }

    #[test]
    fn pjr_without_ejr() {
        // A committee satisfying PJR but not EJR (hand-built): k = 3, n = 6.
        // 2 voters {a,b,d}? Construct: voters 1-2 approve {a,b}, voters 3-4 approve {a,b}... use
        // group of 4 voters approving {a,b} each with one approved member, but the members differ:
        // v1,v2: {a,b,x}, v3,v4: {a,b,y}; committee {x,y,z}; v5,v6: {z}.
        let (x, y, z) = (2, 3, 4);
        let sets = vec![
            vec![A, B, x],
            vec![A, B, x],
            vec![A, B, y],
            vec![A, B, y],
            vec![z],
            vec![z],
        ];
        let p = ApprovalProfile::new(5, &sets, None).unwrap();
        let comm = vec![x, y, z];
        // ell = 2: group v1..v4 (weight 4 >= 2*6/3) approves {a,b}; each has 1 < 2 members: EJR fails
        let v = check_ejr(&p, &comm).unwrap().unwrap();
        assert_eq!((v.ell, v.candidates.clone()), (2, vec![A, B]));
        // but together they approve x and y: 2 members -> PJR holds
        assert!(check_pjr(&p, &comm).unwrap().is_none());
        assert!(check_jr(&p, &comm).unwrap().is_none());
    }

    #[test]
    fn random_axiom_guarantees() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..150 {
            let m = rng.random_range(3..8);
            let n = rng.random_range(2..12);
            let sets: Vec<Vec<usize>> = (0..n)
                .map(|_| (0..m).filter(|_| rng.random_bool(0.35)).collect())
                .collect();
            let p = ApprovalProfile::new(m, &sets, None).unwrap();
            if p.total_weight() == 0.0 {
                continue;
            }
            let k = rng.random_range(1..=m.min(4));
            let tb = TieBreak::None;
            // PAV satisfies EJR; MES satisfies EJR; seq-Phragmén satisfies PJR (L&S Table 4.1)
            let pavc = pav(&p, k, ThieleMethod::Exact, &tb).unwrap().committee;
            assert!(check_ejr(&p, &pavc).unwrap().is_none(), "PAV {sets:?} {k}");
            let mes = equal_shares(&p, k, MesCompletion::SeqPhragmen, &tb)
                .unwrap()
                .committee;
            assert_eq!(mes.len(), k);
            assert!(check_ejr(&p, &mes).unwrap().is_none(), "MES {sets:?} {k}");
            let ph = seq_phragmen(&p, k, &tb).unwrap().committee;
            assert!(
                check_pjr(&p, &ph).unwrap().is_none(),
                "Phragmen {sets:?} {k}"
            );
            // sequential PAV never beats exact PAV
            let e = pav(&p, k, ThieleMethod::Exact, &tb).unwrap().value.unwrap();
            let s = pav(&p, k, ThieleMethod::Sequential, &tb)
                .unwrap()
                .value
                .unwrap();
            assert!(s <= e + 1e-9);
        }
    }

    #[test]
    fn bad_input() {
        assert!(ApprovalProfile::new(3, &[vec![3]], None).is_err());
        assert!(ApprovalProfile::new(3, &[vec![1, 1]], None).is_err());
        assert!(ApprovalProfile::new(3, &[vec![1]], Some(&[-2.0])).is_err());
        let p = ApprovalProfile::new(3, &[vec![1]], None).unwrap();
        let e = av(&p, 4, &TieBreak::None).unwrap_err();
        assert!(format!("{e}").contains("k = 4"));
        assert!(check_jr(&p, &[1, 1]).is_err());
        let empty = ApprovalProfile::new(3, &[], None).unwrap();
        assert!(seq_phragmen(&empty, 1, &TieBreak::None).is_err());
        let big = ApprovalProfile::new(60, &vec![vec![1]; 3], None).unwrap();
        assert!(matches!(
            pav(&big, 30, ThieleMethod::Exact, &TieBreak::None),
            Err(CoreError::Limit(_))
        ));
    }

    #[test]
    fn layouts_agree_and_merge() {
        let a = ApprovalProfile::new(3, &[vec![0, 2], vec![1], vec![0, 2]], None).unwrap();
        let b = ApprovalProfile::from_flat(3, &[0, 2, 1, 2, 0], &[0, 2, 3, 5], None).unwrap();
        let c = ApprovalProfile::from_matrix(3, 3, &[1, 0, 1, 0, 1, 0, 1, 0, 1], None).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.weights(), &[2.0, 1.0]);
        let ab = a.merge(&b).unwrap();
        assert_eq!(ab.weights(), &[4.0, 2.0]);
        let (m, s, w) = ab.to_parts();
        assert_eq!(
            ApprovalProfile::from_parts(m, s.to_vec(), w.to_vec()).unwrap(),
            ab
        );
        assert_eq!(approval(&a, &TieBreak::None).unwrap().winners, vec![0, 2]);
    }
}
