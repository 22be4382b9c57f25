//! Edge signals and arbiter decisions for many prompts in one call.
//!
//! Rows are candidates (responses), grouped into prompts by CSR `offsets`. Per prompt, in one
//! pass over the candidate pairs:
//!
//! - **constraint tiers** (lexicographic, in priority order): a hard threshold removes every
//!   candidate worse than it; a tolerance keeps the candidates within `tol` (or `tol * |best|`)
//!   of the best survivor. The survivors are the *admissible* candidates.
//! - **Pareto front** of the admissible candidates (maximizing gains `s_j * x_j`).
//! - **choice**: the front member with the smallest range-normalized weighted Chebyshev
//!   distance to the ideal point of the admissible set,
//!   `d_i = max_j w_j (z_j - g_ij) / (z_j - n_j)` (terms with `z_j == n_j` are 0), ties broken by
//!   the lexicographically largest gain vector, then by the lowest row (so the choice does not
//!   depend on candidate order). Done for every admissible weight row; row 0 is the choice.
//! - **value conflict**: share of candidate pairs (all candidates) that are Pareto-incomparable
//!   (each better somewhere), and the minimum Kendall tau-b between any two objectives.
//!
//! Work is split into fixed blocks of prompts, so results do not depend on the thread count.

use rayon::prelude::*;

use crate::error::{CoreError, Result};
use crate::matrix::{check_directions, MatrixView};
use crate::offsets::Offsets;

/// One constraint tier on objective `objective` (index).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TierSpec {
    pub objective: usize,
    /// Hard floor in the objective's own direction (`x >= t` for max, `x <= t` for min).
    pub threshold: Option<f64>,
    /// Lexicographic tolerance (>= 0) below the best survivor.
    pub tolerance: Option<f64>,
    /// Tolerance as a fraction of `|best|`.
    pub relative: bool,
}

/// Parameters shared by every prompt.
#[derive(Clone, Debug)]
pub struct EdgeParams<'a> {
    pub maximize: &'a [bool],
    pub tiers: &'a [TierSpec],
    /// `W x m` row-major admissible weight rows; row 0 gives the choice.
    pub weights: &'a [f64],
}

/// Per-row and per-prompt outputs. Chosen indices are local to the prompt (-1: none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EdgeOut {
    pub admissible: Vec<bool>,
    pub front: Vec<bool>,
    pub n_admissible: Vec<u32>,
    pub n_front: Vec<u32>,
    pub chosen: Vec<i64>,
    pub conflict: Vec<f64>,
    pub min_tau: Vec<f64>,
    pub n_choices: Vec<u32>,
}

const BLOCK: usize = 2048;

/// Most bytes the pairwise comparison of one prompt's candidates may take: the kernel keeps
/// `k (k - 1) / 2 x (m + 2)` bytes of pair signs for a prompt with `k` candidates and `m`
/// objectives, per thread. 256 MiB allows about 9,400 candidates in one prompt at m = 4.
pub const MAX_PAIR_BYTES: u128 = 256 << 20;

/// Validate parameters, then run every prompt.
pub fn edge_batch(view: &MatrixView, offsets: &[usize], p: &EdgeParams) -> Result<EdgeOut> {
    let (n, m) = (view.nrows(), view.ncols());
    check_directions(p.maximize, m)?;
    if m == 0 {
        return Err(CoreError::Input(
            "scores need at least one objective column".into(),
        ));
    }
    Offsets::covering(offsets, n, "offsets")?;
    for (t, tier) in p.tiers.iter().enumerate() {
        if tier.objective >= m {
            return Err(CoreError::Input(format!(
                "tier {t} names objective {} but there are only {m}",
                tier.objective
            )));
        }
        if let Some(tol) = tier.tolerance {
            if !(tol.is_finite() && tol >= 0.0) {
                return Err(CoreError::Input(format!(
                    "tier {t}: tolerance must be finite and >= 0, got {tol}"
                )));
            }
        }
        if let Some(th) = tier.threshold {
            if !th.is_finite() {
                return Err(CoreError::Input(format!(
                    "tier {t}: threshold must be finite"
                )));
            }
        }
    }
    if p.weights.is_empty() || !p.weights.len().is_multiple_of(m) {
        return Err(CoreError::Input(format!(
            "weights must be W x {m} values (W >= 1), got {}",
            p.weights.len()
        )));
    }
    if let Some(w) = p.weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return Err(CoreError::Input(format!(
            "weights must be finite and >= 0, got {w}"
        )));
    }
    view.check_finite()?;
    if let Some((g, k)) = offsets
        .windows(2)
        .map(|w| w[1] - w[0])
        .enumerate()
        .max_by_key(|&(_, k)| k)
    {
        let bytes = pair_bytes(k, m);
        if bytes > MAX_PAIR_BYTES {
            return Err(CoreError::Limit(format!(
                "prompt {g} has {k} candidates: comparing them pairwise over {m} objectives needs {bytes} bytes, above the limit of {MAX_PAIR_BYTES} bytes (about {} candidates per prompt); split the prompt or pre-filter its candidates",
                max_candidates(m)
            )));
        }
    }

    let n_groups = offsets.len() - 1;
    let blocks: Vec<(usize, usize)> = (0..n_groups)
        .step_by(BLOCK)
        .map(|g0| (g0, (g0 + BLOCK).min(n_groups)))
        .collect();
    let parts: Vec<EdgeOut> = blocks
        .par_iter()
        .map(|&(g0, g1)| run_block(view, offsets, g0, g1, p))
        .collect();
    let mut out = EdgeOut {
        admissible: Vec::with_capacity(n),
        front: Vec::with_capacity(n),
        n_admissible: Vec::with_capacity(n_groups),
        n_front: Vec::with_capacity(n_groups),
        chosen: Vec::with_capacity(n_groups),
        conflict: Vec::with_capacity(n_groups),
        min_tau: Vec::with_capacity(n_groups),
        n_choices: Vec::with_capacity(n_groups),
    };
    for part in parts {
        out.admissible.extend(part.admissible);
        out.front.extend(part.front);
        out.n_admissible.extend(part.n_admissible);
        out.n_front.extend(part.n_front);
        out.chosen.extend(part.chosen);
        out.conflict.extend(part.conflict);
        out.min_tau.extend(part.min_tau);
        out.n_choices.extend(part.n_choices);
    }
    Ok(out)
}

/// Scratch buffers reused across the prompts of a block.
#[derive(Default)]
struct Scratch {
    gain: Vec<f64>,
    keep: Vec<bool>,
    dominated: Vec<bool>,
    /// Pair signs, objective-major: `signs[j * P + p]` for candidate pair `p`.
    signs: Vec<i8>,
    gcol: Vec<f64>,
    ties: Vec<usize>,
    pos: Vec<u8>,
    neg: Vec<u8>,
    picks: Vec<i64>,
    front: Vec<usize>,
    z: Vec<f64>,
    inv_range: Vec<f64>,
}

fn run_block(
    view: &MatrixView,
    offsets: &[usize],
    g0: usize,
    g1: usize,
    p: &EdgeParams,
) -> EdgeOut {
    let m = view.ncols();
    let rows = offsets[g1] - offsets[g0];
    let ng = g1 - g0;
    let mut out = EdgeOut {
        admissible: Vec::with_capacity(rows),
        front: Vec::with_capacity(rows),
        n_admissible: Vec::with_capacity(ng),
        n_front: Vec::with_capacity(ng),
        chosen: Vec::with_capacity(ng),
        conflict: Vec::with_capacity(ng),
        min_tau: Vec::with_capacity(ng),
        n_choices: Vec::with_capacity(ng),
    };
    let mut s = Scratch::default();
    for g in g0..g1 {
        one_prompt(view, offsets[g], offsets[g + 1], m, p, &mut s, &mut out);
    }
    out
}

/// Bytes of pair signs for one prompt of `k` candidates and `m` objectives.
fn pair_bytes(k: usize, m: usize) -> u128 {
    let k = k as u128;
    k * k.saturating_sub(1) / 2 * (m as u128 + 2)
}

/// The most candidates one prompt may have at `m` objectives.
fn max_candidates(m: usize) -> usize {
    let (mut lo, mut hi) = (1usize, 1usize << 32);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if pair_bytes(mid, m) <= MAX_PAIR_BYTES {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

fn one_prompt(
    view: &MatrixView,
    a: usize,
    b: usize,
    m: usize,
    p: &EdgeParams,
    s: &mut Scratch,
    out: &mut EdgeOut,
) {
    let k = b - a;
    s.gain.clear();
    for i in a..b {
        for (j, &mx) in p.maximize.iter().enumerate() {
            let x = view.get(i, j);
            s.gain.push(if mx { x } else { -x });
        }
    }
    let gain: &[f64] = &s.gain;

    // Constraint tiers.
    let keep = &mut s.keep;
    keep.clear();
    keep.resize(k, true);
    for t in p.tiers {
        let j = t.objective;
        if let Some(th) = t.threshold {
            let floor = if p.maximize[j] { th } else { -th };
            for (i, kp) in keep.iter_mut().enumerate() {
                if gain[i * m + j] < floor {
                    *kp = false;
                }
            }
        }
        if let Some(tol) = t.tolerance {
            let best = (0..k)
                .filter(|&i| keep[i])
                .map(|i| gain[i * m + j])
                .fold(f64::NEG_INFINITY, f64::max);
            if best.is_finite() {
                let slack = if t.relative { tol * best.abs() } else { tol };
                for (i, kp) in keep.iter_mut().enumerate() {
                    if *kp && gain[i * m + j] < best - slack {
                        *kp = false;
                    }
                }
            }
        }
    }
    let keep: &[bool] = &s.keep;

    // Pair signs per objective, objective-major (`signs[j * P + p]`, pairs p = (x, y > x) in
    // order), from a column-major copy so the inner loops are contiguous and vectorize.
    let n_pairs = k * k.saturating_sub(1) / 2;
    let gcol = &mut s.gcol;
    gcol.clear();
    gcol.resize(m * k, 0.0);
    for i in 0..k {
        for j in 0..m {
            gcol[j * k + i] = gain[i * m + j];
        }
    }
    let signs = &mut s.signs;
    signs.clear();
    signs.resize(n_pairs * m, 0);
    let ties = &mut s.ties;
    ties.clear();
    for j in 0..m {
        let col = &gcol[j * k..(j + 1) * k];
        let row = &mut signs[j * n_pairs..(j + 1) * n_pairs];
        let mut q = 0;
        for x in 0..k {
            let gx = col[x];
            let rest = &col[x + 1..];
            for (d, &gy) in row[q..q + rest.len()].iter_mut().zip(rest) {
                *d = i8::from(gx > gy) - i8::from(gx < gy);
            }
            q += rest.len();
        }
        ties.push(row.iter().filter(|&&v| v == 0).count());
    }
    // Per pair: some objective better (pos) / worse (neg).
    let pos = &mut s.pos;
    let neg = &mut s.neg;
    pos.clear();
    pos.resize(n_pairs, 0);
    neg.clear();
    neg.resize(n_pairs, 0);
    for j in 0..m {
        let row = &signs[j * n_pairs..(j + 1) * n_pairs];
        for ((ps, ng), &v) in pos.iter_mut().zip(neg.iter_mut()).zip(row) {
            *ps |= u8::from(v > 0);
            *ng |= u8::from(v < 0);
        }
    }
    let dominated = &mut s.dominated;
    dominated.clear();
    dominated.resize(k, false);
    let mut incomparable = 0u64;
    let mut q = 0usize;
    for x in 0..k {
        for y in (x + 1)..k {
            let (ps, ng) = (pos[q] != 0, neg[q] != 0);
            if ps && ng {
                incomparable += 1;
            } else if keep[x] && keep[y] {
                if ps {
                    dominated[y] = true;
                } else if ng {
                    dominated[x] = true;
                }
            }
            q += 1;
        }
    }
    out.conflict.push(if n_pairs > 0 {
        incomparable as f64 / n_pairs as f64
    } else {
        0.0
    });
    // Kendall tau-b per objective pair: (C - D) / sqrt((P - T1) (P - T2)).
    let signs: &[i8] = &s.signs;
    let ties: &[usize] = &s.ties;
    let mut min_tau = f64::NAN;
    if n_pairs > 0 {
        for j1 in 0..m {
            let t1 = ties[j1];
            if t1 == n_pairs {
                continue;
            }
            let s1 = &signs[j1 * n_pairs..(j1 + 1) * n_pairs];
            for j2 in (j1 + 1)..m {
                let t2 = ties[j2];
                if t2 == n_pairs {
                    continue;
                }
                let s2 = &signs[j2 * n_pairs..(j2 + 1) * n_pairs];
                let num: i32 = s1.iter().zip(s2).map(|(&u, &v)| i32::from(u * v)).sum();
                let denom = ((n_pairs - t1) as f64 * (n_pairs - t2) as f64).sqrt();
                let tau = f64::from(num) / denom;
                if min_tau.is_nan() || tau < min_tau {
                    min_tau = tau;
                }
            }
        }
    }
    out.min_tau.push(min_tau);

    let dominated: &[bool] = &s.dominated;
    let front = &mut s.front;
    front.clear();
    let mut n_adm = 0u32;
    for i in 0..k {
        let adm = keep[i];
        let fr = adm && !dominated[i];
        n_adm += u32::from(adm);
        if fr {
            front.push(i);
        }
        out.admissible.push(adm);
        out.front.push(fr);
    }
    out.n_admissible.push(n_adm);
    out.n_front.push(front.len() as u32);
    if n_adm == 0 {
        out.chosen.push(-1);
        out.n_choices.push(0);
        return;
    }

    // Ideal point and 1 / range (ideal - nadir) of the admissible set.
    let z = &mut s.z;
    let inv_range = &mut s.inv_range;
    z.clear();
    z.resize(m, f64::NEG_INFINITY);
    inv_range.clear();
    inv_range.resize(m, f64::INFINITY); // holds the nadir first
    for i in (0..k).filter(|&i| keep[i]) {
        for j in 0..m {
            let v = gain[i * m + j];
            z[j] = z[j].max(v);
            inv_range[j] = inv_range[j].min(v);
        }
    }
    for j in 0..m {
        let r = z[j] - inv_range[j];
        inv_range[j] = if r > 0.0 { 1.0 / r } else { 0.0 };
    }
    let n_w = p.weights.len() / m;
    let picks = &mut s.picks;
    picks.clear();
    for w in 0..n_w {
        let wr = &p.weights[w * m..(w + 1) * m];
        let mut best: Option<(usize, f64)> = None;
        for &i in front.iter() {
            let gi = &gain[i * m..(i + 1) * m];
            let mut d = 0.0f64;
            for j in 0..m {
                d = d.max(wr[j] * (z[j] - gi[j]) * inv_range[j]);
            }
            best = match best {
                None => Some((i, d)),
                Some((bi, bd)) => {
                    if d < bd || (d == bd && lex_greater(gain, i, bi, m)) {
                        Some((i, d))
                    } else {
                        Some((bi, bd))
                    }
                }
            };
        }
        picks.push(best.map_or(-1, |(i, _)| i as i64));
    }
    out.chosen.push(picks[0]);
    let distinct = (0..picks.len())
        .filter(|&q| !picks[..q].contains(&picks[q]))
        .count();
    out.n_choices.push(distinct as u32);
}

/// Gain vector of row `i` lexicographically greater than that of row `b` (strictly).
fn lex_greater(gain: &[f64], i: usize, b: usize, m: usize) -> bool {
    for j in 0..m {
        let (x, y) = (gain[i * m + j], gain[b * m + j]);
        if x > y {
            return true;
        }
        if x < y {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rows: &[[f64; 2]], offsets: &[usize], tiers: &[TierSpec], w: &[f64]) -> EdgeOut {
        let data: Vec<f64> = rows.iter().flatten().copied().collect();
        let view = MatrixView::row_major(&data, rows.len(), 2).unwrap();
        let p = EdgeParams {
            maximize: &[true, true],
            tiers,
            weights: w,
        };
        edge_batch(&view, offsets, &p).unwrap()
    }

    #[test]
    fn a_prompt_too_large_for_pairwise_signals_is_a_limit_error() {
        let n = 100_000;
        let data = vec![0.5; n * 2];
        let view = MatrixView::row_major(&data, n, 2).unwrap();
        let p = EdgeParams {
            maximize: &[true, true],
            tiers: &[],
            weights: &[0.5, 0.5],
        };
        match edge_batch(&view, &[0, n], &p) {
            Err(CoreError::Limit(msg)) => {
                assert!(msg.contains("100000 candidates"), "{msg}");
                assert!(msg.contains("limit"), "{msg}");
            }
            other => panic!("expected a LimitError, got {:?}", other.map(|o| o.chosen)),
        }
        let k = max_candidates(2);
        assert!(pair_bytes(k, 2) <= MAX_PAIR_BYTES && pair_bytes(k + 1, 2) > MAX_PAIR_BYTES);
        // many small prompts with the same total are fine
        let offsets: Vec<usize> = (0..=n / 10).map(|g| g * 10).collect();
        assert_eq!(
            edge_batch(&view, &offsets, &p).unwrap().chosen.len(),
            n / 10
        );
    }

    #[test]
    fn hand_case() {
        // prompt 0: a dominated candidate, two front members; prompt 1: nothing passes the tier.
        let rows = [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.1, 0.1]];
        let tiers = [TierSpec {
            objective: 0,
            threshold: Some(0.0),
            tolerance: None,
            relative: false,
        }];
        let mut rows_all = rows.to_vec();
        rows_all.push([-1.0, 5.0]);
        let o = run(&rows_all, &[0, 4, 5], &tiers, &[0.5, 0.5, 0.9, 0.1]);
        assert_eq!(o.admissible, vec![true, true, true, true, false]);
        assert_eq!(o.front, vec![true, true, false, true, false]);
        assert_eq!(o.n_admissible, vec![4, 0]);
        // equal weights: d = 0.5, 0.5, -, 0.45 -> the balanced candidate 3; weights (0.9, 0.1):
        // d = 0.1, 0.9, -, 0.81 -> candidate 0. Two distinct choices.
        assert_eq!(o.chosen, vec![3, -1]);
        assert_eq!(o.n_choices, vec![2, 0]);
        // pairs: (0,1) incomparable, (0,3) incomparable, (1,3) incomparable; 3 of 6.
        assert!((o.conflict[0] - 0.5).abs() < 1e-12);
        assert_eq!(o.conflict[1], 0.0);
        assert!(o.min_tau[1].is_nan());
    }

    #[test]
    fn weights_change_choice_and_tolerance() {
        let rows = [[1.0, 0.0], [0.0, 1.0]];
        let o = run(&rows, &[0, 2], &[], &[0.9, 0.1, 0.1, 0.9]);
        assert_eq!(o.chosen, vec![0]);
        assert_eq!(o.n_choices, vec![2]);
        assert!((o.min_tau[0] + 1.0).abs() < 1e-12);
        let tiers = [TierSpec {
            objective: 1,
            threshold: None,
            tolerance: Some(0.5),
            relative: false,
        }];
        let o = run(&rows, &[0, 2], &tiers, &[0.9, 0.1]);
        assert_eq!(o.admissible, vec![false, true]);
        assert_eq!(o.chosen, vec![1]);
    }

    /// Timing only (not a test of speed): `cargo test -p pluralign-core --release edge::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore = "slow (timing or large input): cargo test -- --ignored"]
    fn timing() {
        let (n, k, m) = (100_000usize, 16usize, 4usize);
        let mut state = 12345u64;
        let data: Vec<f64> = (0..n * k * m)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        let view = MatrixView::row_major(&data, n * k, m).unwrap();
        let offsets: Vec<usize> = (0..=n).map(|g| g * k).collect();
        let w = vec![0.25; 5 * m];
        let tiers = [TierSpec {
            objective: 0,
            threshold: Some(0.5),
            tolerance: None,
            relative: false,
        }];
        let p = EdgeParams {
            maximize: &[true; 4],
            tiers: &tiers,
            weights: &w,
        };
        let t = std::time::Instant::now();
        let o = crate::parallel::with_threads(Some(1), || edge_batch(&view, &offsets, &p))
            .unwrap()
            .unwrap();
        eprintln!(
            "edge_batch {n} x {k} x {m}, 1 thread: {:?} ({} chosen)",
            t.elapsed(),
            o.chosen.len()
        );
    }

    #[test]
    fn errors() {
        let data = [0.0, f64::NAN];
        let view = MatrixView::row_major(&data, 1, 2).unwrap();
        let p = EdgeParams {
            maximize: &[true, true],
            tiers: &[],
            weights: &[0.5, 0.5],
        };
        assert!(edge_batch(&view, &[0, 1], &p).is_err());
        let data = [0.0, 1.0];
        let view = MatrixView::row_major(&data, 1, 2).unwrap();
        assert!(edge_batch(&view, &[0, 2], &p).is_err());
        let p2 = EdgeParams {
            weights: &[0.5],
            ..p
        };
        assert!(edge_batch(&view, &[0, 1], &p2).is_err());
    }
}
