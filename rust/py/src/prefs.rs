//! Bindings of `pluralign_core::prefs`: grouped pair enumeration and pairwise tallies on row
//! indices / integer codes prepared by `pluralign.prefs.pairs` and `pluralign.prefs.tally`.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pluralign_core::hashing::Hash64;
use pluralign_core::prefs::RowKeys;
use pluralign_core::prefs::{self, Column, PairColumn, PairTable, Side, Source};
use pluralign_core::CoreError;
use pyo3::prelude::*;

use crate::arrow_ffi::{ArrowColumn, ArrowExport, FixedWidthColumn, TextCol};
use crate::convert::{slice1, CodesArg};
use crate::errors::{input_error, run, schema_error, to_py};
use crate::results::{PairTableOutcome, TallyOutcome};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ArrowExport>()?;
    m.add_function(wrap_pyfunction!(prefs_rating_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_pareto_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_tally, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_content_ids, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_contiguous_groups, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_rows_by_code, m)?)?;
    m.add_function(wrap_pyfunction!(prefs_json_value_counts, m)?)?;
    Ok(())
}

fn offsets_vec(py: Python<'_>, o: &[i64]) -> PyResult<Vec<usize>> {
    if o.iter().any(|&x| x < 0) {
        return Err(input_error(py, "offsets must be >= 0"));
    }
    Ok(o.iter().map(|&x| x as usize).collect())
}

/// Output columns of a pair transform: `columns[k]` is an Arrow column to gather values from
/// (see [`FixedWidthColumn`]) or None for the row index itself, taken from the pair's first row
/// when `first[k]`, else from its second row. None when some column cannot be gathered in Rust
/// (the caller then asks for row indices and gathers those columns itself).
fn fixed_columns(
    py: Python<'_>,
    columns: &[Option<ArrowColumn>],
    first: &[bool],
) -> PyResult<Option<Vec<Option<FixedWidthColumn>>>> {
    if first.len() != columns.len() {
        return Err(input_error(py, "one side flag per output column is needed"));
    }
    let mut out = Vec::with_capacity(columns.len());
    for c in columns {
        match c {
            None => out.push(None),
            Some(c) => match FixedWidthColumn::new(c) {
                Some(f) => out.push(Some(f)),
                None => return Ok(None),
            },
        }
    }
    Ok(Some(out))
}

/// The kernels' view of [`fixed_columns`]; None if a buffer is not aligned for its width.
fn pair_columns<'a>(
    cols: &'a [Option<FixedWidthColumn>],
    first: &[bool],
) -> Option<Vec<PairColumn<'a>>> {
    cols.iter()
        .zip(first)
        .map(|(c, &f)| {
            let side = if f { Side::First } else { Side::Second };
            let source = match c {
                None => Source::Row,
                Some(c) => match c.width() {
                    1 => Source::W1(c.values()?),
                    2 => Source::W2(c.values()?),
                    4 => Source::W4(c.values()?),
                    8 => Source::W8(c.values()?),
                    _ => Source::W16(c.values()?),
                },
            };
            Some(PairColumn::new(source, side))
        })
        .collect()
}

fn table_outcome(
    py: Python<'_>,
    t: PairTable,
    cols: &[Option<FixedWidthColumn>],
) -> PyResult<PairTableOutcome> {
    let mut out: Vec<Py<PyAny>> = Vec::with_capacity(cols.len());
    for (col, src) in t.columns.into_iter().zip(cols) {
        out.push(match (col, src) {
            (Column::W4(v), None) => PyArray1::from_vec(py, v).into_any().unbind(),
            (Column::W1(v), Some(s)) => Bound::new(py, s.with_values(v)?)?.into_any().unbind(),
            (Column::W2(v), Some(s)) => Bound::new(py, s.with_values(v)?)?.into_any().unbind(),
            (Column::W4(v), Some(s)) => Bound::new(py, s.with_values(v)?)?.into_any().unbind(),
            (Column::W8(v), Some(s)) => Bound::new(py, s.with_values(v)?)?.into_any().unbind(),
            (Column::W16(v), Some(s)) => Bound::new(py, s.with_values(v)?)?.into_any().unbind(),
            _ => {
                return Err(to_py(
                    py,
                    CoreError::Internal("row-index column of the wrong width".into()),
                ))
            }
        });
    }
    Ok(PairTableOutcome {
        columns: out,
        margin: PyArray1::from_vec(py, t.margin).unbind(),
        tie: PyArray1::from_vec(py, t.tie).unbind(),
        n_considered: t.n_considered,
        n_ties_dropped: t.n_ties_dropped,
        n_below_margin: t.n_below_margin,
        n_incomparable: t.n_incomparable,
    })
}

/// All pairs within groups with margins; see `pluralign_core::prefs::rating_pairs` and
/// [`fixed_columns`] for `columns` / `first`.
#[pyfunction]
#[pyo3(signature = (offsets, rows, score, columns, first, min_margin=0.0, keep_ties=false, threads=None))]
#[allow(clippy::too_many_arguments)]
fn prefs_rating_pairs<'py>(
    py: Python<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    rows: PyReadonlyArray1<'py, u32>,
    score: PyReadonlyArray1<'py, f64>,
    columns: Vec<Option<ArrowColumn>>,
    first: Vec<bool>,
    min_margin: f64,
    keep_ties: bool,
    threads: Option<usize>,
) -> PyResult<Option<PairTableOutcome>> {
    let off = offsets_vec(py, slice1(py, &offsets, "offsets")?)?;
    let r = slice1(py, &rows, "rows")?;
    let s = slice1(py, &score, "score")?;
    let Some(fixed) = fixed_columns(py, &columns, &first)? else {
        return Ok(None);
    };
    let Some(spec) = pair_columns(&fixed, &first) else {
        return Ok(None);
    };
    let t = run(py, threads, || {
        prefs::rating_pairs(&off, r, s, min_margin, keep_ties, &spec, threads)
    })?;
    table_outcome(py, t, &fixed).map(Some)
}

/// Pareto-dominance pairs within groups; see `pluralign_core::prefs::pareto_pairs` and
/// [`fixed_columns`] for `columns` / `first`.
#[pyfunction]
#[pyo3(signature = (offsets, rows, objectives, maximize, columns, first, threads=None))]
#[allow(clippy::too_many_arguments)]
fn prefs_pareto_pairs<'py>(
    py: Python<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    rows: PyReadonlyArray1<'py, u32>,
    objectives: Vec<PyReadonlyArray1<'py, f64>>,
    maximize: Vec<bool>,
    columns: Vec<Option<ArrowColumn>>,
    first: Vec<bool>,
    threads: Option<usize>,
) -> PyResult<Option<PairTableOutcome>> {
    let off = offsets_vec(py, slice1(py, &offsets, "offsets")?)?;
    let r = slice1(py, &rows, "rows")?;
    let objs: Vec<&[f64]> = objectives
        .iter()
        .map(|a| slice1(py, a, "objective"))
        .collect::<PyResult<_>>()?;
    let Some(fixed) = fixed_columns(py, &columns, &first)? else {
        return Ok(None);
    };
    let Some(spec) = pair_columns(&fixed, &first) else {
        return Ok(None);
    };
    let t = run(py, threads, || {
        prefs::pareto_pairs(&off, r, &objs, &maximize, &spec, threads)
    })?;
    table_outcome(py, t, &fixed).map(Some)
}

/// Pairwise counts per (group, lo, hi); see `pluralign_core::prefs::tally`.
#[pyfunction]
#[pyo3(signature = (group, winner, loser, tie=None, weight=None, threads=None))]
fn prefs_tally<'py>(
    py: Python<'py>,
    group: CodesArg<'py>,
    winner: CodesArg<'py>,
    loser: CodesArg<'py>,
    tie: Option<PyReadonlyArray1<'py, bool>>,
    weight: Option<PyReadonlyArray1<'py, f64>>,
    threads: Option<usize>,
) -> PyResult<TallyOutcome> {
    let g = group.codes(py, "group")?;
    let w = winner.codes(py, "winner")?;
    let l = loser.codes(py, "loser")?;
    let t = match &tie {
        Some(a) => Some(slice1(py, a, "tie")?),
        None => None,
    };
    let wt = match &weight {
        Some(a) => Some(slice1(py, a, "weight")?),
        None => None,
    };
    let c = run(py, threads, || prefs::tally(g, w, l, t, wt, threads))?;
    // Int64 as the result columns are (polars wraps the arrays without a copy); counts are
    // below 2^32, and the same-size map is collected in place
    let signed = |v: Vec<u64>| -> Vec<i64> { v.into_iter().map(|x| x as i64).collect() };
    Ok(TallyOutcome {
        group: PyArray1::from_vec(py, c.group).unbind(),
        lo: PyArray1::from_vec(py, c.lo).unbind(),
        hi: PyArray1::from_vec(py, c.hi).unbind(),
        n_lo: PyArray1::from_vec(py, signed(c.n_lo)).unbind(),
        n_hi: PyArray1::from_vec(py, signed(c.n_hi)).unbind(),
        n_tie: PyArray1::from_vec(py, signed(c.n_tie)).unbind(),
        w_lo: PyArray1::from_vec(py, c.w_lo).unbind(),
        w_hi: PyArray1::from_vec(py, c.w_hi).unbind(),
        w_tie: PyArray1::from_vec(py, c.w_tie).unbind(),
    })
}

/// Hex content ids (BLAKE2b-64 of the UTF-8 bytes) of an Arrow string column (utf8, large_utf8
/// or utf8_view, read in place): an `n x 16` uint8 array of ASCII hex digits (zeros for nulls).
#[pyfunction]
#[pyo3(signature = (texts, threads=None))]
fn prefs_content_ids(
    py: Python<'_>,
    texts: ArrowColumn,
    threads: Option<usize>,
) -> PyResult<Bound<'_, PyArray2<u8>>> {
    if !matches!(
        texts.data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) {
        return Err(schema_error(format!(
            "column '{}' has type {}; content ids need text",
            texts.name, texts.data_type
        )));
    }
    let n: usize = texts.chunks.iter().map(Array::len).sum();
    let mut hex = Vec::with_capacity(n * prefs::content_id::HEX_LEN);
    for c in &texts.chunks {
        let Some(t) = TextCol::new(c) else {
            return Err(input_error(
                py,
                format!("column '{}': a chunk is not text", texts.name),
            ));
        };
        let part = run(py, threads, || {
            prefs::content_ids_hex(t.len(), |i| t.bytes(i), |i| t.same(i, i - 1), threads)
        })?;
        hex.extend_from_slice(&part);
    }
    let arr = PyArray1::from_vec(py, hex);
    arr.reshape([n, prefs::content_id::HEX_LEN])
}

/// One key column of a grouping: text read in place, integers (up to 32 bits unsigned or 64
/// bits signed) widened to i64.
enum KeyCol {
    Text(TextCol),
    Int(Vec<i64>),
}

impl KeyCol {
    /// The column if it is one null-free chunk of a supported type (text or integers).
    fn new(col: &ArrowColumn) -> Option<Self> {
        let [c] = col.chunks.as_slice() else {
            return None;
        };
        if c.null_count() > 0 {
            return None;
        }
        fn ints<T: arrow_array::ArrowPrimitiveType>(c: &ArrayRef) -> Vec<i64>
        where
            T::Native: Into<i64>,
        {
            c.as_primitive::<T>()
                .values()
                .iter()
                .map(|&v| v.into())
                .collect()
        }
        Some(match c.data_type() {
            DataType::Int8 => KeyCol::Int(ints::<Int8Type>(c)),
            DataType::Int16 => KeyCol::Int(ints::<Int16Type>(c)),
            DataType::Int32 => KeyCol::Int(ints::<Int32Type>(c)),
            DataType::Int64 => KeyCol::Int(ints::<Int64Type>(c)),
            DataType::UInt8 => KeyCol::Int(ints::<UInt8Type>(c)),
            DataType::UInt16 => KeyCol::Int(ints::<UInt16Type>(c)),
            DataType::UInt32 => KeyCol::Int(ints::<UInt32Type>(c)),
            _ => KeyCol::Text(TextCol::new(c)?),
        })
    }

    fn same(&self, i: usize, j: usize) -> bool {
        match self {
            KeyCol::Text(t) => t.same(i, j),
            KeyCol::Int(v) => v[i] == v[j],
        }
    }

    fn hash(&self, h: Hash64, i: usize) -> Hash64 {
        match self {
            KeyCol::Text(t) => h.bytes(t.bytes(i).unwrap_or_default()),
            KeyCol::Int(v) => h.word(v[i] as u64),
        }
    }
}

struct KeyCols {
    cols: Vec<KeyCol>,
    n: usize,
}

impl RowKeys for KeyCols {
    fn n_rows(&self) -> usize {
        self.n
    }
    fn same_as_previous(&self, i: usize) -> bool {
        self.cols.iter().all(|c| c.same(i, i - 1))
    }
    fn hash(&self, i: usize) -> u64 {
        self.cols
            .iter()
            .fold(Hash64::new(0), |h, c| c.hash(h, i))
            .finish()
    }
}

/// CSR offsets of the groups of equal keys over the given columns if the rows are already
/// grouped (each key's rows adjacent), else None (not grouped, a hash collision, or a column
/// type this fast path does not read: the caller then groups with polars).
#[pyfunction]
#[pyo3(signature = (columns, threads=None))]
fn prefs_contiguous_groups(
    py: Python<'_>,
    columns: Vec<ArrowColumn>,
    threads: Option<usize>,
) -> PyResult<Option<Bound<'_, PyArray1<i64>>>> {
    let Some(first) = columns.first() else {
        return Err(input_error(py, "grouping needs at least one key column"));
    };
    let n: usize = first.chunks.iter().map(Array::len).sum();
    let mut cols = Vec::with_capacity(columns.len());
    for c in &columns {
        let len: usize = c.chunks.iter().map(Array::len).sum();
        if len != n {
            return Err(input_error(
                py,
                format!("key column '{}' has {len} rows, not {n}", c.name),
            ));
        }
        match KeyCol::new(c) {
            Some(k) => cols.push(k),
            None => return Ok(None),
        }
    }
    let keys = KeyCols { cols, n };
    let offsets = run(py, threads, || prefs::contiguous_groups(&keys, threads))?;
    Ok(offsets.map(|o| PyArray1::from_vec(py, o.into_iter().map(|x| x as i64).collect())))
}

/// CSR offsets and the row indices they split.
type Grouping<'py> = (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<u32>>);

/// `(offsets, rows)`: the rows grouped by their code (the shared factorizer's), groups in order
/// of first appearance, rows in input order within a group; see
/// `pluralign_core::prefs::rows_by_code`.
#[pyfunction]
fn prefs_rows_by_code<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, u32>,
    n_codes: usize,
) -> PyResult<Grouping<'py>> {
    let c = slice1(py, &codes, "codes")?;
    let (offsets, rows) = run(py, Some(1), || prefs::rows_by_code(c, n_codes))?;
    Ok((
        PyArray1::from_vec(py, offsets.into_iter().map(|x| x as i64).collect()),
        PyArray1::from_vec(py, rows),
    ))
}

/// `(strings, nested)`: the JSON string values and object/array values (`"key": "` /
/// `"key": {` / `"key": [`, zero or one space) in a JSON-lines file's bytes, read in place with
/// the GIL released (see `pluralign_core::prefs::json_scan`).
#[pyfunction]
#[pyo3(signature = (data, threads=None))]
fn prefs_json_value_counts(
    py: Python<'_>,
    data: &Bound<'_, pyo3::types::PyBytes>,
    threads: Option<usize>,
) -> PyResult<(u64, u64)> {
    let bytes = data.as_bytes();
    let c = run(py, threads, || Ok(prefs::json_value_counts(bytes)))?;
    Ok((c.strings, c.nested))
}
