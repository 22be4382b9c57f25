//! pluralign-core: the pure-Rust algorithms behind pluralign (no Python here).
//!
//! - [`pareto`]: non-dominated sorting, hypervolume, scalarizations, indicators.
//! - [`parallel`]: the rayon pools every kernel runs in (`threads=`), fork-safe.
//! - [`error`]: the one error type, mapped onto `pluralign.errors` by the binding layer.

pub(crate) mod cache;
pub mod choice;
pub mod codes;
pub mod edge;
pub mod error;
pub mod factorize;
pub mod govern;
pub mod hashing;
pub mod matrix;
pub mod offsets;
pub mod parallel;
pub mod pareto;
pub mod prefs;
pub mod stats;

pub use error::{CoreError, Result};
pub use matrix::{MatrixView, NanPolicy};
pub use offsets::Offsets;
