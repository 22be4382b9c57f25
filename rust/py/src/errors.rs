//! Core errors and panics → `pluralign.errors` exceptions, and the one way kernels are run.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pluralign_core::{parallel, CoreError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// An instance of `pluralign.errors.<class_name>(msg)` as a `PyErr`.
pub fn py_error(py: Python<'_>, class_name: &str, msg: String) -> PyErr {
    let made = py
        .import("pluralign.errors")
        .and_then(|m| m.getattr(class_name))
        .and_then(|cls| cls.call1((msg.clone(),)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(_) => PyValueError::new_err(msg),
    }
}

pub fn to_py(py: Python<'_>, e: CoreError) -> PyErr {
    let class = match e {
        CoreError::Input(_) | CoreError::NonFinite { .. } => "InputError",
        CoreError::Limit(_) => "LimitError",
    };
    py_error(py, class, e.to_string())
}

pub fn input_error(py: Python<'_>, msg: impl Into<String>) -> PyErr {
    py_error(py, "InputError", msg.into())
}

/// Run a kernel without the GIL in a pool of `threads` threads. Core errors become
/// `InputError`/`LimitError`; a panic (a bug) becomes `InternalError` instead of reaching
/// Python as a `PanicException`.
pub fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> pluralign_core::Result<T> + Send,
) -> PyResult<T> {
    let out = py.detach(|| catch_unwind(AssertUnwindSafe(|| parallel::with_threads(threads, f))));
    match out {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) | Ok(Err(e)) => Err(to_py(py, e)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(py_error(
                py,
                "InternalError",
                format!(
                    "internal error in pluralign's Rust core (a bug, please report it): {what}"
                ),
            ))
        }
    }
}
