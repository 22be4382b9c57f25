//! Vectors, not scalars: Pareto dominance over reward vectors.
//!
//! Everything works in "minimize every objective" space: a maximized objective is negated on
//! the way in (see [`crate::matrix::to_min`]). `q` dominates `p` when `q <= p` everywhere and
//! `q < p` somewhere, so equal vectors never dominate each other and share a front.

pub mod crowding;
pub mod grouped;
pub mod hypervolume;
pub mod indicators;
pub mod kdtree;
pub mod lexicographic;
pub mod scalarize;
pub mod sort;
mod wfg;

pub use crowding::crowding_distance;
pub use grouped::{group_index, GroupIndex};
pub use sort::{front, ranks};

use std::cmp::Ordering;

/// Does `q` dominate `p` (minimization)?
#[inline]
pub(crate) fn dominates(q: &[f64], p: &[f64]) -> bool {
    let mut strict = false;
    for (a, b) in q.iter().zip(p) {
        if a > b {
            return false;
        }
        strict |= a < b;
    }
    strict
}

/// Is `q <= p` in every objective?
#[inline]
pub(crate) fn weakly_dominates(q: &[f64], p: &[f64]) -> bool {
    q.iter().zip(p).all(|(a, b)| a <= b)
}

/// Lexicographic comparison of two rows.
#[inline]
pub(crate) fn lex_cmp(a: &[f64], b: &[f64]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.total_cmp(y) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests;
