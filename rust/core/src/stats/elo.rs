//! Online Elo ratings (arena style): comparisons are processed in the given order.
//!
//! For a comparison between `a` (winner) and `b` (loser) with weight `w`:
//! `E_a = 1 / (1 + base^((R_b - R_a) / scale))`, `S_a = 1` (or `0.5` for a tie), and
//! `R_a += k * w * (S_a - E_a)`, `R_b -= k * w * (S_a - E_a)`. The defaults are the chess
//! conventions except `k`; see [`EloOptions::default`].

use super::Comparisons;
use crate::error::Result;
use crate::input_err;

/// Settings of [`elo`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EloOptions {
    /// K-factor (> 0), multiplied by each comparison's weight.
    pub k: f64,
    /// Rating every item starts with.
    pub initial: f64,
    /// Rating difference at which the odds are `base : 1` (400 in chess).
    pub scale: f64,
    /// Odds base (10 in chess).
    pub base: f64,
}

impl Default for EloOptions {
    /// `k = 4`, `initial = 1000`, `scale = 400`, `base = 10` (LMSYS Chatbot Arena's online Elo).
    fn default() -> Self {
        Self {
            k: 4.0,
            initial: 1000.0,
            scale: 400.0,
            base: 10.0,
        }
    }
}

/// Final ratings and the weighted number of comparisons each item took part in.
#[derive(Clone, Debug, PartialEq)]
pub struct EloResult {
    pub ratings: Vec<f64>,
    pub games: Vec<f64>,
}

/// Elo ratings of items `0..n_items` after processing `cmp` in order (ties score 0.5 each).
pub fn elo(n_items: usize, cmp: &Comparisons, opts: &EloOptions) -> Result<EloResult> {
    if !opts.k.is_finite() || opts.k <= 0.0 {
        return input_err!("k = {} must be finite and > 0", opts.k);
    }
    if !opts.initial.is_finite() {
        return input_err!("initial = {} must be finite", opts.initial);
    }
    if !opts.scale.is_finite() || opts.scale <= 0.0 {
        return input_err!("scale = {} must be finite and > 0", opts.scale);
    }
    if !opts.base.is_finite() || opts.base <= 1.0 {
        return input_err!("base = {} must be finite and > 1", opts.base);
    }
    cmp.validate(n_items)?;
    let mut r = vec![opts.initial; n_items];
    let mut games = vec![0.0; n_items];
    let lb = opts.base.ln() / opts.scale;
    for c in 0..cmp.len() {
        let (a, b) = (cmp.winner.get(c) as usize, cmp.loser.get(c) as usize);
        let w = cmp.weight_of(c);
        let ea = 1.0 / (1.0 + ((r[b] - r[a]) * lb).exp());
        let sa = if cmp.is_tie(c) { 0.5 } else { 1.0 };
        let d = opts.k * w * (sa - ea);
        r[a] += d;
        r[b] -= d;
        games[a] += w;
        games[b] += w;
    }
    Ok(EloResult { ratings: r, games })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_elo_basic() {
        // one game between equals: winner gains k/2
        let (w, l) = ([0u32], [1u32]);
        let o = EloOptions {
            k: 32.0,
            initial: 1500.0,
            ..Default::default()
        };
        let r = elo(2, &Comparisons::new(&w, &l), &o).unwrap();
        assert!((r.ratings[0] - 1516.0).abs() < 1e-12);
        assert!((r.ratings[1] - 1484.0).abs() < 1e-12);
        // a tie between equals changes nothing
        let (w, l, t) = ([0u32], [1u32], [true]);
        let c = Comparisons {
            tie: Some(&t),
            ..Comparisons::new(&w, &l)
        };
        let r0 = elo(2, &c, &o).unwrap();
        assert_eq!(r0.ratings, vec![1500.0, 1500.0]);
        // direct formula check with unequal ratings: play two games in order
        let (w, l) = ([0u32, 1], [1u32, 0]);
        let r = elo(2, &Comparisons::new(&w, &l), &o).unwrap();
        let (a, b) = (1516.0f64, 1484.0f64);
        let eb = 1.0 / (1.0 + 10f64.powf((a - b) / 400.0));
        let d = 32.0 * (1.0 - eb);
        assert!((r.ratings[1] - (b + d)).abs() < 1e-9);
        assert!((r.ratings[0] - (a - d)).abs() < 1e-9);
        assert_eq!(r.games, vec![2.0, 2.0]);
        // zero-sum
        assert!((r.ratings.iter().sum::<f64>() - 3000.0).abs() < 1e-9);
        assert!(elo(
            2,
            &Comparisons::new(&w, &l),
            &EloOptions {
                k: -1.0,
                ..Default::default()
            }
        )
        .is_err());
    }
}
