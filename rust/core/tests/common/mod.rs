//! Test data shared by the integration tests and `pareto::wfg`'s unit tests (which include
//! this file by path).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` points on the positive unit sphere (|N(0, 1)| by Box-Muller, normalized, as
/// `benches/hv_ratios.py: sphere`): all mutually non-dominated.
pub fn sphere(n: usize, m: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * m);
    for _ in 0..n {
        let row: Vec<f64> = (0..m)
            .map(|_| {
                let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
                ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()).abs()
            })
            .collect();
        let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        out.extend(row.iter().map(|x| x / norm));
    }
    out
}
