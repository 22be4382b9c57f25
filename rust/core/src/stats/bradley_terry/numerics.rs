//! Numerics and solvers: stable sigmoids, the objective, Newton with preconditioned CG, MM.

// One file split along its seams: the parts share the parent module's imports and items.
#[allow(clippy::wildcard_imports)]
use super::*;

#[inline]
pub(super) fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

#[inline]
pub(super) fn log_sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        -(-x).exp().ln_1p()
    } else {
        x - x.exp().ln_1p()
    }
}

pub(super) fn per_item<T: Send, F: Fn(usize) -> T + Sync + Send>(
    n: usize,
    par: bool,
    f: F,
) -> Vec<T> {
    if par {
        (0..n).into_par_iter().with_min_len(16).map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

pub(super) fn min_max(x: &[f64]) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
            (a.min(t), b.max(t))
        })
}

/// What the solvers need from a comparison graph: the CSR [`View`] (any graph) or the packed
/// dense layout of [`super::dense::Dense`] (many comparisons over few items).
pub(super) trait Graph: Sync {
    fn n(&self) -> usize;
    /// Whether per-item loops are worth running in parallel (same results either way).
    fn par(&self) -> bool;
    /// Weighted wins of each item (ties as half wins).
    fn won(&self) -> Vec<f64>;
    /// Gradient, Hessian diagonal and per-entry curvatures at `theta` (`c`: a buffer to reuse).
    fn state(&self, won: &[f64], theta: &[f64], l2: f64, par: bool, c: Vec<f64>) -> State;
    /// `H x` with `H = L_c + l2 I`.
    fn hess_mul(&self, c: &[f64], l2: f64, x: &[f64], par: bool) -> Vec<f64>;
    /// Data log-likelihood (ties as half wins).
    fn log_lik(&self, theta: &[f64], par: bool) -> f64;
    /// Expected wins `sum_j n_ij P(i beats j)` of each item (the MM update).
    fn expected(&self, theta: &[f64], par: bool) -> Vec<f64>;
}

impl Graph for View<'_> {
    fn n(&self) -> usize {
        self.n
    }
    fn par(&self) -> bool {
        View::par(self)
    }
    fn won(&self) -> Vec<f64> {
        (0..self.n)
            .map(|i| self.wins[self.row(i)].iter().sum())
            .collect()
    }
    fn state(&self, won: &[f64], theta: &[f64], l2: f64, par: bool, c: Vec<f64>) -> State {
        state(self, won, theta, l2, par, c)
    }
    fn hess_mul(&self, c: &[f64], l2: f64, x: &[f64], par: bool) -> Vec<f64> {
        hess_mul(self, c, l2, x, par)
    }
    fn log_lik(&self, theta: &[f64], par: bool) -> f64 {
        log_lik(self, theta, par)
    }
    fn expected(&self, theta: &[f64], par: bool) -> Vec<f64> {
        per_item(self.n, par, |i| {
            let mut e = 0.0;
            for k in self.row(i) {
                e += self.total[k] * sigmoid(theta[i] - theta[self.cols[k] as usize]);
            }
            e
        })
    }
}

/// Largest spread of log-strengths for which `exp(theta_i - mid)` stays a normal float.
pub(super) const MAX_SHARED_EXP_SPREAD: f64 = 1200.0;

/// `(mid, p)` with `p_i = exp(theta_i - mid)`, so that `P(i beats j) = p_i / (p_i + p_j)` takes
/// one exponential per item instead of one per entry; `None` when the spread of `theta` is too
/// wide for every `p_i` to be a normal float (or not finite).
pub(super) fn shared_exp(theta: &[f64]) -> Option<(f64, Vec<f64>)> {
    let (lo, hi) = min_max(theta);
    let spread = hi - lo;
    if spread.is_nan() || spread > MAX_SHARED_EXP_SPREAD {
        return None;
    }
    let mid = 0.5 * (lo + hi);
    Some((mid, theta.iter().map(|t| (t - mid).exp()).collect()))
}

/// Data log-likelihood (ties as half wins).
pub(super) fn log_lik(v: &View, theta: &[f64], par: bool) -> f64 {
    let Some((mid, p)) = shared_exp(theta) else {
        return per_item(v.n, par, |i| {
            let mut s = 0.0;
            for e in v.row(i) {
                let w = v.wins[e];
                if w > 0.0 {
                    s += w * log_sigmoid(theta[i] - theta[v.cols[e] as usize]);
                }
            }
            s
        })
        .iter()
        .sum();
    };
    // ln s_ij = (theta_i - mid) - ln(p_i + p_j), and the log is shared by both directions of a
    // pair: row i adds (theta_i - mid) * (its wins) - sum_{j > i} n_ij ln(p_i + p_j)
    per_item(v.n, par, |i| {
        let r = v.row(i);
        let wins: f64 = v.wins[r.clone()].iter().sum();
        let cols = &v.cols[r.clone()];
        let above = r.start + cols.partition_point(|&j| j as usize <= i);
        let mut s = 0.0;
        for e in above..r.end {
            s += v.total[e] * (p[i] + p[v.cols[e] as usize]).ln();
        }
        (theta[i] - mid) * wins - s
    })
    .iter()
    .sum()
}

/// Penalized log-likelihood.
pub(super) fn objective<G: Graph>(g: &G, theta: &[f64], l2: f64, par: bool) -> f64 {
    let mut f = g.log_lik(theta, par);
    if l2 > 0.0 {
        f -= 0.5 * l2 * theta.iter().map(|t| t * t).sum::<f64>();
    }
    f
}

pub(super) fn center(theta: &mut [f64]) {
    if theta.is_empty() {
        return;
    }
    let mean = theta.iter().sum::<f64>() / theta.len() as f64;
    for t in theta.iter_mut() {
        *t -= mean;
    }
}

pub(super) fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// `out = H x` with `H = L_c + l2 I`.
pub(super) fn hess_mul(v: &View, c: &[f64], l2: f64, x: &[f64], par: bool) -> Vec<f64> {
    per_item(v.n, par, |i| {
        let xi = x[i];
        let mut s = l2 * xi;
        for e in v.row(i) {
            s += c[e] * (xi - x[v.cols[e] as usize]);
        }
        s
    })
}

/// Jacobi-preconditioned conjugate gradients for `H d = g`; returns `d` and its residual
/// `g - H d` (as updated by the iteration).
pub(super) fn pcg<G: Graph>(
    graph: &G,
    c: &[f64],
    l2: f64,
    diag: &[f64],
    g: &[f64],
    rtol: f64,
    par: bool,
) -> (Vec<f64>, Vec<f64>) {
    let n = graph.n();
    let inv: Vec<f64> = diag
        .iter()
        .map(|&d| if d > 0.0 { 1.0 / d } else { 1.0 })
        .collect();
    let mut x = vec![0.0; n];
    let mut r = g.to_vec();
    let gnorm = dot(g, g).sqrt();
    if gnorm == 0.0 {
        return (x, r);
    }
    let mut z: Vec<f64> = r.iter().zip(&inv).map(|(a, b)| a * b).collect();
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let max_it = (2 * n).clamp(50, 2000);
    for _ in 0..max_it {
        let ap = graph.hess_mul(c, l2, &p, par);
        let pap = dot(&p, &ap);
        if pap.is_nan() || pap <= 0.0 {
            break;
        }
        let alpha = rz / pap;
        for k in 0..n {
            x[k] += alpha * p[k];
            r[k] -= alpha * ap[k];
        }
        if dot(&r, &r).sqrt() <= rtol * gnorm {
            break;
        }
        for k in 0..n {
            z[k] = r[k] * inv[k];
        }
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for k in 0..n {
            p[k] = z[k] + beta * p[k];
        }
    }
    (x, r)
}

pub(super) struct Solve {
    pub(super) theta: Vec<f64>,
    pub(super) iterations: usize,
    pub(super) converged: bool,
}

/// Gradient, Hessian diagonal and per-entry curvature at `theta`, in one pass.
pub(super) struct State {
    pub(super) grad: Vec<f64>,
    pub(super) diag: Vec<f64>,
    pub(super) c: Vec<f64>,
}

/// Splits `buf` into consecutive mutable rows given CSR offsets.
pub(super) fn split_rows<'a>(mut buf: &'a mut [f64], off: &[usize]) -> Vec<&'a mut [f64]> {
    let mut out = Vec::with_capacity(off.len().saturating_sub(1));
    for w in off.windows(2) {
        let (a, b) = std::mem::take(&mut buf).split_at_mut(w[1] - w[0]);
        out.push(a);
        buf = b;
    }
    out
}

/// `(s, 1 - s)` for `s = sigmoid(x)`, both without cancellation.
#[inline]
pub(super) fn sigmoid_pair(x: f64) -> (f64, f64) {
    let t = (-x.abs()).exp();
    let (big, small) = (1.0 / (1.0 + t), t / (1.0 + t));
    if x >= 0.0 {
        (big, small)
    } else {
        (small, big)
    }
}

/// `won` holds the row sums of the wins (so the pass reads no wins); `c` is a buffer to reuse
/// (every entry is overwritten).
pub(super) fn state(
    v: &View,
    won: &[f64],
    theta: &[f64],
    l2: f64,
    par: bool,
    mut c: Vec<f64>,
) -> State {
    let p = shared_exp(theta).map_or_else(Vec::new, |(_, p)| p);
    if c.len() != v.cols.len() {
        c = vec![0.0; v.cols.len()];
    }
    let rows = split_rows(&mut c, v.off);
    let item = |(i, ci): (usize, &mut [f64])| {
        // expected wins `e`: the gradient is won - e
        let (mut e, mut d) = (0.0, l2);
        let r = v.row(i);
        let entries = v.cols[r.clone()].iter().zip(&v.total[r]).zip(ci.iter_mut());
        let mut add = |t: f64, (s, sb): (f64, f64), cc: &mut f64| {
            e += t * s;
            *cc = t * s * sb;
            d += *cc;
        };
        if p.is_empty() {
            for ((&j, &t), cc) in entries {
                add(t, sigmoid_pair(theta[i] - theta[j as usize]), cc);
            }
        } else {
            let pi = p[i];
            for ((&j, &t), cc) in entries {
                let pj = p[j as usize];
                let inv = 1.0 / (pi + pj);
                add(t, (pi * inv, pj * inv), cc);
            }
        }
        (won[i] - e - l2 * theta[i], d)
    };
    let per: Vec<(f64, f64)> = if par {
        rows.into_par_iter()
            .enumerate()
            .with_min_len(16)
            .map(item)
            .collect()
    } else {
        rows.into_iter().enumerate().map(item).collect()
    };
    State {
        grad: per.iter().map(|p| p.0).collect(),
        diag: per.iter().map(|p| p.1).collect(),
        c,
    }
}

/// Whether the full step `d` provably does not lower the objective, from quantities at
/// `theta` alone (no logarithms), with `q = d'Hd`. Every curvature `n s (1 - s)` changes by at
/// most a factor `e^|u|` when its pair's difference moves by `u` (`|(s (1 - s))'| <= s (1 - s)`),
/// so with `r = max d - min d`: `f(theta + d) >= f(theta) + g'd - phi(r) q`, where
/// `phi(r) = (e^r - 1 - r) / r^2 <= 1/2 + 0.22 r` on `[0, 1]` (convex, `phi(1) = e - 2`).
pub(super) fn full_step_safe(g: &[f64], d: &[f64], q: f64) -> bool {
    let (lo, hi) = min_max(d);
    let r = hi - lo;
    r <= 1.0 && dot(g, d) - (0.5 + 0.22 * r) * q >= 0.0
}

pub(super) fn fit_newton<G: Graph>(
    v: &G,
    l2: f64,
    tol: f64,
    max_iter: usize,
    theta0: Vec<f64>,
    par: bool,
) -> Solve {
    let mut theta = theta0;
    if l2 == 0.0 {
        center(&mut theta);
    }
    let won = v.won();
    let mut st = v.state(&won, &theta, l2, par, Vec::new());
    // objective at `theta`, evaluated only when a step needs a line search
    let mut f: Option<f64> = None;
    let g0 = dot(&st.grad, &st.grad).sqrt().max(f64::MIN_POSITIVE);
    for it in 1..=max_iter {
        let mut grad = std::mem::take(&mut st.grad);
        if l2 == 0.0 {
            center(&mut grad);
        }
        // inexact Newton: a loose solve far from the optimum, a tight one near it
        let gn = dot(&grad, &grad).sqrt();
        let rtol = (gn / g0).sqrt().clamp(1e-11, 0.1).min(gn.max(1e-11));
        let (mut step, res) = pcg(v, &st.c, l2, &st.diag, &grad, rtol, par);
        if l2 == 0.0 {
            center(&mut step);
        }
        // d'Hd without another product: H d = g - residual (centering d does not change H d)
        let q = dot(&step, &grad) - dot(&step, &res);
        let new_theta = if full_step_safe(&grad, &step, q) {
            f = None;
            theta.iter().zip(&step).map(|(t, d)| t + d).collect()
        } else {
            // backtracking line search on the objective
            let f0 = *f.get_or_insert_with(|| objective(v, &theta, l2, par));
            let mut s = 1.0;
            loop {
                let trial: Vec<f64> = theta.iter().zip(&step).map(|(t, d)| t + s * d).collect();
                let ft = objective(v, &trial, l2, par);
                if ft >= f0 - 1e-12 * (1.0 + f0.abs()) || s < 1e-12 {
                    f = Some(ft);
                    break trial;
                }
                s *= 0.5;
            }
        };
        let change = max_abs_diff(&new_theta, &theta);
        theta = new_theta;
        st = v.state(&won, &theta, l2, par, std::mem::take(&mut st.c));
        if change < tol {
            return Solve {
                theta,
                iterations: it,
                converged: true,
            };
        }
    }
    Solve {
        theta,
        iterations: max_iter,
        converged: false,
    }
}

/// Largest `theta` solving `w - e * exp(u) - l2 * (t + u) = 0` for `u`, returned as `t + u`.
pub(super) fn mm_prior_update(t: f64, w: f64, e: f64, l2: f64) -> f64 {
    if e <= 0.0 {
        return w / l2;
    }
    let mut u = 0.0f64;
    for _ in 0..200 {
        let eu = e * u.exp();
        let g = w - eu - l2 * (t + u);
        let d = (g / (eu + l2)).clamp(-50.0, 50.0);
        u += d;
        if d.abs() <= 1e-15 * (1.0 + u.abs()) {
            break;
        }
    }
    t + u
}

pub(super) fn fit_mm<G: Graph>(
    v: &G,
    l2: f64,
    tol: f64,
    max_iter: usize,
    theta0: Vec<f64>,
    par: bool,
) -> Solve {
    let n = v.n();
    let mut theta = theta0;
    if l2 == 0.0 {
        center(&mut theta);
    }
    let won = v.won();
    for it in 1..=max_iter {
        let e = v.expected(&theta, par);
        let mut new: Vec<f64> = per_item(n, par, |i| {
            let (w, e) = (won[i], e[i]);
            if l2 == 0.0 {
                if w > 0.0 && e > 0.0 {
                    theta[i] + w.ln() - e.ln()
                } else {
                    theta[i]
                }
            } else {
                mm_prior_update(theta[i], w, e, l2)
            }
        });
        if l2 == 0.0 {
            center(&mut new);
        }
        let change = max_abs_diff(&new, &theta);
        theta = new;
        if change < tol {
            return Solve {
                theta,
                iterations: it,
                converged: true,
            };
        }
    }
    Solve {
        theta,
        iterations: max_iter,
        converged: false,
    }
}

pub(super) fn solve<G: Graph>(v: &G, opts: &BtOptions, theta0: Vec<f64>, par: bool) -> Solve {
    match opts.method {
        BtMethod::Newton => fit_newton(v, opts.l2, opts.tol, opts.max_iter, theta0, par),
        BtMethod::MM => fit_mm(v, opts.l2, opts.tol, opts.max_iter, theta0, par),
    }
}
