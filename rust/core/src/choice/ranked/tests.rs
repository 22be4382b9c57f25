//! Tests of the ranked rules: published examples and cross-checks against brute force.

use super::super::profile::tests::strict;
use super::super::TieBreak;
use super::cursors::{Cursors, STRICT_CHUNK};
use super::*;
use crate::error::CoreError;

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
