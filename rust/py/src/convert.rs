//! Python objects → borrowed matrix views. numpy arrays are read in place through their
//! strides (C, Fortran or sliced); Arrow columns (polars Series, pyarrow arrays) arrive through
//! the Arrow PyCapsule stream interface and are borrowed when they are one float64 chunk
//! without nulls, converted once otherwise.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_schema::DataType;
use numpy::{PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pluralign_core::codes::{Codes, Ids};
use pluralign_core::MatrixView;
use pyo3::prelude::*;

use crate::arrow_ffi::ArrowColumn;
use crate::errors::{input_error, schema_error, to_py};

#[derive(FromPyObject)]
pub enum PointsArg<'py> {
    Array(PyReadonlyArray2<'py, f64>),
    Columns(Vec<ArrowColumn>),
}

/// Owns (or borrows) the data of a points argument; `slices()` + `view()` give the kernel view.
pub enum Points<'py> {
    Array(PyReadonlyArray2<'py, f64>),
    Columns { arrays: Vec<ArrayRef> },
}

impl<'py> Points<'py> {
    pub fn new(py: Python<'py>, arg: PointsArg<'py>) -> PyResult<Self> {
        match arg {
            PointsArg::Array(a) => Ok(Points::Array(a)),
            PointsArg::Columns(cols) => {
                let mut arrays = Vec::with_capacity(cols.len());
                for (j, col) in cols.into_iter().enumerate() {
                    arrays.push(column_f64(py, j, col)?);
                }
                Ok(Points::Columns { arrays })
            }
        }
    }

    /// Column slices (empty for numpy input).
    pub fn slices(&self) -> Vec<&[f64]> {
        match self {
            Points::Array(_) => Vec::new(),
            Points::Columns { arrays } => arrays
                .iter()
                .map(|a| a.as_primitive::<Float64Type>().values().as_ref())
                .collect(),
        }
    }

    pub fn view<'a>(&'a self, py: Python<'_>, slices: &'a [&'a [f64]]) -> PyResult<MatrixView<'a>> {
        match self {
            Points::Array(a) => array_view(py, a),
            Points::Columns { .. } => {
                MatrixView::columns(slices).map_err(|e| crate::errors::to_py(py, e))
            }
        }
    }
}

/// Runs `f` on the matrix view of a points argument: the one place that owns the converted
/// columns (or the numpy borrow) for as long as the view lives.
pub fn with_view<'py, R>(
    py: Python<'py>,
    points: PointsArg<'py>,
    f: impl FnOnce(&MatrixView<'_>) -> PyResult<R>,
) -> PyResult<R> {
    let pts = Points::new(py, points)?;
    let slices = pts.slices();
    let view = pts.view(py, &slices)?;
    f(&view)
}

fn array_view<'a>(py: Python<'_>, a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<MatrixView<'a>> {
    let shape = a.shape();
    let (n, m) = (shape[0], shape[1]);
    let strides = a.strides();
    let item = std::mem::size_of::<f64>() as isize;
    if strides.iter().any(|&s| s < 0 || s % item != 0) {
        return Err(input_error(
            py,
            "array has negative or unaligned strides; pass np.ascontiguousarray(points)",
        ));
    }
    let (rs, cs) = ((strides[0] / item) as usize, (strides[1] / item) as usize);
    if n == 0 || m == 0 {
        return MatrixView::new(&[], n, m, rs, cs).map_err(|e| crate::errors::to_py(py, e));
    }
    let len = (n - 1) * rs + (m - 1) * cs + 1;
    // SAFETY: numpy guarantees that every element (i, j) with i < n, j < m lies at
    // data + i*rs + j*cs inside one allocation; the readonly borrow `a` keeps it alive and
    // unmodified by Rust code for 'a. The slice spans exactly from the first to the last element.
    let data = unsafe { std::slice::from_raw_parts(a.data().cast_const(), len) };
    MatrixView::new(data, n, m, rs, cs).map_err(|e| crate::errors::to_py(py, e))
}

/// One Arrow column as a single float64 array without nulls: borrowed when it is one float64
/// chunk, converted (exactly for integers up to 2^53) into one buffer otherwise.
fn column_f64(py: Python<'_>, j: usize, col: ArrowColumn) -> PyResult<ArrayRef> {
    let name = &col.name;
    let numeric = matches!(
        col.data_type,
        DataType::Float64
            | DataType::Float32
            | DataType::Float16
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Boolean
    );
    if !numeric {
        return Err(schema_error(format!(
            "column '{name}' (objective {j}) has type {} but objectives must be numeric",
            col.data_type
        )));
    }
    let mut offset = 0usize;
    for c in &col.chunks {
        if c.null_count() > 0 {
            let row = (0..c.len()).find(|&i| c.is_null(i)).unwrap_or(0) + offset;
            return Err(input_error(
                py,
                format!("column '{name}' (objective {j}) is null at row {row}; fill or drop nulls first"),
            ));
        }
        offset += c.len();
    }
    if let [only] = col.chunks.as_slice() {
        if col.data_type == DataType::Float64 {
            return Ok(only.clone());
        }
    }
    let mut out: Vec<f64> = Vec::with_capacity(offset);
    for c in &col.chunks {
        extend_f64(&mut out, c.as_ref())
            .map_err(|e| input_error(py, format!("column '{name}': {e}")))?;
    }
    Ok(Arc::new(Float64Array::from(out)))
}

/// Append a null-free numeric or boolean chunk to `out` as float64.
fn extend_f64(out: &mut Vec<f64>, c: &dyn Array) -> Result<(), String> {
    fn prim<T: ArrowPrimitiveType>(
        out: &mut Vec<f64>,
        c: &dyn Array,
        f: impl Fn(T::Native) -> f64,
    ) {
        out.extend(c.as_primitive::<T>().values().iter().map(|&v| f(v)));
    }
    match c.data_type() {
        DataType::Float64 => prim::<Float64Type>(out, c, |v| v),
        DataType::Float32 => prim::<Float32Type>(out, c, f64::from),
        // `half::f16::to_f64` is not nameable here (half is not a direct dependency)
        #[allow(clippy::redundant_closure_for_method_calls)]
        DataType::Float16 => prim::<Float16Type>(out, c, |v| v.to_f64()),
        DataType::Int8 => prim::<Int8Type>(out, c, f64::from),
        DataType::Int16 => prim::<Int16Type>(out, c, f64::from),
        DataType::Int32 => prim::<Int32Type>(out, c, f64::from),
        DataType::Int64 => prim::<Int64Type>(out, c, |v| v as f64),
        DataType::UInt8 => prim::<UInt8Type>(out, c, f64::from),
        DataType::UInt16 => prim::<UInt16Type>(out, c, f64::from),
        DataType::UInt32 => prim::<UInt32Type>(out, c, f64::from),
        DataType::UInt64 => prim::<UInt64Type>(out, c, |v| v as f64),
        DataType::Boolean => {
            out.extend(
                c.as_boolean()
                    .values()
                    .iter()
                    .map(|b| if b { 1.0 } else { 0.0 }),
            );
        }
        other => return Err(format!("type {other} is not numeric")),
    }
    Ok(())
}

/// A 1-D numpy argument as a slice (`what` names it in the error for a non-contiguous array).
pub fn slice1<'a, T: numpy::Element>(
    py: Python<'_>,
    a: &'a PyReadonlyArray1<'_, T>,
    what: &str,
) -> PyResult<&'a [T]> {
    a.as_slice().map_err(|_| {
        input_error(
            py,
            format!(
                "{what} must be a contiguous {} array",
                std::any::type_name::<T>()
            ),
        )
    })
}

/// An int64 vector argument as a slice.
pub fn i64_slice<'a>(
    py: Python<'_>,
    a: &'a PyReadonlyArray1<'_, i64>,
    what: &str,
) -> PyResult<&'a [i64]> {
    slice1(py, a, what)
}

/// `a`, `a or b`, `a, b or c`: the allowed spellings of an option, quoted.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// One string option of the Python API, parsed into a core enum by its `FromPyObject` impl.
/// A wrong value is an `InputError` that names the parameter and the allowed values.
macro_rules! str_option {
    ($(#[$doc:meta])* $wrapper:ident($target:ty), $param:literal,
     { $($text:literal => $value:expr),+ $(,)? }) => {
        $(#[$doc])*
        pub struct $wrapper(pub $target);

        impl $wrapper {
            pub const PARAM: &'static str = $param;
            pub const ALLOWED: &'static [&'static str] = &[$($text),+];
        }

        impl<'a, 'py> FromPyObject<'a, 'py> for $wrapper {
            type Error = PyErr;

            fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let allowed = one_of(Self::ALLOWED);
                let Ok(s) = ob.extract::<pyo3::pybacked::PyBackedStr>() else {
                    let kind = ob.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string());
                    return Err(input_error(
                        ob.py(),
                        format!("{} must be {allowed}, got a {kind}", Self::PARAM),
                    ));
                };
                match &*s {
                    $($text => Ok(Self($value)),)+
                    other => Err(input_error(
                        ob.py(),
                        format!("{} must be {allowed}, got {other:?}", Self::PARAM),
                    )),
                }
            }
        }
    };
}

use pluralign_core::choice as ch;
use pluralign_core::pareto::indicators::Indicator;
use pluralign_core::stats::{BtMethod, Metric, Ties};
use pluralign_core::NanPolicy;

str_option!(
    /// `nan=`: what a NaN objective value means.
    NanArg(NanPolicy), "nan", { "error" => NanPolicy::Error, "worst" => NanPolicy::Worst });
str_option!(
/// `kind=` of the quality indicators.
IndicatorArg(Indicator), "kind", {
    "epsilon_additive" => Indicator::EpsilonAdditive,
    "epsilon_multiplicative" => Indicator::EpsilonMultiplicative,
    "igd" => Indicator::Igd,
    "igd_plus" => Indicator::IgdPlus,
});
str_option!(
/// How a tie is broken (`tb_kind=`); the order and the seed come as their own arguments.
TieBreakKind(TieBreakKindValue), "tb_kind", {
    "none" => TieBreakKindValue::None,
    "lexicographic" => TieBreakKindValue::Lexicographic,
    "order" => TieBreakKindValue::Order,
    "random" => TieBreakKindValue::Random,
});
str_option!(QuotaArg(ch::Quota), "quota", { "droop" => ch::Quota::Droop, "hare" => ch::Quota::Hare });
str_option!(TransferArg(ch::Transfer), "transfer", {
    "wigm" => ch::Transfer::Wigm, "gregory" => ch::Transfer::Gregory, "meek" => ch::Transfer::Meek });
str_option!(SurplusOrderArg(ch::SurplusOrder), "surplus_order", {
    "largest" => ch::SurplusOrder::Largest, "simultaneous" => ch::SurplusOrder::Simultaneous });
str_option!(
/// The STV tie-break look-back (`"backward"` / `"forward"` first, then the tie-break).
LookBackArg(ch::LookBack), "look", {
    "none" => ch::LookBack::None,
    "backward" => ch::LookBack::Backward,
    "forward" => ch::LookBack::Forward,
});
str_option!(MinimaxStrengthArg(ch::MinimaxStrength), "strength", {
    "margins" => ch::MinimaxStrength::Margins,
    "winning_votes" => ch::MinimaxStrength::WinningVotes,
    "pairwise_opposition" => ch::MinimaxStrength::PairwiseOpposition,
});
str_option!(
/// Schulze's link strength; `"margins"` / `"winning_votes"` are accepted as in `minimax`.
SchulzeStrengthArg(ch::SchulzeStrength), "strength", {
    "margin" => ch::SchulzeStrength::Margin,
    "margins" => ch::SchulzeStrength::Margin,
    "winning" => ch::SchulzeStrength::WinningVotes,
    "winning_votes" => ch::SchulzeStrength::WinningVotes,
    "ratio" => ch::SchulzeStrength::Ratio,
});
str_option!(NansonVariantArg(ch::NansonVariant), "variant", {
    "strict" => ch::NansonVariant::Strict, "weak" => ch::NansonVariant::Weak });
str_option!(KemenyMethodArg(ch::KemenyMethod), "method", {
    "exact" => ch::KemenyMethod::Exact, "local_search" => ch::KemenyMethod::LocalSearch });
str_option!(LotteryPayoffArg(ch::LotteryPayoff), "payoff", {
    "margins" => ch::LotteryPayoff::Margins, "majority" => ch::LotteryPayoff::Majority });
str_option!(CoveringArg(ch::Covering), "covering", {
    "gillies" => ch::Covering::Gillies,
    "miller" => ch::Covering::Miller,
    "mckelvey" => ch::Covering::McKelvey,
});
str_option!(ThieleMethodArg(ch::ThieleMethod), "method", {
    "exact" => ch::ThieleMethod::Exact, "sequential" => ch::ThieleMethod::Sequential });
str_option!(MesCompletionArg(ch::MesCompletion), "completion", {
    "seq_phragmen" => ch::MesCompletion::SeqPhragmen,
    "av" => ch::MesCompletion::Av,
    "increment" => ch::MesCompletion::Increment,
    "none" => ch::MesCompletion::None,
});
str_option!(TiesArg(Ties), "ties", { "half" => Ties::Half, "drop" => Ties::Drop });
str_option!(BtMethodArg(BtMethod), "method", { "newton" => BtMethod::Newton, "mm" => BtMethod::MM });
str_option!(
/// Krippendorff's alpha measurement level.
LevelArg(Metric), "level", {
    "nominal" => Metric::Nominal,
    "ordinal" => Metric::Ordinal,
    "interval" => Metric::Interval,
    "ratio" => Metric::Ratio,
});
str_option!(
/// `metric=` of `stats_agreement`.
AgreementArg(AgreementMetric), "metric", {
    "krippendorff" => AgreementMetric::Krippendorff,
    "fleiss" => AgreementMetric::Fleiss,
    "cohen" => AgreementMetric::Cohen,
    "percent" => AgreementMetric::Percent,
});

/// The kind of a tie-break before its order / seed are attached.
#[derive(Clone, Copy)]
pub enum TieBreakKindValue {
    None,
    Lexicographic,
    Order,
    Random,
}

impl TieBreakKind {
    /// The core tie-break, with the order (for `"order"`) or the seed (for `"random"`).
    pub fn with(self, order: Vec<usize>, seed: u64) -> ch::TieBreak {
        match self.0 {
            TieBreakKindValue::None => ch::TieBreak::None,
            TieBreakKindValue::Lexicographic => ch::TieBreak::Lexicographic,
            TieBreakKindValue::Order => ch::TieBreak::Order(order),
            TieBreakKindValue::Random => ch::TieBreak::Random(seed),
        }
    }
}

/// Which agreement coefficient `stats_agreement` computes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AgreementMetric {
    Krippendorff,
    Fleiss,
    Cohen,
    Percent,
}

/// The physical ids of a Categorical / Enum column, at their own width.
#[derive(FromPyObject)]
pub enum IdsArg<'py> {
    U8(PyReadonlyArray1<'py, u8>),
    U16(PyReadonlyArray1<'py, u16>),
    U32(PyReadonlyArray1<'py, u32>),
}

/// An id column as the kernels take it: uint32 codes, or `(ids, map)`, a column's physical ids
/// and the map from id to code (`pluralign._factorize.factorize_mapped`): no code per row.
#[derive(FromPyObject)]
pub enum CodesArg<'py> {
    Plain(PyReadonlyArray1<'py, u32>),
    Mapped((IdsArg<'py>, PyReadonlyArray1<'py, u32>)),
}

impl CodesArg<'_> {
    /// The borrowed codes; ids outside the map are an `InputError` naming `what`.
    pub fn codes(&self, py: Python<'_>, what: &str) -> PyResult<Codes<'_>> {
        match self {
            CodesArg::Plain(a) => Ok(Codes::Plain(slice1(py, a, what)?)),
            CodesArg::Mapped((ids, map)) => {
                let ids = match ids {
                    IdsArg::U8(a) => Ids::U8(slice1(py, a, what)?),
                    IdsArg::U16(a) => Ids::U16(slice1(py, a, what)?),
                    IdsArg::U32(a) => Ids::U32(slice1(py, a, what)?),
                };
                Codes::mapped(ids, slice1(py, map, what)?, what).map_err(|e| to_py(py, e))
            }
        }
    }
}
