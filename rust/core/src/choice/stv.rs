//! Single transferable vote (STV): proportional multi-winner elections from ranked ballots.
//!
//! The count runs in rounds. In each round either every continuing candidate whose tally reaches
//! the quota is elected (all at once; their surpluses are then transferred, each from the tally
//! it had when elected), or, when nobody reaches it, the continuing candidate with the lowest
//! tally is excluded and its ballots move on at their current value. When no more continuing
//! candidates are left than seats to fill, they are all elected. Ballots move to the next
//! *continuing* candidate on them (elected and excluded candidates are skipped); a ballot with
//! nobody left is exhausted, and its value is counted and reported.
//!
//! Surplus transfers (`Transfer`):
//! - `Wigm`, the weighted inclusive Gregory method (Scottish local government STV 2007,
//!   Australian Senate since 2016, VoteKit's `fractional_transfer`): every ballot the elected
//!   candidate holds moves on, its value multiplied by `surplus / tally`.
//! - `Gregory`, the unweighted inclusive Gregory method (Australian Senate before 2016): every
//!   ballot moves on at `weight * surplus / W`, `W` the total *original* weight of the ballots
//!   held; a ballot's value can rise above what it had (the method's known defect), but the
//!   total moved is the surplus.
//! - `Meek` (I. D. Hill, B. A. Wichmann & D. R. Woodall 1987, "Algorithm 123: single
//!   transferable vote by Meek's method", Computer Journal 30(3)): every elected candidate keeps
//!   a fraction `k` of each vote reaching it and passes the rest on; the keep factors are
//!   iterated (`k *= quota / tally`) until every elected candidate holds the quota (relative
//!   error below 1e-12, at most 10 000 iterations), and the quota follows the exhausted value:
//!   `(total - exhausted) / (seats + 1)` (Droop) or `/ seats` (Hare).
//!
//! Quotas for WIGM and Gregory are fixed at the start from the total weight of the ballots
//! that rank someone: Droop `floor(total / (seats + 1)) + 1`, Hare `total / seats`.
//!
//! Ballots: ranked candidates must be strictly ordered; the bottom tier of a ballot, when it has
//! several candidates, is the unranked rest and is never transferred to (a profile cannot tell
//! a ballot that omits exactly one candidate from one that ranks it last: that candidate counts
//! as ranked last).

use rayon::prelude::*;

use super::Profile;
use crate::error::Result;
use crate::input_err;

/// The quota a candidate must reach to be elected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quota {
    Droop,
    Hare,
}

/// How surpluses move on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    Wigm,
    Gregory,
    Meek,
}

/// In which order surpluses move on (WIGM and Gregory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurplusOrder {
    /// One surplus per round, the largest first; a candidate reaching the quota meanwhile is
    /// elected and receives nothing more (Scottish STV rules 2007, ERS97).
    Largest,
    /// Every surplus of the candidates elected in a round moves on at once (VoteKit's STV).
    Simultaneous,
}

/// Which earlier rounds decide a tie before the fixed priority order does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookBack {
    /// No look-back: the priority order decides at once.
    None,
    /// The most recent earlier round where the tied candidates' tallies differ decides
    /// (Scottish STV rules, ERS97).
    Backward,
    /// The earliest round where they differ decides.
    Forward,
}

/// How ties (for exclusion, or for the last seats when more candidates reach the quota than
/// seats are left) are broken: first by the tallies of earlier rounds (`look`), then by the
/// priority order `positions` (position of each candidate, 0 = most preferred: the tied
/// candidate latest in the order is excluded first). `positions = None` makes a tie that the
/// look-back cannot break an error.
#[derive(Clone, Debug, PartialEq)]
pub struct StvTieBreak {
    pub look: LookBack,
    pub positions: Option<Vec<usize>>,
    /// Words for the result.
    pub name: String,
}

/// One round of the count.
#[derive(Clone, Debug, PartialEq)]
pub struct StvRound {
    /// The value each candidate holds when the round's decision is taken (elected candidates
    /// from earlier rounds hold the quota; excluded ones 0).
    pub tallies: Vec<f64>,
    /// Exhausted value so far, when the decision is taken.
    pub exhausted: f64,
    /// The quota in force in this round.
    pub quota: f64,
    /// Candidates elected in this round (highest tally first).
    pub elected: Vec<usize>,
    /// Candidates excluded in this round.
    pub eliminated: Vec<usize>,
    /// Value moved after the decision: `(from, to, value)`, `to = None` for exhausted.
    /// Empty for Meek (its keep factors move value; see `keep`).
    pub transfers: Vec<(usize, Option<usize>, f64)>,
    /// Meek's keep factors when the decision is taken (empty for the other methods).
    pub keep: Vec<f64>,
    /// True when the tie-break decided this round.
    pub tie: bool,
}

/// The outcome of an STV count.
#[derive(Clone, Debug, PartialEq)]
pub struct StvResult {
    /// Elected candidates in the order they were elected.
    pub elected: Vec<usize>,
    pub rounds: Vec<StvRound>,
    /// Total weight of the ballots that rank at least one candidate.
    pub total: f64,
    /// Exhausted value at the end.
    pub exhausted: f64,
    /// The tie-break, when one decided a round.
    pub tie_break: Option<String>,
}

/// Strict preference lists: `order[b * m..b * m + len[b]]`, best first.
struct Ballots {
    m: usize,
    order: Vec<u16>,
    len: Vec<u16>,
    weight: Vec<f64>,
}

impl Ballots {
    fn prefs(&self, b: usize) -> &[u16] {
        &self.order[b * self.m..b * self.m + self.len[b] as usize]
    }
}

fn strict_ballots(p: &Profile) -> Result<Ballots> {
    let m = p.num_candidates();
    let n = p.num_ballots();
    let mut order = vec![0u16; n * m];
    let mut len = vec![0u16; n];
    order
        .par_chunks_mut(m.max(1))
        .zip(len.par_iter_mut())
        .enumerate()
        .try_for_each_init(
            || (vec![0u16; m + 1], vec![0u16; m + 1]),
            |(count, cand_at), (b, (row, l))| -> Result<()> {
                let ranks = p.ranks(b);
                count.fill(0);
                let mut bottom = 0usize;
                for (c, &r) in ranks.iter().enumerate() {
                    let r = (r as usize).min(m);
                    count[r] += 1;
                    cand_at[r] = c as u16;
                    bottom = bottom.max(r);
                }
                let mut k = 0usize;
                for level in 0..=bottom {
                    match count[level] {
                        0 => {}
                        1 => {
                            row[k] = cand_at[level];
                            k += 1;
                        }
                        _ if level == bottom => break, // the unranked rest
                        _ => {
                            let tied: Vec<usize> =
                                (0..m).filter(|&c| ranks[c] as usize == level).collect();
                            return input_err!(
                                "ballot {b} ranks candidates {tied:?} equal; STV needs strictly ordered preferences (only the unranked rest may tie)"
                            );
                        }
                    }
                }
                *l = k as u16;
                Ok(())
            },
        )?;
    Ok(Ballots {
        m,
        order,
        len,
        weight: p.weights().to_vec(),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Hopeful,
    Elected,
    Excluded,
}

/// Check parameters and run the count.
pub fn stv(
    p: &Profile,
    seats: usize,
    quota: Quota,
    transfer: Transfer,
    order: SurplusOrder,
    tb: &StvTieBreak,
) -> Result<StvResult> {
    p.check_nonempty()?;
    let m = p.num_candidates();
    if seats == 0 {
        return input_err!("seats must be at least 1");
    }
    if seats > m {
        return input_err!("seats = {seats} is more than the {m} candidates");
    }
    if m > u16::MAX as usize - 1 {
        return input_err!("STV supports at most 65534 candidates, got {m}");
    }
    if let Some(pos) = &tb.positions {
        if pos.len() != m {
            return input_err!(
                "tie-break order has {} candidates but the profile has {m}",
                pos.len()
            );
        }
    }
    let ballots = strict_ballots(p)?;
    let total: f64 = (0..ballots.weight.len())
        .filter(|&b| ballots.len[b] > 0)
        .map(|b| ballots.weight[b])
        .sum();
    if total <= 0.0 {
        return input_err!("no ballot with positive weight ranks a candidate; nothing to count");
    }
    let mut count = Count::new(m, seats, total, tb);
    match transfer {
        Transfer::Meek => count.run_meek(&ballots, quota)?,
        _ => count.run_piles(&ballots, quota, transfer, order)?,
    }
    Ok(count.finish())
}

struct Count<'a> {
    m: usize,
    seats: usize,
    total: f64,
    tol: f64,
    tb: &'a StvTieBreak,
    state: Vec<State>,
    elected: Vec<usize>,
    rounds: Vec<StvRound>,
    tie_used: bool,
    exhausted: f64,
}

/// What the round decides.
enum Decision {
    Elect(Vec<usize>),
    Exclude(usize),
}

impl<'a> Count<'a> {
    fn new(m: usize, seats: usize, total: f64, tb: &'a StvTieBreak) -> Self {
        Count {
            m,
            seats,
            total,
            tol: 1e-9 * total.max(1.0),
            tb,
            state: vec![State::Hopeful; m],
            elected: Vec::new(),
            rounds: Vec::new(),
            tie_used: false,
            exhausted: 0.0,
        }
    }

    fn hopefuls(&self) -> Vec<usize> {
        (0..self.m)
            .filter(|&c| self.state[c] == State::Hopeful)
            .collect()
    }

    fn done(&self) -> bool {
        self.elected.len() >= self.seats
    }

    /// Break a tie among `tied` (equal current tallies): `lowest` picks the one to exclude,
    /// else the one to elect first.
    fn break_tie(&mut self, tied: &[usize], lowest: bool, what: &str) -> Result<usize> {
        let mut left: Vec<usize> = tied.to_vec();
        let history: Vec<&Vec<f64>> = self.rounds.iter().map(|r| &r.tallies).collect();
        let order: Vec<&Vec<f64>> = match self.tb.look {
            LookBack::None => Vec::new(),
            LookBack::Backward => history.into_iter().rev().collect(),
            LookBack::Forward => history,
        };
        for t in order {
            if left.len() == 1 {
                break;
            }
            left = extreme(&left, t, lowest, self.tol);
        }
        self.tie_used = true;
        if left.len() == 1 {
            return Ok(left[0]);
        }
        match &self.tb.positions {
            Some(pos) => Ok(if lowest {
                *left.iter().max_by_key(|&&c| pos[c]).unwrap_or(&left[0])
            } else {
                *left.iter().min_by_key(|&&c| pos[c]).unwrap_or(&left[0])
            }),
            None => input_err!(
                "round {}: candidates {left:?} are tied {what}; pass tie_break= to break the tie",
                self.rounds.len() + 1
            ),
        }
    }

    /// The decision of one round from the current tallies.
    fn decide(&mut self, tallies: &[f64], quota: f64) -> Result<(Decision, bool)> {
        let hope = self.hopefuls();
        let left = self.seats - self.elected.len();
        let mut reached: Vec<usize> = hope
            .iter()
            .copied()
            .filter(|&c| tallies[c] >= quota - self.tol)
            .collect();
        let all = reached.is_empty() && hope.len() <= left;
        if all {
            reached.clone_from(&hope);
        }
        if !reached.is_empty() {
            // highest tally first; equal tallies by the tie-break where the order matters
            let mut ordered = Vec::with_capacity(reached.len());
            let mut tie = false;
            while !reached.is_empty() && ordered.len() < left {
                let top = extreme(&reached, tallies, false, self.tol);
                let pick = if top.len() == 1 {
                    top[0]
                } else if ordered.len() + top.len() <= left {
                    // all of them are elected: order them by index, no tie-break needed
                    top[0]
                } else {
                    tie = true;
                    self.break_tie(&top, false, "for the last seat")?
                };
                ordered.push(pick);
                reached.retain(|&c| c != pick);
            }
            return Ok((Decision::Elect(ordered), tie));
        }
        let low = extreme(&hope, tallies, true, self.tol);
        if low.len() == 1 {
            return Ok((Decision::Exclude(low[0]), false));
        }
        let pick = self.break_tie(&low, true, "for exclusion")?;
        Ok((Decision::Exclude(pick), true))
    }

    /// WIGM and Gregory: ballots sit in piles, one per continuing candidate. Each round first
    /// elects every continuing candidate at the quota; then, with `SurplusOrder::Largest`, the
    /// largest untransferred surplus moves on (candidates reaching the quota through it are
    /// elected at the start of the next round and receive nothing more), with
    /// `SurplusOrder::Simultaneous` every surplus of the candidates just elected moves on at
    /// once; when no surplus is left, the lowest continuing candidate is excluded.
    fn run_piles(
        &mut self,
        bs: &Ballots,
        quota: Quota,
        transfer: Transfer,
        order: SurplusOrder,
    ) -> Result<()> {
        let m = self.m;
        let q = match quota {
            Quota::Droop => (self.total / (self.seats as f64 + 1.0)).floor() + 1.0,
            Quota::Hare => self.total / self.seats as f64,
        };
        let n = bs.weight.len();
        let mut pos = vec![0u16; n];
        let mut value: Vec<f64> = bs.weight.clone();
        let mut piles: Vec<Vec<u32>> = vec![Vec::new(); m];
        let mut tallies = vec![0.0; m];
        for (b, &w) in bs.weight.iter().enumerate() {
            if let Some(&c) = bs.prefs(b).first() {
                piles[c as usize].push(b as u32);
                tallies[c as usize] += w;
            }
        }
        // elected candidates whose surplus has not moved yet
        let mut pending: Vec<usize> = Vec::new();
        while !self.done() {
            let snapshot = tallies.clone();
            let hope = self.hopefuls();
            let left = self.seats - self.elected.len();
            let reached: Vec<usize> = hope
                .iter()
                .copied()
                .filter(|&c| tallies[c] >= q - self.tol)
                .collect();
            let mut round = StvRound {
                tallies: snapshot,
                exhausted: self.exhausted,
                quota: q,
                elected: Vec::new(),
                eliminated: Vec::new(),
                transfers: Vec::new(),
                keep: Vec::new(),
                tie: false,
            };
            let mut moves: Vec<(usize, Mode)> = Vec::new();
            let surplus_mode = |c: usize, piles: &[Vec<u32>], tallies: &[f64]| -> Option<Mode> {
                let t = tallies[c];
                let surplus = t - q;
                if surplus <= 0.0 || t <= 0.0 {
                    return None;
                }
                Some(match transfer {
                    Transfer::Gregory => {
                        let w: f64 = piles[c].iter().map(|&b| bs.weight[b as usize]).sum();
                        Mode::PerWeight(if w > 0.0 { surplus / w } else { 0.0 })
                    }
                    _ => Mode::Factor(surplus / t),
                })
            };
            if !reached.is_empty() || (pending.is_empty() && hope.len() <= left) {
                let (Decision::Elect(cs), tie) = self.decide(&tallies, q)? else {
                    return input_err!("internal: expected an election");
                };
                round.tie |= tie;
                for &c in &cs {
                    self.state[c] = State::Elected;
                    self.elected.push(c);
                    pending.push(c);
                }
                round.elected = cs;
            }
            if !self.done() && self.hopefuls().len() <= self.seats - self.elected.len() {
                // as many continuing candidates as seats: no transfer can change the outcome
                let mut rest = self.hopefuls();
                rest.sort_by(|&a, &b| tallies[b].total_cmp(&tallies[a]).then(a.cmp(&b)));
                for &c in &rest {
                    self.state[c] = State::Elected;
                    self.elected.push(c);
                }
                round.elected.extend(rest);
            }
            if self.done() {
                self.rounds.push(round);
                break;
            }
            // elected with no surplus: nothing to move
            pending.retain(|&c| {
                let keep = tallies[c] > q;
                if !keep {
                    piles[c].clear();
                }
                keep
            });
            if !pending.is_empty() {
                let now: Vec<usize> = match order {
                    SurplusOrder::Simultaneous => std::mem::take(&mut pending),
                    SurplusOrder::Largest => {
                        let top = extreme(&pending, &tallies, false, self.tol);
                        let c = if top.len() == 1 {
                            top[0]
                        } else {
                            round.tie = true;
                            self.break_tie(&top, false, "for the largest surplus")?
                        };
                        pending.retain(|&x| x != c);
                        vec![c]
                    }
                };
                for c in now {
                    match surplus_mode(c, &piles, &tallies) {
                        Some(mode) => moves.push((c, mode)),
                        None => piles[c].clear(),
                    }
                    tallies[c] = tallies[c].min(q);
                }
            } else if round.elected.is_empty() {
                let (Decision::Exclude(c), tie) = self.decide(&tallies, q)? else {
                    return input_err!("internal: expected an exclusion");
                };
                round.tie |= tie;
                self.state[c] = State::Excluded;
                tallies[c] = 0.0;
                moves.push((c, Mode::Factor(1.0)));
                round.eliminated = vec![c];
            }
            for (c, mode) in moves {
                let pile = std::mem::take(&mut piles[c]);
                let mut flow = vec![0.0; m + 1];
                for &b in &pile {
                    let b = b as usize;
                    let v = match mode {
                        Mode::Factor(f) => value[b] * f,
                        Mode::PerWeight(s) => bs.weight[b] * s,
                    };
                    value[b] = v;
                    let prefs = bs.prefs(b);
                    let mut i = pos[b] as usize + 1;
                    while i < prefs.len() && self.state[prefs[i] as usize] != State::Hopeful {
                        i += 1;
                    }
                    pos[b] = i.min(u16::MAX as usize) as u16;
                    if i < prefs.len() {
                        let d = prefs[i] as usize;
                        piles[d].push(b as u32);
                        tallies[d] += v;
                        flow[d] += v;
                    } else {
                        flow[m] += v;
                    }
                }
                self.exhausted += flow[m];
                for (d, &f) in flow.iter().enumerate() {
                    if f > 0.0 {
                        round.transfers.push((c, (d < m).then_some(d), f));
                    }
                }
            }
            self.rounds.push(round);
        }
        Ok(())
    }

    /// Meek's method.
    fn run_meek(&mut self, bs: &Ballots, quota: Quota) -> Result<()> {
        let m = self.m;
        let mut keep = vec![1.0; m];
        let divisor = match quota {
            Quota::Droop => self.seats as f64 + 1.0,
            Quota::Hare => self.seats as f64,
        };
        while !self.done() {
            let mut tallies;
            let mut exhausted;
            let mut q;
            let mut iter = 0;
            loop {
                (tallies, exhausted) = meek_distribute(bs, &self.state, &keep);
                q = (self.total - exhausted) / divisor;
                let mut converged = true;
                for &c in &self.elected {
                    if tallies[c] > 0.0 && (tallies[c] - q).abs() > 1e-12 * q.max(1e-300) {
                        converged = false;
                    }
                }
                iter += 1;
                if converged || iter >= 10_000 {
                    break;
                }
                for &c in &self.elected {
                    if tallies[c] > 0.0 {
                        keep[c] = (keep[c] * q / tallies[c]).min(1.0);
                    }
                }
            }
            self.exhausted = exhausted;
            let (decision, tie) = self.decide(&tallies, q)?;
            let mut round = StvRound {
                tallies,
                exhausted,
                quota: q,
                elected: Vec::new(),
                eliminated: Vec::new(),
                transfers: Vec::new(),
                keep: keep.clone(),
                tie,
            };
            match decision {
                Decision::Elect(cs) => {
                    for &c in &cs {
                        self.state[c] = State::Elected;
                        self.elected.push(c);
                    }
                    round.elected = cs;
                }
                Decision::Exclude(c) => {
                    self.state[c] = State::Excluded;
                    keep[c] = 0.0;
                    round.eliminated = vec![c];
                }
            }
            self.rounds.push(round);
        }
        Ok(())
    }

    fn finish(self) -> StvResult {
        StvResult {
            elected: self.elected,
            rounds: self.rounds,
            total: self.total,
            exhausted: self.exhausted,
            tie_break: self.tie_used.then(|| self.tb.name.clone()),
        }
    }
}

#[derive(Clone, Copy)]
enum Mode {
    /// New value = old value * factor.
    Factor(f64),
    /// New value = original weight * share.
    PerWeight(f64),
}

/// Meek's distribution: each ballot gives `k` of what reaches an elected candidate to it and
/// passes the rest on, gives everything to the first continuing candidate, skips excluded
/// ones; what is left is exhausted. Summed over fixed chunks in a fixed order (deterministic
/// for any thread count).
fn meek_distribute(bs: &Ballots, state: &[State], keep: &[f64]) -> (Vec<f64>, f64) {
    let m = bs.m;
    const CHUNK: usize = 4096;
    let n = bs.weight.len();
    let parts: Vec<Vec<f64>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|ci| {
            let mut t = vec![0.0; m + 1];
            for b in ci * CHUNK..((ci + 1) * CHUNK).min(n) {
                let mut w = bs.weight[b];
                for &c in bs.prefs(b) {
                    let c = c as usize;
                    match state[c] {
                        State::Hopeful => {
                            t[c] += w;
                            w = 0.0;
                            break;
                        }
                        State::Elected => {
                            t[c] += w * keep[c];
                            w *= 1.0 - keep[c];
                        }
                        State::Excluded => {}
                    }
                }
                if bs.len[b] > 0 {
                    t[m] += w;
                }
            }
            t
        })
        .collect();
    let mut t = vec![0.0; m + 1];
    for part in parts {
        for (a, b) in t.iter_mut().zip(part) {
            *a += b;
        }
    }
    let ex = t.pop().unwrap_or(0.0);
    (t, ex)
}

/// Candidates among `cands` whose value is the minimum (or maximum) within `tol`.
fn extreme(cands: &[usize], v: &[f64], lowest: bool, tol: f64) -> Vec<usize> {
    let best = cands.iter().map(|&c| v[c]).fold(
        if lowest {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        },
        |a, b| {
            if lowest {
                a.min(b)
            } else {
                a.max(b)
            }
        },
    );
    cands
        .iter()
        .copied()
        .filter(|&c| (v[c] - best).abs() <= tol)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tb_lex(m: usize) -> StvTieBreak {
        StvTieBreak {
            look: LookBack::None,
            positions: Some((0..m).collect()),
            name: "lexicographic".into(),
        }
    }

    fn profile(m: usize, groups: &[(f64, &[usize])]) -> Profile {
        let ballots: Vec<Vec<Vec<usize>>> = groups
            .iter()
            .map(|(_, o)| o.iter().map(|&c| vec![c]).collect())
            .collect();
        let w: Vec<f64> = groups.iter().map(|g| g.0).collect();
        Profile::from_tiers(m, &ballots, Some(&w)).unwrap()
    }

    #[test]
    fn surplus_with_fractions_and_exhausted() {
        // A=0, B=1, C=2, D=3; 2 seats, 12 ballots: Droop quota floor(12/3)+1 = 5.
        // 7 A>B, 2 A (truncated), 3 C>D... round 1: A 9 >= 5 elected, surplus 4, factor 4/9:
        // the 7 A>B ballots give 28/9 to B, the 2 A ballots 8/9 exhausted.
        let p = profile(
            4,
            &[(7.0, &[0, 1]), (2.0, &[0]), (2.0, &[2, 3]), (1.0, &[3, 2])],
        );
        let r = stv(
            &p,
            2,
            Quota::Droop,
            Transfer::Wigm,
            SurplusOrder::Largest,
            &tb_lex(4),
        )
        .unwrap();
        let r1 = &r.rounds[0];
        assert_eq!(r1.quota, 5.0);
        assert_eq!(r1.tallies, vec![9.0, 0.0, 2.0, 1.0]);
        assert_eq!(r1.elected, vec![0]);
        let to_b = r1.transfers.iter().find(|t| t.1 == Some(1)).unwrap().2;
        let ex = r1.transfers.iter().find(|t| t.1.is_none()).unwrap().2;
        assert!((to_b - 28.0 / 9.0).abs() < 1e-12);
        assert!((ex - 8.0 / 9.0).abs() < 1e-12);
        // round 2: B 28/9 = 3.11, C 2, D 1: nobody at quota, D excluded -> C 3
        let r2 = &r.rounds[1];
        assert_eq!(r2.eliminated, vec![3]);
        // round 3: B 3.11 > C 3, hopefuls 2 > 1 seat: C excluded (lowest) -> C's ballots
        // C>D: D gone, exhausted
        let r3 = &r.rounds[2];
        assert_eq!(r3.eliminated, vec![2]);
        assert_eq!(r.elected, vec![0, 1]);
        assert!((r.exhausted - (8.0 / 9.0 + 3.0)).abs() < 1e-12);
    }
}
