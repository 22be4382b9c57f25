//! Positional scoring rules (plurality, Borda, anti-plurality, any score vector) and random
//! dictatorship: one parallel tally over the distinct ballots.

use super::super::{result_from_scores, tiers_by_score, Profile, RuleResult};
use super::tally;
use crate::error::Result;
use crate::input_err;

// ---------------------------------------------------------------------------------------------
// Positional rules
// ---------------------------------------------------------------------------------------------

/// Positional scoring rule with score vector `s` (`s[0]` for the top position, length `m`).
///
/// Ties: a tier occupying positions `k..k+t` gives each of its candidates the average
/// `(s[k] + ... + s[k+t-1]) / t` (the "averaged positions" extension to weak orders; for Borda it
/// equals the pairwise form `#beaten + ½ #tied`, Black 1976, "Partial justification of the Borda
/// count", Public Choice 28). Unlisted candidates form the bottom tier.
/// Scores: the weighted sum per candidate; ranking by score; ties are not broken.
pub fn positional(p: &Profile, s: &[f64]) -> Result<RuleResult> {
    let m = p.num_candidates();
    if s.len() != m {
        return input_err!(
            "score vector has {} entries for {m} candidates; pass one per position",
            s.len()
        );
    }
    if s.iter().any(|x| !x.is_finite()) {
        return input_err!("score vector has a non-finite entry");
    }
    p.check_nonempty()?;
    let mut prefix = vec![0.0; m + 1];
    for i in 0..m {
        prefix[i + 1] = prefix[i] + s[i];
    }
    let scores = tally(p, m, |r, w, acc| {
        let mut size = [0u32; 64];
        let mut big: Vec<u32>;
        let sizes: &mut [u32] = if m < 64 {
            &mut size[..=m]
        } else {
            big = vec![0; m + 1];
            &mut big
        };
        for &t in r {
            sizes[t as usize] += 1;
        }
        // turn sizes into the average score of each tier
        let mut start = 0usize;
        let mut avg = [0.0f64; 64];
        let mut bigavg: Vec<f64>;
        let avgs: &mut [f64] = if m < 64 {
            &mut avg[..=m]
        } else {
            bigavg = vec![0.0; m + 1];
            &mut bigavg
        };
        for (t, &sz) in sizes.iter().enumerate() {
            if sz > 0 {
                let e = start + sz as usize;
                avgs[t] = (prefix[e] - prefix[start]) / sz as f64;
                start = e;
            }
        }
        for (a, &t) in acc.iter_mut().zip(r) {
            *a += w * avgs[t as usize];
        }
    })?;
    Ok(result_from_scores(scores))
}

/// Plurality: score vector `(1, 0, ..., 0)`; a top tier of `t` candidates gives each `1/t`.
/// Handbook ch. 2.
pub fn plurality(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let mut s = vec![0.0; m];
    s[0] = 1.0;
    positional(p, &s)
}

/// Borda count: score vector `(m-1, m-2, ..., 0)` with tied candidates averaging their positions,
/// i.e. a candidate scores `#candidates below it + ½ #candidates tied with it` on each ballot
/// (Black 1976; the "symmetric" Borda count for weak orders). Handbook ch. 2.
pub fn borda(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let s: Vec<f64> = (0..m).map(|i| (m - 1 - i) as f64).collect();
    positional(p, &s)
}

/// Anti-plurality (veto): score vector `(1, ..., 1, 0)`, ties averaged as in [`positional`].
pub fn anti_plurality(p: &Profile) -> Result<RuleResult> {
    let m = p.num_candidates();
    let mut s = vec![1.0; m];
    s[m - 1] = 0.0;
    positional(p, &s)
}

/// Random dictatorship: a ballot is drawn with probability proportional to its weight and its top
/// candidate wins (a top tier of `t` candidates: each with probability `1/t`). Scores are the
/// winning probabilities; winners are the candidates with positive probability.
/// (Gibbard 1977, "Manipulation of schemes that mix voting with chance", Econometrica 45.)
pub fn random_dictatorship(p: &Profile) -> Result<RuleResult> {
    let r = plurality(p)?;
    let tot: f64 = r.scores.iter().sum();
    let scores: Vec<f64> = r.scores.iter().map(|s| s / tot).collect();
    let winners = (0..scores.len()).filter(|&c| scores[c] > 0.0).collect();
    Ok(RuleResult {
        winners,
        ranking: Some(tiers_by_score(&scores, true)),
        scores,
        tie_break: None,
    })
}
