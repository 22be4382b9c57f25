//! Groups of rows by key columns when the data is already grouped: every key's rows adjacent
//! (e.g. sorted by prompt, as ratings usually are). The runs of equal keys are then the groups,
//! and no hash table or sort of the rows is needed.

use rayon::prelude::*;

use crate::error::Result;
use crate::parallel::with_threads;

/// Key columns of a table, as the grouping sees them.
pub trait RowKeys: Sync {
    fn n_rows(&self) -> usize;
    /// Whether row `i` (>= 1) has the same key as row `i - 1`.
    fn same_as_previous(&self, i: usize) -> bool;
    /// A hash of row `i`'s key (equal keys, equal hashes).
    fn hash(&self, i: usize) -> u64;
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::Hash64;

    struct Strs(Vec<&'static str>);
    impl RowKeys for Strs {
        fn n_rows(&self) -> usize {
            self.0.len()
        }
        fn same_as_previous(&self, i: usize) -> bool {
            self.0[i] == self.0[i - 1]
        }
        fn hash(&self, i: usize) -> u64 {
            Hash64::new(0).bytes(self.0[i].as_bytes()).finish()
        }
    }

    #[test]
    fn runs_are_groups_only_when_each_key_is_one_run() {
        let k = Strs(vec!["a", "a", "b", "c", "c", "c"]);
        assert_eq!(
            contiguous_groups(&k, Some(2)).ok().flatten(),
            Some(vec![0, 2, 3, 6])
        );
        let k = Strs(vec!["a", "b", "a"]);
        assert_eq!(contiguous_groups(&k, Some(1)).ok().flatten(), None);
        let k = Strs(vec![]);
        assert_eq!(contiguous_groups(&k, None).ok().flatten(), Some(vec![0]));
    }
}
