//! Bindings of `pluralign_core::pareto`. Argument checking that needs Python types happens in
//! `python/pluralign/pareto.py`; everything about values is checked in the core.

use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pluralign_core::factorize::{self, IdInt, Strings};
use pluralign_core::pareto::{
    self, grouped, hypervolume as hvm, indicators, lexicographic as lexi, scalarize,
};
use pluralign_core::{MatrixView, NanPolicy};
use pyo3::prelude::*;

use crate::arrow_ffi::ArrowColumn;
use crate::convert::{i64_slice, slice1, with_view, IndicatorArg, NanArg, PointsArg};
use crate::errors::{input_error, run, run_on, to_py};
use crate::factorize::strings;
use crate::results::HypervolumeMcOutcome;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pareto_ranks, m)?)?;
    m.add_function(wrap_pyfunction!(pareto_front, m)?)?;
    m.add_function(wrap_pyfunction!(pareto_grouped, m)?)?;
    m.add_function(wrap_pyfunction!(crowding_distance, m)?)?;
    m.add_function(wrap_pyfunction!(hypervolume, m)?)?;
    m.add_function(wrap_pyfunction!(hypervolume_contributions, m)?)?;
    m.add_function(wrap_pyfunction!(hypervolume_mc, m)?)?;
    m.add_function(wrap_pyfunction!(weighted_sum, m)?)?;
    m.add_function(wrap_pyfunction!(chebyshev, m)?)?;
    m.add_function(wrap_pyfunction!(ideal_point, m)?)?;
    m.add_function(wrap_pyfunction!(das_dennis, m)?)?;
    m.add_function(wrap_pyfunction!(dirichlet, m)?)?;
    m.add_function(wrap_pyfunction!(lexicographic, m)?)?;
    m.add_function(wrap_pyfunction!(indicator, m)?)?;
    Ok(())
}

fn to_i64(v: Vec<u32>) -> Vec<i64> {
    v.into_iter().map(i64::from).collect()
}

#[pyfunction]
#[pyo3(signature = (points, maximize, nan=NanArg(NanPolicy::Error), threads=None))]
fn pareto_ranks<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    nan: NanArg,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let nan = nan.0;
    let r = with_view(py, points, |view| {
        run(py, threads, || {
            pareto::ranks(view, &maximize, nan).map(to_i64)
        })
    })?;
    Ok(PyArray1::from_vec(py, r))
}

#[pyfunction]
#[pyo3(signature = (points, maximize, nan=NanArg(NanPolicy::Error), threads=None))]
fn pareto_front<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    nan: NanArg,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let nan = nan.0;
    let r = with_view(py, points, |view| {
        run(py, threads, || pareto::front(view, &maximize, nan))
    })?;
    Ok(PyArray1::from_vec(py, r))
}

/// Ranks or first-front flags inside groups given by `offsets` (CSR), integer `ids`,
/// `codes` (group ids as the factorizer's uint32 codes, read as they are, no int64 copy) or
/// `text` (a text column, e.g. a polars String Series, grouped straight from its buffers).
#[pyfunction]
#[pyo3(signature = (points, maximize, nan=NanArg(NanPolicy::Error), offsets=None, ids=None, first_only=false, threads=None, codes=None, text=None))]
#[allow(clippy::too_many_arguments)]
fn pareto_grouped<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    nan: NanArg,
    offsets: Option<PyReadonlyArray1<'py, i64>>,
    ids: Option<PyReadonlyArray1<'py, i64>>,
    first_only: bool,
    threads: Option<usize>,
    codes: Option<PyReadonlyArray1<'py, u32>>,
    text: Option<ArrowColumn>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let nan = nan.0;
    let text: Option<Vec<Strings<'_>>> = text
        .as_ref()
        .map(|c| {
            if c.chunks.iter().any(|a| a.null_count() > 0) {
                return Err(input_error(
                    py,
                    format!(
                        "groups column '{}' has nulls; every row needs a group",
                        c.name
                    ),
                ));
            }
            c.chunks
                .iter()
                .map(|a| {
                    strings(a).ok_or_else(|| {
                        input_error(
                            py,
                            format!(
                                "groups column '{}' ({}) is not a text column",
                                c.name, c.data_type
                            ),
                        )
                    })
                })
                .collect()
        })
        .transpose()?;
    let r = with_view(py, points, |view| {
        let n = view.nrows();
        if let Some(chunks) = &text {
            if offsets.is_some() || ids.is_some() || codes.is_some() {
                return Err(input_error(py, "pass exactly one of groups= or offsets="));
            }
            let len: usize = chunks.iter().map(Strings::len).sum();
            if len != n {
                return Err(input_error(
                    py,
                    format!("groups has {len} ids but the points have {n} rows"),
                ));
            }
            return run(py, threads, || {
                let index = grouped::GroupIndex::from(factorize::group_text(chunks)?);
                grouped::ranks_grouped(view, &maximize, nan, &index, first_only)
            });
        }
        match (&offsets, &ids, &codes) {
            (Some(o), None, None) => {
                let o = i64_slice(py, o, "offsets")?;
                let index = grouped::GroupIndex::from_offsets(o, n).map_err(|e| to_py(py, e))?;
                run(py, threads, || {
                    grouped::ranks_grouped(view, &maximize, nan, &index, first_only)
                })
            }
            (None, Some(ids), None) => {
                let ids = i64_slice(py, ids, "groups")?;
                grouped_by(py, view, ids, &maximize, nan, first_only, threads)
            }
            (None, None, Some(codes)) => {
                let codes = slice1(py, codes, "groups")?;
                grouped_by(py, view, codes, &maximize, nan, first_only, threads)
            }
            _ => Err(input_error(py, "pass exactly one of groups= or offsets=")),
        }
    })?;
    Ok(PyArray1::from_vec(py, to_i64(r)))
}

/// Ranks inside the groups of `ids` (one per row).
fn grouped_by<T: IdInt>(
    py: Python<'_>,
    view: &MatrixView,
    ids: &[T],
    maximize: &[bool],
    nan: NanPolicy,
    first_only: bool,
    threads: Option<usize>,
) -> PyResult<Vec<u32>> {
    let n = view.nrows();
    if ids.len() != n {
        return Err(input_error(
            py,
            format!("groups has {} ids but the points have {n} rows", ids.len()),
        ));
    }
    run(py, threads, || {
        let index = grouped::group_index(ids);
        grouped::ranks_grouped(view, maximize, nan, &index, first_only)
    })
}

#[pyfunction]
#[pyo3(signature = (points, ranks, threads=None))]
fn crowding_distance<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    ranks: PyReadonlyArray1<'py, i64>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let ranks = i64_slice(py, &ranks, "ranks")?;
    if let Some((i, r)) = ranks
        .iter()
        .enumerate()
        .find(|(_, &r)| !(0..u32::MAX as i64).contains(&r))
    {
        return Err(input_error(
            py,
            format!("ranks[{i}] = {r} is not a valid front index (0, 1, 2, ...)"),
        ));
    }
    let ranks: Vec<u32> = ranks.iter().map(|&r| r as u32).collect();
    let r = with_view(py, points, |view| {
        run(py, threads, || pareto::crowding_distance(view, &ranks))
    })?;
    Ok(PyArray1::from_vec(py, r))
}

#[pyfunction]
#[pyo3(signature = (points, maximize, reference, threads=None))]
fn hypervolume<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    reference: Vec<f64>,
    threads: Option<usize>,
) -> PyResult<f64> {
    with_view(py, points, |view| {
        run_on(py, threads, |par| {
            hvm::hypervolume_in(view, &maximize, &reference, par)
        })
    })
}

#[pyfunction]
#[pyo3(signature = (points, maximize, reference, ignore_dominated=false, threads=None))]
fn hypervolume_contributions<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    reference: Vec<f64>,
    ignore_dominated: bool,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let r = with_view(py, points, |view| {
        run_on(py, threads, |par| {
            hvm::contributions_in(view, &maximize, &reference, ignore_dominated, par)
        })
    })?;
    Ok(PyArray1::from_vec(py, r))
}

#[pyfunction]
#[pyo3(signature = (points, maximize, reference, samples, seed, threads=None))]
fn hypervolume_mc<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    reference: Vec<f64>,
    samples: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<HypervolumeMcOutcome> {
    let e = with_view(py, points, |view| {
        run(py, threads, || {
            hvm::hypervolume_mc(view, &maximize, &reference, samples, seed)
        })
    })?;
    Ok(HypervolumeMcOutcome {
        hits: e.hits,
        samples: e.samples,
        box_volume: e.box_volume,
    })
}

fn matrix(py: Python<'_>, data: Vec<f64>, cols: usize) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let rows = data.len().checked_div(cols).unwrap_or(0);
    PyArray1::from_vec(py, data).reshape([rows, cols])
}

#[pyfunction]
#[pyo3(signature = (points, maximize, weights, threads=None))]
fn weighted_sum<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    weights: PyReadonlyArray2<'py, f64>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let w = weights
        .as_slice()
        .map_err(|_| input_error(py, "weights must be C-contiguous"))?;
    let nw = weights.shape()[0];
    let r = with_view(py, points, |view| {
        run(py, threads, || scalarize::weighted_sum(view, &maximize, w))
    })?;
    matrix(py, r, nw)
}

#[pyfunction]
#[pyo3(signature = (points, weights, ideal, rho, threads=None))]
fn chebyshev<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    weights: PyReadonlyArray2<'py, f64>,
    ideal: Vec<f64>,
    rho: f64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let w = weights
        .as_slice()
        .map_err(|_| input_error(py, "weights must be C-contiguous"))?;
    let nw = weights.shape()[0];
    let r = with_view(py, points, |view| {
        run(py, threads, || scalarize::chebyshev(view, w, &ideal, rho))
    })?;
    matrix(py, r, nw)
}

#[pyfunction]
fn ideal_point<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
) -> PyResult<Vec<f64>> {
    with_view(py, points, |view| {
        run(py, Some(1), || scalarize::ideal_point(view, &maximize))
    })
}

#[pyfunction]
fn das_dennis(py: Python<'_>, m: usize, partitions: usize) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let r = run(py, Some(1), || scalarize::das_dennis(m, partitions))?;
    matrix(py, r, m)
}

#[pyfunction]
fn dirichlet(
    py: Python<'_>,
    m: usize,
    n: usize,
    seed: u64,
    alpha: f64,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let r = run(py, Some(1), || scalarize::dirichlet(m, n, seed, alpha))?;
    matrix(py, r, m)
}

#[pyfunction]
fn lexicographic<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    order: Vec<usize>,
    tolerances: Vec<f64>,
    relative: bool,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let r = with_view(py, points, |view| {
        run(py, Some(1), || {
            lexi::lexicographic(view, &maximize, &order, &tolerances, relative)
        })
    })?;
    Ok(PyArray1::from_vec(py, r))
}

#[pyfunction]
#[pyo3(signature = (points, reference, maximize, kind, threads=None))]
fn indicator<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    reference: PointsArg<'py>,
    maximize: Vec<bool>,
    kind: IndicatorArg,
    threads: Option<usize>,
) -> PyResult<f64> {
    with_view(py, points, |va| {
        with_view(py, reference, |vr| {
            run(py, threads, || {
                indicators::indicator(va, vr, &maximize, kind.0)
            })
        })
    })
}
