//! Majority-based choice sets: Condorcet winner and loser, Smith set, Schwartz set and uncovered
//! sets (Handbook of Computational Social Choice, ch. 3, "Tournament solutions", F. Brandt,
//! M. Brill, P. Harrenstein; J. Duggan 2013, "Uncovered sets", Social Choice and Welfare 41).
//! "`a` beats `b`" means a strictly positive weighted margin (see [`Pairwise::beats`]).

use super::Pairwise;
use crate::error::Result;

/// The Condorcet winner: the candidate that beats every other candidate, if there is one.
pub fn condorcet_winner(pw: &Pairwise) -> Result<Option<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    Ok((0..m).find(|&a| (0..m).all(|b| b == a || pw.beats(a, b))))
}

/// The Condorcet loser: the candidate beaten by every other candidate, if there is one.
pub fn condorcet_loser(pw: &Pairwise) -> Result<Option<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    Ok((0..m).find(|&a| (0..m).all(|b| b == a || pw.beats(b, a))))
}

/// Weak Condorcet winners: candidates beaten by nobody (ties allowed), sorted.
pub fn weak_condorcet_winners(pw: &Pairwise) -> Result<Vec<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    Ok((0..m)
        .filter(|&a| (0..m).all(|b| b == a || !pw.beats(b, a)))
        .collect())
}

/// Reflexive-transitive closure of a relation given as `rel[a*m+b]`.
fn closure(m: usize, rel: impl Fn(usize, usize) -> bool) -> Vec<bool> {
    let mut r = vec![false; m * m];
    for a in 0..m {
        for b in 0..m {
            r[a * m + b] = a == b || rel(a, b);
        }
    }
    for k in 0..m {
        for i in 0..m {
            if r[i * m + k] {
                for j in 0..m {
                    if r[k * m + j] {
                        r[i * m + j] = true;
                    }
                }
            }
        }
    }
    r
}

/// The Smith set (GETCHA; Smith 1973, Econometrica 41): the smallest non-empty set of candidates
/// each of which beats every candidate outside it. Computed as the candidates that reach every
/// other candidate along "not beaten by" links (the top cycle of the weak majority relation).
pub fn smith_set(pw: &Pairwise) -> Result<Vec<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let r = closure(m, |a, b| !pw.beats(b, a));
    Ok((0..m).filter(|&a| (0..m).all(|b| r[a * m + b])).collect())
}

/// The Schwartz set (GOCHA; Schwartz 1986, *The Logic of Collective Choice*): the union of the
/// minimal sets not beaten from outside, i.e. the candidates `a` such that every `b` that reaches
/// `a` through strict majority wins is also reached from `a`.
pub fn schwartz_set(pw: &Pairwise) -> Result<Vec<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let r = closure(m, |a, b| pw.beats(a, b));
    Ok((0..m)
        .filter(|&a| (0..m).all(|b| !r[b * m + a] || r[a * m + b]))
        .collect())
}

/// Which covering relation defines the uncovered set (Duggan 2013 surveys them; they coincide
/// when there are no majority ties).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Covering {
    /// Gillies 1959: `a` covers `b` iff `a` beats `b` and every candidate beating `a` beats `b`.
    Gillies,
    /// Miller 1980 (the "downward" version): `a` covers `b` iff `a` beats `b` and `a` beats
    /// every candidate that `b` beats.
    Miller,
    /// McKelvey 1986: both the Gillies and the Miller conditions hold.
    McKelvey,
}

/// The uncovered set: the candidates no other candidate covers (see [`Covering`]).
pub fn uncovered_set(pw: &Pairwise, covering: Covering) -> Result<Vec<usize>> {
    pw.check_nonempty()?;
    let m = pw.num_candidates();
    let gillies = |a: usize, b: usize| (0..m).all(|z| !pw.beats(z, a) || pw.beats(z, b));
    let miller = |a: usize, b: usize| (0..m).all(|z| !pw.beats(b, z) || pw.beats(a, z));
    let covers = |a: usize, b: usize| {
        a != b
            && pw.beats(a, b)
            && match covering {
                Covering::Gillies => gillies(a, b),
                Covering::Miller => miller(a, b),
                Covering::McKelvey => gillies(a, b) && miller(a, b),
            }
    };
    Ok((0..m).filter(|&b| !(0..m).any(|a| covers(a, b))).collect())
}

#[cfg(test)]
mod tests {
    use super::super::profile::tests::strict;
    use super::*;

    #[test]
    fn condorcet_tennessee() {
        let p = strict(
            4,
            &[
                (42, &[0, 1, 2, 3]),
                (26, &[1, 2, 3, 0]),
                (15, &[2, 3, 1, 0]),
                (17, &[3, 2, 1, 0]),
            ],
        );
        let pw = p.pairwise().unwrap();
        assert_eq!(condorcet_winner(pw).unwrap(), Some(1));
        assert_eq!(condorcet_loser(pw).unwrap(), Some(0));
        assert_eq!(smith_set(pw).unwrap(), vec![1]);
        assert_eq!(schwartz_set(pw).unwrap(), vec![1]);
        assert_eq!(uncovered_set(pw, Covering::Gillies).unwrap(), vec![1]);
    }

    #[test]
    fn cycle_sets() {
        // a>b>c>a cycle plus d beaten by all
        let p = strict(
            4,
            &[(1, &[0, 1, 2, 3]), (1, &[1, 2, 0, 3]), (1, &[2, 0, 1, 3])],
        );
        let pw = p.pairwise().unwrap();
        assert_eq!(condorcet_winner(pw).unwrap(), None);
        assert_eq!(condorcet_loser(pw).unwrap(), Some(3));
        assert_eq!(smith_set(pw).unwrap(), vec![0, 1, 2]);
        assert_eq!(schwartz_set(pw).unwrap(), vec![0, 1, 2]);
        for c in [Covering::Gillies, Covering::Miller, Covering::McKelvey] {
            assert_eq!(uncovered_set(pw, c).unwrap(), vec![0, 1, 2]);
        }
    }

    #[test]
    fn smith_vs_schwartz_with_ties() {
        // a ties b; both beat c: Smith = {a,b}; Schwartz = {a,b}; with a tie and c beating b only
        // Smith keeps a cycle via ties while Schwartz is smaller.
        // a>b? tie; b>c; c ties a  -> Smith {a,b,c}, Schwartz {a,b}
        let p = Profile::from_tiers(
            3,
            &[
                vec![vec![0, 1], vec![2]],
                vec![vec![2], vec![0], vec![1]],
                vec![vec![1], vec![0, 2]],
            ],
            None,
        )
        .unwrap();
        let pw = p.pairwise().unwrap();
        assert_eq!(pw.margin(0, 1), 0.0);
        assert_eq!(pw.margin(1, 2), 1.0);
        assert_eq!(pw.margin(0, 2), 0.0);
        assert_eq!(smith_set(pw).unwrap(), vec![0, 1, 2]);
        assert_eq!(schwartz_set(pw).unwrap(), vec![0, 1]);
        assert_eq!(weak_condorcet_winners(pw).unwrap(), vec![0, 1]);
    }
    use super::super::Profile;
}
