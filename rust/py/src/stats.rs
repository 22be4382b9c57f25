//! Bindings of `pluralign_core::stats`. Ids arrive as codes (uint32 for Bradley–Terry and Elo,
//! int64 elsewhere; the Python layer factorizes them with the shared factorizer); results go
//! back as dicts of numpy arrays and numbers.

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pluralign_core::stats::{
    self, AlphaResult, BootstrapOptions, BtMethod, BtOptions, Comparisons, DenseRatings,
    EloOptions, Metric, Ratings, Ties,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{
    i64_slice, slice1, AgreementArg, AgreementMetric, BtMethodArg, CodesArg, LevelArg, TiesArg,
};
use crate::errors::{input_error, run, to_py};
use crate::results::{AgreementOutcome, BradleyTerryOutcome, EloOutcome};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stats_bradley_terry, m)?)?;
    m.add_function(wrap_pyfunction!(stats_elo, m)?)?;
    m.add_function(wrap_pyfunction!(stats_agreement, m)?)?;
    m.add_function(wrap_pyfunction!(stats_matrix_to_long, m)?)?;
    m.add_function(wrap_pyfunction!(stats_alpha_dense, m)?)?;
    m.add_function(wrap_pyfunction!(stats_entropy_segments, m)?)?;
    m.add_function(wrap_pyfunction!(stats_js_divergence, m)?)?;
    m.add_function(wrap_pyfunction!(stats_item_label_stats, m)?)?;
    Ok(())
}

/// Borrow coded comparisons (winner / loser codes, optional weights and tie flags) from numpy.
fn comparisons<'a>(
    py: Python<'_>,
    winner: &'a CodesArg<'_>,
    loser: &'a CodesArg<'_>,
    weight: Option<&'a PyReadonlyArray1<'_, f64>>,
    tie: Option<&'a PyReadonlyArray1<'_, bool>>,
) -> PyResult<Comparisons<'a>> {
    Ok(Comparisons {
        winner: winner.codes(py, "winner")?,
        loser: loser.codes(py, "loser")?,
        weight: weight.map(|a| slice1(py, a, "weight")).transpose()?,
        tie: tie.map(|a| slice1(py, a, "tie")).transpose()?,
    })
}

/// Bradley–Terry fit on coded comparisons; see `pluralign.stats.bradley_terry`.
#[pyfunction]
#[pyo3(signature = (winner, loser, n_items, weight=None, tie=None, l2=0.0, ties=TiesArg(Ties::Half),
    method=BtMethodArg(BtMethod::Newton), tol=1e-10, max_iter=1000, standard_errors=true, bootstrap=0, level=0.95,
    seed=0, threads=None))]
#[allow(clippy::too_many_arguments)]
fn stats_bradley_terry<'py>(
    py: Python<'py>,
    winner: CodesArg<'py>,
    loser: CodesArg<'py>,
    n_items: usize,
    weight: Option<PyReadonlyArray1<'py, f64>>,
    tie: Option<PyReadonlyArray1<'py, bool>>,
    l2: f64,
    ties: TiesArg,
    method: BtMethodArg,
    tol: f64,
    max_iter: usize,
    standard_errors: bool,
    bootstrap: usize,
    level: f64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<BradleyTerryOutcome> {
    let (ties, method) = (ties.0, method.0);
    let cmp = comparisons(py, &winner, &loser, weight.as_ref(), tie.as_ref())?;
    let opts = BtOptions {
        l2,
        method,
        tol,
        max_iter,
        ties,
        standard_errors,
        bootstrap: (bootstrap > 0).then_some(BootstrapOptions {
            replicates: bootstrap,
            level,
            seed,
        }),
        threads,
    };
    let r = run(py, threads, || stats::bradley_terry(n_items, &cmp, &opts))?;
    let arr = |v: Vec<f64>| PyArray1::from_vec(py, v).unbind();
    let boot = r.bootstrap;
    Ok(BradleyTerryOutcome {
        strength: arr(r.fit.strengths),
        se: r.se.map(arr),
        iterations: r.fit.iterations,
        converged: r.fit.converged,
        log_likelihood: r.fit.log_likelihood,
        n_pairs: r.n_pairs,
        n_comparisons: r.n_comparisons,
        item_comparisons: PyArray1::from_vec(py, r.item_comparisons).unbind(),
        ci_low: boot.as_ref().map(|b| arr(b.lower.clone())),
        ci_high: boot.as_ref().map(|b| arr(b.upper.clone())),
        boot_se: boot.as_ref().map(|b| arr(b.se.clone())),
        boot_used: boot.as_ref().map(|b| b.used),
        boot_failed: boot.as_ref().map(|b| b.failed),
        boot_unconverged: boot.as_ref().map(|b| b.unconverged),
    })
}

/// Online Elo on coded comparisons, in order.
#[pyfunction]
#[pyo3(signature = (winner, loser, n_items, weight=None, tie=None, k=4.0, initial=1000.0,
    scale=400.0, base=10.0))]
#[allow(clippy::too_many_arguments)]
fn stats_elo<'py>(
    py: Python<'py>,
    winner: CodesArg<'py>,
    loser: CodesArg<'py>,
    n_items: usize,
    weight: Option<PyReadonlyArray1<'py, f64>>,
    tie: Option<PyReadonlyArray1<'py, bool>>,
    k: f64,
    initial: f64,
    scale: f64,
    base: f64,
) -> PyResult<EloOutcome> {
    let cmp = comparisons(py, &winner, &loser, weight.as_ref(), tie.as_ref())?;
    let opts = EloOptions {
        k,
        initial,
        scale,
        base,
    };
    let r = run(py, Some(1), || stats::elo(n_items, &cmp, &opts))?;
    Ok(EloOutcome {
        ratings: PyArray1::from_vec(py, r.ratings).unbind(),
        games: PyArray1::from_vec(py, r.games).unbind(),
    })
}

/// Agreement coefficient on coded long ratings, with its parts.
#[pyfunction]
#[pyo3(signature = (unit, rater, value, metric, level=LevelArg(Metric::Nominal), threads=None))]
fn stats_agreement<'py>(
    py: Python<'py>,
    unit: CodesArg<'py>,
    rater: CodesArg<'py>,
    value: PyReadonlyArray1<'py, f64>,
    metric: AgreementArg,
    level: LevelArg,
    threads: Option<usize>,
) -> PyResult<AgreementOutcome> {
    let r = Ratings {
        unit: unit.codes(py, "unit")?,
        rater: rater.codes(py, "rater")?,
        value: slice1(py, &value, "value")?,
    };
    Ok(match metric.0 {
        AgreementMetric::Krippendorff => {
            let a = run(py, threads, || {
                stats::krippendorff_alpha(&r, level.0, threads)
            })?;
            alpha_outcome(&a)
        }
        AgreementMetric::Fleiss | AgreementMetric::Cohen => {
            let a = if metric.0 == AgreementMetric::Fleiss {
                run(py, threads, || stats::fleiss_kappa(&r, threads))?
            } else {
                run(py, threads, || stats::cohen_kappa(&r, threads))?
            };
            AgreementOutcome {
                value: a.kappa,
                observed: Some(a.observed),
                expected: Some(a.expected),
                n_units: a.n_units,
                n_pairable: None,
                n_pairs: None,
            }
        }
        AgreementMetric::Percent => {
            let a = run(py, threads, || stats::percent_agreement(&r, threads))?;
            AgreementOutcome {
                value: a.agreement,
                observed: None,
                expected: None,
                n_units: a.n_units,
                n_pairable: None,
                n_pairs: Some(a.n_pairs),
            }
        }
    })
}

/// Entropy (nats) of each segment `weights[offsets[i]..offsets[i + 1]]`.
#[pyfunction]
#[pyo3(signature = (offsets, weights, threads=None))]
fn stats_entropy_segments<'py>(
    py: Python<'py>,
    offsets: PyReadonlyArray1<'py, i64>,
    weights: PyReadonlyArray1<'py, f64>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let o = i64_slice(py, &offsets, "offsets")?;
    if o.iter().any(|&x| x < 0) {
        return Err(input_error(py, "offsets must be >= 0"));
    }
    let o: Vec<usize> = o.iter().map(|&x| x as usize).collect();
    let w = slice1(py, &weights, "weights")?;
    let e = run(py, threads, || stats::entropy_segments(&o, w, threads))?;
    Ok(PyArray1::from_vec(py, e))
}

/// Jensen–Shannon divergence (nats) between two weight vectors over the same categories.
#[pyfunction]
fn stats_js_divergence<'py>(
    py: Python<'py>,
    p: PyReadonlyArray1<'py, f64>,
    q: PyReadonlyArray1<'py, f64>,
) -> PyResult<f64> {
    let a = slice1(py, &p, "p")?;
    let b = slice1(py, &q, "q")?;
    run(py, Some(1), || stats::js_divergence(a, b))
}

/// Borrow a C-contiguous `raters x items` float64 matrix as dense ratings.
fn dense<'a>(py: Python<'_>, x: &'a PyReadonlyArray2<'_, f64>) -> PyResult<DenseRatings<'a>> {
    let (raters, items) = (x.shape()[0], x.shape()[1]);
    let data = x.as_slice().map_err(|_| {
        input_error(
            py,
            "the ratings matrix must be a C-contiguous float64 array",
        )
    })?;
    DenseRatings::new(data, raters, items).map_err(|e| to_py(py, e))
}

fn alpha_outcome(a: &AlphaResult) -> AgreementOutcome {
    AgreementOutcome {
        value: a.alpha,
        observed: Some(a.observed),
        expected: Some(a.expected),
        n_units: a.n_units,
        n_pairable: Some(a.n_pairable),
        n_pairs: None,
    }
}

/// A `raters x items` matrix with NaN for missing ratings → long `(unit, rater, value)` triples
/// in item-major order (each unit's ratings contiguous). Infinite values are an error naming the
/// cell.
#[pyfunction]
#[pyo3(signature = (x, threads=None))]
#[allow(clippy::type_complexity)]
fn stats_matrix_to_long<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    threads: Option<usize>,
) -> PyResult<(
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let d = dense(py, &x)?;
    let (unit, rater, value) = run(py, threads, || stats::matrix_to_long(&d, threads))?;
    Ok((
        PyArray1::from_vec(py, unit),
        PyArray1::from_vec(py, rater),
        PyArray1::from_vec(py, value),
    ))
}

/// Krippendorff's alpha of a dense `raters x items` matrix (NaN = missing).
#[pyfunction]
#[pyo3(signature = (x, level=LevelArg(Metric::Nominal), threads=None))]
fn stats_alpha_dense<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    level: LevelArg,
    threads: Option<usize>,
) -> PyResult<AgreementOutcome> {
    let lv = level.0;
    let d = dense(py, &x)?;
    let a = run(py, threads, || {
        stats::krippendorff_alpha_dense(&d, lv, threads)
    })?;
    Ok(alpha_outcome(&a))
}

/// Per-item label statistics of coded votes (see `pluralign_core::stats::item_label_stats`):
/// a dict of numpy arrays `first_row`, `n`, `entropy`, `majority`, `majority_share` and, with
/// groups, `n_groups`, `js_divergence`, `majorities_differ`.
#[pyfunction]
#[pyo3(signature = (items, n_items, labels, groups=None, weights=None, threads=None))]
fn stats_item_label_stats<'py>(
    py: Python<'py>,
    items: PyReadonlyArray1<'py, u32>,
    n_items: usize,
    labels: PyReadonlyArray1<'py, u32>,
    groups: Option<PyReadonlyArray1<'py, u32>>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let it = slice1(py, &items, "items")?;
    let lb = slice1(py, &labels, "labels")?;
    let gr = groups
        .as_ref()
        .map(|g| slice1(py, g, "groups"))
        .transpose()?;
    let wt = weights
        .as_ref()
        .map(|w| slice1(py, w, "weights"))
        .transpose()?;
    let r = run(py, threads, || {
        stats::item_label_stats(it, n_items, lb, gr, wt, threads)
    })?;
    let d = PyDict::new(py);
    d.set_item("first_row", PyArray1::from_vec(py, r.first_row))?;
    d.set_item("n", PyArray1::from_vec(py, r.n))?;
    d.set_item("entropy", PyArray1::from_vec(py, r.entropy))?;
    d.set_item("majority", PyArray1::from_vec(py, r.majority))?;
    d.set_item("majority_share", PyArray1::from_vec(py, r.majority_share))?;
    if let Some(b) = r.between {
        d.set_item("n_groups", PyArray1::from_vec(py, b.n_groups))?;
        d.set_item("js_divergence", PyArray1::from_vec(py, b.js_divergence))?;
        d.set_item(
            "majorities_differ",
            PyArray1::from_vec(py, b.majorities_differ),
        )?;
    }
    Ok(d)
}
