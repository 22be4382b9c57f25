//! Rayon pools for the kernels. `threads=None` means all cores; results never depend on the
//! thread count (kernels split work into fixed-size chunks, not per-thread shares).
//!
//! Pools are cached per size. A pool's worker threads do not survive `fork()` (torch
//! DataLoader, multiprocessing, Ray workers), so the cache remembers the pid that built it and
//! a forked child builds fresh pools instead of waiting forever on threads that don't exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{CoreError, Result};

struct Pools {
    pid: u32,
    by_size: HashMap<usize, Arc<rayon::ThreadPool>>,
}

fn pools() -> &'static Mutex<Pools> {
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    POOLS.get_or_init(|| {
        Mutex::new(Pools {
            pid: std::process::id(),
            by_size: HashMap::new(),
        })
    })
}

/// Number of threads `threads=None` resolves to: `PLURALIGN_NUM_THREADS`, then
/// `RAYON_NUM_THREADS`, then the available parallelism.
pub fn default_threads() -> usize {
    for var in ["PLURALIGN_NUM_THREADS", "RAYON_NUM_THREADS"] {
        if let Some(n) = std::env::var(var)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
        {
            if n > 0 {
                return n;
            }
        }
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    // A poisoned lock only means another thread panicked while holding it; the map is still valid.
    let mut guard = pools().lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    if guard.pid != pid {
        // Forked child: the parent's workers are gone. Leak the old pools (dropping them would
        // try to join threads that do not exist here) and start over.
        let old = std::mem::take(&mut guard.by_size);
        std::mem::forget(old);
        guard.pid = pid;
    }
    if let Some(p) = guard.by_size.get(&threads) {
        return Ok(p.clone());
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pluralign-{i}"))
        .build()
        .map_err(|e| CoreError::Input(format!("could not start {threads} threads: {e}")))?;
    let p = Arc::new(p);
    guard.by_size.insert(threads, p.clone());
    Ok(p)
}

/// Run `f` inside a pool of `threads` threads (`None`: [`default_threads`]).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    let n = match threads {
        None => default_threads(),
        Some(0) => {
            return Err(CoreError::Input(
                "threads must be at least 1 (or None for all cores)".into(),
            ))
        }
        Some(n) => n,
    };
    Ok(pool(n)?.install(f))
}
