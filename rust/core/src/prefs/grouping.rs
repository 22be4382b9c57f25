//! Groups of rows by key columns: when the data is already grouped (every key's rows adjacent,
//! e.g. sorted by prompt, as ratings usually are) the runs of equal keys are the groups and no
//! hash table or sort of the rows is needed ([`contiguous_groups`]); otherwise the keys arrive
//! as integer codes (the shared factorizer) and a counting sort groups the rows
//! ([`rows_by_code`]).

use rayon::prelude::*;

use crate::error::Result;
use crate::input_err;
use crate::parallel::with_threads;

/// Key columns of a table, as the grouping sees them.
pub trait RowKeys: Sync {
    fn n_rows(&self) -> usize;
    /// Whether row `i` (>= 1) has the same key as row `i - 1`.
    fn same_as_previous(&self, i: usize) -> bool;
    /// A hash of row `i`'s key (equal keys, equal hashes).
    fn hash(&self, i: usize) -> u64;
}

/// Runs looked at in order (within the first [`ROW_CHUNK`] rows) before the full pass of
/// [`contiguous_groups`].
const PROBE_RUNS: usize = 4096;

/// Rows per parallel work item (fixed, so nothing depends on the thread count).
const ROW_CHUNK: usize = 1 << 16;

/// The CSR offsets of the runs of equal keys if every key forms exactly one run, else `None`
/// (also when two different keys share a 64-bit hash: the caller then uses a general group-by,
/// so a collision costs time, never correctness).
pub fn contiguous_groups(keys: &dyn RowKeys, threads: Option<usize>) -> Result<Option<Vec<usize>>> {
    let n = keys.n_rows();
    if n == 0 {
        return Ok(Some(vec![0]));
    }
    // Keys in no order meet an earlier run's key again within a few runs (about the square
    // root of the number of keys): the first runs, looked at in order, settle that case
    // before the full pass hashes and sorts every run start (20 ms of a shuffled 1e6-row
    // `ratings_to_pairs` that then grouped its rows anyway). At most one work item's rows:
    // grouped data in long runs is not read twice.
    let mut seen = std::collections::HashSet::with_capacity(PROBE_RUNS);
    for i in 0..n.min(ROW_CHUNK) {
        if i == 0 || !keys.same_as_previous(i) {
            if !seen.insert(keys.hash(i)) {
                return Ok(None);
            }
            if seen.len() == PROBE_RUNS {
                break;
            }
        }
    }
    with_threads(threads, || {
        let starts: Vec<Vec<usize>> = (0..n.div_ceil(ROW_CHUNK))
            .into_par_iter()
            .map(|c| {
                let (lo, hi) = (c * ROW_CHUNK, ((c + 1) * ROW_CHUNK).min(n));
                (lo..hi)
                    .filter(|&i| i == 0 || !keys.same_as_previous(i))
                    .collect()
            })
            .collect();
        let mut offsets = starts.concat();
        let mut hashes: Vec<u64> = offsets.par_iter().map(|&s| keys.hash(s)).collect();
        hashes.par_sort_unstable();
        if hashes.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        offsets.push(n);
        Some(offsets)
    })
}

/// `(offsets, rows)`: the rows grouped by their code in `0..n_codes` (a stable counting sort),
/// so `rows[offsets[g]..offsets[g + 1]]` are the rows of group `g` in input order. Groups are
/// numbered in order of first appearance, whatever the codes' own order; codes that never
/// occur make no group.
pub fn rows_by_code(codes: &[u32], n_codes: usize) -> Result<(Vec<usize>, Vec<u32>)> {
    let n = codes.len();
    if n >= u32::MAX as usize {
        return input_err!(
            "{n} rows is above the 2^32 - 1 rows one call supports; split the input"
        );
    }
    // group of each code (u32::MAX: not seen yet) and the size of each group
    let mut group = vec![u32::MAX; n_codes];
    let mut sizes: Vec<usize> = vec![];
    for (r, &c) in codes.iter().enumerate() {
        let Some(g) = group.get_mut(c as usize) else {
            return input_err!("code {c} at row {r} is not below the number of codes {n_codes}");
        };
        if *g == u32::MAX {
            *g = sizes.len() as u32;
            sizes.push(0);
        }
        sizes[*g as usize] += 1;
    }
    let mut offsets = Vec::with_capacity(sizes.len() + 1);
    offsets.push(0);
    let mut total = 0;
    for s in &sizes {
        total += s;
        offsets.push(total);
    }
    let mut next = offsets[..sizes.len()].to_vec();
    let mut rows = vec![0u32; n];
    for (r, &c) in codes.iter().enumerate() {
        let at = &mut next[group[c as usize] as usize];
        rows[*at] = r as u32;
        *at += 1;
    }
    Ok((offsets, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::Hash64;

    /// Row keys of any comparable type, hashed through their bytes.
    struct Keys<T>(Vec<T>, fn(&T) -> Vec<u8>);
    impl<T: PartialEq + Sync> RowKeys for Keys<T> {
        fn n_rows(&self) -> usize {
            self.0.len()
        }
        fn same_as_previous(&self, i: usize) -> bool {
            self.0[i] == self.0[i - 1]
        }
        fn hash(&self, i: usize) -> u64 {
            Hash64::new(0).bytes(&(self.1)(&self.0[i])).finish()
        }
    }

    fn strs(v: Vec<&'static str>) -> Keys<&'static str> {
        Keys(v, |s| s.as_bytes().to_vec())
    }

    fn ints(v: Vec<u32>) -> Keys<u32> {
        Keys(v, |x| x.to_le_bytes().to_vec())
    }

    #[test]
    fn runs_are_groups_only_when_each_key_is_one_run() {
        let k = strs(vec!["a", "a", "b", "c", "c", "c"]);
        assert_eq!(
            contiguous_groups(&k, Some(2)).ok().flatten(),
            Some(vec![0, 2, 3, 6])
        );
        let k = strs(vec!["a", "b", "a"]);
        assert_eq!(contiguous_groups(&k, Some(1)).ok().flatten(), None);
        let k = strs(vec![]);
        assert_eq!(contiguous_groups(&k, None).ok().flatten(), Some(vec![0]));
    }

    #[test]
    fn a_key_met_again_before_or_after_the_first_runs_looked_at() {
        // runs of 3 rows, keys 0..k in order: one group per key; then key `back` again at
        // run `at` (inside the first PROBE_RUNS runs or past them): not contiguous
        let k = 3 * PROBE_RUNS;
        let runs: Vec<u32> = (0..k as u32).flat_map(|g| [g; 3]).collect();
        let want: Vec<usize> = (0..=k).map(|g| 3 * g).collect();
        for threads in [Some(1), Some(2)] {
            let got = contiguous_groups(&ints(runs.clone()), threads)
                .ok()
                .flatten();
            assert_eq!(got.as_deref(), Some(&want[..]));
            for (at, back) in [
                (10, 3),
                (PROBE_RUNS - 1, 0),
                (PROBE_RUNS + 5, 7),
                (k - 1, k - 2),
            ] {
                let mut v = runs.clone();
                v[3 * at + 1] = back as u32;
                assert_eq!(
                    contiguous_groups(&ints(v), threads).ok().flatten(),
                    None,
                    "at run {at}"
                );
            }
        }
    }

    #[test]
    fn rows_by_code_groups_in_first_appearance_order() {
        let (off, rows) = rows_by_code(&[2, 0, 2, 1, 0, 2], 4).unwrap_or_default();
        assert_eq!(off, vec![0, 3, 5, 6]);
        assert_eq!(rows, vec![0, 2, 5, 1, 4, 3]);
        let (off, rows) = rows_by_code(&[], 0).unwrap_or_default();
        assert_eq!((off, rows), (vec![0], vec![]));
        assert!(rows_by_code(&[0, 3], 3).is_err());
    }
}
