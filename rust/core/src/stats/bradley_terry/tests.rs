use super::counts::DENSE_MAX_ITEMS;
use super::dense::{count, Cell, Dense};
use super::numerics::{max_abs_diff, objective};
use super::*;
use rand_distr::{Distribution, Normal};

struct Data {
    w: Vec<u32>,
    l: Vec<u32>,
    wt: Vec<f64>,
    tie: Vec<bool>,
}

impl Data {
    fn cmp(&self) -> Comparisons<'_> {
        Comparisons {
            winner: (&self.w).into(),
            loser: (&self.l).into(),
            weight: Some(&self.wt),
            tie: Some(&self.tie),
        }
    }
}

/// Random comparisons from a BT model with N(0, 1) log-strengths; weights in {0.5, 1, 2}
/// and ~10% ties when asked. Comparisons are drawn so that every item wins and loses.
fn random_data(n: usize, m: usize, seed: u64, ties: bool) -> (Data, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let norm = Normal::new(0.0, 1.0).unwrap();
    let theta: Vec<f64> = (0..n).map(|_| norm.sample(&mut rng)).collect();
    let mut d = Data {
        w: vec![],
        l: vec![],
        wt: vec![],
        tie: vec![],
    };
    let mut push = |a: usize, b: usize, rng: &mut ChaCha8Rng| {
        let p = sigmoid(theta[a] - theta[b]);
        let (w, l) = if rng.random::<f64>() < p {
            (a, b)
        } else {
            (b, a)
        };
        d.w.push(w as u32);
        d.l.push(l as u32);
        d.wt.push([0.5, 1.0, 2.0][rng.random_range(0..3)]);
        d.tie.push(ties && rng.random::<f64>() < 0.1);
    };
    for _ in 0..m {
        let a = rng.random_range(0..n);
        let mut b = rng.random_range(0..n - 1);
        if b >= a {
            b += 1;
        }
        push(a, b, &mut rng);
    }
    // a cycle in both directions keeps the graph strongly connected
    for i in 0..n {
        let j = (i + 1) % n;
        d.w.push(i as u32);
        d.l.push(j as u32);
        d.wt.push(1.0);
        d.tie.push(false);
        d.w.push(j as u32);
        d.l.push(i as u32);
        d.wt.push(1.0);
        d.tie.push(false);
    }
    (d, theta)
}

/// Gradient of the penalized log-likelihood straight from the comparisons (slow reference).
fn slow_gradient(n: usize, c: &Comparisons, theta: &[f64], l2: f64) -> Vec<f64> {
    let mut g: Vec<f64> = theta.iter().map(|t| -l2 * t).collect();
    for k in 0..c.len() {
        let (a, b, w) = (
            c.winner.get(k) as usize,
            c.loser.get(k) as usize,
            c.weight_of(k),
        );
        let sa = if c.is_tie(k) { 0.5 } else { 1.0 };
        let p = 1.0 / (1.0 + (theta[b] - theta[a]).exp());
        g[a] += w * (sa - p);
        g[b] -= w * (sa - p);
    }
    assert_eq!(g.len(), n);
    g
}

fn opts(method: BtMethod, l2: f64) -> BtOptions {
    BtOptions {
        method,
        l2,
        tol: 1e-13,
        max_iter: 200_000,
        threads: Some(2),
        ..Default::default()
    }
}

#[test]
fn stats_bt_two_items_closed_form() {
    // 0 beats 1 three times, 1 beats 0 once: theta_0 - theta_1 = ln 3
    let (w, l) = ([0u32, 0, 0, 1], [1u32, 1, 1, 0]);
    for method in [BtMethod::Newton, BtMethod::MM] {
        let r = bradley_terry(2, &Comparisons::new(&w, &l), &opts(method, 0.0)).unwrap();
        let s = &r.fit.strengths;
        assert!((s[0] - s[1] - 3f64.ln()).abs() < 1e-10, "{method:?} {s:?}");
        assert!((s[0] + s[1]).abs() < 1e-14);
        assert!(r.fit.converged);
        assert_eq!((r.n_pairs, r.n_comparisons), (1, 4));
    }
    // ties count as half a win each: 1 win + 1 tie for item 0 = 1.5 : 0.5
    let (w, l, t) = ([0u32, 1], [1u32, 0], [false, true]);
    let c = Comparisons {
        tie: Some(&t),
        ..Comparisons::new(&w, &l)
    };
    let r = bradley_terry(2, &c, &opts(BtMethod::Newton, 0.0)).unwrap();
    let s = &r.fit.strengths;
    assert!((s[0] - s[1] - 3f64.ln()).abs() < 1e-10);
    // ...and are ignored with Ties::Drop (leaving 0 unbeaten: an error)
    let o = BtOptions {
        ties: Ties::Drop,
        ..opts(BtMethod::Newton, 0.0)
    };
    assert!(bradley_terry(2, &c, &o).is_err());
    // weights scale counts: weight 3 win vs weight 1 loss = ln 3
    let (w, l, wt) = ([0u32, 1, 1], [1u32, 0, 0], [3.0, 1.0, 0.0]);
    let c = Comparisons {
        weight: Some(&wt),
        ..Comparisons::new(&w, &l)
    };
    let r = bradley_terry(2, &c, &opts(BtMethod::Newton, 0.0)).unwrap();
    assert!((r.fit.strengths[0] - r.fit.strengths[1] - 3f64.ln()).abs() < 1e-10);
    assert_eq!(r.n_comparisons, 2);
    // log-likelihood: 3 ln(3/4) + ln(1/4)
    let want = 3.0 * 0.75f64.ln() + 0.25f64.ln();
    assert!((r.fit.log_likelihood - want).abs() < 1e-10);
}

#[test]
fn stats_bt_newton_mm_agree_and_gradient_zero() {
    for (seed, &(n, m, l2, ties)) in [
        (6usize, 40usize, 0.0, false),
        (10, 150, 0.0, true),
        (25, 400, 0.3, true),
        (12, 30, 1.0, false),
    ]
    .iter()
    .enumerate()
    {
        let (d, _) = random_data(n, m, seed as u64, ties);
        let c = d.cmp();
        let a = bradley_terry(n, &c, &opts(BtMethod::Newton, l2)).unwrap();
        let b = bradley_terry(n, &c, &opts(BtMethod::MM, l2)).unwrap();
        assert!(a.fit.converged && b.fit.converged);
        assert!(a.fit.iterations < 50, "newton took {}", a.fit.iterations);
        let diff = max_abs_diff(&a.fit.strengths, &b.fit.strengths);
        assert!(diff < 1e-8, "seed {seed}: newton vs mm differ by {diff}");
        for s in [&a.fit.strengths, &b.fit.strengths] {
            let g = slow_gradient(n, &c, s, l2);
            let gmax = g.iter().fold(0.0f64, |x, y| x.max(y.abs()));
            assert!(gmax < 1e-8, "seed {seed}: gradient {gmax}");
            assert!(s.iter().sum::<f64>().abs() < 1e-10);
        }
        // the estimate beats nearby points
        let f0 = a.fit.log_likelihood
            - if l2 > 0.0 {
                0.5 * l2 * a.fit.strengths.iter().map(|t| t * t).sum::<f64>()
            } else {
                0.0
            };
        let pc = PairCounts::new(n, &c, Ties::Half).unwrap();
        let mut t = a.fit.strengths.clone();
        t[0] += 1e-3;
        t[1] -= 1e-3;
        assert!(objective(&pc.view(), &t, l2, false) < f0);
    }
}

#[test]
fn stats_bt_large_parallel_deterministic() {
    // enough pairs for the parallel paths; 1 and 2 threads give identical bits
    let (d, truth) = random_data(300, 30_000, 7, true);
    let c = d.cmp();
    let mut o = opts(BtMethod::Newton, 0.0);
    o.tol = 1e-10;
    o.threads = Some(1);
    let a = bradley_terry(300, &c, &o).unwrap();
    o.threads = Some(2);
    let b = bradley_terry(300, &c, &o).unwrap();
    assert_eq!(a, b);
    assert!(a.n_pairs * 2 >= PAR_MIN_ENTRIES);
    let g = slow_gradient(300, &c, &a.fit.strengths, 0.0);
    assert!(
        g.iter().all(|x| x.abs() < 1e-6),
        "{:?}",
        g.iter().fold(0.0f64, |x, y| x.max(y.abs()))
    );
    let mm = bradley_terry(300, &c, &opts(BtMethod::MM, 0.0)).unwrap();
    assert!(max_abs_diff(&a.fit.strengths, &mm.fit.strengths) < 1e-8);
    // the estimate recovers the truth roughly
    let mean = truth.iter().sum::<f64>() / 300.0;
    let err = a
        .fit
        .strengths
        .iter()
        .zip(&truth)
        .map(|(s, t)| (s - (t - mean)).powi(2))
        .sum::<f64>()
        / 300.0;
    assert!(err < 0.1, "mse {err}");
    // input order does not matter (up to rounding)
    let mut idx: Vec<usize> = (0..c.len()).collect();
    idx.reverse();
    let pick = |v: &[u32]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let (w2, l2v) = (pick(&d.w), pick(&d.l));
    let wt2: Vec<f64> = idx.iter().map(|&i| d.wt[i]).collect();
    let t2: Vec<bool> = idx.iter().map(|&i| d.tie[i]).collect();
    let c2 = Comparisons {
        winner: (&w2).into(),
        loser: (&l2v).into(),
        weight: Some(&wt2),
        tie: Some(&t2),
    };
    let r2 = bradley_terry(300, &c2, &o).unwrap();
    assert!(max_abs_diff(&a.fit.strengths, &r2.fit.strengths) < 1e-9);
}

#[test]
fn stats_bt_sparse_and_dense_aggregation_agree() {
    // 18,000 entries: the sparse merge runs its row chunks in parallel
    let (d, _) = random_data(50, 9000, 4, true);
    let c = d.cmp();
    for ties in [Ties::Half, Ties::Drop] {
        let a = PairCounts::aggregate_dense(50, &c, ties);
        let b = PairCounts::aggregate_sparse(50, &c, ties);
        assert_eq!((&a.0, &a.1), (&b.0, &b.1));
        assert!(max_abs_diff(&a.2, &b.2) < 1e-12);
        assert!(max_abs_diff(&a.3, &b.3) < 1e-12);
        // unit weights (the sparse path's packed entries), with and without ties: sums of 1
        // and 1/2, the same bits
        for tie in [c.tie, None] {
            let u = Comparisons {
                weight: None,
                tie,
                ..c
            };
            let a = PairCounts::aggregate_dense(50, &u, ties);
            let b = PairCounts::aggregate_sparse(50, &u, ties);
            assert_eq!(a, b);
            assert!(b.2.iter().any(|w| w.fract() != 0.0) == (tie.is_some() && ties == Ties::Half));
        }
    }
    // a graph above the dense limit, through the public API
    let n = DENSE_MAX_ITEMS + 500;
    let (d, _) = random_data(n, 12_000, 8, true);
    let c = d.cmp();
    let mut o = opts(BtMethod::Newton, 0.0);
    o.threads = Some(1);
    let a = bradley_terry(n, &c, &o).unwrap();
    o.threads = Some(2);
    let b = bradley_terry(n, &c, &o).unwrap();
    assert_eq!(a, b);
    assert!(a.fit.converged);
    let g = slow_gradient(n, &c, &a.fit.strengths, 0.0);
    assert!(g.iter().all(|x| x.abs() < 1e-8));
    let mut o = opts(BtMethod::MM, 0.0);
    o.tol = 1e-12;
    let m = bradley_terry(n, &c, &o).unwrap();
    assert!(max_abs_diff(&a.fit.strengths, &m.fit.strengths) < 1e-8);
    // standard errors refuse, the bootstrap works (with a prior every replicate fits)
    let mut o = opts(BtMethod::Newton, 0.5);
    o.tol = 1e-9;
    o.standard_errors = true;
    assert!(matches!(bradley_terry(n, &c, &o), Err(CoreError::Limit(_))));
    o.standard_errors = false;
    o.bootstrap = Some(BootstrapOptions {
        replicates: 4,
        level: 0.5,
        seed: 2,
    });
    let r = bradley_terry(n, &c, &o).unwrap();
    assert_eq!(r.bootstrap.unwrap().used, 4);
    // counts from other comparisons are refused
    let pc = PairCounts::new(n, &c, Ties::Half).unwrap();
    let (w, l) = ([0u32], [5u32]);
    let e = bootstrap(
        &pc,
        &Comparisons::new(&w, &l),
        &a.fit.strengths,
        &o,
        &BootstrapOptions::default(),
    );
    assert!(e.unwrap_err().to_string().contains("do not match"));
}

#[test]
fn stats_bt_unidentifiable_errors() {
    // 0 beats 1, 1 beats 2, 2 beats 1, 3 beats 2: {0} and {3} never lose, nothing below {1,2}
    let (w, l) = ([0u32, 1, 2, 3], [1u32, 2, 1, 2]);
    let e = bradley_terry(4, &Comparisons::new(&w, &l), &BtOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("items {0} never lose"), "{msg}");
    assert!(msg.contains("items {3} never lose"), "{msg}");
    assert!(msg.contains("items {1, 2} never beat"), "{msg}");
    assert!(matches!(e, CoreError::Input(_)));
    // two components
    let (w, l) = ([0u32, 1, 2, 3], [1u32, 0, 3, 2]);
    let msg = bradley_terry(4, &Comparisons::new(&w, &l), &BtOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("2 disconnected components ({0, 1}, {2, 3})"),
        "{msg}"
    );
    // an item never compared
    let msg = bradley_terry(5, &Comparisons::new(&w, &l), &BtOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("items {4} appear in no comparison"), "{msg}");
    // with a prior all of these are fine; the isolated item gets 0 before centering
    for method in [BtMethod::Newton, BtMethod::MM] {
        let r = bradley_terry(5, &Comparisons::new(&w, &l), &opts(method, 0.5)).unwrap();
        assert!(r.fit.converged);
        let s = &r.fit.strengths;
        assert!(s.iter().all(|x| x.abs() < 1e-9), "{s:?}"); // symmetric data: all equal
        let (w, l) = ([0u32, 1, 2, 3], [1u32, 2, 1, 2]);
        let r = bradley_terry(4, &Comparisons::new(&w, &l), &opts(method, 0.5)).unwrap();
        let g = slow_gradient(4, &Comparisons::new(&w, &l), &r.fit.strengths, 0.5);
        assert!(g.iter().all(|x| x.abs() < 1e-9), "{g:?}");
        assert!(r.fit.strengths[0] > r.fit.strengths[1]);
    }
    // no comparisons at all
    let e: [u32; 0] = [];
    assert!(bradley_terry(3, &Comparisons::new(&e, &e), &BtOptions::default()).is_err());
    let r = bradley_terry(3, &Comparisons::new(&e, &e), &opts(BtMethod::Newton, 1.0)).unwrap();
    assert_eq!(r.fit.strengths, vec![0.0; 3]);
    // bad options
    let (w, l) = ([0u32], [1u32]);
    let c = Comparisons::new(&w, &l);
    for o in [
        BtOptions {
            l2: -1.0,
            ..Default::default()
        },
        BtOptions {
            tol: 0.0,
            ..Default::default()
        },
        BtOptions {
            max_iter: 0,
            ..Default::default()
        },
        BtOptions {
            bootstrap: Some(BootstrapOptions {
                replicates: 1,
                ..Default::default()
            }),
            ..Default::default()
        },
        BtOptions {
            bootstrap: Some(BootstrapOptions {
                level: 1.0,
                ..Default::default()
            }),
            ..Default::default()
        },
    ] {
        assert!(matches!(bradley_terry(2, &c, &o), Err(CoreError::Input(_))));
    }
    assert!(bradley_terry(0, &c, &BtOptions::default()).is_err());
}

/// Gauss–Jordan inverse (slow reference).
fn inverse(a: &[f64], n: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[x * n + c].abs().total_cmp(&m[y * n + c].abs()))
            .unwrap();
        for k in 0..n {
            m.swap(c * n + k, p * n + k);
            inv.swap(c * n + k, p * n + k);
        }
        let d = m[c * n + c];
        for k in 0..n {
            m[c * n + k] /= d;
            inv[c * n + k] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = m[r * n + c];
                for k in 0..n {
                    m[r * n + k] -= f * m[c * n + k];
                    inv[r * n + k] -= f * inv[c * n + k];
                }
            }
        }
    }
    inv
}

/// Negative Hessian of the log-likelihood straight from the comparisons.
fn slow_info(n: usize, c: &Comparisons, theta: &[f64]) -> Vec<f64> {
    let mut h = vec![0.0; n * n];
    for k in 0..c.len() {
        let (a, b, w) = (
            c.winner.get(k) as usize,
            c.loser.get(k) as usize,
            c.weight_of(k),
        );
        let p = sigmoid(theta[a] - theta[b]);
        let x = w * p * (1.0 - p);
        h[a * n + a] += x;
        h[b * n + b] += x;
        h[a * n + b] -= x;
        h[b * n + a] -= x;
    }
    h
}

#[test]
fn stats_bt_standard_errors() {
    let n = 9;
    let (d, _) = random_data(n, 120, 3, true);
    let c = d.cmp();
    // l2 = 0: fix item 0 (reference parameterization), invert the rest, then map to the
    // mean-zero parameterization: cov = C S C' with C = I - 11'/n
    let mut o = opts(BtMethod::Newton, 0.0);
    o.standard_errors = true;
    let r = bradley_terry(n, &c, &o).unwrap();
    let h = slow_info(n, &c, &r.fit.strengths);
    let k = n - 1;
    let red: Vec<f64> = (1..n)
        .flat_map(|i| (1..n).map(move |j| (i, j)))
        .map(|(i, j)| h[i * n + j])
        .collect();
    let ri = inverse(&red, k);
    let mut s = vec![0.0; n * n];
    for i in 1..n {
        for j in 1..n {
            s[i * n + j] = ri[(i - 1) * k + (j - 1)];
        }
    }
    let nf = n as f64;
    let rowmean: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| s[i * n + j]).sum::<f64>() / nf)
        .collect();
    let all = rowmean.iter().sum::<f64>() / nf;
    let se = r.se.as_ref().unwrap();
    for i in 0..n {
        let v = s[i * n + i] - 2.0 * rowmean[i] + all;
        assert!(
            (se[i] - v.sqrt()).abs() < 1e-9,
            "item {i}: {} vs {}",
            se[i],
            v.sqrt()
        );
    }
    // l2 > 0: inverse of (H + l2 I)
    let l2 = 0.7;
    let mut o = opts(BtMethod::Newton, l2);
    o.standard_errors = true;
    let r = bradley_terry(n, &c, &o).unwrap();
    let mut h = slow_info(n, &c, &r.fit.strengths);
    for i in 0..n {
        h[i * n + i] += l2;
    }
    let hi = inverse(&h, n);
    let se = r.se.as_ref().unwrap();
    for i in 0..n {
        assert!((se[i] - hi[i * n + i].sqrt()).abs() < 1e-10);
    }
    // a bigger one through the parallel Cholesky, 1 vs 2 threads
    let (d, _) = random_data(200, 4000, 5, false);
    let mut o = opts(BtMethod::Newton, 0.0);
    o.standard_errors = true;
    o.tol = 1e-10;
    o.threads = Some(1);
    let a = bradley_terry(200, &d.cmp(), &o).unwrap();
    o.threads = Some(2);
    let b = bradley_terry(200, &d.cmp(), &o).unwrap();
    assert_eq!(a.se, b.se);
    assert!(a.se.unwrap().iter().all(|x| x.is_finite() && *x > 0.0));
    // too many items is a Limit error
    let pc = PairCounts::new(MAX_SE_ITEMS + 1, &Comparisons::new(&[0], &[1]), Ties::Half).unwrap();
    let e = standard_errors(&pc, &vec![0.0; MAX_SE_ITEMS + 1], 1.0, None).unwrap_err();
    assert!(matches!(e, CoreError::Limit(_)));
}

#[test]
fn stats_bt_bootstrap_reproducible() {
    let n = 30;
    let (d, _) = random_data(n, 600, 11, true);
    let c = d.cmp();
    let mut o = opts(BtMethod::Newton, 0.0);
    o.tol = 1e-10;
    o.standard_errors = true;
    o.bootstrap = Some(BootstrapOptions {
        replicates: 60,
        level: 0.9,
        seed: 42,
    });
    o.threads = Some(1);
    let a = bradley_terry(n, &c, &o).unwrap();
    o.threads = Some(2);
    let b = bradley_terry(n, &c, &o).unwrap();
    assert_eq!(a, b);
    let ba = a.bootstrap.as_ref().unwrap();
    assert_eq!(ba.used + ba.failed, 60);
    assert!(ba.used >= 50, "{ba:?}");
    let s = &a.fit.strengths;
    let se = a.se.as_ref().unwrap();
    for i in 0..n {
        assert!(ba.lower[i] <= ba.upper[i]);
        // the interval covers the estimate and its width is comparable to the SE
        assert!(ba.lower[i] <= s[i] + 0.2 && s[i] - 0.2 <= ba.upper[i]);
        assert!(
            ba.se[i] > 0.3 * se[i] && ba.se[i] < 3.0 * se[i],
            "{} vs {}",
            ba.se[i],
            se[i]
        );
    }
    // another seed gives other intervals
    o.bootstrap = Some(BootstrapOptions {
        replicates: 60,
        level: 0.9,
        seed: 43,
    });
    let c2 = bradley_terry(n, &c, &o).unwrap();
    assert_ne!(c2.bootstrap.unwrap().lower, ba.lower);
    // with a prior no replicate fails (MM path too)
    let mut o = opts(BtMethod::MM, 0.1);
    o.tol = 1e-9;
    o.bootstrap = Some(BootstrapOptions {
        replicates: 20,
        level: 0.95,
        seed: 1,
    });
    let r = bradley_terry(n, &c, &o).unwrap();
    let br = r.bootstrap.unwrap();
    assert_eq!((br.used, br.failed, br.unconverged), (20, 0, 0));
    // a graph that barely connects: most replicates fail, and when too few are left the
    // bootstrap says so
    let (w, l) = ([0u32, 1], [1u32, 0]);
    let o = BtOptions {
        bootstrap: Some(BootstrapOptions {
            replicates: 40,
            level: 0.95,
            seed: 3,
        }),
        ..Default::default()
    };
    match bradley_terry(2, &Comparisons::new(&w, &l), &o) {
        Ok(r) => assert!(r.bootstrap.unwrap().failed > 0),
        Err(e) => assert!(e.to_string().contains("bootstrap replicates"), "{e}"),
    }
}

/// The fit of `c` on the dense pair counts and on the sparse ones (the same comparisons with
/// explicit unit weights, which the dense layout does not take).
fn dense_and_sparse(
    n: usize,
    c: &Comparisons,
    o: &BtOptions,
) -> (Result<BtResult>, Result<BtResult>) {
    assert!(Dense::fits(n, c));
    let ones = vec![1.0; c.len()];
    let cw = Comparisons {
        weight: Some(&ones),
        ..*c
    };
    assert!(!Dense::fits(n, &cw));
    (bradley_terry(n, c, o), bradley_terry(n, &cw, o))
}

fn assert_same_fit(a: &BtResult, b: &BtResult, tol: f64) {
    assert!(max_abs_diff(&a.fit.strengths, &b.fit.strengths) < tol);
    assert_eq!(a.fit.converged, b.fit.converged);
    assert!(
        (a.fit.log_likelihood - b.fit.log_likelihood).abs()
            < tol * (1.0 + b.fit.log_likelihood.abs())
    );
    assert_eq!((a.n_pairs, a.n_comparisons), (b.n_pairs, b.n_comparisons));
    assert_eq!(a.item_comparisons, b.item_comparisons);
    match (&a.se, &b.se) {
        (Some(x), Some(y)) => assert!(max_abs_diff(x, y) < tol),
        (None, None) => {}
        _ => panic!("standard errors on one path only"),
    }
}

#[test]
fn stats_bt_dense_path_matches_sparse() {
    for (seed, ties) in [(1, false), (2, true)] {
        let (d, _) = random_data(40, 1200, seed, ties);
        let c = Comparisons {
            weight: None,
            ..d.cmp()
        };
        for method in [BtMethod::Newton, BtMethod::MM] {
            for l2 in [0.0, 0.5] {
                for t in [Ties::Half, Ties::Drop] {
                    let mut o = opts(method, l2);
                    o.ties = t;
                    o.tol = 1e-12;
                    o.standard_errors = true;
                    let (a, b) = dense_and_sparse(40, &c, &o);
                    assert_same_fit(&a.unwrap(), &b.unwrap(), 1e-9);
                }
            }
        }
    }
}

#[test]
fn stats_bt_dense_passes_match_sparse() {
    // every pass of the solvers, at strengths of ordinary and of too wide a spread for shared
    // exponentials
    let (d, _) = random_data(30, 900, 5, true);
    let c = Comparisons {
        weight: None,
        ..d.cmp()
    };
    let dense = Dense::new(30, &c, Ties::Half).unwrap();
    let pc = PairCounts::new(30, &c, Ties::Half).unwrap();
    let v = pc.view();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for scale in [1.0, 2000.0] {
        let theta: Vec<f64> = (0..30).map(|_| rng.random::<f64>() * scale).collect();
        let x: Vec<f64> = (0..30).map(|_| rng.random::<f64>() - 0.5).collect();
        let (wd, wv) = (Graph::won(&dense), Graph::won(&v));
        assert_eq!(wd, wv);
        for par in [false, true] {
            let sd = Graph::state(&dense, &wd, &theta, 0.3, par, Vec::new());
            let sv = Graph::state(&v, &wv, &theta, 0.3, par, Vec::new());
            let rel = |a: &[f64], b: &[f64]| {
                let m = b.iter().fold(1.0f64, |m, y| m.max(y.abs()));
                max_abs_diff(a, b) / m
            };
            assert!(rel(&sd.grad, &sv.grad) < 1e-12);
            assert!(rel(&sd.diag, &sv.diag) < 1e-12);
            let (hd, hv) = (
                dense.hess_mul(&sd.c, 0.3, &x, par),
                v.hess_mul(&sv.c, 0.3, &x, par),
            );
            assert!(rel(&hd, &hv) < 1e-12);
            let (ed, ev) = (dense.expected(&theta, par), v.expected(&theta, par));
            assert!(rel(&ed, &ev) < 1e-12);
            let (ld, lv) = (dense.log_lik(&theta, par), v.log_lik(&theta, par));
            assert!((ld - lv).abs() < 1e-9 * (1.0 + lv.abs()), "{ld} {lv}");
        }
    }
}

#[test]
fn stats_bt_dense_threads_and_wide_counts() {
    // large enough for the parallel passes: any thread count gives the same bits
    let (d, _) = random_data(200, 21_000, 7, true);
    let c = Comparisons {
        weight: None,
        ..d.cmp()
    };
    let mut o = opts(BtMethod::Newton, 0.0);
    o.tol = 1e-10;
    o.threads = Some(1);
    let a = bradley_terry(200, &c, &o).unwrap();
    o.threads = Some(3);
    assert_eq!(a, bradley_terry(200, &c, &o).unwrap());
    let (_, b) = dense_and_sparse(200, &c, &o);
    assert_same_fit(&a, &b.unwrap(), 1e-9);
    // one pair with more half-wins than u16 holds, on either side of the packed cell: counted
    // again in two u32
    let (mut w, mut l) = (vec![0u32; 40_000], vec![1u32; 40_000]);
    w.resize(50_000, 1);
    l.resize(50_000, 0);
    let c = Comparisons::new(&w, &l);
    assert!(count::<u32>(2, &[0, 1, 1], &c, Ties::Half).is_none());
    assert!(count::<u32>(2, &[0, 1, 1], &Comparisons::new(&l, &w), Ties::Half).is_none());
    let wide = count::<[u32; 2]>(2, &[0, 1, 1], &c, Ties::Half).unwrap();
    assert_eq!(wide, vec![[80_000, 20_000]]);
    // 32,767 comparisons each way fill both halves to 65,534 without an overflow
    let (w2, l2): (Vec<u32>, Vec<u32>) = (0..65_534u32).map(|k| (k % 2, 1 - k % 2)).unzip();
    let packed = count::<u32>(2, &[0, 1, 1], &Comparisons::new(&w2, &l2), Ties::Half).unwrap();
    assert_eq!(packed[0].sides(), (65_534, 65_534));
    assert_eq!(<u32 as Cell>::totals(packed), vec![131_068]);
    let (a, b) = dense_and_sparse(2, &c, &o);
    let a = a.unwrap();
    assert_same_fit(&a, &b.unwrap(), 1e-9);
    assert!((a.fit.strengths[0] - a.fit.strengths[1] - 4f64.ln()).abs() < 1e-9);
    assert_eq!(a.item_comparisons, vec![50_000, 50_000]);
}

#[test]
fn stats_bt_dense_connectivity() {
    // a cycle 0 -> n-1 -> n-2 -> ... -> 1 -> 0 that the row sweeps need ~n passes to follow:
    // the dense check gives up and the sparse path fits it (all strengths equal)
    let n = 40u32;
    let (mut w, mut l) = (vec![], vec![]);
    for _ in 0..20 {
        w.push(0);
        l.push(n - 1);
        for k in (1..n).rev() {
            w.push(k);
            l.push(k - 1);
        }
    }
    let c = Comparisons::new(&w, &l);
    assert!(Dense::fits(n as usize, &c));
    assert!(!Dense::new(n as usize, &c, Ties::Half).unwrap().connected);
    let r = bradley_terry(n as usize, &c, &opts(BtMethod::Newton, 0.0)).unwrap();
    assert!(r.fit.strengths.iter().all(|s| s.abs() < 1e-9));
    // well-mixed comparisons take a few sweeps
    let (d, _) = random_data(30, 900, 5, false);
    let c = Comparisons {
        weight: None,
        ..d.cmp()
    };
    assert!(Dense::new(30, &c, Ties::Half).unwrap().connected);
    // an item that never loses: the same message as the sparse path
    let (w, l) = (vec![0u32, 0, 1, 2, 1, 0], vec![1u32, 2, 2, 1, 2, 1]);
    let c = Comparisons::new(&w, &l);
    let (a, b) = dense_and_sparse(3, &c, &BtOptions::default());
    let msg = a.unwrap_err().to_string();
    assert_eq!(msg, b.unwrap_err().to_string());
    assert!(msg.contains("items {0} never lose"), "{msg}");
}

#[test]
fn stats_bt_ln_normal_matches_ln() {
    use super::dense::ln_normal;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut worst = 0.0f64;
    for _ in 0..200_000 {
        let x = (rng.random::<f64>() * 1400.0 - 700.0).exp() * (1.0 + rng.random::<f64>());
        let (a, b) = (ln_normal(x), x.ln());
        worst = worst.max((a - b).abs() / b.abs().max(1e-300));
    }
    assert!(worst < 1e-15, "{worst:e}");
    for x in [
        1.0,
        2.0,
        0.5,
        std::f64::consts::SQRT_2,
        f64::MIN_POSITIVE,
        f64::MAX,
        3.0,
    ] {
        assert!(
            (ln_normal(x) - x.ln()).abs() <= 4.0 * f64::EPSILON * x.ln().abs().max(1.0),
            "{x}"
        );
    }
    assert_eq!(ln_normal(1.0), 0.0);
}

/// Items given as physical ids through a map fit exactly as their codes do, on the dense path
/// (with and without ties) and the weighted sparse one; an id whose map entry is no item is
/// refused as a code outside the items.
#[test]
fn stats_bt_mapped_ids_fit_as_codes() {
    use crate::codes::{Codes, Ids};
    let (d, _) = random_data(40, 6_000, 11, true);
    // physical id 3 c + 2 holds code c (the other ids occur nowhere)
    let mut map = vec![u32::MAX; 3 * 40 + 2];
    for c in 0..40u32 {
        map[3 * c as usize + 2] = c;
    }
    let wid: Vec<u8> = d.w.iter().map(|&c| (3 * c + 2) as u8).collect();
    let lid: Vec<u8> = d.l.iter().map(|&c| (3 * c + 2) as u8).collect();
    let mapped = |cmp: Comparisons<'_>| -> BtResult {
        let via = Comparisons {
            winner: Codes::mapped(Ids::U8(&wid), &map, "winner").unwrap(),
            loser: Codes::mapped(Ids::U8(&lid), &map, "loser").unwrap(),
            ..cmp
        };
        bradley_terry(40, &via, &opts(BtMethod::Newton, 0.0)).unwrap()
    };
    let full = d.cmp();
    for cmp in [
        Comparisons {
            weight: None,
            tie: None,
            ..full
        },
        Comparisons {
            weight: None,
            ..full
        },
        full,
    ] {
        let want = bradley_terry(40, &cmp, &opts(BtMethod::Newton, 0.0)).unwrap();
        assert_eq!(mapped(cmp), want);
    }
    // id 0 maps to no item
    let mut bad = wid.clone();
    bad[17] = 0;
    let e = Codes::mapped(Ids::U8(&bad), &map, "winner").unwrap_err();
    assert!(
        e.to_string()
            .contains("winner: row 17 has physical id 0, which has no code"),
        "{e}"
    );
}
