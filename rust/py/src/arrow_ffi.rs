//! Arrow columns between Python (polars Series, pyarrow arrays) and Rust through the Arrow
//! PyCapsule interface, in both directions and without copying buffers: [`ArrowColumn`] imports
//! `__arrow_c_stream__` (preferred: chunked data) or `__arrow_c_array__`; [`ArrowExport`] hands
//! an array back through `__arrow_c_array__` (`pl.Series(x)` / `pa.array(x)` read it in place).
//!
//! Only arrow-array (with its `ffi` feature) is used: a full Python–Arrow binding (pyo3-arrow,
//! which pulls arrow-cast/ord/select) more than doubled a fresh build for these few lines.

use std::ffi::CStr;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, from_ffi_and_data_type, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{make_array, Array, ArrayRef, LargeStringArray, StringArray, StringViewArray};
use arrow_buffer::Buffer;
use arrow_data::ArrayData;
use arrow_schema::{DataType, Field};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use pyo3::{intern, Borrowed};

const SCHEMA_CAPSULE: &CStr = c"arrow_schema";
const ARRAY_CAPSULE: &CStr = c"arrow_array";
const STREAM_CAPSULE: &CStr = c"arrow_array_stream";

/// One Arrow column: its field name and type, and its chunks (in order).
pub struct ArrowColumn {
    pub name: String,
    pub data_type: DataType,
    /// Whether a dictionary column's dictionary order is the values' order (polars Enum).
    pub dict_ordered: bool,
    pub chunks: Vec<ArrayRef>,
}

fn import_error(what: &str, e: impl std::fmt::Display) -> PyErr {
    PyTypeError::new_err(format!("cannot import Arrow data ({what}): {e}"))
}

impl<'a, 'py> FromPyObject<'a, 'py> for ArrowColumn {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = ob.py();
        if ob.hasattr(intern!(py, "__arrow_c_stream__"))? {
            let capsule = ob
                .call_method0(intern!(py, "__arrow_c_stream__"))?
                .cast_into::<PyCapsule>()?;
            let ptr = capsule.pointer_checked(Some(STREAM_CAPSULE))?;
            // SAFETY: the capsule named "arrow_array_stream" holds a valid FFI_ArrowArrayStream
            // (Arrow PyCapsule protocol); `from_raw` moves it out and leaves a released stream
            // behind, so the capsule's destructor does not release it a second time.
            let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.cast().as_ptr()) };
            return read_stream(stream);
        }
        if ob.hasattr(intern!(py, "__arrow_c_array__"))? {
            let pair = ob.call_method0(intern!(py, "__arrow_c_array__"))?;
            let pair = pair.cast::<PyTuple>()?;
            let schema_capsule = pair.get_item(0)?.cast_into::<PyCapsule>()?;
            let array_capsule = pair.get_item(1)?.cast_into::<PyCapsule>()?;
            let schema_ptr = schema_capsule.pointer_checked(Some(SCHEMA_CAPSULE))?;
            let array_ptr = array_capsule.pointer_checked(Some(ARRAY_CAPSULE))?;
            // SAFETY: the capsules hold a valid FFI_ArrowSchema / FFI_ArrowArray; the schema is
            // only borrowed (its capsule outlives this scope) and the array is moved out
            // (leaving a released one for the capsule's destructor).
            let (schema, array) = unsafe {
                (
                    schema_ptr.cast::<FFI_ArrowSchema>().as_ref(),
                    FFI_ArrowArray::from_raw(array_ptr.cast().as_ptr()),
                )
            };
            let field = Field::try_from(schema).map_err(|e| import_error("schema", e))?;
            // SAFETY: array and schema come from the same producer call, as `from_ffi` requires.
            let data = unsafe { from_ffi(array, schema) }.map_err(|e| import_error("array", e))?;
            return Ok(ArrowColumn {
                name: field.name().clone(),
                data_type: field.data_type().clone(),
                dict_ordered: field.dict_is_ordered().unwrap_or(false),
                chunks: vec![make_array(data)],
            });
        }
        Err(PyTypeError::new_err(format!(
            "expected an Arrow column (an object with __arrow_c_stream__ or __arrow_c_array__, \
             e.g. a polars Series or a pyarrow array), got {}",
            ob.get_type().name()?
        )))
    }
}

/// Read every chunk of a C stream of arrays (not record batches: a polars Series exports its own
/// field type, not a struct).
fn read_stream(mut stream: FFI_ArrowArrayStream) -> PyResult<ArrowColumn> {
    let (Some(get_schema), Some(get_next)) = (stream.get_schema, stream.get_next) else {
        return Err(import_error("stream", "the stream was already released"));
    };
    let mut schema = FFI_ArrowSchema::empty();
    // SAFETY: `stream` is a live (unreleased) stream and `schema` a valid out-pointer.
    let rc = unsafe { get_schema(&raw mut stream, &raw mut schema) };
    if rc != 0 {
        return Err(import_error("stream schema", last_error(&mut stream, rc)));
    }
    let field = Field::try_from(&schema).map_err(|e| import_error("schema", e))?;
    let mut chunks = Vec::new();
    loop {
        let mut array = FFI_ArrowArray::empty();
        // SAFETY: as above; a released `array` after success marks the end of the stream.
        let rc = unsafe { get_next(&raw mut stream, &raw mut array) };
        if rc != 0 {
            return Err(import_error("stream chunk", last_error(&mut stream, rc)));
        }
        if array.is_released() {
            break;
        }
        // SAFETY: every chunk of the stream has the stream's data type.
        let data = unsafe { from_ffi_and_data_type(array, field.data_type().clone()) }
            .map_err(|e| import_error("chunk", e))?;
        chunks.push(make_array(data));
    }
    Ok(ArrowColumn {
        name: field.name().clone(),
        data_type: field.data_type().clone(),
        dict_ordered: field.dict_is_ordered().unwrap_or(false),
        chunks,
    })
}

fn last_error(stream: &mut FFI_ArrowArrayStream, rc: i32) -> String {
    let msg = stream.get_last_error.and_then(|f| {
        // SAFETY: get_last_error returns null or a NUL-terminated string owned by the stream,
        // valid until the next call on it; it is copied right away.
        let p = unsafe { f(stream) };
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    });
    msg.unwrap_or_else(|| format!("error code {rc}"))
}

/// One chunk of an Arrow text column (utf8, large_utf8 or utf8_view), read in place.
pub enum TextCol {
    Utf8(StringArray),
    LargeUtf8(LargeStringArray),
    View(StringViewArray),
}

impl TextCol {
    /// The chunk as text, or None if its type is not a string type.
    pub fn new(c: &ArrayRef) -> Option<Self> {
        Some(match c.data_type() {
            DataType::Utf8 => TextCol::Utf8(c.as_string::<i32>().clone()),
            DataType::LargeUtf8 => TextCol::LargeUtf8(c.as_string::<i64>().clone()),
            DataType::Utf8View => TextCol::View(c.as_string_view().clone()),
            _ => return None,
        })
    }

    pub fn len(&self) -> usize {
        match self {
            TextCol::Utf8(a) => a.len(),
            TextCol::LargeUtf8(a) => a.len(),
            TextCol::View(a) => a.len(),
        }
    }

    /// The bytes of value `i`, or None for a null.
    #[inline]
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        match self {
            TextCol::Utf8(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            TextCol::LargeUtf8(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            TextCol::View(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
        }
    }

    /// Whether values `i` and `j` are equal (nulls equal each other). For views, equal 16-byte
    /// views are equal strings, and different lengths or short (inline) strings decide without
    /// touching the data buffers.
    #[inline]
    pub fn same(&self, i: usize, j: usize) -> bool {
        if let TextCol::View(a) = self {
            let (x, y) = (a.views()[i], a.views()[j]);
            let both_valid = a.is_valid(i) && a.is_valid(j);
            if x == y && both_valid {
                return true;
            }
            if both_valid && (x as u32 != y as u32 || x as u32 <= 12) {
                return false;
            }
        }
        self.bytes(i) == self.bytes(j)
    }
}

/// One chunk without nulls of fixed-width values (integers, floats, temporal, decimals) or of
/// Arrow views (`utf8_view` / `binary_view`: 16-byte views into data buffers): a column that can
/// be gathered value by value, keeping the view data buffers shared.
pub struct FixedWidthColumn {
    field: Field,
    data: ArrayData,
    width: usize,
}

impl FixedWidthColumn {
    /// The column's only chunk, or None when it has several chunks, nulls or another type.
    pub fn new(col: &ArrowColumn) -> Option<Self> {
        let [chunk] = col.chunks.as_slice() else {
            return None;
        };
        let width = match &col.data_type {
            DataType::Utf8View | DataType::BinaryView => 16,
            t => t
                .primitive_width()
                .filter(|w| [1, 2, 4, 8, 16].contains(w))?,
        };
        if chunk.null_count() > 0 {
            return None;
        }
        Some(FixedWidthColumn {
            field: Field::new(col.name.clone(), col.data_type.clone(), false),
            data: chunk.to_data(),
            width,
        })
    }

    /// Bytes per value: 1, 2, 4, 8 or 16.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The values (the views, for view types) as `T` of [`Self::width`] bytes, or None when the
    /// buffer is not aligned for `T`.
    pub fn values<T: FixedBits>(&self) -> Option<&[T]> {
        if std::mem::size_of::<T>() != self.width {
            return None;
        }
        let buf = self.data.buffers().first()?;
        let (start, len) = (
            self.data.offset() * self.width,
            self.data.len() * self.width,
        );
        let bytes = buf.as_slice().get(start..start + len)?;
        // SAFETY: T is a plain integer type (FixedBits): every bit pattern is a valid value.
        let (head, mid, tail) = unsafe { bytes.align_to::<T>() };
        (head.is_empty() && tail.is_empty()).then_some(mid)
    }

    /// An array of this column's type and name holding `values` (gathered from this column),
    /// sharing this column's view data buffers.
    pub fn with_values<T: FixedBits>(&self, values: Vec<T>) -> PyResult<ArrowExport> {
        let len = values.len();
        let builder = ArrayData::builder(self.field.data_type().clone())
            .len(len)
            .add_buffer(Buffer::from_vec(values))
            .add_buffers(self.data.buffers().iter().skip(1).cloned());
        // SAFETY: every value is a copy of a value of this (valid) column and the buffers the
        // views point into come along, so the array is as valid as the input: skip the O(bytes)
        // UTF-8 re-validation that `build` does for views.
        let data = unsafe { builder.build_unchecked() };
        Ok(ArrowExport {
            field: self.field.clone(),
            data,
        })
    }
}

/// Plain integer types a fixed-width column can be read as.
pub trait FixedBits: arrow_buffer::ArrowNativeType {}
impl FixedBits for u8 {}
impl FixedBits for u16 {}
impl FixedBits for u32 {}
impl FixedBits for u64 {}
impl FixedBits for u128 {}

/// An Arrow array for Python, exported through the Arrow PyCapsule interface.
#[pyclass(frozen, name = "ArrowArray", module = "pluralign._core")]
pub struct ArrowExport {
    field: Field,
    data: ArrayData,
}

#[pymethods]
impl ArrowExport {
    /// The (schema, array) capsule pair of the Arrow PyCapsule interface.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let _ = requested_schema; // the array is handed over as it is
        let schema = FFI_ArrowSchema::try_from(&self.field)
            .map_err(|e| PyValueError::new_err(format!("cannot export Arrow schema: {e}")))?;
        let array = FFI_ArrowArray::new(&self.data);
        let schema = PyCapsule::new_with_value(py, schema, SCHEMA_CAPSULE)?;
        let array = PyCapsule::new_with_value(py, array, ARRAY_CAPSULE)?;
        PyTuple::new(py, [schema, array])
    }

    fn __len__(&self) -> usize {
        self.data.len()
    }
}
