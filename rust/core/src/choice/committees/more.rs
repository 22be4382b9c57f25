//! More approval committee rules, defined as in abcvoting (M. Lackner, P. Regner, B. Krenn et
//! al., "abcvoting: A Python package for approval-based multi-winner voting rules", JOSS 2023)
//! and Lackner & Skowron, "Multi-Winner Voting with Approval Preferences" (Springer 2023):
//! reverse sequential PAV, Phragmén–Eneström, Minimax Approval Voting, maximin support and
//! Monroe. Ties are broken by the tie-break order (earlier preferred; lexicographic by default).

use super::{binom, tb_words, ApprovalProfile, CommitteeResult};
use crate::choice::TieBreak;
use crate::error::{CoreError, Result};
use crate::input_err;

/// Bound on `C(m, k) * distinct ballots` (and its analogues) for the exact rules here.
pub const EXACT_MAX_WORK: f64 = 2e9;

fn finish(
    order: Vec<usize>,
    scores: Vec<f64>,
    value: Option<f64>,
    notes: Vec<String>,
    tb: &TieBreak,
) -> CommitteeResult {
    let mut committee = order.clone();
    committee.sort_unstable();
    let tie_break = if notes.is_empty() {
        None
    } else {
        Some(format!("{}: {}", tb_words(tb), notes.join("; ")))
    };
    CommitteeResult {
        committee,
        order,
        scores,
        value,
        tie_break,
    }
}

/// Candidates within a relative 1e-9 of the best value (`max` or min).
fn best_of(cands: impl Iterator<Item = usize>, v: &[f64], max: bool) -> Vec<usize> {
    let cands: Vec<usize> = cands.collect();
    let best = cands.iter().map(|&c| v[c]).fold(
        if max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        },
        |a, b| if max { a.max(b) } else { a.min(b) },
    );
    let tol = 1e-9 * best.abs().max(1.0);
    cands
        .into_iter()
        .filter(|&c| (v[c] - best).abs() <= tol || v[c] == best)
        .collect()
}

/// Reverse sequential PAV (L&S Def. 2.10; abcvoting `revseqpav`): start from all candidates
/// and repeatedly remove the one whose removal lowers the PAV score least, until `k` remain.
/// Ties: the candidate latest in the tie-break order is removed. Scores: the PAV loss at which
/// each candidate was removed (members: the loss of removing them from the final committee).
/// `order`: the members by that final loss, largest first. Value: the committee's PAV score.
pub fn rev_seq_pav(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let m = ap.m;
    let pos = tb.positions_or_lex(m)?;
    let sup = ap.supporters();
    let n = ap.num_ballots();
    // satisfaction: approved members of the current committee (all candidates at first)
    let mut sat: Vec<usize> = (0..n).map(|b| ap.set_size(b)).collect();
    let mut inside = vec![true; m];
    let mut scores = vec![0.0; m];
    let mut notes = Vec::new();
    let loss = |c: usize, sat: &[usize]| -> f64 {
        sup[c]
            .iter()
            .map(|&b| ap.weights[b as usize] / sat[b as usize] as f64)
            .sum()
    };
    for step in 0..m - k {
        let l: Vec<f64> = (0..m)
            .map(|c| if inside[c] { loss(c, &sat) } else { 0.0 })
            .collect();
        let tied = best_of((0..m).filter(|&c| inside[c]), &l, false);
        let c = tied.iter().copied().max_by_key(|&c| pos[c]).unwrap_or(0);
        if tied.len() > 1 {
            notes.push(format!("removal {}: {tied:?} tied, removed {c}", step + 1));
        }
        inside[c] = false;
        scores[c] = l[c];
        for &b in &sup[c] {
            sat[b as usize] -= 1;
        }
    }
    let mut members: Vec<usize> = (0..m).filter(|&c| inside[c]).collect();
    for &c in &members {
        scores[c] = loss(c, &sat);
    }
    members.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(pos[a].cmp(&pos[b])));
    let harmonic: Vec<f64> = (0..=m)
        .scan(0.0, |acc, j| {
            if j > 0 {
                *acc += 1.0 / j as f64;
            }
            Some(*acc)
        })
        .collect();
    let value = (0..n).map(|b| ap.weights[b] * harmonic[sat[b]]).sum();
    Ok(finish(members, scores, Some(value), notes, tb))
}

/// Phragmén–Eneström (Camps, Mora & Saumell 2019; abcvoting `phragmen-enestroem`): every voter
/// starts with a budget equal to its weight, a seat costs `total weight / k`; each round elects
/// the candidate whose supporters hold the most budget, and scales their budgets by
/// `(support - price) / support` (to 0 if they cannot afford the price). Ties: tie-break order.
/// Scores: the support at which each member was elected (others: their final support).
/// Value: none.
pub fn phragmen_enestrom(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let m = ap.m;
    let pos = tb.positions_or_lex(m)?;
    let sup = ap.supporters();
    let mut budget: Vec<f64> = ap.weights.clone();
    let price = if k > 0 {
        ap.total_weight() / k as f64
    } else {
        0.0
    };
    let mut chosen = vec![false; m];
    let mut order = Vec::with_capacity(k);
    let mut scores = vec![0.0; m];
    let mut notes = Vec::new();
    let support = |c: usize, budget: &[f64]| -> f64 {
        sup[c].iter().map(|&b| budget[b as usize].max(0.0)).sum()
    };
    for round in 0..k {
        let s: Vec<f64> = (0..m)
            .map(|c| if chosen[c] { 0.0 } else { support(c, &budget) })
            .collect();
        let tied = best_of((0..m).filter(|&c| !chosen[c]), &s, true);
        let c = tied.iter().copied().min_by_key(|&c| pos[c]).unwrap_or(0);
        if tied.len() > 1 {
            notes.push(format!("round {}: {tied:?} tied, picked {c}", round + 1));
        }
        let f = if s[c] > price && s[c] > 0.0 {
            (s[c] - price) / s[c]
        } else {
            0.0
        };
        for &b in &sup[c] {
            budget[b as usize] *= f;
        }
        chosen[c] = true;
        scores[c] = s[c];
        order.push(c);
    }
    for c in 0..m {
        if !chosen[c] {
            scores[c] = support(c, &budget);
        }
    }
    Ok(finish(order, scores, None, notes, tb))
}

/// Enumerate all `k`-subsets of the candidates in tie-break order (lexicographically in that
/// order) and keep the first one with the smallest key (`cmp`). Returns (key, committee in
/// tie-break order, whether another committee tied).
fn exact_search_by<K>(
    ap: &ApprovalProfile,
    k: usize,
    pos: &[usize],
    cost_per_committee: f64,
    what: &str,
    mut eval: impl FnMut(&[usize]) -> K,
    cmp: impl Fn(&K, &K) -> std::cmp::Ordering,
) -> Result<(K, Vec<usize>, bool)> {
    let m = ap.m;
    let work = binom(m, k) * cost_per_committee.max(1.0);
    if work > EXACT_MAX_WORK {
        return Err(CoreError::Limit(format!(
            "{what}: k = {k} of {m} candidates is C({m}, {k}) committees x {} ballots, above the bound {EXACT_MAX_WORK:e} this exact search can finish; use a smaller k",
            ap.num_ballots()
        )));
    }
    let mut by_pos: Vec<usize> = (0..m).collect();
    by_pos.sort_by_key(|&c| pos[c]);
    let mut idx: Vec<usize> = (0..k).collect();
    let mut best: Option<(K, Vec<usize>)> = None;
    let mut ties = false;
    let mut comm = vec![0usize; k];
    loop {
        for (slot, &i) in comm.iter_mut().zip(&idx) {
            *slot = by_pos[i];
        }
        let v = eval(&comm);
        match &best {
            Some((bv, _)) => match cmp(&v, bv) {
                std::cmp::Ordering::Less => {
                    best = Some((v, comm.clone()));
                    ties = false;
                }
                std::cmp::Ordering::Equal => ties = true,
                std::cmp::Ordering::Greater => {}
            },
            None => best = Some((v, comm.clone())),
        }
        // next combination
        let mut i = k;
        let mut found = false;
        while i > 0 {
            i -= 1;
            if idx[i] != i + m - k {
                found = true;
                break;
            }
        }
        if !found {
            break;
        }
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
    match best {
        Some((v, c)) => Ok((v, c, ties)),
        None => input_err!("{what}: no committee to search"),
    }
}

/// [`exact_search_by`] on a float key, equal within a relative 1e-9.
fn exact_search(
    ap: &ApprovalProfile,
    k: usize,
    pos: &[usize],
    cost_per_committee: f64,
    what: &str,
    eval: impl FnMut(&[usize]) -> f64,
) -> Result<(f64, Vec<usize>, bool)> {
    exact_search_by(
        ap,
        k,
        pos,
        cost_per_committee,
        what,
        eval,
        |a: &f64, b: &f64| {
            let tol = 1e-9 * b.abs().max(1.0);
            if *a < *b - tol {
                std::cmp::Ordering::Less
            } else if *a > *b + tol {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        },
    )
}

fn integer_weights(ap: &ApprovalProfile, what: &str) -> Result<()> {
    if let Some(b) = (0..ap.num_ballots()).find(|&b| ap.weights[b].fract() != 0.0) {
        return input_err!(
            "{what} needs integer weights (a ballot of weight w is w voters); ballot {b} has weight {}",
            ap.weights[b]
        );
    }
    Ok(())
}

/// Lexicographic Minimax Approval Voting (abcvoting `lexminimaxav`): among committees, minimize
/// the largest Hamming distance to a voter, then the second largest, and so on (the distances
/// of all voters sorted from largest down, compared lexicographically). Integer weights (a
/// ballot of weight `w` is `w` voters). Exact search (`LimitError` above [`EXACT_MAX_WORK`]);
/// ties: the first committee in tie-break order. Scores: approval counts. Value: the largest
/// distance.
pub fn lex_minimax_av(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    integer_weights(ap, "lex_minimax_av")?;
    let pos = tb.positions_or_lex(ap.m)?;
    let active: Vec<usize> = (0..ap.num_ballots())
        .filter(|&b| ap.weights[b] > 0.0)
        .collect();
    let sizes: Vec<usize> = (0..ap.num_ballots()).map(|b| ap.set_size(b)).collect();
    let mut mask = vec![0u64; ap.words];
    let m = ap.m;
    // key: (voters at distance d) for d = m + k down to 0; smaller lexicographically is better
    let (key, order, ties) = exact_search_by(
        ap,
        k,
        &pos,
        active.len() as f64 + (m + k) as f64,
        "lex_minimax_av",
        |comm| {
            mask.fill(0);
            for &c in comm {
                mask[c / 64] |= 1 << (c % 64);
            }
            let mut hist = vec![0.0f64; m + k + 1];
            for &b in &active {
                hist[sizes[b] + k - 2 * ap.overlap(b, &mask)] += ap.weights[b];
            }
            hist.reverse();
            hist
        },
        |a: &Vec<f64>, b: &Vec<f64>| {
            for (x, y) in a.iter().zip(b) {
                // the count of voters at a larger distance decides; fewer is better
                match x.total_cmp(y) {
                    std::cmp::Ordering::Equal => {}
                    o => return o,
                }
            }
            std::cmp::Ordering::Equal
        },
    )?;
    let worst = key
        .iter()
        .position(|&x| x > 0.0)
        .map_or(0.0, |i| (m + k - i) as f64);
    let notes = if ties {
        vec!["several optimal committees; the first in that order returned".to_string()]
    } else {
        Vec::new()
    };
    Ok(finish(order, ap.approval_scores(), Some(worst), notes, tb))
}

/// Minimax Approval Voting (Brams, Kilgour & Sanver 2007; abcvoting `minimaxav`): the
/// committee minimizing the largest Hamming distance `|A_i Δ W|` to a ballot of positive
/// weight (weights do not matter otherwise). Exact search over all committees (`LimitError`
/// above [`EXACT_MAX_WORK`]); among optimal committees the first in tie-break order. Scores:
/// approval counts. Value: the largest distance.
pub fn minimax_av(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let pos = tb.positions_or_lex(ap.m)?;
    let active: Vec<usize> = (0..ap.num_ballots())
        .filter(|&b| ap.weights[b] > 0.0)
        .collect();
    let sizes: Vec<usize> = (0..ap.num_ballots()).map(|b| ap.set_size(b)).collect();
    let mut mask = vec![0u64; ap.words];
    let (v, order, ties) = exact_search(ap, k, &pos, active.len() as f64, "minimax_av", |comm| {
        mask.fill(0);
        for &c in comm {
            mask[c / 64] |= 1 << (c % 64);
        }
        active
            .iter()
            .map(|&b| sizes[b] + k - 2 * ap.overlap(b, &mask))
            .max()
            .unwrap_or(0) as f64
    })?;
    let notes = if ties {
        vec!["several optimal committees; the first in that order returned".to_string()]
    } else {
        Vec::new()
    };
    Ok(finish(order, ap.approval_scores(), Some(v), notes, tb))
}

/// The maximin support of a committee (Sánchez-Fernández, García-Lapresta, Fisteus & Brill
/// 2022): the largest `t` such that every member can receive support `t` from its approvers,
/// each voter splitting its weight; by max-flow/min-cut it equals `min over non-empty T ⊆ W of
/// w(voters approving someone in T) / |T|`.
fn maximin_support_value(cover: &[Vec<u64>], weights: &[f64], members: &[usize]) -> f64 {
    if members.is_empty() {
        return f64::INFINITY;
    }
    let words = cover.first().map_or(0, std::vec::Vec::len);
    let mut s = Subsets {
        cover,
        weights,
        members,
        union: vec![0u64; words],
        best: f64::INFINITY,
    };
    s.dfs(0, 0.0, 0);
    s.best
}

/// Depth-first walk over the subsets of `members`, carrying the union of their supporters.
struct Subsets<'a> {
    cover: &'a [Vec<u64>],
    weights: &'a [f64],
    members: &'a [usize],
    union: Vec<u64>,
    best: f64,
}

impl Subsets<'_> {
    fn dfs(&mut self, start: usize, covered: f64, size: usize) {
        for i in start..self.members.len() {
            let c = self.members[i];
            let mut added = 0.0;
            let mut saved = Vec::new();
            for (wi, (u, &x)) in self.union.iter_mut().zip(&self.cover[c]).enumerate() {
                let new = x & !*u;
                if new != 0 {
                    saved.push((wi, *u));
                    let mut bits = new;
                    while bits != 0 {
                        let t = bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        added += self.weights[wi * 64 + t];
                    }
                    *u |= new;
                }
            }
            let cov = covered + added;
            let v = cov / (size + 1) as f64;
            if v < self.best {
                self.best = v;
            }
            self.dfs(i + 1, cov, size + 1);
            for (wi, old) in saved {
                self.union[wi] = old;
            }
        }
    }
}

/// Maximin support method (Sánchez-Fernández et al. 2022; abcvoting `maximin-support`):
/// sequentially add the candidate that maximizes the maximin support of the committee with it.
/// Computed exactly by enumerating the subsets of the committee (`LimitError` when `k > 24`).
/// Ties: tie-break order. Scores: the maximin support reached when each member was added
/// (others: the value with them added to the final committee). Value: the committee's maximin
/// support.
pub fn maximin_support(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    if k > 24 {
        return Err(CoreError::Limit(format!(
            "maximin_support enumerates the subsets of the committee: k = {k} is above 24; use a smaller k"
        )));
    }
    let m = ap.m;
    let n = ap.num_ballots();
    let work = (m as f64) * 2f64.powi(k as i32) * (n as f64 / 64.0).max(1.0);
    if work > EXACT_MAX_WORK * 10.0 {
        return Err(CoreError::Limit(format!(
            "maximin_support: {m} candidates x 2^{k} subsets (k = {k}) x {n} ballots is above the bound; use a smaller k"
        )));
    }
    let pos = tb.positions_or_lex(m)?;
    let vw = n.div_ceil(64).max(1);
    // voters (distinct ballots) approving each candidate, as bitsets
    let mut cover = vec![vec![0u64; vw]; m];
    for b in 0..n {
        for c in ap.iter_set(b) {
            cover[c][b / 64] |= 1 << (b % 64);
        }
    }
    let mut chosen = vec![false; m];
    let mut order: Vec<usize> = Vec::with_capacity(k);
    let mut scores = vec![0.0; m];
    let mut notes = Vec::new();
    let mut last = vec![0.0; m];
    for round in 0..k {
        let mut trial = order.clone();
        trial.push(0);
        for c in 0..m {
            if !chosen[c] {
                *trial.last_mut().unwrap_or(&mut 0) = c;
                last[c] = maximin_support_value(&cover, &ap.weights, &trial);
            }
        }
        let tied = best_of((0..m).filter(|&c| !chosen[c]), &last, true);
        let c = tied.iter().copied().min_by_key(|&c| pos[c]).unwrap_or(0);
        if tied.len() > 1 {
            notes.push(format!("round {}: {tied:?} tied, picked {c}", round + 1));
        }
        chosen[c] = true;
        scores[c] = last[c];
        order.push(c);
    }
    for c in 0..m {
        if !chosen[c] {
            scores[c] = if k < m { last[c] } else { 0.0 };
        }
    }
    let value = if k == 0 {
        None
    } else {
        Some(maximin_support_value(&cover, &ap.weights, &order))
    };
    Ok(finish(order, scores, value, notes, tb))
}

/// Dinic's max flow on a small graph with f64 capacities.
struct Flow {
    head: Vec<usize>,
    to: Vec<usize>,
    cap: Vec<f64>,
    next: Vec<usize>,
}

const NIL: usize = usize::MAX;

impl Flow {
    fn new(nodes: usize) -> Self {
        Flow {
            head: vec![NIL; nodes],
            to: Vec::new(),
            cap: Vec::new(),
            next: Vec::new(),
        }
    }
    fn edge(&mut self, a: usize, b: usize, c: f64) {
        for (x, y, cc) in [(a, b, c), (b, a, 0.0)] {
            self.to.push(y);
            self.cap.push(cc);
            self.next.push(self.head[x]);
            self.head[x] = self.to.len() - 1;
        }
    }
    fn max_flow(&mut self, s: usize, t: usize) -> f64 {
        let n = self.head.len();
        let mut total = 0.0;
        loop {
            let mut level = vec![usize::MAX; n];
            level[s] = 0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(x) = queue.pop_front() {
                let mut e = self.head[x];
                while e != NIL {
                    if self.cap[e] > 1e-12 && level[self.to[e]] == usize::MAX {
                        level[self.to[e]] = level[x] + 1;
                        queue.push_back(self.to[e]);
                    }
                    e = self.next[e];
                }
            }
            if level[t] == usize::MAX {
                return total;
            }
            let mut it = self.head.clone();
            loop {
                let f = self.augment(s, t, f64::INFINITY, &level, &mut it);
                if f <= 1e-12 {
                    break;
                }
                total += f;
            }
        }
    }
    fn augment(
        &mut self,
        x: usize,
        t: usize,
        limit: f64,
        level: &[usize],
        it: &mut [usize],
    ) -> f64 {
        if x == t {
            return limit;
        }
        while it[x] != NIL {
            let e = it[x];
            let y = self.to[e];
            if self.cap[e] > 1e-12 && level[y] == level[x] + 1 {
                let f = self.augment(y, t, limit.min(self.cap[e]), level, it);
                if f > 1e-12 {
                    self.cap[e] -= f;
                    self.cap[e ^ 1] += f;
                    return f;
                }
            }
            it[x] = self.next[e];
        }
        0.0
    }
}

/// Monroe (Monroe 1995; L&S Def. 2.11; abcvoting `monroe`): voters are split into `k`
/// districts of sizes `floor(n/k)` or `ceil(n/k)`, one per member; maximize the number of voters
/// whose member they approve. Weights must be integers (a ballot of weight `w` is `w` voters).
/// The best split for a committee is a max flow (voters -> approved members, each member taking
/// at most `floor(n/k)` plus one of the `n mod k` larger districts); the committee by exact
/// search (`LimitError` above [`EXACT_MAX_WORK`]); ties: first committee in tie-break order.
/// Scores: approval counts. Value: the Monroe score.
pub fn monroe(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    integer_weights(ap, "monroe")?;
    let pos = tb.positions_or_lex(ap.m)?;
    let total = ap.total_weight();
    if k == 0 {
        return Ok(finish(
            Vec::new(),
            ap.approval_scores(),
            Some(0.0),
            Vec::new(),
            tb,
        ));
    }
    let lower = (total / k as f64).floor();
    let overflow = total - lower * k as f64;
    let active: Vec<usize> = (0..ap.num_ballots())
        .filter(|&b| ap.weights[b] > 0.0)
        .collect();
    let cost = (active.len() * k) as f64 * 4.0;
    let (v, order, ties) = exact_search(ap, k, &pos, cost, "monroe", |comm| {
        // nodes: source 0, sink 1, overflow 2, members 3.., voters after
        let nv = active.len();
        let mut g = Flow::new(3 + k + nv);
        for (j, _) in comm.iter().enumerate() {
            g.edge(3 + j, 1, lower);
            g.edge(3 + j, 2, 1.0);
        }
        g.edge(2, 1, overflow);
        for (i, &b) in active.iter().enumerate() {
            let node = 3 + k + i;
            let mut any = false;
            for (j, &c) in comm.iter().enumerate() {
                if ap.approves(b, c) {
                    g.edge(node, 3 + j, f64::INFINITY);
                    any = true;
                }
            }
            if any {
                g.edge(0, node, ap.weights[b]);
            }
        }
        -g.max_flow(0, 1)
    })?;
    let notes = if ties {
        vec!["several optimal committees; the first in that order returned".to_string()]
    } else {
        Vec::new()
    };
    Ok(finish(order, ap.approval_scores(), Some(-v), notes, tb))
}

/// `s[l-1]` = weight of the ballots with at least `l` of `sat` approved members, `l = 1..=k`
/// (`sat[b] + extra(b)` members for ballot `b`, capped at `k`).
fn atleast_vector(
    ap: &ApprovalProfile,
    k: usize,
    active: &[usize],
    count: impl Fn(usize) -> usize,
    hist: &mut [f64],
) -> Vec<f64> {
    hist.fill(0.0);
    for &b in active {
        hist[count(b).min(k)] += ap.weights[b];
    }
    let mut out = vec![0.0; k];
    let mut acc = 0.0;
    for l in (1..=k).rev() {
        acc += hist[l];
        out[l - 1] = acc;
    }
    out
}

/// Lexicographic comparison of two at-least vectors, equal within a relative 1e-9 per entry.
fn lex_cmp(a: &[f64], b: &[f64]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let tol = 1e-9 * x.abs().max(y.abs()).max(1.0);
        if *x < *y - tol {
            return std::cmp::Ordering::Less;
        }
        if *x > *y + tol {
            return std::cmp::Ordering::Greater;
        }
    }
    std::cmp::Ordering::Equal
}

struct LexCc<'a> {
    ap: &'a ApprovalProfile,
    k: usize,
    by_pos: Vec<usize>,
    sup: Vec<Vec<u32>>,
    active: Vec<usize>,
    sat: Vec<usize>,
    rem: Vec<usize>,
    hist: Vec<f64>,
    gain: Vec<f64>,
    chosen: Vec<usize>,
    best: Vec<f64>,
    best_comm: Option<Vec<usize>>,
    ties: bool,
    nodes: f64,
    work: f64,
    over: bool,
}

impl LexCc<'_> {
    fn dfs(&mut self, i: usize, r: usize) {
        if self.over {
            return;
        }
        self.nodes += 1.0;
        self.work += self.active.len() as f64;
        if self.work > LEX_CC_MAX_WORK {
            self.over = true;
            return;
        }
        let (ap, k) = (self.ap, self.k);
        if r == 0 {
            let sat = &self.sat;
            let v = atleast_vector(ap, k, &self.active, |b| sat[b], &mut self.hist);
            match lex_cmp(&v, &self.best) {
                std::cmp::Ordering::Greater => {
                    self.best = v;
                    self.best_comm = Some(self.chosen.clone());
                    self.ties = false;
                }
                std::cmp::Ordering::Equal => {
                    if self.best_comm.is_none() {
                        self.best_comm = Some(self.chosen.clone());
                    } else {
                        self.ties = true;
                    }
                }
                std::cmp::Ordering::Less => {}
            }
            return;
        }
        if self.by_pos.len() - i < r {
            return;
        }
        // bound: every ballot gets all its remaining approved candidates, up to r of them;
        // each entry of the vector is an upper bound, so the vector bounds lexicographically
        let (sat, rem) = (&self.sat, &self.rem);
        let mut ub = atleast_vector(
            ap,
            k,
            &self.active,
            |b| sat[b] + rem[b].min(r),
            &mut self.hist,
        );
        if lex_cmp(&ub, &self.best) != std::cmp::Ordering::Less {
            // second bound: a voter with `s` members reaching level `l` needs `l - s` of the
            // added candidates, so credit `w / (l - s)` to each remaining candidate it
            // approves; level `l` gains at most the `r` largest credits
            let cur = atleast_vector(ap, k, &self.active, |b| sat[b], &mut self.hist);
            let nr = self.by_pos.len() - i;
            let mut steps = self.active.len() + k * nr * (1 + nr.ilog2() as usize);
            self.gain.clear();
            self.gain.resize(k * nr, 0.0);
            for (j, &c) in self.by_pos[i..].iter().enumerate() {
                for &b in &self.sup[c] {
                    let b = b as usize;
                    let s = sat[b];
                    let top = (s + rem[b].min(r)).min(k);
                    let w = ap.weights[b];
                    steps += 1 + top.saturating_sub(s);
                    for l in s + 1..=top {
                        self.gain[(l - 1) * nr + j] += w / (l - s) as f64;
                    }
                }
            }
            for l in 0..k {
                let row = &mut self.gain[l * nr..(l + 1) * nr];
                row.sort_unstable_by(|a, b| b.total_cmp(a));
                let add: f64 = row.iter().take(r).sum();
                ub[l] = ub[l].min(cur[l] + add);
            }
            self.work += steps as f64;
        }
        match lex_cmp(&ub, &self.best) {
            std::cmp::Ordering::Less => return,
            std::cmp::Ordering::Equal if self.best_comm.is_some() && self.ties => return,
            _ => {}
        }
        let c = self.by_pos[i];
        for j in 0..self.sup[c].len() {
            let b = self.sup[c][j] as usize;
            self.rem[b] -= 1;
            self.sat[b] += 1;
        }
        self.chosen.push(c);
        self.dfs(i + 1, r - 1);
        self.chosen.pop();
        for j in 0..self.sup[c].len() {
            self.sat[self.sup[c][j] as usize] -= 1;
        }
        self.dfs(i + 1, r);
        for j in 0..self.sup[c].len() {
            self.rem[self.sup[c][j] as usize] += 1;
        }
    }
}

/// Bound on the steps (ballots and credits visited) of the [`lex_cc`] branch and bound.
pub const LEX_CC_MAX_WORK: f64 = 1e9;

/// Lexicographic Chamberlin–Courant (abcvoting `lexcc`; Lackner & Skowron 2023): among
/// committees of size `k`, maximize the weight of voters with at least one approved member,
/// then with at least two, ..., up to `k` (the vector compared lexicographically). Exact, by
/// branch and bound over the candidates in tie-break order, seeded with the greedy committee's
/// vector; each level's bound is the smaller of "every ballot gets all its approved candidates
/// not yet decided, up to the seats left" and "the current level plus the `r` largest
/// per-candidate credits" (a ballot `d` members short of the level credits `w / d` to each
/// undecided candidate it approves). `LimitError` when the search has not finished within
/// [`LEX_CC_MAX_WORK`] steps (ballots and credits visited). Ties: the first optimal committee
/// in tie-break order. Scores: approval counts. Value: the Chamberlin–Courant score (weight of
/// the voters with at least one member).
pub fn lex_cc(ap: &ApprovalProfile, k: usize, tb: &TieBreak) -> Result<CommitteeResult> {
    ap.check_rule(k)?;
    let pos = tb.positions_or_lex(ap.m)?;
    let m = ap.m;
    let mut by_pos: Vec<usize> = (0..m).collect();
    by_pos.sort_by_key(|&c| pos[c]);
    let active: Vec<usize> = (0..ap.num_ballots())
        .filter(|&b| ap.weights[b] > 0.0)
        .collect();
    let sup = ap.supporters();
    let nb = ap.num_ballots();
    // greedy seed: add the candidate whose committee has the best vector (earliest on ties)
    let mut hist = vec![0.0; k + 1];
    let mut sat = vec![0usize; nb];
    let mut taken = vec![false; m];
    let mut seed = vec![0.0; k];
    for _ in 0..k {
        let mut pick: Option<(usize, Vec<f64>)> = None;
        for &c in &by_pos {
            if taken[c] {
                continue;
            }
            for &b in &sup[c] {
                sat[b as usize] += 1;
            }
            let s = &sat;
            let v = atleast_vector(ap, k, &active, |b| s[b], &mut hist);
            for &b in &sup[c] {
                sat[b as usize] -= 1;
            }
            if pick
                .as_ref()
                .is_none_or(|(_, pv)| lex_cmp(&v, pv) == std::cmp::Ordering::Greater)
            {
                pick = Some((c, v));
            }
        }
        if let Some((c, v)) = pick {
            taken[c] = true;
            for &b in &sup[c] {
                sat[b as usize] += 1;
            }
            seed = v;
        }
    }
    let rem: Vec<usize> = (0..nb).map(|b| ap.set_size(b)).collect();
    let mut s = LexCc {
        ap,
        k,
        by_pos,
        sup,
        active,
        sat: vec![0; nb],
        rem,
        hist,
        gain: Vec::new(),
        chosen: Vec::with_capacity(k),
        best: seed,
        best_comm: None,
        ties: false,
        nodes: 0.0,
        work: 0.0,
        over: false,
    };
    s.dfs(0, k);
    if s.over {
        return Err(CoreError::Limit(format!(
            "lex_cc: k = {k} of {m} candidates with {} ballots: the branch and bound did not prove the optimum within {LEX_CC_MAX_WORK:e} steps ({:e} nodes); use a smaller k or fewer candidates",
            ap.num_ballots(),
            s.nodes
        )));
    }
    let Some(order) = s.best_comm else {
        return input_err!("lex_cc: no committee found (internal: the seed was not reached)");
    };
    let notes = if s.ties {
        vec!["several optimal committees; the first in that order returned".to_string()]
    } else {
        Vec::new()
    };
    let value = s.best.first().copied().unwrap_or(0.0);
    Ok(finish(order, ap.approval_scores(), Some(value), notes, tb))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(m: usize, sets: &[&[usize]]) -> ApprovalProfile {
        let b: Vec<Vec<usize>> = sets.iter().map(|s| s.to_vec()).collect();
        ApprovalProfile::new(m, &b, None).unwrap()
    }

    #[test]
    fn maximin_support_abcvoting_doc_example() {
        // abcvoting's documented example: voters {1,3}, {2,0}, {0,3}, {4,3,1}
        let p = ap(5, &[&[1, 3], &[2, 0], &[0, 3], &[4, 3, 1]]);
        let vw = 1;
        let mut cover = vec![vec![0u64; vw]; 5];
        for b in 0..4 {
            for c in p.iter_set(b) {
                cover[c][0] |= 1 << b;
            }
        }
        let w = p.weights.clone();
        assert_eq!(maximin_support_value(&cover, &w, &[0]), 2.0);
        assert_eq!(maximin_support_value(&cover, &w, &[3]), 3.0);
        assert_eq!(maximin_support_value(&cover, &w, &[3, 0]), 2.0);
        assert_eq!(maximin_support_value(&cover, &w, &[3, 1]), 1.5);
        assert_eq!(maximin_support_value(&cover, &w, &[3, 2]), 1.0);
        let r = maximin_support(&p, 3, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.order[0], 3);
    }

    #[test]
    fn monroe_small() {
        // 4 voters, k = 2: {0}, {0}, {1}, {2}: districts of 2; {0, 1} or {0, 2} satisfy 3
        let p = ap(3, &[&[0], &[0], &[1], &[2]]);
        let r = monroe(&p, 2, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.value, Some(3.0));
        assert_eq!(r.committee, vec![0, 1]);
    }
    /// Brute force: every k-subset in tie-break (index) order, the first best vector.
    fn lex_cc_brute(p: &ApprovalProfile, k: usize) -> (Vec<usize>, Vec<f64>) {
        let mut best: Option<(Vec<usize>, Vec<f64>)> = None;
        let m = p.m;
        for bits in 0u64..(1 << m) {
            if bits.count_ones() as usize != k {
                continue;
            }
            let comm: Vec<usize> = (0..m).filter(|&c| bits >> c & 1 == 1).collect();
            let mask = p.committee_mask(&comm).unwrap();
            let v: Vec<f64> = (1..=k)
                .map(|l| {
                    (0..p.num_ballots())
                        .filter(|&b| p.overlap(b, &mask) >= l)
                        .map(|b| p.weights[b])
                        .sum()
                })
                .collect();
            let better = match &best {
                None => true,
                Some((bc, bv)) => match lex_cmp(&v, bv) {
                    std::cmp::Ordering::Greater => true,
                    std::cmp::Ordering::Equal => comm < *bc,
                    std::cmp::Ordering::Less => false,
                },
            };
            if better {
                best = Some((comm, v));
            }
        }
        best.unwrap()
    }

    #[test]
    fn lex_cc_hand_example() {
        // {0,1} x2, {2}: CC alone ties {0,2} and {1,2} (all 3 covered); CC's second level
        // cannot be raised without losing {2}, so lex-CC = {0, 2} (first in order), tie noted
        let p = ApprovalProfile::new(3, &[vec![0, 1], vec![0, 1], vec![2]], None).unwrap();
        let r = lex_cc(&p, 2, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.committee, vec![0, 2]);
        assert_eq!(r.value, Some(3.0));
        assert!(r.tie_break.is_some());
        // {0,1}, {2}, {1,2}, k = 2: {0,2} and {1,2} both cover all three voters (CC ties and
        // takes {0,2}, the first), but {1,2} gives the {1,2} voter two members: lex-CC = {1,2}
        let p = ApprovalProfile::new(3, &[vec![0, 1], vec![2], vec![1, 2]], None).unwrap();
        let r = lex_cc(&p, 2, &TieBreak::Lexicographic).unwrap();
        assert_eq!(r.committee, vec![1, 2]);
        assert_eq!(r.value, Some(3.0));
        assert!(r.tie_break.is_none());
        let cc = crate::choice::chamberlin_courant(
            &p,
            2,
            crate::choice::ThieleMethod::Exact,
            &TieBreak::Lexicographic,
        )
        .unwrap();
        assert_eq!(cc.committee, vec![0, 2]);
    }

    #[test]
    fn lex_cc_matches_brute_force() {
        let mut state = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let m = 2 + (next() % 8) as usize;
            let n = 1 + (next() % 10) as usize;
            let sets: Vec<Vec<usize>> = (0..n)
                .map(|_| (0..m).filter(|_| next() % 3 == 0).collect())
                .collect();
            let w: Vec<f64> = (0..n).map(|_| (1 + next() % 3) as f64).collect();
            let p = ApprovalProfile::new(m, &sets, Some(&w)).unwrap();
            let k = 1 + (next() as usize) % m;
            let r = lex_cc(&p, k, &TieBreak::Lexicographic).unwrap();
            let (bc, bv) = lex_cc_brute(&p, k);
            assert_eq!(r.committee, bc, "{sets:?} {w:?} k={k}");
            assert_eq!(r.value, Some(bv[0]));
        }
    }

    #[test]
    fn lex_cc_limit() {
        // 60 candidates, k = 30, many distinct ballots with the same structure: no pruning
        // can prove the optimum quickly among C(60, 30) committees
        let sets: Vec<Vec<usize>> = (0..200)
            .map(|i| (0..60).filter(|c| (c * 7 + i * 13) % 5 < 2).collect())
            .collect();
        let p = ApprovalProfile::new(60, &sets, None).unwrap();
        match lex_cc(&p, 30, &TieBreak::Lexicographic) {
            Err(CoreError::Limit(msg)) => assert!(msg.contains("k = 30"), "{msg}"),
            other => panic!("expected LimitError, got {other:?}"),
        }
    }
}
