//! Heap bytes the exact hypervolume allocates beyond its input, counted by a global allocator
//! (this test binary only): the peak of live bytes during one call, on 1 and 2 threads, next
//! to a trivial parallel call on the same pool (what a pool's jobs cost by themselves), and
//! how many allocations the pool's threads make.
//!
//! The count includes capacity reserved and never filled: each thread's WFG scratch is made
//! by the caller, with room for the largest set the slabs can build, so that the pool threads
//! allocate nothing (in their own allocator arenas every allocation took fresh pages, 2-4x the
//! input at m = 8 and 10); only the filled pages are touched. The resident peak, what issue
//! 22 bounds, is measured by `benches/hv_memory.py`.
//!
//! The probe prints a table: `cargo test --release -p pluralign-core --test hv_memory -- --ignored --nocapture`
//! (`HV_MEM="5=20000,6=8000"` picks the cases; `HV_MEM_LOG=65536` also lists every live
//! allocation of at least that many bytes at the peak's moments).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use pluralign_core::parallel::Par;
use pluralign_core::pareto::hypervolume::{
    contributions, contributions_in, hypervolume, hypervolume_in,
};
use pluralign_core::MatrixView;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
static LOG_MIN: AtomicUsize = AtomicUsize::new(usize::MAX);
static LOGGING: AtomicBool = AtomicBool::new(false);
/// Held by each test: the counters are the whole process's, and tests run side by side.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// Allocations made on the threads of a [`marked_pool`].
static POOL_ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static IN_POOL: Cell<bool> = const { Cell::new(false) };
}

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
    if IN_POOL.with(Cell::get) {
        POOL_ALLOCS.fetch_add(1, Relaxed);
    }
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
    POOL_ALLOCS.store(0, Relaxed);
    LOGGING.store(true, Relaxed);
    let v = f();
    LOGGING.store(false, Relaxed);
    (PEAK.load(Relaxed) - start, COUNT.load(Relaxed), v)
}

/// A pool whose threads' allocations are counted in [`POOL_ALLOCS`], after a first parallel
/// call (the threads' own start-up allocations are not the kernel's).
fn marked_pool(threads: usize) -> rayon::ThreadPool {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .start_handler(|_| IN_POOL.with(|f| f.set(true)))
        .build()
        .unwrap();
    pool.install(trivial);
    pool
}

/// A trivial parallel call: what jobs on a pool allocate by themselves.
fn trivial() -> f64 {
    use rayon::prelude::*;
    (0..1000u32)
        .into_par_iter()
        .with_max_len(1)
        .map(f64::from)
        .sum::<f64>()
}

#[test]
fn extra_memory_is_counted() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // the counter itself: a 1 MB vector is seen
    let (peak, count, v) = measure(|| vec![1u8; 1 << 20].len());
    assert_eq!(v, 1 << 20);
    assert!(peak >= 1 << 20 && count >= 1);
    // and the hypervolume of a small set reserves at most 2x its input beyond the input for
    // one thread, most of it never filled (see the module's comment)
    let (m, n) = (5, 2000);
    let pts = common::sphere(n, m, 0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let view = MatrixView::row_major(&pts, n, m).unwrap();
    let r = vec![1.1; m];
    let (peak, _, v) = measure(|| hypervolume_in(&view, &[false; 5], &r, Par::Pool(&pool)));
    assert!(v.unwrap() > 0.0);
    assert!(
        peak < 2 * n * m * 8,
        "{peak} bytes beyond a {} byte input",
        n * m * 8
    );
}

#[test]
fn pool_threads_allocate_nothing_given_the_pool() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Given the pool, the slabs' threads work in scratch the caller made (the Python path):
    // not one allocation on a pool thread, at every dimension WFG takes (m >= 4), on 1 and 3
    // threads; the value is the one computed inside the pool. The same for the exclusive
    // contributions.
    for threads in [1, 3] {
        let pool = marked_pool(threads);
        for (m, n) in [(4, 600), (5, 500), (6, 300), (7, 150), (8, 120), (10, 40)] {
            let pts = common::sphere(n, m, 1);
            let view = MatrixView::row_major(&pts, n, m).unwrap();
            let (r, mx) = (vec![1.1; m], vec![false; m]);
            let inside = pool.install(|| hypervolume(&view, &mx, &r)).unwrap();
            let (_, _, v) = measure(|| hypervolume_in(&view, &mx, &r, Par::Pool(&pool)));
            let allocs = POOL_ALLOCS.load(Relaxed);
            assert_eq!(allocs, 0, "m={m} n={n} threads={threads}");
            assert_eq!(v.unwrap(), inside, "m={m} n={n} threads={threads}");
            // the exclusive contributions likewise (a quarter of the points: n HV calls)
            let k = n / 4;
            let view = MatrixView::row_major(&pts[..k * m], k, m).unwrap();
            let inside = pool
                .install(|| contributions(&view, &mx, &r, false))
                .unwrap();
            let (_, _, v) = measure(|| contributions_in(&view, &mx, &r, false, Par::Pool(&pool)));
            let allocs = POOL_ALLOCS.load(Relaxed);
            assert_eq!(allocs, 0, "contributions m={m} n={k} threads={threads}");
            assert_eq!(
                v.unwrap(),
                inside,
                "contributions m={m} n={k} threads={threads}"
            );
        }
    }
}

#[test]
#[ignore = "probe: prints a table"]
fn hv_memory_probe() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
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
        let pool = marked_pool(threads);
        // a trivial parallel call: what jobs on the pool allocate by themselves
        let (bytes, tcount, _) = measure(|| pool.install(trivial));
        eprintln!("threads={threads}: trivial parallel call {bytes} B in {tcount} allocations");
        for &(m, n) in &cases {
            let pts = common::sphere(n, m, 0);
            let view = MatrixView::row_major(&pts, n, m).unwrap();
            let r = vec![1.1; m];
            let mx = vec![false; m];
            // as the Python functions call them
            let (peak, count, v) = measure(|| {
                if contrib {
                    contributions_in(&view, &mx, &r, false, Par::Pool(&pool))
                        .map(|c| c.iter().sum())
                } else {
                    hypervolume_in(&view, &mx, &r, Par::Pool(&pool))
                }
            });
            let on_pool = POOL_ALLOCS.load(Relaxed);
            let input = n * m * 8;
            eprintln!(
                "  m={m:>2} n={n:>6}: input {:>8.3} MB, extra heap peak {:>8.3} MB ({:.2}x), {count} allocations ({on_pool} on the pool), value {}",
                input as f64 / 1e6,
                peak as f64 / 1e6,
                (input + peak) as f64 / input as f64,
                v.unwrap()
            );
        }
    }
}
