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

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use crate::codes::{each_block, Codes};
use crate::error::{CoreError, Result};
use crate::input_err;
use crate::parallel::with_threads;

/// Largest number of distinct values for the ratio metric (its expected disagreement is
/// `O(V^2)`).
pub const MAX_RATIO_VALUES: usize = 20_000;
/// Units per parallel work item (fixed, so results never depend on thread count).
const UNIT_CHUNK: usize = 1024;

/// Ratings as long triples: rating `i` is `value[i]` given by `rater[i]` to `unit[i]`. Ids are
/// [`Codes`]: the factorizer's uint32 codes (or matrix indices), or a Categorical's / Enum's
/// physical ids read through a map (no code per row).
#[derive(Clone, Copy, Debug)]
pub struct Ratings<'a> {
    pub unit: Codes<'a>,
    pub rater: Codes<'a>,
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

/// Ratings grouped by unit: unit `u`'s ratings are `raters/values[offsets[u]..offsets[u + 1]]`.
/// Input that already lists each unit's ratings contiguously is borrowed as is; otherwise the
/// ratings are bucketed by unit (ascending id).
struct Grouped<'a> {
    offsets: Vec<usize>,
    units: Vec<u32>,
    raters: RaterCodes<'a>,
    values: Cow<'a, [f64]>,
}

/// The raters of the grouped ratings: the input's codes borrowed, or a copy, in 2 bytes a
/// rating when every code fits (raters are rarely more than 65,536; the copy was 4 of the 12
/// bytes a rating of the grouping's peak memory, issue 22).
enum RaterCodes<'a> {
    Wide(Cow<'a, [u32]>),
    Narrow(Vec<u16>),
}

impl RaterCodes<'_> {
    /// An empty copy of `n` ratings for codes up to `max`.
    fn zeros(n: usize, max: u32) -> Self {
        if u16::try_from(max).is_ok() {
            RaterCodes::Narrow(vec![0; n])
        } else {
            RaterCodes::Wide(Cow::Owned(vec![0; n]))
        }
    }
    #[inline]
    fn set(&mut self, i: usize, x: u32) {
        match self {
            // x <= u16::MAX here (`zeros`)
            RaterCodes::Narrow(v) => v[i] = x as u16,
            RaterCodes::Wide(v) => v.to_mut()[i] = x,
        }
    }
    #[inline]
    fn get(&self, i: usize) -> u32 {
        match self {
            RaterCodes::Narrow(v) => u32::from(v[i]),
            RaterCodes::Wide(v) => v[i],
        }
    }
    fn len(&self) -> usize {
        match self {
            RaterCodes::Narrow(v) => v.len(),
            RaterCodes::Wide(v) => v.len(),
        }
    }
    /// The codes of rows `r`.
    fn range(&self, r: std::ops::Range<usize>) -> impl Iterator<Item = u32> + '_ {
        let (wide, narrow): (&[u32], &[u16]) = match self {
            RaterCodes::Wide(v) => (&v[r], &[]),
            RaterCodes::Narrow(v) => (&[], &v[r]),
        };
        wide.iter()
            .copied()
            .chain(narrow.iter().map(|&x| u32::from(x)))
    }
}

impl Grouped<'_> {
    fn n_units(&self) -> usize {
        self.units.len()
    }
    fn size(&self, u: usize) -> usize {
        self.offsets[u + 1] - self.offsets[u]
    }
    fn vals(&self, u: usize) -> &[f64] {
        &self.values[self.offsets[u]..self.offsets[u + 1]]
    }
    fn raters_of(&self, u: usize) -> impl Iterator<Item = u32> + '_ {
        self.raters.range(self.offsets[u]..self.offsets[u + 1])
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
    if let Some(i) = crate::matrix::first_non_finite(r.value) {
        return input_err!(
            "rating {i} (unit {}, rater {}) has value {}; values must be finite (a missing rating is an absent row: drop it)",
            r.unit.get(i),
            r.rater.get(i),
            r.value[i]
        );
    }
    Ok(())
}

fn group<'a>(r: &Ratings<'a>) -> Result<Grouped<'a>> {
    check_ratings(r)?;
    let n = r.unit.len();
    // mapped codes (a Categorical's / Enum's ids) carry their largest code, and codes from 0
    // up are fine for the span (only listed units are kept): no pass decoding every row
    let (mut lo, mut hi) = (u32::MAX, 0u32);
    if r.unit.as_plain().is_none() {
        (lo, hi) = (0, r.unit.max().unwrap_or(0));
    } else {
        each_block([r.unit], 0..n, |_, [unit]| {
            for &u in unit {
                lo = lo.min(u);
                hi = hi.max(u);
            }
        });
    }
    let span = (u64::from(hi.saturating_sub(lo)) + 1) as usize;
    let g = if span <= (2 * n).max(1 << 20) {
        // already grouped? (each unit's ratings in one run)
        let mut seen = vec![false; span];
        let mut offsets = vec![0usize];
        let mut units = Vec::new();
        let mut grouped = true;
        let mut prev = None;
        // a block at a time, so that mapped codes stop being decoded once a unit comes back
        let mut at = 0;
        while grouped && at < n {
            let to = (at + crate::codes::BLOCK).min(n);
            each_block([r.unit], at..to, |start, [unit]| {
                for (k, &u) in unit.iter().enumerate() {
                    if prev == Some(u) {
                        continue;
                    }
                    let i = start + k;
                    prev = Some(u);
                    let s = &mut seen[(u - lo) as usize];
                    if *s {
                        grouped = false;
                        return;
                    }
                    *s = true;
                    if i > 0 {
                        offsets.push(i);
                    }
                    units.push(u);
                }
            });
            at = to;
        }
        if grouped {
            offsets.push(n);
            let raters = if let Some(p) = r.rater.as_plain() {
                RaterCodes::Wide(Cow::Borrowed(p))
            } else {
                let mut raters = RaterCodes::zeros(n, r.rater.max().unwrap_or(0));
                each_block([r.rater], 0..n, |start, [rater]| {
                    for (k, &x) in rater.iter().enumerate() {
                        raters.set(start + k, x);
                    }
                });
                raters
            };
            Grouped {
                offsets,
                units,
                raters,
                values: Cow::Borrowed(r.value),
            }
        } else {
            // counting sort by unit (stable)
            let mut cnt = vec![0usize; span + 1];
            each_block([r.unit], 0..n, |_, [unit]| {
                for &u in unit {
                    cnt[(u - lo) as usize + 1] += 1;
                }
            });
            for k in 0..span {
                cnt[k + 1] += cnt[k];
            }
            let mut offsets = vec![0usize];
            let mut units = Vec::new();
            for k in 0..span {
                if cnt[k + 1] > cnt[k] {
                    offsets.push(cnt[k + 1]);
                    units.push(lo + k as u32);
                }
            }
            let mut raters = RaterCodes::zeros(n, r.rater.max().unwrap_or(0));
            let mut values = vec![0f64; n];
            each_block([r.unit, r.rater], 0..n, |start, [unit, rater]| {
                for (k, (&u, &x)) in unit.iter().zip(rater).enumerate() {
                    let c = &mut cnt[(u - lo) as usize];
                    raters.set(*c, x);
                    values[*c] = r.value[start + k];
                    *c += 1;
                }
            });
            Grouped {
                offsets,
                units,
                raters,
                values: Cow::Owned(values),
            }
        }
    } else {
        let mut key: Vec<(u32, usize)> = (0..n).map(|i| (r.unit.get(i), i)).collect();
        key.par_sort_unstable();
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
        Grouped {
            offsets,
            units,
            raters: RaterCodes::Wide(Cow::Owned(
                key.par_iter().map(|e| r.rater.get(e.1)).collect(),
            )),
            values: Cow::Owned(key.par_iter().map(|e| r.value[e.1]).collect()),
        }
    };
    // one rating per (unit, rater): a "last unit seen" stamp per rater when rater ids are
    // compact, else a small sort per unit
    let (mut rlo, mut rhi) = (u32::MAX, 0u32);
    for x in g.raters.range(0..g.raters.len()) {
        rlo = rlo.min(x);
        rhi = rhi.max(x);
    }
    let rspan = u64::from(rhi.saturating_sub(rlo)) + 1;
    let all: Vec<usize> = (0..g.n_units()).collect();
    let dup = over_units(&all, |chunk| {
        if rspan <= 1 << 16 {
            let mut stamp = vec![usize::MAX; rspan as usize];
            for &u in chunk {
                for x in g.raters_of(u) {
                    let s = &mut stamp[(x - rlo) as usize];
                    if *s == u {
                        return Some((g.units[u], x));
                    }
                    *s = u;
                }
            }
        } else {
            let mut buf: Vec<u32> = Vec::new();
            for &u in chunk {
                buf.clear();
                buf.extend(g.raters_of(u));
                buf.sort_unstable();
                if let Some(w) = buf.windows(2).find(|w| w[0] == w[1]) {
                    return Some((g.units[u], w[0]));
                }
            }
        }
        None
    })
    .into_iter()
    .flatten()
    .next();
    if let Some((unit, rater)) = dup {
        let rows: Vec<usize> = (0..n)
            .filter(|&i| r.unit.get(i) == unit && r.rater.get(i) == rater)
            .take(2)
            .collect();
        return input_err!(
            "unit {unit}: rater {rater} rated it more than once (ratings {} and {}); keep one rating per rater and unit",
            rows[0],
            rows[1]
        );
    }
    Ok(g)
}

/// Runs `f(chunk of units)` over fixed chunks of units (in parallel), results in order.
fn over_units<T: Send>(units: &[usize], f: impl Fn(&[usize]) -> T + Sync + Send) -> Vec<T> {
    units.par_chunks(UNIT_CHUNK).map(f).collect()
}

/// Largest number of distinct values counted per unit with a dense scratch histogram.
const HIST_MAX_VALUES: usize = 1 << 16;

/// Values mapped to dense codes: `distinct` ascending (`-0.0` counts as `0.0`), `code[i]` the
/// code of `values[i]` of the grouped ratings.
struct Coded {
    distinct: Vec<f64>,
    code: Vec<u32>,
}

impl Coded {
    fn new(values: &[f64]) -> Result<Self> {
        let (lo, hi, integral) = values
            .par_iter()
            .with_min_len(1 << 14)
            .fold(
                || (f64::INFINITY, f64::NEG_INFINITY, true),
                |(lo, hi, int), &v| (lo.min(v), hi.max(v), int && v.fract() == 0.0),
            )
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY, true),
                |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 && b.2),
            );
        if integral && hi - lo < HIST_MAX_VALUES as f64 {
            // small integers (the usual rating scales): a lookup table
            let span = (hi - lo) as usize + 1;
            let mut present = vec![false; span];
            for &v in values {
                present[(v - lo) as usize] = true;
            }
            let mut map = vec![0u32; span];
            let mut distinct = Vec::new();
            for (k, &p) in present.iter().enumerate() {
                if p {
                    map[k] = distinct.len() as u32;
                    distinct.push(lo + k as f64 + 0.0);
                }
            }
            let code = values
                .par_iter()
                .with_min_len(1 << 14)
                .map(|&v| map[(v - lo) as usize])
                .collect();
            return Ok(Self { distinct, code });
        }
        let mut distinct: Vec<f64> = values.par_iter().map(|v| v + 0.0).collect();
        distinct.par_sort_unstable_by(f64::total_cmp);
        distinct.dedup();
        if distinct.len() > u32::MAX as usize {
            return Err(CoreError::Limit(format!(
                "{} distinct values is above the supported {}",
                distinct.len(),
                u32::MAX
            )));
        }
        let code = values
            .par_iter()
            .with_min_len(1 << 12)
            .map(|&v| {
                distinct
                    .binary_search_by(|p| p.total_cmp(&(v + 0.0)))
                    .unwrap_or(0) as u32
            })
            .collect();
        Ok(Self { distinct, code })
    }

    fn nv(&self) -> usize {
        self.distinct.len()
    }
}

/// Per-unit `(code, count)` runs, ascending by code, with reusable scratch space.
struct RunBuf {
    hist: Vec<u32>,
    touched: Vec<u32>,
    out: Vec<(u32, f64)>,
}

impl RunBuf {
    fn new(nv: usize) -> Self {
        Self {
            hist: if nv <= HIST_MAX_VALUES {
                vec![0; nv]
            } else {
                Vec::new()
            },
            touched: Vec::new(),
            out: Vec::new(),
        }
    }

    fn runs(&mut self, codes: &[u32]) -> &[(u32, f64)] {
        self.out.clear();
        self.touched.clear();
        if self.hist.is_empty() {
            self.touched.extend_from_slice(codes);
            self.touched.sort_unstable();
            for &c in &self.touched {
                match self.out.last_mut() {
                    Some(last) if last.0 == c => last.1 += 1.0,
                    _ => self.out.push((c, 1.0)),
                }
            }
        } else {
            for &c in codes {
                let h = &mut self.hist[c as usize];
                if *h == 0 {
                    self.touched.push(c);
                }
                *h += 1;
            }
            self.touched.sort_unstable();
            for &c in &self.touched {
                let h = &mut self.hist[c as usize];
                self.out.push((c, *h as f64));
                *h = 0;
            }
        }
        &self.out
    }
}

impl Grouped<'_> {
    fn codes_of<'c>(&self, c: &'c Coded, u: usize) -> &'c [u32] {
        &c.code[self.offsets[u]..self.offsets[u + 1]]
    }
}

/// Marginal counts `n_c` (per code) over the given units.
fn marginals(g: &Grouped, c: &Coded, units: &[usize]) -> Vec<f64> {
    let nv = c.nv();
    let parts = over_units(units, |chunk| {
        let mut rb = RunBuf::new(nv);
        let mut out: Vec<(u32, f64)> = Vec::new();
        for &u in chunk {
            out.extend_from_slice(rb.runs(g.codes_of(c, u)));
        }
        out
    });
    let mut n = vec![0.0; nv];
    for p in parts {
        for (k, x) in p {
            n[k as usize] += x;
        }
    }
    n
}

/// Moments of `(value, count)` pairs.
fn moments_of(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> (f64, f64, f64) {
    let (m, s) = pairs
        .clone()
        .fold((0.0, 0.0), |(m, s), (x, c)| (m + c, s + x * c));
    if m == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let mean = s / m;
    let m2 = pairs.map(|(x, c)| c * (x - mean) * (x - mean)).sum();
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
                r.unit.get(i),
                r.rater.get(i),
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
    let (obs, exp) = if metric == Metric::Interval {
        let parts = over_units(&units, |chunk| {
            let mut obs = 0.0;
            let mut items = Vec::with_capacity(chunk.len());
            for &u in chunk {
                let v = g.vals(u);
                let item = shifted_sums(v.iter().copied());
                obs += interval_observed(item);
                items.push(item);
            }
            (obs, items)
        });
        let obs: f64 = parts.iter().map(|p| p.0).sum();
        let (_, _, m2) = pooled_moments(parts.iter().flat_map(|p| p.1.iter().copied()));
        (obs, 2.0 * nf * m2)
    } else {
        let coded = Coded::new(&g.values)?;
        let nv = coded.nv();
        if metric == Metric::Ratio && nv > MAX_RATIO_VALUES {
            return Err(CoreError::Limit(format!(
                "the ratio metric compares all pairs of distinct values; {nv} distinct values is above the supported {MAX_RATIO_VALUES}"
            )));
        }
        let marg = marginals(&g, &coded, &units);
        let val = &coded.distinct;
        // ordinal: mid-cumulative ranks M_c = sum_{g < c} n_g + n_c / 2
        let rank: Vec<f64> = if metric == Metric::Ordinal {
            let mut cum = 0.0;
            marg.iter()
                .map(|&c| {
                    let m = cum + c / 2.0;
                    cum += c;
                    m
                })
                .collect()
        } else {
            Vec::new()
        };
        let obs: f64 = over_units(&units, |chunk| {
            let mut rb = RunBuf::new(nv);
            let mut obs = 0.0;
            for &u in chunk {
                let rs = rb.runs(g.codes_of(&coded, u));
                let m = g.size(u) as f64;
                let d = match metric {
                    Metric::Nominal => m * m - rs.iter().map(|r| r.1 * r.1).sum::<f64>(),
                    Metric::Ordinal => {
                        2.0 * m * moments_of(rs.iter().map(|&(k, c)| (rank[k as usize], c))).2
                    }
                    _ => {
                        let mut s = 0.0;
                        for a in 0..rs.len() {
                            for b in a + 1..rs.len() {
                                s += rs[a].1
                                    * rs[b].1
                                    * ratio_d2(val[rs[a].0 as usize], val[rs[b].0 as usize]);
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
            Metric::Nominal => nf * nf - marg.iter().map(|c| c * c).sum::<f64>(),
            Metric::Ordinal => {
                2.0 * nf * moments_of(rank.iter().zip(&marg).map(|(&m, &c)| (m, c))).2
            }
            _ => {
                let rows: Vec<f64> = (0..nv)
                    .into_par_iter()
                    .with_min_len(64)
                    .map(|a| {
                        let mut s = 0.0;
                        for b in a + 1..nv {
                            s += marg[b] * ratio_d2(val[a], val[b]);
                        }
                        marg[a] * s
                    })
                    .collect();
                2.0 * rows.iter().sum::<f64>()
            }
        };
        (obs, exp)
    };
    alpha_result(obs, exp, n, units.len())
}

/// One unit's interval statistics: `(count, first value, sum of (v - first), sum of
/// (v - first)^2)`. Shifting by the unit's first value keeps integer ratings exact however
/// large their offset.
type ShiftedSums = (f64, f64, f64, f64);

fn shifted_sums(values: impl Iterator<Item = f64>) -> ShiftedSums {
    let mut it = values.peekable();
    let first = it.peek().copied().unwrap_or(0.0);
    it.fold((0.0, first, 0.0, 0.0), |(m, f, s1, s2), v| {
        let x = v - f;
        (m + 1.0, f, s1 + x, s2 + x * x)
    })
}

/// A unit's observed interval term `sum_{i != j} (v_i - v_j)^2 / (m - 1) = 2 m M2 / (m - 1)`.
fn interval_observed((m, _, s1, s2): ShiftedSums) -> f64 {
    2.0 * m * (s2 - s1 * s1 / m).max(0.0) / (m - 1.0)
}

/// `(n, units, M2)` of all the units' values pooled, from sums shifted by the first unit's
/// first value.
fn pooled_moments(items: impl Iterator<Item = ShiftedSums>) -> (f64, usize, f64) {
    let (mut n, mut units, mut t1, mut t2, mut k) = (0.0, 0usize, 0.0, 0.0, None);
    for (m, f, s1, s2) in items {
        let o = f - *k.get_or_insert(f);
        n += m;
        units += 1;
        t1 += s1 + m * o;
        t2 += s2 + 2.0 * o * s1 + m * o * o;
    }
    if n == 0.0 {
        return (0.0, 0, 0.0);
    }
    (n, units, (t2 - t1 * t1 / n).max(0.0))
}

/// Alpha from the summed observed term `sum o_ck d2_ck` and expected term `sum n_c n_k d2_ck`.
fn alpha_result(obs: f64, exp: f64, n: usize, n_units: usize) -> Result<AlphaResult> {
    let nf = n as f64;
    if exp.is_nan() || exp <= 0.0 {
        return input_err!(
            "alpha is undefined: all {n} pairable values are the same, so there is no expected disagreement"
        );
    }
    Ok(AlphaResult {
        alpha: 1.0 - (nf - 1.0) * obs / exp,
        observed: obs / nf,
        expected: exp / (nf * (nf - 1.0)),
        n_pairable: n,
        n_units,
    })
}

/// A cell `(rater, item)` of a dense ratings matrix.
type Cell = (usize, usize);

/// Columns per parallel block of a dense ratings matrix (fixed, so results never depend on the
/// thread count; 2,048 float64 columns are a 16 KiB segment of each row).
const DENSE_BLOCK: usize = 2048;

/// A row-major `raters x items` matrix of ratings with NaN for missing ratings (Krippendorff's
/// reliability-data layout). Every other value must be finite.
#[derive(Clone, Copy, Debug)]
pub struct DenseRatings<'a> {
    data: &'a [f64],
    raters: usize,
    items: usize,
}

impl<'a> DenseRatings<'a> {
    pub fn new(data: &'a [f64], raters: usize, items: usize) -> Result<Self> {
        if raters.checked_mul(items) != Some(data.len()) {
            return input_err!(
                "a {raters} x {items} ratings matrix needs {} values, got {}",
                raters.saturating_mul(items),
                data.len()
            );
        }
        if items > u32::MAX as usize || raters > u32::MAX as usize {
            return input_err!(
                "a {raters} x {items} ratings matrix is above the 2^32 - 1 raters or items supported"
            );
        }
        Ok(DenseRatings {
            data,
            raters,
            items,
        })
    }

    /// Column ranges of the parallel blocks, in order.
    fn blocks(&self) -> Vec<(usize, usize)> {
        (0..self.items.div_ceil(DENSE_BLOCK))
            .map(|b| (b * DENSE_BLOCK, ((b + 1) * DENSE_BLOCK).min(self.items)))
            .collect()
    }

    /// Visit the present ratings of columns `c0..c1` row by row: `f(rater, column - c0, value)`.
    /// Returns the first infinite cell `(rater, item)` of the block in row-major order, if any.
    fn scan(
        &self,
        c0: usize,
        c1: usize,
        mut f: impl FnMut(usize, usize, f64),
    ) -> Option<(usize, usize)> {
        let mut bad = None;
        for r in 0..self.raters {
            let row = &self.data[r * self.items + c0..r * self.items + c1];
            for (j, &v) in row.iter().enumerate() {
                if v.is_nan() {
                    continue;
                }
                if v.is_infinite() {
                    bad = bad.or(Some((r, c0 + j)));
                    continue;
                }
                f(r, j, v);
            }
        }
        bad
    }
}

fn first_infinite(
    d: &DenseRatings,
    bad: impl Iterator<Item = Option<(usize, usize)>>,
) -> Result<()> {
    match bad.flatten().min() {
        Some((r, u)) => input_err!(
            "rating of rater {r} for item {u} is {}; values must be finite (NaN marks a missing rating)",
            d.data[r * d.items + u]
        ),
        None => Ok(()),
    }
}

/// The present ratings of a dense matrix as long triples in item-major order (each unit's
/// ratings contiguous, raters ascending), ready for [`krippendorff_alpha`] and the kappas
/// without regrouping. Two parallel passes over column blocks: count, then fill.
pub fn matrix_to_long(
    d: &DenseRatings,
    threads: Option<usize>,
) -> Result<(Vec<u32>, Vec<u32>, Vec<f64>)> {
    with_threads(threads, || {
        let blocks = d.blocks();
        let counted: Vec<(Vec<usize>, Option<Cell>)> = blocks
            .par_iter()
            .map(|&(c0, c1)| {
                let mut cnt = vec![0usize; c1 - c0];
                let bad = d.scan(c0, c1, |_, j, _| cnt[j] += 1);
                (cnt, bad)
            })
            .collect();
        first_infinite(d, counted.iter().map(|c| c.1))?;
        let total: usize = counted.iter().map(|c| c.0.iter().sum::<usize>()).sum();
        let (mut unit, mut rater, mut value) =
            (vec![0u32; total], vec![0u32; total], vec![0f64; total]);
        // Each block fills its own disjoint range of the outputs.
        let mut parts = Vec::with_capacity(blocks.len());
        let (mut ut, mut rt, mut vt) = (
            unit.as_mut_slice(),
            rater.as_mut_slice(),
            value.as_mut_slice(),
        );
        for ((c0, c1), (cnt, _)) in blocks.iter().zip(&counted) {
            let len: usize = cnt.iter().sum();
            let (u, ur) = std::mem::take(&mut ut).split_at_mut(len);
            let (r, rr) = std::mem::take(&mut rt).split_at_mut(len);
            let (v, vr) = std::mem::take(&mut vt).split_at_mut(len);
            (ut, rt, vt) = (ur, rr, vr);
            parts.push((*c0, *c1, cnt, u, r, v));
        }
        parts.into_par_iter().for_each(|(c0, c1, cnt, u, r, v)| {
            let mut cursor = Vec::with_capacity(cnt.len());
            let mut at = 0usize;
            for &c in cnt {
                cursor.push(at);
                at += c;
            }
            d.scan(c0, c1, |rt, j, x| {
                let k = cursor[j];
                cursor[j] += 1;
                // (both below 2^32: checked by `DenseRatings::new`)
                u[k] = (c0 + j) as u32;
                r[k] = rt as u32;
                v[k] = x;
            });
        });
        Ok((unit, rater, value))
    })?
}

/// Krippendorff's alpha of a dense ratings matrix. The interval metric is computed in one
/// parallel pass from per-item moments (count, mean, sum of squared deviations, accumulated
/// around the item's first value so large offsets lose no precision) without building the long
/// table; the other metrics go through [`matrix_to_long`] and [`krippendorff_alpha`].
pub fn krippendorff_alpha_dense(
    d: &DenseRatings,
    metric: Metric,
    threads: Option<usize>,
) -> Result<AlphaResult> {
    if metric != Metric::Interval {
        let (unit, rater, value) = matrix_to_long(d, threads)?;
        let r = Ratings {
            unit: Codes::Plain(&unit),
            rater: Codes::Plain(&rater),
            value: &value,
        };
        return krippendorff_alpha(&r, metric, threads);
    }
    with_threads(threads, || {
        // Per block: its observed term, the shifted sums of its pairable items, its first
        // infinite cell.
        let parts: Vec<(f64, Vec<ShiftedSums>, Option<Cell>)> = d
            .blocks()
            .par_iter()
            .map(|&(c0, c1)| {
                let w = c1 - c0;
                let (mut cnt, mut first) = (vec![0u32; w], vec![0f64; w]);
                let (mut s1, mut s2) = (vec![0f64; w], vec![0f64; w]);
                let bad = d.scan(c0, c1, |_, j, v| {
                    if cnt[j] == 0 {
                        first[j] = v;
                    }
                    let x = v - first[j];
                    cnt[j] += 1;
                    s1[j] += x;
                    s2[j] += x * x;
                });
                let mut obs = 0.0;
                let mut items = Vec::new();
                for j in (0..w).filter(|&j| cnt[j] >= 2) {
                    let item = (cnt[j] as f64, first[j], s1[j], s2[j]);
                    obs += interval_observed(item);
                    items.push(item);
                }
                (obs, items, bad)
            })
            .collect();
        first_infinite(d, parts.iter().map(|p| p.2))?;
        let obs: f64 = parts.iter().map(|p| p.0).sum();
        let (n, units, m2) = pooled_moments(parts.iter().flat_map(|p| p.1.iter().copied()));
        if units == 0 {
            return input_err!(
                "no unit has ratings from two or more raters, so there are no pairable values and alpha is undefined"
            );
        }
        alpha_result(obs, 2.0 * n * m2, n as usize, units)
    })?
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
    if pe.is_nan() || pe >= 1.0 {
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
        let coded = Coded::new(&g.values)?;
        let nc = coded.nv();
        if nu.saturating_mul(nc) > 500_000_000 {
            return Err(CoreError::Limit(format!(
                "{nu} units x {nc} categories is too large a count table for Fleiss' kappa"
            )));
        }
        let mut counts = vec![0.0; nu * nc];
        for u in 0..nu {
            for &c in g.codes_of(&coded, u) {
                counts[u * nc + c as usize] += 1.0;
            }
        }
        fleiss_kappa_counts(&counts, nu, nc)
    })?
}

/// Cohen's kappa for exactly two raters over the units both rated.
pub fn cohen_kappa(r: &Ratings, threads: Option<usize>) -> Result<KappaResult> {
    with_threads(threads, || -> Result<KappaResult> {
        let g = group(r)?;
        let mut raters: Vec<u32> = g.raters.range(0..g.raters.len()).collect();
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
                let (o, v) = (g.offsets[u], &g.values);
                let (a, b) = if g.raters.get(o) == ra {
                    (v[o], v[o + 1])
                } else {
                    (v[o + 1], v[o])
                };
                pairs.push((a + 0.0, b + 0.0));
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
        if pe.is_nan() || pe >= 1.0 {
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
        let coded = Coded::new(&g.values)?;
        let parts = over_units(&units, |chunk| {
            let mut rb = RunBuf::new(coded.nv());
            let (mut agree, mut pairs) = (0.0, 0.0);
            for &u in chunk {
                let rs = rb.runs(g.codes_of(&coded, u));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Ids;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Long triples from a dense `raters x units` table (NaN = missing).
    fn long(table: &[&[f64]]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
        for (i, row) in table.iter().enumerate() {
            for (j, &x) in row.iter().enumerate() {
                if !x.is_nan() {
                    u.push(j as u32);
                    r.push(i as u32);
                    v.push(x);
                }
            }
        }
        (u, r, v)
    }

    const NA: f64 = f64::NAN;

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers
    /// x 12 units with missing values (unit 12 has a single value and is not pairable).
    fn kripp_example() -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        long(&[
            &[1., 2., 3., 3., 2., 1., 4., 1., 2., NA, NA, NA],
            &[1., 2., 3., 3., 2., 2., 4., 1., 2., 5., NA, 3.],
            &[NA, 3., 3., 3., 2., 3., 4., 2., 2., 5., 1., NA],
            &[1., 2., 3., 3., 2., 4., 4., 1., 2., 5., 1., NA],
        ])
    }

    /// The coincidence matrix and the definitions, literally (slow reference).
    fn slow_alpha(u: &[u32], r: &[u32], v: &[f64], metric: Metric) -> f64 {
        let mut vals: Vec<f64> = v.to_vec();
        vals.sort_by(f64::total_cmp);
        vals.dedup();
        let nv = vals.len();
        let code = |x: f64| vals.iter().position(|&y| y == x).unwrap();
        let mut units: Vec<u32> = u.to_vec();
        units.sort_unstable();
        units.dedup();
        let mut o = vec![0.0; nv * nv];
        for &unit in &units {
            let idx: Vec<usize> = (0..u.len()).filter(|&i| u[i] == unit).collect();
            let m = idx.len() as f64;
            if idx.len() < 2 {
                continue;
            }
            for &i in &idx {
                for &j in &idx {
                    if i != j && r[i] != r[j] {
                        o[code(v[i]) * nv + code(v[j])] += 1.0 / (m - 1.0);
                    }
                }
            }
        }
        let nc: Vec<f64> = (0..nv)
            .map(|c| (0..nv).map(|k| o[c * nv + k]).sum())
            .collect();
        let n: f64 = nc.iter().sum();
        let d2 = |c: usize, k: usize| -> f64 {
            let (a, b) = (vals[c], vals[k]);
            match metric {
                Metric::Nominal => (c != k) as u8 as f64,
                Metric::Interval => (a - b) * (a - b),
                Metric::Ratio => {
                    if a + b == 0.0 {
                        0.0
                    } else {
                        ((a - b) / (a + b)).powi(2)
                    }
                }
                Metric::Ordinal => {
                    let (lo, hi) = (c.min(k), c.max(k));
                    let s: f64 =
                        (lo..=hi).map(|g| nc[g]).sum::<f64>() - f64::midpoint(nc[c], nc[k]);
                    s * s
                }
            }
        };
        let (mut num, mut den) = (0.0, 0.0);
        for c in 0..nv {
            for k in 0..nv {
                num += o[c * nv + k] * d2(c, k);
                den += nc[c] * nc[k] * d2(c, k);
            }
        }
        1.0 - (n - 1.0) * num / den
    }

    #[test]
    fn stats_krippendorff_published_example() {
        let (u, r, v) = kripp_example();
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        // published values (Krippendorff 2011): 0.743, 0.815, 0.849, 0.797
        for (metric, want) in [
            (Metric::Nominal, 0.743),
            (Metric::Ordinal, 0.815),
            (Metric::Interval, 0.849),
            (Metric::Ratio, 0.797),
        ] {
            let a = krippendorff_alpha(&rt, metric, Some(2)).unwrap();
            assert!((a.alpha - want).abs() < 5e-4, "{metric:?}: {}", a.alpha);
            assert!((a.alpha - slow_alpha(&u, &r, &v, metric)).abs() < 1e-12);
            assert_eq!((a.n_pairable, a.n_units), (40, 11));
            assert!((a.alpha - (1.0 - a.observed / a.expected)).abs() < 1e-12);
        }
        // nominal by hand: disagreeing coincidences 2 (unit 2) + 4 (unit 6) + 2 (unit 8) = 8
        // of n = 40; n_c = (9, 13, 10, 5, 3), sum n_c^2 = 384, so
        // alpha = 1 - 39 * 8 / (1600 - 384) = 1 - 312 / 1216 = 0.74342...
        let a = krippendorff_alpha(&rt, Metric::Nominal, None).unwrap();
        assert!((a.observed - 8.0 / 40.0).abs() < 1e-12, "{}", a.observed);
        assert!((a.alpha - (1.0 - 312.0 / 1216.0)).abs() < 1e-14);
    }

    #[test]
    fn stats_krippendorff_random_vs_slow() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for trial in 0..40 {
            let (nr, nu) = (rng.random_range(2..7), rng.random_range(2..30));
            let nvals = rng.random_range(2..6);
            let miss = rng.random::<f64>() * 0.6;
            let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
            for unit in 0..nu {
                for rater in 0..nr {
                    if rng.random::<f64>() >= miss {
                        // sparse unit ids in some trials exercise the sorting path
                        u.push(if trial % 3 == 0 {
                            unit as u32 * 100_000_007 + 3
                        } else {
                            unit as u32
                        });
                        r.push(rater as u32 * 7);
                        v.push(rng.random_range(0..nvals) as f64 * 1.5);
                    }
                }
            }
            // shuffle the rows
            for i in (1..u.len()).rev() {
                let j = rng.random_range(0..=i);
                u.swap(i, j);
                r.swap(i, j);
                v.swap(i, j);
            }
            let rt = Ratings {
                unit: Codes::Plain(&u),
                rater: Codes::Plain(&r),
                value: &v,
            };
            for metric in [
                Metric::Nominal,
                Metric::Ordinal,
                Metric::Interval,
                Metric::Ratio,
            ] {
                let slow = slow_alpha(&u, &r, &v, metric);
                // the same ratings listed unit by unit take the borrowed (grouped) path
                let mut idx: Vec<usize> = (0..u.len()).collect();
                idx.sort_by_key(|&i| (u[i], i));
                let (u2, r2, v2): (Vec<u32>, Vec<u32>, Vec<f64>) = (
                    idx.iter().map(|&i| u[i]).collect(),
                    idx.iter().map(|&i| r[i]).collect(),
                    idx.iter().map(|&i| v[i]).collect(),
                );
                let grouped = krippendorff_alpha(
                    &Ratings {
                        unit: Codes::Plain(&u2),
                        rater: Codes::Plain(&r2),
                        value: &v2,
                    },
                    metric,
                    Some(2),
                );
                match krippendorff_alpha(&rt, metric, Some(2)) {
                    Ok(a) => {
                        assert!((grouped.unwrap().alpha - a.alpha).abs() < 1e-12);
                        assert!(
                            (a.alpha - slow).abs() < 1e-10,
                            "trial {trial} {metric:?}: {} vs {slow}",
                            a.alpha
                        );
                        assert_eq!(a, krippendorff_alpha(&rt, metric, Some(1)).unwrap());
                    }
                    Err(e) => assert!(
                        !slow.is_finite(),
                        "trial {trial} {metric:?}: {e} but slow {slow}"
                    ),
                }
            }
        }
    }

    #[test]
    fn stats_krippendorff_large_deterministic() {
        // enough units for several parallel chunks; 1 vs 2 threads identical
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
        for unit in 0..5000u32 {
            let truth = rng.random_range(1..8) as f64;
            for rater in 0..20u32 {
                if rng.random::<f64>() < 0.2 {
                    u.push(unit);
                    r.push(rater);
                    let noise = rng.random_range(-1..=1) as f64;
                    v.push((truth + noise).max(0.0));
                }
            }
        }
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        for metric in [
            Metric::Nominal,
            Metric::Ordinal,
            Metric::Interval,
            Metric::Ratio,
        ] {
            let a = krippendorff_alpha(&rt, metric, Some(1)).unwrap();
            let b = krippendorff_alpha(&rt, metric, Some(2)).unwrap();
            assert_eq!(a, b);
            assert!(a.alpha > 0.1 && a.alpha < 1.0, "{metric:?} {}", a.alpha);
        }
        let a = krippendorff_alpha(&rt, Metric::Interval, Some(2)).unwrap();
        assert!((a.alpha - slow_alpha(&u, &r, &v, Metric::Interval)).abs() < 1e-10);
    }

    /// Units and raters given as physical ids through maps give what their codes give, on
    /// every grouping path (already grouped, counting sort, sorted keys for a wide unit span)
    /// and with raters copied in 2 bytes (codes up to 65,535) or 4; a duplicate rating is
    /// found through the narrow copy too.
    #[test]
    fn stats_agreement_mapped_ids_and_narrow_raters() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // physical id c + 1 holds code c (id 0 occurs nowhere)
        let map_to = |max: u32| -> Vec<u32> { std::iter::once(u32::MAX).chain(0..=max).collect() };
        for (unit_step, rater_step, grouped) in [
            (1u32, 1u32, true),
            (1, 1, false),
            (1, 3_500, false),
            (400, 1, false),
            (1, 3_500, true),
        ] {
            let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
            for unit in 0..3_000u32 {
                let truth = rng.random_range(1..6) as f64;
                for rater in 0..20u32 {
                    if rng.random::<f64>() < 0.3 {
                        u.push(unit * unit_step);
                        r.push(rater * rater_step);
                        v.push(truth + f64::from(rng.random_range(-1i32..=1)));
                    }
                }
            }
            if !grouped {
                // rater-major: every unit's ratings scattered
                let mut idx: Vec<usize> = (0..u.len()).collect();
                idx.sort_by_key(|&i| (r[i], u[i]));
                (u, r, v) = (
                    idx.iter().map(|&i| u[i]).collect(),
                    idx.iter().map(|&i| r[i]).collect(),
                    idx.iter().map(|&i| v[i]).collect(),
                );
            }
            let (umap, rmap) = (map_to(2_999 * unit_step), map_to(19 * rater_step));
            let uids: Vec<u32> = u.iter().map(|&c| c + 1).collect();
            let rids: Vec<u32> = r.iter().map(|&c| c + 1).collect();
            let plain = Ratings {
                unit: Codes::Plain(&u),
                rater: Codes::Plain(&r),
                value: &v,
            };
            let mapped = Ratings {
                unit: Codes::mapped(Ids::U32(&uids), &umap, "unit").unwrap(),
                rater: Codes::mapped(Ids::U32(&rids), &rmap, "rater").unwrap(),
                value: &v,
            };
            for metric in [Metric::Nominal, Metric::Interval, Metric::Ratio] {
                let a = krippendorff_alpha(&plain, metric, Some(2)).unwrap();
                assert_eq!(a, krippendorff_alpha(&mapped, metric, Some(2)).unwrap());
            }
            let a = krippendorff_alpha(&mapped, Metric::Interval, Some(2)).unwrap();
            assert!((a.alpha - slow_alpha(&u, &r, &v, Metric::Interval)).abs() < 1e-10);
            assert_eq!(
                percent_agreement(&plain, None).unwrap(),
                percent_agreement(&mapped, None).unwrap()
            );
            // a second rating by the same rater of the same unit, last
            let (mut u2, mut r2, mut v2) = (u.clone(), r.clone(), v.clone());
            u2.push(u[0]);
            r2.push(r[0]);
            v2.push(1.0);
            let uids2: Vec<u32> = u2.iter().map(|&c| c + 1).collect();
            let rids2: Vec<u32> = r2.iter().map(|&c| c + 1).collect();
            let dup = Ratings {
                unit: Codes::mapped(Ids::U32(&uids2), &umap, "unit").unwrap(),
                rater: Codes::mapped(Ids::U32(&rids2), &rmap, "rater").unwrap(),
                value: &v2,
            };
            let e = krippendorff_alpha(&dup, Metric::Interval, None).unwrap_err();
            let want = format!(
                "unit {}: rater {} rated it more than once (ratings 0 and {})",
                u[0],
                r[0],
                u.len()
            );
            assert!(e.to_string().contains(&want), "{e}");
        }
        // narrow and wide copies of the raters read the same codes
        let wide = RaterCodes::zeros(3, 70_000);
        let narrow = RaterCodes::zeros(3, 65_535);
        assert!(matches!(wide, RaterCodes::Wide(_)) && matches!(narrow, RaterCodes::Narrow(_)));
        for mut c in [wide, narrow] {
            c.set(1, 65_535);
            c.set(2, 7);
            assert_eq!(c.range(0..3).collect::<Vec<_>>(), vec![0, 65_535, 7]);
            assert_eq!((c.get(1), c.len()), (65_535, 3));
        }
    }

    #[test]
    fn stats_agreement_errors() {
        let (u, r, v) = ([0u32, 0, 1], [0u32, 0, 1], [1.0, 2.0, 3.0]);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        let e = krippendorff_alpha(&rt, Metric::Nominal, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("unit 0: rater 0 rated it more than once (ratings 0 and 1)"),
            "{e}"
        );
        let (u, r, v) = ([0u32, 0], [0u32, 1], [1.0, f64::NAN]);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        let e = krippendorff_alpha(&rt, Metric::Interval, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("rating 1 (unit 0, rater 1) has value NaN"),
            "{e}"
        );
        let (u, r, v) = ([0u32, 0], [0u32, 1], [1.0, -1.0]);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        assert!(krippendorff_alpha(&rt, Metric::Ratio, None)
            .unwrap_err()
            .to_string()
            .contains(">= 0"));
        // no pairable values, no variation
        let (u, r, v) = ([0u32, 1], [0u32, 1], [1.0, 2.0]);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        assert!(krippendorff_alpha(&rt, Metric::Nominal, None)
            .unwrap_err()
            .to_string()
            .contains("pairable"));
        let (u, r, v) = ([0u32, 0], [0u32, 1], [2.0, 2.0]);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        assert!(krippendorff_alpha(&rt, Metric::Nominal, None)
            .unwrap_err()
            .to_string()
            .contains("undefined"));
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v[..1],
        };
        assert!(krippendorff_alpha(&rt, Metric::Nominal, None).is_err());
        let e: [u32; 0] = [];
        let rt = Ratings {
            unit: Codes::Plain(&e),
            rater: Codes::Plain(&e),
            value: &[],
        };
        assert!(percent_agreement(&rt, None).is_err());
    }

    #[test]
    fn stats_agreement_run_counting_paths() {
        let codes = [3u32, 1, 3, 0, 3, 1];
        let mut dense = RunBuf::new(4);
        let mut sorted = RunBuf::new(HIST_MAX_VALUES + 1);
        let want = vec![(0u32, 1.0), (1, 2.0), (3, 3.0)];
        assert_eq!(dense.runs(&codes).to_vec(), want);
        assert_eq!(dense.runs(&codes).to_vec(), want); // scratch was reset
        assert_eq!(sorted.runs(&codes).to_vec(), want);
        // non-integer values take the sorted-distinct path; -0.0 is 0.0
        let c = Coded::new(&[2.5, -0.0, 0.0, 2.5, 1e9]).unwrap();
        assert_eq!(c.distinct, vec![0.0, 2.5, 1e9]);
        assert_eq!(c.code, vec![1, 0, 0, 1, 2]);
        let c = Coded::new(&[5.0, -0.0, 2.0]).unwrap();
        assert_eq!(c.distinct, vec![0.0, 2.0, 5.0]);
        assert_eq!(c.code, vec![2, 0, 1]);
    }

    /// Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
    const FLEISS: [[f64; 5]; 10] = [
        [0., 0., 0., 0., 14.],
        [0., 2., 6., 4., 2.],
        [0., 0., 3., 5., 6.],
        [0., 3., 9., 2., 0.],
        [2., 2., 8., 1., 1.],
        [7., 7., 0., 0., 0.],
        [3., 2., 6., 3., 0.],
        [2., 5., 3., 2., 2.],
        [6., 5., 2., 1., 0.],
        [0., 2., 2., 3., 7.],
    ];

    #[test]
    fn stats_fleiss_wikipedia() {
        let counts: Vec<f64> = FLEISS.iter().flatten().copied().collect();
        let k = fleiss_kappa_counts(&counts, 10, 5).unwrap();
        assert!((k.kappa - 0.210).abs() < 5e-4, "{}", k.kappa);
        assert!((k.observed - 0.378).abs() < 5e-4, "{}", k.observed);
        assert!((k.expected - 0.213).abs() < 5e-4, "{}", k.expected);
        // the same as long ratings (raters 0..14 per subject, categories 1..5)
        let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
        for (s, row) in FLEISS.iter().enumerate() {
            let mut rater = 0;
            for (c, &cnt) in row.iter().enumerate() {
                for _ in 0..cnt as usize {
                    u.push(s as u32);
                    r.push(rater);
                    v.push(c as f64 + 1.0);
                    rater += 1;
                }
            }
        }
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        let l = fleiss_kappa(&rt, Some(2)).unwrap();
        assert!((l.kappa - k.kappa).abs() < 1e-15);
        // percent agreement pooled over pairs = P-bar when every unit has 14 ratings
        let p = percent_agreement(&rt, None).unwrap();
        assert!((p.agreement - k.observed).abs() < 1e-12);
        assert_eq!(p.n_pairs, 10.0 * 91.0);
        // unequal counts are an error naming the unit
        let e = fleiss_kappa(
            &Ratings {
                unit: Codes::Plain(&u[1..]),
                rater: Codes::Plain(&r[1..]),
                value: &v[1..],
            },
            None,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("unit 1 has 14 ratings but unit 0 has 13"),
            "{e}"
        );
        let mut bad = counts.clone();
        bad[0] = 1.0;
        assert!(fleiss_kappa_counts(&bad, 10, 5).is_err());
        assert!(fleiss_kappa_counts(&counts, 10, 4).is_err());
    }

    #[test]
    fn stats_cohen_textbook() {
        // Wikipedia, "Cohen's kappa": 50 applications, yes/yes 20, yes/no 5, no/yes 10, no/no 15:
        // p_o = 0.7, p_e = 0.5, kappa = 0.4
        let (mut u, mut r, mut v) = (vec![], vec![], vec![]);
        let mut unit = 0;
        for (a, b, n) in [
            (1.0, 1.0, 20),
            (1.0, 0.0, 5),
            (0.0, 1.0, 10),
            (0.0, 0.0, 15),
        ] {
            for _ in 0..n {
                u.extend([unit, unit]);
                r.extend([10, 20]);
                v.extend([a, b]);
                unit += 1;
            }
        }
        // one unit rated by only one rater is ignored
        u.push(999);
        r.push(10);
        v.push(1.0);
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        let k = cohen_kappa(&rt, None).unwrap();
        assert!((k.kappa - 0.4).abs() < 1e-12, "{}", k.kappa);
        assert!((k.observed - 0.7).abs() < 1e-12 && (k.expected - 0.5).abs() < 1e-12);
        assert_eq!(k.n_units, 50);
        let p = percent_agreement(&rt, Some(1)).unwrap();
        assert!((p.agreement - 0.7).abs() < 1e-12);
        // three raters is an error
        r[0] = 30;
        let rt = Ratings {
            unit: Codes::Plain(&u),
            rater: Codes::Plain(&r),
            value: &v,
        };
        assert!(cohen_kappa(&rt, None)
            .unwrap_err()
            .to_string()
            .contains("exactly two raters"));
    }
}
