//! Non-dominated sorting inside many small groups in one call (e.g. per prompt: millions of
//! prompts x 4-64 candidates). Groups of up to 64 points use dominance bitmasks: one pass
//! builds "who dominates me" as a u64 per point, then fronts are peeled with bit operations.
//! Larger groups go through the general sort. Work is split into fixed blocks of groups, so the
//! result does not depend on the thread count.

use std::collections::HashSet;

use rayon::prelude::*;

use super::sort;
use crate::error::{CoreError, Result};
use crate::factorize::{IdInt, RowGroups};
use crate::matrix::{check_directions, to_min, MatrixView, NanPolicy};
use crate::offsets::Offsets;

/// Which rows form each group: group `g` is rows `perm[offsets[g]..offsets[g+1]]`, or the
/// plain row range when `perm` is `None`.
#[derive(Clone, Debug)]
pub struct GroupIndex {
    pub offsets: Vec<usize>,
    pub perm: Option<Vec<u32>>,
}

impl GroupIndex {
    /// Validated CSR offsets over `n` rows.
    pub fn from_offsets(offsets: &[i64], n: usize) -> Result<Self> {
        let o = Offsets::covering(offsets, n, "offsets")?;
        Ok(Self {
            offsets: o.to_usize(),
            perm: None,
        })
    }

    pub fn n_groups(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Text ids grouped by the factorizer ([`crate::factorize::group_text`]).
impl From<RowGroups> for GroupIndex {
    fn from(g: RowGroups) -> Self {
        Self {
            offsets: g.offsets,
            perm: g.perm,
        }
    }
}

/// Group rows by integer id. Rows of a group need not be adjacent; when every id forms one
/// contiguous run (the usual "sorted by prompt" layout) no permutation is made.
pub fn group_index<T: IdInt>(ids: &[T]) -> GroupIndex {
    let n = ids.len();
    let (lo, hi) = ids.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &g| {
        (lo.min(g.id()), hi.max(g.id()))
    });
    // Compact ids (integer prompt ids, dense codes) are tracked in a flat table, others hashed.
    let span = (hi as i128 - lo as i128 + 1).max(0) as u128;
    let compact = span <= 4 * n as u128 + 1024;
    let mut offsets = vec![0usize];
    let contiguous = if compact {
        let mut seen = vec![false; span as usize];
        run_starts_unique(ids, &mut offsets, |g| {
            !std::mem::replace(&mut seen[(g - lo) as usize], true)
        })
    } else {
        let mut seen = HashSet::new();
        run_starts_unique(ids, &mut offsets, |g| seen.insert(g))
    };
    if contiguous {
        if n > 0 {
            offsets.push(n);
        }
        return GroupIndex {
            offsets,
            perm: None,
        };
    }
    let perm = if compact {
        counting_perm(ids, lo, span as usize)
    } else {
        // Sparse ids (e.g. hashes): sort (id, row) pairs; rows keep their order in a group.
        let mut keyed: Vec<(i64, u32)> = ids
            .par_iter()
            .enumerate()
            .map(|(i, &g)| (g.id(), i as u32))
            .collect();
        keyed.par_sort_unstable();
        keyed.iter().map(|&(_, i)| i).collect()
    };
    let mut offsets = vec![0usize];
    for k in 1..n {
        if ids[perm[k] as usize].id() != ids[perm[k - 1] as usize].id() {
            offsets.push(k);
        }
    }
    offsets.push(n);
    GroupIndex {
        offsets,
        perm: Some(perm),
    }
}

/// Push the start of every run of equal ids after the first to `offsets`; false as soon as an
/// id starts a second run (`first_run(id)` says whether it is new), i.e. a group is not
/// contiguous.
fn run_starts_unique<T: IdInt>(
    ids: &[T],
    offsets: &mut Vec<usize>,
    mut first_run: impl FnMut(i64) -> bool,
) -> bool {
    for i in 0..ids.len() {
        if i == 0 || ids[i].id() != ids[i - 1].id() {
            if i > 0 {
                offsets.push(i);
            }
            if !first_run(ids[i].id()) {
                return false;
            }
        }
    }
    true
}

/// Rows ordered by id with a counting sort, for ids within a compact range `lo..lo + span`
/// (integer prompt ids, dense codes): two linear passes instead of sorting `(id, row)` pairs.
/// Stable, so rows keep their input order inside a group.
fn counting_perm<T: IdInt>(ids: &[T], lo: i64, span: usize) -> Vec<u32> {
    let mut start = vec![0u32; span + 1];
    for &g in ids {
        start[(g.id() - lo) as usize + 1] += 1;
    }
    for k in 1..start.len() {
        start[k] += start[k - 1];
    }
    let mut perm = vec![0u32; ids.len()];
    for (i, &g) in ids.iter().enumerate() {
        let slot = &mut start[(g.id() - lo) as usize];
        perm[*slot as usize] = i as u32;
        *slot += 1;
    }
    perm
}

/// Groups per parallel task.
const BLOCK: usize = 2048;

/// Ranks (`first_only = false`) or first-front flags as 0/1 (`first_only = true`) inside each
/// group, in input row order.
pub fn ranks_grouped(
    view: &MatrixView,
    maximize: &[bool],
    nan: NanPolicy,
    groups: &GroupIndex,
    first_only: bool,
) -> Result<Vec<u32>> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(maximize, m)?;
    if m == 0 {
        return Err(CoreError::Input(
            "points have 0 objectives; need at least one column".into(),
        ));
    }
    if groups.offsets.last().copied().unwrap_or(0) != n {
        return Err(CoreError::Input(format!(
            "groups cover {} rows but the points have {n}",
            groups.offsets.last().copied().unwrap_or(0)
        )));
    }
    if let Some(p) = &groups.perm {
        if p.len() != n {
            return Err(CoreError::Input(format!(
                "group ids have {} rows, points have {n}",
                p.len()
            )));
        }
    }
    if nan == NanPolicy::Error {
        view.check_finite()?;
    }
    let row_of = |k: usize| -> usize { groups.perm.as_ref().map_or(k, |p| p[k] as usize) };
    let ng = groups.n_groups();
    let blocks: Vec<Vec<u32>> = (0..ng.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let (g0, g1) = (b * BLOCK, ((b + 1) * BLOCK).min(ng));
            let mut out = Vec::with_capacity(groups.offsets[g1] - groups.offsets[g0]);
            let mut buf: Vec<f64> = Vec::new();
            for g in g0..g1 {
                let (s, e) = (groups.offsets[g], groups.offsets[g + 1]);
                buf.clear();
                for k in s..e {
                    let r = row_of(k);
                    for (j, &mx) in maximize.iter().enumerate() {
                        // Validated above (or NanPolicy::Worst), so this cannot fail.
                        buf.push(to_min(view.get(r, j), mx, nan, r, j).unwrap_or(f64::INFINITY));
                    }
                }
                rank_group(&buf, m, e - s, first_only, &mut out);
            }
            out
        })
        .collect();
    Ok(match &groups.perm {
        None => blocks.concat(),
        Some(p) => {
            // back to row order block by block, each freed once placed (no flat copy)
            let mut out = vec![0u32; n];
            let mut rows = p.iter();
            for b in blocks {
                // (the block first: zip polls it first, so no row is taken past its end)
                for (x, &r) in b.into_iter().zip(rows.by_ref()) {
                    out[r as usize] = x;
                }
            }
            out
        }
    })
}

/// `dominated_by[j]` gets bit `i` when point `i` dominates point `j` (k <= 64 points, row-major
/// with `M` columns). `M` is a constant so the inner loop unrolls and stays branch-free.
#[inline]
fn dominance_masks<const M: usize>(pts: &[f64], k: usize, dominated_by: &mut [u64; 64]) {
    for i in 0..k {
        let a = &pts[i * M..i * M + M];
        for j in (i + 1)..k {
            let b = &pts[j * M..j * M + M];
            let (mut a_le, mut b_le) = (true, true);
            for d in 0..M {
                a_le &= a[d] <= b[d];
                b_le &= b[d] <= a[d];
            }
            dominated_by[j] |= u64::from(a_le && !b_le) << i;
            dominated_by[i] |= u64::from(b_le && !a_le) << j;
        }
    }
}

fn dominance_masks_dyn(pts: &[f64], m: usize, k: usize, dominated_by: &mut [u64; 64]) {
    for i in 0..k {
        let a = &pts[i * m..(i + 1) * m];
        for j in (i + 1)..k {
            let b = &pts[j * m..(j + 1) * m];
            let (mut a_le, mut b_le) = (true, true);
            for d in 0..m {
                a_le &= a[d] <= b[d];
                b_le &= b[d] <= a[d];
            }
            dominated_by[j] |= u64::from(a_le && !b_le) << i;
            dominated_by[i] |= u64::from(b_le && !a_le) << j;
        }
    }
}

/// Append the ranks of one group (row-major `pts`, minimization space) to `out`.
fn rank_group(pts: &[f64], m: usize, k: usize, first_only: bool, out: &mut Vec<u32>) {
    if k <= 64 {
        let mut dominated_by = [0u64; 64];
        match m {
            1 => dominance_masks::<1>(pts, k, &mut dominated_by),
            2 => dominance_masks::<2>(pts, k, &mut dominated_by),
            3 => dominance_masks::<3>(pts, k, &mut dominated_by),
            4 => dominance_masks::<4>(pts, k, &mut dominated_by),
            5 => dominance_masks::<5>(pts, k, &mut dominated_by),
            6 => dominance_masks::<6>(pts, k, &mut dominated_by),
            7 => dominance_masks::<7>(pts, k, &mut dominated_by),
            8 => dominance_masks::<8>(pts, k, &mut dominated_by),
            _ => dominance_masks_dyn(pts, m, k, &mut dominated_by),
        }
        if first_only {
            out.extend((0..k).map(|i| u32::from(dominated_by[i] == 0)));
            return;
        }
        let base = out.len();
        out.resize(base + k, 0);
        let mut remaining: u64 = if k == 64 { u64::MAX } else { (1u64 << k) - 1 };
        let mut f = 0u32;
        while remaining != 0 {
            let mut current = 0u64;
            let mut bits = remaining;
            while bits != 0 {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if dominated_by[i] & remaining == 0 {
                    current |= 1 << i;
                    out[base + i] = f;
                }
            }
            remaining &= !current;
            f += 1;
        }
    } else {
        // Already in minimization space: no flips, no NaN (inf stands for worst).
        let maximize = vec![false; m];
        let Ok(view) = MatrixView::row_major(pts, k, m) else {
            unreachable!("buffer built with k * m values")
        };
        if first_only {
            let f = sort::front(&view, &maximize, NanPolicy::Worst).unwrap_or_default();
            out.extend(f.into_iter().map(u32::from));
        } else {
            out.extend(sort::ranks(&view, &maximize, NanPolicy::Worst).unwrap_or_default());
        }
    }
}
