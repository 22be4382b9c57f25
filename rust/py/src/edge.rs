//! Bindings of `pluralign_core::edge`: batched edge signals and arbiter choices. Table handling
//! (grouping by prompt, column names, thresholds, reasons) lives in `python/pluralign/edge/`.

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pluralign_core::edge::{self, EdgeParams, TierSpec};
use pluralign_core::Offsets;
use pyo3::prelude::*;

use crate::convert::{i64_slice, with_view, PointsArg};
use crate::errors::{input_error, run, to_py};
use crate::results::EdgeBatchOutcome;

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(edge_batch, m)?)?;
    Ok(())
}

/// Per-row (admissible, front) flags and per-prompt (n_admissible, n_front, chosen, conflict,
/// min_tau, n_choices) for prompts given by CSR `offsets`. Tiers come as parallel lists;
/// a NaN threshold / tolerance means "none".
#[pyfunction]
#[pyo3(signature = (points, maximize, offsets, tier_objective, tier_threshold, tier_tolerance, tier_relative, weights, threads=None))]
#[allow(clippy::too_many_arguments)]
fn edge_batch<'py>(
    py: Python<'py>,
    points: PointsArg<'py>,
    maximize: Vec<bool>,
    offsets: PyReadonlyArray1<'py, i64>,
    tier_objective: Vec<usize>,
    tier_threshold: Vec<f64>,
    tier_tolerance: Vec<f64>,
    tier_relative: Vec<bool>,
    weights: PyReadonlyArray2<'py, f64>,
    threads: Option<usize>,
) -> PyResult<EdgeBatchOutcome> {
    let t = tier_objective.len();
    if tier_threshold.len() != t || tier_tolerance.len() != t || tier_relative.len() != t {
        return Err(input_error(py, "tier lists must all have the same length"));
    }
    let tiers: Vec<TierSpec> = (0..t)
        .map(|i| TierSpec {
            objective: tier_objective[i],
            threshold: Some(tier_threshold[i]).filter(|v| !v.is_nan()),
            tolerance: Some(tier_tolerance[i]).filter(|v| !v.is_nan()),
            relative: tier_relative[i],
        })
        .collect();
    let offs = i64_slice(py, &offsets, "offsets")?;
    let w = weights
        .as_slice()
        .map_err(|_| input_error(py, "weights must be a C-contiguous float64 array"))?;
    let out = with_view(py, points, |view| {
        let offs = Offsets::covering(offs, view.nrows(), "offsets")
            .map_err(|e| to_py(py, e))?
            .to_usize();
        run(py, threads, || {
            let p = EdgeParams {
                maximize: &maximize,
                tiers: &tiers,
                weights: w,
            };
            edge::edge_batch(view, &offs, &p)
        })
    })?;
    let ints = |v: Vec<u32>| {
        PyArray1::from_vec(py, v.into_iter().map(i64::from).collect::<Vec<_>>())
            .into_any()
            .unbind()
    };
    Ok(EdgeBatchOutcome {
        admissible: PyArray1::from_vec(py, out.admissible).into_any().unbind(),
        front: PyArray1::from_vec(py, out.front).into_any().unbind(),
        n_admissible: ints(out.n_admissible),
        n_front: ints(out.n_front),
        chosen: PyArray1::from_vec(py, out.chosen).into_any().unbind(),
        conflict: PyArray1::from_vec(py, out.conflict).into_any().unbind(),
        min_tau: PyArray1::from_vec(py, out.min_tau).into_any().unbind(),
        n_choices: ints(out.n_choices),
    })
}
