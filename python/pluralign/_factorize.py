"""The one id factorizer of the library: dense integer codes for id columns (items, raters,
prompts, groups), computed in Rust straight from the Arrow buffers of the polars Series
(``rust/core/src/factorize.rs``): text (String, Binary, large and view layouts), Categorical /
Enum (their physical uint32 ids, read in place like integers: no dictionary is exported and no
text is read per row), integers (a presence table when the range is compact). Other types
(floats, dates, ...) go through a polars sort and search.

The distinct values come back in the input's own dtype, gathered from the input: a
Categorical / Enum column gives values of that same Categorical / Enum dtype (the input's
dictionary), so result columns built from them keep it.

:func:`factorize_mapped` gives the kernels that take them (``bradley_terry``, ``elo``,
``tally``, ``agreement``) a Categorical's or Enum's own physical ids with one small map from
id to code, in place of a uint32 code per row: the codes would cost 4 bytes a row, as much as
the whole column for an Enum (issue 22: peak memory below the input).
"""

from __future__ import annotations

from typing import Literal, TypeAlias, cast, overload

import numpy as np
import polars as pl

from . import _core
from .errors import InputError, SchemaError

# one id column as the Rust kernels take it: uint32 codes, or (physical ids, map id -> code)
Codes: TypeAlias = np.ndarray | tuple[np.ndarray, np.ndarray]

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _native(dtype: pl.DataType) -> bool:
    return (
        dtype in _INTS
        or dtype in (pl.String, pl.Binary, pl.Categorical)
        or isinstance(dtype, pl.Enum)
    )


# polars >= 1.32: a Categorical's physical ids index one Categories mapping shared by every
# column of that dtype (one id per string), so equal dtypes mean comparable ids. Older polars
# kept a local mapping per column: those go through the Arrow dictionaries instead.
_CATEGORIES = getattr(pl, "Categories", None)


def _physical_ids(dtype: pl.DataType) -> bool:
    if isinstance(dtype, pl.Enum):
        return True
    return (
        dtype == pl.Categorical
        and _CATEGORIES is not None
        and isinstance(getattr(dtype, "categories", None), _CATEGORIES)
    )


@overload
def factorize(
    *cols: pl.Series,
    sort: bool | None = True,
    threads: int | None = None,
    values: Literal[True] = True,
) -> tuple[pl.Series, list[np.ndarray]]: ...
@overload
def factorize(
    *cols: pl.Series, sort: bool | None = True, threads: int | None = None, values: Literal[False]
) -> tuple[None, list[np.ndarray]]: ...
@overload
def factorize(
    *cols: pl.Series, sort: bool | None = True, threads: int | None = None, values: bool
) -> tuple[pl.Series | None, list[np.ndarray]]: ...
def factorize(
    *cols: pl.Series,
    sort: bool | None = True,
    threads: int | None = None,
    values: bool = True,
) -> tuple[pl.Series | None, list[np.ndarray]]:
    """The distinct values of ``cols`` (taken together, in their own dtype) and each column's
    uint32 codes into them.

    With ``sort=True`` the values are sorted (numbers numerically, text byte-wise = by code
    point, Categorical by its text, Enum in its category order) and codes are positions in that
    order; with ``sort=False`` they are numbered in order of first appearance; with
    ``sort=None`` in some order fixed by the values alone (never by the thread count): for
    grouping, where only equality matters, and the cheapest. ``values=False`` skips gathering
    the distinct values (None in their place) when only the codes are needed. Nulls are an
    ``InputError`` naming the column and row; columns of different types a ``SchemaError``.
    """
    # each `.dtype` of a large Enum builds its category list (and hashing it hashes them all):
    # read it once per column, compare without hashing
    dtype = cols[0].dtype
    if any(c.dtype != dtype for c in cols[1:]):
        names = ", ".join(f"'{c.name}' ({c.dtype})" for c in cols)
        raise SchemaError(f"columns {names} must have the same type; cast them to one type")
    _check_nulls(cols)
    if not _native(dtype) or (
        dtype == pl.UInt64 and any(int(cast(int, c.max() or 0)) >= 2**63 for c in cols)
    ):
        return _factorize_polars(cols, sort)
    if _physical_ids(dtype):
        return _factorize_physical(cols, sort, threads, values)
    codes, first_col, first_row = _core.factorize_ids(list(cols), sort=sort, threads=threads)
    return (_first_values(cols, first_col, first_row) if values else None), codes


def factorize_mapped(
    *cols: pl.Series,
    sort: bool | None = True,
    threads: int | None = None,
    values: bool = True,
) -> tuple[pl.Series | None, list[Codes]]:
    """As :func:`factorize`, but a Categorical / Enum column's codes come as ``(ids, map)``:
    the column's physical ids (borrowed from polars, 1-4 bytes a row) and one uint32 map from
    id to code shared by all columns (one array object in every tuple: not to be changed in
    place). Other types, and physical ids too sparse for a map, come as uint32 codes.
    :func:`plain` turns either form into codes."""
    dtype = cols[0].dtype
    if not (all(c.dtype == dtype for c in cols[1:]) and _physical_ids(dtype)):
        distinct, codes = factorize(*cols, sort=sort, threads=threads, values=values)
        return distinct, list(codes)
    return _mapped(cols, dtype, sort, threads, values)


def _mapped(
    cols: tuple[pl.Series, ...],
    dtype: pl.DataType,
    sort: bool | None,
    threads: int | None,
    values: bool,
) -> tuple[pl.Series | None, list[Codes]]:
    """:func:`factorize_mapped` of Categorical / Enum columns of one ``dtype`` (read by the
    caller: a large Enum's ``.dtype`` builds its category list)."""
    _check_nulls(cols)
    enum = isinstance(dtype, pl.Enum)
    ids = [np.ascontiguousarray(c.to_physical().to_numpy()) for c in cols]
    got = _core.factorize_map(ids, sort=bool(sort) and enum, threads=threads)
    if got is None:
        distinct, codes = factorize(*cols, sort=sort, threads=threads, values=values)
        return distinct, list(codes)
    mapping, first_col, first_row = got
    text_order = bool(sort) and not enum and len(first_row) > 1
    if not (values or text_order):
        return None, [(i, mapping) for i in ids]
    distinct = _first_values(cols, first_col, first_row)
    if text_order and (by_text := _text_order(distinct)) is not None:
        order, rank = by_text
        present = mapping != np.uint32(2**32 - 1)
        mapping[present] = rank[mapping[present]]
        distinct = distinct.gather(order)
    return (distinct if values else None), [(i, mapping) for i in ids]


def codes_each(
    *cols: pl.Series, sort: bool | None = True, threads: int | None = None
) -> list[Codes]:
    """The codes of each column on its own (each column its own set of values), as
    :func:`factorize_mapped` gives them with ``values=False``. Text and integer columns are
    factorized side by side in one Rust call: one column's sequential steps (a text column's
    first rows are coded alone) overlap the others' work (issue 22: a rater and an item column
    of 36-byte uuids, 1e6 rows, 21 -> 16-19 ms on two cores)."""
    # (each `.dtype` of a large Enum builds its category list: read once per column)
    kinds = [c.dtype for c in cols]
    together = [
        k
        for k, (c, dt) in enumerate(zip(cols, kinds, strict=True))
        if not _physical_ids(dt)
        and _native(dt)
        and not (dt == pl.UInt64 and int(cast(int, c.max() or 0)) >= 2**63)
    ]
    out: list[Codes | None] = [None] * len(cols)
    if len(together) > 1:
        _check_nulls(tuple(cols[k] for k in together))
        done = _core.factorize_ids_each([[cols[k]] for k in together], sort=sort, threads=threads)
        for k, (codes, _, _) in zip(together, done, strict=True):
            out[k] = codes[0]
    for k, (c, dt) in enumerate(zip(cols, kinds, strict=True)):
        if out[k] is not None:
            continue
        if _physical_ids(dt):
            out[k] = _mapped((c,), dt, sort, threads, False)[1][0]
        else:
            out[k] = factorize(c, sort=sort, threads=threads, values=False)[1][0]
    return cast(list[Codes], out)


def plain(codes: Codes) -> np.ndarray:
    """The uint32 codes of either form (a copy for ``(ids, map)``)."""
    if isinstance(codes, tuple):
        ids, mapping = codes
        return mapping[ids]
    return codes


def _check_nulls(cols: tuple[pl.Series, ...]) -> None:
    for c in cols:
        if c.null_count():
            row = int(c.is_null().arg_max() or 0)
            raise InputError(
                f"id column '{c.name}' has a null at row {row}; drop or fill the nulls"
            )


def _factorize_physical(
    cols: tuple[pl.Series, ...], sort: bool | None, threads: int | None, values: bool
) -> tuple[pl.Series | None, list[np.ndarray]]:
    """Categorical / Enum through their physical ids (an Enum's id order is its category
    order; a Categorical's codes are put into the order of its text afterwards)."""
    enum = isinstance(cols[0].dtype, pl.Enum)
    codes, first_col, first_row = _core.factorize_ids(
        [c.to_physical() for c in cols], sort=bool(sort) and enum, threads=threads
    )
    text_order = bool(sort) and not enum and len(first_row) > 1
    if not (values or text_order):
        return None, codes
    distinct = _first_values(cols, first_col, first_row)
    if text_order and (by_text := _text_order(distinct)) is not None:
        order, rank = by_text
        _core.factorize_remap(codes, rank, threads=threads)
        distinct = distinct.gather(order)
    return (distinct if values else None), codes


def _text_order(distinct: pl.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The Categorical values' order by text and each code's rank in it; None when the codes
    already follow it. polars sorts text byte-wise, as the text path does."""
    order = distinct.cast(pl.String).arg_sort().to_numpy()
    if not (order[1:] < order[:-1]).any():
        return None
    rank = np.empty(len(order), dtype=np.uint32)
    rank[order] = np.arange(len(order), dtype=np.uint32)
    return order, rank


def _first_values(
    cols: tuple[pl.Series, ...], first_col: np.ndarray, first_row: np.ndarray
) -> pl.Series:
    """Each code's value, gathered (in the columns' dtype) from where it first occurs."""
    first_row = first_row.astype(np.int64, copy=False)
    if len(cols) == 1 or not first_col.any():
        values = cols[0].gather(first_row)
    else:
        # gather each column's share, then put the values back in code order
        parts, where = [], []
        for k, c in enumerate(cols):
            sel = np.flatnonzero(first_col == k)
            if len(sel):
                parts.append(c.gather(first_row[sel]))
                where.append(sel)
        values = pl.concat(parts).gather(np.argsort(np.concatenate(where), kind="stable"))
    return values.rename(cols[0].name)


def _factorize_polars(
    cols: tuple[pl.Series, ...], sort: bool | None
) -> tuple[pl.Series, list[np.ndarray]]:
    allv = pl.concat([c.rename("v") for c in cols]) if len(cols) > 1 else cols[0].rename("v")
    values = allv.unique().sort()
    codes = [values.search_sorted(c).to_numpy().astype(np.uint32) for c in cols]
    if sort is False:
        # first-seen order, as the Rust paths number them: each sorted code to the place of
        # its value's first row
        seen = allv.unique(maintain_order=True)
        to_seen = np.empty(len(values), dtype=np.uint32)
        to_seen[values.search_sorted(seen).to_numpy()] = np.arange(len(seen), dtype=np.uint32)
        codes = [to_seen[c] for c in codes]
        values = seen
    return values.rename(cols[0].name), codes
