//! Timing smoke tests (ignored by default): `cargo test --release -p pluralign-core
//! choice::perf -- --ignored --nocapture`.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// Process CPU seconds (all threads), from /proc (Linux); 0 elsewhere.
fn cpu() -> f64 {
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

fn random_orders(n: usize, m: usize, seed: u64) -> Vec<i64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut v = Vec::with_capacity(n * m);
    let mut o: Vec<i64> = (0..m as i64).collect();
    for _ in 0..n {
        for i in (1..m).rev() {
            o.swap(i, rng.random_range(0..=i));
        }
        v.extend_from_slice(&o);
    }
    v
}

#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_profile_irv() {
    let (n, m) = (1_000_000, 20);
    let v = random_orders(n, m, 1);
    let (t, c) = (Instant::now(), cpu());
    let p = Profile::from_order_matrix(n, m, m, &v, None, None).unwrap();
    let (t1, c1) = (t.elapsed(), cpu() - c);
    let pw = p.pairwise().unwrap();
    let (t2, c2) = (t.elapsed(), cpu() - c);
    println!(
        "profile 1e6x20: build {t1:?} (cpu {c1:.2}s), +margins {t2:?} (cpu {c2:.2}s) ({} distinct)",
        p.num_ballots()
    );
    let (t, c) = (Instant::now(), cpu());
    let r = instant_runoff(&p, &TieBreak::Lexicographic).unwrap();
    println!(
        "IRV 1e6x20: {:?} (cpu {:.2}s) winner {:?}",
        t.elapsed(),
        cpu() - c,
        r.winners
    );
    let (t, c) = (Instant::now(), cpu());
    let _ = borda(&p).unwrap();
    println!("Borda 1e6x20: {:?} (cpu {:.2}s)", t.elapsed(), cpu() - c);
    let (t, c) = (Instant::now(), cpu());
    let _ = coombs(&p, &TieBreak::Lexicographic).unwrap();
    println!("Coombs 1e6x20: {:?} (cpu {:.2}s)", t.elapsed(), cpu() - c);
    let t = Instant::now();
    let _ = schulze(pw, SchulzeStrength::Margin).unwrap();
    let _ = stable_voting(pw).unwrap();
    println!("Schulze+StableVoting: {:?}", t.elapsed());
}

#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_kemeny() {
    for m in [10, 16, 20] {
        let v = random_orders(200, m, 2);
        let p = Profile::from_order_matrix(200, m, m, &v, None, None).unwrap();
        let pw = p.pairwise().unwrap();
        let t = Instant::now();
        let r = kemeny(pw, KemenyMethod::Exact, &TieBreak::None).unwrap();
        println!(
            "Kemeny exact m={m}: {:?} winners {:?}",
            t.elapsed(),
            r.winners
        );
    }
}

#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_committees() {
    let (n, m, k) = (2000, 300, 20);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let sets: Vec<Vec<usize>> = (0..n)
        .map(|_| (0..m).filter(|_| rng.random_bool(0.05)).collect())
        .collect();
    let ap = ApprovalProfile::new(m, &sets, None).unwrap();
    let t = Instant::now();
    let _ = equal_shares(&ap, k, MesCompletion::SeqPhragmen, &TieBreak::None).unwrap();
    println!("MES 2000x300 k=20: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = seq_phragmen(&ap, k, &TieBreak::None).unwrap();
    println!("seq-Phragmen: {:?}", t.elapsed());
    let t = Instant::now();
    let _ = pav(&ap, k, ThieleMethod::Sequential, &TieBreak::None).unwrap();
    println!("seq-PAV: {:?}", t.elapsed());
}

#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_profile_phases() {
    let (n, m) = (1_000_000, 20);
    let v = random_orders(n, m, 1);
    let t = Instant::now();
    let ranks: Vec<u16> = v.iter().map(|&x| x as u16).collect();
    println!("convert {:?}", t.elapsed());
    let w = vec![1.0; n];
    let (t, c) = (Instant::now(), cpu());
    let (r2, w2) =
        crate::parallel::with_threads(None, || super::profile::collapse(m, &ranks, &w)).unwrap();
    println!(
        "collapse {:?} (cpu {:.2}s) ({} rows)",
        t.elapsed(),
        cpu() - c,
        w2.len()
    );
    let (t, c) = (Instant::now(), cpu());
    let p = Profile::from_parts(m, r2, w2).unwrap();
    println!(
        "from_parts (validate + collapse again) {:?} (cpu {:.2}s)",
        t.elapsed(),
        cpu() - c
    );
    let (t, c) = (Instant::now(), cpu());
    let _ = p.pairwise().unwrap();
    println!("margins {:?} (cpu {:.2}s)", t.elapsed(), cpu() - c);
}

/// The benchmark's path: `from_rank_matrix` (i64 ranks) + margins, then IRV on the built
/// profile. Threads from `PERF_THREADS` (unset: default). Best of 3.
#[test]
#[ignore = "slow (timing or large input): cargo test -- --ignored"]
fn perf_rank_matrix_irv() {
    let (n, m) = (1_000_000, 20);
    let orders = random_orders(n, m, 1);
    let mut ranks = vec![0i64; n * m];
    for (o, r) in orders.chunks(m).zip(ranks.chunks_mut(m)) {
        for (k, &c) in o.iter().enumerate() {
            r[c as usize] = k as i64;
        }
    }
    let threads = std::env::var("PERF_THREADS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok());
    for _ in 0..3 {
        let (t, c) = (Instant::now(), cpu());
        let p = Profile::from_rank_matrix(n, m, &ranks, None, threads).unwrap();
        let (t1, c1) = (t.elapsed(), cpu() - c);
        let _ = p.pairwise().unwrap();
        let (t2, c2) = (t.elapsed(), cpu() - c);
        let (t3, c3) = (Instant::now(), cpu());
        let r = instant_runoff(&p, &TieBreak::Lexicographic).unwrap();
        println!(
            "threads {threads:?}: from_rank_matrix {t1:?} (cpu {c1:.2}s), +margins {t2:?} (cpu {c2:.2}s); IRV {:?} (cpu {:.2}s) winner {:?}",
            t3.elapsed(),
            cpu() - c3,
            r.winners
        );
    }
}
