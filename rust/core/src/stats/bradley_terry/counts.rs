//! Comparisons aggregated once into a symmetric CSR of pair counts.

// One file split along its seams: the parts share the parent module's imports and items.
#[allow(clippy::wildcard_imports)]
use super::*;

/// Where one used comparison lands in the aggregated counts (for the bootstrap).
#[derive(Clone, Copy, Debug)]
pub(super) struct CompSlot {
    /// Slot in the winner's row (column = loser) and in the loser's row.
    pub(super) a: usize,
    pub(super) b: usize,
    /// Win credit of the winner / loser (w, 0 or w/2, w/2) and the weight.
    pub(super) wa: f64,
    pub(super) wb: f64,
    pub(super) w: f64,
}

/// Comparisons aggregated into a symmetric CSR of pair counts.
#[derive(Clone, Debug)]
pub struct PairCounts {
    pub(super) n: usize,
    pub(super) offsets: Vec<usize>,
    pub(super) cols: Vec<u32>,
    /// Weighted wins of the row item over the column item.
    pub(super) wins: Vec<f64>,
    /// Total weight of comparisons between the two items.
    pub(super) total: Vec<f64>,
    pub(super) ties: Ties,
    pub(super) n_used: usize,
}

#[derive(Clone, Copy)]
pub(super) struct View<'a> {
    pub(super) n: usize,
    pub(super) off: &'a [usize],
    pub(super) cols: &'a [u32],
    pub(super) wins: &'a [f64],
    pub(super) total: &'a [f64],
}

impl View<'_> {
    #[inline]
    pub(super) fn row(&self, i: usize) -> std::ops::Range<usize> {
        self.off[i]..self.off[i + 1]
    }
    pub(super) fn par(&self) -> bool {
        self.cols.len() >= PAR_MIN_ENTRIES
    }
}

/// Up to this many items the counts are merged row by row in a dense length-`n` scratch.
pub(super) const DENSE_MAX_ITEMS: usize = 2048;
/// Comparisons per bucketing chunk (fixed, so results never depend on threads).
pub(super) const CMP_CHUNK: usize = 1 << 16;

/// Role of the row item in a bucketed comparison (the low two bits of a bucket entry).
pub(super) const LOST: u32 = 0;
pub(super) const WON: u32 = 1;
pub(super) const TIED: u32 = 2;
/// Win credit of the row item, and of the column item, by role (a table instead of a branch
/// on the random roles).
const OWN_CREDIT: [f64; 4] = [0.0, 1.0, 0.5, 0.0];
const OPP_CREDIT: [f64; 4] = [1.0, 0.0, 0.5, 0.0];

#[inline]
pub(super) fn used(cmp: &Comparisons, ties: Ties, c: usize) -> bool {
    cmp.weight_of(c) > 0.0 && !(ties == Ties::Drop && cmp.is_tie(c))
}

/// Win credits `(winner, loser)` of a used comparison.
#[inline]
pub(super) fn credits(cmp: &Comparisons, c: usize) -> (f64, f64) {
    let w = cmp.weight_of(c);
    if cmp.is_tie(c) {
        (0.5 * w, 0.5 * w)
    } else {
        (w, 0.0)
    }
}

/// CSR row offsets of the used comparisons in `range`, each counted in both its items' rows.
pub(super) fn row_offsets(
    n: usize,
    cmp: &Comparisons,
    ties: Ties,
    range: std::ops::Range<usize>,
) -> Vec<usize> {
    let mut off = vec![0usize; n + 1];
    for c in range {
        if used(cmp, ties, c) {
            off[cmp.winner.get(c) as usize + 1] += 1;
            off[cmp.loser.get(c) as usize + 1] += 1;
        }
    }
    for i in 0..n {
        off[i + 1] += off[i];
    }
    off
}

/// The used comparisons of one chunk of the input, counting-sorted by item (at most
/// [`DENSE_MAX_ITEMS`]): row `r` holds one entry per comparison of `r`, in input order, coded
/// `column << 2 | role` in 4 bytes, plus the weights when the comparisons are weighted.
pub(super) struct Buckets {
    pub(super) off: Vec<usize>,
    pub(super) entry: Vec<u32>,
    pub(super) weight: Option<Vec<f64>>,
}

impl Buckets {
    pub(super) fn new(
        n: usize,
        cmp: &Comparisons,
        ties: Ties,
        range: std::ops::Range<usize>,
    ) -> Self {
        debug_assert!(n <= DENSE_MAX_ITEMS);
        let off = row_offsets(n, cmp, ties, range.clone());
        let mut fill = off[..n].to_vec();
        let mut entry = vec![0u32; off[n]];
        let mut weight = cmp.weight.map(|_| vec![0.0f64; off[n]]);
        for c in range {
            if used(cmp, ties, c) {
                let (a, b) = (cmp.winner.get(c) as usize, cmp.loser.get(c) as usize);
                let (ra, rb) = if cmp.is_tie(c) {
                    (TIED, TIED)
                } else {
                    (WON, LOST)
                };
                for (row, col, role) in [(a, b, ra), (b, a, rb)] {
                    let k = fill[row];
                    fill[row] += 1;
                    entry[k] = (col as u32) << 2 | role;
                    if let Some(w) = weight.as_mut() {
                        w[k] = cmp.weight_of(c);
                    }
                }
            }
        }
        Self { off, entry, weight }
    }

    /// `(column, win credit of the row item, win credit of the column item)` per entry of row
    /// `r` (the credits of [`credits`]).
    #[inline]
    pub(super) fn row(&self, r: usize) -> impl Iterator<Item = (usize, f64, f64)> + '_ {
        (self.off[r]..self.off[r + 1]).map(move |k| {
            let w = self.weight.as_ref().map_or(1.0, |w| w[k]);
            let e = self.entry[k];
            let role = (e & 3) as usize;
            (
                (e >> 2) as usize,
                OWN_CREDIT[role] * w,
                OPP_CREDIT[role] * w,
            )
        })
    }
}

/// Buckets of all used comparisons, in fixed chunks of the input (their concatenation per row
/// is the input order).
pub(super) fn bucket(n: usize, cmp: &Comparisons, ties: Ties) -> Vec<Buckets> {
    let m = cmp.len();
    let ranges: Vec<_> = (0..m.div_ceil(CMP_CHUNK).max(1))
        .map(|k| (k * CMP_CHUNK).min(m)..((k + 1) * CMP_CHUNK).min(m))
        .collect();
    if m >= PAR_MIN_ENTRIES {
        ranges
            .into_par_iter()
            .map(|r| Buckets::new(n, cmp, ties, r))
            .collect()
    } else {
        ranges
            .into_iter()
            .map(|r| Buckets::new(n, cmp, ties, r))
            .collect()
    }
}

/// CSR pieces of some rows: entry counts per row, columns (ascending), wins, totals.
pub(super) type RowsCsr = (Vec<usize>, Vec<u32>, Vec<f64>, Vec<f64>);

/// Merges rows `rows` of the buckets in a dense scratch: the credits of a pair are summed in
/// input order and its total is the sum of both sides' credits.
pub(super) fn merge_rows(n: usize, buckets: &[Buckets], rows: std::ops::Range<usize>) -> RowsCsr {
    let len: usize = buckets
        .iter()
        .map(|b| b.off[rows.end] - b.off[rows.start])
        .sum();
    let mut counts = Vec::with_capacity(rows.len());
    let (mut cols, mut wins, mut total) = (
        Vec::with_capacity(len),
        Vec::with_capacity(len),
        Vec::with_capacity(len),
    );
    if buckets.iter().all(|b| b.weight.is_none()) && len < 1 << 31 {
        // unweighted: credits are multiples of 1/2, so each side of a pair is summed exactly as
        // a count of half wins; both counts share one u64 (`own << 32 | opponent`), and a pair
        // was seen iff its word is not 0
        const HALVES: [u64; 4] = [2, 2 << 32, 1 << 32 | 1, 0];
        let mut acc = vec![0u64; n];
        for r in rows {
            for b in buckets {
                for &e in &b.entry[b.off[r]..b.off[r + 1]] {
                    acc[(e >> 2) as usize] += HALVES[(e & 3) as usize];
                }
            }
            let before = cols.len();
            for (j, a) in acc.iter_mut().enumerate() {
                if *a != 0 {
                    let own = (*a >> 32) as f64 * 0.5;
                    let opp = (*a & 0xffff_ffff) as f64 * 0.5;
                    cols.push(j as u32);
                    wins.push(own);
                    total.push(own + opp);
                    *a = 0;
                }
            }
            counts.push(cols.len() - before);
        }
        return (counts, cols, wins, total);
    }
    let (mut own, mut opp, mut seen) = (vec![0.0f64; n], vec![0.0f64; n], vec![false; n]);
    let mut touched: Vec<u32> = Vec::new();
    for r in rows {
        let len: usize = buckets.iter().map(|b| b.off[r + 1] - b.off[r]).sum();
        // few entries: list the columns and sort them; many: scan the flags afterwards
        let list = len * 16 < n;
        touched.clear();
        for b in buckets {
            for (j, a, o) in b.row(r) {
                if list && !seen[j] {
                    touched.push(j as u32);
                }
                seen[j] = true;
                own[j] += a;
                opp[j] += o;
            }
        }
        if list {
            touched.sort_unstable();
        } else {
            touched.extend((0..n as u32).filter(|&j| seen[j as usize]));
        }
        for &j in &touched {
            let j = j as usize;
            cols.push(j as u32);
            wins.push(own[j]);
            total.push(own[j] + opp[j]);
            (own[j], opp[j], seen[j]) = (0.0, 0.0, false);
        }
        counts.push(touched.len());
    }
    (counts, cols, wins, total)
}

/// The symmetric CSR of pair counts from the buckets, merged in fixed row chunks.
pub(super) fn merge_dense(n: usize, buckets: &[Buckets]) -> RowsCsr {
    let starts: Vec<usize> = (0..n).step_by(ROW_CHUNK).collect();
    let chunk = |&r0: &usize| merge_rows(n, buckets, r0..(r0 + ROW_CHUNK).min(n));
    let entries: usize = buckets.iter().map(|b| b.entry.len()).sum();
    let chunks: Vec<RowsCsr> = if entries >= PAR_MIN_ENTRIES {
        starts.par_iter().map(chunk).collect()
    } else {
        starts.iter().map(chunk).collect()
    };
    concat_row_chunks(n, chunks)
}

/// One CSR from row chunks given as (entries per row, cols, wins, totals), in chunk order.
pub(super) fn concat_row_chunks(n: usize, chunks: Vec<RowsCsr>) -> RowsCsr {
    let nnz: usize = chunks.iter().map(|c| c.1.len()).sum();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    let (mut cols, mut wins, mut total) = (
        Vec::with_capacity(nnz),
        Vec::with_capacity(nnz),
        Vec::with_capacity(nnz),
    );
    for (counts, c, w, t) in chunks {
        for k in counts {
            offsets.push(offsets[offsets.len() - 1] + k);
        }
        cols.extend_from_slice(&c);
        wins.extend_from_slice(&w);
        total.extend_from_slice(&t);
    }
    (offsets, cols, wins, total)
}

/// Both entries of every used comparison, by row (rows at `raw_off`, input order inside a
/// row): `entry(comparison, column, the row item won)`.
fn fill_rows<E: Copy>(
    n: usize,
    raw_off: &[usize],
    cmp: &Comparisons,
    ties: Ties,
    zero: E,
    entry: impl Fn(usize, u32, bool) -> E,
) -> Vec<E> {
    let mut fill = raw_off[..n].to_vec();
    let mut raw = vec![zero; raw_off[n]];
    for c in 0..cmp.len() {
        if used(cmp, ties, c) {
            let (a, b) = (cmp.winner.get(c) as usize, cmp.loser.get(c) as usize);
            raw[fill[a]] = entry(c, b as u32, true);
            fill[a] += 1;
            raw[fill[b]] = entry(c, a as u32, false);
            fill[b] += 1;
        }
    }
    raw
}

/// Rows of entries (`raw` at `raw_off`) sorted in place by column with `sort` and merged: one
/// (column, credit sum, weight sum) per distinct column, `parts` reading an entry. Two passes
/// (sort and count, then fill the final arrays in place), so the pair table is held once: per
/// chunk pieces and their concatenation held it twice (issue 22, 20,000 items).
fn merge_sorted_rows<E: Send>(
    n: usize,
    raw_off: &[usize],
    raw: &mut [E],
    parts: impl Fn(&E) -> (u32, f64, f64) + Sync,
    sort: impl Fn(&mut [E]) + Sync,
) -> RowsCsr {
    let par = raw.len() >= PAR_MIN_ENTRIES;
    let mut counts = vec![0usize; n];
    let jobs: Vec<_> = split_rows(raw, raw_off, n)
        .into_iter()
        .zip(counts.chunks_mut(ROW_CHUNK))
        .collect();
    for_each_job(jobs, par, |((r0, rows), counts)| {
        for (k, count) in counts.iter_mut().enumerate() {
            let r = r0 + k;
            let row = &mut rows[raw_off[r] - raw_off[r0]..raw_off[r + 1] - raw_off[r0]];
            sort(row);
            let mut last = None;
            for e in row.iter() {
                let col = parts(e).0;
                if last != Some(col) {
                    *count += 1;
                    last = Some(col);
                }
            }
        }
    });
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0usize);
    for c in counts {
        offsets.push(offsets[offsets.len() - 1] + c);
    }
    let len = offsets[n];
    let (mut cols, mut wins, mut total) = (vec![0u32; len], vec![0.0f64; len], vec![0.0f64; len]);
    let jobs: Vec<_> = split_rows(raw, raw_off, n)
        .into_iter()
        .zip(split_rows(&mut cols, &offsets, n))
        .zip(split_rows(&mut wins, &offsets, n))
        .zip(split_rows(&mut total, &offsets, n))
        .collect();
    for_each_job(
        jobs,
        par,
        |((((r0, rows), (_, cols)), (_, wins)), (_, total))| {
            let r1 = (r0 + ROW_CHUNK).min(n);
            let mut k = 0;
            for r in r0..r1 {
                let mut last = None;
                for e in &rows[raw_off[r] - raw_off[r0]..raw_off[r + 1] - raw_off[r0]] {
                    let (col, cw, wt) = parts(e);
                    if last == Some(col) {
                        wins[k - 1] += cw;
                        total[k - 1] += wt;
                    } else {
                        (cols[k], wins[k], total[k]) = (col, cw, wt);
                        k += 1;
                        last = Some(col);
                    }
                }
            }
        },
    );
    (offsets, cols, wins, total)
}

/// `work` on every job, in parallel when `par`.
fn for_each_job<J: Send>(jobs: Vec<J>, par: bool, work: impl Fn(J) + Sync + Send) {
    if par {
        jobs.into_par_iter().for_each(work);
    } else {
        jobs.into_iter().for_each(work);
    }
}

/// `data` cut at the starts of the row chunks (rows at `off`): (first row, its rows' slice).
fn split_rows<'a, T>(mut data: &'a mut [T], off: &[usize], n: usize) -> Vec<(usize, &'a mut [T])> {
    let mut out = Vec::with_capacity(n.div_ceil(ROW_CHUNK));
    for r0 in (0..n).step_by(ROW_CHUNK) {
        let r1 = (r0 + ROW_CHUNK).min(n);
        let (head, tail) = std::mem::take(&mut data).split_at_mut(off[r1] - off[r0]);
        out.push((r0, head));
        data = tail;
    }
    out
}

impl PairCounts {
    /// Validates and aggregates comparisons over items `0..n_items`. Comparisons with weight 0
    /// (and ties under [`Ties::Drop`]) are not used.
    pub fn new(n_items: usize, cmp: &Comparisons, ties: Ties) -> Result<Self> {
        if n_items == 0 {
            return input_err!("n_items must be at least 1");
        }
        if n_items > u32::MAX as usize {
            return Err(CoreError::Limit(format!(
                "{n_items} items is more than the {} supported",
                u32::MAX
            )));
        }
        cmp.validate(n_items)?;
        let (n_used, (offsets, cols, wins, total)) = if n_items <= DENSE_MAX_ITEMS {
            let buckets = bucket(n_items, cmp, ties);
            // a used comparison has an entry in each of its two rows
            let n_used = buckets.iter().map(|b| b.entry.len()).sum::<usize>() / 2;
            (n_used, merge_dense(n_items, &buckets))
        } else {
            let n_used = (0..cmp.len()).filter(|&c| used(cmp, ties, c)).count();
            (n_used, Self::aggregate_sparse(n_items, cmp, ties))
        };
        Ok(Self {
            n: n_items,
            offsets,
            cols,
            wins,
            total,
            ties,
            n_used,
        })
    }

    /// Rows merged from comparison buckets in a dense scratch (at most [`DENSE_MAX_ITEMS`]).
    #[cfg(test)]
    pub(super) fn aggregate_dense(n: usize, cmp: &Comparisons, ties: Ties) -> RowsCsr {
        merge_dense(n, &bucket(n, cmp, ties))
    }

    /// Both entries of every comparison bucketed by row, then sorted and merged per row.
    pub(super) fn aggregate_sparse(n: usize, cmp: &Comparisons, ties: Ties) -> RowsCsr {
        let raw_off = row_offsets(n, cmp, ties, 0..cmp.len());
        if cmp.weight.is_none() {
            // Unit weights: an entry is `column << 2 | role` (as in [`Buckets`]) in 8 bytes,
            // not (column, credit, weight) in 24: the entries were most of the peak memory
            // over many items (issue 22). Sums of 1 and 1/2 are exact in any order, so the
            // rows need no stable sort.
            let mut raw = fill_rows(n, &raw_off, cmp, ties, 0u64, |c, col, won| {
                let role = match (cmp.is_tie(c), won) {
                    (true, _) => TIED,
                    (false, true) => WON,
                    (false, false) => LOST,
                };
                u64::from(col) << 2 | u64::from(role)
            });
            return merge_sorted_rows(
                n,
                &raw_off,
                &mut raw,
                |&e| ((e >> 2) as u32, OWN_CREDIT[(e & 3) as usize], 1.0),
                <[u64]>::sort_unstable,
            );
        }
        // (column, win credit of the row item, weight) in input order per row
        let mut raw = fill_rows(n, &raw_off, cmp, ties, (0u32, 0.0, 0.0), |c, col, won| {
            let (ca, cb) = credits(cmp, c);
            (col, if won { ca } else { cb }, cmp.weight_of(c))
        });
        merge_sorted_rows(
            n,
            &raw_off,
            &mut raw,
            |&e| e,
            // stable: input order inside a pair, so weighted sums do not depend on the sort
            |row: &mut [(u32, f64, f64)]| row.sort_by_key(|e| e.0),
        )
    }

    /// Slot of column `j` in row `i`.
    pub(super) fn slot(&self, i: usize, j: usize) -> Option<usize> {
        let r = self.offsets[i]..self.offsets[i + 1];
        self.cols[r.clone()]
            .binary_search(&(j as u32))
            .ok()
            .map(|k| r.start + k)
    }

    /// Where each used comparison of `cmp` lands (they must be the comparisons these counts
    /// were built from).
    pub(super) fn comp_slots(&self, cmp: &Comparisons) -> Result<Vec<CompSlot>> {
        const MISMATCH: &str =
            "the comparisons do not match the counts; build the counts from the same comparisons";
        if cmp.validate(self.n).is_err() {
            return input_err!("{MISMATCH}");
        }
        let slots: Vec<Option<CompSlot>> = (0..cmp.len())
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&c| used(cmp, self.ties, c))
            .map(|c| {
                let (a, b) = (cmp.winner.get(c) as usize, cmp.loser.get(c) as usize);
                let (wa, wb) = credits(cmp, c);
                Some(CompSlot {
                    a: self.slot(a, b)?,
                    b: self.slot(b, a)?,
                    wa,
                    wb,
                    w: cmp.weight_of(c),
                })
            })
            .collect();
        let slots: Option<Vec<CompSlot>> = slots.into_iter().collect();
        match slots {
            Some(s) if s.len() == self.n_used => Ok(s),
            _ => input_err!("{MISMATCH}"),
        }
    }

    pub fn n_items(&self) -> usize {
        self.n
    }
    /// Distinct compared pairs.
    pub fn n_pairs(&self) -> usize {
        self.cols.len() / 2
    }
    /// Comparisons used (positive weight, not dropped).
    pub fn n_comparisons(&self) -> usize {
        self.n_used
    }

    pub(super) fn view(&self) -> View<'_> {
        View {
            n: self.n,
            off: &self.offsets,
            cols: &self.cols,
            wins: &self.wins,
            total: &self.total,
        }
    }

    /// Error unless a finite MLE exists without a prior (see the module docs).
    pub fn check_identifiable(&self) -> Result<()> {
        match unidentifiable(&self.view()) {
            None => Ok(()),
            Some(msg) => Err(CoreError::Input(msg)),
        }
    }
}
