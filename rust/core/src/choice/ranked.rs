//! Ranked (ordinal) single-winner rules: positional scoring, the Condorcet family on the pairwise
//! margin matrix, and sequential elimination rules.
//!
//! Weak orders: each rule states how ties inside a ballot are handled. Positional rules give
//! every candidate of a tier the average of the scores of the positions the tier occupies; rules
//! that count "the top of a ballot" split the ballot's weight equally over its top tier.
//!
//! References used throughout: F. Brandt, V. Conitzer, U. Endriss, J. Lang, A. Procaccia (eds.),
//! *Handbook of Computational Social Choice* (CUP 2016), ch. 2–4 ("Handbook"); W. Holliday and
//! E. Pacuit, `pref_voting` documentation (for conventions on ties).

use rayon::prelude::*;

use super::{layers, result_from_scores, tiers_by_score, Pairwise, Profile, RuleResult, TieBreak};
use crate::error::{CoreError, Result};
use crate::input_err;
use crate::parallel::with_threads;

/// Ballots per parallel work item in tallies (fixed, so sums never depend on thread count).
const TALLY_CHUNK: usize = 4096;

/// Sum a per-ballot contribution over all distinct ballots in fixed chunks, in parallel.
/// `f(ranks, weight, acc)` adds one ballot's contribution into `acc` (length `width`).
pub(crate) fn tally<F>(p: &Profile, width: usize, f: F) -> Result<Vec<f64>>
where
    F: Fn(&[u16], f64, &mut [f64]) + Sync + Send,
{
    let m = p.num_candidates();
    let parts: Vec<Vec<f64>> = with_threads(p.threads(), || {
        p.all_ranks()
            .par_chunks(TALLY_CHUNK * m)
            .zip(p.weights().par_chunks(TALLY_CHUNK))
            .map(|(rs, ws)| {
                let mut acc = vec![0.0; width];
                for (r, &w) in rs.chunks_exact(m).zip(ws) {
                    f(r, w, &mut acc);
                }
                acc
            })
            .collect()
    })?;
    let mut out = vec![0.0; width];
    for part in parts {
        for (o, x) in out.iter_mut().zip(part) {
            *o += x;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Positional rules
// ---------------------------------------------------------------------------------------------

/// Positional scoring rule with score vector `s` (`s[0]` for the top position, length `m`).
///
/// Ties: a tier occupying positions `k..k+t` gives each of its candidates the average
/// `(s[k] + ... + s[k+t-1]) / t` (the "averaged positions" extension to weak orders; for Borda it
/// equals the pairwise form `#beaten + ½ #tied`, Black 1976, "Partial justification of the Borda
/// count", Public Choice 28). Unlisted candidates form the bottom tier.
/// Scores: the weighted sum per candidate; ranking by score; ties are not broken.
pub fn positional(p: &Profile, s: &[f64]) -> Result<RuleResult> {
    let m = p.num_candidates();
    if s.len() != m {
        return input_err!(
            "score vector has {} entries for {m} candidates; pass one per position",
            s.len()
        );
    }
    if s.iter().any(|x| !x.is_finite()) {
        return input_err!("score vector has a non-finite entry");
    }
    p.check_nonempty()?;
    let mut prefix = vec![0.0; m + 1];
    for i in 0..m {
        prefix[i + 1] = prefix[i] + s[i];
    }
    let scores = tally(p, m, |r, w, acc| {
        let mut size = [0u32; 64];
        let mut big: Vec<u32>;
        let sizes: &mut [u32] = if m < 64 {
            &mut size[..=m]
        } else {
            big = vec![0; m + 1];
            &mut big
        };
        for &t in r {
            sizes[t as usize] += 1;
        }
        // turn sizes into the average score of each tier
        let mut start = 0usize;
        let mut avg = [0.0f64; 64];
        let mut bigavg: Vec<f64>;
        let avgs: &mut [f64] = if m < 64 {
            &mut avg[..=m]
        } else {
            bigavg = vec![0.0; m + 1];
            &mut bigavg
        };
        for (t, &sz) in sizes.iter().enumerate() {
            if sz > 0 {
                let e = start + sz as usize;
                avgs[t] = (prefix[e] - prefix[start]) / sz as f64;
                start = e;
            }
        }
        for (a, &t) in acc.iter_mut().zip(r) {
            *a += w * avgs[t as usize];
        }
    })?;
    Ok(result_from_scores(scores))
}

/// Plurality: score vector `(1, 0, ..., 0)`; a top tier of `t` candidates gives each `1/t`.
/// Handbook ch. 2.
pub fn plurality(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let mut s = vec![0.0; m];
    s[0] = 1.0;
    positional(p, &s)
}

/// Borda count: score vector `(m-1, m-2, ..., 0)` with tied candidates averaging their positions,
/// i.e. a candidate scores `#candidates below it + ½ #candidates tied with it` on each ballot
/// (Black 1976; the "symmetric" Borda count for weak orders). Handbook ch. 2.
pub fn borda(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let s: Vec<f64> = (0..m).map(|i| (m - 1 - i) as f64).collect();
    positional(p, &s)
}

/// Anti-plurality (veto): score vector `(1, ..., 1, 0)`, ties averaged as in [`positional`].
pub fn anti_plurality(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let mut s = vec![1.0; m];
    s[m - 1] = 0.0;
    positional(p, &s)
}

/// Random dictatorship: a ballot is drawn with probability proportional to its weight and its top
/// candidate wins (a top tier of `t` candidates: each with probability `1/t`). Scores are the
/// winning probabilities; winners are the candidates with positive probability.
/// (Gibbard 1977, "Manipulation of schemes that mix voting with chance", Econometrica 45.)
pub fn random_dictatorship(p: &Profile) -> Result<RuleResult> {
    let r = plurality(p)?;
    let tot: f64 = r.scores.iter().sum();
    let scores: Vec<f64> = r.scores.iter().map(|s| s / tot).collect();
    let winners = (0..scores.len()).filter(|&c| scores[c] > 0.0).collect();
    Ok(RuleResult {
        winners,
        ranking: Some(tiers_by_score(&scores, true)),
        scores,
        tie_break: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Condorcet family (on the pairwise matrix)
// ---------------------------------------------------------------------------------------------

impl Pairwise {
    /// Tolerance below which a margin counts as 0 (guards float sums of non-integer weights).
    pub fn tol(&self) -> f64 {
        1e-9 * self.total().max(1.0)
    }
    /// `a` beats `b` by strict majority (margin above [`Pairwise::tol`]).
    pub fn beats(&self, a: usize, b: usize) -> bool {
        self.margin(a, b) > self.tol()
    }
}

/// Copeland: a candidate scores 1 per pairwise majority win and `alpha` per pairwise tie
/// (Copeland^alpha, Faliszewski, Hemaspaandra, Hemaspaandra & Rothe 2009, JAIR 35). `alpha` in
/// `[0, 1]`; `alpha = 0.5` is classic Copeland (same ranking as wins − losses), `alpha = 1` Llull.
pub fn copeland(pw: &Pairwise, alpha: f64) -> Result<RuleResult> {
    if !(0.0..=1.0).contains(&alpha) {
        return input_err!("Copeland alpha must be in [0, 1], got {alpha}");
    }
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let scores = (0..m)
        .map(|a| {
            (0..m)
                .filter(|&b| b != a)
                .map(|b| {
                    if pw.beats(a, b) {
                        1.0
                    } else if pw.beats(b, a) {
                        0.0
                    } else {
                        alpha
                    }
                })
                .sum()
        })
        .collect();
    Ok(result_from_scores(scores))
}

/// Llull's rule: Copeland with `alpha = 1` (a pairwise tie counts as a win).
pub fn llull(pw: &Pairwise) -> Result<RuleResult> {
    copeland(pw, 1.0)
}

/// How Minimax measures the strength of a defeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinimaxStrength {
    /// `margin(b, c)` (may be negative).
    Margins,
    /// `support(b, c)` when `b` beats `c`, else 0.
    WinningVotes,
    /// `support(b, c)` regardless of who wins (pairwise opposition).
    PairwiseOpposition,
}

/// Minimax (Simpson–Kramer): the winners minimize their worst pairwise defeat
/// `max_b strength(b over c)` (Handbook ch. 4; the three strength measures as in Tideman,
/// *Collective Decisions and Voting*, 2006). Scores are `-max_b strength(b over c)` (higher better).
pub fn minimax(pw: &Pairwise, strength: MinimaxStrength) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let scores = (0..m)
        .map(|c| {
            let worst = (0..m)
                .filter(|&b| b != c)
                .map(|b| match strength {
                    MinimaxStrength::Margins => pw.margin(b, c),
                    MinimaxStrength::WinningVotes => {
                        if pw.beats(b, c) {
                            pw.support(b, c)
                        } else {
                            0.0
                        }
                    }
                    MinimaxStrength::PairwiseOpposition => pw.support(b, c),
                })
                .fold(f64::NEG_INFINITY, f64::max);
            if m == 1 {
                0.0
            } else {
                -worst
            }
        })
        .collect();
    Ok(result_from_scores(scores))
}

/// How Schulze measures the strength of a link `a → b` (only links with `a` beating `b` exist).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchulzeStrength {
    /// `margin(a, b)`.
    Margin,
    /// `support(a, b)` (winning votes, Schulze's own default).
    WinningVotes,
    /// `support(a, b) / support(b, a)` (infinite when nobody prefers `b` to `a`).
    Ratio,
}

/// Widest-path (Floyd–Warshall) strengths over the given link strengths `d` (0 = no link).
fn widest_paths(m: usize, mut p: Vec<f64>) -> Vec<f64> {
    for k in 0..m {
        for i in 0..m {
            if i == k {
                continue;
            }
            let pik = p[i * m + k];
            if pik <= 0.0 {
                continue;
            }
            for j in 0..m {
                if j != i && j != k {
                    let v = pik.min(p[k * m + j]);
                    if v > p[i * m + j] {
                        p[i * m + j] = v;
                    }
                }
            }
        }
    }
    p
}

/// Schulze's beat-path method (M. Schulze 2011, "A new monotonic, clone-independent, reversal
/// symmetric, and Condorcet-consistent single-winner election method", Social Choice and
/// Welfare 36; the link strengths margin, winning votes and ratio are those of its section 2.1):
/// `p[a][b]` is the strength of the strongest (widest) path from `a` to `b`
/// computed by Floyd–Warshall; `a` beats `b` iff `p[a][b] > p[b][a]`. Winners are the unbeaten
/// candidates; the ranking layers the (transitive) beat relation; scores count beaten candidates.
pub fn schulze(pw: &Pairwise, strength: SchulzeStrength) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let mut d = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            if a != b && pw.beats(a, b) {
                d[a * m + b] = match strength {
                    SchulzeStrength::Margin => pw.margin(a, b),
                    SchulzeStrength::WinningVotes => pw.support(a, b),
                    SchulzeStrength::Ratio => {
                        let against = pw.support(b, a);
                        if against > 0.0 {
                            pw.support(a, b) / against
                        } else {
                            f64::INFINITY
                        }
                    }
                };
            }
        }
    }
    let p = widest_paths(m, d);
    let tol = pw.tol();
    let mut beats = vec![false; m * m];
    for a in 0..m {
        for b in 0..m {
            let (ab, ba) = (p[a * m + b], p[b * m + a]);
            beats[a * m + b] = a != b
                && match strength {
                    // ratios are scale-free: compare them with a relative tolerance
                    SchulzeStrength::Ratio => ab > ba + 1e-9 * ba.max(1.0),
                    _ => ab > ba + tol,
                };
        }
    }
    finish_relation(m, beats)
}

fn finish_relation(m: usize, beats: Vec<bool>) -> Result<RuleResult> {
    let scores: Vec<f64> = (0..m)
        .map(|a| (0..m).filter(|&b| beats[a * m + b]).count() as f64)
        .collect();
    let winners: Vec<usize> = (0..m)
        .filter(|&b| !(0..m).any(|a| beats[a * m + b]))
        .collect();
    let ranking = layers(m, &beats);
    Ok(RuleResult {
        winners,
        ranking: Some(ranking),
        scores,
        tie_break: None,
    })
}

/// Split Cycle (W. Holliday and E. Pacuit 2023, "Split Cycle: a new Condorcet-consistent voting
/// method independent of clones and immune to spoilers", Public Choice 197): `a` defeats `b` iff
/// `margin(a,b) > 0` and `margin(a,b)` exceeds the strength of the strongest path from `b` back
/// to `a` (so in every majority cycle the weakest links are dropped). Winners are the undefeated
/// candidates. Scores are `-(number of candidates defeating c)`; no ranking (the defeat relation
/// need not be transitive).
pub fn split_cycle(pw: &Pairwise) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let all: Vec<usize> = (0..m).collect();
    let defeat = split_cycle_defeats(pw, &all);
    let k = all.len();
    let scores = (0..m)
        .map(|b| -((0..m).filter(|&a| defeat[a * k + b]).count() as f64))
        .collect();
    let winners = (0..m)
        .filter(|&b| !(0..m).any(|a| defeat[a * k + b]))
        .collect();
    Ok(RuleResult {
        winners,
        ranking: None,
        scores,
        tie_break: None,
    })
}

/// Split Cycle defeats among the candidates `cands` (indices into `cands`).
fn split_cycle_defeats(pw: &Pairwise, cands: &[usize]) -> Vec<bool> {
    let k = cands.len();
    let mut d = vec![0.0; k * k];
    for (i, &a) in cands.iter().enumerate() {
        for (j, &b) in cands.iter().enumerate() {
            if i != j && pw.beats(a, b) {
                d[i * k + j] = pw.margin(a, b);
            }
        }
    }
    let p = widest_paths(k, d.clone());
    let tol = pw.tol();
    let mut out = vec![false; k * k];
    for i in 0..k {
        for j in 0..k {
            out[i * k + j] = d[i * k + j] > 0.0 && d[i * k + j] > p[j * k + i] + tol;
        }
    }
    out
}

/// Largest candidate count for [`stable_voting`] (its recursion is memoized over subsets).
pub const STABLE_VOTING_MAX_M: usize = 20;

/// Stable Voting (W. Holliday and E. Pacuit 2023, "Stable Voting", Constitutional Political
/// Economy 34): with one candidate, it wins. Otherwise go through the pairs `(a, b)` in order of
/// decreasing `margin(a, b)`; the winners are the candidates `a` of the first margin level at
/// which some `a` is undefeated by Split Cycle and wins Stable Voting once `b` is removed (all such
/// `a` of that level, as in `pref_voting.stable_voting`). Exact; memoized over subsets, so
/// `m <= 20` ([`STABLE_VOTING_MAX_M`], `CoreError::Limit` above).
pub fn stable_voting(pw: &Pairwise) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    if m > STABLE_VOTING_MAX_M {
        return Err(CoreError::Limit(format!(
            "Stable Voting is exact and exponential in the worst case; it supports up to {STABLE_VOTING_MAX_M} candidates, got {m}"
        )));
    }
    let mut memo = std::collections::HashMap::new();
    let full: u32 = if m == 32 { u32::MAX } else { (1u32 << m) - 1 };
    let winners = sv_rec(pw, full, &mut memo);
    let scores = (0..m)
        .map(|c| if winners.contains(&c) { 1.0 } else { 0.0 })
        .collect();
    Ok(RuleResult {
        winners,
        ranking: None,
        scores,
        tie_break: None,
    })
}

fn sv_rec(
    pw: &Pairwise,
    set: u32,
    memo: &mut std::collections::HashMap<u32, Vec<usize>>,
) -> Vec<usize> {
    if let Some(w) = memo.get(&set) {
        return w.clone();
    }
    let cands: Vec<usize> = (0..32).filter(|&c| set >> c & 1 == 1).collect();
    if cands.len() == 1 {
        return cands;
    }
    let k = cands.len();
    let defeat = split_cycle_defeats(pw, &cands);
    let undefeated: Vec<bool> = (0..k).map(|j| !(0..k).any(|i| defeat[i * k + j])).collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(k * (k - 1));
    for i in 0..k {
        if !undefeated[i] {
            continue;
        }
        for j in 0..k {
            if i != j {
                pairs.push((pw.margin(cands[i], cands[j]), i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let tol = pw.tol();
    let mut out = Vec::new();
    let mut g = 0;
    while g < pairs.len() {
        let level = pairs[g].0;
        let mut e = g;
        while e < pairs.len() && (pairs[e].0 - level).abs() <= tol {
            e += 1;
        }
        for &(_, i, j) in &pairs[g..e] {
            let a = cands[i];
            if out.contains(&a) {
                continue;
            }
            let sub = sv_rec(pw, set & !(1u32 << cands[j]), memo);
            if sub.contains(&a) {
                out.push(a);
            }
        }
        if !out.is_empty() {
            break;
        }
        g = e;
    }
    out.sort_unstable();
    memo.insert(set, out.clone());
    out
}

/// Ranked Pairs (T. N. Tideman 1987, "Independence of clones as a criterion for voting rules",
/// Social Choice and Welfare 4) with a fixed tie-breaking order: pairs `(a, b)` with
/// `margin(a,b) > 0` are taken in order of decreasing margin and locked in unless they would
/// close a cycle. Equal margins are ordered by the tie-break order as in Zavist & Tideman 1989
/// (Social Choice and Welfare 6): `(a,b)` before `(c,d)` if `a` is before `c` in the order, or
/// `a = c` and `b` is after `d`. [`TieBreak::None`] uses the lexicographic order for equal
/// positive margins but locks no pair with margin zero; any other tie-break also locks the
/// zero-margin pairs last (in its order), giving a linear order. Winners are the candidates with
/// no locked edge into them; the ranking layers the locked order; scores count the candidates
/// each one is locked above.
pub fn ranked_pairs(pw: &Pairwise, tb: &TieBreak) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let pos = tb.positions_or_lex(m)?;
    let tol = pw.tol();
    let mut edges: Vec<(f64, usize, usize)> = Vec::new();
    for a in 0..m {
        for b in 0..m {
            if a != b && pw.beats(a, b) {
                edges.push((pw.margin(a, b), a, b));
            }
        }
    }
    edges.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then(pos[x.1].cmp(&pos[y.1]))
            .then(pos[y.2].cmp(&pos[x.2]))
    });
    // equal margins within tol count as ties: re-sort such runs by the tie-break order
    let mut tied = false;
    let mut g = 0;
    while g < edges.len() {
        let mut e = g + 1;
        while e < edges.len() && (edges[g].0 - edges[e].0).abs() <= tol {
            e += 1;
        }
        if e - g > 1 {
            tied = true;
            edges[g..e].sort_by(|x, y| pos[x.1].cmp(&pos[y.1]).then(pos[y.2].cmp(&pos[x.2])));
        }
        g = e;
    }
    // With a tie-break, pairs with zero margin are ordered by it too and locked last, so the
    // result is a linear order (Zavist & Tideman 1989 complete the ranking with the tie-breaking
    // ranking). Without one they stay unlocked and may leave several unbeaten candidates.
    if !matches!(tb, TieBreak::None) {
        let mut zero: Vec<(f64, usize, usize)> = Vec::new();
        for a in 0..m {
            for b in 0..m {
                if a != b && pos[a] < pos[b] && !pw.beats(a, b) && !pw.beats(b, a) {
                    zero.push((0.0, a, b));
                }
            }
        }
        if !zero.is_empty() {
            tied = true;
            zero.sort_by(|x, y| pos[x.1].cmp(&pos[y.1]).then(pos[y.2].cmp(&pos[x.2])));
            edges.extend(zero);
        }
    }
    let reach = lock_edges(m, &edges);
    let beats: Vec<bool> = (0..m * m)
        .map(|i| reach[i / m][i % m / 64] >> (i % m % 64) & 1 == 1)
        .collect();
    let mut r = finish_relation(m, beats)?;
    if tied {
        r.tie_break = Some(format!(
            "pairs with equal margins ordered by {}",
            if matches!(tb, TieBreak::None) {
                TieBreak::Lexicographic.describe()
            } else {
                tb.describe()
            }
        ));
    }
    Ok(r)
}

/// Lock edges in the given order unless they close a cycle; returns the transitive closure
/// (bitset rows) of the locked relation.
fn lock_edges(m: usize, edges: &[(f64, usize, usize)]) -> Vec<Vec<u64>> {
    let words = m.div_ceil(64);
    let mut reach = vec![vec![0u64; words]; m];
    let has = |r: &Vec<Vec<u64>>, x: usize, y: usize| r[x][y / 64] >> (y % 64) & 1 == 1;
    for &(_, a, b) in edges {
        if has(&reach, a, b) || has(&reach, b, a) {
            continue; // already implied, or would close a cycle
        }
        let mut add = reach[b].clone();
        add[b / 64] |= 1 << (b % 64);
        for x in 0..m {
            if x == a || has(&reach, x, a) {
                for (r, &ad) in reach[x].iter_mut().zip(&add) {
                    *r |= ad;
                }
            }
        }
    }
    reach
}

/// Largest candidate count for [`ranked_pairs_all`] when some margins tie.
pub const RANKED_PAIRS_ALL_MAX_M: usize = 10;

/// The Ranked Pairs winners over *all* tie-breaking orders of equal-margin pairs
/// ("parallel-universe" tie-breaking, Brill & Fischer 2012, "The price of neutrality for the
/// Ranked Pairs method", AAAI). Computed as the tops of the *stacks* of Zavist & Tideman 1989: a
/// linear order is a stack iff for every `a` above `b` there is a path from `a` to `b` descending
/// the order whose every link has margin `>= margin(b, a)`; Ranked Pairs rankings under all
/// tie-breaks are exactly the stacks. Exact search with pruning; when no two positive margins tie
/// the answer is unique and any `m` works, otherwise `m <= 10` ([`RANKED_PAIRS_ALL_MAX_M`],
/// `CoreError::Limit` above). Scores: 1 for winners, 0 otherwise.
pub fn ranked_pairs_all(pw: &Pairwise) -> Result<RuleResult> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let tol = pw.tol();
    let mut margins: Vec<f64> = (0..m)
        .flat_map(|a| (0..m).map(move |b| (a, b)))
        .filter(|&(a, b)| a != b && pw.beats(a, b))
        .map(|(a, b)| pw.margin(a, b))
        .collect();
    margins.sort_by(|a, b| a.total_cmp(b));
    let has_ties = margins.windows(2).any(|w| (w[1] - w[0]).abs() <= tol)
        || (0..m).any(|a| (0..m).any(|b| a != b && !pw.beats(a, b) && !pw.beats(b, a)));
    if !has_ties {
        let mut r = ranked_pairs(pw, &TieBreak::Lexicographic)?;
        r.tie_break = None;
        r.scores = (0..m)
            .map(|c| if r.winners.contains(&c) { 1.0 } else { 0.0 })
            .collect();
        r.ranking = None;
        return Ok(r);
    }
    if m > RANKED_PAIRS_ALL_MAX_M {
        return Err(CoreError::Limit(format!(
            "Ranked Pairs over all tie-breaking orders supports up to {RANKED_PAIRS_ALL_MAX_M} candidates when margins tie, got {m}; use ranked_pairs with a fixed tie-break order"
        )));
    }
    let mg = pw.margin_matrix();
    let winners: Vec<usize> = (0..m)
        .filter(|&c| {
            let mut prefix = vec![c];
            let mut w = vec![vec![0.0; m]; m];
            stack_dfs(m, &mg, tol, &mut prefix, &mut w)
        })
        .collect();
    let scores = (0..m)
        .map(|c| if winners.contains(&c) { 1.0 } else { 0.0 })
        .collect();
    Ok(RuleResult {
        winners,
        ranking: None,
        scores,
        tie_break: None,
    })
}

/// Depth-first search for a completion of `prefix` to a stack. `w[i][j]`: widest descending
/// path strength from prefix position `i` to position `j`.
fn stack_dfs(
    m: usize,
    mg: &[f64],
    tol: f64,
    prefix: &mut Vec<usize>,
    w: &mut Vec<Vec<f64>>,
) -> bool {
    let k = prefix.len();
    if k == m {
        return true;
    }
    for x in 0..m {
        if prefix.contains(&x) {
            continue;
        }
        let mut ok = true;
        for i in (0..k).rev() {
            let mut best = mg[prefix[i] * m + x];
            for j in i + 1..k {
                let v = w[i][j].min(mg[prefix[j] * m + x]);
                if v > best {
                    best = v;
                }
            }
            w[i][k] = best;
            if best < mg[x * m + prefix[i]] - tol {
                ok = false;
                break;
            }
        }
        if ok {
            prefix.push(x);
            if stack_dfs(m, mg, tol, prefix, w) {
                prefix.pop();
                return true;
            }
            prefix.pop();
        }
    }
    false
}

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

/// Top (or bottom) tallies over the remaining candidates for elimination rules (IRV, Coombs),
/// called once per round with a shrinking remaining set.
enum Cursors {
    /// Every ballot a strict full ranking: incremental tallies ([`StrictTally`]), built on
    /// first use per side (`[top, bottom]`).
    Strict([Option<StrictTally>; 2]),
    /// Ballots with ties or unlisted candidates.
    Tiers(TierCursors),
}

impl Cursors {
    /// Incremental strict tallies unless the first tally finds a ballot that is not a strict
    /// full ranking.
    fn new() -> Self {
        Cursors::Strict([None, None])
    }

    /// Each ballot's weight, split over its top (`bottom = false`) or bottom tier among the
    /// remaining candidates, summed per candidate (at least one candidate must remain).
    fn tally(&mut self, p: &Profile, remaining: &[bool], bottom: bool) -> Result<Vec<f64>> {
        match self {
            Cursors::Strict(sides) => {
                let side = &mut sides[bottom as usize];
                if let Some(t) = side {
                    return t.update(p, remaining);
                }
                match StrictTally::new(p, remaining, bottom)? {
                    Some(t) => Ok(side.insert(t).tally.clone()),
                    None => {
                        // some ballot has ties or unlisted candidates
                        let mut tiers = TierCursors::new(p)?;
                        let t = tiers.tally(p, remaining, bottom);
                        *self = Cursors::Tiers(tiers);
                        t
                    }
                }
            }
            Cursors::Tiers(c) => c.tally(p, remaining, bottom),
        }
    }
}

/// First (or last) places among the remaining candidates when every ballot is a strict full
/// ranking of at most 64 candidates, kept up to date incrementally: each ballot counts for one
/// candidate (`cur`, at position `pos` of its ranking), and when candidates are eliminated only
/// their ballots move on to their next remaining candidate, adding their weight there (about
/// `n ln m` moves over a whole count, instead of re-tallying all `n` ballots every round).
///
/// A round finds the moving ballots by scanning the one-byte `cur` array, in ballot order and
/// in one pass, and usually finds their next candidate in the 8-byte `head` word rather than
/// the rank row: few TLB and cache misses, and 10 bytes of state per ballot (fresh pages are
/// expensive). Ballots are processed in parallel in fixed pieces whose partial tallies are
/// added in piece order: the result does not depend on the thread count.
struct StrictTally {
    m: usize,
    bottom: bool,
    /// Candidate each ballot counts for.
    cur: Vec<u8>,
    /// Its position on the ballot (rank; `m - 1 - rank` for bottom tallies).
    pos: Vec<u8>,
    /// The candidates at each ballot's first [`HEAD`] positions, a byte each: most moves find
    /// the next candidate here (8 bytes per ballot, cache friendly) instead of in the rank row.
    head: Vec<u64>,
    tally: Vec<f64>,
    /// The remaining set `tally` is for.
    counted: Vec<bool>,
    /// Every weight is 1 (then moves do not read the weights: one cache miss less each).
    unit: bool,
}

/// Ballots per parallel piece of a [`StrictTally`].
const STRICT_CHUNK: usize = 1 << 14;

/// Moving ballots whose heads are prefetched together.
const MOVE_BATCH: usize = 32;

/// Positions kept in [`StrictTally::head`].
const HEAD: usize = 8;

/// Hint the CPU to start loading `v[i]` (nothing where unsupported or out of range).
#[inline]
fn prefetch<T>(v: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(i) {
        // SAFETY: a prefetch has no architectural effect, and the address is valid anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const T).cast(),
            )
        };
    }
}

/// The bytes of `word` whose value is in the set `of` (bits of values `< 64`), as the top bit
/// of each such byte (SWAR: exact zero-byte test of `word` xor each value).
#[inline]
fn bytes_in(word: u64, mut of: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut hits = 0;
    while of != 0 {
        let v = of.trailing_zeros() as u64;
        of &= of - 1;
        let x = word ^ (v * 0x0101_0101_0101_0101);
        hits |= !(((x & LOW7) + LOW7) | x | LOW7);
    }
    hits
}

/// The remaining candidates as a bit set (`m <= 64`).
fn remaining_mask(remaining: &[bool]) -> u64 {
    remaining
        .iter()
        .enumerate()
        .fold(0, |mask, (c, &r)| mask | (r as u64) << c)
}

/// The remaining candidate (bit set `rem`) at the smallest position `>= from` on the strict
/// ranking `r` (position = rank, or `m - 1 - rank` when `bottom`), and that position. Branch
/// free: the outcome of each comparison is unpredictable.
#[inline]
fn next_remaining(r: &[u16], rem: u64, from: u16, bottom: bool) -> (u8, u8) {
    let flip = r.len() as u16 - 1;
    let (mut best_c, mut best_t) = (0u8, u16::MAX);
    for (c, &t) in r.iter().enumerate() {
        let t = if bottom { flip - t } else { t };
        let ok = ((rem >> c) & 1 == 1) & (t >= from) & (t < best_t);
        best_c = if ok { c as u8 } else { best_c };
        best_t = if ok { t } else { best_t };
    }
    (best_c, best_t as u8)
}

impl StrictTally {
    /// None when some ballot is not a strict full ranking (or `m > 64`).
    fn new(p: &Profile, remaining: &[bool], bottom: bool) -> Result<Option<Self>> {
        let (m, n) = (p.num_candidates(), p.num_ballots());
        if m > 64 {
            return Ok(None);
        }
        let (ranks, weights) = (p.all_ranks(), p.weights());
        let rem = remaining_mask(remaining);
        let full = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
        let (mut cur, mut pos, mut head) = (vec![0u8; n], vec![0u8; n], vec![0u64; n]);
        let sums: Vec<Option<Vec<f64>>> = with_threads(p.threads(), || {
            cur.par_chunks_mut(STRICT_CHUNK)
                .zip(pos.par_chunks_mut(STRICT_CHUNK))
                .zip(head.par_chunks_mut(STRICT_CHUNK))
                .zip(ranks.par_chunks(STRICT_CHUNK * m))
                .zip(weights.par_chunks(STRICT_CHUNK))
                .map(|((((cs, ps), hs), rs), ws)| {
                    let mut sums = vec![0.0; m];
                    let flip = if bottom { m - 1 } else { 0 };
                    let rows = cs
                        .iter_mut()
                        .zip(ps)
                        .zip(hs)
                        .zip(rs.chunks_exact(m))
                        .zip(ws);
                    for ((((c, t), h), r), &w) in rows {
                        let (mut seen, mut bad, mut at0, mut code) = (0u64, false, 0u8, 0u64);
                        for (k, &t) in r.iter().enumerate() {
                            let t = t as usize;
                            bad |= t >= m;
                            seen |= 1u64 << (t & 63);
                            let i = t.abs_diff(flip); // position on the ballot
                            at0 = if i == 0 { k as u8 } else { at0 };
                            code |= if i < HEAD { (k as u64) << (8 * i) } else { 0 };
                        }
                        *h = code;
                        if bad || seen != full {
                            return None;
                        }
                        (*c, *t) = if rem == full {
                            (at0, 0)
                        } else {
                            next_remaining(r, rem, 0, bottom)
                        };
                        sums[*c as usize] += w;
                    }
                    Some(sums)
                })
                .collect()
        })?;
        let mut tally = vec![0.0; m];
        for part in sums {
            let Some(part) = part else {
                return Ok(None);
            };
            for (t, x) in tally.iter_mut().zip(part) {
                *t += x;
            }
        }
        Ok(Some(StrictTally {
            m,
            bottom,
            cur,
            pos,
            head,
            tally,
            counted: remaining.to_vec(),
            unit: weights.iter().all(|&w| w == 1.0),
        }))
    }

    fn update(&mut self, p: &Profile, remaining: &[bool]) -> Result<Vec<f64>> {
        let (m, bottom) = (self.m, self.bottom);
        if (0..m).any(|c| remaining[c] && !self.counted[c]) {
            // a candidate came back: count from scratch
            if let Some(t) = StrictTally::new(p, remaining, bottom)? {
                *self = t;
            }
            return Ok(self.tally.clone());
        }
        let rem = remaining_mask(remaining);
        let gone = remaining_mask(&self.counted) & !rem;
        let unit = self.unit;
        if gone != 0 {
            let (ranks, weights) = (p.all_ranks(), p.weights());
            let deltas: Vec<Vec<f64>> = with_threads(p.threads(), || {
                self.cur
                    .par_chunks_mut(STRICT_CHUNK)
                    .zip(self.pos.par_chunks_mut(STRICT_CHUNK))
                    .zip(self.head.par_chunks(STRICT_CHUNK))
                    .zip(ranks.par_chunks(STRICT_CHUNK * m))
                    .zip(weights.par_chunks(STRICT_CHUNK))
                    .map(|((((cs, ps), hs), rs), ws)| {
                        let mut delta = vec![0.0; m];
                        // Moving ballots are gathered a batch at a time and their rank rows
                        // prefetched together, so the cache misses overlap.
                        let mut batch = [0u32; MOVE_BATCH];
                        let mut k = 0;
                        let mut flush = |batch: &[u32], cs: &mut [u8]| {
                            for &b in batch {
                                prefetch(hs, b as usize);
                            }
                            for &b in batch {
                                let b = b as usize;
                                // the ballot's candidates up to `pos` are eliminated, some
                                // after it remain: first look in its head
                                let from = ps[b] as usize + 1;
                                let found = (from..HEAD.min(m)).find_map(|i| {
                                    let c = (hs[b] >> (8 * i)) as u8;
                                    ((rem >> c) & 1 == 1).then_some((c, i as u8))
                                });
                                let (d, t) = found.unwrap_or_else(|| {
                                    let r = &rs[b * m..(b + 1) * m];
                                    next_remaining(r, rem, from.max(HEAD) as u16, bottom)
                                });
                                (cs[b], ps[b]) = (d, t);
                                delta[d as usize] += if unit { 1.0 } else { ws[b] };
                            }
                        };
                        // Eight ballots at a time: a word whose bytes hold none of the
                        // eliminated candidates is skipped whole.
                        for wi in 0..cs.len().div_ceil(8) {
                            let (lo, hi) = (wi * 8, (wi * 8 + 8).min(cs.len()));
                            let mut bytes = [u8::MAX; 8]; // u8::MAX: no candidate (m <= 64)
                            bytes[..hi - lo].copy_from_slice(&cs[lo..hi]);
                            let mut hits = bytes_in(u64::from_le_bytes(bytes), gone);
                            while hits != 0 {
                                batch[k] = (wi * 8 + hits.trailing_zeros() as usize / 8) as u32;
                                hits &= hits - 1;
                                k += 1;
                                if k == MOVE_BATCH {
                                    flush(&batch, cs);
                                    k = 0;
                                }
                            }
                        }
                        flush(&batch[..k], cs);
                        delta
                    })
                    .collect()
            })?;
            for c in 0..m {
                if (gone >> c) & 1 == 1 {
                    self.tally[c] = 0.0;
                }
            }
            for delta in deltas {
                for (t, x) in self.tally.iter_mut().zip(delta) {
                    *t += x;
                }
            }
        }
        self.counted.copy_from_slice(remaining);
        Ok(self.tally.clone())
    }
}

/// Every distinct ballot's candidates sorted by rank (best first), plus a front and a back
/// cursor per ballot, so elimination rounds cost O(1) per ballot for strict orders. `top` / `bot`
/// cache the candidate at the front / back cursor when its tier there is a single candidate
/// (`NO_CAND` otherwise), so a round only reads the ballot's order again when that candidate
/// was eliminated.
struct TierCursors {
    order: Vec<u16>,
    /// Ballots without ties (every tier one candidate).
    strict: Vec<bool>,
    front: Vec<u16>,
    back: Vec<u16>,
    top: Vec<u16>,
    bot: Vec<u16>,
    /// The remaining set of the last top / bottom tally: cursors only move forward, so a
    /// candidate that comes back resets them.
    counted: [Option<Vec<bool>>; 2],
}

/// No cached candidate (candidates are `< MAX_CANDIDATES < u16::MAX`).
const NO_CAND: u16 = u16::MAX;

impl TierCursors {
    fn new(p: &Profile) -> Result<Self> {
        let m = p.num_candidates();
        let n = p.num_ballots();
        let mut order = vec![0u16; n * m];
        let mut strict = vec![false; n];
        with_threads(p.threads(), || {
            order
                .par_chunks_mut(TALLY_CHUNK * m)
                .zip(strict.par_chunks_mut(TALLY_CHUNK))
                .zip(p.all_ranks().par_chunks(TALLY_CHUNK * m))
                .for_each(|((os, st), rs)| {
                    let mut start = vec![0usize; m + 2];
                    for ((o, r), s) in os.chunks_exact_mut(m).zip(rs.chunks_exact(m)).zip(st) {
                        // dense tiers up to m - 1: every tier is one candidate
                        if r.iter().fold(0, |a, &t| a.max(t)) as usize + 1 == m {
                            *s = true;
                            for (c, &t) in r.iter().enumerate() {
                                o[t as usize] = c as u16;
                            }
                            continue;
                        }
                        start.iter_mut().for_each(|x| *x = 0);
                        for &t in r {
                            start[t as usize + 1] += 1;
                        }
                        for t in 1..start.len() {
                            start[t] += start[t - 1];
                        }
                        for (c, &t) in r.iter().enumerate() {
                            o[start[t as usize]] = c as u16;
                            start[t as usize] += 1;
                        }
                    }
                })
        })?;
        Ok(Self {
            order,
            strict,
            front: vec![0; n],
            back: vec![(m - 1) as u16; n],
            top: vec![NO_CAND; n],
            bot: vec![NO_CAND; n],
            counted: [None, None],
        })
    }

    /// Split each ballot's weight over its top (`bottom = false`) or bottom tier among the
    /// remaining candidates (at least one candidate must remain).
    fn tally(&mut self, p: &Profile, remaining: &[bool], bottom: bool) -> Result<Vec<f64>> {
        let m = p.num_candidates();
        let counted = &mut self.counted[bottom as usize];
        if let Some(last) = counted {
            if (0..m).any(|c| remaining[c] && !last[c]) {
                let (cur, cache) = if bottom {
                    (&mut self.back, &mut self.bot)
                } else {
                    (&mut self.front, &mut self.top)
                };
                cur.fill(if bottom { (m - 1) as u16 } else { 0 });
                cache.fill(NO_CAND);
            }
        }
        *counted = Some(remaining.to_vec());
        let order = &self.order;
        let strict = &self.strict;
        let (cursors, cache) = if bottom {
            (&mut self.back, &mut self.bot)
        } else {
            (&mut self.front, &mut self.top)
        };
        let parts: Vec<Vec<f64>> = with_threads(p.threads(), || {
            cursors
                .par_chunks_mut(TALLY_CHUNK)
                .zip(cache.par_chunks_mut(TALLY_CHUNK))
                .zip(order.par_chunks(TALLY_CHUNK * m))
                .zip(p.all_ranks().par_chunks(TALLY_CHUNK * m))
                .zip(p.weights().par_chunks(TALLY_CHUNK))
                .zip(strict.par_chunks(TALLY_CHUNK))
                .map(|(((((cur, cached), os), rs), ws), st)| {
                    let mut acc = vec![0.0; m];
                    // Ballots whose cached candidate is still in count add to it; the others
                    // (the eliminated candidate's ballots) must walk their order rows, which sit
                    // all over memory: touch a batch of rows first so their cache misses overlap
                    // instead of stalling one after another.
                    let mut pending: Vec<usize> = Vec::new();
                    for (b, &x) in cached.iter().enumerate() {
                        if x != NO_CAND && remaining[x as usize] {
                            acc[x as usize] += ws[b];
                        } else {
                            pending.push(b);
                        }
                    }
                    for batch in pending.chunks(16) {
                        let touch = batch
                            .iter()
                            .fold(0u16, |a, &b| a ^ os[b * m + cur[b] as usize]);
                        std::hint::black_box(touch);
                        for &b in batch {
                            let (cu, ca) = (&mut cur[b], &mut cached[b]);
                            let w = ws[b];
                            let o = &os[b * m..(b + 1) * m];
                            let r = &rs[b * m..(b + 1) * m];
                            let mut c = *cu as usize;
                            if bottom {
                                while c > 0 && !remaining[o[c] as usize] {
                                    c -= 1;
                                }
                            } else {
                                while c + 1 < m && !remaining[o[c] as usize] {
                                    c += 1;
                                }
                            }
                            *cu = c as u16;
                            if st[b] {
                                acc[o[c] as usize] += w;
                                *ca = o[c];
                                continue;
                            }
                            let t = r[o[c] as usize];
                            // the tier is contiguous in `o`
                            let (lo, hi) = if bottom {
                                let mut lo = c;
                                while lo > 0 && r[o[lo - 1] as usize] == t {
                                    lo -= 1;
                                }
                                (lo, c + 1)
                            } else {
                                let mut hi = c + 1;
                                while hi < m && r[o[hi] as usize] == t {
                                    hi += 1;
                                }
                                (c, hi)
                            };
                            if hi - lo == 1 {
                                acc[o[c] as usize] += w;
                                *ca = o[c];
                            } else {
                                *ca = NO_CAND;
                                let k =
                                    o[lo..hi].iter().filter(|&&x| remaining[x as usize]).count();
                                let share = w / k as f64;
                                for &x in &o[lo..hi] {
                                    if remaining[x as usize] {
                                        acc[x as usize] += share;
                                    }
                                }
                            }
                        }
                    }
                    acc
                })
                .collect()
        })?;
        let mut out = vec![0.0; m];
        for part in parts {
            for (o, x) in out.iter_mut().zip(part) {
                *o += x;
            }
        }
        Ok(out)
    }
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
    super::profile::check_pairwise_m(m)?;
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

#[cfg(test)]
mod tests {
    use super::super::profile::tests::strict;
    use super::*;

    /// Tennessee: Memphis 42% M>N>C>K, Nashville 26% N>C>K>M, Chattanooga 15% C>K>N>M,
    /// Knoxville 17% K>C>N>M (Wikipedia "Condorcet method" and others). M=0, N=1, C=2, K=3.
    pub(crate) fn tennessee() -> Profile {
        strict(
            4,
            &[
                (42, &[0, 1, 2, 3]),
                (26, &[1, 2, 3, 0]),
                (15, &[2, 3, 1, 0]),
                (17, &[3, 2, 1, 0]),
            ],
        )
    }

    /// Wikipedia's Schulze example: 45 voters, A..E = 0..4.
    pub(crate) fn schulze_wiki() -> Profile {
        strict(
            5,
            &[
                (5, &[0, 2, 1, 4, 3]),
                (5, &[0, 3, 4, 2, 1]),
                (8, &[1, 4, 3, 0, 2]),
                (3, &[2, 0, 1, 4, 3]),
                (7, &[2, 0, 4, 1, 3]),
                (2, &[2, 1, 0, 3, 4]),
                (7, &[3, 2, 4, 1, 0]),
                (8, &[4, 1, 0, 3, 2]),
            ],
        )
    }

    #[test]
    fn tennessee_rules() {
        let p = tennessee();
        let pw = p.pairwise().unwrap();
        assert_eq!(plurality(&p).unwrap().winners, vec![0]);
        assert_eq!(borda(&p).unwrap().winners, vec![1]);
        assert_eq!(copeland(pw, 0.5).unwrap().winners, vec![1]);
        assert_eq!(
            schulze(pw, SchulzeStrength::Margin).unwrap().winners,
            vec![1]
        );
        assert_eq!(
            schulze(pw, SchulzeStrength::WinningVotes).unwrap().winners,
            vec![1]
        );
        assert_eq!(ranked_pairs(pw, &TieBreak::None).unwrap().winners, vec![1]);
        assert_eq!(
            ranked_pairs(pw, &TieBreak::None).unwrap().ranking.unwrap(),
            vec![vec![1], vec![2], vec![3], vec![0]]
        );
        assert_eq!(
            instant_runoff(&p, &TieBreak::None).unwrap().winners,
            vec![3]
        );
        assert_eq!(
            minimax(pw, MinimaxStrength::Margins).unwrap().winners,
            vec![1]
        );
        assert_eq!(split_cycle(pw).unwrap().winners, vec![1]);
        assert_eq!(stable_voting(pw).unwrap().winners, vec![1]);
        assert_eq!(baldwin(pw, &TieBreak::None).unwrap().winners, vec![1]);
        assert_eq!(nanson(pw, NansonVariant::Strict).unwrap().winners, vec![1]);
        // Coombs: Memphis has the most last places (58) and goes first; then Nashville wins a majority
        assert_eq!(coombs(&p, &TieBreak::None).unwrap().winners, vec![1]);
        // Bucklin: round 1 no majority; round 2: N = 42 + 26 + ... ; Nashville 68 > 50
        assert_eq!(bucklin(&p).unwrap().winners, vec![1]);
        // Borda scores: M 126, N 194, C 173, K 107
        assert_eq!(borda(&p).unwrap().scores, vec![126.0, 194.0, 173.0, 107.0]);
        // IRV elimination: Chattanooga, then Nashville
        assert_eq!(
            instant_runoff(&p, &TieBreak::None)
                .unwrap()
                .ranking
                .unwrap(),
            vec![vec![3], vec![0], vec![1], vec![2]]
        );
    }

    #[test]
    fn schulze_strengths_differ_on_truncated_ballots() {
        // 2 x (1 > 2), 1 x (2 > 3 > 0 > 1), 2 x (3): the cycle 1 -> 2 -> 3 -> 1 has margins
        // (1, 1, 1), winning votes (2, 3, 3) and ratios (2, 1.5, 1.5).
        let p = strict(4, &[(2, &[1, 2]), (1, &[2, 3, 0, 1]), (2, &[3])]);
        let pw = p.pairwise().unwrap();
        let w = |s| schulze(pw, s).unwrap().winners;
        assert_eq!(w(SchulzeStrength::Margin), vec![1, 2, 3]);
        assert_eq!(w(SchulzeStrength::WinningVotes), vec![2]);
        assert_eq!(w(SchulzeStrength::Ratio), vec![1, 3]);
    }

    #[test]
    fn schulze_wikipedia() {
        let p = schulze_wiki();
        let pw = p.pairwise().unwrap();
        // d[A,B] = 20, d[B,A] = 25 (Wikipedia's pairwise table)
        assert_eq!(pw.support(0, 1), 20.0);
        assert_eq!(pw.support(1, 0), 25.0);
        let r = schulze(pw, SchulzeStrength::WinningVotes).unwrap();
        assert_eq!(r.winners, vec![4]);
        // Wikipedia's final order: E > A > C > B > D
        assert_eq!(
            r.ranking.unwrap(),
            vec![vec![4], vec![0], vec![2], vec![1], vec![3]]
        );
        assert_eq!(
            schulze(pw, SchulzeStrength::Margin).unwrap().winners,
            vec![4]
        );
    }

    #[test]
    fn bt_vs_majority() {
        // 3 voters a>b>c, 2 voters b>c>a: a is the Condorcet winner, Borda ranks b first.
        let p = strict(3, &[(3, &[0, 1, 2]), (2, &[1, 2, 0])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(copeland(pw, 0.5).unwrap().winners, vec![0]);
        assert_eq!(
            schulze(pw, SchulzeStrength::Margin).unwrap().winners,
            vec![0]
        );
        let b = borda(&p).unwrap();
        assert_eq!(b.winners, vec![1]);
        assert_eq!(b.scores, vec![6.0, 7.0, 2.0]);
    }

    #[test]
    fn ranked_pairs_standard() {
        // Wikipedia's "Ranked pairs" example is Tennessee (tested above). Here a weak Condorcet
        // winner: 7 a>b>c, 5 b>c>a, 4 c>a>b, 2 b>a>c: margins a>b 4, b>c 10, a~c 0: lock b>c, a>b
        let p = strict(
            3,
            &[
                (7, &[0, 1, 2]),
                (5, &[1, 2, 0]),
                (4, &[2, 0, 1]),
                (2, &[1, 0, 2]),
            ],
        );
        let pw = p.pairwise().unwrap();
        assert_eq!(pw.margin(0, 1), 4.0);
        let r = ranked_pairs(pw, &TieBreak::None).unwrap();
        assert_eq!(r.winners, vec![0]);
        assert_eq!(r.ranking.unwrap(), vec![vec![0], vec![1], vec![2]]);
        assert!(r.tie_break.is_none());
        assert_eq!(ranked_pairs_all(pw).unwrap().winners, vec![0]);
    }

    #[test]
    fn ranked_pairs_zero_margins_locked_by_tie_break() {
        // a vs b tied 1:1 and both beat c: without a tie-break a and b stay unbeaten; with one
        // the zero-margin pair is locked in its order, giving a linear order
        let p = strict(3, &[(1, &[0, 1, 2]), (1, &[1, 0, 2])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(
            ranked_pairs(pw, &TieBreak::None).unwrap().winners,
            vec![0, 1]
        );
        let r = ranked_pairs(pw, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.winners, vec![0]);
        assert_eq!(r.ranking, Some(vec![vec![0], vec![1], vec![2]]));
        let r = ranked_pairs(pw, &TieBreak::Order(vec![1, 0, 2])).unwrap();
        assert_eq!(r.winners, vec![1]);
        assert!(r.tie_break.is_some());
    }

    #[test]
    fn ranked_pairs_ties() {
        // a perfect 3-cycle with equal margins: every candidate wins under some tie-break
        let p = strict(3, &[(1, &[0, 1, 2]), (1, &[1, 2, 0]), (1, &[2, 0, 1])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(ranked_pairs_all(pw).unwrap().winners, vec![0, 1, 2]);
        let r = ranked_pairs(pw, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.winners, vec![0]);
        assert!(r.tie_break.is_some());
        // order c, b, a: (c,a) and (b,c) are locked first, then (a,b) would close a cycle
        let r = ranked_pairs(pw, &TieBreak::Order(vec![2, 1, 0])).unwrap();
        assert_eq!(r.winners, vec![1]);
        // brute-force check: winners over all orders of candidates as tie-breakers are a subset
        let mut seen = std::collections::BTreeSet::new();
        for o in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            seen.extend(
                ranked_pairs(pw, &TieBreak::Order(o.to_vec()))
                    .unwrap()
                    .winners,
            );
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        // above the bound with ties -> Limit
        let big = strict(
            11,
            &[
                (1, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
                (1, &[10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]),
            ],
        );
        assert!(matches!(
            ranked_pairs_all(big.pairwise().unwrap()),
            Err(CoreError::Limit(_))
        ));
    }

    #[test]
    fn ties_and_weak_orders() {
        // 2 voters {a,b} > c ; 1 voter c > a > b
        let p = Profile::from_tiers(
            3,
            &[
                vec![vec![0, 1], vec![2]],
                vec![vec![0, 1]],
                vec![vec![2], vec![0], vec![1]],
            ],
            None,
        )
        .unwrap();
        let b = borda(&p).unwrap();
        // a: 1.5+1.5+1 = 4, b: 1.5+1.5+0 = 3, c: 0+0+2 = 2
        assert_eq!(b.scores, vec![4.0, 3.0, 2.0]);
        let pl = plurality(&p).unwrap();
        assert_eq!(pl.scores, vec![1.0, 1.0, 1.0]);
        assert_eq!(pl.winners, vec![0, 1, 2]);
        let rd = random_dictatorship(&p).unwrap();
        assert!((rd.scores.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // IRV: first-round tallies a 1, b 1, c 1 -> all tied; None: everyone tied winner
        let r = instant_runoff(&p, &TieBreak::None).unwrap();
        assert_eq!(r.winners, vec![0, 1, 2]);
        // with lexicographic tie-break, c (latest) is eliminated first, then a vs b: a 2.5? -> a
        let r = instant_runoff(&p, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.winners, vec![0]);
        assert!(r.tie_break.unwrap().contains("eliminated 2"));
        // anti-plurality: last tier of size 1 (c) on ballots 1,2 (unlisted c is the bottom)
        let ap = anti_plurality(&p).unwrap();
        assert_eq!(ap.scores, vec![3.0, 2.0, 1.0]);
    }

    #[test]
    fn copeland_llull_minimax() {
        // a ties b, a beats c, b beats c
        let p = strict(3, &[(1, &[0, 1, 2]), (1, &[1, 0, 2])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(copeland(pw, 0.0).unwrap().scores, vec![1.0, 1.0, 0.0]);
        assert_eq!(llull(pw).unwrap().scores, vec![2.0, 2.0, 0.0]);
        assert!(copeland(pw, 2.0).is_err());
        let mm = minimax(pw, MinimaxStrength::WinningVotes).unwrap();
        assert_eq!(mm.winners, vec![0, 1]);
        assert_eq!(mm.scores, vec![-0.0, -0.0, -2.0]);
    }

    #[test]
    fn empty_profile_errors() {
        let p = Profile::new(3).unwrap();
        assert!(borda(&p).is_err());
        assert!(instant_runoff(&p, &TieBreak::None).is_err());
        assert!(schulze(p.pairwise().unwrap(), SchulzeStrength::Margin).is_err());
        assert!(positional(&strict(2, &[(1, &[0, 1])]), &[1.0]).is_err());
    }

    #[test]
    fn split_cycle_and_stable_voting_cycle() {
        // Condorcet cycle a>b (margin 4), b>c (6), c>a (2): SC drops c>a: a undefeated
        let p = strict(3, &[(5, &[0, 1, 2]), (4, &[1, 2, 0]), (3, &[2, 0, 1])]);
        let pw = p.pairwise().unwrap();
        assert_eq!(split_cycle(pw).unwrap().winners, vec![0]);
        assert_eq!(split_cycle(pw).unwrap().scores, vec![0.0, -1.0, -1.0]);
        assert_eq!(ranked_pairs(pw, &TieBreak::None).unwrap().winners, vec![0]);
        assert_eq!(ranked_pairs_all(pw).unwrap().winners, vec![0]);
        assert_eq!(
            schulze(pw, SchulzeStrength::Margin).unwrap().winners,
            vec![0]
        );
        // minimax (margins): worst defeats a 2, b 4, c 6
        assert_eq!(
            minimax(pw, MinimaxStrength::Margins).unwrap().winners,
            vec![0]
        );
        assert_eq!(stable_voting(pw).unwrap().winners, vec![0]);
        // perfect cycle: all undefeated
        let q = strict(3, &[(1, &[0, 1, 2]), (1, &[1, 2, 0]), (1, &[2, 0, 1])]);
        assert_eq!(
            split_cycle(q.pairwise().unwrap()).unwrap().winners,
            vec![0, 1, 2]
        );
        assert_eq!(
            stable_voting(q.pairwise().unwrap()).unwrap().winners,
            vec![0, 1, 2]
        );
    }

    #[test]
    fn coombs_and_nanson_examples() {
        // Coombs differs from IRV: 4 a>b>c, 3 c>b>a, 2 b>c>a, ... use a classic: b is preferred
        // by a majority over both but has the fewest first places.
        let p = strict(3, &[(4, &[0, 1, 2]), (3, &[2, 1, 0]), (2, &[1, 0, 2])]);
        // IRV: b eliminated (2) -> a 6 vs c 3 -> a
        assert_eq!(
            instant_runoff(&p, &TieBreak::None).unwrap().winners,
            vec![0]
        );
        // Coombs: no majority (4/9); last places: c 6, a 3 -> eliminate c; then b has 5/9
        assert_eq!(coombs(&p, &TieBreak::None).unwrap().winners, vec![1]);
        let pw = p.pairwise().unwrap();
        // margins: a-b: 4-5 = -1 ; a-c 6-3 = 3 ; b-c 6-3 = 3 -> b Condorcet winner
        assert_eq!(nanson(pw, NansonVariant::Strict).unwrap().winners, vec![1]);
        assert_eq!(nanson(pw, NansonVariant::Weak).unwrap().winners, vec![1]);
        assert_eq!(baldwin(pw, &TieBreak::None).unwrap().winners, vec![1]);
    }

    /// The cursor tallies agree with a direct scan over rank vectors, for random weak orders and
    /// random elimination sequences.
    #[test]
    fn cursor_tallies_match_scan() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for trial in 0..200 {
            // odd trials: strict full rankings only (the incremental StrictTally path)
            let strict = trial % 2 == 1;
            let m = rng.random_range(2..7);
            let n = rng.random_range(1..9);
            let ballots: Vec<Vec<Vec<usize>>> = (0..n)
                .map(|_| {
                    let mut o: Vec<usize> = (0..m).collect();
                    for i in (1..m).rev() {
                        o.swap(i, rng.random_range(0..=i));
                    }
                    let keep = if strict { m } else { rng.random_range(0..=m) };
                    let mut tiers: Vec<Vec<usize>> = Vec::new();
                    for &c in &o[..keep] {
                        if !strict && !tiers.is_empty() && rng.random_bool(0.3) {
                            tiers.last_mut().unwrap().push(c);
                        } else {
                            tiers.push(vec![c]);
                        }
                    }
                    tiers
                })
                .collect();
            let w: Vec<f64> = (0..n).map(|_| rng.random_range(1..5) as f64).collect();
            let p = Profile::from_tiers(m, &ballots, Some(&w)).unwrap();
            let mut cur = Cursors::new();
            let mut remaining = vec![true; m];
            while remaining.iter().filter(|&&x| x).count() > 1 {
                for bottom in [false, true] {
                    let fast = cur.tally(&p, &remaining, bottom).unwrap();
                    let slow = tally(&p, m, |r, w, acc| {
                        let sel = (0..m).filter(|&c| remaining[c]).map(|c| r[c]);
                        let t = if bottom { sel.max() } else { sel.min() }.unwrap();
                        let k = (0..m).filter(|&c| remaining[c] && r[c] == t).count();
                        for c in 0..m {
                            if remaining[c] && r[c] == t {
                                acc[c] += w / k as f64;
                            }
                        }
                    })
                    .unwrap();
                    for (a, b) in fast.iter().zip(&slow) {
                        assert!((a - b).abs() < 1e-9, "{fast:?} vs {slow:?}");
                    }
                }
                assert!(!strict || matches!(cur, Cursors::Strict([Some(_), Some(_)])));
                let left: Vec<usize> = (0..m).filter(|&c| remaining[c]).collect();
                remaining[left[rng.random_range(0..left.len())]] = false;
                // sometimes two at once (ties eliminated together), sometimes one comes back
                if left.len() > 3 && rng.random_bool(0.3) {
                    let left: Vec<usize> = (0..m).filter(|&c| remaining[c]).collect();
                    remaining[left[rng.random_range(0..left.len())]] = false;
                } else if rng.random_bool(0.1) {
                    remaining[rng.random_range(0..m)] = true;
                }
            }
        }
    }

    /// Incremental strict tallies over many ballot chunks: equal to a scan, and bit-identical
    /// for 1 and 2 threads.
    #[test]
    fn strict_tallies_chunked_and_thread_independent() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let (m, n) = (9, 3 * STRICT_CHUNK + 17);
        let ranks = crate::choice::profile::tests::random_permutations(n, m, 9);
        let w: Vec<f64> = (0..n)
            .map(|_| rng.random_range(1..5) as f64 / 3.0)
            .collect();
        let run = |threads| {
            let p = Profile::from_rank_matrix(n, m, &ranks, Some(&w), Some(threads)).unwrap();
            let mut cur = Cursors::new();
            let mut remaining = vec![true; m];
            let mut out = Vec::new();
            for c in [4, 0, 8, 1, 7, 2, 6, 3] {
                for bottom in [false, true] {
                    let fast = cur.tally(&p, &remaining, bottom).unwrap();
                    let slow = tally(&p, m, |r, w, acc| {
                        let sel = (0..m).filter(|&c| remaining[c]);
                        let best = if bottom {
                            sel.max_by_key(|&c| r[c])
                        } else {
                            sel.min_by_key(|&c| r[c])
                        };
                        acc[best.unwrap()] += w;
                    })
                    .unwrap();
                    for (a, b) in fast.iter().zip(&slow) {
                        assert!((a - b).abs() < 1e-6, "{fast:?} vs {slow:?}");
                    }
                    out.push(fast);
                }
                assert!(matches!(cur, Cursors::Strict([Some(_), Some(_)])));
                remaining[c] = false;
            }
            out
        };
        assert_eq!(run(1), run(2));
    }
}
