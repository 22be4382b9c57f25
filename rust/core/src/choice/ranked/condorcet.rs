//! The Condorcet family, on the pairwise support / margin matrix: Copeland, Llull, minimax,
//! Schulze, Split Cycle, Stable Voting, ranked pairs.

use super::super::{layers, result_from_scores, Pairwise, RuleResult, TieBreak};
use crate::error::{CoreError, Result};
use crate::input_err;

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
    margins.sort_by(f64::total_cmp);
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
