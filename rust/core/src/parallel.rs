//! Rayon pools for the kernels. `threads=None` means all cores; results never depend on the
//! thread count (kernels split work into fixed-size chunks, not per-thread shares).
//!
//! Pools are cached per size, at most [`MAX_CACHED_POOLS`] of them: asking for another size
//! drops the least recently used pool (its threads exit once the work running on it is done),
//! so calls with `threads = 1, 2, ..., 100` leave a bounded number of threads behind. A
//! thread count above [`max_threads`] (8 x the cores, at least 64, at most 1024) is refused
//! with a `LimitError` before any thread starts.
//!
//! A pool's worker threads do not survive `fork()` (torch DataLoader, multiprocessing, Ray
//! workers), so the cache remembers the pid that built it and a forked child builds fresh
//! pools instead of waiting forever on threads that don't exist.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::{CoreError, Result};

/// Most pools kept alive at once (the rest are dropped, least recently used first).
pub const MAX_CACHED_POOLS: usize = 4;

/// The largest `threads` a kernel accepts: 8 x the available cores, at least 64 and at most
/// 1024 (more threads than that only oversubscribe the machine; an absurd count such as 10**9
/// would otherwise start threads until the OS refuses).
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    cores.saturating_mul(8).clamp(64, 1024)
}

struct Pools {
    pid: u32,
    by_size: HashMap<usize, (u64, Arc<rayon::ThreadPool>)>,
    clock: u64,
}

fn pools() -> &'static Mutex<Pools> {
    static POOLS: OnceLock<Mutex<Pools>> = OnceLock::new();
    POOLS.get_or_init(|| {
        Mutex::new(Pools {
            pid: std::process::id(),
            by_size: HashMap::new(),
            clock: 0,
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
                return n.min(max_threads());
            }
        }
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    // A poisoned lock only means another thread panicked while holding it; the map is still valid.
    let mut guard = pools()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pid = std::process::id();
    if guard.pid != pid {
        // Forked child: the parent's workers are gone. Leak the old pools (dropping them would
        // try to join threads that do not exist here) and start over.
        let old = std::mem::take(&mut guard.by_size);
        std::mem::forget(old);
        guard.pid = pid;
    }
    guard.clock += 1;
    let now = guard.clock;
    if let Some((used, p)) = guard.by_size.get_mut(&threads) {
        *used = now;
        return Ok(p.clone());
    }
    while guard.by_size.len() >= MAX_CACHED_POOLS {
        // Drop the least recently used pool. A kernel still running on it holds its own Arc,
        // so the threads finish that work first and then exit.
        let oldest = guard
            .by_size
            .iter()
            .min_by_key(|(_, (used, _))| *used)
            .map(|(k, _)| *k);
        match oldest {
            Some(k) => {
                guard.by_size.remove(&k);
            }
            None => break,
        }
    }
    let p = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pluralign-{i}"))
        .build()
        .map_err(|e| CoreError::Input(format!("could not start {threads} threads: {e}")))?;
    let p = Arc::new(p);
    guard.by_size.insert(threads, (now, p.clone()));
    Ok(p)
}

/// The pool of `threads` threads (`None`: [`default_threads`]), validated and cached.
pub fn pool_for(threads: Option<usize>) -> Result<Arc<rayon::ThreadPool>> {
    let n = match threads {
        None => default_threads(),
        Some(0) => {
            return Err(CoreError::Input(
                "threads must be at least 1 (or None for all cores)".into(),
            ))
        }
        Some(n) if n > max_threads() => {
            return Err(CoreError::Limit(format!(
                "threads={n} is above the limit of {} (8 x the {} available cores, at least 64, at most 1024); pass fewer threads or None for all cores",
                max_threads(),
                std::thread::available_parallelism()
                    .map_or(1, std::num::NonZero::get)
            )))
        }
        Some(n) => n,
    };
    pool(n)
}

/// Run `f` inside a pool of `threads` threads (`None`: [`default_threads`]).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    Ok(pool_for(threads)?.install(f))
}

/// Where a kernel's parallel parts run: in the pool it was called in (`Current`), or in a
/// given pool entered for those parts only (`Pool`), the rest running on the calling thread.
/// The second keeps a kernel's sequential steps, and the scratch it makes for the pool's
/// threads, in the caller's allocator arena: memory the process already holds is reused
/// there, where each pool thread's own arena takes fresh pages (exact hypervolume at m = 8
/// and 10 touched 2-4x its input that way, issue 22).
#[derive(Clone, Copy)]
pub enum Par<'p> {
    Current,
    Pool(&'p rayon::ThreadPool),
}

impl Par<'_> {
    /// Run `f` where the parallel parts run.
    pub fn install<T: Send>(self, f: impl FnOnce() -> T + Send) -> T {
        match self {
            Par::Current => f(),
            Par::Pool(p) => p.install(f),
        }
    }

    /// Threads of that pool.
    pub fn threads(self) -> usize {
        match self {
            Par::Current => rayon::current_num_threads(),
            Par::Pool(p) => p.current_num_threads(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_thread_counts_are_refused_before_starting_threads() {
        let r = with_threads(Some(1_000_000_000), || 1);
        assert!(matches!(r, Err(CoreError::Limit(ref m)) if m.contains("1000000000")));
        assert!(matches!(
            with_threads(Some(usize::MAX), || 1),
            Err(CoreError::Limit(_))
        ));
        assert!((64..=1024).contains(&max_threads()));
        assert_eq!(with_threads(Some(max_threads()), || 7).unwrap(), 7);
    }

    #[test]
    fn the_pool_cache_is_bounded() {
        for k in 1..=20 {
            assert_eq!(
                with_threads(Some(k), rayon::current_num_threads).unwrap(),
                k
            );
        }
        let guard = pools()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        assert!(guard.by_size.len() <= MAX_CACHED_POOLS);
    }
}
