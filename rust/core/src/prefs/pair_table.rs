//! The output of the pair transforms: columns gathered while the pairs are enumerated.
//!
//! A pair transform finds, per group, the kept pairs `(first, second)` of row indices. Returning
//! those indices and gathering every output column afterwards costs two full-size index arrays
//! (which coexist with the output) and one extra random-access pass per column. Instead each
//! chunk of groups writes its pairs' column values straight into its own slice of the output
//! columns. Columns are fixed-width values (1, 2, 4, 8 or 16 bytes: integers, floats, dates,
//! Arrow string views), so nothing here depends on what they mean; [`Source::Row`] asks for the
//! row index itself (the plain pair list).

use rayon::prelude::*;

use crate::error::Result;
use crate::input_err;

/// Where an output column's values come from: one value per input row.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// The row index itself (written as `u32`).
    Row,
    W1(&'a [u8]),
    W2(&'a [u16]),
    W4(&'a [u32]),
    W8(&'a [u64]),
    W16(&'a [u128]),
}

impl Source<'_> {
    fn len(&self) -> Option<usize> {
        match self {
            Source::Row => None,
            Source::W1(s) => Some(s.len()),
            Source::W2(s) => Some(s.len()),
            Source::W4(s) => Some(s.len()),
            Source::W8(s) => Some(s.len()),
            Source::W16(s) => Some(s.len()),
        }
    }
}

/// Which row of a pair an output column is taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The preferred row ("chosen"; the earlier row of a kept tie).
    First,
    /// The other row ("rejected").
    Second,
}

/// One requested output column.
#[derive(Clone, Copy, Debug)]
pub struct PairColumn<'a> {
    pub source: Source<'a>,
    pub side: Side,
}

impl<'a> PairColumn<'a> {
    pub fn new(source: Source<'a>, side: Side) -> Self {
        PairColumn { source, side }
    }
}

/// A gathered output column (same width as its source; `Row` gives `W4`).
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    W1(Vec<u8>),
    W2(Vec<u16>),
    W4(Vec<u32>),
    W8(Vec<u64>),
    W16(Vec<u128>),
}

impl Column {
    /// The values as row indices, if this is a `W4` column (e.g. from [`Source::Row`]).
    pub fn as_u32(&self) -> Option<&[u32]> {
        match self {
            Column::W4(v) => Some(v),
            _ => None,
        }
    }
}

/// Pairs found by a pair transform, as requested columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PairTable {
    /// One column per requested [`PairColumn`], in request order.
    pub columns: Vec<Column>,
    /// Score difference `score[first] - score[second]` (`>= 0`; `0` for ties). Empty for
    /// [`pareto_pairs`](super::pareto_pairs).
    pub margin: Vec<f64>,
    /// Whether the pair is a kept tie; empty when ties are not kept (then no pair is a tie).
    pub tie: Vec<bool>,
    /// Pairs considered (`sum_g m_g (m_g - 1) / 2`).
    pub n_considered: u64,
    /// Tied pairs dropped (`ratings`: equal scores; `pareto`: identical vectors).
    pub n_ties_dropped: u64,
    /// Pairs dropped because their margin was below `min_margin`.
    pub n_below_margin: u64,
    /// Pareto: pairs where each row is better on some objective.
    pub n_incomparable: u64,
}

/// The kept pairs of one chunk of groups, in output order (filled by a transform's kernel).
#[derive(Default)]
pub(super) struct ChunkPairs {
    pub first: Vec<u32>,
    pub second: Vec<u32>,
    pub margin: Vec<f64>,
    pub tie: Vec<bool>,
}

impl ChunkPairs {
    fn clear(&mut self) {
        self.first.clear();
        self.second.clear();
        self.margin.clear();
        self.tie.clear();
    }
}

/// Checks that every source has one value per input row.
pub(super) fn check_sources(columns: &[PairColumn], n_rows: usize) -> Result<()> {
    for (k, c) in columns.iter().enumerate() {
        if let Some(len) = c.source.len() {
            if len != n_rows {
                return input_err!("output column {k} has {len} values for {n_rows} rows");
            }
        }
    }
    Ok(())
}

/// A chunk's slice of one output column.
enum Out<'b> {
    W1(&'b mut [u8]),
    W2(&'b mut [u16]),
    W4(&'b mut [u32]),
    W8(&'b mut [u64]),
    W16(&'b mut [u128]),
}

/// Splits `v` into consecutive slices of the given lengths.
fn split_by<'b, T>(mut v: &'b mut [T], lens: &[usize]) -> Vec<&'b mut [T]> {
    let mut out = Vec::with_capacity(lens.len());
    for &k in lens {
        let (head, tail) = std::mem::take(&mut v).split_at_mut(k);
        out.push(head);
        v = tail;
    }
    out
}

fn take<T: Copy>(src: &[T], idx: &[u32], out: &mut [T]) {
    for (o, &i) in out.iter_mut().zip(idx) {
        *o = src[i as usize];
    }
}

fn gather(src: Source, idx: &[u32], out: &mut Out) {
    match (src, out) {
        (Source::Row, Out::W4(o)) => o.copy_from_slice(idx),
        (Source::W1(s), Out::W1(o)) => take(s, idx, o),
        (Source::W2(s), Out::W2(o)) => take(s, idx, o),
        (Source::W4(s), Out::W4(o)) => take(s, idx, o),
        (Source::W8(s), Out::W8(o)) => take(s, idx, o),
        (Source::W16(s), Out::W16(o)) => take(s, idx, o),
        // Output columns are allocated from their sources in `fill_table`.
        _ => unreachable!("output column width differs from its source"),
    }
}

/// Builds the output columns: `kept[c]` pairs for chunk `c` of `chunks`, which
/// `pairs(g0, g1, out)` pushes (all of them, in order) for the chunk's groups `g0..g1`. Runs
/// inside the caller's thread pool; every chunk writes its own slice, so the result does not
/// depend on the thread count.
pub(super) fn fill_table<F>(
    chunks: &[(usize, usize)],
    kept: &[usize],
    columns: &[PairColumn],
    with_margin: bool,
    with_tie: bool,
    pairs: F,
) -> PairTable
where
    F: Fn(usize, usize, &mut ChunkPairs) + Sync,
{
    let total: usize = kept.iter().sum();
    let mut cols: Vec<Column> = columns
        .iter()
        .map(|c| match c.source {
            Source::Row | Source::W4(_) => Column::W4(vec![0; total]),
            Source::W1(_) => Column::W1(vec![0; total]),
            Source::W2(_) => Column::W2(vec![0; total]),
            Source::W8(_) => Column::W8(vec![0; total]),
            Source::W16(_) => Column::W16(vec![0; total]),
        })
        .collect();
    let mut margin = vec![0.0; if with_margin { total } else { 0 }];
    let mut tie = vec![false; if with_tie { total } else { 0 }];
    let zero = vec![0; kept.len()];
    let mut outs: Vec<Vec<Out>> = (0..chunks.len())
        .map(|_| Vec::with_capacity(cols.len()))
        .collect();
    for col in &mut cols {
        macro_rules! spread {
            ($v:expr, $variant:ident) => {
                for (o, s) in outs.iter_mut().zip(split_by($v, kept)) {
                    o.push(Out::$variant(s));
                }
            };
        }
        match col {
            Column::W1(v) => spread!(v, W1),
            Column::W2(v) => spread!(v, W2),
            Column::W4(v) => spread!(v, W4),
            Column::W8(v) => spread!(v, W8),
            Column::W16(v) => spread!(v, W16),
        }
    }
    let margins = split_by(&mut margin, if with_margin { kept } else { &zero });
    let ties = split_by(&mut tie, if with_tie { kept } else { &zero });
    chunks
        .par_iter()
        .zip(kept.par_iter())
        .zip(outs.into_par_iter())
        .zip(margins.into_par_iter().zip(ties.into_par_iter()))
        .for_each_init(
            ChunkPairs::default,
            |buf, (((&(g0, g1), &k), mut outs), (m, t))| {
                buf.clear();
                pairs(g0, g1, buf);
                // The kernels count (pass 1) and list (here) with the same per-pair verdict.
                assert_eq!(buf.first.len(), k, "pair count changed between passes");
                for (spec, out) in columns.iter().zip(outs.iter_mut()) {
                    let idx = match spec.side {
                        Side::First => &buf.first,
                        Side::Second => &buf.second,
                    };
                    gather(spec.source, idx, out);
                }
                if with_margin {
                    m.copy_from_slice(&buf.margin);
                }
                if with_tie {
                    t.copy_from_slice(&buf.tie);
                }
            },
        );
    PairTable {
        columns: cols,
        margin,
        tie,
        ..Default::default()
    }
}
