//! Binding of `pluralign_core::factorize`: id columns arrive as Arrow columns (polars Series,
//! pyarrow arrays) and are read in place: text (utf8, large_utf8, utf8_view, binary kinds),
//! dictionaries over text (polars Categorical / Enum) and integers.

use std::borrow::Cow;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use numpy::{PyArray1, PyReadonlyArray1, PyReadwriteArray1};
use pluralign_core::factorize::{self, Factorized, Order, Strings, TextColumn};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::arrow_ffi::ArrowColumn;
use crate::convert::{slice1, IdsArg};
use crate::errors::{input_error, run};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(factorize_ids, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_ids_each, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_remap, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_map, m)?)?;
    Ok(())
}

fn schema_error(_py: Python<'_>, msg: String) -> PyErr {
    crate::errors::schema_error(msg)
}

/// The chunk as borrowed text, or None for a non-text type.
pub(crate) fn strings(a: &ArrayRef) -> Option<Strings<'_>> {
    // text and binary arrays share their layouts: one arm per layout, the variant and the
    // offset width given
    macro_rules! offsets {
        ($s:expr, $variant:ident) => {{
            let s = $s;
            Strings::$variant {
                offsets: s.value_offsets(),
                data: s.values().as_slice(),
            }
        }};
    }
    macro_rules! views {
        ($s:expr) => {{
            let s = $s;
            Strings::View {
                views: s.views(),
                buffers: s
                    .data_buffers()
                    .iter()
                    .map(arrow_buffer::Buffer::as_slice)
                    .collect(),
            }
        }};
    }
    Some(match a.data_type() {
        DataType::Utf8 => offsets!(a.as_string::<i32>(), Utf8),
        DataType::Binary => offsets!(a.as_binary::<i32>(), Utf8),
        DataType::LargeUtf8 => offsets!(a.as_string::<i64>(), LargeUtf8),
        DataType::LargeBinary => offsets!(a.as_binary::<i64>(), LargeUtf8),
        DataType::Utf8View => views!(a.as_string_view()),
        DataType::BinaryView => views!(a.as_binary_view()),
        _ => return None,
    })
}

/// Dictionary keys as u32 (borrowed when they are u32), or an error message.
fn dict_keys(a: &ArrayRef) -> Result<(Cow<'_, [u32]>, &ArrayRef), String> {
    macro_rules! widen {
        ($t:ty) => {{
            let d = a.as_dictionary::<$t>();
            let keys = d
                .keys()
                .values()
                .iter()
                .map(|&k| {
                    u32::try_from(k)
                        .map_err(|_| format!("dictionary key {k} is negative or too large"))
                })
                .collect::<Result<Vec<u32>, String>>()?;
            (Cow::Owned(keys), d.values())
        }};
    }
    let DataType::Dictionary(kt, _) = a.data_type() else {
        return Err("not a dictionary".into());
    };
    Ok(match kt.as_ref() {
        DataType::UInt32 => {
            let d = a.as_dictionary::<UInt32Type>();
            (Cow::Borrowed(d.keys().values().as_ref()), d.values())
        }
        DataType::UInt8 => widen!(UInt8Type),
        DataType::UInt16 => widen!(UInt16Type),
        DataType::UInt64 => widen!(UInt64Type),
        DataType::Int8 => widen!(Int8Type),
        DataType::Int16 => widen!(Int16Type),
        DataType::Int32 => widen!(Int32Type),
        DataType::Int64 => widen!(Int64Type),
        t => return Err(format!("dictionary keys of type {t}")),
    })
}

/// Integer chunk values as i64 (borrowed when they are i64).
fn ints(a: &ArrayRef) -> Option<Result<Cow<'_, [i64]>, String>> {
    macro_rules! widen {
        ($t:ty) => {
            Cow::Owned(
                a.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&x| x as i64)
                    .collect(),
            )
        };
    }
    Some(Ok(match a.data_type() {
        DataType::Int64 => Cow::Borrowed(a.as_primitive::<Int64Type>().values().as_ref()),
        DataType::Int32 => widen!(Int32Type),
        DataType::Int16 => widen!(Int16Type),
        DataType::Int8 => widen!(Int8Type),
        DataType::UInt32 => widen!(UInt32Type),
        DataType::UInt16 => widen!(UInt16Type),
        DataType::UInt8 => widen!(UInt8Type),
        DataType::UInt64 => {
            let v = a.as_primitive::<UInt64Type>().values();
            if let Some(x) = v.iter().find(|&&x| x > i64::MAX as u64) {
                return Some(Err(format!("UInt64 id {x} is above 2^63 - 1")));
            }
            Cow::Owned(v.iter().map(|&x| x as i64).collect())
        }
        _ => return None,
    }))
}

fn first_null(c: &ArrowColumn) -> Option<usize> {
    let mut base = 0;
    for ch in &c.chunks {
        if ch.null_count() > 0 {
            let i = (0..ch.len()).find(|&i| ch.is_null(i)).unwrap_or(0);
            return Some(base + i);
        }
        base += ch.len();
    }
    None
}

/// Factorizes id columns as one set of values: returns `(codes, first_column, first_row)`,
/// a uint32 array of codes per column and, per code, where its value first occurs. Codes
/// follow the sorted order of the values when `sort` is true (numeric for integers, byte-wise
/// for text, the dictionary's order for ordered dictionaries (polars Enum) sharing one
/// dictionary), the order of first appearance when false, and any order fixed by the values
/// (not by the thread count) when None (grouping: the cheapest).
#[pyfunction]
#[pyo3(signature = (columns, sort=Some(true), threads=None), text_signature = "(columns, sort=True, threads=None)")]
fn factorize_ids(
    py: Python<'_>,
    columns: Vec<ArrowColumn>,
    sort: Option<bool>,
    threads: Option<usize>,
) -> PyResult<Bound<'_, PyTuple>> {
    let job = prepare(py, &columns, order_of(sort))?;
    let f = run(py, threads, job)?;
    codes_tuple(py, f)
}

/// [`factorize_ids`] on each group of columns apart (each its own set of values), the groups
/// side by side: one group's sequential steps (a text column's first rows are coded alone)
/// overlap the others' work. Returns one `(codes, first_column, first_row)` per group.
#[pyfunction]
#[pyo3(signature = (groups, sort=Some(true), threads=None), text_signature = "(groups, sort=True, threads=None)")]
fn factorize_ids_each(
    py: Python<'_>,
    groups: Vec<Vec<ArrowColumn>>,
    sort: Option<bool>,
    threads: Option<usize>,
) -> PyResult<Bound<'_, pyo3::types::PyList>> {
    let order = order_of(sort);
    let jobs = groups
        .iter()
        .map(|g| prepare(py, g, order))
        .collect::<PyResult<Vec<_>>>()?;
    let done = run(py, threads, || factorize::each(&jobs))?;
    let out = done
        .into_iter()
        .map(|f| codes_tuple(py, f))
        .collect::<PyResult<Vec<_>>>()?;
    pyo3::types::PyList::new(py, out)
}

fn order_of(sort: Option<bool>) -> Order {
    match sort {
        Some(true) => Order::Sorted,
        Some(false) => Order::FirstSeen,
        None => Order::Any,
    }
}

/// `(codes, first_column, first_row)` of a result, as numpy arrays.
fn codes_tuple(py: Python<'_>, f: Factorized) -> PyResult<Bound<'_, PyTuple>> {
    let codes: Vec<Bound<'_, PyArray1<u32>>> = f
        .codes
        .into_iter()
        .map(|c| PyArray1::from_vec(py, c))
        .collect();
    let (fc, fr): (Vec<u32>, Vec<u64>) = f.first.into_iter().unzip();
    let out: Vec<Bound<'_, PyAny>> = vec![
        pyo3::types::PyList::new(py, codes)?.into_any(),
        PyArray1::from_vec(py, fc).into_any(),
        PyArray1::from_vec(py, fr).into_any(),
    ];
    PyTuple::new(py, out)
}

/// The columns checked (no nulls, one kind of type) and read in place: what is left to run is
/// the factorization itself.
fn prepare<'a>(
    py: Python<'_>,
    columns: &'a [ArrowColumn],
    order: Order,
) -> PyResult<factorize::Job<'a>> {
    // integers: first-seen costs nothing there
    let sort = order == Order::Sorted;
    if columns.is_empty() {
        return Err(input_error(py, "factorize_ids needs at least one column"));
    }
    for c in columns {
        if let Some(row) = first_null(c) {
            return Err(input_error(
                py,
                format!(
                    "id column '{}' has a null at row {row}; drop or fill the nulls",
                    c.name
                ),
            ));
        }
    }
    let kinds: Vec<&DataType> = columns.iter().map(|c| &c.data_type).collect();
    let names = || {
        columns
            .iter()
            .map(|c| format!("'{}' ({})", c.name, c.data_type))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let is_int = |t: &DataType| t.is_integer();
    let n_int = kinds.iter().filter(|t| is_int(t)).count();
    if n_int > 0 && n_int < kinds.len() {
        return Err(schema_error(
            py,
            format!(
                "id columns {} mix integer and text types; cast them to one type",
                names()
            ),
        ));
    }
    if n_int == kinds.len() {
        if let Some(job) = typed_ints(columns, sort) {
            return Ok(job);
        }
        let mut cols: Vec<Vec<Cow<'a, [i64]>>> = vec![];
        for c in columns {
            let mut chunks = vec![];
            for ch in &c.chunks {
                match ints(ch) {
                    Some(Ok(v)) => chunks.push(v),
                    Some(Err(e)) => {
                        return Err(input_error(py, format!("id column '{}': {e}", c.name)))
                    }
                    None => unreachable_type(py, c)?,
                }
            }
            cols.push(chunks);
        }
        // one slice per column (several chunks are joined: integer columns are cheap to
        // copy)
        let flat: Vec<Cow<'a, [i64]>> = cols
            .into_iter()
            .map(|ch| {
                if ch.len() == 1 {
                    ch.into_iter().next().unwrap_or_default()
                } else {
                    Cow::Owned(ch.concat())
                }
            })
            .collect();
        return Ok(Box::new(move || {
            let slices: Vec<&[i64]> = flat.iter().map(std::convert::AsRef::as_ref).collect();
            factorize::factorize_int(&slices, sort)
        }));
    }
    if let Some(keys) = shared_ordered_dictionary(columns) {
        // polars Enum: one dictionary for all chunks, its order is the values' order: the keys
        // are the codes' integers (no text is read at all)
        return Ok(Box::new(move || {
            let slices: Vec<&[i64]> = keys.iter().map(std::vec::Vec::as_slice).collect();
            factorize::factorize_int(&slices, sort)
        }));
    }
    let mut cols: Vec<TextColumn<'a>> = vec![];
    for c in columns {
        let col = if let DataType::Dictionary(_, _) = &c.data_type {
            let mut chunks = vec![];
            for ch in &c.chunks {
                let (keys, values) = dict_keys(ch)
                    .map_err(|e| schema_error(py, format!("id column '{}': {e}", c.name)))?;
                if values.null_count() > 0 {
                    return Err(input_error(
                        py,
                        format!("id column '{}' has a null in its dictionary", c.name),
                    ));
                }
                let Some(s) = strings(values) else {
                    return Err(schema_error(py, format!(
                        "id column '{}' is a dictionary of {}; only text dictionaries are supported",
                        c.name, values.data_type()
                    )));
                };
                chunks.push((keys, s));
            }
            TextColumn::Dict(chunks)
        } else {
            let mut chunks = vec![];
            for ch in &c.chunks {
                match strings(ch) {
                    Some(s) => chunks.push(s),
                    None => unreachable_type(py, c)?,
                }
            }
            TextColumn::Plain(chunks)
        };
        cols.push(col);
    }
    Ok(Box::new(move || {
        factorize::factorize_text(&cols, order, 1 << 10)
    }))
}

/// Integer columns of one type, one chunk each, read in place (no widening copy); None when
/// the columns mix types or chunks (or are UInt64, whose range is checked on the copy).
fn typed_ints(columns: &[ArrowColumn], sort: bool) -> Option<factorize::Job<'_>> {
    let t = &columns[0].data_type;
    if columns
        .iter()
        .any(|c| &c.data_type != t || c.chunks.len() != 1)
    {
        return None;
    }
    macro_rules! typed {
        ($t:ty) => {{
            let slices: Vec<&[<$t as arrow_array::ArrowPrimitiveType>::Native]> = columns
                .iter()
                .map(|c| c.chunks[0].as_primitive::<$t>().values().as_ref())
                .collect();
            Box::new(move || factorize::factorize_int(&slices, sort))
        }};
    }
    Some(match t {
        DataType::Int64 => typed!(Int64Type),
        DataType::Int32 => typed!(Int32Type),
        DataType::Int16 => typed!(Int16Type),
        DataType::Int8 => typed!(Int8Type),
        DataType::UInt32 => typed!(UInt32Type),
        DataType::UInt16 => typed!(UInt16Type),
        DataType::UInt8 => typed!(UInt8Type),
        _ => return None,
    })
}

/// Codes of physical ids (a Categorical's or Enum's, as numpy arrays of one width) as one map
/// `id -> code` (`u32::MAX` where an id does not occur) instead of a code per row: returns
/// `(map, first_column, first_row)` as [`factorize_ids`] returns codes, or None when the ids
/// are too sparse for a map. `sort` numbers the codes in id order, else in order of first
/// appearance.
#[pyfunction]
#[pyo3(signature = (ids, sort=true, threads=None))]
fn factorize_map<'py>(
    py: Python<'py>,
    ids: Vec<IdsArg<'py>>,
    sort: bool,
    threads: Option<usize>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    macro_rules! of {
        ($variant:ident) => {{
            let mut cols = Vec::with_capacity(ids.len());
            for (k, a) in ids.iter().enumerate() {
                let IdsArg::$variant(a) = a else {
                    return Err(input_error(
                        py,
                        "factorize_map: ids of one width are needed",
                    ));
                };
                cols.push(slice1(py, a, &format!("ids[{k}]"))?);
            }
            run(py, threads, || factorize::code_map(&cols, sort))?
        }};
    }
    let found = match ids.first() {
        None => return Err(input_error(py, "factorize_map needs at least one column")),
        Some(IdsArg::U8(_)) => of!(U8),
        Some(IdsArg::U16(_)) => of!(U16),
        Some(IdsArg::U32(_)) => of!(U32),
    };
    let Some((map, first)) = found else {
        return Ok(None);
    };
    let (fc, fr): (Vec<u32>, Vec<u64>) = first.into_iter().unzip();
    let out: Vec<Bound<'py, PyAny>> = vec![
        PyArray1::from_vec(py, map).into_any(),
        PyArray1::from_vec(py, fc).into_any(),
        PyArray1::from_vec(py, fr).into_any(),
    ];
    PyTuple::new(py, out).map(Some)
}

/// Renumbers codes in place: every code `c` of every array becomes `rank[c]` (e.g. codes of a
/// Categorical's physical ids put into the order of its text).
#[pyfunction]
#[pyo3(signature = (codes, rank, threads=None))]
fn factorize_remap(
    py: Python<'_>,
    codes: Vec<PyReadwriteArray1<'_, u32>>,
    rank: PyReadonlyArray1<'_, u32>,
    threads: Option<usize>,
) -> PyResult<()> {
    let mut codes = codes;
    let mut slices: Vec<&mut [u32]> = Vec::with_capacity(codes.len());
    for c in &mut codes {
        slices.push(
            c.as_slice_mut()
                .map_err(|_| input_error(py, "codes must be contiguous uint32 arrays"))?,
        );
    }
    let rank = rank
        .as_slice()
        .map_err(|_| input_error(py, "rank must be a contiguous uint32 array"))?;
    run(py, threads, || factorize::remap(&mut slices, rank))
}

fn unreachable_type(py: Python<'_>, c: &ArrowColumn) -> PyResult<()> {
    Err(schema_error(
        py,
        format!(
            "id column '{}' has type {}; ids must be text, categorical / enum or integers",
            c.name, c.data_type
        ),
    ))
}

/// The keys of every chunk as i64 when all columns are ordered dictionaries (polars Enum)
/// over one and the same dictionary.
fn shared_ordered_dictionary(columns: &[ArrowColumn]) -> Option<Vec<Vec<i64>>> {
    let mut dict: Option<&ArrayRef> = None;
    let mut out = vec![];
    for c in columns {
        if !matches!(c.data_type, DataType::Dictionary(_, _)) || !c.dict_ordered {
            return None;
        }
        let mut keys = Vec::with_capacity(c.chunks.iter().map(arrow_array::Array::len).sum());
        for ch in &c.chunks {
            let (k, values) = dict_keys(ch).ok()?;
            match dict {
                None => dict = Some(values),
                Some(v) if v.to_data() == values.to_data() => {}
                Some(_) => return None,
            }
            if k.iter().any(|&x| x as usize >= values.len()) {
                return None;
            }
            keys.extend(k.iter().map(|&x| x as i64));
        }
        out.push(keys);
    }
    Some(out)
}
