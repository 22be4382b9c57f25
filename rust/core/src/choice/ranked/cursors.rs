//! Per-round top / bottom tallies for the elimination rules: incremental for strict full
//! rankings ([`StrictTally`]), tier by tier otherwise ([`TierCursors`]).

use crate::cache::prefetch;
use rayon::prelude::*;

use super::super::Profile;
use super::TALLY_CHUNK;
use crate::error::Result;
use crate::parallel::with_threads;

/// Top (or bottom) tallies over the remaining candidates for elimination rules (IRV, Coombs),
/// called once per round with a shrinking remaining set.
pub(super) enum Cursors {
    /// Every ballot a strict full ranking: incremental tallies ([`StrictTally`]), built on
    /// first use per side (`[top, bottom]`).
    Strict([Option<StrictTally>; 2]),
    /// Ballots with ties or unlisted candidates.
    Tiers(TierCursors),
}

impl Cursors {
    /// Incremental strict tallies unless the first tally finds a ballot that is not a strict
    /// full ranking.
    pub(super) fn new() -> Self {
        Cursors::Strict([None, None])
    }

    /// Each ballot's weight, split over its top (`bottom = false`) or bottom tier among the
    /// remaining candidates, summed per candidate (at least one candidate must remain).
    pub(super) fn tally(
        &mut self,
        p: &Profile,
        remaining: &[bool],
        bottom: bool,
    ) -> Result<Vec<f64>> {
        match self {
            Cursors::Strict(sides) => {
                let side = &mut sides[bottom as usize];
                if let Some(t) = side {
                    return t.update(p, remaining);
                }
                if let Some(t) = StrictTally::new(p, remaining, bottom)? {
                    Ok(side.insert(t).tally.clone())
                } else {
                    // some ballot has ties or unlisted candidates
                    let mut tiers = TierCursors::new(p)?;
                    let t = tiers.tally(p, remaining, bottom);
                    *self = Cursors::Tiers(tiers);
                    t
                }
            }
            Cursors::Tiers(c) => c.tally(p, remaining, bottom),
        }
    }
}

/// First (or last) places among the remaining candidates when every ballot is a strict full
/// ranking of at most 64 candidates, kept up to date incrementally: each ballot counts for one
/// candidate (`cur`, at position `pos` of its ranking), and when candidates are eliminated only
/// their ballots move on to their next remaining candidate, adding their weight there (about
/// `n ln m` moves over a whole count, instead of re-tallying all `n` ballots every round).
///
/// A round finds the moving ballots by scanning the one-byte `cur` array, in ballot order and
/// in one pass, and usually finds their next candidate in the 8-byte `head` word rather than
/// the rank row: few TLB and cache misses, and 10 bytes of state per ballot (fresh pages are
/// expensive). Ballots are processed in parallel in fixed pieces whose partial tallies are
/// added in piece order: the result does not depend on the thread count.
pub(super) struct StrictTally {
    m: usize,
    bottom: bool,
    /// Candidate each ballot counts for.
    cur: Vec<u8>,
    /// Its position on the ballot (rank; `m - 1 - rank` for bottom tallies).
    pos: Vec<u8>,
    /// The candidates at each ballot's first [`HEAD`] positions, a byte each: most moves find
    /// the next candidate here (8 bytes per ballot, cache friendly) instead of in the rank row.
    head: Vec<u64>,
    tally: Vec<f64>,
    /// The remaining set `tally` is for.
    counted: Vec<bool>,
    /// Every weight is 1 (then moves do not read the weights: one cache miss less each).
    unit: bool,
}

/// Ballots per parallel piece of a [`StrictTally`].
pub(super) const STRICT_CHUNK: usize = 1 << 14;

/// Moving ballots whose heads are prefetched together.
const MOVE_BATCH: usize = 32;

/// Positions kept in [`StrictTally::head`].
const HEAD: usize = 8;

/// The bytes of `word` whose value is in the set `of` (bits of values `< 64`), as the top bit
/// of each such byte (SWAR: exact zero-byte test of `word` xor each value).
#[inline]
fn bytes_in(word: u64, mut of: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut hits = 0;
    while of != 0 {
        let v = of.trailing_zeros() as u64;
        of &= of - 1;
        let x = word ^ (v * 0x0101_0101_0101_0101);
        hits |= !(((x & LOW7) + LOW7) | x | LOW7);
    }
    hits
}

/// The remaining candidates as a bit set (`m <= 64`).
fn remaining_mask(remaining: &[bool]) -> u64 {
    remaining
        .iter()
        .enumerate()
        .fold(0, |mask, (c, &r)| mask | (r as u64) << c)
}

/// The remaining candidate (bit set `rem`) at the smallest position `>= from` on the strict
/// ranking `r` (position = rank, or `m - 1 - rank` when `bottom`), and that position. Branch
/// free: the outcome of each comparison is unpredictable.
#[inline]
fn next_remaining(r: &[u16], rem: u64, from: u16, bottom: bool) -> (u8, u8) {
    let flip = r.len() as u16 - 1;
    let (mut best_c, mut best_t) = (0u8, u16::MAX);
    for (c, &t) in r.iter().enumerate() {
        let t = if bottom { flip - t } else { t };
        let ok = ((rem >> c) & 1 == 1) && (t >= from) && (t < best_t);
        best_c = if ok { c as u8 } else { best_c };
        best_t = if ok { t } else { best_t };
    }
    (best_c, best_t as u8)
}

impl StrictTally {
    /// None when some ballot is not a strict full ranking (or `m > 64`).
    fn new(p: &Profile, remaining: &[bool], bottom: bool) -> Result<Option<Self>> {
        let (m, n) = (p.num_candidates(), p.num_ballots());
        if m > 64 {
            return Ok(None);
        }
        let (ranks, weights) = (p.all_ranks(), p.weights());
        let rem = remaining_mask(remaining);
        let full = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
        let (mut cur, mut pos, mut head) = (vec![0u8; n], vec![0u8; n], vec![0u64; n]);
        let sums: Vec<Option<Vec<f64>>> = with_threads(p.threads(), || {
            cur.par_chunks_mut(STRICT_CHUNK)
                .zip(pos.par_chunks_mut(STRICT_CHUNK))
                .zip(head.par_chunks_mut(STRICT_CHUNK))
                .zip(ranks.par_chunks(STRICT_CHUNK * m))
                .zip(weights.par_chunks(STRICT_CHUNK))
                .map(|((((cs, ps), hs), rs), ws)| {
                    let mut sums = vec![0.0; m];
                    let flip = if bottom { m - 1 } else { 0 };
                    let rows = cs
                        .iter_mut()
                        .zip(ps)
                        .zip(hs)
                        .zip(rs.chunks_exact(m))
                        .zip(ws);
                    for ((((c, t), h), r), &w) in rows {
                        let (mut seen, mut bad, mut at0, mut code) = (0u64, false, 0u8, 0u64);
                        for (k, &t) in r.iter().enumerate() {
                            let t = t as usize;
                            bad |= t >= m;
                            seen |= 1u64 << (t & 63);
                            let i = t.abs_diff(flip); // position on the ballot
                            at0 = if i == 0 { k as u8 } else { at0 };
                            code |= if i < HEAD { (k as u64) << (8 * i) } else { 0 };
                        }
                        *h = code;
                        if bad || seen != full {
                            return None;
                        }
                        (*c, *t) = if rem == full {
                            (at0, 0)
                        } else {
                            next_remaining(r, rem, 0, bottom)
                        };
                        sums[*c as usize] += w;
                    }
                    Some(sums)
                })
                .collect()
        })?;
        let mut tally = vec![0.0; m];
        for part in sums {
            let Some(part) = part else {
                return Ok(None);
            };
            for (t, x) in tally.iter_mut().zip(part) {
                *t += x;
            }
        }
        Ok(Some(StrictTally {
            m,
            bottom,
            cur,
            pos,
            head,
            tally,
            counted: remaining.to_vec(),
            unit: weights.iter().all(|&w| w == 1.0),
        }))
    }

    fn update(&mut self, p: &Profile, remaining: &[bool]) -> Result<Vec<f64>> {
        let (m, bottom) = (self.m, self.bottom);
        if (0..m).any(|c| remaining[c] && !self.counted[c]) {
            // a candidate came back: count from scratch
            if let Some(t) = StrictTally::new(p, remaining, bottom)? {
                *self = t;
            }
            return Ok(self.tally.clone());
        }
        let rem = remaining_mask(remaining);
        let gone = remaining_mask(&self.counted) & !rem;
        let unit = self.unit;
        if gone != 0 {
            let (ranks, weights) = (p.all_ranks(), p.weights());
            let deltas: Vec<Vec<f64>> = with_threads(p.threads(), || {
                self.cur
                    .par_chunks_mut(STRICT_CHUNK)
                    .zip(self.pos.par_chunks_mut(STRICT_CHUNK))
                    .zip(self.head.par_chunks(STRICT_CHUNK))
                    .zip(ranks.par_chunks(STRICT_CHUNK * m))
                    .zip(weights.par_chunks(STRICT_CHUNK))
                    .map(|((((cs, ps), hs), rs), ws)| {
                        let mut delta = vec![0.0; m];
                        // Moving ballots are gathered a batch at a time and their rank rows
                        // prefetched together, so the cache misses overlap.
                        let mut batch = [0u32; MOVE_BATCH];
                        let mut k = 0;
                        let mut flush = |batch: &[u32], cs: &mut [u8]| {
                            for &b in batch {
                                prefetch(hs, b as usize);
                            }
                            for &b in batch {
                                let b = b as usize;
                                // the ballot's candidates up to `pos` are eliminated, some
                                // after it remain: first look in its head
                                let from = ps[b] as usize + 1;
                                let found = (from..HEAD.min(m)).find_map(|i| {
                                    let c = (hs[b] >> (8 * i)) as u8;
                                    ((rem >> c) & 1 == 1).then_some((c, i as u8))
                                });
                                let (d, t) = found.unwrap_or_else(|| {
                                    let r = &rs[b * m..(b + 1) * m];
                                    next_remaining(r, rem, from.max(HEAD) as u16, bottom)
                                });
                                (cs[b], ps[b]) = (d, t);
                                delta[d as usize] += if unit { 1.0 } else { ws[b] };
                            }
                        };
                        // Eight ballots at a time: a word whose bytes hold none of the
                        // eliminated candidates is skipped whole.
                        for wi in 0..cs.len().div_ceil(8) {
                            let (lo, hi) = (wi * 8, (wi * 8 + 8).min(cs.len()));
                            let mut bytes = [u8::MAX; 8]; // u8::MAX: no candidate (m <= 64)
                            bytes[..hi - lo].copy_from_slice(&cs[lo..hi]);
                            let mut hits = bytes_in(u64::from_le_bytes(bytes), gone);
                            while hits != 0 {
                                batch[k] = (wi * 8 + hits.trailing_zeros() as usize / 8) as u32;
                                hits &= hits - 1;
                                k += 1;
                                if k == MOVE_BATCH {
                                    flush(&batch, cs);
                                    k = 0;
                                }
                            }
                        }
                        flush(&batch[..k], cs);
                        delta
                    })
                    .collect()
            })?;
            for c in 0..m {
                if (gone >> c) & 1 == 1 {
                    self.tally[c] = 0.0;
                }
            }
            for delta in deltas {
                for (t, x) in self.tally.iter_mut().zip(delta) {
                    *t += x;
                }
            }
        }
        self.counted.copy_from_slice(remaining);
        Ok(self.tally.clone())
    }
}

/// Every distinct ballot's candidates sorted by rank (best first), plus a front and a back
/// cursor per ballot, so elimination rounds cost O(1) per ballot for strict orders. `top` / `bot`
/// cache the candidate at the front / back cursor when its tier there is a single candidate
/// (`NO_CAND` otherwise), so a round only reads the ballot's order again when that candidate
/// was eliminated.
pub(super) struct TierCursors {
    order: Vec<u16>,
    /// Ballots without ties (every tier one candidate).
    strict: Vec<bool>,
    front: Vec<u16>,
    back: Vec<u16>,
    top: Vec<u16>,
    bot: Vec<u16>,
    /// The remaining set of the last top / bottom tally: cursors only move forward, so a
    /// candidate that comes back resets them.
    counted: [Option<Vec<bool>>; 2],
}

/// No cached candidate (candidates are `< MAX_CANDIDATES < u16::MAX`).
const NO_CAND: u16 = u16::MAX;

impl TierCursors {
    fn new(p: &Profile) -> Result<Self> {
        let m = p.num_candidates();
        let n = p.num_ballots();
        let mut order = vec![0u16; n * m];
        let mut strict = vec![false; n];
        with_threads(p.threads(), || {
            order
                .par_chunks_mut(TALLY_CHUNK * m)
                .zip(strict.par_chunks_mut(TALLY_CHUNK))
                .zip(p.all_ranks().par_chunks(TALLY_CHUNK * m))
                .for_each(|((os, st), rs)| {
                    let mut start = vec![0usize; m + 2];
                    for ((o, r), s) in os.chunks_exact_mut(m).zip(rs.chunks_exact(m)).zip(st) {
                        // dense tiers up to m - 1: every tier is one candidate
                        if r.iter().fold(0, |a, &t| a.max(t)) as usize + 1 == m {
                            *s = true;
                            for (c, &t) in r.iter().enumerate() {
                                o[t as usize] = c as u16;
                            }
                            continue;
                        }
                        start.fill(0);
                        for &t in r {
                            start[t as usize + 1] += 1;
                        }
                        for t in 1..start.len() {
                            start[t] += start[t - 1];
                        }
                        for (c, &t) in r.iter().enumerate() {
                            o[start[t as usize]] = c as u16;
                            start[t as usize] += 1;
                        }
                    }
                });
        })?;
        Ok(Self {
            order,
            strict,
            front: vec![0; n],
            back: vec![(m - 1) as u16; n],
            top: vec![NO_CAND; n],
            bot: vec![NO_CAND; n],
            counted: [None, None],
        })
    }

    /// Split each ballot's weight over its top (`bottom = false`) or bottom tier among the
    /// remaining candidates (at least one candidate must remain).
    fn tally(&mut self, p: &Profile, remaining: &[bool], bottom: bool) -> Result<Vec<f64>> {
        let m = p.num_candidates();
        let counted = &mut self.counted[bottom as usize];
        if let Some(last) = counted {
            if (0..m).any(|c| remaining[c] && !last[c]) {
                let (cur, cache) = if bottom {
                    (&mut self.back, &mut self.bot)
                } else {
                    (&mut self.front, &mut self.top)
                };
                cur.fill(if bottom { (m - 1) as u16 } else { 0 });
                cache.fill(NO_CAND);
            }
        }
        *counted = Some(remaining.to_vec());
        let order = &self.order;
        let strict = &self.strict;
        let (cursors, cache) = if bottom {
            (&mut self.back, &mut self.bot)
        } else {
            (&mut self.front, &mut self.top)
        };
        let parts: Vec<Vec<f64>> = with_threads(p.threads(), || {
            cursors
                .par_chunks_mut(TALLY_CHUNK)
                .zip(cache.par_chunks_mut(TALLY_CHUNK))
                .zip(order.par_chunks(TALLY_CHUNK * m))
                .zip(p.all_ranks().par_chunks(TALLY_CHUNK * m))
                .zip(p.weights().par_chunks(TALLY_CHUNK))
                .zip(strict.par_chunks(TALLY_CHUNK))
                .map(|(((((cur, cached), os), rs), ws), st)| {
                    let mut acc = vec![0.0; m];
                    // Ballots whose cached candidate is still in count add to it; the others
                    // (the eliminated candidate's ballots) must walk their order rows, which sit
                    // all over memory: touch a batch of rows first so their cache misses overlap
                    // instead of stalling one after another.
                    let mut pending: Vec<usize> = Vec::new();
                    for (b, &x) in cached.iter().enumerate() {
                        if x != NO_CAND && remaining[x as usize] {
                            acc[x as usize] += ws[b];
                        } else {
                            pending.push(b);
                        }
                    }
                    for batch in pending.chunks(16) {
                        let touch = batch
                            .iter()
                            .fold(0u16, |a, &b| a ^ os[b * m + cur[b] as usize]);
                        std::hint::black_box(touch);
                        for &b in batch {
                            let (cu, ca) = (&mut cur[b], &mut cached[b]);
                            let w = ws[b];
                            let o = &os[b * m..(b + 1) * m];
                            let r = &rs[b * m..(b + 1) * m];
                            let mut c = *cu as usize;
                            if bottom {
                                while c > 0 && !remaining[o[c] as usize] {
                                    c -= 1;
                                }
                            } else {
                                while c + 1 < m && !remaining[o[c] as usize] {
                                    c += 1;
                                }
                            }
                            *cu = c as u16;
                            if st[b] {
                                acc[o[c] as usize] += w;
                                *ca = o[c];
                                continue;
                            }
                            let t = r[o[c] as usize];
                            // the tier is contiguous in `o`
                            let (lo, hi) = if bottom {
                                let mut lo = c;
                                while lo > 0 && r[o[lo - 1] as usize] == t {
                                    lo -= 1;
                                }
                                (lo, c + 1)
                            } else {
                                let mut hi = c + 1;
                                while hi < m && r[o[hi] as usize] == t {
                                    hi += 1;
                                }
                                (c, hi)
                            };
                            if hi - lo == 1 {
                                acc[o[c] as usize] += w;
                                *ca = o[c];
                            } else {
                                *ca = NO_CAND;
                                let k =
                                    o[lo..hi].iter().filter(|&&x| remaining[x as usize]).count();
                                let share = w / k as f64;
                                for &x in &o[lo..hi] {
                                    if remaining[x as usize] {
                                        acc[x as usize] += share;
                                    }
                                }
                            }
                        }
                    }
                    acc
                })
                .collect()
        })?;
        let mut out = vec![0.0; m];
        for part in parts {
            for (o, x) in out.iter_mut().zip(part) {
                *o += x;
            }
        }
        Ok(out)
    }
}
