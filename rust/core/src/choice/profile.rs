//! Preference profiles: weighted weak orders over candidates `0..m`, identical ballots collapsed,
//! and the pairwise support / margin matrices every Condorcet-style rule starts from.
//!
//! A ballot is a list of tiers (best first); candidates in one tier are tied, candidates the
//! ballot does not list are tied with each other below every listed candidate (the PrefLib
//! `.toc`/`.soi` reading of truncated ballots). Internally a ballot is its *rank vector*: the
//! tier index of every candidate (`0` = top tier, unlisted = number of listed tiers), which is a
//! canonical form, so identical ballots collapse by hashing it.

use std::sync::OnceLock;

use rayon::prelude::*;

use super::check_weight;
use crate::error::Result;
use crate::hashing::Hash64;
use crate::input_err;
use crate::offsets::Offsets;
use crate::parallel::with_threads;

/// Largest candidate count a [`Profile`] holds (ranks are stored as `u16`).
pub const MAX_CANDIDATES: usize = 65_000;

/// Largest candidate count for `m x m` pairwise data (the support matrix needs `8 m^2` bytes).
pub const MAX_PAIRWISE_CANDIDATES: usize = 10_000;

pub(crate) fn check_pairwise_m(m: usize) -> Result<()> {
    if m > MAX_PAIRWISE_CANDIDATES {
        return Err(crate::error::CoreError::Limit(format!(
            "pairwise (m x m) data for {m} candidates is above the supported {MAX_PAIRWISE_CANDIDATES}"
        )));
    }
    Ok(())
}

/// Ballots per parallel work item when parsing; fixed so results never depend on thread count.
const PARSE_CHUNK: usize = 8192;

/// A weighted profile of weak orders with identical ballots collapsed.
///
/// Ballots keep the order of their first occurrence; the weight of a collapsed ballot is the sum
/// of the weights of its copies in input order. Ballots whose total weight is 0 are dropped.
#[derive(Clone, Debug)]
pub struct Profile {
    m: usize,
    /// `n * m` rank vectors (dense tier index per candidate; unlisted = number of listed tiers).
    ranks: Vec<u16>,
    weights: Vec<f64>,
    threads: Option<usize>,
    pairwise: OnceLock<Pairwise>,
}

impl PartialEq for Profile {
    fn eq(&self, other: &Self) -> bool {
        self.m == other.m && self.ranks == other.ranks && self.weights == other.weights
    }
}

fn check_m(m: usize) -> Result<()> {
    if m == 0 {
        return input_err!("a profile needs at least one candidate (m = 0)");
    }
    if m > MAX_CANDIDATES {
        return input_err!("{m} candidates is more than the {MAX_CANDIDATES} a profile supports");
    }
    Ok(())
}

fn check_weights(weights: Option<&[f64]>, n: usize) -> Result<()> {
    if let Some(w) = weights {
        if w.len() != n {
            return input_err!(
                "{} weights for {n} ballots; pass one weight per ballot",
                w.len()
            );
        }
        for (i, &x) in w.iter().enumerate() {
            check_weight(x, "ballot", i)?;
        }
    }
    Ok(())
}

/// Write the rank vector of one ballot given as tiers; `row` must be filled with `u16::MAX`.
fn fill_row<'a, I, T>(row: &mut [u16], tiers: I, m: usize, ballot: usize) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: IntoIterator<Item = &'a i64>,
{
    let mut t: u16 = 0;
    for tier in tiers {
        let mut any = false;
        for &c in tier {
            if c < 0 || c as u64 >= m as u64 {
                return input_err!(
                    "ballot {ballot} names candidate {c}, but candidates are 0..{m}"
                );
            }
            let slot = &mut row[c as usize];
            if *slot != u16::MAX {
                return input_err!("ballot {ballot} lists candidate {c} more than once");
            }
            *slot = t;
            any = true;
        }
        if any {
            t += 1;
        }
    }
    for r in row.iter_mut() {
        if *r == u16::MAX {
            *r = t;
        }
    }
    Ok(())
}

fn hash_row(row: &[u16]) -> u64 {
    let mut h = Hash64::new(row.len() as u64);
    let mut it = row.chunks_exact(4);
    for c in &mut it {
        h = h.word(c[0] as u64 | (c[1] as u64) << 16 | (c[2] as u64) << 32 | (c[3] as u64) << 48);
    }
    for &x in it.remainder() {
        h = h.word(x as u64);
    }
    h.finish()
}

/// Dedup the rows of `ranks` (keeping first-occurrence order, summing weights in input order,
/// dropping rows whose total weight is 0).
#[cfg(test)]
pub(crate) fn collapse(m: usize, ranks: &[u16], weights: &[f64]) -> (Vec<u16>, Vec<f64>) {
    collapse_owned(m, ranks.to_vec(), weights.to_vec())
}

/// Rows per parallel piece of [`duplicate_updates`].
const DEDUP_CHUNK: usize = 1 << 16;

/// Where identical rows of `ranks` are: for every group of identical rows, its first row gets
/// the group's total weight (summed in input order) and every later row NaN; rows without a
/// twin are not listed (their total is their own weight).
///
/// Rows are hashed in parallel and scattered (stably, in parallel: every piece of rows writes
/// its own slice of each partition) into partitions by their top hash bits, as one `u64` key
/// per row: the next 32 hash bits above the row index. Each partition is sorted in parallel,
/// so identical rows end up adjacent in input order, and rows are compared only within runs
/// of equal hash bits. Nothing depends on the thread count.
fn duplicate_updates(m: usize, ranks: &[u16], weights: &[f64]) -> Vec<(usize, f64)> {
    let n = weights.len();
    if n < 2 {
        return Vec::new();
    }
    let hashes: Vec<u64> = ranks.par_chunks(m).map(hash_row).collect();
    // about 2,048 rows per partition, at most 2^12 partitions
    let bits = (usize::BITS - (n / 2048).max(1).leading_zeros()).min(12);
    let part = |h: u64| {
        if bits == 0 {
            0
        } else {
            (h >> (64 - bits)) as usize
        }
    };
    let key = |h: u64, i: usize| ((h << bits) & !0xFFFF_FFFF) | i as u64;
    let np = 1usize << bits;
    let counts: Vec<Vec<usize>> = hashes
        .par_chunks(DEDUP_CHUNK)
        .map(|hs| {
            let mut c = vec![0usize; np];
            for &h in hs {
                c[part(h)] += 1;
            }
            c
        })
        .collect();
    let mut keys = vec![0u64; n];
    // Slices of `keys`: partition by partition, piece by piece within each.
    let mut outs: Vec<Vec<&mut [u64]>> = counts.iter().map(|_| Vec::with_capacity(np)).collect();
    let mut parts: Vec<&mut [u64]> = Vec::with_capacity(np);
    let mut rest: &mut [u64] = &mut keys;
    for p in 0..np {
        let len: usize = counts.iter().map(|c| c[p]).sum();
        let (whole, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        parts.push(whole);
    }
    for whole in &mut parts {
        let mut whole: &mut [u64] = std::mem::take(whole);
        let p = outs[0].len();
        for (out, c) in outs.iter_mut().zip(&counts) {
            let (head, tail) = whole.split_at_mut(c[p]);
            out.push(head);
            whole = tail;
        }
    }
    hashes
        .par_chunks(DEDUP_CHUNK)
        .zip(outs.into_par_iter())
        .enumerate()
        .for_each(|(k, (hs, mut out))| {
            let mut fill = vec![0usize; np];
            for (j, &h) in hs.iter().enumerate() {
                let p = part(h);
                out[p][fill[p]] = key(h, k * DEDUP_CHUNK + j);
                fill[p] += 1;
            }
        });
    drop(hashes);
    let row = |i: usize| &ranks[i * m..(i + 1) * m];
    let mut bounds = Vec::with_capacity(np + 1);
    bounds.push(0);
    for p in 0..np {
        bounds.push(bounds[p] + counts.iter().map(|c| c[p]).sum::<usize>());
    }
    let mut slices: Vec<&mut [u64]> = Vec::with_capacity(np);
    let mut rest: &mut [u64] = &mut keys;
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        slices.push(head);
        rest = tail;
    }
    let updates: Vec<Vec<(usize, f64)>> = slices
        .into_par_iter()
        .map(|ks| {
            ks.sort_unstable();
            let mut up = Vec::new();
            let mut reps: Vec<(usize, f64)> = Vec::new();
            let mut g = 0;
            while g < ks.len() {
                let high = ks[g] >> 32;
                let mut e = g + 1;
                while e < ks.len() && ks[e] >> 32 == high {
                    e += 1;
                }
                if e - g > 1 {
                    // a run of equal hash bits, in input order: group identical rows
                    reps.clear();
                    for &k in &ks[g..e] {
                        let i = (k & 0xFFFF_FFFF) as usize;
                        match reps.iter_mut().find(|(r, _)| row(*r) == row(i)) {
                            Some((_, sum)) => {
                                *sum += weights[i];
                                up.push((i, f64::NAN));
                            }
                            None => reps.push((i, weights[i])),
                        }
                    }
                    up.extend(reps.iter().copied());
                }
                g = e;
            }
            up
        })
        .collect();
    updates.concat()
}

/// [`collapse`] on owned data: when every row is distinct with nonzero weight the input is
/// returned as is (no copy).
fn collapse_owned(m: usize, ranks: Vec<u16>, weights: Vec<f64>) -> (Vec<u16>, Vec<f64>) {
    let updates = duplicate_updates(m, &ranks, &weights);
    if updates.is_empty() && weights.iter().all(|&w| w != 0.0) {
        return (ranks, weights);
    }
    let mut sums = weights;
    for (i, s) in updates {
        sums[i] = s;
    }
    let keep = |s: f64| !s.is_nan() && s != 0.0;
    let kept = sums.iter().filter(|&&s| keep(s)).count();
    if kept == sums.len() {
        return (ranks, sums);
    }
    let mut out = Vec::with_capacity(kept * m);
    let mut w = Vec::with_capacity(kept);
    for (i, &s) in sums.iter().enumerate() {
        if keep(s) {
            out.extend_from_slice(&ranks[i * m..(i + 1) * m]);
            w.push(s);
        }
    }
    (out, w)
}

/// Run `f` over fixed chunks of ballots in a pool, returning the first error in ballot order.
fn parse_parallel<F>(n: usize, m: usize, threads: Option<usize>, f: F) -> Result<Vec<u16>>
where
    F: Fn(usize, &mut [u16]) -> Result<()> + Sync + Send,
{
    parse_parallel_with(n, m, threads, |b, row, (): &mut ()| f(b, row))
}

/// [`parse_parallel`] with a scratch value `S` per chunk (reused across the chunk's rows).
fn parse_parallel_with<S, F>(n: usize, m: usize, threads: Option<usize>, f: F) -> Result<Vec<u16>>
where
    S: Default,
    F: Fn(usize, &mut [u16], &mut S) -> Result<()> + Sync + Send,
{
    // Zeroed pages come free; each chunk sets its own slice (in parallel, while in cache).
    let mut ranks = vec![0u16; n * m];
    let results: Vec<Result<()>> = with_threads(threads, || {
        ranks
            .par_chunks_mut(PARSE_CHUNK * m)
            .enumerate()
            .map(|(ci, chunk)| {
                chunk.fill(u16::MAX);
                let mut scratch = S::default();
                for (j, row) in chunk.chunks_mut(m).enumerate() {
                    f(ci * PARSE_CHUNK + j, row, &mut scratch)?;
                }
                Ok(())
            })
            .collect()
    })?;
    for r in results {
        r?;
    }
    Ok(ranks)
}

/// Reusable buffers for [`rank_row`].
#[derive(Default)]
struct RankScratch {
    dense: Vec<u16>,
    pairs: Vec<(i64, usize)>,
}

/// Dense tier ranks of one row of a rank matrix (negative = unranked, below every ranked
/// value). Values spanning a small range are ranked by counting (no sort); others by sorting.
fn rank_row(src: &[i64], row: &mut [u16], s: &mut RankScratch) {
    // Fast path: a strict ranking given as a permutation of 0..m (ranks are already dense).
    // One pass that converts while it checks; the other paths overwrite the whole row.
    if src.len() <= 64 {
        let m = src.len() as u64;
        let (mut seen, mut bad) = (0u64, false);
        for (r, &v) in row.iter_mut().zip(src) {
            bad |= v as u64 >= m; // negative values wrap to huge ones
            seen |= 1u64 << (v as u64 & 63);
            *r = v as u16;
        }
        if !bad && seen.count_ones() as u64 == m {
            return;
        }
    }
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for &v in src {
        if v >= 0 {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi {
        row.fill(0);
        return;
    }
    let span = (hi - lo) as u64 + 1;
    if span <= 4 * src.len() as u64 + 64 {
        let span = span as usize;
        s.dense.clear();
        s.dense.resize(span, 0);
        for &v in src {
            if v >= 0 {
                s.dense[(v - lo) as usize] = 1;
            }
        }
        let mut t: u16 = 0;
        for d in &mut s.dense {
            let present = *d;
            *d = t;
            t += present;
        }
        // `t` is now the number of distinct ranked values: the tier of unranked candidates
        for (r, &v) in row.iter_mut().zip(src) {
            *r = if v >= 0 {
                s.dense[(v - lo) as usize]
            } else {
                t
            };
        }
        return;
    }
    s.pairs.clear();
    s.pairs.extend(
        src.iter()
            .enumerate()
            .filter(|(_, &v)| v >= 0)
            .map(|(c, &v)| (v, c)),
    );
    s.pairs.sort_unstable();
    let mut t: u16 = 0;
    for j in 0..s.pairs.len() {
        if j > 0 && s.pairs[j].0 != s.pairs[j - 1].0 {
            t += 1;
        }
        row[s.pairs[j].1] = t;
    }
    for (r, &v) in row.iter_mut().zip(src) {
        if v < 0 {
            *r = t + 1;
        }
    }
}

impl Profile {
    /// An empty profile over `m` candidates.
    pub fn new(m: usize) -> Result<Self> {
        check_m(m)?;
        Ok(Self {
            m,
            ranks: Vec::new(),
            weights: Vec::new(),
            threads: None,
            pairwise: OnceLock::new(),
        })
    }

    fn build(m: usize, ranks: Vec<u16>, weights: Vec<f64>, threads: Option<usize>) -> Result<Self> {
        if weights.len() > u32::MAX as usize {
            return input_err!(
                "{} ballots is more than the 2^32 - 1 one profile holds; build several and \
                 merge their margins",
                weights.len()
            );
        }
        let (ranks, weights) = with_threads(threads, || collapse_owned(m, ranks, weights))?;
        Ok(Self {
            m,
            ranks,
            weights,
            threads,
            pairwise: OnceLock::new(),
        })
    }

    /// From ballots given as tiers of candidate indices (best tier first). `weights`: one per
    /// ballot, finite and `>= 0` (default 1). Empty tiers are skipped.
    pub fn from_tiers(
        m: usize,
        ballots: &[Vec<Vec<usize>>],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        check_m(m)?;
        check_weights(weights, ballots.len())?;
        let mut ranks = vec![u16::MAX; ballots.len() * m];
        for (b, (ballot, row)) in ballots.iter().zip(ranks.chunks_mut(m)).enumerate() {
            let as_i64: Vec<Vec<i64>> = ballot
                .iter()
                .map(|t| t.iter().map(|&c| c.min(i64::MAX as usize) as i64).collect())
                .collect();
            fill_row(row, as_i64.iter(), m, b)?;
        }
        let w = weights.map_or_else(|| vec![1.0; ballots.len()], <[f64]>::to_vec);
        Self::build(m, ranks, w, None)
    }

    /// From the Arrow layout of a `list<list<int>>` column (borrowed, no copy of the input):
    /// ballot `b` has tiers `ballot_offsets[b]..ballot_offsets[b+1]`, tier `t` holds candidates
    /// `values[tier_offsets[t]..tier_offsets[t+1]]`. Parsed in parallel in `threads` threads.
    pub fn from_nested(
        m: usize,
        values: &[i64],
        tier_offsets: &[i64],
        ballot_offsets: &[i64],
        weights: Option<&[f64]>,
        threads: Option<usize>,
    ) -> Result<Self> {
        check_m(m)?;
        Offsets::within(tier_offsets, values.len(), "tier offsets")?;
        Offsets::within(ballot_offsets, tier_offsets.len() - 1, "ballot offsets")?;
        let n = ballot_offsets.len() - 1;
        check_weights(weights, n)?;
        let ranks = parse_parallel(n, m, threads, |b, row| {
            let (t0, t1) = (ballot_offsets[b] as usize, ballot_offsets[b + 1] as usize);
            let tiers =
                (t0..t1).map(|t| &values[tier_offsets[t] as usize..tier_offsets[t + 1] as usize]);
            fill_row(row, tiers, m, b)
        })?;
        let w = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        Self::build(m, ranks, w, threads)
    }

    /// From an `n x m` row-major matrix of ranks (`ranks[i*m + c]`: the rank voter `i` gives
    /// candidate `c`; smaller is better, equal values are ties, negative = unranked, i.e. below
    /// every ranked candidate). Only the order of the values matters.
    pub fn from_rank_matrix(
        n: usize,
        m: usize,
        ranks: &[i64],
        weights: Option<&[f64]>,
        threads: Option<usize>,
    ) -> Result<Self> {
        check_m(m)?;
        if ranks.len() != n * m {
            return input_err!(
                "rank matrix: expected {n} x {m} = {} values, got {}",
                n * m,
                ranks.len()
            );
        }
        check_weights(weights, n)?;
        let out = parse_parallel_with(n, m, threads, |b, row, s: &mut RankScratch| {
            rank_row(&ranks[b * m..(b + 1) * m], row, s);
            Ok(())
        })?;
        let w = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        Self::build(m, out, w, threads)
    }

    /// From an `n x width` row-major matrix of strict orders: row `i` lists candidates best
    /// first; a negative entry ends the ballot (padding for truncated ballots; the rest of the
    /// row must be negative too). Candidates not listed are tied below the listed ones.
    pub fn from_order_matrix(
        n: usize,
        width: usize,
        m: usize,
        orders: &[i64],
        weights: Option<&[f64]>,
        threads: Option<usize>,
    ) -> Result<Self> {
        check_m(m)?;
        if orders.len() != n * width {
            return input_err!(
                "order matrix: expected {n} x {width} = {} values, got {}",
                n * width,
                orders.len()
            );
        }
        check_weights(weights, n)?;
        let out = parse_parallel(n, m, threads, |b, row| {
            let src = &orders[b * width..(b + 1) * width];
            let len = src.iter().position(|&c| c < 0).unwrap_or(width);
            if src[len..].iter().any(|&c| c >= 0) {
                return input_err!(
                    "ballot {b}: a candidate follows the negative padding; pad only at the end"
                );
            }
            fill_row(row, src[..len].iter().map(std::slice::from_ref), m, b)
        })?;
        let w = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        Self::build(m, out, w, threads)
    }

    /// One profile per group (`groups[i]` in `0..n_groups` for ballot `i`) from the nested
    /// layout of [`Profile::from_nested`], parsing the input once.
    #[allow(clippy::too_many_arguments)]
    pub fn from_nested_grouped(
        m: usize,
        values: &[i64],
        tier_offsets: &[i64],
        ballot_offsets: &[i64],
        weights: Option<&[f64]>,
        groups: &[u32],
        n_groups: usize,
        threads: Option<usize>,
    ) -> Result<Vec<Self>> {
        check_m(m)?;
        Offsets::within(tier_offsets, values.len(), "tier offsets")?;
        Offsets::within(ballot_offsets, tier_offsets.len() - 1, "ballot offsets")?;
        let n = ballot_offsets.len() - 1;
        if groups.len() != n {
            return input_err!("{} group labels for {n} ballots", groups.len());
        }
        check_weights(weights, n)?;
        let ranks = parse_parallel(n, m, threads, |b, row| {
            let (t0, t1) = (ballot_offsets[b] as usize, ballot_offsets[b + 1] as usize);
            let tiers =
                (t0..t1).map(|t| &values[tier_offsets[t] as usize..tier_offsets[t + 1] as usize]);
            fill_row(row, tiers, m, b)
        })?;
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
        for (i, &g) in groups.iter().enumerate() {
            if g as usize >= n_groups {
                return input_err!("ballot {i} has group {g}, but groups are 0..{n_groups}");
            }
            rows[g as usize].push(i);
        }
        rows.into_iter()
            .map(|idx| {
                let mut r = Vec::with_capacity(idx.len() * m);
                let mut w = Vec::with_capacity(idx.len());
                for &i in &idx {
                    r.extend_from_slice(&ranks[i * m..(i + 1) * m]);
                    w.push(weights.map_or(1.0, |ws| ws[i]));
                }
                Self::build(m, r, w, threads)
            })
            .collect()
    }

    /// Rebuild from [`Profile::to_parts`] (e.g. after pickling). Every row must be a canonical
    /// rank vector (dense tiers `0..t`, unlisted = `t`).
    pub fn from_parts(m: usize, ranks: Vec<u16>, weights: Vec<f64>) -> Result<Self> {
        check_m(m)?;
        if ranks.len() != weights.len() * m {
            return input_err!(
                "{} ranks for {} ballots of {m} candidates",
                ranks.len(),
                weights.len()
            );
        }
        check_weights(Some(&weights), weights.len())?;
        let mut seen = vec![false; m + 1];
        for (b, row) in ranks.chunks(m).enumerate() {
            seen.fill(false);
            for &r in row {
                if r as usize > m {
                    return input_err!(
                        "ballot {b}: rank {r} is larger than the candidate count {m}"
                    );
                }
                seen[r as usize] = true;
            }
            let top = seen.iter().rposition(|&s| s).unwrap_or(0);
            if seen[..=top].iter().any(|&s| !s) {
                return input_err!(
                    "ballot {b}: ranks are not dense (canonical rank vectors use tiers 0..t)"
                );
            }
        }
        Self::build(m, ranks, weights, None)
    }

    /// The state to pickle: `(m, ranks (n*m, row-major), weights)`.
    pub fn to_parts(&self) -> (usize, &[u16], &[f64]) {
        (self.m, &self.ranks, &self.weights)
    }

    /// Use `threads` threads (None: all cores) for this profile's parallel kernels.
    pub fn with_threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    /// Add a ballot (tiers, best first) with a weight; collapses with an identical ballot
    /// (a linear scan: for bulk input use the constructors).
    pub fn add_ballot(&mut self, tiers: &[Vec<usize>], weight: f64) -> Result<()> {
        check_weight(weight, "ballot", self.weights.len())?;
        let mut row = vec![u16::MAX; self.m];
        let as_i64: Vec<Vec<i64>> = tiers
            .iter()
            .map(|t| t.iter().map(|&c| c.min(i64::MAX as usize) as i64).collect())
            .collect();
        fill_row(&mut row, as_i64.iter(), self.m, self.weights.len())?;
        if weight == 0.0 {
            return Ok(());
        }
        self.pairwise = OnceLock::new();
        for (b, r) in self.ranks.chunks(self.m).enumerate() {
            if r == row.as_slice() {
                self.weights[b] += weight;
                return Ok(());
            }
        }
        self.ranks.extend_from_slice(&row);
        self.weights.push(weight);
        Ok(())
    }

    /// The exact sum of two profiles over the same candidates (ballots of `self` first, then the
    /// new ballots of `other`; weights of identical ballots add).
    pub fn merge(&self, other: &Profile) -> Result<Profile> {
        if self.m != other.m {
            return input_err!(
                "cannot merge profiles over {} and {} candidates",
                self.m,
                other.m
            );
        }
        let mut r = self.ranks.clone();
        r.extend_from_slice(&other.ranks);
        let mut w = self.weights.clone();
        w.extend_from_slice(&other.weights);
        Self::build(self.m, r, w, self.threads)
    }

    pub fn num_candidates(&self) -> usize {
        self.m
    }
    /// Number of distinct ballots (after collapsing).
    pub fn num_ballots(&self) -> usize {
        self.weights.len()
    }
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    pub fn threads(&self) -> Option<usize> {
        self.threads
    }
    /// The rank vector of distinct ballot `b` (tier index per candidate; unlisted = tier count).
    pub fn ranks(&self, b: usize) -> &[u16] {
        &self.ranks[b * self.m..(b + 1) * self.m]
    }
    pub(crate) fn all_ranks(&self) -> &[u16] {
        &self.ranks
    }
    /// Distinct ballot `b` as tiers, best first. The bottom tier holds the unlisted candidates
    /// (a ballot that leaves candidates unlisted equals one that lists them as a last tier).
    pub fn ballot(&self, b: usize) -> Vec<Vec<usize>> {
        let r = self.ranks(b);
        let bottom = r.iter().copied().max().unwrap_or(0) as usize;
        let mut tiers = vec![Vec::new(); bottom + 1];
        for (c, &t) in r.iter().enumerate() {
            tiers[t as usize].push(c);
        }
        tiers
    }

    /// Error unless the profile has a ballot with positive weight.
    pub fn check_nonempty(&self) -> Result<()> {
        if self.weights.is_empty() {
            return input_err!("the profile is empty: it has no ballot with positive weight");
        }
        Ok(())
    }

    /// The pairwise support matrix (computed once, in parallel, then cached).
    pub fn pairwise(&self) -> Result<&Pairwise> {
        if let Some(p) = self.pairwise.get() {
            return Ok(p);
        }
        check_pairwise_m(self.m)?;
        let p = with_threads(self.threads, || {
            support_matrix(self.m, &self.ranks, &self.weights)
        })?;
        let _ = self.pairwise.set(p);
        match self.pairwise.get() {
            Some(p) => Ok(p),
            None => input_err!("internal: pairwise cache not set"),
        }
    }

    /// Restrict to the candidates in `keep` (sorted or not), renumbered `0..keep.len()` in the
    /// order given; ballots are re-canonicalized and collapsed.
    pub fn restrict(&self, keep: &[usize]) -> Result<Profile> {
        let k = keep.len();
        check_m(k)?;
        let mut seen = vec![false; self.m];
        for &c in keep {
            if c >= self.m {
                return input_err!("restrict: candidate {c} is not in 0..{}", self.m);
            }
            if seen[c] {
                return input_err!("restrict: candidate {c} listed twice");
            }
            seen[c] = true;
        }
        let mut out = vec![0u16; self.weights.len() * k];
        for (src, dst) in self.ranks.chunks(self.m).zip(out.chunks_mut(k)) {
            let mut vals: Vec<u16> = keep.iter().map(|&c| src[c]).collect();
            let mut distinct = vals.clone();
            distinct.sort_unstable();
            distinct.dedup();
            for v in &mut vals {
                *v = distinct.binary_search(v).unwrap_or(0) as u16;
            }
            dst.copy_from_slice(&vals);
        }
        Self::build(k, out, self.weights.clone(), self.threads)
    }
}

/// Weighted pairwise majority data: `support[a*m + b]` is the total weight of ballots that rank
/// `a` strictly above `b`; the margin of `a` over `b` is `support(a,b) - support(b,a)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairwise {
    m: usize,
    support: Vec<f64>,
    total: f64,
}

/// Ballots per chunk for the support matrix: depends only on `n` and `m` (never on threads).
fn support_chunk(n: usize, m: usize) -> usize {
    let max_chunks = ((1usize << 24) / (m * m).max(1)).clamp(1, 64);
    n.div_ceil(max_chunks).max(512)
}

fn support_matrix(m: usize, ranks: &[u16], weights: &[f64]) -> Pairwise {
    let n = weights.len();
    let chunk = support_chunk(n, m);
    let parts: Vec<Vec<f64>> = ranks
        .par_chunks(chunk * m)
        .zip(weights.par_chunks(chunk))
        .map(|(rs, ws)| {
            // Runs of equal weights are counted exactly in integers and scaled once. The inner
            // counters are u16 over rows padded to a multiple of 16 lanes (vectorizes well),
            // folded into u32 counters every `u16::MAX` ballots, so the sums are the same as
            // counting in u32 directly.
            let mp = m.next_multiple_of(16);
            let mut s = vec![0.0f64; m * m];
            let mut cnt = vec![0u32; m * m];
            let mut c16 = vec![0u16; m * mp];
            let mut rp = vec![0u16; mp];
            let mut run_w = 0.0f64;
            let mut run_len = 0u64;
            let mut sub_len = 0u32;
            let fold = |c16: &mut [u16], cnt: &mut [u32]| {
                for (crow, row16) in cnt.chunks_exact_mut(m).zip(c16.chunks_exact_mut(mp)) {
                    for (c, x) in crow.iter_mut().zip(row16.iter_mut()) {
                        *c += *x as u32;
                        *x = 0;
                    }
                }
            };
            let flush = |cnt: &mut [u32], s: &mut [f64], w: f64| {
                for (x, c) in s.iter_mut().zip(cnt.iter_mut()) {
                    *x += w * *c as f64;
                    *c = 0;
                }
            };
            for (r, &w) in rs.chunks_exact(m).zip(ws) {
                if run_len > 0 && (w != run_w || run_len >= 1 << 31) {
                    fold(&mut c16, &mut cnt);
                    sub_len = 0;
                    flush(&mut cnt, &mut s, run_w);
                    run_len = 0;
                }
                if sub_len == u16::MAX as u32 {
                    fold(&mut c16, &mut cnt);
                    sub_len = 0;
                }
                run_w = w;
                run_len += 1;
                sub_len += 1;
                // padding lanes hold rank 0, which no rank is below: they count nothing
                rp[..m].copy_from_slice(r);
                for (&ra, row) in r.iter().zip(c16.chunks_exact_mut(mp)) {
                    for (x, &rb) in row.iter_mut().zip(rp.iter()) {
                        *x += (ra < rb) as u16;
                    }
                }
            }
            if run_len > 0 {
                fold(&mut c16, &mut cnt);
                flush(&mut cnt, &mut s, run_w);
            }
            s
        })
        .collect();
    let mut support = vec![0.0f64; m * m];
    for p in parts {
        for (x, y) in support.iter_mut().zip(p) {
            *x += y;
        }
    }
    Pairwise {
        m,
        support,
        total: weights.iter().sum(),
    }
}

impl Pairwise {
    /// From a support matrix (`m*m`, row-major, diagonal ignored) and the total ballot weight
    /// (used only for tie weights and majority thresholds).
    pub fn from_support(m: usize, support: Vec<f64>, total: f64) -> Result<Self> {
        check_m(m)?;
        check_pairwise_m(m)?;
        if support.len() != m * m {
            return input_err!(
                "support matrix: expected {m} x {m} values, got {}",
                support.len()
            );
        }
        for (i, &x) in support.iter().enumerate() {
            if !x.is_finite() || x < 0.0 {
                return input_err!(
                    "support[{}][{}] = {x}; support must be finite and non-negative",
                    i / m,
                    i % m
                );
            }
        }
        if !total.is_finite() || total < 0.0 {
            return input_err!("total weight {total} must be finite and non-negative");
        }
        let mut support = support;
        for a in 0..m {
            support[a * m + a] = 0.0;
        }
        Ok(Self { m, support, total })
    }

    /// From pairwise comparisons `winners[i]` beat `losers[i]` (weight `weights[i]`, default 1).
    /// `total` is the sum of the weights. Ties should be left out (they add no support).
    pub fn from_comparisons(
        m: usize,
        winners: &[i64],
        losers: &[i64],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        check_m(m)?;
        check_pairwise_m(m)?;
        if winners.len() != losers.len() {
            return input_err!(
                "{} winners but {} losers; pass one of each per comparison",
                winners.len(),
                losers.len()
            );
        }
        check_weights(weights, winners.len())?;
        let mut support = vec![0.0; m * m];
        let mut total = 0.0;
        for (i, (&a, &b)) in winners.iter().zip(losers).enumerate() {
            for c in [a, b] {
                if c < 0 || c as u64 >= m as u64 {
                    return input_err!(
                        "comparison {i} names candidate {c}, but candidates are 0..{m}"
                    );
                }
            }
            if a == b {
                return input_err!("comparison {i} compares candidate {a} with itself");
            }
            let w = weights.map_or(1.0, |w| w[i]);
            support[a as usize * m + b as usize] += w;
            total += w;
        }
        Ok(Self { m, support, total })
    }

    pub fn num_candidates(&self) -> usize {
        self.m
    }
    /// Total ballot weight (for comparisons: total comparison weight).
    pub fn total(&self) -> f64 {
        self.total
    }
    #[inline]
    pub fn support(&self, a: usize, b: usize) -> f64 {
        self.support[a * self.m + b]
    }
    #[inline]
    pub fn margin(&self, a: usize, b: usize) -> f64 {
        self.support[a * self.m + b] - self.support[b * self.m + a]
    }
    /// The support matrix, `m*m` row-major.
    pub fn support_matrix(&self) -> &[f64] {
        &self.support
    }
    /// The margin matrix, `m*m` row-major (skew-symmetric).
    pub fn margin_matrix(&self) -> Vec<f64> {
        let m = self.m;
        let mut out = vec![0.0; m * m];
        for a in 0..m {
            for b in 0..m {
                out[a * m + b] = self.margin(a, b);
            }
        }
        out
    }
    /// Exact sum with another pairwise matrix over the same candidates.
    pub fn merge(&self, other: &Pairwise) -> Result<Pairwise> {
        if self.m != other.m {
            return input_err!(
                "cannot merge pairwise data over {} and {} candidates",
                self.m,
                other.m
            );
        }
        let support = self
            .support
            .iter()
            .zip(&other.support)
            .map(|(a, b)| a + b)
            .collect();
        Ok(Pairwise {
            m: self.m,
            support,
            total: self.total + other.total,
        })
    }
    /// Error unless there is some positive weight.
    pub fn check_nonempty(&self) -> Result<()> {
        if self.total <= 0.0 {
            return input_err!("the profile is empty: no ballot or comparison has positive weight");
        }
        Ok(())
    }
    /// `beats[a*m+b]`: strict majority (margin > 0).
    pub fn majority(&self) -> Vec<bool> {
        let m = self.m;
        let mut out = vec![false; m * m];
        for a in 0..m {
            for b in 0..m {
                out[a * m + b] = self.margin(a, b) > 0.0;
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `n` uniformly random permutations of `0..m`, row after row (Fisher-Yates, seeded).
    pub(crate) fn random_permutations(n: usize, m: usize, seed: u64) -> Vec<i64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut vals = Vec::with_capacity(n * m);
        for _ in 0..n {
            let mut o: Vec<i64> = (0..m as i64).collect();
            for i in (1..m).rev() {
                o.swap(i, rng.random_range(0..=i));
            }
            vals.extend(o);
        }
        vals
    }

    /// Profile from (count, strict order) pairs.
    pub fn strict(m: usize, groups: &[(usize, &[usize])]) -> Profile {
        let ballots: Vec<Vec<Vec<usize>>> = groups
            .iter()
            .map(|(_, o)| o.iter().map(|&c| vec![c]).collect())
            .collect();
        let w: Vec<f64> = groups.iter().map(|(n, _)| *n as f64).collect();
        Profile::from_tiers(m, &ballots, Some(&w)).unwrap()
    }

    #[test]
    fn collapse_and_margins() {
        let p = Profile::from_tiers(
            3,
            &[
                vec![vec![0], vec![1, 2]],
                vec![vec![0]],
                vec![vec![2], vec![1]],
            ],
            None,
        )
        .unwrap();
        // ballot 0 and 1 are the same weak order
        assert_eq!(p.num_ballots(), 2);
        assert_eq!(p.weights(), &[2.0, 1.0]);
        assert_eq!(p.ballot(0), vec![vec![0], vec![1, 2]]);
        let pw = p.pairwise().unwrap();
        assert_eq!(pw.support(0, 1), 2.0);
        assert_eq!(pw.support(2, 1), 1.0);
        assert_eq!(pw.support(1, 2), 0.0);
        assert_eq!(pw.margin(2, 0), -1.0);
    }

    #[test]
    fn constructors_agree() {
        // 0 > {1,2} > 3, and 2 > 0 (unlisted 1, 3)
        let a = Profile::from_tiers(
            4,
            &[vec![vec![0], vec![1, 2], vec![3]], vec![vec![2], vec![0]]],
            Some(&[1.0, 2.5]),
        )
        .unwrap();
        let b = Profile::from_nested(
            4,
            &[0, 1, 2, 3, 2, 0],
            &[0, 1, 3, 4, 5, 6],
            &[0, 3, 5],
            Some(&[1.0, 2.5]),
            Some(2),
        )
        .unwrap();
        let c = Profile::from_rank_matrix(
            2,
            4,
            &[0, 5, 5, 9, 1, -1, 0, -1],
            Some(&[1.0, 2.5]),
            Some(1),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        let d = Profile::from_order_matrix(2, 3, 3, &[0, 1, 2, 2, 0, -1], None, None).unwrap();
        let e = Profile::from_tiers(
            3,
            &[vec![vec![0], vec![1], vec![2]], vec![vec![2], vec![0]]],
            None,
        )
        .unwrap();
        assert_eq!(d, e);
        assert_eq!(d.pairwise().unwrap(), e.pairwise().unwrap());
    }

    #[test]
    fn bad_input() {
        assert!(Profile::from_tiers(3, &[vec![vec![3]]], None).is_err());
        assert!(Profile::from_tiers(3, &[vec![vec![1], vec![1]]], None).is_err());
        assert!(Profile::from_tiers(3, &[vec![vec![1]]], Some(&[-1.0])).is_err());
        assert!(Profile::from_tiers(3, &[vec![vec![1]]], Some(&[f64::NAN])).is_err());
        assert!(Profile::from_tiers(0, &[], None).is_err());
        assert!(Profile::from_nested(3, &[0, 1], &[0, 1, 5], &[0, 2], None, None).is_err());
        assert!(Profile::from_order_matrix(1, 3, 3, &[0, -1, 1], None, None).is_err());
        let e = Profile::new(3).unwrap();
        assert!(e.check_nonempty().is_err());
        let msg = format!(
            "{}",
            Profile::from_tiers(3, &[vec![vec![0]], vec![vec![7]]], None).unwrap_err()
        );
        assert!(
            msg.contains("ballot 1") && msg.contains("candidate 7"),
            "{msg}"
        );
    }

    #[test]
    fn merge_and_parts() {
        let a = strict(3, &[(2, &[0, 1, 2]), (1, &[1, 0, 2])]);
        let b = strict(3, &[(1, &[1, 0, 2]), (4, &[2, 1, 0])]);
        let ab = a.merge(&b).unwrap();
        assert_eq!(ab.weights(), &[2.0, 2.0, 4.0]);
        let sum = a.pairwise().unwrap().merge(b.pairwise().unwrap()).unwrap();
        assert_eq!(&sum, ab.pairwise().unwrap());
        let (m, r, w) = ab.to_parts();
        let back = Profile::from_parts(m, r.to_vec(), w.to_vec()).unwrap();
        assert_eq!(back, ab);
        assert!(Profile::from_parts(3, vec![0, 2, 2], vec![1.0]).is_err());
    }

    /// Collapsing and rank-matrix parsing agree with naive references (duplicates, zero
    /// weights, ties, unranked entries, ranks spread too widely for the counting path).
    #[test]
    fn collapse_and_rank_rows_match_reference() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for round in 0..40 {
            let m = rng.random_range(1..7);
            // round 0: several dedup pieces and partitions, many duplicates per group
            let n = if round == 0 {
                140_000
            } else {
                rng.random_range(0..3000)
            };
            let scale: i64 = if round % 2 == 0 { 1 } else { 1_000_000_007 };
            let vals: Vec<i64> = (0..n * m)
                .map(|_| {
                    let v = rng.random_range(-1..3i64);
                    if v < 0 {
                        -1
                    } else {
                        v * scale
                    }
                })
                .collect();
            let w: Vec<f64> = (0..n)
                .map(|_| rng.random_range(0..3) as f64 * 0.5)
                .collect();
            let p = Profile::from_rank_matrix(n, m, &vals, Some(&w), Some(2)).unwrap();
            // naive reference
            let mut rows: Vec<(Vec<u16>, f64)> = Vec::new();
            for (src, &wi) in vals.chunks(m).zip(&w) {
                let mut d: Vec<i64> = src.iter().copied().filter(|&v| v >= 0).collect();
                d.sort_unstable();
                d.dedup();
                let r: Vec<u16> = src
                    .iter()
                    .map(|&v| {
                        if v < 0 {
                            d.len() as u16
                        } else {
                            d.binary_search(&v).unwrap() as u16
                        }
                    })
                    .collect();
                match rows.iter_mut().find(|x| x.0 == r) {
                    Some(x) => x.1 += wi,
                    None => rows.push((r, wi)),
                }
            }
            rows.retain(|x| x.1 != 0.0);
            assert_eq!(p.num_ballots(), rows.len());
            for (b, (r, wi)) in rows.iter().enumerate() {
                assert_eq!(p.ranks(b), r.as_slice());
                assert_eq!(p.weights()[b], *wi);
            }
        }
    }

    #[test]
    fn large_parallel_is_thread_independent() {
        let (n, m) = (70_000, 6);
        let vals = random_permutations(n, m, 1);
        let w: Vec<f64> = (0..n).map(|i| 0.1 + (i % 7) as f64 * 0.3).collect();
        let p1 = Profile::from_order_matrix(n, m, m, &vals, Some(&w), Some(1)).unwrap();
        let p2 = Profile::from_order_matrix(n, m, m, &vals, Some(&w), Some(2))
            .unwrap()
            .with_threads(Some(2));
        assert_eq!(p1.num_ballots(), 720);
        assert_eq!(p1, p2);
        assert_eq!(p1.pairwise().unwrap(), p2.pairwise().unwrap());
        let g: Vec<u32> = (0..n as u32).map(|i| i % 3).collect();
        let offs: Vec<i64> = (0..=(n * m) as i64).collect();
        let boffs: Vec<i64> = (0..=n as i64).map(|i| i * m as i64).collect();
        let parts = Profile::from_nested_grouped(m, &vals, &offs, &boffs, Some(&w), &g, 3, Some(2))
            .unwrap();
        let tot: f64 = parts.iter().map(super::Profile::total_weight).sum();
        assert!((tot - w.iter().sum::<f64>()).abs() < 1e-6);
    }
}
