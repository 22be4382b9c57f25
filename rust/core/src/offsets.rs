//! CSR offsets: segment `g` of a flat array is `values[offsets[g]..offsets[g + 1]]`. Every
//! kernel that takes segments (groups, prompts, ballots, tiers) validates them here, so a bad
//! offsets array is refused with the same message everywhere and never indexes out of bounds.

use std::ops::Range;

use crate::error::Result;
use crate::input_err;

/// An integer type offsets arrive in (`i64` from numpy, `usize` from Rust callers).
pub trait OffsetInt: Copy + std::fmt::Display {
    /// The value as an `i128`, wide enough for every `i64` and `usize` without wrapping.
    fn wide(self) -> i128;
}

impl OffsetInt for i64 {
    fn wide(self) -> i128 {
        i128::from(self)
    }
}

impl OffsetInt for usize {
    fn wide(self) -> i128 {
        // usize is at most 64 bits on every supported target
        self as i128
    }
}

/// Validated offsets over `len` values, borrowed: non-empty, non-decreasing and inside
/// `0..=len` (and, for [`Offsets::covering`], from 0 exactly to `len`).
#[derive(Clone, Copy, Debug)]
pub struct Offsets<'a, T: OffsetInt = usize> {
    raw: &'a [T],
}

impl<'a, T: OffsetInt> Offsets<'a, T> {
    /// Offsets that split all of `0..len`: the first is 0 and the last is `len`. `what` names
    /// them in errors (e.g. "offsets", "tier offsets").
    pub fn covering(raw: &'a [T], len: usize, what: &str) -> Result<Self> {
        let o = Self::within(raw, len, what)?;
        let (first, last) = (raw[0], raw[raw.len() - 1]);
        if first.wide() != 0 || last.wide() != len as i128 {
            return input_err!(
                "{what} must start at 0 and end at the number of values ({len}), got {first} .. {last}"
            );
        }
        Ok(o)
    }

    /// Offsets anywhere inside `0..=len` (they may skip a head and a tail of the values).
    pub fn within(raw: &'a [T], len: usize, what: &str) -> Result<Self> {
        let (Some(first), Some(last)) = (raw.first(), raw.last()) else {
            return input_err!(
                "{what} are empty; they need one more entry than there are segments"
            );
        };
        if first.wide() < 0 || last.wide() < 0 || last.wide() > len as i128 {
            return input_err!("{what} run outside 0..={len}");
        }
        if let Some(i) = raw.windows(2).position(|w| w[1].wide() < w[0].wide()) {
            return input_err!(
                "{what} decrease at entry {i}: {} then {}",
                raw[i],
                raw[i + 1]
            );
        }
        Ok(Self { raw })
    }

    /// The number of segments (one less than the number of offsets).
    pub fn n_segments(&self) -> usize {
        self.raw.len() - 1
    }

    /// The value range of segment `g` (`g < n_segments()`).
    pub fn range(&self, g: usize) -> Range<usize> {
        // validated: every offset is in 0..=len, so it fits a usize
        self.raw[g].wide() as usize..self.raw[g + 1].wide() as usize
    }

    /// The offsets as given.
    pub fn raw(&self) -> &'a [T] {
        self.raw
    }

    /// The offsets as `usize`.
    pub fn to_usize(&self) -> Vec<usize> {
        self.raw.iter().map(|o| o.wide() as usize).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CoreError;

    fn msg<T: std::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Err(CoreError::Input(m)) => m,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn covering_and_within() {
        let o = Offsets::covering(&[0i64, 2, 2, 5], 5, "offsets").unwrap();
        assert_eq!(o.n_segments(), 3);
        assert_eq!((o.range(0), o.range(1), o.range(2)), (0..2, 2..2, 2..5));
        assert_eq!(o.to_usize(), vec![0, 2, 2, 5]);
        assert!(Offsets::within(&[1usize, 3], 5, "tier offsets").is_ok());
        assert!(msg(Offsets::covering(&[1usize, 5], 5, "offsets")).contains("start at 0"));
        assert!(msg(Offsets::covering(&[0usize, 4], 5, "offsets")).contains("(5)"));
        assert!(
            msg(Offsets::within(&[0i64, 3, 2], 5, "x")).contains("x decrease at entry 1: 3 then 2")
        );
        assert!(msg(Offsets::within(&[-1i64, 2], 5, "x")).contains("outside 0..=5"));
        assert!(msg(Offsets::within(&[0i64, 6], 5, "x")).contains("outside 0..=5"));
        assert!(msg(Offsets::<usize>::within(&[], 5, "x")).contains("empty"));
        assert!(Offsets::within(&[0i64, i64::MIN], 5, "x").is_err());
    }
}
