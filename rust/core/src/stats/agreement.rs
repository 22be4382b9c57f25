//! Inter-rater agreement over ratings given as long triples `(unit, rater, value)`; missing
//! ratings are simply absent rows. Each `(unit, rater)` pair may appear at most once.
//!
//! - [`krippendorff_alpha`]: Krippendorff's alpha for nominal, ordinal, interval and ratio
//!   metrics, by the coincidence-matrix formulation of Krippendorff, "Computing Krippendorff's
//!   Alpha-Reliability" (2011): `alpha = 1 - (n - 1) * sum_{c,k} o_ck d2_ck / sum_{c,k} n_c n_k d2_ck`
//!   over pairable values (units with at least two ratings), where unit `u` with `m_u` values adds
//!   `1 / (m_u - 1)` to `o_ck` for every ordered pair of its values from different raters. The
//!   coincidences are never built as a `V x V` matrix: per unit, the observed term is a closed
//!   form over the unit's value counts (nominal: `m^2 - sum cnt^2`; interval: `2 m sum (v - mean)^2`;
//!   ordinal: the interval form on the values' mid-cumulative ranks
//!   `M_c = sum_{g < c} n_g + n_c / 2`, since `d_ck = M_k - M_c`; ratio: pairs of distinct values in
//!   the unit), and the expected term is the same closed form over the marginals `n_c`
//!   (ratio: `O(V^2)` over distinct values, at most [`MAX_RATIO_VALUES`]).
//! - [`fleiss_kappa`] (Fleiss 1971): every rated unit must have the same number of ratings.
//! - [`cohen_kappa`] (Cohen 1960): exactly two raters; units rated by both are used.
//! - [`percent_agreement`]: the share of agreeing pairs among all pairs of ratings of the same
//!   unit by different raters, pooled over units (units with one rating add no pairs).
//!
//! Values are compared exactly (nominal categories are their numeric codes; `-0.0 == 0.0`).
//! An undefined coefficient (no pairable values, or no variation so the expected disagreement is
//! 0) is a [`CoreError::Input`](crate::error::CoreError::Input).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::input_err;
use crate::parallel::with_threads;

/// Largest number of distinct values for the ratio metric (its expected disagreement is
/// `O(V^2)`).
pub const MAX_RATIO_VALUES: usize = 20_000;
/// Units per parallel work item (fixed, so results never depend on thread count).
const UNIT_CHUNK: usize = 1024;

/// Ratings as long triples: rating `i` is `value[i]` given by `rater[i]` to `unit[i]`.
#[derive(Clone, Copy, Debug)]
pub struct Ratings<'a> {
    pub unit: &'a [i64],
    pub rater: &'a [i64],
    pub value: &'a [f64],
}

/// Level of measurement (the difference function `d2` of Krippendorff's alpha).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

/// Krippendorff's alpha and its parts.
#[derive(Clone, Debug, PartialEq)]
pub struct AlphaResult {
    pub alpha: f64,
    /// Observed disagreement `D_o = sum o_ck d2_ck / n`.
    pub observed: f64,
    /// Expected disagreement `D_e = sum n_c n_k d2_ck / (n (n - 1))`.
    pub expected: f64,
    /// Pairable values `n` (ratings in units with at least two ratings).
    pub n_pairable: usize,
    /// Units with at least two ratings.
    pub n_units: usize,
}

/// A kappa coefficient `(P_o - P_e) / (1 - P_e)` and its parts.
#[derive(Clone, Debug, PartialEq)]
pub struct KappaResult {
    pub kappa: f64,
    /// Observed agreement (Fleiss: mean per-unit agreement `P-bar`).
    pub observed: f64,
    /// Chance agreement.
    pub expected: f64,
    /// Units used.
    pub n_units: usize,
}

/// Raw agreement.
#[derive(Clone, Debug, PartialEq)]
pub struct AgreementResult {
    /// Agreeing pairs / all pairs.
    pub agreement: f64,
    /// Number of pairs of ratings (same unit, different raters).
    pub n_pairs: f64,
    /// Units with at least two ratings.
    pub n_units: usize,
}

/// Ratings grouped by unit (ascending unit id), sorted by rater inside each unit.
struct Grouped {
    offsets: Vec<usize>,
    units: Vec<i64>,
    raters: Vec<i64>,
    values: Vec<f64>,
}

impl Grouped {
    fn n_units(&self) -> usize {
        self.units.len()
    }
    fn size(&self, u: usize) -> usize {
        self.offsets[u + 1] - self.offsets[u]
    }
    fn vals(&self, u: usize) -> &[f64] {
        &self.values[self.offsets[u]..self.offsets[u + 1]]
    }
}

fn check_ratings(r: &Ratings) -> Result<()> {
    let n = r.unit.len();
    if r.rater.len() != n || r.value.len() != n {
        return input_err!(
            "unit, rater and value have {}, {} and {} entries; pass one of each per rating",
            n,
            r.rater.len(),
            r.value.len()
        );
    }
    if n == 0 {
        return input_err!("no ratings given");
    }
    if let Some(i) = r.value.iter().position(|v| !v.is_finite()) {
        return input_err!(
            "rating {i} (unit {}, rater {}) has value {}; values must be finite (a missing rating is an absent row: drop it)",
            r.unit[i],
            r.rater[i],
            r.value[i]
        );
    }
    Ok(())
}

fn group(r: &Ratings) -> Result<Grouped> {
    check_ratings(r)?;
    let n = r.unit.len();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for &u in r.unit {
        lo = lo.min(u);
        hi = hi.max(u);
    }
    let span = (hi as i128 - lo as i128 + 1) as u128;
    let mut key: Vec<(i64, i64, usize)>;
    if span <= (2 * n as u128).max(1 << 20) {
        // counting sort by unit (stable), then sort each unit's few ratings by rater
        let span = span as usize;
        let mut cnt = vec![0usize; span + 1];
        for &u in r.unit {
            cnt[(u - lo) as usize + 1] += 1;
        }
        for k in 0..span {
            cnt[k + 1] += cnt[k];
        }
        let mut perm = vec![0usize; n];
        for (i, &u) in r.unit.iter().enumerate() {
            let c = &mut cnt[(u - lo) as usize];
            perm[*c] = i;
            *c += 1;
        }
        key = perm
            .par_iter()
            .with_min_len(4096)
            .map(|&i| (r.unit[i], r.rater[i], i))
            .collect();
        key.par_chunk_by_mut(|a, b| a.0 == b.0)
            .for_each(|g| g.sort_unstable());
    } else {
        key = (0..n).map(|i| (r.unit[i], r.rater[i], i)).collect();
        key.par_sort_unstable();
    }
    if let Some(k) = key
        .par_windows(2)
        .position_first(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
    {
        let (a, b) = (key[k], key[k + 1]);
        return input_err!(
            "unit {}: rater {} rated it more than once (ratings {} and {}); keep one rating per rater and unit",
            a.0,
            a.1,
            a.2,
            b.2
        );
    }
    let mut offsets = vec![0usize];
    let mut units = Vec::new();
    for (k, e) in key.iter().enumerate() {
        if k == 0 || key[k - 1].0 != e.0 {
            if k > 0 {
                offsets.push(k);
            }
            units.push(e.0);
        }
    }
    offsets.push(n);
    let raters = key.par_iter().with_min_len(4096).map(|e| e.1).collect();
    let values = key
        .par_iter()
        .with_min_len(4096)
        .map(|e| r.value[e.2] + 0.0)
        .collect();
    Ok(Grouped {
        offsets,
        units,
        raters,
        values,
    })
}

/// `(value, count)` runs of a small slice of values, ascending.
fn runs(vals: &[f64], buf: &mut Vec<f64>, out: &mut Vec<(f64, f64)>) {
    buf.clear();
    buf.extend_from_slice(vals);
    buf.sort_unstable_by(f64::total_cmp);
    out.clear();
    for &v in buf.iter() {
        match out.last_mut() {
            Some(last) if last.0 == v => last.1 += 1.0,
            _ => out.push((v, 1.0)),
        }
    }
}

/// Runs `f(unit)` over the given units in fixed chunks (in parallel), returning per-chunk
/// results in order.
fn over_units<T: Send>(units: &[usize], f: impl Fn(&[usize]) -> T + Sync + Send) -> Vec<T> {
    units.par_chunks(UNIT_CHUNK).map(f).collect()
}

/// Marginal counts `n_c` of the pairable values, sorted by value.
fn marginals(g: &Grouped, units: &[usize]) -> Vec<(f64, f64)> {
    let maps = over_units(units, |chunk| {
        let mut map: HashMap<u64, f64> = HashMap::new();
        let (mut buf, mut rs) = (Vec::new(), Vec::new());
        for &u in chunk {
            runs(g.vals(u), &mut buf, &mut rs);
            for &(v, c) in &rs {
                *map.entry(v.to_bits()).or_insert(0.0) += c;
            }
        }
        map
    });
    let mut all: HashMap<u64, f64> = HashMap::new();
    for m in maps {
        for (k, c) in m {
            *all.entry(k).or_insert(0.0) += c;
        }
    }
    let mut out: Vec<(f64, f64)> = all
        .into_iter()
        .map(|(k, c)| (f64::from_bits(k), c))
        .collect();
    out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// `(count, mean, sum of squared deviations)` merged (Chan et al.).
fn merge_moments(a: (f64, f64, f64), b: (f64, f64, f64)) -> (f64, f64, f64) {
    let n = a.0 + b.0;
    if n == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let d = b.1 - a.1;
    (n, a.1 + d * b.0 / n, a.2 + b.2 + d * d * a.0 * b.0 / n)
}

fn moments_of(runs: &[(f64, f64)]) -> (f64, f64, f64) {
    let m: f64 = runs.iter().map(|r| r.1).sum();
    let mean = runs.iter().map(|r| r.0 * r.1).sum::<f64>() / m;
    let m2 = runs.iter().map(|r| r.1 * (r.0 - mean) * (r.0 - mean)).sum();
    (m, mean, m2)
}

#[inline]
fn ratio_d2(a: f64, b: f64) -> f64 {
    let s = a + b;
    if s == 0.0 {
        0.0
    } else {
        let d = (a - b) / s;
        d * d
    }
}

/// Krippendorff's alpha of the ratings under `metric`; see the module docs.
pub fn krippendorff_alpha(
    r: &Ratings,
    metric: Metric,
    threads: Option<usize>,
) -> Result<AlphaResult> {
    with_threads(threads, || alpha_inner(r, metric))?
}

fn alpha_inner(r: &Ratings, metric: Metric) -> Result<AlphaResult> {
    if metric == Metric::Ratio {
        check_ratings(r)?;
        if let Some(i) = r.value.iter().position(|&v| v < 0.0) {
            return input_err!(
                "rating {i} (unit {}, rater {}) has value {}; the ratio metric needs values >= 0",
                r.unit[i],
                r.rater[i],
                r.value[i]
            );
        }
    }
    let g = group(r)?;
    let units: Vec<usize> = (0..g.n_units()).filter(|&u| g.size(u) >= 2).collect();
    if units.is_empty() {
        return input_err!(
            "no unit has ratings from two or more raters, so there are no pairable values and alpha is undefined"
        );
    }
    let n: usize = units.iter().map(|&u| g.size(u)).sum();
    let nf = n as f64;
    // observed: sum over units of sum_{i != j} d2(v_i, v_j) / (m - 1); expected: sum n_c n_k d2
    let (obs, exp) = match metric {
        Metric::Interval => {
            let parts = over_units(&units, |chunk| {
                let mut obs = 0.0;
                let mut mom = (0.0, 0.0, 0.0);
                for &u in chunk {
                    let v = g.vals(u);
                    let m = v.len() as f64;
                    let mean = v.iter().sum::<f64>() / m;
                    let m2: f64 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
                    obs += 2.0 * m * m2 / (m - 1.0);
                    mom = merge_moments(mom, (m, mean, m2));
                }
                (obs, mom)
            });
            let mut obs = 0.0;
            let mut mom = (0.0, 0.0, 0.0);
            for (o, m) in parts {
                obs += o;
                mom = merge_moments(mom, m);
            }
            (obs, 2.0 * nf * mom.2)
        }
        Metric::Nominal | Metric::Ordinal | Metric::Ratio => {
            let marg = marginals(&g, &units);
            let nv = marg.len();
            let rank: Vec<f64> = if metric == Metric::Ordinal {
                let mut cum = 0.0;
                marg.iter()
                    .map(|&(_, c)| {
                        let m = cum + c / 2.0;
                        cum += c;
                        m
                    })
                    .collect()
            } else {
                Vec::new()
            };
            if metric == Metric::Ratio && nv > MAX_RATIO_VALUES {
                return Err(CoreError::Limit(format!(
                    "the ratio metric compares all pairs of distinct values; {nv} distinct values is above the supported {MAX_RATIO_VALUES}"
                )));
            }
            let pos = |v: f64| -> usize {
                marg.binary_search_by(|p| p.0.total_cmp(&v))
                    .unwrap_or_else(|k| k.min(nv - 1))
            };
            let obs: f64 = over_units(&units, |chunk| {
                let (mut buf, mut rs) = (Vec::new(), Vec::new());
                let mut obs = 0.0;
                for &u in chunk {
                    runs(g.vals(u), &mut buf, &mut rs);
                    let m = g.size(u) as f64;
                    let d = match metric {
                        Metric::Nominal => m * m - rs.iter().map(|r| r.1 * r.1).sum::<f64>(),
                        Metric::Ordinal => {
                            let mr: Vec<(f64, f64)> =
                                rs.iter().map(|&(v, c)| (rank[pos(v)], c)).collect();
                            2.0 * m * moments_of(&mr).2
                        }
                        _ => {
                            let mut s = 0.0;
                            for a in 0..rs.len() {
                                for b in a + 1..rs.len() {
                                    s += rs[a].1 * rs[b].1 * ratio_d2(rs[a].0, rs[b].0);
                                }
                            }
                            2.0 * s
                        }
                    };
                    obs += d / (m - 1.0);
                }
                obs
            })
            .iter()
            .sum();
            let exp = match metric {
                Metric::Nominal => nf * nf - marg.iter().map(|r| r.1 * r.1).sum::<f64>(),
                Metric::Ordinal => {
                    let mr: Vec<(f64, f64)> =
                        marg.iter().zip(&rank).map(|(p, &m)| (m, p.1)).collect();
                    2.0 * nf * moments_of(&mr).2
                }
                _ => {
                    let rows: Vec<f64> = (0..nv)
                        .into_par_iter()
                        .with_min_len(64)
                        .map(|a| {
                            let mut s = 0.0;
                            for b in a + 1..nv {
                                s += marg[b].1 * ratio_d2(marg[a].0, marg[b].0);
                            }
                            marg[a].1 * s
                        })
                        .collect();
                    2.0 * rows.iter().sum::<f64>()
                }
            };
            (obs, exp)
        }
    };
    if !(exp > 0.0) {
        return input_err!(
            "alpha is undefined: all {n} pairable values are the same, so there is no expected disagreement"
        );
    }
    Ok(AlphaResult {
        alpha: 1.0 - (nf - 1.0) * obs / exp,
        observed: obs / nf,
        expected: exp / (nf * (nf - 1.0)),
        n_pairable: n,
        n_units: units.len(),
    })
}

/// Fleiss' kappa from a `n_units x n_categories` row-major table of counts (each unit's counts
/// must sum to the same number of ratings, at least 2).
pub fn fleiss_kappa_counts(
    counts: &[f64],
    n_units: usize,
    n_categories: usize,
) -> Result<KappaResult> {
    if counts.len() != n_units.saturating_mul(n_categories) {
        return input_err!(
            "expected {n_units} x {n_categories} counts, got {}",
            counts.len()
        );
    }
    if n_units == 0 || n_categories == 0 {
        return input_err!("Fleiss' kappa needs at least one unit and one category");
    }
    if let Some(i) = counts.iter().position(|c| !c.is_finite() || *c < 0.0) {
        return input_err!(
            "count at unit {}, category {} is {}; counts must be finite and >= 0",
            i / n_categories,
            i % n_categories,
            counts[i]
        );
    }
    let k: f64 = counts[..n_categories].iter().sum();
    for u in 0..n_units {
        let s: f64 = counts[u * n_categories..(u + 1) * n_categories]
            .iter()
            .sum();
        if (s - k).abs() > 1e-9 * k.max(1.0) {
            return input_err!(
                "unit {u} has {s} ratings but unit 0 has {k}; Fleiss' kappa needs the same number of ratings per unit (use Krippendorff's alpha for missing data)"
            );
        }
    }
    if k < 2.0 {
        return input_err!("Fleiss' kappa needs at least 2 ratings per unit, got {k}");
    }
    let nu = n_units as f64;
    let mut pbar = 0.0;
    let mut col = vec![0.0; n_categories];
    for u in 0..n_units {
        let row = &counts[u * n_categories..(u + 1) * n_categories];
        let sq: f64 = row.iter().map(|c| c * c).sum();
        pbar += (sq - k) / (k * (k - 1.0));
        for (c, x) in col.iter_mut().zip(row) {
            *c += x;
        }
    }
    pbar /= nu;
    let pe: f64 = col.iter().map(|c| (c / (nu * k)).powi(2)).sum();
    if !(pe < 1.0) {
        return input_err!(
            "Fleiss' kappa is undefined: every rating is in the same category (chance agreement is 1)"
        );
    }
    Ok(KappaResult {
        kappa: (pbar - pe) / (1.0 - pe),
        observed: pbar,
        expected: pe,
        n_units,
    })
}

/// Fleiss' kappa of long ratings (categories are the distinct values; rater ids only need to be
/// distinct within a unit). Every rated unit must have the same number of ratings.
pub fn fleiss_kappa(r: &Ratings, threads: Option<usize>) -> Result<KappaResult> {
    with_threads(threads, || -> Result<KappaResult> {
        let g = group(r)?;
        let nu = g.n_units();
        let k = g.size(0);
        if let Some(u) = (0..nu).find(|&u| g.size(u) != k) {
            return input_err!(
                "unit {} has {} ratings but unit {} has {k}; Fleiss' kappa needs the same number of ratings per unit (use Krippendorff's alpha for missing data)",
                g.units[u],
                g.size(u),
                g.units[0]
            );
        }
        let all: Vec<usize> = (0..nu).collect();
        let marg = marginals(&g, &all);
        let nc = marg.len();
        let mut counts = vec![0.0; nu * nc];
        for u in 0..nu {
            for &v in g.vals(u) {
                if let Ok(c) = marg.binary_search_by(|p| p.0.total_cmp(&v)) {
                    counts[u * nc + c] += 1.0;
                }
            }
        }
        fleiss_kappa_counts(&counts, nu, nc)
    })?
}

/// Cohen's kappa for exactly two raters over the units both rated.
pub fn cohen_kappa(r: &Ratings, threads: Option<usize>) -> Result<KappaResult> {
    with_threads(threads, || -> Result<KappaResult> {
        let g = group(r)?;
        let mut raters: Vec<i64> = g.raters.clone();
        raters.par_sort_unstable();
        raters.dedup();
        if raters.len() != 2 {
            return input_err!(
                "Cohen's kappa needs exactly two raters, got {}; use Fleiss' kappa or Krippendorff's alpha for more",
                raters.len()
            );
        }
        let (ra, rb) = (raters[0], raters[1]);
        let mut pairs = Vec::new();
        for u in 0..g.n_units() {
            if g.size(u) == 2 {
                let o = g.offsets[u];
                debug_assert!(g.raters[o] == ra && g.raters[o + 1] == rb);
                pairs.push((g.values[o], g.values[o + 1]));
            }
        }
        if pairs.is_empty() {
            return input_err!("no unit was rated by both raters {ra} and {rb}");
        }
        let n = pairs.len() as f64;
        let po = pairs.iter().filter(|p| p.0 == p.1).count() as f64 / n;
        let mut marg: HashMap<u64, (f64, f64)> = HashMap::new();
        for &(a, b) in &pairs {
            marg.entry(a.to_bits()).or_insert((0.0, 0.0)).0 += 1.0;
            marg.entry(b.to_bits()).or_insert((0.0, 0.0)).1 += 1.0;
        }
        let mut m: Vec<(f64, f64, f64)> = marg
            .into_iter()
            .map(|(k, c)| (f64::from_bits(k), c.0, c.1))
            .collect();
        m.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let pe: f64 = m.iter().map(|x| (x.1 / n) * (x.2 / n)).sum();
        if !(pe < 1.0) {
            return input_err!(
                "Cohen's kappa is undefined: both raters used one and the same category throughout"
            );
        }
        Ok(KappaResult {
            kappa: (po - pe) / (1.0 - pe),
            observed: po,
            expected: pe,
            n_units: pairs.len(),
        })
    })?
}

/// Pooled pairwise percent agreement; see the module docs.
pub fn percent_agreement(r: &Ratings, threads: Option<usize>) -> Result<AgreementResult> {
    with_threads(threads, || -> Result<AgreementResult> {
        let g = group(r)?;
        let units: Vec<usize> = (0..g.n_units()).filter(|&u| g.size(u) >= 2).collect();
        if units.is_empty() {
            return input_err!(
                "no unit has ratings from two or more raters, so there are no pairs to compare"
            );
        }
        let parts = over_units(&units, |chunk| {
            let (mut buf, mut rs) = (Vec::new(), Vec::new());
            let (mut agree, mut pairs) = (0.0, 0.0);
            for &u in chunk {
                runs(g.vals(u), &mut buf, &mut rs);
                let m = g.size(u) as f64;
                agree += rs.iter().map(|r| r.1 * (r.1 - 1.0) / 2.0).sum::<f64>();
                pairs += m * (m - 1.0) / 2.0;
            }
            (agree, pairs)
        });
        let (agree, pairs) = parts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        Ok(AgreementResult {
            agreement: agree / pairs,
            n_pairs: pairs,
            n_units: units.len(),
        })
    })?
}
