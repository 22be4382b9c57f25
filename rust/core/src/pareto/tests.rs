//! Cross-checks of the fast kernels against all-pairs definitions on random inputs with many
//! ties, plus hand-checked cases.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::grouped::{group_index, ranks_grouped, GroupIndex};
use super::hypervolume::{contributions, hypervolume};
use super::{dominates, front, ranks};
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
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let expect = naive_ranks(&pts, m);
        let got = ranks(&view, &vec![false; m], NanPolicy::Error).unwrap();
        assert_eq!(got, expect, "m={m} n={n} pts={pts:?}");
        let f = front(&view, &vec![false; m], NanPolicy::Error).unwrap();
        assert_eq!(f, expect.iter().map(|&r| r == 0).collect::<Vec<_>>());
    }
}

#[test]
fn larger_sets_match_definition() {
    // Enough points to exercise k-d tree splits and many fronts.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for &(n, m) in &[(700, 2), (700, 3), (600, 4), (500, 5)] {
        let pts: Vec<f64> = (0..n * m).map(|_| rng.random::<f64>()).collect();
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let expect = naive_ranks(&pts, m);
        assert_eq!(
            ranks(&view, &vec![false; m], NanPolicy::Error).unwrap(),
            expect
        );
        let f = front(&view, &vec![false; m], NanPolicy::Error).unwrap();
        assert_eq!(f, expect.iter().map(|&r| r == 0).collect::<Vec<_>>());
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

/// Exact hypervolume by coordinate-compressed grid cells (minimization, small n).
fn grid_hv(pts: &[f64], m: usize, r: &[f64]) -> f64 {
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
    for _ in 0..300 {
        let m = rng.random_range(1..=5);
        let n = rng.random_range(1..=if m >= 5 { 7 } else { 12 });
        let pts = random_points(&mut rng, n, m, 6);
        let r = vec![6.0; m];
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let got = hypervolume(&view, &vec![false; m], &r).unwrap();
        let expect = grid_hv(&pts, m, &r);
        assert!(
            (got - expect).abs() <= 1e-9 * expect.max(1.0),
            "m={m} {got} vs {expect} pts={pts:?}"
        );
        let c = contributions(&view, &vec![false; m], &r).unwrap();
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
    }
}

#[test]
fn hypervolume_rejects_points_beyond_reference() {
    let pts = [1.0, 2.0, 3.0, 0.5];
    let view = MatrixView::row_major(&pts, 2, 2).unwrap();
    let err = hypervolume(&view, &[true, true], &[0.0, 1.0]).unwrap_err();
    assert!(err.to_string().contains("row 1"), "{err}");
}
