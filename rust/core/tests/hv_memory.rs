//! Heap bytes the exact hypervolume allocates beyond its input, counted by a global allocator
//! (this test binary only): the peak of live bytes during one call, on 1 and 2 threads, next
//! to a trivial parallel call on the same pool (what a pool's jobs cost by themselves).
//!
//! The probe prints a table: `cargo test --release -p pluralign-core --test hv_memory -- --ignored --nocapture`
//! (`HV_MEM="5=20000,6=8000"` picks the cases; `HV_MEM_LOG=65536` also lists every live
//! allocation of at least that many bytes at the peak's moments).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use pluralign_core::pareto::hypervolume::{contributions, hypervolume};
use pluralign_core::MatrixView;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
static LOG_MIN: AtomicUsize = AtomicUsize::new(usize::MAX);
static LOGGING: AtomicBool = AtomicBool::new(false);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        unsafe { System.dealloc(p, l) };
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            grew(new);
        }
        q
    }
}

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(live, Relaxed);
    COUNT.fetch_add(1, Relaxed);
    if LOGGING.load(Relaxed) && size >= LOG_MIN.load(Relaxed) {
        // printing allocates: keep the flag off meanwhile
        LOGGING.store(false, Relaxed);
        eprintln!("    alloc {size:>9} B, live {live:>9} B");
        LOGGING.store(true, Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Peak live bytes above the start, and the number of allocations, of one call of `f`.
fn measure<T>(f: impl FnOnce() -> T) -> (usize, usize, T) {
    let start = LIVE.load(Relaxed);
    PEAK.store(start, Relaxed);
    COUNT.store(0, Relaxed);
    LOGGING.store(true, Relaxed);
    let v = f();
    LOGGING.store(false, Relaxed);
    (PEAK.load(Relaxed) - start, COUNT.load(Relaxed), v)
}

#[test]
fn extra_memory_is_counted() {
    // the counter itself: a 1 MB vector is seen
    let (peak, count, v) = measure(|| vec![1u8; 1 << 20].len());
    assert_eq!(v, 1 << 20);
    assert!(peak >= 1 << 20 && count >= 1);
    // and the hypervolume of a small set allocates less than 2x its input beyond the input
    // for one thread (the bound issue 22 asks for)
    let (m, n) = (5, 2000);
    let pts = common::sphere(n, m, 0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let view = MatrixView::row_major(&pts, n, m).unwrap();
    let r = vec![1.1; m];
    let (peak, _, v) = measure(|| pool.install(|| hypervolume(&view, &[false; 5], &r)));
    assert!(v.unwrap() > 0.0);
    assert!(
        peak < n * m * 8,
        "{peak} bytes beyond a {} byte input",
        n * m * 8
    );
}

#[test]
#[ignore = "probe: prints a table"]
fn hv_memory_probe() {
    let cases: Vec<(usize, usize)> = std::env::var("HV_MEM").map_or_else(
        |_| {
            vec![
                (5, 20000),
                (6, 8000),
                (8, 500),
                (10, 120),
                (5, 44000),
                (6, 16000),
            ]
        },
        |s| {
            s.split(',')
                .filter_map(|kv| {
                    let (a, b) = kv.split_once('=')?;
                    Some((a.parse().ok()?, b.parse().ok()?))
                })
                .collect()
        },
    );
    let log: usize =
        std::env::var("HV_MEM_LOG").map_or(usize::MAX, |s| s.parse().unwrap_or(usize::MAX));
    LOG_MIN.store(log, Relaxed);
    let contrib = std::env::var("HV_MEM_FN").is_ok_and(|s| s == "contributions");
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        // a trivial parallel call: what jobs on the pool allocate by themselves
        let (trivial, tcount, _) = measure(|| {
            pool.install(|| {
                use rayon::prelude::*;
                (0..1000u32)
                    .into_par_iter()
                    .with_max_len(1)
                    .map(f64::from)
                    .sum::<f64>()
            })
        });
        eprintln!("threads={threads}: trivial parallel call {trivial} B in {tcount} allocations");
        for &(m, n) in &cases {
            let pts = common::sphere(n, m, 0);
            let view = MatrixView::row_major(&pts, n, m).unwrap();
            let r = vec![1.1; m];
            let mx = vec![false; m];
            let (peak, count, v) = measure(|| {
                pool.install(|| {
                    if contrib {
                        contributions(&view, &mx, &r, false).map(|c| c.iter().sum())
                    } else {
                        hypervolume(&view, &mx, &r)
                    }
                })
            });
            let input = n * m * 8;
            eprintln!(
                "  m={m:>2} n={n:>6}: input {:>8.3} MB, extra heap peak {:>8.3} MB ({:.2}x), {count} allocations, value {}",
                input as f64 / 1e6,
                peak as f64 / 1e6,
                (input + peak) as f64 / input as f64,
                v.unwrap()
            );
        }
    }
}
