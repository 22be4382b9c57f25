//! Disagreement measures on label distributions (natural logarithms throughout).
//!
//! - [`entropy`]: Shannon entropy `-sum p log p` of a distribution given by non-negative weights
//!   (normalized here; zero weights contribute 0).
//! - [`entropy_segments`]: the same for many distributions stored back to back (CSR offsets),
//!   one per item, in parallel.
//! - [`js_divergence`]: Jensen–Shannon divergence `H(m) - (H(p) + H(q)) / 2` with `m = (p + q) / 2`
//!   between two distributions over the same categories; in `[0, ln 2]`.
//! - [`item_label_stats`]: per item of coded votes, the label distribution's entropy and
//!   majority and, across groups of raters, the generalized Jensen–Shannon divergence and
//!   whether the groups' modal labels differ (`pluralign.stats.disagreement`).

use rayon::prelude::*;

use crate::error::Result;
use crate::input_err;
use crate::offsets::Offsets;
use crate::parallel::with_threads;

fn check_weights(w: &[f64], what: &str) -> Result<f64> {
    if let Some(i) = w.iter().position(|x| !x.is_finite() || *x < 0.0) {
        return input_err!(
            "{what}: weight {i} is {}; weights must be finite and >= 0",
            w[i]
        );
    }
    let s: f64 = w.iter().sum();
    if s.is_nan() || s <= 0.0 {
        return input_err!("{what}: the weights sum to 0, so the distribution is undefined");
    }
    Ok(s)
}

fn h(w: &[f64], s: f64) -> f64 {
    let mut e = 0.0;
    for &x in w {
        if x > 0.0 {
            let p = x / s;
            e -= p * p.ln();
        }
    }
    e.max(0.0)
}

/// Shannon entropy (nats) of the distribution proportional to `weights`.
pub fn entropy(weights: &[f64]) -> Result<f64> {
    let s = check_weights(weights, "entropy")?;
    Ok(h(weights, s))
}

/// Entropy of each segment `weights[offsets[i]..offsets[i + 1]]`.
pub fn entropy_segments(
    offsets: &[usize],
    weights: &[f64],
    threads: Option<usize>,
) -> Result<Vec<f64>> {
    Offsets::covering(offsets, weights.len(), "offsets")?;
    let out: Vec<Result<f64>> = with_threads(threads, || {
        (0..offsets.len() - 1)
            .into_par_iter()
            .with_min_len(256)
            .map(|i| {
                let w = &weights[offsets[i]..offsets[i + 1]];
                let s = check_weights(w, &format!("segment {i}"))?;
                Ok(h(w, s))
            })
            .collect()
    })?;
    out.into_iter().collect()
}

/// Jensen–Shannon divergence (nats) between the distributions proportional to `p` and `q`.
pub fn js_divergence(p: &[f64], q: &[f64]) -> Result<f64> {
    if p.len() != q.len() {
        return input_err!(
            "the two distributions have {} and {} categories; align them on the same categories",
            p.len(),
            q.len()
        );
    }
    let sp = check_weights(p, "first distribution")?;
    let sq = check_weights(q, "second distribution")?;
    let mut js = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = 0.5 * (a + b);
        if a > 0.0 {
            js += 0.5 * a * (a / m).ln();
        }
        if b > 0.0 {
            js += 0.5 * b * (b / m).ln();
        }
    }
    Ok(js.clamp(0.0, std::f64::consts::LN_2))
}

/// Per-item results of [`item_label_stats`], one entry per item code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemLabelStats {
    /// The first row of each item (to gather its id from the input).
    pub first_row: Vec<u32>,
    /// Total weight.
    pub n: Vec<f64>,
    /// Shannon entropy (nats) of the label distribution.
    pub entropy: Vec<f64>,
    /// The label of largest weight (ties: the smallest label code).
    pub majority: Vec<u32>,
    pub majority_share: Vec<f64>,
    /// With groups: the groups that rated each item, the generalized JSD of their label
    /// distributions (`H(mean_g p_g) - mean_g H(p_g)`, Lin 1991) and whether their sets of
    /// modal labels are not all the same.
    pub between: Option<Between>,
}

/// The between-group columns of [`ItemLabelStats`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Between {
    pub n_groups: Vec<u32>,
    pub js_divergence: Vec<f64>,
    pub majorities_differ: Vec<bool>,
}

/// One item's results.
#[derive(Clone, Copy, Default)]
struct Item {
    first: u32,
    n: f64,
    entropy: f64,
    majority: u32,
    share: f64,
    n_groups: u32,
    js: f64,
    differ: bool,
}

/// Sums the weights of equal keys in a slice sorted by key, in place; returns the new length.
fn merge_sorted<K: PartialEq + Copy>(v: &mut [(K, f64)]) -> usize {
    let mut k = 0;
    for i in 0..v.len() {
        if k > 0 && v[k - 1].0 == v[i].0 {
            v[k - 1].1 += v[i].1;
        } else {
            v[k] = v[i];
            k += 1;
        }
    }
    k
}

/// Scratch buffers of one worker.
#[derive(Default)]
struct Scratch {
    cells: Vec<((u32, u32), f64)>,
    dist: Vec<(u32, f64)>,
    modes: Vec<u32>,
    first_modes: Vec<u32>,
}

fn one_item(
    rows: &[u32],
    groups: Option<&[u32]>,
    labels: &[u32],
    weights: Option<&[f64]>,
    s: &mut Scratch,
) -> Item {
    let mut out = Item {
        first: rows.first().copied().unwrap_or(0),
        ..Item::default()
    };
    // (group, label) cells, summed in row order (a stable sort keeps it)
    s.cells.clear();
    s.cells.extend(rows.iter().map(|&r| {
        let r = r as usize;
        let g = groups.map_or(0, |g| g[r]);
        ((g, labels[r]), weights.map_or(1.0, |w| w[r]))
    }));
    s.cells.sort_by_key(|c| c.0);
    let nc = merge_sorted(&mut s.cells);
    s.cells.truncate(nc);
    // the item's label distribution
    s.dist.clear();
    s.dist.extend(s.cells.iter().map(|&((_, l), w)| (l, w)));
    s.dist.sort_by_key(|c| c.0);
    let nd = merge_sorted(&mut s.dist);
    s.dist.truncate(nd);
    let n: f64 = s.dist.iter().map(|c| c.1).sum();
    let (mut majority, mut top) = (0, f64::NEG_INFINITY);
    for &(l, w) in &s.dist {
        if w > top {
            (majority, top) = (l, w);
        }
    }
    out.n = n;
    out.entropy = h_pairs(&s.dist, n);
    out.majority = majority;
    out.share = top / n;
    let Some(_) = groups else {
        return out;
    };
    // per group: entropy, modal labels, and its shares into the mixture
    let (mut n_groups, mut h_sum) = (0u32, 0.0);
    s.dist.clear();
    s.first_modes.clear();
    let mut start = 0;
    while start < s.cells.len() {
        let g = s.cells[start].0 .0;
        let end = start + s.cells[start..].partition_point(|c| c.0 .0 == g);
        let cells = &s.cells[start..end];
        let tg: f64 = cells.iter().map(|c| c.1).sum();
        h_sum += h_pairs(cells, tg);
        let mx = cells.iter().fold(f64::NEG_INFINITY, |a, c| a.max(c.1));
        s.modes.clear();
        s.modes
            .extend(cells.iter().filter(|c| c.1 == mx).map(|c| c.0 .1));
        if n_groups == 0 {
            std::mem::swap(&mut s.modes, &mut s.first_modes);
        } else if s.modes != s.first_modes {
            out.differ = true;
        }
        s.dist.extend(cells.iter().map(|&((_, l), w)| (l, w / tg)));
        n_groups += 1;
        start = end;
    }
    s.dist.sort_by_key(|c| c.0);
    let nd = merge_sorted(&mut s.dist);
    s.dist.truncate(nd);
    let k = f64::from(n_groups);
    for c in &mut s.dist {
        c.1 /= k;
    }
    out.n_groups = n_groups;
    out.js = (h_pairs(&s.dist, 1.0) - h_sum / k).max(0.0);
    out
}

/// Entropy of the weights of `(key, weight)` pairs over their total `s`.
fn h_pairs<K>(v: &[(K, f64)], s: f64) -> f64 {
    let mut e = 0.0;
    for (_, x) in v {
        if *x > 0.0 {
            let p = x / s;
            e -= p * p.ln();
        }
    }
    e.max(0.0)
}

/// Label statistics per item of coded votes: row `r` gives item `items[r]` (in
/// `0..n_items`; every item should have a row) the label `labels[r]` with weight `weights[r]`
/// (default 1), from rater group `groups[r]` if groups are given. Weights are taken as checked
/// (finite, >= 0, positive total per item and group). Results are in item code order and do
/// not depend on the thread count.
pub fn item_label_stats(
    items: &[u32],
    n_items: usize,
    labels: &[u32],
    groups: Option<&[u32]>,
    weights: Option<&[f64]>,
    threads: Option<usize>,
) -> Result<ItemLabelStats> {
    let n = items.len();
    if n >= u32::MAX as usize {
        return input_err!(
            "{n} rows is above the 2^32 - 1 rows one call supports; split the input"
        );
    }
    if labels.len() != n
        || groups.is_some_and(|g| g.len() != n)
        || weights.is_some_and(|w| w.len() != n)
    {
        return input_err!("items, labels, groups and weights must have one value per row ({n})");
    }
    // rows by item: a counting sort (rows in input order within an item)
    let mut offsets = vec![0usize; n_items + 1];
    for (r, &i) in items.iter().enumerate() {
        let Some(c) = offsets.get_mut(i as usize + 1) else {
            return input_err!(
                "item code {i} at row {r} is not below the number of items {n_items}"
            );
        };
        *c += 1;
    }
    for i in 0..n_items {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets[..n_items].to_vec();
    let mut rows = vec![0u32; n];
    for (r, &i) in items.iter().enumerate() {
        let at = &mut next[i as usize];
        rows[*at] = r as u32;
        *at += 1;
    }
    drop(next);
    let per: Vec<Item> = with_threads(threads, || {
        (0..n_items)
            .into_par_iter()
            .with_min_len(256)
            .map_init(Scratch::default, |s, i| {
                one_item(
                    &rows[offsets[i]..offsets[i + 1]],
                    groups,
                    labels,
                    weights,
                    s,
                )
            })
            .collect()
    })?;
    let mut out = ItemLabelStats {
        first_row: per.iter().map(|x| x.first).collect(),
        n: per.iter().map(|x| x.n).collect(),
        entropy: per.iter().map(|x| x.entropy).collect(),
        majority: per.iter().map(|x| x.majority).collect(),
        majority_share: per.iter().map(|x| x.share).collect(),
        between: None,
    };
    if groups.is_some() {
        out.between = Some(Between {
            n_groups: per.iter().map(|x| x.n_groups).collect(),
            js_divergence: per.iter().map(|x| x.js).collect(),
            majorities_differ: per.iter().map(|x| x.differ).collect(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_disagreement() {
        assert!((entropy(&[1.0, 1.0]).unwrap() - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(entropy(&[5.0, 0.0]).unwrap(), 0.0);
        assert!((entropy(&[1.0, 1.0, 1.0, 1.0]).unwrap() - 4f64.ln()).abs() < 1e-15);
        assert!(entropy(&[0.0, 0.0]).is_err());
        assert!(entropy(&[-1.0, 2.0]).is_err());
        let e = entropy_segments(&[0, 2, 5], &[1.0, 1.0, 1.0, 1.0, 1.0], Some(2)).unwrap();
        assert!((e[0] - 2f64.ln()).abs() < 1e-15 && (e[1] - 3f64.ln()).abs() < 1e-15);
        assert!(entropy_segments(&[0, 3], &[1.0], None).is_err());
        // disjoint supports: ln 2; identical: 0
        assert!(
            (js_divergence(&[1.0, 0.0], &[0.0, 2.0]).unwrap() - std::f64::consts::LN_2).abs()
                < 1e-15
        );
        assert_eq!(js_divergence(&[1.0, 3.0], &[2.0, 6.0]).unwrap(), 0.0);
        // direct formula via entropies
        let (p, q) = ([0.2, 0.5, 0.3], [0.6, 0.1, 0.3]);
        let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
        let want = entropy(&m).unwrap() - f64::midpoint(entropy(&p).unwrap(), entropy(&q).unwrap());
        assert!((js_divergence(&p, &q).unwrap() - want).abs() < 1e-14);
        assert!(js_divergence(&p, &[1.0]).is_err());
    }

    #[test]
    fn item_label_stats_hand_cases() {
        // item 0: labels 1, 1, 0, 0 (tie: the smallest label); item 1: 2, 2, 2
        let items = [0, 0, 1, 0, 1, 0, 1];
        let labels = [1, 1, 2, 0, 2, 0, 2];
        let r = item_label_stats(&items, 2, &labels, None, None, Some(2)).unwrap();
        assert_eq!(r.first_row, vec![0, 2]);
        assert_eq!(r.n, vec![4.0, 3.0]);
        assert!((r.entropy[0] - std::f64::consts::LN_2).abs() < 1e-15 && r.entropy[1] == 0.0);
        assert_eq!(r.majority, vec![0, 2]);
        assert_eq!(r.majority_share, vec![0.5, 1.0]);
        assert!(r.between.is_none());
        // two groups, disjoint labels: JSD = ln 2, majorities differ; identical: 0
        let items = [0, 0, 1, 1];
        let labels = [0, 1, 0, 0];
        let groups = [5, 7, 5, 7];
        let w = [1.0, 3.0, 2.0, 0.5];
        let r = item_label_stats(&items, 2, &labels, Some(&groups), Some(&w), None).unwrap();
        let b = r.between.unwrap();
        assert_eq!(b.n_groups, vec![2, 2]);
        assert!((b.js_divergence[0] - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(b.js_divergence[1], 0.0);
        assert_eq!(b.majorities_differ, vec![true, false]);
        assert_eq!(r.majority, vec![1, 0]);
        assert!(item_label_stats(&[0, 2], 2, &[0, 0], None, None, None).is_err());
        assert!(item_label_stats(&[0], 1, &[0, 0], None, None, None).is_err());
    }
}
