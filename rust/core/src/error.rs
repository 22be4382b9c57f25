//! The one error type of the core. The binding layer maps each variant onto a
//! `pluralign.errors` class, so messages here are what users read: name the row,
//! the column or the parameter, and say how to fix it.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// Bad values, shapes or parameters (→ `InputError`).
    #[error("{0}")]
    Input(String),
    /// A non-finite value where finite values are required (→ `InputError`).
    #[error("row {row}, objective {col}: value {value} is not finite; remove it or pass nan=\"worst\" to rank it as the worst value")]
    NonFinite { row: usize, col: usize, value: f64 },
    /// A problem above a size the algorithm supports in reasonable time (→ `LimitError`).
    #[error("{0}")]
    Limit(String),
    /// A column of the wrong type, or a required column missing (→ `SchemaError`).
    #[error("{0}")]
    Schema(String),
    /// A broken invariant of pluralign itself, not of the input (→ `InternalError`).
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, CoreError>;

/// Shorthand for `Err(CoreError::Input(format!(...)))`.
#[macro_export]
macro_rules! input_err {
    ($($arg:tt)*) => { Err($crate::error::CoreError::Input(format!($($arg)*))) };
}
