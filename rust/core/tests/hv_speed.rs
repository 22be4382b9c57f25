//! Timing probe of the exact hypervolume through its public entry (the caller's rows read in
//! place), for comparing builds and variants in interleaved runs:
//! `HV_PROBE="5=44081,6=16351" HV_THREADS=2 HV_K=3 cargo test --release -p pluralign-core --test hv_speed -- --ignored --nocapture`.
//! Prints best-of-k wall and process CPU seconds and the value's bits.

mod common;

use std::time::Instant;

use pluralign_core::pareto::hypervolume::hypervolume;
use pluralign_core::MatrixView;

/// Process CPU seconds (all threads), from /proc/self/stat (clock ticks of 10 ms).
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // fields 14 and 15 of the file (utime, stime) are the 12th and 13th after the ')'
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

#[test]
#[ignore = "probe: prints timings"]
fn hv_speed_probe() {
    let cases: Vec<(usize, usize)> = std::env::var("HV_PROBE")
        .unwrap_or_else(|_| "5=20000,6=8000".into())
        .split(',')
        .filter_map(|kv| {
            let (a, b) = kv.split_once('=')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect();
    let threads: usize = std::env::var("HV_THREADS").map_or(2, |s| s.parse().unwrap_or(2));
    let k: usize = std::env::var("HV_K").map_or(1, |s| s.parse().unwrap_or(1));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    for (m, n) in cases {
        let pts = common::sphere(n, m, 0);
        let view = MatrixView::row_major(&pts, n, m).unwrap();
        let r = vec![1.1; m];
        let mx = vec![false; m];
        let (mut wall, mut cpus, mut v) = (f64::INFINITY, f64::INFINITY, 0.0);
        for _ in 0..k {
            let (t, c) = (Instant::now(), cpu());
            v = pool.install(|| hypervolume(&view, &mx, &r)).unwrap();
            wall = wall.min(t.elapsed().as_secs_f64());
            cpus = cpus.min(cpu() - c);
        }
        eprintln!(
            "m={m} n={n} threads={threads}: wall {wall:.3} s, cpu {cpus:.2} s (best of {k}), value {v:e} {:#x}",
            v.to_bits()
        );
    }
}
