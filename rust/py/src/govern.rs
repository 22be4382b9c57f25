//! Bindings of `pluralign_core::govern`: the Polis k-means. The Polis pipeline around it
//! (projection, in-conv, base and group clusters, silhouettes, repness) is in
//! `python/pluralign/govern/polis.py`.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pluralign_core::govern::kmeans;
use pyo3::prelude::*;

use crate::convert::slice1;
use crate::errors::{input_error, run};
use crate::results::KMeansOutcome;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kmeans_first_distinct, m)?)?;
    m.add_function(wrap_pyfunction!(kmeans_lloyd, m)?)?;
    Ok(())
}

fn rows<'a>(
    py: Python<'_>,
    a: &'a PyReadonlyArray2<'_, f64>,
    what: &str,
) -> PyResult<(&'a [f64], usize)> {
    let d = a.shape()[1];
    let s = a
        .as_slice()
        .map_err(|_| input_error(py, format!("{what} must be a C-contiguous float64 array")))?;
    Ok((s, d))
}

/// Row indices (int64) of the first `k` distinct rows of `points`, in row order.
#[pyfunction]
fn kmeans_first_distinct<'py>(
    py: Python<'py>,
    points: PyReadonlyArray2<'py, f64>,
    k: usize,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let (p, d) = rows(py, &points, "points")?;
    let idx = run(py, Some(1), || kmeans::first_distinct(p, d, k))?;
    Ok(PyArray1::from_vec(
        py,
        idx.into_iter().map(i64::from).collect(),
    ))
}

/// Polis k-means (see `pluralign_core::govern::kmeans::lloyd`).
#[pyfunction]
#[pyo3(signature = (points, init, weights=None, max_iter=20, tol=0.01, drop_empty=true, threads=None))]
#[allow(clippy::too_many_arguments)]
fn kmeans_lloyd<'py>(
    py: Python<'py>,
    points: PyReadonlyArray2<'py, f64>,
    init: PyReadonlyArray2<'py, f64>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    max_iter: usize,
    tol: f64,
    drop_empty: bool,
    threads: Option<usize>,
) -> PyResult<KMeansOutcome> {
    let (p, d) = rows(py, &points, "points")?;
    let (c, dc) = rows(py, &init, "init")?;
    if dc != d {
        return Err(input_error(
            py,
            format!("init has {dc} columns, points {d}"),
        ));
    }
    let w = match &weights {
        Some(w) => Some(slice1(py, w, "weights")?),
        None => None,
    };
    let r = run(py, threads, || {
        kmeans::lloyd(p, d, w, c, max_iter, tol, drop_empty)
    })?;
    let k = r.centers.len() / d.max(1);
    let centers = PyArray1::from_vec(py, r.centers).reshape([k, d])?;
    let ints = |v: Vec<u32>| PyArray1::from_vec(py, v.into_iter().map(i64::from).collect());
    Ok(KMeansOutcome {
        labels: ints(r.labels).into_any().unbind(),
        centers: centers.into_any().unbind(),
        origin: ints(r.origin).into_any().unbind(),
        iterations: r.iterations,
    })
}
