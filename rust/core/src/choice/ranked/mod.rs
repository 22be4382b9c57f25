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

use super::Profile;
use crate::error::Result;
use crate::parallel::with_threads;

/// Ballots per parallel work item in tallies (fixed, so sums never depend on thread count).
pub(super) const TALLY_CHUNK: usize = 4096;

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

mod condorcet;
mod cursors;
mod elimination;
mod positional;
#[cfg(test)]
mod tests;

pub use condorcet::*;
pub use elimination::*;
pub use positional::*;
