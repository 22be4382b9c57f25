//! Core errors and panics → `pluralign.errors` exceptions, and the one way kernels are run.
//!
//! The exception classes are imported once as types (a misspelt class is a compile error, not
//! a silent `ValueError`), and each `CoreError` variant maps onto one of them in [`to_py`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use pluralign_core::parallel::{self, Par};
use pluralign_core::CoreError;
use pyo3::prelude::*;

pyo3::import_exception!(pluralign.errors, InputError);
pyo3::import_exception!(pluralign.errors, LimitError);
pyo3::import_exception!(pluralign.errors, SchemaError);
pyo3::import_exception!(pluralign.errors, InternalError);

/// The exception a core error becomes. Exhaustive on purpose: a new variant must be mapped here
/// (and added to [`error_samples`], which the Python tests check against `pluralign.errors`).
pub fn to_py(_py: Python<'_>, e: CoreError) -> PyErr {
    let msg = e.to_string();
    match e {
        CoreError::Input(_) | CoreError::NonFinite { .. } => InputError::new_err(msg),
        CoreError::Limit(_) => LimitError::new_err(msg),
        CoreError::Schema(_) => SchemaError::new_err(msg),
        CoreError::Internal(_) => InternalError::new_err(internal_message(&msg)),
    }
}

/// `InputError(msg)`: bad values or parameters found in the binding layer.
pub fn input_error(_py: Python<'_>, msg: impl Into<String>) -> PyErr {
    InputError::new_err(msg.into())
}

/// `SchemaError(msg)`: a column of the wrong type found in the binding layer.
pub fn schema_error(msg: impl Into<String>) -> PyErr {
    SchemaError::new_err(msg.into())
}

fn internal_message(what: &str) -> String {
    format!("internal error in pluralign's Rust core (a bug, please report it): {what}")
}

/// One error of each `CoreError` variant with the exception it becomes, named by variant, so
/// the tests can check the mapping (`tests/test_errors_boundary.py`).
#[pyfunction]
pub fn _error_samples(
    py: Python<'_>,
) -> Vec<(&'static str, Py<pyo3::exceptions::PyBaseException>)> {
    let sample = |e: &CoreError| -> &'static str {
        // Exhaustive: adding a variant without a sample here does not compile.
        match e {
            CoreError::Input(_) => "Input",
            CoreError::NonFinite { .. } => "NonFinite",
            CoreError::Limit(_) => "Limit",
            CoreError::Schema(_) => "Schema",
            CoreError::Internal(_) => "Internal",
        }
    };
    [
        CoreError::Input("input".into()),
        CoreError::NonFinite {
            row: 1,
            col: 2,
            value: f64::NAN,
        },
        CoreError::Limit("limit".into()),
        CoreError::Schema("schema".into()),
        CoreError::Internal("internal".into()),
    ]
    .into_iter()
    .map(|e| (sample(&e), to_py(py, e).into_value(py)))
    .collect()
}

/// Run a kernel without the GIL in a pool of `threads` threads. Core errors become
/// `pluralign.errors` exceptions ([`to_py`]); a panic (a bug) becomes `InternalError` instead
/// of reaching Python as a `PanicException`.
pub fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> pluralign_core::Result<T> + Send,
) -> PyResult<T> {
    run_on(py, threads, |par| par.install(f))
}

/// [`run`] for a kernel that enters the pool of `threads` threads itself, for its parallel
/// parts only ([`Par`]); the rest runs on the calling thread, without the GIL.
pub fn run_on<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce(Par<'_>) -> pluralign_core::Result<T> + Send,
) -> PyResult<T> {
    let out = py.detach(|| {
        catch_unwind(AssertUnwindSafe(|| {
            let pool = parallel::pool_for(threads)?;
            f(Par::Pool(&pool))
        }))
    });
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(InternalError::new_err(internal_message(&what)))
        }
    }
}
