"""Shared checks for the values every public function takes (types, string options, counts,
seeds, thread counts, tables and their columns, arrays and ids, renamed keywords), so each
caller gets the same named error instead of a foreign exception (``OverflowError`` from a
too-large int, a polars ``PanicException``, a silent cast).

Everything here runs once per call, never per element in Python (array checks are numpy
reductions).
"""

from __future__ import annotations

import enum
import functools
import inspect
import math
import typing
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal, TypeVar, overload

import numpy as np

from .errors import InputError, InternalError, LimitError, SchemaError

__all__ = [
    "MAX_THREADS_ARG",
    "column_names",
    "count",
    "finite_columns",
    "frame",
    "guard_module",
    "guard_panics",
    "id_array",
    "id_series",
    "instance",
    "key_columns",
    "number",
    "numeric_array",
    "option",
    "path",
    "renamed",
    "require_columns",
    "seed",
    "strings",
    "text",
    "threads",
]

# The binding's own bound (8 x cores, at least 64, at most 1024) is checked in Rust
# (`parallel::max_threads`); this one only keeps absurd ints from overflowing the conversion.
MAX_THREADS_ARG = 1024
_U64 = 2**64

F = TypeVar("F", bound=Callable[..., Any])


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def count(v: Any, name: str, least: int = 1, most: int | None = None, *, hint: str = "") -> int:
    """An int ``>= least`` (bools refused); above ``most`` a :class:`LimitError` naming the
    value asked for and the limit."""
    if not _is_int(v) or v < least:
        raise InputError(f"{name} must be an int >= {least}, got {v!r}")
    v = int(v)
    if most is not None and v > most:
        raise LimitError(f"{name}={v} is above the limit of {most}{'; ' + hint if hint else ''}")
    return v


def seed(v: Any, name: str = "seed") -> int:
    """A seed: an int in [0, 2**64)."""
    if not _is_int(v):
        raise InputError(f"{name} must be an int in [0, 2**64), got {v!r}")
    v = int(v)
    if not 0 <= v < _U64:
        raise InputError(f"{name} must be an int in [0, 2**64), got {v}")
    return v


def threads(v: Any) -> int | None:
    """``None`` (all cores) or a positive int; absurd counts are a :class:`LimitError`."""
    if v is None:
        return None
    if not _is_int(v) or v < 1:
        raise InputError(f"threads must be a positive int or None (all cores), got {v!r}")
    v = int(v)
    if v > MAX_THREADS_ARG:
        raise LimitError(
            f"threads={v} is above the limit of {MAX_THREADS_ARG}; pass fewer "
            "threads or None for all cores"
        )
    return v


def text(v: Any, name: str, *, none: bool = False, empty: bool = True) -> str | None:
    """A ``str`` (a name, a column, a label); ``None`` only when ``none``."""
    if v is None and none:
        return None
    if not isinstance(v, str) or (not empty and not v):
        what = "a non-empty string" if not empty else "a string"
        raise InputError(f"{name} must be {what}{' or None' if none else ''}, got {_short(v)}")
    return v


@overload
def strings(v: Any, name: str, *, none: Literal[False] = ..., single: bool = ...) -> list[str]: ...
@overload
def strings(v: Any, name: str, *, none: bool, single: bool = ...) -> list[str] | None: ...
def strings(v: Any, name: str, *, none: bool = False, single: bool = False) -> list[str] | None:
    """A list or tuple of ``str`` (``single``: one ``str`` is a list of one; a bare string is
    otherwise refused because it would be iterated character by character)."""
    if v is None and none:
        return None
    if isinstance(v, str) and single:
        return [v]
    ok = isinstance(v, (list, tuple)) or (
        isinstance(v, np.ndarray) and v.ndim == 1 and v.dtype.kind == "U"
    )
    items = list(v) if ok else []
    if not ok or not all(isinstance(x, str) for x in items):
        raise InputError(
            f"{name} must be a list of strings{' or None' if none else ''}, got {_short(v)}"
        )
    return [str(x) for x in items]


def column_names(v: Any, name: str) -> list[str]:
    """``None`` (no columns), one column name or a list of names, as a list."""
    return strings(v, name, none=True, single=True) or []


@overload
def number(
    v: Any,
    name: str,
    *,
    lo: float | None = ...,
    hi: float | None = ...,
    lo_open: bool = ...,
    hi_open: bool = ...,
    none: Literal[False] = ...,
    finite: bool = ...,
) -> float: ...
@overload
def number(
    v: Any,
    name: str,
    *,
    lo: float | None = ...,
    hi: float | None = ...,
    lo_open: bool = ...,
    hi_open: bool = ...,
    none: bool,
    finite: bool = ...,
) -> float | None: ...
def number(
    v: Any,
    name: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    none: bool = False,
    finite: bool = True,
) -> float | None:
    """A real number (bool, complex, arrays and text refused) in ``[lo, hi]`` (ends open
    where asked); NaN is always refused, infinities unless ``finite=False``."""
    if v is None and none:
        return None
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a number{' or None' if none else ''}, got {_short(v)}")
    x = float(v) if not isinstance(v, int) or abs(v) < 2**1023 else math.copysign(math.inf, v)
    bad = math.isnan(x) or (finite and math.isinf(x))
    if lo is not None:
        bad = bad or x < lo or (lo_open and x == lo)
    if hi is not None:
        bad = bad or x > hi or (hi_open and x == hi)
    if bad:
        rng = (
            f"{'(' if lo_open else '['}{'-inf' if lo is None else lo}, "
            f"{'inf' if hi is None else hi}{')' if hi_open else ']'}"
        )
        raise InputError(
            f"{name} must be a {'finite ' if finite else ''}number in {rng}, got {_short(v)}"
        )
    return x


def path(v: Any, name: str) -> Any:
    """A file-system path (``str`` or ``os.PathLike``; no NUL byte) as a ``pathlib.Path``."""
    import os
    from pathlib import Path

    if not isinstance(v, (str, os.PathLike)):
        raise InputError(f"{name} must be a path (str or pathlib.Path), got {_short(v)}")
    p = Path(v)
    if "\x00" in str(p) or not str(v):
        raise InputError(f"{name} must be a non-empty path without NUL bytes, got {_short(v)}")
    return p


def json_file(p: Any, what: str) -> Any:
    """The parsed JSON of file ``p`` (a checkpoint's metadata); unreadable, non-UTF-8 or
    invalid JSON is an :class:`InputError` naming the file."""
    import json

    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise InputError(f"{what}: {str(p)!r} is not readable JSON ({e})") from None


def _short(v: Any) -> str:
    r = repr(v) if not isinstance(v, np.ndarray) else f"an array of shape {v.shape} ({v.dtype})"
    return r if len(r) <= 80 else r[:77] + "..."


def _dtype_problem(arr: np.ndarray) -> str | None:
    kind = arr.dtype.kind
    if kind == "c":
        return "complex numbers (the imaginary part would be lost); pass the real part explicitly"
    if kind == "O":
        return "Python objects (dtype=object); convert it to a numeric dtype first"
    if kind in "USV":
        return f"text or bytes (dtype {arr.dtype}); convert it to numbers first"
    if kind in "mM":
        return f"dates or durations (dtype {arr.dtype}); convert them to numbers first"
    return None


def numeric_array(x: Any, name: str, *, dtype: Any = np.float64) -> np.ndarray:
    """``x`` as a numpy array of ``dtype``. Complex, object, text and datetime inputs are
    refused (numpy would drop the imaginary part or parse strings silently); for an integer
    ``dtype``, unsigned values beyond its range are refused instead of wrapping."""
    try:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (TypeError, ValueError, OverflowError) as e:
        raise InputError(f"{name} must be an array of numbers: {e}") from None
    problem = _dtype_problem(arr)
    if problem is not None:
        raise InputError(f"{name} holds {problem}")
    target = np.dtype(dtype)
    if target.kind == "i" and arr.dtype.kind == "u" and arr.size:
        hi = np.iinfo(target).max
        big = arr > hi
        if big.any():
            at = np.unravel_index(int(np.argmax(big)), arr.shape)
            where = at[0] if len(at) == 1 else tuple(int(i) for i in at)
            raise InputError(
                f"{name}: value {arr[at]} at {where} is above the largest {target} ({hi}); "
                "it would wrap around"
            )
    if (
        target.kind == "i"
        and arr.dtype.kind == "f"
        and arr.size
        and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)))
    ):
        raise InputError(f"{name} must hold whole numbers, got non-integral floats")
    try:
        return np.asarray(arr, dtype=target)
    except (TypeError, ValueError, OverflowError) as e:
        raise InputError(f"{name} must be an array of numbers: {e}") from None


def id_array(values: Any, name: str) -> np.ndarray:
    """Check 1-D ids before they reach polars: hashable scalars, no ``None`` / NaN, no nested
    lists, no complex numbers. Returns the numpy array (object dtype for mixed ids)."""
    if isinstance(values, (str, bytes)):
        raise InputError(
            f"{name} must be a sequence of ids (one per row), got the text "
            f"{values!r}; wrap a single id in a list"
        )
    try:
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name} must be a 1-D sequence of ids: {e}") from None
    if arr.ndim != 1:
        raise InputError(f"{name} must be 1-D (one id per row), got shape {arr.shape}")
    kind = arr.dtype.kind
    if (
        kind == "U"
        and not isinstance(values, np.ndarray)
        and not all(isinstance(v, str) for v in values)
    ):
        # numpy turned a mix such as [0, "a"] into text, so 0 and "0" would be one id
        names = sorted({type(v).__name__ for v in values})
        raise InputError(f"{name} mixes id types ({names}); use one type (all ints or all strings)")
    if kind == "c":
        raise InputError(f"{name} holds complex numbers; ids must be ints or strings")
    if kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"{name} has a missing id (NaN) at row {int(np.argmax(bad))}")
    if kind == "O":
        for i, v in enumerate(arr.tolist()):
            if v is None or (isinstance(v, float) and math.isnan(v)):
                raise InputError(
                    f"{name} has a missing id ({v!r}) at row {i}; every row needs an id"
                )
            if not isinstance(v, Hashable) or isinstance(v, (list, tuple, set, dict, complex)):
                raise InputError(
                    f"{name}: the id at row {i} is a {type(v).__name__} ({v!r}); "
                    "ids must be ints or strings"
                )
        kinds = {type(v) for v in arr.tolist()}
        if (
            len(
                {
                    bool
                    if issubclass(t, (bool, np.bool_))
                    else int
                    if issubclass(t, (int, np.integer))
                    else float
                    if issubclass(t, (float, np.floating))
                    else str
                    if issubclass(t, str)
                    else t
                    for t in kinds
                }
            )
            > 1
        ):
            raise InputError(
                f"{name} mixes id types ({sorted(t.__name__ for t in kinds)}); "
                "use one type (all ints or all strings)"
            )
        t = next(iter(kinds), str)
        if not issubclass(t, (str, int, float, np.integer, np.floating, bool, np.bool_)):
            raise InputError(
                f"{name}: ids of type {t.__name__} are not supported; use ints or strings"
            )
    return arr


def id_series(values: Any, name: str) -> Any:
    """Checked ids (:func:`id_array`) as a polars Series of a plain dtype (never ``Object``):
    an object array of strings becomes ``String``, of ints ``Int64`` (or ``UInt64`` /
    ``String`` beyond), so polars never sees Python objects."""
    import polars as pl

    arr = id_array(values, name)
    if arr.dtype.kind != "O":
        return pl.Series(name, arr)
    items = arr.tolist()
    if items and all(isinstance(v, str) for v in items):
        return pl.Series(name, items, dtype=pl.String)
    if items and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in items
    ):
        lo, hi = min(items), max(items)
        if -(2**63) <= lo and hi < 2**63:
            return pl.Series(name, items, dtype=pl.Int64)
        if 0 <= lo and hi < 2**64:
            return pl.Series(name, items, dtype=pl.UInt64)
        return pl.Series(name, [str(v) for v in items], dtype=pl.String)
    try:
        return pl.Series(name, items, strict=True)
    except Exception as e:  # noqa: BLE001 - polars' own type errors, renamed
        raise InputError(f"{name}: ids of these types cannot be used together ({e})") from None


def key_columns(df: Any, cols: Any, what: str) -> None:
    """Id / group columns of a polars frame must have a plain dtype: an ``Object`` column
    (Python objects, e.g. mixed ints and strings) cannot be grouped, sorted or compared by
    polars, which would raise its own error (or panic) deep inside."""
    from .errors import SchemaError

    for c in cols:
        if c in df.columns and str(df.schema[c]) == "Object":
            raise SchemaError(
                f"{what}: column '{c}' holds Python objects (dtype Object); use "
                "one id type, e.g. .cast(pl.String) or all ints"
            )


def guard_panics(fn: F) -> F:
    """Turn a panic of a dependency (polars' ``PanicException``, a ``BaseException``) that
    escapes ``fn`` into :class:`InternalError`; pluralign errors and ordinary exceptions pass
    through unchanged."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (Exception, KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as e:
            if type(e).__name__ != "PanicException":
                raise
            raise InternalError(
                f"{fn.__qualname__}: a dependency panicked ({str(e)[:200]}); this is a bug in "
                "pluralign's input checks, please report it with the input"
            ) from e

    return wrapper  # type: ignore[return-value]


def guard_module(module: Any) -> None:
    """Apply :func:`guard_panics` to the public functions of ``module`` (its ``__all__``, or
    every public name) and to the public methods of its public classes, once. This is the
    boundary that keeps a dependency's panic from passing ``except Exception`` in user code."""
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name, None)
        if getattr(obj, "__pluralign_guarded__", False):
            continue
        if inspect.isfunction(obj):
            wrapped = guard_panics(obj)
            wrapped.__pluralign_guarded__ = True  # type: ignore[attr-defined]
            setattr(module, name, wrapped)
        elif (
            inspect.isclass(obj)
            and not issubclass(obj, (BaseException, enum.Enum))
            and obj.__module__.startswith("pluralign")
            and not getattr(obj, "__pluralign_guarded__", False)
        ):
            for attr, value in list(vars(obj).items()):
                if attr.startswith("_"):
                    continue
                if isinstance(value, classmethod):
                    setattr(obj, attr, classmethod(guard_panics(value.__func__)))
                elif isinstance(value, staticmethod):
                    setattr(obj, attr, staticmethod(guard_panics(value.__func__)))
                elif inspect.isfunction(value):
                    setattr(obj, attr, guard_panics(value))
            try:
                obj.__pluralign_guarded__ = True  # type: ignore[attr-defined]
            except (AttributeError, TypeError):
                pass


# ---------------------------------------------------------------------------------------------
# types, options, tables and columns


def instance(
    v: Any,
    types: type | tuple[type, ...],
    name: str,
    *,
    none: bool = False,
    what: str | None = None,
) -> Any:
    """``v`` when it is an instance of ``types`` (bools are not ints here; ``None`` passes when
    ``none``); else an :class:`InputError` saying ``name must be <what>``."""
    ts = types if isinstance(types, tuple) else (types,)
    if v is None and none:
        return v
    ok = isinstance(v, ts) and not (isinstance(v, (bool, np.bool_)) and bool not in ts)
    if not ok:
        if what is None:
            names = [
                t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
                for t in ts
            ]
            what = " or ".join(f"{'an' if n[0] in 'aeiou' else 'a'} {n}" for n in names)
        raise InputError(
            f"{name} must be {what}{' or None' if none else ''}, "
            f"got {_short(v)} ({type(v).__name__})"
        )
    return v


def option(v: Any, name: str, allowed: Any) -> Any:
    """``v`` when it is one of ``allowed`` (a ``Literal[...]`` type or a sequence of values);
    else an :class:`InputError` listing the choices."""
    choices = (
        typing.get_args(allowed) if typing.get_origin(allowed) is typing.Literal else tuple(allowed)
    )
    # an array or a list is refused up front instead of failing an ambiguous ``in`` test
    try:
        ok = isinstance(v, Hashable) and not isinstance(v, np.ndarray) and v in choices
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{name} must be one of {', '.join(map(repr, choices))}, got {v!r}")
    return v


def frame(df: Any, name: str) -> Any:
    """``df`` as an eager polars DataFrame.

    Accepted: a polars DataFrame or LazyFrame (collected), a pyarrow Table and anything that
    exports an Arrow C stream (``__arrow_c_stream__``). A pandas DataFrame is refused with the
    conversion to use (``polars.from_pandas``): converting silently would copy and guess
    dtypes."""
    import polars as pl

    if isinstance(df, pl.DataFrame):
        return df
    if isinstance(df, pl.LazyFrame):
        try:
            return df.collect()
        except pl.exceptions.PolarsError as e:
            raise InputError(f"{name}: the LazyFrame could not be collected: {e}") from None
    if type(df).__module__.split(".")[0] == "pandas":
        raise InputError(
            f"{name} is a pandas {type(df).__name__}; convert it with "
            f"polars.from_pandas({name}) first"
        )
    if hasattr(df, "__arrow_c_stream__") or type(df).__module__.split(".")[0] == "pyarrow":
        try:
            out = pl.DataFrame(df) if hasattr(df, "__arrow_c_stream__") else pl.from_arrow(df)
        except (pl.exceptions.PolarsError, TypeError, ValueError) as e:
            raise InputError(
                f"{name}: cannot read the {type(df).__name__} as a table: {e}"
            ) from None
        if isinstance(out, pl.DataFrame):
            return out
    raise InputError(
        f"{name} must be a polars DataFrame (or a LazyFrame, a pyarrow Table or "
        f"any object with __arrow_c_stream__), got {type(df).__name__}"
    )


def require_columns(df: Any, cols: Sequence[str], what: str, hint: str = "") -> None:
    """A :class:`SchemaError` naming the columns of ``cols`` that ``df`` lacks, and the ones it
    has."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise SchemaError(
            f"{what}: missing column(s): {missing} not found; the table has {df.columns}. "
            + (hint or "Rename your columns or pass their names as parameters")
        )


def finite_columns(df: Any, cols: Sequence[str], what: str, nonneg: bool = False) -> None:
    """Numeric columns without nulls or non-finite values (and, with ``nonneg``, without
    negative values); the error names the column and the first bad row."""
    import polars as pl

    for c in cols:
        dtype = df.schema[c]
        if not dtype.is_numeric():
            raise SchemaError(f"{what}: column '{c}' has type {dtype}; it must be numeric")
    if not cols or df.height == 0:
        return

    def fine(c: str) -> bool:
        if df[c].null_count():
            return False
        a = df[c].to_numpy()
        if df.schema[c].is_float() and not bool(np.isfinite(a).all()):
            return False
        return not nonneg or bool((a >= 0).all())

    if all(fine(c) for c in cols):
        return
    bad_expr = {c: pl.col(c).is_null() | ~pl.col(c).cast(pl.Float64).is_finite() for c in cols}
    bad = df.select(
        [e.arg_max().alias(c) for c, e in bad_expr.items()]
        + [e.any().alias(f"__any_{c}") for c, e in bad_expr.items()]
    ).row(0, named=True)
    for c in cols:
        if bad[f"__any_{c}"]:
            row = int(bad[c])
            raise InputError(
                f"{what}: column '{c}' has a null or non-finite value "
                f"({df[c][row]}) at row {row}; fill or drop it first"
            )
    if nonneg:
        for c in cols:
            neg = df.select(
                (pl.col(c) < 0).arg_max().alias("i"), (pl.col(c) < 0).any().alias("a")
            ).row(0)
            if neg[1]:
                raise InputError(
                    f"{what}: column '{c}' is negative at row {neg[0]}; support must be >= 0"
                )


# ---------------------------------------------------------------------------------------------
# renamed keywords (kept one release with a DeprecationWarning)


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


#: the default of a deprecated keyword: tells "not passed" from any value
UNSET: Any = _Unset()


def _outside_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside pluralign (wrappers and public functions
    in between vary), so that a warning points at the user's line."""
    import sys

    level, f = 1, sys._getframe(1)
    while f is not None and f.f_globals.get("__name__", "").split(".")[0] == "pluralign":
        f, level = f.f_back, level + 1  # type: ignore[assignment]
    return level


def renamed(
    where: str, new: str, new_value: Any, old: str, old_value: Any, default: Any = None
) -> Any:
    """The value of keyword ``new`` when the caller may still use its old name ``old``.

    ``old_value`` is :data:`UNSET` unless the caller passed ``old``; then it warns
    (``DeprecationWarning`` naming both and ``where``) and its value is used. Passing both
    (``new_value`` other than its ``default``) is an :class:`InputError`."""
    if old_value is UNSET:
        return new_value
    if new_value is not UNSET and new_value is not default:
        raise InputError(f"{where}: pass {new}= only ({old}= is its old name)")
    warnings.warn(
        f"{where}: {old}= is deprecated and will be removed in the next release; use {new}=",
        DeprecationWarning,
        stacklevel=_outside_stacklevel(),
    )
    return old_value
