//! Preference-data transforms on integer-coded, grouped rows.
//!
//! Rows are handed over grouped: `rows[offsets[g]..offsets[g + 1]]` are the row indices (into the
//! value columns) of group `g`, in the order pairs should be listed. The grouping is built from
//! the runs of an already grouped table or from the keys' factorized codes ([`grouping`]); these
//! kernels only enumerate pairs and aggregate counts.
//!
//! - [`rating_pairs`]: every unordered pair of rows within a group, oriented so that the first
//!   row has the higher score, with the margin; ties and below-margin pairs are counted, not
//!   silently lost.
//! - [`pareto_pairs`]: the pairs where one row weakly dominates the other on every objective and
//!   strictly on one (Pareto dominance), plus the counts of incomparable and identical pairs.
//! - [`tally`]: per `(group, item_lo, item_hi)` sums of wins, ties and weights (a mergeable
//!   state of pairwise counts).
//!
//! Pairs are written in group order and, within a group, in `(i, j)` order with `i < j`
//! positions, so results never depend on the thread count. They come out as the columns the
//! caller asks for (row indices, or values gathered from input columns: [`pair_table`]).

pub mod content_id;
pub mod grouping;
pub mod json_scan;
pub mod pair_table;

pub use content_id::{blake2b64, content_id_hex, content_ids_hex};
pub use grouping::{contiguous_groups, rows_by_code, RowKeys};
pub use json_scan::{json_string_values, json_value_counts, JsonValueCounts};
pub use pair_table::{Column, PairColumn, PairTable, Side, Source};

use pair_table::{check_sources, fill_table};

use crate::codes::{each_block, Codes};

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::input_err;
use crate::offsets::Offsets;
use crate::parallel::with_threads;

/// Groups per parallel work item.
const GROUP_CHUNK: usize = 4096;

fn check_groups(offsets: &[usize], rows: &[u32], n_values: usize) -> Result<()> {
    Offsets::covering(offsets, rows.len(), "offsets")?;
    if let Some(k) = rows.iter().position(|&r| r as usize >= n_values) {
        return input_err!(
            "row index {} at position {k} is outside the {n_values} rows",
            rows[k]
        );
    }
    Ok(())
}

fn chunks(n_groups: usize) -> Vec<(usize, usize)> {
    (0..n_groups)
        .step_by(GROUP_CHUNK)
        .map(|s| (s, (s + GROUP_CHUNK).min(n_groups)))
        .collect()
}

/// All pairs of rows within each group with their score margin.
///
/// For rows `a` before `b` in a group with `d = score[a] - score[b]`: if `d == 0` the pair is a
/// tie (kept with margin 0 when `keep_ties`, else counted in `n_ties_dropped`); otherwise, if
/// `|d| < min_margin`, it is counted in `n_below_margin`; otherwise the higher-scored row is
/// `first` and the margin is `|d|`. Non-finite scores are an error naming the row.
pub fn rating_pairs(
    offsets: &[usize],
    rows: &[u32],
    score: &[f64],
    min_margin: f64,
    keep_ties: bool,
    columns: &[PairColumn],
    threads: Option<usize>,
) -> Result<PairTable> {
    check_groups(offsets, rows, score.len())?;
    check_sources(columns, score.len())?;
    if !min_margin.is_finite() || min_margin < 0.0 {
        return input_err!("min_margin = {min_margin} must be finite and >= 0");
    }
    if let Some(&r) = rows.iter().find(|&&r| !score[r as usize].is_finite()) {
        return input_err!(
            "row {r}: score {} is not finite; drop or impute it before building pairs",
            score[r as usize]
        );
    }
    let ch = chunks(offsets.len() - 1);
    // Per pair: (is a dropped tie, is below the margin); kept when neither. Branch-free: with
    // random scores the outcome is unpredictable.
    let verdict = |d: f64| -> (bool, bool) {
        let tie = d == 0.0;
        (tie && !keep_ties, !tie & (d.abs() < min_margin))
    };
    let pairs_in = |g0: usize, g1: usize| -> usize {
        (g0..g1)
            .map(|g| {
                let m = offsets[g + 1] - offsets[g];
                m * m.saturating_sub(1) / 2
            })
            .sum()
    };
    with_threads(threads, || {
        // Pass 1: per chunk, pairs considered / dropped as ties / below margin.
        let counts: Vec<[u64; 3]> = ch
            .par_iter()
            .map(|&(g0, g1)| {
                let (mut ties, mut below) = (0u64, 0u64);
                for g in g0..g1 {
                    let rs = &rows[offsets[g]..offsets[g + 1]];
                    for (x, &a) in rs.iter().enumerate() {
                        let sa = score[a as usize];
                        for &b in &rs[x + 1..] {
                            let (t, l) = verdict(sa - score[b as usize]);
                            ties += t as u64;
                            below += l as u64;
                        }
                    }
                }
                [pairs_in(g0, g1) as u64, ties, below]
            })
            .collect();
        let kept: Vec<usize> = counts
            .iter()
            .map(|c| (c[0] - c[1] - c[2]) as usize)
            .collect();
        // Pass 2: each chunk lists its pairs into its own slice of the output. Every pair is
        // written at position k, which only advances for kept pairs (no branch per pair).
        let mut out = fill_table(&ch, &kept, columns, true, keep_ties, |g0, g1, p| {
            let n = pairs_in(g0, g1);
            p.first.resize(n, 0);
            p.second.resize(n, 0);
            p.margin.resize(n, 0.0);
            p.tie.resize(n, false);
            let mut k = 0;
            for g in g0..g1 {
                let rs = &rows[offsets[g]..offsets[g + 1]];
                for (x, &a) in rs.iter().enumerate() {
                    let sa = score[a as usize];
                    for &b in &rs[x + 1..] {
                        let d = sa - score[b as usize];
                        let (t, l) = verdict(d);
                        let up = d >= 0.0;
                        p.first[k] = if up { a } else { b };
                        p.second[k] = if up { b } else { a };
                        p.margin[k] = d.abs();
                        p.tie[k] = d == 0.0;
                        k += !(t | l) as usize;
                    }
                }
            }
            p.first.truncate(k);
            p.second.truncate(k);
            p.margin.truncate(k);
            p.tie.truncate(k);
        });
        for c in &counts {
            out.n_considered += c[0];
            out.n_ties_dropped += c[1];
            out.n_below_margin += c[2];
        }
        out
    })
}

/// Pareto-dominance pairs within each group over objective columns `objectives` (each indexed
/// by row; larger is better when `maximize[k]`). Row `a` dominates `b` when it is at least as
/// good on every objective and strictly better on one; dominated pairs are listed as
/// `(dominating, dominated)`, identical vectors are counted in `n_ties_dropped` and the rest in
/// `n_incomparable`. Non-finite values are an error naming the row and objective.
pub fn pareto_pairs(
    offsets: &[usize],
    rows: &[u32],
    objectives: &[&[f64]],
    maximize: &[bool],
    columns: &[PairColumn],
    threads: Option<usize>,
) -> Result<PairTable> {
    let m = objectives.len();
    if m == 0 {
        return input_err!("pareto_pairs needs at least one objective");
    }
    if maximize.len() != m {
        return input_err!("maximize has {} entries for {m} objectives", maximize.len());
    }
    let n = objectives[0].len();
    if let Some(k) = objectives.iter().position(|c| c.len() != n) {
        return input_err!(
            "objective {k} has {} values but objective 0 has {n}",
            objectives[k].len()
        );
    }
    check_groups(offsets, rows, n)?;
    check_sources(columns, n)?;
    for (k, col) in objectives.iter().enumerate() {
        if let Some(&r) = rows.iter().find(|&&r| !col[r as usize].is_finite()) {
            return Err(CoreError::Input(format!(
                "row {r}, objective {k}: value {} is not finite; drop or impute it first",
                col[r as usize]
            )));
        }
    }
    // Calls `visit(x, y, order)` for every pair `x < y` of group `g` (positions in the group):
    // order = 0 identical, 1 incomparable, 2 x dominates y, 3 y dominates x.
    let compare_group =
        |g: usize, buf: &mut Vec<f64>, visit: &mut dyn FnMut(usize, usize, usize)| {
            let rs = &rows[offsets[g]..offsets[g + 1]];
            // Row-major copy of the group's (sign-adjusted) vectors.
            buf.clear();
            for &r in rs {
                for k in 0..m {
                    let v = objectives[k][r as usize];
                    buf.push(if maximize[k] { v } else { -v });
                }
            }
            for x in 0..rs.len() {
                let va = &buf[x * m..(x + 1) * m];
                for y in x + 1..rs.len() {
                    let vb = &buf[y * m..(y + 1) * m];
                    let (mut better, mut worse) = (false, false);
                    for k in 0..m {
                        better |= va[k] > vb[k];
                        worse |= va[k] < vb[k];
                    }
                    visit(x, y, 2 * better as usize + worse as usize);
                }
            }
        };
    let ch = chunks(offsets.len() - 1);
    with_threads(threads, || {
        // Pass 1: per chunk, pairs by order (identical, y dominates, x dominates, incomparable).
        let counts: Vec<[u64; 4]> = ch
            .par_iter()
            .map(|&(g0, g1)| {
                let (mut c, mut buf) = ([0u64; 4], Vec::new());
                for g in g0..g1 {
                    compare_group(g, &mut buf, &mut |_, _, o| c[o] += 1);
                }
                c
            })
            .collect();
        let kept: Vec<usize> = counts.iter().map(|c| (c[1] + c[2]) as usize).collect();
        // Pass 2: each chunk lists its dominated pairs into its own slice of the output.
        let mut out = fill_table(&ch, &kept, columns, false, false, |g0, g1, p| {
            let mut buf = Vec::new();
            for g in g0..g1 {
                let rs = &rows[offsets[g]..offsets[g + 1]];
                compare_group(g, &mut buf, &mut |x, y, o| match o {
                    2 => {
                        p.first.push(rs[x]);
                        p.second.push(rs[y]);
                    }
                    1 => {
                        p.first.push(rs[y]);
                        p.second.push(rs[x]);
                    }
                    _ => {}
                });
            }
        });
        for c in &counts {
            out.n_considered += c.iter().sum::<u64>();
            out.n_ties_dropped += c[0];
            out.n_incomparable += c[3];
        }
        out
    })
}

/// Aggregated pairwise counts: one entry per distinct `(group, lo, hi)` with `lo < hi`, sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TallyCounts {
    pub group: Vec<u32>,
    pub lo: Vec<u32>,
    pub hi: Vec<u32>,
    /// Comparisons won by `lo` / by `hi` / tied (counts) and their summed weights.
    pub n_lo: Vec<u64>,
    pub n_hi: Vec<u64>,
    pub n_tie: Vec<u64>,
    pub w_lo: Vec<f64>,
    pub w_hi: Vec<f64>,
    pub w_tie: Vec<f64>,
}

/// Sums comparisons `winner[c]` over `loser[c]` (a tie when `tie[c]`) per group and unordered
/// item pair. Ids are codes; `winner == loser` and non-finite weights are errors naming the row.
/// Weight sums are accumulated in input order within each key, so results do not depend on the
/// thread count.
pub fn tally<'a>(
    group: impl Into<Codes<'a>>,
    winner: impl Into<Codes<'a>>,
    loser: impl Into<Codes<'a>>,
    tie: Option<&[bool]>,
    weight: Option<&[f64]>,
    threads: Option<usize>,
) -> Result<TallyCounts> {
    let (group, winner, loser) = (group.into(), winner.into(), loser.into());
    let n = winner.len();
    if group.len() != n || loser.len() != n {
        return input_err!(
            "group, winner and loser have {}, {n} and {} entries; pass one of each per comparison",
            group.len(),
            loser.len()
        );
    }
    if tie.is_some_and(|t| t.len() != n) || weight.is_some_and(|w| w.len() != n) {
        return input_err!("tie and weight must have one entry per comparison ({n})");
    }
    if let Some(c) = winner.first_equal(&loser, 0..n) {
        return input_err!(
            "row {c}: chosen and rejected are the same item; drop rows where chosen == rejected"
        );
    }
    if let Some(w) = weight {
        if let Some(c) = w.iter().position(|x| !x.is_finite() || *x < 0.0) {
            return input_err!("row {c}: weight {} must be finite and >= 0", w[c]);
        }
    }
    // Dense path: one sequential pass into counters indexed by (group, lo, hi) when the key
    // space is small (arena-style data: few groups, few items); O(n), no sorting.
    let n_groups = group.max().map_or(0, |g| g as usize + 1);
    let n_items = winner.max().max(loser.max()).map_or(0, |i| i as usize + 1);
    // pairs lo < hi only: n_items (n_items - 1) / 2 per group
    let space = (n_groups as u128) * (n_items as u128) * (n_items.saturating_sub(1) as u128) / 2;
    if space <= (DENSE_MAX as u128).min(4 * n as u128 + (1 << 16)) && n < u32::MAX as usize {
        return Ok(tally_dense(
            group,
            winner,
            loser,
            tie,
            weight,
            n_items,
            space as usize,
        ));
    }
    with_threads(threads, || {
        // key = group << 64 | lo << 32 | hi ; sort (key, row) so equal keys keep input order.
        let mut keyed: Vec<(u128, u32)> = (0..n)
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|c| {
                let (a, b) = (winner.get(c), loser.get(c));
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                let k = ((group.get(c) as u128) << 64) | ((lo as u128) << 32) | hi as u128;
                (k, c as u32)
            })
            .collect();
        keyed.par_sort_unstable();
        let mut out = TallyCounts::default();
        let mut prev: Option<u128> = None;
        for &(k, c) in &keyed {
            let c = c as usize;
            if prev != Some(k) {
                out.group.push((k >> 64) as u32);
                out.lo.push((k >> 32) as u32);
                out.hi.push(k as u32);
                out.n_lo.push(0);
                out.n_hi.push(0);
                out.n_tie.push(0);
                out.w_lo.push(0.0);
                out.w_hi.push(0.0);
                out.w_tie.push(0.0);
                prev = Some(k);
            }
            let e = out.group.len() - 1;
            let w = weight.map_or(1.0, |w| w[c]);
            if tie.is_some_and(|t| t[c]) {
                out.n_tie[e] += 1;
                out.w_tie[e] += w;
            } else if winner.get(c) < loser.get(c) {
                out.n_lo[e] += 1;
                out.w_lo[e] += w;
            } else {
                out.n_hi[e] += 1;
                out.w_hi[e] += w;
            }
        }
        Ok(out)
    })?
}

/// Largest `(group, item, item)` key space [`tally`] counts in dense arrays.
const DENSE_MAX: usize = 1 << 22;

fn tally_dense(
    group: Codes<'_>,
    winner: Codes<'_>,
    loser: Codes<'_>,
    tie: Option<&[bool]>,
    weight: Option<&[f64]>,
    n_items: usize,
    space: usize,
) -> TallyCounts {
    // slot = group * pairs + the pair's place among the pairs lo < hi, (0, 1), (0, 2), ...,
    // (1, 2), ...: half the slots of a square table. One counter array per outcome (lo won,
    // hi won, tie; u32: the caller sends fewer than 2^32 rows) and, with weights, one sum
    // array per outcome: a row touches one slot of each kind, and the sums are compacted in
    // place into the result (no second copy of them, issue 22's peak memory).
    let pairs = n_items * n_items.saturating_sub(1) / 2;
    // first slot of the pairs (lo, _) within a group
    let row_start: Vec<usize> = (0..n_items)
        .map(|lo| lo * (2 * n_items - lo - 1) / 2)
        .collect();
    let mut cnt: [Vec<u32>; 3] = std::array::from_fn(|_| vec![0u32; space]);
    let mut wsum: [Vec<f64>; 3] =
        std::array::from_fn(|_| vec![0.0f64; if weight.is_some() { space } else { 0 }]);
    each_block(
        [group, winner, loser],
        0..winner.len(),
        |start, [group, winner, loser]| {
            for (i, ((&g, &a), &b)) in group.iter().zip(winner).zip(loser).enumerate() {
                let c = start + i;
                let (a, b) = (a as usize, b as usize);
                let (lo, hi, k) = if tie.is_some_and(|t| t[c]) {
                    (a.min(b), a.max(b), 2)
                } else if a < b {
                    (a, b, 0)
                } else {
                    (b, a, 1)
                };
                let slot = g as usize * pairs + row_start[lo] + (hi - lo - 1);
                cnt[k][slot] += 1;
                if let Some(w) = weight {
                    wsum[k][slot] += w[c];
                }
            }
        },
    );
    // the slots used, in order (group, lo, hi)
    let used = |slot: usize| cnt[0][slot] + cnt[1][slot] + cnt[2][slot] > 0;
    let k = (0..space).filter(|&s| used(s)).count();
    let (mut group, mut lo_of, mut hi_of) = (
        Vec::with_capacity(k),
        Vec::with_capacity(k),
        Vec::with_capacity(k),
    );
    let mut slot = 0;
    for g in 0..space / pairs.max(1) {
        for lo in 0..n_items {
            for hi in lo + 1..n_items {
                if used(slot) {
                    group.push(g as u32);
                    lo_of.push(lo as u32);
                    hi_of.push(hi as u32);
                }
                slot += 1;
            }
        }
    }
    // keep the used slots: moved to the front in place (a used slot's place never passes it)
    let keep = |v: &mut Vec<f64>, used: &[bool]| {
        let mut to = 0;
        for s in 0..used.len() {
            if used[s] {
                v[to] = v[s];
                to += 1;
            }
        }
        v.truncate(to);
        v.shrink_to_fit();
    };
    let mask: Vec<bool> = (0..space).map(used).collect();
    let counts: [Vec<u64>; 3] = std::array::from_fn(|o| {
        let c = std::mem::take(&mut cnt[o]);
        c.iter()
            .zip(&mask)
            .filter(|p| *p.1)
            .map(|(&x, _)| u64::from(x))
            .collect()
    });
    drop(cnt);
    let sums: [Vec<f64>; 3] = if weight.is_some() {
        let mut w = wsum;
        for v in &mut w {
            keep(v, &mask);
        }
        w
    } else {
        std::array::from_fn(|o| counts[o].iter().map(|&x| x as f64).collect())
    };
    let [n_lo, n_hi, n_tie] = counts;
    let [w_lo, w_hi, w_tie] = sums;
    TallyCounts {
        group,
        lo: lo_of,
        hi: hi_of,
        n_lo,
        n_hi,
        n_tie,
        w_lo,
        w_hi,
        w_tie,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Ids;

    /// The counters (dense: pairs lo < hi, u32 counts, weights kept only when given; and
    /// sparse, with groups spread so the key space is too large for the dense arrays) against
    /// a map over (group, lo, hi), with and without ties and weights; row order across
    /// groups and pairs. The same ids as physical ids read through maps give the same tally.
    #[test]
    fn dense_and_sparse_tally_match_a_map_from_codes_and_mapped_ids() {
        let mut x = 12_345u64;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        let n = 3_000;
        for scale in [1u32, 2_000] {
            let (mut g, mut w, mut l, mut t, mut wt) = (vec![], vec![], vec![], vec![], vec![]);
            for _ in 0..n {
                let a = next(9) as u32;
                let b = (a + 1 + next(8) as u32) % 9;
                g.push(next(4) as u32 * scale);
                w.push(a);
                l.push(b);
                t.push(next(5) == 0);
                wt.push(next(3) as f64 * 0.5 + 0.25);
            }
            // physical id 2 c + 1 holds code c (the even ids occur nowhere)
            let map_of = |max: u32| -> Vec<u32> {
                (0..=2 * max + 1)
                    .map(|i| if i % 2 == 1 { i / 2 } else { u32::MAX })
                    .collect()
            };
            let (gmap, imap) = (map_of(3 * scale), map_of(8));
            let gids: Vec<u16> = g.iter().map(|&c| (2 * c + 1) as u16).collect();
            let wids: Vec<u8> = w.iter().map(|&c| (2 * c + 1) as u8).collect();
            let lids: Vec<u8> = l.iter().map(|&c| (2 * c + 1) as u8).collect();
            for (tie, weight) in [
                (None, None),
                (Some(&t[..]), None),
                (Some(&t[..]), Some(&wt[..])),
            ] {
                let got = tally(&g, &w, &l, tie, weight, Some(2)).unwrap();
                let from_ids = tally(
                    Codes::mapped(Ids::U16(&gids), &gmap, "group").unwrap(),
                    Codes::mapped(Ids::U8(&wids), &imap, "winner").unwrap(),
                    Codes::mapped(Ids::U8(&lids), &imap, "loser").unwrap(),
                    tie,
                    weight,
                    Some(2),
                )
                .unwrap();
                assert_eq!(from_ids, got, "scale {scale}");
                let mut want: std::collections::BTreeMap<(u32, u32, u32), [f64; 6]> =
                    std::collections::BTreeMap::new();
                for c in 0..n {
                    let (lo, hi) = (w[c].min(l[c]), w[c].max(l[c]));
                    let k = if tie.is_some_and(|t| t[c]) {
                        2
                    } else {
                        usize::from(w[c] != lo)
                    };
                    let e = want.entry((g[c], lo, hi)).or_default();
                    e[k] += 1.0;
                    e[k + 3] += weight.map_or(1.0, |x| x[c]);
                }
                let keys: Vec<(u32, u32, u32)> = (0..got.group.len())
                    .map(|i| (got.group[i], got.lo[i], got.hi[i]))
                    .collect();
                assert_eq!(keys, want.keys().copied().collect::<Vec<_>>());
                for (i, e) in want.values().enumerate() {
                    let counts = [got.n_lo[i], got.n_hi[i], got.n_tie[i]].map(|v| v as f64);
                    assert_eq!(counts, [e[0], e[1], e[2]]);
                    for (a, b) in [got.w_lo[i], got.w_hi[i], got.w_tie[i]].iter().zip(&e[3..]) {
                        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
                    }
                }
            }
        }
        // the same item on both sides is found through the maps too
        let imap = [u32::MAX, 0, u32::MAX, 1];
        let e = tally(
            &[0u32, 0, 0],
            Codes::mapped(Ids::U8(&[1, 3, 1]), &imap, "w").unwrap(),
            Codes::mapped(Ids::U8(&[3, 1, 1]), &imap, "l").unwrap(),
            None,
            None,
            None,
        )
        .unwrap_err();
        assert!(e.to_string().contains("row 2: chosen and rejected"), "{e}");
    }

    const ROWS: [PairColumn; 2] = [
        PairColumn {
            source: Source::Row,
            side: Side::First,
        },
        PairColumn {
            source: Source::Row,
            side: Side::Second,
        },
    ];

    fn firsts(p: &PairTable) -> Vec<u32> {
        p.columns[0].as_u32().unwrap().to_vec()
    }

    fn seconds(p: &PairTable) -> Vec<u32> {
        p.columns[1].as_u32().unwrap().to_vec()
    }

    #[test]
    fn prefs_rating_pairs_hand_case() {
        // group 0: rows 0,1,2 scores 3,1,3 ; group 1: rows 3,4 scores 2, 2.5
        let score = [3.0, 1.0, 3.0, 2.0, 2.5];
        let rows = [0u32, 1, 2, 3, 4];
        let off = [0usize, 3, 5];
        let p = rating_pairs(&off, &rows, &score, 0.0, false, &ROWS, Some(2)).unwrap();
        assert_eq!(firsts(&p), vec![0, 2, 4]);
        assert_eq!(seconds(&p), vec![1, 1, 3]);
        assert_eq!(p.margin, vec![2.0, 2.0, 0.5]);
        assert!(p.tie.is_empty());
        assert_eq!(p.n_ties_dropped, 1);
        assert_eq!(p.n_considered, 4);
        let p = rating_pairs(&off, &rows, &score, 1.0, true, &ROWS, Some(1)).unwrap();
        assert_eq!(firsts(&p), vec![0, 0, 2]);
        assert_eq!(p.tie, vec![false, true, false]);
        assert_eq!(p.n_below_margin, 1);
        let bad = [1.0, f64::NAN, 0.0, 0.0, 0.0];
        let e = rating_pairs(&off, &rows, &bad, 0.0, false, &ROWS, None).unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
    }

    #[test]
    fn prefs_pairs_gather_columns() {
        // Values of 1, 2, 8 and 16 bytes gathered from either side, in pair order.
        let score = [3.0, 1.0, 3.0, 2.0, 2.5];
        let (rows, off) = ([4u32, 3, 2, 1, 0], [0usize, 2, 5]);
        let w1: Vec<u8> = (10..15).collect();
        let w2: Vec<u16> = (20..25).collect();
        let w8: Vec<u64> = (80..85).collect();
        let w16: Vec<u128> = (0..5).map(|i| (i as u128) << 100 | 7).collect();
        let cols = [
            PairColumn::new(Source::W1(&w1), Side::First),
            PairColumn::new(Source::W2(&w2), Side::Second),
            PairColumn::new(Source::W8(&w8), Side::First),
            PairColumn::new(Source::W16(&w16), Side::Second),
            PairColumn::new(Source::Row, Side::First),
        ];
        for threads in [1, 2] {
            let p = rating_pairs(&off, &rows, &score, 0.0, false, &cols, Some(threads)).unwrap();
            // group 0 (rows 4, 3): 4 over 3; group 1 (rows 2, 1, 0): 2 over 1, 0 over 1 (2 = 0)
            assert_eq!(p.columns[0], Column::W1(vec![14, 12, 10]));
            assert_eq!(p.columns[1], Column::W2(vec![23, 21, 21]));
            assert_eq!(p.columns[2], Column::W8(vec![84, 82, 80]));
            assert_eq!(
                p.columns[3],
                Column::W16(vec![3 << 100 | 7, 1 << 100 | 7, 1 << 100 | 7])
            );
            assert_eq!(p.columns[4], Column::W4(vec![4, 2, 0]));
        }
        let short = [1u64, 2];
        let e = rating_pairs(
            &off,
            &rows,
            &score,
            0.0,
            false,
            &[PairColumn::new(Source::W8(&short), Side::First)],
            None,
        );
        assert!(e.unwrap_err().to_string().contains("column 0 has 2 values"));
    }

    #[test]
    fn prefs_pareto_pairs_hand_case() {
        let a = [1.0, 0.0, 1.0, 2.0];
        let b = [1.0, 2.0, 1.0, 0.0];
        let rows = [0u32, 1, 2, 3];
        let off = [0usize, 4];
        let p = pareto_pairs(&off, &rows, &[&a, &b], &[true, true], &ROWS, None).unwrap();
        // 0 vs 2 identical; 3 vs 0/2: better a, worse b -> incomparable; 1 vs others incomparable
        assert_eq!(firsts(&p).len(), 0);
        assert_eq!(p.n_ties_dropped, 1);
        assert_eq!(p.n_incomparable, 5);
        let p = pareto_pairs(&off, &rows, &[&a], &[false], &ROWS, None).unwrap();
        assert_eq!(firsts(&p), vec![1, 0, 1, 1, 2]);
        assert_eq!(seconds(&p), vec![0, 3, 2, 3, 3]);
        assert_eq!(p.n_ties_dropped, 1);
        assert_eq!(p.n_considered, 6);
    }

    #[test]
    fn prefs_tally_hand_case() {
        let g = [0u32, 0, 0, 1];
        let w = [1u32, 2, 1, 1];
        let l = [2u32, 1, 2, 2];
        let t = [false, false, true, false];
        let wt = [1.0, 2.0, 0.5, 1.0];
        let c = tally(&g, &w, &l, Some(&t), Some(&wt), Some(2)).unwrap();
        assert_eq!(c.group, vec![0, 1]);
        assert_eq!(c.n_lo, vec![1, 1]);
        assert_eq!(c.n_hi, vec![1, 0]);
        assert_eq!(c.n_tie, vec![1, 0]);
        assert_eq!(c.w_hi, vec![2.0, 0.0]);
        assert_eq!(c.w_tie, vec![0.5, 0.0]);
        assert!(tally(&g, &w, &w, None, None, None).is_err());
        // large ids: the sort-based path gives the same counts
        let big = |v: &[u32]| -> Vec<u32> { v.iter().map(|&x| x * 1_000_000).collect() };
        let (wb, lb) = (big(&w), big(&l));
        let d = tally(&g, &wb, &lb, Some(&t), Some(&wt), Some(2)).unwrap();
        assert_eq!(d.n_lo, c.n_lo);
        assert_eq!(d.n_hi, c.n_hi);
        assert_eq!(d.w_tie, c.w_tie);
        assert_eq!(d.hi, vec![2_000_000, 2_000_000]);
    }
}
