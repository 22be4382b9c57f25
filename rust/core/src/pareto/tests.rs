//! Cross-checks of the fast kernels against all-pairs definitions on random inputs with many
//! ties, plus hand-checked cases.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::grouped::{group_index, ranks_grouped, GroupIndex};
use super::hypervolume::{contributions, hypervolume};
use super::kdtree::KdTree;
use super::sort::{prepare, ranks_prepared};
use super::{dominates, front, ranks, weakly_dominates};
use crate::matrix::{MatrixView, NanPolicy};

/// Peel fronts by the definition.
fn naive_ranks(pts: &[f64], m: usize) -> Vec<u32> {
    let n = pts.len() / m;
    let row = |i: usize| &pts[i * m..(i + 1) * m];
    let mut rank = vec![u32::MAX; n];
    let mut f = 0;
    while rank.contains(&u32::MAX) {
        let cur: Vec<usize> = (0..n)
            .filter(|&i| rank[i] == u32::MAX)
            .filter(|&i| !(0..n).any(|j| rank[j] == u32::MAX && dominates(row(j), row(i))))
            .collect();
        for i in cur {
            rank[i] = f;
        }
        f += 1;
    }
    rank
}

/// Assert `ranks`, `front` and the rank sweep agree with the definition.
fn check_against_definition(pts: &[f64], n: usize, m: usize) {
    let view = MatrixView::row_major(pts, n, m).unwrap();
    let expect = naive_ranks(pts, m);
    let got = ranks(&view, &vec![false; m], NanPolicy::Error).unwrap();
    assert_eq!(got, expect, "m={m} n={n} pts={pts:?}");
    let f = front(&view, &vec![false; m], NanPolicy::Error).unwrap();
    assert_eq!(f, expect.iter().map(|&r| r == 0).collect::<Vec<_>>());
    // The k-d tree rank sweep on its own (for m >= 4, peeling usually finishes first).
    let prep = prepare(&view, &vec![false; m], NanPolicy::Error).unwrap();
    let r = ranks_prepared(&prep);
    let by_row: Vec<u32> = prep.of_row.iter().map(|&u| r[u as usize]).collect();
    assert_eq!(by_row, expect, "rank sweep, m={m} n={n}");
}

fn random_points(rng: &mut ChaCha8Rng, n: usize, m: usize, levels: u32) -> Vec<f64> {
    (0..n * m)
        .map(|_| rng.random_range(0..levels) as f64)
        .collect()
}

#[test]
fn ranks_and_front_match_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..400 {
        let m = rng.random_range(1..=6);
        let n = rng.random_range(0..=60);
        let levels = rng.random_range(2..=8);
        let pts = random_points(&mut rng, n, m, levels);
        check_against_definition(&pts, n, m);
    }
}

#[test]
fn larger_sets_match_definition() {
    // Enough points to exercise k-d tree splits and many fronts.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for &(n, m) in &[(700, 2), (700, 3), (600, 4), (500, 5)] {
        let pts: Vec<f64> = (0..n * m).map(|_| rng.random::<f64>()).collect();
        check_against_definition(&pts, n, m);
    }
}

#[test]
fn hand_checked_fronts() {
    // Maximize: (1,2) and (2,1) non-dominated, (1,1) next, (0,0) last.
    let pts = [1.0, 2.0, 2.0, 1.0, 0.0, 0.0, 1.0, 1.0];
    let view = MatrixView::row_major(&pts, 4, 2).unwrap();
    assert_eq!(
        ranks(&view, &[true, true], NanPolicy::Error).unwrap(),
        vec![0, 0, 2, 1]
    );
    // Equal vectors share a front.
    let pts = [1.0, 1.0, 1.0, 1.0, 0.0, 2.0];
    let view = MatrixView::row_major(&pts, 3, 2).unwrap();
    assert_eq!(
        ranks(&view, &[false, false], NanPolicy::Error).unwrap(),
        vec![0, 0, 0]
    );
}

#[test]
fn nan_policy() {
    let pts = [1.0, f64::NAN, 0.0, 0.0];
    let view = MatrixView::row_major(&pts, 2, 2).unwrap();
    let err = ranks(&view, &[true, true], NanPolicy::Error).unwrap_err();
    assert!(err.to_string().contains("row 0, objective 1"), "{err}");
    assert_eq!(
        ranks(&view, &[true, true], NanPolicy::Worst).unwrap(),
        vec![0, 0]
    );
    let pts = [1.0, f64::NAN, 1.0, 0.0];
    let view = MatrixView::row_major(&pts, 2, 2).unwrap();
    assert_eq!(
        ranks(&view, &[true, true], NanPolicy::Worst).unwrap(),
        vec![1, 0]
    );
}

#[test]
fn grouped_equals_per_group() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..50 {
        let m = rng.random_range(1..=5);
        let n = rng.random_range(1..=300);
        let pts = random_points(&mut rng, n, m, 4);
        let ids: Vec<i64> = (0..n).map(|_| rng.random_range(0..7)).collect();
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let index = group_index(&ids);
        let got = ranks_grouped(&view, &vec![false; m], NanPolicy::Error, &index, false).unwrap();
        for g in 0..7 {
            let rows: Vec<usize> = (0..n).filter(|&i| ids[i] == g).collect();
            let sub: Vec<f64> = rows
                .iter()
                .flat_map(|&i| pts[i * m..(i + 1) * m].to_vec())
                .collect();
            let expect = naive_ranks(&sub, m);
            for (k, &i) in rows.iter().enumerate() {
                assert_eq!(got[i], expect[k]);
            }
        }
    }
    // Offsets, with one group above the bitmask size.
    let n = 200;
    let pts = random_points(&mut rng, n, 3, 5);
    let view = MatrixView::row_major(&pts, n, 3).unwrap();
    let index = GroupIndex::from_offsets(&[0, 10, 10, 150, 200], n).unwrap();
    let got = ranks_grouped(&view, &[false; 3], NanPolicy::Error, &index, false).unwrap();
    for w in [0usize, 10, 150, 200].windows(2) {
        let expect = naive_ranks(&pts[w[0] * 3..w[1] * 3], 3);
        assert_eq!(&got[w[0]..w[1]], &expect[..]);
    }
    assert!(GroupIndex::from_offsets(&[1, 200], n).is_err());
    assert!(GroupIndex::from_offsets(&[0, 150, 100, 200], n).is_err());
    assert!(GroupIndex::from_offsets(&[0, 199], n).is_err());
}

/// Exact hypervolume by coordinate-compressed grid cells (minimization, small n); points that
/// do not strictly dominate `r` are dropped first.
fn grid_hv(pts: &[f64], m: usize, r: &[f64]) -> f64 {
    let pts: Vec<f64> = pts
        .chunks_exact(m)
        .filter(|p| p.iter().zip(r).all(|(a, b)| a < b))
        .flatten()
        .copied()
        .collect();
    let n = pts.len() / m;
    let axes: Vec<Vec<f64>> = (0..m)
        .map(|j| {
            let mut v: Vec<f64> = (0..n).map(|i| pts[i * m + j]).chain([r[j]]).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        })
        .collect();
    let mut total = 0.0;
    let mut idx = vec![0usize; m];
    loop {
        if (0..m).all(|j| idx[j] + 1 < axes[j].len()) {
            let lo: Vec<f64> = (0..m).map(|j| axes[j][idx[j]]).collect();
            if (0..n).any(|i| (0..m).all(|j| pts[i * m + j] <= lo[j])) {
                total += (0..m)
                    .map(|j| axes[j][idx[j] + 1] - axes[j][idx[j]])
                    .product::<f64>();
            }
        }
        let mut j = 0;
        loop {
            if j == m {
                return total;
            }
            idx[j] += 1;
            if idx[j] < axes[j].len() {
                break;
            }
            idx[j] = 0;
            j += 1;
        }
    }
}

#[test]
fn hypervolume_matches_grid() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for t in 0..400 {
        let m = rng.random_range(1..=5);
        let n = rng.random_range(1..=if m >= 5 { 7 } else { 12 });
        let pts = random_points(&mut rng, n, m, 6);
        // every other case has points on or beyond the reference: they add nothing
        let r = vec![if t % 2 == 0 { 6.0 } else { 4.0 }; m];
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let got = hypervolume(&view, &vec![false; m], &r).unwrap();
        let expect = grid_hv(&pts, m, &r);
        assert!(
            (got - expect).abs() <= 1e-9 * expect.max(1.0),
            "m={m} {got} vs {expect} pts={pts:?}"
        );
        let c = contributions(&view, &vec![false; m], &r, false).unwrap();
        for (i, &ci) in c.iter().enumerate() {
            let rest: Vec<f64> = (0..n)
                .filter(|&k| k != i)
                .flat_map(|k| pts[k * m..(k + 1) * m].to_vec())
                .collect();
            let without = if rest.is_empty() {
                0.0
            } else {
                grid_hv(&rest, m, &r)
            };
            assert!(
                (ci - (expect - without)).abs() <= 1e-9 * expect.max(1.0),
                "contribution {i}"
            );
        }
        // ignore_dominated: the exclusive contribution within the rows no other row dominates
        let row = |i: usize| &pts[i * m..(i + 1) * m];
        let keep: Vec<usize> = (0..n)
            .filter(|&i| !(0..n).any(|j| dominates(row(j), row(i))))
            .collect();
        let kept: Vec<f64> = keep.iter().flat_map(|&i| row(i).to_vec()).collect();
        let hv_kept = grid_hv(&kept, m, &r);
        let c = contributions(&view, &vec![false; m], &r, true).unwrap();
        for (i, &ci) in c.iter().enumerate() {
            let expect_i = if keep.contains(&i) {
                let rest: Vec<f64> = keep
                    .iter()
                    .filter(|&&k| k != i)
                    .flat_map(|&k| row(k).to_vec())
                    .collect();
                hv_kept - grid_hv(&rest, m, &r)
            } else {
                0.0
            };
            assert!(
                (ci - expect_i).abs() <= 1e-9 * hv_kept.max(1.0),
                "ignore_dominated contribution {i}: {ci} vs {expect_i}"
            );
        }
    }
}

#[test]
fn hypervolume_points_beyond_reference_add_nothing() {
    // maximize: row 1 is worse than the reference in objective 1
    let pts = [1.0, 2.0, 3.0, 0.5];
    let view = MatrixView::row_major(&pts, 2, 2).unwrap();
    assert_eq!(hypervolume(&view, &[true, true], &[0.0, 1.0]).unwrap(), 1.0);
    let c = contributions(&view, &[true, true], &[0.0, 1.0], false).unwrap();
    assert_eq!(c, vec![1.0, 0.0]);
    // nothing inside: 0 in every dimension count
    for m in 1..=5 {
        let pts = vec![2.0; 3 * m];
        let view = MatrixView::row_major(&pts, 3, m).unwrap();
        assert_eq!(
            hypervolume(&view, &vec![false; m], &vec![1.0; m]).unwrap(),
            0.0
        );
        assert_eq!(
            contributions(&view, &vec![false; m], &vec![1.0; m], true).unwrap(),
            vec![0.0; 3]
        );
    }
    // a non-finite value is still an error naming the row
    let pts = [1.0, f64::NAN];
    let view = MatrixView::row_major(&pts, 1, 2).unwrap();
    assert!(hypervolume(&view, &[true, true], &[0.0, 0.0]).is_err());
}

/// Coarse levels, each with neighbours 2^-30 apart: the k-d tree's f32 copy (one step at 1.0
/// is 2^-23) cannot tell them apart, so every decision between them needs the exact rows.
fn near_ties(rng: &mut ChaCha8Rng, n: usize, m: usize) -> Vec<f64> {
    (0..n * m)
        .map(|_| {
            [0.5, 1.0, 2.0, 3.0][rng.random_range(0..4)]
                + rng.random_range(0..4) as f64 * 2f64.powi(-30)
        })
        .collect()
}

/// First front by the definition.
fn naive_front(pts: &[f64], m: usize) -> Vec<bool> {
    let n = pts.len() / m;
    let row = |i: usize| &pts[i * m..(i + 1) * m];
    (0..n)
        .map(|i| !(0..n).any(|j| dominates(row(j), row(i))))
        .collect()
}

/// A row with `v` in objective `j` and `rest + 0.1 k` in every other objective k.
fn special_row(m: usize, j: usize, v: f64, rest: f64) -> Vec<f64> {
    (0..m)
        .map(|k| if k == j { v } else { rest + 0.1 * k as f64 })
        .collect()
}

#[test]
fn kd_tree_is_exact_below_f32_resolution() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for &(n, m) in &[(1200, 4), (900, 5)] {
        let mut pts = near_ties(&mut rng, n, m);
        // 100 copies of a non-dominated row whose values no f32 holds (a leaf of equal
        // points), and 100 copies of a row it dominates by 2^-30 in one objective.
        let best = special_row(m, 0, 0.3 + 2f64.powi(-30), 3.1);
        let mut worse = best.clone();
        worse[1] += 2f64.powi(-30);
        // And 100 rows equal to `best` in f32 but not exactly (a leaf of unequal points).
        // Apart from those, 100 copies of another non-dominated row (a leaf of equal points)
        // and 100 copies of a row it dominates.
        let solo = special_row(m, 1, 0.2 + 2f64.powi(-30), 3.3);
        let mut solo_worse = solo.clone();
        solo_worse[m - 1] += 1.0;
        for k in 0..500 {
            let at = rng.random_range(0..n);
            let mut row = match k % 5 {
                0 | 2 => best.clone(),
                1 => worse.clone(),
                3 => solo.clone(),
                _ => solo_worse.clone(),
            };
            if k % 5 == 2 {
                row[2] += rng.random_range(0..4) as f64 * 2f64.powi(-30);
            }
            pts[at * m..(at + 1) * m].copy_from_slice(&row);
        }
        check_against_definition(&pts, n, m);
    }
}

#[test]
fn one_large_front_and_chains_match_definition() {
    // Large enough for the parallel tree build; points on one front (up to rounding), then a
    // set of many small fronts, which ends the peeling and goes to the rank sweep.
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let (n, m) = (20_000, 4);
    let mut pts: Vec<f64> = (0..n * m).map(|_| rng.random::<f64>() + 1e-9).collect();
    for row in pts.chunks_exact_mut(m) {
        let s: f64 = row.iter().sum();
        for v in &mut *row {
            *v /= s;
        }
    }
    let view = MatrixView::row_major(&pts, n, m).unwrap();
    let expect = naive_front(&pts, m);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let f = pool.install(|| front(&view, &vec![false; m], NanPolicy::Error).unwrap());
        assert_eq!(f, expect, "threads={threads}");
    }
    // 60 chains of 40 points each, interleaved: 40 fronts of 60 points.
    let (chains, len) = (60, 40);
    let mut pts = Vec::new();
    for _ in 0..chains {
        let base: Vec<f64> = (0..m).map(|_| rng.random::<f64>()).collect();
        for k in 0..len {
            pts.extend(base.iter().map(|b| b + k as f64));
        }
    }
    let n = chains * len;
    let view = MatrixView::row_major(&pts, n, m).unwrap();
    let got = ranks(&view, &vec![false; m], NanPolicy::Error).unwrap();
    assert_eq!(got, naive_ranks(&pts, m));
}

#[test]
fn kd_tree_any_leq_matches_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let (n, m) = (3000, 4);
    let pts = near_ties(&mut rng, n, m);
    let tree = KdTree::build((0..n as u32).collect(), m, |i: usize, buf: &mut [f64]| {
        buf.copy_from_slice(&pts[i * m..(i + 1) * m]);
    });
    let mut s = tree.scratch();
    for _ in 0..2000 {
        let q: Vec<f64> = near_ties(&mut rng, 1, m);
        let expect = pts.chunks_exact(m).any(|p| weakly_dominates(p, &q));
        assert_eq!(tree.any_leq(&q, &mut s), expect, "q={q:?}");
    }
}

#[test]
fn kd_tree_leaf_of_copies_is_decided_by_one_row() {
    // 100 copies of one row no f32 holds: the tree is a single leaf of equal points.
    let m = 4;
    let row: Vec<f64> = (0..m).map(|j| 0.1 * (j + 1) as f64).collect();
    let pts: Vec<f64> = (0..100).flat_map(|_| row.clone()).collect();
    let tree = KdTree::build((0..100).collect(), m, |i: usize, buf: &mut [f64]| {
        buf.copy_from_slice(&pts[i * m..(i + 1) * m]);
    });
    let mut s = tree.scratch();
    let mut worse = row.clone();
    worse[3] += 2f64.powi(-40);
    assert!(tree.has_dominator(&worse, u32::MAX, &mut s));
    assert!(!tree.has_dominator(&row, u32::MAX, &mut s));
    assert!(tree.any_leq(&row, &mut s));
    let mut better = row.clone();
    better[0] -= 2f64.powi(-40);
    assert!(!tree.any_leq(&better, &mut s));
    assert_eq!(tree.front_mask(100), vec![true; 100]);
    // Rows equal in f32 but not exactly: one leaf too, decided row by row. Even rows trade
    // objective 0 against 1 (one of them is `row`), odd rows are `row` made worse in 2.
    let d = 2f64.powi(-40);
    let pts: Vec<f64> = (0..100)
        .flat_map(|k| {
            let mut r = row.clone();
            if k % 2 == 0 {
                let a = if k == 2 { 0.0 } else { (k / 2 % 5 + 1) as f64 };
                r[0] += a * d;
                r[1] -= a * d;
            } else {
                r[2] += (k % 7 + 1) as f64 * d;
            }
            r
        })
        .collect();
    let tree = KdTree::build((0..100).collect(), m, |i: usize, buf: &mut [f64]| {
        buf.copy_from_slice(&pts[i * m..(i + 1) * m]);
    });
    assert_eq!(tree.front_mask(100), naive_front(&pts, m));
}

/// Ranks by the longest-chain definition, O(n^2): rank(p) = 1 + the highest rank of a point
/// that dominates p (0 when none), over the points in lexicographic order (every dominator of a
/// point comes before it).
fn chain_ranks(pts: &[f64], m: usize) -> Vec<u32> {
    let n = pts.len() / m;
    let row = |i: usize| &pts[i * m..(i + 1) * m];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| super::lex_cmp(row(a), row(b)));
    let mut rank = vec![0u32; n];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = order[..k]
            .iter()
            .filter(|&&j| dominates(row(j), row(i)))
            .map(|&j| rank[j] + 1)
            .max()
            .unwrap_or(0);
    }
    rank
}

#[test]
fn m3_sweep_with_grid_matches_definition() {
    // Large enough for the grid that bounds the front search (n >= 4096), with many ties and
    // duplicates (few levels), skewed values (the grid's cells come from sample quantiles),
    // one front (points on a plane) and long chains; both directions, 1 and 2 threads.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let m = 3;
    let mut cases: Vec<Vec<f64>> = Vec::new();
    for levels in [3, 16, 1000] {
        cases.push(random_points(&mut rng, 6000, m, levels));
    }
    let skewed: Vec<f64> = (0..6000 * m)
        .map(|_| rng.random::<f64>().powi(8) * 100.0)
        .collect();
    cases.push(skewed);
    let plane: Vec<f64> = (0..5000)
        .flat_map(|_| {
            let (a, b) = (rng.random_range(0..200), rng.random_range(0..200));
            [f64::from(a), f64::from(b), f64::from(400 - a - b)]
        })
        .collect();
    cases.push(plane);
    let chains: Vec<f64> = (0..100)
        .flat_map(|c| (0..50).flat_map(move |k| [k + c, k + 2 * c, 2 * k + 100 - c].map(f64::from)))
        .collect();
    cases.push(chains);
    for pts in &cases {
        let n = pts.len() / m;
        let expect = chain_ranks(pts, m);
        let view = MatrixView::row_major(pts, n, m).unwrap();
        let neg: Vec<f64> = pts.iter().map(|v| -v).collect();
        let view_neg = MatrixView::row_major(&neg, n, m).unwrap();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let got = ranks(&view, &[false; 3], NanPolicy::Error).unwrap();
                assert_eq!(got, expect, "n={n} threads={threads}");
                let got = ranks(&view_neg, &[true; 3], NanPolicy::Error).unwrap();
                assert_eq!(got, expect, "maximized, n={n} threads={threads}");
                let f = front(&view, &[false; 3], NanPolicy::Error).unwrap();
                assert!(f.iter().zip(&expect).all(|(&f, &r)| f == (r == 0)));
            });
        }
    }
}

#[test]
fn large_m3_ranks_match_rank_sweep() {
    // Above the radix-sort size of the lexicographic order: tied values (few levels), a narrow
    // range (few distinct high digits) and a wide one (negative and positive, huge and tiny),
    // against the independent k-d tree rank sweep. Ranks only depend on the order within each
    // column, so the narrow case is checked on the integers it is made from (the tree keeps
    // f32 copies, which cannot tell its values apart and would make it slow).
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (n, m) = (70_000, 3);
    let tied = random_points(&mut rng, n, m, 40);
    let levels = random_points(&mut rng, n, m, 5000);
    let narrow: Vec<f64> = levels.iter().map(|k| 1.0 + k * 1e-12).collect();
    let wide: Vec<f64> = (0..n * m)
        .map(|_| rng.random_range(-300.0..300.0f64).exp2() * rng.random_range(-1.0..1.0))
        .collect();
    for (pts, same_order) in [(&tied, &tied), (&narrow, &levels), (&wide, &wide)] {
        let prep = prepare(
            &MatrixView::row_major(same_order, n, m).unwrap(),
            &[false; 3],
            NanPolicy::Error,
        )
        .unwrap();
        let r = ranks_prepared(&prep);
        let expect: Vec<u32> = prep.of_row.iter().map(|&u| r[u as usize]).collect();
        let view = MatrixView::row_major(pts, n, m).unwrap();
        assert_eq!(ranks(&view, &[false; 3], NanPolicy::Error).unwrap(), expect);
    }
}

#[test]
fn radix_sort_high_is_the_plain_sort() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for (n, span) in [
        (0, 1u64),
        (1, 1),
        (1000, 1),
        (70_000, 7),
        (70_000, 1 << 20),
        (70_000, u64::from(u32::MAX)),
    ] {
        let mut v: Vec<u64> = (0..n as u64)
            .map(|i| (rng.random_range(0..span) << 32) | i)
            .collect();
        let mut expect = v.clone();
        expect.sort_unstable();
        super::sort::radix_sort_high(&mut v);
        assert_eq!(v, expect, "n={n} span={span}");
    }
}

/// Process CPU seconds (all threads), from /proc (Linux); 0 elsewhere.
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let f: Vec<&str> = s
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

/// Timing probe (wall and CPU time, the CPU time is steadier on a loaded machine):
/// `cargo test --release -p pluralign-core perf_ranks_m3 -- --ignored --nocapture`.
#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_ranks_m3() {
    use std::time::Instant;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let (n, m) = (1_000_000, 3);
    let uniform: Vec<f64> = (0..n * m).map(|_| rng.random::<f64>()).collect();
    let mut simplex = uniform.clone();
    for row in simplex.chunks_exact_mut(m) {
        let s: f64 = row.iter().sum();
        for v in &mut *row {
            *v /= s;
        }
    }
    let mx = vec![true; m];
    for (name, pts) in [("uniform", &uniform), ("simplex", &simplex)] {
        if std::env::var("PROBE").is_ok_and(|p| p != name) {
            continue;
        }
        let view = MatrixView::row_major(pts, n, m).unwrap();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let reps = 5;
                let (t, c) = (Instant::now(), cpu_seconds());
                for _ in 0..reps {
                    let _ = super::sort::lex_order(&view, &mx, &[0, 1, 2]);
                }
                let (t1, c1) = (t.elapsed() / reps, (cpu_seconds() - c) / f64::from(reps));
                let (t, c) = (Instant::now(), cpu_seconds());
                let mut fronts = 0;
                for _ in 0..reps {
                    let r = ranks(&view, &mx, NanPolicy::Error).unwrap();
                    fronts = r.iter().max().unwrap() + 1;
                }
                let (t2, c2) = (t.elapsed() / reps, (cpu_seconds() - c) / f64::from(reps));
                println!(
                    "{name} threads {threads}: lex_order {t1:.0?} (cpu {c1:.3}s), ranks {t2:.0?} (cpu {c2:.3}s), {fronts} fronts"
                );
            });
        }
    }
}

#[test]
fn exact_hypervolume_is_the_same_through_every_reader() {
    // the slabs read the caller's rows through one of three readers (C order as it is, C
    // order flipped per objective as read, any layout through the view): the same bits from
    // each, with every combination of maximized objectives
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for (m, n) in [(5, 60), (6, 40), (7, 30), (9, 20)] {
        let pts: Vec<f64> = (0..n * m).map(|_| rng.random::<f64>()).collect();
        let r = vec![1.5; m];
        let base = hypervolume(
            &MatrixView::row_major(&pts, n, m).unwrap(),
            &vec![false; m],
            &r,
        )
        .unwrap();
        assert!(base > 0.0);
        let columns: Vec<Vec<f64>> = (0..m)
            .map(|j| (0..n).map(|i| pts[i * m + j]).collect())
            .collect();
        for flips in [0usize, 1, (1 << m) - 1, 0b1010_0101 & ((1 << m) - 1)] {
            let mx: Vec<bool> = (0..m).map(|j| flips >> j & 1 == 1).collect();
            let sign = |j: usize| if mx[j] { -1.0 } else { 1.0 };
            let flipped: Vec<f64> = (0..n * m).map(|k| pts[k] * sign(k % m)).collect();
            let rf: Vec<f64> = (0..m).map(|j| r[j] * sign(j)).collect();
            let c_order = MatrixView::row_major(&flipped, n, m).unwrap();
            let cols_flipped: Vec<Vec<f64>> = columns
                .iter()
                .enumerate()
                .map(|(j, c)| c.iter().map(|v| v * sign(j)).collect())
                .collect();
            let refs: Vec<&[f64]> = cols_flipped.iter().map(Vec::as_slice).collect();
            let by_column = MatrixView::columns(&refs).unwrap();
            for view in [c_order, by_column] {
                let v = hypervolume(&view, &mx, &rf).unwrap();
                assert_eq!(v.to_bits(), base.to_bits(), "m={m} flips={flips:b}");
            }
        }
    }
}
