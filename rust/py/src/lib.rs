//! `pluralign._core`: the thin PyO3 layer over pluralign-core. It converts arguments, releases
//! the GIL while kernels run, and turns core errors (and, as a last resort, panics) into
//! `pluralign.errors` exceptions. No algorithms live here.

use pyo3::prelude::*;

mod arrow_ffi;
mod choice;
mod convert;
mod edge;
mod errors;
mod factorize;
mod govern;
mod pareto;
mod prefs;
mod results;
mod stats;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    pareto::register(m)?;
    choice::register(m)?;
    edge::register(m)?;
    govern::register(m)?;
    stats::register(m)?;
    prefs::register(m)?;
    results::register(m)?;
    factorize::register(m)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_error_samples, m)?)?;
    Ok(())
}

/// Number of threads `threads=None` uses.
#[pyfunction]
fn default_threads() -> usize {
    pluralign_core::parallel::default_threads()
}

/// Panics inside a kernel on purpose, so tests can check that no panic reaches Python as
/// anything but `InternalError`.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    errors::run(py, Some(1), || -> pluralign_core::Result<()> {
        panic!("deliberate test panic")
    })
}
